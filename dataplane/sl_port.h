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

/* The RX ring size to ask `port` for (before rte_eth_dev_adjust_nb_rx_tx_desc):
 * SL_NB_RXD, except on net_af_xdp, which gets at least the driver's own
 * ring size (its default_rxportconf.ring_size; SL_AF_XDP_FILL_DESCS when
 * it says none).  Why: DPDK 22.11's AF_XDP driver puts that many buffers
 * (ETH_AF_XDP_DFLT_NUM_DESCS, 2048) in the socket's fill ring whatever the
 * RX ring size, and reports as imissed the kernel's XDP_STATISTICS
 * rx_dropped, which counts a packet that found no buffer in the fill ring
 * but not one that found the RX ring full (rx_ring_full, which the driver
 * does not read).  In copy mode (veth, drivers without AF_XDP zero-copy) an
 * RX ring smaller than the fill ring therefore overflows unseen: imissed
 * stays 0 (`sluicectl stats`, the rx_missed alert).  With one as large,
 * the fill ring runs dry as the RX ring fills and the kernel counts every
 * lost packet in rx_dropped (tests/e2e/rx_missed.sh).  The buffers held do
 * not change: the fill ring has them either way.  Pure: unit-testable with
 * a made-up dev_info. */
#define SL_AF_XDP_FILL_DESCS 2048
uint16_t sl_port_nb_rxd(const struct rte_eth_dev_info *info);

/* Configure `port` with nb_queues RX and TX queues from `pool`, start it and
 * enable promiscuous mode.  Returns 0 or -errno (logged). */
int sl_port_start(uint16_t port, uint16_t nb_queues, struct rte_mempool *pool);

#endif /* SL_PORT_H */
