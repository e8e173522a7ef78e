#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# world.sh: end-to-end tests with real kernel TCP/UDP stacks (meson suite
# 'e2e', test 'world').  tools/world.sh builds a world of namespaces: two
# clients, a router, the LB host with sluiced on AF_XDP (our XDP program in
# front of it), four backends with the XDP decapsulation program, nginx (or
# tools/world_server.py) and a UDP echo server each, the VIPs on their
# loopback; replies go from the backends straight to the clients (DSR).
# Backend b4 is in the world but not in the configuration (scenario 7 adds
# it).  Weights 100/200/300 for b1/b2/b3.
#
# Scenarios (E2E_SCENARIOS, default all, in this order), issue 4's items:
#   5  HTTP through the IPv4 VIP (IPIP), the IPv6 VIP (IPv6-in-IPv6), an IPv4
#      VIP with IPv6 backends (IPv4-in-IPv6) and UDP through a GUE VIP of each
#      family: every answer right, from every configured backend, each
#      encapsulation stripped by the backends' decap program
#  10  a client sending more than fits after encapsulation gets frag-needed /
#      packet-too-big from sluiced (TCP and UDP, both families: the learned
#      path MTU is exactly next_hop.mtu minus the encapsulation); a client
#      behind a 1400-byte link: the router's ICMP error about the backend's
#      reply goes to the VIP, sluiced steers it to that flow's backend, which
#      learns the path MTU (the 64 KiB answer arrives)
#  11  sluiced's link, captured with dumpcap on the router during 5 and 10,
#      checked by tshark's dissectors with checksum validation: no malformed
#      frame, no bad checksum, every encapsulation recognised (GUE decoded as
#      IP), sluiced's ICMP replies there
#   6  10,000 short connections: each backend's share within 10% of its
#      weight's share
#   7  long-lived connections keep their backend while a weight changes, a
#      backend is added and another is drained
#   9  drain a backend: its connections go on and end cleanly, new ones go
#      elsewhere, it reports drained
#   8  stop a backend's server under load: down within interval x fall +
#      timeout (+ DOWN_SLACK_MS); new connections avoid it; no reset, no
#      error, no stall (STALL_MS) for the other backends' connections
#
# Each check prints PASS:/FAIL:; the test fails if any check failed.  The
# only timing bounds are the issue's own: health down in the configured time
# (plus a stated slack), and "no stall".  Everything the world started is
# stopped by PID and its namespaces deleted on exit, also on failure.
#
# Environment: SLUICE_BUILD (build dir), E2E_SCENARIOS, E2E_PMD (af_xdp, or
# af_packet for a kernel without AF_XDP), E2E_CONNS (10000), E2E_KEEP=1
# (keep the work dir and the world's state directory).
# Needs root; exits 77 (skip) without root, AF_XDP (unless E2E_PMD=af_packet)
# or the tools (tools/setup.sh installs them).
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${SLUICE_BUILD:-$ROOT/build}
export SLUICE_BUILD=$BUILD
WORLD=$ROOT/tools/world.sh
CLIENT=$ROOT/tools/world_client.py
SCENARIOS=" ${E2E_SCENARIOS:-5 10 11 6 7 9 8} "
PMD=${E2E_PMD:-af_xdp}
CONNS=${E2E_CONNS:-10000}
PREFIX=slwt$$
T_START=$(date +%s)

skip() {
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, XDP, hugepages)"
for t in ip ethtool python3 taskset setsid tshark dumpcap curl timeout; do
	command -v "$t" >/dev/null || skip "needs $t (tools/setup.sh)"
done
[ -w /dev/hugepages ] || skip "needs hugetlbfs on /dev/hugepages (tools/setup.sh)"
free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
[ "${free:-0}" -ge 160 ] || skip "only ${free:-0} free 2 MiB hugepages, needs 160"
if [ "$PMD" = af_xdp ]; then
	python3 -c 'import socket; socket.socket(44, socket.SOCK_RAW).close()' 2>/dev/null ||
		skip "the kernel has no AF_XDP sockets (E2E_PMD=af_packet runs on AF_PACKET)"
