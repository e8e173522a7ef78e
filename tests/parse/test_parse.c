/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Unit tests of sl_parse().  Every packet is built here byte by byte (no
 * pcap files, no DPDK helpers that could share a bug with the parser) and
 * every meta field is checked.  Each "variant" below is also parsed at every
 * prefix length, from a heap block of exactly that many bytes so that
 * AddressSanitizer flags any read past the end.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <netinet/in.h>

#include "sl_parse.h"

/* ---- packet builder ---------------------------------------------------- */

struct pkt {
	uint8_t b[1024];
	uint32_t len;
	/* Shortest prefix that parses to the same verdict and meta as the
	 * whole frame: the end of the IP datagram, or of the L2 header for a
	 * frame that is not IP.  Every shorter prefix is SL_V_TRUNCATED. */
	uint32_t ok_from;
	/* End of the last header the parser must read (TCP/UDP header, or the
	 * first 8 bytes of a quoted one); set by the builders below. */
	uint32_t hdr_end;
};

static const uint8_t client4[4] = {192, 0, 2, 1};
static const uint8_t vip4[4] = {198, 51, 100, 10};
static const uint8_t router4[4] = {203, 0, 113, 254};
static const uint8_t client6[16] = {0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1};
static const uint8_t vip6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xff, 0xff, 0, 0,
				 0,    0,    0,	   0,	 0,    0,    0, 0x10};
static const uint8_t router6[16] = {0x20, 0x01, 0x0d, 0xb8, 0xee, 0, 0, 0,
				    0,	  0,	0,    0,    0,	  0, 0, 0xfe};

static void put(struct pkt *p, const void *d, uint32_t n)
{
	assert_true(p->len + n <= sizeof(p->b));
	memcpy(p->b + p->len, d, n);
	p->len += n;
}

static void put8(struct pkt *p, uint8_t v)
{
	put(p, &v, 1);
}

static void put16(struct pkt *p, uint16_t v)
{
	put8(p, v >> 8);
	put8(p, v & 0xff);
}

static void put32(struct pkt *p, uint32_t v)
{
	put16(p, v >> 16);
	put16(p, v & 0xffff);
}

static void set16(struct pkt *p, uint32_t off, uint16_t v)
{
	p->b[off] = v >> 8;
	p->b[off + 1] = v & 0xff;
}

/* Bytes that are not headers: a pattern, so a parser that mistakes payload
 * for a header reads something recognisably wrong rather than zeros. */
static void fill(struct pkt *p, uint32_t n)
{
	for (uint32_t i = 0; i < n; i++)
		put8(p, 0xc0 | (i & 0x3f));
}

static void eth(struct pkt *p, uint16_t ethertype)
{
	static const uint8_t macs[12] = {2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2};

	put(p, macs, sizeof(macs));
	put16(p, ethertype);
}

/* The 4 bytes after an 0x8100/0x88a8 TPID: TCI and the next ethertype. */
static void vlan(struct pkt *p, uint16_t tci, uint16_t ethertype)
{
	put16(p, tci);
	put16(p, ethertype);
}

#define DF 0x4000
#define MF 0x2000

/* IPv4 header with opt_words 32-bit words of options (NOPs ending in EOL);
 * total length is set by ip4_done().  Returns the header's offset. */
static uint32_t ip4(struct pkt *p, uint8_t proto, unsigned opt_words, uint16_t frag,
		    const uint8_t *src, const uint8_t *dst)
{
	uint32_t off = p->len;

	put8(p, 0x45 + opt_words);
	put8(p, 0);
	put16(p, 0); /* total length */
	put16(p, 0x1234);
	put16(p, frag);
	put8(p, 64);
	put8(p, proto);
	put16(p, 0);
	put(p, src, 4);
	put(p, dst, 4);
	for (unsigned i = 0; i < opt_words * 4; i++)
		put8(p, i + 1 == opt_words * 4 ? 0 : 1);
	return off;
}

static void ip4_done(struct pkt *p, uint32_t l3)
{
	set16(p, l3 + 2, p->len - l3);
	p->ok_from = p->len;
}

static uint32_t ip6(struct pkt *p, uint8_t nh, const uint8_t *src, const uint8_t *dst)
{
	uint32_t off = p->len;

	put32(p, 0x60012345); /* version 6, traffic class 0, a flow label */
	put16(p, 0);	      /* payload length */
	put8(p, nh);
	put8(p, 64);
	put(p, src, 16);
	put(p, dst, 16);
	return off;
}

static void ip6_done(struct pkt *p, uint32_t l3)
{
	set16(p, l3 + 4, p->len - l3 - 40);
	p->ok_from = p->len;
}

/* Hop-by-hop / routing / destination options (len in 8-byte units minus one)
 * or AH (4-byte units minus two) of hlen bytes, body padded with PadN. */
static void ext6(struct pkt *p, uint8_t type, uint8_t nh, unsigned hlen)
{
	put8(p, nh);
	put8(p, type == IPPROTO_AH ? hlen / 4 - 2 : hlen / 8 - 1);
	if (type == IPPROTO_AH) {
		put16(p, 0);
		fill(p, hlen - 4);
		return;
	}
	put8(p, 1); /* PadN */
	put8(p, hlen - 4);
	for (unsigned i = 4; i < hlen; i++)
		put8(p, 0);
}

static void frag6(struct pkt *p, uint8_t nh, uint16_t offset8, int more)
{
	put8(p, nh);
	put8(p, 0);
	put16(p, (uint16_t)(offset8 << 3) | (more ? 1 : 0));
	put32(p, 0xabcdef01);
}

static void tcp(struct pkt *p, uint16_t sport, uint16_t dport, uint8_t flags, unsigned doff)
{
	put16(p, sport);
	put16(p, dport);
	put32(p, 1000);
	put32(p, 2000);
	put8(p, doff << 4);
	put8(p, flags);
	put16(p, 65535);
	put16(p, 0);
	put16(p, 0);
	for (unsigned i = 20; i < doff * 4; i++)
		put8(p, 1); /* NOP options */
	p->hdr_end = p->len;
}

static void udp(struct pkt *p, uint16_t sport, uint16_t dport, uint16_t ulen)
{
	put16(p, sport);
	put16(p, dport);
	put16(p, ulen);
	put16(p, 0);
	p->hdr_end = p->len;
}

static void icmp(struct pkt *p, uint8_t type, uint8_t code, uint32_t rest)
{
	put8(p, type);
	put8(p, code);
	put16(p, 0);
	put32(p, rest);
}

/* The start of a packet the backend sent VIP:vport -> client:cport, as an
 * ICMP error quotes it: IP header (with its original, larger total length)
 * then quote_l4 bytes of TCP or UDP. */
static void quote4(struct pkt *p, uint8_t proto, unsigned opt_words, uint16_t frag,
		   unsigned quote_l4)
{
	struct pkt in = {0};
	uint32_t l3 = ip4(&in, proto, opt_words, frag, vip4, client4);

	if (proto == IPPROTO_TCP)
		tcp(&in, 443, 40000, 0x18, 5);
	else
		udp(&in, 443, 40000, 1480);
	fill(&in, 64);
	set16(&in, l3 + 2, 1500);
	put(p, in.b, (opt_words + 5) * 4 + quote_l4);
	p->hdr_end = p->len - quote_l4 + 8;
}

/* ---- expectations ------------------------------------------------------ */

static void want_l3_4(struct sl_pkt_meta *w, const uint8_t *src, const uint8_t *dst, uint8_t proto)
{
	memcpy(w->key.src, src, 4);
	memcpy(w->key.dst, dst, 4);
	w->key.family = SL_AF_INET;
	w->key.proto = proto;
	w->l4_proto = proto;
}

