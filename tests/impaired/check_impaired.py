#!/usr/bin/python3
"""The plugin on impaired captures (loss, duplicates, reordering, deleted
and truncated frames) against expected.tsv, which make-impaired.sh derived
from the bytes with strict analyst rules.

For every capture, TCP stream and field (stderr_port, username, password,
command, status):
  - never mislabel: every value the plugin shows for the field equals the
    expected one; an unrecoverable field ('-') is not shown at all;
  - recover: every recoverable field is shown with its value, with TCP's
    default settings or with its out-of-order reassembly on.  Each mode
    covers a case the other cannot: by default TCP never hands a
    subdissector a retransmission that fills a hole after later data; with
    out-of-order reassembly it withholds everything after a hole that is
    never filled (frames that were never captured).
  - two passes show all that one pass shows, and add exactly this: a
    string whose last byte is in frame N, shown there unnamed by one pass,
    and that only a later frame identifies (a success status one pass names
    it on, counting back from the position it acknowledges; or the stderr
    channel's connection back to the port it holds, expected.tsv's
    identified_frame) is named in two passes in frame N
    too, at its bytes, with the expected value, with the note
    exec.identified_later (and for a password the clear-text warning).
    Nothing else may differ.
  - lost bytes: the frame after each hole in the wire, and no other, shows the
    hole's size in exec.lost_bytes and in its Info column ('[N bytes lost]').
  - a retransmission with other bytes (expected.tsv's retransmission_conflict
    rows: field at offset, in a frame) gets exactly that expert warning in
    every TCP mode, and no capture gets one anywhere else.
It also scores TCP's default settings and the built-in dissector, for the
record (recovered / recoverable, mislabels).  Closes with 'N passed, N failed'.

  check_impaired.py [--compare-builtin] [--dir DIR]
"""
import argparse
import copy
import csv
import os
import re
import sys
from collections import defaultdict

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "captures"))
from check_captures import (DUMP_FIELDS, FORWARD_LINKS, Checker, check_against_oracle, dump,  # noqa: E402
                            tshark_text)
from rexec_oracle import read_sessions  # noqa: E402
from tshark_run import fields  # noqa: E402

FIELDS = ["stderr_port", "username", "password", "command", "status"]
OOO = ["-o", "tcp.reassemble_out_of_order:TRUE"]
# Every TCP mode: where TCP hands the dissector a retransmission (no
# sequence analysis; no desegmentation with error packets dissected) the
# dissector compares it; where TCP keeps it back (its defaults, out-of-order
# reassembly, no desegmentation) the session-end postdissector finds it in the frame.
CONFLICT_MODES = {
    "default": [],
    "out-of-order": OOO,
    "no sequence analysis": ["-o", "tcp.analyze_sequence_numbers:FALSE"],
    "no desegmentation": ["-o", "tcp.desegment_tcp_streams:FALSE"],
    "no desegmentation, error packets dissected": ["-o", "tcp.desegment_tcp_streams:FALSE",
                                                   "-o", "tcp.no_subdissector_on_error:FALSE"],
}
CONFLICT_FIELDS = ["frame.number", "exec.retransmission_conflict", "_ws.expert.message"]


def unescape(text):
    return text.encode().decode("unicode_escape").encode("latin-1")


def shown_values(rows, names):
    """(stream, field) -> list of values the dissector showed."""
    shown = defaultdict(list)
    for r in rows:
        if not r["tcp.stream"]:
            continue
        stream = int(r["tcp.stream"][0])
        for f in FIELDS:
            for v in r.get("exec." + f, []):
                shown[(stream, f)].append(v)
    return shown


def score(expected, shown):
    """recovered, recoverable, mislabels (with what), and the fields recovered."""
    recovered = recoverable = 0
    found = set()
    mislabels = []
    for (stream, field_name), want in expected.items():
        got = shown.get((stream, field_name), [])
        if want is None:
            if got:
                mislabels.append(f"stream {stream} {field_name}: unrecoverable but shown as {got}")
            continue
        recoverable += 1
        wrong = [g for g in got if g != want]
        if wrong:
            mislabels.append(f"stream {stream} {field_name}: want {want!r}, shown {got}")
        elif got:
            recovered += 1
            found.add((stream, field_name))
    return recovered, recoverable, mislabels, found


