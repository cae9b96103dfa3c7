/**
 * A test NgBackend: records every request, allocates a relay port per (call, tag) and answers
 * with the received SDP rewritten the way a relay would (c= and m= pointing at the relay).
 */
import type {
  NgAnswerRequest,
  NgBackend,
  NgCallStats,
  NgDeleteRequest,
  NgOfferRequest,
  NgQueryRequest,
  NgResult,
} from '../../../src/ng/index.js';

export interface RecordedCall {
  readonly createdAt: number;
  /** Relay port the SDP sent towards the answerer advertises (where the B side sends). */
  offerPort?: number;
  /** Relay port the SDP sent towards the offerer advertises (where the A side sends). */
  answerPort?: number;
  fromTag: string;
  toTag?: string;
}

export class RecordingNgBackend implements NgBackend {
  readonly offers: NgOfferRequest[] = [];
  readonly answers: NgAnswerRequest[] = [];
  readonly deletes: NgDeleteRequest[] = [];
  readonly queries: NgQueryRequest[] = [];
  readonly calls = new Map<string, RecordedCall>();
  /** Every port this backend put into an SDP, in order. */
  readonly ports: number[] = [];
  private nextPort: number;

  constructor(
    firstPort = 40000,
    private readonly relayAddress = '192.0.2.10',
    private readonly wallNow: () => number = () => Date.UTC(2026, 0, 1),
  ) {
    this.nextPort = firstPort;
  }

  private allocate(): number {
    const p = this.nextPort;
    this.nextPort += 2; // RTP port; RTCP would be p + 1
    this.ports.push(p);
    return p;
  }

  private rewrite(sdp: string, port: number): string | undefined {
    if (!/^m=audio \d+ /m.test(sdp)) return undefined;
    return sdp
      .replace(/^m=audio \d+ /m, `m=audio ${port} `)
      .replace(/^c=IN IP4 \S+/gm, `c=IN IP4 ${this.relayAddress}`)
      .replace(/^o=(\S+ \S+ \S+) IN IP4 \S+/m, `o=$1 IN IP4 ${this.relayAddress}`);
  }

  async offer(req: NgOfferRequest): Promise<NgResult<{ sdp: string }>> {
    this.offers.push(req);
    const port = this.allocate();
    const sdp = this.rewrite(req.sdp, port);
    if (sdp === undefined) return { result: 'error', errorReason: 'No audio media in SDP' };
    const existing = this.calls.get(req.callId);
    if (existing === undefined) this.calls.set(req.callId, { createdAt: this.wallNow(), offerPort: port, fromTag: req.fromTag });
    else existing.offerPort = port;
    return { result: 'ok', value: { sdp } };
  }

  async answer(req: NgAnswerRequest): Promise<NgResult<{ sdp: string }>> {
    this.answers.push(req);
    const call = this.calls.get(req.callId);
    if (call === undefined) return { result: 'error', errorReason: 'Unknown call-id' };
    const port = this.allocate();
    const sdp = this.rewrite(req.sdp, port);
    if (sdp === undefined) return { result: 'error', errorReason: 'No audio media in SDP' };
    call.answerPort = port;
    call.toTag = req.toTag;
    return { result: 'ok', value: { sdp } };
  }

  async delete(req: NgDeleteRequest): Promise<NgResult<{ stats?: NgCallStats }>> {
    this.deletes.push(req);
    const call = this.calls.get(req.callId);
    if (call === undefined) return { result: 'error', errorReason: 'Call-ID not found or tags didn\'t match' };
    this.calls.delete(req.callId);
    return { result: 'ok', value: { stats: this.stats(call) } };
  }

  async query(req: NgQueryRequest): Promise<NgResult<NgCallStats>> {
    this.queries.push(req);
    const call = this.calls.get(req.callId);
    if (call === undefined) return { result: 'error', errorReason: 'Unknown call-id' };
    return { result: 'ok', value: this.stats(call) };
  }

  async list(limit: number): Promise<string[]> {
    return [...this.calls.keys()].slice(0, limit);
  }

  /** Plausible stats: the caller sent 10 RTP packets of 172 bytes and 1 RTCP packet. */
  private stats(call: RecordedCall): NgCallStats {
    const t = call.createdAt;
    return {
      createdAt: t,
      lastSignalAt: t + 1500,
      tags: [
        {
          tag: call.fromTag,
          createdAt: t,
          inDialogueWith: call.toTag,
          medias: [
            {
              index: 1,
              type: 'audio',
              protocol: 'RTP/AVP',
              codec: 'PCMU/8000',
              flags: ['initialized'],
              streams: [
                { kind: 'rtp', localPort: call.answerPort, endpoint: { address: '127.0.0.1', port: 20000 }, lastPacketAt: t + 2000, stats: { packets: 10, bytes: 1720, errors: 0 } },
                { kind: 'rtcp', localPort: (call.answerPort ?? 0) + 1, stats: { packets: 1, bytes: 80, errors: 0 } },
              ],
            },
          ],
        },
        ...(call.toTag === undefined ? [] : [{ tag: call.toTag, createdAt: t + 1500, inDialogueWith: call.fromTag, medias: [] }]),
      ],
    };
  }
}
