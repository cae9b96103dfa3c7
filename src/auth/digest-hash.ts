/**
 * The digest computations of RFC 7616 §3.4.1–§3.4.3 (RFC 2617 / RFC 3261 §22.4 with MD5),
 * for the algorithms SIP uses (RFC 8760 §2.2: SHA-256 and MD5). Strings that came off the
 * wire are one char per octet (latin1), so they are hashed as latin1 to hash the very bytes
 * the client hashed; HA1 inputs typed by people (user, realm, password) are UTF-8.
 */
import { createHash, hash } from 'node:crypto';
import type { DigestAlgorithm } from './types.js';

export const DIGEST_ALGORITHMS: readonly DigestAlgorithm[] = ['SHA-256', 'MD5'];

/** Length of a hex digest: 32 for MD5, 64 for SHA-256. */
export function digestHexLength(algorithm: DigestAlgorithm): number {
  return algorithm === 'MD5' ? 32 : 64;
}

function nodeName(algorithm: DigestAlgorithm): string {
  return algorithm === 'MD5' ? 'md5' : 'sha256';
}

/** Lower-case hex H(data); `data` is hashed as latin1 (one octet per char). */
export function hashWire(algorithm: DigestAlgorithm, data: string): string {
  // One-shot crypto.hash: about a third of createHash().update().digest() for short inputs.
  return hash(nodeName(algorithm), Buffer.from(data, 'latin1'), 'hex');
}

/** RFC 7616 §3.4.2: A1 = username ":" realm ":" passwd; HA1 = H(A1), over UTF-8. */
export function computeHa1(algorithm: DigestAlgorithm, username: string, realm: string, password: string): string {
  return createHash(nodeName(algorithm)).update(`${username}:${realm}:${password}`, 'utf8').digest('hex');
}

export interface ResponseInput {
  readonly algorithm: DigestAlgorithm;
  /** Lower-case hex HA1. */
  readonly ha1: string;
  readonly nonce: string;
  readonly method: string;
  /** The digest-uri value exactly as the client sent it. */
  readonly uri: string;
  /** 'auth', or undefined for the RFC 2069 form without qop. */
  readonly qop?: string;
  readonly nc?: string;
  readonly cnonce?: string;
}

/**
 * RFC 7616 §3.4.1: response = KD(H(A1), nonce ":" nc ":" cnonce ":" qop ":" H(A2)) with
 * A2 = Method ":" request-uri (§3.4.3, qop=auth); RFC 2069 (no qop): KD(H(A1), nonce ":" H(A2)).
 */
export function digestResponse(input: ResponseInput): string {
  const ha2 = hashWire(input.algorithm, `${input.method}:${input.uri}`);
  const data =
    input.qop === undefined
      ? `${input.ha1}:${input.nonce}:${ha2}`
      : `${input.ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${input.qop}:${ha2}`;
  return hashWire(input.algorithm, data);
}

const HEX = /^[0-9a-f]+$/i;

/** A valid HA1 for `algorithm` (hex of the right length), lower-cased; undefined otherwise. */
export function normalizeHa1(algorithm: DigestAlgorithm, value: string): string | undefined {
  return value.length === digestHexLength(algorithm) && HEX.test(value) ? value.toLowerCase() : undefined;
}
