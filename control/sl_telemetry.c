/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * /sluice/ telemetry commands (sl_telemetry.h).  Callbacks run on DPDK's
 * telemetry thread and read only the published metrics copy.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_telemetry.h>

#include "sl_lbstate.h"
#include "sl_telemetry.h"

/* The publisher the callbacks read.  Written by the thread that registers
 * (release), read by the telemetry thread (acquire): the publisher's mutex
 * is initialised before its address is seen. */
static struct sl_metrics_pub *g_pub;

/* A dict under construction and the JSON bytes it will take, counted
 * generously (every number as 20 digits, every string as if each byte
 * needed an escape), so a page that fits the estimate fits DPDK's buffer. */
struct tb {
	struct rte_tel_data *d;
	size_t used;
	int rc;
};

static void tb_u64(struct tb *t, const char *k, uint64_t v)
{
	int rc = rte_tel_data_add_dict_u64(t->d, k, v);

	if (rc < 0 && t->rc == 0)
		t->rc = rc;
	t->used += strlen(k) + 26;
}

static void tb_str(struct tb *t, const char *k, const char *v)
{
	int rc = rte_tel_data_add_dict_string(t->d, k, v);

	if (rc < 0 && t->rc == 0)
		t->rc = rc;
	t->used += strlen(k) + 2 * strlen(v) + 8;
}

static void tb_hex(struct tb *t, const char *k, uint64_t v)
{
	char buf[20];

	snprintf(buf, sizeof(buf), "%016" PRIx64, v);
	tb_str(t, k, buf);
}

static struct sl_metrics *get(void)
{
	struct sl_metrics_pub *p = __atomic_load_n(&g_pub, __ATOMIC_ACQUIRE);

	return p != NULL ? sl_metrics_get(p) : NULL;
}

/* "REF[,START]" -> ref (copied into buf) and start; -EINVAL when malformed.
 * need_ref: a reference is required; otherwise params is START alone. */
