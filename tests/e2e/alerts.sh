#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# alerts.sh: end-to-end test of anomaly detection and alerts (meson suite
# 'e2e').  The real daemon, real health checks, real traffic:
#
#   namespace LB                          namespace BE
#   sluiced (-l 1) --veth 10.99.2.1/24--> listeners on 10.99.2.11 .. .32
#      ^  health checks (kernel sockets)  (tests/e2e/alerts_listener.py)
#      | memif (a unix socket file in the work dir, no kernel network)
#   sl-gen (-l 0): paced TCP to VIP 1, --syn-first, --mode-file switches
#                  what it sends (tools/sl_gen.c, "Anomaly injection")
#
# A steady run (STEADY_S seconds, default 30: longer than any injection
# below) must give no alert line at all.  Then each anomaly is injected in
# turn, and the log must show exactly that alert raised, then resolved with
# the same id once the injection stops, and no other alert line:
#
#   drop_spike    sl-gen sends a quarter of its packets with a broken IPv4
#                 header (reason malformed)
#   nonsyn_burst  sl-gen opens new flows with ACK instead of SYN (VIP 1)
#   skew          sl-gen re-sends, as new flows, only tuples that it saw the
#                 balancer send to 10.99.2.11, after they left the flow table
#                 (tcp_timeout 3s): that backend gets all new flows of VIP 1
#                 although its table share is a third
#   flapping      the TCP listener of 10.99.2.31 (VIP 3) stopped and started
#                 three times
#   latency       the HTTP listener of 10.99.2.21 (VIP 2) answers 250 ms late
#   vip_empty     VIP 4's only backend disabled with sluicectl
#
# rx_missed cannot be injected here: memif reports no imissed (a memif
# sender meets a full ring as backpressure, nothing is "missed");
# tests/e2e/rx_missed.sh injects it on an AF_XDP port.  The hook
# (alerts.hook.command) is checked too: it must see every alert line, on
# stdin and in SLUICE_ALERT*.
#
# Every check prints one PASS: or FAIL: line; the test fails if any failed.
# Waits are bounded; times are only ever asserted with generous bounds.
# Runs under /tmp/sluice-heavy.lock (taken here unless a parent process
# already holds it).  Names carry "slx-alerts-": namespaces, DPDK file
# prefixes, the work dir; a trap removes them and every process started.
#
# Environment: SLUICE_BUILD (build dir, default build/), E2E_ALERTS_STEADY
# (seconds of the steady run), E2E_KEEP=1 keeps the work dir.
# Needs root (namespaces, hugepages); exits 77 (skip) without them.
set -u -o pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
BUILD=${SLUICE_BUILD:-$ROOT/build}
SLUICED=$BUILD/control/sluiced
GEN=$BUILD/tools/sl-gen
CTL=$BUILD/tools/sluicectl
STEADY_S=${E2E_ALERTS_STEADY:-30}
RATE=2000 # packets/s; 2% open new flows: 40 new flows/s on VIP 1
LB_MEM=256
GEN_MEM=256
GEN_MAC=02:99:00:00:00:01
LB_MAC=02:99:00:00:00:02
MEMIF_RSIZE=13

skip() {
	echo "SKIP: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (network namespaces, hugepages)"
for t in ip python3 taskset timeout flock; do
	command -v "$t" >/dev/null || skip "needs $t"
done
[ -w /dev/hugepages ] || skip "needs hugetlbfs on /dev/hugepages (tools/setup.sh)"
for b in "$SLUICED" "$GEN" "$CTL"; do
	if [ ! -x "$b" ]; then
		echo "FAIL: $b is not built (set SLUICE_BUILD to the build directory)"
		exit 1
	fi
done

# The heavy-work lock: two busy-polling processes on a 2-core machine.  A
# parent (flock /tmp/sluice-heavy.lock meson test ...) may hold it already:
# waiting for it then would wait for ourselves.
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
need=$(((LB_MEM + GEN_MEM) / 2 + 64))
[ "${free:-0}" -ge "$need" ] || skip "only ${free:-0} free 2 MiB hugepages, needs $need"

# As tests/e2e/control_plane.sh: sluiced's worker and sl-gen poll a core
# each; this script, sluicectl and the listeners share sluiced's.
if [ "$(nproc)" -ge 2 ]; then
	LB_CORE=1 GEN_CORE=0
	taskset -pc "$LB_CORE" $$ >/dev/null || echo "warning: cannot pin the script to core $LB_CORE"
else
	LB_CORE=0 GEN_CORE=0
fi
SLOW=1
if [[ "$(ldd "$SLUICED" 2>/dev/null)" == *libasan* || "$(ldd "$SLUICED" 2>/dev/null)" == *libubsan* ]]; then
	SLOW=3
	export ASAN_OPTIONS=${ASAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1}
	export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:abort_on_error=1:print_stacktrace=1}
	[ -f "$ROOT/tests/lsan.supp" ] &&
		export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$ROOT/tests/lsan.supp:print_suppressions=0}
