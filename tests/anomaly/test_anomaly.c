/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Unit tests for the anomaly detector (control/sl_anomaly.c) with synthetic
 * samples and made-up times: no clock, no EAL.
 *
 * A small simulated world (one VIP with three backends, a second VIP, two
 * health targets, one port, every drop reason) produces Poisson-like noisy
 * but normal counters, one sample per simulated second, from a fixed seed.
 * Each test injects one anomaly into it and asserts the exact sequence of
 * alert lines (state, name, subject): raised once, repeated at the
 * configured rate, resolved after the hysteresis; the same world without the
 * injection raises nothing.
 */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "sl_anomaly.h"

#define V1    "10.99.100.1:80/tcp"
#define V2    "10.99.100.2:80/tcp"
#define NB_BE 3
#define WALL0 INT64_C(1767225600000) /* 2026-01-01T00:00:00Z */

/* ---- events -------------------------------------------------------------- */

struct rec {
	char **lines; /* "STATE NAME SUBJECT" */
	char **json;
	uint64_t *ids;
	size_t n, cap;
};

static void on_event(void *arg, const struct sl_alert_event *ev)
{
	struct rec *r = arg;
	json_error_t err;
	json_t *o = json_loads(ev->json, 0, &err);

	/* Every line is one valid JSON object that says what the event says. */
	assert_non_null(o);
	assert_string_equal(json_string_value(json_object_get(o, "alert")),
			    sl_alert_kind_name(ev->kind));
	assert_string_equal(json_string_value(json_object_get(o, "state")),
			    sl_alert_state_name(ev->state));
	assert_int_equal(json_integer_value(json_object_get(o, "id")), ev->id);
	assert_true(strlen(ev->json) < SL_ALERT_LINE_MAX);
	assert_null(strchr(ev->json, '\n'));
	json_decref(o);
	if (r->n == r->cap) {
		r->cap = r->cap ? 2 * r->cap : 16;
		r->lines = realloc(r->lines, r->cap * sizeof(*r->lines));
		r->json = realloc(r->json, r->cap * sizeof(*r->json));
		r->ids = realloc(r->ids, r->cap * sizeof(*r->ids));
		assert_non_null(r->lines);
		assert_non_null(r->json);
		assert_non_null(r->ids);
	}
	assert_true(asprintf(&r->lines[r->n], "%s %s %s", sl_alert_state_name(ev->state),
			     sl_alert_kind_name(ev->kind), ev->subject) > 0);
	r->json[r->n] = strdup(ev->json);
	r->ids[r->n] = ev->id;
	r->n++;
}

static void rec_clear(struct rec *r)
{
	for (size_t i = 0; i < r->n; i++) {
		free(r->lines[i]);
		free(r->json[i]);
	}
	free(r->lines);
	free(r->json);
	free(r->ids);
	memset(r, 0, sizeof(*r));
}

/* The recorded lines are exactly `want` (NULL-terminated). */
static void expect_lines(const struct rec *r, const char *const *want)
{
	size_t n = 0;
	bool same;

	while (want[n] != NULL)
		n++;
	same = n == r->n;
	for (size_t i = 0; same && i < n; i++)
		same = !strcmp(r->lines[i], want[i]);
	if (!same) {
		print_error("got %zu lines:\n", r->n);
		for (size_t i = 0; i < r->n; i++)
			print_error("  %s\n", r->lines[i]);
		print_error("expected %zu:\n", n);
		for (size_t i = 0; i < n; i++)
			print_error("  %s\n", want[i]);
	}
	assert_true(same);
}

/* ---- a noisy world ------------------------------------------------------- */

struct world {
	uint64_t rng;
	uint64_t now_ms;
	/* rates per second of the normal, noisy traffic */
	double new_flows, nonsyn, drops, drops_noisy, missed;
	double expected[NB_BE]; /* the table's shares */
	double actual[NB_BE];	/* where new flows really go */
	uint32_t usable;
	bool second_vip;
	uint32_t latency_us[2]; /* each target's typical latency */
	/* counters (totals) */
	struct sl_anom_backend be[NB_BE], be2[2];
	struct sl_anom_vip vips[2];
	struct sl_anom_target targets[2];
	struct sl_anom_port port;
	uint64_t drops_tot[SL_V_MAX];
	/* injections: added on top of the noise each tick */
	double add_drops_malformed, add_missed, add_nonsyn;
	uint32_t lat_override_us; /* 0: normal */
	uint32_t lat_outlier_every;
	uint64_t checks_per_tick;
};

