/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The control side of sluice's XDP front (tools/bpf/sluice_xdp.bpf.c, maps
 * in tools/bpf/sluice_xdp.h): DPDK's net_af_xdp PMD loads and attaches the
 * program (devarg xdp_prog=) and hands out no map descriptor, so sluiced
 * finds the VIP map through its pin (/sys/fs/bpf/sl_xdp_vips) and the
 * program attached to each AF_XDP port, and keeps it equal to the set of VIP
 * addresses of the running configuration.
 *
 * Life cycle in sluiced (docs/OPERATIONS.md, "AF_XDP ports"):
 *   main thread   sl_xdp_init; sl_xdp_prestart after the EAL probed the
 *                 ports and before their queues are set up (the PMD loads
 *                 and attaches the program while it sets up RX queues):
 *                 sluice's program left attached by a sluiced that died is
 *                 detached, stale pins are removed; sl_xdp_attach after the
 *                 ports started: which AF_XDP ports run our program (one
 *                 WARNING per port that does not), the maps opened
 *   control thr.  sl_xdp_sync after each running configuration
 *                 (sl_api_conf.on_running), sl_xdp_status (sluicectl status)
 *   main thread   sl_xdp_fini after the ports closed: the pins are removed
 *                 only when this run created them and no other program uses
 *                 the map (see sl_xdp_fini).
 * A sync failure is logged and counted, never fatal: the program keeps the
 * map it has, and a VIP missing from it reaches the kernel (XDP_PASS), not
 * a black hole.
 */
#ifndef SL_XDP_H
#define SL_XDP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "sl_common.h"
#include "sl_config.h"
#include "sluice_xdp.h"

#define SL_XDP_DRIVER "net_af_xdp" /* rte_eth_dev_info.driver_name */

/* ------------------------------------------------------------------ */
/* The VIP map's content: pure parts and the reconcile */

/* The wanted content of sl_xdp_vips for `cfg`: one key per distinct VIP
 * address (in order of first use), its value the number of VIPs at it.
 * Returns the number of keys (<= max), or -E2BIG when there are more than
 * `max`.  Pure; any thread. */
int sl_xdp_wanted(const struct sl_config *cfg, struct sl_xdp_vip_key *keys,
		  struct sl_xdp_vip_val *vals, uint32_t max);

/* What a reconcile did. */
struct sl_xdp_diff {
	uint32_t added, changed, removed; /* keys written new, values rewritten, keys deleted */
	uint32_t entries;		  /* keys in the map afterwards */
};

/* Make the BPF hash map `fd` hold exactly the `n` keys/values: stale keys
 * are deleted first (so a full map has room), then missing keys added and
 * differing values rewritten; equal entries are not touched.  The map must
 * have the key and value sizes of sluice_xdp.h (else -EINVAL: not a VIP
 * map).  Goes on past a failing entry; returns 0 or the first -errno, with
 * a message naming the operation and address in `err`.  *diff counts what
 * was done either way.  Any thread (control thread in sluiced). */
int sl_xdp_reconcile(int fd, const struct sl_xdp_vip_key *keys, const struct sl_xdp_vip_val *vals,
		     uint32_t n, struct sl_xdp_diff *diff, char *err, size_t err_len);

/* ------------------------------------------------------------------ */
/* The daemon's state */

/* One port of the configuration, as sluiced sees it after start. */
struct sl_xdp_port {
	const char *name;   /* configured name, e.g. "net_af_xdp0" */
	const char *driver; /* rte_eth_dev_info.driver_name */
	uint32_t if_index;  /* rte_eth_dev_info.if_index (0: none) */
};

struct sl_xdp {
	char pin_root[128];
	char vips_pin[192], stats_pin[192];
	/* Written by the main thread before the control thread starts, read
	 * by both after; the control thread writes the sync state. */
	int vips_fd, stats_fd;	/* -1: closed */
	uint32_t vips_map_id;	/* the VIP map our ports' program uses (0: none) */
	bool pin_seen_at_start; /* a live pin existed before the PMD loaded: not ours */
	unsigned nb_af_xdp;	/* AF_XDP ports */
	unsigned nb_ours;	/* of those, the ones running sluice_xdp */
	char ports[SL_MAX_PORTS][SL_NAME_MAX];
	char progs[SL_MAX_PORTS][24]; /* the program attached to each, "" = none */
	/* Control thread: the last sync. */
	uint64_t syncs, sync_failures;
	struct sl_xdp_diff last;
	char last_error[192]; /* "" when the last sync succeeded */
};

/* Paths under `pin_root` (NULL: SL_XDP_PIN_ROOT), nothing opened. */
void sl_xdp_init(struct sl_xdp *x, const char *pin_root);

/* After the ports were probed, before their queues are set up (main
 * thread); nothing to do without an AF_XDP port among `ports`.
 *  - An AF_XDP port's interface that still has sluice's program attached
 *    while no process holds that program (its sluiced died: the kernel
 *    keeps an attached program) gets it detached: the PMD attaches only to
 *    an interface without a program, so a restart would fail.  A program
 *    some process holds (a running sluiced) or another program is left,
 *    with a WARNING.
 *  - Pins that no loaded program uses are removed (left by a run that
 *    died, or by an older object whose map layout the PMD's libbpf would
 *    refuse to reuse); whether a live pin was there is remembered (it is
 *    not ours to remove at exit).
 * Logs what it did.  Returns the number of programs detached plus pins
 * removed. */
int sl_xdp_prestart(struct sl_xdp *x, const struct sl_xdp_port *ports, unsigned n);

/* After the ports started (main thread): for each AF_XDP port, which program
 * is attached to its interface; one WARNING per port that does not run
 * sluice_xdp, naming the port and the devarg to add.  When some port runs
 * it, opens the VIP and stats maps (through the pins; through the program
 * when a pin is missing or holds another map, with a WARNING).  Returns the
 * number of ports running sluice_xdp (0: nothing to sync). */
int sl_xdp_attach(struct sl_xdp *x, const struct sl_xdp_port *ports, unsigned n);

/* Reconcile the VIP map with `cfg` (control thread; sl_api_conf.on_running).
 * No-op without an open map.  Logs a change or a failure, counts both. */
void sl_xdp_sync(struct sl_xdp *x, const struct sl_config *cfg);

/* The "xdp" object of `sluicectl status` (docs/OPERATIONS.md), or JSON null
 * when sluiced has no AF_XDP port.  Control thread. */
json_t *sl_xdp_status(const struct sl_xdp *x);

/* After the ports closed (main thread): close the maps, and remove the pins
 * when this run created them (none was live before the PMD loaded the
 * object), they still hold the map our ports used, and no program other
 * than the ones this process still holds uses that map (another sluiced
 * sharing the bpffs keeps its pins).  Logs the decision. */
void sl_xdp_fini(struct sl_xdp *x);

#endif /* SL_XDP_H */
