/**
 * Address lists for the security layer: IPs and CIDRs (allow-lists, per-user ACLs). Matching
 * uses node:net's BlockList; an IPv4-mapped IPv6 source (`::ffff:192.0.2.7`, what a dual-stack
 * socket reports) is matched as the IPv4 address it carries.
 */
import { BlockList, isIP } from 'node:net';
import { canonicalHost } from '../sip/transport/index.js';

export interface Cidr {
  readonly address: string;
  readonly prefix: number;
  readonly family: 'ipv4' | 'ipv6';
}

/** Parses `10.0.0.0/8`, `192.0.2.7`, `2001:db8::/32`; undefined when invalid. */
export function parseCidr(text: string): Cidr | undefined {
  const slash = text.indexOf('/');
  const address = slash < 0 ? text : text.slice(0, slash);
  const bits = slash < 0 ? undefined : text.slice(slash + 1);
  const v = isIP(address);
  if (v === 0) return undefined;
  const max = v === 4 ? 32 : 128;
  if (bits !== undefined && !/^\d{1,3}$/.test(bits)) return undefined;
  const prefix = bits === undefined ? max : Number(bits);
  if (prefix > max) return undefined;
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/**
 * The canonical text of an address, the form the transports report a source in
 * (sip/transport's canonicalHost): IPv6 lower-case and compressed (RFC 5952 §4:
 * `2001:DB8:0:0::1` → `2001:db8::1`), IPv4-mapped IPv6 as the IPv4 address it carries. A ban
 * or a list written any other way would never match a source. Other text is returned as it
 * came (callers check isIpAddress first).
 */
export function normalizeIp(ip: string): string {
  return isIP(ip) === 6 ? canonicalHost(ip) : ip;
}

/** Whether `text` is a single IPv4 or IPv6 address (what a ban names). */
export function isIpAddress(text: string): boolean {
  return isIP(text) !== 0;
}

/** Distinct source addresses whose answer `has()` remembers before it starts over. */
const MEMO_LIMIT = 4096;

/**
 * A set of networks; `has(ip)` is O(prefix count) in BlockList, cheap for short lists. The set
 * never changes, so answers are remembered per address: BlockList.check builds a SocketAddress
 * on every call (about 1 % of a registration's CPU when it ran for every packet). The memo is
 * bounded: a scanner rotating through source addresses only makes it start over.
 */
export class CidrSet {
  private readonly block = new BlockList();
  private readonly memo = new Map<string, boolean>();
  readonly size: number;

  /** Throws for an invalid entry: lists are validated by the config schema first. */
  constructor(readonly entries: readonly string[]) {
    for (const text of entries) {
      const c = parseCidr(text);
      if (c === undefined) throw new Error(`invalid address or CIDR: ${text}`);
      this.block.addSubnet(c.address, c.prefix, c.family);
    }
    this.size = entries.length;
  }

  has(ip: string): boolean {
    if (this.size === 0) return false;
    const known = this.memo.get(ip);
    if (known !== undefined) return known;
    const addr = normalizeIp(ip);
    const v = isIP(addr);
    const answer = v !== 0 && this.block.check(addr, v === 4 ? 'ipv4' : 'ipv6');
    if (this.memo.size >= MEMO_LIMIT) this.memo.clear();
    this.memo.set(ip, answer);
    return answer;
  }
}
