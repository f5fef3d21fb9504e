/**
 * The Lua behind RedisLimitCounters: one script per acquire, so checking every limit and counting
 * the request is one atomic round trip whichever replica sends it. Per counter key, three Redis keys:
 * - leases (sorted set: lease id → epoch ms it expires): the requests in flight. A lease is
 *   renewed while its request runs; a replica that dies stops renewing, and its slots free up.
 * - requests (sorted set: lease id → epoch ms admitted): the one-minute window for RPM and TPM.
 * - tokens (hash: lease id → tokens): what each request in the window counts against TPM; its
 *   release replaces the estimate with the actual usage.
 * - waiting (string, with an expiry): set by an acquire refused for a limit that a release may
 *   free (concurrency, tpm), for as long as the refused request may wait before it looks again.
 *   While it is there, a release publishes the freed key on the replicas' channel (FreedSlots),
 *   so a request queued on another replica looks again at once; while nobody waits, nothing is
 *   published.
 * The same rules as InMemoryLimitCounters, which says why each is so. Times are Redis' own clock
 * (TIME), so replicas whose clocks differ still agree on when a lease expires or a request leaves
 * the window; the replicas' clocks are used only by tests (ARGV now given).
 */

/** \`now\`: ARGV[1] if given (tests), else Redis' clock in ms. TIME before writes needs Redis 5+. */
const CLOCK = `
local now = tonumber(ARGV[1])
if not now then
  local t = redis.call('TIME')
  now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
`;

/** Reads a hash's fields in slices: Lua's unpack fails past a few thousand values. */
const HMGET_ALL = `
local function hmget_all(key, fields)
  local out = {}
  for i = 1, #fields, 1000 do
    local part = redis.call('HMGET', key, unpack(fields, i, math.min(i + 999, #fields)))
    for j = 1, #part do out[#out + 1] = part[j] end
  end
  return out
end
`;

/**
 * Marks the key as waited on for `ms` more (never less than it already is), when the refused
 * request will wait (ARGV[10] '1'): one answered 429 at once (a gateway key's, a request with a
 * fallback to try, a full queue) leaves no one for a release to wake. The refused request looks
 * again within its retry-after; the 2 s on top cover a busy replica and the round trip.
 */
const MARK_WAITING = `
local function mark_waiting(ms)
  if ARGV[10] ~= '1' then return end
  ms = ms + 2000
  if redis.call('PTTL', KEYS[4]) < ms then redis.call('SET', KEYS[4], '1', 'PX', ms) end
end
`;

/**
 * KEYS: leases, requests, tokens, waiting. ARGV: now ('': Redis' clock), lease id, tokens, concurrency, rpm, tpm (-1: no such
 * limit), lease ttl ms, window ms, key ttl ms, '1' if the request waits when refused (else '').
 * Returns {1, leases in flight} when admitted, {0, retry-after ms, limit} when not.
 */
export const ACQUIRE_SCRIPT = `${HMGET_ALL}${CLOCK}${MARK_WAITING}
-- A key of another type under these names (a stray write, another layout) would fail every acquire
-- on it, and each failure makes the replica leave Redis alone for every key: it is replaced.
local kinds = {'zset', 'zset', 'hash'}
for i = 1, 3 do
  local kind = redis.call('TYPE', KEYS[i])['ok']
  if kind ~= 'none' and kind ~= kinds[i] then redis.call('DEL', KEYS[i]) end
end
local window = tonumber(ARGV[8])
local since = now - window
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
local old = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', since)
if #old > 0 then
  redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', since)
  for i = 1, #old, 1000 do
    redis.call('HDEL', KEYS[3], unpack(old, i, math.min(i + 999, #old)))
  end
end
local concurrency = tonumber(ARGV[4])
if concurrency >= 0 and redis.call('ZCARD', KEYS[1]) >= concurrency then
  mark_waiting(1000)
  return {0, 1000, 'concurrency'}
end
local rpm = tonumber(ARGV[5])
if rpm >= 0 then
  local n = redis.call('ZCARD', KEYS[2])
  if n >= rpm then
    local at = redis.call('ZRANGE', KEYS[2], n - rpm, n - rpm, 'WITHSCORES')
    if #at < 2 then return {0, window, 'rpm'} end
    return {0, tonumber(at[2]) + window - now, 'rpm'}
  end
end
local tokens = tonumber(ARGV[3])
local tpm = tonumber(ARGV[6])
if tpm >= 0 then
  local entries = redis.call('ZRANGE', KEYS[2], 0, -1, 'WITHSCORES')
  if #entries > 0 then
    local ids = {}
    for i = 1, #entries, 2 do ids[#ids + 1] = entries[i] end
    local counts = hmget_all(KEYS[3], ids)
    local used = 0
    for i = 1, #counts do used = used + (tonumber(counts[i]) or 0) end
    if used > 0 and used + tokens > tpm then
      local freed = 0
      local retry = window
      for i = 1, #counts do
        freed = freed + (tonumber(counts[i]) or 0)
        if used - freed + tokens <= tpm then
          retry = tonumber(entries[2 * i]) + window - now
          break
        end
      end
      -- A release whose actual usage is below its estimate makes room before that.
      mark_waiting(retry)
      return {0, retry, 'tpm'}
    end
  end
end
local id = ARGV[2]
local ttl = tonumber(ARGV[9])
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[7]), id)
redis.call('ZADD', KEYS[2], now, id)
redis.call('HSET', KEYS[3], id, tokens)
redis.call('PEXPIRE', KEYS[1], ttl)
redis.call('PEXPIRE', KEYS[2], ttl)
redis.call('PEXPIRE', KEYS[3], ttl)
return {1, redis.call('ZCARD', KEYS[1])}
`;

/**
 * KEYS: leases, requests, tokens, waiting. ARGV: lease id, actual tokens ('' when unknown), channel,
 * message. Frees the slot; the request stays in the window, with its actual usage if known. If a
 * request may be waiting for room under this key, on any replica, says so on the channel.
 */
export const RELEASE_SCRIPT = `
redis.call('ZREM', KEYS[1], ARGV[1])
if ARGV[2] ~= '' and redis.call('ZSCORE', KEYS[2], ARGV[1]) then
  redis.call('HSET', KEYS[3], ARGV[1], ARGV[2])
end
if redis.call('EXISTS', KEYS[4]) == 1 then
  -- pcall: a Redis user refused the channel (ACL) still releases; the waiters' timers wake them.
  redis.pcall('PUBLISH', ARGV[3], ARGV[4])
end
return 1
`;

/**
 * KEYS: leases. ARGV: now ('': Redis' clock), lease ttl ms, key ttl ms, lease ids.
 * Pushes back the expiry of the leases still there. Returns {the new expiry, the ids no longer
 * there}: Redis lost them (an outage past their ttl, a restart), or they were released. Not
 * re-added here: only the replica can tell a lost lease from a released one (see
 * RedisLimitCounters.renewLeases), and this script may run after a release sent later (sent again
 * whole after NOSCRIPT, as after a restart of Redis).
 */
export const RENEW_SCRIPT = `${CLOCK}
local expires = now + tonumber(ARGV[2])
local missing = {}
for i = 4, #ARGV do
  if redis.call('ZSCORE', KEYS[1], ARGV[i]) then
    redis.call('ZADD', KEYS[1], 'XX', expires, ARGV[i])
  else
    missing[#missing + 1] = ARGV[i]
  end
end
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return {expires, missing}
`;
