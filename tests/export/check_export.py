#!/usr/bin/python3
"""Export Objects > EXEC (tshark --export-objects exec,DIR) against the
wire.

For every capture, in three TCP modes (one pass with TCP's defaults, two
passes, two passes with out-of-order reassembly), each stream the oracle
(tests/captures/rexec_oracle.py, which shares no code with the plugin)
rebuilds from the raw segments must come out as one file, matched by kind
and by its frame, byte for byte:
  stdout  server bytes after status 0      stderr  the stderr channel's server bytes
  stdin   client bytes after the command   error   the line after status 1, with its newline
A stream the oracle has whole must be exported whole and not marked
incomplete with out-of-order reassembly on (and, for stdout and stdin,
with TCP's defaults in two passes); a file marked incomplete must
hold the oracle's bytes where it holds any (NULs where none were captured)
and be named in an expert note; a stream with a hole must be marked
incomplete.  Streams of clean captures are also compared with
`tshark -z follow,tcp,raw`, and, where the capture's scenario in
test-captures/make-captures.sh fixes them (CLIENT_DATA), with the bytes
the client sent and printed.  No file may be exported that the oracle does
not know.
In a fourth run, one pass again, a second export-objects listener sits
beside tshark's (tests/export/second_listener.c, loaded with LD_PRELOAD),
as two Export Objects dialogs of the GUI do: it must be given exactly the
files tshark writes, and those must pass every check above.
With --without-stderr-opening CAPTURE, a copy of CAPTURE is checked too
without the frames of its first stderr channel before the channel's first
data (the connect back and its answer, as a capture that missed them): in
every mode, its one stderr object must hold the bytes the oracle reads from
CAPTURE itself, and, the copy holding no SYN of the channel, no frame may say
the daemon connects again unanswered, nor the session's end that the
channel never connected.
With --reorder-stderr CAPTURE, a copy of CAPTURE is checked too whose
stderr channel carries its first data segment after the second, and that
first segment once more after both (an out-of-order segment and a
retransmission, both withheld by TCP's defaults): its stderr object must
still be whole, each byte once and in stream order, in every mode.
  check_export.py [--without-stderr-opening CAPTURE]... [--reorder-stderr CAPTURE]... CAPTURE...
  check_export.py --suite DIR    the test suite's set, from DIR/captures and
                                 DIR/impaired (tests/run-suite.sh, tests/mutation/run.sh)
"""
import os
import re
import struct
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "captures"))
from rexec_oracle import Direction, read_sessions  # noqa: E402
from tshark_run import fields, tshark  # noqa: E402

MODES = {
    "one pass": [],
    "two passes": ["-2"],
    "two passes, out-of-order": ["-2", "-o", "tcp.reassemble_out_of_order:TRUE"],
    "one pass, two listeners": [],
}
TWO_LISTENERS = "one pass, two listeners"
HERE = os.path.dirname(os.path.abspath(__file__))
NAME = re.compile(r"^(\d+)-(.+)@(.+)-(stdout|stderr|stdin|error)(-incomplete)?$")
EXPERT = re.compile(r"Exported (\w+) incomplete: (\d+) bytes missing")
# What the clients of these scenarios sent as stdin and printed as stdout
# and stderr: make-captures.sh writes the stdin given here and checks that
# the client printed exactly this (sc_stdin-wc, sc_stdin-data,
# sc_glibc-success-stderr).  Independent of the wire and of TCP.
CLIENT_DATA = {
    "stdin-wc.pcap": {"stdin": bytes(range(256)) * 32, "stdout": b"8192\n"},
    "stdin-data.pcap": {"stdin": b"line one\nline two\n\0\1\2binary\xfe\xff\0end\n",
                        "stdout": b"line one\nline two\n\0\1\2binary\xfe\xff\0end\n"},
    "glibc-success-stderr.pcap": {"stdout": b"hello\n", "stderr": b"oops\n"},
}


