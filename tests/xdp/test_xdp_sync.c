/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * control/sl_xdp.c: the VIP map follows the running configuration.
 *
 *  - The wanted set (pure) and the status of a daemon without AF_XDP ports
 *    run anywhere.
 *  - Reconcile, sync and status against real BPF maps (bpf_map_create), the
 *    pin rules of prestart/fini, and attach against sluice_xdp.o attached
 *    (generic XDP) to the loopback of a network namespace of our own: these
 *    need root and BPF and skip without them.  They run in a private mount
 *    namespace with a fresh bpffs on /sys/fs/bpf, so pins never meet a
 *    running sluiced's.
 *
 * Usage: test_xdp_sync PATH/sluice_xdp.o
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/bpf.h>
#include <linux/if_link.h>

#include "sl_config.h"
#include "sl_xdp.h"

#define PIN_ROOT "/sys/fs/bpf/slx-xdp-sync"

static const char *obj_path;
static bool have_bpf; /* root, private bpffs, private netns */

#define NEED_BPF()              \
	do {                    \
		if (!have_bpf)  \
			skip(); \
	} while (0)

/* ------------------------------------------------------------------ */
/* Helpers */

static struct sl_config *config(const char *vips_yaml)
{
	static const char head[] = "ports:\n"
				   "  - name: net_af_xdp0\n"
				   "next_hop:\n"
				   "  port: net_af_xdp0\n"
				   "  mac: 02:99:00:00:00:01\n"
				   "tunnel:\n"
				   "  source4: 10.99.0.2\n"
				   "  source6: fd00:99::2\n"
				   "vips:\n";
	struct sl_diag d = {.out = stderr, .file = "t.yaml"};
	struct sl_config *cfg = NULL;
	char *text;

	assert_int_not_equal(asprintf(&text, "%s%s", head, vips_yaml), -1);
	assert_int_equal(sl_config_parse(text, strlen(text), "t.yaml", &d, &cfg), 0);
	free(text);
	return cfg;
}

/* A VIP entry of the YAML list: address, port, protocol. */
#define VIP(a, p, proto)                                                                  \
	"  - address: " a "\n    port: " p "\n    protocol: " proto "\n    encap: ipip\n" \
	"    health: { type: none }\n    backends:\n      - address: 10.99.1.1\n"
#define VIP6(a, p, proto)                                                                   \
	"  - address: " a "\n    port: " p "\n    protocol: " proto "\n    encap: ip6ip6\n" \
	"    health: { type: none }\n    backends:\n      - address: fd00:99::1:1\n"

static struct sl_xdp_vip_key key(const char *addr)
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

static int vip_map(uint32_t max_entries)
{
	int fd = bpf_map_create(BPF_MAP_TYPE_HASH, "slx_xdp_t", sizeof(struct sl_xdp_vip_key),
				sizeof(struct sl_xdp_vip_val), max_entries, NULL);

	assert_true(fd >= 0);
	return fd;
}

static void put(int fd, const char *addr, uint32_t services)
{
	struct sl_xdp_vip_key k = key(addr);
	struct sl_xdp_vip_val v = {.services = services};

	assert_int_equal(bpf_map_update_elem(fd, &k, &v, BPF_ANY), 0);
}

/* services of `addr` in the map, 0 when absent */
static uint32_t get(int fd, const char *addr)
{
	struct sl_xdp_vip_key k = key(addr);
	struct sl_xdp_vip_val v;

	if (bpf_map_lookup_elem(fd, &k, &v) != 0) {
		assert_int_equal(errno, ENOENT);
		return 0;
	}
	return v.services;
}

static unsigned count(int fd)
{
	struct sl_xdp_vip_key cur, next;
	void *prev = NULL;
	unsigned n = 0;

	while (n < 100000 && bpf_map_get_next_key(fd, prev, &next) == 0) {
		n++;
		cur = next;
		prev = &cur;
	}
	return n;
}

static uint32_t map_id(int fd)
{
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi);

	memset(&mi, 0, sizeof(mi));
	assert_int_equal(bpf_obj_get_info_by_fd(fd, &mi, &len), 0);
	return mi.id;
}

