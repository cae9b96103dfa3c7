/**
 * What the proxy asks of a call-admission policy (toll-fraud limits, ACLs for calls) and what
 * it reports about calls. The proxy defines these interfaces; the security layer and the
 * composition root implement them, so the proxy never depends on who enforces what.
 */
import type { AuthenticatedRequest } from '../registrar/index.js';
import type { NetAddress } from '../sip/transport/index.js';

/** An initial INVITE about to be routed (after authentication). */
export interface CallAttempt {
  readonly callId: string;
  /** The authenticated user (digest username), undefined for a trusted source or a trunk. */
  readonly user: string | undefined;
  /** The From address-of-record, e.g. `sip:alice@example.com`. */
  readonly from: string;
  /** The Request-URI as received. */
  readonly requestUri: string;
  /** The dialled user part (number or name) of the Request-URI, unescaped. */
  readonly dialled: string;
  readonly source: NetAddress;
}

export type CallAdmission = { readonly ok: true } | { readonly ok: false; readonly status: number; readonly reason: string };

export interface CallPolicy {
  /** Asked once per initial INVITE; a refusal is answered with its status and reason. */
  admit(call: CallAttempt): CallAdmission;
  /** The call admitted under `callId` is over (failed, cancelled or hung up). */
  ended(callId: string): void;
  /**
   * Asked after every successful digest authentication, whatever the method (per-user source
   * ACLs): may this user be served from this source? A refusal is answered with its status
   * and reason. Asked only once the credentials verified, so a refusal tells nothing to
   * someone without the password: everyone else meets the same 407 (no user enumeration).
   * The registrar takes the same function for REGISTER (RegistrarOptions.authorize).
   */
  authorize?(request: AuthenticatedRequest): CallAdmission;
}

/** Authentication events the proxy and the registrar report (for bans and the SIEM log). */
export interface AuthEvent {
  readonly kind: 'auth-failed' | 'auth-malformed' | 'identity-mismatch';
  readonly source: NetAddress;
  /** The user or AOR the request claimed. */
  readonly claimed: string | undefined;
  readonly reason: string;
}
