/**
 * baresip (Debian baresip-core 1.0.0) as a headless phone that places and answers calls: a
 * generated config directory with the command set (menu.so), the JSON control channel
 * (ctrl_tcp.so: netstring-framed JSON commands in, command responses and UA events out),
 * G.711 and null-ish audio — a WAV file as the microphone (aufile.so) and an audio bridge as
 * loudspeaker and ringer (aubridge.so) — so no sound device and no terminal are needed.
 * `answermode=auto` in the account makes it answer incoming calls by itself.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BARESIP_MODULE_PATH, terminate } from './baresip.js';
import type { Target } from './sip-client.js';

// g711 before account: an account's audio_codecs are looked up when the account loads.
export const PHONE_MODULES = ['g711.so', 'account.so', 'menu.so', 'ctrl_tcp.so', 'aufile.so', 'aubridge.so'] as const;

export interface PhoneOptions {
  user: string;
  password: string;
  /** The server: the AOR is sip:USER@HOST:PORT, requests go there over UDP. */
  registrar: Target;
  sipPort: number;
  ctrlPort: number;
  /** RTP port range start (baresip takes `rtp_ports START-START+9`). */
  rtpPort: number;
  answerAuto: boolean;
  /** Frequency of the microphone's test tone (default 440 Hz). */
  toneHz?: number;
  /** Record each call's audio as WAV files here (sndfile.so: `*-dec.wav` is what was heard). */
  recordDir?: string;
  /** Restrict the account's codecs, e.g. ['pcma'] (baresip `audio_codecs`). */
  codecs?: readonly string[];
}

/** The options `BaresipPhone.launch` picks itself: free ports. */
export type PhonePorts = Pick<PhoneOptions, 'sipPort' | 'ctrlPort' | 'rtpPort'>;

/** One event or command response from ctrl_tcp. */
export type CtrlMessage = Record<string, unknown>;

const live = new Set<ChildProcess>();
process.on('exit', () => {
  for (const c of live) c.kill('SIGKILL');
});

/** A mono 16-bit PCM WAV of a sine tone (what aufile.so wants: S16LE, 8000 Hz for G.711). */
export function sineWav(seconds: number, hz = 440, rate = 8000): Buffer {
  const samples = Math.round(seconds * rate);
  const b = Buffer.alloc(44 + samples * 2);
  b.write('RIFF', 0, 'latin1');
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write('WAVEfmt ', 8, 'latin1');
  b.writeUInt32LE(16, 16); // fmt chunk size
  b.writeUInt16LE(1, 20); // PCM
  b.writeUInt16LE(1, 22); // channels
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28); // byte rate
  b.writeUInt16LE(2, 32); // block align
  b.writeUInt16LE(16, 34); // bits per sample
  b.write('data', 36, 'latin1');
  b.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) b.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * hz * i) / rate)), 44 + i * 2);
  return b;
}

export class BaresipPhone {
  private output = '';
  private exitInfo: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  private readonly exited: Promise<void>;
  private ctrl: Socket | undefined;
  private pending = Buffer.alloc(0);
  readonly messages: CtrlMessage[] = [];

