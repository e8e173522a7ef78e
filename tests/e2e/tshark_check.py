#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
"""Check a capture of sluiced's link with tshark's dissectors (tests/e2e/world.sh).

    tshark_check.py CAPTURE LB_MAC TUNNEL_SRC4 TUNNEL_SRC6 GUE_PORT VIP...
    tshark_check.py --self-test DIR

Runs tshark over CAPTURE with checksum validation on for IPv4, TCP and UDP
(ICMP and ICMPv6 checksums are always validated) and the GUE port decoded
as IP (tshark 4.0 has no GUE dissector; GUE variant 1 carries the inner IP
header right after UDP, and the "ip" dissector hands a version-6 header to
the IPv6 one).  Only link, network and transport dissectors run (an
ephemeral port that matches some application's well-known port would
otherwise be dissected as that application and called malformed).  TCP
reassembly and sequence analysis are off: the capture
holds each client packet twice (to sluiced, and from it encapsulated), which
that analysis would call retransmissions.

Prints one JSON object:
  frames        frames in the capture
  malformed     frames with _ws.malformed
  bad_checksum  frames with a checksum that is not good (a zero UDP checksum
                over IPv4 is allowed), layer by layer up to an ICMP layer
                (the packet an ICMP error quotes is cut short: its TCP/UDP
                checksum cannot be verified)
  errors        frames (other than ICMP) with expert info of severity Error
  by_kind       sluiced's frames (Ethernet source LB_MAC) by kind:
                  ipip/T, ip6ip6/T, ip4in6/T, gue4in4/T, gue6in4/T,
                  gue4in6/T, gue6in6/T  (outer source TUNNEL_SRC4/6; T is
                  the inner transport: tcp, udp, icmp, icmpv6)
                  too_big4, too_big6   (sluiced's ICMP replies, source a VIP)
                  kernel               (the LB host's own traffic)
  unrecognised  sluiced's frames from a tunnel source that are none of the
                above (an encapsulation the dissectors did not take apart)
  bad           the first few offending frames, for the log
Exit status 0 unless tshark itself failed.

--self-test DIR writes a capture of made-up frames into DIR (good GUE over
IPv4 and IPv6 with IPv4 and IPv6 inside, IPIP; a bad inner UDP checksum, a
bad outer IPv4 checksum, a zero UDP checksum over IPv6) and checks that the
above finds exactly the bad ones and recognises the good ones: the check of
the check, on the tshark that is installed.  Exit status 0 when it does.
"""
import json
import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import tempfile

SEVERITY_ERROR = 0x00800000  # PI_ERROR
# Checksum status values (proto_checksum_enum_t): 0 bad, 1 good,
# 2 unverified, 3 not present (a zero UDP checksum over IPv4), 4 illegal.
CK_FIELDS = {"ip": "ip.checksum.status", "tcp": "tcp.checksum.status",
             "udp": "udp.checksum.status", "icmp": "icmp.checksum.status",
             "icmpv6": "icmpv6.checksum.status"}
FIELDS = ["frame.number", "eth.src", "frame.protocols", "ip.src", "ipv6.src", "udp.dstport",
          "icmp.type", "icmp.code", "icmpv6.type", "_ws.malformed", "_ws.expert.group",
          "_ws.expert.severity"] + list(CK_FIELDS.values())


def ints(v):
    return [int(x, 0) for x in v.split(",") if x]


def csum(b):
    if len(b) % 2:
        b += b"\0"
    v = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while v >> 16:
        v = (v & 0xFFFF) + (v >> 16)
    return ~v & 0xFFFF


def ip4(src, dst, proto, payload, bad=False):
    s, d = socket.inet_aton(src), socket.inet_aton(dst)
    h = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(payload), 1, 0x4000, 64, proto, 0, s, d)
    c = csum(h) ^ (0x1234 if bad else 0)
    return h[:10] + struct.pack("!H", c) + h[12:] + payload


def ip6(src, dst, nxt, payload):
    s, d = socket.inet_pton(socket.AF_INET6, src), socket.inet_pton(socket.AF_INET6, dst)
    return struct.pack("!IHBB16s16s", 6 << 28, len(payload), nxt, 64, s, d) + payload


def udp(src, dst, sp, dp, data, bad=False, zero=False):
    fam = socket.AF_INET6 if ":" in src else socket.AF_INET
    u = struct.pack("!HHHH", sp, dp, 8 + len(data), 0) + data
    if fam == socket.AF_INET:
        ph = socket.inet_aton(src) + socket.inet_aton(dst) + struct.pack("!BBH", 0, 17, len(u))
    else:
        ph = (socket.inet_pton(fam, src) + socket.inet_pton(fam, dst) +
              struct.pack("!IxxxB", len(u), 17))
    c = (csum(ph + u) or 0xFFFF) ^ (0x1111 if bad else 0)
    if zero:
        c = 0
    return u[:6] + struct.pack("!H", c) + u[8:]


