/** Binary forms of IP addresses (pcap/HEP frames, STUN XOR-MAPPED-ADDRESS). */
import { isIPv4, isIPv6 } from 'node:net';

/**
 * IPv4 → 4 bytes, IPv6 → 16 bytes (an embedded dotted quad such as `::ffff:192.0.2.1`, a
 * `[bracketed]` host and a `%zone` are understood); undefined for anything else.
 */
export function ipBytes(host: string): Buffer | undefined {
  const h = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
  if (isIPv4(h)) return Buffer.from(h.split('.').map(Number));
  if (!isIPv6(h)) return undefined;
  let text = h.split('%')[0] as string;
  // A trailing dotted quad (::ffff:192.0.2.1) becomes two hex groups.
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted !== null) {
    const [a, b, c, d] = dotted.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const halves = text.split('::');
  const parse = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => parseInt(g, 16)));
  let groups: number[];
  if (halves.length === 2) {
    const head = parse(halves[0] as string);
    const tail = parse(halves[1] as string);
    groups = [...head, ...new Array<number>(Math.max(0, 8 - head.length - tail.length)).fill(0), ...tail];
  } else {
    groups = parse(text);
  }
  if (groups.length !== 8 || groups.some((g) => !Number.isInteger(g) || g < 0 || g > 0xffff)) return undefined;
  const out = Buffer.alloc(16);
  groups.forEach((g, i) => out.writeUInt16BE(g, i * 2));
  return out;
}

/** The first 12 bytes of an IPv4-mapped IPv6 address (RFC 4291 §2.5.5.2, ::ffff:0:0/96). */
export const V4_MAPPED_PREFIX = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

/** An IPv4-mapped IPv6 address as the 4 bytes of the IPv4 address it carries; others as given. */
export function unmapIpv4(bytes: Buffer): Buffer {
  return bytes.length === 16 && bytes.subarray(0, 12).equals(V4_MAPPED_PREFIX) ? bytes.subarray(12) : bytes;
}
