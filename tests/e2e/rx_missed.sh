#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# rx_missed.sh: the rx_missed alert end to end (meson suite 'e2e'), on a port
# that reports imissed.  tests/e2e/alerts.sh injects every other anomaly over
# memif, which never reports imissed; net_af_xdp does: DPDK 22.11's driver
# reports the socket's XDP_STATISTICS rx_dropped, the packets the kernel
# dropped for want of a buffer in the fill ring.  (A packet that finds the
# RX ring full is not in it: sluiced sizes an AF_XDP port's RX ring to the
# fill ring, so that the fill ring runs dry first; dataplane/sl_port.h,
# sl_port_nb_rxd.  With the RX ring at 1024 this test fails: imissed 0.)
#
#   namespace CL (client)                    namespace LB
#   10.99.211.1  --veth-->  10.99.211.2    sluiced --vdev net_af_xdp0 with
#   route to the VIP via the LB            tools/bpf/sluice_xdp.o (as in
#   (tests/e2e/xdp_peer.py sends)          tests/e2e/xdp_smoke.sh)
#
#  1 steady: STEADY_S seconds of a paced UDP trickle to the VIP (warm-up
#    included): every packet reaches sluiced, imissed stays 0, no alert line.
#  2 spike: sluiced is frozen (SIGSTOP, every thread: what a worker core
#    taken away by something else does) while the client sends a bounded
#    burst to the VIP, more than the socket's rings hold; the kernel drops
#    the rest and counts them; then SIGCONT.  The next sample sees imissed
#    jump: exactly one rx_missed alert for port net_af_xdp0 is raised (log
#    line and `sluicectl alerts`); imissed equals what the kernel's veth
#    counted as dropped (XDP redirects the socket refused); every packet is
#    accounted for (taken by sluiced, missed, or dropped by the sender's
#    veth); sluiced itself dropped nothing; once the port is quiet again the
#    alert is resolved with the same id.  No other alert line at any time:
#    the VIP has no health checks (nothing to flap or slow down while
#    frozen) and the burst it does take is forwarded, not dropped.
#
# Every check prints one PASS: or FAIL: line; the test fails if any failed.
# Everything the test makes carries its name (slx-rxm*) and is removed by a
# trap, also on failure.  Bounded: every wait has a count and a deadline.
# Runs under /tmp/sluice-heavy.lock (taken here unless a parent process
# already holds it).  About 12 s.
# Needs root, hugepages, AF_XDP; exits 77 (skip) without them.
# Environment: SLUICE_BUILD (build dir, default build/), E2E_KEEP=1 keeps
# the work dir.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${SLUICE_BUILD:-$ROOT/build}
SLUICED=$BUILD/control/sluiced
CTL=$BUILD/tools/sluicectl
OBJ=$BUILD/tools/bpf/sluice_xdp.o
PEER=$HERE/xdp_peer.py
JGET=$HERE/jget.py
LINES=$HERE/alert_lines.py

ID=$(($$ % 100000))
NS_LB=slx-rxm-lb$ID
NS_CL=slx-rxm-cl$ID
IF_LB=slx-rxm-l$ID # interface names: at most 15 characters
IF_CL=slx-rxm-c$ID
PREFIX=slx-rxm$ID
LB_MAC=02:99:d3:00:00:02
CL_MAC=02:99:d3:00:00:01
LB4=10.99.211.2
CL4=10.99.211.1
VIP=10.99.202.1
REF=10.99.202.1:5000/udp
PORT=net_af_xdp0
STEADY_S=6   # paced traffic, longer than alerts.warmup
STEADY_PPS=200
BURST=6000   # more than the socket's fill and RX rings (2048 each) hold
CORE=$(($(nproc) > 1 ? 1 : 0))

skip() {
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, BPF, hugepages)"
for t in ip ethtool python3 taskset timeout mount flock; do
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

