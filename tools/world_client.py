#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
"""Clients for the test world (tools/world.sh): real kernel TCP and UDP.

    world_client.py get  ADDR PORT [--n N] [--conc C] [--duration S] [--path P]
                         [--pause-ms X] [--ops FILE] [--timeout S]
    world_client.py hold ADDR PORT --stop-file F [--conns K] [--interval-ms X]
                         [--ready-file R] [--max-s S] [--timeout S]
    world_client.py udp  ADDR PORT [--n N] [--timeout S]
    world_client.py post ADDR PORT [--size BYTES] [--timeout S]
    world_client.py big  ADDR PORT [--timeout S]
    world_client.py pmtu-udp ADDR PORT [--size BYTES] [--wait S]

get:   short connections (connect, GET, read to EOF, close), C at a time, N in
       all (or for S seconds), each of the C pausing X ms after each one;
       counts answers by the backend named in them.
       --ops FILE: one line per connection "START_MS END_MS RESULT" (wall
       clock ms; RESULT a backend name or ERR:<errno name>).
hold:  K long-lived keep-alive connections, one request every X ms each,
       until F exists (or S seconds); then each sends a last request with
       "Connection: close" and expects a clean end (FIN, no reset).
       --ready-file R: written (JSON list of each connection's first
       backend) once every connection has had its first answer.
       Reports per connection: the backends that answered (a connection
       that kept its backend lists one), requests, errors, the slowest
       request (ms), when the first and the last answer came (wall clock
       ms) and whether it ended cleanly.
udp:   N datagrams, each from a new socket (a new source port, so a new
       flow), each answer must be "echo NAME: <what was sent>".
post:  one connection sending a BYTES-byte POST body (DF, as TCP always
       does); reports the backend and the path MTU the socket learned.
big:   GET /big (65536 bytes) and checks its length and the backend name at
       its end; reports the path MTU the socket learned.
pmtu-udp: a connected UDP socket with DF (IP_PMTUDISC_DO) sends BYTES-byte
       datagrams every 0.2 s for at most S seconds until the kernel has
       learned a smaller path MTU (an ICMP frag-needed / packet-too-big came
       back); reports the MTU before and after.

Every command prints one JSON object on stdout and exits 0; what went wrong
is in the object (a test decides).  Every wait is bounded.  Python standard
library only.
"""
import errno
import json
import os
import socket
import sys
import threading
import time

# <linux/in.h>, <linux/in6.h>: not all of these are in Python's socket module.
IP_MTU_DISCOVER, IP_PMTUDISC_DO, IP_MTU = 10, 2, 14
IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO, IPV6_MTU = 23, 2, 24


def now_ms():
    return time.time() * 1000.0


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def host_hdr(addr, port):
    return ("[%s]:%d" % (addr, port)) if ":" in addr else ("%s:%d" % (addr, port))


def err_name(e):
    if isinstance(e, socket.timeout):
        return "timeout"
    if isinstance(e, OSError) and e.errno is not None:
        return errno.errorcode.get(e.errno, str(e.errno))
    return type(e).__name__


def path_mtu(s, fam):
    try:
        if fam == socket.AF_INET6:
            return s.getsockopt(socket.IPPROTO_IPV6, IPV6_MTU)
        return s.getsockopt(socket.IPPROTO_IP, IP_MTU)
    except OSError:
        return None


class BadReply(Exception):
    pass


def read_response(s, buf):
    """One HTTP/1.1 response from socket s (buf: bytes already read).
    Returns (status, headers dict, body, rest of buf, eof seen)."""
    while b"\r\n\r\n" not in buf:
        d = s.recv(65536)
        if not d:
            raise BadReply("connection closed before the response head")
        buf += d
    head, buf = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    parts = lines[0].split(" ", 2)
    if len(parts) < 2 or not parts[0].startswith("HTTP/1."):
        raise BadReply("bad status line %r" % lines[0][:60])
    hdrs = {}
    for ln in lines[1:]:
        k, _, v = ln.partition(":")
        hdrs[k.strip().lower()] = v.strip()
    if "content-length" not in hdrs:
        raise BadReply("no Content-Length")
    n = int(hdrs["content-length"])
    while len(buf) < n:
        d = s.recv(65536)
        if not d:
            raise BadReply("connection closed in the body (%d of %d bytes)" % (len(buf), n))
        buf += d
    return int(parts[1]), hdrs, buf[:n], buf[n:]


def backend_of(body):
    """The NAME of a body "backend NAME..." (last line), or raise."""
    last = body.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("latin-1")
    if not last.startswith("backend "):
        raise BadReply("body does not name a backend: %r" % last[:60])
    return last.split()[1]


def request(addr, port, path, close=True, method="GET", body=b""):
    hdr = "%s %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: sluice-world\r\n" % (
        method, path, host_hdr(addr, port))
    if body:
        hdr += "Content-Length: %d\r\n" % len(body)
    if close:
        hdr += "Connection: close\r\n"
    return (hdr + "\r\n").encode() + body


