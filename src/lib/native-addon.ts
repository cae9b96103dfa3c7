/**
 * Finding and loading one of our native addons (build/Release/<name>.node, built by node-gyp
 * from binding.gyp). A missing or unloadable addon is not an error for the caller: it gets the
 * reason in one line and falls back to a JavaScript path.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export type NativeAddonLoad<T> = { readonly ok: true; readonly addon: T; readonly path: string } | { readonly ok: false; readonly reason: string };

export interface NativeAddonSpec {
  /** File name under build/Release/, e.g. `switchboard_rtp.node`. */
  readonly file: string;
  /** Environment variable that names the file directly (tests, packaging). */
  readonly envVar: string;
  /** What it is, for the reason line: `native RTP engine`. */
  readonly what: string;
  /** A function the addon must export (tells it from another file of that name). */
  readonly exportName: string;
  /** import.meta.url of the caller: the search starts in its directory. */
  readonly from: string;
}

/** $envVar, else build/Release/<file> in the nearest of the caller's ancestor directories. */
function locate(spec: NativeAddonSpec): string | undefined {
  const env = process.env[spec.envVar];
  if (env !== undefined && env !== '') return env;
  const relative = join('build', 'Release', spec.file);
  let dir = dirname(fileURLToPath(spec.from));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, relative);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** Loads the addon (Linux only: ours use epoll-era system calls), or says why not. */
export function loadNativeAddon<T>(spec: NativeAddonSpec): NativeAddonLoad<T> {
  if (process.platform !== 'linux') return { ok: false, reason: `${spec.what} needs Linux (recvmmsg); platform is ${process.platform}` };
  const path = locate(spec);
  if (path === undefined) return { ok: false, reason: `${spec.what} not built (build/Release/${spec.file} not found; run node-gyp rebuild)` };
  try {
    const addon = createRequire(spec.from)(path) as Record<string, unknown>;
    if (typeof addon[spec.exportName] !== 'function') return { ok: false, reason: `${path} is not the ${spec.file} addon` };
    return { ok: true, addon: addon as T, path };
  } catch (e) {
    return { ok: false, reason: `${spec.what} failed to load from ${path}: ${(e as Error).message.split('\n')[0]}` };
  }
}
