/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The control plane's internal API (control/sl_api.c) end to end inside one
 * process: a real worker on ring ports forwards test packets while the test
 * (acting as the control thread) changes the configuration, drives health
 * checks with an injected clock and fake check results, previews, rolls back,
 * guards and restarts.  No timing assertions: the clock is the test's.
 */
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "sl_api.h"
#include "sl_health.h"
#include "sl_testlib.h"

#define NB_BACKENDS 4
#define NB_FLOWS    400

static struct rte_mempool *g_pool;
static struct sl_test_lb g_lb;
static struct sl_api *g_api;
static uint64_t g_now = 1000;	      /* ms, injected */
static bool g_alive[NB_BACKENDS + 1]; /* by the backend address's last byte */
static unsigned g_checks[NB_BACKENDS + 1];

/* ---- fake health checks: the result is decided at once ------------------- */

static int fake_start(void **ctx, const struct sl_hc_spec *spec, uint32_t *events, int *done,
		      bool *ok, char *msg, size_t msg_len)
{
	unsigned b = spec->addr[3];

	*ctx = NULL;
	*events = 0;
	*done = 1;
	if (b <= NB_BACKENDS)
		g_checks[b]++;
	/* Port 9999: a check that can never pass (a broken change). */
	*ok = b <= NB_BACKENDS && g_alive[b] && spec->hc.port != 9999;
	snprintf(msg, msg_len, "%s", *ok ? "ok" : "connection refused");
	return -1;
}

static int fake_step(void *ctx, uint32_t revents, uint32_t *events, bool *ok, char *msg,
		     size_t msg_len)
{
	(void)ctx, (void)revents, (void)events, (void)ok, (void)msg, (void)msg_len;
	return 1;
}

static void fake_stop(void *ctx)
{
	(void)ctx;
}

static const struct sl_hc_ops fake_ops = {fake_start, fake_step, fake_stop};
static const struct sl_hc_ops *const fake_ops_table[4] = {NULL, &fake_ops, &fake_ops, &fake_ops};

static uint64_t test_clock(void *arg)
{
	(void)arg;
	return g_now;
}

static int64_t test_wall(void *arg)
{
	(void)arg;
	return 1800000000 + (int64_t)(g_now / 1000);
}

/* ---- configuration -------------------------------------------------------- */

#define VIP "198.51.100.10:80/tcp"

static const char *const base_yaml = "ports:\n"
				     "  - name: data0\n"
				     "next_hop:\n"
				     "  port: data0\n"
				     "  mac: 02:00:00:00:00:01\n"
				     "tunnel:\n"
				     "  source4: 192.0.2.1\n"
				     "flow_table:\n"
				     "  size: 4096\n"
				     "maglev:\n"
				     "  table_size: 1009\n"
				     "guard:\n"
				     "  backends_down: 0\n"
				     "  drops_per_second: 1000000\n"
				     "vips:\n"
				     "  - address: 198.51.100.10\n"
				     "    port: 80\n"
				     "    protocol: tcp\n"
				     "    encap: ipip\n"
				     "    slow_start: 10s\n"
				     "    health:\n"
				     "      type: tcp\n"
				     "      port: 8080\n"
				     "      interval: 1s\n"
				     "      timeout: 300ms\n"
				     "      jitter: 0ms\n"
				     "      rise: 2\n"
				     "      fall: 3\n"
				     "    backends:\n"
				     "      - address: 10.1.0.1\n"
				     "      - address: 10.1.0.2\n"
				     "      - address: 10.1.0.3\n"
				     "      - address: 10.1.0.4\n";

/* The worker runs on this thread between control calls: while the API
 * publishes (and waits for a grace period), the worker is offline. */
static void worker_offline(void)
{
	rte_rcu_qsbr_thread_offline(g_lb.qsbr, 0);
}

static void worker_online(void)
{
	rte_rcu_qsbr_thread_online(g_lb.qsbr, 0);
}

static struct sl_api *api_create(const char *config_path, bool state)
{
	struct sl_api_conf conf = {
	    .ctrl = &g_lb.ctrl,
	    .workers = &g_lb.w,
	    .nb_workers = 1,
	    .config_path = config_path,
	    .use_state_file = state,
	    .clock_ms = test_clock,
	    .wall_clock = test_wall,
	    .hc_ops = fake_ops_table,
	};
	struct sl_config *cfg;
	struct sl_api *api;
	char err[256];

	if (config_path != NULL) {
		struct sl_diag d = {.out = stderr, .file = config_path};

		assert_int_equal(sl_config_load(config_path, &d, &cfg), 0);
	} else {
		cfg = sl_test_config(base_yaml);
	}
	assert_non_null(cfg);
	worker_offline();
	api = sl_api_create(&conf, cfg, err, sizeof(err));
	worker_online();
	if (api == NULL)
		fail_msg("sl_api_create: %s", err);
	return api;
}

static void tick(void)
{
	worker_offline();
	sl_api_tick(g_api);
	worker_online();
}

/* Advance the clock by `ms` in 10 ms steps, ticking the API. */
static void advance(uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += 10) {
		g_now += 10;
		tick();
	}
}

static int setup(void **state)
{
	(void)state;
	for (unsigned b = 1; b <= NB_BACKENDS; b++) {
		g_alive[b] = true;
		g_checks[b] = 0;
	}
	if (sl_test_lb_init(&g_lb, base_yaml, g_pool) < 0)
		return -1;
	g_api = api_create(NULL, false);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	worker_offline();
	sl_api_free(g_api);
	worker_online();
	g_api = NULL;
	sl_test_lb_fini(&g_lb);
	return 0;
}

/* ---- traffic -------------------------------------------------------------- */

/* Send one TCP packet of flow `i` to the VIP; return the last byte of the
 * outer destination (the backend), or 0 if nothing came out. */
