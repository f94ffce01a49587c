-- Per-day figures of a range in one call: for each day the named fields of its counter hash
-- ({p}:day:{day}) and the PFCOUNT of its visitors. A 365-day range is 730 commands; queued from
-- Python they cost more in the client than in Redis.
--
-- ARGV[1] = prefix; ARGV[2] = n, the number of fields; ARGV[3 .. 2+n] = the fields; then the days.
-- Returns, per day in order, the n field values (0 when missing) and then the visitors.

local P, n = ARGV[1], tonumber(ARGV[2])
local fields = {}
for i = 1, n do fields[i] = ARGV[2 + i] end
local out = {}
for i = 3 + n, #ARGV do
  local k = P .. ':day:' .. ARGV[i]
  local values = redis.call('HMGET', k, unpack(fields))
  for j = 1, n do out[#out + 1] = tonumber(values[j]) or 0 end
  out[#out + 1] = redis.call('PFCOUNT', k .. ':visitors')
end
return out
