/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Backend state machine and pool policy of one VIP (rules in sl_lbstate.h).
 * Pure: reads only its arguments, writes only the runtime state and the
 * verdicts it is given.
 */
#include <stddef.h>

#include "sl_lbstate.h"
#include "sl_maglev.h"

const char *sl_be_state_name(enum sl_be_state s)
{
	switch (s) {
	case SL_BE_UP:
		return "up";
	case SL_BE_DOWN:
		return "down";
	case SL_BE_DISABLED:
		return "disabled";
	case SL_BE_DRAINING:
		return "draining";
	case SL_BE_DRAINED:
		return "drained";
	case SL_BE_SLOW_START:
		return "slow_start";
	}
	return "?";
}

/* a + b, or UINT64_MAX (never) when it does not fit. */
static uint64_t add_sat(uint64_t a, uint64_t b)
{
	return a > UINT64_MAX - b ? UINT64_MAX : a + b;
}

static void next_at(uint64_t *next, uint64_t t)
{
	if (t < *next)
		*next = t;
}

/* Weights of one pool: "enabled" = admin-enabled backends, "usable" = the
 * enabled ones with weight > 0 that are healthy.  Weights are at most 65535
 * (the parser's limit) and backends fewer than 2^32, so sums stay below 2^48
 * and usable * 100 and pct * enabled fit in 64 bits. */
struct pool_sum {
	uint64_t enabled;
	uint64_t usable;
	bool panic;
};

/* usable * 100 < pct * enabled: strict, exact, false for an empty pool. */
static bool below(const struct pool_sum *p, unsigned pct)
{
	return p->usable * 100 < (uint64_t)pct * p->enabled;
}

static bool usable_of(const struct sl_config_backend *b, const struct sl_be_runtime *r)
{
	return b->state == SL_ADMIN_ENABLED && b->weight > 0 && r->health_up;
}

/* Update the per-backend memory (slow-start origin, drain origin) for this
 * call and add the backend to its pool's sums. */
static void track(const struct sl_config_backend *b, struct sl_be_runtime *r, uint64_t now_ms,
		  struct pool_sum *ps)
{
	bool usable = usable_of(b, r);
	bool draining = b->state == SL_ADMIN_DRAINING;

	if (usable && !r->usable_prev)
		r->usable_since_ms = r->seen ? now_ms : 0;
	if (draining && !r->draining_prev)
		r->drain_since_ms = now_ms;
	r->usable_prev = usable;
	r->draining_prev = draining;
	r->seen = true;

	if (b->pool >= SL_NB_POOLS)
		return;
	if (b->state == SL_ADMIN_ENABLED)
		ps[b->pool].enabled += b->weight;
	if (usable)
		ps[b->pool].usable += b->weight;
}

/* Pick the serving pool (rules in sl_lbstate.h).  When none can serve the
 * primary is named: then nothing in it is usable and it is not in panic-open,
 * so none of its backends takes new flows either. */
static enum sl_pool choose_pool(const struct sl_config_vip *v, const struct pool_sum *ps,
				bool on_backup)
{
	enum sl_pool order[2];

	order[0] = on_backup ? SL_POOL_BACKUP : SL_POOL_PRIMARY;
	order[1] = on_backup ? SL_POOL_PRIMARY : SL_POOL_BACKUP;
	for (int i = 0; i < 2; i++)
		if (ps[order[i]].usable > 0)
			return order[i];
	if (v->panic_mode == SL_PANIC_OPEN)
		for (int i = 0; i < 2; i++)
			if (ps[order[i]].panic && ps[order[i]].enabled > 0)
				return order[i];
	return SL_POOL_PRIMARY;
}

/* Slow start of a usable backend: true while in its period, with the share
 * of the current tenth in *share and the time the tenth ends in *step. */
static bool slow_start(const struct sl_config_vip *v, const struct sl_be_runtime *r,
		       uint64_t now_ms, uint16_t *share, uint64_t *step)
{
	uint64_t len = v->slow_start_ms, since = r->usable_since_ms, elapsed, k;

	if (since == 0 || len == 0)
		return false;
	elapsed = now_ms > since ? now_ms - since : 0;
	if (elapsed >= len)
		return false;
	/* k-th tenth: k * len <= elapsed * 10 < (k + 1) * len; elapsed < 2^32. */
	k = elapsed * 10 / len;
	*share = (uint16_t)(SL_SHARE_FULL * (k + 1) / 10);
	/* The first elapsed with elapsed * 10 >= (k + 1) * len. */
	*step = add_sat(since, ((k + 1) * len + 9) / 10);
	return true;
}

