/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * NUMA placement plan (rules in sl_placement.h).  Pure: reads only its
 * arguments; DPDK headers give constants, never calls.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <rte_config.h>
#include <rte_memory.h>

#include "sl_placement.h"

static bool socket_ok(int socket)
{
	return socket >= 0 && socket < RTE_MAX_NUMA_NODES;
}

static int check_input(const struct sl_placement_port *ports, unsigned nb_ports,
		       const struct sl_placement_worker *workers, unsigned nb_workers,
		       int main_socket, const struct sl_placement *out)
{
	if (ports == NULL || workers == NULL || out == NULL)
		return -EINVAL;
	if (nb_ports == 0 || nb_ports > SL_MAX_PORTS || nb_workers == 0 ||
	    nb_workers > SL_MAX_WORKERS || !socket_ok(main_socket))
		return -EINVAL;
	for (unsigned p = 0; p < nb_ports; p++)
		if (ports[p].socket != SOCKET_ID_ANY && !socket_ok(ports[p].socket))
			return -EINVAL;
	for (unsigned w = 0; w < nb_workers; w++)
		if (!socket_ok(workers[w].socket))
			return -EINVAL;
	return 0;
}

/* The one socket shared by every data port with a known socket, or
 * SOCKET_ID_ANY when they span sockets or none is known. */
static int data_socket(const struct sl_placement_port *ports, unsigned nb_ports)
{
	int shared = SOCKET_ID_ANY;

	for (unsigned p = 0; p < nb_ports; p++) {
		if (!ports[p].data || ports[p].socket == SOCKET_ID_ANY)
			continue;
		if (shared == SOCKET_ID_ANY)
			shared = ports[p].socket;
		else if (shared != ports[p].socket)
			return SOCKET_ID_ANY;
	}
	return shared;
}

int sl_placement_plan(const struct sl_placement_port *ports, unsigned nb_ports,
		      const struct sl_placement_worker *workers, unsigned nb_workers,
		      int main_socket, struct sl_placement *out, FILE *log)
{
	struct sl_placement pl;
	int rc, shared;

	rc = check_input(ports, nb_ports, workers, nb_workers, main_socket, out);
	if (rc < 0)
		return rc;
	memset(&pl, 0, sizeof(pl));

	for (unsigned p = 0; p < nb_ports; p++) {
		int s = ports[p].socket == SOCKET_ID_ANY ? main_socket : ports[p].socket;
		unsigned i;

		pl.pool_socket[p] = s;
		for (i = 0; i < pl.nb_pools && pl.pool_sockets[i] != s; i++)
			;
		if (i == pl.nb_pools)
			pl.pool_sockets[pl.nb_pools++] = s;
	}

	shared = data_socket(ports, nb_ports);
	for (unsigned w = 0; w < nb_workers; w++) {
		pl.worker_socket[w] = shared != SOCKET_ID_ANY ? shared : workers[w].socket;
		for (unsigned p = 0; p < nb_ports; p++) {
			char idx[16];
			const char *name = ports[p].name;

			if (!ports[p].data || ports[p].socket == SOCKET_ID_ANY ||
			    ports[p].socket == workers[w].socket)
				continue;
			pl.nb_warnings++;
			if (log == NULL)
				continue;
			if (name == NULL) {
				snprintf(idx, sizeof(idx), "%u", p);
				name = idx;
			}
			fprintf(log,
				"worker %u (lcore %u, socket %d) polls port %s on socket %d: "
				"packets cross the NUMA interconnect; put workers on the port's "
				"node\n",
				w, workers[w].lcore, workers[w].socket, name, ports[p].socket);
		}
	}
	*out = pl;
	return 0;
}
