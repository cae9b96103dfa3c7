/**
 * Rewrites an SDP so that media flows through the relay: each stream's c= and m= port name the
 * relay's socket, a=rtcp names its RTCP port (RFC 3605), and ICE lines are removed because the
 * relay terminates the transport (the far side then sees a plain host address). Holds stay
 * holds: a c=0.0.0.0 stays 0.0.0.0 (RFC 3264 §8.4) and direction attributes are untouched.
 */
import { connectionOf, isNullConnection } from './accessors.js';
import { type Connection, type MediaDescription, type SdpAttribute, type SessionDescription, cloneSdp } from './model.js';

/** The relay socket that replaces one m-line's transport address. */
export interface RelayEndpoint {
  mediaIndex: number;
  /** IPv4 or IPv6 literal of the relay. */
  address: string;
  port: number;
  rtcpPort: number;
  /** true: advertise a=rtcp-mux; false: remove it; absent: leave as it is (RFC 5761 §5.1.1). */
  rtcpMux?: boolean;
}

export interface RelayRewriteOptions {
  /** Also put the relay address in o= (default: o= untouched). */
  rewriteOrigin?: boolean;
  /** Address for the session-level c= (default: the endpoint of the lowest media index). */
  sessionAddress?: string;
  /**
   * Active m-lines with no endpoint: 'reject' (default) sets port 0 so no original address leaks
   * past the relay; 'keep' passes them on unchanged.
   */
  unlisted?: 'reject' | 'keep';
}

/** ICE (RFC 8839 §5) attributes; the relay is not an ICE agent toward either side. */
const ICE_ATTRIBUTES = new Set(['candidate', 'ice-ufrag', 'ice-pwd', 'ice-options', 'end-of-candidates', 'remote-candidates', 'ice-lite', 'ice-mismatch', 'ice-pacing']);

/** `c=IN IP4 <addr>` or `c=IN IP6 <addr>` for an address literal. */
export function connectionFor(address: string): Connection {
  return { netType: 'IN', addrType: address.includes(':') ? 'IP6' : 'IP4', address };
}

function withoutIce(list: SdpAttribute[]): SdpAttribute[] {
  return list.filter((a) => !ICE_ATTRIBUTES.has(a.name.toLowerCase()));
}

/**
 * Points every listed m-line at the relay: m= port, c= (media level, and session level),
 * a=rtcp when rtcpPort ≠ port + 1 (RFC 3605 §2.1), ICE lines removed. Rejected streams keep
 * port 0 (RFC 3264 §6). Returns a new model.
 */
export function rewriteForRelay(sd: SessionDescription, endpoints: readonly RelayEndpoint[], options: RelayRewriteOptions = {}): SessionDescription {
  const out = cloneSdp(sd);
  const byIndex = new Map(endpoints.map((e) => [e.mediaIndex, e]));
  const first = [...endpoints].filter((e) => sd.media[e.mediaIndex]?.port !== 0).sort((a, b) => a.mediaIndex - b.mediaIndex)[0];
  const sessionAddress = options.sessionAddress ?? first?.address;
  if (sessionAddress !== undefined) {
    if (out.connection !== undefined && !isNullConnection(out.connection)) out.connection = connectionFor(sessionAddress);
    if (options.rewriteOrigin === true) {
      const c = connectionFor(sessionAddress);
      out.origin = { ...out.origin, netType: c.netType, addrType: c.addrType, address: c.address };
    }
  }
  out.attributes = withoutIce(out.attributes);
  out.media.forEach((md, i) => {
    const ep = byIndex.get(i);
    if (md.port !== 0 && ep === undefined && options.unlisted === 'keep') return;
    md.attributes = withoutIce(md.attributes);
    if (md.port === 0 || ep === undefined) {
      // RFC 3264 §6: a rejected stream keeps port 0; hide its original address all the same.
      md.port = 0;
      md.attributes = md.attributes.filter((a) => a.name.toLowerCase() !== 'rtcp');
      if (sessionAddress !== undefined) md.connections = md.connections.map((c) => (isNullConnection(c) ? c : connectionFor(sessionAddress)));
      return;
    }
    const held = isNullConnection(connectionOf(sd, i));
    md.port = ep.port;
    pointAt(out, md, ep, held);
    setRtcp(md, ep);
  });
  return out;
}

function pointAt(out: SessionDescription, md: MediaDescription, ep: RelayEndpoint, held: boolean): void {
  if (md.connections.length > 0) {
    // RFC 3264 §8.4: the old-style hold address must reach the other side unchanged.
    md.connections = [held ? { netType: 'IN', addrType: 'IP4', address: '0.0.0.0' } : connectionFor(ep.address)];
    return;
  }
  if (held) return; // the session-level c=0.0.0.0 was kept
  if (out.connection === undefined || out.connection.address !== ep.address) md.connections = [connectionFor(ep.address)];
}

function setRtcp(md: MediaDescription, ep: RelayEndpoint): void {
  const at = md.attributes.findIndex((a) => a.name.toLowerCase() === 'rtcp');
  md.attributes = md.attributes.filter((a) => a.name.toLowerCase() !== 'rtcp');
  // RFC 3605 §2.1: the attribute is needed only when RTCP is not on the RTP port + 1.
  if (ep.rtcpPort !== ep.port + 1) md.attributes.splice(at < 0 ? md.attributes.length : at, 0, { name: 'rtcp', value: String(ep.rtcpPort) });
  const mux = md.attributes.some((a) => a.name.toLowerCase() === 'rtcp-mux');
  if (ep.rtcpMux === false && mux) md.attributes = md.attributes.filter((a) => a.name.toLowerCase() !== 'rtcp-mux');
  if (ep.rtcpMux === true && !mux) md.attributes.push({ name: 'rtcp-mux' });
}
