-- The realtime snapshot, read in Redis so that only its result travels: the number of visitors
-- active since ARGV[2] (epoch ms) and the ARGV[3] pages most of them are on.
--
-- ARGV[1]: prefix. Returns {active visitors, path, visitors, path, visitors, ...}, busiest first,
-- ties by path. `{p}:active:page` may still hold visitors the writer has not swept; only the
-- active ones are looked up.

local P, since, top = ARGV[1], ARGV[2], tonumber(ARGV[3])
local active = redis.call('ZRANGEBYSCORE', P .. ':active', since, '+inf')
local counts = {}
for i = 1, #active, 1000 do
  local chunk = {}
  for j = i, math.min(#active, i + 999) do chunk[#chunk + 1] = active[j] end
  for _, page in ipairs(redis.call('HMGET', P .. ':active:page', unpack(chunk))) do
    if page then counts[page] = (counts[page] or 0) + 1 end
  end
end

local ranked = {}
for page, visitors in pairs(counts) do ranked[#ranked + 1] = {page, visitors} end
table.sort(ranked, function(a, b)
  if a[2] ~= b[2] then return a[2] > b[2] end
  return a[1] < b[1]
end)
local reply = {#active}
for i = 1, math.min(top, #ranked) do
  reply[#reply + 1] = ranked[i][1]
  reply[#reply + 1] = ranked[i][2]
end
return reply
