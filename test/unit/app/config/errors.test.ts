import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { formatIssue, loadConfig, parseConfig } from '../../../../src/app/config/index.js';

/** The formatted error lines for `text`. */
function errorsOf(text: string): string[] {
  const r = parseConfig(text, 'switchboard.yaml', { interfaceAddresses: () => [] });
  assert.ok(!r.ok, 'expected the config to be rejected');
  return r.error.map(formatIssue);
}

describe('config errors name file, line, column and key', () => {
  it('wrong type deep in a section', () => {
    const text = 'log:\n  level: info\nsip:\n  timers:\n    t1: "500"\n';
    assert.deepEqual(errorsOf(text), ['switchboard.yaml:5:5: sip.timers.t1: Expected number, received string']);
  });

  it('unknown key, with a suggestion for a typo', () => {
    assert.deepEqual(errorsOf('sip:\n  max_headerz: 10\n'), ['switchboard.yaml:2:3: sip.max_headerz: unknown key "max_headerz" (did you mean "max_headers"?)']);
    assert.deepEqual(errorsOf('colour: red\n'), ['switchboard.yaml:1:1: colour: unknown key "colour"']);
  });

  it('unknown key inside a long-form listener', () => {
    assert.deepEqual(errorsOf('listen:\n  - transport: udp\n    address: 127.0.0.1\n    port: 5060\n    prot: 1\n'), [
      'switchboard.yaml:5:5: listen[0].prot: unknown key "prot" (did you mean "port"?)',
    ]);
  });

  it('bad listen strings', () => {
    const lines = errorsOf('listen:\n  - udp:127.0.0.1:5060\n  - udp:::1:5060\n  - sctp:127.0.0.1:5060\n  - tcp:127.0.0.1:70000\n  - tcp:example.com:5060\n');
    assert.equal(lines.length, 4);
    assert.match(lines[0], /^switchboard\.yaml:3:5: listen\[1\]: invalid listen spec "udp:::1:5060": an IPv6 address must be in brackets/);
    assert.match(lines[1], /^switchboard\.yaml:4:5: listen\[2\]: .*unknown transport "sctp"/);
    assert.match(lines[2], /^switchboard\.yaml:5:5: listen\[3\]: .*port 70000 is out of range/);
    assert.match(lines[3], /^switchboard\.yaml:6:5: listen\[4\]: .*"example\.com" is not an IP address/);
  });

  it('port out of range in the long form', () => {
    assert.deepEqual(errorsOf('listen:\n  - transport: udp\n    address: 127.0.0.1\n    port: 65536\n'), ['switchboard.yaml:4:5: listen[0].port: port must be 0..65535']);
  });

  it('duplicate and conflicting listeners', () => {
    const lines = errorsOf('listen:\n  - udp:127.0.0.1:5060\n  - tcp:0.0.0.0:5060\n  - udp:127.0.0.1:5060\n  - tls:127.0.0.1:5060\n  - udp:127.0.0.1:5062\n');
    assert.deepEqual(lines, [
      'switchboard.yaml:4:5: listen[2]: udp:127.0.0.1:5060: duplicate listener (listen[0] is udp:127.0.0.1:5060)',
      'switchboard.yaml:5:5: listen[3]: tls:127.0.0.1:5060: both need TCP port 5060 on overlapping addresses (listen[1] is tcp:0.0.0.0:5060)',
    ]);
  });

  it('a missing required key points at its parent', () => {
    assert.deepEqual(errorsOf('log:\n  level: info\ntls:\n  cert: cert.pem\n'), ['switchboard.yaml:3:1: tls.key: missing required key "key"']);
  });

  it('DNS cache lifetimes: a failure is kept at most 5 minutes (RFC 2308 §7.1), the values are positive', () => {
    assert.deepEqual(errorsOf('proxy:\n  dns_failure_ttl: 301\n'), ['switchboard.yaml:2:3: proxy.dns_failure_ttl: dns_failure_ttl must be at most 300 seconds (RFC 2308 §7.1)']);
    assert.deepEqual(errorsOf('proxy:\n  dns_cache_ttl: 0\n'), ['switchboard.yaml:2:3: proxy.dns_cache_ttl: dns_cache_ttl must be greater than 0']);
    const ok = parseConfig('proxy:\n  dns_cache_ttl: 120\n  dns_cache_size: 64\n', 'switchboard.yaml', { interfaceAddresses: () => [] });
    assert.ok(ok.ok);
    assert.equal(ok.value.proxy.dnsCacheTtl, 120);
    assert.equal(ok.value.proxy.dnsFailureTtl, 30);
    assert.equal(ok.value.proxy.dnsCacheSize, 64);
  });

  it('memory.heap_growth_percent: a whole percentage from 0 to 400', () => {
    const ok = parseConfig('memory:\n  heap_growth_percent: 100\n', 'switchboard.yaml', { interfaceAddresses: () => [] });
    assert.ok(ok.ok);
    assert.equal(ok.value.memory.heapGrowthPercent, 100);
    const byDefault = parseConfig('', 'switchboard.yaml', { interfaceAddresses: () => [] });
    assert.ok(byDefault.ok);
    assert.equal(byDefault.value.memory.heapGrowthPercent, 0, 'V8 decides unless configured');
    assert.deepEqual(errorsOf('memory:\n  heap_growth_percent: -5\n'), ['switchboard.yaml:2:3: memory.heap_growth_percent: Number must be greater than or equal to 0']);
    assert.deepEqual(errorsOf('memory:\n  heap_growth_percent: 12.5\n'), ['switchboard.yaml:2:3: memory.heap_growth_percent: Expected integer, received float']);
    assert.deepEqual(errorsOf('memory:\n  heap_growth_percent: 1000\n'), ['switchboard.yaml:2:3: memory.heap_growth_percent: Number must be less than or equal to 400']);
  });

  it('workers: 1 by default; more need UDP-only listeners, no media relay and a shared location store', () => {
    const byDefault = parseConfig('', 'switchboard.yaml', { interfaceAddresses: () => [] });
    assert.ok(byDefault.ok);
    assert.equal(byDefault.value.workers, 1);
    const group = 'workers: 2\nlisten:\n  - udp:127.0.0.1:5060\nmedia:\n  mode: never\n';
    const ok = parseConfig(group, 'switchboard.yaml', { interfaceAddresses: () => [] });
    assert.ok(ok.ok, ok.ok ? '' : ok.error.map(formatIssue).join('\n'));
    assert.equal(ok.value.workers, 2);
    assert.deepEqual(errorsOf('workers: 0\n'), ['switchboard.yaml:1:1: workers: workers must be 1..64']);
    assert.deepEqual(errorsOf('workers: 1.5\n'), ['switchboard.yaml:1:1: workers: workers must be an integer']);
    assert.deepEqual(errorsOf('workers: 2\nlisten:\n  - udp:127.0.0.1:5060\n  - tcp:127.0.0.1:5060\nmedia:\n  mode: never\n'), [
      'switchboard.yaml:4:5: listen[1]: with workers: 2 only udp listeners are supported (a tcp connection lives in one worker process)',
    ]);
    assert.deepEqual(errorsOf('workers: 2\nlisten:\n  - udp:127.0.0.1:5060\nmedia:\n  mode: nat\n'), [
      "switchboard.yaml:5:3: media.mode: with workers: 2 media.mode must be never (the media relay's ports and sessions live in one process)",
    ]);
    assert.deepEqual(errorsOf(group + 'location:\n  backend: memory\n'), [
      'switchboard.yaml:7:3: location.backend: with workers: 2 the location store must be shared by the workers: sqlite or redis, not memory',
    ]);
    const routeMedia = group + 'routing:\n  routes:\n    - name: r\n      action: { location: true }\n      media: always\n';
    const lines = errorsOf(routeMedia);
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /^switchboard\.yaml:10:\d+: routing\.routes\[0\]\.media: with workers: 2 a route cannot relay media/);
  });

  it('transport.udp_engine: auto, native or dgram', () => {
    const byDefault = parseConfig('', 'switchboard.yaml', { interfaceAddresses: () => [] });
    assert.ok(byDefault.ok);
    assert.equal(byDefault.value.transport.udpEngine, 'auto');
    const lines = errorsOf('transport:\n  udp_engine: epoll\n');
    assert.equal(lines.length, 1, lines.join('\n'));
    assert.match(lines[0], /^switchboard\.yaml:2:3: transport\.udp_engine: .*'auto' \| 'native' \| 'dgram'/);
  });

  it('cross-field rule: t2 smaller than t1', () => {
    assert.deepEqual(errorsOf('sip:\n  timers:\n    t1: 2000\n    t2: 1000\n'), ['switchboard.yaml:4:5: sip.timers.t2: t2 (1000) must not be smaller than t1 (2000)']);
  });

  it('several problems are all reported, in line order', () => {
    const lines = errorsOf('transport:\n  idle_timeout: -1\nlog:\n  level: loud\ndomains: ["not a host"]\n');
    assert.deepEqual(
      lines.map((l) => l.split(': ')[0] + ': ' + l.split(': ')[1]),
      ['switchboard.yaml:2:3: transport.idle_timeout', 'switchboard.yaml:4:3: log.level', 'switchboard.yaml:5:11: domains[0]'],
    );
  });

  it('the whole file of the wrong type', () => {
    assert.deepEqual(errorsOf('- a\n- b\n'), ['switchboard.yaml:1:1: Expected object, received array']);
  });

  it('YAML syntax errors', () => {
    const lines = errorsOf('sip:\n  timers: [1, 2\nlog: {}\n');
    assert.ok(lines.length >= 1);
    assert.match(lines[0], /^switchboard\.yaml:\d+:\d+: YAML syntax: /);
    assert.deepEqual(errorsOf('log: {}\nlog: {}\n'), ['switchboard.yaml:2:1: YAML syntax: Map keys must be unique']);
  });

  describe('files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sb-config-'));
    after(() => rmSync(dir, { recursive: true, force: true }));

    it('a missing file is named', () => {
      const file = join(dir, 'absent.yaml');
      const r = loadConfig(file);
      assert.ok(!r.ok);
      assert.deepEqual(r.error.map(formatIssue), [`${file}: cannot read config file: no such file`]);
    });

    it('unreadable TLS files are reported at their key', () => {
      const file = join(dir, 'tls.yaml');
      writeFileSync(join(dir, 'cert.pem'), 'x');
      writeFileSync(file, 'tls:\n  cert: cert.pem\n  key: key.pem\n');
      const r = loadConfig(file, { cwd: dir });
      assert.ok(!r.ok);
      assert.deepEqual(r.error.map(formatIssue), [`${file}:3:3: tls.key: cannot read private key file ${join(dir, 'key.pem')}: no such file`]);
      writeFileSync(join(dir, 'key.pem'), 'x');
      const good = loadConfig(file, { cwd: dir });
      assert.ok(good.ok);
      assert.deepEqual(good.value.tls, { cert: join(dir, 'cert.pem'), key: join(dir, 'key.pem') });
    });
  });
});
