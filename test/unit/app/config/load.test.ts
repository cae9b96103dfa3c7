import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Config, SECTIONS, loadConfig, parseConfig } from '../../../../src/app/config/index.js';
import { snakeToCamel } from '../../../../src/app/config/section.js';

const CWD = '/srv/sb';
const noInterfaces = () => [] as string[];

function load(text: string | undefined, overrides = {}): Config {
  const r = parseConfig(text, 'switchboard.yaml', { cwd: CWD, overrides, interfaceAddresses: noInterfaces });
  if (!r.ok) assert.fail(r.error.map((i) => i.message).join('; '));
  return r.value;
}

describe('config defaults', () => {
  it('needs no file and fills every section', () => {
    const r = loadConfig(undefined, { cwd: CWD, interfaceAddresses: noInterfaces });
    assert.ok(r.ok);
    // Every section is filled; those named here have exactly these defaults (sections added
    // by later features are checked by their own tests and by the config example test).
    const expected: Record<string, unknown> = {
      dataDir: '/srv/sb/data',
      listen: [
        { transport: 'udp', address: '127.0.0.1', port: 5060 },
        { transport: 'tcp', address: '127.0.0.1', port: 5060 },
      ],
      domains: ['127.0.0.1'],
      tls: undefined,
      log: { level: 'info' },
      sip: { maxMessageSize: 65536, maxHeaders: 256, timers: { t1: 500, t2: 4000, t4: 5000 }, maxTransactions: 200000, userAgent: 'Switchboard' },
      transport: { maxConnectionsPerSource: 32, maxConnections: 10000, idleTimeout: 300, udpRecvBuffer: 4194304, udpEngine: 'auto' },
      shutdown: { gracePeriod: 5 },
      registrar: { minExpires: 60, maxExpires: 3600, defaultExpires: 3600, maxContacts: 10, keepaliveInterval: 30 },
      proxy: { trusted: [], timerC: 181, recordRoute: true, guestCalls: false, dnsCacheTtl: 60, dnsFailureTtl: 30, dnsCacheSize: 1024 },
      routing: { routes: [], trunks: [] },
      location: { backend: 'sqlite', redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'sb:' }, purgeInterval: 10 },
      auth: { nonceTtl: 300, algorithms: ['sha-256', 'md5'] },
      users: [],
    };
    const value = r.value as unknown as Record<string, unknown>;
    for (const key of SECTIONS.map((sec) => snakeToCamel(sec.key))) assert.ok(key in value, `section ${key} is present`);
    for (const [key, v] of Object.entries(expected)) assert.deepEqual(value[key], v, key);
  });

  it('treats an empty file and a comment-only file as all defaults', () => {
    assert.deepEqual(load(''), load(undefined));
    assert.deepEqual(load('# nothing here\n'), load(undefined));
  });

  it('keeps defaults for the keys a section leaves out', () => {
    const c = load('sip:\n  timers:\n    t1: 200\n  user_agent: Edge SBC\n');
    assert.deepEqual(c.sip.timers, { t1: 200, t2: 4000, t4: 5000 });
    assert.equal(c.sip.userAgent, 'Edge SBC');
    assert.equal(c.sip.maxHeaders, 256);
  });
});

describe('config object', () => {
  it('is deeply frozen', () => {
    const c = load('listen: [udp:127.0.0.1:5080]\n');
    assert.ok(Object.isFrozen(c));
    assert.ok(Object.isFrozen(c.sip));
    assert.ok(Object.isFrozen(c.sip.timers));
    assert.ok(Object.isFrozen(c.listen));
    assert.ok(Object.isFrozen(c.listen[0]));
    assert.ok(Object.isFrozen(c.domains));
    assert.throws(() => {
      (c.sip.timers as { t1: number }).t1 = 1;
    }, TypeError);
  });

  it('accepts both listener forms and normalizes IPv6 brackets', () => {
    const c = load('listen:\n  - udp:[::1]:5060\n  - { transport: tls, address: "[::1]", port: 5061 }\n  - WSS:0.0.0.0:443\n');
    assert.deepEqual(c.listen, [
      { transport: 'udp', address: '::1', port: 5060 },
      { transport: 'tls', address: '::1', port: 5061 },
      { transport: 'wss', address: '0.0.0.0', port: 443 },
    ]);
  });

  it('lower-cases domains and strips IPv6 brackets', () => {
    assert.deepEqual(load('domains: [Example.COM, "[2001:DB8::1]", 192.0.2.1]\n').domains, ['example.com', '2001:db8::1', '192.0.2.1']);
  });

  it('derives default domains from listen addresses, expanding wildcards', () => {
    const r = parseConfig('listen: [udp:0.0.0.0:5060, "tcp:[::1]:5060", udp:192.0.2.7:5070]\n', 'f.yaml', {
      interfaceAddresses: () => ['127.0.0.1', '192.0.2.7', '::1'],
    });
    assert.ok(r.ok);
    assert.deepEqual(r.value.domains, ['127.0.0.1', '192.0.2.7', '::1']);
  });

  it('resolves relative paths against the working directory', () => {
    assert.equal(load('data_dir: var/sb\n').dataDir, '/srv/sb/var/sb');
    assert.equal(load('data_dir: /var/lib/sb\n').dataDir, '/var/lib/sb');
  });
});

describe('flag overrides', () => {
  const file = 'data_dir: ./x\nlisten: [udp:127.0.0.1:5060, tcp:127.0.0.1:5060]\ndomains: [a.example]\nlog:\n  level: warn\n';

  it('replace the file values and lists', () => {
    const c = load(file, { dataDir: '/tmp/d', listen: ['tls:0.0.0.0:5061'], domains: ['b.example', 'c.example'], logLevel: 'debug' });
    assert.equal(c.dataDir, '/tmp/d');
    assert.deepEqual(c.listen, [{ transport: 'tls', address: '0.0.0.0', port: 5061 }]);
    assert.deepEqual(c.domains, ['b.example', 'c.example']);
    assert.equal(c.log.level, 'debug');
  });

  it('leave the file values alone when absent', () => {
    const c = load(file, {});
    assert.equal(c.dataDir, '/srv/sb/x');
    assert.equal(c.listen.length, 2);
    assert.deepEqual(c.domains, ['a.example']);
    assert.equal(c.log.level, 'warn');
  });

  it('apply without a file', () => {
    const r = loadConfig(undefined, { cwd: CWD, overrides: { listen: ['udp:[::1]:5070'], logLevel: 'trace' } });
    assert.ok(r.ok);
    assert.deepEqual(r.value.listen, [{ transport: 'udp', address: '::1', port: 5070 }]);
    assert.deepEqual(r.value.domains, ['::1']);
    assert.equal(r.value.log.level, 'trace');
  });

  it('report a bad value by flag name', () => {
    const r = parseConfig(file, 'switchboard.yaml', { overrides: { listen: ['udp:127.0.0.1:5060', 'sctp:1.2.3.4:5'], logLevel: 'loud' } });
    assert.ok(!r.ok);
    assert.deepEqual(
      r.error.map((i) => [i.source, i.line]),
      [
        ['--listen', undefined],
        ['--log-level', undefined],
      ],
    );
    assert.match(r.error[0].message, /unknown transport "sctp"/);
  });
});
