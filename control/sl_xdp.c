/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The control side of sluice's XDP front (contract in sl_xdp.h).
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>

#include <rte_common.h>
#include <rte_log.h>

#include "sl_xdp.h"

#define LOG(level, fmt, ...) RTE_LOG(level, USER1, "sluice: xdp: " fmt "\n", ##__VA_ARGS__)

/* Where sluice_xdp.o is installed (meson); the build tree has it under
 * tools/bpf/. */
#ifndef SL_XDP_OBJ
#define SL_XDP_OBJ "sluice_xdp.o"
#endif

/* Programs one process can hold open: the PMD loads one per AF_XDP port. */
#define MAX_SELF_PROGS 64
/* Maps one program refers to that we look at (ours has three). */
#define MAX_PROG_MAPS 16
/* Programs loaded in the kernel we are willing to walk. */
#define MAX_PROG_WALK 65536
/* /proc/PID/fdinfo files we are willing to read (at start-up only). */
#define MAX_FDINFO_WALK (1u << 20)

static const char *const stat_names[SL_XDP_STAT_MAX] = {
#define SL_XDP_X_NAME(e, n, d) #n,
    SL_XDP_STATS(SL_XDP_X_NAME)
#undef SL_XDP_X_NAME
};

static void key_str(const struct sl_xdp_vip_key *k, char *buf, size_t len)
{
	if (inet_ntop(k->family == SL_XDP_AF_INET ? AF_INET : AF_INET6, k->addr, buf,
		      (socklen_t)len) == NULL)
		snprintf(buf, len, "(family %u)", k->family);
}

/* ------------------------------------------------------------------ */
/* Wanted set and reconcile */

static int key_find(const struct sl_xdp_vip_key *keys, uint32_t n, const struct sl_xdp_vip_key *k)
{
	for (uint32_t i = 0; i < n; i++)
		if (memcmp(&keys[i], k, sizeof(*k)) == 0)
			return (int)i;
	return -1;
}

int sl_xdp_wanted(const struct sl_config *cfg, struct sl_xdp_vip_key *keys,
		  struct sl_xdp_vip_val *vals, uint32_t max)
{
	uint32_t n = 0;

	for (uint32_t i = 0; i < cfg->nb_vips; i++) {
		const struct sl_config_vip *v = &cfg->vips[i];
		struct sl_xdp_vip_key k;
		int j;

		memset(&k, 0, sizeof(k));
		k.family = v->family;
		memcpy(k.addr, v->addr, v->family == SL_XDP_AF_INET ? 4 : 16);
		j = key_find(keys, n, &k);
		if (j >= 0) {
			vals[j].services++;
			continue;
		}
		if (n == max)
			return -E2BIG;
		keys[n] = k;
		vals[n].services = 1;
		n++;
	}
	return (int)n;
}

