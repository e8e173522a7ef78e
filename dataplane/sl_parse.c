/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Packet parser (worker lcores).  See sl_parse.h for the contract.
 *
 * Header layouts come from DPDK's rte_*.h structs (offsetof/sizeof only);
 * fields are read with memcpy because the IP header sits at offset 14 or 18 and
 * a frame handed in by a test or a fuzzer may have any alignment.  Every read
 * is preceded by a length check against the frame, or after the IP header
 * against the end of the IP datagram (bytes past it are Ethernet padding, not
 * packet).
 *
 * Decisions the contract leaves open:
 * - VLAN: exactly one 802.1Q tag (TPID 0x8100).  An 802.1ad S-tag (0x88a8) is
 *   a provider tag that the edge strips before traffic reaches a host, and the
 *   meta has no room to remember which TPID to put back, so 0x88a8 and a second
 *   tag of either kind give SL_V_NOT_IP (the counter reads "neither IPv4 nor
 *   IPv6 after one VLAN tag").
 * - Fragments (IPv4 MF or offset != 0, IPv6 fragment header): SL_V_OK with
 *   SL_PKT_FRAG, ports zero and L4 not read, whatever the protocol; key.proto
 *   is the IP protocol.  An IPv6 "atomic fragment" (offset 0, M clear) is a
 *   whole packet (RFC 6946) and is parsed as one.
 * - IPv6 extension headers skipped: hop-by-hop, routing, destination options,
 *   AH (it authenticates but does not hide the ports), fragment; at most
 *   SL_PARSE_MAX_EXT of them, one more is SL_V_MALFORMED.  ESP, "no next
 *   header" and anything else end the walk and give SL_V_UNSUPPORTED_L4.
 * - ICMP errors steered by their quoted header: only IPv4 type 3 code 4
 *   (frag-needed) and ICMPv6 type 2 (packet too big), the two that break a
 *   flow (PMTU discovery) when they reach the wrong backend.  A quoted packet
 *   that is a non-first fragment carries no ports: SL_V_ICMP_OTHER (outer key
 *   addresses kept) so the caller hands it to the kernel like other ICMP.
 * - Frames longer than 65535 bytes (more than one mbuf segment can hold, and
 *   more than the 16-bit meta offsets can describe) are SL_V_MALFORMED.
 */
#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include <netinet/in.h>

#include <rte_branch_prediction.h>
#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_ether.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_tcp.h>
#include <rte_udp.h>

#include "sl_parse.h"

#define SL_PARSE_MAX_EXT 8

#define ICMP_DEST_UNREACH    3
#define ICMP_FRAG_NEEDED     4
#define ICMP6_PACKET_TOO_BIG 2
/* ICMP and ICMPv6 messages are at least 8 bytes (type, code, checksum and a
 * 4-byte field); errors quote the offending packet right after them. */
#define ICMP_HDR_LEN 8
/* An ICMP error quotes at least this much of the offending packet's L4 header,
 * enough for the ports of TCP and UDP. */
#define QUOTED_L4_LEN 8

static inline uint16_t ld16(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, sizeof(v));
	return v;
}

static inline void set_l3_key4(struct sl_flow_key *k, const uint8_t *ip)
{
	memcpy(k->src, ip + offsetof(struct rte_ipv4_hdr, src_addr), 4);
	memcpy(k->dst, ip + offsetof(struct rte_ipv4_hdr, dst_addr), 4);
	k->family = SL_AF_INET;
}

static inline void set_l3_key6(struct sl_flow_key *k, const uint8_t *ip)
{
	memcpy(k->src, ip + offsetof(struct rte_ipv6_hdr, src_addr), 16);
	memcpy(k->dst, ip + offsetof(struct rte_ipv6_hdr, dst_addr), 16);
	k->family = SL_AF_INET6;
}

/* Walks the IPv6 extension headers that start at ip + *off, with *nh the
 * first next-header value, without reading at or past ip + end.  On SL_V_OK,
 * *off and *nh are the offset and protocol of the first header that is not
 * skipped, and *frag tells whether a (non-atomic) fragment header was seen;
 * *frag_first is false when that fragment is not the first, in which case the
 * walk stops right after the fragment header because what follows is payload.
 * Returns SL_V_TRUNCATED or SL_V_MALFORMED (chain too long) otherwise. */
