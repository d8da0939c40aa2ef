-- wrk script: POST /api/events/{slug}/registrations with a unique e-mail per request.
--
--   wrk -t2 -c32 -d10s --latency -s bench/registrations.lua http://127.0.0.1:PORT -- SLUG [TICKET] [RUN]
--
-- or with BENCH_SLUG, BENCH_TICKET (default "recording") and BENCH_RUN in the environment.
-- RUN is a tag that makes the e-mails of this wrk invocation differ from earlier ones against
-- the same database (a warm-up, an earlier round); it defaults to the current time.
-- E-mail: b-<run>-<thread>-<counter>@bench.example.jp, so every request creates a registration
-- (an e-mail seen before would get 200 "already registered" and no INSERT).
--
-- done() prints one "bench.<key>=<value>" line per figure (run.sh reads them); latencies in ms.

local threads = {}
local counter = 0

local function env_or(name, default)
  local v = os.getenv(name)
  if v == nil or v == "" then return default end
  return v
end

function setup(thread)
  thread:set("id", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  slug = args[1] or env_or("BENCH_SLUG", nil)
  if slug == nil then
    error("registrations.lua: pass the event slug (wrk ... -- SLUG) or set BENCH_SLUG")
  end
  ticket = args[2] or env_or("BENCH_TICKET", "recording")
  run = args[3] or env_or("BENCH_RUN", tostring(os.time()))
  path = "/api/events/" .. slug .. "/registrations"
  headers = { ["Content-Type"] = "application/json" }
  -- The body around the e-mail never changes: build it once.
  prefix = '{"familyName":"山田","givenName":"花子","email":"b-' .. run .. "-" .. id .. "-"
  suffix = '@bench.example.jp","organization":"Bench","ticketType":"' .. ticket .. '","consent":true}'
  responses, created, s2xx, non2xx = 0, 0, 0, 0
end

function request()
  counter = counter + 1
  return wrk.format("POST", path, headers, prefix .. counter .. suffix)
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
  out("name", "registrations")
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
