#!/usr/bin/python3
"""Checks tshark with the plugin against the hostile-input captures.

For each capture of tests/hostile/ (made by make-hostile.sh from real TCP
traffic): tshark must exit 0, print nothing on stderr, and report no dissector
bug nor a malformed EXEC packet (WIRESHARK_ABORT_ON_DISSECTOR_BUG=1 makes a
dissector bug fatal); one pass and two passes must show the same exec fields
and expert infos; and the capture's expected answers must be there: the
expert infos (the exact strings of the plugin's sources), the decoded fields, and
what a careful analyst must not be told (for instance that reassembly is off
when it is on, or that there is no stderr channel when the capture shows the
daemon connecting back).  The big captures run under /usr/bin/time: time and
peak RSS must stay below generous bounds, and near tshark's without the plugin.

  EXEC_TEST_HOME=<home with the plugin> check_hostile.py [--dir DIR] [CASE ...]
Prints one line per case (and every failed expectation), and closes with
'N passed, N failed'.  Exit status 1 when any case failed.
"""
import argparse
import os
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "captures"))
sys.path.insert(0, HERE)
import tshark_run  # noqa: E402
from tshark_run import fields  # noqa: E402
import hostile_traffic as traffic  # noqa: E402

# The plugin's expert infos (packet-exec.c, exec-session-end.c), verbatim.
E_PORT_NOT_NUMERIC = "Stderr port is not a decimal number"
E_PORT_RANGE = "Stderr port is above 65535"
E_STATUS_UNKNOWN = "Status byte is neither 0 nor 1"
E_OVERSIZED = "String too long to reassemble: shown in parts"
E_PARTIAL = "String split across segments and not reassembled (TCP reassembly is off)"
E_UNEXPECTED = "Data where the protocol allows none (after the status and error message)"
E_CLEARTEXT = "Password sent in clear text"
E_USER_LONG = "Username longer than the daemon accepts (15 characters)"
E_PASS_LONG = "Password longer than the daemon accepts (15 characters)"
E_CLOSED = "Server closed the connection without a status byte: it could not connect back to the stderr port"
E_NEVER_CONNECTED = "The announced stderr channel never connected"
E_RETRANSMITTED = "Bytes already seen at this stream position (retransmission)"
E_LOST_PREFIX = "not captured:"
WRONG_CAUSE = "wrong password or unknown user"

FIELDS = ["frame.number", "tcp.stream", "ip.src", "ip.dst", "tcp.srcport", "tcp.dstport",
          "tcp.flags.syn", "tcp.flags.ack", "tcp.flags.fin", "tcp.flags.reset", "tcp.len",
          "frame.protocols", "_ws.col.Protocol", "_ws.col.Info", "_ws.expert.message", "_ws.expert.severity",
          "_ws.malformed",
          "exec.stderr_port", "exec.stderr_port_number", "exec.username", "exec.password",
          "exec.command", "exec.status", "exec.error_message", "exec.closed_without_reply",
          "exec.client_server_data", "exec.server_client_data"]
# What one pass and two passes must agree on.
COMPARED = [f for f in FIELDS if f.startswith("exec.") or f in ("_ws.expert.message", "_ws.col.Info")]

SEVERITY_WARN = 6291456     # PI_WARN
RESOURCE_LIMITS = {"seconds": 120.0, "rss_mb": 1024.0, "extra_rss_mb": 150.0, "time_factor": 4.0}


class Case:
    def __init__(self, name):
        self.name = name
        self.ok = 0
        self.problems = []

    def expect(self, ok, what):
        if ok:
            self.ok += 1
        else:
            self.problems.append(what)


