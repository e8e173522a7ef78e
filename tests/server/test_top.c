/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * sluicectl top's frames (tools/sl_top.c): two samples of canned replies two
 * seconds apart, rendered exactly.  Every rate on the expected frames is
 * worked out by hand in the comments from the counters below.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "sl_top.h"

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (j == NULL)
		fail_msg("bad canned JSON: %s (line %d col %d)", e.text, e.line, e.column);
	return j;
}

/* The tables digest 7b7f38db is FNV-1a 64 of
 * "10.99.100.1:80/tcp=3f2a9c0d5e6b7a81\n[fd00:99::1]:443/tcp=00000000000000ff\n",
 * its top 32 bits (computed apart, in Python).
 *
 * Counters of sample A (t = 100 s) and B (t = 102 s).
 * Workers: w0 rx +2 000 000, tx +1 998 000, polls +200 000, busy +100 000;
 *          w1 rx +1 000 000, tx +1 000 000, polls +200 000, busy +50 000.
 * VIP 10.99.100.1:80/tcp: packets +2 400 000, bytes +1 200 000 000,
 *   new flows +1000 (backends 10.99.1.1 +800 / 1 600 000 packets,
 *   10.99.1.2 +200 / 800 000 packets, 10.99.1.3 +0).
 * VIP [fd00:99::1]:443/tcp: nothing moves.
 * Drops: no_vip +2 000, tx_full +10, malformed stays 17, fragment stays 0. */
static const char status_a[] =
    "{\"generation\": 7, \"uptime_s\": 93784, \"workers\": ["
    "{\"id\": 0, \"lcore\": 1, \"rx\": 1000000, \"tx\": 990000, \"drops\": 5,"
    " \"polls\": 100000, \"busy_polls\": 25000},"
    "{\"id\": 1, \"lcore\": 2, \"rx\": 2000000, \"tx\": 1990000, \"drops\": 5,"
    " \"polls\": 100000, \"busy_polls\": 50000}]}";
static const char status_b[] =
    "{\"generation\": 7, \"uptime_s\": 93786, \"workers\": ["
    "{\"id\": 0, \"lcore\": 1, \"rx\": 3000000, \"tx\": 2988000, \"drops\": 15,"
    " \"polls\": 300000, \"busy_polls\": 125000},"
    "{\"id\": 1, \"lcore\": 2, \"rx\": 3000000, \"tx\": 2990000, \"drops\": 7,"
    " \"polls\": 300000, \"busy_polls\": 100000}]}";
static const char stats_a[] =
    "{\"interval_s\": 1.0, \"vips\": ["
    "{\"vip\": \"10.99.100.1:80/tcp\", \"packets\": 5000000, \"bytes\": 3000000000,"
    " \"new_flows\": 10000, \"backends\": ["
    "{\"address\": \"10.99.1.1\", \"packets\": 3000000, \"bytes\": 1800000000, \"new_flows\": "
    "6000},"
    "{\"address\": \"10.99.1.2\", \"packets\": 2000000, \"bytes\": 1200000000, \"new_flows\": "
    "4000},"
    "{\"address\": \"10.99.1.3\", \"packets\": 0, \"bytes\": 0, \"new_flows\": 0}]},"
    "{\"vip\": \"[fd00:99::1]:443/tcp\", \"packets\": 12, \"bytes\": 960, \"new_flows\": 3,"
    " \"backends\": [{\"address\": \"fd00:99::10\", \"packets\": 12, \"bytes\": 960,"
    " \"new_flows\": 3}]}],"
    " \"drops\": {\"no_vip\": 1000, \"malformed\": 17, \"fragment\": 0, \"tx_full\": 0},"
    " \"drops_per_s\": 0.0}";
