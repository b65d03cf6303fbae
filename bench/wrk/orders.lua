-- Order placement (bench/run.sh): every request places a new order (the
-- form body comes as the first argument, the session cookie as the second,
-- the origin as the third; each request gets its own idempotency key).
dofile("bench/wrk/report.lua")

function init(args)
  body = args[1]
  wrk.method = "POST"
  wrk.headers["Cookie"] = args[2]
  wrk.headers["Accept"] = "application/json"
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Origin"] = args[3]
  prefix = "bench-" .. id .. "-" .. os.time() .. "-"
  count = 0
end

function request()
  count = count + 1
  return wrk.format(nil, nil, nil, body .. "&key=" .. prefix .. count)
end
