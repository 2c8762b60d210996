#!/usr/bin/env bash
# The README's test command: the whole test suite, as CI runs it.
# Installs what is missing, then runs each part; prints one line per part
# and closes with 'suites: N passed, N failed'.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

bash scripts/install-deps.sh || { echo "suites: 0 passed, 1 failed"; exit 1; }

passed=0 failed=0 summary=()
fields=$(mktemp -d /tmp/exec-fields.XXXXXX)   # the host's dumps, for the matrix
trap 'rm -rf "$fields"' EXIT
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

run_part "host suite: build, engine, captures, fresh daemon traffic" \
  bash tests/run-suite.sh --fields-out "$fields"
run_part "Wireshark 4.4 (Debian 13) and 4.6 (sid): same suite in chroots, same -T fields output" \
  bash scripts/matrix/run-matrix.sh --host-fields "$fields"

echo
echo "######## summary"
printf '%s\n' "${summary[@]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
