#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# demo.sh: what `make demo` (tools/run demo) runs.  Starts sluiced with
# tools/conf/demo.yaml and the traffic generator sl-gen on a memif link
# (a shared-memory Ethernet link between two DPDK processes, no NIC needed):
#
#   sl-gen (clients + router) --TCP to a VIP-->  sluiced (load balancer)
#          counts what comes back, <--encapsulated to a backend--
#          by outer destination
#
# It sends a few seconds of traffic to the IPv4 VIP, then to the IPv6 VIP,
# shows which backend got what share next to the share its weight asks for
# (as seen by the router, sl-gen, and as counted by sluiced), the drops,
# then stops everything and cleans up (processes, hugepage files, sockets).
#
# Environment (optional): SLUICE_BUILD (build dir, default build/),
# DEMO_FLOWS (4096), DEMO_RATE (packets/s, 200000), DEMO_SECONDS (2),
# DEMO_KEEP=1 keeps the logs.
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SLUICE_BUILD:-$ROOT/build}
SLUICED=$BUILD/control/sluiced
GEN=$BUILD/tools/sl-gen
CTL=$BUILD/tools/sluicectl
CONF=$ROOT/tools/conf/demo.yaml
FLOWS=${DEMO_FLOWS:-4096}
RATE=${DEMO_RATE:-200000}
SECS=${DEMO_SECONDS:-2}
GEN_MAC=02:99:00:00:00:01 # the next hop in demo.yaml
LB_MAC=02:99:00:00:00:02
MEM_MB=256

die() {
	echo "demo: $*" >&2
	exit 1
}

for b in "$SLUICED" "$GEN" "$CTL"; do
	[ -x "$b" ] || die "$b is not built (make build, or set SLUICE_BUILD)"
done
[ -w /dev/hugepages ] || die "needs root and hugetlbfs on /dev/hugepages (tools/setup.sh)"
free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
[ "${free:-0}" -ge $((MEM_MB + 16)) ] ||
	die "only ${free:-0} free 2 MiB hugepages; needs $((MEM_MB + 16)) (tools/setup.sh)"

# sluiced's worker and sl-gen each poll a core; on a one-CPU machine they
# share it (slow, but the demo still works).
if [ "$(nproc)" -ge 2 ]; then
	LB_CORE=1 GEN_CORE=0
else
	LB_CORE=0 GEN_CORE=0
fi

TAG=sldemo$$
WORK=$(mktemp -d /tmp/sluice-demo.XXXXXX)
SOCK=$WORK/memif.sock
LB_PID=
GEN_PID=
OK=0