static void decide_draining(const struct sl_config_vip *v, const struct sl_be_runtime *r,
			    uint64_t now_ms, struct sl_be_verdict *o, uint64_t *next)
{
	uint64_t deadline = add_sat(r->drain_since_ms, v->drain_timeout_ms);

	if (r->flows == 0 || now_ms >= deadline) {
		o->state = SL_BE_DRAINED;
		return;
	}
	next_at(next, deadline);
	if (!r->health_up) {
		o->state = SL_BE_DOWN;
		return;
	}
	o->state = SL_BE_DRAINING;
	o->live = true;
}

/* An admin-enabled backend.  in_serving: its pool serves new flows. */
static void decide_enabled(const struct sl_config_vip *v, const struct sl_config_backend *b,
			   const struct sl_be_runtime *r, uint64_t now_ms, bool in_serving,
			   bool panic, struct sl_be_verdict *o, uint64_t *next)
{
	uint16_t ramp = SL_SHARE_FULL;
	uint64_t step = UINT64_MAX;

	if (!r->health_up) {
		o->state = SL_BE_DOWN;
		if (in_serving && panic && v->panic_mode == SL_PANIC_OPEN && b->weight > 0) {
			o->take_new = true;
			o->live = true;
			o->share = SL_SHARE_FULL;
		}
		return;
	}
	o->state = SL_BE_UP;
	o->live = true;
	if (b->weight == 0)
		return;
	if (slow_start(v, r, now_ms, &ramp, &step)) {
		o->state = SL_BE_SLOW_START;
		/* Only the share of a ramping backend changes at each tenth;
		 * otherwise only the state, at the end of the period. */
		if (in_serving && !panic)
			next_at(next, step);
		else
			next_at(next, add_sat(r->usable_since_ms, v->slow_start_ms));
	}
	if (in_serving) {
		o->take_new = true;
		o->share = panic ? SL_SHARE_FULL : ramp;
	}
}

uint64_t sl_lbstate_decide(const struct sl_config_vip *v, struct sl_be_runtime *be,
			   struct sl_vip_runtime *vr, uint64_t now_ms, struct sl_be_verdict *out)
{
	struct pool_sum ps[SL_NB_POOLS] = {{0}};
	const struct pool_sum *pri = &ps[SL_POOL_PRIMARY];
	unsigned back_pct;
	bool has_backup = false, any_new = false;
	enum sl_pool serving;
	uint64_t next = UINT64_MAX;

	for (uint32_t i = 0; i < v->nb_backends; i++) {
		track(&v->backends[i], &be[i], now_ms, ps);
		if (v->backends[i].pool == SL_POOL_BACKUP)
			has_backup = true;
	}
	for (int p = 0; p < SL_NB_POOLS; p++) {
		ps[p].panic = below(&ps[p], v->panic_threshold_pct);
		vr->capacity_pct[p] =
		    ps[p].enabled ? (uint8_t)(ps[p].usable * 100 / ps[p].enabled) : 0;
	}

	/* Hysteresis memory: leave the primary below the threshold, come back
	 * at threshold + hysteresis (capped at 100%: a full primary always
	 * comes back).  A primary with no enabled weight changes nothing. */
	back_pct = (unsigned)v->backup_threshold_pct + v->backup_hysteresis_pct;
	if (back_pct > 100)
		back_pct = 100;
	if (!has_backup)
		vr->on_backup = false;
	else if (!vr->on_backup) /* false for an empty primary: 0 < 0 */
		vr->on_backup = below(pri, v->backup_threshold_pct);
	else if (pri->enabled > 0)
		vr->on_backup = below(pri, back_pct);

	serving = choose_pool(v, ps, vr->on_backup);
	vr->serving = serving;
	vr->panic = ps[serving].panic;

	for (uint32_t i = 0; i < v->nb_backends; i++) {
		const struct sl_config_backend *b = &v->backends[i];
		struct sl_be_verdict *o = &out[i];

		*o = (struct sl_be_verdict){.state = SL_BE_DISABLED};
		switch (b->state) {
		case SL_ADMIN_ENABLED:
			decide_enabled(v, b, &be[i], now_ms, b->pool == serving, vr->panic, o,
				       &next);
			break;
		case SL_ADMIN_DRAINING:
			decide_draining(v, &be[i], now_ms, o, &next);
			break;
		case SL_ADMIN_DISABLED:
		default:
			break;
		}
		any_new = any_new || o->take_new;
	}
	vr->empty = !any_new;
	return next;
}
