#!/usr/bin/env bash
# The main job, on a built sweepkit:
#   1. start `sweepkit serve-sim` on a free loopback port (in the
#      background; stopped on every exit path),
#   2. `sweepkit collect` against it at a few levels (about 15 s),
#   3. `sweepkit report` over the new CSVs and the bundled fixtures/,
#   4. print where report.md is ("report: PATH", the last line).
# A failing step says which and exits non-zero.  Paths are as given (the
# job itself runs in the repository root, for fixtures/).
# usage: scripts/main_job.sh [SWEEPKIT [WORKDIR]]
#   (default build/sweepkit and results/run_<time>/ in the repository)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
case $# in
  0|1|2) ;;
  *) echo "usage: scripts/main_job.sh [SWEEPKIT [WORKDIR]]" >&2; exit 2 ;;
esac
sk=$(realpath "${1:-$root/build/sweepkit}")
work=$(realpath -m "${2:-$root/results/run_$(date +%Y%m%d_%H%M%S)}")
[ -x "$sk" ] || { echo "main_job.sh: $sk: not built (scripts/build.sh)" >&2; exit 1; }
cd "$root"
mkdir -p "$work"
server=
step=
cleanup() {
  if [ -n "$server" ] && kill -0 "$server" 2>/dev/null; then
    kill "$server" 2>/dev/null || true
    wait "$server" 2>/dev/null || true
  fi
}
fail() {
  echo "main_job.sh: step '$step' failed; see the messages above" >&2
  exit 1
}
trap cleanup EXIT
trap fail ERR

step="start serve-sim"
# A small continuous-batching model: 8 slots, 10 ms + 1 ms per sequence a
# step (one stream 91 tok/s, 8 streams 444 tok/s), so the sweep saturates
# at 8 within the levels below.
: >"$work/serve-sim.out"
"$sk" serve-sim --slots 8 --step-ms 10 --step-ms-per-seq 1 \
  --log "$work/serve-sim.csv" >"$work/serve-sim.out" &
server=$!
url=
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/serve-sim.out" || true)
  [ -n "$url" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.05
done
[ -n "$url" ] || { echo "main_job.sh: serve-sim did not start" >&2; false; }
echo "== serve-sim at $url"

step="collect"
echo "== collect: 16 queries at concurrency 1, 2, 4, 8, 16 (32 tokens each)"
"$sk" collect --url "$url" --model serve-sim --queries 16 --max-tokens 32 \
  --concurrency-levels 1,2,4,8,16 --out-dir "$work/sweep" --prefix serve-sim \
  --label source=live >"$work/collect.out"

step="stop serve-sim"
if ! kill -0 "$server" 2>/dev/null; then
  status=0
  wait "$server" || status=$?
  echo "main_job.sh: serve-sim exited early (status $status); see $work/serve-sim.out" >&2
  server=
  false
fi
kill "$server"
wait "$server" || true
server=

step="report"
echo "== report over the live sweep and fixtures/"
report=$("$sk" report "$work/sweep" fixtures/summary_*.csv \
  fixtures/per_query.csv --out "$work/report")
echo
echo "report: $report"
