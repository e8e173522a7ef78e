/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Unit tests for the backend state machine and pool policy
 * (control/sl_lbstate.c): draining with its deadline, disabled, down, slow
 * start, backup takeover with hysteresis, panic open and closed, empty VIPs.
 * Pure code with made-up times: no EAL, no clock.  Every threshold is
 * checked on both sides of its exact boundary, with weights chosen so that
 * rounded percents would give a different answer.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sl_lbstate.h"
#include "sl_maglev.h"

#define MAXB  16
#define NEVER UINT64_MAX
#define FULL  SL_SHARE_FULL

#define P SL_POOL_PRIMARY
#define B SL_POOL_BACKUP

/* One VIP with its backends, their runtime and the last verdicts. */
struct fx {
	struct sl_config_vip v;
	struct sl_config_backend b[MAXB];
	struct sl_be_runtime r[MAXB];
	struct sl_vip_runtime vr;
	struct sl_be_verdict o[MAXB];
	uint64_t next;
};

/* A VIP with the configuration defaults of docs/CONFIG.md, except slow
 * start, which each test sets. */
static struct fx *fx_new(void)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	f->v.backends = f->b;
	f->v.drain_timeout_ms = 300000;
	f->v.backup_threshold_pct = 50;
	f->v.backup_hysteresis_pct = 10;
	f->v.panic_threshold_pct = 30;
	f->v.panic_mode = SL_PANIC_OPEN;
	return f;
}

/* An enabled, healthy backend; returns its index. */
static uint32_t add(struct fx *f, uint32_t weight, enum sl_pool pool)
{
	uint32_t i = f->v.nb_backends++;

	assert_true(i < MAXB);
	snprintf(f->b[i].addr_str, sizeof(f->b[i].addr_str), "10.99.1.%u", i + 1);
	f->b[i].weight = weight;
	f->b[i].pool = pool;
	f->b[i].state = SL_ADMIN_ENABLED;
	f->r[i].health_up = true;
	return i;
}

/* Decide at `now`, and check what must hold for every result: share only
 * with take_new and never 0 then; empty exactly when nobody takes new
 * flows; percents within 0..100.  A second call at the same time must give
 * the same answer (the memory only records transitions). */
static void run(struct fx *f, uint64_t now)
{
	struct sl_be_verdict again[MAXB];
	struct sl_vip_runtime vr2;
	bool any = false;

	memset(f->o, 0xa5, sizeof(f->o));
	f->next = sl_lbstate_decide(&f->v, f->r, &f->vr, now, f->o);
	for (uint32_t i = 0; i < f->v.nb_backends; i++) {
		assert_true(f->o[i].share <= FULL);
		assert_int_equal(f->o[i].take_new, f->o[i].share > 0);
		if (f->o[i].take_new)
			assert_true(f->o[i].live);
		any = any || f->o[i].take_new;
	}
	assert_int_equal(f->vr.empty, !any);
	assert_true(f->vr.capacity_pct[P] <= 100 && f->vr.capacity_pct[B] <= 100);
	if (f->next != NEVER)
		assert_true(f->next > now);

	vr2 = f->vr;
	assert_int_equal(sl_lbstate_decide(&f->v, f->r, &vr2, now, again), f->next);
	assert_memory_equal(again, f->o, f->v.nb_backends * sizeof(again[0]));
	assert_memory_equal(&vr2, &f->vr, sizeof(vr2));
}

/* Verdict of backend i (the state compared by name for readable failures). */
#define EXPECT(f, i, st, tn, lv, sh)                                                          \
	do {                                                                                  \
		assert_string_equal(sl_be_state_name((f)->o[i].state), sl_be_state_name(st)); \
		assert_int_equal((f)->o[i].take_new, (tn));                                   \
		assert_int_equal((f)->o[i].live, (lv));                                       \
		assert_int_equal((f)->o[i].share, (sh));                                      \
	} while (0)

#define UP(f, i)       EXPECT(f, i, SL_BE_UP, true, true, FULL)
#define IDLE_UP(f, i)  EXPECT(f, i, SL_BE_UP, false, true, 0) /* healthy, takes nothing new */
#define GONE(f, i, st) EXPECT(f, i, st, false, false, 0)
#define OPEN(f, i)     EXPECT(f, i, SL_BE_DOWN, true, true, FULL) /* panic-open, unhealthy */
#define SLOW(f, i, sh) EXPECT(f, i, SL_BE_SLOW_START, true, true, sh)

static void test_state_names(void **state)
{
	(void)state;
	assert_string_equal(sl_be_state_name(SL_BE_UP), "up");
	assert_string_equal(sl_be_state_name(SL_BE_DOWN), "down");
	assert_string_equal(sl_be_state_name(SL_BE_DISABLED), "disabled");
	assert_string_equal(sl_be_state_name(SL_BE_DRAINING), "draining");
	assert_string_equal(sl_be_state_name(SL_BE_DRAINED), "drained");
	assert_string_equal(sl_be_state_name(SL_BE_SLOW_START), "slow_start");
	assert_string_equal(sl_be_state_name((enum sl_be_state)99), "?");
}

