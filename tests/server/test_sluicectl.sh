#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# sluicectl against the control socket server with the fake API
# (fake_sluiced): every command's output, exit status and the API call it
# made, --help of every command, --json, usage errors and connection errors.
#
#   test_sluicectl.sh SLUICECTL FAKE_SLUICED EXPECTED_DIR
#
# Human output is compared byte for byte with EXPECTED_DIR/NAME.out (stdout)
# and NAME.err (stderr; absent = must be empty).  SLUICE_REGEN=1 rewrites
# those files from the current output instead (review the diff!).
set -euo pipefail

ctl=$(realpath "$1")
fake=$(realpath "$2")
here=$(cd "$(dirname "$0")" && pwd)
expected=$(cd "$3" && pwd)
export TZ=UTC LC_ALL=C
unset SLUICE_SOCKET

work=$(mktemp -d /tmp/sl-ctl-XXXXXX)
sock=$work/run/sluiced.sock
calls=$work/calls
fails=0
checks=0
fake_pid=

cleanup() {
	if [ -n "$fake_pid" ]; then
		exec {FAKE[1]}>&- 2>/dev/null || true # EOF on its stdin: it exits
		wait "$fake_pid" 2>/dev/null || true
	fi
	rm -rf "$work"
}
trap cleanup EXIT

coproc FAKE { exec "$fake" -s "$sock" --log "$calls"; }
fake_pid=$FAKE_PID
if ! read -r -t 10 line <&"${FAKE[0]}" || [ "$line" != ready ]; then
	echo "FAIL: fake_sluiced did not start" >&2
	exit 1
fi

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

# check NAME RC ARGS...: run sluicectl with ARGS, expect exit status RC and
# the golden stdout/stderr of NAME.
check() {
	local name=$1 rc=$2 got
	shift 2
	checks=$((checks + 1))
	set +e
	"$ctl" -s "$sock" "$@" >"$work/out" 2>"$work/err"
	got=$?
	set -e
	if [ "${SLUICE_REGEN:-0}" = 1 ]; then
		cp "$work/out" "$expected/$name.out"
		if [ -s "$work/err" ]; then cp "$work/err" "$expected/$name.err"; else rm -f "$expected/$name.err"; fi
	fi
	[ "$got" = "$rc" ] || fail "$name: exit status $got, expected $rc ($(head -c 300 "$work/err"))"
	if ! diff -u "$expected/$name.out" "$work/out" >"$work/diff"; then
		fail "$name: stdout differs:"
		cat "$work/diff" >&2
	fi
	if [ -f "$expected/$name.err" ]; then
		if ! diff -u "$expected/$name.err" "$work/err" >"$work/diff"; then
			fail "$name: stderr differs:"
			cat "$work/diff" >&2
		fi
	elif [ -s "$work/err" ]; then
		fail "$name: unexpected stderr: $(cat "$work/err")"
	fi
}

# status_only RC STDERR ARGS...: exit status and the exact stderr.
status_only() {
	local rc=$1 err=$2 got
	shift 2
	checks=$((checks + 1))
	set +e
	"$ctl" "$@" >"$work/out" 2>"$work/err"
	got=$?
	set -e
	[ "$got" = "$rc" ] || fail "sluicectl $*: exit status $got, expected $rc"
	[ "$(cat "$work/err")" = "$err" ] ||
		fail "sluicectl $*: stderr \"$(cat "$work/err")\", expected \"$err\""
}

# last_call LINE: the fake API's most recent call.
last_call() {
	local got
	checks=$((checks + 1))
	got=$(tail -n 1 "$calls")
	[ "$got" = "$1" ] || fail "last API call \"$got\", expected \"$1\""
}

# calls_since N LINES: the calls after the first N, exactly.
ncalls() { wc -l <"$calls"; }
calls_since() {
	local got
	checks=$((checks + 1))
	got=$(tail -n +"$(($1 + 1))" "$calls")
	[ "$got" = "$2" ] || fail "API calls \"$got\", expected \"$2\""
}

# json_ok PYTHON_EXPR ARGS...: --json output parses and EXPR (over `j`) holds.
json_ok() {
	local expr=$1
	shift
	checks=$((checks + 1))
	if ! "$ctl" -s "$sock" --json "$@" >"$work/out" 2>"$work/err"; then
		fail "--json $*: failed: $(cat "$work/err")"
		return
	fi
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
		"$work/out" "$expr" || fail "--json $*: $expr does not hold: $(head -c 400 "$work/out")"
}

