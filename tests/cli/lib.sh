# Shared by the black-box test scripts (cli_test.sh, report_test.sh,
# main_job_test.sh): source it after `cd` to the source directory.  Gives a
# scratch directory $tmp (removed on exit), the pass/fail counters, and:
#   ok / bad MESSAGE          count a check
#   expect STATUS LINE CMD... run CMD (stdout in $tmp/out, stderr in
#                             $tmp/err) and check its exit status and the
#                             first line of its standard error
#   finish NAME               print "NAME: N passed, M failed"; the status
#                             of the script is whether none failed
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0
fail=0

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*"; }

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

finish() {
  echo "$1: $pass passed, $fail failed"
  [ "$fail" -eq 0 ]
}
