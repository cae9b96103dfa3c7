import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ReceiveStats, estimateMos, mosFromR, rFactor } from './helpers.js';

const feed = (s: ReceiveStats, seqs: number[], ssrc = 1): void => {
  for (const seq of seqs) s.update(seq & 0xffff, seq * 160, ssrc, seq * 20, 8000);
};

describe('ReceiveStats: sequence loss (RFC 3550 A.1/A.3)', () => {
  it('counts a gap as loss', () => {
    const s = new ReceiveStats();
    feed(s, [1, 2, 3, 4, 6, 7, 8, 9, 10]);
    assert.equal(s.packetsExpected, 10);
    assert.equal(s.packetsReceived, 9);
    assert.equal(s.packetsLost, 1);
    assert.equal(s.lossFraction, 0.1);
  });

  it('handles sequence wrap-around', () => {
    const s = new ReceiveStats();
    feed(s, [65530, 65531, 65532, 65533, 65535, 65536, 65537, 65538, 65539, 65540, 65541]);
    assert.equal(s.packetsExpected, 12);
    assert.equal(s.packetsLost, 1);
    assert.equal(s.extendedHighestSeq, 65536 + 5);
  });

  it('does not count reordered packets as lost', () => {
    const s = new ReceiveStats();
    feed(s, [100, 101, 103, 102, 104, 105]);
    assert.equal(s.packetsExpected, 6);
    assert.equal(s.packetsLost, 0);
  });

  it('restarts on two sequential packets after a large jump, keeping earlier totals', () => {
    const s = new ReceiveStats();
    feed(s, [1, 2, 3]);
    feed(s, [40000]); // one stray: ignored
    assert.equal(s.packetsReceived, 3);
    feed(s, [40001, 40002]); // second in sequence after the jump: restart at 40001
    assert.equal(s.packetsReceived, 5);
    assert.equal(s.packetsLost, 0);
  });

  it('a new SSRC starts a new source', () => {
    const s = new ReceiveStats();
    feed(s, [1, 2, 3]);
    feed(s, [500, 502], 2);
    assert.equal(s.ssrc, 2);
    assert.equal(s.packetsExpected, 6);
    assert.equal(s.packetsLost, 1);
  });
});

describe('ReceiveStats: interarrival jitter (RFC 3550 A.8)', () => {
  it('is zero for perfectly paced packets', () => {
    const s = new ReceiveStats();
    for (let i = 0; i < 50; i++) s.update(i, i * 160, 1, 1000 + i * 20, 8000);
    assert.equal(s.jitterMs, 0);
  });

  it('follows J += (|D| − J)/16 on synthetic arrival times', () => {
    const s = new ReceiveStats();
    // Sent every 20 ms; arrivals alternate 10 ms early / on time → |D| = 10 ms every packet.
    const n = 200;
    let expected = 0;
    for (let i = 0; i < n; i++) {
      s.update(i, i * 160, 1, i * 20 + (i % 2 === 1 ? -10 : 0), 8000);
      if (i > 0) expected += (80 - expected) / 16; // 10 ms = 80 timestamp units
    }
    assert.ok(Math.abs(s.jitterMs - (expected / 8000) * 1000) < 1e-9);
    assert.ok(s.jitterMs > 9.9 && s.jitterMs <= 10);
  });
});

describe('E-model MOS (ITU-T G.107 simplification)', () => {
  it('matches the G.107 formula at known points', () => {
    assert.equal(mosFromR(0), 1);
    assert.equal(mosFromR(100), 4.5);
    assert.ok(Math.abs(mosFromR(93.2) - 4.41) < 0.01);
    assert.ok(Math.abs(rFactor({ lossFraction: 0, oneWayDelayMs: 0, ie: 0, bpl: 25.1 }) - 93.2) < 1e-9);
  });

  it('more loss or more delay gives a lower MOS', () => {
    const mos = (loss: number, delay = 60) => estimateMos({ lossFraction: loss, oneWayDelayMs: delay, ie: 0, bpl: 25.1 });
    const series = [0, 0.01, 0.03, 0.1, 0.3].map((l) => mos(l));
    for (let i = 1; i < series.length; i++) assert.ok(series[i] < series[i - 1], `MOS ${series}`);
    assert.ok(series[0] > 4.2);
    assert.ok(series[4] < 2.5);
    assert.ok(mos(0, 300) < mos(0, 60));
  });
});
