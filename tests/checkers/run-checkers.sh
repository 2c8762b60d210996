#!/usr/bin/env bash
# Wireshark's own source checkers over every C source of the plugin, from the
# Debian source package of the host's Wireshark: tools/checkAPIs.pl,
# tools/checkhf.pl, tools/checkfiltername.pl, tools/check_typed_item_calls.py,
# tools/check_tfs.py and tools/cppcheck/cppcheck.sh.  Prints one line per
# checker with its finding count and fails on any finding.
#   tests/checkers/run-checkers.sh [--verbose]
# The source is fetched once per Wireshark version into
# /var/cache/exec-dissector/wireshark-src/<version> (as root; reused when
# present), through a private apt configuration: the host's sources, lists
# and caches are left as they are.  What the checkers need and the host
# lacks (cppcheck, pkg-config, GLib's headers) is installed with apt-get,
# named first.  A finding is counted only in our sources: cppcheck's in
# Wireshark's own headers are listed apart.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
verbose=0
case "${1:-}" in
  --verbose) verbose=1 ;;
  "") ;;
  *) echo "usage: $0 [--verbose]" >&2; exit 2 ;;
esac

cache=/var/cache/exec-dissector/wireshark-src
package=tshark
version=$(dpkg-query -W -f='${source:Version}' "$package")
source_package=$(dpkg-query -W -f='${source:Package}' "$package")
tree="$cache/$version"

# The host's suite and the archives the installed version came from, as
# apt-cache lists them under the installed version ("*** VERSION").
archives() {
  LC_ALL=C apt-cache policy "$package" | awk '
    $1 == "***" { mine = 1; next }                 # the installed version
    NF == 2 && $2 ~ /^-?[0-9]+$/ { mine = 0; next } # another version
    mine && $2 ~ /^[a-z]+:\/\// { split($3, s, "/"); print $2, s[1], s[2] }' | sort -u
}

fetch_source() {
  if [ "$(id -u)" -ne 0 ]; then
    echo "checkers: $tree is missing; run once as root to fetch the $source_package source" >&2
    return 1
  fi
  local private stage keyring=/usr/share/keyrings/debian-archive-keyring.gpg signed=""
  private=$(mktemp -d)
  trap 'rm -rf "$private"' RETURN
  [ -r "$keyring" ] && signed="[signed-by=$keyring] "
  archives | while read -r uri suite component; do
    echo "deb-src $signed$uri $suite $component"
  done >"$private/sources.list"
  if [ ! -s "$private/sources.list" ]; then
    echo "checkers: apt knows no archive for $package $version" >&2
    return 1
  fi
  echo "checkers: fetching the $source_package $version source into $tree, from:"
  sed 's/^/  /' "$private/sources.list"
  mkdir -p "$private/lists/partial" "$private/cache/archives/partial" "$cache"
  chmod 755 "$private"
  chown -R _apt "$private/lists/partial" "$private/cache/archives/partial" 2>/dev/null || true
  local apt_private=(-o "Dir::Etc::SourceList=$private/sources.list" -o Dir::Etc::SourceParts=/dev/null
                     -o "Dir::State::Lists=$private/lists" -o "Dir::Cache=$private/cache")
  apt-get -q "${apt_private[@]}" update >"$private/update.log" 2>&1 \
    || { cat "$private/update.log" >&2; return 1; }
  stage=$(mktemp -d "$cache/.fetch.XXXXXX")
  chown _apt "$stage" 2>/dev/null || true
  if ! (cd "$stage" && apt-get -q "${apt_private[@]}" source "$source_package=$version") \
      >"$private/source.log" 2>&1; then
    cat "$private/source.log" >&2
    rm -rf "$stage"
    return 1
  fi
  chown -R root:root "$stage"
  chmod 755 "$stage"
  rm -rf "$tree"
  mv "$stage" "$tree"
}

