-- Pipelined hello world: every write carries 16 GET / requests (wrk counts each response; its
-- latency figures are per batch of 16). Prepended to report.lua by the bench.
local depth = 16
init = function(args)
  local r = {}
  for i = 1, depth do r[i] = wrk.format('GET', '/') end
  batch = table.concat(r)
end
request = function()
  return batch
end