/* A minimal XDP program that refers to map `map_fd` (returns XDP_PASS). */
static int prog_using(int map_fd)
{
	const struct bpf_insn insns[] = {
	    {.code = BPF_LD | BPF_DW | BPF_IMM,
	     .dst_reg = BPF_REG_1,
	     .src_reg = BPF_PSEUDO_MAP_FD,
	     .imm = map_fd},
	    {0},
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	LIBBPF_OPTS(bpf_prog_load_opts, o);
	int fd = bpf_prog_load(BPF_PROG_TYPE_XDP, "slx_xdp_user", "GPL", insns, 4, &o);

	assert_true(fd >= 0);
	return fd;
}

static bool exists(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0;
}

/* ------------------------------------------------------------------ */
/* Pure */

/* One key per address, the value counting the VIPs at it; IPv4 in the
 * first four bytes, the rest zero; order of first use. */
static void wanted_one_key_per_address(void **state)
{
	struct sl_config *cfg =
	    config(VIP("10.99.100.1", "80", "tcp") VIP("10.99.100.1", "53", "udp")
		       VIP6("fd00:99::100", "443", "tcp") VIP("10.99.100.1", "any", "udp")
			   VIP("10.99.100.2", "80", "tcp"));
	struct sl_xdp_vip_key keys[8], k1 = key("10.99.100.1"), k2 = key("10.99.100.2"),
				       k6 = key("fd00:99::100");
	struct sl_xdp_vip_val vals[8];

	(void)state;
	memset(keys, 0xa5, sizeof(keys));
	assert_int_equal(sl_xdp_wanted(cfg, keys, vals, 8), 3);
	assert_memory_equal(&keys[0], &k1, sizeof(k1));
	assert_int_equal(vals[0].services, 3);
	assert_memory_equal(&keys[1], &k6, sizeof(k6));
	assert_int_equal(vals[1].services, 1);
	assert_memory_equal(&keys[2], &k2, sizeof(k2));
	assert_int_equal(vals[2].services, 1);
	assert_int_equal(keys[0].family, 4);
	for (int i = 4; i < 16; i++)
		assert_int_equal(keys[0].addr[i], 0);
	/* Exactly as many as fit; one more is refused. */
	assert_int_equal(sl_xdp_wanted(cfg, keys, vals, 3), 3);
	assert_int_equal(sl_xdp_wanted(cfg, keys, vals, 2), -E2BIG);
	sl_config_free(cfg);
}

static void status_null_without_af_xdp(void **state)
{
	struct sl_xdp x;
	struct sl_xdp_port ports[] = {
	    {"net_memif0", "net_memif", 0},
	    {"net_tap0", "net_tap", 7},
	};
	json_t *st;

	(void)state;
	sl_xdp_init(&x, PIN_ROOT);
	assert_string_equal(x.vips_pin, PIN_ROOT "/sl_xdp_vips");
	assert_string_equal(x.stats_pin, PIN_ROOT "/sl_xdp_stats");
	assert_int_equal(sl_xdp_attach(&x, ports, 2), 0);
	assert_int_equal(x.nb_af_xdp, 0);
	assert_int_equal(x.vips_fd, -1);
	st = sl_xdp_status(&x);
	assert_true(json_is_null(st));
	json_decref(st);
	/* Nothing to sync into: a no-op, not a failure. */
	sl_xdp_sync(&x, NULL);
	assert_int_equal(x.syncs, 0);
	sl_xdp_fini(&x);
}

/* ------------------------------------------------------------------ */
/* Reconcile against real maps */

static void reconcile_is_a_full_sync(void **state)
{
	int fd;
	struct sl_xdp_vip_key keys[2] = {key("10.99.100.1"), key("fd00:99::100")};
	struct sl_xdp_vip_val vals[2] = {{2}, {1}};
	struct sl_xdp_diff d;
	char err[128];

	(void)state;
	NEED_BPF();
	fd = vip_map(16);
	assert_int_equal(sl_xdp_reconcile(fd, keys, vals, 2, &d, err, sizeof(err)), 0);
	assert_int_equal(d.added, 2);
	assert_int_equal(d.removed + d.changed, 0);
	assert_int_equal(d.entries, 2);
	assert_string_equal(err, "");

	/* Someone (an older configuration) left a stale key and a wrong value. */
	put(fd, "10.99.100.9", 1);
	put(fd, "10.99.100.1", 7);
	assert_int_equal(sl_xdp_reconcile(fd, keys, vals, 2, &d, err, sizeof(err)), 0);
	assert_int_equal(d.added, 0);
	assert_int_equal(d.removed, 1);
	assert_int_equal(d.changed, 1);
	assert_int_equal(d.entries, 2);
	assert_int_equal(count(fd), 2);
	assert_int_equal(get(fd, "10.99.100.1"), 2);
	assert_int_equal(get(fd, "fd00:99::100"), 1);
	assert_int_equal(get(fd, "10.99.100.9"), 0);

	/* In step: nothing written. */
	assert_int_equal(sl_xdp_reconcile(fd, keys, vals, 2, &d, err, sizeof(err)), 0);
	assert_int_equal(d.added + d.removed + d.changed, 0);
	assert_int_equal(d.entries, 2);

	/* The empty configuration empties the map. */
	assert_int_equal(sl_xdp_reconcile(fd, keys, vals, 0, &d, err, sizeof(err)), 0);
	assert_int_equal(d.removed, 2);
	assert_int_equal(d.entries, 0);
	assert_int_equal(count(fd), 0);
	close(fd);
}

/* A full map of stale keys takes a whole new set: deletes come first. */
static void reconcile_deletes_before_adding(void **state)
{
	struct sl_xdp_vip_key keys[4] = {key("10.99.101.1"), key("10.99.101.2"), key("10.99.101.3"),
					 key("10.99.101.4")};
	struct sl_xdp_vip_val vals[4] = {{1}, {1}, {1}, {1}};
	struct sl_xdp_diff d;
	char err[128];
	int fd;

	(void)state;
	NEED_BPF();
	fd = vip_map(4);
	put(fd, "10.99.100.1", 1);
	put(fd, "10.99.100.2", 1);
	put(fd, "10.99.100.3", 1);
	put(fd, "10.99.100.4", 1);
	assert_int_equal(sl_xdp_reconcile(fd, keys, vals, 4, &d, err, sizeof(err)), 0);
	assert_int_equal(d.removed, 4);
	assert_int_equal(d.added, 4);
	assert_int_equal(count(fd), 4);
	assert_int_equal(get(fd, "10.99.101.4"), 1);
	close(fd);
}

/* More than fits: the failure names the address, what fits is applied. */
static void reconcile_failure_reported_rest_applied(void **state)
{
	struct sl_xdp_vip_key keys[3] = {key("10.99.100.1"), key("10.99.100.2"),
					 key("10.99.100.3")};
	struct sl_xdp_vip_val vals[3] = {{1}, {1}, {1}};
	struct sl_xdp_diff d;
	char err[128];
	int fd;

	(void)state;
	NEED_BPF();
	fd = vip_map(2);
	put(fd, "10.99.100.9", 1);
	assert_int_equal(sl_xdp_reconcile(fd, keys, vals, 3, &d, err, sizeof(err)), -E2BIG);
	assert_int_equal(d.removed, 1);
	assert_int_equal(d.added, 2);
	assert_int_equal(d.entries, 2);
	assert_non_null(strstr(err, "add 10.99.100.3"));
	assert_int_equal(get(fd, "10.99.100.1"), 1);
	assert_int_equal(get(fd, "10.99.100.2"), 1);
	close(fd);
}

static void reconcile_refuses_other_maps(void **state)
{
	struct sl_xdp_diff d;
	char err[128];
	int fd;

	(void)state;
	NEED_BPF();
	fd = bpf_map_create(BPF_MAP_TYPE_HASH, "slx_xdp_other", 16, 4, 4, NULL);
	assert_true(fd >= 0);
	assert_int_equal(sl_xdp_reconcile(fd, NULL, NULL, 0, &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "not a sluice VIP map"));
	close(fd);
	assert_true(sl_xdp_reconcile(fd, NULL, NULL, 0, &d, err, sizeof(err)) < 0);
	assert_non_null(strstr(err, "map fd"));
}

/* sl_xdp_sync counts syncs and failures, keeps the last error until a sync
 * succeeds, and status shows it all. */
static void sync_counts_and_status(void **state)
{
	struct sl_config *one = config(VIP("10.99.100.1", "80", "tcp"));
	struct sl_config *three = config(VIP("10.99.100.1", "80", "tcp") VIP(
	    "10.99.100.2", "80", "tcp") VIP6("fd00:99::100", "80", "tcp"));
	struct sl_xdp x;
	json_t *st;

	(void)state;
	NEED_BPF();
	sl_xdp_init(&x, PIN_ROOT);
	x.vips_fd = vip_map(2);
	x.nb_af_xdp = 1;
	x.nb_ours = 1;
	snprintf(x.ports[0], sizeof(x.ports[0]), "net_af_xdp0");
	snprintf(x.progs[0], sizeof(x.progs[0]), "sluice_xdp");

	sl_xdp_sync(&x, one);
	assert_int_equal(x.syncs, 1);
	assert_int_equal(x.sync_failures, 0);
	assert_int_equal(x.last.entries, 1);
	assert_int_equal(get(x.vips_fd, "10.99.100.1"), 1);

	sl_xdp_sync(&x, three);
	assert_int_equal(x.syncs, 2);
	assert_int_equal(x.sync_failures, 1);
	assert_non_null(strstr(x.last_error, "add fd00:99::100"));
	st = sl_xdp_status(&x);
	assert_true(json_is_object(st));
	assert_string_equal(json_string_value(json_object_get(st, "vip_map")),
			    PIN_ROOT "/sl_xdp_vips");
	assert_int_equal(json_integer_value(json_object_get(st, "entries")), 2);
	assert_int_equal(json_integer_value(json_object_get(st, "syncs")), 2);
	assert_int_equal(json_integer_value(json_object_get(st, "sync_failures")), 1);
	assert_non_null(
	    strstr(json_string_value(json_object_get(st, "last_error")), "fd00:99::100"));
	assert_string_equal(json_string_value(json_object_get(
				json_array_get(json_object_get(st, "ports"), 0), "program")),
			    "sluice_xdp");
	assert_true(json_is_null(json_object_get(st, "counters"))); /* no stats map */
	json_decref(st);

	/* Back to what fits: the error clears, the stale address goes. */
	sl_xdp_sync(&x, one);
	assert_int_equal(x.syncs, 3);
	assert_int_equal(x.sync_failures, 1);
	assert_string_equal(x.last_error, "");
	assert_int_equal(count(x.vips_fd), 1);
	st = sl_xdp_status(&x);
	assert_true(json_is_null(json_object_get(st, "last_error")));
	json_decref(st);

	close(x.vips_fd);
	x.vips_fd = -1;
	x.nb_ours = 0;
	sl_xdp_fini(&x);
	sl_config_free(one);
	sl_config_free(three);
}

/* ------------------------------------------------------------------ */
/* Pins */

/* prestart removes a pin no program uses (stale) and keeps one in use;
 * without an AF_XDP port it touches nothing. */
static void prestart_removes_only_stale_pins(void **state)
{
	const struct sl_xdp_port memif[] = {{"net_memif0", "net_memif", 0}};
	const struct sl_xdp_port af_xdp[] = {{"net_memif0", "net_memif", 0},
					     {"net_af_xdp0", "net_af_xdp", 0}};
	struct sl_xdp x;
	int m1, m2, prog;

	(void)state;
	NEED_BPF();
	sl_xdp_init(&x, PIN_ROOT);
	m1 = vip_map(4);
	assert_int_equal(bpf_obj_pin(m1, x.vips_pin), 0);
	close(m1);
	assert_int_equal(sl_xdp_prestart(&x, memif, 1), 0);
	assert_true(exists(x.vips_pin));
	assert_int_equal(sl_xdp_prestart(&x, af_xdp, 2), 1);
	assert_false(exists(x.vips_pin));
	assert_false(x.pin_seen_at_start);

	m2 = vip_map(4);
	prog = prog_using(m2);
	assert_int_equal(bpf_obj_pin(m2, x.vips_pin), 0);
	assert_int_equal(sl_xdp_prestart(&x, af_xdp, 2), 0);
	assert_true(exists(x.vips_pin));
	assert_true(x.pin_seen_at_start);
	close(prog);
	close(m2);
	unlink(x.vips_pin);
}

static uint32_t lo_prog(void)
{
	uint32_t id = 0;

	assert_int_equal(bpf_xdp_query_id(1, XDP_FLAGS_SKB_MODE, &id), 0);
	return id;
}

/* sluice's program left attached to an AF_XDP port's interface with no
 * process holding it (its sluiced died) is detached before the PMD attaches
 * a new one; held by a process, or another program: left. */
static void prestart_detaches_orphaned_program(void **state)
{
	const struct sl_xdp_port ports[] = {{"net_af_xdp0", "net_af_xdp", 1}};
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = PIN_ROOT);
	struct bpf_object *obj;
	struct sl_xdp x;
	int fd, m;

	(void)state;
	NEED_BPF();
	obj = bpf_object__open_file(obj_path, &oo);
	assert_non_null(obj);
	assert_int_equal(bpf_object__load(obj), 0);
	fd = bpf_program__fd(bpf_object__next_program(obj, NULL));
	assert_int_equal(bpf_xdp_attach(1, fd, XDP_FLAGS_SKB_MODE, NULL), 0);

	/* Held by this process (as by a running sluiced): left. */
	sl_xdp_init(&x, PIN_ROOT);
	assert_int_equal(sl_xdp_prestart(&x, ports, 1), 0);
	assert_int_not_equal(lo_prog(), 0);
	/* Its maps are in use: their pins are kept and marked not ours. */
	assert_true(x.pin_seen_at_start);
	assert_true(exists(PIN_ROOT "/sl_xdp_vips"));

	/* Only the attachment holds it: detached, then the pins are stale. */
	bpf_object__close(obj);
	sl_xdp_init(&x, PIN_ROOT);
	assert_int_equal(sl_xdp_prestart(&x, ports, 1), 3);
	assert_int_equal(lo_prog(), 0);
	assert_false(exists(PIN_ROOT "/sl_xdp_vips"));
	assert_false(exists(PIN_ROOT "/sl_xdp_stats"));
	assert_false(x.pin_seen_at_start);

	/* Another program, orphaned too: not ours to detach. */
	m = vip_map(2);
	fd = prog_using(m);
	assert_int_equal(bpf_xdp_attach(1, fd, XDP_FLAGS_SKB_MODE, NULL), 0);
	close(fd);
	close(m);
	sl_xdp_init(&x, PIN_ROOT);
	assert_int_equal(sl_xdp_prestart(&x, ports, 1), 0);
	assert_int_not_equal(lo_prog(), 0);
	assert_int_equal(bpf_xdp_detach(1, XDP_FLAGS_SKB_MODE, NULL), 0);
}

