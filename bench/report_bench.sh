#!/usr/bin/env bash
# Benchmark `sweepkit report` before and after issue 14 (each input file
# opened and parsed once): the commit before the issue's first commit
# (9a0f5cc) and the current work tree, both Release builds, run one after
# the other in the same run because the machine is shared and noisy.
# Input: fixtures/ plus a generated 1,000,000-row per-query CSV (the
# target: the work tree at least 1.5x faster than 9a0f5cc).
#
# usage: bench/report_bench.sh
#   RUNS=n    timed runs per build, alternating old and new (default 5)
#   ROWS=n    rows of the generated per-query file (default 1000000)
#   OLD=rev   the baseline commit (default 9a0f5cc)
# Everything goes under build-bench/: the baseline's sources and build
# (build-bench/old-REV/, kept, so a rerun does not rebuild it), the work
# tree's build (build-bench/head/, incremental), the generated CSV (kept)
# and the reports.  Prints a Markdown table: median wall time and largest
# peak RSS of each build, and old/new.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${RUNS:-5}
rows=${ROWS:-1000000}
old=${OLD:-9a0f5cc}
bench=build-bench
mkdir -p "$bench"

[ -x /usr/bin/time ] || {
  echo "report_bench: /usr/bin/time not found: install the Debian package 'time' (or run scripts/setup.sh)" >&2
  exit 1
}

# release SRC BUILD: configure (once) and build the sweepkit binary only.
release() {
  local log=$2.log
  mkdir -p "$2"
  { [ -f "$2/CMakeCache.txt" ] ||
      cmake -S "$1" -B "$2" -DCMAKE_BUILD_TYPE=Release; } >"$log" 2>&1 &&
    cmake --build "$2" -j"$(nproc)" --target sweepkit >>"$log" 2>&1 || {
    cat "$log" >&2
    echo "report_bench: building $1 into $2 failed (log above, in $log)" >&2
    exit 1
  }
}

# The baseline: its tree exported once (no worktree, nothing in .git to
# clean up), built once; the binary's presence is the cache mark.
old_id=$(git rev-parse --short "$old")
old_dir=$bench/old-$old_id
if [ ! -x "$old_dir/build/sweepkit" ]; then
  rm -rf "$old_dir/src"
  mkdir -p "$old_dir/src"
  git archive "$old_id" | tar -x -C "$old_dir/src"
  release "$old_dir/src" "$old_dir/build"
fi
# The work tree as built now (the label is taken before the build, since
# other commits may land while the benchmark runs).
head_id=$(git rev-parse --short HEAD)
git diff --quiet HEAD -- src include CMakeLists.txt || head_id="$head_id, modified"
release . "$bench/head"
sk_old=$old_dir/build/sweepkit
sk_new=$bench/head/sweepkit

# The per-query file, in the collector's order and schema (the header is
# fixtures/per_query.csv's): levels 1, 2, 4 .. 128 with equal query counts,
# query_id counting across levels, quoted previews with commas, doubled
# quotes, an embedded newline and UTF-8 text as the fixture has.  The
# numbers hang together as the collector's do: duration = ttft + decode_s,
# tokens_per_s = output_tokens / duration, decode_tokens = output_tokens -
# 1, prefill rate = prompt_tokens / ttft; TTFT grows and the per-query rate
# falls with concurrency; 5% of the queries stop early.  Deterministic
# (srand(1)); written under a temporary name and kept once complete.
csv=$bench/per_query_${rows}.csv
if [ ! -s "$csv" ]; then
  awk -v n="$rows" -v hdr="$(head -n 1 fixtures/per_query.csv)" 'BEGIN {
    srand(1)
    p[0] = "\"Explain how a B-tree keeps itself balanced, with an example.\""
    p[1] = "\"Write a short story about a lighthouse keeper, \"\"the last one\""
    p[2] = "\"Résumé: compare café culture in Paris and Wien — naïvely, th\""
    p[3] = "\"List five uses of the Fourier transform, one per line.\nThen \""
    p[4] = "日本の四季について説明してください。"
    p[5] = "\"Summarize the causes of the 1929 crash, in plain words\""
    pt[0] = 22; pt[1] = 26; pt[2] = 24; pt[3] = 25; pt[4] = 13; pt[5] = 22
    print hdr
    per = int(n / 8)
    for (i = 0; i < n; i++) {
      lvl = int(i / per); if (lvl > 7) lvl = 7
      c = 2 ^ lvl
      k = i % 6
      ttft = 0.042 * c ^ 0.95 * (0.85 + 0.3 * rand())
      out = 256; fin = "length"
      if (rand() < 0.05) { out = 32 + int(224 * rand()); fin = "stop" }
      drate = 212 / (1 + 0.055 * (c - 1)) * (0.9 + 0.2 * rand())
      dec = (out - 1) / drate
      dur = ttft + dec
      printf "%d,%d,%s,%d,%.6f,%.6f,%d,%.6f,%d,%.6f,%.6f,%.6f,%s\n",
        c, i, p[k], pt[k], dur, ttft, out, out / dur, out - 1, dec,
        (out - 1) / dec, pt[k] / ttft, fin
    }
  }' >"$csv.tmp"
  mv "$csv.tmp" "$csv"
