/**
 * Read accessors (and a few pure setters) over the model: attributes, direction, connection,
 * RTCP port, ptime, hold. Media-level values override session-level ones (RFC 8866 §5).
 */
import type { Connection, Direction, MediaDescription, SdpAttribute, SessionDescription } from './model.js';
import { cloneSdp } from './model.js';

const DIRECTIONS: ReadonlySet<string> = new Set(['sendrecv', 'sendonly', 'recvonly', 'inactive']);

/** The first attribute named `name` (case-insensitive), if any. */
export function getAttribute(list: readonly SdpAttribute[], name: string): SdpAttribute | undefined {
  const want = name.toLowerCase();
  return list.find((a) => a.name.toLowerCase() === want);
}

/** Every attribute named `name` (case-insensitive), in order. */
export function getAttributes(list: readonly SdpAttribute[], name: string): SdpAttribute[] {
  const want = name.toLowerCase();
  return list.filter((a) => a.name.toLowerCase() === want);
}

function directionIn(list: readonly SdpAttribute[]): Direction | undefined {
  for (const a of list) if (a.value === undefined && DIRECTIONS.has(a.name)) return a.name as Direction;
  return undefined;
}

/**
 * Direction of a media section: its own sendrecv/sendonly/recvonly/inactive attribute, else the
 * session-level one, else sendrecv (RFC 3264 §5.1, RFC 8866 §6.7).
 */
export function directionOf(sd: SessionDescription, mediaIndex: number): Direction {
  const md = sd.media[mediaIndex];
  return (md === undefined ? undefined : directionIn(md.attributes)) ?? directionIn(sd.attributes) ?? 'sendrecv';
}

/** The direction an answerer mirrors (RFC 3264 §6.1): sendonly ↔ recvonly, others unchanged. */
export function reverseDirection(dir: Direction): Direction {
  return dir === 'sendonly' ? 'recvonly' : dir === 'recvonly' ? 'sendonly' : dir;
}

/** A copy of `sd` whose media section carries exactly one direction attribute, `dir` (RFC 3264 §5.1). */
export function withDirection(sd: SessionDescription, mediaIndex: number, dir: Direction): SessionDescription {
  const out = cloneSdp(sd);
  const md = out.media[mediaIndex];
  if (md === undefined) return out;
  const at = md.attributes.findIndex((a) => a.value === undefined && DIRECTIONS.has(a.name));
  md.attributes = md.attributes.filter((a) => !(a.value === undefined && DIRECTIONS.has(a.name)));
  md.attributes.splice(at < 0 ? md.attributes.length : at, 0, { name: dir });
  return out;
}

/** Connection of a media section: its first `c=` line, else the session-level one (RFC 8866 §5.7). */
export function connectionOf(sd: SessionDescription, mediaIndex: number): Connection | undefined {
  const md = sd.media[mediaIndex];
  return md === undefined ? undefined : (md.connections[0] ?? sd.connection);
}

/** RTCP destination of a media section. */
export interface RtcpInfo {
  port: number;
  /** Address from `a=rtcp:<port> IN IP4 <addr>`, when given. */
  address?: string;
  /** `a=rtcp-mux` is present (RFC 5761 §5.1.1): RTCP may share the RTP port if both sides offer it. */
  mux: boolean;
}

/** RTCP port: `a=rtcp:<port> [nettype addrtype address]` (RFC 3605 §2.1), else RTP port + 1 (RFC 3550 §11). */
export function rtcpOf(sd: SessionDescription, mediaIndex: number): RtcpInfo | undefined {
  const md = sd.media[mediaIndex];
  if (md === undefined) return undefined;
  const mux = getAttribute(md.attributes, 'rtcp-mux') !== undefined;
  const rtcp = getAttribute(md.attributes, 'rtcp');
  const m = rtcp?.value === undefined ? null : /^\s*(\d{1,5})(?:\s+\S+\s+\S+\s+(\S+))?\s*$/.exec(rtcp.value);
  if (m !== null && Number(m[1]) <= 65535) {
    const info: RtcpInfo = { port: Number(m[1]), mux };
    if (m[2] !== undefined) info.address = m[2];
    return info;
  }
  return { port: md.port === 0 ? 0 : md.port + 1, mux };
}

/** Packetization time in ms: `a=ptime` of the media (RFC 8866 §6.4), else a session-level one. */
export function ptimeOf(sd: SessionDescription, mediaIndex: number): number | undefined {
  const md = sd.media[mediaIndex];
  const a = (md === undefined ? undefined : getAttribute(md.attributes, 'ptime')) ?? getAttribute(sd.attributes, 'ptime');
  if (a?.value === undefined) return undefined;
  const n = Number(a.value.trim());
  return Number.isFinite(n) && n > 0 ? n : undefined;
}

/** True if the connection is the RFC 2543 hold address 0.0.0.0 (RFC 3264 §8.4). */
export function isNullConnection(c: Connection | undefined): boolean {
  return c !== undefined && c.addrType.toUpperCase() === 'IP4' && c.address === '0.0.0.0';
}

function mediaHeld(sd: SessionDescription, i: number): boolean {
  const dir = directionOf(sd, i);
  return dir === 'sendonly' || dir === 'inactive' || isNullConnection(connectionOf(sd, i));
}

/**
 * Hold (RFC 3264 §8.4): a stream marked sendonly or inactive, or — the older RFC 2543 way —
 * with `c=0.0.0.0`. Without an index: every active (port ≠ 0) stream is on hold.
 */
export function isHold(sd: SessionDescription, mediaIndex?: number): boolean {
  if (mediaIndex !== undefined) return sd.media[mediaIndex] !== undefined && mediaHeld(sd, mediaIndex);
  const active = sd.media.map((md: MediaDescription, i) => (md.port === 0 ? -1 : i)).filter((i) => i >= 0);
  return active.length > 0 && active.every((i) => mediaHeld(sd, i));
}
