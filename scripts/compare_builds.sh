#!/usr/bin/env bash
# Compare two builds' outputs over a fixed list of command lines
# (tests/cli/compare_cases.txt): stdout, stderr, exit status and every
# file a command writes must be byte-identical.  For restructurings that
# must not change behaviour (issue 13).
#
# usage: scripts/compare_builds.sh [NEW_BUILD_DIR [BASE_REF]]
#   NEW_BUILD_DIR  a configured build of the work tree (default build/;
#                  rebuilt first)
#   BASE_REF       the commit to compare against (default 349eca3, the
#                  last one before issue 13 moved code), built once into
#                  build-base/<ref>/
# Each case runs in a fresh directory holding symlinks to fixtures/ and
# tests/, with $SK and $AD set to the build's sweepkit and analyze-data.
# PDF creation dates are masked.  Exit 0 when every case matches.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
new=$(realpath -m "${1:-$root/build}")
ref=${2:-349eca3}
base="$root/build-base/$ref"

if [ ! -x "$base/bin/sweepkit" ]; then
  echo "compare: building $ref into $base" >&2
  rm -rf "$base"
  mkdir -p "$base/src"
  git -C "$root" archive "$ref" | tar -x -C "$base/src"
  cmake -S "$base/src" -B "$base/bin" -DCMAKE_BUILD_TYPE=Release >"$base/build.log" 2>&1 &&
    cmake --build "$base/bin" -j"$(nproc)" --target sweepkit analyze-data >>"$base/build.log" 2>&1 ||
    { tail -20 "$base/build.log" >&2; exit 1; }
fi
[ -f "$new/CMakeCache.txt" ] || cmake -S "$root" -B "$new" -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build "$new" -j"$(nproc)" --target sweepkit analyze-data >/dev/null ||
  { echo "compare: $new does not build" >&2; exit 1; }

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# run SIDE BINDIR N LINE: case N's outputs into $tmp/SIDE/N/
run() {
  local d="$tmp/$1/$3"
  mkdir -p "$d/work"
  ln -s "$root/fixtures" "$d/work/fixtures"
  ln -s "$root/tests" "$d/work/tests"
  local rc=0
  # One fixed date for the JSON outputs' provenance (docs/schema.md).
  (cd "$d/work" && SOURCE_DATE_EPOCH=1796256000 SK="$2/sweepkit" AD="$2/analyze-data" timeout 120 \
    bash -c "$4" >"$d/stdout" 2>"$d/stderr" </dev/null) || rc=$?
  echo "$rc" >"$d/status"
  rm "$d/work/fixtures" "$d/work/tests"
  find "$d/work" -name '*.pdf' -exec sed -i -E 's/\/(CreationDate|ModDate) \(D:[^)]*\)/\/\1 (masked)/' {} +
}

n=0 same=0 diff=0
while IFS= read -r line || [ -n "$line" ]; do
  case $line in ''|'#'*) continue ;; esac
  n=$((n + 1))
  run base "$base/bin" "$n" "$line"
  run new "$new" "$n" "$line"
  if out=$(diff -r "$tmp/base/$n" "$tmp/new/$n" 2>&1); then
    same=$((same + 1))
  else
    diff=$((diff + 1))
    echo "compare: case $n differs: $line"
    echo "$out" | head -20 | sed 's/^/    /'
  fi
done <"$root/tests/cli/compare_cases.txt"
echo "compare: $same of $n command lines identical to $ref, $diff differ"
[ "$diff" -eq 0 ]
