/** `workers`: how many processes share the SIP sockets (src/app/cluster). */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const workersSection = defineSection(
  'workers',
  z.number().int('workers must be an integer').min(1, 'workers must be 1..64').max(64, 'workers must be 1..64').default(1),
  `# Worker processes sharing the UDP listeners (Kamailio's "children"): every datagram of a
# call is handled by the worker its Call-ID hashes to, so transactions and dialogs live in one
# worker whichever one the kernel handed a retransmission to. More than 1 needs UDP listeners
# only and media.mode: never (the media relay and stream connections are per process); the
# admin API, keep-alives and expiry purging run in the first worker.
workers: 1
`,
);
