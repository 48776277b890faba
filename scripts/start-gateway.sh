# Sourced by the CI check scripts: starts a real Pushgateway for the duration of the script.
# start_gateway ADDRESS LOG: listens on ADDRESS (127.0.0.1:0 for a free port), logs to LOG, and
# sets gw_pid and port once it listens; returns 1 if it did not start within 5 s.
start_gateway() {
  local bin=${PUSHGATEWAY_BIN:-$(command -v pushgateway || command -v prometheus-pushgateway)}
  "$bin" --web.listen-address="$1" --persistence.file= --log.format=json 2>"$2" &
  gw_pid=$!
  port=""
  for _ in $(seq 1 50); do
    port=$(grep '"msg":"Listening on"' "$2" | grep -o '127\.0\.0\.1:[0-9]*' | cut -d: -f2 | head -n 1 || true)
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  return 1
}
