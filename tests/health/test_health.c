/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Unit tests for the health checker's scheduling and state machine
 * (control/sl_health.c) with an injected clock and fake check ops: no
 * sockets, no sleeps.  The clock is stepped 1 ms at a time with a call to
 * sl_health_run at every step, and every check is counted, so the timing
 * contract of sl_health.h is asserted exactly:
 *   - a backend that stops answering at t is down by t + interval*fall +
 *     timeout, after exactly `fall` failed checks;
 *   - one that comes back is up after exactly `rise` successes, within
 *     rise*interval;
 *   - checks start interval - [0, jitter] after the previous start, never
 *     later, with at most one in flight per target.
 * The fake ops decide a check from the backend's mode (indexed by the last
 * byte of its 10.99.x.y address): at once (ok / refused), never ("hang":
 * pending until the timeout), or later through a pipe the test writes to.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <unistd.h>

#include <cmocka.h>

#include "sl_health.h"
#include "sl_parse.h"

/* ---------------------------------------------------------------- fakes */

enum mode { M_OK = 0, M_REFUSE, M_HANG, M_PIPE };

#define NB_ADDR	   256
#define MAX_STARTS 4096

struct fake_backend {
	enum mode mode;
	unsigned starts, stops, in_flight, max_in_flight;
	uint64_t start_ms[MAX_STARTS]; /* clock at each start */
	int pipe_w;		       /* M_PIPE: write end of the check in flight */
};

struct fake_ctx {
	unsigned b;
	int fd; /* M_PIPE: read end, else -1 */
};

static struct fake_backend fb[NB_ADDR];
static uint64_t clk; /* the injected clock, ms */

static uint64_t fake_clock(void *arg)
{
	(void)arg;
	return clk;
}

static int fake_start(void **ctx, const struct sl_hc_spec *spec, uint32_t *events, int *done,
		      bool *ok, char *msg, size_t msg_len)
{
	unsigned b = spec->addr[3];
	struct fake_backend *f = &fb[b];
	struct fake_ctx *c;
	int p[2];

	if (f->starts < MAX_STARTS)
		f->start_ms[f->starts] = clk;
	f->starts++;
	switch (f->mode) {
	case M_OK:
		*done = 1;
		*ok = true;
		return -1;
	case M_REFUSE:
		*done = 1;
		*ok = false;
		snprintf(msg, msg_len, "connection refused");
		return -1;
	case M_HANG:
	case M_PIPE:
		break;
	}
	c = malloc(sizeof(*c));
	assert_non_null(c);
	c->b = b;
	c->fd = -1;
	f->in_flight++;
	if (f->in_flight > f->max_in_flight)
		f->max_in_flight = f->in_flight;
	*ctx = c;
	if (f->mode == M_HANG)
		return -1; /* *done stays 0: pending until the timeout */
	assert_int_equal(pipe2(p, O_NONBLOCK | O_CLOEXEC), 0);
	c->fd = p[0];
	f->pipe_w = p[1];
	*events = EPOLLIN;
	return p[0];
}

/* The test wrote 'y' (success) or 'n' (failure) into the pipe. */
static int fake_step(void *ctx, uint32_t revents, uint32_t *events, bool *ok, char *msg,
		     size_t msg_len)
{
	struct fake_ctx *c = ctx;
	char x;

	(void)events;
	assert_true(revents & EPOLLIN);
	assert_int_equal(read(c->fd, &x, 1), 1);
	*ok = x == 'y';
	if (!*ok)
		snprintf(msg, msg_len, "fake no");
	return 1;
}

static void fake_stop(void *ctx)
{
	struct fake_ctx *c = ctx;
	struct fake_backend *f = &fb[c->b];

	assert_true(f->in_flight > 0);
	f->in_flight--;
	f->stops++;
	if (c->fd >= 0) {
		close(c->fd);
		close(f->pipe_w);
		f->pipe_w = -1;
	}
	free(c);
}

