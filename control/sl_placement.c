/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * NUMA placement plan (rules in sl_placement.h).  Pure: reads only its
 * arguments; DPDK headers give constants, never calls.  The one exception,
 * sl_placement_netdev_node, reads a sysfs file the caller names.
 */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
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

int sl_placement_netdev_node(const char *sysfs, const char *ifname)
{
	char path[256], buf[16], *end;
	FILE *f;
	long node;

	/* A name the kernel could have given: no path tricks. */
	if (ifname == NULL || ifname[0] == '\0' || strlen(ifname) >= IF_NAMESIZE ||
	    strchr(ifname, '/') != NULL || strcmp(ifname, ".") == 0 || strcmp(ifname, "..") == 0)
		return SOCKET_ID_ANY;
	snprintf(path, sizeof(path), "%s/class/net/%s/device/numa_node", sysfs ? sysfs : "/sys",
		 ifname);
	f = fopen(path, "r");
	if (f == NULL)
		return SOCKET_ID_ANY;
	if (fgets(buf, sizeof(buf), f) == NULL)
		buf[0] = '\0';
	fclose(f);
	errno = 0;
	node = strtol(buf, &end, 10);
	if (errno != 0 || end == buf || (*end != '\n' && *end != '\0') || node < 0 ||
	    node >= RTE_MAX_NUMA_NODES)
		return SOCKET_ID_ANY;
	return (int)node;
}
