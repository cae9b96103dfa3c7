/**
 * Media relay: RTP/RTCP forwarding with latching, G.711 transcoding and per-leg statistics.
 * Knows nothing of SIP or SDP; the media session controller drives it.
 */
export {
  MediaRelay,
  type MediaRelayOptions,
  type AllocateSessionOptions,
  type AllocateSessionError,
  type MediaEngineKind,
  type MediaEngineInfo,
  DEFAULT_MEDIA_TIMEOUT_MS,
} from './relay/media-relay.js';
export { loadRtpAddon, type AddonLoad, type RtpAddon } from './native/rtp-addon.js';
export {
  RelaySession,
  type CodecMapping,
  type SessionPorts,
  type SessionStats,
  type LegStats,
  type ChannelCounters,
  type TimeoutReason,
  type RelaySessionOptions,
  type SessionEngineLink,
} from './relay/relay-session.js';
export { RelayLeg, RelayChannel, type LegName, type RemoteAddress, type PeerReport, type EngineRtpState } from './relay/relay-leg.js';
export type { RelaySocket, RelaySocketFactory, PacketHandler, BindError } from './relay/relay-socket.js';
export { PortPairPool, allocatePortPair, DEFAULT_PORT_RANGE, type PortRange, type AllocationError } from './relay/port-allocator.js';
export { NodeUdpSocketFactory, type NodeUdpOptions } from './node/node-udp-socket-factory.js';
export type { Codec, Transcoder } from './codec/codec.js';
export { CodecRegistry, type CodecError } from './codec/codec-registry.js';
export { PCMU, PCMA, linearToUlaw, ulawToLinear, linearToAlaw, alawToLinear, ULAW_TO_ALAW, ALAW_TO_ULAW } from './codec/g711.js';
export { pcmTranscoder, resampleLinear, TimestampRescaler } from './codec/pcm-transcoder.js';
export {
  type PayloadMapping,
  type PayloadMappingEntry,
  type MappingError,
  compileMapping,
  applyMapping,
  staticClockRate,
} from './codec/payload-mapping.js';
export * from './rtp/rtp-header.js';
export * from './rtp/rtcp.js';
export { ReceiveStats } from './stats/receive-stats.js';
export { estimateMos, rFactor, mosFromR, delayImpairment, effectiveEquipmentImpairment, ASSUMED_BASE_DELAY_MS, type EModelInput } from './stats/mos.js';
