/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The contract between sluice's XDP front (sluice_xdp.bpf.c, run by the
 * kernel on sluiced's AF_XDP ports) and sluiced's control thread
 * (control/sl_xdp.c), which keeps the VIP map in step with the running
 * configuration and reads the counters.  Included by both: only
 * <linux/types.h> types, no libc.
 *
 * Maps of the object (names are what bpftool shows; pinned ones live under
 * the bpffs directory libbpf pins to, /sys/fs/bpf by default):
 *
 *   xsks_map      XSKMAP, queue index -> AF_XDP socket.  The name is fixed by
 *                 DPDK's net_af_xdp PMD, which looks it up and inserts its
 *                 sockets.  Not pinned: every port loads its own copy of the
 *                 object, and queue 0 of one NIC is not queue 0 of another.
 *   sl_xdp_vips   HASH, VIP address -> struct sl_xdp_vip_val.  Pinned by
 *                 name, so every port's program shares one map and sluiced,
 *                 which gets no descriptor from the PMD, opens it by path.
 *   sl_xdp_stats  PERCPU_ARRAY of __u64, indexed by enum sl_xdp_stat.
 *                 Pinned by name like the VIP map (one set for all ports).
 *
 * Why the key is the address alone (not address + protocol + port):
 *  - ICMP errors about a VIP flow (frag-needed, packet-too-big) arrive
 *    addressed to the VIP with ICMP as the protocol and no port of the flow
 *    in the outer header; IPv4 fragments after the first carry no port at
 *    all; VIPs with port "any" match every port.  A per-port key would need
 *    the inner-header parsing and wildcard lookups that sluiced already does.
 *  - sluiced is the one place that decides and counts: a packet for a VIP
 *    address on a port no VIP serves reaches it and is counted as no_vip (or
 *    icmp_other) where an operator sees it, instead of vanishing into a host
 *    kernel that does not own the address.
 *  - A VIP address belongs to the load balancer: the host's own services
 *    (SSH, BGP, ...) listen on its own addresses, which the program passes.
 *  - One entry per address keeps the map small (several VIPs that share an
 *    address share an entry; the value counts them).
 */
#ifndef SLUICE_XDP_H
#define SLUICE_XDP_H

#include <linux/types.h>

#define SL_XDP_PROG_NAME  "sluice_xdp"	 /* the object's only program */
#define SL_XDP_VIPS_MAP	  "sl_xdp_vips"	 /* <= 15 characters: a BPF object name */
#define SL_XDP_STATS_MAP  "sl_xdp_stats" /* idem */
#define SL_XDP_PIN_ROOT	  "/sys/fs/bpf"	 /* libbpf's default pin_root_path */
#define SL_XDP_MAX_VIPS	  4096		 /* sl_xdp_vips entries (>= SL_MAX_VIPS) */
#define SL_XDP_MAX_QUEUES 256		 /* xsks_map entries: RX queue indexes */

/* Address families of the key: the values of sl_parse.h's SL_AF_INET and
 * SL_AF_INET6, so the control thread copies a configuration address as is. */
#define SL_XDP_AF_INET	4
#define SL_XDP_AF_INET6 6

/* Key of sl_xdp_vips.  IPv4: addr[0..3] in network order, addr[4..15] zero
 * (the layout of struct sl_config_vip).  No padding: 20 bytes, every one
 * of them set by both sides. */
struct sl_xdp_vip_key {
	__u32 family; /* SL_XDP_AF_INET or SL_XDP_AF_INET6 */
	__u8 addr[16];
};

/* Value of sl_xdp_vips: informative only (bpftool map dump); the program
 * reads nothing but the key's presence. */
struct sl_xdp_vip_val {
	__u32 services; /* configured VIPs (address:port/protocol) at this address */
};

/* Counters of sl_xdp_stats (per CPU; readers sum over CPUs).
 * X(ENUM_SUFFIX, name, description) */
#define SL_XDP_STATS(X)                                                                         \
	X(REDIRECT, redirect, "VIP packets handed to sluiced's AF_XDP socket")                  \
	X(VIP_NO_SOCKET, vip_no_socket,                                                         \
	  "VIP packets passed to the kernel: no AF_XDP socket on the queue (sluiced stopped?)") \
	X(PASS_NOT_VIP, pass_not_vip, "IPv4/IPv6 packets to other addresses, passed")           \
	X(PASS_NOT_IP, pass_not_ip, "ARP and other non-IP frames (after one VLAN tag), passed") \
	X(PASS_TRUNCATED, pass_truncated, "frames too short for their headers, passed")

enum sl_xdp_stat {
#define SL_XDP_X_ENUM(e, n, d) SL_XDP_STAT_##e,
	SL_XDP_STATS(SL_XDP_X_ENUM)
#undef SL_XDP_X_ENUM
	    SL_XDP_STAT_MAX
};

#endif /* SLUICE_XDP_H */