/* Start-up: every usable backend takes its full share at once, even with a
 * slow start configured, and nothing is timed. */
static void test_startup(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, c;

	(void)state;
	f->v.slow_start_ms = 1000;
	a = add(f, 10, P);
	c = add(f, 30, P);
	run(f, 100);
	UP(f, a);
	UP(f, c);
	assert_int_equal(f->next, NEVER);
	assert_int_equal(f->r[a].usable_since_ms, 0);
	assert_int_equal(f->vr.serving, P);
	assert_false(f->vr.panic);
	assert_false(f->vr.empty);
	assert_false(f->vr.on_backup);
	assert_int_equal(f->vr.capacity_pct[P], 100);
	assert_int_equal(f->vr.capacity_pct[B], 0);
	run(f, 5000);
	UP(f, a);
	assert_int_equal(f->next, NEVER);
	free(f);
}

static void test_down(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, c;

	(void)state;
	f->v.panic_threshold_pct = 0;
	a = add(f, 10, P);
	c = add(f, 30, P);
	f->r[a].health_up = false;
	f->r[a].flows = 7;
	run(f, 100);
	GONE(f, a, SL_BE_DOWN);
	UP(f, c);
	assert_int_equal(f->vr.capacity_pct[P], 75);
	assert_int_equal(f->next, NEVER);
	free(f);
}

/* Disabled: nothing, healthy or not, flows or not; not in the pool's weight. */
static void test_disabled(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, d, c;

	(void)state;
	a = add(f, 10, P);
	d = add(f, 10, P);
	c = add(f, 10, P);
	f->b[a].state = SL_ADMIN_DISABLED;
	f->r[a].flows = 3;
	f->b[d].state = SL_ADMIN_DISABLED;
	f->r[d].health_up = false;
	run(f, 100);
	GONE(f, a, SL_BE_DISABLED);
	GONE(f, d, SL_BE_DISABLED);
	UP(f, c);
	assert_int_equal(f->vr.capacity_pct[P], 100);
	assert_false(f->vr.panic);
	free(f);
}

/* Live up to the deadline exactly, not at it. */
static void test_draining_deadline(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, c;

	(void)state;
	f->v.drain_timeout_ms = 1000;
	a = add(f, 10, P);
	c = add(f, 10, P);
	run(f, 1000);
	UP(f, a);

	f->b[a].state = SL_ADMIN_DRAINING;
	f->r[a].flows = 5;
	run(f, 5000);
	EXPECT(f, a, SL_BE_DRAINING, false, true, 0);
	UP(f, c);
	assert_int_equal(f->next, 6000);
	/* Draining is the operator's choice: it does not lower capacity. */
	assert_int_equal(f->vr.capacity_pct[P], 100);
	run(f, 5500);
	EXPECT(f, a, SL_BE_DRAINING, false, true, 0);
	assert_int_equal(f->next, 6000);
	run(f, 5999);
	EXPECT(f, a, SL_BE_DRAINING, false, true, 0);
	assert_int_equal(f->next, 6000);
	run(f, 6000);
	GONE(f, a, SL_BE_DRAINED);
	assert_int_equal(f->next, NEVER);
	run(f, 9000);
	GONE(f, a, SL_BE_DRAINED);
	UP(f, c);
	free(f);
}

static void test_draining_flows_end(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, c;

	(void)state;
	f->v.drain_timeout_ms = 1000;
	a = add(f, 10, P);
	c = add(f, 10, P);
	f->b[a].state = SL_ADMIN_DRAINING;
	f->r[a].flows = 2;
	run(f, 5000);
	EXPECT(f, a, SL_BE_DRAINING, false, true, 0);
	assert_int_equal(f->next, 6000);
	f->r[a].flows = 1;
	run(f, 5100);
	EXPECT(f, a, SL_BE_DRAINING, false, true, 0);
	f->r[a].flows = 0;
	run(f, 5200);
	GONE(f, a, SL_BE_DRAINED);
	UP(f, c);
	assert_int_equal(f->next, NEVER);
	free(f);
}

/* Down while draining: flows move (not live), the deadline keeps running from
 * the start of the drain, recovery before it resumes draining. */
static void test_draining_down(void **state)
{
	struct fx *f = fx_new();
	uint32_t a;

	(void)state;
	f->v.drain_timeout_ms = 1000;
	a = add(f, 10, P);
	add(f, 10, P);
	f->b[a].state = SL_ADMIN_DRAINING;
	f->r[a].flows = 4;
	run(f, 5000);
	EXPECT(f, a, SL_BE_DRAINING, false, true, 0);
	f->r[a].health_up = false;
	run(f, 5200);
	GONE(f, a, SL_BE_DOWN);
	assert_int_equal(f->next, 6000);
	f->r[a].health_up = true;
	run(f, 5300);
	EXPECT(f, a, SL_BE_DRAINING, false, true, 0);
	assert_int_equal(f->next, 6000);
	f->r[a].health_up = false;
	run(f, 6000);
	GONE(f, a, SL_BE_DRAINED);
	assert_int_equal(f->next, NEVER);
	free(f);
}