/* fini removes the pins this run's ports used when no other process's
 * program uses them; never when they were live before the run. */
static void fini_removes_only_own_unused_pins(void **state)
{
	struct sl_xdp x;
	int m, prog, pipefd[2];
	pid_t child;
	char c;

	(void)state;
	NEED_BPF();
	m = vip_map(4);
	assert_int_equal(bpf_obj_pin(m, PIN_ROOT "/sl_xdp_vips"), 0);

	/* Another process holds a program that uses the map. */
	prog = prog_using(m);
	assert_int_equal(pipe(pipefd), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(pipefd[1]);
		/* Until the parent closes the pipe (or dies). */
		while (read(pipefd[0], &c, 1) > 0)
			;
		_exit(0);
	}
	close(pipefd[0]);
	close(prog);

	sl_xdp_init(&x, PIN_ROOT);
	x.nb_ours = 1;
	x.vips_map_id = map_id(m);
	sl_xdp_fini(&x);
	assert_true(exists(x.vips_pin));

	close(pipefd[1]);
	assert_int_equal(waitpid(child, NULL, 0), child);

	/* A live pin at start is never ours. */
	sl_xdp_init(&x, PIN_ROOT);
	x.nb_ours = 1;
	x.vips_map_id = map_id(m);
	x.pin_seen_at_start = true;
	sl_xdp_fini(&x);
	assert_true(exists(x.vips_pin));

	/* A pin holding another map than ours is not ours either. */
	sl_xdp_init(&x, PIN_ROOT);
	x.nb_ours = 1;
	x.vips_map_id = map_id(m) + 100000;
	sl_xdp_fini(&x);
	assert_true(exists(x.vips_pin));

	/* Ours, and only this process's own program uses it: removed. */
	prog = prog_using(m);
	sl_xdp_init(&x, PIN_ROOT);
	x.nb_ours = 1;
	x.vips_map_id = map_id(m);
	sl_xdp_fini(&x);
	assert_false(exists(x.vips_pin));
	close(prog);
	close(m);
}

