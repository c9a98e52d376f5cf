#!/usr/bin/env bash
# Configure and build into build/ (Release, -Wall -Wextra).  Quiet unless
# something goes wrong.
set -euo pipefail
cd "$(dirname "$0")/.."
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >build.log 2>&1 ||
  { cat build.log >&2; exit 1; }
cmake --build build -j"$(nproc)" >>build.log 2>&1 ||
  { cat build.log >&2; exit 1; }