def wrong_frames(rows, frames, completed=None):
    """Each field where it belongs: at the frame of its last byte
    (expected.tsv's last_byte_frame), or, named by counting back, on the
    status frame that proves it (exec.identified_by_status); with TCP's
    out-of-order reassembly (completed: (stream, field) -> frame, from the
    oracle) also where the bytes up to its end are all there."""
    wrong = []
    for r in rows:
        if not r["tcp.stream"]:
            continue
        stream, frame = int(r["tcp.stream"][0]), int(r["frame.number"][0])
        for f in FIELDS:
            own = frames.get((stream, f))
            allowed = {own, (completed or {}).get((stream, f))}
            if r["exec." + f] and own is not None and frame not in allowed and not r["exec.identified_by_status"]:
                wrong.append(f"stream {stream} {f} shown in frame {frame}, its bytes end in frame {own}")
    return wrong


def conflicts_shown(rows):
    """(frame, 'field at offset') for every conflict warning, from its message."""
    shown = set()
    for r in rows:
        for offset, message in zip(r["exec.retransmission_conflict"],
                                   [m for m in r["_ws.expert.message"] if m.startswith("Retransmitted ")]):
            field = message[len("Retransmitted "):].split(" differs ")[0].replace(" ", "_")
            shown.add((int(r["frame.number"][0]), f"{field} at {offset}"))
    return shown


def named_in_two_passes(one_pass, want, frames, identified):
    """The one-pass rows with what two passes must add: each string that
    only a later frame identifies (a success status that one pass names it
    on, counting back; or, expected.tsv's identified_frame being after its
    last_byte_frame in another stream, the stderr channel's connection back
    to the port it holds) named at its own frame, where one pass shows its
    bytes unnamed.  Returns (rows, how many names were added)."""
    rows = copy.deepcopy(one_pass)
    added = 0
    for (stream, field_name), value in want.items():
        key = (stream, field_name)
        if value is None or key not in frames or field_name == "status":
            continue
        at_own = [r for r in rows if r["tcp.stream"] == [str(stream)] and int(r["frame.number"][0]) == frames[key]]
        if len(at_own) != 1 or at_own[0]["exec." + field_name]:
            continue
        row = at_own[0]
        # Only where one pass shows the string's bytes (TCP may withhold
        # them from this frame), unnamed: as a string after lost bytes, or
        # as client data before any proven start.
        as_data = (value.encode() + b"\0").hex()
        if value not in row["exec.unidentified_string"] and \
                not any(as_data in data for data in row["exec.client_server_data"]):
            continue
        # What proved it: a status one pass names it on, or the stderr
        # channel's connection (another stream), which one pass names
        # nothing on.
        in_stream = [r for r in rows if r["tcp.stream"] == [str(stream)]]
        by_status = any(int(r["frame.number"][0]) > frames[key] and value in r["exec." + field_name]
                        and r["exec.identified_by_status"] for r in in_stream)
        by_channel = identified[key] > frames[key] and \
            not any(int(r["frame.number"][0]) == identified[key] for r in in_stream)
        if not by_status and not by_channel:
            continue
        row["exec." + field_name].append(value)
        row["exec.identified_later"].append("")
        if field_name == "password":
            row["exec.cleartext_password"].append("")
        added += 1
    return rows, added


def first_difference(a, b):
    return next((f"{x!r} / {y!r}" for x, y in zip(a.split("\n"), b.split("\n")) if x != y), "")


# Lost bytes against the wire (issue 17): in each direction, in capture
# order, a payload segment that starts past everything seen so far follows a
# hole of exactly (its sequence number - the end of what was seen); that
# frame, and no other, must carry exec.lost_bytes with that count and say
# "[N bytes lost]" in its Info column.  The wire facts are TCP's fields, never
# the plugin's.
LOST_FIELDS = ["frame.number", "tcp.stream", "tcp.srcport", "tcp.seq", "tcp.len", "tcp.flags.syn",
               "exec.lost_bytes", "_ws.col.Info"]
