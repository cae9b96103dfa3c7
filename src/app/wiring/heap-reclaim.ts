/** The heap reclaimer as a component: on with `memory.reclaim_when_idle` (the default). */
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
    describe: () => ({ reclaimHeapWhenIdle: reclaimer?.available ?? false }),
  };
}
