/** The annotated example file printed by `switchboard config example`. */
import { SECTIONS } from './schema.js';

const HEADER = `# Switchboard configuration (YAML). Every key is optional; the values shown are the
# defaults. Unknown keys are errors. Check a file with: switchboard config check FILE
`;

export function exampleConfig(): string {
  return [HEADER, ...SECTIONS.map((s) => s.example)].join('\n');
}
