/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Anomaly detection (contract and formulas in sl_anomaly.h).  Every subject
 * (a backend of a VIP, a VIP, a drop reason, a port, a health target) has
 * one entry per detector in a small chained hash table, keyed by a zeroed
 * struct of its names, so subjects keep their baselines across
 * configuration reloads for as long as they exist.  Pure: no clock, no I/O.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl_anomaly.h"

/* Internal key kind: a VIP's skew window (not an alert of its own). */
#define KIND_SKEW_VIP SL_ALERT_NB_KINDS
#define FLAP_RING     32 /* transition times kept per target (alerts.flapping.transitions <= 32) */
#define LAT_RING      15 /* latency samples kept per target (alerts.latency.samples <= 15) */
#define TAB_MIN	      64

/* A subject's identity: zeroed, then filled, so that it can be hashed and
 * compared as bytes. */
struct key {
	uint8_t kind;	/* enum sl_alert_kind or KIND_SKEW_VIP */
	uint8_t reason; /* drop_spike: enum sl_verdict */
	uint16_t port;	/* flapping, latency: the checked port */
	char a[64];	/* VIP reference (SL_VIP_REF_MAX) or port name (SL_NAME_MAX) */
	char b[48];	/* backend or target address */
	char check[8];	/* flapping, latency: "tcp", "http", "udp" */
};

/* A learned baseline (sl_anomaly.h: EWMA mean and variance). */
struct baseline {
	uint64_t n;
	uint64_t last_ms;
	double mean, var;
};

struct ent {
	struct ent *next; /* hash chain */
	struct key key;
	uint32_t hash;
	uint64_t seen;	   /* tick that last saw the subject */
	uint64_t first_ms; /* its first sample: warm-up */
	/* The alert */
	bool active;
	uint64_t id;
	int64_t since_wall;	 /* raised at (wall clock, ms) */
	uint64_t last_emit_ms;	 /* last line (raise or repeat) */
	uint64_t clear_since_ms; /* clear since (0: not clear) */
	double obs, exp, thr;	 /* the last evaluation */
	double d1;		 /* detail: skew z; spike standard deviation */
	uint64_t d2;		 /* detail: skew window flows; latency samples */
	union {
		struct { /* drop_spike, rx_missed, nonsyn_burst */
			bool have;
			uint64_t prev, prev_ms;
			struct baseline bl;
		} sp;
		struct {		/* skew, per backend */
			uint64_t start; /* new_flows at the window's start */
			double exp;	/* expected share the window is judged against */
		} sk;
		struct { /* KIND_SKEW_VIP */
			uint64_t win_start_ms;
		} sv;
		struct { /* flapping */
			bool have;
			uint64_t prev;
			uint32_t n, head;
			uint64_t t[FLAP_RING];
		} fl;
		struct { /* latency */
			bool have;
			uint64_t prev;
			uint32_t n, head;
			uint32_t s[LAT_RING];
			struct baseline bl;
		} la;
	} u;
};

struct sl_anom {
	struct sl_config_alerts cfg;
	struct ent **tab;
	uint32_t mask; /* tab has mask + 1 buckets */
	uint32_t count;
	uint64_t tick;
	uint64_t next_id;
	uint64_t raised, repeats, resolved;
	uint32_t active;
};

enum verdict {
	V_NONE = 0, /* not evaluated this tick: only a repeat may be due */
	V_RAISE,    /* the condition holds */
	V_KEEP,	    /* between the clear and the raise threshold */
	V_CLEAR,    /* clear (with the hysteresis margin) */
};

static const char *const kind_names[SL_ALERT_NB_KINDS] = {
    "skew", "drop_spike", "rx_missed", "nonsyn_burst", "flapping", "latency", "vip_empty",
};

static const char *const units[SL_ALERT_NB_KINDS] = {
    "%", "drops/s", "packets/s", "packets/s", "transitions", "ms", "backends",
};

const char *sl_alert_kind_name(enum sl_alert_kind k)
{
	return (unsigned)k < SL_ALERT_NB_KINDS ? kind_names[k] : "unknown";
}

const char *sl_alert_state_name(enum sl_alert_state s)
{
	static const char *const names[] = {"raised", "repeat", "resolved"};

	return (unsigned)s < 3 ? names[s] : "unknown";
}

/* ---- settings ------------------------------------------------------------ */

