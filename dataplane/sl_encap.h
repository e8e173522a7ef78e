/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Encapsulation and ICMP error replies ("too big", "unreachable").  Pure
 * functions over byte buffers (no mbuf, no EAL) so the exact output bytes can
 * be unit-tested; the worker (sl_worker.c) does the mbuf prepend/trim around
 * them.  Worker lcores.
 */
#ifndef SL_ENCAP_H
#define SL_ENCAP_H

#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>

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

/* A prebuilt frame head towards one backend: Ethernet (next hop, our egress
 * MAC) and the outer headers with every per-packet field zero.  The control
 * thread builds one per backend (sl_encap_tmpl_init); the worker copies it
 * in front of the inner packet and fills in lengths, DSCP/ECN, flow label,
 * GUE source port and the IPv4 checksum from a precomputed partial sum
 * (sl_encap_tmpl_apply), instead of building the headers field by field.
 * The result is byte-identical to Ethernet + sl_encap_write (tested). */
enum sl_encap_tmpl_mode {
	SL_TMPL_IP4 = 0, /* outer IPv4 (IPIP) */
	SL_TMPL_IP4_UDP, /* outer IPv4 + UDP (GUE over IPv4) */
	SL_TMPL_IP6,	 /* outer IPv6 (IP6IP6, IP4IP6) */
	SL_TMPL_SLOW,	 /* GUE over IPv6: the UDP checksum covers the payload, sl_encap_write */
};

struct sl_encap_tmpl {
	uint8_t len;  /* Ethernet + outer header bytes: 14 + sl_encap_overhead() */
	uint8_t mode; /* enum sl_encap_tmpl_mode */
	uint16_t pad;
	uint32_t csum_base; /* outer IPv4: sum of its 16-bit words with TOS, length, checksum 0 */
	uint8_t hdr[64];    /* the frame head */
};

/* Build the template for `p` with Ethernet destination `dst` and source
 * `src` (6 bytes each).  Control thread. */
void sl_encap_tmpl_init(struct sl_encap_tmpl *t, const struct sl_encap_params *p,
			const uint8_t *dst, const uint8_t *src);

/* Write t->len bytes of frame head at `frame`, immediately followed in
 * memory by the inner IP packet inner[0 .. inner_len-1].  Modes other than
 * SL_TMPL_SLOW only; the caller uses sl_encap_write for that one.  Worker. */
static inline void sl_encap_tmpl_apply(const struct sl_encap_tmpl *t, uint8_t *frame,
				       const uint8_t *inner, uint16_t inner_len, uint32_t flow_hash)
{
	/* Inner DSCP/ECN: IPv4 TOS, or the IPv6 traffic class across bytes 0-1. */
	uint8_t tos =
	    (inner[0] >> 4) == 6 ? (uint8_t)((inner[0] << 4) | (inner[1] >> 4)) : inner[1];
	uint8_t *ip = frame + 14;
	uint32_t sum, v32;
	uint16_t v16;

	if (t->mode == SL_TMPL_IP6) {
		memcpy(frame, t->hdr, 14 + 40);
		v32 = rte_cpu_to_be_32((6u << 28) | ((uint32_t)tos << 20) | (flow_hash & 0xfffff));
		memcpy(ip, &v32, 4);
		v16 = rte_cpu_to_be_16(inner_len);
		memcpy(ip + 4, &v16, 2);
		return;
	}
	if (t->mode == SL_TMPL_IP4)
		memcpy(frame, t->hdr, 14 + 20);
	else
		memcpy(frame, t->hdr, 14 + 20 + 8);
	v16 = (uint16_t)(t->len - 14 + inner_len);
	/* Header checksum: the template's words plus the two that change,
	 * folded twice (RFC 1071). */
	sum = t->csum_base + tos + v16;
	sum = (sum & 0xffff) + (sum >> 16);
	sum = (sum & 0xffff) + (sum >> 16);
	ip[1] = tos;
	v16 = rte_cpu_to_be_16(v16);
	memcpy(ip + 2, &v16, 2);
	v16 = rte_cpu_to_be_16((uint16_t)~sum);
	memcpy(ip + 10, &v16, 2);
	if (t->mode == SL_TMPL_IP4_UDP) {
		/* GUE source port: as sl_encap_write chooses it. */
		v16 = rte_cpu_to_be_16(
		    (uint16_t)(0x8000u |
			       ((flow_hash ^ (flow_hash >> 15) ^ (flow_hash >> 30)) & 0x7fffu)));
		memcpy(ip + 20, &v16, 2);
		v16 = rte_cpu_to_be_16((uint16_t)(8 + inner_len));
		memcpy(ip + 24, &v16, 2);
	}
}

/* Build an ICMP "fragmentation needed" (IPv4, type 3 code 4) or ICMPv6
 * "packet too big" (type 2) reply to the IP packet orig[0..orig_len-1], from
 * `src` (the VIP) back to the packet's source, advertising `mtu`.  The reply
 * (IP header + ICMP + as much of the original as fits in the minimum MTU:
 * 576 bytes total for IPv4, 1280 for IPv6) is written to out[0..cap-1]; orig
 * and out may not overlap.  Returns the reply's length, or 0 when cap is too
 * small or orig is not an IP packet of the given family. */
uint16_t sl_icmp_too_big(uint8_t family, const uint8_t *src, const uint8_t *orig, uint16_t orig_len,
			 uint16_t mtu, uint8_t *out, uint16_t cap);

/* ICMP destination unreachable, the code a VIP with no usable backend
 * answers with when it is configured to (SL_VIP_UNREACHABLE): "port
 * unreachable", IPv4 type 3 code 3, ICMPv6 type 1 code 4.  Why this code:
 * the VIP address is reachable (we are answering for it); what is missing is
 * a service behind the port.  And it is the code clients act on at once:
 * RFC 1122 4.2.3.9 and RFC 5461 make port (and protocol) unreachable a hard
 * error that aborts a TCP connection attempt, while net/host unreachable are
 * soft errors that TCP only notes and keeps retrying through (BSD, Windows;
 * Linux aborts a connect on either); and a connected UDP socket is told
 * ECONNREFUSED only for the hard codes (Linux udp_err ignores soft errors
 * without IP_RECVERR). */
#define SL_ICMP4_UNREACH      3
#define SL_ICMP4_PORT_UNREACH 3
#define SL_ICMP6_UNREACH      1
#define SL_ICMP6_PORT_UNREACH 4

/* Build that reply to the IP packet orig[0..orig_len-1], from `src` (the
 * VIP) back to the packet's source: IP header + ICMP header (4 unused bytes,
 * zero) + the quote: IPv4: the original IP header (with options) and its
 * first 8 payload bytes (RFC 792); IPv6: as much as fits in 1280 bytes
 * (RFC 4443 2.4(c)).  Same conventions as sl_icmp_too_big (IPv4 TOS 0xc0,
 * DF, ID 0, TTL 64; IPv6 traffic class 0, hop limit 64).  Returns the reply's
 * length, or 0 when cap is too small or orig is not an IP packet of the
 * given family.  Pure; worker lcores. */
uint16_t sl_icmp_unreach(uint8_t family, const uint8_t *src, const uint8_t *orig, uint16_t orig_len,
			 uint8_t *out, uint16_t cap);

#endif /* SL_ENCAP_H */
