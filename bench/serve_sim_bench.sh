#!/usr/bin/env bash
# How many concurrent streams and SSE tokens/s one serve-sim process
# sustains on one core (the issue's target: 2,000 streams and 200,000
# tokens/s, with tokens sent within 1 ms of the model's schedule).
#
# For each level N: serve-sim with S = N slots, A = 2 ms, B = 0.004 ms
# (so N = 2000 gives steps of 10 ms and 200,000 tokens/s), pinned to CPU 0;
# bench/sim_load.c on CPU 1 keeps N streaming requests of 200 tokens
# running for SECONDS over loopback.  Printed per level: the model's
# throughput, the one the client measured, the server's CPU use, and from
# the server's --log how late tokens went out against the model's clock
# (first and last token of every completed request).
#
# usage: [THREADS=N] [SRV_CPUS=LIST] bench/serve_sim_bench.sh [SECONDS [LEVEL...]]
#        (default 6 s; levels 100 250 500 1000 2000; at most 60 s and
#        20000 streams a level)
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/common.sh
secs=${1:-6}
shift || true
levels=${*:-100 250 500 1000 2000}
tokens=200
threads=${THREADS:-1}   # serve-sim --threads
srv_cpus=${SRV_CPUS:-0} # the CPUs serve-sim is pinned to (the load: CPU 1)
out=results/bench/serve_sim
mkdir -p "$out"

if ! [[ "$secs" =~ ^[0-9]+$ ]] || [ "$secs" -lt 1 ] || [ "$secs" -gt 60 ]; then
  echo "serve_sim_bench: SECONDS must be 1..60" >&2
  exit 2
fi
for n in $levels; do
  if ! [[ "$n" =~ ^[0-9]+$ ]] || [ "$n" -lt 1 ] || [ "$n" -gt 20000 ]; then
    echo "serve_sim_bench: levels must be 1..20000" >&2
    exit 2
  fi
done

if ! [ -x build/sweepkit ] ||
  ! build/sweepkit serve-sim --help >/dev/null 2>&1; then
  echo "serve_sim_bench: build/sweepkit has no serve-sim; build first" >&2
  exit 1
fi
srv=(build/sweepkit serve-sim --threads "$threads")
cc -std=c11 -O2 -o "$out/sim_load" bench/sim_load.c

pin_srv=() pin_cli=()
if command -v taskset >/dev/null && [ "$(nproc)" -ge 2 ]; then
  pin_srv=(taskset -c "$srv_cpus") pin_cli=(taskset -c 1)
fi
tck=$(getconf CLK_TCK)

# "p50 p99 max" in ms of a column of seconds.
quantiles() {
  sort -n | awk '{ a[NR] = $1 } END {
    if (NR == 0) { print "- - -"; exit }
    printf "%.2f %.2f %.2f\n", a[int((NR - 1) * 0.5) + 1] * 1000,
      a[int((NR - 1) * 0.99) + 1] * 1000, a[NR] * 1000 }'
}

# A key=value figure of the level's client output.
get() { sed -n "s/^$1=//p" "$out/client_$n.txt"; }
# Lateness against the model (sent - scheduled) of completed requests:
# columns $1 (sent) and $2 (model) of the level's log.
late() {
  awk -F, -v s="$1" -v m="$2" \
    'NR > 1 && $8 == 200 { printf "%.6f\n", $s - $m }' "$log" | quantiles
}

echo "serve-sim --threads $threads on CPU $srv_cpus: A=2 ms, B=0.004 ms," \
  "S=N, $tokens-token streams, ${secs} s a level"
printf '%7s %10s %10s %6s %6s | %-20s | %-20s | %s\n' streams model_tps \
  client_tps ratio cpu% "first late p50/p99/max ms" "last late p50/p99/max ms" \
  "requests ok/failed"
for n in $levels; do
  log=$out/log_$n.csv
  "${pin_srv[@]}" "${srv[@]}" --port 0 --slots "$n" --step-ms 2 \
    --step-ms-per-seq 0.004 --prefill-ms-per-token 0 \
    --max-connections $((n + 100)) --log "$log" >"$out/server_$n.txt" &
  pid=$!
  port=$(serve_sim_port "$out/server_$n.txt" "$pid" serve_sim_bench) || exit 1
  c0=$(cpu_ticks "$pid")
  t0=$(date +%s.%N)
  "${pin_cli[@]}" "$out/sim_load" "$port" "$n" "$tokens" "$secs" 10 \
    >"$out/client_$n.txt"
  c1=$(cpu_ticks "$pid")
  t1=$(date +%s.%N)
  kill -INT "$pid"
  wait "$pid" || true
  read -r f50 f99 fmax < <(late 4 9)
  read -r l50 l99 lmax < <(late 5 10)
  awk -v n="$n" -v tps="$(get tokens_per_s)" -v c0="$c0" -v c1="$c1" \
    -v t0="$t0" -v t1="$t1" -v tck="$tck" -v f="$f50/$f99/$fmax" \
    -v l="$l50/$l99/$lmax" -v ok="$(get completed)" -v bad="$(get failed)" \
    'BEGIN {
      model = n * 1000 / (2 + 0.004 * n)
      printf "%7d %10.0f %10.0f %6.3f %6.1f | %-20s | %-20s | %s/%s\n", n,
        model, tps, tps / model, (c1 - c0) / tck / (t1 - t0) * 100, f, l,
        ok, bad
    }'
done
echo "logs and raw output: $out/"
