#!/usr/bin/python3
"""Checks the exec_tcp heuristic, port options, protocol disabling, taps,
preferences and plugin loading against real captures (make-captures.sh here,
and test-captures/).  Every expected value is read from the capture itself
with exec disabled and the plugin absent, never from the plugin's output.

  EXEC_TEST_HOME=DIR check_heuristic.py [--captures DIR] [--test-captures DIR] [-k TEXT]
DIR holds .local/lib/wireshark/plugins/<X.Y>/epan/exec.so.  Prints one line
per named test and closes with 'N passed, N failed'.
"""
import argparse
import os
import re
import shutil
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(ROOT, "tests", "captures"))
import tshark_run  # noqa: E402
from tshark_run import fields, tshark  # noqa: E402

NEVER_CONNECTED = "The announced stderr channel never connected"
EXEC_ANY = "exec || exec_stderr"   # the stderr channel is shown under proto exec too
HEUR = ["--enable-heuristic", "exec_tcp"]
# What make-captures.sh here sends (the daemon's answers are read from the wire).
PORT_5120 = [("rexuser", "rexpass1", "echo hello-5120; echo oops-5120 >&2"),
             ("rexuser", "rexpass1", "id -un")]
RSH = ("root", "rexuser", "echo hello-rsh; echo err-rsh >&2; id -un")
CAPTURES = ["exec-port-5120", "rsh-514", "rlogin-513", "other-tcp", "rexec-after-stderr-port-reuse",
            "hostile-ports-5120"]
# hostile-ports-5120: the port strings make-captures.sh sends, in order.
HOSTILE_PORT_STRINGS = ["100000", "065535", "0000000000512", "+512", "-512", " 512", "512 ", "00512"]
E_PORT_NOT_NUMERIC = "Stderr port is not a decimal number"
E_PORT_RANGE = "Stderr port is above 65535"


class Failed(Exception):
    pass


# Sessions that end with FINs, without reply (FIN) and after a refusal (RST).
# Attack tools' captures (expected.tsv has their outcomes).
BRUTE_CAPTURES = ["hydra-brute", "medusa-brute", "nmap-rexec-brute"]
CLOSE_CAPTURES = ["glibc-success-stderr.pcap", "glibc-wrong-password.pcap", "too-long-username.pcap",
                  "interleaved.pcap"]

def expect(ok, message):
    if not ok:
        raise Failed(message)


# ---------------------------------------------------------------- the wire
class Flow:
    """One direction of a TCP connection: bytes by stream position, and the
    frame that first carried each byte."""

    def __init__(self):
        self.at = {}
        self.fin = self.rst = None

    def data(self):
        out, frames = bytearray(), []
        while len(out) in self.at:
            byte, frame = self.at[len(out)]
            out.append(byte)
            frames.append(frame)
        return bytes(out), frames


class Stream:
    def __init__(self, number):
        self.number = number
        self.client = self.server = None   # (address, port); client sent the SYN
        self.c2s, self.s2c = Flow(), Flow()
        self.frames = []                   # every frame from the SYN on

    def end_frame(self):
        """The frame that ends the connection: the first RST, else the later FIN."""
        rsts = [f.rst for f in (self.c2s, self.s2c) if f.rst]
        if rsts:
            return min(rsts)
        fins = [self.c2s.fin, self.s2c.fin]
        return max(fins) if all(fins) else None


_wire_cache = {}


def wire(pcap, port=512):
    """Every TCP stream of the capture, as tshark shows it without the plugin,
    with exec disabled and the port given to the data dissector."""
    if (pcap, port) not in _wire_cache:
        _wire_cache[(pcap, port)] = _wire(pcap, port)
    return _wire_cache[(pcap, port)]


