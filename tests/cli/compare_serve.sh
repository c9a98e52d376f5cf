#!/usr/bin/env bash
# For scripts/compare_builds.sh: serve-sim and collect, the parts of their
# output that do not depend on timing.  Starts $SK serve-sim, sends fixed
# requests with curl (the "created" stamp masked), runs a small collect,
# stops the server, and prints the deterministic columns of the CSVs,
# the sidecar's keys and serve-sim's own lines.  Run in an empty directory.
set -euo pipefail
"$SK" serve-sim --step-ms 1 --step-ms-per-seq 0 --slots 4 --seed 7 \
  --log sim.csv >sim.out 2>sim.err &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT
url=
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' sim.out || true)
  [ -n "$url" ] && break
  sleep 0.05
done
mask() { sed -E 's/"created":[0-9]+/"created":N/g; s/127\.0\.0\.1:[0-9]+/HOST/g'; }
req() { curl -s -i "$@" | tr -d '\r' | mask; echo; }
req "$url/v1/chat/completions" -d '{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":5}'
req "$url/v1/chat/completions" -d '{"model":"m","messages":[{"role":"user","content":"hi"}],"max_tokens":3,"stream":true}'
req "$url/v1/completions" -d '{"model":"m","prompt":"hello there","max_tokens":4,"stream":true}'
req "$url/completion" -d '{"prompt":"hi","n_predict":3}'
req "$url/completion" -d '{"prompt":"hi","n_predict":3,"stream":true}'
req "$url/v1/models"
req "$url/health"
req "$url/nope"
req "$url/v1/chat/completions" -d '{bad'
req "$url/v1/chat/completions" -d '{"model":"m","messages":[],"max_tokens":-1}'
req "$url/v1/chat/completions" -d '{"model":"m","messages":"x"}'
req -X PUT "$url/v1/models"
printf 'GET / HTTP/1.1\r\nHost: x\r\nContent-Length: zz\r\n\r\n' | timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/${url##*:}; cat >&3; cat <&3" | tr -d '\r' | mask || true
echo
"$SK" collect --url "$url" --model m --queries 6 --max-tokens 8 \
  --concurrency-levels 1,3 --out-dir out --prefix cmp --label run=a >collect.out 2>collect.err
sed -E 's/_[0-9]{8}_[0-9]{6}/_TS/g' collect.out
kill $pid; wait $pid || true
trap - EXIT
cut_cols() { # FILE COL...: the named columns of a CSV
  python3 - "$@" <<'PY'
import csv, sys
f, cols = sys.argv[1], sys.argv[2:]
r = list(csv.reader(open(f, newline="")))
print(",".join(r[0]))
idx = [r[0].index(c) for c in cols if c in r[0]]
rows = [",".join(row[i] for i in idx) for row in r[1:]]
print(",".join(r[0][i] for i in idx))
for row in sorted(rows):  # completion order within a level varies
    print(row)
PY
}
cut_cols out/cmp_per_query_*.csv concurrency query_id prompt_preview prompt_tokens output_tokens decode_tokens finish_reason status error warning run
cut_cols out/cmp_summary_*.csv concurrency queries errors total_output_tokens run
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(sorted(d)); print({k: d[k] for k in ("queries","levels","errors","resent","usage_rejected","chunks_over","reason") if k in d})' out/cmp_*.json
# The collector asks /v1/models and /props at once: their two request ids
# can swap, so the ids of /v1/models and unknown-path ("-") rows are
# masked (the others are compared).
python3 - sim.csv <<'PY' >sim_ids.csv
import csv, sys
r = list(csv.reader(open(sys.argv[1], newline="")))
i, p = r[0].index("request_id"), r[0].index("endpoint")
w = csv.writer(sys.stdout, lineterminator="\n")
w.writerow(r[0])
for row in r[1:]:
    if row[p] in ("/v1/models", "-"):  # /props is unknown to serve-sim: "-"
        row[i] = "-"
    w.writerow(row)
PY
cut_cols sim_ids.csv request_id endpoint status prompt_tokens output_tokens
sed -E 's/127\.0\.0\.1:[0-9]+/HOST/g; s/after [0-9.]+ s/after T s/; s/in [0-9]+ steps/in N steps/; s/[0-9]+ connections/N connections/' sim.out
cat sim.err
rm -rf out sim.csv sim_ids.csv sim.out sim.err collect.out collect.err
