/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Metrics: one self-contained copy of every figure sluice exports, built by
 * the control thread and read by other threads.
 *
 * The control thread builds a struct sl_metrics once per second (sl_api_tick,
 * with the rate sample) from the workers' single-writer counters, the flow
 * tables' statistics, the running configuration and snapshot, the health
 * checker and the ports (rte_eth_stats_get), and publishes it in a struct
 * sl_metrics_pub.  The copy is one allocation holding no pointer into the
 * configuration, the snapshot or the checker, so the threads that read it
 * (DPDK's telemetry thread, the Prometheus endpoint's HTTP thread) never
 * touch what the control thread owns: they take a reference under the
 * publisher's mutex, format from the copy without a lock, and drop the
 * reference.  What they serve is at most one sample interval (1 s) old, plus
 * the time a change takes to publish; `built_unix_ms` says when it was taken.
 *
 * Counters that the workers keep per real id (packets, bytes and new flows
 * per backend; new flows and TCP non-SYN misses per VIP) are made monotonic
 * per exported label set by a ledger (struct sl_metrics_state): a real id is
 * released when its (VIP, backend) leaves the configuration and may later be
 * reused by another pair, whose raw counters then start where the old pair's
 * ended.  The ledger keeps, per id, the raw value it last attributed, and
 * per label set (VIP, or VIP and backend address) the accumulated value, and
 * attributes each increase of an id's raw counters to the label set that
 * owned the id when the increase happened.  Details and limits:
 * docs/METRICS.md ("Counters stay monotonic").
 *
 * Threads: everything here runs on the control thread, except
 * sl_metrics_get / sl_metrics_put (any thread).
 */
#ifndef SL_METRICS_H
#define SL_METRICS_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "sl_common.h"
#include "sl_config.h"
#include "sl_flow.h"
#include "sl_lbstate.h"

struct sl_ctrl;
struct sl_health;
struct sl_worker;

#define SL_METRICS_ADDR_MAX   48 /* a backend's address text (INET6_ADDRSTRLEN) */
#define SL_METRICS_RESULT_MAX 96 /* a health check's last result text */

/* One backend of one VIP. */
struct sl_metrics_backend {
	char address[SL_METRICS_ADDR_MAX];
	uint32_t weight;
	uint8_t pool;  /* enum sl_pool */
	uint8_t admin; /* enum sl_admin_state */
	uint8_t state; /* enum sl_be_state: what `backend list` shows */
	/* Counters, monotonic per (VIP, address) while the daemon runs. */
	uint64_t packets;
	uint64_t bytes;
	uint64_t new_flows;
	/* Gauges. */
	uint64_t flows;	 /* occupied flow-table entries naming it, all workers */
	uint32_t slots;	 /* Maglev table slots it owns (current snapshot) */
	uint16_t share;	 /* slow-start share, 0..SL_SHARE_FULL (1000) */
	bool take_new;	 /* may be chosen for new flows */
	bool hc_checked; /* health-checked (false: no check configured) */
	/* Health (hc_checked only). */
	bool hc_up;			       /* the checker's verdict */
	bool hc_done;			       /* at least one check finished */
	uint8_t hc_kind;		       /* enum sl_hc_kind */
	uint16_t hc_port;		       /* checked port */
	uint64_t hc_checks;		       /* monotonic per (VIP, address) */
	uint64_t hc_failures;		       /* monotonic per (VIP, address) */
	uint64_t hc_transitions;	       /* monotonic per (VIP, address) */
	uint32_t hc_latency_us;		       /* of the last successful check */
	uint64_t hc_age_ms;		       /* since the last check finished (0: none yet) */
	char hc_result[SL_METRICS_RESULT_MAX]; /* "ok", "timeout", "status 503", ... */
};

