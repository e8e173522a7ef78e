/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * DPDK telemetry commands under /sluice/, for dpdk-telemetry.py and any
 * client of the telemetry socket (<runtime dir>/dpdk_telemetry.v2).
 *
 * The callbacks run on DPDK's telemetry thread.  They read only the metrics
 * copy the control thread publishes (sl_metrics.h): a reference taken under
 * the publisher's mutex, never control-thread state, so what they answer is
 * at most about a second old (`metrics_timestamp_ms` in /sluice/status).
 *
 * DPDK 22.11 limits a reply to 16 KiB of JSON, a dict to 256 entries, and
 * dict keys to letters, digits, '_' and '/'.  So lists are pages: commands
 * that list VIPs, backends or workers take an optional START index, return
 * as many entries from there as fit in about 15 KiB, and say "total" and,
 * when more are left, "next" (the START of the next page).  Entries of a
 * list are dicts keyed by their index ("0", "1", ...) holding their name
 * (addresses and port names are not valid keys).  Telemetry has no floating
 * point: ratios are in permille.  A missing or unknown parameter answers
 * -EINVAL (the client prints null).  Commands and fields: docs/METRICS.md.
 */
#ifndef SL_TELEMETRY_H
#define SL_TELEMETRY_H

#include "sl_metrics.h"

struct rte_tel_data;

/* Reply budget: the JSON a page may take, below DPDK's 16 KiB so the
 * command name and the page's own keys fit too. */
#define SL_TEL_BUDGET (15 * 1024)

/* Serve the copies published in `pub` (which must live until the process
 * exits: DPDK has no way to unregister a command).  The first call
 * registers the commands; later calls only switch the publisher.  Main or
 * control thread, after rte_eal_init.  0 or -errno. */
int sl_telemetry_register(struct sl_metrics_pub *pub);
/* Stop serving: the commands answer -EAGAIN (null) from now on. */
void sl_telemetry_unregister(void);

/* The callbacks (telemetry thread; tests call them directly). */
int sl_tel_status(const char *cmd, const char *params, struct rte_tel_data *d);
int sl_tel_vips(const char *cmd, const char *params, struct rte_tel_data *d);
int sl_tel_vip(const char *cmd, const char *params, struct rte_tel_data *d);
int sl_tel_backends(const char *cmd, const char *params, struct rte_tel_data *d);
int sl_tel_health(const char *cmd, const char *params, struct rte_tel_data *d);
int sl_tel_drops(const char *cmd, const char *params, struct rte_tel_data *d);
int sl_tel_ports(const char *cmd, const char *params, struct rte_tel_data *d);
int sl_tel_workers(const char *cmd, const char *params, struct rte_tel_data *d);
int sl_tel_flows(const char *cmd, const char *params, struct rte_tel_data *d);

#endif /* SL_TELEMETRY_H */
