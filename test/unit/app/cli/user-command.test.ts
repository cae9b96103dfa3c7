/** `switchboard user add | remove | list | import`, and the server seeing the CLI's changes. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type CliIo, runCli } from '../../../../src/app/cli/index.js';
import { loadConfig, parseConfig } from '../../../../src/app/config/index.js';
import { createLogger } from '../../../../src/app/log.js';
import { openAuth } from '../../../../src/app/wiring/auth.js';
import { answerChallenge } from '../../../../src/auth/index.js';
import { ManualClock } from '../../../../src/lib/index.js';
import { type SipRequest, parse } from '../../../../src/sip/message/index.js';

const root = mkdtempSync(join(tmpdir(), 'sb-user-'));
after(() => rmSync(root, { recursive: true, force: true }));

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, cwd: root, stdout: (t) => void out.push(t), stderr: (t) => void err.push(t) };
}

let seq = 0;
/** A fresh data dir and a config file with domains [example.org, example.com] pointing at it. */
function workspace(): { data: string; config: string } {
  const data = join(root, `data-${++seq}`);
  const config = join(root, `config-${seq}.yaml`);
  writeFileSync(config, `data_dir: ${data}\ndomains: [example.org, example.com]\nusers:\n  - name: carol\n    password: fromconfig\n`);
  return { data, config };
}

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const t = io();
  const code = await runCli(args, { io: t });
  return { code, out: t.out.join(''), err: t.err.join('') };
}

interface Listed {
  user: string;
  domain: string;
  algorithms: string[];
  source: string;
}

async function list(config: string): Promise<Listed[]> {
  const r = await run(['user', 'list', '--json', '--config', config]);
  assert.equal(r.code, 0, r.err);
  return JSON.parse(r.out) as Listed[];
}

