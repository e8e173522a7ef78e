/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * `sluicectl top`: a live view of a running sluiced, built from the control
 * socket's existing read-only commands (status, stats, vip.list,
 * backend.list, health, table, and alerts when the daemon has it).
 *
 * Split in two so the rendering is testable without a terminal or a daemon:
 * sl_top_render() turns two samples (replies and the time they were taken)
 * into the text of one frame; sl_top_main() owns the terminal, the refresh
 * loop and the keys.  Everything here runs on sluicectl's only thread.
 * docs/CLI.md ("top") describes the screen.
 */
#ifndef SL_TOP_H
#define SL_TOP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include <jansson.h>

/* One request to the daemon.  Returns the response's `result` (a new
 * reference) when its status is 0.  Otherwise NULL with *status set to the
 * daemon's status (a positive errno: ENOSYS for a command it does not have)
 * or to -1 when the daemon could not be reached or did not answer properly;
 * msg (msg_len bytes) says why.  Must not print. */
typedef json_t *(*sl_top_call_fn)(void *arg, const char *command, int *status, char *msg,
				  size_t msg_len);

/* The replies of one refresh.  Any of them may be NULL (not asked, or the
 * daemon has no such command); the renderer shows "-" for what it lacks. */
struct sl_top_sample {
	json_t *status;	  /* status */
	json_t *stats;	  /* stats */
	json_t *vips;	  /* vip.list */
	json_t *backends; /* backend.list */
	json_t *health;	  /* health */
	json_t *table;	  /* table (fetched again only when the generation changes) */
	json_t *alerts;	  /* alerts; NULL when the daemon has no such command */
	double t;	  /* when the counters were read: seconds on a monotonic clock */
};

/* How a frame is laid out. */
struct sl_top_view {
	const char *daemon;	/* what the header names the daemon by (its socket) */
	const char *only_vip;	/* show only this VIP's backends, or NULL */
	double interval_s;	/* the refresh interval, for the header */
	unsigned width, height; /* terminal size; 0 = no limit (not a terminal) */
	unsigned scroll;	/* first body line shown; the renderer clamps it */
	bool tty;		/* bold headings and a key line at the bottom */
	const char *error;	/* the last refresh failed: this, in the header */
};

/* Writes the frame of `cur` (rates over cur->t - prev->t; prev NULL: counters
 * only, rates "-") to out: header lines, the body from view->scroll, and on a
 * tty with a height a key line on the last row; never more than view->height
 * lines and never wider than view->width columns.  Without view->tty no
 * escape sequence is written.  view->scroll is clamped so that the last page
 * is full.  Returns the number of body lines. */
size_t sl_top_render(FILE *out, const struct sl_top_sample *prev, const struct sl_top_sample *cur,
		     struct sl_top_view *view);

/* Drops the references of s and zeroes it. */
void sl_top_sample_clear(struct sl_top_sample *s);

/* `sluicectl top [-d SECONDS] [-n COUNT] [--once] [VIP]`: argv holds the
 * command's arguments (not "top" itself).  Runs until q, Ctrl-C, SIGTERM or
 * SIGHUP on a terminal; prints COUNT frames (1 with --once) without escapes
 * when stdout is not a terminal or -n/--once is given.  Returns sluicectl's
 * exit status: 0, 1 (the daemon refused a query), 2 (usage), 3 (no daemon). */
int sl_top_main(sl_top_call_fn call, void *arg, const char *daemon, int argc, char **argv);

#endif /* SL_TOP_H */
