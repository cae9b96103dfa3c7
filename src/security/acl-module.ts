/**
 * Per-user source ACLs: a user with allowed networks may register and call only from them,
 * even with the right password. The users a request claims are the digest usernames of its
 * Authorization / Proxy-Authorization, the To user of a REGISTER (the AOR it binds) and the
 * From user of other requests. A claim of an ACL user from elsewhere is refused with 403.
 *
 * Enumeration: a request without credentials is left to the registrar / proxy, which challenge
 * it exactly as they challenge a claim of an unknown user; the 403 comes only once credentials
 * are presented (or from a source that needs none: the proxy's trusted networks).
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

interface Claim {
  readonly user: string;
  readonly domain: string | undefined;
}

/** The users a request claims to be (see the file comment), with credentials or not. */
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

export function createAclModule(o: AclModuleOptions): EndpointModule {
  return {
    name: 'security-acl',
    priority: 'security',
    onRequest(req: IncomingRequest): boolean {
      if (o.table.size === 0) return false;
      const r = req.request;
      if (r.method === 'ACK' || r.method === 'CANCEL') return false;
      const source = req.rx.source.host;
      const { claims, credentials } = claimedUsers(r);
      if (!credentials && o.isTrusted?.(source) !== true) return false;
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
