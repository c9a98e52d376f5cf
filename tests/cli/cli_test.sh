#!/usr/bin/env bash
# Black-box tests of the sweepkit and analyze-data executables: run them,
# compare standard output, the first line of standard error and the exit
# status.  Usage: cli_test.sh SWEEPKIT ANALYZE_DATA SOURCE_DIR
set -u
SK=$1
AD=$2
cd "$3" || exit 1
. tests/cli/lib.sh
# JSON outputs carry a date: one fixed date makes them comparable.
export SOURCE_DATE_EPOCH=1700000000

# same_as FILE: stdout of the last expect equals FILE
same_as() {
  if cmp -s "$tmp/out" "$1"; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: output differs from $1"
    diff "$tmp/out" "$1" | head -n 10
  fi
}

# --- analyze-data: byte for byte what analyze-data.py prints -------------
while IFS='|' read -r name args; do
  case "$name" in '#'*|'') continue ;; esac
  # shellcheck disable=SC2086
  expect 0 "" "$AD" $args
  same_as "tests/cli/golden/$name.out"
  # sweepkit top without options beyond the script's prints the same
  # rows, but whole numbers as integers (docs/top.md), so not the golden
  # bytes: only its status here; its integers in test_top.c and below.
  # shellcheck disable=SC2086
  expect 0 "" "$SK" top $args
done <tests/cli/golden/cases.txt

# --- analyze-data: its failures go to stderr with a status ----------------
expect 2 "analyze-data: the following arguments are required: --file" "$AD"
expect 2 "analyze-data: argument --order: invalid choice (choose from 'asc', 'desc')" \
  "$AD" --file fixtures/seed/full_sweep.csv --order up
expect 2 "analyze-data: argument --count: '-2' is not a non-negative whole number" \
  "$AD" --file fixtures/seed/full_sweep.csv --count -2
expect 2 "analyze-data: unknown or ambiguous option '--bogus'" \
  "$AD" --file fixtures/seed/full_sweep.csv --bogus
expect 1 "Error: nope.csv: cannot open: No such file or directory" \
  "$AD" --file nope.csv
expect 1 "Error: Field 'tps' does not exist. Available fields in fixtures/seed/round_robin.csv: max_tokens, concurrency, throughput_tps, total_tokens, elapsed_s, errors" \
  "$AD" --file fixtures/seed/round_robin.csv --field tps
expect 0 "" "$AD" --help
grep -q -- '--count COUNT' "$tmp/out" && pass=$((pass + 1)) ||
  { fail=$((fail + 1)); echo "FAIL: analyze-data --help lacks --count"; }
# argparse-style abbreviations and --opt=value work; --fi is ambiguous.
expect 2 "analyze-data: unknown or ambiguous option '--fi=x'" "$AD" --fi=x
expect 0 "" "$AD" --fil=fixtures/seed/full_sweep.csv --cou 100
same_as tests/cli/golden/full_all.out

# --- sweepkit ---------------------------------------------------------------
expect 0 "" "$SK" --help
grep -q '^  top ' "$tmp/out" && pass=$((pass + 1)) ||
  { fail=$((fail + 1)); echo "FAIL: sweepkit --help lacks top"; }
expect 0 "" "$SK" --version
grep -qE '^sweepkit [0-9]+\.[0-9]+\.[0-9]+$' "$tmp/out" &&
  pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: --version"; }
expect 2 "sweepkit: unknown command 'nosuch'" "$SK" nosuch
expect 0 "" "$SK" top --help
expect 2 "sweepkit top: --count: 'x' is not a non-negative whole number" \
  "$SK" top fixtures/seed/full_sweep.csv --count x
expect 2 "sweepkit top: unknown format 'xml' (expected table, csv, json or markdown)" \
  "$SK" top fixtures/seed/full_sweep.csv --format xml
expect 2 "sweepkit top: --where 'errors=0': expected FIELD OP VALUE with OP one of == != < <= > >=" \
  "$SK" top fixtures/seed/full_sweep.csv --where errors=0
expect 2 "sweepkit top: option '--field' needs a value" \
  "$SK" top fixtures/seed/full_sweep.csv --field
expect 1 "sweepkit top: fixtures/seed/full_sweep.csv: no column 'nosuch'; available: instances, decode_concurrency, prompt_concurrency, concurrency, throughput_tps, total_tokens, elapsed_s, errors" \
  "$SK" top fixtures/seed/full_sweep.csv --columns concurrency,nosuch

# Standard input, and several files with one header.
"$SK" top --field concurrency --count 3 <fixtures/seed/round_robin.csv >"$tmp/stdin.out" 2>&1
expect 0 "" "$SK" top fixtures/seed/round_robin.csv --field concurrency --count 3
same_as "$tmp/stdin.out"
expect 0 "" "$SK" top fixtures/seed/round_robin.csv fixtures/seed/round_robin.csv \
  --format csv --count 2 --columns concurrency,max_tokens,throughput_tps
printf 'concurrency,max_tokens,throughput_tps\n64,128,877.61\n64,128,877.61\n' >"$tmp/two.csv"
same_as "$tmp/two.csv"
expect 1 "sweepkit top: fixtures/seed/full_sweep.csv:1: header differs from fixtures/seed/round_robin.csv's: column 1 is 'instances', expected 'max_tokens'" \
  "$SK" top fixtures/seed/round_robin.csv fixtures/seed/full_sweep.csv
