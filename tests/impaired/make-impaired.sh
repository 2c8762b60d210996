#!/usr/bin/env bash
# make-impaired.sh: impaired captures of real rexec traffic (Debian's in.rexecd
# and real clients) for the dissector's loss/reorder/truncation tests.
#
# usage: make-impaired.sh [--outdir DIR] [--keep] [--seed N] [SCENARIO ...]
#        make-impaired.sh --list
#   --outdir DIR  where the pcaps, expected.tsv and the README tables go
#                 (default: the directory of this script)
#   --keep        keep the work dir (link logs, both capture points, client output)
#   --seed N      seed of the random-loss scenario (default 7)
# Default: every scenario.  Run as root (network namespaces, TAP devices).
#
# Topology, per scenario: two network namespaces (client 10.99.0.1 / fd99::1,
# server 10.99.0.2 / fd99::2), each holding one TAP device; lossy-link.py
# forwards Ethernet frames between the TAPs and drops / duplicates / reorders
# TCP frames, so both kernels really retransmit.  tcpdump runs on both TAPs;
# the file kept is the one at the receiver of the impaired frames.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3                      # Debian's python; the one on PATH may differ
LINK="$HERE/lossy-link.py"
TOOL="$HERE/rexec-impaired.py"
RAW="$HERE/../../test-captures/clients/raw-rexec.py"
GLIBC_SRC="$ROOT/test-captures/clients/glibc-rexec.c"
OUTDIR=$HERE
KEEP=no
SEED=7
CLIENT_TIMEOUT=30                        # upper bound for any single client run (s)
LINK_MAX=120                             # the forwarder stops by itself after this (s)

SCENARIOS=(
  lossy-random
  loss-port-segment loss-credentials-segment loss-username-segment loss-status-byte
  dup-credentials-segment reorder-handshake conflict-username-segment
  clean-strings clean-long-command
)

die() { echo "make-impaired: $*" >&2; exit 1; }

ARGS=("$@")
want=()
while [ $# -gt 0 ]; do
  case $1 in
    --outdir) [ $# -ge 2 ] || die "--outdir needs a directory"; OUTDIR=$2; shift 2 ;;
    --outdir=*) OUTDIR=${1#*=}; shift ;;
    --keep) KEEP=yes; shift ;;
    --seed) [ $# -ge 2 ] || die "--seed needs a number"; SEED=$2; shift 2 ;;
    --list) printf '%s\n' "${SCENARIOS[@]}"; exit 0 ;;
    -h|--help) sed -n '2,17p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) want+=("$1"); shift ;;
  esac
