/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The control plane's internal API (sl_api.h): the running configuration,
 * the health / admin view of every backend, generations, previews, guards and
 * the state file.  Control thread only.
 */
#include <errno.h>
#include <arpa/inet.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_log.h>
#include <rte_malloc.h>
#include <rte_memzone.h>
#include <rte_mempool.h>

#include <rte_ethdev.h>

#include "sl_alert.h"
#include "sl_anomaly.h"
#include "sl_api.h"
#include "sl_health.h"
#include "sl_lbstate.h"
#include "sl_maglev.h"
#include "sl_worker.h"

#define SL_LOG(level, fmt, ...) RTE_LOG(level, USER1, "sluice: " fmt "\n", ##__VA_ARGS__)

/* Health and admin view of one VIP of the running configuration (same
 * index as cfg->vips). */
struct vip_state {
	struct sl_vip_runtime vr;
	struct sl_be_runtime *rt;      /* per backend */
	int *target;		       /* health target per backend, -1 = not checked */
	struct sl_be_verdict *verdict; /* as last published */
	uint32_t nb;
};

/* One applied change. */
struct gen_rec {
	uint64_t generation;
	int64_t time; /* seconds since the epoch */
	uint32_t uid;
	char origin[16];
	char summary[256];
	char guard[160]; /* "", "watching for ...", "kept", "rolled back: ...", "ended: ..." */
	struct sl_config *cfg;
};

struct guard {
	bool active;
	uint64_t generation; /* guarded */
	uint64_t previous;   /* rolled back to */
	uint64_t until_ms;
	uint64_t start_ms;
	uint32_t down_at_start;
	uint64_t drops_at_start;
	double base_drop_rate; /* per second, before the change */
};

/* Counter sample for rates. */
struct sample {
	uint64_t ms;
	uint64_t drops;
	uint64_t *pkts, *bytes, *newf; /* per real id */
};

struct sl_api {
	struct sl_api_conf conf;
	struct sl_ctrl *ctrl;
	struct sl_config *cfg;	/* running */
	struct sl_config *base; /* the file as last loaded (three-way merge) */
	struct vip_state *vs;	/* [cfg->nb_vips] */
	struct sl_health *health;
	char state_path[512];
	uint64_t start_ms;
	uint64_t next_change_ms; /* lbstate's next self-change */
	bool dirty;		 /* health changed: recompute the view */
	bool unpublished;	 /* vs[] holds verdicts whose snapshot build failed */
	uint64_t base_hash;	 /* of the daemon's file text as last loaded */
	struct gen_rec *hist;	 /* ring of cfg->history entries */
	uint32_t hist_cap, hist_len, hist_head;
	struct guard guard;
	struct sample samp[2]; /* [0] latest, [1] the one before */
	uint64_t next_sample_ms;
	/* Metrics: the ledger, the configuration sequence it binds on, the
	 * per-VIP table facts of generation tbl_gen (recomputed when another
	 * snapshot is published), and the last two periodic copies (rates of
	 * ports and workers). */
	struct sl_metrics_state *mstate;
	uint64_t cfg_seq;
	struct sl_metrics_vip_src *tbl; /* [tbl_n]; slots owned */
	uint32_t tbl_n;
	uint64_t tbl_gen;
	struct sl_metrics_vip_src *mvs; /* [mvs_n]: per VIP view handed to a build */
	uint32_t mvs_n;
	struct sl_metrics *mlast, *mprev;
	/* Anomaly detection (once per sample) and where its alerts go */
	struct sl_anom *anom;
	struct sl_alert_sink *sink;
	uint64_t share_gen; /* snapshot generation `share` was computed for (0: none) */
	double **share;	    /* [share_nb][backend]: expected share of the VIP's new flows */
	uint32_t share_nb;
	uint32_t *slot_cnt; /* scratch: table slots per real id (SL_REAL_IDS) */
	bool alerts_nomem;  /* a sample could not be built: said once */
};

/* ------------------------------------------------------------------ */
/* Clocks */

static uint64_t now_ms(const struct sl_api *api)
{
	struct timespec ts;

	if (api->conf.clock_ms != NULL)
		return api->conf.clock_ms(api->conf.clock_arg);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000 + 1;
}

static int64_t wall_s(const struct sl_api *api)
{
	return api->conf.wall_clock != NULL ? api->conf.wall_clock(api->conf.clock_arg)
					    : (int64_t)time(NULL);
}

static void msg(struct sl_api_out *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void msg(struct sl_api_out *out, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(out->msg, sizeof(out->msg), fmt, ap);
	va_end(ap);
}

/* Metrics (defined with the sample code below). */
static void metrics_sync(struct sl_api *api);
static void tbl_clear(struct sl_api *api);

/* ------------------------------------------------------------------ */
/* Counters (plain loads of single-writer worker counters: slightly stale
 * values are fine for summaries and decisions made over seconds) */

static uint64_t real_flows(const struct sl_api *api, uint32_t h)
{
	uint64_t n = 0;

	if (h == SL_REAL_NONE)
		return 0;
	for (unsigned w = 0; w < api->conf.nb_workers; w++)
		n += api->conf.workers[w]->stats->real[SL_REAL_ID(h)].flows;
	return n;
}

static uint64_t total_drops(const struct sl_api *api)
{
	uint64_t n = 0;

	for (unsigned w = 0; w < api->conf.nb_workers; w++)
		for (unsigned r = 0; r < SL_V_MAX; r++)
			if (r != SL_V_OK && r != SL_V_NO_VIP)
				n += api->conf.workers[w]->stats->drops[r];
	return n;
}

/* ------------------------------------------------------------------ */
/* Health / admin view */

static bool hc_spec_of(const struct sl_config_vip *v, const struct sl_config_backend *b,
		       struct sl_hc_spec *sp)
{
	if (v->health.kind == SL_HC_NONE)
		return false;
	memset(sp, 0, sizeof(*sp));
	sp->family = b->family;
	memcpy(sp->addr, b->addr, 16);
	sp->hc = v->health;
	if (sp->hc.port == 0)
		sp->hc.port = v->port;
	return true;
}

static void vip_state_clear(struct sl_api *api, struct vip_state *vs, uint32_t nb, bool unref)
{
	if (vs == NULL)
		return;
	for (uint32_t i = 0; i < nb; i++) {
		if (unref && vs[i].target != NULL)
			for (uint32_t j = 0; j < vs[i].nb; j++)
				if (vs[i].target[j] >= 0)
					sl_health_unref(api->health, vs[i].target[j]);
		free(vs[i].rt);
		free(vs[i].target);
		free(vs[i].verdict);
	}
	free(vs);
}

/* The view for `cfg`, carrying each backend's state over from the running
 * view where the same (VIP, backend) exists, and taking a health reference
 * per checked backend.  NULL on allocation failure or -errno in *rc. */
static struct vip_state *vip_state_for(struct sl_api *api, const struct sl_config *cfg, int *rc)
{
	struct vip_state *vs = calloc(cfg->nb_vips ? cfg->nb_vips : 1, sizeof(*vs));

	*rc = -ENOMEM;
	if (vs == NULL)
		return NULL;
	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &cfg->vips[i];
		uint32_t n = v->nb_backends ? v->nb_backends : 1;
		int oi = api->cfg != NULL && api->vs != NULL
			     ? sl_config_find_vip(api->cfg, v->family, v->addr, v->port, v->proto)
			     : -1;

		vs[i].rt = calloc(n, sizeof(*vs[i].rt));
		vs[i].target = malloc(n * sizeof(*vs[i].target));
		vs[i].verdict = calloc(n, sizeof(*vs[i].verdict));
		if (vs[i].rt == NULL || vs[i].target == NULL || vs[i].verdict == NULL)
			goto fail; /* nb is still 0: no reference to drop here */
		for (uint32_t j = 0; j < n; j++)
			vs[i].target[j] = -1;
		vs[i].nb = v->nb_backends;
		if (oi >= 0)
			vs[i].vr = api->vs[oi].vr;
		for (uint32_t j = 0; j < v->nb_backends; j++) {
			const struct sl_config_backend *b = &v->backends[j];
			struct sl_hc_spec sp;
			int oj = oi >= 0 ? sl_config_find_backend(&api->cfg->vips[oi], b->family,
								  b->addr)
					 : -1;

			if (oj >= 0) {
				vs[i].rt[j] = api->vs[oi].rt[oj];
				vs[i].verdict[j] = api->vs[oi].verdict[oj];
			} else {
				/* Not usable "since start": a backend added
				 * at run time does slow start once usable. */
				vs[i].rt[j].usable_since_ms = 0;
			}
			if (hc_spec_of(v, b, &sp)) {
				int ot = oj >= 0 ? api->vs[oi].target[oj] : -1;
				/* The same backend under changed check settings
				 * keeps its verdict until the new checks say
				 * otherwise (a new target would start down). */
				int t = ot >= 0
					    ? sl_health_ref_seeded(api->health, &sp,
								   sl_health_up(api->health, ot))
					    : sl_health_ref(api->health, &sp);

				if (t < 0) {
					*rc = t;
					vs[i].nb = j;
					goto fail;
				}
				vs[i].target[j] = t;
			}
		}
	}
	*rc = 0;
	return vs;
fail:
	vip_state_clear(api, vs, cfg->nb_vips, true);
	return NULL;
}

/* Decide every backend's verdict for `cfg` at `now`.  With assume_up, a
 * checked backend whose target has not finished a check yet counts as
 * healthy (previews: "once it passes its first check").  Returns the next
 * self-change time. */
static uint64_t decide_all(struct sl_api *api, const struct sl_config *cfg, struct vip_state *vs,
			   uint64_t now, bool assume_up)
{
	uint64_t next = UINT64_MAX;

	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &cfg->vips[i];

		for (uint32_t j = 0; j < v->nb_backends; j++) {
			int t = vs[i].target[j];

			if (t < 0) {
				vs[i].rt[j].health_up = true;
			} else {
				const struct sl_hc_status *st = sl_health_status(api->health, t);

				vs[i].rt[j].health_up =
				    sl_health_up(api->health, t) || (assume_up && !st->checked);
			}
			vs[i].rt[j].flows =
			    real_flows(api, sl_ctrl_real_handle(api->ctrl, v, &v->backends[j]));
		}
		next = RTE_MIN(next, sl_lbstate_decide(v, vs[i].rt, &vs[i].vr, now, vs[i].verdict));
	}
	return next;
}

static int build_for(struct sl_api *api, const struct sl_config *cfg, struct vip_state *vs,
		     struct sl_snapshot **snap)
{
	struct sl_vip_runtime *vr = calloc(cfg->nb_vips ? cfg->nb_vips : 1, sizeof(*vr));
	const struct sl_be_verdict **be = calloc(cfg->nb_vips ? cfg->nb_vips : 1, sizeof(*be));
	struct sl_build_view view;
	int rc = -ENOMEM;

	if (vr != NULL && be != NULL) {
		for (uint32_t i = 0; i < cfg->nb_vips; i++) {
			vr[i] = vs[i].vr;
			be[i] = vs[i].verdict;
		}
		view.vip = vr;
		view.be = be;
		rc = sl_snapshot_build_view(api->ctrl, cfg, &view, snap);
	}
	free(vr);
	free(be);
	return rc;
}

static void log_transitions(const struct sl_config *cfg, const struct vip_state *vs,
			    const struct sl_be_verdict *const *old,
			    const struct sl_vip_runtime *old_vr)
{
	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &cfg->vips[i];
		char ref[80];

		sl_config_vip_ref(v, ref, sizeof(ref));
		for (uint32_t j = 0; j < v->nb_backends; j++)
			if (old[i][j].state != vs[i].verdict[j].state)
				SL_LOG(NOTICE, "vip %s backend %s: %s -> %s", ref,
				       v->backends[j].addr_str, sl_be_state_name(old[i][j].state),
				       sl_be_state_name(vs[i].verdict[j].state));
		if (old_vr[i].serving != vs[i].vr.serving)
			SL_LOG(WARNING, "vip %s: new flows now go to the %s pool", ref,
			       sl_pool_name(vs[i].vr.serving));
		if (old_vr[i].panic != vs[i].vr.panic)
			SL_LOG(WARNING, "vip %s: panic %s (%s pool below panic_threshold; mode %s)",
			       ref, vs[i].vr.panic ? "on" : "off", sl_pool_name(vs[i].vr.serving),
			       v->panic_mode == SL_PANIC_OPEN ? "open" : "closed");
	}
}

/* Re-decide the running view; publish a new snapshot when any verdict
 * changed.  Called on health changes and at lbstate's next change time. */
static int refresh(struct sl_api *api)
{
	const struct sl_config *cfg = api->cfg;
	struct sl_be_verdict **old = calloc(cfg->nb_vips ? cfg->nb_vips : 1, sizeof(*old));
	struct sl_vip_runtime *old_vr = calloc(cfg->nb_vips ? cfg->nb_vips : 1, sizeof(*old_vr));
	struct sl_snapshot *snap;
	bool changed = false;
	int rc = -ENOMEM;

	if (old == NULL || old_vr == NULL)
		goto out;
	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		uint32_t n = api->vs[i].nb ? api->vs[i].nb : 1;

		old[i] = malloc(n * sizeof(**old));
		if (old[i] == NULL)
			goto out;
		memcpy(old[i], api->vs[i].verdict, api->vs[i].nb * sizeof(**old));
		old_vr[i] = api->vs[i].vr;
	}
	api->next_change_ms = decide_all(api, cfg, api->vs, now_ms(api), false);
	for (uint32_t i = 0; i < cfg->nb_vips && !changed; i++) {
		if (old_vr[i].serving != api->vs[i].vr.serving ||
		    old_vr[i].empty != api->vs[i].vr.empty)
			changed = true;
		for (uint32_t j = 0; j < api->vs[i].nb && !changed; j++) {
			const struct sl_be_verdict *a = &old[i][j], *b = &api->vs[i].verdict[j];

			changed = a->take_new != b->take_new || a->live != b->live ||
				  a->share != b->share;
		}
	}
	log_transitions(cfg, api->vs, (const struct sl_be_verdict *const *)old, old_vr);
	rc = 0;
	/* A view decided earlier but not published (its build failed) is
	 * published now even if nothing changed since. */
	if (changed || api->unpublished) {
		rc = build_for(api, cfg, api->vs, &snap);
		api->unpublished = rc < 0;
		if (rc == 0)
			sl_ctrl_publish(api->ctrl, snap);
		else
			SL_LOG(ERR,
			       "health change not applied (snapshot build failed: %s); "
			       "will retry",
			       strerror(-rc));
	}
