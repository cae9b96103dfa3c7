/**
 * Media anchoring in the proxy with a recording media controller: which SDP is an offer and
 * which an answer (INVITE/200, late offer 200/ACK, re-INVITE from the callee), the rewritten
 * bodies forwarded, 488 with Warning 305, release on BYE and on failure, mode `never`.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { MediaControl, MediaResult } from '../../../src/proxy/index.js';
import { createResponse } from '../../../src/sip/message/index.js';
import { ALICE, PROXY, inDialog, setup } from './proxy-harness.js';

const SDP = (who: string, port: number) => `v=0\r\no=${who} 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 10.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0\r\n`;

class RecordingMedia implements MediaControl {
  readonly log: string[] = [];
  private readonly calls = new Set<string>();
  refuse = false;
  async offer(r: { callId: string; fromTag: string; sdp: string }): Promise<MediaResult> {
    this.log.push(`offer ${r.fromTag}`);
    if (this.refuse) return { ok: false, status: 488, reason: 'Not Acceptable Here', warning: 'Incompatible media format' };
    this.calls.add(r.callId);
    return { ok: true, sdp: r.sdp.replace(/m=audio \d+/, 'm=audio 30000') };
  }
  async answer(r: { callId: string; fromTag: string; toTag: string; sdp: string }): Promise<MediaResult> {
    this.log.push(`answer ${r.fromTag}->${r.toTag}`);
    return { ok: true, sdp: r.sdp.replace(/m=audio \d+/, 'm=audio 30002') };
  }
  async delete(callId: string, reason: string): Promise<boolean> {
    this.log.push(`delete ${reason}`);
    return this.calls.delete(callId);
  }
  has(callId: string): boolean {
    return this.calls.has(callId);
  }
}

const withSdp = (invite: string, sdp: string) => invite.replace('Content-Length: 0\r\n', `Content-Type: application/sdp\r\nContent-Length: ${Buffer.byteLength(sdp)}\r\n`) + sdp;

describe('proxy: media anchoring (rtpengine-style offer/answer)', () => {
  it('offer in INVITE, answer in 200: both bodies rewritten; BYE releases the session', async () => {
    const media = new RecordingMedia();
    const s = await setup({ trusted: true, media });
    await s.send(ALICE, withSdp(s.invite(), SDP('alice', 4000)));
    const inv = s.bob.requests('INVITE')[0];
    assert.ok(inv);
    assert.match(inv.body.toString(), /m=audio 30000 /, 'bob sees the relay port');
    await s.bob.t.send(createResponse(inv, 200, { toTag: 'bob1', headers: [['Contact', '<sip:bob@10.0.0.20:5060>'], ['Record-Route', inv.header('record-route')!]], body: SDP('bob', 5000), contentType: 'application/sdp' }), PROXY);
    await s.flush();
    const ok = s.alice.responses(200)[0];
    assert.ok(ok);
    assert.match(ok.body.toString(), /m=audio 30002 /, 'alice sees the relay port');
    assert.equal(ok.header('content-length'), String(ok.body.length));
    const bye = inDialog('BYE', 2, 'z9hG4bK-bye');
    await s.send(ALICE, bye);
    assert.deepEqual(media.log, ['offer alice1', 'answer alice1->bob1', 'delete bye']);
  });

  it('media timeout: terminate() sends BYE to both parties of the dialog and releases the media', async () => {
    const media = new RecordingMedia();
    const s = await setup({ trusted: true, media });
    await s.send(ALICE, withSdp(s.invite(), SDP('alice', 4000)));
    const inv = s.bob.requests('INVITE')[0];
    await s.bob.t.send(createResponse(inv, 200, { toTag: 'bob1', headers: [['Contact', '<sip:bob@10.0.0.20:5060>'], ['Record-Route', inv.header('record-route')!]], body: SDP('bob', 5000), contentType: 'application/sdp' }), PROXY);
    await s.flush();
    assert.equal(s.proxy.calls.list().length, 1);
    assert.equal(s.proxy.terminate('call-1@alice', 'RTP Timeout'), true);
    await s.flush();
    const toBob = s.bob.requests('BYE')[0];
    const toAlice = s.alice.requests('BYE')[0];
    assert.ok(toBob && toAlice, 'both parties got a BYE');
    assert.equal(toBob.uri.toString(), 'sip:bob@10.0.0.20:5060');
    assert.equal(toBob.from.tag, 'alice1');
    assert.equal(toBob.to.tag, 'bob1');
    assert.equal(toBob.cseq.seq, 2, 'above the INVITE\'s CSeq 1');
    assert.equal(toAlice.from.tag, 'bob1');
    assert.equal(toAlice.to.tag, 'alice1');
    assert.equal(toAlice.uri.toString(), `sip:alice@${ALICE.host}:${ALICE.port}`);
    assert.match(toBob.header('reason') ?? '', /RTP Timeout/);
    assert.ok(media.log.includes('delete RTP Timeout'));
    assert.equal(s.proxy.calls.list().length, 0);
    assert.equal(s.proxy.terminate('call-1@alice', 'again'), false, 'only once');
  });

  it('media timeout: a call the relay does not carry keeps no dialog, so terminate() sends nothing', async () => {
    const s = await setup({ trusted: true, media: new RecordingMedia(), mediaMode: 'never' });
    await s.send(ALICE, withSdp(s.invite(), SDP('alice', 4000)));
    const inv = s.bob.requests('INVITE')[0];
    await s.bob.t.send(createResponse(inv, 200, { toTag: 'bob1', headers: [['Contact', '<sip:bob@10.0.0.20:5060>'], ['Record-Route', inv.header('record-route')!]], body: SDP('bob', 5000), contentType: 'application/sdp' }), PROXY);
    await s.flush();
    assert.equal(s.proxy.calls.list().length, 1, 'the call is still listed');
    assert.equal(s.proxy.terminate('call-1@alice', 'RTP Timeout'), false);
    await s.flush();
    assert.equal(s.bob.requests('BYE').length + s.alice.requests('BYE').length, 0);
  });

  it('late offer: the 200 carries the offer (from the callee), the ACK the answer', async () => {
    const media = new RecordingMedia();
    const s = await setup({ trusted: true, media });
    await s.send(ALICE, s.invite());
    const inv = s.bob.requests('INVITE')[0];
    await s.bob.t.send(createResponse(inv, 200, { toTag: 'bob1', headers: [['Contact', '<sip:bob@10.0.0.20:5060>']], body: SDP('bob', 5000), contentType: 'application/sdp' }), PROXY);
    await s.flush();
    assert.match(s.alice.responses(200)[0].body.toString(), /m=audio 30000 /);
    const ack = inDialog('ACK', 1, 'z9hG4bK-ack');
    await s.send(ALICE, withSdp(ack, SDP('alice', 4000)));
    const gotAck = s.bob.requests('ACK')[0];
    assert.ok(gotAck);
    assert.match(gotAck.body.toString(), /m=audio 30002 /);
    assert.deepEqual(media.log, ['offer bob1', 'answer bob1->alice1']);
  });

  it('no common codec: 488 with Warning 305, nothing forwarded', async () => {
    const media = new RecordingMedia();
    media.refuse = true;
    const s = await setup({ trusted: true, media });
    await s.send(ALICE, withSdp(s.invite(), SDP('alice', 4000)));
    const r = s.alice.responses(488)[0];
    assert.ok(r);
    assert.equal(r.header('warning'), `305 ${PROXY.host} "Incompatible media format"`);
    assert.equal(s.bob.got.length, 0);
  });

  it('a failed call releases its relay session; mode never leaves the SDP alone', async () => {
    const media = new RecordingMedia();
    const s = await setup({ trusted: true, media });
    await s.send(ALICE, withSdp(s.invite(), SDP('alice', 4000)));
    const inv = s.bob.requests('INVITE')[0];
    await s.bob.t.send(createResponse(inv, 486, { toTag: 'bob1' }), PROXY);
    await s.flush();
    assert.deepEqual(media.log, ['offer alice1', 'delete final 486']);
    const never = await setup({ trusted: true, media: new RecordingMedia(), mediaMode: 'never' });
    await never.send(ALICE, withSdp(never.invite(), SDP('alice', 4000)));
    assert.match(never.bob.requests('INVITE')[0].body.toString(), /m=audio 4000 /);
  });
});
