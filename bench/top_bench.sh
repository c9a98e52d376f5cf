#!/usr/bin/env bash
# Benchmark `sweepkit top --field tokens_per_s --count 10` on a generated
# per-query CSV, side by side in one run with what bounds it and with the
# peer it replaces (issues 2 and 22):
#   - the page-cache line count (`wc -l`): reading the file at all;
#   - libcsv alone on one core (bench/csv_floor.c): the parser's floor;
#   - top on one thread and on every core (--threads 1, --threads auto);
#   - analyze-data (sweepkit's drop-in, every core);
#   - analyze-data.py itself, when PEER_AD names a copy of it (the script
#     of mlx-throughput-lab; not shipped here) and python3 can run it;
#   - the same file with 17 significant digits in every float cell.
#
# usage: [PEER_AD=analyze-data.py] bench/top_bench.sh [ROWS]
#        (default 1000000; build first).  Best of 5 runs each (the peer:
#        of 1), wall seconds and peak RSS.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
rows=${1:-1000000}
sk=build/sweepkit
ad=build/analyze-data
out=results/bench
mkdir -p "$out"
csv=$out/per_query_${rows}.csv
csv17=$out/per_query_${rows}_17digits.csv

gen_per_query "$rows" "$csv"
gen_per_query "$rows" "$csv17" %.17g
cc -O2 -o "$out/csv_floor" bench/csv_floor.c -lcsv
cores=$("$sk" top --help >/dev/null && nproc)

# A failing run would otherwise be timed as a fast one; and the output
# must not depend on the threads.
a=$("$sk" top --file "$csv" --field tokens_per_s --count 10 --threads 1)
b=$("$sk" top --file "$csv" --field tokens_per_s --count 10 --threads auto)
[ "$a" = "$b" ] || { echo "top_bench: --threads changed the output" >&2; exit 1; }

line() { # LABEL BYTES SECONDS RSS_KB [BASE_SECONDS]
  awk -v l="$1" -v b="$2" -v t="$3" -v m="$4" -v base="${5:-}" 'BEGIN {
    printf "%-44s %7.3f s %6.0f MB/s  peak RSS %6.1f MB", l, t, b / 1e6 / t, m / 1024
    if (base != "") printf "  %5.2fx", base / t
    printf "\n"
  }'
}

bytes=$(stat -c %s "$csv")
bytes17=$(stat -c %s "$csv17")
read -r t_wc m_wc < <(best wc -l "$csv")
read -r t_csv m_csv < <(best "$out/csv_floor" "$csv")
read -r t1 m1 < <(best "$sk" top --file "$csv" --field tokens_per_s --count 10 --threads 1)
read -r tn mn < <(best "$sk" top --file "$csv" --field tokens_per_s --count 10 --threads auto)
read -r tad mad < <(best "$ad" --file "$csv" --field tokens_per_s --count 10)
read -r t17 m17 < <(best "$sk" top --file "$csv17" --field tokens_per_s --count 10 --threads auto)

printf 'rows: %d, file: %.1f MB (17-digit file: %.1f MB), cores: %s\n' \
  "$rows" "$(awk -v b="$bytes" 'BEGIN { print b / 1e6 }')" \
  "$(awk -v b="$bytes17" 'BEGIN { print b / 1e6 }')" "$cores"
line "wc -l (the page-cache line count)" "$bytes" "$t_wc" "$m_wc"
line "libcsv alone, one core" "$bytes" "$t_csv" "$m_csv"
line "top --threads 1" "$bytes" "$t1" "$m1"
line "top --threads auto (x: over --threads 1)" "$bytes" "$tn" "$mn" "$t1"
line "analyze-data (every core)" "$bytes" "$tad" "$mad"
line "top --threads auto, 17-digit file" "$bytes17" "$t17" "$m17"
awk -v a="$t17" -v b="$tn" -v ba="$bytes17" -v bb="$bytes" 'BEGIN {
  printf "17-digit file: %.2fx the ordinary file'"'"'s time (%.2fx its size)\n", a / b, ba / bb }'
if [ -n "${PEER_AD:-}" ] && [ -r "$PEER_AD" ]; then
  read -r tp mp < <({ /usr/bin/time -f "%e %M" python3 "$PEER_AD" --file "$csv" --field tokens_per_s --count 10 >/dev/null; } 2>&1 | tail -n 1)
  line "analyze-data.py (one run)" "$bytes" "$tp" "$mp"
  awk -v p="$tp" -v a="$tad" 'BEGIN { printf "analyze-data is %.1fx faster than analyze-data.py\n", p / a }'
fi
