#!/usr/bin/env bash
# The library's folders are layers (docs/architecture.md): a module may
# include the public headers of modules in its own folder or a lower one,
# never a higher one.  Usage: layers_test.sh SOURCE_DIR
set -euo pipefail
cd "$1/src/lib"
order=(util data analysis chart collect sim)
rank() { local i; for i in "${!order[@]}"; do [ "${order[$i]}" = "$1" ] && { echo "$i"; return; }; done; echo -1; }
declare -A folder
for f in */*.c; do m=$(basename "$f" .c); folder[$m]=${f%%/*}; done
bad=0 checked=0
for f in */*.c; do
  own=$(rank "${f%%/*}")
  [ "$own" -ge 0 ] || { echo "layers: $f: folder not in the layer order"; bad=$((bad + 1)); continue; }
  for h in $(grep -o '#include "sweepkit/[a-z_]*\.h"' "$f" | sed 's/.*sweepkit\/\(.*\)\.h"/\1/'); do
    checked=$((checked + 1))
    dep=${folder[$h]:-}
    [ -n "$dep" ] || { echo "layers: $f includes sweepkit/$h.h, which no module implements"; bad=$((bad + 1)); continue; }
    r=$(rank "$dep")
    # chart, collect and sim are siblings: none includes another
    if [ "$r" -gt "$own" ] || { [ "$own" -ge 3 ] && [ "$r" -ge 3 ] && [ "$r" -ne "$own" ]; }; then
      echo "layers: $f ($((own)):${f%%/*}) includes sweepkit/$h.h from the higher or sibling folder $dep"
      bad=$((bad + 1))
    fi
  done
done
echo "layers: $((checked - bad)) passed, $bad failed"
[ "$bad" -eq 0 ]
