#!/usr/bin/env bash
# `sweepkit collect` against `sweepkit serve-sim` at 1, 64, 256 and 1,024
# concurrent streams (issue 6's targets, at 1,024 streams: at least 98% of
# the model's ideal throughput, TTFT within 2 ms of the server's log at
# p99, and under one core of CPU).
#
# For each level C: a fresh serve-sim pinned to CPU 0 with S = 2048 slots
# (nothing queues), A = 20 ms, B = 0.01 ms, P = 0 (no prefill), so the
# model's decode throughput is exactly C * 1000 / (A + B * C) tokens/s
# (1,024 streams: 33,862 tokens/s, well within the ~200,000 chunks/s one
# serve-sim sustains); `collect` pinned to CPU 1 under /usr/bin/time, with
# --warmup C (C unrecorded requests at concurrency C first, so the level's
# C connections are open before it is measured) and 4 * C queries (at
# least 8) of MAX_TOKENS output tokens.  Printed per level:
#
#   - steady tok/s: all tokens the collector received while all C streams
#     had a query, from the level's last first-round first token to the
#     moment the first stream ran out of queries (tokens of a query spread
#     evenly over its first token .. end), against the ideal.  `server` is
#     the same window counted on the server's --log (what it sent).
#     `summary` is the summary CSV's throughput_tokens_per_s (whole level,
#     first send to last end, ramp-up and drain included).
#   - TTFT error: |client ttft_s - server ttft| over the level's queries,
#     matched by request_id = the log's client_request_id; the clocks are
#     aligned as tests/unit/test_collect.c's check_level() does (offset = min of
#     server accept_s - client start_s; server ttft = first_token_s -
#     (start_s + offset)).
#     `end lag99`: p99 of how late the collector read a query's end after
#     the server sent its last token (on the aligned clocks), which shows
#     when the collector falls behind.
#   - CPU: user + sys seconds of the collect process over its wall time
#     (the whole process: start-up, warm-up and the level); `srv cpu` is
#     serve-sim's share of its core over the same span.
#
# usage: bench/collect_bench.sh [MAX_TOKENS [LEVEL...]]
#        (default 128; levels 1 64 256 1024; MAX_TOKENS 16..512, levels
#        1..2048).  SWEEPKIT=path selects the binary (default
#        build/sweepkit).  Loopback only; every wait is bounded.
#        Environment (issue 21's runs, docs/performance.md): A and B the
#        model's step (ms; default 20 and 0.01: 50 tokens/s a stream at
#        1,024; A=8 B=0.002 gives about 100), WAVES queries per stream
#        (default 4), THREADS collect's --threads (default 1), CLI_CPUS
#        the CPUs collect is pinned to (default 1; serve-sim stays on 0).
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
tokens=${1:-128}
shift || true
levels=${*:-1 64 256 1024}
sk=${SWEEPKIT:-build/sweepkit}
A=${A:-20} B=${B:-0.01} waves=${WAVES:-4} threads=${THREADS:-1}
cli_cpus=${CLI_CPUS:-1}
out=results/bench/collect
mkdir -p "$out"

if ! [[ "$tokens" =~ ^[0-9]+$ ]] || [ "$tokens" -lt 16 ] ||
  [ "$tokens" -gt 512 ]; then
  echo "collect_bench: MAX_TOKENS must be 16..512" >&2
  exit 2
fi
for c in $levels; do
  if ! [[ "$c" =~ ^[0-9]+$ ]] || [ "$c" -lt 1 ] || [ "$c" -gt 2048 ]; then
    echo "collect_bench: levels must be 1..2048" >&2
    exit 2
  fi
done
if ! "$sk" collect --help >/dev/null 2>&1 ||
  ! "$sk" serve-sim --help >/dev/null 2>&1; then
  echo "collect_bench: '$sk' has no collect or serve-sim; build first" >&2
  exit 1
fi
if ! [ -x /usr/bin/time ]; then
  echo "collect_bench: needs /usr/bin/time (apt-get install time)" >&2
  exit 1
fi
# 2,048 connections of the collector plus its files
[ "$(ulimit -n)" -ge 4200 ] || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true

pin_srv=() pin_cli=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_srv=(taskset -c 0) pin_cli=(taskset -c "$cli_cpus")
fi
tck=$(getconf CLK_TCK)