static unsigned send_flow(unsigned i)
{
	struct sl_test_port *p = sl_test_lb_port(&g_lb, "data0");
	struct sl_test_pkt pkt = {
	    .src = "203.0.113.7",
	    .dst = "198.51.100.10",
	    .proto = IPPROTO_TCP,
	    .sport = (uint16_t)(10000 + i),
	    .dport = 80,
	};
	struct rte_mbuf *out[4];
	unsigned n, b = 0;

	assert_int_equal(sl_test_lb_send(&g_lb, p, &pkt), 1);
	n = sl_test_port_collect(p, out, 4);
	if (n == 1) {
		const uint8_t *f = rte_pktmbuf_mtod(out[0], const uint8_t *);

		/* Ethernet, then the outer IPv4 header: destination at 16. */
		b = f[14 + 19];
	}
	rte_pktmbuf_free_bulk(out, n);
	return b;
}

static uint64_t total_drops(void)
{
	uint64_t n = 0;

	for (unsigned r = 1; r < SL_V_MAX; r++)
		if (r != SL_V_NO_VIP)
			n += g_lb.w->stats->drops[r];
	return n;
}

static json_t *call_ok(int rc, struct sl_api_out *out)
{
	if (rc != 0)
		fail_msg("API call failed (%d): %s", rc, out->msg);
	return out->result;
}

/* The state a backend reports in backend list. */
static const char *backend_state(const char *addr)
{
	static char buf[32];
	struct sl_api_out out = {0};
	json_t *r = call_ok(sl_api_backend_list(g_api, VIP, &out), &out), *b;
	size_t i;

	buf[0] = '\0';
	json_array_foreach(json_object_get(r, "backends"), i, b)
	{
		if (strcmp(json_string_value(json_object_get(b, "address")), addr) == 0)
			snprintf(buf, sizeof(buf), "%s",
				 json_string_value(json_object_get(b, "state")));
	}
	json_decref(r);
	return buf;
}

/* ---- tests ---------------------------------------------------------------- */

/* Issue: a backend that stops answering is out of new-flow selection within
 * interval x fall + timeout; flows on it move on their next packet, flows on
 * healthy backends never move. */
static void down_backend_moves_only_its_flows(void **state)
{
	unsigned before[NB_FLOWS], on2 = 0;
	uint64_t gen, died;

	(void)state;
	for (unsigned i = 0; i < NB_FLOWS; i++) {
		before[i] = send_flow(i);
		assert_in_range(before[i], 1, NB_BACKENDS);
		on2 += before[i] == 2;
	}
	assert_true(on2 > 0);
	/* Let the first checks run (the phase is within the first interval). */
	advance(2000);
	assert_string_equal(backend_state("10.1.0.2"), "up");
	gen = sl_api_generation(g_api);

	g_alive[2] = false;
	died = g_now;
	while (strcmp(backend_state("10.1.0.2"), "down") != 0) {
		assert_true(g_now - died <= 1000 * 3 + 300);
		g_now += 1;
		tick();
	}
	assert_true(sl_api_generation(g_api) > gen);

	for (unsigned i = 0; i < NB_FLOWS; i++) {
		unsigned b = send_flow(i);

		if (before[i] == 2)
			assert_true(b != 2 && b >= 1 && b <= NB_BACKENDS);
		else
			assert_int_equal(b, before[i]);
	}
	/* New flows never go to it. */
	for (unsigned i = NB_FLOWS; i < 2 * NB_FLOWS; i++)
		assert_int_not_equal(send_flow(i), 2);
	assert_int_equal(total_drops(), 0);
}

/* Coming back: after `rise` successes it is in again, through slow start
 * (its share grows step by step to the full share). */
static void recovery_goes_through_slow_start(void **state)
{
	struct sl_api_out out = {0};
	json_t *r, *b;
	double last = -1;
	size_t i;
	unsigned steps = 0;

	(void)state;
	advance(2000);
	g_alive[3] = false;
	advance(5000);
	assert_string_equal(backend_state("10.1.0.3"), "down");
	g_alive[3] = true;
	g_checks[3] = 0;
	while (strcmp(backend_state("10.1.0.3"), "down") == 0) {
		assert_true(g_checks[3] <= 2);
		g_now += 1;
		tick();
	}
	/* Exactly `rise` successful checks brought it back. */
	assert_int_equal(g_checks[3], 2);
	assert_string_equal(backend_state("10.1.0.3"), "slow_start");
	for (unsigned t = 0; t < 12; t++) {
		double share = -1;

		r = call_ok(sl_api_backend_list(g_api, VIP, &out), &out);
		json_array_foreach(json_object_get(r, "backends"), i, b)
		{
			if (strcmp(json_string_value(json_object_get(b, "address")), "10.1.0.3") ==
			    0)
				share = json_real_value(json_object_get(b, "share_pct"));
		}
		json_decref(r);
		assert_true(share >= last);
		if (share > last)
			steps++;
		last = share;
		advance(1000);
	}
	assert_true(steps >= 5);
	assert_string_equal(backend_state("10.1.0.3"), "up");
	/* Full share again: about a quarter of 1009 slots. */
	assert_true(last > 20.0 && last < 30.0);
}

/* Preview: a dry run changes nothing, and its numbers are what the change
 * then does. */