class Capture:
    """The frames of one tshark run, and what they show."""

    def __init__(self, rows):
        self.rows = rows

    def experts(self):
        return [m for r in self.rows for m in r["_ws.expert.message"]]

    def has_expert(self, text):
        return any(m == text for m in self.experts())

    def expert_frames(self, text):
        return [int(r["frame.number"][0]) for r in self.rows if text in r["_ws.expert.message"]]

    def values(self, name):
        return [v for r in self.rows for v in r[name]]

    def exec_rows(self):
        """Frames the plugin shows: the EXEC protocol column (frame.protocols
        misses what the session-end postdissector adds) or an exec field."""
        return [r for r in self.rows if r["_ws.col.Protocol"] == ["EXEC"] or
                (r["frame.protocols"] and ":exec" in r["frame.protocols"][0]) or
                any(r[f] for f in FIELDS if f.startswith("exec."))]

    def control_streams(self):
        """tcp.stream -> (client ip, client port, server ip) for connections to 512."""
        out = {}
        for r in self.rows:
            if r["tcp.dstport"] == ["512"] and r["tcp.flags.syn"] == ["1"] and r["tcp.flags.ack"] == ["0"]:
                out[int(r["tcp.stream"][0])] = (r["ip.src"][0], int(r["tcp.srcport"][0]), r["ip.dst"][0])
        return out

    def connect_backs(self):
        """Ports the server connected back to (its SYNs to a client address, not 512)."""
        clients = {c for c, _, _ in self.control_streams().values()}
        servers = {s for _, _, s in self.control_streams().values()}
        return [int(r["tcp.dstport"][0]) for r in self.rows
                if r["tcp.flags.syn"] == ["1"] and r["tcp.flags.ack"] == ["0"] and r["ip.src"]
                and r["ip.src"][0] in servers and r["ip.dst"][0] in clients
                and r["tcp.dstport"] != ["512"]]


def run_fields(pcap, extra=()):
    return Capture(fields(pcap, FIELDS, extra=extra))


