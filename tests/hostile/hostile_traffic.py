#!/usr/bin/python3
"""hostile_traffic.py: hostile rexec clients and misbehaving rexec servers.

  hostile_traffic.py client CASE [--host H] [--port P]
  hostile_traffic.py server MODE [--host H] [--port P]   (runs until SIGTERM)
  hostile_traffic.py list

Clients talk to whatever listens on H:P (the real in.rexecd, or a fake server
below); every case is deterministic in what it sends (random bytes come from a
fixed seed).  Servers:
  early    sends 0x00 and stdout right after accept, before reading anything
  status7  reads the four request strings, answers 0x07 and a line, closes
  hold     accepts and holds every connection, never reads or writes
Standard library only; run with Debian's /usr/bin/python3.
"""
import argparse
import random
import select
import signal
import socket
import ssl
import sys
import time

RANDOM_SEED = 512
RANDOM_LENGTH = 4096
BIG_LENGTH = 1 << 20          # the 1 MB strings
NUL_FLOOD_LENGTH = 100 * 1024
MANY_SESSIONS = 10000
UNLISTENED_PORT = 40999       # the stderr port nobody listens on

HTTP_REQUEST = (b"GET / HTTP/1.1\r\nHost: 127.0.0.1:512\r\nUser-Agent: curl/7.88.1\r\n"
                b"Accept: */*\r\n\r\n")
SSH_BANNER = b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"
BAD_PORTS = {"port-99999": b"99999", "port-minus1": b"-1", "port-abc": b"abc",
             "port-1234567": b"1234567"}


def random_payload():
    return random.Random(RANDOM_SEED).randbytes(RANDOM_LENGTH)


def request(port, user=b"rexuser", password=b"rexpass1", command=b"id -un"):
    return port + b"\0" + user + b"\0" + password + b"\0" + command + b"\0"


def half_open_port_string(i):
    """The partial (unterminated) port string of half-open session i: 1-4 digits."""
    return str(40000 + i % 25000).encode()[:1 + i % 4]


# ------------------------------------------------------------------ client

def connect(host, port, timeout=10.0, nodelay=False):
    s = socket.create_connection((host, port), timeout=timeout)
    if nodelay:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return s


def drain(s, timeout):
    """Reads until the peer closes or `timeout` seconds pass; returns the bytes."""
    out = bytearray()
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return bytes(out), "timeout"
        ready, _, _ = select.select([s], [], [], left)
        if not ready:
            continue
        try:
            data = s.recv(65536)
        except ConnectionResetError:
            return bytes(out), "reset"
        if not data:
            return bytes(out), "closed"
        out += data


def send_and_wait(host, port, payload, wait=5.0, shut_wr=False):
    s = connect(host, port)
    try:
        s.sendall(payload)
    except (BrokenPipeError, ConnectionResetError) as e:
        report(f"send failed: {e}")
    if shut_wr:
        try:
            s.shutdown(socket.SHUT_WR)
        except OSError:
            pass
    reply, how = drain(s, wait)
    s.close()
    report(f"sent {len(payload)} bytes; reply {reply[:80]!r} ({len(reply)} bytes), {how}")


def report(text):
    sys.stderr.write("hostile-client: " + text + "\n")
    sys.stderr.flush()


def client_tls(host, port):
    """A real TLS ClientHello from OpenSSL (Python's ssl module)."""
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    s = connect(host, port, timeout=5.0)
    try:
        with ctx.wrap_socket(s, server_hostname="rexec.test") as t:
            t.recv(1)
        report("TLS handshake completed?!")
    except (ssl.SSLError, OSError, socket.timeout) as e:
        report(f"TLS handshake failed as expected: {e!r}")


def client_one_byte(host, port):
    """A valid request in 1-byte writes, each its own segment."""
    s = connect(host, port, nodelay=True)
    req = request(b"0", command=b"echo one-byte")
    for i in range(len(req)):
        s.sendall(req[i:i + 1])
        time.sleep(0.02)
    s.sendall(b"")   # a zero-length write sends nothing; kept to show it was tried
    reply, how = drain(s, 10.0)
    s.close()
    report(f"sent {len(req)} one-byte writes; reply {reply!r}, {how}")


def client_stderr_unlistened(host, port):
    """glibc order: the port string alone, then wait; nobody listens on the port."""
    s = connect(host, port)
    s.sendall(str(UNLISTENED_PORT).encode() + b"\0")
    reply, how = drain(s, 5.0)
    if how == "timeout":
        s.sendall(b"rexuser\0rexpass1\0id -un\0")
        reply, how = drain(s, 5.0)
    s.close()
    report(f"announced port {UNLISTENED_PORT}; reply {reply!r}, {how}")


def client_early_server(host, port):
    """Against the 'early' server: its bytes arrive before our request."""
    s = connect(host, port)
    first, how = b"", ""
    ready, _, _ = select.select([s], [], [], 2.0)
    if ready:
        first = s.recv(65536)
    s.sendall(b"40369\0")
    time.sleep(0.05)
    s.sendall(b"rexuser\0rexpass1\0id -un\0")
    reply, how = drain(s, 5.0)
    s.close()
    report(f"server sent {first!r} before the request; then {reply!r}, {how}")


