/**
 * A tiny SIP peer for tests: sends raw SIP bytes from 127.0.0.1 over UDP or TCP and collects
 * the responses that come back within a bounded time. It is deliberately independent of
 * src/sip/message so that it judges the server from the outside, as a foreign peer would.
 */
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { connect, type Socket as TcpSocket } from 'node:net';

export type WireTransport = 'UDP' | 'TCP';

export interface Target {
  host: string;
  port: number;
}

/** The start line and headers of one received SIP response (names lower-cased, compact forms expanded). */
export interface ReceivedResponse {
  status: number;
  reason: string;
  headers: Map<string, string[]>;
  raw: Buffer;
  /** ms since the send started (or since the collector was created). */
  at: number;
}

export interface OptionsSpec {
  target: Target;
  transport: WireTransport;
  /** The host:port this client puts in Via/Contact (its real local address). */
  local: Target;
  callId?: string;
  branch?: string;
  cseq?: number;
}

// RFC 3261 §7.3.3: compact forms of header field names.
const COMPACT: Record<string, string> = {
  i: 'call-id', m: 'contact', e: 'content-encoding', l: 'content-length', c: 'content-type',
  f: 'from', s: 'subject', k: 'supported', t: 'to', v: 'via',
};

export function randomToken(bytes = 8): string {
  return randomBytes(bytes).toString('hex');
}

/** RFC 3261 §8.1.1.7: the branch MUST start with the magic cookie "z9hG4bK". */
export function newBranch(): string {
  return 'z9hG4bK' + randomToken();
}

