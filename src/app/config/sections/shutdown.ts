/** `shutdown`: graceful stop on SIGTERM / SIGINT. */
import { defineSection, positiveInt, section } from '../section.js';

export const shutdownSection = defineSection(
  'shutdown',
  section({ grace_period: positiveInt('grace_period').default(5) }).default({}),
  `# Stopping on SIGTERM or SIGINT (a second signal exits at once).
shutdown:
  grace_period: 5 # seconds to let in-flight work finish before exiting anyway
`,
);
