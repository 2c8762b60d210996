# shellcheck shell=bash disable=SC2034   # sourced: the variables are used by the scripts
# Sourced by the matrix scripts: where the chroots live, locking, mount cleanup, retries.

MATRIX_ROOT=${EXEC_MATRIX_DIR:-/var/cache/exec-dissector/chroots}
REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
MATRIX_SUITES=(trixie sid)
# The chroots' PATH; env -i leaves none.
MATRIX_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

matrix_require_root() {
  [ "$(id -u)" -eq 0 ] || { echo "$(basename "$0"): must run as root (chroot, mount)" >&2; exit 1; }
}

# Prints the chroot directory of a known suite.
matrix_suite_dir() {
  case " ${MATRIX_SUITES[*]} " in
    *" $1 "*) echo "$MATRIX_ROOT/$1" ;;
    *) echo "unknown suite '$1' (known: ${MATRIX_SUITES[*]})" >&2; return 2 ;;
  esac
}

# One lock per suite on fd 9, held until the script exits: building, repairing and using a chroot
# must not overlap (one run's cleanup would unmount another's /proc). Children inherit it, so an
# orphaned debootstrap or apt still blocks the next run instead of racing it.
matrix_lock() {
  mkdir -p "$MATRIX_ROOT"
  exec 9>"$MATRIX_ROOT/.$1.lock"
  flock -n 9 && return 0
  echo "$(basename "$0"): waiting for $MATRIX_ROOT/.$1.lock" >&2
  flock -w 1800 9 || { echo "$(basename "$0"): timed out waiting for the lock" >&2; return 1; }
}

# Unmounts everything at or below DIR, deepest first; lazily when busy, so nothing stays mounted.
matrix_umount_under() {
  local m
  findmnt -rn -o TARGET | awk -v d="$1" '$0 == d || index($0, d "/") == 1' | sort -r |
    while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
}

# Network steps get a second chance: mirrors hiccup. Callers bound each try with matrix_timeout.
# timeout(1) without --foreground moves the command to its own process group, where a Ctrl-C or a
# CI cancel (signals to our group) never reaches it; -k: KILL what ignores the TERM.
matrix_timeout() { timeout --foreground -k 30 "$@"; }

matrix_retry() {
  "$@" && return 0
  echo "$(basename "$0"): failed, retrying once in 5 s: $*" >&2
  sleep 5
  "$@"
}
