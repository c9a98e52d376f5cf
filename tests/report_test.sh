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
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

# expect STATUS STDERR_FIRST_LINE CMD...  (stdout in $tmp/out)
expect() {
  local want_rc=$1 want_err=$2 rc err
  shift 2
  "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  err=$(head -n 1 "$tmp/err")
  if [ "$rc" -eq "$want_rc" ] && [ "$err" = "$want_err" ]; then
    ok
  else
    bad "$*"
    echo "  status $rc (want $want_rc)"
    echo "  stderr '$err'"
    echo "    want '$want_err'"
  fi
}

# no_leftovers DIR: no half-built report (.NAME.tmp.*) in DIR
no_leftovers() {
  if ls -A "$1" | grep -q '\.tmp\.\|\.old\.'; then
    bad "leftover staging directory in $1: $(ls -A "$1")"
  else
    ok
  fi
}

# --- the bundled fixtures, no arguments --------------------------------------
expect 0 "sweepkit report: note: fixtures/full_sweep.csv: skipped: not a summary (no throughput_tokens_per_s) nor a per-query file (no ttft_s, tokens_per_s, output_tokens)" \
  "$SK" report --out "$tmp/r"
[ "$(cat "$tmp/out")" = "$tmp/r/report.md" ] && ok ||
  bad "stdout is '$(cat "$tmp/out")', want the path of report.md"
grep -q '^sweepkit report: note: fixtures/round_robin.csv: skipped' "$tmp/err" &&
  ok || bad "no note for round_robin.csv"
no_leftovers "$tmp"

# Everything below compares the page with the other commands' output.
cat >"$tmp/check.py" <<'EOF'
import csv, io, json, math, os, re, struct, subprocess, sys

sk, out = sys.argv[1], sys.argv[2]
budgets = [float(b) for b in sys.argv[3].split(',')]
stat = sys.argv[4]
expected = sys.argv[5].split(',')   # run labels, in order
failures = []
checks = 0

def check(cond, what):
    global checks
    checks += 1
    if not cond:
        failures.append(what)

