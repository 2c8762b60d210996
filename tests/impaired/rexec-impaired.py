#!/usr/bin/python3
"""rexec-impaired: analyst's view of impaired rexec captures.

Reads pcap files itself (Ethernet, IPv4/IPv6, TCP; truncated frames too),
rebuilds each direction of every exec control connection (TCP 512) from
sequence numbers, and decides per field what an analyst can recover from the
bytes in the capture alone.  tshark is used only to learn the tcp.stream
numbers it gives each connection.

  rexec-impaired.py locate PCAP
        key=value lines (shell-friendly) with the frame numbers of the first
        exec session in a clean capture: syn, synack, port, username,
        password, command (first frame of the command), cmd_frames (all
        frames carrying command bytes), status, stdout (frames after the
        status carrying stdout)
  rexec-impaired.py analyze --name N --truth F [--link-log L --side server|client]
                            [--desc TEXT] --out JSON PCAP
        analyse one capture; F holds what the clients really sent (records of
        5 NUL-terminated fields: port ("*" = any number), user, password,
        command, outcome "success" | "error:<message>"), one record per
        control connection in order of appearance.  A recoverable field whose
        value differs from the truth is a bug in these rules: exit 1.
  rexec-impaired.py verify --link-log L --rx PCAP --tx PCAP
        check that every targeted impairment in L really happened: a dropped
        frame is in the sender-side capture (--tx) but absent at the receiver
        (--rx), where a kernel retransmission of the same bytes is present; a
        duplicated frame is at the receiver twice; a held frame arrives after
        the frame it was held behind; a conflict target is at the receiver
        twice, the second copy with other bytes.  Exit 1 otherwise.
  rexec-impaired.py tsv OUT JSON...          write expected.tsv
  rexec-impaired.py readme README JSON...    rewrite the generated part of README

Rules (the README explains them):
  * client stream origin: known from the SYN (seq+1) or the SYN/ACK (ack);
    server stream origin: known from the SYN/ACK (seq+1).  Otherwise the
    first captured byte is not proven to be the first byte of the session;
    client offsets then count from the first captured client payload, the
    first captured string is the stderr port only when it is digits and the
    server then connected back to that port (and forward runs from there),
    and the first server payload starts the server's stream when it
    acknowledges the end of a captured client string whose segment
    acknowledged its first byte (the daemon sends nothing before).
  * forward: a handshake string is identified when every client byte from
    the origin to its terminating NUL is captured (so the NUL count before it
    is known).
  * backward: when the status byte 0x00 is captured, the ack number of the
    frame that carries it marks the end of the command (the daemon answers
    only after reading the 4th NUL; clients send nothing before the answer).
    Walking back over captured bytes from there identifies the command, then
    the password, ... each one whose delimiting NUL before it is captured.
  * status: the server byte at offset 0.  error_message: the bytes after a
    0x01 status up to and including the first newline, all captured.
Standard library only (and tests/common/tcp_frames.py); run with Debian's
/usr/bin/python3.
"""
import json
import os
import re
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "common"))
import tcp_frames  # noqa: E402
from tcp_frames import ACK, FIN, RST, SYN  # noqa: E402

EXEC_PORT = 512
FIELDS = ["stderr_port", "username", "password", "command"]
MASK = 0xFFFFFFFF
SERVER_KEEP = 1 << 20      # server stream bytes kept per connection


# ------------------------------------------------------------------ pcap
def read_pcap(path):
    """The TCP frames of an Ethernet capture, each a tcp_frames.Segment with
    num, t, caplen and origlen; a frame cut after the TCP flags parses."""
    linktype, records = tcp_frames.read_pcap(path)
    if linktype != tcp_frames.ETHERNET:
        raise SystemExit("%s: link type %d, only Ethernet is supported" % (path, linktype))
    out = []
    for rec in records:
        fr = tcp_frames.parse_frame(rec.data, min_tcp=14)
        if fr is None:
            continue
        fr.num, fr.t, fr.caplen, fr.origlen = rec.num, rec.t, rec.caplen, rec.origlen
        out.append(fr)
    return out


def addr(b):
    return socket.inet_ntop(socket.AF_INET if len(b) == 4 else socket.AF_INET6, b)


# ------------------------------------------------------------------ connections
class Conn:
    def __init__(self, first, client, server):
        self.first = first          # frame number of its first frame
        self.client, self.server = client, server   # (addr bytes, port)
        self.frames = []
        self.isn_syn = None         # client ISN seen in a SYN

    @property
    def is_exec(self):
        return self.server[1] == EXEC_PORT


