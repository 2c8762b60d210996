#!/usr/bin/python3
"""make-seeds.py: seed corpus for fuzz-exec-stream (see the script format at
the top of fuzz-exec-stream.c).

Two kinds of seeds:
  cap-*   every rexec control connection (a TCP stream with port 512) of the
          real captures, payloads extracted with tshark with the exec
          dissector off, replayed with their real stream positions (so real
          retransmissions, gaps and segmentations are kept), in three
          variants: reassembly on, reassembly off, client start not seen.
  hand-*  scripts written from the protocol description (exec-protocol.md)
          and the hostile cases of tests/hostile/.

  make-seeds.py [--out DIR] [--max-bytes N] [PCAP ...]
Defaults: --out fuzz/corpus, every test-captures/*.pcap and tests/hostile/*.pcap.
Deterministic: the same captures give the same files.
"""
import argparse
import glob
import hashlib
import os
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)

C2S, S2C = 0, 1
F_CLIENT_START, F_SERVER_START, F_FLUSH_ON_GAP, F_FLUSH_AT_END = 1, 2, 4, 8


class Script:
    """Builds one fuzzer input."""

    def __init__(self, flags):
        self.out = bytearray([flags])
        self.wire_next = [0, 0]

    def _position(self, direction, offset):
        """Op bits 2-4 and their operand for an absolute stream offset."""
        wn = self.wire_next[direction]
        if offset == wn:
            return 0, b""
        if wn < offset <= wn + 256:
            return 1, bytes([offset - wn - 1])
        if offset > wn and (offset - wn) % 16 == 0 and (offset - wn) // 16 <= 0xFFFF:
            return 2, struct.pack(">H", (offset - wn) // 16)
        if offset > wn and offset - wn < 0x80000000:
            return 5, struct.pack(">I", offset - wn)
        if wn - 256 <= offset < wn:
            return 3, bytes([wn - offset - 1])
        if offset < wn and wn - offset <= 0xFFFF:
            return 6, struct.pack(">H", wn - offset)
        raise ValueError("offset out of reach")

    def segment(self, direction, offset, data, may_defer=True):
        """A segment at an absolute stream offset (long payloads are cut)."""
        data = bytes(data)
        while True:
            chunk, data = data[:0xFFFF], data[0xFFFF:]
            mode, operand = self._position(direction, offset)
            if len(chunk) == 0:
                length_mode, length = 2, b""
            elif len(chunk) <= 255:
                length_mode, length = 0, bytes([len(chunk)])
            else:
                length_mode, length = 1, struct.pack(">H", len(chunk))
            op = direction | (2 if may_defer else 0) | mode << 2 | length_mode << 5
            self.out += bytes([op]) + operand + length + chunk
            self.wire_next[direction] = max(self.wire_next[direction], offset + len(chunk))
            offset += len(chunk)
            if not data:
                return

    def send(self, direction, data, may_defer=True):
        """In order, right after what this direction sent so far."""
        self.segment(direction, self.wire_next[direction], data, may_defer)

    def synthetic(self, direction, units, fill, term, at, may_defer=True):
        """units * 300 bytes (units 1-256) of `fill`, `term` at byte `at` (multiple of 4)."""
        op = direction | (2 if may_defer else 0) | 4 << 5
        self.out += bytes([op, units - 1, fill, term]) + struct.pack(">H", at // 4)
        self.wire_next[direction] += units * 300

    def token(self, direction, index, may_defer=True):
        op = direction | (2 if may_defer else 0) | 5 << 5
        self.out += bytes([op, index])

    def bytes(self):
        return bytes(self.out)


def tshark_segments(pcap):
    """{stream: [(direction, offset, payload, syn)]} for streams on port 512."""
    cmd = ["tshark", "-r", pcap, "-d", "tcp.port==512,data", "--disable-protocol", "exec",
           "-o", "tcp.relative_sequence_numbers:TRUE", "-o", "tcp.desegment_tcp_streams:FALSE",
           "-T", "fields", "-e", "tcp.stream", "-e", "tcp.srcport", "-e", "tcp.dstport",
           "-e", "tcp.seq", "-e", "data.data"]
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    if proc.returncode != 0:
        print(f"make-seeds: skipping {pcap}: tshark exited {proc.returncode}: "
              f"{proc.stderr.decode(errors='replace').strip()[-200:]}", file=sys.stderr)
        return {}
    out = proc.stdout.decode()
    streams = {}
    for line in out.splitlines():
        cols = line.split("\t")
        if len(cols) < 5 or not cols[0]:
            continue
        stream, sport, dport, seq, hexdata = cols[:5]
        if "512" not in (sport, dport):
            continue
        direction = C2S if dport == "512" else S2C
        payload = bytes.fromhex(hexdata.replace(":", ""))
        if not payload:
            continue
        # Relative seq: the SYN is 0, the first payload byte 1.
        streams.setdefault(int(stream), []).append((direction, int(seq) - 1, payload))
    return streams


def capture_seeds(pcap, max_bytes, max_streams):
    name = os.path.splitext(os.path.basename(pcap))[0]
    seeds = {}
    for stream, segs in sorted(tshark_segments(pcap).items())[:max_streams]:
        variants = {
            "defer": (F_CLIENT_START | F_SERVER_START | F_FLUSH_AT_END, True),
            "nodefer": (F_CLIENT_START | F_SERVER_START, False),
            "midstream": (F_SERVER_START | F_FLUSH_ON_GAP | F_FLUSH_AT_END, True),
        }
        for variant, (flags, may_defer) in variants.items():
            s = Script(flags)
            for direction, offset, payload in segs:
                if len(s.out) > max_bytes:
                    break
                if offset < 0:
                    continue
                s.segment(direction, offset, payload, may_defer)
            seeds[f"cap-{name}-s{stream}-{variant}"] = s.bytes()
    return seeds


def hand_seeds():
    seeds = {}

    def request(flags, port, user, pw, cmd, split=None, defer=True):
        s = Script(flags)
        req = b"\0".join([port, user, pw, cmd]) + b"\0"
        if split is None:
            s.send(C2S, req, defer)
        else:
            cuts = [0] + split + [len(req)]
            for a, b in zip(cuts, cuts[1:]):
                s.send(C2S, req[a:b], defer)
        return s

    both = F_CLIENT_START | F_SERVER_START | F_FLUSH_AT_END
    for port in [b"", b"0", b"40369", b"65535", b"65536", b"99999", b"-1", b"abc", b"1234567",
                 b"4294967296", b"0000000000040369"]:
        s = request(both, port, b"rexuser", b"rexpass1", b"id -un")
        s.send(S2C, b"\0rexuser\n")
        seeds["hand-port-" + (port.decode() or "empty")] = s.bytes()
    s = request(both, b"40369", b"rexuser_16_chars", b"rexpass1rexpass1", b"id")
    s.send(S2C, b"\x01username too long\n")
    seeds["hand-too-long"] = s.bytes()
    for status in (0, 1, 2, 7, 255):
        s = request(both, b"", b"u", b"p", b"c")
        s.send(S2C, bytes([status]) + b"Login incorrect.\nafter\n")
        seeds[f"hand-status-{status}"] = s.bytes()
    # glibc: port alone, then the rest; tiny writes; every split point.
    seeds["hand-glibc"] = request(both, b"40369", b"rexuser", b"rexpass1", b"ls", [6]).bytes()
    seeds["hand-tiny"] = request(both, b"40369", b"rexuser", b"rexpass1", b"ls",
                                 list(range(1, 29))).bytes()
    seeds["hand-tiny-nodefer"] = request(both, b"40369", b"rexuser", b"rexpass1", b"ls",
                                         list(range(1, 29)), defer=False).bytes()
    # Server speaks before the client finished.
    s = Script(both)
    s.send(C2S, b"403")
    s.send(S2C, b"\0early data")
    s.send(C2S, b"69\0rexuser\0rexpass1\0id\0stdin")
    seeds["hand-server-first"] = s.bytes()
    # Gaps, overlaps, retransmissions.
    s = Script(both)
    s.send(C2S, b"40369\0rex")
    s.segment(C2S, 12, b"pass1\0ls\0stdin")
    s.segment(C2S, 3, b"69\0rexuser\0rexpass1\0")
    s.send(S2C, b"\x01Login")
    s.segment(S2C, 0, b"\x01Login incorrect.\n")
    seeds["hand-gap-retrans"] = s.bytes()
    s = Script(F_SERVER_START | F_FLUSH_ON_GAP)
    s.segment(C2S, 1000, b"rexpass1\0ls\0stdin")
    s.send(S2C, b"\0out")
    s.send(C2S, b"more stdin")
    seeds["hand-midstream"] = s.bytes()
    # Big strings: a 1 MB command without NUL, a NUL flood, a long error line.
    s = Script(both)
    s.send(C2S, b"0\0u\0p\0")
    for _ in range(4):
        s.synthetic(C2S, 250, ord("A"), ord("A"), 0)
    s.send(C2S, b"\0")
    seeds["hand-big-command"] = s.bytes()
    s = Script(both)
    s.synthetic(C2S, 256, 0, 0, 0)
    seeds["hand-nul-flood"] = s.bytes()
    s = Script(both)
    s.send(S2C, b"\x01")
    s.synthetic(S2C, 250, ord("e"), ord("\n"), 74996)
    seeds["hand-long-error"] = s.bytes()
    # Tokens from the dictionary, and empty segments.
    s = Script(both)
    for i in (0, 9, 10, 13, 14, 17):
        s.token(C2S if i < 14 else S2C, i)
    s.out += bytes([0 | 2 << 5, 1 | 2 << 5])
    seeds["hand-tokens"] = s.bytes()
    # Random bytes, HTTP, TLS and SSH openings on 512.
    s = Script(both)
    s.send(C2S, b"GET / HTTP/1.1\r\nHost: x\r\nUser-Agent: curl/7.88.1\r\n\r\n")
    seeds["hand-http"] = s.bytes()
    s = Script(both)
    s.send(C2S, bytes.fromhex("160301004a0100004603035f") + bytes(range(64)))
    seeds["hand-tls"] = s.bytes()
    s = Script(both)
    s.send(C2S, b"SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n")
    s.send(S2C, b"SSH-2.0-OpenSSH_9.2p1\r\n")
    seeds["hand-ssh"] = s.bytes()
    s = Script(both)
    s.send(C2S, hashlib.sha256(b"exec").digest() * 8)
    seeds["hand-random"] = s.bytes()
    return seeds


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(HERE, "corpus"))
    ap.add_argument("--max-bytes", type=int, default=12000,
                    help="stop adding segments to a capture seed past this size")
    ap.add_argument("--max-streams", type=int, default=6,
                    help="seeds from at most this many rexec connections per capture")
    ap.add_argument("pcaps", nargs="*")
    args = ap.parse_args()
    pcaps = args.pcaps or sorted(glob.glob(os.path.join(ROOT, "test-captures", "*.pcap")) +
                                 glob.glob(os.path.join(ROOT, "tests", "hostile", "*.pcap")))
    os.makedirs(args.out, exist_ok=True)
    seeds = hand_seeds()
    for pcap in pcaps:
        seeds.update(capture_seeds(pcap, args.max_bytes, args.max_streams))
    for name, data in sorted(seeds.items()):
        with open(os.path.join(args.out, name + ".bin"), "wb") as f:
            f.write(data)
    print(f"make-seeds: {len(seeds)} seeds ({len(pcaps)} captures) in {args.out}")


if __name__ == "__main__":
    sys.exit(main())