/* Enabling cancels a drain; draining again starts a new deadline.  A
 * timeout of 0 moves the flows at once. */
static void test_draining_restart_and_zero(void **state)
{
	struct fx *f = fx_new();
	uint32_t a;

	(void)state;
	f->v.drain_timeout_ms = 1000;
	a = add(f, 10, P);
	add(f, 10, P);
	f->r[a].flows = 4;
	run(f, 1000);
	f->b[a].state = SL_ADMIN_DRAINING;
	run(f, 5000);
	assert_int_equal(f->next, 6000);
	f->b[a].state = SL_ADMIN_ENABLED;
	run(f, 5500);
	UP(f, a);
	assert_int_equal(f->next, NEVER);
	f->b[a].state = SL_ADMIN_DRAINING;
	run(f, 5600);
	EXPECT(f, a, SL_BE_DRAINING, false, true, 0);
	assert_int_equal(f->next, 6600);
	run(f, 6000);
	EXPECT(f, a, SL_BE_DRAINING, false, true, 0);
	run(f, 6600);
	GONE(f, a, SL_BE_DRAINED);

	f->b[a].state = SL_ADMIN_ENABLED;
	run(f, 7000);
	f->v.drain_timeout_ms = 0;
	f->b[a].state = SL_ADMIN_DRAINING;
	run(f, 8000);
	GONE(f, a, SL_BE_DRAINED);
	assert_int_equal(f->next, NEVER);
	free(f);
}

/* A draining backend never takes new flows, not even in panic-open, whatever
 * its weight or pool. */
static void test_draining_in_panic(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, d1, d2, w0;

	(void)state;
	f->v.drain_timeout_ms = 1000;
	a = add(f, 10, P);
	d1 = add(f, 10, P);
	d2 = add(f, 10, P);
	w0 = add(f, 0, P);
	f->b[a].state = SL_ADMIN_DRAINING;
	f->r[a].flows = 1;
	f->b[w0].state = SL_ADMIN_DRAINING;
	f->r[w0].flows = 1;
	f->r[d1].health_up = false;
	f->r[d2].health_up = false;
	run(f, 5000);
	assert_true(f->vr.panic);
	EXPECT(f, a, SL_BE_DRAINING, false, true, 0);
	EXPECT(f, w0, SL_BE_DRAINING, false, true, 0);
	OPEN(f, d1);
	OPEN(f, d2);
	assert_int_equal(f->vr.capacity_pct[P], 0);
	free(f);
}

/* Slow start over 1000 ms: share 100, 200, ... 1000 in each tenth, with the
 * tenth's end as the next change, then "up" at exactly 1000 ms. */
static void test_slow_start_tenths(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, c;

	(void)state;
	f->v.slow_start_ms = 1000;
	a = add(f, 10, P);
	c = add(f, 10, P);
	run(f, 100);
	UP(f, a);
	f->r[a].health_up = false;
	run(f, 200);
	GONE(f, a, SL_BE_DOWN);
	assert_int_equal(f->next, NEVER);
	f->r[a].health_up = true;
	for (uint64_t k = 0; k < 10; k++) {
		run(f, 1000 + k * 100);
		SLOW(f, a, (k + 1) * 100);
		UP(f, c);
		assert_int_equal(f->next, 1000 + (k + 1) * 100);
		run(f, 1000 + k * 100 + 99);
		SLOW(f, a, (k + 1) * 100);
		assert_int_equal(f->next, 1000 + (k + 1) * 100);
	}
	assert_int_equal(f->r[a].usable_since_ms, 1000);
	run(f, 2000);
	UP(f, a);
	assert_int_equal(f->next, NEVER);
	free(f);
}

/* A period that tenths do not divide: every millisecond of a 25 ms slow
 * start, its share and the time of the next change (the first ms of the
 * next tenth, rounded up). */
static void test_slow_start_uneven(void **state)
{
	static const uint16_t share[25] = {100, 100, 100, 200, 200, 300,  300, 300, 400,
					   400, 500, 500, 500, 600, 600,  700, 700, 700,
					   800, 800, 900, 900, 900, 1000, 1000};
	static const uint64_t next[25] = {3,  3,  3,  5,  5,  8,  8,  8,  10, 10, 13, 13, 13,
					  15, 15, 18, 18, 18, 20, 20, 23, 23, 23, 25, 25};
	struct fx *f = fx_new();
	uint32_t a;

	(void)state;
	f->v.slow_start_ms = 25;
	a = add(f, 10, P);
	add(f, 10, P);
	f->r[a].health_up = false;
	run(f, 100);
	f->r[a].health_up = true;
	for (uint64_t e = 0; e < 25; e++) {
		run(f, 1000 + e);
		SLOW(f, a, share[e]);
		assert_int_equal(f->next, 1000 + next[e]);
	}
	run(f, 1025);
	UP(f, a);
	assert_int_equal(f->next, NEVER);
	free(f);
}

