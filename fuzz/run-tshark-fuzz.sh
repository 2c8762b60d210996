#!/usr/bin/env bash
# run-tshark-fuzz.sh: tshark with the plugin under AddressSanitizer and
# UndefinedBehaviorSanitizer over mutated captures, then under valgrind.
#
#   fuzz/run-tshark-fuzz.sh [--quick] [--seeds N] [--jobs J] [--work DIR]
#                           [--batch N] [--no-asan] [--no-valgrind] [--keep]
#
# 1. Builds the plugin twice into a temp dir: with -DEXEC_SANITIZE=ON (ASan +
#    UBSan, fatal) and normally (for valgrind), each installed in a private
#    HOME.  tshark runs as nobody when we are root (Wireshark ignores personal
#    plugins as root), with LD_PRELOAD of gcc's libasan and libubsan,
#    ASAN_OPTIONS=detect_leaks=0, WIRESHARK_DEBUG_WMEM_OVERRIDE=strict and
#    WIRESHARK_ABORT_ON_DISSECTOR_BUG=1; `tshark -G fields` proves the plugin
#    loaded (-G plugins hangs under the preload).
# 2. Inputs: test-captures/*.pcap, tests/impaired/*.pcap (retransmissions,
#    with other bytes too, that the plugin finds in the frame) and
#    tests/hostile/*.pcap*.  Each is
#    dissected as is, and (the small ones) mutated: `editcap -E RATE --seed S`
#    (Wireshark's own fuzzing: random bit, byte, letter, format-string and
#    zero errors), the same with `-o 66` (headers kept, only payload mutated),
#    and `editcap -s SNAPLEN` truncations.  Runs alternate one pass (-V) and
#    two passes (-2 -V) and rotate through preferences that change the
#    plugin's paths (TCP reassembly off, absolute sequence numbers, no
#    sequence analysis, out-of-order reassembly, the exec_tcp heuristic).
#    Each unmodified capture is also exported (--export-objects exec,DIR,
#    one pass and two passes), and the export is one of the rotated
#    variants, so that mutated captures are exported too.
#    A run fails on a non-zero exit (a crash, an abort, a 300 s timeout), any
#    sanitizer report, 'Dissector bug', or '[Malformed Packet: EXEC'.
# 3. valgrind memcheck of tshark with the normal plugin over the unmodified
#    captures (WIRESHARK_DEBUG_WMEM_OVERRIDE=simple, so every wmem block is
#    its own malloc), exporting the objects as it goes: any memory error, or a definitely-lost leak allocated
#    through exec.so, fails (fuzz/valgrind-report.py).
#
# --quick: the bounded CI run (1 seed, 2 rates, 1 snaplen per capture, the
# mutated captures concatenated 10 to a tshark run (--batch), one valgrind run
# over all captures merged): a few minutes.  Default (full):
# --seeds 5 (per rate), 6 rates x 2 mutation kinds, 8 snaplens, both passes
# each, valgrind per capture: an hour or more, by hand.  Failing inputs, the
# command and the logs go to WORK/failures/<id>/ (WORK is kept then).
# Exit status: 0 when nothing failed.
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
root=$(dirname "$here")