static uint64_t rnd(struct world *w)
{
	/* xorshift64*: fixed seed, so every run sees the same "noise". */
	w->rng ^= w->rng >> 12;
	w->rng ^= w->rng << 25;
	w->rng ^= w->rng >> 27;
	return w->rng * UINT64_C(2685821657736338717);
}

static double uni(struct world *w)
{
	return ((rnd(w) >> 11) + 0.5) / 9007199254740992.0;
}

/* Poisson(lambda): Knuth's product method for small lambda, a normal
 * approximation (Box-Muller) above. */
static uint64_t poisson(struct world *w, double lambda)
{
	if (lambda <= 0)
		return 0;
	if (lambda < 30) {
		double l = exp(-lambda), p = 1;
		uint64_t k = 0;

		do {
			k++;
			p *= uni(w);
		} while (p > l);
		return k - 1;
	} else {
		double z = sqrt(-2 * log(uni(w))) * cos(2 * M_PI * uni(w));
		double v = round(lambda + sqrt(lambda) * z);

		return v < 0 ? 0 : (uint64_t)v;
	}
}

static void world_init(struct world *w)
{
	static const char *const addrs[NB_BE] = {"10.99.2.11", "10.99.2.12", "10.99.2.13"};

	memset(w, 0, sizeof(*w));
	w->rng = 0x5eed5eed5eedULL;
	w->now_ms = 1000;
	w->new_flows = 40;
	w->nonsyn = 3;
	w->drops = 1;
	w->drops_noisy = 300;
	w->missed = 5;
	w->usable = NB_BE;
	w->second_vip = true;
	w->checks_per_tick = 2;
	for (int i = 0; i < NB_BE; i++) {
		w->expected[i] = w->actual[i] = 1.0 / NB_BE;
		w->be[i].address = addrs[i];
	}
	w->be2[0].address = "10.99.2.21";
	w->be2[1].address = "10.99.2.22";
	w->be2[0].expected = w->be2[1].expected = 0.5;
	w->vips[0].vip = V1;
	w->vips[0].be = w->be;
	w->vips[0].nb_be = NB_BE;
	w->vips[0].nb_backends = NB_BE;
	w->vips[1].vip = V2;
	w->vips[1].be = w->be2;
	w->vips[1].nb_be = 2;
	w->vips[1].nb_backends = 2;
	w->vips[1].usable = 2;
	w->targets[0].address = "10.99.2.11";
	w->targets[0].check = "tcp";
	w->targets[0].port = 8080;
	w->targets[1].address = "10.99.2.21";
	w->targets[1].check = "http";
	w->targets[1].port = 8081;
	w->latency_us[0] = 400;
	w->latency_us[1] = 1500;
	w->lat_outlier_every = 0;
	w->port.name = "net_memif0";
}

/* One simulated second: noisy normal counters plus the injections, then the
 * detector's tick. */
static void step(struct world *w, struct sl_anom *a, struct rec *r)
{
	struct sl_anom_sample s;
	uint64_t n = poisson(w, w->new_flows);

	w->now_ms += 1000;
	/* New flows land on backends with the probabilities in actual[]. */
	for (uint64_t i = 0; i < n; i++) {
		double u = uni(w), acc = 0;
		int j;

		for (j = 0; j < NB_BE - 1; j++) {
			acc += w->actual[j];
			if (u < acc)
				break;
		}
		w->be[j].new_flows++;
	}
	for (int j = 0; j < NB_BE; j++)
		w->be[j].expected = w->expected[j];
	n = poisson(w, w->new_flows / 2);
	for (uint64_t i = 0; i < n; i++)
		w->be2[uni(w) < 0.5 ? 0 : 1].new_flows++;
	w->vips[0].usable = w->usable;
	w->vips[0].nonsyn += poisson(w, w->nonsyn) + (uint64_t)w->add_nonsyn;
	w->vips[1].nonsyn += poisson(w, w->nonsyn);
	for (unsigned k = SL_V_OK + 1; k < SL_V_MAX; k++)
		w->drops_tot[k] += poisson(w, k == SL_V_NO_VIP ? w->drops_noisy : w->drops);
	w->drops_tot[SL_V_MALFORMED] += (uint64_t)w->add_drops_malformed;
	w->port.imissed += poisson(w, w->missed) + (uint64_t)w->add_missed;
	for (int t = 0; t < 2; t++) {
		/* Latencies vary by +-50%; now and then one check is slow. */
		uint32_t lat = (uint32_t)(w->latency_us[t] * (0.5 + uni(w)));

		if (w->lat_outlier_every && (w->now_ms / 1000) % w->lat_outlier_every == 0)
			lat = 50000;
		if (t == 1 && w->lat_override_us)
			lat = w->lat_override_us;
		w->targets[t].successes += w->checks_per_tick;
		w->targets[t].last_latency_us = lat;
	}
	memset(&s, 0, sizeof(s));
	s.now_ms = w->now_ms;
	s.wall_ms = WALL0 + (int64_t)w->now_ms;
	s.vips = w->vips;
	s.nb_vips = w->second_vip ? 2 : 1;
	s.targets = w->targets;
	s.nb_targets = 2;
	s.ports = &w->port;
	s.nb_ports = 1;
	memcpy(s.drops, w->drops_tot, sizeof(s.drops));
	assert_int_equal(sl_anom_tick(a, &s, on_event, r), 0);
}

