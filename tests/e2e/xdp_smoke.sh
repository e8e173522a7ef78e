#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# xdp_smoke.sh: the XDP front end to end, small and fast (meson suite 'e2e').
# sluiced on a real kernel interface through AF_XDP with sluice's XDP program
# (tools/bpf/sluice_xdp.o), exactly as on an edge host's NIC:
#
#   namespace CL (client)                      namespace LB
#   10.99.210.1  fd00:99::d2:1  --veth-->  10.99.210.2  fd00:99::d2:2
#   routes to the VIPs via the LB              sluiced --vdev net_af_xdp0,
#                                              iface=<veth>,xdp_prog=sluice_xdp.o
#                                              (bpffs mounted inside its
#                                              ip netns exec)
#
#  1 AF_XDP: the program is attached; ARP + ICMP echo, ND + ICMPv6 echo and
#    TCP to the host's own address are answered by the kernel (XDP_PASS);
#    UDP to an IPv4 and an IPv6 VIP and a TCP SYN to a VIP are counted by
#    sluiced (XDP redirect), exactly; `sluicectl status` shows the VIP map in
#    step; deleting a VIP removes it from the map (VIP traffic to it then
#    reaches the kernel, not sluiced); SIGINT: clean exit, program detached,
#    pins removed.
#  2 AF_XDP, sluiced killed (SIGKILL): the program stays attached with no
#    socket; VIP packets fall back to the kernel (a UDP listener on the VIP
#    in LB gets them) and the host still answers: no black hole.  A new
#    sluiced detaches the orphaned program and starts (the driver attaches
#    only to an interface without one).
#  3 net_af_packet instead (kernels without AF_XDP): same VIP count; status
#    shows no XDP front.
#
# Every check prints one PASS: or FAIL: line; the test fails if any failed.
# Everything the test makes carries its name (slx-xdp-*) and is removed by a
# trap, also on failure.  Bounded: every wait has a count and a deadline.
# Needs root, hugepages, AF_XDP; exits 77 (skip) without them.
# Environment: SLUICE_BUILD (build dir, default build/), XDP_SMOKE_KEEP=1
# keeps the work dir.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${SLUICE_BUILD:-$ROOT/build}
SLUICED=$BUILD/control/sluiced
CTL=$BUILD/tools/sluicectl
OBJ=$BUILD/tools/bpf/sluice_xdp.o
PEER=$HERE/xdp_peer.py
JGET=$HERE/jget.py

ID=$(($$ % 100000))
NS_LB=slx-xdp-lb$ID
NS_CL=slx-xdp-cl$ID
IF_LB=slx-xdp-l$ID # interface names: at most 15 characters
IF_CL=slx-xdp-c$ID
PREFIX=slx-xdp-smoke$ID
LB_MAC=02:99:d2:00:00:02
CL_MAC=02:99:d2:00:00:01
LB4=10.99.210.2
CL4=10.99.210.1
LB6=fd00:99::d2:2
CL6=fd00:99::d2:1
VIP4=10.99.200.1
VIP6=fd00:99::c8:1
REF4=10.99.200.1:5000/udp
REF4T=10.99.200.1:80/tcp
REF6=[fd00:99::c8:1]:5000/udp
CORE=$(($(nproc) > 1 ? 1 : 0))

skip() {
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, BPF, hugepages)"
for t in ip ethtool python3 taskset timeout mount; do
	command -v "$t" >/dev/null || skip "needs $t"
done
[ -w /dev/hugepages ] || skip "needs hugetlbfs on /dev/hugepages (tools/setup.sh)"
grep -q '^XDP ' /proc/net/protocols 2>/dev/null || skip "kernel without AF_XDP sockets"
for b in "$SLUICED" "$CTL" "$OBJ"; do
	[ -e "$b" ] || {
		echo "FAIL: $b not built"
		exit 1
	}
done

# Sanitizer build run by hand: the options meson and the Makefile set, and
# the suppressions for what DPDK's AF_XDP driver leaks (tests/lsan.supp).
if [[ "$(ldd "$SLUICED" 2>/dev/null)" == *libasan* ]]; then
	export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
	export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
fi

WORK=$(mktemp -d /tmp/slx-xdp-smoke.XXXXXX)
LB_PID=
SRV_PID=
fails=0
passes=0

