/** `registrar`: REGISTER handling (RFC 3261 §10.3). */
import { z } from 'zod';
import { defineSection, positiveInt, section } from '../section.js';

const registrarSchema = section({
  min_expires: positiveInt('min_expires').default(60),
  max_expires: positiveInt('max_expires').default(3600),
  default_expires: positiveInt('default_expires').default(3600),
  max_contacts: positiveInt('max_contacts').max(1000, 'max_contacts must be at most 1000').default(10),
  keepalive_interval: z.number().int('keepalive_interval must be an integer').min(0, 'keepalive_interval must be 0 (off) or more').max(3600).default(30),
})
  .superRefine((r, ctx) => {
    if (r.maxExpires < r.minExpires) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['max_expires'], message: `max_expires (${r.maxExpires}) must not be smaller than min_expires (${r.minExpires})` });
    }
    if (r.defaultExpires < r.minExpires || r.defaultExpires > r.maxExpires) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['default_expires'], message: 'default_expires must lie between min_expires and max_expires' });
    }
  })
  .default({});

export const registrarSection = defineSection(
  'registrar',
  registrarSchema,
  `# The registrar (RFC 3261 §10.3). Every REGISTER is digest-authenticated.
registrar:
  min_expires: 60 # seconds; shorter registrations get 423 Interval Too Brief with Min-Expires
  max_expires: 3600 # seconds; longer requests are granted this much
  default_expires: 3600 # seconds, when the REGISTER gives no expiry
  max_contacts: 10 # contacts per address-of-record; more are refused with 403
  keepalive_interval: 30 # seconds between OPTIONS pings to contacts behind NAT or on a connection (0 = off); a contact that stops answering is removed
`,
);
