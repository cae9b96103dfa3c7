/**
 * `switchboard ban list | add ADDR [--for 1h] | remove ADDR`: the bans in the store the
 * server uses (the `bans` table of `<data_dir>/switchboard.db`, or Redis). A running server
 * notices changes within `security.bans.sync_interval` (1 s by default).
 */
import type { Command } from 'commander';
import { formatTable } from '../../admin/index.js';
import { type Ban, type BanStore, CidrSet, isIpAddress, normalizeIp } from '../../security/index.js';
import { type Config, formatIssue, loadConfig } from '../config/index.js';
import { openBanStore } from '../wiring/security.js';
import { type CliContext, EXIT_USAGE } from './context.js';
import type { CliIo } from './io.js';

export interface BanFlags {
  readonly config?: string;
  readonly data?: string;
}

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400, w: 604800 };

/** `90`, `90s`, `30m`, `1h`, `2d`, `1w` → ms; `forever` → null; undefined when invalid. */
export function parseDuration(text: string): number | null | undefined {
  if (text === 'forever' || text === 'permanent') return null;
  const m = /^(\d{1,9})([smhdw]?)$/.exec(text.trim());
  if (m === null || Number(m[1]) === 0) return undefined;
  return Number(m[1]) * UNITS[m[2] === '' ? 's' : m[2]!]! * 1000;
}

/** `3600000` → `1h`, `5400000` → `1h30m`. */
export function formatDuration(ms: number): string {
  let s = Math.max(0, Math.round(ms / 1000));
  const parts: string[] = [];
  for (const [unit, size] of [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]] as const) {
    if (s >= size || (unit === 's' && parts.length === 0)) {
      parts.push(`${Math.floor(s / size)}${unit}`);
      s %= size;
    }
  }
  return parts.slice(0, 2).join('');
}

function loadFor(flags: BanFlags, io: CliIo): Config | undefined {
  const loaded = loadConfig(flags.config, { overrides: { dataDir: flags.data }, cwd: io.cwd });
  if (!loaded.ok) {
    for (const issue of loaded.error) io.stderr(formatIssue(issue) + '\n');
    return undefined;
  }
  return loaded.value;
}

async function withStore(flags: BanFlags, io: CliIo, fn: (store: BanStore, config: Config) => Promise<number>): Promise<number> {
  const config = loadFor(flags, io);
  if (config === undefined) return EXIT_USAGE;
  if (config.location.backend === 'memory') {
    io.stderr('location.backend is memory: bans live only inside the running server and cannot be managed from here\n');
    return 1;
  }
  let store: BanStore;
  try {
    store = await openBanStore(config, { warn: () => undefined });
  } catch (e) {
    io.stderr(`cannot open the ban store: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  }
  try {
    return await fn(store, config);
  } catch (e) {
    io.stderr(`ban store: ${e instanceof Error ? e.message : String(e)}\n`);
    return 1;
  } finally {
    await store.close();
  }
}

function address(text: string, io: CliIo): string | undefined {
  if (!isIpAddress(text)) {
    io.stderr(`error: "${text}" is not an IPv4 or IPv6 address\n`);
    return undefined;
  }
  return normalizeIp(text);
}

function describe(b: Ban, now: number): { address: string; expires: string; remaining: string; reason: string } {
  return {
    address: b.address,
    expires: b.expiresAt === null ? 'never' : new Date(b.expiresAt).toISOString(),
    remaining: b.expiresAt === null ? 'forever' : formatDuration(b.expiresAt - now),
    reason: b.reason,
  };
}

export function banList(flags: BanFlags & { readonly json?: boolean }, io: CliIo, now = Date.now()): Promise<number> {
  return withStore(flags, io, async (store) => {
    const bans = await store.list(now);
    if (flags.json === true) {
      io.stdout(JSON.stringify(bans.map((b) => ({ address: b.address, expiresAt: b.expiresAt === null ? null : new Date(b.expiresAt).toISOString(), reason: b.reason, createdAt: new Date(b.createdAt).toISOString() })), null, 2) + '\n');
      return 0;
    }
    const rows = bans.map((b) => describe(b, now));
    if (rows.length > 0) io.stdout(formatTable(['ADDRESS', 'EXPIRES', 'REMAINING', 'REASON'], rows.map((r) => [r.address, r.expires, r.remaining, r.reason])));
    io.stdout(`${rows.length} ban${rows.length === 1 ? '' : 's'}\n`);
    return 0;
  });
}

export function banAdd(text: string, flags: BanFlags & { readonly for?: string; readonly reason?: string }, io: CliIo, now = Date.now()): Promise<number> {
  const ip = address(text, io);
  if (ip === undefined) return Promise.resolve(EXIT_USAGE);
  const duration = flags.for === undefined ? undefined : parseDuration(flags.for);
  if (flags.for !== undefined && duration === undefined) {
    io.stderr(`error: --for "${flags.for}" is not a duration (e.g. 90s, 30m, 1h, 2d, 1w, forever)\n`);
    return Promise.resolve(EXIT_USAGE);
  }
  return withStore(flags, io, async (store, config) => {
    // An allow-listed address is never banned: a running server would not put the ban in
    // force, so storing it would only mislead `ban list`.
    if (new CidrSet(config.security.allow).has(ip)) {
      io.stderr(`error: ${ip} is in security.allow, which is never banned; take it off the allow-list first\n`);
      return 1;
    }
    const ms = duration === undefined ? config.security.bans.banTime * 1000 : duration;
    const ban: Ban = { address: ip, expiresAt: ms === null ? null : now + ms, reason: flags.reason ?? 'added by the operator', createdAt: now };
    await store.add(ban);
    io.stdout(`banned ${ip} ${ms === null ? 'until removed' : `for ${formatDuration(ms)}`}\n`);
    return 0;
  });
}

export function banRemove(text: string, flags: BanFlags, io: CliIo, now = Date.now()): Promise<number> {
  const ip = address(text, io);
  if (ip === undefined) return Promise.resolve(EXIT_USAGE);
  return withStore(flags, io, async (store) => {
    if (await store.remove(ip, now)) {
      io.stdout(`removed the ban of ${ip}\n`);
      return 0;
    }
    io.stderr(`${ip} is not banned\n`);
    return 1;
  });
}

function common(cmd: Command): Command {
  return cmd.option('--data <dir>', 'data directory (overrides data_dir)').option('-c, --config <file>', 'YAML config file (for data_dir and the location backend)');
}

export function registerBanCommand(program: Command, ctx: CliContext): void {
  const ban = program.command('ban').description('list, add or remove banned addresses (a running server follows within a second)');
  common(ban.command('list').description('list the bans in force').option('--json', 'print JSON')).action(async (flags: BanFlags & { json?: boolean }) =>
    ctx.setExitCode(await banList(flags, ctx.io)),
  );
  common(
    ban
      .command('add <address>')
      .description('ban an IP address')
      .option('--for <duration>', 'how long: 90s, 30m, 1h, 2d, 1w or forever (default: security.bans.ban_time)')
      .option('--reason <text>', 'why (shown in ban list)'),
  ).action(async (addr: string, flags: BanFlags & { for?: string; reason?: string }) => ctx.setExitCode(await banAdd(addr, flags, ctx.io)));
  common(ban.command('remove <address>').description('lift the ban of an IP address')).action(async (addr: string, flags: BanFlags) =>
    ctx.setExitCode(await banRemove(addr, flags, ctx.io)),
  );
}
