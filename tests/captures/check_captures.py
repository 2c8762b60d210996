#!/usr/bin/python3
"""Checks tshark with the plugin against real captures, frame by frame.

For every rexec session the independent oracle (rexec_oracle.py) says which
frame must show which field with which value; the plugin must show exactly
that, and nothing of the kind anywhere else in the session.  Each capture is
also dissected in two passes and must show the same thing, and tshark must
print nothing on stderr, with dissector bugs made fatal.  The built-in
dissector is scored on the same checks for comparison (never required).

  check_captures.py [--fields-out DIR] [--compare-builtin] CAPTURE...
Prints one line per capture and closes with 'N passed, N failed'.
"""
import argparse
import csv
import hashlib
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from decimal import Decimal  # noqa: E402
import re  # noqa: E402

from rexec_oracle import HANDSHAKE, expected_experts, expected_info, read_sessions, tshark_text  # noqa: E402
from tshark_run import fields, tshark  # noqa: E402

EXEC_FIELDS = ["exec.stderr_port", "exec.stderr_port_number", "exec.username",
               "exec.password", "exec.command", "exec.status", "exec.error_message",
               "exec.client_server_data", "exec.server_client_data",
               "exec.closed_without_reply", "exec.unidentified_string", "exec.request_in",
               "exec.response_time", "exec.stderr_channel", "exec.stderr_data", "exec.signal",
               "exec.stdin_bytes", "exec.stdout_bytes", "exec.stderr_bytes",
               "exec.retransmission_conflict"]
# Links to later frames: known only once the first pass has seen them, so a
# single pass cannot show them (as in all of Wireshark's request/response links).
FORWARD_LINKS = ["exec.response_in", "exec.stderr_channel_in"]
# exec's own expert infos, by name: _ws.expert.message would mix in TCP's,
# whose texts differ between Wireshark versions.
EXEC_EXPERTS = ["exec." + e for e in (
    "cleartext_password", "login_failed", "closed_without_reply.expert", "username_too_long",
    "password_too_long", "stderr_port_not_numeric", "stderr_port_out_of_range", "status_unknown",
    "unexpected_data", "string_oversized", "string_partial", "lost", "unidentified", "unknown_phase",
    "retransmitted", "overlap_conflict", "stderr_never_connected", "identified_by_status", "identified_later",
    "truncated", "early_success", "stderr_refused", "stderr_unanswered", "export_incomplete")]
DUMP_FIELDS = (["frame.number", "tcp.stream"] + EXEC_FIELDS + EXEC_EXPERTS +
               ["_ws.col.Protocol", "_ws.col.Info"])
# The built-in dissector has only these.
BUILTIN_FIELDS = ["frame.number", "tcp.stream", "exec.stderr_port", "exec.username", "exec.password",
                  "exec.command", "exec.client_server_data", "exec.server_client_data"]


def hexbytes(values):
    return bytes.fromhex("".join(v.replace(":", "") for v in values))


class Checker:
    def __init__(self, name):
        self.name = name
        self.right = 0
        self.expected = 0
        self.shared_right = 0       # on the fields the built-in has too
        self.shared_expected = 0
        self.problems = []

    def expect(self, ok, what, shared=False):
        self.expected += 1
        self.right += bool(ok)
        if shared:
            self.shared_expected += 1
            self.shared_right += bool(ok)
        if not ok:
            self.problems.append(what)


def frame_lengths(shown_values):
    """frame -> how many bytes the dissector showed there (hex values)."""
    out = {}
    for frame, value in shown_values:
        out[frame] = out.get(frame, 0) + len(hexbytes([value]))
    return out