static const char stats_b[] =
    "{\"interval_s\": 1.0, \"vips\": ["
    "{\"vip\": \"10.99.100.1:80/tcp\", \"packets\": 7400000, \"bytes\": 4200000000,"
    " \"new_flows\": 11000, \"backends\": ["
    "{\"address\": \"10.99.1.1\", \"packets\": 4600000, \"bytes\": 2600000000, \"new_flows\": "
    "6800},"
    "{\"address\": \"10.99.1.2\", \"packets\": 2800000, \"bytes\": 1600000000, \"new_flows\": "
    "4200},"
    "{\"address\": \"10.99.1.3\", \"packets\": 0, \"bytes\": 0, \"new_flows\": 0}]},"
    "{\"vip\": \"[fd00:99::1]:443/tcp\", \"packets\": 12, \"bytes\": 960, \"new_flows\": 3,"
    " \"backends\": [{\"address\": \"fd00:99::10\", \"packets\": 12, \"bytes\": 960,"
    " \"new_flows\": 3}]}],"
    " \"drops\": {\"no_vip\": 3000, \"malformed\": 17, \"fragment\": 0, \"tx_full\": 10},"
    " \"drops_per_s\": 1000.0}";
static const char vips[] =
    "{\"vips\": ["
    "{\"vip\": \"10.99.100.1:80/tcp\", \"encap\": \"ipip\", \"serving_pool\": \"primary\","
    " \"panic\": false, \"empty\": false, \"backends\": 3, \"usable\": 2},"
    "{\"vip\": \"[fd00:99::1]:443/tcp\", \"encap\": \"ip6ip6\", \"serving_pool\": \"primary\","
    " \"panic\": true, \"empty\": false, \"backends\": 1, \"usable\": 0}]}";
static const char backends[] =
    "{\"backends\": ["
    "{\"vip\": \"10.99.100.1:80/tcp\", \"address\": \"10.99.1.1\", \"pool\": \"primary\","
    " \"weight\": 100, \"admin\": \"enabled\", \"state\": \"up\", \"health\": \"up\","
    " \"share_pct\": 50.0, \"flows\": 600},"
    "{\"vip\": \"10.99.100.1:80/tcp\", \"address\": \"10.99.1.2\", \"pool\": \"primary\","
    " \"weight\": 100, \"admin\": \"enabled\", \"state\": \"slow_start\","
    " \"health\": \"up (not checked yet)\", \"share_pct\": 50.0, \"flows\": 12345678},"
    "{\"vip\": \"10.99.100.1:80/tcp\", \"address\": \"10.99.1.3\", \"pool\": \"backup\","
    " \"weight\": 50, \"admin\": \"enabled\", \"state\": \"up\", \"health\": \"unchecked\","
    " \"share_pct\": 0.0, \"flows\": 0},"
    "{\"vip\": \"[fd00:99::1]:443/tcp\", \"address\": \"fd00:99::10\", \"pool\": \"primary\","
    " \"weight\": 1, \"admin\": \"enabled\", \"state\": \"down\", \"health\": \"down\","
    " \"share_pct\": 100.0, \"flows\": 3}]}";
static const char health[] =
    "{\"targets\": ["
    "{\"address\": \"10.99.1.1\", \"type\": \"tcp\", \"port\": 80, \"up\": true,"
    " \"last_latency_us\": 250, \"vips\": [\"10.99.100.1:80/tcp\"]},"
    "{\"address\": \"fd00:99::10\", \"type\": \"tcp\", \"port\": 443, \"up\": false,"
    " \"last_latency_us\": 0, \"vips\": [\"[fd00:99::1]:443/tcp\"]}]}";
static const char table[] =
    "{\"vips\": ["
    "{\"vip\": \"10.99.100.1:80/tcp\", \"table_size\": 65537, \"fingerprint\": "
    "\"3f2a9c0d5e6b7a81\"},"
    "{\"vip\": \"[fd00:99::1]:443/tcp\", \"table_size\": 251, \"fingerprint\": "
    "\"00000000000000ff\"}]}";
