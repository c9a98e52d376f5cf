#!/usr/bin/env bash
# The docs agree with --help.  Usage: docs_test.sh SWEEPKIT SOURCE_DIR
#
# For every command that 'sweepkit --help' lists (and for analyze-data, found
# next to SWEEPKIT or named by $ANALYZE_DATA):
#   - 'CMD --help' exits 0, prints on stdout only, starts with 'usage:';
#   - its page docs/CMD.md (docs/top.md for analyze-data) exists and has,
#     under a '## Options' heading, a fenced code block whose lines are
#     exactly the lines --help prints after 'options:' (byte for byte);
#   - the page contains the usage line(s) of --help as its synopsis
#     (leading blanks and the 'usage: ' prefix aside);
#   - README.md's "What works today" table has a row for it linking the page.
# And: 'sweepkit --help' exits 0 on stdout, 'sweepkit --version' prints
# 'sweepkit X.Y.Z' with CMakeLists.txt's project VERSION, 'sweepkit nonsense'
# exits 2 with one error line and one hint line on stderr.
set -u
SK=$1
SRC=$2
AD=${ANALYZE_DATA:-$(dirname "$SK")/analyze-data}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() {
  fail=$((fail + 1))
  echo "FAIL: $*"
}

# run NAME CMD...: stdout in $tmp/NAME.out, stderr in $tmp/NAME.err, status in rc
run() {
  local name=$1
  shift
  "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" </dev/null
  rc=$?
}