def check_sessions(pcap, rows, sessions, checker):
    """Every field of every session against the oracle, on its frame and
    nowhere else.  Where the wire impaired a direction of a session (a hole,
    a retransmission, a cut frame: rexec_oracle's clean), only what the
    other, clean direction says is checked: the impaired one is
    check_impaired.py's (expected.tsv)."""
    by_stream = {}
    for r in rows:
        if r["tcp.stream"]:
            by_stream.setdefault(int(r["tcp.stream"][0]), []).append(r)
    for sess in sessions:
        frames = {int(r["frame.number"][0]): r for r in by_stream.get(sess.stream, [])}
        where = f"stream {sess.stream}"
        uncut = not sess.truncated_frames
        client_ok = uncut and sess.client.clean
        server_ok = uncut and sess.server.clean

        def shown(name):
            return [(n, v) for n, r in frames.items() for v in r.get(name, [])]

        if client_ok:
            for name in HANDSHAKE:
                want = sess.get(name)
                got = shown("exec." + name)
                if want is None:
                    checker.expect(not got, f"{where}: exec.{name} shown although not captured: {got}", True)
                    continue
                value, frame = want
                checker.expect(got == [(frame, tshark_text(value))],
                               f"{where}: exec.{name}: want {tshark_text(value)!r} in frame {frame}, got {got}",
                               True)
            # The number the daemon makes of the string, whatever it holds.
            want_number = [(sess.get("stderr_port")[1], str(sess.daemon_port()))] if sess.get("stderr_port") else []
            checker.expect(shown("exec.stderr_port_number") == want_number,
                           f"{where}: exec.stderr_port_number: want {want_number}, "
                           f"got {shown('exec.stderr_port_number')}")
            got_unidentified = shown("exec.unidentified_string")
            checker.expect(not got_unidentified,
                           f"{where}: the handshake was captured from the SYN, yet unidentified strings "
                           f"{got_unidentified}")
            stdin = hexbytes(v for _, v in shown("exec.client_server_data"))
            checker.expect(stdin == sess.stdin, f"{where}: stdin: want {sess.stdin[:40]!r}.. ({len(sess.stdin)}), "
                                                f"got {stdin[:40]!r}.. ({len(stdin)})", True)
            want_frames = (sess.client.per_frame(sess.stdin_from, sess.stdin_from + len(sess.stdin))
                           if sess.stdin_from is not None else {})
            got_frames = frame_lengths(shown("exec.client_server_data"))
            checker.expect(got_frames == want_frames,
                           f"{where}: stdin bytes per frame: want {want_frames}, got {got_frames}")
        if client_ok and server_ok:
            check_response_time(sess, shown, checker, where)
        if server_ok:
            got_status = shown("exec.status")
            want_status = [(sess.status[1], str(sess.status[0]))] if sess.status else []
            checker.expect(got_status == want_status, f"{where}: exec.status: want {want_status}, got {got_status}")
            got_msg = shown("exec.error_message")
            want_msg = [(sess.error_message[1], tshark_text(sess.error_message[0]))] if sess.error_message else []
            checker.expect(got_msg == want_msg, f"{where}: exec.error_message: want {want_msg}, got {got_msg}")
            stdout = hexbytes(v for _, v in shown("exec.server_client_data"))
            checker.expect(stdout == sess.stdout,
                           f"{where}: stdout: want {len(sess.stdout)} bytes, got {len(stdout)}", True)
            # The bytes after an error line are data too (unexpected), in their frames.
            server = sess.server.contiguous()
            data_from = sess.reply_from if sess.reply_from is not None else sess.unexpected_from
            want_frames = sess.server.per_frame(data_from, len(server)) if data_from is not None else {}
            got_frames = frame_lengths(shown("exec.server_client_data"))
            if sess.status is None or sess.status[0] <= 1:
                checker.expect(got_frames == want_frames,
                               f"{where}: server data bytes per frame: want {want_frames}, got {got_frames}")
            check_outcome_info(sess, frames, checker, where)
            # A field without value: "" on 4.0, "1" from 4.4 on; presence counts.
            closed = [n for n, r in frames.items() if r.get("exec.closed_without_reply")]
            want_closed = [sess.closed_without_reply] if sess.closed_without_reply else []
            checker.expect(closed == want_closed, f"{where}: closed without reply: want {want_closed}, got {closed}")
        if sess.clean:
            check_links_and_channel(sess, frames, by_stream, shown, checker, where)


def check_outcome_info(sess, frames, checker, where):
    """The Info column's outcome is the status byte's (issue 17): 0 is
    "Success" in the status frame; 1 is "Error" in the status or error line
    frame and never "Success" anywhere in the session; another byte is
    "Unknown status N"."""
    if not sess.status:
        return
    byte, frame = sess.status
    info = {n: " ".join(r.get("_ws.col.Info", [])) for n, r in frames.items()}
    success = sorted(n for n, text in info.items() if "Success" in text)
    if byte == 0:
        checker.expect("Success" in info.get(frame, ""),
                       f"{where}: status 0 in frame {frame}, Info {info.get(frame)!r} lacks 'Success'")
    elif byte == 1:
        error_frames = [frame] + ([sess.error_message[1]] if sess.error_message else [])
        checker.expect(not success, f"{where}: status 1, yet 'Success' in the Info of frames {success}")
        checker.expect(any("Error" in info.get(n, "") for n in error_frames),
                       f"{where}: status 1, no 'Error' in the Info of frames {error_frames}")
    else:
        checker.expect(f"Unknown status {byte}" in info.get(frame, "") and not success,
                       f"{where}: status {byte} in frame {frame}, Info {info.get(frame)!r}")


