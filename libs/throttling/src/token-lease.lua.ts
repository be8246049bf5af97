/**
 * A lease: up to `want` tokens taken from a bucket at once, atomically inside Redis. Same state and
 * arithmetic as the single-check script (one hash {tokens, ts}, Redis's clock, refill at `rate`,
 * capped at `capacity`), so the bucket admits exactly burst + rate × elapsed across the cluster: a
 * process only spends what it was granted. Near empty the grant shrinks to a quarter of what is left
 * (never below what the request needs), so one process cannot strand the last tokens in its lease.
 *
 * KEYS[1] bucket key
 * ARGV[1] capacity (burst), ARGV[2] refill in tokens per second, ARGV[3] tokens wanted,
 * ARGV[4] tokens the waiting request needs (the grant is 0 below that).
 * Returns {granted, tokens left in Redis (floored), ms until `required` tokens when granted is 0, ms until full}.
 */
export const TOKEN_LEASE_LUA = `
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2]) / 1000000
local want = tonumber(ARGV[3])
local required = tonumber(ARGV[4])
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
local granted = 0
if tokens >= required then
  granted = math.min(want, math.max(required, math.floor(tokens / 4)))
  tokens = tokens - granted
end
local retry = 0
if granted == 0 then
  retry = math.ceil((required - tokens) / rate / 1000)
end
local full = math.ceil((capacity - tokens) / rate / 1000)
if granted > 0 then
  redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
  redis.call('PEXPIRE', KEYS[1], full + 1000)
end
return {granted, math.floor(tokens), retry, full}
`;
