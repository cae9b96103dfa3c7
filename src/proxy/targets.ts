/**
 * The target set (RFC 3261 §16.5) from the location service, and the order it is tried in:
 * "parallel to all contacts of equal q, serial across q groups" (§16.6: a proxy may try
 * targets in parallel or in sequence; q gives the preference, highest first).
 */
import type { Binding } from '../location/index.js';
import { type Uri, parseUri } from '../sip/message/index.js';
import { type Destination, isTransportKind } from '../sip/transport/index.js';

export interface Target {
  /** The new Request-URI (§16.6 step 2). */
  readonly uri: Uri;
  /**
   * Where to send it when known up front: for a registered contact behind a NAT, the address
   * its REGISTER came from (the pinhole); for a stream transport, the connection it
   * registered on while this node holds it (RFC 5626 flows; a WebSocket client cannot be
   * dialled at all). Undefined: the next hop comes from Route / Request-URI (§16.6 step 7).
   */
  readonly destination?: Destination;
  /**
   * Where to try next, in order, when `destination` fails (RFC 3263 §4.3: a transport
   * failure, a timeout without any response, or a 503): the other addresses of its name and servers of its SRV list.
   */
  readonly alternates?: readonly Destination[];
  /** Route header values to put first (RFC 3327 Path of the binding). */
  readonly routes?: readonly string[];
  readonly q: number;
  /** `destination` is the UA's flow, not its Contact: its Record-Route gets a flow token. */
  readonly viaFlow?: true;
}

/** A binding becomes a target; undefined when its contact no longer parses (skipped). */
export function targetFromBinding(b: Binding, node: string | undefined): Target | undefined {
  const uri = parseUri(b.contact);
  if (uri === undefined) return undefined;
  const transport = b.source.transport.toLowerCase();
  let destination: Destination | undefined;
  if (isTransportKind(transport)) {
    const base = { transport, host: b.source.host, port: b.source.port };
    // A connection id means something only on the node that holds the connection.
    const ownConnection = b.connectionId !== undefined && (b.node === undefined || b.node === node);
    if (ownConnection) destination = { ...base, connectionId: b.connectionId };
    // RFC 5626 §5.3: a binding registered with outbound (instance + reg-id) is reached over
    // its flow — the pinhole or connection the REGISTER came through — whatever its Contact.
    else if (b.nat === true || (b.regId !== undefined && b.instanceId !== undefined) || transport === 'ws' || transport === 'wss') destination = base;
  }
  return {
    uri,
    q: b.q,
    ...(destination === undefined ? {} : { destination }),
    ...(b.path === undefined || b.path.length === 0 ? {} : { routes: b.path }),
  };
}

/** Groups targets by q, highest first: each group is forked in parallel, groups in sequence. */
export function forkingGroups(targets: readonly Target[]): Target[][] {
  const byQ = new Map<number, Target[]>();
  for (const t of targets) {
    const g = byQ.get(t.q);
    if (g === undefined) byQ.set(t.q, [t]);
    else g.push(t);
  }
  return [...byQ.entries()].sort((a, b) => b[0] - a[0]).map(([, g]) => g);
}
