#!/usr/bin/env bash
# Quick start, first command: set up, build, and run the main job on the
# bundled data in fixtures/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
sk=build/sweepkit

for f in fixtures/summary_*.csv; do
  echo "== $f: best throughput (top 3 of $(($(wc -l <"$f") - 1)) levels)"
  "$sk" top --file "$f" --field throughput_tokens_per_s --count 3 \
    --columns concurrency,throughput_tokens_per_s,avg_ttft_s,avg_query_tokens_per_s
  echo
done
for f in fixtures/full_sweep.csv fixtures/round_robin.csv; do
  echo "== $f: top 5 by throughput_tps, error-free runs only"
  "$sk" top --file "$f" --where 'errors==0'
  echo
done
