/**
 * HEPv3 (Homer Encapsulation Protocol, sipcapture.org "HEP3 Network Protocol Specification"):
 * "HEP3", a 16-bit total length, then chunks of { vendor id (16), type (16), length (16,
 * header included), value }, all big-endian. Generic chunks (vendor 0) used here:
 *   0x0001 IP family (2 = IPv4, 10 = IPv6)      0x0002 IP protocol id (17 UDP, 6 TCP)
 *   0x0003/0x0004 IPv4 source/destination       0x0005/0x0006 IPv6 source/destination
 *   0x0007/0x0008 source/destination port       0x0009/0x000a timestamp seconds/microseconds
 *   0x000b protocol type (1 = SIP)              0x000c capture agent id
 *   0x000f payload                              0x0011 correlation id (the Call-ID)
 */
import { ipBytes } from '../lib/index.js';
import { IPPROTO_TCP, IPPROTO_UDP, pairAddresses } from './ip-frames.js';
import type { CapturedMessage } from './pcap-writer.js';

export const HEP_MAGIC = 'HEP3';
export const HEP_CHUNK = {
  ipFamily: 0x0001,
  ipProtocol: 0x0002,
  ipv4Src: 0x0003,
  ipv4Dst: 0x0004,
  ipv6Src: 0x0005,
  ipv6Dst: 0x0006,
  srcPort: 0x0007,
  dstPort: 0x0008,
  timeSeconds: 0x0009,
  timeMicros: 0x000a,
  protocolType: 0x000b,
  captureId: 0x000c,
  payload: 0x000f,
  correlationId: 0x0011,
} as const;
export const HEP_PROTO_SIP = 1;
export const AF_INET = 2;
export const AF_INET6 = 10;
/** The whole packet's length is a 16-bit field. */
export const HEP_MAX_LENGTH = 0xffff;

function chunk(type: number, value: Buffer): Buffer {
  const h = Buffer.alloc(6);
  h.writeUInt16BE(0, 0);
  h.writeUInt16BE(type, 2);
  h.writeUInt16BE(6 + value.length, 4);
  return Buffer.concat([h, value]);
}

const u8 = (n: number): Buffer => Buffer.from([n & 0xff]);
const u16 = (n: number): Buffer => {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n, 0);
  return b;
};
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n >>> 0, 0);
  return b;
};

export interface HepOptions {
  readonly captureId: number;
  /** The Call-ID, sent as the correlation id. */
  readonly correlationId?: string;
}

/**
 * One HEPv3 packet for a SIP message; undefined when an address is not an IP literal or the
 * message does not fit in one packet.
 */
export function encodeHep3(m: CapturedMessage, o: HepOptions): Buffer | undefined {
  // Fixed chunks take at most 6 + 11 * 6 + 1 + 1 + 16 + 16 + 2 + 2 + 4 + 4 + 1 + 4 bytes;
  // the correlation id and the payload come on top, each behind a 6-byte chunk header.
  const correlation = o.correlationId === undefined ? 0 : 6 + Buffer.byteLength(o.correlationId, 'utf8');
  if (123 + correlation + 6 + m.bytes.length > HEP_MAX_LENGTH) return undefined;
  const [from, to] = m.direction === 'in' ? [m.remote, m.local] : [m.local, m.remote];
  const a = ipBytes(from.host);
  const b = ipBytes(to.host);
  if (a === undefined || b === undefined) return undefined;
  const [src, dst] = pairAddresses(a, b);
  const v4 = src.length === 4;
  const micros = Math.round(m.timestamp * 1000);
  const chunks = [
    chunk(HEP_CHUNK.ipFamily, u8(v4 ? AF_INET : AF_INET6)),
    chunk(HEP_CHUNK.ipProtocol, u8(m.remote.transport === 'udp' ? IPPROTO_UDP : IPPROTO_TCP)),
    chunk(v4 ? HEP_CHUNK.ipv4Src : HEP_CHUNK.ipv6Src, src),
    chunk(v4 ? HEP_CHUNK.ipv4Dst : HEP_CHUNK.ipv6Dst, dst),
    chunk(HEP_CHUNK.srcPort, u16(from.port)),
    chunk(HEP_CHUNK.dstPort, u16(to.port)),
    chunk(HEP_CHUNK.timeSeconds, u32(Math.floor(micros / 1_000_000))),
    chunk(HEP_CHUNK.timeMicros, u32(micros % 1_000_000)),
    chunk(HEP_CHUNK.protocolType, u8(HEP_PROTO_SIP)),
    chunk(HEP_CHUNK.captureId, u32(o.captureId)),
    ...(o.correlationId === undefined ? [] : [chunk(HEP_CHUNK.correlationId, Buffer.from(o.correlationId, 'utf8'))]),
    chunk(HEP_CHUNK.payload, m.bytes),
  ];
  const length = 6 + chunks.reduce((n, c) => n + c.length, 0);
  if (length > HEP_MAX_LENGTH) return undefined;
  const header = Buffer.alloc(6);
  header.write(HEP_MAGIC, 0, 'latin1');
  header.writeUInt16BE(length, 4);
  return Buffer.concat([header, ...chunks]);
}
