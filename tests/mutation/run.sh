#!/usr/bin/env bash
# run.sh: a mutation run by hand.  Applies each mutant of mutants.txt (one
# single realistic bug, named by an exact source snippet) to a scratch copy
# of the tree, rebuilds, and runs the checks of tests/run-suite.sh
# --no-daemon in order, cheapest first, until one fails:
#   build (a mutant that does not build without warnings is invalid, not killed),
#   ctest (engine unit tests), captures (check_captures.py: the oracle, one
#   and two passes), impaired (check_impaired.py), hostile (check_hostile.py,
#   the small cases: not the 1 MB and 10,000-session ones), heuristic
#   (check_heuristic.py: heuristic, ports, taps, preferences), export
#   (check_export.py, as tests/run-suite.sh runs it), order
#   (check_order.py), released (check_released.py: sessions released as the
#   first pass goes), fallback (check_fallback.py).
# Prints one line per mutant, killed (by the first check that failed) or
# survived, and last `mutants: K killed, S survived`.
#   tests/mutation/run.sh [--list FILE] [--no-baseline] [NAME ...]
# Without NAMEs every mutant of the list.  The unmutated copy is checked
# first (all checks must pass), unless --no-baseline.  Exit status 0 when
# every mutant was killed, 1 when one survived or was invalid, 2 when a
# snippet is not found exactly once or the baseline fails.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(cd "$here/../.." && pwd)
list="$here/mutants.txt"
baseline=1
names=()
while [ $# -gt 0 ]; do
  case "$1" in
    --list) list=$2; shift ;;
    --no-baseline) baseline=0 ;;
    -*) echo "usage: $0 [--list FILE] [--no-baseline] [NAME ...]" >&2; exit 2 ;;
    *) names+=("$1") ;;
  esac
  shift
done
py=/usr/bin/python3
apply() { "$py" "$here/apply.py" "$list" "$@"; }

# Every snippet exactly once, before anything runs.
apply check "$root" "${names[@]}" || { echo "mutation list does not match the sources" >&2; exit 2; }
mapfile -t selected < <(apply names "${names[@]}")

start=$(date +%s)
work=$(mktemp -d /tmp/exec-mutation.XXXXXX)
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
chmod 755 "$work"
tree="$work/tree"
mkdir "$tree"
# The sources and tests, not .git or old build folders.
(cd "$root" && tar cf - --exclude=./.git --exclude='./build*' .) | (cd "$tree" && tar xf -)
jobs=2

build="$work/build"
fbuild="$work/build-fallback"
cmake -S "$tree" -B "$build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXEC_INSTALL_USER=OFF -DEXEC_ORDER_TEST=ON \
  >"$work/cmake.log" 2>&1 || { cat "$work/cmake.log"; exit 2; }
cmake -S "$tree" -B "$fbuild" -DEXEC_TEST_FALLBACK=ON -DEXEC_INSTALL_USER=OFF \
  >"$work/cmake-fallback.log" 2>&1 || { cat "$work/cmake-fallback.log"; exit 2; }

