-- wrk script of `make bench` (bench/load.py): cycles through the requests listed in the file
-- named by WRK_REQUESTS, one per line: METHOD<TAB>PATH<TAB>HEADERS<TAB>BODY, HEADERS being
-- "Name: value" pairs joined by "|". Each line is sent once before the list starts again, so a
-- list of fresh check-in codes gives a fresh code per request (run with one thread: -t1).
-- done() prints one JSON line: requests, non-2xx/3xx, socket errors, latency percentiles (µs).
local path = os.getenv("WRK_REQUESTS")
local requests = {}
local i = 0

local function split(text, sep)
  local out = {}
  for part in string.gmatch(text, "([^" .. sep .. "]*)") do table.insert(out, part) end
  return out
end

init = function(args)
  for line in io.lines(path) do
    local f = {}
    local start = 1
    for _ = 1, 3 do
      local tab = string.find(line, "\t", start, true)
      table.insert(f, string.sub(line, start, tab - 1))
      start = tab + 1
    end
    table.insert(f, string.sub(line, start))
    local headers = {}
    if f[3] ~= "" then
      for _, pair in ipairs(split(f[3], "|")) do
        local colon = string.find(pair, ":", 1, true)
        if colon then headers[string.sub(pair, 1, colon - 1)] = string.sub(pair, colon + 2) end
      end
    end
    local body = nil
    if f[4] ~= "" then body = f[4] end
    table.insert(requests, wrk.format(f[1], f[2], headers, body))
  end
end

request = function()
  i = i + 1
  if i > #requests then i = 1 end
  return requests[i]
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p95_us": %d, "p99_us": %d, "mean_us": %.1f}\n',
    summary.requests, summary.duration, e.status, e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean))
end
