/**
 * Reserves one job in each owner's set of pending jobs, or none (all-or-nothing across owners).
 * KEYS: one sorted set per owner (member = job id, score = the time after which the job has
 * certainly left the queue). ARGV[1] = member, ARGV[2] = ms from now to that time, ARGV[2 + i] = the
 * cap of KEYS[i]. Expired members are dropped first, so a release that never came (a crashed worker)
 * heals itself. Returns {0, 0} when reserved, else {i, count} for the first owner at its cap.
 * Server time, so API instances with skewed clocks agree. A member already there (a retried request)
 * is not counted twice.
 */
export const RESERVE_PENDING_LUA = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local member = ARGV[1]
local expiresAt = now + tonumber(ARGV[2])
for i, key in ipairs(KEYS) do
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now)
  local count = redis.call('ZCARD', key)
  if count >= tonumber(ARGV[2 + i]) and not redis.call('ZSCORE', key, member) then
    return {i, count}
  end
end
for _, key in ipairs(KEYS) do
  redis.call('ZADD', key, expiresAt, member)
  -- The set goes away by itself once its last member would have expired.
  local last = redis.call('ZRANGE', key, -1, -1, 'WITHSCORES')
  redis.call('PEXPIREAT', key, tonumber(last[2]))
end
return {0, 0}
`;
