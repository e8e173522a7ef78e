/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Encapsulation and ICMP error replies (contract: sl_encap.h).
 *
 * Everything here runs on worker lcores and uses only header-inline DPDK
 * helpers (rte_ip.h checksums, byte order), so it needs no EAL and the unit
 * tests check exact bytes.  Headers are assembled in local structs and copied
 * out with memcpy: the destination is an mbuf headroom pointer with no
 * alignment guarantee, and the compiler turns the fixed-size copies into a few
 * plain stores.
 */
#include <stddef.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_icmp.h>
#include <rte_ip.h>
#include <rte_udp.h>

#include "sl_encap.h"
#include "sl_parse.h"

#define SL_IPV4_HLEN 20
#define SL_IPV6_HLEN 40
#define SL_UDP_HLEN  8
#define SL_ICMP_HLEN 8

#define SL_PROTO_IPIP	4
#define SL_PROTO_IPV6	41
#define SL_PROTO_UDP	17
#define SL_PROTO_ICMP	1
#define SL_PROTO_ICMPV6 58

/* RFC 1812 4.3.2.3 / RFC 4443 2.4(c): an error carries as much of the
 * offending packet as fits in the minimum MTU the reply is sure to cross. */
#define SL_ICMP4_MAX_REPLY 576
#define SL_ICMP6_MAX_REPLY 1280

/* TTL / hop limit of locally generated ICMP errors. */
#define SL_ICMP_TTL 64

/* RFC 1812 4.3.2.5: ICMP errors other than source quench SHOULD carry
 * precedence 6 (internetwork control); Linux does the same.  ICMPv6 has no
 * such rule and Linux sends traffic class 0, so we do too. */
#define SL_ICMP4_TOS 0xc0

/* Inner DSCP/ECN byte: IPv4 TOS, or the IPv6 traffic class that straddles the
 * first two bytes.  Copying ECN too is RFC 6040's "normal mode", so a CE mark
 * set before us survives decapsulation.  The caller has parsed `inner`, so at
 * least its first two bytes exist. */
static inline uint8_t inner_tos(const uint8_t *inner)
{
	if ((inner[0] >> 4) == 6)
		return (uint8_t)((inner[0] << 4) | (inner[1] >> 4));
	return inner[1];
}

static inline void write_outer_ipv4(const struct sl_encap_params *p, uint8_t *hdr, uint8_t proto,
				    uint8_t tos, uint16_t total_len)
{
	struct rte_ipv4_hdr ip = {
	    .version_ihl = RTE_IPV4_VHL_DEF,
	    .type_of_service = tos,
	    .total_length = rte_cpu_to_be_16(total_len),
	    /* DF makes this an atomic datagram: RFC 6864 lets the ID be
	     * anything, and a constant costs nothing per packet. */
	    .packet_id = 0,
	    .fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG),
	    .time_to_live = p->ttl,
	    .next_proto_id = proto,
	    .hdr_checksum = 0,
	};

	memcpy(&ip.src_addr, p->src, 4);
	memcpy(&ip.dst_addr, p->dst, 4);
	ip.hdr_checksum = rte_ipv4_cksum(&ip);
	memcpy(hdr, &ip, sizeof(ip));
}

static inline void fill_outer_ipv6(const struct sl_encap_params *p, struct rte_ipv6_hdr *ip6,
				   uint8_t proto, uint8_t tc, uint16_t payload_len,
				   uint32_t flow_hash)
{
	ip6->vtc_flow = rte_cpu_to_be_32((6u << 28) | ((uint32_t)tc << RTE_IPV6_HDR_TC_SHIFT) |
					 (flow_hash & RTE_IPV6_HDR_FL_MASK));
	ip6->payload_len = rte_cpu_to_be_16(payload_len);
	ip6->proto = proto;
	ip6->hop_limits = p->ttl;
	memcpy(ip6->src_addr, p->src, 16);
	memcpy(ip6->dst_addr, p->dst, 16);
}

/* GUE source port: the top half of the port space (32768..65535), so it
 * never collides with well-known ports, chosen by the flow so that a backend's
 * NIC spreads tunnels over its queues by RSS.  The fold maps every one of the
 * 32 hash bits onto some port bit, so flows that differ only in the bits the
 * flow table uses for buckets still get different ports. */
static inline uint16_t gue_sport(uint32_t flow_hash)
{
	return (uint16_t)(0x8000u |
			  ((flow_hash ^ (flow_hash >> 15) ^ (flow_hash >> 30)) & 0x7fffu));
}

