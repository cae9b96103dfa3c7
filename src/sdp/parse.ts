/**
 * SDP parser (RFC 8866 §5, §9 grammar). Line based, tolerant where real devices deviate (LF-only
 * line ends, trailing whitespace, blank lines, session lines in a non-canonical order), strict
 * where a wrong value would mislead the media path (ports, o= version, c= presence). Input is
 * bounded (bytes, lines, media sections) so hostile bodies cost little; nothing is thrown.
 */
import { type Result, ok, err } from '../lib/index.js';
import { type SdpError, sdpError } from './errors.js';
import type { Bandwidth, Connection, MediaDescription, Origin, SdpAttribute, SessionDescription } from './model.js';

export interface SdpParseOptions {
  /** Largest accepted input, in bytes (a Buffer) or UTF-16 units (a string). */
  maxBytes?: number;
  maxLines?: number;
  maxMedia?: number;
}

export const SDP_LIMITS = { maxBytes: 131_072, maxLines: 4096, maxMedia: 64 } as const;

const LINE = /^([a-z])=(.*)$/s;
const DIGITS = /^\d+$/;
/** Types that RFC 8866 §5 allows only at session level. */
const SESSION_ONLY = new Set(['v', 'o', 's', 'u', 'e', 'p', 't', 'r', 'z']);

/**
 * Parses a session description (RFC 8866 §5). Returns a typed error with a short reason such as
 * "m= line 7: port 'abc' is not a number" instead of throwing; callers answer 400 with it.
 */
export function parseSdp(input: string | Buffer, options: SdpParseOptions = {}): Result<SessionDescription, SdpError> {
  const maxBytes = options.maxBytes ?? SDP_LIMITS.maxBytes;
  const maxLines = options.maxLines ?? SDP_LIMITS.maxLines;
  const maxMedia = options.maxMedia ?? SDP_LIMITS.maxMedia;
  if (input.length > maxBytes) return err(sdpError('SDP_ERR_TOO_LARGE', `SDP larger than ${maxBytes} bytes`));
  const text = typeof input === 'string' ? input : input.toString('utf8');
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length > maxLines + 1) return err(sdpError('SDP_ERR_TOO_MANY_LINES', `SDP has more than ${maxLines} lines`));

  let sd: SessionDescription | undefined;
  let media: MediaDescription | undefined;
  let seenOrigin = false;
  let seenName = false;
  for (let i = 0; i < lines.length; i++) {
    const n = i + 1;
    // RFC 8866 §5: lines end in CRLF; a bare LF (or CR) is accepted too, and trailing whitespace is dropped.
    const line = lines[i].trimEnd();
    if (line === '') continue;
    const m = LINE.exec(line);
    if (m === null) return err(sdpError('SDP_ERR_LINE_SYNTAX', `line ${n}: expected '<type>=<value>', got '${show(line)}'`, n));
    const type = m[1];
    const value = m[2];
    if (sd === undefined) {
      // RFC 8866 §5.1: the description starts with "v=0".
      if (type !== 'v') return err(sdpError('SDP_ERR_ORDER', `line ${n}: SDP must start with v=`, n));
      if (value.trim() !== '0') return err(sdpError('SDP_ERR_FIELD', `v= line ${n}: version '${show(value)}' is not 0`, n));
      sd = emptySession();
      continue;
    }
    if (media !== undefined && SESSION_ONLY.has(type)) {
      return err(sdpError('SDP_ERR_ORDER', `${type}= line ${n}: not allowed in a media section`, n));
    }
    const fail = (reason: string, code: SdpError['code'] = 'SDP_ERR_FIELD') => err(sdpError(code, `${type}= line ${n}: ${reason}`, n));
    switch (type) {
      case 'v':
        return fail('duplicate v= line', 'SDP_ERR_ORDER');
      case 'o': {
        if (seenOrigin) return fail('duplicate o= line', 'SDP_ERR_ORDER');
        const o = parseOrigin(value);
        if (typeof o === 'string') return fail(o);
        sd.origin = o;
        seenOrigin = true;
        break;
      }
      case 's':
        if (seenName) return fail('duplicate s= line', 'SDP_ERR_ORDER');
        sd.sessionName = value;
        seenName = true;
        break;
      case 'u':
        sd.uri = value;
        break;
      case 'e':
        sd.emails.push(value);
        break;
      case 'p':
        sd.phones.push(value);
        break;
      case 't': {
        const f = fields(value);
        if (f.length !== 2 || !DIGITS.test(f[0]) || !DIGITS.test(f[1])) return fail(`expected '<start> <stop>', got '${show(value)}'`);
        sd.timings.push({ start: f[0], stop: f[1], repeats: [] });
        break;
      }
      case 'r':
        if (sd.timings.length === 0) return fail('r= without a preceding t=', 'SDP_ERR_ORDER');
        sd.timings[sd.timings.length - 1].repeats.push(value);
        break;
      case 'z':
        sd.timeZones = value;
        break;
      case 'm': {
        if (sd.media.length >= maxMedia) return fail(`more than ${maxMedia} media sections`, 'SDP_ERR_TOO_MANY_MEDIA');
        const parsed = parseMediaLine(value);
        if (typeof parsed === 'string') return fail(parsed);
        media = parsed;
        sd.media.push(media);
        break;
      }
      case 'i':
        if (media !== undefined) media.information = value;
        else sd.information = value;
        break;
      case 'c': {
        const c = parseConnection(value);
        if (typeof c === 'string') return fail(c);
        if (media !== undefined) media.connections.push(c);
        else if (sd.connection !== undefined) return fail('duplicate session-level c= line', 'SDP_ERR_ORDER');
        else sd.connection = c;
        break;
      }
      case 'b': {
        const b = parseBandwidth(value);
        if (typeof b === 'string') return fail(b);
        (media ?? sd).bandwidths.push(b);
        break;
      }
      case 'k':
        (media ?? sd).key = value;
        break;
      case 'a': {
        const a = parseAttribute(value);
        if (a === undefined) return fail('empty attribute name');
        (media ?? sd).attributes.push(a);
        break;
      }
      default:
        // Unknown type letters are kept (and written back) rather than rejected: a relay
        // passes on what it does not understand.
        (media ?? sd).otherLines.push({ type, value });
    }
  }
  if (sd === undefined) return err(sdpError('SDP_ERR_EMPTY', 'empty SDP'));
  // RFC 8866 §5: o= and s= are mandatory.
  if (!seenOrigin) return err(sdpError('SDP_ERR_MISSING_LINE', 'missing o= line'));
  if (!seenName) return err(sdpError('SDP_ERR_MISSING_LINE', 'missing s= line'));
  // RFC 8866 §5.7: "A session description MUST contain either at least one "c=" line in each
  // media description or a single "c=" line at the session level."
  if (sd.connection === undefined) {
    const index = sd.media.findIndex((md) => md.port !== 0 && md.connections.length === 0);
    if (index >= 0) return err(sdpError('SDP_ERR_MISSING_LINE', `m-line ${index}: no c= line at media or session level`));
  }
  return ok(sd);
}

