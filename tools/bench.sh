#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# bench.sh: what `make bench` runs.  Two benchmarks, one summary:
#   1. tests/bench/bench_fastpath (when built): sl_worker_process() in
#      process, TSC cycles per packet for established flows at 1K and 1M
#      flows and for new flows (every packet a miss into a full table);
#   2. tools/bench_memif.sh: sl-gen against dpdk-testpmd (io forwarding) and
#      sluiced over a memif link, alternated in pairs; forwarded Mpps, their
#      ratio, and both forwarders' busy cycles per packet and the difference.
# Prints a human summary and, as its LAST line, one JSON object:
#   {"bench":"sluice", "est_v4_1k_cpp":.., "est_v4_1m_cpp":.., "new_v4_cpp":..,
#    "sluiced_mpps":.., "testpmd_mpps":.., "ratio_mpps":..,
#    "sluiced_cpp":.., "testpmd_cpp":.., "diff_cpp":.., "fastpath":{..},
#    "memif":{..}, ...}
# (null where a part did not run).  new_v4_cpp is new_v4_1m: every packet a
# new flow into a full 1M-entry table (each insert evicts).  ratio_mpps and
# diff_cpp are medians over the memif pairs where neither run was contended
# (pair_basis "clean_pairs"), else over all pairs ("all_pairs").
# See docs/PERFORMANCE.md.
#
# Environment (all optional):
#   SLUICE_BUILD   build directory (build/; the Makefile sets it)
#   PAIRS          memif testpmd/sluiced pairs (5)
#   DURATION       measured seconds per memif run (5)
#   FLOWS          memif flows (1024)
#   RETRIES        reruns of a contended memif run (2)
#   FP_RUNS        bench_fastpath runs per case (5)
#   FP_PKTS        bench_fastpath packets per run (its default)
#   FP_CASES       bench_fastpath cases (est_v4_1k,est_v4_1m,new_v4_1k,new_v4_1m)
#   SKIP_FASTPATH=1 / SKIP_MEMIF=1   leave a part out
#   OUTDIR         where logs go (a new /tmp/sluice-bench.XXXXXX)
# Time bound: each part runs under `timeout` (FP_TIMEOUT 240 s, MEMIF_TIMEOUT
# 420 s); with the defaults the whole takes about 3-5 minutes.
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SLUICE_BUILD:-$ROOT/build}
PAIRS=${PAIRS:-5}
DURATION=${DURATION:-5}
FLOWS=${FLOWS:-1024}
export RETRIES=${RETRIES:-2}
FP_RUNS=${FP_RUNS:-5}
FP_PKTS=${FP_PKTS:-}
FP_CASES=${FP_CASES:-est_v4_1k,est_v4_1m,new_v4_1k,new_v4_1m}
FP_TIMEOUT=${FP_TIMEOUT:-240}
MEMIF_TIMEOUT=${MEMIF_TIMEOUT:-420}
FP_CORE=${FP_CORE:-1}
OUTDIR=${OUTDIR:-$(mktemp -d /tmp/sluice-bench.XXXXXX)}
mkdir -p "$OUTDIR"

FP_BIN=$BUILD/tests/bench/bench_fastpath
FP_PREFIX=slbfp$$
CHILD=