# Several files: a first column names each row's file ("<stdin>" for -);
# whole numbers print as integers (table, markdown, json).  (expect reads
# stdin from /dev/null, hence sh -c.)
head -3 fixtures/seed/round_robin.csv >"$tmp/rr3.csv"
expect 0 "" sh -c '"$0" top fixtures/seed/round_robin.csv - --count 4 --field concurrency \
  --order asc --where max_tokens==128 <"$1"' "$SK" "$tmp/rr3.csv"
printf '%s\n' "source                        | max_tokens | concurrency | throughput_tps | total_tokens | elapsed_s | errors" \
  "-------------------------------------------------------------------------------------------------------------" \
  "fixtures/seed/round_robin.csv |        128 |           1 |          47.91 |         8192 |   170.987 |      0" \
  "<stdin>                       |        128 |           1 |          47.91 |         8192 |   170.987 |      0" \
  "fixtures/seed/round_robin.csv |        128 |           4 |         174.68 |         8192 |    46.897 |      0" \
  "<stdin>                       |        128 |           4 |         174.68 |         8192 |    46.897 |      0" >"$tmp/src.out"
same_as "$tmp/src.out"
# --columns may place it (or, not naming it, leave it out: above).
expect 0 "" sh -c '"$0" top fixtures/seed/round_robin.csv - --count 2 --field concurrency \
  --order asc --where max_tokens==128 --columns concurrency,source --format json <"$1"' \
  "$SK" "$tmp/rr3.csv"
sed -n '/^  "results"/,$p' "$tmp/out" >"$tmp/results"
printf '%s\n' '  "results": [' '    {"concurrency": 1, "source": "fixtures/seed/round_robin.csv"},' \
  '    {"concurrency": 1, "source": "<stdin>"}' '  ]' '}' >"$tmp/src.json"
cmp -s "$tmp/results" "$tmp/src.json" && ok || { bad "top json: source column"; cat "$tmp/results"; }
# The drop-in reads one file and keeps Python's 128.0 (golden files above).

# Bad data: one line naming file and line, status 1.
printf 'a,b\n1,2\n3,4,5\n' >"$tmp/long.csv"
expect 1 "sweepkit top: $tmp/long.csv:3: row has 3 fields, header has 2" \
  "$SK" top "$tmp/long.csv" --field a
printf 'a,b\n1,"2\n' >"$tmp/open.csv"
expect 1 "sweepkit top: $tmp/open.csv:2: end of file inside a quoted field that no quote closes" \
  "$SK" top "$tmp/open.csv" --field a
# The drop-in tolerates the long row (as the script does) and says so.
expect 0 "analyze-data: warning: $tmp/long.csv:3: row has 3 fields, header has 2; extra cells ignored (1 row)" \
  "$AD" --file "$tmp/long.csv" --field a

# A filter and a column choice on the bundled full sweep.
expect 0 "" "$SK" top fixtures/seed/full_sweep.csv --where 'errors!=0' \
  --columns concurrency,errors --format json
# The JSON outputs start with the provenance keys (docs/schema.md).
grep -qF '  "command": "sweepkit top fixtures/seed/full_sweep.csv --where '"'errors!=0'"' --columns concurrency,errors --format json",' "$tmp/out" &&
  grep -q '^  "schema_version": 1,$' "$tmp/out" && ok || bad "top json: provenance keys"
sed -n '/^  "results"/,$p' "$tmp/out" >"$tmp/results"
printf '  "results": [\n    {"concurrency": 32, "errors": 2}\n  ]\n}\n' >"$tmp/err.json"
cmp -s "$tmp/results" "$tmp/err.json" && ok || { bad "top json: results"; cat "$tmp/results"; }
# CSV dialects: a semicolon file is read as it is (the delimiter is told
# from the header), and the same file forced to ';' gives the same answer.
expect 0 "" "$SK" saturation tests/catalogue/inputs/summary_semicolon.csv --format csv
grep -q '^tests/catalogue/inputs/summary_semicolon.csv,concurrency,throughput_tokens_per_s,0.1,1.0,2.0,10.5,19.0,' "$tmp/out" &&
  ok || bad "semicolon summary: saturation's first step"
cp "$tmp/out" "$tmp/told.out"
expect 0 "" "$SK" saturation tests/catalogue/inputs/summary_semicolon.csv --format csv --delimiter ';'
cmp -s "$tmp/out" "$tmp/told.out" && ok || bad "--delimiter ';' differs from the told one"
# A JSON object holds a key once: two columns of one name are refused,
# not silently merged (CSV shows both).
printf 'mean,ttft_s\nA,1\nB,2\n' >"$tmp/mean.csv"
expect 2 "sweepkit stats: --format json: two columns are called 'mean' (a --by column named like a statistic); use --format csv" \
  "$SK" stats "$tmp/mean.csv" --by mean --fields ttft_s --format json
[ ! -s "$tmp/out" ] && ok || bad "stats json with a clash: something on stdout"
expect 2 "sweepkit top: --format json: column 'ttft_s' is shown twice; name it once in --columns" \
  "$SK" top fixtures/per_query.csv -k ttft_s --columns ttft_s,ttft_s --format json

# --- analysis commands on the fixtures ---------------------------------------
G=fixtures/summary_gemma-3-1b-it-qat-4bit.csv
Q4=fixtures/summary_Qwen3-4B-Instruct-2507-MLX-4bit.csv
Q80=fixtures/summary_Qwen3-Next-80B-A3B-Instruct-MLX-4bit.csv
for f in "$G" "$Q4" "$Q80"; do
  expect 0 "" "$SK" saturation "$f"
  grep -q '^knee: 64$' "$tmp/out" && pass=$((pass + 1)) ||
    { fail=$((fail + 1)); echo "FAIL: knee of $f is not 64"; }