def _wire(pcap, port):
    names = ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "ip.dst", "ipv6.dst",
             "tcp.srcport", "tcp.dstport", "tcp.seq", "tcp.flags", "tcp.payload"]
    rows = fields(pcap, names, plugin=False,
                  extra=["--disable-protocol", "exec", "-d", f"tcp.port=={port},data"])
    streams = {}
    for r in rows:
        if not r["tcp.stream"]:
            continue
        s = streams.setdefault(int(r["tcp.stream"][0]), Stream(int(r["tcp.stream"][0])))
        frame, flags = int(r["frame.number"][0]), int(r["tcp.flags"][0], 16)
        src = ((r["ip.src"] or r["ipv6.src"])[0], int(r["tcp.srcport"][0]))
        dst = ((r["ip.dst"] or r["ipv6.dst"])[0], int(r["tcp.dstport"][0]))
        if flags & 0x12 == 0x02 and s.client is None:   # SYN without ACK
            s.client, s.server = src, dst
        if s.client is None:
            continue
        s.frames.append(frame)
        flow = s.c2s if src == s.client else s.s2c
        if flags & 0x01 and flow.fin is None:
            flow.fin = frame
        if flags & 0x04 and flow.rst is None:
            flow.rst = frame
        payload = bytes.fromhex("".join(r["tcp.payload"]).replace(":", ""))
        for i, byte in enumerate(payload):   # relative seq: stream position + 1
            flow.at.setdefault(int(r["tcp.seq"][0]) - 1 + i, (byte, frame))
    return streams


class Session:
    """A rexec control connection as the bytes say: each handshake string
    with the frame of its NUL, the server's status and message."""

    def __init__(self, stream, streams):
        self.stream = stream
        data, frames = stream.c2s.data()
        self.strings = []
        start = 0
        for i, byte in enumerate(data):
            if byte == 0 and len(self.strings) < 4:
                self.strings.append((data[start:i].decode(), frames[i]))
                start = i + 1
        self.status = self.message = None
        reply, rframes = stream.s2c.data()
        if reply:
            self.status = (reply[0], rframes[0])
            end = reply.find(b"\n")
            if reply[0] == 1 and end > 0:
                self.message = (reply[1:end].decode(), rframes[end])
        # The stderr channel: the server connects back to the announced port.
        port = self.get(0)
        self.stderr = None
        if port and port[0].isdigit() and int(port[0]):
            self.stderr = next((s for s in streams.values() if s.number > stream.number and
                                s.client and s.client[0] == stream.server[0] and
                                s.server == (stream.client[0], int(port[0]))), None)

    def get(self, index):
        return self.strings[index] if index < len(self.strings) else None

    @property
    def username(self):
        return self.get(1)

    @property
    def command(self):
        return self.get(3)

    def outcome(self):
        """The Info text of the outcome and the frame that decides it."""
        if self.status and self.status[0] == 0:
            return "Success", self.status[1]
        if self.message:
            return "Error: " + self.message[0], self.message[1]
        # The daemon closes silently (FIN), or exits with the request unread
        # and its kernel resets the connection: both are closes without reply.
        close = [f for f in (self.stream.s2c.fin, self.stream.s2c.rst) if f]
        if self.status is None and close:
            return "Closed without reply", min(close)
        return None, None


def sessions(pcap, port=512):
    streams = wire(pcap, port)
    return [Session(s, streams) for s in sorted(streams.values(), key=lambda s: s.number)
            if s.server and s.server[1] == port and s.c2s.data()[0]]


def exec_frames(pcap, extra=()):
    out, _ = tshark(list(extra) + ["-r", pcap, "-Y", EXEC_ANY, "-T", "fields", "-e", "frame.number"])
    return [int(x) for x in out.split()]


def plugin_fields(pcap, extra, names):
    return fields(pcap, ["frame.number", "tcp.stream"] + names, extra=extra)


def shown(rows, name, stream=None):
    """(frame, value) of every occurrence of a field, in one stream or all."""
    return [(int(r["frame.number"][0]), v) for r in rows
            if stream is None or r["tcp.stream"] == [str(stream)] for v in r[name]]