/* Following the returned times alone walks the ten steps and ends "up". */
static void test_slow_start_follow_next(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, calls = 0;
	uint16_t last = 0;

	(void)state;
	f->v.slow_start_ms = 60000;
	a = add(f, 10, P);
	f->r[a].health_up = false;
	run(f, 1);
	f->r[a].health_up = true;
	run(f, 1000);
	while (f->next != NEVER && calls < 20) {
		assert_int_equal(f->o[a].state, SL_BE_SLOW_START);
		assert_true(f->o[a].share > last);
		last = f->o[a].share;
		run(f, f->next);
		calls++;
	}
	assert_int_equal(calls, 10);
	UP(f, a);
	free(f);
}

/* Down again during slow start loses the ramp: the next recovery starts
 * over at the first tenth. */
static void test_slow_start_restarts(void **state)
{
	struct fx *f = fx_new();
	uint32_t a;

	(void)state;
	f->v.slow_start_ms = 1000;
	a = add(f, 10, P);
	add(f, 10, P);
	run(f, 100);
	f->r[a].health_up = false;
	run(f, 200);
	f->r[a].health_up = true;
	run(f, 1000);
	SLOW(f, a, 100);
	run(f, 1550);
	SLOW(f, a, 600);
	assert_int_equal(f->next, 1600);
	f->r[a].health_up = false;
	run(f, 1560);
	GONE(f, a, SL_BE_DOWN);
	assert_int_equal(f->next, NEVER);
	f->r[a].health_up = true;
	run(f, 1700);
	SLOW(f, a, 100);
	assert_int_equal(f->next, 1800);
	run(f, 2650);
	SLOW(f, a, 1000);
	run(f, 2700);
	UP(f, a);
	free(f);
}

/* What starts a slow start: recovery of a backend that was down at its
 * first call, operator enable from disabled or draining, weight 0 -> > 0.
 * Not: a backend usable at its first call. */
static void test_slow_start_triggers(void **state)
{
	struct fx *f = fx_new();
	uint32_t up, down, dis, dr, w0;

	(void)state;
	f->v.slow_start_ms = 1000;
	up = add(f, 10, P);
	down = add(f, 10, P);
	dis = add(f, 10, P);
	dr = add(f, 10, P);
	w0 = add(f, 0, P);
	f->r[down].health_up = false;
	f->b[dis].state = SL_ADMIN_DISABLED;
	f->b[dr].state = SL_ADMIN_DRAINING;
	f->r[dr].flows = 1;
	run(f, 100);
	UP(f, up);
	GONE(f, down, SL_BE_DOWN);
	GONE(f, dis, SL_BE_DISABLED);
	EXPECT(f, dr, SL_BE_DRAINING, false, true, 0);
	IDLE_UP(f, w0);

	f->r[down].health_up = true;
	f->b[dis].state = SL_ADMIN_ENABLED;
	f->b[dr].state = SL_ADMIN_ENABLED;
	f->b[w0].weight = 10;
	run(f, 300);
	UP(f, up);
	SLOW(f, down, 100);
	SLOW(f, dis, 100);
	SLOW(f, dr, 100);
	SLOW(f, w0, 100);
	assert_int_equal(f->next, 400);

	/* A weight change between non-zero values is not a recovery. */
	f->b[up].weight = 20;
	run(f, 350);
	UP(f, up);
	free(f);
}

/* A time before the recovery (a caller mixing clocks) counts as its start
 * rather than as the end of the period. */
static void test_slow_start_time_before(void **state)
{
	struct fx *f = fx_new();
	uint32_t a;

	(void)state;
	f->v.slow_start_ms = 1000;
	a = add(f, 10, P);
	add(f, 10, P);
	f->r[a].health_up = false;
	run(f, 100);
	f->r[a].health_up = true;
	run(f, 1000);
	SLOW(f, a, 100);
	run(f, 999);
	SLOW(f, a, 100);
	assert_int_equal(f->next, 1100);
	free(f);
}

/* Deadlines and steps past the end of the clock are never, not a wrap. */
static void test_far_times(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, d;
	uint64_t t = UINT64_MAX - 150;

	(void)state;
	f->v.slow_start_ms = 1000;
	a = add(f, 10, P);
	d = add(f, 10, P);
	add(f, 10, P);
	f->r[a].health_up = false;
	f->r[d].flows = 1;
	run(f, t - 1000);
	f->r[a].health_up = true;
	f->b[d].state = SL_ADMIN_DRAINING;
	run(f, t);
	SLOW(f, a, 100);
	EXPECT(f, d, SL_BE_DRAINING, false, true, 0);
	assert_int_equal(f->next, t + 100);
	run(f, t + 99);
	SLOW(f, a, 100);
	EXPECT(f, d, SL_BE_DRAINING, false, true, 0);
	assert_int_equal(f->next, t + 100);
	run(f, t + 100); /* the next step would be past the end: never */
	SLOW(f, a, 200);
	EXPECT(f, d, SL_BE_DRAINING, false, true, 0);
	assert_int_equal(f->next, NEVER);
	free(f);
}

