/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * sluice_decap: backend-side XDP program that strips sluice's encapsulation
 * and passes the inner packet up the kernel stack, for backends whose kernel
 * has no ipip / ip6_tunnel / fou modules.  Loaded by tools/sluice-decap;
 * contract (maps, counters) in sluice_decap.h.
 *
 * What is stripped (exactly what dataplane/sl_encap.c writes):
 *   outer IPv4, protocol 4            -> inner IPv4            (ipip)
 *   outer IPv6, next header 41        -> inner IPv6            (ip6ip6)
 *   outer IPv6, next header 4         -> inner IPv4            (ip4ip6)
 *   outer IPv4 or IPv6 + UDP to a port in sl_decap_gue, GUE variant 1: the
 *   inner IP header right after the UDP header, told apart by its version
 *   nibble (4 or 6: the first two bits 01 say "variant 1")   (gue_ipv4/6)
 * The outer header must be the first one after Ethernet (and at most one
 * 802.1Q/802.1ad tag): no IPv6 extension headers, as sl_encap writes none.
 * The GUE source port and the outer UDP checksum are not looked at: sluice
 * picks the source port per flow for the backend's RSS, sends checksum 0 over
 * IPv4 and a full one over IPv6, and the inner packet carries its own
 * transport checksum which the kernel verifies after us (as Linux fou and
 * Katran's decap do not re-verify the outer UDP checksum either).
 *
 * What is "ours": the outer protocol / GUE port, and, when the loader was
 * given destinations (SL_DECAP_F_DST_FILTER), an outer destination among
 * them.  Everything else is passed untouched.  A packet that is ours but
 * inconsistent (outer IPv4 header checksum, lengths beyond the frame, inner
 * version not matching the tunnel type, inner length beyond what the outer
 * header carries, GUE with another variant) is dropped and counted as
 * malformed: this host has no other tunnel handler, so passing it would only
 * make the kernel answer the load balancer with "protocol/port unreachable".
 * Outer IPv4 fragments are passed untouched (counted): XDP sees one fragment
 * at a time and cannot reassemble; sluice sets DF, so it never sends them.
 *
 * ECN (RFC 6040, as Linux's ip_tunnel does): an outer CE mark is copied to an
 * ECT inner packet; CE over a not-ECT inner packet is dropped.
 *
 * After stripping, the Ethernet header (and VLAN tag) moves forward over the
 * outer headers with the inner family's ethertype, and XDP_PASS hands the
 * inner packet to the stack: the VIP lives on the backend's loopback and the
 * reply goes straight to the client (direct server return).
 *
 * Runs in softirq context on the receiving CPU, one packet at a time.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/in.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/udp.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sluice_decap.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_DECAP_NB_COUNTERS);
	__type(key, __u32);
	__type(value, __u64);
} sl_decap_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_DECAP_MAX_GUE);
	__type(key, __u16);
	__type(value, __u8);
} sl_decap_gue SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sl_decap_conf);
} sl_decap_conf SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_DECAP_MAX_DST);
	__type(key, __u32);
	__type(value, __u8);
} sl_decap_dst4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_DECAP_MAX_DST);
	__type(key, struct sl_decap_in6);
	__type(value, __u8);
} sl_decap_dst6 SEC(".maps");

#define ETH_P_8021Q_BE	bpf_htons(0x8100)
#define ETH_P_8021AD_BE bpf_htons(0x88a8)
#define IP_MF_OFF_BE	bpf_htons(0x3fff) /* MF flag and fragment offset */
#define ECN_MASK	3
#define ECN_CE		3

/* What the outer parse found: where the inner packet starts (bytes after
 * the L2 header), its family, the outer ECN bits; `kind` is the counter. */
struct tun {
	__u32 kind;
	__u32 outer_len;
	__u32 inner_v; /* 4 or 6; 0 = from the version nibble (GUE) */
	__u32 outer_ecn;
	__u32 set_ce;
};

struct vlan_hdr {
	__be16 tci;
	__be16 proto;
};

