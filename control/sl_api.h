/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The one internal API of the control plane.  The config loader (start-up,
 * SIGHUP), the control socket (sluicectl) and the tests all change sluice
 * through these functions and nothing else.
 *
 * Every change works on a copy of the running configuration, validates the
 * whole result (the same checks as a config file), builds a complete new
 * snapshot, publishes it with RCU and returns only after every worker has
 * passed a quiescent point (the old snapshot is freed by then).  A change
 * that fails anywhere leaves the running state untouched.  Each applied
 * change is a numbered generation with a time, the user id that made it and
 * a summary; the last control.history generations can be shown, diffed and
 * rolled back to.  After each change the running configuration is written
 * atomically to the state file, so a restart comes back to it.
 *
 * Results are JSON objects (jansson); the shapes are documented beside each
 * function and in docs/OPERATIONS.md.  Errors: functions return 0 or -errno
 * and put a one-line message naming what was wrong into out->msg.
 *
 * Thread: the control thread only (or a test's main thread).
 */
#ifndef SL_API_H
#define SL_API_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "sl_config.h"
#include "sl_ctrl.h"
#include "sl_health.h"
#include "sl_metrics.h"

struct sl_api;
struct sl_worker;
struct sl_health;

/* How a change is made. */
struct sl_api_opts {
	uint32_t uid;	    /* who: recorded in the generation history */
	bool dry_run;	    /* preview only: nothing is applied */
	uint32_t guard_ms;  /* > 0: watch health and drops this long after the
			     * change and roll back by itself if they get worse
			     * beyond the config's guard limits */
	const char *origin; /* "cli", "file", "rollback", "guard", "test" (summary prefix) */
};

/* What a call returns. */
struct sl_api_out {
	json_t *result; /* on success (caller json_decref's it); may be NULL */
	char msg[1024]; /* on failure: why; on success: optional note */
};

struct sl_api_conf {
	struct sl_ctrl *ctrl;		  /* snapshot builder / publisher, initialised */
	struct sl_worker *const *workers; /* for counters (flows per backend, drops) */
	unsigned nb_workers;
	const char *config_path; /* the daemon's file; NULL: none (tests) */
	bool use_state_file;	 /* read and write the state file */
	/* Health checks: NULL clock = CLOCK_MONOTONIC; ops NULL = real sockets */
	uint64_t (*clock_ms)(void *arg);
	void *clock_arg;
	const struct sl_hc_ops *const *hc_ops; /* [4] or NULL */
	/* Wall clock for history entries (seconds since the epoch); NULL = time() */
	int64_t (*wall_clock)(void *arg);
	/* Command-line replacements of control.socket / control.state_file
	 * (sluiced --socket / --state-file), or NULL: kept in every
	 * configuration the API runs, so a reload of a file without them
	 * does not show them as changes. */
	const char *socket_override;
	const char *state_override;
	/* Restart-only settings (ports, next_hop.port): a change to them is
	 * refused with a message naming the key.  NULL = no check. */
	const char *(*restart_only)(const struct sl_config *run, const struct sl_config *new);
	/* Metrics (sl_metrics.h): when not NULL, a copy is built and published
	 * here once a second (with the rate sample).  Ports whose counters it
	 * carries (rte_eth_stats_get on the control thread), and the TSC rate
	 * (busy cycles in seconds). */
	struct sl_metrics_pub *metrics;
	const struct sl_metrics_port_src *ports;
	uint64_t tsc_hz;
	/* DPDK port ids of the configuration's ports (same index as
	 * cfg->ports), for the RX-missed detector (rte_eth_stats_get on the
	 * control thread).  NULL: none (tests).  nb_ports counts the entries
	 * of both `ports` and `port_ids` (0: no ports). */
	const uint16_t *port_ids;
	unsigned nb_ports;
	/* Hooks for parts of the daemon outside the snapshot (sluiced: the XDP
	 * VIP map, control/sl_xdp.h); NULL = none.  Control thread.
	 * on_running: after each configuration that becomes the running one
	 * was published (the first, every applied change, rollback, reload),
	 * with it; not on dry runs or refused changes.  It cannot fail the
	 * change: it logs and counts its own errors.
	 * status_add: adds its fields to sl_api_status's result. */
	void (*on_running)(void *arg, const struct sl_config *cfg);
	void (*status_add)(void *arg, json_t *status);
	void *hook_arg;
};

/* Create the API around `initial` (taken over: freed with the API), build and
 * publish its first generation.  With a config path and use_state_file, the
 * state file next to it is used instead when it was written from the same
 * config file contents (docs/OPERATIONS.md: persistence).  Returns NULL with
 * a message in *err on failure. */
struct sl_api *sl_api_create(const struct sl_api_conf *conf, struct sl_config *initial, char *err,
			     size_t err_len);
void sl_api_free(struct sl_api *api);

/* Where the state file of the daemon's file `config_path` is
 * (control.state_file, else config_path + ".state"). */
void sl_api_state_path(const char *config_path, const struct sl_config *cfg, char *buf, size_t len);
/* The state file's configuration if it was written from the current contents
 * of config_path (what sl_api_create will run), else NULL.  sluiced reads it
 * before setting up ports and workers, so settings that only take effect at
 * start-up (flow_table, icmp, control) come from it too.  quiet: no log
 * lines (sl_api_create logs the decision). */
struct sl_config *sl_api_read_state(const char *config_path, const char *state_path, bool quiet);

/* The running configuration (read-only; valid until the next change). */
const struct sl_config *sl_api_config(const struct sl_api *api);
uint64_t sl_api_generation(const struct sl_api *api);
struct sl_health *sl_api_checker(struct sl_api *api);

/* Drive timers: health checks, state machine (slow start, drain deadlines),
 * guard periods.  Returns milliseconds until it wants to be called again. */
uint32_t sl_api_tick(struct sl_api *api);
/* fd (epoll) to add to the control loop: readable when tick has work. */
int sl_api_fd(const struct sl_api *api);

/*
 * Changes.  A VIP is named by "ADDRESS:PORT/PROTOCOL" ("10.0.0.1:80/tcp",
 * "[fd00::1]:443/tcp", port "any"), a backend by its address within a VIP.
 * Success result:
 *   {"generation": N, "summary": "...", "preview": PREVIEW}
 * dry run: {"dry_run": true, "summary": "...", "preview": PREVIEW}
 * PREVIEW = {"vips": [{"vip": REF, "change": "added|removed|changed|unchanged",
 *                      "slots_moved": n, "table_size": m, "moved_pct": x,
 *                      "flows_moving": n,
 *                      "backends": [{"address": A, "pool": P,
 *                                    "share_before_pct": x, "share_after_pct": y}]}],
 *            "flows_moving": n}
 */
int sl_api_vip_add(struct sl_api *api, const struct sl_api_opts *o, const struct sl_config_vip *v,
		   struct sl_api_out *out);
int sl_api_vip_del(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
		   struct sl_api_out *out);
/* Change VIP settings: `settings` is a YAML/JSON mapping of VIP keys as in the
 * file (not address/port/protocol/backends), applied over the current ones. */
int sl_api_vip_set(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
		   const char *settings, struct sl_api_out *out);
int sl_api_backend_add(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
		       const struct sl_config_backend *b, struct sl_api_out *out);
int sl_api_backend_del(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
		       const char *addr, struct sl_api_out *out);
int sl_api_backend_weight(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
			  const char *addr, uint32_t weight, struct sl_api_out *out);
int sl_api_backend_state(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
			 const char *addr, enum sl_admin_state st, struct sl_api_out *out);
/* Replace the whole configuration by `text` (YAML; `path` names it in
 * messages), or when text is NULL by file `path` (NULL: the daemon's file).
 * Ports and next_hop.port cannot change (restart needed).  Backends still in
 * the file keep their health state; weight and state keep a value set with
 * the CLI unless the file changed that value since it was last loaded.
 * alerts.hook.command (a command the daemon runs) changes only from the
 * daemon's file or for uid 0 or the daemon's own uid: -EPERM otherwise. */
int sl_api_config_apply(struct sl_api *api, const struct sl_api_opts *o, const char *path,
			const char *text, struct sl_api_out *out);
/* Roll back to generation `gen` (0: the one before the running one), as a new
 * generation. */
int sl_api_config_rollback(struct sl_api *api, const struct sl_api_opts *o, uint64_t gen,
			   struct sl_api_out *out);

/*
 * Queries (read-only).  Shapes in docs/OPERATIONS.md.
 */
/* {"generation", "uptime_s", "workers": [{"id","lcore","generation","rx","tx","drops"}],
 *  "vips", "backends", "health_targets", "config_path", "state_file",
 *  "guard": null | {"generation","until_s"},
 *  "memory": {"heap_alloc_bytes","heap_allocs","memzones","mempool_in_use"}}
 * (heap_allocs: blocks allocated; exact, unlike the byte total, which
 * includes alignment padding that depends on where blocks landed);
 * plus what conf.status_add adds (sluiced: "xdp", docs/OPERATIONS.md) */
int sl_api_status(struct sl_api *api, struct sl_api_out *out);
/* {"vips": [{"vip": REF, "encap", "serving_pool", "panic", "empty",
 *            "capacity_pct": {"primary","backup"}, "backends": n, "usable": n}]} */
int sl_api_vip_list(struct sl_api *api, struct sl_api_out *out);
/* One VIP: the vip_list entry plus its settings (as the file's keys) and
 * "backends": backend_list entries. */
int sl_api_vip_show(struct sl_api *api, const char *vip, struct sl_api_out *out);
/* {"backends": [{"vip": REF, "address", "pool", "weight", "admin", "state",
 *                "health": "up|down|unchecked", "share_pct", "flows"}]}; vip NULL = all */
int sl_api_backend_list(struct sl_api *api, const char *vip, struct sl_api_out *out);
/* {"targets": [{"address","type","port","up","checks","failures","transitions",
 *               "last_result","last_latency_us","last_check_age_ms","vips":[REF]}]} */
int sl_api_health(struct sl_api *api, struct sl_api_out *out);
/* {"interval_s": x, "vips": [{"vip", "packets","bytes","new_flows","pps","bps","new_flows_per_s",
 *   "flows","tcp_nonsyn_miss","usable","fingerprint",
 *   "backends":[{"address","packets","bytes","new_flows","pps","bps","new_flows_per_s",
 *                "flows","state","health","health_latency_us"}]}],
 *   "drops": {"reason": n, ...}, "drops_per_s": x,
 *   "generation", "config_generation", "tcp_nonsyn_miss",
 *   "flow_table": {"capacity","entries","occupancy_pct","hits","misses","inserts",
 *                  "evictions","expired"},
 *   "workers": [{"id","lcore","rx","tx","rx_per_s","polls","busy_polls","load_pct",
 *                "flow_entries","flow_capacity","evictions","tcp_nonsyn_miss","drops",
 *                "generation"}],
 *   "ports": [{"name","ok","ipackets","opackets","ibytes","obytes","imissed","ierrors",
 *              "oerrors","rx_nombuf","ipackets_per_s","imissed_per_s"}]}
 * Packets, bytes and new flows are the monotonic counters of docs/METRICS.md
 * (a backend that leaves and comes back continues its counts); rates are
 * over the last two 1 s samples. */
int sl_api_stats(struct sl_api *api, struct sl_api_out *out);
/* A fresh metrics copy of the running state (caller drops it with
 * sl_metrics_put), or NULL when out of memory. */
struct sl_metrics *sl_api_metrics(struct sl_api *api);
/* Active alerts (docs/OPERATIONS.md "Alerts"): {"enabled": bool,
 *  "alerts": [ALERT...] oldest first, each shaped like its log line with
 *             "state": "active" and "ts" now,
 *  "counts": {"raised","repeats","resolved","active","subjects"},
 *  "hook": {"command","running","runs","dropped","failed","timeouts"}} */
int sl_api_alerts(struct sl_api *api, struct sl_api_out *out);
/* {"flows": n, "vips": [{"vip", "flows", "backends": [{"address","flows"}]}]} */
int sl_api_flows(struct sl_api *api, struct sl_api_out *out);
/* {"vips": [{"vip", "table_size", "fingerprint": "%016x", "config_fingerprint",
 *            "backends": [{"address","slots","share_pct"}]}]}; vip NULL = all */
int sl_api_table(struct sl_api *api, const char *vip, struct sl_api_out *out);
/* {"generation", "yaml": "..."}; gen 0 = running */
int sl_api_config_show(struct sl_api *api, uint64_t gen, struct sl_api_out *out);
/* {"generations": [{"generation","time","uid","origin","summary","guard"}]} newest last */
int sl_api_config_history(struct sl_api *api, struct sl_api_out *out);
/* {"from": a, "to": b, "diff": "...lines..."}; b 0 = running; a 0 = b's predecessor */
int sl_api_config_diff(struct sl_api *api, uint64_t a, uint64_t b, struct sl_api_out *out);
/* Validate a file (or `text`, named `path`) without applying it: {"ok": true, "warnings": [..]} or
 * -EINVAL with the diagnostics (one per line) in msg and result
 * {"errors": [...]} */
int sl_api_config_check(struct sl_api *api, const char *path, const char *text,
			struct sl_api_out *out);

#endif /* SL_API_H */
