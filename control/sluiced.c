/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * sluiced: the load balancer daemon.
 *
 *   sluiced [EAL options] -- -c FILE [--stats-interval SEC]
 *   sluiced --check-config FILE
 *
 * Threads: one worker per worker lcore (the main lcore runs the only worker
 * when the EAL gives a single lcore); one control thread created with
 * rte_ctrl_thread_create that builds and publishes snapshots, reloads the
 * configuration on SIGHUP and prints periodic summaries; the main thread sets
 * everything up and tears it down.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_rcu_qsbr.h>

#include <net/if.h>
#include <sys/epoll.h>

#include "sl_api.h"
#include "sl_config.h"
#include "sl_ctrl.h"
#include "sl_metrics.h"
#include "sl_placement.h"
#include "sl_prom.h"
#include "sl_server.h"
#include "sl_port.h"
#include "sl_stats.h"
#include "sl_telemetry.h"
#include "sl_worker.h"
#include "sl_xdp.h"

#define LOG(level, fmt, ...) RTE_LOG(level, USER1, "sluiced: " fmt "\n", ##__VA_ARGS__)

/* Set by the signal handlers (and g_stop by the main thread when start-up
 * fails); read by workers, the control thread and the main thread.  Relaxed:
 * each is a lone flag, nothing else is published through it, and lock-free
 * atomic stores are async-signal-safe. */
static bool g_stop;
static bool g_reload;

/* The metrics copy the control thread publishes once a second; DPDK's
 * telemetry thread and the Prometheus endpoint's thread read it.  Static:
 * telemetry commands cannot be unregistered, so it outlives everything
 * that may still call them. */
static struct sl_metrics_pub g_metrics = SL_METRICS_PUB_INIT;

/* The daemon's state.  Everything here is written by the main thread before
 * the control thread starts, except where noted. */
struct sluiced {
	const char *config_path;
	const char *socket_override; /* --socket: instead of control.socket */
	const char *state_override;  /* --state-file: instead of control.state_file */
	unsigned stats_interval;     /* seconds, 0 = only at exit */
	/* Control thread: replaces it on reload (after the control thread
	 * starts, only it reads or writes it). */
	struct sl_config *cfg;
	uint32_t nb_ports, nb_vips; /* of the first configuration, for the main thread */
	struct sl_ctrl ctrl;	    /* control thread after start */
	struct rte_rcu_qsbr *qsbr;
	/* Read by the control thread (summaries) and the main thread;
	 * each worker writes only its own counters. */
	struct sl_worker *workers[SL_MAX_WORKERS];
	unsigned nb_workers;
	uint16_t port_ids[SL_MAX_PORTS]; /* by config port index */
	uint16_t egress_port;		 /* port id of next_hop.port */
	struct rte_mempool *pools[RTE_MAX_NUMA_NODES];
	uint64_t tsc_hz;
	/* Control thread: release-stores 1 (first snapshot published) or -1
	 * (failed); main thread: acquire-loads, so it sees the published
	 * snapshot before it launches the workers. */
	int ctrl_started;
	struct sl_api *api;	     /* control thread; main thread frees it after the join */
	struct sl_server *srv;	     /* control thread */
	struct sl_prom_server *prom; /* control thread starts and stops it */
	/* Ports whose counters the metrics carry (names copied: the control
	 * thread reads them). */
	char port_names[SL_MAX_PORTS][SL_NAME_MAX];
	struct sl_metrics_port_src metric_ports[SL_MAX_PORTS];
	/* The XDP front of AF_XDP ports (sl_xdp.h): main thread before the
	 * control thread starts and after it stopped, control thread between. */
	struct sl_xdp xdp;
};

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		__atomic_store_n(&g_reload, true, __ATOMIC_RELAXED);
	else
		__atomic_store_n(&g_stop, true, __ATOMIC_RELAXED);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: sluiced [EAL options] -- -c FILE [--stats-interval SEC]\n"
		   "       sluiced --check-config FILE\n"
		   "\n"
		   "  -c, --config FILE        configuration (YAML), see docs/CONFIG.md\n"
		   "  --stats-interval SEC     print a counter summary every SEC seconds\n"
		   "  --socket PATH            control socket (instead of control.socket)\n"
		   "  --state-file PATH        state file (instead of control.state_file)\n"
		   "  --check-config FILE      validate FILE and exit (0 valid, 1 invalid)\n"
		   "  -h, --help               this text\n"
		   "Signals: SIGINT/SIGTERM stop (with a final summary), SIGHUP reloads the\n"
		   "configuration (VIPs and backends; ports need a restart).\n");
}

