#!/usr/bin/env bash
# Re-capture the progress fixtures in test/fixtures/build/ from the real engine.
#
#   scripts/engine.sh up && scripts/engine-capture-fixtures.sh
#
# For each case directory (a Dockerfile and its context) it writes <case>.txt, the plain progress
# exactly as the client printed it, and <case>.timed.txt, the same lines prefixed with the
# seconds since the build started at which each line arrived (what the driver records live).
# `multi-stage-rebuild` is multi-stage built again after a.txt changed, to show CACHED steps.
# Builds run with --no-cache first so that what is executed does not depend on earlier runs.
set -euo pipefail

ROOT="$(cd "$(dirname "$0")/.." && pwd)"
FIX="$ROOT/test/fixtures/build"
DOCKER="${LAYERWISE_DOCKER:-/usr/bin/docker}"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/layerwise-capture.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT

# build <name> <context> [docker build flags...]
capture() {
  local name="$1" ctx="$2"
  shift 2
  local start tag="layerwise-test/capture:$name"
  start="${EPOCHREALTIME/./}" # microseconds, so plain integer arithmetic works
  set +e
  DOCKER_BUILDKIT=1 "$DOCKER" build --progress=plain --network=host -t "$tag" "$@" "$ctx" 2>&1 |
    while IFS= read -r line; do
      local us=$(( ${EPOCHREALTIME/./} - start ))
      printf '%d.%03d\t%s\n' $((us / 1000000)) $(((us % 1000000) / 1000)) "$line"
    done >"$FIX/$name.timed.txt"
  set -e
  cut -f2- "$FIX/$name.timed.txt" >"$FIX/$name.txt"
  "$DOCKER" image rm "$tag" >/dev/null 2>&1 || true
  echo "captured $name ($(wc -l <"$FIX/$name.txt") lines)"
}

for case in single-stage multi-stage stage-from-stage failing-step missing-file; do
  rm -rf "${WORK:?}/$case"
  cp -r "$FIX/$case" "$WORK/$case"
  capture "$case" "$WORK/$case" --no-cache
done

# The same multi-stage build again, with one context file changed: base's COPY and what follows
# run again, everything before it and the `right` stage come from the cache.
echo "second" >"$WORK/multi-stage/a.txt"
capture multi-stage-rebuild "$WORK/multi-stage"
