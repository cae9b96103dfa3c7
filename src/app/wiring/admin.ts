/**
 * The admin component: the admin API, metrics, trace and HEP export (src/admin) wired to the
 * running server's parts — the location store, the endpoint's transaction layer, the user
 * directories, the proxy's calls, the media sessions and the ban list when their owners provide them — plus
 * `switchboard reload` (and SIGHUP, when asked) running the reloaders. Started last, stopped first.
 */
import { ConfigUserDirectory, SqliteUserDirectory, type UserCredentials } from '../../auth/index.js';
import { AdminService, type BanInfo, type BanSource, type MediaSource, type Reloader, type ReloadReport, type TransactionStats, type UserInfo, redactSecrets, runReloaders } from '../../admin/index.js';
import type { LocationStore } from '../../location/index.js';
import type { Ban } from '../../security/index.js';
import type { CallSource } from '../../proxy/index.js';
import type { Endpoint } from '../../sip/endpoint/index.js';
import type { Config } from '../config/index.js';
import type { Component } from '../lifecycle.js';
import type { Logger } from '../log.js';
import { configUserEntries, databasePath } from './auth.js';

export interface AdminDeps {
  /** Throw until their component has started (the getters of registration / sip core). */
  readonly location: () => LocationStore;
  readonly endpoint: () => Endpoint;
  readonly calls?: CallSource;
  /** The media sessions (throws until the media component has started). */
  readonly media?: () => MediaSource;
  /** The security module's ban list (throws until started). */
  readonly banList?: () => { list(): readonly Ban[] };
  /** Run by `switchboard reload` and `POST /reload`, in order (SIGHUP reloads routing itself). */
  readonly reloaders?: readonly Reloader[];
}

/** undefined while the component behind `get` is not started. */
function optional<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

function userInfo(u: UserCredentials, source: UserInfo['source']): UserInfo {
  const algorithms = [...(u.ha1Md5 !== undefined ? ['MD5'] : []), ...(u.ha1Sha256 !== undefined ? ['SHA-256'] : [])];
  return { username: u.username, realm: u.realm, source, algorithms };
}

function banInfo(b: Ban): BanInfo {
  return { source: b.address, reason: b.reason, since: b.createdAt, ...(b.expiresAt === null ? {} : { until: b.expiresAt }) };
}

export function createAdmin(config: Config, logger: Logger, deps: AdminDeps): Component {
  const log = logger.child({ component: 'admin' });
  let database: SqliteUserDirectory | undefined;
  const fromConfig = new ConfigUserDirectory(configUserEntries(config));
  const reload = async (): Promise<ReloadReport> => {
    const report = await runReloaders(deps.reloaders ?? []);
    for (const r of report.results) (r.ok ? log.info.bind(log) : log.error.bind(log))({ result: r.message }, r.ok ? 'reloaded' : 'reload failed');
    if (report.results.length === 0) log.info('reload: nothing to reload');
    return report;
  };
  const transactions = (): TransactionStats | undefined => {
    const endpoint = optional(deps.endpoint);
    if (endpoint === undefined) return undefined;
    return { ...endpoint.transactions.stats(), inFlight: endpoint.inFlight };
  };
  const banList = deps.banList;
  const mediaSessions = deps.media;
  const bans: BanSource | undefined = banList === undefined ? undefined : { list: async () => (optional(banList)?.list() ?? []).map(banInfo) };
  const service = new AdminService({
    dataDir: config.dataDir,
    host: config.admin.address,
    port: config.admin.port,
    ...(config.admin.token === undefined ? {} : { token: config.admin.token }),
    ...(config.admin.hep === undefined ? {} : { hep: config.admin.hep }),
    maxTraceClients: config.admin.traceClients,
    log,
    sources: {
      registrations: () => optional(deps.location),
      transactions,
      ...(deps.calls === undefined ? {} : { calls: deps.calls }),
      ...(mediaSessions === undefined ? {} : { media: () => optional(mediaSessions) }),
      ...(bans === undefined ? {} : { bans }),
      users: {
        list: () => [...fromConfig.list().map((u) => userInfo(u, 'config')), ...(database?.list().map((u) => userInfo(u, 'database')) ?? [])],
      },
      config: () => redactSecrets(config),
      ready: () => optional(deps.endpoint) !== undefined,
      reload,
    },
  });

  return {
    name: 'admin',
    async start() {
      if (!config.admin.enabled) return;
      database = SqliteUserDirectory.open(databasePath(config));
      await service.start();
    },
    async stop() {
      await service.stop();
      database?.close();
      database = undefined;
    },
    describe() {
      return service.listening === undefined ? {} : { admin: service.listening };
    },
  };
}
