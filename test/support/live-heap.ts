/**
 * The live JavaScript heap of a server started with `--inspect=127.0.0.1:0`, read through the
 * V8 inspector protocol after a forced full GC (HeapProfiler.collectGarbage, then
 * Runtime.getHeapUsage). Unlike RSS, which keeps the allocator's high-water mark and moved by
 * ±15 % between identical PROTOS passes, this is what the process really retains, so a leak
 * check on it needs no wide tolerance. Test support only: the server itself has no hook for it.
 */
import WebSocket from 'ws';

/** The inspector's WebSocket URL, printed on stderr as "Debugger listening on ws://…". */
export function inspectorUrl(stderrLines: readonly string[]): string | undefined {
  for (const l of stderrLines) {
    const m = /Debugger listening on (ws:\/\/\S+)/.exec(l);
    if (m !== null) return m[1];
  }
  return undefined;
}

/** Sends `method` calls in order over one connection; resolves with the last result. */
async function inspect(url: string, calls: Array<{ method: string; params?: object }>, timeoutMs: number): Promise<Record<string, unknown>> {
  const ws = new WebSocket(url);
  try {
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('error', reject);
    });
    let last: Record<string, unknown> = {};
    for (const [i, call] of calls.entries()) {
      const id = i + 1;
      last = await new Promise<Record<string, unknown>>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`inspector: no answer to ${call.method} within ${timeoutMs} ms`)), timeoutMs);
        const onMessage = (data: WebSocket.RawData): void => {
          const msg = JSON.parse(data.toString()) as { id?: number; result?: Record<string, unknown>; error?: { message: string } };
          if (msg.id !== id) return;
          clearTimeout(timer);
          ws.off('message', onMessage);
          if (msg.error !== undefined) reject(new Error(`inspector: ${call.method}: ${msg.error.message}`));
          else resolve(msg.result ?? {});
        };
        ws.on('message', onMessage);
        ws.send(JSON.stringify({ id, ...call }));
      });
    }
    return last;
  } finally {
    ws.close();
  }
}

/** Bytes of live heap after a full GC. */
export async function liveHeapBytes(url: string, timeoutMs = 10_000): Promise<number> {
  const r = await inspect(url, [{ method: 'HeapProfiler.collectGarbage' }, { method: 'HeapProfiler.collectGarbage' }, { method: 'Runtime.getHeapUsage' }], timeoutMs);
  const used = r['usedSize'];
  if (typeof used !== 'number') throw new Error(`inspector: Runtime.getHeapUsage gave ${JSON.stringify(r)}`);
  return used;
}
