#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
"""The backends' own servers in the test world (tools/world.sh).

    world_server.py http NAME PORT READY_FILE [MAX_SECONDS]
    world_server.py udp NAME PORT READY_FILE ADDRESS... [--max-seconds S]

http: an HTTP/1.1 server (keep-alive) on every address of the namespace
      (IPv4 and IPv6), the fallback when nginx is not installed:
        GET /         200 "backend NAME\\n"
        GET /healthz  200 "ok\\n" (the health check)
        GET /big      200, 65536 bytes ending in "backend NAME\\n" (PMTU test)
        POST ...      reads the body, 200 "backend NAME got N bytes\\n"
      Same answers as the nginx configuration world.sh writes, so a test
      does not care which one runs.
udp:  answers every datagram D with "echo NAME: D", from the address it was
      sent to (one socket per ADDRESS: a socket on the wildcard address
      would answer from the backend's own address instead of the VIP, and a
      DSR client would drop the answer).

Once listening it writes its pid to READY_FILE.  It exits by itself after
MAX_SECONDS (default 3600), so a server can never outlive a world whose
tear-down did not run.  Python standard library only.
"""
import http.server
import os
import select
import signal
import socket
import sys
import threading
import time

BIG = 65536


def ready(path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(tmp, path)


def big_body(name):
    tail = ("\nbackend %s\n" % name).encode()
    pat = b"0123456789abcdef" * (BIG // 16)
    return pat[: BIG - len(tail)] + tail


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive: long-lived connections

    def answer(self, body):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        name = self.server.backend_name
        if self.path == "/healthz":
            self.answer(b"ok\n")
        elif self.path == "/big":
            self.answer(self.server.big)
        else:
            self.answer(("backend %s\n" % name).encode())

    def do_POST(self):
        n = int(self.headers.get("Content-Length", "0"))
        got = 0
        while got < n:
            chunk = self.rfile.read(min(65536, n - got))
            if not chunk:
                break
            got += len(chunk)
        self.answer(("backend %s got %d bytes\n" % (self.server.backend_name, got)).encode())

    def log_message(self, fmt, *args):  # quiet: thousands of requests
        pass


def serve_http(name, port, ready_file, deadline):
    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6
        allow_reuse_address = True
        daemon_threads = True
        request_queue_size = 512

        def server_bind(self):
            # One dual-stack socket: IPv4 arrives as ::ffff:a.b.c.d.
            self.socket.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
            super().server_bind()

    srv = Server(("::", port), Handler)
    srv.backend_name = name
    srv.big = big_body(name)
    ready(ready_file)
    threading.Timer(max(0.0, deadline - time.monotonic()), srv.shutdown).start()
    srv.serve_forever(poll_interval=0.5)


def serve_udp(name, port, ready_file, addrs, deadline):
    socks = []
    for a in addrs:
        fam = socket.AF_INET6 if ":" in a else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((a, port))
        socks.append(s)
    prefix = ("echo %s: " % name).encode()
    ready(ready_file)
    while time.monotonic() < deadline:
        r, _, _ = select.select(socks, [], [], 1.0)
        for s in r:
            try:
                data, peer = s.recvfrom(65535)
                s.sendto(prefix + data, peer)
            except OSError:
                pass  # e.g. an ICMP error queued on the socket


def main():
    args = sys.argv[1:]
    max_s = 3600.0
    if "--max-seconds" in args:
        i = args.index("--max-seconds")
        max_s = float(args[i + 1])
        del args[i : i + 2]
    if len(args) < 4 or args[0] not in ("http", "udp"):
        sys.stderr.write(__doc__)
        return 2
    kind, name, port, ready_file = args[0], args[1], int(args[2]), args[3]
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if kind == "http":
        if len(args) == 5:
            max_s = float(args[4])
        serve_http(name, port, ready_file, time.monotonic() + max_s)
    else:
        if len(args) < 5:
            sys.stderr.write("udp: at least one ADDRESS\n")
            return 2
        serve_udp(name, port, ready_file, args[4:], time.monotonic() + max_s)
    return 0


if __name__ == "__main__":
    sys.exit(main())
