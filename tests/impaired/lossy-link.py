#!/usr/bin/python3
"""lossy-link: a user-space Ethernet link between two TAP devices that loses,
duplicates and reorders TCP frames, so two real kernels' TCP stacks have to
retransmit.  Standard library only; run as root with Debian's /usr/bin/python3.

  lossy-link.py --tap-a NAME --tap-b NAME [options]

Both TAP devices are created (IFF_TAP|IFF_NO_PI, no offloads, so frames are
real MTU-sized Ethernet frames with software checksums) and exist as long as
this process runs; the caller moves them into network namespaces (they keep
working there) after the "ready" line.  Side A is the client, side B the
server: "c2s" = frames read from A and written to B, "s2c" the other way.
Non-TCP frames (ARP, neighbour discovery) always pass untouched.

Random mode (--drop/--dup/--reorder P): each TCP frame is dropped,
duplicated or held back behind the next frame in its direction with the given
probabilities.  The decision is a hash of the seed and the frame's identity
(connection number in SYN order, direction, sequence number relative to the
ISN, payload length, TCP flags, and how many identical frames came before),
not of arrival order: a rerun impairs the same segments as long as the
kernels send the same segments.

Targeted mode (--target ACTION:DIR:SELECTOR[,...], repeatable; each fires
once): ACTION is drop, dup, reorder or conflict; DIR c2s or s2c; SELECTOR
  n=N          the N-th new data segment (first transmissions only, never a
               retransmission) in that direction on the exec connection
  has=HEX      the first new data segment whose payload contains these bytes
and optionally  conn=K (K-th exec connection in SYN order, default 1) and
port=P (the server port that marks the connection, default --exec-port 512).
A reordered target is held until the next data segment of the same
connection and direction has been forwarded, then sent right after it.
A conflict target needs as=HEX: the frame is forwarded, then a copy in
which the bytes has= matched (with n=: the payload's first bytes) are
replaced by these, same length, TCP checksum recomputed, everything else
(IP ID, timestamps) identical: a retransmission with other bytes.

--log FILE gets one TSV line per TCP frame handled (time, direction,
connection, flags, relative seq/ack, length, IP ID, TSval, retransmission
flag, action, rule), so the caller can tell which frames reached the other
side and which are kernel retransmissions.
The process stops after --max-seconds, on SIGTERM or on SIGINT, and exits 0.
"""
import argparse
import fcntl
import hashlib
import os
import select
import signal
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import tcp_frames  # noqa: E402
from tcp_frames import ACK, FIN, PSH, RST, SYN  # noqa: E402

TUNSETIFF = 0x400454CA
IFF_TAP = 0x0002
IFF_NO_PI = 0x1000


def open_tap(name):
    fd = os.open("/dev/net/tun", os.O_RDWR | os.O_NONBLOCK)
    fcntl.ioctl(fd, TUNSETIFF, struct.pack("16sH", name.encode(), IFF_TAP | IFF_NO_PI))
    return fd


def checksum(data):
    if len(data) % 2:
        data += b"\0"
    total = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def with_payload_bytes(frame, p, at, new):
    """The frame with payload bytes at..at+len(new) replaced, TCP checksum
    recomputed over the IPv4 or IPv6 pseudo-header."""
    out = bytearray(frame)
    start = len(frame) - len(p.payload) - p.trailer
    out[start + at:start + at + len(new)] = new
    tcp_off = start - p.hlen
    out[tcp_off + 16:tcp_off + 18] = b"\0\0"
    segment = bytes(out[tcp_off:start + len(p.payload)])
    if p.fam == 4:
        pseudo = p.src + p.dst + struct.pack("!BBH", 0, 6, len(segment))
    else:
        pseudo = p.src + p.dst + struct.pack("!IxxxB", len(segment), 6)
    out[tcp_off + 16:tcp_off + 18] = struct.pack("!H", checksum(pseudo + segment))
    return bytes(out)


def flagstr(f):
    return "".join(c for c, b in (("S", SYN), ("A", ACK), ("P", PSH), ("F", FIN), ("R", RST)) if f & b) or "."


