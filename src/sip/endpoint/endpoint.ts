/**
 * The SIP endpoint core: the transaction user that sits on the transaction layer, runs the
 * RFC 3261 §8.2 checks, and hands each request to the module pipeline in priority order.
 * What no module handles gets the answer §8.2 prescribes (405/501/481/483/403).
 */
import { type Clock, newTag } from '../../lib/index.js';
import {
  HeaderField,
  type ResponseOptions,
  type SipRequest,
  SipResponse,
  createResponse,
  parseVia,
  splitList,
} from '../message/index.js';
import { type TimerOptions, type ServerTransaction, type TransactionUser, TransactionLayer, resolveTimers } from '../transaction/index.js';
import {
  type ReceivedContext,
  type ReceivedInvalid,
  type ReceivedMessage,
  type SipTransport,
  type TransportUser,
  responseDestination,
  stampedVia,
} from '../transport/index.js';
import type { LocalIdentity } from './local-identity.js';
import { MergedRequestDetector } from './merged-requests.js';
import { StatelessResponseCache } from './stateless-response-cache.js';
import { type EndpointModule, type IncomingRequest, type IncomingResponse, priorityOf } from './module.js';
import { partialLogFields, sipLogFields } from './log-fields.js';
import { createOptionsModule } from './options-module.js';
import { STANDARD_METHODS, checkRequest } from './request-checks.js';

