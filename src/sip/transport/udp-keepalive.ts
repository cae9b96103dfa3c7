/** Recognising keep-alive packets that are not SIP messages (RFC 5626 §4.4, RFC 5389). */

const STUN_MAGIC_COOKIE = 0x2112a442;

/**
 * True for packets that only keep a NAT binding open: CR/LF/space-only packets (the CRLF
 * keep-alive of RFC 5626 §4.4.1 sent as one datagram or WebSocket message, and the single
 * CRLF some phones send over UDP) and STUN messages (RFC 5626 §4.4.2; first two bits 0 and
 * the magic cookie at octet 4, RFC 5389 §6). They are dropped rather than answered with 400.
 */
export function isUdpKeepAlive(data: Buffer): boolean {
  if (data.length === 0) return true;
  if (data.length >= 20 && (data[0] & 0xc0) === 0 && data.readUInt32BE(4) === STUN_MAGIC_COOKIE) return true;
  for (let i = 0; i < data.length; i++) {
    const b = data[i];
    if (b !== 0x0d && b !== 0x0a && b !== 0x20 && b !== 0x09) return false;
  }
  return true;
}