cleanup() {
	if [ -n "$CHILD" ] && kill -0 "$CHILD" 2>/dev/null; then
		kill -TERM "$CHILD" 2>/dev/null
		for _ in $(seq 50); do
			kill -0 "$CHILD" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$CHILD" 2>/dev/null
	fi
	rm -f /dev/hugepages/"$FP_PREFIX"*
	rm -rf /var/run/dpdk/"$FP_PREFIX"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# run_bounded SECONDS LOG CMD...: runs CMD in the background (so the traps
# can reach it), stdout to LOG, stderr to LOG.err; returns its status.
run_bounded() {
	local secs=$1 log=$2
	shift 2
	timeout -s TERM -k 15 "$secs" "$@" >"$log" 2>"$log.err" &
	CHILD=$!
	wait "$CHILD"
	local rc=$?
	CHILD=
	return $rc
}

t_start=$SECONDS
echo "sluice bench: build $BUILD, logs in $OUTDIR"

# ---- 1. in-process fast path
FP_JSON=
if [ "${SKIP_FASTPATH:-0}" = 1 ]; then
	echo "== fast path: skipped (SKIP_FASTPATH=1)"
elif [ ! -x "$FP_BIN" ]; then
	echo "== fast path: $FP_BIN not built, skipped"
else
	echo "== fast path (bench_fastpath, core $FP_CORE, cases $FP_CASES, $FP_RUNS runs each)"
	fp_args=(--runs "$FP_RUNS" --cases "$FP_CASES")
	[ -n "$FP_PKTS" ] && fp_args+=(--pkts "$FP_PKTS")
	run_bounded "$FP_TIMEOUT" "$OUTDIR/fastpath.log" taskset -c "$FP_CORE" "$FP_BIN" \
		-l "$FP_CORE" --no-pci -m 1024 --file-prefix "$FP_PREFIX" -- "${fp_args[@]}"
	rc=$?
	rm -f /dev/hugepages/"$FP_PREFIX"*
	rm -rf /var/run/dpdk/"$FP_PREFIX"
	sed '$d' "$OUTDIR/fastpath.log" | sed 's/^/  /'
	FP_JSON=$(tail -n1 "$OUTDIR/fastpath.log")
	case $FP_JSON in
	\{*\"fastpath\"*\}) ;;
	*)
		echo "  bench_fastpath failed (exit $rc); see $OUTDIR/fastpath.log.err:"
		tail -n5 "$OUTDIR/fastpath.log.err" | sed 's/^/    /'
		FP_JSON=
		;;
	esac
fi

# ---- 2. end to end over memif
MEMIF_JSON=
if [ "${SKIP_MEMIF:-0}" = 1 ]; then
	echo "== memif: skipped (SKIP_MEMIF=1)"
else
	echo "== memif: sl-gen vs testpmd io / sluiced, $PAIRS pairs of ${DURATION}s runs, $FLOWS flows"
	run_bounded "$MEMIF_TIMEOUT" "$OUTDIR/memif.log" bash "$ROOT/tools/bench_memif.sh" \
		-b "$BUILD" -p "$PAIRS" -d "$DURATION" -f "$FLOWS" -o "$OUTDIR/memif"
	rc=$?
	# Per-run lines (stderr) and the summary (stdout) without its JSON.
	grep -E '^  (testpmd|sluiced) +run|contended' "$OUTDIR/memif.log.err" | sed 's/^/  /'
	sed '$d' "$OUTDIR/memif.log" | sed 's/^/  /'
	MEMIF_JSON=$(tail -n1 "$OUTDIR/memif.log")
	case $MEMIF_JSON in
	\{*\}) ;;
	*)
		echo "  bench_memif.sh failed (exit $rc); see $OUTDIR/memif.log.err:"
		tail -n5 "$OUTDIR/memif.log.err" | sed 's/^/    /'
		MEMIF_JSON=
		;;
	esac
	[ $rc -eq 0 ] || echo "  (bench_memif.sh exit $rc: some runs failed; see $OUTDIR/memif)"
fi

# ---- summary
python3 - "$FP_JSON" "$MEMIF_JSON" $((SECONDS - t_start)) "$OUTDIR" <<'EOF'
import json, sys

fp = json.loads(sys.argv[1]) if sys.argv[1] else None
mm = json.loads(sys.argv[2]) if sys.argv[2] else None
cases = (fp or {}).get("cases", {})

def med(name):
    c = cases.get(name)
    return c["median"] if c else None

def m(side, key):
    s = (mm or {}).get(side) or {}
    v = s.get(key) if side in ("testpmd", "sluiced") else (mm or {}).get(key)
    return v["median"] if isinstance(v, dict) else None

