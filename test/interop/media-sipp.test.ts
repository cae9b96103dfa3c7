/**
 * Calls with SDP between two SIPp instances through Switchboard, media anchored on its relay
 * (issue 6): an offer in the INVITE, a late offer (offer in the 200, answer in the ACK), hold
 * and resume by re-INVITE, an offer with no codec the server allows (488 + Warning 305), and
 * RTP injected from a third address during a call, which the relay must not forward.
 * Every check is on what the peers actually received: the SIPp message traces (the scenarios'
 * <ereg check_it> already fail a call whose SDP does not name the relay) and the packets the
 * RTP endpoints counted.
 *
 * The callee (a SIPp UAS) registers its contact from its own SIP port with digest auth (MD5
 * only: SIPp 3.6.1 reads one challenge); the caller (a SIPp UAC) is trusted by address
 * (proxy.trusted: 127.0.0.0/8) since its scenarios carry no credentials.
 */
import assert from 'node:assert/strict';
import { test, type TestContext } from 'node:test';
import { assertCallsSucceeded, assertRegistered, finish, scenario, sipp, startProxy, traces } from '../support/proxy-deployment.js';
import { DOMAIN, type RegistrarProcess } from '../support/registrar-server.js';
import type { LoggedMessage } from '../support/sipp-register.js';
import { type SippProcess, registerContacts, requests, responses, sippPorts, summary, udpPortBound } from '../support/sipp-call.js';
import {
  type AudioSdp,
  type RelayRange,
  RtpEndpoint,
  audioSdp,
  header,
  mediaYaml,
  portsStillBound,
  relayRange,
  waitForTraced,
} from '../support/sipp-media.js';
import { requirePeer, SIPP } from './peer-tools.js';
import type { SippRun } from './sipp-runner.js';

const CALLEE = { name: 'mediacallee', password: 'pw-media-callee-secret' };
const RELAY_HOST = '127.0.0.1';
const TRUSTED = ['127.0.0.0/8'];

interface MediaCall {
  server: RegistrarProcess;
  range: RelayRange;
  uac: SippProcess;
  uas: SippProcess;
  /** The RTP ports the caller's and the callee's SDP advertise. */
  uacRtp: number;
  uasRtp: number;
}

/**
 * Starts a server anchoring every call on its relay, registers the callee from the UAS's port,
 * starts the UAS (one call) and then the UAC (one call, holding it `holdMs`).
 */
async function startCall(
  t: TestContext,
  o: { uacScenario: string; uasScenario: string; holdMs?: number; uacRtp?: number; uasRtp?: number },
): Promise<MediaCall> {
  const range = await relayRange();
  const { server } = await startProxy(t, [CALLEE], { trusted: TRUSTED, extraYaml: mediaYaml(range) });
  const uasPorts = await sippPorts([server.port]);
  const uacPorts = await sippPorts([server.port, uasPorts.sip, uasPorts.media, uasPorts.media + 1, uasPorts.media + 2, uasPorts.media + 3]);
  const reg = await registerContacts({ scenario: scenario('register-digest.xml'), registrar: server.sip, port: uasPorts.sip, users: [CALLEE] });
  assertRegistered(reg, 1, server);

  const uasRtp = o.uasRtp ?? uasPorts.media;
  const uacRtp = o.uacRtp ?? uacPorts.media;
  const uas = sipp(t, {
    scenario: scenario(o.uasScenario),
    localPort: uasPorts.sip,
    mediaPort: uasPorts.media,
    calls: 1,
    timeoutS: 30,
    keys: { media_host: RELAY_HOST, rtp_port: String(uasRtp) },
  });
  assert.ok(await uas.waitListening(), 'the SIPp UAS did not bind its port');
  const uac = sipp(t, {
    scenario: scenario(o.uacScenario),
    target: server.sip,
    localPort: uacPorts.sip,
    mediaPort: uacPorts.media,
    calls: 1,
    rate: 1,
    pauseMs: o.holdMs ?? 200,
    injection: [CALLEE.name],
    keys: { domain: DOMAIN, media_host: RELAY_HOST, rtp_port: String(uacRtp) },
    timeoutS: 30,
  });
  return { server, range, uac, uas, uacRtp, uasRtp };
}

/** Both SIPps end; each must have completed its one call. */
async function completed(c: MediaCall): Promise<{ uac: SippRun; uas: SippRun; context: string }> {
  const uac = await c.uac.finished;
  const uas = await finish(c.uas, 5000);
  console.log(summary('uac', uac));
  console.log(summary('uas', uas));
  const context = traces(c.server, { uac, uas });
  assertCallsSucceeded(uac, 1, context);
  assertCallsSucceeded(uas, 1, context);
  return { uac, uas, context };
}

