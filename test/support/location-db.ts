/**
 * Reads the registrar's SQLite location store (`<data_dir>/switchboard.db`, table
 * location_bindings: one row per AOR, its bindings as JSON) from outside the server, the way
 * an operator would inspect it. Read-only; each call opens and closes its own connection.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';

export interface StoredBinding {
  contact: string;
  expiresAt: number;
  callId: string;
  cseq: number;
  source: { transport: string; host: string; port: number };
  userAgent?: string;
}

/** Every stored AOR with its unexpired bindings at `now` (an empty map when there is no database yet). */
export function readLocation(dataDir: string, now = Date.now()): Map<string, StoredBinding[]> {
  const file = join(dataDir, 'switchboard.db');
  const out = new Map<string, StoredBinding[]>();
  if (!existsSync(file)) return out;
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    db.pragma('busy_timeout = 2000');
    // With another location backend (Redis) the file holds users only, and no such table.
    if (db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'location_bindings'").get() === undefined) return out;
    const rows = db.prepare('SELECT aor, bindings FROM location_bindings').all() as Array<{ aor: string; bindings: string }>;
    for (const row of rows) {
      const live = (JSON.parse(row.bindings) as StoredBinding[]).filter((b) => b.expiresAt > now);
      if (live.length > 0) out.set(row.aor, live);
    }
  } finally {
    db.close();
  }
  return out;
}

/** Polls readLocation() until `done` holds (every 50 ms, at most `timeoutMs`); returns the last read. */
export async function waitForLocation(
  dataDir: string,
  done: (location: Map<string, StoredBinding[]>) => boolean,
  timeoutMs: number,
): Promise<{ location: Map<string, StoredBinding[]>; held: boolean }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const location = readLocation(dataDir);
    if (done(location)) return { location, held: true };
    if (Date.now() >= deadline) return { location, held: false };
    await new Promise((r) => setTimeout(r, 50));
  }
}