new_v4 = med("new_v4") if "new_v4" in cases else med("new_v4_1m")
# Pair figures: over the uncontended pairs when there are any (a pair with
# one side preempted by other work compares two different machines).
basis = "clean_pairs" if (mm or {}).get("pairs_clean") else "all_pairs"
sfx = "_clean" if basis == "clean_pairs" else ""
out = {
    "bench": "sluice",
    "unit_cpp": "tsc_cycles_per_packet",
    "est_v4_1k_cpp": med("est_v4_1k"),
    "est_v4_1m_cpp": med("est_v4_1m"),
    "new_v4_cpp": new_v4,            # new flows into a full 1M table (every insert evicts)
    "new_v4_1k_cpp": med("new_v4_1k"),
    "sluiced_mpps": m("sluiced", "mpps"),
    "testpmd_mpps": m("testpmd", "mpps"),
    "ratio_mpps": m(None, "ratio_mpps" + sfx),   # median over pairs of sluiced/testpmd
    "sluiced_cpp": m("sluiced", "cpp"),
    "testpmd_cpp": m("testpmd", "cpp"),
    "diff_cpp": m(None, "diff_cpp" + sfx),       # median over pairs of sluiced - testpmd
    "pair_basis": basis if mm else None,
    "ratio_mpps_all": m(None, "ratio_mpps"),
    "diff_cpp_all": m(None, "diff_cpp"),
    "pairs_ok": (mm or {}).get("pairs_ok"),
    "pairs_clean": (mm or {}).get("pairs_clean"),
    "best": (mm or {}).get("best"),
    "contended_runs": (mm or {}).get("contended_runs"),
    "elapsed_s": int(sys.argv[3]),
    "logs": sys.argv[4],
    "fastpath": fp,
    "memif": mm,
}

def f(v, fmt):
    return fmt % v if v is not None else "n/a"

print("== summary (TSC cycles per packet; medians)")
print("  fast path, in process:  established 1K flows %s, 1M flows %s; new flows %s (1M table),"
      " %s (1K table)" % (f(out["est_v4_1k_cpp"], "%.1f"), f(out["est_v4_1m_cpp"], "%.1f"),
                          f(out["new_v4_cpp"], "%.1f"), f(out["new_v4_1k_cpp"], "%.1f")))
if mm:
    sl, tp = mm.get("sluiced") or {}, mm.get("testpmd") or {}
    print("  memif, end to end:      testpmd io %s Mpps at %s busy cycles/packet (%s-byte frames back)"
          % (f(out["testpmd_mpps"], "%.3f"), f(out["testpmd_cpp"], "%.1f"), tp.get("rx_frame")))
    print("                          sluiced    %s Mpps at %s busy cycles/packet (%s-byte frames back,"
          " IP-in-IP)" % (f(out["sluiced_mpps"], "%.3f"), f(out["sluiced_cpp"], "%.1f"),
                          sl.get("rx_frame")))
    r, d = mm.get("ratio_mpps" + sfx), mm.get("diff_cpp" + sfx)
    if r and d:
        print("  sluiced/testpmd Mpps    %.3f [%.3f..%.3f] over %d %s pairs" %
              (r["median"], r["min"], r["max"], r["n"],
               "uncontended" if sfx else "(each with a contended run)"))
        print("  sluiced-testpmd cycles  %+.1f [%+.1f..%+.1f] per packet: what sluiced adds on a real"
              " I/O path" % (d["median"], d["min"], d["max"]))
    b = mm.get("best")
    if b:
        print("  best run of each side:  testpmd %.3f Mpps / %.1f cycles, sluiced %.3f Mpps /"
              " %.1f cycles (not a pair)" % (b["testpmd_mpps"], b["testpmd_cpp"],
                                             b["sluiced_mpps"], b["sluiced_cpp"]))
    if mm.get("contended_runs"):
        print("  note: %d memif run(s) kept although contended (another process took CPU);"
              " rerun on a quiet machine" % mm["contended_runs"])
else:
    print("  memif: n/a")
print("  %d s; logs in %s" % (out["elapsed_s"], out["logs"]))
print(json.dumps(out, separators=(",", ":")))
EOF
# Fails only when no part produced numbers.
[ -n "$FP_JSON" ] || [ -n "$MEMIF_JSON" ]
