#!/usr/bin/env bash
# Issue 21: one sweep over several event loops and processes.
# - collect --threads 2: the same counts (levels, queries, output tokens)
#   and query ids as one loop, whole rows, every request in serve-sim's
#   log, client TTFT on the server's clock; a stop (SIGINT) in a threaded
#   level writes what ended and says so.
# - Two shards launched as two processes with one --start-at (and two
#   threads each) merge, in the readers, into one run equal in counts to
#   a single-process run of the same sweep; shards launched with different
#   options are refused with a message; bad --shard/--start-at/--threads
#   values are refused before anything is sent.
# Usage: scale_test.sh SWEEPKIT SOURCE_DIR
sk=$1
cd "$2" || exit 2
. tests/cli/lib.sh

"$sk" serve-sim --step-ms 2 --step-ms-per-seq 0 --slots 8 --seed 3 \
  --log "$tmp/sim.csv" >"$tmp/sim.out" 2>"$tmp/sim.err" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -rf "$tmp"' EXIT
url=
for _ in $(seq 1 100); do
  url=$(grep -o 'http://127.0.0.1:[0-9]*' "$tmp/sim.out" || true)
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] && ok || bad "serve-sim did not start"

sweep=(--url "$url" --model m --concurrency-levels 1,2,3,4 --queries 7
       --max-tokens 6 --prefix sw)
# A start this many whole seconds ahead: at least LEAD - 1 s away, which a
# shard's set-up (preflight, warm-up) must not outlast even under the
# sanitizers on a busy machine (it did at 1 s: "the start passed").
LEAD=4
start=$(( $(date +%s) + LEAD ))
for i in 1 2; do
  "$sk" collect "${sweep[@]}" --shard $i/2 --start-at "$start" \
    --level-period 2 --out-dir "$tmp/shards" >"$tmp/s$i.out" 2>"$tmp/s$i.err" &
  eval "p$i=\$!"
done
wait "$p1" && wait "$p2" && ok || bad "a shard failed: $(cat "$tmp"/s?.err)"
grep -q 'began .* after its slot' "$tmp"/s?.err &&
  bad "a level missed its slot: $(cat "$tmp"/s?.err)" || ok
"$sk" collect "${sweep[@]}" --out-dir "$tmp/single" >"$tmp/one.out" 2>&1 &&
  ok || bad "single run: $(cat "$tmp/one.out")"
ls "$tmp"/shards/sw-shard1of2_per_query_*.csv "$tmp"/shards/sw-shard2of2_summary_*.csv \
  >/dev/null && ok || bad "shard files not named sw-shardIofN_..."

# The readers: one run from the two shards, the same counts as one process.
counts() { # REPORT_DIR: per run, "concurrency:queries:tokens" per level
  python3 - "$1/report.json" <<'PY'
import json, sys
for r in json.load(open(sys.argv[1]))["runs"]:
    print(" ".join("%g:%g:%g" % (l["concurrency"], l["queries"],
                                 l["total_output_tokens"]) for l in r["levels"]))
PY
}
"$sk" report "$tmp/shards" --out "$tmp/rs" >"$tmp/r.out" 2>"$tmp/r.err" &&
  ok || bad "report of the shards: $(cat "$tmp/r.err")"
"$sk" report "$tmp/single" --out "$tmp/r1" >/dev/null 2>&1 && ok || bad "report of one run"
[ "$(counts "$tmp/rs" | wc -l)" = 1 ] && ok || bad "shards not merged into one run: $(counts "$tmp/rs")"
[ "$(counts "$tmp/rs")" = "$(counts "$tmp/r1")" ] && [ -n "$(counts "$tmp/r1")" ] && ok ||
  bad "merged counts $(counts "$tmp/rs") != single $(counts "$tmp/r1")"
grep -q 'sw-shard{1..2}of2_per_query_' "$tmp/rs/report.json" && ok ||
  bad "the merged run does not name its shards' files"
# every query id of each level once, as one process sends them
python3 - "$tmp"/shards/sw-shard?of2_per_query_*.csv <<'PY' && ok || bad "query ids of the shards"
import csv, sys
ids = {}
for f in sys.argv[1:]:
    for row in csv.DictReader(open(f, newline="")):
        ids.setdefault(row["concurrency"], []).append(int(row["query_id"]))
