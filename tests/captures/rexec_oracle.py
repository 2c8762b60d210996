"""An independent reading of rexec sessions in a capture, for the tests.

It rebuilds each direction of every TCP connection to the exec port from the
raw segments (sequence numbers, first copy of each byte wins), with Wireshark
decoding the port as plain data, and splits the streams the way the daemon
reads them: four NUL-terminated strings, then stdin; a status byte, then an
error line or stdout.  It records the frame that carried the last byte of
each field, which is where the dissector must show it.  It shares no code
with the dissector.
"""
from dataclasses import dataclass, field
from typing import Dict, List, Optional

from tshark_run import fields

EXEC_PORT = 512
HANDSHAKE = ("stderr_port", "username", "password", "command")


@dataclass
class Direction:
    isn: Optional[int] = None          # seq of the SYN, when captured
    first_seq: Optional[int] = None
    bytes_at: Dict[int, int] = field(default_factory=dict)     # offset -> byte
    frame_at: Dict[int, int] = field(default_factory=dict)     # offset -> frame
    fin_frame: Optional[int] = None
    ack_at: Dict[int, int] = field(default_factory=dict)       # frame -> its TCP ack (payload frames)
    first_payload: Optional[tuple] = None                       # (frame, seq, ack)
    rst_frame: Optional[int] = None
    # Frames whose segment starts past everything seen before (a hole on the
    # wire), and frames that carry a byte already seen (a retransmission).
    hole_frames: List[int] = field(default_factory=list)
    repeat_frames: List[int] = field(default_factory=list)

    def add(self, frame, seq, payload):
        if self.first_seq is None:
            self.first_seq = seq
        base = (self.isn + 1) if self.isn is not None else self.first_seq
        start = (seq - base) % (1 << 32)
        seen_to = max(self.bytes_at) + 1 if self.bytes_at else 0
        if payload and start > seen_to:
            self.hole_frames.append(frame)
        if any(start + i in self.bytes_at for i in range(len(payload))):
            self.repeat_frames.append(frame)
        for i, b in enumerate(payload):
            if start + i not in self.bytes_at:
                self.bytes_at[start + i] = b
                self.frame_at[start + i] = frame

    def sees(self, frame, seq, fin=False):
        """A segment of this direction without payload (or the other
        direction's acknowledgement, fin: it covers this direction's FIN)
        that reaches past every byte seen: bytes of it were never captured."""
        if self.isn is None:
            return
        reach = (seq - (self.isn + 1)) % (1 << 32)
        if reach >= 1 << 31:
            return              # before position 0: the SYN itself
        seen_to = max(self.bytes_at) + 1 if self.bytes_at else 0
        if reach > seen_to + (1 if fin else 0) and frame not in self.hole_frames:
            self.hole_frames.append(frame)

    def complete_at(self, pos):
        """The frame in which every byte up to pos had arrived (where TCP's
        out-of-order reassembly hands them over), or None."""
        if any(p not in self.frame_at for p in range(pos + 1)):
            return None
        return max(self.frame_at[p] for p in range(pos + 1))

    def per_frame(self, start, stop):
        """How many of the bytes at positions start..stop-1 each frame carried."""
        counts: Dict[int, int] = {}
        for pos in range(start, stop):
            counts[self.frame_at[pos]] = counts.get(self.frame_at[pos], 0) + 1
        return counts

    @property
    def clean(self):
        """Every byte once, in order, from the SYN on."""
        return self.isn is not None and not self.hole_frames and not self.repeat_frames

    def contiguous(self):
        """The bytes from position 0 up to the first hole."""
        out = bytearray()
        while len(out) in self.bytes_at:
            out.append(self.bytes_at[len(out)])
        return bytes(out)

    @property
    def complete(self):
        return not self.bytes_at or max(self.bytes_at) + 1 == len(self.contiguous())


