#!/usr/bin/env bash
# Packages helm/pgsweep at a release's version and pushes it to an OCI registry.
# Usage: scripts/release-chart.sh [--dry-run] <version> <oci://registry/path>
# With REGISTRY_USERNAME and REGISTRY_PASSWORD set, logs in to the registry first.
# --dry-run packages and checks the chart but pushes nothing (and needs no registry).
# HELM names the helm binary (default: helm on PATH).
set -euo pipefail
cd "$(dirname "$0")/.."

dry_run=""
if [ "${1:-}" = "--dry-run" ]; then dry_run=1; shift; fi
[ $# -eq 2 ] || { echo "usage: $0 [--dry-run] <version> <oci://registry/path>" >&2; exit 2; }
version=$1
dest=$2
case "$dest" in oci://?*/?*) ;; *) echo "release-chart: $dest is not oci://<registry>/<path>" >&2; exit 2 ;; esac
helm=${HELM:-helm}

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

# The chart must already be at this version (scripts/release-check.js): package it as it is,
# so the pushed chart is the tested one.
"$helm" lint --strict helm/pgsweep --set pushgateway.url=http://pushgateway:9091 >/dev/null
"$helm" package helm/pgsweep --destination "$out" >/dev/null
tgz="$out/pgsweep-$version.tgz"
[ -f "$tgz" ] || { echo "release-chart: helm package did not write pgsweep-$version.tgz: is Chart.yaml at $version?" >&2; ls "$out" >&2; exit 1; }

if [ -n "$dry_run" ]; then
  echo "release-chart: packaged $(basename "$tgz"); dry run, not pushed to $dest"
  exit 0
fi
if [ -n "${REGISTRY_USERNAME:-}" ] && [ -n "${REGISTRY_PASSWORD:-}" ]; then
  host=${dest#oci://}
  host=${host%%/*}
  printf '%s' "$REGISTRY_PASSWORD" | "$helm" registry login "$host" --username "$REGISTRY_USERNAME" --password-stdin
fi
"$helm" push "$tgz" "$dest"
echo "release-chart: pushed $(basename "$tgz") to $dest"
