#!/usr/bin/env bash
# Installs the Debian packages that building and running the plugin need
# (compiler, CMake, Wireshark's headers, tshark); the test command installs
# the rest (tests/install-test-deps.sh).  Idempotent: apt is asked only for
# what is missing, and the script says what it installs.  Root or sudo.
#   install-deps.sh [PACKAGE...]   these instead of the build set
set -euo pipefail

packages=("$@")
[ ${#packages[@]} -gt 0 ] || packages=(cmake gcc make pkg-config libglib2.0-dev wireshark-dev libwireshark-dev tshark)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: nothing to install (${#packages[@]} packages present)"
  exit 0
fi

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture; answer once, non-interactively.
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -q
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
