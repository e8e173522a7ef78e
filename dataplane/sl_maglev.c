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
 * Fallback orders (sl_maglev_layers_build) run the same fill SL_MAGLEV_LAYERS
 * times into the columns of one m x LAYERS array.  In layer k every backend
 * walks its permutation from the start again, through a fixed nonlinear
 * bijection of the slots (see sl_maglev_layers_build for why), skipping
 * slots taken in this layer and slots it already holds in layers 0..k-1,
 * with the same credit schedule; so each layer follows the weights and a
 * slot's backends are distinct.  Layer 0 is the very same code path as
 * sl_maglev_build, hence equal to its table.  A walk that finds nothing it
 * may take (every free slot is one it holds already) ends the backend's
 * turns for that layer; walks never go back, so a layer costs at most n * m
 * probes, and in practice about m ln m like the plain fill.
 *
 * The table in force (sl_maglev_effective) is then one pass over the slots:
 * the first backend of each order whose share admits the slot; a slow-start
 * share s admits the slots whose rank, a hash of (slot, identity) in
 * [0, SL_SHARE_FULL), is below s, a set that only grows with s.  Only slots
 * whose whole order is unusable need a plain Maglev fill of the usable
 * backends, and it is run only when there is such a slot.
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

/* SipHash-2-4 keys: the ASCII strings "sluice-maglev-h1", "sluice-maglev-h2",
 * "sluice-maglev-fp" and "sluice-maglev-rk" read as two little-endian 64-bit
 * words.  They are part of the table format: changing one moves every flow of
 * every VIP and breaks agreement with instances running the old code. */
#define SL_MH_K0    0x6d2d656369756c73ULL
#define SL_MH_K1_H1 0x31682d76656c6761ULL
#define SL_MH_K1_H2 0x32682d76656c6761ULL
#define SL_MH_K1_FP 0x70662d76656c6761ULL
#define SL_MH_K1_RK 0x6b722d76656c6761ULL

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
	uint32_t idx;	 /* caller's index into b[] */
	uint32_t offset; /* first permutation entry (h1(id) mod m) */
	uint32_t skip;
	uint32_t cur;	 /* next permutation entry to try */
	uint32_t left;	 /* permutation entries not yet tried in this fill */
	uint64_t claims; /* slots claimed so far in this fill */
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

/* Argument checks shared by the builders: m prime, n <= m, no NULL array or
 * identity with bytes.  Duplicates are found later, once sorted. */
static bool mh_args_ok(const struct sl_maglev_backend *b, uint32_t n, uint32_t m)
{
	if (!sl_is_prime(m) || n > m || (n > 0 && b == NULL))
		return false;
	for (uint32_t i = 0; i < n; i++)
		if (b[i].id == NULL && b[i].id_len > 0)
			return false;
	return true;
}

/* Fill be[0..n-1] from b[] in identity order and compute each weighted
 * backend's permutation.  With share != NULL a backend with share 0 gets
 * weight 0, which is exactly the same as leaving it out (it never takes a
 * turn and nothing else depends on it).  Returns -EINVAL on a duplicate
 * identity, else 0 with *wmax = the largest weight and *nw = the number of
 * backends of weight > 0. */
static int mh_setup(const struct sl_maglev_backend *b, uint32_t n, uint32_t m,
		    const uint16_t *share, struct mh_be *be, uint32_t *wmax, uint32_t *nw)
{
	*wmax = 0;
	*nw = 0;
	for (uint32_t i = 0; i < n; i++) {
		be[i] = (struct mh_be){
		    .id = b[i].id,
		    .id_len = b[i].id_len,
		    .weight = share != NULL && share[i] == 0 ? 0 : b[i].weight,
		    .idx = i,
		};
	}
	qsort(be, n, sizeof(*be), mh_cmp_id);
	for (uint32_t i = 1; i < n; i++)
		if (mh_cmp_id(&be[i - 1], &be[i]) == 0)
			return -EINVAL;
	for (uint32_t i = 0; i < n; i++) {
		struct mh_be *e = &be[i];

		if (e->weight == 0)
			continue;
		if (e->weight > *wmax)
			*wmax = e->weight;
		(*nw)++;
		e->offset = (uint32_t)(siphash24(SL_MH_K0, SL_MH_K1_H1, e->id, e->id_len) % m);
		/* m == 2 gives skip 1, which still visits both slots. */
		e->skip =
		    (uint32_t)(siphash24(SL_MH_K0, SL_MH_K1_H2, e->id, e->id_len) % (m - 1)) + 1;
	}
	return 0;
}

