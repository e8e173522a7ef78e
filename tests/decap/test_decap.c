/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Unit tests of the XDP decapsulation program (tools/bpf/sluice_decap.bpf.c)
 * through BPF_PROG_TEST_RUN: the real object, loaded into the kernel, fed
 * whole frames; no interface involved.
 *
 * The tunnel frames are built by sluice's own encapsulation code
 * (sl_encap_tmpl_init / sl_encap_tmpl_apply, and sl_encap_write for GUE over
 * IPv6, exactly as sl_worker.c's encapsulate() does), so these tests prove
 * that the load balancer's output and the backend's decapsulation agree.
 * The inner packets (and the frames of the hand-made cases) are built here
 * with a checksum of our own.  Every run checks the verdict, the exact
 * output frame, and that exactly one counter moved by exactly one.
 *
 * Usage: test_decap PATH/sluice_decap.o.  Needs root (loading BPF); exits 77
 * (skip) without it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "sl_encap.h"
#include "sl_parse.h"
#include "sluice_decap.h"

#define FRAME_MAX 2048
#define ETH_HLEN  14

static const char *obj_path;
static struct bpf_object *obj;
static int prog_fd, stats_fd, gue_fd, conf_fd, dst4_fd, dst6_fd;
static int ncpu;

static const uint8_t be_mac[6] = {0x02, 0x99, 0, 0, 0, 0x02}; /* backend */
static const uint8_t lb_mac[6] = {0x02, 0x99, 0, 0, 0, 0x01}; /* load balancer */

/* Tunnel: sluice 10.99.0.2 / fd00:99::2 -> backend 10.99.1.2 / fd00:99::1:2;
 * inner: client 10.99.200.1 / fd00:99::c:1 -> VIP 10.99.100.1 / fd00:99::64:1. */
static uint8_t lb4[4], be4[4], be4_other[4], cli4[4], vip4[4];
static uint8_t lb6[16], be6[16], be6_other[16], cli6[16], vip6[16];

struct pkt {
	uint8_t b[FRAME_MAX];
	uint16_t len;
};

/* ---- packet building ---- */

static uint32_t sum16(const uint8_t *p, size_t n, uint32_t sum)
{
	for (size_t i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)p[i] << 8 | p[i + 1];
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	return sum;
}

static uint16_t fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* Recompute the IPv4 header checksum at ip. */
static void ip4_fix_csum(uint8_t *ip)
{
	size_t hlen = (size_t)(ip[0] & 0xf) * 4;

	put16(ip + 10, 0);
	put16(ip + 10, fold(sum16(ip, hlen, 0)));
}

/* IPv4 + UDP sport -> 7000 with `plen` payload bytes, TOS `tos`: into out,
 * returns the length.  Checksums correct. */
static uint16_t inner4(uint8_t *out, uint8_t tos, uint16_t sport, uint16_t plen)
{
	uint16_t len = (uint16_t)(20 + 8 + plen);
	uint8_t *udp = out + 20;
	uint32_t sum;

	memset(out, 0, len);
	out[0] = 0x45;
	out[1] = tos;
	put16(out + 2, len);
	put16(out + 4, 0x1234);
	out[8] = 63;
	out[9] = 17;
	memcpy(out + 12, cli4, 4);
	memcpy(out + 16, vip4, 4);
	ip4_fix_csum(out);
	put16(udp, sport);
	put16(udp + 2, 7000);
	put16(udp + 4, (uint16_t)(8 + plen));
	for (uint16_t i = 0; i < plen; i++)
		udp[8 + i] = (uint8_t)('a' + i % 26);
	sum = sum16(out + 12, 8, 0) + 17 + (uint32_t)(8 + plen);
	sum = sum16(udp, 8u + plen, sum);
	put16(udp + 6, fold(sum));
	return len;
}

/* IPv6 + UDP, traffic class `tc`, as inner4. */
static uint16_t inner6(uint8_t *out, uint8_t tc, uint16_t sport, uint16_t plen)
{
	uint16_t len = (uint16_t)(40 + 8 + plen);
	uint8_t *udp = out + 40;
	uint32_t sum;

	memset(out, 0, len);
	out[0] = (uint8_t)(0x60 | tc >> 4);
	out[1] = (uint8_t)(tc << 4 | 0x1);
	out[2] = 0x23;
	out[3] = 0x45;
	put16(out + 4, (uint16_t)(8 + plen));
	out[6] = 17;
	out[7] = 63;
	memcpy(out + 8, cli6, 16);
	memcpy(out + 24, vip6, 16);
	put16(udp, sport);
	put16(udp + 2, 7000);
	put16(udp + 4, (uint16_t)(8 + plen));
	for (uint16_t i = 0; i < plen; i++)
		udp[8 + i] = (uint8_t)('A' + i % 26);
	sum = sum16(out + 8, 32, 0) + 17 + (uint32_t)(8 + plen);
	sum = sum16(udp, 8u + plen, sum);
	put16(udp + 6, fold(sum));
	return len;
}

/* Encapsulate the inner packet towards the backend with sluice's code, as
 * the worker does; GUE to `gue_port`, outer family `fam` (GUE only). */
static void encap(struct pkt *f, uint8_t kind, uint8_t fam, uint16_t gue_port, const uint8_t *inner,
		  uint16_t inner_len, uint32_t hash)
{
	struct sl_encap_params p = {
	    .kind = kind,
	    .outer_family = fam,
	    .ttl = 64,
	    .gue_port = htons(gue_port),
	};
	struct sl_encap_tmpl t;
	unsigned ovh;

	if (kind == SL_ENCAP_IPIP)
		p.outer_family = SL_AF_INET;
	else if (kind != SL_ENCAP_GUE)
		p.outer_family = SL_AF_INET6;
	if (p.outer_family == SL_AF_INET) {
		memcpy(p.src, lb4, 4);
		memcpy(p.dst, be4, 4);
	} else {
		memcpy(p.src, lb6, 16);
		memcpy(p.dst, be6, 16);
	}
	sl_encap_tmpl_init(&t, &p, be_mac, lb_mac);
	ovh = sl_encap_overhead(&p);
	assert_int_equal(t.len, ETH_HLEN + ovh);
	memcpy(f->b + t.len, inner, inner_len);
	if (t.mode != SL_TMPL_SLOW) {
		sl_encap_tmpl_apply(&t, f->b, f->b + t.len, inner_len, hash);
	} else {
		memcpy(f->b, t.hdr, ETH_HLEN);
		sl_encap_write(&p, f->b + ETH_HLEN, f->b + t.len, inner_len, hash);
	}
	f->len = (uint16_t)(t.len + inner_len);
}

/* What the backend's stack must get: the same MACs, the inner family's
 * ethertype, the inner packet. */
static void expect_inner(struct pkt *e, const uint8_t *inner, uint16_t inner_len)
{
	memcpy(e->b, be_mac, 6);
	memcpy(e->b + 6, lb_mac, 6);
	put16(e->b + 12, (inner[0] >> 4) == 4 ? 0x0800 : 0x86dd);
	memcpy(e->b + ETH_HLEN, inner, inner_len);
	e->len = (uint16_t)(ETH_HLEN + inner_len);
}

/* Insert an 802.1Q/802.1ad tag (TPID `tpid`, VLAN 42) after the MACs. */
static void add_vlan(struct pkt *f, uint16_t tpid)
{
	memmove(f->b + 16, f->b + 12, f->len - 12u);
	put16(f->b + 12, tpid);
	put16(f->b + 14, 42);
	f->len = (uint16_t)(f->len + 4);
}

/* ---- running the program ---- */

static void read_counters(uint64_t *c)
{
	uint64_t vals[512];

	assert_true(ncpu > 0 && ncpu <= 512);
	for (uint32_t k = 0; k < SL_DECAP_NB_COUNTERS; k++) {
		c[k] = 0;
		assert_int_equal(bpf_map_lookup_elem(stats_fd, &k, vals), 0);
		for (int i = 0; i < ncpu; i++)
			c[k] += vals[i];
	}
}

/* Run `in` through the program: the verdict must be exp_ret, the output
 * frame `exp` (or `in` itself when exp is NULL), and counter `ctr` the only
 * one that moved, by one. */
static void check(const struct pkt *in, int exp_ret, const struct pkt *exp, unsigned ctr)
{
	uint64_t before[SL_DECAP_NB_COUNTERS], after[SL_DECAP_NB_COUNTERS];
	uint8_t out[FRAME_MAX + 256];
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = in->b, .data_size_in = in->len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	if (!exp)
		exp = in;
	read_counters(before);
	assert_int_equal(bpf_prog_test_run_opts(prog_fd, &o), 0);
	assert_int_equal(o.retval, exp_ret);
	if (exp_ret == XDP_PASS) {
		assert_int_equal(o.data_size_out, exp->len);
		assert_memory_equal(out, exp->b, exp->len);
	}
	read_counters(after);
	for (unsigned k = 0; k < SL_DECAP_NB_COUNTERS; k++) {
		if (after[k] - before[k] != (k == ctr ? 1u : 0u))
			fail_msg("counter %u moved by %llu (expected counter %u to move by 1)", k,
				 (unsigned long long)(after[k] - before[k]), ctr);
	}
}

static void set_gue_ports(const uint16_t *ports, unsigned n)
{
	uint16_t key, next;
	uint8_t one = 1;

	while (bpf_map_get_next_key(gue_fd, NULL, &next) == 0) {
		key = next;
		assert_int_equal(bpf_map_delete_elem(gue_fd, &key), 0);
	}
	for (unsigned i = 0; i < n; i++) {
		key = htons(ports[i]);
		assert_int_equal(bpf_map_update_elem(gue_fd, &key, &one, BPF_ANY), 0);
	}
}

static void set_dst_filter(bool on)
{
	struct sl_decap_conf conf = {.flags = on ? SL_DECAP_F_DST_FILTER : 0};
	uint32_t zero = 0;

	assert_int_equal(bpf_map_update_elem(conf_fd, &zero, &conf, BPF_ANY), 0);
}

/* ---- tests: each encapsulation, as sluice writes it ---- */

static void decap_case(uint8_t kind, uint8_t fam, uint8_t inner_v, unsigned ctr)
{
	struct pkt f, e;
	uint8_t in[1500];
	/* Inner sizes: minimal, odd, and a full 1500-byte outer MTU. */
	static const uint16_t plens[] = {0, 1, 33, 1000};

	for (unsigned s = 0; s < sizeof(plens) / sizeof(plens[0]); s++) {
		/* Different flow hashes: GUE source ports and IPv6 flow labels vary. */
		for (uint32_t h = 0; h < 8; h++) {
			uint32_t hash = h * 0x9e3779b9u;
			uint16_t n = inner_v == 4
					 ? inner4(in, 0x10, (uint16_t)(40000 + h), plens[s])
					 : inner6(in, 0x10, (uint16_t)(40000 + h), plens[s]);

			encap(&f, kind, fam, 6080, in, n, hash);
			expect_inner(&e, in, n);
			check(&f, XDP_PASS, &e, ctr);
		}
	}
}

static void test_ipip(void **state)
{
	(void)state;
	decap_case(SL_ENCAP_IPIP, SL_AF_INET, 4, SL_DECAP_C_IPIP);
}

static void test_ip6ip6(void **state)
{
	(void)state;
	decap_case(SL_ENCAP_IP6IP6, SL_AF_INET6, 6, SL_DECAP_C_IP6IP6);
}

static void test_ip4ip6(void **state)
{
	(void)state;
	decap_case(SL_ENCAP_IP4IP6, SL_AF_INET6, 4, SL_DECAP_C_IP4IP6);
}

static void test_gue(void **state)
{
	(void)state;
	decap_case(SL_ENCAP_GUE, SL_AF_INET, 4, SL_DECAP_C_GUE4);
	decap_case(SL_ENCAP_GUE, SL_AF_INET, 6, SL_DECAP_C_GUE4);
	decap_case(SL_ENCAP_GUE, SL_AF_INET6, 4, SL_DECAP_C_GUE6);
	decap_case(SL_ENCAP_GUE, SL_AF_INET6, 6, SL_DECAP_C_GUE6);
}

/* GUE ports come from the map: several at once, others untouched. */
static void test_gue_ports(void **state)
{
	static const uint16_t two[] = {6080, 7777};
	struct pkt f, e;
	uint8_t in[256];
	uint16_t n = inner4(in, 0, 40000, 20);

	(void)state;
	set_gue_ports(two, 2);
	encap(&f, SL_ENCAP_GUE, SL_AF_INET, 7777, in, n, 1);
	expect_inner(&e, in, n);
	check(&f, XDP_PASS, &e, SL_DECAP_C_GUE4);
	encap(&f, SL_ENCAP_GUE, SL_AF_INET6, 7777, in, n, 1);
	check(&f, XDP_PASS, &e, SL_DECAP_C_GUE6);
	/* Another UDP port: ordinary UDP, passed as it is. */
	encap(&f, SL_ENCAP_GUE, SL_AF_INET, 6081, in, n, 1);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
	encap(&f, SL_ENCAP_GUE, SL_AF_INET6, 6081, in, n, 1);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
	/* No GUE port at all: nothing UDP is stripped. */
	set_gue_ports(NULL, 0);
	encap(&f, SL_ENCAP_GUE, SL_AF_INET, 6080, in, n, 1);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
	set_gue_ports(two, 1);
	encap(&f, SL_ENCAP_GUE, SL_AF_INET, 6080, in, n, 1);
	check(&f, XDP_PASS, &e, SL_DECAP_C_GUE4);
}

/* Traffic that is not a tunnel of ours passes byte for byte. */
static void test_not_tunnel(void **state)
{
	struct pkt f, e;
	uint8_t in[256];
	uint16_t n;

	(void)state;
	/* Plain IPv4 and IPv6 UDP to the VIP. */
	n = inner4(in, 0, 40000, 10);
	expect_inner(&f, in, n);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
	n = inner6(in, 0, 40000, 10);
	expect_inner(&f, in, n);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
	/* IPv4 TCP (protocol 6). */
	n = inner4(in, 0, 40000, 10);
	in[9] = 6;
	ip4_fix_csum(in);
	expect_inner(&f, in, n);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
	/* IPv6-in-IPv4 (protocol 41, "sit"): not something sluice sends. */
	n = inner6(in, 0, 40000, 10);
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n, 1);
	f.b[ETH_HLEN + 9] = 41;
	ip4_fix_csum(f.b + ETH_HLEN);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
	/* IPv6 with a hop-by-hop header before the tunnel: sl_encap writes no
	 * extension headers, so this is not ours. */
	encap(&f, SL_ENCAP_IP6IP6, SL_AF_INET6, 0, in, n, 1);
	f.b[ETH_HLEN + 6] = 0;
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
	/* ARP, and a bare Ethernet header. */
	memset(&f, 0, sizeof(f));
	memcpy(f.b, be_mac, 6);
	memcpy(f.b + 6, lb_mac, 6);
	put16(f.b + 12, 0x0806);
	f.len = 42;
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
	f.len = ETH_HLEN;
	put16(f.b + 12, 0x0800);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
	/* An IPv4 header too short to read, and version 5 behind 0x0800. */
	f.len = ETH_HLEN + 19;
	f.b[ETH_HLEN] = 0x45;
	f.b[ETH_HLEN + 9] = 4;
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
	n = inner4(in, 0, 40000, 10);
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n, 1);
	f.b[ETH_HLEN] = 0x55;
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
	(void)e;
}

