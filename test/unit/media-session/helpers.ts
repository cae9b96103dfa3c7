/** Phones made of real UDP sockets on 127.0.0.1, SDP builders and RTP packets for the tests. */
import type { Clock } from '../../../src/lib/index.js';
import { MediaRelay } from '../../../src/media/index.js';
import { MediaSessions, type MediaSessionsOptions } from '../../../src/media-session/index.js';
import { endpoint } from '../media/helpers.js';

export interface Phone {
  readonly port: number;
  readonly received: Buffer[];
  /** Resolves when `count` datagrams have arrived; rejects after `ms`. */
  waitFor(count: number, ms?: number): Promise<void>;
  send(data: Buffer, port: number): Promise<void>;
  close(): Promise<void>;
}

/** A phone's RTP socket (RTP only): the relay tests' endpoint, with the payloads it got. */
export async function phone(): Promise<Phone> {
  const e = await endpoint();
  return {
    port: e.port,
    get received() {
      return e.received.map((r) => r.data);
    },
    waitFor: (count, ms) => e.waitFor(count, ms),
    send: (data, port) => e.send(data, port),
    close: () => e.close(),
  };
}

export interface SdpSpec {
  port: number;
  address?: string;
  /** `pt name/rate` entries, e.g. ['8 PCMA/8000', '101 telephone-event/8000']. */
  codecs: string[];
  direction?: 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';
  version?: number;
  id?: string;
  /** Extra lines appended after the audio section (e.g. a video m-line). */
  extra?: string[];
  audioAttributes?: string[];
}

export function sdp(s: SdpSpec): string {
  const address = s.address ?? '127.0.0.1';
  const pts = s.codecs.map((c) => c.split(' ')[0]);
  const lines = [
    'v=0',
    `o=- ${s.id ?? '1001'} ${s.version ?? 1} IN IP4 ${address === '0.0.0.0' ? '127.0.0.1' : address}`,
    's=call',
    `c=IN IP4 ${address}`,
    't=0 0',
    `m=audio ${s.port} RTP/AVP ${pts.join(' ')}`,
    ...s.codecs.map((c) => `a=rtpmap:${c}`),
    ...(s.audioAttributes ?? []),
    `a=${s.direction ?? 'sendrecv'}`,
    ...(s.extra ?? []),
  ];
  return lines.join('\r\n') + '\r\n';
}

/** Port of the n-th m-line of an SDP. */
export function mPort(text: string, n = 0): number {
  const ports = [...text.matchAll(/^m=\S+ (\d+) /gm)].map((m) => Number(m[1]));
  return ports[n] ?? NaN;
}

/** Formats of the n-th m-line. */
export function mFormats(text: string, n = 0): string[] {
  const lines = [...text.matchAll(/^m=\S+ \d+ \S+ (.*)$/gm)].map((m) => m[1].trim().split(' '));
  return lines[n] ?? [];
}

/** A 12-byte RTP header (version 2) and the payload. */
export function rtp(pt: number, seq: number, payload: Buffer, ssrc = 0x11223344, timestamp = seq * 160): Buffer {
  const h = Buffer.alloc(12);
  h[0] = 0x80;
  h[1] = pt & 0x7f;
  h.writeUInt16BE(seq & 0xffff, 2);
  h.writeUInt32BE(timestamp >>> 0, 4);
  h.writeUInt32BE(ssrc >>> 0, 8);
  return Buffer.concat([h, payload]);
}

let nextBase = 40000 + 600 * (process.pid % 30);

/** A relay on 127.0.0.1 with a small port range of its own, and a controller on it. */
export function controller(clock: Clock, options: Partial<MediaSessionsOptions> & { pairs?: number; mediaTimeoutMs?: number } = {}): { relay: MediaRelay; sessions: MediaSessions } {
  const min = nextBase;
  nextBase += 2 * (options.pairs ?? 12) + 2;
  const relay = MediaRelay.create({
    bindAddress: '127.0.0.1',
    portRange: { min, max: min + 2 * (options.pairs ?? 12) - 1 },
    clock,
    mediaTimeoutMs: options.mediaTimeoutMs ?? 60_000,
  });
  const sessions = new MediaSessions({
    relay,
    clock,
    codecs: options.codecs ?? ['g722', 'pcmu', 'pcma'],
    transcode: options.transcode ?? true,
    advertisedAddress: options.advertisedAddress ?? '127.0.0.1',
    ...(options.holdTimeoutMs === undefined ? {} : { holdTimeoutMs: options.holdTimeoutMs }),
    mediaTimeoutMs: options.mediaTimeoutMs ?? 60_000,
  });
  return { relay, sessions };
}
