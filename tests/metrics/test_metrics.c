/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Metrics (control/sl_metrics.c) and their three exporters, in one process:
 * the control plane's API over a real worker and ring port (the test thread
 * plays the control thread and writes the worker's counters by hand, so
 * every expected value is exact), an injected clock and fake health checks.
 *
 *   - the builder: every figure of a copy against the counters written;
 *   - the ledger: per-backend counters stay monotonic across a backend's
 *     removal, the reuse of its id by another backend and its return; the
 *     limit on remembered label sets;
 *   - the Prometheus text: exact lines of a small copy, and a parser-style
 *     check of every line (TYPE before samples, names, label escaping);
 *   - telemetry: the callbacks' errors, and the commands through the
 *     process's own telemetry socket (16 KiB replies; a VIP with 300
 *     backends comes in pages);
 *   - the HTTP endpoint inside a private network namespace: 200 with the
 *     content type, 404, 405, 503, HEAD, IPv6, an idle client not blocking.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <rte_eal.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>
#include <rte_telemetry.h>

#include "sl_api.h"
#include "sl_metrics.h"
#include "sl_prom.h"
#include "sl_telemetry.h"
#include "sl_testlib.h"

#define V0 "10.99.0.1:80/tcp"
#define V1 "10.99.0.2:53/udp"

static const char *const base_yaml =
    "ports:\n"
    "  - name: data0\n"
    "next_hop:\n"
    "  port: data0\n"
    "  mac: 02:00:00:00:00:01\n"
    "tunnel:\n"
    "  source4: 10.99.0.254\n"
    "flow_table:\n"
    "  size: 4096\n"
    "maglev:\n"
    "  table_size: 1009\n"
    "vips:\n"
    "  - address: 10.99.0.1\n"
    "    port: 80\n"
    "    protocol: tcp\n"
    "    encap: ipip\n"
    "    health: {type: tcp, port: 8080, interval: 1s, timeout: 300ms,\n"
    "             jitter: 0ms, rise: 1, fall: 1}\n"
    "    backends:\n"
    "      - address: 10.99.1.1\n"
    "      - address: 10.99.1.2\n"
    "  - address: 10.99.0.2\n"
    "    port: 53\n"
    "    protocol: udp\n"
    "    encap: ipip\n"
    "    health: {type: none}\n"
    "    backends:\n"
    "      - address: 10.99.1.3\n";

static struct rte_mempool *g_pool;
static struct sl_test_lb g_lb;
static struct sl_api *g_api;
static struct sl_metrics_pub g_pub = SL_METRICS_PUB_INIT;
static struct sl_metrics_port_src g_ports[1];
static uint64_t g_now = 1000;
static unsigned g_checks[256]; /* by the backend address's last byte */
static bool g_down[256];

/* ---- fake health checks --------------------------------------------------- */

static int fake_start(void **ctx, const struct sl_hc_spec *spec, uint32_t *events, int *done,
		      bool *ok, char *msg, size_t msg_len)
{
	*ctx = NULL;
	*events = 0;
	*done = 1;
	g_checks[spec->addr[3]]++;
	*ok = !g_down[spec->addr[3]];
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

/* ---- harness -------------------------------------------------------------- */

static void offline(void)
{
	rte_rcu_qsbr_thread_offline(g_lb.qsbr, 0);
}

static void online(void)
{
	rte_rcu_qsbr_thread_online(g_lb.qsbr, 0);
}

static void tick(void)
{
	offline();
	sl_api_tick(g_api);
	online();
}

static void advance(uint64_t ms)
{
	for (uint64_t t = 0; t < ms; t += 10) {
		g_now += 10;
		tick();
	}
}

static struct sl_api *api_create(const char *yaml)
{
	struct sl_api_conf conf = {
	    .ctrl = &g_lb.ctrl,
	    .workers = &g_lb.w,
	    .nb_workers = 1,
	    .clock_ms = test_clock,
	    .wall_clock = test_wall,
	    .hc_ops = fake_ops_table,
	    .metrics = &g_pub,
	    .ports = g_ports,
	    .nb_ports = 1,
	    .tsc_hz = 1000000,
	};
	struct sl_config *cfg = sl_test_config(yaml);
	struct sl_api *api;
	char err[256];

	assert_non_null(cfg);
	offline();
	api = sl_api_create(&conf, cfg, err, sizeof(err));
	online();
	if (api == NULL)
		fail_msg("sl_api_create: %s", err);
	return api;
}

static int setup_yaml(const char *yaml)
{
	memset(g_checks, 0, sizeof(g_checks));
	memset(g_down, 0, sizeof(g_down));
	if (sl_test_lb_init(&g_lb, yaml, g_pool) < 0)
		return -1;
	g_ports[0].name = "data0";
	g_ports[0].port_id = g_lb.ports[0].port_id;
	g_api = api_create(yaml);
	return 0;
}

static int setup(void **state)
{
	(void)state;
	return setup_yaml(base_yaml);
}

static int teardown(void **state)
{
	(void)state;
	sl_metrics_publish(&g_pub, NULL);
	offline();
	sl_api_free(g_api);
	online();
	g_api = NULL;
	sl_test_lb_fini(&g_lb);
	return 0;
}

static const struct sl_config_vip *cfg_vip(const char *ref)
{
	const struct sl_config *cfg = sl_api_config(g_api);

	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		char r[SL_VIP_REF_MAX];

		sl_config_vip_ref(&cfg->vips[i], r, sizeof(r));
		if (strcmp(r, ref) == 0)
			return &cfg->vips[i];
	}
	fail_msg("no VIP %s", ref);
	return NULL;
}

/* The real id of backend `addr` of VIP `ref` in the running state. */
static uint32_t real_id(const char *ref, const char *addr)
{
	const struct sl_config_vip *v = cfg_vip(ref);

	for (uint32_t j = 0; j < v->nb_backends; j++)
		if (strcmp(v->backends[j].addr_str, addr) == 0) {
			uint32_t h = sl_ctrl_real_handle(&g_lb.ctrl, v, &v->backends[j]);

			assert_int_not_equal(h, SL_REAL_NONE);
			return SL_REAL_ID(h);
		}
	fail_msg("no backend %s of %s", addr, ref);
	return 0;
}

static uint32_t vip_id(const char *ref)
{
	int id = sl_ctrl_vip_id(&g_lb.ctrl, cfg_vip(ref));

	assert_true(id >= 0);
	return (uint32_t)id;
}