/* One 802.1Q or 802.1ad tag: kept, in front of the inner ethertype. */
static void test_vlan(void **state)
{
	static const uint16_t tpids[] = {0x8100, 0x88a8};
	struct pkt f, e;
	uint8_t in[256];
	uint16_t n;

	(void)state;
	for (unsigned i = 0; i < 2; i++) {
		n = inner4(in, 0, 40000, 17);
		encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n, 1);
		add_vlan(&f, tpids[i]);
		expect_inner(&e, in, n);
		add_vlan(&e, tpids[i]);
		check(&f, XDP_PASS, &e, SL_DECAP_C_IPIP);

		n = inner6(in, 0, 40000, 17);
		encap(&f, SL_ENCAP_GUE, SL_AF_INET6, 6080, in, n, 7);
		add_vlan(&f, tpids[i]);
		expect_inner(&e, in, n);
		add_vlan(&e, tpids[i]);
		check(&f, XDP_PASS, &e, SL_DECAP_C_GUE6);
	}
}

/* Ethernet padding / trailer after the outer packet travels along; the
 * stack trims it by the inner IP length. */
static void test_trailer(void **state)
{
	struct pkt f, e;
	uint8_t in[256];
	uint16_t n = inner4(in, 0, 40000, 3);

	(void)state;
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n, 1);
	memset(f.b + f.len, 0xee, 6);
	f.len = (uint16_t)(f.len + 6);
	expect_inner(&e, in, n);
	memset(e.b + e.len, 0xee, 6);
	e.len = (uint16_t)(e.len + 6);
	check(&f, XDP_PASS, &e, SL_DECAP_C_IPIP);
}

