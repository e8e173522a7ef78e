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

#endif /* SL_MAGLEV_H */
