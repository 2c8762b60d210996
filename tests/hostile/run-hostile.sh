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
. "$root/tests/plugin-home.sh"
home="$work/home"
plugin_home "$work/build/exec.so" "$home"
global_plugins_without_exec "$work/global-plugins"
# tshark runs as nobody when we are root, who may not enter the checkout (a
# home folder): it reads copies of the captures.
mkdir "$work/captures"
cp "$here"/*.pcap "$here"/*.pcap.gz "$work/captures/"
chmod -R a+rX "$work/captures"
EXEC_TEST_HOME="$home" /usr/bin/python3 "$here/check_hostile.py" --dir "$work/captures" "$@"
