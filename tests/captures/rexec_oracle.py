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
    client: Direction = field(default_factory=Direction)
    server: Direction = field(default_factory=Direction)
    # What the dissector must show, with the frame it belongs to.
    strings: List[tuple] = field(default_factory=list)   # (name, bytes, frame)
    stdin: bytes = b""
    status: Optional[tuple] = None                        # (value, frame)
    error_message: Optional[tuple] = None                 # (bytes, frame)
    stdout: bytes = b""
    closed_without_reply: Optional[int] = None            # frame

    def analyse(self):
        # Without the SYN, where the handshake starts is unknown: no field
        # may be named from those bytes.
        if self.client.isn is not None:
            self._analyse_client()
        if self.server.isn is not None:
            self._analyse_server()

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

    def get(self, name):
        for n, value, frame in self.strings:
            if n == name:
                return value, frame
        return None


def read_sessions(pcap, port=EXEC_PORT):
    rows = fields(pcap, ["frame.number", "tcp.stream", "tcp.srcport", "tcp.dstport",
                         "tcp.seq_raw", "tcp.flags.syn", "tcp.flags.fin", "data.data"],
                  extra=["--disable-protocol", "exec", "-d", f"tcp.port=={port},data",
                         "-o", "tcp.desegment_tcp_streams:FALSE"], plugin=False)
    sessions: Dict[int, Session] = {}
    for r in rows:
        if not r["tcp.stream"]:
            continue
        src, dst = int(r["tcp.srcport"][0]), int(r["tcp.dstport"][0])
        if port not in (src, dst):
            continue
        stream = int(r["tcp.stream"][0])
        sess = sessions.setdefault(stream, Session(stream))
        d = sess.client if dst == port else sess.server
        frame, seq = int(r["frame.number"][0]), int(r["tcp.seq_raw"][0])
        if r["tcp.flags.syn"][0] in ("1", "True"):
            d.isn = seq
            continue
        if r["data.data"]:
            d.add(frame, seq, bytes.fromhex(r["data.data"][0].replace(":", "")))
        if r["tcp.flags.fin"][0] in ("1", "True") and d.fin_frame is None:
            d.fin_frame = frame
    for sess in sessions.values():
        sess.analyse()
    return [sessions[k] for k in sorted(sessions)]
