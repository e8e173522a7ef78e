/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "sl_stats.h"

struct sl_totals {
	uint64_t rx, tx, to_kernel, from_kernel, icmp_sent, icmp_steered;
	uint64_t drops[SL_V_MAX];
	uint64_t busy_cycles, polls, busy_polls;
	struct sl_flow_stats flow;
};

static void sum(struct sl_worker *const *w, unsigned n, struct sl_totals *t)
{
	memset(t, 0, sizeof(*t));
	for (unsigned i = 0; i < n; i++) {
		const struct sl_worker_stats *s = w[i]->stats;
		const struct sl_flow_stats *f = sl_flow_table_stats(w[i]->ft);

		t->rx += s->rx;
		t->tx += s->tx;
		t->to_kernel += s->to_kernel;
		t->from_kernel += s->from_kernel;
		t->icmp_sent += s->icmp_sent;
		t->icmp_steered += s->icmp_steered;
		for (unsigned v = 0; v < SL_V_MAX; v++)
			t->drops[v] += s->drops[v];
		t->busy_cycles += s->busy_cycles;
		t->polls += s->polls;
		t->busy_polls += s->busy_polls;
		t->flow.hits += f->hits;
		t->flow.misses += f->misses;
		t->flow.inserts += f->inserts;
		t->flow.evictions += f->evictions;
		t->flow.expired += f->expired;
	}
}

static const char *addr_str(uint8_t family, const uint8_t *a, char *buf, size_t len)
{
	return inet_ntop(family == SL_AF_INET ? AF_INET : AF_INET6, a, buf, (socklen_t)len);
}

static const char *proto_str(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "?";
}

/* Per VIP, then per backend of each VIP.  One pass over the reals (sums per
 * real and per VIP, and the reals grouped by VIP with a counting sort), so a
 * full configuration costs O(reals x workers), not O(VIPs x reals). */
static void print_vips(FILE *f, const struct sl_snapshot *snap, struct sl_worker *const *w,
		       unsigned nb_workers)
{
	uint32_t nr = snap->nb_real_slots, nv = snap->nb_vip_slots;
	struct sl_counter3 *rc = calloc(nr, sizeof(*rc));
	struct sl_counter3 *vc = calloc(nv, sizeof(*vc));
	uint32_t *start = calloc(nv + 1, sizeof(*start));
	uint32_t *order = calloc(nr ? nr : 1, sizeof(*order));
	char a[INET6_ADDRSTRLEN];

	if (rc == NULL || vc == NULL || start == NULL || order == NULL) {
		fprintf(f, "  (per-VIP summary skipped: out of memory)\n");
		goto out;
	}
	for (uint32_t rid = 0; rid < nr; rid++) {
		const struct sl_real *r = &snap->reals[rid];

		if (!(r->flags & SL_REAL_LIVE) || r->vip_id >= nv)
			continue;
		for (unsigned i = 0; i < nb_workers; i++) {
			rc[rid].packets += w[i]->stats->real[rid].packets;
			rc[rid].bytes += w[i]->stats->real[rid].bytes;
			rc[rid].new_flows += w[i]->stats->real[rid].new_flows;
		}
		/* A VIP's packets and bytes are the sums over its reals. */
		vc[r->vip_id].packets += rc[rid].packets;
		vc[r->vip_id].bytes += rc[rid].bytes;
		start[r->vip_id + 1]++;
	}
	for (uint32_t vid = 0; vid < nv; vid++)
		start[vid + 1] += start[vid];
	for (uint32_t rid = 0; rid < nr; rid++) {
		const struct sl_real *r = &snap->reals[rid];

		if (!(r->flags & SL_REAL_LIVE) || r->vip_id >= nv)
			continue;
		order[start[r->vip_id] + (uint32_t)vc[r->vip_id].new_flows++] = rid;
	}
	for (uint32_t vid = 0; vid < nv; vid++) {
		const struct sl_vip *v = &snap->vips[vid];

		if (!v->present)
			continue;
		/* new_flows was borrowed as a fill cursor above. */
		vc[vid].new_flows = 0;
		for (unsigned i = 0; i < nb_workers; i++)
			vc[vid].new_flows += w[i]->stats->vip_new_flows[vid];
		fprintf(f,
			"  vip %s:%u/%s  packets %" PRIu64 " bytes %" PRIu64 " new_flows %" PRIu64
			"\n",
			addr_str(v->key.family, v->key.addr, a, sizeof(a)),
			(unsigned)rte_be_to_cpu_16(v->key.port), proto_str(v->key.proto),
			vc[vid].packets, vc[vid].bytes, vc[vid].new_flows);
		for (uint32_t k = start[vid]; k < start[vid + 1]; k++) {
			uint32_t rid = order[k];
			const struct sl_real *r = &snap->reals[rid];

			fprintf(f,
				"    backend %-39s packets %" PRIu64 " (%5.1f%%) bytes %" PRIu64
				" new_flows %" PRIu64 "%s\n",
				addr_str(r->encap.outer_family, r->encap.dst, a, sizeof(a)),
				rc[rid].packets,
				vc[vid].packets
				    ? 100.0 * (double)rc[rid].packets / (double)vc[vid].packets
				    : 0.0,
				rc[rid].bytes, rc[rid].new_flows,
				(r->flags & SL_REAL_NEW) ? "" : " (weight 0)");
		}
	}
out:
	free(rc);
	free(vc);
	free(start);
	free(order);
}