static const struct sl_metrics_backend *mback(const struct sl_metrics *m, const char *ref,
					      const char *addr)
{
	const struct sl_metrics_vip *v = sl_metrics_find_vip(m, ref);

	assert_non_null(v);
	for (uint32_t j = 0; j < v->nb_backends; j++)
		if (strcmp(m->backends[v->first_backend + j].address, addr) == 0)
			return &m->backends[v->first_backend + j];
	return NULL;
}

static void set_real(uint32_t id, uint64_t packets, uint64_t bytes, uint64_t new_flows,
		     uint64_t flows)
{
	struct sl_real_counters *rc = &g_lb.w->stats->real[id];

	rc->packets = packets;
	rc->bytes = bytes;
	rc->new_flows = new_flows;
	rc->flows = flows;
}

static void change_ok(int rc, struct sl_api_out *out)
{
	if (rc != 0)
		fail_msg("change failed (%d): %s", rc, out->msg);
	json_decref(out->result);
	out->result = NULL;
}

static void backend_add(const char *ref, const char *addr)
{
	struct sl_api_opts o = {.origin = "test"};
	struct sl_api_out out = {0};
	struct sl_config_backend b = {.weight = 100};

	b.family = (uint8_t)sl_test_addr(addr, b.addr);
	snprintf(b.addr_str, sizeof(b.addr_str), "%s", addr);
	offline();
	change_ok(sl_api_backend_add(g_api, &o, ref, &b, &out), &out);
	online();
}

static void backend_del(const char *ref, const char *addr)
{
	struct sl_api_opts o = {.origin = "test"};
	struct sl_api_out out = {0};

	offline();
	change_ok(sl_api_backend_del(g_api, &o, ref, addr, &out), &out);
	online();
}

/* ---- the builder ------------------------------------------------------------ */

static void builder_exact(void **state)
{
	struct sl_worker_stats *st = g_lb.w->stats;
	uint32_t r1 = real_id(V0, "10.99.1.1"), r2 = real_id(V0, "10.99.1.2");
	uint32_t r3 = real_id(V1, "10.99.1.3"), v0 = vip_id(V0), v1 = vip_id(V1);
	struct sl_api_out out = {0};
	struct sl_metrics *m, *pub;
	const struct sl_metrics_vip *mv;
	const struct sl_metrics_backend *b1, *b2, *b3;
	uint32_t slots = 0;

	(void)state;
	set_real(r1, 100, 10000, 5, 3);
	set_real(r2, 20, 2000, 2, 1);
	set_real(r3, 7, 700, 7, 0);
	st->vip_new_flows[v0] = 7;
	st->vip_nonsyn_miss[v0] = 4;
	st->vip_new_flows[v1] = 7;
	st->drops[SL_V_NO_VIP] = 11;
	st->drops[SL_V_TX_FULL] = 2;
	st->tcp_nonsyn_miss = 4;
	st->polls = 1000;
	st->busy_polls = 100;
	st->busy_cycles = 3000000;
	tick(); /* first sample */
	st->polls += 400;
	st->busy_polls += 100;
	advance(1000); /* second sample: load 100 / 400 */
	/* Health checks ran (interval 1 s, first within the first second). */
	assert_true(g_checks[1] >= 1);

	m = sl_api_metrics(g_api);
	assert_non_null(m);
	assert_int_equal(m->nb_vips, 2);
	assert_int_equal(m->nb_backends, 3);
	assert_int_equal(m->nb_workers, 1);
	assert_int_equal(m->nb_ports, 1);
	assert_int_equal(m->generation, sl_api_generation(g_api));
	assert_int_equal(m->built_unix_ms, (uint64_t)test_wall(NULL) * 1000);
	assert_int_equal(m->tsc_hz, 1000000);
	assert_int_equal(m->health_targets, 2);

	mv = sl_metrics_find_vip(m, V0);
	assert_non_null(mv);
	assert_string_equal(m->vips[0].name, V0);
	assert_int_equal(mv->packets, 120);
	assert_int_equal(mv->bytes, 12000);
	assert_int_equal(mv->new_flows, 7);
	assert_int_equal(mv->tcp_nonsyn_miss, 4);
	assert_int_equal(mv->flows, 4);
	assert_int_equal(mv->nb_backends, 2);
	assert_int_equal(mv->usable, 2);
	assert_int_equal(mv->table_size, 1009);
	assert_false(mv->empty);
	assert_false(mv->panic);
	assert_int_equal(mv->capacity_pct[SL_POOL_PRIMARY], 100);
	b1 = mback(m, V0, "10.99.1.1");
	b2 = mback(m, V0, "10.99.1.2");
	assert_non_null(b1);
	assert_non_null(b2);
	assert_int_equal(b1->packets, 100);
	assert_int_equal(b1->bytes, 10000);
	assert_int_equal(b1->new_flows, 5);
	assert_int_equal(b1->flows, 3);
	assert_int_equal(b2->packets, 20);
	assert_int_equal(b2->flows, 1);
	assert_int_equal(b1->weight, 100);
	assert_int_equal(b1->state, SL_BE_UP);
	assert_true(b1->take_new);
	slots = b1->slots + b2->slots;
	assert_int_equal(slots, 1009);
	assert_true(b1->hc_checked);
	assert_true(b1->hc_up);
	assert_true(b1->hc_done);
	assert_int_equal(b1->hc_kind, SL_HC_TCP);
	assert_int_equal(b1->hc_port, 8080);
	assert_int_equal(b1->hc_checks, g_checks[1]);
	assert_int_equal(b1->hc_failures, 0);
	assert_string_equal(b1->hc_result, "ok");
	assert_string_equal(sl_metrics_health_name(b1), "up");

	mv = sl_metrics_find_vip(m, V1);
	assert_non_null(mv);
	assert_int_equal(mv->packets, 7);
	assert_int_equal(mv->new_flows, 7);
	b3 = mback(m, V1, "10.99.1.3");
	assert_non_null(b3);
	assert_int_equal(b3->new_flows, 7);
	assert_false(b3->hc_checked);
	assert_string_equal(sl_metrics_health_name(b3), "unchecked");

	assert_int_equal(m->workers[0].drops[SL_V_NO_VIP], 11);
	assert_int_equal(m->workers[0].drops[SL_V_TX_FULL], 2);
	assert_int_equal(m->workers[0].tcp_nonsyn_miss, 4);
	assert_true(m->workers[0].load == 0.25);
	assert_int_equal(m->workers[0].flow_entries, 4);
	assert_int_equal(m->workers[0].flow_capacity, sl_flow_table_capacity(g_lb.w->ft));
	assert_int_equal(m->workers[0].busy_cycles, 3000000);
	assert_string_equal(m->ports[0].name, "data0");
	assert_true(m->ports[0].ok);

	/* The fingerprint is the one `table` shows. */
	assert_int_equal(sl_api_table(g_api, V0, &out), 0);
	{
		char fp[20];

		snprintf(fp, sizeof(fp), "%016" PRIx64, sl_metrics_find_vip(m, V0)->fingerprint);
		assert_string_equal(fp, json_string_value(json_object_get(
					    json_array_get(json_object_get(out.result, "vips"), 0),
					    "fingerprint")));
	}
	json_decref(out.result);

	/* The periodic copy is published, with the same counters. */
	pub = sl_metrics_get(&g_pub);
	assert_non_null(pub);
	assert_int_equal(sl_metrics_find_vip(pub, V0)->packets, 120);
	assert_true(pub->workers[0].load == 0.25);
	sl_metrics_put(pub);

	/* stats: the new fields beside the old ones. */
	assert_int_equal(sl_api_stats(g_api, &out), 0);
	{
		json_t *r = out.result, *v = json_array_get(json_object_get(r, "vips"), 0);
		json_t *w = json_array_get(json_object_get(r, "workers"), 0);

		assert_int_equal(json_integer_value(json_object_get(v, "packets")), 120);
		assert_int_equal(json_integer_value(json_object_get(v, "flows")), 4);
		assert_int_equal(json_integer_value(json_object_get(v, "tcp_nonsyn_miss")), 4);
		assert_int_equal(json_integer_value(json_object_get(
				     json_array_get(json_object_get(v, "backends"), 0), "flows")),
				 3);
		assert_true(json_real_value(json_object_get(w, "load_pct")) == 25.0);
		assert_int_equal(json_integer_value(
				     json_object_get(json_object_get(r, "flow_table"), "entries")),
				 4);
		assert_int_equal(
		    json_integer_value(json_object_get(json_object_get(r, "drops"), "no_vip")), 11);
		assert_string_equal(json_string_value(json_object_get(
					json_array_get(json_object_get(r, "ports"), 0), "name")),
				    "data0");
	}
	json_decref(out.result);
	sl_metrics_put(m);
}