def wire_sessions(pcap):
    """The oracle's sessions, with each direction rebuilt again from TCP's
    own payload field: the data dissector the oracle reads is not handed
    the segments TCP's analysis withholds (out-of-order ones)."""
    sessions = read_sessions(pcap)
    rows = fields(pcap, ["frame.number", "tcp.stream", "tcp.srcport", "tcp.seq_raw", "tcp.flags.syn",
                         "tcp.payload"],
                  extra=["--disable-protocol", "exec", "-o", "tcp.desegment_tcp_streams:FALSE"], plugin=False)
    by_stream = {}
    for r in rows:
        if r["tcp.stream"]:
            by_stream.setdefault(int(r["tcp.stream"][0]), []).append(r)
    for sess in sessions:
        sess.client, sess.server, sess.stderr_out = Direction(), Direction(), Direction()
        for stream, server_port_is_src in ((sess.stream, True), (sess.stderr_stream, False)):
            if stream is None:
                continue
            ports = {}
            for r in by_stream.get(stream, []):
                ports.setdefault(int(r["tcp.srcport"][0]), len(ports))
            for r in by_stream.get(stream, []):
                src = int(r["tcp.srcport"][0])
                if stream == sess.stream:
                    direction = sess.server if src == 512 else sess.client
                else:
                    # The daemon opens the channel: the first frame's sender.
                    if ports[src] != 0:
                        continue
                    direction = sess.stderr_out
                frame, seq = int(r["frame.number"][0]), int(r["tcp.seq_raw"][0])
                if r["tcp.flags.syn"] and r["tcp.flags.syn"][0] in ("1", "True"):
                    direction.isn = seq
                elif r["tcp.payload"]:
                    direction.add(frame, seq, bytes.fromhex(r["tcp.payload"][0].replace(":", "")))
    return sessions


def expected_streams(sess):
    """kind -> (offset -> byte, offset -> frame) for every non-empty stream."""
    out = {}
    server = sess.server
    if sess.server_start_proven and 0 in server.bytes_at:
        status = server.bytes_at[0]
        after = {k - 1: v for k, v in server.bytes_at.items() if k >= 1}
        frames = {k - 1: v for k, v in server.frame_at.items() if k >= 1}
        if status == 0 and after:
            out["stdout"] = (after, frames)
        elif status == 1:
            line = server.contiguous()
            nl = line.find(b"\n", 1)
            if nl > 0:
                out["error"] = ({i - 1: line[i] for i in range(1, nl + 1)},
                                {i - 1: server.frame_at[i] for i in range(1, nl + 1)})
    client = sess.client
    if sess.client_start_proven:
        line = client.contiguous()
        start = 0
        for _ in range(4):
            nul = line.find(b"\0", start)
            if nul < 0:
                start = None
                break
            start = nul + 1
        if start is not None:
            data = {k - start: v for k, v in client.bytes_at.items() if k >= start}
            if data:
                out["stdin"] = (data, {k - start: v for k, v in client.frame_at.items() if k >= start})
    if sess.stderr_stream is not None and sess.stderr_out.isn is not None and sess.stderr_out.bytes_at:
        out["stderr"] = (dict(sess.stderr_out.bytes_at), dict(sess.stderr_out.frame_at))
    return out


def as_bytes(positions):
    return bytes(positions.get(i, 0) for i in range(max(positions) + 1)) if positions else b""


def has_hole(positions):
    return len(positions) != max(positions) + 1


def build_second_listener(workdir):
    """Compiles second_listener.c into a library tshark's user can load."""
    library = os.path.join(workdir, "second_listener.so")
    cflags = subprocess.run(["pkg-config", "--cflags", "wireshark"], check=True, stdout=subprocess.PIPE,
                            text=True).stdout.split()
    subprocess.run(["gcc", "-shared", "-fPIC", "-O1", "-Wall", "-Werror", "-o", library,
                    os.path.join(HERE, "second_listener.c")] + cflags + ["-ldl"], check=True)
    os.chmod(library, 0o755)
    return library


