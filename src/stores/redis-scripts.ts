/**
 * The Lua scripts behind the Redis store. Redis runs a script atomically (no other command
 * interleaves), so each of these is one indivisible step. Every script names exactly one key
 * (KEYS[1], the session's hash), which keeps it legal on Redis Cluster: a script may only touch
 * keys of one hash slot.
 *
 * Layout of a session hash: data fields are `d:<session key>`, metadata fields are `m:<name>`.
 * The prefixes keep a data key such as `m:exp` or `__proto__` from ever meeting a metadata field.
 */

/**
 * Hash field prefix of session data.
 *
 * @example
 * await redis.hget(store.recordKey(key), DATA_FIELD + 'username'); // '"ada"'
 */
export const DATA_FIELD = 'd:';
/**
 * Metadata fields. `m:user` is absent when the session is bound to nobody.
 *
 * @example
 * await redis.hget(store.recordKey(key), META.expiresAt); // '1767225600000'
 */
export const META = {
  expiresAt: 'm:exp',
  createdAt: 'm:created',
  lastSeenAt: 'm:seen',
  userId: 'm:user',
  userAgent: 'm:ua',
} as const;

// Lua's unpack() fails past a few thousand values ("too many results to unpack"), so big
// sessions are written and deleted in slices.
const CHUNKED_HELPERS = `
local function hset_from(key, args, first)
  local i = first
  while i <= #args do
    local last = math.min(i + 999, #args)
    redis.call('HSET', key, unpack(args, i, last))
    i = last + 1
  end
end
local function hdel_list(key, fields)
  local i = 1
  while i <= #fields do
    local last = math.min(i + 999, #fields)
    redis.call('HDEL', key, unpack(fields, i, last))
    i = last + 1
  end
end
local function live(key, now)
  local exp = redis.call('HGET', key, '${META.expiresAt}')
  return exp and tonumber(exp) > tonumber(now)
end
`;

/**
 * SET NX for a hash: refuses (0) when the key exists, else writes every field and the native TTL.
 * ARGV: expiresAt, then field/value pairs.
 *
 * @example
 * client.defineCommand('cloakroomCreate', { numberOfKeys: 1, lua: CREATE_SCRIPT });
 */
export const CREATE_SCRIPT = `${CHUNKED_HELPERS}
if redis.call('EXISTS', KEYS[1]) == 1 then return 0 end
hset_from(KEYS[1], ARGV, 2)
redis.call('PEXPIREAT', KEYS[1], ARGV[1])
return 1
`;

/**
 * SET XX for a hash, field by field: fails (0) when the record is gone or expired by the app's
 * clock, so a request racing a logout cannot bring the session back. Otherwise removes the unset
 * fields (or, with replace, every data field), writes the set fields and the metadata, and moves
 * the native TTL. Returns {1, previous user ID or false} so the caller can fix the user indexes.
 * ARGV: now, expiresAt, lastSeenAt, replace ('1'|'0'), user mode ('keep'|'null'|'set'), user ID,
 * number of unset fields, the unset fields, then field/value pairs to set.
 *
 * @example
 * client.defineCommand('cloakroomUpdate', { numberOfKeys: 1, lua: UPDATE_SCRIPT });
 */
export const UPDATE_SCRIPT = `${CHUNKED_HELPERS}
if not live(KEYS[1], ARGV[1]) then return 0 end
local previous = redis.call('HGET', KEYS[1], '${META.userId}')
if ARGV[4] == '1' then
  local doomed = {}
  for _, field in ipairs(redis.call('HKEYS', KEYS[1])) do
    if string.sub(field, 1, 2) == '${DATA_FIELD}' then doomed[#doomed + 1] = field end
  end
  hdel_list(KEYS[1], doomed)
end
local unsetCount = tonumber(ARGV[7])
if unsetCount > 0 then
  local unset = {}
  for i = 8, 7 + unsetCount do unset[#unset + 1] = ARGV[i] end
  hdel_list(KEYS[1], unset)
end
hset_from(KEYS[1], ARGV, 8 + unsetCount)
redis.call('HSET', KEYS[1], '${META.expiresAt}', ARGV[2], '${META.lastSeenAt}', ARGV[3])
if ARGV[5] == 'set' then
  redis.call('HSET', KEYS[1], '${META.userId}', ARGV[6])
elseif ARGV[5] == 'null' then
  redis.call('HDEL', KEYS[1], '${META.userId}')
end
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return {1, previous}
`;

/**
 * Moves expiry and last-seen of a live record without touching its data. ARGV: now, expiresAt, lastSeenAt.
 *
 * @example
 * client.defineCommand('cloakroomTouch', { numberOfKeys: 1, lua: TOUCH_SCRIPT });
 */
export const TOUCH_SCRIPT = `${CHUNKED_HELPERS}
if not live(KEYS[1], ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], '${META.expiresAt}', ARGV[2], '${META.lastSeenAt}', ARGV[3])
redis.call('PEXPIREAT', KEYS[1], ARGV[2])
return 1
`;

/**
 * Deletes the record and returns the user it was bound to (or false), for the index cleanup.
 *
 * @example
 * client.defineCommand('cloakroomDestroy', { numberOfKeys: 1, lua: DESTROY_SCRIPT });
 */
export const DESTROY_SCRIPT = `
local user = redis.call('HGET', KEYS[1], '${META.userId}')
redis.call('DEL', KEYS[1])
return user
`;

/**
 * Deletes the record only when it is still bound to ARGV[1]: an index entry can outlive a
 * rebinding, and revoking one user's sessions must never end another user's. Returns 1 when deleted.
 *
 * @example
 * client.defineCommand('cloakroomDestroyIfOwned', { numberOfKeys: 1, lua: DESTROY_IF_OWNED_SCRIPT });
 */
export const DESTROY_IF_OWNED_SCRIPT = `
if redis.call('HGET', KEYS[1], '${META.userId}') == ARGV[1] then
  redis.call('DEL', KEYS[1])
  return 1
end
return 0
`;
