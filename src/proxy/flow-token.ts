/**
 * Flow tokens in Record-Route (RFC 5626 §5.3, RFC 7118 §5): the way back to a UA that cannot
 * be reached at its Contact — a browser on WebSocket (`sip:x@abc.invalid;transport=ws`), a
 * phone behind NAT with a private Contact. When such a UA's dialog-creating request (or the
 * branch to such a callee) is record-routed, the Record-Route entry facing it carries a token
 * naming the flow (transport, remote address, connection) in its user part. A later
 * in-dialog request that pops that entry and did not arrive on that flow is sent over it.
 *
 * §5.2: the token is protected against tampering — an HMAC with a key of this process (flows
 * are this process's connections and pinholes, so the key need not outlive it); a forged or
 * foreign token is ignored and the request is routed by its Request-URI.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { type TransportKind, isTransportKind } from '../sip/transport/index.js';

export interface Flow {
  readonly transport: TransportKind;
  readonly host: string;
  readonly port: number;
  /** The stream connection (TCP, TLS, WS, WSS); none for UDP. */
  readonly connectionId?: string;
}

const MAC_BYTES = 12;

export class FlowTokens {
  private readonly key: Buffer;

  constructor(key: Buffer = randomBytes(32)) {
    if (key.length < 16) throw new Error('flow token key must be at least 16 bytes');
    this.key = Buffer.from(key);
  }

  /** `PAYLOAD.MAC`, both base64url: characters allowed in a SIP URI's user part (§25.1). */
  encode(flow: Flow): string {
    const payload = Buffer.from(`${flow.transport} ${flow.host} ${flow.port} ${flow.connectionId ?? ''}`, 'utf8');
    return `${payload.toString('base64url')}.${this.mac(payload).toString('base64url')}`;
  }

  /** The flow a token of ours names; undefined for anything else. */
  decode(token: string): Flow | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0 || token.length > 400) return undefined;
    const payload = Buffer.from(token.slice(0, dot), 'base64url');
    const mac = Buffer.from(token.slice(dot + 1), 'base64url');
    if (mac.length !== MAC_BYTES || !timingSafeEqual(mac, this.mac(payload))) return undefined;
    const [transport, host, port, connectionId] = payload.toString('utf8').split(' ');
    const portNumber = Number(port);
    if (!isTransportKind(transport) || host === undefined || host === '' || !Number.isInteger(portNumber)) return undefined;
    const base = { transport, host, port: portNumber };
    return connectionId === undefined || connectionId === '' ? base : { ...base, connectionId };
  }

  private mac(payload: Buffer): Buffer {
    return createHmac('sha256', this.key).update(payload).digest().subarray(0, MAC_BYTES);
  }
}

/** Whether a request that came from `source` (over `connectionId`, if a stream) came on `flow`. */
export function cameOn(flow: Flow, source: { readonly transport: string; readonly host: string; readonly port: number }, connectionId: string | undefined): boolean {
  if (flow.connectionId !== undefined) return flow.connectionId === connectionId;
  return flow.transport === source.transport.toLowerCase() && flow.host === source.host && flow.port === source.port;
}
