/**
 * Reads baresip's SIP trace (-s): libre prints every message it sends or receives as
 * ESC[36;1m "#" NL "UDP <src> -> <dst>" NL <the message> ESC[;m, the source and destination
 * as ip:port. A message is "send" when its source is the phone's own SIP port.
 */

export interface TracedMessage {
  direction: 'send' | 'recv';
  transport: string;
  src: string;
  dst: string;
  startLine: string;
  /** Header names lower-cased (compact forms expanded), values as written, in order. */
  headers: Array<[string, string]>;
  /** The body (e.g. SDP), lines joined with CRLF; '' when there is none. */
  body: string;
}

// RFC 3261 §7.3.3: compact forms of header field names.
const COMPACT: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via',
};

/** Every traced message in `stdout`, in order; `ownPort` is the phone's sip_listen port. */
export function tracedMessages(stdout: string, ownPort: number): TracedMessage[] {
  const out: TracedMessage[] = [];
  for (const chunk of stdout.split('\x1b[36;1m').slice(1)) {
    const body = chunk.split('\x1b[;m')[0];
    const lines = body.split(/\r?\n/);
    const addr = lines.findIndex((l) => /^\w+ \S+ -> \S+$/.test(l));
    if (addr < 0) continue;
    const [transport, src, , dst] = lines[addr].split(' ');
    const startLine = (lines[addr + 1] ?? '').trim();
    if (!/^(?:SIP\/2\.0 \d{3}|[A-Z]+ \S+ SIP\/2\.0)/.test(startLine)) continue;
    const headers: Array<[string, string]> = [];
    const rest = lines.slice(addr + 2);
    const blank = rest.findIndex((l) => l.trim() === '');
    const bodyText = blank < 0 ? '' : rest.slice(blank + 1).join('\r\n').trim();
    for (const line of rest) {
      if (line.trim() === '') break;
      const colon = line.indexOf(':');
      if (colon <= 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      headers.push([COMPACT[name] ?? name, line.slice(colon + 1).trim()]);
    }
    out.push({ direction: src.endsWith(`:${ownPort}`) ? 'send' : 'recv', transport, src, dst, startLine, headers, body: bodyText });
  }
  return out;
}
