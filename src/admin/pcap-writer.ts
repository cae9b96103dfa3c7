/**
 * SIP capture in the classic pcap format (the libpcap file format, as written by tcpdump):
 * a 24-byte global header, then one record per message holding a synthesized IP packet
 * (LINKTYPE_RAW: no link layer; IPv4 or IPv6 told apart by the version nibble). UDP messages
 * become one datagram; stream messages (TCP, TLS, WS, WSS, already decrypted/unframed) become
 * TCP segments whose sequence numbers continue per flow, so the TCP dissector reassembles them.
 * Sans-IO: bytes out; the caller writes them to a file.
 */
import { ipBytes } from '../lib/index.js';
import { ipPacket, pairAddresses } from './ip-frames.js';

/** LINKTYPE_RAW (tcpdump.org link-layer header types). */
export const LINKTYPE_RAW = 101;
export const PCAP_MAGIC = 0xa1b2c3d4;
export const SNAPLEN = 262144;
/** Largest payload in one synthesized packet (IPv4 total length is 16 bits). */
const MAX_SEGMENT = 65000;

export interface CaptureEndpoint {
  readonly transport: string;
  readonly host: string;
  readonly port: number;
}

/** One SIP message to capture, as the transport saw it. */
export interface CapturedMessage {
  readonly direction: 'in' | 'out';
  /** Wall-clock ms since the epoch (fractions kept to the microsecond). */
  readonly timestamp: number;
  readonly remote: CaptureEndpoint;
  readonly local: CaptureEndpoint;
  readonly bytes: Buffer;
}

/** The 24-byte global header (little-endian, microsecond timestamps). */
export function pcapGlobalHeader(): Buffer {
  const h = Buffer.alloc(24);
  h.writeUInt32LE(PCAP_MAGIC, 0);
  h.writeUInt16LE(2, 4);
  h.writeUInt16LE(4, 6);
  h.writeInt32LE(0, 8); // thiszone
  h.writeUInt32LE(0, 12); // sigfigs
  h.writeUInt32LE(SNAPLEN, 16);
  h.writeUInt32LE(LINKTYPE_RAW, 20);
  return h;
}

function record(timestampMs: number, packet: Buffer): Buffer {
  const h = Buffer.alloc(16);
  const micros = Math.round(timestampMs * 1000);
  h.writeUInt32LE(Math.floor(micros / 1_000_000), 0);
  h.writeUInt32LE(micros % 1_000_000, 4);
  h.writeUInt32LE(packet.length, 8);
  h.writeUInt32LE(packet.length, 12);
  return Buffer.concat([h, packet]);
}

const MAX_FLOWS = 10_000;

/** Turns captured messages into pcap records; keeps TCP sequence numbers per flow. */
export class PcapEncoder {
  /** "src:port>dst:port" → next sequence number of that direction. */
  private readonly nextSeq = new Map<string, number>();

  /** The records for one message (several for a stream message above 65,000 bytes); none when an address is not an IP literal. */
  encode(m: CapturedMessage): Buffer {
    const [from, to] = m.direction === 'in' ? [m.remote, m.local] : [m.local, m.remote];
    const a = ipBytes(from.host);
    const b = ipBytes(to.host);
    if (a === undefined || b === undefined) return Buffer.alloc(0);
    const [src, dst] = pairAddresses(a, b);
    if (m.remote.transport === 'udp') {
      return record(m.timestamp, ipPacket(src, dst, from.port, to.port, m.bytes.subarray(0, 65535 - 48)));
    }
    const out: Buffer[] = [];
    const flow = `${src.toString('hex')}:${from.port}>${dst.toString('hex')}:${to.port}`;
    const reverse = `${dst.toString('hex')}:${to.port}>${src.toString('hex')}:${from.port}`;
    for (let off = 0; off < m.bytes.length || off === 0; off += MAX_SEGMENT) {
      const chunk = m.bytes.subarray(off, off + MAX_SEGMENT);
      const seq = this.seqOf(flow);
      const ack = this.seqOf(reverse);
      out.push(record(m.timestamp, ipPacket(src, dst, from.port, to.port, chunk, { seq, ack })));
      this.nextSeq.set(flow, (seq + chunk.length) >>> 0);
      if (chunk.length === 0) break;
    }
    return Buffer.concat(out);
  }

  private seqOf(flow: string): number {
    let s = this.nextSeq.get(flow);
    if (s === undefined) {
      if (this.nextSeq.size >= MAX_FLOWS) this.nextSeq.clear();
      s = 1;
      this.nextSeq.set(flow, s);
    }
    return s;
  }
}
