/** Shared fixtures for the transaction tests: a ManualClock, a LoopNetwork and recording TUs. */
import { ManualClock, newBranch } from '../../../../src/lib/index.js';
import { NameAddr, SipUri, Via, createRequest, type SipMessage, type SipRequest, type SipResponse } from '../../../../src/sip/message/index.js';
import {
  type NetAddress,
  type ReceivedInvalid,
  type ReceivedMessage,
  type TransportError,
  type TransportKind,
  type TransportUser,
  LoopNetwork,
  LoopTransport,
} from '../../../../src/sip/transport/index.js';
import {
  type ClientTransaction,
  type ClientTransactionCallbacks,
  type ServerTransaction,
  TransactionLayer,
  type TransactionLayerOptions,
  type TransactionUser,
} from '../../../../src/sip/transaction/index.js';

export function addr(host: string, transport: TransportKind = 'udp', port = 5060): NetAddress {
  return { transport, host, port };
}

/** Records every upward event; `onRequestHandler` lets a test answer. */
export class RecordingUser implements TransactionUser {
  requests: Array<[ServerTransaction, ReceivedMessage]> = [];
  acks: Array<[ReceivedMessage, ServerTransaction | undefined]> = [];
  strays: ReceivedMessage[] = [];
  overloads: ReceivedMessage[] = [];
  invalid: ReceivedInvalid[] = [];
  timeouts: ServerTransaction[] = [];
  transportErrors: Array<[ServerTransaction, TransportError]> = [];
  terminated: ServerTransaction[] = [];
  onRequestHandler: ((tx: ServerTransaction, rx: ReceivedMessage) => void) | undefined;

  onRequest(tx: ServerTransaction, rx: ReceivedMessage): void {
    this.requests.push([tx, rx]);
    this.onRequestHandler?.(tx, rx);
  }
  onAck2xx(rx: ReceivedMessage, tx: ServerTransaction | undefined): void {
    this.acks.push([rx, tx]);
  }
  onStrayResponse(rx: ReceivedMessage): void {
    this.strays.push(rx);
  }
  onOverload(rx: ReceivedMessage): void {
    this.overloads.push(rx);
  }
  onInvalid(rx: ReceivedInvalid): void {
    this.invalid.push(rx);
  }
  onServerTimeout(tx: ServerTransaction): void {
    this.timeouts.push(tx);
  }
  onServerTransportError(tx: ServerTransaction, error: TransportError): void {
    this.transportErrors.push([tx, error]);
  }
  onServerTerminated(tx: ServerTransaction): void {
    this.terminated.push(tx);
  }
}

/** Client transaction callbacks that record what happened. */
export class ClientRecorder implements ClientTransactionCallbacks {
  responses: SipResponse[] = [];
  timeouts = 0;
  transportErrors: TransportError[] = [];
  terminated = 0;
  onResponse(response: SipResponse, _tx: ClientTransaction, _rx: ReceivedMessage): void {
    this.responses.push(response);
  }
  onTimeout(): void {
    this.timeouts++;
  }
  onTransportError(_tx: ClientTransaction, error: TransportError): void {
    this.transportErrors.push(error);
  }
  onTerminated(): void {
    this.terminated++;
  }
  get statuses(): number[] {
    return this.responses.map((r) => r.status);
  }
}

/** A TransportUser that only records (a peer without a transaction layer). */
export class Sink implements TransportUser {
  messages: ReceivedMessage[] = [];
  onMessage(rx: ReceivedMessage): void {
    this.messages.push(rx);
  }
  onInvalid(): void {}
  requests(method?: string): SipRequest[] {
    const out: SipRequest[] = [];
    for (const m of this.messages) if (m.message.kind === 'request' && (method === undefined || m.message.method === method)) out.push(m.message);
    return out;
  }
  responses(status?: number): SipResponse[] {
    const out: SipResponse[] = [];
    for (const m of this.messages) if (m.message.kind === 'response' && (status === undefined || m.message.status === status)) out.push(m.message);
    return out;
  }
}

export interface RequestOptions {
  from: NetAddress;
  to: NetAddress;
  branch?: string | null;
  cseq?: number;
  callId?: string;
  toTag?: string;
  fromTag?: string;
  rport?: boolean;
  headers?: ReadonlyArray<readonly [string, string]>;
}

export function makeRequest(method: string, o: RequestOptions): SipRequest {
  const params = [];
  if (o.branch !== null) params.push({ name: 'branch', value: o.branch ?? newBranch() });
  if (o.rport === true) params.push({ name: 'rport', value: null });
  const via = new Via({ transport: o.from.transport.toUpperCase(), host: o.from.host, port: o.from.port, params });
  const toParams = o.toTag === undefined ? [] : [{ name: 'tag', value: o.toTag }];
  return createRequest({
    method,
    uri: new SipUri({ scheme: 'sip', user: 'bob', host: o.to.host, port: o.to.port }),
    via,
    from: NameAddr.of(new SipUri({ scheme: 'sip', user: 'alice', host: 'example.com' }), undefined, [{ name: 'tag', value: o.fromTag ?? 'ftag1' }]),
    to: NameAddr.of(new SipUri({ scheme: 'sip', user: 'bob', host: 'example.com' }), undefined, toParams),
    callId: o.callId ?? 'call-1@example.com',
    cseq: o.cseq ?? 1,
    headers: o.headers,
  });
}

export interface Rig {
  clock: ManualClock;
  net: LoopNetwork;
  clientAddr: NetAddress;
  serverAddr: NetAddress;
  clientT: LoopTransport;
  serverT: LoopTransport;
}

export function rig(kind: TransportKind = 'udp'): Rig {
  const clock = new ManualClock();
  const net = new LoopNetwork(clock);
  const clientAddr = addr('127.0.0.1', kind);
  const serverAddr = addr('127.0.0.2', kind);
  return { clock, net, clientAddr, serverAddr, clientT: net.endpoint(clientAddr), serverT: net.endpoint(serverAddr) };
}

export function layer(t: LoopTransport, clock: ManualClock, user: TransactionUser, options: Partial<TransactionLayerOptions> = {}): TransactionLayer {
  const l = new TransactionLayer(t, clock, { ...options, user });
  t.attach(l);
  return l;
}

/** Lets pending send() results (promises) settle, so transport errors reach the transactions. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 3; i++) await Promise.resolve();
}

/** Clock times at which messages satisfying `pred` were sent, from the loop's log. */
export function sendTimes(net: LoopNetwork, pred: (m: SipMessage) => boolean): number[] {
  return net.log.filter((e) => e.message !== undefined && pred(e.message)).map((e) => e.at);
}

export const isMethod = (method: string) => (m: SipMessage) => m.kind === 'request' && m.method === method;
export const isStatus = (status: number) => (m: SipMessage) => m.kind === 'response' && m.status === status;