fi

TAG=slx-alerts-$$
NS_LB=${TAG}-lb
NS_BE=${TAG}-be
WORK=$(mktemp -d /tmp/slx-alerts.XXXXXX)
CONF=$WORK/sluice.yaml
CSOCK=$WORK/sluiced.sock
STATE=$WORK/sluiced.state
MSOCK=$WORK/memif.sock
MODE=$WORK/mode
LB_LOG=$WORK/sluiced.log
GEN_LOG=$WORK/gen.log
V1=10.99.100.1:80/tcp # traffic: drop_spike, nonsyn_burst, skew
V2=10.99.100.2:80/tcp # http checks: latency
V3=10.99.100.3:80/tcp # fast tcp checks: flapping
V4=10.99.100.4:80/tcp # no checks: vip_empty
LB_PID='' LB_PREFIX=${TAG}_lb
GEN_PID='' GEN_PREFIX=${TAG}_gen
declare -A LPID
PASSED=0 FAILED=0
FAILS=()
T0=$(date +%s)

# ---------------------------------------------------------------- clean-up

stop_pid() { # PID SIGNAL SECONDS: signal, wait, then SIGKILL; returns its status
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
	local k
	trap - EXIT INT TERM
	# sl-gen frozen first: only sluiced ever takes the memif link down
	# (see tests/e2e/control_plane.sh, "sl-gen and the memif link").
	[ -n "$GEN_PID" ] && kill -STOP "$GEN_PID" 2>/dev/null
	stop_pid "$LB_PID" INT 30
	stop_pid "$GEN_PID" KILL 10
	for k in "${!LPID[@]}"; do
		stop_pid "${LPID[$k]}" TERM 5
	done
	ip netns del "$NS_LB" 2>/dev/null
	ip netns del "$NS_BE" 2>/dev/null
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
expect() {
	local d=$1
	shift
	if "$@"; then ok "$d"; else ko "$d"; fi
}
eq() { # GOT WANT
	[ "$1" = "$2" ] && return 0
	echo "    expected:"
	printf '%s\n' "$2" | sed 's/^/      /'
	echo "    got:"
	printf '%s\n' "$1" | sed 's/^/      /'
	return 1
}
now_ms() { date +%s%3N; }
# wait_until SECONDS COMMAND...: COMMAND every 0.2 s until it succeeds or
# SECONDS pass.
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
c() { timeout -k 5 60 "$CTL" -s "$CSOCK" --timeout 45s "$@"; }

# The alert lines of sluiced's log after line FROM: "STATE ALERT SUBJECT id=N".
alerts_since() { python3 "$HERE/alert_lines.py" "$LB_LOG" "$1"; }
log_lines() { wc -l <"$LB_LOG"; }
# has_line FROM TEXT: an alert line after FROM starts with TEXT
has_line() { alerts_since "$1" | grep -qF -- "$2"; }

# ---------------------------------------------------------------- processes

# lstart N KIND [DELAY_FILE]: listener KIND on 10.99.2.N in the backend
# namespace (tcp on 8080, http on 8081).
lstart() {
	local n=$1 k=$2 i ready=$WORK/ready.$1.$2 port=8080
	[ "$k" = http ] && port=8081
	rm -f "$ready"
	ip netns exec "$NS_BE" python3 "$HERE/alerts_listener.py" "$k" "10.99.2.$n" "$port" \
		"$ready" 600 ${3:+"$3"} >>"$WORK/listener.$n.$k.log" 2>&1 &
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

# The hook appends each line (stdin) and its environment's key fields.
# (A YAML single-quoted scalar below: no single quote in it.)
HOOK='printf "%s %s %s\n" "$SLUICE_ALERT_STATE" "$SLUICE_ALERT" "$SLUICE_ALERT_ID" >> '"$WORK"'/hook-env.log; cat >> '"$WORK"'/hook.log'

cat >"$CONF" <<EOF
# tests/e2e/alerts.sh: VIP 1 carries sl-gen's traffic; VIPs 2-4 carry none
# (their health checks and admin state are what is injected).
ports:
  - { name: net_memif0, role: data }
tunnel:
  source4: 10.99.0.2
next_hop:
  port: net_memif0
  mac: $GEN_MAC
flow_table:
  size: 131072
  tcp_timeout: 3s
maglev:
  table_size: 4099
alerts:
  warmup: 10s
  baseline: 60s
  repeat: 60s
  resolve_after: 3s
  skew: { window: 5s, min_flows: 100, z: 5, min_deviation: 25% }
  drop_spike: { min_increase: 50 }
  nonsyn_burst: { min_increase: 50 }
  flapping: { window: 10s, transitions: 4 }
  latency: { factor: 3, min_increase: 50ms, samples: 3 }
  hook:
    command: '$HOOK'
    timeout: 5s
vips:
  - address: 10.99.100.1
    port: 80
    protocol: tcp
    encap: ipip
    health: { type: tcp, port: 8080, interval: 1s, timeout: 500ms, rise: 2, fall: 2 }
    backends:
      - { address: 10.99.2.11 }
      - { address: 10.99.2.12 }
      - { address: 10.99.2.13 }
  - address: 10.99.100.2
    port: 80
    protocol: tcp
    encap: ipip
    health: { type: http, port: 8081, path: /healthz, interval: 500ms, timeout: 400ms, rise: 2, fall: 2 }
    backends:
      - { address: 10.99.2.21 }
      - { address: 10.99.2.22 }
  - address: 10.99.100.3
    port: 80
    protocol: tcp
    encap: ipip
    health: { type: tcp, port: 8080, interval: 200ms, timeout: 100ms, rise: 1, fall: 1 }
    backends:
      - { address: 10.99.2.31 }
      - { address: 10.99.2.32 }
  - address: 10.99.100.4
    port: 80
    protocol: tcp
    encap: ipip
    health: { type: none }
    backends:
      - { address: 10.99.2.41 }
EOF

echo "sluice alerts e2e: build $BUILD, work dir $WORK, namespaces $NS_LB/$NS_BE, cores lb=$LB_CORE gen=$GEN_CORE"

setup_net() {
	ip netns add "$NS_LB" || return 1
	ip netns add "$NS_BE" || return 1
	ip link add name vlb0 netns "$NS_LB" type veth peer name vbe0 netns "$NS_BE" || return 1
	ip -n "$NS_LB" addr add 10.99.2.1/24 dev vlb0 || return 1
	for n in 11 12 13 21 22 31 32; do
		ip -n "$NS_BE" addr add "10.99.2.$n/24" dev vbe0 || return 1
	done
	for ns in "$NS_LB" "$NS_BE"; do
		ip -n "$ns" link set lo up || return 1
	done
	ip -n "$NS_LB" link set vlb0 up && ip -n "$NS_BE" link set vbe0 up
}
setup_net || skip "cannot create network namespaces and a veth pair"
for n in 11 12 13 31 32; do
	lstart "$n" tcp || exit 1
done
echo 0 >"$WORK/delay.21"
lstart 21 http "$WORK/delay.21" || exit 1
lstart 22 http || exit 1

echo steady >"$MODE"
ip netns exec "$NS_LB" taskset -c "$LB_CORE" "$SLUICED" -l "$LB_CORE" \
	--file-prefix "$LB_PREFIX" --no-pci -m "$LB_MEM" --single-file-segments \
	--vdev="net_memif0,role=server,socket=$MSOCK,socket-abstract=no,rsize=$MEMIF_RSIZE,mac=$LB_MAC" \
	-- -c "$CONF" --socket "$CSOCK" --state-file "$STATE" >"$LB_LOG" 2>&1 &
LB_PID=$!
if ! wait_until 60 grep -q 'Ctrl-C to stop' "$LB_LOG" || [ ! -S "$CSOCK" ]; then
	echo "FAIL: sluiced did not start:"
	tail -n 30 "$LB_LOG" | sed 's/^/    /'
	exit 1
fi
ip netns exec "$NS_LB" taskset -c "$GEN_CORE" "$GEN" \
	-l "$GEN_CORE" --file-prefix "$GEN_PREFIX" --no-pci -m "$GEN_MEM" --single-file-segments \
	--vdev="net_memif0,role=client,socket=$MSOCK,socket-abstract=no,rsize=$MEMIF_RSIZE,mac=$GEN_MAC" \
	-- --vip 10.99.100.1 --vport 80 --dst-mac "$LB_MAC" --flows 256 --new-share 0.02 \
	--rate "$RATE" --warmup 0 --duration 1800 --expect-encap --link-timeout 30 \
	--syn-first --mode-file "$MODE" --reuse-after 5 >"$GEN_LOG" 2>"$WORK/gen.err" &
GEN_PID=$!
disown "$GEN_PID"
if ! wait_until 45 grep -q 'link up' "$GEN_LOG"; then
	echo "FAIL: sl-gen did not start:"
	tail -n 20 "$WORK/gen.err" | sed 's/^/    /'
	exit 1
fi
# Every check target up and checked.
targets_up() {
	c health --json | python3 -c '
import json, sys
t = json.load(sys.stdin)["targets"]
sys.exit(0 if len(t) == 7 and all(x["up"] and x["checked"] for x in t) else 1)'
}
expect "7 health targets checked and up" wait_until 30 targets_up

# ------------------------------------------------------------ steady run

echo "== steady: ${STEADY_S} s of normal traffic and checks"
sleep "$STEADY_S"
expect "steady run of ${STEADY_S} s (warm-up included): no alert line" \
	eq "$(alerts_since 0)" ""
expect "steady run: sluicectl alerts lists none, detection enabled" \
	eq "$(c alerts --json | python3 -c 'import json,sys; j=json.load(sys.stdin); print(len(j["alerts"]), j["enabled"], j["counts"]["raised"])')" "0 True 0"

# -------------------------------------------------------------- injections

# inject NAME SUBJECT RAISE_S RESOLVE_S START STOP: run START, wait for the
# raised line of NAME for SUBJECT, run STOP, wait for its resolved line;
# then exactly those two lines (same id) must have appeared.
inject() {
	local name=$1 subj=$2 rs=$(($3 * SLOW)) ds=$(($4 * SLOW)) from t got want id
	from=$(log_lines)
	t=$(now_ms)
	eval "$5"
	if wait_until "$rs" has_line "$from" "raised $name $subj id="; then
		ok "$name: raised $(($(now_ms) - t)) ms after the injection began (bound ${rs} s)"
	else
		ko "$name: not raised within ${rs} s"
	fi
	t=$(now_ms)
	eval "$6"
	if wait_until "$ds" has_line "$from" "resolved $name $subj id="; then
		ok "$name: resolved $(($(now_ms) - t)) ms after the injection stopped (bound ${ds} s)"
	else
		ko "$name: not resolved within ${ds} s"
	fi
	got=$(alerts_since "$from")
	id=$(printf '%s\n' "$got" | head -n 1 | sed -n 's/.* id=\([0-9]*\)$/\1/p')
	want=$(printf 'raised %s %s id=%s\nresolved %s %s id=%s' "$name" "$subj" "${id:-?}" \
		"$name" "$subj" "${id:-?}")
	expect "$name: exactly one alert, raised then resolved (same id), no other alert line" \
		eq "$got" "$want"
}

gen_mode() { echo "$1" >"$MODE.tmp" && mv "$MODE.tmp" "$MODE"; }

echo "== drop_spike: malformed packets"
inject drop_spike "reason=malformed" 10 15 "gen_mode 'malformed 0.25'; sleep 4" "gen_mode steady"

echo "== nonsyn_burst: new flows without SYN"
inject nonsyn_burst "vip=$V1" 10 15 "gen_mode 'nonsyn 0.25'; sleep 4" "gen_mode steady"

echo "== skew: new flows only to 10.99.2.11 (tuples it had, after they left the flow table)"
inject skew "vip=$V1 backend=10.99.2.11" 20 20 "gen_mode 'skew 10.99.2.11'; sleep 4" \
	"gen_mode steady"
grep -q 'learned new-flow tuples went to 10.99.2.11' "$GEN_LOG" &&
	echo "    ($(grep -m1 'learned new-flow tuples' "$GEN_LOG" | sed 's/^sl-gen: //'))"

echo "== flapping: a listener stopped and started three times"
flap() {
	local i
	for i in 1 2 3; do
		lstop 31 tcp
		sleep 1
		lstart 31 tcp
		sleep 1
	done
}
inject flapping "address=10.99.2.31 check=tcp port=8080" 15 30 "flap" ":"

echo "== latency: the HTTP checks of a backend answer 250 ms late"
inject latency "address=10.99.2.21 check=http port=8081" 15 20 \
	"echo 0.25 >$WORK/delay.21; sleep 2" "echo 0 >$WORK/delay.21"

echo "== vip_empty: the only backend of $V4 disabled"
inject vip_empty "vip=$V4" 10 15 "c backend disable $V4 10.99.2.41 >/dev/null" \
	"c backend enable $V4 10.99.2.41 >/dev/null"

# ------------------------------------------------------------ the whole run

lines=$(alerts_since 0)
expect "the whole run: 12 alert lines, six raised and six resolved, no repeat" \
	eq "$(printf '%s\n' "$lines" | awk '{print $1}' | sort | uniq -c | awk '{print $2 "=" $1}' | tr '\n' ' ')" \
	"raised=6 resolved=6 "
expect "alert lines are single-line JSON with the documented keys" \
	eq "$(python3 "$HERE/alert_lines.py" --json "$LB_LOG" | python3 -c '
import json, sys
keys = ["alert", "detail", "expected", "id", "message", "observed", "severity", "since",
        "state", "subject", "threshold", "ts", "unit"]
bad = [l for l in sys.stdin if sorted(json.loads(l)) != keys]
print(len(bad))')" "0"
expect "vip_empty is critical, the others warnings" \
	eq "$(python3 "$HERE/alert_lines.py" --json "$LB_LOG" | python3 -c '
import json, sys
print(sorted({(j["alert"], j["severity"]) for j in map(json.loads, sys.stdin)}))')" \
	"[('drop_spike', 'warning'), ('flapping', 'warning'), ('latency', 'warning'), ('nonsyn_burst', 'warning'), ('skew', 'warning'), ('vip_empty', 'critical')]"
# The hook ran for every line: the same JSON on stdin, the fields in its
# environment (hooks run concurrently: compared as sets).
hook_done() {
	[ "$(c alerts --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["hook"]["running"])')" = 0 ] &&
		[ "$(wc -l <"$WORK/hook.log" 2>/dev/null)" -ge 12 ]
}
wait_until 10 hook_done
expect "hook: every alert line on its stdin" \
	eq "$(python3 -c '
import json, sys
print("\n".join(sorted(json.dumps(json.loads(l), sort_keys=True) for l in open(sys.argv[1]))))' "$WORK/hook.log")" \
	"$(python3 "$HERE/alert_lines.py" --json "$LB_LOG" | sort)"
expect "hook: SLUICE_ALERT, _STATE, _ID in its environment" \
	eq "$(sort "$WORK/hook-env.log")" \
	"$(printf '%s\n' "$lines" | sed -n 's/^\([a-z]*\) \([a-z_]*\) .* id=\([0-9]*\)$/\1 \2 \3/p' | sort)"
expect "hook: no run dropped, failed or timed out" \
	eq "$(c alerts --json | python3 -c 'import json,sys; h=json.load(sys.stdin)["hook"]; print(h["runs"], h["dropped"], h["failed"], h["timeouts"])')" \
	"12 0 0 0"
expect "sluicectl alerts: none active at the end, 6 raised and 6 resolved" \
	eq "$(c alerts | head -n 2)" "0 active alerts (raised 6, resolved 6 since start)
hook: $HOOK (running 0, runs 12, dropped 0, failed 0, timeouts 0)"

# sl-gen frozen, sluiced stopped cleanly (it takes the memif link down).
kill -STOP "$GEN_PID" 2>/dev/null
stop_pid "$LB_PID" INT 60
rc=$?
LB_PID=
expect "sluiced stops on SIGINT with exit status 0" eq "$rc" 0
expect "sluiced prints its final summary" grep -q '{"sluiced_stats"' "$LB_LOG"
if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$LB_LOG"; then
	ko "sanitizer report in sluiced's log"
fi

echo "alerts e2e: $PASSED passed, $FAILED failed, $(($(date +%s) - T0)) s"
if [ "$FAILED" -gt 0 ]; then
	printf '  failed: %s\n' "${FAILS[@]}"
	exit 1
fi
exit 0
