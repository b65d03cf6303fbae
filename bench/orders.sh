#!/usr/bin/env bash
# Order placement on PostgreSQL next to the database's own limit, in one run:
#   1. Mutua seeded with the demo cooperative; CONNECTIONS clients (wrk)
#      place orders through the real server function (each a full
#      transaction: order, line, event, e-mail, idempotency key);
#   2. pgbench -b tpcb-like with as many clients on the same server.
# Prints a markdown table and the ratio.
#   bash bench/orders.sh        # after `cargo leptos build --release`
# Tunables: POSTGRES (admin URL), CONNECTIONS (16), DURATION (seconds, 15).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
POSTGRES=${POSTGRES:-postgres://postgres@127.0.0.1:5432/postgres}
CONNECTIONS=${CONNECTIONS:-16}
SECONDS_PER_RUN=${DURATION:-15}
BIN=target/release/mutua
[ -x "$BIN" ] || { echo "build first: cargo leptos build --release" >&2; exit 1; }
command -v wrk >/dev/null || { echo "installing wrk"; apt-get install -y -qq wrk >/dev/null; }

server_url=${POSTGRES%/*}
app_db=mutua_bench_orders_$$
pg_db=mutua_bench_pgbench_$$
work=$(mktemp -d)
cleanup() {
  kill "${server:-}" 2>/dev/null || true
  wait "${server:-}" 2>/dev/null || true
  psql -q "$POSTGRES" -c "DROP DATABASE IF EXISTS $app_db WITH (FORCE)" -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
psql -q "$POSTGRES" -c "CREATE DATABASE $app_db" -c "CREATE DATABASE $pg_db" >/dev/null

export MUTUA_DATA_DIR="$work" RUST_LOG=error DATABASE_URL="$server_url/$app_db"
# Timed transitions and mail stay out of the measurement.
export MUTUA_JOB_INTERVAL_SECS=3600
"$BIN" seed-demo >/dev/null
start_server

setup=$(node bench/orders.mjs "$url")
body=$(node -e 'console.log(JSON.parse(process.argv[1]).body)' "$setup")
cookie=$(node -e 'console.log(JSON.parse(process.argv[1]).cookie)' "$setup")
before=$(psql -tA "$DATABASE_URL" -c "SELECT COUNT(*) FROM orders")
# wrk: 2 threads (a light load tool leaves the cores to the server and the database).
wrk -t 2 -c "$CONNECTIONS" -d "${SECONDS_PER_RUN}s" --latency -s bench/orders.lua "$url/fn/order-place" \
  -- "$body" "$cookie" "$url" >"$work/wrk"
kill "$server"; wait "$server" 2>/dev/null || true
orders=$(( $(psql -tA "$DATABASE_URL" -c "SELECT COUNT(*) FROM orders") - before ))
rps=$(awk '/^Requests\/sec:/ { print int($2) }' "$work/wrk")
p50=$(awk '$1 == "50%" { print $2 }' "$work/wrk")
p99=$(awk '$1 == "99%" { print $2 }' "$work/wrk")
bad=$(awk '/Non-2xx/ { print $NF }' "$work/wrk")

pgbench -q -i -s 10 "$server_url/$pg_db" >/dev/null 2>&1
tps=$(pgbench -b tpcb-like -c "$CONNECTIONS" -j 2 -T "$SECONDS_PER_RUN" "$server_url/$pg_db" 2>/dev/null \
  | awk '/^tps = / { print int($3) }')

echo "| measurement | per second | p50 | p99 |"
echo "|---|---:|---:|---:|"
echo "| Mutua order placement ($CONNECTIONS clients) | $rps | $p50 | $p99 |"
echo "| pgbench tpcb-like ($CONNECTIONS clients) | $tps | | |"
echo
echo "ratio: $(( 100 * rps / tps )) % of pgbench; $orders orders written, ${bad:-0} answers not 2xx"
