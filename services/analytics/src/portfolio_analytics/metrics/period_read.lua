-- Period reads (7 or 30 days) without merging the period's days on every request.
--
-- The first read of a period on a day merges its days into a "period" key named after the
-- period and its last day ({p}:period:7d:{day}:{set}); from then on the writer (record.lua) adds
-- every event of that day to the existing period keys as well, so a read is one ZRANGE or
-- PFCOUNT. Both sides run as scripts, so no event falls between the merge and the increments.
-- Period keys expire a little after their day (nothing writes to them once the day is over).
--
-- ARGV[1] = 'top' | 'unique'; ARGV[2] = period key (unused for one day); ARGV[3] = limit (top);
-- ARGV[4] = TTL seconds; ARGV[5..] = the period's daily keys, oldest first, today last.
-- 'top' returns {member, score, ...} largest first, one more than `limit` (the caller drops the
-- zero-score marker, re-sorts ties by member and cuts); 'unique' returns the PFCOUNT.

local mode, period = ARGV[1], ARGV[2]
local limit, ttl = tonumber(ARGV[3]), tonumber(ARGV[4])
local days = {}
for i = 5, #ARGV do days[#days + 1] = ARGV[i] end

local key = period
if #days == 1 then
  key = days[1]
elseif redis.call('EXISTS', period) == 0 then
  if mode == 'unique' then
    redis.call('PFMERGE', period, unpack(days))
  else
    redis.call('ZUNIONSTORE', period, #days, unpack(days))
    -- A zero-score marker: the key exists even for an empty period, which tells the writer to
    -- keep it up to date and the reader not to merge again.
    redis.call('ZADD', period, 0, '')
  end
  redis.call('EXPIRE', period, ttl)
end

if mode == 'unique' then
  return redis.call('PFCOUNT', key)
end
return redis.call('ZRANGE', key, 0, limit, 'REV', 'WITHSCORES')
