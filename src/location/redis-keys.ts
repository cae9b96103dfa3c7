/**
 * The Redis layout of the location store (all keys under the configured prefix, default `sb:`):
 *   {p}loc:aor:{AOR}   string: the AOR's bindings as JSON; PEXPIREAT at the latest expiry + grace
 *   {p}loc:aors        sorted set, every score 0: the AORs in byte order (list, count)
 *   {p}loc:expiry      sorted set, score = earliest binding expiry: what purgeExpired visits
 * The three are written together by one Lua script, a compare-and-set on the AOR's value, so
 * a write based on a stale read fails and is retried with fresh data (atomic across nodes).
 * Not for Redis Cluster: the script touches keys of different hash slots.
 */

export interface RedisKeys {
  aor(aor: string): string;
  readonly aors: string;
  readonly expiry: string;
}

export function redisKeys(prefix: string): RedisKeys {
  const base = `${prefix}loc:`;
  return { aor: (aor) => `${base}aor:${aor}`, aors: `${base}aors`, expiry: `${base}expiry` };
}

/**
 * KEYS: aor key, AOR index, expiry index. ARGV: AOR, expected value ('' = absent), new value
 * ('' = delete), PEXPIREAT time (ms), earliest expiry (ms). Returns 1 when written, 0 when the
 * stored value is no longer the expected one. Comparing the whole value (rather than a version
 * counter) is immune to ABA: equal values mean the caller's read is still exactly current.
 */
export const COMPARE_AND_SET_LUA = `
local current = redis.call('GET', KEYS[1]) or ''
if current ~= ARGV[2] then return 0 end
if ARGV[3] == '' then
  redis.call('DEL', KEYS[1])
  redis.call('ZREM', KEYS[2], ARGV[1])
  redis.call('ZREM', KEYS[3], ARGV[1])
else
  redis.call('SET', KEYS[1], ARGV[3])
  redis.call('PEXPIREAT', KEYS[1], ARGV[4])
  redis.call('ZADD', KEYS[2], 0, ARGV[1])
  redis.call('ZADD', KEYS[3], ARGV[5], ARGV[1])
end
return 1
`;

/** The URL without its password, for messages and logs. */
export function redactRedisUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password !== '') u.password = '***';
    return u.toString();
  } catch {
    return '(invalid URL)';
  }
}
