#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
"""Both ends of tests/e2e/decap_smoke.sh, standard library only.

  serve  --vip4 A --vip6 B --port P --log FILE
         UDP server on the backend: one socket per VIP, each datagram logged
         as "FAMILY SRC_ADDR SRC_PORT PAYLOAD" and answered "ack:PAYLOAD"
         from the VIP straight to the sender (direct server return).
  send   --iface IF --src-mac M --dst-mac M --tun4 SRC,DST --tun6 SRC,DST
         --cli4 A --cli6 A --vip4 A --vip6 A --port P --gue-port G
         --cases LIST [--expect reply|none] [--counts FILE]
         For each case, a frame built here byte by byte (outer headers exactly
         as dataplane/sl_encap.c writes them, checksums by RFC 1071), sent on
         IF through an AF_PACKET socket; with --expect reply, waits for the
         server's answer on a UDP socket bound to the client address and
         checks it came from VIP:P (retries a lost frame, at most 3 sends).
         --counts FILE gets the number of frames sent per decap counter.
  plain  --cli4/--cli6/--vip4/--vip6/--port: ordinary UDP (no tunnel)
         through the kernel to each VIP; the answer must come back.

Cases: ipip ip6ip6 ip4ip6 gue4-in4 gue4-in6 gue6-in4 gue6-in6 (the outer
family after "gue"), and gue4-other (GUE to port G+1: not to be stripped).
Exit status 0 when every case did what was expected, 1 otherwise.
"""
import argparse
import json
import select
import socket
import struct
import sys
import time

CASES = {
    # case: (outer family, inner family, outer protocol or "gue", counter)
    "ipip": (4, 4, 4, "ipip"),
    "ip6ip6": (6, 6, 41, "ip6ip6"),
    "ip4ip6": (6, 4, 4, "ip4ip6"),
    "gue4-in4": (4, 4, "gue", "gue_ipv4"),
    "gue4-in6": (4, 6, "gue", "gue_ipv4"),
    "gue6-in4": (6, 4, "gue", "gue_ipv6"),
    "gue6-in6": (6, 6, "gue", "gue_ipv6"),
    "gue4-other": (4, 4, "gue+1", "passed"),
}


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return ~s & 0xFFFF


def udp(src, dst, sport, dport, payload, with_csum=True):
    n = 8 + len(payload)
    hdr = struct.pack("!HHHH", sport, dport, n, 0)
    if not with_csum:
        return hdr + payload
    if len(src) == 4:
        ph = src + dst + struct.pack("!BBH", 0, 17, n)
    else:
        ph = src + dst + struct.pack("!I3xB", n, 17)
    c = csum(ph + hdr + payload) or 0xFFFF
    return struct.pack("!HHHH", sport, dport, n, c) + payload


def ip4(src, dst, proto, payload, tos=0, ttl=64, df=True):
    h = struct.pack("!BBHHHBBH4s4s", 0x45, tos, 20 + len(payload), 0,
                    0x4000 if df else 0, ttl, proto, 0, src, dst)
    return h[:10] + struct.pack("!H", csum(h)) + h[12:] + payload


def ip6(src, dst, nh, payload, tc=0, fl=0, hl=64):
    return struct.pack("!IHBB", (6 << 28) | (tc << 20) | (fl & 0xFFFFF),
                       len(payload), nh, hl) + src + dst + payload


def a4(s):
    return socket.inet_pton(socket.AF_INET, s)


def a6(s):
    return socket.inet_pton(socket.AF_INET6, s)


def mac(s):
    return bytes(int(x, 16) for x in s.split(":"))


def build(args, case, sport, payload):
    ofam, ifam, proto, _ = CASES[case]
    if ifam == 4:
        inner = ip4(a4(args.cli4), a4(args.vip4), 17,
                    udp(a4(args.cli4), a4(args.vip4), sport, args.port, payload),
                    ttl=63, df=False)
    else:
        inner = ip6(a6(args.cli6), a6(args.vip6), 17,
                    udp(a6(args.cli6), a6(args.vip6), sport, args.port, payload),
                    fl=sport, hl=63)
    t4s, t4d = (a4(x) for x in args.tun4.split(","))
    t6s, t6d = (a6(x) for x in args.tun6.split(","))
    # GUE source port: any in 32768..65535, per flow, as sluice chooses it.
    gsport = 0x8000 | (sport * 2654435761 & 0x7FFF)
    if proto in ("gue", "gue+1"):
        gport = args.gue_port + (proto == "gue+1")
        if ofam == 4:  # sluice: UDP checksum 0 over IPv4
            outer = ip4(t4s, t4d, 17, udp(t4s, t4d, gsport, gport, inner, False))
        else:  # and a full one over IPv6
            outer = ip6(t6s, t6d, 17, udp(t6s, t6d, gsport, gport, inner), fl=sport)
    elif ofam == 4:
        outer = ip4(t4s, t4d, proto, inner)
    else:
        outer = ip6(t6s, t6d, proto, inner, fl=sport)
    etype = 0x0800 if ofam == 4 else 0x86DD
    return mac(args.dst_mac) + mac(args.src_mac) + struct.pack("!H", etype) + outer


