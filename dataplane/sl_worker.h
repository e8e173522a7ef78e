/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The worker: poll-mode loop on one lcore.  Each worker owns one RX queue on
 * every data port, one TX queue on every port, a flow table and its counters.
 * It reads the forwarding snapshot through one pointer under rte_rcu_qsbr.
 */
#ifndef SL_WORKER_H
#define SL_WORKER_H

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>
#include <rte_ether.h>
#include <rte_reciprocal.h>

#include "sl_common.h"
#include "sl_flow.h"
#include "sl_snapshot.h"

struct rte_mbuf;
struct rte_mempool;
struct rte_rcu_qsbr;

/* Flow tables with more entries than this (72 bytes each: ~2.4 MB) get the
 * second prefetch stage (sl_flow_prefetch_entry). */
#define SL_PREFETCH_ENTRIES_MIN 32768

/* Three event counters, as the control thread's summaries add them up
 * (control/sl_stats.c); the workers count per real in struct
 * sl_real_counters. */
struct sl_counter3 {
	uint64_t packets;
	uint64_t bytes;
	uint64_t new_flows;
};

/* Per real id, per worker.  Single writer (the worker), plain stores; the
 * control thread reads them with plain loads and sums over workers. */
struct sl_real_counters {
	uint64_t packets;
	uint64_t bytes;
	uint64_t new_flows;
	/* Occupied entries of this worker's flow table that name this real id
	 * (any incarnation, expired-but-not-yet-swept entries included): goes
	 * up when an entry starts pointing at the real (insert, eviction,
	 * re-point), down when one stops (its slot evicted, re-pointed, reused
	 * after expiry, or freed by the sweep).  Summed over workers, it is the
	 * real's flow count: "drained", flows per backend, and how many flows a
	 * change would move are computed from it, never by walking a table. */
	uint64_t flows;
};
_Static_assert(sizeof(struct sl_real_counters) == 32, "two per cache line, never straddling");

/* Per-worker counters.  Written by the owning worker only, with plain stores
 * (single writer: no atomics); the control thread and the exit summary read
 * them with plain loads and accept slightly stale values. */
struct sl_worker_stats {
	uint64_t rx; /* packets received on data ports */
	uint64_t tx; /* every frame the NIC accepted: forwarded, ICMP replies, kernel traffic */
	uint64_t to_kernel;    /* non-VIP packets handed to the kernel port */
	uint64_t from_kernel;  /* packets from the kernel port sent out */
	uint64_t icmp_sent;    /* frag-needed / packet-too-big replies sent */
	uint64_t icmp_steered; /* ICMP errors forwarded to a flow's backend */
	/* ICMP port unreachable replies to new flows of a VIP with no backend
	 * and SL_VIP_UNREACHABLE: sent, and not sent because of the rate limit
	 * (or no mbuf).  Either way the packet is also counted in
	 * drops[SL_V_NO_BACKEND]. */
	uint64_t unreach_sent;
	uint64_t unreach_limited;
	/* Bounded load: new flows that found every real of their slot's order
	 * at its cap and went to the slot's owner anyway. */
	uint64_t bl_overflow;
	/* New flow-table entries made for a TCP packet without SYN: the flow
	 * began elsewhere (another instance or worker, a restart, a table that
	 * moved it), so a burst of them means flows were re-routed or instances
	 * disagree.  The packet is still forwarded (to the current choice). */
	uint64_t tcp_nonsyn_miss;
	uint64_t drops[SL_V_MAX];
	uint64_t polls;	      /* poll loop iterations */
	uint64_t busy_polls;  /* iterations that received at least one packet */
	uint64_t busy_cycles; /* TSC from rx burst to tx done, busy iterations only
			       * (what testpmd --record-core-cycles counts) */
	uint64_t generation;  /* snapshot generation used by the last poll */
	/* Per real (indexed by real id): a VIP's packets and bytes are the sum
	 * over its reals, done by whoever reads them, not per packet here. */
	struct sl_real_counters real[SL_REAL_IDS];
	uint64_t vip_new_flows[SL_VIP_IDS];   /* indexed by VIP id */
	uint64_t vip_nonsyn_miss[SL_VIP_IDS]; /* tcp_nonsyn_miss by VIP id */
	/* Bounded load, per VIP id: new flows that went to a fallback of their
	 * slot's order because the reals before it were at their cap. */
	uint64_t vip_bl_spill[SL_VIP_IDS];
};

/* Bounded load: a count of new flows in one window.  `window` is the window
 * number (worker ms clock / the VIP's bl_window_ms) the count belongs to; a
 * count whose window is not the current one reads as 0 and is restarted on
 * the next new flow, so nothing ever resets the arrays. */
