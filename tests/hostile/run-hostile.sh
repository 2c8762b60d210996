#!/usr/bin/env bash
# run-hostile.sh: build the plugin into a private HOME and run check_hostile.py
# over the committed hostile captures (what CI runs; about 2-4 minutes).
#   tests/hostile/run-hostile.sh [CASE ...]
# Exit status: check_hostile.py's (0 when every case passed).
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)

work=$(mktemp -d /tmp/exec-hostile.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
cmake -S "$root" -B "$work/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXEC_INSTALL_USER=OFF \
  >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 1; }
cmake --build "$work/build" -j "$(nproc)" --target exec >"$work/build.log" 2>&1 ||
  { cat "$work/build.log"; exit 1; }
version=$(tshark --version 2>/dev/null | sed -n '1s/.*Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
home="$work/home"
mkdir -p "$home/.local/lib/wireshark/plugins/$version/epan"
cp "$work/build/exec.so" "$home/.local/lib/wireshark/plugins/$version/epan/"
chmod -R a+rX "$home"
# tshark runs as nobody when we are root: the captures must be readable.
chmod a+r "$here"/*.pcap "$here"/*.pcap.gz 2>/dev/null || true
EXEC_TEST_HOME="$home" /usr/bin/python3 "$here/check_hostile.py" "$@"
