-- wrk script for the load harness: 16 terminals' worth of connections doing
-- checkouts (credit tender) and payments, each with its own Idempotency-Key.
-- Arguments after `--`: MODE TOKEN CUSTOMER_IDS CARD_UIDS [RATE]
-- (ids comma separated; RATE in operations/s per wrk thread). MODE is
-- "money" or "bare". Prints one JSON line.
--
-- Without RATE the terminals are a closed loop: each sends its next request
-- the moment the previous answer arrives, so the run measures the most the
-- server can do (and at that point latency is just connections/throughput).
-- With RATE, requests follow a fixed schedule, as wrk2 does: request k of a
-- thread is due at start + k/rate, and its latency is counted from when it
-- was due, not from when it was sent, so a server stall is charged to every
-- request it delayed (no "coordinated omission"). The due time travels in the
-- Idempotency-Key and comes back in the answer's receipt_no.

local ffi = require("ffi")
ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } te_timespec;
  int clock_gettime(int clk_id, te_timespec *tp);
]]
local ts = ffi.new("te_timespec")
local function now_us()
  ffi.C.clock_gettime(1, ts) -- CLOCK_MONOTONIC
  return tonumber(ts.tv_sec) * 1000000 + math.floor(tonumber(ts.tv_nsec) / 1000)
end

local counter = 0
local threads = {}
local mode, token, customers, cards
local interval_us, next_due
local claimed, head, tail = {}, 1, 0 -- due times handed out by delay(), oldest first
sched_lat = {} -- latencies from the due time (us), rate mode; a global for thread:get()

-- setup() runs in the main Lua state; thread:set() defines the *global* tid in
-- each thread's own state. (A chunk-level `local tid` would shadow it and stay
-- 0 in every thread: all threads would then send the same keys, and half the
-- requests would be idempotent replays instead of new operations.)
function setup(thread)
  table.insert(threads, thread)
  thread:set("tid", #threads)
end

local function split(s)
  local out = {}
  for part in string.gmatch(s or "", "[^,]+") do table.insert(out, part) end
  return out
end

-- wrk calls delay() before each request of a connection and request() when
-- that delay has passed. Several connections wait at once, so each claims its
-- own due time here; their timers fire in due order, so request() takes the
-- oldest claim.
local function claim()
  local due = next_due
  next_due = next_due + interval_us
  return due
end

-- Defined as delay() by init() in rate mode only: wrk asks thread 0 after
-- init() whether delay() and response() exist, and the closed loop should
-- pay for neither a timer per request nor handing each body to Lua.
local function rate_delay()
  local due = claim()
  tail = tail + 1
  claimed[tail] = due
  local wait = (due - now_us()) / 1000
  return wait > 0 and wait or 0
end

function request()
  if mode == "bare" then
    return wrk.format("GET", "/api/v1/health")
  end
  counter = counter + 1
  local due = 0
  if interval_us then
    if head <= tail then
      due = claimed[head]
      claimed[head] = nil
      head = head + 1
    else
      due = claim()
    end
    -- wrk rounds delays down to whole ms, so a request may leave up to 1 ms
    -- early: count from whichever is earlier, due time or now.
    due = math.floor(math.min(due, now_us()))
  end
  local key = string.format("w%d-%d-%d-%d", tid, counter, math.random(1, 1000000000), due)
  local headers = {
    ["Authorization"] = "Bearer " .. token,
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = key,
  }
  local i = (counter % #customers) + 1
  if counter % 2 == 1 then
    local body = string.format(
      '{"card_uid":"%s","receipt_no":"%s","lines":[' ..
      '{"sku":"1","quantity":"2","unit_price":380,"vat_rate_bp":1900},' ..
      '{"sku":"2","quantity":"1","unit_price":250,"vat_rate_bp":700}],' ..
      '"tenders":[{"type":"credit","amount":null}]}', cards[i], key)
    return wrk.format("POST", "/api/v1/checkouts", headers, body)
  end
  return wrk.format("POST", "/api/v1/customers/" .. customers[i] .. "/payments", headers,
                    string.format('{"amount":100,"receipt_no":"%s"}', key))
end

local function rate_response(status, headers, body)
  if status >= 300 then return end
  local due = string.match(body, '"receipt_no": ?"w%d+%-%d+%-%d+%-(%d+)"')
  if due then sched_lat[#sched_lat + 1] = now_us() - tonumber(due) end
end

function init(args)
  assert(tid, "setup() did not run")
  mode = args[1]
  token = args[2]
  customers = split(args[3])
  cards = split(args[4])
  local rate = tonumber(args[5] or "")
  if rate and rate > 0 then
    interval_us = 1000000 / rate
    next_due = now_us() + (tid - 1) * interval_us / 2 -- the two threads interleaved
    delay = rate_delay
    response = rate_response
  end
  math.randomseed(os.time() * 1000 + tid)
end

function done(summary, latency, requests)
  local s = summary.errors
  local all = {}
  for _, t in ipairs(threads) do
    for _, v in ipairs(t:get("sched_lat") or {}) do all[#all + 1] = v end
  end
  local function pct(p)
    if #all == 0 then return 0 end
    local k = math.max(1, math.min(#all, math.floor(p / 100 * #all + 0.5)))
    return all[k]
  end
  table.sort(all)
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p99_us":%d,"mean_us":%.1f,"scheduled":%d,"sched_p50_us":%d,' ..
    '"sched_p99_us":%d,"sched_max_us":%d}\n',
    summary.requests, summary.duration, s.status, s.connect + s.read + s.write + s.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean,
    #all, pct(50), pct(99), all[#all] or 0))
end