def connections(frames):
    by_key, out = {}, []
    for f in frames:
        a, b = (f.src, f.sport), (f.dst, f.dport)
        key = (a, b) if a < b else (b, a)
        c = by_key.get(key)
        syn_only = f.flags & SYN and not f.flags & ACK
        if c is not None and syn_only and c.isn_syn is not None and c.isn_syn != f.seq:
            c = None   # a new incarnation of the same 4-tuple
        if c is None:
            if syn_only:
                client, server = a, b
            elif f.flags & SYN:       # SYN/ACK first: its sender is the server
                client, server = b, a
            elif f.dport == EXEC_PORT:
                client, server = a, b
            elif f.sport == EXEC_PORT:
                client, server = b, a
            else:
                client, server = a, b
            c = Conn(f.num, client, server)
            by_key[key] = c
            out.append(c)
        if syn_only and c.isn_syn is None:
            c.isn_syn = f.seq
        c.frames.append(f)
    return out


def tshark_streams(path):
    """frame number -> tcp.stream, as tshark numbers it."""
    r = subprocess.run(["tshark", "-r", path, "-n", "--disable-protocol", "exec",
                        "-T", "fields", "-e", "frame.number", "-e", "tcp.stream"],
                       capture_output=True, text=True, check=True)
    m = {}
    for line in r.stdout.splitlines():
        p = line.split("\t")
        if len(p) == 2 and p[1]:
            m[int(p[0])] = int(p[1])
    return m


# ------------------------------------------------------------------ byte maps
class ByteMap:
    """Captured bytes of one direction, by offset from the stream origin."""

    def __init__(self, limit=None):
        self.b = {}                 # offset -> (byte, first frame number)
        self.limit = limit

    def add(self, off, data, num):
        for i, x in enumerate(data):
            o = off + i
            if self.limit is not None and o >= self.limit:
                break
            if o not in self.b:
                self.b[o] = (x, num)

    def has(self, o):
        return o in self.b

    def get(self, o):
        return self.b[o][0]

    def frame(self, o):
        return self.b[o][1]


def rel(seq, origin):
    r = (seq - origin) & MASK
    return r if r < 0x80000000 else None


