/** `admin`: the operations API (CLI `show`/`trace`/`reload`, Prometheus `/metrics`) and HEP export. */
import { isIP } from 'node:net';
import { z } from 'zod';
import { defineSection, positiveInt, section } from '../section.js';

const ipAddress = (what: string) => z.string().refine((s) => isIP(s) !== 0, (s) => ({ message: `${what} "${s}" is not an IP address` }));
const port = (what: string) => z.number().int(`${what} must be an integer`).min(0, `${what} must be 0..65535`).max(65535, `${what} must be 0..65535`);

const hepSchema = section({
  address: ipAddress('admin.hep.address'),
  port: port('admin.hep.port').refine((p) => p > 0, 'admin.hep.port must be greater than 0'),
  id: z.number().int().min(0).max(0xffffffff, 'admin.hep.id must fit in 32 bits').default(2001),
});

const adminSchema = section({
  enabled: z.boolean().default(true),
  address: ipAddress('admin.address').default('127.0.0.1'),
  // Unset: 8088, or a free port when 8088 is taken (another server on this host). 0 always
  // picks a free port. The URL is written to <data_dir>/admin.json either way.
  port: port('admin.port').optional(),
  token: z.string().min(16, 'admin.token must be at least 16 characters').optional(),
  hep: hepSchema.optional(),
  trace_clients: positiveInt('admin.trace_clients').max(100).default(8),
}).default({});

export const adminSection = defineSection(
  'admin',
  adminSchema,
  `# The admin API used by \`switchboard show | trace | reload\` and by Prometheus (/metrics).
# The running server writes its URL to <data_dir>/admin.json, so the CLI needs only --data.
admin:
  enabled: true # false: no admin API, no metrics, no trace (the CLI show commands then fail)
  address: 127.0.0.1 # listen address; keep it on loopback (or a management network)
  # port: 8088 # TCP port; unset: 8088, or a free port if 8088 is taken; 0: always a free port
  # token: a-long-random-string # Bearer token; default: generated once into <data_dir>/admin.token (mode 0600)
  # hep: # optional HEPv3 copy of every SIP message to a Homer collector (UDP)
  #   address: 192.0.2.10
  #   port: 9060
  #   id: 2001 # capture agent id
  trace_clients: 8 # live trace streams served at once
`,
);
