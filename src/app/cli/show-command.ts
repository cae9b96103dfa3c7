/**
 * `switchboard show registrations [USER] | calls [CALL-ID] | bans | stats | users | config`: what the
 * running server knows, asked through its admin API. Tables for people, `--json` for scripts.
 */
import type { Command } from 'commander';
import { type BanInfo, type CallDetailView, type CallView, type RegistrationView, bansTable, callDetail, callsTable, formatTable, registrationsTable, statsTable } from '../../admin/index.js';
import { type AdminFlags, adminOptions, adminRequest, errorText, withAdmin } from './admin-client.js';
import type { CliContext } from './context.js';
import type { CliIo } from './io.js';

type Render = (body: unknown) => string;

interface UsersBody {
  users: Array<{ username: string; realm: string; source: string; algorithms: string[] }>;
}

const RENDER: Record<string, Render> = {
  registrations: (b) => registrationsTable((b as { registrations: RegistrationView[] }).registrations),
  calls: (b) => {
    const body = b as { available: boolean; calls: CallView[] };
    return body.available ? callsTable(body.calls, Date.now()) : 'calls are not tracked by this server\n';
  },
  bans: (b) => {
    const body = b as { available: boolean; bans: BanInfo[] };
    return body.available ? bansTable(body.bans, Date.now()) : 'no ban list on this server (security module not enabled)\n';
  },
  stats: (b) => statsTable(b as Parameters<typeof statsTable>[0]),
  users: (b) => {
    const users = (b as UsersBody).users;
    if (users.length === 0) return 'no users\n';
    return formatTable(['USER', 'REALM', 'SOURCE', 'ALGORITHMS'], users.map((u) => [u.username, u.realm, u.source, u.algorithms.join(',')]));
  },
  config: (b) => JSON.stringify((b as { config: unknown }).config, null, 2) + '\n',
};

/** `show calls CALL-ID`: one call with its full media record. */
const renderCall: Render = (b) => callDetail(b as CallDetailView, Date.now());

/** The API path of a view; `arg` is the USER of registrations or the CALL-ID of calls. */
function pathOf(what: string, arg: string | undefined): string {
  if (arg === undefined) return `/${what}`;
  if (what === 'registrations') return `/registrations?user=${encodeURIComponent(arg)}`;
  if (what === 'calls') return `/calls/${encodeURIComponent(arg)}`;
  return `/${what}`;
}

/** Fetches one view and prints it; the exit code (0, or 1 when the server cannot answer). */
export async function runShow(what: string, flags: AdminFlags, io: CliIo, arg?: string): Promise<number> {
  const render = what === 'calls' && arg !== undefined ? renderCall : RENDER[what];
  if (render === undefined) throw new Error(`unknown view ${what}`);
  const path = pathOf(what, arg);
  return withAdmin(flags, io, async (target) => {
    const r = await adminRequest(target, 'GET', path);
    if (!r.ok) {
      io.stderr(`error: ${r.error}\n`);
      return 1;
    }
    if (r.value.status !== 200) {
      io.stderr(`error: ${errorText(r.value)}\n`);
      return 1;
    }
    io.stdout(flags.json === true ? JSON.stringify(r.value.body, null, 2) + '\n' : render(r.value.body));
    return 0;
  });
}

export function registerShowCommand(program: Command, ctx: CliContext): void {
  const show = program.command('show').description('show what the running server knows (registrations, calls, bans, stats, users, config)');
  const add = (name: string, description: string, args = ''): void => {
    const cmd = show.command(`${name}${args}`).description(description);
    adminOptions(cmd)
      .option('--json', 'JSON output for scripts')
      .action(async (...a: unknown[]) => {
        const user = args === '' ? undefined : (a[0] as string | undefined);
        const flags = (args === '' ? a[0] : a[1]) as AdminFlags;
        ctx.setExitCode(await runShow(name, flags, ctx.io, user));
      });
  };
  add('registrations', 'registered contacts: all, or one USER (alice, or alice@example.com)', ' [user]');
  add('calls', 'calls in progress through the proxy, with per-leg media statistics; one CALL-ID: its full media record', ' [callId]');
  add('bans', 'banned source addresses');
  add('stats', 'transactions, registrations, calls, uptime, memory');
  add('users', 'users of the directory (config file and database), without credentials');
  add('config', 'the configuration in force, secrets redacted');
}
