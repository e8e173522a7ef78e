/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Helpers shared by the Maglev unit tests: sets of backends with identities
 * "10.a.b.c" built from an integer key, so tests can compare owners across
 * sets built in different orders or with backends added and removed.  Include
 * after <cmocka.h>.
 */
#ifndef SL_TEST_MAGLEV_SET_H
#define SL_TEST_MAGLEV_SET_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "sl_maglev.h"

#define MAX_BE 1024u

struct set {
	uint32_t n;
	uint32_t key[MAX_BE];
	char id[MAX_BE][24];
	struct sl_maglev_backend b[MAX_BE];
};

static inline void set_add(struct set *s, uint32_t key, uint32_t weight)
{
	uint32_t i = s->n++;
	int len;

	assert_true(s->n <= MAX_BE);
	len = snprintf(s->id[i], sizeof(s->id[i]), "10.%u.%u.%u", (key >> 16) & 255,
		       (key >> 8) & 255, key & 255);
	s->key[i] = key;
	s->b[i].id = (const uint8_t *)s->id[i];
	s->b[i].id_len = (size_t)len;
	s->b[i].weight = weight;
}

/* keys first..first+n-1, all with the same weight. */
static inline struct set *set_new(uint32_t first, uint32_t n, uint32_t weight)
{
	struct set *s = calloc(1, sizeof(*s));

	assert_non_null(s);
	for (uint32_t i = 0; i < n; i++)
		set_add(s, first + i, weight);
	return s;
}

/* Copy of s without the backend at index skip (UINT32_MAX: keep all).  The
 * identity pointers are fixed up to point into the copy. */
static inline struct set *set_copy(const struct set *s, uint32_t skip)
{
	struct set *c = calloc(1, sizeof(*c));

	assert_non_null(c);
	for (uint32_t i = 0; i < s->n; i++)
		if (i != skip)
			set_add(c, s->key[i], s->b[i].weight);
	return c;
}

/* Deterministic generator (xorshift64*) so failures reproduce. */
static inline uint64_t rng_next(uint64_t *st)
{
	*st ^= *st >> 12;
	*st ^= *st << 25;
	*st ^= *st >> 27;
	return *st * 0x2545f4914f6cdd1dULL;
}

/* Fisher-Yates shuffle of a set, keeping key/id/backend together. */
static inline void set_shuffle(struct set *s, uint64_t seed)
{
	struct set *c = set_copy(s, UINT32_MAX);
	uint32_t *perm = malloc(s->n * sizeof(*perm));

	assert_non_null(perm);
	for (uint32_t i = 0; i < s->n; i++)
		perm[i] = i;
	for (uint32_t i = s->n; i > 1; i--) {
		uint32_t j = (uint32_t)(rng_next(&seed) % i);
		uint32_t t = perm[i - 1];

		perm[i - 1] = perm[j];
		perm[j] = t;
	}
	s->n = 0;
	for (uint32_t i = 0; i < c->n; i++)
		set_add(s, c->key[perm[i]], c->b[perm[i]].weight);
	free(perm);
	free(c);
}

/* Index of the backend with this key in s (which must hold it). */
static inline uint32_t set_find(const struct set *s, uint32_t key)
{
	for (uint32_t i = 0; i < s->n; i++)
		if (s->key[i] == key)
			return i;
	fail_msg("key %u not in set", key);
	return UINT32_MAX;
}

static inline uint32_t *build(const struct set *s, uint32_t m)
{
	uint32_t *t = malloc(m * sizeof(*t));

	assert_non_null(t);
	assert_int_equal(sl_maglev_build(s->b, s->n, m, t), 0);
	return t;
}

/* Key of the backend at index v of s, or UINT32_MAX for EMPTY. */
static inline uint32_t key_of(const struct set *s, uint32_t v)
{
	if (v == SL_MAGLEV_EMPTY)
		return UINT32_MAX;
	assert_true(v < s->n);
	return s->key[v];
}

/* Key of the backend owning slot i, or UINT32_MAX for EMPTY. */
static inline uint32_t owner(const struct set *s, const uint32_t *t, uint32_t i)
{
	return key_of(s, t[i]);
}

/* Per-index slot counts; also checks every slot is a valid index. */
static inline uint32_t *counts(const struct set *s, const uint32_t *t, uint32_t m)
{
	uint32_t *c = calloc(s->n + 1, sizeof(*c));

	assert_non_null(c);
	for (uint32_t i = 0; i < m; i++) {
		assert_true(t[i] < s->n);
		c[t[i]]++;
	}
	return c;
}

#endif /* SL_TEST_MAGLEV_SET_H */
