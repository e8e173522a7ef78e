/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Per-worker flow table (see sl_flow.h for the contract).
 *
 * Layout: 2^n buckets of SL_FLOW_WAYS ways.  Each bucket starts with one
 * metadata cache line holding the ways' 32-bit signatures and 32-bit idle
 * deadlines, followed by one cache line per way holding the key, the real id
 * and the flags.  A lookup reads the metadata line (prefetched across the
 * burst), compares the signatures of all ways at once with SSE2, and touches
 * exactly one entry line on a hit and none on a miss.  An insert picks its
 * slot (empty, else expired, else the earliest deadline) from the metadata
 * line alone, so choosing a victim never reads the other entries.
 *
 * Why one line per entry rather than packed 48-byte entries: a packed entry
 * straddles two lines for half the ways, which makes a hit at 1M flows pay two
 * DRAM misses instead of one; the extra 16 bytes per flow are cheaper.
 *
 * Empty slots have signature 0; computed signatures are forced odd, so an
 * empty slot never depends on the clock.  Deadlines are compared as
 * (int32_t)(deadline - now), which is exact across the 2^32 ms wrap as long
 * as a deadline is never more than 2^31 - 1 ms away (timeouts are clamped)
 * and a dead entry is reclaimed less than 2^31 ms (24.8 days) after it
 * expired: inserts reclaim what they meet, and sl_flow_table_age() sweeps
 * every bucket.  Lookups never free an entry: every change of what an entry
 * points at goes through insert or age, which report the real it pointed at,
 * so the worker's per-real flow counts stay exact.
 *
 * Everything here runs on the owning worker unless the comment says otherwise.
 */
#include <errno.h>
#include <stddef.h>
#include <string.h>

#include <rte_common.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_prefetch.h>

#if defined(RTE_ARCH_X86_64) && defined(__SSE4_2__)
#include <nmmintrin.h>
#include <smmintrin.h>
#define SL_FLOW_SSE 1
#else
#include <rte_hash_crc.h>
#define SL_FLOW_SSE 0
#endif

#include "sl_flow.h"

/* Largest timeout that keeps (int32_t)(deadline - now) meaningful. */
#define SL_FLOW_TIMEOUT_MAX ((uint32_t)INT32_MAX)
/* 2^28 buckets * 8 ways = 2^31 entries still fits the uint32_t capacity. */
#define SL_FLOW_MAX_BUCKETS (1u << 28)

#define SL_TCP_FIN   0x01
#define SL_TCP_RST   0x04
#define SL_PROTO_TCP 6

/* sl_flow_entry.flags */
#define SL_FE_CLOSING 0x01 /* TCP FIN or RST seen: closing timeout for good */

/* Index into sl_flow_table.timeout_ms. */
enum { SL_TO_TCP, SL_TO_TCP_CLOSING, SL_TO_UDP, SL_TO_MAX };
_Static_assert(SL_TO_TCP_CLOSING == SL_TO_TCP + SL_FE_CLOSING, "deadline_of() adds the flag");

struct sl_flow_entry {
	struct sl_flow_key key;
	uint32_t real_id;
	uint8_t flags; /* SL_FE_* */
} __rte_cache_aligned;

struct sl_flow_bucket {
	uint32_t sig[SL_FLOW_WAYS];	 /* 0: empty slot */
	uint32_t deadline[SL_FLOW_WAYS]; /* ms; meaningful only when sig != 0 */
	struct sl_flow_entry e[SL_FLOW_WAYS];
} __rte_cache_aligned;

_Static_assert(sizeof(struct sl_flow_entry) == RTE_CACHE_LINE_SIZE, "one line per entry");
_Static_assert(offsetof(struct sl_flow_bucket, e) == RTE_CACHE_LINE_SIZE, "metadata fits one line");

struct sl_flow_table {
	/* Read on every packet by the worker; written only at set-up. */
	struct sl_flow_bucket *buckets;
	uint32_t mask;
	uint32_t timeout_ms[SL_TO_MAX];
	/* Worker: rw; nobody else. */
	uint32_t age_cursor;
	/* Worker: rw (plain increments); control thread: ro, stale is fine. */
	struct sl_flow_stats stats __rte_cache_aligned;
};

static uint32_t clamp_timeout(uint32_t ms)
{
	return ms > SL_FLOW_TIMEOUT_MAX ? SL_FLOW_TIMEOUT_MAX : ms;
}

/* Control thread (or the owning worker). */
void sl_flow_table_set_timeouts(struct sl_flow_table *t, const struct sl_flow_timeouts *to)
{
	t->timeout_ms[SL_TO_TCP] = clamp_timeout(to->tcp);
	t->timeout_ms[SL_TO_TCP_CLOSING] = clamp_timeout(to->tcp_closing);
	t->timeout_ms[SL_TO_UDP] = clamp_timeout(to->udp);
}