static int parse_params(const char *params, bool need_ref, char *buf, size_t len, uint32_t *start)
{
	const char *comma, *num = params;
	char *end;
	unsigned long v;

	*start = 0;
	if (buf != NULL)
		buf[0] = '\0';
	if (need_ref) {
		size_t rl;

		if (params == NULL || *params == '\0')
			return -EINVAL;
		comma = strchr(params, ',');
		rl = comma ? (size_t)(comma - params) : strlen(params);
		if (rl == 0 || rl >= len)
			return -EINVAL;
		memcpy(buf, params, rl);
		buf[rl] = '\0';
		num = comma ? comma + 1 : NULL;
	}
	if (num == NULL || *num == '\0')
		return 0;
	if (*num < '0' || *num > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(num, &end, 10);
	if (errno || *end || v > UINT32_MAX)
		return -EINVAL;
	*start = (uint32_t)v;
	return 0;
}

static uint64_t permille(uint64_t a, uint64_t b)
{
	return b ? (uint64_t)((double)a * 1000.0 / (double)b + 0.5) : 0;
}

int sl_tel_status(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_metrics *m = get();
	struct sl_metrics_totals t;
	struct tb b = {d, 0, 0};

	(void)cmd, (void)params;
	if (m == NULL)
		return -EAGAIN;
	sl_metrics_totals(m, &t);
	rte_tel_data_start_dict(d);
	tb_u64(&b, "generation", m->generation);
	tb_u64(&b, "config_generation", m->config_generation);
	tb_u64(&b, "uptime_s", m->uptime_ms / 1000);
	tb_u64(&b, "metrics_timestamp_ms", m->built_unix_ms);
	tb_u64(&b, "vips", m->nb_vips);
	tb_u64(&b, "backends", m->nb_backends);
	tb_u64(&b, "health_targets", m->health_targets);
	tb_u64(&b, "workers", m->nb_workers);
	tb_u64(&b, "ports", m->nb_ports);
	tb_u64(&b, "rx", t.rx);
	tb_u64(&b, "tx", t.tx);
	tb_u64(&b, "drops", t.drops_total);
	tb_u64(&b, "flows", t.flows);
	tb_u64(&b, "flow_capacity", t.flow_capacity);
	tb_u64(&b, "flow_evictions", t.flow.evictions);
	tb_u64(&b, "tcp_nonsyn_miss", t.tcp_nonsyn_miss);
	sl_metrics_put(m);
	return b.rc;
}

/* A page of a list: entries [start, total) while they fit.  item(m, i,
 * dict, arg) fills entry i into a fresh dict and returns its estimated
 * size (or 0 when it failed); the page goes under `key`, with total, start,
 * count and next.  Returns 0 or -errno. */
typedef size_t (*item_fn)(const struct sl_metrics *m, uint32_t i, struct rte_tel_data *d,
			  const void *arg);

static int page(struct tb *b, const struct sl_metrics *m, const char *key, uint32_t start,
		uint32_t total, item_fn item, const void *arg)
{
	struct rte_tel_data *list = rte_tel_data_alloc();
	uint32_t i = start, count = 0;
	int rc;

	if (list == NULL)
		return -ENOMEM;
	rte_tel_data_start_dict(list);
	b->used += strlen(key) + 160; /* the page's own keys */
	for (; i < total && count < RTE_TEL_MAX_DICT_ENTRIES; i++) {
		struct rte_tel_data *e = rte_tel_data_alloc();
		char k[12];
		size_t sz;

		if (e == NULL)
			break;
		rte_tel_data_start_dict(e);
		sz = item(m, i, e, arg);
		if (sz == 0 || b->used + sz + 16 > SL_TEL_BUDGET) {
			rte_tel_data_free(e);
			break;
		}
		snprintf(k, sizeof(k), "%u", i);
		if (rte_tel_data_add_dict_container(list, k, e, 0) < 0) {
			rte_tel_data_free(e);
			break;
		}
		b->used += sz + 16;
		count++;
	}
	tb_u64(b, "total", total);
	tb_u64(b, "start", start);
	tb_u64(b, "count", count);
	if (i < total)
		tb_u64(b, "next", i);
	rc = rte_tel_data_add_dict_container(b->d, key, list, 0);
	if (rc < 0) {
		rte_tel_data_free(list);
		return rc;
	}
	return b->rc;
}

static size_t vip_item(const struct sl_metrics *m, uint32_t i, struct rte_tel_data *d,
		       const void *arg)
{
	const struct sl_metrics_vip *v = &m->vips[i];
	struct tb b = {d, 4, 0};

	(void)arg;
	tb_str(&b, "vip", v->name);
	tb_u64(&b, "backends", v->nb_backends);
	tb_u64(&b, "usable", v->usable);
	tb_u64(&b, "flows", v->flows);
	tb_u64(&b, "packets", v->packets);
	return b.rc == 0 ? b.used : 0;
}

static size_t port_item(const struct sl_metrics *m, uint32_t i, struct rte_tel_data *d,
			const void *arg);
static size_t worker_item(const struct sl_metrics *m, uint32_t i, struct rte_tel_data *d,
			  const void *arg);

/* The top-level paged lists /sluice/vips, /sluice/ports and
 * /sluice/workers: one optional START parameter, the page under the list's
 * name (workers also carry tsc_hz).  Telemetry thread. */
enum top_list { TOP_VIPS, TOP_PORTS, TOP_WORKERS };

static int top_page(const char *params, struct rte_tel_data *d, enum top_list which)
{
	static const char *const keys[] = {"vips", "ports", "workers"};
	static const item_fn items[] = {vip_item, port_item, worker_item};
	struct sl_metrics *m;
	struct tb b = {d, 0, 0};
	uint32_t start, total;
	int rc;

	if (parse_params(params, false, NULL, 0, &start) < 0)
		return -EINVAL;
	m = get();
	if (m == NULL)
		return -EAGAIN;
	rte_tel_data_start_dict(d);
	total = which == TOP_VIPS ? m->nb_vips : which == TOP_PORTS ? m->nb_ports : m->nb_workers;
	if (which == TOP_WORKERS)
		tb_u64(&b, "tsc_hz", m->tsc_hz); /* busy_cycles in seconds */
	rc = page(&b, m, keys[which], start, total, items[which], NULL);
	sl_metrics_put(m);
	return rc;
}

int sl_tel_vips(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return top_page(params, d, TOP_VIPS);
}

int sl_tel_vip(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_metrics *m;
	const struct sl_metrics_vip *v;
	struct tb b = {d, 0, 0};

	(void)cmd;
	if (params == NULL || *params == '\0')
		return -EINVAL;
	m = get();
	if (m == NULL)
		return -EAGAIN;
	v = sl_metrics_find_vip(m, params);
	if (v == NULL) {
		sl_metrics_put(m);
		return -EINVAL;
	}
	rte_tel_data_start_dict(d);
	tb_str(&b, "vip", v->name);
	tb_u64(&b, "packets", v->packets);
	tb_u64(&b, "bytes", v->bytes);
	tb_u64(&b, "new_flows", v->new_flows);
	tb_u64(&b, "tcp_nonsyn_miss", v->tcp_nonsyn_miss);
	tb_u64(&b, "flows", v->flows);
	tb_u64(&b, "backends", v->nb_backends);
	tb_u64(&b, "usable", v->usable);
	tb_str(&b, "serving_pool", sl_pool_name((enum sl_pool)v->serving_pool));
	tb_u64(&b, "panic", v->panic);
	tb_u64(&b, "empty", v->empty);
	tb_u64(&b, "capacity_primary_pct", v->capacity_pct[SL_POOL_PRIMARY]);
	tb_u64(&b, "capacity_backup_pct", v->capacity_pct[SL_POOL_BACKUP]);
	tb_u64(&b, "table_size", v->table_size);
	if (v->has_fingerprint) {
		tb_hex(&b, "fingerprint", v->fingerprint);
		tb_hex(&b, "config_fingerprint", v->config_fingerprint);
	}
	tb_u64(&b, "generation", m->generation);
	sl_metrics_put(m);
	return b.rc;
}

static size_t backend_item(const struct sl_metrics *m, uint32_t i, struct rte_tel_data *d,
			   const void *arg)
{
	const struct sl_metrics_vip *v = arg;
	const struct sl_metrics_backend *be = &m->backends[v->first_backend + i];
	struct tb b = {d, 4, 0};

	tb_str(&b, "address", be->address);
	tb_str(&b, "state", sl_be_state_name((enum sl_be_state)be->state));
	tb_str(&b, "health", sl_metrics_health_name(be));
	tb_str(&b, "pool", sl_pool_name((enum sl_pool)be->pool));
	tb_u64(&b, "weight", be->weight);
	tb_u64(&b, "slots", be->slots);
	tb_u64(&b, "flows", be->flows);
	tb_u64(&b, "packets", be->packets);
	tb_u64(&b, "bytes", be->bytes);
	tb_u64(&b, "new_flows", be->new_flows);
	return b.rc == 0 ? b.used : 0;
}

static size_t health_item(const struct sl_metrics *m, uint32_t i, struct rte_tel_data *d,
			  const void *arg)
{
	const struct sl_metrics_vip *v = arg;
	const struct sl_metrics_backend *be = &m->backends[v->first_backend + i];
	struct tb b = {d, 4, 0};

	tb_str(&b, "address", be->address);
	tb_str(&b, "health", sl_metrics_health_name(be));
	if (be->hc_checked) {
		tb_str(&b, "type", sl_hc_kind_name((enum sl_hc_kind)be->hc_kind));
		tb_u64(&b, "port", be->hc_port);
		tb_u64(&b, "checked", be->hc_done);
		tb_u64(&b, "checks", be->hc_checks);
		tb_u64(&b, "failures", be->hc_failures);
		tb_u64(&b, "transitions", be->hc_transitions);
		tb_u64(&b, "latency_us", be->hc_latency_us);
		tb_u64(&b, "last_check_age_ms", be->hc_age_ms);
		tb_str(&b, "last_result", be->hc_result);
	}
	return b.rc == 0 ? b.used : 0;
}

/* /sluice/backends,REF[,START] and /sluice/health,REF[,START]. */
static int vip_page(const char *params, struct rte_tel_data *d, const char *key, item_fn item)
{
	char ref[SL_VIP_REF_MAX];
	struct sl_metrics *m;
	const struct sl_metrics_vip *v;
	struct tb b = {d, 0, 0};
	uint32_t start;
	int rc;

	if (parse_params(params, true, ref, sizeof(ref), &start) < 0)
		return -EINVAL;
	m = get();
	if (m == NULL)
		return -EAGAIN;
	v = sl_metrics_find_vip(m, ref);
	if (v == NULL) {
		sl_metrics_put(m);
		return -EINVAL;
	}
	rte_tel_data_start_dict(d);
	tb_str(&b, "vip", v->name);
	rc = page(&b, m, key, start, v->nb_backends, item, v);
	sl_metrics_put(m);
	return rc;
}

int sl_tel_backends(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return vip_page(params, d, "backends", backend_item);
}

int sl_tel_health(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return vip_page(params, d, "backends", health_item);
}

int sl_tel_drops(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_metrics *m = get();
	struct sl_metrics_totals t;
	struct tb b = {d, 0, 0};

	(void)cmd, (void)params;
	if (m == NULL)
		return -EAGAIN;
	sl_metrics_totals(m, &t);
	rte_tel_data_start_dict(d);
	for (unsigned v = 1; v < SL_V_MAX; v++)
		tb_u64(&b, sl_verdict_name(v), t.drops[v]);
	tb_u64(&b, "flow_evictions", t.flow.evictions);
	sl_metrics_put(m);
	return b.rc;
}

static size_t port_item(const struct sl_metrics *m, uint32_t i, struct rte_tel_data *d,
			const void *arg)
{
	const struct sl_metrics_port *p = &m->ports[i];
	struct tb b = {d, 4, 0};

	(void)arg;
	tb_str(&b, "name", p->name);
	tb_u64(&b, "port_id", p->port_id);
	tb_u64(&b, "ok", p->ok);
	tb_u64(&b, "rx_packets", p->ipackets);
	tb_u64(&b, "tx_packets", p->opackets);
	tb_u64(&b, "rx_bytes", p->ibytes);
	tb_u64(&b, "tx_bytes", p->obytes);
	tb_u64(&b, "rx_missed", p->imissed);
	tb_u64(&b, "rx_errors", p->ierrors);
	tb_u64(&b, "tx_errors", p->oerrors);
	tb_u64(&b, "rx_nombuf", p->rx_nombuf);
	return b.rc == 0 ? b.used : 0;
}

int sl_tel_ports(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return top_page(params, d, TOP_PORTS);
}

static size_t worker_item(const struct sl_metrics *m, uint32_t i, struct rte_tel_data *d,
			  const void *arg)
{
	const struct sl_metrics_worker *w = &m->workers[i];
	struct tb b = {d, 4, 0};
	uint64_t drops = 0;

	(void)arg;
	for (unsigned v = 1; v < SL_V_MAX; v++)
		drops += w->drops[v];
	tb_u64(&b, "id", w->id);
	tb_u64(&b, "lcore", w->lcore);
	tb_u64(&b, "load_permille", (uint64_t)(w->load * 1000.0 + 0.5));
	tb_u64(&b, "polls", w->polls);
	tb_u64(&b, "busy_polls", w->busy_polls);
	tb_u64(&b, "busy_cycles", w->busy_cycles);
	tb_u64(&b, "rx", w->rx);
	tb_u64(&b, "tx", w->tx);
	tb_u64(&b, "drops", drops);
	tb_u64(&b, "generation", w->generation);
	tb_u64(&b, "flow_entries", w->flow_entries);
	tb_u64(&b, "flow_capacity", w->flow_capacity);
	tb_u64(&b, "flow_evictions", w->flow.evictions);
	tb_u64(&b, "tcp_nonsyn_miss", w->tcp_nonsyn_miss);
	return b.rc == 0 ? b.used : 0;
}

int sl_tel_workers(const char *cmd, const char *params, struct rte_tel_data *d)
{
	(void)cmd;
	return top_page(params, d, TOP_WORKERS);
}

int sl_tel_flows(const char *cmd, const char *params, struct rte_tel_data *d)
{
	struct sl_metrics *m = get();
	struct sl_metrics_totals t;
	struct tb b = {d, 0, 0};

	(void)cmd, (void)params;
	if (m == NULL)
		return -EAGAIN;
	sl_metrics_totals(m, &t);
	rte_tel_data_start_dict(d);
	tb_u64(&b, "capacity", t.flow_capacity);
	tb_u64(&b, "entries", t.flows);
	tb_u64(&b, "occupancy_permille", permille(t.flows, t.flow_capacity));
	tb_u64(&b, "hits", t.flow.hits);
	tb_u64(&b, "misses", t.flow.misses);
	tb_u64(&b, "inserts", t.flow.inserts);
	tb_u64(&b, "evictions", t.flow.evictions);
	tb_u64(&b, "expired", t.flow.expired);
	tb_u64(&b, "tcp_nonsyn_miss", t.tcp_nonsyn_miss);
	sl_metrics_put(m);
	return b.rc;
}

static const struct {
	const char *cmd;
	telemetry_cb fn;
	const char *help;
} cmds[] = {
    {"/sluice/status", sl_tel_status, "sluice: generation, uptime, totals. No parameters"},
    {"/sluice/vips", sl_tel_vips, "sluice: VIPs, a page. Parameter: [START]"},
    {"/sluice/vip", sl_tel_vip, "sluice: one VIP's counters. Parameter: VIP (10.0.0.1:80/tcp)"},
    {"/sluice/backends", sl_tel_backends,
     "sluice: a VIP's backends, a page. Parameters: VIP[,START]"},
    {"/sluice/health", sl_tel_health,
     "sluice: health checks of a VIP's backends, a page. Parameters: VIP[,START]"},
    {"/sluice/drops", sl_tel_drops, "sluice: dropped packets by reason. No parameters"},
    {"/sluice/ports", sl_tel_ports, "sluice: port counters (rx_missed...). Parameter: [START]"},
    {"/sluice/workers", sl_tel_workers, "sluice: workers (load), a page. Parameter: [START]"},
    {"/sluice/flows", sl_tel_flows, "sluice: flow tables, occupancy, evictions. No parameters"},
};

int sl_telemetry_register(struct sl_metrics_pub *pub)
{
	static bool registered;

	/* Release: the publisher's initialised mutex before its address. */
	__atomic_store_n(&g_pub, pub, __ATOMIC_RELEASE);
	if (registered)
		return 0;
	for (unsigned i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		int rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);

		if (rc < 0)
			return rc;
	}
	registered = true;
	return 0;
}

void sl_telemetry_unregister(void)
{
	__atomic_store_n(&g_pub, NULL, __ATOMIC_RELEASE);
}
