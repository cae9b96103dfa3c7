/**
 * The entry point of hook files: `import { defineHooks } from 'switchboard/hooks'` gives a
 * hook module its types (RequestView, RouteAction …) while staying plain data at run time.
 *
 *   export default defineHooks({
 *     onFailure(req, final) {
 *       if (final.status === 486 || final.status === 408) return { kind: 'forward', uri: 'sip:vm@127.0.0.1:5080' };
 *     },
 *   });
 */
import type { RoutingHooks } from './types.js';

export function defineHooks<H extends RoutingHooks>(hooks: H): H {
  return hooks;
}
