/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * sluice-decap: attach, detach and inspect the backend-side XDP
 * decapsulation program (tools/bpf/sluice_decap.bpf.c) on one interface.
 *
 *   sluice-decap attach IFACE [--gue-port N]... [--dst ADDR]... [--obj PATH]
 *                             [--mode native|skb]
 *   sluice-decap detach IFACE
 *   sluice-decap status IFACE
 *
 * Nothing is pinned: the program stays attached through the interface's
 * netlink XDP attachment after this process exits, and `status` finds the
 * counters through the attached program's map ids.  So it works inside
 * `ip netns exec` without a bpffs mount.  libbpf only (no libxdp: its
 * multi-program dispatcher needs bpffs, and one program per interface is all
 * a backend needs).
 *
 * Exit status: 0 success; 1 the operation failed (unknown interface, object
 * not found, someone else's program attached, kernel refusal; `status`: not
 * attached); 2 bad command line.  Every error names what was wrong.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include "sluice_decap.h"

#ifndef SL_DECAP_OBJ_INSTALLED
#define SL_DECAP_OBJ_INSTALLED "/usr/local/lib/sluice/sluice_decap.o"
#endif
#ifndef SL_VERSION
#define SL_VERSION "unknown"
#endif

#define EXIT_FAIL  1
#define EXIT_USAGE 2

#define SL_COUNTER_NAME(e, name, help) name,
static const char *const counter_names[SL_DECAP_NB_COUNTERS] = {SL_DECAP_COUNTERS(SL_COUNTER_NAME)};
#undef SL_COUNTER_NAME
#define SL_COUNTER_HELP(e, name, help) help,
static const char *const counter_help[SL_DECAP_NB_COUNTERS] = {SL_DECAP_COUNTERS(SL_COUNTER_HELP)};
#undef SL_COUNTER_HELP

enum mode { MODE_AUTO = 0, MODE_NATIVE, MODE_SKB };

struct opts {
	const char *cmd;
	const char *ifname;
	const char *obj;
	enum mode mode;
	bool verbose;
	unsigned nb_gue;
	uint16_t gue[SL_DECAP_MAX_GUE]; /* host order */
	unsigned nb_dst4, nb_dst6;
	uint32_t dst4[SL_DECAP_MAX_DST]; /* network order */
	struct sl_decap_in6 dst6[SL_DECAP_MAX_DST];
	bool attach_only_opt; /* an option that only attach takes was given */
};

/* What is attached to an interface, one program per attach mode. */
struct attached {
	uint32_t id;
	uint32_t mode_flag; /* XDP_FLAGS_DRV_MODE, _SKB_MODE or _HW_MODE */
	const char *mode_name;
};

static bool verbose;

static void usage(FILE *f)
{
	fprintf(f,
		"usage: sluice-decap attach IFACE [--gue-port N]... [--dst ADDR]... [--obj PATH]\n"
		"                          [--mode native|skb]\n"
		"       sluice-decap detach IFACE\n"
		"       sluice-decap status IFACE\n"
		"       sluice-decap --help | --version\n"
		"\n"
		"Backend-side XDP decapsulation of sluice's tunnels, for hosts without the\n"
		"kernel's ipip/ip6_tunnel/fou modules.  Strips IPv4-in-IPv4, IPv6-in-IPv6,\n"
		"IPv4-in-IPv6 and GUE variant 1 (UDP to a GUE port), and passes the inner\n"
		"packet to the kernel stack; everything else passes untouched.\n"
		"\n"
		"  attach      load the program and attach it to IFACE; if sluice-decap is\n"
		"              already attached there, replace it atomically (new settings,\n"
		"              counters start from zero).  Refuses an interface that carries\n"
		"              someone else's XDP program.\n"
		"  detach      remove sluice-decap from IFACE (nothing attached: exit 0;\n"
		"              someone else's program: refused)\n"
		"  status      print whether it is attached, its settings and counters;\n"
		"              exit 0 when attached, 1 when not\n"
		"\n"
		"  --gue-port N  GUE UDP destination port, repeatable, at most %d\n"
		"                (default %d, sluice's default gue_port)\n"
		"  --dst ADDR    strip only tunnel packets whose outer destination is ADDR\n"
		"                (IPv4 or IPv6, repeatable, at most %d per family); default:\n"
		"                any destination that reaches IFACE\n"
		"  --obj PATH    the BPF object (default: bpf/sluice_decap.o next to this\n"
		"                binary, i.e. the build directory, else\n"
		"                " SL_DECAP_OBJ_INSTALLED ")\n"
		"  --mode M      native (driver XDP) or skb (generic XDP); default: native\n"
		"                when the driver supports it, else skb\n"
		"  -v, --verbose libbpf's debug output\n"
		"\n"
		"Exit status: 0 success, 1 failure, 2 bad command line.\n",
		SL_DECAP_MAX_GUE, SL_DECAP_DEF_GUE, SL_DECAP_MAX_DST);
}