static bool kind_on(const struct sl_config_alerts *c, unsigned kind)
{
	if (!c->enabled)
		return false;
	switch (kind) {
	case SL_ALERT_SKEW:
	case KIND_SKEW_VIP:
		return c->skew.enabled;
	case SL_ALERT_DROP_SPIKE:
		return c->drop_spike.enabled;
	case SL_ALERT_RX_MISSED:
		return c->rx_missed.enabled;
	case SL_ALERT_NONSYN_BURST:
		return c->nonsyn_burst.enabled;
	case SL_ALERT_FLAPPING:
		return c->flapping.enabled;
	case SL_ALERT_LATENCY:
		return c->latency.enabled;
	case SL_ALERT_VIP_EMPTY:
		return c->vip_empty.enabled;
	default:
		return false;
	}
}

/* ---- the subject table ----------------------------------------------------- */

static void copy(char *dst, size_t size, const char *s)
{
	size_t n = s ? strnlen(s, size - 1) : 0;

	if (n)
		memcpy(dst, s, n);
	dst[n] = '\0';
}

static uint32_t key_hash(const struct key *k)
{
	const uint8_t *p = (const uint8_t *)k;
	uint32_t h = 2166136261u; /* FNV-1a */

	for (size_t i = 0; i < sizeof(*k); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static int grow(struct sl_anom *a)
{
	uint32_t n = (a->mask + 1) * 2;
	struct ent **t = calloc(n, sizeof(*t));

	if (t == NULL)
		return -ENOMEM;
	for (uint32_t i = 0; i <= a->mask; i++)
		for (struct ent *e = a->tab[i], *nx; e != NULL; e = nx) {
			nx = e->next;
			e->next = t[e->hash & (n - 1)];
			t[e->hash & (n - 1)] = e;
		}
	free(a->tab);
	a->tab = t;
	a->mask = n - 1;
	return 0;
}

/* The entry of `k`, created (zeroed, first sample at now) when missing.
 * Marks it seen this tick.  NULL when it cannot be created (-ENOMEM in
 * *rc), or when the sample names the subject a second time this tick
 * (*rc untouched): the first one counts, the others are ignored, so that
 * two counters under one name cannot make up changes between them. */
static struct ent *get(struct sl_anom *a, const struct key *k, uint64_t now, bool *created, int *rc)
{
	uint32_t h = key_hash(k);
	struct ent *e;

	*created = false;
	for (e = a->tab[h & a->mask]; e != NULL; e = e->next)
		if (e->hash == h && !memcmp(&e->key, k, sizeof(*k))) {
			if (e->seen == a->tick)
				return NULL;
			e->seen = a->tick;
			return e;
		}
	if (a->count >= a->mask + 1 && grow(a) < 0) {
		*rc = -ENOMEM;
		return NULL;
	}
	e = calloc(1, sizeof(*e));
	if (e == NULL) {
		*rc = -ENOMEM;
		return NULL;
	}
	e->key = *k;
	e->hash = h;
	e->seen = a->tick;
	e->first_ms = now;
	e->next = a->tab[h & a->mask];
	a->tab[h & a->mask] = e;
	a->count++;
	*created = true;
	return e;
}

/* ---- lines ------------------------------------------------------------------ */

static json_t *num(double v)
{
	/* Three decimals are plenty for people and keep lines short. */
	return isfinite(v) ? json_real(round(v * 1000.0) / 1000.0) : json_null();
}

static json_t *iso_time(int64_t wall_ms)
{
	time_t t = (time_t)(wall_ms / 1000);
	struct tm tm;
	char buf[40];

	if (gmtime_r(&t, &tm) == NULL)
		return json_null();
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	return json_sprintf("%s.%03dZ", buf, (int)(wall_ms % 1000));
}

static json_t *subject_json(const struct key *k)
{
	switch (k->kind) {
	case SL_ALERT_SKEW:
		return json_pack("{s:s,s:s}", "vip", k->a, "backend", k->b);
	case SL_ALERT_DROP_SPIKE:
		return json_pack("{s:s}", "reason", sl_verdict_name(k->reason));
	case SL_ALERT_RX_MISSED:
		return json_pack("{s:s}", "port", k->a);
	case SL_ALERT_FLAPPING:
	case SL_ALERT_LATENCY:
		return json_pack("{s:s,s:s,s:i}", "address", k->b, "check", k->check, "port",
				 (int)k->port);
	default: /* nonsyn_burst, vip_empty */
		return json_pack("{s:s}", "vip", k->a);
	}
}

static void subject_text(const struct key *k, char *buf, size_t len)
{
	switch (k->kind) {
	case SL_ALERT_SKEW:
		snprintf(buf, len, "vip=%s backend=%s", k->a, k->b);
		break;
	case SL_ALERT_DROP_SPIKE:
		snprintf(buf, len, "reason=%s", sl_verdict_name(k->reason));
		break;
	case SL_ALERT_RX_MISSED:
		snprintf(buf, len, "port=%s", k->a);
		break;
	case SL_ALERT_FLAPPING:
	case SL_ALERT_LATENCY:
		snprintf(buf, len, "address=%s check=%s port=%u", k->b, k->check, k->port);
		break;
	default:
		snprintf(buf, len, "vip=%s", k->a);
		break;
	}
}

static void message(const struct sl_anom *a, const struct ent *e, const char *why, char *buf,
		    size_t len)
{
	const struct key *k = &e->key;
	int n = 0;

	if (why != NULL)
		n = snprintf(buf, len, "resolved (%s): ", why);
	if (n < 0 || (size_t)n >= len)
		n = 0;
	buf += n;
	len -= (size_t)n;
	switch (k->kind) {
	case SL_ALERT_SKEW:
		snprintf(buf, len,
			 "backend %s of vip %s took %.1f%% of %llu new flows in %.0f s, expected "
			 "%.1f%% (z %.1f)",
			 k->b, k->a, e->obs, (unsigned long long)e->d2,
			 a->cfg.skew.window_ms / 1000.0, e->exp, e->d1);
		break;
	case SL_ALERT_DROP_SPIKE:
		snprintf(buf, len, "%s drops at %.1f/s, baseline %.1f/s (threshold %.1f/s)",
			 sl_verdict_name(k->reason), e->obs, e->exp, e->thr);
		break;
	case SL_ALERT_RX_MISSED:
		snprintf(buf, len,
			 "port %s: the NIC missed %.1f packets/s, baseline %.1f/s (threshold "
			 "%.1f/s)",
			 k->a, e->obs, e->exp, e->thr);
		break;
	case SL_ALERT_NONSYN_BURST:
		snprintf(buf, len,
			 "vip %s: %.1f TCP non-SYN flow-table misses/s, baseline %.1f/s "
			 "(threshold %.1f/s)",
			 k->a, e->obs, e->exp, e->thr);
		break;
	case SL_ALERT_FLAPPING:
		snprintf(buf, len,
			 "health target %s (%s port %u) changed state %.0f times within %.0f s",
			 k->b, k->check, k->port, e->obs, a->cfg.flapping.window_ms / 1000.0);
		break;
	case SL_ALERT_LATENCY:
		snprintf(buf, len,
			 "health target %s (%s port %u): check latency %.1f ms (median of %llu), "
			 "baseline %.1f ms (threshold %.1f ms)",
			 k->b, k->check, k->port, e->obs, (unsigned long long)e->d2, e->exp,
			 e->thr);
		break;
	default:
		if (e->obs > 0)
			snprintf(buf, len, "vip %s: %.0f of %.0f backends take new flows", k->a,
				 e->obs, e->exp);
		else
			snprintf(buf, len, "vip %s: no backend takes new flows (%.0f configured)",
				 k->a, e->exp);
		break;
	}
}

static json_t *detail_json(const struct sl_anom *a, const struct ent *e)
{
	switch (e->key.kind) {
	case SL_ALERT_SKEW:
		return json_pack("{s:o,s:I,s:o}", "z", num(e->d1), "flows", (json_int_t)e->d2,
				 "window_s", num(a->cfg.skew.window_ms / 1000.0));
	case SL_ALERT_DROP_SPIKE:
	case SL_ALERT_RX_MISSED:
	case SL_ALERT_NONSYN_BURST:
		return json_pack("{s:o}", "stddev", num(e->d1));
	case SL_ALERT_FLAPPING:
		return json_pack("{s:o}", "window_s", num(a->cfg.flapping.window_ms / 1000.0));
	case SL_ALERT_LATENCY:
		return json_pack("{s:I}", "samples", (json_int_t)e->d2);
	default:
		return json_object();
	}
}

/* The alert as a JSON object (a line, or an entry of sl_anom_active). */
static json_t *alert_json(const struct sl_anom *a, const struct ent *e, const char *state,
			  int64_t wall_ms, const char *msg)
{
	return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:s,s:o,s:o,s:I,s:o,s:s}", "alert",
			 kind_names[e->key.kind], "state", state, "severity",
			 e->key.kind == SL_ALERT_VIP_EMPTY ? "critical" : "warning", "subject",
			 subject_json(&e->key), "observed", num(e->obs), "expected", num(e->exp),
			 "threshold", num(e->thr), "unit", units[e->key.kind], "since",
			 iso_time(e->since_wall), "ts", iso_time(wall_ms), "id", (json_int_t)e->id,
			 "detail", detail_json(a, e), "message", msg);
}

