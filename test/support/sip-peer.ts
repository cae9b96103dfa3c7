/**
 * A scriptable UDP SIP peer for the security tests, bound on a chosen loopback address
 * (127.0.0.x), so that the server sees distinct sources: it records every request and
 * response it receives, answers requests (a UAS), and runs a UAC's INVITE with digest
 * (407 → ACK → INVITE with Proxy-Authorization), ACK for 2xx, re-INVITE and BYE along the
 * dialog's route set (RFC 3261 §12, §13, §22). Like sip-client.ts it is independent of
 * src/sip/message, so it judges the server from outside; only the digest answer comes from
 * the project's client (as in register-client.ts).
 */
import type { Socket } from 'node:dgram';
import { answerChallenge } from '../../src/auth/index.js';
import { buildRegister } from './register-client.js';
import { type ReceivedResponse, type Target, bindUdp4, newBranch, parseHead, randomToken } from './sip-client.js';

/** A received SIP message: the response fields of sip-client.ts, or a request's method and URI. */
export interface PeerMessage {
  readonly kind: 'request' | 'response';
  readonly method: string;
  readonly uri: string;
  /** 0 for requests. */
  readonly status: number;
  readonly reason: string;
  readonly headers: Map<string, string[]>;
  readonly raw: string;
  /** The address it came from. */
  readonly source: Target;
}

const LIST_HEADERS = new Set(['via', 'record-route', 'route', 'contact']);

function parseMessage(buf: Buffer, source: Target): PeerMessage | undefined {
  const text = buf.toString('latin1');
  const { startLine, headers } = parseHead(text, LIST_HEADERS);
  const res = /^SIP\/2\.0 (\d{3}) ?(.*)$/.exec(startLine);
  const req = /^([A-Z]+) (\S+) SIP\/2\.0$/.exec(startLine);
  if (res === null && req === null) return undefined;
  const cseqMethod = /^\s*\d+\s+([A-Z]+)/.exec(headers.get('cseq')?.[0] ?? '')?.[1] ?? '';
  return res !== null
    ? { kind: 'response', method: cseqMethod, uri: '', status: Number(res[1]), reason: res[2] ?? '', headers, raw: text, source }
    : { kind: 'request', method: req![1]!, uri: req![2]!, status: 0, reason: '', headers, raw: text, source };
}

export function hdr(m: PeerMessage | ReceivedResponse, name: string): string | undefined {
  return m.headers.get(name.toLowerCase())?.[0];
}

function tagOf(nameAddr: string | undefined): string | undefined {
  return nameAddr === undefined ? undefined : /;\s*tag=([^;>\s]+)/i.exec(nameAddr)?.[1];
}

function uriOf(nameAddr: string): string {
  const m = /<([^>]*)>/.exec(nameAddr);
  return m === null ? nameAddr.split(';')[0]!.trim() : m[1]!;
}

function cseqNumber(m: PeerMessage): number {
  return Number(/^\s*(\d+)/.exec(hdr(m, 'cseq') ?? '')?.[1] ?? NaN);
}

/** The status line and header names of a response, e.g. to compare two challenges. */
export function responseShape(r: PeerMessage): string {
  const challenge = hdr(r, 'www-authenticate') ?? hdr(r, 'proxy-authenticate');
  const params = challenge === undefined ? [] : [...challenge.matchAll(/([a-z-]+)\s*=/gi)].map((m) => m[1]!.toLowerCase()).sort();
  return `${r.status} ${r.reason} [${[...r.headers.keys()].sort().join(',')}] challenge params [${params.join(',')}]`;
}

export class SipPeer {
  readonly received: PeerMessage[] = [];
  private waiters: Array<() => void> = [];
  /** Called for every request received (a UAS script); responses are only recorded. */
  onRequest: ((req: PeerMessage) => void) | undefined;

  private constructor(private readonly socket: Socket) {
    socket.on('message', (buf, rinfo) => {
      const m = parseMessage(buf, { host: rinfo.address, port: rinfo.port });
      if (m === undefined) return;
      this.received.push(m);
      if (m.kind === 'request') this.onRequest?.(m);
      const w = this.waiters;
      this.waiters = [];
      for (const f of w) f();
    });
    socket.on('error', () => undefined);
  }

  /** A UDP socket on `host` (a loopback address), port chosen by the system. */
  static async open(host: string): Promise<SipPeer> {
    return new SipPeer(await bindUdp4(host));
  }

