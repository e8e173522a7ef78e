/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * In-process fast-path benchmark: TSC cycles per packet through
 * sl_worker_process() on one worker (parse, flow hash, flow table, VIP
 * lookup, Maglev pick, encapsulation, counters), with no NIC and no ethdev.
 *
 * Harness: a ring of RING_SIZE prebuilt mbufs is recycled burst after burst.
 * Before each burst every mbuf gets its data offset and lengths reset and its
 * Ethernet + IP + TCP headers rewritten from a template (encapsulation
 * rewrote the frame in place), with the 5-tuple of a flow drawn uniformly at
 * random from the case's flow set (established) or a never-seen 5-tuple
 * (new flows).  After the call the forwarded mbufs are taken back out of
 * w->tx[egress] and go back into the ring.  The same loop without the
 * sl_worker_process() call is timed on its own ("harness") and its median is
 * subtracted from every run: the reported figure is the fast path alone.
 *
 * Cases (see `cases` below): established flows (table warmed, sized 2x the
 * flows, every timed packet a hit) and new flows (every packet a miss into a
 * full table, so every insert evicts), at 1K and 1M concurrent flows, IPv4
 * and IPv6, 1 VIP x 10 backends and 100 VIPs x 1000 backends, and new flows
 * of a VIP with bounded load (*_bl: the snapshot gets fallback orders and
 * shares by hand, as the control thread would fill them).  Every packet
 * must be forwarded: any drop, or a hit/miss/eviction count other than the
 * case promises, stops the benchmark with an error.
 *
 * Output: a human table, then, as the last line of stdout, one JSON object
 * {"bench":"fastpath","tsc_hz":..,"cases":{NAME:{"median":..,"min":..,
 * "max":..,"harness":..,...},...}} with cycles per packet (median, min, max
 * over the runs, harness already subtracted).
 *
 * Usage: bench_fastpath [EAL args] [-- [--runs N] [--pkts N] [--cases A,B]
 *                                      [--list]]
 * Without EAL args it uses -l 1 (0 on a one-CPU machine), --no-pci,
 * hugepages (-m 1024) and a private --file-prefix.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_tcp.h>

#include "sl_eal_cleanup.h"
#include "sl_config.h"
#include "sl_ctrl.h"
#include "sl_flow.h"
#include "sl_maglev.h"
#include "sl_parse.h"
#include "sl_worker.h"

#define RING_SIZE 4096 /* mbufs recycled through the worker; power of two */
#define BURST	  SL_BURST
#define MAX_RUNS  64
#define DEF_RUNS  5
#define DEF_PKTS  (4u << 20)
#define TCP_ACK	  0x10
#define VIP_PORT  80
#define EGRESS	  0
#define IN_PORT	  0
/* The millisecond clock advances once every 2^NOW_SHIFT bursts. */
#define NOW_SHIFT 8

/* Frame sizes: Ethernet + IP + TCP (IPv4 padded to the 60-byte minimum). */
#define FRAME4 60
#define FRAME6 74
/* Bytes copied from the template: the frame rounded up to 16. */
#define TMPL4 64
#define TMPL6 80

enum bmode { EST, NEW };

struct bcase {
	const char *name;
	uint8_t family;
	enum bmode mode;
	uint32_t flows; /* EST: concurrent flows; NEW: table entries (kept full) */
	uint32_t nb_vips;
	uint32_t nb_backends; /* per VIP */
	bool bounded;	      /* bounded load on every VIP (c = 1.25, see bl_setup) */
};

