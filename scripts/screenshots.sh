#!/usr/bin/env bash
# Makes the README screenshots in docs/screenshots/ from the real Wireshark Qt
# GUI with this plugin loaded: a private X server (Xvfb), the GUI driven with
# xdotool through its menus and keyboard, each window captured with
# ImageMagick's `import`.  Made by hand, not in CI.
#
#   scripts/screenshots.sh                       # all images
#   scripts/screenshots.sh session preferences   # only these
#   scripts/screenshots.sh --list                # the image names
#
# Installs what is missing with apt (wireshark-qt, xvfb, imagemagick, xdotool,
# fonts, the build tools): run it as root or as a user with sudo.  The GUI runs
# as an unprivileged user (Wireshark ignores personal plugins as root): `nobody`
# when the script runs as root, else yourself, always with a throw-away HOME
# holding a fresh profile and the freshly built plugin, so your own Wireshark
# settings are neither used nor touched.
#
# SCREENSHOTS_OUT=DIR writes the images elsewhere; KEEP_WORK=1 keeps the work
# area (build, profile, Wireshark's output) in /tmp for a look.
#
# Exit status: 0 when every requested image was made; 3 when the GUI lacked
# something an image needs (the message says what); 1 on other errors.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
OUT=${SCREENSHOTS_OUT:-$ROOT/docs/screenshots}
CAPTURES=$ROOT/test-captures
ALL_SHOTS=(session stderr-channel credentials statistics preferences expert-info export-objects)

SCREEN_W=1400 SCREEN_H=900
MAIN_W=1200 MAIN_H=640 UPPER_PANE=190   # main window and packet-list height

log() { printf 'screenshots: %s\n' "$*" >&2; }
die() { log "error: $*"; exit 1; }

usage() {
  sed -n '2,/^set -euo/p' "$0" | sed -e '/^set -euo/d' -e 's/^# \{0,1\}//'
  exit "${1:-0}"
}

shots=()
for arg in "$@"; do
  case "$arg" in
    -h|--help) usage 0 ;;
    --list) printf '%s\n' "${ALL_SHOTS[@]}"; exit 0 ;;
    -*) log "unknown option $arg"; usage 1 ;;
    *) [[ " ${ALL_SHOTS[*]} " == *" $arg "* ]] || die "unknown image '$arg' (see --list)"
       shots+=("$arg") ;;
  esac
