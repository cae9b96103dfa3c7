/**
 * Offer filtering for a media-anchoring proxy / B2BUA (RFC 3264 §5, §8): the offer forwarded to
 * the other leg names only the codecs the policy allows, in the policy's preference order, plus
 * codecs the relay can transcode to — so the callee can pick one even if the caller lacks it.
 */
import { type Result, ok, err } from '../lib/index.js';
import { type Codec, KNOWN_CODECS, codecsOf, formatOf, isAuxiliaryCodec, isRtpProto, normalizeCodecName } from './codecs.js';
import { type MediaRejection, mediaRejection } from './errors.js';
import { type MediaDescription, type SessionDescription, cloneSdp } from './model.js';

export interface CodecPolicy {
  /** Allowed voice codecs in preference order, e.g. ['g722', 'pcmu', 'pcma'] (aliases accepted). */
  codecs: string[];
  /** Groups of codecs the relay converts between, e.g. [['pcmu', 'pcma']]. */
  transcodable?: string[][];
  /** Non-audio or non-RTP m-lines: passed on unchanged ('keep', default) or disabled ('reject'). */
  otherMedia?: 'keep' | 'reject';
}

/** A codec the filter added to the forwarded offer; media in it must be transcoded. */
export interface AddedCodec extends Codec {
  /** Payload types of the original offer this codec is converted from. */
  from: number[];
}

export interface FilteredMedia {
  index: number;
  /** The policy was applied (an audio RTP m-line with port ≠ 0). */
  filtered: boolean;
  /** The forwarded m-line has port 0: already rejected in the offer, or left with no allowed codec. */
  rejected: boolean;
  /** Payload types of the offer kept, in their new order. */
  kept: number[];
  /** Formats of the offer removed. */
  removed: string[];
  /** Codecs added for transcoding (not in the original offer). */
  added: AddedCodec[];
}

export interface FilteredOffer {
  /** The offer to forward to the other leg (a new model). */
  sdp: SessionDescription;
  media: FilteredMedia[];
}

/** Attributes whose value starts with a payload type they describe (RFC 8866 §6.6, §6.15, RFC 4585 §4.2). */
const PER_FORMAT_ATTRIBUTES = new Set(['rtpmap', 'fmtp', 'rtcp-fb']);

/**
 * Filters an offer by codec policy. Keeps telephone-event (RFC 4733) and CN (RFC 3389) always,
 * reorders allowed codecs by preference, and adds transcodable codecs the offer lacks (the
 * static PT if it has one and it is free, else a free dynamic PT 96–127, RFC 3551 §3).
 * An audio m-line left with no voice codec is disabled with port 0 (RFC 3264 §8.2); when no
 * audio stream is left at all, the result is a MediaRejection: 488 + Warning 305.
 */
export function filterOffer(offer: SessionDescription, policy: CodecPolicy): Result<FilteredOffer, MediaRejection> {
  const sdp = cloneSdp(offer);
  const allowed = policy.codecs.map(normalizeCodecName);
  const groups = (policy.transcodable ?? []).map((g) => g.map(normalizeCodecName));
  const media: FilteredMedia[] = [];
  let audioOffered = 0;
  let audioKept = 0;
  let firstUnusable: { index: number; detail: string } | undefined;
  sdp.media.forEach((md, index) => {
    const base: FilteredMedia = { index, filtered: false, rejected: md.port === 0, kept: [], removed: [], added: [] };
    if (md.port === 0) return void media.push(base);
    if (md.type.toLowerCase() !== 'audio' || !isRtpProto(md.proto)) {
      if (policy.otherMedia === 'reject') {
        md.port = 0;
        base.rejected = true;
      }
      return void media.push(base);
    }
    audioOffered++;
    const result = filterAudio(md, allowed, groups);
    media.push({ index, filtered: true, ...result });
    if (result.rejected) {
      if (firstUnusable === undefined) {
        const names = [...new Set(codecsOf(offer.media[index]).map((c) => c.encodingName))].join(', ') || 'none';
        firstUnusable = { index, detail: `m-line ${index} (audio): no allowed codec among ${names}` };
      }
    } else {
      audioKept++;
    }
  });
  if (audioOffered > 0 && audioKept === 0 && firstUnusable !== undefined) {
    return err(mediaRejection(firstUnusable.index, firstUnusable.detail));
  }
  return ok({ sdp, media });
}