static void emit_line(struct sl_anom *a, struct ent *e, enum sl_alert_state st, uint64_t now,
		      int64_t wall_ms, const char *why, sl_anom_emit_fn emit, void *arg)
{
	char subj[192], msg[512];
	struct sl_alert_event ev;
	json_t *o;
	char *line = NULL;

	e->last_emit_ms = now;
	if (st == SL_ALERT_RAISED)
		a->raised++;
	else if (st == SL_ALERT_REPEAT)
		a->repeats++;
	else
		a->resolved++;
	if (emit == NULL)
		return;
	subject_text(&e->key, subj, sizeof(subj));
	message(a, e, why, msg, sizeof(msg));
	o = alert_json(a, e, sl_alert_state_name(st), wall_ms, msg);
	if (o != NULL)
		line = json_dumps(o, JSON_COMPACT | JSON_REAL_PRECISION(12));
	json_decref(o);
	/* Bounded by construction (names and message have fixed maxima);
	 * checked anyway: a hook's pipe write must never block. */
	if (line != NULL && strlen(line) >= SL_ALERT_LINE_MAX) {
		free(line);
		line = NULL;
	}
	ev.kind = (enum sl_alert_kind)e->key.kind;
	ev.state = st;
	ev.id = e->id;
	ev.severity = e->key.kind == SL_ALERT_VIP_EMPTY ? "critical" : "warning";
	ev.subject = subj;
	ev.message = msg;
	ev.observed = e->obs;
	ev.expected = e->exp;
	ev.threshold = e->thr;
	ev.unit = units[e->key.kind];
	ev.json = line != NULL ? line : "{\"alert\":\"unknown\",\"error\":\"out of memory\"}";
	emit(arg, &ev);
	free(line);
}