LOST_INFO = re.compile(r"\[(\d+) bytes? lost\]")
# Where the plugin disagrees with the wire today, and why (printed, not failed;
# a capture that starts to agree is printed too, so the entry can go).
KNOWN_LOST = {}


def lost_problems(pcap):
    rows = fields(pcap, LOST_FIELDS)
    seen_to, want, in_field, in_info = {}, set(), set(), set()
    for r in rows:
        if not r["tcp.stream"]:
            continue
        frame = int(r["frame.number"][0])
        flow = (r["tcp.stream"][0], r["tcp.srcport"][0])
        seq, length = int(r["tcp.seq"][0]), int(r["tcp.len"][0])
        if r["tcp.flags.syn"][0] in ("1", "True"):
            seen_to[flow] = seq + 1
        elif length:
            seen_to.setdefault(flow, seq)       # the SYN was not captured
            if seq > seen_to[flow]:
                want.add((frame, seq - seen_to[flow]))
            seen_to[flow] = max(seen_to[flow], seq + length)
        in_field |= {(frame, int(v)) for v in r["exec.lost_bytes"]}
        in_info |= {(frame, int(n)) for text in r["_ws.col.Info"] for n in LOST_INFO.findall(text)}
    problems = []
    if in_field != want:
        problems.append(f"exec.lost_bytes (frame, bytes): want {sorted(want)}, got {sorted(in_field)}")
    if in_info != want:
        problems.append(f"Info '[N bytes lost]' (frame, N): want {sorted(want)}, got {sorted(in_info)}")
    return problems


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=HERE)
    ap.add_argument("--compare-builtin", action="store_true")
    args = ap.parse_args()
    os.environ.setdefault("EXEC_TSHARK_ENV", "WIRESHARK_ABORT_ON_DISSECTOR_BUG=1")

    expected = defaultdict(dict)
    own_frame = defaultdict(dict)   # (stream, field) -> the frame of the string's last byte
    identified_frame = defaultdict(dict)    # ... -> the first frame that proves what it is
    conflicts = defaultdict(set)
    with open(os.path.join(args.dir, "expected.tsv"), newline="") as f:
        for row in csv.DictReader(f, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["field"] == "retransmission_conflict":
                conflicts[row["capture"]].add((int(row["last_byte_frame"]), row["expected"]))
                continue
            value = None
            if row["expected"] != "-":
                value = row["expected"] if row["field"] == "status" else tshark_text(unescape(row["expected"]))
            expected[row["capture"]][(int(row["tcp_stream"]), row["field"])] = value
            if row["last_byte_frame"] != "-":
                own_frame[row["capture"]][(int(row["tcp_stream"]), row["field"])] = int(row["last_byte_frame"])
                identified_frame[row["capture"]][(int(row["tcp_stream"]), row["field"])] = \
                    int(row["identified_frame"])

    names = ["frame.number", "tcp.stream"] + ["exec." + f for f in FIELDS] + ["exec.closed_without_reply",
                                                                            "exec.identified_by_status"]
    builtin_names = [n for n in names if n not in ("exec.status", "exec.closed_without_reply",
                                                   "exec.identified_by_status")]
    passed = failed = 0
    totals = defaultdict(lambda: [0, 0, 0])
    named = defaultdict(int)
    oracle_checks = [0, 0, 0]     # checks, whole sessions, sessions
    for capture in sorted(expected):
        pcap = os.path.join(args.dir, capture)
        want = expected[capture]
        problems = []
        sessions = read_sessions(pcap)
        completed = {(sess.stream, name): frame for sess in sessions
                     for name, frame in sess.completed_frames().items()}
        runs = {"default": fields(pcap, names), "out-of-order": fields(pcap, names, extra=OOO),
                "default, two passes": fields(pcap, names, extra=["-2"]),
                "out-of-order, two passes": fields(pcap, names, extra=OOO + ["-2"])}
        found_any = set()
        for mode, rows in runs.items():
            recovered, recoverable, mislabels, found = score(want, shown_values(rows, names))
            found_any |= found
            totals["plugin, " + mode][0] += recovered
            totals["plugin, " + mode][1] += recoverable
            totals["plugin, " + mode][2] += len(mislabels)
            problems += [f"{mode}: {m}" for m in mislabels]
            # The daemon replied in every session here (each has a status
            # row): a lost or cut status byte is not "no reply".
            replied = {stream for stream, name in want if name == "status"}
            problems += [f"{mode}: frame {r['frame.number'][0]}: closed without reply, but the daemon replied"
                         for r in rows if r["exec.closed_without_reply"] and r["tcp.stream"]
                         and int(r["tcp.stream"][0]) in replied]
            problems += [f"{mode}: {m}" for m in
                         wrong_frames(rows, own_frame[capture], completed if "out-of-order" in mode else None)]
        missed = sorted(k for k, v in want.items() if v is not None and k not in found_any)
        if missed:
            problems.append(f"recoverable but shown in neither mode: {missed}")
        for mode, extra in (("default", []), ("out-of-order", OOO)):
            want_two, added = named_in_two_passes(fields(pcap, DUMP_FIELDS, extra=extra), want, own_frame[capture],
                                                  identified_frame[capture])
            got_two = dump(fields(pcap, DUMP_FIELDS, extra=extra + ["-2"]))
            if got_two != dump(want_two):
                problems.append(f"{mode}: two passes must show what one pass shows, plus the counted-back "
                                f"names at their own frame: {first_difference(dump(want_two), got_two)}")
            named[mode] += added
        for mode, extra in CONFLICT_MODES.items():
            got = conflicts_shown(fields(pcap, CONFLICT_FIELDS, extra=extra))
            if got != conflicts[capture]:
                problems.append(f"{mode}: retransmission conflicts shown {sorted(got)}, "
                                f"want {sorted(conflicts[capture])}")
        # The independent oracle, as for the clean captures: every field,
        # expert info and Info part, on its frame and nowhere else, in the
        # sessions (or directions) the wire left whole.
        oracle = Checker("plugin")
        check_against_oracle(pcap, sessions, fields(pcap, DUMP_FIELDS + FORWARD_LINKS, extra=["-2"]), oracle)
        problems += [f"oracle: {p}" for p in oracle.problems]
        oracle_checks[0] += oracle.expected
        oracle_checks[1] += sum(s.clean for s in sessions)
        oracle_checks[2] += len(sessions)
        lost = lost_problems(pcap)
        if capture in KNOWN_LOST:
            print(f"known: {capture}: lost bytes: " +
                  ("; ".join(lost) + f" ({KNOWN_LOST[capture]})" if lost else
                   "now agrees with the wire: remove its KNOWN_LOST entry"))
        else:
            problems += lost
        if args.compare_builtin:
            rows = fields(pcap, builtin_names, plugin=False)
            recovered, recoverable, mislabels, _ = score(
                {k: v for k, v in want.items() if k[1] != "status"}, shown_values(rows, builtin_names))
            totals["built-in"][0] += recovered
            totals["built-in"][1] += recoverable
            totals["built-in"][2] += len(mislabels)
        print(("ok   " if not problems else "FAIL ") + capture)
        for p in problems:
            print("     " + p)
        passed += not problems
        failed += bool(problems)
    for who, (recovered, recoverable, mislabels) in totals.items():
        print(f"{who}: recovered {recovered}/{recoverable} recoverable fields, {mislabels} mislabels")
    for mode, count in named.items():
        print(f"plugin, {mode}: two passes must name {count} counted-back strings at their own frame")
    print(f"oracle: {oracle_checks[0]} checks; {oracle_checks[1]} of {oracle_checks[2]} sessions whole on the wire "
          "(the others: their whole direction only)")
    if not oracle_checks[0]:
        print("FAIL oracle: nothing checked")
        failed += 1
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