cleanup() {
	local p
	for p in $LB_PID $SRV_PID; do
		kill -KILL "$p" 2>/dev/null && wait "$p" 2>/dev/null
	done
	ip netns del "$NS_LB" 2>/dev/null
	ip netns del "$NS_CL" 2>/dev/null
	rm -rf /dev/hugepages/"$PREFIX"* /var/run/dpdk/"$PREFIX"
	if [ "${XDP_SMOKE_KEEP:-0}" = 1 ]; then
		echo "work dir kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

pass() {
	echo "PASS: $*"
	passes=$((passes + 1))
}
fail() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}
# check DESCRIPTION COMMAND...: PASS when the command succeeds.
check() {
	local what=$1
	shift
	if "$@" >"$WORK/check.out" 2>&1; then
		pass "$what"
	else
		fail "$what"
		sed 's/^/      /' "$WORK/check.out" | tail -n 10
	fi
}
cl() { ip netns exec "$NS_CL" "$@"; }
lb() { ip netns exec "$NS_LB" "$@"; }
ctl() { timeout 10 "$CTL" --socket "$WORK/lb.sock" "$@"; }
jget() { python3 "$JGET" "$@"; }

# ------------------------------------------------------------------ world

ip netns add "$NS_LB" && ip netns add "$NS_CL" || {
	echo "FAIL: cannot create network namespaces"
	exit 1
}
ip link add "$IF_LB" netns "$NS_LB" address "$LB_MAC" type veth \
	peer name "$IF_CL" netns "$NS_CL" address "$CL_MAC" || {
	echo "FAIL: cannot create the veth pair"
	exit 1
}
ip -n "$NS_LB" link set lo up
ip -n "$NS_CL" link set lo up
ip -n "$NS_LB" addr add "$LB4/24" dev "$IF_LB"
ip -n "$NS_LB" addr add "$LB6/64" dev "$IF_LB" nodad
ip -n "$NS_CL" addr add "$CL4/24" dev "$IF_CL"
ip -n "$NS_CL" addr add "$CL6/64" dev "$IF_CL" nodad
ip -n "$NS_LB" link set "$IF_LB" up
ip -n "$NS_CL" link set "$IF_CL" up
ip -n "$NS_CL" route add 10.99.200.0/24 via "$LB4"
ip -n "$NS_CL" -6 route add "$VIP6/128" via "$LB6"
# Locally sent TCP/UDP on veth carries partial checksums that XDP and
# AF_XDP do not complete: checksums in software.
lb ethtool -K "$IF_LB" tx off >/dev/null
cl ethtool -K "$IF_CL" tx off >/dev/null

# Backends are addresses only: the encapsulated packets go back to the
# client's veth (the next hop) and die there; sluiced's counters say what it
# forwarded.
conf() { # conf PORT_NAME FILE
	cat >"$2" <<EOF
ports:
  - { name: $1, role: data }
tunnel:
  source4: $LB4
  source6: $LB6
next_hop:
  port: $1
  mac: $CL_MAC
  mtu: 1500
flow_table:
  size: 4096
vips:
  - address: $VIP4
    port: 5000
    protocol: udp
    encap: ipip
    health: { type: none }
    backends:
      - { address: 10.99.201.1 }
  - address: $VIP4
    port: 80
    protocol: tcp
    encap: ipip
    health: { type: none }
    backends:
      - { address: 10.99.201.1 }
  - address: $VIP6
    port: 5000
    protocol: udp
    encap: ip6ip6
    health: { type: none }
    backends:
      - { address: fd00:99::c9:1 }
EOF
}
conf net_af_xdp0 "$WORK/xdp.yaml"
conf net_af_packet0 "$WORK/packet.yaml"

# start_lb NAME CONFIG VDEV: sluiced in LB.  `ip netns exec` gives it a
# mount namespace whose /sys has no bpffs: it mounts one there, so the AF_XDP
# driver can pin the program's maps (they live as long as that namespace).
start_lb() {
	local i
	rm -f "$WORK/lb.sock"
	LB_LOG=$WORK/lb.$1.log
	ip netns exec "$NS_LB" sh -c 'mount -t bpf bpf /sys/fs/bpf && exec "$@"' sh \
		taskset -c "$CORE" "$SLUICED" -l "$CORE" --file-prefix "$PREFIX" --no-pci \
		-m 256 --single-file-segments --vdev "$3" \
		-- -c "$2" --socket "$WORK/lb.sock" --state-file "$WORK/lb.$1.state" \
		>"$LB_LOG" 2>&1 &
	LB_PID=$!
	for ((i = 0; i < 200; i++)); do
		grep -q 'Ctrl-C to stop' "$LB_LOG" 2>/dev/null && [ -S "$WORK/lb.sock" ] && return 0
		kill -0 "$LB_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "    sluiced did not start:"
	tail -n 30 "$LB_LOG" | sed 's/^/      /'
	return 1
}

# stop_lb SIGNAL: 0 when sluiced exited within 10 s (its status in LB_RC).
stop_lb() {
	local i
	# A SIGKILLed job would make bash print "Killed"; its status is not needed.
	[ "$1" = KILL ] && disown "$LB_PID"
	kill -"$1" "$LB_PID" 2>/dev/null
	for ((i = 0; i < 100; i++)); do
		kill -0 "$LB_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$LB_PID" 2>/dev/null && return 1
	LB_RC=137
	[ "$1" = KILL ] || {
		wait "$LB_PID"
		LB_RC=$?
	}
	LB_PID=
	return 0
}

