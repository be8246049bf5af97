/**
 * The bucket's level now, shared by both scripts: state is one hash per bucket, {tokens, ts} (ts in
 * microseconds from Redis's own clock, so API instances with skewed clocks agree), refilled at `rate`
 * and capped at `capacity`. Expects ARGV[1] capacity (burst) and ARGV[2] refill in tokens per second;
 * leaves `capacity`, `rate` (per microsecond), `now` and `tokens` defined.
 */
export const REFILL_LUA = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2]) / 1000000
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate)
else
  tokens = math.min(capacity, tokens)
end
`;

/**
 * One token-bucket check, atomic inside Redis (the failed-auth look uses it with cost 0). O(1)
 * whatever the traffic: nothing is stored per hit.
 *
 * KEYS[1] bucket key
 * ARGV[1] capacity (burst), ARGV[2] refill in tokens per second, ARGV[3] cost (0 = only look),
 * ARGV[4] tokens required to pass (max(cost, 1)).
 * Returns {allowed 0|1, remaining tokens (floored), ms until `required` tokens, ms until full}.
 */
export const TOKEN_BUCKET_LUA = `${REFILL_LUA}
local cost = tonumber(ARGV[3])
local required = tonumber(ARGV[4])
local allowed = 0
if tokens >= required then
  allowed = 1
  tokens = tokens - cost
end
local retry = 0
if tokens < required then
  retry = math.ceil((required - tokens) / rate / 1000)
end
local full = math.ceil((capacity - tokens) / rate / 1000)
if cost > 0 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
  -- An untouched bucket is full again after 'full' ms: keeping it longer would change nothing.
  redis.call('PEXPIRE', KEYS[1], full + 1000)
end
return {allowed, math.floor(tokens), retry, full}
`;