/** A valid OPTIONS addressed to the server itself (RFC 3261 §11.1). */
export function buildOptions(spec: OptionsSpec): string {
  const { target, transport, local } = spec;
  const callId = spec.callId ?? `${randomToken()}@${local.host}`;
  const branch = spec.branch ?? newBranch();
  const tag = randomToken(4);
  return [
    `OPTIONS sip:${target.host}:${target.port} SIP/2.0`,
    `Via: SIP/2.0/${transport} ${local.host}:${local.port};branch=${branch};rport`,
    'Max-Forwards: 70',
    `From: <sip:interop@${local.host}>;tag=${tag}`,
    `To: <sip:${target.host}:${target.port}>`,
    `Call-ID: ${callId}`,
    `CSeq: ${spec.cseq ?? 1} OPTIONS`,
    `Contact: <sip:interop@${local.host}:${local.port}${transport === 'TCP' ? ';transport=tcp' : ''}>`,
    'Accept: application/sdp',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** Splits a header value at commas outside <...> and quotes (RFC 3261 §7.3.1). */
export function splitList(value: string): string[] {
  const out: string[] = [];
  let cur = '';
  let angle = false;
  let quoted = false;
  for (const ch of value) {
    if (ch === '"' && !angle) quoted = !quoted;
    if (!quoted && ch === '<') angle = true;
    if (!quoted && ch === '>') angle = false;
    if (ch === ',' && !angle && !quoted) {
      out.push(cur.trim());
      cur = '';
    } else cur += ch;
  }
  if (cur.trim() !== '') out.push(cur.trim());
  return out;
}

/**
 * The start line and the header fields of a message's head (names lower-cased, compact forms
 * expanded, folded lines joined); `split` names the headers whose comma lists become one
 * value each.
 */
export function parseHead(text: string, split: ReadonlySet<string> = new Set()): { startLine: string; headers: Map<string, string[]> } {
  const headEnd = text.indexOf('\r\n\r\n');
  const lines = (headEnd >= 0 ? text.slice(0, headEnd) : text).split(/\r?\n/);
  const headers = new Map<string, string[]>();
  let last: string | undefined;
  for (const line of lines.slice(1)) {
    if (/^[ \t]/.test(line) && last !== undefined) {
      // RFC 3261 §7.3.1: a line starting with whitespace continues the previous header.
      const vals = headers.get(last)!;
      vals[vals.length - 1] += ' ' + line.trim();
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    let name = line.slice(0, colon).trim().toLowerCase();
    name = COMPACT[name] ?? name;
    const value = line.slice(colon + 1).trim();
    const list = headers.get(name) ?? [];
    list.push(...(split.has(name) ? splitList(value) : [value]));
    headers.set(name, list);
    last = name;
  }
  return { startLine: lines[0] ?? '', headers };
}

/** Parses the head of a SIP response; undefined when the bytes are not a response. */
export function parseResponse(raw: Buffer, at = 0): ReceivedResponse | undefined {
  const { startLine, headers } = parseHead(raw.toString('latin1'));
  const m = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(startLine);
  if (m === null) return undefined;
  return { status: Number(m[1]), reason: m[2], headers, raw, at };
}

export function header(r: ReceivedResponse, name: string): string | undefined {
  return r.headers.get(name.toLowerCase())?.[0];
}

/** The Via branch parameter of a response's top Via, if any. */
export function topViaBranch(r: ReceivedResponse): string | undefined {
  const via = header(r, 'via');
  return via === undefined ? undefined : /;\s*branch=([^;,\s]+)/i.exec(via)?.[1];
}

const RECV_BUFFER_BYTES = 8 * 1024 * 1024;

/** A UDP socket bound on `host` (a loopback address), port chosen by the system; rejects on a bind error. */
export async function bindUdp4(host: string): Promise<UdpSocket> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  return socket;
}

/**
 * A UDP socket bound on 127.0.0.1 that records every response it receives. Used both for
 * one-off requests and for bulk sends (the PROTOS run), where responses are matched later.
 */
export class UdpSipClient {
  readonly responses: ReceivedResponse[] = [];
  private readonly started = Date.now();
  private waiters: Array<() => void> = [];

  private constructor(private readonly socket: UdpSocket) {
    socket.on('message', (msg) => {
      const r = parseResponse(msg, Date.now() - this.started);
      if (r !== undefined) this.responses.push(r);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
  }

  static async open(host = '127.0.0.1'): Promise<UdpSipClient> {
    const socket = await bindUdp4(host);
    // ENETUNREACH/ICMP errors must not crash the test process.
    socket.on('error', () => undefined);
    // Bulk runs receive bursts of responses: a small buffer would drop some of them in the
    // kernel and make answered requests look dropped.
    try {
      socket.setRecvBufferSize(RECV_BUFFER_BYTES);
    } catch {
      // the kernel's limit applies; the default buffer still works for small runs
    }
    return new UdpSipClient(socket);
  }

  get local(): Target {
    const a = this.socket.address();
    return { host: a.address, port: a.port };
  }

  send(message: Buffer | string, to: Target): Promise<void> {
    return new Promise((resolve, reject) => {
      this.socket.send(typeof message === 'string' ? Buffer.from(message, 'latin1') : message, to.port, to.host, (err) =>
        err ? reject(err) : resolve(),
      );
    });
  }

  /** Waits until `done(responses)` holds or `timeoutMs` passes; returns whether it held. */
  async waitFor(done: (responses: ReceivedResponse[]) => boolean, timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.responses)) {
      const left = deadline - Date.now();
      if (left <= 0) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }
}

export interface RequestResult {
  responses: ReceivedResponse[];
  /** ms from sending to the first final (>= 200) response, if one came. */
  finalAfterMs?: number;
}

/**
 * Sends one request and collects responses until a final one arrives (then `graceMs` more)
 * or `timeoutMs` passes.
 */
export async function sendUdpRequest(
  message: Buffer | string,
  to: Target,
  opts: { timeoutMs?: number; graceMs?: number; client?: UdpSipClient } = {},
): Promise<RequestResult> {
  const client = opts.client ?? (await UdpSipClient.open());
  try {
    const before = client.responses.length;
    const t0 = Date.now();
    await client.send(message, to);
    const isFinal = (rs: ReceivedResponse[]): boolean => rs.slice(before).some((r) => r.status >= 200);
    const got = await client.waitFor(isFinal, opts.timeoutMs ?? 2000);
    const finalAfterMs = got ? Date.now() - t0 : undefined;
    if (got && (opts.graceMs ?? 0) > 0) await new Promise((r) => setTimeout(r, opts.graceMs));
    const responses = client.responses.slice(before);
    return finalAfterMs === undefined ? { responses } : { responses, finalAfterMs };
  } finally {
    if (opts.client === undefined) await client.close();
  }
}

/** Sends a valid OPTIONS over UDP and returns the result (fresh socket, bounded wait). */
export async function udpOptions(to: Target, timeoutMs = 2000): Promise<RequestResult> {
  const client = await UdpSipClient.open();
  try {
    return await sendUdpRequest(buildOptions({ target: to, transport: 'UDP', local: client.local }), to, { timeoutMs, client });
  } finally {
    await client.close();
  }
}

/** Splits a TCP byte stream into SIP messages by Content-Length (RFC 3261 §18.3). */
export function splitStream(buf: Buffer): { messages: Buffer[]; rest: Buffer } {
  const messages: Buffer[] = [];
  let rest = buf;
  for (;;) {
    // RFC 3261 §7.5: implementations SHOULD ignore CRLFs preceding the start line.
    while (rest.length >= 2 && rest[0] === 0x0d && rest[1] === 0x0a) rest = rest.subarray(2);
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const head = rest.subarray(0, headEnd).toString('latin1');
    const cl = /^(?:content-length|l)[ \t]*:[ \t]*(\d+)/im.exec(head);
    const total = headEnd + 4 + (cl ? Number(cl[1]) : 0);
    if (rest.length < total) break;
    messages.push(rest.subarray(0, total));
    rest = rest.subarray(total);
  }
  return { messages, rest };
}

/**
 * Opens a TCP connection from 127.0.0.1, writes the message built by `build(localAddress)`,
 * and collects responses until a final one arrives or `timeoutMs` passes. Always closes.
 */
export async function sendTcpRequest(
  to: Target,
  build: (local: Target) => Buffer | string,
  timeoutMs = 2000,
): Promise<RequestResult> {
  const socket: TcpSocket = connect({ host: to.host, port: to.port, localAddress: '127.0.0.1' });
  const responses: ReceivedResponse[] = [];
  try {
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    const t0 = Date.now();
    let finalAfterMs: number | undefined;
    await new Promise<void>((resolve) => {
      let pending: Buffer = Buffer.alloc(0);
      const timer = setTimeout(resolve, timeoutMs);
      const finish = (): void => {
        clearTimeout(timer);
        resolve();
      };
      socket.on('data', (chunk: Buffer) => {
        const split = splitStream(Buffer.concat([pending, chunk]));
        pending = split.rest;
        for (const m of split.messages) {
          const r = parseResponse(m, Date.now() - t0);
          if (r === undefined) continue;
          responses.push(r);
          if (r.status >= 200 && finalAfterMs === undefined) {
            finalAfterMs = Date.now() - t0;
            finish();
          }
        }
      });
      socket.on('close', finish);
      socket.on('error', finish);
      const local = { host: socket.localAddress ?? '127.0.0.1', port: socket.localPort ?? 0 };
      const msg = build(local);
      socket.write(typeof msg === 'string' ? Buffer.from(msg, 'latin1') : msg);
    });
    return finalAfterMs === undefined ? { responses } : { responses, finalAfterMs };
  } finally {
    socket.destroy();
  }
}

/** Sends a valid OPTIONS over TCP. */
export function tcpOptions(to: Target, timeoutMs = 2000): Promise<RequestResult> {
  return sendTcpRequest(to, (local) => buildOptions({ target: to, transport: 'TCP', local }), timeoutMs);
}
