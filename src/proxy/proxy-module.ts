/**
 * The stateful proxy (RFC 3261 §16) as an endpoint module: request validation (§16.3), Route
 * processing (§16.4), authentication of domain users (§22.3, 407), the target set from the
 * location service (§16.5), forking with a response context (§16.6, §16.7), CANCEL (§16.10),
 * and stateless forwarding of ACK for 2xx and stray 2xx retransmissions (§16.11).
 * The server is never an open relay: a request for a foreign domain is refused with 403.
 */
import type { Clock } from '../lib/index.js';
import type { UserDirectory } from '../auth/index.js';
import type { LocationStore } from '../location/index.js';
import { aorKey } from '../registrar/index.js';
import { type Endpoint, type EndpointLog, type EndpointModule, type IncomingRequest, type IncomingResponse, sipLogFields } from '../sip/endpoint/index.js';
import { type SipRequest, type SipResponse, type Uri, type Via, createResponse, parseNameAddr, unescape } from '../sip/message/index.js';
import { type ActionContext, resolveAction } from './action-targets.js';
import type { AuthEvent, CallPolicy } from './call-policy.js';
import { CallTracker } from './call-tracker.js';
import { MediaAnchor, type MediaControl, type MediaMode, type OfferState, warningValue } from './media-anchor.js';
import { DialogTerminator } from './dialog-terminator.js';
import { Forwarder } from './forwarder.js';
import { FlowTokens } from './flow-token.js';
import { callerFlowToken, flowDestination } from './flow-routing.js';
import { requestView } from './request-view.js';
import { type RequestView, type RouteRule, Router, type RoutingPolicy } from './routing/index.js';
import { isLoop, loopHash } from './loop-detection.js';
import { ProxyAuth, type ProxyAuthenticator } from './proxy-auth.js';
import { type NextHop, type NextHopResolver, reachOf, resolveNextHop } from './next-hop.js';
import { ResponseContext } from './response-context.js';
import { processRoutes } from './route-processing.js';
import { type Target, forkingGroups, targetFromBinding } from './targets.js';

export interface ProxyOptions {
  readonly endpoint: Endpoint;
  readonly location: LocationStore;
  /** Digest authentication of requests from our domains' users (407). */
  readonly auth?: ProxyAuthenticator;
  /** To tell an unknown user (404) from a known one with no binding (480). */
  readonly users?: UserDirectory;
  /** Sources exempt from authentication (configured trusted networks). */
  readonly isTrusted: (ip: string) => boolean;
  readonly clock: Clock;
  /** Timer C in ms (default 180,000; RFC 3261 §16.6 step 11: greater than 3 minutes). */
  readonly timerCMs?: number;
  /** Record-Route dialog-forming requests (default true). */
  readonly recordRoute?: boolean;
  readonly node?: string;
  readonly log?: EndpointLog;
  /** The routing policy (route list, trunks, hooks); default: registered users only. */
  readonly router?: Router;
  /** Call admission (toll-fraud limits); asked for every initial INVITE after authentication. */
  readonly callPolicy?: CallPolicy;
  /** Failed or malformed authentication, identity mismatches (for bans and the SIEM log). */
  readonly onAuthEvent?: (event: AuthEvent) => void;
  /**
   * Calls from a foreign domain to our users from an untrusted source ("guest calls").
   * Default false: refused with 403, as scanners probe exactly this.
   */
  readonly guestCalls?: boolean;
  /** The live call list (default: a new tracker). */
  readonly calls?: CallTracker;
  /** Media anchoring: the relay controller, and when to use it (a route may override). */
  readonly media?: MediaControl;
  readonly mediaMode?: MediaMode;
  /** RFC 3263 DNS queries (default: node:dns behind the shared answer cache). */
  readonly dns?: NextHopResolver;
}

/** Requests that create dialogs get a Record-Route so the dialog's requests come back here. */
const DIALOG_FORMING = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

export interface ProxyModule extends EndpointModule {
  /** The calls in progress through this proxy. */
  readonly calls: CallTracker;
  /**
   * Ends a call from the middle (media timeout): BYE to both parties of its record-routed
   * dialog, relay ports released; false when no such dialog is known.
   */
  terminate(callId: string, reason: string): boolean;
}

