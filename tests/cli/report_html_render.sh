#!/usr/bin/env bash
# report.html in a real browser: `sweepkit report --html` over fixtures/,
# then headless Chromium draws each inline chart alone and the screenshot
# is compared with the chart's PNG (html_check.py --render: at most 2% of
# the pixels may differ, by anti-aliasing).  Skipped, with a message, where
# Chromium cannot start (scripts/setup.sh --tests installs it).
# Usage: report_html_render.sh SWEEPKIT SOURCE_DIR
set -u
SK=$1
cd "$2" || exit 1
. tests/cli/lib.sh

expect 0 "sweepkit report: note: fixtures/summary_Qwen3-4B-Instruct-2507-MLX-4bit.csv: median_ttft_s is empty; series skipped" \
  "$SK" report --html --out "$tmp/h"
res=$(python3 tests/cli/html_check.py "$tmp/h" --render)
echo "$res" | grep -v '^[0-9]* [0-9]*$'
set -- $(echo "$res" | tail -n 1)
pass=$((pass + ${1:-0}))
fail=$((fail + ${2:-1}))

finish report_html_render