def one_get(addr, port, path, timeout):
    """connect, GET, read the answer and the close; returns the backend."""
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect((addr, port))
        s.sendall(request(addr, port, path))
        st, _, body, rest = read_response(s, b"")
        if st != 200:
            raise BadReply("status %d" % st)
        name = backend_of(body)
        # The server closes (Connection: close): wait for its FIN so the
        # connection really ended before the next one is counted.
        while True:
            d = rest or s.recv(4096)
            rest = b""
            if not d:
                break
        return name
    finally:
        s.close()


def cmd_get(a):
    lock = threading.Lock()
    res = {"n": 0, "ok": 0, "by_backend": {}, "errors": {}, "max_ms": 0.0}
    ops = []
    left = [a.n]
    end = time.monotonic() + a.duration if a.duration else None
    t0 = time.monotonic()

    def worker():
        while True:
            with lock:
                if end is None:
                    if left[0] <= 0:
                        return
                    left[0] -= 1
                elif time.monotonic() >= end:
                    return
            t1 = now_ms()
            try:
                r = one_get(a.addr, a.port, a.path, a.timeout)
                err = None
            except (OSError, BadReply) as e:
                r, err = None, (err_name(e) if not isinstance(e, BadReply) else "bad_reply")
            t2 = now_ms()
            with lock:
                res["n"] += 1
                res["max_ms"] = max(res["max_ms"], t2 - t1)
                if err is None:
                    res["ok"] += 1
                    res["by_backend"][r] = res["by_backend"].get(r, 0) + 1
                else:
                    res["errors"][err] = res["errors"].get(err, 0) + 1
                if a.ops:
                    ops.append("%.1f %.1f %s" % (t1, t2, r if err is None else "ERR:" + err))
            if a.pause_ms:
                time.sleep(a.pause_ms / 1000.0)

    th = [threading.Thread(target=worker) for _ in range(a.conc)]
    for t in th:
        t.start()
    for t in th:
        t.join()
    res["elapsed_s"] = round(time.monotonic() - t0, 3)
    res["max_ms"] = round(res["max_ms"], 1)
    if a.ops:
        with open(a.ops, "w") as f:
            f.write("\n".join(ops) + "\n")
    return res


def cmd_hold(a):
    conns = [{"backends": [], "requests": 0, "errors": [], "max_ms": 0.0,
              "clean_close": False, "first_ms": None, "last_ms": None}
             for _ in range(a.conns)]
    first = [None] * a.conns
    got_first = threading.Semaphore(0)
    end = time.monotonic() + a.max_s

    def stop():
        return os.path.exists(a.stop_file) or time.monotonic() >= end

    def worker(i):
        c = conns[i]
        s = socket.socket(family(a.addr), socket.SOCK_STREAM)
        s.settimeout(a.timeout)
        buf = b""
        signalled = False
        try:
            s.connect((a.addr, a.port))
            while True:
                last = stop()
                t1 = now_ms()
                s.sendall(request(a.addr, a.port, "/", close=last))
                st, _, body, buf = read_response(s, buf)
                if st != 200:
                    raise BadReply("status %d" % st)
                name = backend_of(body)
                t2 = now_ms()
                c["max_ms"] = max(c["max_ms"], t2 - t1)
                c["requests"] += 1
                c["last_ms"] = t2
                if c["first_ms"] is None:
                    c["first_ms"] = t2
                if not c["backends"] or c["backends"][-1] != name:
                    c["backends"].append(name)
                if not signalled:
                    first[i] = name
                    signalled = True
                    got_first.release()
                if last:
                    # The server closes after a "Connection: close" answer:
                    # a clean end is EOF, not a reset.
                    d = buf or s.recv(4096)
                    c["clean_close"] = d == b""
                    if d:
                        c["errors"].append("data after the last answer")
                    return
                time.sleep(a.interval_ms / 1000.0)
        except (OSError, BadReply) as e:
            c["errors"].append(err_name(e) if not isinstance(e, BadReply) else "bad_reply: %s" % e)
        finally:
            s.close()
            if not signalled:
                got_first.release()

    th = [threading.Thread(target=worker, args=(i,)) for i in range(a.conns)]
    for t in th:
        t.start()
    for _ in th:
        got_first.acquire(timeout=max(0.0, end - time.monotonic()))
    if a.ready_file:
        tmp = a.ready_file + ".tmp"
        with open(tmp, "w") as f:
            json.dump(first, f)
        os.rename(tmp, a.ready_file)
    for t in th:
        t.join()
    for c in conns:
        c["max_ms"] = round(c["max_ms"], 1)
    return {"conns": conns}


