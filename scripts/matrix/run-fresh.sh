#!/usr/bin/env bash
# run-fresh.sh: the README's two commands, literally, on fresh Debian 12 systems (debootstrap
# chroots, a new copy each time, thrown away after):
#   root:  scripts/install.sh, then tests/run-all.sh, then scripts/uninstall.sh
#   user:  a new user with sudo runs tests/run-all.sh, then scripts/install.sh, then
#          scripts/uninstall.sh
# Each from its own clone of this repository.  After install.sh, tshark must load the installed
# plugin; after uninstall.sh, the built-in must be back.  The test command's own security checks
# (tests/security) run inside.  Inside, EXEC_NESTED_RUN=1 tells tests/run-all.sh that the outer run
# does the Wireshark version matrix and the fresh systems (no chroot in a chroot).
# Usage: run-fresh.sh [root|user]...      (default: both)
set -euo pipefail
. "$(dirname "$0")/lib.sh"

flows=("$@")
[ ${#flows[@]} -gt 0 ] || flows=(root user)
for f in "${flows[@]}"; do
  case $f in root|user) ;; *) echo "usage: $0 [root|user]..." >&2; exit 2 ;; esac
done
matrix_require_root
mirror=${EXEC_MATRIX_MIRROR:-http://deb.debian.org/debian}
base=$MATRIX_ROOT/bookworm-fresh
# A fresh Debian 12 that a user with sudo works on: minbase plus sudo, nothing of the project's.
base_packages=sudo
stamp_key="bookworm minbase + $base_packages"
out=$(mktemp -d /tmp/exec-fresh.XXXXXX)
echo "run-fresh: logs in $out"

matrix_lock bookworm-fresh
dir=""
cleanup() {
  [ -z "$dir" ] || { matrix_umount_under "$dir"; rm -rf --one-file-system "$dir"; }
  matrix_umount_under "$base"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# The pristine base, made once and never used directly.
if [ ! -f "$base/.exec-fresh-ready" ] || [ "$(cat "$base/.exec-fresh-ready")" != "$stamp_key" ]; then
  echo "run-fresh: debootstrap bookworm into $base ($mirror)"
  start=$SECONDS
  bootstrap() {
    matrix_umount_under "$base" && rm -rf --one-file-system "$base" &&
      matrix_timeout 900 debootstrap --variant=minbase --include="$base_packages" bookworm "$base" "$mirror" \
        >"$out/debootstrap.log" 2>&1
  }
  matrix_retry bootstrap || { tail -n 30 "$out/debootstrap.log"; exit 1; }
  chroot "$base" apt-get clean
  echo "$stamp_key" >"$base/.exec-fresh-ready"
  echo "run-fresh: base made in $((SECONDS - start)) s ($(du -sh --one-file-system "$base" | cut -f1))"
fi

# in_fresh LOG USER WHAT COMMAND: COMMAND by bash in the fresh system as USER (root or the new
# user), in its clone, in a clean login-like environment; prints WHAT, the exit status and the time.
in_fresh() {
  local log=$1 user=$2 what=$3 cmd=$4 home=/root rc=0 start=$SECONDS
  [ "$user" = root ] || home=/home/$user
  echo "== [$user] $cmd" >>"$log"
  env -i PATH="$MATRIX_PATH" HOME="$home" LANG=C.UTF-8 ${CI:+CI="$CI"} EXEC_NESTED_RUN=1 \
    chroot --userspec="$user:$user" "$dir" bash -c "cd ~/exec-dissector && $cmd" </dev/null >>"$log" 2>&1 || rc=$?
  echo "run-fresh: [$user] $what: exit $rc, $((SECONDS - start)) s"
  return "$rc"
}
loaded='tshark -G plugins 2>/dev/null | grep -qE "^exec\.so" &&
  tshark -r test-captures/glibc-success-stderr.pcap -T fields -e exec.status 2>/dev/null | grep -qx 0'
builtin_back='! tshark -G plugins 2>/dev/null | grep -qE "^exec\.so" &&
  tshark -G fields 2>/dev/null | grep -qP "\texec\.username\t" && ! tshark -G fields 2>/dev/null | grep -qP "\texec\.status\t"'

failed=0
for flow in "${flows[@]}"; do
  log=$out/$flow.log
  dir=$(mktemp -d "$MATRIX_ROOT/fresh-$flow.XXXXXX")
  cp -a "$base/." "$dir/"
  # Its / a mount point, as on a real machine: the tests' private mount namespaces need one.
  mount --bind "$dir" "$dir"
  mount -t proc proc "$dir/proc"
  mount -t sysfs sysfs "$dir/sys"
  mount --rbind /dev "$dir/dev"
  mount --make-rslave "$dir/dev"
  cp --remove-destination /etc/resolv.conf "$dir/etc/resolv.conf"
  printf 'Acquire::http::Timeout "30";\nAcquire::Retries "2";\n' >"$dir/etc/apt/apt.conf.d/90exec-fresh"
  user=root
  if [ "$flow" = user ]; then
    user=tester
    chroot "$dir" useradd -m -s /bin/bash -G sudo "$user"
    # sudo without a password: CI has no one to type it.
    echo "$user ALL=(ALL:ALL) NOPASSWD: ALL" >"$dir/etc/sudoers.d/$user"
    chmod 440 "$dir/etc/sudoers.d/$user"
  fi
  home=$(chroot "$dir" getent passwd "$user" | cut -d: -f6)
  git clone -q "$REPO_ROOT" "$dir$home/exec-dissector"
  chroot "$dir" chown -R "$user:$user" "$home/exec-dissector"
  echo "== $flow: $(date -u '+%F %T')" >"$log"

  steps=("scripts/install.sh" "tests/run-all.sh")
  [ "$flow" = root ] || steps=("tests/run-all.sh" "scripts/install.sh")
  ok=1
  for step in "${steps[@]}"; do in_fresh "$log" "$user" "$step" "$step" || ok=0; done
  in_fresh "$log" "$user" "tshark loads the installed plugin" "$loaded" || ok=0
  in_fresh "$log" "$user" "scripts/uninstall.sh" "scripts/uninstall.sh" || ok=0
  in_fresh "$log" "$user" "the built-in is back" "$builtin_back" || ok=0
  # The Debian package on Wireshark 4.0 (the matrix chroots do 4.4 and 4.6).
  if [ "$flow" = root ]; then
    in_fresh "$log" root "the Debian package: built, installed, used, removed" \
      "bash tests/package/check-package.sh --i-am-in-a-throwaway-system" || ok=0
    grep -E '^package: ' "$log" | sed "s/^/run-fresh: [$flow] /" || true
  fi
  grep -E '^(ok|FAIL) |^suites: ' "$log" | grep -E 'host safety|host left|^suites: |^FAIL' | sed "s/^/run-fresh: [$flow] /" || true
  [ "$ok" -eq 1 ] || { failed=1; echo "run-fresh: $flow FAILED; end of $log:"; tail -n 40 "$log"; }
  matrix_umount_under "$dir"
  rm -rf --one-file-system "$dir"
  dir=""
done
[ "$failed" -eq 0 ] && echo "run-fresh: all flows pass" || { echo "run-fresh: FAILED"; exit 1; }
