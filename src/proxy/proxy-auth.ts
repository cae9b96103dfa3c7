/**
 * Authentication of the proxy's domain users (RFC 3261 §22.3): a request whose From names a
 * user of our domains carries Proxy-Authorization for that user, else it is answered 407
 * with a challenge. Trusted networks and trunks are exempt; an authenticated user may only
 * send as itself; the call policy may refuse an authenticated user a method. Without
 * credentials, an initial request is a guest call: allowed only when configured.
 */
import { type DigestVerdict, challengeStale } from '../auth/index.js';
import { type EndpointLog, type IncomingRequest, sipLogFields } from '../sip/endpoint/index.js';
import { type SipRequest, unescape } from '../sip/message/index.js';
import type { AuthEvent, CallPolicy } from './call-policy.js';

export interface ProxyAuthenticator {
  challenge(realm: string, stale?: boolean): string[];
  verify(request: SipRequest, realm: string, kind: 'www' | 'proxy'): DigestVerdict;
}

/** 'answered' when a 407/403/400 went out, 'consumed' (with the user) when credentials were ours. */
export type AuthOutcome = { kind: 'answered' } | { kind: 'consumed'; user: string } | { kind: 'none' };

/** Methods whose unauthenticated use by a domain user is refused (initial requests only). */
const AUTHENTICATED = new Set(['INVITE', 'MESSAGE', 'SUBSCRIBE', 'REFER', 'PUBLISH', 'OPTIONS', 'INFO', 'UPDATE', 'NOTIFY']);

export interface ProxyAuthOptions {
  readonly auth?: ProxyAuthenticator;
  /** Sources exempt from authentication: trusted networks and trunks. */
  readonly isTrusted: (ip: string) => boolean;
  readonly isLocalDomain: (host: string) => boolean;
  readonly callPolicy?: CallPolicy;
  readonly onAuthEvent?: (event: AuthEvent) => void;
  readonly guestCalls?: boolean;
  readonly log?: EndpointLog;
}

export class ProxyAuth {
  constructor(private readonly o: ProxyAuthOptions) {}

  /** Checks the request's credentials; anything but 'answered' lets it go on. */
  authenticate(req: IncomingRequest): AuthOutcome {
    const o = this.o;
    const r = req.request;
    if (o.auth === undefined || !AUTHENTICATED.has(r.method) || o.isTrusted(req.rx.source.host)) return { kind: 'none' };
    const from = r.from.uri;
    if (from.kind !== 'sip' || !o.isLocalDomain(from.host)) return { kind: 'none' };
    const realm = from.hostname;
    const claimed = unescape(from.user ?? '');
    const verdict = o.auth.verify(r, realm, 'proxy');
    if (verdict.kind === 'malformed') {
      o.onAuthEvent?.({ kind: 'auth-malformed', source: req.rx.source, claimed, reason: verdict.reason });
      return answered(req, 400, verdict.reason);
    }
    if (verdict.kind !== 'ok') {
      // §22.3: "407 (Proxy Authentication Required) ... MUST include a Proxy-Authenticate".
      const headers = o.auth.challenge(realm, challengeStale(verdict)).map((v) => ['Proxy-Authenticate', v] as [string, string]);
      req.respond(407, { headers });
      // One security line per failure: the auth-event sink writes it when wired (as for the registrar).
      if (verdict.kind === 'failed' && o.onAuthEvent !== undefined) o.onAuthEvent({ kind: 'auth-failed', source: req.rx.source, claimed, reason: verdict.reason });
      else if (verdict.kind === 'failed') o.log?.warn({ ...sipLogFields(r), securityEvent: 'auth-failed', source: req.rx.source, from: from.toString(), reason: verdict.reason }, 'proxy authentication failed');
      return { kind: 'answered' };
    }
    // The authenticated user may only send as itself.
    if (verdict.username !== claimed) {
      o.onAuthEvent?.({ kind: 'identity-mismatch', source: req.rx.source, claimed, reason: `authenticated as ${verdict.username}` });
      return answered(req, 403, 'From Does Not Match Credentials');
    }
    const allowed = o.callPolicy?.authorize?.({ user: verdict.username, realm: verdict.realm, method: r.method, source: req.rx.source });
    return allowed?.ok === false ? answered(req, allowed.status, allowed.reason) : { kind: 'consumed', user: verdict.username };
  }

  /**
   * An unauthenticated initial request: fine from a trusted network or a trunk; from anywhere
   * else only when guest calls are enabled (a foreign caller to one of our users).
   */
  guestAllowed(req: IncomingRequest): boolean {
    const o = this.o;
    if (o.auth === undefined || o.guestCalls === true || !AUTHENTICATED.has(req.request.method)) return true;
    return o.isTrusted(req.rx.source.host);
  }
}

function answered(req: IncomingRequest, status: number, reason?: string): AuthOutcome {
  req.respond(status, reason === undefined ? {} : { reason });
  return { kind: 'answered' };
}
