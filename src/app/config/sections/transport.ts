/** `transport`: connection and socket limits for the listeners. */
import { z } from 'zod';
import { defineSection, positiveInt, section } from '../section.js';

const transportSchema = section({
  max_connections_per_source: positiveInt('max_connections_per_source').default(32),
  max_connections: positiveInt('max_connections').default(10000),
  idle_timeout: positiveInt('idle_timeout').default(300),
  udp_recv_buffer: positiveInt('udp_recv_buffer').default(4194304),
  udp_engine: z.enum(['auto', 'native', 'dgram']).default('auto'),
}).default({});

export const transportSection = defineSection(
  'transport',
  transportSchema,
  `# Transport limits.
transport:
  max_connections_per_source: 32 # open TCP/TLS/WS connections allowed from one IP address
  max_connections: 10000 # open connections in total
  idle_timeout: 300 # seconds before an idle connection is closed
  udp_recv_buffer: 4194304 # UDP socket receive buffer, in bytes (SO_RCVBUF)
  udp_engine: auto # auto: the native socket (recvmmsg batches) when its addon is built, else node:dgram | native | dgram
`,
);
