/**
 * The media session controller's contract with signalling (the proxy, the ng backend): one
 * offer/answer exchange at a time per call-id, legs identified by SIP tags, results typed.
 */
import type { SessionStats } from '../media/index.js';

/**
 * The SDP to forward, or why the message carrying the SDP must be refused: 400 (unparsable
 * SDP, reason = the parser's), 488 (no usable media; `warning` is the RFC 3261 §20.43 text of
 * `Warning: 305`), 500 (bad use, e.g. an answer for an unknown call), 503 (no relay ports).
 */
export type MediaResult =
  | { ok: true; sdp: string }
  | { ok: false; status: 400 | 488 | 500 | 503; reason: string; warning?: string };

export interface MediaOfferRequest {
  callId: string;
  /** Tag of the party that sent this offer. */
  fromTag: string;
  sdp: string;
  /** Signalling source; a hint only (used when the SDP address is not an IP literal). */
  source?: { host: string; port: number };
}

export interface MediaAnswerRequest {
  callId: string;
  /** Tag of the OFFERER. */
  fromTag: string;
  /** Tag of the answerer. */
  toTag: string;
  sdp: string;
  source?: { host: string; port: number };
}

/** A signalled transport address (what the SDP said, before latching). */
export interface SignalledAddress {
  readonly address: string;
  readonly port: number;
}

/** One relayed m-line of a call. */
export interface StreamMediaStats {
  /** 0-based m-line index. */
  readonly index: number;
  /** `audio`, `video`, … */
  readonly type: string;
  readonly proto: string;
  /** m-line disabled (port 0) in the last exchange: nothing is relayed. */
  readonly rejected: boolean;
  /** Codec each leg uses, e.g. `PCMA/8000`; known once answered. */
  readonly codec: { readonly a?: string; readonly b?: string };
  /** The relay converts between the legs' codecs. */
  readonly transcoding: boolean;
  /** What each leg's SDP advertised (undefined: none yet, or on hold with c=0.0.0.0). */
  readonly signalled: { readonly a?: SignalledAddress; readonly b?: SignalledAddress };
  /** Wall-clock ms of the last packet on either leg (the creation time before any). */
  readonly lastPacketAtWall: number;
  /** The relay's counters; `relay.a` is leg A (the first offerer), `relay.b` leg B. */
  readonly relay: SessionStats;
}

export interface CallMediaStats {
  readonly callId: string;
  /** Tags: A = the party whose offer created the call, B = the answerer (once known). */
  readonly tags: { readonly a: string; readonly b?: string };
  /** `offered`: an offer awaits its answer; `answered`: the last offer was answered. */
  readonly state: 'offered' | 'answered';
  /** Wall-clock ms. */
  readonly createdAt: number;
  /** Wall-clock ms of the last offer or answer. */
  readonly lastSignalAt: number;
  /** The leg holds the call (its last SDP was sendonly/inactive or c=0.0.0.0). */
  readonly hold: { readonly a: boolean; readonly b: boolean };
  /** Media timeout in force, ms (longer while on hold). */
  readonly timeoutMs: number;
  readonly streams: readonly StreamMediaStats[];
}

export interface MediaSessionControl {
  /** Returns the SDP to forward to the answerer (relay addresses). */
  offer(req: MediaOfferRequest): Promise<MediaResult>;
  /** Returns the SDP to forward back to the offerer. */
  answer(req: MediaAnswerRequest): Promise<MediaResult>;
  /** Releases the call's ports; false if the call is unknown. */
  delete(callId: string, reason: string): Promise<boolean>;
  has(callId: string): boolean;
  /** Adds a handler called once per silence of the configured time on every stream of a call. */
  onTimeout(handler: (callId: string, reason: string) => void): void;
  stats(callId: string): CallMediaStats | undefined;
  list(): CallMediaStats[];
  /** Calls with media sessions now. */
  readonly size: number;
}

/** The few logger methods used (pino's Logger fits). */
export interface MediaSessionLog {
  info(fields: object, msg: string): void;
  warn(fields: object, msg: string): void;
  debug(fields: object, msg: string): void;
}
