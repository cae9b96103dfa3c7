/**
 * Loading: YAML text (or nothing: a first start needs no file) + command-line overrides →
 * validated, path-resolved, deep-frozen `Config`, or located issues. Never throws for bad input.
 */
import { accessSync, constants, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { networkInterfaces } from 'node:os';
import { resolve } from 'node:path';
import { LineCounter, parseDocument } from 'yaml';
import { type Result, ok, err } from '../../lib/index.js';
import { type Config, type ParsedConfig, configSchema } from './schema.js';
import { type ConfigIssue, type ConfigPath, explainIssue, formatPath, locate } from './issues.js';
import { deepFreeze } from './section.js';

/** Command-line values; a list given here replaces the file's list. */
export interface ConfigOverrides {
  readonly dataDir?: string;
  readonly listen?: readonly string[];
  readonly domains?: readonly string[];
  readonly logLevel?: string;
}

export interface LoadOptions {
  readonly overrides?: ConfigOverrides;
  /** Base for relative paths; default `process.cwd()`. */
  readonly cwd?: string;
  /** The host's IP addresses, for default domains of 0.0.0.0 / :: listeners. */
  readonly interfaceAddresses?: () => readonly string[];
}

export type LoadResult = Result<Config, ConfigIssue[]>;

/** The name used for issues when there is no file. */
export const NO_FILE = '(defaults)';

/** Reads and validates `file`, or the defaults when `file` is undefined. */
export function loadConfig(file: string | undefined, options: LoadOptions = {}): LoadResult {
  if (file === undefined) return parseConfig(undefined, NO_FILE, options);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return err([{ source: file, path: '', message: `cannot read config file: ${describeError(e)}` }]);
  }
  return parseConfig(text, file, options);
}