def self_test(d):
    lb, rt = "029901000002", "029901000001"
    e4 = bytes.fromhex(rt + lb + "0800")
    e6 = bytes.fromhex(rt + lb + "86dd")
    lb4, lb6, b4, b6 = "10.99.1.2", "fd00:99::1:2", "10.99.2.11", "fd00:99::2:11"
    c4, c6, v4, v6 = "10.99.11.2", "fd00:99::11:2", "10.99.100.2", "fd00:99::100:2"
    in4 = ip4(c4, v4, 17, udp(c4, v4, 1234, 5300, b"ping"))
    in6 = ip6(c6, v6, 17, udp(c6, v6, 1234, 5300, b"ping"))
    frames = [
        e4 + ip4(lb4, b4, 17, udp(lb4, b4, 40000, 6080, in4)),        # gue4in4, good
        e6 + ip6(lb6, b6, 17, udp(lb6, b6, 40000, 6080, in6)),        # gue6in6, good
        e4 + ip4(lb4, b4, 4, in4),                                     # ipip, good
        e4 + ip4(lb4, b4, 17, udp(lb4, b4, 40000, 6080,               # bad inner UDP
                                  ip4(c4, v4, 17, udp(c4, v4, 1, 5300, b"x", bad=True)))),
        e4 + ip4(lb4, b4, 4, in4, bad=True),                           # bad outer IPv4
        e6 + ip6(lb6, b6, 17, udp(lb6, b6, 40000, 6080, in6, zero=True)),  # zero over IPv6
    ]
    path = os.path.join(d, "self-test.pcap")
    with open(path, "wb") as f:
        f.write(struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1))
        for i, fr in enumerate(frames):
            f.write(struct.pack("<IIII", i, 0, len(fr), len(fr)) + fr)
    r = check(path, "02:99:01:00:00:02", lb4, lb6, "6080", {v4, v6})
    k = r["by_kind"]
    ok = (r["bad_checksum"] == 3 and k.get("gue4in4/udp", 0) == 2 and
          k.get("gue6in6/udp", 0) == 2 and k.get("ipip/udp", 0) == 2 and r["unrecognised"] == 0)
    print(json.dumps(dict(r, self_test="ok" if ok else "FAILED"), sort_keys=True))
    return 0 if ok else 1


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--self-test":
        return self_test(sys.argv[2])
    if len(sys.argv) < 6:
        sys.stderr.write(__doc__)
        return 2
    cap, lb_mac, src4, src6, gue = sys.argv[1:6]
    r = check(cap, lb_mac, src4, src6, gue, set(sys.argv[6:]))
    if r is None:
        return 1
    print(json.dumps(r, sort_keys=True))
    return 0


# Dissected: the link, network and transport layers and nothing above.
# Application dissectors on well-known ports would take an ephemeral port
# that happens to match (a client's UDP source port 9300 decoded as
# Elasticsearch) and call the payload malformed: not sluiced's business.
KEEP = re.compile(r"^(frame|eth|ethertype|vlan|arp|ip|ipv6(\..*)?|icmp|icmpv6|tcp|udp|data|_ws\..*)$")


def config_dir():
    """A tshark configuration directory whose disabled_protos holds every
    protocol but KEEP's; None if tshark cannot list its protocols."""
    p = subprocess.run(["tshark", "-G", "protocols"], stdout=subprocess.PIPE,
                       stderr=subprocess.DEVNULL, text=True, timeout=120)
    names = [ln.split("\t")[2] for ln in p.stdout.splitlines() if ln.count("\t") >= 2]
    if p.returncode != 0 or not names:
        return None
    d = tempfile.mkdtemp(prefix="sluice-tshark.")
    with open(os.path.join(d, "disabled_protos"), "w") as f:
        f.write("".join(n + "\n" for n in names if not KEEP.match(n)))
    return d


def check(cap, lb_mac, src4, src6, gue, vips):
    """The summary of CAPTURE (see the module doc), or None if tshark failed."""
    cfg = config_dir()
    if cfg is None:
        sys.stderr.write("tshark -G protocols failed\n")
        return None
    try:
        return check_with(cap, lb_mac, src4, src6, gue, vips, cfg)
    finally:
        shutil.rmtree(cfg, ignore_errors=True)