  get local(): Target {
    const a = this.socket.address();
    return { host: a.address, port: a.port };
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  send(text: string, to: Target): Promise<void> {
    return new Promise((resolve, reject) => this.socket.send(Buffer.from(text, 'latin1'), to.port, to.host, (e) => (e ? reject(e) : resolve())));
  }

  /** The first received message at or after `from` satisfying `match`; throws after `timeoutMs`. */
  async waitFor(match: (m: PeerMessage) => boolean, timeoutMs: number, what: string, from = 0): Promise<PeerMessage> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find(match);
      if (found !== undefined) return found;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`${this.local.host}:${this.local.port}: no ${what} within ${timeoutMs} ms; received:\n${this.received.map((m) => m.raw.split('\r\n')[0]).join('\n')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /** The requests received with this method (and Call-ID). */
  requests(method: string, callId?: string): PeerMessage[] {
    return this.received.filter((m) => m.kind === 'request' && m.method === method && (callId === undefined || hdr(m, 'call-id') === callId));
  }

  /**
   * Answers `req` (§8.2.6): Via, From, Call-ID, CSeq and Record-Route copied, a To tag added
   * (the same one for every response of this peer to that request), sent to where it came from.
   */
  respond(req: PeerMessage, status: number, reason: string, o: { toTag?: string; contact?: boolean; headers?: readonly string[] } = {}): Promise<void> {
    const to = hdr(req, 'to') ?? '';
    const toTag = o.toTag ?? tagOf(to) ?? this.tagFor(req);
    const lines = [
      `SIP/2.0 ${status} ${reason}`,
      ...(req.headers.get('via') ?? []).map((v) => `Via: ${v}`),
      ...(req.headers.get('record-route') ?? []).map((v) => `Record-Route: ${v}`),
      `From: ${hdr(req, 'from')}`,
      `To: ${tagOf(to) !== undefined || status === 100 ? to : `${to};tag=${toTag}`}`,
      `Call-ID: ${hdr(req, 'call-id')}`,
      `CSeq: ${hdr(req, 'cseq')}`,
      ...((o.contact ?? (req.method === 'INVITE' && status >= 101 && status < 300)) ? [`Contact: <sip:uas@${this.local.host}:${this.local.port}>`] : []),
      ...(o.headers ?? []),
      'Content-Length: 0',
      '',
      '',
    ];
    return this.send(lines.join('\r\n'), req.source);
  }

  private readonly tags = new Map<string, string>();

  private tagFor(req: PeerMessage): string {
    const key = `${hdr(req, 'call-id')}|${tagOf(hdr(req, 'from'))}`;
    let tag = this.tags.get(key);
    if (tag === undefined) {
      tag = randomToken(4);
      this.tags.set(key, tag);
    }
    return tag;
  }

  /**
   * REGISTER from this socket (Contact = this socket), answering a 401 with `password`
   * (or stopping at the challenge when `password` is undefined). Returns both responses.
   */
  async register(o: { registrar: Target; domain: string; user: string; password: string | undefined; expires?: number; timeoutMs?: number }): Promise<{ challenge: PeerMessage; final: PeerMessage | undefined }> {
    const callId = `${randomToken()}@${this.local.host}`;
    const fromTag = randomToken(4);
    const base = { domain: o.domain, user: o.user, local: this.local, callId, fromTag, contacts: [`<sip:${o.user}@${this.local.host}:${this.local.port}>`], expires: o.expires ?? 600 };
    const ask = async (cseq: number, authorization?: string): Promise<PeerMessage> => {
      const from = this.received.length;
      await this.send(buildRegister({ ...base, cseq, ...(authorization === undefined ? {} : { authorization }) }), o.registrar);
      return this.waitFor((m) => m.kind === 'response' && m.status >= 200 && hdr(m, 'call-id') === callId && cseqNumber(m) === cseq, o.timeoutMs ?? 3000, `final response to REGISTER ${cseq} of ${o.user}`, from);
    };
    const challenge = await ask(1);
    if (o.password === undefined || challenge.status !== 401) return { challenge, final: undefined };
    const offer = hdr(challenge, 'www-authenticate');
    if (offer === undefined) throw new Error(`401 without WWW-Authenticate:\n${challenge.raw}`);
    const a = answerChallenge(offer, { username: o.user, password: o.password, method: 'REGISTER', uri: `sip:${o.domain}` });
    if (!a.ok) throw new Error(`cannot answer ${offer}: ${a.error}`);
    return { challenge, final: await ask(2, a.value) };
  }
}

export interface UacOptions {
  /** Where every request goes (the server). */
  readonly server: Target;
  /** Request-URI of the INVITE, e.g. sip:0044123@127.0.0.1. */
  readonly ruri: string;
  /** From URI (the caller), e.g. sip:bob@127.0.0.1. */
  readonly from: string;
  /** To URI; default the Request-URI. */
  readonly to?: string;
  /** Digest credentials for a 407 (or 401); without them the challenge is the final answer. */
  readonly credentials?: { readonly user: string; readonly password: string };
  readonly callId?: string;
}

/** One call placed by a SipPeer: INVITE (with digest), ACK, then in-dialog re-INVITE and BYE. */
export class UacCall {
  readonly callId: string;
  readonly fromTag = randomToken(4);
  private cseq = 0;
  private lastInvite: { cseq: number; branch: string } | undefined;
  private remoteTag: string | undefined;
  private routeSet: string[] = [];
  private remoteTarget: string | undefined;
  /** The responses to this call's requests, in order. */
  readonly responses: PeerMessage[] = [];

  constructor(readonly peer: SipPeer, readonly o: UacOptions) {
    this.callId = o.callId ?? `${randomToken()}@${peer.local.host}`;
  }

  private build(method: string, o: { ruri?: string; cseq: number; branch: string; toTag?: string; routes?: readonly string[]; extra?: readonly string[] }): string {
    const l = this.peer.local;
    return [
      `${method} ${o.ruri ?? this.o.ruri} SIP/2.0`,
      `Via: SIP/2.0/UDP ${l.host}:${l.port};branch=${o.branch};rport`,
      'Max-Forwards: 70',
      ...(o.routes ?? []).map((r) => `Route: ${r}`),
      `From: <${this.o.from}>;tag=${this.fromTag}`,
      `To: <${this.o.to ?? this.o.ruri}>${o.toTag === undefined ? '' : `;tag=${o.toTag}`}`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${o.cseq} ${method}`,
      `Contact: <sip:caller@${l.host}:${l.port}>`,
      'User-Agent: switchboard-security-test',
      ...(o.extra ?? []),
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n');
  }

