/**
 * Sans-IO framing of SIP messages on a stream connection (TCP, TLS): bytes in, complete
 * messages / keep-alive pings / a framing error out (RFC 3261 §18.3, RFC 5626 §4.4.1).
 *
 * Work is linear in the bytes pushed: received bytes are appended once to a growable buffer
 * (amortised O(1) per byte), the header section is scanned once for its empty line, and the
 * body is only counted.
 */
import { parseContentLength } from '../message/index.js';

export interface StreamFramerOptions {
  /** Largest message accepted, header section plus body, in octets (default 64 KiB). */
  readonly maxMessageSize?: number;
}

export type FramerEvent =
  /** One complete message, to be parsed with parse(bytes, { datagram: false }). */
  | { readonly kind: 'message'; readonly bytes: Buffer }
  /** A CRLF CRLF keep-alive "ping" between messages: answer with one CRLF "pong". */
  | { readonly kind: 'ping' }
  /** The stream cannot be framed: close the connection. Nothing more is framed. */
  | { readonly kind: 'error'; readonly reason: string };

/** RFC 5626 §4.4.1: the keep-alive answer to a CRLF CRLF ping. */
export const KEEPALIVE_PONG = Buffer.from('\r\n');

const DEFAULT_MAX = 65536;
const CR = 0x0d;
const LF = 0x0a;

type State = 'idle' | 'head' | 'body' | 'failed';

export class StreamFramer {
  private readonly maxSize: number;
  private buf: Buffer = Buffer.alloc(0);
  /** Live bytes are buf[start, end). */
  private start = 0;
  private end = 0;
  private state: State = 'idle';
  /** idle: complete line ends (CRLF, or bare LF) seen since the last message or ping. */
  private idleLines = 0;
  /** head: where the search for the empty line resumes. */
  private scan = 0;
  /** body: total length of the message being framed (header section + Content-Length). */
  private total = 0;

  constructor(options: StreamFramerOptions = {}) {
    this.maxSize = options.maxMessageSize ?? DEFAULT_MAX;
  }

  /** Bytes held for a message not yet complete (0 between messages). */
  get pendingBytes(): number {
    return this.state === 'failed' ? 0 : this.end - this.start;
  }

  /** True once a framing error was reported; the connection should be closed. */
  get failed(): boolean {
    return this.state === 'failed';
  }

  /** Feeds received bytes; returns what they complete, in order. */
  push(chunk: Buffer): FramerEvent[] {
    const events: FramerEvent[] = [];
    if (this.state === 'failed' || chunk.length === 0) return events;
    let from = 0;
    // RFC 3261 §7.5 / RFC 5626 §4.4.1: CRLFs between messages are skipped, not stored;
    // every second one completes a keep-alive ping.
    if (this.state === 'idle') {
      // Between messages nothing is buffered: framing restarts at the buffer's front.
      from = this.skipIdle(chunk, 0, events);
      this.start = this.end = this.scan = 0;
    }
    if (from < chunk.length) {
      this.append(chunk, from);
      this.drain(events);
    }
    return events;
  }

  private skipIdle(chunk: Buffer, from: number, events: FramerEvent[]): number {
    let i = from;
    for (; i < chunk.length; i++) {
      const b = chunk[i];
      if (b === LF) {
        if (++this.idleLines === 2) {
          events.push({ kind: 'ping' });
          this.idleLines = 0;
        }
      } else if (b !== CR) {
        break;
      }
    }
    if (i < chunk.length) {
      this.idleLines = 0;
      this.state = 'head';
    }
    return i;
  }

