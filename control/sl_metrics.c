/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Metrics copy, its publication and the monotonic-counter ledger
 * (sl_metrics.h).  Control thread, except sl_metrics_get / sl_metrics_put.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <rte_ethdev.h>

#include "sl_ctrl.h"
#include "sl_health.h"
#include "sl_metrics.h"
#include "sl_worker.h"

/* ---- publication ------------------------------------------------------- */

void sl_metrics_publish(struct sl_metrics_pub *p, struct sl_metrics *m)
{
	struct sl_metrics *old;

	pthread_mutex_lock(&p->lock);
	old = p->cur;
	p->cur = m;
	pthread_mutex_unlock(&p->lock);
	sl_metrics_put(old);
}

struct sl_metrics *sl_metrics_get(struct sl_metrics_pub *p)
{
	struct sl_metrics *m;

	pthread_mutex_lock(&p->lock);
	m = p->cur;
	/* Relaxed: the mutex orders this increment before the publisher's
	 * decrement of the reference it holds (done after unlocking). */
	if (m != NULL)
		__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
	pthread_mutex_unlock(&p->lock);
	return m;
}

void sl_metrics_put(struct sl_metrics *m)
{
	/* Acq_rel: every reader's last use of the copy happens before the
	 * free done by whoever drops the last reference. */
	if (m != NULL && __atomic_sub_fetch(&m->refs, 1, __ATOMIC_ACQ_REL) == 0)
		free(m);
}

/* ---- the ledger ---------------------------------------------------------- */

#define NONE UINT32_MAX

/* A label set: a VIP (bfamily 0) or one backend address of a VIP. */
struct lab_key {
	uint8_t vaddr[16];
	uint16_t vport;
	uint8_t vproto;
	uint8_t vfamily;
	uint8_t baddr[16];
	uint8_t bfamily;
	uint8_t pad[3];
};
_Static_assert(sizeof(struct lab_key) == 40, "label key has no implicit padding");

enum { C_PACKETS, C_BYTES, C_NEW_FLOWS, C_NONSYN, NB_C };
enum { H_CHECKS, H_FAILURES, H_TRANSITIONS, NB_H };

struct lab {
	struct lab_key k;
	uint32_t vip;	  /* backend: index of its VIP's label (bound labels only) */
	uint32_t src;	  /* real id / VIP id bound at the last sync, NONE */
	uint64_t retired; /* retirement sequence; 0 = in the configuration */
	uint64_t val[NB_C];
	int hc_target; /* health target at the last sync, -1 */
	uint64_t hc_last[NB_H], hc_val[NB_H];
};

struct sl_metrics_state {
	struct lab *labs;
	uint32_t nlabs, cap;
	uint32_t *idx; /* open addressing: label index + 1, 0 = empty */
	uint32_t idx_mask;
	uint64_t retire_seq;
	uint32_t nretired, retired_max;
	/* Raw counter values last attributed, per id. */
	uint64_t (*rbase)[3]; /* per real id: packets, bytes, new flows */
	uint32_t rcap;
	uint64_t vbase[SL_VIP_IDS][2]; /* per VIP id: new flows, non-SYN misses */
	/* Label of each VIP / backend of the configuration last bound. */
	uint64_t bound_seq;
	bool bound;
	uint32_t *vbind; /* [nb_vips] */
	uint32_t *bbind; /* [sum of nb_backends], by VIP */
	uint32_t nvbind, nbbind;
	/* Worker load: the previous sample's polls. */
	bool have_prev;
	uint64_t prev_polls[SL_MAX_WORKERS], prev_busy[SL_MAX_WORKERS];
	double load[SL_MAX_WORKERS];
};

struct sl_metrics_state *sl_metrics_state_create(void)
{
	struct sl_metrics_state *st = calloc(1, sizeof(*st));

	if (st != NULL)
		st->retired_max = SL_MAX_REALS + SL_MAX_VIPS;
	return st;
}

