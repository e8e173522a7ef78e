/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Configuration file: YAML, parsed with libyaml.  Loaded on the control
 * thread (and by `sluiced --check-config`).  The parsed form is plain data,
 * independent of DPDK; the snapshot builder turns it into what workers read.
 * See docs/CONFIG.md for the file format.
 */
#ifndef SL_CONFIG_H
#define SL_CONFIG_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sl_common.h"
#include "sl_encap.h"

#define SL_NAME_MAX 64

enum sl_port_role {
	SL_PORT_DATA = 0, /* receives VIP traffic, sends encapsulated packets */
	SL_PORT_KERNEL,	  /* exception path: non-VIP traffic is sent here (e.g. net_tap) */
};

struct sl_config_port {
	char name[SL_NAME_MAX]; /* DPDK device name, e.g. "net_memif0", "0000:01:00.0" */
	enum sl_port_role role;
};

struct sl_config_backend {
	uint8_t addr[16];
	uint8_t family;	    /* SL_AF_INET / SL_AF_INET6 */
	char addr_str[48];  /* canonical text form (inet_ntop): the Maglev identity */
	uint32_t weight;    /* 0..65535; 0 = no new flows */
	unsigned line, col; /* where it was defined, for messages */
};

struct sl_config_vip {
	uint8_t addr[16];
	uint8_t family;
	char addr_str[48];
	uint16_t port; /* host order; 0 = any port */
	uint8_t proto; /* IPPROTO_TCP or IPPROTO_UDP */
	enum sl_encap_kind encap;
	uint16_t gue_port;   /* host order, GUE only (default 6080) */
	uint32_t table_size; /* Maglev M for this VIP (default: maglev.table_size) */
	struct sl_config_backend *backends;
	uint32_t nb_backends;
	unsigned line, col;
};

struct sl_config {
	struct sl_config_port ports[SL_MAX_PORTS];
	uint32_t nb_ports;
	bool has_src4, has_src6;
	uint8_t src4[4];		 /* tunnel.source4 */
	uint8_t src6[16];		 /* tunnel.source6 */
	char next_hop_port[SL_NAME_MAX]; /* next_hop.port: egress port name */
	uint8_t next_hop_mac[6];
	uint16_t mtu;			 /* next_hop.mtu: egress MTU (default 1500) */
	uint8_t ttl;			 /* tunnel.ttl: outer TTL (default 64) */
	uint32_t flow_table_size;	 /* flow_table.size: entries per worker (default 1048576) */
	uint32_t tcp_timeout_ms;	 /* flow_table.tcp_timeout (default 300s) */
	uint32_t tcp_closing_timeout_ms; /* flow_table.tcp_closing_timeout (default 10s) */
	uint32_t udp_timeout_ms;	 /* flow_table.udp_timeout (default 30s) */
	uint32_t maglev_size;		 /* maglev.table_size (default 65537) */
	uint32_t
	    icmp_rate; /* icmp.rate_limit: too-big replies per second per worker (default 100) */
	struct sl_config_vip *vips;
	uint32_t nb_vips;
};

/* Where diagnostics go.  Every error and warning is one line
 * "FILE:LINE:COLUMN: error: message" (or "warning:") written to `out`. */
struct sl_diag {
	FILE *out;
	const char *file;
	unsigned errors;
	unsigned warnings;
};

/* Parse and validate `path`.  Reports every problem it can find (not just the
 * first) through `diag`; unknown keys are errors.  Returns 0 and a config in
 * *out (free with sl_config_free), or -EINVAL (diag->errors > 0) / -errno for
 * I/O errors, with *out NULL.  Warnings (e.g. Maglev table smaller than
 * 100 x backends) do not fail the load. */
int sl_config_load(const char *path, struct sl_diag *diag, struct sl_config **out);
/* Same, from a string (tests); `name` is used as FILE in messages. */
int sl_config_parse(const char *text, size_t len, const char *name, struct sl_diag *diag,
		    struct sl_config **out);
void sl_config_free(struct sl_config *c);

#endif /* SL_CONFIG_H */
