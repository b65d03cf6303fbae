# Shared by the bench scripts (sourced): starts the release server in the
# background on a free port with the current environment; sets $server (its
# pid) and $url. Needs $BIN and $work.
start_server() {
  MUTUA_LISTEN=127.0.0.1:0 "$BIN" serve >"$work/out" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do
    url=$(grep -o 'http://[0-9.:]*' "$work/out" | head -1 || true)
    [ -n "$url" ] && return 0
    sleep 0.2
  done
  cat "$work/out" >&2
  exit 1
}
