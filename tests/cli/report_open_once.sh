#!/usr/bin/env bash
# `sweepkit report` opens each input file exactly once (issue 14: one
# result model, each file read and parsed once).  Runs report under
# `strace -f -y -e trace=openat,open` and counts, for every input file,
# the successful opens of it: each call that returned a descriptor, whose
# path strace prints after the descriptor (-y), so a call split by another
# thread (<unfinished ...> / <... resumed>) still counts once, and a
# relative or dirfd-relative path matches as well as an absolute one.
# Failed opens (= -1 ENOENT ...) are not counted.  Two cases:
#   1. report fixtures/: every fixtures/*.csv, the two it skips included
#      (their header is read to recognise them; that is the one open);
#   2. a directory with a per-query file and the summary `sweepkit
#      summarize` makes of it, paired by name into one run.
# Prints each file's count; fails naming every file opened other than once.
# Needs strace (Debian package 'strace', installed by scripts/setup.sh).
# Usage: report_open_once.sh SWEEPKIT SOURCE_DIR
set -u
SK=$1
cd "$2" || exit 1
. tests/cli/lib.sh

command -v strace >/dev/null || {
  echo "report_open_once: strace not found: install the Debian package 'strace' (or run scripts/setup.sh)" >&2
  exit 1
}

# opens LOG FILE: the number of successful opens of FILE in strace's LOG.
# A successful call ends in "= FD</real/path>"; FILE is compared by its
# real path, the one the kernel reports for the descriptor.
opens() {
  local want
  want=$(realpath "$2")
  # The path is the text between the last "= N<" and the closing ">".
  sed -n 's/.*= [0-9][0-9]*<\(.*\)>$/\1/p' "$1" | grep -cxF -- "$want"
}

# check_opens LOG FILE...: one open of each FILE, or a failure naming it.
check_opens() {
  local log=$1 f n
  shift
  for f in "$@"; do
    n=$(opens "$log" "$f")
    echo "  $f: $n"
    if [ "$n" -eq 1 ]; then ok; else bad "$f opened $n times, want 1"; fi
  done
}

# traced NAME ARGS...: run `sweepkit report ARGS...` under strace, its log
# in $tmp/NAME.strace; the report must succeed (a report that fails early
# would open fewer files and pass).
traced() {
  local name=$1 rc
  shift
  # LeakSanitizer cannot run under ptrace: leaks are the other tests' job
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0" \
    strace -f -y -qq -e trace=openat,open -o "$tmp/$name.strace" \
    "$SK" report "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
  rc=$?
  if [ "$rc" -ne 0 ] || [ ! -s "$tmp/$name/report.md" ]; then
    bad "$name: strace $SK report $*: exit status $rc, report.md $([ -s "$tmp/$name/report.md" ] && echo present || echo missing)"
    head -n 3 "$tmp/err"
  else
    ok
  fi
}

# --- 1. the bundled fixtures -----------------------------------------------------
traced fixtures fixtures/ --out "$tmp/fixtures"
echo "report fixtures/: opens per input file"
check_opens "$tmp/fixtures.strace" fixtures/*.csv

# --- 2. a per-query file and its summary, paired by name -------------------------
mkdir -p "$tmp/in"
pq=$tmp/in/m_per_query_20260101_120000.csv
sum=$tmp/in/m_summary_20260101_120000.csv
cp fixtures/per_query.csv "$pq"
"$SK" summarize --file "$pq" --out "$sum" 2>/dev/null ||
  bad "summarize $pq failed"
traced pair "$tmp/in" --out "$tmp/pair"
# The two files must have made one run, or the case tests nothing.
python3 - "$tmp/pair/report.json" <<'EOF' && ok || bad "the per-query file and its summary were not paired into one run"
import json, sys
r = json.load(open(sys.argv[1]))['runs']
assert [x['pairing'] for x in r] == ['name'], r
EOF
echo "report DIR (per-query file + its summary): opens per input file"
check_opens "$tmp/pair.strace" "$pq" "$sum"

finish report_open_once
