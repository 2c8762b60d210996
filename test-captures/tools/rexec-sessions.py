#!/usr/bin/python3
"""rexec-sessions: list the rexec sessions found in pcap files.

Independent of Wireshark: parses pcap (Ethernet / Linux SLL / raw IP, IPv4 and
IPv6), rebuilds each TCP byte stream from sequence numbers, and splits the
exec control connection (TCP 512) into stderr port, username, password,
command and the daemon's reply.  The stderr connection is the one the server
host opens to <client address>:<announced port>.

  rexec-sessions.py show PCAP...                  human-readable summary
  rexec-sessions.py tsv --name N [--expect F] PCAP
        one TSV row per control connection, in SYN order (no header); with
        --expect, compare with the expectations in F (records of 7
        NUL-terminated fields: port, user, password, command, outcome, number
        of segments carrying the request, number of such sessions; "*" = any
        port number / any segment count; the session count is N or MIN-MAX)
        and exit 1 on a mismatch.  Records pair with sessions by
        user+password+command, so concurrent sessions may start in any order;
        among sessions with the same three strings, by SYN order, each record
        taking as many as it allows.  Every session must be paired.
  rexec-sessions.py merge --order a,b,c OUT ROWFILE...
        write OUT = header + rows in scenario order; rows already in OUT are
        kept for names in the order list that were not re-made

Standard library only (and tests/common/tcp_frames.py); run with Debian's
/usr/bin/python3.
"""
import hashlib
import ipaddress
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "common"))
import tcp_frames  # noqa: E402

EXEC_PORT = 512
LONG_CMD = 256  # longer commands are written as sha256/len in the TSV
HEADER = ["name", "stderr_port", "username", "password",
          "command (escaped: \\n \\t \\\\; over %d bytes: sha256:<hex>/len:<bytes>)" % LONG_CMD,
          "outcome", "session", "client", "stdin_bytes", "stdout_bytes",
          "stderr_bytes", "signals", "request_segments"]


class Stream:
    """One direction of a TCP connection."""

    def __init__(self):
        self.isn = None
        self.buf = bytearray()
        self.fin = False
        self.rst = False
        self.segs = set()  # (offset, length) of each data segment

    def add(self, seq, payload):
        if self.isn is None:  # capture started mid-stream: take first seq as origin
            self.isn = (seq - 1) & 0xFFFFFFFF
        off = (seq - self.isn - 1) & 0xFFFFFFFF
        end = off + len(payload)
        if end > len(self.buf):
            self.buf.extend(b"\0" * (end - len(self.buf)))
        self.buf[off:end] = payload
        self.segs.add((off, len(payload)))


class Conn:
    def __init__(self, idx, cli, srv, t):
        self.idx, self.cli, self.srv, self.t = idx, cli, srv, t
        self.c2s, self.s2c = Stream(), Stream()


def packets(path):
    linktype, records = tcp_frames.read_pcap(path)
    if records and linktype not in tcp_frames.LINKTYPES:
        raise SystemExit("%s: unsupported link type %d" % (path, linktype))
    for rec in records:
        seg = tcp_frames.parse_frame(rec.data, linktype, min_tcp=14)
        if seg is None:
            continue
        src, dst = fmt_addr(seg.src), fmt_addr(seg.dst)
        yield rec.t, (src, seg.sport), (dst, seg.dport), seg.seq, seg.flags, seg.payload


def fmt_addr(b):
    return "%d.%d.%d.%d" % tuple(b) if len(b) == 4 else str(ipaddress.IPv6Address(b))


def connections(path):
    conns, order = {}, []
    for t, a, b, seq, flags, payload in packets(path):
        syn, ack, fin, rst = flags & 2, flags & 16, flags & 1, flags & 4
        key = frozenset((a, b))
        c = conns.get(key)
        if syn and not ack and (c is None or c.c2s.fin or c.c2s.rst or c.s2c.rst):
            c = Conn(len(order), a, b, t)  # new connection (also on a reused tuple)
            conns[key] = c
            order.append(c)
        elif c is None:
            c = Conn(len(order), a, b, t)  # no SYN seen: guess by port
            if a[1] == EXEC_PORT:
                c.cli, c.srv = b, a
            conns[key] = c
            order.append(c)
        st = c.c2s if a == c.cli else c.s2c
        if syn:
            st.isn = seq
        if payload:
            st.add(seq, payload)
        st.fin |= bool(fin)
        st.rst |= bool(rst)
    return order


