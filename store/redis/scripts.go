package redis

import goredis "github.com/redis/go-redis/v9"

// Lua scripts. Each runs atomically on the server (EVALSHA, falling back to
// EVAL when the server has not cached it yet). Every key a script touches
// is passed in KEYS and shares the store's hash tag, so the scripts are
// legal on Redis Cluster too.
//
// Values are strings throughout: numbers are formatted by Go and compared
// as strings, so Lua's doubles never round a version or an id.

// commitScript writes one store.Tx: check everything, then write
// everything, so a failed check writes nothing.
//
// KEYS: 1 seen, 2 incidents, 3 incident versions, 4 open index,
// 5 the incident's timeline, 6 outbox, 7 outbox order, 8 outbox counter,
// 9 timers, 10 due index, 11 ready index, 12 timer meta, 13 kv, 14 epoch,
// 15 the sequence Tx.TakeID names (a dummy key when none).
//
// ARGV: 1 time recorded for seen keys, 2 "1" when the tx has an incident,
// 3 incident id, 4 expected version, 5 new version, 6 incident JSON (already
// carrying the new version), 7 "1" when the incident is open, 8 the
// store's epoch, 9 the sequence's expected last number ("" when the tx
// takes none), 10 the number taken (the incident id); then six sections,
// each led by its item count: seen keys; events as (seq, JSON); outbox
// messages as the JSON after `{"id":""`; timer ids to cancel; timers to
// set as (id, due key, JSON); kv puts as (key, value).
//
// Returns {"ok", outbox ids…}, {"wiped", stored epoch or ""},
// {"duplicate", key}, {"conflict", stored version}, {"taken", the
// sequence's last number} or {"event", seq}.
var commitScript = goredis.NewScript(`
local epoch = redis.call('GET', KEYS[14])
if epoch ~= ARGV[8] then
  return {'wiped', epoch or ''}
end

local i = 11
local nseen = tonumber(ARGV[i]); i = i + 1
local seen0 = i
for j = 0, nseen - 1 do
  if redis.call('HEXISTS', KEYS[1], ARGV[seen0 + j]) == 1 then
    return {'duplicate', ARGV[seen0 + j]}
  end
end
i = i + nseen

local nev = tonumber(ARGV[i]); i = i + 1
local ev0 = i
i = i + 2 * nev
local hasinc = ARGV[2] == '1'
if hasinc then
  local cur = redis.call('HGET', KEYS[3], ARGV[3])
  if not cur then cur = '0' end
  if cur ~= ARGV[4] then
    return {'conflict', cur}
  end
  if ARGV[9] ~= '' then
    local last = redis.call('GET', KEYS[15]) or '0'
    if last ~= ARGV[9] then
      return {'taken', last}
    end
  end
  local batch = {}
  for j = 0, nev - 1 do
    local seq = ARGV[ev0 + 2 * j]
    if batch[seq] or redis.call('ZCOUNT', KEYS[5], seq, seq) > 0 then
      return {'event', seq}
    end
    batch[seq] = true
  end
end

-- Every check passed; from here on only writes.
if ARGV[9] ~= '' then
  redis.call('SET', KEYS[15], ARGV[10])
end
if hasinc then
  redis.call('HSET', KEYS[2], ARGV[3], ARGV[6])
  redis.call('HSET', KEYS[3], ARGV[3], ARGV[5])
  if ARGV[7] == '1' then
    redis.call('ZADD', KEYS[4], ARGV[3], ARGV[3])
  else
    redis.call('ZREM', KEYS[4], ARGV[3])
  end
  for j = 0, nev - 1 do
    redis.call('ZADD', KEYS[5], ARGV[ev0 + 2 * j], ARGV[ev0 + 2 * j + 1])
  end
end

local res = {'ok'}
local nout = tonumber(ARGV[i]); i = i + 1
for j = 0, nout - 1 do
  local id = string.format('%d', redis.call('INCR', KEYS[8]))
  redis.call('HSET', KEYS[6], id, '{"id":"' .. id .. '"' .. ARGV[i + j])
  redis.call('ZADD', KEYS[7], id, id)
  res[#res + 1] = id
end
i = i + nout

local function deltimer(id)
  local m = redis.call('HGET', KEYS[12], id)
  if m then
    redis.call('ZREM', KEYS[10], string.sub(m, 1, 20) .. id)
    redis.call('ZREM', KEYS[11], string.sub(m, 21, 40) .. id)
    redis.call('HDEL', KEYS[12], id)
  end
  redis.call('HDEL', KEYS[9], id)
end

local ncancel = tonumber(ARGV[i]); i = i + 1
for j = 0, ncancel - 1 do
  deltimer(ARGV[i + j])
end
i = i + ncancel

local nset = tonumber(ARGV[i]); i = i + 1
for j = 0, nset - 1 do
  local id, due, js = ARGV[i + 3 * j], ARGV[i + 3 * j + 1], ARGV[i + 3 * j + 2]
  deltimer(id)
  redis.call('HSET', KEYS[9], id, js)
  redis.call('ZADD', KEYS[10], 0, due .. id)
  redis.call('ZADD', KEYS[11], 0, due .. id)
  redis.call('HSET', KEYS[12], id, due .. due)
end
i = i + 3 * nset

local nput = tonumber(ARGV[i]); i = i + 1
for j = 0, nput - 1 do
  local k, v = ARGV[i + 2 * j], ARGV[i + 2 * j + 1]
  if v == '' then
    redis.call('HDEL', KEYS[13], k)
  else
    redis.call('HSET', KEYS[13], k, v)
  end
end

for j = 0, nseen - 1 do
  redis.call('HSET', KEYS[1], ARGV[seen0 + j], ARGV[1])
end
return res
`)