static const struct sl_hc_ops fake_ops = {
    .start = fake_start,
    .step = fake_step,
    .stop = fake_stop,
};
static const struct sl_hc_ops *const fake_table[4] = {
    [SL_HC_TCP] = &fake_ops,
    [SL_HC_HTTP] = &fake_ops,
    [SL_HC_UDP] = &fake_ops,
};

/* on_change log */
struct change {
	int target;
	bool up;
	uint64_t at;
	uint64_t checks, failures; /* of the target, when it changed */
};
static struct change changes[64];
static unsigned nb_changes;
static struct sl_health *cur; /* for the callback */
static int unref_on_change = -1;
static int unref_pair[2] = {-1, -1};

static void on_change(void *arg, int target, bool up)
{
	const struct sl_hc_status *st = sl_health_status(cur, target);

	assert_ptr_equal(arg, &changes);
	assert_non_null(st);
	assert_int_equal(st->up, up);
	assert_true(nb_changes < 64);
	changes[nb_changes++] = (struct change){target, up, clk, st->checks, st->failures};
	if (target == unref_on_change)
		sl_health_unref(cur, target); /* allowed from the callback */
	if (target == unref_pair[0] || target == unref_pair[1]) {
		int other = target == unref_pair[0] ? unref_pair[1] : unref_pair[0];
		struct sl_hc_spec s = *sl_health_spec(cur, target);

		sl_health_unref(cur, other);
		s.hc.port = 4242;
		assert_int_equal(sl_health_ref(cur, &s), other);
		unref_pair[0] = unref_pair[1] = -1;
	}
}

static int setup(void **state)
{
	(void)state;
	memset(fb, 0, sizeof(fb));
	for (unsigned i = 0; i < NB_ADDR; i++)
		fb[i].pipe_w = -1;
	clk = 1000000; /* not 0: phases are relative to when a target is added */
	nb_changes = 0;
	unref_on_change = -1;
	unref_pair[0] = unref_pair[1] = -1;
	cur = sl_health_create(fake_clock, NULL, on_change, &changes, fake_table);
	assert_non_null(cur);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	sl_health_free(cur);
	cur = NULL;
	/* Every check that did not end at once was stopped exactly once. */
	for (unsigned i = 0; i < NB_ADDR; i++)
		assert_int_equal(fb[i].in_flight, 0);
	return 0;
}

static struct sl_hc_spec mkspec(unsigned b, uint32_t interval, uint32_t timeout, uint32_t jitter,
				uint8_t rise, uint8_t fall)
{
	struct sl_hc_spec s;

	memset(&s, 0, sizeof(s));
	s.family = SL_AF_INET;
	s.addr[0] = 10;
	s.addr[1] = 99;
	s.addr[2] = (uint8_t)(b >> 8);
	s.addr[3] = (uint8_t)b;
	s.hc.kind = SL_HC_TCP;
	s.hc.port = 80;
	s.hc.interval_ms = interval;
	s.hc.timeout_ms = timeout;
	s.hc.jitter_ms = jitter;
	s.hc.rise = rise;
	s.hc.fall = fall;
	return s;
}

/* Run at the current ms, then step the clock 1 ms at a time, `ms` times. */
static void advance(uint64_t ms)
{
	sl_health_run(cur);
	for (uint64_t i = 0; i < ms; i++) {
		clk++;
		sl_health_run(cur);
	}
}

/* Step until target's up == want (at most `limit` ms); returns the ms it
 * changed at. */
static uint64_t advance_until(int target, bool want, uint64_t limit)
{
	sl_health_run(cur);
	for (uint64_t i = 0; i < limit && sl_health_up(cur, target) != want; i++) {
		clk++;
		sl_health_run(cur);
	}
	assert_int_equal(sl_health_up(cur, target), want);
	return clk;
}

/* ---------------------------------------------------------------- bounds */

/* Kill the backend at many offsets inside an interval, each time assert the
 * down bound and count, then revive it and assert the up bound and count.
 * With jitter 0 the down time is exact: the last start before the kill plus
 * fall intervals plus the timeout. */
