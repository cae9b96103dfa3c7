/**
 * RFC 3261 §10.3 steps 6–7 as a pure function: the bindings of one AOR before a REGISTER,
 * the REGISTER's contacts, and the policy in; the new bindings and the answer out. The
 * location store runs it inside its atomic modify(), so it may be called more than once.
 */
import type { Binding, BindingChange, BindingSource } from '../location/index.js';
import { parseUri, uriEquals } from '../sip/message/index.js';

export interface ExpiryPolicy {
  /** Shortest non-zero expiry accepted (seconds); shorter → 423 with Min-Expires. */
  readonly minExpires: number;
  /** Longest expiry granted (seconds); longer requests are cut down to it. */
  readonly maxExpires: number;
  /** Expiry when neither the contact nor the request says (seconds). */
  readonly defaultExpires: number;
  /** Most contacts one AOR may have. */
  readonly maxContacts: number;
}

/** One Contact of a REGISTER, already parsed. */
export interface ContactSpec {
  /** The URI text (no angle brackets, no header parameters). */
  readonly uri: string;
  /** The `expires` contact parameter, if present. */
  readonly expires?: number;
  readonly q?: number;
  readonly instanceId?: string;
  readonly regId?: number;
}

/** What the REGISTER says, independent of how it was parsed. */
export interface RegisterData {
  /** '*' for the wildcard (§10.2.2), else the contacts (possibly none: a query, §10.2.3). */
  readonly contacts: '*' | readonly ContactSpec[];
  /** The Expires header, if present. */
  readonly expiresHeader?: number;
  readonly callId: string;
  readonly cseq: number;
  readonly source: BindingSource;
  /** The UA is behind a NAT (see Binding.nat). */
  readonly nat?: boolean;
  readonly local?: string;
  readonly connectionId?: string;
  readonly node?: string;
  readonly path?: readonly string[];
  readonly userAgent?: string;
}

export type UpdateResult =
  | { readonly ok: true; readonly bindings: readonly Binding[] }
  | { readonly ok: false; readonly status: number; readonly reason: string; readonly headers?: ReadonlyArray<readonly [string, string]> };

type Change = BindingChange<UpdateResult>;

function reject(current: readonly Binding[], status: number, reason: string, headers?: ReadonlyArray<readonly [string, string]>): Change {
  return { bindings: current, result: { ok: false, status, reason, headers } };
}

/** The expiry a contact asks for (§10.2.1.1): its parameter, else the header, else the default. */
function requested(c: ContactSpec, reg: RegisterData, policy: ExpiryPolicy): number {
  return c.expires ?? reg.expiresHeader ?? policy.defaultExpires;
}

function sameContact(b: Binding, c: ContactSpec): boolean {
  // RFC 5626 §6: with outbound, the binding is identified by instance-id and reg-id.
  if (c.instanceId !== undefined && c.regId !== undefined) return b.instanceId === c.instanceId && b.regId === c.regId;
  if (b.contact === c.uri) return true;
  // §10.3 step 7: "compares [the contact] against the existing bindings, using the URI
  // comparison rules" of §19.1.4.
  const a = parseUri(b.contact);
  const n = parseUri(c.uri);
  return a !== undefined && n !== undefined && uriEquals(a, n);
}

export function updateBindings(current: readonly Binding[], reg: RegisterData, policy: ExpiryPolicy, now: number): Change {
  if (reg.contacts === '*') {
    // §10.3 step 6: "The wildcard ... applies only to a REGISTER with Expires: 0 and no other
    // Contact" — checked by the caller. For each binding: a different Call-ID removes it; the
    // same Call-ID removes it only with a higher CSeq, "Otherwise, the update MUST be aborted".
    for (const b of current) {
      if (b.callId === reg.callId && reg.cseq <= b.cseq) return reject(current, 400, 'Invalid CSeq number');
    }
    return { bindings: [], result: { ok: true, bindings: [] } };
  }

  // §10.3 step 7 (first part): check every expiry before changing anything.
  for (const c of reg.contacts) {
    const e = requested(c, reg, policy);
    if (e !== 0 && e < policy.minExpires) {
      // §10.3: "If and only if the requested expiration interval is greater than zero AND
      // smaller than one hour AND less than a registrar-configured minimum, the registrar MAY
      // reject the registration with a response of 423 (Interval Too Brief)". We enforce the
      // configured minimum whatever it is, and say it in Min-Expires (§20.23).
      return reject(current, 423, 'Interval Too Brief', [['Min-Expires', String(policy.minExpires)]]);
    }
  }

  let next = [...current];
  for (const c of reg.contacts) {
    const expires = Math.min(requested(c, reg, policy), policy.maxExpires);
    const at = next.findIndex((b) => sameContact(b, c));
    const existing = at < 0 ? undefined : next[at];
    if (existing !== undefined && existing.callId === reg.callId && reg.cseq < existing.cseq) {
      // §10.3 step 7: same Call-ID and a lower CSeq: "the update MUST be aborted and the
      // request fails" — an out-of-order REGISTER never overwrites a newer one.
      return reject(current, 400, 'Invalid CSeq number');
    }
    if (existing !== undefined && existing.callId === reg.callId && reg.cseq === existing.cseq) {
      // The REGISTER that wrote this binding, again: a retransmission (REGISTER is answered
      // statelessly, so no transaction absorbed it). It was applied already; answer the same.
      continue;
    }
    if (existing !== undefined) next.splice(at, 1);
    if (expires === 0) continue;
    next.push({
      contact: c.uri,
      q: c.q ?? 1,
      expiresAt: now + expires * 1000,
      callId: reg.callId,
      cseq: reg.cseq,
      source: reg.source,
      registeredAt: existing?.registeredAt ?? now,
      ...(reg.nat === true ? { nat: true } : {}),
      ...(reg.local === undefined ? {} : { local: reg.local }),
      ...(reg.connectionId === undefined ? {} : { connectionId: reg.connectionId }),
      ...(reg.node === undefined ? {} : { node: reg.node }),
      ...(c.instanceId === undefined ? {} : { instanceId: c.instanceId }),
      ...(c.regId === undefined ? {} : { regId: c.regId }),
      ...(reg.path === undefined || reg.path.length === 0 ? {} : { path: reg.path }),
      ...(reg.userAgent === undefined ? {} : { userAgent: reg.userAgent }),
    });
  }
  if (next.length > policy.maxContacts) {
    return reject(current, 403, `Too many contacts (at most ${policy.maxContacts})`);
  }
  next = next.sort((a, b) => b.q - a.q);
  return { bindings: next, result: { ok: true, bindings: next } };
}
