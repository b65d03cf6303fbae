-- Plain GET load (bench/run.sh): wrk's default request, the JSON report.
dofile("bench/wrk/report.lua")