void sl_stats_print(FILE *f, const struct sl_snapshot *snap, struct sl_worker *const *w,
		    unsigned nb_workers, uint64_t tsc_hz)
{
	struct sl_totals t;

	sum(w, nb_workers, &t);
	fprintf(f, "== sluiced: generation %" PRIu64 ", %u worker(s)\n",
		snap ? snap->generation : 0, nb_workers);
	fprintf(f,
		"  rx %" PRIu64 "  tx %" PRIu64 "  to_kernel %" PRIu64 "  from_kernel %" PRIu64
		"  icmp_sent %" PRIu64 "  icmp_steered %" PRIu64 "\n",
		t.rx, t.tx, t.to_kernel, t.from_kernel, t.icmp_sent, t.icmp_steered);
	fprintf(f, "  drops:");
	for (unsigned v = 1; v < SL_V_MAX; v++)
		if (t.drops[v])
			fprintf(f, " %s %" PRIu64, sl_verdict_name(v), t.drops[v]);
	fprintf(f,
		"\n  flow tables: hits %" PRIu64 " misses %" PRIu64 " inserts %" PRIu64
		" evictions %" PRIu64 " expired %" PRIu64 "\n",
		t.flow.hits, t.flow.misses, t.flow.inserts, t.flow.evictions, t.flow.expired);
	if (t.rx)
		fprintf(f,
			"  busy: %.1f TSC cycles/packet (%.1f%% of %" PRIu64
			" polls busy) at %.0f MHz\n",
			(double)t.busy_cycles / (double)t.rx,
			t.polls ? 100.0 * (double)t.busy_polls / (double)t.polls : 0.0, t.polls,
			(double)tsc_hz / 1e6);
	if (snap == NULL)
		return;
	print_vips(f, snap, w, nb_workers);
	fflush(f);
}

void sl_stats_json(FILE *f, struct sl_worker *const *w, unsigned nb_workers, uint64_t tsc_hz)
{
	struct sl_totals t;

	sum(w, nb_workers, &t);
	fprintf(f,
		"{\"sluiced_stats\":{\"workers\":%u,\"rx\":%" PRIu64 ",\"tx\":%" PRIu64
		",\"to_kernel\":%" PRIu64 ",\"icmp_sent\":%" PRIu64 ",\"busy_cycles\":%" PRIu64
		",\"polls\":%" PRIu64 ",\"busy_polls\":%" PRIu64 ",\"tsc_hz\":%" PRIu64
		",\"cycles_per_packet\":%.2f,\"flow\":{\"hits\":%" PRIu64 ",\"misses\":%" PRIu64
		",\"evictions\":%" PRIu64 "},\"drops\":{",
		nb_workers, t.rx, t.tx, t.to_kernel, t.icmp_sent, t.busy_cycles, t.polls,
		t.busy_polls, tsc_hz, t.rx ? (double)t.busy_cycles / (double)t.rx : 0.0,
		t.flow.hits, t.flow.misses, t.flow.evictions);
	for (unsigned v = 1; v < SL_V_MAX; v++)
		fprintf(f, "%s\"%s\":%" PRIu64, v > 1 ? "," : "", sl_verdict_name(v), t.drops[v]);
	fprintf(f, "}}}\n");
	fflush(f);
}
