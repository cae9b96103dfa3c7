/** User directories: config list, SQLite (two connections, as server and CLI), composite, bulk import. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { CompositeUserDirectory, ConfigUserDirectory, SqliteUserDirectory, importUsersCsv } from '../../../src/auth/index.js';
import { md5, sha256 } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-users-'));
after(() => rmSync(dir, { recursive: true, force: true }));
let seq = 0;
const dbFile = () => join(dir, `switchboard-${++seq}.db`);

describe('ConfigUserDirectory', () => {
  it('hashes passwords at load and keeps only HA1 values', () => {
    const d = new ConfigUserDirectory([
      { username: 'alice', realm: 'example.com', password: 'wonderland' },
      { username: 'bob', realm: 'example.org', ha1Md5: md5('bob:example.org:pw') },
    ]);
    const alice = d.find('alice', 'example.com');
    assert.deepEqual(alice, {
      username: 'alice',
      realm: 'example.com',
      ha1Md5: md5('alice:example.com:wonderland'),
      ha1Sha256: sha256('alice:example.com:wonderland'),
    });
    assert.ok(!JSON.stringify(d.list()).includes('wonderland'));
    assert.equal(d.find('bob', 'example.org')?.ha1Sha256, undefined);
    assert.equal(d.find('alice', 'example.org'), undefined);
    assert.equal(d.find('Alice', 'example.com'), undefined);
  });
});

describe('SqliteUserDirectory', () => {
  it('adds, updates, finds, lists and removes users; stores no password', () => {
    const d = SqliteUserDirectory.open(dbFile());
    try {
      const alice = { username: 'alice', realm: 'example.com', ha1Md5: md5('alice:example.com:a'), ha1Sha256: sha256('alice:example.com:a') };
      assert.equal(d.upsert(alice), 'added');
      assert.equal(d.upsert({ ...alice, ha1Md5: md5('alice:example.com:b'), ha1Sha256: undefined }), 'updated');
      assert.deepEqual(d.find('alice', 'example.com'), { username: 'alice', realm: 'example.com', ha1Md5: md5('alice:example.com:b') });
      assert.equal(d.find('alice', 'example.org'), undefined);
      d.upsert({ username: 'bob', realm: 'example.com', ha1Sha256: sha256('bob:example.com:x') });
      assert.deepEqual(
        d.list().map((u) => u.username),
        ['alice', 'bob'],
      );
      assert.equal(d.count(), 2);
      assert.equal(d.remove('alice', 'example.com'), true);
      assert.equal(d.remove('alice', 'example.com'), false);
      assert.equal(d.find('alice', 'example.com'), undefined);
    } finally {
      d.close();
    }
  });

  it('shares the file with other tables and uses WAL', () => {
    const file = dbFile();
    const other = new Database(file);
    other.exec('CREATE TABLE location_bindings (aor TEXT PRIMARY KEY)');
    other.prepare('INSERT INTO location_bindings VALUES (?)').run('sip:alice@example.com');
    const d = SqliteUserDirectory.open(file);
    try {
      d.upsert({ username: 'carol', realm: 'example.com', ha1Md5: md5('carol:example.com:c') });
      assert.deepEqual(other.prepare('SELECT count(*) AS n FROM location_bindings').get(), { n: 1 });
      const tables = other.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").all() as { name: string }[];
      assert.deepEqual(tables.map((t) => t.name), ['auth_users', 'location_bindings']);
      assert.equal((other.pragma('journal_mode', { simple: true }) as string).toLowerCase(), 'wal');
      const columns = (other.prepare('PRAGMA table_info(auth_users)').all() as { name: string }[]).map((c) => c.name).sort();
      assert.deepEqual(columns, ['ha1_md5', 'ha1_sha256', 'realm', 'username']);
    } finally {
      d.close();
      other.close();
    }
  });

  it('sees a user added through another connection at once (hot add, no restart)', () => {
    const file = dbFile();
    const server = SqliteUserDirectory.open(file);
    const cli = SqliteUserDirectory.open(file);
    try {
      assert.equal(server.find('dave', 'example.com'), undefined);
      cli.upsert({ username: 'dave', realm: 'example.com', ha1Md5: md5('dave:example.com:d') });
      assert.equal(server.find('dave', 'example.com')?.ha1Md5, md5('dave:example.com:d'));
      cli.remove('dave', 'example.com');
      assert.equal(server.find('dave', 'example.com'), undefined);
    } finally {
      cli.close();
      server.close();
    }
  });

  it('never serves a cached answer older than another connection\'s change, whenever the answer was cached', () => {
    const file = dbFile();
    const server = SqliteUserDirectory.open(file);
    const cli = SqliteUserDirectory.open(file);
    const ha1 = (p: string) => md5(`erin:example.com:${p}`);
    try {
      cli.upsert({ username: 'erin', realm: 'example.com', ha1Md5: ha1('one') });
      cli.upsert({ username: 'fay', realm: 'example.com', ha1Md5: md5('fay:example.com:f') });
      assert.equal(server.find('erin', 'example.com')?.ha1Md5, ha1('one'), 'a miss, cached');
      assert.equal(server.find('erin', 'example.com')?.ha1Md5, ha1('one'), 'a hit');
      cli.upsert({ username: 'erin', realm: 'example.com', ha1Md5: ha1('two') });
      // A miss after the change caches a fresh answer without checking the version ...
      assert.ok(server.find('fay', 'example.com'));
      // ... and the next hit still sees that the version moved: erin's old answer is gone.
      assert.equal(server.find('erin', 'example.com')?.ha1Md5, ha1('two'));
      cli.upsert({ username: 'erin', realm: 'example.com', ha1Md5: ha1('three') });
      assert.equal(server.find('erin', 'example.com')?.ha1Md5, ha1('three'));
      cli.remove('fay', 'example.com');
      assert.equal(server.find('fay', 'example.com'), undefined);
    } finally {
      cli.close();
      server.close();
    }
  });

  it('keeps the recently used answers when its cache is full (least recently used goes first)', () => {
    const file = dbFile();
    const db = new Database(file);
    const users = new SqliteUserDirectory(db, true, 3);
    try {
      for (const name of ['a', 'b', 'c', 'd']) users.upsert({ username: name, realm: 'example.com', ha1Md5: md5(`${name}:example.com:p`) });
      for (const name of ['a', 'b', 'c', 'a', 'd']) assert.ok(users.find(name, 'example.com'), name);
      // A delete on the same connection does not move data_version, so what is still cached
      // answers from the cache and what was evicted is read again.
      db.prepare('DELETE FROM auth_users').run();
      assert.ok(users.find('a', 'example.com'), 'a was used again after b: still cached');
      assert.ok(users.find('d', 'example.com'), 'd is the newest: cached');
      assert.equal(users.find('b', 'example.com'), undefined, 'b was the least recently used: evicted');
      assert.equal(users.find('c', 'example.com'), undefined, 'c made room for b: evicted');
      assert.throws(() => new SqliteUserDirectory(db, false, 0), /positive integer/);
    } finally {
      users.close();
    }
  });

  it('imports 100,000 users from CSV in one go', () => {
    const d = SqliteUserDirectory.open(dbFile());
    try {
      const lines = ['user,password'];
      for (let i = 0; i < 100_000; i++) lines.push(`user${i},pw${i}`);
      const report = importUsersCsv(lines.join('\n') + '\n', d, { defaultDomain: 'example.com' });
      assert.ok(report.ok);
      assert.deepEqual(report.value, { added: 100_000, updated: 0, skipped: [] });
      assert.equal(d.count(), 100_000);
      assert.equal(d.find('user99999', 'example.com')?.ha1Sha256, sha256('user99999:example.com:pw99999'));
    } finally {
      d.close();
    }
  });
});

describe('CompositeUserDirectory', () => {
  it('asks the config first, then the database', () => {
    const d = SqliteUserDirectory.open(dbFile());
    try {
      d.upsert({ username: 'alice', realm: 'example.com', ha1Md5: md5('alice:example.com:db') });
      d.upsert({ username: 'erin', realm: 'example.com', ha1Md5: md5('erin:example.com:db') });
      const all = new CompositeUserDirectory([new ConfigUserDirectory([{ username: 'alice', realm: 'example.com', password: 'config' }]), d]);
      assert.equal(all.find('alice', 'example.com')?.ha1Md5, md5('alice:example.com:config'));
      assert.equal(all.find('erin', 'example.com')?.ha1Md5, md5('erin:example.com:db'));
      assert.equal(all.find('frank', 'example.com'), undefined);
    } finally {
      d.close();
    }
  });
});
