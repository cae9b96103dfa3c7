import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { TallyCounter } from '../../../src/admin/tally-counter.js';

async function values(registry: Registry, name: string): Promise<Array<{ labels: Record<string, string | number>; value: number }>> {
  const metric = registry.getSingleMetric(name);
  assert.ok(metric, `${name} is registered`);
  const got = await metric.get();
  return got.values.map((v) => ({ labels: v.labels as Record<string, string | number>, value: v.value })).sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)));
}

describe('TallyCounter', () => {
  it('counts per label values, the same on every scrape, and keeps counting between scrapes', async () => {
    const registry = new Registry();
    const c = new TallyCounter({ name: 't_total', help: 'test', labelNames: ['method', 'direction'], registry });
    c.inc('INVITE', 'in');
    c.inc('INVITE', 'in');
    c.inc('BYE', 'out');
    const first = [
      { labels: { method: 'BYE', direction: 'out' }, value: 1 },
      { labels: { method: 'INVITE', direction: 'in' }, value: 2 },
    ];
    assert.deepEqual(await values(registry, 't_total'), first);
    assert.deepEqual(await values(registry, 't_total'), first, 'a scrape does not add to the counts');
    c.inc('INVITE', 'in');
    assert.deepEqual(await values(registry, 't_total'), [first[0], { labels: { method: 'INVITE', direction: 'in' }, value: 3 }]);
    const text = await registry.metrics();
    assert.match(text, /^t_total\{method="INVITE",direction="in"\} 3$/m);
  });

  it('a single label and no events', async () => {
    const registry = new Registry();
    const c = new TallyCounter({ name: 'one_total', help: 'test', labelNames: ['reason'], registry });
    assert.deepEqual(await values(registry, 'one_total'), []);
    c.inc('flood');
    assert.deepEqual(await values(registry, 'one_total'), [{ labels: { reason: 'flood' }, value: 1 }]);
  });
});