  private async sendAndWait(text: string, cseq: number, method: string, until: (m: PeerMessage) => boolean, timeoutMs: number): Promise<PeerMessage> {
    const from = this.peer.received.length;
    await this.peer.send(text, this.o.server);
    const mine = (m: PeerMessage): boolean => m.kind === 'response' && hdr(m, 'call-id') === this.callId && cseqNumber(m) === cseq && m.method === method;
    const r = await this.peer.waitFor((m) => mine(m) && until(m), timeoutMs, `${method} ${cseq} response of call ${this.callId}`, from);
    this.responses.push(...this.peer.received.slice(from).filter(mine));
    return r;
  }

  /**
   * Sends the INVITE; a 401/407 is ACKed and, with credentials, answered by a second INVITE.
   * Resolves with the first response to the last INVITE that satisfies `until` (default: a
   * final response).
   */
  async invite(o: { until?: (m: PeerMessage) => boolean; timeoutMs?: number } = {}): Promise<PeerMessage> {
    const until = o.until ?? ((m: PeerMessage) => m.status >= 200);
    const timeoutMs = o.timeoutMs ?? 4000;
    let cseq = ++this.cseq;
    let branch = newBranch();
    let r = await this.sendAndWait(this.build('INVITE', { cseq, branch }), cseq, 'INVITE', (m) => m.status >= 200 || until(m), timeoutMs);
    if ((r.status === 401 || r.status === 407) && this.o.credentials !== undefined) {
      await this.ackNon2xx(r, cseq, branch);
      const offer = hdr(r, r.status === 407 ? 'proxy-authenticate' : 'www-authenticate');
      if (offer === undefined) throw new Error(`${r.status} without a challenge:\n${r.raw}`);
      const a = answerChallenge(offer, { username: this.o.credentials.user, password: this.o.credentials.password, method: 'INVITE', uri: this.o.ruri });
      if (!a.ok) throw new Error(`cannot answer ${offer}: ${a.error}`);
      cseq = ++this.cseq;
      branch = newBranch();
      const auth = `${r.status === 407 ? 'Proxy-Authorization' : 'Authorization'}: ${a.value}`;
      r = await this.sendAndWait(this.build('INVITE', { cseq, branch, extra: [auth] }), cseq, 'INVITE', (m) => m.status >= 200 || until(m), timeoutMs);
    }
    this.lastInvite = { cseq, branch };
    if (r.status >= 300) await this.ackNon2xx(r, cseq, branch);
    else if (r.status >= 200) await this.ack2xx(r, cseq);
    return r;
  }

