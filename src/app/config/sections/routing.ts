/**
 * `routing`: the declarative route list, the trunks and the hook file (Kamailio's route /
 * branch_route / onreply_route / failure_route, as data plus typed TypeScript hooks).
 * Reloaded on SIGHUP and `switchboard reload` without touching registrations or calls.
 */
import { z } from 'zod';
import { parseUri } from '../../../sip/message/index.js';
import { cidrString as cidr, defineSection, section } from '../section.js';

const regex = z.string().refine(
  (s) => {
    try {
      new RegExp(s);
      return true;
    } catch {
      return false;
    }
  },
  (s) => ({ message: `"${s}" is not a valid regular expression` }),
);
const sipUri = z.string().refine((s) => parseUri(s)?.kind === 'sip', (s) => ({ message: `"${s}" is not a sip: or sips: URI` }));
const status = z.number().int('status must be an integer').min(300, 'status must be 300-699').max(699, 'status must be 300-699');

/** One action: exactly one of location / forward / trunk / redirect / reject. */
const action = z
  .object({
    location: z.union([z.literal(true), sipUri]).optional(),
    forward: sipUri.optional(),
    trunk: z.string().min(1).optional(),
    redirect: z.union([z.literal(true), z.array(sipUri).min(1)]).optional(),
    reject: status.optional(),
    reason: z.string().max(100).optional(),
  })
  .strict()
  .superRefine((a, ctx) => {
    const kinds = (['location', 'forward', 'trunk', 'redirect', 'reject'] as const).filter((k) => a[k] !== undefined);
    if (kinds.length !== 1) ctx.addIssue({ code: z.ZodIssueCode.custom, message: 'an action needs exactly one of location, forward, trunk, redirect, reject' });
    if (a.reason !== undefined && a.reject === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['reason'], message: 'reason goes with reject' });
  });

const route = z
  .object({
    name: z.string().min(1),
    match: z
      .object({
        methods: z.array(z.string().regex(/^[A-Z]+$/, 'methods are upper-case SIP methods')).optional(),
        ruri_user: regex.optional(),
        ruri_host: regex.optional(),
        from: regex.optional(),
        source: z.array(cidr).optional(),
      })
      .strict()
      .default({}),
    action,
    on_failure: z.object({ codes: z.array(status).min(1), action }).strict().optional(),
    media: z.enum(['always', 'nat', 'never']).optional(),
  })
  .strict();

const trunk = z
  .object({
    name: z.string().min(1),
    uri: sipUri.refine((s) => parseUri(s)?.kind === 'sip' && (parseUri(s) as { user?: string }).user === undefined, 'a trunk uri names the host only (no user part)'),
    strip: z.number().int().min(0).max(32).default(0),
    prefix: z.string().regex(/^[0-9+*#]*$/, 'prefix may contain digits, +, * and # only').default(''),
    sources: z.array(cidr).default([]),
  })
  .strict();

const routingSchema = section({
  hooks: z.string().min(1).optional(),
  routes: z.array(route).default([]),
  trunks: z.array(trunk).default([]),
})
  .superRefine((r, ctx) => {
    const names = new Set(r.trunks.map((t) => t.name));
    if (names.size !== r.trunks.length) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['trunks'], message: 'trunk names must be unique' });
    r.routes.forEach((rt, i) => {
      for (const a of [rt.action, rt.on_failure?.action]) {
        if (a?.trunk !== undefined && !names.has(a.trunk)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['routes', i, 'action', 'trunk'], message: `no trunk named "${a.trunk}"` });
      }
    });
  })
  .default({});

export const routingSection = defineSection(
  'routing',
  routingSchema,
  `# Routing policy: the first matching route decides; requests no route matches go to the
# registered users of our domains, anything else is refused (never an open relay).
routing:
  # hooks: ./hooks.mjs # JavaScript module (compile TypeScript hooks first) exporting onRequest/onBranch/onReply/onFailure
  routes: [] # first match wins, e.g.:
  # - name: pstn # a name for logs
  #   match: # all given conditions must hold
  #     methods: [INVITE] # SIP methods
  #     ruri_user: '^\\+?[0-9]{6,}$' # regular expression on the Request-URI user
  #     ruri_host: '^example\\.com$' # regular expression on the Request-URI host
  #     from: '@example\\.com' # regular expression on the From URI
  #     source: [192.0.2.0/24] # source networks
  #   action: # exactly one of:
  #     trunk: carrier # to a trunk by name
  #     # location: true # to the registered user (or location: 'sip:user@domain')
  #     # forward: 'sip:ivr@127.0.0.1:5080' # to a fixed URI
  #     # redirect: true # 302 with the user's contacts (or a list of URIs)
  #     # reject: 403 # a final response …
  #     # reason: Forbidden # … with this reason phrase
  #   media: nat # relay media for these calls: always, nat (only when a party is behind NAT), never; default media.mode
  #   on_failure: # failure route
  #     codes: [486, 408, 480] # final statuses that trigger it
  #     action: { forward: 'sip:voicemail@127.0.0.1:5080' } # what to do then
  trunks: [] # e.g.:
  # - name: carrier # referenced by routes
  #   uri: 'sip:gw.carrier.example:5060' # where its calls go (host only)
  #   strip: 0 # digits removed from the dialled number
  #   prefix: '' # then added in front
  #   sources: [192.0.2.0/24] # calls from here come from the carrier (no authentication)
`,
);
