#!/usr/bin/env bash
# make-captures.sh: real traffic for the exec_tcp heuristic tests
# (check_heuristic.py): rexec on a non-standard port, rsh, rlogin, other TCP
# protocols, and a stderr port reused after its session ended.  Recorded
# with tcpdump like test-captures/make-captures.sh: one network namespace per
# capture (lo only), Debian's real daemons behind socat, real clients.
#
# usage: make-captures.sh [--outdir DIR] [--keep] [CAPTURE ...]
#        make-captures.sh --list
# Default: every capture, into this script's directory.  Run as root.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
RAW="$ROOT/test-captures/clients/raw-rexec.py"
OUTDIR=$HERE
KEEP=no
CLIENT_TIMEOUT=30
CAPTURES=(exec-port-5120 rsh-514 rlogin-513 other-tcp rexec-after-stderr-port-reuse
          hostile-ports-5120)

die() { echo "make-captures: $*" >&2; exit 1; }

ARGS=("$@")
want=()
while [ $# -gt 0 ]; do
  case $1 in
    --outdir) [ $# -ge 2 ] || die "--outdir needs a directory"; OUTDIR=$2; shift 2 ;;
    --keep) KEEP=yes; shift ;;
    --list) printf '%s\n' "${CAPTURES[@]}"; exit 0 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) [[ " ${CAPTURES[*]} " == *" $1 "* ]] || die "unknown capture '$1' (see --list)"; want+=("$1"); shift ;;
  esac
