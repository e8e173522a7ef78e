/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Packet parser.  Pure function over a byte buffer: no mbuf, no EAL, so it is
 * unit-testable and fuzzable on its own.  Called on worker lcores.
 */
#ifndef SL_PARSE_H
#define SL_PARSE_H

#include <stdint.h>

#include "sl_common.h"

#define SL_AF_INET  4
#define SL_AF_INET6 6

/* The flow key: what the flow table stores inline and what both hashes read.
 * 40 bytes, no implicit padding, always fully initialised (IPv4 addresses sit
 * in the first 4 bytes of src/dst and the other 12 are zero) so it can be
 * hashed and compared as bytes.  The key always reads client -> VIP: for an
 * ICMP error about a flow the parser fills in the quoted inner packet's
 * addresses and ports in that direction, so it finds the same entry. */
struct sl_flow_key {
	uint8_t src[16];
	uint8_t dst[16];
	uint16_t sport; /* network byte order; 0 for ICMP */
	uint16_t dport; /* network byte order; 0 for ICMP */
	uint8_t proto;	/* IPPROTO_TCP / IPPROTO_UDP */
	uint8_t family; /* SL_AF_INET or SL_AF_INET6 */
	uint8_t pad[2]; /* always zero */
};
_Static_assert(sizeof(struct sl_flow_key) == 40, "flow key must be 40 bytes");

/* sl_pkt_meta.flags */
#define SL_PKT_DF	0x01 /* IPv4 DF set, or IPv6 (never fragmented en route) */
#define SL_PKT_FRAG	0x02 /* IP fragment (IPv4 MF/offset, IPv6 fragment header) */
#define SL_PKT_ICMP_ERR 0x04 /* frag-needed / packet-too-big; key is the quoted flow */
#define SL_PKT_VLAN	0x08 /* one 802.1Q tag present */

struct sl_pkt_meta {
	struct sl_flow_key key;
	uint16_t l3_off;   /* offset of the (outer) IP header from the frame start */
	uint16_t l3_len;   /* IPv4 header incl. options / IPv6 header incl. skipped ext headers */
	uint16_t ip_len;   /* IP datagram length from the IP header's length fields */
	uint16_t vlan_tci; /* host order, valid with SL_PKT_VLAN */
	uint16_t l4_off;   /* offset of the L4 header from the frame start */
	uint8_t l4_proto;  /* protocol of the outer packet's L4 header (may be ICMP) */
	uint8_t tcp_flags; /* TCP flags byte of the outer packet, 0 otherwise */
	uint8_t flags;	   /* SL_PKT_* */
	uint8_t icmp_type; /* outer ICMP/ICMPv6 type when l4_proto is ICMP */
	uint16_t pad;
};

/* Parse one Ethernet frame of `len` bytes at `frame`.
 * Returns SL_V_OK and fills `m` when the packet is IPv4/IPv6 carrying TCP or
 * UDP (or an ICMP frag-needed/packet-too-big whose quoted header gives a TCP or
 * UDP key); otherwise returns the drop reason (SL_V_TRUNCATED, SL_V_MALFORMED,
 * SL_V_NOT_IP, SL_V_UNSUPPORTED_L4, SL_V_ICMP_OTHER) with `m` partly filled
 * (l3_off, key addresses when known).  Never reads past frame + len.
 * Fragments return SL_V_OK with SL_PKT_FRAG set and ports zero; the caller
 * decides (sluice drops fragments of VIP traffic, see docs/ARCHITECTURE.md).
 * key.proto is TCP or UDP on SL_V_OK without SL_PKT_FRAG; for fragments,
 * SL_V_UNSUPPORTED_L4 and SL_V_ICMP_OTHER it holds the IP protocol as is.
 * Frames longer than 65535 bytes are SL_V_MALFORMED (meta offsets are 16-bit). */
enum sl_verdict sl_parse(const uint8_t *frame, uint32_t len, struct sl_pkt_meta *m);

#endif /* SL_PARSE_H */
