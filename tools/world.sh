#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# world.sh: a small world of hosts in network namespaces with sluiced as its
# load balancer, real backends and real clients.  Used by the end-to-end
# tests (tests/e2e/world.sh) and the demo (tools/demo.sh).
#
#   PREFIX-c1 ---+                             +--- PREFIX-b1  10.99.2.11 fd00:99::2:11
#   10.99.11.2   |        PREFIX-rt            |    decap XDP on eth0, VIPs on lo,
#                +--c1  (router)  br0 ---------+--- PREFIX-b2  nginx (or world_server.py
#   PREFIX-c2 ---+--c2   forwards,  10.99.2.1  |    http) on :80, a UDP echo on :5300
#   10.99.12.2     (MTU 1400 on the  fd00:99::2:1  +--- PREFIX-bN  10.99.2.(10+N)
#                  router's side)
#                       lb 10.99.1.1, 02:99:01:00:00:01 (next hop)
#                        |   routes 10.99.100.0/24 and fd00:99::100:0/112
#                        |   (the VIPs) to the LB host
#                  PREFIX-lb  eth0 10.99.1.2 fd00:99::1:2, 02:99:01:00:00:02
#                  sluiced on eth0 (net_af_xdp with our XDP program: VIP
#                  traffic to sluiced, the rest to the kernel; or
#                  net_af_packet), health checks from this namespace
#
# Clients send to a VIP; the router sends it to the LB host; sluiced picks a
# backend and encapsulates towards the backend's address with the router's
# MAC as next hop; the router forwards it to the backend, whose XDP program
# (build/tools/sluice-decap) strips the outer header; the backend's kernel
# sees the original packet for a VIP on its loopback and answers the client
# straight through the router (direct server return: replies never pass the
# LB host).  Addresses come only from 10.99.0.0/16 and fd00:99::/64.
#
# VIPs (all backends serve all of them):
#   10.99.100.1:80/tcp       ipip          HTTP, IPv4 backends
#   10.99.100.2:5300/udp     gue           UDP echo, IPv4 backends
#   10.99.100.3:80/tcp       ipv4-in-ipv6  HTTP, IPv6 backends
#   [fd00:99::100:1]:80/tcp  ip6ip6        HTTP, IPv6 backends
#   [fd00:99::100:2]:5300/udp gue          UDP echo, IPv6 backends
# Every reply names its backend: HTTP "backend bK\n", UDP "echo bK: DATA".
# Health checks: HTTP GET /healthz for the TCP VIPs, a UDP "health" datagram
# expecting "echo " for the UDP VIPs, every SLW_HC_INTERVAL.
#
# Usage: tools/world.sh [OPTIONS] COMMAND [ARGS]
#   up                   build the world, start servers and sluiced, wait
#                        until every configured backend is healthy
#   down                 stop everything of PREFIX, delete its namespaces,
#                        hugepage files and state directory (also after a
#                        crash: namespaces are found by their names)
#   status               namespaces, processes, sluiced's backends
#   env                  print the world's variables (for `eval`/`source`)
#   exec NODE CMD...     run CMD in PREFIX-NODE (c1 c2 rt lb b1 ..)
#   ctl ARGS...          sluicectl against this world's sluiced
#   server stop|start bK [http|udp]  stop or start a backend's server(s)
# Options (or the environment variable in brackets):
#   -p, --prefix P       name prefix of namespaces, DPDK file prefix, state
#                        directory (SLW_PREFIX, default slw)
#   -n, --backends N     backends (SLW_BACKENDS, default 3, 1..9)
#   --spare K            the last K backends exist but are not in the
#                        configuration (tests add them with sluicectl)
#                        (SLW_SPARE, default 0)
#   --weights W1,W2,..   weights of b1, b2, .. (SLW_WEIGHTS, default 100 each)
#   --pmd af_xdp|af_packet  sluiced's port (SLW_PMD, default af_xdp;
#                        af_packet for kernels without AF_XDP)
#   --server auto|nginx|python  the HTTP server (SLW_SERVER, default auto:
#                        nginx when installed)
#   --dir DIR            state directory (SLW_DIR, default
#                        /tmp/sluice-world-PREFIX)
# Environment only: SLUICE_BUILD (build dir, default build/), SLW_HC_INTERVAL
# (500ms), SLW_HC_TIMEOUT (250ms), SLW_HC_FALL (2), SLW_HC_RISE (2),
# SLW_STATS_INTERVAL (sluiced --stats-interval, 1), SLW_KEEP=1 (down keeps
# the state directory), SLW_QUIET=1, SLW_DECAP=0 (no decapsulation on the
# backends: packets arrive encapsulated and go no further; for looking at
# the load balancer's side alone).
#
# The state directory holds world.env (every name and address; tests source
# it), sluiced.yaml, sluiced.log, the control socket, per-backend server
# configurations and logs, and pids/ (each process we started, by PID and
# start time: processes are stopped by PID only after checking that the PID
# is still the process we started).  Every wait is bounded.  Needs root.
# sluiced gets one lcore (its worker; the control thread shares the other
# cores), on core 1 when there are two or more.
set -u -o pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
BUILD=${SLUICE_BUILD:-$ROOT/build}
PREFIX=${SLW_PREFIX:-slw}
NB=${SLW_BACKENDS:-3}
SPARE=${SLW_SPARE:-0}
WEIGHTS=${SLW_WEIGHTS:-}
PMD=${SLW_PMD:-af_xdp}
SERVER=${SLW_SERVER:-auto}
DIR=${SLW_DIR:-}
HC_INTERVAL=${SLW_HC_INTERVAL:-500ms}
HC_TIMEOUT=${SLW_HC_TIMEOUT:-250ms}
HC_FALL=${SLW_HC_FALL:-2}
HC_RISE=${SLW_HC_RISE:-2}
STATS_INTERVAL=${SLW_STATS_INTERVAL:-1}

