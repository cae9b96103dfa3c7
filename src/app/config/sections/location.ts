/** `location`: where registrations (RFC 3261 §10.3 bindings) are kept. */
import { z } from 'zod';
import { defineSection, positiveInt, section } from '../section.js';

export const LOCATION_BACKENDS = ['sqlite', 'redis', 'memory'] as const;

const redisUrl = z.string().superRefine((url, ctx) => {
  let protocol: string;
  try {
    protocol = new URL(url).protocol;
  } catch {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${url}" is not a URL (expected redis://host:port)` });
    return;
  }
  if (protocol !== 'redis:' && protocol !== 'rediss:') {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `url must start with redis:// or rediss://, not ${protocol}//` });
  }
});

const redisSchema = section({
  url: redisUrl.default('redis://127.0.0.1:6379'),
  key_prefix: z
    .string()
    .min(1, 'key_prefix must not be empty')
    .max(100, 'key_prefix must be at most 100 characters')
    .regex(/^[^\s\x00-\x1f\x7f]*$/, 'key_prefix must not contain spaces or control characters')
    .default('sb:'),
}).default({});

const locationSchema = section({
  backend: z.enum(LOCATION_BACKENDS).default('sqlite'),
  redis: redisSchema,
  purge_interval: positiveInt('purge_interval').max(86400, 'purge_interval must be at most 86400').default(10),
}).default({});

export const locationSection = defineSection(
  'location',
  locationSchema,
  `# Registrations (bindings of addresses-of-record to contacts).
location:
  backend: sqlite # sqlite (file switchboard.db in data_dir) | redis (shared by several nodes) | memory (lost at exit)
  redis: # used when backend is redis
    url: redis://127.0.0.1:6379 # redis:// or rediss:// URL; user:password@ and /DB number allowed
    key_prefix: 'sb:' # prepended to every key Switchboard writes
  purge_interval: 10 # seconds between sweeps deleting expired bindings
`,
);
