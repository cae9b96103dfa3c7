/**
 * `<data_dir>/admin.json`: where the running server's admin API listens, so the CLI finds it
 * from the data directory alone. Written at start, removed at stop; a file left by a killed
 * server names a pid that no longer runs, which the CLI reports.
 */
import { readFileSync } from 'node:fs';
import { rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';

export const DISCOVERY_FILE = 'admin.json';

export interface AdminDiscovery {
  readonly url: string;
  readonly pid: number;
  /** Wall-clock ms since the epoch. */
  readonly startedAt: number;
}

export function discoveryPath(dataDir: string): string {
  return join(dataDir, DISCOVERY_FILE);
}

export async function writeDiscovery(dataDir: string, d: AdminDiscovery): Promise<void> {
  await writeFile(discoveryPath(dataDir), JSON.stringify(d) + '\n', { mode: 0o600 });
}

/** Removes the file if it is still ours (another server may have started on the directory). */
export async function removeDiscovery(dataDir: string, pid: number): Promise<void> {
  const current = readDiscovery(dataDir);
  if (current !== undefined && current.pid !== pid) return;
  await rm(discoveryPath(dataDir), { force: true });
}

/** undefined when the file is absent or not valid. */
export function readDiscovery(dataDir: string): AdminDiscovery | undefined {
  let text: string;
  try {
    text = readFileSync(discoveryPath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<AdminDiscovery>;
    if (typeof v.url !== 'string' || typeof v.pid !== 'number') return undefined;
    return { url: v.url, pid: v.pid, startedAt: typeof v.startedAt === 'number' ? v.startedAt : 0 };
  } catch {
    return undefined;
  }
}
