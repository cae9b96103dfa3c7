/**
 * What the ng control protocol hands to the media relay, and what it expects back.
 * Field meanings follow rtpengine's "The ng Control Protocol" document (docs/ng_control_protocol.md);
 * wire names are given in the comments. The backend (the media session controller) implements
 * `NgBackend`; this folder only parses, dispatches and formats.
 *
 * Text conventions: identifiers (call-id, tags, via-branch, flags, labels) are decoded byte-exactly
 * as latin1 ("binary") strings — they are ASCII in practice — and SDP bodies as UTF-8.
 */

/** Where an ng datagram came from (the SIP proxy's control socket). */
export interface NgSource {
  readonly host: string;
  readonly port: number;
}

/** A backend answer: `ok` with a value (and an optional non-fatal `warning`), or an error. */
export type NgResult<T> = { readonly result: 'ok'; readonly value: T; readonly warning?: string } | { readonly result: 'error'; readonly errorReason: string };

/** `ICE`: remove | force | default | force-relay | optional (absent = `default` behaviour). */
export type NgIceMode = 'remove' | 'force' | 'default' | 'force-relay' | 'optional';

/** `transport-protocol`: the SDP m= protocol towards the recipient; `accept` only in answers. */
export type NgTransportProtocol = 'RTP/AVP' | 'RTP/AVPF' | 'RTP/SAVP' | 'RTP/SAVPF' | 'UDP/TLS/RTP/SAVP' | 'UDP/TLS/RTP/SAVPF';

/** `replace` list entries (also accepted as `replace-X` in `flags`), hyphenated spelling. */
export type NgReplace = 'origin' | 'session-connection' | 'SDP-version' | 'username' | 'session-name' | 'zero-address' | 'force-increment-sdp-ver';

/** `rtcp-mux` list entries (also accepted as `rtcp-mux-X` in `flags`). */
export type NgRtcpMux = 'offer' | 'require' | 'demux' | 'accept' | 'reject';

export type NgAddressFamily = 'IP4' | 'IP6';

/** `DTLS`: `off` (also `no`, `disable`), `passive`, `active`. */
export type NgDtlsMode = 'off' | 'passive' | 'active';

/**
 * Flags understood from the `flags` list, in rtpengine's documented spelling with spaces
 * replaced by hyphens (matching is case-insensitive; aliases are folded into these names).
 */
export const NG_FLAGS = [
  'trust-address',
  'SIP-source-address',
  'symmetric',
  'asymmetric',
  'unidirectional',
  'strict-source',
  'media-handover',
  'port-latching',
  'no-port-latching',
  'no-rtcp-attribute',
  'full-rtcp-attribute',
  'loop-protect',
  'always-transcode',
  'allow-transcoding',
  'original-sendrecv',
  'reset',
  'single-codec',
  'reuse-codecs',
  'reject-ICE',
  'trickle-ICE',
  'generate-mid',
  'strip-extmap',
  'record-call',
  'NAT-wait',
  'pierce-NAT',
  'early-media',
  'inject-DTMF',
  'detect-DTMF',
  'generate-RTCP',
  'block-short',
  'debug',
  'all',
  'fatal',
] as const;
export type NgFlag = (typeof NG_FLAGS)[number];

/** `codec` dictionary (also `codec-<op>-<name>` entries in `flags`); each a list of codec names. */
export interface NgCodecOptions {
  readonly strip: readonly string[];
  readonly offer: readonly string[];
  readonly transcode: readonly string[];
  readonly mask: readonly string[];
  readonly accept: readonly string[];
  readonly consume: readonly string[];
  readonly except: readonly string[];
  readonly set: readonly string[];
}

/** Options common to `offer` and `answer`. */
export interface NgOfferAnswerBase {
  /** `call-id` (required). */
  readonly callId: string;
  /** `from-tag` (required): the SIP From tag — the offerer's tag in both offer and answer. */
  readonly fromTag: string;
  /** `via-branch`. */
  readonly viaBranch?: string;
  /** `sdp` (required): the SDP body to rewrite. */
  readonly sdp: string;
  /** Known entries of `flags`. */
  readonly flags: ReadonlySet<NgFlag>;
  /** `replace` plus `replace-X` flags. */
  readonly replace: ReadonlySet<NgReplace>;
  /** `direction`: [interface of the sender of this message, interface of its recipient]. */
  readonly direction?: readonly [string, string];
  /** `received-from`: [family, SIP source address] of the SIP message carrying this SDP. */
  readonly receivedFrom?: { readonly family: NgAddressFamily; readonly address: string };
  /** `media-address`: overrides both the SDP addresses and `received-from`. */
  readonly mediaAddress?: string;
  /** `address-family`: family wanted in the rewritten SDP. */
  readonly addressFamily?: NgAddressFamily;
  /** `ICE`. */
  readonly ice?: NgIceMode;
  /** `transport-protocol`. */
  readonly transportProtocol?: NgTransportProtocol | 'accept';
  /** `rtcp-mux` plus `rtcp-mux-X` flags. */
  readonly rtcpMux: ReadonlySet<NgRtcpMux>;
  /** `codec` plus `codec-X-Y` flags. */
  readonly codec: NgCodecOptions;
  /** `DTLS`. */
  readonly dtls?: NgDtlsMode;
  /** `SDES` plus `SDES-X` flags (raw strings, e.g. `off`, `no-AES_CM_128_HMAC_SHA1_32`). */
  readonly sdes: readonly string[];
  /** `label` (or `from-label`). */
  readonly label?: string;
  /** `ptime` / `ptime-reverse` (ms). */
  readonly ptime?: number;
  readonly ptimeReverse?: number;
  /** `record call` yes/on → true, no/off → false. */
  readonly recordCall?: boolean;
  /** `supports` list (e.g. `load limit`). */
  readonly supports: readonly string[];
  /** Everything present but not interpreted here: `key 'x'`, `flag 'y'`, … — accepted and ignored. */
  readonly ignored: readonly string[];
  /** Source of the ng datagram. */
  readonly source: NgSource;
}