static enum sl_verdict v6_walk(const uint8_t *ip, uint32_t end, uint32_t *off, uint8_t *nh,
			       int *frag, int *frag_first)
{
	uint32_t o = *off;
	uint8_t p = *nh;
	unsigned n;

	for (n = 0;; n++) {
		uint32_t hlen;

		if (p != IPPROTO_HOPOPTS && p != IPPROTO_ROUTING && p != IPPROTO_DSTOPTS &&
		    p != IPPROTO_FRAGMENT && p != IPPROTO_AH)
			break;
		if (n == SL_PARSE_MAX_EXT)
			return SL_V_MALFORMED;
		/* Every one of these headers is at least 8 bytes long. */
		if (end - o < 8)
			return SL_V_TRUNCATED;
		if (p == IPPROTO_FRAGMENT) {
			uint16_t fd = rte_be_to_cpu_16(
			    ld16(ip + o + offsetof(struct rte_ipv6_fragment_ext, frag_data)));

			hlen = RTE_IPV6_FRAG_HDR_SIZE;
			if (fd & RTE_IPV6_FRAG_USED_MASK) {
				*frag = 1;
				if (RTE_IPV6_GET_FO(fd) != 0) {
					*frag_first = 0;
					*nh = ip[o];
					*off = o + hlen;
					return SL_V_OK;
				}
			}
		} else if (p == IPPROTO_AH) {
			/* RFC 4302: length in 4-byte units, minus 2. */
			hlen = ((uint32_t)ip[o + 1] + 2) * 4;
		} else {
			/* RFC 8200: length in 8-byte units, not counting the first 8. */
			hlen = ((uint32_t)ip[o + 1] + 1) * 8;
		}
		if (hlen > end - o)
			return SL_V_TRUNCATED;
		p = ip[o];
		o += hlen;
	}
	*off = o;
	*nh = p;
	return SL_V_OK;
}

/* Reads the quoted packet of an ICMP frag-needed / ICMPv6 packet-too-big
 * (at q, avail bytes up to the end of the outer datagram) and, on SL_V_OK,
 * fills m->key with its flow turned around: the quoted packet went VIP ->
 * client (the backend answered directly), the key reads client -> VIP. */
static enum sl_verdict parse_quoted(const uint8_t *q, uint32_t avail, uint8_t family,
				    struct sl_pkt_meta *m)
{
	struct sl_flow_key *k = &m->key;
	uint32_t l4;
	uint8_t proto;
	const uint8_t *src, *dst;
	uint32_t alen;

	if (family == SL_AF_INET) {
		if (avail < sizeof(struct rte_ipv4_hdr))
			return SL_V_TRUNCATED;
		if ((q[0] >> 4) != 4)
			return SL_V_MALFORMED;
		l4 = (uint32_t)(q[0] & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
		if (l4 < sizeof(struct rte_ipv4_hdr))
			return SL_V_MALFORMED;
		/* The quoted packet's own total length describes the original,
		 * of which only the start is quoted: not checked. */
		if (ld16(q + offsetof(struct rte_ipv4_hdr, fragment_offset)) &
		    RTE_BE16(RTE_IPV4_HDR_OFFSET_MASK))
			return SL_V_ICMP_OTHER;
		proto = q[offsetof(struct rte_ipv4_hdr, next_proto_id)];
		src = q + offsetof(struct rte_ipv4_hdr, src_addr);
		dst = q + offsetof(struct rte_ipv4_hdr, dst_addr);
		alen = 4;
	} else {
		int frag = 0, first = 1;
		enum sl_verdict v;

		if (avail < sizeof(struct rte_ipv6_hdr))
			return SL_V_TRUNCATED;
		if ((q[0] >> 4) != 6)
			return SL_V_MALFORMED;
		l4 = sizeof(struct rte_ipv6_hdr);
		proto = q[offsetof(struct rte_ipv6_hdr, proto)];
		v = v6_walk(q, avail, &l4, &proto, &frag, &first);
		if (v != SL_V_OK)
			return v;
		if (!first)
			return SL_V_ICMP_OTHER;
		src = q + offsetof(struct rte_ipv6_hdr, src_addr);
		dst = q + offsetof(struct rte_ipv6_hdr, dst_addr);
		alen = 16;
	}
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP)
		return SL_V_UNSUPPORTED_L4;
	if (avail < l4 + QUOTED_L4_LEN)
		return SL_V_TRUNCATED;
	memcpy(k->src, dst, alen);
	memcpy(k->dst, src, alen);
	/* TCP and UDP both start with source port, destination port. */
	memcpy(&k->sport, q + l4 + offsetof(struct rte_udp_hdr, dst_port), 2);
	memcpy(&k->dport, q + l4 + offsetof(struct rte_udp_hdr, src_port), 2);
	k->proto = proto;
	m->flags |= SL_PKT_ICMP_ERR;
	return SL_V_OK;
}

