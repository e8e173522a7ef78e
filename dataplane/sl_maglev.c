/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Weighted Maglev (Eisenbud et al., NSDI'16, section 3.4) table builder.
 * Runs on the control thread while a snapshot is built; workers only read the
 * finished table.
 *
 * Each backend walks its own permutation of the slots,
 *   offset = h1(id) mod m, skip = h2(id) mod (m - 1) + 1,
 *   permutation[j] = (offset + j * skip) mod m,
 * and claims the first slot of it that is still free when its turn comes.
 * m prime makes every skip coprime to m, so each walk visits every slot and a
 * turn always ends with a claim.
 *
 * Turns are weighted by credit: in every round each backend earns its weight
 * and spends wmax (the largest weight) per claim.  Backend i therefore makes
 * its k-th claim in round ceil(k * wmax / w_i); within a round backends go in
 * the order of their identity bytes.  With equal weights this is exactly the
 * paper's round robin, so every backend gets floor(m/n) or ceil(m/n) slots.
 * The schedule only depends on the weight ratios (scaling all weights changes
 * nothing), and each backend ends within about two slots of m * w_i / W.
 * Turns are taken from a min-heap keyed by (round, position), so the cost is
 * O(m log n) plus the walks whatever the weights, instead of iterating empty
 * rounds when one weight dwarfs the others.
 *
 * Determinism: backends are sorted by identity bytes before anything else and
 * h1/h2 are SipHash-2-4 over those bytes with fixed keys, reading words
 * little-endian explicitly, so the table does not depend on the caller's
 * order, the host's byte order, its CPU features or the run.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "sl_maglev.h"

/* SipHash-2-4 keys: the ASCII strings "sluice-maglev-h1", "sluice-maglev-h2"
 * and "sluice-maglev-fp" read as two little-endian 64-bit words.  They are part
 * of the table format: changing one moves every flow of every VIP and breaks
 * agreement with instances running the old code. */
#define SL_MH_K0    0x6d2d656369756c73ULL
#define SL_MH_K1_H1 0x31682d76656c6761ULL
#define SL_MH_K1_H2 0x32682d76656c6761ULL
#define SL_MH_K1_FP 0x70662d76656c6761ULL

/* Fingerprint word of an EMPTY slot, and of a slot whose index is outside
 * b[0..n-1] (a corrupt table must not look like a valid one). */
#define SL_MH_FP_EMPTY	 0x454d505459534c4dULL
#define SL_MH_FP_INVALID 0x494e56414c49444dULL

struct sip {
	uint64_t v0, v1, v2, v3;
};

static inline uint64_t rotl64(uint64_t x, unsigned r)
{
	return (x << r) | (x >> (64 - r));
}

static inline uint64_t load_le64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = (v << 8) | p[i];
	return v;
}

static inline void sip_round(struct sip *s)
{
	s->v0 += s->v1;
	s->v1 = rotl64(s->v1, 13);
	s->v1 ^= s->v0;
	s->v0 = rotl64(s->v0, 32);
	s->v2 += s->v3;
	s->v3 = rotl64(s->v3, 16);
	s->v3 ^= s->v2;
	s->v0 += s->v3;
	s->v3 = rotl64(s->v3, 21);
	s->v3 ^= s->v0;
	s->v2 += s->v1;
	s->v1 = rotl64(s->v1, 17);
	s->v1 ^= s->v2;
	s->v2 = rotl64(s->v2, 32);
}

static void sip_init(struct sip *s, uint64_t k0, uint64_t k1)
{
	s->v0 = k0 ^ 0x736f6d6570736575ULL;
	s->v1 = k1 ^ 0x646f72616e646f6dULL;
	s->v2 = k0 ^ 0x6c7967656e657261ULL;
	s->v3 = k1 ^ 0x7465646279746573ULL;
}

static inline void sip_word(struct sip *s, uint64_t m)
{
	s->v3 ^= m;
	sip_round(s);
	sip_round(s);
	s->v0 ^= m;
}

