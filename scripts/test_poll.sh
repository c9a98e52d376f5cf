#!/usr/bin/env bash
# The whole test suite again with the portable poll(2) backend of
# sweepkit/evloop.h (-DSK_EVLOOP=poll) in build-poll/, as CI runs it
# beside the default backend (docs/install.md).
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build-poll -DCMAKE_BUILD_TYPE=Release -DSK_EVLOOP=poll \
  >build-poll.log 2>&1 || { cat build-poll.log >&2; exit 1; }
cmake --build build-poll -j"$(nproc)" >>build-poll.log 2>&1 ||
  { cat build-poll.log >&2; exit 1; }
grep -q 'evloop backend poll' build-poll.log ||
  { echo "test_poll.sh: the build did not take the poll backend" >&2; exit 1; }
ctest --test-dir build-poll --output-on-failure
