/**
 * RFC 5626 §4.4.2 / §8.4: a UA using outbound over UDP sends STUN Binding requests on its
 * SIP flow as keep-alives, and "the SIP server MUST respond" so the UA can detect a changed
 * NAT mapping. This is the minimal STUN server for that (RFC 5389 §7.3, §15.2): a Binding
 * success response carrying XOR-MAPPED-ADDRESS. Other STUN messages are ignored.
 */
import { ipBytes, unmapIpv4 } from '../../lib/index.js';

const MAGIC_COOKIE = 0x2112a442;
const BINDING_REQUEST = 0x0001;
const BINDING_SUCCESS = 0x0101;
const XOR_MAPPED_ADDRESS = 0x0020;

/** The Binding success response for a Binding request from host:port; undefined otherwise. */
export function stunBindingResponse(request: Buffer, host: string, port: number): Buffer | undefined {
  if (request.length < 20 || (request[0] & 0xc0) !== 0 || request.readUInt32BE(4) !== MAGIC_COOKIE) return undefined;
  if (request.readUInt16BE(0) !== BINDING_REQUEST) return undefined;
  // RFC 5389 §6: the message length excludes the 20-byte header and is a multiple of 4.
  const length = request.readUInt16BE(2);
  if (length % 4 !== 0 || 20 + length !== request.length) return undefined;
  const addr = mappedAddress(host);
  if (addr === undefined) return undefined;
  const v4 = addr.length === 4;
  const addrLen = addr.length;
  const out = Buffer.alloc(20 + 4 + 4 + addrLen);
  out.writeUInt16BE(BINDING_SUCCESS, 0);
  out.writeUInt16BE(4 + 4 + addrLen, 2);
  request.copy(out, 4, 4, 20); // magic cookie + transaction id
  out.writeUInt16BE(XOR_MAPPED_ADDRESS, 20);
  out.writeUInt16BE(4 + addrLen, 22);
  out[24] = 0;
  out[25] = v4 ? 0x01 : 0x02;
  out.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 26);
  // §15.2: X-Address = address XOR (magic cookie || transaction id).
  for (let i = 0; i < addrLen; i++) out[28 + i] = addr[i] ^ out[4 + i];
  return out;
}

/**
 * The source address as the UA sees it. A dual-stack socket reports an IPv4 peer as
 * `::ffff:a.b.c.d`; that UA sent from IPv4 and must be told its IPv4 address (family 0x01),
 * not an IPv6 one it never had.
 */
function mappedAddress(host: string): Buffer | undefined {
  const bytes = ipBytes(host);
  return bytes === undefined ? undefined : unmapIpv4(bytes);
}
