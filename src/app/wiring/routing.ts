/**
 * The routing policy from the config: route list, trunks and the hook module. `reload()`
 * re-reads the config file and the hook module and swaps the policy in one step; on any
 * error the policy in force stays (and the error is reported), so a typo never takes
 * routing down. Registrations and calls in progress are untouched by a reload.
 */
import { pathToFileURL } from 'node:url';
import {
  type RouteAction,
  type RouteRule,
  Router,
  type RoutingHooks,
  type RoutingPolicy,
  type Trunk,
} from '../../proxy/index.js';
import type { Config } from '../config/index.js';
import { cidrMatcher } from '../config/sections/proxy.js';
import type { Logger } from '../log.js';

type RoutingConfig = Config['routing'];
type ActionConfig = RoutingConfig['routes'][number]['action'];

const HOOK_NAMES = ['onRequest', 'onBranch', 'onReply', 'onFailure'] as const;

export function toAction(a: ActionConfig): RouteAction {
  if (a.reject !== undefined) return { kind: 'reject', status: a.reject, ...(a.reason === undefined ? {} : { reason: a.reason }) };
  if (a.forward !== undefined) return { kind: 'forward', uri: a.forward };
  if (a.trunk !== undefined) return { kind: 'trunk', trunk: a.trunk };
  if (a.redirect !== undefined) return a.redirect === true ? { kind: 'redirect' } : { kind: 'redirect', uris: [...a.redirect] };
  return typeof a.location === 'string' ? { kind: 'location', uri: a.location } : { kind: 'location' };
}

export function rulesOf(routing: RoutingConfig): RouteRule[] {
  return routing.routes.map((r) => ({
    name: r.name,
    match: {
      ...(r.match.methods === undefined ? {} : { methods: [...r.match.methods] }),
      ...(r.match.ruri_user === undefined ? {} : { ruriUser: new RegExp(r.match.ruri_user) }),
      ...(r.match.ruri_host === undefined ? {} : { ruriHost: new RegExp(r.match.ruri_host, 'i') }),
      ...(r.match.from === undefined ? {} : { from: new RegExp(r.match.from) }),
      ...(r.match.source === undefined ? {} : { source: cidrMatcher(r.match.source) }),
    },
    action: toAction(r.action),
    ...(r.on_failure === undefined ? {} : { onFailure: { codes: [...r.on_failure.codes], action: toAction(r.on_failure.action) } }),
    ...(r.media === undefined ? {} : { media: r.media }),
  }));
}

export function trunksOf(routing: RoutingConfig): Trunk[] {
  return routing.trunks.map((t) => ({ name: t.name, uri: t.uri, strip: t.strip, prefix: t.prefix, isSource: cidrMatcher(t.sources) }));
}

let generation = 0;

/** Imports the hook module afresh (a query string defeats the module cache on reload). */
export async function loadHooks(file: string | undefined): Promise<RoutingHooks> {
  if (file === undefined) return {};
  const mod = (await import(`${pathToFileURL(file).href}?v=${++generation}`)) as Record<string, unknown>;
  const source = (typeof mod.default === 'object' && mod.default !== null ? mod.default : mod) as Record<string, unknown>;
  const hooks: Record<string, unknown> = {};
  for (const name of HOOK_NAMES) {
    const fn = source[name];
    if (fn === undefined) continue;
    if (typeof fn !== 'function') throw new Error(`${file}: ${name} must be a function`);
    hooks[name] = fn.bind(source);
  }
  if (Object.keys(hooks).length === 0) throw new Error(`${file} exports none of ${HOOK_NAMES.join(', ')}`);
  return hooks as RoutingHooks;
}

export async function policyOf(routing: RoutingConfig): Promise<RoutingPolicy> {
  return { rules: rulesOf(routing), trunks: trunksOf(routing), hooks: await loadHooks(routing.hooks) };
}

export interface RoutingService {
  readonly router: Router;
  /** Loads the policy at start (a broken hook file stops the start). */
  init(): Promise<void>;
  /** Re-reads config and hooks; the message says what is in force now. */
  reload(): Promise<{ ok: boolean; message: string }>;
}

export function createRoutingService(config: Config, logger: Logger, reloadConfig?: () => { ok: true; value: Config } | { ok: false; error: string }): RoutingService {
  const log = logger.child({ component: 'routing' });
  const router = new Router(undefined, log);
  const describe = (p: RoutingPolicy): string =>
    `${p.rules.length} route(s), ${p.trunks.length} trunk(s), hooks: ${Object.keys(p.hooks).join(', ') || 'none'}`;
  return {
    router,
    async init() {
      router.replace(await policyOf(config.routing));
      log.info({ routes: config.routing.routes.length, trunks: config.routing.trunks.length, hooks: config.routing.hooks ?? null }, 'routing policy loaded');
    },
    async reload() {
      let routing = config.routing;
      if (reloadConfig !== undefined) {
        const fresh = reloadConfig();
        if (!fresh.ok) {
          log.error({ error: fresh.error }, 'reload refused: the config file has errors; the routing policy in force is kept');
          return { ok: false, message: `config has errors, policy kept: ${fresh.error}` };
        }
        routing = fresh.value.routing;
      }
      try {
        const policy = await policyOf(routing);
        router.replace(policy);
        log.info({ policy: describe(policy) }, 'routing policy reloaded');
        return { ok: true, message: `routing reloaded: ${describe(policy)}` };
      } catch (err) {
        log.error({ err }, 'reload refused: the hook module failed to load; the routing policy in force is kept');
        return { ok: false, message: `hooks failed to load, policy kept: ${err instanceof Error ? err.message : String(err)}` };
      }
    },
  };
}
