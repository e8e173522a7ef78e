/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * sluice's XDP program (tools/bpf/sluice_xdp.bpf.c) run by the kernel on
 * made-up frames with BPF_PROG_TEST_RUN: no interface, no traffic.  The
 * object is loaded the way DPDK's net_af_xdp PMD loads it (libbpf, pinning
 * by name), but into a bpffs of our own: the test unshares its mount
 * namespace and mounts a fresh bpffs on /sys/fs/bpf, so its pins
 * (slx-xdp-test/...) vanish with the process and never meet a running
 * sluiced's.
 *
 * With no AF_XDP socket in xsks_map, the program's redirect falls back to
 * XDP_PASS for VIP packets too; which way it decided shows in sl_xdp_stats
 * (vip_no_socket vs pass_*), and every case asserts that exactly one counter
 * moved by exactly one.
 *
 * Usage: test_xdp_prog PATH/sluice_xdp.o.  Needs root and BPF; exits 77
 * (skip) without them.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>

#include "sluice_xdp.h"

#define PIN_ROOT "/sys/fs/bpf/slx-xdp-test"
#define VIP4	 "10.99.100.1"
#define VIP6	 "fd00:99::100"
#define HOST4	 "10.99.0.2" /* the load balancer's own addresses */
#define HOST6	 "fd00:99::2"
#define CLIENT4	 "10.99.0.10"
#define CLIENT6	 "fd00:99::10"

static const char *obj_path;

struct env {
	struct bpf_object *obj;
	int prog_fd, vips_fd, stats_fd;
	unsigned ncpu;
};
static struct env E;

/* ------------------------------------------------------------------ */
/* Frames */

struct frame {
	uint8_t b[512];
	size_t len;
};

static void put(struct frame *f, const void *p, size_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memcpy(f->b + f->len, p, n);
	f->len += n;
}

static void put16(struct frame *f, uint16_t v)
{
	uint16_t n = htons(v);

	put(f, &n, 2);
}

static void put_zero(struct frame *f, size_t n)
{
	assert_true(f->len + n <= sizeof(f->b));
	memset(f->b + f->len, 0, n);
	f->len += n;
}

/* Ethernet header with `tags` VLAN tags (0, 1, or 2 = 802.1ad + 802.1Q). */
static void eth(struct frame *f, int tags, uint16_t type)
{
	static const uint8_t macs[12] = {0x02, 0x99, 0, 0, 0, 2, 0x02, 0x99, 0, 0, 0, 1};

	f->len = 0;
	put(f, macs, sizeof(macs));
	if (tags == 2) {
		put16(f, 0x88a8);
		put16(f, 100);
	}
	if (tags >= 1) {
		put16(f, 0x8100);
		put16(f, 200);
	}
	put16(f, type);
}

static void ip4(struct frame *f, const char *src, const char *dst, uint8_t proto, uint16_t frag)
{
	uint8_t h[20] = {0x45, 0, 0, 40, 0, 1, 0, 0, 64, proto};

	h[6] = (uint8_t)(frag >> 8);
	h[7] = (uint8_t)frag;
	assert_int_equal(inet_pton(AF_INET, src, h + 12), 1);
	assert_int_equal(inet_pton(AF_INET, dst, h + 16), 1);
	put(f, h, sizeof(h));
}

static void ip6(struct frame *f, const char *src, const char *dst, uint8_t nh)
{
	uint8_t h[40] = {0x60, 0, 0, 0, 0, 8, nh, 64};

	assert_int_equal(inet_pton(AF_INET6, src, h + 8), 1);
	assert_int_equal(inet_pton(AF_INET6, dst, h + 24), 1);
	put(f, h, sizeof(h));
}

static void udp(struct frame *f)
{
	const uint8_t h[8] = {0x30, 0x39, 0, 53, 0, 8, 0, 0};

	put(f, h, sizeof(h));
}

static void tcp_syn(struct frame *f)
{
	uint8_t h[20] = {0x30, 0x39, 0, 80};

	h[12] = 5 << 4;
	h[13] = 0x02;
	put(f, h, sizeof(h));
}

/* ------------------------------------------------------------------ */
/* Running the program */

static void stats_read(uint64_t *sum)
{
	uint64_t *v = calloc(E.ncpu, sizeof(*v));

	assert_non_null(v);
	for (uint32_t k = 0; k < SL_XDP_STAT_MAX; k++) {
		assert_int_equal(bpf_map_lookup_elem(E.stats_fd, &k, v), 0);
		sum[k] = 0;
		for (unsigned c = 0; c < E.ncpu; c++)
			sum[k] += v[c];
	}
	free(v);
}

