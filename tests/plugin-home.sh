# shellcheck shell=bash
# plugin-home.sh (sourced): how the tests load the plugin they test, and only
# that one.  Wireshark loads a personal plugin from $HOME/.local/lib/wireshark
# (never as root: the tests run it as nobody) and every global plugin; an
# installed exec.so there (scripts/install.sh as root, the Debian package)
# would load too ("found in multiple directories").  So the tests point
# WIRESHARK_PLUGIN_DIR at a stand-in for the global folder: links to every
# global plugin but exec.so.

# wireshark_abi: the installed tshark's "4.0", "4.4", ...
wireshark_abi() { tshark --version 2>/dev/null | sed -n '1s/.*Wireshark) \([0-9]*\.[0-9]*\).*/\1/p'; }

# plugin_home SO HOME: HOME holds SO as its personal exec plugin, readable by nobody.
plugin_home() {
  local dir
  dir="$2/.local/lib/wireshark/plugins/$(wireshark_abi)/epan"
  mkdir -p "$dir"
  cp "$1" "$dir/exec.so"
  chmod -R a+rX "$2"
}

# global_plugins_without_exec DIR: DIR stands for the global plugin folder
# without exec.so; exports EXEC_TEST_PLUGIN_DIR=DIR for tshark_run.py and the
# scripts (env WIRESHARK_PLUGIN_DIR="$EXEC_TEST_PLUGIN_DIR" tshark ...).
global_plugins_without_exec() {
  local dir=$1 global f rel
  global=$(tshark -G folders 2>/dev/null | sed -n 's/^Global Plugins:[[:space:]]*//p')
  mkdir -p "$dir/$(wireshark_abi)"
  if [ -d "$global" ]; then
    while IFS= read -r f; do
      rel=${f#"$global"/}
      [ "$rel" != epan/exec.so ] || continue
      mkdir -p "$dir/$(wireshark_abi)/$(dirname "$rel")"
      ln -s "$f" "$dir/$(wireshark_abi)/$rel"
    done < <(find "$global" -name '*.so')
  fi
  chmod -R a+rX "$dir"
  export EXEC_TEST_PLUGIN_DIR=$dir
}

# installed_copy_note SO: one line per installed exec.so, saying whether it
# is SO's code (the tests never load it; the README's first command updates
# it).  Compared without debug info and build id, which name the build folder.
installed_copy_note() {
  local global f tmp
  global=$(tshark -G folders 2>/dev/null | sed -n 's/^Global Plugins:[[:space:]]*//p')
  tmp=$(mktemp -d)
  objcopy --strip-debug --remove-section=.note.gnu.build-id "$1" "$tmp/tree.so"
  for f in "$global/epan/exec.so" \
           ${SUDO_USER:+"$(getent passwd "$SUDO_USER" | cut -d: -f6)/.local/lib/wireshark/plugins/$(wireshark_abi)/epan/exec.so"}; do
    [ -e "$f" ] || continue
    objcopy --strip-debug --remove-section=.note.gnu.build-id "$f" "$tmp/installed.so" 2>/dev/null || true
    if cmp -s "$tmp/tree.so" "$tmp/installed.so"; then
      echo "note: the installed plugin $f is this tree's code (the tests use their own build)"
    else
      echo "note: the installed plugin $f differs from this tree (the tests use their own build; scripts/install.sh updates it)"
    fi
  done
  rm -rf "$tmp"
}