# analyze C PER_QUERY SUMMARY LOG "USER SYS WALL" SRV_CPU: one table row
# on stdout, and key=value figures on fd 3.
analyze() {
  python3 - "$@" "$A" "$B" <<'EOF'
import csv, math, os, statistics, sys

c = int(sys.argv[1]); per_query, summary, log = sys.argv[2:5]
user, sys_s, wall = (float(x) for x in sys.argv[5].split())
srv_cpu = float(sys.argv[6]); A = float(sys.argv[7]); B = float(sys.argv[8])
ideal = c * 1000 / (A + B * c)

def pct(xs, p):  # linear between closest ranks (docs/metrics.md)
    xs = sorted(xs)
    h = (len(xs) - 1) * p / 100
    lo = math.floor(h)
    return xs[lo] + (h - lo) * (xs[math.ceil(h)] - xs[lo])

with open(per_query, newline='') as f:
    q = [r for r in csv.DictReader(f) if int(r['concurrency']) == c]
with open(summary, newline='') as f:
    s = [r for r in csv.DictReader(f) if int(r['concurrency']) == c][0]
with open(log, newline='') as f:
    truth = {r['client_request_id']: r for r in csv.DictReader(f)}
ok = [r for r in q if r['error'] == '' and r['ttft_s'] != '']
n = len(q)

# the steady window: every stream has a query
def tokens_in(first, end, ntok, w0, w1):
    k = 1.0 if w0 <= first < w1 else 0.0
    if ntok > 1 and end > first:
        k += (ntok - 1) * max(0.0, min(end, w1) - max(first, w0)) / (end - first)
    return k

st = [(float(r['start_s']), float(r['ttft_s']), float(r['end_s']),
       float(r['output_tokens']), r) for r in ok]
w0 = max(a + t for a, t, e, k, r in st if int(r['query_id']) < c)
ends = sorted(float(r['end_s']) for r in q)
w1 = ends[n - c] if n > c else ends[-1]
steady = server = float('nan')
if w1 > w0:
    steady = sum(tokens_in(a + t, e, k, w0, w1) for a, t, e, k, r in st) / (w1 - w0)

# TTFT against the log
matched = [(r, truth.get(r['request_id'])) for r in ok]
bad = sum(1 for r, g in matched if g is None or g['status'] != '200' or
          float(g['output_tokens']) != float(r['output_tokens']))
matched = [(r, g) for r, g in matched if g is not None]
off = min(float(g['accept_s']) - float(r['start_s']) for r, g in matched)
err = [abs(float(r['ttft_s']) -
           (float(g['first_token_s']) - (float(r['start_s']) + off)))
       for r, g in matched]
# how late the collector read each query's end (its [DONE]) after the
# server sent the last token
end_lag = [float(r['end_s']) - (float(g['last_token_s']) - off)
           for r, g in matched]
if w1 > w0:
    server = sum(tokens_in(float(g['first_token_s']), float(g['last_token_s']),
                           float(g['output_tokens']), w0 + off, w1 + off)
                 for r, g in matched) / (w1 - w0)

cpu = user + sys_s
fig = dict(streams=c, queries=n, errors=n - len(ok) + bad, ideal=ideal,
           steady=steady, ratio=steady / ideal, server=server,
           summary=float(s['throughput_tokens_per_s']),
           summary_ratio=float(s['throughput_tokens_per_s']) / ideal,
           achieved=float(s['achieved_concurrency']), window=w1 - w0,
           ttft_mean_ms=statistics.mean(err) * 1e3,
           ttft_p99_ms=pct(err, 99) * 1e3, ttft_max_ms=max(err) * 1e3,
           end_lag_p99_ms=pct(end_lag, 99) * 1e3,
           cpu_s=cpu, wall_s=wall, cpu_ratio=cpu / wall, srv_cpu=srv_cpu)
print('%7d %6d %9.0f %9.0f %6.1f%% %9.0f %9.0f %6.1f%% %7.1f | '
      '%6.3f %6.3f %6.3f | %6.1f | %6.2f %6.2f %5.2f | %4.0f%% | %d' % (
      c, n, ideal, steady, 100 * fig['ratio'], server, fig['summary'],
      100 * fig['summary_ratio'], fig['achieved'], fig['ttft_mean_ms'],
      fig['ttft_p99_ms'], fig['ttft_max_ms'], fig['end_lag_p99_ms'], cpu,
      wall, fig['cpu_ratio'], srv_cpu, fig['errors']))
with os.fdopen(3, 'w') as f3:
    for k, v in fig.items():
        f3.write('%s=%s\n' % (k, v))
EOF
}