src_dir() {
  local d
  for d in "$tree"/*/; do
    [ -f "$d/tools/checkAPIs.pl" ] && { echo "${d%/}"; return 0; }
  done
  return 1
}

(
  flock 9
  src_dir >/dev/null 2>&1 || fetch_source
) 9>"$(mkdir -p "$cache" 2>/dev/null; [ -w "$cache" ] && echo "$cache/.lock" || echo /dev/null)"
ws=$(src_dir) || { echo "checkers: no Wireshark source in $tree" >&2; exit 1; }
echo "checkers: Wireshark source $ws"

# What the checkers need beyond the source.
need=()
command -v cppcheck >/dev/null || need+=(cppcheck)
command -v perl >/dev/null || need+=(perl)
command -v pkg-config >/dev/null || need+=(pkg-config)
pkg-config --exists glib-2.0 2>/dev/null || need+=(libglib2.0-dev)
if [ ${#need[@]} -gt 0 ]; then
  echo "checkers: installing ${need[*]} (apt-get)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${need[@]}" >/dev/null
fi


# Every C source the plugin is built from (the glue and the engine); the
# test programs, fuzzers and benchmarks are not dissector code.
cd "$root"
mapfile -t sources < <(git ls-files --cached --others --exclude-standard '*.c' '*.h' |
  grep -Ev '^(tests|fuzz|bench|test-captures)/' | sort -u | while read -r f; do [ -f "$f" ] && echo "$f"; done)
[ ${#sources[@]} -gt 0 ] || { echo "checkers: no C sources found" >&2; exit 1; }
c_sources=()
for f in "${sources[@]}"; do [[ $f == *.c ]] && c_sources+=("$root/$f"); done

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0

# report NAME COUNT LOG: one line; the findings themselves on failure or with --verbose.
report() {
  local name=$1 count=$2 log=$3
  printf '%-26s %s finding(s)\n' "$name" "$count"
  if [ "$count" -ne 0 ] || [ "$verbose" -eq 1 ]; then sed 's/^/    /' "$log"; fi
  [ "$count" -eq 0 ] || failed=1
}

# run_checker NAME REGEX COMMAND...: runs COMMAND FILE from the source's top
# for each file (as Wireshark's build does: checkfiltername.pl keeps the
# fields of earlier files otherwise); a finding is an output line matching
# REGEX, or a failed exit that printed none.
run_checker() {
  local name=$1 regex=$2 log="$work/$1.log" out="$work/out" f rc count=0 n
  shift 2
  : >"$log"
  for f in "${files[@]}"; do
    rc=0
    (cd "$ws" && "$@" "$f") >"$out" 2>&1 || rc=$?
    n=$(grep -Ec "$regex" "$out" || true)
    [ "$rc" -ne 0 ] && [ "$n" -eq 0 ] && { echo "exit status $rc" >>"$out"; n=1; }
    count=$((count + n))
    cat "$out" >>"$log"
  done
  report "$name" "$count" "$log"
}

# checkAPIs.pl reads the headers too (calls in inline functions).
files=("${sources[@]/#/$root/}")
run_checker checkAPIs.pl '^(Error|Warning)' \
  perl tools/checkAPIs.pl -g dissectors-prohibited -g dissectors-restricted
files=("${c_sources[@]}")
run_checker checkhf.pl '^(ERROR|WARNING)' perl tools/checkhf.pl
run_checker checkfiltername.pl "doesn't match|duplicates|^ERROR" perl tools/checkfiltername.pl
run_checker check_typed_item_calls.py '^(Warning|Error)' \
  python3 tools/check_typed_item_calls.py --mask --label --consecutive --missing-items --file
run_checker check_tfs.py '^(Warning|Error)' python3 tools/check_tfs.py --file

# cppcheck.sh runs from the source's top (its include list is relative to
# it) over all files at once.  Without GLib's headers cppcheck stops at the
# first GLib macro in Wireshark's headers ("unknownMacro") and checks
# nothing: a wrapper found first on PATH adds their folders.  Findings in
# Wireshark's own headers are listed, not counted.
mkdir -p "$work/bin"
# cppcheck.sh hides cppcheck's exit status (its output goes through a
# pipe): the wrapper keeps it, so a cppcheck that did not finish counts.
printf '#!/bin/sh\n%s %s "$@"\nrc=$?\necho $rc >%s\nexit $rc\n' "$(command -v cppcheck)" \
  "$(pkg-config --cflags-only-I glib-2.0)" "$work/cppcheck.rc" >"$work/bin/cppcheck"
chmod +x "$work/bin/cppcheck"
(cd "$ws" && PATH="$work/bin:$PATH" bash tools/cppcheck/cppcheck.sh -j 2 "${c_sources[@]}") \
  >"$work/cppcheck.log" 2>&1 || echo "exit status $?" >>"$work/cppcheck.log"
rc=$(cat "$work/cppcheck.rc" 2>/dev/null || echo "none (cppcheck did not run)")
[ "$rc" = 0 ] || echo "exit status $rc" >>"$work/cppcheck.log"
located=':[0-9]+:[0-9]+: (error|warning|style|performance|portability|information): '
ours=$(grep -Ec "^$root/.*$located|^exit status|cppcheck not found" "$work/cppcheck.log" || true)
theirs=$(grep -Ec "$located" "$work/cppcheck.log" || true)
theirs=$((theirs - $(grep -Ec "^$root/.*$located" "$work/cppcheck.log" || true)))
report "cppcheck.sh" "$ours" "$work/cppcheck.log"
[ "$theirs" -eq 0 ] || echo "    ($theirs in Wireshark's own headers, not counted)"

[ "$failed" -eq 0 ] && echo "checkers: no findings" || echo "checkers: findings above" >&2
exit "$failed"
