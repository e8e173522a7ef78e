/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The per-packet path (docs/ARCHITECTURE.md, steps 1-6).  Everything here runs
 * on a worker lcore: no locks, no allocation except one mbuf for an ICMP
 * reply, no system calls, no logging.
 */
#include <string.h>

#include <rte_branch_prediction.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_prefetch.h>
#include <rte_rcu_qsbr.h>
#include <rte_reciprocal.h>
#include <rte_tcp.h>

#include "sl_encap.h"
#include "sl_flow.h"
#include "sl_maglev.h"
#include "sl_parse.h"
#include "sl_worker.h"

/* Flow-table buckets the poll loop sweeps every 64 polls. */
#define SL_AGE_BUCKETS 8

/* What stage 4 of sl_worker_process does with a packet. */
enum {
	SL_TODO_NONE = 0,    /* dealt with already (dropped, to the kernel, ICMP) */
	SL_TODO_FORWARD,     /* forward to handle[i] */
	SL_TODO_NEW,	     /* new flow, or one whose backend is gone: take the Maglev
			      * slot's backend, insert */
	SL_TODO_NEW_BOUNDED, /* the same, for a VIP with bounded load: walk the
			      * slot's order past reals at their cap */
};

static inline void drop(struct sl_worker *w, struct rte_mbuf *m, enum sl_verdict v)
{
	w->stats->drops[v]++;
	rte_pktmbuf_free(m);
}

static inline void queue_tx(struct sl_worker *w, uint16_t port, struct rte_mbuf *m)
{
	struct sl_txbuf *tb = &w->tx[port];

	if (unlikely(tb->n == RTE_DIM(tb->pkts))) {
		drop(w, m, SL_V_TX_FULL);
		return;
	}
	tb->pkts[tb->n++] = m;
	w->tx_pending |= 1u << port;
}

/* Traffic that is not for a VIP goes to the host kernel when an exception
 * port exists (DESIGN: never silently eaten); otherwise it is counted under
 * its reason and dropped. */
static inline void not_for_us(struct sl_worker *w, struct rte_mbuf *m, enum sl_verdict v)
{
	if (w->kernel_port >= 0) {
		w->stats->to_kernel++;
		queue_tx(w, (uint16_t)w->kernel_port, m);
		return;
	}
	drop(w, m, v);
}

/* VIP id for the flow's destination, or -1.  Exact (addr, port, proto) first,
 * then the port-any entry when the snapshot has one. */
static inline int vip_lookup(const struct sl_snapshot *snap, const struct sl_flow_key *k)
{
	struct sl_vip_key vk;
	void *data;

	memset(&vk, 0, sizeof(vk));
	memcpy(vk.addr, k->dst, sizeof(vk.addr));
	vk.port = k->dport;
	vk.proto = k->proto;
	vk.family = k->family;
	if (rte_hash_lookup_with_hash_data(snap->vip_hash, &vk, sl_vip_hash(&vk), &data) < 0) {
		if (!snap->has_any_port)
			return -1;
		vk.port = 0;
		if (rte_hash_lookup_with_hash_data(snap->vip_hash, &vk, sl_vip_hash(&vk), &data) <
		    0)
			return -1;
	}
	/* The hash also holds address markers (SL_VIP_ADDR_MARK) under protocol
	 * 0, which no parsed TCP/UDP key has; refuse anything that is not a
	 * VIP id all the same. */
	return (uintptr_t)data < snap->nb_vip_slots ? (int)(uintptr_t)data : -1;
}

/* Is the destination address of this fragment one of our VIPs? */
static inline bool vip_addr(const struct sl_snapshot *snap, const struct sl_flow_key *k)
{
	struct sl_vip_key vk;

	memset(&vk, 0, sizeof(vk));
	memcpy(vk.addr, k->dst, sizeof(vk.addr));
	vk.family = k->family;
	return rte_hash_lookup_with_hash(snap->vip_hash, &vk, sl_vip_hash(&vk)) >= 0;
}

/* New-flow choice: the slot of the VIP's Maglev table for this flow, by a
 * hash of the 5-tuple that is the same on every instance (CRC32c with a
 * fixed seed: the value rte_hash_crc(k, 40, SL_MAGLEV_SEED) gives). */