static void bounds(uint32_t jitter)
{
	const uint32_t interval = 1000, timeout = 300;
	const uint8_t fall = 3, rise = 2;
	struct sl_hc_spec s = mkspec(1, interval, timeout, jitter, rise, fall);
	struct fake_backend *f = &fb[1];
	int id = sl_health_ref(cur, &s);
	const struct sl_hc_status *st = sl_health_status(cur, id);
	unsigned nb_gaps = 0, nb_short = 0;

	assert_true(id >= 0);
	advance(3 * interval);
	assert_true(sl_health_up(cur, id));
	assert_int_equal(st->checks, 3);
	assert_int_equal(st->failures, 0);
	assert_int_equal(nb_changes, 0);

	for (uint64_t off = 0; off < interval; off += 50) {
		uint64_t last_start;
		uint64_t t, down_at, up_at, checks0, fail0, starts0;
		struct change *c;

		/* Kill at a different point of the schedule each round (the
		 * checks succeed at once: none is in flight). */
		advance(off);
		assert_int_equal(f->in_flight, 0);
		last_start = f->start_ms[f->starts - 1];
		t = clk;
		f->mode = M_HANG;
		checks0 = st->checks;
		fail0 = st->failures;
		starts0 = f->starts;
		down_at = advance_until(id, false, 10 * interval);
		assert_int_equal(nb_changes % 2, 1);
		c = &changes[nb_changes - 1];
		assert_int_equal(c->target, id);
		assert_false(c->up);
		assert_int_equal(c->at, down_at);
		assert_true(down_at <= t + (uint64_t)interval * fall + timeout);
		if (jitter == 0)
			assert_int_equal(down_at, last_start + (uint64_t)interval * fall + timeout);
		/* exactly `fall` checks after t, all failed by timeout */
		assert_int_equal(c->checks - checks0, fall);
		assert_int_equal(c->failures - fail0, fall);
		assert_int_equal(f->starts - starts0, fall);
		assert_string_equal(st->last_result, "timeout");
		assert_int_equal(st->fall_count, fall);

		/* Revive while down: a check may be in flight (hanging); it
		 * times out as one more failure, then `rise` successes. */
		advance(off / 2);
		t = clk;
		f->mode = M_OK;
		checks0 = st->checks;
		fail0 = st->failures;
		up_at = advance_until(id, true, 10 * interval);
		c = &changes[nb_changes - 1];
		assert_true(c->up);
		assert_int_equal(c->at, up_at);
		assert_true(up_at <= t + (uint64_t)interval * rise);
		assert_int_equal((c->checks - checks0) - (c->failures - fail0), rise);
		assert_true(c->failures - fail0 <= 1);
		assert_int_equal(st->rise_count, rise);
		assert_string_equal(st->last_result, "ok");
	}
	assert_int_equal(st->transitions, nb_changes);
	assert_int_equal(nb_changes, 2 * (interval / 50));

	/* Every gap between two starts is in [interval - jitter, interval]:
	 * early by the jitter at most, never late. */
	for (unsigned i = 1; i < f->starts && i < MAX_STARTS; i++) {
		uint64_t gap = f->start_ms[i] - f->start_ms[i - 1];

		assert_true(gap <= interval);
		assert_true(gap >= interval - jitter);
		nb_gaps++;
		nb_short += gap < interval;
	}
	assert_true(nb_gaps > 50);
	if (jitter == 0)
		assert_int_equal(nb_short, 0);
	else
		assert_true(nb_short > nb_gaps / 2); /* the jitter is used */
	assert_int_equal(f->max_in_flight, 1);
}

static void test_bounds_no_jitter(void **state)
{
	(void)state;
	bounds(0);
}

static void test_bounds_jitter(void **state)
{
	(void)state;
	bounds(200);
}

/* A backend that refuses at once: down after `fall` checks, without the
 * timeout, by t + interval*fall. */