/* Run the program once on `f`; returns the one counter that moved (each
 * test asserts which), after asserting that exactly one moved, by one, and
 * that the verdict is `want_ret`. */
static unsigned run(const struct frame *f, uint32_t want_ret)
{
	LIBBPF_OPTS(bpf_test_run_opts, o, .data_in = f->b, .data_size_in = (uint32_t)f->len,
		    .repeat = 1);
	uint64_t before[SL_XDP_STAT_MAX], after[SL_XDP_STAT_MAX];
	unsigned moved = SL_XDP_STAT_MAX;

	stats_read(before);
	assert_int_equal(bpf_prog_test_run_opts(E.prog_fd, &o), 0);
	assert_int_equal(o.retval, want_ret);
	stats_read(after);
	for (unsigned k = 0; k < SL_XDP_STAT_MAX; k++) {
		if (after[k] == before[k])
			continue;
		assert_int_equal(moved, SL_XDP_STAT_MAX); /* only one counter moves */
		assert_int_equal(after[k] - before[k], 1);
		moved = k;
	}
	assert_int_not_equal(moved, SL_XDP_STAT_MAX);
	return moved;
}

static struct sl_xdp_vip_key key_of(const char *addr)
{
	struct sl_xdp_vip_key k;

	memset(&k, 0, sizeof(k));
	if (inet_pton(AF_INET, addr, k.addr) == 1) {
		k.family = SL_XDP_AF_INET;
	} else {
		assert_int_equal(inet_pton(AF_INET6, addr, k.addr), 1);
		k.family = SL_XDP_AF_INET6;
	}
	return k;
}

static void vip_add(const char *addr)
{
	struct sl_xdp_vip_key k = key_of(addr);
	struct sl_xdp_vip_val v = {.services = 1};

	assert_int_equal(bpf_map_update_elem(E.vips_fd, &k, &v, BPF_ANY), 0);
}

static void vip_del(const char *addr)
{
	struct sl_xdp_vip_key k = key_of(addr);

	assert_int_equal(bpf_map_delete_elem(E.vips_fd, &k), 0);
}

/* ------------------------------------------------------------------ */
/* Set-up: the object as the PMD loads it, pins in our own bpffs */

static struct bpf_object *load(void)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = PIN_ROOT);
	struct bpf_object *obj = bpf_object__open_file(obj_path, &oo);

	if (obj == NULL) {
		fprintf(stderr, "open %s: %s\n", obj_path, strerror(errno));
		return NULL;
	}
	if (bpf_object__load(obj) != 0) {
		fprintf(stderr, "load %s: %s\n", obj_path, strerror(errno));
		bpf_object__close(obj);
		return NULL;
	}
	return obj;
}

static int map_fd(struct bpf_object *obj, const char *name)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);

	return m ? bpf_map__fd(m) : -1;
}

static int group_setup(void **state)
{
	(void)state;
	E.obj = load();
	if (E.obj == NULL)
		return -1;
	/* The PMD attaches the object's first program: it must be ours. */
	E.prog_fd = bpf_program__fd(bpf_object__next_program(E.obj, NULL));
	E.vips_fd = map_fd(E.obj, SL_XDP_VIPS_MAP);
	E.stats_fd = map_fd(E.obj, SL_XDP_STATS_MAP);
	E.ncpu = (unsigned)libbpf_num_possible_cpus();
	if (E.prog_fd < 0 || E.vips_fd < 0 || E.stats_fd < 0)
		return -1;
	vip_add(VIP4);
	vip_add(VIP6);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	bpf_object__close(E.obj);
	return 0;
}

/* ------------------------------------------------------------------ */
/* Tests */

/* What the PMD and sluiced rely on: the first program is ours and XDP, a
 * map named xsks_map of type XSKMAP (not pinned: per port), the VIP and
 * stats maps pinned by name with the layout of sluice_xdp.h. */