/* Next permutation entry after c, i.e. (c + skip) mod m without overflow. */
static inline uint32_t mh_next(const struct mh_be *e, uint32_t c, uint32_t m)
{
	return c >= m - e->skip ? c - (m - e->skip) : c + e->skip;
}

/* One turn of e in layer k: walk on from e->cur to the first slot that is
 * free in layer k and that e does not hold in layers 0..k-1, and claim it.
 * Permutation entry c names slot map[c] (slot c when map is NULL).  Every
 * entry passed stays unusable to e for the rest of this fill (slots are never
 * freed and e's earlier layers are fixed), so the walk never goes back, and
 * after m entries e has tried every slot: `left` bounds it.  Returns false
 * when e has nothing left to claim in this layer. */
static bool mh_claim(struct mh_be *e, uint32_t m, const uint32_t *map, uint32_t *slots,
		     uint32_t stride, uint32_t k)
{
	uint32_t c = e->cur;

	while (e->left > 0) {
		uint32_t *s = &slots[(size_t)(map != NULL ? map[c] : c) * stride];
		bool ok = s[k] == SL_MAGLEV_EMPTY;

		for (uint32_t l = 0; ok && l < k; l++)
			ok = s[l] != e->idx;
		c = mh_next(e, c, m);
		e->left--;
		if (ok) {
			s[k] = e->idx;
			e->cur = c;
			return true;
		}
	}
	e->cur = c;
	return false;
}

/* Weighted Maglev fill of layer k of slots[] (slot j's entry is
 * slots[j * stride + k]; layers 0..k-1 must be filled) with the weighted
 * backends of be[0..n-1]; heap has room for n entries; map as for mh_claim.
 * Every backend starts its walk afresh.  A backend that finds nothing left
 * to claim leaves the turn order; a free slot always has a backend that may
 * take it while the number of weighted backends exceeds k, so such a layer
 * fills completely. */
static void mh_fill(struct mh_be *be, uint32_t n, uint32_t *heap, uint32_t wmax, uint32_t m,
		    const uint32_t *map, uint32_t *slots, uint32_t stride, uint32_t k)
{
	uint32_t active = 0;

	for (uint32_t s = 0; s < m; s++)
		slots[(size_t)s * stride + k] = SL_MAGLEV_EMPTY;
	for (uint32_t i = 0; i < n; i++) {
		struct mh_be *e = &be[i];

		if (e->weight == 0)
			continue;
		e->cur = e->offset;
		e->left = m;
		e->claims = 0;
		e->round = ((uint64_t)wmax + e->weight - 1) / e->weight;
		heap[active++] = i;
	}
	for (uint32_t i = active / 2; i-- > 0;)
		mh_sift_down(be, heap, active, i);

	/* Each successful turn claims exactly one slot, and each failed one
	 * removes a backend, so this ends after at most m + n turns. */
	for (uint32_t filled = 0; filled < m && active > 0;) {
		struct mh_be *e = &be[heap[0]];

		if (!mh_claim(e, m, map, slots, stride, k)) {
			heap[0] = heap[--active];
			mh_sift_down(be, heap, active, 0);
			continue;
		}
		filled++;
		e->claims++;
		/* claims <= m < 2^32 and wmax < 2^32: no overflow in 64 bits. */
		e->round = ((e->claims + 1) * wmax + e->weight - 1) / e->weight;
		mh_sift_down(be, heap, active, 0);
	}
}

int sl_maglev_build(const struct sl_maglev_backend *b, uint32_t n, uint32_t m, uint32_t *table)
{
	struct mh_be *be;
	uint32_t *heap;
	uint32_t wmax, nw;
	int rc;

	if (table == NULL || !mh_args_ok(b, n, m))
		return -EINVAL;

	/* All validation and allocation happen before the table is written, so
	 * a failed build leaves the caller's (possibly live) table untouched. */
	be = malloc(((size_t)n + 1) * sizeof(*be));
	heap = malloc(((size_t)n + 1) * sizeof(*heap));
	if (be == NULL || heap == NULL) {
		rc = -ENOMEM;
		goto out;
	}
	rc = mh_setup(b, n, m, NULL, be, &wmax, &nw);
	if (rc == 0)
		mh_fill(be, n, heap, wmax, m, NULL, table, 1, 0);
out:
	free(be);
	free(heap);
	return rc;
}