static void test_slow_start_off(void **state)
{
	struct fx *f = fx_new();
	uint32_t a;

	(void)state;
	a = add(f, 10, P);
	add(f, 10, P);
	run(f, 100);
	f->r[a].health_up = false;
	run(f, 200);
	f->r[a].health_up = true;
	run(f, 300);
	UP(f, a);
	assert_int_equal(f->next, NEVER);
	free(f);
}

/* Panic suspends the ramp (full share, state still slow_start, next change
 * at the end of the period); it resumes where the clock is when panic ends. */
static void test_slow_start_in_panic(void **state)
{
	struct fx *f = fx_new();
	uint32_t be[10];

	(void)state;
	f->v.slow_start_ms = 1000;
	for (int i = 0; i < 10; i++)
		be[i] = add(f, 10, P);
	run(f, 100);
	for (int i = 1; i < 10; i++)
		f->r[be[i]].health_up = false;
	run(f, 200);
	assert_true(f->vr.panic);
	f->r[be[1]].health_up = true;
	run(f, 1000);
	assert_true(f->vr.panic); /* 20% < 30% */
	UP(f, be[0]);
	SLOW(f, be[1], FULL);
	OPEN(f, be[2]);
	assert_int_equal(f->next, 2000);

	f->v.panic_mode = SL_PANIC_CLOSED;
	run(f, 1200);
	SLOW(f, be[1], FULL);
	GONE(f, be[2], SL_BE_DOWN);
	assert_int_equal(f->next, 2000);

	f->r[be[2]].health_up = true; /* 30%: out of panic */
	run(f, 1500);
	assert_false(f->vr.panic);
	SLOW(f, be[1], 600);
	SLOW(f, be[2], 100);
	assert_int_equal(f->next, 1600);
	free(f);
}

/* Slow start runs from recovery whatever pool serves; in the pool that does
 * not serve it only changes state at the end of the period. */
static void test_slow_start_idle_pool(void **state)
{
	struct fx *f = fx_new();
	uint32_t p1, p2, x;

	(void)state;
	f->v.slow_start_ms = 1000;
	f->v.panic_threshold_pct = 0;
	p1 = add(f, 10, P);
	p2 = add(f, 10, P);
	x = add(f, 10, B);
	f->r[x].health_up = false;
	run(f, 100);
	f->r[x].health_up = true;
	run(f, 1000);
	assert_int_equal(f->vr.serving, P);
	EXPECT(f, x, SL_BE_SLOW_START, false, true, 0);
	assert_int_equal(f->next, 2000);
	f->r[p1].health_up = false;
	f->r[p2].health_up = false;
	run(f, 1500);
	assert_int_equal(f->vr.serving, B);
	SLOW(f, x, 600);
	assert_int_equal(f->next, 1600);
	free(f);
}

/* Primary weights 99, 20, 1, 80 (200), threshold 50%, hysteresis 10%: to
 * the backup below 100 usable (99 = 49.5% goes, 100 = 50% stays), back at
 * 120 (119 = 59.5% stays, 120 = 60% comes back). */
static void test_backup_takeover(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, b, c, d, x, y;

	(void)state;
	f->v.panic_threshold_pct = 0;
	a = add(f, 99, P);
	b = add(f, 20, P);
	c = add(f, 1, P);
	d = add(f, 80, P);
	x = add(f, 50, B);
	y = add(f, 50, B);
	run(f, 100);
	assert_int_equal(f->vr.serving, P);
	UP(f, a);
	IDLE_UP(f, x);
	IDLE_UP(f, y);

	f->r[d].health_up = false;
	f->r[b].health_up = false;
	run(f, 200); /* 100 / 200 = 50%: not below */
	assert_false(f->vr.on_backup);
	assert_int_equal(f->vr.serving, P);
	assert_int_equal(f->vr.capacity_pct[P], 50);
	assert_int_equal(f->vr.capacity_pct[B], 100);
	UP(f, a);
	UP(f, c);
	IDLE_UP(f, x);

	f->r[c].health_up = false;
	run(f, 300); /* 99: below */
	assert_true(f->vr.on_backup);
	assert_int_equal(f->vr.serving, B);
	assert_int_equal(f->vr.capacity_pct[P], 49);
	IDLE_UP(f, a);
	GONE(f, c, SL_BE_DOWN);
	UP(f, x);
	UP(f, y);

	f->r[c].health_up = true;
	run(f, 400); /* 100: stays on the backup */
	assert_int_equal(f->vr.serving, B);
	IDLE_UP(f, c);
	f->r[c].health_up = false;
	f->r[b].health_up = true;
	run(f, 500); /* 119 */
	assert_int_equal(f->vr.serving, B);
	assert_int_equal(f->vr.capacity_pct[P], 59);
	f->r[c].health_up = true;
	run(f, 600); /* 120 */
	assert_false(f->vr.on_backup);
	assert_int_equal(f->vr.serving, P);
	assert_int_equal(f->vr.capacity_pct[P], 60);
	UP(f, a);
	UP(f, b);
	UP(f, c);
	IDLE_UP(f, x);

	f->r[b].health_up = false;
	run(f, 700); /* 100 again, coming from above: primary */
	assert_int_equal(f->vr.serving, P);
	f->r[c].health_up = false;
	run(f, 800);
	assert_int_equal(f->vr.serving, B);
	assert_int_equal(f->next, NEVER);
	free(f);
}