class Session:
    """Analyst's reconstruction of one control connection from a frame prefix."""

    def __init__(self, conn, upto=None, server_limit=SERVER_KEEP, others=()):
        fr = [f for f in conn.frames if upto is None or f.num <= upto]
        cl = lambda f: (f.src, f.sport) == conn.client  # noqa: E731
        syn = next((f for f in fr if cl(f) and f.flags & SYN and not f.flags & ACK), None)
        synack = next((f for f in fr if not cl(f) and f.flags & SYN and f.flags & ACK), None)
        self.syn = syn.num if syn else None
        self.synack = synack.num if synack else None
        self.c_origin = (syn.seq + 1) & MASK if syn else (synack.ack if synack else None)
        self.s_origin = (synack.seq + 1) & MASK if synack else None
        # Without either, offsets count from the first captured client
        # payload: right between client bytes, not from the session's start.
        self.c_proven = self.c_origin is not None
        self.s_from_acks = False
        if self.c_origin is None:
            first = next((f for f in fr if cl(f) and f.plen), None)
            self.c_origin = first.seq if first else None
        # Ports the server connected back to (SYN to the client's address),
        # with the frame of the SYN.
        self.connect_backs = {}
        for o in others:
            if o.client[0] == conn.server[0] and o.server[0] == conn.client[0] and o.isn_syn is not None:
                syn_frame = next(f.num for f in o.frames if f.flags & SYN and not f.flags & ACK)
                if upto is None or syn_frame <= upto:
                    self.connect_backs.setdefault(o.server[1], syn_frame)
        self.c = ByteMap()
        self.s = ByteMap(server_limit)
        self.c_cov = set()          # client offsets announced by some frame (captured or not)
        self.c_fin = self.s_fin = self.s_rst = None
        self.c_end = self.s_end = 0  # highest end announced by any frame (plen, not caplen)
        self.status_frame_ack = None
        # The client first: without the SYN/ACK, its bytes prove where the
        # server's stream starts.
        fr = sorted(fr, key=lambda f: not cl(f))
        server_origin_sought = self.s_origin is not None
        for f in fr:
            client = cl(f)
            if not client and not server_origin_sought:
                self.s_origin = self._server_origin_from_acks(fr, cl)
                server_origin_sought = True
            origin = self.c_origin if client else self.s_origin
            if origin is None:
                continue
            o = rel(f.seq, origin)
            if o is None:
                continue
            if client:
                if f.plen:
                    self.c.add(o, f.payload, f.num)
                    self.c_cov.update(range(o, o + f.plen))
                self.c_end = max(self.c_end, o + f.plen)
                if f.flags & FIN and self.c_fin is None:
                    self.c_fin = o + f.plen
            else:
                if f.plen:
                    if o == 0 and f.payload and self.status_frame_ack is None and f.flags & ACK:
                        self.status_frame_ack = f.ack
                    self.s.add(o, f.payload, f.num)
                self.s_end = max(self.s_end, o + f.plen)
                if f.flags & FIN and self.s_fin is None:
                    self.s_fin = o + f.plen
                if f.flags & RST and self.s_rst is None:
                    self.s_rst = o
        self.fields = {}            # name -> (value bytes, start, end(NUL offset), frame)
        self.reasons = {}
        self._handshake()

    def _server_origin_from_acks(self, fr, cl):
        """No SYN/ACK: the daemon sends nothing before it has read the
        command, so its first payload segment starts its stream when it
        acknowledges the end of a client string (a captured NUL) whose
        segment acknowledged this segment's first byte."""
        first = next((f for f in fr if not cl(f) and f.plen), None)
        if first is None or not first.flags & ACK or self.c_origin is None:
            return None
        end = rel(first.ack, self.c_origin)
        if not end or not self.c.has(end - 1) or self.c.get(end - 1) != 0:
            return None
        carrier = next(f for f in fr if f.num == self.c.frame(end - 1))
        if not carrier.flags & ACK or carrier.ack != first.seq:
            return None
        self.s_from_acks = True
        return first.seq

    # status / error message -------------------------------------------------
    def status(self):
        if self.s_origin is None or not self.s.has(0):
            return None
        return self.s.get(0)

    def anchor(self):
        """Client offset just past the command's NUL, proven by status 0x00."""
        if self.status() != 0 or self.status_frame_ack is None or self.c_origin is None:
            return None
        a = rel(self.status_frame_ack, self.c_origin)
        if a is None or a == 0 or not self.c.has(a - 1) or self.c.get(a - 1) != 0:
            return None
        return a

    def error_message(self):
        if self.status() != 1:
            return None
        out, o = bytearray(), 1
        while self.s.has(o):
            out.append(self.s.get(o))
            if out[-1] == 0x0A:
                return bytes(out), self.s.frame(o)
            o += 1
        if self.s_fin is not None and o == self.s_fin and out:
            return bytes(out), self.s.frame(o - 1)
        return None

    # handshake fields ---------------------------------------------------------
    def _put(self, idx, start, end):
        name = FIELDS[idx]
        val = bytes(self.c.get(o) for o in range(start, end))
        cur = self.fields.get(name)
        if cur is not None and cur[:3] != (val, start, end):
            raise SystemExit("rexec-impaired: forward and backward rules disagree on %s" % name)
        self.fields[name] = (val, start, end, self.c.frame(end))

    def _port_connected_back(self):
        """Without the client's start: the first captured string, when it
        is digits and the server then connected back to that port, is the
        stderr port (the daemon parsed it from the whole string)."""
        nul = next((o for o in range(0, 6) if self.c.has(o) and self.c.get(o) == 0), None)
        if nul is None or nul == 0 or not all(self.c.has(o) for o in range(nul)):
            return False
        digits = bytes(self.c.get(o) for o in range(nul))
        if not re.fullmatch(rb"[0-9]+", digits) or not 0 < int(digits) <= 65535:
            return False
        syn_frame = self.connect_backs.get(int(digits))
        return syn_frame is not None and syn_frame > self.c.frame(nul)

    def _handshake(self):
        if self.c_origin is None:
            return
        # forward from the origin
        start, idx, o = 0, 0, 0
        if not self.c_proven and not self._port_connected_back():
            idx = 4
        while idx < 4 and self.c.has(o):
            if self.c.get(o) == 0:
                self._put(idx, start, o)
                idx, start = idx + 1, o + 1
            o += 1
        # backward from the status byte's ack
        a = self.anchor()
        if a is None:
            return
        end, idx, o = a - 1, 3, a - 2
        while idx >= 0:
            if o < 0:                   # reached the origin: this is the first string
                if idx == 0 and self.c_proven:
                    self._put(0, 0, end)
                break
            if not self.c.has(o):
                break
            if self.c.get(o) == 0:
                self._put(idx, o + 1, end)
                idx, end = idx - 1, o
            o -= 1


# ------------------------------------------------------------------ truth
def read_truth(path):
    with open(path, "rb") as f:
        parts = f.read().split(b"\0")
    recs = []
    for i in range(0, len(parts) - 1, 5):
        port, user, pw, cmd, outcome = parts[i:i + 5]
        recs.append({"port": port, "user": user, "pass": pw, "cmd": cmd, "outcome": outcome.decode()})
    return recs


def esc(b):
    out = []
    for x in b:
        c = chr(x)
        if c == "\\":
            out.append("\\\\")
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif 32 <= x < 127:
            out.append(c)
        else:
            out.append("\\x%02x" % x)
    return "".join(out)


def short(s, n=40):
    return s if len(s) <= n else s[:n - 12] + "..." + s[-9:]


# ------------------------------------------------------------------ link log
def read_link_log(path):
    rows = []
    if not path or not os.path.exists(path):
        return rows
    with open(path) as f:
        head = f.readline().rstrip("\n").split("\t")
        for line in f:
            r = dict(zip(head, line.rstrip("\n").split("\t")))
            for k in ("sport", "dport", "seq", "len", "retrans"):
                r[k] = int(r[k])
            r["ipid"] = int(r["ipid"]) if r["ipid"] else None
            r["tsval"] = int(r["tsval"]) if r["tsval"] else None
            rows.append(r)
    return rows


def fkey(f):
    return (f.sport, f.dport, f.seq, f.plen, f.ipid, f.tsval)


