/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Limits and counter names shared by the dataplane (workers) and the control
 * thread. Header only; no DPDK symbols are needed to include it.
 */
#ifndef SL_COMMON_H
#define SL_COMMON_H

#include <stdint.h>

#define SL_MAX_PORTS   8
#define SL_MAX_WORKERS 64
#define SL_MAX_VIPS    1024 /* in one configuration */
/* A "real" is one backend as seen by one VIP: (VIP, backend address).  Real
 * ids are stable across snapshot generations; flow entries store them. */
#define SL_MAX_REALS 131072 /* in one configuration */
/* Id spaces are twice the configuration limits: while a new configuration is
 * built, the running one still holds its ids, so a reload that replaces
 * every VIP or backend of a full configuration still finds free ids. */
#define SL_VIP_IDS	       (2 * SL_MAX_VIPS)
#define SL_REAL_IDS	       (2 * SL_MAX_REALS)
#define SL_REAL_NONE	       UINT32_MAX
#define SL_BURST	       32
#define SL_MAGLEV_DEFAULT_SIZE 65537

/* Packet verdicts.  SL_V_OK means "parsed, keep going"; every other value is
 * a reason the packet was not forwarded, counted per worker under the name in
 * the second column.  X(ENUM_SUFFIX, counter_name, description) */
#define SL_DROP_REASONS(X)                                                                       \
	X(TRUNCATED, truncated, "packet ends before the headers it announces")                   \
	X(MALFORMED, malformed, "invalid header field (length, version, offset)")                \
	X(NOT_IP, not_ip, "ethertype is neither IPv4 nor IPv6 (after one VLAN tag)")             \
	X(UNSUPPORTED_L4, unsupported_l4, "IP protocol other than TCP, UDP, ICMP")               \
	X(FRAGMENT, fragment, "IP fragment of VIP traffic (see docs: fragments)")                \
	X(NO_VIP, no_vip, "destination is not a configured VIP")                                 \
	X(ICMP_OTHER, icmp_other, "ICMP to a VIP that is not an error about a VIP flow")         \
	X(NO_BACKEND, no_backend, "VIP has no backend that takes new flows")                     \
	X(TOO_BIG, too_big, "exceeds egress MTU after encapsulation and may not be fragmented")  \
	X(ICMP_RATELIMIT, icmp_ratelimit, "too big; frag-needed reply suppressed by rate limit") \
	X(NO_HEADROOM, no_headroom, "mbuf headroom too small for the encapsulation")             \
	X(MULTISEG, multiseg, "multi-segment packet (ports run without RX scatter)")             \
	X(TX_FULL, tx_full, "transmit queue full")

enum sl_verdict {
	SL_V_OK = 0,
#define SL_X_ENUM(e, n, d) SL_V_##e,
	SL_DROP_REASONS(SL_X_ENUM)
#undef SL_X_ENUM
	    SL_V_MAX
};

/* Name of a verdict's counter ("ok" for SL_V_OK), never NULL. */
static inline const char *sl_verdict_name(unsigned v)
{
	static const char *const names[] = {"ok",
#define SL_X_NAME(e, n, d) #n,
					    SL_DROP_REASONS(SL_X_NAME)
#undef SL_X_NAME
	};
	return v < SL_V_MAX ? names[v] : "unknown";
}

#endif /* SL_COMMON_H */