def sessions(path):
    conns = connections(path)
    ctl = [c for c in conns if c.srv[1] == EXEC_PORT]
    others = [c for c in conns if c.srv[1] != EXEC_PORT]
    used = set()
    out = []
    for n, c in enumerate(ctl, 1):
        req = bytes(c.c2s.buf)
        fields = req.split(b"\0", 4)
        complete = len(fields) == 5
        while len(fields) < 5:
            fields.append(b"")
        port, user, pw, cmd, stdin = fields
        if not complete:
            stdin = b""
        req_len = len(req) - len(stdin)
        req_segs = [ln for off, ln in sorted(c.c2s.segs) if off < req_len]
        rep = bytes(c.s2c.buf)
        if not rep and not c.s2c.fin:
            # no reply and no FIN: reset or never closed (e.g. a port scan's
            # SYN, SYN/ACK, RST: the daemon was never started)
            outcome, stdout = "none", b""
        elif not rep:
            outcome, stdout = "closed-without-reply", b""
        elif rep[0] == 0 and rep[1:2] == b"\x01" and rep.count(b"\n") == 1 and rep.endswith(b"\n"):
            # Debian's daemon sends 0x00 before chdir(home); if that fails the
            # 0x01 message follows the 0x00
            outcome, stdout = "error-after-success:" + rep[2:-1].decode("utf-8", "replace"), b""
        elif rep[0] == 0:
            outcome, stdout = "success", rep[1:]
        else:
            msg = rep[1:].split(b"\n", 1)[0]
            outcome, stdout = "error:" + msg.decode("utf-8", "replace"), b""
        err = None
        if port.isdigit() and int(port) != 0:
            for o in others:
                if (o.idx not in used and o.t >= c.t and o.cli[0] == c.srv[0]
                        and o.srv == (c.cli[0], int(port))):
                    err = o
                    used.add(o.idx)
                    break
        out.append({
            "session": n, "conn": c, "client": "%s:%d" % (c.cli[0], c.cli[1]) if ":" not in c.cli[0]
            else "[%s]:%d" % c.cli,
            "port": port, "user": user, "password": pw, "command": cmd, "complete": complete,
            "stdin": stdin, "req_segs": req_segs, "outcome": outcome, "stdout": stdout, "reply": rep,
            # the daemon opened the stderr connection: its c2s is daemon -> client
            "stderr": bytes(err.c2s.buf) if err else b"",
            "signals": bytes(err.s2c.buf) if err else b"",
            "stderr_conn": err,
        })
    return out


def esc(b):
    s = b.decode("utf-8", "backslashreplace")
    return s.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t").replace("\r", "\\r")


def cmd_field(cmd):
    if len(cmd) > LONG_CMD:
        return "sha256:%s/len:%d" % (hashlib.sha256(cmd).hexdigest(), len(cmd))
    return esc(cmd)


def row(name, s):
    return [name, s["port"].decode("ascii", "replace"), esc(s["user"]), esc(s["password"]),
            cmd_field(s["command"]), s["outcome"], str(s["session"]), s["client"],
            str(len(s["stdin"])), str(len(s["stdout"])), str(len(s["stderr"])),
            ",".join(str(x) for x in s["signals"]), str(len(s["req_segs"]))]


def read_expect(path):
    """Records of 7 fields; the last, the number of sessions the record
    stands for, as (min, max)."""
    with open(path, "rb") as f:
        parts = f.read().split(b"\0")
    if len(parts) % 7 != 1 or parts[-1]:
        raise SystemExit("%s: not records of 7 NUL-terminated fields" % path)
    out = []
    for i in range(0, len(parts) - 1, 7):
        count = parts[i + 6].decode()
        lo, _, hi = count.partition("-")
        if not lo.isdigit() or (hi and not hi.isdigit()) or int(hi or lo) < int(lo):
            raise SystemExit("%s: bad session count %r" % (path, count))
        out.append(parts[i:i + 6] + [(int(lo), int(hi or lo))])
    return out


def pair(ss, exp):
    """Pairs each session with an expectation record: by (user, password,
    command), so sessions whose SYNs race still match; among sessions with the
    same strings by SYN order, each record taking at least its minimum and
    at most its maximum, as many as it can.  Returns (pairs, errors)."""
    errs, pairs = [], []
    groups = {}
    for s in ss:
        groups.setdefault((s["user"], s["password"], s["command"]), []).append(s)
    records = {}
    for e in exp:
        records.setdefault(tuple(e[1:4]), []).append(e)
    for key, recs in records.items():
        sess = groups.pop(key, [])
        need = sum(e[6][0] for e in recs)
        if len(sess) < need:
            errs.append("%d session(s) of user %r password %r command %r, expected %s"
                        % (len(sess), key[0], key[1], key[2][:80],
                           " + ".join("%d-%d" % e[6] if e[6][0] != e[6][1] else str(e[6][0])
                                      for e in recs)))
        pos = 0
        for i, e in enumerate(recs):
            later = sum(r[6][0] for r in recs[i + 1:])   # what the next records need
            take = max(e[6][0], min(e[6][1], len(sess) - pos - later))
            pairs += [(s, e) for s in sess[pos:pos + take]]
            pos += take
        for s in sess[pos:]:
            errs.append("session %d: one more session of user %r password %r command %r than expected"
                        % (s["session"], key[0], key[1], key[2][:80]))
    for key, sess in groups.items():
        for s in sess:
            errs.append("session %d: unexpected: user %r password %r command %r"
                        % (s["session"], key[0], key[1], key[2][:80]))
    return pairs, errs