usage() {
	sed -n '/^# Usage:/,/^# cores), on core/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
}

while [ $# -gt 0 ]; do
	case $1 in
	-p | --prefix) PREFIX=$2; shift 2 ;;
	-n | --backends) NB=$2; shift 2 ;;
	--spare) SPARE=$2; shift 2 ;;
	--weights) WEIGHTS=$2; shift 2 ;;
	--pmd) PMD=$2; shift 2 ;;
	--server) SERVER=$2; shift 2 ;;
	--dir) DIR=$2; shift 2 ;;
	-h | --help) usage; exit 0 ;;
	-*) echo "world: unknown option $1" >&2; exit 2 ;;
	*) break ;;
	esac
done
[ $# -ge 1 ] || { usage >&2; exit 2; }
CMD=$1
shift
DIR=${DIR:-/tmp/sluice-world-$PREFIX}

SLUICED=$BUILD/control/sluiced
CTL=$BUILD/tools/sluicectl
DECAP=$BUILD/tools/sluice-decap
XDP_OBJ=$BUILD/tools/bpf/sluice_xdp.o
SERVER_PY=$ROOT/tools/world_server.py

NS_C1=$PREFIX-c1 NS_C2=$PREFIX-c2 NS_RT=$PREFIX-rt NS_LB=$PREFIX-lb
LB_PREFIX=${PREFIX}_lb # DPDK --file-prefix
SOCK=$DIR/sluiced.sock
CONF=$DIR/sluiced.yaml
LB_LOG=$DIR/sluiced.log
RT_LB_MAC=02:99:01:00:00:01
LB_MAC=02:99:01:00:00:02
LB4=10.99.1.2 LB6=fd00:99::1:2
VIP4=10.99.100.1 VIP4U=10.99.100.2 VIP46=10.99.100.3
VIP6=fd00:99::100:1 VIP6U=fd00:99::100:2
HTTP_PORT=80 UDP_PORT=5300 GUE_PORT=6080
LB_MEM=256

say() { [ "${SLW_QUIET:-0}" = 1 ] || echo "world: $*"; }
warn() { echo "world: $*" >&2; }

be4() { echo "10.99.2.$((10 + $1))"; }
be6() { echo "fd00:99::2:$((10 + $1))"; }
weight_of() { # K: weight of bK from --weights (default 100)
	local w
	IFS=, read -ra w <<<"$WEIGHTS"
	echo "${w[$1 - 1]:-100}"
}

# ------------------------------------------------------------ processes

# start_time PID: the process's start time (clock ticks since boot), which
# with the PID identifies it (a PID alone can be reused).
start_time() {
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	echo "$s" | cut -d' ' -f20
}

alive() { # PID: running (a zombie counts as gone)
	local s
	s=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

# spawn NAME LOG CMD...: start CMD detached (its own session, stdin from
# /dev/null), record it in pids/NAME.  Sets SPAWNED to its PID.
spawn() {
	local name=$1 log=$2
	shift 2
	setsid "$@" </dev/null >>"$log" 2>&1 &
	SPAWNED=$!
	echo "$SPAWNED $(start_time "$SPAWNED")" >"$DIR/pids/$name"
}

# stop_rec NAME SIGNAL SECONDS: stop the recorded process if it is still the
# one we started: SIGNAL, wait up to SECONDS, then SIGKILL.
stop_rec() {
	local f=$DIR/pids/$1 pid st i
	[ -f "$f" ] || return 0
	read -r pid st <"$f"
	if [ -n "$pid" ] && [ "$(start_time "$pid")" = "$st" ]; then
		kill -"$2" "$pid" 2>/dev/null
		for ((i = 0; i < $3 * 10; i++)); do
			alive "$pid" || break
			sleep 0.1
		done
		if alive "$pid"; then
			warn "$1 (pid $pid) still runs $3 s after SIG$2: SIGKILL"
			kill -KILL "$pid" 2>/dev/null
			for ((i = 0; i < 50; i++)); do
				alive "$pid" || break
				sleep 0.1
			done
		fi
	fi
	rm -f "$f"
}

rec_pid() { # NAME: the recorded PID if that process still runs
	local f=$DIR/pids/$1 pid st
	[ -f "$f" ] || return 1
	read -r pid st <"$f"
	[ "$(start_time "$pid")" = "$st" ] && alive "$pid" && echo "$pid"
}

# ------------------------------------------------------------ tear-down

# our_netns: the existing namespaces of PREFIX: the ones recorded, and ones
# named like ours (a world whose state directory is gone).
our_netns() {
	local all
	all=$(ip netns list 2>/dev/null | awk '{print $1}')
	{
		[ -f "$DIR/netns" ] && grep -xF -f "$DIR/netns" <<<"$all"
		grep -E "^$(printf '%s' "$PREFIX" | sed 's/[.[\*^$]/\\&/g')-(c[0-9]+|rt|lb|b[0-9]+)\$" <<<"$all"
	} | sort -u
}

# is_world_dir: $DIR is a state directory of this script (or empty), so
# removing it removes nothing else (--dir could name any directory).
is_world_dir() {
	[ -d "$DIR" ] || return 1
	[ -f "$DIR/sluiced.yaml" ] || [ -f "$DIR/netns" ] || [ -d "$DIR/pids" ] ||
		[ -z "$(ls -A "$DIR" 2>/dev/null)" ]
}

do_down() {
	local f ns p i
	if [ -d "$DIR/pids" ]; then
		stop_rec lb INT 20
		for f in "$DIR"/pids/*; do
			[ -e "$f" ] || continue
			stop_rec "$(basename "$f")" TERM 5
		done
	fi
	for ns in $(our_netns); do
		# Whatever still runs inside one of our namespaces was started by
		# us (through this script or a test using it): by PID.
		p=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
		if [ -n "${p// /}" ]; then
			kill -TERM $p 2>/dev/null
			for ((i = 0; i < 30; i++)); do
				p=$(ip netns pids "$ns" 2>/dev/null | tr '\n' ' ')
				[ -z "${p// /}" ] && break
				sleep 0.1
			done
			[ -n "${p// /}" ] && kill -KILL $p 2>/dev/null
		fi
		ip netns del "$ns" 2>/dev/null || warn "could not delete namespace $ns"
	done
	rm -f /dev/hugepages/"$LB_PREFIX"*
	rm -rf /var/run/dpdk/"$LB_PREFIX"
	if [ "${SLW_KEEP:-0}" = 1 ]; then
		# Logs and configuration stay; the records of a running world go.
		rm -rf "$DIR/pids" "$DIR/netns" "$DIR/world.env" "$SOCK"
		[ -d "$DIR" ] && say "state directory kept: $DIR"
	elif is_world_dir; then
		rm -rf "$DIR"
	elif [ -e "$DIR" ]; then
		warn "$DIR does not look like a world's state directory: left as it is"
	fi
	return 0
}

# ------------------------------------------------------------ building

# UP_BUILDING=1 once `up` has started building (before that a failure,
# e.g. an existing world of the same prefix, must not tear anything down).
UP_BUILDING=0
die() {
	warn "error: $*"
	if [ "$UP_BUILDING" = 1 ]; then
		[ -f "$LB_LOG" ] && { warn "last sluiced log lines:"; tail -n 15 "$LB_LOG" | sed 's/^/    /' >&2; }
		warn "tearing the partial world down"
		do_down
	fi
	exit 1
}

q() { # CMD...: run, die naming the command on failure
	local out
	out=$("$@" 2>&1) || die "$* failed: $out"
}
nsx() { # NODE CMD...
	local ns=$PREFIX-$1
	shift
	ip netns exec "$ns" "$@"
}

add_ns() {
	q ip netns add "$1"
	echo "$1" >>"$DIR/netns"
	q ip -n "$1" link set lo up
	# No DAD (addresses usable at once), no reverse-path filter (DSR: the
	# backends receive packets for addresses that are not on eth0).
	q ip netns exec "$1" sysctl -qw net.ipv6.conf.all.accept_dad=0 \
		net.ipv6.conf.default.accept_dad=0 net.ipv4.conf.all.rp_filter=0 \
		net.ipv4.conf.default.rp_filter=0
}

# veth NS1 IF1 NS2 IF2: a pair, both ends up, TX checksum offload off
# (locally sent TCP on veth has partial checksums that XDP does not fill
# in) and no GRO (the router forwards packets as they came).
veth() {
	q ip -n "$1" link add "$2" type veth peer name "$4" netns "$3"
	offload_off "$1" "$2"
	offload_off "$3" "$4"
}
offload_off() { # NS IF
	q ip netns exec "$1" ethtool -K "$2" tx off
	ip netns exec "$1" ethtool -K "$2" gro off >/dev/null 2>&1
	q ip -n "$1" link set "$2" up
}
addr() { # NS IF ADDRESS/LEN
	q ip -n "$1" addr add "$3" dev "$2" nodad
}
addr4() { q ip -n "$1" addr add "$3" dev "$2"; }

build_net() {
	local k ns
	for ns in "$NS_C1" "$NS_C2" "$NS_RT" "$NS_LB"; do
		add_ns "$ns"
	done
	for ((k = 1; k <= NB; k++)); do
		add_ns "$PREFIX-b$k"
	done

	# Router: forwards both families.
	q ip netns exec "$NS_RT" sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
	q ip -n "$NS_RT" link add br0 type bridge mcast_snooping 0
	offload_off "$NS_RT" br0
	addr4 "$NS_RT" br0 10.99.2.1/24
	addr "$NS_RT" br0 fd00:99::2:1/112

	# Clients.  c2's link is 1400 bytes on the router's side only: c2
	# announces an MSS for 1500, so backends send it 1500-byte packets and
	# the router answers them with frag-needed / packet-too-big, which goes
	# to the VIP (their source) and so through sluiced to the backend.
	local c
	for c in 1 2; do
		ns=$PREFIX-c$c
		veth "$NS_RT" "c$c" "$ns" eth0
		addr4 "$NS_RT" "c$c" "10.99.1$c.1/24"
		addr "$NS_RT" "c$c" "fd00:99::1$c:1/112"
		addr4 "$ns" eth0 "10.99.1$c.2/24"
		addr "$ns" eth0 "fd00:99::1$c:2/112"
		q ip -n "$ns" route add default via "10.99.1$c.1"
		q ip -n "$ns" -6 route add default via "fd00:99::1$c:1"
		# Plenty of source ports for thousands of short connections.
		q ip netns exec "$ns" sysctl -qw net.ipv4.ip_local_port_range="10000 65000"
	done
	q ip -n "$NS_RT" link set c2 mtu 1400

	# LB host.
	veth "$NS_RT" lb "$NS_LB" eth0
	q ip -n "$NS_RT" link set lb address "$RT_LB_MAC"
	q ip -n "$NS_LB" link set eth0 address "$LB_MAC"
	addr4 "$NS_RT" lb 10.99.1.1/24
	addr "$NS_RT" lb fd00:99::1:1/112
	addr4 "$NS_LB" eth0 "$LB4/24"
	addr "$NS_LB" eth0 "$LB6/112"
	q ip -n "$NS_LB" route add default via 10.99.1.1
	q ip -n "$NS_LB" -6 route add default via fd00:99::1:1
	q ip -n "$NS_RT" route add 10.99.100.0/24 via "$LB4"
	q ip -n "$NS_RT" -6 route add fd00:99::100:0/112 via "$LB6"

	# Backends: on the router's bridge, the VIPs on lo.
	for ((k = 1; k <= NB; k++)); do
		ns=$PREFIX-b$k
		veth "$NS_RT" "b$k" "$ns" eth0
		q ip -n "$NS_RT" link set "b$k" master br0
		addr4 "$ns" eth0 "$(be4 "$k")/24"
		addr "$ns" eth0 "$(be6 "$k")/112"
		q ip -n "$ns" route add default via 10.99.2.1
		q ip -n "$ns" -6 route add default via fd00:99::2:1
		for a in "$VIP4/32" "$VIP4U/32" "$VIP46/32"; do
			addr4 "$ns" lo "$a"
		done
		for a in "$VIP6/128" "$VIP6U/128"; do
			addr "$ns" lo "$a"
		done
		# Only the LB host is reached for the VIPs: backends never
		# answer ARP for them (arp_ignore), never use them as ARP
		# source (arp_announce).  (The router routes the VIPs to the LB
		# host, so it never asks; this is what a real DSR backend needs.)
		q ip netns exec "$ns" sysctl -qw net.ipv4.conf.all.arp_ignore=1 \
			net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.rp_filter=0
	done
}

attach_decap() {
	local k
	[ -x "$DECAP" ] || die "$DECAP is not built (the backends' decapsulation)"
	for ((k = 1; k <= NB; k++)); do
		q ip netns exec "$PREFIX-b$k" sh -c \
			'mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf; exec "$@"' sh \
			"$DECAP" attach eth0 --gue-port "$GUE_PORT"
	done
}

# ------------------------------------------------------------ servers

nginx_conf() { # K
	local d=$DIR/b$1 name=b$1
	mkdir -p "$d/www" "$d/tmp"
	python3 - "$d/www/big" "$name" <<'EOF'
import sys
tail = ("\nbackend %s\n" % sys.argv[2]).encode()
pat = b"0123456789abcdef" * 4096
open(sys.argv[1], "wb").write(pat[: 65536 - len(tail)] + tail)
EOF
	cat >"$d/nginx.conf" <<EOF
# nginx of backend $name (tools/world.sh); runs in namespace $PREFIX-$name.
daemon off;
master_process on;
worker_processes 1;
user nobody nogroup;
pid $d/nginx.pid;
error_log $d/nginx.error.log warn;
events { worker_connections 4096; }
http {
	access_log off;
	client_body_temp_path $d/tmp/body;
	proxy_temp_path $d/tmp/proxy;
	fastcgi_temp_path $d/tmp/fastcgi;
	uwsgi_temp_path $d/tmp/uwsgi;
	scgi_temp_path $d/tmp/scgi;
	keepalive_timeout 600s;
	keepalive_requests 1000000;
	server {
		listen 80 backlog=4096;
		listen [::]:80 backlog=4096;
		root $d/www;
		default_type text/plain;
		location = / { return 200 "backend $name\n"; }
		location = /healthz { return 200 "ok\n"; }
		location = /big { }
		location / { return 200 "backend $name\n"; }
	}
}
EOF
}

# server_start K KIND: start bK's http or udp server and wait until it
# listens (bounded).
server_start() {
	local k=$1 kind=$2 ns=$PREFIX-b$1 d=$DIR/b$1 i ready
	mkdir -p "$d"
	if [ "$kind" = http ]; then
		if [ "$SERVER" = nginx ]; then
			rm -f "$d/nginx.pid"
			ready=$d/nginx.pid # written once the sockets listen
			spawn "http-b$k" "$d/http.log" ip netns exec "$ns" nginx -p "$d/" \
				-c "$d/nginx.conf" -e "$d/nginx.error.log"
		else
			ready=$d/http.ready
			rm -f "$ready"
			spawn "http-b$k" "$d/http.log" ip netns exec "$ns" python3 "$SERVER_PY" \
				http "b$k" "$HTTP_PORT" "$ready"
		fi
	else
		ready=$d/udp.ready
		rm -f "$ready"
		spawn "udp-b$k" "$d/udp.log" ip netns exec "$ns" python3 "$SERVER_PY" \
			udp "b$k" "$UDP_PORT" "$ready" "$VIP4U" "$VIP6U" "$(be4 "$k")" "$(be6 "$k")"
	fi
	for ((i = 0; i < 100; i++)); do
		[ -s "$ready" ] && return 0
		alive "$SPAWNED" || break
		sleep 0.1
	done
	warn "the $kind server of b$k did not start:"
	tail -n 5 "$d/$kind.log" "$d/nginx.error.log" 2>/dev/null | sed 's/^/    /' >&2
	return 1
}

server_stop() { # K KIND
	stop_rec "$2-b$1" TERM 10
}

# ------------------------------------------------------------ sluiced

write_conf() {
	local port_name k nconf=$((NB - SPARE)) hc_http hc_udp
	case $PMD in
	af_xdp) port_name=net_af_xdp0 ;;
	af_packet) port_name=net_af_packet0 ;;
	esac
	hc_http="{ type: http, port: $HTTP_PORT, path: /healthz, interval: $HC_INTERVAL, timeout: $HC_TIMEOUT, rise: $HC_RISE, fall: $HC_FALL }"
	hc_udp="{ type: udp, port: $UDP_PORT, send: health, expect: \"echo \", interval: $HC_INTERVAL, timeout: $HC_TIMEOUT, rise: $HC_RISE, fall: $HC_FALL }"
	be_list() { # 4|6
		local k
		for ((k = 1; k <= nconf; k++)); do
			if [ "$1" = 4 ]; then
				echo "      - { address: $(be4 "$k"), weight: $(weight_of "$k") }"
			else
				echo "      - { address: \"$(be6 "$k")\", weight: $(weight_of "$k") }"
			fi
		done
	}
	cat >"$CONF" <<EOF
# sluiced in the test world (tools/world.sh, prefix $PREFIX); docs/CONFIG.md.
ports:
  - { name: $port_name, role: data }
tunnel: { source4: $LB4, source6: "$LB6" }
next_hop: { port: $port_name, mac: "$RT_LB_MAC", mtu: 1500 }
flow_table: { size: 65536, tcp_timeout: 300s, tcp_closing_timeout: 2s, udp_timeout: 10s }
control: { history: 64 }
vips:
  - address: $VIP4
    port: $HTTP_PORT
    protocol: tcp
    encap: ipip
    drain_timeout: 60s
    health: $hc_http
    backends:
$(be_list 4)
  - address: $VIP4U
    port: $UDP_PORT
    protocol: udp
    encap: gue
    gue_port: $GUE_PORT
    health: $hc_udp
    backends:
$(be_list 4)
  - address: $VIP46
    port: $HTTP_PORT
    protocol: tcp
    encap: ipv4-in-ipv6
    health: $hc_http
    backends:
$(be_list 6)
  - address: "$VIP6"
    port: $HTTP_PORT
    protocol: tcp
    encap: ip6ip6
    health: $hc_http
    backends:
$(be_list 6)
  - address: "$VIP6U"
    port: $UDP_PORT
    protocol: udp
    encap: gue
    gue_port: $GUE_PORT
    health: $hc_udp
    backends:
$(be_list 6)
EOF
}

lb_core() { if [ "$(nproc)" -ge 2 ]; then echo 1; else echo 0; fi; }

lb_start() {
	local vdev core i
	core=$(lb_core)
	case $PMD in
	af_xdp)
		[ -f "$XDP_OBJ" ] || die "$XDP_OBJ is not built (sluiced's XDP program)"
		vdev="net_af_xdp0,iface=eth0,start_queue=0,queue_count=1,xdp_prog=$XDP_OBJ"
		;;
	af_packet) vdev="net_af_packet0,iface=eth0,qpairs=1" ;;
	esac
	q "$SLUICED" --check-config "$CONF"
	rm -f "$SOCK"
	# `ip netns exec` remounts /sys without bpffs; sluiced pins its VIP map
	# there, so it gets a bpffs of its own (private to this mount namespace).
	spawn lb "$LB_LOG" ip netns exec "$NS_LB" sh -c \
		'mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf; exec "$@"' sh \
		taskset -c "$core" "$SLUICED" -l "$core" --file-prefix "$LB_PREFIX" --no-pci \
		-m "$LB_MEM" --single-file-segments --vdev "$vdev" \
		-- -c "$CONF" --socket "$SOCK" --state-file "$DIR/sluiced.state" \
		--stats-interval "$STATS_INTERVAL"
	# (60 s: a sanitizer build starts slowly)
	for ((i = 0; i < 600; i++)); do
		grep -q 'Ctrl-C to stop' "$LB_LOG" 2>/dev/null && [ -S "$SOCK" ] && return 0
		alive "$SPAWNED" || break
		sleep 0.1
	done
	die "sluiced did not start (log: $LB_LOG)"
}

ctl() { timeout -k 5 30 "$CTL" -s "$SOCK" --timeout 20s "$@"; }

# all_healthy: every configured backend is up, and each health target has
# been checked and its last check passed (at start-up sluiced takes every
# backend as healthy until its checks say otherwise).
all_healthy() {
	local b h
	b=$(ctl backend list --json 2>/dev/null) || return 1
	h=$(ctl health --json 2>/dev/null) || return 1
	python3 -c '
import json, sys
b, h = json.loads(sys.argv[1]), json.loads(sys.argv[2])
ok = b["backends"] and all(x["health"] == "up" for x in b["backends"]) and \
    all(t["checked"] and t["up"] and t["last_result"] == "ok" for t in h["targets"])
sys.exit(0 if ok else 1)' "$b" "$h"
}

write_env() {
	local k
	{
		echo "# tools/world.sh $PREFIX: source this file"
		echo "SLW_PREFIX=$PREFIX SLW_DIR=$DIR SLW_PMD=$PMD SLW_SERVER=$SERVER"
		echo "SLW_BACKENDS=$NB SLW_SPARE=$SPARE SLW_CONFIGURED=$((NB - SPARE))"
		echo "NS_C1=$NS_C1 NS_C2=$NS_C2 NS_RT=$NS_RT NS_LB=$NS_LB"
		echo "CTL_SOCK=$SOCK CONF=$CONF LB_LOG=$LB_LOG LB_PID=$(rec_pid lb)"
		echo "LB_MAC=$LB_MAC RT_LB_MAC=$RT_LB_MAC LB4=$LB4 LB6=$LB6"
		echo "C1_4=10.99.11.2 C1_6=fd00:99::11:2 C2_4=10.99.12.2 C2_6=fd00:99::12:2"
		echo "VIP4=$VIP4 VIP4U=$VIP4U VIP46=$VIP46 VIP6=$VIP6 VIP6U=$VIP6U"
		echo "HTTP_PORT=$HTTP_PORT UDP_PORT=$UDP_PORT GUE_PORT=$GUE_PORT"
		echo "REF4=$VIP4:$HTTP_PORT/tcp REF4U=$VIP4U:$UDP_PORT/udp REF46=$VIP46:$HTTP_PORT/tcp"
		echo "REF6=[$VIP6]:$HTTP_PORT/tcp REF6U=[$VIP6U]:$UDP_PORT/udp"
		echo "HC_INTERVAL=$HC_INTERVAL HC_TIMEOUT=$HC_TIMEOUT HC_FALL=$HC_FALL HC_RISE=$HC_RISE"
		for ((k = 1; k <= NB; k++)); do
			echo "NS_B$k=$PREFIX-b$k BE4_$k=$(be4 "$k") BE6_$k=$(be6 "$k") W_$k=$(weight_of "$k")"
		done
	} >"$DIR/world.env"
}

do_up() {
	local k t0
	[ "$(id -u)" -eq 0 ] || die "needs root"
	case $NB in [1-9]) ;; *) die "--backends: 1..9, got $NB" ;; esac
	case $SPARE in [0-9]) ;; *) die "--spare: 0..8, got $SPARE" ;; esac
	[ "$SPARE" -lt "$NB" ] || die "--spare $SPARE leaves no backend in the configuration"
	case $PMD in af_xdp | af_packet) ;; *) die "--pmd: af_xdp or af_packet, got $PMD" ;; esac
	case $SERVER in
	auto) if command -v nginx >/dev/null; then SERVER=nginx; else SERVER=python; fi ;;
	nginx) command -v nginx >/dev/null || die "--server nginx: nginx is not installed (tools/setup.sh)" ;;
	python) ;;
	*) die "--server: auto, nginx or python, got $SERVER" ;;
	esac
	for t in ethtool python3 taskset setsid; do
		command -v "$t" >/dev/null || die "needs $t (tools/setup.sh installs it)"
	done
	for b in "$SLUICED" "$CTL"; do
		[ -x "$b" ] || die "$b is not built (make build, or set SLUICE_BUILD)"
	done
	[ -w /dev/hugepages ] || die "needs hugetlbfs on /dev/hugepages (tools/setup.sh)"
	local free
	free=$(awk '/^HugePages_Free/ {print $2}' /proc/meminfo)
	[ "${free:-0}" -ge $((LB_MEM / 2 + 16)) ] ||
		die "only ${free:-0} free 2 MiB hugepages; sluiced needs $((LB_MEM / 2 + 16)) (tools/setup.sh)"
	if [ -n "$(our_netns)" ] || [ -e "$DIR/pids" ]; then
		die "a world with prefix $PREFIX exists ($DIR, namespaces: $(our_netns | tr '\n' ' ')); tools/world.sh -p $PREFIX down"
	fi
	t0=$(date +%s%3N)
	# What an earlier world of this prefix kept (SLW_KEEP=1): its logs.
	if [ -e "$DIR" ]; then
		is_world_dir || die "$DIR exists and is not a world's state directory (--dir)"
		rm -rf "$DIR"
	fi
	UP_BUILDING=1
	mkdir -p "$DIR/pids" || die "cannot create $DIR"
	# The servers' workers (nginx: user nobody) read their files here.
	chmod 755 "$DIR"
	: >"$DIR/netns"
	say "building the network (prefix $PREFIX, $NB backends, $SERVER, sluiced on $PMD)"
	build_net
	if [ "${SLW_DECAP:-1}" = 1 ]; then
		attach_decap
	else
		warn "SLW_DECAP=0: backends without decapsulation (encapsulated packets arrive and go nowhere)"
	fi
	if [ "$SERVER" = nginx ]; then
		for ((k = 1; k <= NB; k++)); do
			nginx_conf "$k"
		done
		# nginx's worker runs as nobody: every directory above its
		# files must let others through.
		setpriv --reuid=nobody --regid=nogroup --clear-groups test -r "$DIR/b1/www/big" ||
			die "user nobody cannot read $DIR/b1/www/big (nginx's worker): make the directories above $DIR readable by others, or --server python"
	fi
	for ((k = 1; k <= NB; k++)); do
		server_start "$k" http || die "b$k: http server"
		server_start "$k" udp || die "b$k: udp server"
	done
	write_conf
	say "starting sluiced"
	lb_start
	write_env
	local i
	for ((i = 0; i < 150; i++)); do
		all_healthy && break
		sleep 0.2
	done
	all_healthy || die "not every backend became healthy within 30 s: $(ctl backend list 2>&1)"
	UP_BUILDING=0
	say "up in $(($(date +%s%3N) - t0)) ms; state in $DIR (world.env)"
}

do_status() {
	local ns f
	echo "prefix $PREFIX, state directory $DIR"
	echo "namespaces: $(our_netns | tr '\n' ' ')"
	for f in "$DIR"/pids/*; do
		[ -e "$f" ] || continue
		if p=$(rec_pid "$(basename "$f")"); then
			echo "  $(basename "$f"): pid $p running"
		else
			echo "  $(basename "$f"): not running"
		fi
	done
	[ -S "$SOCK" ] && ctl backend list
	return 0
}

case $CMD in
up) do_up ;;
down) do_down ;;
status) do_status ;;
env) cat "$DIR/world.env" ;;
exec)
	[ $# -ge 2 ] || { usage >&2; exit 2; }
	node=$1
	shift
	exec ip netns exec "$PREFIX-$node" "$@"
	;;
ctl) exec timeout -k 5 120 "$CTL" -s "$SOCK" "$@" ;;
server)
	[ $# -ge 2 ] || { usage >&2; exit 2; }
	k=${2#b}
	[ -f "$DIR/world.env" ] || { warn "no world $PREFIX"; exit 1; }
	# shellcheck disable=SC1091
	SERVER=$(. "$DIR/world.env" && echo "$SLW_SERVER")
	kinds=${3:-http udp}
	for kind in $kinds; do
		case $1 in
		stop) server_stop "$k" "$kind" ;;
		start) server_start "$k" "$kind" || exit 1 ;;
		*) usage >&2; exit 2 ;;
		esac
	done
	;;
*) usage >&2; exit 2 ;;
esac