def export(pcap, mode_args, outdir, second=None):
    """Runs the export; returns the expert notes on incomplete objects.
    second: (library, folder): a second listener writes its objects there."""
    extra_env = []
    if second:
        library, folder = second
        extra_env = [f"LD_PRELOAD={library}", "EXEC_SECOND_EO_TAP=exec_eo", f"EXEC_SECOND_EO_DIR={folder}"]
    out, err = tshark(["-r", pcap] + mode_args + ["--export-objects", f"exec,{outdir}",
                      "-Y", "exec.export_incomplete", "-T", "fields", "-e", "_ws.expert.message",
                      "-E", "occurrence=a", "-E", "aggregator=\x1f"], extra_env=extra_env)
    if err.strip():
        raise RuntimeError(f"tshark stderr: {err.strip()}")
    notes = []
    for line in out.splitlines():
        for message in line.split("\x1f"):
            m = EXPERT.search(message)
            if m:
                notes.append(m[1])
    return notes


def follow_raw(pcap, stream):
    """(client bytes, server bytes) of a TCP stream, by tshark's Follow."""
    out, _ = tshark(["-r", pcap, "-q", "-z", f"follow,tcp,raw,{stream}"], plugin=False)
    client, server = bytearray(), bytearray()
    for line in out.splitlines():
        if not re.fullmatch(r"\t?(?:[0-9a-f]{2})+", line):
            continue
        if line.startswith("\t"):
            server += bytes.fromhex(line.strip())
        else:
            client += bytes.fromhex(line.strip())
    return bytes(client), bytes(server)


def read_folder(folder):
    """File name -> bytes."""
    contents = {}
    for name in (os.listdir(folder) if os.path.isdir(folder) else []):
        with open(os.path.join(folder, name), "rb") as f:
            contents[name] = f.read()
    return contents


