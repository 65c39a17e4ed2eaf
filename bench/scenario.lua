-- bench/scenario.lua: the wrk script of every bench/run.py scenario. The request bodies come from the environment:
-- T0 (every request) and T1 (every EVERY-th request instead, e.g. the 10 % writes of the mixed load). Placeholders:
-- %U the seeded user u0000001.. number (i mod MOD) + 1, %I a per-run unique counter (RUN prefix), %OP Block for
-- the first MOD requests, Unblock for the next MOD, and so on. A body without placeholders is sent as is (wrk
-- prepares it once). Prints one line at the end: RESULT rps p50_ms p99_ms non2xx sockerr requests.
local t0 = os.getenv("T0") or ""
local t1 = os.getenv("T1") or ""
local every = tonumber(os.getenv("EVERY") or "0")
local mod = tonumber(os.getenv("MOD") or "1000")
local run = os.getenv("RUN") or "r"

wrk.method = "POST"
wrk.path = os.getenv("URLPATH") or "/SOAP/"
wrk.headers["Content-Type"] = "text/xml; charset=utf-8"

if every == 0 and not t0:find("%%") then
  wrk.body = t0
else
  local i = 0
  request = function()
    local t = t0
    if every > 0 and i % every == 0 then t = t1 end
    local b = t:gsub("%%U", string.format("u%07d", (i % mod) + 1))
    b = b:gsub("%%I", run .. i)
    b = b:gsub("%%OP", (math.floor(i / mod) % 2 == 0) and "Block" or "Unblock")
    i = i + 1
    return wrk.format(nil, nil, nil, b)
  end
end

done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %.1f %.3f %.3f %d %d %d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000, latency:percentile(99) / 1000,
    e.status, e.connect + e.read + e.write + e.timeout, summary.requests))
end