static void dry_run_previews_exactly(void **state)
{
	struct sl_api_opts dry = {.dry_run = true, .origin = "test"};
	struct sl_api_opts real = {.origin = "test"};
	struct sl_api_out out = {0};
	const struct sl_vip *t;
	uint32_t *old_table;
	unsigned on1 = 0, moved = 0;
	uint64_t gen = sl_api_generation(g_api);
	json_t *r, *v;

	(void)state;
	for (unsigned i = 0; i < NB_FLOWS; i++)
		on1 += send_flow(i) == 1;

	/* Removing backend 1 moves exactly its flows. */
	r = call_ok(sl_api_backend_del(g_api, &dry, VIP, "10.1.0.1", &out), &out);
	assert_true(json_is_true(json_object_get(r, "dry_run")));
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(r, "preview"), "flows_moving")),
	    on1);
	json_decref(r);
	assert_int_equal(sl_api_generation(g_api), gen);

	/* A weight change: the slots the preview says move are the slots that
	 * move. */
	t = &g_lb.ctrl.snap->vips[sl_ctrl_vip_id(&g_lb.ctrl, &sl_api_config(g_api)->vips[0])];
	old_table = malloc(t->table_size * sizeof(*old_table));
	memcpy(old_table, t->table, t->table_size * sizeof(*old_table));
	r = call_ok(sl_api_backend_weight(g_api, &dry, VIP, "10.1.0.4", 300, &out), &out);
	v = json_array_get(json_object_get(json_object_get(r, "preview"), "vips"), 0);
	assert_string_equal(json_string_value(json_object_get(v, "vip")), VIP);
	assert_int_equal(json_integer_value(json_object_get(v, "flows_moving")), 0);
	{
		json_int_t predicted = json_integer_value(json_object_get(v, "slots_moved"));

		json_decref(r);
		worker_offline();
		r = call_ok(sl_api_backend_weight(g_api, &real, VIP, "10.1.0.4", 300, &out), &out);
		worker_online();
		json_decref(r);
		t = &g_lb.ctrl.snap
			 ->vips[sl_ctrl_vip_id(&g_lb.ctrl, &sl_api_config(g_api)->vips[0])];
		for (uint32_t j = 0; j < t->table_size; j++)
			moved += old_table[j] != t->table[j];
		assert_int_equal(moved, predicted);
		assert_true(moved > 0);
	}
	free(old_table);
	/* Established flows stayed where they were (weights never move
	 * flows that are in the table). */
	assert_int_equal(total_drops(), 0);
}

static void change(int rc, struct sl_api_out *out)
{
	json_decref(call_ok(rc, out));
	out->result = NULL;
}

/* Generations: history, diff, rollback. */
static void history_diff_rollback(void **state)
{
	struct sl_api_opts o = {.uid = 1234, .origin = "cli"};
	struct sl_api_out out = {0};
	struct sl_config *initial = sl_config_dup(sl_api_config(g_api));
	uint64_t g1 = sl_api_generation(g_api);
	json_t *r, *gens;
	const char *diff;

	(void)state;
	worker_offline();
	change(sl_api_backend_weight(g_api, &o, VIP, "10.1.0.1", 50, &out), &out);
	change(sl_api_backend_state(g_api, &o, VIP, "10.1.0.2", SL_ADMIN_DRAINING, &out), &out);
	/* A change to what is already there is no new generation. */
	r = call_ok(sl_api_backend_weight(g_api, &o, VIP, "10.1.0.1", 50, &out), &out);
	assert_true(json_is_true(json_object_get(r, "unchanged")));
	json_decref(r);
	worker_online();

	r = call_ok(sl_api_config_history(g_api, &out), &out);
	gens = json_object_get(r, "generations");
	assert_int_equal(json_array_size(gens), 3);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(gens, 1), "uid")), 1234);
	assert_non_null(strstr(
	    json_string_value(json_object_get(json_array_get(gens, 1), "summary")), "weight"));
	json_decref(r);

	r = call_ok(sl_api_config_diff(g_api, g1, 0, &out), &out);
	diff = json_string_value(json_object_get(r, "diff"));
	assert_non_null(strstr(diff, "10.1.0.1 weight: 100 -> 50"));
	assert_non_null(strstr(diff, "10.1.0.2 state: enabled -> draining"));
	json_decref(r);

	worker_offline();
	change(sl_api_config_rollback(g_api, &o, g1, &out), &out);
	worker_online();
	assert_true(sl_config_equal(sl_api_config(g_api), initial));
	assert_int_equal(sl_api_config_rollback(g_api, &o, 999999, &out), -ENOENT);
	assert_non_null(strstr(out.msg, "999999"));
	sl_config_free(initial);
}

/* Guard: a change followed by a backend going down is rolled back by
 * itself; a quiet change is kept. */
static void guard_rolls_back_when_health_worsens(void **state)
{
	struct sl_api_opts g = {.origin = "cli", .guard_ms = 5000};
	struct sl_api_out out = {0};
	struct sl_config *before;
	json_t *r, *last;

	(void)state;
	advance(2000);
	before = sl_config_dup(sl_api_config(g_api));
	worker_offline();
	change(sl_api_backend_weight(g_api, &g, VIP, "10.1.0.1", 10, &out), &out);
	worker_online();
	assert_int_equal(sl_api_config(g_api)->vips[0].backends[0].weight, 10);
	g_alive[4] = false;
	advance(4500);
	/* Rolled back: the running configuration is the one before. */
	assert_true(sl_config_equal(sl_api_config(g_api), before));
	r = call_ok(sl_api_config_history(g_api, &out), &out);
	last = json_object_get(r, "generations");
	assert_non_null(strstr(json_string_value(json_object_get(
				   json_array_get(last, json_array_size(last) - 2), "guard")),
			       "rolled back"));
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(last, json_array_size(last) - 1), "origin")),
			    "guard");
	json_decref(r);
	sl_config_free(before);

	/* Quiet: kept. */
	worker_offline();
	change(sl_api_backend_weight(g_api, &g, VIP, "10.1.0.1", 20, &out), &out);
	worker_online();
	advance(6000);
	assert_int_equal(sl_api_config(g_api)->vips[0].backends[0].weight, 20);
	r = call_ok(sl_api_config_history(g_api, &out), &out);
	last = json_object_get(r, "generations");
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(last, json_array_size(last) - 1), "guard")),
			    "kept");
	json_decref(r);
}

/* Bad changes are refused with a message and change nothing. */
static void bad_changes_are_refused(void **state)
{
	struct sl_api_opts o = {.origin = "cli"};
	struct sl_api_out out = {0};
	uint64_t gen = sl_api_generation(g_api);
	struct sl_config *before = sl_config_dup(sl_api_config(g_api));

	(void)state;
	worker_offline();
	assert_int_equal(sl_api_backend_weight(g_api, &o, VIP, "10.1.0.1", 70000, &out), -EINVAL);
	assert_non_null(strstr(out.msg, "70000"));
	assert_int_equal(
	    sl_api_backend_weight(g_api, &o, "198.51.100.99:80/tcp", "10.1.0.1", 1, &out), -ENOENT);
	assert_non_null(strstr(out.msg, "198.51.100.99:80/tcp"));
	assert_int_equal(sl_api_backend_weight(g_api, &o, "nonsense", "10.1.0.1", 1, &out),
			 -EINVAL);
	assert_int_equal(sl_api_backend_del(g_api, &o, VIP, "10.1.0.9", &out), -ENOENT);
	assert_int_equal(sl_api_vip_set(g_api, &o, VIP, "panic_mode: maybe", &out), -EINVAL);
	assert_non_null(strstr(out.msg, "panic_mode"));
	assert_int_equal(sl_api_config_apply(g_api, &o, "bad.yaml", "vips: 3\n", &out), -EINVAL);
	assert_non_null(strstr(out.msg, "bad.yaml"));
	worker_online();
	assert_int_equal(sl_api_generation(g_api), gen);
	assert_true(sl_config_equal(sl_api_config(g_api), before));
	sl_config_free(before);
}

