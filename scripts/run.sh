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
out=results/run
mkdir -p "$out"
for f in fixtures/summary_*.csv; do
  name=$(basename "$f" .csv)
  name=${name#summary_}
  echo "== $name: saturation and the concurrency for a 2.5 s TTFT budget"
  "$sk" saturation "$f" | sed -n '3,4p'
  "$sk" recommend --file "$f" --ttft-budget 2.5 | tail -n 1 | fold -s -w 78
  # The fixtures publish no median/p90 TTFT: plot's notes about those
  # empty series are expected here (a failure still stops the script).
  "$sk" plot "$f" --kind dashboard --out "$out/dashboard_$name.png" 2>/dev/null
  echo
done
"$sk" plot fixtures/summary_*.csv --out "$out/throughput_overlay.png" 2>/dev/null
echo "== per-query percentiles (fixtures/per_query.csv)"
"$sk" stats --file fixtures/per_query.csv --fields ttft_s,tokens_per_s \
  --percentiles 50,90
echo
for f in fixtures/full_sweep.csv fixtures/round_robin.csv; do
  echo "== $f: top 5 by throughput_tps, error-free runs only"
  "$sk" top --file "$f" --where 'errors==0'
  echo
done
echo "charts: $out/"
