/**
 * The `flags`, `replace`, `rtcp-mux` and `codec` options of rtpengine's ng protocol
 * (docs/ng_control_protocol.md, "Optionally included flags/replace-flags/codec manipulations").
 * Flag strings are matched with spaces read as hyphens ("Spaces in each string may be replaced by
 * hyphens") and case-insensitively. Prefixed flags are folded into their options, as rtpengine
 * does: `replace-X`, `rtcp-mux-X`, `SDES-X`, `codec-<op>-<codec>` ("These options can also be put
 * into the `flags` list using a prefix of `codec-`"). Anything else is recorded as ignored.
 */
import { hyphenate } from './ng-dict-reader.js';
import { NG_FLAGS, type NgFlag, type NgReplace, type NgRtcpMux } from './ng-types.js';

const FLAG_BY_NAME = new Map<string, NgFlag>(NG_FLAGS.map((f) => [f.toLowerCase(), f]));
// Documented aliases: "`reuse codecs` or `no codec renegotiation`", "`debug` or `debugging`",
// "`block short` or `block short packets`".
FLAG_BY_NAME.set('no-codec-renegotiation', 'reuse-codecs');
FLAG_BY_NAME.set('debugging', 'debug');
FLAG_BY_NAME.set('block-short-packets', 'block-short');

const REPLACE: readonly NgReplace[] = ['origin', 'session-connection', 'SDP-version', 'username', 'session-name', 'zero-address', 'force-increment-sdp-ver'];
const REPLACE_BY_NAME = new Map<string, NgReplace>(REPLACE.map((r) => [r.toLowerCase(), r]));

const RTCP_MUX: readonly NgRtcpMux[] = ['offer', 'require', 'demux', 'accept', 'reject'];

export const CODEC_OPS = ['strip', 'offer', 'transcode', 'mask', 'accept', 'consume', 'except', 'set'] as const;
export type NgCodecOp = (typeof CODEC_OPS)[number];

/** Mutable accumulator filled from the dictionary keys and the `flags` list. */
export interface FlagState {
  readonly flags: Set<NgFlag>;
  readonly replace: Set<NgReplace>;
  readonly rtcpMux: Set<NgRtcpMux>;
  readonly codec: { [K in NgCodecOp]: string[] };
  readonly sdes: string[];
  readonly ignored: string[];
}

export function newFlagState(): FlagState {
  return {
    flags: new Set(),
    replace: new Set(),
    rtcpMux: new Set(),
    codec: { strip: [], offer: [], transcode: [], mask: [], accept: [], consume: [], except: [], set: [] },
    sdes: [],
    ignored: [],
  };
}

export function addReplace(state: FlagState, raw: string): void {
  const r = REPLACE_BY_NAME.get(hyphenate(raw).toLowerCase());
  if (r === undefined) state.ignored.push(`replace '${raw}'`);
  else state.replace.add(r);
}

export function addRtcpMux(state: FlagState, raw: string): void {
  const v = hyphenate(raw).toLowerCase() as NgRtcpMux;
  if (RTCP_MUX.includes(v)) state.rtcpMux.add(v);
  else state.ignored.push(`rtcp-mux '${raw}'`);
}

/** `codec` dictionary: each known key holds a list of codec names (or one comma-separated string). */
export function addCodecOp(state: FlagState, op: string, names: readonly string[]): boolean {
  if (!(CODEC_OPS as readonly string[]).includes(op)) return false;
  state.codec[op as NgCodecOp].push(...names);
  return true;
}

/** One entry of the `flags` list. */
export function addFlag(state: FlagState, raw: string): void {
  const f = hyphenate(raw);
  const lower = f.toLowerCase();
  const known = FLAG_BY_NAME.get(lower);
  if (known !== undefined) {
    state.flags.add(known);
    return;
  }
  if (lower.startsWith('replace-')) return addReplace(state, f.slice('replace-'.length));
  if (lower.startsWith('rtcp-mux-')) return addRtcpMux(state, f.slice('rtcp-mux-'.length));
  if (lower.startsWith('sdes-') && f.length > 5) {
    state.sdes.push(f.slice('SDES-'.length));
    return;
  }
  if (lower.startsWith('codec-')) {
    // `codec-<op>-<codec>`; the codec part may itself contain hyphens (e.g. telephone-event).
    const rest = f.slice('codec-'.length);
    const dash = rest.indexOf('-');
    if (dash > 0 && dash < rest.length - 1 && addCodecOp(state, rest.slice(0, dash), [rest.slice(dash + 1)])) return;
  }
  state.ignored.push(`flag '${raw}'`);
}
