/**
 * Call affinity for several worker processes sharing one UDP socket (Sans-IO: bytes in,
 * decisions and frames out; the sockets are in node/worker-link.ts).
 *
 * The kernel hands each datagram of a shared socket to whichever worker reads first, so a
 * retransmission, a CANCEL, an ACK or a response may reach a worker that does not hold its
 * transaction. Every datagram therefore belongs to the worker its Call-ID hashes to: all
 * messages of a call — its transactions and its dialog — carry one Call-ID (RFC 3261
 * §8.1.1.4, §9.1: a CANCEL has the INVITE's Call-ID; §17.1.1.3: so has the ACK; a proxy
 * forwards Call-ID unchanged, §16.6, so responses come back with it too). A worker that reads
 * a datagram it does not own forwards it, with the address it came from, to the owner over a
 * private loopback socket; the owner handles it exactly as if it had read it itself.
 */

/** Which worker owns a call: FNV-1a (32-bit) over the Call-ID octets, modulo the worker count. */
export function shardOfBytes(data: Uint8Array, start: number, end: number, count: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= data[i];
    h = Math.imul(h, 0x01000193);
  }
  return (h >>> 0) % count;
}

/** The owner of a Call-ID written as text (the Call-IDs this process makes). */
export function shardOfCallId(callId: string, count: number): number {
  const bytes = Buffer.from(callId, 'latin1');
  return shardOfBytes(bytes, 0, bytes.length, count);
}

const LF = 0x0a;
const CR = 0x0d;
const SP = 0x20;
const HTAB = 0x09;
const COLON = 0x3a;

function isWhite(b: number): boolean {
  return b === SP || b === HTAB;
}

/** Lower-cases an ASCII letter byte. */
function lower(b: number): number {
  return b >= 0x41 && b <= 0x5a ? b | 0x20 : b;
}

const CALL_ID = Buffer.from('call-id', 'latin1');

/** After a header name ending at `i`: optional whitespace then ':'; the index after ':' or -1. */
function afterColon(data: Uint8Array, i: number, end: number): number {
  while (i < end && isWhite(data[i])) i++;
  return i < end && data[i] === COLON ? i + 1 : -1;
}

/** Does a header line starting at `i` name Call-ID (long form or RFC 3261 §7.3.3 compact `i`)? */
function callIdValueStart(data: Uint8Array, i: number, end: number): number {
  const first = lower(data[i]);
  if (first === 0x69 /* i */) return afterColon(data, i + 1, end);
  if (first !== 0x63 /* c */ || i + CALL_ID.length > end) return -1;
  for (let k = 1; k < CALL_ID.length; k++) if (lower(data[i + k]) !== CALL_ID[k]) return -1;
  return afterColon(data, i + CALL_ID.length, end);
}

/**
 * Where the Call-ID value of a raw SIP message is: [start, end) without surrounding whitespace,
 * or undefined when the header part has none (keep-alives, garbage: handled where received).
 * Only the header part is scanned; a body is never read.
 */
export function findCallId(data: Uint8Array): { start: number; end: number } | undefined {
  const end = data.length;
  let line = data.indexOf(LF);
  while (line !== -1 && line + 1 < end) {
    const i = line + 1;
    const b = data[i];
    if (b === CR || b === LF) return undefined; // the empty line: end of the headers
    const v = callIdValueStart(data, i, end);
    if (v !== -1) {
      let s = v;
      while (s < end && isWhite(data[s])) s++;
      let e = s;
      while (e < end && data[e] !== CR && data[e] !== LF) e++;
      while (e > s && isWhite(data[e - 1])) e--;
      return e > s ? { start: s, end: e } : undefined;
    }
    line = data.indexOf(LF, i);
  }
  return undefined;
}

/** The worker that owns a raw datagram, or undefined when it names no Call-ID. */
export function ownerOf(data: Uint8Array, count: number): number | undefined {
  const at = findCallId(data);
  return at === undefined ? undefined : shardOfBytes(data, at.start, at.end, count);
}

/**
 * A forwarded datagram: MAGIC(4) | key(16) | listener(1) | source port(2) | host length(1) |
 * host (latin1) | the datagram as received. The key is the cluster's random secret: only our
 * own workers can make a frame that the owner believes about the source address.
 */
