/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Counter summaries: sums the workers' single-writer counters (plain loads;
 * a value may be a few packets stale while workers run).  Called on the
 * control thread (periodic summary) or the main thread after the workers
 * stopped (final summary).  The snapshot must stay valid during the call:
 * the control thread owns it, the main thread calls after the control thread
 * has stopped.
 */
#ifndef SL_STATS_H
#define SL_STATS_H

#include <stdio.h>

#include "sl_snapshot.h"
#include "sl_worker.h"

/* Human summary: totals, drops by reason, per VIP and per backend, flow
 * tables, busy cycles per packet. */
void sl_stats_print(FILE *f, const struct sl_snapshot *snap, struct sl_worker *const *w,
		    unsigned nb_workers, uint64_t tsc_hz);

/* One line: {"sluiced_stats":{...}} with the totals, drops and busy cycles
 * per packet, for scripts (the benchmark reads it). */
void sl_stats_json(FILE *f, struct sl_worker *const *w, unsigned nb_workers, uint64_t tsc_hz);

#endif /* SL_STATS_H */