def check_links_and_channel(sess, frames, by_stream, shown, checker, where):
    command = sess.get("command")
    # A reply answers the command only when it comes after it: a daemon that
    # refuses the connection at once ("Where are you?") replies before the
    # client's request, and the two are not linked.
    if command and sess.status and sess.status[1] > command[1]:
        checker.expect(shown("exec.response_in") == [(command[1], str(sess.status[1]))],
                       f"{where}: exec.response_in: got {shown('exec.response_in')}")
        checker.expect(shown("exec.request_in") == [(sess.status[1], str(command[1]))],
                       f"{where}: exec.request_in: got {shown('exec.request_in')}")
    else:
        checker.expect(not shown("exec.response_in") and not shown("exec.request_in"),
                       f"{where}: no reply after the command, yet links: "
                       f"{shown('exec.response_in')} {shown('exec.request_in')}")
    end = sess.end_frame
    # The session's byte counts on the frame that ends it, and nowhere else.
    stderr_count = str(len(sess.stderr_out.contiguous()))
    for name, count in (("exec.stdin_bytes", str(len(sess.stdin))), ("exec.stdout_bytes", str(len(sess.stdout))),
                        ("exec.stderr_bytes", stderr_count)):
        want = [(end, count)] if end and frames.get(end) else []
        checker.expect(shown(name) == want, f"{where}: {name}: want {want}, got {shown(name)}")
    if sess.stderr_stream is None:
        return
    port_frame = sess.get("stderr_port")[1]
    channel = {int(r["frame.number"][0]): r for r in by_stream.get(sess.stderr_stream, [])}
    # Every frame of the connection, with payload or not, from the daemon's
    # SYN to the last ACK or reset, is the channel's.
    every = sorted(channel)
    linked = sorted(n for n, r in channel.items() if r.get("exec.stderr_channel"))
    checker.expect(linked == every and all(channel[n]["exec.stderr_channel"] == [str(port_frame)]
                                           for n in linked),
                   f"{where}: stderr channel frames {every} should link to {port_frame}, got {linked}")
    checker.expect(shown("exec.stderr_channel_in") == [(port_frame, str(every[0]))],
                   f"{where}: exec.stderr_channel_in: got {shown('exec.stderr_channel_in')}")
    stderr = hexbytes(v for r in channel.values() for v in r.get("exec.stderr_data", []))
    checker.expect(stderr == sess.stderr_out.contiguous(),
                   f"{where}: stderr: want {sess.stderr_out.contiguous()!r}, got {stderr!r}")
    # Frame by frame: each frame's stderr bytes and signals where they came.
    got = frame_lengths((n, v) for n, r in channel.items() for v in r.get("exec.stderr_data", []))
    want = sess.stderr_out.per_frame(0, len(sess.stderr_out.contiguous()))
    checker.expect(got == want, f"{where}: stderr bytes per frame: want {want}, got {got}")
    signals = [(n, int(v)) for n, r in sorted(channel.items()) for v in r.get("exec.signal", [])]
    signals_in = sess.stderr_in.contiguous()
    want_signals = [(sess.stderr_in.frame_at[i], b) for i, b in enumerate(signals_in)]
    checker.expect(signals == want_signals, f"{where}: signals (frame, number): want {want_signals}, got {signals}")


def check_response_time(sess, shown, checker, where):
    """exec.response_time: the status frame's time less the command's, on
    the status frame, when the reply answers the command."""
    command = sess.get("command")
    want = []
    if command and sess.status and sess.status[1] > command[1]:
        delta = Decimal(sess.frame_times[sess.status[1]]) - Decimal(sess.frame_times[command[1]])
        want = [(sess.status[1], delta)]
    got = [(n, Decimal(v)) for n, v in shown("exec.response_time")]
    checker.expect(got == want, f"{where}: exec.response_time: want {want}, got {got}")