/* Outer IPv4 with options (IHL 6): the whole header is stripped. */
static void test_ip_options(void **state)
{
	struct pkt f, e;
	uint8_t in[256];
	uint16_t n = inner4(in, 0, 40000, 9);

	(void)state;
	for (int gue = 0; gue < 2; gue++) {
		encap(&f, gue ? SL_ENCAP_GUE : SL_ENCAP_IPIP, SL_AF_INET, 6080, in, n, 1);
		memmove(f.b + ETH_HLEN + 24, f.b + ETH_HLEN + 20, f.len - ETH_HLEN - 20u);
		memset(f.b + ETH_HLEN + 20, 1, 4); /* four NOPs */
		f.len = (uint16_t)(f.len + 4);
		f.b[ETH_HLEN] = 0x46;
		put16(f.b + ETH_HLEN + 2, (uint16_t)(f.len - ETH_HLEN));
		ip4_fix_csum(f.b + ETH_HLEN);
		expect_inner(&e, in, n);
		check(&f, XDP_PASS, &e, gue ? SL_DECAP_C_GUE4 : SL_DECAP_C_IPIP);
	}
}

/* ---- tests: broken tunnel packets are dropped and counted ---- */

static void test_malformed(void **state)
{
	struct pkt f;
	uint8_t in[256], *o = f.b + ETH_HLEN;
	uint16_t n4, n6;

	(void)state;
	/* Inner version not what the tunnel type says. */
	n6 = inner6(in, 0, 40000, 10);
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n6, 1);
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	encap(&f, SL_ENCAP_IP4IP6, SL_AF_INET6, 0, in, n6, 1);
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	n4 = inner4(in, 0, 40000, 10);
	encap(&f, SL_ENCAP_IP6IP6, SL_AF_INET6, 0, in, n4, 1);
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);

	/* GUE variant 0 (first two bits 00: a GUE header), and version 5. */
	encap(&f, SL_ENCAP_GUE, SL_AF_INET, 6080, in, n4, 1);
	o[28] = 0x00;
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	o[28] = 0x55;
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	/* Variant 0 again, where the bytes an IPv6 header would read as its
	 * payload length (the inner IPv4 ID here) fit in what the tunnel
	 * carries: still not an inner packet. */
	encap(&f, SL_ENCAP_GUE, SL_AF_INET, 6080, in, inner4(in, 0, 40000, 100), 1);
	o[28] = 0x00;
	o[32] = 0x00;
	o[33] = 0x00;
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);

	/* Truncated: the frame ends before the outer IPv4 / IPv6 length. */
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n4, 1);
	f.len--;
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	encap(&f, SL_ENCAP_IP6IP6, SL_AF_INET6, 0, in, inner6(in, 0, 40000, 10), 1);
	f.len--;
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	/* ... and just the outer headers, nothing inside. */
	encap(&f, SL_ENCAP_GUE, SL_AF_INET6, 6080, in, n6, 1);
	f.len = ETH_HLEN + 48;
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);

	/* Bad outer IPv4 header checksum. */
	n4 = inner4(in, 0, 40000, 10);
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n4, 1);
	o[10] ^= 0x01;
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);

	/* Outer IPv4 total length shorter than its headers. */
	encap(&f, SL_ENCAP_GUE, SL_AF_INET, 6080, in, n4, 1);
	put16(o + 2, 24);
	ip4_fix_csum(o);
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);

	/* Inner length beyond what the outer header carries. */
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n4, 1);
	put16(o + 20 + 2, (uint16_t)(n4 + 1));
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	encap(&f, SL_ENCAP_IP6IP6, SL_AF_INET6, 0, in, n6, 1);
	put16(o + 40 + 4, (uint16_t)(n6 - 40 + 1));
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	/* Inner IPv4 IHL below 5, inner shorter than its own header. */
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n4, 1);
	o[20] = 0x44;
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, 12, 1);
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);

	/* UDP length beyond the IP payload, and below 8. */
	encap(&f, SL_ENCAP_GUE, SL_AF_INET, 6080, in, n4, 1);
	put16(o + 20 + 4, (uint16_t)(8 + n4 + 1));
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	put16(o + 20 + 4, 7);
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	/* UDP length leaving the inner packet cut short. */
	put16(o + 20 + 4, (uint16_t)(8 + n4 - 1));
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	encap(&f, SL_ENCAP_GUE, SL_AF_INET6, 6080, in, n4, 1);
	put16(o + 40 + 4, (uint16_t)(8 + n4 + 1));
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);

	/* Outer IPv6 payload length 0 (a jumbogram) and beyond the frame. */
	encap(&f, SL_ENCAP_IP4IP6, SL_AF_INET6, 0, in, n4, 1);
	put16(o + 4, 0);
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
	put16(o + 4, (uint16_t)(n4 + 1));
	check(&f, XDP_DROP, NULL, SL_DECAP_C_MALFORMED);
}

