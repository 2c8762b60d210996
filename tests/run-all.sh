#!/usr/bin/env bash
# The README's test command: the whole test suite, as CI runs it.
# Installs what is missing, then runs each part; prints one line per part
# and closes with 'suites: N passed, N failed'.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-deps.sh || { echo "suites: 0 passed, 1 failed"; exit 1; }

passed=0 failed=0 summary=()
run_part() {
  local name=$1; shift
  local start=$SECONDS
  echo
  echo "######## $name"
  if "$@"; then
    passed=$((passed + 1)); summary+=("ok   $name ($((SECONDS - start)) s)")
  else
    failed=$((failed + 1)); summary+=("FAIL $name ($((SECONDS - start)) s)")
  fi
}

# The host's `-T fields` dumps are the reference the other Wireshark versions must match.
host_fields=$(mktemp -d /tmp/exec-host-fields.XXXXXX)
trap 'rm -rf "$host_fields"' EXIT
run_part "host suite: build, engine, captures, fresh daemon traffic" \
  bash tests/run-suite.sh --fields-out "$host_fields"
run_part "Wireshark's own checkers (checkAPIs, checkhf, checkfiltername, typed item calls, tfs, cppcheck): zero findings" \
  bash tests/checkers/run-checkers.sh
run_part "engine fuzzing smoke run (libFuzzer, ASan+UBSan, 200000 executions)" \
  bash fuzz/run-engine-fuzz.sh --runs 200000
run_part "hostile captures: expected expert info, bounded time and memory" bash tests/hostile/run-hostile.sh
run_part "tshark under ASan+UBSan over mutated captures, valgrind (bounded)" \
  bash fuzz/run-tshark-fuzz.sh --quick
run_part "Wireshark 4.4 (Debian 13) and 4.6 (sid) in debootstrap chroots: same suite, identical dumps" \
  bash scripts/matrix/run-matrix.sh --host-fields "$host_fields"

echo
echo "######## summary"
printf '%s\n' "${summary[@]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
