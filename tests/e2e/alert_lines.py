#!/usr/bin/env python3
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
"""The alert lines of a sluiced log, for tests/e2e/alerts.sh.

    alert_lines.py LOG [FROM_LINE]        one line per alert line after line FROM_LINE:
                                          "STATE ALERT SUBJECT id=ID"
    alert_lines.py --json LOG [FROM_LINE] the alert lines' JSON objects, one per line

SUBJECT is the subject object as key=value pairs in its order.  A log line is
an alert line when what follows "sluice: " is a JSON object with an "alert"
key (docs/OPERATIONS.md, "Alerts").  A line that starts like one but is not
valid JSON is printed as "INVALID ..." so that the test fails on it.
"""
import json
import sys


def main():
    args = sys.argv[1:]
    raw = bool(args) and args[0] == "--json"
    if raw:
        args = args[1:]
    if len(args) not in (1, 2):
        sys.stderr.write(__doc__)
        return 2
    start = int(args[1]) if len(args) == 2 else 0
    with open(args[0], errors="replace") as f:
        lines = f.read().splitlines()[start:]
    for line in lines:
        i = line.find('{"alert":')
        if i < 0:
            continue
        try:
            a = json.loads(line[i:])
        except ValueError:
            print("INVALID " + line[i:i + 80])
            continue
        if raw:
            print(json.dumps(a, sort_keys=True))
            continue
        subj = " ".join("%s=%s" % (k, v) for k, v in a.get("subject", {}).items())
        print("%s %s %s id=%s" % (a.get("state"), a.get("alert"), subj, a.get("id")))
    return 0


if __name__ == "__main__":
    sys.exit(main())
