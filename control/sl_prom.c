/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Prometheus text format and endpoint (sl_prom.h).  The formatter is pure;
 * the endpoint's callbacks run on libmicrohttpd's thread and read only the
 * published metrics copy.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <microhttpd.h>
#include <rte_log.h>

#include "sl_config.h"
#include "sl_lbstate.h"
#include "sl_prom.h"

#define SL_LOG(level, fmt, ...) RTE_LOG(level, USER1, "sluice: " fmt "\n", ##__VA_ARGS__)

/* ---- text format ---------------------------------------------------------- */

/* A label value: backslash, double quote and newline escaped (the format's
 * only escapes). */
static void esc(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '"')
			fputs("\\\"", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k="v",...} : kv is NULL-terminated key, value, key, value... */
static void name_labels(FILE *f, const char *name, const char *const *kv)
{
	fputs(name, f);
	if (kv == NULL || kv[0] == NULL)
		return;
	fputc('{', f);
	for (unsigned i = 0; kv[i] != NULL; i += 2) {
		fprintf(f, "%s%s=\"", i ? "," : "", kv[i]);
		esc(f, kv[i + 1]);
		fputc('"', f);
	}
	fputc('}', f);
}

static void su(FILE *f, const char *name, const char *const *kv, uint64_t v)
{
	name_labels(f, name, kv);
	fprintf(f, " %" PRIu64 "\n", v);
}

static void sd(FILE *f, const char *name, const char *const *kv, double v)
{
	name_labels(f, name, kv);
	fprintf(f, " %.15g\n", v);
}

#define LBL(...) ((const char *const[]){__VA_ARGS__, NULL})

/* One family over every VIP / backend / worker / port: HELP and TYPE once,
 * then a sample per element (`expr` in terms of mv, mb, mw or mp). */
#define FOR_VIPS(N_, T_, H_, E_)                                         \
	do {                                                             \
		head(f, N_, T_, H_);                                     \
		for (uint32_t i_ = 0; i_ < m->nb_vips; i_++) {           \
			const struct sl_metrics_vip *mv = &m->vips[i_];  \
			su(f, N_, LBL("vip", mv->name), (uint64_t)(E_)); \
		}                                                        \
	} while (0)

#define FOR_BACKENDS(N_, T_, H_, C_, P_)                                          \
	do {                                                                      \
		head(f, N_, T_, H_);                                              \
		for (uint32_t i_ = 0; i_ < m->nb_vips; i_++) {                    \
			const struct sl_metrics_vip *mv = &m->vips[i_];           \
			for (uint32_t j_ = 0; j_ < mv->nb_backends; j_++) {       \
				const struct sl_metrics_backend *mb =             \
				    &m->backends[mv->first_backend + j_];         \
				const char *const *lb =                           \
				    LBL("vip", mv->name, "backend", mb->address); \
				(void)lb;                                         \
				if (C_)                                           \
					P_;                                       \
			}                                                         \
		}                                                                 \
	} while (0)

#define FOR_WORKERS(N_, T_, H_, P_)                                           \
	do {                                                                  \
		head(f, N_, T_, H_);                                          \
		for (uint32_t i_ = 0; i_ < m->nb_workers; i_++) {             \
			const struct sl_metrics_worker *mw = &m->workers[i_]; \
			char wid_[12];                                        \
			const char *const *lw;                                \
			snprintf(wid_, sizeof(wid_), "%u", mw->id);           \
			lw = LBL("worker", wid_);                             \
			P_;                                                   \
		}                                                             \
	} while (0)

#define FOR_PORTS(N_, T_, H_, E_)                                         \
	do {                                                              \
		head(f, N_, T_, H_);                                      \
		for (uint32_t i_ = 0; i_ < m->nb_ports; i_++) {           \
			const struct sl_metrics_port *mp = &m->ports[i_]; \
			if (mp->ok)                                       \
				su(f, N_, LBL("port", mp->name), (E_));   \
		}                                                         \
	} while (0)

