#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# control_plane.sh: end-to-end tests of sluice's control plane (meson suite
# 'e2e').  The real daemon, real health checks, real traffic:
#
#   namespace LB                          namespace BE
#   sluiced (-l 1) --veth 10.99.2.1/24--> TCP :8080, HTTP :8081, UDP :5353
#      ^  health checks (kernel sockets)  listeners on 10.99.2.11 .. .14
#      | memif (a unix socket file in the work dir, no kernel network)
#   sl-gen (-l 0): paced TCP to a VIP, counts the encapsulated packets that
#                  come back by outer destination (= backend)
#
# Scenarios (E2E_SCENARIOS, default "1 2 3 4 5 6"; 1 is always run):
#   1 three VIPs (tcp, http, udp checks) come up
#   2 kill listeners under traffic: down in time, traffic moves; restart:
#     back through slow start to the full share
#   3 every sluicectl command round-trips (human and --json), --dry-run
#     changes nothing, --help of each command
#   4 bad commands and bad configurations are refused with a message naming
#     the problem, and the running state is unchanged
#   5 CLI changes survive a restart (state file)
#   6 E2E_CHANGES (default 1000) changes under paced traffic: no drop counter
#     moves, nothing lost, DPDK heap / memzones / mempool back to where they
#     started; ASan/UBSan reports fail the test
#
# Every check prints one PASS: or FAIL: line; the test fails if any check
# failed.  Timing is only ever asserted with generous bounds.  A check whose
#
# Isolation: sluiced runs inside a network namespace of its own, so its
# health checks reach only the backend namespace (10.99.2.0/24 over a veth
# pair); VIP traffic goes only over memif between sl-gen and sluiced.  Every
# process is killed by the pid recorded when it started, every DPDK process
# has its own --file-prefix, and a trap removes namespaces, processes,
# hugepage files, runtime dirs and the work dir, also on failure.
#
# Environment: SLUICE_BUILD (build dir, default build/; an ASan build runs
# the same scenarios under the sanitizers), E2E_SCENARIOS, E2E_CHANGES,
# E2E_RATE (sl-gen packets/s, default 20000), E2E_TABLE_SIZE (Maglev slots
# per VIP), E2E_KEEP=1 keeps the work dir.
# Needs root (namespaces, hugepages); exits 77 (skip) without them.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${SLUICE_BUILD:-$ROOT/build}
SLUICED=$BUILD/control/sluiced
GEN=$BUILD/tools/sl-gen
CTL=$BUILD/tools/sluicectl
SCENARIOS=" 1 ${E2E_SCENARIOS:-2 3 4 5 6} "
CHANGES=${E2E_CHANGES:-1000}
RATE=${E2E_RATE:-20000}
LB_MEM=256
GEN_MEM=256
GEN_MAC=02:99:00:00:00:01 # sl-gen: clients and next hop
# memif rings of 2^13 slots (default 2^10): at 20000 packets/s they hold
# 0.4 s, so a generator that the host deschedules for a moment (other work
# on its core) does not make sluiced count tx_full drops; sluiced's own
# drops still show.  About 32 MiB of shared memory per direction.
MEMIF_RSIZE=13
LB_MAC=02:99:00:00:00:02
# Health checks of every VIP: interval 500ms, timeout 200ms, fall 2, so a
# dead backend is out by 1.2 s (docs/OPERATIONS.md).  The test allows that
# plus DOWN_SLACK seconds: the control thread shares a core with a polling
# worker, and under ASan everything is slower.
DOWN_BOUND_MS=1200
DOWN_SLACK_S=6
SLOW_START_S=6

skip() {
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, hugepages)"
for t in ip python3 taskset timeout; do
	command -v "$t" >/dev/null || skip "needs $t"
done
[ -w /dev/hugepages ] || skip "needs hugetlbfs on /dev/hugepages (tools/setup.sh)"
free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
need=$(((LB_MEM + GEN_MEM) / 2 + 64))
[ "${free:-0}" -ge "$need" ] || skip "only ${free:-0} free 2 MiB hugepages, needs $need"
for b in "$SLUICED" "$GEN" "$CTL"; do
	if [ ! -x "$b" ]; then
		echo "FAIL: $b is not built (set SLUICE_BUILD to the build directory)"
		exit 1
	fi
done

# sluiced's worker and sl-gen each poll a core (as tools/demo.sh).  This
# script, sluicectl and the listeners share sluiced's core: on sl-gen's they
# would delay its polling, its receive ring would fill and sluiced would count
# tx_full drops that say nothing about sluiced.
if [ "$(nproc)" -ge 2 ]; then
	LB_CORE=1 GEN_CORE=0
	taskset -pc "$LB_CORE" $$ >/dev/null || echo "warning: cannot pin the script to core $LB_CORE"
else
	LB_CORE=0 GEN_CORE=0
fi
# Sanitizer builds are several times slower: fixed traffic windows scale.
SLOW=1
# (Not `ldd | grep -q`: with pipefail, grep's early exit can fail ldd.)
if [[ "$(ldd "$SLUICED" 2>/dev/null)" == *libasan* || "$(ldd "$SLUICED" 2>/dev/null)" == *libubsan* ]]; then
	SLOW=3
	# meson sets ASAN_OPTIONS for tests; when run by hand, the same.
	export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
	[ -f "$ROOT/tests/lsan.supp" ] &&
		export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
fi
# Maglev table size of the VIPs: the default, except under the sanitizers,
# where building 65537-slot tables makes each change take about 0.5 s
# (4099: about 50 ms, so 1000 changes stay within minutes).
TABLE_SIZE=${E2E_TABLE_SIZE:-$([ $SLOW -gt 1 ] && echo 4099 || echo 65537)}

TAG=sle2e$$
NS_LB=${TAG}lb
NS_BE=${TAG}be
WORK=$(mktemp -d /tmp/sluice-e2e.XXXXXX)
CONF=$WORK/sluice.yaml
CSOCK=$WORK/sluiced.sock
STATE=$WORK/sluiced.state
MSOCK=$WORK/memif.sock
V1=10.99.100.1:80/tcp   # tcp check, slow start, the VIP traffic goes to
V2=10.99.100.2:80/tcp   # http check
V3=10.99.100.3:53/udp   # udp check
V4=10.99.100.4:8000/tcp # added and removed with the CLI
B11=10.99.2.11 B12=10.99.2.12 B13=10.99.2.13 B14=10.99.2.14

LB_PID='' LB_PREFIX='' LB_LOG='' LB_N=0
GEN_PID='' GEN_PREFIX='' GEN_N=0
declare -A LPID
PASSED=0 FAILED=0
FAILS=()
T_START=$(date +%s)

# ---------------------------------------------------------------- clean-up

