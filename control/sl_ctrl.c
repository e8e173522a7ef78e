/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Snapshot builder and publisher.  Control thread only.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_errno.h>
#include <rte_hash.h>
#include <rte_hash_crc.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_rcu_qsbr.h>

#include "sl_ctrl.h"
#include "sl_maglev.h"

#define SL_LOG(level, fmt, ...) RTE_LOG(level, USER1, "sluice: " fmt "\n", ##__VA_ARGS__)

/* Key of the real-id map: one backend address under one VIP. */
struct sl_real_key {
	struct sl_vip_key vip;
	uint8_t addr[16];
	uint8_t family;
	uint8_t pad[3];
};

/* rte_hash names are process-wide: number them so several sl_ctrl (tools,
 * tests) and unpublished builds never collide. */
static void unique_name(char *buf, size_t len, const char *prefix)
{
	static uint32_t seq;

	/* Relaxed: only the values' uniqueness matters, nothing is published
	 * through the counter. */
	snprintf(buf, len, "%s%u", prefix, __atomic_fetch_add(&seq, 1, __ATOMIC_RELAXED));
}

static int idmap_init(struct sl_idmap *m, const char *prefix, uint32_t key_len, uint32_t max)
{
	char name[RTE_HASH_NAMESIZE];
	struct rte_hash_parameters p = {
	    .name = name,
	    .entries = max,
	    .key_len = key_len,
	    .hash_func = rte_hash_crc,
	    .socket_id = SOCKET_ID_ANY,
	    /* Extendable buckets: a cuckoo table may refuse a key before it
	     * holds `entries` keys; every id must be allocatable. */
	    .extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE,
	};

	unique_name(name, sizeof(name), prefix);
	memset(m, 0, sizeof(*m));
	m->max = max;
	m->map = rte_hash_create(&p);
	m->fifo = rte_zmalloc(NULL, sizeof(*m->fifo) * max, 0);
	m->seen = rte_zmalloc(NULL, sizeof(*m->seen) * max, 0);
	m->inc = rte_zmalloc(NULL, sizeof(*m->inc) * max, 0);
	m->born = rte_zmalloc(NULL, sizeof(*m->born) * max, 0);
	if (m->map == NULL || m->fifo == NULL || m->seen == NULL || m->inc == NULL ||
	    m->born == NULL)
		return -ENOMEM;
	return 0;
}

static void idmap_fini(struct sl_idmap *m)
{
	rte_hash_free(m->map);
	rte_free(m->fifo);
	rte_free(m->seen);
	rte_free(m->inc);
	rte_free(m->born);
	memset(m, 0, sizeof(*m));
}

/* Id for `key`, allocating one if it is new; marks it used by build attempt
 * `seq`.  A released id that is reused gets the next incarnation.  Returns
 * the id or -ENOSPC. */
static void idmap_push_free(struct sl_idmap *m, uint32_t id)
{
	m->fifo[(m->fifo_head + m->fifo_len) % m->max] = id;
	m->fifo_len++;
}

static int64_t idmap_get(struct sl_idmap *m, const void *key, uint64_t seq)
{
	void *data;
	uint32_t id;

	if (rte_hash_lookup_data(m->map, key, &data) >= 0) {
		id = (uint32_t)(uintptr_t)data;
	} else {
		if (m->next < m->max) {
			id = m->next++;
		} else if (m->fifo_len > 0) {
			id = m->fifo[m->fifo_head];
			m->fifo_head = (m->fifo_head + 1) % m->max;
			m->fifo_len--;
			m->inc[id] = m->inc[id] >= SL_REAL_INC_MAX ? 0 : m->inc[id] + 1;
		} else {
			return -ENOSPC;
		}
		if (rte_hash_add_key_data(m->map, key, (void *)(uintptr_t)id) < 0) {
			idmap_push_free(m, id);
			return -ENOSPC;
		}
		m->born[id] = seq;
	}
	m->seen[id] = seq;
	return id;
}

/* Release every id whose seen (born == false) or born (born == true) mark is
 * below `below`, or equal to `equal`.  Keys are collected first and deleted
 * afterwards: deleting from an extendable-bucket rte_hash while iterating can
 * move a not-yet-visited key behind the iterator. */