done
expect 0 "" "$SK" recommend --file "$Q4" --ttft-budget 2.5 --ttft-stat avg --format csv
grep -q ',true,16.0,avg,2.5,' "$tmp/out" && pass=$((pass + 1)) ||
  { fail=$((fail + 1)); echo "FAIL: Qwen3-4B at 2.5 s is not 16"; cat "$tmp/out"; }
expect 0 "" "$SK" recommend --file "$Q80" --ttft-budget 1.0 --format csv
grep -q ',true,2.0,avg,0.64,' "$tmp/out" && pass=$((pass + 1)) ||
  { fail=$((fail + 1)); echo "FAIL: Qwen3-Next-80B at 1.0 s is not 2"; cat "$tmp/out"; }
# A summary without throughput (a per-query file without start_s/end_s):
# a TTFT budget is answered (2, TTFT 0.0909 s; throughput and the share of
# the peak unknown), a throughput goal is refused naming file and column.
"$SK" summarize fixtures/per_query.csv -o "$tmp/nothru.csv" 2>/dev/null
expect 0 "" "$SK" recommend --ttft-budget 0.1 --format csv "$tmp/nothru.csv"
grep -q ',true,2.0,avg,0.090856,0.1,140.339696,,,,,,,ttft,4.0,' "$tmp/out" && ok ||
  { bad "recommend without throughput at 0.1 s"; cat "$tmp/out"; }
expect 0 "" "$SK" recommend --ttft-budget 0.1 "$tmp/nothru.csv"
grep -q '| yes   |           2 |     0.0909 |      140.34 |                - |       - | ttft  |      2.2$' "$tmp/out" &&
  grep -q 'There avg TTFT is 0.0909 s and per-query speed 140.34 tok/s. The avg TTFT budget binds' "$tmp/out" && ok ||
  { bad "recommend table without throughput"; cat "$tmp/out"; }
expect 1 "sweepkit recommend: $tmp/nothru.csv: column 'throughput_tokens_per_s' is empty at every level; a throughput goal needs it (a TTFT budget or a minimum per-query speed does not)" \
  "$SK" recommend --throughput-goal 100 "$tmp/nothru.csv"
expect 2 "sweepkit stats: --percentiles: '101' is outside [0, 100]" \
  "$SK" stats --file fixtures/per_query.csv -p 101
expect 1 "sweepkit stats: fixtures/per_query.csv:2: column 'prompt_preview': 'Explain how a B-tree keeps itself balanc...' is not a finite number" \
  "$SK" stats --file fixtures/per_query.csv --fields prompt_preview
expect 0 "sweepkit summarize: note: fixtures/per_query.csv has no start_s/end_s columns: wall_s and throughput_tokens_per_s are left empty" \
  "$SK" summarize fixtures/per_query.csv
[ "$(wc -l <"$tmp/out")" -eq 4 ] && pass=$((pass + 1)) ||
  { fail=$((fail + 1)); echo "FAIL: summarize should give 3 levels"; }
expect 0 "sweepkit summarize: note: fixtures/per_query.csv has no start_s/end_s columns: wall_s and throughput_tokens_per_s are left empty" \
  "$SK" summarize fixtures/per_query.csv --format json
grep -q '^    {"concurrency": 1.0, "queries": 4.0, "wall_s": null, "total_output_tokens": 1024.0, ' "$tmp/out" &&
  pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: summarize json"; head -3 "$tmp/out"; }
expect 2 "sweepkit summarize: summarize reads a file, not standard input (its header is read first)" \
  "$SK" summarize -
expect 1 "sweepkit summarize: nope.csv: cannot open: No such file or directory" \
  "$SK" summarize nope.csv
expect 0 "" "$SK" plot "$G" --out "$tmp/g.png"
[ -s "$tmp/g.png" ] && pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: no PNG"; }
# Same input, same bytes (the PNG records the command line, so same path).
mv "$tmp/g.png" "$tmp/g1.png"
expect 0 "" "$SK" plot "$G" --out "$tmp/g.png"
cmp -s "$tmp/g.png" "$tmp/g1.png" && pass=$((pass + 1)) ||
  { fail=$((fail + 1)); echo "FAIL: plot is not deterministic"; }

# --mark-saturation draws the knee the analysis found: the image changes.
expect 0 "" "$SK" plot "$G" --mark-saturation --out "$tmp/knee.png"
cmp -s "$tmp/knee.png" "$tmp/g.png" && { fail=$((fail + 1)); echo "FAIL: no knee drawn"; } ||
  pass=$((pass + 1))

# A TTFT budget marks the recommended level from the recommend module; a
# budget no level meets gets a note instead.
expect 0 "sweepkit plot: note: $G: median_ttft_s is empty; series skipped" \
  "$SK" plot "$G" --kind ttft --ttft-budget 2.5 --out "$tmp/rec.png"
expect 0 "sweepkit plot: note: $G: no level meets the 0.01 s avg TTFT budget" \
  "$SK" plot "$G" --kind ttft --ttft-budget 10ms --out "$tmp/norec.png"
