/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * NUMA placement: which socket each port's RX mempool and each worker's flow
 * table and counters are allocated on, and which worker/port pairs cross the
 * NUMA interconnect.  A pure function over sockets the caller looked up
 * (rte_eth_dev_socket_id, rte_lcore_to_socket_id): no EAL calls inside, so
 * tests plan for made-up multi-socket machines.  Main thread, at start-up.
 *
 * Rules:
 *  - A port whose socket is SOCKET_ID_ANY (virtual devices: net_null,
 *    net_memif, net_tap, ...) gets its mempool on the main lcore's socket,
 *    the one its driver's probe ran on.  Its real node is unknown, so it never
 *    draws a cross-node warning and does not decide where a flow table goes.
 *  - Every port's mempool is on that port's socket.  One pool per distinct
 *    socket: ports on the same socket share it.
 *  - Every worker polls every data port (sluiced gives each worker one RX
 *    queue on each), so a worker's flow table and counters go on the socket
 *    of the data ports when all data ports with a known socket share one;
 *    when they span sockets, or none has a known socket, on the socket of the
 *    worker's own lcore.
 *  - The kernel-role port carries only the exception path (non-VIP traffic,
 *    low rate): it gets its own pool like any port, but it neither decides a
 *    flow table's socket nor draws warnings.
 *  - For each worker and each data port with a known socket other than the
 *    worker's lcore socket, one warning line, e.g.
 *      worker 1 (lcore 9, socket 1) polls port net_null0 on socket 0: packets
 *      cross the NUMA interconnect; put workers on the port's node
 *    (one line in the log; wrapped here).
 */
#ifndef SL_PLACEMENT_H
#define SL_PLACEMENT_H

#include <stdbool.h>
#include <stdio.h>

#include "sl_common.h"

/* One configured port, in configuration order. */
struct sl_placement_port {
	const char *name; /* for the log; NULL: its configuration index */
	int socket;	  /* 0..RTE_MAX_NUMA_NODES-1, or SOCKET_ID_ANY */
	bool data;	  /* polled by every worker; false: the kernel-role port */
};

/* One worker, by worker index. */
struct sl_placement_worker {
	unsigned lcore; /* for the log only */
	int socket;	/* socket of the lcore, 0..RTE_MAX_NUMA_NODES-1 */
};

struct sl_placement {
	/* Per configuration port: the socket its RX mempool lives on; never
	 * SOCKET_ID_ANY. */
	int pool_socket[SL_MAX_PORTS];
	/* Per worker: the socket of its flow table and counters. */
	int worker_socket[SL_MAX_WORKERS];
	/* The distinct values of pool_socket[], in order of first use. */
	int pool_sockets[SL_MAX_PORTS];
	unsigned nb_pools;
	unsigned nb_warnings; /* lines written (or that would have been) to the log */
};

/* Plan placement for `nb_ports` ports (1..SL_MAX_PORTS) and `nb_workers`
 * workers (1..SL_MAX_WORKERS); `main_socket` is the main lcore's socket.
 * Writes one warning line per cross-node worker/port pair to `log` (NULL:
 * none).  Returns 0 with *out filled in, or -EINVAL (and *out untouched) for
 * NULL arrays, counts out of range, or a socket out of range. */
int sl_placement_plan(const struct sl_placement_port *ports, unsigned nb_ports,
		      const struct sl_placement_worker *workers, unsigned nb_workers,
		      int main_socket, struct sl_placement *out, FILE *log);

/* The NUMA node of kernel network interface `ifname` as the kernel reports
 * it (SYSFS/class/net/IFNAME/device/numa_node).  For ports whose driver
 * reads a kernel interface (net_af_xdp, net_af_packet): DPDK reports the
 * node of the lcore that probed them, not the NIC's, and the AF_XDP driver
 * uses the port's mempool as its UMEM, which belongs on the NIC's node.
 * Returns the node, or SOCKET_ID_ANY when the interface has no device
 * (veth, bridges), the kernel does not know (-1), the name is not a plain
 * interface name, or the value cannot be read or is out of range.  `sysfs`
 * NULL = "/sys" (tests pass a tree of their own).  Reads one file: the only
 * function here that is not pure.  Main thread, at start-up. */
int sl_placement_netdev_node(const char *sysfs, const char *ifname);

#endif /* SL_PLACEMENT_H */