static void object_contract(void **state)
{
	struct bpf_program *p = bpf_object__next_program(E.obj, NULL);
	struct bpf_map *m;
	struct stat st;

	(void)state;
	assert_string_equal(bpf_program__name(p), SL_XDP_PROG_NAME);
	assert_int_equal(bpf_program__type(p), BPF_PROG_TYPE_XDP);
	assert_null(bpf_object__next_program(E.obj, p));

	m = bpf_object__find_map_by_name(E.obj, "xsks_map");
	assert_non_null(m);
	assert_int_equal(bpf_map__type(m), BPF_MAP_TYPE_XSKMAP);
	assert_int_equal(bpf_map__max_entries(m), SL_XDP_MAX_QUEUES);
	assert_false(bpf_map__is_pinned(m));
	assert_int_equal(stat(PIN_ROOT "/xsks_map", &st), -1);

	m = bpf_object__find_map_by_name(E.obj, SL_XDP_VIPS_MAP);
	assert_int_equal(bpf_map__type(m), BPF_MAP_TYPE_HASH);
	assert_int_equal(bpf_map__key_size(m), sizeof(struct sl_xdp_vip_key));
	assert_int_equal(sizeof(struct sl_xdp_vip_key), 20);
	assert_int_equal(bpf_map__value_size(m), sizeof(struct sl_xdp_vip_val));
	assert_int_equal(bpf_map__max_entries(m), SL_XDP_MAX_VIPS);
	assert_true(bpf_map__is_pinned(m));
	assert_string_equal(bpf_map__pin_path(m), PIN_ROOT "/" SL_XDP_VIPS_MAP);
	assert_int_equal(stat(PIN_ROOT "/" SL_XDP_VIPS_MAP, &st), 0);

	m = bpf_object__find_map_by_name(E.obj, SL_XDP_STATS_MAP);
	assert_int_equal(bpf_map__type(m), BPF_MAP_TYPE_PERCPU_ARRAY);
	assert_int_equal(bpf_map__max_entries(m), SL_XDP_STAT_MAX);
	assert_int_equal(stat(PIN_ROOT "/" SL_XDP_STATS_MAP, &st), 0);
}

static void ipv4_to_vip(void **state)
{
	struct frame f;

	(void)state;
	eth(&f, 0, 0x0800);
	ip4(&f, CLIENT4, VIP4, 17, 0);
	udp(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);

	eth(&f, 0, 0x0800);
	ip4(&f, CLIENT4, VIP4, 6, 0);
	tcp_syn(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);

	/* Just the fixed IPv4 header: sluiced judges what follows. */
	eth(&f, 0, 0x0800);
	ip4(&f, CLIENT4, VIP4, 6, 0);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);

	/* A fragment after the first: no ports, still the VIP's. */
	eth(&f, 0, 0x0800);
	ip4(&f, CLIENT4, VIP4, 17, 185);
	put_zero(&f, 16);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);
}

static void ipv6_to_vip(void **state)
{
	struct frame f;

	(void)state;
	eth(&f, 0, 0x86dd);
	ip6(&f, CLIENT6, VIP6, 17);
	udp(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);

	eth(&f, 0, 0x86dd);
	ip6(&f, CLIENT6, VIP6, 6);
	tcp_syn(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);

	/* Extension header (destination options) first: the address decides. */
	eth(&f, 0, 0x86dd);
	ip6(&f, CLIENT6, VIP6, 60);
	put_zero(&f, 8);
	udp(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);
}

/* ICMP errors about VIP flows are addressed to the VIP (the flow's reply
 * came from it): sluiced steers them by the inner header. */
static void icmp_errors_to_vip(void **state)
{
	struct frame f;
	const uint8_t frag_needed[8] = {3, 4, 0, 0, 0, 0, 0x05, 0x00};
	const uint8_t ptb[8] = {2, 0, 0, 0, 0, 0, 0x05, 0x00};

	(void)state;
	eth(&f, 0, 0x0800);
	ip4(&f, "10.99.9.1", VIP4, 1, 0);
	put(&f, frag_needed, sizeof(frag_needed));
	ip4(&f, VIP4, CLIENT4, 6, 0);
	tcp_syn(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);

	eth(&f, 0, 0x86dd);
	ip6(&f, "fd00:99::9", VIP6, 58);
	put(&f, ptb, sizeof(ptb));
	ip6(&f, VIP6, CLIENT6, 6);
	tcp_syn(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);
}