def check_experts(rows, sessions, checker):
    """exec's expert infos against the oracle (issue 17): in a clean
    session (rexec_oracle.Session.clean) each on exactly the frames the
    bytes call for; outside any session none.  A session the wire impaired
    is left to check_impaired.py."""
    shown = {}
    for r in rows:
        for name in EXEC_EXPERTS:
            if r.get(name):
                shown.setdefault(name[len("exec."):], set()).add(int(r["frame.number"][0]))
    unchecked = set()           # the frames of impaired sessions
    want = {name[len("exec."):]: set() for name in EXEC_EXPERTS}
    for sess in sessions:
        if not sess.clean:
            unchecked |= set(sess.frame_times)
            continue
        for name, frames in expected_experts(sess).items():
            if frames is None:
                continue
            want[name] |= frames
        for name in [n for n in want if n not in expected_experts(sess)]:
            unchecked_name = shown.get(name, set()) & set(sess.frame_times)
            shown[name] = shown.get(name, set()) - unchecked_name
    for name in want:
        got = shown.get(name, set()) - unchecked
        checker.expect(got == want[name] - unchecked,
                       f"expert exec.{name}: want frames {sorted(want[name] - unchecked)}, got {sorted(got)}")


# The Info column's fixed parts (issue 17); what is left of a frame's Info
# once the expected parts are taken out must hold none of them.
FIXED_PARTS = re.compile(r"Login |Command: |Success|Error|Unknown status|\b(?:stdin|stdout|stderr) \d+ bytes?\b|"
                         r"Signal|Closed without reply|Session end|Stderr port|No stderr channel|Retransmitted|"
                         r"bytes lost\]|Unidentified|Unexpected data|session start not captured")


COMMAND_SHOWN = 64     # a long command is matched on its first characters


def summary_info(pcap):
    """Frame number -> its Info column in summary output (where 4.4 and
    later show the postdissector's parts too)."""
    out, _ = tshark(["-r", pcap, "-o", 'gui.column.format:"No.","%m","Info","%i"'])
    summary = {}
    for line in out.splitlines():
        number, _, rest = line.strip().partition(" ")
        summary[int(number)] = rest.strip()
    return summary


def check_info_parts(pcap, sessions, checker):
    """Each frame of a clean session holds the fixed parts the oracle
    derives from the bytes (Stderr port N, Login U, Command: C, Success,
    Error, stdin/stdout/stderr N bytes, Signal, Closed without reply,
    Session end: stdin N, stdout N, stderr N bytes), and no other.  In
    summary output: the postdissector's parts are missing from
    _ws.col.Info on 4.4 and later."""
    summary = summary_info(pcap)
    for sess in sessions:
        if not sess.clean:
            continue
        want = expected_info(sess)
        username = sess.get("username")
        prefix = "Username:%s " % username[0].decode("utf-8", "replace") if username else None
        for frame in sorted(sess.frame_times):
            line = summary.get(frame, "")
            rest = line[len(prefix):] if prefix and line.startswith(prefix) else line
            missing = []
            for text in want.get(frame, []):
                if text in rest:
                    rest = rest.replace(text, "", 1)
                elif text.startswith("Command: ") and text[:COMMAND_SHOWN] in rest:
                    # A long command, cut where the column ends.
                    rest = rest[:rest.index(text[:COMMAND_SHOWN])]
                else:
                    missing.append(text)
            extra = FIXED_PARTS.findall(rest)
            checker.expect(not missing and not extra,
                           f"stream {sess.stream}: frame {frame}: Info {line!r}: want {want.get(frame, [])}"
                           + (f", missing {missing}" if missing else "") + (f", not expected {extra}" if extra else ""))


def tsv_escape(value: bytes) -> str:
    text = value.decode("utf-8", "replace")
    return text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")


def oracle_facts(sess):
    """The oracle's reading of a session in the terms of expected.tsv."""
    def text(name):
        got = sess.get(name)
        return tsv_escape(got[0]) if got else ""
    command = sess.get("command")[0] if sess.get("command") else b""
    if len(command) > 256:
        command_text = "sha256:%s/len:%d" % (hashlib.sha256(command).hexdigest(), len(command))
    else:
        command_text = tsv_escape(command)
    stdout = sess.stdout
    if sess.status is None:
        outcome = "closed-without-reply" if sess.closed_without_reply else "none"
    elif sess.status[0] == 1:
        outcome = "error:" + (sess.error_message[0].decode() if sess.error_message else "")
    elif stdout[:1] == b"\x01" and stdout.endswith(b"\n"):
        # netkit replies 0 before changing directory; a failure there follows.
        outcome, stdout = "error-after-success:" + stdout[1:-1].decode(), b""
    else:
        outcome = "success"
    return {"stderr_port": text("stderr_port"), "username": text("username"),
            "password": text("password"), "command": command_text, "outcome": outcome,
            "stdin_bytes": str(len(sess.stdin)), "stdout_bytes": str(len(stdout)),
            "stderr_bytes": str(len(sess.stderr_out.contiguous())),
            "signals": ",".join(str(b) for b in sess.stderr_in.contiguous())}