/* L4 of a non-fragment: l4 points at the header, avail bytes remain in the IP
 * datagram.  m->key addresses, family and proto are already set. */
static inline enum sl_verdict parse_l4(const uint8_t *l4, uint32_t avail, uint8_t proto,
				       struct sl_pkt_meta *m)
{
	switch (proto) {
	case IPPROTO_TCP: {
		uint32_t hlen;

		if (avail < sizeof(struct rte_tcp_hdr))
			return SL_V_TRUNCATED;
		hlen = (uint32_t)(l4[offsetof(struct rte_tcp_hdr, data_off)] >> 4) * 4;
		if (hlen < sizeof(struct rte_tcp_hdr))
			return SL_V_MALFORMED;
		if (hlen > avail)
			return SL_V_TRUNCATED;
		memcpy(&m->key.sport, l4 + offsetof(struct rte_tcp_hdr, src_port), 2);
		memcpy(&m->key.dport, l4 + offsetof(struct rte_tcp_hdr, dst_port), 2);
		m->tcp_flags = l4[offsetof(struct rte_tcp_hdr, tcp_flags)];
		return SL_V_OK;
	}
	case IPPROTO_UDP:
		/* The UDP length field is left to the backend's stack: nothing
		 * here reads past the 8-byte header. */
		if (avail < sizeof(struct rte_udp_hdr))
			return SL_V_TRUNCATED;
		memcpy(&m->key.sport, l4 + offsetof(struct rte_udp_hdr, src_port), 2);
		memcpy(&m->key.dport, l4 + offsetof(struct rte_udp_hdr, dst_port), 2);
		return SL_V_OK;
	case IPPROTO_ICMP:
		if (m->key.family != SL_AF_INET)
			return SL_V_UNSUPPORTED_L4;
		if (avail < ICMP_HDR_LEN)
			return SL_V_TRUNCATED;
		m->icmp_type = l4[0];
		if (l4[0] != ICMP_DEST_UNREACH || l4[1] != ICMP_FRAG_NEEDED)
			return SL_V_ICMP_OTHER;
		return parse_quoted(l4 + ICMP_HDR_LEN, avail - ICMP_HDR_LEN, SL_AF_INET, m);
	case IPPROTO_ICMPV6:
		if (m->key.family != SL_AF_INET6)
			return SL_V_UNSUPPORTED_L4;
		if (avail < ICMP_HDR_LEN)
			return SL_V_TRUNCATED;
		m->icmp_type = l4[0];
		/* RFC 4443: the code of packet-too-big is 0 and ignored. */
		if (l4[0] != ICMP6_PACKET_TOO_BIG)
			return SL_V_ICMP_OTHER;
		return parse_quoted(l4 + ICMP_HDR_LEN, avail - ICMP_HDR_LEN, SL_AF_INET6, m);
	default:
		return SL_V_UNSUPPORTED_L4;
	}
}

static inline enum sl_verdict parse_ipv4(const uint8_t *frame, uint32_t len, uint32_t off,
					 struct sl_pkt_meta *m)
{
	const uint8_t *ip = frame + off;
	uint32_t ihl, tot;
	uint16_t fo;
	uint8_t proto;

