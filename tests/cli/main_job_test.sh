#!/usr/bin/env bash
# End to end, the README's main job (scripts/main_job.sh: serve-sim in the
# background, collect against it, report over the new CSVs and fixtures/)
# into a temporary directory; then the report is checked like
# report_test.sh checks one (tests/cli/report_check.py: every run present,
# tables equal to the CSVs, knee and recommendations as the analysis
# commands give them, every chart a PNG of the stated size, report.json
# agreeing with report.md), and no server may be left running.
# Usage: main_job_test.sh SWEEPKIT SOURCE_DIR
set -u
SK=$1
cd "$2" || exit 1
. tests/cli/lib.sh

scripts/main_job.sh "$SK" "$tmp/run" >"$tmp/out" 2>"$tmp/err"
rc=$?
[ "$rc" -eq 0 ] && ok || { bad "main_job.sh exited $rc"; cat "$tmp/err"; }
last=$(tail -n 1 "$tmp/out")
[ "$last" = "report: $tmp/run/report/report.md" ] && ok ||
  bad "last line '$last', want the report's path"
[ -s "$tmp/run/report/report.md" ] && ok || bad "no report.md"
pgrep -f "serve-sim.*$tmp" >/dev/null && bad "serve-sim left running" || ok

# The live run: one summary and one per-query CSV, every query there.
summary=$(ls "$tmp/run/sweep/"serve-sim_summary_*.csv 2>/dev/null)
[ -n "$summary" ] && ok || bad "no summary from collect"
run=$(basename "$summary" .csv)
run=serve-sim_${run#serve-sim_summary_}
rows=$(($(wc -l <"$tmp/run/sweep/${run/serve-sim_/serve-sim_per_query_}.csv") - 1))
[ "$rows" -eq 80 ] && ok || bad "per-query rows: $rows, want 5 levels x 16"
# The simulator has 8 slots: the knee is 8.
knee=$("$SK" saturation "$summary" --format csv | awk -F, 'NR == 2 { print $10 }')
[ "$knee" = 8.0 ] && ok || bad "knee of the live sweep: '$knee', want 8"

G=gemma-3-1b-it-qat-4bit
Q4=Qwen3-4B-Instruct-2507-MLX-4bit
Q80=Qwen3-Next-80B-A3B-Instruct-MLX-4bit
# the live run is named by the model its sidecar names, and its stamp
res=$(python3 tests/cli/report_check.py "$SK" "$tmp/run/report" 1,2.5,5 avg \
  "${run/serve-sim_/serve-sim },$Q4,$Q80,$G,per_query")
echo "$res" | grep '^FAIL' | head -n 20
set -- $(echo "$res" | tail -n 1)
pass=$((pass + ${1:-0}))
fail=$((fail + ${2:-1}))

finish main_job
