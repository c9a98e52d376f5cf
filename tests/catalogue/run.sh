#!/usr/bin/env bash
# The bad-input catalogue: run every case of tests/catalogue/cases.txt and
# compare its outcome with the one written there.
#
#   run.sh SWEEPKIT ANALYZE_DATA CANNED_SERVER SOURCE_DIR [ID...]
#
# With IDs, only those cases run.  CATALOGUE_SHOW=1 prints every case's
# actual outcome in the table's own format (for writing a new case; check
# what it says before you paste it).
#
# Each case runs in a scratch copy of tests/catalogue/inputs/ (so messages
# name bare file names), with inputs whose name starts with '@' made here
# (big, unreadable or directory inputs that do not belong in git).  Cases
# whose command holds {url} or {collect} run `sweepkit collect` against
# tests/catalogue/canned_server.c answering with the input's bytes and check the
# per-query CSV's error cells; the others check the first line of standard
# error.  Either way the exit status must match, and no sanitizer report
# may appear anywhere on standard error.  See tests/catalogue/README.md.
set -u
abspath() { case "$1" in /*) printf '%s' "$1" ;; *) printf '%s' "$PWD/$1" ;; esac; }
SK=$(abspath "$1")
AD=$(abspath "$2")
CANNED=$(abspath "$3")
SRC=$(abspath "$4")
shift 4
ONLY=" $* "
CASES="$SRC/tests/catalogue/cases.txt"

# A plot under LeakSanitizer lists its suppressions on stderr at exit.
export LSAN_OPTIONS="${LSAN_OPTIONS:+$LSAN_OPTIONS:}print_suppressions=0"
# No terminal progress lines, no key sent, whatever the caller's shell has.
unset OPENAI_API_KEY SK_CATALOGUE_UNSET

tmp=$(mktemp -d)
server_pid=
cleanup() {
  [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null
  chmod -R u+rwX "$tmp" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
work=$tmp/w
mkdir -p "$work" "$tmp/out"
cp -R "$SRC/tests/catalogue/inputs/." "$work/" || exit 1
[ -r "$CASES" ] || { echo "catalogue: $CASES: cannot read" >&2; exit 1; }
cd "$work" || exit 1

# --- inputs made at run time ------------------------------------------------
big() { head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' "$1"; }
SUMMARY_HEADER=$(head -n 1 summary_ok.csv)
PER_QUERY_HEADER=$(head -n 1 per_query_ok.csv)
{ echo "concurrency,throughput_tps"; printf '1,'; big 9; echo; } >big_field.csv
{ echo "concurrency,throughput_tps"; printf '1,"'; big x; echo '"'; } >big_quoted_field.csv
{ echo "$SUMMARY_HEADER"; printf '1,128,'; big 9; echo ',65536,1,1,,,1,,,1,,'; } >big_field_summary.csv
{ echo "$PER_QUERY_HEADER"; printf '1,0,"'; big x; echo '",1,1,1,1,1,1,1,1,1,length'; } >big_field_per_query.csv
{ echo "$PER_QUERY_HEADER"; printf '1,0,"'; big x; } >big_field_truncated.csv
seq -s, -f 'c%g' 1 5000 >wide.csv
mkdir -p dir.csv empty_dir not_empty_dir
echo "notes" >not_empty_dir/notes.txt
cp sweep_ok.csv unreadable.csv
chmod 000 unreadable.csv
{ head -c $((1024 * 1024 + 1)) /dev/zero | tr '\0' p; echo; } >big_prompt.txt
{
  printf 'HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\n'
  printf 'Connection: close\r\n\r\n'
  printf 'data: {"choices":[{"delta":{"content":"hi"}}]}\n\n'
  printf 'data: {"choices":[{"delta":{"content":"'
  head -c 70000 /dev/zero | tr '\0' a
  printf '"}}]}\n\ndata: [DONE]\n\n'
} >response_big_event.http

# A file mode does not stop root: run the unreadable-input cases as nobody.
as_nobody=
if [ "$(id -u)" -eq 0 ]; then
  if command -v setpriv >/dev/null; then
    as_nobody="setpriv --reuid=65534 --regid=65534 --clear-groups"
    chmod 755 "$tmp" "$work"
    chmod 777 "$tmp/out"
  else
    as_nobody=skip
  fi
fi

# The command words of the table; every run is bounded.
AS=
sweepkit() { $AS timeout -k 2 30 "$SK" "$@"; }
analyze-data() { $AS timeout -k 2 30 "$AD" "$@"; }

start_server() { # FILE HOLD_MS: sets server_pid and port
  : >"$tmp/port"
  "$CANNED" "$1" "$2" 30 >"$tmp/port" 2>"$tmp/canned.err" </dev/null &
  server_pid=$!
  port=
  for _ in $(seq 100); do
    port=$(head -n 1 "$tmp/port")
    [ -n "$port" ] && return 0
    sleep 0.05
  done
  return 1
}

stop_server() {
  [ -n "$server_pid" ] || return 0
  kill "$server_pid" 2>/dev/null
  wait "$server_pid" 2>/dev/null
  server_pid=
}

# The error cells of the per-query CSV in $1, one per line after a '>'
# (newlines in a cell are turned into spaces; the collector writes none).
error_cells() {
  python3 - "$1" <<'EOF'
import csv, glob, sys
files = glob.glob(sys.argv[1] + '/*_per_query_*.csv')
if len(files) != 1:
    print('(%d per-query files)' % len(files))
    sys.exit(1)
with open(files[0], newline='', encoding='utf-8', errors='replace') as f:
    for row in csv.DictReader(f):
        print('>' + row['error'].replace('\n', ' '))
EOF
}

trim() { local s=$1; s=${s#"${s%%[![:space:]]*}"}; printf '%s' "${s%"${s##*[![:space:]]}"}"; }

pass=0
fail=0
lineno=0
declare -A seen
while IFS= read -r line; do
  lineno=$((lineno + 1))
  case "$line" in '#'* | '') continue ;; esac
  IFS='|' read -r id cmd input want_rc want <<<"$line"
  id=$(trim "$id")
  cmd=$(trim "$cmd")
  input=$(trim "$input")
  want_rc=$(trim "$want_rc")
  want=$(trim "$want")
  case "$ONLY" in '  ') ;; *" $id "*) ;; *) continue ;; esac
  case "$want_rc" in
  '' | *[!0-9]*)
    fail=$((fail + 1))
    echo "FAIL cases.txt:$lineno: not 'id | command | input | status | expected'"
    continue ;;
  esac
  if [ -n "${seen[$id]:-}" ]; then
    fail=$((fail + 1))
    echo "FAIL $id (cases.txt:$lineno): id used before, on line ${seen[$id]}"
    continue
  fi
  seen[$id]=$lineno

  hold=0
  case "$input" in *.http:*) hold=${input##*:}; input=${input%:*} ;; esac
  name=${input#@}
  [ "$input" = - ] && name=
  out=$tmp/out/$id
  mkdir -p "$out"
  cell_mode=0
  case "$cmd" in *'{url}'* | *'{collect}'*) cell_mode=1 ;; esac
  cmd=${cmd//'{collect}'/"sweepkit collect --url {url} --queries 2 --concurrency-levels 1 --max-tokens 8 --timeout 2s --no-preflight --out-dir {tmp}"}

  AS=
  case "$name" in unreadable*)
    if [ "$as_nobody" = skip ]; then
      echo "SKIP $id: running as root and no setpriv to drop to nobody"
      continue
    fi
    AS=$as_nobody
    [ -n "$AS" ] && chmod 777 "$out" ;;
  esac
  url=http://127.0.0.1:1 # nothing listens on port 1
  if [ "$cell_mode" -eq 1 ] && [ -n "$name" ]; then
    if ! start_server "$name" "$hold"; then
      fail=$((fail + 1))
      echo "FAIL $id (cases.txt:$lineno): canned_server did not start"
      cat "$tmp/canned.err"
      stop_server
      continue
    fi
    url=http://127.0.0.1:$port
  fi
  cmd=${cmd//'{url}'/$url}
  cmd=${cmd//'{tmp}'/$out}
  cmd=${cmd//'{input}'/$name}
  want=${want//'{tmp}'/$out}

  (eval "$cmd") >"$tmp/stdout" 2>"$tmp/stderr" </dev/null
  rc=$?
  stop_server
  got=$(head -n 1 "$tmp/stderr")
  why=
  [ "$rc" = "$want_rc" ] || why="status $rc, want $want_rc"
  if grep -qE 'Sanitizer|runtime error:' "$tmp/stderr"; then
    why="${why:+$why; }sanitizer report on stderr"
  fi
  if [ "$cell_mode" -eq 1 ]; then
    cells=$(error_cells "$out") || why="${why:+$why; }$cells"
    if [ -z "$cells" ]; then
      why="${why:+$why; }no per-query rows"
    fi
    while IFS= read -r c; do
      [ -n "$c" ] || continue
      c=${c#>}
      if [ -z "$want" ] && [ -n "$c" ]; then
        why="${why:+$why; }error cell '$c', want none"
        break
      elif [ -n "$want" ] && [ "${c#"$want"}" = "$c" ]; then
        why="${why:+$why; }error cell '$c', want '$want...'"
        break
      fi
    done <<<"$cells"
    got=$(head -n 1 <<<"$cells")
    got=${got#>}
  elif [ "$got" != "$want" ]; then
    why="${why:+$why; }stderr '$got'"$'\n'"            want '$want'"
  fi
  if [ -n "${CATALOGUE_SHOW:-}" ]; then
    printf '%s | %s | %s\n' "$id" "$rc" "${got//$out/'{tmp}'}"
  fi
  if [ -z "$why" ]; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL $id (cases.txt:$lineno): $cmd"
    echo "  $why"
    if grep -qE 'Sanitizer|runtime error:' "$tmp/stderr"; then
      sed -n '1,40p' "$tmp/stderr"
    fi
  fi
done <"$CASES"

echo "catalogue: $pass passed, $fail failed"
[ "$fail" -eq 0 ] && [ "$pass" -gt 0 ]