def client_many(host, port, count=MANY_SESSIONS):
    """count concurrent sessions that send only part of a port string, then reset."""
    socks = []
    pending = {}
    t0 = time.monotonic()
    for i in range(count):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setblocking(False)
        s.connect_ex((host, port))
        socks.append(s)
        pending[s.fileno()] = i
        # Paced (about 2,000 a second) so that the capture keeps up: wait for
        # each batch to connect and send before opening more.
        if len(pending) >= 100:
            while pending and _flush_connected(socks, pending, 1.0):
                pass
            time.sleep(0.04)
    while pending:
        if not _flush_connected(socks, pending, 5.0):
            break
    t1 = time.monotonic()
    report(f"{count} connections, {count - len(pending)} sent a partial port string "
           f"({t1 - t0:.1f} s); holding them all open")
    time.sleep(0.5)
    for s in socks:
        # SO_LINGER 0: close() sends RST.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\0\0\0\0\0\0\0")
        s.close()
    report(f"reset all {count} ({time.monotonic() - t1:.1f} s)")


def _flush_connected(socks, pending, timeout):
    poller = select.poll()
    for fd in pending:
        poller.register(fd, select.POLLOUT)
    events = poller.poll(timeout * 1000)
    for fd, ev in events:
        i = pending.pop(fd)
        if ev & select.POLLOUT and not ev & (select.POLLERR | select.POLLHUP):
            try:
                socks[i].send(half_open_port_string(i))
            except OSError:
                pass
    return bool(events)


CLIENTS = {
    "random-bytes": lambda h, p: send_and_wait(h, p, random_payload()),
    "http-request": lambda h, p: send_and_wait(h, p, HTTP_REQUEST, wait=2.0),
    "tls-clienthello": client_tls,
    "ssh-banner": lambda h, p: send_and_wait(h, p, SSH_BANNER, wait=2.0),
    "long-port-1mb": lambda h, p: send_and_wait(h, p, b"A" * BIG_LENGTH, wait=20.0, shut_wr=True),
    "long-command-1mb": lambda h, p: send_and_wait(
        h, p, b"0\0rexuser\0rexpass1\0" + b"x" * BIG_LENGTH, wait=20.0, shut_wr=True),
    "nul-flood": lambda h, p: send_and_wait(h, p, b"\0" * NUL_FLOOD_LENGTH, wait=10.0, shut_wr=True),
    "one-byte-segments": client_one_byte,
    "stderr-never-connects": client_stderr_unlistened,
    "early-server": client_early_server,
    "status-7": lambda h, p: send_and_wait(h, p, request(b""), wait=5.0),
    "many-half-open": client_many,
}
for _name, _port in BAD_PORTS.items():
    CLIENTS[_name] = (lambda port: lambda h, p: send_and_wait(h, p, request(port)))(_port)


# ------------------------------------------------------------------ servers

def read_request(c, timeout=5.0):
    """Reads until four NULs (the whole request) or EOF or timeout."""
    data = bytearray()
    deadline = time.monotonic() + timeout
    while data.count(b"\0") < 4 and time.monotonic() < deadline:
        ready, _, _ = select.select([c], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            break
        chunk = c.recv(65536)
        if not chunk:
            break
        data += chunk
    return bytes(data)


def serve(mode, host, port):
    ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((host, port))
    ls.listen(16384)
    held = []
    stop = []
    signal.signal(signal.SIGTERM, lambda *_: stop.append(1))
    sys.stderr.write(f"fake-server: {mode} listening on {host}:{port}\n")
    sys.stderr.flush()
    while not stop:
        ready, _, _ = select.select([ls], [], [], 0.2)
        if not ready:
            continue
        c, _ = ls.accept()
        if mode == "hold":
            held.append(c)
            continue
        if mode == "early":
            c.sendall(b"\0early stdout, before any request\n")
            req = read_request(c)
            c.sendall(b"more stdout\n")
        elif mode == "status7":
            req = read_request(c)
            c.sendall(b"\x07unknown status follows\n")
        else:
            raise SystemExit("unknown server mode " + mode)
        sys.stderr.write(f"fake-server: {mode}: request {req!r}\n")
        sys.stderr.flush()
        c.close()
    sys.stderr.write(f"fake-server: held {len(held)} connections\n")
    for c in held:
        c.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("role", choices=["client", "server", "list"])
    ap.add_argument("what", nargs="?")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=512)
    a = ap.parse_args()
    if a.role == "list":
        print("\n".join(CLIENTS))
        return 0
    if a.role == "server":
        serve(a.what, a.host, a.port)
        return 0
    if a.what not in CLIENTS:
        raise SystemExit(f"unknown case {a.what!r}; see 'list'")
    CLIENTS[a.what](a.host, a.port)
    return 0


if __name__ == "__main__":
    sys.exit(main())