/* libbpf's error text: its own codes (bad ELF, ...) above the errno range. */
static const char *bpf_strerror(int e, char *buf, size_t n)
{
	if (libbpf_strerror(e, buf, n) != 0)
		snprintf(buf, n, "error %d", e);
	return buf;
}

static void err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void err(const char *fmt, ...)
{
	va_list ap;

	fputs("sluice-decap: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* libbpf's messages: warnings always (they carry the verifier log and the
 * kernel's netlink error text), the rest with --verbose. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && !verbose)
		return 0;
	if (level == LIBBPF_INFO && !verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

/* Parse argv into o.  Returns 0, or EXIT_USAGE after printing why. */
static int parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option lopts[] = {
	    {"gue-port", required_argument, NULL, 'g'}, {"dst", required_argument, NULL, 'd'},
	    {"obj", required_argument, NULL, 'o'},	{"mode", required_argument, NULL, 'm'},
	    {"verbose", no_argument, NULL, 'v'},	{"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},	{NULL, 0, NULL, 0},
	};
	int c;

	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", lopts, NULL)) != -1) {
		switch (c) {
		case 'g': {
			char *e;
			unsigned long v;
			bool dup = false;

			errno = 0;
			v = strtoul(optarg, &e, 10);
			if (errno || *optarg == '\0' || *e != '\0' || v < 1 || v > 65535) {
				err("--gue-port: '%s' is not a port number (1-65535)", optarg);
				return EXIT_USAGE;
			}
			for (unsigned i = 0; i < o->nb_gue; i++)
				dup |= o->gue[i] == v;
			if (dup)
				break;
			if (o->nb_gue == SL_DECAP_MAX_GUE) {
				err("--gue-port: at most %d ports", SL_DECAP_MAX_GUE);
				return EXIT_USAGE;
			}
			o->gue[o->nb_gue++] = (uint16_t)v;
			o->attach_only_opt = true;
			break;
		}
		case 'd': {
			uint32_t a4;
			struct sl_decap_in6 a6;

			if (inet_pton(AF_INET, optarg, &a4) == 1) {
				if (o->nb_dst4 == SL_DECAP_MAX_DST) {
					err("--dst: at most %d IPv4 addresses", SL_DECAP_MAX_DST);
					return EXIT_USAGE;
				}
				o->dst4[o->nb_dst4++] = a4;
			} else if (inet_pton(AF_INET6, optarg, a6.a) == 1) {
				if (o->nb_dst6 == SL_DECAP_MAX_DST) {
					err("--dst: at most %d IPv6 addresses", SL_DECAP_MAX_DST);
					return EXIT_USAGE;
				}
				o->dst6[o->nb_dst6++] = a6;
			} else {
				err("--dst: '%s' is not an IPv4 or IPv6 address", optarg);
				return EXIT_USAGE;
			}
			o->attach_only_opt = true;
			break;
		}
		case 'o':
			o->obj = optarg;
			o->attach_only_opt = true;
			break;
		case 'm':
			if (strcmp(optarg, "native") == 0) {
				o->mode = MODE_NATIVE;
			} else if (strcmp(optarg, "skb") == 0) {
				o->mode = MODE_SKB;
			} else {
				err("--mode: '%s' is not native or skb", optarg);
				return EXIT_USAGE;
			}
			o->attach_only_opt = true;
			break;
		case 'v':
			o->verbose = true;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("sluice-decap %s\n", SL_VERSION);
			exit(0);
		case ':':
			err("option %s needs a value", argv[optind - 1]);
			return EXIT_USAGE;
		default:
			err("unknown option '%s' (see --help)", argv[optind - 1]);
			return EXIT_USAGE;
		}
	}
	if (argc - optind < 1) {
		err("no command (attach, detach or status; see --help)");
		return EXIT_USAGE;
	}
	o->cmd = argv[optind];
	if (strcmp(o->cmd, "attach") != 0 && strcmp(o->cmd, "detach") != 0 &&
	    strcmp(o->cmd, "status") != 0) {
		err("unknown command '%s' (attach, detach or status)", o->cmd);
		return EXIT_USAGE;
	}
	if (argc - optind < 2) {
		err("%s: no interface given", o->cmd);
		return EXIT_USAGE;
	}
	if (argc - optind > 2) {
		err("%s: unexpected argument '%s'", o->cmd, argv[optind + 2]);
		return EXIT_USAGE;
	}
	o->ifname = argv[optind + 1];
	if (o->attach_only_opt && strcmp(o->cmd, "attach") != 0) {
		err("%s: --gue-port, --dst, --obj and --mode apply only to attach", o->cmd);
		return EXIT_USAGE;
	}
	if (o->nb_gue == 0)
		o->gue[o->nb_gue++] = SL_DECAP_DEF_GUE;
	return 0;
}

/* The interface's index in this network namespace, or 0 after an error. */
static unsigned ifindex_of(const char *ifname)
{
	unsigned idx;

	if (strlen(ifname) >= IF_NAMESIZE) {
		err("interface name '%s' is longer than %d characters", ifname, IF_NAMESIZE - 1);
		return 0;
	}
	idx = if_nametoindex(ifname);
	if (idx == 0)
		err("unknown interface '%s' (in this network namespace): %s", ifname,
		    strerror(errno));
	return idx;
}

/* The XDP programs on ifindex, one per attach mode: fills att[0..2],
 * returns how many (0..3) or -errno. */
static int query(unsigned ifindex, const char *ifname, struct attached *att)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	int n = 0, rc;

	rc = bpf_xdp_query((int)ifindex, 0, &q);
	if (rc < 0) {
		err("%s: cannot query its XDP programs: %s", ifname, strerror(-rc));
		return rc;
	}
	if (q.drv_prog_id)
		att[n++] = (struct attached){q.drv_prog_id, XDP_FLAGS_DRV_MODE, "native"};
	if (q.skb_prog_id)
		att[n++] = (struct attached){q.skb_prog_id, XDP_FLAGS_SKB_MODE, "skb"};
	if (q.hw_prog_id)
		att[n++] = (struct attached){q.hw_prog_id, XDP_FLAGS_HW_MODE, "offload"};
	return n;
}

/* Name of program `id` into name[16]; its fd (caller closes) or -errno. */
static int prog_open(uint32_t id, char *name, struct bpf_prog_info *info, uint32_t *map_ids,
		     uint32_t nb_map_ids)
{
	uint32_t len = sizeof(*info);
	int fd, rc;

	fd = bpf_prog_get_fd_by_id(id);
	if (fd < 0)
		return -errno;
	memset(info, 0, sizeof(*info));
	info->nr_map_ids = nb_map_ids;
	info->map_ids = (uint64_t)(uintptr_t)map_ids;
	rc = bpf_obj_get_info_by_fd(fd, info, &len);
	if (rc < 0) {
		rc = -errno;
		close(fd);
		return rc;
	}
	snprintf(name, BPF_OBJ_NAME_LEN, "%s", info->name);
	return fd;
}

/* Whether program `id` is sluice-decap (by its program name: the kernel
 * keeps the first 15 characters of the function name).  name[16] gets the
 * name either way ("?" when the id vanished). */
static bool is_ours(uint32_t id, char *name)
{
	struct bpf_prog_info info;
	uint32_t ids[8];
	int fd = prog_open(id, name, &info, ids, 8);

	if (fd < 0) {
		snprintf(name, BPF_OBJ_NAME_LEN, "?");
		return false;
	}
	close(fd);
	return strcmp(name, SL_DECAP_PROG_NAME) == 0;
}

static uint32_t mode_flag(enum mode m)
{
	return m == MODE_NATIVE ? XDP_FLAGS_DRV_MODE : m == MODE_SKB ? XDP_FLAGS_SKB_MODE : 0;
}

/* Where the BPF object is: --obj, else bpf/sluice_decap.o next to this
 * binary (a build directory: the binary and its object were built
 * together), else the installed path.  0 with path filled, or -errno. */
static int find_obj(const struct opts *o, char *path, size_t n)
{
	char exe[PATH_MAX];
	ssize_t len;
	char *slash;

	if (o->obj) {
		if (access(o->obj, R_OK) != 0) {
			int e = errno;

			err("BPF object '%s': %s", o->obj, strerror(e));
			return -e;
		}
		snprintf(path, n, "%s", o->obj);
		return 0;
	}
	len = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	if (len > 0) {
		exe[len] = '\0';
		slash = strrchr(exe, '/');
		if (slash) {
			*slash = '\0';
			if ((size_t)snprintf(path, n, "%s/bpf/sluice_decap.o", exe) < n &&
			    access(path, R_OK) == 0)
				return 0;
		}
	}
	snprintf(path, n, "%s", SL_DECAP_OBJ_INSTALLED);
	if (access(path, R_OK) == 0)
		return 0;
	err("BPF object not found: neither %s/bpf/sluice_decap.o (build directory) nor %s "
	    "(installed); give --obj PATH",
	    len > 0 ? exe : "<this binary's directory>", SL_DECAP_OBJ_INSTALLED);
	return -ENOENT;
}

static int map_update(struct bpf_object *obj, const char *name, const void *key, const void *val)
{
	struct bpf_map *m = bpf_object__find_map_by_name(obj, name);
	int rc;

	if (!m) {
		err("BPF object has no map '%s' (not a sluice_decap.o of this version?)", name);
		return -ENOENT;
	}
	rc = bpf_map_update_elem(bpf_map__fd(m), key, val, BPF_ANY);
	if (rc < 0) {
		rc = -errno;
		err("map %s: update failed: %s", name, strerror(-rc));
	}
	return rc;
}

/* Fill the configuration maps of the loaded (not yet attached) object. */
static int configure(struct bpf_object *obj, const struct opts *o)
{
	struct sl_decap_conf conf = {0};
	uint32_t zero = 0;
	uint8_t one = 1;
	int rc;

	for (unsigned i = 0; i < o->nb_gue; i++) {
		uint16_t port = htons(o->gue[i]);

		rc = map_update(obj, SL_DECAP_MAP_GUE, &port, &one);
		if (rc)
			return rc;
	}
	for (unsigned i = 0; i < o->nb_dst4; i++) {
		rc = map_update(obj, SL_DECAP_MAP_DST4, &o->dst4[i], &one);
		if (rc)
			return rc;
	}
	for (unsigned i = 0; i < o->nb_dst6; i++) {
		rc = map_update(obj, SL_DECAP_MAP_DST6, &o->dst6[i], &one);
		if (rc)
			return rc;
	}
	if (o->nb_dst4 + o->nb_dst6 > 0)
		conf.flags |= SL_DECAP_F_DST_FILTER;
	return map_update(obj, SL_DECAP_MAP_CONF, &zero, &conf);
}

static void attach_error(const char *ifname, enum mode m, int rc)
{
	if (rc == -EOPNOTSUPP && m == MODE_NATIVE)
		err("%s: its driver has no native XDP support; use --mode skb", ifname);
	else if (rc == -EEXIST || rc == -EBUSY)
		err("%s: another XDP program was attached meanwhile; see 'sluice-decap status "
		    "%s'",
		    ifname, ifname);
	else if (rc == -EPERM)
		err("%s: attaching XDP needs root (CAP_NET_ADMIN and CAP_BPF)", ifname);
	else
		err("%s: the kernel refused the XDP attachment: %s (any 'libbpf:' line above has "
		    "its reason)",
		    ifname, strerror(-rc));
}

static int cmd_attach(const struct opts *o)
{
	struct attached att[3], *ours = NULL;
	struct bpf_object *obj = NULL;
	struct bpf_program *prog;
	char path[PATH_MAX], name[BPF_OBJ_NAME_LEN], ebuf[128];
	LIBBPF_OPTS(bpf_xdp_attach_opts, aopts);
	uint32_t flags;
	unsigned ifindex;
	int n, rc, old_fd = -1, ret = EXIT_FAIL;

	ifindex = ifindex_of(o->ifname);
	if (ifindex == 0)
		return EXIT_FAIL;
	n = query(ifindex, o->ifname, att);
	if (n < 0)
		return EXIT_FAIL;
	for (int i = 0; i < n; i++) {
		if (!is_ours(att[i].id, name)) {
			err("%s: XDP program '%s' (id %u, %s mode) is already attached and it is "
			    "not sluice-decap; remove it first (its owner's tool, or 'ip link set "
			    "dev %s xdp off')",
			    o->ifname, name, att[i].id, att[i].mode_name, o->ifname);
			return EXIT_FAIL;
		}
		ours = &att[i];
	}
	if (ours && o->mode != MODE_AUTO && mode_flag(o->mode) != ours->mode_flag) {
		err("%s: sluice-decap is attached in %s mode; detach it first to change the mode",
		    o->ifname, ours->mode_name);
		return EXIT_FAIL;
	}
	if (find_obj(o, path, sizeof(path)) < 0)
		return EXIT_FAIL;

	obj = bpf_object__open_file(path, NULL);
	if (!obj) {
		err("BPF object '%s': cannot open: %s", path,
		    bpf_strerror(errno, ebuf, sizeof(ebuf)));
		return EXIT_FAIL;
	}
	prog = bpf_object__find_program_by_name(obj, SL_DECAP_PROG_NAME);
	if (!prog) {
		err("BPF object '%s' has no program '%s'", path, SL_DECAP_PROG_NAME);
		goto out;
	}
	rc = bpf_object__load(obj);
	if (rc < 0) {
		err("BPF object '%s': the kernel refused to load it: %s (the verifier's log, "
		    "if any, is above)",
		    path, bpf_strerror(-rc, ebuf, sizeof(ebuf)));
		goto out;
	}
	if (configure(obj, o) < 0)
		goto out;

	if (ours) {
		/* Replace atomically: the kernel checks the program it swaps out
		 * is still the one we saw, so a concurrent change is refused. */
		old_fd = bpf_prog_get_fd_by_id(ours->id);
		if (old_fd < 0) {
			err("%s: attached program id %u vanished: %s; retry", o->ifname, ours->id,
			    strerror(errno));
			goto out;
		}
		aopts.old_prog_fd = old_fd;
		flags = XDP_FLAGS_REPLACE | ours->mode_flag;
	} else {
		flags = XDP_FLAGS_UPDATE_IF_NOEXIST | mode_flag(o->mode);
	}
	rc = bpf_xdp_attach((int)ifindex, bpf_program__fd(prog), flags, &aopts);
	if (rc < 0) {
		attach_error(o->ifname, o->mode, rc);
		goto out;
	}
	n = query(ifindex, o->ifname, att);
	printf("sluice-decap: %s %s (%s mode, program id %u); GUE ports",
	       ours ? "replaced on" : "attached to", o->ifname, n == 1 ? att[0].mode_name : "?",
	       n == 1 ? att[0].id : 0);
	for (unsigned i = 0; i < o->nb_gue; i++)
		printf(" %u", o->gue[i]);
	printf("; outer destinations: %s\n", o->nb_dst4 + o->nb_dst6 ? "as given" : "any");
	ret = 0;
out:
	if (old_fd >= 0)
		close(old_fd);
	/* The attachment holds its own reference on the program and maps. */
	bpf_object__close(obj);
	return ret;
}

static int cmd_detach(const struct opts *o)
{
	struct attached att[3];
	char name[BPF_OBJ_NAME_LEN];
	unsigned ifindex;
	int n, rc, fd;

	ifindex = ifindex_of(o->ifname);
	if (ifindex == 0)
		return EXIT_FAIL;
	n = query(ifindex, o->ifname, att);
	if (n < 0)
		return EXIT_FAIL;
	if (n == 0) {
		printf("sluice-decap: %s: nothing attached\n", o->ifname);
		return 0;
	}
	for (int i = 0; i < n; i++) {
		if (!is_ours(att[i].id, name)) {
			err("%s: the attached XDP program '%s' (id %u, %s mode) is not "
			    "sluice-decap; leaving it alone",
			    o->ifname, name, att[i].id, att[i].mode_name);
			return EXIT_FAIL;
		}
	}
	for (int i = 0; i < n; i++) {
		LIBBPF_OPTS(bpf_xdp_attach_opts, aopts);

		fd = bpf_prog_get_fd_by_id(att[i].id);
		if (fd < 0)
			continue; /* detached meanwhile */
		/* Remove only the program we looked at. */
		aopts.old_prog_fd = fd;
		rc = bpf_xdp_detach((int)ifindex, XDP_FLAGS_REPLACE | att[i].mode_flag, &aopts);
		close(fd);
		if (rc < 0) {
			err("%s: detaching program id %u failed: %s", o->ifname, att[i].id,
			    strerror(-rc));
			return EXIT_FAIL;
		}
		printf("sluice-decap: %s: detached (program id %u, %s mode)\n", o->ifname,
		       att[i].id, att[i].mode_name);
	}
	return 0;
}

/* fd of the map called `name` among map_ids, or -1. */
static int map_by_name(const uint32_t *map_ids, uint32_t n, const char *name,
		       struct bpf_map_info *mi)
{
	for (uint32_t i = 0; i < n; i++) {
		uint32_t len = sizeof(*mi);
		int fd = bpf_map_get_fd_by_id(map_ids[i]);

		if (fd < 0)
			continue;
		memset(mi, 0, sizeof(*mi));
		if (bpf_obj_get_info_by_fd(fd, mi, &len) == 0 && strcmp(mi->name, name) == 0)
			return fd;
		close(fd);
	}
	return -1;
}

static void print_settings(const uint32_t *ids, uint32_t nb_ids)
{
	struct bpf_map_info mi;
	char buf[INET6_ADDRSTRLEN];
	struct sl_decap_conf conf = {0};
	uint32_t zero = 0;
	int fd;

	fd = map_by_name(ids, nb_ids, SL_DECAP_MAP_GUE, &mi);
	printf("  gue ports:");
	if (fd >= 0) {
		uint16_t key, next, *prev = NULL;

		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			printf(" %u", ntohs(next));
			key = next;
			prev = &key;
		}
		close(fd);
	}
	printf("\n  outer destinations:");
	fd = map_by_name(ids, nb_ids, SL_DECAP_MAP_CONF, &mi);
	if (fd >= 0) {
		bpf_map_lookup_elem(fd, &zero, &conf);
		close(fd);
	}
	if (!(conf.flags & SL_DECAP_F_DST_FILTER)) {
		printf(" any\n");
		return;
	}
	fd = map_by_name(ids, nb_ids, SL_DECAP_MAP_DST4, &mi);
	if (fd >= 0) {
		uint32_t key, next, *prev = NULL;

		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			printf(" %s", inet_ntop(AF_INET, &next, buf, sizeof(buf)));
			key = next;
			prev = &key;
		}
		close(fd);
	}
	fd = map_by_name(ids, nb_ids, SL_DECAP_MAP_DST6, &mi);
	if (fd >= 0) {
		struct sl_decap_in6 key, next, *prev = NULL;

		while (bpf_map_get_next_key(fd, prev, &next) == 0) {
			printf(" %s", inet_ntop(AF_INET6, next.a, buf, sizeof(buf)));
			key = next;
			prev = &key;
		}
		close(fd);
	}
	printf("\n");
}