/* --check-config: parse and validate, print every problem, start nothing. */
static int check_config(const char *path)
{
	struct sl_diag d = {.out = stderr, .file = path};
	struct sl_config *cfg;
	uint32_t backends = 0;

	if (sl_config_load(path, &d, &cfg) < 0) {
		fprintf(stderr, "%s: invalid (%u error(s), %u warning(s))\n", path, d.errors,
			d.warnings);
		return 1;
	}
	for (uint32_t i = 0; i < cfg->nb_vips; i++)
		backends += cfg->vips[i].nb_backends;
	printf("%s: valid: %u port(s), %u VIP(s), %u backend(s), %u warning(s)\n", path,
	       cfg->nb_ports, cfg->nb_vips, backends, d.warnings);
	sl_config_free(cfg);
	return 0;
}

static struct sl_config *load_config(const char *path)
{
	struct sl_diag d = {.out = stderr, .file = path};
	struct sl_config *cfg;

	if (sl_config_load(path, &d, &cfg) < 0)
		return NULL;
	return cfg;
}

/* Settings a reload cannot change (they shape ports, queues and memory set
 * up at start): the name of the first that differs, or NULL. */
static const char *restart_only_change(const struct sl_config *run, const struct sl_config *new)
{
	if (run->nb_ports != new->nb_ports)
		return "ports";
	for (uint32_t i = 0; i < run->nb_ports; i++)
		if (strcmp(run->ports[i].name, new->ports[i].name) != 0 ||
		    run->ports[i].role != new->ports[i].role)
			return "ports";
	if (strcmp(run->next_hop_port, new->next_hop_port) != 0)
		return "next_hop.port";
	return NULL;
}

/* Settings that only take effect at start-up (flow table, ICMP rate,
 * control socket) come from the state file when sluiced will run it (see
 * sl_api_read_state): a change made at run time "takes effect at the next
 * restart" even when it was made with sluicectl. */
static void startup_settings(struct sluiced *s)
{
	char path[512];
	struct sl_config *st;

	sl_api_state_path(s->config_path, s->cfg, path, sizeof(path));
	if (s->state_override != NULL)
		snprintf(path, sizeof(path), "%s", s->state_override);
	st = sl_api_read_state(s->config_path, path, true);
	if (st == NULL)
		return;
	s->cfg->flow_table_size = st->flow_table_size;
	s->cfg->tcp_timeout_ms = st->tcp_timeout_ms;
	s->cfg->tcp_closing_timeout_ms = st->tcp_closing_timeout_ms;
	s->cfg->udp_timeout_ms = st->udp_timeout_ms;
	s->cfg->icmp_rate = st->icmp_rate;
	memcpy(s->cfg->control_socket, st->control_socket, sizeof(st->control_socket));
	memcpy(s->cfg->admin_group, st->admin_group, sizeof(st->admin_group));
	memcpy(s->cfg->read_group, st->read_group, sizeof(st->read_group));
	memcpy(s->cfg->metrics_listen, st->metrics_listen, sizeof(st->metrics_listen));
	sl_config_free(st);
}

/* Command-line settings that replace the file's (tests and the demo run
 * sluiced with a socket and state file of their own). */