struct sl_metrics_vip {
	char name[SL_VIP_REF_MAX]; /* "10.99.0.1:80/tcp", "[fd00:99::1]:443/tcp" */
	uint32_t first_backend;	   /* index into sl_metrics.backends */
	uint32_t nb_backends;
	/* Counters, monotonic per VIP while the daemon runs.  packets and bytes
	 * include what its removed backends forwarded. */
	uint64_t packets;
	uint64_t bytes;
	uint64_t new_flows;
	uint64_t tcp_nonsyn_miss; /* new entries made for a TCP packet without SYN */
	/* Gauges. */
	uint64_t flows;	 /* occupied flow-table entries of its backends */
	uint32_t usable; /* backends that take new flows */
	uint32_t table_size;
	uint8_t serving_pool; /* enum sl_pool */
	bool panic;
	bool empty;
	uint8_t capacity_pct[SL_NB_POOLS];
	/* Table fingerprints (sl_api_table): of the running table, and of the
	 * configuration's own table (every enabled primary backend healthy). */
	bool has_fingerprint;
	uint64_t fingerprint;
	uint64_t config_fingerprint;
};

struct sl_metrics_worker {
	uint32_t id;
	uint32_t lcore;
	uint64_t rx, tx, to_kernel, from_kernel, icmp_sent, icmp_steered;
	uint64_t unreach_sent, unreach_limited, bl_overflow, tcp_nonsyn_miss;
	uint64_t drops[SL_V_MAX]; /* [SL_V_OK] unused (0) */
	uint64_t polls, busy_polls, busy_cycles;
	uint64_t generation; /* snapshot generation of its last poll */
	/* Busy polls / polls over the last sample interval (0..1); 0 before
	 * the second sample. */
	double load;
	/* Flow table. */
	uint64_t flow_capacity;
	uint64_t flow_entries; /* occupied: sum of its per-real flow counts */
	struct sl_flow_stats flow;
};

struct sl_metrics_port {
	char name[SL_NAME_MAX]; /* DPDK device name, as in the configuration */
	uint16_t port_id;
	bool ok; /* rte_eth_stats_get succeeded */
	uint64_t ipackets, opackets, ibytes, obytes;
	uint64_t imissed, ierrors, oerrors, rx_nombuf;
};

/* The published copy.  Immutable once published. */
struct sl_metrics {
	uint32_t refs;		/* sl_metrics_get / sl_metrics_put (atomic) */
	size_t size;		/* bytes of the one allocation */
	uint64_t built_ms;	/* control thread's monotonic clock */
	uint64_t built_unix_ms; /* wall clock (ms since the epoch) */
	uint64_t uptime_ms;
	uint64_t generation;	    /* snapshot generation */
	uint64_t config_generation; /* last configuration change */
	uint64_t tsc_hz;
	uint32_t health_targets;
	uint32_t nb_vips, nb_backends, nb_workers, nb_ports;
	struct sl_metrics_vip *vips;	     /* [nb_vips], configuration order */
	struct sl_metrics_backend *backends; /* [nb_backends], by VIP */
	struct sl_metrics_worker *workers;   /* [nb_workers] */
	struct sl_metrics_port *ports;	     /* [nb_ports] */
};

/* ---- publication (any thread) ------------------------------------------- */

struct sl_metrics_pub {
	pthread_mutex_t lock; /* guards `cur` and the reference it holds */
	struct sl_metrics *cur;
};
#define SL_METRICS_PUB_INIT                     \
	{                                       \
		PTHREAD_MUTEX_INITIALIZER, NULL \
	}

/* Publish `m`, taking over one reference the caller holds (NULL
 * unpublishes), and drop the publisher's reference to the copy it
 * replaces.  Control thread. */
void sl_metrics_publish(struct sl_metrics_pub *p, struct sl_metrics *m);
/* A reference to the current copy, or NULL when none is published.  Any
 * thread; holds the mutex for a pointer copy and an increment only. */
