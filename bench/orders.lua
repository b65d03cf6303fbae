-- wrk script for bench/orders.sh: every request places a new order (the
-- form body comes as the first argument, the session cookie as the second;
-- each request gets its own idempotency key).
local threads = 0
function setup(thread)
  thread:set("n", threads)
  threads = threads + 1
end

function init(args)
  body = args[1]
  wrk.method = "POST"
  wrk.headers["Cookie"] = args[2]
  wrk.headers["Accept"] = "application/json"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Origin"] = args[3]
  prefix = "bench-" .. n .. "-" .. os.time() .. "-"
  count = 0
end

function request()
  count = count + 1
  return wrk.format(nil, nil, nil, body .. "&key=" .. prefix .. count)
end
