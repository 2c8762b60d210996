#!/usr/bin/env bash
# make-captures.sh: record real rexec traffic between Debian's in.rexecd and
# real clients (glibc rexec_af(3), a raw Python client, the brute-force tools
# hydra, medusa and nmap) with tcpdump.
#
# usage: make-captures.sh [--outdir DIR] [-j JOBS] [--keep] [SCENARIO ...]
#        make-captures.sh --list
#   --outdir DIR  where <scenario>.pcap and expected.tsv go (default: the
#                 directory of this script)
#   -j JOBS       scenarios run at the same time (default 4)
#   --keep        keep the work dir (logs, client output) for debugging
# Default: every scenario.  expected.tsv gets one row per control connection,
# parsed from the captures by tools/rexec-sessions.py.  Run as root.
#
# Each scenario runs in its own network namespace (lo only: 127.0.0.1, ::1),
# so scenarios can run in parallel and every capture holds only its own
# traffic.  Nothing leaves the namespace.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
PY=/usr/bin/python3            # Debian's python; the one first on PATH may differ
RAW="$HERE/clients/raw-rexec.py"
SESSIONS="$HERE/tools/rexec-sessions.py"
OUTDIR=$HERE
JOBS=4
KEEP=no
CLIENT_TIMEOUT=30              # upper bound for any single client run (s)

SCENARIOS=(
  glibc-success-stderr glibc-success-nostderr glibc-wrong-password glibc-unknown-user
  too-long-username too-long-password long-command big-stdout stdin-data stdin-wc
  each-string-own-segment all-in-one-segment tiny-segments split-strings
  port-zero empty-password no-home-dir bad-shell interleaved
  ipv6-stderr ipv6-nostderr ipv6-reply-before-request ipv6-named-stderr stderr-signal reused-tuple
  ipv6-named-shared-stderr-port rst-after-close busy-reused-tuple hydra-brute medusa-brute nmap-rexec-brute
)

die() { echo "make-captures: $*" >&2; exit 1; }

# ---------------------------------------------------------------- arguments
ARGS=("$@")
want=()
while [ $# -gt 0 ]; do
  case $1 in
    --outdir) [ $# -ge 2 ] || die "--outdir needs a directory"; OUTDIR=$2; shift 2 ;;
    --outdir=*) OUTDIR=${1#*=}; shift ;;
    -j) [ $# -ge 2 ] || die "-j needs a number"; JOBS=$2; shift 2 ;;
    --keep) KEEP=yes; shift ;;
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
[[ $JOBS =~ ^[1-9][0-9]*$ ]] || die "-j needs a positive number"
[ "$(id -u)" -eq 0 ] || die "must run as root (network namespaces, test accounts, tcpdump)"

# ---------------------------------------------------------------- setup
# Packages first: the sandbox's /etc is private and thrown away.
[ -n "${EXEC_SANDBOX:-}" ] || "$HERE/../tests/install-test-deps.sh"
. "$HERE/../scripts/netns-lib.sh"
sandbox_enter "$HERE/make-captures.sh" "${ARGS[@]}"
sandbox_daemons
for tool in ip tcpdump socat ethtool ss gcc timeout; do
  command -v "$tool" >/dev/null || die "$tool not found after install-test-deps"
done
[ -x "$PY" ] || die "$PY missing"
mkdir -p "$OUTDIR"
OUTDIR=$(cd "$OUTDIR" && pwd)

# Test accounts, in the sandbox only (see scripts/netns-lib.sh).
#   rexuser/rexpass1, opsuser/0psPass!  ordinary accounts
#   nopwuser (empty password)           pam_unix "nullok" lets it in
#   nohomeuser/nohome12                 home directory does not exist
#   badshelluser/badshell1              login shell does not exist
capture_account rexuser rexpass1 /bin/sh
capture_account opsuser '0psPass!' /bin/sh
capture_account nopwuser '' /bin/sh
capture_account nohomeuser nohome12 /bin/sh nohome
capture_account badshelluser badshell1 /bin/no-such-shell

