#!/usr/bin/env bash
# Black-box test of `sweepkit report`: run the binary over fixtures/ into a
# temporary directory and check the page against the other commands
# (summarize, stats, saturation, recommend) run on the same files, the
# charts against their stated size, report.json against report.md; then
# pairing and the error paths (exit status and first line of stderr).
# Usage: report_test.sh SWEEPKIT SOURCE_DIR
set -u
SK=$1
cd "$2" || exit 1
. tests/cli/lib.sh

# no_leftovers DIR: no half-built report (.NAME.tmp.*) in DIR
no_leftovers() {
  if ls -A "$1" | grep -q '\.tmp\.\|\.old\.'; then
    bad "leftover staging directory in $1: $(ls -A "$1")"
  else
    ok
  fi
}

# --- the bundled fixtures, no arguments --------------------------------------
expect 0 "sweepkit report: note: fixtures/summary_Qwen3-4B-Instruct-2507-MLX-4bit.csv: median_ttft_s is empty; series skipped" \
  "$SK" report --out "$tmp/r"
[ "$(cat "$tmp/out")" = "$tmp/r/report.md" ] && ok ||
  bad "stdout is '$(cat "$tmp/out")', want the path of report.md"
! grep -q 'skipped: not a summary' "$tmp/err" &&
  ok || bad "a bundled fixture skipped"
no_leftovers "$tmp"

# the fixtures' level 128 ran 128 queries: a single wave, flagged
grep -q '^Sample flags: 128: single wave\. ' "$tmp/r/report.md" && ok || bad "report: the single-wave flag"

# --- configuration grids (issue 15): a run per configuration, the grid's
# table (the overview) with its best configuration, the failed cell
# marked, throughput-only charts.
expect 0 "" "$SK" report --out "$tmp/grid" fixtures/grids/full_sweep.csv fixtures/grids/round_robin.csv
[ "$(grep -c '^| \[full_sweep instances=[12] decode_concurrency=[0-9]* prompt_concurrency=[24]\]' "$tmp/grid/report.md")" = 8 ] &&
  [ "$(grep -c '^| \[round_robin max_tokens=[0-9]*\]' "$tmp/grid/report.md")" = 4 ] &&
  ok || bad "grid report: a row per configuration"
grep -qxF '**Best of the 8 configurations of `fixtures/grids/full_sweep.csv`** (highest measured throughput): instances=2 decode_concurrency=16 prompt_concurrency=2, 873.10 tok/s at 64.' "$tmp/grid/report.md" &&
  grep -qxF '**Best of the 4 configurations of `fixtures/grids/round_robin.csv`** (highest measured throughput): max_tokens=128, 806.30 tok/s at 64.' "$tmp/grid/report.md" &&
  ok || bad "grid report: the best configurations"
grep -qxF '| 64 (failed) | 0.00 | – | – | – | – | 256 |' "$tmp/grid/report.md" &&
  ! grep -q 'The overlay shows the' "$tmp/grid/report.md" &&
  grep -qxF 'No recommendation: the data has no avg_ttft_s column: no TTFT to hold to a budget.' "$tmp/grid/report.md" &&
  grep -qxF 'Left out: failed 64 (errors and no tokens).' "$tmp/grid/report.md" &&
  [ "$(ls "$tmp/grid"/*_dashboard.png | wc -l)" = 12 ] && [ -s "$tmp/grid/throughput_overlay.png" ] &&
  ok || bad "grid report: failed cell, overlay, no TTFT, charts"
python3 - "$tmp/grid/report.json" <<'PY' && ok || bad "grid report.json: the failed level left out of the knee"
import json, sys
runs = json.load(open(sys.argv[1]))['runs']
r = [r for r in runs if r['label'].endswith('instances=2 decode_concurrency=16 prompt_concurrency=4')][0]
sat = r['saturation']
assert sat['failed_levels'] == [64.0], sat
assert sat['y_column'] == 'throughput_tps', sat
assert sat['steps'][-1]['x_to'] == 32.0, sat['steps']
PY

