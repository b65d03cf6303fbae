-- Login under attack (bench/run.sh): every request is a wrong password for
-- a real account, sent as the login form would be. Counts answers by status.
-- Arguments: the origin, the e-mail.
dofile("bench/wrk/report.lua")

function init(args)
  wrk.method = "POST"
  wrk.headers["Origin"] = args[1]
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
  wrk.headers["Accept"] = "application/json"
  wrk.body = "email=" .. args[2] .. "&password=not-the-password-" .. id
  codes = {}
end

function response(status, headers, body)
  local k = tostring(status)
  codes[k] = (codes[k] or 0) + 1
end
