#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
"""Traffic ends for tests/e2e/xdp_smoke.sh (Python standard library only).

    xdp_peer.py ping ADDRESS                 one ICMP/ICMPv6 echo; exit 0 on a reply
    xdp_peer.py udp ADDRESS PORT COUNT       send COUNT datagrams
    xdp_peer.py pace ADDRESS PORT PER_S SECONDS
                                             send PER_S datagrams a second, in
                                             ten even bursts a second; print
                                             how many were sent
    xdp_peer.py syn ADDRESS PORT             one TCP connect attempt (SYN), no wait
    xdp_peer.py banner ADDRESS PORT TEXT     connect, expect TEXT; exit 0 if it came
    xdp_peer.py serve ADDRESS PORT TEXT SECONDS READY_FILE
                                             TCP: send TEXT to each client
    xdp_peer.py count ADDRESS PORT SECONDS READY_FILE
                                             UDP: print how many datagrams came

Every call is bounded in time (2 s per reply, SECONDS for servers), so nothing
outlives a test whose clean-up did not run.  The test runs each in the right
network namespace (ip netns exec).
"""
import os
import select
import socket
import struct
import sys
import time


def family(addr):
    return socket.AF_INET6 if ":" in addr else socket.AF_INET


def ready(path):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % os.getpid())
    os.rename(tmp, path)


def csum(data):
    if len(data) % 2:
        data += b"\0"
    s = sum(struct.unpack("!%dH" % (len(data) // 2), data))
    s = (s >> 16) + (s & 0xFFFF)
    s += s >> 16
    return ~s & 0xFFFF


def ping(addr):
    ident = os.getpid() & 0xFFFF
    if family(addr) == socket.AF_INET:
        s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP)
        req, rep = 8, 0
    else:
        # The kernel fills in the ICMPv6 checksum of raw ICMPv6 sockets.
        s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
        req, rep = 128, 129
    hdr = struct.pack("!BBHHH", req, 0, 0, ident, 1) + b"sluice-xdp-smoke"
    if req == 8:
        hdr = hdr[:2] + struct.pack("!H", csum(hdr)) + hdr[4:]
    s.sendto(hdr, (addr, 0))
    end = time.monotonic() + 2.0
    while time.monotonic() < end:
        r, _, _ = select.select([s], [], [], max(0.0, end - time.monotonic()))
        if not r:
            break
        data, src = s.recvfrom(2048)
        if req == 8:
            data = data[(data[0] & 0x0F) * 4:]  # raw IPv4 sockets see the IP header
        if len(data) >= 8 and data[0] == rep and struct.unpack("!H", data[4:6])[0] == ident:
            return 0
    print("no echo reply from %s" % addr, file=sys.stderr)
    return 1


def udp(addr, port, count):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    for i in range(count):
        s.sendto(b"sluice-xdp-smoke %d" % i, (addr, port))
    return 0


def pace(addr, port, per_s, seconds):
    """PER_S datagrams a second for SECONDS, a tenth of them every 100 ms (a
    steady trickle, far below what a polling sluiced drains)."""
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    burst = max(1, per_s // 10)
    ticks = int(seconds * 10)
    start = time.monotonic()
    n = 0
    for t in range(ticks):
        for _ in range(burst):
            s.sendto(b"sluice-xdp-pace %d" % n, (addr, port))
            n += 1
        delay = start + (t + 1) * 0.1 - time.monotonic()
        if delay > 0:
            time.sleep(delay)
    print(n)
    return 0


def syn(addr, port):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setblocking(False)
    try:
        s.connect((addr, port))
    except BlockingIOError:
        pass
    time.sleep(0.2)  # let the SYN leave before the socket closes
    return 0


def banner(addr, port, text):
    try:
        s = socket.create_connection((addr, port), timeout=2.0)
        got = s.recv(len(text) + 16).decode(errors="replace")
    except OSError as e:
        print("banner %s:%d: %s" % (addr, port, e), file=sys.stderr)
        return 1
    if got != text:
        print("banner %s:%d: got %r" % (addr, port, got), file=sys.stderr)
        return 1
    return 0


def serve(addr, port, text, seconds, ready_file):
    s = socket.socket(family(addr), socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, port))
    s.listen(16)
    s.settimeout(0.5)
    ready(ready_file)
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            c, _ = s.accept()
        except socket.timeout:
            continue
        c.sendall(text.encode())
        c.close()
    return 0


def count(addr, port, seconds, ready_file):
    s = socket.socket(family(addr), socket.SOCK_DGRAM)
    s.bind((addr, port))
    s.settimeout(0.2)
    ready(ready_file)
    n = 0
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            s.recv(2048)
            n += 1
        except socket.timeout:
            pass
    print(n)
    return 0


def main(argv):
    cmd, args = argv[1], argv[2:]
    if cmd == "ping":
        return ping(args[0])
    if cmd == "udp":
        return udp(args[0], int(args[1]), int(args[2]))
    if cmd == "pace":
        return pace(args[0], int(args[1]), int(args[2]), float(args[3]))
    if cmd == "syn":
        return syn(args[0], int(args[1]))
    if cmd == "banner":
        return banner(args[0], int(args[1]), args[2])
    if cmd == "serve":
        return serve(args[0], int(args[1]), args[2], float(args[3]), args[4])
    if cmd == "count":
        return count(args[0], int(args[1]), float(args[2]), args[3])
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
