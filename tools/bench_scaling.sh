#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# bench_scaling.sh: how sluiced's throughput scales with worker lcores, over
# memif, next to testpmd io forwarding with as many forwarding lcores in the
# same minutes (tools/bench_memif.sh -W N, the method of docs/PERFORMANCE.md).
#
# For each worker count W (default 1 2 4 8, those that fit), bench_memif.sh
# runs PAIRS testpmd/sluiced pairs with sl-gen sending on W queues from W
# lcores of its own (memif has no RSS: sl-gen puts flow i on queue i % W and
# forwarding lcore k reads queue k), so a layout needs 2W CPUs: the first W
# of the CPU list for sl-gen, the next W for the forwarder.  Worker counts
# that do not fit are skipped, unless -S (shared) is given: then those with
# no more workers than CPUs run on what there is, sharing cores, marked
# "shared_cpus" (figures from shared CPUs measure the scheduler as much as
# sluiced; see docs/PERFORMANCE.md).  On a machine with fewer than 4 CPUs,
# -S also adds the layout "1 worker, sharing the generator's CPU", the fair
# comparison for 2 workers on 2 CPUs.
#
# Output: bench_memif.sh's logs under OUTDIR/wN/, a summary table and one
# JSON object as the last line of stdout:
#   {"bench":"scaling","cpus":"0-15","flows":..,"runs":[{"workers":W,
#    "layout":"G:F","shared_cpus":false,"testpmd_mpps":..,"sluiced_mpps":..,
#    "ratio_mpps":..,"speedup":..,"efficiency":..,"gen_backpressure":..}, ...]}
# speedup = sluiced Mpps / sluiced Mpps with 1 worker (unshared layout);
# efficiency = speedup / W.  gen_backpressure near 1: the forwarder set the
# rate; well below 1: sl-gen could not send faster, and the row measures
# the generator, not sluiced.
#
# Usage: tools/bench_scaling.sh [options]      (from the repository root;
#        root or CAP_SYS_ADMIN for hugepages, like bench_memif.sh)
#   -b DIR      build directory ($SLUICE_BUILD, else build)
#   -w "LIST"   worker counts (default "1 2 4 8")
#   -c CPUS     CPUs to use, a list or ranges: 2-17 or 2,3,4,5 (default: the
#               CPUs this script may run on; leave out CPU 0 and the NIC's
#               interrupt CPUs on a real machine, and keep to one NUMA node)
#   -p N        pairs per worker count (3)    -d SEC  measured seconds (3)
#   -f N        flows (1024, as bench_memif.sh: every flow a flow-table hit in
#               L1/L2; more flows, e.g. 1048576, add the cache misses)
#   -n P        new-flow share 0..1 (0)       -s B    frame size (64)
#   -S          also run the layouts that share CPUs (see above)
#   -o DIR      output directory (default: a new /tmp/sluice-scaling.XXXXXX)
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SLUICE_BUILD:-build}
WLIST="1 2 4 8"
CPUSPEC=
PAIRS=3
DURATION=3
FLOWS=1024
NEW_SHARE=0
SIZE=64
SHARED=0
OUTDIR=

while getopts "b:w:c:p:d:f:n:s:So:h" opt; do
	case $opt in
	b) BUILD=$OPTARG ;;
	w) WLIST=$OPTARG ;;
	c) CPUSPEC=$OPTARG ;;
	p) PAIRS=$OPTARG ;;
	d) DURATION=$OPTARG ;;
	f) FLOWS=$OPTARG ;;
	n) NEW_SHARE=$OPTARG ;;
	s) SIZE=$OPTARG ;;
	S) SHARED=1 ;;
	o) OUTDIR=$OPTARG ;;
	h)
		sed -n '2,/^set -u/p' "$0" | sed '$d' | sed 's/^# \{0,1\}//'
		exit 0
		;;
	*) exit 2 ;;
	esac
done

# expand_cpus "0-3,6": one CPU per line.
expand_cpus() {
	local part a b
	IFS=, read -ra parts <<<"$1"
	for part in "${parts[@]}"; do
		case $part in
		*-*)
			a=${part%-*}
			b=${part#*-}
			seq "$a" "$b"
			;;
		*) echo "$part" ;;
		esac
	done
}

if [ -z "$CPUSPEC" ]; then
	# the CPUs this process may use (cgroups, taskset)
	CPUSPEC=$(sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' /proc/self/status)
fi
mapfile -t CPUS < <(expand_cpus "$CPUSPEC")
for c in "${CPUS[@]}"; do
	case $c in
	'' | *[!0-9]*) echo "bench_scaling: -c: not a CPU list: $CPUSPEC" >&2 && exit 2 ;;
	esac