# The heavy-work lock (a busy-polling sluiced on a 2-core machine); a parent
# (flock /tmp/sluice-heavy.lock meson test ...) may hold it already: waiting
# for it then would wait for ourselves.  As in tests/e2e/alerts.sh.
heavy_lock() {
	local f=/tmp/sluice-heavy.lock ino holders p h
	exec 9>>"$f" || return 0
	flock -n 9 && return 0
	ino=$(stat -c %i "$f")
	holders=$(awk -v ino="$ino" '$2 == "FLOCK" { n = split($6, a, ":"); if (a[n] == ino) print $5 }' /proc/locks)
	p=$$
	while [ -n "$p" ] && [ "$p" -gt 1 ]; do
		for h in $holders; do
			if [ "$h" = "$p" ]; then
				exec 9>&-
				return 0
			fi
		done
		p=$(awk '{print $4}' "/proc/$p/stat" 2>/dev/null)
	done
	echo "waiting for $f"
	flock -w 900 9 || skip "$f held by someone else for 15 minutes"
}
heavy_lock

free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
[ "${free:-0}" -ge 160 ] || skip "only ${free:-0} free 2 MiB hugepages, needs 160"

# Sanitizer build: the options meson and the Makefile set, the suppressions
# for what DPDK's AF_XDP driver leaks (tests/lsan.supp), longer waits.
SLOW=1
if [[ "$(ldd "$SLUICED" 2>/dev/null)" == *libasan* || "$(ldd "$SLUICED" 2>/dev/null)" == *libubsan* ]]; then
	SLOW=3
	export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
	export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
fi

WORK=$(mktemp -d /tmp/slx-rxm.XXXXXX)
LB_PID=
LB_LOG=$WORK/lb.log
fails=0
passes=0