# open-loop runs against request rate; a concurrency sweep has none
expect 0 "" "$SK" plot --kind rate fixtures/foreign/vllm/rate_sweep.jsonl \
  --out "$tmp/rate.svg"
grep -q "<svg" "$tmp/rate.svg" ||
  { fail=$((fail + 1)); echo "FAIL: plot --kind rate wrote no SVG"; }
expect 1 "sweepkit plot: $G: no open-loop runs (no request_rate); the rate chart draws request-rate sweeps (vllm bench serve --request-rate, GuideLLM's rate profiles)" \
  "$SK" plot --kind rate "$G" --out "$tmp/rate.png"
expect 0 "sweepkit plot: note: no request latency in the data: that panel is left out" \
  "$SK" plot --kind rate fixtures/foreign/guidellm/benchmarks.json --out "$tmp/rate.png"
cmp -s "$tmp/rec.png" "$tmp/norec.png" && { fail=$((fail + 1)); echo "FAIL: no recommended level drawn"; } ||
  pass=$((pass + 1))

# --batch: one chart per line in one process, the same bytes as one
# process per chart; a failing line names FILE:LINE and the rest go on.
{
  echo "# the default chart, then one with a quoted title"
  echo "$G --out $tmp/g.png"
  echo "--kind nope $G -o $tmp/x.png"
  echo ""
  echo "$G --title 'Gemma \"1b\"' --out $tmp/t.png   # a comment"
  echo "--title 'unterminated"
} >"$tmp/jobs.txt"
mv "$tmp/g.png" "$tmp/g1.png"
expect 2 "sweepkit plot: $tmp/jobs.txt:3: unknown chart kind 'nope'; expected throughput, per-query, ttft, pareto, dashboard, frontier, ttft-dist, speed-dist, itl-dist, timeline, ttft-ecdf, heatmap or rate" \
  "$SK" plot --batch "$tmp/jobs.txt"
cmp -s "$tmp/g.png" "$tmp/g1.png" && pass=$((pass + 1)) ||
  { fail=$((fail + 1)); echo "FAIL: --batch chart differs from a single run"; }
[ -s "$tmp/t.png" ] && [ ! -e "$tmp/x.png" ] && pass=$((pass + 1)) ||
  { fail=$((fail + 1)); echo "FAIL: --batch did not go on after a failing line"; }
grep -qxF "sweepkit plot: $tmp/jobs.txt:6: unterminated ' quote" "$tmp/err" &&
  grep -qxF "sweepkit plot: $tmp/jobs.txt: 2 of 4 charts failed" "$tmp/err" &&
  pass=$((pass + 1)) || { fail=$((fail + 1)); echo "FAIL: --batch messages"; cat "$tmp/err"; }
grep -a -qF 'Gemma "1b"' "$tmp/t.png" && pass=$((pass + 1)) ||
  { fail=$((fail + 1)); echo "FAIL: --batch quoting"; }
printf '# nothing\n\n' >"$tmp/empty.txt"
expect 2 "sweepkit plot: $tmp/empty.txt: no charts (every line blank or a comment)" \
  "$SK" plot --batch "$tmp/empty.txt"
expect 1 "sweepkit plot: $tmp/none.txt: cannot read: No such file or directory" \
  "$SK" plot --batch "$tmp/none.txt"
expect 2 "sweepkit plot: --batch: give it alone: sweepkit plot --batch FILE" \
  "$SK" plot "$G" --batch "$tmp/jobs.txt"

# --- a torn last row (no line end, incomplete): skipped with one note --------
# Each reader reads the rest exactly as it reads the file without that row,
# names FILE:LINE once (however often it reads the file), and exits 0;
# analyze-data keeps its behaviour (an open quote is an error, as before).
torn_note() { echo "sweepkit $1: note: $2: incomplete last row, probably cut by a crash; skipped"; }
one_note() { # the note is on stderr exactly once
  [ "$(grep -c 'incomplete last row' "$tmp/err")" -eq 1 ] && ok ||
    { bad "$1: the torn-row note is not there exactly once"; cat "$tmp/err"; }
}
cp "$G" "$tmp/s_full.csv"
{ cat "$G"; printf '512,128,30.1'; } >"$tmp/s_torn.csv"
S_LINE=$(($(wc -l <"$G") + 1))
cp fixtures/per_query.csv "$tmp/q_full.csv"
{ cat fixtures/per_query.csv; printf '16,0,"Explain how'; } >"$tmp/q_torn.csv"
Q_LINE=$(($(wc -l <fixtures/per_query.csv) + 1))
for cmd in "top --field concurrency" "top --field concurrency --format csv" \
  "saturation" "recommend --ttft-budget 2"; do
  # shellcheck disable=SC2086
  "$SK" $cmd "$tmp/s_full.csv" >"$tmp/whole.out" 2>/dev/null
  # shellcheck disable=SC2086
  expect 0 "$(torn_note "${cmd%% *}" "$tmp/s_torn.csv:$S_LINE")" "$SK" $cmd "$tmp/s_torn.csv"
  sed "s#s_torn#s_full#g" "$tmp/out" >"$tmp/torn.out" # same length
  cmp -s "$tmp/torn.out" "$tmp/whole.out" && ok ||
    { bad "$cmd: a torn last row changed what is read"; diff "$tmp/torn.out" "$tmp/whole.out" | head -5; }