# wait_for DESCRIPTION EXPR [JSON_CMD...]: poll `sluicectl` output until the
# jget expression prints true (5 s at most).
wait_true() {
	local what=$1 expr=$2 i
	shift 2
	for ((i = 0; i < 50; i++)); do
		ctl "$@" --json >"$WORK/q.json" 2>/dev/null &&
			[ "$(jget "$expr" "$WORK/q.json" 2>/dev/null)" = true ] && {
			pass "$what"
			return 0
		}
		sleep 0.1
	done
	fail "$what (last: $(jget "$expr" "$WORK/q.json" 2>&1 | head -c 300))"
	return 1
}

xdp_attached() { ip -n "$NS_LB" link show dev "$IF_LB" | grep -q 'prog/xdp id [0-9]* name sluice_xdp'; }
no_xdp() { ! ip -n "$NS_LB" link show dev "$IF_LB" | grep -q 'prog/xdp'; }
counter() { # counter NAME: the XDP front's counter from status
	ctl status --json >"$WORK/c.json" && jget "d['xdp']['counters']['$1']" "$WORK/c.json"
}
serve_banner() {
	rm -f "$WORK/srv.ready"
	# Not through lb(): a function in the background is a subshell, and
	# its PID is not the server's.  ip netns exec execs the command itself.
	ip netns exec "$NS_LB" python3 "$PEER" serve "$LB4" 2222 sluice-ssh 60 "$WORK/srv.ready" &
	SRV_PID=$!
	for ((i = 0; i < 50; i++)); do
		[ -s "$WORK/srv.ready" ] && return 0
		sleep 0.1
	done
	return 1
}

# ------------------------------------------------------- 1 AF_XDP, graceful

echo "== 1 AF_XDP with sluice's XDP program"
if start_lb xdp "$WORK/xdp.yaml" "net_af_xdp0,iface=$IF_LB,xdp_prog=$OBJ"; then
	pass "sluiced started on net_af_xdp0 with xdp_prog"
	check "sluice_xdp is attached to $IF_LB" xdp_attached
	check "sluiced says the port runs sluice's program" \
		grep -q "net_af_xdp0 (AF_XDP on $IF_LB) runs sluice's XDP program" "$LB_LOG"
	check "ARP + ICMP echo to the host's address (kernel)" cl python3 "$PEER" ping "$LB4"
	check "ND + ICMPv6 echo to the host's address (kernel)" cl python3 "$PEER" ping "$LB6"
	serve_banner
	check "TCP to the host's own service (kernel)" cl python3 "$PEER" banner "$LB4" 2222 sluice-ssh
	wait_true "status: VIP map in step (2 addresses, synced, no failure)" \
		"d['xdp']['vip_map'] == '/sys/fs/bpf/sl_xdp_vips' and d['xdp']['entries'] == 2 and d['xdp']['syncs'] >= 1 and d['xdp']['sync_failures'] == 0 and d['xdp']['last_error'] is None and d['xdp']['ports'][0]['program'] == 'sluice_xdp'" \
		status
	check "sluicectl status shows the XDP row" sh -c \
		"timeout 10 '$CTL' --socket '$WORK/lb.sock' status | grep -q 'VIP map /sys/fs/bpf/sl_xdp_vips, 2 address'"

	cl python3 "$PEER" udp "$VIP4" 5000 5
	cl python3 "$PEER" udp "$VIP6" 5000 5
	cl python3 "$PEER" syn "$VIP4" 80
	wait_true "UDP to the IPv4 and IPv6 VIPs reached sluiced (5 + 5, exactly)" \
		"vip(d, '$REF4')['packets'] == 5 and vip(d, '$REF6')['packets'] == 5" stats
	wait_true "TCP SYN to the VIP reached sluiced" "vip(d, '$REF4T')['packets'] >= 1" stats
	wait_true "XDP counters: redirected >= 11, host traffic passed" \
		"d['xdp']['counters']['redirect'] >= 11 and d['xdp']['counters']['pass_not_vip'] >= 1 and d['xdp']['counters']['pass_not_ip'] >= 1 and d['xdp']['counters']['vip_no_socket'] == 0" \
		status

	# A deleted VIP leaves the map (full sync, not only additions).
	check "sluicectl vip del $REF6" ctl vip del "$REF6"
	wait_true "status: VIP map down to 1 address" \
		"d['xdp']['entries'] == 1 and d['xdp']['sync_failures'] == 0" status
	redirect_before=$(counter redirect)
	passed_before=$(counter pass_not_vip)
	cl python3 "$PEER" udp "$VIP6" 5000 3
	wait_true "UDP to the deleted VIP is passed to the kernel, not redirected" \
		"d['xdp']['counters']['redirect'] == $redirect_before and d['xdp']['counters']['pass_not_vip'] >= $passed_before + 3" \
		status

	if stop_lb INT; then
		check "SIGINT: sluiced exits 0" test "$LB_RC" -eq 0
		check "its pins are removed at exit" sh -c \
			"grep -q 'removed pin /sys/fs/bpf/sl_xdp_vips' '$LB_LOG' && grep -q 'removed pin /sys/fs/bpf/sl_xdp_stats' '$LB_LOG'"
		check "the program is detached" no_xdp
		check "the host still answers (ICMP echo)" cl python3 "$PEER" ping "$LB4"
	else
		fail "SIGINT: sluiced did not exit within 10 s"
	fi
	kill "$SRV_PID" 2>/dev/null && wait "$SRV_PID" 2>/dev/null
	SRV_PID=
