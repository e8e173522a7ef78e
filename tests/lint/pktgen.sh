#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# The Pktgen-DPDK scripts (tools/pktgen/*.lua), without Pktgen:
#   1. every .lua compiles (luac -p, Lua 5.4 as Pktgen 23.03 embeds);
#   2. sluice.lua runs against tests/lint/pktgen_mock.lua, a stand-in for
#      Pktgen 23.03's `pktgen` Lua table that checks each call's arguments,
#      in the mixes the README documents, and does what they promise: the
#      range it sets, the restart period of a new-flow share, the IPv6 CLI
#      lines, the JSON result; a bad parameter is an error;
#   3. with SLUICED (the built daemon) as argument: the sluiced configurations
#      in tools/pktgen validate (sluiced --check-config).
#
#   pktgen.sh [SLUICED]
# What this cannot show is that a live Pktgen behaves as its source reads
# (tools/pktgen/README.md says so).
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
LUAC=$(command -v luac5.4 || true)
LUA=$(command -v lua5.4 || true)
if [ -z "$LUAC" ] || [ -z "$LUA" ]; then
	echo "pktgen lint: lua5.4 not found (apt install lua5.4; tools/setup.sh does)" >&2
	exit 1
fi
work=$(mktemp -d /tmp/sl-pktgen-lint-XXXXXX)
trap 'rm -rf "$work"' EXIT
fails=0
fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# one file per luac call (Debian's luac5.4 -p crashes on several)
for f in "$root"/tools/pktgen/*.lua "$root"/tests/lint/pktgen_mock.lua; do
	"$LUAC" -p "$f" || fail "$f does not compile"
done

# scenario NAME PYTHON_CHECK [VAR=VALUE...]: run sluice.lua on the mock with
# the variables; the check sees `r` (the JSON result) and `m` (the mock's
# record: starts, stops, delay_ms, calls, cli).
scenario() {
	local name=$1 check=$2
	shift 2
	if ! env SL_OUT="$work/$name.json" "$@" "$LUA" "$root/tests/lint/pktgen_mock.lua" \
		"$root/tools/pktgen/sluice.lua" >"$work/$name.out" 2>&1; then
		fail "$name: the script failed: $(tail -n 3 "$work/$name.out")"
		return
	fi
	python3 - "$work/$name.json" "$work/$name.out" "$check" <<'EOF' || fail "$name: $check"
import json, sys
r = json.load(open(sys.argv[1]))
m = json.loads([l for l in open(sys.argv[2]) if l.startswith("mock: ")][-1][6:])
ok = eval("(" + sys.argv[3] + ")")
if not ok:
    print("result:", json.dumps(r), file=sys.stderr)
    print("calls:", m["calls"][:40], m["cli"], file=sys.stderr)
sys.exit(0 if ok else 1)
EOF
}

# Defaults: 1024 established flows on one address, ports 1025..2048, one
# start, no restart; 1 s of rate reading + 2 s warm-up + 10 s window.
scenario defaults '
r["restarts"] == 0 and m["starts"] == 1 and r["distinct_tuples"] == 1024
and "range.src_port 0 max 2048" in m["calls"] and "range.src_ip 0 inc 0.0.0.0" in m["calls"]
and "set_range 0 on" in m["calls"] and "range.dst_ip 0 start 10.99.100.1" in m["calls"]
and m["delay_ms"] == 13000 and r["tx_pps"] == 10000000 and r["rx_tx_ratio"] == 0.9
and r["restart_period_ms"] is None and m["calls"][-1] == "quit"'

# A 1% new-flow share at 10 Mpps from a pool of 8192: restart every
# 8192 / (0.01 x 10e6) s = 81.92 -> 82 ms (a 0.999% share); 2 s warm-up +
# 10 s = 25 + 122 restarts.
scenario new-share '
r["restart_period_ms"] == 82 and r["restarts"] == 147 and m["starts"] == 148
and r["new_share_planned"] == 0.0100 and m["delay_ms"] == 13000
and r["distinct_tuples"] == 16384 * 64511
and "range.src_ip 0 max 10.99.127.255" in m["calls"] and "range.src_port 0 max 65535" in m["calls"]' \
	SL_NEW_SHARE=0.01

# The pool is per TX queue: 2 queues, twice the flows per start, twice the
# period.
scenario two-queues 'r["pool"] == 16384 and r["restart_period_ms"] == 164' \
	SL_NEW_SHARE=0.01 SL_TX_QUEUES=2

# A million established flows, more than the pool: 16 addresses x 64511
# ports; restarts so that the range wraps in half of the 30 s UDP timeout:
# 15 s x 8192 / 1032176 = 119.05 -> 119 ms; the warm-up grows to 16 s.
scenario many-flows '
r["distinct_tuples"] == 1032176 and r["restart_period_ms"] == 119 and r["new_share_planned"] == 0
and m["delay_ms"] == 1000 + 16000 + 10000 and "range.src_ip 0 max 10.99.64.15" in m["calls"]' \
	SL_FLOWS=1000000

# IPv6 and TCP: the addresses through the CLI (range type ipv6), the rest
# through the Lua API; 64 bytes cannot hold Ethernet + IPv6 + TCP + FCS: 78.
scenario ipv6 '
r["ipv6"] is True and r["proto"] == "tcp" and "set_type 0 ipv6" in m["calls"]
and r["size"] == 78 and "range.pkt_size 0 max 78" in m["calls"]
and "range 0 type ipv6" in m["cli"] and "range 0 dst ip start fd00:99::100" in m["cli"]
and "range 0 src ip max fd00:99::4:0" in m["cli"] and "range 0 src ip inc ::" in m["cli"]
and not any(c.startswith("range.src_ip") for c in m["calls"])' \
	SL_IPV6=1 SL_PROTO=tcp

# Separate ports: sent on 0, counted on 1.
scenario two-ports 'r["tx_port"] == 0 and r["rx_port"] == 1 and r["rx_pps"] == 9000000' \
	SL_RX_PORT=1

# A bad parameter stops the script with a message naming it.
if env SL_PROTO=icmp "$LUA" "$root/tests/lint/pktgen_mock.lua" "$root/tools/pktgen/sluice.lua" \
	>"$work/bad.out" 2>&1; then
	fail "SL_PROTO=icmp was accepted"
elif ! grep -q "SL_PROTO: udp or tcp, not icmp" "$work/bad.out"; then
	fail "SL_PROTO=icmp: no message naming it: $(cat "$work/bad.out")"
fi

if [ $# -ge 1 ]; then
	for y in "$root"/tools/pktgen/*.yaml; do
		"$1" --check-config "$y" >"$work/check.out" 2>&1 ||
			fail "$y: $(cat "$work/check.out")"
	done
fi

[ $fails -eq 0 ] && echo "pktgen lint: scripts compile and run against the 23.03 API mock"
exit $((fails > 0))
