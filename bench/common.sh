# Shared by the benchmark scripts: source it, do not run it.

# gen_per_query ROWS FILE [FMT]: a per-query CSV with the collector's 13
# columns and a quoted prompt preview with commas and doubled quotes on
# every row; its decimals printed with FMT (default %.6f; %.17g: every
# float cell with 17 significant digits).  Deterministic (awk's srand(1));
# kept when FILE already exists.
gen_per_query() {
  [ -s "$2" ] && return 0
  local f=${3:-%.6f}
  awk -v n="$1" -v fmt="%d,%d,\"Explain the history of topic %d, with \"\"quotes\"\", in detail\",%d,$f,$f,512,$f,511,$f,$f,$f,length\n" 'BEGIN {
    srand(1)
    print "concurrency,query_id,prompt_preview,prompt_tokens,duration_s,ttft_s,output_tokens,tokens_per_s,decode_tokens,decode_s,decode_tokens_per_s,prefill_prompt_tokens_per_s,finish_reason"
    for (i = 0; i < n; i++) {
      c = 2 ^ (i % 8); d = 2 + 38 * rand(); t = 0.02 + 5 * rand()
      printf fmt, c, i, i % 128, 20 + int(40 * rand()), d, t, 512 / d, d - t, 511 / (d - t), 100 + 800 * rand()
    }
  }' >"$2"
}

# best CMD...: the best wall seconds of 5 runs, and the largest peak RSS
# in KB, on one line.
best() {
  local i t rss best_t=999999 best_rss=0
  for i in 1 2 3 4 5; do
    read -r t rss < <({ /usr/bin/time -f "%e %M" "$@" >/dev/null; } 2>&1 | tail -n 1)
    if awk -v a="$t" -v b="$best_t" 'BEGIN { exit !(a < b) }'; then best_t=$t; fi
    [ "$rss" -gt "$best_rss" ] && best_rss=$rss
  done
  echo "$best_t $best_rss"
}

# cpu_ticks PID: user + system clock ticks the process has used so far.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# serve_sim_port FILE PID NAME: the port serve-sim (PID) printed in FILE,
# within 5 s; otherwise "NAME: the server did not start", PID killed, and
# the calling script exits 1.
serve_sim_port() {
  local port= _
  for _ in $(seq 100); do
    port=$(sed -n 's/.*listening on http:\/\/127.0.0.1:\([0-9]*\).*/\1/p' "$1")
    [ -n "$port" ] && break
    sleep 0.05
  done
  if [ -z "$port" ]; then
    echo "$3: the server did not start" >&2
    kill "$2" 2>/dev/null || true
    exit 1
  fi
  echo "$port"
}
