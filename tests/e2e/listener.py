#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
"""A health-check target for tests/e2e/control_plane.sh.

    listener.py tcp|http|udp ADDRESS PORT READY_FILE [MAX_SECONDS]

tcp:  accepts connections and closes them.
http: answers GET /healthz with 200 and body "ok", anything else with 404.
udp:  answers a datagram "ping" with "pong" (anything else: no answer).

Once the socket is bound (and listening) it writes its pid to READY_FILE, so
the test knows when it can expect checks to pass.  One process per listener:
the test kills it (SIGTERM/SIGKILL) to simulate a failure and starts it again.
It exits by itself after MAX_SECONDS (default 1200), so a listener can never
outlive a test whose clean-up did not run.  Python standard library only.
"""
import http.server
import os
import signal
import socket
import sys
import threading
import time


def ready(path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(tmp, path)


def serve_tcp(addr, port, ready_file, deadline):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(128)
    s.settimeout(1.0)
    ready(ready_file)
    while time.monotonic() < deadline:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        c.close()


class Health(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        if self.path == "/healthz":
            body, code = b"ok", 200
        else:
            body, code = b"not found", 404
        self.send_response(code)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, fmt, *args):  # quiet: one line per check is noise
        pass


def serve_http(addr, port, ready_file, deadline):
    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6 if ":" in addr else socket.AF_INET
        allow_reuse_address = True
        daemon_threads = True

    srv = Server((addr, port), Health)
    srv.timeout = 1.0
    ready(ready_file)
    threading.Timer(max(0.0, deadline - time.monotonic()), srv.shutdown).start()
    srv.serve_forever(poll_interval=0.5)


def serve_udp(addr, port, ready_file, deadline):
    s = socket.socket(socket.AF_INET6 if ":" in addr else socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.settimeout(1.0)
    ready(ready_file)
    while time.monotonic() < deadline:
        try:
            data, peer = s.recvfrom(2048)
        except socket.timeout:
            continue
        if data == b"ping":
            s.sendto(b"pong", peer)


def main():
    if len(sys.argv) not in (5, 6) or sys.argv[1] not in ("tcp", "http", "udp"):
        sys.stderr.write(__doc__)
        return 2
    kind, addr, port, ready_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    max_s = float(sys.argv[5]) if len(sys.argv) == 6 else 1200.0
    deadline = time.monotonic() + max_s
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    {"tcp": serve_tcp, "http": serve_http, "udp": serve_udp}[kind](
        addr, port, ready_file, deadline)
    return 0


if __name__ == "__main__":
    sys.exit(main())
