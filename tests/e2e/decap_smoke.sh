#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# decap_smoke.sh: the backend-side XDP decapsulation (tools/sluice-decap and
# tools/bpf/sluice_decap.o) with the real kernel stack (meson suite 'e2e').
#
#   namespace slx-decap-cli                      namespace slx-decap-be
#   "load balancer" 10.99.77.1 fd00:99::77:1     10.99.77.2 fd00:99::77:2
#   client on lo    10.99.79.1 fd00:99::79:1     VIPs on lo 10.99.78.1 fd00:99::78:1
#   decap_peer.py send: tunnel frames  --veth--> XDP sluice-decap -> stack
#     (AF_PACKET, headers as sl_encap)           decap_peer.py serve: UDP :7000
#   UDP sockets on the client addresses <------- reply from the VIP straight
#                                                to the client (DSR)
#
# The backend's kernel is used without tunnel devices (none is created; this
# machine's kernel has no ipip/ip6_tunnel/fou modules at all): the XDP
# program is the only decapsulator.  Checks, in native and in skb mode:
#   - before attach, a GUE frame is not delivered (the kernel counts it as
#     UDP NoPorts; deterministic, no waiting on silence);
#   - each of the seven encapsulations (ipip, ip6ip6, ip4ip6, GUE over IPv4
#     and IPv6 carrying IPv4 and IPv6) delivers its inner UDP datagram to the
#     server on the VIP, from the client's address, and the server's reply
#     comes from the VIP straight to the client;
#   - GUE to another port is not stripped (NoPorts again), plain UDP to the
#     VIPs passes untouched and is answered;
#   - `sluice-decap status` counts exactly the frames sent per kind.
# The backend is set up as docs/OPERATIONS.md says a DSR backend must be:
# VIPs on lo, arp_ignore=1, arp_announce=2, rp_filter=0; TX checksum offload
# off on the veths (XDP sees locally sent packets with partial checksums).
#
# Usage: decap_smoke.sh (SLUICE_BUILD: build dir, default build/).
# Needs root; exits 77 (skip) without it.  About 10 s; every wait bounded;
# a trap removes the namespaces and kills the server on any exit.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${SLUICE_BUILD:-$ROOT/build}
DECAP=$BUILD/tools/sluice-decap
PEER="$HERE/decap_peer.py"

NS_C=slx-decap-cli
NS_B=slx-decap-be
IF_C=slxdcl0
IF_B=slxdbe0
MAC_C=02:99:de:ca:00:01
MAC_B=02:99:de:ca:00:02
TUN4_C=10.99.77.1
TUN4_B=10.99.77.2
TUN6_C=fd00:99::77:1
TUN6_B=fd00:99::77:2
CLI4=10.99.79.1
CLI6=fd00:99::79:1
VIP4=10.99.78.1
VIP6=fd00:99::78:1
PORT=7000
GUE=6080
CASES=ipip,ip6ip6,ip4ip6,gue4-in4,gue4-in6,gue6-in4,gue6-in6

