#!/usr/bin/env bash
# run-engine-fuzz.sh: build the engine fuzzer (libFuzzer + ASan + UBSan) and
# run it on the seed corpus.
#
#   fuzz/run-engine-fuzz.sh [--runs N | --seconds S] [--jobs J] [--work DIR]
#                           [--coverage] [--replay FILE...] [-- LIBFUZZER-ARGS...]
#
# Default: --runs 200000 (the bounded CI smoke run, well under a minute).
# --seconds S fuzzes for S seconds (long runs by hand).  --jobs J runs J
# fuzzing processes in parallel (libFuzzer -fork=J).  New inputs go to
# WORK/corpus (default: a new private folder, removed at the end unless a
# crash is in it), crashes to WORK/artifacts;
# the committed seeds (fuzz/corpus) are only read.  --replay runs the given
# inputs once each (reproducers) and exits with their status.  --coverage
# (after a run) replays WORK/corpus and the seeds through a clang
# source-coverage build and prints llvm-cov's report for engine/exec-stream.c.
# Also builds WORK/fuzz-exec-stream-standalone (gcc, no sanitizer, a main()
# that runs files) for valgrind or a debugger.
# Exit status: 0 when no invariant broke and no sanitizer reported.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")

runs=200000
seconds=""
jobs=1
work=""
replay=()
extra=()
coverage=0
while [ $# -gt 0 ]; do
  case $1 in
    --runs) runs=$2; seconds=""; shift 2 ;;
    --seconds) seconds=$2; runs=""; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --replay) shift; replay=("$@"); break ;;
    --coverage) coverage=1; shift ;;
    --) shift; extra=("$@"); break ;;
    -h|--help) sed -n '2,18p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-engine-fuzz: unknown argument $1" >&2; exit 2 ;;
  esac
done

command -v clang >/dev/null || { echo "run-engine-fuzz: clang missing (tests/install-test-deps.sh)" >&2; exit 2; }
if [ -z "$work" ]; then
  work=$(mktemp -d)   # never a fixed /tmp path: another user could own it first
  trap '[ -n "$(ls -A "$work/artifacts" 2>/dev/null)" ] && echo "run-engine-fuzz: crashes kept in $work/artifacts" || rm -rf "$work"' EXIT
fi
mkdir -p "$work/corpus" "$work/artifacts"
bin="$work/fuzz-exec-stream"
# -O1 -g: readable reports; -fno-sanitize-recover: a UBSan report is fatal.
clang -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
  -fno-sanitize-recover=all -Wall -Wextra -I"$root/engine" \
  -o "$bin" "$here/fuzz-exec-stream.c" "$root/engine/exec-stream.c" "$root/engine/exec-overlap.c" "$root/engine/exec-frame.c"
gcc -g -O1 -Wall -Wextra -DEXEC_FUZZ_STANDALONE -I"$root/engine" \
  -o "$work/fuzz-exec-stream-standalone" "$here/fuzz-exec-stream.c" "$root/engine/exec-stream.c" "$root/engine/exec-overlap.c" "$root/engine/exec-frame.c"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

if [ "$coverage" -eq 1 ]; then
  cov="$work/coverage"
  mkdir -p "$cov"
  clang -g -O0 -fprofile-instr-generate -fcoverage-mapping -DEXEC_FUZZ_STANDALONE -I"$root/engine" \
    -o "$cov/fuzz-exec-stream-cov" "$here/fuzz-exec-stream.c" "$root/engine/exec-stream.c" "$root/engine/exec-overlap.c" "$root/engine/exec-frame.c"
  rm -f "$cov"/*.profraw
  # One process per 200 inputs (a profile per process).
  find "$work/corpus" "$here/corpus" -type f -print0 |
    LLVM_PROFILE_FILE="$cov/%p.profraw" EXEC_FUZZ_VERBOSE=0 xargs -0 -n 200 "$cov/fuzz-exec-stream-cov" >/dev/null
  profdata=$(command -v llvm-profdata-14 || command -v llvm-profdata)
  llvmcov=$(command -v llvm-cov-14 || command -v llvm-cov)
  "$profdata" merge -sparse -o "$cov/merged.profdata" "$cov"/*.profraw
  "$llvmcov" report "$cov/fuzz-exec-stream-cov" -instr-profile="$cov/merged.profdata" "$root/engine/exec-stream.c"
  "$llvmcov" show "$cov/fuzz-exec-stream-cov" -instr-profile="$cov/merged.profdata" \
    "$root/engine/exec-stream.c" -show-line-counts-or-regions >"$cov/exec-stream.c.txt"
  echo "run-engine-fuzz: annotated source: $cov/exec-stream.c.txt (lines with 0 were never run)"
  exit 0
fi

if [ ${#replay[@]} -gt 0 ]; then
  exec "$bin" "${replay[@]}"
fi

args=(-max_len=16384 -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -dict="$here/exec.dict" -artifact_prefix="$work/artifacts/")
if [ -n "$runs" ]; then
  args+=(-runs="$runs")
else
  args+=(-max_total_time="$seconds")
fi
[ "$jobs" -gt 1 ] && args+=(-fork="$jobs" -ignore_crashes=0)
log="$work/fuzz.log"
echo "run-engine-fuzz: $bin ${args[*]} ${extra[*]} (log $log)"
start=$SECONDS
rc=0
"$bin" "${args[@]}" "${extra[@]}" "$work/corpus" "$here/corpus" >"$log" 2>&1 || rc=$?
# The last status line and the final stats.
grep -E '^#[0-9]+' "$log" | tail -1 || true
grep -E '^stat::' "$log" || true
echo "run-engine-fuzz: $((SECONDS - start)) s, corpus $(find "$work/corpus" -type f | wc -l) files, exit $rc"
if [ "$rc" -ne 0 ] || grep -qE 'ERROR: (AddressSanitizer|libFuzzer)|runtime error:|invariant failed' "$log"; then
  grep -E -A30 'ERROR: |runtime error:|invariant failed' "$log" | head -60
  ls -l "$work/artifacts" >&2
  echo "run-engine-fuzz: FAILED (reproduce: $0 --replay $work/artifacts/<file>)" >&2
  exit 1
fi
echo "run-engine-fuzz: ok"
