/**
 * Stateless nonces (RFC 7616 §3.3: "the nonce is opaque to the client" and may embed a
 * timestamp and a private key to detect forgeries and limit its lifetime). A nonce is
 * base64url( timestamp(8) | instance(6) | id(4) | random(2) | HMAC-SHA256(secret, … | realm) ):
 * any node holding the secret can check it, also after a restart, and it is bound to its
 * realm. `instance` names the running server that issued it: nonce-counts (replay
 * protection) are tracked where a nonce was issued, so one from another instance — a
 * previous run, another node — is answered `stale` and the UA retries with a local one.
 * `id` is the issuing instance's slot for the nonce's counts (NonceCountTracker).
 */
import { createHash, hash, randomBytes, timingSafeEqual } from 'node:crypto';
import { pooledRandomBytes } from '../lib/index.js';

const TIME_BYTES = 8;
const INSTANCE_BYTES = 6;
const ID_BYTES = 4;
/** instance id + nonce-count id + per-nonce random; together the former 12 random bytes. */
const RANDOM_BYTES = INSTANCE_BYTES + ID_BYTES + 2;
const MAC_BYTES = 32;
const NONCE_BYTES = TIME_BYTES + RANDOM_BYTES + MAC_BYTES;
/** base64url length of NONCE_BYTES (no padding). */
const NONCE_CHARS = Math.ceil((NONCE_BYTES * 8) / 6);

export type NonceCheck =
  /**
   * Made with our secret for this realm; `issuedAt` is wall-clock ms. `local` is true when
   * this very instance issued it (so its nonce-counts are known here, under `id`).
   */
  | { readonly kind: 'valid'; readonly issuedAt: number; readonly expiresAt: number; readonly local: boolean; readonly id: number }
  | { readonly kind: 'expired'; readonly issuedAt: number; readonly expiresAt: number; readonly local: boolean; readonly id: number }
  /** Not one of ours (bad MAC, bad encoding) or made for another realm. */
  | { readonly kind: 'bad' };

/** SHA-256's block size: the HMAC key pads (RFC 2104 §2). */
const BLOCK = 64;

export class NonceIssuer {
  /** The secret XOR ipad and XOR opad (RFC 2104 §2), computed once. */
  private readonly innerPad: Buffer;
  private readonly outerPad: Buffer;
  private readonly ttlMs: number;
  private readonly instance: Buffer;

  /** @param instance this server instance's id (random per start unless given, for tests). */
  constructor(secret: Buffer, ttlMs: number, instance: Buffer = randomBytes(INSTANCE_BYTES)) {
    if (secret.length < 16) throw new Error('nonce secret must be at least 16 bytes');
    if (!(ttlMs > 0)) throw new Error('nonce TTL must be positive');
    if (instance.length !== INSTANCE_BYTES) throw new Error(`nonce instance id must be ${INSTANCE_BYTES} bytes`);
    // RFC 2104 §2: a key longer than the block is hashed first; a shorter one is zero-padded.
    const key = Buffer.alloc(BLOCK);
    (secret.length > BLOCK ? createHash('sha256').update(secret).digest() : secret).copy(key);
    this.innerPad = Buffer.from(key.map((b) => b ^ 0x36));
    this.outerPad = Buffer.from(key.map((b) => b ^ 0x5c));
    this.ttlMs = ttlMs;
    this.instance = Buffer.from(instance);
  }

  /** A fresh nonce for `realm`, issued at wall-clock `now` (ms), carrying nonce-count slot `id` (uint32). */
  issue(realm: string, now: number, id = 0): string {
    const buf = Buffer.allocUnsafe(NONCE_BYTES);
    buf.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(now))), 0);
    this.instance.copy(buf, TIME_BYTES);
    buf.writeUInt32BE(id >>> 0, TIME_BYTES + INSTANCE_BYTES);
    pooledRandomBytes(RANDOM_BYTES - INSTANCE_BYTES - ID_BYTES).copy(buf, TIME_BYTES + INSTANCE_BYTES + ID_BYTES);
    this.mac(buf.subarray(0, TIME_BYTES + RANDOM_BYTES), realm).copy(buf, TIME_BYTES + RANDOM_BYTES);
    return buf.toString('base64url');
  }

  /** Checks that `nonce` is ours and for `realm`, and whether it is older than the TTL at `now`. */
  check(nonce: string, realm: string, now: number): NonceCheck {
    if (nonce.length !== NONCE_CHARS) return { kind: 'bad' };
    const buf = Buffer.from(nonce, 'base64url');
    // Only the canonical encoding is accepted: the replay tracker keys on the nonce text, so
    // two spellings of one nonce must not exist.
    if (buf.length !== NONCE_BYTES || buf.toString('base64url') !== nonce) return { kind: 'bad' };
    const expected = this.mac(buf.subarray(0, TIME_BYTES + RANDOM_BYTES), realm);
    if (!timingSafeEqual(expected, buf.subarray(TIME_BYTES + RANDOM_BYTES))) return { kind: 'bad' };
    const issuedAt = Number(buf.readBigUInt64BE(0));
    const expiresAt = issuedAt + this.ttlMs;
    const local = buf.subarray(TIME_BYTES, TIME_BYTES + INSTANCE_BYTES).equals(this.instance);
    const id = buf.readUInt32BE(TIME_BYTES + INSTANCE_BYTES);
    return { kind: now > expiresAt ? 'expired' : 'valid', issuedAt, expiresAt, local, id };
  }

  /**
   * HMAC-SHA256(secret, timeAndRandom | "|" | realm), RFC 2104: H(K^opad, H(K^ipad, text)).
   * Two one-shot crypto.hash calls cost about half of a createHmac() object per nonce.
   */
  private mac(timeAndRandom: Buffer, realm: string): Buffer {
    const realmBytes = Buffer.byteLength(realm, 'latin1');
    const inner = Buffer.allocUnsafe(BLOCK + timeAndRandom.length + 1 + realmBytes);
    this.innerPad.copy(inner, 0);
    timeAndRandom.copy(inner, BLOCK);
    inner[BLOCK + timeAndRandom.length] = 0x7c; // '|'
    inner.write(realm, BLOCK + timeAndRandom.length + 1, 'latin1');
    const outer = Buffer.allocUnsafe(BLOCK + 32);
    this.outerPad.copy(outer, 0);
    hash('sha256', inner, 'buffer').copy(outer, BLOCK);
    return hash('sha256', outer, 'buffer');
  }
}