struct sl_bl_count {
	uint32_t window;
	uint32_t count;
};

/* Per worker, written and read by the owning worker only (no atomics, no
 * sharing: each worker caps its own share of the new flows, see
 * docs/ARCHITECTURE.md). */
struct sl_bl_state {
	struct sl_bl_count vip[SL_VIP_IDS];   /* the VIP's new flows in the window */
	struct sl_bl_count real[SL_REAL_IDS]; /* the real's new flows in the window */
};

/* Where a worker sends packets: one TX buffer per port. */
struct sl_txbuf {
	uint16_t n;
	struct rte_mbuf *pkts[2 * SL_BURST];
};

/* Static per-worker setup, filled by the control side before the worker
 * starts; constant afterwards except where noted. */
struct sl_worker {
	/* control: writes before launch; dataplane: ro */
	unsigned id; /* 0..nb_workers-1: RCU thread id, queue index */
	unsigned lcore;
	uint16_t nb_rx_ports;
	uint16_t rx_ports[SL_MAX_PORTS];	      /* data ports polled on queue `id` */
	int kernel_port;			      /* port id of the exception port, or -1 */
	uint16_t rxq, txq;			      /* queue index on every port */
	struct rte_ether_addr port_mac[SL_MAX_PORTS]; /* indexed by port id */
	struct rte_mempool *pool;		      /* for ICMP replies */
	struct rte_rcu_qsbr *qsbr;
	struct sl_snapshot *const *snap_ptr; /* control: release-stores; dataplane: acquire-loads */
	const bool
	    *stop; /* signal handler or main thread: sets (relaxed); dataplane: relaxed loads */
	uint64_t tsc_per_ms;		  /* set by sl_worker_create */
	struct rte_reciprocal_u64 ms_div; /* divides by tsc_per_ms */
	uint32_t icmp_rate;		  /* ICMP replies (too-big, unreachable) per second */

	/* dataplane: rw; control: reads stats only */
	struct sl_flow_table *ft;
	bool prefetch_entries; /* second prefetch stage: only for tables beyond L2 */
	struct sl_worker_stats *stats;
	struct sl_bl_state *bl; /* bounded-load window counts */
	uint64_t icmp_tokens;	/* token bucket, scaled by 1000 (too-big and unreachable) */
	uint32_t icmp_last_ms;
	uint32_t tx_pending;		  /* bit p: tx[p] holds packets */
	struct sl_txbuf tx[SL_MAX_PORTS]; /* indexed by port id */
} __rte_cache_aligned;

/* Allocate a worker with its counters and a flow table of `flow_entries` on
 * NUMA `socket`, everything else zero (kernel_port -1).  The caller fills in
 * ports, queues, pool, qsbr, snap_ptr, stop and icmp_rate before
 * launching it.  Control/main thread.  NULL on failure (rte_errno set). */
struct sl_worker *sl_worker_create(unsigned id, int socket, uint32_t flow_entries,
				   const struct sl_flow_timeouts *to);
void sl_worker_free(struct sl_worker *w);

/* Forward one burst that came in on `in_port` with snapshot `snap` at time
 * `now_ms`: parse, look up, encapsulate, and queue each packet in w->tx[] (or
 * free it and count why).  Does not transmit.  Pure of ethdev calls, so tests,
 * the fuzzer and the benchmark call it directly.  Worker lcore. */
void sl_worker_process(struct sl_worker *w, const struct sl_snapshot *snap, uint16_t in_port,
		       struct rte_mbuf **pkts, uint16_t n, uint32_t now_ms);

/* Sweep the next `n_buckets` buckets of the flow table at `now_ms`, freeing
 * expired entries and taking them off their reals' flow counts.  The poll
 * loop calls it (8 buckets every 64 polls); tests call it with an injected
 * clock.  Worker lcore. */
void sl_worker_age(struct sl_worker *w, uint32_t now_ms, uint32_t n_buckets);

/* Transmit everything queued in w->tx[]; packets the NIC refuses are freed
 * and counted as SL_V_TX_FULL. */
void sl_worker_flush(struct sl_worker *w);

/* One iteration of the poll loop: RX on each port, process, TX, then report
 * an RCU quiescent state.  Returns the number of packets received. */
unsigned sl_worker_poll(struct sl_worker *w);

/* lcore entry point (rte_eal_remote_launch): the caller has registered w->id
 * with w->qsbr; goes online, polls until *w->stop, goes offline. */
int sl_worker_main(void *arg);

#endif /* SL_WORKER_H */