out:
	if (old != NULL)
		for (uint32_t i = 0; i < cfg->nb_vips; i++)
			free(old[i]);
	free(old);
	free(old_vr);
	if (rc < 0)
		api->dirty = true;
	return rc;
}

static void on_health_change(void *arg, int target, bool up)
{
	struct sl_api *api = arg;
	const struct sl_hc_spec *sp = sl_health_spec(api->health, target);
	const struct sl_hc_status *st = sl_health_status(api->health, target);
	char addr[64] = "?";

	if (sp != NULL)
		inet_ntop(sp->family == SL_AF_INET ? AF_INET : AF_INET6, sp->addr, addr,
			  sizeof(addr));
	SL_LOG(NOTICE, "health %s port %u (%s): %s (%s)", addr, sp ? sp->hc.port : 0,
	       sp ? sl_hc_kind_name(sp->hc.kind) : "?", up ? "up" : "down",
	       st ? st->last_result : "");
	api->dirty = true;
}

/* ------------------------------------------------------------------ */
/* Preview: what a candidate snapshot changes against the running one */

static bool live_in(const struct sl_snapshot *s, uint32_t h)
{
	uint32_t id = SL_REAL_ID(h);

	return h != SL_REAL_NONE && s != NULL && id < s->nb_real_slots &&
	       s->reals[id].incarnation == SL_REAL_INC(h) && (s->reals[id].flags & SL_REAL_LIVE);
}

static const struct sl_vip *vip_in(const struct sl_snapshot *s, int vid)
{
	if (s == NULL || vid < 0 || (uint32_t)vid >= s->nb_vip_slots || !s->vips[vid].present)
		return NULL;
	return &s->vips[vid];
}

/* Slots per backend of `t` (m entries) for the backends of v, by handle;
 * cnt is a zeroed scratch array indexed by real id, left zeroed. */
static void count_slots(const struct sl_vip *t, uint32_t *cnt)
{
	if (t == NULL)
		return;
	for (uint32_t j = 0; j < t->table_size; j++)
		if (t->table[j] != SL_REAL_NONE)
			cnt[SL_REAL_ID(t->table[j])]++;
}

static void uncount_slots(const struct sl_vip *t, uint32_t *cnt)
{
	if (t == NULL)
		return;
	for (uint32_t j = 0; j < t->table_size; j++)
		if (t->table[j] != SL_REAL_NONE)
			cnt[SL_REAL_ID(t->table[j])] = 0;
}

static double pct(uint64_t a, uint64_t b)
{
	return b ? 100.0 * (double)a / (double)b : 0.0;
}

/* Backends of one VIP in the preview, old and new merged by address. */
static json_t *preview_backends(struct sl_api *api, const struct sl_config_vip *ov,
				const struct sl_config_vip *nv, const struct sl_vip *ot,
				const struct sl_vip *nt, const uint32_t *co, const uint32_t *cn)
{
	json_t *arr = json_array();

	for (int pass = 0; pass < 2; pass++) {
		const struct sl_config_vip *v = pass == 0 ? nv : ov;

		if (v == NULL)
			continue;
		for (uint32_t j = 0; j < v->nb_backends; j++) {
			const struct sl_config_backend *b = &v->backends[j];
			uint32_t h = sl_ctrl_real_handle(api->ctrl, v, b);
			uint32_t before = 0, after = 0;

			/* Backends in both appear once (from the new side). */
			if (pass == 1 && nv != NULL &&
			    sl_config_find_backend(nv, b->family, b->addr) >= 0)
				continue;
			if (h != SL_REAL_NONE) {
				if (ot != NULL && pass == 1)
					before = co[SL_REAL_ID(h)];
				if (pass == 0) {
					int oj = ov ? sl_config_find_backend(ov, b->family, b->addr)
						    : -1;

					if (oj >= 0 && ot != NULL)
						before = co[SL_REAL_ID(h)];
					if (nt != NULL)
						after = cn[SL_REAL_ID(h)];
				}
			}
			json_array_append_new(
			    arr,
			    json_pack("{s:s,s:s,s:f,s:f}", "address", b->addr_str, "pool",
				      sl_pool_name(b->pool), "share_before_pct",
				      ot ? pct(before, ot->table_size) : 0.0, "share_after_pct",
				      nt ? pct(after, nt->table_size) : 0.0));
		}
	}
	return arr;
}

/* Same VIP settings and backends (positions ignored)? */
static bool vip_same(const struct sl_config_vip *a, const struct sl_config_vip *b)
{
	if (a->nb_backends != b->nb_backends || a->encap != b->encap ||
	    a->gue_port != b->gue_port || a->table_size != b->table_size ||
	    memcmp(&a->health, &b->health, sizeof(a->health)) != 0 ||
	    a->slow_start_ms != b->slow_start_ms || a->drain_timeout_ms != b->drain_timeout_ms ||
	    a->backup_threshold_pct != b->backup_threshold_pct ||
	    a->backup_hysteresis_pct != b->backup_hysteresis_pct ||
	    a->panic_threshold_pct != b->panic_threshold_pct || a->panic_mode != b->panic_mode ||
	    a->bounded_load_pct != b->bounded_load_pct ||
	    a->bounded_load_window_ms != b->bounded_load_window_ms ||
	    a->when_empty != b->when_empty)
		return false;
	for (uint32_t j = 0; j < a->nb_backends; j++) {
		const struct sl_config_backend *x = &a->backends[j], *y = &b->backends[j];

		if (x->family != y->family || memcmp(x->addr, y->addr, 16) != 0 ||
		    x->weight != y->weight || x->state != y->state || x->pool != y->pool)
			return false;
	}
	return true;
}

static json_t *preview(struct sl_api *api, const struct sl_config *ocfg,
		       const struct sl_snapshot *os, const struct sl_config *ncfg,
		       const struct sl_snapshot *ns)
{
	uint32_t *co = calloc(SL_REAL_IDS, sizeof(uint32_t));
	uint32_t *cn = calloc(SL_REAL_IDS, sizeof(uint32_t));
	json_t *vips = json_array();
	uint64_t flows_total = 0;

	if (co == NULL || cn == NULL) {
		free(co);
		free(cn);
		json_decref(vips);
		return NULL;
	}
	for (int pass = 0; pass < 2; pass++) {
		const struct sl_config *cfg = pass == 0 ? ncfg : ocfg;

		for (uint32_t i = 0; i < cfg->nb_vips; i++) {
			const struct sl_config_vip *v = &cfg->vips[i];
			int oi = sl_config_find_vip(ocfg, v->family, v->addr, v->port, v->proto);
			int ni = sl_config_find_vip(ncfg, v->family, v->addr, v->port, v->proto);
			const struct sl_config_vip *ov = oi >= 0 ? &ocfg->vips[oi] : NULL;
			const struct sl_config_vip *nv = ni >= 0 ? &ncfg->vips[ni] : NULL;
			int vid = sl_ctrl_vip_id(api->ctrl, v);
			const struct sl_vip *ot = ov ? vip_in(os, vid) : NULL;
			const struct sl_vip *nt = nv ? vip_in(ns, vid) : NULL;
			uint64_t moved = 0, flows = 0;
			const char *change;
			char ref[80];

			if (pass == 1 && nv != NULL)
				continue; /* done in pass 0 */
			if (ot != NULL && nt != NULL && ot->table_size == nt->table_size) {
				for (uint32_t j = 0; j < nt->table_size; j++)
					moved += ot->table[j] != nt->table[j];
			} else if (ot != NULL) {
				moved = ot->table_size;
			}
			change = ov == NULL			    ? "added"
				 : nv == NULL			    ? "removed"
				 : (moved > 0 || !vip_same(ov, nv)) ? "changed"
								    : "unchanged";
			/* Flows whose backend stops being live move. */
			for (uint32_t j = 0; ov != NULL && j < ov->nb_backends; j++) {
				uint32_t h = sl_ctrl_real_handle(api->ctrl, ov, &ov->backends[j]);

				if (live_in(os, h) && !(nt != NULL && live_in(ns, h)))
					flows += real_flows(api, h);
			}
			flows_total += flows;
			count_slots(ot, co);
			count_slots(nt, cn);
			sl_config_vip_ref(v, ref, sizeof(ref));
			json_array_append_new(
			    vips, json_pack("{s:s,s:s,s:I,s:I,s:f,s:I,s:o}", "vip", ref, "change",
					    change, "slots_moved", (json_int_t)moved, "table_size",
					    (json_int_t)(nt   ? nt->table_size
							 : ot ? ot->table_size
							      : 0),
					    "moved_pct",
					    /* moved counts slots of the old table */
					    pct(moved, ot   ? ot->table_size
						       : nt ? nt->table_size
							    : 0),
					    "flows_moving", (json_int_t)flows, "backends",
					    preview_backends(api, ov, nv, ot, nt, co, cn)));
			uncount_slots(ot, co);
			uncount_slots(nt, cn);
		}
	}
	free(co);
	free(cn);
	return json_pack("{s:o,s:I}", "vips", vips, "flows_moving", (json_int_t)flows_total);
}

/* ------------------------------------------------------------------ */
/* Validation, history, state file */

/* Validate a configuration made in memory exactly as a file is validated:
 * write it in the file's syntax and parse that.  Returns the parsed copy
 * (what gets applied) or NULL with the problems, one per line, in out->msg. */
static struct sl_config *validate(const struct sl_config *cfg, const char *what,
				  struct sl_api_out *out)
{
	char *diag_text = NULL;
	size_t diag_len = 0;
	struct sl_config *parsed = NULL;
	struct sl_diag d = {0};
	int rc;

	d.out = open_memstream(&diag_text, &diag_len);
	d.file = what;
	if (d.out == NULL) {
		msg(out, "out of memory");
		return NULL;
	}
	rc = sl_config_validate(cfg, what, &d, &parsed);
	fclose(d.out);
	if (rc < 0) {
		/* The positions refer to generated text: keep the messages,
		 * which name the key by its path. */
		char *p = diag_text, *o = out->msg, *end = out->msg + sizeof(out->msg) - 1;

		while (p != NULL && *p != '\0' && o < end) {
			char *nl = strchr(p, '\n');
			char *m = strstr(p, "error: ");

			if (m != NULL && (nl == NULL || m < nl)) {
				size_t len = (size_t)((nl ? nl : p + strlen(p)) - (m + 7));

				if (o != out->msg && o < end)
					*o++ = '\n';
				len = RTE_MIN(len, (size_t)(end - o));
				memcpy(o, m + 7, len);
				o += len;
			}
			p = nl ? nl + 1 : NULL;
		}
		*o = '\0';
		if (out->msg[0] == '\0')
			msg(out, "invalid configuration (%s)", strerror(-rc));
	}
	free(diag_text);
	return parsed;
}

static uint64_t fnv64(const char *p, size_t len)
{
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)p[i]) * 0x100000001b3ull;
	return h;
}

/* Whole file into a malloc'd NUL-terminated string. */
static char *read_file(const char *path, size_t *len_out)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t len = 0, cap = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - len < 4096) {
			char *nb = realloc(buf, cap + 65536);

			if (nb == NULL) {
				free(buf);
				fclose(f);
				errno = ENOMEM;
				return NULL;
			}
			buf = nb;
			cap += 65536;
		}
		size_t n = fread(buf + len, 1, cap - len - 1, f);

		len += n;
		if (n == 0)
			break;
	}
	fclose(f);
	buf[len] = '\0';
	if (len_out)
		*len_out = len;
	return buf;
}

/* Write the running configuration to the state file atomically: a
 * temporary file in the same directory, fsync, rename, fsync of the
 * directory.  A failure is logged; the change stays applied. */
