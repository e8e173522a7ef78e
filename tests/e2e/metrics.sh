#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# metrics.sh: the three ways sluiced exports its metrics, end to end (meson
# suite 'e2e'; a minute or less):
#
#   namespace LB                          namespace BE
#   sluiced (-l 1) --veth 10.99.3.1/24--> TCP :8080 listeners on 10.99.3.11, .12
#      ^  memif (a unix socket file in the work dir)
#   sl-gen (-l 0): paced TCP to 10.99.101.1:80
#
# With traffic flowing it checks that
#   - curl http://127.0.0.1:9465/metrics (inside the LB namespace: the
#     endpoint's default loopback address) answers 200, text format 0.0.4,
#     with non-zero packet counters for the VIP, both backends and the port,
#     and both backends healthy; another path answers 404;
#   - dpdk-telemetry.py (Debian's dpdk package) on sluiced's file prefix
#     answers /sluice/status, /sluice/vip, /sluice/backends, /sluice/ports and
#     /sluice/workers with the same non-zero counters;
#   - sluicectl stats --json carries worker load, port and flow-table figures.
#
# Needs root, hugepages, curl and python3; exits 77 (skip) without them.
# Processes are killed by the pids recorded when they started; namespaces,
# hugepage files, runtime dirs and the work dir are removed by a trap.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${SLUICE_BUILD:-$ROOT/build}
SLUICED=$BUILD/control/sluiced
GEN=$BUILD/tools/sl-gen
CTL=$BUILD/tools/sluicectl
TELEMETRY=${DPDK_TELEMETRY:-/usr/bin/dpdk-telemetry.py}
MEM=256
GEN_MAC=02:99:00:00:00:11
LB_MAC=02:99:00:00:00:12
VIP=10.99.101.1:80/tcp
B1=10.99.3.11 B2=10.99.3.12

skip() {
	echo "SKIP: $*"
	exit 77
}
[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, hugepages)"
for t in ip python3 curl taskset timeout; do
	command -v "$t" >/dev/null || skip "needs $t"
done
[ -w /dev/hugepages ] || skip "needs hugetlbfs on /dev/hugepages (tools/setup.sh)"
free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
[ "${free:-0}" -ge $((MEM + 64)) ] || skip "only ${free:-0} free 2 MiB hugepages"
for b in "$SLUICED" "$GEN" "$CTL"; do
	[ -x "$b" ] || {
		echo "FAIL: $b is not built (set SLUICE_BUILD)"
		exit 1
	}
done
if [ "$(nproc)" -ge 2 ]; then LB_CORE=1 GEN_CORE=0; else LB_CORE=0 GEN_CORE=0; fi
SLOW=1
if [[ "$(ldd "$SLUICED" 2>/dev/null)" == *libasan* ]]; then
	SLOW=3
	export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
	[ -f "$ROOT/tests/lsan.supp" ] &&
		export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
fi

TAG=slmet$$
NS_LB=${TAG}lb NS_BE=${TAG}be
WORK=$(mktemp -d /tmp/sluice-metrics.XXXXXX)
CONF=$WORK/sluice.yaml CSOCK=$WORK/sluiced.sock STATE=$WORK/sluiced.state MSOCK=$WORK/memif.sock
LB_PREFIX=${TAG}_lb GEN_PREFIX=${TAG}_gen
LB_PID='' GEN_PID='' L1='' L2=''
PASSED=0 FAILED=0

