-- wrk script: POST /bench/baseline (empty body), the bare-INSERT baseline that the app maps
-- when EventPortal:Bench:Enabled=true. Each request is one INSERT through the same write path
-- a registration takes, and nothing else.
--
--   wrk -t2 -c32 -d10s --latency -s bench/baseline.lua http://127.0.0.1:PORT [-- PATH]
--
-- PATH (or BENCH_BASELINE_PATH) defaults to /bench/baseline.
-- done() prints one "bench.<key>=<value>" line per figure (run.sh reads them); latencies in ms.

local threads = {}

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  local p = args[1]
  if p == nil or p == "" then p = os.getenv("BENCH_BASELINE_PATH") end
  if p == nil or p == "" then p = "/bench/baseline" end
  -- An empty string, not nil: wrk.format then sends "Content-Length: 0", which an empty POST needs.
  req = wrk.format("POST", p, {}, "")
  responses, created, s2xx, non2xx = 0, 0, 0, 0
end

function request()
  return req
end

function response(status, headers, body)
  responses = responses + 1
  if status == 201 then created = created + 1 end
  if status >= 200 and status < 300 then s2xx = s2xx + 1 else non2xx = non2xx + 1 end
end

function done(summary, latency, requests)
  local t = { responses = 0, created = 0, s2xx = 0, non2xx = 0 }
  for _, thread in ipairs(threads) do
    for k, _ in pairs(t) do t[k] = t[k] + (thread:get(k) or 0) end
  end
  local seconds = summary.duration / 1e6
  local e = summary.errors
  local function out(k, v) io.write(string.format("bench.%s=%s\n", k, v)) end
  out("name", "baseline")
  out("duration_s", string.format("%.2f", seconds))
  out("requests", summary.requests)
  out("requests_per_sec", string.format("%.1f", summary.requests / seconds))
  out("created", t.created)
  out("created_per_sec", string.format("%.1f", t.created / seconds))
  out("latency_mean_ms", string.format("%.2f", latency.mean / 1000))
  out("latency_p50_ms", string.format("%.2f", latency:percentile(50) / 1000))
  out("latency_p90_ms", string.format("%.2f", latency:percentile(90) / 1000))
  out("latency_p99_ms", string.format("%.2f", latency:percentile(99) / 1000))
  out("latency_max_ms", string.format("%.2f", latency.max / 1000))
  out("status_2xx", t.s2xx)
  out("non2xx", t.non2xx)
  out("socket_errors", e.connect + e.read + e.write + e.timeout)
  out("errors_connect", e.connect)
  out("errors_read", e.read)
  out("errors_write", e.write)
  out("errors_timeout", e.timeout)
end
