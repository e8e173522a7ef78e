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

/* sl_port_conf result for a device that has several queues but no RSS. */
#define SL_PORT_NO_RSS 1

/* Fill `conf` for a port with `nb_queues` RX queues given what the device
 * says it supports: RSS over IP/TCP/UDP (whatever subset the device offers)
 * when nb_queues > 1, none otherwise.  Pure: unit-testable with a made-up
 * dev_info.  Returns 0; SL_PORT_NO_RSS when nb_queues > 1 but the device
 * cannot hash (virtual devices such as memif or ring: each queue then gets
 * what the peer puts on it, which must keep every flow on one queue); or
 * -ENOTSUP when the device cannot give nb_queues queues. */
int sl_port_conf(const struct rte_eth_dev_info *info, uint16_t nb_queues,
		 struct rte_eth_conf *conf);

/* Configure `port` with nb_queues RX and TX queues from `pool`, start it and
 * enable promiscuous mode.  Returns 0 or -errno (logged). */
int sl_port_start(uint16_t port, uint16_t nb_queues, struct rte_mempool *pool);

#endif /* SL_PORT_H */
