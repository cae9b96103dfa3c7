/**
 * RFC 3264 offer/answer for a media-anchoring B2BUA: what an answer means for the relay
 * (planMedia), the answer sent back to the offerer (answerForOfferer), and re-offer helpers.
 * The functions do not care which SIP message carried the offer or the answer, so a late offer
 * (INVITE without SDP, offer in the 2xx, answer in the ACK) uses them the same way.
 */
import { type Result, ok, err } from '../lib/index.js';
import { connectionOf, directionOf, isHold, rtcpOf } from './accessors.js';
import { type Codec, codecsOf, fmtpOf, formatOf, isAuxiliaryCodec, isRtpProto, normalizeCodecName, rtpmapOf, sameCodec } from './codecs.js';
import { type OfferAnswerError, offerAnswerError } from './errors.js';
import { type Direction, type SdpAttribute, type SessionDescription, cloneSdp } from './model.js';

/** Where one side sends/expects media for one m-line. */
export interface MediaEndpoint {
  /** Connection address (media c=, else session c=); undefined only on a rejected stream. */
  address?: string;
  port: number;
  /** RFC 3605 a=rtcp port, else port + 1. */
  rtcpPort: number;
  /** The side offered/accepted a=rtcp-mux (RFC 5761). */
  rtcpMux: boolean;
}

/** What one m-line of an offer/answer exchange means for the relay. */
export interface MediaPlan {
  index: number;
  type: string;
  proto: string;
  /** Port 0 in the offer or the answer (RFC 3264 §6): no media, no relay. */
  rejected: boolean;
  /** Codec the answerer chose: the first format of the answer usable on the offerer's leg. */
  codec?: Codec;
  /** Codec on the offerer's leg: the same codec with the offer's PT, or the one transcoded from. */
  offererCodec?: Codec;
  /** PT used on the offerer's leg (the offer's number for offererCodec). */
  offererPt?: number;
  /** PT used on the answerer's leg (the answer's number; RFC 3264 §6.1 says it SHOULD equal the offer's). */
  answererPt?: number;
  /** The offerer never offered the chosen codec: the relay converts offererCodec ↔ codec. */
  transcode: boolean;
  /** telephone-event PTs (RFC 4733), set on both sides only when both offer and answer have it. */
  telephoneEvent: { offerer?: number; answerer?: number };
  direction: { offerer: Direction; answerer: Direction };
  hold: { offerer: boolean; answerer: boolean };
  offerer: MediaEndpoint;
  answerer: MediaEndpoint;
}

export interface PlanOptions {
  /** Codec groups the relay converts between (as in CodecPolicy.transcodable). */
  transcodable?: string[][];
  /** If given, the offerer's leg may only use these codecs when transcoding. */
  codecs?: string[];
}

function endpointOf(sd: SessionDescription, i: number): MediaEndpoint {
  const md = sd.media[i];
  const rtcp = rtcpOf(sd, i);
  const ep: MediaEndpoint = { port: md.port, rtcpPort: rtcp?.port ?? 0, rtcpMux: rtcp?.mux ?? false };
  const address = connectionOf(sd, i)?.address;
  if (address !== undefined) ep.address = address;
  return ep;
}

function pickEvent(codecs: Codec[], clockRate: number | undefined): Codec | undefined {
  const events = codecs.filter((c) => c.name === 'telephone-event');
  return events.find((c) => c.clockRate === clockRate) ?? events[0];
}

/**
 * Plans each m-line from an offer (as the offerer sent it) and the answer to it (as the
 * answerer sent it, possibly to a filtered offer). RFC 3264 §6: "the answer MUST contain exactly
 * the same number of "m=" lines as the offer" in the same order; a mismatch is an error, as is
 * an accepted RTP stream whose answer names no codec usable on the offerer's leg.
 */
