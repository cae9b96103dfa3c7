/**
 * Synthesized IP packets for captures (pcap, no link layer): IPv4 (RFC 791) or IPv6
 * (RFC 8200) around a UDP datagram (RFC 768) or one TCP segment (RFC 9293), with the real
 * addresses and ports and correct checksums, so Wireshark/tshark decode the SIP inside.
 */
import { V4_MAPPED_PREFIX, unmapIpv4 } from '../lib/index.js';

export const IPPROTO_TCP = 6;
export const IPPROTO_UDP = 17;

/**
 * Source and destination of the same family: an IPv4-mapped IPv6 address becomes IPv4 when
 * the other side is IPv4, and a plain IPv4 address is mapped when the other side is IPv6.
 */
export function pairAddresses(src: Buffer, dst: Buffer): [Buffer, Buffer] {
  const map = (b: Buffer): Buffer => (b.length === 4 ? Buffer.concat([V4_MAPPED_PREFIX, b]) : b);
  const s = unmapIpv4(src);
  const d = unmapIpv4(dst);
  if (s.length === d.length) return [s, d];
  return [map(s), map(d)];
}

/** The Internet checksum (RFC 1071) over the concatenation of `parts`. */
export function internetChecksum(parts: readonly Buffer[]): number {
  let sum = 0;
  let odd: number | undefined;
  for (const p of parts) {
    for (let i = 0; i < p.length; i++) {
      const byte = p[i] as number;
      if (odd === undefined) odd = byte;
      else {
        sum += (odd << 8) | byte;
        odd = undefined;
      }
    }
  }
  if (odd !== undefined) sum += odd << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function pseudoHeader(src: Buffer, dst: Buffer, protocol: number, length: number): Buffer {
  if (src.length === 4) {
    const p = Buffer.alloc(12);
    src.copy(p, 0);
    dst.copy(p, 4);
    p[9] = protocol;
    p.writeUInt16BE(length, 10);
    return p;
  }
  // RFC 8200 §8.1: source, destination, upper-layer length (32 bits), zeros, next header.
  const p = Buffer.alloc(40);
  src.copy(p, 0);
  dst.copy(p, 16);
  p.writeUInt32BE(length, 32);
  p[39] = protocol;
  return p;
}

export interface TcpState {
  readonly seq: number;
  readonly ack: number;
}

/** The transport header (with checksum) for `payload`. */
function transportHeader(src: Buffer, dst: Buffer, srcPort: number, dstPort: number, payload: Buffer, tcp: TcpState | undefined): Buffer {
  if (tcp === undefined) {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(srcPort, 0);
    h.writeUInt16BE(dstPort, 2);
    h.writeUInt16BE(8 + payload.length, 4);
    const sum = internetChecksum([pseudoHeader(src, dst, IPPROTO_UDP, 8 + payload.length), h, payload]);
    // RFC 768: a computed zero is sent as all ones (zero means "no checksum").
    h.writeUInt16BE(sum === 0 ? 0xffff : sum, 6);
    return h;
  }
  const h = Buffer.alloc(20);
  h.writeUInt16BE(srcPort, 0);
  h.writeUInt16BE(dstPort, 2);
  h.writeUInt32BE(tcp.seq >>> 0, 4);
  h.writeUInt32BE(tcp.ack >>> 0, 8);
  h[12] = 5 << 4; // data offset: 5 words
  h[13] = 0x18; // PSH | ACK
  h.writeUInt16BE(65535, 14);
  h.writeUInt16BE(internetChecksum([pseudoHeader(src, dst, IPPROTO_TCP, 20 + payload.length), h, payload]), 16);
  return h;
}

let ipv4Id = 0;

/**
 * One IP packet carrying `payload` in UDP (tcp undefined) or in a TCP segment with the given
 * sequence numbers. `src` and `dst` come from pairAddresses (same family).
 */
export function ipPacket(src: Buffer, dst: Buffer, srcPort: number, dstPort: number, payload: Buffer, tcp?: TcpState): Buffer {
  const protocol = tcp === undefined ? IPPROTO_UDP : IPPROTO_TCP;
  const l4 = transportHeader(src, dst, srcPort, dstPort, payload, tcp);
  if (src.length === 4) {
    const ip = Buffer.alloc(20);
    ip[0] = 0x45;
    ip.writeUInt16BE(20 + l4.length + payload.length, 2);
    ipv4Id = (ipv4Id + 1) & 0xffff;
    ip.writeUInt16BE(ipv4Id, 4);
    ip.writeUInt16BE(0x4000, 6); // don't fragment
    ip[8] = 64;
    ip[9] = protocol;
    src.copy(ip, 12);
    dst.copy(ip, 16);
    ip.writeUInt16BE(internetChecksum([ip]), 10);
    return Buffer.concat([ip, l4, payload]);
  }
  const ip = Buffer.alloc(40);
  ip.writeUInt32BE(0x60000000, 0);
  ip.writeUInt16BE(l4.length + payload.length, 4);
  ip[6] = protocol;
  ip[7] = 64;
  src.copy(ip, 8);
  dst.copy(ip, 24);
  return Buffer.concat([ip, l4, payload]);
}