stop_pid() { # PID SIGNAL SECONDS
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -"$2" "$pid" 2>/dev/null
	for ((i = 0; i < $3 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
}
cleanup() {
	trap - EXIT INT TERM
	# sl-gen frozen first: only sluiced takes the memif link down (see
	# control_plane.sh: the 22.11 memif PMD and a polling peer).
	[ -n "$GEN_PID" ] && kill -STOP "$GEN_PID" 2>/dev/null
	stop_pid "$LB_PID" INT 30
	stop_pid "$GEN_PID" KILL 10
	stop_pid "$L1" TERM 5
	stop_pid "$L2" TERM 5
	ip netns del "$NS_LB" 2>/dev/null
	ip netns del "$NS_BE" 2>/dev/null
	rm -f /dev/hugepages/"${TAG}"_*
	rm -rf /var/run/dpdk/"${TAG}"_*
	[ "${E2E_KEEP:-0}" = 1 ] && echo "work dir kept: $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
trap 'echo "FAIL: interrupted"; exit 1' INT TERM

ok() {
	PASSED=$((PASSED + 1))
	echo "PASS: $*"
}
ko() {
	FAILED=$((FAILED + 1))
	echo "FAIL: $*"
}
expect() { # DESCRIPTION COMMAND...
	local d=$1
	shift
	if "$@"; then ok "$d"; else ko "$d"; fi
}
gt0() { # VALUE: a positive integer
	[[ "$1" =~ ^[0-9]+$ ]] && [ "$1" -gt 0 ] && return 0
	echo "    expected a positive integer, got [$1]"
	return 1
}
eq() {
	[ "$1" = "$2" ] && return 0
	echo "    expected [$2], got [$1]"
	return 1
}
wait_until() { # SECONDS COMMAND...
	local i lim=$1
	shift
	for ((i = 0; i < lim * 5; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.2
	done
	return 1
}
# j EXPR FILE: a value from a JSON file (tests/e2e/jget.py)
j() { python3 "$HERE/jget.py" "$1" "$2"; }
# prom NAME{LABELS}: the value of one sample in $WORK/metrics.txt (integer)
prom() { awk -v k="$1" '$1 == k {printf "%d\n", $2; f = 1} END {if (!f) print "missing"}' "$WORK/metrics.txt"; }
# tel COMMAND: dpdk-telemetry.py's reply to one command, into $WORK/tel.json
tel() {
	echo "$1" | timeout 20 python3 "$TELEMETRY" -f "$LB_PREFIX" >"$WORK/tel.json" 2>"$WORK/tel.err"
}

cat >"$CONF" <<EOF
ports:
  - { name: net_memif0, role: data }
tunnel:
  source4: 10.99.0.2
next_hop:
  port: net_memif0
  mac: $GEN_MAC
flow_table:
  size: 65536
maglev:
  table_size: 4099
vips:
  - address: 10.99.101.1
    port: 80
    protocol: tcp
    encap: ipip
    health: { type: tcp, port: 8080, interval: 500ms, timeout: 200ms, rise: 1, fall: 2 }
    backends:
      - { address: $B1 }
      - { address: $B2 }
EOF

ip netns add "$NS_LB" && ip netns add "$NS_BE" &&
	ip link add name vlb0 netns "$NS_LB" type veth peer name vbe0 netns "$NS_BE" &&
	ip -n "$NS_LB" addr add 10.99.3.1/24 dev vlb0 &&
	ip -n "$NS_BE" addr add "$B1/24" dev vbe0 && ip -n "$NS_BE" addr add "$B2/24" dev vbe0 &&
	ip -n "$NS_LB" link set lo up && ip -n "$NS_BE" link set lo up &&
	ip -n "$NS_LB" link set vlb0 up && ip -n "$NS_BE" link set vbe0 up ||
	skip "cannot create network namespaces and a veth pair"
for n in 1 2; do
	a=B$n
	ip netns exec "$NS_BE" python3 "$HERE/listener.py" tcp "${!a}" 8080 "$WORK/ready.$n" 600 \
		>"$WORK/listener.$n.log" 2>&1 &
	eval "L$n=$!"
done

echo "sluice metrics e2e: build $BUILD, work dir $WORK"
ip netns exec "$NS_LB" taskset -c "$LB_CORE" "$SLUICED" -l "$LB_CORE" --file-prefix "$LB_PREFIX" \
	--no-pci -m "$MEM" --single-file-segments \
	--vdev="net_memif0,role=server,socket=$MSOCK,socket-abstract=no,mac=$LB_MAC" \
	-- -c "$CONF" --socket "$CSOCK" --state-file "$STATE" >"$WORK/sluiced.log" 2>&1 &
LB_PID=$!
if ! wait_until 60 grep -q 'Ctrl-C to stop' "$WORK/sluiced.log"; then
	tail -n 30 "$WORK/sluiced.log"
	echo "FAIL: sluiced did not start"
	exit 1
fi
expect "sluiced logs the metrics endpoint and the telemetry commands" \
	eval "grep -q 'metrics endpoint: http://127.0.0.1:9465/metrics' '$WORK/sluiced.log' &&
	      grep -q 'telemetry: /sluice/ commands' '$WORK/sluiced.log'"

backends_up() {
	timeout 20 "$CTL" -s "$CSOCK" backend list --json >"$WORK/bl.json" &&
		[ "$(j "all(b['health']=='up' for b in d['backends'])" "$WORK/bl.json")" = true ]
}
expect "both backends pass their health checks" wait_until 30 backends_up

ip netns exec "$NS_LB" taskset -c "$GEN_CORE" "$GEN" -l "$GEN_CORE" --file-prefix "$GEN_PREFIX" \
	--no-pci -m "$MEM" --single-file-segments \
	--vdev="net_memif0,role=client,socket=$MSOCK,socket-abstract=no,mac=$GEN_MAC" \
	-- --vip 10.99.101.1 --vport 80 --dst-mac "$LB_MAC" --flows 64 --new-share 0.05 \
	--rate 5000 --warmup 0 --duration $((8 * SLOW)) --expect-encap --link-timeout 30 \
	--linger 600 >"$WORK/gen.log" 2>"$WORK/gen.err" &
GEN_PID=$!
disown "$GEN_PID"
expect "sl-gen links up" wait_until 45 grep -q 'link up' "$WORK/gen.log"
# Traffic for a few seconds; the exporters' copy is at most a second old.
sleep $((3 * SLOW))

# ---- Prometheus
ip netns exec "$NS_LB" curl -s -m 10 -D "$WORK/headers" -o "$WORK/metrics.txt" \
	http://127.0.0.1:9465/metrics
expect "GET /metrics: 200" eval "head -n 1 '$WORK/headers' | grep -q ' 200 '"
expect "GET /metrics: text format 0.0.4" \
	eval "grep -qi '^Content-Type: text/plain; version=0.0.4' '$WORK/headers'"
expect "metrics: the VIP's packet counter is non-zero" \
	gt0 "$(prom "sluice_vip_packets_total{vip=\"$VIP\"}")"
for b in $B1 $B2; do
	expect "metrics: backend $b forwarded packets" \
		gt0 "$(prom "sluice_backend_packets_total{vip=\"$VIP\",backend=\"$b\"}")"
	expect "metrics: backend $b is healthy" \
		eq "$(prom "sluice_backend_health_up{vip=\"$VIP\",backend=\"$b\"}")" 1
done
expect "metrics: the port received packets" \
	gt0 "$(prom 'sluice_port_rx_packets_total{port="net_memif0"}')"
expect "metrics: flows in the flow table" gt0 "$(prom 'sluice_flow_table_entries{worker="0"}')"
expect "metrics: every family has HELP and TYPE" \
	eq "$(grep -c '^# HELP' "$WORK/metrics.txt")" "$(grep -c '^# TYPE' "$WORK/metrics.txt")"
code=$(ip netns exec "$NS_LB" curl -s -m 10 -o /dev/null -w '%{http_code}' http://127.0.0.1:9465/x)
expect "GET /x: 404" eq "$code" 404

# ---- DPDK telemetry
if [ -f "$TELEMETRY" ]; then
	tel /sluice/status
	expect "telemetry /sluice/status: one VIP, rx > 0" \
		eq "$(j "(d['/sluice/status']['vips'], d['/sluice/status']['rx'] > 0)" "$WORK/tel.json")" \
		'[1,true]'
	tel "/sluice/vip,$VIP"
	expect "telemetry /sluice/vip: packets > 0" \
		gt0 "$(j "d['/sluice/vip']['packets']" "$WORK/tel.json")"
	tel "/sluice/backends,$VIP"
	expect "telemetry /sluice/backends: both backends, each with packets" \
		eq "$(j "sorted((b['address'], b['packets'] > 0) for b in d['/sluice/backends']['backends'].values())" "$WORK/tel.json")" \
		"[[\"$B1\",true],[\"$B2\",true]]"
	tel /sluice/ports
	expect "telemetry /sluice/ports: rx_packets > 0" \
		gt0 "$(j "d['/sluice/ports']['ports']['0']['rx_packets']" "$WORK/tel.json")"
	tel /sluice/workers
	expect "telemetry /sluice/workers: one worker that polls" \
		gt0 "$(j "d['/sluice/workers']['workers']['0']['polls']" "$WORK/tel.json")"
else
	echo "SKIP: $TELEMETRY not found (Debian package dpdk): telemetry checks skipped"
fi

# ---- sluicectl stats
timeout 20 "$CTL" -s "$CSOCK" stats --json >"$WORK/stats.json"
expect "stats --json: worker load, port rx, flow-table entries and the old fields" \
	eq "$(j "(d['workers'][0]['load_pct'] > 0, d['ports'][0]['ipackets'] > 0, d['flow_table']['entries'] > 0, d['vips'][0]['packets'] > 0, 'drops_per_s' in d)" "$WORK/stats.json")" \
	'[true,true,true,true,true]'

# ---- a clean stop (sl-gen frozen first, as in cleanup)
kill -STOP "$GEN_PID" 2>/dev/null
stop_pid "$LB_PID" INT 60
rc=$?
LB_PID=
expect "sluiced stops on SIGINT with exit status 0" eq "$rc" 0
expect "sluiced: no AddressSanitizer/LeakSanitizer/UBSan report" \
	eval "! grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' '$WORK/sluiced.log'"

echo "metrics e2e: $PASSED passed, $FAILED failed"
[ "$FAILED" -eq 0 ]
