/** `tls`: certificate and key for the tls and wss listeners (RFC 3261 §26.3.1). */
import { z } from 'zod';
import { defineSection, section } from '../section.js';

const tlsSchema = section({
  cert: z.string().min(1, 'cert must be a file path'),
  key: z.string().min(1, 'key must be a file path'),
}).optional();

export const tlsSection = defineSection(
  'tls',
  tlsSchema,
  `# Certificate chain and private key (PEM files) for tls and wss listeners. When left out,
# a self-signed certificate is generated into the data directory.
# tls:
#   cert: /etc/switchboard/cert.pem # PEM certificate chain
#   key: /etc/switchboard/key.pem # PEM private key
`,
);
