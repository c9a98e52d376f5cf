#!/usr/bin/env bash
# Benchmark `sweepkit stats` on a generated per-query CSV (issues 3 and
# 22), side by side in one run with the page-cache line count (`wc -l`),
# libcsv alone (bench/csv_floor.c) and, when python3 can import it,
# pandas reading only the needed columns (`usecols`) and computing the
# same percentiles per concurrency.  sweepkit stats runs with --threads 1
# and auto, with its default 95% percentile intervals and without them
# (--confidence 0: what pandas computes).  Peak RSS against the kept
# values (4 fields x 8 bytes x rows).
#
# usage: bench/stats_bench.sh [ROWS]   (default 1000000; build first)
#   SK=path   the sweepkit binary (default build/sweepkit)
#   OUT=dir   where the generated CSV goes (default results/bench)
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
args=(stats --file "$csv" --by concurrency
      --fields ttft_s,tokens_per_s,decode_tokens_per_s,duration_s
      --percentiles 50,90,99)

# A failing run would otherwise be timed as a fast one; and the output
# must not depend on the threads.
a=$("$sk" "${args[@]}" --threads 1 --format csv)
b=$("$sk" "${args[@]}" --threads auto --format csv)
[ "$a" = "$b" ] || { echo "stats_bench: --threads changed the output" >&2; exit 1; }

line() { # LABEL SECONDS RSS_KB [BASE_SECONDS]
  awk -v l="$1" -v b="$bytes" -v t="$2" -v m="$3" -v base="${4:-}" 'BEGIN {
    printf "%-46s %7.3f s %5.0f MB/s  peak RSS %6.1f MB", l, t, b / 1e6 / t, m * 1024 / 1e6
    if (base != "") printf "  %5.2fx", base / t
    printf "\n"
  }'
}

read -r t_wc m_wc < <(best wc -l "$csv")
read -r t_csv m_csv < <(best "$out/csv_floor" "$csv")
read -r t1 m1 < <(best "$sk" "${args[@]}" --threads 1)
read -r tn mn < <(best "$sk" "${args[@]}" --threads auto)
read -r t10 m10 < <(best "$sk" "${args[@]}" --threads 1 --confidence 0)
read -r tn0 mn0 < <(best "$sk" "${args[@]}" --threads auto --confidence 0)
printf 'rows: %d, file: %.1f MB, cores: %s; kept values %.1f MB\n' "$rows" \
  "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" "$(nproc)" \
  "$(awk -v r="$rows" 'BEGIN { print 32 * r / 1e6 }')"
line "wc -l (the page-cache line count)" "$t_wc" "$m_wc"
line "libcsv alone, one core" "$t_csv" "$m_csv"
line "stats --threads 1" "$t1" "$m1"
line "stats --threads auto (x: over --threads 1)" "$tn" "$mn" "$t1"
line "stats --threads 1 --confidence 0" "$t10" "$m10"
line "stats --threads auto --confidence 0 (x: over 1)" "$tn0" "$mn0" "$t10"
py=
for c in python3 /usr/bin/python3; do
  if "$c" -c 'import pandas' 2>/dev/null; then py=$c; break; fi
done
if [ -n "$py" ]; then
  cat >"$out/stats_peer.py" <<'PY'
import sys
import pandas as pd
cols = ["concurrency", "ttft_s", "tokens_per_s", "decode_tokens_per_s", "duration_s"]
df = pd.read_csv(sys.argv[1], usecols=cols)
print(df.groupby("concurrency")[cols[1:]].quantile([0.5, 0.9, 0.99]))
PY
  read -r tp mp < <(best "$py" "$out/stats_peer.py" "$csv")
  line "pandas, usecols, groupby quantile (x: stats auto, conf. 0)" "$tp" "$mp"
  awk -v p="$tp" -v a="$tn0" -v b="$tn" 'BEGIN {
    printf "stats --threads auto is %.2fx faster than pandas without intervals, %.2fx with them\n", p / a, p / b }'
else
  echo "pandas: not importable (apt-get install python3-pandas)"
fi
