#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# bench_memif.sh: forwarder benchmark over a memif link, sl-gen against
#   A: dpdk-testpmd, io forwarding (the baseline: what the PMD alone costs)
#   B: sluiced (build/control/sluiced), with tools/conf/bench-memif.yaml
# run alternately A B A B ... for PAIRS pairs, so that a noisy host (2-3x
# swings here) hits both sides of a pair alike; each pair gives a ratio B/A,
# and the summary is the median (and min/max) of those ratios.
#
# Per run: sl-gen is the memif server on core 0 (EAL -l 0, taskset to core 0),
# the forwarder the client with its forwarding lcore on core 1:
#   testpmd: -l 0,1 with its main lcore on core 0 (asleep: it blocks reading
#            stdin) and its io-forwarding lcore on core 1;
#   sluiced: -l 1 under taskset -c 1: the main lcore runs the only worker and
#            the control thread (asleep 100 ms at a time) shares core 1.
# sl-gen sends the same frames to both: TCP to the VIP 10.99.100.1:80 from a
# fixed set of flows (1024 by default), so after the warm-up every packet is
# an established flow (a flow-table hit) for sluiced.  testpmd returns the
# frames as they are (64 bytes); sluiced returns them IP-in-IP encapsulated
# (+20 bytes: 84), so memif copies a little more per packet on the way back.
# sl-gen sends as fast as the link takes
# (it is several times faster than a forwarder, and its "short tx bursts"
# count shows the backpressure), warms up, measures, prints its JSON and then
# lingers with the link up: memif's counters, and so testpmd's statistics,
# vanish when the link drops, so the forwarder is stopped (SIGINT) first and
# prints its statistics, then sl-gen is stopped (SIGTERM).
#
# Measured per run:
#   mpps  packets per second sl-gen received back in its window = forwarded
#   cpp   the forwarder's busy cycles per packet: testpmd --record-core-cycles
#         ("CPU cycles/packet", cycles of polls that received something over
#         packets received), sluiced's own {"sluiced_stats":...} line
#         ("cycles_per_packet", counted the same way: TSC from before the rx
#         burst to after the tx burst, for polls that received something).
#         Both cover the forwarder's whole run (warm-up included).  Their
#         difference (sluiced - testpmd) is what sluiced's own work (parse,
#         flow table, encapsulation, counters) adds on a real I/O path.
# Per pair: the ratio of forwarded Mpps (sluiced / testpmd) and the cycles
# per packet difference; the summary gives their median, min and max, over
# all pairs and over the pairs where neither run was contended.
#
# Output: logs and runs.jsonl under the output directory, a human summary,
# and one JSON object as the last line of stdout.
#
# Usage: tools/bench_memif.sh [options]    (from the repository root)
#   -b DIR     build directory with tools/sl-gen, control/sluiced
#              ($SLUICE_BUILD, else build)
#   -p N       pairs (5)           -d SEC  measured seconds per run (5)
#   -w SEC     warm-up seconds (1) -s B    frame size (64)
#   -f N       flows (1024)        -n P    new-flow share 0..1 (0)
#   -c FILE    sluiced config (tools/conf/bench-memif.yaml; its port must be
#              net_memif0, its next hop MAC sl-gen's, 02:99:00:00:00:01)
#   -g "ARGS"  extra sl-gen arguments, after the defaults
#              "--vip 10.99.100.1 --vport 80 --dst-mac 02:99:00:00:00:02"
#   -o DIR     output directory (default: a new /tmp/sluice-bench.XXXXXX)
#   -A         baseline only (skip sluiced even when it exists)
#   -W N       forwarding cores: sluiced workers and testpmd forwarding lcores
#              (1); sl-gen then uses N queues (memif has no RSS: flow i goes
#              on queue i % N, and forwarding lcore k reads queue k)
#   -C G:F     CPUs, as lists: sl-gen's lcores on G, the forwarding lcores on F
#              (default 0:1), e.g. -W 4 -C 0,1,2,3:4,5,6,7.  Fewer F CPUs
#              than -W, or a CPU in both lists, share cores: such runs are
#              marked "shared_cpus" (their busy-cycle figures count time the
#              thread was not running) and are not rerun for contention.
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SLUICE_BUILD:-build}
PAIRS=5
DURATION=5
WARMUP=1
SIZE=64
FLOWS=1024
NEW_SHARE=0
SLUICED_CONFIG=$ROOT/tools/conf/bench-memif.yaml
# The link's two MACs (memif devargs): sl-gen is the next hop in the config.
GEN_MAC=02:99:00:00:00:01
FWD_MAC=02:99:00:00:00:02
GEN_ARGS=(--vip 10.99.100.1 --vport 80 --dst-mac "$FWD_MAC")
GEN_EXTRA=
OUTDIR=
BASELINE_ONLY=0
# Cores: sl-gen alone on GEN_CORE; the forwarder's worker on FWD_CORE, its
# main lcore (idle) on GEN_CORE.  -W/-C: lists GEN_CPUS and FWD_CPUS.
GEN_CORE=0
FWD_CORE=1
WORKERS=1
CPUS=
MEM_MB=256
LINK_TIMEOUT=15 # s: both processes must start and connect
# A run whose forwarder or generator thread got less than MIN_CPU of its core
# (other work on the shared host) is rerun, up to RETRIES times; the last
# try is kept, marked "contended", when none was clean.
MIN_CPU=${MIN_CPU:-0.9}
RETRIES=${RETRIES:-3}
STOP_TIMEOUT=15 # s: a forwarder must exit this long after SIGINT