/* tail: the last len % 8 message bytes, already packed little-endian. */
static uint64_t sip_final(struct sip *s, uint64_t tail, uint64_t len)
{
	sip_word(s, tail | (len << 56));
	s->v2 ^= 0xff;
	for (int i = 0; i < 4; i++)
		sip_round(s);
	return s->v0 ^ s->v1 ^ s->v2 ^ s->v3;
}

/* Standard SipHash-2-4 of p[0..len-1]. */
static uint64_t siphash24(uint64_t k0, uint64_t k1, const uint8_t *p, size_t len)
{
	struct sip s;
	size_t i = 0;
	uint64_t tail = 0;

	sip_init(&s, k0, k1);
	for (; i + 8 <= len; i += 8)
		sip_word(&s, load_le64(p + i));
	for (size_t j = 0; i + j < len; j++)
		tail |= (uint64_t)p[i + j] << (8 * j);
	return sip_final(&s, tail, len);
}

bool sl_is_prime(uint32_t v)
{
	if (v < 4)
		return v >= 2;
	if (v % 2 == 0 || v % 3 == 0)
		return false;
	/* Every prime above 3 is 6k +- 1; 64-bit i so i * i cannot wrap. */
	for (uint64_t i = 5; i * i <= v; i += 6)
		if (v % i == 0 || v % (i + 2) == 0)
			return false;
	return true;
}

/* Per-backend build state, in identity order. */
struct mh_be {
	const uint8_t *id;
	size_t id_len;
	uint32_t weight;
	uint32_t idx; /* caller's index into b[] */
	uint32_t cur; /* next permutation entry to try */
	uint32_t skip;
	uint64_t claims; /* slots claimed so far */
	uint64_t round;	 /* round of the next claim: ceil((claims + 1) * wmax / weight) */
};

static int mh_cmp_id(const void *a, const void *b)
{
	const struct mh_be *x = a, *y = b;
	size_t l = x->id_len < y->id_len ? x->id_len : y->id_len;
	int c = l ? memcmp(x->id, y->id, l) : 0;

	if (c)
		return c;
	return (x->id_len > y->id_len) - (x->id_len < y->id_len);
}

/* Heap order: earlier round first, then identity order (the array position,
 * since be[] is sorted).  Unique because positions are. */
static inline bool mh_before(const struct mh_be *be, uint32_t a, uint32_t b)
{
	return be[a].round != be[b].round ? be[a].round < be[b].round : a < b;
}

static void mh_sift_down(const struct mh_be *be, uint32_t *heap, uint32_t len, uint32_t i)
{
	for (;;) {
		uint32_t l = 2 * i + 1, best = i;

		if (l < len && mh_before(be, heap[l], heap[best]))
			best = l;
		if (l + 1 < len && mh_before(be, heap[l + 1], heap[best]))
			best = l + 1;
		if (best == i)
			return;
		uint32_t t = heap[i];
		heap[i] = heap[best];
		heap[best] = t;
		i = best;
	}
}

