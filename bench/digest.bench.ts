/**
 * Digest authentication throughput, one core: challenges issued and credentials verified
 * per second (MD5 and SHA-256, users looked up in SQLite as the server does), and the time of
 * `switchboard user import` for 100,000 users.
 *   node dist/bench/digest.bench.js [requests-per-figure]
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../src/app/cli/index.js';
import { type DigestAlgorithm, DigestAuthenticator, SqliteUserDirectory, answerChallenge } from '../src/auth/index.js';
import { systemClock } from '../src/lib/index.js';
import { type SipRequest, parse } from '../src/sip/message/index.js';

const N = Number(process.argv[2] ?? 20_000);
const IMPORT_USERS = 100_000;
const REALM = 'example.com';

const dir = mkdtempSync(join(tmpdir(), 'sb-digest-bench-'));
try {
  // --- user import through the CLI, as an operator runs it ---
  const csv = join(dir, 'users.csv');
  const lines = ['user,password'];
  for (let i = 0; i < IMPORT_USERS; i++) lines.push(`user${i},password-${i}`);
  writeFileSync(csv, lines.join('\n') + '\n');
  const out: string[] = [];
  const io = { cwd: dir, stdout: (t: string) => void out.push(t), stderr: (t: string) => void out.push(t) };
  const t0 = performance.now();
  const code = await runCli(['user', 'import', csv, '--data', dir, '--domain', REALM], { io });
  const importSeconds = (performance.now() - t0) / 1000;
  if (code !== 0) throw new Error(`import failed: ${out.join('')}`);

  // --- challenge + verify against the imported database ---
  const users = SqliteUserDirectory.open(join(dir, 'switchboard.db'));
  const rows: [string, number][] = [];
  try {
    for (const algorithm of ['MD5', 'SHA-256'] as DigestAlgorithm[]) {
      const auth = new DigestAuthenticator({ secret: Buffer.alloc(32, 1), users, clock: systemClock, algorithms: [algorithm] });
      const run = (count: number) => {
        const challenges: string[] = [];
        const c0 = performance.now();
        for (let i = 0; i < count; i++) challenges.push(auth.challenge(REALM)[0]);
        const challengeRate = count / ((performance.now() - c0) / 1000);
        // The client's work (hashing the answer, building the request) is not timed.
        const requests = challenges.map((c, i) => request(c, `user${(i * 7919) % IMPORT_USERS}`, `password-${(i * 7919) % IMPORT_USERS}`));
        const v0 = performance.now();
        let ok = 0;
        for (const r of requests) if (auth.verify(r, REALM, 'www').kind === 'ok') ok++;
        const verifyRate = count / ((performance.now() - v0) / 1000);
        if (ok !== count) throw new Error(`${count - ok} verifications failed`);
        return { challengeRate, verifyRate };
      };
      run(Math.min(2000, N)); // warm-up
      const { challengeRate, verifyRate } = run(N);
      rows.push([`${algorithm} challenge`, challengeRate], [`${algorithm} verify (SQLite lookup)`, verifyRate]);
      rows.push([`${algorithm} challenge + verify`, 1 / (1 / challengeRate + 1 / verifyRate)]);
    }
  } finally {
    users.close();
  }

  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(11);
  console.log(`Digest authentication — ${N.toLocaleString('en-US')} requests per figure, one core, node ${process.version}`);
  console.log(`${'operation'.padEnd(36)}${'ops/s'.padStart(11)}${'µs/op'.padStart(9)}`);
  for (const [name, rate] of rows) console.log(`${name.padEnd(36)}${fmt(rate)}${(1e6 / rate).toFixed(2).padStart(9)}`);
  console.log(`user import of ${IMPORT_USERS.toLocaleString('en-US')} users (CSV → SQLite, MD5 + SHA-256 HA1): ${importSeconds.toFixed(2)} s`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}

function request(challenge: string, username: string, password: string): SipRequest {
  const a = answerChallenge(challenge, { username, password, method: 'REGISTER', uri: `sip:${REALM}`, cnonce: 'c0ffee' });
  if (!a.ok) throw new Error(a.error);
  const text = [
    `REGISTER sip:${REALM} SIP/2.0`,
    'Via: SIP/2.0/UDP 192.0.2.10:5060;branch=z9hG4bK776asdhds;rport',
    'Max-Forwards: 70',
    `To: <sip:${username}@${REALM}>`,
    `From: <sip:${username}@${REALM}>;tag=1928301774`,
    'Call-ID: a84b4c76e66710@pc33.example.com',
    'CSeq: 2 REGISTER',
    `Authorization: ${a.value}`,
    'Content-Length: 0',
    '',
    '',
  ].join('\r\n');
  const r = parse(Buffer.from(text, 'latin1'));
  if (!r.ok || r.message.kind !== 'request') throw new Error('bench request does not parse');
  return r.message;
}