static const char alerts[] =
    "{\"alerts\": [{\"severity\": \"warning\", \"kind\": \"skew\","
    " \"subject\": \"10.99.100.1:80/tcp 10.99.1.2\", \"observed\": 0.2, \"expected\": 0.5}]}";

struct pair {
	struct sl_top_sample a, b;
};

static void fill(struct sl_top_sample *s, const char *status, const char *stats, double t)
{
	s->status = load(status);
	s->stats = load(stats);
	s->vips = load(vips);
	s->backends = load(backends);
	s->health = load(health);
	s->table = load(table);
	s->t = t;
}

static int setup(void **state)
{
	struct pair *p = calloc(1, sizeof(*p));

	fill(&p->a, status_a, stats_a, 100.0);
	fill(&p->b, status_b, stats_b, 102.0);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pair *p = *state;

	sl_top_sample_clear(&p->a);
	sl_top_sample_clear(&p->b);
	free(p);
	return 0;
}

/* The frame as a string (the caller frees it). */
static char *render(const struct sl_top_sample *prev, const struct sl_top_sample *cur,
		    struct sl_top_view *v, size_t *nbody)
{
	char *buf = NULL;
	size_t len = 0, n;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	n = sl_top_render(f, prev, cur, v);
	fclose(f);
	if (nbody)
		*nbody = n;
	return buf;
}

static void assert_frame(const char *got, const char *want)
{
	if (strcmp(got, want) != 0) {
		fprintf(stderr, "--- expected\n%s\n--- got\n%s\n---\n", want, got);
		fail_msg("frame differs");
	}
}

/* Rates over the 2 s between A and B:
 *   rx 3 000 000 / 2 = 1.50M pps; tx (1 998 000 + 1 000 000) / 2 = 1 499 000 = 1.50M;
 *   load w0 100 000 / 200 000 = 50%, w1 50 000 / 200 000 = 25%;
 *   drops (2 000 + 10) / 2 = 1005/s = 1.00k, 1005 / 1 500 000 = 0.07% of rx;
 *   VIP: 2 400 000 / 2 = 1.20M pps, 1.2e9 * 8 / 2 = 4.80G bps, 1000 / 2 = 500 new/s;
 *   backends: new 800 / 1000 = 80.0%, 200 / 1000 = 20.0%; 1 600 000 / 2 = 800k pps,
 *   800 000 / 2 = 400k pps; 10.99.1.2's 12 345 678 flows are over 7 digits: 12.3M,
 *   and so are the VIP's 12 346 278 (the sum over its backends);
 *   drops by rate: no_vip 1.00k/s, tx_full 5.0/s, malformed 0/s (17); fragment
 *   has never counted, so it is not shown. */
static const char frame_full[] =
    "sluiced /run/sluice/sluiced.sock  up 1d 2h 3m  generation 7  tables 7b7f38db  every 2 s\n"
    "workers 2 (load 50% 25%)  rx 1.50M pps  tx 1.50M pps  drops 1.00k/s (0.07%)\n"
    "\n"
    "VIP                     PPS    BPS  NEW/S  FLOWS  USABLE  STATE\n"
    "10.99.100.1:80/tcp    1.20M  4.80G    500  12.3M     2/3  ok\n"
    "[fd00:99::1]:443/tcp      0      0      0      3     0/1  PANIC\n"
    "\n"
    "alerts: none\n"
    "DROPS  no_vip 1.00k/s (3000)  tx_full 5.0/s (10)  malformed 0/s (17)\n"
    "\n"
    "BACKEND        STATE       WEIGHT  NEW%   EXP%   PPS  FLOWS  HEALTH\n"
    "10.99.100.1:80/tcp  table 3f2a9c0d5e6b7a81\n"
    "  10.99.1.1    up             100  80.0   50.0  800k    600  up 0.25ms\n"
    "  10.99.1.2    slow_start     100  20.0   50.0  400k  12.3M  up?\n"
    "  10.99.1.3    b:up            50   0.0    0.0     0      0  unchecked\n"
    "[fd00:99::1]:443/tcp  table 00000000000000ff  PANIC\n"
    "  fd00:99::10  down             1     -  100.0     0      3  down\n";