/* a * b mod m for a, b < m < 2^32. */
static inline uint32_t mh_mulmod(uint32_t a, uint32_t b, uint32_t m)
{
	return (uint32_t)((uint64_t)a * b % m);
}

/* x^e mod m by square and multiply (e is small: see mh_exponent). */
static uint32_t mh_powmod(uint32_t x, uint32_t e, uint32_t m)
{
	uint32_t r = 1 % m;

	for (; e > 0; e >>= 1) {
		if (e & 1)
			r = mh_mulmod(r, x, m);
		x = mh_mulmod(x, x, m);
	}
	return r;
}

/* The smallest odd e >= 3 coprime to m - 1.  For prime m, x -> x^e mod m is
 * then a bijection of [0, m): it fixes 0 and permutes the multiplicative
 * group, which is cyclic of order m - 1.  m - 1 < 2^32 cannot be a multiple
 * of 2 * 3 * 5 * ... * 29 (> 2^32), so e <= 29. */
static uint32_t mh_exponent(uint32_t m)
{
	for (uint32_t e = 3;; e += 2) {
		uint32_t a = e, b = m - 1;

		while (b != 0) {
			uint32_t t = a % b;

			a = b;
			b = t;
		}
		if (a == 1)
			return e;
	}
}

/* Why the fallback layers do not walk the slots of the arithmetic
 * permutations directly: two backends whose skips are in a small rational
 * ratio (skip_y = p/q * skip_x mod m, |p|, |q| small; a few such pairs
 * exist among hundreds of backends) walk largely the same slots in the same
 * order.  Had layer 1 reused the walks of layer 0, y's first free choices in
 * layer 1 would be the slots x beat it to in layer 0, and when x failed y
 * would inherit a large part of x's slots: measured up to 8 of 65 (n = 1000)
 * and 45 of 655 (n = 100), against about 3 and 18 for unrelated picks; fresh
 * arithmetic permutations per layer did no better (such pairs occur across
 * layers too).  So layer k walks entry c of the same permutation but takes
 * slot sigma^k(c), sigma(x) = x^e mod m: a fixed bijection that no
 * arithmetic progression survives, so a backend's walks in different layers
 * are unrelated to each other's and to other backends'.  Layer 0 (k = 0) is
 * the identity, as it must be to equal sl_maglev_build. */
int sl_maglev_layers_build(const struct sl_maglev_backend *b, uint32_t n, uint32_t m,
			   struct sl_maglev_layers *out)
{
	struct mh_be *be = NULL;
	uint32_t *heap = NULL, *slots = NULL, *map = NULL;
	uint32_t wmax, nw, e;
	int rc;

