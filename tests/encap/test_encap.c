/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Unit tests for sl_encap.c: exact output bytes for every encapsulation kind
 * and for both ICMP too-big replies, then checksums re-verified with a
 * checksum written here (not DPDK's), so a shared bug cannot hide.
 *
 * How the expected arrays were derived: a short python3 script (struct and
 * socket.inet_pton only, its own RFC 1071 checksum) built each packet field by
 * field from the RFCs (791, 8200, 768, 792/1191, 4443) with the parameters
 * below, and printed the bytes; they are pasted here and must not be edited by
 * hand.  Parameters:
 *   inner4: UDP 10.0.0.1:1234 -> 192.0.2.10:80, TOS 0xb9 (EF, ECT(1)), TTL 63,
 *           no DF, payload "hello" (33 bytes: odd, exercises the odd tail);
 *   inner6: UDP [2001:db8::1]:1234 -> [2001:db8::10]:80, traffic class 0x8a
 *           (AF41, ECT(0)), flow label 0x12345, hop limit 63, "hello";
 *   (inner L4 checksums are left 0: encapsulation never reads them);
 *   tunnel 192.0.2.1 -> 198.51.100.7 or 2001:db8:1::1 -> 2001:db8:2::7, TTL 64,
 *   GUE port 6080, flow_hash 0xdeadbeef: flow label 0xdbeef, GUE source port
 *   0x8000 | ((h ^ h >> 15 ^ h >> 30) & 0x7fff) = 0x83b7;
 *   ICMP: from the VIP (192.0.2.10 / 2001:db8::10) back to the client, MTU
 *   1400, quoting the whole inner packet.
 * The port unreachable replies (exp_unreach*) came from the same kind of
 * script, and tshark 4.0 decoded them (raw-IP pcap) as "Destination
 * unreachable / Port unreachable" with correct IPv4 header and ICMP/ICMPv6
 * checksums.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "sl_encap.h"
#include "sl_parse.h"

static const uint8_t inner4[] = {
    0x45, 0xb9, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x3f, 0x11, 0xaf,
    0x08, 0x0a, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x0a, 0x04, 0xd2,
    0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t inner6[] = {
    0x68, 0xa1, 0x23, 0x45, 0x00, 0x0d, 0x11, 0x3f, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x04, 0xd2,
    0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t exp_ipip[] = {
    0x45, 0xb9, 0x00, 0x35, 0x00, 0x00, 0x40, 0x00, 0x40, 0x04, 0x4d, 0xd0, 0xc0, 0x00,
    0x02, 0x01, 0xc6, 0x33, 0x64, 0x07, 0x45, 0xb9, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00,
    0x3f, 0x11, 0xaf, 0x08, 0x0a, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x0a, 0x04, 0xd2,
    0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t exp_ip6ip6[] = {
    0x68, 0xad, 0xbe, 0xef, 0x00, 0x35, 0x29, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x68, 0xa1, 0x23, 0x45, 0x00, 0x0d, 0x11, 0x3f,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01,
    0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10,
    0x04, 0xd2, 0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t exp_ip4ip6[] = {
    0x6b, 0x9d, 0xbe, 0xef, 0x00, 0x21, 0x04, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x45, 0xb9, 0x00, 0x21, 0x00,
    0x00, 0x00, 0x00, 0x3f, 0x11, 0xaf, 0x08, 0x0a, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x0a,
    0x04, 0xd2, 0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t exp_gue4_in4[] = {
    0x45, 0xb9, 0x00, 0x3d, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11, 0x4d, 0xbb, 0xc0, 0x00, 0x02, 0x01,
    0xc6, 0x33, 0x64, 0x07, 0x83, 0xb7, 0x17, 0xc0, 0x00, 0x29, 0x00, 0x00, 0x45, 0xb9, 0x00, 0x21,
    0x00, 0x00, 0x00, 0x00, 0x3f, 0x11, 0xaf, 0x08, 0x0a, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x0a,
    0x04, 0xd2, 0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t exp_gue6_in6[] = {
    0x68, 0xad, 0xbe, 0xef, 0x00, 0x3d, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x02,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x83, 0xb7, 0x17, 0xc0, 0x00,
    0x3d, 0xc6, 0xc8, 0x68, 0xa1, 0x23, 0x45, 0x00, 0x0d, 0x11, 0x3f, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d,
    0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x04, 0xd2,
    0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t exp_gue6_in4[] = {
    0x6b, 0x9d, 0xbe, 0xef, 0x00, 0x29, 0x11, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x07, 0x83, 0xb7,
    0x17, 0xc0, 0x00, 0x29, 0xbf, 0xa6, 0x45, 0xb9, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00,
    0x3f, 0x11, 0xaf, 0x08, 0x0a, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x0a, 0x04, 0xd2,
    0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t exp_icmp4[] = {
    0x45, 0xc0, 0x00, 0x3d, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01, 0x6d, 0xf5, 0xc0, 0x00, 0x02, 0x0a,
    0x0a, 0x00, 0x00, 0x01, 0x03, 0x04, 0xae, 0x82, 0x00, 0x00, 0x05, 0x78, 0x45, 0xb9, 0x00, 0x21,
    0x00, 0x00, 0x00, 0x00, 0x3f, 0x11, 0xaf, 0x08, 0x0a, 0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x0a,
    0x04, 0xd2, 0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t exp_icmp6[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x02, 0x00, 0x5a, 0xd6, 0x00,
    0x00, 0x05, 0x78, 0x68, 0xa1, 0x23, 0x45, 0x00, 0x0d, 0x11, 0x3f, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d,
    0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x04, 0xd2,
    0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

/* inner4 with 4 bytes of IPv4 options (NOP NOP NOP EOL), IHL 6. */
static const uint8_t inner4_opt[] = {
    0x46, 0xb9, 0x00, 0x25, 0x00, 0x00, 0x00, 0x00, 0x3f, 0x11, 0xac, 0x03, 0x0a,
    0x00, 0x00, 0x01, 0xc0, 0x00, 0x02, 0x0a, 0x01, 0x01, 0x01, 0x00, 0x04, 0xd2,
    0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t exp_unreach4[] = {
    0x45, 0xc0, 0x00, 0x38, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01, 0x6d, 0xfa, 0xc0, 0x00,
    0x02, 0x0a, 0x0a, 0x00, 0x00, 0x01, 0x03, 0x03, 0xf7, 0xcd, 0x00, 0x00, 0x00, 0x00,
    0x45, 0xb9, 0x00, 0x21, 0x00, 0x00, 0x00, 0x00, 0x3f, 0x11, 0xaf, 0x08, 0x0a, 0x00,
    0x00, 0x01, 0xc0, 0x00, 0x02, 0x0a, 0x04, 0xd2, 0x00, 0x50, 0x00, 0x0d, 0x00, 0x00,
};

static const uint8_t exp_unreach4_opt[] = {
    0x45, 0xc0, 0x00, 0x3c, 0x00, 0x00, 0x40, 0x00, 0x40, 0x01, 0x6d, 0xf6, 0xc0, 0x00, 0x02,
    0x0a, 0x0a, 0x00, 0x00, 0x01, 0x03, 0x03, 0xf7, 0xcd, 0x00, 0x00, 0x00, 0x00, 0x46, 0xb9,
    0x00, 0x25, 0x00, 0x00, 0x00, 0x00, 0x3f, 0x11, 0xac, 0x03, 0x0a, 0x00, 0x00, 0x01, 0xc0,
    0x00, 0x02, 0x0a, 0x01, 0x01, 0x01, 0x00, 0x04, 0xd2, 0x00, 0x50, 0x00, 0x0d, 0x00, 0x00,
};

static const uint8_t exp_unreach6[] = {
    0x60, 0x00, 0x00, 0x00, 0x00, 0x3d, 0x3a, 0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x01, 0x04, 0x61, 0x4a, 0x00,
    0x00, 0x00, 0x00, 0x68, 0xa1, 0x23, 0x45, 0x00, 0x0d, 0x11, 0x3f, 0x20, 0x01, 0x0d, 0xb8,
    0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x01, 0x20, 0x01, 0x0d,
    0xb8, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x10, 0x04, 0xd2,
    0x00, 0x50, 0x00, 0x0d, 0x00, 0x00, 0x68, 0x65, 0x6c, 0x6c, 0x6f,
};

static const uint8_t tun4_src[4] = {192, 0, 2, 1};
static const uint8_t tun4_dst[4] = {198, 51, 100, 7};
static const uint8_t tun6_src[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 1, [15] = 1};
static const uint8_t tun6_dst[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 2, [15] = 7};
static const uint8_t vip4[4] = {192, 0, 2, 10};
static const uint8_t vip6[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 0x10};

#define FLOW_HASH   0xdeadbeefu
#define GUE_PORT_BE 0xc017 /* 6080 in network order, read as a host u16 */

static struct sl_encap_params params(uint8_t kind, uint8_t outer_family)
{
	struct sl_encap_params p = {
	    .kind = kind,
	    .outer_family = outer_family,
	    .ttl = 64,
	};
	uint8_t port[2] = {6080 >> 8, 6080 & 0xff};

	memcpy(&p.gue_port, port, 2);
	if (outer_family == SL_AF_INET6) {
		memcpy(p.src, tun6_src, 16);
		memcpy(p.dst, tun6_dst, 16);
	} else {
		memcpy(p.src, tun4_src, 4);
		memcpy(p.dst, tun4_dst, 4);
	}
	return p;
}

/* RFC 1071 one's-complement sum, folded, not complemented; written here
 * independently of DPDK's rte_raw_cksum. */
static uint32_t sum16(const uint8_t *b, size_t len, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < len; i += 2)
		sum += (uint32_t)(b[i] << 8 | b[i + 1]);
	if (len & 1)
		sum += (uint32_t)b[len - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

static uint16_t rd16(const uint8_t *b)
{
	return (uint16_t)(b[0] << 8 | b[1]);
}

/* A correct IPv4 header checksum makes the header sum fold to 0xffff. */
static void assert_ipv4_hdr_ok(const uint8_t *ip)
{
	assert_int_equal(fold(sum16(ip, (ip[0] & 0xf) * 4u, 0)), 0xffff);
}

/* Verify an upper-layer checksum under the IPv6 pseudo-header (RFC 8200 8.1). */
static void assert_ipv6_l4_ok(const uint8_t *ip6)
{
	uint16_t plen = rd16(ip6 + 4);
	uint32_t sum = sum16(ip6 + 8, 32, 0);

	sum += plen;
	sum += ip6[6];
	sum = sum16(ip6 + 40, plen, sum);
	assert_int_equal(fold(sum), 0xffff);
}

/* Encapsulate `inner` with p into a fresh buffer, laid out as the contract
 * says (headers immediately before the inner packet), and compare all of it
 * with `exp`. */
static void check_exact(const struct sl_encap_params *p, const uint8_t *inner, uint16_t inner_len,
			const uint8_t *exp, size_t exp_len, uint8_t *buf)
{
	unsigned oh = sl_encap_overhead(p);

	assert_int_equal(oh + inner_len, exp_len);
	memset(buf, 0xa5, oh); /* stale headroom must be fully overwritten */
	memcpy(buf + oh, inner, inner_len);
	sl_encap_write(p, buf, buf + oh, inner_len, FLOW_HASH);
	assert_memory_equal(buf, exp, exp_len);
}

static void test_ipip(void **state)
{
	struct sl_encap_params p = params(SL_ENCAP_IPIP, SL_AF_INET);
	uint8_t buf[256];

	(void)state;
	check_exact(&p, inner4, sizeof(inner4), exp_ipip, sizeof(exp_ipip), buf);
	assert_ipv4_hdr_ok(buf);
}

static void test_ip6ip6(void **state)
{
	struct sl_encap_params p = params(SL_ENCAP_IP6IP6, SL_AF_INET6);
	uint8_t buf[256];

	(void)state;
	check_exact(&p, inner6, sizeof(inner6), exp_ip6ip6, sizeof(exp_ip6ip6), buf);
}

static void test_ip4ip6(void **state)
{
	struct sl_encap_params p = params(SL_ENCAP_IP4IP6, SL_AF_INET6);
	uint8_t buf[256];

	(void)state;
	check_exact(&p, inner4, sizeof(inner4), exp_ip4ip6, sizeof(exp_ip4ip6), buf);
}

static void test_gue4_inner4(void **state)
{
	struct sl_encap_params p = params(SL_ENCAP_GUE, SL_AF_INET);
	uint8_t buf[256];

	(void)state;
	check_exact(&p, inner4, sizeof(inner4), exp_gue4_in4, sizeof(exp_gue4_in4), buf);
	assert_ipv4_hdr_ok(buf);
	assert_int_equal(rd16(buf + 20 + 6), 0); /* RFC 768: no checksum over IPv4 */
}

static void test_gue4_inner6(void **state)
{
	struct sl_encap_params p = params(SL_ENCAP_GUE, SL_AF_INET);
	uint8_t buf[256];

	(void)state;
	/* Not in the fixture list: check the fields that differ from inner4. */
	memcpy(buf + 28, inner6, sizeof(inner6));
	sl_encap_write(&p, buf, buf + 28, sizeof(inner6), FLOW_HASH);
	assert_int_equal(buf[1], 0x8a); /* TOS from the IPv6 traffic class */
	assert_int_equal(rd16(buf + 2), 28 + sizeof(inner6));
	assert_int_equal(buf[9], 17);
	assert_int_equal(rd16(buf + 24), 8 + sizeof(inner6));
	assert_ipv4_hdr_ok(buf);
}

static void test_gue6_inner6(void **state)
{
	struct sl_encap_params p = params(SL_ENCAP_GUE, SL_AF_INET6);
	uint8_t buf[256];

	(void)state;
	check_exact(&p, inner6, sizeof(inner6), exp_gue6_in6, sizeof(exp_gue6_in6), buf);
	assert_ipv6_l4_ok(buf);
}

static void test_gue6_inner4(void **state)
{
	struct sl_encap_params p = params(SL_ENCAP_GUE, SL_AF_INET6);
	uint8_t buf[256];

	(void)state;
	check_exact(&p, inner4, sizeof(inner4), exp_gue6_in4, sizeof(exp_gue6_in4), buf);
	assert_ipv6_l4_ok(buf);
}

/* The UDP checksum over IPv6 must hold for any payload, including even and
 * odd lengths and a large packet (the 32-bit accumulator must not lose
 * carries). */
static void test_gue6_cksum_lengths(void **state)
{
	static uint8_t buf[48 + 9000];
	struct sl_encap_params p = params(SL_ENCAP_GUE, SL_AF_INET6);
	uint16_t lens[] = {20, 21, 40, 41, 1500, 8999};
	size_t i, j;

	(void)state;
	for (i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
		uint8_t *in = buf + 48;

		/* All-ones payload drives the sum as high as it goes. */
		memset(in, 0xff, lens[i]);
		in[0] = 0x45;
		for (j = 0; j < 5; j++) {
			uint32_t h = FLOW_HASH * (uint32_t)(j + 1);

			sl_encap_write(&p, buf, in, lens[i], h);
			assert_int_equal(rd16(buf + 4), 8 + lens[i]);
			assert_int_equal(rd16(buf + 44), 8 + lens[i]);
			assert_int_not_equal(rd16(buf + 46), 0);
			assert_ipv6_l4_ok(buf);
		}
	}
}

/* Outer IPv6 sent with UDP checksum 0 would be dropped by the receiver, so
 * a sum that complements to 0 must go out as 0xffff (RFC 768).  Build an
 * inner packet that hits this case: with a zero word at an even offset the
 * function reports checksum c; storing c in that word makes the data sum
 * 0xffff, whose complement is 0. */
static void test_gue6_cksum_zero_is_ffff(void **state)
{
	struct sl_encap_params p = params(SL_ENCAP_GUE, SL_AF_INET6);
	uint8_t buf[48 + sizeof(inner4) + 3];
	uint8_t *in = buf + 48;
	uint16_t in_len = sizeof(inner4) + 3;

	(void)state;
	memset(in, 0, in_len);
	memcpy(in, inner4, sizeof(inner4));
	sl_encap_write(&p, buf, in, in_len, FLOW_HASH);
	assert_ipv6_l4_ok(buf);
	in[in_len - 2] = buf[46];
	in[in_len - 1] = buf[47];
	sl_encap_write(&p, buf, in, in_len, FLOW_HASH);
	assert_int_equal(rd16(buf + 46), 0xffff);
	assert_ipv6_l4_ok(buf);
}

static void test_overhead(void **state)
{
	struct sl_encap_params p = params(SL_ENCAP_IPIP, SL_AF_INET);

	(void)state;
	assert_int_equal(sl_encap_overhead(&p), 20);
	p.kind = SL_ENCAP_IP6IP6;
	assert_int_equal(sl_encap_overhead(&p), 40);
	p.kind = SL_ENCAP_IP4IP6;
	assert_int_equal(sl_encap_overhead(&p), 40);
	p.kind = SL_ENCAP_GUE;
	assert_int_equal(sl_encap_overhead(&p), 28);
	p.outer_family = SL_AF_INET6;
	assert_int_equal(sl_encap_overhead(&p), 48);
	p.kind = SL_ENCAP_MAX;
	assert_int_equal(sl_encap_overhead(&p), 0);
}

/* Source port: always in 32768..65535, a pure function of the hash, and
 * every hash bit matters (a flow table that buckets by the low bits must not
 * leave the backend's RSS with the same few ports). */
static void test_gue_sport(void **state)
{
	struct sl_encap_params p = params(SL_ENCAP_GUE, SL_AF_INET);
	uint8_t a[28 + sizeof(inner4)], b[28 + sizeof(inner4)];
	static uint8_t seen[32768];
	unsigned distinct = 0;
	uint32_t i, h;
	int bit;

	(void)state;
	for (i = 0; i < 65536; i++) {
		h = i * 2654435761u; /* Knuth multiplicative spread */
		sl_encap_write(&p, a, inner4, sizeof(inner4), h);
		sl_encap_write(&p, b, inner4, sizeof(inner4), h);
		assert_true(rd16(a + 20) >= 32768);
		assert_int_equal(rd16(a + 20), rd16(b + 20));
		assert_int_equal(rd16(a + 22), 6080);
		if (!seen[rd16(a + 20) - 32768]++)
			distinct++;
	}
	/* 65536 random-ish hashes over 32768 ports: expect ~86% coverage
	 * (1 - e^-2); a mapping that drops hash bits falls far below half. */
	assert_true(distinct > 16384);

	for (bit = 0; bit < 32; bit++) {
		sl_encap_write(&p, a, inner4, sizeof(inner4), FLOW_HASH);
		sl_encap_write(&p, b, inner4, sizeof(inner4), FLOW_HASH ^ (1u << bit));
		assert_int_not_equal(rd16(a + 20), rd16(b + 20));
	}
}

/* Every DSCP/ECN value is copied to the outer header unchanged, and the outer
 * IPv4 checksum stays right for each. */
static void test_dscp_ecn_copy(void **state)
{
	struct sl_encap_params p4 = params(SL_ENCAP_IPIP, SL_AF_INET);
	struct sl_encap_params g4 = params(SL_ENCAP_GUE, SL_AF_INET);
	struct sl_encap_params p6 = params(SL_ENCAP_IP6IP6, SL_AF_INET6);
	struct sl_encap_params g6 = params(SL_ENCAP_GUE, SL_AF_INET6);
	uint8_t in4[sizeof(inner4)], in6[sizeof(inner6)];
	uint8_t out[64];
	unsigned tos;

	(void)state;
	memcpy(in4, inner4, sizeof(in4));
	memcpy(in6, inner6, sizeof(in6));
	for (tos = 0; tos < 256; tos++) {
		in4[1] = (uint8_t)tos;
		sl_encap_write(&p4, out, in4, sizeof(in4), FLOW_HASH);
		assert_int_equal(out[1], tos);
		assert_ipv4_hdr_ok(out);

		in6[0] = (uint8_t)(0x60 | tos >> 4);
		in6[1] = (uint8_t)((tos & 0xf) << 4 | (in6[1] & 0xf));
		sl_encap_write(&g4, out, in6, sizeof(in6), FLOW_HASH);
		assert_int_equal(out[1], tos);
		assert_ipv4_hdr_ok(out);

		sl_encap_write(&p6, out, in6, sizeof(in6), FLOW_HASH);
		assert_int_equal(out[0], 0x60 | tos >> 4);
		assert_int_equal(out[1], (tos & 0xf) << 4 | 0xd); /* 0xd: flow label bits */

		sl_encap_write(&g6, out, in4, sizeof(in4), FLOW_HASH);
		assert_int_equal(out[0], 0x60 | tos >> 4);
		assert_int_equal(out[1], (tos & 0xf) << 4 | 0xd);
	}
}

/* Outer TTL and flow label come from params and flow_hash, nothing else. */
static void test_ttl_and_flow_label(void **state)
{
	struct sl_encap_params p4 = params(SL_ENCAP_IPIP, SL_AF_INET);
	struct sl_encap_params p6 = params(SL_ENCAP_IP4IP6, SL_AF_INET6);
	uint8_t out[64];
	uint32_t fl;

	(void)state;
	p4.ttl = 1;
	p6.ttl = 255;
	sl_encap_write(&p4, out, inner4, sizeof(inner4), FLOW_HASH);
	assert_int_equal(out[8], 1);
	assert_ipv4_hdr_ok(out);
	sl_encap_write(&p6, out, inner4, sizeof(inner4), 0xfff12345u);
	assert_int_equal(out[7], 255);
	fl = (uint32_t)(out[1] & 0xf) << 16 | rd16(out + 2);
	assert_int_equal(fl, 0x12345);
}

static void test_icmp4_exact(void **state)
{
	uint8_t out[600];
	uint16_t n;

	(void)state;
	memset(out, 0xa5, sizeof(out));
	n = sl_icmp_too_big(SL_AF_INET, vip4, inner4, sizeof(inner4), 1400, out, sizeof(out));
	assert_int_equal(n, sizeof(exp_icmp4));
	assert_memory_equal(out, exp_icmp4, sizeof(exp_icmp4));
	/* Field by field, so a failure names what broke. */
	assert_int_equal(out[0], 0x45);
	assert_int_equal(out[8], 64); /* TTL */
	assert_int_equal(out[9], 1);  /* ICMP */
	assert_memory_equal(out + 12, vip4, 4);
	assert_memory_equal(out + 16, inner4 + 12, 4); /* back to the client */
	assert_int_equal(out[20], 3);
	assert_int_equal(out[21], 4);
	assert_int_equal(rd16(out + 24), 0);
	assert_int_equal(rd16(out + 26), 1400);
	assert_ipv4_hdr_ok(out);
	assert_int_equal(fold(sum16(out + 20, n - 20u, 0)), 0xffff);
}

static void test_icmp6_exact(void **state)
{
	uint8_t out[1400];
	uint16_t n;

	(void)state;
	memset(out, 0xa5, sizeof(out));
	n = sl_icmp_too_big(SL_AF_INET6, vip6, inner6, sizeof(inner6), 1400, out, sizeof(out));
	assert_int_equal(n, sizeof(exp_icmp6));
	assert_memory_equal(out, exp_icmp6, sizeof(exp_icmp6));
	assert_int_equal(out[0] >> 4, 6);
	assert_int_equal(rd16(out + 4), n - 40u);
	assert_int_equal(out[6], 58);
	assert_int_equal(out[7], 64);
	assert_memory_equal(out + 8, vip6, 16);
	assert_memory_equal(out + 24, inner6 + 8, 16);
	assert_int_equal(out[40], 2);
	assert_int_equal(out[41], 0);
	assert_int_equal(rd16(out + 44), 0);
	assert_int_equal(rd16(out + 46), 1400);
	assert_ipv6_l4_ok(out);
}

/* A 1500-byte original: only its first 576 - 28 = 548 bytes are quoted. */
static void test_icmp4_truncates_at_576(void **state)
{
	static uint8_t orig[1500], out[2048];
	uint16_t n, len;
	size_t i;

	(void)state;
	for (len = 547; len <= 549; len++) {
		for (i = 0; i < sizeof(orig); i++)
			orig[i] = (uint8_t)(i * 7 + 3);
		memcpy(orig, inner4, 20);
		orig[2] = (uint8_t)(len >> 8);
		orig[3] = (uint8_t)len;
		n = sl_icmp_too_big(SL_AF_INET, vip4, orig, len, 1280, out, sizeof(out));
		assert_int_equal(n, len < 548 ? 28 + len : 576);
		assert_int_equal(rd16(out + 2), n);
		assert_memory_equal(out + 28, orig, n - 28u);
		assert_ipv4_hdr_ok(out);
		assert_int_equal(fold(sum16(out + 20, n - 20u, 0)), 0xffff);
	}
	orig[2] = 1500 >> 8;
	orig[3] = 1500 & 0xff;
	n = sl_icmp_too_big(SL_AF_INET, vip4, orig, sizeof(orig), 1280, out, sizeof(out));
	assert_int_equal(n, 576);
	assert_memory_equal(out + 28, orig, 548);
	assert_int_equal(rd16(out + 26), 1280);
	assert_int_equal(fold(sum16(out + 20, n - 20u, 0)), 0xffff);
}

/* A 1500-byte original: only its first 1280 - 48 = 1232 bytes are quoted. */
static void test_icmp6_truncates_at_1280(void **state)
{
	static uint8_t orig[1500], out[2048];
	uint16_t n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(orig); i++)
		orig[i] = (uint8_t)(i * 13 + 1);
	memcpy(orig, inner6, 40);
	orig[4] = (1500 - 40) >> 8;
	orig[5] = (1500 - 40) & 0xff;
	n = sl_icmp_too_big(SL_AF_INET6, vip6, orig, sizeof(orig), 1300, out, sizeof(out));
	assert_int_equal(n, 1280);
	assert_int_equal(rd16(out + 4), 1240);
	assert_memory_equal(out + 48, orig, 1232);
	assert_int_equal(rd16(out + 46), 1300);
	assert_ipv6_l4_ok(out);
}

/* Ethernet pads short frames to 60 bytes; the padding is not part of the IP
 * packet and must not be quoted back. */
static void test_icmp_ignores_l2_padding(void **state)
{
	uint8_t orig[100], out[600];
	uint16_t n;

	(void)state;
	memset(orig, 0, sizeof(orig));
	memcpy(orig, inner4, sizeof(inner4));
	n = sl_icmp_too_big(SL_AF_INET, vip4, orig, 46, 1400, out, sizeof(out));
	assert_int_equal(n, sizeof(exp_icmp4));
	assert_memory_equal(out, exp_icmp4, sizeof(exp_icmp4));

	memset(orig, 0, sizeof(orig));
	memcpy(orig, inner6, sizeof(inner6));
	n = sl_icmp_too_big(SL_AF_INET6, vip6, orig, sizeof(orig), 1400, out, sizeof(out));
	assert_int_equal(n, sizeof(exp_icmp6));
	assert_memory_equal(out, exp_icmp6, sizeof(exp_icmp6));
}

/* A cap one byte short of the reply yields 0 and writes nothing; the exact
 * cap works. */
static void test_icmp_short_cap(void **state)
{
	uint8_t out[600];
	uint16_t n;

	(void)state;
	memset(out, 0xa5, sizeof(out));
	n = sl_icmp_too_big(SL_AF_INET, vip4, inner4, sizeof(inner4), 1400, out,
			    sizeof(exp_icmp4) - 1);
	assert_int_equal(n, 0);
	assert_int_equal(out[0], 0xa5);
	n = sl_icmp_too_big(SL_AF_INET, vip4, inner4, sizeof(inner4), 1400, out, 0);
	assert_int_equal(n, 0);
	n = sl_icmp_too_big(SL_AF_INET, vip4, inner4, sizeof(inner4), 1400, out, sizeof(exp_icmp4));
	assert_int_equal(n, sizeof(exp_icmp4));

	n = sl_icmp_too_big(SL_AF_INET6, vip6, inner6, sizeof(inner6), 1400, out,
			    sizeof(exp_icmp6) - 1);
	assert_int_equal(n, 0);
	n = sl_icmp_too_big(SL_AF_INET6, vip6, inner6, sizeof(inner6), 1400, out, 48);
	assert_int_equal(n, 0);
	n = sl_icmp_too_big(SL_AF_INET6, vip6, inner6, sizeof(inner6), 1400, out,
			    sizeof(exp_icmp6));
	assert_int_equal(n, sizeof(exp_icmp6));
}

static void test_icmp_not_ip(void **state)
{
	uint8_t out[1400], bad[64];

	(void)state;
	/* Wrong family for the packet, and an unknown family. */
	assert_int_equal(
	    sl_icmp_too_big(SL_AF_INET, vip4, inner6, sizeof(inner6), 1400, out, sizeof(out)), 0);
	assert_int_equal(
	    sl_icmp_too_big(SL_AF_INET6, vip6, inner4, sizeof(inner4), 1400, out, sizeof(out)), 0);
	assert_int_equal(sl_icmp_too_big(5, vip4, inner4, sizeof(inner4), 1400, out, sizeof(out)),
			 0);
	/* Shorter than a minimal header. */
	assert_int_equal(sl_icmp_too_big(SL_AF_INET, vip4, inner4, 19, 1400, out, sizeof(out)), 0);
	assert_int_equal(sl_icmp_too_big(SL_AF_INET6, vip6, inner6, 39, 1400, out, sizeof(out)), 0);
	/* IHL below 5, IHL beyond the buffer, total length below the header. */
	memcpy(bad, inner4, sizeof(inner4));
	bad[0] = 0x44;
	assert_int_equal(
	    sl_icmp_too_big(SL_AF_INET, vip4, bad, sizeof(inner4), 1400, out, sizeof(out)), 0);
	bad[0] = 0x4f;
	assert_int_equal(
	    sl_icmp_too_big(SL_AF_INET, vip4, bad, sizeof(inner4), 1400, out, sizeof(out)), 0);
	bad[0] = 0x45;
	bad[2] = 0;
	bad[3] = 19;
	assert_int_equal(
	    sl_icmp_too_big(SL_AF_INET, vip4, bad, sizeof(inner4), 1400, out, sizeof(out)), 0);
	/* Version nibble that is neither. */
	memcpy(bad, inner6, 40);
	bad[0] = 0x50;
	assert_int_equal(sl_icmp_too_big(SL_AF_INET6, vip6, bad, 40, 1400, out, sizeof(out)), 0);
}

/* Port unreachable, IPv4: the original header + 8 bytes, nothing more. */
static void test_unreach4_exact(void **state)
{
	uint8_t out[600];
	uint16_t n;

	(void)state;
	memset(out, 0xa5, sizeof(out));
	n = sl_icmp_unreach(SL_AF_INET, vip4, inner4, sizeof(inner4), out, sizeof(out));
	assert_int_equal(n, sizeof(exp_unreach4));
	assert_memory_equal(out, exp_unreach4, sizeof(exp_unreach4));
	assert_int_equal(out[1], 0xc0); /* precedence 6 */
	assert_int_equal(rd16(out + 6), 0x4000);
	assert_int_equal(out[8], 64);
	assert_int_equal(out[9], 1);
	assert_memory_equal(out + 12, vip4, 4);
	assert_memory_equal(out + 16, inner4 + 12, 4);
	assert_int_equal(out[20], SL_ICMP4_UNREACH);
	assert_int_equal(out[20], 3);
	assert_int_equal(out[21], SL_ICMP4_PORT_UNREACH);
	assert_int_equal(out[21], 3);
	assert_int_equal(rd16(out + 24), 0);
	assert_int_equal(rd16(out + 26), 0);
	assert_memory_equal(out + 28, inner4, 28);
	assert_int_equal(out[56], 0xa5); /* not a byte more */
	assert_ipv4_hdr_ok(out);
	assert_int_equal(fold(sum16(out + 20, n - 20u, 0)), 0xffff);
	/* Options are part of the header that is quoted. */
	n = sl_icmp_unreach(SL_AF_INET, vip4, inner4_opt, sizeof(inner4_opt), out, sizeof(out));
	assert_int_equal(n, sizeof(exp_unreach4_opt));
	assert_memory_equal(out, exp_unreach4_opt, sizeof(exp_unreach4_opt));
	assert_int_equal(fold(sum16(out + 20, n - 20u, 0)), 0xffff);
}

/* Short packets: the quote stops at the IP total length (not the L2 padding
 * after it), even below header + 8. */
static void test_unreach4_short_and_padded(void **state)
{
	uint8_t orig[60], out[600];
	uint16_t n;

	(void)state;
	memset(orig, 0xee, sizeof(orig));
	memcpy(orig, inner4, sizeof(inner4));
	n = sl_icmp_unreach(SL_AF_INET, vip4, orig, sizeof(orig), out, sizeof(out));
	assert_int_equal(n, sizeof(exp_unreach4));
	assert_memory_equal(out, exp_unreach4, sizeof(exp_unreach4));
	/* Total length 24: header + 4 bytes, all of it quoted. */
	orig[2] = 0;
	orig[3] = 24;
	n = sl_icmp_unreach(SL_AF_INET, vip4, orig, sizeof(orig), out, sizeof(out));
	assert_int_equal(n, 28 + 24);
	assert_int_equal(rd16(out + 2), n);
	assert_memory_equal(out + 28, orig, 24);
	assert_ipv4_hdr_ok(out);
	assert_int_equal(fold(sum16(out + 20, n - 20u, 0)), 0xffff);
}

static void test_unreach6_exact(void **state)
{
	uint8_t out[1400];
	uint16_t n;

	(void)state;
	memset(out, 0xa5, sizeof(out));
	n = sl_icmp_unreach(SL_AF_INET6, vip6, inner6, sizeof(inner6), out, sizeof(out));
	assert_int_equal(n, sizeof(exp_unreach6));
	assert_memory_equal(out, exp_unreach6, sizeof(exp_unreach6));
	assert_int_equal(rd16(out + 4), n - 40u);
	assert_int_equal(out[6], 58);
	assert_int_equal(out[7], 64);
	assert_memory_equal(out + 8, vip6, 16);
	assert_memory_equal(out + 24, inner6 + 8, 16);
	assert_int_equal(out[40], SL_ICMP6_UNREACH);
	assert_int_equal(out[40], 1);
	assert_int_equal(out[41], SL_ICMP6_PORT_UNREACH);
	assert_int_equal(out[41], 4);
	assert_int_equal(rd16(out + 44), 0);
	assert_int_equal(rd16(out + 46), 0);
	assert_ipv6_l4_ok(out);
}

/* IPv6: as much as fits in 1280 bytes, like packet-too-big. */
static void test_unreach6_truncates_at_1280(void **state)
{
	static uint8_t orig[1500], out[2048];
	uint16_t n;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(orig); i++)
		orig[i] = (uint8_t)(i * 11 + 5);
	memcpy(orig, inner6, 40);
	orig[4] = (1500 - 40) >> 8;
	orig[5] = (1500 - 40) & 0xff;
	n = sl_icmp_unreach(SL_AF_INET6, vip6, orig, sizeof(orig), out, sizeof(out));
	assert_int_equal(n, 1280);
	assert_int_equal(rd16(out + 4), 1240);
	assert_memory_equal(out + 48, orig, 1232);
	assert_int_equal(out[40], 1);
	assert_int_equal(out[41], 4);
	assert_ipv6_l4_ok(out);
}

static void test_unreach_refuses(void **state)
{
	uint8_t out[1400], bad[64];

	(void)state;
	memset(out, 0xa5, sizeof(out));
	/* A cap one byte short: nothing written; the exact cap works. */
	assert_int_equal(sl_icmp_unreach(SL_AF_INET, vip4, inner4, sizeof(inner4), out,
					 sizeof(exp_unreach4) - 1),
			 0);
	assert_int_equal(out[0], 0xa5);
	assert_int_equal(
	    sl_icmp_unreach(SL_AF_INET, vip4, inner4, sizeof(inner4), out, sizeof(exp_unreach4)),
	    sizeof(exp_unreach4));
	assert_int_equal(sl_icmp_unreach(SL_AF_INET6, vip6, inner6, sizeof(inner6), out,
					 sizeof(exp_unreach6) - 1),
			 0);
	/* Wrong or unknown family, too short, bad IHL / total length. */
	assert_int_equal(
	    sl_icmp_unreach(SL_AF_INET, vip4, inner6, sizeof(inner6), out, sizeof(out)), 0);
	assert_int_equal(
	    sl_icmp_unreach(SL_AF_INET6, vip6, inner4, sizeof(inner4), out, sizeof(out)), 0);
	assert_int_equal(sl_icmp_unreach(7, vip4, inner4, sizeof(inner4), out, sizeof(out)), 0);
	assert_int_equal(sl_icmp_unreach(SL_AF_INET, vip4, inner4, 0, out, sizeof(out)), 0);
	assert_int_equal(sl_icmp_unreach(SL_AF_INET, vip4, inner4, 19, out, sizeof(out)), 0);
	assert_int_equal(sl_icmp_unreach(SL_AF_INET6, vip6, inner6, 39, out, sizeof(out)), 0);
	memcpy(bad, inner4, sizeof(inner4));
	bad[0] = 0x44;
	assert_int_equal(sl_icmp_unreach(SL_AF_INET, vip4, bad, sizeof(inner4), out, sizeof(out)),
			 0);
	bad[0] = 0x4f;
	assert_int_equal(sl_icmp_unreach(SL_AF_INET, vip4, bad, sizeof(inner4), out, sizeof(out)),
			 0);
	bad[0] = 0x45;
	bad[3] = 19;
	assert_int_equal(sl_icmp_unreach(SL_AF_INET, vip4, bad, sizeof(inner4), out, sizeof(out)),
			 0);
}

/* The worker's template path must produce exactly what Ethernet +
 * sl_encap_write produce, for every kind, inner family, DSCP/ECN value,
 * length and flow hash; SL_TMPL_SLOW (GUE over IPv6) is the one mode the
 * worker leaves to sl_encap_write, with the template's Ethernet header. */
static void test_template_matches_write(void **state)
{
	static const struct {
		uint8_t kind, family, mode;
	} kinds[] = {
	    {SL_ENCAP_IPIP, SL_AF_INET, SL_TMPL_IP4},
	    {SL_ENCAP_IP6IP6, SL_AF_INET6, SL_TMPL_IP6},
	    {SL_ENCAP_IP4IP6, SL_AF_INET6, SL_TMPL_IP6},
	    {SL_ENCAP_GUE, SL_AF_INET, SL_TMPL_IP4_UDP},
	    {SL_ENCAP_GUE, SL_AF_INET6, SL_TMPL_SLOW},
	};
	static const uint8_t dmac[6] = {0x02, 0x11, 0x22, 0x33, 0x44, 0x55};
	static const uint8_t smac[6] = {0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee};
	uint8_t want[64 + 1600], got[64 + 1600];
	uint32_t rng = 12345;

	(void)state;
	for (unsigned k = 0; k < sizeof(kinds) / sizeof(kinds[0]); k++) {
		struct sl_encap_params p = params(kinds[k].kind, kinds[k].family);
		struct sl_encap_tmpl t;
		unsigned ovh = sl_encap_overhead(&p);

		sl_encap_tmpl_init(&t, &p, dmac, smac);
		assert_int_equal(t.mode, kinds[k].mode);
		assert_int_equal(t.len, 14 + ovh);
		assert_memory_equal(t.hdr, dmac, 6);
		assert_memory_equal(t.hdr + 6, smac, 6);
		if (t.mode == SL_TMPL_SLOW)
			continue;
		for (unsigned n = 0; n < 2000; n++) {
			bool v6 = kinds[k].kind == SL_ENCAP_IP6IP6 ||
				  (kinds[k].kind == SL_ENCAP_GUE && (n & 1));
			uint16_t len = (uint16_t)((v6 ? 40 : 20) + (n * 7919u) % 1400);
			uint32_t hash;
			uint8_t *inner_w = want + 14 + ovh, *inner_g = got + 14 + ovh;

			if (kinds[k].kind == SL_ENCAP_IPIP || kinds[k].kind == SL_ENCAP_IP4IP6)
				v6 = false;
			rng = rng * 1103515245u + 12345u;
			hash = rng ^ (rng >> 7) * 2654435761u;
			for (unsigned i = 0; i < len; i++)
				inner_w[i] = (uint8_t)(i * 31u + n);
			inner_w[0] = v6 ? (uint8_t)(0x60 | (n & 0xf)) : 0x45;
			inner_w[1] = (uint8_t)(n * 13u); /* TOS / traffic class bits */
			memcpy(inner_g, inner_w, len);
			memcpy(want, dmac, 6);
			memcpy(want + 6, smac, 6);
			want[12] = kinds[k].family == SL_AF_INET6 ? 0x86 : 0x08;
			want[13] = kinds[k].family == SL_AF_INET6 ? 0xdd : 0x00;
			sl_encap_write(&p, want + 14, inner_w, len, hash);
			memset(got, 0xa5, 14 + ovh);
			sl_encap_tmpl_apply(&t, got, inner_g, len, hash);
			assert_memory_equal(got, want, 14 + ovh + len);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipip),
	    cmocka_unit_test(test_ip6ip6),
	    cmocka_unit_test(test_ip4ip6),
	    cmocka_unit_test(test_gue4_inner4),
	    cmocka_unit_test(test_gue4_inner6),
	    cmocka_unit_test(test_gue6_inner6),
	    cmocka_unit_test(test_gue6_inner4),
	    cmocka_unit_test(test_gue6_cksum_lengths),
	    cmocka_unit_test(test_gue6_cksum_zero_is_ffff),
	    cmocka_unit_test(test_overhead),
	    cmocka_unit_test(test_gue_sport),
	    cmocka_unit_test(test_dscp_ecn_copy),
	    cmocka_unit_test(test_ttl_and_flow_label),
	    cmocka_unit_test(test_icmp4_exact),
	    cmocka_unit_test(test_icmp6_exact),
	    cmocka_unit_test(test_icmp4_truncates_at_576),
	    cmocka_unit_test(test_icmp6_truncates_at_1280),
	    cmocka_unit_test(test_icmp_ignores_l2_padding),
	    cmocka_unit_test(test_icmp_short_cap),
	    cmocka_unit_test(test_icmp_not_ip),
	    cmocka_unit_test(test_unreach4_exact),
	    cmocka_unit_test(test_unreach4_short_and_padded),
	    cmocka_unit_test(test_unreach6_exact),
	    cmocka_unit_test(test_unreach6_truncates_at_1280),
	    cmocka_unit_test(test_unreach_refuses),
	    cmocka_unit_test(test_template_matches_write),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
