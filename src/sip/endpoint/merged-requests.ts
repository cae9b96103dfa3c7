/**
 * RFC 3261 §8.2.2.2 merged-request detection: "If the request has no tag in the To header
 * field, the UAS core MUST check the request against ongoing transactions. If the From tag,
 * Call-ID, and CSeq exactly match those associated with an ongoing transaction, but the
 * request does not match that transaction (based on the matching rules in Section 17.2.3),
 * the UAS core SHOULD generate a 482 (Loop Detected) response".
 * A request forked upstream that reaches us twice by different paths is the usual cause.
 * Entries live as long as a non-INVITE transaction can (64·T1) and the table is bounded.
 */
import type { Clock } from '../../lib/index.js';
import type { SipRequest } from '../message/index.js';

interface Entry {
  branch: string;
  sentBy: string;
  expires: number;
}

export class MergedRequestDetector {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly lifetimeMs: number,
    private readonly maxEntries = 100_000,
  ) {}

  /** Records the request; returns true when it is a merged copy of one seen by another path. */
  isMerged(req: SipRequest): boolean {
    if (req.method === 'ACK' || req.method === 'CANCEL' || req.to.tag !== undefined) return false;
    const fromTag = req.from.tag;
    if (fromTag === undefined) return false; // RFC 2543 peers: nothing reliable to compare.
    const top = req.topVia;
    const branch = top.branch ?? '';
    const sentBy = `${top.hostname}:${top.port ?? ''}`;
    const key = `${fromTag}\u0000${req.callId}\u0000${req.cseq.seq}\u0000${req.cseq.method}`;
    const now = this.clock.now();
    const seen = this.entries.get(key);
    if (seen !== undefined && seen.expires > now) {
      return seen.branch !== branch || seen.sentBy !== sentBy;
    }
    if (seen !== undefined) this.entries.delete(key);
    this.evict(now);
    this.entries.set(key, { branch, sentBy, expires: now + this.lifetimeMs });
    return false;
  }

  get size(): number {
    return this.entries.size;
  }

  /** Drops expired entries from the oldest end, and the oldest one when full. */
  private evict(now: number): void {
    for (const [key, e] of this.entries) {
      if (e.expires > now && this.entries.size < this.maxEntries) break;
      this.entries.delete(key);
    }
  }
}
