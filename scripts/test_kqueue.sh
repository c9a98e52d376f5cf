#!/usr/bin/env bash
# The whole test suite with the kqueue backend of sweepkit/evloop.h
# (-DSK_EVLOOP=kqueue) on Linux, through libkqueue, a user-space
# emulation of kqueue(2)/kevent(2) (https://github.com/mheily/libkqueue;
# not in Debian 12's archive, so not part of CI): build and install it
# under a prefix first (cmake -S libkqueue -B b
# -DCMAKE_INSTALL_PREFIX=PREFIX && cmake --build b && cmake --install b).
# On macOS and the BSDs the default build takes kqueue by itself.
# Usage: scripts/test_kqueue.sh LIBKQUEUE_PREFIX [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
kq=${1:?usage: scripts/test_kqueue.sh LIBKQUEUE_PREFIX [BUILD_DIR]}
dir=${2:-build-kqueue}
[ -f "$kq/include/kqueue/sys/event.h" ] ||
  { echo "test_kqueue.sh: $kq/include/kqueue/sys/event.h: not found (install libkqueue under $kq first)" >&2; exit 2; }
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Release -DSK_EVLOOP=kqueue \
  -DCMAKE_C_FLAGS="-I$kq/include/kqueue" \
  -DCMAKE_C_STANDARD_LIBRARIES="-Wl,-rpath,$kq/lib -L$kq/lib -lkqueue -lpthread" \
  >"$dir.log" 2>&1 || { cat "$dir.log" >&2; exit 1; }
cmake --build "$dir" -j"$(nproc)" >>"$dir.log" 2>&1 || { cat "$dir.log" >&2; exit 1; }
grep -q 'evloop backend kqueue' "$dir.log" ||
  { echo "test_kqueue.sh: the build did not take the kqueue backend" >&2; exit 1; }
ctest --test-dir "$dir" --output-on-failure