# ---------------------------------------------------------------- tests
def check_decoded(pcap, extra, want):
    """Each session shows exactly its strings and status, in the frames that
    carry them, and every stderr-channel payload frame links to the port frame."""
    strings = ["exec.stderr_port", "exec.username", "exec.password", "exec.command"]   # wire order
    rows = plugin_fields(pcap, extra, strings + ["exec.status", "exec.stderr_channel"])
    sess = sessions(pcap, 5120)
    expect([(s.username[0], s.get(2)[0], s.command[0]) for s in sess] == want,
           f"the capture holds other sessions than make-captures.sh sent: {[s.strings for s in sess]}")
    for s in sess:
        n = s.stream.number
        for i, name in enumerate(strings):
            got = shown(rows, name, n)
            expect(got == [(s.get(i)[1], s.get(i)[0])],
                   f"stream {n}: {name}: want {[(s.get(i)[1], s.get(i)[0])]}, got {got}")
        got = shown(rows, "exec.status", n)
        expect(got == [(s.status[1], str(s.status[0]))], f"stream {n}: exec.status: got {got}")
        if s.stderr:
            # Every frame of the channel, from the daemon's SYN on, payload or not.
            every = s.stderr.frames
            got = shown(rows, "exec.stderr_channel", s.stderr.number)
            expect(every and got == [(f, str(s.get(0)[1])) for f in every],
                   f"stderr stream {s.stderr.number}: want frames {every} -> {s.get(0)[1]}, got {got}")
    expect(sum(1 for s in sess if s.stderr) == 1, "the glibc session's stderr channel is not in the capture")


def connect_back_port(sess, streams):
    """The port the daemon really connected back to: the destination of the
    first connection it opened to the client's address after the request."""
    c = sess.stream
    back = next((t for t in sorted(streams.values(), key=lambda t: t.number)
                 if t.number > c.number and t.client and t.client[0] == c.server[0]
                 and t.server[0] == c.client[0] and t.server[1] != c.client[1]), None)
    return back.server[1] if back else None


def check_hostile_ports(pcap):
    """Port strings of six and more digits, signs and spaces.  The heuristic
    takes a session only when its port string is one to five ASCII digits
    (the expectation is made from the wire bytes, not from the plugin); with
    the port given (-d), every session is decoded, its port number is the
    one the real daemon connected back to, and the anomalies are the ones
    the string calls for."""
    sess = sessions(pcap, 5120)
    streams = wire(pcap, 5120)
    got_strings = [s.get(0)[0] for s in sess]
    expect(got_strings == HOSTILE_PORT_STRINGS, f"the capture holds other sessions: {got_strings}")
    names = ["exec.stderr_port", "exec.stderr_port_number", "_ws.expert.message"]
    heur_rows = plugin_fields(pcap, HEUR, names)
    heur_exec = set(exec_frames(pcap, HEUR))
    d_rows = plugin_fields(pcap, ["-d", "tcp.port==5120,exec"], names)
    for s in sess:
        n, (text, frame) = s.stream.number, s.get(0)
        is_port = 1 <= len(text) <= 5 and all(c in "0123456789" for c in text)
        claimed = sorted(heur_exec & set(s.stream.frames))
        if is_port:
            expect(shown(heur_rows, "exec.stderr_port", n) == [(frame, text)],
                   f"heuristic: port string {text!r}: not decoded: {shown(heur_rows, 'exec.stderr_port', n)}")
        else:
            expect(not claimed, f"heuristic: port string {text!r} taken for rexec: frames {claimed}")
        # With the port given: the daemon's port, and the anomalies the bytes call for.
        daemon_port = connect_back_port(s, streams)
        expect(daemon_port is not None, f"{text!r}: the daemon's connect-back is not in the capture")
        expect(shown(d_rows, "exec.stderr_port", n) == [(frame, text)],
               f"-d: {text!r}: exec.stderr_port {shown(d_rows, 'exec.stderr_port', n)}")
        expect(shown(d_rows, "exec.stderr_port_number", n) == [(frame, str(daemon_port))],
               f"-d: {text!r}: the daemon connected back to {daemon_port}, the plugin says "
               f"{shown(d_rows, 'exec.stderr_port_number', n)}")
        digits = all(c in "0123456789" for c in text)
        want = set()
        if not digits:
            want.add(E_PORT_NOT_NUMERIC)
        if int("0" + "".join(c for c in text if c.isdigit())) > 65535:
            want.add(E_PORT_RANGE)
        experts = {v for f, v in shown(d_rows, "_ws.expert.message", n) if f == frame}
        port_experts = experts & {E_PORT_NOT_NUMERIC, E_PORT_RANGE}
        expect(port_experts == want, f"-d: {text!r}: port expert infos {sorted(port_experts)}, want {sorted(want)}")
        elsewhere = [(f, v) for f, v in shown(d_rows, "_ws.expert.message", n)
                     if f != frame and v in (E_PORT_NOT_NUMERIC, E_PORT_RANGE)]
        expect(not elsewhere, f"-d: {text!r}: port expert infos on other frames: {elsewhere}")


