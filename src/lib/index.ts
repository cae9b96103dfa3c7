export { type Clock, type TimerHandle, SystemClock, ManualClock, systemClock } from './clock.js';
export { BRANCH_MAGIC_COOKIE, pooledRandomBytes, randomToken, newBranch, newTag, newCallId } from './ids.js';
export { type Result, ok, err } from './result.js';
