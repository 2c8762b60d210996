#!/usr/bin/python3
"""The path taken when Wireshark has no built-in exec dissector.

The test build (cmake -DEXEC_TEST_FALLBACK=ON) registers the whole protocol
itself, under the test name 'execfb', as it would register 'exec' without a
built-in.  With that build in EXEC_FALLBACK_HOME and the normal build in
EXEC_TEST_HOME, every capture must decode the same under both names: the
same fields with the same values in the same frames, and the two info
column preferences must exist under the new name.
Closes with 'N passed, N failed'.

  check_fallback.py CAPTURE...
"""
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "captures"))
import tshark_run  # noqa: E402

FIELDS = ["stderr_port", "stderr_port_number", "username", "password", "command", "status",
          "error_message", "client_server_data", "server_client_data", "stderr_data", "signal",
          "stdout_bytes", "closed_without_reply"]


def dump(pcap, prefix, home):
    tshark_run.PLUGIN_HOME = home
    names = ["frame.number"] + [f"{prefix}.{f}" for f in FIELDS]
    rows = tshark_run.fields(pcap, names, extra=["-2"])
    return [[r[n] for n in names] for r in rows]


def main():
    normal, fallback = os.environ["EXEC_TEST_HOME"], os.environ["EXEC_FALLBACK_HOME"]
    passed = failed = 0

    def check(ok, what):
        nonlocal passed, failed
        print(("ok   " if ok else "FAIL ") + what)
        passed += bool(ok)
        failed += not ok

    tshark_run.PLUGIN_HOME = fallback
    protocols, _ = tshark_run.tshark(["-G", "protocols"])
    check(any(line.split("\t")[2:3] == ["execfb"] for line in protocols.splitlines()),
          "the fallback build registers its own protocol 'execfb'")
    prefs, _ = tshark_run.tshark(["-G", "defaultprefs"])
    check("execfb.info_show_username: TRUE" in prefs and "execfb.info_show_command: FALSE" in prefs,
          "it registers the two info-column preferences with their defaults")
    for pcap in sys.argv[1:]:
        want = dump(pcap, "exec", normal)
        got = dump(pcap, "execfb", fallback)
        check(got == want and any(any(c) for row in want for c in row[1:]),
              f"{os.path.basename(pcap)}: execfb.* decodes exactly as exec.*")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
