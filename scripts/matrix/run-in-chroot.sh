#!/usr/bin/env bash
# Runs COMMAND as root inside a matrix chroot, in /src (the project, read-only), with /proc mounted
# and a clean environment. Build in /tmp inside the chroot, never in /src.
# Usage: run-in-chroot.sh SUITE -- COMMAND...
set -euo pipefail
. "$(dirname "$0")/lib.sh"

{ [ $# -ge 3 ] && [ "$2" = -- ]; } || { echo "usage: $0 SUITE -- COMMAND..." >&2; exit 2; }
suite=$1
shift 2
dir=$(matrix_suite_dir "$suite")
matrix_require_root
[ -f "$dir/.exec-matrix-ready" ] || { echo "no complete $suite chroot in $dir: run make-chroot.sh $suite" >&2; exit 1; }

matrix_lock "$suite"
trap 'matrix_umount_under "$dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
matrix_umount_under "$dir"    # left by a run that was killed outright
mount -t proc proc "$dir/proc"
mkdir -p "$dir/src"
mount --bind "$REPO_ROOT" "$dir/src"
mount -o remount,bind,ro "$dir/src"

# 9>&-: a process the command leaves behind must not keep the suite's lock.
vars=(PATH="$MATRIX_PATH" HOME=/root LANG=C.UTF-8)
[ -z "${CI+set}" ] || vars+=(CI="$CI")
env -i "${vars[@]}" chroot "$dir" /bin/sh -c 'cd /src && exec "$@"' sh "$@" 9>&-