/* ---- monotonic counters ------------------------------------------------------ */

static void check_not_below(const struct sl_metrics *m, const char *ref, const char *addr,
			    uint64_t *last_b, uint64_t *last_v)
{
	const struct sl_metrics_backend *b = mback(m, ref, addr);
	const struct sl_metrics_vip *v = sl_metrics_find_vip(m, ref);

	if (b != NULL) {
		assert_true(b->packets >= *last_b);
		*last_b = b->packets;
	}
	assert_true(v->packets >= *last_v);
	*last_v = v->packets;
}

static void monotonic_across_removal_and_reuse(void **state)
{
	uint32_t r1 = real_id(V0, "10.99.1.1"), r2 = real_id(V0, "10.99.1.2"), r3, r2b, next;
	struct sl_metrics *m;
	uint64_t lb = 0, lv = 0, checks;

	(void)state;
	advance(2000);
	set_real(r1, 100, 1000, 1, 0);
	set_real(r2, 50, 500, 1, 0);
	m = sl_api_metrics(g_api);
	assert_int_equal(mback(m, V0, "10.99.1.2")->packets, 50);
	assert_int_equal(sl_metrics_find_vip(m, V0)->packets, 150);
	check_not_below(m, V0, "10.99.1.2", &lb, &lv);
	checks = mback(m, V0, "10.99.1.2")->hc_checks;
	assert_true(checks >= 1);
	sl_metrics_put(m);

	/* Seven more packets, then the backend leaves: they are its own. */
	set_real(r2, 57, 570, 1, 0);
	backend_del(V0, "10.99.1.2");
	m = sl_api_metrics(g_api);
	assert_null(mback(m, V0, "10.99.1.2"));
	assert_int_equal(sl_metrics_find_vip(m, V0)->packets, 157);
	check_not_below(m, V0, "10.99.1.2", &lb, &lv);
	sl_metrics_put(m);

	/* Another backend gets the released id (the allocator is made to reuse
	 * at once): its raw counter starts at 57, its exported one at 0. */
	next = g_lb.ctrl.real_ids.next;
	g_lb.ctrl.real_ids.next = g_lb.ctrl.real_ids.max;
	backend_add(V0, "10.99.1.4");
	g_lb.ctrl.real_ids.next = next;
	r3 = real_id(V0, "10.99.1.4");
	assert_int_equal(r3, r2);
	m = sl_api_metrics(g_api);
	assert_int_equal(mback(m, V0, "10.99.1.4")->packets, 0);
	assert_int_equal(mback(m, V0, "10.99.1.4")->bytes, 0);
	assert_int_equal(sl_metrics_find_vip(m, V0)->packets, 157);
	sl_metrics_put(m);
	set_real(r3, 62, 620, 2, 0);
	m = sl_api_metrics(g_api);
	assert_int_equal(mback(m, V0, "10.99.1.4")->packets, 5);
	assert_int_equal(mback(m, V0, "10.99.1.4")->bytes, 50);
	assert_int_equal(mback(m, V0, "10.99.1.4")->new_flows, 1);
	assert_int_equal(sl_metrics_find_vip(m, V0)->packets, 162);
	check_not_below(m, V0, "10.99.1.2", &lb, &lv);
	sl_metrics_put(m);

	/* The first backend returns under a fresh id: it continues from 57,
	 * and its health counters from where they were. */
	backend_add(V0, "10.99.1.2");
	r2b = real_id(V0, "10.99.1.2");
	assert_int_not_equal(r2b, r2);
	set_real(r2b, 3, 30, 1, 0);
	advance(1000);
	m = sl_api_metrics(g_api);
	assert_int_equal(mback(m, V0, "10.99.1.2")->packets, 60);
	assert_int_equal(mback(m, V0, "10.99.1.2")->bytes, 600);
	assert_int_equal(sl_metrics_find_vip(m, V0)->packets, 165);
	assert_true(mback(m, V0, "10.99.1.2")->hc_checks > checks);
	check_not_below(m, V0, "10.99.1.2", &lb, &lv);
	sl_metrics_put(m);

	/* A VIP that leaves and comes back keeps its new-flow count (its
	 * VIP id is another one). */
	{
		struct sl_worker_stats *st = g_lb.w->stats;
		struct sl_api_opts o = {.origin = "test"};
		struct sl_api_out out = {0};
		struct sl_config_vip v = *cfg_vip(V1);
		struct sl_config_backend b = v.backends[0];
		uint32_t vid = vip_id(V1), vid2;

		st->vip_new_flows[vid] = 9;
		v.backends = &b;
		offline();
		change_ok(sl_api_vip_del(g_api, &o, V1, &out), &out);
		change_ok(sl_api_vip_add(g_api, &o, &v, &out), &out);
		online();
		vid2 = vip_id(V1);
		assert_int_not_equal(vid2, vid);
		st->vip_new_flows[vid2] = 1;
		m = sl_api_metrics(g_api);
		assert_int_equal(sl_metrics_find_vip(m, V1)->new_flows, 10);
		sl_metrics_put(m);
	}
	(void)r1;
}