static void resolve(struct sl_anom *a, struct ent *e, uint64_t now, int64_t wall_ms,
		    const char *why, sl_anom_emit_fn emit, void *arg)
{
	emit_line(a, e, SL_ALERT_RESOLVED, now, wall_ms, why, emit, arg);
	e->active = false;
	e->clear_since_ms = 0;
	a->active--;
}

/* The alert life (sl_anomaly.h) for one evaluation.  clear_from: since when
 * the condition is known to be clear when v is V_CLEAR (the tick, or the
 * start of a window that was clear throughout). */
static void judge(struct sl_anom *a, struct ent *e, enum verdict v, uint64_t clear_from,
		  const struct sl_anom_sample *s, sl_anom_emit_fn emit, void *arg)
{
	uint64_t now = s->now_ms;

	if (!e->active) {
		if (v == V_RAISE) {
			e->active = true;
			e->id = ++a->next_id;
			e->since_wall = s->wall_ms;
			e->clear_since_ms = 0;
			a->active++;
			emit_line(a, e, SL_ALERT_RAISED, now, s->wall_ms, NULL, emit, arg);
		}
		return;
	}
	if (v == V_RAISE || v == V_KEEP) {
		e->clear_since_ms = 0;
	} else if (v == V_CLEAR) {
		if (e->clear_since_ms == 0)
			e->clear_since_ms = clear_from ? clear_from : now;
		if (now - e->clear_since_ms >= a->cfg.resolve_after_ms) {
			resolve(a, e, now, s->wall_ms, "clear", emit, arg);
			return;
		}
	}
	if (a->cfg.repeat_ms != 0 && now - e->last_emit_ms >= a->cfg.repeat_ms)
		emit_line(a, e, SL_ALERT_REPEAT, now, s->wall_ms, NULL, emit, arg);
}

/* ---- learned baselines ----------------------------------------------------------- */