static void test_bounds_refused(void **state)
{
	struct sl_hc_spec s = mkspec(2, 500, 200, 100, 1, 2);
	int id = sl_health_ref(cur, &s);
	uint64_t t, down_at;

	(void)state;
	advance(1234);
	t = clk;
	fb[2].mode = M_REFUSE;
	down_at = advance_until(id, false, 5000);
	assert_true(down_at <= t + 500 * 2);
	assert_int_equal(changes[0].failures, 2);
	assert_string_equal(sl_health_status(cur, id)->last_result, "connection refused");
	/* rise 1: up at the first success */
	fb[2].mode = M_OK;
	t = clk;
	assert_true(advance_until(id, true, 5000) <= t + 500);
	assert_int_equal(nb_changes, 2);
}

/* ---------------------------------------------------------------- initial state */

static void test_initial_starting_up(void **state)
{
	struct sl_hc_spec s = mkspec(3, 1000, 300, 100, 2, 3);
	const struct sl_hc_status *st;
	uint64_t t0 = clk;
	int id;

	(void)state;
	fb[3].mode = M_HANG; /* dead from the start */
	id = sl_health_ref(cur, &s);
	st = sl_health_status(cur, id);
	assert_true(sl_health_up(cur, id));
	assert_false(st->checked);
	assert_int_equal(st->checks, 0);
	/* down after fall checks, the first at its phase inside the first
	 * interval: by t0 + interval*fall + timeout */
	assert_true(advance_until(id, false, 10000) <= t0 + 1000 * 3 + 300);
	assert_true(fb[3].start_ms[0] - t0 < 1000);
	assert_int_equal(st->checks, 3);
	assert_int_equal(nb_changes, 1);
	assert_int_equal(st->transitions, 1);
}

static void test_initial_started_down(void **state)
{
	struct sl_hc_spec a = mkspec(4, 1000, 300, 100, 3, 3);
	struct sl_hc_spec b = mkspec(5, 1000, 300, 100, 3, 3);
	const struct sl_hc_status *st;
	int ida, idb;

	(void)state;
	sl_health_started(cur);
	ida = sl_health_ref(cur, &a);
	st = sl_health_status(cur, ida);
	assert_false(sl_health_up(cur, ida));
	assert_false(st->checked);
	/* checked at once: at the same ms, and up after this one success
	 * although rise is 3 */
	sl_health_run(cur);
	assert_int_equal(fb[4].starts, 1);
	assert_int_equal(fb[4].start_ms[0], clk);
	assert_true(sl_health_up(cur, ida));
	assert_int_equal(st->checks, 1);
	assert_int_equal(st->transitions, 1);
	assert_int_equal(nb_changes, 1);
	assert_true(changes[0].up);

	/* A first check that fails: an ordinary down target, rise successes */
	fb[5].mode = M_REFUSE;
	idb = sl_health_ref(cur, &b);
	sl_health_run(cur);
	assert_int_equal(fb[5].starts, 1);
	assert_false(sl_health_up(cur, idb));
	assert_int_equal(nb_changes, 1); /* down -> down is no change */
	fb[5].mode = M_OK;
	advance_until(idb, true, 10000);
	assert_int_equal(sl_health_status(cur, idb)->checks - 1, 3);
	assert_int_equal(nb_changes, 2);

	/* One more reference keeps the state, no new check at once */
	unsigned starts = fb[4].starts;

	assert_int_equal(sl_health_ref(cur, &a), ida);
	sl_health_run(cur);
	assert_true(sl_health_up(cur, ida));
	assert_int_equal(fb[4].starts, starts);
	sl_health_unref(cur, ida);
	sl_health_unref(cur, ida);
	sl_health_unref(cur, idb);
}

/* ---------------------------------------------------------------- jitter */

/* 100 targets added at the same ms: first checks all inside the first
 * interval and spread, the same in a second checker (deterministic). */
