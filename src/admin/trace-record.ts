/**
 * One SIP message as the live trace shows it: direction, addresses, time, start line and the
 * identifiers the filters look at (Call-ID, CSeq method, From/To/Request-URI users). The raw
 * bytes travel base64-encoded when asked for (`trace --pcap` rebuilds frames from them).
 */
import { messageMethod } from '../sip/endpoint/index.js';
import type { NetAddress, SipWireEvent } from '../sip/transport/index.js';

export interface TraceAddress {
  readonly transport: string;
  readonly host: string;
  readonly port: number;
}

export interface TraceRecord {
  readonly direction: 'in' | 'out';
  /** Wall-clock ms since the epoch. */
  readonly timestamp: number;
  readonly remote: TraceAddress;
  readonly local: TraceAddress;
  readonly connectionId?: string;
  /** "INVITE sip:bob@example.com SIP/2.0" or "SIP/2.0 200 OK"; "(unparsable)" for garbage. */
  readonly startLine: string;
  readonly method?: string;
  readonly status?: number;
  readonly callId?: string;
  readonly fromUser?: string;
  readonly toUser?: string;
  readonly ruriUser?: string;
  /** The message as text (latin1: SIP is 8-bit safe in headers, bodies are usually SDP). */
  readonly text: string;
  /** The exact bytes, base64, when the client asked for raw data. */
  readonly raw?: string;
}

export interface TraceFilter {
  /** A user name (the part before @) or a full AOR user@domain. */
  readonly user?: string;
  readonly callId?: string;
  /** Request method, or the CSeq method of a response. */
  readonly method?: string;
}

/** A getter of a parsed message that throws on a malformed header: undefined instead. */
function safe<T>(get: () => T): T | undefined {
  try {
    return get();
  } catch {
    return undefined;
  }
}

function uriUser(uri: { kind: string; user?: string; host?: string } | undefined): string | undefined {
  if (uri === undefined || uri.kind !== 'sip' || uri.user === undefined) return undefined;
  return `${uri.user}@${uri.host ?? ''}`;
}

function address(a: NetAddress): TraceAddress {
  return { transport: a.transport, host: a.host, port: a.port };
}

/** What a trace filter looks at, and what a record says about the message: cheap to compute. */
export type TraceIdentifiers = Partial<Pick<TraceRecord, 'method' | 'status' | 'ruriUser' | 'callId' | 'fromUser' | 'toUser'>>;

export function traceIdentifiers(event: SipWireEvent): TraceIdentifiers {
  const m = event.message;
  if (m === undefined) return {};
  const fromUser = safe(() => uriUser(m.from.uri as { kind: string; user?: string; host?: string }));
  const toUser = safe(() => uriUser(m.to.uri as { kind: string; user?: string; host?: string }));
  const callId = safe(() => m.callId);
  const out: Record<string, unknown> = {
    method: messageMethod(m),
    ...(m.kind === 'response' ? { status: m.status } : { ruriUser: uriUser(m.uri as { kind: string; user?: string; host?: string }) }),
    callId,
    fromUser,
    toUser,
  };
  for (const k of Object.keys(out)) if (out[k] === undefined) delete out[k];
  return out as TraceIdentifiers;
}

function startLineOf(event: SipWireEvent): string {
  if (event.message !== undefined) return event.message.startLine();
  const firstLine = event.bytes.subarray(0, 200).toString('latin1').split(/\r?\n/, 1)[0] ?? '';
  return `(unparsable) ${firstLine}`.trimEnd();
}

/** The whole record (the text decoded, base64 too with `withRaw`); pass the identifiers if already made. */
export function traceRecord(event: SipWireEvent, withRaw: boolean, ids: TraceIdentifiers = traceIdentifiers(event)): TraceRecord {
  return {
    direction: event.direction,
    timestamp: event.timestamp,
    remote: address(event.remote),
    local: address(event.local),
    ...(event.connectionId === undefined ? {} : { connectionId: event.connectionId }),
    startLine: startLineOf(event),
    ...ids,
    text: event.bytes.toString('latin1'),
    ...(withRaw ? { raw: event.bytes.toString('base64') } : {}),
  };
}

function userMatches(wanted: string, candidate: string | undefined): boolean {
  if (candidate === undefined) return false;
  const w = wanted.toLowerCase();
  const c = candidate.toLowerCase();
  return w.includes('@') ? c === w : c.split('@')[0] === w;
}

/** Every given criterion must hold (an empty filter matches everything). */
export function matchesFilter(r: TraceIdentifiers, f: TraceFilter): boolean {
  if (f.callId !== undefined && r.callId !== f.callId) return false;
  if (f.method !== undefined && r.method?.toUpperCase() !== f.method.toUpperCase()) return false;
  if (f.user !== undefined) {
    const u = f.user;
    if (![r.fromUser, r.toUser, r.ruriUser].some((c) => userMatches(u, c))) return false;
  }
  return true;
}