# Everything below compares the page with the other commands' output.

G=gemma-3-1b-it-qat-4bit
Q4=Qwen3-4B-Instruct-2507-MLX-4bit
Q80=Qwen3-Next-80B-A3B-Instruct-MLX-4bit
# check DIR BUDGETS STAT LABELS: add the Python checker's counts
check() {
  local res
  res=$(python3 tests/cli/report_check.py "$SK" "$@")
  echo "$res" | grep '^FAIL' | head -n 20
  set -- $(echo "$res" | tail -n 1)
  pass=$((pass + ${1:-0}))
  fail=$((fail + ${2:-1}))
}
check "$tmp/r" 1,2.5,5 avg "$Q4,$Q80,$G,per_query"
python3 -c 'import json,sys; json.load(open(sys.argv[1]))' "$tmp/r/report.json" &&
  ok || bad "report.json does not parse"

# The same files named one by one, other budgets, p90 (empty in the
# fixtures: no recommendation, said so).
expect 0 "sweepkit report: note: fixtures/summary_$G.csv: median_ttft_s is empty; series skipped" \
  "$SK" report --out "$tmp/r2" --ttft-budget 800ms --ttft-budget 3 \
  --ttft-stat p90 --title 'Three models' \
  fixtures/summary_$G.csv fixtures/summary_$Q4.csv
check "$tmp/r2" 0.8,3 p90 "$G,$Q4"
head -n 1 "$tmp/r2/report.md" | grep -qx '# Three models' && ok || bad "--title"
grep -q "No recommendation: fixtures/summary_$G.csv: column 'p90_ttft_s' is empty at every level." \
  "$tmp/r2/report.md" && ok || bad "p90 on the fixtures should be explained"

# A budget no level meets (the closest level is named) and one every level
# meets (nothing binds within the sweep).
expect 0 "sweepkit report: note: fixtures/summary_$G.csv: median_ttft_s is empty; series skipped" \
  "$SK" report --out "$tmp/r3" --ttft-budget 10ms --ttft-budget 100 \
  fixtures/summary_$G.csv
check "$tmp/r3" 0.01,100 avg "$G"
grep -q '^| 10 ms\|^| 0.01 s | none (closest: 1) |' "$tmp/r3/report.md" && ok ||
  bad "a budget no level meets"

# Repeats: three collected runs of one serve-sim configuration; the
# Repeats section's means, t-intervals and CVs from the runs' levels.
R=fixtures/repeats
expect 0 "" "$SK" report --out "$tmp/rr" "$R"
check "$tmp/rr" 1,2.5,5 avg "sweepkit-sim 20261203_194531,sweepkit-sim 20261203_194538,sweepkit-sim 20261203_194545"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["repeats"]; sys.exit(not (len(r) == 1 and len(r[0]["runs"]) == 3 and len(r[0]["levels"]) == 4))' \
  "$tmp/rr/report.json" && ok || bad "report: the three runs as one set of repeats"
python3 -c 'import json,sys; c=json.load(open(sys.argv[1]))["repeats_chart"]; sys.exit(not (c["file"] == "throughput_repeats.png" and c["kind"] == "throughput"))' \
  "$tmp/rr/report.json" && [ -s "$tmp/rr/throughput_repeats.png" ] &&
  grep -q '^!\[Mean throughput and mean per-query speed of 1 set of repeats against concurrency\](throughput_repeats.png)' "$tmp/rr/report.md" &&
  ok || bad "report: the repeats chart, in json, on disk and in the Repeats section"
python3 -c 'import json,sys; sys.exit(json.load(open(sys.argv[1]))["repeats_chart"] is not None)' \
  "$tmp/r/report.json" && ok || bad "report: no repeats chart without repeats"