def lkey(r):
    return (r["sport"], r["dport"], r["seq"], r["len"], r["ipid"], r["tsval"])


def conflicts(c, s):
    """Frames that carry other bytes than the first copy at the positions of
    a recovered handshake string, the status byte or the error line: one row
    per frame and field, at the first differing offset."""
    spans = [(name, start, end + 1, s.c) for name, (_, start, end, _) in s.fields.items()]
    if s.status() is not None:
        spans.append(("status", 0, 1, s.s))
        em = s.error_message()
        if em is not None:
            spans.append(("error_message", 1, 1 + len(em[0]), s.s))
    rows = []
    for f in c.frames:
        client = (f.src, f.sport) == c.client
        origin = s.c_origin if client else s.s_origin
        o = rel(f.seq, origin) if origin is not None and f.payload else None
        if o is None:
            continue
        for name, start, end, kept in spans:
            if (kept is s.c) != client:
                continue
            differ = [p for p in range(max(start, o), min(end, o + len(f.payload)))
                      if kept.has(p) and kept.frame(p) != f.num and kept.get(p) != f.payload[p - o]]
            if differ:
                rows.append({"field": "retransmission_conflict", "value": "%s at %d" % (name, differ[0]),
                             "frame": f.num, "identified": f.num,
                             "why": "frame %d repeats %s's bytes %d..%d with other bytes than frame %d"
                                    % (f.num, name, start, end - 1, kept.frame(differ[0]))})
    return rows


# ------------------------------------------------------------------ analyze
def analyze(args):
    name, pcap = args["name"], args["pcap"]
    frames = read_pcap(pcap)
    conns = connections(frames)
    streams = tshark_streams(pcap)
    truth = read_truth(args["truth"])
    execs = [c for c in conns if c.is_exec]
    if len(execs) != len(truth):
        raise SystemExit("%s: %d exec connections in the capture, %d in the truth file"
                         % (name, len(execs), len(truth)))
    link = read_link_log(args.get("link_log"))
    by_lkey = {}
    for r in link:
        by_lkey.setdefault(lkey(r), []).append(r)
    side = args.get("side")
    errors = []
    sessions = []
    for n, (c, t) in enumerate(zip(execs, truth), 1):
        s = Session(c, others=conns)
        stream = streams.get(c.first)
        layout = truth_layout(t, s, c, conns)
        rows = []
        for i, fname in enumerate(FIELDS):
            if fname in s.fields:
                val, start, end, fr = s.fields[fname]
                want = layout["values"][i]
                if want is not None and val != want:
                    errors.append("%s stream %s: %s recovered as %r, truth %r" % (name, stream, fname, val, want))
                if want is None and not re.fullmatch(rb"[0-9]+", val):
                    errors.append("%s: port %r is not a number" % (name, val))
                rows.append({"field": fname, "value": esc(val), "frame": fr,
                             "identified": first_identified(c, fname, fr, conns), "why": why_ok(s, fname, start, end)})
            else:
                rows.append({"field": fname, "value": None, "frame": None, "identified": None,
                             "why": why_not(s, i, layout)})
        st = s.status()
        want_status = 0 if t["outcome"] == "success" else 1
        if st is not None:
            if st != want_status:
                errors.append("%s: status %d, truth %d" % (name, st, want_status))
            rows.append({"field": "status", "value": str(st), "frame": s.s.frame(0),
                         "identified": first_identified(c, "status", s.s.frame(0), conns),
                         "why": "server byte 0 (origin from %s)" % (
                             "the acknowledgements: the first server segment acknowledges the end of a "
                             "client string whose segment acknowledged its first byte" if s.s_from_acks
                             else "the SYN/ACK")})
        else:
            rows.append({"field": "status", "value": None, "frame": None, "identified": None,
                         "why": ("no SYN/ACK: server stream start unknown" if s.s_origin is None
                                 else "server byte 0 not captured")})
        if want_status == 1:
            em = s.error_message()
            want_msg = t["outcome"][len("error:"):].encode() + b"\n"
            if em is not None:
                if em[0] != want_msg:
                    errors.append("%s: error message %r, truth %r" % (name, em[0], want_msg))
                rows.append({"field": "error_message", "value": esc(em[0]), "frame": em[1],
                             "identified": first_identified(c, "error_message", em[1], conns),
                             "why": "bytes after status 0x01 up to the newline"})
            else:
                if st is None:
                    why = "status byte not identified"
                elif s.s_end <= 1 and (s.s_fin is not None or s.s_rst is not None):
                    why = ("never sent: the server's %s follows the 0x01 directly (the daemon's close "
                           "with unread input is a RST, which discards the text still queued)"
                           % ("RST" if s.s_rst is not None else "FIN"))
                else:
                    why = "message bytes not all captured"
                rows.append({"field": "error_message", "value": None, "frame": None, "identified": None,
                             "why": why})
        rows += conflicts(c, s)
        data = data_phase(s, st, layout, stderr_bytes(c, conns, layout))
        ev = events(c, s, by_lkey, link, side, layout)
        sessions.append({"stream": stream, "client": "%s:%d" % (addr(c.client[0]), c.client[1]),
                         "server": "%s:%d" % (addr(c.server[0]), c.server[1]),
                         "truth": {"port": ('"%s" (glibc\'s ephemeral port)' % esc(layout["port"]) if t["port"] == b"*"
                                            and layout["port"] is not None else '"%s"' % esc(t["port"])),
                                   "user": esc(t["user"]), "pass": esc(t["pass"]),
                                   "cmd": short(esc(t["cmd"]), 60), "outcome": t["outcome"]},
                         "rows": rows, "data": data, "events": ev})
    others = []
    for c in conns:
        if not c.is_exec:
            others.append({"stream": streams.get(c.first), "first": c.first,
                           "client": "%s:%d" % (addr(c.client[0]), c.client[1]),
                           "server": "%s:%d" % (addr(c.server[0]), c.server[1])})
    out = {"name": name, "file": os.path.basename(pcap), "desc": args.get("desc", ""),
           "side": side, "frames": len(frames), "size": os.path.getsize(pcap),
           "sessions": sessions, "other_connections": others,
           "link_summary": link_summary(link)}
    with open(args["out"], "w") as f:
        json.dump(out, f, indent=1)
    if errors:
        for e in errors:
            sys.stderr.write("rexec-impaired: WRONG: %s\n" % e)
        return 1
    return 0


