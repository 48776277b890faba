#!/usr/bin/env bash
# Checks the systemd example in docs/operations.md as far as a machine without a running systemd
# allows: installs a packed tarball with its npm install line (into a scratch prefix instead of
# /opt/pgsweep), runs `systemd-analyze verify` on its unit when systemd-analyze exists,
# then runs the unit's ExecStart line with its Environment, as nobody, without HOME, from /,
# against a real Pushgateway: the scheduler must come up healthy and stop with exit 0 on SIGTERM,
# and the same install must sweep. Differences from the unit, all for the test: PGSWEEP_URL names
# the test gateway and --listen a free port. Run as root (CI does).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/start-gateway.sh
repo=$(pwd)
[ "$(id -u)" -eq 0 ] || { echo "systemd-check: run as root (it runs pgsweep as nobody)"; exit 2; }

work=$(mktemp -d)
chmod 755 "$work"
gw_pid=""
svc_pid=""
cleanup() {
  [ -n "$svc_pid" ] && kill "$svc_pid" 2>/dev/null || true
  [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "systemd-check: $*"; for f in "$work"/*.out "$work"/*.err; do [ -s "$f" ] && { echo "--- $f"; cat "$f"; }; done; exit 1; }

doc=docs/operations.md
install=$(grep -m1 '^sudo npm install --omit=dev --prefix /opt/pgsweep ' "$doc" | sed 's/^sudo //')
unit=$(awk '/^Then `\/etc\/systemd\/system\/pgsweep.service`:/{found=1; next} found && /^```ini/{inblock=1; next} inblock && /^```/{exit} inblock{print}' "$doc")
[ -n "$install" ] && [ -n "$unit" ] || fail "$doc has no systemd install line or unit"
prefix="$work/opt-pgsweep"

# The install, as the doc writes it, from a tarball packed here.
npm pack --silent --pack-destination "$work" >/dev/null
(cd "$work" && bash -c "${install//\/opt\/pgsweep/$prefix}" >install.out 2>install.err) || fail "install failed: $install"
printf '%s\n' "$unit" | sed "s|/opt/pgsweep|$prefix|g" >"$work/pgsweep.service"
if command -v systemd-analyze >/dev/null; then
  systemd-analyze verify "$work/pgsweep.service" >"$work/verify.out" 2>&1 || fail "systemd-analyze verify failed"
  echo "systemd-check: systemd-analyze verify: ok"
else
  echo "systemd-check: systemd-analyze not installed: unit not verified"
fi

# The unit's Environment and ExecStart (systemd quoting is shell-compatible for this line).
envs=$(sed -n 's/^Environment=//p' "$work/pgsweep.service")
exec_start=$(sed -n 's/^ExecStart=//p' "$work/pgsweep.service")
eval "set -- $exec_start"
[ -x "$1" ] || fail "ExecStart names $1, which the install did not create"

start_gateway 127.0.0.1:0 "$work/gw.log" || fail "pushgateway did not start"
url="http://127.0.0.1:$port"
listen_port=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')

# As systemd would: a user with no home and no writable directory, a clean environment, cwd /.
# Call it in a subshell (it execs, so a background call's $! is pgsweep itself).
as_unit() {
  cd / && exec setpriv --reuid=nobody --regid=nogroup --clear-groups \
    env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin $envs PGSWEEP_URL="$url" "$@"
}
args=()
for a in "$@"; do args+=("${a/127.0.0.1:9099/127.0.0.1:$listen_port}"); done

as_unit "${args[@]}" >"$work/service.out" 2>"$work/service.err" &
svc_pid=$!
ok=""
for _ in $(seq 1 100); do
  if curl -fsS -m 1 "http://127.0.0.1:$listen_port/healthz" >/dev/null 2>&1; then ok=1; break; fi
  kill -0 "$svc_pid" 2>/dev/null || fail "the service exited"
  sleep 0.1
done
[ -n "$ok" ] || fail "the service did not answer /healthz"
curl -fsS "http://127.0.0.1:$listen_port/metrics" | grep -q '^pgsweep_runs_total' || fail "no /metrics"

# The same install and environment sweep: a stale group goes, pgsweep's own group is pushed.
printf 'systemd_check 1\n' | curl -fsS -X PUT --data-binary @- "$url/metrics/job/systemd_check/run_id/r1"
sleep 2.2
(as_unit "$1" --ttl 1s --push-metrics) >"$work/sweep.out" 2>"$work/sweep.err" || fail "the sweep failed"
groups=$(curl -fsS "$url/api/v1/metrics")
case "$groups" in *'"systemd_check"'*) fail "the stale group is still there" ;; esac
case "$groups" in *'"job":"pgsweep"'*) ;; *) fail "no self-metrics group: $groups" ;; esac

kill -TERM "$svc_pid"
set +e
timeout 10 tail --pid="$svc_pid" -f /dev/null
wait "$svc_pid"
rc=$?
set -e
svc_pid=""
[ "$rc" -eq 0 ] || fail "the service exited $rc on SIGTERM, want 0"
cd "$repo"
echo "systemd-check: the documented unit runs as written (nobody, no HOME), sweeps, and stops with exit 0"
