#!/usr/bin/python3
"""Copies of a finished session's segments that come late, after the
plugin has released the session's working state, and within the grace
before it does.

The first pass keeps a session's working state (the engine, the first copy
of the handshake, the counts) only until the capture is
EXEC_SESSION_RELEASE_SECONDS (exec-session.h) past its end and a new
session starts; a brute force ends thousands.  A segment of the control
connection after both FINs can only be sent again, so it must show the same
whether it comes before or after the release.  For each real capture given,
two copies are made from its bytes:

  late:  the capture, then copies of one session's payload segments and of
         its server FIN, timed after a later session's first payload that
         starts more than the grace after that session's end (the release);
  grace: the capture up to that session's end, then the same copies 0.2 s
         after it (before any release).

What must hold, against the oracle (rexec_oracle.py reads the copies as
bytes already seen) and against the capture itself:
  - every frame of the capture shows in the copy what it shows in the
    capture (one pass: the grace copy holds a prefix of the capture);
  - with TCP's defaults (TCP keeps retransmissions from subdissectors), a
    copy shows no exec field at all;
  - with TCP's sequence analysis off (TCP hands every segment over), a copy
    of payload shows the exec.retransmitted expert and no field but
    exec.retransmitted_data: no string, status, data or new session;
  - two passes show the copies as one pass does.

  check_late_copies.py CAPTURE...
"""
import os
import re
import shutil
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "captures"))
from check_captures import DUMP_FIELDS, EXEC_EXPERTS, EXEC_FIELDS  # noqa: E402
from rexec_oracle import read_sessions  # noqa: E402
from tshark_run import fields  # noqa: E402

ANALYSIS_OFF = ["-o", "tcp.analyze_sequence_numbers:FALSE"]
# What a copy of payload may show with the analysis off.
RETRANSMITTED_ONLY = {"exec.retransmitted"}
SESSION_HEADER = os.path.join(HERE, "..", "..", "exec-session.h")


def release_seconds():
    with open(SESSION_HEADER) as f:
        found = re.search(r"#define EXEC_SESSION_RELEASE_SECONDS (\d+)", f.read())
    if not found:
        raise SystemExit(f"{SESSION_HEADER}: no EXEC_SESSION_RELEASE_SECONDS")
    return int(found[1])