def truth_layout(t, s, c, conns):
    """True byte layout of the request (for explanations and checks)."""
    port = t["port"]
    if port == b"*":
        port = None
        if "stderr_port" in s.fields:
            port = s.fields["stderr_port"][0]
        else:   # the connect-back goes to the announced port
            for o in conns:
                if not o.is_exec and o.server[0] == c.client[0] and o.first > c.first:
                    port = str(o.server[1]).encode()
                    break
    vals = [None if t["port"] == b"*" else port, t["user"], t["pass"], t["cmd"]]
    strs = [port, t["user"], t["pass"], t["cmd"]]
    offs, o = [], 0
    for x in strs:
        if x is None:
            offs = None
            break
        offs.append((o, o + len(x)))
        o += len(x) + 1
    return {"values": vals, "offsets": offs, "end": o if offs else None, "port": port}


def stderr_bytes(c, conns, layout):
    """Server->client bytes on the stderr connection the daemon opened for c."""
    port = layout["values"][0] if layout["values"][0] is not None else layout.get("port")
    if not port or not port.isdigit() or int(port) == 0:
        return 0
    for o in conns:
        if (not o.is_exec and o.server == (c.client[0], int(port)) and o.client[0] == c.server[0]
                and o.first > c.first):
            return sum(len(f.payload) for f in o.frames if (f.src, f.sport) == o.client)
    return 0


def why_ok(s, fname, start, end):
    if not s.c_proven and "stderr_port" in s.fields:
        return ("no SYN and no SYN/ACK, but the first captured client string holds the port the server "
                "then connected back to; client bytes up to %d captured" % end)
    fwd = s.c_proven and all(s.c.has(o) for o in range(0, end + 1))
    return "all client bytes 0..%d captured" % end if fwd else \
        "counted back from the status byte's ack; bytes %d..%d captured" % (start - 1, end)


def why_not(s, i, layout):
    if not s.c_proven:
        return ("no SYN and no SYN/ACK: the first captured client byte is not proven to be the session's "
                "first, and neither a connection back to the port its first string holds nor a status "
                "0x00 identifies this string")
    offs = layout["offsets"]
    if offs is None:
        return "bytes missing"
    start, end = offs[i]
    missing = [o for o in range(start, end + 1) if not s.c.has(o)]
    if missing:
        tot = end + 1 - start
        cut = [o for o in missing if o in s.c_cov]
        how = ("its frames are cut short (snap length)" if len(cut) == len(missing) else
               "the frame(s) carrying them are not in the capture" if not cut else
               "frames absent or cut short")
        return "%d of its %d bytes (with the NUL) not captured: %s" % (len(missing), tot, how)
    before = [o for o in range(0, start) if not s.c.has(o)]
    if s.anchor() is None:
        return ("bytes present, but %d earlier client bytes are missing (NUL count before it unknown) "
                "and no status byte 0x00 anchors the end of the handshake" % len(before))
    return ("bytes present, but %d earlier client bytes are missing and its delimiting NUL "
            "(offset %d) is not captured: its start is not proven" % (len(before), start - 1))