def check_with(cap, lb_mac, src4, src6, gue, vips, cfg):
    cmd = ["tshark", "-n", "-r", cap,
           "-o", "ip.check_checksum:TRUE", "-o", "tcp.check_checksum:TRUE",
           "-o", "udp.check_checksum:TRUE",
           "-o", "tcp.desegment_tcp_streams:FALSE", "-o", "tcp.analyze_sequence_numbers:FALSE",
           "-d", "udp.port==%s,ip" % gue,
           "-T", "fields", "-E", "occurrence=a", "-E", "separator=\t"]
    for f in FIELDS:
        cmd += ["-e", f]
    env = dict(os.environ, WIRESHARK_CONFIG_DIR=cfg)
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=600, env=env)
    if p.returncode != 0:
        sys.stderr.write(p.stderr)
        return None
    out = {"frames": 0, "malformed": 0, "bad_checksum": 0, "errors": 0, "by_kind": {},
           "unrecognised": 0, "bad": []}

    def bad(num, why, protos):
        if len(out["bad"]) < 10:
            out["bad"].append("frame %s: %s (%s)" % (num, why, protos))

    for line in p.stdout.splitlines():
        f = dict(zip(FIELDS, line.split("\t") + [""] * len(FIELDS)))
        out["frames"] += 1
        protos = f["frame.protocols"]
        if f["_ws.malformed"]:
            out["malformed"] += 1
            bad(f["frame.number"], "malformed", protos)
        # Checksums, layer by layer, up to and including an ICMP layer: what
        # an ICMP error quotes is cut short (576 bytes in all for IPv4), so
        # the quoted TCP/UDP checksum cannot be verified (tshark computes
        # one over what is there and calls it bad).
        seen = {k: 0 for k in CK_FIELDS}
        st = {k: f[v].split(",") for k, v in CK_FIELDS.items()}
        toks = protos.split(":")
        last_ip = None
        for i, tok in enumerate(toks):
            if tok == "ip" and i + 1 < len(toks) and toks[i + 1] == "ipv6":
                continue  # GUE decoded as "ip": it hands IPv6 on
            if tok in ("ip", "ipv6"):
                last_ip = tok
            if tok not in CK_FIELDS:
                continue
            v = st[tok][seen[tok]] if seen[tok] < len(st[tok]) else ""
            seen[tok] += 1
            # A zero UDP checksum means "none" over IPv4 only.
            ok = v == "1" or (v == "3" and tok == "udp" and last_ip == "ip")
            if tok == "ip" and v == "2":
                ok = False
            if not ok:
                out["bad_checksum"] += 1
                bad(f["frame.number"], "%s checksum status %r (layer %d)" % (tok, v, i), protos)
                break
            if tok in ("icmp", "icmpv6"):
                break
        # Expert errors outside ICMP errors (inside them: see above).
        sev = ints(f["_ws.expert.severity"])
        if "icmp" not in toks and "icmpv6" not in toks and any(x >= SEVERITY_ERROR for x in sev):
            out["errors"] += 1
            bad(f["frame.number"], "expert error", protos)
        if f["eth.src"].lower() != lb_mac.lower():
            continue
        t = protos.split(":")
        if t[:2] != ["eth", "ethertype"] or len(t) < 3:
            out["by_kind"]["kernel"] = out["by_kind"].get("kernel", 0) + 1  # ARP
            continue
        t = t[2:]
        src = (f["ip.src"] if t[0] == "ip" else f["ipv6.src"]).split(",")[0]
        kind = None
        if src in vips:
            if t[0] == "ip" and f["icmp.type"].split(",")[0] == "3" and \
                    f["icmp.code"].split(",")[0] == "4":
                kind = "too_big4"
            elif t[0] == "ipv6" and f["icmpv6.type"].split(",")[0] == "2":
                kind = "too_big6"
        elif src in (src4, src6):
            o = "4" if t[0] == "ip" else "6"
            rest = None
            if len(t) > 1 and t[1] in ("ip", "ipv6"):
                name = {"ip": "ipip", "ipv6": "ip6ip6"}[t[1]] if (t[0] == t[1]) else "ip4in6"
                if t[0] == "ip" and t[1] == "ipv6":
                    name = None  # IPv6 in IPv4: not something sluiced sends
                rest = t[2:]
                kind = name
            elif len(t) > 1 and t[1] == "udp" and f["udp.dstport"].split(",")[0] == gue:
                if len(t) > 2 and t[2] == "ip":
                    inner = "6" if len(t) > 3 and t[3] == "ipv6" else "4"
                    kind = "gue%sin%s" % (inner, o)
                    rest = t[4:] if inner == "6" else t[3:]
            elif len(t) > 1 and t[1] in ("tcp", "udp", "icmp", "icmpv6"):
                kind = "kernel"  # health checks, ND: the LB host's kernel
            if kind and kind != "kernel":
                if rest and rest[0] in ("tcp", "udp", "icmp", "icmpv6"):
                    kind += "/" + rest[0]
                else:
                    kind = None
            if kind is None:
                out["unrecognised"] += 1
                bad(f["frame.number"], "unrecognised encapsulation", protos)
                continue
        else:
            kind = "kernel"
        if kind is None:
            kind = "other"
        out["by_kind"][kind] = out["by_kind"].get(kind, 0) + 1
    return out


if __name__ == "__main__":
    sys.exit(main())