/** Filters one audio m-line in place; returns what changed. */
function filterAudio(md: MediaDescription, allowed: string[], groups: string[][]): Omit<FilteredMedia, 'index' | 'filtered'> {
  const codecs = codecsOf(md);
  const rank = (name: string) => allowed.indexOf(name);
  const voice = codecs.filter((c) => !isAuxiliaryCodec(c.name) && rank(c.name) >= 0).sort((a, b) => rank(a.name) - rank(b.name));
  const aux = codecs.filter((c) => isAuxiliaryCodec(c.name));
  if (voice.length === 0) {
    // RFC 3264 §8.2: a stream is disabled by setting its port to zero; formats stay as offered.
    md.port = 0;
    return { rejected: true, kept: [], removed: [], added: [] };
  }
  const used = new Set(md.formats);
  const added: AddedCodec[] = [];
  for (const name of allowed) {
    if (voice.some((c) => c.name === name) || added.some((c) => c.name === name)) continue;
    const spec = KNOWN_CODECS.get(name);
    if (spec === undefined || isAuxiliaryCodec(name)) continue;
    const from = voice.filter((c) => groups.some((g) => g.includes(c.name) && g.includes(name))).map((c) => c.pt);
    if (from.length === 0) continue;
    const pt = freePayloadType(used, spec.staticPt);
    if (pt === undefined) break;
    used.add(String(pt));
    added.push({ pt, name, encodingName: spec.encodingName, clockRate: spec.clockRate, channels: spec.channels, from });
  }
  // DTMF must survive transcoding: give each new clock rate its own telephone-event (RFC 4733 §2.1).
  const events = aux.filter((c) => c.name === 'telephone-event');
  if (events.length > 0) {
    for (const rate of new Set(added.map((c) => c.clockRate))) {
      if (events.some((e) => e.clockRate === rate) || added.some((c) => c.name === 'telephone-event' && c.clockRate === rate)) continue;
      const pt = freePayloadType(used, undefined);
      if (pt === undefined) break;
      used.add(String(pt));
      const te: AddedCodec = { pt, name: 'telephone-event', encodingName: 'telephone-event', clockRate: rate, channels: 1, from: events.map((e) => e.pt) };
      const fmtp = events.find((e) => e.fmtp !== undefined)?.fmtp;
      if (fmtp !== undefined) te.fmtp = fmtp;
      added.push(te);
    }
  }
  const kept = [...voice, ...aux].map((c) => c.pt);
  const keptSet = new Set(kept.map(String));
  const removed = md.formats.filter((f) => !keptSet.has(f));
  const removedSet = new Set(removed);
  md.formats = [...voice.map((c) => String(c.pt)), ...added.filter((c) => c.name !== 'telephone-event').map((c) => String(c.pt)), ...aux.map((c) => String(c.pt)), ...added.filter((c) => c.name === 'telephone-event').map((c) => String(c.pt))];
  md.attributes = md.attributes.filter((a) => !(PER_FORMAT_ATTRIBUTES.has(a.name.toLowerCase()) && a.value !== undefined && removedSet.has(formatOf(a.value))));
  const lines = added.flatMap((c) => {
    const rtpmap = { name: 'rtpmap', value: `${c.pt} ${c.encodingName}/${c.clockRate}${c.channels > 1 ? `/${c.channels}` : ''}` };
    return c.fmtp === undefined ? [rtpmap] : [rtpmap, { name: 'fmtp', value: `${c.pt} ${c.fmtp}` }];
  });
  let at = -1;
  md.attributes.forEach((a, i) => {
    if (a.name === 'rtpmap' || a.name === 'fmtp') at = i;
  });
  md.attributes.splice(at < 0 ? md.attributes.length : at + 1, 0, ...lines);
  return { rejected: false, kept, removed, added };
}

/** `preferred` if it is not taken, else the lowest free dynamic payload type (RFC 3551 §3: 96–127). */
function freePayloadType(used: Set<string>, preferred: number | undefined): number | undefined {
  if (preferred !== undefined && !used.has(String(preferred))) return preferred;
  for (let pt = 96; pt <= 127; pt++) if (!used.has(String(pt))) return pt;
  return undefined;
}