void sl_metrics_state_free(struct sl_metrics_state *st)
{
	if (st == NULL)
		return;
	free(st->labs);
	free(st->idx);
	free(st->rbase);
	free(st->vbind);
	free(st->bbind);
	free(st);
}

void sl_metrics_state_set_retired_max(struct sl_metrics_state *st, uint32_t n)
{
	st->retired_max = n;
}

uint32_t sl_metrics_state_labels(const struct sl_metrics_state *st)
{
	return st->nlabs;
}

static uint32_t key_hash(const struct lab_key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

/* Rebuild the index for `nlabs` labels (after growth or eviction). */
static int index_rebuild(struct sl_metrics_state *st, uint32_t want)
{
	uint32_t size = 16, *idx;

	while (size < 2 * want)
		size *= 2;
	idx = calloc(size, sizeof(*idx));
	if (idx == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < st->nlabs; i++) {
		uint32_t s = key_hash(&st->labs[i].k) & (size - 1);

		while (idx[s] != 0)
			s = (s + 1) & (size - 1);
		idx[s] = i + 1;
	}
	free(st->idx);
	st->idx = idx;
	st->idx_mask = size - 1;
	return 0;
}

static uint32_t lab_find(const struct sl_metrics_state *st, const struct lab_key *k)
{
	uint32_t s;

	if (st->idx == NULL)
		return NONE;
	for (s = key_hash(k) & st->idx_mask; st->idx[s] != 0; s = (s + 1) & st->idx_mask)
		if (memcmp(&st->labs[st->idx[s] - 1].k, k, sizeof(*k)) == 0)
			return st->idx[s] - 1;
	return NONE;
}

/* Find or add; NONE on allocation failure. */
static uint32_t lab_get(struct sl_metrics_state *st, const struct lab_key *k)
{
	uint32_t i = lab_find(st, k), s;

	if (i != NONE)
		return i;
	if (st->nlabs == st->cap) {
		uint32_t cap = st->cap ? 2 * st->cap : 64;
		struct lab *l = realloc(st->labs, (size_t)cap * sizeof(*l));

		if (l == NULL)
			return NONE;
		st->labs = l;
		st->cap = cap;
	}
	if (st->idx == NULL || 2 * (st->nlabs + 1) > st->idx_mask + 1)
		if (index_rebuild(st, st->nlabs + 1) < 0)
			return NONE;
	i = st->nlabs++;
	memset(&st->labs[i], 0, sizeof(st->labs[i]));
	st->labs[i].k = *k;
	st->labs[i].vip = NONE;
	st->labs[i].src = NONE;
	st->labs[i].hc_target = -1;
	for (s = key_hash(k) & st->idx_mask; st->idx[s] != 0; s = (s + 1) & st->idx_mask)
		;
	st->idx[s] = i + 1;
	return i;
}

static void vip_key(const struct sl_config_vip *v, struct lab_key *k)
{
	memset(k, 0, sizeof(*k));
	memcpy(k->vaddr, v->addr, 16);
	k->vport = v->port;
	k->vproto = v->proto;
	k->vfamily = v->family;
}

static bool rbase_fit(struct sl_metrics_state *st, uint32_t n)
{
	uint64_t(*b)[3];

	if (n <= st->rcap)
		return true;
	b = realloc(st->rbase, (size_t)n * sizeof(*b));
	if (b == NULL)
		return false;
	memset(b + st->rcap, 0, (size_t)(n - st->rcap) * sizeof(*b));
	st->rbase = b;
	st->rcap = n;
	return true;
}

/* Step 1: attribute every bound id's increase since the last sync to the
 * label that held it. */
static void attribute(struct sl_metrics_state *st, const struct sl_metrics_src *src)
{
	for (uint32_t i = 0; i < st->nlabs; i++) {
		struct lab *l = &st->labs[i];
		uint64_t raw[3] = {0, 0, 0};

		if (l->src == NONE)
			continue;
		if (l->k.bfamily == 0) {
			for (unsigned w = 0; w < src->nb_workers; w++) {
				const struct sl_worker_stats *s = src->workers[w]->stats;

				raw[0] += s->vip_new_flows[l->src];
				raw[1] += s->vip_nonsyn_miss[l->src];
			}
			for (unsigned c = 0; c < 2; c++) {
				if (raw[c] > st->vbase[l->src][c])
					l->val[C_NEW_FLOWS + c] += raw[c] - st->vbase[l->src][c];
				st->vbase[l->src][c] = raw[c];
			}
			continue;
		}
		for (unsigned w = 0; w < src->nb_workers; w++) {
			const struct sl_real_counters *rc = &src->workers[w]->stats->real[l->src];

			raw[0] += rc->packets;
			raw[1] += rc->bytes;
			raw[2] += rc->new_flows;
		}
		for (unsigned c = 0; c < 3; c++) {
			uint64_t d =
			    raw[c] > st->rbase[l->src][c] ? raw[c] - st->rbase[l->src][c] : 0;

			l->val[c] += d;
			/* A VIP's packets and bytes include its backends' all
			 * along, removed ones too. */
			if (c < 2 && l->vip != NONE)
				st->labs[l->vip].val[c] += d;
			st->rbase[l->src][c] = raw[c];
		}
	}
}

/* Health counters of bound backend labels: the increase of their target's
 * counters since the last sync; a changed or restarted target (its counters
 * below the last values) contributes all it has counted. */
static void attribute_health(struct sl_metrics_state *st, const struct sl_metrics_src *src)
{
	for (uint32_t i = 0; i < st->nbbind; i++) {
		struct lab *l = &st->labs[st->bbind[i]];
		const struct sl_hc_status *hs;
		uint64_t cur[NB_H];
		bool same;

		if (l->hc_target < 0 || src->health == NULL)
			continue;
		hs = sl_health_status(src->health, l->hc_target);
		if (hs == NULL)
			continue;
		cur[H_CHECKS] = hs->checks;
		cur[H_FAILURES] = hs->failures;
		cur[H_TRANSITIONS] = hs->transitions;
		same = true;
		for (unsigned c = 0; c < NB_H; c++)
			same = same && cur[c] >= l->hc_last[c];
		for (unsigned c = 0; c < NB_H; c++) {
			l->hc_val[c] += same ? cur[c] - l->hc_last[c] : cur[c];
			l->hc_last[c] = cur[c];
		}
	}
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Forget the longest-retired labels down to 7/8 of the limit, compact, and
 * rebuild the index and the bindings' indices. */
static int evict(struct sl_metrics_state *st)
{
	uint32_t keep = st->retired_max - st->retired_max / 8, drop, n = 0, *map;
	uint64_t cut = 0;

	if (st->nretired <= st->retired_max)
		return 0;
	drop = st->nretired - keep;
	/* The retirement sequence numbers are distinct: the drop-th smallest
	 * is the cut.  Eviction is rare (a limit's worth of removals), so a
	 * sort is fine. */
	{
		uint64_t *seq = malloc((size_t)st->nretired * sizeof(*seq));
		uint32_t k = 0;

		if (seq == NULL)
			return -ENOMEM;
		for (uint32_t i = 0; i < st->nlabs; i++)
			if (st->labs[i].retired)
				seq[k++] = st->labs[i].retired;
		qsort(seq, k, sizeof(*seq), cmp_u64);
		cut = seq[drop - 1];
		free(seq);
	}
	map = malloc((size_t)st->nlabs * sizeof(*map));
	if (map == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i < st->nlabs; i++) {
		if (st->labs[i].retired && st->labs[i].retired <= cut) {
			map[i] = NONE;
			continue;
		}
		map[i] = n;
		st->labs[n++] = st->labs[i];
	}
	st->nretired -= st->nlabs - n;
	st->nlabs = n;
	for (uint32_t i = 0; i < n; i++)
		if (st->labs[i].vip != NONE)
			st->labs[i].vip = map[st->labs[i].vip];
	for (uint32_t i = 0; i < st->nvbind; i++)
		st->vbind[i] = map[st->vbind[i]];
	for (uint32_t i = 0; i < st->nbbind; i++)
		st->bbind[i] = map[st->bbind[i]];
	free(map);
	return index_rebuild(st, n);
}

/* Step 2: bind the ids of the configuration to their labels; retire the
 * labels that left it. */
static int bind_ids(struct sl_metrics_state *st, const struct sl_metrics_src *src)
{
	const struct sl_config *cfg = src->cfg;
	const struct sl_snapshot *snap = src->ctrl->snap;
	uint32_t nb = 0, k = 0, *vb, *bb;
	uint8_t *seen;

	for (uint32_t i = 0; i < cfg->nb_vips; i++)
		nb += cfg->vips[i].nb_backends;
	vb = malloc((cfg->nb_vips ? cfg->nb_vips : 1) * sizeof(*vb));
	bb = malloc((nb ? nb : 1) * sizeof(*bb));
	if (vb == NULL || bb == NULL || !rbase_fit(st, src->ctrl->real_ids.next))
		goto nomem;
	/* Labels first (lab_get may move st->labs), bindings after. */
	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &cfg->vips[i];
		struct lab_key key;

		vip_key(v, &key);
		vb[i] = lab_get(st, &key);
		if (vb[i] == NONE)
			goto nomem;
		for (uint32_t j = 0; j < v->nb_backends; j++) {
			memcpy(key.baddr, v->backends[j].addr, 16);
			key.bfamily = v->backends[j].family;
			bb[k] = lab_get(st, &key);
			if (bb[k++] == NONE)
				goto nomem;
		}
	}
	seen = calloc(st->nlabs, 1);
	if (seen == NULL)
		goto nomem;
	k = 0;
	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &cfg->vips[i];
		struct lab *vl = &st->labs[vb[i]];
		int vid = sl_ctrl_vip_id(src->ctrl, v);

		seen[vb[i]] = 1;
		if (vl->retired) {
			vl->retired = 0;
			st->nretired--;
		}
		vl->src = vid >= 0 && snap != NULL && (uint32_t)vid < snap->nb_vip_slots
			      ? (uint32_t)vid
			      : NONE;
		for (uint32_t j = 0; j < v->nb_backends; j++, k++) {
			struct lab *l = &st->labs[bb[k]];
			uint32_t h = sl_ctrl_real_handle(src->ctrl, v, &v->backends[j]);
			int t;

			seen[bb[k]] = 1;
			if (l->retired) {
				l->retired = 0;
				st->nretired--;
			}
			l->vip = vb[i];
			l->src =
			    h != SL_REAL_NONE && SL_REAL_ID(h) < st->rcap ? SL_REAL_ID(h) : NONE;
			t = src->vips != NULL && src->vips[i].target != NULL
				? src->vips[i].target[j]
				: -1;
			/* Another target (changed check settings): all its
			 * checks count from the next sync on. */
			if (t != l->hc_target)
				memset(l->hc_last, 0, sizeof(l->hc_last));
			l->hc_target = t;
		}
	}
	for (uint32_t i = 0; i < st->nlabs; i++) {
		struct lab *l = &st->labs[i];

		if (seen[i] || l->retired)
			continue;
		l->src = NONE;
		l->vip = NONE;
		l->hc_target = -1;
		l->retired = ++st->retire_seq;
		st->nretired++;
	}
	free(seen);
	free(st->vbind);
	free(st->bbind);
	st->vbind = vb;
	st->bbind = bb;
	st->nvbind = cfg->nb_vips;
	st->nbbind = nb;
	st->bound = true;
	st->bound_seq = src->config_seq;
	if (evict(st) < 0)
		return -ENOMEM;
	return 0;
nomem:
	free(vb);
	free(bb);
	return -ENOMEM;
}

