#!/usr/bin/env bash
# Issue 20's portability check: no Linux-only call outside the epoll
# backend of sweepkit/evloop.h.  Two views of the library's objects in
# BUILD_DIR: the undefined symbols each object file takes from libc (nm
# -u) against the Linux-only ones, and the sources for the Linux-only
# flags that are macros, not symbols.  One exception: the count of the
# cores this process may use (provenance.c, for the chart threads and
# collect --threads auto), which asks sched_getaffinity() behind `#ifdef
# __linux__` with a POSIX fallback (sysconf).  MSG_NOSIGNAL (POSIX
# 2008, missing on macOS) is allowed where the file falls back to
# SO_NOSIGPIPE.
# Usage: portable_test.sh BUILD_DIR SOURCE_DIR
build=$1
cd "$2" || exit 2
. tests/cli/lib.sh

linux_only='^(epoll_create1?|epoll_ctl|epoll_wait|epoll_pwait2?|timerfd_create|timerfd_settime|timerfd_gettime|eventfd|eventfd_read|eventfd_write|signalfd|accept4|pipe2|inotify_init1?|sendfile|splice|memfd_create|prctl|sched_getaffinity)$'
objs=$(find "$build/CMakeFiles/sweepkit_objects.dir" -name '*.o' | sort)
[ -n "$objs" ] && ok || bad "no library objects under $build"
for o in $objs; do
  name=$(basename "$o")
  used=$(nm -u "$o" | awk '{print $2}' | sed 's/@.*//' | grep -E "$linux_only" | tr '\n' ' ')
  case $name in
    evloop.c.o) ok ;; # the epoll backend is where they belong
    provenance.c.o) [ "$used" = "sched_getaffinity " ] || [ -z "$used" ] && ok ||
      bad "$name calls Linux-only $used" ;;
    *) [ -z "$used" ] && ok || bad "$name calls Linux-only $used(outside the epoll backend)" ;;
  esac
done
# flags and headers that are not symbols
for f in $(find src/lib -name '*.c' ! -name evloop.c | sort); do
  if grep -q MSG_NOSIGNAL "$f"; then
    grep -q SO_NOSIGPIPE "$f" && ok || bad "$f: MSG_NOSIGNAL without the SO_NOSIGPIPE fallback"
  fi
  hits=$(grep -nE 'SOCK_NONBLOCK|SOCK_CLOEXEC|EPOLL|sys/epoll\.h|sys/timerfd\.h|sys/eventfd\.h|sys/signalfd\.h|O_TMPFILE' "$f" | head -3)
  [ -z "$hits" ] && ok || bad "$f: Linux-only flags outside the epoll backend: $hits"
done
finish portable