def data_phase(s, st, layout, errdata):
    """stdout / stdin completeness (README only).  errdata: bytes the command
    wrote on the stderr connection (they prove the command ran, so status 0x00)."""
    res = {}
    proven = st == 0 or (st is None and s.s_origin is not None and errdata > 0)
    if not proven:
        res["stdout"] = "n/a (status 0x01)" if st is not None else "unrecoverable (status unknown)"
    else:
        end = s.s_fin if s.s_fin is not None else s.s_end
        n = end - 1
        miss = sum(1 for o in range(1, end) if not s.s.has(o))
        if n <= 0:
            res["stdout"] = "none sent"
        elif miss == 0:
            res["stdout"] = "recoverable (%d bytes)%s" % (
                n, "" if st == 0 else "; the status byte is missing, but the command's output on the "
                "stderr channel proves the phase")
        else:
            res["stdout"] = "unrecoverable: %d of %d bytes not captured" % (miss, n)
    a = s.anchor()
    hs_end = layout["end"]
    if not s.c_proven:
        res["stdin"] = "unrecoverable (client stream start unknown)"
    else:
        end = s.c_fin if s.c_fin is not None else s.c_end
        base = a if a is not None else hs_end
        if base is None or end <= base:
            res["stdin"] = "none sent" if (base is not None and end <= base) else "unknown"
        else:
            miss = sum(1 for o in range(base, end) if not s.c.has(o))
            if a is None:
                res["stdin"] = "unrecoverable (end of handshake not proven)"
            elif miss:
                res["stdin"] = "unrecoverable: %d of %d bytes not captured" % (miss, end - base)
            else:
                res["stdin"] = "recoverable (%d bytes)" % (end - base)
    return res


def first_identified(c, field, last_frame, conns):
    """Earliest frame number by which the field is identifiable from the
    frames so far (the connection's, or a connection back to the client)."""
    backs = Session(c, others=conns).connect_backs.values()
    nums = sorted({f.num for f in c.frames if f.num >= last_frame} | {n for n in backs if n >= last_frame})
    for n in nums:
        s = Session(c, upto=n, server_limit=4096, others=conns)
        if field in FIELDS and field in s.fields:
            return n
        if field == "status" and s.status() is not None:
            return n
        if field == "error_message" and s.error_message() is not None:
            return n
    return None


def seg_label(layout, side, o, ln):
    if side == "s":
        if o == 0:
            return "status byte" if ln == 1 else "status byte + data"
        return "server data"
    offs = layout["offsets"]
    if offs is None:
        return "client data"
    names = []
    for i, (a, b) in enumerate(offs):
        if o <= b and o + ln > a:
            names.append(FIELDS[i])
    if layout["end"] is not None and o + ln > layout["end"]:
        names.append("stdin")
    return "+".join(names) or "client data"


def events(c, s, by_lkey, link, side, layout):
    """Notable frames of this control connection: impairments and kernel reactions."""
    ev = []
    cl = lambda f: (f.src, f.sport) == c.client  # noqa: E731
    seen = {"c": [], "s": []}
    for f in c.frames:
        d = "c" if cl(f) else "s"
        origin = s.c_origin if d == "c" else s.s_origin
        o = rel(f.seq, origin) if origin is not None else None
        tags = []
        lrows = by_lkey.get(fkey(f), [])
        lr = lrows[0] if lrows else None
        acts = {r["action"] for r in lrows}
        # did the link act on this frame before it reached this capture point?
        upstream = (side == "client") == (d == "s")
        if lr is not None:
            if lr["retrans"]:
                tags.append("kernel retransmission")
            if "conflict" in acts:
                tags.append("sent again with other bytes by the link" if upstream else
                            "sent again with other bytes by the link after this capture point")
            if "dup" in acts:
                tags.append("duplicated by the link" if upstream else
                            "duplicated by the link after this capture point")
            if "released-after" in acts:
                tags.append("held back by the link behind the next frame (reordered)" if upstream else
                            "held back behind the next frame by the link after this capture point")
            elif "released-timeout" in acts or "released-exit" in acts:
                tags.append(("held back by the link until its hold time ran out (nothing followed)" if upstream
                             else "delayed by the link after this capture point"))
            if "drop" in acts:
                tags.append("dropped by the link after this capture point")
        if f.plen and o is not None:
            ivs = seen[d]
            dup = any(a <= o and o + f.plen <= b for a, b in ivs)
            maxend = max((b for a, b in ivs), default=0)
            if not lr and dup:
                tags.append("bytes seen before")
            elif not dup and o < maxend:
                tags.append("arrives after later bytes (fills a hole)")
            elif o > maxend:
                tags.append("hole of %d bytes before it" % (o - maxend))
            ivs.append((o, o + f.plen))
        if tags:
            what = seg_label(layout, d, o, f.plen) if (f.plen and o is not None) else flagname(f.flags)
            ev.append({"frame": f.num, "dir": "c2s" if d == "c" else "s2c", "rel": o, "len": f.plen,
                       "what": what, "tags": tags})
    # link drops whose frame is absent here (dropped before this capture point)
    if link:
        ports = {(c.client[1], c.server[1]), (c.server[1], c.client[1])}
        here = {fkey(f) for f in c.frames}
        for r in link:
            if r["action"] == "drop" and (r["sport"], r["dport"]) in ports and lkey(r) not in here:
                d = "c" if r["sport"] == c.client[1] else "s"
                o = int(r["relseq"]) if r["relseq"] not in ("None", "") else None
                what = seg_label(layout, d, o, r["len"]) if (r["len"] and o is not None) else \
                    "/".join(n for ch, n in (("S", "SYN"), ("A", "ACK"), ("F", "FIN"), ("R", "RST"))
                             if ch in r["flags"])
                ev.append({"frame": None, "dir": r["dir"], "rel": o, "len": r["len"], "what": what,
                           "tags": ["dropped by the link before this capture point (absent)"],
                           "rule": r["rule"]})
    return ev