def check_daemon_facts(pcap, sessions, checker):
    """The oracle against expected.tsv, which the capture generator parsed
    without Wireshark: two independent readings must agree."""
    tsv = os.path.join(os.path.dirname(pcap), "expected.tsv")
    name = os.path.basename(pcap)[:-len(".pcap")]
    if not os.path.exists(tsv):
        return
    with open(tsv, newline="") as f:
        rows = [r for r in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE) if r["name"] == name]
    if not rows:
        return
    command_key = next(k for k in rows[0] if k.startswith("command"))
    checker.expect(len(rows) == len(sessions),
                   f"expected.tsv has {len(rows)} sessions, the oracle found {len(sessions)}")
    for row, sess in zip(sorted(rows, key=lambda r: int(r["session"])), sessions):
        got = oracle_facts(sess)
        want = {k: row[k] for k in got if k in row}
        want["command"] = row[command_key]
        got = {k: got[k] for k in want}
        checker.expect(got == want, f"stream {sess.stream}: oracle {got} != expected.tsv {want}")


def present(name, values):
    """Fields without a value print "" on 4.0 and "1" from 4.4 on."""
    if name in EXEC_EXPERTS or name == "exec.closed_without_reply":
        return ["+"] * len(values)
    return values


def is_close_frame(row):
    """A frame a postdissector marks: a close, or the stderr channel's frames
    without payload."""
    payload_less_channel = (row["exec.stderr_channel"] and not row["exec.stderr_data"]
                            and not row["exec.signal"])
    return bool(row["exec.stdin_bytes"] or row["exec.closed_without_reply"] or payload_less_channel)


def dump(rows):
    """What exec shows, frame by frame: its fields everywhere, the columns on
    its own frames only (TCP's text on other frames is TCP's business and
    differs between passes and versions).  The close marks are written by a
    postdissector, after Wireshark 4.4 has copied the columns into the
    _ws.col fields: their columns are checked by check_close_columns, in
    summary output, on every version."""
    out = []
    for r in rows:
        ours = r["_ws.col.Protocol"] == ["EXEC"]
        close = is_close_frame(r)
        out.append("\t".join("(close)" if close and n.startswith("_ws.col") else
                             "|".join(present(n, r[n])) if ours or not n.startswith("_ws.col") else ""
                             for n in DUMP_FIELDS) + "\n")
    return "".join(out)


def check_close_columns(pcap, rows, checker):
    """The Protocol and Info columns of the close frames say what their fields say."""
    out, _ = tshark(["-r", pcap, "-o", 'gui.column.format:"No.","%m","Protocol","%p","Info","%i"'])
    summary = {}
    for line in out.splitlines():
        number, _, rest = line.strip().partition(" ")
        summary[number] = rest.strip()
    for r in rows:
        if not is_close_frame(r):
            continue
        number = r["frame.number"][0]
        wants = []
        if r["exec.closed_without_reply"]:
            wants.append("Closed without reply")
        if r["exec.stderr_channel"] and not r["exec.stdin_bytes"] and not r["exec.closed_without_reply"]:
            wants.append("stderr channel")
        if r["exec.stdin_bytes"]:
            wants.append("Session end: stdin %s, stdout %s, stderr %s bytes" % (
                r["exec.stdin_bytes"][0], r["exec.stdout_bytes"][0], r["exec.stderr_bytes"][0]))
        line = summary.get(number, "")
        checker.expect(line.startswith("EXEC ") and all(w in line for w in wants),
                       f"frame {number}: want EXEC and {wants} in the summary line, got {line!r}")