/* Outer IPv4 fragments are passed as they are and counted. */
static void test_fragment(void **state)
{
	struct pkt f;
	uint8_t in[256], *o = f.b + ETH_HLEN;
	uint16_t n = inner4(in, 0, 40000, 10);

	(void)state;
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n, 1);
	put16(o + 6, 0x2000); /* MF, offset 0 */
	ip4_fix_csum(o);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_FRAG);
	put16(o + 6, 0x0010); /* last fragment, offset 128 */
	ip4_fix_csum(o);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_FRAG);
	/* GUE: the first fragment has the UDP header; a later one does not,
	 * so it cannot be told from other UDP and is simply passed. */
	encap(&f, SL_ENCAP_GUE, SL_AF_INET, 6080, in, n, 1);
	put16(o + 6, 0x2000);
	ip4_fix_csum(o);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_FRAG);
	put16(o + 6, 0x0010);
	ip4_fix_csum(o);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);
}

/* With destinations given, only tunnels to them are stripped. */
static void test_dst_filter(void **state)
{
	struct pkt f, e;
	uint8_t in[256], one = 1;
	uint16_t n4 = inner4(in, 0, 40000, 10);
	uint32_t a4;
	struct sl_decap_in6 a6;

	(void)state;
	memcpy(&a4, be4, 4);
	memcpy(a6.a, be6, 16);
	assert_int_equal(bpf_map_update_elem(dst4_fd, &a4, &one, BPF_ANY), 0);
	assert_int_equal(bpf_map_update_elem(dst6_fd, &a6, &one, BPF_ANY), 0);
	set_dst_filter(true);

	expect_inner(&e, in, n4);
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n4, 1);
	check(&f, XDP_PASS, &e, SL_DECAP_C_IPIP);
	encap(&f, SL_ENCAP_GUE, SL_AF_INET6, 6080, in, n4, 1);
	check(&f, XDP_PASS, &e, SL_DECAP_C_GUE6);

	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n4, 1);
	memcpy(f.b + ETH_HLEN + 16, be4_other, 4);
	ip4_fix_csum(f.b + ETH_HLEN);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_OTHER_DST);
	encap(&f, SL_ENCAP_GUE, SL_AF_INET, 6080, in, n4, 1);
	memcpy(f.b + ETH_HLEN + 16, be4_other, 4);
	ip4_fix_csum(f.b + ETH_HLEN);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_OTHER_DST);
	encap(&f, SL_ENCAP_IP4IP6, SL_AF_INET6, 0, in, n4, 1);
	memcpy(f.b + ETH_HLEN + 24, be6_other, 16);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_OTHER_DST);
	/* Not a tunnel at all: still just "passed". */
	expect_inner(&f, in, n4);
	check(&f, XDP_PASS, NULL, SL_DECAP_C_PASS);

	set_dst_filter(false);
	encap(&f, SL_ENCAP_IP4IP6, SL_AF_INET6, 0, in, n4, 1);
	memcpy(f.b + ETH_HLEN + 24, be6_other, 16);
	check(&f, XDP_PASS, &e, SL_DECAP_C_IP4IP6);
	assert_int_equal(bpf_map_delete_elem(dst4_fd, &a4), 0);
	assert_int_equal(bpf_map_delete_elem(dst6_fd, &a6), 0);
}

