#!/usr/bin/python3
"""Writes deterministic pcap files of realistic rexec (TCP 512) traffic for the benchmark.

  gen-captures.py --frames N --out FILE [--seed S]     many interleaved sessions
  gen-captures.py --long-session SEGMENTS --out FILE    one session, SEGMENTS stdout segments
  gen-captures.py --dense SESSIONS --shape SHAPE --out FILE   brute force: short sessions

Classic pcap, Ethernet/IPv4/TCP with correct lengths (checksums zero).  Sessions follow the
clients and daemon described in shared/docs/exec-protocol.md: glibc rexec_af() (port string
alone, the server's stderr connection, then user+pass+cmd), tools like Metasploit, Hydra and
nmap (all four strings in one send), clients whose strings straddle segments; replies 0x00 +
stdout (sometimes hundreds of full segments), 0x01 + error line, or a bare FIN (Debian's PAM
daemon on a wrong password); stdin, stderr text and signal bytes; and a few sessions that lost
one data segment at the capture point.  Sessions start as a Poisson process, so dozens run
concurrently and their frames interleave.  FILE.json gets the counts the benchmark divides by.
"""
import argparse
import heapq
import json
import random
import struct

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
MSS = 1448
EXEC_PORT = 512
SESSIONS_PER_SECOND = 40.0    # with sessions of 0.1-3 s: about 50 run at once

# One struct for Ethernet + IPv4 + TCP (20-byte header): one pack call per frame.
HEADERS = struct.Struct("!6s6sH" "BBHHHBBH4s4s" "HHIIBBHHH")
RECORD = struct.Struct("<IIII")
MSS_OPTION = struct.pack("!BBH", 2, 4, 1460)

USERS = ["rexuser", "backup", "deploy", "oracle", "admin", "root", "nagios", "build", "ops"]
PASSWORDS = ["s3cret", "Winter2024!", "backup#1", "p4ssw0rd", "correcthorse", "x9!kQ2"]
WORDLIST = ["123456", "password", "admin", "root", "toor", "letmein", "qwerty", "changeme",
            "111111", "guest", "oracle", "test", "abc123", "master", "dragon"]
COMMANDS = ["id", "uname -a", "uptime", "hostname", "ls -la /tmp", "cat /etc/passwd", "ps aux",
            "df -h", "w", "tail -n 200 /var/log/syslog", "netstat -an",
            "cd /srv/app && ./status.sh --verbose", "find /etc -name '*.conf'"]
STDIN_COMMANDS = ["cat > /tmp/upload.txt", "sort -u", "wc -l", "sh"]
BIG_COMMANDS = ["cat /var/log/messages", "tar cf - /etc 2>/dev/null", "dmesg", "ls -lR /usr/share"]
STDERR_LINES = [b"ls: cannot access '/nonexistent': No such file or directory\n",
                b"tar: Removing leading `/' from member names\n",
                b"grep: /etc/shadow: Permission denied\n"]
ERRORS = [b"Login incorrect.\n"] * 8 + [b"No remote directory.\n", b"Try again.\n",
                                        b"password too long\n"]


def text_blob(rng, size):
    """Command output lines to slice stdout from (generated once)."""
    words = ["kernel:", "sshd[812]:", "CRON[4410]:", "systemd[1]:", "Started", "session",
             "opened", "for", "user", "root", "eth0:", "link", "up", "1000Mbps", "drwxr-xr-x",
             "-rw-r--r--", "/usr/share/doc", "Accepted", "publickey", "from", "port"]
    lines = []
    n = 0
    while n < size:
        line = "Nov %2d %02d:%02d:%02d host%d %s\n" % (
            rng.randint(1, 30), rng.randint(0, 23), rng.randint(0, 59), rng.randint(0, 59),
            rng.randint(1, 9), " ".join(rng.choice(words) for _ in range(rng.randint(4, 12))))
        lines.append(line)
        n += len(line)
    return "".join(lines).encode()[:size]


def ip(text):
    return bytes(int(x) for x in text.split("."))


def mac(addr):
    return b"\x02\x00" + addr    # locally administered, derived from the IP