  /** After invite() stopped at a provisional response: waits for the final one and ACKs it. */
  async final(timeoutMs = 4000): Promise<PeerMessage> {
    const last = this.lastInvite;
    if (last === undefined) throw new Error('no INVITE sent');
    const mine = (m: PeerMessage): boolean => m.kind === 'response' && m.method === 'INVITE' && hdr(m, 'call-id') === this.callId && cseqNumber(m) === last.cseq;
    const r = await this.peer.waitFor((m) => mine(m) && m.status >= 200, timeoutMs, `final response to INVITE ${last.cseq} of call ${this.callId}`);
    if (r.status >= 300) await this.ackNon2xx(r, last.cseq, last.branch);
    else await this.ack2xx(r, last.cseq);
    return r;
  }

  /** §17.1.1.3: the ACK for a non-2xx final response (same branch, the response's To). */
  private ackNon2xx(r: PeerMessage, cseq: number, branch: string): Promise<void> {
    return this.peer.send(this.build('ACK', { cseq, branch, ...(tagOf(hdr(r, 'to')) === undefined ? {} : { toTag: tagOf(hdr(r, 'to'))! }) }), this.o.server);
  }

  /** §13.2.2.4: the dialog from a 2xx (route set = Record-Route reversed) and its ACK. */
  private ack2xx(r: PeerMessage, cseq: number): Promise<void> {
    this.remoteTag = tagOf(hdr(r, 'to'));
    this.routeSet = [...(r.headers.get('record-route') ?? [])].reverse();
    const contact = hdr(r, 'contact');
    this.remoteTarget = contact === undefined ? undefined : uriOf(contact);
    return this.peer.send(this.inDialog('ACK', cseq), this.o.server);
  }

  get established(): boolean {
    return this.remoteTag !== undefined;
  }

  /** The routes of the dialog (for assertions). */
  get routes(): readonly string[] {
    return this.routeSet;
  }

  private inDialog(method: string, cseq: number): string {
    if (this.remoteTag === undefined || this.remoteTarget === undefined) throw new Error(`call ${this.callId} is not established`);
    return this.build(method, { ruri: this.remoteTarget, cseq, branch: newBranch(), toTag: this.remoteTag, routes: this.routeSet });
  }

  /** An in-dialog request (BYE, re-INVITE …): its final response (a 2xx to a re-INVITE is ACKed). */
  async request(method: 'BYE' | 'INVITE' | 'INFO', timeoutMs = 4000): Promise<PeerMessage> {
    const cseq = ++this.cseq;
    const r = await this.sendAndWait(this.inDialog(method, cseq), cseq, method, (m) => m.status >= 200, timeoutMs);
    if (method === 'INVITE' && r.status >= 200 && r.status < 300) await this.peer.send(this.inDialog('ACK', cseq), this.o.server);
    return r;
  }
}

/**
 * A UAS script for a SipPeer: every INVITE gets 100 at once, then whatever `decide` returns
 * for it (a list of statuses: e.g. [180] holds the call ringing, [180, 200] answers it);
 * an in-dialog INVITE, BYE, INFO get 200; a retransmitted request gets the same answers again.
 * `answer(req, status)` sends a later final response (to release a held INVITE).
 */
export function scriptUas(peer: SipPeer, decide: (invite: PeerMessage) => readonly number[]): { answer(req: PeerMessage, status: number): Promise<void> } {
  const REASONS: Record<number, string> = { 100: 'Trying', 180: 'Ringing', 200: 'OK', 403: 'Forbidden', 480: 'Temporarily Unavailable', 486: 'Busy Here', 487: 'Request Terminated' };
  const sent = new Map<string, number[]>();
  const key = (m: PeerMessage): string => `${hdr(m, 'via')}|${hdr(m, 'cseq')}`;
  const play = async (req: PeerMessage, statuses: readonly number[]): Promise<void> => {
    for (const s of statuses) await peer.respond(req, s, REASONS[s] ?? 'Whatever');
  };
  peer.onRequest = (req) => {
    if (req.method === 'ACK') return;
    const seen = sent.get(key(req));
    if (seen !== undefined) {
      void play(req, seen);
      return;
    }
    const statuses = req.method === 'INVITE' && tagOf(hdr(req, 'to')) === undefined ? [100, ...decide(req)] : [200];
    sent.set(key(req), [...statuses]);
    void play(req, statuses);
  };
  return {
    async answer(req, status) {
      sent.get(key(req))?.push(status);
      await peer.respond(req, status, REASONS[status] ?? 'Whatever');
    },
  };
}
