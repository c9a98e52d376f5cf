#!/usr/bin/env bash
# The library's folders are layers (docs/architecture.md): a module may
# include the public headers of modules in its own folder or in a folder
# its own depends on, never a higher or sibling one.  A public header
# belongs to the folder holding the source of the same name, or to the
# folder of that name (chart.h -> chart/).  Private headers
# (src/lib/<folder>/*.h) are only included from their own folder.
# Usage: layers_test.sh SOURCE_DIR
set -euo pipefail
cd "$1/src/lib"
# The dependency graph, one folder a line: FOLDER: the folders it may use.
declare -A uses=(
  [util]=""
  [foreign]="util"
  [data]="util foreign"
  [analysis]="util foreign data"
  [chart]="util foreign data analysis"
  [collect]="util foreign data analysis"
  [sim]="util foreign data analysis"
  [report]="util foreign data analysis chart"
)
declare -A folder
for d in */; do d=${d%/}; folder[$d]=$d; done
for f in */*.c; do m=$(basename "$f" .c); folder[$m]=${f%%/*}; done
bad=0 checked=0
for f in */*.c */*.h; do
  [ -e "$f" ] || continue
  own=${f%%/*}
  [ -n "${uses[$own]+x}" ] || { echo "layers: $f: folder $own is not in the dependency graph"; bad=$((bad + 1)); continue; }
  for h in $(grep -o '#include "sweepkit/[a-z_]*\.h"' "$f" | sed 's/.*sweepkit\/\(.*\)\.h"/\1/'); do
    checked=$((checked + 1))
    dep=${folder[$h]:-}
    [ -n "$dep" ] || { echo "layers: $f includes sweepkit/$h.h, which no module implements"; bad=$((bad + 1)); continue; }
    if [ "$dep" != "$own" ] && [[ " ${uses[$own]} " != *" $dep "* ]]; then
      echo "layers: $f ($own) includes sweepkit/$h.h from $dep, which $own may not use"
      bad=$((bad + 1))
    fi
  done
  for h in $(grep -o '#include "[a-z_]*\.h"' "$f" | sed 's/#include "\(.*\)"/\1/'); do
    checked=$((checked + 1))
    [ -e "$own/$h" ] || { echo "layers: $f includes $h, not a private header of $own"; bad=$((bad + 1)); }
  done
done
echo "layers: $((checked - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
