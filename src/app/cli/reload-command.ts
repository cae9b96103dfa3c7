/** `switchboard reload`: the running server reloads its routing policy (as on SIGHUP). */
import type { Command } from 'commander';
import type { ReloadReport } from '../../admin/index.js';
import { type AdminFlags, adminOptions, adminRequest, errorText, withAdmin } from './admin-client.js';
import type { CliContext } from './context.js';
import type { CliIo } from './io.js';

export async function runReload(flags: AdminFlags, io: CliIo): Promise<number> {
  return withAdmin(flags, io, async (target) => {
    const r = await adminRequest(target, 'POST', '/reload', 60_000);
    if (!r.ok) {
      io.stderr(`error: ${r.error}\n`);
      return 1;
    }
    const report = r.value.body as Partial<ReloadReport>;
    if (!Array.isArray(report.results)) {
      io.stderr(`error: ${errorText(r.value)}\n`);
      return 1;
    }
    if (flags.json === true) io.stdout(JSON.stringify(report, null, 2) + '\n');
    else if (report.results.length === 0) io.stdout('nothing to reload\n');
    else for (const x of report.results) (x.ok ? io.stdout : io.stderr)(`${x.ok ? 'ok' : 'failed'}: ${x.message}\n`);
    return report.ok === true ? 0 : 1;
  });
}

export function registerReloadCommand(program: Command, ctx: CliContext): void {
  adminOptions(program.command('reload').description('reload the routing policy of the running server (like SIGHUP)'))
    .option('--json', 'JSON output for scripts')
    .action(async (flags: AdminFlags) => ctx.setExitCode(await runReload(flags, ctx.io)));
}
