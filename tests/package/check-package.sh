#!/usr/bin/env bash
# The Debian package, end to end, on a throwaway Debian system: builds wireshark-plugin-exec_*.deb from
# this source tree (in a mktemp -d build folder), checks its name, control fields and contents, installs
# it with apt-get, dissects a capture with tshark as an ordinary user and as root, checks `apt show`,
# removes and purges it, and checks that the built-in exec dissector is back and that the system's
# package list and Wireshark's global plugin folder are as they were before. Left behind: only apt's
# and dpkg's log lines.
#   tests/package/check-package.sh [--i-am-in-a-throwaway-system]
# Prints one line per check, then `package: N passed, N failed`; exits 1 on any failure.
#
# WHY IT REFUSES TO RUN ON AN ORDINARY MACHINE: it installs and removes a system package as root, and
# that package owns <global plugin folder>/epan/exec.so. On a developer's machine that would overwrite,
# then delete, a copy the user installed there (scripts/install.sh --system, or the package itself).
# So it runs only
#   - inside a chroot made by scripts/matrix/make-chroot.sh: the file /.exec-matrix-ready exists there,
#     and ischroot(1) or /proc/self/mountinfo (no mount at "/") confirms a chroot (needs /proc, which
#     scripts/matrix/run-in-chroot.sh mounts), or
#   - when told with --i-am-in-a-throwaway-system (a container or VM built for this and thrown away),
# and in both cases only when neither the package nor a global exec.so is installed yet.
# Needs: root, tshark, cmake, gcc, the Wireshark headers, dpkg, apt-get, setpriv. No network: the
# package's dependencies are Wireshark's own libraries, already installed with tshark.
set -euo pipefail

usage() { echo "usage: $0 [--i-am-in-a-throwaway-system]" >&2; exit 2; }
told=0
while [ $# -gt 0 ]; do
  case $1 in
    --i-am-in-a-throwaway-system) told=1 ;;
    *) usage ;;
  esac
  shift
done
src=$(cd "$(dirname "$0")/../.." && pwd)
pkg=wireshark-plugin-exec
capture=glibc-success-stderr.pcap
refuse() { echo "check-package: refusing to run: $*" >&2; exit 2; }

# --- may this touch the system? -------------------------------------------------------------------
[ "$(id -u)" -eq 0 ] || refuse "must run as root (it installs and removes a package)"
if [ "$told" -eq 0 ]; then
  [ -f /.exec-matrix-ready ] ||
    refuse "not in a scripts/matrix chroot (no /.exec-matrix-ready); in another throwaway system say --i-am-in-a-throwaway-system"
  [ -r /proc/self/mountinfo ] || refuse "/proc is not mounted: cannot tell whether this is a chroot"
  # In a chroot the mount that holds "/" lies outside it and is not listed (ischroot needs to read
  # /proc/1/root, which a sandbox may deny).
  if ! ischroot 2>/dev/null && awk '$5 == "/" { found = 1 } END { exit !found }' /proc/self/mountinfo; then
    refuse "/.exec-matrix-ready exists but this is not a chroot"
  fi
fi
for tool in tshark cmake dpkg dpkg-query apt-get setpriv; do
  command -v "$tool" >/dev/null || refuse "$tool is missing"
done
export LANG=C.UTF-8 DEBIAN_FRONTEND=noninteractive
unset WIRESHARK_PLUGIN_DIR WIRESHARK_CONFIG_DIR WIRESHARK_DATA_DIR
status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
case $status in
  '' | 'un '*) ;;
  *) refuse "$pkg is already on this system (dpkg status '$status'): it would be replaced and removed" ;;
esac

work=$(mktemp -d /tmp/exec-package.XXXXXX)
chmod 755 "$work"
installed_by_us=0
# apt-get install rebuilds apt's package caches (about 100 MB) that make-chroot.sh removed with
# apt-get clean: those that were not there before go again at the end.
new_caches=()
for f in /var/cache/apt/pkgcache.bin /var/cache/apt/srcpkgcache.bin; do
  [ -e "$f" ] || new_caches+=("$f")
