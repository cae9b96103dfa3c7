export { type Clock, type TimerHandle, SystemClock, ManualClock, systemClock } from './clock.js';
export { BRANCH_MAGIC_COOKIE, pooledRandomBytes, randomToken, newBranch, newTag, newCallId, restrictCallIds } from './ids.js';
export { type Result, ok, err } from './result.js';
export { type HeapSample, type HeapReclaimPolicyOptions, type ReclaimEpisode, HeapReclaimPolicy } from './heap-reclaim-policy.js';
export { type HeapReclaimerOptions, HeapReclaimer, obtainFullGc } from './heap-reclaimer.js';
export { V4_MAPPED_PREFIX, ipBytes, unmapIpv4 } from './ip-bytes.js';
export { KeyedSerialQueue } from './keyed-serial-queue.js';
export { type LockAttempt, type LockWait, type PragmaConnection, SqliteWriteLock, isSqliteBusy, lockTimeoutReason, retryDelayMs } from './sqlite-write-lock.js';
export { type NativeAddonLoad, type NativeAddonSpec, loadNativeAddon } from './native-addon.js';
