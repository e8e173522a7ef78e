/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Allocation failure in the Maglev builders (dataplane/sl_maglev.c).  Linked
 * with -Wl,--wrap=malloc, so every malloc the test and the code under test
 * make goes through __wrap_malloc, which can be told to fail the k-th call
 * from now.  Each entry point is run with its first, second, ... allocation
 * failing until it succeeds: every failure must return -ENOMEM, leave the
 * output as it was and leak nothing (the ASan build checks leaks).
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sl_maglev.h"
#include "maglev_set.h"

#define M_T 1009u
#define LY  SL_MAGLEV_LAYERS

void *__real_malloc(size_t size);
void *__wrap_malloc(size_t size);

/* Calls left before the failing one; < 0: never fail. */
static long fail_in = -1;

void *__wrap_malloc(size_t size)
{
	if (fail_in >= 0 && fail_in-- == 0)
		return NULL;
	return __real_malloc(size);
}

/* Arm the k-th (from 0) allocation to fail. */
static void fail_at(long k)
{
	fail_in = k;
}

/* Failures before the first success; every allocation of a call must be
 * covered, and a call makes only a few. */
#define MAX_ALLOCS 8

static void test_build_nomem(void **state)
{
	struct set *s = set_new(1, 10, 1);
	uint32_t *t = malloc(M_T * sizeof(*t)), *ref = build(s, M_T);
	long k;
	int rc;

	(void)state;
	assert_non_null(t);
	for (k = 0; k < MAX_ALLOCS; k++) {
		memset(t, 0xab, M_T * sizeof(*t));
		fail_at(k);
		rc = sl_maglev_build(s->b, s->n, M_T, t);
		fail_at(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		for (uint32_t j = 0; j < M_T; j++)
			assert_int_equal(t[j], 0xabababab);
	}
	assert_true(k > 0 && k < MAX_ALLOCS);
	assert_memory_equal(t, ref, M_T * sizeof(*t));
	free(ref);
	free(t);
	free(s);
}

static void test_layers_nomem(void **state)
{
	struct set *s = set_new(1, 10, 1);
	struct sl_maglev_layers l, junk, ref = {0};
	long k;
	int rc;

	(void)state;
	assert_int_equal(sl_maglev_layers_build(s->b, s->n, M_T, &ref), 0);
	memset(&junk, 0x5a, sizeof(junk));
	for (k = 0; k < MAX_ALLOCS; k++) {
		l = junk;
		fail_at(k);
		rc = sl_maglev_layers_build(s->b, s->n, M_T, &l);
		fail_at(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		assert_memory_equal(&l, &junk, sizeof(l));
	}
	assert_true(k > 0 && k < MAX_ALLOCS);
	assert_memory_equal(l.slot, ref.slot, (size_t)M_T * LY * sizeof(*l.slot));
	sl_maglev_layers_free(&l);
	sl_maglev_layers_free(&ref);
	free(s);
}

/* With a slot whose whole order is down, so the rebuild path runs too. */
static void test_effective_nomem(void **state)
{
	struct set *s = set_new(1, 10, 1);
	struct sl_maglev_layers l = {0};
	uint16_t sh[10];
	uint32_t *own = malloc(M_T * sizeof(*own)), *ord = malloc((size_t)M_T * LY * sizeof(*ord));
	uint32_t *ref = malloc(M_T * sizeof(*ref));
	long k;
	int rc;

	(void)state;
	assert_non_null(own);
	assert_non_null(ord);
	assert_non_null(ref);
	assert_int_equal(sl_maglev_layers_build(s->b, s->n, M_T, &l), 0);
	for (uint32_t i = 0; i < 10; i++)
		sh[i] = SL_SHARE_FULL;
	for (uint32_t k2 = 0; k2 < LY; k2++)
		sh[l.slot[k2]] = 0;
	sh[l.slot[LY]] = sh[l.slot[LY]] ? 400 : 0;
	assert_int_equal(sl_maglev_effective(&l, s->b, sh, ref, NULL), 0);
	for (k = 0; k < MAX_ALLOCS; k++) {
		memset(own, 0xab, M_T * sizeof(*own));
		memset(ord, 0xcd, (size_t)M_T * LY * sizeof(*ord));
		fail_at(k);
		rc = sl_maglev_effective(&l, s->b, sh, own, ord);
		fail_at(-1);
		if (rc == 0)
			break;
		assert_int_equal(rc, -ENOMEM);
		for (uint32_t j = 0; j < M_T; j++)
			assert_int_equal(own[j], 0xabababab);
		for (uint32_t j = 0; j < M_T * LY; j++)
			assert_int_equal(ord[j], 0xcdcdcdcd);
	}
	assert_true(k > 0 && k < MAX_ALLOCS);
	assert_memory_equal(own, ref, M_T * sizeof(*own));
	free(ref);
	free(ord);
	free(own);
	sl_maglev_layers_free(&l);
	free(s);
}

/* The fingerprint gives the same value without memory for its cache. */
static void test_fingerprint_nomem(void **state)
{
	struct set *s = set_new(1, 10, 1);
	uint32_t *t = build(s, M_T);
	uint64_t fp = sl_maglev_fingerprint(t, M_T, s->b, s->n), fp2;

	(void)state;
	fail_at(0);
	fp2 = sl_maglev_fingerprint(t, M_T, s->b, s->n);
	fail_at(-1);
	assert_true(fp2 == fp);
	free(t);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_build_nomem),
	    cmocka_unit_test(test_layers_nomem),
	    cmocka_unit_test(test_effective_nomem),
	    cmocka_unit_test(test_fingerprint_nomem),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
