/**
 * Building the request for one branch (RFC 3261 §16.6 steps 1–8): copy, new Request-URI,
 * Max-Forwards, Record-Route, Route (Path), strict-router post-processing, our Via.
 */
import { type SipRequest, type Via, copyRequest, parseNameAddr } from '../sip/message/index.js';
import type { Target } from './targets.js';
import { bracketHost } from '../sip/transport/index.js';

export interface BranchRequestOptions {
  readonly target: Target;
  /** Record-Route values to insert, topmost first (§16.6 step 4); empty for none. */
  readonly recordRoute: readonly string[];
  /** This proxy's Via for the branch (§16.6 step 8). */
  readonly via: Via;
  /** Proxy-Authorization values to remove: credentials this proxy consumed (§22.3). */
  readonly consumeProxyAuthorization?: boolean;
}

export function branchRequest(original: SipRequest, o: BranchRequestOptions): SipRequest {
  // §16.6 step 1: "Copy request".
  const r = copyRequest(original);
  // Step 2: "The proxy MUST place the URI into the Request-URI of the copy".
  r.uri = o.target.uri;
  // Step 3: "If the copy contains a Max-Forwards header field, the proxy MUST decrement its
  // value by one (1). If the copy does not contain a Max-Forwards header field, the proxy
  // MUST add one with a field value, which SHOULD be 70."
  const mf = original.maxForwards;
  r.setHeader('max-forwards', mf === undefined ? 70 : mf - 1);
  // Step 4: Record-Route, "inserted ... before any existing Record-Route header field values".
  for (let i = o.recordRoute.length - 1; i >= 0; i--) r.addHeader('record-route', o.recordRoute[i], 'first');
  // Step 5/6: the binding's Path becomes the first Route values (RFC 3327 §5.3).
  const routes = o.target.routes ?? [];
  for (let i = routes.length - 1; i >= 0; i--) r.addHeader('route', routes[i], 'first');
  // Step 6 (postprocess routing): a strict router as next hop gets the Request-URI moved to
  // the end of the Route set and its own URI as Request-URI (§16.6 step 6, §12.2.1.1).
  const top = r.header('route') === undefined ? undefined : (r.headerValues('route') ?? [])[0];
  const topRoute = top === undefined ? undefined : parseNameAddr(top);
  if (topRoute !== undefined && topRoute.uri.kind === 'sip' && !topRoute.uri.lr) {
    r.removeFirstValue('route');
    r.addHeader('route', `<${r.uri.toString()}>`, 'last');
    r.uri = topRoute.uri;
  }
  if (o.consumeProxyAuthorization === true) r.removeHeader('proxy-authorization');
  // Step 8: "The proxy MUST insert a Via header field value into the copy before the existing
  // Via header field values."
  r.addHeader('via', o.via, 'first');
  return r;
}

/**
 * A Record-Route value for this proxy's address (§16.6 step 4; `lr` for loose routing), with
 * a flow token as its user part when the UA on that side is reached over a flow (RFC 5626
 * §5.3; `ob` marks the entry as an outbound edge's).
 */
export function recordRouteValue(host: string, port: number, transport: string, flowToken?: string): string {
  const h = bracketHost(host);
  const t = transport === 'udp' ? '' : `;transport=${transport}`;
  return flowToken === undefined ? `<sip:${h}:${port}${t};lr>` : `<sip:${flowToken}@${h}:${port}${t};lr;ob>`;
}