WORK=$(mktemp -d /tmp/make-captures.XXXXXX)
mkdir -p "$WORK/ns" "$WORK/logs"
bgpids=()
cleanup() {
  local p n
  for p in "${bgpids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  # namespaces a killed scenario could not delete itself
  for n in "$WORK"/ns/*; do
    [ -e "$n" ] || continue
    teardown_ns "$(basename "$n")"
  done
  if [ "$KEEP" = yes ]; then echo "make-captures: work dir kept: $WORK" >&2; else rm -rf "$WORK"; fi
}

# Kill what we started inside namespace $1 (all of it is ours), then delete it.
teardown_ns() {
  local ns=$1
  rm -rf "/etc/netns/$ns"
  delete_ns "$ns"
  rm -f "$WORK/ns/$ns"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

gcc -O2 -Wall -Wextra -o "$WORK/glibc-rexec" "$HERE/clients/glibc-rexec.c"

# ---------------------------------------------------------------- helpers
# Used inside a scenario: $NS = namespace, $SD = scenario work dir.

# client LABEL CMD...: run a client inside the namespace; keep its stdout,
# stderr and exit status in $SD/LABEL.{out,err,rc}.  Never fails.
client() {
  local label=$1 rc=0
  shift
  ip netns exec "$NS" timeout -k 2 "$CLIENT_TIMEOUT" "$@" \
    </dev/null >"$SD/$label.out" 2>"$SD/$label.err" || rc=$?
  echo "$rc" >"$SD/$label.rc"
  { echo "--- $label: rc=$rc"; echo "stdout:"; head -c 2000 "$SD/$label.out"; echo
    echo "stderr:"; head -c 2000 "$SD/$label.err"; } >>"$SD/log"
}
G() { client "$1" "$WORK/glibc-rexec" -H 127.0.0.1 -T 20 "${@:2}"; }   # glibc client
R() { client "$1" "$PY" "$RAW" --timeout 20 "${@:2}"; }                # raw client

# expect PORT USER PASS COMMAND OUTCOME [SEGMENTS]: one control connection.
# PORT "*" = any stderr port number (glibc picks an ephemeral one); SEGMENTS =
# client segments carrying the request (default "*" = any).  Expectations pair
# with sessions by user+password+command, in any order (concurrent SYNs
# race); sessions with the same three strings pair in SYN order.  Every
# session on the wire must be expected.
expect() { expect_n 1 "$@"; }
# expect_n COUNT PORT USER PASS COMMAND OUTCOME [SEGMENTS]: COUNT (N or
# MIN-MAX) such control connections, for a tool whose number of them varies.
expect_n() {
  printf '%s\0%s\0%s\0%s\0%s\0%s\0%s\0' "$2" "$3" "$4" "$5" "$6" "${7:-*}" "$1" >>"$SD/expect"
}

step() { echo "[$(date +%T.%N | cut -c1-12)] $*"; }   # timestamps in the log
fail() { echo "check failed: $*" >>"$SD/log"; return 1; }
rc_is() { [ "$(cat "$SD/$1.rc")" = "$2" ] || fail "$1 exited $(cat "$SD/$1.rc"), expected $2"; }
out_has() { grep -qF -- "$2" "$SD/$1.out" || fail "$1 stdout lacks '$2'"; }
err_has() { grep -qF -- "$2" "$SD/$1.err" || fail "$1 stderr lacks '$2'"; }

# 6000 bytes of shell: newlines, tabs, UTF-8; more than four 1448-byte segments.
long_command() {
  local LC_ALL=C c i line   # C locale: ${#c} counts bytes
  c=$'# exec-dissector long-command test\necho \'h\xc3\xa9llo w\xc3\xb6rld\'\n'
  c+=$'printf \'%s\\n\' \'tab\tseparated\tvalues\'\n'
  for ((i = 1; ; i++)); do
    printf -v line ': filler %03d the quick brown fox jumps over the lazy dog\n' "$i"
    [ $(( ${#c} + ${#line} + 200 )) -lt 6000 ] || break
    c+=$line
  done
  c+=$'echo "long command done"\n# padding '
  printf -v line '%*s' $(( 6000 - ${#c} )) ''
  c+=${line// /=}
  printf '%s' "$c"
}

# ---------------------------------------------------------------- scenarios
# Each sc_* runs the client(s), checks what they saw and records expectations
# of what is on the wire.  Outcomes below are what Debian 12's in.rexecd
# (netkit 0.17-24) really does.

sc_glibc-success-stderr() {
  G c -u rexuser -p rexpass1 -e -c 'echo hello; echo oops >&2'
  rc_is c 0; out_has c hello; err_has c oops
  expect '*' rexuser rexpass1 'echo hello; echo oops >&2' success
}

sc_glibc-success-nostderr() {
  G c -u rexuser -p rexpass1 -c 'id -un'
  rc_is c 0; out_has c rexuser
  expect '' rexuser rexpass1 'id -un' success
}

# PAM refuses: the daemon exits without a word after pam_unix's ~2 s delay.
sc_glibc-wrong-password() {
  G c -u rexuser -p wrongpass1 -e -c 'id -un'
  rc_is c 1
  expect '*' rexuser wrongpass1 'id -un' closed-without-reply
}

sc_glibc-unknown-user() {
  G c -u nosuchuser -p rexpass1 -c 'id -un'
  rc_is c 1
  expect '' nosuchuser rexpass1 'id -un' closed-without-reply
}

# 16 characters is already too long (buffer of 16 incl. the NUL).
sc_too-long-username() {
  G c -u rexuser_16_chars -p rexpass1 -c 'id -un'
  rc_is c 1; err_has c 'username too long'
  expect '' rexuser_16_chars rexpass1 'id -un' 'error:username too long'
}

sc_too-long-password() {
  G c -u rexuser -p rexpass1rexpass1 -c 'id -un'
  rc_is c 1; err_has c 'password too long'
  expect '' rexuser rexpass1rexpass1 'id -un' 'error:password too long'
}

# lo's MTU is 1500 in every namespace, so this 6000-byte command is cut into
# several segments by TCP itself (glibc writes it in one writev()).
sc_long-command() {
  local cmd
  cmd=$(long_command)
  G c -u rexuser -p rexpass1 -e -c "$cmd"
  rc_is c 0; out_has c 'héllo wörld'; out_has c $'tab\tseparated\tvalues'; out_has c 'long command done'
  expect '*' rexuser rexpass1 "$cmd" success 6   # port, then 4 x 1448 + 226
}

sc_big-stdout() {
  G c -u rexuser -p rexpass1 -c 'seq 1 40000'
  rc_is c 0
  [ "$(wc -c <"$SD/c.out")" -eq 228894 ] || fail "big-stdout: $(wc -c <"$SD/c.out") bytes"
  expect '' rexuser rexpass1 'seq 1 40000' success
}

sc_stdin-data() {
  printf 'line one\nline two\n\000\001\002binary\376\377\000end\n' >"$SD/stdin"
  G c -u rexuser -p rexpass1 -i "$SD/stdin" -c cat
  rc_is c 0
  cmp -s "$SD/stdin" "$SD/c.out" || fail "cat did not echo stdin"
  expect '' rexuser rexpass1 cat success
}

# 8 KB of stdin, every byte value 32 times (bytes(range(256)) * 32: NULs,
# 0xff, newlines), counted by the command: more than one segment each way
# of the client's stdin, and a short known stdout.  tests/export/
# check_export.py compares the exported stdin and stdout with exactly these
# bytes, which the client sent and printed (checked here).
sc_stdin-wc() {
  "$PY" -c 'import sys; sys.stdout.buffer.write(bytes(range(256)) * 32)' >"$SD/stdin"
  [ "$(wc -c <"$SD/stdin")" -eq 8192 ] || fail "stdin-wc: stdin is not 8192 bytes"
  G c -u rexuser -p rexpass1 -i "$SD/stdin" -c 'wc -c'
  rc_is c 0
  printf '8192\n' | cmp -s - "$SD/c.out" || fail "stdin-wc: wc -c printed $(od -An -c "$SD/c.out")"
  expect '' rexuser rexpass1 'wc -c' success
}

sc_each-string-own-segment() {
  R c --stderr-port 40370 --split strings --user rexuser --password rexpass1 \
    --command 'echo out; echo err >&2'
  rc_is c 0; out_has c out; err_has c err; err_has c 'sent 4 write(s)'
  expect 40370 rexuser rexpass1 'echo out; echo err >&2' success 4
}

# Like Metasploit / nmap / Hydra: one send, no stderr channel.
sc_all-in-one-segment() {
  R c --port-string '' --split all --user rexuser --password rexpass1 --command 'id -un'
  rc_is c 0; out_has c rexuser; err_has c 'sent 1 write(s)'
  expect '' rexuser rexpass1 'id -un' success 1
}

sc_tiny-segments() {
  R c --stderr-port 40372 --split tiny --gap-ms 30 --user rexuser --password rexpass1 \
    --command 'echo tiny; echo tiny-err >&2'
  rc_is c 0; out_has c tiny; err_has c tiny-err
  expect 40372 rexuser rexpass1 'echo tiny; echo tiny-err >&2' success 26
}

# "403" | "69\0rexu" | "ser\0rexp" | "ass1\0ec" | "ho hi\0"
sc_split-strings() {
  R c --stderr-port 40369 --split at:3,10,18,25 --user rexuser --password rexpass1 --command 'echo hi'
  rc_is c 0; out_has c hi; err_has c 'sent 5 write(s): [3, 7, 8, 7, 6]'
  expect 40369 rexuser rexpass1 'echo hi' success 5
}

# "0\0" alone, then the rest: glibc's two-write pattern with a literal 0.
sc_port-zero() {
  R c --port-string 0 --split at:2 --user rexuser --password rexpass1 --command 'echo port zero'
  rc_is c 0; out_has c 'port zero'
  expect 0 rexuser rexpass1 'echo port zero' success 2
}

sc_empty-password() {
  G c -u nopwuser -p '' -c 'id -un'
  rc_is c 0; out_has c nopwuser
  expect '' nopwuser '' 'id -un' success
}

# Debian's daemon writes the 0x00 before chdir(home): the 0x01 message follows it.
sc_no-home-dir() {
  G c -u nohomeuser -p nohome12 -c 'id -un'
  rc_is c 0; out_has c 'No remote directory.'
  expect '' nohomeuser nohome12 'id -un' 'error-after-success:No remote directory.'
}

# Status 0 is sent before exec; the exec failure then appears on the stderr channel.
sc_bad-shell() {
  G c -u badshelluser -p badshell1 -e -c 'echo never'
  rc_is c 0; err_has c no-such-shell
  expect '*' badshelluser badshell1 'echo never' success
}

# Four overlapping sessions, two users, glibc and raw clients, one failing.
sc_interleaved() {
  # 0.25 s apart: SYN order (= session number) stays stable on a busy machine,
  # and every session is still running when the next one starts.
  G a -u rexuser -p rexpass1 -e -c 'echo A-start; sleep 0.6; echo A-err >&2; sleep 0.4; echo A-end' &
  sleep 0.25
  G b -u opsuser -p '0psPass!' -c 'echo B-start; sleep 0.5; id -un; echo B-end' &
  sleep 0.25
  # shellcheck disable=SC2016 # $i is for the remote shell
  local cmd_c='for i in 1 2 3; do echo C$i; echo C$i-err >&2; sleep 0.2; done'
  R c --stderr-port 40380 --split strings --user opsuser --password '0psPass!' --command "$cmd_c" &
  sleep 0.25
  R d --port-string '' --split all --user rexuser --password wrongpass2 --command 'id -un' &
  wait
  rc_is a 0; out_has a A-end; err_has a A-err
  rc_is b 0; out_has b opsuser; out_has b B-end
  rc_is c 0; out_has c C3; err_has c C3-err
  rc_is d 1; err_has d 'closed without reply'
  expect '*' rexuser rexpass1 'echo A-start; sleep 0.6; echo A-err >&2; sleep 0.4; echo A-end' success
  expect '' opsuser '0psPass!' 'echo B-start; sleep 0.5; id -un; echo B-end' success
  expect 40380 opsuser '0psPass!' "$cmd_c" success 4
  expect '' rexuser wrongpass2 'id -un' closed-without-reply 1
}

# The daemon answers 0x01 "Where are you?" to a peer whose address has no name
# (getnameinfo fails): in the namespace ::1 has none (see ipv6-named-*).
# With a stderr port it does so right after the port string, never connects
# back, and glibc's rexec_af() hangs in accept() (so user, password and command
# are never sent): the client's -T ends it.
sc_ipv6-stderr() {
  client c "$WORK/glibc-rexec" -H ::1 -6 -T 2 -u rexuser -p rexpass1 -e -c 'echo hello6; echo oops6 >&2'
  rc_is c 3
  expect '*' '' '' '' 'error:Where are you?'
}

sc_ipv6-nostderr() {
  client c "$WORK/glibc-rexec" -H ::1 -6 -T 20 -u rexuser -p rexpass1 -c 'id -un'
  rc_is c 1; err_has c 'Where are you?'
  expect '' rexuser rexpass1 'id -un' 'error:Where are you?'
}

# The daemon refuses a peer without a name before it reads a byte; glibc's
# client races that refusal with its writes (ipv6-nostderr shows one
# order, made certain by starting the daemon late).  This client waits for the refusal, then sends the request
# anyway: the reply comes before the request, and answers no command.
sc_ipv6-reply-before-request() {
  R c --host ::1 --reply-first --port-string '' --split all --user rexuser --password rexpass1 --command 'id -un'
  rc_is c 1; err_has c 'before the request the daemon sent'; out_has c 'Where are you?'
  expect '' rexuser rexpass1 'id -un' 'error:Where are you?' 1
}

# With a name for ::1 (a hosts file for the namespace), the daemon serves IPv6
# as it serves IPv4, and connects back to the stderr port over IPv6.
sc_ipv6-named-stderr() {
  client c "$WORK/glibc-rexec" -H ::1 -6 -T 20 -u rexuser -p rexpass1 -e -c 'echo hello6; echo oops6 >&2'
  rc_is c 0; out_has c hello6; err_has c oops6
  expect '*' rexuser rexpass1 'echo hello6; echo oops6 >&2' success
}

# Two clients announce the same stderr port at once, one over IPv6 and one
# over IPv4 (a port is unique only per address): the first session's channel
# carries its stderr and closes after the second one was announced.
sc_ipv6-named-shared-stderr-port() {
  R a --host ::1 --stderr-port 40500 --split strings --user rexuser --password rexpass1 \
    --command 'sleep 1.5; echo A-err >&2; echo A-out' &
  sleep 0.5
  R b --stderr-port 40500 --split strings --user rexuser --password rexpass1 \
    --command 'echo B-err >&2; echo B-out' &
  wait
  rc_is a 0; out_has a A-out; err_has a A-err
  rc_is b 0; out_has b B-out; err_has b B-err
  expect 40500 rexuser rexpass1 'sleep 1.5; echo A-err >&2; echo A-out' success 4
  expect 40500 rexuser rexpass1 'echo B-err >&2; echo B-out' success 4
}

# The daemon closes without reply; the client then sends bytes and its FIN in
# one segment to the connection the daemon closed, whose kernel answers with a
# reset: a reset after both FINs.
sc_rst-after-close() {
  R c --port-string '' --split all --user rexuser --password wrongpass1 --command 'id -un' --after-close late
  rc_is c 1
  expect '' rexuser wrongpass1 'id -un' closed-without-reply 1
}

# Signal bytes 2 (SIGINT) and 15 (SIGTERM) go client->server on the stderr
# channel.  Debian's daemon has no relay process (it dup2()s the stderr socket
# to fd 2 and execs the shell), so nobody reads them: the traps never fire and
# the unread bytes make the daemon side reset the stderr connection at exit.
sc_stderr-signal() {
  local cmd="trap 'echo caught SIGINT >&2' INT; trap 'echo caught SIGTERM >&2' TERM;"
  cmd+=" echo start; sleep 1.5; echo done; ls /nonexistent"
  G c -u rexuser -p rexpass1 -e -k 2@400 -k 15@900 -c "$cmd"
  rc_is c 0; out_has c start; out_has c 'done'; err_has c /nonexistent
  ! grep -q caught "$SD/c.err" || fail "a signal reached the command"
  expect '*' rexuser rexpass1 "$cmd" success
}

# Same client port twice.  The daemon closes first, so TIME_WAIT sits on the
# server side, and Linux accepts a new SYN on a TIME_WAIT tuple.
sc_reused-tuple() {
  R c1 --src-port 40400 --port-string '' --split strings --user rexuser --password rexpass1 --command 'echo first'
  sleep 0.2
  R c2 --src-port 40400 --port-string '' --split strings --user rexuser --password rexpass1 --command 'echo second'
  rc_is c1 0; out_has c1 first; rc_is c2 0; out_has c2 second
  expect '' rexuser rexpass1 'echo first' success 4
  expect '' rexuser rexpass1 'echo second' success 4
}

# The same client port twice again, the second session still running while
# eight more come and go: however many sessions a dissector holds, the
# second session's frames (its FINs among them) are the newer session's.
sc_busy-reused-tuple() {
  R c1 --src-port 40400 --port-string '' --split all --user rexuser --password rexpass1 --command 'echo first'
  sleep 0.2
  R c2 --src-port 40400 --port-string '' --split all --user rexuser --password rexpass1 \
    --command 'sleep 3; echo second' &
  sleep 0.5
  local i
  for i in 1 2 3 4 5 6 7 8; do
    R "x$i" --src-port $((40410 + i)) --port-string '' --split all --user rexuser --password rexpass1 \
      --command "echo x$i"
  done
  wait
  rc_is c1 0; out_has c1 first; rc_is c2 0; out_has c2 second
  expect '' rexuser rexpass1 'echo first' success 1
  expect '' rexuser rexpass1 'sleep 3; echo second' success 1
  for i in 1 2 3 4 5 6 7 8; do
    rc_is "x$i" 0; out_has "x$i" "x$i"
    expect '' rexuser rexpass1 "echo x$i" success 1
  done
}

# ---------------------------------------------------------------- attack tools
# The brute-force tools Debian packages, against the real daemon: 3 users
# (admin does not exist, opsuser's password is not in the list) and 3
# passwords, one valid pair, rexuser/rexpass1.  The daemon answers a wrong
# password or an unknown user only after pam_unix's ~2 s delay, with no reply
# byte at all (closed without reply), so each tool runs a few seconds.
# Word list order and parallelism are chosen per tool so that every run makes
# the same attempts and the tool reports the valid pair (see each): a tool
# that finds a user's password skips that user's remaining ones, so when it
# finds it must not depend on timing.
users_file() { printf '%s\n' admin opsuser rexuser >"$SD/users.txt"; }
passwords_file() { printf '%s\n' "$@" >"$SD/passwords.txt"; }

# THC-Hydra's rexec module: a connection per pair with
# "\0user\0password\0/bin/ls /\0" in one send; success = first byte 0.
# Hydra's own parallelism (16 tasks, here one per pair: 9).  With fewer tasks
# than pairs (-t 4 was tried), hydra 9.4 ends the attack, killing the tasks
# still waiting for a reply, as soon as a task asks for a pair after the last
# one was handed out: whether it then reports the valid pair (tried last)
# depends on timing.  With a task per pair every request is sent at once and
# the 0x00 comes first (a wrong password costs ~2 s).  The daemon runs in a
# minimal root (MINIMAL_ROOT), so that what `/bin/ls /` lists in the capture
# is not the recording machine's top level.
sc_hydra-brute() {
  users_file
  passwords_file 123456 letmein rexpass1
  # -I: ignore a restore file; env -C: hydra.restore lands in $SD
  client c env -C "$SD" hydra -I -L "$SD/users.txt" -P "$SD/passwords.txt" rexec://127.0.0.1
  out_has c 'max 9 tasks per 1 server, overall 9 tasks, 9 login tries (l:3/p:3)'
  # 255 when it stopped tasks that were still waiting at the end ("final
  # worker threads did not complete"): a matter of milliseconds
  case $(cat "$SD/c.rc") in 0|255) ;; *) fail "hydra exited $(cat "$SD/c.rc")" ;; esac
  out_has c 'login: rexuser   password: rexpass1'
  out_has c '1 of 1 target successfully completed, 1 valid password found'
  local u p
  for u in admin opsuser rexuser; do
    for p in 123456 letmein rexpass1; do
      [ "$u/$p" = rexuser/rexpass1 ] && continue
      expect '' "$u" "$p" '/bin/ls /' closed-without-reply 1
    done
  done
  expect '' rexuser rexpass1 '/bin/ls /' success 1
}

# Medusa 2.2's rexec module: "\0user\0password\0id\0" in one send, from
# source port 1023 down (bound before connecting).  It reads twice: a first
# read containing "Login incorrect" is a failure (it then sleeps 1 s and tries
# the next password on a new connection); else a second read must contain
# "uid" (the output of `id`).  A read that gets nothing (the daemon's silent
# close on a wrong password) ends the thread ("medusaReceive returned no
# data", "Unknown rexec.mod module state -1"), so each of the -t 3 threads,
# one user each (-L), tries only its first password: rexpass1 comes first,
# and the attack is 3 sessions.  The valid pair is seen only if the daemon's
# 0x00 and the output of `id` (some ms later) come in separate reads: on a
# busy machine medusa wakes late, reads both at once, waits for more, gets
# the FIN and misses the pair (2 runs of 10 seen).  So it runs with a
# real-time priority where it may (chrt), else niced up.
sc_medusa-brute() {
  users_file
  passwords_file rexpass1 123456 letmein
  local prio=(chrt -f 10)
  chrt -f 10 true 2>/dev/null || prio=(nice -n -10)
  client c "${prio[@]}" stdbuf -oL medusa -h 127.0.0.1 -U "$SD/users.txt" -P "$SD/passwords.txt" -M rexec -L -t 3
  rc_is c 0
  out_has c 'ACCOUNT FOUND: [rexec] Host: 127.0.0.1 User: rexuser Password: rexpass1 [SUCCESS]'
  [ "$(grep -c 'Unknown rexec.mod module state -1' "$SD/c.err")" -eq 2 ] ||
    fail "medusa: expected 2 threads to stop at a wrong password"
  expect '' admin rexpass1 id closed-without-reply 1
  expect '' opsuser rexpass1 id closed-without-reply 1
  expect '' rexuser rexpass1 id success 1
}

# nmap's rexec-brute (brute.lua, defaults): first the port scan (as root a
# SYN scan: SYN, SYN/ACK, RST: the daemon never starts), then 5 worker
# threads, more or fewer as the engine sees fit; "pass" mode (each password
# for every user) after the username as password (brute.useraspass), so
# 3 + 9 guesses of "\0user\0password\0id\0" in one send; success = any
# data read without "incorrect", "failed", "denied", "invalid" or "bad".
# The valid pair is the last credential, so no guess is skipped.  A worker
# connects before it takes a credential: when none is left it closes that
# connection without sending anything, one per worker still running (1 to 11
# seen in 18 runs).
sc_nmap-rexec-brute() {
  users_file
  passwords_file 123456 letmein rexpass1
  client c nmap -n -p 512 --script rexec-brute \
    --script-args "userdb=$SD/users.txt,passdb=$SD/passwords.txt" 127.0.0.1
  rc_is c 0
  out_has c 'rexuser:rexpass1 - Valid credentials'
  out_has c 'Performed 12 guesses'
  [ "$(grep -c 'Valid credentials' "$SD/c.out")" -eq 1 ] || fail "nmap: more than one valid pair"
  expect '' '' '' '' none 0   # the SYN scan
  local u p
  for u in admin opsuser rexuser; do
    expect '' "$u" "$u" id closed-without-reply 1
    for p in 123456 letmein rexpass1; do
      [ "$u/$p" = rexuser/rexpass1 ] && continue
      expect '' "$u" "$p" id closed-without-reply 1
    done
  done
  expect '' rexuser rexpass1 id success 1
  # brute.threads: at most 20 workers
  expect_n 1-20 '' '' '' '' closed-without-reply 0
}

# ---------------------------------------------------------------- runner
# MINIMAL_ROOT ROOT SANDBOX CMD...: (bash -c script, in a private mount
# namespace) CMD chrooted into a tmpfs that holds only the system's standard
# directories, bound from the real ones (/usr, /etc: the sandbox's, /dev,
# /proc, /var, the bin/lib links) and the sandbox's homes.  The daemon is the
# same, and so are accounts and PAM; but a command that lists / (hydra runs
# `/bin/ls /`) shows those names instead of the recording machine's own.
MINIMAL_ROOT='root=$1 sandbox=$2; shift 2
  mkdir -p "$root"
  mount -t tmpfs -o mode=755 minimal-root "$root"
  for d in usr etc dev proc var; do mkdir "$root/$d"; mount --rbind "/$d" "$root/$d"; done
  for d in bin sbin lib lib32 lib64; do
    if [ -L "/$d" ]; then cp -P "/$d" "$root/$d"
    elif [ -d "/$d" ]; then mkdir "$root/$d"; mount --rbind "/$d" "$root/$d"; fi
  done
  install -d -m 1777 "$root/tmp"
  mkdir -p "$root$sandbox"
  mount --bind "$sandbox" "$root$sandbox"
  exec chroot "$root" "$@"'

# run_scenario NAME INDEX: namespace, daemon, tcpdump, client, checks.
run_scenario() {
  local name=$1 SD="$WORK/$1" NS="rxcap$$-$2" td i start pkts
  start=$(date +%s.%N)
  mkdir -p "$SD"
  : >"$SD/log"
  touch "$WORK/ns/$NS"
  # shellcheck disable=SC2064 # expand now: the locals are gone at exit
  trap "teardown_ns '$NS'" EXIT
  exec >>"$SD/log" 2>&1

  step "namespace $NS"
  if [[ $name == ipv6-named-* ]]; then
    # `ip netns exec` puts /etc/netns/NS/hosts in place of /etc/hosts (the
    # sandbox's /etc: nothing is written on the host).
    mkdir -p "/etc/netns/$NS"
    printf '127.0.0.1 localhost\n::1 localhost ip6-localhost\n' >"/etc/netns/$NS/hosts"
  fi
  ip netns add "$NS"
  # MTU 1500 and no segmentation offload: real Ethernet-sized segments, and
  # libpcap sizes its ring slots by the MTU (with offload on it reserves 64 KB
  # per packet and drops under load).  Checksum offload cannot be turned off
  # on lo, so TCP checksums in the captures are not valid.
  ip netns exec "$NS" sh -c 'echo 0 >/proc/sys/net/ipv6/conf/lo/disable_ipv6' || true
  ip -n "$NS" link set lo mtu 1500 up
  local ringkb=8192
  if ! ip netns exec "$NS" ethtool -K lo tso off gso off gro off; then
    echo "warning: cannot turn off offload on lo: segments may exceed the MTU"
    ringkb=65536   # 64 KB per ring slot then: keep enough slots
  fi
  local addrs=''   # (no "| grep -q" under pipefail: SIGPIPE makes it fail)
  for i in $(seq 50); do
    addrs=$(ip -n "$NS" addr show dev lo)
    [[ $addrs == *'inet 127.0.0.1/'* && $addrs == *'inet6 ::1/'* ]] && break
    sleep 0.05
  done
  [[ $addrs == *'inet 127.0.0.1/'* ]] || fail "no 127.0.0.1 in $NS" || return 1
  [[ $addrs == *'inet6 ::1/'* ]] || fail "no ::1 in $NS" || return 1

  # One in.rexecd per connection, with the accepted socket as fds 0/1 (the
  # daemon dup2()s it to 2 as well): inetd-style, what the daemon expects.
  local wrap=()
  case $name in
    hydra-*) wrap=(unshare --mount --propagation private -- bash -c "$MINIMAL_ROOT" minimal-root "$SD/root" "$EXEC_SANDBOX") ;;
  esac
  local daemon=EXEC:"$REXECD",nofork
  case $name in
    # The daemon refuses ::1 (no name) before it reads a byte, and glibc
    # sends the request right after connecting: which comes first is a race
    # that a loaded machine loses now and then (the request never leaves).
    # The daemon starts 0.2 s late here, so the request always comes first:
    # the order this capture is made to show.
    ipv6-nostderr) daemon=SYSTEM:"sleep 0.2; exec $REXECD",nofork ;;
  esac
  ip netns exec "$NS" "${wrap[@]}" socat TCP4-LISTEN:512,bind=127.0.0.1,reuseaddr,fork \
    "$daemon" </dev/null 2>>"$SD/socat4.log" &
  ip netns exec "$NS" "${wrap[@]}" socat TCP6-LISTEN:512,'bind=[::1]',ipv6only=1,reuseaddr,fork \
    "$daemon" </dev/null 2>>"$SD/socat6.log" &
  # -Z root: write the file without dropping privileges; --immediate-mode:
  # no packets left in an unretired ring block when tcpdump is stopped.
  ip netns exec "$NS" tcpdump -i lo -n -s 0 -U --immediate-mode -B "$ringkb" -Z root \
    -w "$SD/$name.pcap" tcp </dev/null 2>"$SD/tcpdump.log" &
  td=$!
  for i in $(seq 200); do   # generous: a loaded CI machine can be slow here
    grep -q 'listening on' "$SD/tcpdump.log" &&
      [ "$(ss -N "$NS" -Hltn 'sport = :512' | wc -l)" -eq 2 ] && break
    sleep 0.05
  done
  grep -q 'listening on' "$SD/tcpdump.log" || fail "tcpdump did not start" || return 1
  [ "$(ss -N "$NS" -Hltn 'sport = :512' | wc -l)" -eq 2 ] || fail "daemon not listening" || return 1

  step "run sc_$name"
  local ok=0
  set +e
  ( set -e; "sc_$name" )
  ok=$?
  set -e

  step "client(s) done (status $ok)"
  # Wait until every connection is closed (only listeners and TIME-WAIT left),
  # so FIN/RST exchanges are in the file, then stop tcpdump cleanly.
  local open=''
  for i in $(seq 200); do
    open=$(ss -N "$NS" -Htan | awk '$1 != "LISTEN" && $1 != "TIME-WAIT"')
    [ -z "$open" ] && break
    sleep 0.05
  done
  [ -z "$open" ] || { echo "$open"; fail "connections still open" || true; }
  sleep 0.1
  step "stop tcpdump"
  kill -INT "$td"
  for i in $(seq 50); do kill -0 "$td" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$td" 2>/dev/null && { kill -KILL "$td"; fail "tcpdump did not stop"; return 1; }
  wait "$td" || true
  grep -q '^0 packets dropped by kernel' "$SD/tcpdump.log" || fail "tcpdump dropped packets" || return 1
  pkts=$(sed -n 's/^\([0-9]*\) packets captured.*/\1/p' "$SD/tcpdump.log")
  [ "$ok" -eq 0 ] && [ -z "$open" ] || return 1

  # The wire must show what the scenario meant to send and the known reply.
  step "check capture"
  "$PY" "$SESSIONS" tsv --name "$name" --expect "$SD/expect" "$SD/$name.pcap" >"$SD/rows.tsv" || return 1
  echo "$pkts packets, $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s" >"$SD/summary"
}