/* Control thread, at start-up. */
struct sl_flow_table *sl_flow_table_create(uint32_t entries, int socket_id,
					   const struct sl_flow_timeouts *to)
{
	struct sl_flow_table *t;
	uint64_t nb;

	if (entries == 0 || to == NULL) {
		rte_errno = EINVAL;
		return NULL;
	}
	nb = rte_align64pow2(((uint64_t)entries + SL_FLOW_WAYS - 1) / SL_FLOW_WAYS);
	if (nb > SL_FLOW_MAX_BUCKETS) {
		rte_errno = EINVAL;
		return NULL;
	}
	t = rte_zmalloc_socket("sl_flow_table", sizeof(*t), RTE_CACHE_LINE_SIZE, socket_id);
	if (t == NULL)
		goto err_table;
	/* Zeroed memory is a table of empty slots (signature 0). */
	t->buckets = rte_zmalloc_socket("sl_flow_buckets", nb * sizeof(struct sl_flow_bucket),
					RTE_CACHE_LINE_SIZE, socket_id);
	if (t->buckets == NULL)
		goto err_buckets;
	t->mask = (uint32_t)(nb - 1);
	sl_flow_table_set_timeouts(t, to);
	return t;

err_buckets:
	rte_free(t);
err_table:
	rte_errno = ENOMEM;
	return NULL;
}

/* Control thread, once the owning worker has stopped using the table. */
void sl_flow_table_free(struct sl_flow_table *t)
{
	if (t == NULL)
		return;
	rte_free(t->buckets);
	rte_free(t);
}

uint32_t sl_flow_table_capacity(const struct sl_flow_table *t)
{
	return (t->mask + 1) * SL_FLOW_WAYS;
}

const struct sl_flow_stats *sl_flow_table_stats(const struct sl_flow_table *t)
{
	return &t->stats;
}

static inline int is_live(uint32_t deadline, uint32_t now)
{
	return (int32_t)(deadline - now) > 0;
}

/* Control thread or tests: reads a table the worker may be writing, so the
 * result is approximate while traffic runs. */
uint32_t sl_flow_table_count(const struct sl_flow_table *t, uint32_t now)
{
	uint32_t n = 0;

	for (uint32_t b = 0; b <= t->mask; b++) {
		const struct sl_flow_bucket *bk = &t->buckets[b];

		for (unsigned int w = 0; w < SL_FLOW_WAYS; w++)
			n += bk->sig[w] != 0 && is_live(bk->deadline[w], now);
	}
	return n;
}

/* Tests only: reads every entry line. */
void sl_flow_table_walk(const struct sl_flow_table *t,
			void (*fn)(void *arg, uint32_t real_id, uint32_t deadline), void *arg)
{
	for (uint32_t b = 0; b <= t->mask; b++) {
		const struct sl_flow_bucket *bk = &t->buckets[b];

		for (unsigned int w = 0; w < SL_FLOW_WAYS; w++)
			if (bk->sig[w] != 0)
				fn(arg, bk->e[w].real_id, bk->deadline[w]);
	}
}

uint32_t sl_flow_table_age(struct sl_flow_table *t, uint32_t now, uint32_t n_buckets,
			   uint32_t *freed)
{
	uint32_t n = 0;
	uint32_t b = t->age_cursor;

	if (n_buckets > t->mask + 1)
		n_buckets = t->mask + 1;
	for (uint32_t i = 0; i < n_buckets; i++, b = (b + 1) & t->mask) {
		struct sl_flow_bucket *bk = &t->buckets[b];

		for (unsigned int w = 0; w < SL_FLOW_WAYS; w++) {
			if (bk->sig[w] != 0 && !is_live(bk->deadline[w], now)) {
				bk->sig[w] = 0;
				/* Only freed entries' lines are read. */
				if (freed != NULL)
					freed[n] = bk->e[w].real_id;
				n++;
			}
		}
	}
	t->age_cursor = b;
	t->stats.expired += n;
	return n;
}

/* The bucket index takes the low bits; the signature keeps the whole hash
 * (its low bits are equal within a bucket, the high bits tell entries apart),
 * with bit 0 forced so that 0 can mean empty. */
static inline uint32_t sig_of(uint32_t hash)
{
	return hash | 1;
}

static inline struct sl_flow_bucket *bucket_of(const struct sl_flow_table *t, uint32_t hash)
{
	return &t->buckets[hash & t->mask];
}

void sl_flow_prefetch(const struct sl_flow_table *t, uint32_t hash)
{
	rte_prefetch0(bucket_of(t, hash));
}

