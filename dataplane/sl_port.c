/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 */
#include <errno.h>
#include <string.h>

#include <rte_ethdev.h>
#include <rte_log.h>

#include "sl_port.h"

#define SL_RSS_WANTED (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP | RTE_ETH_RSS_UDP)

int sl_port_conf(const struct rte_eth_dev_info *info, uint16_t nb_queues, struct rte_eth_conf *conf)
{
	memset(conf, 0, sizeof(*conf));
	if (nb_queues == 0 || nb_queues > info->max_rx_queues || nb_queues > info->max_tx_queues)
		return -ENOTSUP;
	if (nb_queues == 1) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
		return 0;
	}
	/* Spread flows over the workers' queues by the 5-tuple.  A device that
	 * hashes a subset (say IP only) still keeps every flow on one queue,
	 * which is all the per-worker flow tables need. */
	conf->rx_adv_conf.rss_conf.rss_hf = SL_RSS_WANTED & info->flow_type_rss_offloads;
	if (conf->rx_adv_conf.rss_conf.rss_hf == 0) {
		conf->rxmode.mq_mode = RTE_ETH_MQ_RX_NONE;
		return SL_PORT_NO_RSS;
	}
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	return 0;
}

uint16_t sl_port_nb_rxd(const struct rte_eth_dev_info *info)
{
	uint16_t fill = info->default_rxportconf.ring_size;

	if (info->driver_name == NULL || strcmp(info->driver_name, "net_af_xdp") != 0)
		return SL_NB_RXD;
	if (fill == 0)
		fill = SL_AF_XDP_FILL_DESCS;
	return fill > SL_NB_RXD ? fill : SL_NB_RXD;
}

int sl_port_start(uint16_t port, uint16_t nb_queues, struct rte_mempool *pool)
{
	struct rte_eth_dev_info info;
	struct rte_eth_conf conf;
	uint16_t nb_rxd, nb_txd = SL_NB_TXD;
	int rc;

	rc = rte_eth_dev_info_get(port, &info);
	if (rc < 0)
		goto fail;
	nb_rxd = sl_port_nb_rxd(&info);
	rc = sl_port_conf(&info, nb_queues, &conf);
	if (rc == SL_PORT_NO_RSS)
		RTE_LOG(WARNING, USER1,
			"sluice: port %u has no RSS: each of its %u queues gets what the device "
			"or its peer puts there, which must keep every flow on one queue\n",
			port, nb_queues);
	if (rc < 0) {
		RTE_LOG(ERR, USER1,
			"sluice: port %u: cannot spread %u worker queues (device max rx %u tx %u, "
			"rss types 0x%" PRIx64 ")\n",
			port, nb_queues, info.max_rx_queues, info.max_tx_queues,
			info.flow_type_rss_offloads);
		return rc;
	}
	rc = rte_eth_dev_configure(port, nb_queues, nb_queues, &conf);
	if (rc < 0)
		goto fail;
	rc = rte_eth_dev_adjust_nb_rx_tx_desc(port, &nb_rxd, &nb_txd);
	if (rc < 0)
		goto fail;
	for (uint16_t q = 0; q < nb_queues; q++) {
		rc = rte_eth_rx_queue_setup(port, q, nb_rxd, rte_eth_dev_socket_id(port), NULL,
					    pool);
		if (rc < 0)
			goto fail;
		rc = rte_eth_tx_queue_setup(port, q, nb_txd, rte_eth_dev_socket_id(port), NULL);
		if (rc < 0)
			goto fail;
	}
	rc = rte_eth_dev_start(port);
	if (rc < 0)
		goto fail;
	/* Some virtual devices cannot be promiscuous; VIP traffic is sent to
	 * our MAC anyway, so that is only worth a note. */
	if (rte_eth_promiscuous_enable(port) != 0)
		RTE_LOG(INFO, USER1, "sluice: port %u: promiscuous mode not supported\n", port);
	return 0;
fail:
	RTE_LOG(ERR, USER1, "sluice: port %u: set-up failed: %s\n", port, rte_strerror(-rc));
	return rc;
}
