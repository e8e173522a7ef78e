/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Per-worker flow table: flow key -> real id.  One table per worker lcore,
 * written and read only by that worker (no locks, no atomics).  The control
 * thread creates and frees it and may read the single-writer statistics
 * (stale values are fine).
 *
 * Shape: set-associative buckets with keys stored inline, hardware CRC32c
 * hashing, prefetch across the burst.  Memory is fixed at creation (hugepages
 * through rte_malloc on the given NUMA socket); lookup and insert are O(1) and
 * never allocate.  When a bucket is full, insert evicts the entry of that
 * bucket that expires first (the oldest by idle deadline) and counts it.
 *
 * Time is a caller-supplied 32-bit millisecond clock (`now`), compared
 * wrap-safely; the worker reads it once per poll loop.
 */
#ifndef SL_FLOW_H
#define SL_FLOW_H

#include <stdint.h>

#include "sl_common.h"
#include "sl_crc.h"
#include "sl_parse.h"

struct sl_flow_table;

/* Ways per bucket: sl_flow_table_age() frees at most this many entries per
 * bucket it sweeps. */
#define SL_FLOW_WAYS 8

/* Idle timeouts in milliseconds. */
struct sl_flow_timeouts {
	uint32_t tcp;	      /* TCP flow with no FIN/RST seen */
	uint32_t tcp_closing; /* TCP flow after a FIN or RST was seen */
	uint32_t udp;	      /* UDP flow */
};

/* Statistics: written by the owning worker only, plain loads elsewhere. */
struct sl_flow_stats {
	uint64_t hits;
	uint64_t misses;
	uint64_t inserts;
	uint64_t evictions; /* live entry replaced because its bucket was full */
	uint64_t expired;   /* expired entry reused by an insert or freed by aging */
};

/* Create a table holding at least `entries` flows (rounded up to a power of
 * two number of buckets), zeroed, on NUMA `socket_id` (SOCKET_ID_ANY ok).
 * Main or control thread, at start-up.  Returns NULL and sets rte_errno on
 * failure. */
struct sl_flow_table *sl_flow_table_create(uint32_t entries, int socket_id,
					   const struct sl_flow_timeouts *to);
void sl_flow_table_free(struct sl_flow_table *t);
uint32_t sl_flow_table_capacity(const struct sl_flow_table *t);
/* Change the idle timeouts (owning worker, or before the worker starts). */
void sl_flow_table_set_timeouts(struct sl_flow_table *t, const struct sl_flow_timeouts *to);
const struct sl_flow_stats *sl_flow_table_stats(const struct sl_flow_table *t);
/* Number of live (unexpired at `now`) entries; walks the table: control
 * thread or tests only, never the hot path. */
uint32_t sl_flow_table_count(const struct sl_flow_table *t, uint32_t now);
/* Every occupied entry (live or expired but not yet freed): fn(arg, real_id,
 * deadline) once per entry, in table order.  Walks the whole table: tests
 * only (the worker's per-real flow counts are checked against it). */
void sl_flow_table_walk(const struct sl_flow_table *t,
			void (*fn)(void *arg, uint32_t real_id, uint32_t deadline), void *arg);
/* Free the expired entries of the next `n_buckets` buckets (a cursor walks the
 * table round-robin) and return how many were freed.  When `freed` is not
 * NULL it receives the real id of each freed entry (room for
 * n_buckets * SL_FLOW_WAYS ids, or the whole table's capacity when n_buckets
 * exceeds its bucket count), so the owner can keep per-real flow counts.
 * Deadlines are 32-bit ms, so an entry nobody meets for 2^31 ms (24.8 days)
 * after it expired would look live again; the owning worker calls this from
 * its poll loop (a few buckets per loop is plenty) so that every bucket is
 * swept well within that.  Worker only. */
uint32_t sl_flow_table_age(struct sl_flow_table *t, uint32_t now, uint32_t n_buckets,
			   uint32_t *freed);

/* Initial CRC register of the flow hash; the hash equals
 * rte_hash_crc(key, 40, SL_FLOW_HASH_SEED). */
#define SL_FLOW_HASH_SEED 0xffffffffu

/* CRC32c of the whole key (SSE4.2 crc32 instructions), inline. */
static inline uint32_t sl_flow_hash(const struct sl_flow_key *k)
{
	return sl_crc32c_words(k, sizeof(*k) / 8, SL_FLOW_HASH_SEED);
}

/* Prefetch the bucket for `hash`; call for the whole burst before lookups. */
void sl_flow_prefetch(const struct sl_flow_table *t, uint32_t hash);
/* Optional second stage, for the whole burst after sl_flow_prefetch and
 * before the lookups: reads the (by now fetched) bucket metadata and
 * prefetches the entry whose signature matches, or on a likely miss the
 * entry an insert at `now` would overwrite.  Once the table outgrows the
 * caches this hides the second memory access of a hit (bench_flow, 1M
 * flows: ~133 -> ~99 cycles/pkt) and of an insert; in cache it costs a few
 * cycles per packet.  Worker only. */
void sl_flow_prefetch_entry(const struct sl_flow_table *t, uint32_t hash, uint32_t now);

/* Look up `k`.  On a hit, refreshes the entry's idle deadline (using
 * tcp_flags: FIN or RST moves a TCP entry to the closing timeout for good),
 * stores the real id in *real_id and returns 1.  Returns 0 on a miss.  An
 * expired entry is a miss but stays where it is (still occupied, still
 * naming its real) until an insert reuses it or sl_flow_table_age() frees
 * it: the table changes what entries point at only where it reports it.
 * Worker only. */
int sl_flow_lookup(struct sl_flow_table *t, const struct sl_flow_key *k, uint32_t hash,
		   uint32_t now, uint8_t tcp_flags, uint32_t *real_id);

/* sl_flow_insert results */
#define SL_FLOW_INS_NEW	      0 /* a free or expired slot took the key */
#define SL_FLOW_INS_EVICTED   1 /* a live entry of a full bucket gave way */
#define SL_FLOW_INS_EXISTED   2 /* the key was there and live, with this real id: refreshed */
#define SL_FLOW_INS_REPOINTED 3 /* the key was there and live, with another real id */

/* Like sl_flow_lookup, but changes nothing (no refresh, no statistics):
 * returns 1 and the real id when a live entry for `k` exists.  Worker only
 * (the bounded-load path uses it to spot a flow inserted earlier in the same
 * burst). */
int sl_flow_peek(const struct sl_flow_table *t, const struct sl_flow_key *k, uint32_t hash,
		 uint32_t now, uint32_t *real_id);

/* What sl_flow_insert did.  Returned by value: 8 bytes come back in one
 * register, where a seventh (pointer) argument would go through the stack and
 * the result through memory (callgrind, new_v4_1k: 11 instructions per new
 * flow more). */
struct sl_flow_ins {
	/* The real id the slot named before: the evicted, re-pointed or expired
	 * entry's (real_id itself when SL_FLOW_INS_EXISTED), or SL_REAL_NONE
	 * when the slot was free.  The caller moves its per-real flow count
	 * from prev_real to real_id. */
	uint32_t prev_real;
	int result; /* SL_FLOW_INS_* */
};

/* Insert `k` -> real_id (or re-point an existing entry for `k`).  Never fails:
 * a full bucket gives up its entry closest to expiry.  Worker only. */
struct sl_flow_ins sl_flow_insert(struct sl_flow_table *t, const struct sl_flow_key *k,
				  uint32_t hash, uint32_t now, uint8_t tcp_flags, uint32_t real_id);

#endif /* SL_FLOW_H */