/* Keep the first error: its -errno in *rc, its text in err. */
static void note(int *rc, int e, char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
static void note(int *rc, int e, char *err, size_t len, const char *fmt, ...)
{
	va_list ap;
	size_t used;

	if (*rc != 0)
		return;
	*rc = e;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	used = strlen(err);
	if (used < len)
		snprintf(err + used, len - used, ": %s", strerror(-e));
}

int sl_xdp_reconcile(int fd, const struct sl_xdp_vip_key *keys, const struct sl_xdp_vip_val *vals,
		     uint32_t n, struct sl_xdp_diff *diff, char *err, size_t err_len)
{
	struct bpf_map_info info;
	uint32_t ilen = sizeof(info), nstale = 0, present = 0;
	struct sl_xdp_vip_key *stale, cur, next;
	char a[INET6_ADDRSTRLEN];
	void *prev = NULL;
	int rc = 0;

	memset(diff, 0, sizeof(*diff));
	if (err_len > 0)
		err[0] = '\0';
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &ilen) != 0) {
		note(&rc, -errno, err, err_len, "map fd %d", fd);
		return rc;
	}
	if (info.key_size != sizeof(struct sl_xdp_vip_key) ||
	    info.value_size != sizeof(struct sl_xdp_vip_val)) {
		snprintf(err, err_len,
			 "map %u (%s) is not a sluice VIP map: key %u, value %u bytes", info.id,
			 info.name, info.key_size, info.value_size);
		return -EINVAL;
	}
	stale = calloc(info.max_entries + 1, sizeof(*stale));
	if (stale == NULL) {
		snprintf(err, err_len, "out of memory");
		return -ENOMEM;
	}
	/* Collect first, delete after: deleting the key get_next_key stands on
	 * would restart the walk.  A hash map holds at most max_entries keys,
	 * which bounds the walk even if another writer races us. */
	for (uint32_t i = 0; i <= info.max_entries; i++) {
		if (bpf_map_get_next_key(fd, prev, &next) != 0) {
			if (errno != ENOENT)
				note(&rc, -errno, err, err_len, "walk of map %u", info.id);
			break;
		}
		present++;
		if (key_find(keys, n, &next) < 0)
			stale[nstale++] = next;
		cur = next;
		prev = &cur;
	}
	/* Stale first, so that a full map has room for what is added. */
	for (uint32_t i = 0; i < nstale; i++) {
		if (bpf_map_delete_elem(fd, &stale[i]) == 0) {
			diff->removed++;
		} else if (errno != ENOENT) {
			key_str(&stale[i], a, sizeof(a));
			note(&rc, -errno, err, err_len, "delete %s", a);
		}
	}
	for (uint32_t i = 0; i < n; i++) {
		struct sl_xdp_vip_val v;
		const char *op = "look up";

		if (bpf_map_lookup_elem(fd, &keys[i], &v) == 0) {
			if (v.services == vals[i].services)
				continue;
			op = "update";
			if (bpf_map_update_elem(fd, &keys[i], &vals[i], BPF_EXIST) == 0) {
				diff->changed++;
				continue;
			}
		} else if (errno == ENOENT) {
			op = "add";
			if (bpf_map_update_elem(fd, &keys[i], &vals[i], BPF_NOEXIST) == 0) {
				diff->added++;
				continue;
			}
		}
		key_str(&keys[i], a, sizeof(a));
		note(&rc, -errno, err, err_len, "%s %s", op, a);
	}
	diff->entries = present - diff->removed + diff->added;
	free(stale);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Programs, maps and pins */

static int fd_map_id(int fd, uint32_t *id)
{
	struct bpf_map_info mi;
	uint32_t len = sizeof(mi);

	memset(&mi, 0, sizeof(mi));
	if (bpf_obj_get_info_by_fd(fd, &mi, &len) != 0)
		return -errno;
	*id = mi.id;
	return 0;
}

/* The id of the map pinned at `path`: 0, -ENOENT (no pin) or -errno. */
static int pin_map_id(const char *path, uint32_t *id)
{
	int fd = bpf_obj_get(path), rc;

	if (fd < 0)
		return -errno;
	rc = fd_map_id(fd, id);
	close(fd);
	return rc;
}

/* Name and map ids (at most *nmaps) of program `id`. */
static int prog_info(uint32_t id, char *name, size_t name_len, uint32_t *maps, uint32_t *nmaps)
{
	struct bpf_prog_info pi;
	uint32_t len = sizeof(pi);
	int fd = bpf_prog_get_fd_by_id(id), rc = 0;

	if (fd < 0)
		return -errno;
	memset(&pi, 0, sizeof(pi));
	pi.nr_map_ids = *nmaps;
	pi.map_ids = (uint64_t)(uintptr_t)maps;
	if (bpf_obj_get_info_by_fd(fd, &pi, &len) != 0)
		rc = -errno;
	close(fd);
	if (rc < 0)
		return rc;
	/* The kernel copies at most what we offered and reports how many. */
	*nmaps = RTE_MIN(*nmaps, pi.nr_map_ids);
	if (name != NULL)
		snprintf(name, name_len, "%s", pi.name);
	return 0;
}

static int map_name_by_id(uint32_t id, char *name, size_t len)
{
	struct bpf_map_info mi;
	uint32_t ilen = sizeof(mi);
	int fd = bpf_map_get_fd_by_id(id), rc = 0;

	if (fd < 0)
		return -errno;
	memset(&mi, 0, sizeof(mi));
	if (bpf_obj_get_info_by_fd(fd, &mi, &ilen) != 0)
		rc = -errno;
	else
		snprintf(name, len, "%s", mi.name);
	close(fd);
	return rc;
}

/* Ids of the programs this process holds open (/proc/self/fdinfo has a
 * prog_id line for each BPF program descriptor). */
