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

    def add(self, frame, seq, payload):
        if self.first_seq is None:
            self.first_seq = seq
        base = (self.isn + 1) if self.isn is not None else self.first_seq
        start = (seq - base) % (1 << 32)
        for i, b in enumerate(payload):
            if start + i not in self.bytes_at:
                self.bytes_at[start + i] = b
                self.frame_at[start + i] = frame

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

    def _analyse_server(self):
        s = self.server.contiguous()
        if s:
            self.status = (s[0], self.server.frame_at[0])
            if s[0] == 1:
                nl = s.find(b"\n", 1)
                if nl > 0:
                    self.error_message = (s[1:nl], self.server.frame_at[nl])
            elif s[0] == 0:
                self.stdout = s[1:]
        elif self.server.fin_frame is not None:
            self.closed_without_reply = self.server.fin_frame

    @property
    def end_frame(self):
        """The control connection's second FIN, where the session ends."""
        fins = [self.client.fin_frame, self.server.fin_frame]
        return max(fins) if None not in fins else None

    def stderr_port(self):
        port = self.get("stderr_port")
        if not port or not port[0].isdigit() or int(port[0]) in (0,) or int(port[0]) > 65535:
            return None
        return int(port[0])

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
                         "tcp.flags.ack", "tcp.flags.reset", "tcp.ack_raw",
                         "data.data"],
                  extra=["--disable-protocol", "exec", "-d", f"tcp.port=={port},data",
                         "-o", "tcp.desegment_tcp_streams:FALSE"], plugin=False)
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
    for sess in sessions.values():
        sess.analyse(others)
        _find_stderr_channel(sess, others)
    return [sessions[k] for k in sorted(sessions)]


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
    if _bool(r["tcp.flags.fin"]) and direction.fin_frame is None:
        direction.fin_frame = frame


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
                sess.stderr_segments.append((int(r["frame.number"][0]), from_client, _bool(r["tcp.flags.syn"]),
                                             _bool(r["tcp.flags.ack"]), _bool(r["tcp.flags.reset"])))
            return