done
[ ${#want[@]} -gt 0 ] || want=("${CAPTURES[@]}")
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, test account, tcpdump)"

# Packages first: the sandbox's /etc is private and thrown away.
[ -n "${EXEC_SANDBOX:-}" ] || "$ROOT/tests/install-test-deps.sh"
. "$ROOT/scripts/netns-lib.sh"
sandbox_enter "$HERE/make-captures.sh" "${ARGS[@]}"
sandbox_daemons
for tool in ip tcpdump socat ethtool ss gcc timeout script rsh rlogin; do
  command -v "$tool" >/dev/null || die "$tool not found after install-test-deps"
done
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

# The test account of test-captures/make-captures.sh, in the sandbox only.
capture_account rexuser rexpass1 /bin/sh

WORK=$(mktemp -d /tmp/heur-captures.XXXXXX)
NS=""
cleanup() {
  [ -n "$NS" ] && teardown_ns
  if [ "$KEEP" = yes ]; then echo "make-captures: work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
# Everything in the namespace is ours: stop it, then delete the namespace.
teardown_ns() {
  delete_ns "$NS"
  NS=""
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# glibc's rexec_af() with rport htons(5120): the project's client, port patched.
sed 's/htons(512)/htons(REXEC_PORT)/' "$ROOT/test-captures/clients/glibc-rexec.c" >"$WORK/glibc-rexec.c"
[ "$(grep -c 'htons(REXEC_PORT)' "$WORK/glibc-rexec.c")" -eq 1 ] || die "glibc-rexec.c: rexec_af call not found"
gcc -O2 -Wall -Wextra -DREXEC_PORT=5120 -o "$WORK/glibc-rexec-5120" "$WORK/glibc-rexec.c"

# rsh and rlogin authenticate by ~/.rhosts (pam_rhosts): root on localhost may
# be rexuser.  The home is the sandbox's, so no host account trusts anybody.
rhosts="$(sandbox_home rexuser)/.rhosts"
printf 'localhost root\n127.0.0.1 root\n' >"$rhosts"
chown rexuser:"$(id -gn rexuser)" "$rhosts"
chmod 600 "$rhosts"

# ---------------------------------------------------------------- helpers
# In a capture: $NS namespace, $SD its work dir.
in_ns() { ip netns exec "$NS" "$@"; }
serve() { in_ns "$@" </dev/null >>"$SD/servers.log" 2>&1 & }   # a server, until teardown
wait_listen() { # PORT: bounded wait until something listens on PORT
  local i
  for i in $(seq 100); do [ -n "$(ss -N "$NS" -Hltn "sport = :$1")" ] && return 0; sleep 0.05; done
  fail "nothing listens on port $1"
}
wait_idle() { # until only listeners and TIME-WAIT are left (FIN/RST in the file)
  local i open=''
  for i in $(seq 200); do
    open=$(ss -N "$NS" -Htan | awk '$1 != "LISTEN" && $1 != "TIME-WAIT"')
    [ -z "$open" ] && return 0
    sleep 0.05
  done
  echo "$open"; fail "connections still open"
}
# client LABEL CMD...: output and status in $SD/LABEL.{out,err,rc}; never fails.
client() {
  local label=$1 rc=0
  shift
  in_ns timeout -k 2 "$CLIENT_TIMEOUT" "$@" </dev/null >"$SD/$label.out" 2>"$SD/$label.err" || rc=$?
  echo "$rc" >"$SD/$label.rc"
  { echo "--- $label: rc=$rc"; head -c 3000 "$SD/$label.out"; echo; head -c 2000 "$SD/$label.err"; } >>"$SD/log"
}
fail() { echo "check failed: $*" >>"$SD/log"; return 1; }
rc_is() { [ "$(cat "$SD/$1.rc")" = "$2" ] || fail "$1 exited $(cat "$SD/$1.rc"), expected $2"; }
out_has() { grep -qF -- "$2" "$SD/$1.out" || fail "$1 stdout lacks '$2'"; }
err_has() { grep -qF -- "$2" "$SD/$1.err" || fail "$1 stderr lacks '$2'"; }
raw() { client "$1" "$PY" "$RAW" --timeout 20 "${@:2}"; }

# ---------------------------------------------------------------- captures
# rexec on 5120: glibc (port string alone, stderr channel), then a raw client
# sending all four strings in one segment (Metasploit / nmap / Hydra style).
cap_exec-port-5120() {
  serve socat TCP4-LISTEN:5120,bind=127.0.0.1,reuseaddr,fork EXEC:"$REXECD",nofork
  wait_listen 5120
  client glibc "$WORK/glibc-rexec-5120" -H 127.0.0.1 -T 20 -u rexuser -p rexpass1 -e \
    -c 'echo hello-5120; echo oops-5120 >&2'
  rc_is glibc 0; out_has glibc hello-5120; err_has glibc oops-5120
  wait_idle
  raw raw --port 5120 --port-string '' --split all --user rexuser --password rexpass1 --command 'id -un'
  rc_is raw 0; out_has raw rexuser; err_has raw 'sent 1 write(s)'
}

# Hostile port strings on 5120 (issue 17): the real daemon gets each request,
# all four strings in one segment, from raw-rexec.py; it computes a port from
# the string, connects back where nothing listens, and closes.  In this order:
# 100000, 065535, 0000000000512 (six and more digits), +512, -512 (signs),
# " 512", "512 " (spaces), then 00512 (five digits, leading zeros: a real
# port string).  check_heuristic.py says which the heuristic takes.
HOSTILE_PORT_STRINGS=(100000 065535 0000000000512 +512 -512 ' 512' '512 ' 00512)
cap_hostile-ports-5120() {
  local i=0 p
  serve socat TCP4-LISTEN:5120,bind=127.0.0.1,reuseaddr,fork EXEC:"$REXECD",nofork
  wait_listen 5120
  for p in "${HOSTILE_PORT_STRINGS[@]}"; do
    i=$((i + 1))
    raw "p$i" --port 5120 --port-string "$p" --split all --user rexuser --password rexpass1 --command 'echo never'
    err_has "p$i" 'sent 1 write(s)'
    wait_idle
  done
}

# in.rshd wants the socket on fds 0, 1 and 2 (inetd): socat's "stderr" option.
cap_rsh-514() {
  serve socat TCP4-LISTEN:514,bind=127.0.0.1,reuseaddr,fork EXEC:"$RSHD",nofork,stderr
  wait_listen 514
  client rsh rsh -l rexuser 127.0.0.1 'echo hello-rsh; echo err-rsh >&2; id -un'
  rc_is rsh 0; out_has rsh hello-rsh; out_has rsh rexuser; err_has rsh err-rsh
}

# The real rlogin client needs a terminal: script(1) gives it a pty and types
# a command and "exit" into the remote shell.
cap_rlogin-513() {
  serve socat TCP4-LISTEN:513,bind=127.0.0.1,reuseaddr,fork EXEC:"$RLOGIND",nofork,stderr
  wait_listen 513
  client rlogin sh -c '(sleep 1.5; echo "echo rlogin-ok"; sleep 0.5; echo exit; sleep 2) |
    script -qec "rlogin -l rexuser 127.0.0.1" /dev/null'
  rc_is rlogin 0; out_has rlogin 'rlogin-ok'
}

# HTTP (python http.server and urllib), an echo server with a text and a
# binary NUL-containing client, and an SMTP-like server-first banner exchange.
cap_other-tcp() {
  mkdir -p "$SD/www"
  printf '<html><body>heuristic test page</body></html>\n' >"$SD/www/index.html"
  serve "$PY" -m http.server 8080 --bind 127.0.0.1 --directory "$SD/www"
  serve socat TCP4-LISTEN:7007,bind=127.0.0.1,reuseaddr,fork PIPE
  # A script file: socat's address syntax would mangle the shell text.
  printf '%s\n' 'printf "220 heur.test ESMTP ready\r\n"; read a; printf "250 heur.test hello\r\n"' \
    'read b; printf "221 bye\r\n"' >"$SD/smtp.sh"
  serve socat TCP4-LISTEN:2525,bind=127.0.0.1,reuseaddr,fork EXEC:"/bin/sh $SD/smtp.sh"
  wait_listen 8080; wait_listen 7007; wait_listen 2525
  client http "$PY" -c 'import urllib.request as u; print(u.urlopen("http://127.0.0.1:8080/index.html", timeout=10).read().decode())'
  rc_is http 0; out_has http 'heuristic test page'
  client echo sh -c 'printf "hello echo\n" | socat -t 1 - TCP4:127.0.0.1:7007'
  rc_is echo 0; out_has echo 'hello echo'
  # Starts with NUL like a rexec request without stderr port, then binary.
  printf '\000\001binary\000\377\376\375\000\000\002tail' >"$SD/binary.in"
  client binary sh -c "socat -t 1 - TCP4:127.0.0.1:7007 <'$SD/binary.in'"
  rc_is binary 0; cmp -s "$SD/binary.in" "$SD/binary.out" || fail "binary not echoed"
  client smtp sh -c '(sleep 0.3; printf "HELO client\r\n"; sleep 0.3; printf "QUIT\r\n"; sleep 0.5) |
    socat - TCP4:127.0.0.1:2525'
  rc_is smtp 0; out_has smtp '221 bye'
  wait_idle
}

# Three sessions announcing a stderr port where nothing listens, then (after
# all ended) an unrelated connection from the server's address to each port.
# A: raw-rexec.py, all four strings in one segment, port 40500.
# B: the port string "40501" alone, as glibc's rexec_af() sends it, and close
#    when the daemon closes (no listener: glibc itself would hang in accept).
# C: as A over IPv6, port 40502: the daemon refuses IPv6 peers before it
#    connects back, so no packet ever goes to the port.
cap_rexec-after-stderr-port-reuse() {
  serve socat TCP4-LISTEN:512,bind=127.0.0.1,reuseaddr,fork EXEC:"$REXECD",nofork
  serve socat TCP6-LISTEN:512,'bind=[::1]',ipv6only=1,reuseaddr,fork EXEC:"$REXECD",nofork
  wait_listen 512
  raw a --port-string 40500 --split all --user rexuser --password rexpass1 --command 'echo never'
  # The daemon's connect-back is refused (RST) and it exits with the
  # credentials unread: the kernel resets the control connection.
  rc_is a 1; err_has a 'connection reset (control)'; err_has a 'closed without reply'
  wait_idle
  client b "$PY" -c 'import socket; s = socket.create_connection(("127.0.0.1", 512), 10)
s.sendall(b"40501\0"); print(repr(s.recv(100))); s.close()'
  # Refused again; nothing unread this time, so the daemon's exit is a FIN.
  rc_is b 0; out_has b "b''"
  wait_idle
  raw c --host ::1 --port-string 40502 --split all --user rexuser --password rexpass1 --command 'echo never'
  rc_is c 1; err_has c 'Where are you?'
  wait_idle
  sleep 0.5
  serve socat TCP4-LISTEN:40500,bind=127.0.0.1,reuseaddr PIPE
  serve socat TCP4-LISTEN:40501,bind=127.0.0.1,reuseaddr PIPE
  serve socat TCP6-LISTEN:40502,'bind=[::1]',ipv6only=1,reuseaddr PIPE
  wait_listen 40500; wait_listen 40501; wait_listen 40502
  client later-a sh -c 'printf "unrelated payload A\n" | socat -t 1 - TCP4:127.0.0.1:40500,bind=127.0.0.1'
  rc_is later-a 0; out_has later-a 'unrelated payload A'
  client later-b sh -c 'printf "unrelated payload B\n" | socat -t 1 - TCP4:127.0.0.1:40501,bind=127.0.0.1'
  rc_is later-b 0; out_has later-b 'unrelated payload B'
  client later-c sh -c 'printf "unrelated payload C\n" | socat -t 1 - TCP6:[::1]:40502,bind=[::1]'
  rc_is later-c 0; out_has later-c 'unrelated payload C'
}

# ---------------------------------------------------------------- runner
record() { # NAME: namespace, tcpdump, cap_NAME, clean stop; pcap into $WORK
  local name=$1 td i ok
  SD="$WORK/$name"; NS="heurcap$$-$name"
  mkdir -p "$SD"; : >"$SD/log"
  ip netns add "$NS"
  # MTU 1500 and no offload: Ethernet-sized segments, and libpcap's ring
  # slots stay small (with offload it drops under load).
  in_ns sh -c 'echo 0 >/proc/sys/net/ipv6/conf/lo/disable_ipv6' || true
  ip -n "$NS" link set lo mtu 1500 up
  for i in $(seq 50); do [[ $(ip -n "$NS" addr show dev lo) == *'inet6 ::1/'* ]] && break; sleep 0.05; done
  in_ns ethtool -K lo tso off gso off gro off >>"$SD/log" 2>&1 || echo "warning: offload stays on" >>"$SD/log"
  # -Z root: write without dropping privileges; --immediate-mode: nothing
  # left in the ring when tcpdump is stopped.
  # Not through a shell function: $! must be tcpdump itself, for SIGINT.
  ip netns exec "$NS" tcpdump -i lo -n -s 0 -U --immediate-mode -B 8192 -Z root -w "$SD/$name.pcap" tcp \
    </dev/null 2>"$SD/tcpdump.log" &
  td=$!
  for i in $(seq 200); do grep -q 'listening on' "$SD/tcpdump.log" && break; sleep 0.05; done
  grep -q 'listening on' "$SD/tcpdump.log" || { fail "tcpdump did not start"; return 1; }
  ok=0
  set +e; ( set -e; "cap_$name" ); ok=$?; set -e
  [ "$ok" -ne 0 ] || wait_idle || ok=1
  sleep 0.1
  kill -INT "$td"
  for i in $(seq 50); do kill -0 "$td" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$td" 2>/dev/null && { kill -KILL "$td"; fail "tcpdump did not stop"; ok=1; }
  wait "$td" || true
  grep -q '^0 packets dropped by kernel' "$SD/tcpdump.log" || { fail "tcpdump dropped packets"; ok=1; }
  teardown_ns
  return "$ok"
}

failed=()
for c in "${want[@]}"; do
  if record "$c"; then
    echo "  ok    $c ($(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$WORK/$c/tcpdump.log") packets)"
  else
    failed+=("$c"); echo "  FAIL  $c"; sed 's/^/        /' "$WORK/$c/log" | tail -40
  fi
done
[ ${#failed[@]} -eq 0 ] || die "${#failed[@]} capture(s) failed: ${failed[*]} (nothing written)"
for c in "${want[@]}"; do
  cp "$WORK/$c/$c.pcap" "$OUTDIR/$c.pcap.tmp" && mv "$OUTDIR/$c.pcap.tmp" "$OUTDIR/$c.pcap"
done
chmod a+r "$OUTDIR"/*.pcap
echo "make-captures: ${#want[@]} capture(s) in $OUTDIR"