echo "make-captures: ${#want[@]} scenario(s) into $OUTDIR (work dir $WORK, $JOBS at a time)"
t0=$SECONDS
idx=0
declare -A pid_of=()
for s in "${want[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$JOBS" ]; do wait -n || true; done
  idx=$((idx + 1))
  ( run_scenario "$s" "$idx" ) &
  pid_of[$s]=$!
  bgpids+=($!)
done

failed=()
for s in "${want[@]}"; do
  if wait "${pid_of[$s]}"; then
    echo "  ok    $s ($(cat "$WORK/$s/summary"))"
  else
    failed+=("$s")
    echo "  FAIL  $s"
    sed 's/^/        /' "$WORK/$s/log" | tail -40
  fi
done
bgpids=()
[ ${#failed[@]} -eq 0 ] || die "${#failed[@]} scenario(s) failed: ${failed[*]} (nothing written)"

rowfiles=()
for s in "${want[@]}"; do
  cp "$WORK/$s/$s.pcap" "$OUTDIR/$s.pcap.tmp"
  mv "$OUTDIR/$s.pcap.tmp" "$OUTDIR/$s.pcap"
  rowfiles+=("$WORK/$s/rows.tsv")
done
order=$(IFS=,; echo "${SCENARIOS[*]}")
"$PY" "$SESSIONS" merge --order "$order" "$OUTDIR/expected.tsv" "${rowfiles[@]}"
echo "make-captures: done in $((SECONDS - t0)) s: ${#want[@]} capture(s) and expected.tsv in $OUTDIR"