static void run(struct world *w, struct sl_anom *a, struct rec *r, unsigned seconds)
{
	for (unsigned i = 0; i < seconds; i++)
		step(w, a, r);
}

/* The settings the tests use: documented defaults with a shorter warm-up,
 * baseline and hysteresis, so that a test covers several of each. */
static void test_cfg(struct sl_config_alerts *c)
{
	sl_config_alerts_defaults(c);
	c->warmup_ms = 30000;
	c->baseline_ms = 120000;
	c->repeat_ms = 60000;
	c->resolve_after_ms = 10000;
}

struct fx {
	struct world w;
	struct sl_anom *a;
	struct rec r;
	struct sl_config_alerts cfg;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	assert_non_null(f);
	world_init(&f->w);
	test_cfg(&f->cfg);
	f->a = sl_anom_create(&f->cfg);
	assert_non_null(f->a);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	sl_anom_free(f->a);
	rec_clear(&f->r);
	free(f);
	return 0;
}

/* ---- steady runs ----------------------------------------------------------- */

/* Two hours of noisy but normal traffic (Poisson counts, random spread of
 * new flows, latencies varying by +-50%): not a single line.  The same
 * world is what every injection test starts from. */
static void test_steady(void **state)
{
	struct fx *f = *state;
	struct sl_anom_counts c;

	run(&f->w, f->a, &f->r, 7200);
	expect_lines(&f->r, (const char *const[]){NULL});
	sl_anom_counts(f->a, &c);
	assert_int_equal(c.raised, 0);
	assert_int_equal(c.active, 0);
	/* 5 skew (3 + 2 backends) + 2 skew windows + 2 nonsyn + 2 vip_empty
	 * + 13 drop reasons + 1 port + 2 targets x 2 detectors */
	assert_int_equal(c.subjects, 5 + 2 + 2 + 2 + (SL_V_MAX - 1) + 1 + 4);
}

/* Heavier noise still raises nothing: a drop reason at ~3000/s (standard
 * deviation ~55), one slow (50 ms) check in every 7 seconds, few new flows
 * per window (12/s: ~360 per window, barely above min_flows). */
static void test_steady_noisier(void **state)
{
	struct fx *f = *state;

	f->w.drops_noisy = 3000;
	f->w.lat_outlier_every = 7;
	f->w.new_flows = 12;
	run(&f->w, f->a, &f->r, 3600);
	expect_lines(&f->r, (const char *const[]){NULL});
}

/* ---- one anomaly each ------------------------------------------------------ */

static void test_skew(void **state)
{
	struct fx *f = *state;
	json_t *o;

	run(&f->w, f->a, &f->r, 120);
	/* Backend 1 takes 60% of the new flows although the table says a
	 * third, for four 30 s windows: raised at the end of the first, once
	 * again after the repeat period (60 s), resolved at the end of the
	 * first clean window (clear for longer than resolve_after). */
	f->w.actual[0] = 0.6;
	f->w.actual[1] = f->w.actual[2] = 0.2;
	run(&f->w, f->a, &f->r, 120);
	f->w.actual[0] = f->w.actual[1] = f->w.actual[2] = 1.0 / 3;
	run(&f->w, f->a, &f->r, 120);
	expect_lines(&f->r, (const char *const[]){
				"raised skew vip=" V1 " backend=10.99.2.11",
				"repeat skew vip=" V1 " backend=10.99.2.11",
				"resolved skew vip=" V1 " backend=10.99.2.11",
				NULL,
			    });
	assert_true(f->r.ids[0] == f->r.ids[2] && f->r.ids[1] == f->r.ids[0]);
	o = json_loads(f->r.json[0], 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "unit")), "%");
	assert_true(json_real_value(json_object_get(o, "observed")) > 50);
	assert_true(fabs(json_real_value(json_object_get(o, "expected")) - 33.333) < 0.001);
	assert_true(json_real_value(json_object_get(json_object_get(o, "detail"), "z")) >= 5);
	json_decref(o);
}