/* Print the counters summed over CPUs.  0, or -errno. */
static int print_counters(const uint32_t *ids, uint32_t nb_ids)
{
	struct bpf_map_info mi;
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *vals;
	uint32_t n;
	int fd;

	if (ncpu <= 0) {
		err("cannot count the possible CPUs: %s", strerror(-ncpu));
		return ncpu;
	}
	fd = map_by_name(ids, nb_ids, SL_DECAP_MAP_STATS, &mi);
	if (fd < 0) {
		err("the attached program has no map '%s'", SL_DECAP_MAP_STATS);
		return -ENOENT;
	}
	vals = calloc((size_t)ncpu, sizeof(*vals));
	if (!vals) {
		close(fd);
		return -ENOMEM;
	}
	n = mi.max_entries < SL_DECAP_NB_COUNTERS ? mi.max_entries : SL_DECAP_NB_COUNTERS;
	printf("counters (packets since attach, all CPUs):\n");
	for (uint32_t k = 0; k < n; k++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &k, vals) == 0)
			for (int c = 0; c < ncpu; c++)
				sum += vals[c];
		printf("  %-10s %20llu  %s\n", counter_names[k], (unsigned long long)sum,
		       counter_help[k]);
	}
	free(vals);
	close(fd);
	return 0;
}

