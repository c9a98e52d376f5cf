#!/usr/bin/env bash
# Benchmark `sweepkit stats` on a generated per-query CSV (the issue's
# target: under 1.5 s for 1,000,000 rows, peak RSS under 4x the kept
# numeric values: 4 fields x 8 bytes x rows = 32 MB, so 128 MB).
#
# usage: bench/stats_bench.sh [ROWS]   (default 1000000; build first)
#   SK=path   the sweepkit binary (default build/sweepkit)
#   OUT=dir   where the generated CSV goes (default results/bench)
# Prints rows, file size, best-of-5 wall time, MB/s, peak RSS and the size
# of the kept numeric values; and libcsv alone on the same file
# (bench/csv_floor.c), the floor under any libcsv-based reader, measured in
# the same run because the machine is shared and noisy.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
rows=${1:-1000000}
sk=${SK:-build/sweepkit}
out=${OUT:-results/bench}
mkdir -p "$out"
csv=$out/per_query_${rows}.csv

gen_per_query "$rows" "$csv"
bytes=$(stat -c %s "$csv")

cc -O2 -o "$out/csv_floor" bench/csv_floor.c -lcsv


# A failing run would otherwise be timed as a fast one.
"$sk" stats --file "$csv" --by concurrency \
  --fields ttft_s,tokens_per_s,decode_tokens_per_s,duration_s \
  --percentiles 50,90,99 >/dev/null

read -r t rss < <(best "$sk" stats --file "$csv" --by concurrency \
  --fields ttft_s,tokens_per_s,decode_tokens_per_s,duration_s \
  --percentiles 50,90,99)
read -r t_csv rss_csv < <(best "$out/csv_floor" "$csv")
awk -v r="$rows" -v b="$bytes" -v t="$t" -v m="$rss" -v tc="$t_csv" 'BEGIN {
  kept = 4 * 8 * r
  printf "rows: %d, file: %.1f MB\n", r, b / 1e6
  printf "sweepkit stats --by concurrency, 4 fields, p50/p90/p99: %.3f s, %.0f MB/s\n", t, b / 1e6 / t
  printf "peak RSS %.1f MB; kept values %.1f MB (4 x 8 bytes x rows); ratio %.2f (target < 4)\n", m * 1024 / 1e6, kept / 1e6, m * 1024 / kept
  printf "libcsv alone (csv_parse, counting callbacks): %.3f s, %.0f MB/s\n", tc, b / 1e6 / tc
}'