@dataclass
class Session:
    stream: int
    client_ip: str = ""
    server_ip: str = ""
    client: Direction = field(default_factory=Direction)
    server: Direction = field(default_factory=Direction)
    # The stderr channel: the server's connection back to the announced port.
    stderr_stream: Optional[int] = None
    stderr_out: Direction = field(default_factory=Direction)    # server -> client: stderr
    stderr_in: Direction = field(default_factory=Direction)     # client -> server: signals
    # Its TCP control segments, in capture order: (frame, from_client, syn, ack, rst).
    stderr_segments: List[tuple] = field(default_factory=list)
    # What the dissector must show, with the frame it belongs to.
    strings: List[tuple] = field(default_factory=list)   # (name, bytes, frame)
    stdin: bytes = b""
    status: Optional[tuple] = None                        # (value, frame)
    error_message: Optional[tuple] = None                 # (bytes, frame)
    stdout: bytes = b""
    closed_without_reply: Optional[int] = None            # frame
    # Where each stream starts is known: from the SYN, or proved without it.
    client_start_proven: bool = False
    server_start_proven: bool = False
    # Where the client's bytes after the command and the server's after the
    # status (stdout) or after the error line (unexpected) start.
    stdin_from: Optional[int] = None
    reply_from: Optional[int] = None
    unexpected_from: Optional[int] = None
    frame_times: Dict[int, str] = field(default_factory=dict)   # frame -> frame.time_epoch
    truncated_frames: List[int] = field(default_factory=list)   # cut by the snaplen

    def analyse(self, others):
        # Without the SYN, positions count from the first captured payload,
        # and no field may be named unless the bytes prove where the stream
        # starts.
        self.client_start_proven = self.client.isn is not None or self._port_connected_back(others)
        self.server_start_proven = self.server.isn is not None or self._server_start_by_acks()
        if self.client_start_proven:
            self._analyse_client()
        if self.server_start_proven:
            self._analyse_server()

    def _port_connected_back(self, others):
        """No SYN: the daemon connects back to the port it parsed from the
        whole port string, so the first captured client string is the port
        (and the stream's first string) when it is digits and the server
        then opens a connection to that port."""
        c = self.client.contiguous()
        nul = c.find(b"\0")
        if not 0 < nul <= 5 or not c[:nul].isdigit() or not 0 < int(c[:nul]) <= 65535:
            return False
        return any(int(rows[0]["tcp.dstport"][0]) == int(c[:nul]) and rows[0]["src"] == self.server_ip
                   and _bool(rows[0]["tcp.flags.syn"]) and int(rows[0]["frame.number"][0]) > self.client.frame_at[nul]
                   for rows in others.values())

    def _server_start_by_acks(self):
        """No SYN/ACK: the daemon sends nothing before it has read the
        command, so its first payload segment starts its stream when it
        acknowledges the end of a client string (a captured NUL) whose
        segment acknowledged that segment's first byte."""
        if self.server.first_payload is None or self.client.first_seq is None:
            return False
        _, seq, ack = self.server.first_payload
        base = (self.client.isn + 1) if self.client.isn is not None else self.client.first_seq
        end = (ack - base) % (1 << 32)
        if self.client.bytes_at.get(end - 1) != 0:
            return False
        return self.client.ack_at.get(self.client.frame_at[end - 1]) == seq

    def _analyse_client(self):
        c = self.client.contiguous()
        pos = 0
        for name in HANDSHAKE:
            nul = c.find(b"\0", pos)
            if nul < 0:
                break
            self.strings.append((name, c[pos:nul], self.client.frame_at[nul]))
            pos = nul + 1
        if len(self.strings) == len(HANDSHAKE):
            self.stdin = c[pos:]
            self.stdin_from = pos

    def _analyse_server(self):
        s = self.server.contiguous()
        if s:
            self.status = (s[0], self.server.frame_at[0])
            if s[0] == 1:
                nl = s.find(b"\n", 1)
                if nl > 0:
                    self.error_message = (s[1:nl], self.server.frame_at[nl])
                    self.unexpected_from = nl + 1
            elif s[0] == 0:
                self.stdout = s[1:]
                self.reply_from = 1
        else:
            # The daemon's first FIN or reset, before any byte.
            closes = [f for f in (self.server.fin_frame, self.server.rst_frame) if f is not None]
            self.closed_without_reply = min(closes) if closes else None

    @property
    def end_frame(self):
        """Where the session ends: the control connection's second FIN, or
        its first reset, whichever comes first."""
        fins = [self.client.fin_frame, self.server.fin_frame]
        if not self.client.bytes_at and not self.server.bytes_at and fins == [None, None]:
            return None         # a connection without a byte or a FIN is no session (a port probe)
        ends = [f for f in (self.client.rst_frame, self.server.rst_frame) if f is not None]
        if None not in fins:
            ends.append(max(fins))
        return min(ends) if ends else None

    @property
    def clean(self):
        """Both connections complete on the wire, each byte once, nothing cut:
        what the dissector must show there follows from the bytes alone."""
        channel = self.stderr_stream is None or (self.stderr_out.clean or not self.stderr_out.bytes_at) and \
            (self.stderr_in.clean or not self.stderr_in.bytes_at)
        return self.client.clean and self.server.clean and channel and not self.truncated_frames

    def completed_frames(self):
        """(field, frame): where each handshake string and the status byte
        became whole and in order on the wire, counting retransmissions that
        fill a hole (what TCP's out-of-order reassembly hands over there)."""
        out = {}
        c, pos = self.client.contiguous(), 0
        for name in HANDSHAKE:
            nul = c.find(b"\0", pos)
            if nul < 0:
                break
            out[name] = self.client.complete_at(nul)
            pos = nul + 1
        if self.server.contiguous():
            out["status"] = self.server.complete_at(0)
        return out

    def daemon_port(self):
        """The port in.rexecd connects back to: it takes every byte of the
        string, a signed char, as a digit, in 16 bits (None: no string)."""
        port = self.get("stderr_port")
        if port is None:
            return None
        value = 0
        for b in port[0]:
            value = (value * 10 + (b - 256 if b > 127 else b) - 0x30) & 0xffff
        return value

    def stderr_port(self):
        """The port the daemon connects back to, or None (no string, or 0:
        no channel)."""
        return self.daemon_port() or None

    def get(self, name):
        for n, value, frame in self.strings:
            if n == name:
                return value, frame
        return None