static void other_addresses_pass(void **state)
{
	struct frame f;

	(void)state;
	/* SSH to the host itself. */
	eth(&f, 0, 0x0800);
	ip4(&f, CLIENT4, HOST4, 6, 0);
	tcp_syn(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_VIP);

	eth(&f, 0, 0x86dd);
	ip6(&f, CLIENT6, HOST6, 6);
	tcp_syn(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_VIP);

	/* Ping of the host. */
	eth(&f, 0, 0x0800);
	ip4(&f, CLIENT4, HOST4, 1, 0);
	put_zero(&f, 8);
	f.b[f.len - 8] = 8;
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_VIP);

	/* A VIP address one off. */
	eth(&f, 0, 0x0800);
	ip4(&f, CLIENT4, "10.99.100.2", 17, 0);
	udp(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_VIP);

	/* The source being a VIP does not matter (a backend's DSR reply seen
	 * on the wire). */
	eth(&f, 0, 0x0800);
	ip4(&f, VIP4, CLIENT4, 6, 0);
	tcp_syn(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_VIP);
}

/* Neighbour discovery: solicitation to the solicited-node multicast group of
 * the host's address, and a unicast NUD probe of the host. */
static void neighbour_discovery_passes(void **state)
{
	struct frame f;
	uint8_t ns[24] = {135};

	(void)state;
	assert_int_equal(inet_pton(AF_INET6, HOST6, ns + 8), 1);
	eth(&f, 0, 0x86dd);
	ip6(&f, CLIENT6, "ff02::1:ff00:2", 58);
	put(&f, ns, sizeof(ns));
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_VIP);

	eth(&f, 0, 0x86dd);
	ip6(&f, CLIENT6, HOST6, 58);
	put(&f, ns, sizeof(ns));
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_VIP);
}

static void arp_passes(void **state)
{
	struct frame f;
	const uint8_t arp[8] = {0, 1, 8, 0, 6, 4, 0, 1};

	(void)state;
	eth(&f, 0, 0x0806);
	put(&f, arp, sizeof(arp));
	put_zero(&f, 20);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_IP);

	eth(&f, 1, 0x0806);
	put(&f, arp, sizeof(arp));
	put_zero(&f, 20);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_IP);

	/* LLDP and anything else that is not IP. */
	eth(&f, 0, 0x88cc);
	put_zero(&f, 32);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_IP);
}

static void vlan(void **state)
{
	struct frame f;

	(void)state;
	eth(&f, 1, 0x0800);
	ip4(&f, CLIENT4, VIP4, 17, 0);
	udp(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);

	eth(&f, 1, 0x86dd);
	ip6(&f, CLIENT6, VIP6, 6);
	tcp_syn(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);

	eth(&f, 1, 0x0800);
	ip4(&f, CLIENT4, HOST4, 17, 0);
	udp(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_VIP);

	/* 802.1ad tag alone is one tag too. */
	eth(&f, 0, 0x88a8);
	put16(&f, 300);
	put16(&f, 0x0800);
	ip4(&f, CLIENT4, VIP4, 17, 0);
	udp(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);

	/* Two tags: beyond what sluiced parses, so the kernel gets it. */
	eth(&f, 2, 0x0800);
	ip4(&f, CLIENT4, VIP4, 17, 0);
	udp(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_IP);
}

/* Frames that end inside the headers the program reads are passed (the
 * kernel drops them) and never read past.  BPF_PROG_TEST_RUN takes nothing
 * shorter than an Ethernet header. */
static void truncated(void **state)
{
	struct frame f;

	(void)state;
	eth(&f, 0, 0x0800);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_TRUNCATED);

	eth(&f, 0, 0x0800);
	ip4(&f, CLIENT4, VIP4, 17, 0);
	f.len--; /* 19 bytes of IPv4 header */
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_TRUNCATED);

	eth(&f, 0, 0x86dd);
	ip6(&f, CLIENT6, VIP6, 17);
	f.len--; /* 39 bytes of IPv6 header */
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_TRUNCATED);

	eth(&f, 1, 0x0800);
	f.len -= 2; /* the tag's inner ethertype cut off */
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_TRUNCATED);

	eth(&f, 1, 0x86dd);
	ip6(&f, CLIENT6, VIP6, 17);
	f.len = 14 + 4 + 39;
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_TRUNCATED);
}

/* The map is the whole decision: a VIP removed from it is passed, added
 * back is steered; a key of the other family with the same bytes is not
 * the same VIP. */
