#!/usr/bin/env bash
# Benchmark `sweepkit top` on a generated per-query CSV (the issue's target:
# >= 300 MB/s on one core, peak RSS under 32 MB that does not grow with the
# file).  Also times libcsv alone on the same file (bench/csv_floor.c), the
# floor any libcsv-based reader stands on.
#
# usage: bench/top_bench.sh [ROWS]   (default 1000000; build first)
# Prints rows, file size, best-of-5 wall time, MB/s and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
rows=${1:-1000000}
sk=build/sweepkit
out=results/bench
mkdir -p "$out"
csv=$out/per_query_${rows}.csv

gen_per_query "$rows" "$csv"
bytes=$(stat -c %s "$csv")

cc -O2 -o "$out/csv_floor" bench/csv_floor.c -lcsv


read -r t_top rss_top < <(best "$sk" top --file "$csv" --field tokens_per_s --count 10)
read -r t_csv rss_csv < <(best "$out/csv_floor" "$csv")
awk -v r="$rows" -v b="$bytes" -v t="$t_top" -v m="$rss_top" -v tc="$t_csv" -v mc="$rss_csv" 'BEGIN {
  printf "rows: %d, file: %.1f MB\n", r, b / 1e6
  printf "sweepkit top --field tokens_per_s --count 10: %.3f s, %.0f MB/s, peak RSS %.1f MB\n", t, b / 1e6 / t, m / 1024
  printf "libcsv alone (csv_parse, counting callbacks): %.3f s, %.0f MB/s, peak RSS %.1f MB\n", tc, b / 1e6 / tc, mc / 1024
}'