/* Label sets of removed backends are remembered up to a limit; beyond it
 * the longest retired are forgotten (a return then starts from 0). */
static void retired_limit(void **state)
{
	struct sl_metrics_state *st = sl_metrics_state_create();
	struct sl_metrics_src src = {
	    .ctrl = &g_lb.ctrl,
	    .workers = &g_lb.w,
	    .nb_workers = 1,
	};
	uint32_t r1 = real_id(V0, "10.99.1.1"), r2 = real_id(V0, "10.99.1.2");
	struct sl_metrics *m;

	(void)state;
	assert_non_null(st);
	sl_metrics_state_set_retired_max(st, 1);
	set_real(r1, 10, 0, 0, 0);
	set_real(r2, 20, 0, 0, 0);
	src.cfg = sl_api_config(g_api);
	src.config_seq = 1;
	assert_int_equal(sl_metrics_sync(st, &src), 0);
	assert_int_equal(sl_metrics_state_labels(st), 5); /* 2 VIPs, 3 backends */
	backend_del(V0, "10.99.1.1");
	src.cfg = sl_api_config(g_api);
	src.config_seq = 2;
	assert_int_equal(sl_metrics_sync(st, &src), 0);
	assert_int_equal(sl_metrics_state_labels(st), 5); /* one retired: at the limit */
	backend_del(V0, "10.99.1.2");
	src.cfg = sl_api_config(g_api);
	src.config_seq = 3;
	assert_int_equal(sl_metrics_sync(st, &src), 0);
	/* Two retired, limit 1: the older (10.99.1.1) is forgotten. */
	assert_int_equal(sl_metrics_state_labels(st), 4);
	backend_add(V0, "10.99.1.1");
	backend_add(V0, "10.99.1.2");
	src.cfg = sl_api_config(g_api);
	src.config_seq = 4;
	m = sl_metrics_build(st, &src, false);
	assert_non_null(m);
	assert_int_equal(mback(m, V0, "10.99.1.1")->packets, 0);  /* forgotten */
	assert_int_equal(mback(m, V0, "10.99.1.2")->packets, 20); /* remembered */
	assert_int_equal(sl_metrics_find_vip(m, V0)->packets, 30);
	sl_metrics_put(m);
	sl_metrics_state_free(st);
}

/* ---- Prometheus text --------------------------------------------------------- */

struct small {
	struct sl_metrics m;
	struct sl_metrics_vip v;
	struct sl_metrics_backend b;
	struct sl_metrics_worker w;
	struct sl_metrics_port p;
};

static void small_init(struct small *s)
{
	memset(s, 0, sizeof(*s));
	s->m.vips = &s->v;
	s->m.backends = &s->b;
	s->m.workers = &s->w;
	s->m.ports = &s->p;
	s->m.nb_vips = s->m.nb_backends = s->m.nb_workers = s->m.nb_ports = 1;
	s->m.generation = 12;
	s->m.config_generation = 3;
	s->m.uptime_ms = 61500;
	s->m.built_unix_ms = 1800000000250;
	s->m.tsc_hz = 2000000000;
	s->m.health_targets = 1;
	snprintf(s->v.name, sizeof(s->v.name), "10.99.0.1:80/tcp");
	s->v.nb_backends = 1;
	s->v.packets = 7;
	s->v.bytes = 700;
	s->v.new_flows = 2;
	s->v.flows = 2;
	s->v.usable = 1;
	s->v.table_size = 1009;
	s->v.capacity_pct[SL_POOL_PRIMARY] = 100;
	s->v.has_fingerprint = true;
	s->v.fingerprint = 0x0123456789abcdefull;
	s->v.config_fingerprint = 0xfedcba9876543210ull;
	snprintf(s->b.address, sizeof(s->b.address), "fd00:99::11");
	s->b.weight = 100;
	s->b.packets = 7;
	s->b.bytes = 700;
	s->b.new_flows = 2;
	s->b.flows = 2;
	s->b.slots = 1009;
	s->b.state = SL_BE_DRAINING;
	s->b.hc_checked = true;
	s->b.hc_up = true;
	s->b.hc_done = true;
	s->b.hc_checks = 9;
	s->b.hc_failures = 1;
	s->b.hc_transitions = 2;
	s->b.hc_latency_us = 1500;
	s->b.hc_age_ms = 250;
	s->w.id = 0;
	s->w.rx = 10;
	s->w.drops[SL_V_TX_FULL] = 3;
	s->w.polls = 100;
	s->w.busy_polls = 25;
	s->w.busy_cycles = 1000000000;
	s->w.load = 0.25;
	s->w.flow_capacity = 4096;
	s->w.flow_entries = 1024;
	s->w.flow.evictions = 5;
	/* A port name with every character the format escapes. */
	snprintf(s->p.name, sizeof(s->p.name), "a\"b\\c\nd");
	s->p.ok = true;
	s->p.imissed = 4;
}

static void expect_text(const char *text, const char *want)
{
	if (strstr(text, want) == NULL)
		fail_msg("not in the exposition:\n%s", want);
}

