/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The forwarding snapshot: everything a worker needs to forward a packet, as
 * one immutable object.  The control thread builds a complete new snapshot,
 * publishes it with one release store and frees the old one only after an
 * rte_rcu_qsbr grace period (control/sl_ctrl.c).  Workers load the pointer
 * once per poll loop (acquire) and never write to it.
 *
 * Ownership of every field below: control: writes before publish;
 * dataplane: read-only.
 */
#ifndef SL_SNAPSHOT_H
#define SL_SNAPSHOT_H

#include <stdint.h>

#include <rte_ether.h>

#include "sl_common.h"
#include "sl_crc.h"
#include "sl_encap.h"
#include "sl_parse.h"

struct rte_hash;

/* Maglev selection hash seed.  Fixed, so every instance with the same
 * configuration maps a flow to the same table slot.  Deliberately different
 * from the flow table's hash so table slot and bucket index are unrelated. */
#define SL_MAGLEV_SEED 0x5a17ce01u

/* Value stored in the VIP hash under (address, port 0, proto 0, family):
 * "this address is a VIP", used to classify fragments, which carry no ports. */
#define SL_VIP_ADDR_MARK 0xffffu

/* Key of the VIP hash.  port 0 means "any port". */
struct sl_vip_key {
	uint8_t addr[16];
	uint16_t port; /* network order */
	uint8_t proto;
	uint8_t family;
	/* Always zero.  32 bytes let rte_hash compare keys with vector
	 * instructions instead of memcmp. */
	uint8_t pad[12];
};
_Static_assert(sizeof(struct sl_vip_key) == 32, "vip key has no implicit padding");

/* The VIP hash's hash function; workers compute it inline and look up with
 * rte_hash_lookup_with_hash_data, the control thread gives it to rte_hash. */
static inline uint32_t sl_vip_hash(const struct sl_vip_key *k)
{
	return sl_crc32c_words(k, sizeof(*k) / 8, 0);
}

/* A real handle names one incarnation of a real id: the id in the low
 * SL_REAL_ID_BITS bits, the incarnation above.  Flow entries and Maglev tables
 * hold handles, so when the control thread reuses a released id for another
 * (VIP, backend) pair, a flow entry still naming the old pair no longer
 * matches (its incarnation differs) and the flow chooses again instead of
 * following the id to a backend of another VIP. */
#define SL_REAL_ID_BITS		18
#define SL_REAL_INC_MAX		0x3ffe /* incarnations 0..0x3ffe; 0x3fff is left to SL_REAL_NONE */
#define SL_REAL_ID(h)		((h) & (SL_REAL_IDS - 1))
#define SL_REAL_INC(h)		((h) >> SL_REAL_ID_BITS)
#define SL_REAL_HANDLE(id, inc) (((uint32_t)(inc) << SL_REAL_ID_BITS) | (uint32_t)(id))
_Static_assert(SL_REAL_IDS == 1u << SL_REAL_ID_BITS, "real ids fill SL_REAL_ID_BITS");

/* sl_real.flags */
#define SL_REAL_LIVE 0x01 /* established flows keep using it (not down, disabled or drained) */
#define SL_REAL_NEW  0x02 /* may take new flows (informational: the table decides) */

/* One backend as seen by one VIP.  Indexed by real id, which is stable across
 * generations (flow entries store its handle). */
struct sl_real {
	/* First cache line: everything a forwarded packet reads, and the
	 * template's head (IPv4 outer headers end within it). */
	uint16_t incarnation;	      /* of this id; a handle must carry the same */
	uint8_t flags;		      /* SL_REAL_* */
	uint8_t overhead;	      /* sl_encap_overhead(&encap) */
	uint16_t max_inner;	      /* largest inner IP packet that fits the egress MTU */
	uint16_t vip_id;	      /* counters and validation */
	struct sl_encap_tmpl tmpl;    /* Ethernet + outer headers, prebuilt */
	struct sl_encap_params encap; /* outer header parameters (slow paths, summaries) */
	/* Bounded load (second line: new flows of bounded VIPs only read it):
	 * this real's cap on new flows per window, as a 16.16 fraction of the
	 * VIP's new flows in the window: c * weight / usable weight. */
	uint32_t bl_share;
} __rte_aligned(64);

/* sl_vip.flags */
#define SL_VIP_BOUNDED	   0x01 /* bounded load: walk `order` past reals over their cap */
#define SL_VIP_UNREACHABLE 0x02 /* no backend: answer ICMP unreachable (rate-limited) */

struct sl_vip {
	struct sl_vip_key key;
	uint32_t id;	       /* stable across generations: counter index */
	uint32_t table_size;   /* Maglev M, prime */
	const uint32_t *table; /* M real handles: the slot's owner under the current
				* health and admin view; SL_REAL_NONE when nothing is usable */
	/* SL_VIP_BOUNDED only, else NULL: M * SL_MAGLEV_LAYERS real handles, the
	 * slot's usable choices in preference order (order[j*4] == table[j]),
	 * padded with SL_REAL_NONE. */
	const uint32_t *order;
	uint32_t bl_window_ms; /* bounded-load window */
	uint32_t nb_reals;
	uint8_t present;
	uint8_t flags; /* SL_VIP_* */
};

struct sl_snapshot {
	uint64_t generation;
	struct rte_hash
	    *vip_hash;	      /* sl_vip_key -> VIP id (lock-free read, no writer after publish) */
	uint8_t has_any_port; /* some VIP uses port "any": try the port-0 key on a miss */
	struct sl_vip *vips;  /* indexed by VIP id; nb_vip_slots entries, absent ones !present */
	uint32_t nb_vip_slots;
	struct sl_real *reals; /* indexed by real id; nb_real_slots entries */
	uint32_t nb_real_slots;
	uint16_t mtu;	      /* egress MTU (IP bytes) */
	uint16_t egress_port; /* DPDK port id the next hop is on */
	struct rte_ether_addr next_hop_mac;
	uint64_t build_seq; /* control only: build attempt that made it (id release) */
};

#endif /* SL_SNAPSHOT_H */
