/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Contract between the backend-side XDP decapsulation program
 * (sluice_decap.bpf.c), its loader (tools/sluice_decap.c) and the tests: map
 * names, key and value layouts, counters.  Compiled both for the BPF target
 * and for user space, so it uses only <linux/types.h> types.
 *
 * Maps (names are what `sluice-decap status` finds through the attached
 * program's map ids, so they are part of the contract):
 *   sl_decap_stats  per-CPU array, SL_DECAP_NB_COUNTERS x __u64: packets per
 *                   counter below; every packet the program sees lands in
 *                   exactly one counter.
 *   sl_decap_gue    hash, key __u16 UDP destination port in network order,
 *                   value __u8 (1): the GUE ports.  Empty: no GUE decap.
 *   sl_decap_conf   array of one struct sl_decap_conf.
 *   sl_decap_dst4   hash, key __u32 IPv4 address (network order), value __u8.
 *   sl_decap_dst6   hash, key struct sl_decap_in6, value __u8: with
 *                   SL_DECAP_F_DST_FILTER, only tunnel packets whose outer
 *                   destination is in one of these two maps are stripped.
 * The loader fills them between load and attach; nothing writes them after.
 */
#ifndef SLUICE_DECAP_H
#define SLUICE_DECAP_H

#include <linux/types.h>

#define SL_DECAP_PROG_NAME "sluice_decap"
#define SL_DECAP_MAP_STATS "sl_decap_stats"
#define SL_DECAP_MAP_GUE   "sl_decap_gue"
#define SL_DECAP_MAP_CONF  "sl_decap_conf"
#define SL_DECAP_MAP_DST4  "sl_decap_dst4"
#define SL_DECAP_MAP_DST6  "sl_decap_dst6"
#define SL_DECAP_MAX_GUE   16
#define SL_DECAP_MAX_DST   64
#define SL_DECAP_DEF_GUE   6080 /* sluice's default gue_port (docs/CONFIG.md) */

/* sl_decap_conf.flags */
#define SL_DECAP_F_DST_FILTER 0x1u /* strip only for outer destinations in sl_decap_dst4/6 */

struct sl_decap_conf {
	__u32 flags;
};

struct sl_decap_in6 {
	__u8 a[16];
};

/* X(enum suffix, name shown by `sluice-decap status`, meaning).  The first
 * five are packets stripped and passed up as their inner packet; then packets
 * passed untouched; then packets dropped. */
#define SL_DECAP_COUNTERS(X)                                                                      \
	X(IPIP, "ipip", "IPv4 in IPv4 (protocol 4) stripped")                                     \
	X(IP6IP6, "ip6ip6", "IPv6 in IPv6 (next header 41) stripped")                             \
	X(IP4IP6, "ip4ip6", "IPv4 in IPv6 (next header 4) stripped")                              \
	X(GUE4, "gue_ipv4", "GUE variant 1 over outer IPv4 stripped")                             \
	X(GUE6, "gue_ipv6", "GUE variant 1 over outer IPv6 stripped")                             \
	X(PASS, "passed", "not our encapsulation: passed untouched")                              \
	X(OTHER_DST, "other_dst", "tunnel packet to a destination not allowed: passed untouched") \
	X(FRAG, "fragment", "outer IPv4 fragment of a tunnel packet: passed untouched")           \
	X(MALFORMED, "malformed", "tunnel packet with bad lengths, checksum or version: dropped") \
	X(ECN_DROP, "ecn_drop", "outer CE over a not-ECT inner packet (RFC 6040): dropped")

#define SL_DECAP_ENUM(e, name, help) SL_DECAP_C_##e,
enum sl_decap_counter { SL_DECAP_COUNTERS(SL_DECAP_ENUM) SL_DECAP_NB_COUNTERS };
#undef SL_DECAP_ENUM

#endif /* SLUICE_DECAP_H */