/* The counter slot is this CPU's own and XDP runs with migration disabled,
 * so a plain increment has a single writer; readers sum the CPUs. */
static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&sl_decap_stats, &idx);

	if (v)
		*v += 1;
}

static __always_inline int dst_filtered(void)
{
	__u32 zero = 0;
	struct sl_decap_conf *c = bpf_map_lookup_elem(&sl_decap_conf, &zero);

	return c && (c->flags & SL_DECAP_F_DST_FILTER);
}

static __always_inline int gue_port(__u16 port)
{
	return bpf_map_lookup_elem(&sl_decap_gue, &port) != NULL;
}

/* RFC 1071 over the IPv4 header of ihl 32-bit words (5..15): 1 when it
 * sums to all ones.  One case per length, so bpf_csum_diff gets a constant
 * size and the verifier a constant bounds check. */
#define CSUM_CASE(n)                                                  \
	case n:                                                       \
		if ((const void *)ip + (n)*4 > end)                   \
			return 0;                                     \
		sum = bpf_csum_diff(NULL, 0, (__be32 *)ip, (n)*4, 0); \
		break;

static __always_inline int ip4_csum_ok(const struct iphdr *ip, const void *end, __u32 ihl)
{
	__s64 sum;
	__u32 s;

	switch (ihl) {
		CSUM_CASE(5)
		CSUM_CASE(6)
		CSUM_CASE(7)
		CSUM_CASE(8)
		CSUM_CASE(9)
		CSUM_CASE(10)
		CSUM_CASE(11)
		CSUM_CASE(12)
		CSUM_CASE(13)
		CSUM_CASE(14)
		CSUM_CASE(15)
	default:
		return 0;
	}
	if (sum < 0)
		return 0;
	s = (__u32)sum;
	s = (s & 0xffff) + (s >> 16);
	s = (s & 0xffff) + (s >> 16);
	return s == 0xffff;
}
#undef CSUM_CASE

/* The inner packet at `in`, of at most `avail` bytes as the outer headers
 * say: its version must fit the tunnel, its own length must fit in avail.
 * Returns t->kind when it can be stripped, else the counter saying why not. */
static __always_inline __u32 check_inner(const void *in, const void *end, __u32 avail,
					 struct tun *t)
{
	const __u8 *b = in;
	__u32 v, ecn, len;

	if ((const void *)(b + 1) > end)
		return SL_DECAP_C_MALFORMED;
	v = b[0] >> 4;
	if (t->inner_v == 0 && (v == 4 || v == 6))
		t->inner_v = v;
	/* v == 0 must not pass as "from the nibble" (GUE variant 0, C=0). */
	if (v != t->inner_v || (v != 4 && v != 6))
		return SL_DECAP_C_MALFORMED;
	if (v == 4) {
		const struct iphdr *ip = in;

		if ((const void *)(ip + 1) > end || ip->ihl < 5)
			return SL_DECAP_C_MALFORMED;
		len = bpf_ntohs(ip->tot_len);
		if (len < (__u32)ip->ihl * 4 || len > avail)
			return SL_DECAP_C_MALFORMED;
		ecn = ip->tos & ECN_MASK;
	} else {
		const struct ipv6hdr *ip6 = in;

		if ((const void *)(ip6 + 1) > end)
			return SL_DECAP_C_MALFORMED;
		len = sizeof(*ip6) + bpf_ntohs(ip6->payload_len);
		if (len > avail)
			return SL_DECAP_C_MALFORMED;
		ecn = (b[1] >> 4) & ECN_MASK;
	}
	if (t->outer_ecn == ECN_CE) {
		if (ecn == 0)
			return SL_DECAP_C_ECN_DROP;
		t->set_ce = ecn != ECN_CE;
	}
	return t->kind;
}

/* Outer IPv4 at l3.  Returns the counter for the packet; t filled when it is
 * one of the strip kinds. */