skip() {
	echo "SKIP: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, XDP)"
for t in ip python3 timeout ethtool; do
	command -v "$t" >/dev/null || skip "needs $t"
done
[ -x "$DECAP" ] || {
	echo "FAIL: $DECAP not built"
	exit 1
}

WORK=$(mktemp -d /tmp/slx-decap-smoke.XXXXXX)
SERVER_PID=
cleanup() {
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	rm -rf "$WORK"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fails=0
pass() { echo "PASS: $*"; }
failed() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
inc() { ip netns exec "$NS_C" "$@"; }
inb() { ip netns exec "$NS_B" "$@"; }

# UDP "NoPorts" of the backend, IPv4 + IPv6 (datagrams to a port no socket
# has: what an unstripped GUE frame becomes).
noports() {
	inb awk '
		/^Udp:/ { if (h) { for (i = 2; i <= NF; i++) if (n[i] == "NoPorts") v += $i } else { for (i = 2; i <= NF; i++) n[i] = $i; h = 1 } }
		END { print v + 0 }' /proc/net/snmp
}
noports6() { inb awk '$1 == "Udp6NoPorts" { print $2 }' /proc/net/snmp6; }
noports_all() { echo $(($(noports) + $(noports6))); }

# Wait (at most 5 s) until the backend's NoPorts count exceeds $1.
wait_noports() {
	local before=$1 i
	for i in $(seq 50); do
		[ "$(noports_all)" -gt "$before" ] && return 0
		sleep 0.1
	done
	return 1
}

setup() {
	ip netns del "$NS_C" 2>/dev/null
	ip netns del "$NS_B" 2>/dev/null
	ip netns add "$NS_C" && ip netns add "$NS_B" || return 1
	ip -n "$NS_C" link add "$IF_C" address "$MAC_C" type veth peer name "$IF_B" \
		netns "$NS_B" address "$MAC_B" || return 1
	inc ethtool -K "$IF_C" tx off >/dev/null || return 1
	inb ethtool -K "$IF_B" tx off >/dev/null || return 1
	# The DSR backend settings of docs/OPERATIONS.md.
	inb sysctl -qw net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 \
		net.ipv4.conf.all.rp_filter=0 net.ipv4.conf.default.rp_filter=0 \
		"net.ipv4.conf.$IF_B.rp_filter=0" || return 1
	ip -n "$NS_C" addr add "$TUN4_C/24" dev "$IF_C" &&
		ip -n "$NS_C" addr add "$TUN6_C/64" dev "$IF_C" nodad &&
		ip -n "$NS_C" addr add "$CLI4/32" dev lo &&
		ip -n "$NS_C" addr add "$CLI6/128" dev lo &&
		ip -n "$NS_B" addr add "$TUN4_B/24" dev "$IF_B" &&
		ip -n "$NS_B" addr add "$TUN6_B/64" dev "$IF_B" nodad &&
		ip -n "$NS_B" addr add "$VIP4/32" dev lo &&
		ip -n "$NS_B" addr add "$VIP6/128" dev lo || return 1
	for ns in "$NS_C" "$NS_B"; do
		ip -n "$ns" link set lo up || return 1
	done
	ip -n "$NS_C" link set "$IF_C" up && ip -n "$NS_B" link set "$IF_B" up || return 1
	# Backend -> client: the DSR reply path.  Client -> VIP (plain UDP):
	# through the backend as if the load balancer were not there.
	ip -n "$NS_B" route add "$CLI4/32" via "$TUN4_C" &&
		ip -n "$NS_B" route add "$CLI6/128" via "$TUN6_C" &&
		ip -n "$NS_C" route add "$VIP4/32" via "$TUN4_B" &&
		ip -n "$NS_C" route add "$VIP6/128" via "$TUN6_B" || return 1
	# Static neighbours: no ARP/ND round trip decides the outcome.
	ip -n "$NS_B" neigh replace "$TUN4_C" lladdr "$MAC_C" dev "$IF_B" nud permanent &&
		ip -n "$NS_B" neigh replace "$TUN6_C" lladdr "$MAC_C" dev "$IF_B" nud permanent &&
		ip -n "$NS_C" neigh replace "$TUN4_B" lladdr "$MAC_B" dev "$IF_C" nud permanent &&
		ip -n "$NS_C" neigh replace "$TUN6_B" lladdr "$MAC_B" dev "$IF_C" nud permanent
}

send() { inc timeout 30 python3 "$PEER" send --iface "$IF_C" --src-mac "$MAC_C" \
	--dst-mac "$MAC_B" --tun4 "$TUN4_C,$TUN4_B" --tun6 "$TUN6_C,$TUN6_B" --cli4 "$CLI4" \
	--cli6 "$CLI6" --vip4 "$VIP4" --vip6 "$VIP6" --port "$PORT" --gue-port "$GUE" "$@"; }

# counter NAME: its value in `sluice-decap status`.
counter() { inb "$DECAP" status "$IF_B" | awk -v n="$1" '$1 == n { print $2 }'; }

if ! setup >"$WORK/setup.log" 2>&1; then
	echo "FAIL: namespace setup:"
	sed 's/^/    /' "$WORK/setup.log"
	exit 1
fi
pass "namespaces $NS_C and $NS_B, veth $IF_C <-> $IF_B"

# Not through inb (a function would run in a subshell): `ip netns exec`
# execs timeout, so $! is timeout, which passes our SIGTERM on to python.
ip netns exec "$NS_B" timeout 120 python3 "$PEER" serve --vip4 "$VIP4" --vip6 "$VIP6" \
	--port "$PORT" --log "$WORK/server.log" --lifetime 110 &
SERVER_PID=$!
for i in $(seq 50); do
	grep -q ready "$WORK/server.log" 2>/dev/null && break
	sleep 0.1
done
grep -q ready "$WORK/server.log" 2>/dev/null || {
	echo "FAIL: server did not start"
	exit 1
}

# Without the program: not delivered.
before=$(noports_all)
send --cases gue4-in4 --expect none >/dev/null
if wait_noports "$before" && [ "$(grep -c decap- "$WORK/server.log")" -eq 0 ]; then
	pass "without sluice-decap a GUE frame is not delivered (UDP NoPorts)"
else
	failed "without sluice-decap: NoPorts $before -> $(noports_all), server log:" \
		"$(grep decap- "$WORK/server.log")"
fi

for mode in native skb; do
	if ! inb "$DECAP" attach "$IF_B" --mode "$mode" --gue-port "$GUE" >"$WORK/attach.log" 2>&1; then
		failed "attach --mode $mode: $(cat "$WORK/attach.log")"
		continue
	fi
	pass "$mode: $(cat "$WORK/attach.log")"
	lines_before=$(grep -c decap- "$WORK/server.log")

	if send --cases "$CASES" --counts "$WORK/counts.json" >"$WORK/send.log" 2>&1; then
		sed "s/^/$mode: /" "$WORK/send.log"
	else
		sed "s/^/$mode: /" "$WORK/send.log"
		failed "$mode: some encapsulations were not delivered and answered"
	fi
	# The server saw each inner datagram from the client's own address.
	for c in ${CASES//,/ }; do
		case $c in *-in6 | ip6ip6) want="6 $CLI6" ;; *) want="4 $CLI4" ;; esac
		if tail -n +"$((lines_before + 1))" "$WORK/server.log" | grep -q "^$want [0-9]* decap-$c-"; then
			pass "$mode: server got the $c datagram from $want"
		else
			failed "$mode: server log has no '$want ... decap-$c-' line"
		fi
	done

	# Not ours: GUE to another port is left alone.
	before=$(noports_all)
	send --cases gue4-other --expect none --base-port 43000 >/dev/null
	if wait_noports "$before"; then
		pass "$mode: GUE to port $((GUE + 1)) not stripped (UDP NoPorts)"
	else
		failed "$mode: GUE to port $((GUE + 1)): NoPorts did not move"
	fi
	if inc timeout 30 python3 "$PEER" plain --cli4 "$CLI4" --cli6 "$CLI6" --vip4 "$VIP4" \
		--vip6 "$VIP6" --port "$PORT" --base-port 44000 >"$WORK/plain.log" 2>&1; then
		sed "s/^/$mode: /" "$WORK/plain.log"
	else
		sed "s/^/$mode: /" "$WORK/plain.log"
		failed "$mode: plain UDP to the VIPs"
	fi

	# Counters: exactly the frames sent per kind.
	inb "$DECAP" status "$IF_B" >"$WORK/status.log" 2>&1
	for k in ipip ip6ip6 ip4ip6 gue_ipv4 gue_ipv6 malformed ecn_drop other_dst fragment; do
		want=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1])).get(sys.argv[2], 0))' \
			"$WORK/counts.json" "$k")
		got=$(awk -v n="$k" '$1 == n { print $2 }' "$WORK/status.log")
		if [ "$got" = "$want" ]; then
			pass "$mode: counter $k = $got"
		else
			failed "$mode: counter $k = '$got', expected $want; status:" "$(cat "$WORK/status.log")"
		fi
	done
	got=$(awk '$1 == "passed" { print $2 }' "$WORK/status.log")
	# At least the other-port GUE frame and the two plain datagrams (plus
	# whatever else the stacks exchanged, e.g. IPv6 router solicitations).
	if [ -n "$got" ] && [ "$got" -ge 3 ]; then
		pass "$mode: counter passed = $got (>= 3)"
	else
		failed "$mode: counter passed = '$got', expected >= 3"
	fi

	if inb "$DECAP" detach "$IF_B" >"$WORK/detach.log" 2>&1; then
		pass "$mode: $(cat "$WORK/detach.log")"
	else
		failed "$mode: detach: $(cat "$WORK/detach.log")"
	fi
done

echo "decap_smoke: $fails failed"
[ "$fails" -eq 0 ]
