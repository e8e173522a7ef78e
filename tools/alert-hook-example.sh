#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# An example alert hook for sluiced (alerts.hook.command; contract in
# docs/OPERATIONS.md, "The alert hook").  sluiced runs it once per alert
# line (raised, repeat, resolved) with:
#   stdin            the alert's JSON line, then end of file
#   SLUICE_ALERT     the alert's name (skew, drop_spike, rx_missed,
#                    nonsyn_burst, flapping, latency, vip_empty)
#   SLUICE_ALERT_STATE, _SEVERITY, _ID, _SUBJECT, _OBSERVED, _EXPECTED,
#   _UNIT, _MESSAGE, and SLUICE_ALERT_JSON (the whole line)
# It must finish within alerts.hook.timeout (then it is killed, with every
# process it started) and should be quick: at most alerts.hook.max_running
# hooks run at once, and an alert that finds them all busy does not run one.
#
# This one appends every line to a file and, when WEBHOOK_URL is set, posts
# the JSON there (with a short timeout of its own).  Install it where
# sluiced can run it, e.g.:
#   alerts:
#     hook:
#       command: /usr/local/share/sluice/alert-hook-example.sh
# Its output goes to sluiced's log.
set -u

LOG=${SLUICE_ALERT_LOG:-/var/log/sluice/alerts.jsonl}

line=$(cat) # the JSON line (one line, shorter than 4 KiB)

mkdir -p "$(dirname "$LOG")" 2>/dev/null
printf '%s\n' "$line" >>"$LOG" || echo "alert-hook: cannot append to $LOG" >&2

# Page only for what needs a person now; the rest is in the file.
case "$SLUICE_ALERT_SEVERITY/$SLUICE_ALERT_STATE" in
critical/raised | critical/resolved)
	echo "alert-hook: $SLUICE_ALERT_STATE $SLUICE_ALERT ($SLUICE_ALERT_SUBJECT): $SLUICE_ALERT_MESSAGE" >&2
	;;
esac

if [ -n "${WEBHOOK_URL:-}" ] && command -v curl >/dev/null 2>&1; then
	printf '%s' "$line" | curl -sS --max-time 5 -H 'Content-Type: application/json' \
		--data-binary @- "$WEBHOOK_URL" >/dev/null ||
		echo "alert-hook: post to $WEBHOOK_URL failed (alert $SLUICE_ALERT_ID)" >&2
fi
exit 0