/* A table change is not skew: the shares follow the new table at once
 * (e.g. a weight change), and the window in progress is restarted. */
static void test_skew_table_change(void **state)
{
	struct fx *f = *state;

	run(&f->w, f->a, &f->r, 95);
	for (int i = 0; i < 10; i++) {
		double w0 = i % 2 ? 0.6 : 1.0 / 3;

		f->w.expected[0] = f->w.actual[0] = w0;
		f->w.expected[1] = f->w.expected[2] = f->w.actual[1] = f->w.actual[2] =
		    (1 - w0) / 2;
		run(&f->w, f->a, &f->r, 17 + (unsigned)i * 7);
	}
	expect_lines(&f->r, (const char *const[]){NULL});
}

/* Too few new flows for a verdict (min_flows), however lopsided. */
static void test_skew_min_flows(void **state)
{
	struct fx *f = *state;

	f->w.new_flows = 5; /* ~150 per 30 s window, below min_flows 300 */
	f->w.actual[0] = 0.9;
	f->w.actual[1] = f->w.actual[2] = 0.05;
	run(&f->w, f->a, &f->r, 600);
	expect_lines(&f->r, (const char *const[]){NULL});
	/* The same at 40 new flows per second is an alert. */
	f->w.new_flows = 40;
	run(&f->w, f->a, &f->r, 60);
	expect_lines(&f->r,
		     (const char *const[]){"raised skew vip=" V1 " backend=10.99.2.11", NULL});
}

static void test_drop_spike(void **state)
{
	struct fx *f = *state;
	json_t *o;

	run(&f->w, f->a, &f->r, 120);
	f->w.add_drops_malformed = 500;
	run(&f->w, f->a, &f->r, 20);
	f->w.add_drops_malformed = 0;
	run(&f->w, f->a, &f->r, 60);
	expect_lines(&f->r, (const char *const[]){
				"raised drop_spike reason=malformed",
				"resolved drop_spike reason=malformed",
				NULL,
			    });
	o = json_loads(f->r.json[0], 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "unit")), "drops/s"),
	    assert_true(json_real_value(json_object_get(o, "observed")) >= 500);
	assert_true(json_real_value(json_object_get(o, "expected")) < 3);
	assert_true(fabs(json_real_value(json_object_get(o, "threshold")) -
			 json_real_value(json_object_get(o, "expected")) - 100) < 0.01);
	json_decref(o);
}

/* The absolute floor: from ~1/s to ~4/s is four times the baseline, but
 * not min_increase (100/s) more: no alert.  The relative floor: a reason at
 * ~300/s that goes to ~800/s is 500/s more, but not 3x: no alert; at
 * ~1200/s it is. */
static void test_drop_floors(void **state)
{
	struct fx *f = *state;

	run(&f->w, f->a, &f->r, 120);
	f->w.add_drops_malformed = 3;
	run(&f->w, f->a, &f->r, 120);
	f->w.add_drops_malformed = 0;
	f->w.drops_noisy = 800;
	run(&f->w, f->a, &f->r, 3);
	expect_lines(&f->r, (const char *const[]){NULL});
	f->w.drops_noisy = 1200;
	run(&f->w, f->a, &f->r, 3);
	expect_lines(&f->r, (const char *const[]){"raised drop_spike reason=no_vip", NULL});
}

static void test_rx_missed(void **state)
{
	struct fx *f = *state;

	run(&f->w, f->a, &f->r, 120);
	f->w.add_missed = 20000;
	run(&f->w, f->a, &f->r, 5);
	f->w.add_missed = 0;
	run(&f->w, f->a, &f->r, 60);
	expect_lines(&f->r, (const char *const[]){
				"raised rx_missed port=net_memif0",
				"resolved rx_missed port=net_memif0",
				NULL,
			    });
}

