/**
 * The Lua behind RedisSharedBudgets. Per gateway key with a budget, two Redis keys:
 * - spend (string, a float): what every replica charged the key in one budget period, added to by
 *   each charge (INCRBYFLOAT); one per period and period start, expiring a while after it ends.
 * - holds (hash: replica id → "USD EXPIRES"): what each replica's requests in flight hold against
 *   the budget (their total), with when that entry expires (epoch ms, Redis' clock). A replica
 *   renews its entry while its requests run and deletes it when they have all settled; one that
 *   dies stops renewing, and its holds stop counting when the entry expires.
 * A key of another type under these names (a stray write) is replaced: it would otherwise fail
 * every command on it, and each failure makes the replica leave Redis alone for a second.
 */

/** \`now\`: Redis' clock in ms (TIME before writes needs Redis 5+, as the limit scripts). */
const CLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/**
 * KEYS: spend. ARGV: USD, expires at (epoch ms). Adds the charge and sets the expiry (a `total`
 * budget's is pushed back by every charge). Returns the new spend, as a string.
 */
export const CHARGE_SCRIPT = `
local kind = redis.call('TYPE', KEYS[1])['ok']
if kind ~= 'none' and (kind ~= 'string' or not tonumber(redis.call('GET', KEYS[1]))) then
  redis.call('DEL', KEYS[1])
end
local spend = redis.call('INCRBYFLOAT', KEYS[1], ARGV[1])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return spend
`;

/**
 * KEYS: holds. ARGV: replica id, USD its requests hold ('0': none), entry ttl ms. Replaces the
 * replica's entry with its current total (a total, not a change: sending it again, or after a
 * failed send, is harmless). The hash outlives every entry: each write gives it the ttl anew.
 */
export const HOLD_SCRIPT = `${CLOCK}
if redis.call('TYPE', KEYS[1])['ok'] ~= 'hash' then redis.call('DEL', KEYS[1]) end
local usd = tonumber(ARGV[2])
if usd and usd > 0 then
  local ttl = tonumber(ARGV[3])
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2] .. ' ' .. string.format('%d', now + ttl))
  if redis.call('PTTL', KEYS[1]) < ttl then redis.call('PEXPIRE', KEYS[1], ttl) end
else
  redis.call('HDEL', KEYS[1], ARGV[1])
end
return 1
`;

/**
 * KEYS: spend, holds. Returns {spend, replica, USD, replica, USD, ...}: the period's spend ('0'
 * without any) and the holds whose entries have not expired, all as strings (a Lua number would
 * come back truncated to an integer). Expired entries (a replica that died) are deleted.
 */
export const READ_SCRIPT = `${CLOCK}
local spend = '0'
if redis.call('TYPE', KEYS[1])['ok'] == 'string' then spend = redis.call('GET', KEYS[1]) end
local out = {spend}
if redis.call('TYPE', KEYS[2])['ok'] == 'hash' then
  local entries = redis.call('HGETALL', KEYS[2])
  local ended = {}
  for i = 1, #entries, 2 do
    local usd, expires = string.match(entries[i + 1], '^(%S+) (%d+)$')
    if usd and tonumber(usd) and tonumber(expires) > now then
      out[#out + 1] = entries[i]
      out[#out + 1] = usd
    else
      ended[#ended + 1] = entries[i]
    end
  end
  if #ended > 0 then redis.call('HDEL', KEYS[2], unpack(ended)) end
end
return out
`;