static int idmap_release(struct sl_idmap *m, bool born, uint64_t below, uint64_t equal)
{
	const void **keys = malloc(sizeof(*keys) * m->max);
	uint32_t *ids = malloc(sizeof(*ids) * m->max);
	const void *key;
	void *data;
	uint32_t iter = 0, n = 0;

	if (keys == NULL || ids == NULL) {
		free(keys);
		free(ids);
		return -ENOMEM;
	}
	while (rte_hash_iterate(m->map, &key, &data, &iter) >= 0) {
		uint32_t id = (uint32_t)(uintptr_t)data;
		uint64_t mark = born ? m->born[id] : m->seen[id];

		if (mark < below || mark == equal) {
			keys[n] = key;
			ids[n++] = id;
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		rte_hash_del_key(m->map, keys[i]);
		idmap_push_free(m, ids[i]);
	}
	free(keys);
	free(ids);
	return 0;
}

/* Release every id last used by a build older than `seq`, the build being
 * published.  Ids marked by a later, unpublished build (a preview) stay. */
static void idmap_release_unseen(struct sl_idmap *m, uint64_t seq)
{
	if (idmap_release(m, false, seq, UINT64_MAX) < 0)
		SL_LOG(WARNING, "out of memory: unused ids kept until the next change");
}

/* A build that failed gives back the ids it allocated: nothing uses them. */
static void idmap_release_born(struct sl_idmap *m, uint64_t seq)
{
	if (idmap_release(m, true, 0, seq) < 0)
		SL_LOG(WARNING, "out of memory: ids of a failed build kept until the next change");
}

int sl_ctrl_init(struct sl_ctrl *c, struct rte_rcu_qsbr *qsbr)
{
	int rc;

	memset(c, 0, sizeof(*c));
	c->qsbr = qsbr;
	c->layers = calloc(SL_VIP_IDS * SL_NB_POOLS, sizeof(*c->layers));
	if (c->layers == NULL)
		return -ENOMEM;
	rc = idmap_init(&c->vip_ids, "sl_vipid", sizeof(struct sl_vip_key), SL_VIP_IDS);
	if (rc == 0)
		rc = idmap_init(&c->real_ids, "sl_realid", sizeof(struct sl_real_key), SL_REAL_IDS);
	if (rc < 0)
		sl_ctrl_fini(c);
	return rc;
}

void sl_ctrl_fini(struct sl_ctrl *c)
{
	struct sl_snapshot *old = c->snap;

	/* Release, like a publish (NULL has no contents to order, but a reader
	 * must not see the pointer go away before earlier stores). */
	__atomic_store_n(&c->snap, NULL, __ATOMIC_RELEASE);
	if (c->qsbr != NULL)
		rte_rcu_qsbr_synchronize(c->qsbr, RTE_QSBR_THRID_INVALID);
	sl_snapshot_free(old);
	idmap_fini(&c->vip_ids);
	idmap_fini(&c->real_ids);
	if (c->layers != NULL)
		for (uint32_t i = 0; i < SL_VIP_IDS * SL_NB_POOLS; i++)
			if (c->layers[i].valid)
				sl_maglev_layers_free(&c->layers[i].layers);
	free(c->layers);
	c->layers = NULL;
}

void sl_snapshot_free(struct sl_snapshot *s)
{
	if (s == NULL)
		return;
	if (s->vips != NULL)
		for (uint32_t i = 0; i < s->nb_vip_slots; i++) {
			rte_free((void *)(uintptr_t)s->vips[i].table);
			rte_free((void *)(uintptr_t)s->vips[i].order);
		}
	rte_hash_free(s->vip_hash);
	rte_free(s->vips);
	rte_free(s->reals);
	rte_free(s);
}

/* rte_hash_function for the snapshot's VIP hash: must equal sl_vip_hash,
 * which workers compute inline. */
static uint32_t vip_hash_func(const void *key, uint32_t len, uint32_t init)
{
	RTE_SET_USED(len);
	RTE_SET_USED(init);
	return sl_vip_hash(key);
}

static void vip_key_of(const struct sl_config_vip *v, struct sl_vip_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->addr, v->addr, sizeof(k->addr));
	k->port = rte_cpu_to_be_16(v->port);
	k->proto = v->proto;
	k->family = v->family;
}