static void format_global(FILE *f, const struct sl_metrics *m)
{
	head(f, "sluice_generation", "gauge", "Generation of the forwarding snapshot in use.");
	su(f, "sluice_generation", NULL, m->generation);
	head(f, "sluice_config_generation", "gauge",
	     "Generation of the last configuration change.");
	su(f, "sluice_config_generation", NULL, m->config_generation);
	head(f, "sluice_uptime_seconds", "gauge", "Seconds since the control plane started.");
	sd(f, "sluice_uptime_seconds", NULL, (double)m->uptime_ms / 1e3);
	head(f, "sluice_metrics_timestamp_seconds", "gauge",
	     "When these figures were taken (Unix time); a copy is taken every second.");
	sd(f, "sluice_metrics_timestamp_seconds", NULL, (double)m->built_unix_ms / 1e3);
	head(f, "sluice_health_targets", "gauge",
	     "Distinct health-check targets (address and check settings).");
	su(f, "sluice_health_targets", NULL, m->health_targets);
}

static void format_vips(FILE *f, const struct sl_metrics *m)
{
	FOR_VIPS("sluice_vip_packets_total", "counter",
		 "Packets forwarded for the VIP (its backends' sum, removed ones included).",
		 mv->packets);
	FOR_VIPS("sluice_vip_bytes_total", "counter",
		 "Bytes (inner IP packets) forwarded for the VIP.", mv->bytes);
	FOR_VIPS("sluice_vip_new_flows_total", "counter",
		 "Flows the VIP's Maglev table placed (flow-table misses that chose a backend).",
		 mv->new_flows);
	FOR_VIPS("sluice_vip_tcp_nonsyn_misses_total", "counter",
		 "TCP packets without SYN that missed the flow table (flows begun elsewhere: "
		 "re-routed, or instances disagree).",
		 mv->tcp_nonsyn_miss);
	FOR_VIPS("sluice_vip_flows", "gauge",
		 "Occupied flow-table entries naming the VIP's backends, all workers.", mv->flows);
	FOR_VIPS("sluice_vip_backends", "gauge", "Backends configured for the VIP.",
		 mv->nb_backends);
	FOR_VIPS("sluice_vip_usable_backends", "gauge", "Backends that take new flows.",
		 mv->usable);
	FOR_VIPS("sluice_vip_empty", "gauge", "1 when no backend of any pool takes new flows.",
		 mv->empty);
	FOR_VIPS("sluice_vip_panic", "gauge",
		 "1 when the serving pool is below its panic threshold.", mv->panic);
	FOR_VIPS("sluice_vip_backup_serving", "gauge", "1 when the backup pool takes new flows.",
		 mv->serving_pool == SL_POOL_BACKUP);
	head(f, "sluice_vip_pool_capacity_ratio", "gauge",
	     "Usable share of each pool's enabled weight (0..1).");
	for (uint32_t i = 0; i < m->nb_vips; i++)
		for (unsigned p = 0; p < SL_NB_POOLS; p++)
			sd(f, "sluice_vip_pool_capacity_ratio",
			   LBL("vip", m->vips[i].name, "pool", sl_pool_name((enum sl_pool)p)),
			   (double)m->vips[i].capacity_pct[p] / 100.0);
	head(f, "sluice_vip_table_info", "gauge",
	     "The VIP's Maglev table: size and fingerprints (equal on instances that agree).");
	for (uint32_t i = 0; i < m->nb_vips; i++) {
		const struct sl_metrics_vip *mv = &m->vips[i];
		char size[12], fp[20] = "", cfp[20] = "";

		snprintf(size, sizeof(size), "%u", mv->table_size);
		if (mv->has_fingerprint) {
			snprintf(fp, sizeof(fp), "%016" PRIx64, mv->fingerprint);
			snprintf(cfp, sizeof(cfp), "%016" PRIx64, mv->config_fingerprint);
		}
		su(f, "sluice_vip_table_info",
		   LBL("vip", mv->name, "table_size", size, "fingerprint", fp, "config_fingerprint",
		       cfp),
		   1);
	}
}