static inline const uint32_t *maglev_slot(const struct sl_vip *vip, const struct sl_flow_key *k)
{
	uint32_t h = sl_crc32c_words(k, sizeof(*k) / 8, SL_MAGLEV_SEED);

	return &vip->table[h % vip->table_size];
}

static inline uint32_t maglev_pick(const struct sl_vip *vip, const struct sl_flow_key *k)
{
	return *maglev_slot(vip, k);
}

/* What stage 4 will touch for real h: its record (frame head) and its
 * counters.  With many backends these are not in cache. */
static inline void prefetch_real(struct sl_worker *w, const struct sl_snapshot *snap, uint32_t h)
{
	rte_prefetch0(&snap->reals[SL_REAL_ID(h)]);
	rte_prefetch0(&w->stats->real[SL_REAL_ID(h)]);
}

/* May an ICMP error be sent to this flow's source? */
static inline bool unicast_source(const struct sl_flow_key *k)
{
	static const uint8_t zero[15];

	if (k->family == SL_AF_INET)
		return k->src[0] != 0 && k->src[0] < 224; /* not 0/8, multicast, 240/4, bcast */
	/* not ff00::/8 (multicast), :: or ::1 */
	return k->src[0] != 0xff && !(memcmp(k->src, zero, sizeof(zero)) == 0 && k->src[15] <= 1);
}

/* May this packet be answered with an ICMP error at all?  Never an ICMP
 * error (a steered frag-needed / packet-too-big): answering one could loop
 * between two boxes (RFC 1122 3.2.2, RFC 4443 2.4(e)).  Nor a packet from a
 * multicast, broadcast or unspecified source, nor one sent to a link-layer
 * multicast or broadcast address (same RFCs). */
static inline bool may_answer(const struct rte_mbuf *m, const struct sl_pkt_meta *pm)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	return !(pm->flags & SL_PKT_ICMP_ERR) && unicast_source(&pm->key) &&
	       !rte_is_multicast_ether_addr(&eth->dst_addr);
}

/* The ICMP reply token bucket (icmp.rate_limit per second and worker, bursts
 * of 0.1 s), shared by too-big and unreachable replies: refill for the time
 * since the last reply and say whether a token is there.  icmp_reply takes
 * it. */
static bool icmp_token(struct sl_worker *w, uint32_t now)
{
	uint64_t burst = (uint64_t)w->icmp_rate * 100; /* 0.1 s worth, in milli-tokens */

	w->icmp_tokens += (uint64_t)(uint32_t)(now - w->icmp_last_ms) * w->icmp_rate;
	w->icmp_last_ms = now;
	if (w->icmp_tokens > burst + 1000)
		w->icmp_tokens = burst + 1000;
	return w->icmp_tokens >= 1000;
}

/* Build an ICMP error about m, "too big" advertising `mtu` when mtu != 0,
 * else "port unreachable", from the VIP back to the sender, and queue it out
 * of the port m came in on, with the same VLAN tag if any; takes a token.
 * Returns 1 when queued, 0 without an mbuf, -1 when the builder refused (m
 * is left alone either way). */
static int icmp_reply(struct sl_worker *w, uint16_t in_port, const struct rte_mbuf *m,
		      const struct sl_pkt_meta *pm, uint16_t mtu)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	struct rte_ether_hdr *eth;
	struct rte_mbuf *reply;
	uint16_t l2 = pm->l3_off, len, avail, cap;
	uint8_t *out;

	reply = rte_pktmbuf_alloc(w->pool);
	if (unlikely(reply == NULL))
		return 0;
	avail = (uint16_t)RTE_MIN((uint32_t)pm->ip_len, (uint32_t)(m->data_len - l2));
	eth = rte_pktmbuf_mtod(reply, struct rte_ether_hdr *);
	out = (uint8_t *)eth + l2;
	cap = (uint16_t)(rte_pktmbuf_tailroom(reply) - l2);
	len = mtu != 0
		  ? sl_icmp_too_big(pm->key.family, pm->key.dst, frame + l2, avail, mtu, out, cap)
		  : sl_icmp_unreach(pm->key.family, pm->key.dst, frame + l2, avail, out, cap);
	if (unlikely(len == 0)) {
		rte_pktmbuf_free(reply);
		return -1;
	}
	memcpy(eth, frame, l2);
	rte_ether_addr_copy(&((const struct rte_ether_hdr *)frame)->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&w->port_mac[in_port], &eth->src_addr);
	reply->data_len = (uint16_t)(l2 + len);
	reply->pkt_len = reply->data_len;
	w->icmp_tokens -= 1000;
	queue_tx(w, in_port, reply);
	return 1;
}