class Conn:
    def __init__(self, num, client, server, isn_c):
        self.num = num            # 1-based, in SYN order
        self.client = client      # (addr, port) that sent the SYN
        self.server = server
        self.isn = {"c": isn_c, "s": None}
        self.maxend = {"c": 0, "s": 0}   # highest relative end seen (first transmissions)
        self.ndata = {"c": 0, "s": 0}    # new data segments seen
        self.exec_num = None             # K-th exec connection


class Target:
    def __init__(self, spec, exec_port):
        parts = spec.split(":", 2)
        if len(parts) != 3 or parts[0] not in ("drop", "dup", "reorder", "conflict") or \
                parts[1] not in ("c2s", "s2c"):
            raise SystemExit("bad --target %r (ACTION:DIR:SELECTOR)" % spec)
        self.spec = spec
        self.action, self.dir = parts[0], parts[1]
        self.n = None
        self.has = None
        self.conn = 1
        self.port = exec_port
        self.replacement = None
        for item in parts[2].split(","):
            k, _, v = item.partition("=")
            if k == "n":
                self.n = int(v)
            elif k == "has":
                self.has = bytes.fromhex(v)
            elif k == "conn":
                self.conn = int(v)
            elif k == "port":
                self.port = int(v)
            elif k == "as":
                self.replacement = bytes.fromhex(v)
            else:
                raise SystemExit("bad selector %r in --target %r" % (item, spec))
        if (self.n is None) == (self.has is None):
            raise SystemExit("--target %r needs exactly one of n=, has=" % spec)
        if (self.action == "conflict") != (self.replacement is not None) or \
                (self.has is not None and self.replacement is not None and len(self.has) != len(self.replacement)):
            raise SystemExit("--target %r: as=HEX goes with conflict only, as long as has=" % spec)
        self.fired = False
        self.count = 0

    def matches(self, conn, side, port_ok, new_data, payload):
        if self.fired or not new_data or not port_ok:
            return False
        if ("c" if self.dir == "c2s" else "s") != side or conn.exec_num != self.conn:
            return False
        if self.n is not None:
            self.count += 1
            return self.count == self.n
        return self.has in payload


