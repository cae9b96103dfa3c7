/**
 * Sending for the proxy: one client transaction per branch (§16.6 steps 9–11), CANCEL of a
 * branch (§9.1), and stateless forwarding of ACK for 2xx and of stray responses (§16.11).
 */
import type { Endpoint } from '../sip/endpoint/index.js';
import type { SipRequest, SipResponse, Via } from '../sip/message/index.js';
import { buildCancel } from '../sip/transaction/index.js';
import { type Destination, type NetAddress, localViaFor } from '../sip/transport/index.js';
import { branchRequest, recordRouteValue } from './branch-request.js';
import { calleeFlowToken } from './flow-routing.js';
import type { FlowTokens } from './flow-token.js';
import { loopHash, proxyBranch } from './loop-detection.js';
import type { BranchEvents, BranchHandle } from './response-context.js';
import type { Target } from './targets.js';

export interface ForwardPlan {
  /** The request as received (after route processing). */
  readonly request: SipRequest;
  /** The Request-URI as received, before any change (§16.6 step 8 hash input). */
  readonly receivedUri: string;
  /** The §16.6 step 8 loop-detection hash of the request, shared by all its branches. */
  readonly loopHash: string;
  /** The listener the request came in on (for double Record-Route). */
  readonly inbound: NetAddress;
  /** The caller's flow token, when the caller is reached over its flow (flow-token.ts). */
  readonly callerFlowToken?: string;
  readonly recordRoute: boolean;
  readonly consumeProxyAuthorization: boolean;
  /** Headers a branch hook adds to this branch's request. */
  readonly extraHeaders?: Readonly<Record<string, string>>;
}

export class Forwarder {
  constructor(
    private readonly endpoint: Endpoint,
    private readonly flowTokens: FlowTokens,
  ) {}

  /** Our Via for a copy sent to `dest`, with a §16.6 step 8 branch. */
  via(dest: Destination, branch: string): Via | undefined {
    return localViaFor(this.endpoint.transport, dest, branch);
  }

  /** Starts a branch as a client transaction; a failure to start is answered by the caller. */
  startBranch(plan: ForwardPlan, target: Target, index: number, events: BranchEvents): BranchHandle | { failed: number; reason: string } {
    const dest = target.destination;
    if (dest === undefined) return { failed: 503, reason: 'No Route To Target' };
    const via = this.via(dest, proxyBranch(plan.loopHash, `${index}${Math.random().toString(36).slice(2, 8)}`));
    if (via === undefined) return { failed: 503, reason: 'No Transport To Target' };
    const calleeToken = plan.recordRoute && target.viaFlow === true ? calleeFlowToken(this.flowTokens, dest) : undefined;
    const recordRoute = plan.recordRoute ? this.recordRoutes(plan.inbound, dest, plan.callerFlowToken, calleeToken) : [];
    const request = branchRequest(plan.request, { target, recordRoute, via, consumeProxyAuthorization: plan.consumeProxyAuthorization });
    for (const [name, value] of Object.entries(plan.extraHeaders ?? {})) request.addHeader(name, value);
    // The callbacks reach the response context only through these two, which release()
    // clears: the client transaction outlives the context by up to 64·T1.
    let sink: BranchEvents | undefined = events;
    let sent: SipRequest | undefined = request;
    const tx = this.endpoint.transactions.createClientTransaction(request, dest, {
      onResponse: (res, _tx, rx) => {
        // Released: a retransmitted 2xx goes on statelessly by its Via (§16.7 step 5, §16.11).
        if (sink === undefined) return this.endpoint.onStrayResponse(rx);
        // §16.7 step 3: "The proxy removes the topmost Via header field value from the
        // response. If no Via header field values remain in the response, the response was
        // meant for this element and MUST NOT be forwarded."
        res.removeFirstValue('via');
        if (res.header('via') === undefined) return;
        sink.response(res);
      },
      onTimeout: () => sink?.timeout(),
      onTransportError: () => sink?.transportError(),
    });
    if (!tx.ok) return { failed: tx.error.code === 'SIP_TX_OVERLOAD' ? 503 : 500, reason: tx.error.message.slice(0, 60) };
    return {
      cancel: () => {
        if (sent === undefined) return;
        const cancel = buildCancel(sent);
        this.endpoint.transactions.createClientTransaction(cancel, dest, { onResponse() {}, onTimeout() {}, onTransportError() {} });
      },
      release: () => {
        sink = undefined;
        sent = undefined;
      },
    };
  }

  /**
   * §16.6 step 4: our Record-Route. When the request leaves by another transport or address
   * than it came in on, two entries — one per side — so each UA routes to the interface it
   * can reach ("double Record-Route"). The outbound side's entry comes first. A side reached
   * over a flow gets its flow token in its entry; with a token on either side the two entries
   * differ, so both are kept even on one interface.
   */
  recordRoutes(inbound: NetAddress, dest: Destination, callerToken?: string, calleeToken?: string): string[] {
    const outbound = this.endpoint.transport.localAddressFor(dest);
    if (outbound === undefined) return [];
    const out = recordRouteValue(outbound.host, outbound.port, outbound.transport, calleeToken);
    const same = outbound.transport === inbound.transport && outbound.host === inbound.host && outbound.port === inbound.port;
    if (same && callerToken === undefined) return [out];
    if (same && calleeToken === undefined) return [recordRouteValue(inbound.host, inbound.port, inbound.transport, callerToken)];
    return [out, recordRouteValue(inbound.host, inbound.port, inbound.transport, callerToken)];
  }

  /** §16.11: an ACK for a 2xx (or any request without a transaction) sent on statelessly. */
  async sendStateless(request: SipRequest, receivedUri: string, dest: Destination): Promise<void> {
    // A stateless proxy's branch must be the same for retransmissions: derived, not random.
    const via = this.via(dest, proxyBranch(loopHash(request, receivedUri, request.topVia), 'sl'));
    if (via === undefined) return;
    const mf = request.maxForwards;
    request.setHeader('max-forwards', mf === undefined ? 70 : Math.max(0, mf - 1));
    request.addHeader('via', via, 'first');
    await this.endpoint.transport.send(request, dest);
  }

  /**
   * A response that matched no client transaction (a 2xx retransmission after the branch
   * ended): if our Via is on top, remove it and send the response to the next Via (§16.7,
   * §18.2.2 with the received/rport we stamped when the request arrived).
   */
  async forwardStrayResponse(res: SipResponse, isOurs: (via: Via) => boolean): Promise<boolean> {
    const vias = res.vias;
    if (vias.length < 2 || !isOurs(vias[0])) return false;
    res.removeFirstValue('via');
    const next = vias[1];
    const transport = next.transport.toLowerCase();
    if (transport !== 'udp' && transport !== 'tcp' && transport !== 'tls' && transport !== 'ws' && transport !== 'wss') return false;
    const rport = next.rport;
    const port = typeof rport === 'number' ? rport : (next.port ?? (transport === 'tls' ? 5061 : 5060));
    await this.endpoint.transport.send(res, { transport, host: next.received ?? next.hostname, port });
    return true;
  }
}
