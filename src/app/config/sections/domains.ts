/** `domains`: the SIP domains this server is responsible for (RFC 3261 §16.4, §10.3 step 1). */
import { z } from 'zod';
import { isIP } from 'node:net';
import { isValidHost } from '../../../sip/message/index.js';
import { defineSection } from '../section.js';
import { unbracket } from '../listen-spec.js';

/** A domain is stored lower-cased; an IPv6 literal without brackets (like `SipUri.hostname`). */
const domainName = z.string().transform((raw, ctx) => {
  const name = unbracket(raw.trim()).toLowerCase();
  const valid = isIP(name) !== 0 || (name.length > 0 && isValidHost(name));
  if (!valid) {
    ctx.addIssue({ code: z.ZodIssueCode.custom, message: `"${raw}" is not a valid domain name or IP address` });
    return z.NEVER;
  }
  return name;
});

const domainsSchema = z
  .array(domainName)
  .min(1, 'list at least one domain, or leave domains out to use the listen addresses')
  .superRefine((list, ctx) => {
    list.forEach((d, i) => {
      const first = list.indexOf(d);
      if (first !== i) ctx.addIssue({ code: z.ZodIssueCode.custom, path: [i], message: `duplicate domain "${d}" (also domains[${first}])` });
    });
  })
  .optional();

export const domainsSection = defineSection(
  'domains',
  domainsSchema,
  `# SIP domains served here (host names or IP addresses): requests for them are handled
# locally. Default: the listen addresses (0.0.0.0 / :: stand for every interface address).
# domains:
#   - example.com
#   - 192.0.2.10
`,
);
