#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
"""JSON queries for tests/e2e/control_plane.sh (Python standard library only).

    jget.py EXPR [FILE...]

Reads one JSON document from each FILE (default: one from stdin) as d0, d1,
... (`d` is d0) and prints the value of the Python expression EXPR: a string as it is, True/False as true/false,
None as null, a non-empty list of strings one per line, anything else as
compact JSON (tuples as lists).
The helpers below keep the shell script's expressions short:

    be(d, VIP, ADDRESS)  the backend_list / vip show entry of ADDRESS in VIP
    st(d, VIP, ADDRESS)  the stats entry of backend ADDRESS of VIP
    tb(d, VIP, ADDRESS)  the table entry of backend ADDRESS of VIP
    vip(d, VIP)          the entry of VIP in a {"vips": [...]} result
    tg(d, ADDRESS, TYPE) the health target of ADDRESS checked with TYPE

Exit status 1 (with the reason on stderr) when EXPR raises, e.g. on a missing
key, so a script can tell "no such field" from a value.
"""
import json
import sys


def vip(d, ref):
    for v in d["vips"]:
        if v["vip"] == ref:
            return v
    raise KeyError("no VIP %s" % ref)


def be(d, ref, addr):
    for b in d["backends"]:
        if b.get("vip", ref) == ref and b["address"] == addr:
            return b
    raise KeyError("no backend %s of %s" % (addr, ref))


def st(d, ref, addr):
    for b in vip(d, ref)["backends"]:
        if b["address"] == addr:
            return b
    raise KeyError("no backend %s of %s" % (addr, ref))


tb = st


def tg(d, addr, typ):
    for t in d["targets"]:
        if t["address"] == addr and t["type"] == typ:
            return t
    raise KeyError("no %s target %s" % (typ, addr))


def show(v):
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "null"
    if isinstance(v, list) and v and all(isinstance(x, str) for x in v):
        return "\n".join(v)
    return json.dumps(v, sort_keys=True, separators=(",", ":"))


def main():
    if len(sys.argv) < 2:
        sys.stderr.write(__doc__)
        return 2
    try:
        docs = []
        for path in sys.argv[2:]:
            with open(path) as f:
                docs.append(json.load(f))
        if not docs:
            docs.append(json.load(sys.stdin))
        env = {"d%d" % i: doc for i, doc in enumerate(docs)}
        env["d"] = docs[0]
        # One namespace, so comprehensions in EXPR see d0, d1, ... too.
        env.update({k: v for k, v in globals().items() if not k.startswith("__")})
        out = show(eval(sys.argv[1], env))
    except Exception as e:  # the script prints why and fails its check
        sys.stderr.write("jget: %s: %s: %s\n" % (sys.argv[1], type(e).__name__, e))
        return 1
    print(out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
