// Lua scripts of RedisPresenceStore. Every script gets KEYS[1] = the key base "{<prefix>:presence}"
// and builds its other keys from it: they all carry the same hash tag, so on Redis Cluster every
// key a script touches lives in one slot and the script runs atomically on one node.
//
// Keys under the base B:
//   B:u:<userId>            hash socketId -> connection JSON (written by Node, only read here)
//   B:st:<userId>           hash socketId -> state JSON
//   B:sr:<socketId>         set of the socket's rooms
//   B:r:<nsLen>:<ns>:<room> hash socketId -> "<connection JSON>\n<state JSON>" (room members,
//                           denormalised so that a 10,000-member room is one HVALS)
//   B:rc:<nsLen>:<ns>:<room> hash userId -> connections in the room
//   B:online                sorted set of online user ids (score 0: ordered by id, for paging)
//   B:i:<instanceId>        hash socketId -> userId (what a sweeper removes when the instance dies)
//   B:instances             set of instance ids
//   B:hb:<instanceId>       heartbeat, expires after ttlMs
// Lua never re-encodes app data (cjson would round numbers), it only decodes connection JSON to
// read instanceId and namespace.

const ROOM_HELPERS = `
local B = KEYS[1]
local function roomKey(ns, room) return B .. ':r:' .. #ns .. ':' .. ns .. ':' .. room end
local function countKey(ns, room) return B .. ':rc:' .. #ns .. ':' .. ns .. ':' .. room end
local function memberValue(sid, uid)
  local state = redis.call('HGET', B .. ':st:' .. uid, sid) or ''
  return redis.call('HGET', B .. ':u:' .. uid, sid) .. '\\n' .. state
end
local function roomAdd(ns, room, sid, uid)
  redis.call('HSET', roomKey(ns, room), sid, memberValue(sid, uid))
  if redis.call('HINCRBY', countKey(ns, room), uid, 1) == 1 then return 1 end
  return 0
end
local function roomRemove(ns, room, sid, uid)
  if redis.call('HDEL', roomKey(ns, room), sid) == 0 then return 0 end
  local ck = countKey(ns, room)
  if redis.call('HINCRBY', ck, uid, -1) <= 0 then
    redis.call('HDEL', ck, uid)
    return 1
  end
  return 0
end
`;

const REMOVE_HELPERS = `
local function removeConn(uid, sid)
  local ukey = B .. ':u:' .. uid
  local raw = redis.call('HGET', ukey, sid)
  if not raw then return false end
  local c = cjson.decode(raw)
  redis.call('HDEL', ukey, sid)
  redis.call('HDEL', B .. ':st:' .. uid, sid)
  redis.call('HDEL', B .. ':i:' .. c.instanceId, sid)
  local srk = B .. ':sr:' .. sid
  local rooms = redis.call('SMEMBERS', srk)
  local left = {}
  for _, room in ipairs(rooms) do
    if roomRemove(c.namespace, room, sid, uid) == 1 then table.insert(left, room) end
  end
  redis.call('DEL', srk)
  local offline = 0
  if redis.call('EXISTS', ukey) == 0 then
    redis.call('ZREM', B .. ':online', uid)
    offline = 1
  end
  return { offline, raw, left, rooms }
end
`;

const DRAIN_HELPERS = `
local function drain(iid, limit, out)
  local ikey = B .. ':i:' .. iid
  -- Follow the cursor: after deletions the first buckets are empty, a page can be empty too.
  local cursor = '0'
  repeat
    local page = redis.call('HSCAN', ikey, cursor, 'COUNT', 100)
    cursor = page[1]
    local kv = page[2]
    for i = 1, #kv, 2 do
      if #out >= limit then break end
      local r = removeConn(kv[i + 1], kv[i])
      redis.call('HDEL', ikey, kv[i])
      if r then table.insert(out, r) end
    end
  until cursor == '0' or #out >= limit
  if redis.call('EXISTS', ikey) == 0 and redis.call('EXISTS', B .. ':hb:' .. iid) == 0 then
    redis.call('SREM', B .. ':instances', iid)
  end
end
`;

// Each script carries only the helpers it calls, without indentation: every call sends the whole
// text (EVAL), the batch script once per event-loop turn.
const lua = (...parts: string[]) => parts.join('\n').replace(/^[ \t]+/gm, '');
const script = (body: string) => lua(ROOM_HELPERS, body);
const removing = (body: string) => lua(ROOM_HELPERS, REMOVE_HELPERS, body);
const draining = (body: string) => lua(ROOM_HELPERS, REMOVE_HELPERS, DRAIN_HELPERS, body);