int sl_metrics_sync(struct sl_metrics_state *st, const struct sl_metrics_src *src)
{
	attribute(st, src);
	/* Health: before a rebinding changes the targets, so that the last
	 * checks of a backend that leaves still count for it. */
	attribute_health(st, src);
	if (st->bound && st->bound_seq == src->config_seq)
		return 0;
	return bind_ids(st, src);
}

/* ---- the copy ------------------------------------------------------------ */

static size_t align8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static uint64_t real_flows(const struct sl_metrics_src *src, uint32_t id)
{
	uint64_t n = 0;

	for (unsigned w = 0; w < src->nb_workers; w++)
		n += src->workers[w]->stats->real[id].flows;
	return n;
}

static void fill_backend(struct sl_metrics_backend *mb, const struct sl_metrics_state *st,
			 uint32_t label, const struct sl_metrics_src *src, uint32_t i, uint32_t j)
{
	const struct sl_config_backend *b = &src->cfg->vips[i].backends[j];
	const struct sl_metrics_vip_src *vs = src->vips != NULL ? &src->vips[i] : NULL;
	const struct lab *l = &st->labs[label];

	snprintf(mb->address, sizeof(mb->address), "%s", b->addr_str);
	mb->weight = b->weight;
	mb->pool = (uint8_t)b->pool;
	mb->admin = (uint8_t)b->state;
	mb->packets = l->val[C_PACKETS];
	mb->bytes = l->val[C_BYTES];
	mb->new_flows = l->val[C_NEW_FLOWS];
	mb->flows = l->src != NONE ? real_flows(src, l->src) : 0;
	if (vs != NULL && vs->verdict != NULL) {
		mb->state = (uint8_t)vs->verdict[j].state;
		mb->take_new = vs->verdict[j].take_new;
		mb->share = vs->verdict[j].share;
	} else {
		mb->state = SL_BE_UP;
		mb->take_new = b->state == SL_ADMIN_ENABLED && b->weight > 0;
		mb->share = mb->take_new ? SL_SHARE_FULL : 0;
	}
	mb->slots = vs != NULL && vs->slots != NULL ? vs->slots[j] : 0;
	mb->hc_checks = l->hc_val[H_CHECKS];
	mb->hc_failures = l->hc_val[H_FAILURES];
	mb->hc_transitions = l->hc_val[H_TRANSITIONS];
	if (l->hc_target >= 0 && src->health != NULL) {
		const struct sl_hc_status *hs = sl_health_status(src->health, l->hc_target);
		const struct sl_hc_spec *sp = sl_health_spec(src->health, l->hc_target);

		if (hs != NULL && sp != NULL) {
			mb->hc_checked = true;
			mb->hc_up = hs->up;
			mb->hc_done = hs->checked;
			mb->hc_kind = (uint8_t)sp->hc.kind;
			mb->hc_port = sp->hc.port;
			mb->hc_latency_us = hs->last_latency_us;
			mb->hc_age_ms = hs->last_ms && src->now_ms > hs->last_ms
					    ? src->now_ms - hs->last_ms
					    : 0;
			snprintf(mb->hc_result, sizeof(mb->hc_result), "%s", hs->last_result);
		}
	}
}

