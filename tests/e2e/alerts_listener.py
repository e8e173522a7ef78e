#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
"""A health-check target for tests/e2e/alerts.sh.

    alerts_listener.py tcp|http ADDRESS PORT READY_FILE [MAX_SECONDS] [DELAY_FILE]

tcp:  accepts connections and closes them.
http: answers GET /healthz with 200 and body "ok" (anything else: 404),
      after sleeping the number of seconds in DELAY_FILE (read on every
      request; missing, empty or not a number: no delay), so a test can make
      the backend's checks slow without restarting it.

Once listening it writes its pid to READY_FILE.  It exits by itself after
MAX_SECONDS (default 600), so it cannot outlive a test whose clean-up did not
run.  Python standard library only.
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


def delay_of(path):
    if not path:
        return 0.0
    try:
        with open(path) as f:
            return max(0.0, min(float(f.read().strip() or 0), 10.0))
    except (OSError, ValueError):
        return 0.0


def serve_tcp(addr, port, ready_file, deadline):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
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


def serve_http(addr, port, ready_file, deadline, delay_file):
    class Health(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            time.sleep(delay_of(delay_file))
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

        def log_message(self, fmt, *args):  # one line per check is noise
            pass

    class Server(http.server.ThreadingHTTPServer):
        allow_reuse_address = True
        daemon_threads = True

    srv = Server((addr, port), Health)
    srv.timeout = 1.0
    ready(ready_file)
    threading.Timer(max(0.0, deadline - time.monotonic()), srv.shutdown).start()
    srv.serve_forever(poll_interval=0.5)


def main():
    if len(sys.argv) not in (5, 6, 7) or sys.argv[1] not in ("tcp", "http"):
        sys.stderr.write(__doc__)
        return 2
    kind, addr, port, ready_file = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    max_s = float(sys.argv[5]) if len(sys.argv) >= 6 else 600.0
    delay_file = sys.argv[6] if len(sys.argv) == 7 else ""
    deadline = time.monotonic() + max_s
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    if kind == "tcp":
        serve_tcp(addr, port, ready_file, deadline)
    else:
        serve_http(addr, port, ready_file, deadline, delay_file)
    return 0


if __name__ == "__main__":
    sys.exit(main())
