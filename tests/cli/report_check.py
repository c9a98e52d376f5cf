#!/usr/bin/env python3
# Check a report written by `sweepkit report` against the other commands
# (summarize, stats, saturation, recommend) run on the same files, its
# charts against their stated size and report.json against report.md.
# Used by report_test.sh and main_job_test.sh.
# Usage: report_check.py SWEEPKIT REPORT_DIR BUDGETS STAT LABELS
# Prints FAIL lines, then "PASSED FAILED".
import csv, io, json, math, os, re, struct, subprocess, sys, tempfile

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
# The same file with every number kept as the text written, to compare
# number texts with what the commands print.
def literal(text):
    return json.loads(text, parse_float=str, parse_int=str)
rep_text = literal(open(os.path.join(out, 'report.json'), encoding='utf-8').read())

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
if rep.get('repeats_chart'):  # in the Repeats section, before the runs
    json_charts.insert(0, rep['repeats_chart']['file'])
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
    # A run that did not finish (docs/report.md): its partial levels are
    # marked in the tables and left out of the analyses, which are then
    # compared with the commands run on the summary without them.
    partial = r.get('partial_levels') or []
    in_sum = {p['concurrency'] for p in partial if p['in_summary']}
    any_partial = {p['concurrency'] for p in partial}
    check(('**This run did not finish**' in body) ==
          bool(partial or r.get('status') in ('interrupted', 'running')),
          f'{lab}: did-not-finish paragraph')
    for p in partial:
        check(f'Level {g(p["concurrency"])} stopped after {p["queries"]}'
              in body, f'{lab}: partial level {p["concurrency"]} not told')
    ana_src = src
    if in_sum and src and not summarized:
        fd, ana_src = tempfile.mkstemp(suffix='.csv')
        with os.fdopen(fd, 'w', encoding='utf-8', newline='') as fo:
            rd = csv.DictReader(open(src, encoding='utf-8'))
            wr = csv.DictWriter(fo, fieldnames=rd.fieldnames,
                                lineterminator='\n')
            wr.writeheader()
            for row in rd:
                if fl(row['concurrency']) not in in_sum:
                    wr.writerow(row)

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
        mark = ' (partial)' if fl(w['concurrency']) in in_sum else ''
        cells = [g(fl(w['concurrency'])) + mark] + \
            [num(fl(w.get(c, ''))) for c in cols]
        e = fl(w.get('errors', ''))
        cells.append(DASH if e != e else g(e))
        check(row == cells, f'{lab}: row {row} != {cells}')
        jcells = [g(jl['concurrency']) + mark] + [num(jl[c]) for c in cols]
        je = jl.get('errors')  # a column the summary may not have
        jcells.append(DASH if je is None else g(je))
        check(row == jcells, f'{lab}: json level {jcells} != md {row}')
    # Each level's sample-size flags: report.json's level_flags, and the
    # "Sample flags:" line of the page.
    lf = r['level_flags']
    check(len(lf) == len(r['levels']), f'{lab}: level_flags count')
    marks = [f'{g(jl["concurrency"])}: {f}'
             for jl, f in zip(r['levels'], lf) if f is not None]
    line = next((l for l in body.split('\n')
                 if l.startswith('Sample flags: ')), '')
    check(line[len('Sample flags: '):].startswith('; '.join(marks)) if marks
          else line == '', f'{lab}: sample flags {marks} vs {line!r}')
    # One serializer for a summary row: report.json's levels are the
    # summary's columns, number text for number text as `summarize --format
    # json` prints a per-query file's summary.
    if summarized:
        _, jtext, _ = run('summarize', r['per_query_file'], '--format', 'json',
                          '--confidence', '95')
        check(rep_text['runs'][rep['runs'].index(r)]['levels']
              == literal(jtext)['results'], f'{lab}: levels differ from summarize json')
    else:
        def numeric(k):  # every cell empty or a number
            try:
                [float(w[k]) for w in want if w[k] != '']
                return True
            except ValueError:
                return False
        cols_num = [k for k in want[0] if numeric(k)]
        check(all(list(jl.keys()) == cols_num for jl in r['levels']),
              f'{lab}: level keys are not the summary file\'s number columns')

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
            want_cells = [lev + (' (partial)' if fl(lev) in any_partial
                                 else '')]
            by = {s['field']: s for s in st if s['concurrency'] == lev}
            n = int(by['ttft_s']['count']) + int(by['ttft_s']['missing'])
            want_cells.append(str(n))
            for f in ('ttft_s', 'tokens_per_s', 'decode_tokens_per_s'):
                for p in ('p50', 'p90', 'p99'):
                    # the value and its interval, as stats prints them
                    cell = num(fl(by[f][p]))
                    if by[f][p] != '':
                        cell += (' [too few]' if by[f][p + '_lo'] == '' else
                                 f' [{num(fl(by[f][p + "_lo"]))}, '
                                 f'{num(fl(by[f][p + "_hi"]))}]')
                    want_cells.append(cell)
                    for k in (p, p + '_lo', p + '_hi'):
                        check(same(jp[f][k], fl(by[f][k])) or
                              (jp[f][k] is None and by[f][k] == ''),
                              f'{lab}: json {f} {k} at {lev}')
            check(row == want_cells, f'{lab}: percentiles {row} != {want_cells}')
    else:
        check(pt == [] and r['percentiles'] is None,
              f'{lab}: percentiles without a per-query file')

    # --- saturation: what sweepkit saturation prints -----------------------
    sat = subsection(body, 'Saturation')
    js = r['saturation']
    rc, text, err = (run('saturation', '--format', 'csv', ana_src) if src
                     else (1, '', ''))
    if ana_src != src:
        err = err.replace(ana_src, src)
    if summarized:
        check(js['error'] is not None and js['knee'] is None,
              f'{lab}: saturation should be impossible')
        check(sat.startswith('Not possible: throughput is unknown'),
              f'{lab}: saturation text')
    elif rc != 0:
        # No answer: the report says why, in saturation's words.
        why = err.strip().split(': ', 1)[1]
        # saturation may name the file and the series it was fitting
        # ("FILE: Y by X: ..."): the reason is what ends its message
        if js['error'] and why.endswith(': ' + js['error']):
            why = js['error']
        check(js['error'] == why, f'{lab}: saturation error {js["error"]}')
        check(sat == f'Not possible: {why}.', f'{lab}: saturation text')
    else:
        s = rows(text)
        knee = fl(s[0]['knee'])
        check(same(js['knee'], knee), f'{lab}: knee {js["knee"]} != {knee}')
        # One serializer: the run's saturation object in report.json is
        # the text `saturation --format json` prints, number for number.
        jrc, jtext, _ = run('saturation', '--format', 'json', ana_src)
        jsat = literal(jtext)['results'][0] if jrc == 0 else None
        if jsat is not None and ana_src != src:
            jsat['file'] = js['file']  # the summary, not the temporary
        check(jrc == 0 and rep_text['runs'][rep['runs'].index(r)]['saturation']
              == jsat, f'{lab}: saturation JSON text differs')
        if knee == knee:
            check(f'**Knee: {g(knee)}.** ' + js['knee_sentence'][0].upper()
                  + js['knee_sentence'][1:] + '.' in sat,
                  f'{lab}: knee sentence')
        else:
            check('**No knee.** Still scaling' in sat, f'{lab}: no knee')
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
        if u is None:
            # no fit (too few levels, e.g. a run stopped early): the reason
            # as saturation gives it
            check(js['usl_error'] is not None and
                  js['usl_error'] == s[0]['usl_error'],
                  f'{lab}: usl_error {js["usl_error"]}')
        else:
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
                check(f'throughput_tokens_per_s rises towards '
                      f'{u["asymptote_throughput"]:.1f},' in sat,
                      f'{lab}: USL asymptote')
            check(f'90% of that{" peak" if u["peak_concurrency"] is not None else ""} at '
                  f'{"concurrency " if u["peak_concurrency"] is None else ""}'
                  f'{u["n90"]:.1f}' in sat, f'{lab}: USL n90')

    # --- recommendations: what sweepkit recommend prints -------------------
    rec = subsection(body, 'Recommendations')
    rt = table(rec)
    # A per-query file alone: recommend on what summarize prints from it
    # (without start_s/end_s its throughput is empty, and a TTFT budget
    # still has an answer: issue 15).
    rec_src = ana_src
    if summarized:
        fd, rec_src = tempfile.mkstemp(suffix='.csv')
        os.close(fd)
        rc, _, _ = run('summarize', r['per_query_file'], '-o', rec_src)
        check(rc == 0, f'{lab}: summarize -o for recommend')
        no_tput = all(jl.get('throughput_tokens_per_s') is None
                      for jl in r['levels'])
        check(no_tput == ('Throughput is unknown at every level, so the '
                          'table gives neither throughput nor its share of '
                          f'the peak ({DASH}); a TTFT budget needs neither.'
                          in rec), f'{lab}: note on unknown throughput')
    for i, b in enumerate(budgets):
        jr = r['recommendations'][i]
        check(jr['ttft_budget_s'] == b, f'{lab}: budget order')
        bw = f'{b:g} s'
        rc, text, err = run('recommend', '--ttft-budget', str(b),
                            '--ttft-stat', stat, '--format', 'csv', rec_src)
        w = rows(text)
        if rec_src != src and not summarized:
            err = err.replace(rec_src, src)
        if not w:
            check(jr['error'] is not None and
                  jr['error'] == err.strip().split(': ', 1)[1],
                  f'{lab}: recommend failed ({err.strip()}), report says {jr["error"]}')
            continue
        w = w[0]
        # One serializer: the recommendation object in report.json is the
        # text `recommend --format json` prints, number for number.
        _, jtext, _ = run('recommend', '--ttft-budget', str(b), '--ttft-stat',
                          stat, '--format', 'json', rec_src)
        jw = literal(jtext)['results'][0]
        jw['file'] = jr['file']  # the per-query file, not the temporary
        check(rep_text['runs'][rep['runs'].index(r)]['recommendations'][i]
              == jw, f'{lab}: recommendation JSON text at {bw}')
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
            share = fl(w['peak_share'])
            check(row[0][5] == (DASH if share != share
                                else f'{100 * share:.1f}%'),
                  f'{lab}: of peak at {bw}: {row[0][5]}')
            check(row[0][7] == (DASH if est != est else f'{est:.1f}'),
                  f'{lab}: estimate at {bw}')

    if summarized:
        os.unlink(rec_src)
    if ana_src != src:
        os.unlink(ana_src)

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

