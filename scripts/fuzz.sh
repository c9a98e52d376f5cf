#!/usr/bin/env bash
# Build the libFuzzer harnesses (tests/fuzz/fuzz_<name>.c) with clang into
# build-fuzz/ and run each one for SECONDS (default 5) over its seed corpus
# and its regression inputs, one after another (one fuzzer process at a
# time); first every regression input is replayed once.  Fails on any crash,
# sanitizer report or contract violation; the input that caused it is left
# in build-fuzz/artifacts/<name>/ (copy it into tests/fuzz/regressions/<name>/).
#
#   scripts/fuzz.sh               every harness, 5 s each (what CI runs)
#   scripts/fuzz.sh 600 sse http  two harnesses, 10 minutes each
#
# New corpus entries go to build-fuzz/corpus/<name>/, never into tests/.
# Logs: build-fuzz/logs/<name>.log.  See tests/fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-5}
case $seconds in
  '' | *[!0-9]*)
    echo "fuzz.sh: SECONDS must be a whole number, not '$seconds'" >&2
    echo "usage: scripts/fuzz.sh [SECONDS] [HARNESS...]" >&2
    exit 2
    ;;
esac
[ $# -gt 0 ] && shift
all=(table table_par num_roundtrip sse chunk prompts http filter scrub foreign prom)
harnesses=("$@")
[ ${#harnesses[@]} -eq 0 ] && harnesses=("${all[@]}")
for h in "${harnesses[@]}"; do
  [ -f "tests/fuzz/fuzz_$h.c" ] || {
    echo "fuzz.sh: no harness '$h' (have: ${all[*]})" >&2
    exit 2
  }
done

command -v clang >/dev/null || {
  echo "fuzz.sh: clang not found: install the Debian packages 'clang' and" \
       "'libclang-rt-14-dev' (or run scripts/setup.sh)" >&2
  exit 1
}

build=build-fuzz
mkdir -p "$build"
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DSK_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build/configure.log" 2>&1 || {
  cat "$build/configure.log" >&2
  exit 1
}
targets=()
for h in "${harnesses[@]}"; do targets+=("fuzz_$h"); done
cmake --build "$build" -j"$(nproc)" --target "${targets[@]}" \
  >"$build/build.log" 2>&1 || {
  tail -n 40 "$build/build.log" >&2
  exit 1
}

export ASAN_OPTIONS=abort_on_error=1:detect_leaks=1:allocator_may_return_null=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
mkdir -p "$build/logs"
failed=()
for h in "${harnesses[@]}"; do
  bin=$build/fuzz_$h
  seeds=tests/fuzz/corpus/$h
  regress=tests/fuzz/regressions/$h
  work=$build/corpus/$h
  artifacts=$build/artifacts/$h
  log=$build/logs/$h.log
  mkdir -p "$work" "$artifacts"
  dirs=("$work" "$seeds")
  : >"$log"

  # Every input that once failed, replayed on its own first.
  if [ -d "$regress" ] && [ -n "$(ls -A "$regress")" ]; then
    dirs+=("$regress")
    if ! "$bin" -runs=1 "$regress"/* >>"$log" 2>&1; then
      echo "fuzz: $h: a regression input fails again (see $log)" >&2
      failed+=("$h")
      continue
    fi
  fi

  start=$(date +%s)
  if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
       -max_len=4096 -print_final_stats=1 \
       -artifact_prefix="$artifacts/" "${dirs[@]}" >>"$log" 2>&1; then
    stats=$(grep -E '^#[0-9]+.*DONE' "$log" | tail -n 1 || true)
    echo "fuzz: $h: ok in $(($(date +%s) - start)) s: ${stats#*DONE }"
  else
    echo "fuzz: $h: FAILED; input in $artifacts/, log $log:" >&2
    grep -E 'ERROR|contract violated|runtime error|differ' "$log" \
      | head -n 5 >&2 || true
    failed+=("$h")
  fi
done

if [ ${#failed[@]} -gt 0 ]; then
  echo "fuzz: failed: ${failed[*]}" >&2
  exit 1
fi
