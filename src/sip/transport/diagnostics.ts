/**
 * The transport's diagnostics channel: every SIP message that crosses the wire, in either
 * direction, is published here when someone subscribes (metrics, live trace, pcap, HEP).
 * This is the only link from the SIP core to those consumers (`node:diagnostics_channel`):
 * the core never imports them, and a channel without subscribers costs one property read.
 */
import diagnostics from 'node:diagnostics_channel';
import type { SipMessage } from '../message/index.js';
import type { Destination, NetAddress, ReceivedContext, SendResult } from './types.js';

export const SIP_MESSAGE_CHANNEL = 'switchboard:sip:message';

export interface SipWireEvent {
  readonly direction: 'in' | 'out';
  /** The bytes as received or sent. */
  readonly bytes: Buffer;
  /** The parsed message (undefined for an inbound message that failed to parse). */
  readonly message: SipMessage | undefined;
  /** The far end: source of an inbound message, destination of an outbound one. */
  readonly remote: NetAddress;
  /** Our listener. */
  readonly local: NetAddress;
  readonly connectionId?: string;
  /** Wall-clock time, milliseconds since the epoch. */
  readonly timestamp: number;
}

export const sipMessageChannel = diagnostics.channel(SIP_MESSAGE_CHANNEL);


/** A message that arrived (parsed, or undefined when it did not parse). */
export function publishReceived(bytes: Buffer, message: SipMessage | undefined, ctx: ReceivedContext): void {
  if (!sipMessageChannel.hasSubscribers) return;
  const event: SipWireEvent =
    ctx.connectionId === undefined
      ? { direction: 'in', bytes, message, remote: ctx.source, local: ctx.local, timestamp: Date.now() }
      : { direction: 'in', bytes, message, remote: ctx.source, local: ctx.local, connectionId: ctx.connectionId, timestamp: Date.now() };
  sipMessageChannel.publish(event);
}

/** A message that was sent (only successful sends are published). */
export function publishSent(message: SipMessage, bytes: Buffer, dest: Destination, r: SendResult): void {
  if (!r.ok || !sipMessageChannel.hasSubscribers) return;
  const remote: NetAddress = { transport: dest.transport, host: dest.host, port: dest.port };
  const event: SipWireEvent =
    r.connectionId === undefined
      ? { direction: 'out', bytes, message, remote, local: r.local, timestamp: Date.now() }
      : { direction: 'out', bytes, message, remote, local: r.local, connectionId: r.connectionId, timestamp: Date.now() };
  sipMessageChannel.publish(event);
}