/** `offer`: `to-tag` is present on re-offers within an established dialogue. */
export interface NgOfferRequest extends NgOfferAnswerBase {
  readonly toTag?: string;
}

/** `answer`: `to-tag` (required) is the answerer's SIP To tag. */
export interface NgAnswerRequest extends NgOfferAnswerBase {
  readonly toTag: string;
}

/** `delete`: the whole call when no tag is given, else the branch/dialogue of the tags. */
export interface NgDeleteRequest {
  readonly callId: string;
  readonly fromTag?: string;
  readonly toTag?: string;
  readonly viaBranch?: string;
  /** `delete-delay` in seconds (0 = now); absent = the relay's default. */
  readonly deleteDelay?: number;
  /** `fatal` flag: when set, a failed delete is an error reply rather than `ok` + `warning`. */
  readonly fatal: boolean;
  readonly ignored: readonly string[];
  readonly source: NgSource;
}

/** `query`: stats of a call, optionally narrowed to a tag and its peer. */
export interface NgQueryRequest {
  readonly callId: string;
  readonly fromTag?: string;
  readonly toTag?: string;
  readonly source: NgSource;
}

/** Packet/byte/error counters of one stream (`stats`) or of all streams of a kind (`totals`). */
export interface NgCounters {
  readonly packets: number;
  readonly bytes: number;
  readonly errors: number;
}

export interface NgEndpoint {
  readonly address: string;
  readonly port: number;
}

/** One packet stream (a port) of a media section. */
export interface NgStreamStats {
  /** RTP or RTCP; decides the `totals` bucket and the first entry of `flags`. */
  readonly kind: 'rtp' | 'rtcp';
  readonly localPort?: number;
  readonly localAddress?: string;
  /** Where packets are forwarded to (learned or signalled). */
  readonly endpoint?: NgEndpoint;
  /** What the SDP advertised. */
  readonly advertisedEndpoint?: NgEndpoint;
  /** Wall-clock ms of the last packet received (0 or absent: none). */
  readonly lastPacketAt?: number;
  /** Further rtpengine stream flags, e.g. `filled`, `confirmed`, `strict source address`. */
  readonly flags?: readonly string[];
  readonly stats: NgCounters;
}

export interface NgMediaStats {
  /** 1-based index of the SDP media section. */
  readonly index: number;
  /** `audio`, `video`, … */
  readonly type: string;
  readonly protocol?: string;
  /** Codec in use, e.g. `PCMU/8000`. */
  readonly codec?: string;
  /** rtpengine media flags, e.g. `initialized`, `rtcp-mux`, `ICE`. */
  readonly flags?: readonly string[];
  readonly streams: readonly NgStreamStats[];
}

/** One call participant (a SIP tag, "monologue"). */
export interface NgTagStats {
  /** The SIP tag; empty for a side that has not signalled its tag yet. */
  readonly tag: string;
  /** Wall-clock ms when first seen. */
  readonly createdAt: number;
  readonly label?: string;
  readonly viaBranch?: string;
  /** Tag of the other side of the dialogue, when established. */
  readonly inDialogueWith?: string;
  readonly medias: readonly NgMediaStats[];
}

export interface NgCallStats {
  /** Wall-clock ms when the call was created. */
  readonly createdAt: number;
  /** Wall-clock ms of the last offer/answer/… for the call. */
  readonly lastSignalAt: number;
  readonly tags: readonly NgTagStats[];
  /** Overrides the totals otherwise summed from every stream (RTP vs RTCP by `kind`). */
  readonly totals?: { readonly rtp: NgCounters; readonly rtcp: NgCounters };
}

/** What the media relay implements for the ng protocol. Rejections and throws are bugs; failures are `NgResult` errors. */
export interface NgBackend {
  offer(req: NgOfferRequest): Promise<NgResult<{ sdp: string }>>;
  answer(req: NgAnswerRequest): Promise<NgResult<{ sdp: string }>>;
  delete(req: NgDeleteRequest): Promise<NgResult<{ stats?: NgCallStats }>>;
  query(req: NgQueryRequest): Promise<NgResult<NgCallStats>>;
  /** Active call-ids, at most `limit`. Without it, `list` is answered with an error. */
  list?(limit: number): Promise<string[]>;
}