else
	fail "sluiced started on net_af_xdp0 with xdp_prog"
fi

# ------------------------------------------------- 2 AF_XDP, sluiced killed

echo "== 2 sluiced killed: VIP traffic falls back to the kernel"
if start_lb crash "$WORK/xdp.yaml" "net_af_xdp0,iface=$IF_LB,xdp_prog=$OBJ"; then
	wait_true "VIP map synced" "d['xdp']['entries'] == 2" status
	stop_lb KILL
	check "after SIGKILL the program stays attached (no socket behind it)" xdp_attached
	check "the host still answers (ARP + ICMP echo)" cl python3 "$PEER" ping "$LB4"
	# Give the LB host the VIP, so its kernel has a taker for the packets
	# that the program now passes instead of redirecting.
	ip -n "$NS_LB" addr add "$VIP4/32" dev lo
	rm -f "$WORK/cnt.ready"
	lb python3 "$PEER" count "$VIP4" 5000 3 "$WORK/cnt.ready" >"$WORK/cnt.out" &
	cnt_pid=$!
	for ((i = 0; i < 50; i++)); do
		[ -s "$WORK/cnt.ready" ] && break
		sleep 0.1
	done
	cl python3 "$PEER" udp "$VIP4" 5000 5
	wait "$cnt_pid"
	check "VIP packets reach the kernel (XDP_PASS fallback): 5 of 5" test "$(cat "$WORK/cnt.out")" = 5
	ip -n "$NS_LB" addr del "$VIP4/32" dev lo
	rm -rf /dev/hugepages/"$PREFIX"* /var/run/dpdk/"$PREFIX"

	# The AF_XDP driver attaches only to an interface without a program:
	# sluiced detaches the one its dead predecessor left, then starts.
	if start_lb restart "$WORK/xdp.yaml" "net_af_xdp0,iface=$IF_LB,xdp_prog=$OBJ"; then
		pass "restart after SIGKILL: sluiced starts again"
		check "it detached the program the killed one left" \
			grep -q "detached sluice's XDP program (id [0-9]*) from $IF_LB" "$LB_LOG"
		check "sluice_xdp is attached again" xdp_attached
		cl python3 "$PEER" udp "$VIP4" 5000 5
		wait_true "UDP to the VIP reaches the new sluiced (5, exactly)" \
			"vip(d, '$REF4')['packets'] == 5" stats
		if stop_lb INT; then
			check "SIGINT: sluiced exits 0" test "$LB_RC" -eq 0
		else
			fail "SIGINT: sluiced did not exit within 10 s"
		fi
	else
		fail "restart after SIGKILL: sluiced starts again"
	fi
	ip -n "$NS_LB" link set dev "$IF_LB" xdp off 2>/dev/null
else
	fail "sluiced started again on net_af_xdp0"
fi

# ------------------------------------------------------- 3 net_af_packet

echo "== 3 net_af_packet fallback"
if start_lb packet "$WORK/packet.yaml" "net_af_packet0,iface=$IF_LB"; then
	pass "sluiced started on net_af_packet0"
	check "the host answers (AF_PACKET copies, the kernel keeps its traffic)" \
		cl python3 "$PEER" ping "$LB4"
	cl python3 "$PEER" udp "$VIP4" 5000 5
	wait_true "UDP to the VIP reached sluiced (5, exactly)" "vip(d, '$REF4')['packets'] == 5" stats
	wait_true "status: no XDP front" "d['xdp'] is None" status
	if stop_lb INT; then
		check "SIGINT: sluiced exits 0" test "$LB_RC" -eq 0
	else
		fail "SIGINT: sluiced did not exit within 10 s"
	fi
else
	fail "sluiced started on net_af_packet0"
fi

echo "xdp_smoke: $passes passed, $fails failed"
[ "$fails" -eq 0 ]
