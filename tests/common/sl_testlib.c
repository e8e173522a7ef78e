/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Shared test helpers (contract: sl_testlib.h).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_memzone.h>
#include <rte_mempool.h>
#include <rte_rcu_qsbr.h>
#include <rte_ring.h>

#include "sl_parse.h"
#include "sl_eal_cleanup.h"
#include "sl_testlib.h"

const uint8_t SL_TEST_MAC_LB[6] = {0x02, 0x00, 0x00, 0x00, 0x01, 0x00};
const uint8_t SL_TEST_MAC_PEER[6] = {0x02, 0x00, 0x00, 0x00, 0x0f, 0x01};

#define RING_SIZE 1024

/* ---- EAL ---------------------------------------------------------------- */

int sl_test_eal_init(const char *prog, const char *const *extra_args)
{
	char prefix[64];
	const char *base = strrchr(prog, '/') ? strrchr(prog, '/') + 1 : prog;
	char *argv[32];
	int argc = 0;

	/* The pid makes the prefix unique even when meson runs the same test
	 * binary twice at once (two build dirs). */
	snprintf(prefix, sizeof(prefix), "--file-prefix=sl_%s_%d", base, (int)getpid());
	argv[argc++] = (char *)(uintptr_t)prog;
	argv[argc++] = (char *)(uintptr_t) "--no-huge";
	argv[argc++] = (char *)(uintptr_t) "-m";
	argv[argc++] = (char *)(uintptr_t) "512";
	argv[argc++] = (char *)(uintptr_t) "--no-pci";
	argv[argc++] = prefix;
	argv[argc++] = (char *)(uintptr_t) "--log-level=*:warning";
	/* One lcore: the test thread.  Control threads still get created. */
	argv[argc++] = (char *)(uintptr_t) "-l";
	argv[argc++] = (char *)(uintptr_t) "0";
	for (unsigned i = 0; extra_args != NULL && extra_args[i] != NULL; i++) {
		if (argc == (int)RTE_DIM(argv) - 1)
			break;
		argv[argc++] = (char *)(uintptr_t)extra_args[i];
	}
	argv[argc] = NULL;
	if (rte_eal_init(argc, argv) >= 0) {
		sl_eal_cleanup_at_exit();
	} else {
		fprintf(stderr, "%s: EAL init failed: %s\n", base, rte_strerror(rte_errno));
		return -1;
	}
	return 0;
}

void sl_test_eal_fini(void)
{
	rte_eal_cleanup();
}

static void count_mz(const struct rte_memzone *mz, void *arg)
{
	(void)mz;
	(*(unsigned *)arg)++;
}

static void count_mp(struct rte_mempool *mp, void *arg)
{
	(void)mp;
	(*(unsigned *)arg)++;
}

void sl_test_dpdk_usage(struct sl_test_dpdk_usage *u)
{
	memset(u, 0, sizeof(*u));
	for (unsigned s = 0; s < rte_socket_count(); s++) {
		struct rte_malloc_socket_stats st;

		if (rte_malloc_get_socket_stats(rte_socket_id_by_idx(s), &st) == 0)
			u->heap_bytes += st.heap_allocsz_bytes;
	}
	rte_memzone_walk(count_mz, &u->memzones);
	rte_mempool_walk(count_mp, &u->mempools);
}

/* ---- checksums ----------------------------------------------------------- */

uint32_t sl_test_sum(const void *p, size_t len, uint32_t sum)
{
	const uint8_t *b = p;
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (i < len)
		sum += (uint32_t)b[i] << 8;
	return sum;
}

uint16_t sl_test_cksum_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

/* ---- header writers ------------------------------------------------------ */

static inline void put16(uint8_t *b, uint16_t v)
{
	b[0] = (uint8_t)(v >> 8);
	b[1] = (uint8_t)v;
}

static inline void put32(uint8_t *b, uint32_t v)
{
	put16(b, (uint16_t)(v >> 16));
	put16(b + 2, (uint16_t)v);
}

size_t sl_test_put_eth(uint8_t *b, const uint8_t dst[6], const uint8_t src[6], bool vlan,
		       uint16_t tci, uint16_t ether_type)
{
	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	if (!vlan) {
		put16(b + 12, ether_type);
		return 14;
	}
	put16(b + 12, 0x8100);
	put16(b + 14, tci);
	put16(b + 16, ether_type);
	return 18;
}