def flagname(fl):
    return "/".join(n for n, b in (("SYN", SYN), ("ACK", ACK), ("FIN", FIN), ("RST", RST)) if fl & b) or "none"


def link_summary(link):
    if not link:
        return None
    cnt = {}
    for r in link:
        a = r["action"]
        if a in ("drop", "dup", "hold"):
            k = (a, "data" if r["len"] else "no data")
            cnt[k] = cnt.get(k, 0) + 1
    return {"%s (%s)" % k: v for k, v in sorted(cnt.items())}


# ------------------------------------------------------------------ locate
def locate(pcap):
    frames = read_pcap(pcap)
    conns = [c for c in connections(frames) if c.is_exec]
    if not conns:
        raise SystemExit("no exec connection in %s" % pcap)
    c = conns[0]
    s = Session(c)
    if s.c_origin is None or s.s_origin is None or len(s.fields) != 4:
        raise SystemExit("%s: not a clean capture (handshake incomplete)" % pcap)
    out = {"syn": s.syn, "synack": s.synack}
    for name in FIELDS:
        val, start, end, _ = s.fields[name]
        frs = sorted({s.c.frame(o) for o in range(start, end + 1)})
        out[name if name != "stderr_port" else "port"] = frs[0]
        if name == "command":
            out["cmd_frames"] = ",".join(map(str, frs))
        else:
            if len(frs) != 1:
                raise SystemExit("%s: %s spans frames %s (want one segment per string)" % (pcap, name, frs))
    if not s.s.has(0):
        raise SystemExit("%s: no status byte" % pcap)
    out["status"] = s.s.frame(0)
    stf = next(f for f in c.frames if f.num == out["status"])
    if stf.plen != 1:
        raise SystemExit("%s: the status byte shares frame %d with %d other bytes" % (pcap, stf.num, stf.plen - 1))
    stdout = sorted({s.s.frame(o) for o in s.s.b if o > 0})
    out["stdout"] = ",".join(map(str, stdout))
    for k, v in out.items():
        print("%s=%s" % (k, v))
    return 0


# ------------------------------------------------------------------ verify
def verify(link_path, rx_path, tx_path):
    link = read_link_log(link_path)
    rx, tx = read_pcap(rx_path), read_pcap(tx_path)
    rxk = {}
    for f in rx:
        rxk.setdefault(fkey(f), []).append(f.num)
    txk = {}
    for f in tx:
        txk.setdefault(fkey(f), []).append(f.num)
    bad, n = [], 0
    for r in link:
        rule = r["rule"]
        if not rule or rule == "random" or r["action"] == "pass":
            continue
        n += 1
        k = lkey(r)
        label = "%s %s rel seq %s len %d" % (rule, r["dir"], r["relseq"], r["len"])
        if r["action"] == "drop":
            if k in rxk:
                bad.append("%s: dropped frame present at the receiver (frame %s)" % (label, rxk[k]))
            if k not in txk:
                bad.append("%s: dropped frame absent in the sender-side capture" % label)
            re_rx = [f.num for f in rx if (f.sport, f.dport, f.seq, f.plen) == k[:4] and fkey(f) != k]
            re_tx = [f.num for f in tx if (f.sport, f.dport, f.seq, f.plen) == k[:4] and fkey(f) != k]
            if not re_rx:
                bad.append("%s: no retransmission of the same bytes at the receiver" % label)
            print("verify: %s: sender-side frame %s, absent at the receiver; retransmission: receiver frame(s) %s, "
                  "sender frame(s) %s" % (label, txk.get(k), re_rx, re_tx))
        elif r["action"] == "dup":
            got = rxk.get(k, [])
            if len(got) != 2:
                bad.append("%s: %d copies at the receiver, want 2" % (label, len(got)))
            print("verify: %s: receiver frames %s (identical copies)" % (label, got))
        elif r["action"] == "conflict":
            got = [f for f in rx if fkey(f) == k]
            if len(got) != 2 or got[0].payload == got[1].payload or k not in txk:
                bad.append("%s: want the sender's frame at the receiver, then a copy with other bytes" % label)
            print("verify: %s: receiver frames %s (the second with other bytes)" % (label, [f.num for f in got]))
        elif r["action"].startswith("released"):
            got = rxk.get(k, [])
            if len(got) != 1:
                bad.append("%s: %d copies at the receiver, want 1" % (label, len(got)))
                continue
            later = [f.num for f in rx if (f.sport, f.dport) == k[:2] and f.plen and
                     ((f.seq - k[2]) & MASK) < 0x80000000 and f.seq != k[2] and f.num < got[0]]
            if r["action"] != "released-after" or not later:
                bad.append("%s: %s, no later segment arrived before it" % (label, r["action"]))
            print("verify: %s: receiver frame %s, after later segment(s) in frame(s) %s" % (label, got[0], later))
    if n == 0:
        bad.append("no targeted impairment fired")
    for b in bad:
        print("verify: FAILED: " + b)
    return 1 if bad else 0


