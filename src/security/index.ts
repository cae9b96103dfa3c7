/**
 * Security (rank 7): bans with persistence, the per-source flood limit (pike), allow-list,
 * scanner blocking, per-user ACLs, the overload guard and toll-fraud limits, plus the
 * security events they emit (log lines and the `switchboard:security` diagnostics channel).
 */
export { SECURITY_CHANNEL, SECURITY_EVENT_KINDS, securityChannel, securityEventSink, silentSecurityLog, type SecurityEvent, type SecurityEventKind, type SecurityEventSink, type SecurityLog } from './events.js';
export { CidrSet, parseCidr, normalizeIp, isIpAddress, type Cidr } from './cidr.js';
export { type Ban, type BanStore, BanStoreError, isActive } from './ban-store.js';
export { MemoryBanStore, memoryBanData, type MemoryBanData } from './memory-ban-store.js';
export { SqliteBanStore, type SqliteBanStoreOptions } from './sqlite-ban-store.js';
export { RedisBanStore, type RedisBanStoreOptions } from './redis-ban-store.js';
export { BanList, type BanListOptions } from './ban-list.js';
export { FailureCounter, type FailureCounterOptions } from './failure-counter.js';
export { FloodLimiter, type FloodLimiterOptions, type FloodVerdict } from './flood-limiter.js';
export { SecurityGuard, type SecurityGuardOptions, type AuthFailure } from './security-guard.js';
export { createScannerModule, matchesUserAgent, type ScannerModuleOptions } from './scanner-module.js';
export { AclTable, aclAuthorizer, createAclModule, claimedUsers, type AclEntry, type AclModuleOptions, type AclRequest, type AclVerdict } from './acl-module.js';
export { OverloadDetector, createOverloadModule, type OverloadDetectorOptions } from './overload-guard.js';
export { EventLoopDelay } from './event-loop-delay.js';
export {
  FraudLimiter,
  normalizeDialled,
  type FraudCallAttempt,
  type FraudAdmission,
  type FraudLimits,
  type FraudLimiterOptions,
  type RestrictedPrefix,
} from './fraud-limiter.js';