/** The audio stream of a traced message's SDP, which must name the relay: its address, a port of its range. */
function relayAudio(m: LoggedMessage | undefined, c: MediaCall, what: string, context: string): AudioSdp {
  assert.ok(m !== undefined, `${what}: not in the trace\n${context}`);
  const sdp = audioSdp(m.body);
  assert.ok(sdp !== undefined, `${what} carries no m=audio:\n${m.body}\n${context}`);
  assert.equal(sdp.address, RELAY_HOST, `${what}: c= does not name the relay\n${m.body}`);
  assert.ok(sdp.port >= c.range.min && sdp.port <= c.range.max, `${what}: port ${sdp.port} is not the relay's (${c.range.min}-${c.range.max})\n${m.body}`);
  assert.notEqual(sdp.port, c.uacRtp, `${what}: the caller's own RTP port`);
  assert.notEqual(sdp.port, c.uasRtp, `${what}: the callee's own RTP port`);
  return sdp;
}

/** The topmost Via's sent-by of a traced message. */
function topVia(m: LoggedMessage): string {
  return /^SIP\/2\.0\/\w+\s+([^;\s,]+)/i.exec(header(m, 'via') ?? '')?.[1] ?? '';
}

/** One message per CSeq (a retransmission repeats it), in order. */
function byCseq(ms: LoggedMessage[]): LoggedMessage[] {
  const seen = new Set<string>();
  return ms.filter((m) => {
    const k = header(m, 'cseq') ?? '';
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}

/** The relay's RTP ports and their RTCP companions (RFC 3550 §11) are free again after the BYE. */
async function assertReleased(rtpPorts: readonly number[], server: RegistrarProcess): Promise<void> {
  const ports = rtpPorts.flatMap((p) => [p, p + 1]);
  const stillBound = await portsStillBound(ports, 3000);
  assert.deepEqual(stillBound, [], `relay ports still bound after the BYE\n${server.outputTail(20)}`);
}

test('SIPp offer in the INVITE: each side is shown the relay, not the other phone; ports released after the BYE', { timeout: 90_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const c = await startCall(t, { uacScenario: 'media-uac.xml', uasScenario: 'media-uas.xml', holdMs: 1000 });
  // While the call is up, the relay holds the port it showed the caller (read from /proc, not by binding).
  const during = await waitForTraced(c.uac, (log) => audioSdp(responses(log, 'INVITE', 'received', 200)[0]?.body ?? '')?.port, 15_000);
  assert.ok(during !== undefined && udpPortBound(during), `the relay port ${during} shown to the caller is not bound during the call\n${c.server.outputTail(20)}`);

  const r = await completed(c);
  const sent = audioSdp(requests(r.uac.messageLog, 'INVITE', 'sent')[0]?.body ?? '');
  assert.equal(sent?.port, c.uacRtp, 'the caller offered its own port');
  const toCallee = relayAudio(requests(r.uas.messageLog, 'INVITE', 'received')[0], c, 'the INVITE the callee received', r.context);
  const toCaller = relayAudio(responses(r.uac.messageLog, 'INVITE', 'received', 200)[0], c, 'the 200 the caller received', r.context);
  assert.notEqual(toCallee.port, toCaller.port, 'each leg has its own relay port');
  assert.equal(toCaller.port, during);
  // The caller's PCMU comes first; with transcode on, the relay may add PCMA (G.711 a-law ↔ µ-law).
  assert.equal(toCallee.formats[0], '0', `the PCMU offer reached the callee as PCMU: ${toCallee.formats.join(' ')}`);
  assert.deepEqual(toCallee.formats.filter((f) => f !== '0' && f !== '8'), [], `only G.711 offered to the callee: ${toCallee.formats.join(' ')}`);
  assert.deepEqual(toCaller.formats, ['0'], 'the caller was answered PCMU');
  // ACK and BYE followed the Record-Route: the callee got them from the proxy.
  for (const method of ['ACK', 'BYE']) {
    const m = requests(r.uas.messageLog, method, 'received')[0];
    assert.ok(m !== undefined, `${method} did not reach the callee\n${r.context}`);
    assert.equal(topVia(m), `127.0.0.1:${c.server.port}`, `${method} did not come through the proxy`);
  }
  await assertReleased([toCallee.port, toCaller.port], c.server);
});

test('SIPp late offer: the offer in the 200 and the answer in the ACK both name the relay', { timeout: 90_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const c = await startCall(t, { uacScenario: 'media-uac-late.xml', uasScenario: 'media-uas-late.xml' });
  const r = await completed(c);
  const invite = requests(r.uac.messageLog, 'INVITE', 'sent')[0];
  assert.ok(invite !== undefined && invite.body === '', `the caller's INVITE carries no offer\n${r.context}`);
  const uasOffer = audioSdp(responses(r.uas.messageLog, 'INVITE', 'sent', 200)[0]?.body ?? '');
  assert.equal(uasOffer?.port, c.uasRtp, 'the callee offered its own port in the 200');
  const uacAnswer = audioSdp(requests(r.uac.messageLog, 'ACK', 'sent')[0]?.body ?? '');
  assert.equal(uacAnswer?.port, c.uacRtp, 'the caller answered with its own port in the ACK');

  const offerSeen = relayAudio(responses(r.uac.messageLog, 'INVITE', 'received', 200)[0], c, 'the offer in the 200 the caller received', r.context);
  assert.ok(offerSeen.formats.includes('0'), `PCMU offered to the caller: ${offerSeen.formats.join(' ')}`);
  const ack = requests(r.uas.messageLog, 'ACK', 'received')[0];
  const answerSeen = relayAudio(ack, c, 'the answer in the ACK the callee received', r.context);
  assert.deepEqual(answerSeen.formats, ['0'], 'the callee was answered PCMU');
  assert.notEqual(offerSeen.port, answerSeen.port, 'each leg has its own relay port');
  assert.equal(topVia(ack as LoggedMessage), `127.0.0.1:${c.server.port}`, 'the ACK came through the proxy');
  await assertReleased([offerSeen.port, answerSeen.port], c.server);
});

test('SIPp hold and resume by re-INVITE through the proxy: sendonly/recvonly then sendrecv, relay address kept', { timeout: 90_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const c = await startCall(t, { uacScenario: 'media-uac-hold.xml', uasScenario: 'media-uas-hold.xml' });
  const r = await completed(c);
  const proxy = `127.0.0.1:${c.server.port}`;

  // The callee received the initial offer, the hold (sendonly) and the resume (sendrecv), each
  // naming the same relay port (re-offers reuse the call's ports) and each from the proxy.
  const offers = byCseq(requests(r.uas.messageLog, 'INVITE', 'received'));
  assert.deepEqual(offers.map((m) => header(m, 'cseq')), ['1 INVITE', '2 INVITE', '3 INVITE'], r.context);
  const offered = offers.map((m, i) => relayAudio(m, c, `INVITE ${i + 1} the callee received`, r.context));
  assert.deepEqual(offered.map((s) => s.direction), ['sendrecv', 'sendonly', 'sendrecv'], r.context);
  assert.deepEqual(offered.map((s) => s.port), [offered[0].port, offered[0].port, offered[0].port], 'the callee kept the same relay port');
  for (const m of offers) assert.equal(topVia(m), proxy, `${header(m, 'cseq')} did not come through the proxy`);

  // The caller received the answers: sendrecv, recvonly (on hold), sendrecv — the relay's address each time.
  const answers = byCseq(responses(r.uac.messageLog, 'INVITE', 'received', 200));
  assert.deepEqual(answers.map((m) => header(m, 'cseq')), ['1 INVITE', '2 INVITE', '3 INVITE'], r.context);
  const answered = answers.map((m, i) => relayAudio(m, c, `the 200 to INVITE ${i + 1} the caller received`, r.context));
  assert.deepEqual(answered.map((s) => s.direction), ['sendrecv', 'recvonly', 'sendrecv'], r.context);
  assert.deepEqual(answered.map((s) => s.port), [answered[0].port, answered[0].port, answered[0].port], 'the caller kept the same relay port');
  assert.notEqual(answered[0].port, offered[0].port);

  // Every in-dialog request went along the route set through the proxy (Record-Route).
  const recordRoute = header(responses(r.uac.messageLog, 'INVITE', 'received', 200)[0] as LoggedMessage, 'record-route');
  assert.equal(recordRoute, `<sip:${proxy};lr>`, r.context);
  for (const m of [...requests(r.uac.messageLog, 'INVITE', 'sent').slice(1), ...requests(r.uac.messageLog, 'ACK', 'sent'), ...requests(r.uac.messageLog, 'BYE', 'sent')]) {
    assert.equal(header(m, 'route'), recordRoute, `${header(m, 'cseq')} sent without the route set`);
  }
  assert.equal(byCseq(requests(r.uas.messageLog, 'ACK', 'received')).length, 3, r.context);
  await assertReleased([offered[0].port, answered[0].port], c.server);
});

test('SIPp offer with no allowed or transcodable codec (GSM only): 488 with Warning 305, the callee never rung', { timeout: 90_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const c = await startCall(t, { uacScenario: 'media-uac-nocodec.xml', uasScenario: 'media-uas.xml' });
  const uac = await c.uac.finished;
  const uas = await c.uas.stop();
  console.log(summary('uac', uac));
  const context = traces(c.server, { uac, uas });
  // The scenario expects a 488 and fails the call without "Warning: 305 …" (ereg check_it).
  assertCallsSucceeded(uac, 1, context);
  const refused = responses(uac.messageLog, 'INVITE', 'received', 488);
  assert.ok(refused.length >= 1, context);
  for (const m of refused) assert.match(header(m, 'warning') ?? '', /^305 \S+ "Incompatible media format"$/, context);
  assert.deepEqual(responses(uac.messageLog, 'INVITE', 'received').map((m) => m.startLine).filter((l) => !/^SIP\/2\.0 (100|488) /.test(l)), [], 'no other response');
  assert.deepEqual(requests(uas.messageLog, 'INVITE', 'received'), [], 'the INVITE must not be forwarded');
  const bound = Array.from({ length: c.range.max - c.range.min + 1 }, (_, i) => c.range.min + i).filter(udpPortBound);
  assert.deepEqual(bound, [], 'the relay allocated no ports for a refused offer');
});

test('SIPp call with RTP: both legs flow through the relay; RTP injected from 127.0.0.3 is not forwarded', { timeout: 90_000 }, async (t) => {
  if (!requirePeer(t, SIPP)) return;
  const caller = await RtpEndpoint.open('127.0.0.1');
  const callee = await RtpEndpoint.open('127.0.0.1');
  const intruder = await RtpEndpoint.open('127.0.0.3');
  t.after(() => {
    caller.close();
    callee.close();
    intruder.close();
  });
  const c = await startCall(t, { uacScenario: 'media-uac.xml', uasScenario: 'media-uas.xml', holdMs: 6000, uacRtp: caller.port, uasRtp: callee.port });
  // The relay ports each side was told to send to: the 200 the caller got, the INVITE the callee got.
  const [toCaller, toCallee] = await Promise.all([
    waitForTraced(c.uac, (log) => audioSdp(responses(log, 'INVITE', 'received', 200)[0]?.body ?? ''), 15_000),
    waitForTraced(c.uas, (log) => audioSdp(requests(log, 'INVITE', 'received')[0]?.body ?? ''), 15_000),
  ]);
  assert.ok(toCaller !== undefined && toCallee !== undefined, `the call was not set up\n${c.server.outputTail(30)}`);
  const relayForCaller = { address: toCaller.address, port: toCaller.port };
  const relayForCallee = { address: toCallee.address, port: toCallee.port };
  const explain = (): string => `caller got ${JSON.stringify(caller.tally())}, callee got ${JSON.stringify(callee.tally())}, intruder got ${JSON.stringify(intruder.tally())}\n${c.server.outputTail(20)}`;

  // 1. Each party sends first (symmetric RTP: the relay latches onto their source addresses).
  const LATCH = 10;
  await Promise.all([caller.send(relayForCaller, 'caller-1', LATCH), callee.send(relayForCallee, 'callee-1', LATCH)]);
  assert.ok(await callee.waitFor('caller-1', LATCH, 3000), `the callee did not get the caller's RTP\n${explain()}`);
  assert.ok(await caller.waitFor('callee-1', LATCH, 3000), `the caller did not get the callee's RTP\n${explain()}`);

  // 2. While both keep talking, 127.0.0.3 sends to each leg's relay port, posing as the party.
  const TALK = 25;
  await Promise.all([
    caller.send(relayForCaller, 'caller-2', TALK),
    callee.send(relayForCallee, 'callee-2', TALK),
    intruder.send(relayForCaller, 'inject-a', TALK),
    intruder.send(relayForCallee, 'inject-b', TALK),
  ]);
  assert.ok(await callee.waitFor('caller-2', TALK, 3000), explain());
  assert.ok(await caller.waitFor('callee-2', TALK, 3000), explain());
  await new Promise((r) => setTimeout(r, 300)); // stragglers, if any, would arrive by now
  console.log(`# ${explain().split('\n')[0]}`);

  // Exactly the legitimate packets crossed, each way; nothing of the intruder's, to anyone.
  assert.deepEqual(callee.tally(), { 'caller-1': LATCH, 'caller-2': TALK }, explain());
  assert.deepEqual(caller.tally(), { 'callee-1': LATCH, 'callee-2': TALK }, explain());
  assert.deepEqual(intruder.tally(), {}, explain());

  await completed(c);
  await assertReleased([relayForCaller.port, relayForCallee.port], c.server);
});
