/**
 * Turns a routing action into what the proxy does: a target set to fork to, or a response
 * (a rejection, or a 302 with the contacts for redirect mode, RFC 3261 §8.3 / §21.3.3).
 */
import { type Uri, parseUri } from '../sip/message/index.js';
import { type NextHop, reachOf } from './next-hop.js';
import type { RouteAction, Trunk } from './routing/index.js';
import type { Target } from './targets.js';

export type ActionOutcome =
  | { readonly kind: 'targets'; readonly targets: Target[] }
  | { readonly kind: 'answer'; readonly status: number; readonly reason?: string; readonly headers?: ReadonlyArray<readonly [string, string]> };

export interface ActionContext {
  /** The Request-URI as received. */
  readonly ruri: Uri;
  /** The dialled user part of the Request-URI. */
  readonly dialled: string;
  readonly trunks: readonly Trunk[];
  /** Registered targets of an AOR in our domains, or the status explaining why none (404/480). */
  locate(uri: Uri): Promise<Target[] | number>;
  /** Whether the URI names one of our domains. */
  isLocalUri(uri: Uri): boolean;
  /** Where a request to `uri` goes (RFC 3263). */
  nextHop(uri: Uri): Promise<NextHop>;
}

export async function resolveAction(action: RouteAction, c: ActionContext): Promise<ActionOutcome> {
  switch (action.kind) {
    case 'reject':
      return { kind: 'answer', status: action.status, ...(action.reason === undefined ? {} : { reason: action.reason }) };
    case 'location': {
      const uri = action.uri === undefined ? c.ruri : parseUri(action.uri);
      if (uri === undefined || !c.isLocalUri(uri)) return { kind: 'answer', status: 500, reason: 'Bad Location Route' };
      const found = await c.locate(uri);
      return typeof found === 'number' ? { kind: 'answer', status: found } : { kind: 'targets', targets: found };
    }
    case 'forward':
      return toUri(parseUri(action.uri), c);
    case 'trunk': {
      const trunk = c.trunks.find((t) => t.name === action.trunk);
      if (trunk === undefined) return { kind: 'answer', status: 500, reason: 'Unknown Trunk' };
      return toUri(parseUri(trunkUri(trunk, c.dialled)), c);
    }
    case 'redirect':
      return redirect(action.uris, c);
  }
}

/** The Request-URI for a call to a trunk: the dialled number (stripped, prefixed) at the trunk's host. */
export function trunkUri(trunk: Trunk, dialled: string): string {
  const number = trunk.prefix + dialled.slice(Math.min(trunk.strip, dialled.length));
  const escaped = number.replace(/[^A-Za-z0-9\-_.!~*'()&=+$,;?/]/g, (ch) => `%${ch.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return trunk.uri.replace(/^(sips?:)/i, `$1${escaped}@`);
}

async function toUri(uri: Uri | undefined, c: ActionContext): Promise<ActionOutcome> {
  if (uri === undefined) return { kind: 'answer', status: 500, reason: 'Bad Route URI' };
  const hop = await c.nextHop(uri);
  if (!hop.ok) return { kind: 'answer', status: hop.status, reason: hop.reason };
  return { kind: 'targets', targets: [{ uri, q: 1, ...reachOf(hop) }] };
}

/** §21.3.3 302 Moved Temporarily: "The new address is given in the Contact header field". */
async function redirect(uris: readonly string[] | undefined, c: ActionContext): Promise<ActionOutcome> {
  let contacts: string[];
  if (uris !== undefined && uris.length > 0) {
    contacts = uris.map((u) => `<${u}>`);
  } else {
    const found = await c.locate(c.ruri);
    if (typeof found === 'number') return { kind: 'answer', status: found };
    contacts = found.map((t) => `<${t.uri.toString()}>;q=${t.q}`);
  }
  return { kind: 'answer', status: 302, reason: 'Moved Temporarily', headers: contacts.map((v) => ['Contact', v] as const) };
}