echo "collect against serve-sim: A=$A ms, B=$B ms, P=0, S=2048 slots;" \
  "$tokens tokens a query, $waves*C queries (at least 8) after --warmup C" \
  "(C connections opened and used before the level; warm-up not recorded," \
  "its time is in the CPU figures); serve-sim on CPU 0, collect" \
  "--threads $threads on CPU $cli_cpus"
printf '%7s %6s %9s %9s %7s %9s %9s %7s %7s | %-20s | %6s | %-19s | %5s | %s\n' \
  streams queries ideal steady ratio server summary ratio conc \
  "ttft err mean/p99/max" "end" "collect cpu s/wall" "srv" errors
printf '%7s %6s %9s %9s %7s %9s %9s %7s %7s | %-20s | %6s | %-19s | %5s |\n' \
  "" "" "tok/s" "tok/s" "" "tok/s" "tok/s" "" "" "ms" "lag99" \
  "s / s / ratio" "cpu"
for c in $levels; do
  q=$((waves * c))
  [ "$q" -ge 8 ] || q=8
  log=$out/log_$c.csv
  rm -rf "$out/run_$c" "$log"
  "${pin_srv[@]}" "$sk" serve-sim --port 0 --slots 2048 --step-ms "$A" \
    --step-ms-per-seq "$B" --prefill-ms-per-token 0 \
    --max-connections $((c + 100)) --log "$log" >"$out/server_$c.txt" &
  pid=$!
  port=$(serve_sim_port "$out/server_$c.txt" "$pid" collect_bench) || exit 1
  c0=$(cpu_ticks "$pid")
  t0=$(date +%s.%N)
  rc=0
  timeout 300 "${pin_cli[@]}" /usr/bin/time -f "%U %S %e" \
    -o "$out/time_$c.txt" "$sk" collect --url "http://127.0.0.1:$port" \
    --queries "$q" --max-tokens "$tokens" --concurrency-levels "$c" \
    --warmup "$c" --timeout 60s --out-dir "$out/run_$c" --prefix "c$c" \
    --threads "$threads" \
    --progress-interval 600s >"$out/paths_$c.txt" \
    2>"$out/collect_$c.txt" || rc=$?
  c1=$(cpu_ticks "$pid")
  t1=$(date +%s.%N)
  kill -INT "$pid"
  wait "$pid" || true
  if [ "$rc" -ne 0 ]; then
    echo "collect_bench: collect failed at $c streams (status $rc):" >&2
    tail -n 5 "$out/collect_$c.txt" >&2
    exit 1
  fi
  srv=$(awk -v a="$c0" -v b="$c1" -v t0="$t0" -v t1="$t1" -v tck="$tck" \
    'BEGIN { printf "%.1f", (b - a) / tck / (t1 - t0) * 100 }')
  analyze "$c" "$(grep '_per_query_' "$out/paths_$c.txt")" \
    "$(grep '_summary_' "$out/paths_$c.txt")" "$log" \
    "$(tail -n 1 "$out/time_$c.txt")" "$srv" 3>"$out/figures_$c.txt"
done

# The targets, at the largest level run.
c=${levels##* }
get() { sed -n "s/^$1=//p" "$out/figures_$c.txt"; }
awk -v c="$c" -v r="$(get ratio)" -v p="$(get ttft_p99_ms)" \
  -v u="$(get cpu_ratio)" -v e="$(get errors)" 'BEGIN {
    printf "targets at %d streams:\n", c
    printf "  throughput %.1f%% of the ideal (steady window)  target >= 98%%:  %s\n",
      100 * r, (r >= 0.98) ? "met" : "NOT met"
    printf "  TTFT error p99 %.3f ms                        target < 2 ms:   %s\n",
      p, (p < 2) ? "met" : "NOT met"
    printf "  collect CPU %.2f core (cpu s / wall s)         target < 1:      %s\n",
      u, (u < 1) ? "met" : "NOT met"
    printf "  failed or mismatched queries: %d\n", e
  }'
echo "CSVs, server logs and raw output: $out/"
