/**
 * Calls as the proxy sees them: the diagnostics channel where their life is published (for
 * metrics and the admin API's history) and the shape of a call in the live call list.
 */
import diagnostics from 'node:diagnostics_channel';
import type { NetAddress } from '../sip/transport/index.js';

export const CALL_CHANNEL = 'switchboard:call';

export type CallState = 'setup' | 'ringing' | 'up';

/** A call in progress (an INVITE dialog being set up or confirmed through this proxy). */
export interface CallInfo {
  readonly callId: string;
  /** From and To addresses-of-record (URIs). */
  readonly from: string;
  readonly to: string;
  /** The authenticated caller, when there was one. */
  readonly user: string | undefined;
  readonly source: NetAddress;
  readonly state: CallState;
  /** Wall-clock ms since the epoch. */
  readonly startedAt: number;
  readonly answeredAt: number | undefined;
}

export type CallEvent =
  | { readonly kind: 'started'; readonly call: CallInfo; readonly timestamp: number }
  | { readonly kind: 'ringing'; readonly call: CallInfo; readonly timestamp: number }
  /** `setupMs`: INVITE received → 2xx forwarded. */
  | { readonly kind: 'answered'; readonly call: CallInfo; readonly timestamp: number; readonly setupMs: number }
  /** The INVITE got a final non-2xx (or was cancelled): `status` is what the caller got. */
  | { readonly kind: 'failed'; readonly call: CallInfo; readonly timestamp: number; readonly status: number }
  /** An answered call ended (BYE, or its dialog was given up). */
  | { readonly kind: 'ended'; readonly call: CallInfo; readonly timestamp: number; readonly durationMs: number; readonly reason: string };

export const callChannel = diagnostics.channel(CALL_CHANNEL);

export function publishCall(event: () => CallEvent): void {
  if (callChannel.hasSubscribers) callChannel.publish(event());
}

/** The live call list, for the admin API (`show calls`). */
export interface CallSource {
  list(): CallInfo[];
}
