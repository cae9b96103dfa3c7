/** Synthetic SIP wire events for the admin tests: real parsed messages, fake addresses. */
import { parse } from '../../src/sip/message/index.js';
import type { NetAddress, SipWireEvent } from '../../src/sip/transport/index.js';

export function sipRequest(method: string, o: { callId?: string; from?: string; to?: string; cseq?: number } = {}): Buffer {
  const from = o.from ?? 'alice';
  const to = o.to ?? 'bob';
  return Buffer.from(
    [
      `${method} sip:${to}@example.com SIP/2.0`,
      'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-test-1',
      'Max-Forwards: 70',
      `From: <sip:${from}@example.com>;tag=f1`,
      `To: <sip:${to}@example.com>`,
      `Call-ID: ${o.callId ?? 'call-1@test'}`,
      `CSeq: ${o.cseq ?? 1} ${method}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

export function sipResponse(status: number, reason: string, method: string, o: { callId?: string; from?: string; to?: string } = {}): Buffer {
  return Buffer.from(
    [
      `SIP/2.0 ${status} ${reason}`,
      'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-test-1',
      `From: <sip:${o.from ?? 'alice'}@example.com>;tag=f1`,
      `To: <sip:${o.to ?? 'bob'}@example.com>;tag=t1`,
      `Call-ID: ${o.callId ?? 'call-1@test'}`,
      `CSeq: 1 ${method}`,
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
    'latin1',
  );
}

export const REMOTE: NetAddress = { transport: 'udp', host: '192.0.2.10', port: 5062 };
export const LOCAL: NetAddress = { transport: 'udp', host: '198.51.100.1', port: 5060 };

export function wireEvent(direction: 'in' | 'out', bytes: Buffer, o: { remote?: NetAddress; local?: NetAddress; timestamp?: number } = {}): SipWireEvent {
  const r = parse(bytes);
  return {
    direction,
    bytes,
    message: r.ok ? r.message : undefined,
    remote: o.remote ?? REMOTE,
    local: o.local ?? LOCAL,
    timestamp: o.timestamp ?? 1_700_000_000_123.456,
  };
}
