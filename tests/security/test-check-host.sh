#!/usr/bin/env bash
# test-check-host.sh: check-host.sh must see an exposed machine.  In a private
# network and mount namespace (nothing reaches the host: /etc is an overlay
# on a tmpfs, the listener is on that namespace's loopback), it makes each
# exposure the check looks for and requires a FAIL line for each, and all
# three ok on the clean namespace.  Root.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
scratch=$(mktemp -d)
trap 'rmdir "$scratch" 2>/dev/null || true' EXIT

# shellcheck disable=SC2016 # expanded in the namespace
unshare --mount --net --propagation private -- bash -c '
  set -euo pipefail
  mount -t tmpfs tmpfs "$1"
  mkdir "$1/upper" "$1/work"
  mount -t overlay overlay -o "lowerdir=/etc,upperdir=$1/upper,workdir=$1/work" /etc
  ip link set lo up
  clean=$(bash "$2/check-host.sh" exposure || true)
  printf "exec\tstream\ttcp\tnowait\troot\t/usr/sbin/tcpd\t/usr/sbin/in.rexecd\n" >>/etc/inetd.conf
  useradd -M rexuser
  socat TCP4-LISTEN:513,bind=127.0.0.1,reuseaddr PIPE &
  for i in $(seq 50); do ss -Hltn "sport = :513" | grep -q . && break; sleep 0.05; done
  exposed=$(bash "$2/check-host.sh" exposure || true)
  kill %1
  echo "$clean" | sed "s/^/clean:   /"
  echo "$exposed" | sed "s/^/exposed: /"
  [ "$(echo "$clean" | grep -c "^ok ")" -eq 3 ] && [ "$(echo "$exposed" | grep -c "^FAIL ")" -eq 3 ]
' sh "$scratch" "$here" && echo "check-host: sees each exposure: 1 passed, 0 failed" ||
  { echo "check-host: misses an exposure: 0 passed, 1 failed"; exit 1; }