class Link:
    def __init__(self, a):
        self.a = a
        self.fds = {"A": open_tap(a.tap_a), "B": open_tap(a.tap_b)}
        self.conns = {}
        self.nconn = 0
        self.nexec = {}
        self.copies = {}
        self.targets = [Target(t, a.exec_port) for t in a.target]
        self.held = {"c2s": None, "s2c": None}   # (frame, info, deadline, release_predicate)
        self.t0 = time.monotonic()
        self.stats = {"frames": 0, "tcp": 0, "drop": 0, "dup": 0, "reorder": 0, "conflict": 0}
        self.write_errors = 0
        self.log = open(a.log, "w") if a.log else None
        if self.log:
            self.log.write("t\tdir\tconn\texec\tsport\tdport\tseq\tflags\trelseq\trelack\tlen\t"
                           "ipid\ttsval\tretrans\taction\trule\tpayload_head\n")

    # ------------------------------------------------------------ tracking
    def track(self, p):
        """Find/create the connection; return (conn, side) with side c or s."""
        ka = (p.src, p.sport)
        kb = (p.dst, p.dport)
        key = (ka, kb) if ka < kb else (kb, ka)
        conn = self.conns.get(key)
        if p.flags & SYN and not p.flags & ACK:
            if conn is None or conn.isn["c"] != p.seq:
                self.nconn += 1
                conn = Conn(self.nconn, ka, kb, p.seq)
                self.conns[key] = conn
                port = p.dport
                self.nexec[port] = self.nexec.get(port, 0) + 1
                conn.exec_num = self.nexec[port]
        if conn is None:  # mid-stream (not expected): treat the sender as client
            self.nconn += 1
            conn = Conn(self.nconn, ka, kb, (p.seq - 1) & 0xFFFFFFFF)
            self.conns[key] = conn
        side = "c" if ka == conn.client else "s"
        if side == "s" and p.flags & SYN and conn.isn["s"] is None:
            conn.isn["s"] = p.seq
        return conn, side

    def rel(self, conn, side, seq):
        isn = conn.isn[side]
        if isn is None:
            return None
        return (seq - isn - 1) & 0xFFFFFFFF

    # ------------------------------------------------------------ decisions
    def random_action(self, conn, d, relseq, p):
        a = self.a
        if not (a.drop or a.dup or a.reorder):
            return None
        ident = (conn.num, d, relseq if relseq is not None else p.seq, len(p.payload), p.flags)
        n = self.copies.get(ident, 0)
        self.copies[ident] = n + 1
        h = hashlib.sha256(("%d|%r|%d" % (a.seed, ident, n)).encode()).digest()
        u = [int.from_bytes(h[i:i + 4], "big") / 2.0 ** 32 for i in (0, 4, 8)]
        if u[0] < a.drop:
            return "drop"
        if u[1] < a.dup:
            return "dup"
        if u[2] < a.reorder:
            return "reorder"
        return None

    # ------------------------------------------------------------ I/O
    def write(self, d, frame):
        fd = self.fds["B" if d == "c2s" else "A"]
        try:
            os.write(fd, frame)
        except OSError as e:  # interface down or gone: the frame is lost
            self.write_errors += 1
            if self.write_errors <= 3:
                sys.stderr.write("lossy-link: write %s: %s (frame lost)\n" % (d, e))

    def logline(self, info, action, rule):
        if self.log:
            self.log.write("\t".join(str(x) for x in (
                "%.6f" % (time.monotonic() - self.t0), info["dir"], info["conn"], info["exec"],
                info["sport"], info["dport"], info["seq"], info["flags"], info["relseq"], info["relack"], info["len"],
                "" if info["ipid"] is None else info["ipid"],
                "" if info["tsval"] is None else info["tsval"],
                info["retrans"], action, rule, info["head"])) + "\n")
            self.log.flush()

    def release(self, d, reason):
        h = self.held[d]
        if h is None:
            return
        self.held[d] = None
        self.write(d, h[0])
        self.logline(h[1], "released-" + reason, h[4])

    def handle(self, src, frame):
        self.stats["frames"] += 1
        d = "c2s" if src == "A" else "s2c"
        p = tcp_frames.parse_frame(frame)
        if p is None:
            self.write(d, frame)
            return
        self.stats["tcp"] += 1
        conn, side = self.track(p)
        relseq = self.rel(conn, side, p.seq)
        other = "s" if side == "c" else "c"
        relack = self.rel(conn, other, p.ack) if p.flags & ACK else None
        plen = len(p.payload)
        new_data = False
        retrans = False
        if plen and relseq is not None:
            end = relseq + plen
            if end > conn.maxend[side] and relseq >= conn.maxend[side]:
                new_data = True
                conn.ndata[side] += 1
            if end <= conn.maxend[side] or relseq < conn.maxend[side]:
                retrans = True
            conn.maxend[side] = max(conn.maxend[side], end)
        exec_side_port = conn.server[1]
        info = {"dir": d, "conn": conn.num, "sport": p.sport, "dport": p.dport, "seq": p.seq,
                "exec": "%d:%d" % (exec_side_port, conn.exec_num),
                "flags": flagstr(p.flags), "relseq": relseq, "relack": relack, "len": plen,
                "ipid": p.ipid, "tsval": p.tsval, "retrans": int(retrans),
                "head": p.payload[:24].hex()}

        action, rule = None, ""
        for t in self.targets:
            port_ok = exec_side_port == t.port
            if t.matches(conn, side, port_ok, new_data, p.payload):
                t.fired = True
                action, rule = t.action, t.spec
                break
        if action is None:
            action = self.random_action(conn, d, relseq, p)
            rule = "random" if action else ""

        held = self.held[d]   # a frame held back before this one arrived
        forwarded = True
        if action == "drop":
            self.stats["drop"] += 1
            forwarded = False
            self.logline(info, "drop", rule)
        elif action == "dup":
            self.stats["dup"] += 1
            self.write(d, frame)
            self.write(d, frame)
            self.logline(info, "dup", rule)
        elif action == "conflict":
            self.stats["conflict"] += 1
            t = next(t for t in self.targets if t.spec == rule)
            at = p.payload.find(t.has) if t.has is not None else 0
            self.write(d, frame)
            self.write(d, with_payload_bytes(frame, p, at, t.replacement))
            self.logline(info, "conflict", rule)
        elif action == "reorder" and held is None:
            self.stats["reorder"] += 1
            if rule == "random":
                pred = lambda q_conn, q_plen: True  # noqa: E731 - next frame in this direction
            else:
                pred = lambda q_conn, q_plen, c=conn: q_conn is c and q_plen > 0  # noqa: E731
            self.held[d] = (frame, info, time.monotonic() + self.a.hold_ms / 1000.0, pred, rule)
            forwarded = False
            self.logline(info, "hold", rule)
        else:
            if action == "reorder":
                rule += " (ignored: a frame is already held)"
            self.write(d, frame)
            self.logline(info, "pass", rule)
        # the held frame goes out right behind the next qualifying frame
        if held is not None and forwarded and held[3](conn, plen):
            self.release(d, "after")

    def run(self):
        stop = []
        signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
        signal.signal(signal.SIGINT, lambda *_: stop.append(1))
        sys.stdout.write("lossy-link: ready %s %s\n" % (self.a.tap_a, self.a.tap_b))
        sys.stdout.flush()
        deadline = self.t0 + self.a.max_seconds
        by_fd = {fd: k for k, fd in self.fds.items()}
        while not stop:
            if not by_fd:
                sys.stderr.write("lossy-link: both devices gone\n")
                break
            now = time.monotonic()
            if now >= deadline:
                sys.stderr.write("lossy-link: --max-seconds reached\n")
                break
            for d in ("c2s", "s2c"):
                h = self.held[d]
                if h is not None and now >= h[2]:
                    self.release(d, "timeout")
            wait = min([deadline - now, 0.5] + [h[2] - now for h in self.held.values() if h])
            try:
                ready, _, _ = select.select(list(by_fd), [], [], max(0.0, wait))
            except InterruptedError:
                continue
            for fd in ready:
                while fd in by_fd:
                    try:
                        frame = os.read(fd, 65536)
                    except BlockingIOError:
                        break
                    except OSError as e:   # the device went away (namespace deleted)
                        sys.stderr.write("lossy-link: read %s: %s; closing it\n" % (by_fd[fd], e))
                        del by_fd[fd]
                        break
                    if not frame:
                        break
                    self.handle(by_fd[fd], frame)
        for d in ("c2s", "s2c"):
            self.release(d, "exit")
        unfired = [t.spec for t in self.targets if not t.fired]
        sys.stderr.write("lossy-link: %s%s\n" % (
            " ".join("%s=%d" % kv for kv in self.stats.items()),
            (" unfired targets: " + ", ".join(unfired)) if unfired else ""))
        if self.log:
            self.log.close()
        return 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--tap-a", required=True, help="client-side TAP device name")
    ap.add_argument("--tap-b", required=True, help="server-side TAP device name")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--drop", type=float, default=0.0, help="probability of dropping a TCP frame")
    ap.add_argument("--dup", type=float, default=0.0, help="probability of duplicating a TCP frame")
    ap.add_argument("--reorder", type=float, default=0.0,
                    help="probability of holding a TCP frame behind the next one")
    ap.add_argument("--target", action="append", default=[], help="ACTION:DIR:SELECTOR (see above)")
    ap.add_argument("--exec-port", type=int, default=512)
    ap.add_argument("--hold-ms", type=float, default=250.0,
                    help="a held frame goes out after this long even if nothing follows")
    ap.add_argument("--max-seconds", type=float, default=300.0)
    ap.add_argument("--log", help="TSV log of every TCP frame")
    a = ap.parse_args()
    for k in ("drop", "dup", "reorder"):
        if not 0.0 <= getattr(a, k) <= 1.0:
            raise SystemExit("--%s must be a probability" % k)
    return Link(a).run()


if __name__ == "__main__":
    sys.exit(main())