export function planMedia(offer: SessionDescription, answer: SessionDescription, options: PlanOptions = {}): Result<MediaPlan[], OfferAnswerError> {
  if (offer.media.length !== answer.media.length) {
    return err(offerAnswerError('OA_ERR_MLINE_COUNT', `answer has ${answer.media.length} m-lines, offer has ${offer.media.length}`));
  }
  const groups = (options.transcodable ?? []).map((g) => g.map(normalizeCodecName));
  const allowed = options.codecs?.map(normalizeCodecName);
  const plans: MediaPlan[] = [];
  for (let i = 0; i < offer.media.length; i++) {
    const om = offer.media[i];
    const am = answer.media[i];
    if (om.type.toLowerCase() !== am.type.toLowerCase()) {
      return err(offerAnswerError('OA_ERR_MLINE_TYPE', `m-line ${i}: answer is '${am.type}', offer is '${om.type}'`, i));
    }
    const plan: MediaPlan = {
      index: i,
      type: om.type,
      proto: am.proto,
      rejected: om.port === 0 || am.port === 0,
      transcode: false,
      telephoneEvent: {},
      direction: { offerer: directionOf(offer, i), answerer: directionOf(answer, i) },
      hold: { offerer: isHold(offer, i), answerer: isHold(answer, i) },
      offerer: endpointOf(offer, i),
      answerer: endpointOf(answer, i),
    };
    plans.push(plan);
    if (plan.rejected || !isRtpProto(am.proto)) continue;
    const offered = codecsOf(om);
    const answered = codecsOf(am);
    for (const ac of answered) {
      if (isAuxiliaryCodec(ac.name)) continue;
      const native = offered.find((oc) => !isAuxiliaryCodec(oc.name) && sameCodec(oc, ac));
      const source =
        native ??
        offered.find(
          (oc) => !isAuxiliaryCodec(oc.name) && (allowed === undefined || allowed.includes(oc.name)) && groups.some((g) => g.includes(oc.name) && g.includes(ac.name)),
        );
      if (source === undefined) continue;
      plan.codec = ac;
      plan.offererCodec = source;
      plan.answererPt = ac.pt;
      plan.offererPt = source.pt;
      plan.transcode = native === undefined;
      break;
    }
    if (plan.codec === undefined) {
      return err(offerAnswerError('OA_ERR_NO_COMMON_CODEC', `m-line ${i}: answer names no codec usable by the offerer`, i));
    }
    const teAnswer = pickEvent(answered, plan.codec.clockRate);
    const teOffer = pickEvent(offered, plan.offererCodec?.clockRate);
    if (teAnswer !== undefined && teOffer !== undefined) plan.telephoneEvent = { offerer: teOffer.pt, answerer: teAnswer.pt };
  }
  return ok(plans);
}

/**
 * The answer to send back to the offerer: same m-lines as the answerer's (RFC 3264 §6), but
 * naming only codecs the offerer offered, with the offerer's payload type numbers (RFC 3264 §6.1:
 * the same PT SHOULD be used for a codec in offer and answer). When transcoding, the chosen
 * codec is replaced by the offerer's original codec and PT; a rejected stream keeps port 0.
 * Addresses are not touched: apply rewriteForRelay afterwards.
 */
