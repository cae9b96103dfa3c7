/**
 * SDP handling in the running server, over UDP on loopback: an INVITE whose offer has no codec
 * the server allows (and none it can transcode to) is refused with 488 and Warning 305; a
 * malformed SDP body gets 400 with the parser's reason; neither costs the server anything.
 */
import assert from 'node:assert/strict';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { describe, it } from 'node:test';
import { startProxy } from '../support/proxy-deployment.js';
import { UdpSipClient, newBranch, randomToken, sendUdpRequest, type ReceivedResponse, type Target } from '../support/sip-client.js';

async function inviteWithSdp(server: Target, sdp: string): Promise<ReceivedResponse | undefined> {
  const client = await UdpSipClient.open();
  try {
    const l = client.local;
    const msg = [
      `INVITE sip:bob@127.0.0.1:${server.port} SIP/2.0`,
      `Via: SIP/2.0/UDP ${l.host}:${l.port};branch=${newBranch()};rport`,
      'Max-Forwards: 70',
      `From: <sip:alice@127.0.0.1>;tag=${randomToken(4)}`,
      'To: <sip:bob@127.0.0.1>',
      `Call-ID: ${randomToken()}@test`,
      'CSeq: 1 INVITE',
      `Contact: <sip:alice@${l.host}:${l.port}>`,
      'Content-Type: application/sdp',
      `Content-Length: ${Buffer.byteLength(sdp)}`,
      '',
      sdp,
    ].join('\r\n');
    const r = await sendUdpRequest(msg, server, { client, timeoutMs: 3000 });
    return r.responses.find((x) => x.status >= 200);
  } finally {
    await client.close();
  }
}

const offer = (fmts: string, extra = '') => `v=0\r\no=a 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP ${fmts}\r\n${extra}`;

describe('SDP offers refused by the media policy (RFC 3264, RFC 3261 §20.43)', () => {
  it('488 with Warning 305 when no codec is allowed or transcodable; 400 for a malformed body', { timeout: 60_000 }, async (t) => {
    // "bob" is a UDP socket here, reached by a forward route (no registration needed).
    const bob = createSocket('udp4');
    bob.bind(0, '127.0.0.1');
    await once(bob, 'listening');
    t.after(() => bob.close());
    const { server } = await startProxy(t, [], {
      trusted: ['127.0.0.0/8'],
      extraYaml: [
        'media:\n  mode: always\n  codecs: [pcmu, pcma]\n  port_min: 36000\n  port_max: 36099',
        `routing:\n  routes:\n    - name: bob\n      match: { ruri_user: '^bob$' }\n      action: { forward: 'sip:bob@127.0.0.1:${bob.address().port}' }`,
      ].join('\n'),
    });
    const g729 = await inviteWithSdp(server.sip, offer('18', 'a=rtpmap:18 G729/8000\r\n'));
    assert.equal(g729?.status, 488, server.outputTail());
    assert.match(g729?.headers.get('warning')?.[0] ?? '', /^305 \S+ "Incompatible media format"$/);
    const broken = await inviteWithSdp(server.sip, 'v=0\r\nthis is not sdp\r\n');
    assert.equal(broken?.status, 400, server.outputTail());
    assert.ok((broken?.reason.length ?? 0) > 3, 'the reason says what is wrong');
    // An acceptable offer goes on to bob with the relay's address in its SDP.
    const arrived = once(bob, 'message', { signal: AbortSignal.timeout(10_000) });
    void inviteWithSdp(server.sip, offer('0 101', 'a=rtpmap:101 telephone-event/8000\r\n'));
    const [invite] = (await arrived) as [Buffer];
    const text = invite.toString();
    assert.match(text, /^INVITE sip:bob@127\.0\.0\.1:/);
    const port = Number(/m=audio (\d+) /.exec(text)?.[1]);
    assert.ok(port >= 36000 && port <= 36099, `bob was offered the relay's port, not 6000: ${text}`);
    assert.match(text, /a=rtpmap:101 telephone-event\/8000/, 'telephone-event passed through');
    assert.ok(server.alive);
  });
});
