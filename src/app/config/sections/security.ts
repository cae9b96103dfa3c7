/**
 * `security`: bans (fail2ban's rule), the per-source flood limit (Kamailio's pike), the
 * allow-list, scanner blocking, per-user ACLs, the overload guard and toll-fraud limits.
 * Nothing is trusted by default, loopback included.
 */
import { z } from 'zod';
import { cidrString as cidr, defineSection, positiveInt, section } from '../section.js';

const nonNegativeInt = (what: string) => z.number().int(`${what} must be an integer`).min(0, `${what} must be 0 or more`);
const prefix = z.string().min(1, 'a prefix must not be empty').regex(/^\+?[0-9*#]*$/, 'a prefix is digits, optionally after +');

const bansSchema = section({
  max_tries: positiveInt('max_tries').default(5),
  find_time: positiveInt('find_time').default(600),
  ban_time: positiveInt('ban_time').default(3600),
  sync_interval: positiveInt('sync_interval').max(3600, 'sync_interval must be at most 3600').default(1),
}).default({});

const floodSchema = section({
  enabled: z.boolean().default(true),
  rate: positiveInt('rate').default(200),
  burst: positiveInt('burst').default(400),
  ban_after: nonNegativeInt('ban_after').default(5),
}).default({});

export const DEFAULT_BLOCKED_USER_AGENTS = ['friendly-scanner', 'sipvicious', 'sipcli', 'sip-scan', 'sundayddr', 'iwar', 'sipsak-scan', 'vaxsipuseragent', 'pplsip', 'voipsec'];

const scannersSchema = section({
  user_agents: z.array(z.string().min(1, 'an entry must not be empty')).default(DEFAULT_BLOCKED_USER_AGENTS),
  ban: z.boolean().default(true),
}).default({});

const overloadSchema = section({
  max_event_loop_delay: nonNegativeInt('max_event_loop_delay').default(250),
  max_in_flight: nonNegativeInt('max_in_flight').default(10000),
  retry_after: positiveInt('retry_after').default(5),
}).default({});

const aclEntry = section({
  user: z.string().min(1, 'user must not be empty'),
  allow: z.array(cidr).min(1, 'allow must list at least one network'),
});

const restricted = section({ prefix, permission: z.string().min(1) });

const fraudSchema = section({
  max_concurrent_calls: nonNegativeInt('max_concurrent_calls').default(10),
  max_calls_per_minute: nonNegativeInt('max_calls_per_minute').default(30),
  blocked_prefixes: z.array(prefix).default([]),
  restricted_prefixes: z.array(restricted).default([
    { prefix: '00', permission: 'international' },
    { prefix: '+', permission: 'international' },
    { prefix: '0900', permission: 'premium' },
  ]),
  permissions: z.record(z.array(z.string())).default({}),
}).default({});

const securitySchema = section({
  allow: z.array(cidr).default([]),
  bans: bansSchema,
  flood: floodSchema,
  scanners: scannersSchema,
  overload: overloadSchema,
  acl: z.array(aclEntry).default([]),
  fraud: fraudSchema,
}).default({});

export const securitySection = defineSection(
  'security',
  securitySchema,
  `# Security: bans, flood limits, scanners, ACLs, toll fraud. Nothing is trusted by default,
# loopback included; events are logged as "securityEvent" lines (feed them to a SIEM).
security:
  allow: [] # networks never banned nor flood-limited (still authenticated), e.g. [192.0.2.0/24]; also --allow on start
  bans: # fail2ban's rule: max_tries failures from one address within find_time → banned for ban_time
    max_tries: 5 # failed authentications (or ACL breaches) before a ban
    find_time: 600 # seconds the failures are counted over
    ban_time: 3600 # seconds a ban lasts (also for flood and scanner bans)
    sync_interval: 1 # seconds between checks for bans added by "switchboard ban" or another node
  flood: # per-source request rate (Kamailio pike), before parsing
    enabled: true # false turns the per-source limit off
    rate: 200 # packets per second allowed on average from one address (responses count too)
    burst: 400 # packets allowed at once above the average
    ban_after: 5 # seconds of sustained excess before the address is banned (0: at once)
  scanners: # scanner hygiene: attack tools known by their User-Agent
    user_agents: [${DEFAULT_BLOCKED_USER_AGENTS.join(', ')}] # User-Agent substrings refused with 403 (case-insensitive)
    ban: true # also ban the address at once
  overload: # new requests get 503 + Retry-After while the server is saturated; calls in progress continue
    max_event_loop_delay: 250 # ms of event-loop lag (90th percentile over a second); 0: off
    max_in_flight: 10000 # requests still being processed here (not those ringing downstream); 0: off
    retry_after: 5 # seconds, in the 503's Retry-After
  acl: [] # per-user source networks; a user listed here registers and calls only from them
  #  - user: alice # name (any domain) or name@domain
  #    allow: [192.0.2.0/24]
  fraud: # toll-fraud limits on calls through the proxy (refused with 403)
    max_concurrent_calls: 10 # per user; 0: no limit
    max_calls_per_minute: 30 # per user; 0: no limit
    blocked_prefixes: [] # dialled prefixes nobody may call, e.g. ['0900']
    restricted_prefixes: # dialled prefixes that need a permission
      - prefix: '00' # digits, optionally after +
        permission: international # what a user needs in permissions to dial it
      - prefix: '+'
        permission: international
      - prefix: '0900'
        permission: premium
    permissions: {} # user → permissions, e.g. { alice: [international] }
`,
);
