/**
 * One traced message for people: time, direction arrow, addresses, start line, then the
 * message itself; ANSI colours on a terminal (requests cyan, 1xx/2xx green, 3xx+ red).
 */
import type { TraceRecord } from './trace-record.js';
import { hostPort } from '../sip/transport/index.js';

const RESET = '\u001b[0m';
const DIM = '\u001b[2m';
const BOLD = '\u001b[1m';
const CYAN = '\u001b[36m';
const GREEN = '\u001b[32m';
const YELLOW = '\u001b[33m';
const RED = '\u001b[31m';

function listenerText(a: { transport: string; host: string; port: number }): string {
  return `${a.transport}:${hostPort(a.host, a.port)}`;
}

function time(ms: number): string {
  return new Date(ms).toISOString().replace('T', ' ').replace('Z', '');
}

function colourOf(r: TraceRecord): string {
  if (r.status === undefined) return CYAN;
  if (r.status < 200) return YELLOW;
  if (r.status < 300) return GREEN;
  return RED;
}

export interface TraceFormatOptions {
  readonly colour: boolean;
  /** Only the summary line, not the full message. */
  readonly brief?: boolean;
}

export function formatTraceRecord(r: TraceRecord, o: TraceFormatOptions): string {
  const paint = (code: string, s: string): string => (o.colour ? `${code}${s}${RESET}` : s);
  const [from, to] = r.direction === 'in' ? [r.remote, r.local] : [r.local, r.remote];
  const head = `${paint(DIM, time(r.timestamp))} ${r.direction === 'in' ? 'IN ' : 'OUT'} ${listenerText(from)} -> ${listenerText(to)}  ${paint(BOLD + colourOf(r), r.startLine)}`;
  if (o.brief === true) return head + '\n';
  const body = r.text.replace(/\r\n/g, '\n').replace(/\n+$/, '');
  return `${head}\n${body}\n\n`;
}