/* ------------------------------------------------------------------ */
/* Attach: sluice_xdp.o on the loopback of our own netns */

static void attach_finds_program_and_maps(void **state)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .pin_root_path = PIN_ROOT);
	struct bpf_object *obj;
	struct sl_xdp x;
	struct sl_xdp_port ports[] = {
	    {"net_memif0", "net_memif", 0},
	    {"net_af_xdp0", "net_af_xdp", 1}, /* lo of a fresh netns */
	    {"net_af_xdp1", "net_af_xdp", 0},
	};
	struct sl_config *cfg = config(VIP("10.99.100.1", "80", "tcp"));
	int prog_fd, other, m, lo = (int)if_nametoindex("lo");
	json_t *st;

	(void)state;
	NEED_BPF();
	assert_int_equal(lo, 1);
	obj = bpf_object__open_file(obj_path, &oo);
	assert_non_null(obj);
	assert_int_equal(bpf_object__load(obj), 0);
	prog_fd = bpf_program__fd(bpf_object__next_program(obj, NULL));
	assert_int_equal(bpf_xdp_attach(lo, prog_fd, XDP_FLAGS_SKB_MODE, NULL), 0);

	sl_xdp_init(&x, PIN_ROOT);
	assert_int_equal(sl_xdp_attach(&x, ports, 3), 1);
	assert_int_equal(x.nb_af_xdp, 2);
	assert_string_equal(x.progs[0], SL_XDP_PROG_NAME);
	assert_string_equal(x.progs[1], "");
	assert_true(x.vips_fd >= 0);
	assert_true(x.stats_fd >= 0);
	assert_int_equal(map_id(x.vips_fd),
			 map_id(bpf_map__fd(bpf_object__find_map_by_name(obj, SL_XDP_VIPS_MAP))));
	sl_xdp_sync(&x, cfg);
	assert_int_equal(
	    get(bpf_map__fd(bpf_object__find_map_by_name(obj, SL_XDP_VIPS_MAP)), "10.99.100.1"), 1);
	st = sl_xdp_status(&x);
	assert_int_equal(json_array_size(json_object_get(st, "ports")), 2);
	assert_true(json_is_null(
	    json_object_get(json_array_get(json_object_get(st, "ports"), 1), "program")));
	assert_int_equal(
	    json_integer_value(json_object_get(json_object_get(st, "counters"), "redirect")), 0);
	json_decref(st);

	/* Created by this run and used by no other process (the program is
	 * ours, as the PMD's stays with sluiced until it exits): removed. */
	sl_xdp_fini(&x);
	assert_false(exists(PIN_ROOT "/sl_xdp_vips"));
	assert_false(exists(PIN_ROOT "/sl_xdp_stats"));

	/* Pins gone while the program runs: its maps are used anyway. */
	sl_xdp_init(&x, PIN_ROOT);
	assert_int_equal(sl_xdp_attach(&x, ports, 2), 1);
	assert_true(x.vips_fd >= 0);
	sl_xdp_sync(&x, cfg);
	assert_int_equal(x.sync_failures, 0);
	sl_xdp_fini(&x);

	/* A pin holding some other map: the program's map is the one kept,
	 * and the other's pin is not ours to remove. */
	m = vip_map(2);
	assert_int_equal(bpf_obj_pin(m, PIN_ROOT "/sl_xdp_vips"), 0);
	sl_xdp_init(&x, PIN_ROOT);
	assert_int_equal(sl_xdp_attach(&x, ports, 2), 1);
	assert_int_equal(map_id(x.vips_fd),
			 map_id(bpf_map__fd(bpf_object__find_map_by_name(obj, SL_XDP_VIPS_MAP))));
	sl_xdp_fini(&x);
	assert_true(exists(PIN_ROOT "/sl_xdp_vips"));
	assert_int_equal(unlink(PIN_ROOT "/sl_xdp_vips"), 0);
	close(m);

	/* Another program on the interface: a port without ours. */
	assert_int_equal(bpf_xdp_detach(lo, XDP_FLAGS_SKB_MODE, NULL), 0);
	bpf_object__close(obj);
	m = vip_map(2);
	other = prog_using(m);
	assert_int_equal(bpf_xdp_attach(lo, other, XDP_FLAGS_SKB_MODE, NULL), 0);
	sl_xdp_init(&x, PIN_ROOT);
	assert_int_equal(sl_xdp_attach(&x, ports, 2), 0);
	assert_int_equal(x.nb_af_xdp, 1);
	assert_string_equal(x.progs[0], "slx_xdp_user");
	assert_int_equal(x.vips_fd, -1);
	assert_int_equal(bpf_xdp_detach(lo, XDP_FLAGS_SKB_MODE, NULL), 0);
	close(other);
	close(m);
	sl_xdp_fini(&x);
	sl_config_free(cfg);
}