# ------------------------------------------------------------------ tsv / readme
def write_tsv(out, paths):
    rows = ["capture\ttcp_stream\tfield\texpected\tlast_byte_frame\tidentified_frame"]
    for p in paths:
        with open(p) as f:
            a = json.load(f)
        for s in a["sessions"]:
            for r in s["rows"]:
                rows.append("\t".join([a["file"], str(s["stream"]), r["field"],
                                       "-" if r["value"] is None else r["value"],
                                       "-" if r["frame"] is None else str(r["frame"]),
                                       "-" if r["identified"] is None else str(r["identified"])]))
    tmp = out + ".tmp"
    with open(tmp, "w") as f:
        f.write("\n".join(rows) + "\n")
    os.replace(tmp, out)
    return 0


def md_cell(s):
    return str(s).replace("|", "\\|")


def readme(path, paths):
    parts = []
    for p in paths:
        with open(p) as f:
            a = json.load(f)
        parts.append("### %s\n" % a["file"])
        parts.append("%s  \n%d frames, %d bytes, captured at the %s side.%s" % (
            a["desc"], a["frames"], a["size"], a["side"] or "server",
            ("  \nLink impairments (whole run): %s." % ", ".join("%s %d" % kv for kv in a["link_summary"].items()))
            if a.get("link_summary") else ""))
        for s in a["sessions"]:
            t = s["truth"]
            parts.append("\n**tcp.stream %s** (%s -> %s; sent: port %s, user `%s`, password `%s`, "
                         "command `%s`; outcome %s)\n" % (s["stream"], s["client"], s["server"], t["port"],
                                                         t["user"], t["pass"], md_cell(t["cmd"]), t["outcome"]))
            lines, count = [], {}
            for e in s["events"]:
                where = "frame %s" % e["frame"] if e["frame"] else "not in this file"
                pos = ("rel seq %s, %d bytes" % (e["rel"], e["len"])) if e["len"] else \
                    ("rel seq %s" % e["rel"] if e["rel"] is not None else "")
                line = "- %s: %s %s%s: %s" % (where, e["dir"], e["what"], " (%s)" % pos if pos else "",
                                             "; ".join(e["tags"]))
                if line not in count:
                    lines.append(line)
                count[line] = count.get(line, 0) + 1
            for line in lines:
                parts.append(line + (" (%d times)" % count[line] if count[line] > 1 else ""))
            parts.append("\n| field | analyst | value | last byte in frame | identified at frame | why |")
            parts.append("| --- | --- | --- | --- | --- | --- |")
            for r in s["rows"]:
                ok = r["value"] is not None
                parts.append("| %s | %s | %s | %s | %s | %s |" % (
                    r["field"], "recoverable" if ok else "unrecoverable",
                    "`%s`" % md_cell(short(r["value"], 50)) if ok else "-",
                    r["frame"] or "-", r["identified"] or "-", md_cell(r["why"])))
            for k, v in s["data"].items():
                parts.append("| %s | %s | | | | |" % (k, md_cell(v)))
        parts.append("")
    gen = "\n".join(parts)
    with open(path) as f:
        text = f.read()
    b, e = "<!-- BEGIN GENERATED -->", "<!-- END GENERATED -->"
    if b not in text or e not in text:
        raise SystemExit("%s: markers missing" % path)
    text = text[:text.index(b) + len(b)] + "\n" + gen + "\n" + text[text.index(e):]
    with open(path + ".tmp", "w") as f:
        f.write(text)
    os.replace(path + ".tmp", path)
    return 0


def main(argv):
    if len(argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    cmd, rest = argv[1], argv[2:]
    if cmd == "locate" and len(rest) == 1:
        return locate(rest[0])
    if cmd == "analyze":
        args, i = {}, 0
        while i < len(rest):
            k = rest[i]
            if k in ("--name", "--truth", "--link-log", "--side", "--desc", "--out"):
                args[k[2:].replace("-", "_")] = rest[i + 1]
                i += 2
            else:
                args["pcap"] = k
                i += 1
        for k in ("name", "truth", "out", "pcap"):
            if k not in args:
                raise SystemExit("analyze: --%s missing" % k)
        return analyze(args)
    if cmd == "verify":
        args, i = {}, 0
        while i < len(rest):
            args[rest[i][2:].replace("-", "_")] = rest[i + 1]
            i += 2
        return verify(args["link_log"], args["rx"], args["tx"])
    if cmd == "tsv" and len(rest) >= 1:
        return write_tsv(rest[0], rest[1:])
    if cmd == "readme" and len(rest) >= 1:
        return readme(rest[0], rest[1:])
    sys.stderr.write(__doc__)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