VIP=10.99.100.1:80/tcp
VIP6='[fd00:99::1]:443/tcp'

# ---- help ----
check help 0 --help
check no-command 2
check unknown-command 2 frobnicate
check noun-alone 2 backend
check noun-help 0 backend --help
check unknown-verb 2 backend frob
check unknown-global-option 2 --frob status
: >"$work/allhelp"
while IFS=$'\t' read -r proto words; do
	# shellcheck disable=SC2086 # words are split on purpose
	if ! "$ctl" $words --help >>"$work/allhelp" 2>&1; then
		fail "$words --help: non-zero exit status"
	fi
	echo "----" >>"$work/allhelp"
	checks=$((checks + 1))
	# shellcheck disable=SC2086
	"$ctl" $words --help | head -n 1 | grep -qF "usage: sluicectl [OPTIONS] $words" ||
		fail "$words --help: no usage line"
	[ "$proto" = "${words// /.}" ] || fail "$words: protocol name $proto"
done < <("$ctl" --list-commands)
[ "${SLUICE_REGEN:-0}" = 1 ] && cp "$work/allhelp" "$expected/help-commands.out"
diff -u "$expected/help-commands.out" "$work/allhelp" >&2 || fail "help of the commands differs"

# sluicectl's commands are the server's (less "commands" itself)
python3 - "$sock" >"$work/server-cmds" <<'EOF'
import json, socket, struct, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
req = json.dumps({"version": 1, "id": 1, "command": "commands"}).encode()
s.sendall(struct.pack(">I", len(req)) + req)
def readn(n):
    b = b""
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise SystemExit("EOF")
        b += c
    return b
n = struct.unpack(">I", readn(4))[0]
r = json.loads(readn(n))
for c in r["result"]["commands"]:
    if c["name"] != "commands":
        print(c["name"])
EOF
checks=$((checks + 1))
diff <(sort "$work/server-cmds") <("$ctl" --list-commands | cut -f1 | sort) >&2 ||
	fail "sluicectl and the server do not have the same commands"

# ---- queries ----
check status 0 status
check vip-list 0 vip list
check vip-show 0 vip show $VIP
last_call "vip_show vip=$VIP"
check backend-list 0 backend list
check backend-list-vip 0 backend list "$VIP6"
last_call "backend_list vip=$VIP6"
check health 0 health
check stats 0 stats
check flows-count 0 flows count
check alerts 0 alerts
check table 0 table
check table-vip 0 table $VIP
check config-show 0 config show
check config-show-gen 0 config show 6
last_call "config_show generation=6"
check config-history 0 config history
check config-diff 0 config diff
check config-diff-5-6 0 config diff 5 6
last_call "config_diff from=5 to=6"

# ---- top ----
# Frames without a terminal: the fake's counters do not move, so every rate
# is 0 whatever the time between the two samples; the unit test (test_top.c)
# checks rates from moving counters.  `table` is asked once: the generation
# does not change between the samples.  The header names the socket as
# given: a relative path keeps the expected output free of $work.
cd "$work"
n=$(ncalls)
check top-once 0 -s run/sluiced.sock top --once -d 0.1
calls_since "$n" "status
stats
vip_list
backend_list vip=(all)
health
alerts
table vip=(all)
status
stats
vip_list
backend_list vip=(all)
health
alerts"
check top-vip 0 -s run/sluiced.sock top "$VIP6" -n 2 -d 0.1
cd - >/dev/null
check top-help 0 top --help
check top-bad-delay 2 top -d 0
check top-bad-count 2 top -n x
check top-once-and-n 2 top --once -n 3
check top-json 2 --json top
check top-extra-arg 2 top $VIP "$VIP6"
status_only 3 "sluicectl: top: cannot connect to $work/nowhere.sock: No such file or directory" \
	-s "$work/nowhere.sock" top --once
# On a terminal: q, Ctrl-C, SIGTERM and a resize; each leaves the terminal as
# it was and exits 0.
for how in q ctrl-c sigterm resize; do
	checks=$((checks + 1))
	python3 "$here/top_pty.py" "$ctl" "$sock" "$how" >"$work/pty.out" 2>&1 ||
		fail "top on a terminal ($how): $(cat "$work/pty.out")"
done

