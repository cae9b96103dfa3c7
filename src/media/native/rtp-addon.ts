/**
 * Loader of the native RTP engine (build/Release/switchboard_rtp.node, built by node-gyp from
 * the C sources next to this file). A missing or unloadable addon is not an error: the relay
 * then forwards through node:dgram, and `loadRtpAddon` says why in one line.
 */
import { type NativeAddonLoad, loadNativeAddon } from '../../lib/index.js';

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

export type AddonLoad = NativeAddonLoad<RtpAddon>;

let cached: AddonLoad | undefined;

/** Loads the addon once per process; the result (or the reason it failed) is cached. */
export function loadRtpAddon(): AddonLoad {
  cached ??= loadNativeAddon<RtpAddon>({
    file: 'switchboard_rtp.node',
    envVar: 'SWITCHBOARD_RTP_ADDON',
    what: 'native RTP engine',
    exportName: 'createEngine',
    from: import.meta.url,
  });
  return cached;
}