done
for cmd in "stats" "stats --format json" "summarize"; do
  # shellcheck disable=SC2086
  "$SK" $cmd "$tmp/q_full.csv" >"$tmp/whole.out" 2>/dev/null
  # shellcheck disable=SC2086
  expect 0 "$(torn_note "${cmd%% *}" "$tmp/q_torn.csv:$Q_LINE")" "$SK" $cmd "$tmp/q_torn.csv"
  one_note "$cmd"
  sed -i "s#q_torn#q_full#g" "$tmp/out" # the command line in JSON; same length
  cmp -s "$tmp/out" "$tmp/whole.out" && ok ||
    { bad "$cmd: a torn last row changed what is read"; diff "$tmp/out" "$tmp/whole.out" | head -5; }
done
"$SK" stats - <"$tmp/q_torn.csv" >"$tmp/out" 2>"$tmp/err"
[ "$(head -n 1 "$tmp/err")" = "$(torn_note stats "<stdin>:$Q_LINE")" ] && ok ||
  { bad "stats -: no torn-row note naming <stdin>"; cat "$tmp/err"; }
"$SK" stats "$tmp/q_full.csv" 2>/dev/null | cmp -s - "$tmp/out" && ok ||
  bad "stats -: a torn last row changed what is read"
expect 0 "$(torn_note plot "$tmp/s_torn.csv:$S_LINE")" "$SK" plot "$tmp/s_torn.csv" --out "$tmp/torn.png"
[ -s "$tmp/torn.png" ] && ok || bad "plot: no chart from a file with a torn row"
expect 0 "$(torn_note plot "$tmp/q_torn.csv:$Q_LINE")" \
  "$SK" plot "$G" --kind per-query --per-query "$tmp/q_torn.csv" --out "$tmp/torn_q.png"
one_note "plot --per-query"
expect 0 "$(torn_note report "$tmp/q_torn.csv:$Q_LINE")" \
  "$SK" report "$tmp/q_torn.csv" "$tmp/s_torn.csv" --out "$tmp/torn_report"
[ "$(grep -c 'incomplete last row' "$tmp/err")" -eq 2 ] && [ -s "$tmp/torn_report/report.md" ] && ok ||
  { bad "report: two torn files, two notes and a report"; cat "$tmp/err"; }
expect 1 "Error: $tmp/q_torn.csv:$Q_LINE: end of file inside a quoted field that no quote closes" \
  "$AD" --file "$tmp/q_torn.csv" --field concurrency
{ cat "$tmp/q_full.csv"; printf '16,0,"Explain how\n'; } >"$tmp/q_open.csv"
expect 1 "sweepkit stats: $tmp/q_open.csv:$Q_LINE: end of file inside a quoted field that no quote closes" \
  "$SK" stats "$tmp/q_open.csv"

# Grids (issue 15): full_sweep.py's file gives a knee per configuration,
# names the failed cell and the best configuration; top ranks per group.
G2=fixtures/grids/full_sweep.csv
expect 0 "" "$SK" saturation "$G2"
[ "$(grep -c '^fixtures/grids/full_sweep.csv \[instances=[12] decode_concurrency=[0-9]* prompt_concurrency=[0-9]*\]: throughput_tps by concurrency, [67] levels$' "$tmp/out")" = 8 ] &&
  ok || bad "grid: a knee per configuration"
grep -qx 'failed: 64 (errors and no tokens; left out of the knee and the fit)' "$tmp/out" &&
  ok || bad "grid: the failed cell named"
grep -qx 'best of 8 configurations (highest throughput_tps): instances=2 decode_concurrency=16 prompt_concurrency=2: 873.1 at concurrency 64; no knee up to 64' "$tmp/out" &&
  ok || bad "grid: the best configuration"
expect 0 "" "$SK" saturation fixtures/grids/round_robin.csv --format csv
[ "$(cut -d, -f21 "$tmp/out" | sort -u | tr '\n' ' ')" = "group max_tokens=1024 max_tokens=128 max_tokens=256 max_tokens=512 " ] &&
  grep -q ',max_tokens=1024,64,0,,$' "$tmp/out" && grep -q ',max_tokens=128,,1,,$' "$tmp/out" &&
  ok || bad "round robin grid: csv groups, failed level, best"
expect 0 "" "$SK" top "$G2" --group-by instances -n 1 --format csv
printf 'instances,decode_concurrency,prompt_concurrency,concurrency,throughput_tps,total_tokens,elapsed_s,errors\n1,16,2,64,478.9,32749,68.38,0\n2,16,2,64,873.1,32749,37.51,0\n' >"$tmp/top_grid.csv"
cmp -s "$tmp/out" "$tmp/top_grid.csv" && ok || bad "top --group-by instances"
expect 0 "" "$SK" top fixtures/grids/round_robin.csv --group-by max_tokens -n 1 --format csv
printf 'max_tokens,concurrency,throughput_tps,total_tokens,elapsed_s,errors\n128,64,806.3,8192,10.16,0\n256,64,773.5,16343,21.13,0\n512,64,679.4,32749,48.20,0\n1024,32,523.4,32749,62.57,0\n' >"$tmp/top_rr.csv"
cmp -s "$tmp/out" "$tmp/top_rr.csv" && ok || bad "top --group-by max_tokens (the failed 1024/64 cell is not its best)"