static void fill_worker(struct sl_metrics_worker *mw, const struct sl_worker *w,
			const struct sl_metrics_src *src, double load)
{
	const struct sl_worker_stats *s = w->stats;
	uint32_t n = src->ctrl->real_ids.next;

	mw->id = w->id;
	mw->lcore = w->lcore;
	mw->rx = s->rx;
	mw->tx = s->tx;
	mw->to_kernel = s->to_kernel;
	mw->from_kernel = s->from_kernel;
	mw->icmp_sent = s->icmp_sent;
	mw->icmp_steered = s->icmp_steered;
	mw->unreach_sent = s->unreach_sent;
	mw->unreach_limited = s->unreach_limited;
	mw->bl_overflow = s->bl_overflow;
	mw->tcp_nonsyn_miss = s->tcp_nonsyn_miss;
	for (unsigned v = 1; v < SL_V_MAX; v++)
		mw->drops[v] = s->drops[v];
	mw->polls = s->polls;
	mw->busy_polls = s->busy_polls;
	mw->busy_cycles = s->busy_cycles;
	mw->generation = s->generation;
	mw->load = load;
	mw->flow_capacity = sl_flow_table_capacity(w->ft);
	/* Occupied entries: every id that was ever handed out is below the
	 * allocator's `next`; summing their per-real counts reads 32 bytes
	 * per id instead of walking the table (docs/METRICS.md). */
	for (uint32_t id = 0; id < n; id++)
		mw->flow_entries += s->real[id].flows;
	mw->flow = *sl_flow_table_stats(w->ft);
}

