/**
 * Replay protection for qop=auth (RFC 7616 §3.4: "The nc value is the hexadecimal count of
 * the number of requests (including the current request) that the client has sent with the
 * nonce value in this request"; §5.12: servers should check it increases).
 *
 * Kamailio's auth module keeps nonce-counts the same way (`nid` pools, `nc_array_size`):
 * every nonce this instance issues carries a 32-bit id, and the id picks a slot in a fixed
 * ring of `capacity` slots. The slot holds the id that owns it and the highest count
 * accepted for that id. Issuing a nonce claims its slot; once `capacity` more nonces have
 * been issued the slot belongs to a newer one, and the old nonce is *forgotten*: answered
 * `stale`, so the UA retries with a fresh nonce without asking its user. A forgotten nonce
 * is never accepted as if it were new (an LRU map that dropped an entry would have let its
 * captured requests be replayed).
 *
 * Memory is fixed: two Uint32Arrays, 8 bytes a slot (2 MiB for the default 262,144), where
 * a Map from nonce text to count held ~180 bytes per nonce in the JS heap (17.5 MiB for
 * 100,000 nonces, most of them answered once by a phone registering).
 */

/** What `check` found for a nonce id and a count. */
export type NonceCountVerdict = 'fresh' | 'replay' | 'forgotten';

/** Default ring size: 2^18 nonces, at 2,000 challenges/s about two minutes of them. */
export const DEFAULT_NONCE_SLOTS = 1 << 18;

export class NonceCountTracker {
  private readonly owner: Uint32Array;
  private readonly highest: Uint32Array;
  private readonly mask: number;
  /** The next id to hand out (uint32, wraps). */
  private next = 0;

  /** `capacity` is rounded up to a power of two (at least 2). */
  constructor(capacity: number = DEFAULT_NONCE_SLOTS) {
    if (!Number.isInteger(capacity) || capacity < 1 || capacity > 2 ** 30) throw new Error('nonce tracker capacity must be an integer in 1..2^30');
    const slots = Math.max(2, 2 ** Math.ceil(Math.log2(capacity)));
    this.owner = new Uint32Array(slots);
    this.highest = new Uint32Array(slots);
    this.mask = slots - 1;
  }

  /** Slots in the ring: how many of the latest nonces are remembered. */
  get capacity(): number {
    return this.mask + 1;
  }

  /** Claims the slot of a new nonce and returns its id (to embed in the nonce). */
  issue(): number {
    const id = this.next;
    this.next = (this.next + 1) >>> 0;
    const slot = id & this.mask;
    this.owner[slot] = id;
    this.highest[slot] = 0;
    return id;
  }

  /** Whether `nc` is higher than every count accepted so far for nonce `id`. */
  check(id: number, nc: number): NonceCountVerdict {
    const slot = id & this.mask;
    if (this.owner[slot] !== id >>> 0 || !this.issuedRecently(id)) return 'forgotten';
    return nc > this.highest[slot] ? 'fresh' : 'replay';
  }

  /** Records an accepted count (call only after the response was verified and `check` said fresh). */
  accept(id: number, nc: number): void {
    const slot = id & this.mask;
    if (this.owner[slot] === id >>> 0 && nc > this.highest[slot]) this.highest[slot] = nc;
  }

  /**
   * True when `id` is one of the last `capacity` ids handed out. The slot's owner alone
   * cannot tell: before the ring has wrapped once, an unissued slot holds id 0.
   */
  private issuedRecently(id: number): boolean {
    return ((this.next - 1 - id) >>> 0) <= this.mask;
  }
}