/* Learn sample x (sl_anomaly.h).  An outlier (a sample above the raise
 * threshold `thr`) moves the mean as a sample at the threshold would and
 * leaves the variance alone: a variance fed with threshold-sized
 * deviations would widen the sigmas term, which raises the threshold,
 * which widens the variance: the baseline would run away from the very
 * spike it should flag.  While the subject's alert is active (`hold`) no
 * sample touches the variance either, so that values just under the
 * threshold do not widen the clear margin and end the alert early. */
static void learn(const struct sl_anom *a, struct baseline *b, double x, double thr, bool hold,
		  uint64_t now)
{
	double alpha, d;
	bool outlier = b->n > 0 && x > thr;

	b->n++;
	alpha = 1.0 / (double)b->n;
	if (b->last_ms != 0 && now > b->last_ms) {
		double w = 1.0 - exp2(-(double)(now - b->last_ms) / (double)a->cfg.baseline_ms);

		if (w > alpha)
			alpha = w;
	}
	d = (outlier ? thr : x) - b->mean;
	b->mean += alpha * d;
	if (!outlier && !hold)
		b->var = (1.0 - alpha) * (b->var + alpha * d * d);
	b->last_ms = now;
}

static bool warm(const struct sl_anom *a, const struct ent *e, uint64_t now)
{
	return now - e->first_ms >= a->cfg.warmup_ms;
}

/* ---- detectors ---------------------------------------------------------- */

/* A rate against its learned baseline (drop_spike, rx_missed, nonsyn_burst). */
static void spike(struct sl_anom *a, const struct key *k, uint64_t cur,
		  const struct sl_config_spike *c, const struct sl_anom_sample *s,
		  sl_anom_emit_fn emit, void *arg, int *rc)
{
	uint64_t now = s->now_ms;
	bool created;
	struct ent *e = get(a, k, now, &created, rc);
	enum verdict v = V_NONE;
	double rate, sd, margin, thr;

	if (e == NULL)
		return;
	if (!e->u.sp.have || cur < e->u.sp.prev) {
		/* First sample, or the counter went back (reset): a new start. */
		e->u.sp.have = true;
		e->u.sp.prev = cur;
		e->u.sp.prev_ms = now;
	} else if (now > e->u.sp.prev_ms) {
		rate = (double)(cur - e->u.sp.prev) * 1000.0 / (double)(now - e->u.sp.prev_ms);
		e->u.sp.prev = cur;
		e->u.sp.prev_ms = now;
		sd = sqrt(e->u.sp.bl.var);
		margin = fmax(fmax((double)c->min_increase,
				   (c->factor_milli / 1000.0 - 1.0) * e->u.sp.bl.mean),
			      c->sigmas_milli / 1000.0 * sd);
		thr = e->u.sp.bl.mean + margin;
		if (rate > thr)
			v = warm(a, e, now) && e->u.sp.bl.n > 0 ? V_RAISE : V_NONE;
		else
			v = rate <= e->u.sp.bl.mean + margin / 2 ? V_CLEAR : V_KEEP;
		e->obs = rate;
		e->exp = e->u.sp.bl.mean;
		e->thr = thr;
		e->d1 = sd;
		learn(a, &e->u.sp.bl, rate, thr, e->active || v == V_RAISE, now);
	}
	judge(a, e, v, 0, s, emit, arg);
}

