/** serialize(message) → Buffer: the start line, header fields in order, an empty line, the body. */
import type { SipMessage } from './message.js';

/**
 * Writes a message. Fields parsed from the wire and not changed since are written back byte
 * for byte; fields set by code are written `Name: value`. A Content-Length is added when the
 * message has none, because stream transports require it (RFC 3261 §18.3, §20.14).
 */
export function serialize(message: SipMessage): Buffer {
  let head = message.startLine() + '\r\n';
  let hasLength = false;
  for (const f of message.headers) {
    if (f.key === 'content-length') hasLength = true;
    head += f.line() + '\r\n';
  }
  if (!hasLength) head += `Content-Length: ${message.body.length}\r\n`;
  head += '\r\n';
  const headBuf = Buffer.from(head, 'latin1');
  return message.body.length === 0 ? headBuf : Buffer.concat([headBuf, message.body]);
}