static const struct bcase cases[] = {
    {"est_v4_1k", SL_AF_INET, EST, 1000, 1, 10, false},
    {"est_v4_1m", SL_AF_INET, EST, 1000000, 1, 10, false},
    {"est_v6_1k", SL_AF_INET6, EST, 1000, 1, 10, false},
    {"est_v6_1m", SL_AF_INET6, EST, 1000000, 1, 10, false},
    {"new_v4_1k", SL_AF_INET, NEW, 1u << 10, 1, 10, false},
    {"new_v4_1k_bl", SL_AF_INET, NEW, 1u << 10, 1, 10, true},
    {"new_v4_1m", SL_AF_INET, NEW, 1u << 20, 1, 10, false},
    {"new_v6_1k", SL_AF_INET6, NEW, 1u << 10, 1, 10, false},
    {"new_v6_1m", SL_AF_INET6, NEW, 1u << 20, 1, 10, false},
    {"est_v4_1k_100vip_1000be", SL_AF_INET, EST, 1000, 100, 1000, false},
    {"est_v4_1m_100vip_1000be", SL_AF_INET, EST, 1000000, 100, 1000, false},
    {"new_v4_1m_100vip_1000be", SL_AF_INET, NEW, 1u << 20, 100, 1000, false},
    {"est_v6_1m_100vip_1000be", SL_AF_INET6, EST, 1000000, 100, 1000, false},
    {"new_v6_1m_100vip_1000be", SL_AF_INET6, NEW, 1u << 20, 100, 1000, false},
};
#define NB_CASES RTE_DIM(cases)

static const struct sl_flow_timeouts timeouts = {
    /* sluice's defaults; a case spans a few simulated seconds at most. */
    .tcp = 300000,
    .tcp_closing = 10000,
    .udp = 30000,
};

struct harness {
	struct rte_mbuf *ring[RING_SIZE];
	uint32_t pos;
	uint8_t family;
	enum bmode mode;
	uint8_t tmpl[TMPL6];
	uint16_t frame_len;
	uint32_t nb_vips;
	uint8_t (*vip_addr)[16]; /* nb_vips VIP addresses */
	uint64_t rng;
	uint64_t seq;	     /* NEW: next never-used flow number */
	const uint32_t *sel; /* EST: flow numbers to draw from */
	uint32_t nb_sel;
	uint32_t bursts; /* drives the simulated ms clock */
};

struct result {
	double gross[MAX_RUNS];
	double harness[MAX_RUNS];
	double med, min, max, harness_med, gross_med;
	uint32_t flows, capacity;
	bool done;
};

static unsigned int opt_runs = DEF_RUNS;
static uint32_t opt_pkts = DEF_PKTS;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("bench_fastpath: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

static inline uint64_t rng_next(uint64_t *s)
{
	*s ^= *s >> 12;
	*s ^= *s << 25;
	*s ^= *s >> 27;
	return *s * 0x2545f4914f6cdd1dull;
}

/* The flow with number f: client address and port from f, VIP from a hash
 * of f.  Distinct numbers are distinct 5-tuples (up to 2^38 of them).  The
 * address bits are f times an odd constant (a bijection): CRC32c is linear
 * over GF(2), so plain sequential addresses would fill the flow table's
 * buckets perfectly evenly, which real clients do not. */
static inline uint32_t vip_of(const struct harness *h, uint64_t f)
{
	return (uint32_t)(((uint64_t)((uint32_t)f * 0x9e3779b1u) * h->nb_vips) >> 32);
}

static inline void write_frame4(const struct harness *h, uint8_t *p, uint64_t f)
{
	uint32_t src = rte_cpu_to_be_32(0x0b000000u | (((uint32_t)f * 0x9e3779b1u) & 0xffffff));
	uint16_t sport = rte_cpu_to_be_16((uint16_t)(1024 + ((f >> 24) & 0x7fff)));

	memcpy(p, h->tmpl, TMPL4);
	memcpy(p + 26, &src, 4);
	memcpy(p + 30, h->vip_addr[vip_of(h, f)], 4);
	memcpy(p + 34, &sport, 2);
}

static inline void write_frame6(const struct harness *h, uint8_t *p, uint64_t f)
{
	uint64_t src = rte_cpu_to_be_64(f * 0x9e3779b97f4a7c15ull);
	uint16_t sport = rte_cpu_to_be_16((uint16_t)(1024 + (f & 0x7fff)));

	memcpy(p, h->tmpl, TMPL6);
	memcpy(p + 30, &src, 8); /* low half of the source address */
	memcpy(p + 38, h->vip_addr[vip_of(h, f)], 16);
	memcpy(p + 54, &sport, 2);
}

static inline void write_frame(const struct harness *h, uint8_t *p, uint64_t f)
{
	if (h->family == SL_AF_INET)
		write_frame4(h, p, f);
	else
		write_frame6(h, p, f);
}

static void build_template(struct harness *h)
{
	static const uint8_t mac_dst[6] = {0x02, 0, 0, 0, 0, 0x01};
	static const uint8_t mac_src[6] = {0x02, 0, 0, 0, 0, 0x02};
	uint8_t *p = h->tmpl;
	struct rte_tcp_hdr *tcp;

	memset(h->tmpl, 0, sizeof(h->tmpl));
	memcpy(p, mac_dst, 6);
	memcpy(p + 6, mac_src, 6);
	if (h->family == SL_AF_INET) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(p + RTE_ETHER_HDR_LEN);

		p[12] = 0x08;
		p[13] = 0x00;
		ip->version_ihl = RTE_IPV4_VHL_DEF;
		ip->total_length = rte_cpu_to_be_16(20 + 20);
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		tcp = (struct rte_tcp_hdr *)(ip + 1);
		h->frame_len = FRAME4;
	} else {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(p + RTE_ETHER_HDR_LEN);
		static const uint8_t src_prefix[8] = {0x20, 0x01, 0x0d, 0xb8, 0, 0x0c, 0, 0};

		p[12] = 0x86;
		p[13] = 0xdd;
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(20);
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, src_prefix, 8);
		tcp = (struct rte_tcp_hdr *)(ip + 1);
		h->frame_len = FRAME6;
	}
	tcp->src_port = rte_cpu_to_be_16(1024);
	tcp->dst_port = rte_cpu_to_be_16(VIP_PORT);
	tcp->data_off = 5 << 4;
	tcp->tcp_flags = TCP_ACK;
	tcp->rx_win = rte_cpu_to_be_16(65535);
}

