import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { cidrMatcher } from '../../../../src/app/config/sections/proxy.js';
import { cidrString } from '../../../../src/app/config/section.js';

describe('config CIDR lists', () => {
  it('cidrMatcher matches plain and IPv4-mapped IPv6 sources, and nothing for an empty list', () => {
    const trusted = cidrMatcher(['10.0.0.0/8', '192.0.2.7', '2001:db8::/32']);
    assert.equal(trusted('10.1.2.3'), true);
    // What a dual-stack socket reports for an IPv4 peer.
    assert.equal(trusted('::ffff:10.1.2.3'), true);
    assert.equal(trusted('192.0.2.7'), true);
    assert.equal(trusted('192.0.2.8'), false);
    assert.equal(trusted('2001:db8::1'), true);
    assert.equal(trusted('2001:db9::1'), false);
    assert.equal(trusted('not-an-address'), false);
    assert.equal(cidrMatcher([])('127.0.0.1'), false);
  });

  it('cidrString accepts addresses and CIDRs and names what it refuses', () => {
    for (const ok of ['10.0.0.0/8', '192.0.2.7', '::1', '2001:db8::/32', '0.0.0.0/0']) assert.equal(cidrString.safeParse(ok).success, true, ok);
    for (const bad of ['10.0.0.0/33', '10.0.0/8', 'example.com', '10.0.0.0/x', '::1/129']) {
      const r = cidrString.safeParse(bad);
      assert.equal(r.success, false, bad);
      assert.match(r.error?.issues[0]?.message ?? '', new RegExp(`"${bad.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}" is not an address or CIDR`));
    }
  });
});
