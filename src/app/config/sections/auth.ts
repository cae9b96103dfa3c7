/** `auth`: digest authentication (RFC 3261 §22, RFC 7616, RFC 8760). */
import { z } from 'zod';
import { defineSection, positiveInt, section } from '../section.js';

export const AUTH_ALGORITHMS = ['sha-256', 'md5'] as const;

const algorithms = z
  .array(z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(AUTH_ALGORITHMS)))
  .min(1, 'list at least one algorithm')
  .superRefine((list, ctx) => {
    list.forEach((a, i) => {
      if (list.indexOf(a) !== i) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i], message: `duplicate algorithm "${a}"` });
    });
  })
  .default([...AUTH_ALGORITHMS]);

export const authSection = defineSection(
  'auth',
  section({
    nonce_ttl: positiveInt('nonce_ttl').default(300),
    algorithms,
    secret_file: z.string().min(1, 'secret_file must be a file path').optional(),
  }).default({}),
  `# Digest authentication of REGISTER and other requests.
auth:
  nonce_ttl: 300 # seconds a challenge nonce is accepted; after that the phone is re-challenged (stale=true)
  algorithms: [sha-256, md5] # digest algorithms offered: sha-256 | md5 (SHA-256 is always offered first)
  # Key of the nonce MAC: 32 random bytes, created with mode 0600 on the first start. Servers
  # sharing this file accept each other's nonces. Default: <data_dir>/auth.secret
  # secret_file: /var/lib/switchboard/auth.secret # path (relative to the working directory)
`,
);
