/** `memory`: giving the JavaScript heap back to the OS after a burst (src/lib/heap-reclaimer.ts). */
import { z } from 'zod';
import { defineSection, section } from '../section.js';

export const memorySection = defineSection(
  'memory',
  section({ reclaim_when_idle: z.boolean().default(true) }).default({}),
  `# After a burst (every phone re-registering after an outage, a call storm) the JS heap
# stays as large as the burst made it. With this on, once the server is idle again it runs
# a few full collections so the unused heap goes back to the operating system.
memory:
  reclaim_when_idle: true # after a burst, give unused JS heap back to the OS once idle
`,
);