# --- pairing -------------------------------------------------------------------
mkdir -p "$tmp/pair" "$tmp/counts"
cp fixtures/per_query.csv "$tmp/pair/m_per_query_20260101_120000.csv"
"$SK" summarize fixtures/per_query.csv >"$tmp/pair/m_summary_20260101_120000.csv" 2>/dev/null
cp fixtures/per_query.csv "$tmp/counts/queries.csv"
cp "$tmp/pair/m_summary_20260101_120000.csv" "$tmp/counts/levels.csv"
expect 0 "" "$SK" report --out "$tmp/rp" "$tmp/pair" "$tmp/counts"
python3 - "$tmp/rp/report.json" <<'EOF' && ok || bad "pairing by name and by counts"
import json, sys
r = json.load(open(sys.argv[1]))['runs']
assert [x['pairing'] for x in r] == ['name', 'counts'], r
assert [x['label'] for x in r] == ['m_20260101_120000', 'levels'], r
assert all(x['per_query_file'] and x['summary_file'] for x in r)
assert all(x['percentiles'] for x in r)
assert not any(x['summarized_from_per_query'] for x in r)
EOF
check "$tmp/rp" 1,2.5,5 avg "m_20260101_120000,levels"

# --- the output directory --------------------------------------------------------
# An earlier report is replaced as a whole; anything else is refused.
expect 0 "" "$SK" report --out "$tmp/rp" "$tmp/counts"
python3 -c 'import json,sys; r=json.load(open(sys.argv[1]))["runs"]; assert [x["label"] for x in r]==["levels"]' \
  "$tmp/rp/report.json" && ok || bad "rerun into an earlier report"
[ ! -e "$tmp/rp/m_20260101_120000_ttft.png" ] && ok || bad "stale chart left behind"
no_leftovers "$tmp"
mkdir -p "$tmp/full"
echo keep >"$tmp/full/notes.txt"
expect 1 "sweepkit report: $tmp/full: exists, is not empty and holds no earlier report; give another --out or empty it" \
  "$SK" report --out "$tmp/full" "$tmp/counts"
[ "$(ls "$tmp/full")" = notes.txt ] && ok || bad "a foreign directory was touched"
mkdir -p "$tmp/empty_out"
expect 0 "" "$SK" report --out "$tmp/empty_out/" "$tmp/counts"
[ -f "$tmp/empty_out/report.md" ] && ok || bad "an empty --out directory"
: >"$tmp/file"
expect 1 "sweepkit report: $tmp/file/out: cannot create directory: Not a directory" \
  "$SK" report --out "$tmp/file/out" fixtures
expect 1 "sweepkit report: $tmp/file: exists and is not a directory" \
  "$SK" report --out "$tmp/file" fixtures
# The default directory: results/report_<time>/ under the current one.
mkdir -p "$tmp/cwd"
cp -r fixtures "$tmp/cwd/"
(cd "$tmp/cwd" && "$SK" report >"$tmp/out" 2>/dev/null)
grep -qE '^results/report_[0-9]{8}_[0-9]{6}/report.md$' "$tmp/out" &&
  [ -f "$tmp/cwd/$(cat "$tmp/out")" ] && ok || bad "default --out: $(cat "$tmp/out")"

# --- a directory with entries that cannot be read --------------------------------
# Each is skipped with a note naming it and why, the report is written from
# the rest; a file that looked like sweep data and could not be read or was
# malformed makes the exit status 3.  Nothing is opened before lstat/stat
# (the FIFO would block: `timeout` turns a hang into a failure).
mkdir -p "$tmp/skips"
cp "fixtures/summary_$G.csv" "$tmp/skips/"
ln -s gone.csv "$tmp/skips/dangling.csv"
ln -s loop.csv "$tmp/skips/loop.csv"
mkfifo "$tmp/skips/fifo.csv"
mkdir "$tmp/skips/sub.csv"
ln -s /proc/self/mem "$tmp/skips/mem.csv" # a read that fails, even for root
printf 'concurrency,throughput_tokens_per_s\n1,10\n2,20,7\n3,30\n' >"$tmp/skips/ragged.csv"
{ cat "fixtures/summary_$Q4.csv"; printf '512,12'; } >"$tmp/skips/torn.csv"
cp "fixtures/summary_$Q80.csv" "$tmp/skips/noperm.csv"
chmod 000 "$tmp/skips/noperm.csv"
AS=
mkdir -p "$tmp/skips_out"
if [ "$(id -u)" -eq 0 ]; then
  # chmod 000 does not stop root: read the directory as nobody, if we can
  if command -v setpriv >/dev/null; then
    AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
    chmod 755 "$tmp" "$tmp/skips"
    chmod 777 "$tmp/skips_out"
  else
    echo "report_test: root without setpriv: noperm.csv is read as root (its note is not checked)"
  fi