static unsigned self_progs(uint32_t *ids, unsigned cap)
{
	DIR *d = opendir("/proc/self/fdinfo");
	struct dirent *e;
	unsigned n = 0;

	if (d == NULL)
		return 0;
	while (n < cap && (e = readdir(d)) != NULL) {
		char path[64], line[128];
		FILE *f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/fdinfo/%.32s", e->d_name);
		f = fopen(path, "r");
		if (f == NULL)
			continue;
		while (fgets(line, sizeof(line), f) != NULL)
			if (sscanf(line, "prog_id: %" SCNu32, &ids[n]) == 1) {
				n++;
				break;
			}
		fclose(f);
	}
	closedir(d);
	return n;
}

/* How many loaded programs use map `map_id`, not counting those this
 * process holds when `exclude_self`.  -errno when the programs cannot be
 * listed (callers then assume the map is in use). */
static int map_users(uint32_t map_id, bool exclude_self)
{
	uint32_t self[MAX_SELF_PROGS], id = 0;
	unsigned nself = exclude_self ? self_progs(self, MAX_SELF_PROGS) : 0;
	int users = 0;

	for (unsigned walk = 0; walk < MAX_PROG_WALK; walk++) {
		uint32_t maps[MAX_PROG_MAPS], nmaps = MAX_PROG_MAPS;
		bool mine = false;

		if (bpf_prog_get_next_id(id, &id) != 0)
			return errno == ENOENT ? users : -errno;
		for (unsigned s = 0; s < nself; s++)
			mine |= self[s] == id;
		if (mine || prog_info(id, NULL, 0, maps, &nmaps) < 0)
			continue; /* ours, or unloaded since the walk saw it */
		for (uint32_t m = 0; m < nmaps; m++)
			if (maps[m] == map_id) {
				users++;
				break;
			}
	}
	return -E2BIG;
}

/* ------------------------------------------------------------------ */
/* Life cycle */

void sl_xdp_init(struct sl_xdp *x, const char *pin_root)
{
	memset(x, 0, sizeof(*x));
	snprintf(x->pin_root, sizeof(x->pin_root), "%s", pin_root ? pin_root : SL_XDP_PIN_ROOT);
	snprintf(x->vips_pin, sizeof(x->vips_pin), "%s/%s", x->pin_root, SL_XDP_VIPS_MAP);
	snprintf(x->stats_pin, sizeof(x->stats_pin), "%s/%s", x->pin_root, SL_XDP_STATS_MAP);
	x->vips_fd = x->stats_fd = -1;
}

/* Whether some process holds program `id` open: a prog_id line in any
 * /proc/PID/fdinfo file.  A process in another PID namespace is not seen. */
static bool prog_held(uint32_t id)
{
	DIR *procs = opendir("/proc");
	struct dirent *p;
	unsigned files = 0;
	bool held = false;

	if (procs == NULL)
		return true; /* cannot tell: assume so */
	while (!held && files < MAX_FDINFO_WALK && (p = readdir(procs)) != NULL) {
		char dir[64];
		struct dirent *e;
		DIR *fds;

		if (p->d_name[0] < '0' || p->d_name[0] > '9')
			continue;
		snprintf(dir, sizeof(dir), "/proc/%.16s/fdinfo", p->d_name);
		fds = opendir(dir);
		if (fds == NULL)
			continue; /* gone, or a kernel thread */
		while (!held && files < MAX_FDINFO_WALK && (e = readdir(fds)) != NULL) {
			char path[96], line[128];
			uint32_t got;
			FILE *f;

			if (e->d_name[0] == '.')
				continue;
			files++;
			snprintf(path, sizeof(path), "%s/%.16s", dir, e->d_name);
			f = fopen(path, "r");
			if (f == NULL)
				continue;
			while (fgets(line, sizeof(line), f) != NULL)
				if (sscanf(line, "prog_id: %" SCNu32, &got) == 1) {
					held = got == id;
					break;
				}
			fclose(f);
		}
		closedir(fds);
	}
	closedir(procs);
	return held || files >= MAX_FDINFO_WALK;
}

/* Detach sluice's program from AF_XDP port `p`'s interface when no process
 * holds it (see sl_xdp_prestart).  1 when detached, else 0. */
