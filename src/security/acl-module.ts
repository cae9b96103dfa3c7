/**
 * Per-user source ACLs: a user with allowed networks may register and call only from them,
 * even with the right password.
 *
 * Enumeration: the ACL is checked after authentication, never before it. A request from
 * outside a user's networks without credentials, or with wrong ones, meets the registrar's
 * 401 / the proxy's 407 exactly as a claim of an unknown user does (and a wrong password
 * counts toward a ban as usual); only credentials that verify are refused with 403, by
 * aclAuthorizer, the registrar's and proxy's authorize hook. The endpoint module checks only
 * the sources that need no credentials (the proxy's trusted networks), whose claims nothing
 * verifies: the users a request claims are then the digest usernames of its Authorization /
 * Proxy-Authorization and the From user.
 */
import { parseAuthHeader } from '../auth/index.js';
import type { EndpointModule, IncomingRequest } from '../sip/endpoint/index.js';
import { type SipRequest, unescape } from '../sip/message/index.js';
import { CidrSet } from './cidr.js';

export interface AclEntry {
  /** `name` (any domain) or `name@domain`. */
  readonly user: string;
  readonly allow: readonly string[];
}

/** The ACLs by user; `name@domain` entries win over `name` ones. */
export class AclTable {
  private readonly byUser = new Map<string, CidrSet>();

  constructor(entries: readonly AclEntry[]) {
    for (const e of entries) this.byUser.set(key(e.user), new CidrSet(e.allow));
  }

  get size(): number {
    return this.byUser.size;
  }

  /** The networks `user` may use, or undefined when the user has no ACL. */
  networksFor(user: string, domain: string | undefined): CidrSet | undefined {
    if (this.byUser.size === 0) return undefined;
    return (domain === undefined ? undefined : this.byUser.get(key(`${user}@${domain}`))) ?? this.byUser.get(key(user));
  }
}

function key(user: string): string {
  const at = user.lastIndexOf('@');
  return at < 0 ? user : `${user.slice(0, at)}@${user.slice(at + 1).toLowerCase()}`;
}

export interface AclModuleOptions {
  readonly table: AclTable;
  /** Sources whose requests need no authentication (the proxy's trusted networks). */
  readonly isTrusted?: (ip: string) => boolean;
  /** A claim of `user` from `source` was refused. */
  readonly onDenied: (source: string, user: string, reason: string) => void;
}

/** An authenticated request (structurally the registrar's AuthenticatedRequest). */
export interface AclRequest {
  readonly user: string;
  readonly realm: string;
  readonly method: string;
  readonly source: { readonly host: string };
}

export type AclVerdict = { readonly ok: true } | { readonly ok: false; readonly status: number; readonly reason: string };

const ALLOWED: AclVerdict = { ok: true };
const REFUSED: AclVerdict = { ok: false, status: 403, reason: 'Forbidden' };

/**
 * The authorize hook of the registrar and the proxy: the authenticated user's ACL against
 * the source. Credentials that verify from outside the user's networks are refused with 403
 * (RFC 3261 §21.4.4: "The server understood the request, but is refusing to fulfill it.
 * Authorization will not help") and reported.
 */
export function aclAuthorizer(o: Pick<AclModuleOptions, 'table' | 'onDenied'>): (r: AclRequest) => AclVerdict {
  return (r) => {
    const nets = o.table.networksFor(r.user, r.realm);
    if (nets === undefined || nets.has(r.source.host)) return ALLOWED;
    o.onDenied(r.source.host, `${r.user}@${r.realm}`, `${r.method} with valid credentials from a network outside the user's ACL`);
    return REFUSED;
  };
}

interface Claim {
  readonly user: string;
  readonly domain: string | undefined;
}

/** The users a request claims to be (see the file comment), unverified. */
export function claimedUsers(r: SipRequest): { claims: Claim[]; credentials: boolean } {
  const claims: Claim[] = [];
  let credentials = false;
  for (const name of ['authorization', 'proxy-authorization']) {
    for (const f of r.fields(name)) {
      credentials = true;
      const parsed = parseAuthHeader(f.value);
      if (!parsed.ok) continue;
      const username = parsed.value.params.get('username');
      if (username !== undefined) claims.push({ user: username, domain: parsed.value.params.get('realm') });
    }
  }
  const party = r.method === 'REGISTER' ? r.to.uri : r.from.uri;
  if (party.kind === 'sip' && party.user !== undefined) claims.push({ user: unescape(party.user), domain: party.hostname });
  return { claims, credentials };
}

/**
 * The ACL for sources that need no credentials (proxy.trusted): their claims are checked
 * before the proxy, which will not authenticate them. Every other request is left to the
 * registrar and the proxy, which challenge it like any other and ask aclAuthorizer once its
 * credentials verified. REGISTER is always authenticated, so it is always left to them.
 */
export function createAclModule(o: AclModuleOptions): EndpointModule {
  return {
    name: 'security-acl',
    priority: 'security',
    onRequest(req: IncomingRequest): boolean {
      if (o.table.size === 0) return false;
      const r = req.request;
      if (r.method === 'ACK' || r.method === 'CANCEL' || r.method === 'REGISTER') return false;
      const source = req.rx.source.host;
      if (o.isTrusted?.(source) !== true) return false;
      const { claims } = claimedUsers(r);
      for (const c of claims) {
        const nets = o.table.networksFor(c.user, c.domain);
        if (nets === undefined || nets.has(source)) continue;
        o.onDenied(source, c.domain === undefined ? c.user : `${c.user}@${c.domain}`, `${r.method} from a network outside the user's ACL`);
        req.respond(403);
        return true;
      }
      return false;
    },
  };
}
