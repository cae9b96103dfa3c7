/**
 * The codec abstraction used by transcoding. A codec turns one RTP payload into linear PCM
 * (signed 16-bit, mono, at `pcmSampleRate`) and back. `rtpClockRate` is the RTP timestamp rate,
 * which may differ from the PCM rate (RFC 3551 §4.5.2: G.722 samples at 16 kHz but its RTP clock
 * is 8000 Hz; Opus, RFC 7587 §4.1, always uses a 48 kHz RTP clock).
 */
export interface Codec {
  /** Encoding name as in SDP `a=rtpmap` (RFC 4566), e.g. "PCMU"; compared case-insensitively. */
  readonly name: string;
  readonly rtpClockRate: number;
  readonly pcmSampleRate: number;
  /** Static payload type of RFC 3551 Table 4, when the codec has one. */
  readonly staticPayloadType?: number;
  /**
   * E-model parameters (ITU-T G.113 Appendix I): equipment impairment `ie` and packet-loss
   * robustness `bpl`, used by the MOS estimate.
   */
  readonly eModel: { readonly ie: number; readonly bpl: number };
  /** Decodes one frame (one RTP payload) to PCM. */
  frameDecode(payload: Buffer): Int16Array;
  /** Encodes PCM (at `pcmSampleRate`) to one RTP payload. */
  encode(pcm: Int16Array): Buffer;
}

/**
 * Converts payloads of one codec into another. `transcode` may convert in place and return the
 * buffer it was given (same-size codecs with a direct table, e.g. G.711 µ-law ↔ A-law).
 */
export interface Transcoder {
  readonly from: Codec;
  readonly to: Codec;
  transcode(payload: Buffer): Buffer;
}
