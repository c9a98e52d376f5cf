#!/usr/bin/env bash
# Black-box test of other tools' results (docs/formats.md): every command
# over the fixtures of fixtures/foreign/, written from each tool's
# exporter source, with the values the tools' own numbers give.
# Usage: formats_test.sh SWEEPKIT SOURCE_DIR
set -u
SK=$1
cd "$2" || exit 1
. tests/cli/lib.sh

V=fixtures/foreign/vllm
G=fixtures/foreign/genai-perf/artifacts
A=fixtures/foreign/aiperf
L=fixtures/foreign/guidellm/benchmarks.json

# col FILE NAME ROW: cell NAME of data row ROW (1-based) of a CSV
col() {
  python3 - "$@" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
print(rows[int(sys.argv[3]) - 1][sys.argv[2]])
PY
}

# --- vLLM bench serve: a directory of per-level results is one sweep -----
expect 0 "" "$SK" top "$V/levels" -k concurrency --order asc --format csv
[ "$(col "$tmp/out" concurrency 4)" = 8 ] && [ "$(col "$tmp/out" queries 4)" = 64 ] &&
  [ "$(col "$tmp/out" errors 4)" = 1 ] && [ "$(col "$tmp/out" throughput_tokens_per_s 1)" = 60.6336999504786 ] &&
  [ "$(col "$tmp/out" avg_ttft_s 1)" = 0.0407353987993702 ] &&
  [ "$(col "$tmp/out" source_format 1)" = "vLLM bench serve result" ] &&
  ok || bad "vllm levels: top"
expect 0 "" "$SK" saturation "$V/levels" --format json
python3 - "$tmp/out" <<'PY' && ok || bad "vllm levels: saturation"
import json, sys
r = json.load(open(sys.argv[1]))['results'][0]
assert [s['x_to'] for s in r['steps']] == [2.0, 4.0, 8.0], r['steps']
assert abs(r['steps'][-1]['y_to'] - 303.9013575287345) < 1e-6
PY
expect 0 "" "$SK" recommend "$V/levels" --ttft-budget 0.12 --format csv
[ "$(col "$tmp/out" concurrency 1)" = 4.0 ] && ok || bad "vllm levels: recommend under 120 ms"
expect 0 "sweepkit plot: note: $V/levels: no column 'p90_ttft_s'; series skipped" \
  "$SK" plot "$V/levels" -k dashboard -o "$tmp/v.png"
[ -s "$tmp/v.png" ] && ok || bad "vllm levels: plot"
expect 0 "sweepkit report: note: $V/levels: no column 'p90_ttft_s'; series skipped" \
  "$SK" report "$V/levels" --out "$tmp/vrep"
grep -q '^| \[levels\](#levels) | summary | 4 | 303.90 at 8 |' "$tmp/vrep/report.md" &&
  ok || bad "vllm levels: report, one run"
# JSON Lines (--append-result), and a sweep's summary.csv (3 repeats)
expect 0 "" "$SK" saturation "$V/appended.jsonl"
grep -q "^$V/appended.jsonl: throughput_tokens_per_s by concurrency, 3 levels\$" "$tmp/out" &&
  ok || bad "vllm: JSON Lines"
expect 0 "" "$SK" saturation "$V/sweep_summary.csv"
[ "$(grep -c '^fixtures/foreign/vllm/sweep_summary.csv \[run_number=[012]\]: throughput_tokens_per_s by concurrency, 4 levels$' "$tmp/out")" = 3 ] &&
  ok || bad "vllm sweep summary.csv: a sweep per repeat"
# --save-detailed: the per-request arrays are per-query samples
expect 0 "" "$SK" summarize "$V/detailed_c4.json"
[ "$(col "$tmp/out" avg_query_tokens_per_s 1)" = 50.503683 ] &&
  [ "$(col "$tmp/out" avg_decode_tokens_per_s 1)" = 54.756142 ] &&
  [ "$(col "$tmp/out" p90_ttft_s 1)" = 0.080999 ] && [ "$(col "$tmp/out" errors 1)" = 1 ] &&
  ok || bad "vllm detailed: summarize"
expect 0 "" "$SK" stats "$V/detailed_c4.json" --format csv --fields ttft_s
grep -q '^4,ttft_s,7,1,0.0671422' "$tmp/out" && ok || bad "vllm detailed: stats"
# open-loop: listed, never a level
expect 0 "" "$SK" top "$V/openloop_rate4.json" --format csv
[ "$(col "$tmp/out" request_rate 1)" = 4 ] && [ -z "$(col "$tmp/out" concurrency 1)" ] &&
  ok || bad "vllm open loop: top"
expect 1 "sweepkit saturation: $V/openloop_rate4.json: an open-loop run (request rate 4/s, no concurrency cap) is no level of a concurrency sweep: \`sweepkit top\` lists it and \`sweepkit plot --kind rate\` charts it against request rate (docs/formats.md)" \
  "$SK" saturation "$V/openloop_rate4.json"
# Python's bare Infinity (burstiness inf)
expect 0 "" "$SK" top "$V/openloop_rate4_burstiness_inf.json" --format csv

# --- GenAI-Perf: a tree of artifact directories, concurrency from names --
expect 0 "" "$SK" top "$G" -k concurrency --order asc --format csv
[ "$(col "$tmp/out" concurrency 4)" = 8 ] && [ "$(col "$tmp/out" queries 4)" = 15 ] &&
  [ "$(col "$tmp/out" throughput_tokens_per_s 2)" = 516.513020345791 ] &&
  [ "$(col "$tmp/out" avg_decode_tokens_per_s 1)" = 311.926614103164 ] &&
  ok || bad "genai-perf: top over the artifacts"
