/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Encapsulation and ICMP "too big" replies.  Pure functions over byte buffers
 * (no mbuf, no EAL) so the exact output bytes can be unit-tested; the worker
 * (sl_worker.c) does the mbuf prepend/trim around them.  Worker lcores.
 */
#ifndef SL_ENCAP_H
#define SL_ENCAP_H

#include <stdint.h>

enum sl_encap_kind {
	SL_ENCAP_IPIP = 0, /* IPv4 in IPv4 (protocol 4) */
	SL_ENCAP_IP6IP6,   /* IPv6 in IPv6 (next header 41) */
	SL_ENCAP_IP4IP6,   /* IPv4 in IPv6 (next header 4) */
	SL_ENCAP_GUE,	   /* GUE variant 1: outer IPv4 or IPv6 + UDP, inner IP right after UDP */
	SL_ENCAP_MAX
};

/* Everything the outer header needs; built by the control thread into the
 * snapshot, read-only on workers. */
struct sl_encap_params {
	uint8_t kind;	      /* enum sl_encap_kind */
	uint8_t outer_family; /* SL_AF_INET or SL_AF_INET6 (GUE: the backend's family) */
	uint8_t ttl;	      /* outer TTL / hop limit */
	uint8_t pad;
	uint16_t gue_port; /* GUE outer UDP destination port, network order */
	uint16_t pad2;
	uint8_t src[16]; /* tunnel source (IPv4 in first 4 bytes) */
	uint8_t dst[16]; /* backend address */
};

/* Bytes the outer headers add: 20 (IPv4), 40 (IPv6), +8 for GUE. */
unsigned sl_encap_overhead(const struct sl_encap_params *p);

/* Write the outer headers into hdr[0 .. overhead-1], immediately followed in
 * memory by the inner IP packet inner[0 .. inner_len-1] (hdr + overhead ==
 * inner).  Outer IPv4 gets DF, a computed header checksum, the inner packet's
 * DSCP/ECN; outer IPv6 gets the inner traffic class and flow label from
 * flow_hash.  GUE: UDP source port derived from flow_hash (in 32768..65535),
 * UDP checksum 0 over IPv4 and computed over IPv6. */
void sl_encap_write(const struct sl_encap_params *p, uint8_t *hdr, const uint8_t *inner,
		    uint16_t inner_len, uint32_t flow_hash);

/* Build an ICMP "fragmentation needed" (IPv4, type 3 code 4) or ICMPv6
 * "packet too big" (type 2) reply to the IP packet orig[0..orig_len-1], from
 * `src` (the VIP) back to the packet's source, advertising `mtu`.  The reply
 * (IP header + ICMP + as much of the original as fits in the minimum MTU:
 * 576 bytes total for IPv4, 1280 for IPv6) is written to out[0..cap-1]; orig
 * and out may not overlap.  Returns the reply's length, or 0 when cap is too
 * small or orig is not an IP packet of the given family. */
uint16_t sl_icmp_too_big(uint8_t family, const uint8_t *src, const uint8_t *orig, uint16_t orig_len,
			 uint16_t mtu, uint8_t *out, uint16_t cap);

#endif /* SL_ENCAP_H */