assert sorted(ids) == ["1", "2", "3", "4"], ids
for c, v in ids.items():
    assert sorted(v) == list(range(7)), (c, sorted(v))
PY

# --threads 2: the same sweep as one loop, its rows whole and on time.
"$sk" collect "${sweep[@]}" --threads 2 --warmup 4 --out-dir "$tmp/threads" \
  >"$tmp/th.out" 2>&1 && ok || bad "--threads 2: $(cat "$tmp/th.out")"
"$sk" report "$tmp/threads" --out "$tmp/rt" >/dev/null 2>&1 && ok || bad "report of --threads 2"
[ "$(counts "$tmp/rt")" = "$(counts "$tmp/r1")" ] && ok ||
  bad "--threads 2 counts $(counts "$tmp/rt") != one loop $(counts "$tmp/r1")"
python3 - "$tmp"/threads/sw_per_query_*.csv "$tmp"/threads/sw_summary_*.csv "$tmp/sim.csv" <<'PY' && ok || bad "--threads 2 rows"
import csv, sys
pq, sm, log = sys.argv[1:]
rows = list(csv.reader(open(pq, newline="")))
head = rows[0]
assert all(len(r) == len(head) for r in rows[1:]), "a torn row"
rows = [dict(zip(head, r)) for r in rows[1:]]
ids = {}
for r in rows:
    ids.setdefault(r["concurrency"], []).append(int(r["query_id"]))
assert all(sorted(v) == list(range(7)) for v in ids.values()), ids
assert [r[0] for r in csv.reader(open(sm))][1:] == ["1", "2", "3", "4"]
import glob, json
sc = json.load(open(glob.glob(pq.replace("_per_query_", "_run_")[:-4] + ".json")[0]))
assert [l["queries"] for l in sc["per_level"]] == [7, 7, 7, 7], sc["per_level"]
assert sc["queries"] == 28, sc["queries"]
srv = {r["client_request_id"]: r for r in csv.DictReader(open(log))}
worst = 0
for r in rows:
    s = srv[r["request_id"]]   # every query is in the server's log
    server_ttft = float(s["first_token_s"]) - float(s["accept_s"])
    worst = max(worst, abs(float(r["ttft_s"]) - server_ttft))
assert worst < 0.05, "client TTFT %.4f s off the server's" % worst
PY
"$sk" collect --url "$url" --model m --concurrency-levels 8 --queries 400 \
  --max-tokens 50 --threads 2 --out-dir "$tmp/stop" >"$tmp/stop.out" 2>&1 &
cpid=$!
for _ in $(seq 1 100); do
  [ -n "$(ls "$tmp"/stop/*per_query*.csv 2>/dev/null)" ] &&
    [ "$(wc -l < "$tmp"/stop/*per_query*.csv)" -gt 9 ] && break
  sleep 0.05