size_t sl_test_put_ipv4(uint8_t *b, uint8_t tos, uint16_t total_len, uint16_t id, uint16_t frag,
			uint8_t ttl, uint8_t proto, const uint8_t src[4], const uint8_t dst[4])
{
	b[0] = 0x45;
	b[1] = tos;
	put16(b + 2, total_len);
	put16(b + 4, id);
	put16(b + 6, frag);
	b[8] = ttl;
	b[9] = proto;
	put16(b + 10, 0);
	memcpy(b + 12, src, 4);
	memcpy(b + 16, dst, 4);
	put16(b + 10, sl_test_cksum_fold(sl_test_sum(b, 20, 0)));
	return 20;
}

size_t sl_test_put_ipv6(uint8_t *b, uint8_t tclass, uint32_t flow_label, uint16_t payload_len,
			uint8_t next_header, uint8_t hop_limit, const uint8_t src[16],
			const uint8_t dst[16])
{
	put32(b, 6u << 28 | (uint32_t)tclass << 20 | (flow_label & 0xfffff));
	put16(b + 4, payload_len);
	b[6] = next_header;
	b[7] = hop_limit;
	memcpy(b + 8, src, 16);
	memcpy(b + 24, dst, 16);
	return 40;
}

int sl_test_addr(const char *text, uint8_t out[16])
{
	memset(out, 0, 16);
	if (text == NULL)
		return 0;
	if (inet_pton(AF_INET, text, out) == 1)
		return SL_AF_INET;
	if (inet_pton(AF_INET6, text, out) == 1)
		return SL_AF_INET6;
	return 0;
}

/* ---- packet builder ------------------------------------------------------ */

/* Transport pseudo-header sum (RFC 793/768 for IPv4, RFC 8200 8.1 for IPv6). */
static uint32_t pseudo_sum(int family, const uint8_t *src, const uint8_t *dst, uint8_t proto,
			   uint32_t len)
{
	uint8_t tail[8];
	uint32_t sum;

	sum = sl_test_sum(src, family == SL_AF_INET ? 4 : 16, 0);
	sum = sl_test_sum(dst, family == SL_AF_INET ? 4 : 16, sum);
	put32(tail, len);
	tail[4] = tail[5] = tail[6] = 0;
	tail[7] = proto;
	return sl_test_sum(tail, 8, sum);
}

size_t sl_test_ip_build(const struct sl_test_pkt *p, uint8_t *buf, size_t cap)
{
	uint8_t src[16], dst[16];
	int family = sl_test_addr(p->src, src);
	bool v6frag = family == SL_AF_INET6 && (p->mf || p->frag_offset);
	size_t l3 = family == SL_AF_INET ? 20 : 40 + (v6frag ? 8 : 0);
	size_t l4 = 0, len;
	uint8_t ttl = p->ttl ? p->ttl : 64;
	uint8_t *h;
	uint8_t nh = p->proto;

	if (family == 0 || sl_test_addr(p->dst, dst) != family)
		return 0;
	/* A non-first fragment carries payload only: no L4 header. */
	if (p->frag_offset == 0) {
		if (p->proto == IPPROTO_TCP)
			l4 = 20;
		else if (p->proto == IPPROTO_UDP || p->proto == IPPROTO_ICMP ||
			 p->proto == IPPROTO_ICMPV6)
			l4 = 8;
	}
	len = l3 + l4 + p->payload_len;
	if (len > cap || len > UINT16_MAX)
		return 0;

	h = buf + l3;
	if (p->payload != NULL)
		memcpy(h + l4, p->payload, p->payload_len);
	else
		for (size_t i = 0; i < p->payload_len; i++)
			h[l4 + i] = (uint8_t)(i * 7 + 1);
	if (l4 != 0) {
		uint32_t sum;

		memset(h, 0, l4);
		if (p->proto == IPPROTO_TCP) {
			put16(h, p->sport);
			put16(h + 2, p->dport);
			put32(h + 4, 1);
			h[12] = 5 << 4;
			h[13] = p->tcp_flags ? p->tcp_flags : 0x10;
			put16(h + 14, 65535);
		} else if (p->proto == IPPROTO_UDP) {
			put16(h, p->sport);
			put16(h + 2, p->dport);
			put16(h + 4, (uint16_t)(l4 + p->payload_len));
		} else {
			h[0] = p->icmp_type;
			h[1] = p->icmp_code;
			put32(h + 4, p->icmp_rest);
		}
		sum = sl_test_sum(h, l4 + p->payload_len, 0);
		if (p->proto != IPPROTO_ICMP)
			sum +=
			    pseudo_sum(family, src, dst, p->proto, (uint32_t)(l4 + p->payload_len));
		/* UDP: a computed 0 goes out as 0xffff (RFC 768). */
		put16(h + (p->proto == IPPROTO_TCP   ? 16
			   : p->proto == IPPROTO_UDP ? 6
						     : 2),
		      sl_test_cksum_fold(sum) == 0 && p->proto == IPPROTO_UDP
			  ? 0xffff
			  : sl_test_cksum_fold(sum));
	}

	if (family == SL_AF_INET) {
		uint16_t frag = (uint16_t)((p->df ? 0x4000 : 0) | (p->mf ? 0x2000 : 0) |
					   (p->frag_offset & 0x1fff));

		sl_test_put_ipv4(buf, p->tos, (uint16_t)len, p->ip_id, frag, ttl, p->proto, src,
				 dst);
		return len;
	}
	if (v6frag) {
		nh = 44;
		buf[40] = p->proto;
		buf[41] = 0;
		put16(buf + 42, (uint16_t)((p->frag_offset << 3) | (p->mf ? 1 : 0)));
		put32(buf + 44, p->ip_id);
	}
	sl_test_put_ipv6(buf, p->tos, p->flow_label, (uint16_t)(len - 40), nh, ttl, src, dst);
	return len;
}

