/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Shared test helpers: EAL start-up for tests, packets built field by field,
 * virtual ports on rte_rings, and a load balancer wired the way sluiced wires
 * it (ports, one worker, RCU, control state built from a YAML string).
 * Used by the fixture tests, the benchmarks and the fuzz harnesses.
 *
 * The packet builder is deliberately independent of the code under test: it
 * writes every header field by hand and computes checksums with its own RFC
 * 1071 sum, so an expected frame built here cannot share a bug with
 * dataplane/sl_encap.c.  Everything runs on the test's main thread unless a
 * function says otherwise.
 */
#ifndef SL_TESTLIB_H
#define SL_TESTLIB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sl_config.h"
#include "sl_ctrl.h"
#include "sl_worker.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;
struct rte_rcu_qsbr;

/* ---- EAL ---------------------------------------------------------------- */

/* Start the EAL for a test: no hugepages (-m 512), no PCI scan, a
 * --file-prefix unique to this process (name and pid) so parallel tests never
 * share runtime files, quiet logs.  extra_args (may be NULL) are appended.
 * Returns 0 or -1 (message on stderr). */
int sl_test_eal_init(const char *prog, const char *const *extra_args);
void sl_test_eal_fini(void);

/* Bytes of DPDK heap in use on every socket, memzones and mempools that
 * exist: what a leak check compares (LeakSanitizer cannot see rte_malloc). */
struct sl_test_dpdk_usage {
	uint64_t heap_bytes;
	unsigned memzones;
	unsigned mempools;
};
void sl_test_dpdk_usage(struct sl_test_dpdk_usage *u);

/* ---- checksums (RFC 1071, written here on purpose) ---------------------- */

/* Add the 16-bit big-endian words of p[0..len-1] to sum (odd tail padded). */
uint32_t sl_test_sum(const void *p, size_t len, uint32_t sum);
/* Fold to 16 bits and complement: the value to store, in host order. */
uint16_t sl_test_cksum_fold(uint32_t sum);

/* ---- header writers ------------------------------------------------------ */

/* Each writes one header at b and returns its length.  Multi-byte arguments
 * are in host order; addresses are raw network-order bytes. */
size_t sl_test_put_eth(uint8_t *b, const uint8_t dst[6], const uint8_t src[6], bool vlan,
		       uint16_t tci, uint16_t ether_type);
/* IPv4 without options, header checksum computed.  frag: the 16-bit flags and
 * offset field (0x4000 = DF). */
size_t sl_test_put_ipv4(uint8_t *b, uint8_t tos, uint16_t total_len, uint16_t id, uint16_t frag,
			uint8_t ttl, uint8_t proto, const uint8_t src[4], const uint8_t dst[4]);
size_t sl_test_put_ipv6(uint8_t *b, uint8_t tclass, uint32_t flow_label, uint16_t payload_len,
			uint8_t next_header, uint8_t hop_limit, const uint8_t src[16],
			const uint8_t dst[16]);

/* Parse a textual IPv4/IPv6 address into out[16] (IPv4 in the first 4
 * bytes, rest zero); returns the family (SL_AF_INET/SL_AF_INET6) or 0. */
int sl_test_addr(const char *text, uint8_t out[16]);

/* ---- packet builder ------------------------------------------------------ */

/* One test packet.  Zero is a sensible default for every field: untagged
 * Ethernet between the two default MACs, TTL 64, no DF, no payload.  The
 * family follows from the addresses. */
struct sl_test_pkt {
	uint8_t dst_mac[6], src_mac[6]; /* all zero: SL_TEST_MAC_LB / SL_TEST_MAC_PEER */
	bool vlan;
	uint16_t vlan_tci;
	uint16_t ether_type; /* 0: IPv4/IPv6 from the family; else sent as is */
	const char *src, *dst;
	uint8_t proto; /* IPPROTO_TCP, _UDP, _ICMP, _ICMPV6 or any other */
	uint16_t sport, dport;
	uint8_t tcp_flags;	      /* default (0): ACK */
	uint8_t icmp_type, icmp_code; /* proto ICMP/ICMPv6 */
	uint32_t icmp_rest;	      /* ICMP bytes 4..7 (e.g. next-hop MTU) */
	uint8_t tos;		      /* IPv4 TOS / IPv6 traffic class */
	uint32_t flow_label;	      /* IPv6 */
	uint8_t ttl;		      /* 0: 64 */
	uint16_t ip_id;		      /* IPv4 identification / IPv6 fragment id */
	bool df, mf;		      /* IPv4 DF / MF (IPv6: MF in a fragment header) */
	uint16_t frag_offset;	      /* 8-byte units; IPv6: adds a fragment header */
	const uint8_t *payload;	      /* after the L4 header (ICMP: the quote) */
	uint16_t payload_len;	      /* bytes of payload; payload NULL: pattern */
	uint16_t frame_len;	      /* pad with zeros up to this frame length */
};

#define SL_TEST_PKT_MAX 9600

