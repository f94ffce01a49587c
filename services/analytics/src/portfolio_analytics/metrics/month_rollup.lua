-- Rolls a closed UTC month's daily aggregates up into month keys, once: a long range then reads
-- one key per whole month instead of ~30 daily keys (ADR 13). Called by readers (metrics/ranges.py)
-- for every closed month a range holds whole; a month's days no longer change once it is over
-- (sets and HyperLogLogs are written on the event's day), so the roll-up never goes stale.
--
-- ARGV[1] = prefix; ARGV[2] = month (YYYY-MM); ARGV[3] = TTL of the visitors roll-up (seconds);
-- ARGV[4] = n, the number of sets; then n pairs (set name, TTL seconds); then the month's days.
-- TTLs are relative to the service's clock, as the writer's are.
-- {p}:month:{month}:visitors is written last and marks the month rolled up. Returns 1 when it
-- merged, 0 when the month was already rolled up.

local P, month = ARGV[1], ARGV[2]
local mk = P .. ':month:' .. month
local marker = mk .. ':visitors'
if redis.call('EXISTS', marker) == 1 then return 0 end
local nsets = tonumber(ARGV[4])
local days = {}
for i = 5 + 2 * nsets, #ARGV do days[#days + 1] = ARGV[i] end

for i = 0, nsets - 1 do
  local name, at = ARGV[5 + 2 * i], ARGV[6 + 2 * i]
  local sources = {}
  for _, day in ipairs(days) do sources[#sources + 1] = P .. ':day:' .. day .. ':' .. name end
  local k = mk .. ':' .. name
  -- An empty union stores nothing: a missing month set reads as empty, as a missing day does.
  if redis.call('ZUNIONSTORE', k, #sources, unpack(sources)) > 0 then
    redis.call('EXPIRE', k, at)
  end
end

local visitors = {}
for _, day in ipairs(days) do visitors[#visitors + 1] = P .. ':day:' .. day .. ':visitors' end
redis.call('PFMERGE', marker, unpack(visitors))
redis.call('EXPIRE', marker, ARGV[3])
return 1
