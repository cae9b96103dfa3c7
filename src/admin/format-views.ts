/** The `show …` tables, from the admin API's JSON bodies. */
import type { CallInfo } from '../proxy/index.js';
import type { RegistrationView } from './admin-views.js';
import { formatBytes, formatDuration, formatTable } from './format-table.js';
import type { BanInfo } from './security-events.js';

export function registrationsTable(regs: readonly RegistrationView[]): string {
  if (regs.length === 0) return 'no registrations\n';
  const rows = regs.flatMap((r) =>
    r.bindings.map((b) => [r.aor, b.contact, b.source + (b.nat ? ' (nat)' : ''), formatDuration(b.expiresIn), b.userAgent ?? '']),
  );
  const contacts = rows.length;
  return formatTable(['AOR', 'CONTACT', 'SOURCE', 'EXPIRES', 'USER-AGENT'], rows) + `${regs.length} address(es) of record, ${contacts} contact(s)\n`;
}

export function callsTable(calls: readonly CallInfo[], now: number): string {
  if (calls.length === 0) return 'no calls in progress\n';
  const rows = calls.map((c) => {
    const src = c.source.host.includes(':') ? `[${c.source.host}]:${c.source.port}` : `${c.source.host}:${c.source.port}`;
    return [c.callId, c.from, c.to, c.state, formatDuration((now - (c.answeredAt ?? c.startedAt)) / 1000), c.user ?? '', src];
  });
  return formatTable(['CALL-ID', 'FROM', 'TO', 'STATE', 'FOR', 'USER', 'SOURCE'], rows) + `${calls.length} call(s)\n`;
}

export function bansTable(bans: readonly BanInfo[], now: number): string {
  if (bans.length === 0) return 'no bans\n';
  const rows = bans.map((b) => [b.source, b.reason, new Date(b.since).toISOString(), b.until === undefined ? 'permanent' : formatDuration((b.until - now) / 1000)]);
  return formatTable(['SOURCE', 'REASON', 'SINCE', 'REMAINING'], rows) + `${bans.length} ban(s)\n`;
}

interface StatsBody {
  readonly uptimeSeconds?: number;
  readonly pid?: number;
  readonly ready?: boolean;
  readonly transactions?: { client: number; server: number; refused: number; inFlight: number } | null;
  readonly registrations?: { aors: number; bindings: number; backend: string } | null;
  readonly calls?: { active: number } | null;
  readonly bans?: { active: number } | null;
  readonly memory?: { rss: number; heapUsed: number };
}

export function statsTable(s: StatsBody): string {
  const na = 'n/a';
  const t = s.transactions;
  const r = s.registrations;
  const rows: string[][] = [
    ['uptime', formatDuration(s.uptimeSeconds ?? 0)],
    ['pid', String(s.pid ?? na)],
    ['ready', String(s.ready ?? na)],
    ['transactions', t == null ? na : `${t.client + t.server} (client ${t.client}, server ${t.server}, refused ${t.refused})`],
    ['requests in flight', t == null ? na : String(t.inFlight)],
    ['registrations', r == null ? na : `${r.aors} AOR(s), ${r.bindings} contact(s) [${r.backend}]`],
    ['active calls', s.calls == null ? na : String(s.calls.active)],
    ['active bans', s.bans == null ? na : String(s.bans.active)],
    ['memory', s.memory === undefined ? na : `rss ${formatBytes(s.memory.rss)}, heap ${formatBytes(s.memory.heapUsed)}`],
  ];
  return formatTable(['METRIC', 'VALUE'], rows);
}