while getopts "b:p:d:w:s:f:n:c:g:o:AW:C:h" opt; do
	case $opt in
	b) BUILD=$OPTARG ;;
	p) PAIRS=$OPTARG ;;
	d) DURATION=$OPTARG ;;
	w) WARMUP=$OPTARG ;;
	s) SIZE=$OPTARG ;;
	f) FLOWS=$OPTARG ;;
	n) NEW_SHARE=$OPTARG ;;
	c) SLUICED_CONFIG=$OPTARG ;;
	g) GEN_EXTRA=$OPTARG ;;
	o) OUTDIR=$OPTARG ;;
	A) BASELINE_ONLY=1 ;;
	W) WORKERS=$OPTARG ;;
	C) CPUS=$OPTARG ;;
	h)
		sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) exit 2 ;;
	esac
done

case $WORKERS in
'' | *[!0-9]* | 0) echo "bench_memif: -W: a number of forwarding cores, 1 or more" >&2 && exit 2 ;;
esac
if [ -n "$CPUS" ]; then
	case $CPUS in
	*:*) ;;
	*) echo "bench_memif: -C: expected GEN_CPUS:FWD_CPUS, e.g. 0:1 or 0,1:2,3" >&2 && exit 2 ;;
	esac
	GEN_CPUS=${CPUS%%:*}
	FWD_CPUS=${CPUS#*:}
else
	GEN_CPUS=$GEN_CORE
	FWD_CPUS=$FWD_CORE
fi
IFS=, read -ra GEN_LIST <<<"$GEN_CPUS"
IFS=, read -ra FWD_LIST <<<"$FWD_CPUS"
if [ ${#GEN_LIST[@]} -eq 0 ] || [ ${#FWD_LIST[@]} -eq 0 ]; then
	echo "bench_memif: -C: empty CPU list in '$CPUS'" >&2
	exit 2
fi
# sl-gen: lcore i on GEN_LIST[i], at most one lcore per queue.
GEN_LCORES=
for ((i = 0; i < ${#GEN_LIST[@]} && i < WORKERS; i++)); do
	GEN_LCORES+="${GEN_LCORES:+,}$i@${GEN_LIST[$i]}"
done
# Forwarding lcores 1..W on FWD_LIST round robin; lcore 0 is the main one.
FWD_LCORES=
for ((i = 1; i <= WORKERS; i++)); do
	FWD_LCORES+=",$i@${FWD_LIST[$(((i - 1) % ${#FWD_LIST[@]}))]}"
done
SHARED_CPUS=0
[ "$WORKERS" -gt ${#FWD_LIST[@]} ] && SHARED_CPUS=1
for g in "${GEN_LIST[@]}"; do
	for f in "${FWD_LIST[@]}"; do
		[ "$g" = "$f" ] && SHARED_CPUS=1
	done
done
# Each worker has its own flow table (1M entries in bench-memif.yaml).
FWD_MEM_MB=${FWD_MEM_MB:-$((MEM_MB + 192 * (WORKERS - 1)))}

GEN_BIN=$BUILD/tools/sl-gen
SLUICED_BIN=$BUILD/control/sluiced
TESTPMD_BIN=${TESTPMD:-$(command -v dpdk-testpmd)}
if [ ! -x "$GEN_BIN" ]; then
	echo "bench_memif: $GEN_BIN not built (ninja -C $BUILD)" >&2
	exit 2
fi
if [ -z "$TESTPMD_BIN" ] || [ ! -x "$TESTPMD_BIN" ]; then
	echo "bench_memif: dpdk-testpmd not found (apt install dpdk)" >&2
	exit 2
fi
[ -n "$OUTDIR" ] || OUTDIR=$(mktemp -d /tmp/sluice-bench.XXXXXX)
mkdir -p "$OUTDIR"
RUNS=$OUTDIR/runs.jsonl
: >"$RUNS"

# Everything this script starts or creates, for the exit trap.  Unique per
# invocation ($$), so concurrent benchmarks of other engineers are untouched.
TAG=slb$$
PIDS=()
PREFIXES=()
SOCKS=()

cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait_exit "$p" 3 || kill -KILL "$p" 2>/dev/null
	done
	for p in "${PREFIXES[@]}"; do
		rm -f /dev/hugepages/"$p"*
		rm -rf /var/run/dpdk/"$p"
	done
	for p in "${SOCKS[@]}"; do
		rm -f "$p"
	done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_exit PID SECONDS: true once PID (our child) has exited; false when it
# is still running after SECONDS.
wait_exit() {
	local pid=$1 deadline=$((SECONDS + $2))
	while kill -0 "$pid" 2>/dev/null; do
		[ $SECONDS -ge $deadline ] && return 1
		sleep 0.1
	done
	wait "$pid" 2>/dev/null
	return 0
}

forget_pid() {
	local p keep=()
	for p in "${PIDS[@]}"; do
		[ "$p" = "$1" ] || keep+=("$p")
	done
	PIDS=("${keep[@]}")
}

# stop PID SIGNAL: signal, wait, and escalate to SIGKILL when it hangs.
stop() {
	kill -"$2" "$1" 2>/dev/null
	if ! wait_exit "$1" $STOP_TIMEOUT; then
		echo "bench_memif: pid $1 ignored SIG$2, killing it" >&2
		kill -KILL "$1" 2>/dev/null
		wait "$1" 2>/dev/null
	fi
	forget_pid "$1"
}

# cpu_ticks PID: "tid:ticks ..." for every thread of PID (utime+stime in
# clock ticks).  Two samples give each thread's share of the wall clock: a
# polling thread that got less than all of its core was preempted by other
# work on this shared host, and every TSC-timed cost it reports is inflated
# by that (a preempted busy poll still counts its cycles).
cpu_ticks() {
	local f
	for f in /proc/"$1"/task/*/stat; do
		# Fields after the "(comm)": state is 3, utime 14, stime 15.
		sed 's/^\([0-9]*\) (.*) /\1 /' "$f" 2>/dev/null | awk '{print $1 ":" $13 + $14}'
	done | tr '\n' ' '
}

# cpu_share "BEFORE" "AFTER" SECONDS: the busiest thread's share of SECONDS.
cpu_share() {
	python3 -c '
import os, sys
a = dict(x.split(":") for x in sys.argv[1].split())
b = dict(x.split(":") for x in sys.argv[2].split())
d = max([int(b[t]) - int(a.get(t, 0)) for t in b] or [0])
print("%.3f" % (d / os.sysconf("SC_CLK_TCK") / float(sys.argv[3])))
' "$1" "$2" "$3"
}

# Forwarders.  fwd_cmd_<kind> SOCK PREFIX prints nothing and sets FWD_CMD (an
# array) to the command line; fwd_cpp_<kind> LOG prints the forwarder's busy
# cycles per packet from its log, or nothing.

fwd_cmd_testpmd() {
	if [ "$WORKERS" -eq 1 ] && [ -z "$CPUS" ]; then
		FWD_CMD=("$TESTPMD_BIN" -l "$GEN_CORE,$FWD_CORE" --main-lcore "$GEN_CORE")
	else
		# main lcore (asleep on stdin) with the generator, then W lcores
		FWD_CMD=("$TESTPMD_BIN" --lcores "0@${GEN_LIST[0]}$FWD_LCORES" --main-lcore 0)
	fi
	FWD_CMD+=(--file-prefix "$2" --no-pci -m "$MEM_MB" --single-file-segments
		--vdev="net_memif0,role=client,socket=$1,mac=$FWD_MAC"
		-- --forward-mode=io --port-topology=loop --nb-cores="$WORKERS"
		--rxq="$WORKERS" --txq="$WORKERS" --total-num-mbufs=$((16384 * WORKERS))
		--auto-start --record-core-cycles)
}

fwd_cpp_testpmd() {
	# "CPU cycles/packet=312.26 (total cycles=... / total io packets=...)"
	sed -n 's/.*CPU cycles\/packet=\([0-9.]*\).*/\1/p' "$1" | tail -n1
}

# ---- run_sluiced: the B side.  Skipped (fwd_available_sluiced fails) with -A
# or while the binary or the config is missing.  sluiced takes EAL args, then
# `-- -c CONFIG`, and on SIGINT/SIGTERM prints a final summary and then one
# JSON line {"sluiced_stats":{...,"cycles_per_packet":..,"flow":..,"drops":..}}.
fwd_available_sluiced() {
	[ $BASELINE_ONLY -eq 0 ] && [ -x "$SLUICED_BIN" ] && [ -n "$SLUICED_CONFIG" ] &&
		[ -r "$SLUICED_CONFIG" ]
}

# One lcore, pinned: the main lcore runs the only worker, and taskset keeps
# the EAL's control threads (sl-ctrl, interrupts, memif) on the same core
# (the EAL puts them on the process's CPUs outside -l, or on the main
# lcore's CPU when there are none) instead of on sl-gen's core.
fwd_cmd_sluiced() {
	if [ "$WORKERS" -eq 1 ]; then
		FWD_CMD=(taskset -c "${FWD_LIST[0]}" "$SLUICED_BIN" -l "${FWD_LIST[0]}")
	else
		# The main lcore waits for the workers (asleep) on the first
		# forwarding CPU; workers are lcores 1..W.
		FWD_CMD=(taskset -c "$FWD_CPUS" "$SLUICED_BIN" --lcores "0@${FWD_LIST[0]}$FWD_LCORES")
	fi
	FWD_CMD+=(--file-prefix "$2" --no-pci -m "$FWD_MEM_MB" --single-file-segments
		--vdev="net_memif0,role=client,socket=$1,mac=$FWD_MAC"
		-- -c "$SLUICED_CONFIG" --socket "$OUTDIR/$2.sock" --state-file "$OUTDIR/$2.state")
}

fwd_stats_sluiced() {
	grep '^{"sluiced_stats":' "$1" | tail -n1
}

fwd_cpp_sluiced() {
	fwd_stats_sluiced "$1" | python3 -c '
import json, sys
try:
    s = json.loads(sys.stdin.read())["sluiced_stats"]
except Exception:
    sys.exit(0)
if isinstance(s.get("cycles_per_packet"), (int, float)) and s.get("rx"):
    print(s["cycles_per_packet"])
'
}

# fwd_extra_<kind> LOG: a JSON object with what else the forwarder reported.
fwd_extra_testpmd() {
	echo '{}'
}

fwd_extra_sluiced() {
	fwd_stats_sluiced "$1" | python3 -c '
import json, sys
try:
    s = json.loads(sys.stdin.read())["sluiced_stats"]
except Exception:
    print("{}"); sys.exit(0)
d = s.get("drops", {})
print(json.dumps({"fwd_rx": s.get("rx"), "fwd_tx": s.get("tx"),
                  "flow_hits": s.get("flow", {}).get("hits"),
                  "flow_misses": s.get("flow", {}).get("misses"),
                  "drops": sum(v for v in d.values() if isinstance(v, int)),
                  "drops_by_reason": {k: v for k, v in d.items() if v}}))
'
}
# ---- end of run_sluiced

# run_one KIND N: one measured run of forwarder KIND; sets RECORD to its JSON
# line and prints the human line.  Returns 1 when the run gave no numbers, 3
# when it did but was contended.
run_one() {
	local kind=$1 n=$2
	local id=${TAG}_${kind}_$n
	local sock=/tmp/$id.sock
	local gpfx=${id}_g fpfx=${id}_f
	local glog=$OUTDIR/$kind.$n.gen flog=$OUTDIR/$kind.$n.fwd
	local gpid fpid deadline json cpp extra t0 t1 fticks0 gticks0 fshare gshare

	PREFIXES+=("$gpfx" "$fpfx")
	SOCKS+=("$sock")
	rm -f "$sock"
	# The server creates the socket; the client retries until it is there.
	# shellcheck disable=SC2086  # GEN_EXTRA is a list of arguments
	taskset -c "$GEN_CPUS" "$GEN_BIN" --lcores "$GEN_LCORES" --file-prefix "$gpfx" --no-pci \
		-m "$MEM_MB" --single-file-segments \
		--vdev="net_memif0,role=server,socket=$sock,mac=$GEN_MAC" \
		-- --duration "$DURATION" --warmup "$WARMUP" --size "$SIZE" --flows "$FLOWS" \
		--new-share "$NEW_SHARE" --link-timeout "$LINK_TIMEOUT" --linger 60 \
		--queues "$WORKERS" \
		"${GEN_ARGS[@]}" $GEN_EXTRA >"$glog" 2>"$glog.err" &
	gpid=$!
	PIDS+=("$gpid")

	# A memif client that finds no server fails its port start for good,
	# so wait for sl-gen's listening socket (abstract by default in 22.11:
	# "@path" in /proc/net/unix; a file with socket-abstract=no).
	deadline=$((SECONDS + LINK_TIMEOUT))
	while ! grep -qE " @?$sock\$" /proc/net/unix; do
		if [ $SECONDS -ge $deadline ] || ! kill -0 "$gpid" 2>/dev/null; then
			echo "  $kind run $n: FAILED, sl-gen did not listen on $sock; log $glog.err" >&2
			stop "$gpid" TERM
			return 1
		fi
		sleep 0.05
	done

	"fwd_cmd_$kind" "$sock" "$fpfx"
	echo "${FWD_CMD[*]}" >"$flog.cmd"
	# stdin read-write on a fifo: testpmd's "Press enter to exit" read
	# blocks (it holds the writer itself) until we signal it.
	mkfifo "$flog.stdin"
	"${FWD_CMD[@]}" <>"$flog.stdin" >"$flog" 2>&1 &
	fpid=$!
	PIDS+=("$fpid")

	# Wait for sl-gen's result line, bounded by link + warm-up + window;
	# sample CPU time from when the link is up (gen's log says "tx-mode")
	# until the result, roughly the warm-up plus the window.
	t0=
	deadline=$((SECONDS + LINK_TIMEOUT + ${WARMUP%.*} + ${DURATION%.*} + 10))
	json=
	while [ $SECONDS -lt $deadline ]; do
		json=$(tail -n1 "$glog" 2>/dev/null)
		case $json in \{*\}) break ;; esac
		json=
		kill -0 "$gpid" 2>/dev/null || break
		if [ -z "$t0" ] && grep -q '^sl-gen: link up' "$glog" 2>/dev/null; then
			t0=$(date +%s.%N)
			fticks0=$(cpu_ticks "$fpid")
			gticks0=$(cpu_ticks "$gpid")
		fi
		# Short: sl-gen sleeps once it lingers, and the CPU-share
		# sample should end close to the end of its window.
		sleep 0.05
	done
	fshare=null
	gshare=null
	if [ -n "$json" ] && [ -n "$t0" ]; then
		t1=$(python3 -c "print($(date +%s.%N) - $t0)")
		fshare=$(cpu_share "$fticks0" "$(cpu_ticks "$fpid")" "$t1")
		gshare=$(cpu_share "$gticks0" "$(cpu_ticks "$gpid")" "$t1")
	fi

	stop "$fpid" INT
	stop "$gpid" TERM
	rm -f "$flog.stdin" "$sock" /dev/hugepages/"$gpfx"* /dev/hugepages/"$fpfx"*
	rm -rf /var/run/dpdk/"$gpfx" /var/run/dpdk/"$fpfx"

	cpp=$("fwd_cpp_$kind" "$flog")
	extra=$("fwd_extra_$kind" "$flog")
	if [ -z "$json" ] || [ -z "$cpp" ]; then
		echo "  $kind run $n: FAILED (gen result: ${json:+yes}${json:-no}," \
			"cycles/packet: ${cpp:-none}); logs $glog* $flog" >&2
		return 1
	fi
	RECORD=$(python3 -c '
import json, sys
g = json.loads(sys.argv[3])
r = {"kind": sys.argv[1], "run": int(sys.argv[2]), "mpps": g["rx_pps"] / 1e6,
     "tx_mpps": g["tx_pps"] / 1e6, "loss": g["loss"], "cpp": float(sys.argv[4]),
     "backpressure": g.get("backpressure"), "fwd_cpu": json.loads(sys.argv[5]),
     "gen_cpu": json.loads(sys.argv[6]), "duration_s": g["duration_s"],
     "tx_frame": g.get("frame"),
     "rx_frame": round(g["rx_bytes"] / g["rx"], 1) if g.get("rx") else None}
r["shared_cpus"] = sys.argv[9] == "1"
r["workers"] = int(sys.argv[10])
# On shared CPUs no thread can have a whole core: not "contended" by others.
r["contended"] = (not r["shared_cpus"]
                  and min(r["fwd_cpu"] or 0, r["gen_cpu"] or 0) < float(sys.argv[7]))
r.update(json.loads(sys.argv[8] or "{}"))
print(json.dumps(r))
print("  %-8s run %s: %6.3f Mpps forwarded, %7.1f busy cycles/packet, loss %.4f%%,"
      " %s-byte frames back; CPU got: fwd %s gen %s, gen backpressure %.2f%s"
      % (r["kind"], r["run"], r["mpps"], r["cpp"], 100 * r["loss"], r["rx_frame"],
         r["fwd_cpu"], r["gen_cpu"], r["backpressure"] or 0,
         "; drops %d, flow misses %d" % (r["drops"], r["flow_misses"] or 0)
         if "drops" in r else ""), file=sys.stderr)
' "$kind" "$n" "$json" "$cpp" "$fshare" "$gshare" "$MIN_CPU" "$extra" "$SHARED_CPUS" \
		"$WORKERS")
	case $RECORD in *'"contended": true'*) return 3 ;; esac
	return 0
}

# measure KIND N: run_one until a run is clean or the retries are spent, and
# append the kept record to runs.jsonl.
measure() {
	local try rc
	for try in $(seq 0 "$RETRIES"); do
		RECORD=
		run_one "$1" "$2"
		rc=$?
		[ $rc -eq 3 ] || break
		[ "$try" -lt "$RETRIES" ] && echo "    contended (CPU share < $MIN_CPU), again" >&2 &&
			sleep 2
	done
	[ -n "$RECORD" ] && echo "$RECORD" >>"$RUNS"
	[ $rc -ne 1 ]
}

summarize() {
	python3 - "$RUNS" "$PAIRS" "$FLOWS" "$SIZE" "$NEW_SHARE" "$WORKERS" "$GEN_CPUS:$FWD_CPUS" \
		"$SHARED_CPUS" <<'EOF'
import json, statistics, sys

runs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
by = {}
for r in runs:
    by.setdefault(r["kind"], {})[r["run"]] = r

def stats(xs, nd=4):
    return ({"median": round(statistics.median(xs), nd), "min": round(min(xs), nd),
             "max": round(max(xs), nd), "n": len(xs)} if xs else None)

def side(kind):
    rs = list(by.get(kind, {}).values())
    if not rs:
        return None
    out = {"mpps": stats([r["mpps"] for r in rs]), "cpp": stats([r["cpp"] for r in rs], 1),
           "loss": stats([r["loss"] for r in rs], 6),
           "rx_frame": rs[0].get("rx_frame"), "tx_frame": rs[0].get("tx_frame"),
           "contended_runs": sum(1 for r in rs if r.get("contended"))}
    if any("drops" in r for r in rs):
        out["drops"] = sum(r.get("drops", 0) for r in rs)
        out["flow_misses"] = sum(r.get("flow_misses") or 0 for r in rs)
        out["flow_hits"] = sum(r.get("flow_hits") or 0 for r in rs)
    return out

out = {"pairs": int(sys.argv[2]), "flows": int(sys.argv[3]), "size": int(sys.argv[4]),
       "new_share": float(sys.argv[5]), "workers": int(sys.argv[6]), "cpus": sys.argv[7],
       "shared_cpus": sys.argv[8] == "1", "testpmd": side("testpmd"),
       "sluiced": side("sluiced")}
# A pair counts only when both of its runs gave numbers.
pairs = [(a, by["sluiced"][i]) for i, a in sorted(by.get("testpmd", {}).items())
         if i in by.get("sluiced", {})]
out["ratio_mpps"] = stats([b["mpps"] / a["mpps"] for a, b in pairs])   # sluiced / testpmd
out["ratio_cpp"] = stats([b["cpp"] / a["cpp"] for a, b in pairs])
out["diff_cpp"] = stats([b["cpp"] - a["cpp"] for a, b in pairs], 1)  # sluiced - testpmd
out["pairs_ok"] = len(pairs)
# The same over the pairs where neither run was contended: a pair with one
# side preempted compares two different machines.
clean = [(a, b) for a, b in pairs if not a.get("contended") and not b.get("contended")]
out["ratio_mpps_clean"] = stats([b["mpps"] / a["mpps"] for a, b in clean])
out["diff_cpp_clean"] = stats([b["cpp"] - a["cpp"] for a, b in clean], 1)
out["pairs_clean"] = len(clean)
# Best run of each side (highest Mpps, lowest cycles/packet): noise only
# makes a run slower.  The two best runs come from different minutes, so
# they are not compared with each other: the pairs are the comparison.
if out["testpmd"] and out["sluiced"]:
    t, b = out["testpmd"], out["sluiced"]
    out["best"] = {"testpmd_mpps": t["mpps"]["max"], "sluiced_mpps": b["mpps"]["max"],
                   "testpmd_cpp": t["cpp"]["min"], "sluiced_cpp": b["cpp"]["min"]}
out["contended_runs"] = sum(1 for r in runs if r.get("contended"))

if pairs:
    print("per pair (testpmd | sluiced):")
    for a, b in pairs:
        print("  pair %d: %6.3f | %6.3f Mpps  ratio %.3f;  %6.1f | %6.1f cycles/packet"
              "  diff %+6.1f%s"
              % (a["run"], a["mpps"], b["mpps"], b["mpps"] / a["mpps"], a["cpp"], b["cpp"],
                 b["cpp"] - a["cpp"],
                 "  (contended)" if a.get("contended") or b.get("contended") else ""))
print("summary (median [min..max] over runs):")
for k in ("testpmd", "sluiced"):
    s = out[k]
    if s:
        print("  %-8s %6.3f Mpps [%.3f..%.3f], %6.1f busy cycles/packet [%.1f..%.1f],"
              " loss %.4f%% (max %.4f%%), %s-byte frames back, %d runs"
              % (k, s["mpps"]["median"], s["mpps"]["min"], s["mpps"]["max"],
                 s["cpp"]["median"], s["cpp"]["min"], s["cpp"]["max"],
                 100 * s["loss"]["median"], 100 * s["loss"]["max"], s["rx_frame"],
                 s["mpps"]["n"]))
        if "drops" in s:
            print("  %-8s drops %d, flow misses %d, hits %d (all runs)"
                  % ("", s["drops"], s["flow_misses"], s["flow_hits"]))
    else:
        print("  %-8s no runs" % k)
if pairs:
    rm, rc, dc = out["ratio_mpps"], out["ratio_cpp"], out["diff_cpp"]
    print("  sluiced/testpmd Mpps %.3f [%.3f..%.3f]; cycles/packet sluiced-testpmd"
          " %+.1f [%+.1f..%+.1f] (ratio %.3f); %d pairs"
          % (rm["median"], rm["min"], rm["max"], dc["median"], dc["min"], dc["max"],
             rc["median"], len(pairs)))
if clean and len(clean) < len(pairs):
    rm, dc = out["ratio_mpps_clean"], out["diff_cpp_clean"]
    print("  uncontended pairs only: Mpps ratio %.3f [%.3f..%.3f], cycles/packet diff"
          " %+.1f [%+.1f..%+.1f]; %d pairs"
          % (rm["median"], rm["min"], rm["max"], dc["median"], dc["min"], dc["max"],
             len(clean)))
if out.get("best"):
    x = out["best"]
    print("  best run of each side: testpmd %.3f Mpps / %.1f cycles, sluiced %.3f Mpps /"
          " %.1f cycles (different minutes: not a pair)"
          % (x["testpmd_mpps"], x["testpmd_cpp"], x["sluiced_mpps"], x["sluiced_cpp"]))
if out["contended_runs"]:
    print("  %d run(s) kept although contended (see runs.jsonl)" % out["contended_runs"])
print(json.dumps(out))
EOF
}

have_b=0
if fwd_available_sluiced; then
	have_b=1
else
	echo "bench_memif: sluiced skipped (baseline only): needs $SLUICED_BIN and -c CONFIG" >&2
fi
echo "bench_memif: $PAIRS pairs, ${WARMUP}s warm-up + ${DURATION}s, $SIZE-byte frames," \
	"$FLOWS flows, new-share $NEW_SHARE, $WORKERS forwarding core(s), CPUs" \
	"$GEN_CPUS:$FWD_CPUS$([ $SHARED_CPUS -eq 1 ] && echo ' (shared)'); logs in $OUTDIR" >&2
fail=0
for i in $(seq 1 "$PAIRS"); do
	measure testpmd "$i" || fail=$((fail + 1))
	if [ $have_b -eq 1 ]; then
		measure sluiced "$i" || fail=$((fail + 1))
	fi
done
summarize
[ $fail -eq 0 ]