static int apply_overrides(struct sluiced *s)
{
	if (s->socket_override != NULL) {
		if (strlen(s->socket_override) >= sizeof(s->cfg->control_socket) ||
		    s->socket_override[0] != '/') {
			LOG(ERR, "--socket: an absolute path shorter than %zu bytes is needed",
			    sizeof(s->cfg->control_socket));
			return -1;
		}
		snprintf(s->cfg->control_socket, sizeof(s->cfg->control_socket), "%s",
			 s->socket_override);
	}
	if (s->state_override != NULL) {
		if (strlen(s->state_override) >= sizeof(s->cfg->state_file) ||
		    s->state_override[0] != '/') {
			LOG(ERR, "--state-file: an absolute path shorter than %zu bytes is needed",
			    sizeof(s->cfg->state_file));
			return -1;
		}
		snprintf(s->cfg->state_file, sizeof(s->cfg->state_file), "%s", s->state_override);
	}
	return 0;
}

/* SIGHUP: the configuration file again, through the same API as
 * `sluicectl config apply` (validated as a whole, three-way merged with
 * CLI changes, a new generation, or rejected with the running one kept). */
static void reload(struct sluiced *s)
{
	struct sl_api_opts o = {.uid = (uint32_t)getuid(), .origin = "file"};
	struct sl_api_out out = {0};

	if (sl_api_config_apply(s->api, &o, NULL, NULL, &out) < 0)
		LOG(ERR, "reload of %s rejected; keeping generation %" PRIu64 ": %s",
		    s->config_path, sl_api_generation(s->api), out.msg);
	else
		LOG(INFO,
		    "reloaded %s: generation %" PRIu64 " (flow_table, icmp and control "
		    "settings take effect at the next restart)",
		    s->config_path, sl_api_generation(s->api));
	json_decref(out.result);
}

/* The Prometheus endpoint (metrics.listen), started from the control thread
 * so that its thread gets the control thread's CPU set, never a worker
 * lcore.  A failure (port in use) is logged and sluiced runs on without
 * it: forwarding does not depend on being scraped, and the scraper's `up`
 * shows the gap. */
static void start_prom(struct sluiced *s)
{
	char err[256];

	if (strcmp(s->cfg->metrics_listen, "off") == 0) {
		LOG(INFO, "metrics endpoint off (metrics.listen: off)");
		return;
	}
	s->prom = sl_prom_server_start(s->cfg->metrics_listen, &g_metrics, err, sizeof(err));
	if (s->prom == NULL)
		LOG(ERR, "metrics endpoint: %s; running without it", err);
	else
		LOG(INFO, "metrics endpoint: http://%s/metrics", s->cfg->metrics_listen);
}

/* sl_api hooks: the XDP VIP map follows every running configuration, and
 * its state shows in `sluicectl status`.  Control thread. */
static void xdp_on_running(void *arg, const struct sl_config *cfg)
{
	struct sluiced *s = arg;

	sl_xdp_sync(&s->xdp, cfg);
}

static void xdp_status_add(void *arg, json_t *status)
{
	struct sluiced *s = arg;

	json_object_set_new(status, "xdp", sl_xdp_status(&s->xdp));
}

/* The control thread: builds and publishes snapshots (sl_api), runs health
 * checks, serves the control socket, reloads on SIGHUP and prints summaries.
 * One epoll loop; nothing here blocks for long except an RCU grace period
 * after a publish (which waits for every worker's next poll loop). */