done
kill -INT $cpid
wait $cpid
rc=$?
python3 - "$tmp"/stop/*per_query*.csv "$tmp"/stop/*_run_*.json <<'PY'
import csv, json, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
j = json.load(open(sys.argv[2]))
assert all(len(r) == len(rows[0]) for r in rows), "a torn row"
assert j["status"] == "interrupted", j["status"]
assert j["queries"] == len(rows) - 1, (j["queries"], len(rows) - 1)
assert 0 < j["queries"] < 400
PY
[ $? -eq 0 ] && [ $rc -eq 130 ] && ok || bad "a stop in a threaded level (status $rc): $(tail -3 "$tmp/stop.out")"

# Two shards of two threads each: the same sweep again.
start=$(( $(date +%s) + LEAD ))
for i in 1 2; do
  "$sk" collect "${sweep[@]}" --threads 2 --shard $i/2 --start-at "$start" \
    --level-period 2 --out-dir "$tmp/shth" >"$tmp/t$i.out" 2>&1 &
  eval "p$i=\$!"
done
wait "$p1" && wait "$p2" && ok || bad "a threaded shard failed: $(cat "$tmp"/t?.out)"
"$sk" report "$tmp/shth" --out "$tmp/rst" >/dev/null 2>&1 && ok || bad "report of threaded shards"
[ "$(counts "$tmp/rst")" = "$(counts "$tmp/r1")" ] && ok ||
  bad "threaded shards' counts $(counts "$tmp/rst") != one loop $(counts "$tmp/r1")"

# A shard missing: each one alone, with a note.
mkdir "$tmp/half" && cp "$tmp"/shards/sw-shard1of2_* "$tmp/half/"
"$sk" report "$tmp/half" --out "$tmp/rh" >/dev/null 2>"$tmp/rh.err"
grep -q 'shard 2 of 2 is not here; the shards are reported as runs of their own' "$tmp/rh.err" &&
  ok || bad "a missing shard not said: $(cat "$tmp/rh.err")"

# Shards run with different options: refused.
mkdir "$tmp/mixed" && cp "$tmp"/shards/sw-shard1of2_* "$tmp/mixed/"
start=$(( $(date +%s) + LEAD ))
"$sk" collect "${sweep[@]}" --max-tokens 5 --shard 2/2 --start-at "$start" \
  --level-period 1 --out-dir "$tmp/other" >"$tmp/other.out" 2>&1 && ok ||
  bad "shard 2 again: $(tail -3 "$tmp/other.out")"
for f in "$tmp"/other/sw-shard2of2_*; do # the stamp of shard 1
  b=$(basename "$f"); s1=$(basename "$tmp"/mixed/sw-shard1of2_run_*.json .json)
  cp "$f" "$tmp/mixed/$(echo "$b" | sed -E "s/_[0-9]{8}_[0-9]{6}/_${s1#sw-shard1of2_run_}/")"
done
"$sk" report "$tmp/mixed" --out "$tmp/rm" >/dev/null 2>"$tmp/rm.err"
rc=$?
[ $rc -ne 0 ] && grep -q "shard 2 of 2 was run with another 'max_tokens' than shard 1" "$tmp/rm.err" &&
  ok || bad "different shards not refused (status $rc): $(cat "$tmp/rm.err")"

# Bad values: refused before anything runs.
expect 2 "sweepkit collect: --shard: expected I/N, this process's shard of N (1 <= I <= N <= 1024), as 2/4" \
  "$sk" collect --url "$url" --shard 3/2
expect 2 "sweepkit collect: --shard: expected I/N, this process's shard of N (1 <= I <= N <= 1024), as 2/4" \
  "$sk" collect --url "$url" --shard 0/2
expect 2 "sweepkit collect: --start-at: expected a time shared by every shard: seconds since the epoch (date +%s) or 2026-12-04T19:00:00Z" \
  "$sk" collect --url "$url" --start-at tomorrow
expect 2 "sweepkit collect: --level-period: expected a duration from 10ms to 24h" \
  "$sk" collect --url "$url" --level-period 0
expect 2 "sweepkit collect: --shard: give every shard the same --start-at (for example \$(date -d '+30 sec' +%s)), so that their levels run together" \
  "$sk" collect --url "$url" --shard 1/2 --out-dir "$tmp/x"
expect 2 "sweepkit collect: --start-at: with more than one level, give --level-period S too (level i starts i x S after the start, on every shard)" \
  "$sk" collect --url "$url" --start-at 2099-01-01T00:00:00+01:00 --out-dir "$tmp/x"
expect 2 "sweepkit collect: --shard: an open loop (--rate, --rate-sweep) is not split across shards; give each process its own --rate, or shard a closed loop" \
  "$sk" collect --url "$url" --rate 2 --shard 1/2 --start-at 2099-01-01T00:00:00+01:00 --out-dir "$tmp/x"
expect 2 "sweepkit collect: --threads: expected 1 to 256, or auto (the cores available)" \
  "$sk" collect --url "$url" --threads 0
expect 2 "sweepkit collect: --threads: an open loop (--rate, --rate-sweep) runs on one thread; give --threads 1, or shard a closed loop" \
  "$sk" collect --url "$url" --rate 2 --threads 2 --out-dir "$tmp/x"
past=$(( $(date +%s) - 100 ))
"$sk" collect --url "$url" --concurrency-levels 2 --start-at "$past" --out-dir "$tmp/past" >/dev/null 2>"$tmp/past.err"
rc=$?
[ $rc -eq 2 ] && grep -Eq -- "--start-at: 10[0-9] s in the past; give a time every shard reaches" "$tmp/past.err" &&
  [ ! -e "$tmp/past" ] && ok || bad "a past --start-at (status $rc): $(cat "$tmp/past.err")"
finish scale
