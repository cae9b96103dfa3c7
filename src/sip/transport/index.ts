/** Transports (RFC 3261 §18, RFC 3581, RFC 7118). */
export * from './types.js';
export { responseDestination, stampReceived, stampedVia, defaultPort, sameIp } from './response-route.js';
export { bracketHost, canonicalHost, hostPort } from './addresses.js';
export { localViaFor, type LocalAddressSource } from './local-via.js';
export { LoopNetwork, LoopTransport, addressKey, type LoopFault, type LoopLogEntry, type LoopOutcome, type LoopNetworkOptions, type LoopEndpointOptions } from './loop.js';
export { TransportManager, UDP_SIZE_THRESHOLD, type TransportManagerOptions, type TransportEvent, type CloseReason } from './transport-manager.js';
export type { ListenerSpec, ListenFailure, DriverOptions, UdpEngine, TransportDriver, DatagramEndpoint, StreamListener, StreamConnection, ConnectionEvents, AcceptConnection } from './driver.js';
export type { ConnectionInfo } from './connection-table.js';
export { StreamFramer, KEEPALIVE_PONG, type FramerEvent, type StreamFramerOptions } from './stream-framer.js';
export { ensureSelfSignedCertificate, type CertificateFiles } from './tls-cert.js';
export { nodeDriver } from './node/node-driver.js';
export { loadSipUdpAddon } from './node/native-udp.js';
export { describeError } from './node/errors.js';
export { SIP_MESSAGE_CHANNEL, sipMessageChannel, type SipWireEvent } from './diagnostics.js';
export { ShardRouter, findCallId, ownerOf, shardOfBytes, shardOfCallId, encodeForward, decodeForward, SHARD_KEY_BYTES, type DatagramShard, type ForwardedDatagram, type FrameSender } from './shard.js';
export { WorkerLink } from './node/worker-link.js';
