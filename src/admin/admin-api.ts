/**
 * The admin HTTP API (fastify). Bound where configured (127.0.0.1 by default); every route but
 * `/healthz` and `/readyz` needs `Authorization: Bearer <token>`. JSON for the CLI and
 * scripts, Prometheus text on `/metrics`, and a chunked ndjson stream on `/trace`.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { AddressInfo } from 'node:net';
import { bearerMatches } from './admin-token.js';
import type { AdminMetrics } from './metrics.js';
import { registrationsView, statsView } from './admin-views.js';
import { callDetailView, callsView } from './media-views.js';
import type { AdminSources } from './sources.js';
import { TraceStream } from './trace-stream.js';
import type { TraceFilter } from './trace-record.js';
import { hostPort } from '../sip/transport/index.js';

export interface AdminApiOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly token: string;
  readonly sources: AdminSources;
  readonly metrics?: AdminMetrics;
  /** Live trace streams served at once (default 8). */
  readonly maxTraceClients?: number;
  readonly now?: () => number;
  /** Process start, wall-clock ms (for uptime). */
  readonly startedAt?: number;
}

const OPEN_ROUTES = new Set(['/healthz', '/readyz']);
const MAX_LIMIT = 10_000;

type Query = Record<string, string | undefined>;

function text(q: Query, key: string): string | undefined {
  const v = q[key];
  return typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined;
}

export class AdminApi {
  private readonly app: FastifyInstance;
  private readonly traces = new Set<TraceStream>();
  private boundUrl: string | undefined;
  private readonly now: () => number;
  private readonly startedAt: number;

  constructor(private readonly options: AdminApiOptions) {
    this.now = options.now ?? Date.now;
    this.startedAt = options.startedAt ?? this.now();
    // Call-IDs (a route parameter) may be long: the router's default limit is 100 characters.
    this.app = Fastify({ logger: false, forceCloseConnections: true, bodyLimit: 64 * 1024, routerOptions: { maxParamLength: 1024 } });
    this.app.addHook('onRequest', async (req: FastifyRequest, reply: FastifyReply) => {
      const path = req.url.split('?')[0] ?? '';
      if (OPEN_ROUTES.has(path)) return;
      if (!bearerMatches(req.headers.authorization, options.token)) {
        await reply.code(401).header('www-authenticate', 'Bearer realm="switchboard-admin"').send({ error: 'a valid admin token is required (Authorization: Bearer …)' });
      }
    });
    this.routes();
  }

  /** The base URL once listening ("http://127.0.0.1:8088"). */
  get url(): string {
    if (this.boundUrl === undefined) throw new Error('admin API not listening');
    return this.boundUrl;
  }

  get traceClients(): number {
    return this.traces.size;
  }

  async listen(): Promise<string> {
    await this.app.listen({ host: this.options.host, port: this.options.port });
    const a = this.app.server.address() as AddressInfo;
    this.boundUrl = `http://${hostPort(a.address, a.port)}`;
    return this.boundUrl;
  }

  /** Tests without a socket. */
  inject(...args: Parameters<FastifyInstance['inject']>): ReturnType<FastifyInstance['inject']> {
    return this.app.inject(...args);
  }

  async close(): Promise<void> {
    for (const t of [...this.traces]) t.end('server stopping');
    await this.app.close();
  }

  private routes(): void {
    const { sources } = this.options;
    const app = this.app;
    app.get('/healthz', async () => ({ status: 'ok' }));
    app.get('/readyz', async (_req, reply) => {
      const ready = sources.ready();
      return reply.code(ready ? 200 : 503).send({ ready });
    });
    app.get('/registrations', async (req, reply) => {
      const q = req.query as Query;
      const store = sources.registrations();
      if (store === undefined) return reply.code(503).send({ error: 'the location store is not open yet' });
      const limit = Math.min(MAX_LIMIT, Math.max(1, Number(text(q, 'limit') ?? 1000) || 1000));
      return registrationsView(store, text(q, 'user'), this.now(), limit);
    });
    // Each call with anchored media carries a per-leg media summary; the detail has the full record.
    app.get('/calls', async () => callsView(sources.calls, sources.media?.()));
    app.get('/calls/:callId', async (req, reply) => {
      const { callId } = req.params as { callId: string };
      const detail = callDetailView(callId, sources.calls, sources.media?.());
      if (detail === undefined) return reply.code(404).send({ error: `no call ${callId} in progress` });
      return detail;
    });
    app.get('/bans', async () => {
      const bans = sources.bans;
      return { available: bans !== undefined, bans: bans === undefined ? [] : await bans.list() };
    });
    app.get('/users', async () => {
      const users = sources.users;
      return { available: users !== undefined, users: users?.list() ?? [] };
    });
    app.get('/stats', async () => statsView(sources, this.now(), this.startedAt));
    app.get('/config', async () => ({ config: sources.config?.() ?? null }));
    app.post('/reload', async (_req, reply) => {
      const report = await sources.reload();
      return reply.code(report.ok ? 200 : 500).send(report);
    });
    app.get('/metrics', async (_req, reply) => {
      const metrics = this.options.metrics;
      if (metrics === undefined) return reply.code(404).send({ error: 'metrics are not enabled' });
      return reply.type(metrics.contentType).send(await metrics.text());
    });
    app.get('/trace', async (req, reply) => {
      const q = req.query as Query;
      if (this.traces.size >= (this.options.maxTraceClients ?? 8)) {
        return reply.code(429).send({ error: `${this.traces.size} trace clients are connected already` });
      }
      const filter: TraceFilter = {
        ...(text(q, 'user') === undefined ? {} : { user: text(q, 'user') }),
        ...(text(q, 'callId') === undefined ? {} : { callId: text(q, 'callId') }),
        ...(text(q, 'method') === undefined ? {} : { method: text(q, 'method') }),
      };
      reply.hijack();
      const stream = new TraceStream(reply.raw, filter, q['raw'] === '1', (s) => this.traces.delete(s));
      this.traces.add(stream);
      return reply;
    });
  }
}