static void want_l3_6(struct sl_pkt_meta *w, const uint8_t *src, const uint8_t *dst, uint8_t proto)
{
	memcpy(w->key.src, src, 16);
	memcpy(w->key.dst, dst, 16);
	w->key.family = SL_AF_INET6;
	w->key.proto = proto;
	w->l4_proto = proto;
}

static void want_ports(struct sl_pkt_meta *w, uint16_t sport, uint16_t dport)
{
	w->key.sport = htons(sport);
	w->key.dport = htons(dport);
}

static void check_meta(const struct sl_pkt_meta *g, const struct sl_pkt_meta *w)
{
	assert_memory_equal(g->key.src, w->key.src, 16);
	assert_memory_equal(g->key.dst, w->key.dst, 16);
	assert_int_equal(ntohs(g->key.sport), ntohs(w->key.sport));
	assert_int_equal(ntohs(g->key.dport), ntohs(w->key.dport));
	assert_int_equal(g->key.proto, w->key.proto);
	assert_int_equal(g->key.family, w->key.family);
	assert_int_equal(g->key.pad[0], 0);
	assert_int_equal(g->key.pad[1], 0);
	assert_int_equal(g->l3_off, w->l3_off);
	assert_int_equal(g->l3_len, w->l3_len);
	assert_int_equal(g->ip_len, w->ip_len);
	assert_int_equal(g->vlan_tci, w->vlan_tci);
	assert_int_equal(g->l4_off, w->l4_off);
	assert_int_equal(g->l4_proto, w->l4_proto);
	assert_int_equal(g->tcp_flags, w->tcp_flags);
	assert_int_equal(g->flags, w->flags);
	assert_int_equal(g->icmp_type, w->icmp_type);
	assert_int_equal(g->pad, 0);
	/* The fields above are all of it: no byte of the meta left over. */
	assert_memory_equal(g, w, sizeof(*g));
}

/* Parses n bytes of b from a heap block of exactly n bytes, into a meta that
 * starts out as garbage (the parser must initialise all of it). */
static enum sl_verdict parse_exact(const uint8_t *b, uint32_t n, struct sl_pkt_meta *m)
{
	uint8_t *copy = malloc(n);
	enum sl_verdict v;

	assert_true(copy != NULL || n == 0);
	if (n)
		memcpy(copy, b, n);
	memset(m, 0xa5, sizeof(*m));
	v = sl_parse(copy, n, m);
	free(copy);
	return v;
}

/* ---- variants: a frame, its verdict and its whole expected meta --------- */

struct variant {
	const char *name;
	enum sl_verdict verdict;
	void (*build)(struct pkt *p, struct sl_pkt_meta *w);
};

static void v4_tcp(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x0800);
	l3 = ip4(p, IPPROTO_TCP, 0, DF, client4, vip4);
	tcp(p, 40000, 443, 0x02, 5);
	fill(p, 10);
	ip4_done(p, l3);
	want_l3_4(w, client4, vip4, IPPROTO_TCP);
	want_ports(w, 40000, 443);
	w->l3_off = 14;
	w->l3_len = 20;
	w->ip_len = 50;
	w->l4_off = 34;
	w->tcp_flags = 0x02;
	w->flags = SL_PKT_DF;
}

static void v4_vlan_tcp_opts(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x8100);
	vlan(p, 0x2064, 0x0800);
	l3 = ip4(p, IPPROTO_TCP, 0, 0, client4, vip4);
	tcp(p, 40001, 80, 0x18, 8);
	fill(p, 3);
	ip4_done(p, l3);
	want_l3_4(w, client4, vip4, IPPROTO_TCP);
	want_ports(w, 40001, 80);
	w->l3_off = 18;
	w->l3_len = 20;
	w->ip_len = 20 + 32 + 3;
	w->vlan_tci = 0x2064;
	w->l4_off = 38;
	w->tcp_flags = 0x18;
	w->flags = SL_PKT_VLAN;
}

static void v4_ipopts_udp(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x0800);
	l3 = ip4(p, IPPROTO_UDP, 10, 0, client4, vip4); /* IHL 15 */
	udp(p, 5353, 53, 8 + 7);
	fill(p, 7);
	ip4_done(p, l3);
	want_l3_4(w, client4, vip4, IPPROTO_UDP);
	want_ports(w, 5353, 53);
	w->l3_off = 14;
	w->l3_len = 60;
	w->ip_len = 60 + 15;
	w->l4_off = 74;
}

static void v4_vlan_ipopt1_tcp(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x8100);
	vlan(p, 0x0fff, 0x0800);
	l3 = ip4(p, IPPROTO_TCP, 1, DF, client4, vip4); /* IHL 6 */
	tcp(p, 1, 65535, 0x11, 5);
	ip4_done(p, l3);
	want_l3_4(w, client4, vip4, IPPROTO_TCP);
	want_ports(w, 1, 65535);
	w->l3_off = 18;
	w->l3_len = 24;
	w->ip_len = 44;
	w->vlan_tci = 0x0fff;
	w->l4_off = 42;
	w->tcp_flags = 0x11;
	w->flags = SL_PKT_VLAN | SL_PKT_DF;
}

/* Minimum-size Ethernet frame: 42 bytes of packet, 18 of padding after the
 * IP datagram, which the parser must neither need nor count. */
static void v4_udp_padded(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x0800);
	l3 = ip4(p, IPPROTO_UDP, 0, 0, client4, vip4);
	udp(p, 1234, 4789, 8);
	ip4_done(p, l3);
	for (int i = 0; i < 18; i++)
		put8(p, 0);
	want_l3_4(w, client4, vip4, IPPROTO_UDP);
	want_ports(w, 1234, 4789);
	w->l3_off = 14;
	w->l3_len = 20;
	w->ip_len = 28;
	w->l4_off = 34;
}

static void v6_tcp(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x86dd);
	l3 = ip6(p, IPPROTO_TCP, client6, vip6);
	tcp(p, 50000, 443, 0x10, 5);
	fill(p, 20);
	ip6_done(p, l3);
	want_l3_6(w, client6, vip6, IPPROTO_TCP);
	want_ports(w, 50000, 443);
	w->l3_off = 14;
	w->l3_len = 40;
	w->ip_len = 80;
	w->l4_off = 54;
	w->tcp_flags = 0x10;
	w->flags = SL_PKT_DF;
}

static void v6_vlan_udp(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x8100);
	vlan(p, 0xe001, 0x86dd);
	l3 = ip6(p, IPPROTO_UDP, client6, vip6);
	udp(p, 443, 443, 8 + 100);
	fill(p, 100);
	ip6_done(p, l3);
	want_l3_6(w, client6, vip6, IPPROTO_UDP);
	want_ports(w, 443, 443);
	w->l3_off = 18;
	w->l3_len = 40;
	w->ip_len = 148;
	w->vlan_tci = 0xe001;
	w->l4_off = 58;
	w->flags = SL_PKT_DF | SL_PKT_VLAN;
}