/* RFC 6040: outer CE reaches an ECT inner packet; over not-ECT it drops. */
static void test_ecn(void **state)
{
	struct pkt f, e;
	uint8_t in[256], exp_in[256], *o = f.b + ETH_HLEN;
	uint16_t n;

	(void)state;
	/* IPIP, inner ECT(0) (sluice copies it out); a router marks CE. */
	n = inner4(in, 0xb8 | 0x2, 40000, 10);
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n, 1);
	assert_int_equal(o[1], 0xba);
	o[1] |= 0x3;
	ip4_fix_csum(o);
	inner4(exp_in, 0xb8 | 0x3, 40000, 10);
	expect_inner(&e, exp_in, n);
	check(&f, XDP_PASS, &e, SL_DECAP_C_IPIP);
	/* Same over IPv6 (GUE), inner IPv4 ECT(1). */
	n = inner4(in, 0x1, 40000, 10);
	encap(&f, SL_ENCAP_GUE, SL_AF_INET6, 6080, in, n, 1);
	o[1] |= 0x30;
	inner4(exp_in, 0x3, 40000, 10);
	expect_inner(&e, exp_in, n);
	check(&f, XDP_PASS, &e, SL_DECAP_C_GUE6);
	/* IP6IP6, inner ECT(0). */
	n = inner6(in, 0x2, 40000, 10);
	encap(&f, SL_ENCAP_IP6IP6, SL_AF_INET6, 0, in, n, 1);
	o[1] |= 0x30;
	inner6(exp_in, 0x3, 40000, 10);
	expect_inner(&e, exp_in, n);
	check(&f, XDP_PASS, &e, SL_DECAP_C_IP6IP6);
	/* Inner already CE: unchanged. */
	n = inner4(in, 0x3, 40000, 10);
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n, 1);
	expect_inner(&e, in, n);
	check(&f, XDP_PASS, &e, SL_DECAP_C_IPIP);
	/* Outer ECT, inner not-ECT: stripped, nothing set. */
	n = inner4(in, 0, 40000, 10);
	encap(&f, SL_ENCAP_IPIP, SL_AF_INET, 0, in, n, 1);
	o[1] = 0x2;
	ip4_fix_csum(o);
	expect_inner(&e, in, n);
	check(&f, XDP_PASS, &e, SL_DECAP_C_IPIP);
	/* Outer CE over not-ECT: dropped. */
	o[1] = 0x3;
	ip4_fix_csum(o);
	check(&f, XDP_DROP, NULL, SL_DECAP_C_ECN_DROP);
	n = inner6(in, 0, 40000, 10);
	encap(&f, SL_ENCAP_IP6IP6, SL_AF_INET6, 0, in, n, 1);
	o[1] |= 0x30;
	check(&f, XDP_DROP, NULL, SL_DECAP_C_ECN_DROP);
}

