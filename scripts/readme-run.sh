#!/usr/bin/env bash
# Runs the README's run command exactly as written (the line after "# Run it" in its first sh
# block) against a real Pushgateway on localhost:9091, the address that command names. Uses a
# gateway already serving there, or starts one for the duration of the check.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/start-gateway.sh

cmd=$(awk '/^```sh/{inblock=1; next} /^```/{if (inblock) exit} inblock && /^# Run it/{getline; print; exit}' README.md)
[ -n "$cmd" ] || { echo "readme-run: no command after '# Run it' in README.md's first sh block"; exit 1; }
case "$cmd" in *--dry-run*) ;; *) echo "readme-run: the README's run command must be a dry run: $cmd"; exit 1 ;; esac

work=$(mktemp -d)
gw_pid=""
cleanup() {
  [ -n "$gw_pid" ] && kill "$gw_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

url=http://localhost:9091
if ! curl -fsS -m 2 "$url/api/v1/status" >/dev/null 2>&1; then
  start_gateway 127.0.0.1:9091 "$work/gw.log" || { echo "readme-run: pushgateway did not start"; cat "$work/gw.log"; exit 1; }
fi
printf 'readme_run_metric 1\n' | curl -fsS -X PUT --data-binary @- "$url/metrics/job/readme_run/run_id/r1"

echo "readme-run: $cmd"
set +e
bash -c "$cmd" >"$work/out" 2>"$work/err"
rc=$?
set -e
cat "$work/out"
[ "$rc" -eq 0 ] || { echo "readme-run: exited $rc"; cat "$work/err"; exit 1; }
grep -q 'dry run' "$work/out" || { echo "readme-run: no dry-run report on stdout"; cat "$work/err"; exit 1; }
# A dry run deletes nothing: the group is still there.
curl -fsS "$url/api/v1/metrics" | grep -q '"readme_run"' || { echo "readme-run: the dry run deleted a group"; exit 1; }
printf '' | curl -fsS -X DELETE "$url/metrics/job/readme_run/run_id/r1" >/dev/null
echo "readme-run: the README's run command works"
