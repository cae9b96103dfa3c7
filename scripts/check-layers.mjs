#!/usr/bin/env node
// Layer check (DEVELOPERS.md "Architecture"): fails on an import cycle between files, an
// upward import between layers, or a cross-folder import that bypasses the folder's index.ts.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

const root = resolve(process.argv[2] ?? 'src');

// Layers from the wire up; a folder may import only folders of a LOWER rank (or its own).
// Folders of equal rank are independent of each other.
const RANK = {
  lib: 0,
  'sip/message': 1,
  sdp: 1,
  'sip/transport': 2,
  media: 2,
  stun: 2,
  'sip/transaction': 3,
  'media-session': 3,
  ng: 4,
  'sip/dialog': 4,
  'sip/endpoint': 5,
  auth: 6,
  location: 6,
  security: 7,
  registrar: 7,
  proxy: 8,
  b2bua: 9,
  pbx: 10,
  admin: 11,
  app: 12,
};
const layers = Object.keys(RANK).sort((a, b) => b.length - a.length);

function layerOf(file) {
  const rel = relative(root, file).replaceAll('\\', '/');
  return layers.find((l) => rel === l || rel.startsWith(l + '/'));
}

function walk(dir, out = []) {
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

const files = walk(root);
const problems = [];
const graph = new Map();
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

for (const file of files) {
  const from = layerOf(file);
  if (from === undefined) problems.push(`${relative(root, file)}: not in any known layer (add it to RANK)`);
  const src = readFileSync(file, 'utf8');
  const deps = [];
  for (const m of src.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2];
    if (!spec.startsWith('.')) continue;
    const target = resolve(dirname(file), spec.replace(/\.js$/, '.ts'));
    deps.push(target);
    const to = layerOf(target);
    if (from === undefined || to === undefined || from === to) continue;
    if (RANK[to] >= RANK[from]) {
      problems.push(`${relative(root, file)}: imports ${spec} — layer '${from}' may not import '${to}' (upward or sideways)`);
    }
    if (!target.endsWith('/index.ts')) {
      problems.push(`${relative(root, file)}: imports ${spec} — import another layer only through its index.ts`);
    }
  }
  graph.set(file, deps);
}

// Cycle detection (iterative DFS with colours).
const colour = new Map();
for (const start of files) {
  if (colour.get(start)) continue;
  const stack = [[start, 0]];
  const path = [];
  colour.set(start, 1);
  path.push(start);
  while (stack.length > 0) {
    const top = stack[stack.length - 1];
    const deps = graph.get(top[0]) ?? [];
    if (top[1] >= deps.length) {
      colour.set(top[0], 2);
      stack.pop();
      path.pop();
      continue;
    }
    const next = deps[top[1]++];
    if (!graph.has(next)) continue;
    const c = colour.get(next);
    if (c === 1) {
      const cycle = path.slice(path.indexOf(next)).concat(next).map((f) => relative(root, f));
      problems.push(`import cycle: ${cycle.join(' -> ')}`);
    } else if (!c) {
      colour.set(next, 1);
      path.push(next);
      stack.push([next, 0]);
    }
  }
}

if (problems.length > 0) {
  console.error(`layer check: ${problems.length} problem(s)`);
  for (const p of problems) console.error('  ' + p);
  process.exit(1);
}
console.log(`layer check: ${files.length} files, no cycles, no upward imports`);