export function answerForOfferer(offer: SessionDescription, answer: SessionDescription, plans: readonly MediaPlan[]): SessionDescription {
  const out = cloneSdp(answer);
  for (const plan of plans) {
    const md = out.media[plan.index];
    const om = offer.media[plan.index];
    if (md === undefined || om === undefined) continue;
    if (plan.rejected) {
      md.port = 0;
      if (om.formats.length > 0) md.formats = [...om.formats];
      const keep = new Set(md.formats);
      md.attributes = md.attributes.filter((a) => !isPerFormat(a) || keep.has(formatOf(a.value ?? '')));
      continue;
    }
    if (plan.codec === undefined || plan.offererCodec === undefined) continue;
    const offered = codecsOf(om);
    // answer PT → offer PT, for every codec kept on the offerer's leg (chosen one first).
    const map = new Map<string, number>([[String(plan.codec.pt), plan.offererCodec.pt]]);
    // Answer PTs whose offer counterpart is another codec (transcoded, or telephone-event at
    // another clock rate): their lines are replaced by the offerer's own description.
    const differs = new Set<string>(plan.transcode ? [String(plan.codec.pt)] : []);
    for (const ac of codecsOf(md)) {
      if (map.has(String(ac.pt))) continue;
      if (ac.name === 'telephone-event') {
        const oc = offered.find((c) => c.pt === plan.telephoneEvent.offerer);
        if (plan.telephoneEvent.answerer !== ac.pt || oc === undefined) continue;
        map.set(String(ac.pt), oc.pt);
        if (!sameCodec(oc, ac)) differs.add(String(ac.pt));
        continue;
      }
      const match = offered.find((oc) => sameCodec(oc, ac) && ![...map.values()].includes(oc.pt));
      if (match !== undefined) map.set(String(ac.pt), match.pt);
    }
    md.formats = md.formats.filter((f) => map.has(f)).map((f) => String(map.get(f)));
    const attributes: SdpAttribute[] = [];
    let insertAt = -1;
    for (const a of md.attributes) {
      if (!isPerFormat(a)) {
        attributes.push(a);
        continue;
      }
      const f = formatOf(a.value ?? '');
      if (insertAt < 0) insertAt = attributes.length;
      const to = map.get(f);
      if (to !== undefined && !differs.has(f)) attributes.push({ name: a.name, value: `${to}${(a.value ?? '').replace(/^\s*\S+/, '')}` });
    }
    // The offerer's own description of each replaced PT, and an rtpmap for any PT the offerer
    // mapped explicitly that the answer did not describe.
    const replaced = new Set([...differs].map((f) => String(map.get(f))));
    const extra: SdpAttribute[] = [];
    for (const pt of new Set(md.formats)) {
      const hasMap = attributes.some((a) => a.name.toLowerCase() === 'rtpmap' && formatOf(a.value ?? '') === pt);
      const explicit = om.attributes.some((a) => a.name.toLowerCase() === 'rtpmap' && formatOf(a.value ?? '') === pt);
      if (!hasMap && (explicit || replaced.has(pt))) {
        const rm = rtpmapOf(om, pt);
        if (rm !== undefined) extra.push({ name: 'rtpmap', value: `${pt} ${rm.encodingName}/${rm.clockRate}${rm.channels !== undefined && rm.channels > 1 ? `/${rm.channels}` : ''}` });
      }
      const fmtp = replaced.has(pt) ? fmtpOf(om, pt) : undefined;
      if (fmtp !== undefined) extra.push({ name: 'fmtp', value: `${pt} ${fmtp}` });
    }
    attributes.splice(insertAt < 0 ? attributes.length : insertAt, 0, ...extra);
    md.attributes = attributes;
  }
  return out;
}

function isPerFormat(a: SdpAttribute): boolean {
  const n = a.name.toLowerCase();
  return a.value !== undefined && (n === 'rtpmap' || n === 'fmtp' || (n === 'rtcp-fb' && formatOf(a.value) !== '*'));
}

/**
 * Same session: equal o= username and sess-id (RFC 8866 §5.2; RFC 3264 §8: a re-offer keeps
 * the origin line and changes only the version).
 */
export function isSameSession(a: SessionDescription, b: SessionDescription): boolean {
  return a.origin.username === b.origin.username && a.origin.sessId === b.origin.sessId;
}

/** How a new SDP relates to the previous one of the same party (RFC 3264 §8). */
export type VersionChange = 'new-session' | 'unchanged' | 'changed' | 'stale';

/**
 * RFC 3264 §8: "the version in the origin field MUST increment by one from the previous SDP"
 * when anything changed; the same version means the SDP is unchanged (a session refresh).
 */
export function versionChange(previous: SessionDescription, next: SessionDescription): VersionChange {
  if (!isSameSession(previous, next)) return 'new-session';
  const a = BigInt(previous.origin.sessVersion);
  const b = BigInt(next.origin.sessVersion);
  return b === a ? 'unchanged' : b > a ? 'changed' : 'stale';
}

/** A copy with o= sess-version incremented by one (RFC 3264 §8), as a decimal string of any size. */
export function bumpVersion(sd: SessionDescription): SessionDescription {
  const out = cloneSdp(sd);
  out.origin.sessVersion = (BigInt(sd.origin.sessVersion) + 1n).toString();
  return out;
}
