import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { z } from 'zod';
import { configSchema, exampleConfig, loadConfig, parseConfig } from '../../../../src/app/config/index.js';
import { configCheck } from '../../../../src/app/cli/index.js';

/** Every snake_case key of the schema, as dotted paths. */
function schemaKeys(schema: z.ZodTypeAny, prefix = ''): string[] {
  let t = schema;
  for (;;) {
    if (t instanceof z.ZodDefault || t instanceof z.ZodOptional) t = t._def.innerType;
    else if (t instanceof z.ZodEffects) t = t._def.schema;
    else break;
  }
  if (t instanceof z.ZodArray) return schemaKeys(t.element, prefix);
  if (!(t instanceof z.ZodObject)) return [];
  return Object.entries(t.shape as Record<string, z.ZodTypeAny>).flatMap(([k, v]) => [prefix + k, ...schemaKeys(v, prefix + k + '.')]);
}

describe('config example', () => {
  const dir = mkdtempSync(join(tmpdir(), 'sb-example-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('passes config check', () => {
    const file = join(dir, 'example.yaml');
    writeFileSync(file, exampleConfig());
    const out: string[] = [];
    const code = configCheck(file, { stdout: (t) => out.push(t), stderr: (t) => out.push(t), cwd: dir });
    assert.deepEqual(out, [`${file}: OK\n`]);
    assert.equal(code, 0);
  });

  it('shows exactly the defaults', () => {
    const fromExample = parseConfig(exampleConfig(), 'example.yaml', { cwd: dir, interfaceAddresses: () => [] });
    const defaults = loadConfig(undefined, { cwd: dir, interfaceAddresses: () => [] });
    assert.ok(fromExample.ok && defaults.ok);
    assert.deepEqual(fromExample.value, defaults.value);
  });

  it('mentions and comments every key of the schema', () => {
    const text = exampleConfig();
    const keys = schemaKeys(configSchema);
    assert.ok(keys.includes('sip.timers.t1') && keys.includes('tls.key') && keys.includes('listen.port'));
    for (const key of keys) {
      const name = key.split('.').pop() as string;
      const line = text.split('\n').find((l) => new RegExp(`^[#\\s-]*${name}:`).test(l));
      assert.ok(line !== undefined, `example lacks key ${key}`);
      const i = text.split('\n').indexOf(line);
      const commented = line.includes(' # ') || line.trimStart().startsWith('#') || text.split('\n')[i - 1].trimStart().startsWith('#');
      assert.ok(commented, `key ${key} has no comment`);
    }
  });
});