/* Reply "too big" to the sender (rate-limited), or count why not. */
static void too_big(struct sl_worker *w, const struct sl_real *r, uint16_t in_port,
		    struct rte_mbuf *m, const struct sl_pkt_meta *pm, uint32_t now)
{
	int rc;

	/* IPv4 without DF: we do not fragment (the backend would have to
	 * reassemble inner fragments); nothing useful to answer. */
	if (!(pm->flags & SL_PKT_DF) || !may_answer(m, pm)) {
		drop(w, m, SL_V_TOO_BIG);
		return;
	}
	if (!icmp_token(w, now)) {
		drop(w, m, SL_V_ICMP_RATELIMIT);
		return;
	}
	rc = icmp_reply(w, in_port, m, pm, r->max_inner);
	if (unlikely(rc == 0)) {
		drop(w, m, SL_V_ICMP_RATELIMIT);
		return;
	}
	if (rc > 0)
		w->stats->icmp_sent++;
	drop(w, m, SL_V_TOO_BIG);
}

/* A new flow for a VIP with nothing usable in its slot: dropped and counted
 * (no_backend); with SL_VIP_UNREACHABLE the sender is also told "port
 * unreachable" (rate-limited, sl_encap.h says why that code), so clients fail
 * at once instead of retrying into a black hole. */
static __rte_noinline void no_backend(struct sl_worker *w, const struct sl_vip *vip,
				      uint16_t in_port, struct rte_mbuf *m,
				      const struct sl_pkt_meta *pm, uint32_t now)
{
	if ((vip->flags & SL_VIP_UNREACHABLE) && may_answer(m, pm)) {
		if (icmp_token(w, now) && icmp_reply(w, in_port, m, pm, 0) > 0)
			w->stats->unreach_sent++;
		else
			w->stats->unreach_limited++;
	}
	drop(w, m, SL_V_NO_BACKEND);
}

/* Bounded-load cap: how many of the VIP's first n + 1 new flows of the
 * window a real with `share` (16.16) may take, rounded up, so a real with any
 * share may take the window's first flow.  64-bit: no overflow for any n. */
static inline uint64_t bl_cap(uint32_t n, uint32_t share)
{
	return (((uint64_t)n + 1) * share + 0xffff) >> 16;
}

/* Bounded load (consistent hashing with bounded loads, Mirrokni, Thorup and
 * Zadimoghaddam 2016), per worker and window: the new flow of Maglev slot
 * `slot` takes the first real of the slot's order (owner, then fallbacks)
 * that has had fewer new flows in this window than its cap,
 * ceil((VIP's new flows in the window so far + 1) * bl_share); when all are
 * at their cap, the owner (counted as an overflow).  Counts are the worker's
 * own (plain, single writer), reset lazily by window number.  Returns the
 * chosen handle; `slot` holds a usable handle.  Worker. */
