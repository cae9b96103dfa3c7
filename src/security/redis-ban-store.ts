/**
 * Bans shared by every node on one Redis, under the location store's key prefix:
 *   {p}ban:all   hash: address → JSON {expiresAt, reason, createdAt}
 *   {p}ban:rev   counter, incremented with every change (what nodes poll)
 * Each change is one MULTI, so a node that sees a new revision also sees the change.
 */
import type { Redis } from 'ioredis';
import { connectRedis } from '../location/index.js';
import { type Ban, type BanStore, BanStoreError, byAddress, decodeBan, encodeBan, isActive } from './ban-store.js';

export interface RedisBanStoreOptions {
  readonly url: string;
  /** Default `sb:`, as the location store. */
  readonly keyPrefix?: string;
  readonly commandTimeoutMs?: number;
  readonly onConnectionError?: (error: Error) => void;
}

export class RedisBanStore implements BanStore {
  readonly kind = 'redis';
  private readonly all: string;
  private readonly rev: string;

  static async open(options: RedisBanStoreOptions): Promise<RedisBanStore> {
    const c = await connectRedis(options);
    if (!c.ok) throw new BanStoreError('redis', c.reason, { cause: c.cause });
    const client = c.client;
    return new RedisBanStore(client, options.keyPrefix ?? 'sb:');
  }

  private constructor(
    private readonly client: Redis,
    prefix: string,
  ) {
    this.all = `${prefix}ban:all`;
    this.rev = `${prefix}ban:rev`;
  }

  async add(ban: Ban): Promise<void> {
    await this.client.multi().hset(this.all, ban.address, encodeBan(ban)).incr(this.rev).exec();
  }

  async remove(address: string, now: number): Promise<boolean> {
    const json = await this.client.hget(this.all, address);
    if (json === null) return false;
    await this.client.multi().hdel(this.all, address).incr(this.rev).exec();
    const ban = decodeBan(address, json);
    return ban !== undefined && isActive(ban, now);
  }

  private async entries(): Promise<Ban[]> {
    const raw = await this.client.hgetall(this.all);
    const out: Ban[] = [];
    for (const [address, json] of Object.entries(raw)) {
      const ban = decodeBan(address, json);
      if (ban !== undefined) out.push(ban);
    }
    return out;
  }

  async list(now: number): Promise<Ban[]> {
    return (await this.entries()).filter((b) => isActive(b, now)).sort(byAddress);
  }

  async purgeExpired(now: number): Promise<number> {
    const expired = (await this.entries()).filter((b) => !isActive(b, now)).map((b) => b.address);
    if (expired.length === 0) return 0;
    await this.client.multi().hdel(this.all, ...expired).incr(this.rev).exec();
    return expired.length;
  }

  async revision(): Promise<string> {
    return (await this.client.get(this.rev)) ?? '0';
  }

  async close(): Promise<void> {
    if (this.client.status === 'end') return;
    try {
      await this.client.quit();
    } catch {
      this.client.disconnect();
    }
  }
}
