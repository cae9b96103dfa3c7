/** Bans in memory: for tests, and for a server whose location backend is memory. */
import { type Ban, type BanStore, byAddress, isActive } from './ban-store.js';

/** The data several MemoryBanStore instances may share (like nodes sharing one Redis). */
export interface MemoryBanData {
  readonly bans: Map<string, Ban>;
  revision: number;
}

export function memoryBanData(): MemoryBanData {
  return { bans: new Map(), revision: 0 };
}

export class MemoryBanStore implements BanStore {
  readonly kind = 'memory';

  constructor(private readonly data: MemoryBanData = memoryBanData()) {}

  async add(ban: Ban): Promise<void> {
    this.data.bans.set(ban.address, ban);
    this.data.revision++;
  }

  async remove(address: string, now: number): Promise<boolean> {
    const ban = this.data.bans.get(address);
    if (ban === undefined) return false;
    this.data.bans.delete(address);
    this.data.revision++;
    return isActive(ban, now);
  }

  async list(now: number): Promise<Ban[]> {
    return [...this.data.bans.values()].filter((b) => isActive(b, now)).sort(byAddress);
  }

  async purgeExpired(now: number): Promise<number> {
    let n = 0;
    for (const [address, ban] of this.data.bans) {
      if (!isActive(ban, now)) {
        this.data.bans.delete(address);
        n++;
      }
    }
    if (n > 0) this.data.revision++;
    return n;
  }

  async revision(): Promise<string> {
    return String(this.data.revision);
  }

  async close(): Promise<void> {}
}