def _bool(values):
    return bool(values) and values[0] in ("1", "True")


def read_sessions(pcap, port=EXEC_PORT):
    rows = fields(pcap, ["frame.number", "tcp.stream", "ip.src", "ipv6.src", "tcp.srcport",
                         "tcp.dstport", "tcp.seq_raw", "tcp.flags.syn", "tcp.flags.fin",
                         "tcp.flags.ack", "tcp.flags.reset",
                         "data.data", "frame.time_epoch", "frame.len", "frame.cap_len", "tcp.ack_raw"],
                  extra=["--disable-protocol", "exec", "-d", f"tcp.port=={port},data",
                         "-o", "tcp.desegment_tcp_streams:FALSE",
                         # Every segment's bytes, retransmitted and out of order too.
                         "-o", "tcp.no_subdissector_on_error:FALSE"], plugin=False)
    sessions: Dict[int, Session] = {}
    others: Dict[int, list] = {}
    for r in rows:
        if not r["tcp.stream"]:
            continue
        r["src"] = (r["ip.src"] or r["ipv6.src"])[0]
        stream = int(r["tcp.stream"][0])
        src, dst = int(r["tcp.srcport"][0]), int(r["tcp.dstport"][0])
        if port not in (src, dst):
            others.setdefault(stream, []).append(r)
            continue
        sess = sessions.setdefault(stream, Session(stream))
        if dst == port:
            sess.client_ip = r["src"]
        else:
            sess.server_ip = r["src"]
        _add_segment(sess.client if dst == port else sess.server, r)
        _note_frame(sess, r)
        _note_ack(sess.server if dst == port else sess.client, r)
    for sess in sessions.values():
        sess.analyse(others)
        _find_stderr_channel(sess, others)
    return [sessions[k] for k in sorted(sessions)]


def _note_frame(sess, r):
    frame = int(r["frame.number"][0])
    sess.frame_times[frame] = r["frame.time_epoch"][0]
    if int(r["frame.cap_len"][0]) < int(r["frame.len"][0]):
        sess.truncated_frames.append(frame)


def _note_ack(other, r):
    """An acknowledgement of bytes of the other direction never captured."""
    if _bool(r["tcp.flags.ack"]) and not _bool(r["tcp.flags.syn"]) and r["tcp.ack_raw"]:
        other.sees(int(r["frame.number"][0]), int(r["tcp.ack_raw"][0]), fin=other.fin_frame is not None)


