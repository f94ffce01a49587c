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
-- bounded). True when a call answered 1 (PFADD: the key changed, or was created).
local function in_chunks(head, args)
  local one = false
  for i = 1, #args, 1000 do
    local chunk = {unpack(head)}
    for j = i, math.min(#args, i + 999) do chunk[#chunk + 1] = args[j] end
    if redis.call(unpack(chunk)) == 1 then one = true end
  end
  return one
end

-- Every write below goes to a scope's key space: the site's (P) or, per ADR 13, a filter value's
-- copy `{P}:f:{kind}:{vid}` (the same layout under a longer prefix, so the readers' scripts read
-- it as they read the site's). `B` is that base prefix.
-- Key names are built once per call and scope (a fold writes the same few thousand keys for many
-- events): `named[B][when][name]`, where `when` is a day or an hour and `name` '' is the day's
-- counter hash. Its TTL is noted when it is built.
local named = {}
local function key_of(B, unit, when, name, seconds)
  local per_base = named[B]
  if per_base == nil then per_base = {}; named[B] = per_base end
  local per_when = per_base[when]
  if per_when == nil then per_when = {}; per_base[when] = per_when end
  local k = per_when[name]
  if k == nil then
    if name == '' then k = B .. unit .. when else k = B .. unit .. when .. ':' .. name end
    per_when[name] = k
    keep(k, seconds)
  end
  return k
end

local function day_key(day, B)
  return key_of(B or P, ':day:', day, '', cfg.day_ttl)
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
  local k = key_of(B or P, ':day:', day, name, cfg.set_ttl[name] or cfg.day_ttl)
  zincr(k, member, by)
  -- Only the site's sets feed the period keys (there are none per filter value).
  if (B == nil or B == P) and name ~= 'topics' and period_source[k] == nil then period_source[k] = {day, name} end
end

-- Adds `members` (member -> n) to `key`, at most cfg.distinct members per set: once it is full a
-- member it does not hold counts as OTHER. Returns what was added, and whether the key was created
-- (it had no members). The check costs one ZCARD
-- per set and call, and a ZSCORE per member only when the call's new members might not fit.
-- A negative n (a visit's exit page moving on) takes back what an earlier call added: from the
-- member when the set holds it (a set that has room now had room then), else from OTHER.
local function add_capped(key, members)
  local room = cfg.distinct - redis.call('ZCARD', key)
  -- No members: the key does not exist yet, and a write below creates it.
  local new = room == cfg.distinct
  if zset_new[key] <= room then
    for member, n in pairs(members) do
      if n ~= 0 then redis.call('ZINCRBY', key, n, member) end
    end
    return members, new
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
  return added, new
end

local function hour_set(hour, name, member, B)
  zincr(key_of(B or P, ':hour:', hour, name, cfg.hour_ttl), member)
end

-- Filter copies (ADR 13). A value's id is `{kind}:{first 16 hex digits of its SHA-1}`
-- (keys.filter_value_id computes the same for a reader). The request path only names the copies an
-- event goes to (`pending` below); the fold writes them.
local ids = {}  -- kind -> value -> id, per call
local function scope_id(kind, value)
  if value == nil or value == '' then return nil end
  local of_kind = ids[kind]
  if of_kind == nil then of_kind = {}; ids[kind] = of_kind end
  local id = of_kind[value]
  if id == nil then
    id = kind .. ':' .. string.sub(redis.sha1hex(value), 1, 16)
    of_kind[value] = id
  end
  return id
end

-- A scope's key prefix from its id (`{kind}:{vid}`): keys.filter_scope.
local bases = {}
local function base(id)
  local b = bases[id]
  if b == nil then b = P .. ':f:' .. id; bases[id] = b end
  return b
end

-- The scope ids of a visit: its referrer source, country and campaign (visit dimensions).
-- Each visit's are found once a call (`visit_ids_of`, keyed by the visit's table); callers get a
-- fresh list they may extend.
local visit_ids_of = {}
local function visit_scopes(visit)
  local found = visit_ids_of[visit]
  if found == nil then
    found = {}
    local id = scope_id('source', visit.r)
    if id then found[#found + 1] = id end
    id = scope_id('country', visit.c)
    if id then found[#found + 1] = id end
    id = scope_id('campaign', visit.uc)
    if id then found[#found + 1] = id end
    visit_ids_of[visit] = found
  end
  return {unpack(found)}
end

-- The scope ids an event matches: its page and its topics (event dimensions).
local function event_scopes(e)
  local out = {}
  local id = scope_id('page', e.p)
  if id then out[#out + 1] = id end
  if e.topics then
    for _, topic in ipairs(e.topics) do
      id = scope_id('topic', topic)
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
    if e.pv == nil then e.pv = 'pv:' .. string.sub(e.h, 12, 13) end
    hincr(counters, e.pv, 1)
    pfadd(key_of(B, ':day:', e.d, 'visitors', cfg.day_ttl), v)
    if site then
      for _, pk in ipairs(existing_periods(e.d, 'visitors')) do pfadd(pk, v) end
    end
    pfadd(key_of(B, ':hour:', e.h, 'visitors', cfg.hour_ttl), v)
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

-- Writes what the tables above hold, once per key, field and member; then the TTLs. A key gets its
-- `EXPIRE` only when a write may have created it (an increment that answers its own amount, a PFADD
-- that changed the key) or when it is not one of the tables' keys: a key already there has its TTL.
local function flush()
  local created = {}
  for key, fields in pairs(hash_incr) do
    for name, n in pairs(fields) do
      if n ~= 0 and redis.call('HINCRBY', key, name, n) == n then created[key] = true end
    end
  end
  -- Period sets are merges of capped days: the day's decision is what they get.
  local period_incr = {}
  for key, members in pairs(zset_incr) do
    local added, new = add_capped(key, members)
    if new then created[key] = true end
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
    if in_chunks({'PFADD', key}, list) then created[key] = true end
  end
  -- After the writes: EXPIRE does nothing to a key that does not exist yet.
  for key, seconds in pairs(ttl) do
    if created[key] or not (hash_incr[key] or zset_incr[key] or hll_add[key]) then
      redis.call('EXPIRE', key, seconds)
    end
  end
end

-- Per ADR 14 the filter copies are written off the request path: each call appends what its events
-- add to the copies to `{P}:fold` (one list item per call, a JSON array of records), and the fold
-- (below; `fold` in the payload) writes them later in large batches, in the order they came.
local PENDING = P .. ':fold'

if payload.fold then
  -- Fold: take whole items until `payload.fold` records are written or `payload.budget_us`
  -- microseconds have passed (Redis serves nothing else meanwhile); answer the items left.
  -- A day admits copies for at most cfg.filter_values values of a kind, first come first served:
  -- `{P}:day:{day}:f:{kind}` holds the admitted ids (one SISMEMBER per scope, day and call, and
  -- for a new one a SCARD); a refused value marks the day in `{P}:day:{day}:f:capped`
  -- (kind -> 1) and gets no copy that day.
  local admitted = {}  -- day -> id -> admitted
  local function copy(day, id)
    local memo = admitted[day]
    if memo == nil then memo = {}; admitted[day] = memo end
    local seen = memo[id]
    if seen == nil then
      local sep = string.find(id, ':', 1, true)
      local kind, vid = string.sub(id, 1, sep - 1), string.sub(id, sep + 1)
      local reg = P .. ':day:' .. day .. ':f:' .. kind
      if redis.call('SISMEMBER', reg, vid) == 1 then
        seen = true
      elseif redis.call('SCARD', reg) < cfg.filter_values then
        redis.call('SADD', reg, vid)
        keep(reg, cfg.day_ttl)
        seen = true
      else
        seen = false
        local ck = P .. ':day:' .. day .. ':f:capped'
        redis.call('HSET', ck, kind, 1)
        keep(ck, cfg.day_ttl)
      end
      memo[id] = seen
    end
    if seen then return base(id) end
    return nil
  end
  local function each(list, day, write)
    if list == nil then return end
    for _, id in ipairs(list) do
      local b = copy(day, id)
      if b then write(b) end
    end
  end
  local done = 0
  local function clock()
    local t = redis.call('TIME')
    return tonumber(t[1]) * 1000000 + tonumber(t[2])
  end
  local deadline = clock() + payload.budget_us
  while done < payload.fold and clock() < deadline do
    local item = redis.call('LPOP', PENDING)
    if not item then break end
    for _, r in ipairs(cjson.decode(item)) do
      local e = r.e
      each(r.cv, r.d, function(b) count_visit(r.d, r.vi, e, r.x, r.n, b) end)
      each(r.vb, r.d, function(b)
        if r.b2 then hincr(day_key(r.d, b), 'bounces', -1) end
        if r.xo then
          day_set(r.d, 'exit', r.xo, -1, b)
          day_set(r.d, 'exit', e.p, 1, b)
        end
        if r.du then hincr(day_key(r.d, b), 'duration_ms', r.du) end
      end)
      each(r.eb, e.d, function(b) event_writes(e, r.v, b) end)
      if r.sd then each(r.eb, r.sd, function(b) hincr(day_key(r.sd, b), 'searches_clicked', 1) end) end
      done = done + 1
    end
  end
  flush()
  return redis.call('LLEN', PENDING)
end

local results = {}
-- The earliest day this call writes: filter copies exist from the first one on (`{P}:f:since`).
local first_day = nil
local latest = 0
-- The active visitors' last event time and current page, written once at the end as well.
local active, active_pages = {}, {}
-- What this call's events add to the filter copies, for the fold: per event its item (`e`), the
-- visitor (`v`), and the scope ids of each kind of write with what it needs: the visit counted in
-- `cv` (its day `d`, the visit's dimensions `vi`, exit page `x`, views `n`), the visit's own
-- figures in `vb` (`b2` a bounce taken back, `xo` the exit page it left, `du` the duration
-- added), the event's in `eb` (and `sd`, the day of the search a click went through from).
local pending = {}

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
    -- page and topic scopes it was counted in so far.
    local visit = {r = field(s[8]), c = field(s[9]), cy = field(s[10]), uc = field(s[11]),
      us = field(s[12]), um = field(s[13]), en = field(s[14])}
    local counted, counted_ids = {}, {}
    for _, id in ipairs(counted_before) do
      counted[id] = true
      counted_ids[#counted_ids + 1] = id
    end
    -- A new visit in this request drops the previous visit's fields (the hash is written again).
    local restarted = false
    -- The copies a visit's own figures (bounce, duration, exit) go to.
    local function visit_ids()
      local out = visit_scopes(visit)
      for _, id in ipairs(counted_ids) do out[#out + 1] = id end
      return out
    end

    for _, e in ipairs(g.ev) do
      local ts = e.ts
      local open = last ~= nil and ts - last <= WINDOW
      if first_day == nil or e.d < first_day then first_day = e.d end
      local r = {e = e, v = v}
      if e.t == 'pageview' then
        if not open then
          -- A new visit: its day owns its visit, bounce, duration, referrer and country.
          start, last, views, vday = ts, ts, 1, e.d
          visit = {r = e.ref, c = e.c, cy = e.city, uc = e.uc, us = e.us, um = e.um, en = e.p}
          counted, counted_ids = {}, {}
          restarted = true
          exit = e.p
          count_visit(vday, visit, e, exit, views, P)
          r.cv = visit_scopes(visit)
        else
          views = views + 1
          r.vb = visit_ids()
          if views == 2 then
            hincr(day_key(vday, P), 'bounces', -1)
            r.b2 = true
          end
          -- The exit page moves on (a visit from before exits were kept has none: left alone).
          if exit and exit ~= e.p then
            day_set(vday, 'exit', exit, -1, P)
            day_set(vday, 'exit', e.p, 1, P)
            r.xo = exit
            exit = e.p
            -- A visit from yesterday: today's period keys hold its day too.
            if vday ~= e.d then period_source[P .. ':day:' .. vday .. ':exit'][3] = e.d end
          end
          r.du = math.max(0, ts - last)
          hincr(day_key(vday, P), 'duration_ms', r.du)
          last = math.max(last, ts)
        end
        page = e.p
      elseif open then
        -- Other events extend an open visit but never start one.
        r.vb = visit_ids()
        r.du = math.max(0, ts - last)
        hincr(day_key(vday, P), 'duration_ms', r.du)
        last = math.max(last, ts)
      end

      -- The copies this event goes to: its visit's (outside a visit, its country's) and those of
      -- its page and topics; a page view counts its visit in the page and topic copies the visit
      -- was not counted in yet.
      local in_visit = open or e.t == 'pageview'
      local eb
      if in_visit then
        eb = visit_scopes(visit)
      else
        eb = {scope_id('country', e.c)}
      end
      for _, id in ipairs(event_scopes(e)) do
        eb[#eb + 1] = id
        if e.t == 'pageview' and not counted[id] then
          counted[id] = true
          counted_ids[#counted_ids + 1] = id
          if r.cv == nil then r.cv = {} end
          r.cv[#r.cv + 1] = id
        end
      end
      r.eb = eb
      if r.cv then r.d, r.vi, r.x, r.n = vday, visit, exit, views
      elseif r.vb then r.d = vday end
      event_writes(e, v, P)

      if e.t == 'click' and e.sid then
        -- Click-through: the first click carrying a recent search's id counts, on the search's day.
        local qk = P .. ':search:' .. e.sid
        local seen = redis.call('GET', qk)
        if seen then
          local sep = string.find(seen, '|', 1, true)
          local sday, sts = string.sub(seen, 1, sep - 1), tonumber(string.sub(seen, sep + 1))
          if ts - sts <= WINDOW then
            hincr(day_key(sday, P), 'searches_clicked', 1)
            r.sd = sday
          end
          redis.call('DEL', qk)
        end
      elseif e.t == 'search' and e.sid then
        redis.call('SET', P .. ':search:' .. e.sid, e.d .. '|' .. string.format('%d', ts), 'NX', 'PX', cfg.search_ttl_ms)
      end

      local rawk = P .. ':raw:' .. e.d
      redis.call('XADD', rawk, 'MAXLEN', '~', cfg.raw_maxlen, '*', 'e', e.rh .. v .. e.rt)
      keep(rawk, cfg.raw_ttl)
      -- The raw JSON is the stream's; the fold needs the item's fields only.
      e.rh, e.rt = nil, nil
      if #eb > 0 or r.cv or (r.vb and #r.vb > 0) then pending[#pending + 1] = r end
    end

    if last ~= nil then
      local write, counted_from
      if restarted then
        -- A visit started in this request: the whole hash (the previous visit's fields dropped).
        if #counted_before > 0 then redis.call('DEL', sk) end
        write = {'HSET', sk, 't', tokens - g.n, 'a', now,
          's', string.format('%d', start), 'l', string.format('%d', last), 'n', views, 'd', vday,
          'x', exit or '', 'fr', visit.r or '', 'fc', visit.c or '', 'fcy', visit.cy or '',
          'fuc', visit.uc or '', 'fus', visit.us or '', 'fum', visit.um or '', 'fen', visit.en or ''}
        counted_from = 1
      else
        -- The stored visit goes on: its start, day and dimensions stay as they are.
        write = {'HSET', sk, 't', tokens - g.n, 'a', now, 'l', string.format('%d', last), 'n', views,
          'x', exit or ''}
        counted_from = #counted_before + 1
      end
      for i = counted_from, #counted_ids do
        write[#write + 1] = 'v:' .. counted_ids[i]
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

flush()
if #pending > 0 then redis.call('RPUSH', PENDING, cjson.encode(pending)) end
if first_day then redis.call('SET', P .. ':f:since', first_day, 'NX') end

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