def read_records(path):
    """The file header and the records (16-byte header and bytes) of a classic pcap."""
    with open(path, "rb") as f:
        data = f.read()
    endian = "<" if data[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = data[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    records, at = [], 24
    while at + 16 <= len(data):
        caplen = struct.unpack(endian + "I", data[at + 8:at + 12])[0]
        records.append(data[at:at + 16 + caplen])
        at += 16 + caplen
    return data[:24], records, endian, nano


def retimed(record, when, endian, nano):
    """record with its time set to `when` (seconds since the epoch, float)."""
    seconds = int(when)
    fraction = round((when - seconds) * (1e9 if nano else 1e6))
    return struct.pack(endian + "II", seconds, fraction) + record[8:]


def pick(sessions, grace):
    """A session that ends, has payload both ways, and is followed by a
    session whose first payload comes more than the grace after that end:
    (session, the later session's first payload frame), or None."""
    for sess in sessions:
        end = sess.end_frame
        if end is None or not sess.client.frame_at or not sess.server.frame_at:
            continue
        ended_at = float(sess.frame_times[end])
        for later in sessions:
            first = later.client.first_payload
            if first and float(later.frame_times[first[0]]) > ended_at + grace + 1:
                return sess, first[0]
    return None


def dumps(pcap, extra):
    """frame number -> {field: values} of what the plugin shows (exec fields,
    experts, Info), for the frames that show any."""
    out = {}
    for row in fields(pcap, DUMP_FIELDS, extra=extra):
        frame = int(row["frame.number"][0])
        out[frame] = {k: tuple(v) for k, v in row.items() if k != "frame.number" and v}
    return out


def exec_shown(row):
    return {name for name in EXEC_FIELDS + EXEC_EXPERTS if row.get(name)}


def check(pcap, workdir, grace, problems):
    sessions = read_sessions(pcap)
    chosen = pick(sessions, grace)
    if chosen is None:
        raise SystemExit(f"{pcap}: no session followed by another more than {grace + 1} s after its end")
    sess, later_payload = chosen
    end = sess.end_frame
    copied = sorted(set(sess.client.frame_at.values()) | set(sess.server.frame_at.values()))
    copied_fin = [sess.server.fin_frame] if sess.server.fin_frame and sess.server.fin_frame not in copied else []
    header, records, endian, nano = read_records(pcap)
    ended_at = float(sess.frame_times[end])
    name = os.path.basename(pcap)[:-len(".pcap")]

    variants = {
        # At the end of the capture: after the later session's first payload.
        "late": (records, max(float(s.frame_times[f]) for s in sessions for f in s.frame_times) + 1.0),
        "grace": (records[:end], ended_at + 0.2),
    }
    original = {mode: dumps(pcap, extra) for mode, extra in (("one-pass", []), ("analysis-off", ANALYSIS_OFF))}
    for variant, (kept, when) in variants.items():
        copies = [retimed(records[f - 1], when + i * 0.001, endian, nano) for i, f in enumerate(copied + copied_fin)]
        out = os.path.join(workdir, f"{variant}-copies-{name}.pcap")
        with open(out, "wb") as f:
            f.write(header + b"".join(kept) + b"".join(copies))
        os.chmod(out, 0o644)
        first_copy = len(kept) + 1
        where = os.path.basename(out)
        if variant == "late" and later_payload >= first_copy:
            problems.append(f"{where}: the later session's first payload (frame {later_payload}) "
                            "is not before the copies")

        # The oracle reads every copy of payload as bytes already seen.
        copy_sessions = [s for s in read_sessions(out) if s.stream == sess.stream]
        repeats = set(copy_sessions[0].client.repeat_frames + copy_sessions[0].server.repeat_frames) \
            if copy_sessions else set()
        payload_copies = set(range(first_copy, first_copy + len(copied)))
        if repeats != payload_copies:
            problems.append(f"{where}: the oracle reads frames {sorted(repeats)} as repeats, "
                            f"not the copies {sorted(payload_copies)}")

        for mode, extra in (("one-pass", []), ("analysis-off", ANALYSIS_OFF)):
            shown = dumps(out, extra)
            for frame in range(1, first_copy):
                if shown.get(frame) != original[mode].get(frame):
                    problems.append(f"{where} [{mode}]: frame {frame} shows {shown.get(frame)}, "
                                    f"the capture's shows {original[mode].get(frame)}")
            for frame in range(first_copy, first_copy + len(copied) + len(copied_fin)):
                got = exec_shown(shown.get(frame, {}))
                want = RETRANSMITTED_ONLY if mode == "analysis-off" and frame in payload_copies else set()
                if got != want:
                    problems.append(f"{where} [{mode}]: copy frame {frame} shows {sorted(got)}, "
                                    f"not {sorted(want)}")
                info = shown.get(frame, {}).get("_ws.col.Info", ("",))[0]
                if frame in payload_copies and mode == "analysis-off" and "Retransmitted data" not in info:
                    problems.append(f"{where} [{mode}]: copy frame {frame}'s Info is {info!r}, "
                                    "not retransmitted data")
            two_pass = dumps(out, extra + ["-2"])
            for frame in range(first_copy, first_copy + len(copied) + len(copied_fin)):
                if two_pass.get(frame) != shown.get(frame):
                    problems.append(f"{where} [{mode}]: copy frame {frame} shows {two_pass.get(frame)} in two "
                                    f"passes, {shown.get(frame)} in one")
        print(f"  {where}: session {sess.stream} ended at frame {end}; {len(copied)} payload copies and "
              f"{len(copied_fin)} FIN copy from frame {first_copy}")


def main():
    problems = []
    grace = release_seconds()
    workdir = tempfile.mkdtemp(prefix="exec-late-copies-")
    os.chmod(workdir, 0o755)
    for pcap in sys.argv[1:]:
        check(pcap, workdir, grace, problems)
    shutil.rmtree(workdir, ignore_errors=True)
    for p in problems:
        print("FAIL", p)
    print(f"late copies: {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