static int clear_orphan(const struct sl_xdp_port *p)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);
	char ifname[IF_NAMESIZE] = "?", name[24] = "";
	uint32_t maps[MAX_PROG_MAPS], nmaps = MAX_PROG_MAPS, id;
	int flags;

	if (p->if_index == 0 || bpf_xdp_query((int)p->if_index, 0, &q) != 0 || q.prog_id == 0)
		return 0;
	if_indextoname(p->if_index, ifname);
	id = q.prog_id;
	prog_info(id, name, sizeof(name), maps, &nmaps);
	if (strcmp(name, SL_XDP_PROG_NAME) != 0) {
		LOG(WARNING,
		    "port %s: interface %s already runs XDP program %s (id %u): the AF_XDP driver "
		    "will not replace it (detach it: ip link set dev %s xdp off)",
		    p->name, ifname, name[0] ? name : "?", id, ifname);
		return 0;
	}
	if (prog_held(id)) {
		LOG(WARNING,
		    "port %s: interface %s runs sluice's XDP program (id %u) held by a running "
		    "process (another sluiced on it?): left; the AF_XDP driver will fail to attach",
		    p->name, ifname, id);
		return 0;
	}
	flags = q.attach_mode == XDP_ATTACHED_SKB   ? XDP_FLAGS_SKB_MODE
		: q.attach_mode == XDP_ATTACHED_HW  ? XDP_FLAGS_HW_MODE
		: q.attach_mode == XDP_ATTACHED_DRV ? XDP_FLAGS_DRV_MODE
						    : 0;
	if (bpf_xdp_detach((int)p->if_index, flags, NULL) != 0) {
		LOG(WARNING, "port %s: detach of orphaned XDP program %u from %s: %s", p->name, id,
		    ifname, strerror(errno));
		return 0;
	}
	LOG(NOTICE,
	    "port %s: detached sluice's XDP program (id %u) from %s: no process held it (left "
	    "by a sluiced that did not exit cleanly)",
	    p->name, id, ifname);
	return 1;
}

int sl_xdp_prestart(struct sl_xdp *x, const struct sl_xdp_port *ports, unsigned n)
{
	const char *pins[2] = {x->vips_pin, x->stats_pin};
	int removed = 0, af_xdp = 0;

	for (unsigned p = 0; p < n; p++) {
		if (ports[p].driver == NULL || strcmp(ports[p].driver, SL_XDP_DRIVER) != 0)
			continue;
		af_xdp++;
		removed += clear_orphan(&ports[p]);
	}
	if (af_xdp == 0)
		return 0;

	for (unsigned i = 0; i < RTE_DIM(pins); i++) {
		uint32_t id = 0;
		int rc = pin_map_id(pins[i], &id), users;

		if (rc == -ENOENT)
			continue;
		if (rc < 0) {
			LOG(WARNING, "pin %s: %s; left as it is", pins[i], strerror(-rc));
			x->pin_seen_at_start = true;
			continue;
		}
		users = map_users(id, false);
		if (users == 0) {
			if (unlink(pins[i]) == 0) {
				LOG(NOTICE,
				    "removed stale pin %s (map %u, used by no program; left by an "
				    "earlier run): the AF_XDP driver pins a fresh map",
				    pins[i], id);
				removed++;
			} else {
				LOG(WARNING, "stale pin %s: unlink: %s", pins[i], strerror(errno));
				x->pin_seen_at_start = true;
			}
			continue;
		}
		x->pin_seen_at_start = true;
		if (users < 0)
			LOG(WARNING, "pin %s (map %u): cannot list BPF programs (%s): kept",
			    pins[i], id, strerror(-users));
		else
			LOG(NOTICE,
			    "pin %s (map %u) is used by %d program(s) already (another sluiced on "
			    "this bpffs?): shared with them, and left in place at exit",
			    pins[i], id, users);
	}
	return removed;
}

/* The map pinned at `pin` when it is map `want` (the one the ports' program
 * uses), else map `want` by id, with a warning saying why. */
static int open_map(const char *pin, uint32_t want, const char *what)
{
	int fd = bpf_obj_get(pin), e = errno;
	uint32_t id = 0;

	if (fd >= 0 && fd_map_id(fd, &id) == 0 && id == want)
		return fd;
	if (fd >= 0) {
		close(fd);
		LOG(WARNING,
		    "%s pin %s holds map %u, but the ports' program uses map %u: using that", what,
		    pin, id, want);
	} else {
		LOG(WARNING,
		    "%s pin %s: %s; using the ports' program's map %u directly (the AF_XDP driver "
		    "pins it when it loads the object: is a bpffs mounted on the pin directory?)",
		    what, pin, strerror(e), want);
	}
	fd = bpf_map_get_fd_by_id(want);
	if (fd < 0)
		LOG(ERR, "%s: map %u: %s", what, want, strerror(errno));
	return fd;
}