/* Health state, weights and admin states survive a reload of the file. */
static void reload_keeps_runtime_state(void **state)
{
	struct sl_api_opts o = {.origin = "cli"};
	struct sl_api_out out = {0};
	char *edited = strdup(base_yaml), *p;
	const struct sl_config_vip *v;

	(void)state;
	advance(2000);
	g_alive[2] = false;
	advance(5000);
	assert_string_equal(backend_state("10.1.0.2"), "down");
	worker_offline();
	change(sl_api_backend_weight(g_api, &o, VIP, "10.1.0.1", 50, &out), &out);
	change(sl_api_backend_state(g_api, &o, VIP, "10.1.0.3", SL_ADMIN_DISABLED, &out), &out);
	/* The file (unchanged for .1 and .3) again, with .4 now weight 7. */
	p = strstr(edited, "      - address: 10.1.0.4\n");
	assert_non_null(p);
	*p = '\0';
	{
		char text[4096];

		snprintf(text, sizeof(text), "%s      - address: 10.1.0.4\n        weight: 7\n",
			 edited);
		change(sl_api_config_apply(g_api, &o, "reload.yaml", text, &out), &out);
	}
	worker_online();
	free(edited);
	v = &sl_api_config(g_api)->vips[0];
	assert_int_equal(v->backends[0].weight, 50);
	assert_int_equal(v->backends[2].state, SL_ADMIN_DISABLED);
	assert_int_equal(v->backends[3].weight, 7);
	/* Health was not re-learnt: still down without a new check. */
	assert_string_equal(backend_state("10.1.0.2"), "down");
}

/* Changes survive a restart through the state file; a config file edited
 * since wins. */
static void state_file_restores_cli_changes(void **state)
{
	struct sl_api_opts o = {.origin = "cli"};
	struct sl_api_out out = {0};
	char dir[] = "/tmp/sl_api_XXXXXX", path[256], spath[300];
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sluice.yaml", dir);
	snprintf(spath, sizeof(spath), "%s.state", path);
	f = fopen(path, "w");
	fputs(base_yaml, f);
	fclose(f);

	worker_offline();
	sl_api_free(g_api);
	worker_online();
	g_api = api_create(path, true);
	worker_offline();
	change(sl_api_backend_weight(g_api, &o, VIP, "10.1.0.1", 42, &out), &out);
	change(sl_api_backend_state(g_api, &o, VIP, "10.1.0.2", SL_ADMIN_DRAINING, &out), &out);
	sl_api_free(g_api);
	worker_online();
	assert_int_equal(access(spath, R_OK), 0);

	g_api = api_create(path, true);
	assert_int_equal(sl_api_config(g_api)->vips[0].backends[0].weight, 42);
	assert_int_equal(sl_api_config(g_api)->vips[0].backends[1].state, SL_ADMIN_DRAINING);

	/* The operator edits the file: it wins over the state file. */
	worker_offline();
	sl_api_free(g_api);
	worker_online();
	f = fopen(path, "a");
	fputs("# edited\n", f);
	fclose(f);
	g_api = api_create(path, true);
	assert_int_equal(sl_api_config(g_api)->vips[0].backends[0].weight, 100);
	assert_int_equal(sl_api_config(g_api)->vips[0].backends[1].state, SL_ADMIN_ENABLED);
	unlink(spath);
	unlink(path);
	rmdir(dir);
}

/* Queries answer with the documented shapes. */
static void queries(void **state)
{
	struct sl_api_out out = {0};
	json_t *r;

	(void)state;
	for (unsigned i = 0; i < 50; i++)
		send_flow(i);
	r = call_ok(sl_api_status(g_api, &out), &out);
	assert_int_equal(json_integer_value(json_object_get(r, "vips")), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "backends")), NB_BACKENDS);
	assert_int_equal(json_integer_value(json_object_get(r, "health_targets")), NB_BACKENDS);
	json_decref(r);
	r = call_ok(sl_api_flows(g_api, &out), &out);
	assert_int_equal(json_integer_value(json_object_get(r, "flows")), 50);
	json_decref(r);
	r = call_ok(sl_api_table(g_api, VIP, &out), &out);
	assert_int_equal(strlen(json_string_value(json_object_get(
			     json_array_get(json_object_get(r, "vips"), 0), "fingerprint"))),
			 16);
	json_decref(r);
	r = call_ok(sl_api_health(g_api, &out), &out);
	assert_int_equal(json_array_size(json_object_get(r, "targets")), NB_BACKENDS);
	json_decref(r);
	r = call_ok(sl_api_stats(g_api, &out), &out);
	assert_int_equal(json_integer_value(json_object_get(
			     json_array_get(json_object_get(r, "vips"), 0), "new_flows")),
			 50);
	json_decref(r);
	r = call_ok(sl_api_vip_show(g_api, VIP, &out), &out);
	assert_int_equal(json_array_size(json_object_get(r, "backends")), NB_BACKENDS);
	json_decref(r);
	r = call_ok(sl_api_config_show(g_api, 0, &out), &out);
	assert_non_null(strstr(json_string_value(json_object_get(r, "yaml")), "10.1.0.4"));
	json_decref(r);
}

/* ---- 1000 changes under traffic, with a real worker thread ---------------- */

struct wthread {
	volatile bool stop;
};

