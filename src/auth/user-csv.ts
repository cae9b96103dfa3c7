/**
 * Bulk user import from CSV (RFC 4180): a header line naming the columns `user` and
 * `password` and, optionally, `domain`; one user per line after it. Unquoted fields are
 * trimmed; a quoted field is taken exactly ("" is a quote inside it). All good rows are
 * written in one transaction; bad rows are skipped and reported with their line numbers.
 */
import { type Result, err, ok } from '../lib/index.js';
import { computeHa1 } from './digest-hash.js';
import { credentialKey } from './config-user-directory.js';
import type { SqliteUserDirectory } from './sqlite-user-directory.js';
import type { UserCredentials } from './types.js';
import { resolveUserName } from './user-names.js';

interface CsvRecord {
  /** 1-based line where the record starts. */
  readonly line: number;
  readonly fields: string[];
  /** Set when the record does not parse (e.g. an unterminated quote). */
  readonly error?: string;
}

/** Splits CSV text into records; blank lines are dropped. */
export function parseCsv(text: string): CsvRecord[] {
  const out: CsvRecord[] = [];
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  let i = 0;
  let line = 1;
  while (i < s.length) {
    const start = line;
    const fields: string[] = [];
    let error: string | undefined;
    for (;;) {
      let field = '';
      let q = i;
      while (s[q] === ' ' || s[q] === '\t') q++;
      if (s[q] === '"') {
        i = q + 1;
        for (;;) {
          if (i >= s.length) {
            error = 'unterminated quoted field';
            break;
          }
          const c = s[i];
          if (c === '"') {
            if (s[i + 1] === '"') {
              field += '"';
              i += 2;
              continue;
            }
            i++;
            break;
          }
          if (c === '\n') line++;
          field += c;
          i++;
        }
        while (i < s.length && (s[i] === ' ' || s[i] === '\t')) i++;
        if (error === undefined && i < s.length && s[i] !== ',' && s[i] !== '\n' && s[i] !== '\r') error = 'text after a closing quote';
        while (i < s.length && s[i] !== ',' && s[i] !== '\n') i++;
      } else {
        const from = i;
        while (i < s.length && s[i] !== ',' && s[i] !== '\n') i++;
        field = s.slice(from, i).replace(/\r$/, '').trim();
      }
      fields.push(field);
      if (i < s.length && s[i] === ',') {
        i++;
        continue;
      }
      break;
    }
    if (i < s.length && s[i] === '\n') {
      i++;
      line++;
    }
    const blank = fields.length === 1 && fields[0] === '' && error === undefined;
    if (!blank) out.push(error === undefined ? { line: start, fields } : { line: start, fields, error });
  }
  return out;
}

export interface SkippedRow {
  readonly line: number;
  readonly reason: string;
}

export interface ImportReport {
  readonly added: number;
  readonly updated: number;
  readonly skipped: readonly SkippedRow[];
}

export interface ImportOptions {
  /** Domain for rows without a domain column value and without `user@domain`. */
  readonly defaultDomain?: string;
}

/**
 * Reads `text` and writes its users into `directory` (passwords hashed to MD5 and SHA-256
 * HA1 values, never stored). An error result means the file as a whole is unusable (header).
 */
export function importUsersCsv(text: string, directory: SqliteUserDirectory, options: ImportOptions = {}): Result<ImportReport, string> {
  const records = parseCsv(text);
  const header = records.shift();
  if (header === undefined) return err('the file is empty (expected a header line "user,password")');
  const columns = header.fields.map((f) => f.toLowerCase());
  const unknown = columns.filter((c) => c !== 'user' && c !== 'password' && c !== 'domain');
  if (unknown.length > 0) return err(`line ${header.line}: unknown column "${unknown[0]}" (columns: user, password, domain)`);
  const col = (name: string) => columns.indexOf(name);
  const [userCol, passwordCol, domainCol] = [col('user'), col('password'), col('domain')];
  if (userCol < 0 || passwordCol < 0) return err(`line ${header.line}: the header must name the columns user and password`);
  if (new Set(columns).size !== columns.length) return err(`line ${header.line}: a column is named twice`);

  const skipped: SkippedRow[] = [];
  const seen = new Map<string, number>();
  const users: UserCredentials[] = [];
  for (const r of records) {
    if (r.error !== undefined) {
      skipped.push({ line: r.line, reason: r.error });
      continue;
    }
    if (r.fields.length !== columns.length) {
      skipped.push({ line: r.line, reason: `${r.fields.length} fields, expected ${columns.length}` });
      continue;
    }
    const password = r.fields[passwordCol];
    const domain = domainCol >= 0 && r.fields[domainCol] !== '' ? r.fields[domainCol] : undefined;
    const name = resolveUserName(r.fields[userCol], domain, options.defaultDomain);
    if (!name.ok) {
      skipped.push({ line: r.line, reason: name.error });
      continue;
    }
    if (password === '') {
      skipped.push({ line: r.line, reason: 'empty password' });
      continue;
    }
    const { username, realm } = name.value;
    const key = credentialKey(username, realm);
    const first = seen.get(key);
    if (first !== undefined) {
      skipped.push({ line: r.line, reason: `${username}@${realm} is already on line ${first}` });
      continue;
    }
    seen.set(key, r.line);
    users.push({
      username,
      realm,
      ha1Md5: computeHa1('MD5', username, realm, password),
      ha1Sha256: computeHa1('SHA-256', username, realm, password),
    });
  }
  const counts = directory.upsertMany(users);
  return ok({ ...counts, skipped });
}
