/**
 * A raw REGISTER user agent for registrar interop tests (RFC 3261 §10.2): builds REGISTER
 * requests as bytes, answers 401 challenges with the project's digest client (RFC 7616 §3.4)
 * and reads the bindings a 200 lists. It speaks UDP from its own loopback socket and keeps
 * one Call-ID with an increasing CSeq, as §10.2 asks of a UA registering one AOR.
 */
import { answerChallenge } from '../../src/auth/index.js';
import { type ReceivedResponse, type Target, UdpSipClient, newBranch, randomToken, sendUdpRequest, splitList } from './sip-client.js';

export interface RegisterFields {
  /** The registrar's domain: Request-URI `sip:DOMAIN` and the host of the AOR in To/From. */
  domain: string;
  user: string;
  /** This UA's address, for Via. */
  local: Target;
  callId: string;
  fromTag: string;
  cseq: number;
  /** Contact header values ('<sip:...>;expires=N' or '*'); none makes the REGISTER a query (§10.2.3). */
  contacts?: readonly string[];
  expires?: number;
  authorization?: string;
  branch?: string;
}

/** A REGISTER as §10.2 lays it out (Request-URI without user part, To = From = the AOR). */
export function buildRegister(f: RegisterFields): string {
  const aor = `sip:${f.user}@${f.domain}`;
  return [
    `REGISTER sip:${f.domain} SIP/2.0`,
    `Via: SIP/2.0/UDP ${f.local.host}:${f.local.port};branch=${f.branch ?? newBranch()};rport`,
    'Max-Forwards: 70',
    `From: <${aor}>;tag=${f.fromTag}`,
    `To: <${aor}>`,
    `Call-ID: ${f.callId}`,
    `CSeq: ${f.cseq} REGISTER`,
    ...(f.contacts ?? []).map((c) => `Contact: ${c}`),
    ...(f.expires === undefined ? [] : [`Expires: ${f.expires}`]),
    ...(f.authorization === undefined ? [] : [`Authorization: ${f.authorization}`]),
    'User-Agent: switchboard-interop',
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
}

/** One binding as a 200 (OK) to REGISTER lists it (§10.3 step 8). */
export interface ListedBinding {
  uri: string;
  expires: number | undefined;
}

/** The Contact values of a response, one per binding, with their `expires` parameter. */
export function listedBindings(r: ReceivedResponse): ListedBinding[] {
  const values = (r.headers.get('contact') ?? []).flatMap(splitList);
  return values.map((v) => {
    const m = /^\s*<([^>]*)>(.*)$/.exec(v);
    const uri = m === null ? v.split(';')[0].trim() : m[1];
    const params = m === null ? v.slice(v.indexOf(';')) : m[2];
    const e = /;\s*expires\s*=\s*(\d+)/i.exec(params);
    return { uri, expires: e === null ? undefined : Number(e[1]) };
  });
}

export interface ExchangeResult {
  /** The 401 that challenged the first request. */
  challenge: ReceivedResponse;
  /** The final response to the request carrying credentials. */
  final: ReceivedResponse;
  /** The credentials sent (for replay tests). */
  authorization: string;
  /** The bytes of the authenticated request (for retransmission/replay tests). */
  request: string;
}

export interface RegisterOptions {
  contacts?: readonly string[];
  expires?: number;
}

/**
 * A UA registering one AOR: each `register()` sends the REGISTER, takes the 401, picks the
 * challenge for `algorithm` and sends it again with credentials (CSeq + 1, §8.1.3.5).
 */
export class RegisterUa {
  readonly callId = `${randomToken()}@127.0.0.1`;
  readonly fromTag = randomToken(4);
  private cseq = 0;

  private constructor(
    readonly client: UdpSipClient,
    public target: Target,
    readonly domain: string,
    readonly user: string,
    readonly password: string,
    readonly algorithm: 'MD5' | 'SHA-256',
  ) {}

  static async open(o: { target: Target; user: string; password: string; domain?: string; algorithm?: 'MD5' | 'SHA-256' }): Promise<RegisterUa> {
    const client = await UdpSipClient.open();
    return new RegisterUa(client, o.target, o.domain ?? '127.0.0.1', o.user, o.password, o.algorithm ?? 'MD5');
  }

  get local(): Target {
    return this.client.local;
  }

  nextCseq(): number {
    return ++this.cseq;
  }

  fields(o: RegisterOptions & { authorization?: string }): RegisterFields {
    return {
      domain: this.domain,
      user: this.user,
      local: this.local,
      callId: this.callId,
      fromTag: this.fromTag,
      cseq: this.nextCseq(),
      ...(o.contacts === undefined ? {} : { contacts: o.contacts }),
      ...(o.expires === undefined ? {} : { expires: o.expires }),
      ...(o.authorization === undefined ? {} : { authorization: o.authorization }),
    };
  }

  /** Sends raw bytes and returns the final response; throws (a test failure) when none comes. */
  async send(message: string, timeoutMs = 3000): Promise<ReceivedResponse> {
    const r = await sendUdpRequest(message, this.target, { timeoutMs, client: this.client });
    const final = r.responses.find((x) => x.status >= 200);
    if (final === undefined) throw new Error(`no final response from ${this.target.host}:${this.target.port} within ${timeoutMs} ms to:\n${message}`);
    return final;
  }

  /** A REGISTER without credentials: the server must challenge it (§22.1). */
  async requestChallenge(o: RegisterOptions = {}): Promise<ReceivedResponse> {
    const r = await this.send(buildRegister(this.fields(o)));
    if (r.status !== 401) throw new Error(`expected a 401 challenge, got ${r.status} ${r.reason}`);
    return r;
  }

  /** The Authorization value answering `challenge` with this UA's credentials. */
  answer(challenge: ReceivedResponse, password = this.password): string {
    const offers = challenge.headers.get('www-authenticate') ?? [];
    const offer = offers.find((v) => new RegExp(`algorithm=${this.algorithm}(?:[,\\s]|$)`, 'i').test(v));
    if (offer === undefined) throw new Error(`no ${this.algorithm} challenge among: ${JSON.stringify(offers)}`);
    const a = answerChallenge(offer, { username: this.user, password, method: 'REGISTER', uri: `sip:${this.domain}` });
    if (!a.ok) throw new Error(`cannot answer ${offer}: ${a.error}`);
    return a.value;
  }

  /** REGISTER → 401 → REGISTER with credentials → final response. */
  async register(o: RegisterOptions = {}, password = this.password): Promise<ExchangeResult> {
    const challenge = await this.requestChallenge(o);
    const authorization = this.answer(challenge, password);
    const request = buildRegister(this.fields({ ...o, authorization }));
    const final = await this.send(request);
    return { challenge, final, authorization, request };
  }

  /** A query (§10.2.3: no Contact): the bindings the registrar holds for this AOR. */
  async query(): Promise<ListedBinding[]> {
    const r = await this.register();
    if (r.final.status !== 200) throw new Error(`query of ${this.user}: ${r.final.status} ${r.final.reason}`);
    return listedBindings(r.final);
  }

  close(): Promise<void> {
    return this.client.close();
  }
}

/** A WWW-Authenticate value's parameter (unquoted), or undefined. */
export function challengeParam(value: string, name: string): string | undefined {
  const m = new RegExp(`[\\s,]${name}\\s*=\\s*("([^"]*)"|[^,\\s]+)`, 'i').exec(` ${value.replace(/^\s*Digest\s+/i, ', ')}`);
  return m === null ? undefined : (m[2] ?? m[1]);
}
