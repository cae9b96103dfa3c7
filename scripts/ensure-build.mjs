#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm dependencies when missing, builds TypeScript,
// and (with --system, as root) installs the Debian packages the interop tests drive.
//   node scripts/ensure-build.mjs            deps + build if dist/ is missing (npm start)
//   node scripts/ensure-build.mjs --force    deps + build always           (npm test)
//   node scripts/ensure-build.mjs --system   also the Debian test peers    (npm test)
import { execSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const args = new Set(process.argv.slice(2));
const run = (cmd) => execSync(cmd, { stdio: 'inherit' });
const has = (cmd) => {
  try {
    execSync(`command -v ${cmd}`, { stdio: 'ignore', shell: '/bin/sh' });
    return true;
  } catch {
    return false;
  }
};

// Debian packages whose programs the tests run against the server: command → package.
const SYSTEM_PEERS = {
  sipp: 'sip-tester',
  sipsak: 'sipsak',
  unshare: 'util-linux',
  ip: 'iproute2',
  openssl: 'openssl',
  'redis-server': 'redis-server',
  baresip: 'baresip-core',
  svwar: 'sipvicious',
  tshark: 'tshark',
};

if (args.has('--system')) {
  const missing = [...new Set(Object.entries(SYSTEM_PEERS).filter(([c]) => !has(c)).map(([, p]) => p))];
  if (missing.length > 0) {
    if (process.getuid?.() === 0) {
      console.log(`installing Debian packages: ${missing.join(' ')}`);
      run('apt-get update -qq');
      run(`DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${missing.join(' ')}`);
    } else {
      console.warn(`not root: cannot install ${missing.join(' ')}; the interop tests that need them will say so and skip`);
    }
  }
}

if (!existsSync('node_modules/.package-lock.json') && !existsSync('node_modules/typescript')) {
  run(existsSync('package-lock.json') ? 'npm ci --no-audit --no-fund' : 'npm install --no-audit --no-fund');
}
if (args.has('--force') || !existsSync('dist/src/app/main.js')) {
  run('npx tsc -p tsconfig.json');
}
