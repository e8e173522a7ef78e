/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Flow table micro-benchmark: TSC cycles per packet for the table's share of
 * the worker path, in bursts of SL_BURST as the worker runs it (hash and
 * prefetch the whole burst, then look up; on a miss, insert).
 *
 * Cases, each at 1K and 1M flows:
 *   hit          every packet an established flow (table sized 2x flows)
 *   hit_nopf     the same without sl_flow_prefetch, to show what it buys
 *   hit_pf2      the same with the second stage, sl_flow_prefetch_entry
 *   miss_insert  every packet a new flow into a full table, so every insert
 *                evicts (the worst case for new flows)
 * Each case runs RUNS times; the JSON line gives median, min and max of the
 * per-run cycles per packet, and per-phase medians.
 *
 * Usage: bench_flow [EAL args]; without arguments it uses hugepages with a
 * private --file-prefix.  Pin it (-l N) to a quiet core for stable numbers.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_malloc.h>

#include "sl_eal_cleanup.h"
#include "sl_flow.h"

#define RUNS	    5
#define OPS_PER_RUN (4u << 20)
#define BURST	    SL_BURST
#define ACK	    0x10

enum { PH_HASH, PH_LOOKUP, PH_INSERT, PH_MAX };

struct run_result {
	double total;
	double phase[PH_MAX];
};

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545f4914f6cdd1dull;
}