static __always_inline __u32 parse_outer4(const void *l3, const void *end, struct tun *t)
{
	const struct iphdr *ip = l3;
	const struct udphdr *udp = NULL;
	__u32 hlen, tot, avail;
	int frag;

	if ((const void *)(ip + 1) > end || ip->version != 4 || ip->ihl < 5)
		return SL_DECAP_C_PASS;
	hlen = (__u32)ip->ihl * 4;
	frag = (ip->frag_off & IP_MF_OFF_BE) != 0;
	if (ip->protocol == IPPROTO_IPIP) {
		t->kind = SL_DECAP_C_IPIP;
		t->inner_v = 4;
		t->outer_len = hlen;
	} else if (ip->protocol == IPPROTO_UDP) {
		/* A later fragment's first bytes are payload, not a UDP header. */
		if (ip->frag_off & bpf_htons(0x1fff))
			return SL_DECAP_C_PASS;
		udp = l3 + hlen;
		if ((const void *)(udp + 1) > end || !gue_port(udp->dest))
			return SL_DECAP_C_PASS;
		t->kind = SL_DECAP_C_GUE4;
		t->inner_v = 0;
		t->outer_len = hlen + sizeof(*udp);
	} else {
		return SL_DECAP_C_PASS;
	}
	if (dst_filtered() && !bpf_map_lookup_elem(&sl_decap_dst4, &ip->daddr))
		return SL_DECAP_C_OTHER_DST;
	if (frag)
		return SL_DECAP_C_FRAG;
	if (!ip4_csum_ok(ip, end, ip->ihl))
		return SL_DECAP_C_MALFORMED;
	tot = bpf_ntohs(ip->tot_len);
	if (tot < t->outer_len || l3 + tot > end)
		return SL_DECAP_C_MALFORMED;
	avail = tot - hlen;
	if (udp) {
		__u32 ulen = bpf_ntohs(udp->len);

		if (ulen < sizeof(*udp) || ulen > avail)
			return SL_DECAP_C_MALFORMED;
		avail = ulen - sizeof(*udp);
	}
	t->outer_ecn = ip->tos & ECN_MASK;
	return check_inner(l3 + t->outer_len, end, avail, t);
}

/* Outer IPv6 at l3; as parse_outer4. */
static __always_inline __u32 parse_outer6(const void *l3, const void *end, struct tun *t)
{
	const struct ipv6hdr *ip6 = l3;
	const struct udphdr *udp = NULL;
	__u32 plen, avail;

	if ((const void *)(ip6 + 1) > end || ip6->version != 6)
		return SL_DECAP_C_PASS;
	if (ip6->nexthdr == IPPROTO_IPV6) {
		t->kind = SL_DECAP_C_IP6IP6;
		t->inner_v = 6;
		t->outer_len = sizeof(*ip6);
	} else if (ip6->nexthdr == IPPROTO_IPIP) {
		t->kind = SL_DECAP_C_IP4IP6;
		t->inner_v = 4;
		t->outer_len = sizeof(*ip6);
	} else if (ip6->nexthdr == IPPROTO_UDP) {
		udp = l3 + sizeof(*ip6);
		if ((const void *)(udp + 1) > end || !gue_port(udp->dest))
			return SL_DECAP_C_PASS;
		t->kind = SL_DECAP_C_GUE6;
		t->inner_v = 0;
		t->outer_len = sizeof(*ip6) + sizeof(*udp);
	} else {
		return SL_DECAP_C_PASS;
	}
	if (dst_filtered() && !bpf_map_lookup_elem(&sl_decap_dst6, &ip6->daddr))
		return SL_DECAP_C_OTHER_DST;
	/* Payload length 0 (a jumbogram, or nothing inside) fails the inner
	 * length check below. */
	plen = bpf_ntohs(ip6->payload_len);
	if (l3 + sizeof(*ip6) + plen > end)
		return SL_DECAP_C_MALFORMED;
	avail = plen;
	if (udp) {
		__u32 ulen = bpf_ntohs(udp->len);

		if (ulen < sizeof(*udp) || ulen > avail)
			return SL_DECAP_C_MALFORMED;
		avail = ulen - sizeof(*udp);
	}
	t->outer_ecn = (((const __u8 *)ip6)[1] >> 4) & ECN_MASK;
	return check_inner(l3 + t->outer_len, end, avail, t);
}

