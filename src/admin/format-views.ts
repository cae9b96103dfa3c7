/** The `show …` tables, from the admin API's JSON bodies. */
import type { CallMediaStats } from '../media-session/index.js';
import type { RegistrationView } from './admin-views.js';
import { formatBytes, formatDuration, formatTable } from './format-table.js';
import type { CallDetailView, CallMediaView, CallView } from './media-views.js';
import type { BanInfo } from './security-events.js';
import { hostPort } from '../sip/transport/index.js';

export function registrationsTable(regs: readonly RegistrationView[]): string {
  if (regs.length === 0) return 'no registrations\n';
  const rows = regs.flatMap((r) =>
    r.bindings.map((b) => [r.aor, b.contact, b.source + (b.nat ? ' (nat)' : ''), formatDuration(b.expiresIn), b.userAgent ?? '']),
  );
  const contacts = rows.length;
  return formatTable(['AOR', 'CONTACT', 'SOURCE', 'EXPIRES', 'USER-AGENT'], rows) + `${regs.length} address(es) of record, ${contacts} contact(s)\n`;
}

function sourceText(a: { host: string; port: number }): string {
  return hostPort(a.host, a.port);
}

/**
 * The calls, then (for calls with anchored media) one row per leg: A is the party whose offer
 * created the media session (normally the caller), B the answerer.
 */
export function callsTable(calls: readonly CallView[], now: number): string {
  if (calls.length === 0) return 'no calls in progress\n';
  const rows = calls.map((c) => [c.callId, c.from, c.to, c.state, formatDuration((now - (c.answeredAt ?? c.startedAt)) / 1000), c.user ?? '', sourceText(c.source)]);
  const out = formatTable(['CALL-ID', 'FROM', 'TO', 'STATE', 'FOR', 'USER', 'SOURCE'], rows) + `${calls.length} call(s)\n`;
  const media = calls.filter((c) => c.media !== undefined);
  if (media.length === 0) return out;
  return out + '\n' + mediaLegsTable(media.map((c) => [c.callId, c.media!]));
}

/** Columns of the per-leg media table of `show calls`. */
export const MEDIA_LEG_COLUMNS = ['CALL-ID', 'LEG', 'CODEC', 'PEER', 'PKTS-IN', 'BYTES-IN', 'PKTS-OUT', 'BYTES-OUT', 'LOST', 'JITTER', 'MOS'] as const;

function mediaLegsTable(calls: ReadonlyArray<readonly [string, CallMediaView]>): string {
  const rows = calls.flatMap(([callId, m]) =>
    (['a', 'b'] as const).map((leg) => {
      const l = m.legs[leg];
      return [
        callId,
        leg.toUpperCase() + (m.hold[leg] ? ' (hold)' : ''),
        l.codec ?? '-',
        l.peer ?? '-',
        String(l.packetsIn),
        formatBytes(l.bytesIn),
        String(l.packetsOut),
        formatBytes(l.bytesOut),
        `${l.packetsLost} (${l.lossPercent.toFixed(1)}%)`,
        `${l.jitterMs.toFixed(1)} ms`,
        l.mos === null ? '-' : l.mos.toFixed(2),
      ];
    }),
  );
  return formatTable(MEDIA_LEG_COLUMNS, rows);
}

/** `show calls CALL-ID`: the call, then every relayed stream of each leg. */
export function callDetail(d: CallDetailView, now: number): string {
  const c = d.call;
  const m = d.media;
  const rows: string[][] = [['call-id', d.callId]];
  if (c !== null) {
    rows.push(
      ['from', c.from],
      ['to', c.to],
      ['state', c.state],
      ['for', formatDuration((now - (c.answeredAt ?? c.startedAt)) / 1000)],
      ['user', c.user ?? '-'],
      ['source', sourceText(c.source)],
    );
  }
  if (m === null) rows.push(['media', 'not anchored']);
  else {
    const hold = (['a', 'b'] as const).filter((l) => m.hold[l]).map((l) => l.toUpperCase());
    rows.push(
      ['media', `${m.state}, since ${new Date(m.createdAt).toISOString()}`],
      ['tags', `A ${m.tags.a}, B ${m.tags.b ?? '-'}`],
      ['hold', hold.length === 0 ? 'no' : hold.join(', ')],
      ['media timeout', formatDuration(m.timeoutMs / 1000)],
    );
  }
  let out = formatTable(['FIELD', 'VALUE'], rows);
  if (m !== null && m.streams.length > 0) out += '\n' + streamsTable(m);
  return out;
}

export const MEDIA_STREAM_COLUMNS = ['STREAM', 'LEG', 'CODEC', 'SIGNALLED', 'PEER', 'PKTS-IN', 'BYTES-IN', 'PKTS-OUT', 'BYTES-OUT', 'LOST', 'JITTER', 'MOS', 'DROPPED'] as const;

function streamsTable(m: CallMediaStats): string {
  const rows = m.streams.flatMap((s) =>
    (['a', 'b'] as const).map((leg) => {
      const l = s.relay[leg];
      const sig = s.signalled[leg];
      const peer = l.peer === undefined ? '-' : sourceText({ host: l.peer.address, port: l.peer.port }) + (l.peer.latched ? ' (latched)' : '');
      return [
        `${s.index} ${s.type}${s.rejected ? ' (rejected)' : ''}`,
        leg.toUpperCase(),
        (s.codec[leg] ?? '-') + (s.transcoding ? ' (transcoded)' : ''),
        sig === undefined ? '-' : sourceText({ host: sig.address, port: sig.port }),
        peer,
        String(l.rtp.packetsIn),
        formatBytes(l.rtp.bytesIn),
        String(l.rtp.packetsOut),
        formatBytes(l.rtp.bytesOut),
        `${l.packetsLost} (${(l.lossFraction * 100).toFixed(1)}%)`,
        `${l.jitterMs.toFixed(1)} ms`,
        l.rtp.packetsIn > 0 ? l.mos.toFixed(2) : '-',
        String(l.dropped),
      ];
    }),
  );
  return formatTable(MEDIA_STREAM_COLUMNS, rows);
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
  readonly media?: { sessions: number } | null;
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
    ['media sessions', s.media == null ? na : String(s.media.sessions)],
    ['active bans', s.bans == null ? na : String(s.bans.active)],
    ['memory', s.memory === undefined ? na : `rss ${formatBytes(s.memory.rss)}, heap ${formatBytes(s.memory.heapUsed)}`],
  ];
  return formatTable(['METRIC', 'VALUE'], rows);
}
