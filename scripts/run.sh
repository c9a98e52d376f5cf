#!/usr/bin/env bash
# Quick start, first command: set up, build, and run the main job
# (scripts/main_job.sh): a short live sweep against the built-in server,
# then one report over that sweep and the bundled data in fixtures/.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
scripts/build.sh
exec scripts/main_job.sh build/sweepkit "results/run_$(date +%Y%m%d_%H%M%S)"