/* Bit w set when way w's signature equals `sig`. */
static inline unsigned int sig_match(const struct sl_flow_bucket *bk, uint32_t sig)
{
#if SL_FLOW_SSE
	__m128i s = _mm_set1_epi32((int)sig);
	__m128i lo = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)&bk->sig[0]), s);
	__m128i hi = _mm_cmpeq_epi32(_mm_load_si128((const __m128i *)&bk->sig[4]), s);

	return (unsigned int)_mm_movemask_ps(_mm_castsi128_ps(lo)) |
	       (unsigned int)_mm_movemask_ps(_mm_castsi128_ps(hi)) << 4;
#else
	unsigned int m = 0;

	for (unsigned int w = 0; w < SL_FLOW_WAYS; w++)
		m |= (unsigned int)(bk->sig[w] == sig) << w;
	return m;
#endif
}

/* Branch-free 40-byte compare; `a` is the caller's key (any alignment), `b`
 * is an entry's key (cache-line aligned). */
static inline int key_eq(const struct sl_flow_key *a, const struct sl_flow_key *b)
{
	uint64_t x, y;

	memcpy(&x, (const uint8_t *)a + 32, sizeof(x));
	memcpy(&y, (const uint8_t *)b + 32, sizeof(y));
#if SL_FLOW_SSE
	/* Straight from memory into vector registers: copying the keys into
	 * u64 arrays made the compiler bounce them through the stack. */
	__m128i d = _mm_or_si128(
	    _mm_xor_si128(_mm_loadu_si128((const __m128i *)a), _mm_load_si128((const __m128i *)b)),
	    _mm_xor_si128(_mm_loadu_si128((const __m128i *)a + 1),
			  _mm_load_si128((const __m128i *)b + 1)));

	return _mm_testz_si128(d, d) & (x == y);
#else
	return memcmp(a, b, 32) == 0 && x == y;
#endif
}

/* Way holding `k`, or -1. */
static inline int find_way(const struct sl_flow_bucket *bk, const struct sl_flow_key *k,
			   uint32_t sig)
{
	unsigned int m = sig_match(bk, sig);

	while (m != 0) {
		unsigned int w = (unsigned int)__builtin_ctz(m);

		if (likely(key_eq(k, &bk->e[w].key)))
			return (int)w;
		m &= m - 1;
	}
	return -1;
}

/* Reads the metadata line, which sl_flow_prefetch() has requested a burst
 * earlier; only the first matching way is prefetched (a second match needs a
 * 32-bit signature collision). */
/* Closing flag after a packet with `tcp_flags` on an entry with `flags`:
 * sticky once set, and only for TCP.  Branch-free because the TCP/UDP mix of
 * a burst is unpredictable. */
static inline uint8_t next_flags(uint8_t flags, const struct sl_flow_key *k, uint8_t tcp_flags)
{
	unsigned int fin_rst = (tcp_flags & (SL_TCP_FIN | SL_TCP_RST)) != 0;

	return (uint8_t)(flags | (fin_rst & (k->proto == SL_PROTO_TCP)));
}

/* Idle deadline for a packet seen `now`: SL_TO_TCP (0) or SL_TO_TCP_CLOSING
 * (1) by the closing flag for TCP, SL_TO_UDP (2) for the rest. */
static inline uint32_t deadline_of(const struct sl_flow_table *t, uint8_t flags,
				   const struct sl_flow_key *k, uint32_t now)
{
	unsigned int to = k->proto == SL_PROTO_TCP ? (flags & SL_FE_CLOSING) : SL_TO_UDP;

	return now + t->timeout_ms[to];
}

int sl_flow_lookup(struct sl_flow_table *t, const struct sl_flow_key *k, uint32_t hash,
		   uint32_t now, uint8_t tcp_flags, uint32_t *real_id)
{
	struct sl_flow_bucket *bk = bucket_of(t, hash);
	int w = find_way(bk, k, sig_of(hash));

	/* An expired entry stays: the insert that usually follows finds it
	 * (same key) and reuses it in place, reporting the real it named. */
	if (unlikely(w < 0 || !is_live(bk->deadline[w], now))) {
		t->stats.misses++;
		return 0;
	}
	uint8_t fl = next_flags(bk->e[w].flags, k, tcp_flags);

	/* Written only when it changes (the first FIN or RST): a hit then
	 * dirties the metadata line only, not the entry's. */
	if (unlikely(fl != bk->e[w].flags))
		bk->e[w].flags = fl;
	bk->deadline[w] = deadline_of(t, fl, k, now);
	*real_id = bk->e[w].real_id;
	t->stats.hits++;
	return 1;
}

/* What pick_slot's way holds. */
enum { SLOT_EMPTY = 0, SLOT_EXPIRED, SLOT_LIVE };

/* Slot for a new key: the first empty way, else the way whose deadline comes
 * first (an expired one if any).  Reads the metadata line only.  Sets *state
 * to what the chosen way holds (SLOT_*). */
