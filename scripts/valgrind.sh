#!/usr/bin/env bash
# valgrind's memcheck over the end-to-end path: the main job
# (scripts/main_job.sh: serve-sim, collect against it, report) with every
# sweepkit process run under memcheck.  Fails on any invalid read or
# write, use of uninitialised memory, or definite/indirect leak; each
# process's log is kept in results/valgrind/.
# usage: scripts/valgrind.sh   (after scripts/build.sh)
set -euo pipefail
cd "$(dirname "$0")/.."
command -v valgrind >/dev/null || { echo "valgrind.sh: install valgrind (scripts/setup.sh)" >&2; exit 1; }
logs=$PWD/results/valgrind
rm -rf "$logs" && mkdir -p "$logs"
wrap=$logs/sweepkit
cat >"$wrap" <<WRAP
#!/usr/bin/env bash
exec valgrind --quiet --error-exitcode=99 --leak-check=full \\
  --errors-for-leak-kinds=definite,indirect --show-leak-kinds=definite,indirect \\
  --track-origins=yes --log-file="$logs/%p.\$1.log" "$PWD/build/sweepkit" "\$@"
WRAP
chmod +x "$wrap"
status=0
scripts/main_job.sh "$wrap" "$logs/run" || status=$?
bad=0
for f in "$logs"/*.log; do
  if [ -s "$f" ]; then
    echo "valgrind.sh: $f:" >&2
    head -n 30 "$f" >&2
    bad=1
  fi
done
n=$(ls "$logs"/*.log | wc -l)
if [ "$status" -ne 0 ] || [ "$bad" -ne 0 ]; then
  echo "valgrind.sh: FAILED (main job exit $status; $n processes checked)" >&2
  exit 1
fi
echo "valgrind.sh: $n sweepkit processes under memcheck: no errors, no leaks"