/* Reset an mbuf and write flow f into it: the per-packet harness cost. */
static inline void load_pkt(const struct harness *h, struct rte_mbuf *m, uint64_t f)
{
	m->data_off = RTE_PKTMBUF_HEADROOM;
	m->data_len = h->frame_len;
	m->pkt_len = h->frame_len;
	write_frame(h, rte_pktmbuf_mtod(m, uint8_t *), f);
}

static inline uint64_t next_flow(struct harness *h)
{
	if (h->mode == NEW)
		return h->seq++;
	return h->sel[((rng_next(&h->rng) >> 32) * h->nb_sel) >> 32];
}

static void check_forwarded(const struct sl_worker *w, uint16_t n)
{
	if (likely(w->tx[EGRESS].n == n))
		return;
	fprintf(stderr, "bench_fastpath: %u of %u packets forwarded; drops:", w->tx[EGRESS].n, n);
	for (unsigned int v = 1; v < SL_V_MAX; v++)
		if (w->stats->drops[v])
			fprintf(stderr, " %s=%" PRIu64, sl_verdict_name(v), w->stats->drops[v]);
	fputc('\n', stderr);
	exit(1);
}

/* Push one (possibly partial) burst of the given flows through the worker. */
static void push_flows(struct harness *h, struct sl_worker *w, const struct sl_snapshot *snap,
		       const uint64_t *flows, uint16_t n)
{
	struct rte_mbuf **b = &h->ring[h->pos];

	for (uint16_t i = 0; i < n; i++)
		load_pkt(h, b[i], flows[i]);
	sl_worker_process(w, snap, IN_PORT, b, n, h->bursts >> NOW_SHIFT);
	check_forwarded(w, n);
	memcpy(b, w->tx[EGRESS].pkts, n * sizeof(*b));
	w->tx[EGRESS].n = 0;
	h->bursts++;
	h->pos = (h->pos + BURST) & (RING_SIZE - 1);
}

/* One timed pass of `pkts` packets; with call_worker false only the harness
 * (draw a flow, reset and rewrite the mbuf, recycle the ring) runs. */
