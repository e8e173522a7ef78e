/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * libFuzzer harness for the whole per-packet path: each input is one frame,
 * put in an mbuf and pushed through sl_worker_process with a snapshot that
 * has a VIP for every encapsulation (the addresses of the parse seeds, so
 * seeds/path shares them), a tiny flow table (evictions happen) and an MTU
 * that makes large frames take the ICMP too-big path.  The snapshot is then
 * edited by hand the way the control thread would fill it for bounded load
 * and unreachable replies: the TCP VIPs get tables in which every fifth slot
 * has no backend, and answer those with ICMP port unreachable; the IPv4 one
 * also gets bounded load (fallback orders, shares for c = 1.25, a window of
 * 700 ms: the input clock crosses it every 100 inputs).  The flow table is
 * swept a little after every input.
 *
 * Invariants, checked after every input:
 *  - every packet is accounted for exactly once: queued for TX (forwarded or
 *    to the kernel), or counted under one drop reason; an ICMP reply may be
 *    queued in addition, and is counted in icmp_sent;
 *  - every queued frame is a sane single-segment mbuf whose outer IPv4
 *    header checksum verifies and whose IP length matches the frame;
 *  - no mbuf leaks: the pool is full again once the queued frames are freed;
 *  - per-real flow counts equal the flow table's contents (walked).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_mbuf.h>

#include "sl_config.h"
#include "sl_eal_cleanup.h"
#include "sl_ctrl.h"
#include "sl_maglev.h"
#include "sl_worker.h"

static const char config[] =
    "ports: [{name: fuzz0, role: data}, {name: fuzz1, role: kernel}]\n"
    "tunnel: {source4: 10.99.0.2, source6: 'fd00:99::2'}\n"
    "next_hop: {port: fuzz0, mac: '02:00:00:00:00:01', mtu: 1400}\n"
    "flow_table: {size: 1024}\n"
    "icmp: {rate_limit: 1000}\n"
    "maglev: {table_size: 307}\n"
    "vips:\n"
    "  - {address: 198.51.100.10, port: 443, protocol: tcp, encap: ipip,\n"
    "     backends: [{address: 10.99.1.1}, {address: 10.99.1.2, weight: 0},\n"
    "                {address: 10.99.1.3, weight: 300}]}\n"
    "  - {address: 198.51.100.10, port: any, protocol: udp, encap: gue,\n"
    "     backends: [{address: 10.99.1.1}, {address: 'fd00:99::11'}]}\n"
    "  - {address: '2001:db8:ffff::10', port: 443, protocol: tcp,\n"
    "     encap: ip6ip6, backends: [{address: 'fd00:99::11'}]}\n"
    "  - {address: '2001:db8:ffff::10', port: any, protocol: udp,\n"
    "     encap: gue, backends: [{address: 'fd00:99::12'}]}\n"
    "  - {address: 198.51.100.11, port: 53, protocol: udp,\n"
    "     encap: ipv4-in-ipv6, backends: [{address: 'fd00:99::13'}]}\n";

