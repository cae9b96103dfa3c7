import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatIssue, parseConfig } from '../../../src/app/config/index.js';

function parse(text: string) {
  return parseConfig(text, 'switchboard.yaml', { cwd: '/srv', interfaceAddresses: () => [] });
}

function errorsOf(text: string): string[] {
  const r = parse(text);
  assert.ok(!r.ok, 'expected the config to be rejected');
  return r.error.map(formatIssue);
}

describe('config section location', () => {
  it('defaults: sqlite, local Redis settings, 10 s purge', () => {
    const r = parse('');
    assert.ok(r.ok);
    assert.deepEqual(r.value.location, { backend: 'sqlite', redis: { url: 'redis://127.0.0.1:6379', keyPrefix: 'sb:' }, purgeInterval: 10 });
  });

  it('takes a Redis backend with its URL and prefix', () => {
    const r = parse('location:\n  backend: redis\n  redis:\n    url: rediss://:secret@redis.example.com:6380/2\n    key_prefix: "pbx1:"\n  purge_interval: 30\n');
    assert.ok(r.ok);
    assert.deepEqual(r.value.location, { backend: 'redis', redis: { url: 'rediss://:secret@redis.example.com:6380/2', keyPrefix: 'pbx1:' }, purgeInterval: 30 });
  });

  it('rejects bad values with file, line and key', () => {
    assert.deepEqual(errorsOf('location:\n  backend: postgres\n'), [
      "switchboard.yaml:2:3: location.backend: Invalid enum value. Expected 'sqlite' | 'redis' | 'memory', received 'postgres'",
    ]);
    assert.deepEqual(errorsOf('location:\n  redis:\n    url: http://127.0.0.1:6379\n'), ['switchboard.yaml:3:5: location.redis.url: url must start with redis:// or rediss://, not http://']);
    assert.deepEqual(errorsOf('location:\n  redis:\n    url: 127.0.0.1\n'), ['switchboard.yaml:3:5: location.redis.url: "127.0.0.1" is not a URL (expected redis://host:port)']);
    assert.deepEqual(errorsOf('location:\n  redis:\n    key_prefix: ""\n'), ['switchboard.yaml:3:5: location.redis.key_prefix: key_prefix must not be empty']);
    assert.deepEqual(errorsOf('location:\n  purge_interval: 0\n'), ['switchboard.yaml:2:3: location.purge_interval: purge_interval must be greater than 0']);
    assert.deepEqual(errorsOf('location:\n  purge_intervall: 5\n'), ['switchboard.yaml:2:3: location.purge_intervall: unknown key "purge_intervall" (did you mean "purge_interval"?)']);
  });
});