/* threshold + hysteresis above 100% comes back at a full primary. */
static void test_backup_hysteresis_capped(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, b;

	(void)state;
	f->v.panic_threshold_pct = 0;
	f->v.backup_threshold_pct = 95;
	f->v.backup_hysteresis_pct = 10;
	a = add(f, 99, P);
	b = add(f, 1, P);
	add(f, 10, B);
	f->r[b].health_up = false;
	run(f, 100); /* 99% */
	assert_int_equal(f->vr.serving, P);
	f->r[a].health_up = false;
	f->r[b].health_up = true;
	run(f, 200); /* 1% */
	assert_int_equal(f->vr.serving, B);
	f->r[a].health_up = true;
	f->r[b].health_up = false;
	run(f, 300); /* 99% */
	assert_int_equal(f->vr.serving, B);
	f->r[b].health_up = true;
	run(f, 400); /* 100% */
	assert_int_equal(f->vr.serving, P);
	free(f);
}

/* A backup with nothing healthy (even in panic-open) leaves the primary
 * serving; the memory stays, so the backup takes over when it recovers. */
static void test_backup_empty(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, b, x;

	(void)state;
	f->v.backup_threshold_pct = 60;
	a = add(f, 10, P);
	b = add(f, 10, P);
	x = add(f, 10, B);
	f->r[a].health_up = false;
	f->r[x].health_up = false;
	run(f, 100);
	assert_true(f->vr.on_backup);
	assert_int_equal(f->vr.serving, P);
	assert_false(f->vr.panic); /* the primary's 50% */
	assert_false(f->vr.empty);
	GONE(f, a, SL_BE_DOWN);
	UP(f, b);
	GONE(f, x, SL_BE_DOWN);

	f->r[x].health_up = true;
	run(f, 200);
	assert_int_equal(f->vr.serving, B);
	UP(f, x);
	IDLE_UP(f, b);
	GONE(f, a, SL_BE_DOWN);
	free(f);
}

/* A primary with nothing healthy is relieved by a healthy backup even at
 * threshold 0%; a primary with no enabled weight leaves the memory as is. */
static void test_backup_relieves_dead_primary(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, x;

	(void)state;
	f->v.backup_threshold_pct = 0;
	a = add(f, 10, P);
	x = add(f, 10, B);
	f->r[a].health_up = false;
	run(f, 100);
	assert_false(f->vr.on_backup);
	assert_int_equal(f->vr.serving, B);
	UP(f, x);
	GONE(f, a, SL_BE_DOWN);

	f->r[a].health_up = true;
	run(f, 200);
	assert_int_equal(f->vr.serving, P);

	f->v.backup_threshold_pct = 50;
	f->r[a].health_up = false;
	run(f, 300);
	assert_true(f->vr.on_backup);
	f->b[a].state = SL_ADMIN_DISABLED;
	run(f, 400);
	assert_true(f->vr.on_backup);
	assert_int_equal(f->vr.serving, B);
	assert_int_equal(f->vr.capacity_pct[P], 0);
	f->v.backup_threshold_pct = 0;
	f->vr.on_backup = false;
	run(f, 500);
	assert_false(f->vr.on_backup);
	assert_int_equal(f->vr.serving, B);
	UP(f, x);
	free(f);
}

/* Without a backup pool the memory stays false. */
static void test_no_backup_pool(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, b;

	(void)state;
	f->v.panic_threshold_pct = 0;
	a = add(f, 10, P);
	b = add(f, 30, P);
	f->r[b].health_up = false;
	f->vr.on_backup = true;
	run(f, 100);
	assert_false(f->vr.on_backup);
	assert_int_equal(f->vr.serving, P);
	UP(f, a);
	free(f);
}

/* Weights 29, 1, 70, plus a disabled 50 and an enabled weight-0 backend,
 * threshold 30%: 30 usable is not panic, 29 is, and then every enabled
 * backend with weight > 0 takes new flows (open). */
static void test_panic_open(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, b, c, dis, w0;

	(void)state;
	a = add(f, 29, P);
	b = add(f, 1, P);
	c = add(f, 70, P);
	dis = add(f, 50, P);
	w0 = add(f, 0, P);
	f->b[dis].state = SL_ADMIN_DISABLED;
	f->r[dis].health_up = false;
	f->r[w0].health_up = false;
	f->r[c].health_up = false;
	run(f, 100); /* 30 / 100 */
	assert_false(f->vr.panic);
	assert_int_equal(f->vr.capacity_pct[P], 30);
	UP(f, a);
	UP(f, b);
	GONE(f, c, SL_BE_DOWN);

	f->r[b].health_up = false;
	run(f, 200); /* 29 / 100 */
	assert_true(f->vr.panic);
	assert_int_equal(f->vr.capacity_pct[P], 29);
	UP(f, a);
	OPEN(f, b);
	OPEN(f, c);
	GONE(f, dis, SL_BE_DISABLED);
	GONE(f, w0, SL_BE_DOWN);
	assert_int_equal(f->next, NEVER);

	f->r[a].health_up = false;
	run(f, 300); /* 0: still serving over everyone */
	assert_true(f->vr.panic);
	assert_false(f->vr.empty);
	OPEN(f, a);
	OPEN(f, b);
	OPEN(f, c);

	f->r[a].health_up = true;
	f->r[b].health_up = true;
	run(f, 400);
	assert_false(f->vr.panic);
	GONE(f, c, SL_BE_DOWN);
	free(f);
}