static void prom_exact(void **state)
{
	struct small s;
	size_t len = 0;
	char *t;

	(void)state;
	small_init(&s);
	t = sl_prom_format(&s.m, &len);
	assert_non_null(t);
	assert_int_equal(len, strlen(t));
	/* It starts with the generation, HELP then TYPE then the sample. */
	{
		const char *first =
		    "# HELP sluice_generation Generation of the forwarding snapshot in use.\n"
		    "# TYPE sluice_generation gauge\n"
		    "sluice_generation 12\n";

		assert_true(strncmp(t, first, strlen(first)) == 0);
	}
	expect_text(t, "\n# HELP sluice_vip_packets_total Packets forwarded for the VIP (its "
		       "backends' sum, removed ones included).\n"
		       "# TYPE sluice_vip_packets_total counter\n"
		       "sluice_vip_packets_total{vip=\"10.99.0.1:80/tcp\"} 7\n# HELP ");
	expect_text(t, "\nsluice_uptime_seconds 61.5\n");
	expect_text(t, "\nsluice_metrics_timestamp_seconds 1800000000.25\n");
	expect_text(t, "\nsluice_backend_bytes_total{vip=\"10.99.0.1:80/tcp\",backend=\"fd00:99::"
		       "11\"} 700\n");
	expect_text(t, "\nsluice_backend_state{vip=\"10.99.0.1:80/tcp\",backend=\"fd00:99::11\","
		       "state=\"up\"} 0\n");
	expect_text(t, "\nsluice_backend_state{vip=\"10.99.0.1:80/tcp\",backend=\"fd00:99::11\","
		       "state=\"draining\"} 1\n");
	expect_text(t, "\nsluice_backend_health_latency_seconds{vip=\"10.99.0.1:80/tcp\","
		       "backend=\"fd00:99::11\"} 0.0015\n");
	expect_text(t, "\nsluice_backend_health_check_failures_total{vip=\"10.99.0.1:80/tcp\","
		       "backend=\"fd00:99::11\"} 1\n");
	expect_text(t, "\nsluice_vip_table_info{vip=\"10.99.0.1:80/tcp\",table_size=\"1009\","
		       "fingerprint=\"0123456789abcdef\",config_fingerprint=\"fedcba9876543210\"} "
		       "1\n");
	expect_text(t, "\nsluice_drops_total{worker=\"0\",reason=\"tx_full\"} 3\n");
	expect_text(t, "\nsluice_drops_total{worker=\"0\",reason=\"no_vip\"} 0\n");
	expect_text(t, "\nsluice_worker_load_ratio{worker=\"0\"} 0.25\n");
	expect_text(t, "\nsluice_worker_busy_seconds_total{worker=\"0\"} 0.5\n");
	expect_text(t, "\nsluice_flow_table_occupancy_ratio{worker=\"0\"} 0.25\n");
	expect_text(t, "\nsluice_flow_table_evictions_total{worker=\"0\"} 5\n");
	expect_text(t, "\nsluice_port_rx_missed_total{port=\"a\\\"b\\\\c\\nd\"} 4\n");
	free(t);
}

static bool name_ok(const char *s, size_t n)
{
	if (n == 0 || !(isalpha((unsigned char)s[0]) || s[0] == '_' || s[0] == ':'))
		return false;
	for (size_t i = 1; i < n; i++)
		if (!(isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == ':'))
			return false;
	return true;
}

/* A parser for the text format 0.0.4, strict where sluice promises more:
 * every family has HELP then TYPE (once), every sample belongs to the
 * family of the last TYPE, counters end in _total, label values use only
 * the format's escapes, values parse as floats.  Returns samples seen. */
static unsigned parse_exposition(const char *t)
{
	char family[128] = "", type[16] = "", seen[1024][128];
	unsigned nseen = 0, samples = 0;
	bool help_pending = false;

	for (const char *l = t; *l;) {
		const char *e = strchr(l, '\n'), *p;
		size_t n;

		assert_non_null(e); /* every line ends with a newline */
		if (strncmp(l, "# HELP ", 7) == 0) {
			p = l + 7;
			n = strcspn(p, " ");
			assert_true(name_ok(p, n));
			assert_true(n < sizeof(family));
			memcpy(family, p, n);
			family[n] = '\0';
			for (unsigned i = 0; i < nseen; i++)
				assert_string_not_equal(seen[i], family);
			assert_true(nseen < 1024);
			snprintf(seen[nseen++], sizeof(seen[0]), "%s", family);
			assert_true(p + n < e && p[n] == ' ' && p + n + 1 < e); /* a help text */
			help_pending = true;
			type[0] = '\0';
		} else if (strncmp(l, "# TYPE ", 7) == 0) {
			p = l + 7;
			n = strcspn(p, " ");
			assert_true(help_pending);
			assert_true(strlen(family) == n && strncmp(p, family, n) == 0);
			snprintf(type, sizeof(type), "%.*s", (int)(e - (p + n + 1)), p + n + 1);
			assert_true(strcmp(type, "counter") == 0 || strcmp(type, "gauge") == 0);
			if (strcmp(type, "counter") == 0)
				assert_true(n > 6 && strncmp(p + n - 6, "_total", 6) == 0);
			help_pending = false;
		} else {
			char *end;

			assert_true(l[0] != '#');
			assert_true(type[0] != '\0'); /* a TYPE came first */
			n = strcspn(l, "{ ");
			assert_true(name_ok(l, n));
			assert_true(strlen(family) == n && strncmp(l, family, n) == 0);
			p = l + n;
			if (*p == '{') {
				p++;
				while (*p != '}') {
					size_t ln = strcspn(p, "=");

					assert_true(ln > 0 && name_ok(p, ln) && p[ln] == '=' &&
						    p[ln + 1] == '"');
					assert_true(strchr(p, ':') == NULL ||
						    strchr(p, ':') > p + ln);
					p += ln + 2;
					while (*p != '"') {
						assert_true(p < e && *p != '\n');
						if (*p == '\\') {
							assert_true(p[1] == '\\' || p[1] == '"' ||
								    p[1] == 'n');
							p++;
						}
						p++;
					}
					p++;
					if (*p == ',')
						p++;
					else
						assert_int_equal(*p, '}');
				}
				p++;
			}
			assert_int_equal(*p, ' ');
			strtod(p + 1, &end);
			assert_true(end == e && end > p + 1);
			samples++;
		}
		l = e + 1;
	}
	return samples;
}