	if (out == NULL || !mh_args_ok(b, n, m))
		return -EINVAL;
	be = malloc(((size_t)n + 1) * sizeof(*be));
	heap = malloc(((size_t)n + 1) * sizeof(*heap));
	slots = malloc((size_t)m * SL_MAGLEV_LAYERS * sizeof(*slots));
	map = malloc((size_t)m * sizeof(*map));
	if (be == NULL || heap == NULL || slots == NULL || map == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	rc = mh_setup(b, n, m, NULL, be, &wmax, &nw);
	if (rc != 0)
		goto fail;
	e = mh_exponent(m);
	for (uint32_t c = 0; c < m; c++)
		map[c] = c;
	/* Layer k needs k + 1 distinct weighted backends per slot; with fewer,
	 * it and the layers after it stay EMPTY (the fill would end there by
	 * itself, after every backend had walked its whole permutation). */
	for (uint32_t k = 0; k < SL_MAGLEV_LAYERS; k++) {
		if (k >= nw) {
			for (uint32_t s = 0; s < m; s++)
				slots[(size_t)s * SL_MAGLEV_LAYERS + k] = SL_MAGLEV_EMPTY;
			continue;
		}
		if (k > 0)
			for (uint32_t c = 0; c < m; c++)
				map[c] = mh_powmod(map[c], e, m);
		mh_fill(be, n, heap, wmax, m, k > 0 ? map : NULL, slots, SL_MAGLEV_LAYERS, k);
	}
	free(be);
	free(heap);
	free(map);
	*out = (struct sl_maglev_layers){.m = m, .n = n, .slot = slots};
	return 0;
fail:
	free(be);
	free(heap);
	free(slots);
	free(map);
	return rc;
}

void sl_maglev_layers_free(struct sl_maglev_layers *l)
{
	if (l == NULL)
		return;
	free(l->slot);
	l->slot = NULL;
}

/* SipHash-2-4 (key "sluice-maglev-rk") of the slot number as 8 little-endian
 * bytes followed by the identity bytes, scaled to [0, SL_SHARE_FULL) by its
 * top 32 bits (bias below 2^-22).  The hash is part of the table format like
 * h1/h2: instances must agree on which slots a slow-starting backend takes. */
uint32_t sl_maglev_slot_rank(uint32_t slot, const uint8_t *id, size_t id_len)
{
	struct sip s;
	size_t i = 0;
	uint64_t tail = 0, h;

	sip_init(&s, SL_MH_K0, SL_MH_K1_RK);
	sip_word(&s, slot);
	for (; i + 8 <= id_len; i += 8)
		sip_word(&s, load_le64(id + i));
	for (size_t j = 0; i + j < id_len; j++)
		tail |= (uint64_t)id[i + j] << (8 * j);
	h = sip_final(&s, tail, 8 + (uint64_t)id_len);
	return (uint32_t)(((h >> 32) * SL_SHARE_FULL) >> 32);
}

/* Whether backend idx's share admits slot j. */
static inline bool mh_admits(const struct sl_maglev_backend *b, const uint16_t *share, uint32_t idx,
			     uint32_t j)
{
	uint32_t sh = share[idx];

	if (sh >= SL_SHARE_FULL)
		return true;
	return sh > 0 && sl_maglev_slot_rank(j, b[idx].id, b[idx].id_len) < sh;
}

int sl_maglev_effective(const struct sl_maglev_layers *l, const struct sl_maglev_backend *b,
			const uint16_t *share, uint32_t *owner, uint32_t *order)
{
	struct mh_be *be = NULL;
	uint32_t *heap = NULL, *rebuild = NULL;
	uint32_t m, n, wmax, nw;
	bool need = false;
	int rc = 0;

	if (l == NULL || owner == NULL || !sl_is_prime(l->m) || l->slot == NULL || l->n > l->m ||
	    (l->n > 0 && (b == NULL || share == NULL)))
		return -EINVAL;
	m = l->m;
	n = l->n;
	/* Scratch for the rebuild table is taken before any output is written,
	 * so -ENOMEM leaves owner and order as they were; it is only filled
	 * when some slot needs it. */
	be = malloc(((size_t)n + 1) * sizeof(*be));
	heap = malloc(((size_t)n + 1) * sizeof(*heap));
	rebuild = malloc((size_t)m * sizeof(*rebuild));
	if (be == NULL || heap == NULL || rebuild == NULL) {
		rc = -ENOMEM;
		goto out;
	}

	for (uint32_t j = 0; j < m; j++) {
		const uint32_t *cand = &l->slot[(size_t)j * SL_MAGLEV_LAYERS];
		uint32_t got = 0, pick[SL_MAGLEV_LAYERS];

		for (uint32_t k = 0; k < SL_MAGLEV_LAYERS; k++) {
			/* idx >= n covers EMPTY (and a foreign table). */
			if (cand[k] < n && mh_admits(b, share, cand[k], j))
				pick[got++] = cand[k];
		}
		for (uint32_t k = got; k < SL_MAGLEV_LAYERS; k++)
			pick[k] = SL_MAGLEV_EMPTY;
		/* EMPTY here marks the slots the rebuild table decides. */
		owner[j] = pick[0];
		need |= got == 0;
		if (order != NULL)
			memcpy(&order[(size_t)j * SL_MAGLEV_LAYERS], pick, sizeof(pick));
	}
	if (!need)
		goto out;

	/* A duplicate identity here means b is not the array l was built
	 * from: the outputs are then as far as they got. */
	rc = mh_setup(b, n, m, share, be, &wmax, &nw);
	if (rc != 0)
		goto out;
	if (nw > 0)
		mh_fill(be, n, heap, wmax, m, NULL, rebuild, 1, 0);
	else
		for (uint32_t j = 0; j < m; j++)
			rebuild[j] = SL_MAGLEV_EMPTY;
	for (uint32_t j = 0; j < m; j++) {
		if (owner[j] != SL_MAGLEV_EMPTY)
			continue;
		owner[j] = rebuild[j];
		if (order != NULL)
			order[(size_t)j * SL_MAGLEV_LAYERS] = rebuild[j];
	}
out:
	free(be);
	free(heap);
	free(rebuild);
	return rc;
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
