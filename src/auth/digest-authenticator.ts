/**
 * Digest authentication of SIP requests (RFC 3261 §22, RFC 7616, RFC 8760): builds the
 * challenges for 401/407 responses and checks Authorization / Proxy-Authorization
 * credentials. Sans-IO: the time comes from the injected clock, the users from a directory.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import type { Clock } from '../lib/index.js';
import { type SipRequest, parseUri, uriEquals } from '../sip/message/index.js';
import { DIGEST_ALGORITHMS, digestResponse } from './digest-hash.js';
import { type AuthParams, parseAuthHeader, quoteValue } from './digest-params.js';
import { NonceCountTracker } from './nonce-counts.js';
import { NonceIssuer } from './nonce.js';
import type { DigestAlgorithm, DigestVerdict, UserCredentials, UserDirectory } from './types.js';

export interface DigestAuthenticatorOptions {
  /** Key of the nonce MAC (≥ 16 bytes); nodes sharing it accept each other's nonces. */
  readonly secret: Buffer;
  readonly users: UserDirectory;
  readonly clock: Clock;
  /** How long a nonce is accepted (default 300,000 ms); older ones get `stale`. */
  readonly nonceTtlMs?: number;
  /** Offered and accepted algorithms, in challenge order (default SHA-256, MD5). */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** How many of the latest nonces keep their nonce-counts (default 2^18; older ones answer stale). */
  readonly maxTrackedNonces?: number;
  /** This instance's 6-byte id, embedded in its nonces (random per start by default). */
  readonly instanceId?: Buffer;
}

const NC_PATTERN = /^[0-9a-fA-F]{8}$/;

type Failure = Extract<DigestVerdict, { kind: 'failed' }>['reason'];

const fail = (reason: Failure): DigestVerdict => ({ kind: 'failed', reason });

export class DigestAuthenticator {
  private readonly users: UserDirectory;
  private readonly clock: Clock;
  private readonly nonces: NonceIssuer;
  private readonly counts: NonceCountTracker;
  private readonly algorithms: readonly DigestAlgorithm[];
  /** HA1 stand-ins for unknown users: the same work is done whether the user exists or not. */
  private readonly dummyHa1: Readonly<Record<DigestAlgorithm, string>>;

  constructor(options: DigestAuthenticatorOptions) {
    this.users = options.users;
    this.clock = options.clock;
    this.nonces = new NonceIssuer(options.secret, options.nonceTtlMs ?? 300_000, options.instanceId);
    this.counts = new NonceCountTracker(options.maxTrackedNonces);
    const algorithms = options.algorithms ?? DIGEST_ALGORITHMS;
    if (algorithms.length === 0) throw new Error('at least one digest algorithm is required');
    // RFC 8760 / RFC 7616: one challenge per algorithm, in order of preference with the
    // strongest first — SHA-256 before MD5 whatever order the config lists them in.
    this.algorithms = DIGEST_ALGORITHMS.filter((a) => algorithms.includes(a));
    this.dummyHa1 = { 'SHA-256': randomBytes(32).toString('hex'), MD5: randomBytes(16).toString('hex') };
  }

  /**
   * Challenge header values (for WWW-Authenticate or Proxy-Authenticate), one per algorithm,
   * SHA-256 first (RFC 8760). One nonce serves all of them: the client answers one.
   */
  challenge(realm: string, stale = false): string[] {
    const nonce = this.nonces.issue(realm, this.clock.wallNow(), this.counts.issue());
    // RFC 3261 §22.4 / RFC 7616 §3.3: stale=true tells the client to retry with the new
    // nonce without asking the user for a password again.
    const tail = stale ? ', stale=true' : '';
    return this.algorithms.map((a) => `Digest realm=${quoteValue(realm)}, nonce="${nonce}", algorithm=${a}, qop="auth"${tail}`);
  }

  /** Checks Authorization ('www') or Proxy-Authorization ('proxy') credentials of `request` for `realm`. */
  verify(request: SipRequest, realm: string, kind: 'www' | 'proxy'): DigestVerdict {
    const picked = this.pick(request, realm, kind === 'www' ? 'authorization' : 'proxy-authorization');
    if (picked.kind !== 'found') return picked.verdict;
    return this.check(request, realm, picked.params);
  }

  /**
   * RFC 3261 §22.4: a request may carry several credentials (one per realm, for proxies
   * along the path); the one whose realm is ours is checked. Among several for our realm, one
   * with an algorithm we accept is preferred. Credentials of other schemes are ignored.
   */
  private pick(
    request: SipRequest,
    realm: string,
    header: string,
  ): { kind: 'found'; params: ReadonlyMap<string, string> } | { kind: 'none'; verdict: DigestVerdict } {
    let malformed: string | undefined;
    let fallback: ReadonlyMap<string, string> | undefined;
    for (const field of request.fields(header)) {
      const parsed = parseAuthHeader(field.value);
      if (!parsed.ok) {
        malformed ??= parsed.error;
        continue;
      }
      if (!isDigest(parsed.value)) continue;
      const params = parsed.value.params;
      const credRealm = params.get('realm');
      if (credRealm === undefined) {
        malformed ??= 'missing realm parameter';
        continue;
      }
      if (credRealm !== realm) continue;
      if (this.accepts(params.get('algorithm'))) return { kind: 'found', params };
      fallback ??= params;
    }
    if (fallback !== undefined) return { kind: 'found', params: fallback };
    if (malformed !== undefined) return { kind: 'none', verdict: { kind: 'malformed', reason: malformed } };
    return { kind: 'none', verdict: { kind: 'missing' } };
  }

