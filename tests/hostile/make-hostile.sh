#!/usr/bin/env bash
# make-hostile.sh: record the hostile-input captures of tests/hostile/ from
# real TCP traffic: a hostile Python client (hostile_traffic.py) against the
# real Debian in.rexecd, or a misbehaving fake server, on loopback inside a
# private network namespace per case, recorded with tcpdump.
#
# usage: make-hostile.sh [--outdir DIR] [--keep] [CASE ...]
#        make-hostile.sh --list
# Default: every case, written next to this script (CASE.pcap, or
# CASE.pcap.gz for the big ones).  Run as root.  Nothing leaves the namespace.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
PY=/usr/bin/python3
TRAFFIC="$HERE/hostile_traffic.py"
OUTDIR=$HERE
KEEP=no

# case -> server (daemon: the real in.rexecd via socat; early/status7/hold: fake)
declare -A SERVER=(
  [random-bytes]=daemon [http-request]=daemon [tls-clienthello]=daemon [ssh-banner]=daemon
  [long-port-1mb]=daemon [long-command-1mb]=daemon [nul-flood]=daemon
  [port-99999]=daemon [port-minus1]=daemon [port-abc]=daemon [port-1234567]=daemon
  [many-half-open]=hold [early-server]=early [one-byte-segments]=daemon
  [stderr-never-connects]=daemon [status-7]=status7
)
CASES=(random-bytes http-request tls-clienthello ssh-banner long-port-1mb long-command-1mb nul-flood
       port-99999 port-minus1 port-abc port-1234567 many-half-open early-server one-byte-segments
       stderr-never-connects status-7)
# Written gzipped (tshark reads .pcap.gz as is): they are big and repetitive.
GZIP_CASES=" long-port-1mb long-command-1mb many-half-open "

die() { echo "make-hostile: $*" >&2; exit 1; }

ARGS=("$@")
want=()
while [ $# -gt 0 ]; do
  case $1 in
    --outdir) OUTDIR=$2; shift 2 ;;
    --keep) KEEP=yes; shift ;;
    --list) printf '%s\n' "${CASES[@]}"; exit 0 ;;
    -h|--help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) die "unknown option $1" ;;
    *) [ -n "${SERVER[$1]:-}" ] || die "unknown case $1 (see --list)"; want+=("$1"); shift ;;
  esac