/* IPv6 with one skipped extension header of type `type` and length hlen. */
static void v6_ext(struct pkt *p, struct sl_pkt_meta *w, uint8_t type, unsigned hlen, uint8_t l4)
{
	uint32_t l3;

	eth(p, 0x86dd);
	l3 = ip6(p, type, client6, vip6);
	ext6(p, type, l4, hlen);
	if (l4 == IPPROTO_TCP)
		tcp(p, 50001, 8443, 0x04, 6);
	else
		udp(p, 50001, 8443, 12);
	fill(p, 4);
	ip6_done(p, l3);
	want_l3_6(w, client6, vip6, l4);
	want_ports(w, 50001, 8443);
	w->l3_off = 14;
	w->l3_len = 40 + hlen;
	w->ip_len = p->len - 14;
	w->l4_off = 54 + hlen;
	w->tcp_flags = l4 == IPPROTO_TCP ? 0x04 : 0;
	w->flags = SL_PKT_DF;
}

static void v6_hop_udp(struct pkt *p, struct sl_pkt_meta *w)
{
	v6_ext(p, w, IPPROTO_HOPOPTS, 8, IPPROTO_UDP);
}

static void v6_routing_tcp(struct pkt *p, struct sl_pkt_meta *w)
{
	v6_ext(p, w, IPPROTO_ROUTING, 24, IPPROTO_TCP);
}

static void v6_dstopts_tcp(struct pkt *p, struct sl_pkt_meta *w)
{
	v6_ext(p, w, IPPROTO_DSTOPTS, 16, IPPROTO_TCP);
}

static void v6_ah_udp(struct pkt *p, struct sl_pkt_meta *w)
{
	v6_ext(p, w, IPPROTO_AH, 24, IPPROTO_UDP);
}

/* Eight extension headers: the most the parser skips. */
static void v6_chain8_udp(struct pkt *p, struct sl_pkt_meta *w)
{
	static const uint8_t chain[8] = {IPPROTO_HOPOPTS,  IPPROTO_DSTOPTS, IPPROTO_ROUTING,
					 IPPROTO_FRAGMENT, IPPROTO_AH,	    IPPROTO_DSTOPTS,
					 IPPROTO_DSTOPTS,  IPPROTO_DSTOPTS};
	uint32_t l3;

	eth(p, 0x86dd);
	l3 = ip6(p, chain[0], client6, vip6);
	for (int i = 0; i < 8; i++) {
		uint8_t nh = i == 7 ? IPPROTO_UDP : chain[i + 1];

		if (chain[i] == IPPROTO_FRAGMENT)
			frag6(p, nh, 0, 0); /* atomic: a whole packet */
		else
			ext6(p, chain[i], nh, chain[i] == IPPROTO_AH ? 16 : 8);
	}
	udp(p, 7, 9, 8);
	ip6_done(p, l3);
	want_l3_6(w, client6, vip6, IPPROTO_UDP);
	want_ports(w, 7, 9);
	w->l3_off = 14;
	w->l3_len = 40 + 7 * 8 + 16;
	w->ip_len = w->l3_len + 8;
	w->l4_off = 14 + w->l3_len;
	w->flags = SL_PKT_DF;
}

/* RFC 6946: offset 0 and M clear is not a fragment; the ports are there. */
static void v6_atomic_frag_tcp(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x86dd);
	l3 = ip6(p, IPPROTO_FRAGMENT, client6, vip6);
	frag6(p, IPPROTO_TCP, 0, 0);
	tcp(p, 33333, 443, 0x02, 5);
	ip6_done(p, l3);
	want_l3_6(w, client6, vip6, IPPROTO_TCP);
	want_ports(w, 33333, 443);
	w->l3_off = 14;
	w->l3_len = 48;
	w->ip_len = 68;
	w->l4_off = 62;
	w->tcp_flags = 0x02;
	w->flags = SL_PKT_DF;
}

/* Fragments: SL_V_OK, SL_PKT_FRAG, ports and tcp_flags zero even where the
 * first fragment carries them. */
static void v4_frag_first_tcp(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x0800);
	l3 = ip4(p, IPPROTO_TCP, 0, MF, client4, vip4);
	tcp(p, 40000, 443, 0x18, 5);
	fill(p, 36);
	ip4_done(p, l3);
	want_l3_4(w, client4, vip4, IPPROTO_TCP);
	w->l3_off = 14;
	w->l3_len = 20;
	w->ip_len = 76;
	w->l4_off = 34;
	w->flags = SL_PKT_FRAG;
}

static void v4_frag_last_udp(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x8100);
	vlan(p, 7, 0x0800);
	l3 = ip4(p, IPPROTO_UDP, 0, 185, client4, vip4);
	fill(p, 3);
	ip4_done(p, l3);
	want_l3_4(w, client4, vip4, IPPROTO_UDP);
	w->l3_off = 18;
	w->l3_len = 20;
	w->ip_len = 23;
	w->vlan_tci = 7;
	w->l4_off = 38;
	w->flags = SL_PKT_FRAG | SL_PKT_VLAN;
}

/* DF together with a fragment offset: both flags reported. */
static void v4_frag_df_mid(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x0800);
	l3 = ip4(p, IPPROTO_TCP, 2, DF | MF | 1, client4, vip4);
	fill(p, 8);
	ip4_done(p, l3);
	want_l3_4(w, client4, vip4, IPPROTO_TCP);
	w->l3_off = 14;
	w->l3_len = 28;
	w->ip_len = 36;
	w->l4_off = 42;
	w->flags = SL_PKT_FRAG | SL_PKT_DF;
}

static void v6_frag_first_tcp(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x86dd);
	l3 = ip6(p, IPPROTO_FRAGMENT, client6, vip6);
	frag6(p, IPPROTO_TCP, 0, 1);
	tcp(p, 33333, 443, 0x10, 5);
	fill(p, 16);
	ip6_done(p, l3);
	want_l3_6(w, client6, vip6, IPPROTO_TCP);
	w->l3_off = 14;
	w->l3_len = 48;
	w->ip_len = 84;
	w->l4_off = 62;
	w->flags = SL_PKT_DF | SL_PKT_FRAG;
}

/* A non-first fragment after a hop-by-hop header: what follows the fragment
 * header is payload (here bytes that look like an extension header), never
 * parsed. */
static void v6_frag_later_udp(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x86dd);
	l3 = ip6(p, IPPROTO_HOPOPTS, client6, vip6);
	ext6(p, IPPROTO_HOPOPTS, IPPROTO_FRAGMENT, 8);
	frag6(p, IPPROTO_UDP, 100, 0);
	put8(p, IPPROTO_DSTOPTS);
	put8(p, 200);
	fill(p, 6);
	ip6_done(p, l3);
	want_l3_6(w, client6, vip6, IPPROTO_UDP);
	w->l3_off = 14;
	w->l3_len = 56;
	w->ip_len = 64;
	w->l4_off = 70;
	w->flags = SL_PKT_DF | SL_PKT_FRAG;
}

/* ICMP errors: the router (outer source) tells the VIP that the backend's
 * packet VIP:443 -> client:40000 did not fit.  The key must read
 * client:40000 -> VIP:443, like the flow's own packets. */
static void want_icmp_err4(struct sl_pkt_meta *w, uint8_t inner_proto)
{
	memcpy(w->key.src, client4, 4);
	memcpy(w->key.dst, vip4, 4);
	w->key.family = SL_AF_INET;
	w->key.proto = inner_proto;
	want_ports(w, 40000, 443);
	w->l4_proto = IPPROTO_ICMP;
	w->icmp_type = 3;
	w->flags = SL_PKT_ICMP_ERR;
}

static void icmp4_fragneeded_tcp(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x0800);
	l3 = ip4(p, IPPROTO_ICMP, 0, 0, router4, vip4);
	icmp(p, 3, 4, 1400);
	quote4(p, IPPROTO_TCP, 0, DF, 20);
	ip4_done(p, l3);
	want_icmp_err4(w, IPPROTO_TCP);
	w->l3_off = 14;
	w->l3_len = 20;
	w->ip_len = 20 + 8 + 20 + 20;
	w->l4_off = 34;
}