struct sl_metrics *sl_metrics_get(struct sl_metrics_pub *p);
/* Drop a reference (NULL: nothing); the last one frees the copy. */
void sl_metrics_put(struct sl_metrics *m);

/* ---- building (control thread) ------------------------------------------ */

/* Per VIP of the configuration (same index): the control plane's view. */
struct sl_metrics_vip_src {
	const struct sl_vip_runtime *vr;
	const int *target;		     /* [nb_backends]: health target, -1 none */
	const struct sl_be_verdict *verdict; /* [nb_backends] */
	const uint32_t *slots;		     /* [nb_backends] table slots, or NULL */
	bool has_fingerprint;
	uint64_t fingerprint, config_fingerprint;
};

struct sl_metrics_port_src {
	const char *name;
	uint16_t port_id;
};

/* Everything a build reads.  All pointers stay valid during the call. */
struct sl_metrics_src {
	const struct sl_config *cfg;	  /* running configuration (labels) */
	const struct sl_ctrl *ctrl;	  /* real handles, VIP ids, snapshot */
	struct sl_worker *const *workers; /* counters, flow tables */
	unsigned nb_workers;
	const struct sl_health *health;	       /* NULL: none */
	const struct sl_metrics_vip_src *vips; /* [cfg->nb_vips], or NULL */
	const struct sl_metrics_port_src *ports;
	unsigned nb_ports;
	uint64_t now_ms, unix_ms, uptime_ms, tsc_hz;
	uint64_t config_generation; /* exported as is */
	/* Changes whenever `cfg` is another configuration: the ledger binds
	 * ids to labels again only then. */
	uint64_t config_seq;
};

/* The ledger and the previous sample (worker load). */
struct sl_metrics_state;

struct sl_metrics_state *sl_metrics_state_create(void);
void sl_metrics_state_free(struct sl_metrics_state *st);
/* Label sets whose VIP or backend left the configuration are remembered (so
 * that a backend that comes back continues its counters) up to this many
 * (default SL_MAX_REALS + SL_MAX_VIPS); beyond it the longest retired are
 * forgotten (a later return starts from 0: a counter reset).  Tests. */
void sl_metrics_state_set_retired_max(struct sl_metrics_state *st, uint32_t n);
/* Label sets remembered (live and retired), for tests. */
uint32_t sl_metrics_state_labels(const struct sl_metrics_state *st);

/* Attribute the counters' increases since the last sync to their label sets
 * and bind the ids of `src`'s configuration.  The control plane calls it
 * after every publish of a new configuration (so that an id released by one
 * change and reused by a later one is never seen half by each owner) and at
 * every build.  0 or -ENOMEM (the ledger is unchanged then). */
int sl_metrics_sync(struct sl_metrics_state *st, const struct sl_metrics_src *src);

/* Sync, then build a copy, returned with one reference (the caller's).  `sample`: this is the
 * periodic sample, which advances the worker-load interval (other builds, e.g. for `sluicectl
 * stats`, reuse the load of the last sample).  NULL on allocation failure. */
struct sl_metrics *sl_metrics_build(struct sl_metrics_state *st, const struct sl_metrics_src *src,
				    bool sample);

/* Lookups in a copy: the VIP named `ref` (as sl_config_vip_ref writes it),
 * or NULL. */
const struct sl_metrics_vip *sl_metrics_find_vip(const struct sl_metrics *m, const char *ref);

/* Totals over workers (drops by reason, flow tables). */
struct sl_metrics_totals {
	uint64_t rx, tx, drops[SL_V_MAX], drops_total;
	uint64_t tcp_nonsyn_miss, flows, flow_capacity;
	struct sl_flow_stats flow;
};
void sl_metrics_totals(const struct sl_metrics *m, struct sl_metrics_totals *t);

/* Names for exporters. */
const char *sl_metrics_health_name(const struct sl_metrics_backend *b); /* up/down/unchecked */

#endif /* SL_METRICS_H */
