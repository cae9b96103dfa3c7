/**
 * Security events: what an operator feeds to a SIEM and what metrics count. Each event is one
 * structured log line (`securityEvent: KIND`) and a message on the `switchboard:security`
 * diagnostics channel (subscribers: metrics), published only when someone listens.
 */
import { channel } from 'node:diagnostics_channel';

export const SECURITY_CHANNEL = 'switchboard:security';

/**
 * What each kind stands for (one event each): a failed authentication (wrong password, unknown
 * user, malformed credentials, identity mismatch); a ban imposed or lifted; a flood episode of
 * one source (its start, and the ban that ends a long one); a call refused by a toll-fraud
 * limit; a request refused by a user's ACL; a request from a scanner refused; an overload
 * episode starting or ending.
 */
export const SECURITY_EVENT_KINDS = ['auth-failed', 'banned', 'unbanned', 'flood', 'fraud-limit', 'acl-denied', 'scanner-blocked', 'overload'] as const;

export type SecurityEventKind = (typeof SECURITY_EVENT_KINDS)[number];

/** The payload published on SECURITY_CHANNEL. */
export interface SecurityEvent {
  readonly kind: SecurityEventKind;
  /** The source IP address (or `host:port` when only that is known). */
  readonly source?: string;
  /** The user or AOR concerned. */
  readonly user?: string;
  /** The call concerned (a refused call attempt), so its line joins the call's other lines. */
  readonly callId?: string;
  readonly reason: string;
  /** Wall-clock milliseconds since the epoch. */
  readonly timestamp: number;
}

export const securityChannel = channel(SECURITY_CHANNEL);

/** The logging surface the security layer uses (pino-compatible). */
export interface SecurityLog {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

export const silentSecurityLog: SecurityLog = { info() {}, warn() {}, debug() {}, error() {} };

/** Where the security mechanisms report to. */
export type SecurityEventSink = (event: Omit<SecurityEvent, 'timestamp'>) => void;

/** Logs each event as a structured line and publishes it on the channel. */
export function securityEventSink(log: SecurityLog, wallNow: () => number): SecurityEventSink {
  return (e) => {
    const event: SecurityEvent = { ...e, timestamp: wallNow() };
    const fields = { securityEvent: event.kind, source: event.source, user: event.user, ...(event.callId === undefined ? {} : { callId: event.callId }), reason: event.reason };
    // Bans lifted and overload episodes are operational facts; the rest are attacks or refusals.
    if (event.kind === 'unbanned') log.info(fields, 'security event');
    else log.warn(fields, 'security event');
    if (securityChannel.hasSubscribers) securityChannel.publish(event);
  };
}