def not_claimed(pcap, extra, others):
    """No frame is exec; the protocols' own dissectors still decode theirs."""
    got = exec_frames(pcap, extra)
    expect(not got, f"frames claimed by exec: {got[:20]}")
    for name, want in others:
        values = [v for _, v in shown(fields(pcap, ["frame.number", "tcp.stream", name], extra=extra), name)]
        # Distinct values: from 4.4 on, HTTP repeats the request URI on the response.
        expect(sorted(set(values)) == sorted(set(want)), f"{name}: want {want}, got {values}")


def stats_tree(text):
    """-z exec,tree output as {path: count}; one space of indent per level."""
    lines = text.split("\n")
    header = next(i for i, line in enumerate(lines) if line.startswith("Topic / Item"))
    col = lines[header].index("Count")
    tree, path = {}, []
    for line in lines[header + 2:]:
        if not line.strip() or line.startswith("---"):
            break
        name = line[:col].rstrip()
        depth = len(name) - len(name.lstrip(" "))
        path = path[:depth] + [name.strip()]
        tree["/".join(path)] = int(line[col:].split()[0])
    return tree


def credential_lines(text):
    lines = text.split("\n")
    start = next(i for i, line in enumerate(lines) if line.startswith("------")) + 1
    return [line for line in lines[start:] if line and not line.startswith("=====")]


def tsv_rows(path, name):
    """expected.tsv rows of one capture; columns by their first word, the
    command unescaped (\\n \\t \\\\)."""
    with open(path, encoding="utf-8") as f:
        rows = [line.rstrip("\n").split("\t") for line in f]
    head = [h.split(" ")[0] for h in rows[0]]
    out = [dict(zip(head, r)) for r in rows[1:] if r and r[0] == name]
    for r in out:
        r["command"] = re.sub(r"\\(.)", lambda m: {"n": "\n", "t": "\t"}.get(m.group(1), m.group(1)), r["command"])
    return out


def tsv_outcome(value):
    if value == "success":
        return "Success"
    if value == "closed-without-reply":
        return "Closed without reply"
    if value.startswith("error:"):
        return "Error: " + value[6:]
    raise Failed(f"expected.tsv outcome {value!r} not handled here")


# The ways an attempt ends, as -z exec,tree counts them under each user:
# the first three always (0 included), "Other reply" only when it happens.
USER_OUTCOMES = {"Success": "Succeeded", "Closed without reply": "Closed without reply"}
USER_OUTCOME_ALWAYS = ["Succeeded", "Refused with a message", "Closed without reply"]


def user_outcome(outcome):
    if outcome.startswith("Error: "):
        return "Refused with a message"
    return USER_OUTCOMES.get(outcome, "Other reply")