/** Minimal logging surface (pino-compatible) so this layer does not depend on a logger. */
export interface EndpointLog {
  debug(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silentLog: EndpointLog = { debug() {}, warn() {}, error() {} };

/** One module's turn in the pipeline: true when it handled the message. */
type PipelineStep = (m: EndpointModule) => boolean | Promise<boolean>;

export interface EndpointOptions extends TimerOptions {
  transport: SipTransport;
  clock: Clock;
  identity: LocalIdentity;
  /** Server header / User-Agent product token. */
  serverName?: string;
  /** Request-URI schemes accepted (416 otherwise); default sip, sips, tel. */
  uriSchemes?: readonly string[];
  maxTransactions?: number;
  log?: EndpointLog;
}

export class Endpoint implements TransactionUser {
  readonly transactions: TransactionLayer;
  private modules: EndpointModule[] = [];
  private readonly merged: MergedRequestDetector;
  private readonly statelessResponses: StatelessResponseCache;
  private readonly serverName: string;
  private readonly uriSchemes: readonly string[];
  private readonly log: EndpointLog;
  /** Server transactions the endpoint has not yet answered with a final response. */
  private readonly unanswered = new Map<string, IncomingRequest>();
  private draining = false;
  private readonly statelessMethods = new Set<string>();
  private allow: readonly string[] = ['ACK', 'CANCEL'];
  private extensions: readonly string[] = [];
  /** A module (the proxy) takes any method: no 501/405 for unknown methods. */
  private takesAnyMethod = false;
  private statelessSeq = 0;
  /** Requests whose module pipeline has not finished (see `inProcess`). */
  private processing = 0;

  constructor(private readonly options: EndpointOptions) {
    this.serverName = options.serverName ?? 'Switchboard';
    this.uriSchemes = options.uriSchemes ?? ['sip', 'sips', 'tel'];
    this.log = options.log ?? silentLog;
    this.transactions = new TransactionLayer(options.transport, options.clock, {
      ...options,
      user: this,
      maxTransactions: options.maxTransactions,
    });
    const timers = resolveTimers(options);
    this.merged = new MergedRequestDetector(options.clock, 64 * timers.t1);
    // Kept as long as a finished transaction would be (Timer J, `wait`).
    this.statelessResponses = new StatelessResponseCache(options.clock, timers.wait);
    this.use(createOptionsModule(this, this.serverName));
  }

  /** What the transports deliver to: the transaction layer, which calls back into us. */
  get transportUser(): TransportUser {
    return this.transactions;
  }

  get identity(): LocalIdentity {
    return this.options.identity;
  }

  /** The transport the endpoint sends through (for modules that forward statelessly). */
  get transport(): SipTransport {
    return this.options.transport;
  }

  /** Adds a module; modules run in priority order (registration order among equals). */
  use(module: EndpointModule): this {
    this.modules.push(module);
    this.modules.sort((a, b) => priorityOf(a) - priorityOf(b));
    for (const m of module.statelessMethods ?? []) this.statelessMethods.add(m);
    // What the modules offer changes only here: computed once, not per request.
    const allow = new Set<string>(['ACK', 'CANCEL']);
    const ext = new Set<string>();
    for (const m of this.modules) {
      for (const method of m.methods ?? []) if (method !== '*') allow.add(method);
      for (const e of m.extensions ?? []) ext.add(e.toLowerCase());
    }
    this.allow = [...allow];
    this.extensions = [...ext];
    this.takesAnyMethod = this.modules.some((m) => m.methods?.includes('*'));
    return this;
  }

  async start(): Promise<void> {
    for (const m of this.modules) await m.start?.();
  }

  /** Stops the modules, last added first, then ends every transaction (their timers too). */
  async stop(): Promise<void> {
    for (const m of [...this.modules].reverse()) await m.stop?.();
    this.transactions.terminateAll();
  }

  /** Requests received and not yet finally answered. */
  get inFlight(): number {
    return this.unanswered.size;
  }

  /**
   * Requests still being worked on here: their module pipeline has not finished (a REGISTER
   * waiting for the location store, an INVITE for its targets or media). A request the proxy
   * has forwarded is in flight until the callee answers, but no longer in process: a phone
   * ringing for half a minute is not load on this server. The overload guard counts these.
   */
  get inProcess(): number {
    return this.processing;
  }

  /**
   * Graceful shutdown, step one: new requests get 503 and this resolves once every request
   * already taken has had its final response (the caller bounds the wait).
   */
  async drain(clock: Clock, pollMs = 50): Promise<void> {
    this.draining = true;
    while (this.unanswered.size > 0) {
      await new Promise<void>((resolve) => clock.setTimer(pollMs, resolve));
    }
  }

  /** Methods for Allow (§20.5): the union of what the modules implement. */
  allowedMethods(): readonly string[] {
    return this.allow;
  }

  supportedExtensions(): readonly string[] {
    return this.extensions;
  }

  // --- TransactionUser -----------------------------------------------------------------

  onRequest(tx: ServerTransaction, rx: ReceivedMessage): void {
    this.process(this.incoming(tx.request, rx, tx), true);
  }

  onStatelessRequest(rx: ReceivedMessage): boolean {
    const req = rx.message as SipRequest;
    if (!this.statelessMethods.has(req.method) || !this.options.identity.isLocalUri(req.uri)) return false;
    // §8.2.7: a retransmission gets the same response again, without being processed twice.
    const seen = this.statelessResponses.begin(req);
    if (seen.kind === 'answered') this.sendStateless(seen.response, req, rx);
    else if (seen.kind === 'new') this.process(this.incoming(req, rx, undefined), false);
    return true;
  }

  /**
   * §8.2 checks, then the pipeline. Merged-request detection (§8.2.2.2) applies to requests
   * handled in a transaction; the stateless methods (REGISTER, OPTIONS) are never forked.
   */
  private process(incoming: IncomingRequest, stateful: boolean): void {
    const request = incoming.request;
    if (this.draining) {
      // Shutting down: new work is refused so in-flight transactions can finish (§21.5.4).
      incoming.respond(503, { reason: 'Shutting Down', headers: [['Retry-After', '30']] });
      return;
    }
    const takesAny = this.takesAnyMethod;
    const verdict = checkRequest(request, {
      methods: takesAny ? undefined : this.allowedMethods(),
      extensions: this.supportedExtensions(),
      uriSchemes: this.uriSchemes,
    });
    if (verdict !== undefined) {
      incoming.respond(verdict.status, { reason: verdict.reason, headers: verdict.headers });
      return;
    }
    // §8.2.2.2 is a UAS rule: with a proxy module present, requests for our users are proxied,
    // and a request forked upstream may legitimately reach us twice.
    if (stateful && !takesAny && incoming.isLocal && this.merged.isMerged(request)) {
      incoming.respond(482, { reason: 'Loop Detected' });
      return;
    }
    this.dispatch(incoming);
  }

  onAck2xx(rx: ReceivedMessage): void {
    const req = rx.message as SipRequest;
    // An ACK is never answered (§17.1.1.3): with no module for it, it is simply absorbed.
    this.dispatch(this.incoming(req, rx, undefined), () => undefined);
  }

  onStrayResponse(rx: ReceivedMessage): void {
    const res: IncomingResponse = { response: rx.message as SipResponse, rx };
    this.settle(
      (m) => m.onStrayResponse?.(res) ?? false,
      () => undefined,
      (err) => this.log.error({ err, ...sipLogFields(res.response) }, 'module failed on a response'),
    );
  }

  onOverload(rx: ReceivedMessage): void {
    const req = rx.message as SipRequest;
    if (req.method === 'ACK') return;
    // Stateless 503 with Retry-After (§21.5.4): the client backs off instead of retransmitting.
    this.sendStateless(createResponse(req, 503, { headers: [['Retry-After', '5']] }), req, rx);
  }

  /**
   * A request that failed to parse gets a stateless 400 with the reason (§8.2 / §21.4.1),
   * when enough of it was read to route a response (a top Via). Responses are dropped.
   */
  onInvalid(rx: ReceivedInvalid): void {
    const partial = rx.partial;
    if (partial === undefined || partial.kind !== 'request' || partial.method === 'ACK') {
      this.log.debug({ ...partialLogFields(partial), reason: rx.error.reason, source: rx.source }, 'dropped unparseable message');
      return;
    }
    const viaField = partial.headers.find((f) => f.key === 'via');
    const first = viaField === undefined ? undefined : splitList(viaField.value)?.[0];
    const via = first === undefined ? undefined : parseVia(first);
    const hasIds = ['from', 'to', 'call-id', 'cseq'].every((k) => partial.headers.some((f) => f.key === k));
    if (via === undefined || !hasIds) {
      this.log.debug({ ...partialLogFields(partial), reason: rx.error.reason, source: rx.source }, 'dropped unparseable request: no route for a response');
      return;
    }
    // §18.2.1 / RFC 3581: the echoed Via carries received/rport like any other response's.
    const stamped = stampedVia(via, rx.source);
    const headers = partial.headers.map((f) =>
      f === viaField ? new HeaderField(f.name, 'via', [stamped.toString(), ...(splitList(f.value) ?? []).slice(1)].join(', ')) : f,
    );
    const res = createResponse({ headers }, rx.error.status, { reason: rx.error.reason });
    void this.options.transport.send(res, responseDestination(stamped, rx));
  }

  onServerTerminated(tx: ServerTransaction): void {
    this.unanswered.delete(tx.id);
  }

  onServerTimeout(tx: ServerTransaction): void {
    this.log.debug(sipLogFields(tx.request), 'no ACK for a final response (Timer H)');
  }

  // --- pipeline ---------------------------------------------------------------------

  private dispatch(incoming: IncomingRequest, fallback?: (r: IncomingRequest) => void): void {
    this.processing++;
    const done = (handled: boolean): void => {
      this.processing--;
      if (!handled) (fallback ?? ((r) => this.unhandled(r)))(incoming);
    };
    const failed = (err: unknown): void => {
      this.processing--;
      this.log.error({ err, ...sipLogFields(incoming.request) }, 'module failed on a request');
      if (!incoming.answered && incoming.request.method !== 'ACK') incoming.respond(500);
    };
    this.settle((m) => m.onRequest?.(incoming) ?? false, done, failed);
  }

  /** Runs the pipeline; `done` or `failed` in the same turn when every module answered synchronously. */
  private settle(step: PipelineStep, done: (handled: boolean) => void, failed: (err: unknown) => void): void {
    let handled: boolean | Promise<boolean>;
    try {
      handled = this.runPipeline(step);
    } catch (err) {
      failed(err);
      return;
    }
    if (typeof handled === 'boolean') done(handled);
    else handled.then(done, failed);
  }

  /**
   * Runs modules in order, from `from`, until one says it handled the message. Synchronous
   * while the modules answer synchronously; from the first module that returns a promise on,
   * the rest run after it settles.
   */
  private runPipeline(step: PipelineStep, from = 0): boolean | Promise<boolean> {
    const modules = this.modules;
    for (let i = from; i < modules.length; i++) {
      const r = step(modules[i]);
      if (r === true) return true;
      if (r !== false) return r.then((handled) => handled || this.runPipeline(step, i + 1));
    }
    return false;
  }

  /** §8.2 answers for a request no module took. */
  private unhandled(req: IncomingRequest): void {
    const r = req.request;
    if (r.method === 'CANCEL') {
      // §9.2: a CANCEL that matches no transaction gets 481; one that does, 200 and the
      // INVITE 487 (no module is handling that INVITE, or it would have taken the CANCEL).
      const invite = this.transactions.findInviteForCancel(r);
      if (invite === undefined) return req.respond(481);
      req.respond(200);
      if (invite.lastResponse === undefined || invite.lastResponse.status < 200) {
        invite.respond(createResponse(invite.request, 487));
      }
      return;
    }
    if (!req.isLocal) {
      // §16.3 step 3 for the element that would forward: Max-Forwards 0 → 483.
      if (r.maxForwards === 0) return req.respond(483);
      return req.respond(403, { reason: 'Relaying Forbidden' });
    }
    // §12.2.2: an in-dialog request for a dialog we do not have.
    if (r.to.tag !== undefined) return req.respond(481);
    const allow: Array<[string, string]> = [['Allow', this.allowedMethods().join(', ')]];
    if ((STANDARD_METHODS as readonly string[]).includes(r.method)) return req.respond(405, { headers: allow });
    req.respond(501, { headers: allow });
  }

  private incoming(request: SipRequest, rx: ReceivedContext, tx: ServerTransaction | undefined): IncomingRequest {
    let toTag: string | undefined;
    let answered = false;
    // Requests answered statelessly are tracked too, so a graceful stop waits for them.
    const trackId = tx?.id ?? (request.method === 'ACK' ? undefined : `stateless-${++this.statelessSeq}`);
    const send = (res: SipResponse): void => {
      if (res.status >= 200) {
        answered = true;
        if (trackId !== undefined) this.unanswered.delete(trackId);
      }
      if (tx !== undefined) tx.respond(res);
      else if (request.method !== 'ACK') {
        if (res.status >= 200) this.statelessResponses.store(request, res);
        this.sendStateless(res, request, rx);
      }
    };
    const incoming: IncomingRequest = {
      request,
      rx,
      ...(tx === undefined ? {} : { transactionId: tx.id }),
      isLocal: this.options.identity.isLocalUri(request.uri),
      get answered() {
        return answered;
      },
      respond: (status: number, opts: ResponseOptions = {}) => {
        toTag ??= request.to.tag ?? newTag();
        send(createResponse(request, status, { ...opts, toTag }));
      },
      send,
    };
    if (trackId !== undefined) this.unanswered.set(trackId, incoming);
    return incoming;
  }

  private sendStateless(res: SipResponse, req: SipRequest, rx: ReceivedContext): void {
    void this.options.transport.send(res, responseDestination(req.topVia, rx));
  }
}