# ------------------------------------------------------------------ worker
# --one "ID|FILE|ARGS": one sanitized tshark run (called through xargs).
if [ "${1:-}" = --one ]; then
  IFS='|' read -r id file args <<<"$2"
  out="$RUNS/$id"
  mkdir -p "$out"
  chmod 1777 "$out"                 # tshark, as nobody, writes exported objects there
  args=${args//@OBJECTS@/$out/objects}
  asan_env=(LD_PRELOAD="$ASAN_PRELOAD" ASAN_OPTIONS="detect_leaks=0:abort_on_error=1:print_summary=1"
            UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1"
            WIRESHARK_DEBUG_WMEM_OVERRIDE=strict WIRESHARK_ABORT_ON_DISSECTOR_BUG=1)
  # shellcheck disable=SC2086 # args are words on purpose
  cmd=(env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME="$ASAN_HOME" WIRESHARK_PLUGIN_DIR="$EXEC_TEST_PLUGIN_DIR" "${asan_env[@]}"
       tshark -r "$file" $args)
  [ "$(id -u)" -eq 0 ] && cmd=(setpriv --reuid=nobody --regid=nogroup --clear-groups "${cmd[@]}")
  rc=0
  timeout -k 5 300 "${cmd[@]}" >"$out/stdout" 2>"$out/stderr" || rc=$?
  why=""
  [ "$rc" -eq 0 ] || why="exit $rc"
  [ "$rc" -eq 124 ] && why="timeout (300 s)"
  if grep -qE 'ERROR: AddressSanitizer|runtime error:|ERROR: LeakSanitizer|SUMMARY: (Address|UndefinedBehavior)Sanitizer' "$out/stderr"; then
    why="${why:+$why, }sanitizer report"
  fi
  grep -q 'Dissector bug' "$out/stdout" "$out/stderr" && why="${why:+$why, }Dissector bug"
  grep -q '\[Malformed Packet: EXEC' "$out/stdout" && why="${why:+$why, }Malformed Packet: EXEC"
  if [ -n "$why" ]; then
    fail="$FAILURES/$id"
    mkdir -p "$fail"
    cp "$file" "$fail/"
    [ -f "$file.txt" ] && cp "$file.txt" "$fail/"   # a batch: which mutated captures
    mv "$out/stderr" "$fail/stderr"
    head -c 2000000 "$out/stdout" >"$fail/stdout.head"
    printf '%q ' "${cmd[@]}" | sed "s|$file|$fail/$(basename "$file")|" >"$fail/command"
    echo >>"$fail/command"
    echo "FAIL $id: $why: tshark -r $(basename "$file") $args"
  else
    echo "ok $id"
  fi
  rm -rf "$out"
  exit 0
fi

# ------------------------------------------------------------------ options
quick=0
seeds=5
jobs=$(nproc)
work=""
do_asan=1
do_valgrind=1
keep=0
batch=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=1; shift ;;
    --seeds) seeds=$2; shift 2 ;;
    --jobs) jobs=$2; shift 2 ;;
    --work) work=$2; shift 2 ;;
    --no-asan) do_asan=0; shift ;;
    --no-valgrind) do_valgrind=0; shift ;;
    --keep) keep=1; shift ;;
    --batch) batch=$2; shift 2 ;;
    -h|--help) sed -n '2,38p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "run-tshark-fuzz: unknown argument $1" >&2; exit 2 ;;
  esac
done
if [ "$quick" -eq 1 ]; then
  rates=(0.02 0.1); seeds=1; snaps=(70); payload_offset=66; batch=${batch:-10}
else
  rates=(0.001 0.005 0.02 0.05 0.1 0.3); snaps=(54 58 62 66 70 80 100 200); payload_offset=66
  batch=${batch:-1}
fi
variants=("" "-o tcp.desegment_tcp_streams:FALSE" "-o tcp.relative_sequence_numbers:FALSE"
          "--enable-heuristic exec_tcp" "-o tcp.analyze_sequence_numbers:FALSE"
          "-o tcp.reassemble_out_of_order:TRUE" "-o exec.info_show_username:FALSE -o exec.info_show_command:FALSE"
          "--export-objects exec,@OBJECTS@")

for tool in cmake tshark editcap mergecap gcc timeout; do
  command -v "$tool" >/dev/null || { echo "run-tshark-fuzz: $tool missing (tests/install-test-deps.sh)" >&2; exit 2; }
done
[ "$do_valgrind" -eq 0 ] || command -v valgrind >/dev/null ||
  { echo "run-tshark-fuzz: valgrind missing (tests/install-test-deps.sh)" >&2; exit 2; }

if [ -z "$work" ]; then
  work=$(mktemp -d /tmp/exec-tshark-fuzz.XXXXXX)
else
  mkdir -p "$work"