static void fill_port(struct sl_metrics_port *mp, const struct sl_metrics_port_src *ps)
{
	struct rte_eth_stats es;

	snprintf(mp->name, sizeof(mp->name), "%s", ps->name);
	mp->port_id = ps->port_id;
	if (rte_eth_stats_get(ps->port_id, &es) != 0)
		return;
	mp->ok = true;
	mp->ipackets = es.ipackets;
	mp->opackets = es.opackets;
	mp->ibytes = es.ibytes;
	mp->obytes = es.obytes;
	mp->imissed = es.imissed;
	mp->ierrors = es.ierrors;
	mp->oerrors = es.oerrors;
	mp->rx_nombuf = es.rx_nombuf;
}

static void sample_load(struct sl_metrics_state *st, const struct sl_metrics_src *src)
{
	unsigned n = src->nb_workers < SL_MAX_WORKERS ? src->nb_workers : SL_MAX_WORKERS;

	for (unsigned w = 0; w < n; w++) {
		const struct sl_worker_stats *s = src->workers[w]->stats;
		uint64_t polls = s->polls, busy = s->busy_polls;

		if (st->have_prev && polls > st->prev_polls[w])
			st->load[w] =
			    (double)(busy - st->prev_busy[w]) / (double)(polls - st->prev_polls[w]);
		else if (st->have_prev)
			st->load[w] = 0; /* no poll in the interval: stalled or stopped */
		st->prev_polls[w] = polls;
		st->prev_busy[w] = busy;
	}
	st->have_prev = true;
}

