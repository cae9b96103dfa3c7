/**
 * The security module's diagnostics channel and ban list, as the admin API sees them. The
 * channel is subscribed by name so this folder does not depend on the security module.
 */
import diagnostics from 'node:diagnostics_channel';

export const SECURITY_CHANNEL = 'switchboard:security';

export type SecurityEventKind = 'auth-failed' | 'banned' | 'unbanned' | 'flood' | 'fraud-limit' | 'acl-denied' | 'scanner-blocked' | 'overload';

export interface SecurityEvent {
  readonly kind: SecurityEventKind;
  /** The packet source (IP), when known. */
  readonly source?: string;
  readonly user?: string;
  readonly reason: string;
  /** Wall-clock ms since the epoch. */
  readonly timestamp: number;
}

/** Kinds that mean a packet or request was dropped before reaching the SIP core's logic. */
export const DROP_KINDS: ReadonlySet<string> = new Set(['flood', 'acl-denied', 'scanner-blocked', 'overload']);

export interface BanInfo {
  /** The banned address (IP or CIDR). */
  readonly source: string;
  readonly reason: string;
  /** Wall-clock ms since the epoch. */
  readonly since: number;
  /** undefined: permanent. */
  readonly until?: number;
}

export interface BanSource {
  list(): Promise<BanInfo[]>;
}

export const securityChannel = diagnostics.channel(SECURITY_CHANNEL);

/** Narrows a channel message to a SecurityEvent (publishers outside this folder). */
export function isSecurityEvent(m: unknown): m is SecurityEvent {
  if (m === null || typeof m !== 'object') return false;
  const e = m as Record<string, unknown>;
  return typeof e['kind'] === 'string' && typeof e['reason'] === 'string' && typeof e['timestamp'] === 'number';
}
