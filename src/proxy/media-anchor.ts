/**
 * Media anchoring in the proxy (rtpengine's place in a Kamailio config): the SDP of INVITE,
 * 18x/2xx, ACK, re-INVITE and UPDATE is handed to the media controller, which allocates relay
 * ports and returns the SDP to forward, so both legs send their RTP to the server — the cure
 * for one-way audio behind NAT. Offers and answers are told apart per transaction: an offer
 * in the request is answered in the reliable response; an INVITE without SDP gets the offer
 * in its 2xx and the answer in the ACK (late offer, RFC 3261 §13.2.1).
 * The controller is given through an interface: the proxy does not know the relay.
 */
import type { SipMessage, SipRequest, SipResponse } from '../sip/message/index.js';

export type MediaResult = { ok: true; sdp: string } | { ok: false; status: number; reason: string; warning?: string };

/** What the proxy needs from the media controller (src/media-session implements it). */
export interface MediaControl {
  offer(req: { callId: string; fromTag: string; sdp: string; source?: { host: string; port: number } }): Promise<MediaResult>;
  answer(req: { callId: string; fromTag: string; toTag: string; sdp: string; source?: { host: string; port: number } }): Promise<MediaResult>;
  delete(callId: string, reason: string): Promise<boolean>;
  has(callId: string): boolean;
}

/** When to anchor media: always, only when a party is behind NAT, or never. */
export type MediaMode = 'always' | 'nat' | 'never';

export interface MediaLog {
  warn(obj: object, msg: string): void;
}

/** Per INVITE/UPDATE transaction: where the offer was, so the answer is recognised. */
export interface OfferState {
  /** The offer came in the request (the answer will come in a response). */
  readonly inRequest: boolean;
}

export function sdpOf(m: SipMessage): string | undefined {
  if (m.body.length === 0) return undefined;
  const type = m.header('content-type');
  if (type === undefined || !/^application\/sdp\b/i.test(type.trim())) return undefined;
  return m.body.toString('utf8');
}

export class MediaAnchor {
  /** Calls whose last INVITE carried no offer: the offer is in the 2xx, the answer in the ACK. */
  private readonly lateOffers = new Map<string, string>();

  constructor(
    private readonly control: MediaControl,
    private readonly log?: MediaLog,
  ) {}

  has(callId: string): boolean {
    return this.control.has(callId);
  }

  /**
   * A request with (or without) an offer about to be forwarded: rewrites its body. A refusal
   * (488 no common codec, 400 bad SDP) is returned for the caller to answer.
   */
  async request(r: SipRequest, source: { host: string; port: number }): Promise<{ ok: true; state: OfferState } | { ok: false; status: number; reason: string; warning?: string }> {
    const sdp = sdpOf(r);
    const fromTag = r.from.tag ?? '';
    if (sdp === undefined) return { ok: true, state: { inRequest: false } };
    const res = await this.control.offer({ callId: r.callId, fromTag, sdp, source });
    if (!res.ok) return res;
    r.setBody(res.sdp, 'application/sdp');
    return { ok: true, state: { inRequest: true } };
  }

  /** A provisional or 2xx response to `request` about to go upstream: rewrites its SDP. */
  async response(request: SipRequest, state: OfferState, res: SipResponse, source?: { host: string; port: number }): Promise<void> {
    const sdp = sdpOf(res);
    if (sdp === undefined || res.status >= 300 || res.status === 100) return;
    const callId = request.callId;
    const fromTag = request.from.tag ?? '';
    const toTag = res.to.tag ?? '';
    let result: MediaResult;
    if (state.inRequest) {
      result = await this.control.answer({ callId, fromTag, toTag, sdp, ...(source === undefined ? {} : { source }) });
    } else {
      // Late offer: the answerer of the INVITE makes the offer; its answer comes in the ACK.
      result = await this.control.offer({ callId, fromTag: toTag, sdp, ...(source === undefined ? {} : { source }) });
      if (result.ok && res.status < 300 && res.status >= 200) this.lateOffers.set(callId, toTag);
    }
    if (!result.ok) {
      // A 2xx cannot be refused by a proxy: it goes on with its own SDP (media not anchored).
      this.log?.warn({ callId, status: res.status, reason: result.reason }, 'SDP in a response could not be anchored; forwarded unchanged');
      return;
    }
    res.setBody(result.sdp, 'application/sdp');
  }

  /** An ACK for a 2xx: carries the answer to a late offer. */
  async ack(ack: SipRequest, source: { host: string; port: number }): Promise<void> {
    const offerer = this.lateOffers.get(ack.callId);
    const sdp = sdpOf(ack);
    if (offerer === undefined || sdp === undefined) return;
    this.lateOffers.delete(ack.callId);
    const r = await this.control.answer({ callId: ack.callId, fromTag: offerer, toTag: ack.from.tag ?? '', sdp, source });
    if (r.ok) ack.setBody(r.sdp, 'application/sdp');
    else this.log?.warn({ callId: ack.callId, reason: r.reason }, 'SDP answer in ACK could not be anchored; forwarded unchanged');
  }

  /** The call is over (BYE, failure, CANCEL): the relay ports are released. */
  end(callId: string, reason: string): void {
    this.lateOffers.delete(callId);
    if (this.control.has(callId)) void this.control.delete(callId, reason);
  }
}

/** Warning header for a 488 (RFC 3261 §20.43: 305 Incompatible media format). */
export function warningValue(host: string, text: string): string {
  return `305 ${host} "${text.replace(/["\\]/g, '')}"`;
}