done
[ ${#shots[@]} -gt 0 ] || shots=("${ALL_SHOTS[@]}")

START_TIME=$(date +%s)

# --- packages ---------------------------------------------------------------
packages=(
  wireshark-qt xvfb imagemagick xdotool fonts-dejavu-core   # the GUI and its driving
  cmake gcc make pkg-config libglib2.0-dev wireshark-dev libwireshark-dev   # the plugin
)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  log "installing ${missing[*]}"
  echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
  $SUDO apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

# --- work area, cleanup -----------------------------------------------------
WORK=$(mktemp -d /tmp/exec-screenshots.XXXXXX)
chmod 755 "$WORK"
XVFB_PID="" WS_PID=""
cleanup() {
  local rc=$?
  [ -z "$WS_PID" ] || { kill "$WS_PID" 2>/dev/null || true; wait "$WS_PID" 2>/dev/null || true; }
  [ -z "$XVFB_PID" ] || { kill "$XVFB_PID" 2>/dev/null || true; wait "$XVFB_PID" 2>/dev/null || true; }
  if [ "$rc" -eq 1 ] && [ -s "$WORK/wireshark.log" ]; then
    log "last lines of Wireshark's output:"
    grep -v 'nl80211 not found' "$WORK/wireshark.log" | tail -n 5 >&2 || true
  fi
  if [ "${KEEP_WORK:-}" = 1 ]; then log "work area kept: $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- the plugin, for an unprivileged user -----------------------------------
ABI=$(pkg-config --modversion wireshark | cut -d. -f1,2)
log "building the plugin (Wireshark $ABI)"
cmake -S "$ROOT" -B "$WORK/build" -DEXEC_INSTALL_USER=OFF >"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; die "cmake configure failed"; }
cmake --build "$WORK/build" --target exec -j "$(nproc)" >>"$WORK/build.log" 2>&1 \
  || { cat "$WORK/build.log" >&2; die "build failed"; }

GUI_HOME=$WORK/home
. "$ROOT/tests/plugin-home.sh"
plugin_home "$WORK/build/exec.so" "$GUI_HOME"
global_plugins_without_exec "$WORK/global-plugins"   # an installed exec.so stays out
mkdir -p "$GUI_HOME/.config/wireshark" "$WORK/run" "$WORK/captures"
cp "$CAPTURES"/{glibc-success-stderr,stderr-signal,interleaved}.pcap "$WORK/captures/"
chmod 644 "$WORK/captures"/*.pcap
chmod 700 "$WORK/run"
AS_USER=()
if [ "$(id -u)" -eq 0 ]; then
  # Wireshark loads no personal plugin as root: run the GUI as nobody.
  chown -R nobody:"$(id -gn nobody)" "$GUI_HOME" "$WORK/run"
  AS_USER=(setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups)
fi

# --- X server ---------------------------------------------------------------
DISP=""
for n in $(seq 99 150); do
  [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ] || { DISP=":$n"; break; }
done
[ -n "$DISP" ] || die "no free X display number"
Xvfb "$DISP" -screen 0 "${SCREEN_W}x${SCREEN_H}x24" -nolisten tcp >"$WORK/xvfb.log" 2>&1 &
XVFB_PID=$!
export DISPLAY=$DISP
for _ in $(seq 100); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done
xdotool getdisplaygeometry >/dev/null 2>&1 || { cat "$WORK/xvfb.log" >&2; die "Xvfb did not start"; }

# --- helpers ----------------------------------------------------------------
# A fresh profile before every start: window geometry, panes, column widths.
write_profile() {
  local d=$GUI_HOME/.config/wireshark
  cat >"$d/recent_common" <<EOF
gui.geometry_main_x: 0
gui.geometry_main_y: 0
gui.geometry_main_width: $MAIN_W
gui.geometry_main_height: $MAIN_H
gui.geometry_main_maximized: FALSE
privs.warn_if_elevated: FALSE
sys.warn_if_no_capture: FALSE
EOF
  cat >"$d/recent" <<EOF
gui.byte_view_show: FALSE
gui.packet_diagram_show: FALSE
gui.geometry_main_upper_pane: $UPPER_PANE
column.width:
	%m, 50,
	%t, 90,
	%s, 100,
	%d, 100,
	%p, 70,
	%L, 60,
	%i, 600
EOF
  [ "$(id -u)" -ne 0 ] || chown -R nobody:"$(id -gn nobody)" "$d"
}

start_wireshark() {
  write_profile
  "${AS_USER[@]}" env -i HOME="$GUI_HOME" WIRESHARK_PLUGIN_DIR="$EXEC_TEST_PLUGIN_DIR" DISPLAY="$DISP" PATH=/usr/sbin:/usr/bin:/sbin:/bin \
    XDG_RUNTIME_DIR="$WORK/run" LANG=C.UTF-8 wireshark "$@" >>"$WORK/wireshark.log" 2>&1 &
  WS_PID=$!
}

stop_wireshark() {
  [ -n "$WS_PID" ] || return 0
  kill "$WS_PID" 2>/dev/null || true
  for _ in $(seq 50); do kill -0 "$WS_PID" 2>/dev/null || break; sleep 0.1; done
  kill -KILL "$WS_PID" 2>/dev/null || true
  wait "$WS_PID" 2>/dev/null || true
  WS_PID=""
}

visible_windows() { xdotool search --onlyvisible --name '.' 2>/dev/null | sort || true; }

# wait_window REGEX [SECONDS]: prints the id of a visible window whose title
# matches, once it has a real size.
wait_window() {
  local regex=$1 tries=$(( ${2:-30} * 5 )) id w
  for _ in $(seq "$tries"); do
    for id in $(xdotool search --onlyvisible --name "$regex" 2>/dev/null); do
      w=$(xdotool getwindowgeometry --shell "$id" 2>/dev/null | sed -n 's/^WIDTH=//p')
      if [ "${w:-0}" -gt 100 ]; then echo "$id"; return 0; fi
    done
    kill -0 "$WS_PID" 2>/dev/null || { log "Wireshark exited"; return 1; }
    sleep 0.2
  done
  return 1
}

settle() { sleep "${1:-1.5}"; }

# Where the mouse rests while shooting: bottom right, on no widget that hovers.
park_mouse() { xdotool mousemove $((SCREEN_W - 1)) $((SCREEN_H - 1)); }

shoot() {  # shoot WINDOW NAME
  park_mouse
  settle 0.8
  import -window "$1" "$WORK/shot.png"
  convert "$WORK/shot.png" -strip "$OUT/$2.png"
  log "wrote $OUT/$2.png ($(( $(stat -c %s "$OUT/$2.png") / 1024 )) KB)"
}

# Expand every subtree of the last top-level item of the packet details (the
# exec layer): click the empty area below the items, End, Shift+Right.
expand_last_layer() {
  local win=$1
  xdotool mousemove --window "$win" 400 $((MAIN_H - 60)) click 1
  settle 0.3
  xdotool key End
  settle 0.3
  xdotool key shift+Right
  settle 0.5
}

# open_menu WINDOW MENUKEY TITLE_REGEX KEY...: opens a menu with its Alt key,
# presses the KEYs then Return, and prints the new window whose title matches.
open_menu() {
  local win=$1 menukey=$2 regex=$3; shift 3
  xdotool windowfocus --sync "$win"
  xdotool key "$menukey"
  settle 0.7
  xdotool key "$@" Return
  wait_window "$regex" 8
}

# walk_menu WINDOW TITLE_REGEX FIRST LAST STEP_KEY ESCAPES MENUKEY [KEY...]: for an
# item whose place in a menu varies (plugins' items sit among others, sorted by
# name): opens the menu with MENUKEY, presses the KEYs, then STEP_KEY FIRST,
# FIRST + 1, ... LAST times and Return, until a window whose title matches
# opens, and prints its id.  Whatever else opens is closed again
# (its Escape, then ESCAPES more for the menus).
walk_menu() {
  local win=$1 regex=$2 first=$3 last=$4 step_key=$5 escapes=$6 menukey=$7 before new k id d
  shift 7
  for k in $(seq "$first" "$last"); do
    before=$(visible_windows)
    xdotool windowfocus --sync "$win"
    xdotool key "$menukey"
    settle 0.7
    if [ $# -gt 0 ]; then xdotool key "$@"; settle 0.5; fi
    [ "$k" -eq 0 ] || xdotool key --repeat "$k" "$step_key"
    xdotool key Return
    if d=$(wait_window "$regex" 2); then echo "$d"; return 0; fi
    new=$(comm -13 <(echo "$before") <(visible_windows))
    for id in $new; do xdotool windowfocus --sync "$id" key Escape 2>/dev/null || true; done
    xdotool key --repeat "$escapes" Escape
    settle 0.5
  done
  return 1
}

MISSING=()

# --- the images -------------------------------------------------------------
shot_session() {
  start_wireshark -r "$WORK/captures/glibc-success-stderr.pcap" -Y exec -g 9
  local w; w=$(wait_window '^glibc-success-stderr\.pcap$') || die "main window did not open"
  settle
  expand_last_layer "$w"
  shoot "$w" session
}

shot_stderr_channel() {
  start_wireshark -r "$WORK/captures/stderr-signal.pcap" -Y 'exec.stderr_channel or exec.signal' -g 17
  local w; w=$(wait_window '^stderr-signal\.pcap$') || die "main window did not open"
  settle
  expand_last_layer "$w"
  shoot "$w" stderr-channel
}

shot_credentials() {
  start_wireshark -r "$WORK/captures/interleaved.pcap"
  local w d; w=$(wait_window '^interleaved\.pcap$') || die "main window did not open"
  settle
  # Tools: Firewall ACL Rules, Credentials, Lua.
  d=$(open_menu "$w" alt+t 'Credentials' Down) || die "Tools > Credentials did not open"
  xdotool windowsize "$d" 980 230 windowmove "$d" 0 0
  settle
  shoot "$d" credentials
}

shot_statistics() {
  start_wireshark -r "$WORK/captures/interleaved.pcap"
  local w found
  w=$(wait_window '^interleaved\.pcap$') || die "main window did not open"
  settle
  # Stats trees registered as plugins are listed at the bottom of the
  # Statistics menu, sorted by name: walk up from the bottom and stop at the
  # window titled EXEC.
  if ! found=$(walk_menu "$w" ' EXEC ' 1 8 Up 2 alt+s); then
    MISSING+=("statistics.png: the Statistics menu has no EXEC item (stats tree 'exec'), so Statistics > EXEC cannot be opened")
    log "no EXEC item in the Statistics menu: statistics.png not made"
    return 0
  fi
  xdotool windowsize "$found" 1000 400 windowmove "$found" 0 0
  settle
  shoot "$found" statistics
}

shot_preferences() {
  start_wireshark -r "$WORK/captures/interleaved.pcap"
  local w p; w=$(wait_window '^interleaved\.pcap$') || die "main window did not open"
  settle
  xdotool windowfocus --sync "$w" key ctrl+shift+p
  p=$(wait_window 'Preferences$' 10) || die "Edit > Preferences did not open"
  xdotool windowsize "$p" 820 420 windowmove "$p" 0 0
  settle
  # The page tree has the focus: type-ahead to Protocols, open it, type-ahead to EXEC.
  xdotool windowfocus --sync "$p"
  xdotool type --delay 40 Protocols
  settle 0.6
  xdotool key Right
  settle 0.8
  xdotool type --delay 40 exec
  settle
  shoot "$p" preferences
}

shot_expert_info() {
  start_wireshark -r "$WORK/captures/interleaved.pcap"
  local w e; w=$(wait_window '^interleaved\.pcap$') || die "main window did not open"
  settle
  # Analyze: Expert Information is the last item.
  e=$(open_menu "$w" alt+a 'Expert Information' Up) || die "Analyze > Expert Information did not open"
  xdotool windowsize "$e" 1040 420 windowmove "$e" 0 0
  settle
  # Widen Summary (drag its right border), then open the two EXEC warning
  # groups, lower one first so the upper one stays in place.
  xdotool mousemove --window "$e" 541 22 mousedown 1 mousemove --window "$e" 600 22 \
    mousemove --window "$e" 705 22 mouseup 1
  settle 0.3
  xdotool mousemove --window "$e" 21 58 click 1
  settle 0.3
  xdotool mousemove --window "$e" 21 41 click 1
  settle 0.5
  shoot "$e" expert-info
}

shot_export_objects() {
  start_wireshark -r "$WORK/captures/interleaved.pcap"
  local w found
  w=$(wait_window '^interleaved\.pcap$') || die "main window did not open"
  settle
  # File: ..., Export Objects, Print..., Quit: from the bottom, Up three
  # times and Right opens the protocols (sorted by name, the first
  # selected); walk down them until the window titled EXEC opens.
  if ! found=$(walk_menu "$w" 'EXEC object list' 0 14 Down 3 alt+f Up Up Up Right); then
    MISSING+=("export-objects.png: no EXEC item under File > Export Objects")
    log "no EXEC item under File > Export Objects: export-objects.png not made"
    return 0
  fi
  xdotool windowsize "$found" 900 300 windowmove "$found" 0 0
  settle
  shoot "$found" export-objects
}

mkdir -p "$OUT"
for s in "${shots[@]}"; do
  log "$s"
  "shot_${s//-/_}"
  stop_wireshark
done

log "done in $(( $(date +%s) - START_TIME )) s"
if [ ${#MISSING[@]} -gt 0 ]; then
  for m in "${MISSING[@]}"; do log "MISSING $m"; done
  exit 3
fi