class Conn:
    """One TCP connection; side 0 opened it.  Builds frames and keeps seq/ack."""

    def __init__(self, rng, a, aport, b, bport):
        self.addr = ((a, aport), (b, bport))
        self.nxt = [rng.getrandbits(32), rng.getrandbits(32)]

    def frame(self, side, flags, payload=b"", options=b""):
        (src, sport), (dst, dport) = self.addr[side], self.addr[1 - side]
        tcp_len = 20 + len(options)
        seq = self.nxt[side]
        ack = self.nxt[1 - side] if flags & ACK else 0
        hdr = HEADERS.pack(mac(dst), mac(src), 0x0800,
                           0x45, 0, 20 + tcp_len + len(payload), 0, 0x4000, 64, 6, 0, src, dst,
                           sport, dport, seq, ack, (tcp_len // 4) << 4, flags, 502, 0, 0)
        self.nxt[side] = (seq + len(payload) + (1 if flags & (SYN | FIN) else 0)) & 0xFFFFFFFF
        return hdr + options + payload


class Session:
    """Collects one session's frames with their times (microseconds, increasing)."""

    def __init__(self, t):
        self.t = t
        self.events = []    # (time, frame, carries data)

    def emit(self, frame, gap_us, data=False):
        self.t += gap_us
        self.events.append((self.t, frame, data))

    def handshake(self, conn, rng):
        self.emit(conn.frame(0, SYN, options=MSS_OPTION), rng.randint(0, 50))
        self.emit(conn.frame(1, SYN | ACK, options=MSS_OPTION), rng.randint(20, 300))
        self.emit(conn.frame(0, ACK), rng.randint(20, 300))

    def send(self, conn, side, data, rng, gap_us=50):
        """data as full-size segments; the receiver ACKs every second one (delayed ACK)."""
        for i in range(0, len(data), MSS):
            self.emit(conn.frame(side, PSH | ACK, data[i:i + MSS]), gap_us, data=True)
            if (i // MSS) % 2 == 1 or i + MSS >= len(data):
                self.emit(conn.frame(1 - side, ACK), rng.randint(10, 200))

    def close(self, conn, first, rng):
        self.emit(conn.frame(first, FIN | ACK), rng.randint(100, 3000))
        self.emit(conn.frame(1 - first, ACK), rng.randint(20, 300))
        self.emit(conn.frame(1 - first, FIN | ACK), rng.randint(100, 3000))
        self.emit(conn.frame(first, ACK), rng.randint(20, 300))


class Hosts:
    """Addresses and ephemeral ports: sequential per host, so no 4-tuple repeats early."""

    def __init__(self, rng):
        self.rng = rng
        self.clients = [ip("10.1.%d.%d" % (i // 250, i % 250 + 1)) for i in range(500)]
        self.attackers = [ip("203.0.113.%d" % i) for i in (7, 23, 66, 140)]
        self.servers = [ip("192.168.10.%d" % i) for i in range(1, 21)]
        self.next_port = {}

    def port(self, host):
        p = self.next_port.get(host) or self.rng.randint(32768, 60999)
        self.next_port[host] = 32768 + (p - 32768 + self.rng.randint(1, 7)) % 28232
        return p


def stdout_size(rng):
    """Output of an everyday command: mostly one segment, sometimes a few."""
    return rng.randint(10, 1000) if rng.random() < 0.75 else rng.randint(2000, 20000)


def split_randomly(rng, data, pieces):
    cuts = sorted(rng.sample(range(1, len(data)), min(pieces - 1, len(data) - 1)))
    return [data[a:b] for a, b in zip([0] + cuts, cuts + [len(data)])]


def make_session(rng, hosts, blob, t, stats):
    """One rexec session (control connection, maybe a stderr channel) starting at time t."""
    kind = rng.choices(["glibc", "tool", "split"], [60, 30, 10])[0]
    client = rng.choice(hosts.attackers if kind == "tool" else hosts.clients)
    server = rng.choice(hosts.servers[:3] if kind == "tool" else hosts.servers)
    conn = Conn(rng, client, hosts.port(client), server, EXEC_PORT)
    s = Session(t)
    stats["sessions"] += 1
    stats["kinds"][kind] = stats["kinds"].get(kind, 0) + 1

    # The handshake strings, and how the client cuts them into segments.
    if kind == "tool":
        want_stderr = rng.random() < 0.2            # Metasploit's random port
        port = str(rng.randint(1024, 65535)) if want_stderr else ""
        user = rng.choice(USERS[3:])
        password = rng.choice(WORDLIST)
        outcome = rng.choices(["error", "silent", "ok"], [60, 25, 15])[0]
    else:
        want_stderr = rng.random() < 0.55
        port = str(hosts.port(client)) if want_stderr else ""
        user = rng.choice(USERS)
        password = rng.choice(PASSWORDS)
        outcome = rng.choices(["ok", "error", "silent"], [85, 8, 7])[0]
    use_stdin = outcome == "ok" and kind != "tool" and rng.random() < 0.10
    big = outcome == "ok" and not use_stdin and rng.random() < 0.10
    command = rng.choice(STDIN_COMMANDS if use_stdin else BIG_COMMANDS if big else COMMANDS)
    port_part = port.encode() + b"\0"
    creds = user.encode() + b"\0" + password.encode() + b"\0" + command.encode() + b"\0"
    if kind == "tool":
        parts = [port_part + creds]
    elif kind == "glibc":
        parts = [port_part, creds]
    else:
        parts = split_randomly(rng, port_part + creds, rng.randint(2, 4))

    s.handshake(conn, rng)
    err = None
    sent = 0
    for part in parts:
        s.emit(conn.frame(0, PSH | ACK, part), rng.randint(200, 3000), data=True)
        s.emit(conn.frame(1, ACK), rng.randint(20, 200))
        sent += len(part)
        if want_stderr and not err and sent >= len(port_part):
            # rexecd connects back once it has the port, before it reads the username.
            err = Conn(rng, server, 1023 if rng.random() < 0.5 else hosts.port(server),
                       client, int(port))
            s.handshake(err, rng)
            stats["stderr_channels"] += 1

    if outcome == "silent":
        # Debian's PAM daemon: about 2 s, then FIN without a status byte.
        s.t += rng.randint(1_500_000, 2_500_000)
        s.close(conn, 1, rng)
    elif outcome == "error":
        s.emit(conn.frame(1, PSH | ACK, b"\x01" + rng.choice(ERRORS)), rng.randint(5000, 900000),
               data=True)
        s.emit(conn.frame(0, ACK), rng.randint(20, 200))
        s.close(conn, 1, rng)
    else:
        # The daemon writes the status byte alone, then the command's output.
        s.emit(conn.frame(1, PSH | ACK, b"\0"), rng.randint(5000, 800000), data=True)
        s.emit(conn.frame(0, ACK), rng.randint(20, 200))
        if use_stdin:
            for _ in range(rng.randint(1, 5)):
                start = rng.randint(0, 9000)
                line = blob[start:start + rng.randint(20, 400)]
                s.emit(conn.frame(0, PSH | ACK, line), rng.randint(1000, 50000), data=True)
                s.emit(conn.frame(1, ACK), rng.randint(20, 200))
        size = rng.randint(20000, 400000) if big else stdout_size(rng)
        start = rng.randint(0, len(blob) - size)
        s.send(conn, 1, blob[start:start + size], rng, gap_us=rng.randint(10, 200))
        if err and rng.random() < 0.3:
            s.send(err, 0, rng.choice(STDERR_LINES), rng, gap_us=rng.randint(100, 2000))
        if err and rng.random() < 0.05:
            s.send(err, 1, b"\x02", rng)     # a signal number (SIGINT) from the client
        s.close(conn, 1, rng)
    if err:
        s.close(err, 0, rng)

    if rng.random() < 0.02:
        # Lost at the capture point: the peers got it (acks cover it), the capture did not.
        data_events = [i for i, e in enumerate(s.events) if e[2]]
        del s.events[rng.choice(data_events)]
        stats["lossy_sessions"] += 1
    return s.events


def long_session(rng, blob, segments):
    """One glibc session with a stderr channel and `segments` full stdout segments."""
    hosts = Hosts(rng)
    client, server = hosts.clients[0], hosts.servers[0]
    conn = Conn(rng, client, 40001, server, EXEC_PORT)
    err = Conn(rng, server, 1023, client, 40369)
    s = Session(0)
    s.handshake(conn, rng)
    s.emit(conn.frame(0, PSH | ACK, b"40369\0"), 1000, data=True)
    s.emit(conn.frame(1, ACK), 50)
    s.handshake(err, rng)
    s.emit(conn.frame(0, PSH | ACK, b"rexuser\0s3cret\0cat /var/log/messages\0"), 500, data=True)
    s.emit(conn.frame(1, ACK), 50)
    s.emit(conn.frame(1, PSH | ACK, b"\0"), 10000, data=True)
    s.emit(conn.frame(0, ACK), 50)
    data = (blob * (segments * MSS // len(blob) + 1))[:segments * MSS]
    s.send(conn, 1, data, rng, gap_us=10)
    s.close(conn, 1, rng)
    s.close(err, 0, rng)
    return s.events


# Brute force (--dense): SESSIONS short sessions, about DENSE_CONCURRENT at once.
DENSE_CONCURRENT = 50
DENSE_SESSION_US = 20_000           # a session's frames spread over about this long


def hydra_session(rng, hosts, t, stats):
    """Hydra, medusa, nmap: the four strings in one segment with an empty stderr port; the
    daemon mostly closes silently (Debian's PAM daemon on a wrong password), sometimes
    answers 0x01 + an error line.  9 or 11 frames."""
    client = rng.choice(hosts.attackers)
    conn = Conn(rng, client, hosts.port(client), rng.choice(hosts.servers[:3]), EXEC_PORT)
    s = Session(t)
    s.handshake(conn, rng)
    request = b"\0" + rng.choice(USERS[3:]).encode() + b"\0" + rng.choice(WORDLIST).encode() + b"\0id\0"
    s.emit(conn.frame(0, PSH | ACK, request), rng.randint(100, 1000), data=True)
    s.emit(conn.frame(1, ACK), rng.randint(20, 200))
    if rng.random() < 0.2:
        s.emit(conn.frame(1, PSH | ACK, b"\x01Login incorrect.\n"), rng.randint(1000, 5000), data=True)
        s.emit(conn.frame(0, ACK), rng.randint(20, 200))
    s.close(conn, 1, rng)
    return s.events


def glibc_session(rng, hosts, t, stats):
    """glibc rexec_af(): the port string alone, the daemon's connect-back to it (refused
    by a reset, or accepted), then user+password+command and a refusal; the client closes
    both connections.  12 frames when refused, 16 when accepted."""
    client = rng.choice(hosts.clients)
    server = rng.choice(hosts.servers)
    conn = Conn(rng, client, hosts.port(client), server, EXEC_PORT)
    port = hosts.port(client)
    s = Session(t)
    s.handshake(conn, rng)
    s.emit(conn.frame(0, PSH | ACK, str(port).encode() + b"\0"), rng.randint(100, 1000), data=True)
    err = Conn(rng, server, 1023, client, port)
    s.emit(err.frame(0, SYN, options=MSS_OPTION), rng.randint(100, 500))
    accepted = rng.random() < 0.5
    if accepted:
        s.emit(err.frame(1, SYN | ACK, options=MSS_OPTION), rng.randint(20, 300))
        s.emit(err.frame(0, ACK), rng.randint(20, 300))
        stats["stderr_channels"] += 1
    else:
        s.emit(err.frame(1, RST | ACK), rng.randint(20, 300))
    creds = rng.choice(USERS).encode() + b"\0" + rng.choice(WORDLIST).encode() + b"\0id\0"
    s.emit(conn.frame(0, PSH | ACK, creds), rng.randint(100, 1000), data=True)
    s.emit(conn.frame(1, ACK), rng.randint(20, 200))
    s.emit(conn.frame(1, PSH | ACK, b"\x01Login incorrect.\n"), rng.randint(1000, 5000), data=True)
    s.emit(conn.frame(0, FIN | ACK), rng.randint(100, 1000))
    s.emit(conn.frame(1, FIN | ACK), rng.randint(20, 300))
    s.emit(conn.frame(0, ACK), rng.randint(20, 300))
    if accepted:
        s.emit(err.frame(1, FIN | ACK), rng.randint(20, 300))
        s.emit(err.frame(0, FIN | ACK), rng.randint(20, 300))
        s.emit(err.frame(1, ACK), rng.randint(20, 300))
    return s.events


def table_session(rng, hosts, t, stats):
    """The capture of issue 16's table: 14 frames, the request in two segments, half of the
    sessions with a stderr port (never connected back), status 0, 4 stdout segments, FINs."""
    client = rng.choice(hosts.clients)
    conn = Conn(rng, client, hosts.port(client), rng.choice(hosts.servers), EXEC_PORT)
    port = str(hosts.port(client)).encode() if rng.random() < 0.5 else b""
    s = Session(t)
    s.handshake(conn, rng)
    s.emit(conn.frame(0, PSH | ACK, port + b"\0"), rng.randint(100, 1000), data=True)
    creds = rng.choice(USERS).encode() + b"\0" + rng.choice(PASSWORDS).encode() + b"\0uptime\0"
    s.emit(conn.frame(0, PSH | ACK, creds), rng.randint(100, 1000), data=True)
    s.emit(conn.frame(1, PSH | ACK, b"\0"), rng.randint(1000, 5000), data=True)
    for _ in range(4):
        s.emit(conn.frame(1, PSH | ACK, b"x" * rng.randint(60, 200)), rng.randint(50, 500), data=True)
    s.emit(conn.frame(0, ACK), rng.randint(20, 200))
    s.emit(conn.frame(1, FIN | ACK), rng.randint(100, 1000))
    s.emit(conn.frame(0, FIN | ACK), rng.randint(20, 300))
    s.emit(conn.frame(1, ACK), rng.randint(20, 300))
    return s.events


SHAPES = {"hydra": hydra_session, "glibc": glibc_session, "table": table_session}


def dense(rng, shape, sessions, stats):
    """Frames of `sessions` sessions of one shape, about DENSE_CONCURRENT at once, in time order."""
    hosts = Hosts(rng)
    heap = []
    for sid in range(sessions):
        t = sid * DENSE_SESSION_US // DENSE_CONCURRENT
        events = SHAPES[shape](rng, hosts, t, stats)
        # Stretched to about DENSE_SESSION_US, so that about DENSE_CONCURRENT overlap.
        scale = DENSE_SESSION_US / max(1, events[-1][0] - t)
        heapq.heappush(heap, (t, sid, 0, [(t + int((e[0] - t) * scale) + k, e[1], e[2])
                                         for k, e in enumerate(events)]))
        stats["sessions"] += 1
        while heap and heap[0][0] < t:
            yield from pop_one(heap)
    while heap:
        yield from pop_one(heap)


def pop_one(heap):
    t, sid, k, events = heapq.heappop(heap)
    if k + 1 < len(events):
        heapq.heappush(heap, (events[k + 1][0], sid, k + 1, events))
    yield t, events[k][1]


def write_pcap(path, frames_iter):
    count = 0
    with open(path, "wb", buffering=1 << 20) as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 262144, 1))
        base = 1_700_000_000 * 1_000_000
        for t, frame in frames_iter:
            ts = base + t
            f.write(RECORD.pack(ts // 1_000_000, ts % 1_000_000, len(frame), len(frame)))
            f.write(frame)
            count += 1
    return count


def interleaved(rng, target, stats):
    """Frames of all sessions in time order; no new session once `target` frames are out."""
    hosts = Hosts(rng)
    blob = text_blob(rng, 1 << 20)
    heap = []            # (next time, session id, index, events)
    next_start = 0.0
    written = 0
    sid = 0
    while True:
        while written < target and (not heap or next_start <= heap[0][0]):
            events = make_session(rng, hosts, blob, int(next_start), stats)
            heapq.heappush(heap, (events[0][0], sid, 0, events))
            sid += 1
            next_start += rng.expovariate(SESSIONS_PER_SECOND) * 1e6
        if not heap:
            return
        t, i, k, events = heapq.heappop(heap)
        yield t, events[k][1]
        written += 1
        if k + 1 < len(events):
            heapq.heappush(heap, (events[k + 1][0], i, k + 1, events))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--frames", type=int, help="about this many frames of interleaved sessions")
    ap.add_argument("--long-session", type=int, metavar="SEGMENTS",
                    help="one session with this many full stdout segments")
    ap.add_argument("--dense", type=int, metavar="SESSIONS",
                    help="this many short brute-force sessions of one --shape")
    ap.add_argument("--shape", choices=sorted(SHAPES), default="hydra")
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=512)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    stats = {"sessions": 0, "stderr_channels": 0, "lossy_sessions": 0, "kinds": {}}
    if args.long_session:
        events = long_session(rng, text_blob(rng, 1 << 16), args.long_session)
        # Frame numbers of the stdout segments (after port, credentials and status).
        stdout_frames = [n for n, e in enumerate(events, 1) if e[2]][3:]
        stats.update(sessions=1, stderr_channels=1, stdout_frames=len(stdout_frames),
                     early_frame=stdout_frames[1], middle_frame=stdout_frames[len(stdout_frames) // 2],
                     late_frame=stdout_frames[-2])
        stats["frames"] = write_pcap(args.out, ((t, f) for t, f, _ in events))
    elif args.dense:
        stats["shape"] = args.shape
        stats["frames"] = write_pcap(args.out, dense(rng, args.shape, args.dense, stats))
    elif args.frames:
        stats["frames"] = write_pcap(args.out, interleaved(rng, args.frames, stats))
    else:
        ap.error("give --frames, --long-session or --dense")
    with open(args.out + ".json", "w") as f:
        json.dump(stats, f, indent=1)
    print(json.dumps(stats))


if __name__ == "__main__":
    main()