fi
$AS timeout 20 "$SK" report --out "$tmp/skips_out/r" "$tmp/skips" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 3 ] && ok || { bad "report over a directory with skipped files: status $rc, want 3"; cat "$tmp/err"; }
[ -s "$tmp/skips_out/r/report.md" ] && [ "$(cat "$tmp/out")" = "$tmp/skips_out/r/report.md" ] && ok ||
  bad "report over a directory with skipped files: no report.md"
for n in \
  "dangling.csv: skipped: dangling link (to 'gone.csv', which does not exist)" \
  "loop.csv: skipped: link loop" \
  "fifo.csv: skipped: not a regular file (a FIFO)" \
  "sub.csv: skipped: a directory (subdirectories are not read)" \
  "mem.csv: skipped: unreadable: read failed: Input/output error" \
  "ragged.csv: skipped: malformed: $tmp/skips/ragged.csv:3: row has 3 fields, header has 2" \
  "torn.csv:10: incomplete last row, probably cut by a crash; skipped"; do
  grep -qxF "sweepkit report: note: $tmp/skips/$n" "$tmp/err" && ok ||
    { bad "no note '$n'"; cat "$tmp/err"; }
done
if [ "$(id -u)" -ne 0 ] || [ -n "$AS" ]; then
  grep -qxF "sweepkit report: note: $tmp/skips/noperm.csv: skipped: unreadable: cannot open: Permission denied" "$tmp/err" &&
    ok || { bad "no note for the unreadable file"; cat "$tmp/err"; }
fi
python3 - "$tmp/skips_out/r/report.json" "$G" <<'PY' && ok || bad "the runs read around the skipped files"
import json, sys
labels = [x['label'] for x in json.load(open(sys.argv[1]))['runs']]
assert sys.argv[2] in labels and 'torn' in labels, labels
assert not {'ragged', 'mem', 'dangling', 'loop', 'fifo', 'sub'} & set(labels), labels
PY
# Entries that are simply not sweep files (a link to nothing, a FIFO) are
# noted but leave the status 0.
mkdir -p "$tmp/links"
cp "fixtures/summary_$G.csv" "$tmp/links/"
ln -s gone.csv "$tmp/links/dangling.csv"
mkfifo "$tmp/links/fifo.csv"
expect 0 "sweepkit report: note: $tmp/links/dangling.csv: skipped: dangling link (to 'gone.csv', which does not exist)" \
  timeout 20 "$SK" report --out "$tmp/links_out" "$tmp/links"
# A malformed file named as an argument is still an error (status 1).
expect 1 "sweepkit report: $tmp/skips/ragged.csv:3: row has 3 fields, header has 2" \
  "$SK" report --out "$tmp/e5" "$tmp/skips/ragged.csv"
chmod 644 "$tmp/skips/noperm.csv"

# --- errors ------------------------------------------------------------------------
expect 1 "sweepkit report: nope.csv: cannot open: No such file or directory" \
  "$SK" report --out "$tmp/e1" nope.csv
mkdir -p "$tmp/nocsv"
echo 'not a csv' >"$tmp/nocsv/readme.txt"
expect 1 "sweepkit report: $tmp/nocsv: no sweep CSV here (0 .csv files looked at; subdirectories are not read)" \
  "$SK" report --out "$tmp/e2" "$tmp/nocsv"
