/**
 * RFC 3261 §16.6 step 8 and §16.3 step 4: branch values that let a proxy tell a loop from a
 * spiral. The branch this proxy puts in its Via is `z9hG4bK` + a hash of what identifies the
 * request as received + a per-branch suffix. A request that comes back with one of our Vias
 * whose hash part equals the hash of the request as it is now has not changed since it left:
 * a loop (482). A different hash is a spiral (the request was retargeted) and is fine.
 */
import { hash } from 'node:crypto';
import { BRANCH_MAGIC_COOKIE } from '../lib/index.js';
import type { SipRequest, Via } from '../sip/message/index.js';

/** Separator between the loop-detection hash and the branch suffix in our Via branches. */
const SEP = '.';

/**
 * §16.6 step 8: the hash reflects the To tag, From tag, Call-ID, the Request-URI as
 * received, the topmost Via as received, the CSeq number, and Proxy-Require and
 * Proxy-Authorization. (Route is left out: this proxy removes its own Route entry before
 * forwarding, so the set differs between the two points where the hash is computed.)
 * `receivedTopVia` is the Via that was topmost when this proxy received the request: when a
 * looped request comes back, that is the Via just below ours, not the new topmost one.
 */
export function loopHash(req: SipRequest, receivedUri: string, receivedTopVia: Via): string {
  let data = `${req.to.tag ?? ''}\u0000${req.from.tag ?? ''}\u0000${req.callId}\u0000${receivedUri}\u0000${receivedTopVia.toString()}\u0000${req.cseq.seq}`;
  for (const name of ['proxy-require', 'proxy-authorization']) {
    for (const f of req.fields(name)) data += `\u0000${f.value}`;
  }
  // One-shot crypto.hash over the UTF-8 of the joined fields: the same digest as feeding them
  // to createHash() one by one, without a Hash object and a native call per field.
  return hash('sha1', data, 'base64url').slice(0, 16);
}

/** The branch for one forwarded copy (§16.6 step 8): cookie + loop hash + branch suffix. */
export function proxyBranch(hash: string, suffix: string): string {
  return `${BRANCH_MAGIC_COOKIE}${hash}${SEP}${suffix}`;
}

/** The loop-hash part of a branch this proxy wrote, or undefined for anyone else's. */
export function hashOfBranch(branch: string | undefined): string | undefined {
  if (branch === undefined || !branch.startsWith(BRANCH_MAGIC_COOKIE)) return undefined;
  const rest = branch.slice(BRANCH_MAGIC_COOKIE.length);
  const at = rest.indexOf(SEP);
  return at === 16 ? rest.slice(0, at) : undefined;
}

/**
 * §16.3 step 4: a loop is a request carrying one of our own Vias whose branch hash equals the
 * hash of the request as it now arrives. `isOurs` says whether a Via's sent-by is this proxy.
 */
export function isLoop(req: SipRequest, receivedUri: string, isOurs: (via: Via) => boolean): boolean {
  const vias = req.vias;
  for (let i = 0; i < vias.length - 1; i++) {
    if (!isOurs(vias[i])) continue;
    const h = hashOfBranch(vias[i].branch);
    if (h !== undefined && h === loopHash(req, receivedUri, vias[i + 1])) return true;
  }
  return false;
}