/* Outer header parameters towards backend b of VIP v. */
static void encap_of(const struct sl_config *cfg, const struct sl_config_vip *v,
		     const struct sl_config_backend *b, struct sl_encap_params *e)
{
	memset(e, 0, sizeof(*e));
	e->kind = (uint8_t)v->encap;
	e->outer_family = b->family;
	e->ttl = cfg->ttl;
	e->gue_port = rte_cpu_to_be_16(v->gue_port);
	if (b->family == SL_AF_INET)
		memcpy(e->src, cfg->src4, 4);
	else
		memcpy(e->src, cfg->src6, 16);
	memcpy(e->dst, b->addr, 16);
}

/* Hash of what a pool's fallback orders depend on. */
static uint64_t pool_key(const struct sl_config_vip *v, enum sl_pool pool, uint32_t m)
{
	uint64_t h = 0xcbf29ce484222325ull ^ m;

	for (uint32_t i = 0; i < v->nb_backends; i++) {
		const struct sl_config_backend *b = &v->backends[i];

		if (b->pool != pool)
			continue;
		for (const char *p = b->addr_str; *p; p++)
			h = (h ^ (uint8_t)*p) * 0x100000001b3ull;
		h = (h ^ b->weight ^ 0x100u) * 0x100000001b3ull;
	}
	return h;
}

/* Fallback orders of one pool, from the cache or built now. */
static const struct sl_maglev_layers *pool_layers(struct sl_ctrl *c, uint32_t vid,
						  const struct sl_config_vip *v, enum sl_pool pool,
						  const struct sl_maglev_backend *mb, uint32_t n,
						  uint32_t m, int *rc)
{
	struct sl_layers_cache *lc = &c->layers[vid * SL_NB_POOLS + pool];
	uint64_t key = pool_key(v, pool, m);

	*rc = 0;
	if (lc->valid && lc->key == key && lc->layers.m == m && lc->layers.n == n)
		return &lc->layers;
	if (lc->valid)
		sl_maglev_layers_free(&lc->layers);
	lc->valid = false;
	*rc = sl_maglev_layers_build(mb, n, m, &lc->layers);
	if (*rc < 0)
		return NULL;
	lc->key = key;
	lc->valid = true;
	return &lc->layers;
}

/* The VIP's table (and, with bounded load, its per-slot choices) for the
 * serving pool under the view's verdicts. */