# --- repeats: each set's means, intervals and CVs from its runs' levels --
# Student's t at 0.975 for 1..5 degrees of freedom (tables).
T975 = {1: 12.706204736174707, 2: 4.302652729911275, 3: 3.182446305284263,
        4: 2.7764451051977987, 5: 2.570581835636314}
cols = {'throughput': 'throughput_tokens_per_s', 'ttft_mean': 'avg_ttft_s',
        'ttft_p90': 'p90_ttft_s', 'query_tps': 'avg_query_tokens_per_s'}
by_label = {r['label']: r for r in rep['runs']}
rsec = sections.get('Repeats', '')
for rs in rep['repeats']:
    runs = [by_label[l] for l in rs['runs']]
    check(len(runs) >= 2, 'a set of repeats with fewer than two runs')
    t = table(subsection(rsec, f'{len(runs)} runs: ' + ', '.join(rs['runs'])))
    check(len(t) == len(rs['levels']), f'repeats {rs["runs"]}: md rows')
    for lv, row in zip(rs['levels'], t):
        cells = [g(lv['concurrency'])]
        for m, col in cols.items():
            v = [l[col] for r in runs for l in r['levels']
                 if l['concurrency'] == lv['concurrency'] and
                 l.get(col) is not None]
            st = lv[m]
            n = len(v)
            mean = sum(v) / n if n else math.nan
            sd = (math.sqrt(sum((x - mean) ** 2 for x in v) / (n - 1))
                  if n >= 2 else math.nan)
            check(st['n'] == n and abs(st['mean'] - mean) <= 1e-9 * abs(mean),
                  f'repeats {m} mean at {lv["concurrency"]}')
            if n >= 2 and n - 1 in T975:
                h = T975[n - 1] * sd / math.sqrt(n)
                check(abs(st['lo'] - (mean - h)) <= 1e-9 * abs(mean) + 1e-12 and
                      abs(st['cv'] - sd / mean) <= 1e-9,
                      f'repeats {m} interval/cv at {lv["concurrency"]}')
            cells.append(num(st['mean']) if st['lo'] is None else
                         f'{num(st["mean"])} [{num(st["lo"])}, {num(st["hi"])}]')
            cells.append(DASH if st['cv'] is None else f'{100 * st["cv"]:.1f}%')
        check(row == cells, f'repeats row {row} != {cells}')
check(bool(rep['repeats']) == bool(rsec), 'a Repeats section iff repeats')

for f in failures:
    print('FAIL:', f)
print(f'{checks - len(failures)} {len(failures)}')