static void *worker_thread(void *arg)
{
	struct wthread *wt = arg;

	rte_rcu_qsbr_thread_online(g_lb.qsbr, 0);
	while (!wt->stop)
		sl_worker_poll(g_lb.w);
	rte_rcu_qsbr_thread_offline(g_lb.qsbr, 0);
	return NULL;
}

/* Blocks allocated from the DPDK heap, all sockets. */
static uint64_t heap_allocs(void)
{
	struct rte_malloc_socket_stats st;
	uint64_t n = 0;

	for (unsigned s = 0; s < rte_socket_count(); s++)
		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
			n += st.alloc_count;
	return n;
}

static void thousand_changes_under_traffic(void **state)
{
	struct sl_api_opts o = {.origin = "test"};
	struct sl_api_out out = {0};
	struct sl_test_port *p = sl_test_lb_port(&g_lb, "data0");
	struct sl_test_dpdk_usage u0, u1;
	uint64_t allocs0;
	struct wthread wt = {.stop = false};
	uint64_t sent = 0, got = 0;
	pthread_t tid;
	unsigned i;

	(void)state;
	advance(2000);
	sl_test_dpdk_usage(&u0);
	allocs0 = heap_allocs();
	worker_offline();
	assert_int_equal(rte_ctrl_thread_create(&tid, "sl-t-worker", NULL, worker_thread, &wt), 0);
	for (i = 0; i < 1000; i++) {
		struct sl_config_backend nb = {0};
		uint64_t gen, polls;
		struct rte_mbuf *m[8];
		unsigned n;

		switch (i % 5) {
		case 0:
			change(sl_api_backend_weight(g_api, &o, VIP, "10.1.0.1", 50 + i % 7, &out),
			       &out);
			break;
		case 1:
			change(sl_api_backend_state(g_api, &o, VIP, "10.1.0.2", SL_ADMIN_DRAINING,
						    &out),
			       &out);
			break;
		case 2:
			change(sl_api_backend_state(g_api, &o, VIP, "10.1.0.2", SL_ADMIN_ENABLED,
						    &out),
			       &out);
			break;
		case 3:
			nb.family = SL_AF_INET;
			sl_test_addr("10.1.0.9", nb.addr);
			snprintf(nb.addr_str, sizeof(nb.addr_str), "10.1.0.9");
			nb.weight = 100;
			change(sl_api_backend_add(g_api, &o, VIP, &nb, &out), &out);
			break;
		default:
			change(sl_api_backend_del(g_api, &o, VIP, "10.1.0.9", &out), &out);
			break;
		}
		/* Returned after the grace period: the worker's next loop
		 * uses this generation. */
		gen = sl_api_generation(g_api);
		polls = __atomic_load_n(&g_lb.w->stats->polls, __ATOMIC_RELAXED);
		for (unsigned k = 0; k < 10000000 && __atomic_load_n(&g_lb.w->stats->polls,
								     __ATOMIC_RELAXED) < polls + 2;
		     k++)
			rte_pause();
		assert_int_equal(__atomic_load_n(&g_lb.w->stats->generation, __ATOMIC_RELAXED),
				 gen);
		/* Paced traffic: a few packets of existing and new flows. */
		for (unsigned k = 0; k < 4; k++) {
			uint8_t frame[256];
			struct sl_test_pkt pkt = {
			    .src = "203.0.113.7",
			    .dst = "198.51.100.10",
			    .proto = IPPROTO_TCP,
			    .sport = (uint16_t)(20000 + (i * 4 + k) % 3000),
			    .dport = 80,
			};
			size_t len = sl_test_pkt_build(&pkt, frame, sizeof(frame));
			struct rte_mbuf *mb = sl_test_mbuf(g_pool, frame, (uint16_t)len);

			assert_non_null(mb);
			if (sl_test_port_inject(p, &mb, 1) == 1)
				sent++;
			else
				rte_pktmbuf_free(mb);
		}
		while ((n = sl_test_port_collect(p, m, 8)) > 0) {
			got += n;
			rte_pktmbuf_free_bulk(m, n);
		}
	}
	/* Drain what is still in flight (bounded). */
	for (unsigned k = 0; k < 10000000 && got < sent; k++) {
		struct rte_mbuf *m[8];
		unsigned n = sl_test_port_collect(p, m, 8);

		got += n;
		rte_pktmbuf_free_bulk(m, n);
	}
	wt.stop = true;
	pthread_join(tid, NULL);
	worker_online();
	assert_int_equal(got, sent);
	assert_int_equal(total_drops(), 0);
	/* Back to the first configuration: DPDK memory where it started. */
	worker_offline();
	change(sl_api_backend_weight(g_api, &o, VIP, "10.1.0.1", 100, &out), &out);
	worker_online();
	sl_test_dpdk_usage(&u1);
	assert_int_equal(u1.memzones, u0.memzones);
	assert_int_equal(u1.mempools, u0.mempools);
	/* Every allocation given back: the count is exact.  The byte total
	 * also includes alignment padding that depends on where each block
	 * landed, so it may differ by a few cache lines without a leak; a
	 * leaked snapshot or table would be kilobytes. */
	assert_int_equal(heap_allocs(), allocs0);
	assert_true(u1.heap_bytes <= u0.heap_bytes + 1024 && u0.heap_bytes <= u1.heap_bytes + 1024);
	assert_int_equal(rte_mempool_in_use_count(g_pool), 0);
}

/* ---- regressions found in review -------------------------------------- */

static json_t *get_vip0(json_t *r)
{
	return json_array_get(json_object_get(json_object_get(r, "preview"), "vips"), 0);
}

static const char *serving(void)
{
	static char buf[16];
	struct sl_api_out out = {0};
	json_t *r = call_ok(sl_api_vip_list(g_api, &out), &out);

	snprintf(buf, sizeof(buf), "%s",
		 json_string_value(json_object_get(json_array_get(json_object_get(r, "vips"), 0),
						   "serving_pool")));
	json_decref(r);
	return buf;
}