fi
chmod 755 "$work"
start=$SECONDS
failed=0
cleanup() {
  if [ "$keep" -eq 1 ] || [ "$failed" -ne 0 ]; then
    echo "run-tshark-fuzz: work dir kept: $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

# ------------------------------------------------------------------ build
. "$root/tests/plugin-home.sh"
build_plugin() { # build_plugin DIR HOME CMAKE-ARGS...
  local dir=$1 home=$2
  shift 2
  cmake -S "$root" -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DEXEC_INSTALL_USER=OFF "$@" \
    >"$dir.cmake.log" 2>&1 || { cat "$dir.cmake.log"; exit 1; }
  cmake --build "$dir" -j "$(nproc)" --target exec >"$dir.build.log" 2>&1 ||
    { cat "$dir.build.log"; exit 1; }
  plugin_home "$dir/exec.so" "$home"
}
echo "run-tshark-fuzz: building the plugin (sanitized and plain) in $work"
build_plugin "$work/build-asan" "$work/home-asan" -DEXEC_SANITIZE=ON
build_plugin "$work/build" "$work/home"
global_plugins_without_exec "$work/global-plugins"
chmod -R a+rX "$work"

export ASAN_HOME="$work/home-asan"
export ASAN_PRELOAD
ASAN_PRELOAD="$(gcc -print-file-name=libasan.so):$(gcc -print-file-name=libubsan.so)"
export RUNS="$work/runs" FAILURES="$work/failures"
mkdir -p "$RUNS" "$FAILURES"
chmod 1777 "$RUNS" "$FAILURES"

as_nobody() {
  if [ "$(id -u)" -eq 0 ]; then setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; else "$@"; fi
}
if ! as_nobody env -i PATH=/usr/bin:/bin HOME="$ASAN_HOME" WIRESHARK_PLUGIN_DIR="$EXEC_TEST_PLUGIN_DIR" LD_PRELOAD="$ASAN_PRELOAD" \
     ASAN_OPTIONS=detect_leaks=0 timeout 120 tshark -G fields 2>/dev/null | grep -q $'\texec\.status\t'; then
  echo "run-tshark-fuzz: the sanitized plugin did not load (no exec.status in tshark -G fields)" >&2
  failed=1
  exit 1
fi

# ------------------------------------------------------------------ inputs
in="$work/in"
mut="$work/mutated"
mkdir -p "$in" "$mut"
shopt -s nullglob
for f in "$root"/test-captures/*.pcap "$root"/tests/impaired/*.pcap "$root"/tests/hostile/*.pcap \
         "$root"/tests/hostile/*.pcap.gz; do
  cp "$f" "$in/"
done
inputs=("$in"/*)
[ ${#inputs[@]} -gt 0 ] || { echo "run-tshark-fuzz: no captures found" >&2; failed=1; exit 1; }

jobfile="$work/jobs.txt"
: >"$jobfile"
n=0
pending_one=()   # waiting for a one-pass batch
pending_two=()   # waiting for a two-pass batch
add_job() { # add_job FILE ARGS
  # Mutated captures are concatenated by --batch (mergecap -a) so that one
  # tshark start-up serves several: start-up is most of a run's time.
  if [ "$batch" -gt 1 ] && [[ $1 == "$mut"/* ]]; then
    if [ "$2" = "-V" ]; then
      pending_one+=("$1")
      [ ${#pending_one[@]} -ge "$batch" ] && flush_batch "-V"
    else
      pending_two+=("$1")
      [ ${#pending_two[@]} -ge "$batch" ] && flush_batch "-2 -V"
    fi
    return 0
  fi
  emit_job "$1" "$2"
}
flush_batch() { # flush_batch ARGS: the pending captures of that pass mode
  local merged files
  if [ "$1" = "-V" ]; then files=("${pending_one[@]}"); pending_one=()
  else files=("${pending_two[@]}"); pending_two=(); fi
  [ ${#files[@]} -gt 0 ] || return 0
  merged="$mut/batch-$(printf '%05d' $((n + 1))).pcap"
  mergecap -a -F pcap -w "$merged" "${files[@]}"
  printf '%s\n' "${files[@]##*/}" >"$merged.txt"
  emit_job "$merged" "$1"
}
emit_job() { # emit_job FILE ARGS
  n=$((n + 1))
  local variant=${variants[$((n % ${#variants[@]}))]}
  [ "$quick" -eq 1 ] && [ $((n % 3)) -ne 0 ] && variant=""
  [[ $2 == *--export-objects* ]] && variant=""   # one export a run
  printf '%05d|%s|%s %s\n' "$n" "$1" "$2" "$variant" >>"$jobfile"
}
passes() { # passes FILE INDEX: one pass, two passes, or both
  if [ "$quick" -eq 1 ]; then
    if [ $(($2 % 2)) -eq 0 ]; then add_job "$1" "-V"; else add_job "$1" "-2 -V"; fi
  else
    add_job "$1" "-V"
    add_job "$1" "-2 -V"
  fi
}
i=0
for f in "${inputs[@]}"; do
  base=$(basename "$f")
  base=${base%.gz}
  base=${base%.pcap}
  i=$((i + 1))
  passes "$f" "$i"
  # Export Objects > EXEC over the capture as it is: the objects collected
  # and handed over (exec-export.c), one pass and two.
  emit_job "$f" "-q --export-objects exec,@OBJECTS@"
  [ "$quick" -eq 1 ] || emit_job "$f" "-2 -q --export-objects exec,@OBJECTS@"
  # Big inputs (the 1 MB strings, 10,000 sessions) only as they are.
  size=$(stat -c %s "$f")
  [[ $f == *.gz ]] && continue
  [ "$size" -gt 300000 ] && continue
  for r in "${rates[@]}"; do
    for s in $(seq 1 "$seeds"); do
      i=$((i + 1))
      seed=$((s * 1000 + i))
      editcap -E "$r" --seed "$seed" "$f" "$mut/$base-E$r-s$seed.pcap" >/dev/null 2>&1
      passes "$mut/$base-E$r-s$seed.pcap" "$i"
      [ "$quick" -eq 1 ] && [ "$r" != "${rates[-1]}" ] && continue
      editcap -E "$r" --seed "$seed" -o "$payload_offset" "$f" "$mut/$base-E$r-o-s$seed.pcap" >/dev/null 2>&1
      passes "$mut/$base-E$r-o-s$seed.pcap" "$((i + 1))"
    done
  done
  for sn in "${snaps[@]}"; do
    i=$((i + 1))
    editcap -s "$sn" "$f" "$mut/$base-s$sn.pcap" >/dev/null 2>&1
    passes "$mut/$base-s$sn.pcap" "$i"
  done
done
flush_batch "-V"
flush_batch "-2 -V"
chmod -R a+rX "$in" "$mut"
total=$(wc -l <"$jobfile")

# ------------------------------------------------------------------ ASan runs
if [ "$do_asan" -eq 1 ]; then
  echo "run-tshark-fuzz: $total sanitized tshark runs over ${#inputs[@]} captures ($jobs at a time)"
  t0=$SECONDS
  xargs -P "$jobs" -d '\n' -n 1 "$0" --one <"$jobfile" >"$work/results.txt"
  ok=$(grep -c '^ok ' "$work/results.txt" || true)
  bad=$(grep -c '^FAIL ' "$work/results.txt" || true)
  echo "run-tshark-fuzz: sanitized runs: $ok ok, $bad failed, $((SECONDS - t0)) s"
  if [ "$bad" -ne 0 ] || [ "$ok" -ne "$total" ]; then
    grep '^FAIL ' "$work/results.txt" | head -40
    for d in "$FAILURES"/*; do
      [ -d "$d" ] || continue
      grep -m5 -E 'ERROR: |runtime error:|Dissector bug|#[0-9]+ .* exec' "$d/stderr" | sed 's/^/    /' || true
      echo "    reproduce: $(cat "$d/command")"
    done | head -80
    failed=1
  fi
fi

# ------------------------------------------------------------------ valgrind
if [ "$do_valgrind" -eq 1 ]; then
  vg="$work/valgrind"
  mkdir -p "$vg"
  chmod 1777 "$vg"
  vg_inputs=()
  if [ "$quick" -eq 1 ]; then
    # One run: every test capture and the small hostile ones, concatenated.
    small=()
    for f in "${inputs[@]}"; do
      [[ $f == *.gz ]] || [ "$(stat -c %s "$f")" -gt 300000 ] || small+=("$f")
    done
    mergecap -a -F pcap -w "$vg/all.pcap" "${small[@]}"
    chmod a+r "$vg/all.pcap"
    vg_inputs=("$vg/all.pcap|-2 -V --export-objects exec,@OBJECTS@")
  else
    for f in "${inputs[@]}"; do
      vg_inputs+=("$f|-V --export-objects exec,@OBJECTS@" "$f|-2 -V")
    done
  fi
  echo "run-tshark-fuzz: ${#vg_inputs[@]} valgrind run(s)"
  t0=$SECONDS
  k=0
  xmls=()
  for entry in "${vg_inputs[@]}"; do
    k=$((k + 1))
    f=${entry%%|*}
    args=${entry#*|}
    args=${args//@OBJECTS@/$vg/objects-$k}
    xml="$vg/$k-$(basename "$f").xml"
    xmls+=("$xml")
    # shellcheck disable=SC2086
    as_nobody env -i PATH=/usr/bin:/bin LANG=C.UTF-8 HOME="$work/home" WIRESHARK_PLUGIN_DIR="$EXEC_TEST_PLUGIN_DIR" \
      WIRESHARK_DEBUG_WMEM_OVERRIDE=simple G_SLICE=always-malloc WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 \
      timeout 3600 valgrind --tool=memcheck --error-exitcode=99 --leak-check=full \
        --show-leak-kinds=definite --errors-for-leak-kinds=definite --num-callers=40 \
        --xml=yes --xml-file="$xml" tshark -r "$f" $args >/dev/null 2>"$vg/$k.stderr" || true
  done
  if /usr/bin/python3 "$here/valgrind-report.py" "${xmls[@]}"; then
    echo "run-tshark-fuzz: valgrind: clean ($((SECONDS - t0)) s)"
  else
    echo "run-tshark-fuzz: valgrind: FAILED ($((SECONDS - t0)) s; XML in $vg)"
    failed=1
  fi
fi

echo "run-tshark-fuzz: done in $((SECONDS - start)) s: $([ "$failed" -eq 0 ] && echo ok || echo FAILED)"
exit "$failed"
