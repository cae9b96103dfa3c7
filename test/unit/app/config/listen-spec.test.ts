import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { formatListener, parseListenSpec } from '../../../../src/app/config/index.js';
import { listenerConflict } from '../../../../src/app/config/listen-spec.js';

describe('listen specs', () => {
  it('parse IPv4, bracketed IPv6 and any transport case', () => {
    assert.deepEqual(parseListenSpec('udp:127.0.0.1:5060'), { ok: true, value: { transport: 'udp', address: '127.0.0.1', port: 5060 } });
    assert.deepEqual(parseListenSpec('TLS:[::]:5061'), { ok: true, value: { transport: 'tls', address: '::', port: 5061 } });
    assert.deepEqual(parseListenSpec('ws:0.0.0.0:0'), { ok: true, value: { transport: 'ws', address: '0.0.0.0', port: 0 } });
  });

  it('reject malformed specs with the reason', () => {
    const cases: [string, RegExp][] = [
      ['udp', /expected TRANSPORT:ADDRESS:PORT/],
      ['udp:5060', /expected TRANSPORT:ADDRESS:PORT/],
      ['quic:127.0.0.1:1', /unknown transport/],
      ['udp:::1:5060', /must be in brackets/],
      ['udp:[::1:5060', /must be in brackets/],
      ['udp:1.2.3:5060', /not an IP address/],
      ['udp:127.0.0.1:', /not a number/],
      ['udp:127.0.0.1:-1', /not a number/],
      ['udp:127.0.0.1:99999', /out of range/],
    ];
    for (const [spec, why] of cases) {
      const r = parseListenSpec(spec);
      assert.ok(!r.ok, spec);
      assert.match(r.error, why, spec);
    }
  });

  it('format back to the spec form', () => {
    for (const spec of ['udp:127.0.0.1:5060', 'tcp:[::1]:5060', 'wss:0.0.0.0:443']) {
      const r = parseListenSpec(spec);
      assert.ok(r.ok);
      assert.equal(formatListener(r.value), spec);
    }
  });

  it('detect listeners that cannot be bound together', () => {
    const l = (spec: string) => {
      const r = parseListenSpec(spec);
      assert.ok(r.ok);
      return r.value;
    };
    assert.equal(listenerConflict(l('udp:127.0.0.1:5060'), l('udp:127.0.0.1:5060')), 'duplicate listener');
    assert.match(listenerConflict(l('tcp:127.0.0.1:5060'), l('tls:127.0.0.1:5060')) ?? '', /TCP port 5060/);
    assert.match(listenerConflict(l('udp:0.0.0.0:5060'), l('udp:192.0.2.1:5060')) ?? '', /UDP port 5060/);
    assert.match(listenerConflict(l('tcp:[::]:5060'), l('ws:127.0.0.1:5060')) ?? '', /TCP port 5060/);
    assert.equal(listenerConflict(l('udp:127.0.0.1:5060'), l('tcp:127.0.0.1:5060')), undefined);
    assert.equal(listenerConflict(l('udp:127.0.0.1:5060'), l('udp:127.0.0.2:5060')), undefined);
    assert.equal(listenerConflict(l('udp:0.0.0.0:5060'), l('udp:[::1]:5060')), undefined);
    assert.equal(listenerConflict(l('udp:127.0.0.1:0'), l('udp:127.0.0.1:0')), undefined);
  });
});