def check_capture(pcap, clean, problems, second_listener, forced_whole=False):
    sessions = wire_sessions(pcap)
    base = os.path.basename(pcap)
    follow = {}
    for mode, args in MODES.items():
        where = f"{base} [{mode}]"
        outdir = tempfile.mkdtemp(prefix="exec-export-")
        os.chmod(outdir, 0o777)
        target = os.path.join(outdir, "objects")
        second = None
        if mode == TWO_LISTENERS:
            second = (second_listener, os.path.join(outdir, "second"))
            os.mkdir(second[1])
            os.chmod(second[1], 0o777)
        notes = export(pcap, args, target, second)
        written = read_folder(target)
        given = read_folder(second[1]) if second else written
        if given != written:
            problems.append(f"{where}: the second listener was given {sorted(given)}, tshark's wrote "
                            f"{sorted(written)}" + ("" if set(given) != set(written) else " (bytes differ)"))
        files = {}
        for name, data in written.items():
            m = NAME.match(name)
            if not m:
                problems.append(f"{where}: file name {name!r} is not <frame>-<user>@<server>-<stream>")
                continue
            files[name] = (int(m[1]), m[4], bool(m[5]), data)
        used = set()
        incomplete_kinds = []
        for sess in sessions:
            for kind, (positions, frames) in expected_streams(sess).items():
                want = as_bytes(positions)
                candidates = [n for n, (frame, k, _, _) in files.items()
                              if k == kind and frame in set(frames.values()) and n not in used]
                if not candidates:
                    # Out-of-order segments reach the plugin only with TCP's
                    # out-of-order reassembly: later frames then carry them.
                    last = max(list(sess.client.frame_at.values()) + list(sess.server.frame_at.values()) +
                               list(sess.stderr_out.frame_at.values()))
                    candidates = [n for n, (frame, k, _, _) in files.items()
                                  if k == kind and min(frames.values()) <= frame <= last and n not in used]
                if not candidates:
                    # The stderr channel's withheld bytes are found in
                    # their frames on the first pass: only one pass may
                    # miss them.  On the control connection a withheld
                    # status byte (loss-status-byte) leaves the data
                    # unknown for TCP's defaults in any number of passes.
                    if "out-of-order" in mode or clean or forced_whole or (mode == "two passes" and kind == "stderr"):
                        problems.append(f"{where}: no {kind} object for the session of TCP stream {sess.stream}")
                    else:
                        print(f"  NOTE {where}: no {kind} object for TCP stream {sess.stream}: TCP withheld its "
                              "bytes from the plugin (out-of-order reassembly off)")
                    continue
                name = min(candidates, key=lambda n: files[n][0])
                used.add(name)
                _, _, incomplete, got = files[name]
                if incomplete:
                    incomplete_kinds.append(kind)
                    wrong = [i for i, b in enumerate(got) if b != positions.get(i, 0) and b != 0]
                    if len(got) > len(want) or wrong:
                        problems.append(f"{where}: {name}: bytes differ from the wire at offsets {wrong[:5]}")
                    # Bytes TCP withholds are found in their frames on the
                    # first pass: two passes have them.
                    whole_expected = "out-of-order" in mode or mode == "two passes" or forced_whole
                    if whole_expected and not has_hole(positions):
                        problems.append(f"{where}: {name}: marked incomplete, the wire has every byte")
                elif has_hole(positions):
                    problems.append(f"{where}: {name}: the wire has a hole, the object is not marked incomplete")
                elif got != want:
                    problems.append(f"{where}: {name}: {len(got)} bytes, the wire {len(want)}, not the same")
                if clean and not incomplete:
                    stream = sess.stderr_stream if kind == "stderr" else sess.stream
                    if stream not in follow:
                        follow[stream] = follow_raw(pcap, stream)
                    # Node 0, unindented, is the side that connected: on
                    # the stderr channel, the daemon.
                    client, server = follow[stream]
                    by_follow = {"stdout": server[1:], "error": server[1:1 + len(got)], "stderr": client,
                                 "stdin": client[len(client) - len(got):]}[kind]
                    if got != by_follow:
                        problems.append(f"{where}: {name}: differs from follow,tcp,raw of stream {stream}")
        known = CLIENT_DATA.get(base, {})
        for kind, data in known.items():
            got = [files[n][3] for n in used if files[n][1] == kind and not files[n][2]]
            if got != [data]:
                problems.append(f"{where}: exported {kind}: {[len(g) for g in got]} byte(s), "
                                f"not the {len(data)} bytes the client sent or printed")
        for name in sorted(set(files) - used):
            problems.append(f"{where}: {name}: exported, but the wire has no such stream")
        if sorted(notes) != sorted(incomplete_kinds):
            problems.append(f"{where}: expert notes {sorted(notes)} for incomplete objects "
                            f"{sorted(incomplete_kinds)}")
        subprocess.run(["rm", "-rf", "--one-file-system", outdir], check=False)
        print(f"  {where}: {len(files)} objects" +
              (f", {len(incomplete_kinds)} marked incomplete" if incomplete_kinds else ""))


def read_pcap(path):
    with open(path, "rb") as f:
        data = f.read()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    records, at = [], 24
    while at + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[at + 8:at + 12])[0]
        records.append(data[at:at + 16 + caplen])
        at += 16 + caplen
    return data[:24], records


def reorder_stderr(pcap, workdir):
    """A copy of pcap whose first stderr session's first two data frames
    from the daemon are swapped, the first sent again after them."""
    sessions = read_sessions(pcap)
    frames = []
    for sess in sessions:
        frames = sorted(set(sess.stderr_out.frame_at.values()))
        if len(frames) >= 2:
            break
    if len(frames) < 2:
        raise SystemExit(f"{pcap}: no stderr channel with two data segments to reorder")
    header, records = read_pcap(pcap)
    a, b = frames[0] - 1, frames[1] - 1
    order = list(range(len(records)))
    order[a], order[b] = b, a
    order.insert(order.index(a) + 1, a)
    out = os.path.join(workdir, "reordered-stderr-" + os.path.basename(pcap))
    with open(out, "wb") as f:
        f.write(header + b"".join(records[i] for i in order))
    os.chmod(out, 0o644)
    return out