static void test_jitter_spreads_first_checks(void **state)
{
	struct sl_health *h2 = sl_health_create(fake_clock, NULL, NULL, NULL, fake_table);
	uint64_t t0 = clk, first[100];
	unsigned distinct = 0, starts1[100];
	int ids[100];

	(void)state;
	assert_non_null(h2);
	for (unsigned i = 0; i < 100; i++) {
		struct sl_hc_spec s = mkspec(i, 1000, 300, 0, 2, 3);

		ids[i] = sl_health_ref(cur, &s);
		assert_int_equal(ids[i], (int)i);
	}
	assert_int_equal(sl_health_count(cur), 100);
	advance(999);
	for (unsigned i = 0; i < 100; i++) {
		assert_int_equal(fb[i].starts, 1);
		first[i] = fb[i].start_ms[0];
		assert_true(first[i] >= t0 && first[i] < t0 + 1000);
		bool seen = false;

		for (unsigned j = 0; j < i; j++)
			seen = seen || first[j] == first[i];
		distinct += !seen;
	}
	assert_true(distinct > 50);

	/* Same specs, same phases in another instance. */
	clk = t0;
	for (unsigned i = 0; i < 100; i++) {
		struct sl_hc_spec s = mkspec(i, 1000, 300, 0, 2, 3);

		starts1[i] = fb[i].starts;
		assert_true(sl_health_ref(h2, &s) >= 0);
	}
	for (unsigned ms = 0; ms < 1000; ms++, clk++)
		sl_health_run(h2);
	for (unsigned i = 0; i < 100; i++) {
		assert_int_equal(fb[i].starts, starts1[i] + 1);
		assert_int_equal(fb[i].start_ms[1], first[i]);
	}
	sl_health_free(h2);
}

/* ---------------------------------------------------------------- dedup */

static void test_dedup(void **state)
{
	struct sl_hc_spec a = mkspec(7, 1000, 300, 100, 2, 3), b;
	const struct sl_hc_status *st;
	int id, id2;

	(void)state;
	fb[7].mode = M_HANG;
	id = sl_health_ref(cur, &a);
	assert_true(id >= 0);
	/* Equal after canonicalisation: bytes the kind does not use. */
	b = a;
	snprintf(b.hc.path, sizeof(b.hc.path), "/unused-by-tcp");
	b.hc.status = 200;
	b.addr[8] = 0xaa; /* beyond an IPv4 address */
	id2 = sl_health_ref(cur, &b);
	assert_int_equal(id2, id);
	assert_int_equal(sl_health_count(cur), 1);
	st = sl_health_status(cur, id);
	assert_ptr_equal(st, sl_health_status(cur, id2));
	assert_int_equal(sl_health_spec(cur, id)->hc.path[0], '\0');

	/* One check for both references */
	advance(3000);
	assert_int_equal(fb[7].starts, 3);
	assert_int_equal(st->checks, 3);

	/* The last unref stops the check in flight and forgets the target */
	for (unsigned i = 0; i < 1000 && fb[7].in_flight == 0; i++) {
		clk++;
		sl_health_run(cur);
	}
	assert_int_equal(fb[7].in_flight, 1);
	sl_health_unref(cur, id);
	assert_int_equal(sl_health_count(cur), 1);
	assert_non_null(sl_health_status(cur, id));
	assert_int_equal(fb[7].in_flight, 1);
	sl_health_unref(cur, id);
	assert_int_equal(sl_health_count(cur), 0);
	assert_null(sl_health_status(cur, id));
	assert_null(sl_health_spec(cur, id));
	assert_false(sl_health_up(cur, id));
	assert_int_equal(fb[7].in_flight, 0);
	assert_int_equal(fb[7].stops, fb[7].starts);
	assert_int_equal(sl_health_run(cur), UINT32_MAX);
	sl_health_unref(cur, -1);  /* ignored */
	sl_health_unref(cur, 999); /* ignored */

	/* Its id is reused by the next new target, with a fresh state (and
	 * from now on new targets are checked at once) */
	sl_health_started(cur);
	unsigned starts0 = fb[7].starts;

	assert_int_equal(sl_health_ref(cur, &a), id);
	assert_int_equal(sl_health_status(cur, id)->checks, 0);

	/* Different settings, address, port or kind: other targets */
	b = a;
	b.hc.interval_ms = 999;
	assert_int_equal(sl_health_ref(cur, &b), id + 1);
	b = a;
	b.hc.port = 81;
	assert_int_equal(sl_health_ref(cur, &b), id + 2);
	b = a;
	b.addr[3] = 8;
	assert_int_equal(sl_health_ref(cur, &b), id + 3);
	b = a;
	b.hc.kind = SL_HC_HTTP;
	b.hc.status = 200;
	assert_int_equal(sl_health_ref(cur, &b), id + 4);
	b = a;
	b.hc.fall = 4;
	assert_int_equal(sl_health_ref(cur, &b), id + 5);
	b = a;
	b.family = SL_AF_INET6;
	assert_int_equal(sl_health_ref(cur, &b), id + 6);
	assert_int_equal(sl_health_count(cur), 7);
	/* ... each with its own check: 6 of them are backend 7 */
	sl_health_run(cur);
	assert_int_equal(fb[7].starts - starts0, 6);
	assert_int_equal(fb[7].in_flight, 6);
	assert_int_equal(fb[8].starts, 1);
}

