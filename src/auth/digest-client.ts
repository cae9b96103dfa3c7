/**
 * The client side of digest (RFC 7616 §3.4, RFC 3261 §22.2): answers a challenge with
 * credentials. Used by tests, the benchmark and any part of the server that must
 * authenticate itself upstream.
 */
import { randomBytes } from 'node:crypto';
import { type Result, err, ok } from '../lib/index.js';
import { computeHa1, digestResponse } from './digest-hash.js';
import { parseAuthHeader, quoteValue } from './digest-params.js';
import type { DigestAlgorithm } from './types.js';

export interface AnswerOptions {
  readonly username: string;
  readonly password: string;
  readonly method: string;
  /** The Request-URI of the request being authorized. */
  readonly uri: string;
  /** Nonce count to send with qop=auth (default 1). */
  readonly nc?: number;
  /** Client nonce (default: 16 random hex chars). */
  readonly cnonce?: string;
}

/** A WWW-Authenticate / Proxy-Authenticate value → the Authorization / Proxy-Authorization value. */
export function answerChallenge(challenge: string, o: AnswerOptions): Result<string, string> {
  const parsed = parseAuthHeader(challenge);
  if (!parsed.ok) return err(parsed.error);
  if (parsed.value.scheme.toLowerCase() !== 'digest') return err(`not a Digest challenge: ${parsed.value.scheme}`);
  const p = parsed.value.params;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined || nonce === undefined) return err('challenge without realm or nonce');
  const name = (p.get('algorithm') ?? 'MD5').toUpperCase();
  if (name !== 'MD5' && name !== 'SHA-256') return err(`unsupported algorithm ${name}`);
  const algorithm: DigestAlgorithm = name;
  // RFC 7616 §3.3: qop is a quoted list of options; use auth when offered, else RFC 2069.
  const offers = (p.get('qop') ?? '').split(',').map((q) => q.trim().toLowerCase());
  const qop = offers.includes('auth') ? 'auth' : undefined;
  const nc = (o.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = o.cnonce ?? randomBytes(8).toString('hex');
  const ha1 = computeHa1(algorithm, o.username, realm, o.password);
  const response = digestResponse({ algorithm, ha1, nonce, method: o.method, uri: o.uri, qop, nc, cnonce });
  let out =
    `Digest username=${quoteValue(o.username)}, realm=${quoteValue(realm)}, nonce=${quoteValue(nonce)}, ` +
    `uri=${quoteValue(o.uri)}, response="${response}", algorithm=${algorithm}`;
  if (qop !== undefined) out += `, qop=auth, nc=${nc}, cnonce=${quoteValue(cnonce)}`;
  // RFC 7616 §3.4: opaque is returned unchanged.
  const opaque = p.get('opaque');
  if (opaque !== undefined) out += `, opaque=${quoteValue(opaque)}`;
  return ok(out);
}
