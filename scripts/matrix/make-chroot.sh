#!/usr/bin/env bash
# Creates, or reuses when complete, a Debian SUITE chroot holding the Wireshark build and test tools.
# Usage: make-chroot.sh trixie|sid      (EXEC_MATRIX_DIR, EXEC_MATRIX_MIRROR override the defaults)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

[ $# -eq 1 ] || { echo "usage: $0 SUITE   (one of: ${MATRIX_SUITES[*]})" >&2; exit 2; }
suite=$1
dir=$(matrix_suite_dir "$suite")
mirror=${EXEC_MATRIX_MIRROR:-http://deb.debian.org/debian}
packages=(
  tshark wireshark-dev libwireshark-dev libglib2.0-dev    # what the plugin builds against and runs in
  cmake make gcc libc6-dev pkg-config                     # libc6-dev: only a Recommends of gcc
  python3                                                 # tests/captures/*.py
  file procps                                             # small tools test scripts tend to use
)
# The stamp holds the suite and package list it was made with: a changed list re-runs the install step.
stamp=$dir/.exec-matrix-ready
stamp_key="$suite: ${packages[*]}"
log=$MATRIX_ROOT/$suite.make.log

matrix_require_root
matrix_lock "$suite"
# A signal's trap runs with the interrupted step's redirection to the log still open: fd 8 is the
# real stderr.
exec 8>&2
cleanup() {
  local rc=$?
  matrix_umount_under "$dir.partial"
  matrix_umount_under "$dir"
  [ "$rc" -eq 0 ] || { echo "make-chroot: $suite failed (rc $rc); end of $log:"; tail -n 30 "$log"; } >&8 2>&1
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$stamp_key" ]; then
  echo "make-chroot: $dir is ready"
  exit 0
fi
echo "=== $(date -u '+%F %T') make-chroot $suite" >>"$log"

if ! command -v debootstrap >/dev/null; then
  echo "make-chroot: installing debootstrap on the host"
  matrix_retry matrix_timeout 300 apt-get -q -o Acquire::http::Timeout=30 update >>"$log" 2>&1
  matrix_retry matrix_timeout 600 env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -q --no-install-recommends debootstrap >>"$log" 2>&1
fi

# debootstrap fills DIR.partial, renamed only once complete: an interrupted one is thrown away and redone.
# Mounts go first, so rm cannot reach through a leftover bind mount into the host.
bootstrap() {
  matrix_umount_under "$dir.partial" && rm -rf --one-file-system "$dir.partial" &&
    matrix_timeout 900 debootstrap --variant=minbase "$suite" "$dir.partial" "$mirror" >>"$log" 2>&1
}
if [ ! -d "$dir" ]; then
  echo "make-chroot: debootstrap $suite into $dir ($mirror)"
  start=$SECONDS
  matrix_retry bootstrap
  mv "$dir.partial" "$dir"
  echo "make-chroot: debootstrap took $((SECONDS - start)) s"
fi

echo "make-chroot: installing packages in $suite"
start=$SECONDS
rm -f "$stamp"
# in_chroot SECONDS COMMAND...: runs COMMAND in the chroot, clean environment, output to the log.
in_chroot() {
  local limit=$1
  shift
  matrix_timeout "$limit" env -i PATH="$MATRIX_PATH" HOME=/root LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive \
    chroot "$dir" "$@" >>"$log" 2>&1
}
matrix_umount_under "$dir"
mount -t proc proc "$dir/proc"    # maintainer scripts read /proc
cp --remove-destination /etc/resolv.conf "$dir/etc/resolv.conf"
{
  echo 'Acquire::http::Timeout "30";'
  echo 'Acquire::Retries "2";'
  echo 'Dpkg::Use-Pty "0";'    # no /dev/pts in the chroot
  # The mirror's sid Release is older than its Valid-Until date.
  [ "$suite" != sid ] || echo 'Acquire::Check-Valid-Until "false";'
} >"$dir/etc/apt/apt.conf.d/90exec-matrix"
echo 'wireshark-common wireshark-common/install-setuid boolean false' |
  in_chroot 60 debconf-set-selections
in_chroot 600 dpkg --configure -a    # finishes an install step that was interrupted
matrix_retry in_chroot 300 apt-get -q update
matrix_retry in_chroot 900 apt-get install -y -q --no-install-recommends "${packages[@]}"
in_chroot 60 apt-get clean
echo "$stamp_key" >"$stamp"
echo "make-chroot: packages took $((SECONDS - start)) s; $dir is ready ($(du -sh --one-file-system "$dir" | cut -f1))"