/* Closed: the same boundary, only the survivors; nothing left is empty. */
static void test_panic_closed(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, b, c;

	(void)state;
	f->v.panic_mode = SL_PANIC_CLOSED;
	a = add(f, 29, P);
	b = add(f, 1, P);
	c = add(f, 70, P);
	f->r[c].health_up = false;
	run(f, 100);
	assert_false(f->vr.panic);
	f->r[b].health_up = false;
	run(f, 200);
	assert_true(f->vr.panic);
	UP(f, a);
	GONE(f, b, SL_BE_DOWN);
	GONE(f, c, SL_BE_DOWN);
	f->r[a].health_up = false;
	run(f, 300);
	assert_true(f->vr.panic);
	assert_true(f->vr.empty);
	assert_int_equal(f->vr.serving, P);
	GONE(f, a, SL_BE_DOWN);
	free(f);
}

/* Threshold 0% never panics: all down is empty even in open mode. */
static void test_panic_off(void **state)
{
	struct fx *f = fx_new();
	uint32_t a;

	(void)state;
	f->v.panic_threshold_pct = 0;
	a = add(f, 10, P);
	f->r[a].health_up = false;
	run(f, 100);
	assert_false(f->vr.panic);
	assert_true(f->vr.empty);
	GONE(f, a, SL_BE_DOWN);
	free(f);
}

/* Panic is the serving pool's: a serving backup below its threshold opens
 * over its own backends only. */
static void test_panic_in_backup(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, x, y, z;

	(void)state;
	a = add(f, 10, P);
	x = add(f, 29, B);
	y = add(f, 1, B);
	z = add(f, 70, B);
	f->r[a].health_up = false;
	f->r[y].health_up = false;
	f->r[z].health_up = false;
	run(f, 100);
	assert_int_equal(f->vr.serving, B);
	assert_true(f->vr.panic);
	assert_int_equal(f->vr.capacity_pct[B], 29);
	UP(f, x);
	OPEN(f, y);
	OPEN(f, z);
	GONE(f, a, SL_BE_DOWN);
	f->r[y].health_up = true;
	run(f, 200);
	assert_false(f->vr.panic);
	GONE(f, z, SL_BE_DOWN);
	free(f);
}

/* No healthy backend anywhere, open: the designated pool fails open (the
 * backup while the primary is short, the primary at threshold 0%). */
static void test_panic_both_pools_dead(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, b, x;

	(void)state;
	a = add(f, 10, P);
	b = add(f, 10, P);
	x = add(f, 10, B);
	f->r[a].health_up = false;
	f->r[b].health_up = false;
	f->r[x].health_up = false;
	run(f, 100);
	assert_int_equal(f->vr.serving, B);
	assert_true(f->vr.panic);
	OPEN(f, x);
	GONE(f, a, SL_BE_DOWN);
	GONE(f, b, SL_BE_DOWN);

	f->v.backup_threshold_pct = 0;
	f->v.backup_hysteresis_pct = 0;
	run(f, 200); /* 0 >= 0: back to the primary */
	assert_false(f->vr.on_backup);
	assert_int_equal(f->vr.serving, P);
	OPEN(f, a);
	OPEN(f, b);
	GONE(f, x, SL_BE_DOWN);

	f->v.panic_mode = SL_PANIC_CLOSED;
	run(f, 300);
	assert_true(f->vr.empty);
	assert_int_equal(f->vr.serving, P);
	/* Closed, memory on the backup: still nothing, and the primary named. */
	f->v.backup_threshold_pct = 50;
	run(f, 400);
	assert_true(f->vr.on_backup);
	assert_true(f->vr.empty);
	assert_int_equal(f->vr.serving, P);
	free(f);
}

/* Nothing healthy anywhere and no panic (threshold 0%): empty, and the
 * primary is the pool named, even while the memory points at the backup. */
static void test_both_pools_dead_no_panic(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, x;

	(void)state;
	f->v.panic_threshold_pct = 0;
	a = add(f, 10, P);
	x = add(f, 10, B);
	f->r[a].health_up = false;
	f->r[x].health_up = false;
	run(f, 100);
	assert_true(f->vr.on_backup);
	assert_true(f->vr.empty);
	assert_false(f->vr.panic);
	assert_int_equal(f->vr.serving, P);
	GONE(f, a, SL_BE_DOWN);
	GONE(f, x, SL_BE_DOWN);
	free(f);
}

