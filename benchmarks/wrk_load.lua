-- wrk script for the load harness: 16 terminals' worth of connections doing
-- checkouts (credit tender) and payments, each with its own Idempotency-Key.
-- Arguments after `--`: MODE TOKEN CUSTOMER_IDS CARD_UIDS (comma separated);
-- MODE is "money" or "bare". Prints one JSON line with the results.

local counter = 0
local tid = 0
local threads = {}
local mode, token, customers, cards

function setup(thread)
  tid = tid + 1
  thread:set("tid", tid)
  table.insert(threads, thread)
end

local function split(s)
  local out = {}
  for part in string.gmatch(s or "", "[^,]+") do table.insert(out, part) end
  return out
end

function init(args)
  mode = args[1]
  token = args[2]
  customers = split(args[3])
  cards = split(args[4])
  math.randomseed(os.time() + (tid or 0) * 7919)
end

function request()
  if mode == "bare" then
    return wrk.format("GET", "/api/v1/health")
  end
  counter = counter + 1
  local key = string.format("w%d-%d-%d", tid, counter, math.random(1, 1000000000))
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
                    '{"amount":100}')
end

function done(summary, latency, requests)
  local s = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"non2xx":%d,"socket_errors":%d,' ..
    '"p50_us":%d,"p99_us":%d,"mean_us":%.1f}\n',
    summary.requests, summary.duration, s.status, s.connect + s.read + s.write + s.timeout,
    latency:percentile(50), latency:percentile(99), latency.mean))
end