export function createProxyModule(o: ProxyOptions): ProxyModule {
  const flowTokens = new FlowTokens();
  const forwarder = new Forwarder(o.endpoint, flowTokens);
  const router = o.router ?? new Router();
  const nextHop = (uri: Uri): Promise<NextHop> => resolveNextHop(uri, o.dns);
  const calls = o.calls ?? new CallTracker({ clock: o.clock, onEnded: (id) => o.callPolicy?.ended(id) });
  const isTrusted = (ip: string): boolean => o.isTrusted(ip) || router.trunkFromSource(ip) !== undefined;
  const identity = o.endpoint.identity;
  const auth = new ProxyAuth({ ...o, isTrusted, isLocalDomain: (host) => identity.isLocalDomain(host) });
  const anchor = o.media === undefined ? undefined : new MediaAnchor(o.media, o.log);
  const dialogs = new DialogTerminator(o.endpoint);
  // A call forgotten by the tracker (its BYE never passed here) is forgotten here too.
  calls.onEnd((callId) => dialogs.forget(callId));
  const contexts = new Map<string, ResponseContext>();
  const isMe = (uri: Uri): boolean => uri.kind === 'sip' && identity.isLocalAddress(uri.host, uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060));
  const isOurVia = (via: Via): boolean => identity.isLocalAddress(via.host, via.port ?? 5060);

  async function onRequest(req: IncomingRequest): Promise<boolean> {
    const r = req.request;
    if (r.method === 'CANCEL') return cancel(req);
    const receivedUri = r.uri.toString();

    // §16.3 step 3: "If the request does not contain a Max-Forwards header field, this step
    // is passed. If it does, and its value is zero, the element MUST NOT forward the request"
    // (OPTIONS to this server was answered by the endpoint before reaching us).
    const routed = processRoutes(r, isMe, (u) => flowTokens.decode(u) !== undefined);
    const routeTop = routed.next;
    const local = routeTop === undefined && identity.isLocalUri(r.uri);
    if (local && r.uri.kind === 'sip' && r.uri.user === undefined) return false; // for the server itself
    if (r.maxForwards === 0) return answer(req, 483);
    // §16.3 step 4: loop detection with the §16.6 step 8 branch.
    if (isLoop(r, receivedUri, isOurVia)) return answer(req, 482);
    // §16.3 step 5: Proxy-Require lists extensions the proxy must support; we support none.
    const proxyRequire = (r.headerValues('proxy-require') ?? []).filter((t) => t !== '');
    if (proxyRequire.length > 0 && r.method !== 'ACK') {
      return answer(req, 420, 'Bad Extension', [['Unsupported', proxyRequire.join(', ')]]);
    }

    const initial = r.to.tag === undefined;
    let consumed = false;
    let user: string | undefined;
    if (initial && r.method !== 'ACK') {
      const authResult = auth.authenticate(req);
      if (authResult.kind === 'answered') return true;
      if (authResult.kind === 'consumed') {
        consumed = true;
        user = authResult.user;
      } else if (!auth.guestAllowed(req)) {
        return answer(req, 403, 'Guest Calls Not Allowed');
      }
    } else if (!initial) {
      calls.inDialog(r.callId, r.method);
      dialogs.inDialog(r);
      if (r.method === 'BYE') anchor?.end(r.callId, 'bye');
    }

    // Where does it go? A remaining Route decides the next hop (§16.4 / §16.6 step 7); an
    // in-dialog request whose route set ended with us goes to its Request-URI. One that never
    // had a Route of ours is not on a path we are part of: refused, or we would relay anything.
    let targets: Target[];
    const policy = router.current;
    let view: RequestView | undefined;
    let rule: RouteRule | undefined;
    if (!initial && !local && routeTop === undefined && !routed.viaUs) {
      return answer(req, 403, 'Relaying Forbidden');
    }
    const flow = routeTop === undefined && !initial ? flowDestination(flowTokens, routed.ourUsers, req) : undefined;
    if (flow === undefined && !initial && local && !routed.viaUs) {
      // In-dialog (a To tag) to one of our users' AORs, yet not on a path we record-routed:
      // no dialog of ours. Forwarding it would reach the user's phones without authentication
      // (in-dialog requests are not challenged), and a stray one — a load generator's BYE
      // for an aborted registration — would cost a client transaction retransmitting for
      // 64·T1. Kamailio's default config answers "404 Not here"; an ACK has nothing to answer.
      return r.method === 'ACK' ? true : answer(req, 404, 'Not Here');
    }
    if (flow !== undefined) {
      targets = [{ uri: r.uri, destination: flow, q: 1 }];
    } else if (routeTop !== undefined || (!local && !initial)) {
      const hop = await nextHop(routeTop ?? r.uri);
      if (!hop.ok) return answer(req, hop.status, hop.reason);
      targets = [{ uri: r.uri, q: 1, ...reachOf(hop) }];
    } else {
      // Initial requests: the routing policy (hooks, then the route list), else the location
      // service for our domains (§16.5); a foreign Request-URI nothing routes is refused —
      // the server is never an open relay.
      view = requestView(r, req.rx.source, user);
      const decision = await router.decide(policy, view);
      rule = decision?.rule;
      const action = decision?.action ?? (local ? { kind: 'location' as const } : undefined);
      if (action === undefined) return answer(req, 403, 'Relaying Forbidden');
      if (r.method === 'INVITE') {
        if (admitCall(req, view)) return true;
        calls.started(r.callId, { from: r.from.uri.toString(), to: r.to.uri.toString(), user, source: req.rx.source });
      }
      const outcome = await resolveAction(action, actionContext(r, policy));
      if (outcome.kind === 'answer') {
        if (r.method === 'INVITE') calls.response(r.callId, outcome.status);
        return answer(req, outcome.status, outcome.reason, outcome.headers);
      }
      targets = outcome.targets;
    }

    if (r.method === 'ACK') {
      await anchor?.ack(r, req.rx.source);
      for (const t of targets) if (t.destination !== undefined) await forwarder.sendStateless(r, receivedUri, t.destination);
      return true;
    }
    // Media: the offer in an INVITE or UPDATE goes through the relay (per the route's or the
    // configured mode); the answer is caught in the response below.
    let offer: OfferState | undefined;
    const mediaMethod = r.method === 'INVITE' || r.method === 'UPDATE';
    const relayed = anchor !== undefined && mediaMethod && (initial ? anchorWanted(rule, req, targets) : anchor.has(r.callId));
    if (relayed) {
      const m = await anchor.request(r, req.rx.source);
      if (!m.ok) {
        if (initial && r.method === 'INVITE') calls.response(r.callId, m.status);
        const headers: Array<[string, string]> = m.warning === undefined ? [] : [['Warning', warningValue(req.rx.local.host, m.warning)]];
        return answer(req, m.status, m.reason, headers);
      }
      offer = m.state;
    }
    const recordRoute = (o.recordRoute ?? true) && initial && DIALOG_FORMING.has(r.method);
    const plan = {
      request: r,
      receivedUri,
      loopHash: loopHash(r, receivedUri, r.topVia),
      inbound: req.rx.local,
      recordRoute,
      ...(recordRoute ? { callerFlowToken: callerFlowToken(flowTokens, req) } : {}),
      consumeProxyAuthorization: consumed,
    };
    let index = 0;
    const id = req.transactionId;
    const tracked = view !== undefined && r.method === 'INVITE';
    let answeredBy: Target['destination'];
    let mediaChain: Promise<void> = Promise.resolve();
    const branchView = (t: Target): { uri: string; destination: string | undefined } => ({
      uri: t.uri.toString(),
      destination: t.destination === undefined ? undefined : `${t.destination.transport}:${t.destination.host}:${t.destination.port}`,
    });
    const ctx = new ResponseContext(r, forkingGroups(targets), {
      clock: o.clock,
      timerCMs: o.timerCMs ?? 180_000,
      respond: (res) => {
        const forward = (): void => {
          if (tracked) calls.response(r.callId, res.status);
          // Only a relayed call can time out (no RTP), so only its dialog is kept for the BYEs:
          // the others would be parsed and held for the whole call for nothing.
          if (tracked && relayed && res.status >= 200 && res.status < 300 && plan.recordRoute) {
            const source = req.rx.connectionId === undefined ? req.rx.source : { ...req.rx.source, connectionId: req.rx.connectionId };
            dialogs.confirmed(r, source, res, answeredBy);
          }
          if (tracked && res.status >= 300) anchor?.end(r.callId, `final ${res.status}`);
          req.send(res);
        };
        if (offer === undefined || anchor === undefined) return forward();
        // Responses keep their order while their SDP is being anchored.
        const state = offer;
        mediaChain = mediaChain.then(() => anchor.response(r, state, res)).then(forward, forward);
      },
      startBranch: (target, events) => {
        let extra: Readonly<Record<string, string>> | undefined;
        if (view !== undefined) {
          const d = router.branch(policy, view, branchView(target));
          if (d !== undefined && 'drop' in d) return { failed: 480, reason: 'Branch Dropped By Policy' };
          extra = d?.headers;
        }
        const v = view;
        const observed = {
          ...events,
          response: (res: SipResponse): void => {
            if (res.status >= 200 && res.status < 300 && answeredBy === undefined) answeredBy = target.destination;
            if (v !== undefined && policy.hooks.onReply !== undefined) router.reply(policy, v, { status: res.status, reason: res.reason, branch: branchView(target) });
            events.response(res);
          },
        };
        return forwarder.startBranch(extra === undefined ? plan : { ...plan, extraHeaders: extra }, target, index++, observed);
      },
      finished: () => {
        if (id !== undefined) contexts.delete(id);
        // An anchored call's retransmitted 2xx still needs its SDP rewritten (respond above).
        if (offer === undefined) ctx.release();
      },
      ...(view === undefined ? {} : { failover: (best) => failover(view as RequestView, rule, best.status, best.reason, policy, r) }),
    });
    if (id !== undefined) contexts.set(id, ctx);
    ctx.start();
    return true;
  }

  /** Anchor media for a new call? The route's mode wins over the configured one. */
  function anchorWanted(rule: RouteRule | undefined, req: IncomingRequest, targets: readonly Target[]): boolean {
    const mode = rule?.media ?? o.mediaMode ?? 'always';
    if (mode === 'never') return false;
    if (mode === 'always') return true;
    // 'nat': the caller's Via does not name the address it sent from, or a callee is reached
    // through a pinhole or flow rather than its Contact.
    const callerNat = req.request.topVia.host !== req.rx.source.host;
    return callerNat || targets.some((t) => t.destination !== undefined && t.routes === undefined);
  }

  /** The call policy's verdict on an initial INVITE; true when it was refused (and answered). */
  function admitCall(req: IncomingRequest, view: RequestView): boolean {
    if (o.callPolicy === undefined) return false;
    const verdict = o.callPolicy.admit({ callId: view.callId, user: view.user, from: view.from, requestUri: view.ruri, dialled: view.ruriUser, source: req.rx.source });
    if (verdict.ok) return false;
    answer(req, verdict.status, verdict.reason);
    return true;
  }

  function actionContext(r: SipRequest, policy: RoutingPolicy): ActionContext {
    return {
      ruri: r.uri,
      dialled: r.uri.kind === 'sip' ? unescape(r.uri.user ?? '') : '',
      trunks: policy.trunks,
      locate: (uri) => locate(uri, r),
      isLocalUri: (u) => identity.isLocalUri(u),
      nextHop,
    };
  }

  /** Failure route: new targets continue the call, a reject replaces the best response. */
  async function failover(view: RequestView, rule: RouteRule | undefined, status: number, reason: string, policy: RoutingPolicy, r: SipRequest) {
    const action = await router.failure(policy, view, rule, status, reason);
    if (action === undefined || action.kind === 'redirect') return undefined;
    if (action.kind === 'reject') return createResponse(r, action.status, action.reason === undefined ? {} : { reason: action.reason });
    const outcome = await resolveAction(action, actionContext(r, policy));
    return outcome.kind === 'targets' ? forkingGroups(outcome.targets) : undefined;
  }

  /** §16.5 target set: 404 for an unknown user, 480 for a known one with no binding. */
  async function locate(uri: Uri, r: SipRequest): Promise<Target[] | number> {
    if (uri.kind !== 'sip') return 416;
    const aor = aorKey(uri);
    let bindings;
    try {
      bindings = await o.location.lookup(aor, o.clock.wallNow());
    } catch (err) {
      o.log?.error({ err, ...sipLogFields(r), aor }, 'location lookup failed');
      return 500;
    }
    const targets: Target[] = [];
    for (const b of bindings) {
      const t = targetFromBinding(b, o.node);
      if (t === undefined) continue;
      // §16.6 step 7: with a Path the next hop is its first entry; without a known address
      // (a UA not behind NAT) it comes from the Contact itself.
      const first = t.routes?.[0];
      if (t.destination !== undefined && first === undefined) {
        targets.push({ ...t, viaFlow: true });
        continue;
      }
      const hop = await nextHop(first === undefined ? t.uri : (parseNameAddr(first)?.uri ?? t.uri));
      targets.push(hop.ok ? { ...t, ...reachOf(hop) } : t);
    }
    if (targets.length > 0) return targets;
    const known = o.users?.find(unescape(uri.user ?? ''), uri.hostname) !== undefined;
    return known ? 480 : 404;
  }

  /** §16.10: CANCEL for a request this proxy is forwarding. */
  function cancel(req: IncomingRequest): boolean {
    const invite = o.endpoint.transactions.findInviteForCancel(req.request);
    const ctx = invite === undefined ? undefined : contexts.get(invite.id);
    if (ctx === undefined) return false;
    // "the proxy MUST respond to the CANCEL (rather than simply forwarding a response ...)"
    req.respond(200);
    ctx.cancel();
    return true;
  }

  function answer(req: IncomingRequest, status: number, reason?: string, headers?: ReadonlyArray<readonly [string, string]>): boolean {
    req.respond(status, { ...(reason === undefined ? {} : { reason }), ...(headers === undefined ? {} : { headers }) });
    return true;
  }

  return {
    name: 'proxy',
    priority: 'proxy',
    methods: ['*'],
    onRequest,
    onStrayResponse: (res: IncomingResponse) => forwarder.forwardStrayResponse(res.response, isOurVia),
    calls,
    terminate(callId: string, reason: string): boolean {
      const sent = dialogs.terminate(callId, reason);
      anchor?.end(callId, reason);
      calls.terminated(callId, reason);
      return sent;
    },
    async stop() {
      calls.stop();
    },
  };
}
