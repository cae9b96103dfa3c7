/**
 * Loader of the native RTP engine (build/Release/switchboard_rtp.node, built by node-gyp from
 * the C sources next to this file). A missing or unloadable addon is not an error: the relay
 * then forwards through node:dgram, and `loadRtpAddon` says why in one line.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Index of a session's channels in the addon: leg A RTP/RTCP, leg B RTP/RTCP. */
export const CH_A_RTP = 0;
export const CH_A_RTCP = 1;
export const CH_B_RTP = 2;
export const CH_B_RTCP = 3;

export type EngineHandle = { readonly __brand: 'switchboard_rtp engine' };

/** Packet handed to JS: RTCP, or RTP of a direction that needs mapping/transcoding. */
export type DeliveryHandler = (sessionId: number, channel: number, packet: Buffer, address: string, port: number) => void;

/** The functions exported by rtp-binding.c. */
export interface RtpAddon {
  readonly SNAPSHOT_SIZE: number;
  readonly SNAPSHOT_PER_CHANNEL: number;
  createEngine(threads: number, onPacket: DeliveryHandler): EngineHandle;
  destroyEngine(engine: EngineHandle): void;
  /** [fd, boundPort] or [-errno, message] ('EADDRINUSE' when the port is taken). */
  bind(address: string, port: number): [number, number | string];
  closeFd(fd: number): void;
  addSession(engine: EngineHandle, aRtp: number, aRtcp: number, bRtp: number, bRtcp: number): number;
  removeSession(engine: EngineHandle, sessionId: number): boolean;
  setPeer(engine: EngineHandle, sessionId: number, channel: number, address: string | null, port: number, clearLatch: boolean): void;
  setRoute(engine: EngineHandle, sessionId: number, channel: number, forward: boolean, rates: Int32Array): void;
  snapshot(engine: EngineHandle, sessionId: number, out: Float64Array): boolean;
  peer(engine: EngineHandle, sessionId: number, channel: number): [string, number] | null;
  forward(engine: EngineHandle, sessionId: number, srcChannel: number, packet: Buffer): void;
  sendTo(engine: EngineHandle, sessionId: number, channel: number, packet: Buffer, address: string, port: number): void;
  /** Runs the engine's receive statistics over [seq, ts, ssrc, nowMs, rate]* (tests). */
  rxStatsProbe(packets: Float64Array): Float64Array;
}

export type AddonLoad = { readonly ok: true; readonly addon: RtpAddon; readonly path: string } | { readonly ok: false; readonly reason: string };

const ADDON = join('build', 'Release', 'switchboard_rtp.node');
let cached: AddonLoad | undefined;

/** Finds the addon: $SWITCHBOARD_RTP_ADDON, else build/Release/ in the nearest ancestor dir. */
function locate(): string | undefined {
  const env = process.env.SWITCHBOARD_RTP_ADDON;
  if (env !== undefined && env !== '') return env;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 8; i++) {
    const candidate = join(dir, ADDON);
    if (existsSync(candidate)) return candidate;
    const up = dirname(dir);
    if (up === dir) break;
    dir = up;
  }
  return undefined;
}

/** Loads the addon once per process; the result (or the reason it failed) is cached. */
export function loadRtpAddon(): AddonLoad {
  if (cached !== undefined) return cached;
  if (process.platform !== 'linux') return (cached = { ok: false, reason: `native RTP engine needs Linux (epoll, recvmmsg); platform is ${process.platform}` });
  const path = locate();
  if (path === undefined) return (cached = { ok: false, reason: `native RTP engine not built (${ADDON} not found; run node-gyp rebuild)` });
  try {
    const addon = createRequire(import.meta.url)(path) as RtpAddon;
    if (typeof addon.createEngine !== 'function') return (cached = { ok: false, reason: `${path} is not the switchboard_rtp addon` });
    return (cached = { ok: true, addon, path });
  } catch (e) {
    return (cached = { ok: false, reason: `native RTP engine failed to load from ${path}: ${(e as Error).message.split('\n')[0]}` });
  }
}
