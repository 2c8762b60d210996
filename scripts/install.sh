#!/usr/bin/env bash
# The README's first command: installs the missing Debian packages, builds the
# plugin, installs it where Wireshark and tshark load it, and dissects a
# bundled capture with it.
#   scripts/install.sh            as a user: into ~/.local/lib/wireshark/plugins
#                                 (apt runs through sudo)
#   scripts/install.sh --system   into Wireshark's global plugin folder (sudo)
# As root the install is always system-wide: Wireshark ignores personal
# plugins when it runs as root.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
capture="$root/test-captures/glibc-success-stderr.pcap"

system=0
[ "${1:-}" = "--system" ] && system=1
[ "$(id -u)" -eq 0 ] && system=1
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"

bash "$root/scripts/install-deps.sh"

build="$root/build"
user_install=ON
[ "$system" -eq 1 ] && user_install=OFF
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXEC_INSTALL_USER=$user_install >/dev/null
cmake --build "$build" -j "$(nproc)"
if [ "$system" -eq 1 ]; then
  $SUDO cmake --install "$build"
else
  cmake --install "$build"
fi

echo
echo "== tshark -G plugins"
tshark -G plugins 2>/dev/null | grep -E '^exec\.so' || { echo "the plugin did not load" >&2; exit 1; }
echo
echo "== tshark -r ${capture#"$root"/}"
tshark -r "$capture" -Y exec 2>/dev/null
echo
echo "== the decoded session (tshark -O exec, handshake and reply frames)"
tshark -r "$capture" -Y 'exec.username or exec.status' -O exec 2>/dev/null | grep -vE '^(Frame|Ethernet|Linux|Internet|Transmission|\s*\[)' || true
