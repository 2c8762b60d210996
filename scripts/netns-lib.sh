# netns-lib.sh: what the capture generators share (sourced, not run):
# the daemon's test accounts and the end of a network namespace.
# test-captures/make-captures.sh, tests/{heuristic,hostile,impaired}/make-*.sh.

# capture_account NAME PASSWORD HOME SHELL MAKEHOME: the account exists with
# this home and shell; the password is set again every run (empty: none), so
# captures are reproducible.  MAKEHOME=yes creates the home directory.
capture_account() {
  local name=$1 pass=$2 home=$3 shell=$4 mkhome=$5
  if ! id -u "$name" >/dev/null 2>&1; then
    useradd -M -d "$home" -s "$shell" -c "exec-dissector capture account" "$name"
  elif [ "$(getent passwd "$name" | cut -d: -f6,7)" != "$home:$shell" ]; then
    usermod -d "$home" -s "$shell" "$name"
  fi
  if [ "$mkhome" = yes ]; then
    install -d -m 755 -o "$name" -g "$(id -gn "$name")" "$home"
  fi
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
