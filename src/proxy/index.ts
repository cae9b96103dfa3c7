/** The stateful proxy (RFC 3261 §16). */
export { createProxyModule, type ProxyOptions } from './proxy-module.js';
export { type ProxyAuthenticator } from './proxy-auth.js';
export { ResponseContext, type ContextIo, type BranchEvents, type BranchHandle } from './response-context.js';
export { processRoutes } from './route-processing.js';
export { loopHash, proxyBranch, hashOfBranch, isLoop } from './loop-detection.js';
export { type Target, targetFromBinding, forkingGroups } from './targets.js';
export { branchRequest, recordRouteValue } from './branch-request.js';
export { resolveNextHop, nextHopDnsCache, createNextHopDnsCache, type NextHop, type NextHopResolver } from './next-hop.js';
export { CachingResolver, type CachingResolverOptions } from './dns-cache.js';
export { type CallAttempt, type CallAdmission, type CallPolicy, type AuthEvent } from './call-policy.js';
export { CALL_CHANNEL, callChannel, type CallEvent, type CallInfo, type CallState, type CallSource } from './call-events.js';
export { type ProxyModule } from './proxy-module.js';
export { CallTracker, type CallTrackerOptions } from './call-tracker.js';
export * from './routing/index.js';
export { MediaAnchor, type MediaControl, type MediaMode, type MediaResult } from './media-anchor.js';