// claimScript leases up to limit ready timers to one owner. The ready
// index orders timers by max(due, lease expiry), so everything at or
// before now is claimable and leased timers are never scanned.
//
// KEYS: 1 timers, 2 ready index, 3 timer meta, 4 epoch.
// ARGV: 1 exclusive upper bound of ready members ("(" + key(now+1ns)),
// 2 key(now+lease), 3 owner, 4 limit, 5 the store's epoch.
//
// Returns {"ok", the claimed timers' JSON in ready order…}, or {"wiped",
// stored epoch or ""} claiming nothing.
var claimScript = goredis.NewScript(`
local epoch = redis.call('GET', KEYS[4])
if epoch ~= ARGV[5] then
  return {'wiped', epoch or ''}
end
local items = redis.call('ZRANGEBYLEX', KEYS[2], '-', ARGV[1], 'LIMIT', 0, ARGV[4])
local out = {'ok'}
for _, m in ipairs(items) do
  local id = string.sub(m, 21)
  redis.call('ZREM', KEYS[2], m)
  local meta = redis.call('HGET', KEYS[3], id)
  local js = redis.call('HGET', KEYS[1], id)
  if meta and js then
    local due = string.sub(meta, 1, 20)
    local r = ARGV[2]
    if due > r then r = due end
    redis.call('ZADD', KEYS[2], 0, r .. id)
    redis.call('HSET', KEYS[3], id, due .. r .. ARGV[3])
    out[#out + 1] = js
  end
end
return out
`)

// epochScript creates the epoch key KEYS[1] with value ARGV[1] unless it
// exists, and returns the value it holds afterwards.
var epochScript = goredis.NewScript(`
redis.call('SET', KEYS[1], ARGV[1], 'NX')
return redis.call('GET', KEYS[1])
`)

// fetchScript reads an index and the values it points at in one atomic
// step: ZRANGE KEYS[1] ARGV[1] ARGV[2], then HGET KEYS[2] of each member
// with its first ARGV[3] characters cut off. Missing values are skipped.
var fetchScript = goredis.NewScript(`
local ms = redis.call('ZRANGE', KEYS[1], ARGV[1], ARGV[2])
local cut = tonumber(ARGV[3])
local out = {}
for _, m in ipairs(ms) do
  local v = redis.call('HGET', KEYS[2], string.sub(m, cut + 1))
  if v then out[#out + 1] = v end
end
return out
`)

// updateScript sets field ARGV[1] of hash KEYS[1] to ARGV[2] only if the
// field exists.
var updateScript = goredis.NewScript(`
if redis.call('HEXISTS', KEYS[1], ARGV[1]) == 1 then
  redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
end
return 0
`)
