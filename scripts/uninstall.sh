#!/usr/bin/env bash
# Removes the plugin from the personal and the global plugin folders, which
# gives Wireshark's built-in exec dissector back.
set -euo pipefail
version=$(tshark --version 2>/dev/null | sed -n '1s/.*Wireshark) \([0-9]*\.[0-9]*\).*/\1/p')
[ -n "$version" ] || { echo "tshark not found: nothing to uninstall" >&2; exit 1; }
global=$(tshark -G folders 2>/dev/null | sed -n 's/^Global Plugins:\s*//p')
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
for f in "$HOME/.local/lib/wireshark/plugins/$version/epan/exec.so" "$global/epan/exec.so"; do
  [ -e "$f" ] || continue
  if [ -w "$(dirname "$f")" ]; then rm -f "$f"; else $SUDO rm -f "$f"; fi
  echo "removed $f"
done
