/** CSV parsing and the import report. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SqliteUserDirectory, importUsersCsv, parseCsv } from '../../../src/auth/index.js';
import { md5 } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'sb-csv-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('parseCsv', () => {
  it('reads quoted fields with commas, quotes and newlines; trims unquoted fields; CRLF; BOM', () => {
    const records = parseCsv('\ufeffuser,password\r\n alice , "p,w ""x"""\r\n\r\nbob,"two\nlines"\ncarol,  " sp "  \n');
    assert.deepEqual(records, [
      { line: 1, fields: ['user', 'password'] },
      { line: 2, fields: ['alice', 'p,w "x"'] },
      { line: 4, fields: ['bob', 'two\nlines'] },
      { line: 6, fields: ['carol', ' sp '] },
    ]);
  });

  it('marks an unterminated quote and text after a closing quote', () => {
    assert.deepEqual(parseCsv('a,"b"c\nd,"e'), [
      { line: 1, fields: ['a', 'b'], error: 'text after a closing quote' },
      { line: 2, fields: ['d', 'e'], error: 'unterminated quoted field' },
    ]);
  });
});

describe('importUsersCsv', () => {
  it('reports added, updated and skipped rows with line numbers; uses the domain column', () => {
    const d = SqliteUserDirectory.open(join(dir, 'a.db'));
    try {
      d.upsert({ username: 'alice', realm: 'example.com', ha1Md5: md5('alice:example.com:old') });
      const csv = [
        'User,Password,Domain',
        'alice,new,',
        'bob,pw,example.org',
        'carol@example.net,pw,',
        ',pw,',
        'dave,,',
        'eve,pw,not a domain',
        'bob,again,example.org',
        'frank,pw',
        'gina@example.org,pw,example.com',
      ].join('\n');
      const r = importUsersCsv(csv, d, { defaultDomain: 'example.com' });
      assert.ok(r.ok);
      assert.equal(r.value.added, 2);
      assert.equal(r.value.updated, 1);
      assert.deepEqual(
        r.value.skipped.map((s) => s.line),
        [5, 6, 7, 8, 9, 10],
      );
      assert.match(r.value.skipped[3].reason, /already on line 3/);
      assert.equal(d.find('alice', 'example.com')?.ha1Md5, md5('alice:example.com:new'));
      assert.ok(d.find('bob', 'example.org') !== undefined);
      assert.ok(d.find('carol', 'example.net') !== undefined);
    } finally {
      d.close();
    }
  });

  it('refuses a file without a usable header', () => {
    const d = SqliteUserDirectory.open(join(dir, 'b.db'));
    try {
      assert.deepEqual(importUsersCsv('', d), { ok: false, error: 'the file is empty (expected a header line "user,password")' });
      const noPassword = importUsersCsv('user,secret\nalice,x\n', d);
      assert.ok(!noPassword.ok && /unknown column "secret"/.test(noPassword.error));
      const missing = importUsersCsv('user\nalice\n', d);
      assert.ok(!missing.ok && /user and password/.test(missing.error));
      assert.equal(d.count(), 0);
    } finally {
      d.close();
    }
  });

  it('needs a domain for rows without one when no default is given', () => {
    const d = SqliteUserDirectory.open(join(dir, 'c.db'));
    try {
      const r = importUsersCsv('user,password\nalice,pw\nbob@example.com,pw\n', d);
      assert.ok(r.ok);
      assert.equal(r.value.added, 1);
      assert.deepEqual(r.value.skipped.map((s) => s.line), [2]);
    } finally {
      d.close();
    }
  });
});