/* Random flow key, one in four IPv6, TCP or UDP. */
static void key_rand(struct sl_flow_key *k)
{
	uint64_t r[4] = {rng(), rng(), rng(), rng()};

	memset(k, 0, sizeof(*k));
	if ((r[3] & 3) == 0) {
		memcpy(k->src, r, 16);
		memcpy(k->dst, &r[2], 8);
		k->family = SL_AF_INET6;
	} else {
		memcpy(k->src, r, 4);
		memcpy(k->dst, &r[1], 4);
		k->family = SL_AF_INET;
	}
	k->sport = (uint16_t)(r[2] >> 16);
	k->dport = (uint16_t)(r[2] >> 32);
	k->proto = (r[3] >> 8) & 1 ? 6 : 17;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double median(double *v, unsigned int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static const struct sl_flow_timeouts to_long = {
    /* Nothing may expire during a run: every entry stays live. */
    .tcp = INT32_MAX,
    .tcp_closing = INT32_MAX,
    .udp = INT32_MAX,
};

/* One timed pass of OPS_PER_RUN lookups over `keys` (all present). */
static void run_hit(struct sl_flow_table *t, const struct sl_flow_key *keys, uint32_t n,
		    int prefetch, uint32_t *now, struct run_result *r)
{
	struct sl_flow_key burst[BURST];
	uint32_t hash[BURST];
	uint64_t cyc[PH_MAX] = {0};
	uint64_t hits = 0;
	uint32_t pos = 0;

	for (uint32_t done = 0; done < OPS_PER_RUN; done += BURST) {
		/* Untimed: the parser would leave the keys hot in L1. */
		for (unsigned int i = 0; i < BURST; i++) {
			burst[i] = keys[pos];
			pos = pos + 1 == n ? 0 : pos + 1;
		}
		(*now)++;
		uint64_t t0 = rte_rdtsc();

		for (unsigned int i = 0; i < BURST; i++) {
			hash[i] = sl_flow_hash(&burst[i]);
			if (prefetch)
				sl_flow_prefetch(t, hash[i]);
		}
		if (prefetch > 1)
			for (unsigned int i = 0; i < BURST; i++)
				sl_flow_prefetch_entry(t, hash[i], 1);
		uint64_t t1 = rte_rdtsc();

		for (unsigned int i = 0; i < BURST; i++) {
			uint32_t id;

			hits += (uint64_t)sl_flow_lookup(t, &burst[i], hash[i], *now, ACK, &id);
		}
		uint64_t t2 = rte_rdtsc();

		cyc[PH_HASH] += t1 - t0;
		cyc[PH_LOOKUP] += t2 - t1;
	}
	if (hits != OPS_PER_RUN) {
		fprintf(stderr, "bench_flow: %" PRIu64 " hits of %u lookups\n", hits, OPS_PER_RUN);
		exit(1);
	}
	r->phase[PH_HASH] = (double)cyc[PH_HASH] / OPS_PER_RUN;
	r->phase[PH_LOOKUP] = (double)cyc[PH_LOOKUP] / OPS_PER_RUN;
	r->phase[PH_INSERT] = 0;
	r->total = r->phase[PH_HASH] + r->phase[PH_LOOKUP];
}

/* One timed pass of OPS_PER_RUN new flows into a full table. */
static void run_miss_insert(struct sl_flow_table *t, uint32_t *now, struct run_result *r)
{
	struct sl_flow_key burst[BURST];
	uint32_t hash[BURST];
	uint64_t cyc[PH_MAX] = {0};
	uint64_t evicted = 0, hits = 0;

	for (uint32_t done = 0; done < OPS_PER_RUN; done += BURST) {
		for (unsigned int i = 0; i < BURST; i++)
			key_rand(&burst[i]);
		(*now)++;
		uint64_t t0 = rte_rdtsc();

		for (unsigned int i = 0; i < BURST; i++) {
			hash[i] = sl_flow_hash(&burst[i]);
			sl_flow_prefetch(t, hash[i]);
		}
		uint64_t t1 = rte_rdtsc();

		for (unsigned int i = 0; i < BURST; i++) {
			uint32_t id;

			hits += (uint64_t)sl_flow_lookup(t, &burst[i], hash[i], *now, ACK, &id);
		}
		uint64_t t2 = rte_rdtsc();

		for (unsigned int i = 0; i < BURST; i++)
			evicted +=
			    (uint64_t)sl_flow_insert(t, &burst[i], hash[i], *now, ACK, done + i)
				.result;
		uint64_t t3 = rte_rdtsc();

		cyc[PH_HASH] += t1 - t0;
		cyc[PH_LOOKUP] += t2 - t1;
		cyc[PH_INSERT] += t3 - t2;
	}
	if (evicted != OPS_PER_RUN || hits != 0) {
		fprintf(stderr,
			"bench_flow: %" PRIu64 " evictions, %" PRIu64 " hits of %u new flows\n",
			evicted, hits, OPS_PER_RUN);
		exit(1);
	}
	for (int p = 0; p < PH_MAX; p++)
		r->phase[p] = (double)cyc[p] / OPS_PER_RUN;
	r->total = r->phase[PH_HASH] + r->phase[PH_LOOKUP] + r->phase[PH_INSERT];
}

static void report(const char *name, uint32_t flows, uint32_t capacity, struct run_result *res)
{
	double tot[RUNS], ph[PH_MAX][RUNS], mn = 1e300, mx = 0, med, pm[PH_MAX];

	for (int i = 0; i < RUNS; i++) {
		tot[i] = res[i].total;
		mn = RTE_MIN(mn, tot[i]);
		mx = RTE_MAX(mx, tot[i]);
		for (int p = 0; p < PH_MAX; p++)
			ph[p][i] = res[i].phase[p];
	}
	med = median(tot, RUNS);
	for (int p = 0; p < PH_MAX; p++)
		pm[p] = median(ph[p], RUNS);
	printf("{\"bench\":\"flow\",\"case\":\"%s\",\"flows\":%u,\"capacity\":%u,\"burst\":%d,"
	       "\"runs\":%d,\"ops_per_run\":%u,\"cycles_per_pkt\":{\"median\":%.1f,\"min\":%.1f,"
	       "\"max\":%.1f},\"phase_median\":{\"hash_prefetch\":%.1f,\"lookup\":%.1f,"
	       "\"insert\":%.1f}}\n",
	       name, flows, capacity, BURST, RUNS, OPS_PER_RUN, med, mn, mx, pm[PH_HASH],
	       pm[PH_LOOKUP], pm[PH_INSERT]);
	fprintf(stderr,
		"# %-11s %8u flows: %6.1f cycles/pkt (min %.1f max %.1f; hash+prefetch %.1f, "
		"lookup %.1f, insert %.1f)\n",
		name, flows, med, mn, mx, pm[PH_HASH], pm[PH_LOOKUP], pm[PH_INSERT]);
}

static int bench_hit(uint32_t flows)
{
	struct run_result res[RUNS], res_nopf[RUNS], res_pf2[RUNS];
	struct sl_flow_table *t = sl_flow_table_create(2 * flows, SOCKET_ID_ANY, &to_long);
	struct sl_flow_key *keys = malloc((size_t)flows * sizeof(*keys));
	uint32_t now = 1, n = 0;

	if (t == NULL || keys == NULL) {
		fprintf(stderr, "bench_flow: no memory for %u flows\n", flows);
		return -1;
	}
	for (uint32_t i = 0; i < flows; i++) {
		key_rand(&keys[i]);
		sl_flow_insert(t, &keys[i], sl_flow_hash(&keys[i]), now, ACK, i);
	}
	/* Keep the keys that survived overflowing buckets: every timed lookup
	 * must hit. */
	for (uint32_t i = 0; i < flows; i++) {
		uint32_t id;

		if (sl_flow_lookup(t, &keys[i], sl_flow_hash(&keys[i]), now, ACK, &id) && id == i)
			keys[n++] = keys[i];
	}
	for (int r = 0; r < RUNS; r++) {
		run_hit(t, keys, n, 1, &now, &res[r]);
		run_hit(t, keys, n, 0, &now, &res_nopf[r]);
		run_hit(t, keys, n, 2, &now, &res_pf2[r]);
	}
	report("hit", n, sl_flow_table_capacity(t), res);
	report("hit_nopf", n, sl_flow_table_capacity(t), res_nopf);
	report("hit_pf2", n, sl_flow_table_capacity(t), res_pf2);
	free(keys);
	sl_flow_table_free(t);
	return 0;
}

static int bench_miss_insert(uint32_t flows)
{
	struct run_result res[RUNS];
	struct sl_flow_table *t = sl_flow_table_create(flows, SOCKET_ID_ANY, &to_long);
	uint32_t now = 1, cap;

	if (t == NULL) {
		fprintf(stderr, "bench_flow: no memory for %u flows\n", flows);
		return -1;
	}
	cap = sl_flow_table_capacity(t);
	/* Fill every slot so that every timed insert has to evict. */
	while (sl_flow_table_count(t, now) < cap) {
		for (uint32_t i = 0; i < cap; i++) {
			struct sl_flow_key k;

			key_rand(&k);
			sl_flow_insert(t, &k, sl_flow_hash(&k), now, ACK, i);
		}
	}
	for (int r = 0; r < RUNS; r++)
		run_miss_insert(t, &now, &res[r]);
	report("miss_insert", cap, cap, res);
	sl_flow_table_free(t);
	return 0;
}

int main(int argc, char **argv)
{
	char prefix[64];
	char *def[] = {argv[0], "-l",	"0",   "--no-pci", "--no-telemetry", "--log-level=error",
		       "-m",	"1024", prefix};
	static const uint32_t sizes[] = {1u << 10, 1u << 20};
	int ret = 0;

	snprintf(prefix, sizeof(prefix), "--file-prefix=sl_bench_flow_%d", (int)getpid());
	if (argc > 1 ? rte_eal_init(argc, argv) < 0 : rte_eal_init((int)RTE_DIM(def), def) < 0) {
		fprintf(stderr, "bench_flow: EAL init failed: %s\n", rte_strerror(rte_errno));
		return 1;
	}
	sl_eal_cleanup_at_exit();
	fprintf(stderr, "# TSC %" PRIu64 " Hz, burst %d, %d runs of %u packets\n", rte_get_tsc_hz(),
		BURST, RUNS, OPS_PER_RUN);
	for (size_t i = 0; i < RTE_DIM(sizes) && ret == 0; i++) {
		ret = bench_hit(sizes[i]);
		if (ret == 0)
			ret = bench_miss_insert(sizes[i]);
	}
	rte_eal_cleanup();
	return ret == 0 ? 0 : 1;
}