static int build_vip(struct sl_ctrl *c, struct sl_snapshot *s, const struct sl_config *cfg,
		     const struct sl_config_vip *v, uint32_t vid, const uint32_t *handles,
		     const struct sl_vip_runtime *vr, const struct sl_be_verdict *verdict)
{
	uint32_t m = v->table_size ? v->table_size : cfg->maglev_size;
	enum sl_pool pool = vr->serving;
	struct sl_maglev_backend *mb = NULL;
	const struct sl_maglev_layers *layers;
	uint32_t *idx = NULL, *owner = NULL, *order = NULL;
	uint32_t *table = NULL, *htab_order = NULL;
	uint16_t *share = NULL;
	struct sl_vip *sv = &s->vips[vid];
	bool bounded = v->bounded_load_pct > 0;
	uint64_t usable_w = 0;
	uint32_t n = 0;
	int rc = -ENOMEM;

	mb = calloc(v->nb_backends ? v->nb_backends : 1, sizeof(*mb));
	idx = calloc(v->nb_backends ? v->nb_backends : 1, sizeof(*idx));
	share = calloc(v->nb_backends ? v->nb_backends : 1, sizeof(*share));
	owner = malloc(sizeof(*owner) * m);
	table = rte_malloc("sl_maglev", sizeof(*table) * m, RTE_CACHE_LINE_SIZE);
	if (bounded) {
		order = malloc(sizeof(*order) * m * SL_MAGLEV_LAYERS);
		htab_order = rte_malloc("sl_order", sizeof(*htab_order) * m * SL_MAGLEV_LAYERS,
					RTE_CACHE_LINE_SIZE);
	}
	if (mb == NULL || idx == NULL || share == NULL || owner == NULL || table == NULL ||
	    (bounded && (order == NULL || htab_order == NULL)))
		goto fail;
	for (uint32_t i = 0; i < v->nb_backends; i++) {
		if (v->backends[i].pool != pool)
			continue;
		mb[n].id = (const uint8_t *)v->backends[i].addr_str;
		mb[n].id_len = strlen(v->backends[i].addr_str);
		mb[n].weight = v->backends[i].weight;
		share[n] = verdict[i].take_new ? verdict[i].share : 0;
		if (share[n] > 0)
			usable_w += v->backends[i].weight;
		idx[n++] = i;
	}
	layers = pool_layers(c, vid, v, pool, mb, n, m, &rc);
	if (layers == NULL) {
		SL_LOG(ERR, "vip %s: maglev build failed: %s", v->addr_str, strerror(-rc));
		goto fail;
	}
	rc = sl_maglev_effective(layers, mb, share, owner, order);
	if (rc < 0)
		goto fail;
	/* The builder gives indexes into the pool's backends; workers want
	 * real handles. */
	for (uint32_t j = 0; j < m; j++)
		table[j] = owner[j] == SL_MAGLEV_EMPTY ? SL_REAL_NONE : handles[idx[owner[j]]];
	if (bounded) {
		for (uint32_t j = 0; j < m * SL_MAGLEV_LAYERS; j++)
			htab_order[j] =
			    order[j] == SL_MAGLEV_EMPTY ? SL_REAL_NONE : handles[idx[order[j]]];
		/* Cap of each usable real: c * weight / usable weight of
		 * the serving pool, 16.16 fixed point. */
		for (uint32_t k = 0; k < n && usable_w > 0; k++) {
			uint64_t w = v->backends[idx[k]].weight;
			uint64_t f = (uint64_t)v->bounded_load_pct * w * 65536 / (100 * usable_w);

			if (share[k] > 0)
				s->reals[SL_REAL_ID(handles[idx[k]])].bl_share =
				    (uint32_t)RTE_MIN(f, (uint64_t)UINT32_MAX);
		}
	}
	vip_key_of(v, &sv->key);
	sv->id = vid;
	sv->table_size = m;
	sv->table = table;
	sv->order = htab_order;
	sv->bl_window_ms = v->bounded_load_window_ms ? v->bounded_load_window_ms : 1000;
	sv->nb_reals = v->nb_backends;
	sv->flags = (uint8_t)((bounded ? SL_VIP_BOUNDED : 0) |
			      (v->when_empty == SL_EMPTY_UNREACHABLE ? SL_VIP_UNREACHABLE : 0));
	sv->present = 1;
	free(mb);
	free(idx);
	free(share);
	free(owner);
	free(order);
	return 0;
fail:
	free(mb);
	free(idx);
	free(share);
	free(owner);
	free(order);
	rte_free(table);
	rte_free(htab_order);
	return rc;
}

/* The configuration's own view: everything enabled is healthy. */
struct default_view {
	struct sl_build_view view;
	struct sl_vip_runtime *vr;
	struct sl_be_verdict **be;
	uint32_t nb;
};

static void default_view_free(struct default_view *d)
{
	if (d->be != NULL)
		for (uint32_t i = 0; i < d->nb; i++)
			free(d->be[i]);
	free(d->be);
	free(d->vr);
	memset(d, 0, sizeof(*d));
}

static int default_view_init(struct default_view *d, const struct sl_config *cfg)
{
	memset(d, 0, sizeof(*d));
	d->nb = cfg->nb_vips;
	d->vr = calloc(cfg->nb_vips ? cfg->nb_vips : 1, sizeof(*d->vr));
	d->be = calloc(cfg->nb_vips ? cfg->nb_vips : 1, sizeof(*d->be));
	if (d->vr == NULL || d->be == NULL)
		goto fail;
	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &cfg->vips[i];
		struct sl_be_runtime *rt = calloc(v->nb_backends ? v->nb_backends : 1, sizeof(*rt));

		d->be[i] = calloc(v->nb_backends ? v->nb_backends : 1, sizeof(**d->be));
		if (rt == NULL || d->be[i] == NULL) {
			free(rt);
			goto fail;
		}
		for (uint32_t j = 0; j < v->nb_backends; j++)
			rt[j].health_up = true;
		sl_lbstate_decide(v, rt, &d->vr[i], 1, d->be[i]);
		free(rt);
	}
	d->view.vip = d->vr;
	d->view.be = (const struct sl_be_verdict *const *)d->be;
	return 0;
fail:
	default_view_free(d);
	return -ENOMEM;
}

int sl_snapshot_build(struct sl_ctrl *c, const struct sl_config *cfg, struct sl_snapshot **out)
{
	return sl_snapshot_build_view(c, cfg, NULL, out);
}

