/**
 * The stateful proxy (RFC 3261 §16) as an endpoint module: request validation (§16.3), Route
 * processing (§16.4), authentication of domain users (§22.3, 407), the target set from the
 * location service (§16.5), forking with a response context (§16.6, §16.7), CANCEL (§16.10),
 * and stateless forwarding of ACK for 2xx and stray 2xx retransmissions (§16.11).
 * The server is never an open relay: a request for a foreign domain is refused with 403.
 */
import type { Clock } from '../lib/index.js';
import type { DigestVerdict, UserDirectory } from '../auth/index.js';
import type { LocationStore } from '../location/index.js';
import { aorKey } from '../registrar/index.js';
import type { Endpoint, EndpointLog, EndpointModule, IncomingRequest, IncomingResponse } from '../sip/endpoint/index.js';
import { type SipRequest, type Uri, type Via, parseNameAddr, unescape } from '../sip/message/index.js';
import { Forwarder } from './forwarder.js';
import { isLoop, loopHash } from './loop-detection.js';
import { resolveNextHop } from './next-hop.js';
import { ResponseContext } from './response-context.js';
import { processRoutes } from './route-processing.js';
import { type Target, forkingGroups, targetFromBinding } from './targets.js';

export interface ProxyAuthenticator {
  challenge(realm: string, stale?: boolean): string[];
  verify(request: SipRequest, realm: string, kind: 'www' | 'proxy'): DigestVerdict;
}

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
}

/** Methods whose unauthenticated use by a domain user is refused (initial requests only). */
const AUTHENTICATED = new Set(['INVITE', 'MESSAGE', 'SUBSCRIBE', 'REFER', 'PUBLISH', 'OPTIONS', 'INFO', 'UPDATE', 'NOTIFY']);
/** Requests that create dialogs get a Record-Route so the dialog's requests come back here. */
const DIALOG_FORMING = new Set(['INVITE', 'SUBSCRIBE', 'REFER', 'NOTIFY']);

export function createProxyModule(o: ProxyOptions): EndpointModule {
  const forwarder = new Forwarder(o.endpoint);
  const contexts = new Map<string, ResponseContext>();
  const identity = o.endpoint.identity;
  const isMe = (uri: Uri): boolean => uri.kind === 'sip' && identity.isLocalAddress(uri.host, uri.port ?? (uri.scheme === 'sips' ? 5061 : 5060));
  const isOurVia = (via: Via): boolean => identity.isLocalAddress(via.host, via.port ?? 5060);

  async function onRequest(req: IncomingRequest): Promise<boolean> {
    const r = req.request;
    if (r.method === 'CANCEL') return cancel(req);
    const receivedUri = r.uri.toString();

    // §16.3 step 3: "If the request does not contain a Max-Forwards header field, this step
    // is passed. If it does, and its value is zero, the element MUST NOT forward the request"
    // (OPTIONS to this server was answered by the endpoint before reaching us).
    const routed = processRoutes(r, isMe);
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
    if (initial && r.method !== 'ACK') {
      const authResult = authenticate(req);
      if (authResult === 'answered') return true;
      consumed = authResult === 'consumed';
    }

    // Where does it go? A remaining Route decides the next hop (§16.4 / §16.6 step 7); an
    // in-dialog request whose route set ended with us goes to its Request-URI. One that never
    // had a Route of ours is not on a path we are part of: refused, or we would relay anything.
    let targets: Target[];
    if (!initial && !local && routeTop === undefined && !routed.viaUs) {
      return answer(req, 403, 'Relaying Forbidden');
    }
    if (routeTop !== undefined || (!local && !initial)) {
      const hop = await resolveNextHop(routeTop ?? r.uri);
      if (!hop.ok) return answer(req, hop.status, hop.reason);
      targets = [{ uri: r.uri, destination: hop.destination, q: 1 }];
    } else if (local) {
      // …else the location service for our domains (§16.5).
      const found = await locate(r.uri);
      if (typeof found === 'number') return answer(req, found);
      targets = found;
    } else {
      // Never an open relay: a foreign Request-URI without a route set through us.
      return answer(req, 403, 'Relaying Forbidden');
    }

    if (r.method === 'ACK') {
      for (const t of targets) if (t.destination !== undefined) await forwarder.sendStateless(r, receivedUri, t.destination);
      return true;
    }
    const plan = {
      request: r,
      receivedUri,
      loopHash: loopHash(r, receivedUri, r.topVia),
      inbound: req.rx.local,
      recordRoute: (o.recordRoute ?? true) && initial && DIALOG_FORMING.has(r.method),
      consumeProxyAuthorization: consumed,
    };
    let index = 0;
    const id = req.transactionId;
    const ctx = new ResponseContext(r, forkingGroups(targets), {
      clock: o.clock,
      timerCMs: o.timerCMs ?? 180_000,
      respond: (res) => req.send(res),
      startBranch: (target, events) => forwarder.startBranch(plan, target, index++, events),
      finished: () => void (id !== undefined && contexts.delete(id)),
    });
    if (id !== undefined) contexts.set(id, ctx);
    ctx.start();
    return true;
  }

  /** Returns 'answered' when a 407/403/400 went out, 'consumed' when credentials were ours. */
  function authenticate(req: IncomingRequest): 'answered' | 'consumed' | 'none' {
    const r = req.request;
    if (o.auth === undefined || !AUTHENTICATED.has(r.method) || o.isTrusted(req.rx.source.host)) return 'none';
    const from = r.from.uri;
    if (from.kind !== 'sip' || !identity.isLocalDomain(from.host)) return 'none';
    const realm = from.hostname;
    const verdict = o.auth.verify(r, realm, 'proxy');
    if (verdict.kind === 'malformed') return (answer(req, 400, verdict.reason), 'answered');
    if (verdict.kind !== 'ok') {
      // §22.3: "407 (Proxy Authentication Required) ... MUST include a Proxy-Authenticate".
      const headers = o.auth.challenge(realm, verdict.kind === 'stale').map((v) => ['Proxy-Authenticate', v] as [string, string]);
      req.respond(407, { headers });
      if (verdict.kind === 'failed') o.log?.warn({ securityEvent: 'auth-failed', source: req.rx.source, from: from.toString(), reason: verdict.reason }, 'proxy authentication failed');
      return 'answered';
    }
    // The authenticated user may only send as itself.
    if (verdict.username !== unescape(from.user ?? '')) return (answer(req, 403, 'From Does Not Match Credentials'), 'answered');
    return 'consumed';
  }

  /** §16.5 target set: 404 for an unknown user, 480 for a known one with no binding. */
  async function locate(uri: Uri): Promise<Target[] | number> {
    if (uri.kind !== 'sip') return 416;
    const aor = aorKey(uri);
    let bindings;
    try {
      bindings = await o.location.lookup(aor, o.clock.wallNow());
    } catch (err) {
      o.log?.error({ err, aor }, 'location lookup failed');
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
        targets.push(t);
        continue;
      }
      const hop = await resolveNextHop(first === undefined ? t.uri : (parseNameAddr(first)?.uri ?? t.uri));
      targets.push(hop.ok ? { ...t, destination: hop.destination } : t);
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
  };
}