stop_pid() { # PID SIGNAL SECONDS: signal, wait, then SIGKILL
	local pid=$1 i
	[ -n "$pid" ] || return 0
	kill -"$2" "$pid" 2>/dev/null
	for ((i = 0; i < $3 * 10; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	return 0
}

cleanup() {
	stop_pid "$GEN_PID" TERM 5
	stop_pid "$LB_PID" INT 10
	rm -f /dev/hugepages/"$TAG"_*
	rm -rf /var/run/dpdk/"$TAG"_*
	rm -f "$SOCK"
	if [ $OK -eq 1 ] && [ "${DEMO_KEEP:-0}" != 1 ]; then
		rm -rf "$WORK"
	else
		echo "demo: logs kept in $WORK" >&2
	fi
}
trap cleanup EXIT
# Interrupted: clean up as on success (logs too, unless DEMO_KEEP=1).
trap 'echo "demo: interrupted" >&2; OK=1; exit 130' INT TERM

echo "sluice demo: sluiced (load balancer, core $LB_CORE) <--memif--> sl-gen (clients and router, core $GEN_CORE)"
echo "  config: tools/conf/demo.yaml"

# sluiced is the memif server: it stays up while sl-gen connects once per VIP.
taskset -c "$LB_CORE" "$SLUICED" -l "$LB_CORE" --file-prefix "${TAG}_lb" --no-pci \
	-m "$MEM_MB" --single-file-segments \
	--vdev="net_memif0,role=server,socket=$SOCK,mac=$LB_MAC" \
	-- -c "$CONF" --socket "$WORK/sluiced.sock" --state-file "$WORK/sluiced.state" \
	>"$WORK/sluiced.log" 2>&1 &
LB_PID=$!
for ((i = 0; i < 200; i++)); do
	grep -q 'Ctrl-C to stop' "$WORK/sluiced.log" && break
	kill -0 "$LB_PID" 2>/dev/null || break
	sleep 0.1
done
if ! grep -q 'Ctrl-C to stop' "$WORK/sluiced.log"; then
	tail -n 20 "$WORK/sluiced.log" >&2
	die "sluiced did not start (log above)"
fi

# send NAME VIP PORT: one bounded sl-gen run; its JSON line goes to $WORK/NAME.json
send() {
	local name=$1 vip=$2 port=$3 rc
	timeout -s TERM -k 5 $((SECS + 30)) taskset -c "$GEN_CORE" "$GEN" -l "$GEN_CORE" \
		--file-prefix "${TAG}_$name" --no-pci -m "$MEM_MB" --single-file-segments \
		--vdev="net_memif0,role=client,socket=$SOCK,mac=$GEN_MAC" \
		-- --vip "$vip" --vport "$port" --dst-mac "$LB_MAC" --flows "$FLOWS" \
		--rate "$RATE" --warmup 0 --duration "$SECS" --expect-encap --link-timeout 15 \
		>"$WORK/$name.log" 2>"$WORK/$name.err" &
	GEN_PID=$!
	wait "$GEN_PID"
	rc=$?
	GEN_PID=
	rm -f /dev/hugepages/"${TAG}_$name"*
	rm -rf /var/run/dpdk/"${TAG}_$name"
	tail -n 1 "$WORK/$name.log" >"$WORK/$name.json"
	if [ $rc -ne 0 ] || ! grep -q '^{' "$WORK/$name.json"; then
		tail -n 10 "$WORK/$name.err" >&2
		die "sl-gen ($name) failed (exit $rc); logs in $WORK"
	fi
}

echo "  sending ${SECS}s of TCP at $RATE packets/s from $FLOWS client flows to each VIP..."
send v4 10.99.100.1 80
send v6 fd00:99:100::1 443

# The operator's view through the control socket, and a change previewed
# (--dry-run applies nothing).
ctl() {
	echo "  \$ sluicectl $*"
	timeout 10 "$CTL" -s "$WORK/sluiced.sock" "$@" | sed 's/^/    /' ||
		die "sluicectl $* failed"
}
echo
ctl vip list
ctl table 10.99.100.1:80/tcp
ctl backend weight 10.99.100.1:80/tcp 10.99.1.3 100 --dry-run
echo

# Stop sluiced: on SIGINT it prints its counter summary and a JSON line.
stop_pid "$LB_PID" INT 15
LB_PID=
rm -f /dev/hugepages/"${TAG}_lb"* "$SOCK"
rm -rf /var/run/dpdk/"${TAG}_lb"
grep -q '^{"sluiced_stats"' "$WORK/sluiced.log" ||
	die "sluiced printed no final summary; log in $WORK/sluiced.log"

python3 - "$CONF" "$WORK" <<'EOF'
import json, re, sys

conf, work = sys.argv[1], sys.argv[2]

# The VIPs and weights, from demo.yaml (written in the simple style this
# parser reads: one "- address:" per VIP, one "{ address: .., weight: .. }"
# per backend).
vips, cur = [], None
for line in open(conf):
    line = line.split("#", 1)[0].rstrip()
    m = re.match(r"\s*- \{\s*address:\s*\"?([^\",}]+)\"?\s*(?:,\s*weight:\s*(\d+))?\s*\}", line)
    if m and cur is not None:
        cur["backends"].append((m.group(1).strip(), int(m.group(2) or 100)))
        continue
    m = re.match(r"\s*- address:\s*\"?([^\"]+)\"?$", line)
    if m:
        cur = {"address": m.group(1).strip(), "backends": []}
        vips.append(cur)
        continue
    m = re.match(r"\s+(port|protocol|encap):\s*(\S+)", line)
    if m and cur is not None:
        cur[m.group(1)] = m.group(2)

# sluiced's summary: per VIP, per backend packets and new flows.
lb = {}
log = open(work + "/sluiced.log").read().splitlines()
stats = json.loads([l for l in log if l.startswith('{"sluiced_stats"')][-1])["sluiced_stats"]
vip = None
for line in log:
    m = re.match(r"\s+vip (\S+):(\d+)/(\w+)\s+packets (\d+) bytes (\d+) new_flows (\d+)", line)
    if m:
        a = m.group(1)
        vip = lb.setdefault(a.strip("[]"), {"packets": int(m.group(4)),
                                            "flows": int(m.group(6)), "be": {}})
        continue
    m = re.match(r"\s+backend (\S+)\s+packets (\d+) \(\s*[\d.]+%\) bytes (\d+) new_flows (\d+)",
                 line)
    if m and vip is not None:
        vip["be"][m.group(1)] = (int(m.group(2)), int(m.group(4)))

def pct(a, b):
    return 100.0 * a / b if b else 0.0

names = {"ipip": "IP-in-IP", "ip6ip6": "IPv6-in-IPv6", "ipv4-in-ipv6": "IPv4-in-IPv6",
         "gue": "GUE"}
for run, v in zip(("v4", "v6"), vips):
    g = json.loads(open("%s/%s.json" % (work, run)).read())
    s = lb.get(v["address"], {"packets": 0, "flows": 0, "be": {}})
    wsum = sum(w for _, w in v["backends"]) or 1
    fam = "IPv6" if ":" in v["address"] else "IPv4"
    print()
    print("%s VIP %s port %s/%s, %s to %d backends: sl-gen sent %d packets, got %d back"
          % (fam, v["address"], v.get("port"), v.get("protocol"),
             names.get(v.get("encap"), v.get("encap")), len(v["backends"]), g["tx"], g["rx"]))
    print("  %-14s %6s %8s | %-20s | %-20s | %-14s"
          % ("backend", "weight", "expected", "router got (sl-gen)", "sluiced sent",
             "flows (sluiced)"))
    for addr, w in v["backends"]:
        got = g.get("dst", {}).get(addr, 0)
        sp, sf = s["be"].get(addr, (0, 0))
        print("  %-14s %6d %7.1f%% | %10d %7.1f%%  | %10d %7.1f%%  | %6d %6.1f%%"
              % (addr, w, pct(w, wsum), got, pct(got, g["rx"]), sp, pct(sp, s["packets"]),
                 sf, pct(sf, s["flows"])))
    other = g["rx"] - sum(g.get("dst", {}).get(a, 0) for a, _ in v["backends"])
    print("  not encapsulated: %d, to other destinations: %d, not back in time: %d (%.3f%%;"
          " in flight when sl-gen stopped counting, or dropped)"
          % (g.get("encap_bad", 0), other, g["tx"] - g["rx"], 100 * g["loss"]))

d = {k: v for k, v in stats["drops"].items() if v}
fl = stats["flow"]
print()
print("sluiced in total: received %d, forwarded %d, dropped %s; flow table: %d hits, %d misses"
      " (new flows)" % (stats["rx"], stats["tx"],
                        ", ".join("%s %d" % kv for kv in d.items()) if d else "none",
                        fl["hits"], fl["misses"]))
print("(Shares follow the weights up to hashing noise: Maglev spreads flows, not packets,"
      " so a few thousand flows land within a point or two of the weight share.)")
EOF
rc=$?
[ $rc -eq 0 ] || die "could not summarise; logs in $WORK"
OK=1
echo
echo "Everything is stopped and cleaned up.  Next:"
echo "  run it for real: README.md, \"Running it for real\" (sluiced [EAL] -- -c FILE; docs/CONFIG.md)"
echo "  tests: tools/run test (or make test); benchmarks: make bench"
