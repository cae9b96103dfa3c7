/** `proxy`: the stateful proxy (RFC 3261 §16). */
import { z } from 'zod';
import { CidrSet, parseCidr } from '../../../security/index.js';
import { cidrString as cidr, defineSection, positiveInt, section } from '../section.js';

/**
 * A matcher for a list of CIDRs (validated by the schema first). The security layer's
 * CidrSet: IPv4-mapped IPv6 sources (`::ffff:192.0.2.7`) match the IPv4 networks they carry,
 * and answers are remembered per address.
 */
export function cidrMatcher(list: readonly string[]): (ip: string) => boolean {
  const set = new CidrSet(list.filter((c) => parseCidr(c) !== undefined));
  return (ip) => set.has(ip);
}

const proxySchema = section({
  trusted: z.array(cidr).default([]),
  timer_c: positiveInt('timer_c').min(181, 'timer_c must be greater than 180 seconds (RFC 3261 §16.6)').default(181),
  record_route: z.boolean().default(true),
  guest_calls: z.boolean().default(false),
  dns_cache_ttl: positiveInt('dns_cache_ttl').default(60),
  // RFC 2308 §7.1: a server failure "MUST NOT [be cached] for longer than five (5) minutes".
  dns_failure_ttl: positiveInt('dns_failure_ttl').max(300, 'dns_failure_ttl must be at most 300 seconds (RFC 2308 §7.1)').default(30),
  dns_cache_size: positiveInt('dns_cache_size').default(1024),
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
  dns_cache_ttl: 60 # seconds a DNS answer (NAPTR, SRV, A/AAAA) toward a next hop is kept (RFC 3263)
  dns_failure_ttl: 30 # seconds a failed DNS query is kept before it is asked again (at most 300, RFC 2308)
  dns_cache_size: 1024 # most DNS answers kept, least recently used dropped first
`,
);