/* abort() with the failed condition, so a crash file explains itself. */
#define CHECK(c)                                                                              \
	do {                                                                                  \
		if (!(c)) {                                                                   \
			fprintf(stderr, "fuzz_path: %s:%d: invariant failed: %s\n", __FILE__, \
				__LINE__, #c);                                                \
			abort();                                                              \
		}                                                                             \
	} while (0)

#define EGRESS 0
#define KERNEL 1

static struct sl_ctrl ctrl;
static struct sl_worker *w;
static struct rte_mempool *pool;
static bool stop;
static uint32_t now_ms = 1;

/* Hand-made tables of the TCP VIPs (maglev.table_size 307). */
#define M 307
static uint32_t table4[M], order4[M * SL_MAGLEV_LAYERS], table6[M];
static uint32_t bl_vid; /* the VIP with bounded load */

/* Live reals of VIP vid that take new flows (weight > 0 in the config:
 * SL_REAL_NEW), as handles; returns how many (at most max). */
static unsigned vip_reals(const struct sl_snapshot *s, uint32_t vid, uint32_t *h, unsigned max)
{
	unsigned n = 0;

	for (uint32_t rid = 0; rid < s->nb_real_slots && n < max; rid++)
		if (s->reals[rid].vip_id == vid && (s->reals[rid].flags & SL_REAL_LIVE) &&
		    (s->reals[rid].flags & SL_REAL_NEW))
			h[n++] = SL_REAL_HANDLE(rid, s->reals[rid].incarnation);
	return n;
}

/* Every fifth slot (j % 5 == 3) without a backend, the rest as built; for
 * the bounded VIP the order of a slot is its owner, then the VIP's other
 * reals.  The seed flows' own slots (80, 275, 191) keep their backend, so
 * the seeds still reach the paths they were made for; their variants land
 * in every kind of slot. */
static void edit_vip(struct sl_snapshot *s, uint32_t vid, uint32_t *table, uint32_t *order)
{
	struct sl_vip *v = &s->vips[vid];
	uint32_t h[8];
	unsigned n = vip_reals(s, vid, h, 8);

	CHECK(v->table_size == M && n > 0);
	for (uint32_t j = 0; j < M; j++) {
		table[j] = j % 5 == 3 ? SL_REAL_NONE : v->table[j];
		if (order == NULL)
			continue;
		for (unsigned k = 0; k < SL_MAGLEV_LAYERS; k++)
			order[j * SL_MAGLEV_LAYERS + k] = SL_REAL_NONE;
		if (table[j] == SL_REAL_NONE)
			continue;
		order[j * SL_MAGLEV_LAYERS] = table[j];
		for (unsigned i = 0, k = 1; i < n && k < SL_MAGLEV_LAYERS; i++)
			if (h[i] != table[j])
				order[j * SL_MAGLEV_LAYERS + k++] = h[i];
	}
	v->table = table;
	v->flags |= SL_VIP_UNREACHABLE;
	if (order != NULL) {
		v->order = order;
		v->flags |= SL_VIP_BOUNDED;
		v->bl_window_ms = 700; /* 100 inputs */
	}
}

/* The VIP whose key is (addr, port, proto), as an id. */
static uint32_t find_vip(const struct sl_snapshot *s, const uint8_t *addr, uint16_t port,
			 uint8_t proto)
{
	for (uint32_t v = 0; v < s->nb_vip_slots; v++)
		if (s->vips[v].present && memcmp(s->vips[v].key.addr, addr, 16) == 0 &&
		    s->vips[v].key.port == rte_cpu_to_be_16(port) && s->vips[v].key.proto == proto)
			return v;
	CHECK(!"VIP not found");
	return 0;
}

static void setup(void)
{
	char prefix[64];
	char *argv[] = {"fuzz_path", "--no-huge",	  "-m", "256", "--no-pci", "-l", "0",
			prefix,	     "--log-level=error", NULL};
	struct sl_diag d = {.out = stderr, .file = "fuzz_path config"};
	struct sl_config *cfg;
	struct sl_flow_timeouts to = {.tcp = 300000, .tcp_closing = 10000, .udp = 30000};

	snprintf(prefix, sizeof(prefix), "--file-prefix=sl_fuzz_path_%d", (int)getpid());
	CHECK(rte_eal_init((int)RTE_DIM(argv) - 1, argv) >= 0);
	sl_eal_cleanup_at_exit();
	CHECK(sl_config_parse(config, strlen(config), d.file, &d, &cfg) == 0);
	pool = rte_pktmbuf_pool_create("fuzz_pool", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, 0);
	w = sl_worker_create(0, 0, cfg->flow_table_size, &to);
	CHECK(pool != NULL && w != NULL && sl_ctrl_init(&ctrl, NULL) == 0);
	ctrl.egress_port = EGRESS;
	CHECK(sl_ctrl_apply(&ctrl, cfg) == 0);
	sl_config_free(cfg);
	{
		static const uint8_t v4[16] = {198, 51, 100, 10};
		static const uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, [15] = 0x10};
		struct sl_snapshot *s = ctrl.snap;
		uint32_t vid = find_vip(s, v4, 443, IPPROTO_TCP);

		bl_vid = vid;
		edit_vip(s, vid, table4, order4);
		edit_vip(s, find_vip(s, v6, 443, IPPROTO_TCP), table6, NULL);
		/* Shares over the weights 1 and 300 (the weight-0 real takes
		 * no new flows and has no share) with c = 0.8: below what the
		 * configuration allows, so that both reals of an order can be
		 * at their cap and the overflow branch runs too. */
		for (uint32_t rid = 0; rid < s->nb_real_slots; rid++)
			if (s->reals[rid].vip_id == vid && (s->reals[rid].flags & SL_REAL_NEW))
				s->reals[rid].bl_share =
				    (uint32_t)(0.8 * 65536 *
					       (memcmp(s->reals[rid].encap.dst,
						       (const uint8_t[]){10, 99, 1, 3}, 4) == 0
						    ? 300.0 / 301
						    : 1.0 / 301));
	}
	w->kernel_port = KERNEL;
	w->pool = pool;
	w->snap_ptr = &ctrl.snap;
	w->stop = &stop;
	w->icmp_rate = 1000;
}