size_t sl_test_pkt_build(const struct sl_test_pkt *p, uint8_t *buf, size_t cap)
{
	static const uint8_t zero[6];
	uint8_t addr[16];
	int family = sl_test_addr(p->src, addr);
	uint16_t et = p->ether_type ? p->ether_type : family == SL_AF_INET6 ? 0x86dd : 0x0800;
	size_t l2, ip;

	if (cap < 18)
		return 0;
	l2 = sl_test_put_eth(buf, memcmp(p->dst_mac, zero, 6) ? p->dst_mac : SL_TEST_MAC_LB,
			     memcmp(p->src_mac, zero, 6) ? p->src_mac : SL_TEST_MAC_PEER, p->vlan,
			     p->vlan_tci, et);
	ip = sl_test_ip_build(p, buf + l2, cap - l2);
	if (ip == 0)
		return 0;
	if (p->frame_len > l2 + ip) {
		if (p->frame_len > cap)
			return 0;
		memset(buf + l2 + ip, 0, p->frame_len - l2 - ip);
		return p->frame_len;
	}
	return l2 + ip;
}

struct rte_mbuf *sl_test_mbuf(struct rte_mempool *mp, const void *frame, uint16_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *d;

	if (m == NULL)
		return NULL;
	d = rte_pktmbuf_append(m, len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return NULL;
	}
	memcpy(d, frame, len);
	return m;
}

/* ---- virtual ports ------------------------------------------------------ */

static void ring_drain(struct rte_ring *r)
{
	void *m;

	while (r != NULL && rte_ring_dequeue(r, &m) == 0)
		rte_pktmbuf_free(m);
}

int sl_test_port_create(struct sl_test_port *p, const char *name, const uint8_t mac[6],
			struct rte_mempool *mp)
{
	struct rte_eth_conf conf;
	char rn[RTE_RING_NAMESIZE];
	int port, rc;