static void write_state(struct sl_api *api)
{
	char tmp[600], header[1024], *yaml, *dir_copy;
	uint64_t base_hash;
	int fd, dfd;

	if (!api->conf.use_state_file || api->state_path[0] == '\0')
		return;
	/* The file as last loaded, not as it is now: an edit not yet loaded
	 * must make the next start prefer the file (read_state). */
	base_hash = api->base_hash;
	snprintf(header, sizeof(header),
		 "sluice state file: the running configuration, written by sluiced after\n"
		 "every change (do not edit; edit the configuration file instead).\n"
		 "generation: %" PRIu64 "\n"
		 "base: %s\n"
		 "base-hash: %016" PRIx64,
		 api->ctrl->generation, api->conf.config_path ? api->conf.config_path : "",
		 base_hash);
	yaml = sl_config_to_yaml(api->cfg, header);
	if (yaml == NULL) {
		SL_LOG(ERR, "state file %s not written: out of memory", api->state_path);
		return;
	}
	snprintf(tmp, sizeof(tmp), "%s.tmp", api->state_path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd >= 0) {
		size_t len = strlen(yaml);
		ssize_t w;

		errno = EIO; /* a short write sets no errno */
		w = write(fd, yaml, len);
		if (w == (ssize_t)len && fsync(fd) == 0) {
			int c = close(fd);

			fd = -1;
			if (c == 0 && rename(tmp, api->state_path) == 0)
				goto written;
		}
	}
	{
		SL_LOG(ERR,
		       "state file %s not written: %s (the change is applied, but a restart "
		       "would not keep it)",
		       api->state_path, strerror(errno));
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		free(yaml);
		return;
	}
written:
	free(yaml);
	dir_copy = strdup(api->state_path);
	if (dir_copy != NULL) {
		dfd = open(dirname(dir_copy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (dfd >= 0) {
			fsync(dfd);
			close(dfd);
		}
		free(dir_copy);
	}
}

/* The state file's configuration, if it was written from the current
 * contents of the configuration file; NULL otherwise (logged). */
struct sl_config *sl_api_read_state(const char *config_path, const char *state_path, bool quiet)
{
	size_t len = 0, clen = 0;
	char *text, *ctext, *p;
	struct sl_config *cfg = NULL;
	struct sl_diag d = {.out = stderr, .file = state_path};
	uint64_t want;

	text = read_file(state_path, &len);
	if (text == NULL)
		return NULL;
	ctext = read_file(config_path, &clen);
	p = strstr(text, "# base-hash: ");
	if (ctext == NULL || p == NULL || sscanf(p + 13, "%" SCNx64, &want) != 1 ||
	    want != fnv64(ctext, clen)) {
		if (!quiet)
			SL_LOG(WARNING,
			       "state file %s ignored: %s changed since it was written, so the "
			       "file wins; changes made with sluicectl since then are not restored",
			       state_path, config_path);
		goto out;
	}
	if (quiet)
		d.out = NULL;
	if (sl_config_parse(text, len, state_path, &d, &cfg) < 0) {
		if (!quiet)
			SL_LOG(ERR, "state file %s is invalid; using %s", state_path, config_path);
		cfg = NULL;
	} else if (!quiet) {
		SL_LOG(NOTICE, "restored the running configuration from %s", state_path);
	}
out:
	free(text);
	free(ctext);
	return cfg;
}

void sl_api_state_path(const char *config_path, const struct sl_config *cfg, char *buf, size_t len)
{
	if (cfg->state_file[0] != '\0')
		snprintf(buf, len, "%s", cfg->state_file);
	else
		snprintf(buf, len, "%s.state", config_path);
}

static struct gen_rec *hist_at(struct sl_api *api, uint32_t k)
{
	return &api->hist[(api->hist_head + k) % api->hist_cap];
}

static uint64_t last_config_gen(struct sl_api *api)
{
	return api->hist_len ? hist_at(api, api->hist_len - 1)->generation : api->ctrl->generation;
}

static struct gen_rec *hist_find(struct sl_api *api, uint64_t gen)
{
	for (uint32_t k = 0; k < api->hist_len; k++)
		if (hist_at(api, k)->generation == gen)
			return hist_at(api, k);
	return NULL;
}

static int hist_add(struct sl_api *api, const struct sl_api_opts *o, const char *summary)
{
	struct sl_config *copy = sl_config_dup(api->cfg);
	struct gen_rec *r;

	if (copy == NULL)
		return -ENOMEM;
	if (api->hist_len == api->hist_cap) {
		r = hist_at(api, 0);
		sl_config_free(r->cfg);
		api->hist_head = (api->hist_head + 1) % api->hist_cap;
		api->hist_len--;
	}
	r = hist_at(api, api->hist_len++);
	memset(r, 0, sizeof(*r));
	r->generation = api->ctrl->generation;
	r->time = wall_s(api);
	r->uid = o->uid;
	snprintf(r->origin, sizeof(r->origin), "%s", o->origin ? o->origin : "cli");
	snprintf(r->summary, sizeof(r->summary), "%s", summary);
	r->cfg = copy;
	return 0;
}

/* ------------------------------------------------------------------ */
/* Anomaly detection and alerts: the glue between the counters and the
 * pure detector (sl_anomaly.h), and its lines to the log and the hook
 * (sl_alert.h).  Once per counter sample (1 s). */

static void alert_log(void *arg, enum sl_alert_level level, const char *line)
{
	(void)arg;
	if (level == SL_ALERT_LOG_ERR)
		SL_LOG(ERR, "%s", line);
	else
		SL_LOG(WARNING, "%s", line);
}

struct alert_emit_ctx {
	struct sl_api *api;
	uint64_t now;
};

static void alert_emit(void *arg, const struct sl_alert_event *ev)
{
	const struct alert_emit_ctx *c = arg;

	sl_alert_sink_emit(c->api->sink, ev, c->now);
}

/* Milliseconds since the epoch: the alert lines' timestamps. */
static int64_t wall_ms(const struct sl_api *api)
{
	struct timespec ts;

	if (api->conf.wall_clock != NULL)
		return api->conf.wall_clock(api->conf.clock_arg) * 1000;
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void shares_free(struct sl_api *api)
{
	if (api->share != NULL)
		for (uint32_t i = 0; i < api->share_nb; i++)
			free(api->share[i]);
	free(api->share);
	api->share = NULL;
	api->share_nb = 0;
	api->share_gen = 0;
}

/* Each backend's share of its VIP's table in the published snapshot: the
 * share of new flows it should get, with weights, slow start, draining and
 * health already in the table.  Recomputed only when a new snapshot was
 * published (one pass over each VIP's table).  0 or -ENOMEM. */
static int shares_refresh(struct sl_api *api)
{
	const struct sl_config *cfg = api->cfg;

	if (api->share != NULL && api->share_gen == api->ctrl->generation)
		return 0;
	shares_free(api);
	api->share = calloc(cfg->nb_vips ? cfg->nb_vips : 1, sizeof(*api->share));
	if (api->share == NULL)
		return -ENOMEM;
	api->share_nb = cfg->nb_vips;
	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &cfg->vips[i];
		const struct sl_vip *t = vip_in(api->ctrl->snap, sl_ctrl_vip_id(api->ctrl, v));

		api->share[i] = calloc(v->nb_backends ? v->nb_backends : 1, sizeof(double));
		if (api->share[i] == NULL) {
			shares_free(api);
			return -ENOMEM;
		}
		if (t == NULL || t->table_size == 0)
			continue;
		count_slots(t, api->slot_cnt);
		for (uint32_t j = 0; j < v->nb_backends; j++) {
			uint32_t h = sl_ctrl_real_handle(api->ctrl, v, &v->backends[j]);

			if (h != SL_REAL_NONE)
				api->share[i][j] =
				    (double)api->slot_cnt[SL_REAL_ID(h)] / (double)t->table_size;
		}
		uncount_slots(t, api->slot_cnt);
	}
	api->share_gen = api->ctrl->generation;
	return 0;
}

/* New alerts settings (a change was applied): thresholds at once, baselines
 * kept, active alerts of detectors switched off resolved. */
static void alerts_configure(struct sl_api *api, uint64_t now)
{
	struct alert_emit_ctx ec = {api, now};

	sl_alert_sink_configure(api->sink, &api->cfg->alerts);
	sl_anom_set_config(api->anom, &api->cfg->alerts, now, wall_ms(api), alert_emit, &ec);
}

/* One sample of everything the detectors watch, from the counters read
 * with plain loads (single-writer worker counters; a second's staleness
 * does not matter), the health checker and the ports. */
static void alerts_tick(struct sl_api *api, uint64_t now)
{
	const struct sl_config *cfg = api->cfg;
	const struct sample *smp = &api->samp[0];
	struct alert_emit_ctx ec = {api, now};
	struct sl_anom_sample s;
	struct sl_anom_port ports[SL_MAX_PORTS];
	struct sl_anom_vip *vips = NULL;
	struct sl_anom_backend *bes = NULL;
	struct sl_anom_target *tgs = NULL;
	char(*refs)[SL_VIP_REF_MAX] = NULL, (*taddr)[INET6_ADDRSTRLEN] = NULL;
	uint8_t *tseen = NULL;
	uint32_t nbe = 0, ntg = 0, k = 0;
	int top = 0;

	memset(&s, 0, sizeof(s));
	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		nbe += cfg->vips[i].nb_backends;
		for (uint32_t j = 0; j < api->vs[i].nb; j++)
			top = RTE_MAX(top, api->vs[i].target[j] + 1);
	}
	vips = calloc(cfg->nb_vips ? cfg->nb_vips : 1, sizeof(*vips));
	refs = calloc(cfg->nb_vips ? cfg->nb_vips : 1, sizeof(*refs));
	bes = calloc(nbe ? nbe : 1, sizeof(*bes));
	tgs = calloc(top ? (size_t)top : 1, sizeof(*tgs));
	taddr = calloc(top ? (size_t)top : 1, sizeof(*taddr));
	tseen = calloc(top ? (size_t)top : 1, 1);
	if (vips == NULL || refs == NULL || bes == NULL || tgs == NULL || taddr == NULL ||
	    tseen == NULL || shares_refresh(api) < 0)
		goto nomem;
	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &cfg->vips[i];
		int vid = sl_ctrl_vip_id(api->ctrl, v);
		struct sl_anom_vip *av = &vips[i];

		sl_config_vip_ref(v, refs[i], sizeof(refs[i]));
		av->vip = refs[i];
		av->nb_backends = v->nb_backends;
		av->be = &bes[k];
		av->nb_be = v->nb_backends;
		for (unsigned w = 0; vid >= 0 && w < api->conf.nb_workers; w++)
			av->nonsyn += api->conf.workers[w]->stats->vip_nonsyn_miss[vid];
		for (uint32_t j = 0; j < v->nb_backends; j++, k++) {
			uint32_t h = sl_ctrl_real_handle(api->ctrl, v, &v->backends[j]);
			int t = api->vs[i].target[j];

			av->usable += api->vs[i].verdict[j].take_new;
			bes[k].address = v->backends[j].addr_str;
			bes[k].expected = i < api->share_nb ? api->share[i][j] : 0;
			if (h != SL_REAL_NONE && smp->newf != NULL)
				bes[k].new_flows = smp->newf[SL_REAL_ID(h)];
			/* One entry per health target, however many VIPs share it. */
			if (t >= 0 && !tseen[t]) {
				const struct sl_hc_status *st = sl_health_status(api->health, t);
				const struct sl_hc_spec *sp = sl_health_spec(api->health, t);
				struct sl_anom_target *at = &tgs[ntg++];

				tseen[t] = 1;
				inet_ntop(sp->family == SL_AF_INET ? AF_INET : AF_INET6, sp->addr,
					  taddr[t], sizeof(taddr[t]));
				at->address = taddr[t];
				at->check = sl_hc_kind_name(sp->hc.kind);
				at->port = sp->hc.port;
				at->transitions = st->transitions;
				at->successes = st->checks - st->failures;
				at->last_latency_us = st->last_latency_us;
			}
		}
	}
	for (unsigned p = 0; api->conf.port_ids != NULL && p < api->conf.nb_ports &&
			     p < cfg->nb_ports && p < SL_MAX_PORTS;
	     p++) {
		struct rte_eth_stats es;

		if (rte_eth_stats_get(api->conf.port_ids[p], &es) != 0)
			continue;
		ports[s.nb_ports].name = cfg->ports[p].name;
		ports[s.nb_ports].imissed = es.imissed;
		s.nb_ports++;
	}
	for (unsigned w = 0; w < api->conf.nb_workers; w++)
		for (unsigned r = 0; r < SL_V_MAX; r++)
			s.drops[r] += api->conf.workers[w]->stats->drops[r];
	s.now_ms = now;
	s.wall_ms = wall_ms(api);
	s.vips = vips;
	s.nb_vips = cfg->nb_vips;
	s.targets = tgs;
	s.nb_targets = ntg;
	s.ports = ports;
	if (sl_anom_tick(api->anom, &s, alert_emit, &ec) < 0)
		goto nomem;
	goto out;
nomem:
	if (!api->alerts_nomem)
		SL_LOG(WARNING, "anomaly detection: out of memory; some subjects not watched");
	api->alerts_nomem = true;
out:
	free(vips);
	free(refs);
	free(bes);
	free(tgs);
	free(taddr);
	free(tseen);
}

/* ------------------------------------------------------------------ */
/* Applying a change */

/* Backends down by a health check that actually ran (a backend added a
 * moment ago is down until its first check: not a sign of trouble). */
static uint32_t count_down(const struct sl_api *api)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < api->cfg->nb_vips; i++)
		for (uint32_t j = 0; j < api->vs[i].nb; j++) {
			int t = api->vs[i].target[j];

			n += api->vs[i].verdict[j].state == SL_BE_DOWN && t >= 0 &&
			     sl_health_status(api->health, t)->checked;
		}
	return n;
}

/* Copies of the state machine's memory (see commit). */
struct saved_runtime {
	struct sl_vip_runtime *vr;
	struct sl_be_runtime **rt;
};

static void saved_free(struct saved_runtime *s, uint32_t nb)
{
	if (s == NULL)
		return;
	if (s->rt != NULL)
		for (uint32_t i = 0; i < nb; i++)
			free(s->rt[i]);
	free(s->rt);
	free(s->vr);
	free(s);
}

static struct saved_runtime *save_runtime(const struct vip_state *vs, uint32_t nb)
{
	struct saved_runtime *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->vr = calloc(nb ? nb : 1, sizeof(*s->vr));
	s->rt = calloc(nb ? nb : 1, sizeof(*s->rt));
	if (s->vr == NULL || s->rt == NULL)
		goto fail;
	for (uint32_t i = 0; i < nb; i++) {
		s->vr[i] = vs[i].vr;
		s->rt[i] = malloc((vs[i].nb ? vs[i].nb : 1) * sizeof(**s->rt));
		if (s->rt[i] == NULL)
			goto fail;
		memcpy(s->rt[i], vs[i].rt, vs[i].nb * sizeof(**s->rt));
	}
	return s;
fail:
	saved_free(s, nb);
	return NULL;
}

/* Put the saved memory back and free the copy. */
static void restore_runtime(struct vip_state *vs, uint32_t nb, struct saved_runtime *s)
{
	for (uint32_t i = 0; i < nb; i++) {
		vs[i].vr = s->vr[i];
		memcpy(vs[i].rt, s->rt[i], vs[i].nb * sizeof(*vs[i].rt));
	}
	saved_free(s, nb);
}

static double drop_rate_now(const struct sl_api *api)
{
	const struct sample *a = &api->samp[0], *b = &api->samp[1];

	if (a->ms <= b->ms || b->ms == 0)
		return 0;
	return (double)(a->drops - b->drops) * 1000.0 / (double)(a->ms - b->ms);
}

