#!/usr/bin/python3
"""raw-rexec: a hand-driven rexec client for odd TCP segmentations.

Builds the request  <port>\\0<user>\\0<password>\\0<command>\\0  and writes it in
the chosen pieces.  TCP_NODELAY plus a short pause between writes makes every
write its own TCP segment (the pause also defeats Linux TCP autocorking).

Split modes (--split):
  all          the whole request in one send (Metasploit, nmap, Hydra)
  strings      one send per NUL-terminated string
  tiny         1-3 byte sends (sizes cycle 1,3,2), so strings break mid-way
  at:N,M,...   cut the request at these byte offsets
  chunks:N     N sends of about equal size
Stderr channel: --stderr-port N listens on N (same address family) and
announces it; --port-string S announces S verbatim and listens on nothing.
--wait-accept sends the port string alone and waits for the daemon's
connect-back before the rest, as glibc's rexec_af() does.  --reply-first
reads what the daemon sends before writing anything (a daemon that refuses
the connection at once), then sends the request all the same.
Standard library only; run with Debian's /usr/bin/python3.
"""
import argparse
import select
import socket
import sys
import time


def pieces(req, mode):
    if mode == "all":
        return [req]
    if mode == "strings":
        parts = req.split(b"\0")[:-1]
        return [p + b"\0" for p in parts]
    if mode == "tiny":
        out, i, sizes = [], 0, (1, 3, 2)
        while i < len(req):
            n = sizes[len(out) % len(sizes)]
            out.append(req[i:i + n])
            i += n
        return out
    if mode.startswith("at:"):
        cuts = sorted(int(x) for x in mode[3:].split(",") if x)
        bounds = [0] + [c for c in cuts if 0 < c < len(req)] + [len(req)]
        return [req[a:b] for a, b in zip(bounds, bounds[1:])]
    if mode.startswith("chunks:"):
        n = max(1, int(mode[7:]))
        size = -(-len(req) // n)
        return [req[i:i + size] for i in range(0, len(req), size)]
    raise SystemExit("unknown split mode: " + mode)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--local-host", help="local address for the stderr listener and --src-port (default: --host)")
    ap.add_argument("--port", type=int, default=512)
    ap.add_argument("--stderr-port", type=int, help="listen on this port and announce it")
    ap.add_argument("--port-string", default=None,
                    help='announce this string verbatim, no listener (e.g. "" or "0")')
    ap.add_argument("--user", required=True)
    ap.add_argument("--password", required=True)
    ap.add_argument("--command")
    ap.add_argument("--command-file", help="read the command bytes from a file")
    ap.add_argument("--split", default="all")
    ap.add_argument("--gap-ms", type=float, default=40.0, help="pause between writes")
    ap.add_argument("--wait-accept", action="store_true",
                    help="send the port string alone, accept the stderr connection, then the rest")
    ap.add_argument("--reply-first", action="store_true",
                    help="read the daemon's first bytes before sending the request")
    ap.add_argument("--stdin-file", help="bytes to send as stdin after status 0, then half-close")
    ap.add_argument("--src-port", type=int, help="bind this local port (SO_REUSEADDR)")
    ap.add_argument("--after-close", help="once the daemon closed the control connection, send these "
                    "bytes and the FIN in one segment")
    ap.add_argument("--timeout", type=float, default=20.0)
    a = ap.parse_args()

    if a.command_file:
        with open(a.command_file, "rb") as f:
            cmd = f.read()
    elif a.command is not None:
        cmd = a.command.encode()
    else:
        raise SystemExit("need --command or --command-file")

    fam = socket.AF_INET6 if ":" in a.host else socket.AF_INET
    lsock = None
    if a.stderr_port is not None:
        lsock = socket.socket(fam, socket.SOCK_STREAM)
        lsock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        lsock.bind((a.local_host or a.host, a.stderr_port))
        lsock.listen(1)
        portstr = str(a.stderr_port).encode()
    else:
        portstr = (a.port_string or "").encode()

    s = socket.socket(fam, socket.SOCK_STREAM)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    if a.src_port:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a.local_host or a.host, a.src_port))
    s.settimeout(a.timeout)
    s.connect((a.host, a.port))
    deadline = time.monotonic() + a.timeout
    gap = a.gap_ms / 1000.0
    esock = None

    early = s.recv(65536) if a.reply_first else b""
    if a.reply_first:
        sys.stderr.write("raw-rexec: before the request the daemon sent %r\n" % early)
    head = portstr + b"\0"
    rest = a.user.encode() + b"\0" + a.password.encode() + b"\0" + cmd + b"\0"
    if a.wait_accept:
        s.sendall(head)
        if lsock is not None:
            lsock.settimeout(a.timeout)
            esock, _ = lsock.accept()
            lsock.close()
            lsock = None
        time.sleep(gap)
        parts = pieces(rest, a.split)
    else:
        parts = pieces(head + rest, a.split)
    for i, p in enumerate(parts):
        if i:
            time.sleep(gap)
        try:
            s.sendall(p)
        except OSError as e:    # the daemon that replied first may have gone
            sys.stderr.write("raw-rexec: write %d failed: %s\n" % (i + 1, e))
            break
    sys.stderr.write("raw-rexec: sent %s%d write(s): %s\n" % (
        "the port string, then " if a.wait_accept else "", len(parts), [len(p) for p in parts]))

    # Read the reply; accept the stderr connection whenever it arrives.
    status, out, err = None, bytearray(), bytearray()
    if early:
        status, out = early[0], bytearray(early[1:])
    stdin_data = None
    if a.stdin_file:
        with open(a.stdin_file, "rb") as f:
            stdin_data = f.read()
    ctl_open, err_open = True, lsock is not None or esock is not None
    while ctl_open or err_open:
        left = deadline - time.monotonic()
        if left <= 0:
            sys.stderr.write("raw-rexec: timeout\n")
            return 3
        rl = [x for x in (s if ctl_open else None, esock, lsock) if x is not None]
        ready, _, _ = select.select(rl, [], [], left)
        for r in ready:
            if r is lsock:
                esock, _ = lsock.accept()
                lsock.close()
                lsock = None
                continue
            try:
                data = r.recv(65536)
            except ConnectionResetError:
                data = b""
                sys.stderr.write("raw-rexec: connection reset (%s)\n" % ("control" if r is s else "stderr"))
            if r is s:
                if not data:
                    ctl_open = False
                    if a.after_close:
                        # Corked, the FIN rides on the bytes' segment.
                        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 0)
                        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_CORK, 1)
                        s.send(a.after_close.encode())
                        s.shutdown(socket.SHUT_WR)
                    # a daemon that dies before connecting back leaves the listener idle
                    if esock is None and lsock is not None:
                        lsock.close()
                        lsock = None
                        err_open = False
                    continue
                if status is None:
                    status, data = data[0], data[1:]
                    if status == 0 and stdin_data is not None:
                        s.sendall(stdin_data)
                        s.shutdown(socket.SHUT_WR)
                out += data
            else:
                if not data:
                    err_open = False
                    esock.close()
                    esock = None
                else:
                    err += data
    s.close()

    if status is None:
        sys.stderr.write("raw-rexec: closed without reply\n")
    elif status == 0:
        sys.stderr.write("raw-rexec: status 0, stdout %d bytes, stderr %d bytes\n" % (len(out), len(err)))
    else:
        sys.stderr.write("raw-rexec: status %d, message %r\n" % (status, bytes(out)))
    sys.stdout.buffer.write(bytes(out))
    sys.stdout.flush()
    if err:
        sys.stderr.buffer.write(bytes(err))
    return 0 if status == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
