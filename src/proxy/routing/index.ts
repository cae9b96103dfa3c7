/** The routing policy: route list, trunks and hooks. */
export type { RequestView, RouteAction, BranchView, ReplyView, BranchDecision, RoutingHooks, RouteMatch, RouteRule, Trunk } from './types.js';
export { matches, firstMatch } from './rule-match.js';
export { Router, EMPTY_POLICY, type RoutingPolicy, type RoutingDecision, type RouterLog } from './router.js';
export { defineHooks } from './define-hooks.js';
