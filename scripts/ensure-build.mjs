#!/usr/bin/env node
// Makes a fresh clone runnable: installs npm dependencies when missing, builds TypeScript,
// and (with --system, as root) installs the Debian packages the interop tests drive.
//   node scripts/ensure-build.mjs            deps + build if dist/ is missing (npm start)
//   node scripts/ensure-build.mjs --force    deps + build always           (npm test)
//   node scripts/ensure-build.mjs --system   also the Debian test peers    (npm test)
// Every mode also (re)builds the native addons (binding.gyp → build/Release/switchboard_rtp.node,
// the RTP engine, and switchboard_sipudp.node, the SIP UDP socket) when one is missing or older
// than its sources; a failed build only warns: SIP and the relay then use node:dgram.
import { execFileSync, execSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

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

// binding.gyp's targets: the native RTP engine and the native SIP UDP socket.
const ADDONS = ['build/Release/switchboard_rtp.node', 'build/Release/switchboard_sipudp.node'];
const NATIVE_DIRS = ['src/media/native', 'src/sip/transport/native'];
const ADDON_SOURCES = ['binding.gyp', ...NATIVE_DIRS.flatMap((d) => readdirSync(d).filter((f) => /\.[ch]$/.test(f)).map((f) => join(d, f)))];

function addonStale() {
  if (ADDONS.some((a) => !existsSync(a))) return true;
  const built = Math.min(...ADDONS.map((a) => statSync(a).mtimeMs));
  return ADDON_SOURCES.some((f) => statSync(f).mtimeMs > built);
}

/** npm's bundled node-gyp (no download), or null. */
function findNodeGyp() {
  const rel = 'node_modules/npm/node_modules/node-gyp/bin/node-gyp.js';
  const candidates = [join(dirname(process.execPath), '..', 'lib', rel)];
  try {
    candidates.push(join(execSync('npm prefix -g', { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim(), 'lib', rel));
  } catch {
    // npm not on PATH: only the path next to node is tried
  }
  return candidates.find((c) => existsSync(c)) ?? null;
}

function buildAddon() {
  // Node's own headers when installed with it (distro packages, official tarballs): no download.
  const prefix = join(dirname(process.execPath), '..');
  const nodedir = existsSync(join(prefix, 'include', 'node', 'node_api.h')) ? [`--nodedir=${prefix}`] : [];
  const gyp = findNodeGyp();
  try {
    if (gyp !== null) execFileSync(process.execPath, [gyp, 'rebuild', '--loglevel=warn', ...nodedir], { stdio: 'inherit' });
    else execSync(`npx --no-install node-gyp rebuild ${nodedir.join(' ')}`, { stdio: 'inherit' });
  } catch (e) {
    console.warn(`native addons not built (${e.message.split('\n')[0]}); SIP over UDP and the media relay will use node:dgram`);
  }
}

if (process.platform === 'linux' && addonStale()) buildAddon();

