/**
 * `users`: accounts defined in the config file, besides those in the database
 * (`switchboard user add`). A password here is hashed to HA1 values when the server loads
 * the file; ha1_md5 / ha1_sha256 give the hashes directly and keep the password out of it.
 */
import { z } from 'zod';
import { checkUsername, normalizeDomain, normalizeHa1 } from '../../../auth/index.js';
import { defineSection, section } from '../section.js';

const ha1 = (algorithm: 'MD5' | 'SHA-256', digits: number) =>
  z.string({ invalid_type_error: `must be a string of ${digits} hex digits (quote it: a value of digits only reads as a number)` }).transform((raw, ctx) => {
    const v = normalizeHa1(algorithm, raw.trim());
    if (v === undefined) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: `must be ${digits} hex digits (${algorithm} of name:domain:password)` });
      return z.NEVER;
    }
    return v;
  });

const domain = z.string().transform((raw, ctx) => {
  const d = normalizeDomain(raw);
  if (d === undefined) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${raw}" is not a valid domain name or IP address` });
    return z.NEVER;
  }
  return d;
});

const userEntry = section({
  name: z.string(),
  domain: domain.optional(),
  password: z.string({ invalid_type_error: 'password must be a string (quote it)' }).min(1, 'password must not be empty').optional(),
  ha1_md5: ha1('MD5', 32).optional(),
  ha1_sha256: ha1('SHA-256', 64).optional(),
}).superRefine((u, ctx) => {
  const at = u.name.lastIndexOf('@');
  const problem = checkUsername(at >= 0 ? u.name.slice(0, at) : u.name);
  if (problem !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['name'], message: problem });
  if (at >= 0) {
    const inName = normalizeDomain(u.name.slice(at + 1));
    if (inName === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['name'], message: `"${u.name}" has an invalid domain` });
    else if (u.domain !== undefined && u.domain !== inName) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['domain'], message: `the name says domain ${inName} but domain is ${u.domain}` });
    }
  }
  const hashes = u.ha1Md5 !== undefined || u.ha1Sha256 !== undefined;
  if (u.password !== undefined && hashes) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['password'], message: 'give either password or ha1_md5 / ha1_sha256, not both' });
  }
  if (u.password === undefined && !hashes) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['name'], message: `user "${u.name}" needs a password, ha1_md5 or ha1_sha256` });
  }
});

const usersSchema = z
  .array(userEntry)
  .superRefine((list, ctx) => {
    // Entries that name the same user with the same explicit domain (those relying on the
    // default domain are compared among themselves).
    const seen = new Map<string, number>();
    list.forEach((u, i) => {
      const at = u.name.lastIndexOf('@');
      const key = at >= 0 ? `${u.name.slice(0, at)}@${normalizeDomain(u.name.slice(at + 1))}` : `${u.name}@${u.domain ?? ''}`;
      const first = seen.get(key);
      if (first !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i, 'name'], message: `duplicate user (also users[${first}])` });
      else seen.set(key, i);
    });
  })
  .default([]);

export const usersSection = defineSection(
  'users',
  usersSchema,
  `# Users who may register, besides those added with "switchboard user add" (database).
# Passwords are hashed when the file is loaded; prefer giving the HA1 hashes instead.
# users:
#   - name: alice # user name, or name@domain
#     domain: example.com # realm of the user; default: the first of domains
#     password: secret # plain password (or ha1_md5 / ha1_sha256 instead)
#   - name: bob@example.com
#     ha1_md5: 2664cba6663a734ef3a6fefc0c0d0821 # hex MD5(name:domain:password), here of "secret"
#     ha1_sha256: baf9ceb3dcf070665c835868f20bd230ca09393a0c44efca3690ee35eaebee0b # hex SHA-256(name:domain:password)
`,
);
