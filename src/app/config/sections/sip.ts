/** `sip`: protocol limits and timers (RFC 3261 §17.1.1.1, §18). */
import { z } from 'zod';
import { defineSection, positiveInt, section } from '../section.js';

const timers = section({
  // RFC 3261 §17.1.1.1: "The default value for T1 is 500 ms." "Elements MAY (though it is
  // NOT RECOMMENDED) use smaller values of T1 within closed, private networks that do not
  // permit general Internet connection. T1 MAY be chosen larger, and this is RECOMMENDED if
  // it is known in advance (such as on high latency access links) that the RTT is larger."
  t1: positiveInt('t1').default(500),
  // Table 4: T2 = 4 s, the maximum retransmit interval for non-INVITE requests and INVITE responses.
  t2: positiveInt('t2').default(4000),
  // Table 4: T4 = 5 s, the maximum duration a message will remain in the network.
  t4: positiveInt('t4').default(5000),
  // How long a finished transaction stays to absorb retransmissions (Timers J, L, M; D when
  // unset): 64·T1 by default, as RFC 3261 / RFC 6026 say. Kamailio's tm keeps them 5 s.
  wait: positiveInt('wait').optional(),
})
  .superRefine((t, ctx) => {
    if (t.t2 < t.t1) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['t2'], message: `t2 (${t.t2}) must not be smaller than t1 (${t.t1})` });
  })
  .default({});

const sipSchema = section({
  max_message_size: positiveInt('max_message_size').min(1024, 'max_message_size must be at least 1024').max(16 * 1024 * 1024, 'max_message_size must be at most 16777216').default(65536),
  max_headers: positiveInt('max_headers').max(10000, 'max_headers must be at most 10000').default(256),
  timers,
  max_transactions: positiveInt('max_transactions').default(200000),
  // The value of Server / User-Agent headers (RFC 3261 §20.35, §20.41): one line of text.
  user_agent: z
    .string()
    .min(1, 'user_agent must not be empty')
    .max(200, 'user_agent must be at most 200 characters')
    .regex(/^[^\x00-\x1f\x7f]*$/, 'user_agent must not contain control characters')
    .default('Switchboard'),
}).default({});

export const sipSection = defineSection(
  'sip',
  sipSchema,
  `# SIP protocol limits and timers.
sip:
  max_message_size: 65536 # bytes; larger messages are rejected (413 or dropped)
  max_headers: 256 # header fields per message; more are rejected
  timers: # RFC 3261 §17 timer base values, in milliseconds
    t1: 500 # RTT estimate; retransmission intervals start here
    t2: 4000 # maximum retransmission interval (>= t1)
    t4: 5000 # maximum time a message stays in the network
    # wait: 5000 # how long finished transactions absorb retransmissions; default 64 × t1 (Kamailio's wt_timer: 5 s)
  max_transactions: 200000 # concurrent transactions; new requests beyond get 503
  user_agent: Switchboard # value of the Server and User-Agent headers
`,
);