/*
 * Apply `cand` (taken over) as the new running configuration, or preview it.
 * Validates it like a file, builds the view and snapshot, and on success
 * publishes (returning after the RCU grace period), records the generation,
 * writes the state file and arms the guard.
 */
static int commit(struct sl_api *api, const struct sl_api_opts *o, struct sl_config *cand,
		  const char *summary, struct sl_api_out *out)
{
	struct sl_config *cfg = NULL;
	struct vip_state *vs = NULL;
	struct sl_snapshot *snap = NULL, *pv_snap = NULL;
	const char *fixed;
	struct saved_runtime *saved = NULL;
	json_t *pv = NULL;
	uint64_t now = now_ms(api), next;
	uint32_t down_before;
	int rc;

	cfg = validate(cand, "change", out);
	sl_config_free(cand);
	if (cfg == NULL)
		return -EINVAL;
	if (!o->dry_run && sl_config_equal(cfg, api->cfg)) {
		/* Nothing to do: no new generation, nothing published. */
		sl_config_free(cfg);
		msg(out, "nothing to change");
		out->result =
		    json_pack("{s:I,s:s,s:b}", "generation", (json_int_t)last_config_gen(api),
			      "summary", summary, "unchanged", 1);
		return 0;
	}
	if (api->conf.restart_only != NULL &&
	    (fixed = api->conf.restart_only(api->cfg, cfg)) != NULL) {
		msg(out, "%s cannot change while sluiced runs (restart needed)", fixed);
		rc = -EINVAL;
		goto fail;
	}
	vs = vip_state_for(api, cfg, &rc);
	if (vs == NULL) {
		msg(out, "health targets: %s", strerror(-rc));
		goto fail;
	}
	/* The preview assumes new backends pass their first check; what is
	 * published uses the checks' real verdicts.  The state machine keeps
	 * memory (hysteresis, slow start, drain start) in vs: the preview
	 * decides on a copy so that it cannot change the real decision. */
	saved = save_runtime(vs, cfg->nb_vips);
	if (saved == NULL) {
		rc = -ENOMEM;
		msg(out, "out of memory");
		goto fail;
	}
	decide_all(api, cfg, vs, now, true);
	rc = build_for(api, cfg, vs, &pv_snap);
	if (rc < 0) {
		msg(out, "snapshot not built: %s", strerror(-rc));
		goto fail;
	}
	pv = preview(api, api->cfg, api->ctrl->snap, cfg, pv_snap);
	/* Freed before the real build: never three snapshots at once. */
	sl_snapshot_free(pv_snap);
	pv_snap = NULL;
	restore_runtime(vs, cfg->nb_vips, saved);
	saved = NULL;
	if (o->dry_run) {
		vip_state_clear(api, vs, cfg->nb_vips, true);
		sl_config_free(cfg);
		out->result =
		    json_pack("{s:b,s:s,s:o*}", "dry_run", 1, "summary", summary, "preview", pv);
		return 0;
	}
	next = decide_all(api, cfg, vs, now, false);
	rc = build_for(api, cfg, vs, &snap);
	if (rc < 0) {
		msg(out, "snapshot not built: %s", strerror(-rc));
		goto fail;
	}
	/* Guard baseline from the view before the change. */
	down_before = count_down(api);
	if (api->guard.active) {
		struct gen_rec *r = hist_find(api, api->guard.generation);

		if (r != NULL)
			snprintf(r->guard, sizeof(r->guard), "ended: superseded by a later change");
		api->guard.active = false;
	}
	sl_ctrl_publish(api->ctrl, snap);
	api->unpublished = false;

	/* The new view replaces the old; health references move with it. */
	vip_state_clear(api, api->vs, api->cfg->nb_vips, true);
	sl_config_free(api->cfg);
	api->cfg = cfg;
	api->vs = vs;
	api->next_change_ms = next;
	metrics_sync(api);
	alerts_configure(api, now);
	/* The API's state is whole again: the hook may call back into it. */
	if (api->conf.on_running != NULL)
		api->conf.on_running(api->conf.hook_arg, cfg);
	if (hist_add(api, o, summary) < 0)
		SL_LOG(WARNING, "generation %" PRIu64 " not kept in history: out of memory",
		       api->ctrl->generation);
	write_state(api);
	SL_LOG(NOTICE, "generation %" PRIu64 " (%s, uid %u): %s", api->ctrl->generation,
	       o->origin ? o->origin : "cli", o->uid, summary);

	if (o->guard_ms > 0 && api->hist_len >= 2) {
		struct gen_rec *prev = hist_at(api, api->hist_len - 2);
		struct gen_rec *cur = hist_at(api, api->hist_len - 1);

		api->guard.active = true;
		api->guard.generation = api->ctrl->generation;
		api->guard.previous = prev->generation;
		api->guard.start_ms = now;
		api->guard.until_ms = now + o->guard_ms;
		api->guard.down_at_start = down_before;
		api->guard.drops_at_start = total_drops(api);
		api->guard.base_drop_rate = drop_rate_now(api);
		snprintf(cur->guard, sizeof(cur->guard), "watching for %u ms", o->guard_ms);
	} else if (o->guard_ms > 0) {
		msg(out, "no earlier generation to roll back to: guard not armed");
	}
	out->result = json_pack("{s:I,s:s,s:o*}", "generation", (json_int_t)api->ctrl->generation,
				"summary", summary, "preview", pv);
	if (api->guard.active && api->guard.generation == api->ctrl->generation)
		json_object_set_new(out->result, "guard_until_ms",
				    json_integer((json_int_t)(api->guard.until_ms - now)));
	return 0;
fail:
	json_decref(pv);
	sl_snapshot_free(pv_snap);
	if (saved != NULL)
		restore_runtime(vs, cfg->nb_vips, saved);
	if (vs != NULL)
		vip_state_clear(api, vs, cfg->nb_vips, true);
	sl_config_free(cfg);
	return rc;
}

static int rollback_to(struct sl_api *api, const struct sl_api_opts *o, uint64_t gen,
		       struct sl_api_out *out)
{
	struct gen_rec *r;
	struct sl_config *cand;
	char summary[128];