	if (len - off < sizeof(struct rte_ipv4_hdr))
		return SL_V_TRUNCATED;
	if ((ip[0] >> 4) != 4)
		return SL_V_MALFORMED;
	ihl = (uint32_t)(ip[0] & RTE_IPV4_HDR_IHL_MASK) * RTE_IPV4_IHL_MULTIPLIER;
	tot = rte_be_to_cpu_16(ld16(ip + offsetof(struct rte_ipv4_hdr, total_length)));
	if (ihl < sizeof(struct rte_ipv4_hdr) || tot < ihl)
		return SL_V_MALFORMED;
	/* Also covers the options: tot >= ihl. */
	if (tot > len - off)
		return SL_V_TRUNCATED;

	proto = ip[offsetof(struct rte_ipv4_hdr, next_proto_id)];
	set_l3_key4(&m->key, ip);
	m->key.proto = proto;
	m->l3_len = ihl;
	m->ip_len = tot;
	m->l4_off = off + ihl;
	m->l4_proto = proto;

	fo = ld16(ip + offsetof(struct rte_ipv4_hdr, fragment_offset));
	if (fo & RTE_BE16(RTE_IPV4_HDR_DF_FLAG))
		m->flags |= SL_PKT_DF;
	if (fo & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)) {
		m->flags |= SL_PKT_FRAG;
		return SL_V_OK;
	}
	return parse_l4(ip + ihl, tot - ihl, proto, m);
}

static inline enum sl_verdict parse_ipv6(const uint8_t *frame, uint32_t len, uint32_t off,
					 struct sl_pkt_meta *m)
{
	const uint8_t *ip = frame + off;
	uint32_t tot, l4 = sizeof(struct rte_ipv6_hdr);
	int frag = 0, first = 1;
	uint8_t proto;

	if (len - off < sizeof(struct rte_ipv6_hdr))
		return SL_V_TRUNCATED;
	if ((ip[0] >> 4) != 6)
		return SL_V_MALFORMED;
	tot = sizeof(struct rte_ipv6_hdr) +
	      rte_be_to_cpu_16(ld16(ip + offsetof(struct rte_ipv6_hdr, payload_len)));
	if (tot > len - off)
		return SL_V_TRUNCATED;

	set_l3_key6(&m->key, ip);
	m->ip_len = tot;
	m->flags |= SL_PKT_DF;
	proto = ip[offsetof(struct rte_ipv6_hdr, proto)];
	/* Plain TCP/UDP, the common case, skips the walk. */
	if (proto != IPPROTO_TCP && proto != IPPROTO_UDP) {
		enum sl_verdict v = v6_walk(ip, tot, &l4, &proto, &frag, &first);

		if (v != SL_V_OK)
			return v;
	}
	m->key.proto = proto;
	m->l3_len = l4;
	m->l4_off = off + l4;
	m->l4_proto = proto;
	if (frag) {
		m->flags |= SL_PKT_FRAG;
		return SL_V_OK;
	}
	return parse_l4(ip + l4, tot - l4, proto, m);
}

/* The common case in one straight line: an untagged IPv4 packet without
 * options or fragmentation, or an IPv6 packet without extension headers,
 * carrying TCP or UDP, with every header inside the frame.  Returns false for
 * anything else, which takes the general path below; for the packets it
 * accepts, it fills `m` exactly as the general path would (the unit tests
 * compare every field for both). */
