-- wrk script: client_credentials token requests with HTTP Basic, rotating through the
-- credentials listed in the file named by BENCH_CREDENTIALS (one "id:secret" per line).
-- wrk counts every answer with a status of 400 or more (summary.errors.status): the runner fails a
-- run with any. (A response() callback would count exactly 200s, but parsing every response in
-- Lua costs wrk about a third of its speed, which the server under test would be charged for.)

local creds = {}
local path = os.getenv("BENCH_PATH") or "/oauth2/token"
local body = os.getenv("BENCH_BODY") or "grant_type=client_credentials"

local function load()
  local file = assert(io.open(os.getenv("BENCH_CREDENTIALS"), "r"))
  for line in file:lines() do
    if #line > 0 then creds[#creds + 1] = line end
  end
  file:close()
end

local b64chars = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local function b64(data)
  return ((data:gsub(".", function(x)
    local r, byte = "", x:byte()
    for i = 8, 1, -1 do r = r .. (byte % 2 ^ i - byte % 2 ^ (i - 1) > 0 and "1" or "0") end
    return r
  end) .. "0000"):gsub("%d%d%d?%d?%d?%d?", function(x)
    if #x < 6 then return "" end
    local c = 0
    for i = 1, 6 do c = c + (x:sub(i, i) == "1" and 2 ^ (6 - i) or 0) end
    return b64chars:sub(c + 1, c + 1)
  end) .. ({ "", "==", "=" })[#data % 3 + 1])
end

local requests = {}

-- Every request is built once, here: per request wrk then only picks one at random, so the load
-- generator spends its CPU on sending, not on formatting.
function init(args)
  load()
  for i, c in ipairs(creds) do
    requests[i] = wrk.format("POST", path, {
      ["Authorization"] = "Basic " .. b64(c),
      ["Content-Type"] = "application/x-www-form-urlencoded",
    }, body)
  end
  math.randomseed(os.time() + (tonumber(tostring({}):match("0x(%x+)"), 16) or 0))
end

function request()
  return requests[math.random(#requests)]
end

function done(summary, latency, requests)
  io.write(string.format("BENCH_RESULT requests=%d non200=%d errors=%d p50_us=%d p99_us=%d duration_us=%d\n",
    summary.requests, summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50), latency:percentile(99), summary.duration))
end