static __rte_noinline uint32_t bl_pick(struct sl_worker *w, const struct sl_snapshot *snap,
				       uint16_t vid, const uint32_t *slot, uint32_t now)
{
	const struct sl_vip *vip = &snap->vips[vid];
	struct sl_bl_count *vc = &w->bl->vip[vid], *rc;
	const uint32_t *ord;
	uint32_t win, n, h = *slot;

	if (unlikely(vip->order == NULL))
		return h; /* flag without orders: plain Maglev */
	ord = vip->order + (size_t)(slot - vip->table) * SL_MAGLEV_LAYERS;
	win = vip->bl_window_ms != 0 ? now / vip->bl_window_ms : now;
	if (vc->window != win) {
		vc->window = win;
		vc->count = 0;
	}
	n = vc->count++;
	for (unsigned k = 0; k < SL_MAGLEV_LAYERS; k++) {
		uint32_t c, rid, cand = ord[k];

		if (cand == SL_REAL_NONE || SL_REAL_ID(cand) >= snap->nb_real_slots)
			continue;
		rid = SL_REAL_ID(cand);
		rc = &w->bl->real[rid];
		c = rc->window == win ? rc->count : 0;
		if (c < bl_cap(n, snap->reals[rid].bl_share)) {
			rc->window = win;
			rc->count = c + 1;
			if (k != 0)
				w->stats->vip_bl_spill[vid]++;
			return cand;
		}
	}
	/* Everyone at the cap (the cap grows with every new flow, so this is
	 * transient): the owner takes it, as without bounded load. */
	rc = &w->bl->real[SL_REAL_ID(h)];
	rc->count = rc->window == win ? rc->count + 1 : 1;
	rc->window = win;
	w->stats->bl_overflow++;
	return h;
}

/* Replace the L2 header (and any Ethernet padding) with the real's prebuilt
 * Ethernet + outer headers, in place. */
static inline int encapsulate(const struct sl_real *r, struct rte_mbuf *m,
			      const struct sl_pkt_meta *pm, uint32_t hash)
{
	uint16_t room = r->tmpl.len;
	uint8_t *inner, *head;

	if (unlikely(m->data_off + pm->l3_off < room))
		return -SL_V_NO_HEADROOM;
	inner = rte_pktmbuf_mtod_offset(m, uint8_t *, pm->l3_off);
	m->data_off = (uint16_t)(m->data_off + pm->l3_off - room);
	m->data_len = (uint16_t)(room + pm->ip_len);
	m->pkt_len = m->data_len;
	m->ol_flags = 0;
	head = rte_pktmbuf_mtod(m, uint8_t *);
	if (likely(r->tmpl.mode != SL_TMPL_SLOW)) {
		sl_encap_tmpl_apply(&r->tmpl, head, inner, pm->ip_len, hash);
	} else {
		memcpy(head, r->tmpl.hdr, RTE_ETHER_HDR_LEN);
		sl_encap_write(&r->encap, head + RTE_ETHER_HDR_LEN, inner, pm->ip_len, hash);
	}
	return 0;
}

/* Encapsulate towards the real of handle h and queue; true if the packet was
 * queued, false if it was refused (and counted) instead. */
static inline bool forward(struct sl_worker *w, const struct sl_snapshot *snap, uint16_t in_port,
			   struct rte_mbuf *m, const struct sl_pkt_meta *pm, uint32_t h,
			   uint32_t hash, uint32_t now)
{
	uint32_t rid = SL_REAL_ID(h);
	const struct sl_real *r = &snap->reals[rid];
	struct sl_real_counters *rc = &w->stats->real[rid];
	int rc_encap;

	if (unlikely(pm->ip_len > r->max_inner)) {
		too_big(w, r, in_port, m, pm, now);
		return false;
	}
	rc_encap = encapsulate(r, m, pm, hash);
	if (unlikely(rc_encap < 0)) {
		drop(w, m, (enum sl_verdict) - rc_encap);
		return false;
	}
	rc->packets++;
	rc->bytes += pm->ip_len;
	queue_tx(w, snap->egress_port, m);
	return true;
}

/* Is the real of handle h still there for established flows: same id, same
 * incarnation, still in the configuration? */
static inline bool real_live(const struct sl_snapshot *snap, uint32_t h)
{
	uint32_t rid = SL_REAL_ID(h);

	return rid < snap->nb_real_slots && snap->reals[rid].incarnation == SL_REAL_INC(h) &&
	       (snap->reals[rid].flags & SL_REAL_LIVE);
}

/* Remember the new flow of pm -> h (VIP vid) and count it: the entry now
 * names h instead of what its slot named before (the evicted, expired or
 * re-pointed entry's real, h itself, or nothing), so the flow count moves.
 * Worker. */