/* ---------------------------------------------------------------- in flight */

/* A hanging check whose timeout is the whole interval: the next check,
 * due earlier by the jitter, waits for it.  Never two in flight. */
static void test_one_in_flight(void **state)
{
	struct sl_hc_spec s = mkspec(9, 1000, 1000, 300, 2, 3);
	struct fake_backend *f = &fb[9];
	int id = sl_health_ref(cur, &s);

	(void)state;
	f->mode = M_HANG;
	advance(20000);
	assert_int_equal(f->max_in_flight, 1);
	assert_true(f->starts >= 19);
	for (unsigned i = 1; i < f->starts; i++)
		assert_int_equal(f->start_ms[i] - f->start_ms[i - 1], 1000); /* at the timeout */
	assert_false(sl_health_up(cur, id));
	assert_int_equal(sl_health_status(cur, id)->checks, f->starts - 1);
}

/* ---------------------------------------------------------------- later completion */

/* A check ended later through its fd: latency from the injected clock,
 * result from step(), stop() once, the checker's fd readable meanwhile. */
static void test_completion_through_fd(void **state)
{
	struct sl_hc_spec s = mkspec(10, 1000, 300, 0, 1, 1);
	struct fake_backend *f = &fb[10];
	const struct sl_hc_status *st;
	struct pollfd pfd = {.fd = sl_health_fd(cur), .events = POLLIN};
	int id;

	(void)state;
	f->mode = M_PIPE;
	sl_health_started(cur);
	id = sl_health_ref(cur, &s);
	st = sl_health_status(cur, id);
	assert_int_equal(sl_health_run(cur), 300); /* started; next: its timeout */
	assert_int_equal(f->in_flight, 1);
	assert_int_equal(poll(&pfd, 1, 0), 0);
	clk += 37;
	assert_int_equal(sl_health_run(cur), 300 - 37);
	assert_int_equal(write(f->pipe_w, "y", 1), 1);
	assert_int_equal(poll(&pfd, 1, 0), 1); /* the control loop would wake */
	sl_health_run(cur);
	assert_true(sl_health_up(cur, id));
	assert_int_equal(st->last_latency_us, 37000);
	assert_int_equal(st->last_ms, clk);
	assert_int_equal(f->stops, 1);
	assert_int_equal(f->in_flight, 0);
	/* next start exactly one interval after the previous start */
	assert_int_equal(sl_health_run(cur), 1000 - 37);
	clk += 1000 - 37;
	sl_health_run(cur);
	assert_int_equal(f->starts, 2);
	clk += 5;
	assert_int_equal(write(f->pipe_w, "n", 1), 1);
	sl_health_run(cur);
	assert_false(sl_health_up(cur, id));
	assert_string_equal(st->last_result, "fake no");
	assert_int_equal(st->last_latency_us, 37000); /* of the last success */
	assert_int_equal(f->stops, 2);
	/* Dropped while a check is in flight: stopped, fd gone */
	clk += 1000;
	sl_health_run(cur);
	assert_int_equal(f->in_flight, 1);
	sl_health_unref(cur, id);
	assert_int_equal(f->in_flight, 0);
	assert_int_equal(f->stops, 3);
	assert_int_equal(sl_health_run(cur), UINT32_MAX);
}