int sl_xdp_attach(struct sl_xdp *x, const struct sl_xdp_port *ports, unsigned n)
{
	uint32_t vips_id = 0, stats_id = 0;

	for (unsigned p = 0; p < n; p++) {
		uint32_t maps[MAX_PROG_MAPS], nmaps = MAX_PROG_MAPS, prog = 0;
		char ifname[IF_NAMESIZE] = "IFACE";
		unsigned i;

		if (ports[p].driver == NULL || strcmp(ports[p].driver, SL_XDP_DRIVER) != 0 ||
		    x->nb_af_xdp == SL_MAX_PORTS)
			continue;
		i = x->nb_af_xdp++;
		snprintf(x->ports[i], sizeof(x->ports[i]), "%s", ports[p].name);
		x->progs[i][0] = '\0';
		if (ports[p].if_index != 0)
			if_indextoname(ports[p].if_index, ifname);
		if (ports[p].if_index != 0 &&
		    bpf_xdp_query_id((int)ports[p].if_index, 0, &prog) == 0 && prog != 0)
			prog_info(prog, x->progs[i], sizeof(x->progs[i]), maps, &nmaps);
		if (strcmp(x->progs[i], SL_XDP_PROG_NAME) != 0) {
			LOG(WARNING,
			    "port %s (AF_XDP on %s) does not run sluice's XDP program (attached: "
			    "%s): the kernel gets nothing from the queues sluiced polls (no ARP, "
			    "ND, SSH there); load sluice's with --vdev %s,iface=%s,xdp_prog=%s",
			    ports[p].name, ifname, x->progs[i][0] ? x->progs[i] : "none",
			    ports[p].name, ifname, SL_XDP_OBJ);
			continue;
		}
		x->nb_ours++;
		for (uint32_t m = 0; m < nmaps; m++) {
			char name[BPF_OBJ_NAME_LEN] = "";

			if (map_name_by_id(maps[m], name, sizeof(name)) < 0)
				continue;
			if (strcmp(name, SL_XDP_VIPS_MAP) == 0 && vips_id == 0)
				vips_id = maps[m];
			else if (strcmp(name, SL_XDP_VIPS_MAP) == 0 && vips_id != maps[m])
				LOG(WARNING,
				    "port %s's program uses VIP map %u, another port's map %u: "
				    "only "
				    "map %u is kept in step (were the ports loaded with different "
				    "pin directories?)",
				    ports[p].name, maps[m], vips_id, vips_id);
			else if (strcmp(name, SL_XDP_STATS_MAP) == 0 && stats_id == 0)
				stats_id = maps[m];
		}
		LOG(INFO, "port %s (AF_XDP on %s) runs sluice's XDP program (id %u, VIP map %u)",
		    ports[p].name, ifname, prog, vips_id);
	}
	if (x->nb_ours == 0)
		return 0;
	x->vips_map_id = vips_id;
	if (vips_id != 0)
		x->vips_fd = open_map(x->vips_pin, vips_id, "VIP map");
	if (stats_id != 0)
		x->stats_fd = open_map(x->stats_pin, stats_id, "XDP counters");
	return (int)x->nb_ours;
}

