#!lua
-- The shebang makes this a flagged script: without `allow-oom`, Redis refuses the whole call when
-- it is over `maxmemory` (503 redis_unavailable, details.reason OutOfMemoryError) instead of
-- failing at a write halfway through it.
-- Records groups of events (one group = one accepted request of one visitor) in one call, so a
-- request costs one round trip and concurrent requests' writes can share it (events/recorder.py).
-- Keys are built here from the prefix; the layout is documented in the service README and the
-- names mirror portfolio_analytics/keys.py. Not cluster-safe (keys are not declared): one Redis.
--
-- ARGV[1]: prefix; ARGV[2]: JSON {"cfg": {...}, "groups": [{"v", "now", "n", "ev": [...]}]}.
-- Returns one integer per group: 0 refused by the visitor's or the address's token bucket, 1
-- recorded under `v`, 2 recorded under `vo` (yesterday's id). An event's raw JSON is
-- `rh .. visitor .. rt`.

local P = ARGV[1]
local payload = cjson.decode(ARGV[2])
local cfg = payload.cfg
local WINDOW = cfg.window_ms
local ttl = {}  -- key -> seconds, applied once at the end

local function keep(key, seconds)
  ttl[key] = seconds
end

-- Counter increments, sorted-set increments and HyperLogLog members are summed over the whole call
-- and written once per key and field (or member) at the end: a call carries many requests, and
-- most touch the same counters (the day's page views and visitors, the hour's topics). Nothing in
-- this script reads them back, so the stored result is the same as writing each at once.
local hash_incr, zset_incr, hll_add = {}, {}, {}
-- Distinct members a call adds per sorted set, and the day and set name of each daily set whose
-- members also go to the periods (written with the day's decision on the cap).
local zset_new, period_source = {}, {}
local OTHER = cfg.other

local function hincr(key, field, n)
  local fields = hash_incr[key]
  if fields == nil then fields = {}; hash_incr[key] = fields end
  fields[field] = (fields[field] or 0) + n
end

local function zincr(key, member, by)
  local members = zset_incr[key]
  if members == nil then members = {}; zset_incr[key] = members end
  local n = members[member]
  if n == nil then zset_new[key] = (zset_new[key] or 0) + 1; n = 0 end
  members[member] = n + (by or 1)
end

local function pfadd(key, member)
  local members = hll_add[key]
  if members == nil then members = {}; hll_add[key] = members end
  members[member] = true
end

-- Calls a variadic command with `args` after `head`, at most 1,000 at a time (Lua's unpack is
-- bounded).
local function in_chunks(head, args)
  for i = 1, #args, 1000 do
    local chunk = {unpack(head)}
    for j = i, math.min(#args, i + 999) do chunk[#chunk + 1] = args[j] end
    redis.call(unpack(chunk))
  end
end

-- Every write below goes to a scope's key space: the site's (P) or, per ADR 13, a filter value's
-- copy `{P}:f:{kind}:{vid}` (the same layout under a longer prefix, so the readers' scripts read
-- it as they read the site's). `B` is that base prefix.
local function day_key(day, B)
  local k = (B or P) .. ':day:' .. day
  keep(k, cfg.day_ttl)
  return k
end

-- Period keys ({p}:period:7d:{day}:{set}) exist once a reader merged that period on that day
-- (metrics/period_read.lua); from then on each event of the day is added to them too.
local period_keys = {}
local function existing_periods(day, name)
  local id = day .. ':' .. name
  local found = period_keys[id]
  if found == nil then
    found = {}
    for _, period in ipairs(cfg.periods) do
      local k = P .. ':period:' .. period .. ':' .. id
      if redis.call('EXISTS', k) == 1 then found[#found + 1] = k end
    end
    period_keys[id] = found
  end
  return found
end

local function day_set(day, name, member, by, B)
  local k = (B or P) .. ':day:' .. day .. ':' .. name
  zincr(k, member, by)
  keep(k, cfg.set_ttl[name] or cfg.day_ttl)
  -- Only the site's sets feed the period keys (there are none per filter value).
  if (B == nil or B == P) and name ~= 'topics' and period_source[k] == nil then period_source[k] = {day, name} end
end

-- Adds `members` (member -> n) to `key`, at most cfg.distinct members per set: once it is full a
-- member it does not hold counts as OTHER. Returns what was added. The check costs one ZCARD per
-- set and call, and a ZSCORE per member only when the call's new members might not fit.
-- A negative n (a visit's exit page moving on) takes back what an earlier call added: from the
-- member when the set holds it (a set that has room now had room then), else from OTHER.
local function add_capped(key, members)
  local room = cfg.distinct - redis.call('ZCARD', key)
  if zset_new[key] <= room then
    for member, n in pairs(members) do
      if n ~= 0 then redis.call('ZINCRBY', key, n, member) end
    end
    return members
  end
  local added, other = {}, 0
  for member, n in pairs(members) do
    local known = redis.call('ZSCORE', key, member)
    if n == 0 then
      -- nothing to write
    elseif n < 0 and not known then
      other = other + n
    elseif known or room > 0 then
      if not known then room = room - 1 end
      redis.call('ZINCRBY', key, n, member)
      added[member] = n
    else
      other = other + n
    end
  end
  if other ~= 0 then
    redis.call('ZINCRBY', key, other, OTHER)
    added[OTHER] = (added[OTHER] or 0) + other
  end
  return added
end

local function hour_set(hour, name, member, B)
  local k = (B or P) .. ':hour:' .. hour .. ':' .. name
  zincr(k, member)
  keep(k, cfg.hour_ttl)
end

-- Filter scopes (ADR 13). A value's id is the first 16 hex digits of its SHA-1 (keys.filter_value_id
-- computes the same for a reader). A day admits copies for at most cfg.filter_values values of a
-- kind, first come first served: `{P}:day:{day}:f:{kind}` holds the admitted ids (one SCARD per
-- new scope and call, a SISMEMBER only once it may be full); a refused value marks the day in
-- `{P}:day:{day}:f:capped` (kind -> 1) and gets no copy.
local admitted = {}
local function scope(day, kind, value)
  if value == nil or value == '' then return nil end
  local id = kind .. ':' .. string.sub(redis.sha1hex(value), 1, 16)
  local seen = admitted[day .. '|' .. id]
  if seen == nil then
    local reg = P .. ':day:' .. day .. ':f:' .. kind
    local vid = string.sub(id, #kind + 2)
    if redis.call('SCARD', reg) < cfg.filter_values then
      redis.call('SADD', reg, vid)
      keep(reg, cfg.day_ttl)
      seen = true
    else
      seen = redis.call('SISMEMBER', reg, vid) == 1
      if not seen then
        local ck = P .. ':day:' .. day .. ':f:capped'
        redis.call('HSET', ck, kind, 1)
        keep(ck, cfg.day_ttl)
      end
    end
    admitted[day .. '|' .. id] = seen
  end
  if seen then return id end
  return nil
end

-- A scope's key prefix from its id (`{kind}:{vid}`): keys.filter_scope.
local function base(id)
  return P .. ':f:' .. id
end

-- The scope ids of a visit on `day`: its referrer source, country and campaign (visit dimensions).
local function visit_scopes(day, visit)
  local out = {}
  local function add(id) if id then out[#out + 1] = id end end
  add(scope(day, 'source', visit.r))
  add(scope(day, 'country', visit.c))
  add(scope(day, 'campaign', visit.uc))
  return out
end

-- The scope ids an event matches on `day`: its page and its topics (event dimensions).
local function event_scopes(day, e)
  local out = {}
  local id = scope(day, 'page', e.p)
  if id then out[#out + 1] = id end
  if e.topics then
    for _, topic in ipairs(e.topics) do
      id = scope(day, 'topic', topic)
      if id then out[#out + 1] = id end
    end
  end
  return out
end

-- Counts a visit in scope B (its day vday): what a new visit counts in the site's keys.
local function count_visit(vday, visit, e, exit, views, B)
  local vk = day_key(vday, B)
  hincr(vk, 'visits', 1)
  if views == 1 then hincr(vk, 'bounces', 1) end
  -- A visit from before these were kept in its hash lacks them: counted, without its rows.
  if visit.r then day_set(vday, 'referrers', visit.r, 1, B) end
  if visit.c then
    day_set(vday, 'countries', visit.c, 1, B)
    if visit.cy then day_set(vday, 'cities', visit.c .. '/' .. visit.cy, 1, B) end
  end
  if visit.en then day_set(vday, 'entry', visit.en, 1, B) end
  if exit then day_set(vday, 'exit', exit, 1, B) end
  if e.br then
    day_set(vday, 'browsers', e.br, 1, B)
    day_set(vday, 'oses', e.os, 1, B)
    day_set(vday, 'devices', e.dv, 1, B)
  end
  if visit.us then day_set(vday, 'utm:source', visit.us, 1, B) end
  if visit.um then day_set(vday, 'utm:medium', visit.um, 1, B) end
  if visit.uc then day_set(vday, 'utm:campaign', visit.uc, 1, B) end
end

-- What one event adds to the copy under B: its counters, visitors and sets (not its visit's).
local function event_writes(e, v, B)
  local site = B == P
  local counters = day_key(e.d, B)
  if e.t == 'pageview' then
    hincr(counters, 'pageviews', 1)
    hincr(counters, 'pv:' .. string.sub(e.h, 12, 13), 1)
    local dv = B .. ':day:' .. e.d .. ':visitors'
    pfadd(dv, v)
    keep(dv, cfg.day_ttl)
    if site then
      for _, pk in ipairs(existing_periods(e.d, 'visitors')) do pfadd(pk, v) end
    end
    local hv = B .. ':hour:' .. e.h .. ':visitors'
    pfadd(hv, v)
    keep(hv, cfg.hour_ttl)
    day_set(e.d, 'pages', e.p, 1, B)
  end
  if e.paper then day_set(e.d, 'papers:viewed', e.paper, 1, B) end
  if e.topics then
    for _, topic in ipairs(e.topics) do
      day_set(e.d, 'topics', topic, 1, B)
      hour_set(e.h, 'topics', topic, B)
    end
  end
  if e.t == 'click' then
    hincr(counters, 'clicks', 1)
    if e.share then day_set(e.d, 'papers:shared', e.share, 1, B) end
  elseif e.t == 'search' then
    hincr(counters, 'searches', 1)
    day_set(e.d, 'queries', e.q, 1, B)
    hour_set(e.h, 'queries', e.q, B)
  elseif e.t == 'engagement' then
    hincr(counters, 'engaged_ms', e.ms)
    hincr(counters, 'engagements', 1)
  end
end

-- HMGET answers false for a missing field; an empty string is a field cleared.
local function field(value)
  if value and value ~= '' then return value end
  return nil
end

local results = {}
-- The earliest day this call writes: filter copies exist from the first one on (`{P}:f:since`).
local first_day = nil
local latest = 0
-- The active visitors' last event time and current page, written once at the end as well.
local active, active_pages = {}, {}

for gi, g in ipairs(payload.groups) do
  -- Just after midnight `vo` is the visitor's id under yesterday's salt: a visit still open under
  -- it goes on with it (events/privacy.py).
  local v, code = g.v, 1
  if g.vo then
    local last_old = tonumber(redis.call('HGET', P .. ':sess:' .. g.vo, 'l'))
    if last_old and g.now - last_old <= WINDOW then v, code = g.vo, 2 end
  end
  local now = g.now
  if now > latest then latest = now end

  -- The visitor's hash: the open visit (s, l, n, d) and the token bucket (t tokens, a refilled
  -- at), `burst` events at once, refilled at `rate` a second.
  local sk = P .. ':sess:' .. v
  -- The page and topic copies the visit was counted in are fields `v:{kind}:{vid}` (a list in one
  -- field would pass the 64 bytes a listpack value may hold and make the hash a hashtable).
  local fields, counted_before = {}, {}
  local stored = redis.call('HGETALL', sk)
  for i = 1, #stored, 2 do
    local name = stored[i]
    if string.sub(name, 1, 2) == 'v:' then
      counted_before[#counted_before + 1] = string.sub(name, 3)
    else
      fields[name] = stored[i + 1]
    end
  end
  local s = {fields.s, fields.l, fields.n, fields.d, fields.t, fields.a, fields.x,
    fields.fr, fields.fc, fields.fcy, fields.fuc, fields.fus, fields.fum, fields.fen}
  local tokens = tonumber(s[5]) or cfg.burst
  local at = tonumber(s[6]) or now
  tokens = math.min(cfg.burst, tokens + math.max(0, now - at) / 1000 * cfg.rate)
  -- The client address's budget, whatever its User-Agent says: `tokens|refilled at ms`.
  local ik = P .. ':ip:' .. g.ip
  local ib = redis.call('GET', ik)
  local itokens, iat = cfg.ip_burst, now
  if ib then
    local sep = string.find(ib, '|', 1, true)
    itokens, iat = tonumber(string.sub(ib, 1, sep - 1)), tonumber(string.sub(ib, sep + 1))
  end
  itokens = math.min(cfg.ip_burst, itokens + math.max(0, now - iat) / 1000 * cfg.ip_rate)
  if tokens < g.n or itokens < g.n then
    results[gi] = 0
  else
    redis.call('SET', ik, string.format('%.3f|%d', itokens - g.n, now), 'PX', cfg.ip_ttl_ms)
    local start, last, views, vday = tonumber(s[1]), tonumber(s[2]), tonumber(s[3]) or 0, s[4]
    -- The visit's exit page so far (its latest page view), counted in the visit day's `exit` set.
    local exit = field(s[7])
    local page = nil
    -- What the visit is counted under in the filter copies (ADR 13): its referrer source, country,
    -- city, campaign, UTM source and medium and entry page, kept from its first page view, and the
    -- page and topic scopes it was counted in so far (ids, space-separated).
    local visit = {r = field(s[8]), c = field(s[9]), cy = field(s[10]), uc = field(s[11]),
      us = field(s[12]), um = field(s[13]), en = field(s[14])}
    local counted, counted_ids = {}, {}
    for _, id in ipairs(counted_before) do
      counted[id] = true
      counted_ids[#counted_ids + 1] = id
    end
    -- A new visit in this request drops the previous visit's fields (the hash is written again).
    local restarted = false
    -- The copies a visit's own figures (bounce, duration, exit) go to besides the site's.
    local function visit_bases()
      local out = {}
      for _, id in ipairs(visit_scopes(vday, visit)) do out[#out + 1] = base(id) end
      for _, id in ipairs(counted_ids) do out[#out + 1] = base(id) end
      return out
    end

    for _, e in ipairs(g.ev) do
      local ts = e.ts
      local open = last ~= nil and ts - last <= WINDOW
      if first_day == nil or e.d < first_day then first_day = e.d end
      if e.t == 'pageview' then
        if not open then
          -- A new visit: its day owns its visit, bounce, duration, referrer and country.
          start, last, views, vday = ts, ts, 1, e.d
          visit = {r = e.ref, c = e.c, cy = e.city, uc = e.uc, us = e.us, um = e.um, en = e.p}
          counted, counted_ids = {}, {}
          restarted = true
          exit = e.p
          count_visit(vday, visit, e, exit, views, P)
          for _, id in ipairs(visit_scopes(vday, visit)) do count_visit(vday, visit, e, exit, views, base(id)) end
        else
          views = views + 1
          local bases = visit_bases()
          bases[#bases + 1] = P
          if views == 2 then
            for _, b in ipairs(bases) do hincr(day_key(vday, b), 'bounces', -1) end
          end
          -- The exit page moves on (a visit from before exits were kept has none: left alone).
          if exit and exit ~= e.p then
            for _, b in ipairs(bases) do
              day_set(vday, 'exit', exit, -1, b)
              day_set(vday, 'exit', e.p, 1, b)
            end
            exit = e.p
            -- A visit from yesterday: today's period keys hold its day too.
            if vday ~= e.d then period_source[P .. ':day:' .. vday .. ':exit'][3] = e.d end
          end
          for _, b in ipairs(bases) do hincr(day_key(vday, b), 'duration_ms', math.max(0, ts - last)) end
          last = math.max(last, ts)
        end
        page = e.p
      elseif open then
        -- Other events extend an open visit but never start one.
        local bases = visit_bases()
        bases[#bases + 1] = P
        for _, b in ipairs(bases) do hincr(day_key(vday, b), 'duration_ms', math.max(0, ts - last)) end
        last = math.max(last, ts)
      end

      -- The copies this event goes to: the site's, its visit's (outside a visit, its country's),
      -- and those of its page and topics; a page view counts its visit in the page and topic
      -- copies the visit was not counted in yet.
      local in_visit = open or e.t == 'pageview'
      local bases = {P}
      if in_visit then
        for _, id in ipairs(visit_scopes(e.d, visit)) do bases[#bases + 1] = base(id) end
      else
        local id = scope(e.d, 'country', e.c)
        if id then bases[#bases + 1] = base(id) end
      end
      for _, id in ipairs(event_scopes(e.d, e)) do
        bases[#bases + 1] = base(id)
        if e.t == 'pageview' and not counted[id] then
          counted[id] = true
          counted_ids[#counted_ids + 1] = id
          count_visit(vday, visit, e, exit, views, base(id))
        end
      end
      for _, b in ipairs(bases) do event_writes(e, v, b) end

      if e.t == 'click' and e.sid then
        -- Click-through: the first click carrying a recent search's id counts, on the search's day.
        local qk = P .. ':search:' .. e.sid
        local seen = redis.call('GET', qk)
        if seen then
          local sep = string.find(seen, '|', 1, true)
          local sday, sts = string.sub(seen, 1, sep - 1), tonumber(string.sub(seen, sep + 1))
          if ts - sts <= WINDOW then
            for _, b in ipairs(bases) do hincr(day_key(sday, b), 'searches_clicked', 1) end
          end
          redis.call('DEL', qk)
        end
      elseif e.t == 'search' and e.sid then
        redis.call('SET', P .. ':search:' .. e.sid, e.d .. '|' .. string.format('%d', ts), 'NX', 'PX', cfg.search_ttl_ms)
      end

      local rawk = P .. ':raw:' .. e.d
      redis.call('XADD', rawk, 'MAXLEN', '~', cfg.raw_maxlen, '*', 'e', e.rh .. v .. e.rt)
      keep(rawk, cfg.raw_ttl)
    end

    if last ~= nil then
      if restarted and #counted_before > 0 then redis.call('DEL', sk) end
      local write = {'HSET', sk, 't', tokens - g.n, 'a', now,
        's', string.format('%d', start), 'l', string.format('%d', last), 'n', views, 'd', vday,
        'x', exit or '', 'fr', visit.r or '', 'fc', visit.c or '', 'fcy', visit.cy or '',
        'fuc', visit.uc or '', 'fus', visit.us or '', 'fum', visit.um or '', 'fen', visit.en or ''}
      for _, id in ipairs(counted_ids) do
        write[#write + 1] = 'v:' .. id
        write[#write + 1] = '1'
      end
      redis.call(unpack(write))
    else
      redis.call('HSET', sk, 't', tokens - g.n, 'a', now)
    end
    redis.call('PEXPIRE', sk, cfg.session_ttl_ms)
    -- Any event makes the visitor active; only a pageview changes their current page.
    active[v] = now
    if page then active_pages[v] = page end
    results[gi] = code
  end
end

for key, fields in pairs(hash_incr) do
  for field, n in pairs(fields) do
    if n ~= 0 then redis.call('HINCRBY', key, field, n) end
  end
end
-- Period sets are merges of capped days: the day's decision is what they get.
local period_incr = {}
for key, members in pairs(zset_incr) do
  local added = add_capped(key, members)
  local source = period_source[key]
  if source then
    for _, pk in ipairs(existing_periods(source[1], source[2])) do period_incr[pk] = added end
    if source[3] then
      for _, pk in ipairs(existing_periods(source[3], source[2])) do period_incr[pk] = added end
    end
  end
end
for pk, added in pairs(period_incr) do
  for member, n in pairs(added) do redis.call('ZINCRBY', pk, n, member) end
end
for key, members in pairs(hll_add) do
  local list = {}
  for member in pairs(members) do list[#list + 1] = member end
  in_chunks({'PFADD', key}, list)
end
if first_day then redis.call('SET', P .. ':f:since', first_day, 'NX') end
-- After the writes: EXPIRE does nothing to a key that does not exist yet.
for key, seconds in pairs(ttl) do
  redis.call('EXPIRE', key, seconds)
end

local scored, paged = {}, {}
for v, at in pairs(active) do
  scored[#scored + 1] = at
  scored[#scored + 1] = v
end
for v, page in pairs(active_pages) do
  paged[#paged + 1] = v
  paged[#paged + 1] = page
end
if #scored > 0 then in_chunks({'ZADD', P .. ':active'}, scored) end
if #paged > 0 then in_chunks({'HSET', P .. ':active:page'}, paged) end

-- Forget visitors idle for the realtime window (a bounded sweep per call).
local ak = P .. ':active'
local idle = redis.call('ZRANGEBYSCORE', ak, '-inf', '(' .. string.format('%d', latest - cfg.active_ms), 'LIMIT', 0, 500)
if #idle > 0 then
  redis.call('ZREM', ak, unpack(idle))
  redis.call('HDEL', P .. ':active:page', unpack(idle))
end

return results