static inline void remember(struct sl_worker *w, const struct sl_pkt_meta *pm, uint32_t hash,
			    uint16_t vid, uint32_t h, uint32_t now)
{
	struct sl_flow_ins r = sl_flow_insert(w->ft, &pm->key, hash, now, pm->tcp_flags, h);
	struct sl_real_counters *rc = &w->stats->real[SL_REAL_ID(h)];

	rc->flows++;
	if (r.prev_real != SL_REAL_NONE)
		w->stats->real[SL_REAL_ID(r.prev_real)].flows--;
	/* A flow seen twice in one burst was inserted by its first packet:
	 * the second finds it already pointing here and is no new flow.  A
	 * flow re-pinned off a vanished backend is a new flow for its new one
	 * (the insert re-points it). */
	if (r.result != SL_FLOW_INS_EXISTED) {
		rc->new_flows++;
		w->stats->vip_new_flows[vid]++;
		if (pm->key.proto == IPPROTO_TCP && !(pm->tcp_flags & RTE_TCP_SYN_FLAG)) {
			w->stats->tcp_nonsyn_miss++;
			w->stats->vip_nonsyn_miss[vid]++;
		}
	}
}

/* Stage 3 for a new flow of a VIP with bounded load (out of line, in a pass
 * of its own: plain VIPs pay only stage 2's flag test).  Returns the handle to forward
 * to, or SL_REAL_NONE when the packet was dropped (no backend).  A flow's
 * second packet in the same burst takes the choice its first one made: the
 * choice depends on counts that this burst moves, so choosing again could
 * split the flow (the plain path gets this from its table slot being the
 * same).  Worker. */
static __rte_noinline uint32_t new_flow_bounded(struct sl_worker *w, const struct sl_snapshot *snap,
						uint16_t in_port, struct rte_mbuf *m,
						const struct sl_pkt_meta *pm, uint32_t hash,
						uint16_t vid, const uint32_t *slot, uint32_t now)
{
	uint32_t h = *slot;

	if (unlikely(h == SL_REAL_NONE)) {
		no_backend(w, &snap->vips[vid], in_port, m, pm, now);
		return SL_REAL_NONE;
	}
	if (!sl_flow_peek(w->ft, &pm->key, hash, now, &h) || !real_live(snap, h))
		h = bl_pick(w, snap, vid, slot, now);
	remember(w, pm, hash, vid, h, now);
	return h;
}

/* An ICMP frag-needed / packet-too-big about a VIP flow: the parser gave us
 * the flow's own key; send the error to that flow's backend.  Looks up but
 * never creates a flow. */
static void steer_icmp(struct sl_worker *w, const struct sl_snapshot *snap, uint16_t in_port,
		       struct rte_mbuf *m, const struct sl_pkt_meta *pm, uint32_t hash,
		       uint32_t now)
{
	uint32_t h;
	int vid;

	if (sl_flow_lookup(w->ft, &pm->key, hash, now, 0, &h) && real_live(snap, h))
		goto out;
	vid = vip_lookup(snap, &pm->key);
	if (vid < 0) {
		not_for_us(w, m, SL_V_NO_VIP);
		return;
	}
	h = maglev_pick(&snap->vips[vid], &pm->key);
	if (h == SL_REAL_NONE) {
		drop(w, m, SL_V_NO_BACKEND);
		return;
	}
out:
	/* Counted only when it really went to the backend; a refusal is
	 * counted under its drop reason instead. */
	if (forward(w, snap, in_port, m, pm, h, hash, now))
		w->stats->icmp_steered++;
}

void sl_worker_process(struct sl_worker *w, const struct sl_snapshot *snap, uint16_t in_port,
		       struct rte_mbuf **pkts, uint16_t n, uint32_t now)
{
	struct sl_pkt_meta meta[SL_BURST];
	const uint32_t *slot[SL_BURST]; /* stage 2 -> 3: the Maglev slot of a new flow */
	uint32_t hash[SL_BURST];
	uint32_t handle[SL_BURST]; /* stage 2/3 -> 4: the real to forward to */
	uint16_t vip_of[SL_BURST]; /* stage 2 -> 3: VIP id of a new flow */
	uint8_t verdict[SL_BURST];
	uint8_t todo[SL_BURST];
	uint16_t base, i, cnt, nb_bounded = 0;