/* The RFC 792 minimum quote (IP header + 8 bytes), with IP options inside,
 * behind a VLAN tag, with DF on the outer header. */
static void icmp4_fragneeded_udp_min(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x8100);
	vlan(p, 42, 0x0800);
	l3 = ip4(p, IPPROTO_ICMP, 0, DF, router4, vip4);
	icmp(p, 3, 4, 1400);
	quote4(p, IPPROTO_UDP, 3, DF, 8);
	ip4_done(p, l3);
	want_icmp_err4(w, IPPROTO_UDP);
	w->l3_off = 18;
	w->l3_len = 20;
	w->ip_len = 20 + 8 + 32 + 8;
	w->vlan_tci = 42;
	w->l4_off = 38;
	w->flags |= SL_PKT_VLAN | SL_PKT_DF;
}

/* A quoted first fragment still has its ports. */
static void icmp4_fragneeded_first_frag(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x0800);
	l3 = ip4(p, IPPROTO_ICMP, 0, 0, router4, vip4);
	icmp(p, 3, 4, 576);
	quote4(p, IPPROTO_UDP, 0, MF, 8);
	ip4_done(p, l3);
	want_icmp_err4(w, IPPROTO_UDP);
	w->l3_off = 14;
	w->l3_len = 20;
	w->ip_len = 56;
	w->l4_off = 34;
}

/* ICMPv6 packet too big quoting VIP -> client, optionally with extension
 * headers in the quoted packet. */
static void icmp6_ptb(struct pkt *p, struct sl_pkt_meta *w, uint8_t proto, int dstopts,
		      unsigned quote_l4)
{
	struct pkt in = {0};
	uint32_t l3, il3, ihlen = 40 + (dstopts ? 16 : 0);

	il3 = ip6(&in, dstopts ? IPPROTO_DSTOPTS : proto, vip6, client6);
	if (dstopts)
		ext6(&in, IPPROTO_DSTOPTS, proto, 16);
	if (proto == IPPROTO_TCP)
		tcp(&in, 443, 40000, 0x18, 5);
	else
		udp(&in, 443, 40000, 1400);
	fill(&in, 64);
	set16(&in, il3 + 4, 1460);

	eth(p, 0x86dd);
	l3 = ip6(p, IPPROTO_ICMPV6, router6, vip6);
	icmp(p, 2, 0, 1280);
	put(p, in.b, ihlen + quote_l4);
	p->hdr_end = p->len - quote_l4 + 8;
	ip6_done(p, l3);

	memcpy(w->key.src, client6, 16);
	memcpy(w->key.dst, vip6, 16);
	w->key.family = SL_AF_INET6;
	w->key.proto = proto;
	want_ports(w, 40000, 443);
	w->l3_off = 14;
	w->l3_len = 40;
	w->ip_len = 40 + 8 + ihlen + quote_l4;
	w->l4_off = 54;
	w->l4_proto = IPPROTO_ICMPV6;
	w->icmp_type = 2;
	w->flags = SL_PKT_DF | SL_PKT_ICMP_ERR;
}

static void icmp6_ptb_tcp(struct pkt *p, struct sl_pkt_meta *w)
{
	icmp6_ptb(p, w, IPPROTO_TCP, 0, 40);
}

static void icmp6_ptb_udp_dstopts(struct pkt *p, struct sl_pkt_meta *w)
{
	icmp6_ptb(p, w, IPPROTO_UDP, 1, 8);
}

/* Drops.  The meta still says what the parser learned: L3 offsets, the outer
 * addresses and protocol, so a caller can hand the packet to the kernel. */
static void not_ip_arp(struct pkt *p, struct sl_pkt_meta *w)
{
	eth(p, 0x0806);
	fill(p, 28);
	p->ok_from = 14;
	w->l3_off = 14;
}

/* 802.1ad S-tag: not accepted as the one tag (see sl_parse.c). */
static void not_ip_stag(struct pkt *p, struct sl_pkt_meta *w)
{
	eth(p, 0x88a8);
	vlan(p, 100, 0x0800);
	ip4(p, IPPROTO_TCP, 0, 0, client4, vip4);
	tcp(p, 1, 2, 0x02, 5);
	p->ok_from = 14;
	w->l3_off = 14;
}

/* A second 802.1Q tag. */
static void not_ip_qinq(struct pkt *p, struct sl_pkt_meta *w)
{
	eth(p, 0x8100);
	vlan(p, 100, 0x8100);
	vlan(p, 200, 0x0800);
	ip4(p, IPPROTO_TCP, 0, 0, client4, vip4);
	tcp(p, 1, 2, 0x02, 5);
	p->ok_from = 18;
	w->l3_off = 18;
	w->vlan_tci = 100;
	w->flags = SL_PKT_VLAN;
}

static void unsup_v4_gre(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x0800);
	l3 = ip4(p, 47, 0, DF, client4, vip4);
	fill(p, 24);
	ip4_done(p, l3);
	want_l3_4(w, client4, vip4, 47);
	w->l3_off = 14;
	w->l3_len = 20;
	w->ip_len = 44;
	w->l4_off = 34;
	w->flags = SL_PKT_DF;
}

/* ICMPv6's protocol number inside IPv4 is not ICMP. */
static void unsup_v4_icmpv6(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x0800);
	l3 = ip4(p, IPPROTO_ICMPV6, 0, 0, client4, vip4);
	icmp(p, 2, 0, 1280);
	ip4_done(p, l3);
	want_l3_4(w, client4, vip4, IPPROTO_ICMPV6);
	w->l3_off = 14;
	w->l3_len = 20;
	w->ip_len = 28;
	w->l4_off = 34;
}

static void unsup_v6_icmpv4(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x86dd);
	l3 = ip6(p, IPPROTO_ICMP, client6, vip6);
	icmp(p, 3, 4, 1280);
	ip6_done(p, l3);
	want_l3_6(w, client6, vip6, IPPROTO_ICMP);
	w->l3_off = 14;
	w->l3_len = 40;
	w->ip_len = 48;
	w->l4_off = 54;
	w->flags = SL_PKT_DF;
}

/* ESP after a destination options header: encrypted, no ports to read. */
static void unsup_v6_esp(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x86dd);
	l3 = ip6(p, IPPROTO_DSTOPTS, client6, vip6);
	ext6(p, IPPROTO_DSTOPTS, IPPROTO_ESP, 8);
	fill(p, 32);
	ip6_done(p, l3);
	want_l3_6(w, client6, vip6, IPPROTO_ESP);
	w->l3_off = 14;
	w->l3_len = 48;
	w->ip_len = 80;
	w->l4_off = 62;
	w->flags = SL_PKT_DF;
}

static void unsup_v6_nonext(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x86dd);
	l3 = ip6(p, IPPROTO_NONE, client6, vip6);
	ip6_done(p, l3);
	want_l3_6(w, client6, vip6, IPPROTO_NONE);
	w->l3_off = 14;
	w->l3_len = 40;
	w->ip_len = 40;
	w->l4_off = 54;
	w->flags = SL_PKT_DF;
}