int sl_snapshot_build_view(struct sl_ctrl *c, const struct sl_config *cfg,
			   const struct sl_build_view *view, struct sl_snapshot **out)
{
	struct default_view dv = {0};
	uint64_t gen = c->generation + 1;
	/* Ids are marked with the attempt, not the generation, so ids taken by
	 * a rejected build are released by the next successful one. */
	uint64_t seq = ++c->build_seq;
	struct sl_hash_ids {
		int64_t vid;
		uint32_t *rids; /* real handles of the VIP's backends */
	} *ids = NULL;
	struct rte_hash_parameters hp = {0};
	struct sl_snapshot *s = NULL;
	uint32_t max_vid = 0, max_rid = 0;
	char name[RTE_HASH_NAMESIZE];
	int rc = -ENOMEM;

	*out = NULL;
	if (view == NULL) {
		rc = default_view_init(&dv, cfg);
		if (rc < 0)
			goto fail;
		view = &dv.view;
	}
	s = rte_zmalloc("sl_snapshot", sizeof(*s), RTE_CACHE_LINE_SIZE);
	ids = calloc(cfg->nb_vips ? cfg->nb_vips : 1, sizeof(*ids));
	if (s == NULL || ids == NULL)
		goto fail;
	s->generation = gen;
	s->build_seq = seq;
	s->mtu = cfg->mtu;
	s->egress_port = c->egress_port;
	memcpy(s->next_hop_mac.addr_bytes, cfg->next_hop_mac, RTE_ETHER_ADDR_LEN);

	/* Pass 1: stable ids for every VIP and real of this configuration. */
	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &cfg->vips[i];
		struct sl_vip_key vk;

		vip_key_of(v, &vk);
		ids[i].vid = idmap_get(&c->vip_ids, &vk, seq);
		ids[i].rids = calloc(v->nb_backends ? v->nb_backends : 1, sizeof(uint32_t));
		if (ids[i].vid < 0 || ids[i].rids == NULL) {
			rc = ids[i].vid < 0 ? -ENOSPC : -ENOMEM;
			goto fail;
		}
		max_vid = RTE_MAX(max_vid, (uint32_t)ids[i].vid);
		for (uint32_t j = 0; j < v->nb_backends; j++) {
			struct sl_real_key rk;
			int64_t rid;

			memset(&rk, 0, sizeof(rk));
			rk.vip = vk;
			memcpy(rk.addr, v->backends[j].addr, 16);
			rk.family = v->backends[j].family;
			rid = idmap_get(&c->real_ids, &rk, seq);
			if (rid < 0) {
				rc = -ENOSPC;
				goto fail;
			}
			ids[i].rids[j] = SL_REAL_HANDLE(rid, c->real_ids.inc[rid]);
			max_rid = RTE_MAX(max_rid, (uint32_t)rid);
		}
	}

	s->nb_vip_slots = max_vid + 1;
	s->nb_real_slots = max_rid + 1;
	s->vips = rte_zmalloc("sl_vips", sizeof(*s->vips) * s->nb_vip_slots, RTE_CACHE_LINE_SIZE);
	s->reals =
	    rte_zmalloc("sl_reals", sizeof(*s->reals) * s->nb_real_slots, RTE_CACHE_LINE_SIZE);
	unique_name(name, sizeof(name), "sl_vip");
	hp.name = name;
	/* Two keys per VIP at most (the VIP, its address marker); rte_hash
	 * wants some slack. */
	hp.entries = RTE_MAX(2 * cfg->nb_vips * 2, 64u);
	hp.key_len = sizeof(struct sl_vip_key);
	hp.hash_func = vip_hash_func;
	hp.socket_id = SOCKET_ID_ANY;
	hp.extra_flag = RTE_HASH_EXTRA_FLAGS_EXT_TABLE;
	/* No RW-concurrency flags: the table is complete before it is
	 * published and never written afterwards, so readers need no locks. */
	s->vip_hash = rte_hash_create(&hp);
	if (s->vips == NULL || s->reals == NULL || s->vip_hash == NULL)
		goto fail;

	/* Pass 2: reals, Maglev tables, and the VIP hash. */
	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &cfg->vips[i];
		uint32_t vid = (uint32_t)ids[i].vid;
		struct sl_vip_key mark;

		for (uint32_t j = 0; j < v->nb_backends; j++) {
			struct sl_real *r = &s->reals[SL_REAL_ID(ids[i].rids[j])];
			unsigned ovh;

			encap_of(cfg, v, &v->backends[j], &r->encap);
			ovh = sl_encap_overhead(&r->encap);
			r->overhead = (uint8_t)ovh;
			sl_encap_tmpl_init(&r->tmpl, &r->encap, s->next_hop_mac.addr_bytes,
					   c->egress_mac);
			r->max_inner = (uint16_t)(cfg->mtu > ovh ? cfg->mtu - ovh : 0);
			r->vip_id = (uint16_t)vid;
			r->incarnation = (uint16_t)SL_REAL_INC(ids[i].rids[j]);
			r->flags = (uint8_t)((view->be[i][j].live ? SL_REAL_LIVE : 0) |
					     (view->be[i][j].take_new ? SL_REAL_NEW : 0));
		}
		rc = build_vip(c, s, cfg, v, vid, ids[i].rids, &view->vip[i], view->be[i]);
		if (rc < 0)
			goto fail;
		rc = rte_hash_add_key_data(s->vip_hash, &s->vips[vid].key, (void *)(uintptr_t)vid);
		if (rc < 0)
			goto fail;
		mark = s->vips[vid].key;
		mark.port = 0;
		mark.proto = 0;
		rc = rte_hash_add_key_data(s->vip_hash, &mark, (void *)(uintptr_t)SL_VIP_ADDR_MARK);
		if (rc < 0)
			goto fail;
		if (v->port == 0)
			s->has_any_port = 1;
	}

	for (uint32_t i = 0; i < cfg->nb_vips; i++)
		free(ids[i].rids);
	free(ids);
	default_view_free(&dv);
	*out = s;
	return 0;
