/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Where alerts go: each event of the anomaly detector (sl_anomaly.h) becomes
 * one log line (its JSON) and, when alerts.hook.command is set, one run of
 * the hook.
 *
 * The hook contract (docs/OPERATIONS.md "The alert hook"): `/bin/sh -c
 * COMMAND` in its own process group, with the alert's JSON line (and a
 * newline) on standard input, followed by end of file; its key fields in
 * the environment (SLUICE_ALERT=name, SLUICE_ALERT_STATE, _SEVERITY, _ID,
 * _SUBJECT, _OBSERVED, _EXPECTED, _UNIT, _MESSAGE, and SLUICE_ALERT_JSON, the
 * whole line); standard output and error those of sluiced; other file
 * descriptors closed; signal mask and SIGPIPE/SIGCHLD dispositions reset.
 *
 * The control thread never waits for a hook:
 *  - the line is written into the pipe before the hook is started (it is
 *    shorter than PIPE_BUF, so the write into the empty pipe completes at
 *    once, non-blocking; no write ever meets a hook that already exited,
 *    so no SIGPIPE);
 *  - posix_spawn returns once the child has exec'd /bin/sh;
 *  - children are reaped with waitpid(WNOHANG) on every tick;
 *  - a hook still running after alerts.hook.timeout is killed (SIGKILL to
 *    its process group) and reaped on a later tick;
 *  - at most alerts.hook.max_running run at once: an event that finds them
 *    all busy does not run the hook and is counted as dropped.
 *
 * Thread: the control thread (or a test's); not thread-safe.
 */
#ifndef SL_ALERT_H
#define SL_ALERT_H

#include <stdint.h>

#include "sl_anomaly.h"
#include "sl_config.h"

/* How important a log line is (mapped to the daemon's log levels).  A
 * resolved line has the level of a warning whatever the alert's severity,
 * so that a log filtered at warning still pairs every raised line with its
 * resolved line. */
enum sl_alert_level {
	SL_ALERT_LOG_ERR = 0, /* a critical alert raised or repeated */
	SL_ALERT_LOG_WARNING, /* a warning alert raised or repeated; resolved; hook trouble */
};

/* Writes one line (no newline).  NULL: stderr. */
typedef void (*sl_alert_log_fn)(void *arg, enum sl_alert_level level, const char *line);

struct sl_alert_sink;

/* A sink with the hook settings of `cfg` (alerts.hook).  NULL on allocation
 * failure. */
struct sl_alert_sink *sl_alert_sink_create(const struct sl_config_alerts *cfg, sl_alert_log_fn log,
					   void *log_arg);
/* Kills the hooks still running (SIGKILL) and reaps them, then frees. */
void sl_alert_sink_free(struct sl_alert_sink *s);

/* New hook settings (reload).  Running hooks keep going under the new
 * timeout. */
void sl_alert_sink_configure(struct sl_alert_sink *s, const struct sl_config_alerts *cfg);

/* Log the event's line and run the hook for it (now_ms: the same monotonic
 * clock as sl_alert_sink_tick). */
void sl_alert_sink_emit(struct sl_alert_sink *s, const struct sl_alert_event *ev, uint64_t now_ms);

/* Reap finished hooks, kill the ones past their timeout.  Returns the
 * milliseconds until the next timeout (UINT32_MAX when no hook runs), for
 * the caller's wait. */
uint32_t sl_alert_sink_tick(struct sl_alert_sink *s, uint64_t now_ms);

struct sl_alert_hook_counts {
	uint64_t runs;	   /* hooks started */
	uint64_t dropped;  /* not started: max_running already running */
	uint64_t failed;   /* could not start, or exited with a status other than 0 */
	uint64_t timeouts; /* killed after alerts.hook.timeout */
	uint32_t running;  /* now */
};
void sl_alert_sink_counts(const struct sl_alert_sink *s, struct sl_alert_hook_counts *c);

#endif /* SL_ALERT_H */
