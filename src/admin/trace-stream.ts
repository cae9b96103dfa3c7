/**
 * One live trace client: subscribed to the transport's diagnostics channel, it writes every
 * matching message as one JSON line (ndjson) on a chunked HTTP response. A client that reads
 * too slowly loses messages (counted and reported) rather than growing our memory.
 */
import diagnostics from 'node:diagnostics_channel';
import type { ServerResponse } from 'node:http';
import { SIP_MESSAGE_CHANNEL, type SipWireEvent } from '../sip/transport/index.js';
import { type TraceFilter, matchesFilter, traceIdentifiers, traceRecord } from './trace-record.js';

/** Bytes queued on a slow client beyond which messages are dropped. */
const MAX_QUEUED = 4 * 1024 * 1024;
const KEEPALIVE_MS = 15_000;

export type TraceLine =
  | { readonly type: 'subscribed'; readonly filter: TraceFilter }
  | ({ readonly type: 'message' } & ReturnType<typeof traceRecord>)
  | { readonly type: 'dropped'; readonly count: number }
  | { readonly type: 'keepalive'; readonly timestamp: number }
  | { readonly type: 'closing'; readonly reason: string };

export class TraceStream {
  private dropped = 0;
  private closed = false;
  private readonly keepalive: NodeJS.Timeout;
  private readonly onWire = (m: unknown): void => this.deliver(m as SipWireEvent);

  constructor(
    private readonly res: ServerResponse,
    private readonly filter: TraceFilter,
    private readonly withRaw: boolean,
    private readonly onClosed: (s: TraceStream) => void,
  ) {
    res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8', 'cache-control': 'no-cache', 'x-content-type-options': 'nosniff' });
    res.on('close', () => this.close());
    this.keepalive = setInterval(() => this.write({ type: 'keepalive', timestamp: Date.now() }), KEEPALIVE_MS);
    this.keepalive.unref();
    diagnostics.subscribe(SIP_MESSAGE_CHANNEL, this.onWire);
    this.write({ type: 'subscribed', filter });
  }

  /** Ends the stream (server stopping); the client sees a last `closing` line. */
  end(reason: string): void {
    if (this.closed) return;
    this.write({ type: 'closing', reason });
    this.res.end();
    this.close();
  }

  private deliver(e: SipWireEvent): void {
    if (this.closed) return;
    // The filter needs only the identifiers: the text (and base64) is built for what is sent.
    const ids = traceIdentifiers(e);
    if (!matchesFilter(ids, this.filter)) return;
    if (this.res.writableLength > MAX_QUEUED) {
      this.dropped++;
      return;
    }
    if (this.dropped > 0) {
      this.write({ type: 'dropped', count: this.dropped });
      this.dropped = 0;
    }
    this.write({ type: 'message', ...traceRecord(e, this.withRaw, ids) });
  }

  private write(line: TraceLine): void {
    if (!this.closed && !this.res.writableEnded) this.res.write(JSON.stringify(line) + '\n');
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    clearInterval(this.keepalive);
    diagnostics.unsubscribe(SIP_MESSAGE_CHANNEL, this.onWire);
    this.onClosed(this);
  }
}
