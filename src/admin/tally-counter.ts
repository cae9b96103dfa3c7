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

/** One level of label values: the last level holds the tallies. */
type Level<L extends string> = Map<string, Level<L> | Tally<L>>;

/** At most three labels: inc() takes them as arguments, so counting allocates nothing. */
const MAX_LABELS = 3;

export class TallyCounter<L extends string> {
  private readonly root: Level<L> = new Map();
  private readonly all: Array<Tally<L>> = [];
  private readonly labelNames: readonly L[];

  constructor(config: TallyCounterConfig<L>) {
    if (config.labelNames.length < 1 || config.labelNames.length > MAX_LABELS) {
      throw new Error(`TallyCounter ${config.name}: 1 to ${MAX_LABELS} labels, got ${config.labelNames.length}`);
    }
    this.labelNames = config.labelNames;
    const all = this.all;
    new Counter<L>({
      name: config.name,
      help: config.help,
      labelNames: config.labelNames,
      registers: [config.registry],
      collect() {
        this.reset();
        for (const t of all) this.inc(t.labels as Partial<Record<L, string>>, t.n);
      },
    });
  }

  /**
   * Counts one event; the label values in the order of `labelNames`. Label values must be
   * bounded. One Map lookup per label and no key string: this runs twice per SIP message.
   */
  inc(a: string, b?: string, c?: string): void {
    const last = this.labelNames.length - 1;
    let level = this.root;
    for (let i = 0; ; i++) {
      const value = labelAt(i, a, b, c);
      let next = level.get(value);
      if (next === undefined) {
        next = i === last ? this.newTally(a, b, c) : new Map();
        level.set(value, next);
      }
      if (i === last) {
        (next as Tally<L>).n++;
        return;
      }
      level = next as Level<L>;
    }
  }

  private newTally(a: string, b: string | undefined, c: string | undefined): Tally<L> {
    const labels = {} as Record<L, string>;
    this.labelNames.forEach((name, i) => (labels[name] = labelAt(i, a, b, c)));
    const t = { labels, n: 0 };
    this.all.push(t);
    return t;
  }
}

/** The i-th of inc()'s label values ('' when not given). */
function labelAt(i: number, a: string, b: string | undefined, c: string | undefined): string {
  return (i === 0 ? a : i === 1 ? b : c) ?? '';
}
