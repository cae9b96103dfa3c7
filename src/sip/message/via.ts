/** The Via header field value (RFC 3261 §20.42, §18.2.1; RFC 3581 rport). */
import { isIPv6 } from 'node:net';
import { type Param, formatParams, getParam, isTokenChar, isWsp, parseHeaderParams, withParam } from './lexer.js';
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
    this.transport = parts.transport.toUpperCase();
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
    const host = isIPv6(this.host) ? `[${this.host}]` : this.host;
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
  const s = value.trim();
  let i = 0;
  const fields: string[] = [];
  for (let k = 0; k < 3; k++) {
    if (k > 0) {
      i = skipLws(s, i);
      if (s.charCodeAt(i) !== 0x2f) return undefined;
      i = skipLws(s, i + 1);
    }
    const start = i;
    i = readToken(s, i);
    if (i === start) return undefined;
    fields.push(s.slice(start, i));
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
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    if (i === start || i - start > 5) return undefined;
    port = Number(s.slice(start, i));
    if (port > 65535) return undefined;
  }
  const params = parseHeaderParams(s.slice(i));
  if (params === undefined) return undefined;
  for (const p of params) {
    const name = p.name.toLowerCase();
    // §20.42 via-ttl, via-maddr, via-received, via-branch have constrained values.
    if (name === 'branch' && (p.value === null || p.value.startsWith('"'))) return undefined;
    if (name === 'received' && (p.value === null || !isValidHost(p.value.includes(':') && !p.value.startsWith('[') ? `[${p.value}]` : p.value))) return undefined;
    if (name === 'ttl' && (p.value === null || !/^\d{1,3}$/.test(p.value) || Number(p.value) > 255)) return undefined;
    if (name === 'rport' && p.value !== null && !/^\d{1,5}$/.test(p.value)) return undefined;
  }
  return new Via(
    { protocol: fields[0], version: fields[1], transport: fields[2], host, port, params },
    s,
  );
}