static void format_backends(FILE *f, const struct sl_metrics *m)
{
	FOR_BACKENDS("sluice_backend_packets_total", "counter",
		     "Packets forwarded to the backend for the VIP.", true,
		     su(f, "sluice_backend_packets_total", lb, mb->packets));
	FOR_BACKENDS("sluice_backend_bytes_total", "counter",
		     "Bytes (inner IP packets) forwarded to the backend for the VIP.", true,
		     su(f, "sluice_backend_bytes_total", lb, mb->bytes));
	FOR_BACKENDS("sluice_backend_new_flows_total", "counter",
		     "New flows the VIP's table gave the backend.", true,
		     su(f, "sluice_backend_new_flows_total", lb, mb->new_flows));
	FOR_BACKENDS("sluice_backend_flows", "gauge",
		     "Occupied flow-table entries naming the backend, all workers.", true,
		     su(f, "sluice_backend_flows", lb, mb->flows));
	FOR_BACKENDS("sluice_backend_weight", "gauge", "Configured weight.", true,
		     su(f, "sluice_backend_weight", lb, mb->weight));
	FOR_BACKENDS("sluice_backend_table_slots", "gauge",
		     "Slots of the VIP's Maglev table the backend owns now.", true,
		     su(f, "sluice_backend_table_slots", lb, mb->slots));
	FOR_BACKENDS("sluice_backend_info", "gauge", "The backend's pool and administrative state.",
		     true,
		     su(f, "sluice_backend_info",
			LBL("vip", mv->name, "backend", mb->address, "pool",
			    sl_pool_name((enum sl_pool)mb->pool), "admin",
			    sl_admin_state_name((enum sl_admin_state)mb->admin)),
			1));
	FOR_BACKENDS("sluice_backend_state", "gauge",
		     "1 for the backend's state (up, down, disabled, draining, drained, "
		     "slow_start), 0 for the others.",
		     true,
		     for (unsigned s_ = SL_BE_UP; s_ <= SL_BE_SLOW_START; s_++)
			 su(f, "sluice_backend_state",
			    LBL("vip", mv->name, "backend", mb->address, "state",
				sl_be_state_name((enum sl_be_state)s_)),
			    mb->state == s_));
	FOR_BACKENDS("sluice_backend_health_up", "gauge",
		     "Health-check verdict: 1 up, 0 down (checked backends only).", mb->hc_checked,
		     su(f, "sluice_backend_health_up", lb, mb->hc_up));
	FOR_BACKENDS("sluice_backend_health_checks_total", "counter", "Health checks finished.",
		     mb->hc_checked,
		     su(f, "sluice_backend_health_checks_total", lb, mb->hc_checks));
	FOR_BACKENDS("sluice_backend_health_check_failures_total", "counter",
		     "Health checks that failed.", mb->hc_checked,
		     su(f, "sluice_backend_health_check_failures_total", lb, mb->hc_failures));
	FOR_BACKENDS("sluice_backend_health_transitions_total", "counter",
		     "Changes between up and down (flapping).", mb->hc_checked,
		     su(f, "sluice_backend_health_transitions_total", lb, mb->hc_transitions));
	FOR_BACKENDS(
	    "sluice_backend_health_latency_seconds", "gauge",
	    "Duration of the last successful health check.",
	    mb->hc_checked && mb->hc_latency_us > 0,
	    sd(f, "sluice_backend_health_latency_seconds", lb, (double)mb->hc_latency_us / 1e6));
	FOR_BACKENDS(
	    "sluice_backend_health_last_check_age_seconds", "gauge",
	    "Seconds since the last health check finished.", mb->hc_checked && mb->hc_done,
	    sd(f, "sluice_backend_health_last_check_age_seconds", lb, (double)mb->hc_age_ms / 1e3));
}

