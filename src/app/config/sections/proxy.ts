/** `proxy`: the stateful proxy (RFC 3261 §16). */
import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { defineSection, positiveInt, section } from '../section.js';

/** Parses `10.0.0.0/8`, `192.0.2.7`, `2001:db8::/32`; undefined when invalid. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | undefined {
  const [address, bits] = text.split('/');
  const v = isIP(address ?? '');
  if (v === 0) return undefined;
  const max = v === 4 ? 32 : 128;
  const prefix = bits === undefined ? max : Number(bits);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > max || (bits !== undefined && !/^\d+$/.test(bits))) return undefined;
  return { address, prefix, family: v === 4 ? 'ipv4' : 'ipv6' };
}

/** A matcher for a list of CIDRs (node:net BlockList). */
export function cidrMatcher(list: readonly string[]): (ip: string) => boolean {
  const block = new BlockList();
  for (const c of list) {
    const p = parseCidr(c);
    if (p !== undefined) block.addSubnet(p.address, p.prefix, p.family);
  }
  return (ip) => {
    const v = isIP(ip);
    return v !== 0 && block.check(ip, v === 4 ? 'ipv4' : 'ipv6');
  };
}

const cidr = z.string().refine((s) => parseCidr(s) !== undefined, (s) => ({ message: `"${s}" is not an address or CIDR (e.g. 192.0.2.0/24)` }));

const proxySchema = section({
  trusted: z.array(cidr).default([]),
  timer_c: positiveInt('timer_c').min(181, 'timer_c must be greater than 180 seconds (RFC 3261 §16.6)').default(181),
  record_route: z.boolean().default(true),
  guest_calls: z.boolean().default(false),
}).default({});

export const proxySection = defineSection(
  'proxy',
  proxySchema,
  `# The stateful proxy (RFC 3261 §16): calls between registered users.
proxy:
  trusted: [] # networks whose requests need no authentication (e.g. [192.0.2.0/24]); nothing by default
  timer_c: 181 # seconds an INVITE branch may ring before it is cancelled (> 180, RFC 3261 §16.6)
  record_route: true # keep the proxy in the path of dialogs (ACK, BYE, re-INVITE)
  guest_calls: false # unauthenticated calls from foreign domains and untrusted networks are refused (403)
`,
);
