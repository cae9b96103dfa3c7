/**
 * Runs async work one after the other per key, and concurrently across keys: the calls for
 * one key start in the order they were queued, each once the one before it settled (fulfilled
 * or rejected; a failure does not stop the queue). A key is forgotten when its queue empties,
 * so the map holds only keys with work pending.
 */
export class KeyedSerialQueue<K = string> {
  /** Per key: the tail of its queue (settles when the last queued call has settled). */
  private readonly tails = new Map<K, Promise<void>>();

  /** Queues `fn` behind the calls already queued for `key`; its result is `fn`'s. */
  run<T>(key: K, fn: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key);
    const result = previous === undefined ? start(fn) : previous.then(fn);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running. */
  get size(): number {
    return this.tails.size;
  }
}

/** Calls `fn` now; a synchronous throw becomes a rejection like an async one. */
function start<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return fn();
  } catch (e) {
    return Promise.reject(e);
  }
}