/* One burst of non-SYN misses (a re-route: a few thousand flows in one
 * second) is an alert on its VIP only. */
static void test_nonsyn_burst(void **state)
{
	struct fx *f = *state;

	run(&f->w, f->a, &f->r, 120);
	f->w.add_nonsyn = 3000;
	run(&f->w, f->a, &f->r, 1);
	f->w.add_nonsyn = 0;
	run(&f->w, f->a, &f->r, 60);
	expect_lines(&f->r, (const char *const[]){
				"raised nonsyn_burst vip=" V1,
				"resolved nonsyn_burst vip=" V1,
				NULL,
			    });
}

static void test_flapping(void **state)
{
	struct fx *f = *state;

	run(&f->w, f->a, &f->r, 120);
	/* Down and up twice within 12 s: 4 transitions. */
	for (int i = 0; i < 4; i++) {
		f->w.targets[0].transitions++;
		run(&f->w, f->a, &f->r, 3);
	}
	/* Quiet again: the transitions leave the 60 s window, then the
	 * hysteresis (10 s). */
	run(&f->w, f->a, &f->r, 120);
	/* Three changes within the window are not flapping. */
	for (int i = 0; i < 3; i++) {
		f->w.targets[0].transitions++;
		run(&f->w, f->a, &f->r, 5);
	}
	run(&f->w, f->a, &f->r, 120);
	expect_lines(&f->r, (const char *const[]){
				"raised flapping address=10.99.2.11 check=tcp port=8080",
				"repeat flapping address=10.99.2.11 check=tcp port=8080",
				"resolved flapping address=10.99.2.11 check=tcp port=8080",
				NULL,
			    });
}

static void test_latency(void **state)
{
	struct fx *f = *state;
	json_t *o;

	run(&f->w, f->a, &f->r, 120);
	/* One slow check is not a drift (the median of 5 ignores it). */
	f->w.lat_override_us = 80000;
	run(&f->w, f->a, &f->r, 1);
	f->w.lat_override_us = 0;
	run(&f->w, f->a, &f->r, 30);
	expect_lines(&f->r, (const char *const[]){NULL});
	/* The http target answers in 40 ms instead of ~1.5: an alert after
	 * the median moves (3 slow samples), resolved once it is back. */
	f->w.lat_override_us = 40000;
	run(&f->w, f->a, &f->r, 20);
	f->w.lat_override_us = 0;
	run(&f->w, f->a, &f->r, 60);
	expect_lines(&f->r, (const char *const[]){
				"raised latency address=10.99.2.21 check=http port=8081",
				"resolved latency address=10.99.2.21 check=http port=8081",
				NULL,
			    });
	o = json_loads(f->r.json[0], 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "unit")), "ms");
	assert_true(json_real_value(json_object_get(o, "observed")) == 40.0);
	assert_true(json_real_value(json_object_get(o, "expected")) < 2.5);
	json_decref(o);
}

static void test_vip_empty(void **state)
{
	struct fx *f = *state;
	json_t *o;

	/* No warm-up: a VIP with nothing usable is an alert at once. */
	run(&f->w, f->a, &f->r, 3);
	f->w.usable = 0;
	f->w.new_flows = 0; /* its traffic is dropped: nothing lands anywhere */
	run(&f->w, f->a, &f->r, 5);
	f->w.usable = 2;
	run(&f->w, f->a, &f->r, 9);
	/* Empty again before the hysteresis ended: the same alert goes on. */
	f->w.usable = 0;
	run(&f->w, f->a, &f->r, 2);
	f->w.usable = 3;
	run(&f->w, f->a, &f->r, 9);
	expect_lines(&f->r, (const char *const[]){"raised vip_empty vip=" V1, NULL});
	run(&f->w, f->a, &f->r, 2); /* clear for resolve_after (10 s) */
	expect_lines(&f->r, (const char *const[]){
				"raised vip_empty vip=" V1,
				"resolved vip_empty vip=" V1,
				NULL,
			    });
	o = json_loads(f->r.json[0], 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "severity")), "critical");
	assert_int_equal((int)json_real_value(json_object_get(o, "observed")), 0);
	assert_int_equal((int)json_real_value(json_object_get(o, "expected")), 3);
	json_decref(o);
	o = json_loads(f->r.json[1], 0, NULL);
	assert_string_equal(json_string_value(json_object_get(o, "message")),
			    "resolved (clear): vip " V1 ": 3 of 3 backends take new flows");
	json_decref(o);
}