static void prom_parses(void **state)
{
	struct small s;
	struct sl_metrics *m;
	char *t;

	(void)state;
	small_init(&s);
	t = sl_prom_format(&s.m, NULL);
	assert_non_null(t);
	assert_true(parse_exposition(t) > 60);
	free(t);
	/* And the copy of a running configuration. */
	advance(2000);
	m = sl_api_metrics(g_api);
	assert_non_null(m);
	t = sl_prom_format(m, NULL);
	assert_non_null(t);
	assert_true(parse_exposition(t) > 100);
	expect_text(t, "\nsluice_backend_health_up{vip=\"10.99.0.1:80/tcp\",backend=\"10.99.1."
		       "2\"} 1\n");
	/* Unchecked backends have no health samples. */
	assert_null(strstr(t, "sluice_backend_health_up{vip=\"10.99.0.2:53/udp\""));
	free(t);
	sl_metrics_put(m);
}

/* ---- telemetry ------------------------------------------------------------------ */

/* One command over the process's telemetry socket: the reply's JSON text
 * (malloc'd) or NULL.  The socket is DPDK's own (SOCK_SEQPACKET, a hello
 * message first). */
static char *tel_query(const char *cmd)
{
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)], *buf = malloc(65536);
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	ssize_t n;

	assert_non_null(buf);
	assert_true(fd >= 0);
	assert_true((size_t)snprintf(path, sizeof(path), "%s/dpdk_telemetry.v2",
				     rte_eal_get_runtime_dir()) < sizeof(path));
	memcpy(sa.sun_path, path, sizeof(path));
	{
		struct timeval tv = {.tv_sec = 10};

		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	}
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0)
		fail_msg("connect %s: %s", path, strerror(errno));
	n = recv(fd, buf, 65535, 0); /* hello */
	assert_true(n > 0);
	assert_true(send(fd, cmd, strlen(cmd), 0) == (ssize_t)strlen(cmd));
	n = recv(fd, buf, 65535, 0);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	return buf;
}

/* The reply's value (under the command name), parsed. */
static json_t *tel(const char *cmd, size_t *len)
{
	char *text = tel_query(cmd), name[64];
	json_error_t e;
	json_t *r = json_loads(text, 0, &e), *v;

	if (r == NULL)
		fail_msg("%s: not JSON (%s): %.200s", cmd, e.text, text);
	if (len != NULL)
		*len = strlen(text);
	free(text);
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(cmd, ","), cmd);
	v = json_incref(json_object_get(r, name));
	json_decref(r);
	assert_non_null(v);
	return v;
}

static void telemetry_errors(void **state)
{
	struct rte_tel_data *d = rte_tel_data_alloc();

	(void)state;
	assert_non_null(d);
	/* Nothing published yet (teardown unpublishes). */
	sl_metrics_publish(&g_pub, NULL);
	assert_int_equal(sl_telemetry_register(&g_pub), 0);
	assert_int_equal(sl_tel_status("/sluice/status", NULL, d), -EAGAIN);
	sl_metrics_publish(&g_pub, sl_api_metrics(g_api));
	assert_int_equal(sl_tel_status("/sluice/status", NULL, d), 0);
	assert_int_equal(sl_tel_vip("/sluice/vip", NULL, d), -EINVAL);
	assert_int_equal(sl_tel_vip("/sluice/vip", "", d), -EINVAL);
	assert_int_equal(sl_tel_vip("/sluice/vip", "10.99.9.9:80/tcp", d), -EINVAL);
	assert_int_equal(sl_tel_vip("/sluice/vip", V0, d), 0);
	/* (Commands that answer with nested lists are called through the
	 * socket below: DPDK frees the nested containers after sending.) */
	assert_int_equal(sl_tel_backends("/sluice/backends", NULL, d), -EINVAL);
	assert_int_equal(sl_tel_backends("/sluice/backends", V0 ",x", d), -EINVAL);
	assert_int_equal(sl_tel_backends("/sluice/backends", V0 ",-1", d), -EINVAL);
	assert_int_equal(sl_tel_backends("/sluice/backends", "10.99.9.9:80/tcp", d), -EINVAL);
	assert_int_equal(sl_tel_health("/sluice/health", ",1", d), -EINVAL);
	assert_int_equal(sl_tel_vips("/sluice/vips", "abc", d), -EINVAL);
	assert_int_equal(sl_tel_vips("/sluice/vips", "1x", d), -EINVAL);
	assert_int_equal(sl_tel_workers("/sluice/workers", "99999999999", d), -EINVAL);
	assert_int_equal(sl_tel_drops("/sluice/drops", NULL, d), 0);
	assert_int_equal(sl_tel_flows("/sluice/flows", NULL, d), 0);
	sl_telemetry_unregister();
	assert_int_equal(sl_tel_status("/sluice/status", NULL, d), -EAGAIN);
	rte_tel_data_free(d);
}

