/**
 * Media through Switchboard with real phones: two baresip 1.0 instances register and call
 * each other through the proxy with media anchored on the relay. Each plays its own tone
 * (aufile: alice 440 Hz, bob 1000 Hz) and records what it hears (sndfile); the recordings
 * must hold the other side's tone at a usable level — both directions crossed the relay.
 * The SDP each phone received names the relay, not the other phone, and the relay's ports
 * are free again after the BYE. The same with alice restricted to PCMA and bob to PCMU: the
 * relay transcodes G.711 µ-law ↔ A-law.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type TestContext, test } from 'node:test';
import { assertBaresipModules, BARESIP } from '../support/baresip.js';
import { BaresipPhone } from '../support/baresip-phone.js';
import { tracedMessages } from '../support/baresip-trace.js';
import { startProxy } from '../support/proxy-deployment.js';
import { DOMAIN } from '../support/registrar-server.js';
import { freePort } from '../support/server-process.js';
import { mediaYaml, relayRange, udpPortFree } from '../support/sipp-media.js';
import { requirePeer } from './peer-tools.js';

const ALICE = { name: 'alice', password: 'alice-media-secret' };
const BOB = { name: 'bob', password: 'bob-media-secret' };
const TALK_MS = 3000;

/** The samples of a 16-bit PCM WAV (any chunk layout; mono assumed, as sndfile writes for G.711). */
function wavSamples(file: string): { rate: number; samples: Int16Array } {
  const b = readFileSync(file);
  let at = 12;
  let rate = 8000;
  while (at + 8 <= b.length) {
    const id = b.toString('latin1', at, at + 4);
    const size = b.readUInt32LE(at + 4);
    if (id === 'fmt ') rate = b.readUInt32LE(at + 12);
    if (id === 'data') {
      const end = Math.min(b.length, at + 8 + size);
      const n = Math.floor((end - at - 8) / 2);
      const samples = new Int16Array(n);
      for (let i = 0; i < n; i++) samples[i] = b.readInt16LE(at + 8 + i * 2);
      return { rate, samples };
    }
    at += 8 + size + (size % 2);
  }
  return { rate, samples: new Int16Array(0) };
}

/** Goertzel power of `hz` in the samples, normalised per sample. */
function tonePower(samples: Int16Array, rate: number, hz: number): number {
  const k = (2 * Math.cos((2 * Math.PI * hz) / rate));
  let s1 = 0;
  let s2 = 0;
  for (const x of samples) {
    const s0 = x + k * s1 - s2;
    s2 = s1;
    s1 = s0;
  }
  return (s1 * s1 + s2 * s2 - k * s1 * s2) / (samples.length * samples.length);
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const x of samples) sum += x * x;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

/** What a phone heard: the decoded recording sndfile wrote for the call. */
function heard(dir: string): { rate: number; samples: Int16Array } {
  const files = readdirSync(dir).filter((f) => f.endsWith('.wav'));
  const dec = files.find((f) => /dec/.test(f)) ?? files[0];
  assert.ok(dec !== undefined, `no recording in ${dir}: ${files.join(', ')}`);
  return wavSamples(join(dir, dec));
}