fi

# run NAME BINARY I [PREFIX...]: one timed report into $bench/out-NAME,
# the command run under PREFIX (taskset -c 0: one core); appends
# "seconds rss_kb" to $bench/NAME.times.  A failed run or a missing
# report.md stops the benchmark (it would be timed as a fast one).
run() {
  local out=$bench/out-$1 rc=0
  rm -rf "$out"
  /usr/bin/time -o "$bench/$1.time" -f "%e %M" "${@:4}" \
    "$2" report fixtures/ "$csv" --out "$out" >/dev/null 2>"$bench/$1.err" || rc=$?
  if [ "$rc" -ne 0 ] || [ ! -s "$out/report.md" ]; then
    echo "report_bench: $1 ($2), run $3: exit status $rc, report.md $([ -s "$out/report.md" ] && echo present || echo missing); stderr:" >&2
    head -n 5 "$bench/$1.err" >&2
    exit 1
  fi
  tail -n 1 "$bench/$1.time" >>"$bench/$1.times"
}

# The new build also on one core: the per-query chart's markers are drawn
# by one thread per core (chart_draw.c), so this row shows what the one
# read alone gives.
rm -f "$bench/old.times" "$bench/new.times" "$bench/new1.times"
for i in $(seq "$runs"); do
  run old "$sk_old" "$i"
  run new "$sk_new" "$i"
  run new1 "$sk_new" "$i" taskset -c 0
done

# summary FILE: the median seconds (mean of the middle two when even) and
# the largest peak RSS in MB.
summary() {
  sort -n "$1" | awk '{ t[NR] = $1; if ($2 > m) m = $2 }
    END { med = NR % 2 ? t[(NR + 1) / 2] : (t[NR / 2] + t[NR / 2 + 1]) / 2
          printf "%.2f %.1f\n", med, m * 1024 / 1e6 }'
}
read -r t_old m_old < <(summary "$bench/old.times")
read -r t_new m_new < <(summary "$bench/new.times")
read -r t_new1 m_new1 < <(summary "$bench/new1.times")
mb=$(stat -c %s "$csv")
echo "sweepkit report fixtures/ + $rows-row per-query file ($(awk -v b="$mb" 'BEGIN { printf "%.1f MB", b / 1e6 }')), $runs runs each, alternating"
echo
echo "| build | median wall | peak RSS | report.md |"
echo "|---|---|---|---|"
echo "| $old_id (before issue 14) | $t_old s | $m_old MB | written |"
echo "| work tree ($head_id), $(nproc) cores | $t_new s | $m_new MB | written |"
echo "| work tree, one core (taskset -c 0) | $t_new1 s | $m_new1 MB | written |"
awk -v a="$t_old" -v b="$t_new" -v c="$t_new1" 'BEGIN {
  r = b > 0 ? a / b : 0
  r1 = c > 0 ? a / c : 0
  printf "| old / new | %.2fx | | target >= 1.5x: %s |\n", r, (r >= 1.5) ? "met" : "not met"
  printf "| old / new on one core | %.2fx | | |\n", r1
}'
