#!/usr/bin/python3
"""Every start of every capture: never a wrong label.

A capture may begin at any frame of a session (a capture started late, a
ring buffer, a cut file).  For each capture given and every k from 1 to its
number of frames - 1, the file without its first k frames is dissected with
the plugin (all of them in one tshark run, see write_every_start), and every handshake string, status byte, error
line and closed-without-reply mark it shows must be what the independent
oracle (rexec_oracle.py) reads from the whole capture for that frame: right,
or not named at all.  A string may also show on the status frame that
identified it by counting back ("[sent in frame N]").

And what the bytes prove must be shown: when a capture starts at a
session's first client payload (its TCP handshake missing, every rexec byte
present), that session's status and error line are shown, and its strings
too where the bytes prove them: all four when the daemon connected back to
the stderr port the first string holds, the three after the first string
when the status is a success (the daemon replies only after reading the
command, and the reply acknowledges its end).

  EXEC_TEST_HOME=... check_every_start.py CAPTURE...
Prints one line per capture (truncations checked, fields shown, wrong) and
closes with 'N passed, N failed'.
"""
import argparse
import os
import struct
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "captures"))
sys.path.insert(0, os.path.join(HERE, "..", "common"))

from check_captures import tshark_text  # noqa: E402
from rexec_oracle import read_sessions  # noqa: E402
from tcp_frames import ETHERNET, read_pcap  # noqa: E402
from tshark_run import fields  # noqa: E402

SHOWN = ["frame.number", "exec.stderr_port", "exec.username", "exec.password", "exec.command",
         "exec.status", "exec.error_message", "exec.closed_without_reply"]


def truth_of(pcap):
    """(field, original frame) -> the value the whole capture proves there,
    and the frames where a session's status byte is."""
    truth, status_frames = {}, {}
    for sess in read_sessions(pcap):
        for name, value, frame in sess.strings:
            truth.setdefault(("exec." + name, frame), set()).add(tshark_text(value))
        if sess.status:
            truth.setdefault(("exec.status", sess.status[1]), set()).add(str(sess.status[0]))
            for name, value, _ in sess.strings:
                status_frames.setdefault(("exec." + name, sess.status[1]), set()).add(tshark_text(value))
        if sess.error_message:
            value, frame = sess.error_message
            truth.setdefault(("exec.error_message", frame), set()).add(tshark_text(value))
        if sess.closed_without_reply:
            truth.setdefault(("exec.closed_without_reply", sess.closed_without_reply), set()).add("")
    return truth, status_frames


def provable(pcap):
    """Per session that has client payload: (k, [(field, value, frame)])
    that the capture without its first k frames (its first client payload
    first) must show, by the rules of the module's docstring."""
    out = []
    for sess in read_sessions(pcap):
        if not sess.client.frame_at:
            continue
        k = min(sess.client.frame_at.values()) - 1
        want = []
        if sess.status:
            want.append(("exec.status", str(sess.status[0]), sess.status[1]))
        if sess.error_message:
            want.append(("exec.error_message", tshark_text(sess.error_message[0]), sess.error_message[1]))
        connected_back = sess.stderr_stream is not None
        named = sess.strings if connected_back else \
            sess.strings[1:] if sess.status and sess.status[0] == 0 else []
        want += [("exec." + name, tshark_text(value), frame) for name, value, frame in named]
        # A reply before the request is cut with what comes before.
        want = [w for w in want if w[2] > k]
        if k > 0 and want:
            out.append((k, want))
    return out


def write_every_start(pcap, out):
    """One file holding, one after another, the capture without its first k
    frames for every k (k from 1): each copy's addresses moved apart (k in
    the middle bytes of IPv4 and IPv6 addresses, whose first and last bytes
    tell the captures' hosts apart) and its times shifted, so that each is a
    capture of its own to TCP and the plugin.  Returns, per frame of out,
    (k, frame number in the whole capture)."""
    linktype, records = read_pcap(pcap)
    if linktype != ETHERNET:
        raise SystemExit(f"{pcap}: link type {linktype}, not Ethernet")
    origin = {}
    with open(out, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, ETHERNET))
        for k in range(1, len(records)):
            for rec in records[k:]:
                data = bytearray(rec.data)
                ethertype = struct.unpack("!H", data[12:14])[0] if len(data) >= 14 else 0
                if ethertype == 0x0800 and len(data) >= 34:
                    for a in (26, 30):
                        data[a + 1:a + 3] = struct.pack("!H", k)
                elif ethertype == 0x86DD and len(data) >= 54:
                    for a in (22, 38):
                        data[a + 8:a + 10] = struct.pack("!H", k)
                t = rec.t + 10000.0 * k
                f.write(struct.pack("<IIII", int(t), int(round((t - int(t)) * 1e6)) % 1000000,
                                    len(data), rec.origlen))
                f.write(data)
                origin[len(origin) + 1] = (k, rec.num)
    os.chmod(out, 0o644)
    return len(records) - 1, origin


def check(pcap):
    truth, status_frames = truth_of(pcap)
    with tempfile.TemporaryDirectory(prefix="every-start.") as work:
        os.chmod(work, 0o755)
        starts, origin = write_every_start(pcap, os.path.join(work, "every-start.pcap"))
        rows = fields(os.path.join(work, "every-start.pcap"), SHOWN, extra=["-2"])
    shown, wrong, seen = 0, [], set()
    for r in rows:
        k, frame = origin[int(r["frame.number"][0])]
        for name in SHOWN[1:]:
            for value in r[name]:
                shown += 1
                if name == "exec.closed_without_reply":
                    value = ""
                seen.add((k, name, value))
                key = (name, frame)
                if value in truth.get(key, ()) or value in status_frames.get(key, ()):
                    continue
                wrong.append(f"start {k + 1}: frame {frame} {name} {value!r}")
    proved = missing = 0
    for k, want in provable(pcap):
        for name, value, frame in want:
            proved += 1
            if (k, name, value) not in seen:
                missing += 1
                wrong.append(f"start {k + 1}: {name} {value!r} of frame {frame} not shown")
    return starts, shown, proved, missing, wrong


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("captures", nargs="+")
    args = ap.parse_args()
    passed = failed = 0
    for pcap in args.captures:
        starts, shown, proved, missing, wrong = check(pcap)
        name = os.path.basename(pcap)
        summary = f"{starts} starts, {shown} fields shown, {proved - missing}/{proved} proved shown"
        if wrong or starts == 0:
            failed += 1
            print(f"FAIL {name}: {summary}, {len(wrong) - missing} wrong, {missing} missing")
            for w in wrong[:10]:
                print(f"     {w}")
        else:
            passed += 1
            print(f"ok   {name}: {summary}, none wrong")
        sys.stdout.flush()
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
