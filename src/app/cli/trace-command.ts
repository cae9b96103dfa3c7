/**
 * `switchboard trace [--user U] [--call-id C] [--method M] [--pcap FILE]`: the SIP messages
 * passing through the running server, live (direction, addresses, time; coloured on a
 * terminal), optionally saved as a pcap file that Wireshark/tshark open. Ends on Ctrl-C /
 * SIGTERM, after --count messages or --duration seconds, or when the server stops.
 */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { Command } from 'commander';
import { PcapEncoder, type TraceLine, type TraceRecord, formatTraceRecord, pcapGlobalHeader } from '../../admin/index.js';
import { type AdminFlags, adminOptions, adminStream, withAdmin } from './admin-client.js';
import { type CliContext, EXIT_USAGE } from './context.js';
import type { CliIo } from './io.js';

export interface TraceFlags extends AdminFlags {
  readonly user?: string;
  readonly callId?: string;
  readonly method?: string;
  readonly pcap?: string;
  readonly brief?: boolean;
  readonly color?: boolean;
  readonly count?: string;
  readonly duration?: string;
}

/** Something that ends the trace early (signals); the default listens to SIGINT and SIGTERM. */
export type StopSource = (stop: () => void) => () => void;

const processSignals: StopSource = (stop) => {
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  };
};

function positive(text: string | undefined): number | undefined | 'invalid' {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : 'invalid';
}

export async function runTrace(flags: TraceFlags, io: CliIo, stopSource: StopSource = processSignals): Promise<number> {
  const count = positive(flags.count);
  const duration = positive(flags.duration);
  if (count === 'invalid' || duration === 'invalid') {
    io.stderr('error: --count and --duration take a number greater than 0\n');
    return EXIT_USAGE;
  }
  const query = new URLSearchParams();
  if (flags.user !== undefined) query.set('user', flags.user);
  if (flags.callId !== undefined) query.set('callId', flags.callId);
  if (flags.method !== undefined) query.set('method', flags.method.toUpperCase());
  if (flags.pcap !== undefined) query.set('raw', '1');
  const colour = flags.color !== false && flags.json !== true && process.stdout.isTTY === true && process.env['NO_COLOR'] === undefined;

  return withAdmin(flags, io, async (target) => {
    let fd: number | undefined;
    if (flags.pcap !== undefined) {
      try {
        fd = openSync(flags.pcap, 'w', 0o600);
        writeSync(fd, pcapGlobalHeader());
      } catch (e) {
        io.stderr(`error: cannot write ${flags.pcap}: ${e instanceof Error ? e.message : String(e)}\n`);
        return 1;
      }
    }
    const pcap = new PcapEncoder();
    let seen = 0;
    let dropped = 0;
    const handle = adminStream(target, `/trace?${query.toString()}`, (raw) => {
      const line = raw as TraceLine;
      if (line.type === 'subscribed') {
        io.stderr(`tracing SIP messages at ${target.url}${describeFilter(flags)}; Ctrl-C to stop\n`);
      } else if (line.type === 'dropped') {
        dropped += line.count;
        io.stderr(`(${line.count} message(s) dropped: the trace client read too slowly)\n`);
      } else if (line.type === 'closing') {
        io.stderr(`the server closed the trace: ${line.reason}\n`);
      } else if (line.type === 'message') {
        const record = line as TraceRecord;
        seen++;
        if (fd !== undefined && record.raw !== undefined) {
          writeSync(fd, pcap.encode({ ...record, bytes: Buffer.from(record.raw, 'base64') }));
        }
        if (flags.json === true) {
          const { raw: _raw, ...rest } = record;
          io.stdout(JSON.stringify(rest) + '\n');
        } else {
          io.stdout(formatTraceRecord(record, { colour, brief: flags.brief === true }));
        }
        if (count !== undefined && seen >= count) handle.stop();
      }
    });
    const unlisten = stopSource(() => handle.stop());
    const timer = duration === undefined ? undefined : setTimeout(() => handle.stop(), duration * 1000);
    const result = await handle.done;
    clearTimeout(timer);
    unlisten();
    if (fd !== undefined) closeSync(fd);
    if (!result.ok) {
      io.stderr(`error: ${result.error}\n`);
      return 1;
    }
    io.stderr(`${seen} message(s)${dropped > 0 ? `, ${dropped} dropped` : ''}${flags.pcap !== undefined ? `, written to ${flags.pcap}` : ''}\n`);
    return 0;
  });
}

function describeFilter(f: TraceFlags): string {
  const parts = [f.user === undefined ? '' : `user ${f.user}`, f.callId === undefined ? '' : `call-id ${f.callId}`, f.method === undefined ? '' : `method ${f.method.toUpperCase()}`].filter((p) => p !== '');
  return parts.length === 0 ? '' : ` (${parts.join(', ')})`;
}

export function registerTraceCommand(program: Command, ctx: CliContext): void {
  adminOptions(program.command('trace').description('show SIP messages passing through the running server, live'))
    .option('--user <user>', 'only messages to or from this user (alice or alice@example.com)')
    .option('--call-id <id>', 'only messages of this Call-ID')
    .option('--method <method>', 'only requests of this method and their responses')
    .option('--pcap <file>', 'also write the messages to a pcap file (Wireshark, tshark)')
    .option('--json', 'one JSON object per message')
    .option('--brief', 'one line per message')
    .option('--no-color', 'no ANSI colours')
    .option('--count <n>', 'stop after this many messages')
    .option('--duration <seconds>', 'stop after this many seconds')
    .action(async (flags: TraceFlags) => ctx.setExitCode(await runTrace(flags, ctx.io)));
}
