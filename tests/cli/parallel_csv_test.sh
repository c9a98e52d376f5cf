#!/usr/bin/env bash
# Issue 22: parallel CSV parsing gives what one thread gives, byte for
# byte: standard output, standard error (errors with their lines, notes,
# warnings) and the exit status of top, stats, summarize, analyze-data,
# saturation and compare (the run-set reader of per-query files), with 2 to
# 8 threads and chunks forced small (SK_TABLE_CHUNK_BYTES), also cut at
# any line end, inside quoted fields too (SK_TABLE_CUT=any), which the
# readers must detect and parse again.  Over:
# - every CSV of the bad-input catalogue (tests/catalogue/inputs/);
# - generated files: quoted fields holding line ends, CRLF and LF, a
#   byte-order mark, a 1 MB quoted field with line ends inside, a torn
#   last row; one small file read with every chunk size from 1 byte to its
#   length, so that a cut falls at every line end;
# - standard input as well as files.
# Usage: parallel_csv_test.sh SWEEPKIT ANALYZE_DATA SOURCE_DIR
abspath() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s' "$PWD/$1" ;; esac; }
sk=$(abspath "$1")
ad=$(abspath "$2")
cd "$3" || exit 2
. tests/cli/lib.sh

mkdir -p "$tmp/in"
cp tests/catalogue/inputs/*.csv "$tmp/in/"
cd "$tmp/in" || exit 2

# Generated: per-query rows with multi-line quoted previews.
gen() { # ROWS EOL
  printf 'concurrency,query_id,prompt_preview,tokens_per_s,ttft_s%s' "$2"
  awk -v n="$1" -v eol="$2" 'BEGIN {
    srand(7)
    for (i = 0; i < n; i++) {
      p = (i % 3 == 0) ? "\"line one" eol "a \"\"quoted\"\", b" eol "\"" : "plain"
      t = (i % 11 == 5) ? "" : sprintf("%.3f", 1 + 99 * rand())
      printf "%d,%d,%s,%s,%.6f%s", 2 ^ (i % 4), i, p, t, rand(), eol
    }
  }'
}
gen 400 $'\n' >gen_lf.csv
gen 400 $'\r\n' >gen_crlf.csv
{ printf '\xef\xbb\xbf'; cat gen_lf.csv; } >gen_bom.csv
{ cat gen_lf.csv; printf '1,999,"torn'; } >gen_torn.csv
{
  head -n 40 gen_lf.csv
  printf '4,1000,"'
  head -c 1000000 /dev/zero | tr '\0' 'y' | fold -w 100
  printf '",50.5,0.5\n'
  tail -n 20 gen_lf.csv
} >gen_big_field.csv
gen 6 $'\n' >gen_small.csv

# run NAME ENV... -- CMD...: stdout, stderr and status into one file.
run() {
  local out=$1
  shift
  local envs=()
  while [ "$1" != -- ]; do envs+=("$1"); shift; done
  shift
  env "${envs[@]}" "$@" >"$out" 2>&1 </dev/null
  echo "status $?" >>"$out"
}

# same LABEL CMD...: each variant (threads, chunk bytes, where cuts may
# fall) equal to one thread.
variants=("2 1 quotes" "8 1 any" "3 13 any" "2 4096 quotes")
# SK_PARALLEL_QUICK (the sanitizer build, whose every start is slow):
# the two variants that cut most, every third size of the small file.
step=1
if [ -n "${SK_PARALLEL_QUICK:-}" ]; then
  variants=("2 1 quotes" "3 13 any")
  step=3
fi
same() {
  local label=$1 v t c cut
  shift
  run "$tmp/want" SWEEPKIT_THREADS=1 -- "$@"
  for v in "${variants[@]}"; do
    read -r t c cut <<<"$v"
    run "$tmp/got" SWEEPKIT_THREADS=$t SK_TABLE_CHUNK_BYTES=$c \
      SK_TABLE_CUT=$cut -- "$@"
    if cmp -s "$tmp/want" "$tmp/got"; then
      ok
    else
      bad "$label: $* differs with $t threads, chunks of $c, cut at $cut"
      diff "$tmp/want" "$tmp/got" | head -n 6
      return
    fi
  done
}

for f in *.csv; do
  same "$f" "$sk" top "$f" --count 3
  same "$f" "$sk" top "$f" --field tokens_per_s --count 2 \
    --group-by concurrency --format csv
  same "$f" "$sk" stats "$f"
  same "$f" "$sk" summarize --file "$f" --confidence 95
  same "$f" "$sk" saturation "$f"
  same "$f" "$ad" --file "$f" --count 4
done
for f in gen_*.csv per_query_ok.csv; do
  same "$f" "$sk" compare "$f" "$f"
  same "stdin $f" bash -c "\"\$0\" top - --field tokens_per_s --count 5 <\"\$1\"" "$sk" "$f"
  same "stdin $f" bash -c "\"\$0\" stats - <\"\$1\"" "$sk" "$f"
done

# Every chunk size on a small file: a cut at every line end, inside the
# quoted ones too.
run "$tmp/want_top" SWEEPKIT_THREADS=1 -- "$sk" top gen_small.csv \
  --field tokens_per_s --count 20
run "$tmp/want_stats" SWEEPKIT_THREADS=1 -- "$sk" stats gen_small.csv
size=$(wc -c <gen_small.csv)
diffs=0
for c in $(seq 1 "$step" "$size"); do
  run "$tmp/got" SWEEPKIT_THREADS=2 SK_TABLE_CHUNK_BYTES=$c SK_TABLE_CUT=any \
    -- "$sk" top gen_small.csv --field tokens_per_s --count 20
  cmp -s "$tmp/want_top" "$tmp/got" || diffs=$((diffs + 1))
  run "$tmp/got" SWEEPKIT_THREADS=2 SK_TABLE_CHUNK_BYTES=$c SK_TABLE_CUT=any \
    -- "$sk" stats gen_small.csv
  cmp -s "$tmp/want_stats" "$tmp/got" || diffs=$((diffs + 1))
done
[ "$diffs" -eq 0 ] && ok || bad "every cut of gen_small.csv: $diffs runs differ"

# The threads are really used: the generated file's rows are all read
# (count checked against the one-thread run above, and here against awk).
rows=$("$sk" stats gen_lf.csv --no-group --fields ttft_s --format csv --threads 4 |
  awk -F, 'NR == 2 { print $3 }')
[ "$rows" = 400 ] && ok || bad "stats with 4 threads counted '$rows' ttft_s values, want 400"

# --threads is checked.
expect 2 "sweepkit top: --threads: expected 1 to 64, or auto, got '0'" \
  "$sk" top gen_lf.csv --threads 0
expect 2 "sweepkit stats: --threads: expected 1 to 64, or auto, got 'x'" \
  "$sk" stats gen_lf.csv --threads x
expect 0 "" "$sk" top gen_lf.csv --field tokens_per_s --threads auto

finish parallel_csv
