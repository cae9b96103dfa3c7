/**
 * A Prometheus counter for events that happen on every SIP message. prom-client's
 * `Counter.inc(labels)` hashes and validates the label object on each call (a few µs, paid
 * twice per message: once received, once sent); here each message only bumps a number in a
 * Map keyed by its label values, and the counter is filled from those tallies at scrape time.
 */
import { Counter, type Registry } from 'prom-client';

export interface TallyCounterConfig<L extends string> {
  readonly name: string;
  readonly help: string;
  /** Label names, in the order `inc()` takes their values. */
  readonly labelNames: readonly L[];
  readonly registry: Registry;
}

interface Tally<L extends string> {
  readonly labels: Record<L, string>;
  n: number;
}

export class TallyCounter<L extends string> {
  private readonly tallies = new Map<string, Tally<L>>();
  private readonly labelNames: readonly L[];

  constructor(config: TallyCounterConfig<L>) {
    this.labelNames = config.labelNames;
    const tallies = this.tallies;
    new Counter<L>({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames,
      registers: [config.registry],
      collect() {
        this.reset();
        for (const t of tallies.values()) this.inc(t.labels as Partial<Record<L, string>>, t.n);
      },
    });
  }

  /** Counts one event; `values` in the order of `labelNames`. Label values must be bounded. */
  inc(...values: string[]): void {
    const key = values.length === 1 ? values[0] : values.join('\u0000');
    const t = this.tallies.get(key);
    if (t !== undefined) {
      t.n++;
      return;
    }
    const labels = {} as Record<L, string>;
    this.labelNames.forEach((name, i) => (labels[name] = values[i] ?? ''));
    this.tallies.set(key, { labels, n: 1 });
  }
}