/* ---- life cycle ---------------------------------------------------------------- */

/* During the warm-up nothing is raised, whatever the counters do; the
 * burst is learned clamped to the threshold, so the same burst after the
 * warm-up is still an alert. */
static void test_warmup(void **state)
{
	struct fx *f = *state;

	run(&f->w, f->a, &f->r, 5);
	f->w.add_nonsyn = 5000;
	run(&f->w, f->a, &f->r, 1);
	f->w.add_nonsyn = 0;
	run(&f->w, f->a, &f->r, 20);
	expect_lines(&f->r, (const char *const[]){NULL});
	run(&f->w, f->a, &f->r, 10);
	f->w.add_nonsyn = 5000;
	run(&f->w, f->a, &f->r, 1);
	expect_lines(&f->r, (const char *const[]){"raised nonsyn_burst vip=" V1, NULL});
}

/* Repeats come exactly every alerts.repeat; repeat off gives none. */
static void test_repeat_rate(void **state)
{
	struct fx *f = *state;
	size_t repeats = 0;

	run(&f->w, f->a, &f->r, 120);
	f->w.add_drops_malformed = 5000;
	run(&f->w, f->a, &f->r, 301);
	for (size_t i = 0; i < f->r.n; i++)
		repeats += !strncmp(f->r.lines[i], "repeat ", 7);
	assert_int_equal(f->r.n, 6); /* raised at t, repeats at t + 60 .. t + 300 */
	assert_int_equal(repeats, 5);
	f->w.add_drops_malformed = 0;
	run(&f->w, f->a, &f->r, 30);
	assert_string_equal(f->r.lines[6], "resolved drop_spike reason=malformed");
	rec_clear(&f->r);
	f->cfg.repeat_ms = 0;
	sl_anom_set_config(f->a, &f->cfg, f->w.now_ms, WALL0, on_event, &f->r);
	f->w.add_missed = 20000;
	run(&f->w, f->a, &f->r, 200);
	expect_lines(&f->r, (const char *const[]){"raised rx_missed port=net_memif0", NULL});
}

/* A lasting new level is learned: the alert resolves by itself after a
 * few baseline half-lives (120 s here) instead of staying forever. */
static void test_level_shift_learned(void **state)
{
	struct fx *f = *state;

	run(&f->w, f->a, &f->r, 120);
	f->w.add_drops_malformed = 400;
	run(&f->w, f->a, &f->r, 1200);
	assert_true(f->r.n >= 2);
	assert_string_equal(f->r.lines[0], "raised drop_spike reason=malformed");
	assert_string_equal(f->r.lines[f->r.n - 1], "resolved drop_spike reason=malformed");
}

/* Thresholds come from the settings, and new settings apply at the next
 * tick with the learned baselines kept (no new warm-up). */
static void test_config_thresholds(void **state)
{
	struct fx *f = *state;

	/* sigmas off: what 500/s teaches the variance while it is below the
	 * threshold does not matter here. */
	f->cfg.drop_spike.min_increase = 1000;
	f->cfg.drop_spike.sigmas_milli = 0;
	sl_anom_set_config(f->a, &f->cfg, f->w.now_ms, WALL0, on_event, &f->r);
	run(&f->w, f->a, &f->r, 120);
	f->w.add_drops_malformed = 500;
	run(&f->w, f->a, &f->r, 5);
	expect_lines(&f->r, (const char *const[]){NULL});
	f->cfg.drop_spike.min_increase = 100;
	sl_anom_set_config(f->a, &f->cfg, f->w.now_ms, WALL0, on_event, &f->r);
	run(&f->w, f->a, &f->r, 1);
	expect_lines(&f->r, (const char *const[]){"raised drop_spike reason=malformed", NULL});
	/* Switched off: resolved at once, and nothing more. */
	f->cfg.drop_spike.enabled = false;
	sl_anom_set_config(f->a, &f->cfg, f->w.now_ms, WALL0, on_event, &f->r);
	run(&f->w, f->a, &f->r, 30);
	expect_lines(&f->r, (const char *const[]){"raised drop_spike reason=malformed",
						  "resolved drop_spike reason=malformed", NULL});
	assert_non_null(strstr(f->r.json[1], "\"message\":\"resolved (detector switched off): "));
	/* alerts.enabled false: everything off. */
	f->cfg.drop_spike.enabled = true;
	f->cfg.enabled = false;
	sl_anom_set_config(f->a, &f->cfg, f->w.now_ms, WALL0, on_event, &f->r);
	f->w.usable = 0;
	run(&f->w, f->a, &f->r, 30);
	assert_int_equal(f->r.n, 2);
}

