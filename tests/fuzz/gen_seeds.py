#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# Writes the seed frames of the parse fuzz harness to seeds/parse/.  Run once
# by hand when the seeds should change; the .bin files are committed so that
# builds need no Python.  One seed per parser path, so the fuzzer and the
# replay driver start from every branch.
import os
import struct

C4, V4, R4 = bytes([192, 0, 2, 1]), bytes([198, 51, 100, 10]), bytes([203, 0, 113, 254])
C6 = bytes.fromhex('20010db8000000000000000000000001')
V6 = bytes.fromhex('20010db8ffff00000000000000000010')
R6 = bytes.fromhex('20010db8ee00000000000000000000fe')
MACS = bytes.fromhex('020000000001020000000002')


def eth(et, vlan=None):
    if vlan is None:
        return MACS + struct.pack('!H', et)
    return MACS + struct.pack('!HHH', 0x8100, vlan, et)


def ip4(proto, body, src=C4, dst=V4, frag=0x4000, opts=b'', tot=None):
    ihl = 5 + len(opts) // 4
    tot = 4 * ihl + len(body) if tot is None else tot
    return struct.pack('!BBHHHBBH4s4s', 0x40 | ihl, 0, tot, 0x1234, frag, 64, proto, 0,
                       src, dst) + opts + body


def ip6(nh, body, src=C6, dst=V6, plen=None):
    plen = len(body) if plen is None else plen
    return struct.pack('!IHBB16s16s', 0x60012345, plen, nh, 64, src, dst) + body


def ext(nh, length=8):
    return struct.pack('!BBBB', nh, length // 8 - 1, 1, length - 4) + bytes(length - 4)


def tcp(sport, dport, flags=0x02, opts=b''):
    doff = 5 + len(opts) // 4
    return struct.pack('!HHIIBBHHH', sport, dport, 1000, 2000, doff << 4, flags, 65535, 0,
                       0) + opts


def udp(sport, dport, payload=b''):
    return struct.pack('!HHHH', sport, dport, 8 + len(payload), 0) + payload


def icmp(t, code, rest, body):
    return struct.pack('!BBHI', t, code, 0, rest) + body


seeds = {
    'v4_tcp_syn': eth(0x0800) + ip4(6, tcp(40000, 443, 0x02, b'\x02\x04\x05\xb4')),
    'v4_vlan_udp_opts': eth(0x0800, vlan=100) + ip4(17, udp(5353, 53, b'q' * 12), frag=0,
                                                     opts=b'\x01\x01\x01\x00'),
    'v4_udp_padded': (eth(0x0800) + ip4(17, udp(1234, 4789), frag=0)).ljust(60, b'\0'),
    'v4_frag': eth(0x0800) + ip4(17, b'x' * 16, frag=0x2000 | 0),
    # Larger than the path harness's MTU once encapsulated: the too-big path.
    'v4_tcp_big_df': eth(0x0800) + ip4(6, tcp(40001, 443, 0x10) + b'b' * 1400),
    'v6_udp_big': eth(0x86dd) + ip6(17, udp(40002, 53, b'c' * 1400)),
    'v6_tcp_ext': eth(0x86dd) + ip6(0, ext(60) + ext(6, 16) + tcp(50000, 443, 0x10)),
    'v6_frag': eth(0x86dd) + ip6(44, struct.pack('!BBHI', 17, 0, (100 << 3), 1) + b'y' * 8),
    'icmp4_frag_needed': eth(0x0800) + ip4(1, icmp(3, 4, 1400,
                                                   ip4(6, tcp(443, 40000, 0x18), src=V4,
                                                       dst=C4, tot=1500)[:28]),
                                           src=R4, frag=0),
    'icmp6_ptb': eth(0x86dd) + ip6(58, icmp(2, 0, 1280,
                                            ip6(17, udp(443, 40000, b'z' * 32), src=V6,
                                                dst=C6, plen=1460)), src=R6),
    'icmp4_echo': eth(0x0800) + ip4(1, icmp(8, 0, 0x00010001, b'ping' * 8), frag=0),
    'arp': eth(0x0806) + bytes.fromhex('0001080006040001') + MACS[6:] + C4 + bytes(6) + V4,
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), 'seeds', 'parse')
os.makedirs(out, exist_ok=True)
for name, frame in seeds.items():
    with open(os.path.join(out, name + '.bin'), 'wb') as f:
        f.write(frame)
print('wrote %d seeds to %s' % (len(seeds), out))
