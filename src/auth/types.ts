/**
 * Digest authentication contracts (RFC 3261 §22, RFC 7616 / RFC 8760). The user directory
 * holds HA1 values only — never passwords.
 */

export type DigestAlgorithm = 'SHA-256' | 'MD5';

export interface UserCredentials {
  readonly username: string;
  /** The realm the HA1 values were computed for (the user's domain). */
  readonly realm: string;
  /** hex MD5(username:realm:password) */
  readonly ha1Md5?: string;
  /** hex SHA-256(username:realm:password) */
  readonly ha1Sha256?: string;
}

/** Where credentials come from: the config file, the database in the data dir, or both. */
export interface UserDirectory {
  /**
   * Synchronous on purpose: it runs once per authenticated request, and both backends
   * (a frozen config list and an SQLite file) answer without I/O waits. A user added by
   * `switchboard user add` while the server runs is found on the next call.
   */
  find(username: string, realm: string): UserCredentials | undefined;
}

/** The result of checking the credentials of a request. Only `malformed` is a 400. */
export type DigestVerdict =
  | { readonly kind: 'ok'; readonly username: string; readonly realm: string; readonly algorithm: DigestAlgorithm }
  /** No credentials for this realm: challenge. */
  | { readonly kind: 'missing' }
  /** The response was right but the nonce expired: challenge with stale=true (§22.4 / RFC 7616 §3.3). */
  | { readonly kind: 'stale' }
  /**
   * Wrong password, unknown user, replayed nonce-count, forged or foreign nonce: challenge
   * again. The reason is for logs and security events only — on the wire every failure looks
   * the same, so nobody can tell an unknown user from a wrong password. The one exception is
   * a replayed nonce-count, which is only found once the digest proved right: its challenge
   * says stale (see `challengeStale`).
   */
  | { readonly kind: 'failed'; readonly reason: 'unknown-user' | 'wrong-password' | 'replay' | 'bad-nonce' | 'bad-uri' | 'unsupported' }
  /** The Authorization header does not parse: 400 with this reason. */
  | { readonly kind: 'malformed'; readonly reason: string };

/**
 * Whether the challenge answering `verdict` carries stale=true. RFC 7616 §3.3: "The server
 * SHOULD only set stale to TRUE if it receives a request for which the nonce is invalid but
 * with a valid digest for that nonce" — an expired, foreign or forgotten nonce (`stale`), and
 * a replayed nonce-count, checked only after the digest matched. A UA whose late
 * retransmission was refused as a replay then retries with the new nonce without asking its
 * user; a replayer learns nothing it did not know (the digest was valid) and still cannot
 * answer the new nonce.
 */
export function challengeStale(verdict: DigestVerdict): boolean {
  return verdict.kind === 'stale' || (verdict.kind === 'failed' && verdict.reason === 'replay');
}
