/**
 * SDP (RFC 8866) model, parser and writer, and RFC 3264 offer/answer helpers for a
 * media-anchoring B2BUA. Sans-IO, pure functions: the seam between signalling and the relay.
 */
export type { SessionDescription, MediaDescription, Origin, Connection, Bandwidth, Timing, SdpAttribute, SdpLine, Direction } from './model.js';
export { cloneSdp } from './model.js';
export { type SdpError, type SdpErrorCode, type MediaRejection, type OfferAnswerError, type OfferAnswerErrorCode, warningHeaderValue } from './errors.js';
export { parseSdp, type SdpParseOptions, SDP_LIMITS } from './parse.js';
export { serializeSdp, mediaLineValue } from './serialize.js';
export { STATIC_PAYLOAD_TYPES, type StaticPayloadType, staticPayloadTypeFor } from './static-payload-types.js';
export {
  type RtpMap,
  type Codec,
  type CodecSpec,
  KNOWN_CODECS,
  normalizeCodecName,
  isAuxiliaryCodec,
  isRtpProto,
  parseCodecList,
  rtpmapOf,
  fmtpOf,
  formatOf,
  codecsOf,
  sameCodec,
} from './codecs.js';
export {
  getAttribute,
  getAttributes,
  directionOf,
  reverseDirection,
  withDirection,
  connectionOf,
  type RtcpInfo,
  rtcpOf,
  ptimeOf,
  isNullConnection,
  isHold,
} from './accessors.js';
export { type CodecPolicy, type AddedCodec, type FilteredMedia, type FilteredOffer, filterOffer } from './offer-filter.js';
export {
  type MediaEndpoint,
  type MediaPlan,
  type PlanOptions,
  type VersionChange,
  planMedia,
  answerForOfferer,
  isSameSession,
  versionChange,
  bumpVersion,
} from './offer-answer.js';
export { type RelayEndpoint, type RelayRewriteOptions, connectionFor, rewriteForRelay } from './relay-rewrite.js';
