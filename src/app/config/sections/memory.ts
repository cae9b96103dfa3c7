/**
 * `memory`: giving the JavaScript heap back to the OS after a burst (src/lib/heap-reclaimer.ts),
 * and how far the heap may grow between full collections.
 */
import { z } from 'zod';
import { defineSection, section } from '../section.js';

export const memorySection = defineSection(
  'memory',
  section({
    reclaim_when_idle: z.boolean().default(true),
    heap_growth_percent: z.number().int().min(0).max(400).default(0),
  }).default({}),
  `# After a burst (every phone re-registering after an outage, a call storm) the JS heap
# stays as large as the burst made it. With this on, once the server is idle again it runs
# a few full collections so the unused heap goes back to the operating system.
memory:
  reclaim_when_idle: true # after a burst, give unused JS heap back to the OS once idle
  # How much the heap may grow past what the last full collection kept before the next one
  # (V8's --heap-growing-percent). 0: V8 decides, and under load it lets the heap grow to about
  # three times the live data. 100 caps it at twice: at 800 calls/s with the RFC's 64·T1
  # transaction waits, peak RSS 782 -> 537 MB for no measurable CPU; with 5 s waits, ~5 % more
  # CPU. Lower values collect more often still (50: 488 MB, ~10 % more CPU).
  heap_growth_percent: 0
`,
);
