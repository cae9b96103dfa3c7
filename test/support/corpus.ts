/**
 * Locating and unpacking the shared test corpora (RFC 4475 torture messages, PROTOS c07-sip).
 * The corpora live next to the repository, in `../shared/corpus` seen from the repo root; CI
 * always has them, so a missing corpus is an error with a clear message, never a skip.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** The repository root: the nearest folder above this file holding package.json. */
export function repoRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 12; i++) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  throw new Error(`cannot find the repository root (package.json) above ${fileURLToPath(import.meta.url)}`);
}

/** Absolute path of a shared corpus folder (`../shared/corpus/<name>` from the repo root). */
export function corpusDir(name: string): string {
  const dir = resolve(repoRoot(), '..', 'shared', 'corpus', name);
  if (!existsSync(dir)) {
    throw new Error(
      `test corpus '${name}' not found at ${dir}: the shared corpora must be checked out next to the repository (../shared/corpus)`,
    );
  }
  return dir;
}

// --- RFC 4475 -------------------------------------------------------------------------------

export interface Rfc4475Entry {
  file: string;
  section: string | null;
  title: string;
  kind: 'request' | 'response';
  valid: boolean;
  expect: string;
  bytes: number;
  sha256: string;
  note?: string;
  transport?: string;
}

/** index.json of the RFC 4475 corpus plus a reader for the raw message bytes. */
export function loadRfc4475(): { entries: Rfc4475Entry[]; read: (file: string) => Buffer } {
  const dir = corpusDir('rfc4475');
  const entries = JSON.parse(readFileSync(join(dir, 'index.json'), 'utf8')) as Rfc4475Entry[];
  return { entries, read: (file) => readFileSync(join(dir, file)) };
}

// --- PROTOS c07-sip ---------------------------------------------------------------------------

/** Values substituted for the placeholders of the PROTOS templates. */
export interface ProtosParams {
  /** `<To>`: user@host of the target. */
  to: string;
  /** `<From>`: user@host of the sender. */
  from: string;
  /** `<From-Address>`: the sender's host (name or address) in Via and Call-ID. */
  fromAddress: string;
  /** `<From-IP>`: the sender's IP address (SDP c= line). */
  fromIp: string;
  /** `<Local-Port>`: the sender's port in Via. */
  localPort: number;
  /** `<Teardown-Method>`: CANCEL or BYE. */
  teardownMethod: 'CANCEL' | 'BYE';
  /** `<Branch-ID>` of case `id` (appended to z9hG4bK00000 by the template). */
  branchId: (id: number) => string;
  /** `<Call-ID>` of case `id`. */
  callId: (id: number) => string;
  /** `<CSeq>` of case `id`. */
  cseq: (id: number) => number;
}

export const DEFAULT_PROTOS_PARAMS: ProtosParams = {
  to: 'receiver@127.0.0.1',
  from: 'sender@127.0.0.1',
  fromAddress: '127.0.0.1',
  fromIp: '127.0.0.1',
  localPort: 5061,
  teardownMethod: 'CANCEL',
  branchId: (id) => String(id).padStart(7, '0'),
  callId: (id) => `protos-${id}`,
  cseq: (id) => id + 1,
};

export interface ProtosCase {
  id: number;
  /** The (broken) INVITE, placeholders substituted. */
  invite: Buffer;
  /** The CANCEL/BYE that tears the attempt down, placeholders substituted. */
  teardown: Buffer;
}

export interface ProtosCorpus {
  cases: ProtosCase[];
  /** Removes the temporary unpack folder. Safe to call twice. */
  cleanup: () => Promise<void>;
}

/**
 * Unpacks cases.tar.gz into a fresh folder under os.tmpdir() (never into the repository),
 * reads every case, substitutes the placeholders and returns the cases in id order. The
 * caller must call `cleanup()` (the folder is removed already when this function fails).
 */
export async function loadProtosCorpus(params: Partial<ProtosParams> = {}): Promise<ProtosCorpus> {
  const p: ProtosParams = { ...DEFAULT_PROTOS_PARAMS, ...params };
  const archive = join(corpusDir('protos-c07-sip'), 'cases.tar.gz');
  const dir = await mkdtemp(join(tmpdir(), 'switchboard-protos-'));
  const cleanup = () => rm(dir, { recursive: true, force: true });
  try {
    await run('tar', ['-xzf', archive, '-C', dir], { maxBuffer: 1 << 20 });
    const caseDir = join(dir, 'protos');
    const names = (await readdir(caseDir)).filter((n) => /^\d{7}$/.test(n)).sort();
    const cases: ProtosCase[] = [];
    for (const name of names) {
      const id = Number(name);
      const [invite, teardown] = splitCaseFile(await readFile(join(caseDir, name)), name);
      cases.push({ id, invite: substitute(invite, id, p), teardown: substitute(teardown, id, p) });
    }
    return { cases, cleanup };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Convenience form: the cases only, the temporary folder already removed. */
export async function loadProtosCases(params: Partial<ProtosParams> = {}): Promise<ProtosCase[]> {
  const corpus = await loadProtosCorpus(params);
  await corpus.cleanup();
  return corpus.cases;
}

/** A case file is `<len> <message><len> <message>`: ASCII length, one space, that many octets. */
export function splitCaseFile(data: Buffer, name = '?'): [Buffer, Buffer] {
  const out: Buffer[] = [];
  let pos = 0;
  while (pos < data.length && out.length < 2) {
    const sp = data.indexOf(0x20, pos);
    const lenText = sp < 0 ? '' : data.toString('latin1', pos, sp);
    if (!/^\d{1,6}$/.test(lenText)) throw new Error(`PROTOS case ${name}: bad length prefix at offset ${pos}`);
    const len = Number(lenText);
    if (sp + 1 + len > data.length) throw new Error(`PROTOS case ${name}: message runs past the end of the file`);
    out.push(data.subarray(sp + 1, sp + 1 + len));
    pos = sp + 1 + len;
  }
  if (out.length !== 2) throw new Error(`PROTOS case ${name}: expected two messages, found ${out.length}`);
  return [out[0], out[1]];
}

/**
 * Replaces the placeholders in one template. Works on latin1 text so every octet of the
 * (possibly binary) test data survives; `<Content-Length>` becomes the length of the body
 * (what follows the first empty line) after all other substitutions.
 */
export function substitute(template: Buffer, id: number, p: ProtosParams = DEFAULT_PROTOS_PARAMS): Buffer {
  const values: Record<string, string> = {
    '<To>': p.to,
    '<From>': p.from,
    '<From-Address>': p.fromAddress,
    '<From-IP>': p.fromIp,
    '<Local-Port>': String(p.localPort),
    '<Branch-ID>': p.branchId(id),
    '<Call-ID>': p.callId(id),
    '<CSeq>': String(p.cseq(id)),
    '<Teardown-Method>': p.teardownMethod,
  };
  let text = template.toString('latin1');
  text = text.replace(/<(To|From|From-Address|From-IP|Local-Port|Branch-ID|Call-ID|CSeq|Teardown-Method)>/g, (m) => values[m]);
  if (text.includes('<Content-Length>')) {
    const sep = text.indexOf('\r\n\r\n');
    const bodyLength = sep < 0 ? 0 : text.length - (sep + 4);
    text = text.split('<Content-Length>').join(String(bodyLength));
  }
  return Buffer.from(text, 'latin1');
}