async function callWithMedia(t: TestContext, codecs: { alice?: string[]; bob?: string[] }): Promise<void> {
  if (!requirePeer(t, BARESIP)) return;
  assertBaresipModules();
  const range = await relayRange(200);
  const { server } = await startProxy(t, [ALICE, BOB], { extraYaml: mediaYaml(range, ['pcmu', 'pcma']) });
  const taken = [server.port, ...Array.from({ length: 200 }, (_, i) => range.min + i)];
  const ports = async () => {
    const sipPort = await freePort(taken);
    taken.push(sipPort);
    const ctrlPort = await freePort(taken);
    taken.push(ctrlPort);
    const rtpPort = await freePort(taken);
    for (let i = 0; i < 10; i++) taken.push(rtpPort + i);
    return { sipPort, ctrlPort, rtpPort };
  };
  const aliceRec = mkdtempSync(join(tmpdir(), 'switchboard-rec-alice-'));
  const bobRec = mkdtempSync(join(tmpdir(), 'switchboard-rec-bob-'));
  t.after(() => {
    rmSync(aliceRec, { recursive: true, force: true });
    rmSync(bobRec, { recursive: true, force: true });
  });
  const bob = await BaresipPhone.launch({ user: BOB.name, password: BOB.password, registrar: server.sip, answerAuto: true, toneHz: 1000, recordDir: bobRec, ...(codecs.bob ? { codecs: codecs.bob } : {}) }, ports);
  t.after(() => bob.stop());
  const alice = await BaresipPhone.launch({ user: ALICE.name, password: ALICE.password, registrar: server.sip, answerAuto: false, toneHz: 440, recordDir: aliceRec, ...(codecs.alice ? { codecs: codecs.alice } : {}) }, ports);
  t.after(() => alice.stop());
  const explain = (): string => [`--- alice ---`, alice.stdout.slice(-6000), `--- bob ---`, bob.stdout.slice(-6000), server.outputTail(30)].join('\n');

  for (const phone of [alice, bob]) assert.ok(await phone.waitRegistered(15_000), `${phone.o.user} did not register\n${explain()}`);
  const dial = await alice.command('dial', `sip:${BOB.name}@${DOMAIN}:${server.port}`);
  assert.equal(dial['ok'], true, explain());
  const [aliceUp, bobUp] = await Promise.all([alice.waitEvent('CALL_ESTABLISHED', 15_000), bob.waitEvent('CALL_ESTABLISHED', 15_000)]);
  assert.ok(aliceUp !== undefined && bobUp !== undefined, `the call was not established\n${explain()}`);
  await new Promise((r) => setTimeout(r, TALK_MS));

  // The SDP bob received (INVITE) and alice received (200) name the relay's ports.
  const relayPort = (sdp: string): number => Number(/m=audio (\d+) /.exec(sdp)?.[1] ?? NaN);
  const bobInvite = tracedMessages(bob.stdout, bob.o.sipPort).find((m) => m.direction === 'recv' && m.startLine.startsWith('INVITE '));
  const alice200 = tracedMessages(alice.stdout, alice.o.sipPort).find((m) => m.direction === 'recv' && /^SIP\/2\.0 200 /.test(m.startLine) && m.body.includes('m=audio'));
  assert.ok(bobInvite !== undefined && alice200 !== undefined, explain());
  const toBob = relayPort(bobInvite.body);
  const toAlice = relayPort(alice200.body);
  for (const p of [toBob, toAlice]) assert.ok(p >= range.min && p <= range.max, `SDP port ${p} is not the relay's (${range.min}-${range.max})\n${explain()}`);

  if (codecs.alice !== undefined && codecs.bob !== undefined) {
    // Transcoding: alice offered only PCMA (8), bob answered only PCMU (0), and each side was
    // shown a codec it had itself: the relay converted between them.
    const fmts = (sdp: string): string[] => (/m=audio \d+ \S+ ([\d ]+)/.exec(sdp)?.[1] ?? '').trim().split(/\s+/).filter((f) => Number(f) < 96);
    const aliceInvite = tracedMessages(alice.stdout, alice.o.sipPort).filter((m) => m.direction === 'send' && m.startLine.startsWith('INVITE ')).pop();
    const bob200 = tracedMessages(bob.stdout, bob.o.sipPort).find((m) => m.direction === 'send' && /^SIP\/2\.0 200 /.test(m.startLine) && m.body.includes('m=audio'));
    assert.ok(aliceInvite !== undefined && bob200 !== undefined, explain());
    assert.deepEqual(fmts(aliceInvite.body), ['8'], 'alice offered PCMA only');
    assert.ok(fmts(bobInvite.body).includes('0'), `the relay offered PCMU to bob: ${bobInvite.body}`);
    assert.deepEqual(fmts(bob200.body), ['0'], 'bob answered PCMU');
    assert.deepEqual(fmts(alice200.body), ['8'], 'alice was answered with her PCMA');
  }

  assert.equal((await alice.command('hangup'))['ok'], true, explain());
  const [aliceDown, bobDown] = await Promise.all([alice.waitEvent('CALL_CLOSED', 10_000), bob.waitEvent('CALL_CLOSED', 10_000)]);
  assert.ok(aliceDown !== undefined && bobDown !== undefined, explain());
  await Promise.all([alice.stop(), bob.stop()]);

  // Each side heard the other's tone, clearly above its own and at a usable level.
  for (const [who, dir, want, other] of [['alice', aliceRec, 1000, 440], ['bob', bobRec, 440, 1000]] as const) {
    const { rate, samples } = heard(dir);
    const speech = samples.subarray(Math.floor(samples.length / 4)); // skip the call set-up
    const pWant = tonePower(speech, rate, want);
    const pOther = tonePower(speech, rate, other);
    console.log(`# ${who} heard ${samples.length} samples at ${rate} Hz: rms ${rms(speech).toFixed(0)}, ${want} Hz power ${pWant.toExponential(2)}, ${other} Hz power ${pOther.toExponential(2)}`);
    assert.ok(rms(speech) > 500, `${who} heard near silence (rms ${rms(speech).toFixed(0)})\n${explain()}`);
    assert.ok(pWant > 20 * pOther, `${who} did not hear the ${want} Hz tone clearly\n${explain()}`);
  }
  // The relay released its ports after the BYE.
  await new Promise((r) => setTimeout(r, 500));
  for (const p of [toBob, toAlice]) assert.equal(await udpPortFree(p), true, `relay port ${p} still bound after BYE\n${server.outputTail(20)}`);
}

test('baresip ↔ baresip with media relayed by Switchboard: both tones cross, ports released after BYE', { timeout: 90_000 }, async (t) => {
  await callWithMedia(t, {});
});

test('PCMA-only alice calls PCMU-only bob: the relay transcodes A-law ↔ µ-law both ways', { timeout: 90_000 }, async (t) => {
  await callWithMedia(t, { alice: ['pcma'], bob: ['pcmu'] });
});
