/** The one error type a location store rejects with when its backend fails (not for bugs). */

export class LocationStoreError extends Error {
  override readonly name = 'LocationStoreError';

  constructor(
    /** "sqlite", "redis" or "memory". */
    readonly backend: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`location store (${backend}): ${message}`, options);
  }
}

/** The message of an unknown thrown value. */
export function describeError(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