static void telemetry_socket(void **state)
{
	struct sl_worker_stats *st = g_lb.w->stats;
	json_t *v, *b;

	(void)state;
	set_real(real_id(V0, "10.99.1.2"), 33, 3300, 3, 2);
	st->drops[SL_V_MALFORMED] = 6;
	advance(2000);
	assert_int_equal(sl_telemetry_register(&g_pub), 0);
	sl_metrics_publish(&g_pub, sl_api_metrics(g_api));

	v = tel("/sluice/status", NULL);
	assert_int_equal(json_integer_value(json_object_get(v, "generation")),
			 sl_api_generation(g_api));
	assert_int_equal(json_integer_value(json_object_get(v, "vips")), 2);
	assert_int_equal(json_integer_value(json_object_get(v, "backends")), 3);
	assert_int_equal(json_integer_value(json_object_get(v, "drops")), 6);
	assert_int_equal(json_integer_value(json_object_get(v, "flows")), 2);
	json_decref(v);

	v = tel("/sluice/vip," V0, NULL);
	assert_string_equal(json_string_value(json_object_get(v, "vip")), V0);
	assert_int_equal(json_integer_value(json_object_get(v, "packets")), 33);
	assert_int_equal(strlen(json_string_value(json_object_get(v, "fingerprint"))), 16);
	json_decref(v);

	v = tel("/sluice/backends," V0, NULL);
	assert_int_equal(json_integer_value(json_object_get(v, "total")), 2);
	assert_null(json_object_get(v, "next"));
	b = json_object_get(json_object_get(v, "backends"), "1");
	assert_string_equal(json_string_value(json_object_get(b, "address")), "10.99.1.2");
	assert_int_equal(json_integer_value(json_object_get(b, "packets")), 33);
	assert_int_equal(json_integer_value(json_object_get(b, "flows")), 2);
	assert_string_equal(json_string_value(json_object_get(b, "state")), "up");
	json_decref(v);

	v = tel("/sluice/health," V0, NULL);
	b = json_object_get(json_object_get(v, "backends"), "0");
	assert_string_equal(json_string_value(json_object_get(b, "health")), "up");
	assert_string_equal(json_string_value(json_object_get(b, "last_result")), "ok");
	assert_int_equal(json_integer_value(json_object_get(b, "checks")), g_checks[1]);
	json_decref(v);

	v = tel("/sluice/drops", NULL);
	assert_int_equal(json_integer_value(json_object_get(v, "malformed")), 6);
	json_decref(v);
	v = tel("/sluice/workers", NULL);
	assert_int_equal(json_integer_value(json_object_get(
			     json_object_get(json_object_get(v, "workers"), "0"), "flow_capacity")),
			 sl_flow_table_capacity(g_lb.w->ft));
	assert_true(json_integer_value(json_object_get(v, "tsc_hz")) > 0); /* workers only */
	json_decref(v);
	v = tel("/sluice/ports", NULL);
	assert_null(json_object_get(v, "tsc_hz"));
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(json_object_get(v, "ports"), "0"), "name")),
			    "data0");
	json_decref(v);
	v = tel("/sluice/vips", NULL);
	assert_string_equal(json_string_value(json_object_get(
				json_object_get(json_object_get(v, "vips"), "1"), "vip")),
			    V1);
	json_decref(v);
	v = tel("/sluice/flows", NULL);
	assert_int_equal(json_integer_value(json_object_get(v, "entries")), 2);
	json_decref(v);
	sl_telemetry_unregister();
}

#define MANY 300

/* A VIP with 300 backends: more than a dict's 256 entries and far more
 * than 16 KiB of JSON.  The backends come in pages that each fit, linked
 * by "next", and together list every backend once. */
static void telemetry_pages(void **state)
{
	struct sl_api_opts o = {.origin = "test"};
	struct sl_api_out out = {0};
	char *yaml = malloc(64 * MANY + 4096), cmd[96];
	bool seen[MANY] = {false};
	unsigned pages = 0, got = 0;
	json_int_t next = 0;
	size_t off;

	(void)state;
	assert_non_null(yaml);
	off = (size_t)snprintf(yaml, 4096, "%s", base_yaml);
	off += (size_t)snprintf(yaml + off, 4096,
				"  - address: 10.99.0.3\n    port: 80\n    protocol: tcp\n"
				"    encap: ipip\n    table_size: 65537\n"
				"    health: {type: none}\n    backends:\n");
	for (unsigned i = 0; i < MANY; i++)
		off += (size_t)snprintf(yaml + off, 64, "      - address: 10.99.%u.%u\n",
					10 + i / 200, 1 + i % 200);
	offline();
	change_ok(sl_api_config_apply(g_api, &o, "many.yaml", yaml, &out), &out);
	online();
	free(yaml);
	sl_metrics_publish(&g_pub, sl_api_metrics(g_api));
	assert_int_equal(sl_telemetry_register(&g_pub), 0);
	do {
		size_t len;
		json_t *v, *list, *e;
		const char *k;

		snprintf(cmd, sizeof(cmd), "/sluice/backends,10.99.0.3:80/tcp,%lld",
			 (long long)next);
		v = tel(cmd, &len);
		assert_true(len <= 16384);
		assert_int_equal(json_integer_value(json_object_get(v, "total")), MANY);
		assert_int_equal(json_integer_value(json_object_get(v, "start")), next);
		list = json_object_get(v, "backends");
		assert_true(json_object_size(list) > 0);
		assert_true(json_object_size(list) <= 256);
		assert_int_equal((size_t)json_integer_value(json_object_get(v, "count")),
				 json_object_size(list));
		json_object_foreach(list, k, e)
		{
			unsigned idx = (unsigned)atoi(k), a, b2;

			assert_true(idx >= next && idx < MANY);
			assert_int_equal(sscanf(json_string_value(json_object_get(e, "address")),
						"10.99.%u.%u", &a, &b2),
					 2);
			assert_int_equal((a - 10) * 200 + b2 - 1, idx);
			assert_false(seen[idx]);
			seen[idx] = true;
			got++;
		}
		next = json_is_integer(json_object_get(v, "next"))
			   ? json_integer_value(json_object_get(v, "next"))
			   : -1;
		if (next >= 0)
			assert_int_equal(next, json_integer_value(json_object_get(v, "start")) +
						   (json_int_t)json_object_size(list));
		json_decref(v);
		pages++;
	} while (next >= 0 && pages < 50);
	assert_int_equal(got, MANY);
	assert_true(pages >= 2);
	/* A start past the end: an empty page, no next. */
	{
		json_t *v = tel("/sluice/backends,10.99.0.3:80/tcp,300", NULL);

		assert_int_equal(json_integer_value(json_object_get(v, "count")), 0);
		assert_null(json_object_get(v, "next"));
		json_decref(v);
	}
	sl_telemetry_unregister();
}

/* ---- HTTP endpoint ----------------------------------------------------------------- */

/* One request over a fresh connection (HTTP/1.0: the server closes after
 * the reply); the reply in buf (NUL-terminated), its length returned. */
static size_t http(int family, uint16_t port, const char *req, char *buf, size_t cap)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd = socket(family, SOCK_STREAM, 0);
	size_t got = 0;

	assert_true(fd >= 0);
	memset(&ss, 0, sizeof(ss));
	if (family == AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sl = sizeof(*a);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		a->sin6_addr = in6addr_loopback;
		sl = sizeof(*a);
	}
	assert_int_equal(connect(fd, (struct sockaddr *)&ss, sl), 0);
	assert_true(send(fd, req, strlen(req), MSG_NOSIGNAL) == (ssize_t)strlen(req));
	for (unsigned i = 0; i < 1000; i++) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		ssize_t n;

		assert_int_equal(poll(&p, 1, 10000), 1);
		n = recv(fd, buf + got, cap - 1 - got, 0);
		assert_true(n >= 0);
		if (n == 0)
			break;
		got += (size_t)n;
		assert_true(got < cap - 1);
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

