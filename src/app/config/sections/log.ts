/** `log`: logging (JSON lines on stdout). */
import { z } from 'zod';
import { defineSection, section } from '../section.js';

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export const logSection = defineSection(
  'log',
  section({ level: z.enum(LOG_LEVELS).default('info') }).default({}),
  `# Logging: one JSON object per line on stdout.
log:
  level: info # trace | debug | info | warn | error
`,
);