export const PresenceScripts = {
  /**
   * The membership changes (connect, disconnect, join, leave) of one event-loop turn, applied in
   * order in one call. ARGV is a run of operations, each a letter and its arguments:
   *   c userId socketId instanceId connectionJson namespace maxConnections roomCount rooms...
   *       -> { online (1/0, -1 = refused: the user has maxConnections already), joinedRooms }
   *   d userId socketId -> the removed connection, or 0 when it was not there
   *   j userId socketId namespace room -> 1 when the user's first connection in the room
   *   l userId socketId namespace room -> 1 when the user has no connection left in the room
   * Returns one result per operation.
   */
  batch: removing(`
local function connect(uid, sid, iid, json, ns, max, rooms)
  local ukey = B .. ':u:' .. uid
  local live = redis.call('HLEN', ukey)
  if max > 0 and live >= max and redis.call('HEXISTS', ukey, sid) == 0 then return { -1, {} } end
  local online = 0
  if live == 0 then online = 1 end
  redis.call('HSET', ukey, sid, json)
  redis.call('HSET', B .. ':i:' .. iid, sid, uid)
  redis.call('SADD', B .. ':instances', iid)
  redis.call('ZADD', B .. ':online', 0, uid)
  local joined = {}
  for _, room in ipairs(rooms) do
    if redis.call('SADD', B .. ':sr:' .. sid, room) == 1 and roomAdd(ns, room, sid, uid) == 1 then
      table.insert(joined, room)
    end
  end
  return { online, joined }
end
local function join(uid, sid, ns, room)
  if redis.call('HEXISTS', B .. ':u:' .. uid, sid) == 0 then return 0 end
  if redis.call('SADD', B .. ':sr:' .. sid, room) == 0 then return 0 end
  return roomAdd(ns, room, sid, uid)
end
local function leave(uid, sid, ns, room)
  if redis.call('SREM', B .. ':sr:' .. sid, room) == 0 then return 0 end
  return roomRemove(ns, room, sid, uid)
end
local out = {}
local i = 1
while i <= #ARGV do
  local op = ARGV[i]
  if op == 'c' then
    local n = tonumber(ARGV[i + 7])
    local rooms = {}
    for k = 1, n do rooms[k] = ARGV[i + 7 + k] end
    out[#out + 1] = connect(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4], ARGV[i + 5],
      tonumber(ARGV[i + 6]), rooms)
    i = i + 8 + n
  elseif op == 'd' then
    out[#out + 1] = removeConn(ARGV[i + 1], ARGV[i + 2]) or 0
    i = i + 3
  elseif op == 'j' then
    out[#out + 1] = join(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4])
    i = i + 5
  elseif op == 'l' then
    out[#out + 1] = leave(ARGV[i + 1], ARGV[i + 2], ARGV[i + 3], ARGV[i + 4])
    i = i + 5
  else
    return redis.error_reply('unknown presence operation ' .. tostring(op))
  end
end
return out`),

  /** ARGV: userId, socketId ('' = all of the user's), stateJson ('' = clear) -> { connectionJson, rooms }[] */
  setState: script(`
local uid, sid, state = ARGV[1], ARGV[2], ARGV[3]
local ukey, skey = B .. ':u:' .. uid, B .. ':st:' .. uid
local targets = {}
if sid == '' then
  local all = redis.call('HGETALL', ukey)
  for i = 1, #all, 2 do table.insert(targets, { all[i], all[i + 1] }) end
else
  local raw = redis.call('HGET', ukey, sid)
  if raw then targets = { { sid, raw } } end
end
local out = {}
for _, t in ipairs(targets) do
  if state == '' then redis.call('HDEL', skey, t[1]) else redis.call('HSET', skey, t[1], state) end
  local rooms = redis.call('SMEMBERS', B .. ':sr:' .. t[1])
  if #rooms > 0 then
    local ns = cjson.decode(t[2]).namespace
    local value = t[2] .. '\\n' .. state
    for _, room in ipairs(rooms) do redis.call('HSET', roomKey(ns, room), t[1], value) end
  end
  table.insert(out, { t[2], rooms })
end
return out`),

  /** ARGV: instanceId, ttlMs -> 1 when the heartbeat was still alive */
  heartbeat: lua(`
local B = KEYS[1]
local hb = B .. ':hb:' .. ARGV[1]
local alive = redis.call('EXISTS', hb)
redis.call('SET', hb, '1', 'PX', ARGV[2])
redis.call('SADD', B .. ':instances', ARGV[1])
return alive`),

  /** ARGV: selfInstanceId, limit -> removed connections of instances whose heartbeat expired */
  sweep: draining(`
local self, limit = ARGV[1], tonumber(ARGV[2])
local out = {}
for _, iid in ipairs(redis.call('SMEMBERS', B .. ':instances')) do
  if #out >= limit then break end
  if iid ~= self and redis.call('EXISTS', B .. ':hb:' .. iid) == 0 then drain(iid, limit, out) end
end
return out`),

  /** ARGV: instanceId, limit -> removed connections (graceful shutdown) */
  removeInstance: draining(`
redis.call('DEL', B .. ':hb:' .. ARGV[1])
local out = {}
drain(ARGV[1], tonumber(ARGV[2]), out)
return out`),
} as const;