static void format_workers(FILE *f, const struct sl_metrics *m)
{
	head(f, "sluice_drops_total", "counter",
	     "Packets not forwarded, by worker and reason (docs/METRICS.md maps the reasons).");
	for (uint32_t w = 0; w < m->nb_workers; w++) {
		char wid[12];

		snprintf(wid, sizeof(wid), "%u", m->workers[w].id);
		for (unsigned v = 1; v < SL_V_MAX; v++)
			su(f, "sluice_drops_total",
			   LBL("worker", wid, "reason", sl_verdict_name(v)),
			   m->workers[w].drops[v]);
	}
	FOR_WORKERS("sluice_worker_rx_packets_total", "counter",
		    "Packets the worker received on data ports.",
		    su(f, "sluice_worker_rx_packets_total", lw, mw->rx));
	FOR_WORKERS("sluice_worker_tx_packets_total", "counter",
		    "Frames the worker's transmit queues accepted.",
		    su(f, "sluice_worker_tx_packets_total", lw, mw->tx));
	FOR_WORKERS("sluice_worker_to_kernel_packets_total", "counter",
		    "Non-VIP packets handed to the kernel port.",
		    su(f, "sluice_worker_to_kernel_packets_total", lw, mw->to_kernel));
	FOR_WORKERS("sluice_worker_from_kernel_packets_total", "counter",
		    "Packets from the kernel port sent out.",
		    su(f, "sluice_worker_from_kernel_packets_total", lw, mw->from_kernel));
	FOR_WORKERS("sluice_worker_icmp_too_big_sent_total", "counter",
		    "ICMP frag-needed / packet-too-big replies sent.",
		    su(f, "sluice_worker_icmp_too_big_sent_total", lw, mw->icmp_sent));
	FOR_WORKERS("sluice_worker_icmp_steered_total", "counter",
		    "ICMP errors forwarded to the backend of the flow they quote.",
		    su(f, "sluice_worker_icmp_steered_total", lw, mw->icmp_steered));
	FOR_WORKERS("sluice_worker_unreachable_sent_total", "counter",
		    "ICMP port-unreachable replies for VIPs with no backend.",
		    su(f, "sluice_worker_unreachable_sent_total", lw, mw->unreach_sent));
	FOR_WORKERS("sluice_worker_unreachable_limited_total", "counter",
		    "Port-unreachable replies suppressed by the rate limit.",
		    su(f, "sluice_worker_unreachable_limited_total", lw, mw->unreach_limited));
	FOR_WORKERS("sluice_worker_bounded_load_overflow_total", "counter",
		    "New flows that found every choice at its bounded-load cap.",
		    su(f, "sluice_worker_bounded_load_overflow_total", lw, mw->bl_overflow));
	FOR_WORKERS("sluice_worker_tcp_nonsyn_misses_total", "counter",
		    "TCP packets without SYN that missed the flow table.",
		    su(f, "sluice_worker_tcp_nonsyn_misses_total", lw, mw->tcp_nonsyn_miss));
	FOR_WORKERS("sluice_worker_polls_total", "counter", "Poll loop iterations.",
		    su(f, "sluice_worker_polls_total", lw, mw->polls));
	FOR_WORKERS("sluice_worker_busy_polls_total", "counter",
		    "Poll loop iterations that received at least one packet.",
		    su(f, "sluice_worker_busy_polls_total", lw, mw->busy_polls));
	if (m->tsc_hz > 0)
		FOR_WORKERS("sluice_worker_busy_seconds_total", "counter",
			    "Time spent from receive to transmit in busy iterations.",
			    sd(f, "sluice_worker_busy_seconds_total", lw,
			       (double)mw->busy_cycles / (double)m->tsc_hz));
	FOR_WORKERS("sluice_worker_load_ratio", "gauge",
		    "Busy polls / polls over the last second (0 idle .. 1 never idle).",
		    sd(f, "sluice_worker_load_ratio", lw, mw->load));
	FOR_WORKERS("sluice_worker_generation", "gauge",
		    "Snapshot generation the worker used in its last poll.",
		    su(f, "sluice_worker_generation", lw, mw->generation));
	FOR_WORKERS("sluice_flow_table_capacity", "gauge", "Entries the worker's flow table holds.",
		    su(f, "sluice_flow_table_capacity", lw, mw->flow_capacity));
	FOR_WORKERS("sluice_flow_table_entries", "gauge",
		    "Occupied entries (live, and expired ones not swept yet).",
		    su(f, "sluice_flow_table_entries", lw, mw->flow_entries));
	FOR_WORKERS(
	    "sluice_flow_table_occupancy_ratio", "gauge", "Entries / capacity.",
	    sd(f, "sluice_flow_table_occupancy_ratio", lw,
	       mw->flow_capacity ? (double)mw->flow_entries / (double)mw->flow_capacity : 0.0));
	FOR_WORKERS("sluice_flow_table_hits_total", "counter", "Lookups that found a live entry.",
		    su(f, "sluice_flow_table_hits_total", lw, mw->flow.hits));
	FOR_WORKERS("sluice_flow_table_misses_total", "counter", "Lookups that found none.",
		    su(f, "sluice_flow_table_misses_total", lw, mw->flow.misses));
	FOR_WORKERS("sluice_flow_table_inserts_total", "counter", "Entries written.",
		    su(f, "sluice_flow_table_inserts_total", lw, mw->flow.inserts));
	FOR_WORKERS("sluice_flow_table_evictions_total", "counter",
		    "Live entries given up because their bucket was full (the table is too "
		    "small: those flows lose their backend stickiness).",
		    su(f, "sluice_flow_table_evictions_total", lw, mw->flow.evictions));
	FOR_WORKERS("sluice_flow_table_expired_total", "counter", "Idle entries reused or swept.",
		    su(f, "sluice_flow_table_expired_total", lw, mw->flow.expired));
}

