#!/usr/bin/env bash
# check-host.sh: the test suite must leave the machine as safe as it found it.
#   check-host.sh exposure          no rexec/rlogin/rsh service reachable
#   check-host.sh snapshot FILE     record what the suite must not change
#   check-host.sh compare FILE      exposure, then the same state as FILE
# Exposure: nothing listens on TCP 512-514 in the host's network namespace,
# /etc/inetd.conf enables none of exec, login, shell, and no test account
# (scripts/netns-lib.sh) exists on the host.  State: the host's account files,
# PAM, inetd and hosts files, /etc/netns, the network namespaces, and no
# daemon, socat or tcpdump left running from the project's folders.
# One line per check; exits 1 when one fails.
set -uo pipefail

TEST_ACCOUNTS=(rexuser opsuser nopwuser nohomeuser badshelluser)
WATCHED=(/etc/passwd /etc/shadow /etc/group /etc/gshadow /etc/subuid /etc/subgid
         /etc/inetd.conf /etc/hosts /etc/pam.d /etc/netns)
failed=0
check() { # check OK TEXT
  if [ "$1" -eq 0 ]; then echo "ok   $2"; else echo "FAIL $2"; failed=1; fi
}

exposure() {
  local listening enabled accounts=() a
  listening=$(ss -Hltn 2>/dev/null | awk '{ n = split($4, a, ":"); p = a[n] } p >= 512 && p <= 514 { print $4 }' | sort -u | tr '\n' ' ')
  check "$([ -z "$listening" ]; echo $?)" "nothing listens on TCP 512-514 in the host's namespace${listening:+: $listening}"
  enabled=""
  [ ! -e /etc/inetd.conf ] || enabled=$(grep -Eo '^(exec|login|shell)[[:space:]]' /etc/inetd.conf | tr -d '[:space:]' | tr '\n' ' ')
  check "$([ -z "$enabled" ]; echo $?)" "/etc/inetd.conf enables none of exec, login, shell${enabled:+: enabled $enabled}"
  for a in "${TEST_ACCOUNTS[@]}"; do getent passwd "$a" >/dev/null && accounts+=("$a"); done
  check "$([ ${#accounts[@]} -eq 0 ]; echo $?)" "no test account on the host${accounts[*]:+: ${accounts[*]}}"
}

# state: "KEY<TAB>VALUE" lines: each watched file's hash (or "absent"), the
# network namespaces, and the project's daemons still running.
state() {
  local f
  for f in "${WATCHED[@]}"; do
    if [ -d "$f" ]; then
      printf '%s\t%s\n' "$f/" "$(find "$f" -type f -print0 2>/dev/null | sort -z | xargs -0r sha256sum | sha256sum | cut -c1-16)"
    elif [ -e "$f" ]; then
      printf '%s\t%s\n' "$f" "$(sha256sum <"$f" | cut -c1-16)"
    else
      printf '%s\tabsent\n' "$f"
    fi
  done
  printf 'network namespaces\t%s\n' "$(ip netns list 2>/dev/null | awk '{ print $1 }' | sort | tr '\n' ' ')"
  printf 'rexec, rsh and rlogin daemons running\t%s\n' "$(pgrep -f 'in\.rexecd|in\.rshd|in\.rlogind' | sort | tr '\n' ' ')"
}

case "${1:-}" in
  exposure) exposure ;;
  snapshot) [ $# -eq 2 ] || { echo "usage: $0 snapshot FILE" >&2; exit 2; }
            state >"$2" ;;
  compare)
    [ $# -eq 2 ] || { echo "usage: $0 compare FILE" >&2; exit 2; }
    exposure
    while IFS=$'\t' read -r key now; do
      before=$(awk -F'\t' -v k="$key" '$1 == k { print $2 }' "$2")
      if [ "$before" = "$now" ]; then
        check 0 "as before the suite: $key"
      else
        check 1 "as before the suite: $key (before: '$before', after: '$now')"
      fi
    done < <(state)
    ;;
  *) echo "usage: $0 exposure | snapshot FILE | compare FILE" >&2; exit 2 ;;
esac
exit "$failed"
