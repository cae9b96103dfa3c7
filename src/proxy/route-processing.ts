/** Route processing of a received request (RFC 3261 §16.4), in place. */
import { type SipRequest, type Uri, parseNameAddr } from '../sip/message/index.js';

function firstRoute(req: SipRequest): Uri | undefined {
  if (req.header('route') === undefined) return undefined;
  const values = req.headerValues('route') ?? [];
  return values.length === 0 ? undefined : parseNameAddr(values[0])?.uri;
}

/**
 * §16.4: "If the Request-URI of the request contains a value this proxy previously placed
 * into a Record-Route header field, the proxy MUST replace the Request-URI in the request
 * with the last value from the Route header field, and remove that value from the Route
 * header field" (a strict router upstream). Then: "If the first value in the Route header
 * field indicates this proxy, the proxy MUST remove that value" — all of our values, since a
 * double Record-Route leaves two. Returns the URI of the Route that now comes first, if any.
 */
export interface RouteResult {
  /** The URI of the Route that now comes first (the next hop), if any. */
  readonly next: Uri | undefined;
  /** Whether the request carried a Route entry of ours: it is on a path we agreed to be on. */
  readonly viaUs: boolean;
  /** The user parts of the entries of ours that were removed, in order (flow tokens). */
  readonly ourUsers: readonly string[];
}

/**
 * `isFlowToken`: a user part that is one of our flow tokens — our Record-Route URIs carry one
 * (flow-token.ts), so a Request-URI with such a user can still be a value we placed.
 */
export function processRoutes(req: SipRequest, isMe: (uri: Uri) => boolean, isFlowToken: (user: string) => boolean = () => false): RouteResult {
  let viaUs = false;
  const ourUsers: string[] = [];
  const routes = req.header('route') === undefined ? [] : (req.headerValues('route') ?? []);
  const uri = req.uri;
  if (routes.length > 0 && uri.kind === 'sip' && (uri.user === undefined || isFlowToken(uri.user)) && uri.lr && isMe(uri)) {
    const last = parseNameAddr(routes[routes.length - 1]);
    if (last !== undefined) {
      viaUs = true;
      if (uri.user !== undefined) ourUsers.push(uri.user);
      req.uri = last.uri;
      const kept = routes.slice(0, -1);
      req.removeHeader('route');
      for (const r of kept) req.addHeader('route', r);
    }
  }
  for (;;) {
    const top = firstRoute(req);
    if (top === undefined || !isMe(top)) return { next: top, viaUs, ourUsers };
    viaUs = true;
    if (top.kind === 'sip' && top.user !== undefined) ourUsers.push(top.user);
    req.removeFirstValue('route');
  }
}
