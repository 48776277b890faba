#!/usr/bin/env bash
# Packs pgsweep, installs the tarball in a scratch directory through npx, and sweeps a real
# Pushgateway with it: the path a user takes with `npx pgsweep`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/start-gateway.sh

work=$(mktemp -d)
gw_pid=""
cleanup() {
  [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

tarball=$(npm pack --silent --pack-destination "$work" | tail -n 1)
start_gateway 127.0.0.1:0 "$work/gw.log" || { echo "smoke: pushgateway did not start"; cat "$work/gw.log"; exit 1; }
url="http://127.0.0.1:$port"

printf 'smoke_metric 1\n' | curl -fsS -X PUT --data-binary @- "$url/metrics/job/smoke/run_id/r1"
sleep 2.3

cd "$work"
set +e
npx --yes --package "./$tarball" pgsweep --url "$url" --ttl 1s --check >check.out 2>check.err
check_rc=$?
set -e
[ "$check_rc" -eq 3 ] || { echo "smoke: --check exited $check_rc, want 3"; cat check.out check.err; exit 1; }

npx --yes --package "./$tarball" pgsweep --url "$url" --ttl 1s --output json >sweep.json
node -e '
  const doc = JSON.parse(require("fs").readFileSync("sweep.json", "utf8"));
  if (doc.summary.deleted !== 1 || doc.summary.failed !== 0) { console.error(doc.summary); process.exit(1); }
'
left=$(curl -fsS "$url/api/v1/metrics")
[ "$left" = '{"status":"success","data":[]}' ] || { echo "smoke: gateway not empty: $left"; exit 1; }
echo "smoke: npx pgsweep from $tarball deleted the stale group"