/* ---- setup ---- */

static int map_fd(const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -1;
}

static int load(void)
{
	static const uint16_t def_port = 6080;
	struct bpf_program *prog;

	obj = bpf_object__open_file(obj_path, NULL);
	if (!obj) {
		fprintf(stderr, "test_decap: cannot open %s\n", obj_path);
		return -1;
	}
	prog = bpf_object__find_program_by_name(obj, SL_DECAP_PROG_NAME);
	if (!prog || bpf_object__load(obj) != 0) {
		fprintf(stderr, "test_decap: cannot load %s\n", obj_path);
		return -1;
	}
	prog_fd = bpf_program__fd(prog);
	stats_fd = map_fd(SL_DECAP_MAP_STATS);
	gue_fd = map_fd(SL_DECAP_MAP_GUE);
	conf_fd = map_fd(SL_DECAP_MAP_CONF);
	dst4_fd = map_fd(SL_DECAP_MAP_DST4);
	dst6_fd = map_fd(SL_DECAP_MAP_DST6);
	ncpu = libbpf_num_possible_cpus();
	if (stats_fd < 0 || gue_fd < 0 || conf_fd < 0 || dst4_fd < 0 || dst6_fd < 0 || ncpu <= 0)
		return -1;
	/* As the loader does by default. */
	{
		uint16_t key = htons(def_port);
		uint8_t one = 1;

		if (bpf_map_update_elem(gue_fd, &key, &one, BPF_ANY) != 0)
			return -1;
	}
	return 0;
}

