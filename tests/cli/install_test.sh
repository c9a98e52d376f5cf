#!/usr/bin/env bash
# Installing as a C library and tool (docs/install.md): cmake --install
# into a scratch prefix; a small C program built against the installed
# library through pkg-config and run; every man page rendered with
# man -l without a warning; the bash completion answering; the .deb built
# by CPack, unpacked into a scratch root, and its sweepkit run from there.
# Usage: install_test.sh BUILD_DIR SOURCE_DIR
build=$(cd "$1" && pwd)
cd "$2" || exit 2
. tests/cli/lib.sh

p=$tmp/prefix
cmake --install "$build" --prefix "$p" >"$tmp/install.log" 2>&1 &&
  ok || { bad "cmake --install"; cat "$tmp/install.log"; }
for f in bin/sweepkit bin/analyze-data lib/libsweepkit.a lib/libsweepkit.so.0 \
  lib/libsweepkit.so include/sweepkit/stats.h include/sweepkit/collect.h \
  lib/pkgconfig/sweepkit.pc share/man/man1/sweepkit.1 \
  share/man/man1/sweepkit-collect.1 share/man/man1/analyze-data.1 \
  share/bash-completion/completions/sweepkit; do
  [ -e "$p/$f" ] && ok || bad "installed: $f"
done
readelf -d "$p/lib/libsweepkit.so.0" | grep -q 'SONAME.*libsweepkit.so.0' &&
  ok || bad "soname libsweepkit.so.0"

# --- a program against the installed library ------------------------------
cat >"$tmp/prog.c" <<'C'
#include <sweepkit/stats.h>
#include <stdio.h>

int main(void)
{
    double v[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, p90 = 0;

    if (sk_stats_percentile(&p90, v, 10, 90) != 0)
        return 1;
    printf("%.2f\n", p90);
    return 0;
}
C
export PKG_CONFIG_PATH=$p/lib/pkgconfig
flags=$(pkg-config --cflags --libs sweepkit) && ok || bad "pkg-config sweepkit"
cc -Wall -Wextra -o "$tmp/prog" "$tmp/prog.c" $flags 2>"$tmp/cc.err" &&
  ok || { bad "cc against the installed library"; cat "$tmp/cc.err"; }
out=$(LD_LIBRARY_PATH=$p/lib "$tmp/prog")
want=$("$p/bin/sweepkit" stats --help >/dev/null && printf '1\n2\n3\n4\n5\n6\n7\n8\n9\n10\n' |
  sed '1i v' | "$p/bin/sweepkit" stats - --field v -p 90 --format csv 2>/dev/null |
  awk -F, 'NR==1{for(i=1;i<=NF;i++)if($i=="p90")c=i} NR==2{printf "%.2f\n",$c}')
[ -n "$out" ] && [ "$out" = "$want" ] && ok ||
  bad "the program's p90 '$out' is the installed sweepkit stats' '$want'"
LD_LIBRARY_PATH=$p/lib ldd "$tmp/prog" | grep -q "libsweepkit.so.0 => $p/lib" &&
  ok || bad "the program links the installed libsweepkit.so.0"

# --- man pages ------------------------------------------------------------
if command -v man >/dev/null; then
  for m in "$p"/share/man/man1/*.1; do
    MANWIDTH=80 man --warnings -l "$m" >"$tmp/man.out" 2>"$tmp/man.err" &&
      [ ! -s "$tmp/man.err" ] && grep -q '^NAME' "$tmp/man.out" &&
      grep -q '^OPTIONS\|^COMMANDS' "$tmp/man.out" && ok ||
      { bad "man -l $(basename "$m")"; head -3 "$tmp/man.err"; }
  done
  [ "$(ls "$p"/share/man/man1/*.1 | wc -l)" -eq 12 ] && ok || bad "12 man pages"
else
  echo "install_test: man is not installed (scripts/setup.sh --tests): man pages not rendered"
fi

# --- bash completion ------------------------------------------------------
complete_words() { # WORD... : what completing the last word offers
  bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1));
           _sweepkit; printf "%s\n" "${COMPREPLY[@]}"' _ \
    "$p/share/bash-completion/completions/sweepkit" "$@"
}
bash -n "$p/share/bash-completion/completions/sweepkit" && ok || bad "completion: syntax"
complete_words "$p/bin/sweepkit" to | grep -qx top && ok || bad "completion: 'to' -> top"
got=$(complete_words "$p/bin/sweepkit" collect --scr | sort | tr '\n' ' ')
[ "$got" = "--scrape --scrape-interval " ] && ok || bad "completion: collect --scr -> '$got'"
complete_words "$p/bin/sweepkit" plot --ki | grep -qx -- --kind && ok || bad "completion: plot --ki"

# --- the .deb -------------------------------------------------------------
(cd "$build" && cpack -G DEB -B "$tmp/deb") >"$tmp/cpack.log" 2>&1 &&
  ok || { bad "cpack -G DEB"; tail -5 "$tmp/cpack.log"; }
deb=$(ls "$tmp"/deb/*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then
  dpkg-deb -f "$deb" Depends | grep -q 'libgsl' && ok || bad ".deb Depends names libgsl"
  dpkg-deb -x "$deb" "$tmp/root" && ok || bad "dpkg-deb -x"
  [ "$("$tmp/root/usr/bin/sweepkit" --version)" = "sweepkit $(sed -n 's/^Version: //p' "$build/sweepkit.pc")" ] &&
    ok || bad "sweepkit --version from the unpacked .deb"
  dpkg-deb -c "$deb" | grep -q 'usr/share/man/man1/sweepkit-top.1' && ok || bad ".deb holds the man pages"
else
  bad "no .deb built"
fi
finish install
