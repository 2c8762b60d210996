#!/usr/bin/python3
"""A copy of a capture with its clock slowed down: every frame's time moved
to first + (time - first) * FACTOR, bytes and order unchanged.

The committed captures' sessions follow each other within about a second;
the first pass releases a session's working state only once the capture is
EXEC_SESSION_RELEASE_SECONDS (exec-session.h) past its end and a new session
starts.  Slowed down, the same real traffic has its sessions released as
the first pass goes, and must show the same fields.

  stretch_time.py FACTOR CAPTURE OUT
"""
import os
import struct
import sys


def stretch(factor, src, out):
    with open(src, "rb") as f:
        data = f.read()
    magic = data[:4]
    if magic not in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        raise SystemExit(f"{src}: not a classic pcap file")
    endian = "<" if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    units = 10**9 if magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d") else 10**6
    parts, at, first = [data[:24]], 24, None
    while at + 16 <= len(data):
        seconds, fraction, caplen = struct.unpack(endian + "III", data[at:at + 12])
        when = seconds * units + fraction
        first = when if first is None else first
        when = first + round((when - first) * factor)
        parts.append(struct.pack(endian + "II", when // units, when % units) + data[at + 8:at + 16 + caplen])
        at += 16 + caplen
    with open(out, "wb") as f:
        f.write(b"".join(parts))
    os.chmod(out, 0o644)


if __name__ == "__main__":
    stretch(float(sys.argv[1]), sys.argv[2], sys.argv[3])