# recommend over a grid: an answer per configuration and the best one for
# the question (a goal alone: the lowest concurrency reaching it).
expect 0 "" "$SK" recommend fixtures/grids/round_robin.csv --throughput-goal 300
[ "$(grep -c '^fixtures/grids/round_robin.csv \[max_tokens=[0-9]*\] *| yes ' "$tmp/out")" = 4 ] &&
  grep -qx 'best of 4 configurations (reaches the throughput goal at the lowest concurrency): max_tokens=128: concurrency 16, 461.10 tok/s' "$tmp/out" &&
  grep -q '^fixtures/grids/round_robin.csv \[max_tokens=1024\]: .* Left out: failed 64 (errors and no tokens)\.$' "$tmp/out" &&
  ok || bad "recommend: grid, best, failed level"
expect 1 "sweepkit recommend: $G2 [instances=1 decode_concurrency=8 prompt_concurrency=2]: no measured level meets every constraint (closest: concurrency 64)" \
  "$SK" recommend "$G2" --throughput-goal 900
expect 0 "sweepkit recommend: $G2 [instances=1 decode_concurrency=8 prompt_concurrency=2]: no measured level meets every constraint (closest: concurrency 64)" \
  "$SK" recommend "$G2" --throughput-goal 500 --group-by instances,decode_concurrency,prompt_concurrency --format csv
[ "$(grep -c ',1,[^,]*,[^,]*,[^,]*,[^,]*$' "$tmp/out")" = 1 ] &&
  grep -q '^fixtures/grids/full_sweep.csv \[instances=2 decode_concurrency=16 prompt_concurrency=2\],true,32.0,.*,instances=2 decode_concurrency=16 prompt_concurrency=2,1,,,,$' "$tmp/out" &&
  ok || bad "recommend --group-by: csv group and best columns"

# plot over grids: one series per configuration (a series and its legend
# key are the two 2.5-wide strokes), the throughput-only chart, and at
# most the palette's eight, the best by peak throughput.
expect 0 "sweepkit plot: note: $G2 [instances=2 decode_concurrency=16 prompt_concurrency=4]: left out: failed 64 (errors and no tokens)" \
  "$SK" plot "$G2" -o "$tmp/grid.svg"
[ "$(grep -o 'stroke-width:2.5' "$tmp/grid.svg" | wc -l)" = 16 ] &&
  grep -qx 'sweepkit plot: note: no per-query speed column in the data: total throughput only' "$tmp/err" &&
  ok || bad "plot: a series per configuration, throughput only"
expect 0 "sweepkit plot: note: fixtures/grids/round_robin.csv [max_tokens=1024]: left out: failed 64 (errors and no tokens)" \
  "$SK" plot fixtures/grids/round_robin.csv -o "$tmp/rr.svg"
[ "$(grep -o 'stroke-width:2.5' "$tmp/rr.svg" | wc -l)" = 8 ] && ok || bad "plot: round robin, four series"
{ echo model,concurrency,throughput_tps,errors
  for m in a b c d e f g h i j k l m n o p q r s t; do for c in 1 2 4; do echo "$m,$c,$(( c * 10 + ${#m} )).0,0"; done; done; } >"$tmp/ten.csv"
expect 0 "sweepkit plot: note: 20 configurations: the 16 with the highest peak throughput are drawn, 4 more are not (--group-by fewer columns, or plot them apart)" \
  "$SK" plot "$tmp/ten.csv" -o "$tmp/ten.svg"
[ "$(grep -o 'stroke-width:2.5' "$tmp/ten.svg" | wc -l)" = 32 ] && ok || bad "plot: twenty configurations, sixteen drawn"
expect 2 "sweepkit plot: --per-query $G2: $G2 holds 8 sweeps (a grid); per-query samples go with a one-sweep summary" \
  "$SK" plot "$G2" --per-query "$G2" -k per-query -o "$tmp/x.png"

# Knee-aware recommendations (issue 17): the lowest qualifying level
# within 5% of the best qualifying throughput, with what the higher one
# costs; --policy max keeps the highest.
Q4=fixtures/summary_Qwen3-4B-Instruct-2507-MLX-4bit.csv
expect 0 "" "$SK" recommend "$Q4" --ttft-budget 25
grep -q '| yes   |          64 |' "$tmp/out" &&
  grep -q ' 128 also meets every constraint: +5.1% throughput at 2.19x the avg TTFT: past the knee more concurrency only queues\.' "$tmp/out" &&
  ok || bad "recommend: knee-aware answer and its trade-off"
expect 0 "" "$SK" recommend "$Q4" --ttft-budget 25 --tolerance 4 --format csv
grep -q '^fixtures/summary_Qwen3-4B-Instruct-2507-MLX-4bit.csv,true,128.0,' "$tmp/out" && ok || bad "recommend --tolerance 4: 64 gives up 4.9%"
expect 0 "" "$SK" recommend "$Q4" --ttft-budget 25 --policy max --format json
grep -q '"concurrency": 128.0,' "$tmp/out" && grep -q '"ceiling_concurrency": 128.0,' "$tmp/out" &&
  ok || bad "recommend --policy max"
expect 2 "sweepkit recommend: --policy: expected knee or max" "$SK" recommend "$Q4" --ttft-budget 25 --policy min
# --max-error-rate: failed queries over queries, a ceiling like the budget
printf 'concurrency,queries,errors,throughput_tokens_per_s,avg_ttft_s\n1,100,0,50,0.1\n2,100,1,95,0.2\n4,100,5,180,0.3\n8,100,20,200,0.5\n' >"$tmp/errs.csv"
expect 0 "" "$SK" recommend "$tmp/errs.csv" --ttft-budget 1 --max-error-rate 2
grep -q '| yes   |           2 |' "$tmp/out" &&
  grep -q 'The error rate maximum binds: at concurrency 4 error rate is 5.00 %; monotone interpolation between 2 and 4 puts the crossing at about concurrency 2.7\.' "$tmp/out" &&
  ok || bad "recommend --max-error-rate"
