/**
 * `listen`: the sockets to receive SIP on (RFC 3261 §18.2.1: "servers SHOULD be prepared to
 * receive requests on any IP address, port and transport combination that can be the result
 * of a DNS lookup on a SIP or SIPS URI").
 */
import { z } from 'zod';
import { defineSection } from '../section.js';
import { TRANSPORT_KINDS, checkAddress, formatListener, listenerConflict, parseListenSpec, unbracket } from '../listen-spec.js';

const listenerObject = z
  .object({
    transport: z.enum(TRANSPORT_KINDS),
    address: z
      .string()
      .superRefine((a, ctx) => {
        const problem = checkAddress(a);
        if (problem !== undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, message: problem });
      })
      .transform(unbracket),
    port: z.number().int('port must be an integer').min(0, 'port must be 0..65535').max(65535, 'port must be 0..65535'),
  })
  .strict();

/** A listener: the `udp:127.0.0.1:5060` shorthand or `{ transport, address, port }`. */
const listenerEntry = z.preprocess((value, ctx) => {
  if (typeof value !== 'string') return value;
  const parsed = parseListenSpec(value);
  if (parsed.ok) return parsed.value;
  ctx.addIssue({ code: z.ZodIssueCode.custom, message: parsed.error, fatal: true });
  return z.NEVER;
}, listenerObject);

export const DEFAULT_LISTEN = ['udp:127.0.0.1:5060', 'tcp:127.0.0.1:5060'] as const;

const listenSchema = z
  .array(listenerEntry)
  .min(1, 'at least one listener is required')
  .superRefine((list, ctx) => {
    for (let i = 1; i < list.length; i++) {
      for (let j = 0; j < i; j++) {
        const why = listenerConflict(list[j], list[i]);
        if (why === undefined) continue;
        ctx.addIssue({
          code: z.ZodIssueCode.custom,
          path: [i],
          message: `${formatListener(list[i])}: ${why} (listen[${j}] is ${formatListener(list[j])})`,
        });
        break;
      }
    }
  })
  .default([...DEFAULT_LISTEN]);

export const listenSection = defineSection(
  'listen',
  listenSchema,
  `# Sockets to receive SIP on. Each entry is TRANSPORT:ADDRESS:PORT (IPv6 in brackets,
# e.g. udp:[::1]:5060) or a map { transport, address, port }. Transports: udp, tcp,
# tls, ws, wss. Address 0.0.0.0 or :: listens on every interface; port 0 picks a free port.
listen:
  - udp:127.0.0.1:5060
  # The same as "tcp:127.0.0.1:5060", in the long form:
  - transport: tcp # udp | tcp | tls | ws | wss
    address: 127.0.0.1 # IP address to bind
    port: 5060 # 0..65535
`,
);