struct sl_metrics *sl_metrics_build(struct sl_metrics_state *st, const struct sl_metrics_src *src,
				    bool sample)
{
	const struct sl_config *cfg = src->cfg;
	const struct sl_snapshot *snap = src->ctrl->snap;
	uint32_t nb = 0, k = 0;
	size_t off_v, off_b, off_w, off_p, size;
	struct sl_metrics *m;
	unsigned nw = src->nb_workers < SL_MAX_WORKERS ? src->nb_workers : SL_MAX_WORKERS;

	if (sl_metrics_sync(st, src) < 0)
		return NULL;
	if (sample)
		sample_load(st, src);
	for (uint32_t i = 0; i < cfg->nb_vips; i++)
		nb += cfg->vips[i].nb_backends;
	off_v = align8(sizeof(*m));
	off_b = off_v + align8((size_t)cfg->nb_vips * sizeof(struct sl_metrics_vip));
	off_w = off_b + align8((size_t)nb * sizeof(struct sl_metrics_backend));
	off_p = off_w + align8((size_t)nw * sizeof(struct sl_metrics_worker));
	size = off_p + (size_t)src->nb_ports * sizeof(struct sl_metrics_port);
	m = calloc(1, size);
	if (m == NULL)
		return NULL;
	m->refs = 1; /* the caller's */
	m->size = size;
	m->vips = (struct sl_metrics_vip *)((char *)m + off_v);
	m->backends = (struct sl_metrics_backend *)((char *)m + off_b);
	m->workers = (struct sl_metrics_worker *)((char *)m + off_w);
	m->ports = (struct sl_metrics_port *)((char *)m + off_p);
	m->nb_vips = cfg->nb_vips;
	m->nb_backends = nb;
	m->nb_workers = nw;
	m->nb_ports = src->nb_ports;
	m->built_ms = src->now_ms;
	m->built_unix_ms = src->unix_ms;
	m->uptime_ms = src->uptime_ms;
	m->generation = src->ctrl->generation;
	m->config_generation = src->config_generation;
	m->tsc_hz = src->tsc_hz;
	m->health_targets = src->health != NULL ? sl_health_count(src->health) : 0;

	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &cfg->vips[i];
		const struct sl_metrics_vip_src *vs = src->vips != NULL ? &src->vips[i] : NULL;
		struct sl_metrics_vip *mv = &m->vips[i];
		const struct lab *vl = &st->labs[st->vbind[i]];
		int vid = sl_ctrl_vip_id(src->ctrl, v);

		sl_config_vip_ref(v, mv->name, sizeof(mv->name));
		mv->first_backend = k;
		mv->nb_backends = v->nb_backends;
		mv->packets = vl->val[C_PACKETS];
		mv->bytes = vl->val[C_BYTES];
		mv->new_flows = vl->val[C_NEW_FLOWS];
		mv->tcp_nonsyn_miss = vl->val[C_NONSYN];
		mv->table_size = snap != NULL && vid >= 0 && (uint32_t)vid < snap->nb_vip_slots &&
					 snap->vips[vid].present
				     ? snap->vips[vid].table_size
				     : v->table_size;
		if (vs != NULL && vs->vr != NULL) {
			mv->serving_pool = (uint8_t)vs->vr->serving;
			mv->panic = vs->vr->panic;
			mv->empty = vs->vr->empty;
			memcpy(mv->capacity_pct, vs->vr->capacity_pct, sizeof(mv->capacity_pct));
		}
		if (vs != NULL) {
			mv->has_fingerprint = vs->has_fingerprint;
			mv->fingerprint = vs->fingerprint;
			mv->config_fingerprint = vs->config_fingerprint;
		}
		for (uint32_t j = 0; j < v->nb_backends; j++, k++) {
			struct sl_metrics_backend *mb = &m->backends[k];

			fill_backend(mb, st, st->bbind[k], src, i, j);
			mv->flows += mb->flows;
			mv->usable += mb->take_new;
		}
	}
	for (unsigned w = 0; w < nw; w++)
		fill_worker(&m->workers[w], src->workers[w], src, st->load[w]);
	for (unsigned p = 0; p < src->nb_ports; p++)
		fill_port(&m->ports[p], &src->ports[p]);
	return m;
}

