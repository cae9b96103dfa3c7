/**
 * The security component: the ban store (same backend family as the location store: a `bans`
 * table in `<data_dir>/switchboard.db`, Redis keys under the same prefix, or memory), the
 * transport admission hook (allow-list, bans, flood limit), the endpoint modules that run
 * before the registrar and proxy (scanners, ACLs of trusted sources, overload), the
 * auth-failure counter fed by the registrar and the proxy, and the call policy: toll-fraud
 * limits for the proxy, and the per-user ACLs the registrar and the proxy ask once a request
 * authenticated (so a scanner meets the same challenge for every user name).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type Clock, systemClock } from '../../lib/index.js';
import {
  AclTable,
  type BanStore,
  CidrSet,
  EventLoopDelay,
  FraudLimiter,
  MemoryBanStore,
  OverloadDetector,
  RedisBanStore,
  SecurityGuard,
  SqliteBanStore,
  aclAuthorizer,
  createAclModule,
  createOverloadModule,
  createScannerModule,
  parseCidr,
  securityEventSink,
} from '../../security/index.js';
import type { NetAddress } from '../../sip/transport/index.js';
import { type Config, deepFreeze } from '../config/index.js';
import { cidrMatcher } from '../config/sections/proxy.js';
import type { Component } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { DATABASE_FILE } from './location-store.js';
import type { ModuleFactory } from './sip-core.js';

/** An authentication failure as the registrar (RegistrarSecurityEvent) or the proxy (AuthEvent) reports it. */
export interface ReportedAuthEvent {
  readonly kind: string;
  readonly source: { readonly host: string; readonly port: number; readonly transport: string };
  readonly aor?: string;
  readonly claimed?: string | undefined;
  readonly reason: string;
}

/**
 * The call-admission policy the proxy takes (structurally its CallPolicy); `authorize` (the
 * ACLs, present when there are any) is also the registrar's authorize hook.
 */
export type SecurityCallPolicy = Pick<FraudLimiter, 'admit' | 'ended'> & { readonly authorize?: ReturnType<typeof aclAuthorizer> };

export interface Security extends Component {
  /** The transport's admission hook (createSipCore hooks.admit). */
  readonly admit: (source: NetAddress) => boolean;
  /** Endpoint modules at priority 'security': scanners, ACLs, overload guard. */
  readonly modules: readonly ModuleFactory[];
  /** Toll-fraud limits and ACLs for the proxy (`callPolicy`) and the registrar (`authorize`). */
  readonly callPolicy: SecurityCallPolicy;
  /** Feed for the registrar's onSecurityEvent and the proxy's onAuthEvent. */
  readonly onAuthEvent: (e: ReportedAuthEvent) => void;
  /** Where to close a banned host's connections (the SIP core's transport). */
  attachTransport(transport: { closeConnectionsFrom(host: string): number }): void;
  /** The guard (valid once started), for tests and the CLI. */
  readonly guard: () => SecurityGuard;
}

/** Opens the ban store on the location backend the config names. */
export async function openBanStore(config: Config, logger: { warn(obj: object, msg?: string): void }): Promise<BanStore> {
  switch (config.location.backend) {
    case 'memory':
      return new MemoryBanStore();
    case 'sqlite': {
      mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
      return new SqliteBanStore({ file: join(config.dataDir, DATABASE_FILE) });
    }
    case 'redis':
      return RedisBanStore.open({
        url: config.location.redis.url,
        keyPrefix: config.location.redis.keyPrefix,
        onConnectionError: (err) => logger.warn({ component: 'security', err: err.message }, 'Redis connection error (reconnecting)'),
      });
  }
}