def wait_reply(sock, timeout):
    r, _, _ = select.select([sock], [], [], timeout)
    if not r:
        return None
    return sock.recvfrom(2048)


def cmd_send(args):
    cases = [c for c in args.cases.split(",") if c]
    for c in cases:
        if c not in CASES:
            print("decap_peer: unknown case %r" % c, file=sys.stderr)
            return 2
    raw = socket.socket(socket.AF_PACKET, socket.SOCK_RAW)
    raw.bind((args.iface, 0))
    counts = {}
    ok = True
    for i, case in enumerate(cases):
        ifam = CASES[case][1]
        sport = args.base_port + i
        payload = ("decap-%s-%d" % (case, sport)).encode()
        fam = socket.AF_INET if ifam == 4 else socket.AF_INET6
        sock = socket.socket(fam, socket.SOCK_DGRAM)
        sock.bind((args.cli4 if ifam == 4 else args.cli6, sport))
        frame = build(args, case, sport, payload)
        got = None
        for _ in range(3 if args.expect == "reply" else 1):
            raw.send(frame)
            counts[CASES[case][3]] = counts.get(CASES[case][3], 0) + 1
            if args.expect != "reply":
                break
            got = wait_reply(sock, args.timeout)
            if got:
                break
        sock.close()
        if args.expect != "reply":
            print("sent %s (%d bytes)" % (case, len(frame)))
            continue
        want_from = args.vip4 if ifam == 4 else args.vip6
        if not got:
            print("FAIL: %s: no reply in 3 x %.1fs" % (case, args.timeout))
            ok = False
        elif got[0] != b"ack:" + payload or got[1][0] != want_from or got[1][1] != args.port:
            print("FAIL: %s: reply %r from %r, expected ack:%s from %s:%d"
                  % (case, got[0], got[1][:2], payload.decode(), want_from, args.port))
            ok = False
        else:
            print("PASS: %s: inner datagram delivered, reply %r from %s:%d straight to %s"
                  % (case, got[0].decode(), got[1][0], got[1][1],
                     args.cli4 if ifam == 4 else args.cli6))
    if args.counts:
        with open(args.counts, "w") as f:
            json.dump(counts, f)
    return 0 if ok else 1


def cmd_plain(args):
    ok = True
    for i, (fam, cli, vip) in enumerate(((socket.AF_INET, args.cli4, args.vip4),
                                         (socket.AF_INET6, args.cli6, args.vip6))):
        sock = socket.socket(fam, socket.SOCK_DGRAM)
        sock.bind((cli, args.base_port + i))
        payload = ("plain-%d" % i).encode()
        got = None
        for _ in range(3):
            sock.sendto(payload, (vip, args.port))
            got = wait_reply(sock, args.timeout)
            if got:
                break
        sock.close()
        if got and got[0] == b"ack:" + payload and got[1][0] == vip:
            print("PASS: plain UDP to %s passed through untouched and answered" % vip)
        else:
            print("FAIL: plain UDP to %s: %r" % (vip, got))
            ok = False
    return 0 if ok else 1


def cmd_serve(args):
    socks = []
    for fam, vip in ((socket.AF_INET, args.vip4), (socket.AF_INET6, args.vip6)):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((vip, args.port))
        socks.append((s, 4 if fam == socket.AF_INET else 6))
    log = open(args.log, "a", buffering=1)
    print("ready", file=log)
    deadline = time.monotonic() + args.lifetime
    while time.monotonic() < deadline:
        r, _, _ = select.select([s for s, _ in socks], [], [], 1.0)
        for s, fam in socks:
            if s in r:
                data, peer = s.recvfrom(4096)
                print("%d %s %d %s" % (fam, peer[0], peer[1], data.decode(errors="replace")),
                      file=log)
                s.sendto(b"ack:" + data, peer[:2] if fam == 4 else peer)
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("serve", "send", "plain"):
        s = sub.add_parser(name)
        s.add_argument("--vip4", required=True)
        s.add_argument("--vip6", required=True)
        s.add_argument("--port", type=int, default=7000)
        if name == "serve":
            s.add_argument("--log", required=True)
            s.add_argument("--lifetime", type=float, default=300.0)
            continue
        s.add_argument("--cli4", required=True)
        s.add_argument("--cli6", required=True)
        s.add_argument("--base-port", type=int, default=41000)
        s.add_argument("--timeout", type=float, default=2.0)
        if name == "send":
            s.add_argument("--iface", required=True)
            s.add_argument("--src-mac", required=True)
            s.add_argument("--dst-mac", required=True)
            s.add_argument("--tun4", required=True)
            s.add_argument("--tun6", required=True)
            s.add_argument("--gue-port", type=int, default=6080)
            s.add_argument("--cases", required=True)
            s.add_argument("--expect", choices=("reply", "none"), default="reply")
            s.add_argument("--counts")
    args = p.parse_args()
    return {"serve": cmd_serve, "send": cmd_send, "plain": cmd_plain}[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