const struct sl_metrics_vip *sl_metrics_find_vip(const struct sl_metrics *m, const char *ref)
{
	for (uint32_t i = 0; i < m->nb_vips; i++)
		if (strcmp(m->vips[i].name, ref) == 0)
			return &m->vips[i];
	return NULL;
}

void sl_metrics_totals(const struct sl_metrics *m, struct sl_metrics_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (uint32_t w = 0; w < m->nb_workers; w++) {
		const struct sl_metrics_worker *mw = &m->workers[w];

		t->rx += mw->rx;
		t->tx += mw->tx;
		for (unsigned v = 1; v < SL_V_MAX; v++) {
			t->drops[v] += mw->drops[v];
			t->drops_total += mw->drops[v];
		}
		t->tcp_nonsyn_miss += mw->tcp_nonsyn_miss;
		t->flows += mw->flow_entries;
		t->flow_capacity += mw->flow_capacity;
		t->flow.hits += mw->flow.hits;
		t->flow.misses += mw->flow.misses;
		t->flow.inserts += mw->flow.inserts;
		t->flow.evictions += mw->flow.evictions;
		t->flow.expired += mw->flow.expired;
	}
}

const char *sl_metrics_health_name(const struct sl_metrics_backend *b)
{
	if (!b->hc_checked)
		return "unchecked";
	return b->hc_up ? "up" : "down";
}