/* Other ICMP: outer addresses, protocol and type, no ports. */
static void icmp4_other(struct pkt *p, struct sl_pkt_meta *w, uint8_t type, uint8_t code)
{
	uint32_t l3;

	eth(p, 0x0800);
	l3 = ip4(p, IPPROTO_ICMP, 0, 0, client4, vip4);
	icmp(p, type, code, 0x00010002);
	/* Error-shaped body: a parser that steered every destination
	 * unreachable would find a valid quote here. */
	quote4(p, IPPROTO_UDP, 0, 0, 8);
	ip4_done(p, l3);
	want_l3_4(w, client4, vip4, IPPROTO_ICMP);
	w->l3_off = 14;
	w->l3_len = 20;
	w->ip_len = 56;
	w->l4_off = 34;
	w->icmp_type = type;
}

static void icmp4_echo(struct pkt *p, struct sl_pkt_meta *w)
{
	icmp4_other(p, w, 8, 0);
}

static void icmp4_port_unreach(struct pkt *p, struct sl_pkt_meta *w)
{
	icmp4_other(p, w, 3, 3);
}

static void icmp4_time_exceeded(struct pkt *p, struct sl_pkt_meta *w)
{
	icmp4_other(p, w, 11, 0);
}

static void icmp6_other(struct pkt *p, struct sl_pkt_meta *w, uint8_t type)
{
	uint32_t l3;

	eth(p, 0x86dd);
	l3 = ip6(p, IPPROTO_ICMPV6, client6, vip6);
	icmp(p, type, 0, 0);
	fill(p, 48);
	ip6_done(p, l3);
	want_l3_6(w, client6, vip6, IPPROTO_ICMPV6);
	w->l3_off = 14;
	w->l3_len = 40;
	w->ip_len = 96;
	w->l4_off = 54;
	w->icmp_type = type;
	w->flags = SL_PKT_DF;
}

static void icmp6_dest_unreach(struct pkt *p, struct sl_pkt_meta *w)
{
	icmp6_other(p, w, 1);
}

static void icmp6_echo(struct pkt *p, struct sl_pkt_meta *w)
{
	icmp6_other(p, w, 128);
}

static void icmp6_neigh_solicit(struct pkt *p, struct sl_pkt_meta *w)
{
	icmp6_other(p, w, 135);
}

/* A frag-needed about a non-first fragment has no ports to steer by. */
static void icmp4_fragneeded_later_frag(struct pkt *p, struct sl_pkt_meta *w)
{
	uint32_t l3;

	eth(p, 0x0800);
	l3 = ip4(p, IPPROTO_ICMP, 0, 0, router4, vip4);
	icmp(p, 3, 4, 1400);
	quote4(p, IPPROTO_UDP, 0, DF | 100, 8);
	ip4_done(p, l3);
	want_l3_4(w, router4, vip4, IPPROTO_ICMP);
	w->l3_off = 14;
	w->l3_len = 20;
	w->ip_len = 56;
	w->l4_off = 34;
	w->icmp_type = 3;
}

static void icmp6_ptb_later_frag(struct pkt *p, struct sl_pkt_meta *w)
{
	struct pkt in = {0};
	uint32_t l3;

	ip6(&in, IPPROTO_FRAGMENT, vip6, client6);
	frag6(&in, IPPROTO_UDP, 181, 1);
	udp(&in, 443, 40000, 1400);

	eth(p, 0x86dd);
	l3 = ip6(p, IPPROTO_ICMPV6, router6, vip6);
	icmp(p, 2, 0, 1280);
	put(p, in.b, in.len);
	ip6_done(p, l3);
	want_l3_6(w, router6, vip6, IPPROTO_ICMPV6);
	w->l3_off = 14;
	w->l3_len = 40;
	w->ip_len = 40 + 8 + 56;
	w->l4_off = 54;
	w->icmp_type = 2;
	w->flags = SL_PKT_DF;
}

#define OK(fn)                   \
	{                        \
#fn, SL_V_OK, fn \
	}
#define DROP(v, fn)               \
	{                         \
#fn, SL_V_##v, fn \
	}

static const struct variant variants[] = {
    OK(v4_tcp),
    OK(v4_vlan_tcp_opts),
    OK(v4_ipopts_udp),
    OK(v4_vlan_ipopt1_tcp),
    OK(v4_udp_padded),
    OK(v6_tcp),
    OK(v6_vlan_udp),
    OK(v6_hop_udp),
    OK(v6_routing_tcp),
    OK(v6_dstopts_tcp),
    OK(v6_ah_udp),
    OK(v6_chain8_udp),
    OK(v6_atomic_frag_tcp),
    OK(v4_frag_first_tcp),
    OK(v4_frag_last_udp),
    OK(v4_frag_df_mid),
    OK(v6_frag_first_tcp),
    OK(v6_frag_later_udp),
    OK(icmp4_fragneeded_tcp),
    OK(icmp4_fragneeded_udp_min),
    OK(icmp4_fragneeded_first_frag),
    OK(icmp6_ptb_tcp),
    OK(icmp6_ptb_udp_dstopts),
    DROP(NOT_IP, not_ip_arp),
    DROP(NOT_IP, not_ip_stag),
    DROP(NOT_IP, not_ip_qinq),
    DROP(UNSUPPORTED_L4, unsup_v4_gre),
    DROP(UNSUPPORTED_L4, unsup_v4_icmpv6),
    DROP(UNSUPPORTED_L4, unsup_v6_icmpv4),
    DROP(UNSUPPORTED_L4, unsup_v6_esp),
    DROP(UNSUPPORTED_L4, unsup_v6_nonext),
    DROP(ICMP_OTHER, icmp4_echo),
    DROP(ICMP_OTHER, icmp4_port_unreach),
    DROP(ICMP_OTHER, icmp4_time_exceeded),
    DROP(ICMP_OTHER, icmp6_dest_unreach),
    DROP(ICMP_OTHER, icmp6_echo),
    DROP(ICMP_OTHER, icmp6_neigh_solicit),
    DROP(ICMP_OTHER, icmp4_fragneeded_later_frag),
    DROP(ICMP_OTHER, icmp6_ptb_later_frag),
};
#define N_VARIANTS (sizeof(variants) / sizeof(variants[0]))

/* The whole frame: exact verdict and every meta field. */
static void test_variant(void **state)
{
	const struct variant *v = *state;
	struct pkt p = {0};
	struct sl_pkt_meta want = {0}, got;

	v->build(&p, &want);
	assert_int_equal(parse_exact(p.b, p.len, &got), v->verdict);
	check_meta(&got, &want);
}

/* Every prefix: SL_V_TRUNCATED while the frame ends before the IP datagram
 * (or the L2 header) does, the full result from there on. */
static void test_variant_prefixes(void **state)
{
	const struct variant *v = *state;
	struct pkt p = {0};
	struct sl_pkt_meta want = {0}, got;

	v->build(&p, &want);
	assert_true(p.ok_from >= 14 && p.ok_from <= p.len);
	for (uint32_t n = 0; n < p.len; n++) {
		enum sl_verdict r = parse_exact(p.b, n, &got);

		if (n < p.ok_from) {
			if (r != SL_V_TRUNCATED)
				fail_msg("%s: prefix %u of %u: verdict %s, want truncated", v->name,
					 n, p.len, sl_verdict_name(r));
		} else {
			assert_int_equal(r, v->verdict);
			check_meta(&got, &want);
		}
	}
}

/* Every cut by the IP length field: the frame and the datagram end at the
 * same byte, so a check against the wrong bound (frame instead of datagram,
 * or a field read before its length check) shows as a wrong verdict or an
 * ASan report.  Cut inside the headers: SL_V_TRUNCATED (SL_V_MALFORMED for an
 * IPv4 length below the header length); cut in the payload: SL_V_OK with only
 * ip_len changed.  Only for whole packets that parse OK: a shortened fragment
 * is still a fragment. */
