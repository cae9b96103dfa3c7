import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parse as parseYaml } from 'yaml';
import { securitySection } from '../../../src/app/config/sections/security.js';
import { withAllowedNetworks } from '../../../src/app/wiring/security.js';
import { loadConfig } from '../../../src/app/config/index.js';

describe('security config section', () => {
  it('defaults: 5 tries in 600 s → 3600 s ban, nothing allowed, scanner list on; the annotated example says the same', () => {
    const defaults = securitySection.schema.parse(undefined);
    assert.equal(defaults.bans.maxTries, 5);
    assert.equal(defaults.bans.banTime, 3600);
    assert.deepEqual(defaults.allow, []);
    assert.ok(defaults.scanners.userAgents.includes('friendly-scanner'));
    const example = (parseYaml(securitySection.example) as { security: unknown }).security;
    assert.deepEqual(securitySection.schema.parse(example), defaults);
  });

  it('rejects bad networks, prefixes and unknown keys', () => {
    for (const bad of [{ allow: ['10.0.0.0/33'] }, { acl: [{ user: 'alice', allow: ['nope'] }] }, { fraud: { blocked_prefixes: ['09x'] } }, { bans: { max_tries: 0 } }, { flood: { rates: 1 } }]) {
      assert.equal(securitySection.schema.safeParse(bad).success, false, JSON.stringify(bad));
    }
  });

  it('--allow adds networks to security.allow; an invalid one is reported', () => {
    const loaded = loadConfig(undefined, { overrides: { dataDir: '/tmp/sb-x' } });
    assert.ok(loaded.ok);
    const r = withAllowedNetworks(loaded.value, ['127.0.0.2/32', '2001:db8::/32']);
    assert.ok(r.ok);
    assert.deepEqual(r.config.security.allow, ['127.0.0.2/32', '2001:db8::/32']);
    assert.ok(Object.isFrozen(r.config.security));
    assert.deepEqual(withAllowedNetworks(loaded.value, ['127.0.0.1/99']), { ok: false, invalid: '127.0.0.1/99' });
  });
});
