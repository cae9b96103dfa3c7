/**
 * The adapter measuring event-loop delay (perf_hooks.monitorEventLoopDelay): each read gives
 * the 90th percentile of the delay since the previous read, in ms, and restarts the window.
 */
import { monitorEventLoopDelay, type IntervalHistogram } from 'node:perf_hooks';

export class EventLoopDelay {
  private readonly histogram: IntervalHistogram;

  constructor(resolutionMs = 10) {
    this.histogram = monitorEventLoopDelay({ resolution: resolutionMs });
    this.histogram.enable();
  }

  readonly read = (): number => {
    const ms = this.histogram.count === 0 ? 0 : this.histogram.percentile(90) / 1e6;
    this.histogram.reset();
    return ms;
  };

  close(): void {
    this.histogram.disable();
  }
}