expect 2 "sweepkit recommend: --max-error-rate: expected a percentage in [0, 100)" "$SK" recommend "$tmp/errs.csv" --max-error-rate 100
# --min-slo-share: the highest level keeping the SLO share (summarize --slo)
printf 'concurrency,throughput_tokens_per_s,slo_share\n1,50,1\n2,95,0.995\n4,180,0.98\n8,200,0.6\n' >"$tmp/slo.csv"
expect 0 "" "$SK" recommend "$tmp/slo.csv" --min-slo-share 99
grep -q '| yes   |           2 |' "$tmp/out" &&
  grep -q 'at concurrency 4 share of queries within the SLOs is 98.00 %; monotone interpolation between 2 and 4 puts the crossing at about concurrency 2.8\.' "$tmp/out" &&
  ok || bad "recommend --min-slo-share"
expect 1 "sweepkit recommend: $tmp/errs.csv: no slo_share column: a minimum SLO share needs a summary made with \`sweepkit summarize --slo\`" \
  "$SK" recommend "$tmp/errs.csv" --min-slo-share 99
# Sample-size flags: the fixtures' level 128 ran 128 queries, one wave
expect 0 "" "$SK" recommend fixtures/summary_gemma-3-1b-it-qat-4bit.csv --ttft-budget 6 --format json
grep -q '"concurrency": 128.0,.*"flags": "single wave"' "$tmp/out" && ok || bad "recommend: the single-wave flag"
expect 0 "" "$SK" stats fixtures/per_query.csv --format csv
grep -q '^1,ttft_s,4,0,.*,p50 from 4 values; p90 from 4 values; p95 from 4 values; p99 from 4 values$' "$tmp/out" &&
  ok || bad "stats: the percentiles too small a sample for an interval"

# Partial levels (a stopped collect's summary): left out of the knee, the
# recommendation and the chart unless --include-partial.
printf 'concurrency,queries,errors,throughput_tokens_per_s,avg_ttft_s,planned_queries\n1,8,0,50,0.2,8\n2,8,0,95,0.3,8\n4,8,0,180,0.5,8\n8,3,0,90,0.6,8\n' >"$tmp/partial.csv"
expect 0 "" "$SK" saturation "$tmp/partial.csv"
grep -qx 'partial: 8 (fewer queries than planned; left out of the knee and the fit, --include-partial uses them)' "$tmp/out" &&
  grep -q "^$tmp/partial.csv: throughput_tokens_per_s by concurrency, 3 levels$" "$tmp/out" &&
  ok || bad "saturation: partial level left out and named"
expect 0 "" "$SK" saturation "$tmp/partial.csv" --include-partial --format json
grep -q '"knee": 4.0' "$tmp/out" && ! grep -q partial_levels "$tmp/out" &&
  ok || bad "saturation --include-partial: the partial level used"
expect 0 "" "$SK" recommend "$tmp/partial.csv" --ttft-budget 1
grep -q '| yes   |           4 |' "$tmp/out" &&
  grep -q 'Left out: partial 8 (fewer queries than planned; --include-partial uses them)\.$' "$tmp/out" &&
  ok || bad "recommend: partial level left out"
expect 0 "" "$SK" recommend "$tmp/partial.csv" --ttft-budget 1 --include-partial --policy max
grep -q '| yes   |           8 |' "$tmp/out" && ok || bad "recommend --include-partial"
expect 0 "sweepkit plot: note: $tmp/partial.csv: left out: partial 8 (fewer queries than planned; --include-partial uses them)" \
  "$SK" plot "$tmp/partial.csv" -o "$tmp/partial.png"
expect 0 "sweepkit plot: note: no per-query speed column in the data: total throughput only" \
  "$SK" plot "$tmp/partial.csv" -o "$tmp/partial.png" --include-partial
expect 0 "sweepkit plot: note: $G2 [instances=2 decode_concurrency=16 prompt_concurrency=4]: left out: failed 64 (errors and no tokens)" \
  "$SK" plot "$G2" -k dashboard -o "$tmp/grid_dash.png"
grep -qx 'sweepkit plot: note: no per-query speed or TTFT column in the data: total throughput only' "$tmp/err" &&
  ok || bad "plot: a throughput-only dashboard"

# compare --chart: the chart comes in addition, stdout as without it; a
# chart that cannot be written is one error line after the comparison.
expect 0 "" "$SK" compare "$G" "$Q4"
cp "$tmp/out" "$tmp/cmp.out"
expect 0 "sweepkit compare: note: no p90 TTFT in the runs: the mean TTFT is drawn" \
  "$SK" compare "$G" "$Q4" --chart "$tmp/cmp.png"
cmp -s "$tmp/out" "$tmp/cmp.out" && ok || bad "compare --chart: stdout changed"
grep -qxF 'sweepkit compare: note: no interval: summaries hold one number per level' "$tmp/err" &&
  ok || bad "compare --chart: the summaries' note"