unsigned sl_encap_overhead(const struct sl_encap_params *p)
{
	switch (p->kind) {
	case SL_ENCAP_IPIP:
		return SL_IPV4_HLEN;
	case SL_ENCAP_IP6IP6:
	case SL_ENCAP_IP4IP6:
		return SL_IPV6_HLEN;
	case SL_ENCAP_GUE:
		return (p->outer_family == SL_AF_INET6 ? SL_IPV6_HLEN : SL_IPV4_HLEN) + SL_UDP_HLEN;
	default:
		return 0;
	}
}

/* The outer family of IPIP/IP6IP6/IP4IP6 follows from the kind; only GUE
 * reads outer_family.  Lengths are not checked: the worker has already
 * refused packets whose encapsulated size exceeds the egress MTU. */
void sl_encap_write(const struct sl_encap_params *p, uint8_t *hdr, const uint8_t *inner,
		    uint16_t inner_len, uint32_t flow_hash)
{
	uint8_t tos = inner_tos(inner);
	struct rte_ipv6_hdr ip6;
	struct rte_udp_hdr udp;
	uint32_t sum;

	switch (p->kind) {
	case SL_ENCAP_IPIP:
		write_outer_ipv4(p, hdr, SL_PROTO_IPIP, tos, SL_IPV4_HLEN + inner_len);
		return;
	case SL_ENCAP_IP6IP6:
		fill_outer_ipv6(p, &ip6, SL_PROTO_IPV6, tos, inner_len, flow_hash);
		memcpy(hdr, &ip6, sizeof(ip6));
		return;
	case SL_ENCAP_IP4IP6:
		fill_outer_ipv6(p, &ip6, SL_PROTO_IPIP, tos, inner_len, flow_hash);
		memcpy(hdr, &ip6, sizeof(ip6));
		return;
	case SL_ENCAP_GUE:
		break;
	default:
		return;
	}

	udp.src_port = rte_cpu_to_be_16(gue_sport(flow_hash));
	udp.dst_port = p->gue_port;
	udp.dgram_len = rte_cpu_to_be_16(SL_UDP_HLEN + inner_len);
	udp.dgram_cksum = 0;

	if (p->outer_family != SL_AF_INET6) {
		/* RFC 768: checksum 0 means "none"; the inner packet carries
		 * its own transport checksum. */
		write_outer_ipv4(p, hdr, SL_PROTO_UDP, tos, SL_IPV4_HLEN + SL_UDP_HLEN + inner_len);
		memcpy(hdr + SL_IPV4_HLEN, &udp, sizeof(udp));
		return;
	}

	fill_outer_ipv6(p, &ip6, SL_PROTO_UDP, tos, SL_UDP_HLEN + inner_len, flow_hash);
	/* RFC 8200 8.1 requires a UDP checksum over IPv6 (RFC 6935's zero
	 * checksum needs the receiver's opt-in), so this is the one loop over
	 * the payload on the encap path.  NIC checksum offload
	 * (RTE_MBUF_F_TX_UDP_CKSUM with the pseudo-header sum seeded) would
	 * replace it; the worker can switch once ports report the capability.
	 * The UDP header is 8 bytes, so summing it and the inner packet
	 * separately keeps 16-bit word alignment. */
	sum = rte_ipv6_phdr_cksum(&ip6, 0);
	sum += rte_raw_cksum(&udp, sizeof(udp));
	sum += rte_raw_cksum(inner, inner_len);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	udp.dgram_cksum = (uint16_t)~sum;
	/* RFC 768: a computed 0 is sent as all ones; 0 would mean "none". */
	if (udp.dgram_cksum == 0)
		udp.dgram_cksum = 0xffff;
	memcpy(hdr, &ip6, sizeof(ip6));
	memcpy(hdr + SL_IPV6_HLEN, &udp, sizeof(udp));
}