	if (gen == 0) {
		if (api->hist_len < 2) {
			msg(out, "no earlier generation to roll back to");
			return -ENOENT;
		}
		gen = hist_at(api, api->hist_len - 2)->generation;
	}
	r = hist_find(api, gen);
	if (r == NULL) {
		msg(out, "generation %" PRIu64 " is not in the history (see config history)", gen);
		return -ENOENT;
	}
	cand = sl_config_dup(r->cfg);
	if (cand == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	snprintf(summary, sizeof(summary), "rollback to generation %" PRIu64, gen);
	return commit(api, o, cand, summary, out);
}

/* Guard period: roll back when health or drops got worse beyond the
 * configured limits; otherwise mark the generation kept when it ends. */
static void guard_check(struct sl_api *api, uint64_t now)
{
	struct guard *g = &api->guard;
	struct gen_rec *r = hist_find(api, g->generation);
	uint32_t down = count_down(api);
	char why[128] = "";

	if (!g->active)
		return;
	if (r == NULL || hist_at(api, api->hist_len - 1)->generation != g->generation) {
		/* A later change superseded the guarded one: rolling back now
		 * would undo that one too. */
		g->active = false;
		if (r != NULL)
			snprintf(r->guard, sizeof(r->guard), "ended: superseded by a later change");
		return;
	}
	if (down > g->down_at_start + api->cfg->guard_backends_down) {
		snprintf(why, sizeof(why), "%u backends down (was %u, guard.backends_down %u)",
			 down, g->down_at_start, api->cfg->guard_backends_down);
	} else if (now >= g->start_ms + 1000) {
		double rate = (double)(total_drops(api) - g->drops_at_start) * 1000.0 /
			      (double)(now - g->start_ms);

		if (rate > g->base_drop_rate + (double)api->cfg->guard_drops_per_s)
			snprintf(why, sizeof(why),
				 "drops %.0f/s (was %.0f/s, guard.drops_per_second %" PRIu64 ")",
				 rate, g->base_drop_rate, api->cfg->guard_drops_per_s);
	}
	if (why[0] != '\0') {
		struct sl_api_opts o = {.uid = 0, .origin = "guard"};
		struct sl_api_out out = {0};

		g->active = false;
		SL_LOG(ERR,
		       "guard: generation %" PRIu64
		       " made things worse (%s): rolling back to %" PRIu64,
		       g->generation, why, g->previous);
		if (r != NULL)
			snprintf(r->guard, sizeof(r->guard), "rolled back: %s", why);
		if (rollback_to(api, &o, g->previous, &out) < 0)
			SL_LOG(ERR, "guard: rollback failed: %s", out.msg);
		json_decref(out.result);
		return;
	}
	if (now >= g->until_ms) {
		g->active = false;
		if (r != NULL)
			snprintf(r->guard, sizeof(r->guard), "kept");
		SL_LOG(NOTICE, "guard: generation %" PRIu64 " kept", g->generation);
	}
}

/* ------------------------------------------------------------------ */
/* Life cycle and timers */

/* The daemon's command-line replacements of file settings. */
static void apply_overrides(const struct sl_api *api, struct sl_config *cfg)
{
	if (api->conf.socket_override != NULL)
		snprintf(cfg->control_socket, sizeof(cfg->control_socket), "%s",
			 api->conf.socket_override);
	if (api->conf.state_override != NULL)
		snprintf(cfg->state_file, sizeof(cfg->state_file), "%s", api->conf.state_override);
}

static uint64_t health_clock(void *arg)
{
	return now_ms(arg);
}

struct sl_api *sl_api_create(const struct sl_api_conf *conf, struct sl_config *initial, char *err,
			     size_t err_len)
{
	struct sl_api *api = calloc(1, sizeof(*api));
	struct sl_api_opts o = {.uid = (uint32_t)getuid(), .origin = "start"};
	struct sl_snapshot *snap = NULL;
	struct sl_config *state = NULL;
	int rc;

	if (api == NULL) {
		snprintf(err, err_len, "out of memory");
		sl_config_free(initial);
		return NULL;
	}
	api->conf = *conf;
	api->ctrl = conf->ctrl;
	api->mstate = sl_metrics_state_create();
	if (api->mstate == NULL) {
		snprintf(err, err_len, "out of memory");
		sl_config_free(initial);
		free(api);
		return NULL;
	}
	/* With the real clock the checker keeps its own (microseconds: check
	 * latencies); an injected clock (tests) drives both. */
	api->health = sl_health_create(conf->clock_ms ? health_clock : NULL, api, on_health_change,
				       api, conf->hc_ops);
	if (api->health == NULL) {
		snprintf(err, err_len, "health checker: %s", strerror(errno));
		sl_config_free(initial);
		sl_metrics_state_free(api->mstate);
		free(api);
		return NULL;
	}
	if (conf->config_path != NULL && conf->use_state_file) {
		sl_api_state_path(conf->config_path, initial, api->state_path,
				  sizeof(api->state_path));
		state = sl_api_read_state(conf->config_path, api->state_path, false);
	}
	if (conf->config_path != NULL) {
		size_t len = 0;
		char *t = read_file(conf->config_path, &len);

		api->base_hash = t ? fnv64(t, len) : 0;
		free(t);
	}
	api->base = initial;
	api->cfg = sl_config_dup(state != NULL ? state : initial);
	if (api->cfg != NULL)
		apply_overrides(api, api->cfg);
	sl_config_free(state);
	api->hist_cap = api->cfg ? RTE_MAX(api->cfg->history, 2u) : 2;
	api->hist = calloc(api->hist_cap, sizeof(*api->hist));
	if (api->cfg == NULL || api->hist == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	api->start_ms = now_ms(api);
	/* Backends present at start are healthy until proven otherwise, so a
	 * restart does not drop traffic while the first checks run. */
	api->vs = vip_state_for(api, api->cfg, &rc);
	if (api->vs == NULL) {
		snprintf(err, err_len, "health targets: %s", strerror(-rc));
		goto fail;
	}
	sl_health_started(api->health);
	api->next_change_ms = decide_all(api, api->cfg, api->vs, api->start_ms, false);
	rc = build_for(api, api->cfg, api->vs, &snap);
	if (rc < 0) {
		snprintf(err, err_len, "first snapshot not built: %s", strerror(-rc));
		goto fail;
	}
	sl_ctrl_publish(api->ctrl, snap);
	metrics_sync(api);
	api->anom = sl_anom_create(&api->cfg->alerts);
	api->sink = sl_alert_sink_create(&api->cfg->alerts, alert_log, api);
	api->slot_cnt = calloc(SL_REAL_IDS, sizeof(*api->slot_cnt));
	if (api->anom == NULL || api->sink == NULL || api->slot_cnt == NULL) {
		snprintf(err, err_len, "out of memory");
		goto fail;
	}
	/* Last: nothing after it can fail, so the XDP map never follows a
	 * configuration that does not run. */
	if (conf->on_running != NULL)
		conf->on_running(conf->hook_arg, api->cfg);
	hist_add(api, &o, conf->config_path ? conf->config_path : "initial configuration");
	write_state(api);
	return api;
fail:
	sl_api_free(api);
	return NULL;
}

void sl_api_free(struct sl_api *api)
{
	if (api == NULL)
		return;
	if (api->cfg != NULL)
		vip_state_clear(api, api->vs, api->cfg->nb_vips, true);
	for (uint32_t k = 0; k < api->hist_len; k++)
		sl_config_free(hist_at(api, k)->cfg);
	free(api->hist);
	for (int i = 0; i < 2; i++) {
		free(api->samp[i].pkts);
		free(api->samp[i].bytes);
		free(api->samp[i].newf);
	}
	tbl_clear(api);
	free(api->mvs);
	sl_metrics_put(api->mlast);
	sl_metrics_put(api->mprev);
	sl_metrics_state_free(api->mstate);
	sl_alert_sink_free(api->sink);
	sl_anom_free(api->anom);
	shares_free(api);
	free(api->slot_cnt);
	sl_health_free(api->health);
	sl_config_free(api->cfg);
	sl_config_free(api->base);
	free(api);
}

const struct sl_config *sl_api_config(const struct sl_api *api)
{
	return api->cfg;
}

uint64_t sl_api_generation(const struct sl_api *api)
{
	return api->ctrl->generation;
}

struct sl_health *sl_api_checker(struct sl_api *api)
{
	return api->health;
}

int sl_api_fd(const struct sl_api *api)
{
	return sl_health_fd(api->health);
}

/* ------------------------------------------------------------------ */
/* Metrics (sl_metrics.h) */

static void tbl_clear(struct sl_api *api)
{
	for (uint32_t i = 0; i < api->tbl_n; i++)
		free((uint32_t *)(uintptr_t)api->tbl[i].slots);
	free(api->tbl);
	api->tbl = NULL;
	api->tbl_n = 0;
}

static int vip_table_info(struct sl_api *api, uint32_t i, uint32_t *pos, uint32_t *slots,
			  uint64_t *fp, uint64_t *cfp, bool *has_cfp);

/* Table facts of every VIP for the published generation: computed once per
 * generation (a table walk and a Maglev build per VIP), not per sample. */
static int tbl_update(struct sl_api *api)
{
	uint32_t n = api->cfg->nb_vips, *pos;

	if (api->tbl != NULL && api->tbl_gen == api->ctrl->generation && api->tbl_n == n)
		return 0;
	tbl_clear(api);
	api->tbl = calloc(n ? n : 1, sizeof(*api->tbl));
	pos = calloc(SL_REAL_IDS, sizeof(*pos));
	if (api->tbl == NULL || pos == NULL) {
		free(pos);
		return -ENOMEM;
	}
	api->tbl_n = n;
	for (uint32_t i = 0; i < n; i++) {
		uint32_t nb = api->cfg->vips[i].nb_backends;
		uint32_t *slots = calloc(nb ? nb : 1, sizeof(*slots));
		uint64_t fp = 0, cfp = 0;
		bool has_cfp = false;

		api->tbl[i].slots = slots;
		if (slots != NULL && vip_table_info(api, i, pos, slots, &fp, &cfp, &has_cfp) == 0) {
			api->tbl[i].has_fingerprint = has_cfp;
			api->tbl[i].fingerprint = fp;
			api->tbl[i].config_fingerprint = cfp;
		}
	}
	free(pos);
	api->tbl_gen = api->ctrl->generation;
	return 0;
}

/* What a metrics build or sync reads, for the running state.  tables: with
 * the table facts (slots, fingerprints) of the published generation. */
static int metrics_src(struct sl_api *api, struct sl_metrics_src *src, bool tables)
{
	struct timespec ts;
	uint64_t now = now_ms(api);
	uint32_t n = api->cfg->nb_vips;
	bool tbl_ok;

	if (api->mvs_n < n || api->mvs == NULL) {
		struct sl_metrics_vip_src *v = realloc(api->mvs, (n ? n : 1) * sizeof(*v));

		if (v == NULL)
			return -ENOMEM;
		api->mvs = v;
		api->mvs_n = n;
	}
	tbl_ok = tables && tbl_update(api) == 0;
	for (uint32_t i = 0; i < n; i++) {
		struct sl_metrics_vip_src *v = &api->mvs[i];

		if (tbl_ok)
			*v = api->tbl[i];
		else
			memset(v, 0, sizeof(*v));
		v->vr = &api->vs[i].vr;
		v->target = api->vs[i].target;
		v->verdict = api->vs[i].verdict;
	}
	memset(src, 0, sizeof(*src));
	src->cfg = api->cfg;
	src->ctrl = api->ctrl;
	src->workers = api->conf.workers;
	src->nb_workers = api->conf.nb_workers;
	src->health = api->health;
	src->vips = api->mvs;
	src->ports = api->conf.ports;
	src->nb_ports = api->conf.ports != NULL ? api->conf.nb_ports : 0;
	src->now_ms = now;
	if (api->conf.wall_clock != NULL) {
		src->unix_ms = (uint64_t)wall_s(api) * 1000;
	} else {
		clock_gettime(CLOCK_REALTIME, &ts);
		src->unix_ms = (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
	}
	src->uptime_ms = now - api->start_ms;
	src->tsc_hz = api->conf.tsc_hz;
	src->config_generation = last_config_gen(api);
	src->config_seq = api->cfg_seq;
	return 0;
}

/* After a new configuration is published: the ledger sees the release of
 * the ids it no longer uses before any of them can be reused. */
static void metrics_sync(struct sl_api *api)
{
	struct sl_metrics_src src;

	api->cfg_seq++;
	if (api->mstate == NULL || metrics_src(api, &src, false) < 0)
		return;
	if (sl_metrics_sync(api->mstate, &src) < 0)
		SL_LOG(WARNING, "metrics: out of memory; counters of changed backends may lag");
}

static struct sl_metrics *metrics_build(struct sl_api *api, bool sample)
{
	struct sl_metrics_src src;

	if (api->mstate == NULL || metrics_src(api, &src, true) < 0)
		return NULL;
	return sl_metrics_build(api->mstate, &src, sample);
}

struct sl_metrics *sl_api_metrics(struct sl_api *api)
{
	return metrics_build(api, false);
}

/* The periodic copy: kept for rates, published for the exporters. */
static void metrics_sample(struct sl_api *api)
{
	struct sl_metrics *m = metrics_build(api, true);

	if (m == NULL) {
		SL_LOG(WARNING, "metrics: copy not built (out of memory); exporters keep the last");
		return;
	}
	sl_metrics_put(api->mprev);
	api->mprev = api->mlast;
	api->mlast = m;
	if (api->conf.metrics != NULL) {
		/* Relaxed: not shared with any thread yet. */
		__atomic_add_fetch(&m->refs, 1, __ATOMIC_RELAXED);
		sl_metrics_publish(api->conf.metrics, m);
	}
}

/* Counter sample for rates, once a second. */
static void take_sample(struct sl_api *api, uint64_t now)
{
	struct sample t = api->samp[1];

	api->samp[1] = api->samp[0];
	if (t.pkts == NULL) {
		t.pkts = calloc(SL_REAL_IDS, sizeof(uint64_t));
		t.bytes = calloc(SL_REAL_IDS, sizeof(uint64_t));
		t.newf = calloc(SL_REAL_IDS, sizeof(uint64_t));
		if (t.pkts == NULL || t.bytes == NULL || t.newf == NULL) {
			free(t.pkts);
			free(t.bytes);
			free(t.newf);
			memset(&t, 0, sizeof(t));
			api->samp[0] = t;
			return;
		}
	}
	memset(t.pkts, 0, SL_REAL_IDS * sizeof(uint64_t));
	memset(t.bytes, 0, SL_REAL_IDS * sizeof(uint64_t));
	memset(t.newf, 0, SL_REAL_IDS * sizeof(uint64_t));
	for (unsigned w = 0; w < api->conf.nb_workers; w++) {
		const struct sl_worker_stats *st = api->conf.workers[w]->stats;
		uint32_t n = api->ctrl->snap ? api->ctrl->snap->nb_real_slots : 0;

		for (uint32_t id = 0; id < n; id++) {
			t.pkts[id] += st->real[id].packets;
			t.bytes[id] += st->real[id].bytes;
			t.newf[id] += st->real[id].new_flows;
		}
	}
	t.drops = total_drops(api);
	t.ms = now;
	api->samp[0] = t;
}

uint32_t sl_api_tick(struct sl_api *api)
{
	uint64_t now, wait = 1000;

	sl_health_run(api->health);
	now = now_ms(api);
	if (api->dirty || now >= api->next_change_ms) {
		api->dirty = false;
		refresh(api);
	}
	if (now >= api->next_sample_ms) {
		take_sample(api, now);
		metrics_sample(api);
		api->next_sample_ms = now + 1000;
		/* Flow counts have no event of their own: a draining backend
		 * becomes drained when its count reaches 0. */
		refresh(api);
		alerts_tick(api, now);
	}
	wait = RTE_MIN(wait, (uint64_t)sl_alert_sink_tick(api->sink, now));
	guard_check(api, now);
	now = now_ms(api);
	if (api->next_change_ms > now)
		wait = RTE_MIN(wait, api->next_change_ms - now);
	else
		wait = 0;
	if (api->next_sample_ms > now)
		wait = RTE_MIN(wait, api->next_sample_ms - now);
	if (api->guard.active)
		wait = RTE_MIN(wait, (uint64_t)100);
	wait = RTE_MIN(wait, (uint64_t)sl_health_run(api->health));
	return (uint32_t)wait;
}

/* ------------------------------------------------------------------ */
/* Changes */

static const struct sl_api_opts default_opts = {.origin = "cli"};

static int find_vip_ref(const struct sl_config *cfg, const char *ref, struct sl_api_out *out)
{
	uint8_t family, addr[16], proto;
	uint16_t port;
	int i;

	if (ref == NULL || sl_config_parse_vip_ref(ref, &family, addr, &port, &proto) < 0) {
		msg(out, "'%s' is not a VIP (ADDRESS:PORT/PROTOCOL, e.g. 10.0.0.1:80/tcp)",
		    ref ? ref : "");
		return -EINVAL;
	}
	i = sl_config_find_vip(cfg, family, addr, port, proto);
	if (i < 0) {
		msg(out, "no VIP %s", ref);
		return -ENOENT;
	}
	return i;
}

static int find_backend_ref(const struct sl_config_vip *v, const char *vref, const char *addr,
			    struct sl_api_out *out)
{
	uint8_t a[16] = {0};
	int j;

	if (addr != NULL && inet_pton(AF_INET, addr, a) == 1)
		j = sl_config_find_backend(v, SL_AF_INET, a);
	else if (addr != NULL && inet_pton(AF_INET6, addr, a) == 1)
		j = sl_config_find_backend(v, SL_AF_INET6, a);
	else {
		msg(out, "'%s' is not an IPv4 or IPv6 address", addr ? addr : "");
		return -EINVAL;
	}
	if (j < 0) {
		msg(out, "VIP %s has no backend %s", vref, addr);
		return -ENOENT;
	}
	return j;
}

static const struct sl_api_opts *opts_or_default(const struct sl_api_opts *o)
{
	return o != NULL ? o : &default_opts;
}

int sl_api_vip_add(struct sl_api *api, const struct sl_api_opts *o, const struct sl_config_vip *v,
		   struct sl_api_out *out)
{
	struct sl_config *cand;
	struct sl_config_vip *nv;
	char ref[80], summary[160];

	o = opts_or_default(o);
	sl_config_vip_ref(v, ref, sizeof(ref));
	if (sl_config_find_vip(api->cfg, v->family, v->addr, v->port, v->proto) >= 0) {
		msg(out, "VIP %s exists", ref);
		return -EEXIST;
	}
	cand = sl_config_dup(api->cfg);
	nv = cand ? realloc(cand->vips, (cand->nb_vips + 1) * sizeof(*nv)) : NULL;
	if (nv == NULL) {
		sl_config_free(cand);
		msg(out, "out of memory");
		return -ENOMEM;
	}
	cand->vips = nv;
	nv = &cand->vips[cand->nb_vips];
	*nv = *v;
	nv->backends = malloc((v->nb_backends ? v->nb_backends : 1) * sizeof(*nv->backends));
	if (nv->backends == NULL) {
		sl_config_free(cand);
		msg(out, "out of memory");
		return -ENOMEM;
	}
	memcpy(nv->backends, v->backends, v->nb_backends * sizeof(*nv->backends));
	cand->nb_vips++;
	snprintf(summary, sizeof(summary), "vip add %s (%u backends)", ref, v->nb_backends);
	return commit(api, o, cand, summary, out);
}

int sl_api_vip_del(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
		   struct sl_api_out *out)
{
	int i = find_vip_ref(api->cfg, vip, out);
	struct sl_config *cand;
	char summary[160];

	if (i < 0)
		return i;
	cand = sl_config_dup(api->cfg);
	if (cand == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	sl_config_vip_clear(&cand->vips[i]);
	memmove(&cand->vips[i], &cand->vips[i + 1],
		(cand->nb_vips - (uint32_t)i - 1) * sizeof(*cand->vips));
	cand->nb_vips--;
	snprintf(summary, sizeof(summary), "vip del %s", vip);
	return commit(api, opts_or_default(o), cand, summary, out);
}

int sl_api_vip_set(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
		   const char *settings, struct sl_api_out *out)
{
	int i = find_vip_ref(api->cfg, vip, out);
	struct sl_config *cand;
	char summary[256], *dtext = NULL;
	size_t dlen = 0;
	struct sl_diag d = {0};
	int rc;

	if (i < 0)
		return i;
	cand = sl_config_dup(api->cfg);
	d.out = open_memstream(&dtext, &dlen);
	d.file = "settings";
	if (cand == NULL || d.out == NULL) {
		if (d.out)
			fclose(d.out);
		free(dtext);
		sl_config_free(cand);
		msg(out, "out of memory");
		return -ENOMEM;
	}
	rc = sl_config_vip_update(&cand->vips[i], settings ? settings : "", "settings", &d);
	fclose(d.out);
	if (rc < 0) {
		msg(out, "%s", dtext && *dtext ? dtext : "invalid settings");
		/* One line per problem, without the trailing newline. */
		size_t l = strlen(out->msg);
		if (l > 0 && out->msg[l - 1] == '\n')
			out->msg[l - 1] = '\0';
		free(dtext);
		sl_config_free(cand);
		return -EINVAL;
	}
	free(dtext);
	snprintf(summary, sizeof(summary), "vip set %s %.200s", vip, settings ? settings : "");
	return commit(api, opts_or_default(o), cand, summary, out);
}

int sl_api_backend_add(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
		       const struct sl_config_backend *b, struct sl_api_out *out)
{
	int i = find_vip_ref(api->cfg, vip, out);
	struct sl_config *cand;
	struct sl_config_vip *v;
	struct sl_config_backend *nb;
	char summary[200];

	if (i < 0)
		return i;
	if (sl_config_find_backend(&api->cfg->vips[i], b->family, b->addr) >= 0) {
		msg(out, "VIP %s already has backend %s", vip, b->addr_str);
		return -EEXIST;
	}
	cand = sl_config_dup(api->cfg);
	if (cand == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	v = &cand->vips[i];
	nb = realloc(v->backends, (v->nb_backends + 1) * sizeof(*nb));
	if (nb == NULL) {
		sl_config_free(cand);
		msg(out, "out of memory");
		return -ENOMEM;
	}
	v->backends = nb;
	v->backends[v->nb_backends++] = *b;
	snprintf(summary, sizeof(summary), "backend add %s %s (pool %s, weight %u, %s)", vip,
		 b->addr_str, sl_pool_name(b->pool), b->weight, sl_admin_state_name(b->state));
	return commit(api, opts_or_default(o), cand, summary, out);
}

int sl_api_backend_del(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
		       const char *addr, struct sl_api_out *out)
{
	int i = find_vip_ref(api->cfg, vip, out), j;
	struct sl_config *cand;
	struct sl_config_vip *v;
	char summary[200];

	if (i < 0)
		return i;
	j = find_backend_ref(&api->cfg->vips[i], vip, addr, out);
	if (j < 0)
		return j;
	cand = sl_config_dup(api->cfg);
	if (cand == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	v = &cand->vips[i];
	memmove(&v->backends[j], &v->backends[j + 1],
		(v->nb_backends - (uint32_t)j - 1) * sizeof(*v->backends));
	v->nb_backends--;
	snprintf(summary, sizeof(summary), "backend del %s %s", vip, addr);
	return commit(api, opts_or_default(o), cand, summary, out);
}

int sl_api_backend_weight(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
			  const char *addr, uint32_t weight, struct sl_api_out *out)
{
	int i = find_vip_ref(api->cfg, vip, out), j;
	struct sl_config *cand;
	char summary[200];

	if (i < 0)
		return i;
	j = find_backend_ref(&api->cfg->vips[i], vip, addr, out);
	if (j < 0)
		return j;
	if (weight > 65535) {
		msg(out, "weight %u out of range 0..65535", weight);
		return -EINVAL;
	}
	cand = sl_config_dup(api->cfg);
	if (cand == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	snprintf(summary, sizeof(summary), "backend weight %s %s %u -> %u", vip, addr,
		 cand->vips[i].backends[j].weight, weight);
	cand->vips[i].backends[j].weight = weight;
	return commit(api, opts_or_default(o), cand, summary, out);
}

int sl_api_backend_state(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
			 const char *addr, enum sl_admin_state st, struct sl_api_out *out)
{
	int i = find_vip_ref(api->cfg, vip, out), j;
	struct sl_config *cand;
	char summary[200];

	if (i < 0)
		return i;
	j = find_backend_ref(&api->cfg->vips[i], vip, addr, out);
	if (j < 0)
		return j;
	cand = sl_config_dup(api->cfg);
	if (cand == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	snprintf(summary, sizeof(summary), "backend state %s %s %s -> %s", vip, addr,
		 sl_admin_state_name(cand->vips[i].backends[j].state), sl_admin_state_name(st));
	cand->vips[i].backends[j].state = st;
	return commit(api, opts_or_default(o), cand, summary, out);
}

/* Load a file or text with diagnostics captured into out->msg. */
static struct sl_config *load_text(const char *path, const char *text, struct sl_api_out *out,
				   json_t **warnings)
{
	char *dtext = NULL;
	size_t dlen = 0;
	struct sl_diag d = {0};
	struct sl_config *cfg = NULL;
	int rc;

	d.out = open_memstream(&dtext, &dlen);
	d.file = path ? path : "-";
	if (d.out == NULL) {
		msg(out, "out of memory");
		return NULL;
	}
	if (text != NULL)
		rc = sl_config_parse(text, strlen(text), d.file, &d, &cfg);
	else
		rc = sl_config_load(path, &d, &cfg);
	fclose(d.out);
	if (warnings != NULL) {
		*warnings = json_array();
		for (char *p = dtext; p && *p;) {
			char *nl = strchr(p, '\n');

			if (nl)
				*nl = '\0';
			if (strstr(p, ": warning: ") != NULL)
				json_array_append_new(*warnings, json_string(p));
			if (nl)
				*nl = '\n';
			p = nl ? nl + 1 : NULL;
		}
	}
	if (rc < 0) {
		msg(out, "%s", dtext && *dtext ? dtext : strerror(-rc));
		size_t l = strlen(out->msg);
		if (l > 0 && out->msg[l - 1] == '\n')
			out->msg[l - 1] = '\0';
		cfg = NULL;
	}
	free(dtext);
	return cfg;
}

/* Three-way merge of a reloaded file: a backend's weight and state keep the
 * running value (set with the CLI) unless the file changed that value since
 * it was last loaded. */
static void merge_runtime(const struct sl_config *base, const struct sl_config *run,
			  struct sl_config *file)
{
	for (uint32_t i = 0; i < file->nb_vips; i++) {
		struct sl_config_vip *v = &file->vips[i];
		int bi =
		    base ? sl_config_find_vip(base, v->family, v->addr, v->port, v->proto) : -1;
		int ri = sl_config_find_vip(run, v->family, v->addr, v->port, v->proto);

		if (ri < 0)
			continue;
		for (uint32_t j = 0; j < v->nb_backends; j++) {
			struct sl_config_backend *b = &v->backends[j];
			int rj = sl_config_find_backend(&run->vips[ri], b->family, b->addr);
			int bj = bi >= 0
				     ? sl_config_find_backend(&base->vips[bi], b->family, b->addr)
				     : -1;
			const struct sl_config_backend *rb, *bb;

			if (rj < 0)
				continue;
			rb = &run->vips[ri].backends[rj];
			bb = bj >= 0 ? &base->vips[bi].backends[bj] : NULL;
			if (bb != NULL && bb->weight == b->weight)
				b->weight = rb->weight;
			if (bb != NULL && bb->state == b->state)
				b->state = rb->state;
		}
	}
}

int sl_api_config_apply(struct sl_api *api, const struct sl_api_opts *o, const char *path,
			const char *text, struct sl_api_out *out)
{
	const char *name = path ? path : api->conf.config_path;
	struct sl_config *file, *cand, *base_copy;
	char summary[200], *file_text = NULL;
	bool from_daemon_file = text == NULL && path == NULL;
	int rc;

	o = opts_or_default(o);
	if (text == NULL && name == NULL) {
		msg(out, "no configuration file to apply");
		return -EINVAL;
	}
	if (from_daemon_file) {
		/* Read it here to remember what was loaded (the state file
		 * records it: see write_state). */
		size_t len = 0;

		file_text = read_file(name, &len);
		if (file_text == NULL) {
			msg(out, "%s: %s", name, strerror(errno));
			return -errno;
		}
		text = file_text;
	}
	file = load_text(name, text, out, NULL);
	if (file == NULL) {
		free(file_text);
		return -EINVAL;
	}
	base_copy = sl_config_dup(file);
	if (base_copy == NULL) {
		sl_config_free(file);
		free(file_text);
		msg(out, "out of memory");
		return -ENOMEM;
	}
	apply_overrides(api, file);
	apply_overrides(api, base_copy);
	merge_runtime(api->base, api->cfg, file);
	cand = file;
	/* The hook runs as the daemon's user (root, usually): a member of
	 * admin_group may change the configuration, but not which command the
	 * daemon runs.  That takes the daemon's own file, root or its user. */
	if (!from_daemon_file && o->uid != 0 && o->uid != (uint32_t)getuid() &&
	    strcmp(cand->alerts.hook.command, api->cfg->alerts.hook.command) != 0) {
		msg(out,
		    "alerts.hook.command: only root, the daemon's user or the daemon's own "
		    "configuration file may change the alert hook (it runs as the daemon's user)");
		sl_config_free(cand);
		sl_config_free(base_copy);
		free(file_text);
		return -EPERM;
	}
	snprintf(summary, sizeof(summary), "config apply %s%s", name ? name : "-",
		 from_daemon_file ? "" : " (text)");
	rc = commit(api, o, cand, summary, out);
	if (rc == 0 && !o->dry_run) {
		sl_config_free(api->base);
		api->base = base_copy;
		if (from_daemon_file) {
			api->base_hash = fnv64(file_text, strlen(file_text));
			write_state(api); /* again, with the new base */
		}
	} else {
		sl_config_free(base_copy);
	}
	free(file_text);
	return rc;
}

int sl_api_config_rollback(struct sl_api *api, const struct sl_api_opts *o, uint64_t gen,
			   struct sl_api_out *out)
{
	struct sl_api_opts ro = *opts_or_default(o);

	ro.origin = "rollback";
	return rollback_to(api, &ro, gen, out);
}

int sl_api_config_check(struct sl_api *api, const char *path, const char *text,
			struct sl_api_out *out)
{
	json_t *warnings = NULL;
	struct sl_config *cfg;
	const char *fixed;
	/* Without a file or text: the daemon's own file, like config apply. */
	const char *name = path ? path : api->conf.config_path;

	if (text == NULL && name == NULL) {
		msg(out, "no configuration file to check");
		out->result =
		    json_pack("{s:b,s:[s]}", "ok", 0, "errors", "no configuration file to check");
		return -EINVAL;
	}
	cfg = load_text(name, text, out, &warnings);
	if (cfg == NULL) {
		json_t *errs = json_array();
		char *copy = strdup(out->msg);

		for (char *p = copy ? strtok(copy, "\n") : NULL; p; p = strtok(NULL, "\n"))
			json_array_append_new(errs, json_string(p));
		free(copy);
		json_decref(warnings);
		out->result = json_pack("{s:b,s:o}", "ok", 0, "errors", errs);
		return -EINVAL;
	}
	if (api->conf.restart_only != NULL &&
	    (fixed = api->conf.restart_only(api->cfg, cfg)) != NULL)
		json_array_append_new(
		    warnings,
		    json_sprintf("%s differs from the running configuration: needs a restart",
				 fixed));
	sl_config_free(cfg);
	out->result = json_pack("{s:b,s:o}", "ok", 1, "warnings", warnings);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Queries */

static int memzone_count_cb_n;
static void memzone_count(const struct rte_memzone *mz, void *arg)
{
	RTE_SET_USED(mz);
	(*(unsigned *)arg)++;
}

static void mempool_in_use(struct rte_mempool *mp, void *arg)
{
	*(uint64_t *)arg += rte_mempool_in_use_count(mp);
}

int sl_api_status(struct sl_api *api, struct sl_api_out *out)
{
	json_t *workers = json_array(), *guard = json_null();
	uint64_t heap = 0, allocs = 0, in_use = 0, now = now_ms(api);
	unsigned memzones = 0, backends = 0;
	struct rte_malloc_socket_stats ms;

	RTE_SET_USED(memzone_count_cb_n);
	for (unsigned w = 0; w < api->conf.nb_workers; w++) {
		const struct sl_worker *wk = api->conf.workers[w];
		uint64_t drops = 0;

		for (unsigned r = 0; r < SL_V_MAX; r++)
			drops += wk->stats->drops[r];
		json_array_append_new(
		    workers,
		    json_pack("{s:I,s:I,s:I,s:I,s:I,s:I}", "id", (json_int_t)wk->id, "lcore",
			      (json_int_t)wk->lcore, "generation",
			      (json_int_t)wk->stats->generation, "rx", (json_int_t)wk->stats->rx,
			      "tx", (json_int_t)wk->stats->tx, "drops", (json_int_t)drops));
	}
	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++)
		if (rte_malloc_get_socket_stats(s, &ms) == 0) {
			heap += ms.heap_allocsz_bytes;
			allocs += ms.alloc_count;
		}
	rte_memzone_walk(memzone_count, &memzones);
	rte_mempool_walk(mempool_in_use, &in_use);
	for (uint32_t i = 0; i < api->cfg->nb_vips; i++)
		backends += api->cfg->vips[i].nb_backends;
	if (api->guard.active) {
		json_decref(guard);
		guard = json_pack(
		    "{s:I,s:I}", "generation", (json_int_t)api->guard.generation, "remaining_ms",
		    (json_int_t)(api->guard.until_ms > now ? api->guard.until_ms - now : 0));
	}
	out->result = json_pack(
	    "{s:I,s:I,s:I,s:o,s:I,s:I,s:I,s:s?,s:s?,s:o,s:{s:I,s:I,s:I,s:I}}", "generation",
	    (json_int_t)api->ctrl->generation, "config_generation",
	    (json_int_t)(api->hist_len ? hist_at(api, api->hist_len - 1)->generation : 0),
	    "uptime_s", (json_int_t)((now - api->start_ms) / 1000), "workers", workers, "vips",
	    (json_int_t)api->cfg->nb_vips, "backends", (json_int_t)backends, "health_targets",
	    (json_int_t)sl_health_count(api->health), "config_path", api->conf.config_path,
	    "state_file", api->state_path[0] ? api->state_path : NULL, "guard", guard, "memory",
	    "heap_alloc_bytes", (json_int_t)heap, "heap_allocs", (json_int_t)allocs, "memzones",
	    (json_int_t)memzones, "mempool_in_use", (json_int_t)in_use);
	if (out->result != NULL && api->conf.status_add != NULL)
		api->conf.status_add(api->conf.hook_arg, out->result);
	return 0;
}

static const char *encap_name(enum sl_encap_kind k);

static json_t *vip_summary(struct sl_api *api, uint32_t i)
{
	const struct sl_config_vip *v = &api->cfg->vips[i];
	const struct vip_state *s = &api->vs[i];
	uint32_t usable = 0;
	char ref[80];

	for (uint32_t j = 0; j < s->nb; j++)
		usable += s->verdict[j].take_new;
	sl_config_vip_ref(v, ref, sizeof(ref));
	return json_pack("{s:s,s:s,s:s,s:b,s:b,s:{s:i,s:i},s:I,s:I}", "vip", ref, "encap",
			 encap_name(v->encap), "serving_pool", sl_pool_name(s->vr.serving), "panic",
			 s->vr.panic, "empty", s->vr.empty, "capacity_pct", "primary",
			 s->vr.capacity_pct[SL_POOL_PRIMARY], "backup",
			 s->vr.capacity_pct[SL_POOL_BACKUP], "backends", (json_int_t)v->nb_backends,
			 "usable", (json_int_t)usable);
}

int sl_api_vip_list(struct sl_api *api, struct sl_api_out *out)
{
	json_t *arr = json_array();

	for (uint32_t i = 0; i < api->cfg->nb_vips; i++)
		json_array_append_new(arr, vip_summary(api, i));
	out->result = json_pack("{s:o}", "vips", arr);
	return 0;
}

/* cnt: slots per real id of VIP i's table (count_slots), or NULL. */
static json_t *backend_entry(struct sl_api *api, uint32_t i, uint32_t j, const uint32_t *cnt)
{
	const struct sl_config_vip *v = &api->cfg->vips[i];
	const struct sl_config_backend *b = &v->backends[j];
	const struct vip_state *s = &api->vs[i];
	uint32_t h = sl_ctrl_real_handle(api->ctrl, v, b);
	int vid = sl_ctrl_vip_id(api->ctrl, v);
	const struct sl_vip *t = vip_in(api->ctrl->snap, vid);
	const char *health = "unchecked";
	char ref[80];

	if (s->target[j] >= 0) {
		const struct sl_hc_status *st = sl_health_status(api->health, s->target[j]);

		health = !st->checked ? (st->up ? "up (not checked yet)" : "pending")
			 : st->up     ? "up"
				      : "down";
	}
	sl_config_vip_ref(v, ref, sizeof(ref));
	return json_pack(
	    "{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:f,s:I,s:i}", "vip", ref, "address", b->addr_str, "pool",
	    sl_pool_name(b->pool), "weight", (json_int_t)b->weight, "admin",
	    sl_admin_state_name(b->state), "state", sl_be_state_name(s->verdict[j].state), "health",
	    health, "share_pct",
	    t && cnt && h != SL_REAL_NONE ? pct(cnt[SL_REAL_ID(h)], t->table_size) : 0.0, "flows",
	    (json_int_t)real_flows(api, h), "slow_start_share_permille", (int)s->verdict[j].share);
}

int sl_api_backend_list(struct sl_api *api, const char *vip, struct sl_api_out *out)
{
	uint32_t *cnt = calloc(SL_REAL_IDS, sizeof(uint32_t));
	json_t *arr;
	int only = -1;

	if (cnt == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	if (vip != NULL) {
		only = find_vip_ref(api->cfg, vip, out);
		if (only < 0) {
			free(cnt);
			return only;
		}
	}
	arr = json_array();
	for (uint32_t i = 0; i < api->cfg->nb_vips; i++) {
		const struct sl_vip *t;

		if (only >= 0 && (uint32_t)only != i)
			continue;
		/* One pass over the table per VIP, not one per backend. */
		t = vip_in(api->ctrl->snap, sl_ctrl_vip_id(api->ctrl, &api->cfg->vips[i]));
		count_slots(t, cnt);
		for (uint32_t j = 0; j < api->cfg->vips[i].nb_backends; j++)
			json_array_append_new(arr, backend_entry(api, i, j, cnt));
		uncount_slots(t, cnt);
	}
	free(cnt);
	out->result = json_pack("{s:o}", "backends", arr);
	return 0;
}

static const char *encap_name(enum sl_encap_kind k)
{
	static const char *const names[] = {"ipip", "ip6ip6", "ipv4-in-ipv6", "gue"};

	return (unsigned)k < RTE_DIM(names) ? names[k] : "?";
}

static const char *panic_mode_name(enum sl_panic_mode m)
{
	return m == SL_PANIC_OPEN ? "open" : "closed";
}

/* A duration as the file writes it: the largest exact unit. */
static json_t *duration(uint32_t ms)
{
	if (ms % 3600000 == 0 && ms != 0)
		return json_sprintf("%uh", ms / 3600000);
	if (ms % 60000 == 0 && ms != 0)
		return json_sprintf("%um", ms / 60000);
	if (ms % 1000 == 0)
		return json_sprintf("%us", ms / 1000);
	return json_sprintf("%ums", ms);
}

static json_t *percent(unsigned p)
{
	return json_sprintf("%u%%", p);
}

/* The VIP's settings with the file's keys and units, so what `vip show`
 * prints can be written back with `vip set KEY=VALUE`. */
static json_t *vip_settings(const struct sl_config_vip *v)
{
	const struct sl_config_health *h = &v->health;
	json_t *hc = json_pack("{s:s}", "type", sl_hc_kind_name(h->kind));
	json_t *o;

	if (h->kind != SL_HC_NONE) {
		json_object_set_new(hc, "port", json_integer(h->port ? h->port : v->port));
		json_object_set_new(hc, "interval", duration(h->interval_ms));
		json_object_set_new(hc, "timeout", duration(h->timeout_ms));
		json_object_set_new(hc, "jitter", duration(h->jitter_ms));
		json_object_set_new(hc, "rise", json_integer(h->rise));
		json_object_set_new(hc, "fall", json_integer(h->fall));
	}
	if (h->kind == SL_HC_HTTP) {
		json_object_set_new(hc, "path", json_string(h->path));
		json_object_set_new(hc, "host", json_string(h->host));
		json_object_set_new(hc, "status", json_integer(h->status));
		json_object_set_new(hc, "body", json_string(h->body));
	}
	if (h->kind == SL_HC_UDP) {
		json_object_set_new(hc, "send", json_string(h->send));
		json_object_set_new(hc, "expect", json_string(h->expect));
	}
	o = json_pack("{s:s,s:I,s:o,s:o,s:o,s:o,s:o,s:s,s:s,s:s,s:o}", "encap",
		      encap_name(v->encap), "table_size", (json_int_t)v->table_size, "slow_start",
		      v->slow_start_ms ? duration(v->slow_start_ms) : json_string("off"),
		      "drain_timeout", duration(v->drain_timeout_ms), "backup_threshold",
		      percent(v->backup_threshold_pct), "backup_hysteresis",
		      percent(v->backup_hysteresis_pct), "panic_threshold",
		      percent(v->panic_threshold_pct), "panic_mode", panic_mode_name(v->panic_mode),
		      "bounded_load", v->bounded_load_pct ? "" : "off", "when_empty",
		      v->when_empty == SL_EMPTY_DROP ? "drop" : "unreachable", "health", hc);
	if (v->bounded_load_pct)
		json_object_set_new(o, "bounded_load", percent(v->bounded_load_pct));
	json_object_set_new(o, "bounded_load_window", duration(v->bounded_load_window_ms));
	if (v->encap == SL_ENCAP_GUE)
		json_object_set_new(o, "gue_port", json_integer(v->gue_port));
	return o;
}

int sl_api_vip_show(struct sl_api *api, const char *vip, struct sl_api_out *out)
{
	int i = find_vip_ref(api->cfg, vip, out);
	struct sl_api_out bl = {0};
	json_t *o, *settings;

	if (i < 0)
		return i;
	o = vip_summary(api, (uint32_t)i);
	/* Settings at the top level, with the file's keys (the list of
	 * backends below replaces the summary's count). */
	settings = vip_settings(&api->cfg->vips[i]);
	json_object_update(o, settings);
	json_decref(settings);
	sl_api_backend_list(api, vip, &bl);
	json_object_set(o, "backends", json_object_get(bl.result, "backends"));
	json_decref(bl.result);
	out->result = o;
	return 0;
}

int sl_api_health(struct sl_api *api, struct sl_api_out *out)
{
	json_t *arr = json_array();
	uint64_t now = now_ms(api);
	/* One entry per target, listing the VIPs that use it. */
	json_t **by_target;
	int max_t = -1, top = 0;

	/* Target ids are small and reused, but not dense: size by the largest. */
	for (uint32_t i = 0; i < api->cfg->nb_vips; i++)
		for (uint32_t j = 0; j < api->vs[i].nb; j++)
			top = RTE_MAX(top, api->vs[i].target[j] + 1);
	by_target = calloc((size_t)top + 1, sizeof(json_t *));

	if (by_target == NULL) {
		json_decref(arr);
		msg(out, "out of memory");
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < api->cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &api->cfg->vips[i];
		char ref[80];

		sl_config_vip_ref(v, ref, sizeof(ref));
		for (uint32_t j = 0; j < v->nb_backends; j++) {
			int t = api->vs[i].target[j];
			const struct sl_hc_status *st;
			const struct sl_hc_spec *sp;

			if (t < 0)
				continue;
			if (by_target[t] == NULL) {
				st = sl_health_status(api->health, t);
				sp = sl_health_spec(api->health, t);
				by_target[t] = json_pack(
				    "{s:s,s:s,s:i,s:b,s:b,s:I,s:I,s:I,s:s,s:I,s:I,s:[]}", "address",
				    v->backends[j].addr_str, "type", sl_hc_kind_name(sp->hc.kind),
				    "port", (int)sp->hc.port, "up", st->up, "checked", st->checked,
				    "checks", (json_int_t)st->checks, "failures",
				    (json_int_t)st->failures, "transitions",
				    (json_int_t)st->transitions, "last_result", st->last_result,
				    "last_latency_us", (json_int_t)st->last_latency_us,
				    "last_check_age_ms",
				    (json_int_t)(st->last_ms && now > st->last_ms
						     ? now - st->last_ms
						     : 0),
				    "vips");
				max_t = RTE_MAX(max_t, t);
			}
			json_array_append_new(json_object_get(by_target[t], "vips"),
					      json_string(ref));
		}
	}
	for (int t = 0; t <= max_t; t++)
		if (by_target[t] != NULL)
			json_array_append_new(arr, by_target[t]);
	free(by_target);
	out->result = json_pack("{s:o}", "targets", arr);
	return 0;
}

/* Rate of a counter between the last two periodic metrics copies. */
static double mrate(const struct sl_api *api, uint64_t last, uint64_t prev)
{
	const struct sl_metrics *a = api->mlast, *b = api->mprev;

	if (a == NULL || b == NULL || a->built_ms <= b->built_ms || last < prev)
		return 0;
	return (double)(last - prev) * 1000.0 / (double)(a->built_ms - b->built_ms);
}

static json_t *stats_workers(const struct sl_api *api, const struct sl_metrics *m)
{
	json_t *arr = json_array();

	for (uint32_t w = 0; w < m->nb_workers; w++) {
		const struct sl_metrics_worker *mw = &m->workers[w];
		const struct sl_metrics_worker *pw =
		    api->mprev != NULL && w < api->mprev->nb_workers ? &api->mprev->workers[w]
								     : NULL;
		const struct sl_metrics_worker *lw =
		    api->mlast != NULL && w < api->mlast->nb_workers ? &api->mlast->workers[w]
								     : NULL;
		uint64_t drops = 0;

		for (unsigned v = 1; v < SL_V_MAX; v++)
			drops += mw->drops[v];
		json_array_append_new(
		    arr, json_pack("{s:I,s:I,s:I,s:I,s:f,s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:I,s:I}",
				   "id", (json_int_t)mw->id, "lcore", (json_int_t)mw->lcore, "rx",
				   (json_int_t)mw->rx, "tx", (json_int_t)mw->tx, "rx_per_s",
				   pw && lw ? mrate(api, lw->rx, pw->rx) : 0.0, "polls",
				   (json_int_t)mw->polls, "busy_polls", (json_int_t)mw->busy_polls,
				   "load_pct", 100.0 * mw->load, "flow_entries",
				   (json_int_t)mw->flow_entries, "flow_capacity",
				   (json_int_t)mw->flow_capacity, "evictions",
				   (json_int_t)mw->flow.evictions, "tcp_nonsyn_miss",
				   (json_int_t)mw->tcp_nonsyn_miss, "drops", (json_int_t)drops,
				   "generation", (json_int_t)mw->generation));
	}
	return arr;
}

static json_t *stats_ports(const struct sl_api *api, const struct sl_metrics *m)
{
	json_t *arr = json_array();

	for (uint32_t p = 0; p < m->nb_ports; p++) {
		const struct sl_metrics_port *mp = &m->ports[p];
		const struct sl_metrics_port *pp =
		    api->mprev != NULL && p < api->mprev->nb_ports ? &api->mprev->ports[p] : NULL;
		const struct sl_metrics_port *lp =
		    api->mlast != NULL && p < api->mlast->nb_ports ? &api->mlast->ports[p] : NULL;

		json_array_append_new(
		    arr,
		    json_pack("{s:s,s:b,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:f,s:f}", "name", mp->name,
			      "ok", mp->ok, "ipackets", (json_int_t)mp->ipackets, "opackets",
			      (json_int_t)mp->opackets, "ibytes", (json_int_t)mp->ibytes, "obytes",
			      (json_int_t)mp->obytes, "imissed", (json_int_t)mp->imissed, "ierrors",
			      (json_int_t)mp->ierrors, "oerrors", (json_int_t)mp->oerrors,
			      "rx_nombuf", (json_int_t)mp->rx_nombuf, "ipackets_per_s",
			      pp && lp ? mrate(api, lp->ipackets, pp->ipackets) : 0.0,
			      "imissed_per_s",
			      pp && lp ? mrate(api, lp->imissed, pp->imissed) : 0.0));
	}
	return arr;
}

int sl_api_stats(struct sl_api *api, struct sl_api_out *out)
{
	const struct sample *a = &api->samp[0], *b = &api->samp[1];
	double dt = (a->ms > b->ms && b->ms != 0) ? (double)(a->ms - b->ms) / 1000.0 : 0;
	json_t *vips, *drops, *ft;
	struct sl_metrics *m = metrics_build(api, false);
	struct sl_metrics_totals t;

	if (m == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	sl_metrics_totals(m, &t);
	vips = json_array();
	drops = json_object();
	for (uint32_t i = 0; i < api->cfg->nb_vips && i < m->nb_vips; i++) {
		const struct sl_config_vip *v = &api->cfg->vips[i];
		const struct sl_metrics_vip *mv = &m->vips[i];
		json_t *bes = json_array(), *vo;
		double vpr = 0, vbr = 0, vnr = 0;
		char fp[20] = "";

		for (uint32_t j = 0; j < v->nb_backends; j++) {
			const struct sl_metrics_backend *mb = &m->backends[mv->first_backend + j];
			uint32_t h = sl_ctrl_real_handle(api->ctrl, v, &v->backends[j]);
			uint32_t id = SL_REAL_ID(h);
			double pr = 0, br = 0, nr = 0;

			if (h != SL_REAL_NONE && dt > 0 && a->pkts != NULL && b->pkts != NULL) {
				pr = (double)(a->pkts[id] - b->pkts[id]) / dt;
				br = (double)(a->bytes[id] - b->bytes[id]) * 8 / dt;
				nr = (double)(a->newf[id] - b->newf[id]) / dt;
			}
			vpr += pr, vbr += br, vnr += nr;
			json_array_append_new(
			    bes,
			    json_pack("{s:s,s:I,s:I,s:I,s:f,s:f,s:f,s:I,s:s,s:s,s:I}", "address",
				      v->backends[j].addr_str, "packets", (json_int_t)mb->packets,
				      "bytes", (json_int_t)mb->bytes, "new_flows",
				      (json_int_t)mb->new_flows, "pps", pr, "bps", br,
				      "new_flows_per_s", nr, "flows", (json_int_t)mb->flows,
				      "state", sl_be_state_name((enum sl_be_state)mb->state),
				      "health", sl_metrics_health_name(mb), "health_latency_us",
				      (json_int_t)mb->hc_latency_us));
		}
		if (mv->has_fingerprint)
			snprintf(fp, sizeof(fp), "%016" PRIx64, mv->fingerprint);
		vo = json_pack("{s:s,s:I,s:I,s:I,s:f,s:f,s:f,s:o}", "vip", mv->name, "packets",
			       (json_int_t)mv->packets, "bytes", (json_int_t)mv->bytes, "new_flows",
			       (json_int_t)mv->new_flows, "pps", vpr, "bps", vbr, "new_flows_per_s",
			       vnr, "backends", bes);
		json_object_set_new(vo, "flows", json_integer((json_int_t)mv->flows));
		json_object_set_new(vo, "tcp_nonsyn_miss",
				    json_integer((json_int_t)mv->tcp_nonsyn_miss));
		json_object_set_new(vo, "usable", json_integer((json_int_t)mv->usable));
		json_object_set_new(vo, "fingerprint", json_string(fp));
		json_array_append_new(vips, vo);
	}
	for (unsigned r = 1; r < SL_V_MAX; r++)
		json_object_set_new(drops, sl_verdict_name((enum sl_verdict)r),
				    json_integer((json_int_t)t.drops[r]));
	ft =
	    json_pack("{s:I,s:I,s:f,s:I,s:I,s:I,s:I,s:I}", "capacity", (json_int_t)t.flow_capacity,
		      "entries", (json_int_t)t.flows, "occupancy_pct",
		      pct(t.flows, t.flow_capacity), "hits", (json_int_t)t.flow.hits, "misses",
		      (json_int_t)t.flow.misses, "inserts", (json_int_t)t.flow.inserts, "evictions",
		      (json_int_t)t.flow.evictions, "expired", (json_int_t)t.flow.expired);
	out->result = json_pack("{s:f,s:o,s:o,s:f,s:I,s:I,s:I,s:o,s:o,s:o}", "interval_s", dt,
				"vips", vips, "drops", drops, "drops_per_s", drop_rate_now(api),
				"generation", (json_int_t)m->generation, "config_generation",
				(json_int_t)m->config_generation, "tcp_nonsyn_miss",
				(json_int_t)t.tcp_nonsyn_miss, "flow_table", ft, "workers",
				stats_workers(api, m), "ports", stats_ports(api, m));
	sl_metrics_put(m);
	return 0;
}

int sl_api_alerts(struct sl_api *api, struct sl_api_out *out)
{
	struct sl_anom_counts c;
	struct sl_alert_hook_counts h;
	json_t *active = sl_anom_active(api->anom, wall_ms(api));

	if (active == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	sl_anom_counts(api->anom, &c);
	sl_alert_sink_counts(api->sink, &h);
	out->result = json_pack("{s:b,s:o,s:{s:I,s:I,s:I,s:I,s:I},s:{s:s,s:I,s:I,s:I,s:I,s:I}}",
				"enabled", api->cfg->alerts.enabled, "alerts", active, "counts",
				"raised", (json_int_t)c.raised, "repeats", (json_int_t)c.repeats,
				"resolved", (json_int_t)c.resolved, "active", (json_int_t)c.active,
				"subjects", (json_int_t)c.subjects, "hook", "command",
				api->cfg->alerts.hook.command, "running", (json_int_t)h.running,
				"runs", (json_int_t)h.runs, "dropped", (json_int_t)h.dropped,
				"failed", (json_int_t)h.failed, "timeouts", (json_int_t)h.timeouts);
	if (out->result == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	return 0;
}

int sl_api_flows(struct sl_api *api, struct sl_api_out *out)
{
	json_t *vips = json_array();
	uint64_t total = 0;

	for (uint32_t i = 0; i < api->cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &api->cfg->vips[i];
		json_t *bes = json_array();
		uint64_t vf = 0;
		char ref[80];

		for (uint32_t j = 0; j < v->nb_backends; j++) {
			uint64_t f =
			    real_flows(api, sl_ctrl_real_handle(api->ctrl, v, &v->backends[j]));

			vf += f;
			json_array_append_new(bes, json_pack("{s:s,s:I}", "address",
							     v->backends[j].addr_str, "flows",
							     (json_int_t)f));
		}
		total += vf;
		sl_config_vip_ref(v, ref, sizeof(ref));
		json_array_append_new(vips, json_pack("{s:s,s:I,s:o}", "vip", ref, "flows",
						      (json_int_t)vf, "backends", bes));
	}
	out->result = json_pack("{s:I,s:o}", "flows", (json_int_t)total, "vips", vips);
	return 0;
}

/* Table facts of VIP i of the running configuration: the slots each backend
 * owns in the published table (slots[nb_backends]), the table's fingerprint
 * and the configuration's own table's (primary pool, every enabled backend
 * healthy: equal across instances with the same file whatever their health
 * views).  pos: scratch of SL_REAL_IDS entries.  The fingerprint hashes
 * each slot's backend identity, so instances with the same config and the
 * same health view print the same value.  0, -ENOENT (no table) or
 * -ENOMEM.  Walks the table and builds one Maglev table: callers cache. */
static int vip_table_info(struct sl_api *api, uint32_t i, uint32_t *pos, uint32_t *slots,
			  uint64_t *fp, uint64_t *cfp, bool *has_cfp)
{
	const struct sl_config_vip *v = &api->cfg->vips[i];
	const struct sl_vip *t = vip_in(api->ctrl->snap, sl_ctrl_vip_id(api->ctrl, v));
	uint32_t nb = v->nb_backends ? v->nb_backends : 1;
	struct sl_maglev_backend *mb;
	uint32_t *idx_table, *handles;
	int rc = -ENOMEM;

	*has_cfp = false;
	if (t == NULL)
		return -ENOENT;
	mb = calloc(nb, sizeof(*mb));
	idx_table = malloc(sizeof(uint32_t) * t->table_size);
	handles = calloc(nb, sizeof(*handles));
	if (mb == NULL || idx_table == NULL || handles == NULL)
		goto out;
	memset(slots, 0, nb * sizeof(*slots));
	for (uint32_t j = 0; j < v->nb_backends; j++) {
		mb[j].id = (const uint8_t *)v->backends[j].addr_str;
		mb[j].id_len = strlen(v->backends[j].addr_str);
		mb[j].weight = v->backends[j].weight;
		handles[j] = sl_ctrl_real_handle(api->ctrl, v, &v->backends[j]);
	}
	/* Real id -> backend index, for one pass over the table. */
	for (uint32_t j = 0; j < v->nb_backends; j++)
		if (handles[j] != SL_REAL_NONE)
			pos[SL_REAL_ID(handles[j])] = j;
	for (uint32_t s = 0; s < t->table_size; s++) {
		uint32_t h = t->table[s], j;

		idx_table[s] = SL_MAGLEV_EMPTY;
		if (h == SL_REAL_NONE)
			continue;
		j = pos[SL_REAL_ID(h)];
		if (j < v->nb_backends && handles[j] == h) {
			idx_table[s] = j;
			slots[j]++;
		}
	}
	*fp = sl_maglev_fingerprint(idx_table, t->table_size, mb, v->nb_backends);
	for (uint32_t j = 0; j < v->nb_backends; j++)
		if (v->backends[j].pool != SL_POOL_PRIMARY ||
		    v->backends[j].state != SL_ADMIN_ENABLED)
			mb[j].weight = 0;
	if (sl_maglev_build(mb, v->nb_backends, t->table_size, idx_table) == 0) {
		*cfp = sl_maglev_fingerprint(idx_table, t->table_size, mb, v->nb_backends);
		*has_cfp = true;
	}
	rc = 0;
out:
	free(mb);
	free(idx_table);
	free(handles);
	return rc;
}

int sl_api_table(struct sl_api *api, const char *vip, struct sl_api_out *out)
{
	uint32_t *pos = calloc(SL_REAL_IDS, sizeof(uint32_t));
	json_t *vips;
	int only = -1;

	if (pos == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	if (vip != NULL) {
		only = find_vip_ref(api->cfg, vip, out);
		if (only < 0) {
			free(pos);
			return only;
		}
	}
	vips = json_array();
	for (uint32_t i = 0; i < api->cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &api->cfg->vips[i];
		const struct sl_vip *t = vip_in(api->ctrl->snap, sl_ctrl_vip_id(api->ctrl, v));
		uint32_t *slots;
		uint64_t f = 0, cf = 0;
		bool has_cf = false;
		json_t *bes;
		char ref[80], fp[20] = "", cfp[20] = "";

		if (only >= 0 && (uint32_t)only != i)
			continue;
		if (t == NULL)
			continue;
		slots = calloc(v->nb_backends ? v->nb_backends : 1, sizeof(*slots));
		bes = json_array();
		if (slots != NULL && vip_table_info(api, i, pos, slots, &f, &cf, &has_cf) == 0) {
			snprintf(fp, sizeof(fp), "%016" PRIx64, f);
			if (has_cf)
				snprintf(cfp, sizeof(cfp), "%016" PRIx64, cf);
			for (uint32_t j = 0; j < v->nb_backends; j++)
				json_array_append_new(
				    bes, json_pack("{s:s,s:s,s:I,s:f}", "address",
						   v->backends[j].addr_str, "pool",
						   sl_pool_name(v->backends[j].pool), "slots",
						   (json_int_t)slots[j], "share_pct",
						   pct(slots[j], t->table_size)));
		}
		free(slots);
		sl_config_vip_ref(v, ref, sizeof(ref));
		json_array_append_new(vips,
				      json_pack("{s:s,s:I,s:s,s:s,s:o}", "vip", ref, "table_size",
						(json_int_t)t->table_size, "fingerprint", fp,
						"config_fingerprint", cfp, "backends", bes));
	}
	free(pos);
	out->result = json_pack("{s:o}", "vips", vips);
	return 0;
}

int sl_api_config_show(struct sl_api *api, uint64_t gen, struct sl_api_out *out)
{
	const struct sl_config *cfg = api->cfg;
	char *yaml;

	if (gen != 0) {
		struct gen_rec *r = hist_find(api, gen);

		if (r == NULL) {
			msg(out, "generation %" PRIu64 " is not in the history", gen);
			return -ENOENT;
		}
		cfg = r->cfg;
	}
	yaml = sl_config_to_yaml(cfg, NULL);
	if (yaml == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	/* The generation of the configuration (its history entry), not of the
	 * snapshot, which health changes also advance. */
	out->result = json_pack("{s:I,s:s}", "generation",
				(json_int_t)(gen ? gen : last_config_gen(api)), "yaml", yaml);
	free(yaml);
	return 0;
}

int sl_api_config_history(struct sl_api *api, struct sl_api_out *out)
{
	json_t *arr = json_array();

	for (uint32_t k = 0; k < api->hist_len; k++) {
		const struct gen_rec *r = hist_at(api, k);

		json_array_append_new(arr, json_pack("{s:I,s:I,s:I,s:s,s:s,s:s}", "generation",
						     (json_int_t)r->generation, "time",
						     (json_int_t)r->time, "uid", (json_int_t)r->uid,
						     "origin", r->origin, "summary", r->summary,
						     "guard", r->guard));
	}
	out->result = json_pack("{s:o}", "generations", arr);
	return 0;
}

int sl_api_config_diff(struct sl_api *api, uint64_t a, uint64_t b, struct sl_api_out *out)
{
	struct gen_rec *ra, *rb;
	char *d;

	if (api->hist_len == 0) {
		msg(out, "no history");
		return -ENOENT;
	}
	if (b == 0)
		b = hist_at(api, api->hist_len - 1)->generation;
	rb = hist_find(api, b);
	if (rb == NULL) {
		msg(out, "generation %" PRIu64 " is not in the history", b);
		return -ENOENT;
	}
	if (a == 0) {
		for (uint32_t k = 1; k < api->hist_len; k++)
			if (hist_at(api, k) == rb)
				a = hist_at(api, k - 1)->generation;
		if (a == 0) {
			msg(out, "generation %" PRIu64 " has no predecessor in the history", b);
			return -ENOENT;
		}
	}
	ra = hist_find(api, a);
	if (ra == NULL) {
		msg(out, "generation %" PRIu64 " is not in the history", a);
		return -ENOENT;
	}
	d = sl_config_diff(ra->cfg, rb->cfg);
	if (d == NULL) {
		msg(out, "out of memory");
		return -ENOMEM;
	}
	out->result =
	    json_pack("{s:I,s:I,s:s}", "from", (json_int_t)a, "to", (json_int_t)b, "diff", d);
	free(d);
	return 0;
}