[ "$(head -c 8 "$tmp/cmp.png" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ] &&
  ok || bad "compare --chart: not a PNG"
expect 2 "sweepkit compare: $tmp/cmp.gif: unknown output format '.gif'; use .png, .svg or .pdf" \
  "$SK" compare "$G" "$Q4" --chart "$tmp/cmp.gif"
[ ! -s "$tmp/out" ] && [ ! -e "$tmp/cmp.gif" ] && ok ||
  bad "compare --chart x.gif: refused before the work, nothing written"
expect 1 "sweepkit compare: note: no p90 TTFT in the runs: the mean TTFT is drawn" \
  "$SK" compare "$G" "$Q4" --chart "$tmp/nodir/cmp.png"
grep -qxF "sweepkit compare: $tmp/nodir/cmp.png: cannot write: No such file or directory" "$tmp/err" &&
  cmp -s "$tmp/out" "$tmp/cmp.out" && ok || bad "compare --chart to a missing directory"
# Per-query runs (the fixture has no start times: no throughput): SVG.
expect 0 "sweepkit compare: note: no throughput in the runs: that panel is left out" \
  "$SK" compare fixtures/per_query.csv fixtures/per_query.csv --chart "$tmp/cmp.svg"
grep -q '<svg' "$tmp/cmp.svg" && ok || bad "compare --chart: not an SVG"

# Repeats: a directory of three runs of one configuration against itself:
# each mean with its runs and CV, no difference; against one of its runs,
# one run a side.
expect 0 "" "$SK" compare fixtures/repeats fixtures/repeats
grep -q '^          8 | throughput |    289.2 (3 runs, CV 0.7%) |    289.2 (3 runs, CV 0.7%) |  +0.0% | -1.7% .. +1.7% |' "$tmp/out" &&
  [ "$(grep -c 'no detectable difference$' "$tmp/out")" = 16 ] &&
  ok || bad "compare: repeats against themselves"
expect 0 "" "$SK" compare fixtures/repeats/sim_summary_20261203_194531.csv fixtures/repeats --format csv
head -n 1 "$tmp/out" | grep -q ',verdict,runs_baseline,runs_candidate,cv_baseline,cv_candidate$' &&
  grep -q '^8,throughput,.*,not tested (one run a side),1,3,,0.007' "$tmp/out" &&
  ok || bad "compare: one run against repeats"

# --throughput steady (a serve-sim sweep: 8 slots, 32 a single wave): the
# steady-state column is what the knee and the answer read, and the level
# without a window is named as left out.
SS=fixtures/serve-sim/summary.csv
expect 0 "" "$SK" saturation "$SS" --throughput steady --format csv
[ "$(cut -d, -f3 "$tmp/out" | sort -u | tr '\n' ' ')" = "steady_throughput_tokens_per_s y_column " ] &&
  grep -q ',8.0,16.0,228.02203,227.821591,.*,32$' "$tmp/out" &&
  ok || bad "saturation --throughput steady: the steady column, 32 left out"
expect 0 "" "$SK" saturation "$SS"
grep -q '^  8→16 .* 227.545  .*$' "$tmp/out" && grep -q '^  16→32 ' "$tmp/out" &&
  ok || bad "saturation: wall clock by default, every level"
expect 0 "" "$SK" recommend "$SS" --ttft-budget 1 --throughput steady
grep -q 'steady-state throughput 228.02 tok/s' "$tmp/out" &&
  grep -q 'Left out: no steady window 32 (under two waves of timed queries, or never fully loaded)\.' "$tmp/out" &&
  grep -q '16 also meets every constraint: -0.1% throughput at 47.25x the avg TTFT' "$tmp/out" &&
  ok || bad "recommend --throughput steady: answer, trade-off, left out"
expect 0 "" "$SK" recommend "$SS" --ttft-budget 1 --throughput steady --format json
grep -q '"no_steady_window_levels": \[32\.0\]' "$tmp/out" &&
  ok || bad "recommend --throughput steady: JSON names the level"
expect 0 "sweepkit plot: note: $SS: left out: no steady window 32 (under two waves of timed queries, or never fully loaded)" \
  "$SK" plot "$SS" --throughput steady -o "$tmp/steady.png"
[ -s "$tmp/steady.png" ] && ok || bad "plot --throughput steady: no chart"

# --name FILE=NAME: the run in FILE named, in plot's title and legend and
# report's heading; a FILE that is not an input is refused.
G1=fixtures/summary_gemma-3-1b-it-qat-4bit.csv
expect 0 "" "$SK" plot "$G1" fixtures/summary_Qwen3-4B-Instruct-2507-MLX-4bit.csv --name "$G1=Gemma 3 1B" -o "$tmp/named.svg"
grep -q '<title>Throughput vs concurrency — Gemma 3 1B, Qwen3-4B-Instruct-2507-MLX-4bit</title>' "$tmp/named.svg" ||
  grep -q 'Gemma 3 1B, Qwen3-4B' "$tmp/named.svg" && ok || bad "plot --name: the run renamed"
expect 2 "sweepkit plot: --name: expected FILE=NAME with FILE one of the files plotted, got 'x=y'" \
  "$SK" plot "$G1" --name x=y -o "$tmp/named.svg"
expect 0 "sweepkit report: note: $G1: median_ttft_s is empty; series skipped" "$SK" report "$G1" --name "$G1=Gemma" --out "$tmp/named"
grep -qx '## Gemma' "$tmp/named/report.md" && ok || bad "report --name: the run's heading"
expect 1 "sweepkit report: --name: no run was read from x (give the file as the report reads it)" \
  "$SK" report "$G1" --name x=y --out "$tmp/named2"

finish cli
