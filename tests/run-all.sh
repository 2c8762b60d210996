#!/usr/bin/env bash
# The README's test command: the whole test suite, as CI runs it.
# Installs what is missing, then runs each part; prints one line per part
# and closes with 'suites: N passed, N failed'.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# Network namespaces, tcpdump, the daemons' sandbox and the chroots need root:
# a user's run goes through sudo (nothing is then written into the checkout).
if [ "$(id -u)" -ne 0 ]; then
  echo "run-all: the tests need root (network namespaces, tcpdump, chroots): running through sudo"
  exec sudo --preserve-env=CI,EXEC_NESTED_RUN -- bash "$root/tests/run-all.sh" "$@"
fi
export PYTHONDONTWRITEBYTECODE=1

bash tests/install-test-deps.sh || { echo "suites: 0 passed, 1 failed"; exit 1; }

passed=0 failed=0 summary=() reasons=()
# run_part NAME COMMAND...: runs one part, its output also kept, so that a failed part's reasons
# can be repeated at the very end (CI shows only the last lines of a run).
run_part() {
  local name=$1; shift
  local start=$SECONDS log="$scratch/part-$((passed + failed)).log" rc
  echo
  echo "######## $name"
  "$@" 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  if [ "$rc" -eq 0 ]; then
    passed=$((passed + 1)); summary+=("ok   $name ($((SECONDS - start)) s)")
  else
    failed=$((failed + 1)); summary+=("FAIL $name ($((SECONDS - start)) s)")
    reasons+=("why: $name (exit $rc):")
    mapfile -t -O "${#reasons[@]}" reasons < <(grep -E 'FAIL|exit [1-9]|[Ee]rror|should ' "$log" | tail -n 15 | cut -c1-300 | sed 's/^/  /')
  fi
}

# The host's `-T fields` dumps are the reference the other Wireshark versions
# must match; the host's state is what the suite must leave as it was.
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
host_fields="$scratch/host-fields"
mkdir "$host_fields"
bash tests/security/check-host.sh snapshot "$scratch/host-state"
run_part "host safety: no rexec, rlogin or rsh service exposed, no test account; the check sees each" \
  eval 'bash tests/security/check-host.sh exposure && bash tests/security/test-check-host.sh'
run_part "host suite: build, engine, captures, fresh daemon traffic" \
  bash tests/run-suite.sh --fields-out "$host_fields"
run_part "hostile captures: expected expert info, bounded time and memory" bash tests/hostile/run-hostile.sh
# Inside scripts/matrix/run-fresh.sh's chroots (EXEC_NESTED_RUN), the parts
# that test the machine run; those that test only the code (Wireshark's
# checkers, fuzzing) and the chroots are the outer run's, done once.
if [ -z "${EXEC_NESTED_RUN:-}" ]; then
  run_part "Wireshark's own checkers (checkAPIs, checkhf, checkfiltername, typed item calls, tfs, cppcheck): zero findings" \
    bash tests/checkers/run-checkers.sh
  run_part "engine fuzzing smoke run (libFuzzer, ASan+UBSan, 200000 executions)" \
    bash fuzz/run-engine-fuzz.sh --runs 200000
  run_part "tshark under ASan+UBSan over mutated captures, valgrind (bounded)" \
    bash fuzz/run-tshark-fuzz.sh --quick
  run_part "Wireshark 4.4 (Debian 13) and 4.6 (sid) in debootstrap chroots: same suite, identical dumps, the Debian package" \
    bash scripts/matrix/run-matrix.sh --host-fields "$host_fields"
  run_part "fresh Debian 12, the README's two commands: as root install then test, as a new user with sudo test then install" \
    bash scripts/matrix/run-fresh.sh
else
  echo
  echo "######## nested run (scripts/matrix/run-fresh.sh): checkers, fuzzing and chroots are the outer run's"
fi

run_part "host left as found: account, PAM, inetd and hosts files, namespaces, daemons" \
  bash tests/security/check-host.sh compare "$scratch/host-state"

echo
echo "######## summary"
printf '%s\n' "${summary[@]}"
[ ${#reasons[@]} -eq 0 ] || printf '%s\n' "${reasons[@]}"
echo "suites: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
