/** Builders for ng datagrams and readers for replies, shared by the ng tests. */
import assert from 'node:assert/strict';
import { type BencodeDict, type BencodeInput, type BencodeValue, decodeBencode, encodeBencode } from '../../../src/ng/index.js';

export function datagram(cookie: string, dict: BencodeInput): Buffer {
  return encodeBencode(dict, Buffer.from(`${cookie} `, 'latin1'));
}

/** Splits a reply into its cookie and decoded dictionary (asserting it is well formed). */
export function readReply(reply: Buffer | undefined): { cookie: string; dict: BencodeDict } {
  assert.ok(reply !== undefined, 'expected a reply');
  const space = reply.indexOf(0x20);
  assert.ok(space > 0, 'reply has a cookie');
  const r = decodeBencode(reply.subarray(space + 1));
  assert.ok(r.ok, 'reply body decodes');
  assert.ok(r.value instanceof Map, 'reply body is a dictionary');
  return { cookie: reply.toString('latin1', 0, space), dict: r.value };
}

/** A decoded value as plain JSON-like data (Buffers → latin1 strings, Maps → objects). */
export function plain(v: BencodeValue | undefined): unknown {
  if (v === undefined) return undefined;
  if (Buffer.isBuffer(v)) return v.toString('latin1');
  if (Array.isArray(v)) return v.map(plain);
  if (v instanceof Map) return Object.fromEntries([...v].map(([k, x]) => [k, plain(x)]));
  return v;
}
