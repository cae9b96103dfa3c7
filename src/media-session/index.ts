/**
 * Media session controller: SDP offer/answer (src/sdp) joined to the RTP relay (src/media),
 * keyed by call-id with legs identified by SIP tags (rtpengine's model). Used by the proxy to
 * anchor media and by the rtpengine ng backend (src/ng).
 */
export type {
  MediaResult,
  MediaOfferRequest,
  MediaAnswerRequest,
  MediaSessionControl,
  CallMediaStats,
  StreamMediaStats,
  SignalledAddress,
  MediaSessionLog,
} from './types.js';
export { MediaSessions, type MediaSessionsOptions, DEFAULT_HOLD_TIMEOUT_MS } from './media-sessions.js';
export { codecLabel, mappingsFor, type StreamMappings } from './payload-plan.js';
export { MEDIA_CHANNEL, mediaChannel, type MediaEvent, isMediaEvent } from './media-events.js';