static void health_setting_change_keeps_state(void **state)
{
	struct sl_api_opts o = {.origin = "test"};
	struct sl_api_out out = {0};
	unsigned got = 0;

	(void)state;
	advance(2000);
	worker_offline();
	change(sl_api_vip_set(g_api, &o, VIP, "panic_mode: closed", &out), &out);
	change(sl_api_vip_set(g_api, &o, VIP,
			      "health:\n  type: tcp\n  port: 8080\n  interval: 2s\n  timeout: "
			      "300ms\n  jitter: 0ms\n  rise: 2\n  fall: 3\n",
			      &out),
	       &out);
	worker_online();
	/* Every backend kept its verdict: panic closed would drop flows if
	 * the new targets had started down. */
	for (unsigned i = 0; i < 50; i++)
		got += send_flow(i) != 0;
	assert_int_equal(got, 50);
	assert_string_equal(backend_state("10.1.0.1"), "up");
}

static void guard_catches_broken_checks(void **state)
{
	struct sl_api_opts g = {.origin = "cli", .guard_ms = 5000};
	struct sl_api_out out = {0};
	json_t *r, *last;
	const char *gs;

	(void)state;
	advance(2000);
	worker_offline();
	change(sl_api_vip_set(g_api, &g, VIP,
			      "health:\n  type: tcp\n  port: 9999\n  interval: 1s\n  timeout: "
			      "300ms\n  jitter: 0ms\n  rise: 2\n  fall: 3\n",
			      &out),
	       &out);
	worker_online();
	advance(6000);
	r = call_ok(sl_api_config_history(g_api, &out), &out);
	last = json_object_get(r, "generations");
	/* The guarded change (second to last) was rolled back by the guard. */
	gs = json_string_value(
	    json_object_get(json_array_get(last, json_array_size(last) - 2), "guard"));
	assert_non_null(strstr(gs, "rolled back"));
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(last, json_array_size(last) - 1), "origin")),
			    "guard");
	json_decref(r);
	assert_int_equal(sl_api_config(g_api)->vips[0].health.port, 8080);
}

static void state_file_keeps_unloaded_edit(void **state)
{
	struct sl_api_opts o = {.origin = "cli"};
	struct sl_api_out out = {0};
	char dir[] = "/tmp/sl_apirev_XXXXXX", path[256], spath[300];
	char *edited = strdup(base_yaml), *p;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/sluice.yaml", dir);
	snprintf(spath, sizeof(spath), "%s.state", path);
	f = fopen(path, "w");
	fputs(base_yaml, f);
	fclose(f);
	worker_offline();
	sl_api_free(g_api);
	worker_online();
	g_api = api_create(path, true);
	/* The operator edits the file (4 gets weight 7) to apply at restart... */
	p = strstr(edited, "      - address: 10.1.0.4\n");
	*p = '\0';
	f = fopen(path, "w");
	fprintf(f, "%s      - address: 10.1.0.4\n        weight: 7\n", edited);
	fclose(f);
	/* ...someone makes a CLI change meanwhile... */
	worker_offline();
	change(sl_api_backend_weight(g_api, &o, VIP, "10.1.0.1", 42, &out), &out);
	sl_api_free(g_api);
	worker_online();
	/* ...restart. */
	g_api = api_create(path, true);
	unlink(spath);
	unlink(path);
	rmdir(dir);
	free(edited);
	assert_int_equal(sl_api_config(g_api)->vips[0].backends[3].weight, 7);
}

static void moved_pct_at_most_100(void **state)
{
	struct sl_api_opts dry = {.dry_run = true, .origin = "test"};
	struct sl_api_out out = {0};
	json_t *r, *v;

	(void)state;
	r = call_ok(sl_api_vip_set(g_api, &dry, VIP, "table_size: 251", &out), &out);
	v = get_vip0(r);
	assert_true(json_real_value(json_object_get(v, "moved_pct")) <= 100.0);
	json_decref(r);
}

static void config_show_generation_is_in_history(void **state)
{
	struct sl_api_out out = {0};
	json_t *r;
	uint64_t g;

	(void)state;
	advance(2000);
	g_alive[2] = false;
	advance(5000);
	r = call_ok(sl_api_config_show(g_api, 0, &out), &out);
	g = (uint64_t)json_integer_value(json_object_get(r, "generation"));
	json_decref(r);
	assert_int_equal(sl_api_config_show(g_api, g, &out), 0);
	json_decref(out.result);
}

static void superseded_guard_is_closed(void **state)
{
	struct sl_api_opts g = {.origin = "cli", .guard_ms = 5000};
	struct sl_api_out out = {0};
	json_t *r, *gens, *e;
	size_t i;

	(void)state;
	advance(2000);
	worker_offline();
	change(sl_api_backend_weight(g_api, &g, VIP, "10.1.0.1", 10, &out), &out);
	change(sl_api_backend_weight(g_api, &g, VIP, "10.1.0.1", 20, &out), &out);
	worker_online();
	advance(7000);
	r = call_ok(sl_api_config_history(g_api, &out), &out);
	gens = json_object_get(r, "generations");
	json_array_foreach(gens, i, e)
	{
		const char *gs = json_string_value(json_object_get(e, "guard"));

		if (i == json_array_size(gens) - 2)
			assert_string_equal(gs, "ended: superseded by a later change");
		if (i == json_array_size(gens) - 1)
			assert_string_equal(gs, "kept");
	}
	json_decref(r);
}

static void preview_does_not_change_decision(void **state)
{
	struct sl_api_opts o = {.origin = "test"};
	struct sl_api_out out = {0};
	struct sl_config_backend nb = {0};
	char text[4096], *edited = strdup(base_yaml), *p;

	(void)state;
	p = strstr(edited, "    backends:\n");
	*p = '\0';
	snprintf(text, sizeof(text),
		 "%s    backup_threshold: 50%%\n    backup_hysteresis: 20%%\n    backends:\n"
		 "      - address: 10.1.0.1\n      - address: 10.1.0.2\n      - address: 10.1.0.3\n"
		 "      - address: 10.1.0.4\n        pool: backup\n",
		 edited);
	free(edited);
	worker_offline();
	change(sl_api_config_apply(g_api, &o, "t.yaml", text, &out), &out);
	worker_online();
	advance(2000);
	g_alive[1] = false;
	g_alive[2] = false;
	advance(6000);
	g_alive[2] = true;
	advance(4000);
	nb.family = SL_AF_INET;
	sl_test_addr("10.1.0.5", nb.addr);
	snprintf(nb.addr_str, sizeof(nb.addr_str), "10.1.0.5");
	nb.weight = 100;
	worker_offline();
	change(sl_api_backend_add(g_api, &o, VIP, &nb, &out), &out);
	worker_online();
	assert_string_equal(serving(), "backup");
}

