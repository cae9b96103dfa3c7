/**
 * Header field lines (RFC 3261 §7.3.1): one line → HeaderField, and a block of lines joined
 * with CRLF → HeaderField[]. The parser reads a received header section with the first; a
 * message kept packed (SipMessage.compact) gets its fields back with the second.
 */
import { HeaderField } from './header-field.js';
import { headerKey, knownHeaderKey } from './header-names.js';
import { isTokenChar, isWsp, trimLws } from './lexer.js';

/**
 * field-name HCOLON field-value; HCOLON = *( SP / HTAB ) ":" SWS. Reads head[pos, end)
 * in place: one pass over the name (token chars up to WSP or ':'), no copies but the results.
 * `folded`: the line holds continuation lines (a line break followed by SP or HTAB).
 */
export function parseHeaderLine(head: string, pos: number, end: number, folded: boolean): HeaderField | undefined {
  let i = pos;
  while (i < end && isTokenChar(head.charCodeAt(i))) i++;
  const nameEnd = i;
  if (nameEnd === pos) return undefined;
  while (i < end && isWsp(head.charCodeAt(i))) i++;
  if (i === end || head.charCodeAt(i) !== 0x3a) return undefined;
  const colon = i;
  const raw = head.slice(pos, end);
  const key = knownHeaderKey(head, pos, nameEnd) ?? headerKey(head.slice(pos, nameEnd));
  if (folded) {
    const value = trimLws(head.slice(colon + 1, end).replace(/\r?\n[ \t]+/g, ' '));
    return new HeaderField(head.slice(pos, nameEnd), key, value, raw);
  }
  let a = colon + 1;
  let b = end;
  while (a < b && isWsp(head.charCodeAt(a))) a++;
  while (b > a && isWsp(head.charCodeAt(b - 1))) b--;
  return HeaderField.fromWire(raw, key, nameEnd - pos, a - pos, b - pos);
}

/**
 * The fields of a block written by joinHeaderLines: lines of HeaderField.line() joined with
 * CRLF. A field's own line breaks are folds (each followed by SP or HTAB: the parser ends a
 * field at any other), so a field ends at the first CRLF followed by anything else.
 */
export function splitHeaderLines(block: string): HeaderField[] {
  const out: HeaderField[] = [];
  const len = block.length;
  let pos = 0;
  while (pos < len) {
    let end = block.indexOf('\r\n', pos);
    while (end >= 0 && end + 2 < len && isWsp(block.charCodeAt(end + 2))) end = block.indexOf('\r\n', end + 2);
    if (end < 0) end = len;
    const nl = block.indexOf('\n', pos);
    out.push(parseHeaderLine(block, pos, end, nl >= 0 && nl < end) ?? unparsedLine(block.slice(pos, end)));
    pos = end + 2;
  }
  return out;
}

/** The block splitHeaderLines reads back. */
export function joinHeaderLines(fields: readonly HeaderField[]): string {
  const lines = new Array<string>(fields.length);
  for (let i = 0; i < fields.length; i++) lines[i] = fields[i].line();
  return lines.join('\r\n');
}

/**
 * A line built by code that is not `name: value` (a bug elsewhere, never from the wire):
 * kept as it is, so the message still serializes to the same bytes.
 */
function unparsedLine(line: string): HeaderField {
  const colon = line.indexOf(':');
  const name = colon < 0 ? line : line.slice(0, colon).trim();
  return new HeaderField(name, headerKey(name), colon < 0 ? '' : line.slice(colon + 1).trim(), line);
}
