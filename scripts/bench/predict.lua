-- wrk script: POST /v1/predict with a fixed matchup (BODY from the environment overrides it),
-- with the API key from NBA_MCP_API_KEY as Authorization: Bearer.
local key = os.getenv("NBA_MCP_API_KEY")
if key and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
else
  io.stderr:write("predict.lua: NBA_MCP_API_KEY is not set: every request will get 401\n")
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = os.getenv("BODY") or '{"home":"BOS","away":"LAL","date":"2026-03-01"}'

done = function(summary, latency, requests)
  io.write(string.format("requests %d, non-2xx %d\n", summary.requests, summary.errors.status))
  io.write(string.format("latency p50 %.3f ms, p90 %.3f ms, p99 %.3f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("throughput %.0f req/s\n", summary.requests / (summary.duration / 1e6)))
end
