/**
 * Retransmission cache for the ng protocol. rtpengine's control document: "The message cookie
 * is used to match requests to responses and to detect retransmissions." A request whose cookie
 * (from the same source) was seen recently gets the very same reply, without running the command
 * again; one that arrives while the first is still being processed waits for that reply.
 *
 * Bounded in age (`maxAgeMs`, default 30 s, rtpengine's cookie cache lifetime) and in size
 * (`maxEntries`, oldest dropped first). Time is whatever the caller passes (Clock.now()).
 */

export interface NgCookieCacheOptions {
  readonly maxEntries?: number;
  readonly maxAgeMs?: number;
}

interface Entry {
  readonly at: number;
  /** The reply; a promise while the request is still being processed. */
  reply: Promise<Buffer | undefined> | Buffer | undefined;
}

export class NgCookieCache {
  // A Map iterates in insertion order, which is arrival order: the oldest entry is first.
  private readonly entries = new Map<string, Entry>();
  private readonly maxEntries: number;
  private readonly maxAgeMs: number;

  constructor(options: NgCookieCacheOptions = {}) {
    this.maxEntries = Math.max(1, options.maxEntries ?? 10_000);
    this.maxAgeMs = Math.max(0, options.maxAgeMs ?? 30_000);
  }

  get size(): number {
    return this.entries.size;
  }

  static key(host: string, port: number, cookie: Buffer): string {
    return `${host}|${port}|${cookie.toString('latin1')}`;
  }

  /** The cached reply (or the pending one), or `undefined` when this is a new request. */
  lookup(key: string, now: number): { reply: Promise<Buffer | undefined> | Buffer | undefined } | undefined {
    this.expire(now);
    const e = this.entries.get(key);
    return e === undefined ? undefined : { reply: e.reply };
  }

  /** Records a request being processed; its entry is updated in place when the reply is ready. */
  start(key: string, now: number, reply: Promise<Buffer | undefined>): void {
    this.entries.delete(key);
    const entry: Entry = { at: now, reply };
    this.entries.set(key, entry);
    void reply.then(
      (r) => {
        if (this.entries.get(key) === entry) entry.reply = r;
      },
      () => {
        if (this.entries.get(key) === entry) this.entries.delete(key);
      },
    );
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  private expire(now: number): void {
    for (const [k, e] of this.entries) {
      if (now - e.at < this.maxAgeMs) break;
      this.entries.delete(k);
    }
  }
}