/* Set CE on the inner packet at `in` (checked to exist by check_inner before
 * the head moved; checked again here for the verifier).  IPv4: the header
 * checksum is updated incrementally (RFC 1624 eqn. 3). */
static __always_inline void set_ce(void *in, const void *end, __u32 v)
{
	if (v == 4) {
		struct iphdr *ip = in;
		__u16 old, new;
		__u32 sum;

		if ((void *)(ip + 1) > end)
			return;
		old = *(__u16 *)ip;
		ip->tos |= ECN_CE;
		new = *(__u16 *)ip;
		sum = (__u16)~ip->check;
		sum += (__u16)~old;
		sum += new;
		sum = (sum & 0xffff) + (sum >> 16);
		sum = (sum & 0xffff) + (sum >> 16);
		ip->check = (__u16)~sum;
	} else {
		__u8 *b = in;

		if ((void *)(b + 2) > end)
			return;
		b[1] |= ECN_CE << 4;
	}
}

/* Move the L2 header of l2len (14 or 18) bytes forward over the outer
 * headers, with the inner family's ethertype.  XDP_PASS, or XDP_DROP when
 * the head cannot move (it always can: the frame keeps the inner packet). */
static __always_inline int strip(struct xdp_md *ctx, __u32 l2len, struct tun *t)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	__u8 l2[sizeof(struct ethhdr) + sizeof(struct vlan_hdr)];
	__be16 type = t->inner_v == 4 ? bpf_htons(ETH_P_IP) : bpf_htons(ETH_P_IPV6);

	if (data + sizeof(l2) > end)
		goto fail;
	__builtin_memcpy(l2, data, sizeof(l2));
	if (bpf_xdp_adjust_head(ctx, (int)t->outer_len))
		goto fail;
	data = (void *)(long)ctx->data;
	end = (void *)(long)ctx->data_end;
	if (data + sizeof(l2) > end)
		goto fail;
	if (l2len == sizeof(struct ethhdr)) {
		__builtin_memcpy(data, l2, sizeof(struct ethhdr) - 2);
		*(__be16 *)(data + sizeof(struct ethhdr) - 2) = type;
	} else {
		__builtin_memcpy(data, l2, sizeof(l2) - 2);
		*(__be16 *)(data + sizeof(l2) - 2) = type;
	}
	if (t->set_ce)
		set_ce(data + l2len, end, t->inner_v);
	count(t->kind);
	return XDP_PASS;
fail:
	count(SL_DECAP_C_MALFORMED);
	return XDP_DROP;
}

SEC("xdp")
int sluice_decap(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct tun t = {0};
	__u32 l2len = sizeof(*eth), c;
	__be16 proto;

	if ((void *)(eth + 1) > end) {
		count(SL_DECAP_C_PASS);
		return XDP_PASS;
	}
	proto = eth->h_proto;
	if (proto == ETH_P_8021Q_BE || proto == ETH_P_8021AD_BE) {
		struct vlan_hdr *vh = (void *)(eth + 1);

		if ((void *)(vh + 1) > end) {
			count(SL_DECAP_C_PASS);
			return XDP_PASS;
		}
		proto = vh->proto;
		l2len += sizeof(*vh);
	}
	if (proto == bpf_htons(ETH_P_IP))
		c = parse_outer4(data + l2len, end, &t);
	else if (proto == bpf_htons(ETH_P_IPV6))
		c = parse_outer6(data + l2len, end, &t);
	else
		c = SL_DECAP_C_PASS;
	if (c < SL_DECAP_C_PASS)
		return strip(ctx, l2len, &t);
	count(c);
	return c >= SL_DECAP_C_MALFORMED ? XDP_DROP : XDP_PASS;
}