done
NCPU=${#CPUS[@]}
[ -n "$OUTDIR" ] || OUTDIR=$(mktemp -d /tmp/sluice-scaling.XXXXXX)
mkdir -p "$OUTDIR"

# join FROM COUNT: CPUS[FROM..FROM+COUNT-1] as a comma list.
join() {
	local out= i
	for ((i = $1; i < $1 + $2; i++)); do
		out+="${out:+,}${CPUS[$i]}"
	done
	echo "$out"
}

# The layouts to run: "W LAYOUT" lines.
layouts=()
for w in $WLIST; do
	if [ $((2 * w)) -le "$NCPU" ]; then
		layouts+=("$w $(join 0 "$w"):$(join "$w" "$w")")
	elif [ $SHARED -eq 1 ] && [ "$w" -le "$NCPU" ]; then
		# what there is: sl-gen on the first half, workers on all CPUs
		g=$((NCPU / 2 > 0 ? NCPU / 2 : 1))
		layouts+=("$w $(join 0 "$g"):$(join 0 "$NCPU")")
	else
		echo "bench_scaling: $w workers need $((2 * w)) CPUs, $NCPU given: skipped (-S runs it" \
			"on shared CPUs)" >&2
	fi
done
if [ $SHARED -eq 1 ] && [ "$NCPU" -lt 4 ]; then
	layouts+=("1 ${CPUS[0]}:${CPUS[0]}")
fi
if [ ${#layouts[@]} -eq 0 ]; then
	echo "bench_scaling: nothing to run" >&2
	exit 2
fi

fail=0
: >"$OUTDIR/summaries.jsonl"
for l in "${layouts[@]}"; do
	w=${l%% *}
	layout=${l#* }
	dir=$OUTDIR/w$w-${layout//[,:]/_}
	echo "bench_scaling: $w worker(s), CPUs $layout (sl-gen:forwarder)" >&2
	"$ROOT/tools/bench_memif.sh" -b "$BUILD" -p "$PAIRS" -d "$DURATION" -f "$FLOWS" \
		-n "$NEW_SHARE" -s "$SIZE" -W "$w" -C "$layout" -o "$dir" >"$dir.out" 2>&1 ||
		fail=$((fail + 1))
	grep -v '^{' "$dir.out" | sed 's/^/  /' >&2
	last=$(tail -n 1 "$dir.out")
	case $last in
	\{*) python3 -c '
import json, sys
s = json.loads(sys.argv[1])
runs = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
bp = {k: [r["backpressure"] for r in runs if r["kind"] == k and r.get("backpressure") is not None]
      for k in ("testpmd", "sluiced")}
s["gen_backpressure"] = {k: round(min(v), 3) if v else None for k, v in bp.items()}
s["layout"] = sys.argv[3]
print(json.dumps(s))
' "$last" "$dir/runs.jsonl" "$layout" >>"$OUTDIR/summaries.jsonl" ;;
	*) echo "bench_scaling: $w workers on $layout gave no result (see $dir.out)" >&2 ;;
	esac
done

python3 - "$OUTDIR/summaries.jsonl" "$CPUSPEC" "$FLOWS" "$SIZE" "$NEW_SHARE" <<'EOF'
import json, sys

rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]

def med(s, k):
    return s[k]["mpps"]["median"] if s.get(k) else None

base = None
for s in rows:
    if s["workers"] == 1 and not s["shared_cpus"] and med(s, "sluiced"):
        base = med(s, "sluiced")
        break
out = []
for s in rows:
    t, b = med(s, "testpmd"), med(s, "sluiced")
    r = {"workers": s["workers"], "layout": s["layout"], "shared_cpus": s["shared_cpus"],
         "testpmd_mpps": t, "sluiced_mpps": b,
         "ratio_mpps": s["ratio_mpps"]["median"] if s.get("ratio_mpps") else None,
         "speedup": round(b / base, 3) if b and base else None,
         "gen_backpressure": s.get("gen_backpressure"), "pairs_ok": s.get("pairs_ok")}
    r["efficiency"] = round(r["speedup"] / s["workers"], 3) if r["speedup"] else None
    out.append(r)

print("workers  CPUs (gen:fwd)        testpmd Mpps  sluiced Mpps  ratio  speedup  "
      "efficiency  gen backpressure (testpmd/sluiced)")
for r in out:
    f = lambda v, fmt: (fmt % v) if v is not None else "-"
    bp = r["gen_backpressure"] or {}
    print("%7d  %-20s  %12s  %12s  %5s  %7s  %10s  %s/%s%s"
          % (r["workers"], r["layout"], f(r["testpmd_mpps"], "%.3f"),
             f(r["sluiced_mpps"], "%.3f"), f(r["ratio_mpps"], "%.3f"),
             f(r["speedup"], "%.2f"), f(r["efficiency"], "%.2f"),
             f(bp.get("testpmd"), "%.2f"), f(bp.get("sluiced"), "%.2f"),
             "  (shared CPUs)" if r["shared_cpus"] else ""))
print(json.dumps({"bench": "scaling", "cpus": sys.argv[2], "flows": int(sys.argv[3]),
                  "size": int(sys.argv[4]), "new_share": float(sys.argv[5]), "runs": out}))
EOF
[ $fail -eq 0 ]
