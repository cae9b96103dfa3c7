import { randomBytes } from 'node:crypto';

/** RFC 3261 §8.1.1.7: branch IDs of RFC 3261 elements start with this magic cookie. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

const POOL_SIZE = 4096;
let pool = Buffer.alloc(0);
let poolOffset = 0;

/**
 * Cryptographically random bytes drawn from a refilled pool (one syscall per 4 KiB; a
 * crypto.randomBytes call per nonce was ~2 % of a digest registration). The result is a view
 * of the pool: copy it or use it before the next call that could refill.
 */
export function pooledRandomBytes(n: number): Buffer {
  if (poolOffset + n > pool.length) {
    pool = randomBytes(Math.max(POOL_SIZE, n));
    poolOffset = 0;
  }
  const out = pool.subarray(poolOffset, poolOffset + n);
  poolOffset += n;
  return out;
}

const ALPHABET = '0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** A random token of `length` characters from [0-9a-zA-Z] (safe in tags, branches, Call-IDs). */
export function randomToken(length = 16): string {
  const bytes = pooledRandomBytes(length);
  let s = '';
  for (let i = 0; i < length; i++) s += ALPHABET[bytes[i] % 62];
  return s;
}

/** RFC 3261 §8.1.1.7: a new branch, unique across space and time, with the magic cookie. */
export function newBranch(): string {
  return BRANCH_MAGIC_COOKIE + randomToken(20);
}

/** RFC 3261 §19.3: a tag with at least 32 bits of randomness (here ~60). */
export function newTag(): string {
  return randomToken(10);
}

let acceptCallId: ((callId: string) => boolean) | undefined;

/**
 * Restricts the Call-IDs this process makes to those `accept` takes (undefined: any). A worker
 * of a group sharing one SIP socket only makes Call-IDs that hash to itself, so the answers to
 * the requests it starts come back to it.
 */
export function restrictCallIds(accept: ((callId: string) => boolean) | undefined): void {
  acceptCallId = accept;
}

/** RFC 3261 §8.1.1.4: a globally unique Call-ID. */
export function newCallId(host?: string): string {
  for (let tries = 1; ; tries++) {
    const token = randomToken(24);
    const id = host === undefined ? token : `${token}@${host}`;
    // With N workers a random id is accepted with probability 1/N.
    if (acceptCallId === undefined || acceptCallId(id)) return id;
    if (tries === 10_000) throw new Error('restrictCallIds: the filter accepted none of 10000 Call-IDs');
  }
}
