#!/usr/bin/env bash
# Benchmark reading other tools' results (issue 16): a 100 MB `vllm bench
# serve --save-detailed` JSON and a 1,000,000-line AIPerf
# profile_export.jsonl, through `sweepkit summarize` (the file read, its
# per-request rows made sweepkit's, summarised), side by side with the
# peer in the same run: Python's json module doing the same reading
# (bench/formats_peer.py).  Target: 30 MB/s or more, peak memory at most
# 4x the file's size.
#
# usage: bench/formats_bench.sh [SWEEPKIT]   (default build/sweepkit)
#   MB=n LINES=n   sizes of the generated inputs (default 100, 1000000)
# The inputs are generated once into build-bench/ (bench/formats_gen.py).
# Prints a Markdown table: best wall time of 5 runs, MB/s, peak RSS and
# its ratio to the file's size, for sweepkit and the peer.
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
sk=${1:-build/sweepkit}
mb=${MB:-100}
lines=${LINES:-1000000}
dir=build-bench/formats
mkdir -p "$dir/aiperf-concurrency16"
[ -x /usr/bin/time ] || { echo "formats_bench: /usr/bin/time not found (Debian package 'time')" >&2; exit 1; }
v=$dir/vllm_detailed.json
a=$dir/aiperf-concurrency16/profile_export.jsonl
[ -s "$v" ] || python3 bench/formats_gen.py vllm "$v" "$mb"
[ -s "$a" ] || python3 bench/formats_gen.py aiperf "$a" "$lines"

echo "| input | size (MB) | program | best of 5 (s) | MB/s | peak RSS (MB) | RSS / size |"
echo "|---|---:|---|---:|---:|---:|---:|"
row() { # NAME FILE PROGRAM CMD...
  local name=$1 file=$2 prog=$3 t rss size
  shift 3
  size=$(stat -c %s "$file")
  read -r t rss < <(best "$@")
  awk -v n="$name" -v p="$prog" -v s="$size" -v t="$t" -v r="$rss" 'BEGIN {
    printf "| %s | %.1f | %s | %.2f | %.1f | %.0f | %.2f |\n", n, s / 1e6, p, t,
      s / 1e6 / t, r / 1024, r * 1024 / s }'
}
row "vLLM --save-detailed JSON" "$v" sweepkit "$sk" summarize "$v"
row "vLLM --save-detailed JSON" "$v" "python json" python3 bench/formats_peer.py vllm "$v"
row "AIPerf profile_export.jsonl" "$a" sweepkit "$sk" summarize "$a"
row "AIPerf profile_export.jsonl" "$a" "python json" python3 bench/formats_peer.py aiperf "$a"
