import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ManualClock } from '../../../src/lib/index.js';
import { CidrSet, MemoryBanStore, SecurityGuard, isIpAddress, normalizeIp, silentSecurityLog } from '../../../src/security/index.js';
// The form the transports report sources in (not exported by sip/transport's index).
import { canonicalHost } from '../../../src/sip/transport/addresses.js';

const SAMPLES = [
  '192.0.2.7',
  '2001:db8::1',
  '2001:DB8:0:0::1',
  '2001:0db8:0000:0000:0000:0000:0000:0001',
  '2001:db8:0:0:1:0:0:1',
  'FE80::A:B',
  '::1',
  '::',
  '::ffff:192.0.2.7',
  '::FFFF:198.51.100.1',
  '::ffff:c000:207',
  '0:0:0:0:0:ffff:192.0.2.8',
];

describe('normalizeIp', () => {
  it('gives the canonical form the transports report: IPv6 compressed and lower-case, IPv4-mapped as IPv4', () => {
    assert.equal(normalizeIp('2001:DB8:0:0::1'), '2001:db8::1');
    assert.equal(normalizeIp('2001:0db8:0000:0000:0000:0000:0000:0001'), '2001:db8::1');
    assert.equal(normalizeIp('2001:db8:0:0:1:0:0:1'), '2001:db8::1:0:0:1', 'RFC 5952 §4.2.3: the first longest run of zeros');
    assert.equal(normalizeIp('::FFFF:198.51.100.1'), '198.51.100.1');
    assert.equal(normalizeIp('::ffff:c000:207'), '192.0.2.7');
    assert.equal(normalizeIp('192.0.2.7'), '192.0.2.7');
    for (const a of SAMPLES) assert.equal(normalizeIp(a), canonicalHost(a), a);
  });

  it('leaves what is not an address alone (callers check isIpAddress first)', () => {
    assert.equal(normalizeIp('example.com'), 'example.com');
    assert.equal(isIpAddress('2001:db8::g'), false);
    assert.equal(isIpAddress('2001:DB8:0:0::1'), true);
  });

  it('a ban written in a long IPv6 form matches the source the transport reports', async () => {
    const guard = new SecurityGuard({
      store: new MemoryBanStore(),
      clock: new ManualClock(),
      report: () => undefined,
      log: silentSecurityLog,
      allow: new CidrSet([]),
      bans: { maxTries: 5, findTimeMs: 600_000, banTimeMs: 3_600_000, syncIntervalMs: 1000 },
    });
    await guard.start();
    guard.banNow('2001:DB8:0:0::1', 'scanner');
    assert.equal(guard.admit({ transport: 'udp', host: '2001:db8::1', port: 5060 }), false);
    assert.deepEqual(guard.bans.list().map((b) => b.address), ['2001:db8::1']);
    await guard.stop();
  });
});