def expected_tree(pcap, rows):
    """What -z exec,tree must count for expected.tsv's sessions of a capture:
    each attempt that ended (outcome not 'none') by client address, by the
    server it went to (from the wire: the SYN's destination), by user and
    how it ended, by outcome and by command."""
    server = {f"{s.client[0]}:{s.client[1]}": s.server[0] for s in wire(pcap).values()
              if s.server and s.server[1] == 512}
    ended = [r for r in rows if r["outcome"] != "none"]
    want = {"Login attempts": len(ended)}

    def tick(path):
        want[path] = want.get(path, 0) + 1

    for r in ended:
        user = r["username"] or "(no username)"
        outcome = tsv_outcome(r["outcome"])
        for node, value in [("By client", r["client"].rsplit(":", 1)[0].strip("[]")),
                            ("By server", server[r["client"]]), ("By user", user),
                            ("By outcome", outcome), ("Commands requested", r["command"] or "(no command)")]:
            tick(f"Login attempts/{node}")
            tick(f"Login attempts/{node}/{value}")
        for always in USER_OUTCOME_ALWAYS:
            want.setdefault(f"Login attempts/By user/{user}/{always}", 0)
        tick(f"Login attempts/By user/{user}/{user_outcome(outcome)}")
    return want


def snapshot(test_captures, names, tmp):
    """Copies of the captures and expected.tsv that belong together: the suite
    may rewrite test-captures/ while this runs (pcaps first, expected.tsv last)."""
    for _ in range(10):
        _wire_cache.clear()
        for n in names + ["expected.tsv"]:
            shutil.copy(os.path.join(test_captures, n), os.path.join(tmp, n))
        os.chmod(tmp, 0o755)
        clients = {r["client"] for r in tsv_rows(os.path.join(tmp, "expected.tsv"), "interleaved")}
        got = {f"{s.stream.client[0]}:{s.stream.client[1]}" for s in sessions(os.path.join(tmp, "interleaved.pcap"))}
        if clients == got:
            return
        time.sleep(2)
    raise SystemExit("test-captures/interleaved.pcap and expected.tsv do not belong together")


