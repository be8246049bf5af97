import { REFILL_LUA } from './token-bucket.lua';

/**
 * Puts back tokens taken by a single check (a failed-auth reservation whose credential turned out
 * valid), capped at the capacity, atomically inside Redis: a refund never lifts a bucket above what
 * it would hold had the tokens never been taken.
 *
 * KEYS[1] bucket key
 * ARGV[1] capacity (burst), ARGV[2] refill in tokens per second, ARGV[3] tokens to put back.
 * Returns {1, tokens now (floored), 0, ms until full}, the check script's shape.
 */
export const TOKEN_REFUND_LUA = `${REFILL_LUA}
tokens = math.min(capacity, tokens + tonumber(ARGV[3]))
local full = math.ceil((capacity - tokens) / rate / 1000)
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], full + 1000)
return {1, math.floor(tokens), 0, full}
`;