fail:
	SL_LOG(ERR, "snapshot %" PRIu64 " not built: %s", gen, strerror(-rc));
	idmap_release_born(&c->vip_ids, seq);
	idmap_release_born(&c->real_ids, seq);
	if (ids != NULL)
		for (uint32_t i = 0; i < cfg->nb_vips; i++)
			free(ids[i].rids);
	free(ids);
	default_view_free(&dv);
	sl_snapshot_free(s);
	return rc;
}

void sl_ctrl_publish(struct sl_ctrl *c, struct sl_snapshot *s)
{
	struct sl_snapshot *old = c->snap;

	/* Release: a worker that acquire-loads the new pointer sees the
	 * snapshot's contents fully written. */
	__atomic_store_n(&c->snap, s, __ATOMIC_RELEASE);
	c->generation = s->generation;
	/* Ids the new snapshot does not use go back to the allocator only
	 * now, so an unpublished build never releases ids in use. */
	idmap_release_unseen(&c->vip_ids, s->build_seq);
	idmap_release_unseen(&c->real_ids, s->build_seq);
	/* Grace period: every registered worker has reported a quiescent state
	 * after the store, so none still holds `old`. */
	if (c->qsbr != NULL)
		rte_rcu_qsbr_synchronize(c->qsbr, RTE_QSBR_THRID_INVALID);
	sl_snapshot_free(old);
}

int sl_ctrl_apply(struct sl_ctrl *c, const struct sl_config *cfg)
{
	struct sl_snapshot *s = NULL;
	int rc = sl_snapshot_build(c, cfg, &s);

	if (rc < 0)
		return rc;
	sl_ctrl_publish(c, s);
	return 0;
}

uint32_t sl_ctrl_real_handle(const struct sl_ctrl *c, const struct sl_config_vip *v,
			     const struct sl_config_backend *b)
{
	struct sl_real_key rk;
	void *data;
	uint32_t id;

	memset(&rk, 0, sizeof(rk));
	vip_key_of(v, &rk.vip);
	memcpy(rk.addr, b->addr, 16);
	rk.family = b->family;
	if (rte_hash_lookup_data(c->real_ids.map, &rk, &data) < 0)
		return SL_REAL_NONE;
	id = (uint32_t)(uintptr_t)data;
	return SL_REAL_HANDLE(id, c->real_ids.inc[id]);
}

int sl_ctrl_vip_id(const struct sl_ctrl *c, const struct sl_config_vip *v)
{
	struct sl_vip_key k;
	void *data;

	vip_key_of(v, &k);
	if (rte_hash_lookup_data(c->vip_ids.map, &k, &data) < 0)
		return -1;
	return (int)(uintptr_t)data;
}