static uint64_t timed_pass(struct harness *h, struct sl_worker *w, const struct sl_snapshot *snap,
			   uint32_t pkts, bool call_worker)
{
	uint64_t t0 = rte_rdtsc_precise();

	for (uint32_t done = 0; done < pkts; done += BURST) {
		struct rte_mbuf **b = &h->ring[h->pos];

		for (unsigned int i = 0; i < BURST; i++)
			load_pkt(h, b[i], next_flow(h));
		if (call_worker) {
			sl_worker_process(w, snap, IN_PORT, b, BURST, h->bursts >> NOW_SHIFT);
			check_forwarded(w, BURST);
			memcpy(b, w->tx[EGRESS].pkts, BURST * sizeof(*b));
			w->tx[EGRESS].n = 0;
		}
		h->bursts++;
		h->pos = (h->pos + BURST) & (RING_SIZE - 1);
	}
	return rte_rdtsc_precise() - t0;
}

/* A configuration of nb_vips VIPs (port 80, TCP) with nb_backends backends
 * each, all of the case's family; IPIP for IPv4, IPv6-in-IPv6 for IPv6. */
static struct sl_config *make_config(const struct bcase *c, uint8_t (*vip_addr)[16])
{
	struct sl_config *cfg = calloc(1, sizeof(*cfg));
	static const uint8_t nh_mac[6] = {0x02, 0, 0, 0, 0, 0xfe};