def timed_tshark(args, plugin):
    """Runs tshark under /usr/bin/time; returns (seconds, peak RSS in MB, exit status, stderr)."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tf:
        os.chmod(tf.name, 0o666)
        cmd = ["/usr/bin/time", "-f", "%e %M", "-o", tf.name] + tshark_run._command(args, plugin)
        import subprocess
        proc = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
        seconds, rss_kb = tf.read().split()[-2:]
    return float(seconds), int(rss_kb) / 1024.0, proc.returncode, proc.stderr.decode(errors="replace")


# ------------------------------------------------------------ common checks

def scan_verbose(pcap, extra=()):
    """tshark -V into a file, scanned line by line (the 10,000-session capture
    prints hundreds of MB): (exit status, stderr, dissector bug?, malformed EXEC?)."""
    import subprocess
    with tempfile.TemporaryFile() as out:
        proc = subprocess.run(tshark_run._command(["-r", pcap, "-V"] + list(extra), True),
                              stdout=out, stderr=subprocess.PIPE, timeout=600)
        out.seek(0)
        bug = malformed = False
        for line in out:
            bug = bug or b"Dissector bug" in line
            malformed = malformed or b"[Malformed Packet: EXEC" in line
    err = proc.stderr.decode("utf-8", "replace")
    return proc.returncode, err, bug or "Dissector bug" in err, malformed


def common_checks(case, pcap, cap, expect_malformed=False):
    rc, err, bug, malformed = scan_verbose(pcap)
    case.expect(rc == 0, f"tshark -V exited {rc}")
    case.expect(not bug, "a 'Dissector bug' in the -V output")
    case.expect(not err.strip(), f"tshark printed on stderr: {err.strip()[:300]}")
    if not expect_malformed:
        # (_ws.malformed alone is no sign: PI_MALFORMED expert infos add it.)
        bad = [r["frame.number"][0] for r in cap.exec_rows()
               if any("Malformed Packet" in i for i in r["_ws.col.Info"])]
        case.expect(not bad and not malformed,
                    f"malformed EXEC frames (an exception in the dissector): {bad[:10]}")
    two = run_fields(pcap, extra=["-2"])
    diffs = [(a["frame.number"][0], n) for a, b in zip(cap.rows, two.rows) for n in COMPARED if a[n] != b[n]]
    case.expect(len(cap.rows) == len(two.rows) and not diffs,
                f"one pass and two passes differ: {diffs[:5]}")


def expect_experts(case, cap, present=(), absent=()):
    for text in present:
        case.expect(cap.has_expert(text), f"expert info missing: '{text}'")
    for text in absent:
        frames = cap.expert_frames(text)
        case.expect(not frames, f"expert info that must not be there: '{text}' in frames {frames[:8]}")


def expect_connect_back_shown(case, cap):
    """When the daemon connected back, the plugin must not say 'no stderr channel',
    and a port number it shows must be the one the daemon used."""
    backs = cap.connect_backs()
    if not backs:
        return
    numbers = [int(v) for v in cap.values("exec.stderr_port_number")]
    infos = [i for r in cap.exec_rows() for i in r["_ws.col.Info"]]
    case.expect(not any("No stderr channel" in i for i in infos),
                f"the Info column says 'No stderr channel' but the daemon connected back to port(s) {backs}")
    wrong = [n for n in numbers if n not in backs]
    case.expect(not wrong, f"exec.stderr_port_number shows {wrong}; the daemon connected back to {backs}")


def expect_closed_reported(case, cap, why):
    """The server ended the control connection (FIN or RST) without a status byte."""
    case.expect(bool(cap.values("exec.closed_without_reply")),
                f"the server ended the session without a status byte ({why}), "
                f"but exec.closed_without_reply is not shown")


def expect_no_wrong_cause(case, cap, why):
    bad = [m for m in cap.experts() if WRONG_CAUSE in m]
    case.expect(not bad, f"the close is attributed to a '{WRONG_CAUSE}', but {why}")


def expect_resources(case, pcap, args=("-V",)):
    """Bounded time and memory, absolute and against tshark without the plugin."""
    lim = RESOURCE_LIMITS
    secs, rss, rc, err = timed_tshark(["-r", pcap] + list(args), plugin=True)
    base_secs, base_rss, _, _ = timed_tshark(["-r", pcap] + list(args), plugin=False)
    case.resources = f"{secs:.1f} s {rss:.0f} MB (without the plugin {base_secs:.1f} s {base_rss:.0f} MB)"
    case.expect(rc == 0, f"tshark {' '.join(args)} exited {rc}: {err[:200]}")
    case.expect(secs < lim["seconds"], f"tshark took {secs:.1f} s (limit {lim['seconds']} s)")
    case.expect(rss < lim["rss_mb"], f"peak RSS {rss:.0f} MB (limit {lim['rss_mb']} MB)")
    case.expect(rss < base_rss + lim["extra_rss_mb"],
                f"peak RSS {rss:.0f} MB, {rss - base_rss:.0f} MB above tshark without the plugin "
                f"(limit {lim['extra_rss_mb']} MB)")
    case.expect(secs < max(base_secs, 1.0) * lim["time_factor"],
                f"{secs:.1f} s against {base_secs:.1f} s without the plugin (limit x{lim['time_factor']})")


# ------------------------------------------------------------ the cases

def split_strings(payload):
    parts = payload.split(b"\0")
    return parts[:4], len(parts) > 1


def check_random_bytes(case, cap, pcap):
    strings, _ = split_strings(traffic.random_payload())
    port, user, password = strings[0], strings[1], strings[2]
    present = [E_CLEARTEXT]
    if any(not (48 <= c <= 57) for c in port):
        present.append(E_PORT_NOT_NUMERIC)
    if len(user) > 15:
        present.append(E_USER_LONG)
    if len(password) > 15:
        present.append(E_PASS_LONG)
    expect_experts(case, cap, present)
    expect_connect_back_shown(case, cap)
    expect_closed_reported(case, cap, "the daemon reset the connection after its stderr connection failed")


def check_not_rexec(case, cap, pcap, client_closes_first=True):
    """HTTP, SSH: no NUL at all, so the whole request is one unterminated port string."""
    expect_experts(case, cap, [E_PORT_NOT_NUMERIC])
    expect_closed_reported(case, cap, "the daemon closed when the client gave up")
    if client_closes_first:
        expect_no_wrong_cause(case, cap, "the client closed first, before finishing its request")


def check_tls(case, cap, pcap):
    expect_experts(case, cap, [E_PORT_NOT_NUMERIC])
    expect_connect_back_shown(case, cap)
    expect_closed_reported(case, cap, "the daemon reset the connection after its stderr connection failed")


def check_long_port(case, cap, pcap):
    # A port string with a non-digit is not held for reassembly at all (so no
    # "too long to reassemble"); reassembly is on, so no part may say it is off.
    expect_experts(case, cap, [E_PORT_NOT_NUMERIC], [E_PARTIAL])
    expect_no_wrong_cause(case, cap, "the client closed first, in the middle of its port string")
    expect_resources(case, pcap)


def check_long_command(case, cap, pcap):
    expect_experts(case, cap, [E_OVERSIZED, E_CLEARTEXT], [E_PARTIAL])
    case.expect(cap.values("exec.username") == ["rexuser"],
                f"username: {cap.values('exec.username')}")
    case.expect(cap.values("exec.stderr_port_number") == ["0"],
                f"stderr port number: {cap.values('exec.stderr_port_number')}")
    expect_no_wrong_cause(case, cap, "the client closed first, in the middle of its command")
    expect_resources(case, pcap)


def check_nul_flood(case, cap, pcap):
    expect_experts(case, cap, [E_CLEARTEXT], [E_PARTIAL])
    case.expect(cap.values("exec.username") == [""] and cap.values("exec.command") == [""],
                f"username {cap.values('exec.username')}, command {cap.values('exec.command')}: "
                "want one empty string each")
    stdin = sum(int(v) for r in cap.rows for v in r["tcp.len"]
                if r["tcp.dstport"] == ["512"]) - 4
    shown = sum(len(v.replace(":", "")) // 2 for v in cap.values("exec.client_server_data"))
    case.expect(shown == stdin, f"stdin shown {shown} bytes, sent {stdin}")
    expect_closed_reported(case, cap, "the daemon reset the connection after refusing the empty user")
    expect_resources(case, pcap)


def check_bad_port(case, cap, pcap, expert):
    expect_experts(case, cap, [expert, E_CLEARTEXT])
    case.expect(cap.values("exec.username") == ["rexuser"], f"username: {cap.values('exec.username')}")
    expect_connect_back_shown(case, cap)
    expect_closed_reported(case, cap, "the daemon reset the connection after its stderr connection failed")


def check_many(case, cap, pcap):
    streams = cap.control_streams()
    case.expect(len(streams) == traffic.MANY_SESSIONS,
                f"{len(streams)} control connections in the capture, want {traffic.MANY_SESSIONS}")
    shown = {int(r["tcp.stream"][0]) for r in cap.exec_rows()}
    case.expect(len(shown) == len(streams),
                f"only {len(shown)} of {len(streams)} rexec sessions (partial port string, then "
                "reset) show anything under the exec filter")
    expect_resources(case, pcap)
    expect_resources_two_pass = getattr(case, "resources", "")
    secs, rss, rc, _ = timed_tshark(["-r", pcap, "-2", "-V"], plugin=True)
    case.resources = expect_resources_two_pass + f"; -2 -V: {secs:.1f} s {rss:.0f} MB"
    case.expect(rc == 0 and secs < RESOURCE_LIMITS["seconds"] and rss < RESOURCE_LIMITS["rss_mb"],
                f"-2 -V: exit {rc}, {secs:.1f} s, {rss:.0f} MB")


def check_early_server(case, cap, pcap):
    case.expect(cap.values("exec.status") == ["0"], f"status: {cap.values('exec.status')}")
    case.expect(cap.values("exec.username") == ["rexuser"] and cap.values("exec.command") == ["id -un"]
                and cap.values("exec.stderr_port_number") == ["40369"],
                f"request fields: port {cap.values('exec.stderr_port_number')}, user "
                f"{cap.values('exec.username')}, command {cap.values('exec.command')}")
    # A daemon sends 0 only after reading all four strings: a success
    # status before the request is not rexec behaviour and must be flagged.
    status_rows = [r for r in cap.rows if r["exec.status"]]
    flagged = [r for r in status_rows
               if any(int(s) >= SEVERITY_WARN for s in r["_ws.expert.severity"])]
    case.expect(bool(flagged), "the success status came before the client sent its request, "
                "and no warning says so")


def check_one_byte(case, cap, pcap):
    case.expect(cap.values("exec.stderr_port_number") == ["0"] and cap.values("exec.username") == ["rexuser"]
                and cap.values("exec.password") == ["rexpass1"]
                and cap.values("exec.command") == ["echo one-byte"],
                f"request fields: port {cap.values('exec.stderr_port_number')}, user "
                f"{cap.values('exec.username')}, password {cap.values('exec.password')}, "
                f"command {cap.values('exec.command')}")
    case.expect(cap.values("exec.status") == ["0"], f"status: {cap.values('exec.status')}")
    expect_experts(case, cap, [E_CLEARTEXT], [E_PARTIAL, E_OVERSIZED, E_RETRANSMITTED])
    lost = [m for m in cap.experts() if E_LOST_PREFIX in m]
    case.expect(not lost, f"lost bytes reported: {lost[:3]}")
    # TCP reassembly off: every string in parts, each part flagged.
    off = run_fields(pcap, extra=["-o", "tcp.desegment_tcp_streams:FALSE"])
    parts = off.expert_frames(E_PARTIAL)
    case.expect(len(parts) >= 30, f"reassembly off: '{E_PARTIAL}' on {len(parts)} frames, want >= 30")
    case.expect(off.values("exec.status") == ["0"], f"reassembly off: status {off.values('exec.status')}")


def check_stderr_never_connects(case, cap, pcap):
    case.expect(cap.values("exec.stderr_port_number") == [str(traffic.UNLISTENED_PORT)],
                f"stderr port number: {cap.values('exec.stderr_port_number')}")
    case.expect(cap.connect_backs() == [traffic.UNLISTENED_PORT],
                f"the daemon's connect-back: {cap.connect_backs()}")
    expect_experts(case, cap, [E_CLOSED, E_NEVER_CONNECTED])
    expect_no_wrong_cause(case, cap, "the daemon closed because its stderr connection was refused")


def check_status_7(case, cap, pcap):
    expect_experts(case, cap, [E_STATUS_UNKNOWN, E_UNEXPECTED, E_CLEARTEXT])
    case.expect(cap.values("exec.status") == ["7"], f"status: {cap.values('exec.status')}")


CASES = {
    "random-bytes": check_random_bytes,
    "http-request": check_not_rexec,
    "tls-clienthello": check_tls,
    "ssh-banner": check_not_rexec,
    "long-port-1mb": check_long_port,
    "long-command-1mb": check_long_command,
    "nul-flood": check_nul_flood,
    "port-99999": lambda c, cap, p: check_bad_port(c, cap, p, E_PORT_RANGE),
    "port-minus1": lambda c, cap, p: check_bad_port(c, cap, p, E_PORT_NOT_NUMERIC),
    "port-abc": lambda c, cap, p: check_bad_port(c, cap, p, E_PORT_NOT_NUMERIC),
    "port-1234567": lambda c, cap, p: check_bad_port(c, cap, p, E_PORT_RANGE),
    "many-half-open": check_many,
    "early-server": check_early_server,
    "one-byte-segments": check_one_byte,
    "stderr-never-connects": check_stderr_never_connects,
    "status-7": check_status_7,
}


def find_capture(directory, name):
    for suffix in (".pcap", ".pcap.gz"):
        path = os.path.join(directory, name + suffix)
        if os.path.exists(path):
            return path
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dir", default=HERE, help="where the captures are (default: here)")
    ap.add_argument("cases", nargs="*")
    args = ap.parse_args()
    names = args.cases or list(CASES)
    env = os.environ.get("EXEC_TSHARK_ENV", "")
    if "WIRESHARK_ABORT_ON_DISSECTOR_BUG" not in env:
        os.environ["EXEC_TSHARK_ENV"] = (env + " WIRESHARK_ABORT_ON_DISSECTOR_BUG=1").strip()
    passed = failed = 0
    for name in names:
        case = Case(name)
        started = time.monotonic()
        pcap = find_capture(args.dir, name)
        if name not in CASES or pcap is None:
            case.expect(False, "unknown case" if name not in CASES else "capture missing")
        else:
            try:
                cap = run_fields(pcap)
                common_checks(case, pcap, cap)
                CASES[name](case, cap, pcap)
            except Exception as e:  # a tshark failure is a failed case, not a crash
                case.expect(False, f"{type(e).__name__}: {e}"[:500])
        extra = f" ({time.monotonic() - started:.0f} s)"
        extra += f" [{case.resources}]" if hasattr(case, "resources") else ""
        if case.problems:
            failed += 1
            print(f"FAIL  {name}: {case.ok} of {case.ok + len(case.problems)} expectations{extra}")
            for p in case.problems:
                print(f"        - {p}")
        else:
            passed += 1
            print(f"ok    {name}: {case.ok} expectations{extra}")
        sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
