/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * sluice's XDP front: the program DPDK's net_af_xdp PMD attaches to each of
 * sluiced's AF_XDP ports (devarg xdp_prog=PATH, docs/OPERATIONS.md).
 *
 * It hands sluiced only what is addressed to a configured VIP (IPv4 or IPv6
 * destination in sl_xdp_vips, after at most one VLAN tag; every protocol,
 * so ICMP errors about VIP flows and fragments come too) and passes
 * everything else to the kernel, so ARP, neighbour discovery, SSH and
 * routing daemons keep working on the NIC that sluiced serves.  Why the key
 * is the address alone: sluice_xdp.h.
 *
 * The redirect falls back to XDP_PASS: when no AF_XDP socket is bound to
 * the queue (sluiced stopped or crashed), VIP packets reach the kernel, which
 * does not own the VIPs and drops or routes them as it would without us,
 * instead of the NIC black-holing them in XDP.  sl_xdp_stats counts every
 * decision, so an operator (and the unit tests, which have no socket) sees
 * which way packets went.
 *
 * The PMD attaches the first program of the object: keep this the only one.
 */
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>

#include <bpf/bpf_endian.h>
#include <bpf/bpf_helpers.h>

#include "sluice_xdp.h"

/* 802.1Q / 802.1ad tag after the MAC addresses (linux/if_vlan.h is not a
 * UAPI header). */
struct sl_vlan_hdr {
	__be16 tci;
	__be16 encap_proto;
};

struct {
	__uint(type, BPF_MAP_TYPE_XSKMAP);
	__uint(max_entries, SL_XDP_MAX_QUEUES);
	__type(key, __u32);
	__type(value, __u32);
} xsks_map SEC(".maps");

/* Pinned by name: libbpf reuses a compatible pin or creates and pins it when
 * the PMD loads the object, so every port shares it and sluiced opens it by
 * path (sluice_xdp.h). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, SL_XDP_MAX_VIPS);
	__type(key, struct sl_xdp_vip_key);
	__type(value, struct sl_xdp_vip_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_xdp_vips SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, SL_XDP_STAT_MAX);
	__type(key, __u32);
	__type(value, __u64);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} sl_xdp_stats SEC(".maps");

/* Count one decision and return it.  Per-CPU slot, plain increment: an XDP
 * program runs to completion on its CPU without migrating, so no other
 * writer touches this CPU's slot meanwhile; readers sum over CPUs. */
static __always_inline int count(__u32 stat, int action)
{
	__u64 *c = bpf_map_lookup_elem(&sl_xdp_stats, &stat);

	if (c != NULL)
		*c += 1;
	return action;
}

SEC("xdp")
int sluice_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct sl_xdp_vip_key key;
	void *l3;
	__be16 proto;
	int action;

	/* Every byte of the key is set: the hash compares all 20. */
	__builtin_memset(&key, 0, sizeof(key));
	if ((void *)(eth + 1) > end)
		return count(SL_XDP_STAT_PASS_TRUNCATED, XDP_PASS);
	proto = eth->h_proto;
	l3 = eth + 1;
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD)) {
		struct sl_vlan_hdr *vh = l3;

		if ((void *)(vh + 1) > end)
			return count(SL_XDP_STAT_PASS_TRUNCATED, XDP_PASS);
		proto = vh->encap_proto;
		l3 = vh + 1;
	}
	/* Only the fixed header is needed (the destination address); sluiced
	 * validates the rest and counts what is malformed. */
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end)
			return count(SL_XDP_STAT_PASS_TRUNCATED, XDP_PASS);
		key.family = SL_XDP_AF_INET;
		__builtin_memcpy(key.addr, &ip->daddr, 4);
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end)
			return count(SL_XDP_STAT_PASS_TRUNCATED, XDP_PASS);
		key.family = SL_XDP_AF_INET6;
		__builtin_memcpy(key.addr, &ip6->daddr, 16);
	} else {
		return count(SL_XDP_STAT_PASS_NOT_IP, XDP_PASS);
	}
	if (bpf_map_lookup_elem(&sl_xdp_vips, &key) == NULL)
		return count(SL_XDP_STAT_PASS_NOT_VIP, XDP_PASS);
	/* Flags' low bits are the action when the queue has no socket. */
	action = (int)bpf_redirect_map(&xsks_map, ctx->rx_queue_index, XDP_PASS);
	return count(action == XDP_REDIRECT ? SL_XDP_STAT_REDIRECT : SL_XDP_STAT_VIP_NO_SOCKET,
		     action);
}

/* The kernel wants a GPL-compatible licence string for some helpers; this
 * file is BSD-3-Clause, which may be redistributed under the GPL. */
char _license[] SEC("license") = "Dual BSD/GPL";
