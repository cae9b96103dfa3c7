/**
 * Where flow tokens are made and used (flow-token.ts): the caller's token for the Record-Route
 * of a dialog-creating request, and the flow an in-dialog request must take.
 */
import { behindNat } from '../registrar/index.js';
import type { IncomingRequest } from '../sip/endpoint/index.js';
import { parseNameAddr } from '../sip/message/index.js';
import type { Destination } from '../sip/transport/index.js';
import { type FlowTokens, cameOn } from './flow-token.js';

/**
 * A token for the caller's flow when its Contact will not reach it: it came over a stream
 * connection (a WebSocket client's Contact is not even dialable; RFC 7118 §5), or it is
 * behind a NAT (nat_uac_test(19)). Undefined: its Contact is good enough.
 */
export function callerFlowToken(tokens: FlowTokens, req: IncomingRequest): string | undefined {
  const { source, connectionId } = req.rx;
  const transport = source.transport;
  if (connectionId !== undefined && transport !== 'udp') return tokens.encode({ transport, host: source.host, port: source.port, connectionId });
  if (transport !== 'udp') return undefined;
  const contactHosts: string[] = [];
  for (const v of req.request.headerValues('contact') ?? []) {
    const na = parseNameAddr(v);
    if (na?.uri.kind === 'sip') contactHosts.push(na.uri.hostname);
  }
  return behindNat(req.request, source.host, source.port, contactHosts) ? tokens.encode({ transport, host: source.host, port: source.port }) : undefined;
}

/** The callee's token: a target reached over its flow (pinhole or connection) has one. */
export function calleeFlowToken(tokens: FlowTokens, dest: Destination): string {
  return tokens.encode({ transport: dest.transport, host: dest.host, port: dest.port, ...(dest.connectionId === undefined ? {} : { connectionId: dest.connectionId }) });
}

/**
 * RFC 5626 §5.3: an in-dialog request that removed an entry of ours carrying a token, and did
 * not arrive on the flow that token names, goes over that flow — whatever its Request-URI
 * says. The first such token wins (with one per side, the other side's token is the one the
 * request did arrive on).
 */
export function flowDestination(tokens: FlowTokens, ourUsers: readonly string[], req: IncomingRequest): Destination | undefined {
  for (const user of ourUsers) {
    const flow = tokens.decode(user);
    if (flow === undefined || cameOn(flow, req.rx.source, req.rx.connectionId)) continue;
    return { transport: flow.transport, host: flow.host, port: flow.port, ...(flow.connectionId === undefined ? {} : { connectionId: flow.connectionId }) };
  }
  return undefined;
}