static void test_variant_length_cuts(void **state)
{
	const struct variant *v = *state;
	struct pkt p = {0};
	struct sl_pkt_meta want = {0}, got;

	v->build(&p, &want);
	assert_int_equal(v->verdict, SL_V_OK);
	assert_int_equal(want.flags & SL_PKT_FRAG, 0);
	assert_true(p.hdr_end > want.l4_off && p.hdr_end <= p.ok_from);
	for (uint32_t n = want.l3_off + (want.key.family == SL_AF_INET ? 20 : 40); n <= p.ok_from;
	     n++) {
		struct pkt c = p;
		uint32_t dlen = n - want.l3_off;
		enum sl_verdict r, exp = SL_V_TRUNCATED;

		if (want.key.family == SL_AF_INET) {
			set16(&c, want.l3_off + 2, dlen);
			if (dlen < want.l3_len)
				exp = SL_V_MALFORMED;
		} else {
			set16(&c, want.l3_off + 4, dlen - 40);
		}
		if (n >= p.hdr_end)
			exp = SL_V_OK;
		r = parse_exact(c.b, n, &got);
		if (r != exp)
			fail_msg("%s: datagram cut at %u: verdict %s, want %s", v->name, dlen,
				 sl_verdict_name(r), sl_verdict_name(exp));
		if (r == SL_V_OK) {
			want.ip_len = dlen;
			check_meta(&got, &want);
		}
	}
}

/* ---- malformed and edge cases: exact verdicts -------------------------- */

static enum sl_verdict parse_pkt(const struct pkt *p, struct sl_pkt_meta *m)
{
	return parse_exact(p->b, p->len, m);
}

static void build_v4_tcp(struct pkt *p, uint32_t *l3, uint32_t *l4)
{
	eth(p, 0x0800);
	*l3 = ip4(p, IPPROTO_TCP, 0, 0, client4, vip4);
	*l4 = p->len;
	tcp(p, 40000, 443, 0x02, 5);
	fill(p, 8);
	ip4_done(p, *l3);
}

static void build_v6_tcp(struct pkt *p, uint32_t *l3, uint32_t *l4)
{
	eth(p, 0x86dd);
	*l3 = ip6(p, IPPROTO_TCP, client6, vip6);
	*l4 = p->len;
	tcp(p, 40000, 443, 0x02, 5);
	fill(p, 8);
	ip6_done(p, *l3);
}

static void test_ipv4_ihl_too_small(void **state)
{
	struct sl_pkt_meta m;
	uint32_t l3, l4;
	(void)state;

	for (uint8_t ihl = 0; ihl < 5; ihl++) {
		struct pkt p = {0};

		build_v4_tcp(&p, &l3, &l4);
		p.b[l3] = 0x40 | ihl;
		assert_int_equal(parse_pkt(&p, &m), SL_V_MALFORMED);
		assert_int_equal(m.l3_off, 14);
	}
}

static void test_ip_version_mismatch(void **state)
{
	struct sl_pkt_meta m;
	uint32_t l3, l4;
	(void)state;

	struct pkt p4 = {0};
	build_v4_tcp(&p4, &l3, &l4);
	p4.b[l3] = 0x65;
	assert_int_equal(parse_pkt(&p4, &m), SL_V_MALFORMED);

	struct pkt p6 = {0};
	build_v6_tcp(&p6, &l3, &l4);
	p6.b[l3] = 0x45;
	assert_int_equal(parse_pkt(&p6, &m), SL_V_MALFORMED);
	p6.b[l3] = 0x00;
	assert_int_equal(parse_pkt(&p6, &m), SL_V_MALFORMED);
}

static void test_ipv4_total_length_below_ihl(void **state)
{
	struct sl_pkt_meta m;
	uint32_t l3, l4;
	(void)state;

	struct pkt p = {0};
	build_v4_tcp(&p, &l3, &l4);
	set16(&p, l3 + 2, 19);
	assert_int_equal(parse_pkt(&p, &m), SL_V_MALFORMED);
	set16(&p, l3 + 2, 0);
	assert_int_equal(parse_pkt(&p, &m), SL_V_MALFORMED);

	/* With options: 24 < IHL 7 * 4, although >= 20. */
	struct pkt q = {0};
	eth(&q, 0x0800);
	l3 = ip4(&q, IPPROTO_UDP, 2, 0, client4, vip4);
	udp(&q, 1, 2, 8);
	ip4_done(&q, l3);
	set16(&q, l3 + 2, 24);
	assert_int_equal(parse_pkt(&q, &m), SL_V_MALFORMED);
	/* Exactly the header: a datagram with no room for UDP. */
	set16(&q, l3 + 2, 28);
	assert_int_equal(parse_pkt(&q, &m), SL_V_TRUNCATED);
}

/* A length field that claims more than the frame holds. */
static void test_ip_length_beyond_frame(void **state)
{
	struct sl_pkt_meta m;
	uint32_t l3, l4;
	(void)state;

	struct pkt p = {0};
	build_v4_tcp(&p, &l3, &l4);
	set16(&p, l3 + 2, p.len - 14 + 1);
	assert_int_equal(parse_pkt(&p, &m), SL_V_TRUNCATED);
	set16(&p, l3 + 2, 0xffff);
	assert_int_equal(parse_pkt(&p, &m), SL_V_TRUNCATED);

	struct pkt q = {0};
	build_v6_tcp(&q, &l3, &l4);
	set16(&q, l3 + 4, q.len - 14 - 40 + 1);
	assert_int_equal(parse_pkt(&q, &m), SL_V_TRUNCATED);
}

/* L4 is bounded by the IP datagram, not by the frame: Ethernet padding
 * after a short datagram must not complete a TCP header. */
static void test_l4_bounded_by_ip_length(void **state)
{
	struct sl_pkt_meta m;
	uint32_t l3, l4;
	(void)state;

	struct pkt p = {0};
	build_v4_tcp(&p, &l3, &l4);
	set16(&p, l3 + 2, 20 + 19);
	assert_int_equal(parse_pkt(&p, &m), SL_V_TRUNCATED);
	/* TCP options past the datagram end. */
	set16(&p, l3 + 2, 20 + 20);
	p.b[l4 + 12] = 6 << 4;
	assert_int_equal(parse_pkt(&p, &m), SL_V_TRUNCATED);

	struct pkt q = {0};
	build_v6_tcp(&q, &l3, &l4);
	set16(&q, l3 + 4, 19);
	assert_int_equal(parse_pkt(&q, &m), SL_V_TRUNCATED);

	/* UDP: 7 bytes of datagram, then padding. */
	struct pkt u = {0};
	eth(&u, 0x0800);
	l3 = ip4(&u, IPPROTO_UDP, 0, 0, client4, vip4);
	udp(&u, 1, 2, 8);
	fill(&u, 20);
	set16(&u, l3 + 2, 27);
	assert_int_equal(parse_pkt(&u, &m), SL_V_TRUNCATED);
}

static void test_tcp_doff_too_small(void **state)
{
	struct sl_pkt_meta m;
	uint32_t l3, l4;
	(void)state;

	for (uint8_t doff = 0; doff < 5; doff++) {
		struct pkt p = {0}, q = {0};

		build_v4_tcp(&p, &l3, &l4);
		p.b[l4 + 12] = doff << 4;
		assert_int_equal(parse_pkt(&p, &m), SL_V_MALFORMED);
		build_v6_tcp(&q, &l3, &l4);
		q.b[l4 + 12] = doff << 4;
		assert_int_equal(parse_pkt(&q, &m), SL_V_MALFORMED);
	}
}