def _add_segment(direction, r):
    frame, seq = int(r["frame.number"][0]), int(r["tcp.seq_raw"][0])
    if _bool(r["tcp.flags.syn"]):
        direction.isn = seq
        return
    if r["data.data"]:
        ack = int(r["tcp.ack_raw"][0]) if r.get("tcp.ack_raw") else None
        if direction.first_payload is None:
            direction.first_payload = (frame, seq, ack)
        direction.ack_at[frame] = ack
        direction.add(frame, seq, bytes.fromhex(r["data.data"][0].replace(":", "")))
    else:
        direction.sees(frame, seq, fin=direction.fin_frame is not None)
    if _bool(r["tcp.flags.fin"]) and direction.fin_frame is None:
        direction.fin_frame = frame
    if _bool(r["tcp.flags.reset"]) and direction.rst_frame is None:
        direction.rst_frame = frame


def _find_stderr_channel(sess, others):
    """The first connection from the server to the announced port that
    opens after the announcement."""
    port = sess.stderr_port()
    if port is None:
        return
    announced = sess.get("stderr_port")[1]
    for stream, rows in sorted(others.items()):
        first = rows[0]
        if (int(first["tcp.dstport"][0]) == port and first["src"] == sess.server_ip
                and _bool(first["tcp.flags.syn"]) and int(first["frame.number"][0]) > announced):
            sess.stderr_stream = stream
            for r in rows:
                from_client = int(r["tcp.srcport"][0]) == port
                _add_segment(sess.stderr_in if from_client else sess.stderr_out, r)
                _note_frame(sess, r)
                _note_ack(sess.stderr_out if from_client else sess.stderr_in, r)
                sess.stderr_segments.append((int(r["frame.number"][0]), from_client, _bool(r["tcp.flags.syn"]),
                                             _bool(r["tcp.flags.ack"]), _bool(r["tcp.flags.reset"])))
            return


# ---- What the dissector must show, from the bytes above (issue 17) ----

MAX_NAME_LEN = 15       # in.rexecd's limit for the username and the password
# exec's expert infos that only an impairment calls for (a hole, a
# retransmission, a cut frame, a capture that starts mid-session, TCP
# reassembly off): a clean session has none of them.
IMPAIRMENT_EXPERTS = ("lost", "unidentified", "unknown_phase", "retransmitted", "overlap_conflict",
                      "identified_by_status", "identified_later", "truncated", "string_oversized",
                      "string_partial", "export_incomplete")


def expected_experts(sess):
    """exec's expert infos a clean session calls for: name -> the frames
    that must carry it (an empty set: none may).  A name is left out where
    the bytes leave it open (an error line that never ends)."""
    want = {name: set() for name in IMPAIRMENT_EXPERTS}
    password, username, port = sess.get("password"), sess.get("username"), sess.get("stderr_port")
    want["cleartext_password"] = {password[1]} if password else set()
    long_user = username is not None and len(username[0]) > MAX_NAME_LEN
    want["username_too_long"] = {username[1]} if long_user else set()
    # The daemon's limit is reported once, at the first string over it.
    want["password_too_long"] = ({password[1]} if password and len(password[0]) > MAX_NAME_LEN
                                 and not long_user else set())
    want["stderr_port_not_numeric"] = set()
    want["stderr_port_out_of_range"] = set()
    if port:
        digits = bytes(b for b in port[0] if 0x30 <= b <= 0x39)
        if len(digits) != len(port[0]):
            want["stderr_port_not_numeric"] = {port[1]}
        if digits and int(digits) > 65535:
            want["stderr_port_out_of_range"] = {port[1]}
    want["status_unknown"] = {sess.status[1]} if sess.status and sess.status[0] > 1 else set()
    command = sess.get("command")
    want["early_success"] = ({sess.status[1]} if sess.status and sess.status[0] == 0
                             and (command is None or command[1] > sess.status[1]) else set())
    want["closed_without_reply.expert"] = {sess.closed_without_reply} if sess.closed_without_reply else set()
    server = sess.server.contiguous()
    want["login_failed"] = set()
    want["unexpected_data"] = set()
    if sess.status and sess.status[0] == 1:
        if sess.error_message is None and len(server) > 1:
            del want["login_failed"], want["unexpected_data"]     # a line that never ends
        else:
            # "Error" on the status byte when the line comes later; the line itself.
            if len(server) == 1 or sess.server.frame_at[1] != sess.status[1]:
                want["login_failed"].add(sess.status[1])
            if sess.error_message:
                want["login_failed"].add(sess.error_message[1])
                want["unexpected_data"] = set(sess.server.per_frame(sess.unexpected_from, len(server)))
    elif sess.status and sess.status[0] > 1:
        want["unexpected_data"] = set(sess.server.per_frame(1, len(server)))
    # The channel: the client refuses (a reset before any SYN-ACK); the
    # daemon tries again (another SYN, unanswered); it never connects.
    want["stderr_refused"], want["stderr_unanswered"] = set(), set()
    answered = False
    syns = 0
    for frame, from_client, syn, ack, rst in sess.stderr_segments:
        if syn and ack and from_client:
            answered = True
        elif syn and not from_client and not answered:
            syns += 1
            if syns > 1:
                want["stderr_unanswered"].add(frame)
        elif rst and from_client and not answered and not want["stderr_refused"]:
            want["stderr_refused"].add(frame)
    # Never connected: no SYN-ACK from the client (refused, unanswered or never tried).
    want["stderr_never_connected"] = ({sess.end_frame} if sess.end_frame and sess.stderr_port()
                                      and not answered else set())
    return want


