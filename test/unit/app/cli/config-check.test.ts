import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type CliIo, configCheck, runCli } from '../../../../src/app/cli/index.js';

function io(cwd: string): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}

describe('switchboard config check', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-check-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints FILE: OK and returns 0 for a good file', () => {
    const file = join(dir, 'good.yaml');
    writeFileSync(file, 'listen:\n  - udp:127.0.0.1:5060\ndomains: [example.com]\n');
    const t = io(dir);
    assert.equal(configCheck(file, t), 0);
    assert.deepEqual(t.out, [`${file}: OK\n`]);
    assert.deepEqual(t.err, []);
  });

  it('prints one located line per problem and returns 2 for a bad file', () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'sip:\n  timers:\n    t1: fast\nlisten: [udp:1.2.3.4]\n');
    const t = io(dir);
    assert.equal(configCheck(file, t), 2);
    assert.deepEqual(t.out, []);
    assert.deepEqual(t.err, [
      `${file}:3:5: sip.timers.t1: Expected number, received string\n`,
      `${file}:4:10: listen[0]: invalid listen spec "udp:1.2.3.4": expected TRANSPORT:ADDRESS:PORT, e.g. udp:127.0.0.1:5060 or tcp:[::1]:5060\n`,
    ]);
  });

  it('runs through the command line parser', async () => {
    const file = join(dir, 'bad2.yaml');
    writeFileSync(file, 'lgo: {}\n');
    const t = io(dir);
    assert.equal(await runCli(['config', 'check', file], { io: t }), 2);
    assert.deepEqual(t.err, [`${file}:1:1: lgo: unknown key "lgo" (did you mean "log"?)\n`]);
  });
});

describe('switchboard command line', () => {
  it('--version prints the package version', async () => {
    const t = io(process.cwd());
    assert.equal(await runCli(['--version'], { io: t }), 0);
    assert.match(t.out.join(''), /^\d+\.\d+\.\d+/);
  });

  it('config example prints the annotated example', async () => {
    const t = io(process.cwd());
    assert.equal(await runCli(['config', 'example'], { io: t }), 0);
    assert.match(t.out.join(''), /^# Switchboard configuration/);
    assert.match(t.out.join(''), /t1: 500 # /);
  });

  it('usage errors exit 2', async () => {
    const t = io(process.cwd());
    assert.equal(await runCli(['start', '--no-such-flag'], { io: t }), 2);
    assert.match(t.err.join(''), /unknown option '--no-such-flag'/);
    assert.equal(await runCli(['config', 'check'], { io: io(process.cwd()) }), 2);
  });
});