done
[ ${#want[@]} -gt 0 ] || want=("${SCENARIOS[@]}")
for s in "${want[@]}"; do
  [[ " ${SCENARIOS[*]} " == *" $s "* ]] || die "unknown scenario '$s' (see --list)"
done
[[ $SEED =~ ^[0-9]+$ ]] || die "--seed needs a number"
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, TAP devices, tcpdump)"

# ---------------------------------------------------------------- setup
# Packages first: the sandbox's /etc is private and thrown away.
[ -n "${EXEC_SANDBOX:-}" ] || "$ROOT/tests/install-test-deps.sh" </dev/null
. "$ROOT/scripts/netns-lib.sh"
sandbox_enter "$HERE/make-impaired.sh" "${ARGS[@]}"
sandbox_daemons
for tool in ip tcpdump socat ss gcc timeout editcap tshark; do
  command -v "$tool" >/dev/null || die "$tool not found after install-test-deps"
done
[ -x "$PY" ] || die "$PY missing"
[ -c /dev/net/tun ] || die "/dev/net/tun missing"
if [ ! -f "$RAW" ] || [ ! -f "$GLIBC_SRC" ]; then die "clients missing ($RAW, $GLIBC_SRC)"; fi
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

# The test account of test-captures/make-captures.sh, in the sandbox only.
capture_account rexuser rexpass1 /bin/sh

WORK=$(mktemp -d /tmp/make-impaired.XXXXXX)
mkdir -p "$WORK/ns"
FWPID='' TDPIDS=()
cleanup() {
  local n
  if [ -n "$FWPID" ]; then kill "$FWPID" 2>/dev/null || true; fi
  for n in "$WORK"/ns/*; do
    [ -e "$n" ] || continue
    teardown_ns "$(basename "$n")"
  done
  if [ -n "$FWPID" ]; then wait "$FWPID" 2>/dev/null || true; fi
  if [ "$KEEP" = yes ]; then echo "make-impaired: work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
# Kill what we started inside namespace $1 (all of it is ours), then delete it
# and its /etc/netns/<ns> (the hosts file of `ip netns exec`, in the sandbox's /etc).
teardown_ns() {
  local ns=$1
  delete_ns "$ns"
  rm -rf "/etc/netns/$ns"
  rm -f "$WORK/ns/$ns"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -Wall -Wextra -o "$WORK/glibc-rexec" "$GLIBC_SRC"

# ---------------------------------------------------------------- topology
# link_up IDX LINK-ARGS...: namespaces, TAPs, forwarder, daemon, two tcpdumps.
# Sets NSC NSS (namespaces) and FWPID; files go to $SD.
link_up() {
  local idx=$1 i
  shift
  TDPIDS=()
  NSC="rximp$$-c$idx" NSS="rximp$$-s$idx"
  local tapc="rxc$idx.$$" taps="rxs$idx.$$"
  tapc=${tapc:0:15} taps=${taps:0:15}
  "$PY" "$LINK" --tap-a "$tapc" --tap-b "$taps" --log "$SD/link.tsv" --max-seconds "$LINK_MAX" "$@" \
    </dev/null >"$SD/link.out" 2>"$SD/link.err" &
  FWPID=$!
  for i in $(seq 100); do grep -q ready "$SD/link.out" && break; sleep 0.05; done
  grep -q ready "$SD/link.out" || { cat "$SD/link.err"; return 1; }

  local ns tap mac peermac a4 a6 p4 p6
  for ns in "$NSC" "$NSS"; do
    touch "$WORK/ns/$ns"
    ip netns add "$ns"
    # `ip netns exec` bind-mounts /etc/netns/<ns>/hosts over /etc/hosts.  The
    # daemon looks up the client's name and answers "Where are you?" when the
    # lookup fails, so the peer needs a name.
    mkdir -p "/etc/netns/$ns"
    { cat /etc/hosts; echo "10.99.0.1 rexclient"; echo "fd99::1 rexclient"
      echo "10.99.0.2 rexserver"; echo "fd99::2 rexserver"; } >"/etc/netns/$ns/hosts"
  done
  for side in c s; do
    if [ $side = c ]; then
      ns=$NSC tap=$tapc mac=02:00:00:99:00:01 peermac=02:00:00:99:00:02
      a4=10.99.0.1 a6=fd99::1 p4=10.99.0.2 p6=fd99::2
    else
      ns=$NSS tap=$taps mac=02:00:00:99:00:02 peermac=02:00:00:99:00:01
      a4=10.99.0.2 a6=fd99::2 p4=10.99.0.1 p6=fd99::1
    fi
    ip link set "$tap" netns "$ns"
    ip -n "$ns" link set lo up
    ip netns exec "$ns" sh -c "echo 0 >/proc/sys/net/ipv6/conf/$tap/accept_dad" 2>/dev/null || true
    ip -n "$ns" link set "$tap" address "$mac" mtu 1500 up
    ip -n "$ns" addr add "$a4/24" dev "$tap"
    ip -n "$ns" addr add "$a6/64" dev "$tap" nodad
    # static neighbours: no ARP / neighbour discovery on the link
    ip -n "$ns" neigh replace "$p4" lladdr "$peermac" dev "$tap" nud permanent
    ip -n "$ns" neigh replace "$p6" lladdr "$peermac" dev "$tap" nud permanent
    # -Z root: write the file without dropping privileges; --immediate-mode and
    # -U: nothing left in a buffer when tcpdump is stopped.
    ip netns exec "$ns" tcpdump -i "$tap" -n -s 1600 -B 16384 -U --immediate-mode -Z root \
      -w "$SD/$side.pcap" tcp </dev/null 2>"$SD/tcpdump-$side.log" &
    TDPIDS+=($!)   # `ip netns exec` execs tcpdump: $! is tcpdump itself
  done
  # One in.rexecd per connection with the socket as fds 0/1 (inetd-style),
  # exactly as test-captures/make-captures.sh runs it.
  ip netns exec "$NSS" socat TCP4-LISTEN:512,bind=10.99.0.2,reuseaddr,fork \
    EXEC:"$REXECD",nofork </dev/null 2>>"$SD/socat4.log" &
  ip netns exec "$NSS" socat TCP6-LISTEN:512,'bind=[fd99::2]',ipv6only=1,reuseaddr,fork \
    EXEC:"$REXECD",nofork </dev/null 2>>"$SD/socat6.log" &
  for i in $(seq 100); do
    grep -q 'listening on' "$SD/tcpdump-c.log" && grep -q 'listening on' "$SD/tcpdump-s.log" &&
      [ "$(ss -N "$NSS" -Hltn 'sport = :512' | wc -l)" -eq 2 ] && break
    sleep 0.05
  done
  grep -q 'listening on' "$SD/tcpdump-c.log" || fail "client tcpdump did not start" || return 1
  grep -q 'listening on' "$SD/tcpdump-s.log" || fail "server tcpdump did not start" || return 1
  [ "$(ss -N "$NSS" -Hltn 'sport = :512' | wc -l)" -eq 2 ] || fail "daemon not listening" || return 1
}

# link_down: let every connection finish (FIN/RST in the files), stop the
# captures, the forwarder and the namespaces.
link_down() {
  local i ns p
  for i in $(seq 100); do
    [ -z "$(ss -N "$NSS" -Htan | awk '$1 != "LISTEN" && $1 != "TIME-WAIT"')" ] &&
      [ -z "$(ss -N "$NSC" -Htan | awk '$1 != "LISTEN" && $1 != "TIME-WAIT"')" ] && break
    sleep 0.05
  done
  sleep 0.3
  for p in "${TDPIDS[@]}"; do kill -INT "$p" 2>/dev/null || true; done
  for p in "${TDPIDS[@]}"; do
    for i in $(seq 50); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
    wait "$p" || true
  done
  TDPIDS=()
  kill -TERM "$FWPID" 2>/dev/null || true
  wait "$FWPID" || true
  FWPID=''
  teardown_ns "$NSC"
  teardown_ns "$NSS"
  grep -q '^0 packets dropped by kernel' "$SD/tcpdump-c.log" || fail "client tcpdump dropped packets" || return 1
  grep -q '^0 packets dropped by kernel' "$SD/tcpdump-s.log" || fail "server tcpdump dropped packets" || return 1
}

# ---------------------------------------------------------------- helpers
step() { echo "[$(date +%T.%N | cut -c1-12)] $*"; }
fail() { echo "check failed: $*" >&2; return 1; }

# client LABEL CMD...: run a client in the client namespace; keep its stdout,
# stderr and exit status in $SD/LABEL.{out,err,rc}.  Never fails.
client() {
  local label=$1 rc=0
  shift
  ip netns exec "$NSC" timeout -k 2 "$CLIENT_TIMEOUT" "$@" \
    </dev/null >"$SD/$label.out" 2>"$SD/$label.err" || rc=$?
  echo "$rc" >"$SD/$label.rc"
  { echo "--- $label: rc=$rc"; echo "stdout:"; head -c 1000 "$SD/$label.out"; echo
    echo "stderr:"; head -c 1000 "$SD/$label.err"; }
}
G() { client "$1" "$WORK/glibc-rexec" -H 10.99.0.2 -T 20 "${@:2}"; }     # glibc rexec_af()
G6() { client "$1" "$WORK/glibc-rexec" -H fd99::2 -6 -T 20 "${@:2}"; }   # the same over IPv6
R() { client "$1" "$PY" "$RAW" --host 10.99.0.2 --local-host 10.99.0.1 --timeout 20 "${@:2}"; } # raw client

# truth PORT USER PASS COMMAND OUTCOME: what a control connection really carried
# ("*" = glibc's ephemeral port), in order of appearance.
truth() { printf '%s\0%s\0%s\0%s\0%s\0' "$1" "$2" "$3" "$4" "$5" >>"$SD/truth"; }
rc_is() { [ "$(cat "$SD/$1.rc")" = "$2" ] || fail "$1 exited $(cat "$SD/$1.rc"), expected $2"; }
out_has() { grep -qF -- "$2" "$SD/$1.out" || fail "$1 stdout lacks '$2'"; }
err_has() { grep -qF -- "$2" "$SD/$1.err" || fail "$1 stderr lacks '$2'"; }

# ~3000 bytes of shell whose middle is a long comment.
long_command() {
  local LC_ALL=C c i line
  c=$'echo long command start\n'
  for ((i = 1; ; i++)); do
    printf -v line '# filler %03d: the quick brown fox jumps over the lazy dog\n' "$i"
    [ $(( ${#c} + ${#line} + 40 )) -lt 3000 ] || break
    c+=$line
  done
  c+=$'echo long command end\n#'
  printf -v line '%*s' $(( 3000 - ${#c} )) ''
  c+=${line// /=}
  printf '%s' "$c"
}

# ---------------------------------------------------------------- scenarios
# Each scenario: LINK_ARGS (forwarder options), RX (capture point kept:
# s = server TAP, c = client TAP), DESC, and sc_<name> running the clients.

# (a) random loss both ways, fixed seed, a handful of sessions one after another.
cfg_lossy-random() {
  LINK_ARGS=(--seed "$SEED" --drop 0.05 --dup 0.02 --reorder 0.03) RX=s
  DESC="Random impairment of every TCP frame in both directions (lossy-link.py --seed $SEED --drop 0.05 --dup 0.02 --reorder 0.03); seven sessions one after another: glibc with and without stderr channel, a 109 KB stdout, the raw client (one segment per string), stdin, an error reply, IPv6."
}
sc_lossy-random() {
  G a -u rexuser -p rexpass1 -e -c 'echo hello; echo oops >&2'
  rc_is a 0; out_has a hello; err_has a oops
  truth '*' rexuser rexpass1 'echo hello; echo oops >&2' success
  G b -u rexuser -p rexpass1 -c 'id -un'
  rc_is b 0; out_has b rexuser
  truth '' rexuser rexpass1 'id -un' success
  G c -u rexuser -p rexpass1 -e -c 'seq 1 20000; echo seq-done >&2'
  rc_is c 0; err_has c seq-done
  [ "$(wc -c <"$SD/c.out")" -eq 108894 ] || fail "big stdout: $(wc -c <"$SD/c.out") bytes"
  truth '*' rexuser rexpass1 'seq 1 20000; echo seq-done >&2' success
  R d --stderr-port 40390 --split strings --user rexuser --password rexpass1 \
    --command 'echo raw-out; echo raw-err >&2'
  rc_is d 0; out_has d raw-out; err_has d raw-err
  truth 40390 rexuser rexpass1 'echo raw-out; echo raw-err >&2' success
  seq 1 600 | sed 's/^/stdin line /' >"$SD/stdin"
  G e -u rexuser -p rexpass1 -i "$SD/stdin" -c cat
  rc_is e 0
  cmp -s "$SD/stdin" "$SD/e.out" || fail "cat did not echo stdin"
  truth '' rexuser rexpass1 cat success
  # The daemon writes 0x01 and the text in two writes and exits with the rest
  # of the request unread, so its close is a RST: when the link delays the
  # client's ACK of the 0x01, Nagle still holds the text and the RST discards
  # it (seed 7 does exactly that).  So the client may or may not see the text.
  G f -u rexuser_16_chars -p rexpass1 -c 'id -un'
  rc_is f 1
  truth '' rexuser_16_chars rexpass1 'id -un' 'error:username too long'
  G6 g -u rexuser -p rexpass1 -c 'echo over-ipv6'
  rc_is g 0; out_has g over-ipv6
  truth '' rexuser rexpass1 'echo over-ipv6' success
}

# (b) targeted: one impairment of one handshake segment.
GLIBC_CMD='echo hello; echo oops >&2'
glibc_session() {
  G c -u rexuser -p rexpass1 -e -c "$GLIBC_CMD"
  rc_is c 0; out_has c hello; err_has c oops
  truth '*' rexuser rexpass1 "$GLIBC_CMD" success
}
cfg_loss-port-segment() {
  LINK_ARGS=(--target drop:c2s:n=1) RX=s
  DESC="glibc rexec_af() with stderr channel; the link drops the client's first data segment (the port string) once, the client kernel retransmits it."
}
sc_loss-port-segment() { glibc_session; }

cfg_loss-credentials-segment() {
  LINK_ARGS=(--target drop:c2s:n=2) RX=s
  DESC="glibc rexec_af() with stderr channel; the link drops the client's second data segment (username, password and command, one segment) once; the client kernel retransmits it."
}
sc_loss-credentials-segment() { glibc_session; }

cfg_loss-username-segment() {
  LINK_ARGS=(--target drop:c2s:n=2) RX=s
  DESC="raw client, one segment per string; the link drops the username segment once: password and command arrive first, the retransmitted username fills the hole."
}
sc_loss-username-segment() {
  R c --stderr-port 40381 --split strings --user rexuser --password rexpass1 --command 'echo out; echo err >&2'
  rc_is c 0; out_has c out; err_has c err
  truth 40381 rexuser rexpass1 'echo out; echo err >&2' success
}

cfg_loss-status-byte() {
  LINK_ARGS=(--target drop:s2c:n=1) RX=c
  DESC="glibc rexec_af() with stderr channel; the link drops the server's first data segment (the status byte 0x00) once; captured at the client side, where the stdout that follows arrives before the server kernel's retransmission of the status byte."
}
sc_loss-status-byte() {
  G c -u rexuser -p rexpass1 -e -c 'echo out; echo err >&2; seq 1 3'
  rc_is c 0; out_has c out; err_has c err
  truth '*' rexuser rexpass1 'echo out; echo err >&2; seq 1 3' success
}

cfg_dup-credentials-segment() {
  LINK_ARGS=(--target dup:c2s:n=2) RX=s
  DESC="glibc rexec_af() with stderr channel; the link delivers the credentials segment (username, password, command) twice."
}
sc_dup-credentials-segment() { glibc_session; }

cfg_reorder-handshake() {
  LINK_ARGS=(--target reorder:c2s:n=2) RX=s
  DESC="raw client, one segment per string; the link holds the username segment back until the password segment has passed, so the server receives port, password, username, command."
}
sc_reorder-handshake() {
  R c --stderr-port 40380 --split strings --user rexuser --password rexpass1 --command 'echo out; echo err >&2'
  rc_is c 0; out_has c out; err_has c err
  truth 40380 rexuser rexpass1 'echo out; echo err >&2' success
}

cfg_conflict-username-segment() {
  # "rexuser" becomes "root" and NULs in the copy: same length, other login.
  LINK_ARGS=(--target "conflict:c2s:has=$(printf rexuser | od -An -tx1 | tr -d ' \n'),as=726f6f74000000") RX=s
  DESC="raw client, one segment per string; the link forwards the username segment, then a copy with \"root\" and NULs in place of \"rexuser\" (checksum recomputed): a retransmission with other bytes.  The server's kernel keeps the first copy: the login as rexuser succeeds."
}
sc_conflict-username-segment() {
  R c --stderr-port 40382 --split strings --user rexuser --password rexpass1 --command 'id -un; echo err >&2'
  rc_is c 0; out_has c rexuser; err_has c err
  truth 40382 rexuser rexpass1 'id -un; echo err >&2' success
}

# (c)/(d) clean captures (link without impairment) for editcap.
cfg_clean-strings() {
  LINK_ARGS=() RX=s
  DESC="Clean reference: raw client, one segment per string (port 40370), stderr channel, status 0x00, stdout and stderr; no impairment.  Source of the edit-del-* and trunc-* files."
}
sc_clean-strings() {
  R c --stderr-port 40370 --split strings --user rexuser --password rexpass1 --command 'echo out; echo err >&2; seq 1 3'
  rc_is c 0; out_has c out; err_has c err
  truth 40370 rexuser rexpass1 'echo out; echo err >&2; seq 1 3' success
}
cfg_clean-long-command() {
  LINK_ARGS=() RX=s
  DESC="Clean reference: raw client, port, username and password in a segment each, then a 3000-byte command written in three 1000-byte pieces; no impairment.  Source of edit-del-command-middle."
}
sc_clean-long-command() {
  long_command >"$SD/longcmd"
  R c --stderr-port 40371 --split at:6,14,23,1023,2023 --user rexuser --password rexpass1 \
    --command-file "$SD/longcmd"
  rc_is c 0; out_has c 'long command start'; out_has c 'long command end'
  err_has c 'sent 6 write(s): [6, 8, 9, 1000, 1000, 1001]'
  truth 40371 rexuser rexpass1 "$(cat "$SD/longcmd")" success
}

# ---------------------------------------------------------------- runner
# run_scenario NAME IDX: topology with the scenario's link options, clients,
# teardown; $SD/c.pcap and $SD/s.pcap are the two capture points.
run_scenario() {
  local name=$1 idx=$2 ok=0
  SD="$WORK/$name"
  mkdir -p "$SD"
  "cfg_$name"
  step "$name: link ${LINK_ARGS[*]:-(no impairment)}"
  link_up "$idx" "${LINK_ARGS[@]}"
  set +e
  ( set -e; "sc_$name" ) >>"$SD/clients.log" 2>&1
  ok=$?
  set -e
  link_down
  sed 's/^/    /' "$SD/link.err"
  [ "$ok" -eq 0 ] || { sed 's/^/    /' "$SD/clients.log" | tail -30; die "scenario $name: clients failed (nothing written)"; }
}

# analyze OUTNAME PCAP SD [LINKLOG SIDE]: JSON analysis, checked against the truth.
ANALYSES=()
analyze() {
  local out=$1 pcap=$2 sd=$3 log=${4:-} side=${5:-server} desc=$6
  local args=(--name "$out" --truth "$sd/truth" --side "$side" --desc "$desc" --out "$WORK/json/$out.json")
  [ -n "$log" ] && args+=(--link-log "$log")
  # tshark (for tcp.stream numbers) takes seconds to start: three at a time
  while [ "$(jobs -rp | wc -l)" -ge 3 ]; do wait -n || true; done
  ( rc=0; "$PY" "$TOOL" analyze "${args[@]}" "$pcap" >"$WORK/json/$out.log" 2>&1 || rc=$?
    echo "$rc" >"$WORK/json/$out.rc" ) &
  ANALYSES+=("$WORK/json/$out.json")
}
analyses_done() {
  local j bad=0
  wait
  for j in "${ANALYSES[@]}"; do
    if [ "$(cat "${j%.json}.rc" 2>/dev/null)" != 0 ]; then
      bad=1
      echo "analysis of $(basename "${j%.json}") failed:" >&2
      sed 's/^/    /' "${j%.json}.log" >&2
    fi
  done
  [ "$bad" -eq 0 ] || die "analysis failed (nothing written)"
}

# locate PCAP: frame numbers of the clean capture's session into L[...]
# (syn synack port username password command cmd_frames status stdout)
declare -A L=()
locate() {
  local k v out
  out=$("$PY" "$TOOL" locate "$1")
  L=()
  while IFS='=' read -r k v; do L[$k]=$v; done <<<"$out"
  echo "$(basename "$(dirname "$1")"): $(tr '\n' ' ' <<<"$out")"
}

# ed OUT DESC FRAMES...: editcap deletion from $SRC
ed() {
  local out=$1 desc=$2
  shift 2
  editcap -F pcap "$SRC" "$WORK/out/$out.pcap" "$@"
  analyze "$out" "$WORK/out/$out.pcap" "$SRCDIR" "" server "$desc"
}

echo "make-impaired: ${#want[@]} scenario(s) into $OUTDIR (work dir $WORK)"
t0=$SECONDS
mkdir -p "$WORK/out" "$WORK/json"
idx=0
for s in "${want[@]}"; do
  idx=$((idx + 1))
  run_scenario "$s" "$idx"
done

step "analyse and verify"
side_name() { [ "$1" = c ] && echo client || echo server; }
for s in "${want[@]}"; do
  SD="$WORK/$s"
  "cfg_$s"
  tx=$([ "$RX" = s ] && echo c || echo s)
  case $s in
    lossy-random)
      cp "$SD/s.pcap" "$WORK/out/$s.pcap"
      cp "$SD/c.pcap" "$WORK/out/$s-client.pcap"
      analyze "$s" "$WORK/out/$s.pcap" "$SD" "$SD/link.tsv" server "$DESC"
      analyze "$s-client" "$WORK/out/$s-client.pcap" "$SD" "$SD/link.tsv" client \
        "The same run as lossy-random.pcap, captured at the client's TAP."
      ;;
    loss-*|dup-*|reorder-*|conflict-*)
      cp "$SD/$RX.pcap" "$WORK/out/$s.pcap"
      "$PY" "$TOOL" verify --link-log "$SD/link.tsv" --rx "$SD/$RX.pcap" --tx "$SD/$tx.pcap" ||
        die "$s: the targeted impairment did not happen as intended"
      analyze "$s" "$WORK/out/$s.pcap" "$SD" "$SD/link.tsv" "$(side_name "$RX")" "$DESC"
      ;;
    clean-strings)
      SRC="$SD/s.pcap" SRCDIR=$SD
      cp "$SRC" "$WORK/out/$s.pcap"
      analyze "$s" "$WORK/out/$s.pcap" "$SD" "" server "$DESC"
      locate "$SRC"
      ed edit-del-port "clean-strings.pcap without frame ${L[port]} (the port segment: \"40370\" and its NUL)." "${L[port]}"
      ed edit-del-username "clean-strings.pcap without frame ${L[username]} (the username segment)." "${L[username]}"
      ed edit-del-password "clean-strings.pcap without frame ${L[password]} (the password segment)." "${L[password]}"
      ed edit-del-command "clean-strings.pcap without frame ${L[command]} (the command segment)." "${L[command]}"
      ed edit-del-status "clean-strings.pcap without frame ${L[status]} (the status byte 0x00, alone in its segment)." "${L[status]}"
      ed edit-del-syn "clean-strings.pcap without frame ${L[syn]} (the client's SYN)." "${L[syn]}"
      ed edit-del-syn-synack "clean-strings.pcap without frames ${L[syn]} and ${L[synack]} (SYN and SYN/ACK)." "${L[syn]}" "${L[synack]}"
      ed edit-start-after-command "clean-strings.pcap without frames 1-$((L[status] - 1)): the capture starts with the status byte (all handshake frames, and the stderr connection's handshake, are gone)." "1-$((L[status] - 1))"
      for n in 60 80; do
        editcap -F pcap -s "$n" "$SRC" "$WORK/out/trunc-snap$n.pcap"
        analyze "trunc-snap$n" "$WORK/out/trunc-snap$n.pcap" "$SD" "" server \
          "clean-strings.pcap cut to $n bytes per frame (editcap -s $n): Ethernet+IPv4+TCP with timestamps take 66 bytes, so $( [ "$n" = 60 ] && echo 'no payload byte and not even the whole TCP header is left' || echo 'each segment keeps its first 14 payload bytes')."
      done
      ;;
    clean-long-command)
      SRC="$SD/s.pcap" SRCDIR=$SD
      cp "$SRC" "$WORK/out/$s.pcap"
      analyze "$s" "$WORK/out/$s.pcap" "$SD" "" server "$DESC"
      locate "$SRC"
      IFS=, read -r -a cf <<<"${L[cmd_frames]}"
      [ ${#cf[@]} -eq 3 ] || die "$s: command in ${#cf[@]} frames, want 3"
      ed edit-del-command-middle "clean-long-command.pcap without frame ${cf[1]} (the middle 1000 bytes of the 3000-byte command, carried by frames ${L[cmd_frames]})." "${cf[1]}"
      ;;
  esac
done

analyses_done

# ---------------------------------------------------------------- output
total=$(cat "$WORK"/out/*.pcap | wc -c)
[ "$total" -lt 3000000 ] || die "captures total $total bytes (limit 3 MB)"
for f in "$WORK"/out/*.pcap; do
  cp "$f" "$OUTDIR/$(basename "$f").tmp"
  mv "$OUTDIR/$(basename "$f").tmp" "$OUTDIR/$(basename "$f")"
done
"$PY" "$TOOL" tsv "$OUTDIR/expected.tsv" "${ANALYSES[@]}"
if [ -f "$OUTDIR/README.md" ]; then
  "$PY" "$TOOL" readme "$OUTDIR/README.md" "${ANALYSES[@]}"
fi
outs=("$WORK"/out/*.pcap)
echo "make-impaired: done in $((SECONDS - t0)) s: ${#outs[@]} capture(s), $total bytes, expected.tsv in $OUTDIR"