done
[ ${#want[@]} -gt 0 ] || want=("${CASES[@]}")
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, tcpdump, test account)"

# Packages first: the sandbox's /etc is private and thrown away.
[ -n "${EXEC_SANDBOX:-}" ] || "$ROOT/tests/install-test-deps.sh"
. "$ROOT/scripts/netns-lib.sh"
sandbox_enter "$HERE/make-hostile.sh" "${ARGS[@]}"
sandbox_daemons
for tool in ip tcpdump socat ethtool ss gzip timeout; do
  command -v "$tool" >/dev/null || die "$tool not found after install-test-deps"
done
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

# The daemon's test account (the same as test-captures/make-captures.sh), in the sandbox only.
capture_account rexuser rexpass1 /bin/sh

WORK=$(mktemp -d /tmp/make-hostile.XXXXXX)
NS=""
cleanup() {
  [ -n "$NS" ] && delete_ns "$NS"
  if [ "$KEEP" = yes ]; then echo "make-hostile: work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

run_case() {
  local name=$1 idx=$2 server=${SERVER[$1]} SD="$WORK/$1" td i
  NS="rxhost$$-$idx"
  mkdir -p "$SD"
  ip netns add "$NS"
  ip -n "$NS" link set lo mtu 1500 up
  ip netns exec "$NS" ethtool -K lo tso off gso off gro off >/dev/null 2>&1 ||
    echo "warning: cannot turn off offload on lo" >>"$SD/log"
  if [ "$name" = many-half-open ]; then
    # 10,000 sessions at once: a long accept queue; no TCP timestamps (smaller file).
    ip netns exec "$NS" sysctl -q -w net.core.somaxconn=16384 net.ipv4.tcp_max_syn_backlog=16384 \
      net.ipv4.tcp_timestamps=0
  fi
  for i in $(seq 50); do
    ip -n "$NS" addr show dev lo | grep -q 'inet 127.0.0.1/' && break
    sleep 0.05
  done

  if [ "$server" = daemon ]; then
    ip netns exec "$NS" socat TCP4-LISTEN:512,bind=127.0.0.1,reuseaddr,fork \
      EXEC:"$REXECD",nofork 2>>"$SD/server.log" &
  else
    (ulimit -n 20000; exec ip netns exec "$NS" "$PY" "$TRAFFIC" server "$server") 2>>"$SD/server.log" &
  fi
  # -Z root: tcpdump must keep root to write the file; -U --immediate-mode:
  # nothing left in the buffer when it is stopped.
  # many-half-open: payloads of at most 4 bytes, so 128 bytes of snaplen keep
  # every byte and make the ring's slots small enough not to drop.
  local snap=0
  [ "$name" = many-half-open ] && snap=128
  ip netns exec "$NS" tcpdump -i lo -n -s "$snap" -U --immediate-mode -B 65536 -Z root \
    -w "$SD/$name.pcap" tcp 2>"$SD/tcpdump.log" &
  td=$!
  for i in $(seq 100); do
    grep -q 'listening on' "$SD/tcpdump.log" &&
      [ "$(ss -N "$NS" -Hltn 'sport = :512' | wc -l)" -ge 1 ] && break
    sleep 0.05
  done
  grep -q 'listening on' "$SD/tcpdump.log" || die "$name: tcpdump did not start"
  [ "$(ss -N "$NS" -Hltn 'sport = :512' | wc -l)" -ge 1 ] || die "$name: no listener on 512"

  local t0=$SECONDS rc=0
  (ulimit -n 20000; exec ip netns exec "$NS" timeout -k 2 120 "$PY" "$TRAFFIC" client "$name") \
    >"$SD/client.out" 2>"$SD/client.err" || rc=$?
  # Let every connection finish (only listeners and TIME-WAIT left), at most 15 s.
  for i in $(seq 150); do
    [ -z "$(ss -N "$NS" -Htan | awk '$1 != "LISTEN" && $1 != "TIME-WAIT"')" ] && break
    sleep 0.1
  done
  sleep 0.2
  kill -INT "$td"
  for i in $(seq 100); do kill -0 "$td" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$td" 2>/dev/null && { kill -KILL "$td"; die "$name: tcpdump did not stop"; }
  wait "$td" || true
  delete_ns "$NS"
  NS=""
  grep -q '^0 packets dropped by kernel' "$SD/tcpdump.log" ||
    die "$name: tcpdump dropped packets: $(cat "$SD/tcpdump.log")"
  local pkts
  pkts=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$SD/tcpdump.log")
  [ "$rc" -eq 0 ] || { cat "$SD/client.err" >&2; die "$name: client exited $rc"; }
  local dest="$OUTDIR/$name.pcap"
  if [[ $GZIP_CASES == *" $name "* ]]; then
    gzip -n -9 -c "$SD/$name.pcap" >"$dest.gz.tmp"
    mv "$dest.gz.tmp" "$dest.gz"
    rm -f "$dest"
    dest="$dest.gz"
  else
    cp "$SD/$name.pcap" "$dest.tmp"
    mv "$dest.tmp" "$dest"
    rm -f "$dest.gz"
  fi
  chmod a+r "$dest"
  printf '  %-22s %6s packets %9s bytes %3d s  %s\n' "$name" "$pkts" "$(stat -c %s "$dest")" \
    $((SECONDS - t0)) "$(tail -1 "$SD/client.err")"
}

echo "make-hostile: ${#want[@]} case(s) into $OUTDIR"
n=0
for c in "${want[@]}"; do
  n=$((n + 1))
  run_case "$c" "$n"
done
echo "make-hostile: done"