def run(*args):
    p = subprocess.run([sk] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr

def rows(text):
    return list(csv.DictReader(io.StringIO(text)))

def fl(s):
    return float(s) if s not in ('', None) else math.nan

DASH = '\u2013'

# The report's number format: two decimals, three significant digits
# below 0.1 (as sweepkit recommend prints), "–" for none.
def num(x):
    if x is None or x != x:
        return DASH
    return f'{x:.2f}' if abs(x) >= 0.1 or x == 0 else f'{x:.3g}'

def g(x):
    return f'{x:g}'

# Equal numbers; None (JSON null), NaN and an empty CSV cell all mean
# "no value".
def same(a, b):
    a = math.nan if a is None else a
    b = math.nan if b is None else b
    if a != a or b != b:
        return a != a and b != b
    return a == b

md = open(os.path.join(out, 'report.md'), encoding='utf-8').read()
rep = json.load(open(os.path.join(out, 'report.json'), encoding='utf-8'))

# Sections: "## label" ... up to the next "## ".
sections = {}
for part in re.split(r'^## ', md, flags=re.M)[1:]:
    head, _, body = part.partition('\n')
    sections[head.strip()] = body

def subsection(body, name):
    m = re.search(r'^### ' + re.escape(name) + r'\n(.*?)(?=^### |\Z)',
                  body, flags=re.M | re.S)
    return m.group(1).strip() if m else ''

def table(text):
    t = [l for l in text.split('\n') if l.startswith('|')]
    out = []
    for l in t[2:]:
        out.append([c.strip() for c in l.strip().strip('|').split(' | ')])
    return out

def anchor(h):
    s = ''
    for c in h:
        if c.isascii() and c.isalnum() or c in '-_' or not c.isascii():
            s += c.lower()
        elif c == ' ':
            s += '-'
    return s

# --- every run present, in order ------------------------------------------
labels = [r['label'] for r in rep['runs']]
check(labels == expected, f'runs {labels}, want {expected}')
for r in rep['runs']:
    check(r['label'] in sections, f'no section for {r["label"]}')
    check(r['anchor'] == anchor(r['label']), f'anchor of {r["label"]}')
    check(f'](#{r["anchor"]})' in sections.get('Overview', ''),
          f'overview does not link {r["label"]}')
check(rep['ttft_budgets_s'] == budgets, 'budgets in report.json')
check(rep['ttft_stat'] == stat, 'ttft_stat in report.json')

# --- charts: every link exists and is a PNG of the stated size -------------
links = re.findall(r'!\[[^\]]*\]\(([^)]+)\)\n\n\*[^\n]*?(\d+)x(\d+) PNG\.\*', md)
check(len(links) == md.count('!['), 'a chart without its stated size')
for f, w, h in links:
    p = os.path.join(out, f)
    check(os.path.isfile(p) and '/' not in f, f'chart {f} missing')
    if not os.path.isfile(p):
        continue
    b = open(p, 'rb').read(24)
    check(b[:8] == b'\x89PNG\r\n\x1a\n' and b[12:16] == b'IHDR',
          f'{f} is not a PNG')
    pw, ph = struct.unpack('>II', b[16:24])
    check((pw, ph) == (int(w), int(h)), f'{f} is {pw}x{ph}, says {w}x{h}')
json_charts = [c['file'] for r in rep['runs'] for c in r['charts']]
if rep['overlay']:
    json_charts.insert(0, rep['overlay']['file'])
check(json_charts == [f for f, _, _ in links], 'charts in json != md links')
for r in rep['runs']:
    for c in r['charts']:
        check((c['width'], c['height']) == (1600, 1000), 'chart size json')

for r in rep['runs']:
    lab = r['label']
    body = sections.get(lab, '')
    src = r['summary_file']
    summarized = r['summarized_from_per_query']

    # --- the measurements: the summary's values, or summarize's ----------
    if summarized:
        rc, text, _ = run('summarize', r['per_query_file'])
        check(rc == 0, f'summarize {r["per_query_file"]}')
        want = rows(text)
    else:
        want = list(csv.DictReader(open(src, encoding='utf-8')))
    t = table(subsection(body, 'Measurements'))
    check(len(t) == len(want) == len(r['levels']), f'{lab}: level count')
    cols = ['throughput_tokens_per_s', 'avg_ttft_s', 'p90_ttft_s',
            'avg_decode_tokens_per_s', 'avg_query_tokens_per_s']
    for row, w, jl in zip(t, want, r['levels']):
        cells = [g(fl(w['concurrency']))] + [num(fl(w.get(c, ''))) for c in cols]
        e = fl(w.get('errors', ''))
        cells.append(DASH if e != e else g(e))
        check(row == cells, f'{lab}: row {row} != {cells}')
        jcells = [g(jl['concurrency'])] + [num(jl[c]) for c in cols]
        jcells.append(DASH if jl['errors'] is None else g(jl['errors']))
        check(row == jcells, f'{lab}: json level {jcells} != md {row}')

    # --- percentiles: what sweepkit stats prints ---------------------------
    pq = r['per_query_file']
    pt = table(subsection(body, 'Per-query percentiles'))
    if pq:
        rc, text, _ = run('stats', '--file', pq, '--fields',
                          'ttft_s,tokens_per_s,decode_tokens_per_s',
                          '-p', '50,90,99', '--format', 'csv')
        check(rc == 0, f'stats {pq}')
        st = rows(text)
        levels = []
        for s in st:
            if s['concurrency'] not in levels:
                levels.append(s['concurrency'])
        check(len(pt) == len(levels) == len(r['percentiles']),
              f'{lab}: percentile levels')
        for row, lev, jp in zip(pt, levels, r['percentiles']):
            want_cells = [lev]
            by = {s['field']: s for s in st if s['concurrency'] == lev}
            n = int(by['ttft_s']['count']) + int(by['ttft_s']['missing'])
            want_cells.append(str(n))
            for f in ('ttft_s', 'tokens_per_s', 'decode_tokens_per_s'):
                for p in ('p50', 'p90', 'p99'):
                    want_cells.append(num(fl(by[f][p])))
                    check(same(jp[f][p], fl(by[f][p])) or
                          (jp[f][p] is None and by[f][p] == ''),
                          f'{lab}: json {f} {p} at {lev}')
            check(row == want_cells, f'{lab}: percentiles {row} != {want_cells}')
    else:
        check(pt == [] and r['percentiles'] is None,
              f'{lab}: percentiles without a per-query file')

    # --- saturation: what sweepkit saturation prints -----------------------
    sat = subsection(body, 'Saturation')
    js = r['saturation']
    rc, text, err = (run('saturation', '--format', 'csv', src) if src
                     else (1, '', ''))
    if summarized:
        check(js['error'] is not None and js['knee'] is None,
              f'{lab}: saturation should be impossible')
        check(sat.startswith('Not possible: throughput is unknown'),
              f'{lab}: saturation text')
    elif rc != 0:
        # No answer: the report says why, in saturation's words.
        why = err.strip().split(': ', 1)[1]
        check(js['error'] == why, f'{lab}: saturation error {js["error"]}')
        check(sat == f'Not possible: {why}.', f'{lab}: saturation text')
    else:
        s = rows(text)
        knee = fl(s[0]['knee'])
        check(same(js['knee'], knee), f'{lab}: knee {js["knee"]} != {knee}')
        if knee == knee:
            check(f'**Throughput stops scaling at {g(knee)}' in sat or
                  f'**Throughput does not scale' in sat,
                  f'{lab}: knee sentence')
        else:
            check('**Throughput keeps climbing' in sat, f'{lab}: no knee')
        steps = table(sat)
        check(len(steps) == len(s), f'{lab}: steps')
        for row, step, jstep in zip(steps, s, js['steps']):
            gain = fl(step['gain_per_doubling'])
            check(row[2] == f'{100 * gain:+.1f}%', f'{lab}: gain {row}')
            check(same(jstep['gain_per_doubling'], gain), f'{lab}: json gain')
            check(row[0] == f'{g(fl(step["x_from"]))}\u2192{g(fl(step["x_to"]))}',
                  f'{lab}: step {row[0]}')
            marked = knee == knee and fl(step['x_from']) == knee
            check((row[3] == '\u2190 knee') == marked, f'{lab}: knee mark')
        u = js['usl']
        for k in ('lambda', 'sigma', 'kappa', 'r2', 'peak_concurrency',
                  'peak_throughput', 'asymptote_throughput', 'n90', 'n95'):
            check(same(u[k], fl(s[0][k])), f'{lab}: usl {k}')
        words = (f'λ = {u["lambda"]:.4g}, σ = {u["sigma"]:.4g}, '
                 f'κ = {u["kappa"]:.4g} (R² = {u["r2"]:.4f})')
        check(words in sat, f'{lab}: USL words "{words}"')
        if u['peak_concurrency'] is not None:
            check(f'peaks at concurrency {u["peak_concurrency"]:.1f}' in sat,
                  f'{lab}: USL peak')
        else:
            check(f'rises towards {u["asymptote_throughput"]:.1f} tok/s' in sat,
                  f'{lab}: USL asymptote')
        check(f'90% of that{" peak" if u["peak_concurrency"] is not None else ""} at '
              f'{"concurrency " if u["peak_concurrency"] is None else ""}'
              f'{u["n90"]:.1f}' in sat, f'{lab}: USL n90')

    # --- recommendations: what sweepkit recommend prints -------------------
    rec = subsection(body, 'Recommendations')
    rt = table(rec)
    for i, b in enumerate(budgets):
        jr = r['recommendations'][i]
        check(jr['ttft_budget_s'] == b, f'{lab}: budget order')
        bw = f'{b:g} s'
        if summarized:
            check(jr['error'] is not None and jr['found'] is None,
                  f'{lab}: a recommendation without throughput')
            check('No recommendation: ' in rec, f'{lab}: no-recommendation text')
            continue
        rc, text, err = run('recommend', '--ttft-budget', str(b),
                            '--ttft-stat', stat, '--format', 'csv', src)
        w = rows(text)
        if not w:
            check(jr['error'] is not None and
                  jr['error'] == err.strip().split(': ', 1)[1],
                  f'{lab}: recommend failed ({err.strip()}), report says {jr["error"]}')
            continue
        w = w[0]
        check(rc == (0 if w['found'] == 'true' else 1), f'{lab}: recommend rc')
        check(jr['found'] == (w['found'] == 'true'), f'{lab}: found at {bw}')
        for k in ('concurrency', 'ttft_s', 'throughput_tokens_per_s',
                  'peak_share', 'estimate_concurrency', 'neighbour_value'):
            check(same(jr[k], fl(w[k])), f'{lab}: {k} at {bw}')
        check(jr['binding'] == w['binding'], f'{lab}: binding at {bw}')
        check(jr['summary'] == w['summary'], f'{lab}: paragraph at {bw}')
        check(f'- **{bw}:** {w["summary"]}' in rec, f'{lab}: md paragraph at {bw}')
        row = [x for x in rt if x[0] == bw]
        check(len(row) == 1, f'{lab}: table row for {bw}')
        if row:
            c = fl(w['concurrency'])
            want_c = g(c) if w['found'] == 'true' else f'none (closest: {g(c)})'
            est = fl(w['estimate_concurrency'])
            check(row[0][1] == want_c, f'{lab}: concurrency at {bw}: {row[0][1]}')
            check(row[0][2] == num(fl(w['ttft_s'])), f'{lab}: ttft at {bw}')
            check(row[0][4] == num(fl(w['throughput_tokens_per_s'])),
                  f'{lab}: throughput at {bw}')
            check(row[0][7] == (DASH if est != est else f'{est:.1f}'),
                  f'{lab}: estimate at {bw}')

    # --- the overview row agrees with the sections -------------------------
    ov = [x for x in table(sections.get('Overview', ''))
          if x[0].startswith(f'[{lab}]')]
    check(len(ov) == 1, f'{lab}: overview row')
    if ov:
        k = js['knee']
        want_k = g(k) if k is not None else ('none yet' if js['error'] is None else DASH)
        check(ov[0][4] == want_k, f'{lab}: overview knee {ov[0][4]}')
        for i, jr in enumerate(r['recommendations']):
            want = (DASH if jr['error'] else
                    g(jr['concurrency']) if jr['found'] else 'none')
            check(ov[0][5 + i] == want, f'{lab}: overview at {budgets[i]}')

for f in failures:
    print('FAIL:', f)
print(f'{checks - len(failures)} {len(failures)}')
EOF

G=gemma-3-1b-it-qat-4bit
Q4=Qwen3-4B-Instruct-2507-MLX-4bit
Q80=Qwen3-Next-80B-A3B-Instruct-MLX-4bit
# check DIR BUDGETS STAT LABELS: add the Python checker's counts
check() {
  local res
  res=$(python3 "$tmp/check.py" "$SK" "$@")
  echo "$res" | grep '^FAIL' | head -n 20
  set -- $(echo "$res" | tail -n 1)
  pass=$((pass + ${1:-0}))
  fail=$((fail + ${2:-1}))
}
check "$tmp/r" 1,2.5,5 avg "per_query,$Q4,$Q80,$G"
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

# --- errors ------------------------------------------------------------------------
expect 1 "sweepkit report: nope.csv: cannot open: No such file or directory" \
  "$SK" report --out "$tmp/e1" nope.csv
mkdir -p "$tmp/nocsv"
echo 'not a csv' >"$tmp/nocsv/readme.txt"
expect 1 "sweepkit report: $tmp/nocsv: no sweep CSV here (0 .csv files looked at; subdirectories are not read)" \
  "$SK" report --out "$tmp/e2" "$tmp/nocsv"
expect 1 "sweepkit report: note: fixtures/round_robin.csv: skipped: not a summary (no throughput_tokens_per_s) nor a per-query file (no ttft_s, tokens_per_s, output_tokens)" \
  "$SK" report --out "$tmp/e3" fixtures/round_robin.csv
[ "$(tail -n 1 "$tmp/err")" = "sweepkit report: no sweep CSV (summary or per-query) among the inputs" ] &&
  ok || bad "no sweep CSV at all: $(tail -n 1 "$tmp/err")"
printf 'concurrency,queries,throughput_tokens_per_s\n1,4,10\n2,4,20\n1,4,30\n' >"$tmp/dup.csv"
expect 1 "sweepkit report: $tmp/dup.csv:4: concurrency 1 appears twice (also line 2); one summary row per level" \
  "$SK" report --out "$tmp/e4" "$tmp/dup.csv"
for d in e1 e2 e3 e4; do
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

echo "report: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
