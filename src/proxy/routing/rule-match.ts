/** Evaluation of the declarative route list: the first rule whose conditions all hold wins. */
import type { RequestView, RouteMatch, RouteRule } from './types.js';

export function matches(m: RouteMatch, req: RequestView): boolean {
  if (m.methods !== undefined && !m.methods.includes(req.method)) return false;
  if (m.ruriUser !== undefined && !m.ruriUser.test(req.ruriUser)) return false;
  if (m.ruriHost !== undefined && !m.ruriHost.test(req.ruriHost)) return false;
  if (m.from !== undefined && !m.from.test(req.from)) return false;
  if (m.source !== undefined && !m.source(req.source.host)) return false;
  return true;
}

export function firstMatch(rules: readonly RouteRule[], req: RequestView): RouteRule | undefined {
  return rules.find((r) => matches(r.match, req));
}
