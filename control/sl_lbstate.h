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
	bool health_up; /* input: current health verdict (true when not checked) */
	uint64_t flows; /* input: flows now in the workers' tables (sum of counts) */
	/* state: the caller zeroes it for a new backend, then leaves it to
	 * sl_lbstate_decide */
	bool seen;		  /* a call has been made (added: tells start-up from recovery) */
	bool usable_prev;	  /* was usable (enabled, weight > 0, healthy) at the last call */
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
 * Details (decided with the implementation; tests/lbstate checks each):
 *  - Thresholds compare exact weights, never rounded percents: the primary
 *    is short when usable * 100 < backup_threshold_pct * enabled, and is
 *    back when usable * 100 >= min(threshold + hysteresis, 100) * enabled;
 *    a pool is in panic when usable * 100 < panic_threshold_pct * enabled
 *    (strict, so 0% never panics).  capacity_pct is for display only and is
 *    rounded down (99.9% shows 99).  Draining and disabled backends are not
 *    in "enabled", so draining a backend never pushes a VIP to its backup.
 *  - on_backup is the hysteresis memory ("the primary is short"); it is
 *    kept false while the VIP has no backend in the backup pool.  A primary
 *    with no enabled weight does not change it.
 *  - Which pool serves: the designated one (backup when on_backup, else
 *    primary) if it has usable weight; else the other if it has usable
 *    weight (so a backup with nothing healthy leaves the primary serving,
 *    and a primary with nothing healthy is relieved by a healthy backup
 *    even at threshold 0%); else, with panic_mode open, the designated and
 *    then the other pool if it is in panic with enabled weight (fail open
 *    over unhealthy backends only when no pool has a healthy one); else
 *    nothing: empty = true, serving = primary, panic = the primary's.
 *  - Panic (of the serving pool only) suspends the slow-start ramp: every
 *    backend that takes new flows gets SL_SHARE_FULL, since the pool is
 *    short of capacity and a recovered backend relieves the survivors.  Its
 *    state still reads slow_start until its period ends.
 *  - Slow start begins whenever a backend becomes usable after a call where
 *    it was not: health recovery, operator enable (from disabled or
 *    draining), weight 0 -> > 0.  Not at a backend's first call (seen ==
 *    false): start-up, or a backend added while usable.  It counts from
 *    that moment whatever pool serves; capacity counts its full weight.  If
 *    it becomes unusable during slow start the ramp is lost: when it comes
 *    back it starts again at the first tenth.  slow_start_ms == 0: off.
 *    The state is slow_start for [since, since + slow_start_ms), so in the
 *    last tenth the share is already full but the state still slow_start.
 *  - Draining: the deadline is drain_since_ms + drain_timeout_ms, with
 *    drain_since_ms the first call that saw it draining (a daemon restart
 *    starts it again); drain_timeout_ms == 0 moves its flows at once.
 *    flows == 0 or now >= deadline: "drained", not live (flows == 0 has
 *    nothing left to move).  Before that, unhealthy: "down", not live (its
 *    flows cannot be served), and the deadline keeps running; healthy:
 *    "draining", live.  Weight and pool do not matter while draining; it
 *    never takes new flows, not even in panic.
 *  - An enabled backend with weight 0: "up" and live when healthy, "down"
 *    and not live otherwise, never takes new flows (not even panic-open).
 *  - Down and enabled, in the serving pool in panic-open with weight > 0:
 *    state "down", take_new and live, share SL_SHARE_FULL.
 *  - The function never fails; v->nb_backends == 0 gives empty.
 *
 * Returns the next time (ms) at which the result changes without any input
 * changing (slow-start step, end of slow start, drain deadline), or
 * UINT64_MAX if none.  Runs on the control thread (any thread: it touches
 * only its arguments).
 */
uint64_t sl_lbstate_decide(const struct sl_config_vip *v, struct sl_be_runtime *be,
			   struct sl_vip_runtime *vr, uint64_t now_ms, struct sl_be_verdict *out);

#endif /* SL_LBSTATE_H */
