/**
 * Lua run atomically inside Redis. Time comes from Redis (`TIME`), never from an instance, so
 * entries lapse alike for every instance whatever their clocks say.
 */

const PRELUDE = `
local function now_ms()
  local t = redis.call('TIME')
  return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
end
-- Drops the fields of hash h whose expiry in index z has come (gone once now >= expiry, like PX).
local function purge(h, z, now)
  local expired = redis.call('ZRANGEBYSCORE', z, '-inf', now)
  for i = 1, #expired, 500 do
    redis.call('HDEL', h, unpack(expired, i, math.min(i + 499, #expired)))
  end
  if #expired > 0 then redis.call('ZREMRANGEBYSCORE', z, '-inf', now) end
end
-- Both keys expire with their last field, so nothing outlives the longest TTL asked for.
local function bound(h, z)
  local last = redis.call('ZRANGE', z, -1, -1, 'WITHSCORES')
  if #last == 0 then
    redis.call('DEL', h, z)
  else
    redis.call('PEXPIREAT', h, last[2])
    redis.call('PEXPIREAT', z, last[2])
  end
end
`

/**
 * KEYS: hash, index. ARGV: field, amount, ttl, serverId, mode (`add`: add the amount to the owner's
 * count; `set`: make it the owner's count). Returns the server's total over live owners.
 */
export const ADD_IN_FLIGHT = `${PRELUDE}
local h, z = KEYS[1], KEYS[2]
local now = now_ms()
purge(h, z, now)
local count
if ARGV[5] == 'set' then
  count = tonumber(ARGV[2])
  if count > 0 then redis.call('HSET', h, ARGV[1], count) end
else
  count = redis.call('HINCRBY', h, ARGV[1], ARGV[2])
end
if count <= 0 then
  redis.call('HDEL', h, ARGV[1])
  redis.call('ZREM', z, ARGV[1])
else
  redis.call('ZADD', z, now + tonumber(ARGV[3]), ARGV[1])
end
bound(h, z)
local total = 0
local all = redis.call('HGETALL', h)
for i = 1, #all, 2 do
  if cjson.decode(all[i])[1] == ARGV[4] then total = total + tonumber(all[i + 1]) end
end
return total
`

/** KEYS: hash, index. ARGV: field, value, ttl, [channel]. Sets one lapsing field; publishes the value if given a channel. */
export const SET_FIELD = `${PRELUDE}
local h, z = KEYS[1], KEYS[2]
local now = now_ms()
purge(h, z, now)
redis.call('HSET', h, ARGV[1], ARGV[2])
redis.call('ZADD', z, now + tonumber(ARGV[3]), ARGV[1])
bound(h, z)
if ARGV[4] then redis.call('PUBLISH', ARGV[4], ARGV[2]) end
return 1
`

/** KEYS: hash, index. Returns { now, [field, value, expiresAt]... } for live fields. */
export const READ_FIELDS = `${PRELUDE}
local h, z = KEYS[1], KEYS[2]
local now = now_ms()
purge(h, z, now)
local out = { now }
local all = redis.call('HGETALL', h)
for i = 1, #all, 2 do
  out[#out + 1] = all[i]
  out[#out + 1] = all[i + 1]
  out[#out + 1] = redis.call('ZSCORE', z, all[i])
end
return out
`

/** KEYS: lock. Returns { value, pttl } while the lock is held. */
export const READ_LOCK = `
local value = redis.call('GET', KEYS[1])
if not value then return nil end
return { value, redis.call('PTTL', KEYS[1]) }
`

/** KEYS: lock. ARGV: ownerId. Deletes the lock only if that owner holds it. */
export const RELEASE_LOCK = `
local value = redis.call('GET', KEYS[1])
if not value then return 0 end
local ok, lock = pcall(cjson.decode, value)
if ok and type(lock) == 'table' and lock.ownerId == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`

/** KEYS: lease. ARGV: ownerId, ttl. Takes the lease if free, renews it if the owner holds it. */
export const TRY_LEASE = `
local holder = redis.call('GET', KEYS[1])
if holder == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if holder then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return 1
`