void sl_encap_tmpl_init(struct sl_encap_tmpl *t, const struct sl_encap_params *p,
			const uint8_t *dst, const uint8_t *src)
{
	/* Any inner packet will do: sl_encap_write reads only its first two
	 * bytes (TOS, zero here) outside GUE over IPv6, and the per-packet
	 * fields it writes are rewritten by sl_encap_tmpl_apply. */
	static const uint8_t inner[2] = {0x45, 0};
	unsigned ovh = sl_encap_overhead(p);

	memset(t, 0, sizeof(*t));
	t->len = (uint8_t)(14 + ovh);
	memcpy(t->hdr, dst, 6);
	memcpy(t->hdr + 6, src, 6);
	if (p->kind == SL_ENCAP_GUE && p->outer_family == SL_AF_INET6) {
		t->mode = SL_TMPL_SLOW;
		t->hdr[12] = 0x86;
		t->hdr[13] = 0xdd;
		return;
	}
	sl_encap_write(p, t->hdr + 14, inner, 0, 0);
	if (p->kind == SL_ENCAP_IP6IP6 || p->kind == SL_ENCAP_IP4IP6) {
		t->mode = SL_TMPL_IP6;
		t->hdr[12] = 0x86;
		t->hdr[13] = 0xdd;
		/* vtc_flow and payload length are per packet. */
		memset(t->hdr + 14, 0, 6);
		return;
	}
	t->mode = p->kind == SL_ENCAP_GUE ? SL_TMPL_IP4_UDP : SL_TMPL_IP4;
	t->hdr[12] = 0x08;
	t->hdr[13] = 0x00;
	/* TOS, total length and checksum are per packet; the rest is summed
	 * once here, as big-endian 16-bit words. */
	t->hdr[14 + 1] = 0;
	memset(t->hdr + 14 + 2, 0, 2);
	memset(t->hdr + 14 + 10, 0, 2);
	if (t->mode == SL_TMPL_IP4_UDP) {
		memset(t->hdr + 34, 0, 2); /* source port */
		memset(t->hdr + 38, 0, 2); /* length */
	}
	for (unsigned i = 0; i < SL_IPV4_HLEN; i += 2)
		t->csum_base += (uint32_t)t->hdr[14 + i] << 8 | t->hdr[14 + i + 1];
}

/* Length of the IP packet at orig: its header's length field when that is
 * consistent, which trims Ethernet padding off minimum-size frames so it is
 * not quoted back; orig_len when the field claims more than we hold (a
 * truncated capture is still worth quoting). */
static uint16_t ip_quote_len(uint16_t field_len, uint16_t orig_len)
{
	return field_len < orig_len ? field_len : orig_len;
}

/* An ICMPv4 error of `type`/`code` whose bytes 4..7 are `rest` (host order),
 * from `src` back to the sender of the IPv4 packet orig[0..orig_len-1],
 * quoting at most `max_quote` bytes of it.  0 if orig is not IPv4 or cap is
 * too small. */
static uint16_t icmp4_error(const uint8_t *src, const uint8_t *orig, uint16_t orig_len,
			    uint8_t type, uint8_t code, uint32_t rest, uint16_t max_quote,
			    uint8_t *out, uint16_t cap)
{
	struct rte_ipv4_hdr ip;
	uint8_t icmp[SL_ICMP_HLEN];
	uint16_t hlen, tot, quote, len, ck;
	uint32_t sum;

	if (orig_len < SL_IPV4_HLEN || (orig[0] >> 4) != 4)
		return 0;
	hlen = (uint16_t)((orig[0] & 0xf) * 4);
	tot = (uint16_t)((orig[2] << 8) | orig[3]);
	if (hlen < SL_IPV4_HLEN || hlen > orig_len || tot < hlen)
		return 0;

	quote = ip_quote_len(tot, orig_len);
	if (quote > max_quote)
		quote = max_quote;
	len = (uint16_t)(SL_IPV4_HLEN + SL_ICMP_HLEN + quote);
	if (cap < len)
		return 0;

	ip = (struct rte_ipv4_hdr){
	    .version_ihl = RTE_IPV4_VHL_DEF,
	    .type_of_service = SL_ICMP4_TOS,
	    .total_length = rte_cpu_to_be_16(len),
	    /* At most 576 bytes with DF: atomic, so ID 0 (RFC 6864). */
	    .packet_id = 0,
	    .fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG),
	    .time_to_live = SL_ICMP_TTL,
	    .next_proto_id = SL_PROTO_ICMP,
	};
	memcpy(&ip.src_addr, src, 4);
	memcpy(&ip.dst_addr, orig + 12, 4);
	ip.hdr_checksum = rte_ipv4_cksum(&ip);

	icmp[0] = type;
	icmp[1] = code;
	icmp[2] = 0;
	icmp[3] = 0;
	icmp[4] = (uint8_t)(rest >> 24);
	icmp[5] = (uint8_t)(rest >> 16);
	icmp[6] = (uint8_t)(rest >> 8);
	icmp[7] = (uint8_t)rest;
	sum = rte_raw_cksum(icmp, sizeof(icmp));
	sum += rte_raw_cksum(orig, quote);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ck = (uint16_t)~sum;
	memcpy(icmp + 2, &ck, sizeof(ck));

	memcpy(out, &ip, sizeof(ip));
	memcpy(out + SL_IPV4_HLEN, icmp, sizeof(icmp));
	memcpy(out + SL_IPV4_HLEN + SL_ICMP_HLEN, orig, quote);
	return len;
}

/* The same for ICMPv6, quoting as much of the IPv6 packet as fits in
 * SL_ICMP6_MAX_REPLY (RFC 4443 2.4(c)). */