printf 'concurrency,elapsed_s\n1,2.5\n' >"$tmp/other.csv"
expect 1 "sweepkit report: note: $tmp/other.csv: skipped: not a summary (no throughput_tokens_per_s) nor a per-query file (no ttft_s, tokens_per_s, output_tokens)" \
  "$SK" report --out "$tmp/e3" "$tmp/other.csv"
[ "$(tail -n 1 "$tmp/err")" = "sweepkit report: no sweep CSV (summary or per-query) among the inputs" ] &&
  ok || bad "no sweep CSV at all: $(tail -n 1 "$tmp/err")"
printf 'concurrency,queries,throughput_tokens_per_s\n1,4,10\n2,4,20\n1,4,30\n' >"$tmp/dup.csv"
expect 1 "sweepkit report: $tmp/dup.csv:4: concurrency 1 appears twice (also line 2); one summary row per level" \
  "$SK" report --out "$tmp/e4" "$tmp/dup.csv"
for d in e1 e2 e3 e4 e5; do
  [ ! -e "$tmp/$d" ] && ok || bad "a failed run left $tmp/$d"
done
no_leftovers "$tmp"
expect 2 "sweepkit report: --ttft-budget: '2x' is not a duration (e.g. 30s, 500ms)" \
  "$SK" report --ttft-budget 2x
expect 2 "sweepkit report: --ttft-budget: must be > 0, got '0'" \
  "$SK" report --ttft-budget 0
expect 2 "sweepkit report: --ttft-stat: unknown TTFT statistic 'p50' (expected avg, median, p90 or p99)" \
  "$SK" report --ttft-stat p50
expect 2 "sweepkit report: unknown or ambiguous option '--bogus'" "$SK" report --bogus
expect 2 "sweepkit report: -: standard input cannot be read: give files or directories" \
  "$SK" report -
(cd "$tmp/nocsv" && "$SK" report >/dev/null 2>"$tmp/err"; echo $? >"$tmp/rc")
[ "$(cat "$tmp/rc")" = 2 ] &&
  [ "$(head -n 1 "$tmp/err")" = "sweepkit report: no input: give FILEs or DIRs (with none, ./fixtures/ is read, and there is no fixtures/ here)" ] &&
  ok || bad "no fixtures/: $(cat "$tmp/rc") $(head -n 1 "$tmp/err")"
expect 0 "" "$SK" report --help
grep -q -- '--ttft-budget S' "$tmp/out" && ok || bad "--help lacks --ttft-budget"

# --- report.html ---------------------------------------------------------------
# The same page as one self-contained HTML file (html_check.py: no script
# or fetch, no duplicate id, report.md's headings and tables, one inline
# SVG per chart); a second --html run replaces the directory as a report.
expect 0 "sweepkit report: note: fixtures/summary_Qwen3-4B-Instruct-2507-MLX-4bit.csv: median_ttft_s is empty; series skipped" \
  "$SK" report --html --out "$tmp/h"
res=$(python3 tests/cli/html_check.py "$tmp/h")
echo "$res" | grep '^FAIL' | head -n 20
set -- $(echo "$res" | tail -n 1)
pass=$((pass + ${1:-0}))
fail=$((fail + ${2:-1}))
expect 0 "sweepkit report: note: fixtures/summary_Qwen3-4B-Instruct-2507-MLX-4bit.csv: median_ttft_s is empty; series skipped" \
  "$SK" report --html --out "$tmp/h"
[ -s "$tmp/h/report.html" ] && ok || bad "report --html again: no report.html"
expect 0 "sweepkit report: note: fixtures/summary_Qwen3-4B-Instruct-2507-MLX-4bit.csv: median_ttft_s is empty; series skipped" \
  "$SK" report --out "$tmp/h"
[ ! -e "$tmp/h/report.html" ] && ok || bad "report without --html left report.html"

finish report