	if (cfg == NULL)
		return NULL;
	cfg->mtu = 1500;
	cfg->ttl = 64;
	cfg->maglev_size = SL_MAGLEV_DEFAULT_SIZE;
	cfg->icmp_rate = 100;
	cfg->flow_table_size = c->flows;
	cfg->tcp_timeout_ms = timeouts.tcp;
	cfg->tcp_closing_timeout_ms = timeouts.tcp_closing;
	cfg->udp_timeout_ms = timeouts.udp;
	cfg->has_src4 = cfg->has_src6 = true;
	memcpy(cfg->src4, (const uint8_t[]){192, 0, 2, 1}, 4);
	memcpy(cfg->src6,
	       (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, 16);
	memcpy(cfg->next_hop_mac, nh_mac, 6);
	cfg->nb_ports = 1;
	snprintf(cfg->ports[0].name, sizeof(cfg->ports[0].name), "bench0");
	snprintf(cfg->next_hop_port, sizeof(cfg->next_hop_port), "bench0");
	cfg->nb_vips = c->nb_vips;
	cfg->vips = calloc(c->nb_vips, sizeof(*cfg->vips));
	if (cfg->vips == NULL)
		return NULL;
	for (uint32_t i = 0; i < c->nb_vips; i++) {
		struct sl_config_vip *v = &cfg->vips[i];

		v->family = c->family;
		if (c->family == SL_AF_INET) {
			/* 198.18.x.y: benchmarking range */
			memcpy(v->addr, (const uint8_t[]){198, 18, (uint8_t)(i >> 8), (uint8_t)i},
			       4);
			v->encap = SL_ENCAP_IPIP;
		} else {
			memcpy(v->addr,
			       (const uint8_t[]){0x20, 0x01, 0x0d, 0xb8, 0, 0x0a, 0, 0, 0, 0, 0, 0,
						 0, 0, (uint8_t)(i >> 8), (uint8_t)i},
			       16);
			v->encap = SL_ENCAP_IP6IP6;
		}
		memcpy(vip_addr[i], v->addr, 16);
		snprintf(v->addr_str, sizeof(v->addr_str), "vip%u", i);
		v->port = VIP_PORT;
		v->proto = IPPROTO_TCP;
		v->gue_port = 6080;
		v->nb_backends = c->nb_backends;
		v->backends = calloc(c->nb_backends, sizeof(*v->backends));
		if (v->backends == NULL)
			return NULL;
		for (uint32_t j = 0; j < c->nb_backends; j++) {
			struct sl_config_backend *b = &v->backends[j];

			b->family = c->family;
			b->weight = 1;
			if (c->family == SL_AF_INET) {
				uint8_t a[4] = {10, (uint8_t)i, (uint8_t)(j >> 8), (uint8_t)j};

				memcpy(b->addr, a, 4);
				snprintf(b->addr_str, sizeof(b->addr_str), "%u.%u.%u.%u", a[0],
					 a[1], a[2], a[3]);
			} else {
				uint8_t a[16] = {
				    0x20,      0x01, 0x0d,	 0xb8, 0,
				    0x0b,      0,    (uint8_t)i, 0,    0,
				    0,	       0,    0,		 0,    (uint8_t)(j >> 8),
				    (uint8_t)j};

				memcpy(b->addr, a, 16);
				snprintf(b->addr_str, sizeof(b->addr_str), "2001:db8:b:%x::%x", i,
					 j);
			}
		}
	}
	return cfg;
}

static void free_config(struct sl_config *cfg)
{
	if (cfg == NULL)
		return;
	for (uint32_t i = 0; cfg->vips != NULL && i < cfg->nb_vips; i++)
		free(cfg->vips[i].backends);
	free(cfg->vips);
	free(cfg);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median_of(const double *v, unsigned int n)
{
	double s[MAX_RUNS];

	memcpy(s, v, n * sizeof(*v));
	qsort(s, n, sizeof(*s), cmp_double);
	return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
}

/* Warm an established-flow case: every flow once through the worker, then
 * keep the flows the table still holds (an overfull bucket evicts a few). */
static uint32_t *warm_established(struct harness *h, struct sl_worker *w,
				  const struct sl_snapshot *snap, uint32_t flows, uint32_t *nb)
{
	uint32_t *sel = malloc((size_t)flows * sizeof(*sel));
	uint64_t f[BURST];
	uint32_t n = 0;

	if (sel == NULL)
		die("no memory for %u flows", flows);
	for (uint32_t i = 0; i < flows; i += BURST) {
		uint16_t cnt = (uint16_t)RTE_MIN((uint32_t)BURST, flows - i);

		for (uint16_t j = 0; j < cnt; j++)
			f[j] = i + j;
		push_flows(h, w, snap, f, cnt);
	}
	for (uint32_t i = 0; i < flows; i++) {
		uint8_t frame[TMPL6];
		struct sl_pkt_meta pm;
		uint32_t rid;

		memset(&pm, 0, sizeof(pm));
		write_frame(h, frame, i);
		if (sl_parse(frame, h->frame_len, &pm) != SL_V_OK)
			die("harness frame does not parse");
		if (sl_flow_lookup(w->ft, &pm.key, sl_flow_hash(&pm.key), h->bursts >> NOW_SHIFT,
				   TCP_ACK, &rid))
			sel[n++] = i;
	}
	*nb = n;
	return sel;
}

/* Fill a new-flow case's table until every slot holds a live entry. */
static void fill_table(struct harness *h, struct sl_worker *w, const struct sl_snapshot *snap)
{
	uint32_t cap = sl_flow_table_capacity(w->ft);
	uint64_t f[BURST];

	for (int round = 0; round < 64; round++) {
		for (uint32_t i = 0; i < cap; i += BURST) {
			for (unsigned int j = 0; j < BURST; j++)
				f[j] = h->seq++;
			push_flows(h, w, snap, f, BURST);
		}
		if (sl_flow_table_count(w->ft, h->bursts >> NOW_SHIFT) == cap)
			return;
	}
	die("flow table of %u entries did not fill", cap);
}

/* Bounded load on every VIP of s, as the control thread would set it up
 * (weights are equal): each slot's order is its owner, then the next three
 * reals of the VIP in id order (cyclically); share 1.25 / backends; a 1 s
 * window (the harness clock advances 1 ms every 2^NOW_SHIFT bursts, so a
 * run stays within a window or two).  Returns the order arrays (one per VIP
 * id, NULL where absent) for bl_teardown. */
static uint32_t **bl_setup(struct sl_snapshot *s)
{
	uint32_t **orders = calloc(s->nb_vip_slots, sizeof(*orders));
	uint32_t *h = calloc(s->nb_real_slots, sizeof(*h));

	if (orders == NULL || h == NULL)
		die("no memory for bounded-load orders");
	for (uint32_t v = 0; v < s->nb_vip_slots; v++) {
		struct sl_vip *vip = &s->vips[v];
		uint32_t n = 0;

		if (!vip->present)
			continue;
		for (uint32_t rid = 0; rid < s->nb_real_slots; rid++)
			if (s->reals[rid].vip_id == v && (s->reals[rid].flags & SL_REAL_LIVE))
				h[n++] = SL_REAL_HANDLE(rid, s->reals[rid].incarnation);
		orders[v] = malloc((size_t)vip->table_size * SL_MAGLEV_LAYERS * sizeof(uint32_t));
		if (orders[v] == NULL || n == 0)
			die("no memory for bounded-load orders");
		for (uint32_t rid = 0; rid < s->nb_real_slots; rid++)
			if (s->reals[rid].vip_id == v && (s->reals[rid].flags & SL_REAL_LIVE))
				s->reals[rid].bl_share = (uint32_t)(1.25 * 65536 / n);
		for (uint32_t j = 0; j < vip->table_size; j++) {
			uint32_t *o = &orders[v][(size_t)j * SL_MAGLEV_LAYERS], at = 0;

			for (uint32_t i = 0; i < n; i++)
				if (h[i] == vip->table[j])
					at = i;
			for (uint32_t k = 0; k < SL_MAGLEV_LAYERS; k++)
				o[k] = k < n ? h[(at + k) % n] : SL_REAL_NONE;
		}
		vip->order = orders[v];
		vip->bl_window_ms = 1000;
		vip->flags |= SL_VIP_BOUNDED;
	}
	free(h);
	return orders;
}

/* Undo bl_setup before the snapshot is freed: the orders are ours. */
static void bl_teardown(struct sl_snapshot *s, uint32_t **orders)
{
	if (orders == NULL)
		return;
	for (uint32_t v = 0; v < s->nb_vip_slots; v++) {
		if (orders[v] == NULL)
			continue;
		s->vips[v].order = NULL;
		s->vips[v].flags &= (uint8_t)~SL_VIP_BOUNDED;
		free(orders[v]);
	}
	free(orders);
}

static void run_case(const struct bcase *c, struct rte_mempool *mp, struct result *res)
{
	static struct harness h;
	uint8_t(*vip_addr)[16] = calloc(c->nb_vips, 16);
	struct sl_config *cfg = make_config(c, vip_addr);
	uint32_t entries = c->mode == EST ? 2 * c->flows : c->flows;
	struct sl_worker *w = sl_worker_create(0, (int)rte_socket_id(), entries, &timeouts);
	uint32_t *sel = NULL, **orders = NULL;
	struct sl_ctrl ctrl;
	const struct sl_snapshot *snap;
	const struct sl_flow_stats *fs;
	uint64_t t0 = rte_rdtsc();
	int rc;

	if (cfg == NULL || vip_addr == NULL)
		die("no memory for the configuration");
	if (w == NULL)
		die("sl_worker_create(%u entries): %s", entries, rte_strerror(rte_errno));
	w->pool = mp;
	w->icmp_rate = 100;
	rc = sl_ctrl_init(&ctrl, NULL);
	if (rc < 0)
		die("sl_ctrl_init: %s", strerror(-rc));
	ctrl.egress_port = EGRESS;
	rc = sl_ctrl_apply(&ctrl, cfg);
	if (rc < 0)
		die("sl_ctrl_apply: %s", strerror(-rc));
	snap = ctrl.snap;
	if (c->bounded)
		orders = bl_setup(ctrl.snap);

	memset(&h, 0, sizeof(h));
	h.family = c->family;
	h.mode = c->mode;
	h.nb_vips = c->nb_vips;
	h.vip_addr = vip_addr;
	h.rng = 0x9e3779b97f4a7c15ull;
	build_template(&h);
	if (rte_pktmbuf_alloc_bulk(mp, h.ring, RING_SIZE) != 0)
		die("cannot take %u mbufs", RING_SIZE);

	if (c->mode == EST) {
		sel = warm_established(&h, w, snap, c->flows, &h.nb_sel);
		h.sel = sel;
		res->flows = h.nb_sel;
	} else {
		fill_table(&h, w, snap);
		res->flows = sl_flow_table_capacity(w->ft);
	}
	res->capacity = sl_flow_table_capacity(w->ft);
	fprintf(stderr, "# %-24s ready in %.2f s: %u flows, table %u, %u VIPs x %u backends\n",
		c->name, (double)(rte_rdtsc() - t0) / (double)rte_get_tsc_hz(), res->flows,
		res->capacity, c->nb_vips, c->nb_backends);

	/* Untimed: settle caches and branch predictors. */
	timed_pass(&h, w, snap, opt_pkts / 4, true);
	fs = sl_flow_table_stats(w->ft);
	for (unsigned int r = 0; r < opt_runs; r++) {
		struct sl_flow_stats before = *fs;
		uint64_t cyc;

		cyc = timed_pass(&h, w, snap, opt_pkts, false);
		res->harness[r] = (double)cyc / opt_pkts;
		cyc = timed_pass(&h, w, snap, opt_pkts, true);
		res->gross[r] = (double)cyc / opt_pkts;
		/* The run measured what it claims: all hits, or all evicting
		 * misses. */
		if (c->mode == EST &&
		    (fs->hits - before.hits != opt_pkts || fs->misses != before.misses))
			die("%s: %" PRIu64 " hits, %" PRIu64 " misses of %u packets", c->name,
			    fs->hits - before.hits, fs->misses - before.misses, opt_pkts);
		if (c->mode == NEW &&
		    (fs->misses - before.misses != opt_pkts ||
		     fs->evictions - before.evictions != opt_pkts || fs->hits != before.hits))
			die("%s: %" PRIu64 " misses, %" PRIu64 " evictions, %" PRIu64
			    " hits of %u packets",
			    c->name, fs->misses - before.misses, fs->evictions - before.evictions,
			    fs->hits - before.hits, opt_pkts);
	}
	for (unsigned int v = 1; v < SL_V_MAX; v++)
		if (w->stats->drops[v] != 0)
			die("%s: %" PRIu64 " drops (%s)", c->name, w->stats->drops[v],
			    sl_verdict_name(v));

	res->harness_med = median_of(res->harness, opt_runs);
	res->gross_med = median_of(res->gross, opt_runs);
	res->min = 1e300;
	res->max = -1e300;
	for (unsigned int r = 0; r < opt_runs; r++) {
		double net = res->gross[r] - res->harness_med;

		res->min = RTE_MIN(res->min, net);
		res->max = RTE_MAX(res->max, net);
	}
	res->med = res->gross_med - res->harness_med;
	res->done = true;
	fprintf(stderr, "# %-24s %7.1f cycles/pkt (min %.1f max %.1f), harness %.1f\n", c->name,
		res->med, res->min, res->max, res->harness_med);

	rte_pktmbuf_free_bulk(h.ring, RING_SIZE);
	free(sel);
	bl_teardown(ctrl.snap, orders);
	sl_ctrl_fini(&ctrl);
	sl_worker_free(w);
	free_config(cfg);
	free(vip_addr);
}

static bool selected(const char *list, const char *name)
{
	size_t n = strlen(name);

	if (list == NULL)
		return true;
	for (const char *p = list; *p;) {
		const char *e = strchr(p, ',');
		size_t len = e ? (size_t)(e - p) : strlen(p);

		if (len == n && strncmp(p, name, n) == 0)
			return true;
		if (e == NULL)
			break;
		p = e + 1;
	}
	return false;
}

static void usage(void)
{
	fprintf(stderr, "usage: bench_fastpath [EAL args] [-- [--runs N] [--pkts N] "
			"[--cases NAME,...] [--list]]\ncases:");
	for (size_t i = 0; i < NB_CASES; i++)
		fprintf(stderr, " %s", cases[i].name);
	fputc('\n', stderr);
}

int main(int argc, char **argv)
{
	static struct result res[NB_CASES];
	char prefix[64];
	char *def[] = {argv[0], "-l",	"1",   "--no-pci", "--no-telemetry", "--log-level=error",
		       "-m",	"1024", prefix};
	const char *only = NULL;
	struct rte_mempool *mp;
	int sep = argc, n_eal, rc;

	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0) {
			sep = i;
			break;
		}
	for (int i = sep + 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc) {
			opt_runs = (unsigned int)strtoul(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "--pkts") == 0 && i + 1 < argc) {
			opt_pkts = (uint32_t)strtoul(argv[++i], NULL, 0);
		} else if (strcmp(argv[i], "--cases") == 0 && i + 1 < argc) {
			only = argv[++i];
		} else if (strcmp(argv[i], "--list") == 0) {
			for (size_t j = 0; j < NB_CASES; j++)
				printf("%s\n", cases[j].name);
			return 0;
		} else {
			usage();
			return 2;
		}
	}
	if (opt_runs < 1 || opt_runs > MAX_RUNS || opt_pkts < BURST) {
		fprintf(stderr, "bench_fastpath: --runs 1..%d, --pkts >= %d\n", MAX_RUNS, BURST);
		return 2;
	}
	opt_pkts -= opt_pkts % BURST;