  private constructor(private readonly child: ChildProcess, private readonly dir: string, readonly o: PhoneOptions) {
    live.add(child);
    const keep = (d: Buffer): void => {
      // Bounded: keep the last 400 kB.
      this.output = (this.output + d.toString('latin1')).slice(-400_000);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.once('error', (e) => keep(Buffer.from(`\nspawn error: ${e.message}\n`)));
    this.exited = new Promise((resolve) =>
      child.once('exit', (code, signal) => {
        live.delete(child);
        this.exitInfo = { code, signal };
        resolve();
      }),
    );
  }

  /** Writes the config directory and starts `baresip -f DIR -s` (SIP trace on stdout). */
  static start(o: PhoneOptions): BaresipPhone {
    const dir = mkdtempSync(join(tmpdir(), 'switchboard-phone-'));
    const wav = join(dir, 'mic.wav');
    // Longer than any call here: aufile ends the call's audio at the end of the file.
    writeFileSync(wav, sineWav(30, o.toneHz ?? 440));
    const aor = `sip:${o.user}@${o.registrar.host}:${o.registrar.port};transport=udp`;
    const codecs = o.codecs === undefined ? '' : `;audio_codecs=${o.codecs.join(',')}`;
    writeFileSync(join(dir, 'accounts'), `<${aor}>;auth_pass=${o.password};regint=60;answermode=${o.answerAuto ? 'auto' : 'manual'}${codecs}\n`);
    writeFileSync(
      join(dir, 'config'),
      [
        `sip_listen 127.0.0.1:${o.sipPort}`,
        `module_path ${BARESIP_MODULE_PATH}`,
        ...PHONE_MODULES.map((m) => `module ${m}`),
        ...(o.recordDir === undefined ? [] : ['module sndfile.so', `snd_path ${o.recordDir}`]),
        `ctrl_tcp_listen 127.0.0.1:${o.ctrlPort}`,
        `audio_source aufile,${wav}`,
        'audio_player aubridge,speaker',
        'audio_alert aubridge,ringer',
        `rtp_ports ${o.rtpPort}-${o.rtpPort + 9}`,
        'net_interface 127.0.0.1',
        '',
      ].join('\n'),
    );
    const child = spawn('baresip', ['-f', dir, '-s'], { stdio: ['ignore', 'pipe', 'pipe'] });
    return new BaresipPhone(child, dir, o);
  }

  /**
   * Starts a phone on ports from `pickPorts` and connects to its ctrl_tcp. A port found free
   * can be taken by a concurrently running test before baresip binds it; baresip then quits
   * with "Address already in use", and the phone is started again on other ports (at most
   * `attempts` times).
   */
  static async launch(o: Omit<PhoneOptions, keyof PhonePorts>, pickPorts: () => Promise<PhonePorts>, attempts = 4): Promise<BaresipPhone> {
    for (let attempt = 1; ; attempt++) {
      const phone = BaresipPhone.start({ ...o, ...(await pickPorts()) });
      try {
        await phone.connectControl();
        return phone;
      } catch (err) {
        await phone.stop(2000);
        if (attempt >= attempts || !phone.stdout.includes('Address already in use')) throw err;
      }
    }
  }

  get stdout(): string {
    return this.output;
  }

  get alive(): boolean {
    return this.exitInfo === undefined;
  }

  /** Connects to ctrl_tcp (retried every 100 ms for up to `timeoutMs`). */
  async connectControl(timeoutMs = 5000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.alive) {
      const s = await new Promise<Socket | undefined>((resolve) => {
        const sock = connect(this.o.ctrlPort, '127.0.0.1');
        sock.once('connect', () => resolve(sock));
        sock.once('error', () => {
          sock.destroy();
          resolve(undefined);
        });
      });
      if (s !== undefined) {
        this.ctrl = s;
        s.on('data', (d: Buffer) => this.onControlData(d));
        s.on('error', () => undefined);
        return;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`could not connect to baresip's ctrl_tcp on 127.0.0.1:${this.o.ctrlPort}\n${this.output.slice(-3000)}`);
  }

  /** Netstrings: "<length>:<payload>," one after another (ctrl_tcp's framing). */
  private onControlData(d: Buffer): void {
    this.pending = Buffer.concat([this.pending, d]);
    for (let guard = 0; guard < 1000; guard++) {
      const colon = this.pending.indexOf(0x3a);
      if (colon <= 0) return;
      const len = Number(this.pending.subarray(0, colon).toString('latin1'));
      if (!Number.isInteger(len) || this.pending.length < colon + 1 + len + 1) return;
      const payload = this.pending.subarray(colon + 1, colon + 1 + len).toString('utf8');
      this.pending = this.pending.subarray(colon + 2 + len);
      try {
        this.messages.push(JSON.parse(payload) as CtrlMessage);
      } catch {
        this.messages.push({ unparsed: payload });
      }
    }
  }

  /** Sends a command (`dial`, `hangup`, …) and waits for its response. */
  async command(command: string, params?: string, timeoutMs = 3000): Promise<CtrlMessage> {
    if (this.ctrl === undefined) throw new Error('connectControl() first');
    const token = `t${Math.random().toString(36).slice(2, 10)}`;
    const json = JSON.stringify({ command, ...(params === undefined ? {} : { params }), token });
    this.ctrl.write(`${Buffer.byteLength(json)}:${json},`);
    const r = await this.waitMessage((m) => m['response'] === true && m['token'] === token, timeoutMs);
    if (r === undefined) throw new Error(`no response to ctrl_tcp command ${command} ${params ?? ''}\n${this.output.slice(-3000)}`);
    return r;
  }

  /** The first control message matching `pred` (polled every 50 ms, at most `timeoutMs`). */
  async waitMessage(pred: (m: CtrlMessage) => boolean, timeoutMs: number): Promise<CtrlMessage | undefined> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const m = this.messages.find(pred);
      if (m !== undefined || Date.now() >= deadline || !this.alive) return m;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The first UA event of `type` (e.g. CALL_ESTABLISHED, REGISTER_OK). */
  waitEvent(type: string, timeoutMs: number): Promise<CtrlMessage | undefined> {
    return this.waitMessage((m) => m['event'] === true && m['type'] === type, timeoutMs);
  }

  /**
   * Waits until the account is registered: baresip prints "USER@HOST: {0/UDP/v4} 200 OK ()
   * [1 binding]" and sends REGISTER_OK (lost when it came before connectControl()).
   */
  async waitRegistered(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (/200 OK \(\) \[1 binding\]/.test(this.output) || this.eventTypes().includes('REGISTER_OK')) return true;
      if (Date.now() >= deadline || !this.alive) return false;
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** The UA event types seen so far, in order. */
  eventTypes(): string[] {
    return this.messages.filter((m) => m['event'] === true).map((m) => String(m['type']));
  }

  /** SIGTERM (baresip hangs up, unregisters and quits), SIGKILL after `graceMs`. Idempotent. */
  async stop(graceMs = 10_000): Promise<boolean> {
    this.ctrl?.destroy();
    const clean = this.exitInfo === undefined ? await terminate(this.child, this.exited, graceMs) : true;
    rmSync(this.dir, { recursive: true, force: true });
    return clean;
  }
}
