/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Backend state machine and pool policy of one VIP: from the operator's
 * admin states, health, drain progress and the time, decide which backends
 * take new flows, which keep their established flows, how much of its own
 * table share a recovering backend takes (slow start), which pool serves
 * (backup takeover with hysteresis) and whether the VIP is in panic.
 *
 * Pure: no I/O, no clock of its own, no allocation.  The control thread calls
 * it whenever something it depends on changes (and at the time it returns as
 * the next change); unit tests drive it with made-up times.
 */
#ifndef SL_LBSTATE_H
#define SL_LBSTATE_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_config.h"

/* What an operator sees for a backend (`backend list`, `health`). */
enum sl_be_state {
	SL_BE_UP = 0,	  /* "up": healthy, enabled, full share */
	SL_BE_DOWN,	  /* "down": health checks fail */
	SL_BE_DISABLED,	  /* "disabled": by the operator */
	SL_BE_DRAINING,	  /* "draining": no new flows, established flows continue */
	SL_BE_DRAINED,	  /* "drained": draining, and no flows left or the deadline passed */
	SL_BE_SLOW_START, /* "slow_start": back up, taking back its share step by step */
};
const char *sl_be_state_name(enum sl_be_state s);

/* Per backend, kept by the caller across calls (one per (VIP, backend)). */
struct sl_be_runtime {
	bool health_up;	     /* input: current health verdict (true when not checked) */
	uint64_t flows;	     /* input: flows now in the workers' tables (sum of counts) */
	/* state: the caller zeroes it for a new backend, then leaves it to
	 * sl_lbstate_decide */
	bool usable_prev;	  /* was usable (enabled and healthy) at the last call */
	bool draining_prev;	  /* was draining at the last call */
	uint64_t usable_since_ms; /* when it last became usable; 0 = since start (no slow start) */
	uint64_t drain_since_ms;  /* when draining began */
};

/* Per backend, the decision. */
struct sl_be_verdict {
	enum sl_be_state state;
	bool take_new;	/* may be chosen for new flows */
	bool live;	/* established flows keep going to it */
	uint16_t share; /* of its slots it takes, 0..SL_SHARE_FULL (0 unless take_new) */
};

/* Per VIP, kept by the caller across calls. */
struct sl_vip_runtime {
	bool on_backup; /* the backup pool serves new flows (hysteresis memory) */
	bool panic;	/* output: the serving pool is below panic_threshold */
	bool empty;	/* output: nothing may take new flows */
	enum sl_pool serving;
	/* output: usable capacity of each pool, in percent of its enabled
	 * weight (0 when the pool has no enabled weight) */
	uint8_t capacity_pct[SL_NB_POOLS];
};

/*
 * Decide for VIP v at time now_ms (milliseconds on any monotonic clock that
 * starts above 0).  be[i] / out[i] belong to v->backends[i].
 *
 * Rules (docs/OPERATIONS.md says the same for operators):
 *  - usable = admin enabled, weight > 0, healthy.
 *  - A pool's capacity = usable weight / weight of its enabled backends.
 *  - Backup takeover: when a backup pool exists, new flows go to it once the
 *    primary's capacity falls below backup_threshold_pct, and come back
 *    when it reaches backup_threshold_pct + backup_hysteresis_pct.  When the
 *    backup has nothing usable (and is not in panic), the primary serves.
 *  - Panic: when the serving pool's capacity is below panic_threshold_pct:
 *    open = every enabled backend of the pool with weight > 0 takes new
 *    flows, healthy or not; closed = only the usable ones.
 *  - Draining: no new flows; live until flows reaches 0 (then "drained") or
 *    drain_timeout_ms passes (then "drained" and not live: its flows move).
 *  - Disabled: neither new nor live.  Down: not live, unless panic-open.
 *  - Slow start: a backend that becomes usable again (not at start-up)
 *    takes share = SL_SHARE_FULL * (k + 1) / 10 in the k-th tenth of
 *    slow_start_ms, then SL_SHARE_FULL.
 *  - Backends of the pool that does not serve keep their established flows
 *    (live when healthy) but take no new ones.
 *
 * Returns the next time (ms) at which the result changes without any input
 * changing (slow-start step, drain deadline), or UINT64_MAX if none.
 */
uint64_t sl_lbstate_decide(const struct sl_config_vip *v, struct sl_be_runtime *be,
			   struct sl_vip_runtime *vr, uint64_t now_ms, struct sl_be_verdict *out);

#endif /* SL_LBSTATE_H */
