/** The Via header field value (RFC 3261 §20.42, §18.2.1; RFC 3581 rport). */
import { isIPv6 } from 'node:net';
import { type Param, formatParams, getParam, isTokenChar, isWsp, parseHeaderParams, trimLws, withParam } from './lexer.js';
import { isValidHost } from './uri.js';

export interface ViaParts {
  transport: string;
  host: string;
  port?: number | undefined;
  params?: readonly Param[];
  protocol?: string;
  version?: string;
}

export class Via {
  readonly protocol: string;
  readonly version: string;
  /** Upper-cased transport: UDP, TCP, TLS, SCTP, WS, WSS, or an extension token. */
  readonly transport: string;
  /** sent-by host as written; IPv6 references keep their brackets. */
  readonly host: string;
  readonly port: number | undefined;
  readonly params: readonly Param[];
  private readonly raw: string;

  constructor(parts: ViaParts, raw?: string) {
    this.protocol = parts.protocol ?? 'SIP';
    this.version = parts.version ?? '2.0';
    const t = parts.transport;
    this.transport = t === 'UDP' || t === 'TCP' || t === 'TLS' ? t : t.toUpperCase();
    this.host = parts.host;
    this.port = parts.port;
    this.params = parts.params ?? [];
    this.raw = raw ?? this.format();
  }

  param(name: string): string | null | undefined {
    return getParam(this.params, name);
  }

  get branch(): string | undefined {
    const b = this.param('branch');
    return b === null ? undefined : b;
  }

  get received(): string | undefined {
    const r = this.param('received');
    return r === null ? undefined : r;
  }

  /** RFC 3581: null when `rport` is present without a value (the client asks for it). */
  get rport(): number | null | undefined {
    const r = this.param('rport');
    if (r === undefined || r === null) return r;
    const n = Number(r);
    return Number.isInteger(n) ? n : undefined;
  }

  get maddr(): string | undefined {
    const m = this.param('maddr');
    return m === null ? undefined : m;
  }

  /** sent-by host without IPv6 brackets, lower-cased. */
  get hostname(): string {
    const h = this.host.startsWith('[') ? this.host.slice(1, -1) : this.host;
    return h.toLowerCase();
  }

  withParam(name: string, value: string | null): Via {
    return new Via({ ...this.parts(), params: withParam(this.params, name, value) });
  }

  parts(): ViaParts {
    return {
      protocol: this.protocol,
      version: this.version,
      transport: this.transport,
      host: this.host,
      port: this.port,
      params: this.params,
    };
  }

  toString(): string {
    return this.raw;
  }

  private format(): string {
    // Only a host with a colon can be a bare IPv6 literal: skip node's long regex otherwise.
    const host = this.host.includes(':') && isIPv6(this.host) ? `[${this.host}]` : this.host;
    const port = this.port === undefined ? '' : `:${this.port}`;
    return `${this.protocol}/${this.version}/${this.transport} ${host}${port}${formatParams(this.params)}`;
  }
}

function readToken(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

function skipLws(s: string, i: number): number {
  while (i < s.length && isWsp(s.charCodeAt(i))) i++;
  return i;
}

/**
 * Parses one via-parm: sent-protocol LWS sent-by *( SEMI via-params ).
 * sent-protocol = protocol-name SLASH protocol-version SLASH transport, LWS allowed around
 * the slashes (RFC 4475 §3.1.1.1).
 */
export function parseVia(value: string): Via | undefined {
  const s = trimLws(value);
  let protocol: string;
  let version: string;
  let transport: string;
  let i: number;
  if (s.startsWith('SIP/2.0/')) {
    // The spelling of nearly every Via: no LWS, no copies of the constant parts.
    protocol = 'SIP';
    version = '2.0';
    i = readToken(s, 8);
    if (i === 8) return undefined;
    transport = knownTransport(s, 8, i) ?? s.slice(8, i);
  } else {
    i = readToken(s, 0);
    if (i === 0) return undefined;
    protocol = s.slice(0, i);
    i = skipSlash(s, i);
    if (i < 0) return undefined;
    let start = i;
    i = readToken(s, i);
    if (i === start) return undefined;
    version = s.slice(start, i);
    i = skipSlash(s, i);
    if (i < 0) return undefined;
    start = i;
    i = readToken(s, i);
    if (i === start) return undefined;
    transport = s.slice(start, i);
  }
  const afterProto = i;
  i = skipLws(s, i);
  if (i === afterProto) return undefined;

  // sent-by = host [ COLON port ]
  let hostEnd: number;
  if (s.charCodeAt(i) === 0x5b) {
    hostEnd = s.indexOf(']', i);
    if (hostEnd < 0) return undefined;
    hostEnd++;
  } else {
    hostEnd = i;
    while (hostEnd < s.length) {
      const c = s.charCodeAt(hostEnd);
      if (c === 0x3a || c === 0x3b || isWsp(c)) break;
      hostEnd++;
    }
  }
  const host = s.slice(i, hostEnd);
  if (!isValidHost(host)) return undefined;
  i = skipLws(s, hostEnd);
  let port: number | undefined;
  if (s.charCodeAt(i) === 0x3a) {
    i = skipLws(s, i + 1);
    const start = i;
    let n = 0;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) n = n * 10 + s.charCodeAt(i++) - 0x30;
    if (i === start || i - start > 5 || n > 65535) return undefined;
    port = n;
  }
  const params = parseHeaderParams(s, i);
  if (params === undefined) return undefined;
  for (const p of params) if (!isValidViaParam(p)) return undefined;
  return new Via({ protocol, version, transport, host, port, params }, s);
}

/** The upper-case literal for UDP/TCP/TLS written in upper case at s[from, to), else undefined. */
function knownTransport(s: string, from: number, to: number): string | undefined {
  if (to - from !== 3) return undefined;
  const a = s.charCodeAt(from);
  const b = s.charCodeAt(from + 1);
  const c = s.charCodeAt(from + 2);
  if (a === 0x55 && b === 0x44 && c === 0x50) return 'UDP';
  if (a === 0x54 && b === 0x43 && c === 0x50) return 'TCP';
  if (a === 0x54 && b === 0x4c && c === 0x53) return 'TLS';
  return undefined;
}

/** LWS "/" LWS between the parts of sent-protocol; the index after it, or -1. */
function skipSlash(s: string, i: number): number {
  i = skipLws(s, i);
  if (s.charCodeAt(i) !== 0x2f) return -1;
  return skipLws(s, i + 1);
}

/** §20.42 via-ttl, via-received, via-branch (and RFC 3581 rport) have constrained values. */
function isValidViaParam(p: Param): boolean {
  const n = p.name.length;
  if (n !== 3 && n !== 5 && n !== 6 && n !== 8) return true;
  const v = p.value;
  switch (p.name.toLowerCase()) {
    case 'branch':
      return v !== null && v.charCodeAt(0) !== 0x22;
    case 'received':
      // RFC 3261 writes IPv6 received values bare; RFC 5118 §4.5 shows them bracketed.
      return v !== null && isValidHost(v.includes(':') && v.charCodeAt(0) !== 0x5b ? `[${v}]` : v);
    case 'ttl':
      return v !== null && /^\d{1,3}$/.test(v) && Number(v) <= 255;
    case 'rport':
      return v === null || /^\d{1,5}$/.test(v);
    default:
      return true;
  }
}
