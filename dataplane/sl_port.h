/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Port and queue set-up.  Called on the main thread at start-up, before the
 * workers run; the resulting queues are then owned one per worker.
 */
#ifndef SL_PORT_H
#define SL_PORT_H

#include <stdint.h>

#include <rte_ethdev.h>

#define SL_NB_RXD 1024
#define SL_NB_TXD 1024

/* Fill `conf` for a port with `nb_queues` RX queues given what the device
 * says it supports: RSS over IP/TCP/UDP (whatever subset the device offers)
 * when nb_queues > 1, none otherwise.  Pure: unit-testable with a made-up
 * dev_info.  Returns 0, or -ENOTSUP when the device cannot give nb_queues
 * queues or cannot spread them (no RSS hash types at all). */
int sl_port_conf(const struct rte_eth_dev_info *info, uint16_t nb_queues,
		 struct rte_eth_conf *conf);

/* Configure `port` with nb_queues RX and TX queues from `pool`, start it and
 * enable promiscuous mode.  Returns 0 or -errno (logged). */
int sl_port_start(uint16_t port, uint16_t nb_queues, struct rte_mempool *pool);

#endif /* SL_PORT_H */