  /** Frames as many messages as the buffered bytes hold. */
  private drain(events: FramerEvent[]): void {
    for (;;) {
      if (this.state === 'idle') {
        if (this.start === this.end) return;
        const skipped = this.skipIdle(this.buf.subarray(this.start, this.end), 0, events);
        this.start += skipped;
        if (this.state === 'idle') {
          this.start = this.end = 0;
          return;
        }
        this.scan = this.start;
      }
      if (this.state === 'head' && !this.findHeaderEnd(events)) return;
      if (this.state === 'body') {
        if (this.end - this.start < this.total) return;
        // Copy out, so the message does not pin (or get overwritten in) the buffer.
        const bytes = Buffer.from(this.buf.subarray(this.start, this.start + this.total));
        this.start += this.total;
        this.state = 'idle';
        this.idleLines = 0;
        events.push({ kind: 'message', bytes });
      }
      if (this.state === 'failed') return;
    }
  }

  /** Looks for the empty line ending the header section; false when more bytes are needed. */
  private findHeaderEnd(events: FramerEvent[]): boolean {
    const buf = this.buf;
    let i = this.scan;
    for (;;) {
      const lf = buf.indexOf(LF, i);
      if (lf < 0 || lf >= this.end) {
        this.scan = this.end;
        break;
      }
      // An empty line is LF LF or LF CR LF (which covers CRLF CRLF).
      if (lf + 1 >= this.end || (buf[lf + 1] === CR && lf + 2 >= this.end)) {
        this.scan = lf; // undecided: look at this LF again when more bytes arrive
        break;
      }
      let bodyStart = -1;
      if (buf[lf + 1] === LF) bodyStart = lf + 2;
      else if (buf[lf + 1] === CR && buf[lf + 2] === LF) bodyStart = lf + 3;
      if (bodyStart >= 0) {
        const headLength = bodyStart - this.start;
        if (headLength > this.maxSize) return this.fail(events, 'Header section exceeds the maximum message size');
        const length = this.contentLength(this.start, bodyStart);
        if (typeof length === 'string') return this.fail(events, length);
        if (headLength + length > this.maxSize) return this.fail(events, 'Content-Length exceeds the maximum message size');
        this.total = headLength + length;
        this.state = 'body';
        return true;
      }
      i = lf + 1;
    }
    if (this.end - this.start > this.maxSize) {
      return this.fail(events, 'Header section not terminated within the maximum message size');
    }
    return false;
  }

  /**
   * RFC 3261 §18.3: on a stream the Content-Length MUST be used to find the end of each
   * message; a missing one is taken as 0 (§20.14). Several values must agree.
   */
  private contentLength(from: number, to: number): number | string {
    const head = this.buf.toString('latin1', from, to);
    let found: number | undefined;
    const lines = head.split('\n');
    for (let k = 1; k < lines.length; k++) {
      let line = lines[k];
      // §7.3.1: a field may continue on lines starting with whitespace.
      while (k + 1 < lines.length && (lines[k + 1].startsWith(' ') || lines[k + 1].startsWith('\t'))) {
        line = line.replace(/\r$/, '') + ' ' + lines[++k].trim();
      }
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim().toLowerCase();
      if (name !== 'content-length' && name !== 'l') continue;
      const value = parseContentLength(line.slice(colon + 1).replace(/\r$/, ''));
      if (value === undefined) return 'Malformed Content-Length';
      if (found !== undefined && found !== value) return 'Conflicting Content-Length values';
      found = value;
    }
    return found ?? 0;
  }

  private fail(events: FramerEvent[], reason: string): false {
    this.state = 'failed';
    this.buf = Buffer.alloc(0);
    this.start = this.end = 0;
    events.push({ kind: 'error', reason });
    return false;
  }

  /** Appends chunk[from..] to the live bytes: compact or grow, each amortised O(1) per byte. */
  private append(chunk: Buffer, from: number): void {
    const n = chunk.length - from;
    const live = this.end - this.start;
    if (this.end + n > this.buf.length) {
      const offset = this.start;
      if (live + n <= this.buf.length >>> 1) {
        this.buf.copy(this.buf, 0, this.start, this.end);
      } else {
        const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, live + n, 4096));
        this.buf.copy(next, 0, this.start, this.end);
        this.buf = next;
      }
      this.start = 0;
      this.end = live;
      this.scan -= offset;
    }
    chunk.copy(this.buf, this.end, from);
    this.end += n;
  }
}
