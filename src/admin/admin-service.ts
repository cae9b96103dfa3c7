/**
 * The admin service as one unit the composition root starts and stops: the token, metrics
 * (subscribed to the diagnostics channels), the HTTP API, the optional HEP exporter, and the
 * discovery file `<data_dir>/admin.json` that tells the CLI where the API listens.
 */
import { AdminApi } from './admin-api.js';
import { loadOrCreateToken, tokenPath } from './admin-token.js';
import { removeDiscovery, writeDiscovery } from './discovery-file.js';
import { HepExporter } from './hep-exporter.js';
import { AdminMetrics } from './metrics.js';
import type { AdminSources } from './sources.js';

export const DEFAULT_ADMIN_PORT = 8088;

export interface AdminLog {
  info(fields: Record<string, unknown>, msg: string): void;
  warn(fields: Record<string, unknown>, msg: string): void;
}

export interface AdminServiceOptions {
  readonly dataDir: string;
  readonly host: string;
  /** undefined: DEFAULT_ADMIN_PORT, or a free port when that one is taken; 0: a free port. */
  readonly port: number | undefined;
  /** From the config; otherwise read from (or generated into) `<data_dir>/admin.token`. */
  readonly token?: string;
  readonly hep?: { readonly address: string; readonly port: number; readonly id: number };
  readonly sources: AdminSources;
  readonly maxTraceClients?: number;
  /** Node.js process metrics (default true). */
  readonly processMetrics?: boolean;
  readonly log: AdminLog;
}

export class AdminService {
  readonly metrics: AdminMetrics;
  private api: AdminApi | undefined;
  private hep: HepExporter | undefined;
  private url: string | undefined;

  constructor(private readonly options: AdminServiceOptions) {
    const s = options.sources;
    this.metrics = new AdminMetrics({
      registrations: s.registrations,
      transactions: s.transactions,
      ...(s.calls === undefined ? {} : { calls: s.calls }),
      ...(s.media === undefined ? {} : { media: s.media }),
      ...(s.bans === undefined ? {} : { bans: s.bans }),
      processMetrics: options.processMetrics ?? true,
    });
  }

  get listening(): string | undefined {
    return this.url;
  }

  async start(): Promise<void> {
    try {
      await this.startParts();
    } catch (e) {
      // The lifecycle stops only components that started: undo what did.
      await this.stop();
      throw e;
    }
  }

  private async startParts(): Promise<void> {
    const o = this.options;
    const token = o.token ?? (await loadOrCreateToken(tokenPath(o.dataDir)));
    this.metrics.start();
    if (o.hep !== undefined) {
      let warned = false;
      this.hep = new HepExporter({
        address: o.hep.address,
        port: o.hep.port,
        captureId: o.hep.id,
        onDropped: (reason) => {
          // One line, not one per message: a dead collector must not flood the log.
          if (!warned) o.log.warn({ collector: `${o.hep?.address}:${o.hep?.port}`, reason }, 'HEP export: packet not sent');
          warned = true;
        },
      });
      this.hep.start();
    }
    this.url = await this.listen(token, o.port ?? DEFAULT_ADMIN_PORT);
    await writeDiscovery(o.dataDir, { url: this.url, pid: process.pid, startedAt: Date.now() });
    o.log.info({ url: this.url, tokenFile: o.token === undefined ? tokenPath(o.dataDir) : undefined, hep: o.hep === undefined ? undefined : `${o.hep.address}:${o.hep.port}` }, 'admin API listening');
  }

  private async listen(token: string, port: number): Promise<string> {
    const o = this.options;
    const api = new AdminApi({ host: o.host, port, token, sources: o.sources, metrics: this.metrics, maxTraceClients: o.maxTraceClients ?? 8 });
    this.api = api;
    try {
      return await api.listen();
    } catch (e) {
      // Only the default port gives way: an explicitly configured port that is taken is an error.
      if (o.port !== undefined || (e as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw e;
      await api.close();
      o.log.warn({ port }, `admin port ${port} is taken: using a free port (see admin.json in the data directory)`);
      return this.listen(token, 0);
    }
  }

  async stop(): Promise<void> {
    await removeDiscovery(this.options.dataDir, process.pid);
    await this.api?.close();
    this.api = undefined;
    await this.hep?.stop();
    this.hep = undefined;
    this.metrics.stop();
  }
}