/* n extension headers (destination options) before TCP. */
static void build_v6_chain(struct pkt *p, unsigned n)
{
	uint32_t l3;

	eth(p, 0x86dd);
	l3 = ip6(p, n ? IPPROTO_DSTOPTS : IPPROTO_TCP, client6, vip6);
	for (unsigned i = 0; i < n; i++)
		ext6(p, IPPROTO_DSTOPTS, i + 1 == n ? IPPROTO_TCP : IPPROTO_DSTOPTS, 8);
	tcp(p, 1, 2, 0x02, 5);
	ip6_done(p, l3);
}

static void test_ipv6_ext_chain_limit(void **state)
{
	struct sl_pkt_meta m;
	(void)state;

	for (unsigned n = 0; n <= 8; n++) {
		struct pkt p = {0};

		build_v6_chain(&p, n);
		assert_int_equal(parse_pkt(&p, &m), SL_V_OK);
		assert_int_equal(m.l3_len, 40 + 8 * n);
	}
	for (unsigned n = 9; n <= 12; n++) {
		struct pkt p = {0};

		build_v6_chain(&p, n);
		assert_int_equal(parse_pkt(&p, &m), SL_V_MALFORMED);
	}
}

/* An extension header whose length runs past the datagram (not the frame). */
static void test_ipv6_ext_past_end(void **state)
{
	struct sl_pkt_meta m;
	struct pkt p = {0};
	uint32_t l3;
	(void)state;

	eth(&p, 0x86dd);
	l3 = ip6(&p, IPPROTO_HOPOPTS, client6, vip6);
	ext6(&p, IPPROTO_HOPOPTS, IPPROTO_UDP, 8);
	udp(&p, 1, 2, 8);
	ip6_done(&p, l3);
	fill(&p, 64); /* padding beyond the datagram */
	assert_int_equal(parse_pkt(&p, &m), SL_V_OK);
	p.b[l3 + 41] = 2; /* 24 bytes: 8 past the end of the datagram */
	assert_int_equal(parse_pkt(&p, &m), SL_V_TRUNCATED);
	p.b[l3 + 41] = 255;
	assert_int_equal(parse_pkt(&p, &m), SL_V_TRUNCATED);
}

/* Frames too long for the 16-bit meta offsets. */
static void test_frame_too_long(void **state)
{
	struct sl_pkt_meta m;
	uint32_t l3, l4;
	struct pkt p = {0};
	uint8_t *big;
	(void)state;

	build_v4_tcp(&p, &l3, &l4);
	big = calloc(1, 65536);
	assert_non_null(big);
	memcpy(big, p.b, p.len);
	assert_int_equal(parse_exact(big, 65535, &m), SL_V_OK);
	assert_int_equal(parse_exact(big, 65536, &m), SL_V_MALFORMED);
	free(big);
}

/* Quoted packets that cannot give a key.  The key keeps the outer addresses:
 * nothing half-swapped. */
static void check_outer_key4(const struct sl_pkt_meta *m)
{
	assert_memory_equal(m->key.src, router4, 4);
	assert_memory_equal(m->key.dst, vip4, 4);
	assert_int_equal(m->key.proto, IPPROTO_ICMP);
	assert_int_equal(m->key.sport, 0);
	assert_int_equal(m->key.dport, 0);
	assert_int_equal(m->flags & SL_PKT_ICMP_ERR, 0);
	assert_int_equal(m->icmp_type, 3);
}

static void build_fragneeded(struct pkt *p, uint8_t inner_proto, unsigned quote_l4,
			     uint32_t *inner_off)
{
	uint32_t l3;

	eth(p, 0x0800);
	l3 = ip4(p, IPPROTO_ICMP, 0, 0, router4, vip4);
	icmp(p, 3, 4, 1400);
	*inner_off = p->len;
	quote4(p, inner_proto, 0, DF, quote_l4);
	ip4_done(p, l3);
}

static void test_icmp4_bad_quote(void **state)
{
	struct sl_pkt_meta m;
	uint32_t in;
	(void)state;

	struct pkt ver = {0};
	build_fragneeded(&ver, IPPROTO_TCP, 8, &in);
	ver.b[in] = 0x65;
	assert_int_equal(parse_pkt(&ver, &m), SL_V_MALFORMED);
	check_outer_key4(&m);

	struct pkt ihl = {0};
	build_fragneeded(&ihl, IPPROTO_TCP, 8, &in);
	ihl.b[in] = 0x44;
	assert_int_equal(parse_pkt(&ihl, &m), SL_V_MALFORMED);
	check_outer_key4(&m);

	/* IHL 6 claims 4 bytes of options where the ports are: then only 4
	 * bytes of L4 remain in the quote. */
	struct pkt opt = {0};
	build_fragneeded(&opt, IPPROTO_UDP, 8, &in);
	opt.b[in] = 0x46;
	assert_int_equal(parse_pkt(&opt, &m), SL_V_TRUNCATED);
	check_outer_key4(&m);

	/* IHL 15 with a 28-byte quote: the header runs past the datagram. */
	opt.b[in] = 0x4f;
	assert_int_equal(parse_pkt(&opt, &m), SL_V_TRUNCATED);

	struct pkt icmp_in = {0};
	build_fragneeded(&icmp_in, IPPROTO_UDP, 8, &in);
	icmp_in.b[in + 9] = IPPROTO_ICMP;
	assert_int_equal(parse_pkt(&icmp_in, &m), SL_V_UNSUPPORTED_L4);
	check_outer_key4(&m);

	struct pkt short_l4 = {0};
	build_fragneeded(&short_l4, IPPROTO_TCP, 7, &in);
	assert_int_equal(parse_pkt(&short_l4, &m), SL_V_TRUNCATED);
	check_outer_key4(&m);

	struct pkt short_ip = {0};
	uint32_t l3;
	eth(&short_ip, 0x0800);
	l3 = ip4(&short_ip, IPPROTO_ICMP, 0, 0, router4, vip4);
	icmp(&short_ip, 3, 4, 1400);
	put8(&short_ip, 0x45);
	fill(&short_ip, 18);
	ip4_done(&short_ip, l3);
	assert_int_equal(parse_pkt(&short_ip, &m), SL_V_TRUNCATED);
	check_outer_key4(&m);

	/* ICMP header itself cut short by the datagram length. */
	struct pkt short_icmp = {0};
	eth(&short_icmp, 0x0800);
	l3 = ip4(&short_icmp, IPPROTO_ICMP, 0, 0, router4, vip4);
	put8(&short_icmp, 3);
	put8(&short_icmp, 4);
	fill(&short_icmp, 5);
	ip4_done(&short_icmp, l3);
	fill(&short_icmp, 20);
	assert_int_equal(parse_pkt(&short_icmp, &m), SL_V_TRUNCATED);
}

/* ICMPv4 can only quote IPv4; an IPv6 header there is malformed. */
static void test_icmp4_quoting_ipv6(void **state)
{
	struct sl_pkt_meta m;
	struct pkt p = {0}, in = {0};
	uint32_t l3;
	(void)state;

	ip6(&in, IPPROTO_TCP, vip6, client6);
	tcp(&in, 443, 40000, 0x10, 5);
	eth(&p, 0x0800);
	l3 = ip4(&p, IPPROTO_ICMP, 0, 0, router4, vip4);
	icmp(&p, 3, 4, 1400);
	put(&p, in.b, in.len);
	ip4_done(&p, l3);
	assert_int_equal(parse_pkt(&p, &m), SL_V_MALFORMED);
	check_outer_key4(&m);
}