/* Build the IP packet (no L2) of p into buf; returns its length or 0 if cap
 * is too small or the addresses do not parse.  L4 checksums are correct. */
size_t sl_test_ip_build(const struct sl_test_pkt *p, uint8_t *buf, size_t cap);
/* Build the whole Ethernet frame; returns its length or 0. */
size_t sl_test_pkt_build(const struct sl_test_pkt *p, uint8_t *buf, size_t cap);

/* A one-segment mbuf from `mp` holding frame[0..len-1], or NULL. */
struct rte_mbuf *sl_test_mbuf(struct rte_mempool *mp, const void *frame, uint16_t len);

extern const uint8_t SL_TEST_MAC_LB[6];	  /* default destination: the balancer */
extern const uint8_t SL_TEST_MAC_PEER[6]; /* default source: the router in front */

/* ---- virtual ports ------------------------------------------------------ */

/* An ethdev over two separate rings, started, one RX and one TX queue: the
 * test enqueues on `rx` what the port receives and dequeues from `tx` what
 * it sent.  (A --vdev net_ring would loop TX back to RX.) */
struct sl_test_port {
	uint16_t port_id;
	struct rte_ring *rx; /* test: enqueue; PMD: rx_burst dequeues */
	struct rte_ring *tx; /* PMD: tx_burst enqueues; test: dequeue */
};

/* Create and start port `name` with MAC `mac` (NULL: the PMD's own).  mp is
 * what ethdev insists on for the RX queue (the ring PMD never allocates
 * from it).  Returns 0 or -errno. */
int sl_test_port_create(struct sl_test_port *p, const char *name, const uint8_t mac[6],
			struct rte_mempool *mp);
/* Stop and close the port, free both rings and any mbufs still in them. */
void sl_test_port_destroy(struct sl_test_port *p);
/* Hand n mbufs to the port's receive side; returns how many were taken. */
unsigned sl_test_port_inject(struct sl_test_port *p, struct rte_mbuf **m, unsigned n);
/* Take up to max mbufs the port transmitted (caller frees them). */
unsigned sl_test_port_collect(struct sl_test_port *p, struct rte_mbuf **m, unsigned max);

/* ---- control state from YAML --------------------------------------------- */

/* Parse `yaml` with sl_config_parse (diagnostics on stderr); NULL if invalid. */
struct sl_config *sl_test_config(const char *yaml);
/* sl_ctrl_init(c, qsbr), egress port, then sl_ctrl_apply of `yaml`.  On
 * success returns 0 and, when cfg_out is not NULL, the parsed config (caller
 * frees); on failure everything is undone and -errno returned. */
int sl_test_ctrl_init(struct sl_ctrl *c, struct rte_rcu_qsbr *qsbr, uint16_t egress_port,
		      const char *yaml, struct sl_config **cfg_out);
/* Parse and apply `yaml` on an initialised ctrl; 0 or -errno. */
int sl_test_ctrl_apply_yaml(struct sl_ctrl *c, const char *yaml);

/* ---- a whole balancer ----------------------------------------------------- */

/* What sluiced sets up, minus lcores: one ring port per configured port (in
 * config order; the worker knows port i by MAC sl_test_lb_mac(i)), a qsbr with one reader,
 * worker 0 polling every data port (kernel port and egress as configured),
 * and control state applied from the YAML.  The calling thread is the
 * worker: registered and online with the qsbr. */
struct sl_test_lb {
	struct sl_config *cfg; /* the configuration last applied */
	struct sl_ctrl ctrl;
	struct rte_rcu_qsbr *qsbr;
	struct sl_worker *w;
	struct sl_test_port ports[SL_MAX_PORTS]; /* by config port index */
	uint32_t nb_ports;
	struct rte_mempool *pool;
	bool stop;
	bool ctrl_ready;
};

/* Returns 0 or -errno; on failure lb is cleaned up.  pool: mbufs for RX and
 * ICMP replies (the worker's w->pool). */
int sl_test_lb_init(struct sl_test_lb *lb, const char *yaml, struct rte_mempool *pool);
/* Apply a new configuration the way the control thread would, with the
 * calling worker thread offline around the grace period (it cannot wait for
 * itself).  On failure the running snapshot stays.  0 or -errno. */
int sl_test_lb_apply(struct sl_test_lb *lb, const char *yaml);
void sl_test_lb_fini(struct sl_test_lb *lb);
/* The ring port of the configured port `name`, or NULL. */
struct sl_test_port *sl_test_lb_port(struct sl_test_lb *lb, const char *name);
/* MAC the harness gives config port i: 02:00:00:00:01:<i>. */
void sl_test_lb_mac(unsigned i, uint8_t mac[6]);

/* Build p, inject it on port `in` and run one sl_worker_poll().  Returns the
 * number of packets the poll received, or -1 if the packet could not be
 * built or injected. */
int sl_test_lb_send(struct sl_test_lb *lb, struct sl_test_port *in, const struct sl_test_pkt *p);

#endif /* SL_TESTLIB_H */