static int cmd_status(const struct opts *o)
{
	struct attached att[3];
	char name[BPF_OBJ_NAME_LEN];
	unsigned ifindex;
	int n, ret = EXIT_FAIL;

	ifindex = ifindex_of(o->ifname);
	if (ifindex == 0)
		return EXIT_FAIL;
	n = query(ifindex, o->ifname, att);
	if (n < 0)
		return EXIT_FAIL;
	if (n == 0) {
		printf("%s: sluice-decap not attached (no XDP program)\n", o->ifname);
		return EXIT_FAIL;
	}
	for (int i = 0; i < n; i++) {
		struct bpf_prog_info info;
		uint32_t ids[8];
		int fd = prog_open(att[i].id, name, &info, ids, 8);

		if (fd < 0) {
			printf("%s: XDP program id %u (%s mode) vanished\n", o->ifname, att[i].id,
			       att[i].mode_name);
			continue;
		}
		close(fd);
		if (strcmp(name, SL_DECAP_PROG_NAME) != 0) {
			printf("%s: sluice-decap not attached; XDP program '%s' (id %u, %s mode) "
			       "is\n",
			       o->ifname, name, att[i].id, att[i].mode_name);
			continue;
		}
		printf("%s: sluice-decap attached (%s mode, program id %u)\n", o->ifname,
		       att[i].mode_name, att[i].id);
		if (info.nr_map_ids > 8)
			info.nr_map_ids = 8;
		print_settings(ids, info.nr_map_ids);
		if (print_counters(ids, info.nr_map_ids) == 0)
			ret = 0;
	}
	return ret;
}

int main(int argc, char **argv)
{
	struct opts o = {0};
	int rc;

	rc = parse_args(argc, argv, &o);
	if (rc)
		return rc;
	verbose = o.verbose;
	libbpf_set_print(libbpf_print);
	if (strcmp(o.cmd, "attach") == 0)
		return cmd_attach(&o);
	if (strcmp(o.cmd, "detach") == 0)
		return cmd_detach(&o);
	return cmd_status(&o);
}