/* ---------------------------------------------------------------- misc */

static void test_run_delay(void **state)
{
	struct sl_hc_spec s = mkspec(11, 1000, 300, 0, 2, 3);
	int id;

	(void)state;
	assert_int_equal(sl_health_run(cur), UINT32_MAX); /* nothing to do */
	sl_health_started(cur);
	id = sl_health_ref(cur, &s);
	assert_int_equal(sl_health_run(cur), 1000); /* ok at once: next start */
	fb[11].mode = M_HANG;
	clk += 1000;
	assert_int_equal(sl_health_run(cur), 300); /* hanging: its timeout */
	clk += 299;
	assert_int_equal(sl_health_run(cur), 1);
	clk += 1;
	assert_int_equal(sl_health_run(cur), 700);
	assert_string_equal(sl_health_status(cur, id)->last_result, "timeout");
	/* a late call starts the overdue check at once */
	clk += 5000;
	assert_int_equal(sl_health_run(cur), 300);
	assert_int_equal(fb[11].starts, 3);
}

static void test_none_kind(void **state)
{
	struct sl_hc_spec s = mkspec(12, 0, 0, 0, 0, 0);
	int id;

	(void)state;
	s.hc.kind = SL_HC_NONE;
	sl_health_started(cur);
	id = sl_health_ref(cur, &s);
	assert_true(id >= 0);
	assert_true(sl_health_up(cur, id));
	assert_int_equal(sl_health_run(cur), UINT32_MAX);
	advance(5000);
	assert_int_equal(fb[12].starts, 0);
	assert_false(sl_health_status(cur, id)->checked);
	assert_int_equal(nb_changes, 0);
}

static void test_bad_specs(void **state)
{
	const struct sl_hc_spec good = mkspec(13, 1000, 300, 100, 2, 3);
	struct sl_hc_spec s;

	(void)state;
#define BAD(stmt)                                                  \
	do {                                                       \
		s = good;                                          \
		stmt;                                              \
		assert_int_equal(sl_health_ref(cur, &s), -EINVAL); \
	} while (0)
	BAD(s.family = 0);
	BAD(s.hc.kind = (enum sl_hc_kind)7);
	BAD(s.hc.port = 0);
	BAD(s.hc.interval_ms = 0);
	BAD(s.hc.timeout_ms = 0);
	BAD(s.hc.timeout_ms = 1001);
	BAD(s.hc.jitter_ms = 1000);
	BAD(s.hc.rise = 0);
	BAD(s.hc.fall = 0);
	BAD((s.hc.kind = SL_HC_HTTP, s.hc.status = 200, strcpy(s.hc.path, "/a b")));
	BAD((s.hc.kind = SL_HC_HTTP, s.hc.status = 200, strcpy(s.hc.host, "x\r\nEvil: 1")));
	BAD((s.hc.kind = SL_HC_HTTP, s.hc.status = 99));
	BAD((s.hc.kind = SL_HC_UDP, memset(s.hc.send, 'a', sizeof(s.hc.send))));
	assert_int_equal(sl_health_ref(cur, NULL), -EINVAL);
	assert_int_equal(sl_health_count(cur), 0);
	s = good;
	s.hc.timeout_ms = 1000; /* = interval is allowed */
	assert_true(sl_health_ref(cur, &s) >= 0);
#undef BAD
}

/* The callback drops targets: the one it is told about, or another whose
 * fd event is in the same epoll batch (that event is then ignored). */