static bool lo_up(void)
{
	struct ifreq ifr;
	int fd = socket(AF_INET, SOCK_DGRAM, 0);
	bool ok;

	if (fd < 0)
		return false;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "lo");
	ok = ioctl(fd, SIOCGIFFLAGS, &ifr) == 0;
	ifr.ifr_flags |= IFF_UP;
	ok = ok && ioctl(fd, SIOCSIFFLAGS, &ifr) == 0;
	close(fd);
	return ok;
}

static void http_endpoint(void **state)
{
	static struct sl_metrics_pub pub = SL_METRICS_PUB_INIT;
	struct sl_prom_server *s4, *s6;
	char err[256], *buf = malloc(1 << 20);
	const char *body;
	int idle;

	(void)state;
	assert_non_null(buf);
	/* Our own network namespace: only its loopback is touched. */
	if (unshare(CLONE_NEWNET) < 0 || !lo_up()) {
		free(buf);
		skip();
	}
	assert_null(sl_prom_server_start("localhost:80", &pub, err, sizeof(err)));
	assert_non_null(strstr(err, "localhost:80"));
	s4 = sl_prom_server_start("127.0.0.1:0", &pub, err, sizeof(err));
	if (s4 == NULL)
		fail_msg("%s", err);
	assert_int_not_equal(sl_prom_server_port(s4), 0);

	/* Nothing published yet. */
	http(AF_INET, sl_prom_server_port(s4), "GET /metrics HTTP/1.0\r\n\r\n", buf, 1 << 20);
	assert_true(strncmp(buf, "HTTP/1.1 503 ", 13) == 0 ||
		    strncmp(buf, "HTTP/1.0 503 ", 13) == 0);

	advance(2000);
	sl_metrics_publish(&pub, sl_api_metrics(g_api));
	http(AF_INET, sl_prom_server_port(s4), "GET /metrics HTTP/1.0\r\n\r\n", buf, 1 << 20);
	assert_true(strncmp(buf + 9, "200 ", 4) == 0);
	assert_non_null(strcasestr(buf, "\r\nContent-Type: " SL_PROM_CONTENT_TYPE "\r\n"));
	body = strstr(buf, "\r\n\r\n");
	assert_non_null(body);
	body += 4;
	assert_true(strncmp(body, "# HELP sluice_generation ", 25) == 0);
	assert_true(parse_exposition(body) > 100);

	http(AF_INET, sl_prom_server_port(s4), "GET /metricsx HTTP/1.0\r\n\r\n", buf, 1 << 20);
	assert_true(strncmp(buf + 9, "404 ", 4) == 0);
	http(AF_INET, sl_prom_server_port(s4), "GET / HTTP/1.0\r\n\r\n", buf, 1 << 20);
	assert_true(strncmp(buf + 9, "404 ", 4) == 0);
	http(AF_INET, sl_prom_server_port(s4),
	     "POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n", buf, 1 << 20);
	assert_true(strncmp(buf + 9, "405 ", 4) == 0);
	assert_non_null(strcasestr(buf, "\r\nAllow: GET, HEAD\r\n"));
	http(AF_INET, sl_prom_server_port(s4), "HEAD /metrics HTTP/1.0\r\n\r\n", buf, 1 << 20);
	assert_true(strncmp(buf + 9, "200 ", 4) == 0);
	assert_null(strstr(buf, "sluice_generation"));

	/* A client that connects and sends nothing does not hold up others. */
	idle = socket(AF_INET, SOCK_STREAM, 0);
	{
		struct sockaddr_in a = {.sin_family = AF_INET,
					.sin_port = htons(sl_prom_server_port(s4)),
					.sin_addr.s_addr = htonl(INADDR_LOOPBACK)};

		assert_int_equal(connect(idle, (struct sockaddr *)&a, sizeof(a)), 0);
	}
	http(AF_INET, sl_prom_server_port(s4), "GET /metrics HTTP/1.0\r\n\r\n", buf, 1 << 20);
	assert_true(strncmp(buf + 9, "200 ", 4) == 0);
	close(idle);

	/* IPv6 loopback. */
	s6 = sl_prom_server_start("[::1]:0", &pub, err, sizeof(err));
	if (s6 == NULL)
		fail_msg("%s", err);
	http(AF_INET6, sl_prom_server_port(s6), "GET /metrics HTTP/1.0\r\n\r\n", buf, 1 << 20);
	assert_true(strncmp(buf + 9, "200 ", 4) == 0);
	/* The same port again: refused with a message. */
	{
		char l[32];

		snprintf(l, sizeof(l), "[::1]:%u", sl_prom_server_port(s6));
		assert_null(sl_prom_server_start(l, &pub, err, sizeof(err)));
		assert_non_null(strstr(err, l));
	}
	sl_prom_server_stop(s6);
	sl_prom_server_stop(s4);
	sl_metrics_publish(&pub, NULL);
	free(buf);
}

int main(int argc, char **argv)
{
	static const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(builder_exact, setup, teardown),
	    cmocka_unit_test_setup_teardown(monotonic_across_removal_and_reuse, setup, teardown),
	    cmocka_unit_test_setup_teardown(retired_limit, setup, teardown),
	    cmocka_unit_test(prom_exact),
	    cmocka_unit_test_setup_teardown(prom_parses, setup, teardown),
	    cmocka_unit_test_setup_teardown(telemetry_errors, setup, teardown),
	    cmocka_unit_test_setup_teardown(telemetry_socket, setup, teardown),
	    cmocka_unit_test_setup_teardown(telemetry_pages, setup, teardown),
	    /* Last: it moves this thread into a network namespace of its own. */
	    cmocka_unit_test_setup_teardown(http_endpoint, setup, teardown),
	};
	int rc;

	(void)argc;
	if (sl_test_eal_init(argv[0], NULL) < 0)
		return 1;
	g_pool = rte_pktmbuf_pool_create("sl_metrics_pool", 4095, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
					 SOCKET_ID_ANY);
	if (g_pool == NULL)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	rte_mempool_free(g_pool);
	sl_test_eal_fini();
	return rc;
}
