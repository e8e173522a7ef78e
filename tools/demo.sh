#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# demo.sh: what `make demo` (tools/run demo) runs.  It builds the test world
# of tools/world.sh (clients, a router, the LB host running sluiced on
# AF_XDP, three backends running nginx, all in network namespaces, nothing
# outside them touched) and shows sluice at work with real TCP and UDP:
#
#   1. curl through the IPv4 and the IPv6 VIP; the backend that answered
#      says so (direct server return: the answer does not pass sluiced);
#   2. a few thousand connections to each VIP: each backend's share next to
#      the share its weight asks for (100/100/50), as the clients counted it
#      and as sluiced counted it;
#   3. under load, one backend's nginx is killed: health checks mark it down
#      within interval x fall + timeout, sluiced logs it, new connections go
#      to the others, the others' connections see nothing; the server is
#      started again and the backend comes back;
#   4. it fails and comes back once more: four up/down changes within a
#      minute raise the flapping alert (a JSON line in sluiced's log,
#      `sluicectl alerts`);
#   5. the world stays up: it prints the sluicectl commands to try against
#      it, and how to stop it.
#
#   tools/demo.sh [start]   the above (an earlier demo still running is
#                           stopped first)
#   tools/demo.sh stop      stop sluiced and the servers, delete the
#                           namespaces and hugepage files
#   tools/demo.sh status    what runs
#
# Environment: SLUICE_BUILD (build dir, default build/), DEMO_PMD (af_xdp;
# af_packet where the kernel has no AF_XDP, chosen by itself then),
# DEMO_CONNS (3000 per VIP), DEMO_STOP=1 (stop the world at the end instead
# of leaving it running, e.g. in CI).  Any failure or Ctrl-C tears the
# world down.  Needs root (tools/setup.sh prepares the machine).
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SLUICE_BUILD:-$ROOT/build}
export SLUICE_BUILD=$BUILD
PREFIX=sldemo
DIR=/tmp/sluice-demo
CONNS=${DEMO_CONNS:-3000}
PMD=${DEMO_PMD:-af_xdp}
CLIENT=$ROOT/tools/world_client.py
CTL=$BUILD/tools/sluicectl
# Paths as the user will type them.
case $BUILD in "$PWD"/*) CTL_SHOWN=${CTL#"$PWD"/} ;; *) CTL_SHOWN=$CTL ;; esac
case $ROOT in "$PWD") TOOLS_SHOWN=tools ;; *) TOOLS_SHOWN=$ROOT/tools ;; esac

W() { "$ROOT/tools/world.sh" -p "$PREFIX" --dir "$DIR" "$@"; }
die() {
	echo "demo: $*" >&2
	exit 1
}

case ${1:-start} in
stop)
	W down
	echo "demo: stopped; everything it started is gone"
	exit 0
	;;
status)
	W status
	exit 0
	;;
start) ;;
*)
	sed -n '/^#   tools\/demo.sh \[start\]/,/^#   tools\/demo.sh status/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,3\}//' >&2
	exit 2
	;;
esac

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, XDP, hugepages): sudo tools/run demo"
for b in "$BUILD/control/sluiced" "$CTL" "$BUILD/tools/sluice-decap"; do
	[ -x "$b" ] || die "$b is not built (make build, or set SLUICE_BUILD)"
done
if [ "$PMD" = af_xdp ] && ! python3 -c 'import socket; socket.socket(44, socket.SOCK_RAW).close()' 2>/dev/null; then
	echo "demo: this kernel has no AF_XDP sockets: sluiced runs on AF_PACKET instead"
	PMD=af_packet
fi

OK=0
cleanup() {
	trap - EXIT INT TERM
	jobs -p | xargs -r kill 2>/dev/null
	if [ "$OK" != 1 ] || [ "${DEMO_STOP:-0}" = 1 ]; then
		SLW_QUIET=1 W down
		[ "$OK" = 1 ] || echo "demo: stopped and cleaned up" >&2
	fi
}
trap cleanup EXIT
trap 'echo; echo "demo: interrupted" >&2; exit 130' INT TERM

if [ -d "$DIR/pids" ] || ip netns list 2>/dev/null | grep -q "^$PREFIX-"; then
	echo "demo: an earlier demo is still running: stopping it first"
	SLW_QUIET=1 W down
fi

say() { printf '\n\033[1m%s\033[0m\n' "$*"; }
run() { # show a command, then run it
	echo "  \$ $*"
	"$@" 2>&1 | sed 's/^/    /'
}
ctl() { timeout -k 5 30 "$CTL" -s "$DIR/sluiced.sock" "$@"; }
now_ms() { date +%s%3N; }

say "sluice demo: building the world"
cat <<'EOF'
  clients c1 c2 --- router ---- LB host: sluiced (one worker core), in front of it
                      |         an XDP program: VIP traffic to sluiced, the rest
                      |         to the kernel (ARP, health checks)
                      +-- b1 b2 b3: nginx, a UDP echo, the VIPs on loopback,
                          an XDP program stripping sluice's tunnel headers
  VIPs: 10.99.100.1:80 (IPv4, IP-in-IP), [fd00:99::100:1]:80 (IPv6, IPv6-in-IPv6),
        10.99.100.2:5300/udp (GUE), ...  Weights b1 100, b2 100, b3 50.
  Replies go from the backends straight to the clients (direct server return).
EOF
W -n 3 --weights 100,100,50 --pmd "$PMD" up || die "the world did not come up (see above)"
# shellcheck disable=SC1091
. "$DIR/world.env"

say "1. Real clients: curl through the IPv4 and the IPv6 VIP"
run ip netns exec "$NS_C1" curl -sS -m 5 http://10.99.100.1/
run ip netns exec "$NS_C1" curl -sS -m 5 -g "http://[fd00:99::100:1]/"
run ip netns exec "$NS_C1" curl -sS -m 5 -o /dev/null -w 'GET /big: %{size_download} bytes in %{time_total} s\n' http://10.99.100.1/big
echo "  (sluiced forwarded only the requests; each answer came from the backend itself)"

say "2. $CONNS connections to each TCP VIP, 300 datagrams to the UDP VIP"
ctl stats --json >"$DIR/demo.stats0" || die "sluicectl stats failed"
for v in "$VIP4" "$VIP6"; do
	ip netns exec "$NS_C1" python3 "$CLIENT" get "$v" "$HTTP_PORT" --n "$CONNS" --conc 4 \
		>"$DIR/demo.get.$v" || die "the client failed"
done
ip netns exec "$NS_C1" python3 "$CLIENT" udp "$VIP4U" "$UDP_PORT" --n 300 >"$DIR/demo.udp" ||
	die "the UDP client failed"
ctl stats --json >"$DIR/demo.stats1" || die "sluicectl stats failed"
python3 - "$DIR" "$REF4" "$REF6" "$REF4U" "$VIP4" "$VIP6" <<'EOF' || die "could not summarise"
import json, sys
d, refs, vips = sys.argv[1], sys.argv[2:5], sys.argv[5:7]
s0 = {v["vip"]: v for v in json.load(open(d + "/demo.stats0"))["vips"]}
s1 = {v["vip"]: v for v in json.load(open(d + "/demo.stats1"))["vips"]}
env = dict(l.split("=", 1) for l in open(d + "/world.env").read().split() if "=" in l)
names = {}
for k in range(1, 10):
    for fam in ("4", "6"):
        if "BE%s_%d" % (fam, k) in env:
            names[env["BE%s_%d" % (fam, k)]] = ("b%d" % k, int(env["W_%d" % k]))
files = [d + "/demo.get." + vips[0], d + "/demo.get." + vips[1], d + "/demo.udp"]
for ref, f in zip(refs, files):
    c = json.load(open(f))
    v0, v1 = s0[ref], s1[ref]
    flows0 = {b["address"]: b["new_flows"] for b in v0["backends"]}
    bes = [(names[b["address"]], b["address"], b["new_flows"] - flows0.get(b["address"], 0))
           for b in v1["backends"]]
    wsum = sum(w for (n, w), a, f in bes) or 1
    fsum = sum(f for _, _, f in bes) or 1
    print("\n  %s: %d sent, %d answered, errors %s" % (ref, c["n"], c["ok"], c["errors"] or "none"))
    print("    %-4s %-15s %6s %9s | %-16s | %-16s" % ("", "backend", "weight", "expected",
                                                      "clients counted", "sluiced counted"))
    for (n, w), a, f in bes:
        got = c["by_backend"].get(n, 0)
        print("    %-4s %-15s %6d %8.1f%% | %6d  %6.1f%%  | %6d  %6.1f%%" % (
            n, a, w, 100.0 * w / wsum, got, 100.0 * got / max(1, c["ok"]), f, 100.0 * f / fsum))
EOF
echo "  (Maglev spreads flows by weight: a few thousand connections land within a point"
echo "   or two of the weight's share.)"

say "3. Failover: b2's nginx is killed while clients keep connecting"
ip netns exec "$NS_C1" python3 "$CLIENT" get "$VIP4" "$HTTP_PORT" --duration 7 --conc 3 \
	--pause-ms 5 --ops "$DIR/demo.ops" >"$DIR/demo.load" 2>&1 &
LOAD=$!
sleep 2
lines0=$(wc -l <"$LB_LOG")
t0=$(now_ms)
echo "  $(date +%T.%3N) kill b2's nginx (it stops answering at once)"
W server stop b2 http
td=
while [ $(($(now_ms) - t0)) -lt 15000 ]; do
	if ctl backend list --json "$REF4" 2>/dev/null |
		python3 -c "import json,sys; sys.exit(0 if any(b['address']=='$BE4_2' and b['health']=='down' for b in json.load(sys.stdin)['backends']) else 1)"; then
		td=$(now_ms)
		break
	fi
	sleep 0.1
done
[ -n "$td" ] || die "b2 was not marked down within 15 s"
echo "  $(date +%T.%3N) b2 is down, $((td - t0)) ms after the kill (configured: interval $HC_INTERVAL x fall $HC_FALL + timeout $HC_TIMEOUT)"
wait "$LOAD"
echo
echo "  sluiced's log since the kill:"
tail -n +"$((lines0 + 1))" "$LB_LOG" | grep -E 'sluice: (health|vip|ALERT)|ALERT|"alert"' |
	head -n 12 | sed 's/^/    /'
echo
echo "  \$ sluicectl backend list $REF4"
ctl backend list "$REF4" | sed 's/^/    /'

python3 - "$DIR/demo.ops" "$t0" "$td" <<'EOF'
import sys
t0, td = float(sys.argv[2]), float(sys.argv[3])
ph = {"before the kill": {}, "kill -> down": {}, "after the down mark": {}}
for line in open(sys.argv[1]):
    p = line.split()
    if len(p) != 3:
        continue
    k = "before the kill" if float(p[0]) < t0 else "kill -> down" if float(p[0]) < td \
        else "after the down mark"
    ph[k][p[2]] = ph[k].get(p[2], 0) + 1
print("  the clients' connections, by when they started:")
for k, v in ph.items():
    print("    %-20s %s" % (k, ", ".join("%s %d" % kv for kv in sorted(v.items())) or "none"))
print("  (ERR:ECONNREFUSED: new connections that reached b2 after its nginx was gone and\n"
      "   before it was marked down; after that, none goes to b2 and none fails)")
EOF
# b2_health STATE: wait (at most 15 s) until b2's health on the IPv4 VIP is STATE
b2_health() {
	local i
	for ((i = 0; i < 150; i++)); do
		ctl backend list --json "$REF4" 2>/dev/null |
			python3 -c "import json,sys; sys.exit(0 if any(b['address']=='$BE4_2' and b['health']=='$1' for b in json.load(sys.stdin)['backends']) else 1)" &&
			return 0
		sleep 0.1
	done
	return 1
}
W server start b2 http >/dev/null || die "could not start b2's nginx again"
b2_health up || die "b2 did not come back within 15 s"
echo "  b2's nginx started again: b2 is up (after $HC_RISE good checks)"

say "4. b2 fails again and comes back: a flapping backend raises an alert"
lines0=$(wc -l <"$LB_LOG")
W server stop b2 http
b2_health down || die "b2 was not marked down within 15 s"
echo "  $(date +%T.%3N) b2 down again"
W server start b2 http >/dev/null || die "could not start b2's nginx again"
b2_health up || die "b2 did not come back within 15 s"
echo "  $(date +%T.%3N) b2 up again: 4 up/down changes within a minute (alerts.flapping.transitions)"
for ((i = 0; i < 50; i++)); do
	ctl alerts --json 2>/dev/null | grep -q '"flapping"' && break
	sleep 0.2
done
echo "  sluiced's log: an alert is one JSON line (a hook command can forward it), e.g."
tail -n +"$((lines0 + 1))" "$LB_LOG" | grep -E '"alert"' | head -n 1 | fold -w 96 | sed 's/^/    /'
echo
echo "  \$ sluicectl alerts"
ctl alerts | sed 's/^/    /'
echo "  (the alert resolves by itself once b2 has been stable for a window)"

OK=1
if [ "${DEMO_STOP:-0}" = 1 ]; then
	say "Done (DEMO_STOP=1): stopping the world"
	exit 0
fi
say "The demo world keeps running (sluiced keeps one core busy).  Try:"
cat <<EOF
  $CTL_SHOWN -s $DIR/sluiced.sock status
  $CTL_SHOWN -s $DIR/sluiced.sock vip list
  $CTL_SHOWN -s $DIR/sluiced.sock backend list
  $CTL_SHOWN -s $DIR/sluiced.sock stats
  $CTL_SHOWN -s $DIR/sluiced.sock health
  $CTL_SHOWN -s $DIR/sluiced.sock alerts
  $CTL_SHOWN -s $DIR/sluiced.sock top
  $CTL_SHOWN -s $DIR/sluiced.sock table $REF4
  $CTL_SHOWN -s $DIR/sluiced.sock backend weight $REF4 $BE4_3 100 --dry-run
  $CTL_SHOWN -s $DIR/sluiced.sock backend drain $REF4 $BE4_1
  $CTL_SHOWN -s $DIR/sluiced.sock config history
 send traffic (the clients live in network namespaces):
  ip netns exec $NS_C1 curl http://$VIP4/
  ip netns exec $NS_C1 python3 $TOOLS_SHOWN/world_client.py get $VIP4 80 --n 1000 --conc 4
  ip netns exec $NS_C1 python3 $TOOLS_SHOWN/world_client.py udp $VIP4U 5300 --n 100
 fail a backend and bring it back:
  $TOOLS_SHOWN/world.sh -p $PREFIX --dir $DIR server stop b1 http
  $TOOLS_SHOWN/world.sh -p $PREFIX --dir $DIR server start b1 http
 sluiced's log: $LB_LOG
 stop everything: $TOOLS_SHOWN/demo.sh stop
EOF
