-- wrk script for scripts/bench-ratio.sh: one POST per request with BODY (a JSON text) and the
-- extra headers in HEADERS ("Name: value" pairs separated by "|"), the key from BENCH_KEY as
-- Authorization: Bearer. Any non-2xx status, a tool error ("isError":true) or a JSON-RPC
-- error counts as an error; done() prints one machine-readable line:
--   RESULT <requests> <req/s> <p50 ms> <p95 ms> <p99 ms> <max ms> <errors>
local key = os.getenv("BENCH_KEY") or ""
wrk.method = "POST"
wrk.headers["Authorization"] = "Bearer " .. key
wrk.headers["Content-Type"] = "application/json"
for pair in string.gmatch(os.getenv("HEADERS") or "", "[^|]+") do
  local name, value = string.match(pair, "^%s*([^:]+):%s*(.-)%s*$")
  if name then wrk.headers[name] = value end
end
wrk.body = os.getenv("BODY") or "{}"

local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end

errors = 0
response = function(status, headers, body)
  if status < 200 or status > 299
    or string.find(body, '"isError":true', 1, true)
    or string.find(body, '"jsonrpc":"2.0","error"', 1, true)
    or string.find(body, '"jsonrpc":"2.0","id":1,"error"', 1, true) then
    errors = errors + 1
  end
end

done = function(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + (thread:get("errors") or 0)
  end
  -- Socket errors (connect, read, write, timeout) are errors too.
  local e = summary.errors
  failed = failed + e.connect + e.read + e.write + e.timeout
  io.write(string.format("RESULT %d %.0f %.3f %.3f %.3f %.3f %d\n",
    summary.requests, summary.requests / (summary.duration / 1e6),
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, latency.max / 1000, failed))
end
