import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { banAdd, banList, banRemove, formatDuration, parseDuration } from '../../../src/app/cli/ban-command.js';
import type { CliIo } from '../../../src/app/cli/io.js';
import { SqliteBanStore } from '../../../src/security/index.js';

function io(): CliIo & { out: string[]; err: string[] } {
  const out: string[] = [];
  const err: string[] = [];
  return { out, err, stdout: (s) => out.push(s), stderr: (s) => err.push(s), cwd: process.cwd() };
}

describe('switchboard ban', () => {
  it('parses and formats durations', () => {
    assert.equal(parseDuration('90'), 90_000);
    assert.equal(parseDuration('30m'), 1_800_000);
    assert.equal(parseDuration('1h'), 3_600_000);
    assert.equal(parseDuration('2d'), 172_800_000);
    assert.equal(parseDuration('forever'), null);
    for (const bad of ['', '0', '1y', '-1h', 'h', '1.5h']) assert.equal(parseDuration(bad), undefined, bad);
    assert.equal(formatDuration(5_400_000), '1h30m');
    assert.equal(formatDuration(59_000), '59s');
    assert.equal(formatDuration(0), '0s');
  });

  it('add, list (table and JSON) and remove bans in <data>/switchboard.db, where the server reads them', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-ban-cli-'));
    const now = Date.UTC(2026, 0, 1);
    try {
      const a = io();
      assert.equal(await banAdd('192.0.2.7', { data: dir, for: '1h' }, a, now), 0);
      assert.equal(await banAdd('::FFFF:198.51.100.1', { data: dir, for: 'forever', reason: 'abuse' }, a, now), 0);
      assert.deepEqual(a.out, ['banned 192.0.2.7 for 1h\n', 'banned 198.51.100.1 until removed\n']);

      const store = new SqliteBanStore({ file: join(dir, 'switchboard.db') });
      assert.deepEqual((await store.list(now)).map((b) => [b.address, b.expiresAt]), [['192.0.2.7', now + 3_600_000], ['198.51.100.1', null]]);
      await store.close();

      const t = io();
      assert.equal(await banList({ data: dir }, t, now + 60_000), 0);
      assert.deepEqual(t.out.join('').split('\n'), [
        'ADDRESS       EXPIRES                   REMAINING  REASON',
        '192.0.2.7     2026-01-01T01:00:00.000Z  59m        added by the operator',
        '198.51.100.1  never                     forever    abuse',
        '2 bans',
        '',
      ]);
      const j = io();
      assert.equal(await banList({ data: dir, json: true }, j, now), 0);
      assert.deepEqual(JSON.parse(j.out.join('')), [
        { address: '192.0.2.7', expiresAt: '2026-01-01T01:00:00.000Z', reason: 'added by the operator', createdAt: '2026-01-01T00:00:00.000Z' },
        { address: '198.51.100.1', expiresAt: null, reason: 'abuse', createdAt: '2026-01-01T00:00:00.000Z' },
      ]);

      const r = io();
      assert.equal(await banRemove('192.0.2.7', { data: dir }, r, now), 0);
      assert.equal(await banRemove('192.0.2.7', { data: dir }, r, now), 1);
      assert.deepEqual(r.out, ['removed the ban of 192.0.2.7\n']);
      assert.deepEqual(r.err, ['192.0.2.7 is not banned\n']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('stores an IPv6 address in the canonical form the transports report, so the ban matches', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-ban-cli-'));
    const now = Date.UTC(2026, 0, 1);
    try {
      const a = io();
      assert.equal(await banAdd('2001:DB8:0:0::1', { data: dir, for: '1h' }, a, now), 0);
      assert.deepEqual(a.out, ['banned 2001:db8::1 for 1h\n']);
      const store = new SqliteBanStore({ file: join(dir, 'switchboard.db') });
      assert.deepEqual((await store.list(now)).map((b) => b.address), ['2001:db8::1']);
      await store.close();
      const r = io();
      assert.equal(await banRemove('2001:db8:0000::1', { data: dir }, r, now), 0, 'removed under any spelling');
      assert.deepEqual(r.out, ['removed the ban of 2001:db8::1\n']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses what is not an address or a duration (usage error, nothing written)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-ban-cli-'));
    try {
      const e = io();
      assert.equal(await banAdd('example.com', { data: dir }, e), 2);
      assert.equal(await banAdd('192.0.2.1', { data: dir, for: 'soon' }, e), 2);
      assert.equal(await banRemove('10.0.0.0/8', { data: dir }, e), 2);
      assert.equal(await banAdd('2001:db8::g', { data: dir }, e), 2);
      assert.deepEqual(e.err, [
        'error: "example.com" is not an IPv4 or IPv6 address\n',
        'error: --for "soon" is not a duration (e.g. 90s, 30m, 1h, 2d, 1w, forever)\n',
        'error: "10.0.0.0/8" is not an IPv4 or IPv6 address\n',
        'error: "2001:db8::g" is not an IPv4 or IPv6 address\n',
      ]);
      const l = io();
      assert.equal(await banList({ data: dir }, l), 0);
      assert.deepEqual(l.out, ['0 bans\n']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses to ban an address of security.allow (it would never be in force)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-ban-cli-'));
    try {
      const config = join(dir, 'switchboard.yaml');
      writeFileSync(config, `data_dir: ${JSON.stringify(dir)}\nsecurity:\n  allow: [192.0.2.0/24]\n`);
      const e = io();
      assert.equal(await banAdd('192.0.2.9', { config }, e), 1);
      assert.deepEqual(e.err, ['error: 192.0.2.9 is in security.allow, which is never banned; take it off the allow-list first\n']);
      assert.equal(await banAdd('198.51.100.9', { config }, e), 0, 'outside the allow-list');
      const l = io();
      assert.equal(await banList({ config, json: true }, l), 0);
      assert.deepEqual(JSON.parse(l.out.join('')).map((b: { address: string }) => b.address), ['198.51.100.9']);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