int sl_maglev_build(const struct sl_maglev_backend *b, uint32_t n, uint32_t m, uint32_t *table)
{
	struct mh_be *be;
	uint32_t *heap;
	uint32_t active = 0, wmax = 0;

	if (table == NULL || !sl_is_prime(m) || n > m || (n > 0 && b == NULL))
		return -EINVAL;
	for (uint32_t i = 0; i < n; i++)
		if (b[i].id == NULL && b[i].id_len > 0)
			return -EINVAL;

	/* All validation and allocation happen before the table is written, so
	 * a failed build leaves the caller's (possibly live) table untouched. */
	be = malloc(((size_t)n + 1) * sizeof(*be));
	heap = malloc(((size_t)n + 1) * sizeof(*heap));
	if (be == NULL || heap == NULL) {
		free(be);
		free(heap);
		return -ENOMEM;
	}
	for (uint32_t i = 0; i < n; i++) {
		be[i] = (struct mh_be){
		    .id = b[i].id,
		    .id_len = b[i].id_len,
		    .weight = b[i].weight,
		    .idx = i,
		};
	}
	qsort(be, n, sizeof(*be), mh_cmp_id);
	for (uint32_t i = 1; i < n; i++) {
		if (mh_cmp_id(&be[i - 1], &be[i]) == 0) {
			free(be);
			free(heap);
			return -EINVAL;
		}
	}

	for (uint32_t i = 0; i < n; i++)
		if (be[i].weight > wmax)
			wmax = be[i].weight;
	for (uint32_t i = 0; i < n; i++) {
		struct mh_be *e = &be[i];

		if (e->weight == 0)
			continue;
		e->cur = (uint32_t)(siphash24(SL_MH_K0, SL_MH_K1_H1, e->id, e->id_len) % m);
		/* m == 2 gives skip 1, which still visits both slots. */
		e->skip =
		    (uint32_t)(siphash24(SL_MH_K0, SL_MH_K1_H2, e->id, e->id_len) % (m - 1)) + 1;
		e->round = ((uint64_t)wmax + e->weight - 1) / e->weight;
		heap[active++] = i;
	}
	for (uint32_t i = active / 2; i-- > 0;)
		mh_sift_down(be, heap, active, i);

	for (uint32_t s = 0; s < m; s++)
		table[s] = SL_MAGLEV_EMPTY;
	if (active == 0)
		goto out;

	/* Each turn claims exactly one slot, so m turns fill the table. */
	for (uint32_t filled = 0; filled < m; filled++) {
		struct mh_be *e = &be[heap[0]];
		uint32_t c = e->cur;

		while (table[c] != SL_MAGLEV_EMPTY)
			c = c >= m - e->skip ? c - (m - e->skip) : c + e->skip;
		table[c] = e->idx;
		e->cur = c >= m - e->skip ? c - (m - e->skip) : c + e->skip;
		e->claims++;
		/* claims <= m < 2^32 and wmax < 2^32: no overflow in 64 bits. */
		e->round = ((e->claims + 1) * wmax + e->weight - 1) / e->weight;
		mh_sift_down(be, heap, active, 0);
	}
out:
	free(be);
	free(heap);
	return 0;
}

static uint64_t mh_fp_word(const struct sl_maglev_backend *b, uint32_t n, uint32_t slot)
{
	if (slot == SL_MAGLEV_EMPTY)
		return SL_MH_FP_EMPTY;
	if (slot >= n)
		return SL_MH_FP_INVALID;
	return siphash24(SL_MH_K0, SL_MH_K1_FP, b[slot].id, b[slot].id_len);
}

/* SipHash-2-4 (key "sluice-maglev-fp") over the little-endian bytes of one
 * 64-bit word per slot: the SipHash-2-4 of the backend's identity bytes under
 * the same key, or a fixed marker for EMPTY.  The per-backend hashes are
 * cached when memory allows; without memory they are recomputed per slot,
 * which is slower but gives the same value. */
uint64_t sl_maglev_fingerprint(const uint32_t *table, uint32_t m, const struct sl_maglev_backend *b,
			       uint32_t n)
{
	uint64_t *cache = n ? malloc((size_t)n * sizeof(*cache)) : NULL;
	struct sip s;

	if (cache != NULL)
		for (uint32_t i = 0; i < n; i++)
			cache[i] = siphash24(SL_MH_K0, SL_MH_K1_FP, b[i].id, b[i].id_len);
	sip_init(&s, SL_MH_K0, SL_MH_K1_FP);
	for (uint32_t i = 0; i < m; i++) {
		uint32_t t = table[i];

		if (cache != NULL && t < n)
			sip_word(&s, cache[t]);
		else
			sip_word(&s, mh_fp_word(b, n, t));
	}
	free(cache);
	return sip_final(&s, 0, (uint64_t)m * 8);
}
