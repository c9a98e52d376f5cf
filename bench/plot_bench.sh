#!/usr/bin/env bash
# Benchmark `sweepkit plot` against the issue's targets: the dashboard of
# each fixture model in under 50 ms wall, and a folder of 50 charts in
# under 1 s.  Every figure is the best of 5 runs, wall clock, whole process
# (start-up, fontconfig, drawing, PNG encoding, the rename).
#
# The 50 charts: the five chart variants (throughput stacked and dual,
# ttft, pareto, dashboard) for each of the three models and for the three
# overlaid, 20 combinations, rendered in turn to 50 PNG files (the costliest
# format) at the default 1600x1000.  Timed three ways: all 50 in one
# process (`sweepkit plot --batch`, the way to regenerate a docs folder),
# one process after another, and one process per CPU (xargs -P).
#
# Issue 18's targets: a 16-run overlay and a 4x4 grid of small multiples
# (--facet) in under 0.5 s each, beside matplotlib drawing the same (the
# peer; bench/plot_peer.py, when python3-matplotlib is installed).
#
# usage: bench/plot_bench.sh [SWEEPKIT]   (default build/sweepkit; build first)
set -euo pipefail
cd "$(dirname "$0")/.."
sk=${1:-build/sweepkit}
out=results/bench/plot
fx=fixtures
models=(gemma-3-1b-it-qat-4bit Qwen3-4B-Instruct-2507-MLX-4bit
  Qwen3-Next-80B-A3B-Instruct-MLX-4bit)
jobs=$(nproc 2>/dev/null || echo 1)
mkdir -p "$out"

# Best wall time of 5 runs of "$@", in microseconds (bash's clock, no
# extra process inside the timed span).
best_us() {
  local i t0 t1 t best=
  for i in 1 2 3 4 5; do
    t0=${EPOCHREALTIME/./}
    "$@" >/dev/null 2>&1
    t1=${EPOCHREALTIME/./}
    t=$((t1 - t0))
    if [ -z "$best" ] || [ "$t" -lt "$best" ]; then best=$t; fi
  done
  echo "$best"
}

# One line of `sweepkit plot` arguments per chart.
job_list() {
  local variants=("--kind throughput" "--kind throughput --layout dual"
    "--kind ttft" "--kind pareto" "--kind dashboard")
  local inputs=("$fx/summary_${models[0]}.csv" "$fx/summary_${models[1]}.csv"
    "$fx/summary_${models[2]}.csv"
    "$fx/summary_${models[0]}.csv $fx/summary_${models[1]}.csv $fx/summary_${models[2]}.csv")
  local i
  for i in $(seq 0 49); do
    echo "${variants[i % 5]} ${inputs[(i / 5) % 4]} -o $out/folder/chart_$i.png"
  done
}

folder_serial() {
  rm -rf "$out/folder" && mkdir -p "$out/folder"
  local line
  while read -r line; do
    # shellcheck disable=SC2086 # one chart's arguments, split on purpose
    "$sk" plot $line
  done <"$out/jobs.txt"
}

folder_batch() {
  rm -rf "$out/folder" && mkdir -p "$out/folder"
  "$sk" plot --batch "$out/jobs.txt"
}

folder_parallel() {
  rm -rf "$out/folder" && mkdir -p "$out/folder"
  xargs -P "$jobs" -L 1 "$sk" plot <"$out/jobs.txt"
}

job_list >"$out/jobs.txt"
if ! "$sk" plot --help >/dev/null 2>&1; then
  echo "plot_bench: '$sk plot' does not run; build first" >&2
  exit 1
fi

for m in "${models[@]}"; do
  us=$(best_us "$sk" plot --kind dashboard "$fx/summary_$m.csv" \
    -o "$out/dashboard_$m.png")
  awk -v m="$m" -v us="$us" -v b="$(stat -c %s "$out/dashboard_$m.png")" \
    'BEGIN { printf "dashboard %-38s %6.1f ms  (target < 50 ms), %d kB\n", m, us / 1000, b / 1000 }'
done
us=$(best_us folder_batch)
n=$(find "$out/folder" -name '*.png' | wc -l)
awk -v us="$us" -v n="$n" \
  'BEGIN { printf "%d charts, one process (plot --batch):   %6.3f s   (target < 1 s), %.1f ms each\n", n, us / 1e6, us / 1000 / n }'
us=$(best_us folder_serial)
n=$(find "$out/folder" -name '*.png' | wc -l)
awk -v us="$us" -v n="$n" \
  'BEGIN { printf "%d charts, one process after another:   %6.3f s   (target < 1 s), %.1f ms each\n", n, us / 1e6, us / 1000 / n }'
us=$(best_us folder_parallel)
n=$(find "$out/folder" -name '*.png' | wc -l)
awk -v us="$us" -v n="$n" -v j="$jobs" \
  'BEGIN { printf "%d charts, %d processes at a time (xargs -P): %6.3f s   (target < 1 s)\n", n, j, us / 1e6 }'

# --- issue 18: 16 runs, 4x4 small multiples -------------------------------
{ echo model,concurrency,throughput_tokens_per_s
  for m in $(seq 0 15); do for c in 1 2 4 8 16 32 64 128; do
    echo "m$m,$c,$(( c * (20 + m) / (1 + c / 32) ))"; done; done; } >"$out/runs16.csv"
{ echo instances,decode_concurrency,concurrency,throughput_tokens_per_s
  for i in $(seq 1 16); do for d in 8 16; do for c in 1 2 4 8 16 32 64; do
    echo "$i,$d,$c,$(( c * (10 * i + d) / (1 + c / 16) ))"; done; done; done; } >"$out/grid16.csv"
peer=0 py=python3
for p in python3 /usr/bin/python3; do # Debian's, when another is first
  if "$p" -c 'import matplotlib' 2>/dev/null; then peer=1 py=$p; break; fi
done
us=$(best_us "$sk" plot "$out/runs16.csv" -o "$out/runs16.png")
printf 'overlay of 16 runs (PNG 1600x1000)        sweepkit %6.1f ms' "$(awk -v u="$us" 'BEGIN { print u / 1000 }')"
if [ "$peer" = 1 ]; then
  pus=$(best_us "$py" bench/plot_peer.py overlay "$out/runs16.csv" "$out/runs16_peer.png")
  printf '   matplotlib %6.1f ms' "$(awk -v u="$pus" 'BEGIN { print u / 1000 }')"
fi
echo '   (target < 500 ms)'
us=$(best_us "$sk" plot "$out/grid16.csv" --facet instances -o "$out/grid16.png")
printf '4x4 small multiples (--facet, 32 series) sweepkit %6.1f ms' "$(awk -v u="$us" 'BEGIN { print u / 1000 }')"
if [ "$peer" = 1 ]; then
  pus=$(best_us "$py" bench/plot_peer.py facets "$out/grid16.csv" "$out/grid16_peer.png")
  printf '   matplotlib %6.1f ms' "$(awk -v u="$pus" 'BEGIN { print u / 1000 }')"
fi
echo '   (target < 500 ms)'
[ "$peer" = 1 ] || echo "plot_bench: no python3-matplotlib: the peer's column is left out (apt-get install python3-matplotlib)"