static inline unsigned int pick_slot(const struct sl_flow_bucket *bk, uint32_t now, int *state)
{
	unsigned int empty = sig_match(bk, 0);
	unsigned int best = 0;
	int32_t best_left;

	if (empty != 0) {
		*state = SLOT_EMPTY;
		return (unsigned int)__builtin_ctz(empty);
	}
#if SL_FLOW_SSE
	/* Time left per way, the minimum across the 8, and the lowest way
	 * holding it (the same way the scalar loop below picks). */
	__m128i n = _mm_set1_epi32((int)now);
	__m128i lo = _mm_sub_epi32(_mm_load_si128((const __m128i *)&bk->deadline[0]), n);
	__m128i hi = _mm_sub_epi32(_mm_load_si128((const __m128i *)&bk->deadline[4]), n);
	__m128i mn = _mm_min_epi32(lo, hi);

	mn = _mm_min_epi32(mn, _mm_shuffle_epi32(mn, _MM_SHUFFLE(1, 0, 3, 2)));
	mn = _mm_min_epi32(mn, _mm_shuffle_epi32(mn, _MM_SHUFFLE(2, 3, 0, 1)));
	best = (unsigned int)__builtin_ctz(
	    (unsigned int)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(lo, mn))) |
	    (unsigned int)_mm_movemask_ps(_mm_castsi128_ps(_mm_cmpeq_epi32(hi, mn))) << 4);
	best_left = _mm_cvtsi128_si32(mn);
#else
	best_left = (int32_t)(bk->deadline[0] - now);
	for (unsigned int w = 1; w < SL_FLOW_WAYS; w++) {
		int32_t left = (int32_t)(bk->deadline[w] - now);

		if (left < best_left) {
			best_left = left;
			best = w;
		}
	}
#endif
	*state = SLOT_EXPIRED + (best_left > 0);
	return best;
}

void sl_flow_prefetch_entry(const struct sl_flow_table *t, uint32_t hash, uint32_t now)
{
	const struct sl_flow_bucket *bk = bucket_of(t, hash);
	unsigned int m = sig_match(bk, sig_of(hash));
	int state;

	/* A likely hit: the entry it will read.  A miss: the entry the insert
	 * that follows will overwrite (for writing). */
	if (m != 0)
		rte_prefetch0(&bk->e[__builtin_ctz(m)]);
	else
		__builtin_prefetch(&bk->e[pick_slot(bk, now, &state)], 1, 3);
}

int sl_flow_peek(const struct sl_flow_table *t, const struct sl_flow_key *k, uint32_t hash,
		 uint32_t now, uint32_t *real_id)
{
	const struct sl_flow_bucket *bk = bucket_of(t, hash);
	int w = find_way(bk, k, sig_of(hash));

	if (w < 0 || !is_live(bk->deadline[w], now))
		return 0;
	*real_id = bk->e[w].real_id;
	return 1;
}

struct sl_flow_ins sl_flow_insert(struct sl_flow_table *t, const struct sl_flow_key *k,
				  uint32_t hash, uint32_t now, uint8_t tcp_flags, uint32_t real_id)
{
	struct sl_flow_bucket *bk = bucket_of(t, hash);
	uint32_t sig = sig_of(hash);
	int w = find_way(bk, k, sig);
	struct sl_flow_ins r = {.result = SL_FLOW_INS_NEW};
	int state;
	uint8_t fl = 0;

	t->stats.inserts++;
	if (w >= 0) {
		/* Re-point in place: a second copy of the key would shadow it.
		 * A live flow keeps its closing state; a dead one starts anew. */
		r.prev_real = bk->e[w].real_id;
		if (is_live(bk->deadline[w], now)) {
			fl = bk->e[w].flags;
			r.result =
			    r.prev_real == real_id ? SL_FLOW_INS_EXISTED : SL_FLOW_INS_REPOINTED;
		} else {
			t->stats.expired++;
		}
	} else {
		w = (int)pick_slot(bk, now, &state);
		r.prev_real = SL_REAL_NONE;
		if (state != SLOT_EMPTY) {
			/* The victim's real, for the caller's flow counts.  This
			 * loads the entry line that the stores below need
			 * anyway (with large tables the second prefetch stage
			 * has asked for it); nothing here waits on the value. */
			r.prev_real = bk->e[w].real_id;
			if (state == SLOT_LIVE) {
				t->stats.evictions++;
				r.result = SL_FLOW_INS_EVICTED;
			} else {
				t->stats.expired++;
			}
		}
		bk->sig[w] = sig;
		bk->e[w].key = *k;
	}
	fl = next_flags(fl, k, tcp_flags);
	bk->e[w].real_id = real_id;
	bk->e[w].flags = fl;
	bk->deadline[w] = deadline_of(t, fl, k, now);
	return r;
}
