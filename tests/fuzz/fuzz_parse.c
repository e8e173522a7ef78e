/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * libFuzzer harness for sl_parse().  The input is one Ethernet frame, parsed
 * from a heap block of exactly its size so that AddressSanitizer reports any
 * read past the end.  Beyond "does not crash", it checks what callers rely
 * on: the verdict is one the parser may return, the meta is fully
 * initialised and deterministic, and on SL_V_OK the offsets lie inside the
 * frame and the key is what the bytes at those offsets say.
 */
#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(c)                                                                               \
	do {                                                                                   \
		if (!(c)) {                                                                    \
			fprintf(stderr, "fuzz_parse: %s:%d: invariant failed: %s\n", __FILE__, \
				__LINE__, #c);                                                 \
			abort();                                                               \
		}                                                                              \
	} while (0)

static int all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return 0;
	return 1;
}

static void check_ok(const uint8_t *b, size_t size, const struct sl_pkt_meta *m)
{
	const struct sl_flow_key *k = &m->key;
	uint32_t end = (uint32_t)m->l3_off + m->ip_len;
	int v4 = k->family == SL_AF_INET;

	CHECK(v4 || k->family == SL_AF_INET6);
	CHECK(m->l3_off == ((m->flags & SL_PKT_VLAN) ? 18 : 14));
	CHECK(end <= size);
	CHECK(m->l4_off == m->l3_off + m->l3_len);
	CHECK(m->l4_off <= end);
	CHECK(v4 ? (m->l3_len >= 20 && m->l3_len <= 60) : m->l3_len >= 40);
	CHECK(v4 || (m->flags & SL_PKT_DF));
	/* The IP version nibble agrees with the family. */
	CHECK((b[m->l3_off] >> 4) == (v4 ? 4 : 6));

	if (m->flags & SL_PKT_FRAG) {
		CHECK(!(m->flags & SL_PKT_ICMP_ERR));
		CHECK(k->sport == 0 && k->dport == 0);
		CHECK(m->tcp_flags == 0 && m->icmp_type == 0);
		CHECK(k->proto == m->l4_proto);
		return;
	}
	if (m->flags & SL_PKT_ICMP_ERR) {
		/* ICMP header, quoted IP header, 8 bytes of quoted L4. */
		CHECK(m->l4_proto == (v4 ? IPPROTO_ICMP : IPPROTO_ICMPV6));
		CHECK(m->icmp_type == (v4 ? 3 : 2));
		CHECK(m->l4_off + 8u + (v4 ? 20u : 40u) + 8u <= end);
		CHECK(k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP);
		CHECK(m->tcp_flags == 0);
		return;
	}
	CHECK(k->proto == m->l4_proto);
	CHECK(k->proto == IPPROTO_TCP || k->proto == IPPROTO_UDP);
	CHECK(m->l4_off + (k->proto == IPPROTO_TCP ? 20u : 8u) <= end);
	CHECK(memcmp(&k->sport, b + m->l4_off, 2) == 0);
	CHECK(memcmp(&k->dport, b + m->l4_off + 2, 2) == 0);
	CHECK(m->tcp_flags == (k->proto == IPPROTO_TCP ? b[m->l4_off + 13] : 0));
	CHECK(m->icmp_type == 0);
	CHECK(memcmp(k->src, b + m->l3_off + (v4 ? 12 : 8), v4 ? 4 : 16) == 0);
	CHECK(memcmp(k->dst, b + m->l3_off + (v4 ? 16 : 24), v4 ? 4 : 16) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sl_pkt_meta m, again;
	enum sl_verdict v, v2;
	uint8_t *b;

	if (size > UINT32_MAX)
		return 0;
	b = malloc(size);
	if (b == NULL && size != 0)
		return 0;
	if (size)
		memcpy(b, data, size);

	memset(&m, 0x5a, sizeof(m));
	v = sl_parse(b, (uint32_t)size, &m);
	CHECK(v == SL_V_OK || v == SL_V_TRUNCATED || v == SL_V_MALFORMED || v == SL_V_NOT_IP ||
	      v == SL_V_UNSUPPORTED_L4 || v == SL_V_ICMP_OTHER);
	/* Fully initialised and deterministic: a second parse into a meta
	 * holding different garbage gives the same bytes. */
	memset(&again, 0xa5, sizeof(again));
	v2 = sl_parse(b, (uint32_t)size, &again);
	CHECK(v2 == v);
	CHECK(memcmp(&m, &again, sizeof(m)) == 0);

	CHECK(m.key.pad[0] == 0 && m.key.pad[1] == 0 && m.pad == 0);
	CHECK(m.key.family == 0 || m.key.family == SL_AF_INET || m.key.family == SL_AF_INET6);
	if (m.key.family != SL_AF_INET6) {
		CHECK(all_zero(m.key.src + 4, 12));
		CHECK(all_zero(m.key.dst + 4, 12));
	}
	if (!(m.flags & SL_PKT_VLAN))
		CHECK(m.vlan_tci == 0);
	if (size > UINT16_MAX)
		CHECK(v == SL_V_MALFORMED);
	if (v == SL_V_ICMP_OTHER) {
		CHECK(m.l4_proto == (m.key.family == SL_AF_INET ? IPPROTO_ICMP : IPPROTO_ICMPV6));
		CHECK(m.key.sport == 0 && m.key.dport == 0);
		CHECK(!(m.flags & SL_PKT_ICMP_ERR));
	}
	if (v == SL_V_OK)
		check_ok(b, size, &m);
	free(b);
	return 0;
}
