/**
 * A separate process writing to a SqliteLocationStore, for the durability and cross-process
 * tests of sqlite-store.test.ts (not a test itself).
 *   node sqlite-child.js commit-then-hang FILE AOR   writes one binding, prints "committed",
 *                                                    then keeps writing until it is killed
 *   node sqlite-child.js increment FILE AOR N        N increments of the binding's cseq
 */
import { SqliteLocationStore, type Binding } from '../../../src/location/index.js';

const [mode, file, aor, count] = process.argv.slice(2);
const now = Date.now();
const store = new SqliteLocationStore({ file });

function binding(contact: string, cseq: number): Binding {
  return { contact, q: 1, expiresAt: now + 3_600_000, callId: 'child@test', cseq, source: { transport: 'udp', host: '192.0.2.1', port: 5060 }, registeredAt: now };
}

if (mode === 'commit-then-hang') {
  await store.modify(aor, now, () => ({ bindings: [binding('sip:committed@192.0.2.1', 1)], result: undefined }));
  process.stdout.write('committed\n');
  // Busy writing other AORs when the kill comes; bounded so an orphan cannot run forever.
  const deadline = Date.now() + 10_000;
  for (let i = 0; Date.now() < deadline; i++) {
    await store.modify(`sip:noise${i % 1000}@example.com`, now, () => ({ bindings: [binding(`sip:n${i}@192.0.2.2`, i)], result: undefined }));
  }
  process.exit(3);
} else if (mode === 'increment') {
  for (let i = 0; i < Number(count); i++) {
    await store.modify(aor, now, (current) => ({ bindings: [binding('sip:counter@192.0.2.1', (current[0]?.cseq ?? 0) + 1)], result: undefined }));
  }
  await store.close();
} else {
  process.stderr.write(`unknown mode ${mode}\n`);
  process.exit(2);
}