expect 0 "sweepkit report: note: no per-query speed column in the data: that panel is left out" \
  "$SK" report "$G" --out "$tmp/grep"
grep -q '^| \[artifacts\](#artifacts) | summary | 4 | 852.13 at 8 |' "$tmp/grep/report.md" &&
  ok || bad "genai-perf: report, one run"
# the CSV alone: thousands in quotes, CRLF, the concurrency in the name
expect 0 "" "$SK" top "$G/meta-llama_Llama-3.2-1B-Instruct-openai-chat-concurrency8/profile_export_genai_perf.csv" --format csv
[ "$(col "$tmp/out" throughput_tokens_per_s 1)" = 852.13 ] && ok || bad "genai-perf: the CSV"

# --- AIPerf: per-request records with their summary export -------------
expect 0 "" "$SK" summarize "$A/c4"
[ "$(col "$tmp/out" queries 1)" = 12 ] && [ "$(col "$tmp/out" errors 1)" = 1 ] &&
  [ "$(col "$tmp/out" avg_query_tokens_per_s 1)" = 193.579344 ] &&
  [ "$(col "$tmp/out" avg_decode_tokens_per_s 1)" = 222.547792 ] &&
  ok || bad "aiperf: summarize the records"
expect 0 "" "$SK" top "$A" -k concurrency --order asc --format csv
[ "$(col "$tmp/out" concurrency 1)" = 1 ] && [ "$(col "$tmp/out" wall_s 2)" = 0.765225755 ] &&
  [ "$(col "$tmp/out" total_output_tokens 2)" = 521 ] &&
  ok || bad "aiperf: the summary exports"
# goodput: 6 of the 12 records meet TTFT <= 40 ms and latency <= 250 ms
# (worked out from the records by hand), their 288 tokens over the wall
expect 0 "" "$SK" summarize "$A/c4" --slo ttft=40ms,e2e=250ms
[ "$(col "$tmp/out" slo_share 1)" = 0.500000 ] &&
  [ "$(col "$tmp/out" goodput_tokens_per_s 1)" = 376.359575 ] &&
  ok || bad "summarize --slo: share and goodput"
# c1 has no records: the directory is its levels, not a per-query file
expect 1 "sweepkit summarize: $A: this is a summary (one row per level), and summarize makes one from a per-query file (one row per query): give the per-query file, such as the collector's *_per_query_*.csv" \
  "$SK" summarize "$A"
expect 1 "sweepkit summarize: $A/c4/profile_export.jsonl: AIPerf profile export: the requests' concurrency is in neither the records, the directory's name (\"...-concurrency8\") nor one summary export beside them" \
  "$SK" summarize "$A/c4/profile_export.jsonl"

# --- GuideLLM: concurrent strategies are levels, rates open-loop --------
expect 0 "" "$SK" top "$L" -k concurrency --order asc --format csv
[ "$(col "$tmp/out" concurrency 4)" = 8 ] && [ "$(col "$tmp/out" queries 4)" = 24 ] &&
  [ "$(col "$tmp/out" errors 4)" = 1 ] && [ "$(col "$tmp/out" throughput_tokens_per_s 4)" = 319.09879201977 ] &&
  [ "$(col "$tmp/out" avg_ttft_s 1)" = 0.033717 ] &&
  [ -z "$(col "$tmp/out" concurrency 5)" ] && [ "$(col "$tmp/out" request_rate 5)" = 4 ] &&
  ok || bad "guidellm: top, the rate point kept apart"
expect 0 "" "$SK" saturation "$L"
grep -q "^$L: throughput_tokens_per_s by concurrency, 4 levels\$" "$tmp/out" &&
  ok || bad "guidellm: saturation over the concurrent strategies only"
expect 0 "" "$SK" recommend "$L" --ttft-budget 0.05 --format csv
[ "$(col "$tmp/out" concurrency 1)" = 4.0 ] && ok || bad "guidellm: recommend"
expect 0 "" "$SK" top fixtures/foreign/guidellm/benchmarks_synchronous_full.json --format csv
[ "$(col "$tmp/out" concurrency 1)" = 1 ] && [ "$(col "$tmp/out" queries 1)" = 6 ] &&
  [ "$(col "$tmp/out" throughput_tokens_per_s 1)" = 83.6802244686346 ] &&
  ok || bad "guidellm: a synchronous benchmark, every key"

# --- every command over every format: a sweep of each tool ---------------
for input in "$V/levels" "$V/appended.jsonl" "$V/sweep_summary.csv" "$G" "$A" "$L"; do
  for cmd in "top" "stats --fields avg_ttft_s" "saturation" \
             "recommend --throughput-goal 50" "plot -o $tmp/all.png" \
             "report --out $tmp/all_report"; do
    rm -rf "$tmp/all_report"
    # shellcheck disable=SC2086
    if "$SK" $cmd "$input" >"$tmp/out" 2>"$tmp/err"; then
      ok
    else
      bad "sweepkit $cmd $input: $(head -n 1 "$tmp/err")"
    fi
  done
done
# the per-request files through the per-query commands
for input in "$V/detailed_c4.json" "$A/c4"; do
  for cmd in "stats" "summarize" "plot -k per-query -o $tmp/pq.png --per-query"; do
    # shellcheck disable=SC2086
    if "$SK" $cmd "$input" >"$tmp/out" 2>"$tmp/err"; then ok; else
      bad "sweepkit $cmd $input: $(head -n 1 "$tmp/err")"
    fi
  done
done

finish formats