	w->stats->rx += n;
	for (base = 0; base < n; base += SL_BURST) {
		cnt = (uint16_t)RTE_MIN(n - base, SL_BURST);
		struct rte_mbuf **b = pkts + base;

		/* Stage 1: parse and hash the whole burst, prefetching each
		 * flow's bucket so stage 2 finds it in cache. */
		for (i = 0; i < cnt; i++) {
			struct rte_mbuf *m = b[i];

			if (unlikely(m->nb_segs != 1)) {
				verdict[i] = SL_V_MULTISEG;
				continue;
			}
			verdict[i] = (uint8_t)sl_parse(rte_pktmbuf_mtod(m, const uint8_t *),
						       m->data_len, &meta[i]);
		}
		/* Hashing in its own loop lets the parser's narrow stores to
		 * the keys retire before the hash reads them 8 bytes at a
		 * time (no store-forwarding stalls). */
		for (i = 0; i < cnt; i++) {
			if (likely(verdict[i] == SL_V_OK)) {
				hash[i] = sl_flow_hash(&meta[i].key);
				sl_flow_prefetch(w->ft, hash[i]);
			}
		}

		/* Stage 1b: with the bucket metadata on its way, prefetch the
		 * matching entry too (hides the second miss of a hit once the
		 * table outgrows the caches). */
		if (w->prefetch_entries)
			for (i = 0; i < cnt; i++)
				if (likely(verdict[i] == SL_V_OK))
					sl_flow_prefetch_entry(w->ft, hash[i], now);

		/* Stage 2: decide.  Flow table first; the VIP lookup only on a
		 * miss, whose Maglev slot is prefetched for stage 3.  Packets
		 * that are not plain VIP traffic are dealt with here. */
		for (i = 0; i < cnt; i++) {
			struct rte_mbuf *m = b[i];
			const struct sl_pkt_meta *pm = &meta[i];
			const struct sl_vip *vip;
			uint32_t h;
			int vid;

			todo[i] = SL_TODO_NONE;
			if (unlikely(verdict[i] != SL_V_OK)) {
				if (verdict[i] == SL_V_TRUNCATED || verdict[i] == SL_V_MALFORMED ||
				    verdict[i] == SL_V_MULTISEG)
					drop(w, m, (enum sl_verdict)verdict[i]);
				else
					not_for_us(w, m, (enum sl_verdict)verdict[i]);
				continue;
			}
			if (unlikely(snap == NULL)) {
				not_for_us(w, m, SL_V_NO_VIP);
				continue;
			}
			if (unlikely(pm->flags & (SL_PKT_ICMP_ERR | SL_PKT_FRAG))) {
				if (pm->flags & SL_PKT_ICMP_ERR)
					steer_icmp(w, snap, in_port, m, pm, hash[i], now);
				else if (vip_addr(snap, &pm->key))
					drop(w, m, SL_V_FRAGMENT);
				else
					not_for_us(w, m, SL_V_NO_VIP);
				continue;
			}
			if (likely(
				sl_flow_lookup(w->ft, &pm->key, hash[i], now, pm->tcp_flags, &h))) {
				if (likely(real_live(snap, h))) {
					handle[i] = h;
					todo[i] = SL_TODO_FORWARD;
					prefetch_real(w, snap, h);
					continue;
				}
				/* Its backend is gone: choose anew below. */
			}
			vid = vip_lookup(snap, &pm->key);
			if (vid < 0) {
				not_for_us(w, m, SL_V_NO_VIP);
				continue;
			}
			vip = &snap->vips[vid];
			vip_of[i] = (uint16_t)vid;
			slot[i] = maglev_slot(vip, &pm->key);
			rte_prefetch0(slot[i]);
			todo[i] = SL_TODO_NEW;
			if (unlikely(vip->flags & SL_VIP_BOUNDED)) {
				todo[i] = SL_TODO_NEW_BOUNDED;
				nb_bounded++;
				if (vip->order != NULL)
					rte_prefetch0(&vip->order[(size_t)(slot[i] - vip->table) *
								  SL_MAGLEV_LAYERS]);
			}
		}

		/* Stage 3: new flows take their Maglev slot's backend and are
		 * remembered. */
		for (i = 0; i < cnt; i++) {
			uint32_t h;

			if (likely(todo[i] != SL_TODO_NEW))
				continue;
			h = *slot[i];
			if (unlikely(h == SL_REAL_NONE)) {
				no_backend(w, &snap->vips[vip_of[i]], in_port, b[i], &meta[i], now);
				todo[i] = SL_TODO_NONE;
				continue;
			}
			remember(w, &meta[i], hash[i], vip_of[i], h, now);
			handle[i] = h;
			todo[i] = SL_TODO_FORWARD;
			prefetch_real(w, snap, h);
		}
		/* Stage 3b: new flows of VIPs with bounded load, in a pass of
		 * their own so that the loop above costs plain VIPs nothing
		 * more.  (Inserting them after the others changes nothing: two
		 * packets of one flow are always for the same VIP.) */
		if (unlikely(nb_bounded != 0)) {
			for (i = 0; i < cnt; i++) {
				uint32_t h;

				if (todo[i] != SL_TODO_NEW_BOUNDED)
					continue;
				h = new_flow_bounded(w, snap, in_port, b[i], &meta[i], hash[i],
						     vip_of[i], slot[i], now);
				if (h == SL_REAL_NONE) {
					todo[i] = SL_TODO_NONE;
					continue;
				}
				handle[i] = h;
				todo[i] = SL_TODO_FORWARD;
				prefetch_real(w, snap, h);
			}
			nb_bounded = 0;
		}

		/* Stage 4: encapsulate and queue, with every backend record and
		 * counter already on its way to the cache. */
		for (i = 0; i < cnt; i++)
			if (todo[i] == SL_TODO_FORWARD)
				forward(w, snap, in_port, b[i], &meta[i], handle[i], hash[i], now);
	}
}