def printable(value: bytes) -> bool:
    return all(0x20 <= b < 0x7f for b in value)


def tshark_text(value: bytes) -> str:
    """A string as Wireshark shows it in a column and tshark -T fields
    prints it: UTF-8, control characters as C escapes, a backslash as it is."""
    out = []
    for ch in value.decode("utf-8", "replace"):
        if ch in "\a\b\f\n\r\t\v":
            out.append("\\" + "abfnrtv"["\a\b\f\n\r\t\v".index(ch)])
        elif ord(ch) < 0x20 or ord(ch) == 0x7f:
            out.append("\\x%02x" % ord(ch))
        else:
            out.append(ch)
    return "".join(out)


def plural(count, what):
    return f"{what} {count} byte{'' if count == 1 else 's'}"


def expected_info(sess):
    """The Info column's fixed parts a clean session calls for: frame ->
    the texts its Info must hold."""
    want: Dict[int, List[str]] = {}

    def put(frame, text):
        want.setdefault(frame, []).append(text)
    port, username, command = sess.get("stderr_port"), sess.get("username"), sess.get("command")
    if port:
        put(port[1], f"Stderr port {sess.daemon_port()}" if sess.daemon_port() else "No stderr channel")
    if username and printable(username[0]):
        put(username[1], "Login " + username[0].decode())
    if command:
        put(command[1], "Command: " + tshark_text(command[0]))
    if sess.status:
        byte, frame = sess.status
        # An error line in the status byte's segment says "Error: ..." itself.
        if not (byte == 1 and sess.error_message and sess.error_message[1] == frame):
            put(frame, {0: "Success", 1: "Error"}.get(byte, f"Unknown status {byte}"))
    if sess.error_message and printable(sess.error_message[0]):
        put(sess.error_message[1], "Error: " + sess.error_message[0].decode())
    if sess.stdin_from is not None:
        for frame, count in sess.client.per_frame(sess.stdin_from, sess.stdin_from + len(sess.stdin)).items():
            put(frame, plural(count, "stdin"))
    if sess.reply_from is not None:
        for frame, count in sess.server.per_frame(1, 1 + len(sess.stdout)).items():
            put(frame, plural(count, "stdout"))
    stderr = sess.stderr_out.contiguous()
    for frame, count in sess.stderr_out.per_frame(0, len(stderr)).items():
        put(frame, plural(count, "stderr"))
    for frame in sess.stderr_in.per_frame(0, len(sess.stderr_in.contiguous())):
        put(frame, "Signal")
    if sess.closed_without_reply:
        put(sess.closed_without_reply, "Closed without reply")
    if sess.end_frame:
        put(sess.end_frame, "Session end: stdin %d, stdout %d, stderr %d bytes"
            % (len(sess.stdin), len(sess.stdout), len(stderr)))
    return want