static void format_ports(FILE *f, const struct sl_metrics *m)
{
	FOR_PORTS("sluice_port_rx_packets_total", "counter", "Packets the port received.",
		  mp->ipackets);
	FOR_PORTS("sluice_port_tx_packets_total", "counter", "Packets the port sent.",
		  mp->opackets);
	FOR_PORTS("sluice_port_rx_bytes_total", "counter", "Bytes the port received.", mp->ibytes);
	FOR_PORTS("sluice_port_tx_bytes_total", "counter", "Bytes the port sent.", mp->obytes);
	FOR_PORTS("sluice_port_rx_missed_total", "counter",
		  "Packets the NIC dropped because no receive descriptor was free (imissed).",
		  mp->imissed);
	FOR_PORTS("sluice_port_rx_errors_total", "counter", "Erroneous received packets (ierrors).",
		  mp->ierrors);
	FOR_PORTS("sluice_port_tx_errors_total", "counter", "Failed transmissions (oerrors).",
		  mp->oerrors);
	FOR_PORTS("sluice_port_rx_nombuf_total", "counter",
		  "Receive failures for want of an mbuf (rx_nombuf).", mp->rx_nombuf);
}

char *sl_prom_format(const struct sl_metrics *m, size_t *len)
{
	char *buf = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&buf, &size);
	bool ok;

	if (f == NULL)
		return NULL;
	format_global(f, m);
	format_vips(f, m);
	format_backends(f, m);
	format_workers(f, m);
	format_ports(f, m);
	ok = !ferror(f);
	if (fclose(f) != 0 || !ok) {
		free(buf);
		return NULL;
	}
	if (len != NULL)
		*len = size;
	return buf;
}

/* ---- HTTP endpoint -------------------------------------------------------- */

struct sl_prom_server {
	struct MHD_Daemon *d;
	struct sl_metrics_pub *pub;
	uint16_t port;
};

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *text,
			     const char *allow)
{
	struct MHD_Response *r = MHD_create_response_from_buffer(
	    strlen(text), (void *)(uintptr_t)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (r == NULL)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, "text/plain; charset=utf-8");
	if (allow != NULL)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, allow);
	ret = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return ret;
}