export function createSecurity(config: Config, logger: Logger, clock: Clock = systemClock): Security {
  const s = config.security;
  const log = logger.child({ component: 'security' });
  const report = securityEventSink(log, () => clock.wallNow());
  const allow = new CidrSet(s.allow);
  let guard: SecurityGuard | undefined;
  let transport: { closeConnectionsFrom(host: string): number } | undefined;
  let delay: EventLoopDelay | undefined;
  let detector: OverloadDetector | undefined;
  const acl = new AclTable(s.acl.map((e) => ({ user: e.user, allow: e.allow })));
  const fraud = new FraudLimiter({
    clock,
    maxConcurrentCalls: s.fraud.maxConcurrentCalls,
    maxCallsPerMinute: s.fraud.maxCallsPerMinute,
    blockedPrefixes: s.fraud.blockedPrefixes,
    restrictedPrefixes: s.fraud.restrictedPrefixes,
    permissions: s.fraud.permissions,
    onBreach: (call, user, reason) => report({ kind: 'fraud-limit', source: call.source.host, user, callId: call.callId, reason: `${reason} (dialled ${call.dialled})` }),
  });
  const started = (): SecurityGuard => {
    if (guard === undefined) throw new Error('security not started');
    return guard;
  };

  const scanners: ModuleFactory = () =>
    createScannerModule({
      userAgents: s.scanners.userAgents,
      onScanner: (source, userAgent) => {
        report({ kind: 'scanner-blocked', source, reason: `User-Agent ${JSON.stringify(userAgent.slice(0, 100))}` });
        if (s.scanners.ban) started().banNow(source, 'scanner');
      },
    });
  const onDenied = (source: string, user: string, reason: string): void => {
    report({ kind: 'acl-denied', source, user, reason });
    started().countFailure(source);
  };
  const acls: ModuleFactory = () => createAclModule({ table: acl, isTrusted: cidrMatcher(config.proxy.trusted), onDenied });
  const callPolicy: SecurityCallPolicy = {
    admit: (call) => fraud.admit(call),
    ended: (callId) => fraud.ended(callId),
    ...(acl.size === 0 ? {} : { authorize: aclAuthorizer({ table: acl, onDenied }) }),
  };
  const overload: ModuleFactory = (endpoint) => {
    delay = new EventLoopDelay();
    detector = new OverloadDetector({
      clock,
      sampleMs: 1000,
      maxDelayMs: s.overload.maxEventLoopDelay,
      maxInFlight: s.overload.maxInFlight,
      readDelayMs: delay.read,
      inFlight: () => endpoint.inProcess,
      onChange: (on, reason) => report({ kind: 'overload', reason: `${on ? 'overloaded' : 'recovered'}: ${reason}` }),
    });
    detector.start();
    const d = detector;
    return createOverloadModule({ isOverloaded: () => d.overloaded, retryAfterS: s.overload.retryAfter });
  };

  return {
    name: 'security',
    admit: (source) => (guard === undefined ? true : guard.admit(source)),
    modules: [overload, scanners, acls],
    callPolicy,
    onAuthEvent: (e) => {
      const user = e.claimed ?? e.aor;
      started().authFailed({ source: e.source, ...(user === undefined ? {} : { user }), reason: `${e.kind}: ${e.reason}` });
    },
    attachTransport: (t) => (transport = t),
    guard: started,
    async start() {
      const store = await openBanStore(config, logger);
      guard = new SecurityGuard({
        store,
        clock,
        report,
        log,
        allow,
        bans: { maxTries: s.bans.maxTries, findTimeMs: s.bans.findTime * 1000, banTimeMs: s.bans.banTime * 1000, syncIntervalMs: s.bans.syncInterval * 1000 },
        ...(s.flood.enabled ? { flood: { ratePerSecond: s.flood.rate, burst: s.flood.burst, banAfterMs: s.flood.banAfter * 1000 } } : {}),
        onBanned: (address) => {
          const closed = transport?.closeConnectionsFrom(address) ?? 0;
          if (closed > 0) log.info({ address, closed }, 'connections of a banned address closed');
        },
      });
      await guard.start();
      if (s.allow.length === 0) log.info('no allow-listed networks: every source is subject to bans and flood limits');
    },
    async stop() {
      detector?.stop();
      delay?.close();
      if (guard !== undefined) {
        await guard.stop();
        await guard.bans.store.close();
      }
    },
    describe() {
      return { bans: guard?.bans.size, allow: s.allow };
    },
  };
}

/**
 * `start --allow CIDR` (repeatable): adds to `security.allow`. Returns the config with the
 * networks added, or the first entry that is not an address or CIDR.
 */
export function withAllowedNetworks(config: Config, extra: readonly string[]): { ok: true; config: Config } | { ok: false; invalid: string } {
  if (extra.length === 0) return { ok: true, config };
  const invalid = extra.find((c) => parseCidr(c) === undefined);
  if (invalid !== undefined) return { ok: false, invalid };
  const allow = [...config.security.allow, ...extra.filter((c) => !config.security.allow.includes(c))];
  return { ok: true, config: deepFreeze({ ...config, security: { ...config.security, allow } }) as Config };
}