static void test_two_samples(void **state)
{
	struct pair *p = *state;
	struct sl_top_view v = {.daemon = "/run/sluice/sluiced.sock", .interval_s = 2};
	size_t nbody;
	char *got;

	p->b.alerts = load("{\"alerts\": []}");
	got = render(&p->a, &p->b, &v, &nbody);
	assert_frame(got, frame_full);
	assert_int_equal(nbody, 15);
	free(got);
}

/* Without a previous sample only counters are known. */
static const char frame_first[] =
    "sluiced s.sock  up 1d 2h 3m  generation 7  tables 7b7f38db  every 1 s\n"
    "workers 2 (load -)  rx - pps  tx - pps  drops -\n"
    "\n"
    "VIP                   PPS  BPS  NEW/S  FLOWS  USABLE  STATE\n"
    "10.99.100.1:80/tcp      -    -      -  12.3M     2/3  ok\n"
    "[fd00:99::1]:443/tcp    -    -      -      3     0/1  PANIC\n"
    "\n"
    "DROPS  malformed -/s (17)  no_vip -/s (3000)  tx_full -/s (10)\n"
    "\n"
    "BACKEND        STATE       WEIGHT  NEW%   EXP%  PPS  FLOWS  HEALTH\n"
    "10.99.100.1:80/tcp  table 3f2a9c0d5e6b7a81\n"
    "  10.99.1.1    up             100     -   50.0    -    600  up 0.25ms\n"
    "  10.99.1.2    slow_start     100     -   50.0    -  12.3M  up?\n"
    "  10.99.1.3    b:up            50     -    0.0    -      0  unchecked\n"
    "[fd00:99::1]:443/tcp  table 00000000000000ff  PANIC\n"
    "  fd00:99::10  down             1     -  100.0    -      3  down\n";

static void test_first_sample(void **state)
{
	struct pair *p = *state;
	struct sl_top_view v = {.daemon = "s.sock", .interval_s = 1};
	char *got = render(NULL, &p->b, &v, NULL);

	assert_frame(got, frame_first);
	free(got);
}

/* Counters that went backwards (a restarted daemon) give no rate, and a
 * sample taken no later than the previous one gives none at all. */
static void test_reset_and_clock(void **state)
{
	struct pair *p = *state;
	struct sl_top_view v = {.daemon = "s.sock", .interval_s = 1};
	char *got;

	/* B as the previous sample of A: every counter went back. */
	p->a.t = 104.0;
	got = render(&p->b, &p->a, &v, NULL);
	assert_non_null(strstr(got, "workers 2 (load -)  rx - pps  tx - pps  drops -\n"));
	assert_non_null(strstr(got, "10.99.100.1:80/tcp      -    -      -  12.3M"));
	free(got);
	/* Same counters, no time between them. */
	p->a.t = 102.0;
	got = render(&p->b, &p->b, &v, NULL);
	assert_non_null(strstr(got, "rx - pps  tx - pps  drops -\n"));
	free(got);
}

/* An 80x24 terminal: 24 rows at most, none wider than 80 columns, escape
 * sequences aside; the key line last; bold headings, reverse-video alerts. */