static uint16_t icmp6_error(const uint8_t *src, const uint8_t *orig, uint16_t orig_len,
			    uint8_t type, uint8_t code, uint32_t rest, uint8_t *out, uint16_t cap)
{
	struct rte_ipv6_hdr ip6;
	uint8_t icmp[SL_ICMP_HLEN];
	uint16_t plen, quote, len;
	uint32_t sum;
	uint16_t ck;

	if (orig_len < SL_IPV6_HLEN || (orig[0] >> 4) != 6)
		return 0;
	plen = (uint16_t)((orig[4] << 8) | orig[5]);
	/* Payload length 0 is a jumbogram (RFC 2675): trust orig_len. */
	quote = plen != 0 && plen <= UINT16_MAX - SL_IPV6_HLEN
		    ? ip_quote_len((uint16_t)(SL_IPV6_HLEN + plen), orig_len)
		    : orig_len;
	if (quote > SL_ICMP6_MAX_REPLY - SL_IPV6_HLEN - SL_ICMP_HLEN)
		quote = SL_ICMP6_MAX_REPLY - SL_IPV6_HLEN - SL_ICMP_HLEN;
	len = (uint16_t)(SL_IPV6_HLEN + SL_ICMP_HLEN + quote);
	if (cap < len)
		return 0;

	ip6.vtc_flow = rte_cpu_to_be_32(6u << 28);
	ip6.payload_len = rte_cpu_to_be_16(SL_ICMP_HLEN + quote);
	ip6.proto = SL_PROTO_ICMPV6;
	ip6.hop_limits = SL_ICMP_TTL;
	memcpy(ip6.src_addr, src, 16);
	memcpy(ip6.dst_addr, orig + 8, 16);

	icmp[0] = type;
	icmp[1] = code;
	icmp[2] = 0;
	icmp[3] = 0;
	icmp[4] = (uint8_t)(rest >> 24);
	icmp[5] = (uint8_t)(rest >> 16);
	icmp[6] = (uint8_t)(rest >> 8);
	icmp[7] = (uint8_t)rest;
	/* RFC 4443 2.3: the checksum covers the IPv6 pseudo-header. */
	sum = rte_ipv6_phdr_cksum(&ip6, 0);
	sum += rte_raw_cksum(icmp, sizeof(icmp));
	sum += rte_raw_cksum(orig, quote);
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ck = (uint16_t)~sum;
	memcpy(icmp + 2, &ck, sizeof(ck));

	memcpy(out, &ip6, sizeof(ip6));
	memcpy(out + SL_IPV6_HLEN, icmp, sizeof(icmp));
	memcpy(out + SL_IPV6_HLEN + SL_ICMP_HLEN, orig, quote);
	return len;
}

/* Called on workers only for packets refused as too big (rarely, and rate
 * limited by the caller), so the loop over the quote is acceptable here.
 * Deciding whether a reply is allowed at all (not about an ICMP error, not to
 * a broadcast/multicast source, not about a non-first fragment) is the
 * caller's job: it has the parse result. */
uint16_t sl_icmp_too_big(uint8_t family, const uint8_t *src, const uint8_t *orig, uint16_t orig_len,
			 uint16_t mtu, uint8_t *out, uint16_t cap)
{
	/* RFC 1191: type 3 code 4, 16 unused bits, then the next-hop MTU.
	 * RFC 4443 3.2: type 2 code 0, then the 32-bit MTU. */
	if (family == SL_AF_INET)
		return icmp4_error(src, orig, orig_len, 3, 4, mtu,
				   SL_ICMP4_MAX_REPLY - SL_IPV4_HLEN - SL_ICMP_HLEN, out, cap);
	if (family == SL_AF_INET6)
		return icmp6_error(src, orig, orig_len, 2, 0, mtu, out, cap);
	return 0;
}

/* Called on workers for new flows of a VIP with no usable backend, rate
 * limited by the caller, who also decides whether a reply is allowed (as for
 * sl_icmp_too_big). */
uint16_t sl_icmp_unreach(uint8_t family, const uint8_t *src, const uint8_t *orig, uint16_t orig_len,
			 uint8_t *out, uint16_t cap)
{
	/* RFC 792: the internet header plus the first 64 bits of the datagram,
	 * enough for the sender to find the socket (ports, TCP sequence). */
	if (family == SL_AF_INET) {
		uint16_t quote = orig_len >= 1 ? (uint16_t)((orig[0] & 0xf) * 4 + 8) : 0;

		return icmp4_error(src, orig, orig_len, SL_ICMP4_UNREACH, SL_ICMP4_PORT_UNREACH, 0,
				   quote, out, cap);
	}
	if (family == SL_AF_INET6)
		return icmp6_error(src, orig, orig_len, SL_ICMP6_UNREACH, SL_ICMP6_PORT_UNREACH, 0,
				   out, cap);
	return 0;
}