/* Root with BPF: a private mount namespace with its own bpffs and a private
 * network namespace (its lo has index 1).  Anything short of that skips
 * the tests that need it. */
static bool private_world(void)
{
	const struct bpf_insn pass[] = {
	    {.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = XDP_PASS},
	    {.code = BPF_JMP | BPF_EXIT},
	};
	int fd;

	if (geteuid() != 0) {
		printf("note: not root: BPF tests skip\n");
		return false;
	}
	if (unshare(CLONE_NEWNS | CLONE_NEWNET) != 0 ||
	    mount("none", "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	    mount("bpf", "/sys/fs/bpf", "bpf", 0, NULL) != 0 || mkdir(PIN_ROOT, 0700) != 0) {
		printf("note: no private bpffs/netns (%s): BPF tests skip\n", strerror(errno));
		return false;
	}
	fd = bpf_prog_load(BPF_PROG_TYPE_XDP, NULL, "GPL", pass, 2, NULL);
	if (fd < 0) {
		printf("note: the kernel loads no XDP program (%s): BPF tests skip\n",
		       strerror(errno));
		return false;
	}
	close(fd);
	return true;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(wanted_one_key_per_address),
	    cmocka_unit_test(status_null_without_af_xdp),
	    cmocka_unit_test(reconcile_is_a_full_sync),
	    cmocka_unit_test(reconcile_deletes_before_adding),
	    cmocka_unit_test(reconcile_failure_reported_rest_applied),
	    cmocka_unit_test(reconcile_refuses_other_maps),
	    cmocka_unit_test(sync_counts_and_status),
	    cmocka_unit_test(prestart_removes_only_stale_pins),
	    cmocka_unit_test(prestart_detaches_orphaned_program),
	    cmocka_unit_test(fini_removes_only_own_unused_pins),
	    cmocka_unit_test(attach_finds_program_and_maps),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s PATH/sluice_xdp.o\n", argv[0]);
		return 2;
	}
	obj_path = argv[1];
	have_bpf = private_world();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