describe('switchboard user', () => {
  it('adds a user to the first domain of the config, updates it, lists it without hashes, removes it', async () => {
    const { config } = workspace();
    assert.deepEqual(await run(['user', 'add', 'alice', '--password', 'wonderland', '--config', config]), {
      code: 0,
      out: 'added alice@example.org (SHA-256, MD5)\n',
      err: '',
    });
    assert.equal((await run(['user', 'add', 'alice', '--password', 'other', '--config', config])).out, 'updated alice@example.org (SHA-256, MD5)\n');
    assert.equal((await run(['user', 'add', 'bob@Example.COM', '--password', 'x', '--config', config])).code, 0);
    assert.equal((await run(['user', 'add', 'dave', '--domain', 'example.com', '--password', 'x', '--config', config])).code, 0);
    assert.deepEqual(await list(config), [
      { user: 'carol', domain: 'example.org', algorithms: ['SHA-256', 'MD5'], source: 'config' },
      { user: 'bob', domain: 'example.com', algorithms: ['SHA-256', 'MD5'], source: 'database' },
      { user: 'dave', domain: 'example.com', algorithms: ['SHA-256', 'MD5'], source: 'database' },
      { user: 'alice', domain: 'example.org', algorithms: ['SHA-256', 'MD5'], source: 'database' },
    ]);
    const text = await run(['user', 'list', '--config', config]);
    assert.match(text.out, /^alice@example\.org\tSHA-256,MD5\tdatabase$/m);
    assert.match(text.out, /^4 users$/m);
    assert.ok(!/[0-9a-f]{32}/.test(text.out), 'no hash in the listing');
    assert.deepEqual(await run(['user', 'remove', 'alice', '--config', config]), { code: 0, out: 'removed alice@example.org\n', err: '' });
    const again = await run(['user', 'remove', 'alice', '--config', config]);
    assert.equal(again.code, 1);
    assert.match(again.err, /no user alice@example\.org/);
    const configured = await run(['user', 'remove', 'carol', '--config', config]);
    assert.equal(configured.code, 1);
    assert.match(configured.err, /defined in the config file/);
  });

  it('takes HA1 values instead of a password; --data without a config file uses the default domain', async () => {
    const data = join(root, `data-${++seq}`);
    const ha1 = 'AB'.repeat(16);
    const r = await run(['user', 'add', 'eve', '--ha1', ha1, '--data', data]);
    assert.deepEqual(r, { code: 0, out: 'added eve@127.0.0.1 (MD5)\n', err: '' });
    const both = await run(['user', 'add', 'eve', '--ha1', ha1, '--ha1-sha256', 'cd'.repeat(32), '--data', data]);
    assert.equal(both.out, 'updated eve@127.0.0.1 (SHA-256, MD5)\n');
    assert.equal(statSync(join(data, 'switchboard.db')).isFile(), true);
  });

  it('refuses bad usage with exit code 2 and a clear message', async () => {
    const { config } = workspace();
    const cases: [string[], RegExp][] = [
      [['user', 'add', 'x', '--config', config], /give --password/],
      [['user', 'add', 'x', '--password', 'p', '--ha1', 'a'.repeat(32), '--config', config], /either --password or --ha1/],
      [['user', 'add', 'x', '--ha1', 'xyz', '--config', config], /--ha1 must be 32 hex digits/],
      [['user', 'add', 'x', '--ha1-sha256', 'a'.repeat(32), '--config', config], /--ha1-sha256 must be 64 hex digits/],
      [['user', 'add', 'a b', '--password', 'p', '--config', config], /contains a space/],
      [['user', 'add', 'x@a.com', '--domain', 'b.com', '--password', 'p', '--config', config], /domain a\.com but the domain given is b\.com/],
      [['user', 'add', 'x', '--domain', 'bad domain!', '--password', 'p', '--config', config], /not a valid domain/],
      [['user', 'add', 'x', '--password', 'p', '--config', join(root, 'missing.yaml')], /cannot read config file/],
      [['user', 'import', join(root, 'missing.csv'), '--config', config], /cannot read/],
      [['user', 'add'], /missing required argument/],
      [['user', 'frobnicate'], /unknown command/],
    ];
    for (const [args, message] of cases) {
      const r = await run(args);
      assert.equal(r.code, 2, args.join(' '));
      assert.match(r.err, message, args.join(' '));
    }
  });

  it('imports a CSV file, reporting added, updated and skipped rows with line numbers', async () => {
    const { config } = workspace();
    await run(['user', 'add', 'u1', '--password', 'old', '--config', config]);
    const csv = join(root, `users-${seq}.csv`);
    writeFileSync(csv, 'user,password,domain\nu1,new,\nu2,pw,example.com\nu3,,\n"u4",pw,\n');
    const r = await run(['user', 'import', csv, '--config', config]);
    assert.equal(r.code, 1);
    assert.equal(r.out, `${csv}: 2 added, 1 updated, 1 skipped\n`);
    assert.equal(r.err, `${csv}:4: skipped: empty password\n`);
    const good = join(root, `good-${seq}.csv`);
    writeFileSync(good, 'user,password\nu5,pw\n');
    assert.deepEqual(await run(['user', 'import', good, '--domain', 'example.net', '--config', config]), {
      code: 0,
      out: `${good}: 1 added, 0 updated, 0 skipped\n`,
      err: '',
    });
    const names = (await list(config)).map((u) => `${u.user}@${u.domain}`);
    assert.deepEqual(names.sort(), ['carol@example.org', 'u1@example.org', 'u2@example.com', 'u4@example.org', 'u5@example.net']);
    const header = join(root, `bad-${seq}.csv`);
    writeFileSync(header, 'name,pass\nx,y\n');
    const bad = await run(['user', 'import', header, '--config', config]);
    assert.equal(bad.code, 2);
    assert.match(bad.err, /unknown column "name"/);
  });
});

