"""stub_proxy.py - a timestamping TCP relay between gdb and a gdb stub, for bench/stub.sh's
row 4 (stop latency): `python3 stub_proxy.py LISTEN_PORT UPSTREAM_PORT LOG ONFILE` accepts gdb
on 127.0.0.1:LISTEN_PORT (one connection at a time, again after each ends: connect() retries),
relays both ways to 127.0.0.1:UPSTREAM_PORT, and while the file ONFILE exists appends a line per
received chunk to LOG:  <CLOCK_MONOTONIC seconds> <g2s|s2g> <the chunk's first 48 bytes>.
gdb's own Python cannot relay (it may hold its lock while a command runs): a separate process.
End it with stop(proc): SIGTERM lets the relay finish passing on what gdb sent before it closed
(its `kill` sends `k` and closes at once: a SIGKILLed relay could drop that `k`, and the VMM,
seeing only the connection close, would go on running)."""
import os
import select
import signal
import socket
import subprocess
import sys
import time

_relaying = False
_stopping = False


def _on_term(sig, frame):
    global _stopping
    _stopping = True
    if not _relaying:
        sys.exit(0)     # between connections: nothing in flight


def stop(proc, timeout=5.0):
    """end the relay process proc once the connection it serves has closed (SIGTERM), at most
    timeout seconds later (then SIGKILL)"""
    proc.terminate()
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def relay(a, b, log, onfile):
    socks = {a: (b, "g2s"), b: (a, "s2g")}
    while True:
        r, _, _ = select.select(list(socks), [], [])
        for s in r:
            data = s.recv(65536)
            if not data:
                return
            other, d = socks[s]
            other.sendall(data)
            if os.path.exists(onfile):
                log.write(f"{time.monotonic():.6f} {d} {data[:48]!r}\n")
                log.flush()


def main():
    global _relaying
    signal.signal(signal.SIGTERM, _on_term)
    lport, uport, logpath, onfile = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3], sys.argv[4]
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("127.0.0.1", lport))
    ls.listen(1)
    with open(logpath, "a") as log:
        while True:
            g, _ = ls.accept()
            try:
                u = socket.create_connection(("127.0.0.1", uport), timeout=10)
                u.settimeout(None)
            except OSError:
                g.close()
                continue
            for s in (g, u):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _relaying = True
            try:
                relay(g, u, log, onfile)
            except OSError:
                pass
            _relaying = False
            g.close()
            u.close()
            if _stopping:
                return


if __name__ == "__main__":
    main()