static void map_drives_decision(void **state)
{
	struct frame f;
	struct sl_xdp_vip_key k = key_of("10.99.100.3");
	struct sl_xdp_vip_val v = {.services = 1};

	(void)state;
	eth(&f, 0, 0x0800);
	ip4(&f, CLIENT4, VIP4, 17, 0);
	udp(&f);
	vip_del(VIP4);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_VIP);
	vip_add(VIP4);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_VIP_NO_SOCKET);

	k.family = SL_XDP_AF_INET6;
	assert_int_equal(bpf_map_update_elem(E.vips_fd, &k, &v, BPF_ANY), 0);
	eth(&f, 0, 0x0800);
	ip4(&f, CLIENT4, "10.99.100.3", 17, 0);
	udp(&f);
	assert_int_equal(run(&f, XDP_PASS), SL_XDP_STAT_PASS_NOT_VIP);
	assert_int_equal(bpf_map_delete_elem(E.vips_fd, &k), 0);
}

/* A second load (the PMD loads the object once per port) reuses the pinned
 * VIP and stats maps: one VIP set for every port. */
static void second_load_shares_pins(void **state)
{
	struct bpf_object *o2 = load();
	struct bpf_map_info a, b;
	uint32_t la = sizeof(a), lb = sizeof(b);
	struct sl_xdp_vip_key k = key_of(VIP6);
	struct sl_xdp_vip_val v;

	(void)state;
	assert_non_null(o2);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(bpf_obj_get_info_by_fd(E.vips_fd, &a, &la), 0);
	assert_int_equal(bpf_obj_get_info_by_fd(map_fd(o2, SL_XDP_VIPS_MAP), &b, &lb), 0);
	assert_int_equal(a.id, b.id);
	assert_int_equal(bpf_map_lookup_elem(map_fd(o2, SL_XDP_VIPS_MAP), &k, &v), 0);
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(bpf_obj_get_info_by_fd(E.stats_fd, &a, &la), 0);
	assert_int_equal(bpf_obj_get_info_by_fd(map_fd(o2, SL_XDP_STATS_MAP), &b, &lb), 0);
	assert_int_equal(a.id, b.id);
	/* xsks_map is per object. */
	memset(&a, 0, sizeof(a));
	memset(&b, 0, sizeof(b));
	assert_int_equal(bpf_obj_get_info_by_fd(map_fd(E.obj, "xsks_map"), &a, &la), 0);
	assert_int_equal(bpf_obj_get_info_by_fd(map_fd(o2, "xsks_map"), &b, &lb), 0);
	assert_int_not_equal(a.id, b.id);
	bpf_object__close(o2);
}

/* A private bpffs on /sys/fs/bpf in a mount namespace of our own. */
static int private_bpffs(void)
{
	if (unshare(CLONE_NEWNS) != 0) {
		printf("SKIP: unshare(CLONE_NEWNS): %s\n", strerror(errno));
		return -1;
	}
	if (mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL) != 0) {
		printf("SKIP: private bpffs on /sys/fs/bpf: %s\n", strerror(errno));
		return -1;
	}
	if (mkdir(PIN_ROOT, 0700) != 0) {
		printf("SKIP: mkdir %s: %s\n", PIN_ROOT, strerror(errno));
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(object_contract),
	    cmocka_unit_test(ipv4_to_vip),
	    cmocka_unit_test(ipv6_to_vip),
	    cmocka_unit_test(icmp_errors_to_vip),
	    cmocka_unit_test(other_addresses_pass),
	    cmocka_unit_test(neighbour_discovery_passes),
	    cmocka_unit_test(arp_passes),
	    cmocka_unit_test(vlan),
	    cmocka_unit_test(truncated),
	    cmocka_unit_test(map_drives_decision),
	    cmocka_unit_test(second_load_shares_pins),
	};
	struct bpf_object *probe;
	const struct bpf_insn pass[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH/sluice_xdp.o\n", argv[0]);
		return 2;
	}
	obj_path = argv[1];
	if (geteuid() != 0) {
		printf("SKIP: needs root (BPF, mount namespace)\n");
		return 77;
	}
	if (private_bpffs() < 0)
		return 77;
	/* Kernels without BPF (or a locked-down one) skip; a load failure of
	 * the object itself is a failure (group_setup). */
	probe = bpf_object__open_file(obj_path, NULL);
	if (probe == NULL) {
		fprintf(stderr, "%s: %s\n", obj_path, strerror(errno));
		return 1;
	}
	bpf_object__close(probe);
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "GPL", pass, 2, NULL);
	if (fd < 0) {
		printf("SKIP: the kernel loads no XDP program: %s\n", strerror(errno));
		return 77;
	}
	close(fd);
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
