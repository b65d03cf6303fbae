#!/usr/bin/env bash
# Catalog benchmark: seeds the demo cooperative plus 10,000 listings into a
# fresh SQLite file (or DATABASE_URL), starts the release server and
# measures /healthz, the search page and a listing page with 16 connections.
#   bash bench/catalog.sh            # after `cargo leptos build --release`
# Tunables: LISTINGS (10000), CONNECTIONS (16), DURATION (seconds, 10).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/lib.sh
LISTINGS=${LISTINGS:-10000}
CONNECTIONS=${CONNECTIONS:-16}
SECONDS_PER_RUN=${DURATION:-10}
BIN=target/release/mutua
[ -x "$BIN" ] || { echo "build first: cargo leptos build --release" >&2; exit 1; }
[ -d bench/node_modules/autocannon ] || (cd bench && npm ci --no-audit --no-fund >/dev/null)

work=$(mktemp -d)
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
export MUTUA_DATA_DIR="$work" RUST_LOG=error
export DATABASE_URL=${DATABASE_URL:-sqlite://$work/mutua.db?mode=rwc}
echo "seeding $LISTINGS listings…"
"$BIN" seed-demo --bench-listings "$LISTINGS" >/dev/null
start_server
listing=$(curl -s "$url/api/v1/listings?per_page=1" | grep -o '"id":"[0-9a-f-]*"' | head -1 | cut -d'"' -f4)

echo "| endpoint | requests/s | p50 ms | p99 ms |"
echo "|---|---:|---:|---:|"
for path in /healthz "/search?q=pulizie" "/search?category=riparazioni&sort=price&page=3" "/listings/$listing" "/api/v1/listings?q=caffe"; do
  node bench/node_modules/autocannon/autocannon.js -c "$CONNECTIONS" -d "$SECONDS_PER_RUN" -j "$url$path" 2>/dev/null \
    | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const r=JSON.parse(s);
        const bad=r.non2xx+r.errors; const p=process.argv[1].replace(/\/listings\/[0-9a-f-]+/,"/listings/{id}");
        console.log(`| \`${p}\` | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} |${bad?` ${bad} failed`:""}`)})' "$path"
done
