#!/usr/bin/env bash
# Quick start, second command: set up, build, and run every test through
# ctest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh --tests
scripts/build.sh
ctest --test-dir build --output-on-failure
