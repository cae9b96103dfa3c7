/**
 * Bans shared by every node on one Redis, under the location store's key prefix:
 *   {p}ban:all   hash: address → JSON {expiresAt, reason, createdAt}
 *   {p}ban:rev   counter, incremented with every change (what nodes poll)
 * Each change is one MULTI, so a node that sees a new revision also sees the change.
 */
import { Redis } from 'ioredis';
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
    let lastError: Error | undefined;
    const client = new Redis(options.url, {
      lazyConnect: true,
      connectTimeout: 5000,
      commandTimeout: options.commandTimeoutMs ?? 2000,
      maxRetriesPerRequest: 1,
      retryStrategy: (times) => Math.min(100 * times, 2000),
      disconnectTimeout: 200,
    });
    client.on('error', (e: Error) => {
      lastError = e;
      options.onConnectionError?.(e);
    });
    try {
      await client.connect();
    } catch (e) {
      client.disconnect();
      throw new BanStoreError('redis', `cannot connect: ${lastError?.message ?? (e instanceof Error ? e.message : String(e))}`, { cause: lastError ?? e });
    }
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
