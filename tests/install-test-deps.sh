#!/usr/bin/env bash
# Installs what the tests need beyond building (scripts/install-deps.sh), and
# says what it installs:
# - Debian packages: capture and namespace tools, real rsh/rlogin clients,
#   sanitizers and fuzzing, valgrind, the benchmark's time, debootstrap for
#   the version matrix (scripts/screenshots.sh installs the GUI it needs
#   itself: no test uses it);
# - the real daemons (in.rexecd, in.rshd, in.rlogind) unpacked from Debian's
#   rsh-server into /var/cache/exec-dissector/rsh-server/<version>, never
#   installed: the package would enable them in inetd on every interface
#   (TCP 512-514).  The tests run them only in network namespaces they make,
#   inside a private mount namespace (scripts/netns-lib.sh).
# Root (or sudo).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

test_packages=(
  # make real traffic: capture, namespaces, plumbing, the daemons' PAM stack
  tcpdump socat iproute2 ethtool passwd libpam-runtime libpam-modules
  # tests/heuristic: real rsh and rlogin clients
  rsh-client
  # fuzzing and sanitizers; fuzz/run-engine-fuzz.sh --coverage: llvm-14
  clang libclang-rt-14-dev valgrind llvm-14
  # bench/run-bench.py: /usr/bin/time measures CPU time and peak memory
  time
  # scripts/matrix: Debian 13 and sid chroots
  debootstrap
  # test-captures: the brute-force tools rexec really meets (THC-Hydra's and
  # Medusa's rexec modules, nmap's rexec-brute script), recorded against the
  # real in.rexecd in a namespace; client programs only, no service
  hydra medusa nmap
)
bash "$root/scripts/install-deps.sh"
bash "$root/scripts/install-deps.sh" "${test_packages[@]}"

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
cache=/var/cache/exec-dissector/rsh-server
if ls "$cache"/*/usr/sbin/in.rexecd >/dev/null 2>&1; then
  echo "install-test-deps: daemons present in $(dirname "$(dirname "$(dirname "$(ls -d "$cache"/*/usr/sbin/in.rexecd | tail -n 1)")")")"
else
  version=$(apt-cache policy rsh-server | sed -n 's/^ *Candidate: //p')
  if [ -z "$version" ] || [ "$version" = "(none)" ]; then
    $SUDO apt-get update -q
    version=$(apt-cache policy rsh-server | sed -n 's/^ *Candidate: //p')
  fi
  echo "install-test-deps: unpacking rsh-server $version (not installed, no service) into $cache/$version"
  # apt downloads as _apt: a private folder it may write.
  dl=$(mktemp -d)
  $SUDO chown _apt "$dl" 2>/dev/null || true
  (cd "$dl" && $SUDO apt-get download -q "rsh-server=$version")
  $SUDO install -d -m 755 "$cache"
  $SUDO rm -rf "$cache/$version.partial"
  $SUDO dpkg-deb -x "$dl"/rsh-server_*.deb "$cache/$version.partial"
  $SUDO mv "$cache/$version.partial" "$cache/$version"
  $SUDO rm -rf "$dl"
fi

# An earlier version of this suite installed rsh-server, which enabled the
# daemons in inetd for every interface: turn those entries off.
if [ -e /etc/inetd.conf ] && grep -Eq '^(exec|login|shell)[[:space:]]' /etc/inetd.conf; then
  if dpkg-query -W -f='${Status}' rsh-server 2>/dev/null | grep -q 'install ok installed'; then
    echo "install-test-deps: rsh-server's inetd entries serve rexec, rlogin and rsh to the network: disabling them"
    $SUDO update-inetd --disable exec,login,shell
  fi
fi