done
# shellcheck disable=SC2317   # called by the trap
cleanup() {
  # Never leave the package behind, even after a failed check or an interrupt.
  if [ "$installed_by_us" -eq 1 ] && dpkg-query -W "$pkg" >/dev/null 2>&1; then
    dpkg --purge "$pkg" >/dev/null 2>&1 || true
  fi
  rm -f "${new_caches[@]}"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

passed=0
failed=0
pass() { echo "ok    $*"; passed=$((passed + 1)); }
fail() { echo "FAIL  $*"; failed=$((failed + 1)); }
finish() {
  echo "package: $passed passed, $failed failed"
  exit $((failed > 0))
}

# tshark with a private, empty HOME (no personal preferences or plugins): as root, or as nobody.
mkdir -p "$work/home-root" "$work/home-nobody"
chown nobody "$work/home-nobody"
cp "$src/test-captures/$capture" "$work/"
chmod 644 "$work/$capture"
tshark_root() { (cd "$work" && env HOME="$work/home-root" tshark "$@"); }
tshark_nobody() {
  (cd "$work" && setpriv --reuid=nobody --regid=nogroup --clear-groups env HOME="$work/home-nobody" tshark "$@")
}

version=$(tshark --version 2>/dev/null | sed -n '1s/.*(Wireshark) \([0-9]*\)\.\([0-9]*\)\.\([0-9]*\).*/\1.\2.\3/p')
minor=${version%.*}
global=$(tshark_root -G folders 2>/dev/null | sed -n 's/^Global Plugins:[[:space:]]*//p')
{ [ -n "$version" ] && [ -n "$global" ]; } || refuse "cannot read tshark's version or global plugin folder"
[ ! -e "$global/epan/exec.so" ] ||
  refuse "$global/epan/exec.so exists already: installing the package would overwrite it, removing it delete it"
# The package that ships the libwireshark tshark really loads (found here independently of CMake).
lib=$(ldd "$(command -v tshark)" | awk '$1 ~ /^libwireshark\.so/ { print $3; exit }')
lib=$(readlink -f "$lib")
libpkg=$({ dpkg-query -S "$lib" 2>/dev/null || dpkg-query -S "${lib#/usr}" 2>/dev/null; } |
  sed -n 's/^\([a-z0-9][a-z0-9+.-]*\)\(:[a-z0-9-]*\)\{0,1\}: \/.*/\1/p' | head -n 1)
[ -n "$libpkg" ] || refuse "no Debian package owns $lib"
echo "check-package: Wireshark $version, $lib from $libpkg, global plugin folder $global"

# exec.username and exec.command of every frame that has either, tab-separated.
fields() { "$@" -r "$capture" -Y 'exec.username || exec.command' -T fields -e exec.username -e exec.command; }
expected=$(printf 'rexuser\techo hello; echo oops >&2')
# What the system looks like before: compared at the end.
snapshot() {
  dpkg-query -W -f='${binary:Package} ${Version} ${db:Status-Abbrev}\n' | sort
  find "$global" -printf '%M %u:%g %s %P\n' | sort
}
snapshot >"$work/before.txt"

# --- before: the built-in ---------------------------------------------------------------------------
out=$(fields tshark_nobody 2>&1 || true)
if [ -z "$out" ]; then
  pass "before install: the built-in decodes no exec.username/exec.command in $capture (5-digit stderr port)"
else
  fail "before install: exec.username/exec.command already decoded, the check below would prove nothing: $out"
fi

# --- build ------------------------------------------------------------------------------------------
# Default options on purpose: EXEC_INSTALL_USER=ON must not put a $HOME path into the package.
start=$SECONDS
if cmake -S "$src" -B "$work/build" >"$work/cmake.log" 2>&1 &&
   cmake --build "$work/build" -j 2 --target package >"$work/build.log" 2>&1; then
  pass "build: cmake --build build --target package ($((SECONDS - start)) s)"
else
  fail "build: cmake --build build --target package"
  tail -n 30 "$work/cmake.log" "$work/build.log" 2>/dev/null || true
  finish
fi
project_version=$(sed -n 's/^CMAKE_PROJECT_VERSION:STATIC=//p' "$work/build/CMakeCache.txt")
arch=$(dpkg --print-architecture)
name=${pkg}_${project_version}_${arch}.deb
debs=$(cd "$work/build" && { ls -- *.deb 2>/dev/null || true; })
if [ "$debs" = "$name" ]; then
  pass "name: $name"
else
  fail "name: expected exactly $name, found: ${debs:-nothing}"
  finish
fi
deb=$work/build/$name

# --- control fields ---------------------------------------------------------------------------------
dpkg -I "$deb" | sed 's/^/      /'
field() { dpkg-deb -f "$deb" "$1"; }
if [ "$(field Package)" = "$pkg" ] && [ "$(field Version)" = "$project_version" ] &&
   [ "$(field Architecture)" = "$arch" ] && [ "$(field Section)" = net ] && [ -n "$(field Maintainer)" ]; then
  pass "control: Package $pkg, Version $project_version, Architecture $arch, Section net, Maintainer set"
else
  fail "control: Package/Version/Architecture/Section/Maintainer not as expected"
fi
# Depends: "$libpkg (>= X.Y.Z), $libpkg (<< X.Y+1~)" (an epoch, if the library has one, in front).
depends=$(field Depends)
next="${minor%.*}.$(( ${minor#*.} + 1 ))"
libversion=$(dpkg-query -W -f='${Version}' "$libpkg" 2>/dev/null | head -n 1)
epoch=$(expr "$libversion" : '\([0-9]*:\)' || true)
lower=$(tr ',' '\n' <<<"$depends" | sed -n "s/^ *$libpkg (>= \([^)]*\)) *\$/\1/p")
upper=$(tr ',' '\n' <<<"$depends" | sed -n "s/^ *$libpkg (<< \([^)]*\)) *\$/\1/p")
if [ "$lower" = "$epoch$version" ] && [ "$upper" = "$epoch$next~" ] &&
   dpkg --compare-versions "$libversion" ge "$lower" && dpkg --compare-versions "$libversion" lt "$upper"; then
  pass "Depends: $libpkg (>= $lower), $libpkg (<< $upper): Wireshark $minor only, admits the installed $libversion"
else
  fail "Depends: expected $libpkg (>= $epoch$version), $libpkg (<< $epoch$next~); got: $depends"
fi
description=$(field Description)
if grep -q 'rexec' <<<"$(head -n 1 <<<"$description")" && grep -q 'built-in' <<<"$description"; then
  pass "Description: $(head -n 1 <<<"$description")"
else
  fail "Description: no synopsis naming rexec, or no word of the built-in: $description"
fi

# --- contents: exec.so in the global plugin folder, and the copyright and changelog policy requires ---
dpkg -c "$deb" | sed 's/^/      /'
files=$(dpkg -c "$deb" | awk '$1 !~ /^d/ { print $1, $2, $NF }' | sort)
doc=./usr/share/doc/$pkg
want=$(printf -- '-rw-r--r-- root/root %s\n' "./${global#/}/epan/exec.so" "$doc/changelog.gz" "$doc/copyright" | sort)
if [ "$files" = "$want" ]; then
  pass "contents: exactly $global/epan/exec.so, $doc/{copyright,changelog.gz}, all 0644 root"
else
  fail "contents: expected $(tr '\n' ';' <<<"$want") got: $(tr '\n' ';' <<<"$files")"
fi
if dpkg -c "$deb" | grep -Eq ' \./(root|home)/|\.local/'; then
  fail "contents: a personal-folder path leaked into the package"
else
  pass "contents: no personal-folder (\$HOME) path"
fi

# --- install ----------------------------------------------------------------------------------------
installed_by_us=1
if apt-get install -y -q --no-install-recommends "$deb" >"$work/install.log" 2>&1 &&
   [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg")" = 'ii ' ]; then
  pass "apt-get install -y ./$name (offline)"
else
  fail "apt-get install -y ./$name"
  tail -n 20 "$work/install.log"
fi

for who in nobody root; do
  line=$("tshark_$who" -G plugins 2>/dev/null | awk -F'\t' '$1 ~ /^exec\.so/' || true)
  if [ "$(awk -F'\t' '{ print $NF }' <<<"$line")" = "$global/epan/exec.so" ]; then
    pass "tshark -G plugins as $who: $(tr -s ' \t' ' ' <<<"$line")"
  else
    fail "tshark -G plugins as $who: no exec.so from $global/epan (got: ${line:-nothing})"
  fi
done
out=$(fields tshark_nobody 2>"$work/stderr-nobody.txt" || true)
if grep -qxF "$expected" <<<"$out" && [ ! -s "$work/stderr-nobody.txt" ]; then
  pass "tshark as nobody: exec.username rexuser, exec.command 'echo hello; echo oops >&2'; clean stderr"
else
  fail "tshark as nobody: expected a frame with '$expected' and no stderr; got: $out $(cat "$work/stderr-nobody.txt")"
fi
out=$(fields tshark_root 2>/dev/null || true)
if grep -qxF "$expected" <<<"$out"; then
  pass "tshark as root: exec.username rexuser, exec.command 'echo hello; echo oops >&2'"
else
  fail "tshark as root: expected a frame with '$expected'; got: $out"
fi

show=$(apt show "$pkg" 2>/dev/null || true)
if grep -qx "Package: $pkg" <<<"$show" && grep -q '^Description: .*rexec' <<<"$show" &&
   grep -qx 'Section: net' <<<"$show" && grep -q "^Depends: .*$libpkg" <<<"$show"; then
  pass "apt show $pkg: $(sed -n 's/^Description: //p' <<<"$show")"
else
  fail "apt show $pkg does not describe it: $show"
fi

# --- remove: the built-in is back --------------------------------------------------------------------
if apt-get remove -y -q "$pkg" >"$work/remove.log" 2>&1 && [ ! -e "$global/epan/exec.so" ]; then
  pass "apt-get remove -y $pkg: $global/epan/exec.so is gone"
else
  fail "apt-get remove -y $pkg"
  tail -n 20 "$work/remove.log"
fi
for who in nobody root; do
  if "tshark_$who" -G plugins 2>/dev/null | grep -q '^exec\.so'; then
    fail "after remove: tshark -G plugins as $who still lists exec.so"
  else
    pass "after remove: tshark -G plugins as $who lists no exec.so"
  fi
done
out=$(fields tshark_nobody 2>&1 || true)
frames=$(tshark_nobody -r "$capture" -Y exec 2>/dev/null | wc -l)
if [ -z "$out" ] && [ "$frames" -gt 0 ] && tshark_nobody -G protocols 2>/dev/null | awk -F'\t' '$3 == "exec" { found = 1 } END { exit !found }'; then
  pass "after remove: the built-in is back ($frames frames of $capture are exec, exec.username undecoded)"
else
  fail "after remove: the built-in's behaviour is not back ($frames exec frames; fields: $out)"
fi

# --- purge: nothing left -----------------------------------------------------------------------------
apt-get purge -y -q "$pkg" >"$work/purge.log" 2>&1 || true
status=$(dpkg-query -W -f='${db:Status-Abbrev}' "$pkg" 2>/dev/null || true)
leftovers=$(ls /var/lib/dpkg/info/"$pkg".* /var/lib/dpkg/info/"$pkg":* 2>/dev/null || true)
if { [ -z "$status" ] || [ "${status%% *}" = un ] || [ "${status%% *}" = pn ]; } && [ -z "$leftovers" ]; then
  installed_by_us=0
  pass "purged: dpkg knows no $pkg (status '${status:-none}'), no files of it in /var/lib/dpkg/info"
else
  fail "purge: dpkg status '$status', left: $leftovers"
fi
snapshot >"$work/after.txt"
if diff -u "$work/before.txt" "$work/after.txt" >"$work/snapshot.diff"; then
  pass "as before: the package list and $global are unchanged"
else
  fail "not as before: the package list or $global changed:"
  head -n 20 "$work/snapshot.diff"
fi
finish
