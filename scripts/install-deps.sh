#!/usr/bin/env bash
# Installs the Debian packages the project needs to build, test and make captures.
# Idempotent: apt is asked only for what is missing. Run as root (or with sudo).
set -euo pipefail

packages=(
  # build
  cmake gcc make pkg-config libglib2.0-dev wireshark-dev libwireshark-dev
  # run and inspect captures
  tshark
  # make real traffic: the daemon, its PAM stack, capture and plumbing
  rsh-server tcpdump socat iproute2 passwd
  # tests/heuristic: real rsh and rlogin clients against in.rshd / in.rlogind
  rsh-client
  # make-captures.sh turns off segmentation offload on lo (real-sized segments)
  ethtool
  # fuzzing and sanitizers
  clang libclang-rt-14-dev valgrind
  # fuzz/run-engine-fuzz.sh --coverage: llvm-profdata-14, llvm-cov-14
  llvm-14
  # bench/run-bench.py: /usr/bin/time measures CPU time and peak memory
  time
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
