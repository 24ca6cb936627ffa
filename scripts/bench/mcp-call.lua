-- wrk script: one MCP tools/call per request over Streamable HTTP, stateless 2026-07-28
-- protocol. TOOL and ARGS come from the environment (ARGS is a JSON object); the API key
-- from NBA_MCP_API_KEY, sent as Authorization: Bearer.
local tool = os.getenv("TOOL") or "get_standings"
local args = os.getenv("ARGS") or '{"season":"2015-16"}'
local key = os.getenv("NBA_MCP_API_KEY")
if key and key ~= "" then
  wrk.headers["Authorization"] = "Bearer " .. key
else
  io.stderr:write("mcp-call.lua: NBA_MCP_API_KEY is not set: every request will get 401\n")
end
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json, text/event-stream"
wrk.headers["MCP-Protocol-Version"] = "2026-07-28"
wrk.headers["Mcp-Method"] = "tools/call"
wrk.headers["Mcp-Name"] = tool
wrk.body = '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"' .. tool ..
  '","arguments":' .. args .. ',"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",' ..
  '"io.modelcontextprotocol/clientInfo":{"name":"wrk","version":"1"},"io.modelcontextprotocol/clientCapabilities":{}}}}'

-- Errors inside HTTP 200 answers (a tool error such as "rate limit exceeded", or a JSON-RPC
-- error), counted per thread and summed in done().
local threads = {}
setup = function(thread)
  table.insert(threads, thread)
end

errors = 0
response = function(status, headers, body)
  if status ~= 200 or string.find(body, '"isError":true', 1, true) or string.find(body, '"error":', 1, true) then
    errors = errors + 1
  end
end

done = function(summary, latency, requests)
  local failed = 0
  for _, thread in ipairs(threads) do
    failed = failed + (thread:get("errors") or 0)
  end
  io.write(string.format("requests %d, non-2xx %d, tool or JSON-RPC errors %d\n", summary.requests, summary.errors.status, failed))
  io.write(string.format("latency p50 %.2f ms, p90 %.2f ms, p99 %.2f ms, max %.2f ms\n",
    latency:percentile(50) / 1000, latency:percentile(90) / 1000, latency:percentile(99) / 1000, latency.max / 1000))
  io.write(string.format("throughput %.0f req/s\n", summary.requests / (summary.duration / 1e6)))
end
