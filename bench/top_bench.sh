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
rows=${1:-1000000}
sk=build/sweepkit
out=results/bench
mkdir -p "$out"
csv=$out/per_query_${rows}.csv

if [ ! -s "$csv" ]; then
  # 13 columns as the collector writes them; a quoted prompt preview with
  # commas and doubled quotes on every row.  Deterministic (awk's srand(1)).
  awk -v n="$rows" 'BEGIN {
    srand(1)
    print "concurrency,query_id,prompt_preview,prompt_tokens,duration_s,ttft_s,output_tokens,tokens_per_s,decode_tokens,decode_s,decode_tokens_per_s,prefill_prompt_tokens_per_s,finish_reason"
    for (i = 0; i < n; i++) {
      c = 2 ^ (i % 8); d = 2 + 38 * rand(); t = 0.02 + 5 * rand()
      printf "%d,%d,\"Explain the history of topic %d, with \"\"quotes\"\", in detail\",%d,%.6f,%.6f,512,%.6f,511,%.6f,%.6f,%.6f,length\n",
        c, i, i % 128, 20 + int(40 * rand()), d, t, 512 / d, d - t, 511 / (d - t), 100 + 800 * rand()
    }
  }' >"$csv"
fi
bytes=$(stat -c %s "$csv")

cc -O2 -o "$out/csv_floor" bench/csv_floor.c -lcsv

best() { # best wall seconds of 5 runs of "$@", and the peak RSS in KB
  local i t rss best_t=999999 best_rss=0
  for i in 1 2 3 4 5; do
    read -r t rss < <({ /usr/bin/time -f "%e %M" "$@" >/dev/null; } 2>&1 | tail -n 1)
    if awk -v a="$t" -v b="$best_t" 'BEGIN { exit !(a < b) }'; then best_t=$t; fi
    [ "$rss" -gt "$best_rss" ] && best_rss=$rss
  done
  echo "$best_t $best_rss"
}

read -r t_top rss_top < <(best "$sk" top --file "$csv" --field tokens_per_s --count 10)
read -r t_csv rss_csv < <(best "$out/csv_floor" "$csv")
awk -v r="$rows" -v b="$bytes" -v t="$t_top" -v m="$rss_top" -v tc="$t_csv" -v mc="$rss_csv" 'BEGIN {
  printf "rows: %d, file: %.1f MB\n", r, b / 1e6
  printf "sweepkit top --field tokens_per_s --count 10: %.3f s, %.0f MB/s, peak RSS %.1f MB\n", t, b / 1e6 / t, m / 1024
  printf "libcsv alone (csv_parse, counting callbacks): %.3f s, %.0f MB/s, peak RSS %.1f MB\n", tc, b / 1e6 / tc, mc / 1024
}'
