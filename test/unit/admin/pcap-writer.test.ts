/**
 * The pcap writer: global header fields, IPv4/IPv6 + UDP/TCP frames checked by an independent
 * decoder here (lengths, checksums, addresses, ports, payload), TCP sequence numbers per flow,
 * and — when tshark is installed — tshark decoding every SIP message of a written file.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LINKTYPE_RAW, PcapEncoder, pcapGlobalHeader } from '../../../src/admin/index.js';
import { sipRequest, sipResponse } from '../../support/admin-wire.js';

interface Rec {
  sec: number;
  usec: number;
  data: Buffer;
}

function records(buf: Buffer): Rec[] {
  const out: Rec[] = [];
  for (let off = 0; off < buf.length; ) {
    const incl = buf.readUInt32LE(off + 8);
    assert.equal(buf.readUInt32LE(off + 12), incl, 'orig_len == incl_len');
    out.push({ sec: buf.readUInt32LE(off), usec: buf.readUInt32LE(off + 4), data: buf.subarray(off + 16, off + 16 + incl) });
    off += 16 + incl;
  }
  return out;
}

/** RFC 1071 one's-complement sum; a correct checksum makes the sum over the covered bytes 0xffff. */
function onesSum(...parts: Buffer[]): number {
  const all = Buffer.concat(parts);
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += (all[i]! << 8) | (i + 1 < all.length ? all[i + 1]! : 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

interface Decoded {
  version: number;
  src: string;
  dst: string;
  protocol: number;
  srcPort: number;
  dstPort: number;
  seq?: number;
  payload: Buffer;
}

function decode(p: Buffer): Decoded {
  const version = p[0]! >> 4;
  let src: Buffer;
  let dst: Buffer;
  let protocol: number;
  let l4: Buffer;
  let pseudo: Buffer;
  if (version === 4) {
    const ihl = (p[0]! & 0x0f) * 4;
    assert.equal(p.readUInt16BE(2), p.length, 'IPv4 total length');
    assert.equal(onesSum(p.subarray(0, ihl)), 0xffff, 'IPv4 header checksum');
    protocol = p[9]!;
    src = p.subarray(12, 16);
    dst = p.subarray(16, 20);
    l4 = p.subarray(ihl);
    pseudo = Buffer.concat([src, dst, Buffer.from([0, protocol, l4.length >> 8, l4.length & 0xff])]);
  } else {
    assert.equal(version, 6);
    assert.equal(p.readUInt16BE(4), p.length - 40, 'IPv6 payload length');
    protocol = p[6]!;
    src = p.subarray(8, 24);
    dst = p.subarray(24, 40);
    l4 = p.subarray(40);
    const len = Buffer.alloc(4);
    len.writeUInt32BE(l4.length);
    pseudo = Buffer.concat([src, dst, len, Buffer.from([0, 0, 0, protocol])]);
  }
  assert.equal(onesSum(pseudo, l4), 0xffff, 'transport checksum');
  const fmt = (b: Buffer): string => (b.length === 4 ? [...b].join('.') : b.toString('hex'));
  if (protocol === 17) {
    assert.equal(l4.readUInt16BE(4), l4.length, 'UDP length');
    return { version, src: fmt(src), dst: fmt(dst), protocol, srcPort: l4.readUInt16BE(0), dstPort: l4.readUInt16BE(2), payload: l4.subarray(8) };
  }
  assert.equal(protocol, 6);
  const off = (l4[12]! >> 4) * 4;
  return { version, src: fmt(src), dst: fmt(dst), protocol, srcPort: l4.readUInt16BE(0), dstPort: l4.readUInt16BE(2), seq: l4.readUInt32BE(4), payload: l4.subarray(off) };
}

test('the global header is libpcap 2.4, microseconds, LINKTYPE_RAW', () => {
  const h = pcapGlobalHeader();
  assert.equal(h.length, 24);
  assert.equal(h.readUInt32LE(0), 0xa1b2c3d4);
  assert.deepEqual([h.readUInt16LE(4), h.readUInt16LE(6)], [2, 4]);
  assert.equal(h.readUInt32LE(20), LINKTYPE_RAW);
});

test('an inbound UDP message over IPv4 goes remote → local with the real ports and time', () => {
  const bytes = sipRequest('REGISTER');
  const out = new PcapEncoder().encode({
    direction: 'in',
    timestamp: 1_700_000_000_123.456,
    remote: { transport: 'udp', host: '192.0.2.10', port: 5062 },
    local: { transport: 'udp', host: '198.51.100.1', port: 5060 },
    bytes,
  });
  const [r, ...rest] = records(out);
  assert.equal(rest.length, 0);
  assert.equal(r!.sec, 1_700_000_000);
  assert.equal(r!.usec, 123_456);
  const d = decode(r!.data);
  assert.deepEqual([d.version, d.src, d.dst, d.protocol, d.srcPort, d.dstPort], [4, '192.0.2.10', '198.51.100.1', 17, 5062, 5060]);
  assert.deepEqual(d.payload, bytes);
});

test('an outbound message over IPv6 goes local → remote; IPv4-mapped addresses pair with IPv4', () => {
  const bytes = sipResponse(200, 'OK', 'REGISTER');
  const enc = new PcapEncoder();
  const v6 = decode(records(enc.encode({ direction: 'out', timestamp: 0, remote: { transport: 'udp', host: '2001:db8::1', port: 5070 }, local: { transport: 'udp', host: '::1', port: 5060 }, bytes }))[0]!.data);
  assert.deepEqual([v6.version, v6.src, v6.dst, v6.srcPort, v6.dstPort], [6, '00000000000000000000000000000001', '20010db8000000000000000000000001', 5060, 5070]);
  assert.deepEqual(v6.payload, bytes);
  const mapped = decode(records(enc.encode({ direction: 'in', timestamp: 0, remote: { transport: 'udp', host: '::ffff:192.0.2.7', port: 1 }, local: { transport: 'udp', host: '127.0.0.1', port: 2 }, bytes }))[0]!.data);
  assert.deepEqual([mapped.version, mapped.src, mapped.dst], [4, '192.0.2.7', '127.0.0.1']);
});

test('stream messages become TCP segments whose sequence numbers continue per flow', () => {
  const enc = new PcapEncoder();
  const a = sipRequest('INVITE');
  const b = sipRequest('BYE', { cseq: 2 });
  const remote = { transport: 'tcp', host: '192.0.2.10', port: 40000 };
  const local = { transport: 'tcp', host: '198.51.100.1', port: 5060 };
  const first = decode(records(enc.encode({ direction: 'in', timestamp: 1, remote, local, bytes: a }))[0]!.data);
  const reply = decode(records(enc.encode({ direction: 'out', timestamp: 2, remote, local, bytes: b }))[0]!.data);
  const second = decode(records(enc.encode({ direction: 'in', timestamp: 3, remote, local, bytes: b }))[0]!.data);
  assert.equal(first.protocol, 6);
  assert.equal(second.seq, first.seq! + a.length);
  assert.equal(reply.seq, 1, 'the other direction has its own sequence space');
  assert.deepEqual([reply.srcPort, reply.dstPort], [5060, 40000]);
});

test('tshark decodes every SIP message of a written file (UDP and TCP, IPv4 and IPv6)', (t) => {
  const probe = spawnSync('tshark', ['--version'], { timeout: 10_000 });
  if (probe.error !== undefined || probe.status !== 0) {
    t.skip('tshark is not installed');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'switchboard-pcap-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const enc = new PcapEncoder();
  const parts = [pcapGlobalHeader()];
  const v4 = { remote: { transport: 'udp', host: '127.0.0.1', port: 24001 }, local: { transport: 'udp', host: '127.0.0.1', port: 25060 } };
  const v6 = { remote: { transport: 'udp', host: '::1', port: 24002 }, local: { transport: 'udp', host: '::1', port: 25060 } };
  const tcp = { remote: { transport: 'tcp', host: '127.0.0.1', port: 24003 }, local: { transport: 'tcp', host: '127.0.0.1', port: 25060 } };
  const messages = [
    { direction: 'in' as const, ...v4, bytes: sipRequest('REGISTER', { callId: 'c1' }) },
    { direction: 'out' as const, ...v4, bytes: sipResponse(401, 'Unauthorized', 'REGISTER', { callId: 'c1' }) },
    { direction: 'in' as const, ...v6, bytes: sipRequest('OPTIONS', { callId: 'c2' }) },
    { direction: 'out' as const, ...v6, bytes: sipResponse(200, 'OK', 'OPTIONS', { callId: 'c2' }) },
    { direction: 'in' as const, ...tcp, bytes: sipRequest('INVITE', { callId: 'c3' }) },
    { direction: 'out' as const, ...tcp, bytes: sipResponse(486, 'Busy Here', 'INVITE', { callId: 'c3' }) },
  ];
  messages.forEach((m, i) => parts.push(enc.encode({ ...m, timestamp: 1_700_000_000_000 + i })));
  const file = join(dir, 'sip.pcap');
  writeFileSync(file, Buffer.concat(parts));
  const r = spawnSync('tshark', ['-r', file, '-Y', 'sip', '-T', 'fields', '-e', 'sip.Call-ID', '-e', 'sip.Method', '-e', 'sip.Status-Code'], { timeout: 30_000, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n').map((l) => l.split('\t'));
  assert.deepEqual(
    lines.map((l) => l[0]),
    ['c1', 'c1', 'c2', 'c2', 'c3', 'c3'],
    r.stdout,
  );
  assert.deepEqual(lines.map((l) => l[1] || l[2]), ['REGISTER', '401', 'OPTIONS', '200', 'INVITE', '486'], r.stdout);
});
