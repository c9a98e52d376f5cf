#!/usr/bin/env bash
# Compile each public header alone: it must include what it uses.
# usage: header_test.sh CC INCLUDE_DIR HEADER...
set -u
cc=$1 inc=$2
shift 2
pass=0 fail=0
for h in "$@"; do
  if printf '#include "sweepkit/%s"\n' "$(basename "$h")" |
    "$cc" -std=c11 -Wall -Wextra -pedantic -Werror -I"$inc" -fsyntax-only -x c -; then
    pass=$((pass + 1))
  else
    fail=$((fail + 1))
    echo "FAIL: $h does not compile alone"
  fi
done
echo "headers: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
