#!/bin/bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# cli.sh: the sluice-decap command line (meson suite 'decap').  Exit codes
# (0 success, 1 failure, 2 bad command line) and messages of every command,
# on a veth pair inside a network namespace of its own (slx-decap-cli):
# attach, replace, status, detach, both modes, the destination filter, and
# refusing someone else's XDP program (tests/decap/xdp_foreign.o).
#
# Usage: cli.sh SLUICE_DECAP_BINARY FOREIGN_XDP_OBJECT
# Needs root; exits 77 (skip) without it.  A few seconds.
set -u -o pipefail

BIN=${1:?usage: cli.sh SLUICE_DECAP_BINARY FOREIGN_XDP_OBJECT}
FOREIGN=${2:?usage: cli.sh SLUICE_DECAP_BINARY FOREIGN_XDP_OBJECT}
NS=slx-decap-cli
IF=slxdc0
PEER=slxdc1

[ "$(id -u)" -eq 0 ] || { echo "SKIP: needs root"; exit 77; }
command -v ip >/dev/null || { echo "SKIP: needs ip (iproute2)"; exit 77; }

TMP=$(mktemp -d /tmp/slx-decap-cli.XXXXXX)
cleanup() {
	ip netns del "$NS" 2>/dev/null
	rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

fails=0
pass() { echo "PASS: $*"; }
failed() {
	echo "FAIL: $*"
	fails=$((fails + 1))
}

# run EXPECTED_RC PATTERN DESCRIPTION -- ARGS...: runs sluice-decap ARGS in
# the namespace; the exit status must be EXPECTED_RC and stdout+stderr must
# match the extended regex PATTERN.
run() {
	local want=$1 pat=$2 what=$3 rc
	shift 4
	timeout 20 ip netns exec "$NS" "$BIN" "$@" >"$TMP/out" 2>&1
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		failed "$what: exit $rc, expected $want; output:"
		sed 's/^/    /' "$TMP/out"
	elif ! grep -Eq -- "$pat" "$TMP/out"; then
		failed "$what: output does not match /$pat/:"
		sed 's/^/    /' "$TMP/out"
	else
		pass "$what"
	fi
}

prog_id() { ip netns exec "$NS" "$BIN" status "$IF" 2>/dev/null | sed -n 's/.*program id \([0-9]*\).*/\1/p' | head -1; }

ip netns del "$NS" 2>/dev/null
ip netns add "$NS" || exit 1
ip -n "$NS" link add "$IF" type veth peer name "$PEER" || exit 1
ip -n "$NS" link set "$IF" up && ip -n "$NS" link set "$PEER" up || exit 1

# Command line.
run 0 '^usage: sluice-decap attach' "--help" -- --help
run 0 '^sluice-decap [0-9]' "--version" -- --version
run 2 'no command' "no arguments" --
run 2 "unknown command 'frob'" "unknown command" -- frob "$IF"
run 2 'attach: no interface given' "attach without interface" -- attach
run 2 "unexpected argument 'x'" "extra argument" -- status "$IF" x
run 2 "unknown option '--frob'" "unknown option" -- attach "$IF" --frob
run 2 "'0' is not a port number" "--gue-port 0" -- attach "$IF" --gue-port 0
run 2 "'65536' is not a port number" "--gue-port 65536" -- attach "$IF" --gue-port 65536
run 2 "'6o80' is not a port number" "--gue-port 6o80" -- attach "$IF" --gue-port 6o80
run 2 'option --gue-port needs a value' "--gue-port without value" -- attach "$IF" --gue-port
run 2 "'fast' is not native or skb" "--mode fast" -- attach "$IF" --mode fast
run 2 "'10.99.1' is not an IPv4 or IPv6 address" "--dst 10.99.1" -- attach "$IF" --dst 10.99.1
run 2 'apply only to attach' "detach --gue-port" -- detach "$IF" --gue-port 6080
run 2 'apply only to attach' "status --mode" -- status "$IF" --mode skb

# Bad targets.
run 1 "unknown interface 'slxnosuch0'" "unknown interface" -- attach slxnosuch0
run 1 "unknown interface 'slxnosuch0'" "status of an unknown interface" -- status slxnosuch0
run 1 "BPF object '$TMP/none.o': No such file" "--obj missing" -- attach "$IF" --obj "$TMP/none.o"
echo "not an ELF file" >"$TMP/bad.o"
run 1 "BPF object '$TMP/bad.o': cannot open" "--obj not an object" -- attach "$IF" --obj "$TMP/bad.o"
run 1 "has no program 'sluice_decap'" "--obj of another program" -- attach "$IF" --obj "$FOREIGN"
run 1 "$IF: sluice-decap not attached \(no XDP program\)" "status, nothing attached" -- status "$IF"
run 0 "$IF: nothing attached" "detach, nothing attached" -- detach "$IF"

# Attach, status, replace, detach.
run 0 "attached to $IF \(native mode, program id [0-9]+\); GUE ports 6080; outer destinations: any" \
	"attach (defaults)" -- attach "$IF"
run 0 "gue ports: 6080$" "status shows the default GUE port" -- status "$IF"
run 0 "^  malformed +0 " "status shows counters" -- status "$IF"
id1=$(prog_id)
run 0 "replaced on $IF \(native mode, program id [0-9]+\); GUE ports 6080 7000" \
	"attach again replaces" -- attach "$IF" --gue-port 6080 --gue-port 7000 --gue-port 6080 \
	--dst 10.99.1.2 --dst fd00:99::1:2
id2=$(prog_id)
if [ -n "$id1" ] && [ -n "$id2" ] && [ "$id1" != "$id2" ]; then
	pass "replace: program id $id1 -> $id2"
else
	failed "replace: program id '$id1' -> '$id2'"
fi
run 0 "gue ports: (6080 7000|7000 6080)$" "status shows both GUE ports" -- status "$IF"
run 0 "outer destinations: 10.99.1.2 fd00:99::1:2$" "status shows the destinations" -- status "$IF"
run 1 "attached in native mode; detach it first" "attach --mode skb over native" -- \
	attach "$IF" --mode skb
run 0 "$IF: detached \(program id $id2, native mode\)" "detach" -- detach "$IF"
run 1 "not attached" "status after detach" -- status "$IF"
run 0 "attached to $IF \(skb mode, program id [0-9]+\)" "attach --mode skb" -- attach "$IF" --mode skb
run 0 "sluice-decap attached \(skb mode" "status in skb mode" -- status "$IF"
run 0 "replaced on $IF \(skb mode" "attach without --mode keeps skb" -- attach "$IF"
run 0 "detached \(program id [0-9]+, skb mode\)" "detach skb" -- detach "$IF"

# Someone else's program: left alone.
if ip -n "$NS" link set dev "$IF" xdpgeneric obj "$FOREIGN" sec xdp 2>"$TMP/ip.err"; then
	run 1 "'foreign_pass' \(id [0-9]+, skb mode\) is already attached and it is not sluice-decap" \
		"attach over a foreign program" -- attach "$IF"
	run 1 "'foreign_pass' \(id [0-9]+, skb mode\) is not sluice-decap; leaving it alone" \
		"detach of a foreign program" -- detach "$IF"
	run 1 "sluice-decap not attached; XDP program 'foreign_pass'" "status with a foreign program" \
		-- status "$IF"
	if ip -n "$NS" link show dev "$IF" | grep -q xdpgeneric; then
		pass "the foreign program is still attached"
	else
		failed "the foreign program was removed"
	fi
else
	failed "could not attach the foreign program: $(cat "$TMP/ip.err")"
fi

echo "cli.sh: $fails failed"
[ "$fails" -eq 0 ]
