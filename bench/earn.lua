-- wrk script for bench/earn.py: every request a new order and a new Idempotency-Key,
-- spread over the enrolled members. Arguments: API key, the member ids (comma-separated),
-- a run label (keeps order ids unique across runs).
local counter = 0
local threads = {}

function setup(thread)
  thread:set("tid", #threads + 1)
  table.insert(threads, thread)
end

function init(args)
  key, run = args[1], args[3]
  members = {}
  for id in string.gmatch(args[2], "%d+") do
    table.insert(members, id)
  end
end

function request()
  counter = counter + 1
  local n = string.format("%s-%d-%d", run, tid, counter)
  local member = members[(counter * 7 + tid * 997) % #members + 1]
  local body = string.format(
    '{"member_id": %s, "order_id": "o-%s", "occurred_at": "2026-01-05T10:00:00Z",'
    .. ' "currency": "EUR", "lines": ['
    .. '{"sku": "A1", "category": "books", "quantity": 2, "unit_price": "10.00"},'
    .. ' {"sku": "B7", "category": "home", "quantity": 1, "unit_price": "24.90"}]}',
    member, n)
  return wrk.format("POST", "/v1/purchases", {
    ["Authorization"] = "Bearer " .. key,
    ["Idempotency-Key"] = n,
    ["Content-Type"] = "application/json",
  }, body)
end

function done(summary, latency, requests)
  local failed = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT %d %d %d %.3f %.3f %.3f\n", summary.requests,
    summary.duration, failed, latency:percentile(50) / 1000,
    latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
