/**
 * What the admin API reads: small interfaces the composition root fills from the location
 * store, the transaction layer, the proxy's call tracker, the media relay's sessions, the ban
 * store and the user directories. Each part is optional where its owner may be absent (no
 * calls without a proxy).
 */
import type { LocationStore } from '../location/index.js';
import type { CallMediaStats } from '../media-session/index.js';
import type { CallSource } from '../proxy/index.js';
import type { BanSource } from './security-events.js';

/** The registrations view of the location store. */
export type RegistrationSource = Pick<LocationStore, 'list' | 'lookup' | 'count' | 'kind'>;

export interface TransactionStats {
  readonly client: number;
  readonly server: number;
  /** New server transactions refused (table full) since start. */
  readonly refused: number;
  /** Requests received and not yet finally answered. */
  readonly inFlight: number;
}

/** A user of the directory, without credentials. */
export interface UserInfo {
  readonly username: string;
  readonly realm: string;
  /** Where it is defined: the config file or the database. */
  readonly source: 'config' | 'database';
  readonly algorithms: readonly string[];
}

export interface UserSource {
  list(): UserInfo[];
}

/** The media relay's sessions (calls with anchored media), keyed by Call-ID. */
export interface MediaSource {
  list(): CallMediaStats[];
  stats(callId: string): CallMediaStats | undefined;
}

/** The result of one reloader (e.g. "routing policy: 12 rules"). */
export type Reloader = () => Promise<string>;

export interface AdminSources {
  readonly registrations: () => RegistrationSource | undefined;
  readonly transactions: () => TransactionStats | undefined;
  readonly calls?: CallSource;
  /** undefined while the media component is not started (or there is none). */
  readonly media?: () => MediaSource | undefined;
  readonly bans?: BanSource;
  readonly users?: UserSource;
  /** The effective configuration with secrets replaced by "***". */
  readonly config?: () => unknown;
  /** True once the SIP core accepts requests (`/readyz`). */
  readonly ready: () => boolean;
  readonly reload: () => Promise<ReloadReport>;
}

export interface ReloadReport {
  readonly ok: boolean;
  readonly results: ReadonlyArray<{ readonly ok: boolean; readonly message: string }>;
}

/** Runs every reloader, in order; a failing one does not stop the others. */
export async function runReloaders(reloaders: readonly Reloader[]): Promise<ReloadReport> {
  const results: Array<{ ok: boolean; message: string }> = [];
  for (const r of reloaders) {
    try {
      results.push({ ok: true, message: await r() });
    } catch (e) {
      results.push({ ok: false, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return { ok: results.every((r) => r.ok), results };
}

const SECRET_KEY = /(password|token|^ha1|secret$)/i;
/** `redis://user:pass@host` → `redis://***@host`. */
const URL_CREDENTIALS = /^([a-z][a-z0-9+.-]*:\/\/)[^@/]+@/i;

/**
 * A copy of `value` with every secret-looking field (password, token, ha1…; paths such as
 * `secretFile` are kept) and URL credentials replaced by "***", for the config summary.
 */
export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (typeof value === 'string') return value.replace(URL_CREDENTIALS, '$1***@');
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = SECRET_KEY.test(k) && v !== undefined && typeof v !== 'object' ? '***' : redactSecrets(v);
  }
  return out;
}
