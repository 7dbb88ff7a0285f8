-- 64 KiB JSON POST to /echo: a body of 64 KiB (65,536 bytes exactly) of realistic-looking JSON,
-- built once per wrk thread and sent as a static request. Prepended to report.lua by the bench.
local items, size = {}, 0
local i = 0
while true do
  i = i + 1
  local item = string.format(
    '{"id":%d,"name":"item-%06d","active":%s,"price":%d.%02d,"tags":["alpha","beta","gamma"]}',
    i, i, (i % 2 == 0) and 'true' or 'false', i % 1000, i % 100)
  -- keep room for the comma, the '{"items":[' and '],"pad":"' around the items and a short pad
  if size + #item + 1 + 12 + 32 > 65536 then break end
  items[#items + 1] = item
  size = size + #item + 1
end
local body = '{"items":[' .. table.concat(items, ',') .. '],"pad":"'
body = body .. string.rep('x', 65536 - #body - 2) .. '"}'
wrk.method = 'POST'
wrk.body = body
wrk.headers['Content-Type'] = 'application/json'
