/**
 * The admin API's Bearer token: from the config, or generated once into
 * `<data_dir>/admin.token` (mode 0600) so the CLI on the same host can read it.
 */
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { chmod, link, mkdir, readFile, unlink, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

export const TOKEN_FILE = 'admin.token';

export function tokenPath(dataDir: string): string {
  return join(dataDir, TOKEN_FILE);
}

/**
 * Reads the token file, or creates it with 32 random bytes (hex). Written to a temporary file
 * and linked into place, so two processes starting together agree on one token.
 */
export async function loadOrCreateToken(file: string): Promise<string> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, randomBytes(32).toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, file);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    await unlink(tmp);
  }
  await chmod(file, 0o600);
  const token = (await readFile(file, 'utf8')).trim();
  if (token.length < 16) throw new Error(`${file}: the admin token must hold at least 16 characters`);
  return token;
}

/** True when the Authorization header is `Bearer <token>` (compared in constant time). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  if (header === undefined) return false;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (m === null) return false;
  const given = Buffer.from(m[1] as string);
  const expected = Buffer.from(token);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