json_ok 'j["generation"] == 7 and len(j["workers"]) == 2' status
json_ok 'j["vips"][1]["vip"] == "[fd00:99::1]:443/tcp"' vip list
json_ok 'len(j["backends"]) == 3 and j["vip"] == "10.99.100.1:80/tcp"' vip show $VIP
json_ok 'len(j["backends"]) == 4' backend list
json_ok 'j["targets"][2]["up"] is False' health
json_ok 'j["drops"]["no_vip"] == 550' stats
json_ok 'j["flows"] == 1235170' flows count
json_ok 'j["alerts"][1]["alert"] == "vip_empty" and j["hook"]["dropped"] == 1' alerts
json_ok 'j["vips"][0]["fingerprint"] == "3f2a9c0d5e6b7a81"' table
json_ok '"ports:" in j["yaml"]' config show
json_ok 'len(j["generations"]) == 3' config history
json_ok 'j["from"] == 6 and j["to"] == 7' config diff
json_ok 'j["ok"] is True' config check

# ---- changes ----
n=$(ncalls)
check weight-dry-run 0 backend weight $VIP 10.99.1.1 50 --dry-run
last_call "backend_weight uid=0 origin=cli dry_run=1 guard_ms=0 vip=$VIP address=10.99.1.1 weight=50"
check weight 0 backend weight $VIP 10.99.1.1 50
last_call "backend_weight uid=0 origin=cli dry_run=0 guard_ms=0 vip=$VIP address=10.99.1.1 weight=50"
json_ok 'j["generation"] == 9 and j["preview"]["flows_moving"] == 120' backend weight $VIP 10.99.1.1 0
json_ok 'j["dry_run"] is True and j["preview"]["vips"][0]["slots_moved"] == 8738' \
	backend drain $VIP 10.99.1.2 --dry-run
check backend-add 0 backend add $VIP 10.99.1.9 weight=5 pool=backup
n=$(($(ncalls) - 2))
calls_since "$n" "parse_backend {\"address\":\"10.99.1.9\",\"pool\":\"backup\",\"weight\":5}
backend_add uid=0 origin=cli dry_run=0 guard_ms=0 vip=$VIP address=10.99.1.9 weight=5 pool=backup state=enabled"
check backend-del 0 backend del $VIP 10.99.1.2 --dry-run
last_call "backend_del uid=0 origin=cli dry_run=1 guard_ms=0 vip=$VIP address=10.99.1.2"
for v in drain enable disable; do
	checks=$((checks + 1))
	"$ctl" -s "$sock" backend $v $VIP 10.99.1.2 >/dev/null || fail "backend $v"
done
n=$(($(ncalls) - 3))
calls_since "$n" "backend_state uid=0 origin=cli dry_run=0 guard_ms=0 vip=$VIP address=10.99.1.2 state=draining
backend_state uid=0 origin=cli dry_run=0 guard_ms=0 vip=$VIP address=10.99.1.2 state=enabled
backend_state uid=0 origin=cli dry_run=0 guard_ms=0 vip=$VIP address=10.99.1.2 state=disabled"
check vip-add 0 vip add 10.99.100.3:any/udp encap=gue health.type=udp health.port=53 \
	health.send=ping slow_start=30s backend=10.99.1.7 backend=10.99.1.8@20 --dry-run
n=$(($(ncalls) - 2))
calls_since "$n" 'parse_vip {"address":"10.99.100.3","backends":[{"address":"10.99.1.7"},{"address":"10.99.1.8","weight":20}],"encap":"gue","health":{"port":53,"send":"ping","type":"udp"},"port":"any","protocol":"udp","slow_start":"30s"}
vip_add uid=0 origin=cli dry_run=1 guard_ms=0 vip=10.99.100.3:any/udp backends=2'
check vip-add-v6 0 vip add '[fd00:99::2]:443/tcp' encap=ip6ip6
last_call "vip_add uid=0 origin=cli dry_run=0 guard_ms=0 vip=[fd00:99::2]:443/tcp backends=0"
check vip-del 0 vip del "$VIP6"
last_call "vip_del uid=0 origin=cli dry_run=0 guard_ms=0 vip=$VIP6"
check vip-set 0 vip set $VIP slow_start=30s health.interval=5s health.rise=3 panic_mode=closed
last_call "vip_set uid=0 origin=cli dry_run=0 guard_ms=0 vip=$VIP settings={\"slow_start\":\"30s\",\"health\":{\"interval\":\"5s\",\"rise\":3},\"panic_mode\":\"closed\"}"
check rollback-dry-run 0 config rollback 6 --dry-run
last_call "config_rollback uid=0 origin=cli dry_run=1 guard_ms=0 generation=6"
check rollback 0 config rollback
last_call "config_rollback uid=0 origin=cli dry_run=0 guard_ms=0 generation=0"

