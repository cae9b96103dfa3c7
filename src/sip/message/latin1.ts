/**
 * Latin-1 between Buffers and strings, the encoding SIP text is read and written in (every
 * octet one char, so lengths match). Buffer#latin1Slice and Buffer#latin1Write are what
 * toString('latin1') and write(…, 'latin1') end up calling, without their encoding lookup and
 * argument checks: present in every Node release, though undocumented, with the public calls
 * as fallback.
 */
const proto = Buffer.prototype as unknown as {
  latin1Slice?: (from: number, to: number) => string;
  latin1Write?: (s: string, at: number) => number;
};
const latin1Slice = proto.latin1Slice;
const latin1Write = proto.latin1Write;

/** buf.toString('latin1', from, to). */
export function readLatin1(buf: Buffer, from: number, to: number): string {
  return latin1Slice !== undefined ? latin1Slice.call(buf, from, to) : buf.toString('latin1', from, to);
}

/** buf.write(s, at, 'latin1'): the number of octets written. */
export function writeLatin1(buf: Buffer, s: string, at: number): number {
  return latin1Write !== undefined ? latin1Write.call(buf, s, at) : buf.write(s, at, 'latin1');
}
