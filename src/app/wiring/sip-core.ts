/**
 * The SIP core component: transports (UDP/TCP/TLS/WS/WSS) → transaction layer → endpoint.
 * Start: open the listeners, then build the endpoint with the addresses really bound (port 0
 * in tests). Stop: refuse new requests, let in-flight transactions reach a final response
 * (bounded by the lifecycle's grace period), then close listeners and connections.
 */
import { type Clock, systemClock } from '../../lib/index.js';
import { Endpoint, type EndpointModule, LocalIdentity, type SipLogFields, partialLogFields, sipLogFields } from '../../sip/endpoint/index.js';
import { type DatagramShard, type ListenerSpec, type NetAddress, type ReceivedInvalid, type ReceivedMessage, TransportManager, ensureSelfSignedCertificate, hostPort } from '../../sip/transport/index.js';
import type { Config } from '../config/index.js';
import type { Component } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { createSipMessageLog } from './sip-message-log.js';

export interface SipCore extends Component {
  readonly endpoint: () => Endpoint;
  readonly transport: TransportManager;
}

/** Builds the modules (registrar, proxy …) once the endpoint exists. */
export type ModuleFactory = (endpoint: Endpoint) => EndpointModule;

/** Hooks of other components into the transport (security's admission control). */
export interface SipCoreHooks {
  /** Asked for every datagram / connection / stream message; false drops it silently. */
  readonly admit?: (source: NetAddress) => boolean;
  /** In a worker group: forwards each datagram to the worker that owns its call. */
  readonly shard?: DatagramShard;
}

export async function createSipCore(
  config: Config,
  logger: Logger,
  modules: readonly ModuleFactory[] = [],
  clock: Clock = systemClock,
  hooks: SipCoreHooks = {},
): Promise<SipCore> {
  const listeners = await listenerSpecs(config, logger);
  let endpoint: Endpoint | undefined;
  const transport = new TransportManager({
    listeners,
    clock,
    // Until the endpoint exists (the instant between bind and wiring) messages are dropped;
    // UDP peers retransmit and stream peers' bytes wait in the socket.
    user: {
      onMessage: (rx: ReceivedMessage) => {
        try {
          endpoint?.transportUser.onMessage(rx);
        } catch (err) {
          failed(err, sipLogFields(rx.message), rx.source);
        }
      },
      onInvalid: (rx: ReceivedInvalid) => {
        try {
          endpoint?.transportUser.onInvalid(rx);
        } catch (err) {
          failed(err, partialLogFields(rx.partial), rx.source);
        }
      },
    },
    maxMessageSize: config.sip.maxMessageSize,
    maxConnectionsPerIp: config.transport.maxConnectionsPerSource,
    maxConnections: config.transport.maxConnections,
    idleTimeoutMs: config.transport.idleTimeout * 1000,
    udpRecvBufferSize: config.transport.udpRecvBuffer,
    // In a worker group each worker binds its own native socket to the port (SO_REUSEPORT).
    udp: { udpEngine: config.transport.udpEngine, udpReusePort: hooks.shard !== undefined },
    onEvent: (e) => logger.debug({ transportEvent: e }, 'transport event'),
    ...(hooks.admit === undefined ? {} : { admit: hooks.admit }),
    ...(hooks.shard === undefined ? {} : { shard: hooks.shard }),
  });
  let bound: readonly NetAddress[] = [];
  // A bug above the transport must cost one message, never the process (or the socket loop).
  const failed = (err: unknown, fields: SipLogFields, source: NetAddress): void => {
    logger.error({ err, ...fields, source }, 'internal error while handling a message');
  };
  // One debug line per SIP message in and out (the channel is subscribed only at debug level).
  const messageLog = createSipMessageLog(logger.child({ component: 'sip' }));

  return {
    name: 'sip',
    transport,
    endpoint: () => {
      if (endpoint === undefined) throw new Error('SIP core not started');
      return endpoint;
    },
    async start() {
      const r = await transport.start();
      if (!r.ok) throw new Error(r.error.message);
      messageLog.start();
      bound = r.value;
      endpoint = new Endpoint({
        transport,
        clock,
        identity: new LocalIdentity(config.domains, bound),
        serverName: config.sip.userAgent,
        maxTransactions: config.sip.maxTransactions,
        t1: config.sip.timers.t1,
        t2: config.sip.timers.t2,
        t4: config.sip.timers.t4,
        ...(config.sip.timers.wait === undefined ? {} : { wait: config.sip.timers.wait }),
        log: logger.child({ component: 'endpoint' }),
      });
      for (const make of modules) endpoint.use(make(endpoint));
      await endpoint.start();
    },
    async stop() {
      if (endpoint !== undefined) {
        await endpoint.drain(clock);
        await endpoint.stop();
      }
      try {
        await transport.stop();
      } finally {
        messageLog.stop();
      }
    },
    describe() {
      const engines = new Set(transport.udpSockets().map((s) => s.engine));
      return { listeners: bound.map((a) => `${a.transport}:${hostPort(a.host, a.port)}`), ...(engines.size > 0 ? { udpEngine: [...engines].join(',') } : {}) };
    },
  };
}

/** Listener specs from the config; TLS/WSS get the configured or a generated certificate. */
async function listenerSpecs(config: Config, logger: Logger): Promise<ListenerSpec[]> {
  const needsTls = config.listen.some((l) => l.transport === 'tls' || l.transport === 'wss');
  let tls: ListenerSpec['tls'];
  if (needsTls) {
    if (config.tls !== undefined) {
      tls = { certFile: config.tls.cert, keyFile: config.tls.key };
    } else {
      const cert = await ensureSelfSignedCertificate(config.dataDir, config.domains);
      tls = { certFile: cert.certFile, keyFile: cert.keyFile };
      if (cert.generated) logger.warn({ cert: cert.certFile }, 'no TLS certificate configured: generated a self-signed one');
      else logger.info({ cert: cert.certFile }, 'using the self-signed TLS certificate from the data directory');
    }
  }
  return config.listen.map((l) => ({
    transport: l.transport,
    host: l.address,
    port: l.port,
    ...(l.transport === 'tls' || l.transport === 'wss' ? { tls } : {}),
  }));
}
