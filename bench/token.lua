-- wrk script: client_credentials token requests with HTTP Basic, rotating through the
-- credentials of the file named by BENCH_BASIC; or, when BENCH_BODIES names a file, requests
-- without an Authorization header whose bodies are that file's lines (client assertions), or with
-- the first Basic credential of BENCH_BASIC when it is set too (introspection, token exchange).
-- With BENCH_ONCE set, every line is sent at most once: each thread sends its own share of the
-- lines in turn (one-time client assertions).
-- wrk counts every answer with a status of 400 or more (summary.errors.status): the runner fails a
-- run with any. (A response() callback would count exactly 200s, but parsing every response in
-- Lua costs wrk about a third of its speed, which the server under test would be charged for.)

local basics = {}
local bodies = {}
local path = os.getenv("BENCH_PATH") or "/oauth2/token"
local once = os.getenv("BENCH_ONCE") ~= nil
local body = os.getenv("BENCH_BODY") or "grant_type=client_credentials"

-- The non-empty lines of a file.
local function lines(name, into)
  local file = assert(io.open(name, "r"))
  for line in file:lines() do
    if #line > 0 then into[#into + 1] = line end
  end
  file:close()
end

local requests = {}

-- Each thread's number (0, 1, …) and the number of threads, for BENCH_ONCE.
local threads = 0
function setup(thread)
  thread:set("thread_index", threads)
  threads = threads + 1
end

-- Every request is built once, here: per request wrk then only picks one at random, so the load
-- generator spends its CPU on sending, not on formatting.
function init(args)
  if os.getenv("BENCH_BODIES") then
    -- One form body per line (encoded by bench/run.mjs), with the first Basic value of BENCH_BASIC
    -- when it is set, else without client credentials in headers.
    lines(os.getenv("BENCH_BODIES"), bodies)
    local headers = { ["Content-Type"] = "application/x-www-form-urlencoded" }
    if os.getenv("BENCH_BASIC") then
      lines(os.getenv("BENCH_BASIC"), basics)
      headers["Authorization"] = "Basic " .. basics[1]
    end
    local share = tonumber(os.getenv("BENCH_THREADS") or "1")
    for i, b in ipairs(bodies) do
      if not once or (i - 1) % share == thread_index then requests[#requests + 1] = wrk.format("POST", path, headers, b) end
    end
  else
    -- One Basic value (base64 of "id:secret", encoded by bench/run.mjs) per line of BENCH_BASIC.
    lines(os.getenv("BENCH_BASIC"), basics)
    for i, b in ipairs(basics) do
      requests[i] = wrk.format("POST", path, {
        ["Authorization"] = "Basic " .. b,
        ["Content-Type"] = "application/x-www-form-urlencoded",
      }, body)
    end
  end
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
  -- Each thread starts at its own place in the list of bodies (at the start of its share with BENCH_ONCE).
  next_body = once and 0 or math.random(#requests)
end

-- Bodies (platform tokens) are sent in turn, so that one comes back only after all the others;
-- Basic credentials at random.
function request()
  if #bodies > 0 then
    -- With BENCH_ONCE a thread past its last line sends it again: Tessera refuses the replay, a failure the run reports.
    next_body = once and math.min(next_body + 1, #requests) or next_body % #requests + 1
    return requests[next_body]
  end
  return requests[math.random(#requests)]
end
function done(summary, latency, requests)
  io.write(string.format("BENCH_RESULT requests=%d non200=%d errors=%d p50_us=%d p99_us=%d duration_us=%d\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