/* Other thresholds of the settings: z and min_deviation of skew, sigmas,
 * flapping transitions and window, latency factor. */
static void test_config_other(void **state)
{
	struct fx *f = *state;

	f->cfg.skew.min_deviation_pct = 100; /* 60% of flows against 33% is +80% */
	f->cfg.flapping.transitions = 6;
	f->cfg.latency.factor_milli = 50000; /* 50x: 40 ms against 1.5 ms is not */
	sl_anom_set_config(f->a, &f->cfg, f->w.now_ms, WALL0, on_event, &f->r);
	run(&f->w, f->a, &f->r, 120);
	f->w.actual[0] = 0.6;
	f->w.actual[1] = f->w.actual[2] = 0.2;
	for (int i = 0; i < 5; i++) {
		f->w.targets[0].transitions++;
		run(&f->w, f->a, &f->r, 2);
	}
	f->w.lat_override_us = 40000;
	run(&f->w, f->a, &f->r, 50);
	expect_lines(&f->r, (const char *const[]){NULL});
	f->cfg.skew.min_deviation_pct = 50;
	sl_anom_set_config(f->a, &f->cfg, f->w.now_ms, WALL0, on_event, &f->r);
	run(&f->w, f->a, &f->r, 30);
	expect_lines(&f->r,
		     (const char *const[]){"raised skew vip=" V1 " backend=10.99.2.11", NULL});
}

/* A subject that disappears (VIP removed by a reload) resolves its alert. */
static void test_subject_gone(void **state)
{
	struct fx *f = *state;

	run(&f->w, f->a, &f->r, 120);
	f->w.vips[1].usable = 0;
	run(&f->w, f->a, &f->r, 2);
	f->w.second_vip = false;
	run(&f->w, f->a, &f->r, 2);
	expect_lines(&f->r, (const char *const[]){"raised vip_empty vip=" V2,
						  "resolved vip_empty vip=" V2, NULL});
	assert_non_null(strstr(f->r.json[1], "resolved (subject gone)"));
}

/* Counters that go back (a restart of what counts them) start afresh:
 * neither a huge nor a negative rate. */
static void test_counter_reset(void **state)
{
	struct fx *f = *state;

	run(&f->w, f->a, &f->r, 120);
	f->w.vips[0].nonsyn = 0;
	f->w.port.imissed = 0;
	f->w.drops_tot[SL_V_NO_VIP] = 0;
	for (int j = 0; j < NB_BE; j++)
		f->w.be[j].new_flows = 0;
	run(&f->w, f->a, &f->r, 200);
	expect_lines(&f->r, (const char *const[]){NULL});
}

/* The line's exact shape. */
static void test_line_format(void **state)
{
	struct fx *f = *state;
	json_t *o, *active;
	const char *keys[] = {"alert",	  "state",     "severity", "subject", "observed",
			      "expected", "threshold", "unit",	   "since",   "ts",
			      "id",	  "detail",    "message"};
	const char *k;
	json_t *v;
	size_t i = 0;

	run(&f->w, f->a, &f->r, 2);
	f->w.usable = 0;
	run(&f->w, f->a, &f->r, 1);
	assert_int_equal(f->r.n, 1);
	o = json_loads(f->r.json[0], 0, NULL);
	json_object_foreach(o, k, v)
	{
		assert_true(i < sizeof(keys) / sizeof(keys[0]));
		assert_string_equal(k, keys[i]);
		i++;
	}
	assert_int_equal(i, sizeof(keys) / sizeof(keys[0]));
	json_decref(o);
	/* now_ms 4000: 2026-01-01T00:00:04.000Z; id 1 */
	assert_string_equal(
	    f->r.json[0],
	    "{\"alert\":\"vip_empty\",\"state\":\"raised\",\"severity\":\"critical\","
	    "\"subject\":{\"vip\":\"10.99.100.1:80/tcp\"},\"observed\":0.0,\"expected\":3.0,"
	    "\"threshold\":null,\"unit\":\"backends\",\"since\":\"2026-01-01T00:00:04.000Z\","
	    "\"ts\":\"2026-01-01T00:00:04.000Z\",\"id\":1,\"detail\":{},"
	    "\"message\":\"vip 10.99.100.1:80/tcp: no backend takes new flows (3 configured)\"}");
	/* sl_anom_active: the same, state "active", ts as asked. */
	active = sl_anom_active(f->a, WALL0 + 65000);
	assert_int_equal(json_array_size(active), 1);
	o = json_array_get(active, 0);
	assert_string_equal(json_string_value(json_object_get(o, "state")), "active");
	assert_string_equal(json_string_value(json_object_get(o, "ts")),
			    "2026-01-01T00:01:05.000Z");
	assert_string_equal(json_string_value(json_object_get(o, "since")),
			    "2026-01-01T00:00:04.000Z");
	json_decref(active);
}