static void skew(struct sl_anom *a, const struct sl_anom_vip *v, const struct sl_anom_sample *s,
		 sl_anom_emit_fn emit, void *arg, int *rc)
{
	const struct sl_config_alerts *c = &a->cfg;
	uint64_t now = s->now_ms, n_all = 0, win_start;
	struct key k;
	struct ent *ve, **be;
	bool created, restart, ended;

	memset(&k, 0, sizeof(k));
	k.kind = KIND_SKEW_VIP;
	copy(k.a, sizeof(k.a), v->vip);
	ve = get(a, &k, now, &created, rc);
	if (ve == NULL)
		return;
	be = calloc(v->nb_be ? v->nb_be : 1, sizeof(*be));
	if (be == NULL) {
		*rc = -ENOMEM;
		return;
	}
	if (created)
		ve->u.sv.win_start_ms = now;
	restart = created;
	k.kind = SL_ALERT_SKEW;
	for (uint32_t j = 0; j < v->nb_be; j++) {
		copy(k.b, sizeof(k.b), v->be[j].address);
		be[j] = get(a, &k, now, &created, rc);
		if (be[j] == NULL)
			continue; /* named twice, or no memory: not counted */
		/* A new backend, a new expected share (the table changed) or a
		 * counter that went back: the window's counts no longer
		 * compare with one expectation. */
		if (created || fabs(be[j]->u.sk.exp - v->be[j].expected) > 1e-9 ||
		    v->be[j].new_flows < be[j]->u.sk.start)
			restart = true;
		else
			n_all += v->be[j].new_flows - be[j]->u.sk.start;
	}
	win_start = ve->u.sv.win_start_ms;
	ended = !restart && now - win_start >= c->skew.window_ms;
	for (uint32_t j = 0; j < v->nb_be; j++) {
		struct ent *e = be[j];
		enum verdict vd = V_NONE;

		if (e == NULL)
			continue;
		if (ended) {
			double p = e->u.sk.exp, n = (double)(v->be[j].new_flows - e->u.sk.start);
			double N = (double)n_all, dev = c->skew.min_deviation_pct / 100.0;
			double zt = c->skew.z_milli / 1000.0;

			if (p <= 0.0 || p >= 1.0 || n_all < c->skew.min_flows) {
				/* No verdict possible: no evidence of skew. */
				vd = V_CLEAR;
				e->obs = N > 0 ? 100.0 * n / N : 0.0;
				e->exp = 100.0 * p;
				e->thr = NAN;
				e->d1 = 0;
			} else {
				double z = (n - N * p) / sqrt(N * p * (1.0 - p));
				double share = n / N, rel = (share - p) / p;

				vd = z >= zt && rel >= dev	   ? V_RAISE
				     : z < zt / 2 || rel < dev / 2 ? V_CLEAR
								   : V_KEEP;
				e->obs = 100.0 * share;
				e->exp = 100.0 * p;
				e->thr =
				    100.0 * fmax(p + zt * sqrt(p * (1.0 - p) / N), p * (1.0 + dev));
				e->d1 = z;
			}
			e->d2 = n_all;
		}
		judge(a, e, vd, win_start, s, emit, arg);
	}
	if (restart || ended) {
		ve->u.sv.win_start_ms = now;
		for (uint32_t j = 0; j < v->nb_be; j++)
			if (be[j] != NULL) {
				be[j]->u.sk.start = v->be[j].new_flows;
				be[j]->u.sk.exp = v->be[j].expected;
			}
	}
	free(be);
}

static void flapping(struct sl_anom *a, const struct key *k, const struct sl_anom_target *t,
		     const struct sl_anom_sample *s, sl_anom_emit_fn emit, void *arg, int *rc)
{
	uint64_t now = s->now_ms, win = a->cfg.flapping.window_ms;
	uint32_t need = a->cfg.flapping.transitions, count = 0;
	bool created;
	struct ent *e = get(a, k, now, &created, rc);
	enum verdict v;

	if (e == NULL)
		return;
	if (e->u.fl.have && t->transitions > e->u.fl.prev) {
		/* Every change since the last tick happened by now; more
		 * than the ring holds count as a full ring. */
		uint64_t n = t->transitions - e->u.fl.prev;

		for (uint64_t i = 0; i < n && i < FLAP_RING; i++) {
			e->u.fl.t[e->u.fl.head] = now;
			e->u.fl.head = (e->u.fl.head + 1) % FLAP_RING;
			if (e->u.fl.n < FLAP_RING)
				e->u.fl.n++;
		}
	}
	e->u.fl.have = true;
	e->u.fl.prev = t->transitions;
	for (uint32_t i = 0; i < e->u.fl.n; i++) {
		uint64_t ts = e->u.fl.t[(e->u.fl.head + FLAP_RING - 1 - i) % FLAP_RING];

		if (ts + win > now)
			count++;
	}
	v = count >= need ? V_RAISE : count <= need / 2 ? V_CLEAR : V_KEEP;
	e->obs = count;
	e->exp = NAN;
	e->thr = need;
	judge(a, e, v, 0, s, emit, arg);
}

static int cmp_u32(const void *x, const void *y)
{
	uint32_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;

	return a < b ? -1 : a > b;
}

