#!/usr/bin/env bash
# Builds and tests the plugin against the Wireshark of each Debian suite (in chroots) and checks that
# every `-T fields` dump is byte-identical to the host's.
# Usage: run-matrix.sh [--host-fields DIR] [SUITE...]      (default suites: trixie sid)
# Each environment runs: tests/run-suite.sh --no-daemon --fields-out DIR   (see README.md)
# Each chroot then runs tests/package/check-package.sh: the Debian package built, installed, used on a
# capture, removed and purged (never on the host, where it would replace the user's installed copy).
set -euo pipefail
here=$(dirname "$0")
. "$here/lib.sh"

usage() { echo "usage: $0 [--host-fields DIR] [SUITE...]   (suites: ${MATRIX_SUITES[*]})" >&2; exit 2; }
host_fields=
suites=()
while [ $# -gt 0 ]; do
  case $1 in
    --host-fields) [ $# -ge 2 ] || usage; host_fields=$2; shift 2 ;;
    -*) usage ;;
    *) matrix_suite_dir "$1" >/dev/null || usage; suites+=("$1"); shift ;;
  esac
done
[ ${#suites[@]} -gt 0 ] || suites=("${MATRIX_SUITES[@]}")
matrix_require_root
[ -f "$REPO_ROOT/tests/run-suite.sh" ] || { echo "run-matrix: $REPO_ROOT/tests/run-suite.sh is missing" >&2; exit 1; }
if [ -n "$host_fields" ]; then
  [ -d "$host_fields" ] || { echo "run-matrix: --host-fields $host_fields is not a directory" >&2; exit 1; }
  host_fields=$(cd "$host_fields" && pwd)
fi

out=$(mktemp -d /tmp/exec-matrix.XXXXXX)
echo "run-matrix: logs and dumps in $out"
# A hung test must not hold CI: each run-suite gets this long.
suite_timeout=1200
package_timeout=600
total_start=$SECONDS
failed=0
rows=()
failed_logs=()

count_files() { find "$1" -type f 2>/dev/null | wc -l; }
# The build-warnings line run-suite.sh prints; "?" when it printed none.
warnings_of() { sed -n 's/^build-warnings: \([0-9][0-9]*\)$/\1/p' "$1" | tail -n 1 | grep . || echo '?'; }
# "pass"/"FAIL rc=N", plus the runner's last "N passed, N failed" line when there is one.
result_of() {
  local summary
  summary=$(grep -Eo '[0-9]+ passed, [0-9]+ failed(, [0-9]+ skipped)?' "$2" | tail -n 1 || true)
  if [ "$1" -eq 0 ]; then echo "pass${summary:+ ($summary)}"; else echo "FAIL rc=$1${summary:+ ($summary)}"; fi
}
row() { rows+=("$(printf '%s\t' "$@")"); }

# Host: the reference dumps, unless given.
if [ -n "$host_fields" ]; then
  row host "$(tshark --version 2>/dev/null | head -n 1)" - - "given" "$(count_files "$host_fields") dumps: reference" \
    "not on the host"
else
  host_fields=$out/host/fields
  mkdir -p "$out/host"
  echo "run-matrix: host: run-suite"
  start=$SECONDS
  rc=0
  (cd "$REPO_ROOT" && matrix_timeout "$suite_timeout" bash tests/run-suite.sh --no-daemon \
    --fields-out "$host_fields") </dev/null >"$out/host.log" 2>&1 || rc=$?
  warnings=$(warnings_of "$out/host.log")
  if [ "$rc" -ne 0 ] || [ "$warnings" = '?' ]; then failed=1; failed_logs+=("$out/host.log"); fi
  row host "$(tshark --version 2>/dev/null | head -n 1)" "$((SECONDS - start)) s" "$warnings" \
    "$(result_of "$rc" "$out/host.log")" "$(count_files "$host_fields") dumps: reference" "not on the host"
fi
# Identical but empty dump sets would prove nothing.
if [ "$(count_files "$host_fields")" -eq 0 ]; then
  echo "run-matrix: no host dumps in $host_fields" >&2
  failed=1
fi

for suite in "${suites[@]}"; do
  dir=$(matrix_suite_dir "$suite")
  log=$out/$suite.log
  echo "run-matrix: $suite: make-chroot"
  start=$SECONDS
  if ! "$here/make-chroot.sh" "$suite" </dev/null >"$out/$suite.make.log" 2>&1; then
    failed_logs+=("$out/$suite.make.log")
    row "$suite" - "$((SECONDS - start)) s" - "chroot FAILED" - -
    failed=1
    continue
  fi
  chroot_time=$((SECONDS - start))
  version=$("$here/run-in-chroot.sh" "$suite" -- sh -c 'tshark --version 2>/dev/null | head -n 1' </dev/null) ||
    version='?'
  echo "run-matrix: $suite: run-suite"
  start=$SECONDS
  rc=0
  # No dump, plugin or preference survives from the last run.
  # shellcheck disable=SC2016   # expanded by the shell in the chroot
  "$here/run-in-chroot.sh" "$suite" -- sh -c \
    'rm -rf "$2" /root/.local/lib/wireshark /root/.config/wireshark &&
     exec timeout --foreground -k 30 "$1" bash tests/run-suite.sh --no-daemon --fields-out "$2"' \
    sh "$suite_timeout" "/tmp/fields-$suite" </dev/null >"$log" 2>&1 || rc=$?
  run_time=$((SECONDS - start))
  mkdir -p "$out/$suite"
  rm -rf "$out/$suite/fields"
  [ ! -d "$dir/tmp/fields-$suite" ] || cp -a "$dir/tmp/fields-$suite" "$out/$suite/fields"
  if [ "$(count_files "$out/$suite/fields")" -eq 0 ]; then
    same="no: no dumps"
  elif diff -r -u "$host_fields" "$out/$suite/fields" >"$out/$suite.diff" 2>&1; then
    same="yes ($(count_files "$out/$suite/fields") dumps)"
  else
    same="NO: see diff below"
  fi
  warnings=$(warnings_of "$log")
  if [ "$rc" -ne 0 ] || [ "$warnings" = '?' ]; then failed=1; failed_logs+=("$log"); fi
  [ "${same%% *}" = yes ] || failed=1

  # The package: built in the chroot's /tmp, installed, used, purged; it refuses to run on a host.
  echo "run-matrix: $suite: check-package"
  start=$SECONDS
  package_rc=0
  "$here/run-in-chroot.sh" "$suite" -- timeout --foreground -k 30 "$package_timeout" \
    bash tests/package/check-package.sh </dev/null >"$out/$suite.package.log" 2>&1 || package_rc=$?
  if [ "$package_rc" -ne 0 ]; then failed=1; failed_logs+=("$out/$suite.package.log"); fi
  package="$(result_of "$package_rc" "$out/$suite.package.log") in $((SECONDS - start)) s"
  row "$suite" "$version" "${chroot_time}+${run_time} s" "$warnings" "$(result_of "$rc" "$log")" "$same" "$package"
done

echo
{ printf '%s\t' suite wireshark 'time (chroot+run)' 'build warnings' tests 'fields identical' 'package'; echo; printf '%s\n' "${rows[@]}"; } |
  awk -F'\t' '{ for (i = 1; i < NF; i++) { cell[NR, i] = $i; if (length($i) > w[i]) w[i] = length($i) } }
       END { for (r = 1; r <= NR; r++) { line = ""
               for (i = 1; i <= 7; i++) line = line sprintf("%-" (w[i] + 2) "s", cell[r, i]); print line } }'
for suite in "${suites[@]}"; do
  if [ -s "$out/$suite.diff" ]; then
    echo; echo "== $suite: first differences from the host dumps ($out/$suite.diff)"
    head -n 40 "$out/$suite.diff"
  fi
done
for log in "${failed_logs[@]}"; do
  echo; echo "== end of $log"
  tail -n 30 "$log"
done
echo
echo "run-matrix: total $((SECONDS - total_start)) s; logs in $out"
if [ "$failed" -ne 0 ]; then echo "run-matrix: FAILED"; exit 1; fi
echo "run-matrix: all environments pass with identical dumps; the package passes in every chroot"
