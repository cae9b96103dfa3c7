/** Synthetic media records for the admin tests (the shapes src/media-session produces). */
import type { LegStats } from '../../../src/media/index.js';
import type { CallMediaStats, StreamMediaStats } from '../../../src/media-session/index.js';

export interface LegSpec {
  packetsIn?: number;
  bytesIn?: number;
  packetsOut?: number;
  bytesOut?: number;
  lost?: number;
  expected?: number;
  jitterMs?: number;
  mos?: number;
  peer?: { address: string; port: number; latched: boolean };
  dropped?: number;
}

export function legStats(s: LegSpec, port: number): LegStats {
  const expected = s.expected ?? (s.packetsIn ?? 0) + (s.lost ?? 0);
  return {
    localRtpPort: port,
    localRtcpPort: port + 1,
    peer: s.peer,
    rtp: { packetsIn: s.packetsIn ?? 0, bytesIn: s.bytesIn ?? 0, packetsOut: s.packetsOut ?? 0, bytesOut: s.bytesOut ?? 0 },
    rtcp: { packetsIn: 0, bytesIn: 0, packetsOut: 0, bytesOut: 0 },
    injectedDropped: s.dropped ?? 0,
    invalidDropped: 0,
    unknownPtDropped: 0,
    noDestinationDropped: 0,
    dropped: s.dropped ?? 0,
    ssrc: 0x1234,
    packetsExpected: expected,
    packetsLost: s.lost ?? 0,
    lossFraction: expected > 0 ? (s.lost ?? 0) / expected : 0,
    jitterMs: s.jitterMs ?? 0,
    peerReport: undefined,
    mos: s.mos ?? 4.4,
  };
}

export function stream(index: number, type: string, a: LegSpec, b: LegSpec, codec: { a?: string; b?: string } = { a: 'PCMU/8000', b: 'PCMU/8000' }): StreamMediaStats {
  return {
    index,
    type,
    proto: 'RTP/AVP',
    rejected: false,
    codec,
    transcoding: codec.a !== codec.b,
    signalled: { a: { address: '192.0.2.1', port: 4000 }, b: { address: '192.0.2.2', port: 5000 } },
    lastPacketAtWall: 1_700_000_010_000,
    relay: { id: `c#m${index}`, createdAt: 0, lastPacketAt: 0, a: legStats(a, 30000 + index * 4), b: legStats(b, 30002 + index * 4) },
  };
}

export function callMedia(callId: string, streams: StreamMediaStats[], over: Partial<CallMediaStats> = {}): CallMediaStats {
  return {
    callId,
    tags: { a: 'tag-a', b: 'tag-b' },
    state: 'answered',
    createdAt: 1_700_000_000_000,
    lastSignalAt: 1_700_000_000_500,
    hold: { a: false, b: false },
    timeoutMs: 60_000,
    streams,
    ...over,
  };
}