	memset(p, 0, sizeof(*p));
	memset(&conf, 0, sizeof(conf));
	snprintf(rn, sizeof(rn), "%s_rx", name);
	p->rx = rte_ring_create(rn, RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	snprintf(rn, sizeof(rn), "%s_tx", name);
	p->tx = rte_ring_create(rn, RING_SIZE, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	if (p->rx == NULL || p->tx == NULL) {
		rc = -rte_errno;
		goto fail;
	}
	port = rte_eth_from_rings(name, &p->rx, 1, &p->tx, 1, (unsigned)rte_socket_id());
	if (port < 0) {
		rc = -rte_errno;
		goto fail;
	}
	p->port_id = (uint16_t)port;
	rc = rte_eth_dev_configure(p->port_id, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(p->port_id, 0, RING_SIZE, SOCKET_ID_ANY, NULL, mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(p->port_id, 0, RING_SIZE, SOCKET_ID_ANY, NULL);
	/* The ring PMD cannot change its MAC (-ENOTSUP); callers that need a
	 * known MAC use the one they asked for (see sl_test_lb_init). */
	if (rc == 0 && mac != NULL) {
		rc = rte_eth_dev_default_mac_addr_set(p->port_id,
						      (struct rte_ether_addr *)(uintptr_t)mac);
		if (rc == -ENOTSUP)
			rc = 0;
	}
	if (rc == 0)
		rc = rte_eth_dev_start(p->port_id);
	if (rc != 0) {
		rte_eth_dev_close(p->port_id);
		goto fail;
	}
	return 0;
fail:
	rte_ring_free(p->rx);
	rte_ring_free(p->tx);
	memset(p, 0, sizeof(*p));
	return rc < 0 ? rc : -EIO;
}

void sl_test_port_destroy(struct sl_test_port *p)
{
	if (p->rx == NULL)
		return;
	rte_eth_dev_stop(p->port_id);
	/* Closing a ring port created from existing rings leaves the rings to
	 * their owner (us). */
	rte_eth_dev_close(p->port_id);
	ring_drain(p->rx);
	ring_drain(p->tx);
	rte_ring_free(p->rx);
	rte_ring_free(p->tx);
	memset(p, 0, sizeof(*p));
}

unsigned sl_test_port_inject(struct sl_test_port *p, struct rte_mbuf **m, unsigned n)
{
	return rte_ring_enqueue_burst(p->rx, (void **)m, n, NULL);
}

unsigned sl_test_port_collect(struct sl_test_port *p, struct rte_mbuf **m, unsigned max)
{
	return rte_ring_dequeue_burst(p->tx, (void **)m, max, NULL);
}

/* ---- control state from YAML --------------------------------------------- */

struct sl_config *sl_test_config(const char *yaml)
{
	struct sl_diag d = {.out = stderr, .file = "<test>"};
	struct sl_config *cfg;

	if (sl_config_parse(yaml, strlen(yaml), "<test>", &d, &cfg) < 0)
		return NULL;
	return cfg;
}

int sl_test_ctrl_init(struct sl_ctrl *c, struct rte_rcu_qsbr *qsbr, uint16_t egress_port,
		      const char *yaml, struct sl_config **cfg_out)
{
	struct sl_config *cfg = sl_test_config(yaml);
	int rc;

	if (cfg_out != NULL)
		*cfg_out = NULL;
	if (cfg == NULL)
		return -EINVAL;
	rc = sl_ctrl_init(c, qsbr);
	if (rc < 0) {
		sl_config_free(cfg);
		return rc;
	}
	c->egress_port = egress_port;
	rc = sl_ctrl_apply(c, cfg);
	if (rc < 0) {
		sl_ctrl_fini(c);
		sl_config_free(cfg);
		return rc;
	}
	if (cfg_out != NULL)
		*cfg_out = cfg;
	else
		sl_config_free(cfg);
	return 0;
}

int sl_test_ctrl_apply_yaml(struct sl_ctrl *c, const char *yaml)
{
	struct sl_config *cfg = sl_test_config(yaml);
	int rc;

	if (cfg == NULL)
		return -EINVAL;
	rc = sl_ctrl_apply(c, cfg);
	sl_config_free(cfg);
	return rc;
}

/* ---- a whole balancer ----------------------------------------------------- */

void sl_test_lb_mac(unsigned i, uint8_t mac[6])
{
	memcpy(mac, SL_TEST_MAC_LB, 6);
	mac[5] = (uint8_t)i;
}

struct sl_test_port *sl_test_lb_port(struct sl_test_lb *lb, const char *name)
{
	for (uint32_t i = 0; i < lb->nb_ports; i++)
		if (strcmp(lb->cfg->ports[i].name, name) == 0)
			return &lb->ports[i];
	return NULL;
}

int sl_test_lb_init(struct sl_test_lb *lb, const char *yaml, struct rte_mempool *pool)
{
	/* Ethdev names are process-wide; a counter keeps successive harnesses
	 * apart even if a previous one leaked its ports. */
	static unsigned instance;
	struct sl_flow_timeouts to;
	struct sl_test_port *egress;
	struct sl_worker *w;
	size_t qsz;
	int rc = -ENOMEM;

	memset(lb, 0, sizeof(*lb));
	lb->pool = pool;
	lb->cfg = sl_test_config(yaml);
	if (lb->cfg == NULL)
		return -EINVAL;
	instance++;
	for (uint32_t i = 0; i < lb->cfg->nb_ports; i++) {
		char name[RTE_ETH_NAME_MAX_LEN];
		uint8_t mac[6];

		snprintf(name, sizeof(name), "sl_t%u_%u", instance, i);
		sl_test_lb_mac(i, mac);
		rc = sl_test_port_create(&lb->ports[i], name, mac, pool);
		if (rc < 0)
			goto fail;
		lb->nb_ports++;
		if (lb->ports[i].port_id >= SL_MAX_PORTS) {
			rc = -ENOTSUP;
			goto fail;
		}
	}
	egress = sl_test_lb_port(lb, lb->cfg->next_hop_port);
	if (egress == NULL) {
		rc = -EINVAL;
		goto fail;
	}

	qsz = rte_rcu_qsbr_get_memsize(1);
	lb->qsbr = rte_zmalloc("sl_test_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (lb->qsbr == NULL || rte_rcu_qsbr_init(lb->qsbr, 1) != 0) {
		rc = -ENOMEM;
		goto fail;
	}

	to.tcp = lb->cfg->tcp_timeout_ms;
	to.tcp_closing = lb->cfg->tcp_closing_timeout_ms;
	to.udp = lb->cfg->udp_timeout_ms;
	w = sl_worker_create(0, SOCKET_ID_ANY, lb->cfg->flow_table_size, &to);
	if (w == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	lb->w = w;
	w->lcore = rte_lcore_id();
	w->rxq = w->txq = 0;
	for (uint32_t i = 0; i < lb->nb_ports; i++) {
		uint16_t pid = lb->ports[i].port_id;

		/* sluiced reads the device's MAC; the ring PMD's cannot be set,
		 * so the worker is told the harness's fixed one instead. */
		sl_test_lb_mac(i, w->port_mac[pid].addr_bytes);
		if (lb->cfg->ports[i].role == SL_PORT_KERNEL)
			w->kernel_port = pid;
		else
			w->rx_ports[w->nb_rx_ports++] = pid;
	}
	w->pool = pool;
	w->qsbr = lb->qsbr;
	w->snap_ptr = &lb->ctrl.snap;
	w->stop = &lb->stop;
	w->icmp_rate = lb->cfg->icmp_rate;

	rc = sl_ctrl_init(&lb->ctrl, lb->qsbr);
	if (rc < 0)
		goto fail;
	lb->ctrl_ready = true;
	lb->ctrl.egress_port = egress->port_id;
	memcpy(lb->ctrl.egress_mac, w->port_mac[egress->port_id].addr_bytes, 6);
	rte_rcu_qsbr_thread_register(lb->qsbr, 0);
	/* The first snapshot is published before the worker goes online, as
	 * in sluiced: nothing reads yet, so there is nothing to wait for. */
	rc = sl_ctrl_apply(&lb->ctrl, lb->cfg);
	if (rc < 0)
		goto fail;
	rte_rcu_qsbr_thread_online(lb->qsbr, 0);
	return 0;
fail:
	sl_test_lb_fini(lb);
	return rc;
}

int sl_test_lb_apply(struct sl_test_lb *lb, const char *yaml)
{
	struct sl_config *cfg = sl_test_config(yaml);
	int rc;

	if (cfg == NULL)
		return -EINVAL;
	/* The worker (this thread) is past its quiescent report and holds no
	 * snapshot; offline, the grace period does not wait for it. */
	rte_rcu_qsbr_thread_offline(lb->qsbr, 0);
	rc = sl_ctrl_apply(&lb->ctrl, cfg);
	rte_rcu_qsbr_thread_online(lb->qsbr, 0);
	if (rc < 0) {
		sl_config_free(cfg);
		return rc;
	}
	sl_config_free(lb->cfg);
	lb->cfg = cfg;
	return 0;
}

void sl_test_lb_fini(struct sl_test_lb *lb)
{
	if (lb->qsbr != NULL) {
		rte_rcu_qsbr_thread_offline(lb->qsbr, 0);
		rte_rcu_qsbr_thread_unregister(lb->qsbr, 0);
	}
	if (lb->ctrl_ready)
		sl_ctrl_fini(&lb->ctrl);
	if (lb->w != NULL) {
		/* Anything queued but never flushed goes back to the pool. */
		for (unsigned p = 0; p < SL_MAX_PORTS; p++)
			rte_pktmbuf_free_bulk(lb->w->tx[p].pkts, lb->w->tx[p].n);
		sl_worker_free(lb->w);
	}
	for (uint32_t i = 0; i < lb->nb_ports; i++)
		sl_test_port_destroy(&lb->ports[i]);
	rte_free(lb->qsbr);
	sl_config_free(lb->cfg);
	memset(lb, 0, sizeof(*lb));
}

int sl_test_lb_send(struct sl_test_lb *lb, struct sl_test_port *in, const struct sl_test_pkt *p)
{
	uint8_t frame[SL_TEST_PKT_MAX];
	size_t len = sl_test_pkt_build(p, frame, sizeof(frame));
	struct rte_mbuf *m;

	if (len == 0)
		return -1;
	m = sl_test_mbuf(lb->pool, frame, (uint16_t)len);
	if (m == NULL)
		return -1;
	if (sl_test_port_inject(in, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return -1;
	}
	return (int)sl_worker_poll(lb->w);
}
