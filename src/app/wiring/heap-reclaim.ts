/**
 * The heap's size as a component: `memory.heap_growth_percent` (how far V8 lets it grow between
 * full collections) and the heap reclaimer, on with `memory.reclaim_when_idle` (the default).
 */
import { setFlagsFromString } from 'node:v8';
import { HeapReclaimer } from '../../lib/index.js';
import type { Config } from '../config/index.js';
import type { Component } from '../lifecycle.js';
import type { Logger } from '../log.js';

const MIB = 1024 * 1024;

/** `activeCalls`: calls and media sessions in progress; no collection pauses them. */
export function createHeapReclaim(config: Config, logger: Logger, activeCalls?: () => number): Component {
  let reclaimer: HeapReclaimer | undefined;
  return {
    name: 'heap-reclaim',
    async start() {
      // V8 reads this flag each time it sets the next full collection's limit, so setting it
      // while running takes effect from the next collection (an unknown flag would be ignored).
      if (config.memory.heapGrowthPercent > 0) setFlagsFromString(`--heap-growing-percent=${config.memory.heapGrowthPercent}`);
      if (!config.memory.reclaimWhenIdle) return;
      reclaimer = new HeapReclaimer({
        ...(activeCalls === undefined ? {} : { activeCalls }),
        onEpisode: (e) =>
          logger.debug(
            { fromMiB: Math.round(e.fromBytes / MIB), toMiB: Math.round(e.toBytes / MIB), collections: e.collections, collectMs: Math.round(e.collectMs), end: e.end },
            'idle heap reclaimed',
          ),
      });
      if (!reclaimer.available) logger.warn('memory.reclaim_when_idle: this Node.js offers no way to run a collection; the heap is left to V8');
      reclaimer.start();
    },
    async stop() {
      reclaimer?.stop();
    },
    describe: () => ({ reclaimHeapWhenIdle: reclaimer?.available ?? false, heapGrowthPercent: config.memory.heapGrowthPercent }),
  };
}