function emptySession(): SessionDescription {
  return {
    version: 0,
    origin: { username: '-', sessId: '0', sessVersion: '0', netType: 'IN', addrType: 'IP4', address: '0.0.0.0' },
    sessionName: '',
    emails: [],
    phones: [],
    bandwidths: [],
    timings: [],
    attributes: [],
    otherLines: [],
    media: [],
  };
}

function fields(value: string): string[] {
  const t = value.trim();
  return t === '' ? [] : t.split(/[ \t]+/);
}

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2). */
function parseOrigin(value: string): Origin | string {
  const f = fields(value);
  if (f.length !== 6) return `expected 6 fields, got ${f.length}`;
  if (!DIGITS.test(f[1])) return `sess-id '${show(f[1])}' is not a number`;
  if (!DIGITS.test(f[2]) || f[2].length > 20) return `sess-version '${show(f[2])}' is not a number`;
  return { username: f[0], sessId: f[1], sessVersion: f[2], netType: f[3], addrType: f[4], address: f[5] };
}

/** `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7). */
function parseConnection(value: string): Connection | string {
  const f = fields(value);
  if (f.length !== 3) return `expected '<nettype> <addrtype> <address>', got '${show(value)}'`;
  const slash = f[2].indexOf('/');
  if (slash === 0) return `address '${show(f[2])}' is empty`;
  if (slash < 0) return { netType: f[0], addrType: f[1], address: f[2] };
  return { netType: f[0], addrType: f[1], address: f[2].slice(0, slash), suffix: f[2].slice(slash) };
}

/** `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8). */
function parseBandwidth(value: string): Bandwidth | string {
  const v = value.trim();
  const colon = v.indexOf(':');
  if (colon <= 0) return `expected '<bwtype>:<bandwidth>', got '${show(value)}'`;
  const num = v.slice(colon + 1);
  if (!DIGITS.test(num) || num.length > 12) return `bandwidth '${show(num)}' is not a number`;
  return { type: v.slice(0, colon), value: Number(num) };
}

/** `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` (RFC 8866 §5.14). */
function parseMediaLine(value: string): MediaDescription | string {
  const f = fields(value);
  if (f.length < 3) return `expected '<media> <port> <proto> <fmt>...', got '${show(value)}'`;
  const pm = /^(\d{1,5})(?:\/(\d{1,5}))?$/.exec(f[1]);
  if (pm === null) return `port '${show(f[1])}' is not a number`;
  const port = Number(pm[1]);
  if (port > 65535) return `port ${port} is out of range`;
  const formats = f.slice(3);
  // RFC 8866 §5.14 requires at least one <fmt>; tolerated only on a rejected (port 0) stream.
  if (formats.length === 0 && port !== 0) return 'no media formats';
  const md: MediaDescription = { type: f[0], port, proto: f[2], formats, connections: [], bandwidths: [], attributes: [], otherLines: [] };
  if (pm[2] !== undefined) {
    const count = Number(pm[2]);
    if (count < 1) return `number of ports '${pm[2]}' must be at least 1`;
    md.portCount = count;
  }
  return md;
}

/** `a=<attribute-name>[:<attribute-value>]` (RFC 8866 §5.13). */
function parseAttribute(value: string): SdpAttribute | undefined {
  const colon = value.indexOf(':');
  const name = colon < 0 ? value : value.slice(0, colon);
  if (name.trim() === '') return undefined;
  return colon < 0 ? { name } : { name, value: value.slice(colon + 1) };
}

/** A short, printable excerpt of untrusted input for an error reason. */
function show(text: string): string {
  const t = text.length > 32 ? text.slice(0, 32) + '...' : text;
  return t.replace(/[^\x20-\x7e]/g, '?');
}