def check_without_stderr_opening(pcap, workdir, problems):
    """pcap's first stderr channel with data, its opening cut away (see the top)."""
    sess = next((s for s in wire_sessions(pcap) if s.stderr_out.bytes_at), None)
    if sess is None:
        raise SystemExit(f"{pcap}: no stderr channel with data")
    first_data = min(sess.stderr_out.frame_at.values())
    opening = {frame for frame, *_ in sess.stderr_segments if frame < first_data}
    header, records = read_pcap(pcap)
    out = os.path.join(workdir, "without-stderr-opening-" + os.path.basename(pcap))
    with open(out, "wb") as f:
        f.write(header + b"".join(r for i, r in enumerate(records) if i + 1 not in opening))
    os.chmod(out, 0o644)
    want = as_bytes(sess.stderr_out.bytes_at)
    for mode, args in MODES.items():
        if mode == TWO_LISTENERS:
            continue
        where = f"{os.path.basename(out)} [{mode}]"
        outdir = tempfile.mkdtemp(prefix="exec-export-")
        os.chmod(outdir, 0o777)
        export(out, args, os.path.join(outdir, "objects"))
        got = [(NAME.match(name), data) for name, data in read_folder(os.path.join(outdir, "objects")).items()]
        stderr = [(m[5], data) for m, data in got if m and m[4] == "stderr"]
        if stderr != [(None, want)]:
            problems.append(f"{where}: stderr objects {[(bool(i), len(d)) for i, d in stderr]} "
                            f"(incomplete, bytes), not one whole of the {len(want)} bytes the channel carried")
        subprocess.run(["rm", "-rf", "--one-file-system", outdir], check=False)
        said = fields(out, ["frame.number"], extra=args + ["-Y", "exec.stderr_unanswered || "
                                                                 "exec.stderr_never_connected"])
        if said:
            problems.append(f"{where}: frames {[int(r['frame.number'][0]) for r in said]} say the channel "
                            "did not open, though the copy only lacks its opening")
        print(f"  {where}: {len(opening)} frames of the opening cut, {len(stderr)} stderr object(s)")


# The suite's set: stdout, stderr, stdin and error streams, clean and impaired.
SUITE_WITHOUT_OPENING = ["captures/glibc-success-stderr.pcap"]
SUITE_REORDERED = ["captures/interleaved.pcap", "captures/stderr-signal.pcap"]
SUITE_CAPTURES = [f"captures/{name}.pcap" for name in (
    "glibc-success-nostderr", "glibc-success-stderr", "stdin-data", "stdin-wc", "too-long-username",
    "big-stdout", "interleaved", "ipv6-stderr", "stderr-signal")] + [f"impaired/{name}.pcap" for name in (
    "lossy-random", "lossy-random-client", "loss-status-byte", "dup-credentials-segment", "reorder-handshake",
    "edit-del-syn-synack", "edit-start-after-command")]


def main():
    problems = []
    args = sys.argv[1:]
    if len(args) == 2 and args[0] == "--suite":
        folder = args[1]
        args = [a for c in SUITE_WITHOUT_OPENING for a in ("--without-stderr-opening", os.path.join(folder, c))]
        args += [a for c in SUITE_REORDERED for a in ("--reorder-stderr", os.path.join(folder, c))]
        args += [os.path.join(folder, c) for c in SUITE_CAPTURES]
    workdir = tempfile.mkdtemp(prefix="exec-export-work-")
    os.chmod(workdir, 0o755)
    second_listener = build_second_listener(workdir)
    while len(args) >= 2 and args[0] == "--without-stderr-opening":
        check_without_stderr_opening(args[1], workdir, problems)
        args = args[2:]
    while len(args) >= 2 and args[0] == "--reorder-stderr":
        derived = reorder_stderr(args[1], workdir)
        check_capture(derived, False, problems, second_listener, forced_whole=True)
        args = args[2:]
    for pcap in args:
        clean = "impaired" not in pcap and "loss" not in pcap
        check_capture(pcap, clean, problems, second_listener)
    subprocess.run(["rm", "-rf", "--one-file-system", workdir], check=False)
    for p in problems:
        print("FAIL", p)
    print(f"export: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