def build_tests(caps, tmp):
    """caps: make-captures.sh's captures; tmp: the test-captures snapshot."""
    p5120 = os.path.join(caps, "exec-port-5120.pcap")
    reuse = os.path.join(caps, "rexec-after-stderr-port-reuse.pcap")
    inter = os.path.join(tmp, "interleaved.pcap")
    tests = []

    def test(name):
        def register(fn):
            tests.append((name, fn))
            return fn
        return register

    @test("5120: without options not decoded as exec")
    def _():
        got = exec_frames(p5120)
        expect(not got, f"exec frames: {got}")

    for label, extra in [("--enable-heuristic exec_tcp", HEUR), ("-d tcp.port==5120,exec", ["-d", "tcp.port==5120,exec"]),
                         ("-o exec.tcp.port:5120", ["-o", "exec.tcp.port:5120"])]:
        test(f"5120: {label}: exact strings, status, stderr channel")(
            lambda extra=extra: check_decoded(p5120, extra, PORT_5120))

    hostile = os.path.join(caps, "hostile-ports-5120.pcap")
    test("5120: hostile port strings: the heuristic takes 1-5 digits only; -d: daemon's port, anomalies")(
        lambda: check_hostile_ports(hostile))

    close_fields = ["exec.closed_without_reply", "exec.stdin_bytes", "exec.stdout_bytes", "exec.stderr_bytes"]
    for name in CLOSE_CAPTURES:
        pcap = os.path.join(tmp, name)

        @test(f"TCP sequence analysis off: {name}: the same session ends and closes without reply")
        def _(pcap=pcap):
            def closes(extra):
                return [(int(r["frame.number"][0]), tuple(tuple(r[n]) for n in close_fields))
                        for r in plugin_fields(pcap, extra, close_fields) if any(r[n] for n in close_fields)]
            default = closes([])
            expect(default, "no close frame with the default preferences")
            got = closes(["-o", "tcp.analyze_sequence_numbers:FALSE"])
            expect(got == default, f"want {default}, got {got}")

    @test("--disable-protocol exec: no exec fields on glibc-success-stderr")
    def _():
        pcap = os.path.join(tmp, "glibc-success-stderr.pcap")
        off = ["--disable-protocol", "exec"]
        expect(not exec_frames(pcap, off), "exec frames with exec disabled")
        names = ["exec.username", "exec.password", "exec.command", "exec.stderr_port", "exec.status",
                 "exec.stderr_channel", "exec.stderr_data", "exec.server_client_data", "_ws.col.Protocol", "tcp.len"]
        rows = plugin_fields(pcap, off, names)
        left = [(r["frame.number"][0], n) for r in rows for n in names[:-2] if r[n]]
        expect(not left, f"exec fields shown: {left}")
        protocols = {r["_ws.col.Protocol"][0] for r in rows if r["tcp.len"] != ["0"]}
        expect(protocols <= {"TCP", "Data"}, f"payload frames shown as {protocols}")
        expect(sessions(pcap), "no session on port 512 in the capture")

    others = {
        "rsh-514": [("rsh.client_username", [RSH[0]]), ("rsh.server_username", [RSH[1]]), ("rsh.command", [RSH[2]])],
        "rlogin-513": [("rlogin.client_user_name", ["root"]), ("rlogin.server_user_name", ["rexuser"])],
        "other-tcp": [("http.request.uri", ["/index.html"])],
    }
    for name, own in others.items():
        pcap = os.path.join(caps, name + ".pcap")
        test(f"heuristic on: {name} not claimed, own dissectors intact")(
            lambda pcap=pcap, own=own: not_claimed(pcap, HEUR, own))
        # Heuristics before the port table: only the heuristic itself decides.
        test(f"heuristic on and tried first: {name} not claimed")(
            lambda pcap=pcap, own=own: not_claimed(pcap, HEUR + ["-o", "tcp.try_heuristic_first:TRUE"], own))

    @test("other-tcp: holds HTTP, echo, binary NUL-first and banner connections")
    def _():
        streams = wire(os.path.join(caps, "other-tcp.pcap"))
        ports = sorted(s.server[1] for s in streams.values() if s.server)
        expect(ports == [2525, 7007, 7007, 8080], f"server ports {ports}")
        first = [s.c2s.data()[0][:2] for s in streams.values() if s.server and s.server[1] == 7007]
        expect(b"\x00\x01" in first, f"no NUL-first binary connection: {first}")

    reuse_cache = {}

    def reuse_session(index):
        sess = sessions(reuse)
        expect(len(sess) == 3, f"want 3 sessions, found {len(sess)}")
        return sess[index]

    def reuse_rows():
        """Two passes, as the GUI shows it; one tshark run for all its tests."""
        if not reuse_cache:
            reuse_cache["rows"] = plugin_fields(reuse, ["-2"], ["exec.stderr_channel", "_ws.col.Protocol",
                                                               "_ws.expert.message", "_ws.col.Info"])
        return reuse_cache["rows"]

    for index, label in [(0, "A (all strings in one segment, server RST)"), (1, "B (port string alone, FIN/FIN)"),
                         (2, "C (IPv6, refused before any connect-back, server RST)")]:
        @test(f"port reuse {label}: later connection to the port not exec")
        def _(index=index):
            s = reuse_session(index)
            port = int(s.get(0)[0])
            streams = wire(reuse)
            later = [t for t in streams.values() if t.server == (s.stream.client[0], port) and
                     t.c2s.data()[0] and t.number > s.stream.number]
            expect(len(later) == 1, f"want one later connection with payload to port {port}, got {len(later)}")
            claimed = [int(r["frame.number"][0]) for r in reuse_rows() if r["tcp.stream"] == [str(later[0].number)] and
                       (r["exec.stderr_channel"] or r["_ws.col.Protocol"] == ["EXEC"])]
            expect(not claimed, f"stream {later[0].number} frames claimed: {claimed}")

        @test(f"port reuse {label}: session end frame says the stderr channel never connected")
        def _(index=index):
            s = reuse_session(index)
            end = s.stream.end_frame()
            row = next(r for r in reuse_rows() if r["frame.number"] == [str(end)])
            expect(NEVER_CONNECTED in row["_ws.expert.message"],
                   f"frame {end} (end of stream {s.stream.number}): experts {row['_ws.expert.message']}, "
                   f"info {row['_ws.col.Info']}")

    @test("port reuse: -z credentials lists the login attempts (A and C reset by the server)")
    def _():
        want = ["%-10u %-16s %-16s %-16s" % (s.get(2)[1], "EXEC", s.username[0], f"Command: {s.command[0]}; {s.outcome()[0]}")
                for s in sorted((s for s in sessions(reuse) if s.username), key=lambda s: s.outcome()[1])]
        out, _ = tshark(["-r", reuse, "-z", "credentials", "-q"])
        got = credential_lines(out)
        expect(len(want) == 2 and got == want, f"want {want}, got {got}")

    def interleaved():
        sess = sessions(inter)
        expect(len(sess) == 4, f"want 4 sessions, found {len(sess)}")
        return sess

    @test("interleaved: the capture agrees with expected.tsv")
    def _():
        want = [(r["client"], r["username"], r["password"], r["command"], tsv_outcome(r["outcome"]))
                for r in tsv_rows(os.path.join(tmp, "expected.tsv"), "interleaved")]
        got = [(f"{s.stream.client[0]}:{s.stream.client[1]}", s.username[0], s.get(2)[0], s.command[0], s.outcome()[0])
               for s in interleaved()]
        expect(got == want, f"capture {got} != expected.tsv {want}")

    @test("interleaved: -z credentials entries")
    def _():
        want = ["%-10u %-16s %-16s %-16s" % (s.get(2)[1], "EXEC", s.username[0], f"Command: {s.command[0]}; {s.outcome()[0]}")
                for s in sorted(interleaved(), key=lambda s: s.outcome()[1])]
        out, _ = tshark(["-r", inter, "-z", "credentials", "-q"])
        got = credential_lines(out)
        expect(got == want, "\n       want " + "\n            ".join(want) + "\n       got  " + "\n            ".join(got))

    @test("interleaved: -z exec,tree counts per node")
    def _():
        want = expected_tree(inter, tsv_rows(os.path.join(tmp, "expected.tsv"), "interleaved"))
        out, _ = tshark(["-r", inter, "-z", "exec,tree", "-q"])
        got = stats_tree(out)
        expect(got == want, f"want {want}\n       got  {got}")

    # Brute force at a glance: attempts by client, and per user how they ended.
    for brute in BRUTE_CAPTURES:
        @test(f"{brute}: -z exec,tree counts per node, per user succeeded / refused / closed")
        def _(brute=brute):
            pcap = os.path.join(tmp, brute + ".pcap")
            rows = tsv_rows(os.path.join(tmp, "expected.tsv"), brute)
            expect(len(rows) > 2 and any(r["outcome"] == "success" for r in rows),
                   f"expected.tsv: {len(rows)} {brute} sessions, none successful")
            want = expected_tree(pcap, rows)
            out, _ = tshark(["-r", pcap, "-z", "exec,tree", "-q"])
            got = stats_tree(out)
            expect(got == want, f"want {want}\n       got  {got}")

    def info_rows(extra):
        rows = fields(inter, ["frame.number", "tcp.stream", "_ws.col.Protocol", "_ws.col.Info"], extra=extra)
        return [(int(r["frame.number"][0]), int(r["tcp.stream"][0]), r["_ws.col.Info"][0]) for r in rows
                if r["_ws.col.Protocol"] == ["EXEC"] and r["tcp.stream"]]

    def prefixed(rows, index, label):
        """Frames of each session after the one carrying string `index` must
        carry `label:<value> `; the frames with the string show it themselves."""
        wrong = []
        for s in interleaved():
            value, frame = s.get(index)
            for num, stream, info in rows:
                if stream == s.stream.number and num > frame and f"{label}:{value} " not in info:
                    wrong.append((num, info))
        expect(not wrong, f"frames without '{label}:<value> ': {wrong}")

    @test("prefs: exec.info_show_command:TRUE prefixes every later frame of the session")
    def _():
        rows = info_rows(["-o", "exec.info_show_command:TRUE"])
        prefixed(rows, 3, "Command")
        for s in interleaved():
            info = next(i for n, _, i in rows if n == s.command[1])
            expect(f"Command: {s.command[0]}" in info, f"frame {s.command[1]}: {info!r}")

    @test("prefs: exec.info_show_username:FALSE removes Username: prefixes")
    def _():
        rows = info_rows(["-o", "exec.info_show_username:FALSE"])
        expect(len(rows) > 10, "too few exec frames")
        bad = [(n, i) for n, _, i in rows if "Username:" in i]
        expect(not bad, f"still prefixed: {bad}")

    @test("prefs: defaults show the username on every later frame, never a Command: prefix")
    def _():
        rows = info_rows([])
        bad = [(n, i) for n, _, i in rows if re.search(r"Command:(?! )", i)]
        expect(not bad, f"command prefix by default: {bad}")
        prefixed(rows, 1, "Username")

    @test("without the plugin: the built-in decodes port 512, exec.status unknown")
    def _():
        pcap = os.path.join(tmp, "all-in-one-segment.pcap")
        s = sessions(pcap)[0]
        rows = fields(pcap, ["frame.number", "exec.username", "exec.command"], plugin=False)
        got = [(int(r["frame.number"][0]), r["exec.username"], r["exec.command"]) for r in rows if r["exec.username"]]
        expect(got == [(s.username[1], [s.username[0]], [s.command[0]])], f"built-in shows {got}")
        out, _ = tshark(["-G", "fields"], plugin=False)
        expect("\texec.username\t" in out and "\texec.status\t" not in out,
               "without the plugin exec.status should not exist and exec.username should")
        out, _ = tshark(["-G", "fields"])
        expect("\texec.status\t" in out, "with the plugin exec.status is missing")

    @test("tshark -G plugins lists exec.so as a dissector from the test home")
    def _():
        out, _ = tshark(["-G", "plugins"])
        rows = [[c.strip() for c in line.split("\t")] for line in out.split("\n")]
        ours = [r for r in rows if r[0] == "exec.so"]
        where = os.path.join(tshark_run.PLUGIN_HOME, ".local/lib/wireshark/plugins")
        expect(len(ours) == 1 and ours[0][2] == "dissector" and ours[0][3].startswith(where),
               f"exec.so rows: {ours}")

    return tests


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--captures", default=HERE, help="where make-captures.sh wrote (default: here)")
    ap.add_argument("--test-captures", default=os.path.join(ROOT, "test-captures"))
    ap.add_argument("-k", dest="pattern", help="run only tests whose name contains this")
    args = ap.parse_args()
    if not tshark_run.PLUGIN_HOME:
        raise SystemExit("EXEC_TEST_HOME is not set (a HOME with the plugin installed)")
    if not os.environ.get("EXEC_TSHARK_ENV"):
        os.environ["EXEC_TSHARK_ENV"] = "WIRESHARK_ABORT_ON_DISSECTOR_BUG=1"
    missing = [c for c in CAPTURES if not os.path.exists(os.path.join(args.captures, c + ".pcap"))]
    if missing:
        raise SystemExit(f"missing {missing} in {args.captures}: run make-captures.sh (as root) first")
    tmp = tempfile.mkdtemp(prefix="heur-check.")
    try:
        snapshot(args.test_captures, sorted({"interleaved.pcap", "glibc-success-stderr.pcap",
                                             "all-in-one-segment.pcap", *CLOSE_CAPTURES,
                                             *(b + ".pcap" for b in BRUTE_CAPTURES)}), tmp)
        passed = failed = 0
        for name, fn in build_tests(os.path.abspath(args.captures), tmp):
            if args.pattern and args.pattern not in name:
                continue
            try:
                fn()
                print(f"ok   {name}")
                passed += 1
            except Failed as e:
                print(f"FAIL {name}\n       {e}")
                failed += 1
            except Exception as e:   # a crash of one test is its failure, not the run's
                print(f"FAIL {name}\n       {type(e).__name__}: {e}")
                failed += 1
            sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
