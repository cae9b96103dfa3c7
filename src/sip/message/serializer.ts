/** serialize(message) → Buffer: the start line, header fields in order, an empty line, the body. */
import { writeLatin1 as write } from './latin1.js';
import type { SipMessage } from './message.js';

/**
 * Writes a message. Fields parsed from the wire and not changed since are written back byte
 * for byte; fields set by code are written `Name: value`. A Content-Length is added when the
 * message has none, because stream transports require it (RFC 3261 §18.3, §20.14).
 */
export function serialize(message: SipMessage): Buffer {
  // The lines are measured, then written once into one buffer: concatenating them into one
  // string first built a rope of two strings per line, flattened again by Buffer.from.
  const start = message.startLine();
  const packed = message.packedHeaderLines;
  if (packed !== undefined) return serializePacked(start, packed, message.body);
  const headers = message.headers;
  const lines: string[] = new Array(headers.length);
  let size = start.length + 2;
  let hasLength = false;
  for (let i = 0; i < headers.length; i++) {
    const f = headers[i];
    if (f.key === 'content-length') hasLength = true;
    const line = f.line();
    lines[i] = line;
    size += line.length + 2;
  }
  const length = hasLength ? '' : `Content-Length: ${message.body.length}\r\n`;
  const body = message.body;
  size += length.length + 2 + body.length;
  const out = Buffer.allocUnsafe(size);
  let at = write(out, start, 0);
  at = crlf(out, at);
  for (const line of lines) at = crlf(out, at + write(out, line, at));
  if (length !== '') at += write(out, length, at);
  at = crlf(out, at);
  if (body.length > 0) body.copy(out, at);
  return out;
}

/**
 * A compacted message (a transaction's kept response, sent again): its lines are one string,
 * never empty (compact() packs a Content-Length line at least).
 */
function serializePacked(start: string, packed: string, body: Buffer): Buffer {
  const out = Buffer.allocUnsafe(start.length + 2 + packed.length + 2 + 2 + body.length);
  let at = crlf(out, write(out, start, 0));
  at = crlf(out, at + write(out, packed, at));
  at = crlf(out, at);
  if (body.length > 0) body.copy(out, at);
  return out;
}

function crlf(out: Buffer, at: number): number {
  out[at] = 0x0d;
  out[at + 1] = 0x0a;
  return at + 2;
}