/* Alerts from the real counters and health (the glue in sl_api.c): the
 * alerts settings applied with a reload; a burst of non-SYN flow-table
 * misses, a drop spike, a VIP with nothing usable, each raised once and
 * listed by sl_api_alerts, and resolved after the hysteresis. */
static bool alert_active(const char *name)
{
	struct sl_api_out out = {0};
	json_t *r = call_ok(sl_api_alerts(g_api, &out), &out), *a;
	bool found = false;
	size_t i;

	json_array_foreach(json_object_get(r, "alerts"), i, a)
	{
		found |= !strcmp(json_string_value(json_object_get(a, "alert")), name);
	}
	json_decref(r);
	return found;
}

static void alerts_from_real_counters(void **state)
{
	struct sl_api_opts o = {.origin = "test"};
	struct sl_api_out out = {0};
	struct sl_test_port *p = sl_test_lb_port(&g_lb, "data0");
	const char *alerts = "alerts:\n"
			     "  warmup: 0s\n"
			     "  repeat: off\n"
			     "  resolve_after: 2s\n"
			     "  nonsyn_burst: {min_increase: 50}\n"
			     "  drop_spike: {min_increase: 50}\n";
	char text[4096];
	const char *vips = strstr(base_yaml, "vips:\n");
	json_t *r, *a;

	(void)state;
	assert_non_null(vips);
	snprintf(text, sizeof(text), "%.*s%s%s", (int)(vips - base_yaml), base_yaml, alerts, vips);
	worker_offline();
	change(sl_api_config_apply(g_api, &o, "alerts.yaml", text, &out), &out);
	worker_online();
	assert_int_equal(sl_api_config(g_api)->alerts.resolve_after_ms, 2000);
	advance(3000);
	assert_false(alert_active("nonsyn_burst"));

	/* 400 flows whose first packet is an ACK: 400 non-SYN misses in a
	 * second. */
	for (unsigned i = 0; i < NB_FLOWS; i++)
		assert_in_range(send_flow(i), 1, NB_BACKENDS);
	advance(1000);
	assert_true(alert_active("nonsyn_burst"));
	/* 200 packets for an address that is no VIP: no_vip drops. */
	for (unsigned i = 0; i < 200; i++) {
		struct sl_test_pkt pkt = {.src = "203.0.113.7",
					  .dst = "198.51.100.99",
					  .proto = IPPROTO_UDP,
					  .sport = (uint16_t)(2000 + i),
					  .dport = 53};
		struct rte_mbuf *m[4];

		assert_int_equal(sl_test_lb_send(&g_lb, p, &pkt), 1);
		rte_pktmbuf_free_bulk(m, sl_test_port_collect(p, m, 4));
	}
	advance(1000);
	assert_true(alert_active("drop_spike"));
	/* Every backend down is panic (open: new flows go to all of them);
	 * every backend disabled is a VIP with nothing usable. */
	for (unsigned b = 1; b <= NB_BACKENDS; b++)
		g_alive[b] = false;
	advance(5000);
	assert_string_equal(backend_state("10.1.0.1"), "down");
	assert_false(alert_active("vip_empty"));
	worker_offline();
	for (unsigned b = 1; b <= NB_BACKENDS; b++) {
		char addr[16];

		snprintf(addr, sizeof(addr), "10.1.0.%u", b);
		change(sl_api_backend_state(g_api, &o, VIP, addr, SL_ADMIN_DISABLED, &out), &out);
	}
	worker_online();
	advance(1000);
	r = call_ok(sl_api_alerts(g_api, &out), &out);
	assert_true(json_is_true(json_object_get(r, "enabled")));
	assert_int_equal(json_array_size(json_object_get(r, "alerts")), 1);
	a = json_array_get(json_object_get(r, "alerts"), 0);
	assert_string_equal(json_string_value(json_object_get(a, "alert")), "vip_empty");
	assert_string_equal(json_string_value(json_object_get(a, "state")), "active");
	assert_string_equal(json_string_value(json_object_get(a, "severity")), "critical");
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(a, "subject"), "vip")), VIP);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(r, "counts"), "raised")), 3);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(r, "counts"), "resolved")), 2);
	assert_string_equal(
	    json_string_value(json_object_get(json_object_get(r, "hook"), "command")), "");
	json_decref(r);
	/* Who may change the hook: not an admin_group member (uid 1234),
	 * root may. */
	{
		char *hook = NULL;
		struct sl_api_opts admin = {.uid = 1234, .origin = "cli"};

		assert_true(asprintf(&hook, "%.*s%s  hook: {command: /bin/true}\n%s",
				     (int)(vips - base_yaml), base_yaml, alerts, vips) > 0);
		worker_offline();
		assert_int_equal(sl_api_config_apply(g_api, &admin, "hook.yaml", hook, &out),
				 -EPERM);
		assert_non_null(strstr(out.msg, "alerts.hook.command: only root"));
		assert_string_equal(sl_api_config(g_api)->alerts.hook.command, "");
		change(sl_api_config_apply(g_api, &o, "hook.yaml", hook, &out), &out);
		worker_online();
		assert_string_equal(sl_api_config(g_api)->alerts.hook.command, "/bin/true");
		free(hook);
	}
	/* Back: resolved after resolve_after. */
	worker_offline();
	change(sl_api_backend_state(g_api, &o, VIP, "10.1.0.3", SL_ADMIN_ENABLED, &out), &out);
	worker_online();
	g_alive[3] = true;
	advance(5000);
	assert_false(alert_active("vip_empty"));
	r = call_ok(sl_api_alerts(g_api, &out), &out);
	assert_int_equal(json_array_size(json_object_get(r, "alerts")), 0);
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(r, "counts"), "resolved")), 3);
	json_decref(r);
}

