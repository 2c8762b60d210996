# shellcheck shell=bash
# netns-lib.sh: what the capture generators share (sourced, not run): the
# sandbox the real daemons run in, the test accounts inside it, and the end of
# a network namespace.  test-captures/make-captures.sh,
# tests/{heuristic,hostile,impaired}/make-*.sh.
#
# Nothing of a capture run may reach the host: the daemons listen only in
# network namespaces the scripts make, and the test accounts (known passwords,
# one with none) exist only in a private /etc.  sandbox_enter re-runs the
# calling script in a private mount namespace whose /etc is an overlay on a
# tmpfs: useradd, chpasswd, the daemons' PAM files and `ip netns exec`'s
# /etc/netns/<ns>/hosts all write there and vanish with the namespace; the
# homes live on that tmpfs too.  The host's /etc is never written.
#
# The daemons come from Debian's rsh-server, unpacked by
# tests/install-test-deps.sh into a root-only cache and never installed:
# installing the package enables in.rexecd, in.rshd and in.rlogind in inetd,
# on every interface (TCP 512-514).

EXEC_DAEMON_CACHE=/var/cache/exec-dissector/rsh-server

# sandbox_enter SCRIPT ARGS...: returns at once inside the sandbox; outside,
# runs SCRIPT ARGS in a new one, removes its mount point and exits with the
# script's status.  Call it after installing packages (dpkg's files in /etc
# would land in the overlay and be lost).
sandbox_enter() {
  local script=$1 mountpoint rc=0
  shift
  [ "$(id -u)" -eq 0 ] ||
    { echo "$(basename "$script"): must run as root (network namespaces, tcpdump, a private mount namespace)" >&2; exit 1; }
  if [ -n "${EXEC_SANDBOX:-}" ] && mountpoint -q "$EXEC_SANDBOX"; then
    return 0
  fi
  mountpoint=$(mktemp -d /tmp/exec-sandbox.XXXXXX)
  EXEC_SANDBOX=$mountpoint unshare --mount --propagation private -- \
    bash -c '. "$1" && sandbox_mount && shift && exec bash "$@"' sh "${BASH_SOURCE[0]}" "$script" "$@" || rc=$?
  rmdir "$mountpoint" 2>/dev/null || true
  exit "$rc"
}

# sandbox_mount: inside the new mount namespace, a tmpfs at $EXEC_SANDBOX, the
# overlay on /etc, a hosts file that names 127.0.0.1 only (the daemon answers
# "Where are you?" to a peer without a name: ::1 has none unless a scenario
# gives it one, whatever the host's hosts file says), and the daemons' PAM files.
sandbox_mount() {
  export EXEC_SANDBOX
  mount -t tmpfs -o mode=711 exec-sandbox "$EXEC_SANDBOX"
  mkdir -p "$EXEC_SANDBOX/etc-upper" "$EXEC_SANDBOX/etc-work" "$EXEC_SANDBOX/home"
  chmod 755 "$EXEC_SANDBOX/home"
  mount -t overlay exec-sandbox-etc \
    -o "lowerdir=/etc,upperdir=$EXEC_SANDBOX/etc-upper,workdir=$EXEC_SANDBOX/etc-work" /etc
  printf '127.0.0.1 localhost\n' >/etc/hosts
  local daemons
  daemons=$(sandbox_daemon_dir) || return 1
  cp "$daemons"/etc/pam.d/rexec "$daemons"/etc/pam.d/rsh "$daemons"/etc/pam.d/rlogin /etc/pam.d/
}

# sandbox_daemon_dir: the unpacked rsh-server (usr/sbin/in.rexecd, ...).
sandbox_daemon_dir() {
  local dir
  dir=$(find "$EXEC_DAEMON_CACHE" -mindepth 1 -maxdepth 1 -type d -name '[0-9]*' 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$dir" ] || [ ! -x "$dir/usr/sbin/in.rexecd" ]; then
    echo "no unpacked rsh-server in $EXEC_DAEMON_CACHE: run tests/install-test-deps.sh" >&2
    return 1
  fi
  echo "$dir"
}

# sandbox_daemons: sets REXECD, RSHD and RLOGIND to the unpacked daemons.
sandbox_daemons() {
  local dir
  dir=$(sandbox_daemon_dir) || exit 1
  REXECD=$dir/usr/sbin/in.rexecd RSHD=$dir/usr/sbin/in.rshd RLOGIND=$dir/usr/sbin/in.rlogind
}

# sandbox_home NAME: where NAME's home is (in the sandbox's tmpfs).
sandbox_home() { echo "$EXEC_SANDBOX/home/$1"; }

# capture_account NAME PASSWORD SHELL [nohome]: the account exists in the
# sandbox's /etc with this password (empty: none, which pam_unix's nullok
# accepts) and shell, its home in the sandbox's tmpfs; "nohome" gives it a
# home that does not exist.
capture_account() {
  local name=$1 pass=$2 shell=$3 home
  [ -n "${EXEC_SANDBOX:-}" ] && mountpoint -q "$EXEC_SANDBOX" ||
    { echo "capture_account: not in the sandbox (sandbox_enter first)" >&2; return 1; }
  home=$(sandbox_home "$name")
  [ "${4:-}" != nohome ] || home=/nonexistent/$name
  if id -u "$name" >/dev/null 2>&1; then   # a host account of that name: changed only here
    usermod -d "$home" -s "$shell" "$name"
  else
    useradd -M -d "$home" -s "$shell" -c "exec-dissector capture account" "$name"
  fi
  [ "${4:-}" = nohome ] || install -d -m 755 -o "$name" -g "$(id -gn "$name")" "$home"
  if [ -n "$pass" ]; then
    printf '%s:%s\n' "$name" "$pass" | chpasswd
  else
    passwd -q -d "$name" >/dev/null
  fi
}

# delete_ns NS: everything running in namespace NS (all of it the caller's)
# is stopped, politely for up to 3 s, then killed; then NS is deleted.
delete_ns() {
  local ns=$1 p i
  [ -e "/run/netns/$ns" ] || return 0
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
  for i in $(seq 30); do
    [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
    sleep 0.1
  done
  for p in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$p" 2>/dev/null || true; done
  ip netns del "$ns" 2>/dev/null || true
}