def cmd_udp(a):
    res = {"n": a.n, "ok": 0, "by_backend": {}, "errors": {}}
    for i in range(a.n):
        s = socket.socket(family(a.addr), socket.SOCK_DGRAM)
        s.settimeout(a.timeout)
        msg = ("ping-%d-%d" % (os.getpid(), i)).encode()
        try:
            s.connect((a.addr, a.port))
            s.send(msg)
            d = s.recv(65535)
            if not d.startswith(b"echo ") or not d.endswith(b": " + msg):
                raise BadReply(repr(d[:80]))
            name = d[5:].split(b":", 1)[0].decode()
            res["ok"] += 1
            res["by_backend"][name] = res["by_backend"].get(name, 0) + 1
        except (OSError, BadReply) as e:
            k = err_name(e) if not isinstance(e, BadReply) else "bad_reply"
            res["errors"][k] = res["errors"].get(k, 0) + 1
        finally:
            s.close()
    return res


def cmd_post(a):
    fam = family(a.addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    out = {"size": a.size}
    try:
        s.connect((a.addr, a.port))
        out["mtu_before"] = path_mtu(s, fam)
        s.sendall(request(a.addr, a.port, "/", method="POST", body=b"x" * a.size))
        st, _, body, _ = read_response(s, b"")
        out["status"] = st
        out["backend"] = backend_of(body)
        out["mtu_after"] = path_mtu(s, fam)
    except (OSError, BadReply) as e:
        out["error"] = err_name(e) if not isinstance(e, BadReply) else "bad_reply: %s" % e
    finally:
        s.close()
    return out


def cmd_big(a):
    fam = family(a.addr)
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(a.timeout)
    out = {}
    t0 = time.monotonic()
    try:
        s.connect((a.addr, a.port))
        s.sendall(request(a.addr, a.port, "/big"))
        st, _, body, _ = read_response(s, b"")
        out["status"] = st
        out["bytes"] = len(body)
        out["backend"] = backend_of(body)
    except (OSError, BadReply) as e:
        out["error"] = err_name(e) if not isinstance(e, BadReply) else "bad_reply: %s" % e
    finally:
        s.close()
    out["elapsed_s"] = round(time.monotonic() - t0, 3)
    return out


def cmd_pmtu_udp(a):
    fam = family(a.addr)
    s = socket.socket(fam, socket.SOCK_DGRAM)
    if fam == socket.AF_INET6:
        s.setsockopt(socket.IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO)
    else:
        s.setsockopt(socket.IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO)
    s.connect((a.addr, a.port))
    s.setblocking(False)
    out = {"size": a.size, "mtu_before": path_mtu(s, fam), "sent": 0, "send_errors": {}}
    end = time.monotonic() + a.wait
    while time.monotonic() < end:
        try:
            s.send(b"p" * a.size)
            out["sent"] += 1
        except OSError as e:
            k = err_name(e)
            out["send_errors"][k] = out["send_errors"].get(k, 0) + 1
        time.sleep(0.2)
        m = path_mtu(s, fam)
        if m is not None and out["mtu_before"] is not None and m < out["mtu_before"]:
            break
    out["mtu_after"] = path_mtu(s, fam)
    # With the smaller MTU learned, the same datagram cannot leave any more.
    try:
        s.send(b"p" * a.size)
        out["resend"] = "sent"
    except OSError as e:
        out["resend"] = err_name(e)
    s.close()
    return out


def parse(argv):
    import argparse

    p = argparse.ArgumentParser(description="world clients (see the module doc)")
    sub = p.add_subparsers(dest="cmd", required=True)

    def common(q):
        q.add_argument("addr")
        q.add_argument("port", type=int)
        q.add_argument("--timeout", type=float, default=5.0)
        return q

    q = common(sub.add_parser("get"))
    q.add_argument("--n", type=int, default=1)
    q.add_argument("--conc", type=int, default=1)
    q.add_argument("--duration", type=float, default=0.0)
    q.add_argument("--path", default="/")
    q.add_argument("--pause-ms", type=float, default=0.0)
    q.add_argument("--ops")
    q = common(sub.add_parser("hold"))
    q.add_argument("--conns", type=int, default=1)
    q.add_argument("--interval-ms", type=float, default=50.0)
    q.add_argument("--stop-file", required=True)
    q.add_argument("--ready-file")
    q.add_argument("--max-s", type=float, default=300.0)
    q = common(sub.add_parser("udp"))
    q.add_argument("--n", type=int, default=1)
    q = common(sub.add_parser("post"))
    q.add_argument("--size", type=int, default=20000)
    common(sub.add_parser("big"))
    q = sub.add_parser("pmtu-udp")
    q.add_argument("addr")
    q.add_argument("port", type=int)
    q.add_argument("--size", type=int, default=1472)
    q.add_argument("--wait", type=float, default=5.0)
    return p.parse_args(argv)


def main():
    a = parse(sys.argv[1:])
    fn = {"get": cmd_get, "hold": cmd_hold, "udp": cmd_udp, "post": cmd_post,
          "big": cmd_big, "pmtu-udp": cmd_pmtu_udp}[a.cmd]
    print(json.dumps(fn(a), sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
