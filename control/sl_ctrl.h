/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The control side: builds forwarding snapshots from a configuration,
 * publishes them to the workers with RCU, and keeps VIP and real ids stable
 * across generations.  Everything here runs on the control thread (or on the
 * main thread before the workers start); nothing here is on the hot path.
 */
#ifndef SL_CTRL_H
#define SL_CTRL_H

#include <stdint.h>

#include "sl_config.h"
#include "sl_lbstate.h"
#include "sl_maglev.h"
#include "sl_snapshot.h"

struct rte_hash;
struct rte_rcu_qsbr;

/* A stable id allocator: a key -> id map plus a FIFO of released ids, so an
 * id is reused as late as possible (flow entries may still name it until
 * they idle out; they are re-validated against the snapshot on every hit). */
struct sl_idmap {
	struct rte_hash *map; /* key -> id */
	uint32_t next;	      /* next never-used id */
	uint32_t max;	      /* ids are < max */
	uint32_t *fifo;	      /* released ids, oldest first */
	uint32_t fifo_head, fifo_len;
	uint64_t *seen; /* per id: build attempt that last used it */
	uint64_t *born; /* per id: build attempt that allocated it */
	uint16_t *inc;	/* per id: incarnation, bumped on every reuse */
};

/* Fallback orders of one pool of one VIP, kept across builds: they depend
 * on the configuration alone, so a health change reuses them. */
struct sl_layers_cache {
	uint64_t key; /* hash of (table size, identities, weights) of the pool */
	struct sl_maglev_layers layers;
	bool valid;
};

/* The health / admin view a snapshot is built for: per VIP of the
 * configuration (same index), its runtime and one verdict per backend. */
struct sl_build_view {
	const struct sl_vip_runtime *vip;      /* [cfg->nb_vips] */
	const struct sl_be_verdict *const *be; /* [cfg->nb_vips][vip->nb_backends] */
};

struct sl_ctrl {
	/* control: rw; dataplane: the snapshot pointer only (acquire-loads) */
	struct sl_snapshot *snap;
	struct rte_rcu_qsbr *qsbr; /* NULL: no workers (tools, tests) */
	uint64_t generation;	   /* of the last published snapshot */
	uint64_t build_seq;	   /* counts build attempts; marks ids in use */
	struct sl_idmap vip_ids;
	struct sl_idmap real_ids;
	/* Port ids resolved from the configuration's names (main thread at
	 * start-up; the port set does not change at run time). */
	uint16_t egress_port;
	uint8_t egress_mac[6]; /* our MAC on egress_port: source of encapsulated frames */
	/* Per VIP id and pool: SL_VIP_IDS * SL_NB_POOLS entries. */
	struct sl_layers_cache *layers;
};

/* Set up id maps.  qsbr may be NULL when nothing reads snapshots concurrently. */
int sl_ctrl_init(struct sl_ctrl *c, struct rte_rcu_qsbr *qsbr);
/* Unpublish and free the current snapshot and the id maps. */
void sl_ctrl_fini(struct sl_ctrl *c);

/* Build a complete snapshot for `cfg` with generation c->generation + 1.
 * Does not publish.  Returns 0 or -errno (and logs why).  The view is the
 * configuration's own: every enabled backend healthy, primary pools serving
 * (sl_lbstate_decide at start-up). */
int sl_snapshot_build(struct sl_ctrl *c, const struct sl_config *cfg, struct sl_snapshot **out);
/* Same for a given health / admin view (NULL: as above). */
int sl_snapshot_build_view(struct sl_ctrl *c, const struct sl_config *cfg,
			   const struct sl_build_view *view, struct sl_snapshot **out);

/* Current real handle of backend b of VIP v (as the last build assigned it),
 * or SL_REAL_NONE.  VIP id likewise (-1 if none). */
uint32_t sl_ctrl_real_handle(const struct sl_ctrl *c, const struct sl_config_vip *v,
			     const struct sl_config_backend *b);
int sl_ctrl_vip_id(const struct sl_ctrl *c, const struct sl_config_vip *v);
void sl_snapshot_free(struct sl_snapshot *s);

/* Publish `s` (one release store), wait for every worker to pass a quiescent
 * state, then free the previous snapshot.  Returns once no worker can still
 * be using the old one. */
void sl_ctrl_publish(struct sl_ctrl *c, struct sl_snapshot *s);

/* Build and publish; on failure the running snapshot is untouched. */
int sl_ctrl_apply(struct sl_ctrl *c, const struct sl_config *cfg);

#endif /* SL_CTRL_H */