/** Validates YAML `text` (undefined = no file) named `source` in messages. */
export function parseConfig(text: string | undefined, source: string, options: LoadOptions = {}): LoadResult {
  const lines = new LineCounter();
  const doc = parseDocument(text ?? '', { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return err(
      doc.errors.map((e) => {
        const pos = lines.linePos(e.pos[0]);
        return { source, line: pos.line, column: pos.col, path: '', message: `YAML syntax: ${firstLine(e.message)}` };
      }),
    );
  }
  let raw: unknown;
  try {
    raw = doc.toJS({ maxAliasCount: 100 });
  } catch (e) {
    return err([{ source, line: 1, column: 1, path: '', message: `YAML: ${describeError(e)}` }]);
  }
  const overrides = options.overrides ?? {};
  const input = applyOverrides(raw ?? {}, overrides);

  const where = (path: ConfigPath, message: string): ConfigIssue => {
    const flag = flagFor(path, overrides);
    if (flag !== undefined) return { source: flag, path: '', message };
    const pos = locate(doc, lines, path);
    return { source, line: pos.line, column: pos.column, path: formatPath(path), message };
  };

  const parsed = configSchema.safeParse(input);
  if (!parsed.success) {
    const issues = parsed.error.issues.flatMap((i) => explainIssue(i, configSchema)).map((i) => where(i.path, i.message));
    return err(sortIssues(issues));
  }
  return finalize(parsed.data, options, where);
}

function finalize(c: ParsedConfig, options: LoadOptions, where: (path: ConfigPath, message: string) => ConfigIssue): LoadResult {
  const cwd = options.cwd ?? process.cwd();
  const issues: ConfigIssue[] = [];
  let tls = c.tls;
  if (tls !== undefined) {
    tls = { cert: resolve(cwd, tls.cert), key: resolve(cwd, tls.key) };
    for (const [key, what] of [['cert', 'certificate'], ['key', 'private key']] as const) {
      try {
        accessSync(tls[key], constants.R_OK);
      } catch (e) {
        issues.push(where(['tls', key], `cannot read ${what} file ${tls[key]}: ${describeError(e)}`));
      }
    }
  }
  let routing = c.routing;
  if (routing.hooks !== undefined) {
    routing = { ...routing, hooks: resolve(cwd, routing.hooks) };
    try {
      accessSync(routing.hooks as string, constants.R_OK);
    } catch (e) {
      issues.push(where(['routing', 'hooks'], `cannot read hook file ${routing.hooks}: ${describeError(e)}`));
    }
  }
  issues.push(...workerIssues(c).map(([path, message]) => where(path, message)));
  if (issues.length > 0) return err(issues);
  const domains = c.domains ?? defaultDomains(c.listen, options.interfaceAddresses ?? hostAddresses);
  return ok(deepFreeze({ ...c, dataDir: resolve(cwd, c.dataDir), tls, routing, domains }) as Config);
}

/**
 * Several workers share the UDP sockets and hand each call to one of them; what lives in one
 * process and cannot be handed over (stream connections, the media relay's ports) rules
 * them out. Each conflict is reported at the key that conflicts.
 */
function workerIssues(c: ParsedConfig): [ConfigPath, string][] {
  if (c.workers === 1) return [];
  const out: [ConfigPath, string][] = [];
  const why = `with workers: ${c.workers}`;
  c.listen.forEach((l, i) => {
    if (l.transport !== 'udp') out.push([['listen', i], `${why} only udp listeners are supported (a ${l.transport} connection lives in one worker process)`]);
  });
  if (c.media.mode !== 'never') out.push([['media', 'mode'], `${why} media.mode must be never (the media relay's ports and sessions live in one process)`]);
  if (c.media.ng !== undefined) out.push([['media', 'ng'], `${why} the ng control listener is not available (the media relay lives in one process)`]);
  c.routing.routes.forEach((r, i) => {
    if (r.media !== undefined && r.media !== 'never') out.push([['routing', 'routes', i, 'media'], `${why} a route cannot relay media (media: never or no media key)`]);
  });
  if (c.location.backend === 'memory') out.push([['location', 'backend'], `${why} the location store must be shared by the workers: sqlite or redis, not memory`]);
  return out;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function applyOverrides(raw: unknown, o: ConfigOverrides): unknown {
  if (!isRecord(raw)) return raw; // the schema reports the bad root
  const out: Record<string, unknown> = { ...raw };
  if (o.dataDir !== undefined) out.data_dir = o.dataDir;
  if (o.listen !== undefined) out.listen = [...o.listen];
  if (o.domains !== undefined) out.domains = [...o.domains];
  if (o.logLevel !== undefined) {
    if (out.log === undefined) out.log = { level: o.logLevel };
    else if (isRecord(out.log)) out.log = { ...out.log, level: o.logLevel };
  }
  return out;
}

/** The flag a value came from, when an override replaced the file's value at `path`. */
function flagFor(path: ConfigPath, o: ConfigOverrides): string | undefined {
  if (path[0] === 'data_dir' && o.dataDir !== undefined) return '--data';
  if (path[0] === 'listen' && o.listen !== undefined) return '--listen';
  if (path[0] === 'domains' && o.domains !== undefined) return '--domain';
  if (path[0] === 'log' && path[1] === 'level' && o.logLevel !== undefined) return '--log-level';
  return undefined;
}

/** Default domains: the listen addresses; a wildcard stands for the host's addresses. */
export function defaultDomains(listen: readonly { address: string }[], interfaceAddresses: () => readonly string[]): string[] {
  const out = new Set<string>();
  for (const { address } of listen) {
    if (address === '0.0.0.0') for (const a of interfaceAddresses()) if (isIP(a) === 4) out.add(a);
    if (address === '::') for (const a of interfaceAddresses()) out.add(a.toLowerCase());
    if (address !== '0.0.0.0' && address !== '::') out.add(address.toLowerCase());
  }
  return [...out];
}

/** The host's addresses, without IPv6 link-local ones (they need a zone to be usable). */
function hostAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => (list ?? []).map((i) => i.address))
    .filter((a) => !/^fe[89ab]/i.test(a));
}

function sortIssues(issues: ConfigIssue[]): ConfigIssue[] {
  return issues
    .map((issue, index) => ({ issue, index }))
    .sort((a, b) => (a.issue.line ?? 0) - (b.issue.line ?? 0) || a.index - b.index)
    .map((x) => x.issue);
}

function firstLine(s: string): string {
  return s.split('\n')[0];
}

function describeError(e: unknown): string {
  if (e instanceof Error) return (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : e.message;
  return String(e);
}
