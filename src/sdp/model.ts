/**
 * The SDP data model (RFC 8866 §5). Plain, JSON-like objects: parse builds them, serialize
 * writes them, every other function of this folder returns a NEW model and never mutates its
 * input. Numbers that may exceed 2^53 (o= sess-id / sess-version, t= NTP times) stay strings.
 */

/** One `a=` line (RFC 8866 §5.13): `a=<name>` (property) or `a=<name>:<value>` (value). */
export interface SdpAttribute {
  name: string;
  /** Absent for a property attribute; '' for `a=name:` with nothing after the colon. */
  value?: string;
}

/** A line whose type letter this model has no field for; kept so it round-trips. */
export interface SdpLine {
  type: string;
  value: string;
}

/** `o=<username> <sess-id> <sess-version> <nettype> <addrtype> <unicast-address>` (RFC 8866 §5.2). */
export interface Origin {
  username: string;
  sessId: string;
  /** Decimal digits; RFC 3264 §8 requires it to grow by one whenever the SDP changes. */
  sessVersion: string;
  netType: string;
  addrType: string;
  address: string;
}

/** `c=<nettype> <addrtype> <connection-address>` (RFC 8866 §5.7). */
export interface Connection {
  netType: string;
  addrType: string;
  /** The address (or FQDN) without any multicast `/ttl/count` suffix. */
  address: string;
  /** The multicast suffix as written, e.g. '/127/3'; absent for unicast. */
  suffix?: string;
}

/** `b=<bwtype>:<bandwidth>` (RFC 8866 §5.8), bandwidth in kbit/s for CT/AS. */
export interface Bandwidth {
  type: string;
  value: number;
}

/** `t=<start-time> <stop-time>` with its `r=` lines (RFC 8866 §5.9, §5.10). */
export interface Timing {
  start: string;
  stop: string;
  /** Raw `r=` values, in order. */
  repeats: string[];
}

/** RFC 3264 §5.1 / RFC 8866 §6.7 media direction attributes. */
export type Direction = 'sendrecv' | 'sendonly' | 'recvonly' | 'inactive';

/** One media section: `m=<media> <port>[/<number of ports>] <proto> <fmt> ...` (RFC 8866 §5.14). */
export interface MediaDescription {
  /** 'audio', 'video', 'text', 'application', 'image', ... as written. */
  type: string;
  /** 0 means the stream is rejected / disabled (RFC 3264 §6, §8.2). */
  port: number;
  portCount?: number;
  /** 'RTP/AVP', 'RTP/SAVP', 'UDP/TLS/RTP/SAVPF', 'udptl', ... as written. */
  proto: string;
  /** The <fmt> list as written: payload type numbers for RTP profiles, names otherwise. */
  formats: string[];
  information?: string;
  /** Media-level `c=` lines (more than one only for multicast layering). */
  connections: Connection[];
  bandwidths: Bandwidth[];
  /** Obsolete `k=` line, kept for round-trip. */
  key?: string;
  attributes: SdpAttribute[];
  /** Lines of unknown type, serialized after the attributes of this section. */
  otherLines: SdpLine[];
}

/** A whole session description (RFC 8866 §5). */
export interface SessionDescription {
  /** `v=`; always 0 (RFC 8866 §5.1). */
  version: number;
  origin: Origin;
  /** `s=`; '' is written back as `s= ` (RFC 8866 §5.3). */
  sessionName: string;
  information?: string;
  uri?: string;
  emails: string[];
  phones: string[];
  connection?: Connection;
  bandwidths: Bandwidth[];
  /** Empty only if the input had no `t=`; serialize then writes `t=0 0`. */
  timings: Timing[];
  /** Raw `z=` value. */
  timeZones?: string;
  /** Obsolete `k=` line, kept for round-trip. */
  key?: string;
  attributes: SdpAttribute[];
  /** Session-level lines of unknown type, serialized after the session attributes. */
  otherLines: SdpLine[];
  media: MediaDescription[];
}

/** A deep copy, so pure functions can edit their result without touching their input. */
export function cloneSdp(sd: SessionDescription): SessionDescription {
  return structuredClone(sd);
}