static void test_unref_from_callback(void **state)
{
	struct sl_hc_spec a = mkspec(14, 1000, 500, 0, 1, 1), b = mkspec(15, 1000, 500, 0, 1, 1);
	struct sl_hc_spec c = mkspec(16, 1000, 500, 0, 1, 1);
	int ida, idb, idc, first;

	(void)state;
	fb[14].mode = M_PIPE;
	fb[15].mode = M_PIPE;
	ida = sl_health_ref(cur, &a);
	idb = sl_health_ref(cur, &b);
	for (unsigned i = 0; i < 1000 && (fb[14].starts == 0 || fb[15].starts == 0); i++) {
		clk++;
		sl_health_run(cur);
	}
	assert_int_equal(fb[14].in_flight + fb[15].in_flight, 2);
	/* Both fail in the same batch; whichever is handled first drops the
	 * other and adds a new target, which takes the dropped one's id: the
	 * dropped one's event in the batch must not reach the new target. */
	unref_pair[0] = ida;
	unref_pair[1] = idb;
	assert_int_equal(write(fb[14].pipe_w, "n", 1), 1);
	assert_int_equal(write(fb[15].pipe_w, "n", 1), 1);
	sl_health_run(cur);
	assert_int_equal(nb_changes, 1);
	first = changes[0].target;
	assert_true(first == ida || first == idb);
	assert_int_equal(sl_health_count(cur), 2);
	assert_non_null(sl_health_status(cur, first));
	/* the new target in the old id: nothing from the old one */
	assert_int_equal(sl_health_spec(cur, first == ida ? idb : ida)->hc.port, 4242);
	assert_int_equal(sl_health_status(cur, first == ida ? idb : ida)->checks, 0);
	assert_int_equal(fb[14].stops + fb[15].stops, 2);
	assert_int_equal(fb[14].in_flight + fb[15].in_flight, 0);
	sl_health_unref(cur, first == ida ? idb : ida);

	/* The callback drops the target that changed */
	fb[16].mode = M_REFUSE;
	idc = sl_health_ref(cur, &c);
	unref_on_change = idc;
	for (unsigned i = 0; i < 1000 && nb_changes < 2; i++) {
		clk++;
		sl_health_run(cur);
	}
	assert_int_equal(nb_changes, 2);
	assert_int_equal(changes[1].target, idc);
	assert_null(sl_health_status(cur, idc));
	assert_int_equal(sl_health_count(cur), 1);
	advance(3000); /* the first one goes on alone */
	assert_int_equal(fb[16].starts, 1);
}

/* Many targets added and dropped in a mixed order, all the time: every live
 * target is still checked on time (the deadline heap stays consistent).
 * The fake checks end at once, so a target's last check is never an
 * interval old, and one never checked is younger than its interval. */
static void test_many_targets(void **state)
{
	enum { N = 250 };
	int ids[N];
	uint64_t added[N];
	unsigned seed = 12345, live = 0, dropped = 0;

	(void)state;
	for (unsigned i = 0; i < N; i++)
		ids[i] = -1;
	for (unsigned step = 0; step < 6000; step++) {
		/* churn: one ref or unref of a random backend every 2 ms */
		seed = seed * 1103515245 + 12345;
		if (step % 2 == 0) {
			unsigned i = (seed >> 8) % N;

			if (ids[i] >= 0) {
				sl_health_unref(cur, ids[i]);
				ids[i] = -1;
				live--;
				dropped++;
			} else {
				struct sl_hc_spec s = mkspec(i, 100 + i, 50, i % 40, 1, 1);

				ids[i] = sl_health_ref(cur, &s);
				assert_true(ids[i] >= 0);
				added[i] = clk;
				live++;
			}
		}
		clk++;
		sl_health_run(cur);
		for (unsigned i = 0; i < N; i++) {
			const struct sl_hc_status *st;

			if (ids[i] < 0)
				continue;
			st = sl_health_status(cur, ids[i]);
			if (st->checked)
				assert_true(st->last_ms + 100 + i > clk);
			else
				assert_true(added[i] + 100 + i > clk);
		}
	}
	assert_int_equal(sl_health_count(cur), live);
	assert_true(live > 50 && dropped > 500);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_bounds_no_jitter, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bounds_jitter, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bounds_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_initial_starting_up, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_initial_started_down, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_jitter_spreads_first_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_dedup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_one_in_flight, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_completion_through_fd, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_run_delay, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_none_kind, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_specs, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_unref_from_callback, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_many_targets, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
