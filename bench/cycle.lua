-- wrk script: cycle through a list of request paths (one per line, file given after `--`),
-- each thread starting at its own offset; count non-2xx answers; print one JSON line at the end.
-- usage: wrk -t2 -c8 -d10s --latency -s bench/cycle.lua http://127.0.0.1:PORT -- paths.txt

local threads = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
  table.insert(threads, thread)
end

function init(args)
  paths = {}
  for line in io.lines(args[1]) do
    if #line > 0 then
      paths[#paths + 1] = line
    end
  end
  if #paths == 0 then
    error("no paths in " .. args[1])
  end
  local nthreads = tonumber(args[2] or "2")
  counter = (id * math.floor(#paths / nthreads)) % #paths + 1
  non2xx = 0
  last_bad = ""
end

function request()
  local path = paths[counter]
  counter = counter + 1
  if counter > #paths then
    counter = 1
  end
  return wrk.format("GET", path)
end

function response(status, headers, body)
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    last_bad = tostring(status)
  end
end

function done(summary, latency, requests)
  local bad = 0
  local bad_status = ""
  for _, t in ipairs(threads) do
    bad = bad + (t:get("non2xx") or 0)
    local s = t:get("last_bad")
    if s and #s > 0 then
      bad_status = s
    end
  end
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests":%d,"duration_us":%d,"bytes":%d,"p50_us":%d,"p90_us":%d,"p99_us":%d,' ..
    '"mean_us":%.1f,"max_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,"timeout":%d,' ..
    '"non2xx":%d,"bad_status":"%s"}\n',
    summary.requests, summary.duration, summary.bytes,
    latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, latency.max,
    e.connect, e.read, e.write, e.status, e.timeout, bad, bad_status))
end