static void latency(struct sl_anom *a, const struct key *k, const struct sl_anom_target *t,
		    const struct sl_anom_sample *s, sl_anom_emit_fn emit, void *arg, int *rc)
{
	const struct sl_config_alerts *c = &a->cfg;
	uint64_t now = s->now_ms;
	uint32_t m, tmp[LAT_RING];
	bool created;
	struct ent *e = get(a, k, now, &created, rc);
	enum verdict v = V_NONE;
	double med, margin, thr, x;

	if (e == NULL)
		return;
	if (!e->u.la.have || t->successes <= e->u.la.prev) {
		/* First sight (its last latency may be old), a reset, or no
		 * new successful check since the last tick. */
		e->u.la.have = true;
		e->u.la.prev = t->successes;
		judge(a, e, V_NONE, 0, s, emit, arg);
		return;
	}
	e->u.la.prev = t->successes;
	x = t->last_latency_us / 1000.0;
	e->u.la.s[e->u.la.head] = t->last_latency_us;
	e->u.la.head = (e->u.la.head + 1) % LAT_RING;
	if (e->u.la.n < LAT_RING)
		e->u.la.n++;
	margin = fmax(c->latency.min_increase_ms,
		      (c->latency.factor_milli / 1000.0 - 1.0) * e->u.la.bl.mean);
	thr = e->u.la.bl.mean + margin;
	m = c->latency.samples < e->u.la.n ? c->latency.samples : e->u.la.n;
	if (m >= c->latency.samples) {
		for (uint32_t i = 0; i < m; i++)
			tmp[i] = e->u.la.s[(e->u.la.head + LAT_RING - 1 - i) % LAT_RING];
		qsort(tmp, m, sizeof(tmp[0]), cmp_u32);
		med = (m % 2 ? tmp[m / 2] : (tmp[m / 2 - 1] + (double)tmp[m / 2]) / 2) / 1000.0;
		if (med > thr)
			v = warm(a, e, now) && e->u.la.bl.n >= c->latency.samples ? V_RAISE
										  : V_NONE;
		else
			v = med <= e->u.la.bl.mean + margin / 2 ? V_CLEAR : V_KEEP;
		e->obs = med;
		e->exp = e->u.la.bl.mean;
		e->thr = thr;
		e->d2 = m;
	}
	learn(a, &e->u.la.bl, x, thr, e->active || v == V_RAISE, now);
	judge(a, e, v, 0, s, emit, arg);
}

static void vip_empty(struct sl_anom *a, const struct key *k, const struct sl_anom_vip *vp,
		      const struct sl_anom_sample *s, sl_anom_emit_fn emit, void *arg, int *rc)
{
	bool created;
	struct ent *e = get(a, k, s->now_ms, &created, rc);

	if (e == NULL)
		return;
	e->obs = vp->usable;
	e->exp = vp->nb_backends;
	e->thr = NAN;
	judge(a, e, vp->usable == 0 ? V_RAISE : V_CLEAR, 0, s, emit, arg);
}

/* ---- the object ------------------------------------------------------------- */

struct sl_anom *sl_anom_create(const struct sl_config_alerts *cfg)
{
	struct sl_anom *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->cfg = *cfg;
	a->tab = calloc(TAB_MIN, sizeof(*a->tab));
	if (a->tab == NULL) {
		free(a);
		return NULL;
	}
	a->mask = TAB_MIN - 1;
	return a;
}

void sl_anom_free(struct sl_anom *a)
{
	if (a == NULL)
		return;
	for (uint32_t i = 0; i <= a->mask; i++)
		for (struct ent *e = a->tab[i], *nx; e != NULL; e = nx) {
			nx = e->next;
			free(e);
		}
	free(a->tab);
	free(a);
}

/* Forget every entry for which drop(a, e) holds, resolving its alert
 * first ("why"). */
static void sweep(struct sl_anom *a, bool (*drop)(const struct sl_anom *, const struct ent *),
		  uint64_t now, int64_t wall_ms, const char *why, sl_anom_emit_fn emit, void *arg)
{
	for (uint32_t i = 0; i <= a->mask; i++) {
		struct ent **pp = &a->tab[i];

		while (*pp != NULL) {
			struct ent *e = *pp;

			if (!drop(a, e)) {
				pp = &e->next;
				continue;
			}
			if (e->active)
				resolve(a, e, now, wall_ms, why, emit, arg);
			*pp = e->next;
			free(e);
			a->count--;
		}
	}
}

static bool unseen(const struct sl_anom *a, const struct ent *e)
{
	return e->seen != a->tick;
}

static bool switched_off(const struct sl_anom *a, const struct ent *e)
{
	return !kind_on(&a->cfg, e->key.kind);
}

