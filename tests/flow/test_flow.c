/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Unit tests of the per-worker flow table.  The table lives in rte_malloc
 * memory, so the group set-up starts a minimal EAL (no hugepages, no PCI).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_memory.h>

#include "sl_eal_cleanup.h"
#include "sl_flow.h"

#define TCP 6
#define UDP 17
#define FIN 0x01
#define SYN 0x02
#define RST 0x04
#define ACK 0x10

/* Deliberately different so a wrong timeout choice shows. */
static const struct sl_flow_timeouts to_default = {
    .tcp = 10000,
    .tcp_closing = 100,
    .udp = 3000,
};

static struct sl_flow_key key4(uint32_t i, uint8_t proto)
{
	struct sl_flow_key k;

	memset(&k, 0, sizeof(k));
	k.src[0] = 10;
	k.src[1] = (uint8_t)(i >> 16);
	k.src[2] = (uint8_t)(i >> 8);
	k.src[3] = (uint8_t)i;
	k.dst[0] = 192;
	k.dst[1] = 0;
	k.dst[2] = 2;
	k.dst[3] = 1;
	k.sport = (uint16_t)(1024 + (i >> 24));
	k.dport = 80;
	k.proto = proto;
	k.family = SL_AF_INET;
	return k;
}

static struct sl_flow_key key6(uint32_t i, uint8_t proto)
{
	struct sl_flow_key k = key4(i, proto);

	/* Same first bytes as key4(i): only the rest of the address and the
	 * family tell them apart. */
	k.src[15] = 0x66;
	k.dst[15] = 0x01;
	k.family = SL_AF_INET6;
	return k;
}

static struct sl_flow_table *mk(uint32_t entries)
{
	struct sl_flow_table *t = sl_flow_table_create(entries, SOCKET_ID_ANY, &to_default);

	assert_non_null(t);
	return t;
}

static int ins(struct sl_flow_table *t, const struct sl_flow_key *k, uint32_t now, uint8_t fl,
	       uint32_t id)
{
	return sl_flow_insert(t, k, sl_flow_hash(k), now, fl, id).result;
}

/* Insert, and check the real the slot held before (SL_REAL_NONE: free). */
static int ins_prev(struct sl_flow_table *t, const struct sl_flow_key *k, uint32_t now, uint8_t fl,
		    uint32_t id, uint32_t want_prev)
{
	struct sl_flow_ins r = sl_flow_insert(t, k, sl_flow_hash(k), now, fl, id);

	assert_int_equal(r.prev_real, want_prev);
	return r.result;
}

/* Occupied entries by real id (ids < 64 only), via the test walk. */
struct walk_count {
	uint32_t total;
	uint32_t by_id[64];
};

static void walk_cb(void *arg, uint32_t real_id, uint32_t deadline)
{
	struct walk_count *c = arg;

	(void)deadline;
	c->total++;
	if (real_id < RTE_DIM(c->by_id))
		c->by_id[real_id]++;
}

static uint32_t occupied(const struct sl_flow_table *t)
{
	struct walk_count c;

	memset(&c, 0, sizeof(c));
	sl_flow_table_walk(t, walk_cb, &c);
	return c.total;
}

/* Real id on a hit, SL_REAL_NONE on a miss. */
static uint32_t look(struct sl_flow_table *t, const struct sl_flow_key *k, uint32_t now, uint8_t fl)
{
	uint32_t id = 0xdeadbeef;
	uint32_t h = sl_flow_hash(k);

	sl_flow_prefetch(t, h);
	if (sl_flow_lookup(t, k, h, now, fl, &id) == 0) {
		/* A miss must leave the output alone. */
		assert_int_equal(id, 0xdeadbeef);
		return SL_REAL_NONE;
	}
	return id;
}

/* Fill out[0..n) with distinct keys whose bucket is bucket 0 of a table of
 * `buckets` buckets, found by brute force over key4(). */
static void colliding_keys(uint32_t buckets, struct sl_flow_key *out, unsigned int n)
{
	unsigned int got = 0;

	for (uint32_t i = 1; got < n; i++) {
		struct sl_flow_key k = key4(i, TCP);

		if ((sl_flow_hash(&k) & (buckets - 1)) == 0)
			out[got++] = k;
	}
}

