/** The JSON bodies of `/registrations` and `/stats`, built from the sources (`/calls`: media-views.ts). */
import type { Binding } from '../location/index.js';
import type { AdminSources, RegistrationSource } from './sources.js';
import { bracketHost } from '../sip/transport/index.js';

export interface BindingView {
  readonly contact: string;
  readonly q: number;
  readonly expiresAt: number;
  readonly expiresIn: number;
  readonly source: string;
  readonly nat: boolean;
  readonly userAgent?: string;
  readonly callId: string;
  readonly registeredAt: number;
}

export interface RegistrationView {
  readonly aor: string;
  readonly bindings: readonly BindingView[];
}

function bindingView(b: Binding, now: number): BindingView {
  const host = bracketHost(b.source.host);
  return {
    contact: b.contact,
    q: b.q,
    expiresAt: b.expiresAt,
    expiresIn: Math.max(0, Math.round((b.expiresAt - now) / 1000)),
    source: `${b.source.transport}:${host}:${b.source.port}`,
    nat: b.nat === true,
    ...(b.userAgent === undefined ? {} : { userAgent: b.userAgent }),
    callId: b.callId,
    registeredAt: b.registeredAt,
  };
}

/**
 * All registrations, or one user's: "alice" matches alice at every domain, "alice@example.com"
 * exactly that address-of-record.
 */
export async function registrationsView(store: RegistrationSource, user: string | undefined, now: number, limit: number): Promise<{ registrations: RegistrationView[] }> {
  const prefix = user === undefined ? undefined : user.includes('@') ? user : `${user}@`;
  const entries = await store.list(now, { ...(prefix === undefined ? {} : { aorPrefix: prefix }), limit });
  const wanted = user?.includes('@') === true ? entries.filter((e) => e.aor.toLowerCase() === user.toLowerCase()) : entries;
  return { registrations: wanted.map((e) => ({ aor: e.aor, bindings: e.bindings.map((b) => bindingView(b, now)) })) };
}

export async function statsView(sources: AdminSources, now: number, startedAt: number): Promise<Record<string, unknown>> {
  const store = sources.registrations();
  const media = sources.media?.();
  const mem = process.memoryUsage();
  return {
    uptimeSeconds: Math.round((now - startedAt) / 1000),
    startedAt,
    pid: process.pid,
    ready: sources.ready(),
    transactions: sources.transactions() ?? null,
    registrations: store === undefined ? null : { ...(await store.count(now)), backend: store.kind },
    calls: sources.calls === undefined ? null : { active: sources.calls.list().length },
    media: media === undefined ? null : { sessions: media.list().length },
    bans: sources.bans === undefined ? null : { active: (await sources.bans.list()).length },
    memory: { rss: mem.rss, heapUsed: mem.heapUsed, heapTotal: mem.heapTotal, external: mem.external },
  };
}