static void test_empty(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, x;

	(void)state;
	run(f, 100); /* no backends */
	assert_true(f->vr.empty);
	assert_false(f->vr.panic);
	assert_int_equal(f->vr.serving, P);
	assert_int_equal(f->vr.capacity_pct[P], 0);
	assert_int_equal(f->next, NEVER);

	a = add(f, 10, P);
	x = add(f, 10, B);
	f->b[a].state = SL_ADMIN_DISABLED;
	f->b[x].state = SL_ADMIN_DISABLED;
	run(f, 200);
	assert_true(f->vr.empty);
	assert_false(f->vr.panic);
	assert_int_equal(f->vr.serving, P);

	f->b[x].state = SL_ADMIN_ENABLED;
	run(f, 300);
	assert_false(f->vr.empty);
	assert_int_equal(f->vr.serving, B);
	free(f);
}

/* Weight 0: live when healthy, never new flows, not in the capacity. */
static void test_weight_zero(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, c;

	(void)state;
	a = add(f, 0, P);
	c = add(f, 0, P);
	run(f, 100);
	assert_true(f->vr.empty);
	assert_false(f->vr.panic);
	assert_int_equal(f->vr.capacity_pct[P], 0);
	IDLE_UP(f, a);
	IDLE_UP(f, c);

	f->b[c].weight = 10;
	f->r[a].health_up = false;
	run(f, 200);
	assert_false(f->vr.empty);
	assert_int_equal(f->vr.capacity_pct[P], 100);
	GONE(f, a, SL_BE_DOWN);
	UP(f, c);
	free(f);
}

/* The pool that does not serve keeps its healthy backends' flows. */
static void test_idle_pool_live(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, b, x, y;

	(void)state;
	f->v.panic_threshold_pct = 0;
	a = add(f, 10, P);
	b = add(f, 30, P);
	x = add(f, 10, B);
	y = add(f, 10, B);
	f->r[y].health_up = false;
	run(f, 100);
	UP(f, a);
	IDLE_UP(f, x);
	GONE(f, y, SL_BE_DOWN);
	f->r[b].health_up = false;
	run(f, 200);
	assert_int_equal(f->vr.serving, B);
	IDLE_UP(f, a);
	GONE(f, b, SL_BE_DOWN);
	UP(f, x);
	free(f);
}

/* The earliest of the timed changes is returned. */
static void test_next_is_earliest(void **state)
{
	struct fx *f = fx_new();
	uint32_t a, d;

	(void)state;
	f->v.slow_start_ms = 1000;
	f->v.drain_timeout_ms = 250;
	a = add(f, 10, P);
	d = add(f, 10, P);
	add(f, 10, P);
	f->r[a].health_up = false;
	f->r[d].flows = 9;
	run(f, 100);
	f->r[a].health_up = true;
	f->b[d].state = SL_ADMIN_DRAINING;
	run(f, 1000);
	assert_int_equal(f->next, 1100);
	run(f, 1200);
	assert_int_equal(f->next, 1250);
	run(f, 1250);
	GONE(f, d, SL_BE_DRAINED);
	assert_int_equal(f->next, 1300);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_state_names),
	    cmocka_unit_test(test_startup),
	    cmocka_unit_test(test_down),
	    cmocka_unit_test(test_disabled),
	    cmocka_unit_test(test_draining_deadline),
	    cmocka_unit_test(test_draining_flows_end),
	    cmocka_unit_test(test_draining_down),
	    cmocka_unit_test(test_draining_restart_and_zero),
	    cmocka_unit_test(test_draining_in_panic),
	    cmocka_unit_test(test_slow_start_tenths),
	    cmocka_unit_test(test_slow_start_uneven),
	    cmocka_unit_test(test_slow_start_follow_next),
	    cmocka_unit_test(test_slow_start_restarts),
	    cmocka_unit_test(test_slow_start_triggers),
	    cmocka_unit_test(test_slow_start_time_before),
	    cmocka_unit_test(test_far_times),
	    cmocka_unit_test(test_slow_start_off),
	    cmocka_unit_test(test_slow_start_in_panic),
	    cmocka_unit_test(test_slow_start_idle_pool),
	    cmocka_unit_test(test_backup_takeover),
	    cmocka_unit_test(test_backup_hysteresis_capped),
	    cmocka_unit_test(test_backup_empty),
	    cmocka_unit_test(test_backup_relieves_dead_primary),
	    cmocka_unit_test(test_no_backup_pool),
	    cmocka_unit_test(test_panic_open),
	    cmocka_unit_test(test_panic_closed),
	    cmocka_unit_test(test_panic_off),
	    cmocka_unit_test(test_panic_in_backup),
	    cmocka_unit_test(test_panic_both_pools_dead),
	    cmocka_unit_test(test_both_pools_dead_no_panic),
	    cmocka_unit_test(test_empty),
	    cmocka_unit_test(test_weight_zero),
	    cmocka_unit_test(test_idle_pool_live),
	    cmocka_unit_test(test_next_is_earliest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