static inline bool parse_fast(const uint8_t *frame, uint32_t len, struct sl_pkt_meta *m)
{
	const uint8_t *ip = frame + RTE_ETHER_HDR_LEN;
	uint32_t tot, l3, avail;
	uint8_t tcp_flags = 0;
	uint16_t et;
	const uint8_t *l4;
	uint8_t proto, flags;

	if (unlikely(len > UINT16_MAX || len < RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv4_hdr)))
		return false;
	et = ld16(frame + offsetof(struct rte_ether_hdr, ether_type));
	if (et == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		uint16_t fo = ld16(ip + offsetof(struct rte_ipv4_hdr, fragment_offset));

		if (ip[0] != RTE_IPV4_VHL_DEF ||
		    (fo & RTE_BE16(RTE_IPV4_HDR_MF_FLAG | RTE_IPV4_HDR_OFFSET_MASK)))
			return false;
		tot = rte_be_to_cpu_16(ld16(ip + offsetof(struct rte_ipv4_hdr, total_length)));
		l3 = sizeof(struct rte_ipv4_hdr);
		proto = ip[offsetof(struct rte_ipv4_hdr, next_proto_id)];
		flags = (fo & RTE_BE16(RTE_IPV4_HDR_DF_FLAG)) ? SL_PKT_DF : 0;
	} else if (et == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		if (len < RTE_ETHER_HDR_LEN + sizeof(struct rte_ipv6_hdr) || (ip[0] >> 4) != 6)
			return false;
		l3 = sizeof(struct rte_ipv6_hdr);
		tot = l3 + rte_be_to_cpu_16(ld16(ip + offsetof(struct rte_ipv6_hdr, payload_len)));
		proto = ip[offsetof(struct rte_ipv6_hdr, proto)];
		flags = SL_PKT_DF;
	} else {
		return false;
	}
	if (tot > len - RTE_ETHER_HDR_LEN || tot < l3 + sizeof(struct rte_udp_hdr))
		return false;
	avail = tot - l3;
	l4 = ip + l3;
	if (proto == IPPROTO_TCP) {
		uint32_t hlen;

		if (avail < sizeof(struct rte_tcp_hdr))
			return false;
		hlen = (uint32_t)(l4[offsetof(struct rte_tcp_hdr, data_off)] >> 4) * 4;
		if (hlen < sizeof(struct rte_tcp_hdr) || hlen > avail)
			return false;
		tcp_flags = l4[offsetof(struct rte_tcp_hdr, tcp_flags)];
	} else if (proto != IPPROTO_UDP) {
		return false;
	}
	memset(m, 0, sizeof(*m));
	m->tcp_flags = tcp_flags;
	if (l3 == sizeof(struct rte_ipv4_hdr))
		set_l3_key4(&m->key, ip);
	else
		set_l3_key6(&m->key, ip);
	/* TCP and UDP both start with source port, destination port. */
	memcpy(&m->key.sport, l4, 4);
	m->key.proto = proto;
	m->l3_off = RTE_ETHER_HDR_LEN;
	m->l3_len = (uint16_t)l3;
	m->ip_len = (uint16_t)tot;
	m->l4_off = (uint16_t)(RTE_ETHER_HDR_LEN + l3);
	m->l4_proto = proto;
	m->flags = flags;
	return true;
}

/* Everything else: VLAN, IPv4 options, fragments, extension headers, ICMP,
 * and every malformed or truncated packet.  Kept out of line so the fast
 * path's caller does not pay for this one's registers. */
static __rte_noinline enum sl_verdict parse_slow(const uint8_t *frame, uint32_t len,
						 struct sl_pkt_meta *m)
{
	uint32_t off = RTE_ETHER_HDR_LEN;
	uint16_t et;

	memset(m, 0, sizeof(*m));
	if (len > UINT16_MAX)
		return SL_V_MALFORMED;
	if (len < RTE_ETHER_HDR_LEN)
		return SL_V_TRUNCATED;
	et = ld16(frame + offsetof(struct rte_ether_hdr, ether_type));
	if (et == RTE_BE16(RTE_ETHER_TYPE_VLAN)) {
		if (len < RTE_ETHER_HDR_LEN + sizeof(struct rte_vlan_hdr))
			return SL_V_TRUNCATED;
		m->vlan_tci =
		    rte_be_to_cpu_16(ld16(frame + off + offsetof(struct rte_vlan_hdr, vlan_tci)));
		m->flags = SL_PKT_VLAN;
		et = ld16(frame + off + offsetof(struct rte_vlan_hdr, eth_proto));
		off += sizeof(struct rte_vlan_hdr);
	}
	m->l3_off = off;
	if (et == RTE_BE16(RTE_ETHER_TYPE_IPV4))
		return parse_ipv4(frame, len, off, m);
	if (et == RTE_BE16(RTE_ETHER_TYPE_IPV6))
		return parse_ipv6(frame, len, off, m);
	return SL_V_NOT_IP;
}

enum sl_verdict sl_parse(const uint8_t *frame, uint32_t len, struct sl_pkt_meta *m)
{
	if (likely(parse_fast(frame, len, m)))
		return SL_V_OK;
	return parse_slow(frame, len, m);
}
