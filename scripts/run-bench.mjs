#!/usr/bin/env node
// Runs every compiled benchmark (dist/bench/**/*.bench.js) in turn, each in its own node
// process so one cannot warm up or slow down the next, and prints their output.
//   node scripts/run-bench.mjs [dir]     (dir defaults to dist/bench; `npm run bench` builds first)
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const root = process.argv[2] ?? join('dist', 'bench');

function walk(dir, out) {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (name.endsWith('.bench.js')) out.push(p);
  }
  return out;
}

const files = walk(root, []);
if (files.length === 0) {
  console.error(`no *.bench.js files under ${root} (build first: npm run build)`);
  process.exit(1);
}
let failed = 0;
for (const file of files) {
  console.log(`\n=== ${file}`);
  const r = spawnSync(process.execPath, [file], { stdio: 'inherit' });
  if (r.status !== 0) {
    failed++;
    console.error(`${file} exited with ${r.status ?? r.signal}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