fi
for b in "$BUILD/control/sluiced" "$BUILD/tools/sluicectl" "$BUILD/tools/sluice-decap"; do
	if [ ! -x "$b" ]; then
		echo "FAIL: $b is not built (set SLUICE_BUILD to the build directory)"
		exit 1
	fi
done

# Sanitizer builds: everything is slower; the two timing slacks scale.
SLOW=1
if [[ "$(ldd "$BUILD/control/sluiced" 2>/dev/null)" == *libasan* ]]; then
	SLOW=3
	export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
	[ -f "$ROOT/tests/lsan.supp" ] &&
		export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
fi
# Health: interval 500ms, timeout 250ms, fall 2 (tools/world.sh defaults):
# a backend that stops answering is down within 1250 ms (docs/OPERATIONS.md).
# The slack covers this script's polling (every 100 ms, one sluicectl round
# trip each) and the scheduling of the control thread on a machine whose
# other core sluiced's worker keeps busy.
DOWN_BOUND_MS=1250
DOWN_SLACK_MS=$((1000 * SLOW))
# "No stall": a request on an established connection (or a whole short
# connection) to a backend that stays up completes within this.  A flow sent
# to the wrong backend would reset or hang for seconds (TCP retransmits from
# 200 ms on, doubling); this bound is several times a normal request here.
STALL_MS=$((1000 * SLOW))

WORK=$(mktemp -d /tmp/sluice-e2e-world.XXXXXX)
# nginx's worker (user nobody) reads the world's files below it.
chmod 755 "$WORK"
WDIR=$WORK/world
CAP_PID=''
PASSED=0 FAILED=0
FAILS=()

W() { "$WORLD" -p "$PREFIX" --dir "$WDIR" "$@"; }