. "$tree/tests/plugin-home.sh"
global_plugins_without_exec "$work/global-plugins"
home="$work/home"
fhome="$work/home-fallback"
export EXEC_TEST_HOME="$home"
mkdir -p "$work/captures" "$work/impaired" "$work/heuristic" "$work/hostile"
cp "$tree"/test-captures/*.pcap "$tree"/test-captures/expected.tsv "$work/captures/"
cp "$tree"/tests/impaired/*.pcap "$tree"/tests/impaired/expected.tsv "$work/impaired/"
cp "$tree"/tests/heuristic/*.pcap "$work/heuristic/"
cp "$tree"/tests/hostile/*.pcap "$work/hostile/"
chmod -R a+rX "$work"
# The hostile cases that run in seconds (the .pcap.gz ones take minutes).
hostile_cases=()
for f in "$work"/hostile/*.pcap; do hostile_cases+=("$(basename "$f" .pcap)"); done

# build: 0 built without warnings, 1 otherwise (log in $work/last-build.log).
build_plugin() {
  cmake --build "$build" -j "$jobs" >"$work/last-build.log" 2>&1 || return 1
  ! grep -q 'warning:' "$work/last-build.log" || return 1
  plugin_home "$build/exec.so" "$home"
}
build_fallback() {
  cmake --build "$fbuild" -j "$jobs" --target exec >"$work/last-build-fb.log" 2>&1 || return 1
  ! grep -q 'warning:' "$work/last-build-fb.log" || return 1
  plugin_home "$fbuild/exec.so" "$fhome"
}

# check NAME: runs one check, its output in $work/check-NAME.log.
check() {
  local log="$work/check-$1.log"
  case "$1" in
    ctest) (cd "$build" && ctest --output-on-failure) ;;
    captures) "$py" "$tree/tests/captures/check_captures.py" "$work"/captures/*.pcap ;;
    impaired) "$py" "$tree/tests/impaired/check_impaired.py" --dir "$work/impaired" ;;
    hostile) "$py" "$tree/tests/hostile/check_hostile.py" --dir "$work/hostile" "${hostile_cases[@]}" ;;
    heuristic) "$py" "$tree/tests/heuristic/check_heuristic.py" --captures "$work/heuristic" \
                 --test-captures "$work/captures" ;;
    export) "$py" "$tree/tests/export/check_export.py" --suite "$work" ;;
    order) "$py" "$tree/tests/order/check_order.py" --program "$build/redissect-order" \
             "$tree"/test-captures/*.pcap "$tree"/tests/impaired/*.pcap "$tree"/tests/hostile/*.pcap* \
             "$tree"/tests/heuristic/*.pcap ;;
    released) "$py" "$tree/tests/impaired/check_released.py" --program "$build/redissect-order" "$work/captures" ;;
    fallback) build_fallback && EXEC_FALLBACK_HOME="$fhome" "$py" "$tree/tests/fallback/check_fallback.py" \
                "$work"/captures/*.pcap ;;
  esac >"$log" 2>&1
}
checks=(ctest captures impaired hostile heuristic export order released fallback)

# first_failure: the name of the first check that fails, and its first FAIL line.
first_failure() {
  local c line
  for c in "${checks[@]}"; do
    if ! check "$c"; then
      line=$(grep -m1 -E '^FAIL|check failed|Failed|Error' "$work/check-$c.log" | cut -c1-110 || true)
      echo "$c${line:+: $line}"
      return 0
    fi
  done
  return 1
}

if [ "$baseline" -eq 1 ]; then
  build_plugin || { echo "baseline: the unmutated tree does not build without warnings" >&2; cat "$work/last-build.log"; exit 2; }
  if failure=$(first_failure); then
    echo "baseline: the unmutated tree fails $failure" >&2
    cat "$work/check-${failure%%:*}.log" >&2
    exit 2
  fi
  echo "baseline: every check passes ($(( $(date +%s) - start )) s)"
else
  build_plugin || { echo "baseline build failed" >&2; cat "$work/last-build.log"; exit 2; }
fi

killed=0 survived=0 invalid=0
for name in "${selected[@]}"; do
  t0=$(date +%s)
  file=$(apply file "$name")
  cp "$tree/$file" "$work/pristine"
  apply apply "$tree" "$name"
  if ! build_plugin; then
    invalid=$((invalid + 1))
    echo "INVALID  $name: does not build without warnings: $(grep -m1 -E 'warning:|error:' "$work/last-build.log" | cut -c1-120)"
  elif failure=$(first_failure); then
    killed=$((killed + 1))
    echo "killed   $name ($(( $(date +%s) - t0 )) s) by $failure"
  else
    survived=$((survived + 1))
    echo "SURVIVED $name ($(( $(date +%s) - t0 )) s): $(apply why "$name")"
  fi
  cp "$work/pristine" "$tree/$file"
  touch "$tree/$file"
done
# Leave the scratch build as it was, for the next run's baseline.
echo "time: $(( $(date +%s) - start )) s for ${#selected[@]} mutants"
[ "$invalid" -eq 0 ] || echo "invalid (not counted): $invalid"
echo "mutants: $killed killed, $survived survived"
[ "$survived" -eq 0 ] && [ "$invalid" -eq 0 ]