void sl_xdp_sync(struct sl_xdp *x, const struct sl_config *cfg)
{
	struct sl_xdp_vip_key *keys = calloc(SL_XDP_MAX_VIPS, sizeof(*keys));
	struct sl_xdp_vip_val *vals = calloc(SL_XDP_MAX_VIPS, sizeof(*vals));
	struct sl_xdp_diff d = {0};
	bool was_failing = x->last_error[0] != '\0';
	int n, rc;

	if (x->vips_fd < 0)
		goto out;
	x->syncs++;
	if (keys == NULL || vals == NULL) {
		rc = -ENOMEM;
		snprintf(x->last_error, sizeof(x->last_error), "out of memory");
	} else if ((n = sl_xdp_wanted(cfg, keys, vals, SL_XDP_MAX_VIPS)) < 0) {
		rc = n;
		snprintf(x->last_error, sizeof(x->last_error),
			 "more than %u VIP addresses: the map holds no more", SL_XDP_MAX_VIPS);
	} else {
		rc = sl_xdp_reconcile(x->vips_fd, keys, vals, (uint32_t)n, &d, x->last_error,
				      sizeof(x->last_error));
	}
	x->last = d;
	if (rc < 0) {
		x->sync_failures++;
		LOG(ERR,
		    "VIP map %s: sync failed (%s); %u added, %u removed, %u changed; VIP traffic "
		    "to addresses missing from it goes to the kernel",
		    x->vips_pin, x->last_error, d.added, d.removed, d.changed);
	} else {
		x->last_error[0] = '\0';
		if (d.added || d.removed || d.changed || was_failing)
			LOG(INFO, "VIP map %s: %u added, %u removed, %u changed; %u address(es)",
			    x->vips_pin, d.added, d.removed, d.changed, d.entries);
	}
out:
	free(keys);
	free(vals);
}

/* The counters summed over CPUs, or JSON null when they cannot be read. */
static json_t *counters(int fd)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t *v;
	json_t *o;

	if (fd < 0 || ncpu <= 0)
		return json_null();
	v = calloc((size_t)ncpu, sizeof(*v));
	o = json_object();
	if (v == NULL || o == NULL)
		goto fail;
	for (uint32_t k = 0; k < SL_XDP_STAT_MAX; k++) {
		uint64_t sum = 0;

		if (bpf_map_lookup_elem(fd, &k, v) != 0)
			goto fail;
		for (int c = 0; c < ncpu; c++)
			sum += v[c];
		json_object_set_new(o, stat_names[k], json_integer((json_int_t)sum));
	}
	free(v);
	return o;
fail:
	free(v);
	json_decref(o);
	return json_null();
}

json_t *sl_xdp_status(const struct sl_xdp *x)
{
	json_t *ports;

	if (x->nb_af_xdp == 0)
		return json_null();
	ports = json_array();
	for (unsigned i = 0; i < x->nb_af_xdp; i++)
		json_array_append_new(ports, json_pack("{s:s,s:s?}", "port", x->ports[i], "program",
						       x->progs[i][0] ? x->progs[i] : NULL));
	return json_pack("{s:s?,s:I,s:o,s:I,s:I,s:I,s:s?,s:o}", "vip_map",
			 x->vips_fd >= 0 ? x->vips_pin : NULL, "map_id", (json_int_t)x->vips_map_id,
			 "ports", ports, "entries", (json_int_t)x->last.entries, "syncs",
			 (json_int_t)x->syncs, "sync_failures", (json_int_t)x->sync_failures,
			 "last_error", x->last_error[0] ? x->last_error : NULL, "counters",
			 counters(x->stats_fd));
}

void sl_xdp_fini(struct sl_xdp *x)
{
	const char *pins[2] = {x->vips_pin, x->stats_pin};
	uint32_t want[2] = {x->vips_map_id, 0};

	if (x->stats_fd >= 0)
		fd_map_id(x->stats_fd, &want[1]);
	if (x->vips_fd >= 0)
		close(x->vips_fd);
	if (x->stats_fd >= 0)
		close(x->stats_fd);
	x->vips_fd = x->stats_fd = -1;
	if (x->nb_ours == 0)
		return;
	if (x->pin_seen_at_start) {
		LOG(INFO, "pins under %s were in use before this run: left in place", x->pin_root);
		return;
	}
	for (unsigned i = 0; i < RTE_DIM(pins); i++) {
		uint32_t id = 0;
		int users;

		if (want[i] == 0 || pin_map_id(pins[i], &id) < 0)
			continue;
		if (id != want[i]) {
			LOG(INFO, "pin %s holds map %u now, not ours (%u): left", pins[i], id,
			    want[i]);
			continue;
		}
		users = map_users(id, true);
		if (users != 0) {
			LOG(INFO, "pin %s: map %u is used by %s: left", pins[i], id,
			    users > 0 ? "programs of another process" : "programs we cannot list");
			continue;
		}
		if (unlink(pins[i]) == 0)
			LOG(INFO, "removed pin %s (map %u, created by this run)", pins[i], id);
		else
			LOG(WARNING, "pin %s: unlink: %s", pins[i], strerror(errno));
	}
}