static void *ctrl_main(void *arg)
{
	struct sluiced *s = arg;
	struct sl_api_conf conf = {
	    .ctrl = &s->ctrl,
	    .workers = s->workers,
	    .nb_workers = s->nb_workers,
	    .config_path = s->config_path,
	    .use_state_file = true,
	    .restart_only = restart_only_change,
	    .socket_override = s->socket_override,
	    .state_override = s->state_override,
	    .metrics = &g_metrics,
	    .ports = s->metric_ports,
	    .nb_ports = s->nb_ports,
	    .tsc_hz = s->tsc_hz,
	    .port_ids = s->port_ids,
	    .on_running = xdp_on_running,
	    .status_add = xdp_status_add,
	    .hook_arg = s,
	};
	struct sl_config *initial = sl_config_dup(s->cfg);
	uint64_t last_stats = rte_get_tsc_cycles();
	struct epoll_event ev = {.events = EPOLLIN};
	char err[256] = "out of memory";
	int ep = -1;

	s->api = initial ? sl_api_create(&conf, initial, err, sizeof(err)) : NULL;
	if (s->api == NULL) {
		LOG(ERR, "control plane: %s", err);
		goto fail;
	}
	s->srv = sl_server_create(s->cfg->control_socket, s->cfg->admin_group, s->cfg->read_group,
				  s->api, err, sizeof(err));
	if (s->srv == NULL) {
		LOG(ERR, "control socket %s: %s", s->cfg->control_socket, err);
		goto fail;
	}
	ep = epoll_create1(EPOLL_CLOEXEC);
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, sl_api_fd(s->api), &ev) < 0 ||
	    epoll_ctl(ep, EPOLL_CTL_ADD, sl_server_fd(s->srv), &ev) < 0) {
		LOG(ERR, "control loop: %s", strerror(errno));
		goto fail;
	}
	start_prom(s);
	__atomic_store_n(&s->ctrl_started, 1, __ATOMIC_RELEASE);
	LOG(INFO, "generation %" PRIu64 " published; control socket %s", sl_api_generation(s->api),
	    s->cfg->control_socket);
	while (!__atomic_load_n(&g_stop, __ATOMIC_RELAXED)) {
		uint32_t wait = RTE_MIN(sl_api_tick(s->api), 100u);
		struct epoll_event evs[4];

		epoll_wait(ep, evs, RTE_DIM(evs), (int)wait);
		sl_server_run(s->srv);
		if (__atomic_exchange_n(&g_reload, false, __ATOMIC_RELAXED))
			reload(s);
		if (s->stats_interval &&
		    rte_get_tsc_cycles() - last_stats >= s->stats_interval * s->tsc_hz) {
			last_stats = rte_get_tsc_cycles();
			sl_stats_print(stdout, s->ctrl.snap, s->workers, s->nb_workers, s->tsc_hz);
		}
	}
	close(ep);
	sl_prom_server_stop(s->prom);
	s->prom = NULL;
	sl_server_free(s->srv);
	s->srv = NULL;
	return NULL;
fail:
	if (ep >= 0)
		close(ep);
	sl_server_free(s->srv);
	s->srv = NULL;
	sl_api_free(s->api);
	s->api = NULL;
	__atomic_store_n(&s->ctrl_started, -1, __ATOMIC_RELEASE);
	return NULL;
}