static void test_icmp6_bad_quote(void **state)
{
	struct sl_pkt_meta m;
	uint32_t l3;
	(void)state;

	/* Quoted IPv6 header shorter than 40 bytes. */
	struct pkt s = {0}, in = {0};
	ip6(&in, IPPROTO_UDP, vip6, client6);
	eth(&s, 0x86dd);
	l3 = ip6(&s, IPPROTO_ICMPV6, router6, vip6);
	icmp(&s, 2, 0, 1280);
	put(&s, in.b, 39);
	ip6_done(&s, l3);
	assert_int_equal(parse_pkt(&s, &m), SL_V_TRUNCATED);
	assert_memory_equal(m.key.src, router6, 16);
	assert_int_equal(m.icmp_type, 2);
	assert_int_equal(m.flags, SL_PKT_DF);

	/* Version 4 in the quoted header. */
	struct pkt v = {0};
	uint32_t in_off;
	eth(&v, 0x86dd);
	l3 = ip6(&v, IPPROTO_ICMPV6, router6, vip6);
	icmp(&v, 2, 0, 1280);
	in_off = v.len;
	ip6(&v, IPPROTO_UDP, vip6, client6);
	udp(&v, 443, 40000, 100);
	ip6_done(&v, l3);
	assert_int_equal(parse_pkt(&v, &m), SL_V_OK);
	v.b[in_off] = 0x45;
	assert_int_equal(parse_pkt(&v, &m), SL_V_MALFORMED);
	assert_memory_equal(m.key.src, router6, 16);
	/* Quoted ICMPv6. */
	v.b[in_off] = 0x60;
	v.b[in_off + 6] = IPPROTO_ICMPV6;
	assert_int_equal(parse_pkt(&v, &m), SL_V_UNSUPPORTED_L4);
	/* Quoted UDP cut to 7 bytes by the outer payload length. */
	v.b[in_off + 6] = IPPROTO_UDP;
	set16(&v, l3 + 4, 8 + 40 + 7);
	assert_int_equal(parse_pkt(&v, &m), SL_V_TRUNCATED);

	/* Quoted extension chain one too long. */
	struct pkt c = {0}, chain = {0};
	ip6(&chain, IPPROTO_DSTOPTS, vip6, client6);
	for (int i = 0; i < 9; i++)
		ext6(&chain, IPPROTO_DSTOPTS, i == 8 ? IPPROTO_UDP : IPPROTO_DSTOPTS, 8);
	udp(&chain, 443, 40000, 100);
	eth(&c, 0x86dd);
	l3 = ip6(&c, IPPROTO_ICMPV6, router6, vip6);
	icmp(&c, 2, 0, 1280);
	put(&c, chain.b, chain.len);
	ip6_done(&c, l3);
	assert_int_equal(parse_pkt(&c, &m), SL_V_MALFORMED);
	assert_memory_equal(m.key.src, router6, 16);
}

/* Each ICMP error type/code pair other than the two steered ones. */
static void test_icmp_codes(void **state)
{
	struct sl_pkt_meta m;
	(void)state;

	for (unsigned code = 0; code < 16; code++) {
		struct pkt p = {0};
		uint32_t l3;

		eth(&p, 0x0800);
		l3 = ip4(&p, IPPROTO_ICMP, 0, 0, router4, vip4);
		icmp(&p, 3, code, 1400);
		quote4(&p, IPPROTO_TCP, 0, DF, 8);
		ip4_done(&p, l3);
		assert_int_equal(parse_pkt(&p, &m), code == 4 ? SL_V_OK : SL_V_ICMP_OTHER);
	}
	/* ICMPv6 packet too big: the code is ignored (RFC 4443). */
	struct pkt p = {0}, in = {0};
	uint32_t l3;
	ip6(&in, IPPROTO_TCP, vip6, client6);
	tcp(&in, 443, 40000, 0x10, 5);
	eth(&p, 0x86dd);
	l3 = ip6(&p, IPPROTO_ICMPV6, router6, vip6);
	icmp(&p, 2, 1, 1280);
	put(&p, in.b, in.len);
	ip6_done(&p, l3);
	assert_int_equal(parse_pkt(&p, &m), SL_V_OK);
	assert_int_equal(m.flags, SL_PKT_DF | SL_PKT_ICMP_ERR);
	assert_memory_equal(m.key.src, client6, 16);
}

/* The parser must not depend on the frame's alignment: the same packet at
 * every offset inside an 8-byte word gives the same meta. */
static void test_unaligned(void **state)
{
	struct pkt p = {0};
	struct sl_pkt_meta want = {0}, got;
	uint8_t *buf;
	(void)state;

	icmp6_ptb_udp_dstopts(&p, &want);
	buf = malloc(p.len + 8);
	assert_non_null(buf);
	for (unsigned a = 0; a < 8; a++) {
		memcpy(buf + a, p.b, p.len);
		assert_int_equal(sl_parse(buf + a, p.len, &got), SL_V_OK);
		check_meta(&got, &want);
	}
	free(buf);
}

/* Verdict names come from the shared X-macro; the parser's verdicts must
 * all have one. */
static void test_verdict_names(void **state)
{
	(void)state;
	assert_string_equal(sl_verdict_name(SL_V_OK), "ok");
	assert_string_equal(sl_verdict_name(SL_V_TRUNCATED), "truncated");
	assert_string_equal(sl_verdict_name(SL_V_ICMP_OTHER), "icmp_other");
	assert_string_equal(sl_verdict_name(SL_V_MAX), "unknown");
}

int main(void)
{
	static char names[N_VARIANTS][2][64];
	struct CMUnitTest tests[3 * N_VARIANTS + 17];
	size_t n = 0;

	for (size_t i = 0; i < N_VARIANTS; i++) {
		const struct variant *v = &variants[i];
		struct pkt p = {0};
		struct sl_pkt_meta w = {0};

		tests[n++] = (struct CMUnitTest){v->name, test_variant, NULL, NULL, (void *)v};
		snprintf(names[i][0], sizeof(names[i][0]), "%s_prefixes", v->name);
		tests[n++] =
		    (struct CMUnitTest){names[i][0], test_variant_prefixes, NULL, NULL, (void *)v};
		v->build(&p, &w);
		if (v->verdict != SL_V_OK || (w.flags & SL_PKT_FRAG))
			continue;
		snprintf(names[i][1], sizeof(names[i][1]), "%s_length_cuts", v->name);
		tests[n++] = (struct CMUnitTest){names[i][1], test_variant_length_cuts, NULL, NULL,
						 (void *)v};
	}
#define T(fn) tests[n++] = (struct CMUnitTest)cmocka_unit_test(fn)
	T(test_ipv4_ihl_too_small);
	T(test_ip_version_mismatch);
	T(test_ipv4_total_length_below_ihl);
	T(test_ip_length_beyond_frame);
	T(test_l4_bounded_by_ip_length);
	T(test_tcp_doff_too_small);
	T(test_ipv6_ext_chain_limit);
	T(test_ipv6_ext_past_end);
	T(test_frame_too_long);
	T(test_icmp4_bad_quote);
	T(test_icmp4_quoting_ipv6);
	T(test_icmp6_bad_quote);
	T(test_icmp_codes);
	T(test_unaligned);
	T(test_verdict_names);
#undef T
	if (n > sizeof(tests) / sizeof(tests[0]))
		abort();
	return _cmocka_run_group_tests("parse", tests, n, NULL, NULL);
}