static uint64_t heap_alloc_bytes(void)
{
	uint64_t sum = 0;

	for (int s = 0; s < RTE_MAX_NUMA_NODES; s++) {
		struct rte_malloc_socket_stats st;

		if (rte_malloc_get_socket_stats(s, &st) == 0)
			sum += st.heap_allocsz_bytes;
	}
	return sum;
}

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t rng(void)
{
	/* xorshift64*: deterministic, so a failure reproduces. */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* A random key that embeds `i`, so keys with distinct i never collide. */
static struct sl_flow_key key_rand(uint32_t i)
{
	struct sl_flow_key k;
	uint64_t r[4] = {rng(), rng(), rng(), rng()};

	memset(&k, 0, sizeof(k));
	if (i & 1) {
		memcpy(k.src, r, 16);
		memcpy(k.dst, &r[2], 16);
		k.family = SL_AF_INET6;
	} else {
		memcpy(k.src, r, 4);
		memcpy(k.dst, &r[2], 4);
		k.family = SL_AF_INET;
	}
	memcpy(k.src + 4 * (k.family == SL_AF_INET6), &i, 4);
	k.sport = (uint16_t)r[1];
	k.dport = (uint16_t)(r[3] >> 16);
	k.proto = (r[1] >> 32) & 1 ? TCP : UDP;
	return k;
}

/* Bitwise reference CRC32c (Castagnoli, reflected 0x82f63b78), no final xor. */
static uint32_t crc32c_ref(uint32_t crc, const void *buf, size_t len)
{
	const uint8_t *p = buf;

	while (len--) {
		crc ^= *p++;
		for (int b = 0; b < 8; b++)
			crc = (crc >> 1) ^ (0x82f63b78u & (0u - (crc & 1)));
	}
	return crc;
}

static void test_create_args(void **state)
{
	struct sl_flow_table *t;

	(void)state;
	rte_errno = 0;
	assert_null(sl_flow_table_create(0, SOCKET_ID_ANY, &to_default));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(sl_flow_table_create(16, SOCKET_ID_ANY, NULL));
	assert_int_equal(rte_errno, EINVAL);
	rte_errno = 0;
	assert_null(sl_flow_table_create(UINT32_MAX, SOCKET_ID_ANY, &to_default));
	assert_int_equal(rte_errno, EINVAL);

	t = mk(1);
	assert_int_equal(sl_flow_table_capacity(t), 8);
	sl_flow_table_free(t);
	t = mk(1000);
	assert_int_equal(sl_flow_table_capacity(t), 1024);
	sl_flow_table_free(t);
	t = mk(1025);
	assert_int_equal(sl_flow_table_capacity(t), 2048);
	sl_flow_table_free(t);
	sl_flow_table_free(NULL);
}

static void test_hash_is_crc32c(void **state)
{
	static const char check[] = "123456789";

	(void)state;
	/* The reference itself, against the published CRC32c check value. */
	assert_int_equal(~crc32c_ref(~0u, check, 9), 0xe3069283u);
	for (uint32_t i = 0; i < 1000; i++) {
		struct sl_flow_key k = key_rand(i);
		uint32_t h = sl_flow_hash(&k);

		assert_int_equal(h, crc32c_ref(0xffffffffu, &k, sizeof(k)));
		assert_int_equal(h, rte_hash_crc(&k, sizeof(k), 0xffffffffu));
	}
}

/* Undo 32 CRC32c register shifts: the inverse of feeding 4 zero bytes. */
static uint32_t crc32c_unshift32(uint32_t c)
{
	for (int b = 0; b < 32; b++)
		c = (c & 0x80000000u) ? ((c ^ 0x82f63b78u) << 1) | 1 : c << 1;
	return c;
}

/* A key whose sl_flow_hash() is exactly 0: the ports (bytes 32..35) are
 * solved from the CRC register after the addresses, using linearity. */
static struct sl_flow_key key_hash_zero(void)
{
	struct sl_flow_key k = key6(77, TCP);
	uint32_t s = crc32c_ref(0xffffffffu, &k, 32), y, x;

	memcpy(&y, (const uint8_t *)&k + 36, 4);
	x = s ^ crc32c_unshift32(y);
	memcpy((uint8_t *)&k + 32, &x, 4);
	return k;
}

/* A hash of 0 must not make the entry look like an empty slot. */
static void test_hash_zero_key(void **state)
{
	struct sl_flow_table *t = mk(64);
	struct sl_flow_key k = key_hash_zero();

	(void)state;
	assert_int_equal(sl_flow_hash(&k), 0);
	assert_int_equal(ins(t, &k, 0, SYN, 9), 0);
	assert_int_equal(sl_flow_table_count(t, 1), 1);
	assert_int_equal(look(t, &k, 1, ACK), 9);
	assert_int_equal(ins(t, &k, 2, ACK, 10), SL_FLOW_INS_REPOINTED);
	assert_int_equal(ins(t, &k, 2, ACK, 10), SL_FLOW_INS_EXISTED);
	assert_int_equal(sl_flow_table_count(t, 3), 1);
	sl_flow_table_free(t);
}

/* Keys that share the whole hash (passed by the caller, so a collision can
 * be simulated) are told apart by every byte of the key. */
static void test_full_key_compare(void **state)
{
	struct sl_flow_table *t = mk(64);
	struct sl_flow_key a = key6(3, TCP);
	uint32_t h = sl_flow_hash(&a), id = SL_REAL_NONE;

	(void)state;
	assert_int_equal(sl_flow_insert(t, &a, h, 0, SYN, 1).result, 0);
	for (size_t i = 0; i < sizeof(a); i++) {
		struct sl_flow_key b = a;

		((uint8_t *)&b)[i] ^= 0x80;
		assert_int_equal(sl_flow_lookup(t, &b, h, 1, ACK, &id), 0);
	}
	assert_int_equal(sl_flow_lookup(t, &a, h, 1, ACK, &id), 1);
	assert_int_equal(id, 1);
	sl_flow_table_free(t);
}

static void test_hit_miss(void **state)
{
	struct sl_flow_table *t = mk(1024);
	struct sl_flow_key a = key4(1, TCP), b = key4(2, TCP);
	const struct sl_flow_stats *st = sl_flow_table_stats(t);

	(void)state;
	assert_int_equal(look(t, &a, 1000, SYN), SL_REAL_NONE);
	assert_int_equal(ins(t, &a, 1000, SYN, 42), 0);
	assert_int_equal(look(t, &a, 1001, ACK), 42);
	assert_int_equal(look(t, &b, 1001, ACK), SL_REAL_NONE);
	/* The same addresses with another protocol or port are other flows. */
	b = a;
	b.proto = UDP;
	assert_int_equal(look(t, &b, 1001, 0), SL_REAL_NONE);
	b = a;
	b.sport++;
	assert_int_equal(look(t, &b, 1001, 0), SL_REAL_NONE);
	assert_int_equal(st->hits, 1);
	assert_int_equal(st->misses, 4);
	assert_int_equal(st->inserts, 1);
	assert_int_equal(st->evictions, 0);
	assert_int_equal(st->expired, 0);
	sl_flow_table_free(t);
}

/* An all-zero key must miss in a zeroed table whatever the clock reads: the
 * zeroed slots hold exactly that key. */
static void test_zero_key_empty_table(void **state)
{
	static const uint32_t nows[] = {0, 1, 0x7fffffff, 0x80000000, 0xffffffff};
	struct sl_flow_table *t = mk(64);
	struct sl_flow_key z;

	(void)state;
	memset(&z, 0, sizeof(z));
	for (size_t i = 0; i < RTE_DIM(nows); i++)
		assert_int_equal(look(t, &z, nows[i], 0), SL_REAL_NONE);
	assert_int_equal(sl_flow_table_count(t, 0), 0);
	assert_int_equal(sl_flow_table_count(t, 0x80000000), 0);
	assert_int_equal(sl_flow_table_count(t, 0xffffffff), 0);
	assert_int_equal(ins(t, &z, 0, 0, 7), 0);
	assert_int_equal(look(t, &z, 1, 0), 7);
	sl_flow_table_free(t);
}

static void test_expiry_tcp_udp(void **state)
{
	struct sl_flow_table *t = mk(1024);
	struct sl_flow_key tcp = key4(1, TCP), udp = key4(2, UDP);
	const struct sl_flow_stats *st = sl_flow_table_stats(t);

	(void)state;
	ins(t, &tcp, 5000, SYN, 1);
	ins(t, &udp, 5000, 0, 2);
	assert_int_equal(sl_flow_table_count(t, 5000 + 2999), 2);
	assert_int_equal(sl_flow_table_count(t, 5000 + 3000), 1);
	assert_int_equal(sl_flow_table_count(t, 5000 + 9999), 1);
	assert_int_equal(sl_flow_table_count(t, 5000 + 10000), 0);
	/* The deadline itself is already expired. */
	assert_int_equal(look(t, &udp, 5000 + 3000, 0), SL_REAL_NONE);
	assert_int_equal(look(t, &tcp, 5000 + 10000, ACK), SL_REAL_NONE);
	assert_int_equal(st->hits, 0);
	assert_int_equal(st->misses, 2);
	/* A lookup leaves a dead entry in place (only insert and age change
	 * what an entry names, and they report it). */
	assert_int_equal(st->expired, 0);
	assert_int_equal(occupied(t), 2);
	/* A UDP flow ignores flag bits (callers pass 0, but be robust).  The
	 * insert reuses the dead entry of the same key, and says what it held. */
	assert_int_equal(ins_prev(t, &udp, 20000, FIN | RST, 3, 2), SL_FLOW_INS_NEW);
	assert_int_equal(st->expired, 1);
	assert_int_equal(occupied(t), 2);
	assert_int_equal(look(t, &udp, 20000 + 2999, FIN), 3);
	sl_flow_table_free(t);

	t = mk(1024);
	ins(t, &tcp, 5000, SYN, 1);
	assert_int_equal(look(t, &tcp, 5000 + 9999, ACK), 1);
	sl_flow_table_free(t);
}

static void test_refresh_on_hit(void **state)
{
	struct sl_flow_table *t = mk(1024);
	struct sl_flow_key k = key4(9, TCP);

	(void)state;
	ins(t, &k, 0, SYN, 5);
	assert_int_equal(look(t, &k, 9000, ACK), 5);
	/* Past the first deadline, alive thanks to the refresh at 9000. */
	assert_int_equal(look(t, &k, 18000, ACK), 5);
	assert_int_equal(look(t, &k, 27999, ACK), 5);
	assert_int_equal(look(t, &k, 27999 + 10000, ACK), SL_REAL_NONE);
	sl_flow_table_free(t);
}

static void test_closing(void **state)
{
	struct sl_flow_table *t = mk(1024);
	struct sl_flow_key f = key4(1, TCP), r = key4(2, TCP), s = key4(3, TCP);

	(void)state;
	ins(t, &f, 1000, SYN, 1);
	ins(t, &r, 1000, SYN, 2);
	assert_int_equal(look(t, &f, 1010, FIN | ACK), 1);
	assert_int_equal(look(t, &r, 1010, RST), 2);
	assert_int_equal(look(t, &f, 1109, ACK), 1);
	/* Later plain packets keep the closing timeout (100), not 10000. */
	assert_int_equal(look(t, &f, 1208, ACK), 1);
	assert_int_equal(look(t, &f, 1308, ACK), SL_REAL_NONE);
	assert_int_equal(look(t, &r, 1110, ACK), SL_REAL_NONE);
	/* An insert that already carries a FIN starts closing. */
	ins(t, &s, 5000, FIN, 3);
	assert_int_equal(look(t, &s, 5099, ACK), 3);
	assert_int_equal(sl_flow_table_count(t, 5199), 0);
	/* An expired entry re-pointed by insert (no lookup dropped it first)
	 * starts a new flow: it does not inherit the closing flag. */
	ins(t, &s, 9000, SYN, 4);
	assert_int_equal(look(t, &s, 9000 + 9999, ACK), 4);
	sl_flow_table_free(t);
}

static void test_set_timeouts(void **state)
{
	struct sl_flow_table *t = mk(64);
	struct sl_flow_key k = key4(1, UDP);
	struct sl_flow_timeouts to = to_default;

	(void)state;
	to.udp = 50;
	sl_flow_table_set_timeouts(t, &to);
	ins(t, &k, 100, 0, 1);
	assert_int_equal(look(t, &k, 150, 0), SL_REAL_NONE);
	/* Beyond 2^31 - 1 ms a deadline would read as the past: clamped. */
	to.udp = UINT32_MAX;
	sl_flow_table_set_timeouts(t, &to);
	ins(t, &k, 100, 0, 1);
	assert_int_equal(look(t, &k, 101, 0), 1);
	assert_int_equal(look(t, &k, 101u + 0x7ffffffeu, 0), 1);
	sl_flow_table_free(t);
}

static void test_eviction(void **state)
{
	struct sl_flow_table *t = mk(1024);
	uint32_t nb = sl_flow_table_capacity(t) / 8;
	struct sl_flow_key k[10];
	const struct sl_flow_stats *st = sl_flow_table_stats(t);

	(void)state;
	colliding_keys(nb, k, 10);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(ins(t, &k[i], 100 + i, SYN, i), 0);
	/* Refresh all but k[5]: it now expires first although k[0] is older. */
	for (uint32_t i = 0; i < 8; i++)
		if (i != 5)
			assert_int_equal(look(t, &k[i], 200, ACK), i);
	assert_int_equal(ins(t, &k[8], 300, SYN, 8), 1);
	assert_int_equal(st->evictions, 1);
	assert_int_equal(look(t, &k[5], 301, ACK), SL_REAL_NONE);
	for (uint32_t i = 0; i <= 8; i++)
		if (i != 5)
			assert_int_equal(look(t, &k[i], 301, ACK), i);
	assert_int_equal(sl_flow_table_count(t, 301), 8);

	/* Another full-bucket insert goes by deadline too: k[8] was inserted
	 * at 300 but refreshed at 301 with the others; a closing entry's
	 * deadline is earliest. */
	assert_int_equal(look(t, &k[2], 302, FIN), 2);
	assert_int_equal(ins(t, &k[9], 303, SYN, 9), 1);
	assert_int_equal(st->evictions, 2);
	assert_int_equal(look(t, &k[2], 304, ACK), SL_REAL_NONE);
	assert_int_equal(look(t, &k[9], 304, ACK), 9);
	sl_flow_table_free(t);
}

/* A full bucket holding an expired entry reuses it without counting an
 * eviction. */
static void test_full_bucket_reuses_expired(void **state)
{
	struct sl_flow_table *t = mk(1024);
	uint32_t nb = sl_flow_table_capacity(t) / 8;
	struct sl_flow_key k[9];
	const struct sl_flow_stats *st = sl_flow_table_stats(t);

	(void)state;
	colliding_keys(nb, k, 9);
	/* k[3] expires at 10000, the others at 15000. */
	for (uint32_t i = 0; i < 8; i++)
		ins(t, &k[i], i == 3 ? 0 : 5000, SYN, i);
	assert_int_equal(sl_flow_table_count(t, 12000), 7);
	assert_int_equal(ins(t, &k[8], 12000, SYN, 8), 0);
	assert_int_equal(st->evictions, 0);
	assert_int_equal(st->expired, 1);
	for (uint32_t i = 0; i <= 8; i++)
		assert_int_equal(look(t, &k[i], 12001, ACK), i == 3 ? SL_REAL_NONE : i);
	sl_flow_table_free(t);
}

static void test_reinsert_repoints(void **state)
{
	struct sl_flow_table *t = mk(1024);
	uint32_t nb = sl_flow_table_capacity(t) / 8;
	struct sl_flow_key k[8];
	const struct sl_flow_stats *st = sl_flow_table_stats(t);

	(void)state;
	colliding_keys(nb, k, 8);
	for (uint32_t i = 0; i < 8; i++)
		ins(t, &k[i], 10, SYN, i);
	/* The bucket is full: a re-insert must re-point, not evict. */
	assert_int_equal(ins(t, &k[0], 20, ACK, 100), SL_FLOW_INS_REPOINTED);
	assert_int_equal(st->evictions, 0);
	assert_int_equal(sl_flow_table_count(t, 21), 8);
	assert_int_equal(look(t, &k[0], 21, ACK), 100);
	for (uint32_t i = 1; i < 8; i++)
		assert_int_equal(look(t, &k[i], 21, ACK), i);
	/* The re-point refreshed the deadline (10 + 10000 would have passed). */
	assert_int_equal(look(t, &k[0], 10015, ACK), 100);
	/* Re-pointing an expired entry reuses it; still one copy. */
	assert_int_equal(ins(t, &k[0], 50000, SYN, 200), 0);
	assert_int_equal(look(t, &k[0], 50001, ACK), 200);
	assert_int_equal(sl_flow_table_count(t, 50001), 1);
	sl_flow_table_free(t);
}

static void test_count(void **state)
{
	struct sl_flow_table *t = mk(4096);

	(void)state;
	assert_int_equal(sl_flow_table_count(t, 0), 0);
	for (uint32_t i = 0; i < 1000; i++) {
		struct sl_flow_key k = key4(i, i < 300 ? UDP : TCP);

		assert_int_equal(ins(t, &k, 0, 0, i), 0);
	}
	assert_int_equal(sl_flow_table_count(t, 1), 1000);
	assert_int_equal(sl_flow_table_count(t, 3000), 700);
	assert_int_equal(sl_flow_table_count(t, 10000), 0);
	sl_flow_table_free(t);
}

static void test_clock_wrap(void **state)
{
	struct sl_flow_table *t = mk(1024);
	uint32_t nb = sl_flow_table_capacity(t) / 8;
	struct sl_flow_key k = key4(1, TCP), c[9];
	uint32_t now = 0xffffffffu - 4000; /* deadline (+10000) wraps past 0 */

	(void)state;
	ins(t, &k, now, SYN, 11);
	assert_int_equal(look(t, &k, now + 6000, ACK), 11); /* now wrapped */
	assert_int_equal(sl_flow_table_count(t, now + 6000), 1);
	assert_int_equal(look(t, &k, now + 6000 + 9999, ACK), 11);
	assert_int_equal(look(t, &k, now + 6000 + 9999 + 10000, ACK), SL_REAL_NONE);

	/* Past 2^31 ms a zeroed slot's deadline (0) reads as the future:
	 * empty slots must still be taken before any live entry is evicted. */
	colliding_keys(nb, c, 8);
	sl_flow_table_free(t);
	t = mk(1024);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(ins(t, &c[i], 0x90000000u + i, SYN, i), 0);
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(look(t, &c[i], 0x90000010u, ACK), i);

	/* Victim choice across the wrap: k[0]'s deadline is numerically the
	 * largest (just before 2^32) but comes first; an unsigned min would
	 * pick one of the wrapped deadlines instead. */
	colliding_keys(nb, c, 9);
	now = 0xffffffffu - 10050;
	ins(t, &c[0], now, SYN, 0); /* deadline 0xffffffff - 50 */
	for (uint32_t i = 1; i < 8; i++)
		ins(t, &c[i], now + 100 + i, SYN, i); /* deadlines wrap past 0 */
	assert_int_equal(ins(t, &c[8], now + 200, SYN, 8), 1);
	assert_int_equal(look(t, &c[0], now + 201, ACK), SL_REAL_NONE);
	for (uint32_t i = 1; i <= 8; i++)
		assert_int_equal(look(t, &c[i], now + 201, ACK), i);
	sl_flow_table_free(t);
}

static void test_age(void **state)
{
	struct sl_flow_table *t = mk(1024);
	struct sl_flow_key k = key4(1, TCP);
	uint32_t nb = sl_flow_table_capacity(t) / 8;
	const struct sl_flow_stats *st = sl_flow_table_stats(t);

	(void)state;
	for (uint32_t i = 0; i < 100; i++) {
		struct sl_flow_key x = key4(1000 + i, i < 40 ? UDP : TCP);

		ins(t, &x, 0, 0, i);
	}
	ins(t, &k, 0, SYN, 1);
	/* Half a sweep, then the other half: the cursor carries on. */
	uint32_t freed = sl_flow_table_age(t, 5000, nb / 2, NULL);

	freed += sl_flow_table_age(t, 5000, nb - nb / 2, NULL);
	assert_int_equal(freed, 40);
	assert_int_equal(st->expired, 40);
	assert_int_equal(sl_flow_table_count(t, 5000), 61);
	assert_int_equal(occupied(t), 61);
	assert_int_equal(sl_flow_table_age(t, 20000, UINT32_MAX, NULL), 61);
	assert_int_equal(occupied(t), 0);
	assert_int_equal(sl_flow_table_count(t, 20000), 0);
	/* 2^32 ms after its deadline, an unswept entry would look alive
	 * again; the sweep above freed it for good. */
	assert_int_equal(look(t, &k, 10000 + 0x80000000u + 1000, ACK), SL_REAL_NONE);
	sl_flow_table_free(t);
}

static void test_ipv4_ipv6(void **state)
{
	struct sl_flow_table *t = mk(1024);
	struct sl_flow_key a = key4(5, TCP), b = key6(5, TCP);

	(void)state;
	ins(t, &a, 0, SYN, 4);
	assert_int_equal(look(t, &b, 1, SYN), SL_REAL_NONE);
	ins(t, &b, 0, SYN, 6);
	assert_int_equal(look(t, &a, 1, ACK), 4);
	assert_int_equal(look(t, &b, 1, ACK), 6);
	/* Differing only in the last byte of the IPv6 destination. */
	b.dst[15]++;
	assert_int_equal(look(t, &b, 1, ACK), SL_REAL_NONE);
	assert_int_equal(sl_flow_table_count(t, 1), 2);
	sl_flow_table_free(t);
}

static void test_heap_returns(void **state)
{
	uint64_t before = heap_alloc_bytes();
	struct sl_flow_table *t;

	(void)state;
	t = mk(1 << 16);
	/* The buckets are at least one cache line per entry. */
	assert_true(heap_alloc_bytes() >= before + (1u << 16) * 64u);
	sl_flow_table_free(t);
	assert_int_equal(heap_alloc_bytes(), before);
}

static void test_many_random(void **state)
{
	enum { N = 100000 };
	struct sl_flow_table *t = mk(1 << 20);
	struct sl_flow_key *keys = malloc(N * sizeof(*keys));
	const struct sl_flow_stats *st = sl_flow_table_stats(t);
	uint32_t hash[32];

	(void)state;
	assert_non_null(keys);
	for (uint32_t i = 0; i < N; i++) {
		keys[i] = key_rand(i);
		/* 10% load: an 8-way bucket overflowing is ~1e-10 per bucket. */
		assert_int_equal(ins(t, &keys[i], 0, 0, i), 0);
	}
	assert_int_equal(sl_flow_table_count(t, 1), N);
	/* Burst-shaped: hash and prefetch all, then look up, as workers do. */
	for (uint32_t base = 0; base < N; base += 32) {
		uint32_t n = N - base < 32 ? N - base : 32;

		for (uint32_t j = 0; j < n; j++) {
			hash[j] = sl_flow_hash(&keys[base + j]);
			sl_flow_prefetch(t, hash[j]);
		}
		for (uint32_t j = 0; j < n; j++)
			sl_flow_prefetch_entry(t, hash[j], 1);
		for (uint32_t j = 0; j < n; j++) {
			uint32_t id = SL_REAL_NONE;

			assert_int_equal(sl_flow_lookup(t, &keys[base + j], hash[j], 1, ACK, &id),
					 1);
			assert_int_equal(id, base + j);
		}
	}
	/* Keys never inserted (other i range) never hit. */
	for (uint32_t i = 0; i < N; i++) {
		struct sl_flow_key k = key_rand(N + i);

		assert_int_equal(look(t, &k, 1, ACK), SL_REAL_NONE);
	}
	assert_int_equal(st->hits, N);
	assert_int_equal(st->misses, N);
	assert_int_equal(st->evictions, 0);
	free(keys);
	sl_flow_table_free(t);
}

static void test_overfull_never_wrong(void **state)
{
	enum { N = 20000 };
	struct sl_flow_table *t = mk(1024);
	const struct sl_flow_stats *st = sl_flow_table_stats(t);
	uint32_t cap = sl_flow_table_capacity(t), hits = 0, evicted = 0;
	struct sl_flow_key *keys = malloc(N * sizeof(*keys));

	(void)state;
	assert_non_null(keys);
	/* The clock stands still, so nothing expires: with ~150 keys per
	 * bucket every bucket fills, and every insert past that evicts. */
	for (uint32_t i = 0; i < N; i++) {
		keys[i] = key_rand(i);
		evicted += (uint32_t)ins(t, &keys[i], 0, 0, i);
	}
	assert_int_equal(evicted, N - cap);
	assert_int_equal(st->evictions, N - cap);
	assert_int_equal(st->expired, 0);
	assert_int_equal(st->inserts, N);
	assert_int_equal(sl_flow_table_count(t, 1), cap);
	for (uint32_t i = 0; i < N; i++) {
		uint32_t id = look(t, &keys[i], 1, ACK);

		if (id != SL_REAL_NONE) {
			assert_int_equal(id, i);
			hits++;
		}
	}
	/* Each live entry is exactly one of the keys. */
	assert_int_equal(hits, cap);
	free(keys);
	sl_flow_table_free(t);
}

/* Every way sl_flow_insert can use a slot reports what the slot named. */
static void test_insert_reports_prev(void **state)
{
	struct sl_flow_table *t = mk(1024);
	uint32_t nb = sl_flow_table_capacity(t) / 8;
	struct sl_flow_key k[10];

	(void)state;
	colliding_keys(nb, k, 10);
	/* Free slots. */
	for (uint32_t i = 0; i < 8; i++)
		assert_int_equal(ins_prev(t, &k[i], 100, SYN, 10 + i, SL_REAL_NONE),
				 SL_FLOW_INS_NEW);
	/* Refresh and re-point in place. */
	assert_int_equal(ins_prev(t, &k[0], 110, ACK, 10, 10), SL_FLOW_INS_EXISTED);
	assert_int_equal(ins_prev(t, &k[1], 110, ACK, 21, 11), SL_FLOW_INS_REPOINTED);
	/* Full bucket: the victim (k[2], earliest deadline) names 12. */
	for (uint32_t i = 3; i < 8; i++)
		look(t, &k[i], 120, ACK);
	assert_int_equal(ins_prev(t, &k[8], 130, SYN, 18, 12), SL_FLOW_INS_EVICTED);
	/* Everything expires; a lookup of k[3] misses but leaves it.  A new
	 * key reuses an expired slot (the earliest deadline: k[0], refreshed
	 * last at 110); k[3]'s own insert reuses its own dead entry. */
	assert_int_equal(look(t, &k[3], 100000, ACK), SL_REAL_NONE);
	assert_int_equal(ins_prev(t, &k[9], 100000, SYN, 19, 10), SL_FLOW_INS_NEW);
	assert_int_equal(ins_prev(t, &k[3], 100000, SYN, 23, 13), SL_FLOW_INS_NEW);
	assert_int_equal(occupied(t), 8);
	sl_flow_table_free(t);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* The sweep reports the real of each entry it frees, and only those. */
static void test_age_reports_freed(void **state)
{
	struct sl_flow_table *t = mk(1024);
	uint32_t nb = sl_flow_table_capacity(t) / 8;
	uint32_t freed[1024];
	uint32_t n = 0;

	(void)state;
	for (uint32_t i = 0; i < 100; i++) {
		struct sl_flow_key x = key4(2000 + i, i % 3 == 0 ? UDP : TCP);

		ins(t, &x, 0, 0, 1000 + i);
	}
	/* In pieces of 7 buckets: each call writes only its own entries. */
	for (uint32_t done = 0; done < nb; done += 7)
		n += sl_flow_table_age(t, 5000, RTE_MIN(7u, nb - done), freed + n);
	assert_int_equal(n, 34);
	qsort(freed, n, sizeof(freed[0]), cmp_u32);
	for (uint32_t j = 0; j < n; j++)
		assert_int_equal(freed[j], 1000 + 3 * j);
	assert_int_equal(occupied(t), 66);
	/* Asking for more buckets than there are sweeps each once. */
	assert_int_equal(sl_flow_table_age(t, 20000, UINT32_MAX, freed), 66);
	assert_int_equal(occupied(t), 0);
	sl_flow_table_free(t);
}

static void test_peek(void **state)
{
	struct sl_flow_table *t = mk(64);
	struct sl_flow_key a = key4(1, TCP), b = key4(2, TCP);
	const struct sl_flow_stats *st = sl_flow_table_stats(t);
	struct sl_flow_stats before;
	uint32_t id = SL_REAL_NONE;

	(void)state;
	ins(t, &a, 0, SYN, 5);
	before = *st;
	assert_int_equal(sl_flow_peek(t, &a, sl_flow_hash(&a), 9999, &id), 1);
	assert_int_equal(id, 5);
	assert_int_equal(sl_flow_peek(t, &b, sl_flow_hash(&b), 1, &id), 0);
	assert_memory_equal(st, &before, sizeof(before));
	/* No refresh: the entry still dies at 10000. */
	assert_int_equal(sl_flow_peek(t, &a, sl_flow_hash(&a), 10000, &id), 0);
	assert_int_equal(look(t, &a, 10000, ACK), SL_REAL_NONE);
	sl_flow_table_free(t);
}

/* Counts kept only from what insert and age report equal, after every step,
 * the occupied entries per real found by walking the table: random keys from
 * a small pool into a small table (evictions, re-points, refreshes), a clock
 * that jumps (expiry, reuse of expired slots) and sweeps. */
static void test_reported_counts_match_walk(void **state)
{
	enum { KEYS = 3000, STEPS = 20000, IDS = 64 };
	struct sl_flow_table *t = mk(256);
	struct sl_flow_key *keys = malloc(KEYS * sizeof(*keys));
	int64_t count[IDS] = {0};
	uint32_t freed[256];
	uint32_t now = 1;
	const struct sl_flow_stats *st = sl_flow_table_stats(t);

	(void)state;
	assert_non_null(keys);
	for (uint32_t i = 0; i < KEYS; i++)
		keys[i] = key_rand(i);
	for (uint32_t step = 0; step < STEPS; step++) {
		uint64_t r = rng();
		struct walk_count c;

		if (r % 97 == 0) {
			uint32_t n = sl_flow_table_age(t, now, (uint32_t)(r >> 8) % 17, freed);

			for (uint32_t j = 0; j < n; j++)
				count[freed[j]]--;
		} else {
			const struct sl_flow_key *k = &keys[(r >> 8) % KEYS];
			uint32_t id = (uint32_t)(r >> 32) % IDS;
			struct sl_flow_ins res = sl_flow_insert(t, k, sl_flow_hash(k), now,
								(r >> 40) & 1 ? FIN : ACK, id);

			count[id]++;
			if (res.prev_real != SL_REAL_NONE)
				count[res.prev_real]--;
			if ((r >> 48) % 3 == 0)
				look(t, k, now, ACK);
		}
		/* Mostly small steps, sometimes past every timeout. */
		now += (r >> 56) == 0 ? 20000 : (uint32_t)(r >> 60);
		memset(&c, 0, sizeof(c));
		sl_flow_table_walk(t, walk_cb, &c);
		for (uint32_t id = 0; id < IDS; id++)
			assert_int_equal(count[id], c.by_id[id]);
	}
	/* The walk saw every kind of change. */
	assert_true(st->evictions > 0);
	assert_true(st->expired > 0);
	free(keys);
	sl_flow_table_free(t);
}

static int eal_setup(void **state)
{
	char prefix[64];
	char *argv[] = {"test_flow",   "--no-huge", "-m", "512", "--no-pci", "--no-telemetry",
			"--log-level", "error",	    "-l", "0",	 prefix};

	(void)state;
	snprintf(prefix, sizeof(prefix), "--file-prefix=sl_test_flow_%d", (int)getpid());
	if (rte_eal_init((int)RTE_DIM(argv), argv) < 0)
		return -1;
	sl_eal_cleanup_at_exit();
	return 0;
}

static int eal_teardown(void **state)
{
	(void)state;
	return rte_eal_cleanup();
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_create_args),
	    cmocka_unit_test(test_hash_is_crc32c),
	    cmocka_unit_test(test_hash_zero_key),
	    cmocka_unit_test(test_full_key_compare),
	    cmocka_unit_test(test_hit_miss),
	    cmocka_unit_test(test_zero_key_empty_table),
	    cmocka_unit_test(test_expiry_tcp_udp),
	    cmocka_unit_test(test_refresh_on_hit),
	    cmocka_unit_test(test_closing),
	    cmocka_unit_test(test_set_timeouts),
	    cmocka_unit_test(test_eviction),
	    cmocka_unit_test(test_full_bucket_reuses_expired),
	    cmocka_unit_test(test_reinsert_repoints),
	    cmocka_unit_test(test_count),
	    cmocka_unit_test(test_clock_wrap),
	    cmocka_unit_test(test_age),
	    cmocka_unit_test(test_ipv4_ipv6),
	    cmocka_unit_test(test_heap_returns),
	    cmocka_unit_test(test_many_random),
	    cmocka_unit_test(test_overfull_never_wrong),
	    cmocka_unit_test(test_insert_reports_prev),
	    cmocka_unit_test(test_age_reports_freed),
	    cmocka_unit_test(test_peek),
	    cmocka_unit_test(test_reported_counts_match_walk),
	};

	return cmocka_run_group_tests(tests, eal_setup, eal_teardown);
}
