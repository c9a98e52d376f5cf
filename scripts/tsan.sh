#!/usr/bin/env bash
# The threads of parallel CSV parsing (src/lib/data/table_par.c) under
# ThreadSanitizer: sweepkit, analyze-data and test_stats built with
# -fsanitize=thread into build-tsan/, then tests/cli/parallel_csv_test.sh
# (its quick variants) and test_stats, which reads its error cases on
# three threads.  A race report goes to standard error, which the
# parallel test compares byte for byte with one thread's: it fails.
set -euo pipefail
cd "$(dirname "$0")/.."
flags="-fsanitize=thread -O1 -g"
cmake -S . -B build-tsan -DCMAKE_BUILD_TYPE=Debug -DCMAKE_C_FLAGS="$flags" \
  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=thread \
  -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=thread >build-tsan.log 2>&1 ||
  { cat build-tsan.log >&2; exit 1; }
cmake --build build-tsan -j"$(nproc)" --target sweepkit analyze-data \
  test_stats >>build-tsan.log 2>&1 || { cat build-tsan.log >&2; exit 1; }
export TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1"
build-tsan/test_stats
SK_PARALLEL_QUICK=1 tests/cli/parallel_csv_test.sh build-tsan/sweepkit \
  build-tsan/analyze-data .