def check_channel_events(pcap, sessions, checker):
    """The stderr channel's connection events in the summary line, from the
    wire (issue 17): the daemon's first SYN is "connecting to port N", the
    client's SYN-ACK "opened", a reset "refused" before any SYN-ACK and
    "reset" after one."""
    channels = [s for s in sessions if s.stderr_stream is not None]
    if not channels:
        return
    summary = summary_info(pcap)
    for sess in channels:
        opened = False
        for i, (frame, from_client, syn, ack, rst) in enumerate(sess.stderr_segments):
            want = None
            if i == 0 and syn and not ack and not from_client:
                want = "stderr channel: connecting to port %d" % sess.stderr_port()
            elif syn and ack and from_client:
                want, opened = "stderr channel opened", True
            elif rst:
                want = "stderr channel reset" if opened else "stderr channel refused"
            if want:
                line = summary.get(frame, "")
                checker.expect(want in line, f"stderr stream {sess.stderr_stream}: frame {frame}: "
                                             f"want {want!r}, got {line!r}")


def check_against_oracle(pcap, sessions, two_pass, checker):
    """Everything the oracle says a frame must show (issue 17): the
    fields, the expert infos, the Info column's fixed parts and the stderr
    channel's events; two_pass: tshark -2 rows of DUMP_FIELDS + FORWARD_LINKS."""
    check_sessions(pcap, two_pass, sessions, checker)
    check_experts(two_pass, sessions, checker)
    check_info_parts(pcap, sessions, checker)
    check_channel_events(pcap, [s for s in sessions if s.clean], checker)


def check_capture(pcap, fields_out, compare_builtin):
    sessions = read_sessions(pcap)
    plugin = Checker("plugin")
    check_daemon_facts(pcap, sessions, plugin)
    one_pass = fields(pcap, DUMP_FIELDS)
    two_pass = fields(pcap, DUMP_FIELDS + FORWARD_LINKS, extra=["-2"])
    check_against_oracle(pcap, sessions, two_pass, plugin)
    check_close_columns(pcap, one_pass, plugin)
    plugin.expect(bool(sessions), "no exec session found in the capture")
    first = dump(one_pass)
    second = dump(two_pass)
    plugin.expect(first == second, "one-pass and two-pass output differ: " +
                  next((f"{a!r} / {b!r}" for a, b in zip(first.split("\n"), second.split("\n")) if a != b), ""))

    _, err = tshark(["-r", pcap, "-V"], check=True)
    plugin.expect(err.strip() == "", f"tshark stderr not empty: {err.strip()[:300]}")
    malformed = [r["frame.number"][0] for r in one_pass if "Malformed" in "".join(r["_ws.col.Info"])]
    plugin.expect(not malformed, f"malformed frames: {malformed}")

    if fields_out:
        os.makedirs(fields_out, exist_ok=True)
        with open(os.path.join(fields_out, os.path.basename(pcap) + ".fields"), "w") as f:
            f.write(dump(one_pass))

    builtin = None
    if compare_builtin:
        builtin = Checker("built-in")
        check_sessions(pcap, fields(pcap, BUILTIN_FIELDS, plugin=False), sessions, builtin)
    return plugin, builtin


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--fields-out")
    ap.add_argument("--compare-builtin", action="store_true")
    ap.add_argument("captures", nargs="+")
    args = ap.parse_args()
    if not os.environ.get("EXEC_TSHARK_ENV"):
        os.environ["EXEC_TSHARK_ENV"] = "WIRESHARK_ABORT_ON_DISSECTOR_BUG=1"
    passed = failed = 0
    totals = {"plugin": [0, 0], "built-in": [0, 0]}     # shared fields: right, expected
    for pcap in args.captures:
        plugin, builtin = check_capture(pcap, args.fields_out, args.compare_builtin)
        name = os.path.basename(pcap)
        line = f"{name}: plugin {plugin.right}/{plugin.expected}"
        totals["plugin"][0] += plugin.shared_right
        totals["plugin"][1] += plugin.shared_expected
        if builtin:
            line += (f"; fields both decode: plugin {plugin.shared_right}/{plugin.shared_expected}, "
                     f"built-in {builtin.shared_right}/{builtin.shared_expected}")
            totals["built-in"][0] += builtin.shared_right
            totals["built-in"][1] += builtin.shared_expected
        ok = not plugin.problems
        print(("ok   " if ok else "FAIL ") + line)
        for p in plugin.problems:
            print("     " + p)
        passed += ok
        failed += not ok
    if args.compare_builtin:
        print("fields both decode (port, username, password, command, stdin, stdout), right/expected: "
              "plugin %d/%d, built-in %d/%d" % (*totals["plugin"], *totals["built-in"]))
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