void sl_worker_age(struct sl_worker *w, uint32_t now, uint32_t n_buckets)
{
	uint32_t freed[SL_AGE_BUCKETS * SL_FLOW_WAYS];

	n_buckets = RTE_MIN(n_buckets, sl_flow_table_capacity(w->ft) / SL_FLOW_WAYS);
	/* Every freed entry stops counting for its real. */
	while (n_buckets > 0) {
		uint32_t nb = RTE_MIN(n_buckets, (uint32_t)SL_AGE_BUCKETS);
		uint32_t n = sl_flow_table_age(w->ft, now, nb, freed);

		for (uint32_t i = 0; i < n; i++)
			w->stats->real[SL_REAL_ID(freed[i])].flows--;
		n_buckets -= nb;
	}
}

void sl_worker_flush(struct sl_worker *w)
{
	/* Only the ports something was queued for. */
	while (w->tx_pending != 0) {
		uint16_t p = (uint16_t)__builtin_ctz(w->tx_pending);
		struct sl_txbuf *tb = &w->tx[p];
		uint16_t sent;

		w->tx_pending &= w->tx_pending - 1;
		/* A caller that drained tx[p] itself (tests, benchmarks) may
		 * have left the bit set. */
		if (unlikely(tb->n == 0))
			continue;
		sent = rte_eth_tx_burst(p, w->txq, tb->pkts, tb->n);
		w->stats->tx += sent;
		if (unlikely(sent < tb->n)) {
			w->stats->drops[SL_V_TX_FULL] += tb->n - sent;
			rte_pktmbuf_free_bulk(tb->pkts + sent, tb->n - sent);
		}
		tb->n = 0;
	}
}

/* The 32-bit millisecond clock of the flow table and the ICMP rate limit,
 * from a TSC value: a multiply and shifts, not a 64-bit division per burst. */
static inline uint32_t now_ms(const struct sl_worker *w, uint64_t tsc)
{
	return (uint32_t)rte_reciprocal_divide_u64(tsc, &w->ms_div);
}