static void test_terminal(void **state)
{
	struct pair *p = *state;
	struct sl_top_view v = {.daemon = "/run/sluice/sluiced.sock",
				.interval_s = 1,
				.width = 80,
				.height = 24,
				.tty = true};
	char *got, *line, *save = NULL;
	unsigned rows = 0;

	p->b.alerts = load(alerts);
	got = render(&p->a, &p->b, &v, NULL);
	for (line = strtok_r(got, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char plain[512];
		size_t n = 0;

		/* strip CSI sequences (ESC [ ... final byte) */
		for (const char *c = line; *c && n < sizeof(plain) - 1; c++) {
			if (c[0] == '\033' && c[1] == '[') {
				for (c += 2; *c && !(*c >= '@' && *c <= '~'); c++)
					;
				if (!*c)
					break;
				continue;
			}
			plain[n++] = *c;
		}
		plain[n] = '\0';
		assert_true(n <= 80);
		rows++;
		if (rows == 24)
			assert_string_equal(
			    plain, "q quit  j/k/arrows scroll  space/b page  lines 1-16 of 16");
	}
	assert_int_equal(rows, 24);
	free(got);
	got = render(&p->a, &p->b, &v, NULL);
	assert_non_null(strstr(got, "\033[1mVIP "));
	assert_non_null(strstr(got, "\033[7m  warning skew 10.99.100.1:80/tcp 10.99.1.2: observed "
				    "0.2, expected 0.5\033[0m\033[K\n"));
	assert_non_null(strstr(got, "\033[1mALERTS (1)\033[0m"));
	free(got);
}

/* Scrolling: the body moves under the two header lines, and the scroll is
 * clamped so that the last page stays full. */
static void test_scroll(void **state)
{
	struct pair *p = *state;
	struct sl_top_view v = {.daemon = "d", .interval_s = 1, .width = 80, .height = 8};
	char *got;

	v.scroll = 2;
	got = render(&p->a, &p->b, &v, NULL);
	assert_frame(got, "sluiced d  up 1d 2h 3m  generation 7  tables 7b7f38db  every 1 s\n"
			  "workers 2 (load 50% 25%)  rx 1.50M pps  tx 1.50M pps  drops 1.00k/s "
			  "(0.07%)\n"
			  "10.99.100.1:80/tcp    1.20M  4.80G    500  12.3M     2/3  ok\n"
			  "[fd00:99::1]:443/tcp      0      0      0      3     0/1  PANIC\n"
			  "\n"
			  "DROPS  no_vip 1.00k/s (3000)  tx_full 5.0/s (10)  malformed 0/s (17)\n"
			  "\n"
			  "BACKEND        STATE       WEIGHT  NEW%   EXP%   PPS  FLOWS  HEALTH\n");
	assert_int_equal(v.scroll, 2);
	free(got);
	v.scroll = 1000;
	got = render(&p->a, &p->b, &v, NULL);
	/* 14 body lines, 6 rows for them: the last 6 */
	assert_int_equal(v.scroll, 8);
	assert_non_null(strstr(got, "(0.07%)\n10.99.100.1:80/tcp  table"));
	assert_non_null(strstr(got, "  fd00:99::10  down             1     -  100.0     0      3  "
				    "down\n"));
	free(got);
}

/* A long IPv6 backend address on a narrow terminal: the first column is
 * cut at its start, so the end that tells backends apart stays; --only
 * one VIP's backends. */
static void test_narrow_and_only(void **state)
{
	struct pair *p = *state;
	struct sl_top_view v = {.daemon = "d", .interval_s = 1, .width = 64};
	json_t *b = json_array_get(json_object_get(p->b.backends, "backends"), 3);
	char *got;

	json_object_set_new(b, "address", json_string("fd00:99::aaaa:bbbb:cccc:10"));
	v.only_vip = "[fd00:99::1]:443/tcp";
	got = render(&p->a, &p->b, &v, NULL);
	assert_null(strstr(got, "10.99.1.1 "));
	/* 28 + 50 columns for a width of 64: the first column loses 12 */
	assert_non_null(strstr(got,
			       "BACKEND           STATE  WEIGHT  NEW%   EXP%  PPS  FLOWS  HEALTH\n"
			       "[fd00:99::1]:443/tcp  table 00000000000000ff  PANIC\n"
			       "  ~:bbbb:cccc:10  down        1     -  100.0    -      3  down\n"));
	free(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_two_samples, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_first_sample, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_reset_and_clock, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_terminal, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_scroll, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_narrow_and_only, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
