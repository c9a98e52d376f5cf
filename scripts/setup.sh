#!/usr/bin/env bash
# Install every Debian package sweepkit needs (build, libraries, fonts for
# charts, fuzzing and memory checking; python3, procps and strace for the
# black-box tests' checkers; time for the benchmarks).  Idempotent, and
# silent when all is already present.  Runs apt as root, or through sudo
# when not root.  `--tests` adds what only the tests need: Chromium, which
# renders report.html headless to compare its charts with the PNGs, and
# man-db, whose `man -l` renders the installed man pages.
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  libcsv-dev libgsl-dev libcairo2-dev libfontconfig-dev libpng-dev libcurl4-openssl-dev
  libjansson-dev fonts-dejavu-core
  clang libclang-rt-14-dev valgrind time
  python3 procps strace
)
[ "${1:-}" = "--tests" ] && packages+=(chromium man-db)

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || {
    echo "setup: not root and no sudo; install: ${missing[*]}" >&2
    exit 1
  }
  sudo="sudo"
fi
echo "setup: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