static uint64_t accounted(const struct sl_worker_stats *s)
{
	uint64_t n = 0;

	for (unsigned v = 1; v < SL_V_MAX; v++)
		n += s->drops[v];
	return n;
}

static void check_frame(const struct rte_mbuf *m, uint16_t port)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint16_t l2 = RTE_ETHER_HDR_LEN;

	CHECK(m->nb_segs == 1 && m->data_len == m->pkt_len && m->data_len >= RTE_ETHER_HDR_LEN);
	if (port == KERNEL)
		return; /* handed over unchanged */
	/* Forwarded or ICMP reply: Ethernet (an ICMP reply keeps the VLAN tag
	 * of what it answers) + IPv4 or IPv6 whose length field covers exactly
	 * the rest of the frame. */
	if (f[12] == 0x81 && f[13] == 0x00)
		l2 += 4;
	CHECK(m->data_len >= l2 + 40);
	if ((f[l2] >> 4) == 4) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + l2);

		/* Summed with its checksum field, a valid header folds to 0. */
		CHECK(rte_be_to_cpu_16(ip->total_length) == m->data_len - l2);
		CHECK(rte_ipv4_cksum(ip) == 0);
	} else if ((f[l2] >> 4) == 6) {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(f + l2);

		CHECK(rte_be_to_cpu_16(ip6->payload_len) == m->data_len - l2 - 40);
	} else {
		CHECK(!"outer header is neither IPv4 nor IPv6");
	}
}

/* Occupied entries per real id (the snapshot's few), by walking the table. */
static uint64_t walked[64];

static void walk_cb(void *arg, uint32_t real_id, uint32_t deadline)
{
	(void)arg;
	(void)deadline;
	CHECK(SL_REAL_ID(real_id) < RTE_DIM(walked));
	walked[SL_REAL_ID(real_id)]++;
}

static void check_flow_counts(void)
{
	memset(walked, 0, sizeof(walked));
	sl_flow_table_walk(w->ft, walk_cb, NULL);
	for (uint32_t rid = 0; rid < RTE_DIM(walked); rid++)
		CHECK(w->stats->real[rid].flows == walked[rid]);
}

/* What the run exercised, for the test log. */
__attribute__((destructor)) static void summary(void)
{
	if (w == NULL)
		return;
	fprintf(stderr,
		"fuzz_path: rx %" PRIu64 " queued %" PRIu64 " icmp_sent %" PRIu64
		" unreach_sent %" PRIu64 " unreach_limited %" PRIu64 " bl_spill %" PRIu64
		" bl_overflow %" PRIu64 " drops:",
		w->stats->rx, w->stats->tx, w->stats->icmp_sent, w->stats->unreach_sent,
		w->stats->unreach_limited, w->stats->vip_bl_spill[bl_vid], w->stats->bl_overflow);
	for (unsigned v = 1; v < SL_V_MAX; v++)
		if (w->stats->drops[v])
			fprintf(stderr, " %s %" PRIu64, sl_verdict_name(v), w->stats->drops[v]);
	fprintf(stderr, "\n");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rte_mbuf *m;
	uint64_t before, icmp_before, queued = 0;

	if (w == NULL)
		setup();
	if (size > RTE_MBUF_DEFAULT_DATAROOM)
		return 0;
	m = rte_pktmbuf_alloc(pool);
	CHECK(m != NULL);
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), data, size);
	m->data_len = (uint16_t)size;
	m->pkt_len = (uint32_t)size;

	before = accounted(w->stats);
	icmp_before = w->stats->icmp_sent + w->stats->unreach_sent;
	/* Time moves on between inputs so idle expiry and the ICMP token
	 * bucket are exercised too. */
	now_ms += 7;
	sl_worker_process(w, ctrl.snap, EGRESS, &m, 1, now_ms);

	for (uint16_t p = 0; p < SL_MAX_PORTS; p++) {
		for (uint16_t i = 0; i < w->tx[p].n; i++) {
			check_frame(w->tx[p].pkts[i], p);
			rte_pktmbuf_free(w->tx[p].pkts[i]);
		}
		queued += w->tx[p].n;
		w->stats->tx += w->tx[p].n;
		w->tx[p].n = 0;
	}
	CHECK(accounted(w->stats) - before + queued ==
	      1 + (w->stats->icmp_sent + w->stats->unreach_sent - icmp_before));
	CHECK(rte_mempool_avail_count(pool) == 511);
	sl_worker_age(w, now_ms, 4);
	check_flow_counts();
	/* Spills and overflows are new flows of the bounded VIP (counted in
	 * its new flows, once each) and of no other. */
	CHECK(w->stats->vip_bl_spill[bl_vid] + w->stats->bl_overflow <=
	      w->stats->vip_new_flows[bl_vid]);
	return 0;
}
