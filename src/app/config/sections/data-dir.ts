/** `data_dir`: where Switchboard keeps its state (generated TLS keys, databases). */
import { z } from 'zod';
import { defineSection } from '../section.js';

export const dataDirSection = defineSection(
  'data_dir',
  z.string().min(1, 'data_dir must not be empty').default('./data'),
  `# Directory for state: generated TLS certificate, databases. Created (mode 0700) at start.
# A relative path is relative to the working directory of the process.
data_dir: ./data
`,
);