/* ---- hooks (sluiced's XDP VIP map) --------------------------------------- */

struct hook_log {
	unsigned calls;	       /* on_running */
	uint32_t nb_vips;      /* of the configuration it last saw */
	uint64_t generation;   /* the API's generation when it was called */
	unsigned status_calls; /* status_add */
};
static struct hook_log g_hook;

static void hook_running(void *arg, const struct sl_config *cfg)
{
	struct hook_log *h = arg;

	h->calls++;
	h->nb_vips = cfg->nb_vips;
	/* Called after the publish: the new generation already runs. */
	h->generation = g_api != NULL ? sl_api_generation(g_api) : 0;
}

static void hook_status(void *arg, json_t *status)
{
	struct hook_log *h = arg;

	json_object_set_new(status, "hooked", json_integer(++h->status_calls));
}

/* on_running sees every configuration that becomes the running one (the
 * first, a change, a rollback), after it is published, and nothing else (dry
 * runs, refused changes, changes to nothing); status_add's fields appear in
 * status. */
static void running_hook_sees_each_running_config(void **state)
{
	struct sl_api_conf conf = {
	    .ctrl = &g_lb.ctrl,
	    .workers = &g_lb.w,
	    .nb_workers = 1,
	    .clock_ms = test_clock,
	    .wall_clock = test_wall,
	    .hc_ops = fake_ops_table,
	    .on_running = hook_running,
	    .status_add = hook_status,
	    .hook_arg = &g_hook,
	};
	struct sl_api_opts o = {.origin = "test"}, dry = {.origin = "test", .dry_run = true};
	struct sl_api_out out = {0};
	char err[256], *two_vips;
	uint64_t g1;
	json_t *r;

	(void)state;
	memset(&g_hook, 0, sizeof(g_hook));
	worker_offline();
	sl_api_free(g_api);
	g_api = NULL; /* hook_running must not read it while the new one is made */
	g_api = sl_api_create(&conf, sl_test_config(base_yaml), err, sizeof(err));
	worker_online();
	if (g_api == NULL)
		fail_msg("sl_api_create: %s", err);
	assert_int_equal(g_hook.calls, 1);
	assert_int_equal(g_hook.nb_vips, 1);
	g1 = sl_api_generation(g_api);

	assert_int_not_equal(asprintf(&two_vips,
				      "%s"
				      "  - address: 198.51.100.11\n"
				      "    port: 53\n"
				      "    protocol: udp\n"
				      "    encap: ipip\n"
				      "    health: { type: none }\n"
				      "    backends:\n"
				      "      - address: 10.1.0.1\n",
				      base_yaml),
			     -1);
	worker_offline();
	change(sl_api_config_apply(g_api, &dry, "two.yaml", two_vips, &out), &out);
	assert_int_equal(g_hook.calls, 1);
	change(sl_api_config_apply(g_api, &o, "two.yaml", two_vips, &out), &out);
	assert_int_equal(g_hook.calls, 2);
	assert_int_equal(g_hook.nb_vips, 2);
	assert_int_equal(g_hook.generation, sl_api_generation(g_api));
	assert_true(g_hook.generation > g1);
	/* The same again changes nothing. */
	change(sl_api_config_apply(g_api, &o, "two.yaml", two_vips, &out), &out);
	assert_int_equal(g_hook.calls, 2);
	/* Refused. */
	assert_int_equal(sl_api_backend_weight(g_api, &o, VIP, "10.1.0.99", 5, &out), -ENOENT);
	assert_int_equal(g_hook.calls, 2);
	change(sl_api_config_rollback(g_api, &o, g1, &out), &out);
	assert_int_equal(g_hook.calls, 3);
	assert_int_equal(g_hook.nb_vips, 1);
	worker_online();
	free(two_vips);

	r = call_ok(sl_api_status(g_api, &out), &out);
	assert_int_equal(json_integer_value(json_object_get(r, "hooked")), 1);
	assert_non_null(json_object_get(r, "generation"));
	json_decref(r);
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(down_backend_moves_only_its_flows, setup, teardown),
	    cmocka_unit_test_setup_teardown(recovery_goes_through_slow_start, setup, teardown),
	    cmocka_unit_test_setup_teardown(dry_run_previews_exactly, setup, teardown),
	    cmocka_unit_test_setup_teardown(history_diff_rollback, setup, teardown),
	    cmocka_unit_test_setup_teardown(guard_rolls_back_when_health_worsens, setup, teardown),
	    cmocka_unit_test_setup_teardown(bad_changes_are_refused, setup, teardown),
	    cmocka_unit_test_setup_teardown(reload_keeps_runtime_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(state_file_restores_cli_changes, setup, teardown),
	    cmocka_unit_test_setup_teardown(queries, setup, teardown),
	    cmocka_unit_test_setup_teardown(thousand_changes_under_traffic, setup, teardown),
	    cmocka_unit_test_setup_teardown(health_setting_change_keeps_state, setup, teardown),
	    cmocka_unit_test_setup_teardown(guard_catches_broken_checks, setup, teardown),
	    cmocka_unit_test_setup_teardown(state_file_keeps_unloaded_edit, setup, teardown),
	    cmocka_unit_test_setup_teardown(moved_pct_at_most_100, setup, teardown),
	    cmocka_unit_test_setup_teardown(config_show_generation_is_in_history, setup, teardown),
	    cmocka_unit_test_setup_teardown(superseded_guard_is_closed, setup, teardown),
	    cmocka_unit_test_setup_teardown(preview_does_not_change_decision, setup, teardown),
	    cmocka_unit_test_setup_teardown(alerts_from_real_counters, setup, teardown),
	    cmocka_unit_test_setup_teardown(running_hook_sees_each_running_config, setup, teardown),
	};
	int rc;

	(void)argc;
	if (sl_test_eal_init(argv[0], NULL) < 0)
		return 1;
	/* No per-lcore cache, so the in-use count is exact. */
	g_pool = rte_pktmbuf_pool_create("sl_api_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 SOCKET_ID_ANY);
	if (g_pool == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(g_pool);
	sl_test_eal_fini();
	return rc;
}
