/**
 * The security layer's events and ban list as the admin API sees them: the channel and the
 * event type come from src/security; the ban view is the admin's own shape.
 */
import type { SecurityEvent } from '../security/index.js';

export { SECURITY_CHANNEL, SECURITY_EVENT_KINDS, type SecurityEvent, type SecurityEventKind } from '../security/index.js';

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

/** Narrows a channel message to a SecurityEvent (publishers outside this folder). */
export function isSecurityEvent(m: unknown): m is SecurityEvent {
  if (m === null || typeof m !== 'object') return false;
  const e = m as Record<string, unknown>;
  return typeof e['kind'] === 'string' && typeof e['reason'] === 'string' && typeof e['timestamp'] === 'number';
}