cleanup() {
	trap - EXIT INT TERM
	if [ -n "$LB_PID" ]; then
		# A frozen sluiced (a failure during the spike) must run to die.
		kill -CONT "$LB_PID" 2>/dev/null
		kill -KILL "$LB_PID" 2>/dev/null && wait "$LB_PID" 2>/dev/null
	fi
	ip netns del "$NS_LB" 2>/dev/null
	ip netns del "$NS_CL" 2>/dev/null
	rm -rf /dev/hugepages/"$PREFIX"* /var/run/dpdk/"$PREFIX"
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "work dir kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'echo "FAIL: interrupted"; exit 1' INT TERM

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
# same DESCRIPTION GOT WANT
same() {
	if [ "$2" = "$3" ]; then
		pass "$1"
	else
		fail "$1"
		echo "      expected: $3"
		echo "      got:      $2"
	fi
}
cl() { ip netns exec "$NS_CL" "$@"; }
ctl() { timeout 10 "$CTL" --socket "$WORK/lb.sock" "$@"; }
jget() { python3 "$JGET" "$@"; }
now_ms() { date +%s%3N; }
# The alert lines of sluiced's log: "STATE ALERT SUBJECT id=N".
alert_lines() { python3 "$LINES" "$LB_LOG"; }
# wait_line SECONDS TEXT: until an alert line starts with TEXT.
wait_line() {
	local i
	for ((i = 0; i < $1 * 10; i++)); do
		alert_lines | grep -qF -- "$2" && return 0
		sleep 0.1
	done
	return 1
}
# num TEXT: TEXT if it is a count, else -1 (a failed query fails its check
# instead of breaking the arithmetic).
num() {
	if [[ "$1" =~ ^[0-9]+$ ]]; then echo "$1"; else echo -1; fi
}
# link_stat NS IFACE rx|tx KEY: the kernel's counter of an interface.
link_stat() {
	ip -n "$1" -j -s link show dev "$2" |
		python3 -c "import json, sys; print(json.load(sys.stdin)[0]['stats64']['$3']['$4'])"
}
# JSON queries of the running sluiced (QUERY EXPR), "?" when it fails.
q() {
	ctl "$1" --json >"$WORK/q.json" 2>/dev/null && jget "$2" "$WORK/q.json" 2>/dev/null || echo "?"
}

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
ip -n "$NS_CL" addr add "$CL4/24" dev "$IF_CL"
ip -n "$NS_LB" link set "$IF_LB" up
ip -n "$NS_CL" link set "$IF_CL" up
ip -n "$NS_CL" route add "$VIP/32" via "$LB4"
# Locally sent UDP on veth carries partial checksums that XDP and AF_XDP
# do not complete: checksums in software (as tests/e2e/xdp_smoke.sh).
ip netns exec "$NS_LB" ethtool -K "$IF_LB" tx off >/dev/null
ip netns exec "$NS_CL" ethtool -K "$IF_CL" tx off >/dev/null

# The backend is an address only: the encapsulated packets go back to the
# client's veth (the next hop) and die there.  The alert settings make the
# test quick (3 s warm-up, resolved after 2 s clear, no repeats); the
# rx_missed thresholds are the defaults (min_increase 100/s, factor 3,
# sigmas 6), and every other detector stays on with its defaults.
cat >"$WORK/lb.yaml" <<EOF
ports:
  - { name: $PORT, role: data }
tunnel:
  source4: $LB4
next_hop:
  port: $PORT
  mac: $CL_MAC
  mtu: 1500
flow_table:
  size: 4096
alerts:
  warmup: 3s
  baseline: 60s
  repeat: off
  resolve_after: 2s
vips:
  - address: $VIP
    port: 5000
    protocol: udp
    encap: ipip
    health: { type: none }
    backends:
      - { address: 10.99.203.1 }
EOF

echo "rx_missed e2e: build $BUILD, work dir $WORK, namespaces $NS_LB/$NS_CL, core $CORE"

# sluiced in LB, on AF_XDP with sluice's program.  `ip netns exec` gives it a
# mount namespace whose /sys has no bpffs: it mounts one there, so the AF_XDP
# driver can pin the program's maps (tests/e2e/xdp_smoke.sh).  ip netns exec,
# sh and taskset all exec: LB_PID is sluiced itself.
ip netns exec "$NS_LB" sh -c 'mount -t bpf bpf /sys/fs/bpf && exec "$@"' sh \
	taskset -c "$CORE" "$SLUICED" -l "$CORE" --file-prefix "$PREFIX" --no-pci \
	-m 256 --single-file-segments --vdev "$PORT,iface=$IF_LB,xdp_prog=$OBJ" \
	-- -c "$WORK/lb.yaml" --socket "$WORK/lb.sock" --state-file "$WORK/lb.state" \
	>"$LB_LOG" 2>&1 &
LB_PID=$!
started=0
for ((i = 0; i < 200 * SLOW; i++)); do
	if grep -q 'Ctrl-C to stop' "$LB_LOG" 2>/dev/null && [ -S "$WORK/lb.sock" ]; then
		started=1
		break
	fi
	kill -0 "$LB_PID" 2>/dev/null || break
	sleep 0.1
done
if [ "$started" != 1 ]; then
	echo "FAIL: sluiced did not start on $PORT:"
	tail -n 30 "$LB_LOG" | sed 's/^/      /'
	exit 1
fi
pass "sluiced started on $PORT (AF_XDP on $IF_LB) with sluice's XDP program"
T0=$(now_ms)

# ------------------------------------------------------------------ steady

echo "== 1 steady: $STEADY_S s of $STEADY_PPS packets/s to the VIP"
# ARP for the LB first (the kernel answers it: XDP_PASS), so that the
# trickle and the burst go out at once instead of queueing behind it.
check "the client reaches the LB host (ARP + ICMP echo)" cl python3 "$PEER" ping "$LB4"
sent=$(num "$(cl python3 "$PEER" pace "$VIP" 5000 "$STEADY_PPS" "$STEADY_S")")
got=
for ((i = 0; i < 30; i++)); do
	got=$(num "$(q stats "vip(d, '$REF')['packets']")")
	[ "$got" = "$sent" ] && break
	sleep 0.1
done
same "steady: every packet reached sluiced ($sent)" "$got" "$sent"
same "steady: port $PORT missed nothing" \
	"$(q stats "[p['imissed'] for p in d['ports'] if p['name'] == '$PORT']")" "[0]"
# The trickle outlasted alerts.warmup, so every detector is armed by now.
same "steady: no alert line" "$(alert_lines)" ""
same "steady: sluicectl alerts: enabled, none active, none raised" \
	"$(q alerts "[d['enabled'], len(d['alerts']), d['counts']['raised']]")" "[true,0,0]"

# ------------------------------------------------------------------- spike

echo "== 2 spike: sluiced frozen while $BURST packets arrive"
t=$(now_ms)
kill -STOP "$LB_PID"
cl python3 "$PEER" udp "$VIP" 5000 "$BURST"
kill -CONT "$LB_PID"
stopped=$(($(now_ms) - t))
echo "    sluiced was frozen for $stopped ms"
t=$(now_ms)
if wait_line $((5 * SLOW)) "raised rx_missed port=$PORT id="; then
	pass "rx_missed raised for port $PORT $(($(now_ms) - t)) ms after the thaw"
	t=$(now_ms)
else
	fail "rx_missed not raised for port $PORT within $((5 * SLOW)) s"
fi
python3 "$LINES" --json "$LB_LOG" | head -n 1 >"$WORK/raised.json"
echo "    $(jget "d['message']" "$WORK/raised.json" 2>/dev/null)"
check "its line: warning, packets/s, observed above the threshold above the baseline, message" \
	test "$(jget "d['alert'] == 'rx_missed' and d['state'] == 'raised' and d['severity'] == 'warning' and d['subject'] == {'port': '$PORT'} and d['unit'] == 'packets/s' and d['observed'] > d['threshold'] >= d['expected'] + 100 and d['message'].startswith('port $PORT: the NIC missed')" "$WORK/raised.json")" = true
id=$(jget "d['id']" "$WORK/raised.json" 2>/dev/null)
same "sluicectl alerts: exactly that alert active (same id)" \
	"$(q alerts "[(a['alert'], a['state'], a['subject'], a['id']) for a in d['alerts']]")" \
	"[[\"rx_missed\",\"active\",{\"port\":\"$PORT\"},${id:-?}]]"
# The kernel's view: the LB veth counts as RX dropped the packets its XDP
# redirect could not hand to the socket; the client's veth counts as TX
# dropped any that it could not queue to its peer (none, normally).
# The counters sluiced shows are sampled once a second: wait (3 s at most)
# for a sample taken after the worker drained what the socket held.
for ((i = 0; i < 30; i++)); do
	missed=$(num "$(q stats "[p['imissed'] for p in d['ports'] if p['name'] == '$PORT'][0]")")
	vipgot=$(num "$(q stats "vip(d, '$REF')['packets']")")
	kdrop=$(num "$(link_stat "$NS_LB" "$IF_LB" rx dropped)")
	cdrop=$(num "$(link_stat "$NS_CL" "$IF_CL" tx dropped)")
	[ "$missed" = "$kdrop" ] && [ $((vipgot + missed + cdrop)) = $((sent + BURST)) ] && break
	sleep 0.1
done
echo "    of $BURST: sluiced took $((vipgot - sent)), the port missed $missed (kernel: $kdrop redirects refused, $cdrop dropped by the sender's veth)"
check "the port missed part of the burst (imissed > 0)" test "$missed" -gt 0
same "imissed = the packets the kernel could not redirect to the socket" "$missed" "$kdrop"
same "every packet accounted for: VIP packets + imissed + sender's veth drops = sent" \
	"$((vipgot + missed + cdrop))" "$((sent + BURST))"
same "sluiced dropped nothing (what it took, it forwarded)" "$(q stats "sum(d['drops'].values())")" 0

if wait_line $((6 * SLOW)) "resolved rx_missed port=$PORT id=${id:-?}"; then
	pass "rx_missed resolved $(($(now_ms) - t)) ms after it was raised (resolve_after 2s)"
else
	fail "rx_missed not resolved within $((6 * SLOW)) s"
fi
same "exactly two alert lines in the whole run: raised then resolved, same id" \
	"$(alert_lines)" \
	"$(printf 'raised rx_missed port=%s id=%s\nresolved rx_missed port=%s id=%s' \
		"$PORT" "${id:-?}" "$PORT" "${id:-?}")"
same "sluicectl alerts: none active; 1 raised, 1 resolved, no repeat" \
	"$(q alerts "[len(d['alerts']), d['counts']['raised'], d['counts']['resolved'], d['counts']['repeats']]")" \
	"[0,1,1,0]"

kill -INT "$LB_PID"
for ((i = 0; i < 100; i++)); do
	kill -0 "$LB_PID" 2>/dev/null || break
	sleep 0.1
done
if kill -0 "$LB_PID" 2>/dev/null; then
	fail "SIGINT: sluiced did not exit within 10 s"
else
	wait "$LB_PID"
	same "SIGINT: sluiced exits 0" "$?" 0
	LB_PID=
fi

echo "rx_missed: $passes passed, $fails failed ($(($(now_ms) - T0)) ms after start)"
[ "$fails" -eq 0 ]