stop_pid() { # PID SIGNAL SECONDS: signal, wait, then SIGKILL; returns its status
	local pid=$1 i rc
	[ -n "$pid" ] || return 0
	kill -"$2" "$pid" 2>/dev/null
	for ((i = 0; i < $3 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		echo "  (pid $pid did not stop on SIG$2 within $3 s: SIGKILL)"
		kill -KILL "$pid" 2>/dev/null
	fi
	wait "$pid" 2>/dev/null
	rc=$?
	return $rc
}

dpdk_files_rm() { # PREFIX
	[ -n "$1" ] || return 0
	rm -f /dev/hugepages/"$1"*
	rm -rf /var/run/dpdk/"$1"
}

cleanup() {
	local k
	trap - EXIT INT TERM
	# sl-gen frozen first, so that neither side polls memif while the
	# other disconnects (see gen_start).
	[ -n "$GEN_PID" ] && kill -STOP "$GEN_PID" 2>/dev/null
	stop_pid "$LB_PID" INT 30
	dpdk_files_rm "$LB_PREFIX"
	stop_pid "$GEN_PID" KILL 10
	dpdk_files_rm "$GEN_PREFIX"
	for k in "${!LPID[@]}"; do
		stop_pid "${LPID[$k]}" TERM 5
	done
	ip netns del "$NS_LB" 2>/dev/null
	ip netns del "$NS_BE" 2>/dev/null
	# Whatever an earlier start of ours left (one prefix per process).
	rm -f /dev/hugepages/"${TAG}"_*
	rm -rf /var/run/dpdk/"${TAG}"_*
	if [ "${E2E_KEEP:-0}" = 1 ]; then
		echo "work dir kept: $WORK"
	else
		rm -rf "$WORK"
	fi
}
trap cleanup EXIT
trap 'echo "FAIL: interrupted"; exit 1' INT TERM

# ------------------------------------------------------------------ checks

ok() {
	PASSED=$((PASSED + 1))
	echo "PASS: $*"
}
ko() {
	FAILED=$((FAILED + 1))
	FAILS+=("$*")
	echo "FAIL: $*"
}
# expect DESCRIPTION COMMAND...: PASS when COMMAND succeeds
expect() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else ko "$d"; fi
}
eq() { # GOT WANT
	[ "$1" = "$2" ] && return 0
	echo "    expected [$2], got [$1]"
	return 1
}
gt() { # GOT MIN: GOT > MIN (integers)
	[[ "$1" =~ ^-?[0-9]+$ ]] && [ "$1" -gt "$2" ] && return 0
	echo "    expected more than $2, got [$1]"
	return 1
}
le() { # GOT MAX
	[[ "$1" =~ ^-?[0-9]+$ ]] && [ "$1" -le "$2" ] && return 0
	echo "    expected at most $2, got [$1]"
	return 1
}
has() { # FILE TEXT: FILE contains TEXT (fixed string)
	grep -qF -- "$2" "$1" && return 0
	echo "    [$2] not in $(basename "$1"):"
	head -n 20 "$1" | sed 's/^/      /'
	return 1
}
same_file() { # A B
	cmp -s "$1" "$2" && return 0
	echo "    $(basename "$1") and $(basename "$2") differ:"
	diff "$1" "$2" | head -n 20 | sed 's/^/      /'
	return 1
}
now_ms() { date +%s%3N; }

# wait_until SECONDS COMMAND...: run COMMAND every 0.2 s until it succeeds
# (0) or SECONDS pass (1).
wait_until() {
	local lim=$1 t0 i
	shift
	t0=$(now_ms)
	for ((i = 0; i < lim * 10; i++)); do
		"$@" >/dev/null 2>&1 && return 0
		[ $(($(now_ms) - t0)) -ge $((lim * 1000)) ] && break
		sleep 0.2
	done
	return 1
}

# ---------------------------------------------------------------- sluicectl

# c ARGS...: one sluicectl call; stdout in $O, stderr in $E, status in RC.
O=$WORK/out
E=$WORK/err
c() {
	timeout -k 5 60 "$CTL" -s "$CSOCK" --timeout 45s "$@" >"$O" 2>"$E"
	RC=$?
	return 0
}
# j EXPR [FILE...]: a value computed from the JSON in the FILEs (d0, d1, ...;
# d is d0; default $O; names without a slash are in $WORK), see jget.py.
# Arithmetic on counters happens there, never in the shell, so a missing
# value fails a check instead of breaking the script.
j() {
	local e=$1 f files=()
	shift
	[ $# -eq 0 ] && set -- "$O"
	for f in "$@"; do
		[[ "$f" == */* ]] || f=$WORK/$f
		files+=("$f")
	done
	python3 "$HERE/jget.py" "$e" "${files[@]}"
}
# keep NAME: copy the last output to $WORK/NAME
keep() { cp "$O" "$WORK/$1"; }
# cj NAME ARGS...: c ARGS --json, output kept as $WORK/NAME
cj() {
	local n=$1
	shift
	c "$@" --json
	keep "$n"
}
# ctl_ok DESCRIPTION ARGS...: a call that must succeed
ctl_ok() {
	local d=$1
	shift
	c "$@"
	if [ "$RC" -eq 0 ]; then
		ok "$d"
	else
		ko "$d (sluicectl $*: exit $RC: $(head -c 300 "$E"))"
	fi
}
rc_is() { eq "$RC" "$1"; }

be_field() { # VIP ADDRESS FIELD: from a fresh backend list
	c backend list --json && [ "$RC" -eq 0 ] && j "be(d,'$1','$2')['$3']"
}
be_is() { # VIP ADDRESS FIELD VALUE
	[ "$(be_field "$1" "$2" "$3")" = "$4" ]
}
# vip_yaml_keys ADDRESS KEY...: "KEY: VALUE" of each KEY in the VIP's block
# of a `config show` output in $O (keys that are unique within a VIP block:
# its settings and health settings, not its backends' keys)
vip_yaml_keys() {
	local a=$1 k out=()
	shift
	for k in "$@"; do
		out+=("$(awk -v a="$a" '$0 == "  - address: " a {f = 1; next} /^  - address: / {f = 0} f' "$O" |
			grep -m1 -E "^ +$k: " | sed 's/^ *//')")
	done
	echo "${out[*]}"
}
conf_gen() {
	c status --json
	j "d['config_generation']"
}
all_up() { # every backend up and healthy, no slow start left
	c backend list --json
	[ "$RC" -eq 0 ] || return 1
	[ "$(j "all(b['state']=='up' and b['health']=='up' and b.get('slow_start_share_permille',1000)==1000 for b in d['backends'])")" = true ]
}

# ---------------------------------------------------------------- processes

listener_port() {
	case $1 in
	tcp) echo 8080 ;;
	http) echo 8081 ;;
	udp) echo 5353 ;;
	esac
}

# lstart N KIND: the KIND listener of 10.99.2.N in the backend namespace
lstart() {
	local n=$1 k=$2 i ready=$WORK/ready.$1.$2
	rm -f "$ready"
	ip netns exec "$NS_BE" python3 "$HERE/listener.py" "$k" "10.99.2.$n" \
		"$(listener_port "$k")" "$ready" 1800 >>"$WORK/listener.$n.$k.log" 2>&1 &
	LPID[$n.$k]=$!
	for ((i = 0; i < 100; i++)); do
		[ -s "$ready" ] && return 0
		kill -0 "${LPID[$n.$k]}" 2>/dev/null || break
		sleep 0.1
	done
	echo "    listener $k 10.99.2.$n did not start:"
	sed 's/^/      /' "$WORK/listener.$n.$k.log"
	return 1
}

lstop() { # N KIND
	stop_pid "${LPID[$1.$2]}" TERM 5
	unset "LPID[$1.$2]"
}

asan_clean() { # LOG: no sanitizer report in it
	if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:|SUMMARY: (Address|Leak|UndefinedBehavior)Sanitizer' "$1"; then
		grep -E -A 30 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$1" | head -n 60 |
			sed 's/^/      /'
		return 1
	fi
	return 0
}

# lb_start: sluiced in the LB namespace (so its health checks reach only our
# namespaces), memif server on a socket file, its own file prefix.
lb_start() {
	local i
	LB_N=$((LB_N + 1))
	LB_PREFIX=${TAG}_lb$LB_N
	LB_LOG=$WORK/sluiced.$LB_N.log
	rm -f "$MSOCK"
	ip netns exec "$NS_LB" taskset -c "$LB_CORE" "$SLUICED" -l "$LB_CORE" \
		--file-prefix "$LB_PREFIX" --no-pci -m "$LB_MEM" --single-file-segments \
		--vdev="net_memif0,role=server,socket=$MSOCK,socket-abstract=no,rsize=$MEMIF_RSIZE,mac=$LB_MAC" \
		-- -c "$CONF" --socket "$CSOCK" --state-file "$STATE" >"$LB_LOG" 2>&1 &
	LB_PID=$!
	for ((i = 0; i < 600; i++)); do
		grep -q 'Ctrl-C to stop' "$LB_LOG" 2>/dev/null && [ -S "$CSOCK" ] && return 0
		kill -0 "$LB_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "    sluiced did not start:"
	tail -n 30 "$LB_LOG" | sed 's/^/      /'
	return 1
}

# lb_stop: SIGINT, and the exit must be clean: status 0, the final summary,
# no sanitizer report.
lb_stop() {
	local rc
	stop_pid "$LB_PID" INT 60
	rc=$?
	LB_PID=
	dpdk_files_rm "$LB_PREFIX"
	rm -f "$MSOCK"
	expect "sluiced (start $LB_N) stops on SIGINT with exit status 0" eq "$rc" 0
	expect "sluiced (start $LB_N) prints its final summary" has "$LB_LOG" '{"sluiced_stats"'
	expect "sluiced (start $LB_N): no AddressSanitizer/LeakSanitizer/UBSan report" asan_clean "$LB_LOG"
}

# sl-gen and the memif link.  DPDK 22.11's memif PMD tears a connection
# down (unmapping the shared rings) in its interrupt thread without waiting
# for the data path: a process that is polling the port while its peer
# disconnects can crash (seen: sluiced, SIGSEGV in the memif rx/tx burst
# under sl_worker_poll, in about one of three sl-gen exits).  So the link is
# only ever taken down by sluiced, while sl-gen is frozen (SIGSTOP: its
# interrupt thread does not run either) and then killed: one sl-gen per
# sluiced run, which sends for a fixed window and then lingers, link up.

# gen_start NAME VIP PORT SECONDS: paced sl-gen towards a VIP for SECONDS,
# in the background.  --new-share: a share of packets opens new flows, so a
# backend that comes back gets traffic again (established flows stay where
# they are).
gen_start() {
	local name=$1 i
	GEN_N=$((GEN_N + 1))
	GEN_PREFIX=${TAG}_gen$GEN_N
	GEN_LOG=$WORK/gen.$name.log
	GEN_JSON=$WORK/gen.$name.json
	ip netns exec "$NS_LB" taskset -c "$GEN_CORE" "$GEN" \
		-l "$GEN_CORE" --file-prefix "$GEN_PREFIX" --no-pci -m "$GEN_MEM" \
		--single-file-segments \
		--vdev="net_memif0,role=client,socket=$MSOCK,socket-abstract=no,rsize=$MEMIF_RSIZE,mac=$GEN_MAC" \
		-- --vip "$2" --vport "$3" --dst-mac "$LB_MAC" --flows 256 --new-share 0.02 \
		--rate "$RATE" --warmup 0 --duration "$4" --expect-encap --link-timeout 30 \
		--linger 3600 >"$GEN_LOG" 2>"$WORK/gen.$name.err" &
	GEN_PID=$!
	# Not waited for: it ends by SIGKILL (lb_stop_with_gen), which bash
	# would otherwise report as a "Killed" job.
	disown "$GEN_PID"
	GEN_END=$(($(date +%s) + $4))
	for ((i = 0; i < 450; i++)); do
		grep -q 'link up' "$GEN_LOG" 2>/dev/null && return 0
		kill -0 "$GEN_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "    sl-gen did not start:"
	tail -n 20 "$WORK/gen.$name.err" | sed 's/^/      /'
	return 1
}

gen_window_over() { tail -n 1 "$GEN_LOG" 2>/dev/null | grep -q '^{'; }

# gen_wait: until sl-gen's window is over and it printed its result (it then
# lingers, link up, sending nothing); the result in $GEN_JSON.
gen_wait() {
	local left=$((GEN_END - $(date +%s)))
	[ $left -gt 0 ] && echo "    waiting ${left} s for the end of sl-gen's window"
	expect "sl-gen ends its window and prints its result" \
		wait_until $((left > 0 ? left + 60 : 60)) gen_window_over
	tail -n 1 "$GEN_LOG" >"$GEN_JSON"
}

# lb_stop_with_gen: sl-gen frozen, sluiced stopped (it takes the link down),
# then sl-gen killed.
lb_stop_with_gen() {
	[ -n "$GEN_PID" ] && kill -STOP "$GEN_PID" 2>/dev/null
	lb_stop
	if [ -n "$GEN_PID" ]; then
		stop_pid "$GEN_PID" KILL 10
		GEN_PID=
		dpdk_files_rm "$GEN_PREFIX"
	fi
}

# ------------------------------------------------------------------- setup

cat >"$CONF" <<EOF
# tests/e2e/control_plane.sh: three VIPs, one per health-check type, each
# with three backends in the backend namespace.  sl-gen (on the memif link)
# plays the clients and the router (next_hop).
ports:
  - { name: net_memif0, role: data }
tunnel:
  source4: 10.99.0.2
next_hop:
  port: net_memif0
  mac: $GEN_MAC
flow_table:
  size: 131072
  tcp_timeout: 30s
maglev:
  table_size: $TABLE_SIZE
vips:
  - address: 10.99.100.1
    port: 80
    protocol: tcp
    encap: ipip
    slow_start: ${SLOW_START_S}s
    health: { type: tcp, port: 8080, interval: 500ms, timeout: 200ms, rise: 2, fall: 2 }
    backends:
      - { address: $B11 }
      - { address: $B12 }
      - { address: $B13 }
  - address: 10.99.100.2
    port: 80
    protocol: tcp
    encap: ipip
    health:
      type: http
      port: 8081
      path: /healthz
      body: ok
      interval: 500ms
      timeout: 200ms
      rise: 2
      fall: 2
    backends:
      - { address: $B11 }
      - { address: $B12 }
      - { address: $B13 }
  - address: 10.99.100.3
    port: 53
    protocol: udp
    encap: ipip
    health:
      type: udp
      port: 5353
      send: ping
      expect: pong
      interval: 500ms
      timeout: 200ms
      rise: 2
      fall: 2
    backends:
      - { address: $B11 }
      - { address: $B12 }
      - { address: $B13 }
EOF

echo "sluice e2e: build $BUILD, work dir $WORK, namespaces $NS_LB/$NS_BE, cores lb=$LB_CORE gen=$GEN_CORE"

setup_net() {
	ip netns add "$NS_LB" || return 1
	ip netns add "$NS_BE" || return 1
	# The veth pair is created inside the namespaces: nothing appears in
	# the host's namespace, and deleting a namespace removes it.
	ip link add name vlb0 netns "$NS_LB" type veth peer name vbe0 netns "$NS_BE" || return 1
	ip -n "$NS_LB" addr add 10.99.2.1/24 dev vlb0 || return 1
	for n in 11 12 13 14; do
		ip -n "$NS_BE" addr add "10.99.2.$n/24" dev vbe0 || return 1
	done
	for ns in "$NS_LB" "$NS_BE"; do
		ip -n "$ns" link set lo up || return 1
	done
	ip -n "$NS_LB" link set vlb0 up && ip -n "$NS_BE" link set vbe0 up
}
if ! setup_net; then
	skip "cannot create network namespaces and a veth pair (ip netns / ip link failed)"
fi
for n in 11 12 13 14; do
	for k in tcp http udp; do
		lstart "$n" "$k" || {
			echo "FAIL: listener $k 10.99.2.$n"
			exit 1
		}
	done
done
if ! lb_start; then
	echo "FAIL: sluiced did not start"
	exit 1
fi

# ---------------------------------------------------------------- scenario 1

echo "== 1: three VIPs (tcp, http, udp checks), all backends come up"
# At start every backend counts as healthy until checked: wait for real
# checks (at least rise of them, none failed) before calling them up.
targets_checked() {
	c health --json
	[ "$RC" -eq 0 ] && [ "$(j "len(d['targets'])==9 and all(t['up'] and t['checked'] and t['checks']>=2 and t['failures']==0 and t['last_result']=='ok' for t in d['targets'])")" = true ]
}
expect "9 health targets (3 tcp, 3 http, 3 udp) each passed >= rise checks, none failed" \
	wait_until 20 targets_checked
cj health1.json health
expect "health --json: one target per address and type" \
	eq "$(j "sorted((t['type'],t['port']) for t in d['targets'])")" \
	'[["http",8081],["http",8081],["http",8081],["tcp",8080],["tcp",8080],["tcp",8080],["udp",5353],["udp",5353],["udp",5353]]'
expect "health --json: targets name their VIPs" \
	eq "$(j "tg(d,'$B12','udp')['vips']")" "$V3"
# Check latencies are in microseconds: even a check that succeeds within
# 1 ms has one.
expect "health --json: every successful check has a latency (last_latency_us > 0)" \
	eq "$(j "[t['address']+'/'+t['type'] for t in d['targets'] if t['last_latency_us'] <= 0]" health1.json)" "[]"
expect "backend list: all 9 backends up and healthy" all_up
c backend list
expect "backend list (human): 9 rows plus a header" eq "$(wc -l <"$O")" 10
cj vips1.json vip list
expect "vip list --json: 3 VIPs, each 3 usable backends, primary pool, no panic" \
	eq "$(j "[(v['vip'],v['usable'],v['serving_pool'],v['panic']) for v in d['vips']]")" \
	"[[\"$V1\",3,\"primary\",false],[\"$V2\",3,\"primary\",false],[\"$V3\",3,\"primary\",false]]"
c config show
keep config.initial.yaml
cj table.initial.json table
cj status1.json status

# ---------------------------------------------------------------- scenario 2

# dpk FROM TO VIP ADDRESS: packets of a backend between two stats --json
dpk() { j "st(d1,'$3','$4')['packets'] - st(d0,'$3','$4')['packets']" "$1" "$2"; }
stats_to() {
	c stats --json
	keep "$1"
}
# dwk FROM TO FIELD: a worker counter (summed over workers) between two status --json
dwk() { j "sum(w['$3'] for w in d1['workers']) - sum(w['$3'] for w in d0['workers'])" "$1" "$2"; }

scenario2() {
	local t_kill s addr
	echo "== 2: listeners fail under traffic, traffic moves, they come back (slow start on $V1)"
	cj status2a.json status
	# The traffic window: long enough for everything below that needs
	# traffic (about 20 s; more under the sanitizers).
	if ! gen_start s2 10.99.100.1 80 $((30 + 10 * SLOW)); then
		ko "sl-gen starts towards $V1"
		return
	fi
	stats_to s2.0.json
	sleep 2
	stats_to s2.1.json
	for addr in $B11 $B12 $B13; do
		expect "traffic: $addr of $V1 receives packets before the failure" \
			gt "$(dpk s2.0.json s2.1.json $V1 $addr)" 0
	done

	# Three failures at once, one per check type.
	t_kill=$(now_ms)
	lstop 11 tcp
	lstop 12 http
	lstop 13 udp
	local bound=$((DOWN_BOUND_MS + DOWN_SLACK_S * 1000))
	for s in "$V1 $B11 tcp" "$V2 $B12 http" "$V3 $B13 udp"; do
		set -- $s
		if wait_until 30 be_is "$1" "$2" state down; then
			local took=$(($(now_ms) - t_kill))
			expect "$3 listener of $2 killed: backend of $1 down after ${took} ms (bound ${DOWN_BOUND_MS} ms + ${DOWN_SLACK_S} s slack)" \
				le "$took" "$bound"
		else
			ko "$3 listener of $2 killed: backend of $1 not down within 30 s"
		fi
	done
	cj health2.json health
	for s in "$B11 tcp" "$B12 http" "$B13 udp"; do
		set -- $s
		expect "health: $2 target $1 down, with a failure as its last result" \
			eq "$(j "(tg(d,'$1','$2')['up'], tg(d,'$1','$2')['last_result']!='ok', tg(d,'$1','$2')['transitions']>=1)" health2.json)" \
			'[false,true,true]'
	done
	cj table2.json table $V1
	expect "table: the down backend $B11 owns no slot of $V1" eq "$(j "tb(d,'$V1','$B11')['slots']")" 0
	sleep 0.5
	stats_to s2.2.json
	sleep 2
	stats_to s2.3.json
	expect "traffic: $B11 (down) gets no packet of $V1 any more" \
		eq "$(dpk s2.2.json s2.3.json $V1 $B11)" 0
	for addr in $B12 $B13; do
		expect "traffic: $addr keeps receiving $V1's packets, its flows included" \
			gt "$(dpk s2.2.json s2.3.json $V1 $addr)" 0
	done
	expect "traffic moved: the survivors got all of $V1's packets in the window" \
		eq "$(j "vip(d1,'$V1')['packets'] - vip(d0,'$V1')['packets']" s2.2.json s2.3.json)" \
		"$(j "sum(st(d1,'$V1',a)['packets'] - st(d0,'$V1',a)['packets'] for a in ['$B12','$B13'])" s2.2.json s2.3.json)"

	# Back: the tcp one through slow start, observed as it ramps.
	lstart 11 tcp && lstart 12 http && lstart 13 udp
	local states="" permille="" t0 st pm i
	t0=$(now_ms)
	for ((i = 0; i < 600; i++)); do
		c backend list $V1 --json
		st=$(j "be(d,'$V1','$B11')['state']")
		pm=$(j "be(d,'$V1','$B11')['slow_start_share_permille']")
		[ "${states##* }" != "$st" ] && states="$states $st"
		[ "${permille##* }" != "$pm" ] && permille="$permille $pm"
		[ "$st" = up ] && [ "$pm" = 1000 ] && break
		[ $(($(now_ms) - t0)) -gt 60000 ] && break
		sleep 0.1
	done
	echo "    $B11 of $V1: states seen:$states; slow-start share (permille):$permille; $(($(now_ms) - t0)) ms"
	expect "$B11 returns through slow_start to up" eval '[[ "$states" == *" slow_start"*" up" ]]'
	expect "slow start ramps its share in steps (more than two distinct shares seen)" \
		gt "$(echo $permille | wc -w)" 2
	for s in "$V2 $B12" "$V3 $B13"; do
		set -- $s
		expect "$2 of $1 is up again (no slow start on $1)" wait_until 30 be_is "$1" "$2" state up
	done
	cj table2b.json table $V1
	expect "table: $B11 has its full share of $V1 back (same slots as before the failure)" \
		eq "$(j "tb(d,'$V1','$B11')['slots']" table2b.json)" \
		"$(j "tb(d,'$V1','$B11')['slots']" table.initial.json)"
	expect "table: $V1's fingerprint is the one before the failure" \
		eq "$(j "vip(d,'$V1')['fingerprint']" table2b.json)" \
		"$(j "vip(d,'$V1')['fingerprint']" table.initial.json)"
	stats_to s2.4.json
	sleep 2
	stats_to s2.5.json
	expect "traffic: $B11 receives packets again (new flows)" \
		gt "$(dpk s2.4.json s2.5.json $V1 $B11)" 0
	expect "sl-gen was still sending during all of the above (else raise its window)" \
		eval '! gen_window_over'
	gen_wait
	sleep 0.5
	cj status2b.json status
	cj stats2b.json stats
	expect "sl-gen: every packet that came back was encapsulated" eq "$(j "d['encap_bad']" "$GEN_JSON")" 0
	expect "sl-gen: packets came back for all three backends" \
		eq "$(j "sorted(a for a,n in d['dst'].items() if n>0)" "$GEN_JSON")" "$(printf '%s\n' $B11 $B12 $B13)"
	expect "sl-gen: loss at most 1% (only what was in flight when it stopped counting)" \
		eq "$(j "d['loss'] <= 0.01" "$GEN_JSON")" true
	expect "sluiced received every packet sl-gen sent" \
		eq "$(dwk status2a.json status2b.json rx)" "$(j "d['tx']" "$GEN_JSON")"
	expect "sluiced: every packet received was forwarded during the failure and the return (rx == tx, no worker drops)" \
		eq "$(dwk status2a.json status2b.json tx)/$(dwk status2a.json status2b.json drops)" \
		"$(dwk status2a.json status2b.json rx)/0"
	expect "stats: no drop counter is non-zero" eq "$(j "{k:v for k,v in d['drops'].items() if v}" stats2b.json)" '{}'
	expect "all backends up at the end of scenario 2" wait_until 30 all_up
	SCENARIO_DONE=2
}

# ---------------------------------------------------------------- scenario 3

scenario3() {
	local g0 g1 cmd words
	echo "== 3: every sluicectl command round-trips against the daemon"
	ctl_ok "status" status
	expect "status (human): generation, vips 3, memory line" \
		eval "grep -qE '^vips +3$' '$O' && grep -q '^generation' '$O' && grep -q '^memory' '$O'"
	cj st3.json status
	expect "status --json: vips 3, backends 9, health_targets 9, one worker on lcore $LB_CORE, state file" \
		eq "$(j "[d['vips'],d['backends'],d['health_targets'],[w['lcore'] for w in d['workers']],d['state_file'],d['config_path']]" st3.json)" \
		"[3,9,9,[$LB_CORE],\"$STATE\",\"$CONF\"]"
	ctl_ok "vip list" vip list
	expect "vip list (human): the three VIPs" eval "grep -q '^$V1 ' '$O' && grep -q '^$V2 ' '$O' && grep -q '^$V3 ' '$O'"
	ctl_ok "vip show $V1" vip show $V1
	expect "vip show (human): its backends" has "$O" "$B13"
	cj vs3.json vip show $V1
	expect "vip show --json: its 3 backends, not empty" \
		eq "$(j "(len(d['backends']), d['empty'])" vs3.json)" '[3,false]'
	# vip.show gives the VIP's settings as the file's keys and units
	# (sl_api.h, docs/CLI.md): slow_start 6s, health.type tcp.
	expect "vip show --json: settings as the file's keys (sl_api.h, docs/CLI.md)" \
		eq "$(j "(d.get('slow_start'), d.get('health', {}).get('type'), d.get('health', {}).get('interval'))" vs3.json)" \
		"[\"${SLOW_START_S}s\",\"tcp\",\"500ms\"]"
	c config show
	expect "config show: $V1 with slow start and its health settings as configured" \
		eq "$(vip_yaml_keys 10.99.100.1 slow_start type interval timeout rise fall)" \
		"slow_start: ${SLOW_START_S}s type: tcp interval: 500ms timeout: 200ms rise: 2 fall: 2"

	# vip add / set, backend add / weight / drain / enable / disable / del
	g0=$(conf_gen)
	ctl_ok "vip add $V4 with two backends" vip add $V4 encap=ipip health.type=tcp health.port=8080 \
		health.interval=500ms health.timeout=200ms health.rise=2 health.fall=2 \
		backend=$B14 backend=$B11@20
	expect "vip add (human): names the new generation and the VIP" \
		eval "[ \$(sed -n 's/^generation \\([0-9]*\\): vip add .*/\\1/p' '$O') -gt $g0 ] && grep -q '$V4' '$O'"
	expect "vip list: 4 VIPs now" eval "c vip list --json; [ \"\$(j 'len(d[\"vips\"])')\" = 4 ]"
	expect "$V4: both backends pass their checks (added while running: down until checked)" \
		wait_until 20 eval "be_is $V4 $B14 health up && be_is $V4 $B11 health up"
	cj h3.json health
	expect "health: $B11 tcp:8080 is one target shared by $V1 and $V4 (same settings)" \
		eq "$(j "sorted(tg(d,'$B11','tcp')['vips'])" h3.json)" "$(printf '%s\n' $V1 $V4)"
	cj set3.json vip set $V4 slow_start=2s health.rise=3
	expect "vip set --json: a generation and a summary" \
		eq "$(j "(d['generation']>$g0, 'vip set' in d['summary'])" set3.json)" '[true,true]'
	c config show
	expect "config show after vip set: slow_start 2s, health.rise 3, other keys kept" \
		eq "$(vip_yaml_keys 10.99.100.4 slow_start rise fall interval timeout)" \
		"slow_start: 2s rise: 3 fall: 2 interval: 500ms timeout: 200ms"
	ctl_ok "backend add (backup pool, weight 30)" backend add $V4 $B12 weight=30 pool=backup
	expect "backend list: $B12 of $V4 in the backup pool with weight 30" \
		eq "$(be_field $V4 $B12 pool)/$(be_field $V4 $B12 weight)" "backup/30"

	# A dry run changes nothing, in every form.
	g1=$(conf_gen)
	c config show
	keep yaml3.before
	ctl_ok "backend weight --dry-run" backend weight $V4 $B11 99 --dry-run
	expect "--dry-run (human) says nothing was applied" has "$O" "dry run, nothing applied"
	cj dry3.json backend weight $V4 $B11 99 --dry-run
	expect "--dry-run --json: dry_run true, a preview, no generation" \
		eq "$(j "(d['dry_run'], 'preview' in d, 'generation' in d)" dry3.json)" '[true,true,false]'
	ctl_ok "vip del --dry-run" vip del $V4 --dry-run
	ctl_ok "backend del --dry-run" backend del $V4 $B14 --dry-run
	ctl_ok "backend disable --dry-run" backend disable $V4 $B14 --dry-run
	ctl_ok "config apply --dry-run" config apply "$CONF" --dry-run
	ctl_ok "config rollback --dry-run" config rollback --dry-run
	expect "after six dry runs: same config generation" eq "$(conf_gen)" "$g1"
	c config show
	expect "after six dry runs: same configuration" same_file "$O" "$WORK/yaml3.before"
	expect "after the dry runs: $B11 of $V4 still has weight 20" eq "$(be_field $V4 $B11 weight)" 20

	cj w3.json backend weight $V4 $B11 40
	local gw
	gw=$(j "d['generation']" w3.json)
	expect "backend weight --json: a new generation, summary names the change" \
		eq "$(j "(d['generation'] > $g1, d['summary'])" w3.json)" \
		"[true,\"backend weight $V4 $B11 20 -> 40\"]"
	expect "status: the config generation is the change's" eq "$(conf_gen)" "$gw"
	expect "backend list: weight 40" eq "$(be_field $V4 $B11 weight)" 40
	ctl_ok "config diff" config diff
	expect "config diff (human): the weight change" has "$O" "~ vip $V4 backend $B11 weight: 20 -> 40"
	cj diff3.json config diff
	expect "config diff --json: from/to and the line" \
		eq "$(j "(d['from'], d['to'], d['diff'])" diff3.json)" \
		"[$g1,$gw,\"~ vip $V4 backend $B11 weight: 20 -> 40\\n\"]"
	ctl_ok "config history" config history
	expect "config history (human): the weight change, origin cli" \
		eval "grep -F 'backend weight $V4 $B11 20 -> 40' '$O' | grep -qw cli"
	cj hist3.json config history
	expect "config history --json: last entry is ours (uid $(id -u), origin cli, summary)" \
		eq "$(j "(d['generations'][-1]['generation'], d['generations'][-1]['uid'], d['generations'][-1]['origin'], d['generations'][-1]['summary'])" hist3.json)" \
		"[$gw,$(id -u),\"cli\",\"backend weight $V4 $B11 20 -> 40\"]"

	ctl_ok "backend drain" backend drain $V4 $B11
	expect "after drain: admin draining, state draining or drained" \
		eval "[ \"\$(be_field $V4 $B11 admin)\" = draining ] && [[ \"\$(be_field $V4 $B11 state)\" == drain* ]]"
	ctl_ok "backend enable" backend enable $V4 $B11
	expect "after enable: admin enabled" eq "$(be_field $V4 $B11 admin)" enabled
	ctl_ok "backend disable" backend disable $V4 $B11
	expect "after disable: admin disabled, state disabled, no slot" \
		eq "$(be_field $V4 $B11 admin)/$(be_field $V4 $B11 state)/$(c table $V4 --json; j "tb(d,'$V4','$B11')['slots']")" \
		"disabled/disabled/0"
	ctl_ok "backend enable (again)" backend enable $V4 $B11
	ctl_ok "backend del" backend del $V4 $B12
	expect "backend list: $B12 gone from $V4" \
		eval "c backend list $V4 --json; [ \"\$(j 'sorted(b[\"address\"] for b in d[\"backends\"])')\" = \"\$(printf '%s\n' $B11 $B14)\" ]"

	# Read-only commands, both forms.
	for cmd in "health" "stats" "flows count" "table" "table $V4" "backend list" "backend list $V4" \
		"config show" "config history" "vip list" "vip show $V4" "status"; do
		c $cmd
		local h=$RC
		c $cmd --json
		expect "$cmd: human and --json both answer (exit 0, --json parses)" \
			eval "[ $h -eq 0 ] && [ $RC -eq 0 ] && j 'True' >/dev/null"
	done
	cj stats3.json stats
	expect "stats --json: $V4 and its backends, every drop reason, a rate" \
		eq "$(j "(sorted(b['address'] for b in vip(d,'$V4')['backends']), 'no_vip' in d['drops'], 'no_backend' in d['drops'], 'drops_per_s' in d)" stats3.json)" \
		"[[\"$B11\",\"$B14\"],true,true,true]"
	cj flows3.json flows count
	expect "flows count --json: total is the sum over VIPs" \
		eq "$(j "d['flows']==sum(v['flows'] for v in d['vips'])" flows3.json)" true
	cj table3.json table
	expect "table --json: every VIP's slots add up to its table size" \
		eq "$(j "all(sum(b['slots'] for b in v['backends'])==v['table_size'] for v in d['vips'])" table3.json)" true
	expect "table --json: a config fingerprint per VIP (docs/CLI.md, sl_api.h)" \
		eq "$(j "all(len(v.get('config_fingerprint','')) == 16 for v in d['vips'])" table3.json)" true
	ctl_ok "vip del" vip del $V4
	expect "vip list: back to 3 VIPs" eval "c vip list --json; [ \"\$(j 'len(d[\"vips\"])')\" = 3 ]"
	cj h3b.json health
	expect "health: the targets of the removed VIP are gone (9 left)" eq "$(j "len(d['targets'])" h3b.json)" 9

	# Checks that look at the answer, not just the connection: the HTTP
	# check on a path that answers 404, the UDP check expecting another
	# reply.  Every backend of the VIP goes down (the VIP panics, open),
	# and comes back once the setting is restored.
	ctl_ok "vip set health.path of the http VIP to a path that answers 404" \
		vip set $V2 health.path=/missing
	expect "http check of /missing: all backends of $V2 down, last result names the status" \
		wait_until 30 eval "c health --json; [ \"\$(j \"all(not t['up'] and '404' in t['last_result'] for t in d['targets'] if t['type']=='http')\")\" = true ]"
	# No healthy capacity: panic, and (panic_mode open) the unhealthy
	# backends still take new flows, so the VIP is not empty.
	c vip list --json
	expect "vip list: $V2 has no healthy capacity, is in panic (open) and not empty" \
		eq "$(j "(vip(d,'$V2')['capacity_pct']['primary'], vip(d,'$V2')['panic'], vip(d,'$V2')['empty'])")" '[0,true,false]'
	ctl_ok "vip set health.expect of the udp VIP to a reply it does not get" \
		vip set $V3 health.expect=pang
	expect "udp check expecting pang: all backends of $V3 down" \
		wait_until 30 eval "c health --json; [ \"\$(j \"all(not t['up'] and t['last_result']!='ok' for t in d['targets'] if t['type']=='udp')\")\" = true ]"
	c health
	echo "    health after the two bad settings:"
	sed 's/^/      /' "$O"
	ctl_ok "vip set: health.path back" vip set $V2 health.path=/healthz
	ctl_ok "vip set: health.expect back" vip set $V3 health.expect=pong
	expect "both VIPs' backends up again" wait_until 30 all_up

	# config show / check / apply / diff / rollback.
	c config show
	keep yaml3.pre_apply
	expect "config show: the running configuration is the initial one again" \
		same_file "$WORK/yaml3.pre_apply" "$WORK/config.initial.yaml"
	local gen_pre
	gen_pre=$(conf_gen)
	cj show3.json config show $gen_pre
	expect "config show N --json: that generation's YAML" \
		eq "$(j "(d['generation'], d['yaml']==open('$WORK/yaml3.pre_apply').read())" show3.json)" "[$gen_pre,true]"
	sed "/address: 10.99.100.3/,\$ s/- { address: $B13 }/- { address: $B13, weight: 60 }/" "$CONF" >"$WORK/apply3.yaml"
	ctl_ok "config check FILE" config check "$WORK/apply3.yaml"
	expect "config check (human): ok" has "$O" "ok"
	cj chk3.json config check "$WORK/apply3.yaml"
	expect "config check --json: ok, no warnings" eq "$(j "(d['ok'], d['warnings'])" chk3.json)" '[true,[]]'
	ctl_ok "config check (the daemon's own file)" config check
	cj apply3.json config apply "$WORK/apply3.yaml"
	expect "config apply FILE" eq "$RC" 0
	local gen_apply
	gen_apply=$(j "d['generation']" apply3.json)
	expect "config apply: $B13 of $V3 has weight 60" eq "$(be_field $V3 $B13 weight)" 60
	c config diff --json
	# sluiced's --socket / --state-file stay in force across a reload of a
	# file without them: the diff names only what the file changed.
	expect "config diff after apply: exactly the weight line" \
		eq "$(j "d['diff']")" "~ vip $V3 backend $B13 weight: 100 -> 60"
	cj rb3.json config rollback
	expect "config rollback --json: a new generation, summary names the target" \
		eq "$(j "(d['generation'] > $gen_apply, d['summary'])" rb3.json)" \
		"[true,\"rollback to generation $gen_pre\"]"
	c config show
	expect "config rollback restores the configuration (config show identical)" \
		same_file "$O" "$WORK/yaml3.pre_apply"
	expect "after rollback: $B13 of $V3 has weight 100" eq "$(be_field $V3 $B13 weight)" 100
	ctl_ok "config rollback GENERATION" config rollback "$gen_apply"
	expect "rollback to the applied generation: weight 60 again" eq "$(be_field $V3 $B13 weight)" 60
	ctl_ok "config rollback to the first generation of this check" config rollback $gen_pre
	c config show
	expect "config show after the second rollback: initial configuration" \
		same_file "$O" "$WORK/config.initial.yaml"
	c config history --json
	expect "config history: rollback entries with origin rollback" \
		eq "$(j "[g['origin'] for g in d['generations'][-2:]]")" "$(printf '%s\n' rollback rollback)"

	# --help of every command, --version, --list-commands.
	local nhelp=0 badhelp=""
	while IFS=$'\t' read -r _ words; do
		timeout 10 "$CTL" $words --help >"$O" 2>"$E"
		if [ $? -eq 0 ] && grep -q "^usage: sluicectl .*$words" "$O"; then
			nhelp=$((nhelp + 1))
		else
			badhelp="$badhelp [$words]"
		fi
	done < <(timeout 10 "$CTL" --list-commands)
	expect "--help of each of the 24 commands: exit 0 and its usage line${badhelp:+ (bad:$badhelp)}" \
		eq "$nhelp/$badhelp" "24/"
	timeout 10 "$CTL" --help >"$O" 2>&1
	expect "sluicectl --help lists the commands" has "$O" "config rollback"
	timeout 10 "$CTL" --version >"$O" 2>&1
	expect "sluicectl --version" has "$O" "control protocol 1"
	SCENARIO_DONE=3
}

# ---------------------------------------------------------------- scenario 4

scenario4() {
	echo "== 4: bad commands and bad configurations are refused; nothing changes"
	local g0 n0
	g0=$(conf_gen)
	c config show
	keep yaml4.before
	c backend list --json
	j "[(b['vip'],b['address'],b['weight'],b['admin'],b['pool']) for b in d['backends']]" >"$WORK/be4.before"
	c config history --json
	n0=$(j "len(d['generations'])")

	refused() { # EXIT_STATUS STDERR_TEXT: the last call failed that way
		eq "$RC" "$1" && has "$E" "$2" && eq "$(wc -c <"$O")" 0
	}
	c backend weight 10.99.100.9:80/tcp $B11 5
	expect "unknown VIP: exit 1, 'no VIP 10.99.100.9:80/tcp' on stderr" \
		refused 1 "sluicectl: backend weight: no VIP 10.99.100.9:80/tcp"
	c vip show 10.99.100.9:80/tcp
	expect "vip show of an unknown VIP: exit 1, named" refused 1 "no VIP 10.99.100.9:80/tcp"
	c vip del 10.99.100.9:80/tcp
	expect "vip del of an unknown VIP: exit 1, named" refused 1 "no VIP 10.99.100.9:80/tcp"
	c backend add 10.99.100.9:80/tcp $B14
	expect "backend add to an unknown VIP: exit 1, named" refused 1 "no VIP 10.99.100.9:80/tcp"
	c backend weight $V1 10.99.2.99 5
	expect "unknown backend: exit 1, named" refused 1 "$V1 has no backend 10.99.2.99"
	c backend weight $V1 $B11 70000
	expect "weight 70000: exit 1, range named" refused 1 "70000 out of range 0..65535"
	c backend weight $V1 $B11 abc
	expect "weight abc: usage error (exit 2) naming WEIGHT" refused 2 'WEIGHT: expected an integer 0..65535, got "abc"'
	c backend weight $V1 $B11
	expect "missing argument: usage error (exit 2)" refused 2 "missing arguments"
	c vip add $V1 encap=ipip
	expect "vip add of an existing VIP: exit 1, named" refused 1 "VIP $V1 exists"
	c backend add $V1 $B11
	expect "backend add of an existing backend: exit 1" eval "[ $RC -eq 1 ] && grep -q '$B11' '$E'"
	c vip set $V1 bogus=1
	expect "vip set of an unknown key: exit 1, key named" refused 1 'unknown key "bogus"'
	c vip set $V1 health.interval=5
	expect "vip set of a duration without unit: exit 1, key named" refused 1 "health.interval: expected a duration"
	c vip set $V1 health.timeout=2s
	expect "vip set health.timeout above interval: exit 1, key named" refused 1 "timeout"
	c config rollback 999999
	expect "rollback to an unknown generation: exit 1, named" refused 1 "generation 999999 is not in the history"
	c config diff 999999
	expect "diff of an unknown generation: exit 1" refused 1 "999999"
	c nosuch command
	expect "unknown command: usage error (exit 2)" refused 2 'unknown command "nosuch"'
	c status --dry-run
	expect "--dry-run on a read-only command: refused (exit 2)" eq "$RC" 2
	timeout 10 "$CTL" -s "$WORK/nowhere.sock" status >"$O" 2>"$E"
	RC=$?
	expect "no daemon at the socket: exit 3, named" refused 3 "cannot connect to $WORK/nowhere.sock"

	printf 'ports: [\n  - name: x\n' >"$WORK/bad-syntax.yaml"
	sed 's/^    port: 80$/    port: eighty/' "$CONF" >"$WORK/bad-port.yaml"
	sed 's/name: net_memif0, role: data/name: net_memif1, role: data/; s/port: net_memif0/port: net_memif1/' \
		"$CONF" >"$WORK/bad-ports.yaml"
	sed "s/- { address: $B12 }/- { address: $B12, weight: 70000 }/" "$CONF" >"$WORK/bad-weight.yaml"
	c config apply "$WORK/bad-syntax.yaml"
	expect "config apply of bad YAML: exit 1, file:line:col and 'YAML syntax'" \
		refused 1 "bad-syntax.yaml:2:3: error: YAML syntax"
	c config apply "$WORK/bad-port.yaml"
	expect "config apply of a bad port: exit 1, each bad key by path and position" \
		eval "refused 1 'bad-port.yaml:' && grep -q 'error: vips\[0\].port: expected 1..65535 or \"any\", got \"eighty\"' '$E' && grep -q 'vips\[1\].port' '$E'"
	c config apply "$WORK/bad-weight.yaml"
	expect "config apply of weight 70000: exit 1, key named" refused 1 "weight"
	c config apply "$WORK/bad-ports.yaml"
	expect "config apply changing the ports: refused, restart needed" refused 1 "ports cannot change while sluiced runs"
	c config apply "$WORK/bad-port.yaml" --dry-run
	expect "config apply --dry-run of a bad file: refused too" refused 1 "vips[0].port"
	c config check "$WORK/bad-port.yaml"
	expect "config check of a bad file: exit 1, problem named" refused 1 'vips[0].port: expected 1..65535 or "any", got "eighty"'
	c config check "$WORK/bad-port.yaml" --json
	expect "config check --json of a bad file: ok false, the errors listed" \
		eq "$RC/$(j "(d['result']['ok'], len(d['result']['errors']))")" "1/[false,2]"
	c config check "$WORK/bad-syntax.yaml"
	expect "config check of bad YAML: exit 1" refused 1 "YAML syntax"
	c config apply "$WORK/does-not-exist.yaml"
	expect "config apply of a missing file: exit 1, file named" refused 1 "does-not-exist.yaml"
	timeout 10 "$SLUICED" --check-config "$WORK/bad-port.yaml" >"$O" 2>"$E"
	RC=$?
	expect "sluiced --check-config of a bad file: exit 1, problem named" \
		eval "[ $RC -eq 1 ] && grep -q 'vips\[0\].port' '$E'"

	# A reload (SIGHUP) of a bad file is refused too, the running state kept.
	cp -p "$CONF" "$WORK/conf.saved"
	cp "$WORK/bad-port.yaml" "$CONF"
	kill -HUP "$LB_PID"
	expect "SIGHUP with a bad file: the reload is refused and logged" \
		wait_until 20 grep -q "reload of $CONF rejected" "$LB_LOG"
	cp -p "$WORK/conf.saved" "$CONF"

	expect "after all refusals: same config generation" eq "$(conf_gen)" "$g0"
	c config show
	expect "after all refusals: config show identical" same_file "$O" "$WORK/yaml4.before"
	c backend list --json
	j "[(b['vip'],b['address'],b['weight'],b['admin'],b['pool']) for b in d['backends']]" >"$WORK/be4.after"
	expect "after all refusals: backends, weights, admin states identical" \
		same_file "$WORK/be4.after" "$WORK/be4.before"
	c config history --json
	expect "after all refusals: no history entry added" eq "$(j "len(d['generations'])")" "$n0"
	expect "after all refusals: every backend still up" all_up
	SCENARIO_DONE=4
}

# ---------------------------------------------------------------- scenario 5

scenario5() {
	echo "== 5: CLI changes survive a restart (state file)"
	ctl_ok "set weight 70" backend weight $V1 $B12 70
	ctl_ok "drain" backend drain $V2 $B13
	ctl_ok "disable" backend disable $V3 $B11
	ctl_ok "weight 0" backend weight $V3 $B12 0
	c config show
	keep yaml5.before
	c backend list --json
	j "[(b['vip'],b['address'],b['pool'],b['weight'],b['admin']) for b in d['backends']]" >"$WORK/be5.before"
	expect "state file written" test -s "$STATE"
	lb_stop_with_gen
	if ! lb_start; then
		ko "sluiced restarts with the same config and state file"
		return 1
	fi
	ok "sluiced restarts with the same config and state file"
	c backend list --json
	j "[(b['vip'],b['address'],b['pool'],b['weight'],b['admin']) for b in d['backends']]" >"$WORK/be5.after"
	expect "after the restart: same backends, pools, weights and admin states" \
		same_file "$WORK/be5.after" "$WORK/be5.before"
	expect "after the restart: weight 70 / draining / disabled / weight 0 as set" \
		eq "$(be_field $V1 $B12 weight)/$(be_field $V2 $B13 admin)/$(be_field $V3 $B11 admin)/$(be_field $V3 $B12 weight)" \
		"70/draining/disabled/0"
	c config show
	expect "after the restart: config show identical" same_file "$O" "$WORK/yaml5.before"
	# Back to the initial configuration for scenario 6.
	ctl_ok "undo: weight" backend weight $V1 $B12 100
	ctl_ok "undo: enable drained" backend enable $V2 $B13
	ctl_ok "undo: enable disabled" backend enable $V3 $B11
	ctl_ok "undo: weight 0" backend weight $V3 $B12 100
	c config show
	expect "after undoing the changes: the initial configuration" same_file "$O" "$WORK/config.initial.yaml"
	expect "after the restart: every backend up (checked again)" wait_until 30 all_up
	SCENARIO_DONE=5
}

# ---------------------------------------------------------------- scenario 6

# one_cycle I: ten changes that leave the configuration as they found it
# (V2's weight returns on odd I), through one sluicectl process each.
# CYCLE_FAILS counts refused ones (the first few are printed).
one_cycle() {
	local i=$1 w=$((50 + $1 % 100)) cmd
	for cmd in "backend weight $V1 $B12 $w" \
		"backend drain $V1 $B13" \
		"backend add $V1 $B14 weight=50" \
		"backend enable $V1 $B13" \
		"backend weight $V1 $B14 $((w / 2 + 1))" \
		"backend disable $V1 $B11" \
		"backend del $V1 $B14" \
		"backend enable $V1 $B11" \
		"backend weight $V1 $B12 100" \
		"backend weight $V2 $B11 $((i % 2 ? 100 : 55))"; do
		if ! timeout -k 5 60 "$CTL" -s "$CSOCK" --timeout 45s $cmd >/dev/null 2>"$E"; then
			CYCLE_FAILS=$((CYCLE_FAILS + 1))
			[ $CYCLE_FAILS -le 5 ] && echo "    sluicectl $cmd: $(head -c 300 "$E")"
		fi
	done
}

scenario6() {
	echo "== 6: $CHANGES changes while paced traffic flows"
	local i t0 t1 per win cycles=0 during=0 rx tx dr m
	CYCLE_FAILS=0
	expect "all backends up before the changes" wait_until 30 all_up
	c config show
	keep yaml6.before
	cj table6.before table
	# How long do changes take here?  Two cycles without traffic; the
	# traffic window is then sized to cover CHANGES of them with room.
	t0=$(now_ms)
	one_cycle 0
	one_cycle 1
	per=$((($(now_ms) - t0) / 20))
	win=$(((per * CHANGES * 2 + 999) / 1000 + 20))
	echo "    $per ms per change without traffic: a ${win} s traffic window"
	expect "all backends up again after the calibration" wait_until 60 all_up
	sleep 1
	cj status6.before status
	cj stats6.before stats
	if ! gen_start s6 10.99.100.1 80 "$win"; then
		ko "sl-gen starts towards $V1"
		return
	fi
	expect "traffic flows to $V1" wait_until 30 eval \
		"c stats --json; [ \"\$(j \"vip(d,'$V1')['pps'] > 0\")\" = true ]"
	cj status6.traffic status
	# Whole cycles until CHANGES were made while sl-gen sent, and on while
	# it still sends (more changes under traffic cost no extra time).
	t0=$(now_ms)
	for ((i = 2; i < 100000; i++)); do
		one_cycle "$i"
		cycles=$((cycles + 1))
		gen_window_over || during=$((during + 10))
		# (odd cycles end with V2's weight as it was)
		[ $((i % 2)) -eq 1 ] && [ $((cycles * 10)) -ge "$CHANGES" ] && gen_window_over && break
		kill -0 "$LB_PID" 2>/dev/null || break
		[ $(($(now_ms) - t0)) -gt $(((win + 600) * 1000)) ] && break
	done
	t1=$(now_ms)
	echo "    $((cycles * 10)) changes in $((t1 - t0)) ms ($(((t1 - t0) / (cycles * 10))) ms each), $during of them while sl-gen was sending"
	expect "$((cycles * 10)) changes made, none refused" eq "$CYCLE_FAILS" 0
	expect "at least $CHANGES changes made while traffic flowed" le "$CHANGES" "$during"
	c config show
	expect "after the changes: the configuration is the one before them" same_file "$O" "$WORK/yaml6.before"
	expect "after the changes: every backend up again (slow start over)" wait_until 60 all_up
	gen_wait
	sleep 1
	cj status6.after status
	cj stats6.after stats
	cj table6.after table
	expect "stats: every drop counter as before the changes" \
		eq "$(j "d['drops']" stats6.after)" "$(j "d['drops']" stats6.before)"
	rx=$(dwk status6.before status6.after rx)
	tx=$(dwk status6.before status6.after tx)
	dr=$(dwk status6.before status6.after drops)
	echo "    sluiced: rx $rx tx $tx drops $dr; sl-gen: $(j "'tx %d rx %d loss %.4f%%' % (d['tx'], d['rx'], 100*d['loss'])" "$GEN_JSON")"
	expect "sluiced received every packet sl-gen sent" eq "$rx" "$(j "d['tx']" "$GEN_JSON")"
	expect "sluiced forwarded every packet it received (rx == tx, no worker drop)" eq "$tx/$dr" "$rx/0"
	expect "sl-gen: loss at most 1% (in flight when it stopped counting), all encapsulated" \
		eq "$(j "d['loss'] <= 0.01 and d['encap_bad'] == 0" "$GEN_JSON")" true
	expect "sl-gen: traffic reached the three backends ($(j "' '.join('%s:%d' % kv for kv in sorted(d['dst'].items()))" "$GEN_JSON"))" \
		eq "$(j "all(d['dst'].get(a,0)>0 for a in ['$B11','$B12','$B13'])" "$GEN_JSON")" true
	expect "table: the same fingerprints as before the changes" \
		eq "$(j "[v['fingerprint'] for v in d['vips']]" table6.after)" \
		"$(j "[v['fingerprint'] for v in d['vips']]" table6.before)"
	# DPDK memory: heap and memzones against the same point with traffic
	# (the memif connection has allocations of its own), mempool objects
	# against the point before traffic (both with no packet in flight).
	echo "    memory: before traffic $(j "d['memory']" status6.before), traffic before the changes $(j "d['memory']" status6.traffic), after $(j "d['memory']" status6.after)"
	# Blocks and memzones exactly; bytes within 1 KiB, since the byte total
	# includes alignment padding that depends on where blocks landed (a
	# leaked snapshot or table would be kilobytes and one block more).
	for m in heap_allocs memzones; do
		expect "memory: $m back to where it was before the changes" \
			eq "$(j "d['memory']['$m']" status6.after)" "$(j "d['memory']['$m']" status6.traffic)"
	done
	expect "memory: heap_alloc_bytes back to where it was before the changes (within 1 KiB)" \
		eq "$(j "abs(d['memory']['heap_alloc_bytes'] - $(j "d['memory']['heap_alloc_bytes']" status6.traffic)) <= 1024" status6.after)" true
	expect "memory: mempool_in_use back to where it was before the traffic" \
		eq "$(j "d['memory']['mempool_in_use']" status6.after)" "$(j "d['memory']['mempool_in_use']" status6.before)"
	expect "sluiced still runs" kill -0 "$LB_PID"
	SCENARIO_DONE=6
}

# ------------------------------------------------------------------- run

# A scenario that stops half-way (a shell error aborts the function) must
# not pass by saying nothing: each one ends by setting SCENARIO_DONE.
for n in 2 3 4 5 6; do
	[[ "$SCENARIOS" == *" $n "* ]] || continue
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
lb_stop_with_gen

echo
echo "e2e control plane: $PASSED passed, $FAILED failed in $(($(date +%s) - T_START)) s (build $BUILD)"
if [ "$FAILED" -ne 0 ]; then
	printf '  failed: %s\n' "${FAILS[@]}"
	echo "  last sluiced log lines ($LB_LOG):"
	tail -n 15 "$LB_LOG" | sed 's/^/    /'
	exit 1
fi
exit 0
