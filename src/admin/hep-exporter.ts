/**
 * HEPv3 export: every SIP message on the transport's diagnostics channel is sent, as one
 * HEPv3 packet over UDP, to a Homer collector. Best effort: a lost packet is not retried.
 */
import { type Socket, createSocket } from 'node:dgram';
import diagnostics from 'node:diagnostics_channel';
import { isIPv6 } from 'node:net';
import { SIP_MESSAGE_CHANNEL, type SipWireEvent } from '../sip/transport/index.js';
import { encodeHep3 } from './hep-encoder.js';

export interface HepExporterOptions {
  readonly address: string;
  readonly port: number;
  readonly captureId: number;
  /** Called for packets not sent (encoding impossible or a socket error); for a counter or log. */
  readonly onDropped?: (reason: string) => void;
}

export class HepExporter {
  private socket: Socket | undefined;
  private sent = 0;
  private readonly onWire = (m: unknown): void => this.export(m as SipWireEvent);

  constructor(private readonly options: HepExporterOptions) {}

  get packetsSent(): number {
    return this.sent;
  }

  start(): void {
    if (this.socket !== undefined) return;
    const socket = createSocket(isIPv6(this.options.address) ? 'udp6' : 'udp4');
    socket.on('error', (e) => this.options.onDropped?.(e.message));
    socket.unref();
    this.socket = socket;
    diagnostics.subscribe(SIP_MESSAGE_CHANNEL, this.onWire);
  }

  async stop(): Promise<void> {
    const socket = this.socket;
    if (socket === undefined) return;
    this.socket = undefined;
    diagnostics.unsubscribe(SIP_MESSAGE_CHANNEL, this.onWire);
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  }

  private export(e: SipWireEvent): void {
    const socket = this.socket;
    if (socket === undefined) return;
    let callId: string | undefined;
    try {
      callId = e.message?.callId;
    } catch {
      callId = undefined;
    }
    const packet = encodeHep3(e, { captureId: this.options.captureId, ...(callId === undefined ? {} : { correlationId: callId }) });
    if (packet === undefined) {
      this.options.onDropped?.('message cannot be encoded in one HEP packet');
      return;
    }
    socket.send(packet, this.options.port, this.options.address, (err) => {
      if (err !== null && err !== undefined) this.options.onDropped?.(err.message);
      else this.sent++;
    });
  }
}