/* Hysteresis: once raised, a rate between half the margin and the
 * threshold keeps the alert (no resolved/raised flapping around the
 * threshold); only a rate below half the margin for resolve_after
 * resolves it. */
static void test_hysteresis(void **state)
{
	struct fx *f = *state;

	run(&f->w, f->a, &f->r, 120);
	f->w.add_drops_malformed = 500;
	run(&f->w, f->a, &f->r, 2);
	f->w.add_drops_malformed = 75; /* baseline ~1: above 1 + 50, below 1 + 100 */
	run(&f->w, f->a, &f->r, 30);
	expect_lines(&f->r, (const char *const[]){"raised drop_spike reason=malformed", NULL});
	f->w.add_drops_malformed = 500;
	run(&f->w, f->a, &f->r, 2);
	f->w.add_drops_malformed = 20;
	run(&f->w, f->a, &f->r, 12);
	expect_lines(&f->r, (const char *const[]){"raised drop_spike reason=malformed",
						  "resolved drop_spike reason=malformed", NULL});
}

/* A subject named twice in one sample (two check settings on one address
 * and port): the first counts, so the two counters cannot make up
 * transitions or rates between them. */
static void test_duplicate_subject(void **state)
{
	struct fx *f = *state;

	f->w.targets[1] = f->w.targets[0];
	f->w.targets[1].transitions = 1000;
	f->w.targets[1].successes = 5;
	run(&f->w, f->a, &f->r, 200);
	for (int i = 0; i < 10; i++) {
		f->w.targets[1].transitions += 7 * (uint64_t)i;
		run(&f->w, f->a, &f->r, 3);
	}
	expect_lines(&f->r, (const char *const[]){NULL});
}

/* Several alerts at once are independent: each its own id, resolved on its
 * own; sl_anom_active lists them oldest first. */
static void test_several(void **state)
{
	struct fx *f = *state;
	json_t *active;
	struct sl_anom_counts c;

	run(&f->w, f->a, &f->r, 120);
	f->w.add_missed = 5000;
	run(&f->w, f->a, &f->r, 1);
	f->w.add_drops_malformed = 5000;
	run(&f->w, f->a, &f->r, 1);
	active = sl_anom_active(f->a, WALL0);
	assert_int_equal(json_array_size(active), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(active, 0), "alert")),
			    "rx_missed");
	assert_string_equal(json_string_value(json_object_get(json_array_get(active, 1), "alert")),
			    "drop_spike");
	json_decref(active);
	f->w.add_missed = 0;
	run(&f->w, f->a, &f->r, 30);
	f->w.add_drops_malformed = 0;
	run(&f->w, f->a, &f->r, 30);
	expect_lines(&f->r, (const char *const[]){
				"raised rx_missed port=net_memif0",
				"raised drop_spike reason=malformed",
				"resolved rx_missed port=net_memif0",
				"resolved drop_spike reason=malformed",
				NULL,
			    });
	assert_true(f->r.ids[0] != f->r.ids[1]);
	assert_int_equal(f->r.ids[0], f->r.ids[2]);
	assert_int_equal(f->r.ids[1], f->r.ids[3]);
	sl_anom_counts(f->a, &c);
	assert_int_equal(c.raised, 2);
	assert_int_equal(c.resolved, 2);
	assert_int_equal(c.active, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_steady, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_steady_noisier, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_skew, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_skew_table_change, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_skew_min_flows, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drop_spike, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_drop_floors, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_rx_missed, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_nonsyn_burst, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_flapping, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_latency, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_vip_empty, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_warmup, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_repeat_rate, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_level_shift_learned, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_thresholds, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_config_other, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_subject_gone, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_counter_reset, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_line_format, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_several, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_hysteresis, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_duplicate_subject, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
