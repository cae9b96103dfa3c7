/**
 * Codec view of RTP media sections: rtpmap/fmtp lookup (RFC 8866 §6.6, §6.15) with the RFC 3551
 * static table as fallback, normalized codec names for configuration, and codec lists.
 */
import type { MediaDescription } from './model.js';
import { STATIC_PAYLOAD_TYPES } from './static-payload-types.js';

/** `a=rtpmap:<payload type> <encoding name>/<clock rate>[/<encoding parameters>]` (RFC 8866 §6.6). */
export interface RtpMap {
  pt: number;
  /** As written in the SDP (or RFC 3551's spelling for a static type). */
  encodingName: string;
  clockRate: number;
  /** Audio channels when given; absent otherwise. */
  channels?: number;
}

/** One RTP payload format of an m-line. */
export interface Codec {
  pt: number;
  /** Normalized name (normalizeCodecName): 'pcmu', 'pcma', 'g722', 'opus', 'telephone-event', ... */
  name: string;
  encodingName: string;
  clockRate: number;
  /** 1 when the SDP gives no channel count (RFC 8866 §6.6 default for audio). */
  channels: number;
  fmtp?: string;
}

/** Codec shape used to describe a codec independently of a payload type number. */
export interface CodecSpec {
  name: string;
  encodingName: string;
  clockRate: number;
  channels: number;
  /** The RFC 3551 static payload type, if the codec has one at this clock rate. */
  staticPt?: number;
}

/** Codecs this module can add to an offer (for transcoding), by normalized name. */
export const KNOWN_CODECS: ReadonlyMap<string, CodecSpec> = new Map<string, CodecSpec>([
  ['pcmu', { name: 'pcmu', encodingName: 'PCMU', clockRate: 8000, channels: 1, staticPt: 0 }],
  ['pcma', { name: 'pcma', encodingName: 'PCMA', clockRate: 8000, channels: 1, staticPt: 8 }],
  ['g722', { name: 'g722', encodingName: 'G722', clockRate: 8000, channels: 1, staticPt: 9 }],
  ['gsm', { name: 'gsm', encodingName: 'GSM', clockRate: 8000, channels: 1, staticPt: 3 }],
  ['g729', { name: 'g729', encodingName: 'G729', clockRate: 8000, channels: 1, staticPt: 18 }],
  // RFC 7587 §7: opus is always signalled as opus/48000/2.
  ['opus', { name: 'opus', encodingName: 'opus', clockRate: 48000, channels: 2 }],
  ['telephone-event', { name: 'telephone-event', encodingName: 'telephone-event', clockRate: 8000, channels: 1 }],
  ['cn', { name: 'cn', encodingName: 'CN', clockRate: 8000, channels: 1, staticPt: 13 }],
]);

const ALIASES: ReadonlyMap<string, string> = new Map([
  ['ulaw', 'pcmu'],
  ['mulaw', 'pcmu'],
  ['mu-law', 'pcmu'],
  ['g711u', 'pcmu'],
  ['g711-ulaw', 'pcmu'],
  ['alaw', 'pcma'],
  ['a-law', 'pcma'],
  ['g711a', 'pcma'],
  ['g711-alaw', 'pcma'],
  ['g.722', 'g722'],
  ['g.729', 'g729'],
  ['g729a', 'g729'],
  ['comfort-noise', 'cn'],
]);

/** Codecs kept whatever the policy: DTMF (RFC 4733) and comfort noise (RFC 3389). */
const AUXILIARY = new Set(['telephone-event', 'cn']);

/**
 * Normalized codec name: encoding names are case-insensitive (RFC 4855 §3), and configuration
 * aliases (ulaw, alaw, g711u, ...) map to the RTP encoding name in lower case.
 */
export function normalizeCodecName(name: string): string {
  const lower = name.trim().toLowerCase();
  return ALIASES.get(lower) ?? lower;
}

/** True for telephone-event and CN, which ride along with any voice codec. */
export function isAuxiliaryCodec(name: string): boolean {
  return AUXILIARY.has(normalizeCodecName(name));
}

/** True for RTP-based transport protocols (RTP/AVP, RTP/SAVPF, UDP/TLS/RTP/SAVPF, ...). */
export function isRtpProto(proto: string): boolean {
  return /(^|\/)RTP\//i.test(proto);
}

