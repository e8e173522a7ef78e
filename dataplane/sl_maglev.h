/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Weighted Maglev lookup-table builder.  Pure code (no DPDK, no allocation on
 * the caller's behalf except documented scratch), run on the control thread
 * when a snapshot is built; workers only index the finished table.
 *
 * Determinism: the table depends only on the backends' identity bytes, their
 * weights and the table size: not on the order backends are given in, the
 * machine, the CPU's instruction set or the run.  Several sluice instances
 * with the same configuration therefore pick the same backend for a flow.
 */
#ifndef SL_MAGLEV_H
#define SL_MAGLEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SL_MAGLEV_EMPTY UINT32_MAX

struct sl_maglev_backend {
	const uint8_t *id; /* identity bytes (sluice uses the canonical address string) */
	size_t id_len;
	uint32_t weight; /* 0: takes no slots (no new flows) */
};

/* Fill table[0..m-1] with indexes into b[0..n-1].  m must be prime.  Slot
 * shares follow the weights; with equal weights every backend gets
 * floor(m/n) or ceil(m/n) slots.  When every weight is 0 (or n == 0) every
 * slot is SL_MAGLEV_EMPTY.  Returns 0, -EINVAL (m not prime, duplicate id,
 * n > m) or -ENOMEM. */
int sl_maglev_build(const struct sl_maglev_backend *b, uint32_t n, uint32_t m, uint32_t *table);

/* 64-bit fingerprint of a table built from b[0..n-1]: a portable hash of the
 * identity bytes of each slot's backend, in slot order, so it does not depend
 * on the order of b.  Operators compare it across instances; tests use it as
 * a golden value. */
uint64_t sl_maglev_fingerprint(const uint32_t *table, uint32_t m, const struct sl_maglev_backend *b,
			       uint32_t n);

bool sl_is_prime(uint32_t v);

/*
 * Fallback orders.  Each slot carries a short, fixed preference list of
 * backends derived from the configuration alone (identities, weights, m):
 * layer 0 is the plain Maglev table above; layer k (k >= 1) is a weighted
 * Maglev fill of the same table in which no backend may take a slot it
 * already holds in an earlier layer.  So every layer follows the weights, the
 * backends of one slot are distinct, and the order does not change with
 * health.  When a backend becomes unusable, only the slots whose current
 * owner it is change owner: each goes to the first usable backend of its own
 * order.  Every instance with the same configuration and the same view of
 * health makes the same choice.
 */
#define SL_MAGLEV_LAYERS 4 /* the owner and three fallbacks per slot */

struct sl_maglev_layers {
	uint32_t m;	/* table size */
	uint32_t n;	/* backends it was built from */
	uint32_t *slot; /* m * SL_MAGLEV_LAYERS indexes into b[]: slot j's order is
			 * slot[j * SL_MAGLEV_LAYERS + 0..3]; SL_MAGLEV_EMPTY past the
			 * end of a short order (fewer backends with weight > 0 than
			 * layers) */
};

/* Build the fallback orders for b[0..n-1] (weight 0 = in no layer).  Same
 * determinism as sl_maglev_build; layer 0 equals its table.  Returns 0,
 * -EINVAL or -ENOMEM; free with sl_maglev_layers_free.  Control thread.
 * -EINVAL for the input sl_maglev_build rejects, or out == NULL; on error
 * *out is left untouched.  Layer k is complete (no EMPTY)
 * whenever more than k backends have weight > 0, and all EMPTY otherwise.
 * sl_maglev_layers_free accepts a NULL or already-freed l. */
int sl_maglev_layers_build(const struct sl_maglev_backend *b, uint32_t n, uint32_t m,
			   struct sl_maglev_layers *out);
void sl_maglev_layers_free(struct sl_maglev_layers *l);

/* Share of its slots a backend takes, in 1/SL_SHARE_FULL: 0 = unusable,
 * SL_SHARE_FULL = all; in between = slow start: the backend takes the slots j
 * with sl_maglev_slot_rank(j, id) < share, a subset that only grows as share
 * grows; the rest go on down the slot's order as if it were unusable.
 * A share above SL_SHARE_FULL counts as SL_SHARE_FULL.  The rank is
 * SipHash-2-4 of (slot, id) under a fixed key, so part of the table format. */
#define SL_SHARE_FULL 1000u
uint32_t sl_maglev_slot_rank(uint32_t slot, const uint8_t *id, size_t id_len);

/* The table in force for a health / admin / slow-start view: for every slot,
 * the first backend of its order whose share admits the slot.  Slots whose
 * whole order is unusable are decided by a plain weighted Maglev table built
 * from the usable backends only (share > 0; with their configured weights).
 * owner[m] receives indexes into b[] or SL_MAGLEV_EMPTY (nothing usable).
 * If order != NULL it receives, per slot, up to SL_MAGLEV_LAYERS usable
 * choices in preference order (order[j * SL_MAGLEV_LAYERS] == owner[j]),
 * padded with SL_MAGLEV_EMPTY: bounded load walks it.  `b` must be the array
 * `l` was built from.  Returns 0 or -ENOMEM.  Control thread.
 * share[] has l->n entries.  The usable choices of a slot are the backends of
 * its order whose share admits it; a slot decided by the rebuild table gets
 * that table's pick as its only choice.  -EINVAL for NULL l, l->slot or
 * owner, for NULL b or share with l->n > 0, or an l that is not a built
 * table (m not prime, n > m); -ENOMEM leaves owner and order untouched. */
int sl_maglev_effective(const struct sl_maglev_layers *l, const struct sl_maglev_backend *b,
			const uint16_t *share, uint32_t *owner, uint32_t *order);

#endif /* SL_MAGLEV_H */