static void addrs(void)
{
	inet_pton(AF_INET, "10.99.0.2", lb4);
	inet_pton(AF_INET, "10.99.1.2", be4);
	inet_pton(AF_INET, "10.99.1.3", be4_other);
	inet_pton(AF_INET, "10.99.200.1", cli4);
	inet_pton(AF_INET, "10.99.100.1", vip4);
	inet_pton(AF_INET6, "fd00:99::2", lb6);
	inet_pton(AF_INET6, "fd00:99::1:2", be6);
	inet_pton(AF_INET6, "fd00:99::1:3", be6_other);
	inet_pton(AF_INET6, "fd00:99::c:1", cli6);
	inet_pton(AF_INET6, "fd00:99::64:1", vip6);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_ipip),       cmocka_unit_test(test_ip6ip6),
	    cmocka_unit_test(test_ip4ip6),     cmocka_unit_test(test_gue),
	    cmocka_unit_test(test_gue_ports),  cmocka_unit_test(test_not_tunnel),
	    cmocka_unit_test(test_vlan),       cmocka_unit_test(test_trailer),
	    cmocka_unit_test(test_ip_options), cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_fragment),   cmocka_unit_test(test_dst_filter),
	    cmocka_unit_test(test_ecn),
	};
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: test_decap PATH/sluice_decap.o\n");
		return 2;
	}
	if (geteuid() != 0) {
		printf("SKIP: test_decap needs root (BPF_PROG_TEST_RUN)\n");
		return 77;
	}
	obj_path = argv[1];
	addrs();
	if (load() != 0)
		return 1;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	bpf_object__close(obj);
	return rc;
}