# options_blocks DOC DIR: write each fenced block found in a '## Options'
# section of DOC to DIR/1, DIR/2, ...; prints how many.
options_blocks() {
  mkdir -p "$2"
  awk -v dir="$2" '
    /^```/ {
      if (fence) { fence = 0; if (out != "") close(out); out = ""; next }
      fence = 1
      if (in_opts) { n++; out = dir "/" n; printf "" > out }
      next
    }
    fence { if (out != "") print > out; next }
    /^## / { in_opts = ($0 == "## Options") }
    /^# / { in_opts = 0 }
    END { print n + 0 }
  ' "$1"
}

# check_command LABEL BINARY DOC [ARG]: BINARY [ARG] --help against DOC
check_command() {
  local label=$1 bin=$2 doc=$3 arg=${4:-} key f found n line want
  key=$(printf '%s' "$label" | tr -c 'A-Za-z0-9_-' _)
  if [ -n "$arg" ]; then
    run "$key" "$bin" "$arg" --help
  else
    run "$key" "$bin" --help
  fi
  if [ "$rc" -eq 0 ] && [ -s "$tmp/$key.out" ] && [ ! -s "$tmp/$key.err" ] &&
    head -n 1 "$tmp/$key.out" | grep -q '^usage: '; then
    ok
  else
    bad "'$label --help': status $rc (want 0), usage on stdout, nothing on stderr"
    return
  fi
  if [ ! -f "$SRC/$doc" ]; then
    bad "$label: no page $doc"
    return
  fi
  ok

  # The option lines: after 'options:', up to a blank line or the end.
  awk 'f && /^$/ { exit } f { print } /^options:$/ { f = 1 }' \
    "$tmp/$key.out" >"$tmp/$key.opts"
  if [ ! -s "$tmp/$key.opts" ]; then
    bad "'$label --help' has no 'options:' section"
  else
    n=$(options_blocks "$SRC/$doc" "$tmp/$key.blocks")
    found=0
    for f in "$tmp/$key.blocks"/*; do
      [ -f "$f" ] && cmp -s "$f" "$tmp/$key.opts" && found=1
    done
    if [ "$found" -eq 1 ]; then
      ok
    else
      bad "$doc: no fenced block under '## Options' is '$label --help''s option lines ($n block(s) there)"
      if [ "$n" -ge 1 ]; then
        # Show the difference from the closest (the first) block.
        diff "$tmp/$key.blocks/1" "$tmp/$key.opts" | head -n 12 | sed 's/^/  /'
      fi
    fi
  fi

  # The synopsis: the usage lines (up to the first blank line), each with
  # leading blanks and a 'usage: ' prefix removed, as consecutive lines of
  # the page (normalised the same way).
  awk '/^$/ { exit } { sub(/^usage: /, ""); sub(/^[ \t]+/, ""); print }' \
    "$tmp/$key.out" >"$tmp/$key.usage"
  if awk -v want="$tmp/$key.usage" '
      BEGIN { while ((getline l < want) > 0) w[++m] = l }
      { sub(/^[ \t]+/, ""); sub(/^usage: /, ""); d[++n] = $0 }
      END {
        for (i = 1; i + m - 1 <= n; i++) {
          for (j = 1; j <= m && d[i + j - 1] == w[j]; j++) ;
          if (j > m) exit 0
        }
        exit 1
      }' "$SRC/$doc"; then
    ok
  else
    bad "$doc: lacks the usage line of '$label --help':"
    sed 's/^/  /' "$tmp/$key.usage"
  fi

  # README.md's "What works today" table: a row for the command, linking
  # its page.
  line=$(awk '/^## / { in_s = ($0 == "## What works today") } in_s' \
    "$SRC/README.md" | grep -F "| \`$label\` |" | head -n 1)
  if [ -z "$line" ]; then
    bad "README.md: no row for '$label' in 'What works today'"
  else
    want="($doc)"
    case "$line" in
    *"$want"*) ok ;;
    *) bad "README.md: the row for '$label' does not link $doc" ;;
    esac
  fi
}

# --- sweepkit --help ---------------------------------------------------------
run help "$SK" --help
if [ "$rc" -eq 0 ] && [ -s "$tmp/help.out" ] && [ ! -s "$tmp/help.err" ]; then
  ok
else
  bad "'sweepkit --help': status $rc (want 0), output on stdout only"
fi
commands=$(awk 'f && /^$/ { exit } f { print $1 } /^commands:$/ { f = 1 }' \
  "$tmp/help.out")
if [ -n "$commands" ]; then
  ok
else
  bad "'sweepkit --help' lists no commands (no 'commands:' section)"
fi

for cmd in $commands; do
  check_command "sweepkit $cmd" "$SK" "docs/$cmd.md" "$cmd"
done

# --- analyze-data (docs/top.md) ---------------------------------------------
if [ -x "$AD" ]; then
  check_command analyze-data "$AD" docs/top.md
else
  bad "analyze-data not found at $AD (set ANALYZE_DATA)"
fi

# --- sweepkit --version ------------------------------------------------------
version=$(sed -n 's/^project(sweepkit VERSION \([0-9][0-9]*\.[0-9][0-9]*\.[0-9][0-9]*\).*/\1/p' \
  "$SRC/CMakeLists.txt" | head -n 1)
run version "$SK" --version
if [ -z "$version" ]; then
  bad "CMakeLists.txt: no 'project(sweepkit VERSION X.Y.Z'"
elif [ "$rc" -eq 0 ] && [ "$(cat "$tmp/version.out")" = "sweepkit $version" ] &&
  [ "$(wc -l <"$tmp/version.out")" -eq 1 ] && [ ! -s "$tmp/version.err" ]; then
  ok
else
  bad "'sweepkit --version': status $rc, printed '$(cat "$tmp/version.out")' (want 'sweepkit $version')"
fi

# --- sweepkit nonsense: status 2, one error line and a hint on stderr ---------
run nonsense "$SK" nonsense
if [ "$rc" -eq 2 ] && [ ! -s "$tmp/nonsense.out" ] &&
  [ "$(wc -l <"$tmp/nonsense.err")" -eq 2 ] &&
  head -n 1 "$tmp/nonsense.err" | grep -q "^sweepkit: .*nonsense" &&
  sed -n 2p "$tmp/nonsense.err" | grep -qF "sweepkit --help"; then
  ok
else
  bad "'sweepkit nonsense': status $rc (want 2), stderr (want an error naming it, then a hint at 'sweepkit --help'):"
  sed 's/^/  /' "$tmp/nonsense.err"
fi

echo "docs: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