void sl_anom_set_config(struct sl_anom *a, const struct sl_config_alerts *cfg, uint64_t now_ms,
			int64_t wall_ms, sl_anom_emit_fn emit, void *arg)
{
	a->cfg = *cfg;
	sweep(a, switched_off, now_ms, wall_ms, "detector switched off", emit, arg);
}

int sl_anom_tick(struct sl_anom *a, const struct sl_anom_sample *s, sl_anom_emit_fn emit, void *arg)
{
	const struct sl_config_alerts *c = &a->cfg;
	struct key k;
	int rc = 0;

	a->tick++;
	for (uint32_t i = 0; i < s->nb_vips; i++) {
		const struct sl_anom_vip *v = &s->vips[i];

		if (kind_on(c, SL_ALERT_SKEW))
			skew(a, v, s, emit, arg, &rc);
		memset(&k, 0, sizeof(k));
		copy(k.a, sizeof(k.a), v->vip);
		k.kind = SL_ALERT_NONSYN_BURST;
		if (kind_on(c, k.kind))
			spike(a, &k, v->nonsyn, &c->nonsyn_burst, s, emit, arg, &rc);
		k.kind = SL_ALERT_VIP_EMPTY;
		if (kind_on(c, k.kind))
			vip_empty(a, &k, v, s, emit, arg, &rc);
	}
	if (kind_on(c, SL_ALERT_DROP_SPIKE))
		for (unsigned r = SL_V_OK + 1; r < SL_V_MAX; r++) {
			memset(&k, 0, sizeof(k));
			k.kind = SL_ALERT_DROP_SPIKE;
			k.reason = (uint8_t)r;
			spike(a, &k, s->drops[r], &c->drop_spike, s, emit, arg, &rc);
		}
	if (kind_on(c, SL_ALERT_RX_MISSED))
		for (uint32_t i = 0; i < s->nb_ports; i++) {
			memset(&k, 0, sizeof(k));
			k.kind = SL_ALERT_RX_MISSED;
			copy(k.a, sizeof(k.a), s->ports[i].name);
			spike(a, &k, s->ports[i].imissed, &c->rx_missed, s, emit, arg, &rc);
		}
	for (uint32_t i = 0; i < s->nb_targets; i++) {
		const struct sl_anom_target *t = &s->targets[i];

		memset(&k, 0, sizeof(k));
		copy(k.b, sizeof(k.b), t->address);
		copy(k.check, sizeof(k.check), t->check);
		k.port = t->port;
		k.kind = SL_ALERT_FLAPPING;
		if (kind_on(c, k.kind))
			flapping(a, &k, t, s, emit, arg, &rc);
		k.kind = SL_ALERT_LATENCY;
		if (kind_on(c, k.kind))
			latency(a, &k, t, s, emit, arg, &rc);
	}
	sweep(a, unseen, s->now_ms, s->wall_ms, "subject gone", emit, arg);
	return rc;
}

static int cmp_id(const void *x, const void *y)
{
	const struct ent *a = *(const struct ent *const *)x, *b = *(const struct ent *const *)y;

	return a->id < b->id ? -1 : a->id > b->id;
}

json_t *sl_anom_active(const struct sl_anom *a, int64_t wall_ms)
{
	const struct ent **list = calloc(a->active ? a->active : 1, sizeof(*list));
	json_t *arr = json_array();
	uint32_t n = 0;

	if (list == NULL || arr == NULL) {
		free(list);
		json_decref(arr);
		return NULL;
	}
	for (uint32_t i = 0; i <= a->mask; i++)
		for (const struct ent *e = a->tab[i]; e != NULL; e = e->next)
			if (e->active && n < a->active)
				list[n++] = e;
	qsort(list, n, sizeof(*list), cmp_id);
	for (uint32_t i = 0; i < n; i++) {
		char msg[512];

		message(a, list[i], NULL, msg, sizeof(msg));
		if (json_array_append_new(arr, alert_json(a, list[i], "active", wall_ms, msg)) <
		    0) {
			json_decref(arr);
			arr = NULL;
			break;
		}
	}
	free(list);
	return arr;
}

void sl_anom_counts(const struct sl_anom *a, struct sl_anom_counts *c)
{
	c->raised = a->raised;
	c->repeats = a->repeats;
	c->resolved = a->resolved;
	c->active = a->active;
	c->subjects = a->count;
}
