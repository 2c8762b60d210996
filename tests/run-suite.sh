#!/usr/bin/env bash
# The version-independent test suite: builds the plugin against the installed
# Wireshark (warnings counted), runs the engine unit tests, then tshark with
# the plugin over every committed capture, and (unless --no-daemon) over
# fresh traffic from the real in.rexecd.
#   tests/run-suite.sh [--no-daemon] [--fields-out DIR]
# --fields-out writes one `-T fields` dump per capture (compared across
# Wireshark versions by scripts/matrix/run-matrix.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
daemon=1
fields_out=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-daemon) daemon=0 ;;
    --fields-out) fields_out=$2; shift ;;
    *) echo "usage: $0 [--no-daemon] [--fields-out DIR]" >&2; exit 2 ;;
  esac
  shift
done

work=$(mktemp -d /tmp/exec-suite.XXXXXX)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
failed=0

echo "== build (clean, -Wall -Wextra)"
build="$work/build"
cmake -S "$root" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXEC_INSTALL_USER=OFF -DEXEC_ORDER_TEST=ON \
  >"$work/cmake.log" 2>&1 \
  || { cat "$work/cmake.log"; exit 1; }
cmake --build "$build" -j "$(nproc)" >"$work/build.log" 2>&1 || { cat "$work/build.log"; exit 1; }
warnings=$(grep -c 'warning:' "$work/build.log" || true)
grep 'warning:' "$work/build.log" || true
echo "build-warnings: $warnings"
[ "$warnings" -eq 0 ] || failed=1

echo "== engine unit tests (ctest)"
(cd "$build" && ctest --output-on-failure) || failed=1

echo "== tshark over the committed captures"
# A private HOME holds the plugin; tshark runs unprivileged because
# Wireshark ignores personal plugins as root.  An installed copy is never
# loaded (tests/plugin-home.sh).
. "$root/tests/plugin-home.sh"
home="$work/home"
plugin_home "$build/exec.so" "$home"
global_plugins_without_exec "$work/global-plugins"
installed_copy_note "$build/exec.so"
export EXEC_TEST_HOME="$home"
# tshark runs as nobody, who may not enter the checkout (a clone under
# /root): it reads copies of the captures.
mkdir -p "$work/captures" "$work/impaired" "$work/heuristic"
cp "$root"/test-captures/*.pcap "$root"/test-captures/expected.tsv "$work/captures/"
cp "$root"/tests/impaired/*.pcap "$root"/tests/impaired/expected.tsv "$work/impaired/"
cp "$root"/tests/heuristic/*.pcap "$work/heuristic/"
chmod -R a+rX "$work"
fields_args=()
[ -n "$fields_out" ] && fields_args=(--fields-out "$fields_out")
/usr/bin/python3 "$root/tests/captures/check_captures.py" "${fields_args[@]}" \
  "$work"/captures/*.pcap || failed=1

echo "== the oracle over the hostile captures it models (bad stderr ports, a channel never connected, odd segments)"
mkdir -p "$work/hostile-oracle"
cp "$root"/tests/hostile/{port-1234567,port-99999,port-abc,port-minus1,stderr-never-connects,early-server,one-byte-segments}.pcap \
  "$work/hostile-oracle/"
chmod -R a+rX "$work/hostile-oracle"
/usr/bin/python3 "$root/tests/captures/check_captures.py" "$work"/hostile-oracle/*.pcap || failed=1

echo "== every start of every capture: without its first k frames, for every k, never a wrong field"
/usr/bin/python3 "$root/tests/impaired/check_every_start.py" "$work"/captures/*.pcap || failed=1

echo "== impaired captures: loss, duplicates, reordering, deleted and truncated frames"
/usr/bin/python3 "$root/tests/impaired/check_impaired.py" --dir "$work/impaired" || failed=1

echo "== the multi-session captures slowed down 10x, each session released as the first pass goes: the oracle, export, any order, late copies"
/usr/bin/python3 "$root/tests/impaired/check_released.py" --program "$build/redissect-order" "$work/captures" || failed=1

echo "== export objects (--export-objects exec): each stream byte for byte against the wire and the clients, three TCP modes, a second listener, stderr segments reordered"
/usr/bin/python3 "$root/tests/export/check_export.py" --suite "$work" || failed=1

echo "== re-dissection in file, random and reverse order, as the GUI does, in four TCP modes and with the heuristic"
/usr/bin/python3 "$root/tests/order/check_order.py" --program "$build/redissect-order" \
  "$root"/test-captures/*.pcap "$root"/tests/impaired/*.pcap "$root"/tests/hostile/*.pcap* \
  "$root"/tests/heuristic/*.pcap || failed=1

echo "== heuristic, port options, disabling, taps, preferences, uninstall"
/usr/bin/python3 "$root/tests/heuristic/check_heuristic.py" --captures "$work/heuristic" \
  --test-captures "$work/captures" || failed=1

echo "== fallback: the protocol registered by the plugin when no built-in exists"
fallback_build="$work/build-fallback"
fallback_home="$work/home-fallback"
cmake -S "$root" -B "$fallback_build" -DEXEC_TEST_FALLBACK=ON -DEXEC_INSTALL_USER=OFF >"$work/cmake-fallback.log" 2>&1 \
  && cmake --build "$fallback_build" --target exec >"$work/build-fallback.log" 2>&1 \
  || { cat "$work/cmake-fallback.log" "$work/build-fallback.log"; failed=1; }
plugin_home "$fallback_build/exec.so" "$fallback_home"
EXEC_FALLBACK_HOME="$fallback_home" /usr/bin/python3 "$root/tests/fallback/check_fallback.py" \
  "$work"/captures/*.pcap || failed=1

if [ "$daemon" -eq 1 ]; then
  echo "== fresh traffic from the real in.rexecd"
  fresh="$work/fresh"
  mkdir -p "$fresh"
  if bash "$root/test-captures/make-captures.sh" --outdir "$fresh" >"$work/fresh.log" 2>&1; then
    chmod -R a+rX "$fresh"
    /usr/bin/python3 "$root/tests/captures/check_captures.py" "$fresh"/*.pcap || failed=1
  else
    tail -30 "$work/fresh.log"
    echo "fresh traffic: make-captures.sh failed" >&2
    failed=1
  fi
fi

exit $failed