	snprintf(prefix, sizeof(prefix), "--file-prefix=sl_bench_fp_%d", (int)getpid());
	if (sysconf(_SC_NPROCESSORS_ONLN) < 2)
		def[2] = "0";
	n_eal = sep;
	rc = n_eal > 1 ? rte_eal_init(n_eal, argv) : rte_eal_init((int)RTE_DIM(def), def);
	if (rc < 0)
		die("EAL init failed: %s", rte_strerror(rte_errno));
	sl_eal_cleanup_at_exit();

	mp = rte_pktmbuf_pool_create("bench_fp", 2 * RING_SIZE - 1, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
				     (int)rte_socket_id());
	if (mp == NULL)
		die("mempool: %s", rte_strerror(rte_errno));
	fprintf(stderr,
		"# TSC %" PRIu64 " Hz, lcore %u, burst %d, ring %d mbufs, %u runs of %u "
		"packets\n",
		rte_get_tsc_hz(), rte_lcore_id(), BURST, RING_SIZE, opt_runs, opt_pkts);

	for (size_t i = 0; i < NB_CASES; i++)
		if (selected(only, cases[i].name))
			run_case(&cases[i], mp, &res[i]);

	printf("%-24s %8s %8s %5s %5s | %8s %8s %8s | %8s %8s\n", "case", "flows", "table", "vips",
	       "be", "median", "min", "max", "harness", "gross");
	for (size_t i = 0; i < NB_CASES; i++) {
		if (!res[i].done)
			continue;
		printf("%-24s %8u %8u %5u %5u | %8.1f %8.1f %8.1f | %8.1f %8.1f\n", cases[i].name,
		       res[i].flows, res[i].capacity, cases[i].nb_vips, cases[i].nb_backends,
		       res[i].med, res[i].min, res[i].max, res[i].harness_med, res[i].gross_med);
	}
	printf("(cycles per packet, TSC; median/min/max of %u runs of %u packets with the "
	       "harness median subtracted)\n",
	       opt_runs, opt_pkts);

	printf("{\"bench\":\"fastpath\",\"tsc_hz\":%" PRIu64 ",\"burst\":%d,\"ring\":%d,"
	       "\"runs\":%u,\"pkts_per_run\":%u,\"unit\":\"tsc_cycles_per_packet\",\"cases\":{",
	       rte_get_tsc_hz(), BURST, RING_SIZE, opt_runs, opt_pkts);
	for (size_t i = 0, first = 1; i < NB_CASES; i++) {
		if (!res[i].done)
			continue;
		printf("%s\"%s\":{\"median\":%.1f,\"min\":%.1f,\"max\":%.1f,\"harness\":%.1f,"
		       "\"gross\":%.1f,\"flows\":%u,\"table\":%u,\"vips\":%u,\"backends\":%u}",
		       first ? "" : ",", cases[i].name, res[i].med, res[i].min, res[i].max,
		       res[i].harness_med, res[i].gross_med, res[i].flows, res[i].capacity,
		       cases[i].nb_vips, cases[i].nb_backends);
		first = 0;
	}
	printf("}}\n");
	fflush(stdout);
	rte_mempool_free(mp);
	rte_eal_cleanup();
	return 0;
}