/**
 * Parses a codec list such as `!all,g722,ulaw,alaw`: items in preference order, `!all` clears
 * what came before, `!name` removes one codec. Names are normalized.
 */
export function parseCodecList(spec: string): string[] {
  const out: string[] = [];
  for (const raw of spec.split(/[,\s]+/)) {
    if (raw === '') continue;
    if (raw.startsWith('!')) {
      const name = normalizeCodecName(raw.slice(1));
      if (name === 'all') out.length = 0;
      else if (out.includes(name)) out.splice(out.indexOf(name), 1);
      continue;
    }
    const name = normalizeCodecName(raw);
    if (!out.includes(name)) out.push(name);
  }
  return out;
}

/** The values of every `a=<name>:<value>` of a media section (name compared case-insensitively). */
function attributeValues(md: MediaDescription, name: string): string[] {
  const out: string[] = [];
  for (const a of md.attributes) if (a.value !== undefined && a.name.toLowerCase() === name) out.push(a.value);
  return out;
}

function parseRtpmapValue(value: string): RtpMap | undefined {
  const m = /^\s*(\d{1,3})\s+([^/\s]+)\/(\d{1,6})(?:\/(\d{1,2}))?\s*$/.exec(value);
  if (m === null) return undefined;
  const map: RtpMap = { pt: Number(m[1]), encodingName: m[2], clockRate: Number(m[3]) };
  if (m[4] !== undefined) map.channels = Number(m[4]);
  return map;
}

/**
 * The rtpmap of a payload type: the media's `a=rtpmap` line (RFC 8866 §6.6), else the RFC 3551
 * static assignment for PTs 0–34.
 */
export function rtpmapOf(md: MediaDescription, pt: number | string): RtpMap | undefined {
  const n = typeof pt === 'number' ? pt : /^\d{1,3}$/.test(pt) ? Number(pt) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 127) return undefined;
  for (const value of attributeValues(md, 'rtpmap')) {
    const map = parseRtpmapValue(value);
    if (map !== undefined && map.pt === n) return map;
  }
  const fixed = STATIC_PAYLOAD_TYPES.get(n);
  if (fixed === undefined) return undefined;
  const map: RtpMap = { pt: n, encodingName: fixed.encodingName, clockRate: fixed.clockRate };
  if (fixed.channels !== undefined) map.channels = fixed.channels;
  return map;
}

/** The format parameters of `a=fmtp:<format> <params>` (RFC 8866 §6.15) for one format. */
export function fmtpOf(md: MediaDescription, format: number | string): string | undefined {
  const want = String(format);
  for (const value of attributeValues(md, 'fmtp')) {
    const m = /^\s*(\S+)(?:\s+(.*))?$/s.exec(value);
    if (m !== null && m[1] === want) return (m[2] ?? '').trim();
  }
  return undefined;
}

/**
 * Every RTP payload format of an m-line, in m-line order, with rtpmap, channels and fmtp resolved.
 * Formats that cannot be resolved (dynamic PT without rtpmap, non-numeric fmt) are left out.
 */
export function codecsOf(md: MediaDescription): Codec[] {
  const out: Codec[] = [];
  for (const f of md.formats) {
    const map = rtpmapOf(md, f);
    if (map === undefined) continue;
    const codec: Codec = {
      pt: map.pt,
      name: normalizeCodecName(map.encodingName),
      encodingName: map.encodingName,
      clockRate: map.clockRate,
      channels: map.channels ?? 1,
    };
    const fmtp = fmtpOf(md, map.pt);
    if (fmtp !== undefined) codec.fmtp = fmtp;
    out.push(codec);
  }
  return out;
}

/** The format a per-format attribute value refers to (`96 opus/48000/2` → '96'). */
export function formatOf(value: string): string {
  const m = /^\s*(\S+)/.exec(value);
  return m === null ? '' : m[1];
}

/** Same codec regardless of payload type number: name, clock rate and channels (RFC 3264 §6.1). */
export function sameCodec(a: { name: string; clockRate: number; channels: number }, b: { name: string; clockRate: number; channels: number }): boolean {
  return a.name === b.name && a.clockRate === b.clockRate && a.channels === b.channels;
}