# ---- config files ----
printf 'vips: []\n' >"$work/ok.yaml"
printf '# warn me\nvips: []\n' >"$work/warn.yaml"
printf '# an error\nvips: []\n' >"$work/bad.yaml"
printf '# rollback-me\nvips: []\n' >"$work/rb.yaml"
printf '# rollback-quiet\nvips: []\n' >"$work/rbq.yaml"
cd "$work"
check check-ok 0 config check ok.yaml
last_call "config_check path=ok.yaml text=9"
check check-warn 0 config check warn.yaml
check check-bad 1 config check bad.yaml
check check-missing 1 config check missing.yaml
check check-own 0 config check
last_call "config_check path=(null) text=0"
check check-stdin 0 config check - <ok.yaml
last_call "config_check path=(stdin) text=9"
# files too large for a request: refused before sending (exit 1), whether the
# file itself or its JSON encoding (newlines double) is too large
head -c 1048577 /dev/zero | tr '\0' '#' >big.yaml
python3 -c 'import sys; sys.stdout.write("\n" * 600000)' >newlines.yaml
n=$(ncalls)
check apply-too-big 1 config apply big.yaml
check apply-too-big-encoded 1 config apply newlines.yaml
calls_since "$n" ""
check apply 0 config apply ok.yaml
last_call "config_apply uid=0 origin=cli dry_run=0 guard_ms=0 path=ok.yaml text=9"
check apply-dry-run 0 config apply --dry-run ok.yaml
check apply-bad 1 config apply bad.yaml
check apply-reload 0 config apply
last_call "config_apply uid=0 origin=cli dry_run=0 guard_ms=0 path=(null) text=0"
n=$(ncalls)
check apply-guard-kept 0 config apply --guard 1s ok.yaml
# apply (+ the server's status for the deadline), then the CLI's polls
calls_since "$n" "config_apply uid=0 origin=cli dry_run=0 guard_ms=1000 path=ok.yaml text=9
status
status
status
config_history"
check apply-guard-rolled-back 1 config apply --guard=2m rb.yaml
check apply-guard-rolled-back-quiet 1 config apply --guard 1s rbq.yaml
json_ok 'j["guard"]["outcome"] == "kept" and j["apply"]["guard"]["remaining_ms"] == 20' config apply --guard 5s ok.yaml
cd - >/dev/null

# ---- errors ----
check no-vip 1 backend weight 10.99.100.9:80/tcp 10.99.1.1 50
check no-vip-json 1 --json vip show 10.99.100.9:80/tcp
check weight-not-a-number 2 backend weight $VIP 10.99.1.1 fifty
check missing-args 2 backend weight $VIP 10.99.1.1
check too-many-args 2 vip show $VIP extra
check dry-run-on-query 2 status --dry-run
check bad-guard 2 config apply --guard 30 x.yaml
check dry-run-and-guard 2 config apply --dry-run --guard 1s x.yaml
check bad-kv 2 vip set $VIP Slow-Start=1s
check bad-vip-ref 2 vip add 10.99.100.3 encap=ipip
status_only 3 "sluicectl: status: cannot connect to $work/nowhere.sock: No such file or directory" \
	-s "$work/nowhere.sock" status
checks=$((checks + 1))
SLUICE_SOCKET=$sock "$ctl" status >/dev/null || fail "SLUICE_SOCKET is not used"
checks=$((checks + 1))
[ "$("$ctl" --version)" = "sluicectl 0.1.0 (control protocol 1)" ] || fail "--version"

# a daemon that accepts but never answers: bounded by --timeout
exec {mute}< <(python3 -c '
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(4)
print("ready", flush=True)
c, _ = s.accept()
time.sleep(5)
' "$work/mute.sock")
mute_pid=$!
read -r -t 10 line <&"$mute" || fail "the mute server did not start"
status_only 3 "sluicectl: status: no answer from $work/mute.sock within 0.2 s" \
	-s "$work/mute.sock" --timeout 200ms status
kill "$mute_pid" 2>/dev/null || true
exec {mute}<&-

# the server exits cleanly when its stdin closes (and, under ASan, leaks
# nothing: a leak makes the exit status non-zero)
exec {FAKE[1]}>&-
checks=$((checks + 1))
set +e
wait "$fake_pid"
rc=$?
set -e
fake_pid=
[ "$rc" = 0 ] || fail "fake_sluiced exited with $rc"

echo "sluicectl: $checks checks, $fails failed"
[ "$fails" = 0 ]