def check(ss, exp):
    pairs, errs = pair(ss, exp)
    for s, (port, user, pw, cmd, outcome, segs, _count) in pairs:
        n = s["session"]
        if port == b"*":
            if not (s["port"].isdigit() and int(s["port"]) > 0):
                errs.append("session %d: port %r, expected a port number" % (n, s["port"]))
        elif s["port"] != port:
            errs.append("session %d: port %r, expected %r" % (n, s["port"], port))
        for what, got, want in (("user", s["user"], user), ("password", s["password"], pw),
                                ("command", s["command"], cmd)):
            if got != want:
                errs.append("session %d: %s %r, expected %r" % (n, what, got[:80], want[:80]))
        if s["outcome"] != outcome.decode():
            errs.append("session %d: outcome %r, expected %r" % (n, s["outcome"], outcome.decode()))
        if segs != b"*" and len(s["req_segs"]) != int(segs):
            errs.append("session %d: request in %d segments, expected %s"
                        % (n, len(s["req_segs"]), segs.decode()))
        if s["port"].isdigit() and int(s["port"]) and s["outcome"].startswith("success") \
                and s["complete"] and not s["stderr_conn"]:
            errs.append("session %d: no stderr connection to port %s" % (n, s["port"].decode()))
    return errs


def show(path):
    print("== %s" % path)
    for s in sessions(path):
        c = s["conn"]
        print("  session %d  %s -> %s:%d" % (s["session"], s["client"], c.srv[0], c.srv[1]))
        print("    port=%r user=%r password=%r" % (s["port"], s["user"], s["password"]))
        cmd = s["command"]
        print("    command (%d bytes)=%r%s" % (len(cmd), cmd[:120], "..." if len(cmd) > 120 else ""))
        print("    outcome=%s reply=%r%s" % (s["outcome"], s["reply"][:60],
                                            "..." if len(s["reply"]) > 60 else ""))
        print("    request in %d segment(s) of %s bytes" % (len(s["req_segs"]), s["req_segs"]))
        print("    stdin=%r stdout=%d bytes stderr=%r signals=%r" % (
            s["stdin"][:60], len(s["stdout"]), s["stderr"][:80], list(s["signals"])))
        print("    control end: client %s, server %s" % (
            "RST" if c.c2s.rst else "FIN" if c.c2s.fin else "open",
            "RST" if c.s2c.rst else "FIN" if c.s2c.fin else "open"))
        e = s["stderr_conn"]
        if e:
            print("    stderr conn %s:%d -> %s:%d" % (e.cli + e.srv))


def main(argv):
    if len(argv) >= 2 and argv[0] == "show":
        for p in argv[1:]:
            show(p)
        return 0
    if argv and argv[0] == "tsv":
        name, expect, rest = None, None, argv[1:]
        while rest and rest[0].startswith("--"):
            if rest[0] == "--name":
                name, rest = rest[1], rest[2:]
            elif rest[0] == "--expect":
                expect, rest = rest[1], rest[2:]
            else:
                raise SystemExit("unknown option " + rest[0])
        if not name or len(rest) != 1:
            raise SystemExit(__doc__)
        ss = sessions(rest[0])
        for s in ss:
            print("\t".join(row(name, s)))
        if expect:
            errs = check(ss, read_expect(expect))
            for e in errs:
                sys.stderr.write("%s: %s\n" % (name, e))
            return 1 if errs else 0
        return 0
    if argv and argv[0] == "merge" and len(argv) >= 4 and argv[1] == "--order":
        order, out, rowfiles = argv[2].split(","), argv[3], argv[4:]
        rows = {}
        try:
            with open(out, encoding="utf-8") as f:
                for line in f.read().splitlines()[1:]:
                    if line:
                        rows.setdefault(line.split("\t", 1)[0], []).append(line)
        except FileNotFoundError:
            pass
        fresh = {}
        for rf in rowfiles:
            with open(rf, encoding="utf-8") as f:
                for line in f.read().splitlines():
                    if line:
                        fresh.setdefault(line.split("\t", 1)[0], []).append(line)
        rows.update(fresh)
        with open(out, "w", encoding="utf-8") as f:
            f.write("\t".join(HEADER) + "\n")
            for n in order:  # rows of names no longer in the list are dropped
                for line in rows.get(n, []):
                    f.write(line + "\n")
        return 0
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