function register(authorization: string): SipRequest {
  const text = [
    'REGISTER sip:example.org SIP/2.0',
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds',
    'Max-Forwards: 70',
    'To: <sip:frank@example.org>',
    'From: <sip:frank@example.org>;tag=1',
    'Call-ID: c1@192.0.2.10',
    'CSeq: 2 REGISTER',
    `Authorization: ${authorization}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parse(Buffer.from(text, 'latin1'));
  assert.ok(r.ok && r.message.kind === 'request');
  return r.message;
}

describe('openAuth (server wiring)', () => {
  it('creates the secret (mode 0600) once, and accepts a user added by the CLI while it runs', async () => {
    const { data, config } = workspace();
    const loaded = loadConfig(config, { cwd: root });
    assert.ok(loaded.ok);
    const logger = createLogger({ level: 'error', destination: { write: () => undefined } });
    const clock = new ManualClock();
    const server = await openAuth(loaded.value, logger, clock);
    try {
      assert.equal(statSync(join(data, 'auth.secret')).mode & 0o777, 0o600);
      assert.equal(statSync(join(data, 'auth.secret')).size, 32);
      const challenge = server.authenticator.challenge('example.org')[0];
      const answer = (user: string, password: string) => {
        const a = answerChallenge(challenge, { username: user, password, method: 'REGISTER', uri: 'sip:example.org', nc: ++seq });
        assert.ok(a.ok);
        return register(a.value);
      };
      assert.deepEqual(server.authenticator.verify(answer('frank', 'pw'), 'example.org', 'www'), { kind: 'failed', reason: 'unknown-user' });
      assert.equal((await run(['user', 'add', 'frank', '--password', 'pw', '--config', config])).code, 0);
      assert.equal(server.authenticator.verify(answer('frank', 'pw'), 'example.org', 'www').kind, 'ok');
      assert.equal(server.authenticator.verify(answer('carol', 'fromconfig'), 'example.org', 'www').kind, 'ok');
      // A restart reads the same secret: the earlier nonce is still recognised as ours, and
      // answered stale (its nonce-counts stayed with the old instance), not rejected as forged.
      const restarted = await openAuth(loaded.value, logger, clock);
      try {
        assert.equal(restarted.authenticator.verify(answer('frank', 'pw'), 'example.org', 'www').kind, 'stale');
        assert.deepEqual(restarted.authenticator.verify(answer('frank', 'wrong'), 'example.org', 'www'), { kind: 'failed', reason: 'wrong-password' });
      } finally {
        restarted.close();
      }
    } finally {
      server.close();
    }
  });
});

describe('users and auth config sections', () => {
  const parseWith = (text: string) => parseConfig(text, 'sb.yaml', { cwd: root, interfaceAddresses: () => [] });

  it('reads users and auth settings, defaults included', () => {
    const r = parseWith('domains: [example.com]\nusers:\n  - name: alice\n    password: x\n  - name: bob@example.org\n    ha1_md5: "2664CBA6663A734EF3A6FEFC0C0D0821"\nauth:\n  algorithms: [MD5]\n');
    assert.ok(r.ok);
    assert.deepEqual(r.value.users, [
      { name: 'alice', password: 'x' },
      { name: 'bob@example.org', ha1Md5: '2664cba6663a734ef3a6fefc0c0d0821' },
    ]);
    assert.deepEqual(r.value.auth, { nonceTtl: 300, algorithms: ['md5'] });
    const d = parseWith('');
    assert.ok(d.ok);
    assert.deepEqual(d.value.users, []);
    assert.deepEqual(d.value.auth, { nonceTtl: 300, algorithms: ['sha-256', 'md5'] });
  });

  it('explains bad entries with their location', () => {
    const r = parseWith('users:\n  - name: alice\n  - name: bob\n    password: x\n    ha1_md5: 12\n  - name: bob\n    password: y\nauth:\n  algorithms: [sha-256, sha-256]\n  nonce_ttl: 0\n');
    assert.ok(!r.ok);
    const lines = r.error.map((i) => `${i.line}:${i.path}: ${i.message}`);
    assert.ok(lines.includes('2:users[0].name: user "alice" needs a password, ha1_md5 or ha1_sha256'), lines.join('\n'));
    assert.ok(lines.some((l) => l.startsWith('5:users[1].ha1_md5: must be a string of 32 hex digits')), lines.join('\n'));
    assert.ok(lines.some((l) => /^9:auth\.algorithms\[1\]: duplicate algorithm/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^10:auth\.nonce_ttl: /.test(l)), lines.join('\n'));
    const dup = parseWith('users:\n  - name: bob\n    password: x\n  - name: bob\n    password: y\n');
    assert.ok(!dup.ok && dup.error.some((i) => i.message === 'duplicate user (also users[0])'));
  });

  it('refuses a secret file shorter than 32 bytes', async () => {
    const { config } = workspace();
    const secret = join(root, `short-${seq}.secret`);
    writeFileSync(secret, 'short', { mode: 0o600 });
    writeFileSync(config, `data_dir: ${join(root, `data-${seq}`)}\nauth:\n  secret_file: ${secret}\n`);
    const loaded = loadConfig(config, { cwd: root });
    assert.ok(loaded.ok);
    const logger = createLogger({ level: 'error', destination: { write: () => undefined } });
    await assert.rejects(openAuth(loaded.value, logger, new ManualClock()), /at least 32 bytes/);
  });
});