  private accepts(algorithm: string | undefined): boolean {
    const a = algorithmOf(algorithm);
    return a !== undefined && this.algorithms.includes(a);
  }

  private check(request: SipRequest, realm: string, p: ReadonlyMap<string, string>): DigestVerdict {
    const username = p.get('username');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    // RFC 7616 §3.4: username, realm, nonce, uri and response are required.
    for (const [name, value] of [['username', username], ['nonce', nonce], ['uri', uri], ['response', response]] as const) {
      if (value === undefined) return { kind: 'malformed', reason: `missing ${name} parameter` };
    }
    const qop = p.get('qop');
    const nc = p.get('nc');
    const cnonce = p.get('cnonce');
    if (qop !== undefined) {
      // RFC 7616 §3.4: with qop, cnonce and nc MUST be sent; nc is 8LHEX.
      if (cnonce === undefined) return { kind: 'malformed', reason: 'qop without cnonce' };
      if (nc === undefined) return { kind: 'malformed', reason: 'qop without nc' };
      if (!NC_PATTERN.test(nc)) return { kind: 'malformed', reason: 'nc is not 8 hex digits' };
    }
    const algorithm = algorithmOf(p.get('algorithm'));
    if (algorithm === undefined || !this.algorithms.includes(algorithm)) return fail('unsupported');
    // Only qop=auth is offered; auth-int, userhash (RFC 7616 §3.4.4) are not.
    if ((qop !== undefined && qop.toLowerCase() !== 'auth') || p.get('userhash')?.toLowerCase() === 'true') return fail('unsupported');

    const now = this.clock.wallNow();
    const issued = this.nonces.check(nonce as string, realm, now);
    if (issued.kind === 'bad') return fail('bad-nonce');

    // RFC 3261 §22.4 / RFC 7616 §3.4.6: the digest-uri must designate the Request-URI.
    const digestUri = parseUri(uri as string);
    if (digestUri === undefined || !uriEquals(digestUri, request.uri)) return fail('bad-uri');

    // Header values are latin1 wire strings; the directory holds the UTF-8 name.
    const name = Buffer.from(username as string, 'latin1').toString('utf8');
    const user = this.users.find(name, realm);
    const ha1 = ha1For(user, algorithm);
    const expected = digestResponse({
      algorithm,
      ha1: ha1 ?? this.dummyHa1[algorithm],
      nonce: nonce as string,
      method: request.method,
      uri: uri as string,
      qop: qop === undefined ? undefined : 'auth',
      nc,
      cnonce,
    });
    const matches = constantTimeEquals(expected, (response as string).toLowerCase());
    if (user === undefined) return fail('unknown-user');
    // A user stored with an MD5 HA1 only (`user add --ha1`) cannot answer SHA-256.
    if (ha1 === undefined) return fail('unsupported');
    if (!matches) return fail('wrong-password');
    if (issued.kind === 'expired') return { kind: 'stale' };
    // A nonce issued by another instance (before a restart, or by another node sharing the
    // secret) is authentic, but its nonce-counts are not known here: answering it would let
    // a captured request be replayed to us. Re-challenge with stale=true (RFC 7616 §3.3):
    // the UA retries with our nonce without asking its user.
    if (!issued.local) return { kind: 'stale' };
    if (qop !== undefined) {
      const count = parseInt(nc as string, 16);
      const seen = this.counts.check(issued.id, count);
      // So many nonces were issued since this one that its counts are no longer known.
      if (seen === 'forgotten') return { kind: 'stale' };
      if (seen === 'replay') return fail('replay');
      this.counts.accept(issued.id, count);
    }
    // Without qop (RFC 2069 clients) there is no count: the nonce lifetime bounds replays.
    return { kind: 'ok', username: user.username, realm, algorithm };
  }
}

function isDigest(p: AuthParams): boolean {
  return p.scheme.toLowerCase() === 'digest';
}

/** RFC 7616 §3.3: algorithm names are case-insensitive; absent means MD5. */
function algorithmOf(value: string | undefined): DigestAlgorithm | undefined {
  if (value === undefined) return 'MD5';
  const v = value.toUpperCase();
  return v === 'MD5' || v === 'SHA-256' ? v : undefined;
}

function ha1For(user: UserCredentials | undefined, algorithm: DigestAlgorithm): string | undefined {
  if (user === undefined) return undefined;
  return algorithm === 'MD5' ? user.ha1Md5 : user.ha1Sha256;
}

/** crypto.timingSafeEqual over the hex texts; a length mismatch still does one comparison. */
function constantTimeEquals(expected: string, given: string): boolean {
  const a = Buffer.from(expected, 'latin1');
  const b = Buffer.from(given, 'latin1');
  if (a.length !== b.length) {
    timingSafeEqual(a, a);
    return false;
  }
  return timingSafeEqual(a, b);
}

