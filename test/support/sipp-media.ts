/**
 * What the SIPp media tests need beyond the call runner (sipp-call.ts): the `media:` config of
 * a server anchoring every call on its relay (a port range of its own), the SDP bodies of a
 * SIPp message trace (c=, m=, direction), waiting on a running SIPp's trace, RTP endpoints on
 * loopback that exchange marked packets with the relay and count what they get back, and the
 * check that the relay's ports are free again after a call.
 */
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import { freePort } from './server-process.js';
import type { SippProcess } from './sipp-call.js';
import type { LoggedMessage } from './sipp-register.js';

/** The relay's port range for one server: even first port, `size` ports. */
export interface RelayRange {
  min: number;
  max: number;
}

/**
 * A relay range clear of the default free-port range (20000-31999, where servers, SIPp and
 * test sockets live) and of media-sdp.test.ts's fixed 36000-36099.
 */
export async function relayRange(size = 100): Promise<RelayRange> {
  const min = 2 * Math.floor((await freePort([], [33000, 35800])) / 2);
  return { min, max: min + size - 1 };
}

/** The `media:` section: anchor every call, the given ports, the stated codec policy. */
export function mediaYaml(range: RelayRange, codecs: readonly string[] = ['g722', 'pcmu', 'pcma']): string {
  return ['media:', '  mode: always', `  port_min: ${range.min}`, `  port_max: ${range.max}`, `  codecs: [${codecs.join(', ')}]`, '  transcode: true'].join('\n');
}

/** The first value of a header of a traced message (as SIPp logged it, not split at commas). */
export function header(m: LoggedMessage, name: string): string | undefined {
  return m.headers.find(([n]) => n === name.toLowerCase())?.[1];
}

/** The audio stream of an SDP body: where to send (c=, m= port), its formats and direction. */
export interface AudioSdp {
  address: string;
  port: number;
  formats: string[];
  /** a=sendrecv/sendonly/recvonly/inactive of the m-line, else of the session; default sendrecv. */
  direction: string;
}

/** Parses the first m=audio of an SDP body (RFC 8866 §5); undefined when there is none. */
export function audioSdp(body: string): AudioSdp | undefined {
  const lines = body.split(/\r?\n/).map((l) => l.trim());
  const m = lines.findIndex((l) => l.startsWith('m=audio '));
  if (m < 0) return undefined;
  const next = lines.findIndex((l, i) => i > m && l.startsWith('m='));
  const media = lines.slice(m, next < 0 ? lines.length : next);
  const session = lines.slice(0, m);
  const conn = (ls: string[]): string | undefined => ls.find((l) => l.startsWith('c='))?.split(/\s+/)[2];
  const dir = (ls: string[]): string | undefined => ls.find((l) => /^a=(sendrecv|sendonly|recvonly|inactive)$/.test(l))?.slice(2);
  const [, port, , ...formats] = lines[m].slice(2).split(/\s+/);
  return {
    address: conn(media) ?? conn(session) ?? '',
    port: Number(port),
    formats,
    direction: dir(media) ?? dir(session) ?? 'sendrecv',
  };
}

/**
 * Polls a running SIPp's message trace until `pick` finds something in it; undefined when the
 * process ends or `timeoutMs` passes first.
 */
export async function waitForTraced<T>(p: SippProcess, pick: (log: string) => T | undefined, timeoutMs: number): Promise<T | undefined> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline && p.alive) {
    const found = pick(p.messageLogSoFar());
    if (found !== undefined) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
  return undefined;
}

/** Whether a UDP port on 127.0.0.1 can be bound right now (the socket is closed again). */
export async function udpPortFree(port: number): Promise<boolean> {
  const s = createSocket('udp4');
  try {
    await new Promise<void>((resolve, reject) => {
      s.once('error', reject);
      s.bind(port, '127.0.0.1', () => resolve());
    });
    return true;
  } catch {
    return false;
  } finally {
    s.close();
  }
}

/** Waits (up to `timeoutMs`) until every port can be bound; returns those that still cannot. */
export async function portsStillBound(ports: readonly number[], timeoutMs: number): Promise<number[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const bound: number[] = [];
    for (const p of ports) if (!(await udpPortFree(p))) bound.push(p);
    if (bound.length === 0 || Date.now() >= deadline) return bound;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** RTP version 2, PT 0 (PCMU), 20 ms of 8 kHz audio: 160 payload bytes (RFC 3551 §4.5.14). */
const PCMU_PAYLOAD = 160;
const MARK_LENGTH = 8;

/**
 * An RTP endpoint on loopback: a UDP socket whose packets carry an 8-byte ASCII mark at the
 * start of the payload, and a tally of the marks of the RTP packets it receives.
 */
export class RtpEndpoint {
  private readonly received = new Map<string, number>();
  private readonly ssrc = Math.floor(Math.random() * 0xffffffff) >>> 0;
  private seq = Math.floor(Math.random() * 0xffff);
  private timestamp = Math.floor(Math.random() * 0xffffffff) >>> 0;
  private closed = false;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (msg: Buffer) => {
      // RFC 3550 §5.1: version 2, a 12-byte header (no CSRC list or extension from these peers).
      if (msg.length < 12 + MARK_LENGTH || msg[0] >> 6 !== 2) return;
      const mark = msg.toString('latin1', 12, 12 + MARK_LENGTH);
      this.received.set(mark, (this.received.get(mark) ?? 0) + 1);
    });
  }

  static async open(address: string): Promise<RtpEndpoint> {
    const s = createSocket('udp4');
    s.bind(0, address);
    await once(s, 'listening');
    return new RtpEndpoint(s);
  }

  get port(): number {
    return this.socket.address().port;
  }

  get address(): string {
    return this.socket.address().address;
  }

  /** How many RTP packets carrying `mark` arrived. */
  count(mark: string): number {
    return this.received.get(mark.padEnd(MARK_LENGTH).slice(0, MARK_LENGTH)) ?? 0;
  }

  /** Every mark received, with its count. */
  tally(): Record<string, number> {
    return Object.fromEntries(this.received);
  }

  /** Sends `count` PCMU packets marked `mark` to `to`, one every `intervalMs`. */
  async send(to: { address: string; port: number }, mark: string, count: number, intervalMs = 20): Promise<void> {
    const tag = Buffer.from(mark.padEnd(MARK_LENGTH).slice(0, MARK_LENGTH), 'latin1');
    for (let i = 0; i < count && !this.closed; i++) {
      const packet = Buffer.alloc(12 + PCMU_PAYLOAD, 0xff); // 0xff: µ-law silence
      packet[0] = 0x80; // V=2, no padding, no extension, CC=0
      packet[1] = 0; // M=0, PT=0 (PCMU)
      packet.writeUInt16BE(this.seq, 2);
      packet.writeUInt32BE(this.timestamp, 4);
      packet.writeUInt32BE(this.ssrc, 8);
      tag.copy(packet, 12);
      this.seq = (this.seq + 1) & 0xffff;
      this.timestamp = (this.timestamp + PCMU_PAYLOAD) >>> 0;
      await new Promise<void>((resolve, reject) => this.socket.send(packet, to.port, to.address, (err) => (err ? reject(err) : resolve())));
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }

  /** Resolves once `count(mark)` reaches `n`, or false after `timeoutMs`. */
  async waitFor(mark: string, n: number, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.count(mark) >= n) return true;
      await new Promise((r) => setTimeout(r, 20));
    }
    return this.count(mark) >= n;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}