unsigned sl_worker_poll(struct sl_worker *w)
{
	/* Acquire pairs with the control thread's release store in publish:
	 * everything it wrote into the snapshot is visible before we use it. */
	const struct sl_snapshot *snap = __atomic_load_n(w->snap_ptr, __ATOMIC_ACQUIRE);
	struct rte_mbuf *pkts[SL_BURST];
	unsigned total = 0;

	w->stats->polls++;
	if (snap != NULL)
		w->stats->generation = snap->generation;
	for (uint16_t i = 0; i < w->nb_rx_ports; i++) {
		uint16_t port = w->rx_ports[i];
		uint64_t start = rte_rdtsc();
		uint16_t n = rte_eth_rx_burst(port, w->rxq, pkts, SL_BURST);

		if (n == 0)
			continue;
		sl_worker_process(w, snap, port, pkts, n, now_ms(w, start));
		sl_worker_flush(w);
		w->stats->busy_cycles += rte_rdtsc() - start;
		total += n;
	}
	if (w->kernel_port >= 0 && snap != NULL) {
		/* Host traffic from the kernel goes out unchanged. */
		uint16_t n = rte_eth_rx_burst((uint16_t)w->kernel_port, w->rxq, pkts, SL_BURST);

		for (uint16_t i = 0; i < n; i++)
			queue_tx(w, snap->egress_port, pkts[i]);
		w->stats->from_kernel += n;
		if (n)
			sl_worker_flush(w);
	}
	if (total)
		w->stats->busy_polls++;
	/* Sweep a few buckets every 64 loops: with 32-bit millisecond
	 * deadlines, an expired entry must be cleared within 24 days or it
	 * would look live again (sl_flow_table_age). */
	if ((w->stats->polls & 63) == 0)
		sl_worker_age(w, now_ms(w, rte_rdtsc()), SL_AGE_BUCKETS);
	/* The snapshot pointer loaded above is not used past this point. */
	rte_rcu_qsbr_quiescent(w->qsbr, w->id);
	return total;
}

int sl_worker_main(void *arg)
{
	struct sl_worker *w = arg;

	/* The control side registered w->id before launching us; going online
	 * makes the control thread's grace periods wait for our quiescent
	 * reports, going offline at the end stops that. */
	rte_rcu_qsbr_thread_online(w->qsbr, w->id);
	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED))
		sl_worker_poll(w);
	rte_rcu_qsbr_thread_offline(w->qsbr, w->id);
	return 0;
}

struct sl_worker *sl_worker_create(unsigned id, int socket, uint32_t flow_entries,
				   const struct sl_flow_timeouts *to)
{
	struct sl_worker *w =
	    rte_zmalloc_socket("sl_worker", sizeof(*w), RTE_CACHE_LINE_SIZE, socket);

	if (w == NULL)
		return NULL;
	w->id = id;
	w->kernel_port = -1;
	w->tsc_per_ms = RTE_MAX(rte_get_tsc_hz() / 1000, (uint64_t)1);
	w->ms_div = rte_reciprocal_value_u64(w->tsc_per_ms);
	w->stats = rte_zmalloc_socket("sl_stats", sizeof(*w->stats), RTE_CACHE_LINE_SIZE, socket);
	/* Zeroed counts of window 0: correct for window 0, stale (and so
	 * read as 0) for any other. */
	w->bl = rte_zmalloc_socket("sl_bl", sizeof(*w->bl), RTE_CACHE_LINE_SIZE, socket);
	w->ft = sl_flow_table_create(flow_entries, socket, to);
	if (w->stats == NULL || w->bl == NULL || w->ft == NULL) {
		sl_worker_free(w);
		return NULL;
	}
	/* A table that stays in L2 gains nothing from the second prefetch
	 * stage and pays its instructions (bench_fastpath, 1K flows). */
	w->prefetch_entries = sl_flow_table_capacity(w->ft) > SL_PREFETCH_ENTRIES_MIN;
	return w;
}

void sl_worker_free(struct sl_worker *w)
{
	if (w == NULL)
		return;
	sl_flow_table_free(w->ft);
	rte_free(w->bl);
	rte_free(w->stats);
	rte_free(w);
}
