/**
 * Registration services: the location store (with its expiry purger), digest authentication
 * with the user directory, and the registrar module that uses them. One component, started
 * before the SIP core so REGISTERs never meet a closed store.
 */
import { hostname } from 'node:os';
import { type Clock, systemClock } from '../../lib/index.js';
import { ExpiryPurger, type LocationStore } from '../../location/index.js';
import { type AuthEvent, type CallPolicy, CallTracker, type MediaControl, type ProxyModule, type Router, createNextHopDnsCache, createProxyModule } from '../../proxy/index.js';
import { NatKeepalive, createRegistrarModule } from '../../registrar/index.js';
import { cidrMatcher } from '../config/sections/proxy.js';
import type { Config } from '../config/index.js';
import type { Component } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { type AuthServices, openAuth } from './auth.js';
import { openLocationStore } from './location-store.js';
import type { ModuleFactory } from './sip-core.js';

export interface Registration extends Component {
  /** The registrar module for the SIP core (valid once started). */
  readonly registrarModule: ModuleFactory;
  /** The proxy module (calls to registered users), sharing the store and authentication. */
  readonly proxyModule: ModuleFactory;
  readonly location: () => LocationStore;
  /** The calls in progress through the proxy. */
  readonly calls: CallTracker;
  /** Ends a call from the middle (BYE to both parties), e.g. on media timeout. */
  terminate(callId: string, reason: string): boolean;
}

/** What other components add to the proxy: routing policy, call admission, auth events. */
export interface RegistrationExtras {
  readonly router?: Router;
  readonly callPolicy?: CallPolicy;
  readonly onAuthEvent?: (event: AuthEvent) => void;
  /** The media controller (valid once the media component has started). */
  readonly media?: () => MediaControl;
  /**
   * Run the expiry purger and the NAT keep-alives (default true). In a worker group only
   * worker 0 does: the store is shared, so one purge and one ping per contact is enough.
   */
  readonly housekeeping?: boolean;
}

export function createRegistration(config: Config, logger: Logger, clock: Clock = systemClock, extras: RegistrationExtras = {}): Registration {
  const calls = new CallTracker({ clock, onEnded: (id) => extras.callPolicy?.ended(id) });
  let proxy: ProxyModule | undefined;
  let location: LocationStore | undefined;
  let auth: AuthServices | undefined;
  let purger: ExpiryPurger | undefined;
  const log = logger.child({ component: 'registrar' });
  const node = `${hostname()}:${process.pid}`;

  return {
    name: 'registration',
    calls,
    terminate: (callId, reason) => proxy?.terminate(callId, reason) ?? false,
    location: () => {
      if (location === undefined) throw new Error('registration services not started');
      return location;
    },
    registrarModule: (endpoint) => {
      if (location === undefined || auth === undefined) throw new Error('registration services not started');
      const registrar = createRegistrarModule({
        location,
        auth: auth.authenticator,
        identity: endpoint.identity,
        clock,
        node,
        minExpires: config.registrar.minExpires,
        maxExpires: config.registrar.maxExpires,
        defaultExpires: config.registrar.defaultExpires,
        maxContacts: config.registrar.maxContacts,
        log,
        // Security events go to the security component (bans, SIEM log lines) when there is one.
        onSecurityEvent: (e) =>
          extras.onAuthEvent !== undefined
            ? extras.onAuthEvent({
                kind: e.kind === 'aor-mismatch' ? 'identity-mismatch' : e.kind,
                source: { host: e.source.host, port: e.source.port, transport: e.source.transport as AuthEvent['source']['transport'] },
                claimed: e.aor,
                reason: e.reason,
              })
            : log.warn({ securityEvent: e.kind, user: e.aor, source: e.source, aor: e.aor, reason: e.reason }, 'registration refused'),
        // The policy's per-user source ACLs apply to registrations as to the proxy's requests.
        ...(extras.callPolicy?.authorize === undefined ? {} : { authorize: extras.callPolicy.authorize.bind(extras.callPolicy) }),
      });
      if (config.registrar.keepaliveInterval === 0 || extras.housekeeping === false) return registrar;
      const keepalive = new NatKeepalive({
        endpoint,
        location,
        clock,
        node,
        intervalMs: config.registrar.keepaliveInterval * 1000,
        fromHost: config.domains[0] ?? 'localhost',
        onDead: (aor, contact, why) => log.info({ user: aor, aor, contact, reason: why }, 'contact removed: it stopped answering keep-alives'),
        onError: (err) => log.error({ err }, 'keep-alive round failed'),
      });
      return {
        ...registrar,
        async start() {
          await registrar.start?.();
          keepalive.start();
        },
        async stop() {
          keepalive.stop();
          await registrar.stop?.();
        },
      };
    },
    proxyModule: (endpoint) => {
      if (location === undefined || auth === undefined) throw new Error('registration services not started');
      proxy = createProxyModule({
        endpoint,
        location,
        auth: auth.authenticator,
        users: auth.users,
        isTrusted: cidrMatcher(config.proxy.trusted),
        clock,
        timerCMs: config.proxy.timerC * 1000,
        recordRoute: config.proxy.recordRoute,
        guestCalls: config.proxy.guestCalls,
        dns: createNextHopDnsCache({
          clock,
          positiveTtlMs: config.proxy.dnsCacheTtl * 1000,
          negativeTtlMs: config.proxy.dnsFailureTtl * 1000,
          maxEntries: config.proxy.dnsCacheSize,
        }),
        calls,
        ...(extras.router === undefined ? {} : { router: extras.router }),
        ...(extras.callPolicy === undefined ? {} : { callPolicy: extras.callPolicy }),
        ...(extras.onAuthEvent === undefined ? {} : { onAuthEvent: extras.onAuthEvent }),
        // Routes may override the mode, so the controller is given even when it is 'never'.
        ...(extras.media === undefined ? {} : { media: extras.media(), mediaMode: config.media.mode }),
        node,
        log: logger.child({ component: 'proxy' }),
      });
      return proxy;
    },
    async start() {
      auth = await openAuth(config, logger, clock);
      location = await openLocationStore(config, logger, auth.database);
      purger = new ExpiryPurger({
        store: location,
        clock,
        intervalMs: config.location.purgeInterval * 1000,
        onPurged: (n) => log.debug({ removed: n }, 'expired bindings removed'),
        onError: (err) => log.error({ err }, 'purging expired bindings failed'),
      });
      if (extras.housekeeping !== false) purger.start();
    },
    async stop() {
      await purger?.stop();
      await location?.close();
      auth?.close();
    },
    describe() {
      return { location: location?.kind };
    },
  };
}