cleanup() {
	trap - EXIT INT TERM
	if [ -n "$CAP_PID" ]; then
		kill -INT "$CAP_PID" 2>/dev/null
		wait "$CAP_PID" 2>/dev/null
	fi
	# Background clients of an interrupted scenario: by PID.
	jobs -p | xargs -r kill 2>/dev/null
	local tc=$(date +%s%3N)
	SLW_KEEP=${E2E_KEEP:-0} SLW_QUIET=1 W down
	echo "    (world down in $(($(date +%s%3N) - tc)) ms)"
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "work dir kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'echo "FAIL: interrupted"; exit 1' INT TERM

ok() {
	PASSED=$((PASSED + 1))
	echo "PASS: $*"
}
ko() {
	FAILED=$((FAILED + 1))
	FAILS+=("$*")
	echo "FAIL: $*"
}
expect() { # DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok "$d"; else ko "$d"; fi
}
eq() {
	[ "$1" = "$2" ] && return 0
	echo "    expected [$2], got [$1]"
	return 1
}
is_true() { eq "$1" true; }
now_ms() { date +%s%3N; }
wait_until() { # SECONDS COMMAND...: every 0.1 s until COMMAND succeeds
	local end=$(($(now_ms) + $1 * 1000))
	shift
	while [ "$(now_ms)" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}
# j EXPR [FILE...]: a value from JSON files (tests/e2e/jget.py; d, d0, d1..)
j() {
	local e=$1
	shift
	python3 "$HERE/jget.py" "$e" "$@"
}
# cl NODE NAME ARGS...: world_client.py in namespace NODE, JSON kept as NAME
cl() {
	local node=$1 name=$2
	shift 2
	timeout -k 5 300 ip netns exec "$PREFIX-$node" python3 "$CLIENT" "$@" >"$WORK/$name" 2>"$WORK/$name.err"
	[ -s "$WORK/$name" ] || echo "    (no output: $(head -c 300 "$WORK/$name.err"))"
}
ctl() { timeout -k 5 60 "$BUILD/tools/sluicectl" -s "$CTL_SOCK" --timeout 30s "$@"; }
ctlj() { # NAME ARGS...: sluicectl ARGS --json into $WORK/NAME
	local n=$1
	shift
	ctl "$@" --json >"$WORK/$n" 2>"$WORK/$n.err"
}
ctl_ok() { # DESCRIPTION ARGS...
	local d=$1 out
	shift
	if out=$(ctl "$@" 2>&1); then ok "$d"; else ko "$d (sluicectl $*: $(echo "$out" | head -c 300))"; fi
}
be_field() { # REF ADDRESS FIELD
	ctlj be.now backend list && j "be(d,'$1','$2')['$3']" "$WORK/be.now"
}
be_is() { [ "$(be_field "$1" "$2" "$3")" = "$4" ]; }
# decap_count KIND: the sum over backends of sluice-decap's KIND counter
decap_count() {
	local k n=0 v
	for ((k = 1; k <= SLW_BACKENDS; k++)); do
		v=$(ip netns exec "$PREFIX-b$k" "$BUILD/tools/sluice-decap" status eth0 2>/dev/null |
			awk -v k="$1" '$1 == k {print $2}')
		n=$((n + ${v:-0}))
	done
	echo "$n"
}
# lb_counter NAME: the latest value of NAME in sluiced's periodic summary
lb_counter() {
	grep -oE " $1 [0-9]+" "$LB_LOG" | tail -n 1 | awk '{print $2}'
}
# be_states REF: "ADDRESS STATE" of each backend of REF, sorted, one a line
be_states() {
	ctlj be.states backend list "$1" && j "sorted('%s %s' % (b['address'], b['state']) for b in d['backends'])" "$WORK/be.states"
}

# ---------------------------------------------------------------- world up

echo "== world: prefix $PREFIX, sluiced on $PMD, build $BUILD"
if ! W -n 4 --spare 1 --weights 100,200,300 --pmd "$PMD" up; then
	ko "the world comes up (namespaces, decap, servers, sluiced, every backend healthy)"
	exit 1
fi
ok "the world comes up (namespaces, decap, servers, sluiced, every backend healthy)"
# shellcheck disable=SC1091
. "$WDIR/world.env"
echo "    HTTP servers: $SLW_SERVER"

# Capture sluiced's link on the router's side during 5 and 10 (11).
if [[ "$SCENARIOS" == *" 11 "* ]]; then
	ip netns exec "$NS_RT" dumpcap -q -i lb -w "$WORK/lb.pcapng" >"$WORK/dumpcap.log" 2>&1 &
	CAP_PID=$!
	wait_until 10 grep -q "Capturing on" "$WORK/dumpcap.log" ||
		ko "dumpcap starts on the router's side of the LB link: $(cat "$WORK/dumpcap.log")"
fi

# ---------------------------------------------------------------- 5

scenario5() {
	echo "== 5: HTTP and UDP through every kind of VIP, answers from the backends (DSR)"
	local a n kind before=() after=() kinds="ipip ip6ip6 ip4ip6 gue_ipv4 gue_ipv6" i
	for kind in $kinds; do before+=("$(decap_count "$kind")"); done
	# curl: a real HTTP client, once per TCP VIP.
	for a in "$VIP4" "[$VIP6]" "$VIP46"; do
		out=$(ip netns exec "$NS_C1" curl -sS -m 5 -g "http://$a/" 2>&1)
		expect "curl http://$a/ from c1: answered by a configured backend ($out)" \
			eval '[[ "$out" =~ ^backend\ b[123]$ ]]'
	done
	for a in "$VIP4" "$VIP6" "$VIP46"; do
		n=${a//[:.]/_}
		cl c1 "get5.$n" get "$a" "$HTTP_PORT" --n 90 --conc 3
		expect "90 HTTP connections to $a:$HTTP_PORT: all answered, by b1, b2 and b3 only ($(j "d['by_backend']" "$WORK/get5.$n"))" \
			is_true "$(j "d['ok'] == 90 and sorted(d['by_backend']) == ['b1','b2','b3']" "$WORK/get5.$n")"
	done
	for a in "$VIP4U" "$VIP6U"; do
		n=${a//[:.]/_}
		cl c1 "udp5.$n" udp "$a" "$UDP_PORT" --n 90
		expect "90 UDP datagrams to $a:$UDP_PORT (GUE), each from a new port: all echoed, by b1, b2 and b3 ($(j "d['by_backend']" "$WORK/udp5.$n"))" \
			is_true "$(j "d['ok'] == 90 and sorted(d['by_backend']) == ['b1','b2','b3']" "$WORK/udp5.$n")"
	done
	i=0
	for kind in $kinds; do
		after+=("$(decap_count "$kind")")
		expect "the backends' decap program stripped $kind packets ($((after[i] - before[i])))" \
			[ $((after[i] - before[i])) -gt 0 ]
		i=$((i + 1))
	done
	# DSR: sluiced sees only the clients' side.  A 64 KiB answer reaches
	# the client while sluiced forwards only the request's few packets.
	ctlj stats5a stats
	cl c1 big5 big "$VIP4" "$HTTP_PORT"
	ctlj stats5b stats
	expect "GET /big through $VIP4: 65536 bytes answered ($(cat "$WORK/big5"))" \
		is_true "$(j "d.get('status') == 200 and d['bytes'] == 65536" "$WORK/big5")"
	expect "... while sluiced forwarded only the client's side of it ($(j "vip(d1,'$REF4')['bytes'] - vip(d0,'$REF4')['bytes']" "$WORK/stats5a" "$WORK/stats5b") bytes): direct server return" \
		is_true "$(j "0 < vip(d1,'$REF4')['bytes'] - vip(d0,'$REF4')['bytes'] < 8192" "$WORK/stats5a" "$WORK/stats5b")"
	SCENARIO_DONE=5
}

# ---------------------------------------------------------------- 10

scenario10() {
	echo "== 10: ICMP frag-needed / packet-too-big: from sluiced, and steered to a flow's backend"
	local a want n f k s0 s1
	s0=$(lb_counter icmp_sent)
	# TCP: a 20000-byte POST (segments of 1500 bytes with DF) through each
	# TCP VIP; sluiced answers "too big" with next_hop.mtu (1500) minus the
	# encapsulation, the client's TCP shrinks its segments and the POST
	# completes.
	for f in "$VIP4 1480 ipip" "$VIP6 1460 ip6ip6" "$VIP46 1460 ipv4-in-ipv6"; do
		set -- $f
		n=${1//[:.]/_}
		cl c1 "post10.$n" post "$1" "$HTTP_PORT" --size 20000
		expect "TCP POST of 20000 bytes to $1 ($3): answered, and the client learned path MTU $2 ($(cat "$WORK/post10.$n"))" \
			is_true "$(j "d.get('status') == 200 and d['mtu_before'] == 1500 and d['mtu_after'] == $2" "$WORK/post10.$n")"
	done
	expect "c1's kernel has path MTU 1480 cached for $VIP4" \
		eval "ip netns exec $NS_C1 ip route get $VIP4 | grep -q 'mtu 1480'"
	# UDP with DF: the datagram that does not fit is refused locally once
	# the ICMP error came back.
	for f in "$VIP4U 1472 1472" "$VIP6U 1452 1452"; do
		set -- $f
		n=${1//[:.]/_}
		cl c1 "pmtu10.$n" pmtu-udp "$1" "$UDP_PORT" --size "$2"
		expect "UDP with DF, $2-byte payload to $1 (GUE): path MTU $3 learned, the same datagram then refused (EMSGSIZE) ($(cat "$WORK/pmtu10.$n"))" \
			is_true "$(j "d['mtu_before'] == 1500 and d['mtu_after'] == $3 and d['resend'] == 'EMSGSIZE'" "$WORK/pmtu10.$n")"
	done
	sleep 1.2 # the next periodic summary (--stats-interval 1)
	s1=$(lb_counter icmp_sent)
	expect "sluiced counted the frag-needed / packet-too-big it sent (icmp_sent $s0 -> $s1)" \
		[ "${s1:-0}" -gt "${s0:-0}" ]

	# c2 is behind a 1400-byte link (on the router's side).  The backend's
	# 1500-byte answers are too big there: the router sends frag-needed /
	# packet-too-big to their source, the VIP, i.e. to sluiced, which sends
	# it to the flow's backend.  The 64 KiB answer arrives only if the
	# backend learned the smaller path MTU.
	s0=$(lb_counter icmp_steered)
	for f in "$VIP4 $C2_4 -4" "$VIP6 $C2_6 -6"; do
		set -- $f
		n=${1//[:.]/_}
		cl c2 "big10.$n" big "$1" "$HTTP_PORT" --timeout 10
		k=$(j "d['backend']" "$WORK/big10.$n")
		expect "c2 (1400-byte link) GETs 65536 bytes through $1: complete ($(cat "$WORK/big10.$n"))" \
			is_true "$(j "d.get('status') == 200 and d['bytes'] == 65536" "$WORK/big10.$n")"
		expect "the backend that answered ($k) learned path MTU 1400 towards c2 (the router's ICMP error reached it through sluiced)" \
			eval "ip netns exec $PREFIX-$k ip $3 route get $2 | grep -q 'mtu 1400'"
	done
	sleep 1.2
	s1=$(lb_counter icmp_steered)
	expect "sluiced counted ICMP errors steered to a flow's backend (icmp_steered $s0 -> $s1)" \
		[ "${s1:-0}" -gt "${s0:-0}" ]
	SCENARIO_DONE=10
}

# ---------------------------------------------------------------- 11

scenario11() {
	echo "== 11: sluiced's link through tshark's dissectors, checksums validated"
	local r=$WORK/tshark.json
	if [ -z "$CAP_PID" ]; then
		ko "no capture"
		return
	fi
	sleep 0.5
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	CAP_PID=
	echo "    $(grep -E 'Packets (captured|received)' "$WORK/dumpcap.log" | tr '\n' ' ')"
	python3 "$HERE/tshark_check.py" --self-test "$WORK" >"$WORK/tshark.self" 2>&1
	expect "the checker finds made-up bad checksums and recognises made-up GUE/IPIP frames on this tshark" \
		eq "$(j "d['self_test']" "$WORK/tshark.self")" ok
	python3 "$HERE/tshark_check.py" "$WORK/lb.pcapng" "$LB_MAC" "$LB4" "$LB6" "$GUE_PORT" \
		"$VIP4" "$VIP4U" "$VIP46" "$VIP6" "$VIP6U" >"$r" 2>"$r.err"
	if [ ! -s "$r" ]; then
		ko "tshark read the capture ($(head -c 300 "$r.err"))"
		return
	fi
	echo "    $(j "d['frames']" "$r") frames; sluiced's by kind: $(j "d['by_kind']" "$r")"
	[ "$(j "d['bad']" "$r")" = "[]" ] || j "d['bad']" "$r" | sed 's/^/    /'
	expect "no malformed frame" eq "$(j "d['malformed']" "$r")" 0
	expect "no bad checksum (IPv4, TCP, UDP, ICMP, ICMPv6; inner and outer)" eq "$(j "d['bad_checksum']" "$r")" 0
	expect "no expert error" eq "$(j "d['errors']" "$r")" 0
	expect "every encapsulated frame from sluiced recognised" eq "$(j "d['unrecognised']" "$r")" 0
	for k in ipip/tcp ip6ip6/tcp ip4in6/tcp gue4in4/udp gue6in6/udp too_big4 too_big6 ipip/icmp ip6ip6/icmpv6; do
		expect "sluiced's frames include $k" is_true "$(j "d['by_kind'].get('$k', 0) > 0" "$r")"
	done
	SCENARIO_DONE=11
}

# ---------------------------------------------------------------- 6

scenario6() {
	echo "== 6: $CONNS short connections: shares follow the weights 100/200/300 within 10%"
	local t0 f=$WORK/get6
	t0=$(now_ms)
	cl c1 get6 get "$VIP4" "$HTTP_PORT" --n "$CONNS" --conc 4
	echo "    $CONNS connections in $(($(now_ms) - t0)) ms: $(j "d['by_backend']" "$f"), errors $(j "d['errors']" "$f")"
	expect "all $CONNS answered" eq "$(j "d['ok']" "$f")" "$CONNS"
	for k in 1 2 3; do
		local w=W_$k
		expect "b$k: share $(j "'%.2f%%' % (100.0 * d['by_backend'].get('b$k', 0) / $CONNS)" "$f") within 10% of $(j "'%.2f%%' % (100.0 * ${!w} / 600)" "$f")" \
			is_true "$(j "abs(d['by_backend'].get('b$k', 0) / $CONNS - ${!w} / 600.0) <= 0.10 * ${!w} / 600.0" "$f")"
	done
	SCENARIO_DONE=6
}

# ---------------------------------------------------------------- 7

# hold_start NAME CONNS: long-lived connections to VIP4 from c1, a request
# every 20 ms each, in the background until $WORK/NAME.stop exists; waits
# until each has its first answer.
hold_start() {
	rm -f "$WORK/$1.stop" "$WORK/$1.ready"
	ip netns exec "$NS_C1" python3 "$CLIENT" hold "$VIP4" "$HTTP_PORT" --conns "$2" \
		--interval-ms 20 --stop-file "$WORK/$1.stop" --ready-file "$WORK/$1.ready" \
		--max-s 120 --timeout 10 >"$WORK/$1" 2>"$WORK/$1.err" &
	HOLD_PID=$!
	wait_until 20 test -s "$WORK/$1.ready"
}
hold_stop() { # NAME
	touch "$WORK/$1.stop"
	wait "$HOLD_PID"
}

scenario7() {
	echo "== 7: long-lived connections keep their backend: weight change, backend added, another drained"
	local h=$WORK/hold7 ta tb
	if ! hold_start hold7 9; then
		ko "9 long-lived connections to $VIP4 open"
		return
	fi
	echo "    connections on: $(j "d" "$WORK/hold7.ready" | tr '\n' ' ')"
	ta=$(now_ms)
	ctl_ok "weight of b1 100 -> 300" backend weight "$REF4" "$BE4_1" 300
	sleep 1
	ctl_ok "backend b4 added" backend add "$REF4" "$BE4_4" weight=100
	expect "b4 becomes healthy (a backend added at run time is checked first)" \
		wait_until 15 be_is "$REF4" "$BE4_4" health up
	cl c1 get7 get "$VIP4" "$HTTP_PORT" --n 300 --conc 3
	expect "new connections reach b4 ($(j "d['by_backend']" "$WORK/get7"))" \
		is_true "$(j "d['ok'] == 300 and d['by_backend'].get('b4', 0) > 0" "$WORK/get7")"
	ctl_ok "backend b2 drained" backend drain "$REF4" "$BE4_2"
	tb=$(now_ms)
	sleep 1
	hold_stop hold7
	expect "each long-lived connection was answered by one backend throughout ($(j "[c['backends'] for c in d['conns']]" "$h" | tr '\n' ' '))" \
		is_true "$(j "all(len(c['backends']) == 1 for c in d['conns'])" "$h")"
	expect "no error on any, each answered from before the first change to after the last, each ended cleanly ($(j "[c['requests'] for c in d['conns']]" "$h" | tr '\n' ' ') requests)" \
		is_true "$(j "all(not c['errors'] and c['clean_close'] and c['first_ms'] < $ta and c['last_ms'] > $tb for c in d['conns'])" "$h")"
	ctl_ok "undo: b2 enabled" backend enable "$REF4" "$BE4_2"
	ctl_ok "undo: b4 removed" backend del "$REF4" "$BE4_4"
	ctl_ok "undo: weight of b1 back to 100" backend weight "$REF4" "$BE4_1" 100
	want7() { [ "$(be_states "$REF4" | tr '\n' ' ')" = "$BE4_1 up $BE4_2 up $BE4_3 up " ]; }
	expect "b1..b3 up again, b4 gone" wait_until 15 want7
	SCENARIO_DONE=7
}

# ---------------------------------------------------------------- 9

scenario9() {
	echo "== 9: drain a backend: its connections finish normally, new ones go elsewhere, it reports drained"
	local h=$WORK/hold9 name addr n t0 ta tb
	if ! hold_start hold9 12; then
		ko "12 long-lived connections to $VIP4 open"
		return
	fi
	# Drain the backend that holds the most of them.
	name=$(j "max(sorted(set(d)), key=d.count)" "$WORK/hold9.ready")
	n=$(j "d.count('$name')" "$WORK/hold9.ready")
	addr=BE4_${name#b}
	addr=${!addr}
	echo "    connections on: $(j "d" "$WORK/hold9.ready" | tr '\n' ' '); draining $name ($n of them)"
	ta=$(now_ms)
	ctl_ok "backend $name drained" backend drain "$REF4" "$addr"
	expect "$name reports draining (it still has flows)" eq "$(be_field "$REF4" "$addr" state)" draining
	cl c1 get9 get "$VIP4" "$HTTP_PORT" --n 300 --conc 3
	expect "300 new connections, none to $name ($(j "d['by_backend']" "$WORK/get9"))" \
		is_true "$(j "d['ok'] == 300 and d['by_backend'].get('$name', 0) == 0" "$WORK/get9")"
	tb=$(now_ms)
	sleep 1
	hold_stop hold9
	expect "the $n connections on $name kept it, were answered from before the drain to after the new connections, and ended cleanly" \
		is_true "$(j "all(c['backends'] == ['$name'] and not c['errors'] and c['clean_close'] and c['first_ms'] < $ta and c['last_ms'] > $tb for c in d['conns'] if c['backends'][:1] == ['$name'])" "$h")"
	expect "the other connections too" \
		is_true "$(j "all(len(c['backends']) == 1 and not c['errors'] and c['clean_close'] for c in d['conns'])" "$h")"
	t0=$(now_ms)
	# Its flows end: FIN seen, tcp_closing_timeout (2s) later the entries
	# expire and the flow tables' sweep frees them.
	expect "$name reports drained once its flows have ended" \
		wait_until 30 be_is "$REF4" "$addr" state drained
	echo "    drained $(($(now_ms) - t0)) ms after the last connection closed"
	ctl_ok "$name enabled again" backend enable "$REF4" "$addr"
	expect "$name up again" wait_until 10 be_is "$REF4" "$addr" state up
	SCENARIO_DONE=9
}

# ---------------------------------------------------------------- 8

scenario8() {
	echo "== 8: a backend's server stops under load"
	local h=$WORK/hold8 ops=$WORK/ops8 t0 t1 td lp
	if ! hold_start hold8 9; then
		ko "9 long-lived connections to $VIP4 open"
		return
	fi
	echo "    long-lived connections on: $(j "d" "$WORK/hold8.ready" | tr '\n' ' ')"
	ip netns exec "$NS_C1" python3 "$CLIENT" get "$VIP4" "$HTTP_PORT" --duration 8 --conc 4 \
		--pause-ms 5 --ops "$ops" --timeout 10 >"$WORK/get8" 2>"$WORK/get8.err" &
	lp=$!
	sleep 2
	t0=$(now_ms)
	W server stop b1 http
	t1=$(now_ms)
	td=
	while [ $(($(now_ms) - t0)) -lt 10000 ]; do
		if [ "$(be_field "$REF4" "$BE4_1" health)" = down ]; then
			td=$(now_ms)
			break
		fi
		sleep 0.1
	done
	wait "$lp"
	hold_stop hold8
	echo "    b1's server stopped at +0 ms (the stop took $((t1 - t0)) ms); b1 down at +$((${td:-0} - t0)) ms"
	echo "    load: $(j "'%d connections, by backend %s, errors %s, slowest %.0f ms' % (d['n'], d['by_backend'], d['errors'], d['max_ms'])" "$WORK/get8")"
	if [ -z "$td" ]; then
		ko "b1 marked down"
	else
		expect "b1 marked down within interval x fall + timeout = $DOWN_BOUND_MS ms (+ $DOWN_SLACK_MS ms slack): $((td - t0)) ms" \
			[ $((td - t0)) -le $((DOWN_BOUND_MS + DOWN_SLACK_MS)) ]
	fi
	expect "the health log line says b1 went down" \
		grep -qE "health $BE4_1 port 80 \(http\): down" "$LB_LOG"
	# Short connections, by when they started and ended (wall-clock ms):
	#  - ended before the stop: none failed;
	#  - in flight when the stop began (at most the 4 of the concurrency):
	#    b1's may have been cut by it; the ones started during the stop
	#    may be refused;
	#  - started between the stop and the down mark: b1's are refused (no
	#    listener: RST to the SYN, ECONNREFUSED), nothing else fails;
	#  - started after the down mark: none fails, none goes to b1.
	python3 - "$ops" "$t0" "$t1" "${td:-$((t0 + 10000))}" "$STALL_MS" >"$WORK/ops8.json" <<'EOF'
import json, sys
ops = sys.argv[1]
t0, t1, td, stall = (float(x) for x in sys.argv[2:6])
r = {"before": 0, "before_bad": [], "during": 0, "during_bad": [], "between": 0,
     "between_bad": [], "after": 0, "after_bad": [], "slow": [], "after_by": {}}
for line in open(ops):
    p = line.split()
    if len(p) != 3:
        continue
    s, e, res = float(p[0]), float(p[1]), p[2]
    err = res.startswith("ERR:")
    if not err and e - s > stall:
        r["slow"].append(line.strip())
    if e < t0:
        k, bad = "before", err
    elif s < t1:
        k, bad = "during", err and res != "ERR:ECONNREFUSED"
    elif s < td:
        k, bad = "between", err and res != "ERR:ECONNREFUSED"
    else:
        k, bad = "after", err or res == "b1"
        r["after_by"][res] = r["after_by"].get(res, 0) + 1
    r[k] += 1
    if bad:
        r[k + "_bad"].append(line.strip())
print(json.dumps(r))
EOF
	echo "    connections after the down mark: $(j "d['after_by']" "$WORK/ops8.json")"
	expect "before the stop: every connection answered ($(j "d['before']" "$WORK/ops8.json") of them)" \
		eq "$(j "d['before_bad'][:5]" "$WORK/ops8.json")" "[]"
	expect "during the stop: refused, or cut (at most the 4 in flight, b1's: $(j "d['during_bad'][:5]" "$WORK/ops8.json" | tr '\n' ' '))" \
		is_true "$(j "len(d['during_bad']) <= 4" "$WORK/ops8.json")"
	expect "between the stop and the down mark: only b1's connections failed, as refused ($(j "d['between']" "$WORK/ops8.json") started then)" \
		eq "$(j "d['between_bad'][:5]" "$WORK/ops8.json")" "[]"
	expect "after the down mark: every connection answered, none by b1 ($(j "d['after']" "$WORK/ops8.json") started then)" \
		is_true "$(j "d['after'] > 100 and not d['after_bad']" "$WORK/ops8.json")"
	expect "no answered connection took more than $STALL_MS ms" \
		eq "$(j "d['slow'][:5]" "$WORK/ops8.json")" "[]"
	expect "long-lived connections on b2/b3: one backend each, no error, no request slower than $STALL_MS ms, clean end ($(j "[(c['backends'], c['max_ms']) for c in d['conns'] if c['backends'][:1] != ['b1']]" "$h" | tr '\n' ' '))" \
		is_true "$(j "all(len(c['backends']) == 1 and not c['errors'] and c['clean_close'] and c['max_ms'] <= $STALL_MS for c in d['conns'] if c['backends'][:1] != ['b1'])" "$h")"
	W server start b1 http >/dev/null
	expect "b1's server back: b1 up again" wait_until 20 be_is "$REF4" "$BE4_1" health up
	SCENARIO_DONE=8
}

# ------------------------------------------------------------------- run

for n in $SCENARIOS; do
	SCENARIO_DONE=
	"scenario$n"
	if [ "$SCENARIO_DONE" = "$n" ]; then
		ok "scenario $n ran to its end"
	else
		ko "scenario $n stopped before its end (see the lines above)"
	fi
	if ! kill -0 "$LB_PID" 2>/dev/null; then
		ko "sluiced is not running after scenario $n; the rest is skipped"
		break
	fi
done

echo "== stop"
if [ -n "$CAP_PID" ]; then
	kill -INT "$CAP_PID" 2>/dev/null
	wait "$CAP_PID" 2>/dev/null
	CAP_PID=
fi
kill -INT "$LB_PID" 2>/dev/null
expect "sluiced stops on SIGINT and prints its final summary" \
	wait_until 30 grep -q '^{"sluiced_stats"' "$LB_LOG"
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$LB_LOG"; then
	ko "sluiced: a sanitizer report (see $LB_LOG)"
	grep -E -A 30 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$LB_LOG" | head -n 40 | sed 's/^/    /'
fi

echo
echo "e2e world: $PASSED passed, $FAILED failed in $(($(date +%s) - T_START)) s (build $BUILD, $PMD)"
if [ "$FAILED" -ne 0 ]; then
	printf '  failed: %s\n' "${FAILS[@]}"
	echo "  last sluiced log lines:"
	tail -n 15 "$LB_LOG" | sed 's/^/    /'
	exit 1
fi
exit 0
