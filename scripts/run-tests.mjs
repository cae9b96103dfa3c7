#!/usr/bin/env node
// Runs the compiled tests with node's test runner: every *.test.js under dist/test, or the
// tiers named (unit, corpus, interop). Exits non-zero when any test fails.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';

const tiers = process.argv.slice(2);
const roots = (tiers.length > 0 ? tiers : ['unit', 'corpus', 'interop']).map((t) => join('dist/test', t));

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.test.js')) out.push(p);
  }
  return out;
}

const files = roots.flatMap((r) => walk(r, []));
if (files.length === 0) {
  console.error('no test files found under ' + roots.join(', '));
  process.exit(1);
}
const layer = spawnSync(process.execPath, ['scripts/check-layers.mjs'], { stdio: 'inherit' });
if (layer.status !== 0) process.exit(layer.status ?? 1);
const r = spawnSync(process.execPath, ['--test', '--test-reporter=spec', ...files], { stdio: 'inherit' });
process.exit(r.status ?? 1);
