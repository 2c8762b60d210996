"""Classic pcap files and the Ethernet/IP/TCP headers of their frames, read
without Wireshark: the one reader the test tools share (test-captures/tools,
tests/impaired), and the TCP header and option parser of the user-space
link (tests/impaired/lossy-link.py).

  read_pcap(path)            -> (linktype, [Record])
  parse_frame(frame, linktype=ETHERNET, min_tcp=20) -> Segment or None
  tcp_options(options)       -> (kind, length, value) per option
  tcp_timestamp(options)     -> TSval or None

Import it with sys.path pointing at this folder.
"""
import struct

ETHERNET, RAW_IP, RAW_IP_OPENBSD, LINUX_COOKED = 1, 101, 12, 113
LINKTYPES = (ETHERNET, RAW_IP, RAW_IP_OPENBSD, LINUX_COOKED)
FIN, SYN, RST, PSH, ACK = 0x01, 0x02, 0x04, 0x08, 0x10

_LITTLE = (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")
_BIG = (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d")
_NANOSECONDS = (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")


class Record:
    """One frame of a pcap file: its number (from 1), time, bytes as
    captured and length on the wire."""
    __slots__ = ("num", "t", "data", "origlen")

    def __init__(self, num, t, data, origlen):
        self.num, self.t, self.data, self.origlen = num, t, data, origlen

    @property
    def caplen(self):
        return len(self.data)


def read_pcap(path):
    """The link type and the records of a classic pcap file (either byte
    order, micro- or nanosecond times); SystemExit for anything else."""
    with open(path, "rb") as f:
        raw = f.read()
    magic = raw[:4]
    if magic in _LITTLE:
        endian = "<"
    elif magic in _BIG:
        endian = ">"
    else:
        raise SystemExit("%s: not a pcap file (pcapng is not supported)" % path)
    scale = 1e9 if magic in _NANOSECONDS else 1e6
    linktype = struct.unpack(endian + "I", raw[20:24])[0]
    records, pos = [], 24
    while pos + 16 <= len(raw):
        sec, frac, incl, orig = struct.unpack(endian + "IIII", raw[pos:pos + 16])
        records.append(Record(len(records) + 1, sec + frac / scale, raw[pos + 16:pos + 16 + incl], orig))
        pos += 16 + incl
    return linktype, records


class Segment:
    """A TCP segment's headers, as far as the frame holds them.  src and dst
    are the raw addresses (4 or 16 bytes); payload is what was captured,
    plen what the IP header says; trailer counts bytes after the IP packet
    (Ethernet padding).  Attributes: fam (4, 6), src, dst, sport, dport,
    seq, ack, flags, hlen, plen, payload, ipid (None for IPv6), tsval,
    trailer; the tools add their own (the frame's number, its time)."""


def _ip_packet(frame, linktype):
    """(ethertype, IP packet) of a frame, or None."""
    if linktype == ETHERNET:
        if len(frame) < 14:
            return None
        etype, off = struct.unpack("!H", frame[12:14])[0], 14
        if etype == 0x8100 and len(frame) >= 18:    # a VLAN tag
            etype, off = struct.unpack("!H", frame[16:18])[0], 18
        return etype, frame[off:]
    if linktype == LINUX_COOKED:
        if len(frame) < 16:
            return None
        return struct.unpack("!H", frame[14:16])[0], frame[16:]
    if linktype in (RAW_IP, RAW_IP_OPENBSD):
        if not frame:
            return None
        return (0x86DD if frame[0] >> 4 == 6 else 0x0800), frame
    return None


def parse_frame(frame, linktype=ETHERNET, min_tcp=20):
    """The TCP segment in a frame, or None for anything else.  min_tcp: the
    TCP bytes the frame must hold (14 reaches the flags: a frame cut by the
    snaplen after them still parses)."""
    found = _ip_packet(frame, linktype)
    if found is None:
        return None
    etype, ip = found
    if etype == 0x0800:
        if len(ip) < 20 or ip[9] != 6:
            return None
        tcp_off = (ip[0] & 0x0F) * 4
        ip_end = struct.unpack("!H", ip[2:4])[0]
        ipid = struct.unpack("!H", ip[4:6])[0]
        src, dst, fam = ip[12:16], ip[16:20], 4
    elif etype == 0x86DD:
        if len(ip) < 40:
            return None
        nxt = ip[6]
        src, dst, fam, ipid = ip[8:24], ip[24:40], 6, None
        tcp_off, ip_end = 40, 40 + struct.unpack("!H", ip[4:6])[0]
        while nxt in (0, 43, 60) and tcp_off + 8 <= ip_end:   # hop-by-hop, routing, destination
            nxt, tcp_off = ip[tcp_off], tcp_off + (ip[tcp_off + 1] + 1) * 8
        if nxt != 6:
            return None
    else:
        return None
    tcp = ip[tcp_off:ip_end]
    if len(tcp) < max(min_tcp, 14):
        return None
    seg = Segment()
    seg.fam, seg.src, seg.dst, seg.ipid = fam, bytes(src), bytes(dst), ipid
    seg.sport, seg.dport, seg.seq, seg.ack = struct.unpack("!HHII", tcp[:12])
    seg.hlen = (tcp[12] >> 4) * 4
    seg.flags = tcp[13]
    seg.plen = max(0, (ip_end - tcp_off) - seg.hlen)
    seg.payload = bytes(tcp[seg.hlen:])
    seg.tsval = tcp_timestamp(tcp[20:seg.hlen])
    seg.trailer = len(ip) - ip_end
    return seg


def tcp_options(options):
    """(kind, length, value) for each TCP option, up to the end-of-list
    option or the first malformed length; value is what the bytes hold of
    it (shorter than length - 2 when the snaplen cut it)."""
    i = 0
    while i < len(options):
        kind = options[i]
        if kind == 0:
            return
        if kind == 1:
            i += 1
            continue
        if i + 1 >= len(options) or options[i + 1] < 2:
            return
        yield kind, options[i + 1], bytes(options[i + 2:i + options[i + 1]])
        i += options[i + 1]


def tcp_timestamp(options):
    """The TSval of a timestamps option (kind 8), or None."""
    for kind, length, value in tcp_options(options):
        if kind == 8 and length == 10 and len(value) >= 4:
            return struct.unpack("!I", value[:4])[0]
    return None
