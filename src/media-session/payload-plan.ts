/**
 * From an offer/answer plan to the relay's payload mappings. The relay forwards every PT
 * unchanged unless a mapping is installed; a mapping is needed only when the two legs use
 * different numbers for the same format (RFC 3264 §6.1 lets the answerer choose its own PT
 * for a dynamic format, e.g. telephone-event 101 ↔ 96) or different codecs (transcoding).
 */
import type { PayloadMapping, PayloadMappingEntry } from '../media/index.js';
import { type Codec, type MediaDescription, type MediaPlan, codecsOf, sameCodec } from '../sdp/index.js';

export interface StreamMappings {
  /** RTP from the offerer's leg to the answerer's. */
  readonly offererToAnswerer: PayloadMapping;
  /** RTP from the answerer's leg to the offerer's. */
  readonly answererToOfferer: PayloadMapping;
}

interface Pair {
  readonly offerer: Codec;
  readonly answerer: Codec;
  readonly transcode: boolean;
}

/** `PCMU/8000`, `opus/48000/2`. */
export function codecLabel(c: Codec): string {
  return `${c.encodingName}/${c.clockRate}${c.channels > 1 ? `/${c.channels}` : ''}`;
}

/**
 * The formats both legs may send after this exchange, paired: every answer format the offer
 * also had (RFC 3264 §6.1: either side may switch among the formats of the answer), the
 * chosen codec and its transcoding source, and the telephone-event PTs of the plan.
 */
function pairsOf(offerMd: MediaDescription, answerMd: MediaDescription, plan: MediaPlan): Pair[] {
  const offered = codecsOf(offerMd);
  const answered = codecsOf(answerMd);
  const pairs: Pair[] = [];
  const add = (p: Pair): void => {
    if (pairs.some((x) => x.offerer.pt === p.offerer.pt || x.answerer.pt === p.answerer.pt)) return;
    pairs.push(p);
  };
  if (plan.codec !== undefined && plan.offererCodec !== undefined) add({ offerer: plan.offererCodec, answerer: plan.codec, transcode: plan.transcode });
  const te = plan.telephoneEvent;
  if (te.offerer !== undefined && te.answerer !== undefined) {
    const o = offered.find((c) => c.pt === te.offerer);
    const a = answered.find((c) => c.pt === te.answerer);
    if (o !== undefined && a !== undefined) add({ offerer: o, answerer: a, transcode: false });
  }
  for (const a of answered) {
    if (a.name === 'telephone-event') continue;
    const o = offered.find((c) => sameCodec(c, a));
    if (o !== undefined) add({ offerer: o, answerer: a, transcode: false });
  }
  return pairs;
}

function entry(from: Codec, to: Codec, transcode: boolean): PayloadMappingEntry {
  return transcode
    ? { toPt: to.pt, transcode: { from: from.name.toUpperCase(), to: to.name.toUpperCase() }, clockRate: from.clockRate }
    : { toPt: to.pt, clockRate: from.clockRate };
}

/**
 * The mappings for one accepted RTP m-line, or undefined when every format keeps its PT and
 * nothing is transcoded (then the relay passes every PT unchanged, the cheapest path).
 */
export function mappingsFor(offerMd: MediaDescription, answerMd: MediaDescription, plan: MediaPlan): StreamMappings | undefined {
  if (plan.rejected) return undefined;
  const pairs = pairsOf(offerMd, answerMd, plan);
  if (!pairs.some((p) => p.transcode || p.offerer.pt !== p.answerer.pt)) return undefined;
  const forward: Record<number, PayloadMappingEntry> = {};
  const backward: Record<number, PayloadMappingEntry> = {};
  for (const p of pairs) {
    forward[p.offerer.pt] = entry(p.offerer, p.answerer, p.transcode);
    backward[p.answerer.pt] = entry(p.answerer, p.offerer, p.transcode);
  }
  return { offererToAnswerer: forward, answererToOfferer: backward };
}