static int parse_args(struct sluiced *s, int argc, char **argv)
{
	static const struct option opts[] = {
	    {"config", required_argument, NULL, 'c'},
	    {"stats-interval", required_argument, NULL, 's'},
	    {"socket", required_argument, NULL, 'S'},
	    {"state-file", required_argument, NULL, 'T'},
	    {"help", no_argument, NULL, 'h'},
	    {NULL, 0, NULL, 0},
	};
	int c;
	char *end;

	optind = 1;
	while ((c = getopt_long(argc, argv, "c:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			s->config_path = optarg;
			break;
		case 's':
			errno = 0;
			s->stats_interval = (unsigned)strtoul(optarg, &end, 10);
			if (errno || *end || end == optarg) {
				fprintf(stderr, "sluiced: --stats-interval: not a number: %s\n",
					optarg);
				return -1;
			}
			break;
		case 'S':
			s->socket_override = optarg;
			break;
		case 'T':
			s->state_override = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		default:
			usage(stderr);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "sluiced: unexpected argument: %s\n", argv[optind]);
		return -1;
	}
	if (s->config_path == NULL) {
		fprintf(stderr, "sluiced: missing -c FILE\n");
		usage(stderr);
		return -1;
	}
	return 0;
}

/* Resolve configured port names to DPDK port ids. */
static int resolve_ports(struct sluiced *s)
{
	uint16_t pid;
	bool used[RTE_MAX_ETHPORTS] = {false};
	int rc = 0;

	for (uint32_t i = 0; i < s->cfg->nb_ports; i++) {
		const char *name = s->cfg->ports[i].name;

		if (rte_eth_dev_get_port_by_name(name, &pid) != 0) {
			LOG(ERR, "port %s (config) is not among the EAL's ports:", name);
			RTE_ETH_FOREACH_DEV(pid)
			{
				char n[RTE_ETH_NAME_MAX_LEN];

				if (rte_eth_dev_get_name_by_port(pid, n) == 0)
					LOG(ERR, "  available: %s (port %u)", n, pid);
			}
			rc = -ENODEV;
			continue;
		}
		if (pid >= SL_MAX_PORTS) {
			LOG(ERR, "port %s has id %u; at most %u ports are supported", name, pid,
			    SL_MAX_PORTS);
			rc = -ENOTSUP;
			continue;
		}
		s->port_ids[i] = pid;
		used[pid] = true;
		if (strcmp(name, s->cfg->next_hop_port) == 0)
			s->egress_port = pid;
	}
	RTE_ETH_FOREACH_DEV(pid)
	{
		char n[RTE_ETH_NAME_MAX_LEN];

		if (!used[pid] && rte_eth_dev_get_name_by_port(pid, n) == 0)
			LOG(WARNING, "EAL port %s (port %u) is not in the configuration; unused", n,
			    pid);
	}
	return rc;
}

static struct rte_mempool *pool_for(struct sluiced *s, int socket, unsigned nb_mbufs)
{
	char name[RTE_MEMPOOL_NAMESIZE];
	unsigned idx = socket < 0 ? 0 : (unsigned)socket;

	if (s->pools[idx] != NULL)
		return s->pools[idx];
	snprintf(name, sizeof(name), "sl_mbuf_%u", idx);
	s->pools[idx] =
	    rte_pktmbuf_pool_create(name, nb_mbufs, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	if (s->pools[idx] == NULL)
		LOG(ERR, "mbuf pool on socket %d: %s", socket, rte_strerror(rte_errno));
	return s->pools[idx];
}

/* The NUMA node of a port: DPDK's, except for ports on a kernel interface
 * (AF_XDP, AF_PACKET), whose drivers report the node of the lcore that
 * probed them: there the interface's own (SOCKET_ID_ANY when the kernel does
 * not place it, e.g. a veth).  Main thread. */
static int port_socket(const char *name, uint16_t pid)
{
	struct rte_eth_dev_info info;
	char ifname[IF_NAMESIZE];
	int node;

	if (rte_eth_dev_info_get(pid, &info) != 0 || info.if_index == 0 ||
	    info.driver_name == NULL ||
	    (strcmp(info.driver_name, "net_af_xdp") != 0 &&
	     strcmp(info.driver_name, "net_af_packet") != 0) ||
	    if_indextoname(info.if_index, ifname) == NULL)
		return rte_eth_dev_socket_id(pid);
	node = sl_placement_netdev_node(NULL, ifname);
	LOG(INFO, "port %s: NUMA node of interface %s: %d%s", name, ifname, node,
	    node == SOCKET_ID_ANY ? " (unknown: placed as a virtual device)" : "");
	return node;
}

/* NUMA placement (rules in sl_placement.h): port and lcore sockets in, a plan
 * out, cross-node warnings on stderr.  Main thread. */
static int plan_placement(const struct sluiced *s, const unsigned *lcores, unsigned n,
			  struct sl_placement *pl)
{
	struct sl_placement_port ports[SL_MAX_PORTS];
	struct sl_placement_worker workers[SL_MAX_WORKERS];
	int rc;

	for (uint32_t i = 0; i < s->cfg->nb_ports; i++) {
		ports[i].name = s->cfg->ports[i].name;
		ports[i].socket = port_socket(ports[i].name, s->port_ids[i]);
		ports[i].data = s->cfg->ports[i].role == SL_PORT_DATA;
	}
	for (unsigned i = 0; i < n; i++) {
		workers[i].lcore = lcores[i];
		workers[i].socket = (int)rte_lcore_to_socket_id(lcores[i]);
	}
	rc = sl_placement_plan(ports, s->cfg->nb_ports, workers, n,
			       (int)rte_lcore_to_socket_id(rte_get_main_lcore()), pl, stderr);
	if (rc < 0) {
		LOG(ERR, "NUMA placement: %s", strerror(-rc));
		return rc;
	}
	LOG(INFO, "NUMA: %u socket(s), %u mbuf pool(s), %u cross-node worker/port pair(s)",
	    rte_socket_count(), pl->nb_pools, pl->nb_warnings);
	return 0;
}

static int setup_workers(struct sluiced *s)
{
	unsigned lcore, n = 0;
	unsigned lcores[SL_MAX_WORKERS];
	const struct sl_config *cfg = s->cfg;
	struct sl_placement pl;
	struct rte_mempool *egress_pool = NULL;
	struct sl_flow_timeouts to = {
	    .tcp = cfg->tcp_timeout_ms,
	    .tcp_closing = cfg->tcp_closing_timeout_ms,
	    .udp = cfg->udp_timeout_ms,
	};
	size_t qsz;
	unsigned nb_mbufs;
	int kernel_port = -1;

	RTE_LCORE_FOREACH_WORKER(lcore)
	{
		if (n == SL_MAX_WORKERS) {
			LOG(WARNING, "more than %u worker lcores; lcore %u unused", SL_MAX_WORKERS,
			    lcore);
			continue;
		}
		lcores[n++] = lcore;
	}
	if (n == 0) {
		/* Small machine: the main lcore runs the only worker; the
		 * control thread shares its core (docs/ARCHITECTURE.md). */
		lcores[n++] = rte_get_main_lcore();
		LOG(INFO, "single lcore: the main lcore runs the worker");
	}
	s->nb_workers = n;
	if (plan_placement(s, lcores, n, &pl) < 0)
		return -EINVAL;

	qsz = rte_rcu_qsbr_get_memsize(n);
	s->qsbr = rte_zmalloc("sl_qsbr", qsz, RTE_CACHE_LINE_SIZE);
	if (s->qsbr == NULL || rte_rcu_qsbr_init(s->qsbr, n) != 0)
		return -ENOMEM;

	nb_mbufs = cfg->nb_ports * n * (SL_NB_RXD + SL_NB_TXD + 4 * SL_BURST) + n * 512 + 4096;
	for (uint32_t i = 0; i < cfg->nb_ports; i++) {
		uint16_t pid = s->port_ids[i];
		struct rte_mempool *mp = pool_for(s, pl.pool_socket[i], nb_mbufs);

		if (mp == NULL || sl_port_start(pid, (uint16_t)n, mp) < 0)
			return -EIO;
		if (pid == s->egress_port)
			egress_pool = mp;
		if (cfg->ports[i].role == SL_PORT_KERNEL)
			kernel_port = pid;
	}

	for (unsigned i = 0; i < n; i++) {
		int socket = pl.worker_socket[i];
		struct sl_worker *w = sl_worker_create(i, socket, cfg->flow_table_size, &to);

		if (w == NULL) {
			LOG(ERR, "worker %u: cannot allocate flow table of %u entries on socket %d",
			    i, cfg->flow_table_size, socket);
			return -ENOMEM;
		}
		s->workers[i] = w;
		w->lcore = lcores[i];
		w->rxq = w->txq = (uint16_t)i;
		w->kernel_port = kernel_port;
		for (uint32_t p = 0; p < cfg->nb_ports; p++) {
			uint16_t pid = s->port_ids[p];

			rte_eth_macaddr_get(pid, &w->port_mac[pid]);
			if (cfg->ports[p].role == SL_PORT_DATA)
				w->rx_ports[w->nb_rx_ports++] = pid;
		}
		w->pool = egress_pool;
		w->qsbr = s->qsbr;
		w->snap_ptr = &s->ctrl.snap;
		w->stop = &g_stop;
		w->icmp_rate = cfg->icmp_rate;
	}
	return 0;
}

/* The XDP front of AF_XDP ports (sl_xdp.h).  Main thread.  before: the
 * ports are probed but their queues not set up (the driver loads and
 * attaches sluice's XDP program while it sets up RX queues): clear what a
 * sluiced that died left.  after: the ports started: which of them run
 * sluice's program (a WARNING for each that does not); the maps opened for
 * the control thread. */
static void xdp_ports(struct sluiced *s, bool before)
{
	struct sl_xdp_port ports[SL_MAX_PORTS];
	struct rte_eth_dev_info info[SL_MAX_PORTS];
	unsigned n = 0;

	for (uint32_t i = 0; i < s->cfg->nb_ports; i++) {
		if (rte_eth_dev_info_get(s->port_ids[i], &info[n]) != 0)
			continue;
		ports[n].name = s->cfg->ports[i].name;
		ports[n].driver = info[n].driver_name;
		ports[n].if_index = info[n].if_index;
		n++;
	}
	if (before)
		sl_xdp_prestart(&s->xdp, ports, n);
	else
		sl_xdp_attach(&s->xdp, ports, n);
}

static void teardown(struct sluiced *s)
{
	uint16_t pid;

	RTE_ETH_FOREACH_DEV(pid)
	{
		rte_eth_dev_stop(pid);
		rte_eth_dev_close(pid);
	}
	for (unsigned i = 0; i < s->nb_workers; i++)
		sl_worker_free(s->workers[i]);
	for (unsigned i = 0; i < RTE_MAX_NUMA_NODES; i++)
		rte_mempool_free(s->pools[i]);
	rte_free(s->qsbr);
	sl_config_free(s->cfg);
}

int main(int argc, char **argv)
{
	static struct sluiced s;
	struct sigaction sa = {.sa_handler = on_signal};
	pthread_t ctrl_tid;
	int rc, eal_args, ret = 1;

	/* Before anything that takes time: a SIGHUP or SIGINT during start-up
	 * must not kill the process with its hugepage files in place. */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--check-config") == 0) {
			if (i + 1 >= argc) {
				fprintf(stderr, "sluiced: --check-config needs a FILE\n");
				return 2;
			}
			return check_config(argv[i + 1]);
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--") == 0)
			break;
	}

	sl_xdp_init(&s.xdp, NULL);
	eal_args = rte_eal_init(argc, argv);
	if (eal_args < 0) {
		fprintf(stderr, "sluiced: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	argc -= eal_args;
	argv += eal_args;
	if (parse_args(&s, argc, argv) < 0)
		goto out_eal;
	s.cfg = load_config(s.config_path);
	if (s.cfg == NULL)
		goto out_eal;
	startup_settings(&s);
	if (apply_overrides(&s) < 0)
		goto out;
	s.tsc_hz = rte_get_tsc_hz();
	s.nb_ports = s.cfg->nb_ports;
	s.nb_vips = s.cfg->nb_vips;

	if (resolve_ports(&s) < 0)
		goto out;
	xdp_ports(&s, true);
	if (setup_workers(&s) < 0)
		goto out;
	xdp_ports(&s, false);
	for (uint32_t i = 0; i < s.nb_ports; i++) {
		snprintf(s.port_names[i], sizeof(s.port_names[i]), "%s", s.cfg->ports[i].name);
		s.metric_ports[i].name = s.port_names[i];
		s.metric_ports[i].port_id = s.port_ids[i];
	}
	/* Telemetry (on unless the EAL ran with --no-telemetry): the /sluice/
	 * commands answer from the published metrics copy. */
	if (sl_telemetry_register(&g_metrics) < 0)
		LOG(WARNING, "telemetry: /sluice/ commands not registered");
	else
		LOG(INFO, "telemetry: /sluice/ commands on %s/dpdk_telemetry.v2",
		    rte_eal_get_runtime_dir());
	if (sl_ctrl_init(&s.ctrl, s.qsbr) < 0) {
		LOG(ERR, "control state: out of memory");
		goto out;
	}
	s.ctrl.egress_port = s.egress_port;
	/* The source MAC of every encapsulated frame, built into the
	 * snapshot's per-backend frame heads. */
	rte_eth_macaddr_get(s.egress_port, (struct rte_ether_addr *)s.ctrl.egress_mac);
	/* A worker's QSBR id must be registered before it goes online
	 * (sl_worker_main); registering them all here keeps that off the
	 * workers.  A worker that is registered but not yet online does not
	 * hold up grace periods, and going online takes the current token, so
	 * it can only see snapshots published after that. */
	for (unsigned i = 0; i < s.nb_workers; i++)
		rte_rcu_qsbr_thread_register(s.qsbr, i);

	rc = rte_ctrl_thread_create(&ctrl_tid, "sl-ctrl", NULL, ctrl_main, &s);
	if (rc != 0) {
		LOG(ERR, "cannot start the control thread: %s", strerror(rc));
		goto out_ctrl;
	}
	while (__atomic_load_n(&s.ctrl_started, __ATOMIC_ACQUIRE) == 0)
		rte_delay_us_sleep(1000);
	if (s.ctrl_started < 0) {
		LOG(ERR, "first snapshot could not be built; not starting");
		__atomic_store_n(&g_stop, true, __ATOMIC_RELAXED);
		pthread_join(ctrl_tid, NULL);
		goto out_ctrl;
	}

	LOG(INFO, "%u worker(s), %u port(s), %u VIP(s); Ctrl-C to stop", s.nb_workers, s.nb_ports,
	    s.nb_vips);
	for (unsigned i = 0; i < s.nb_workers; i++) {
		struct sl_worker *w = s.workers[i];

		if (w->lcore != rte_get_main_lcore() &&
		    rte_eal_remote_launch(sl_worker_main, w, w->lcore) != 0) {
			LOG(ERR, "cannot launch worker %u on lcore %u; stopping", i, w->lcore);
			__atomic_store_n(&g_stop, true, __ATOMIC_RELAXED);
		}
	}
	if (s.workers[0]->lcore == rte_get_main_lcore())
		sl_worker_main(s.workers[0]);
	else
		while (!__atomic_load_n(&g_stop, __ATOMIC_RELAXED))
			rte_delay_us_sleep(100 * 1000);
	rte_eal_mp_wait_lcore();
	pthread_join(ctrl_tid, NULL);
	sl_api_free(s.api); /* health checks stop; the snapshot stays for the summary */
	s.api = NULL;
	sl_telemetry_unregister();
	sl_metrics_publish(&g_metrics, NULL);

	/* Workers and control thread have stopped: the snapshot is stable. */
	sl_stats_print(stdout, s.ctrl.snap, s.workers, s.nb_workers, s.tsc_hz);
	sl_stats_json(stdout, s.workers, s.nb_workers, s.tsc_hz);
	ret = 0;
out_ctrl:
	for (unsigned i = 0; i < s.nb_workers; i++)
		rte_rcu_qsbr_thread_unregister(s.qsbr, i);
	sl_ctrl_fini(&s.ctrl);
out:
	teardown(&s);
	/* Ports closed: the driver detached the program. */
	sl_xdp_fini(&s.xdp);
out_eal:
	rte_eal_cleanup();
	return ret;
}