const MAGIC = Buffer.from('SBW1', 'latin1');
export const SHARD_KEY_BYTES = 16;
const HEAD = MAGIC.length + SHARD_KEY_BYTES + 1 + 2 + 1;

export interface ForwardedDatagram {
  /** Index of the UDP listener (in configuration order) the datagram arrived on. */
  readonly listener: number;
  readonly host: string;
  readonly port: number;
  readonly data: Buffer;
}

export function encodeForward(key: Buffer, f: ForwardedDatagram): Buffer {
  if (key.length !== SHARD_KEY_BYTES) throw new Error(`shard key must be ${SHARD_KEY_BYTES} bytes`);
  const hostLen = Buffer.byteLength(f.host, 'latin1');
  if (hostLen > 255 || f.listener > 255) throw new Error('forwarded datagram: host or listener index out of range');
  const out = Buffer.allocUnsafe(HEAD + hostLen + f.data.length);
  MAGIC.copy(out, 0);
  key.copy(out, MAGIC.length);
  let o = MAGIC.length + SHARD_KEY_BYTES;
  out[o++] = f.listener;
  out.writeUInt16BE(f.port, o);
  o += 2;
  out[o++] = hostLen;
  out.write(f.host, o, 'latin1');
  f.data.copy(out, o + hostLen);
  return out;
}

/** Decodes a frame made with `key`; undefined for anything else (dropped by the caller). */
export function decodeForward(key: Buffer, frame: Buffer): ForwardedDatagram | undefined {
  if (frame.length < HEAD || !frame.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  if (!frame.subarray(MAGIC.length, MAGIC.length + SHARD_KEY_BYTES).equals(key)) return undefined;
  let o = MAGIC.length + SHARD_KEY_BYTES;
  const listener = frame[o++];
  const port = frame.readUInt16BE(o);
  o += 2;
  const hostLen = frame[o++];
  if (o + hostLen > frame.length || hostLen === 0) return undefined;
  const host = frame.toString('latin1', o, o + hostLen);
  return { listener, host, port, data: frame.subarray(o + hostLen) };
}

/** What the transport asks of the worker group (TransportManagerOptions.shard). */
export interface DatagramShard {
  /**
   * Called for every admitted SIP datagram: true when it belongs to another worker and has
   * been forwarded there (or dropped because that worker is not reachable right now: UDP
   * peers retransmit), false when this worker handles it.
   */
  forward(listener: number, data: Buffer, host: string, port: number): boolean;
  /** Datagrams other workers forwarded to this one (set once by the transport at start). */
  setReceiver(receive: (f: ForwardedDatagram) => void): void;
}

/** Sends a frame to worker `index`; false when its address is not known (yet). */
export type FrameSender = (index: number, frame: Buffer) => boolean;

/** The DatagramShard of one worker: decides by Call-ID and frames what it forwards. */
export class ShardRouter implements DatagramShard {
  private receive: ((f: ForwardedDatagram) => void) | undefined;
  private counts = { forwarded: 0, unreachable: 0, received: 0, refused: 0 };

  constructor(
    private readonly o: { readonly index: number; readonly count: number; readonly key: Buffer; readonly send: FrameSender },
  ) {
    if (!(o.count >= 1) || o.index < 0 || o.index >= o.count) throw new Error(`worker ${o.index} of ${o.count}`);
  }

  forward(listener: number, data: Buffer, host: string, port: number): boolean {
    if (this.o.count === 1) return false;
    const owner = ownerOf(data, this.o.count);
    if (owner === undefined || owner === this.o.index) return false;
    if (this.o.send(owner, encodeForward(this.o.key, { listener, host, port, data }))) this.counts.forwarded++;
    else this.counts.unreachable++;
    return true;
  }

  setReceiver(receive: (f: ForwardedDatagram) => void): void {
    this.receive = receive;
  }

  /** A frame read from the private socket. */
  onFrame(frame: Buffer): void {
    const f = decodeForward(this.o.key, frame);
    if (f === undefined || this.receive === undefined) {
      this.counts.refused++;
      return;
    }
    this.counts.received++;
    this.receive(f);
  }

  /** Counters: forwarded to the owner, dropped (owner unknown), received from others, refused frames. */
  stats(): { forwarded: number; unreachable: number; received: number; refused: number } {
    return { ...this.counts };
  }
}