/* libmicrohttpd's thread: every request.  Answers at the first call (a
 * GET has no body worth waiting for). */
static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload_data,
			      size_t *upload_data_size, void **con_cls)
{
	struct sl_prom_server *s = cls;
	struct sl_metrics *m;
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *text;
	size_t len = 0;

	(void)version, (void)upload_data, (void)con_cls;
	if (strcmp(url, "/metrics") != 0)
		return reply(c, MHD_HTTP_NOT_FOUND, "not found: sluiced serves /metrics only\n",
			     NULL);
	if (strcmp(method, MHD_HTTP_METHOD_GET) != 0 && strcmp(method, MHD_HTTP_METHOD_HEAD) != 0)
		return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n", "GET, HEAD");
	/* A body sent with the GET is ignored. */
	*upload_data_size = 0;
	m = sl_metrics_get(s->pub);
	if (m == NULL)
		return reply(c, MHD_HTTP_SERVICE_UNAVAILABLE, "metrics not ready yet\n", NULL);
	text = sl_prom_format(m, &len);
	sl_metrics_put(m);
	if (text == NULL)
		return reply(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "out of memory\n", NULL);
	r = MHD_create_response_from_buffer(len, text, MHD_RESPMEM_MUST_FREE);
	if (r == NULL) {
		free(text);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, SL_PROM_CONTENT_TYPE);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* libmicrohttpd's own messages (bind errors, broken clients): to the DPDK
 * log, which is thread-safe. */
static void mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	buf[strcspn(buf, "\n")] = '\0';
	SL_LOG(INFO, "metrics endpoint: %s", buf);
}

struct sl_prom_server *sl_prom_server_start(const char *listen, struct sl_metrics_pub *pub,
					    char *err, size_t err_len)
{
	struct sl_prom_server *s;
	struct sockaddr_storage ss;
	const union MHD_DaemonInfo *info;
	uint8_t family, addr[16];
	uint16_t port;
	unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_AUTO | MHD_USE_ERROR_LOG;

	if (sl_config_parse_listen(listen, &family, addr, &port) < 0 || family == 0) {
		snprintf(err, err_len, "metrics.listen: not an ADDRESS:PORT: \"%s\"", listen);
		return NULL;
	}
	memset(&ss, 0, sizeof(ss));
	if (family == SL_AF_INET) {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;

		a->sin_family = AF_INET;
		a->sin_port = htons(port);
		memcpy(&a->sin_addr, addr, 4);
	} else {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;

		a->sin6_family = AF_INET6;
		a->sin6_port = htons(port);
		memcpy(&a->sin6_addr, addr, 16);
		flags |= MHD_USE_IPv6;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, err_len, "out of memory");
		return NULL;
	}
	s->pub = pub;
	errno = 0;
	s->d = MHD_start_daemon(flags, port, NULL, NULL, handle, s, MHD_OPTION_SOCK_ADDR,
				(struct sockaddr *)&ss, MHD_OPTION_CONNECTION_LIMIT, (unsigned)32,
				MHD_OPTION_PER_IP_CONNECTION_LIMIT, (unsigned)8,
				MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)10,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)16384,
				MHD_OPTION_EXTERNAL_LOGGER, mhd_log, NULL, MHD_OPTION_END);
	if (s->d == NULL) {
		snprintf(err, err_len, "cannot listen on %s: %s", listen,
			 errno ? strerror(errno) : "address in use or not local");
		free(s);
		return NULL;
	}
	info = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = info != NULL ? info->port : port;
	return s;
}

uint16_t sl_prom_server_port(const struct sl_prom_server *s)
{
	return s->port;
}

void sl_prom_server_stop(struct sl_prom_server *s)
{
	if (s == NULL)
		return;
	MHD_stop_daemon(s->d);
	free(s);
}
