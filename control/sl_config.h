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
#include <stddef.h>
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

/* Operator's (admin) state of a backend: `state:` in the file, and the CLI's
 * `backend enable|disable|drain`.  Health is separate and never written here. */
enum sl_admin_state {
	SL_ADMIN_ENABLED = 0, /* "enabled": takes new flows when healthy */
	SL_ADMIN_DISABLED,    /* "disabled": no traffic at all; its flows move */
	SL_ADMIN_DRAINING,    /* "draining": no new flows; existing flows stay until
			       * they end or the VIP's drain_timeout passes */
};

enum sl_pool {
	SL_POOL_PRIMARY = 0, /* "primary" */
	SL_POOL_BACKUP,	     /* "backup": new flows only while the primary is short */
	SL_NB_POOLS,
};

struct sl_config_backend {
	uint8_t addr[16];
	uint8_t family;		   /* SL_AF_INET / SL_AF_INET6 */
	char addr_str[48];	   /* canonical text form (inet_ntop): the Maglev identity */
	uint32_t weight;	   /* 0..65535; 0 = no new flows */
	enum sl_admin_state state; /* `state:` (default enabled) */
	enum sl_pool pool;	   /* `pool:` (default primary) */
	unsigned line, col;	   /* where it was defined, for messages */
};

enum sl_hc_kind {
	SL_HC_NONE = 0, /* "none": always healthy */
	SL_HC_TCP,	/* "tcp": connect() succeeds */
	SL_HC_HTTP,	/* "http": GET answers the expected status (and body substring) */
	SL_HC_UDP,	/* "udp": a request datagram gets the expected reply */
};

#define SL_HC_TEXT_MAX 256

/* `health:` of a VIP: how each of its backends is checked.  Checks with the
 * same backend address and the same settings are run once, however many VIPs
 * share them. */
struct sl_config_health {
	/* `type:` (default tcp; none when the VIP's port is any and no port is set) */
	enum sl_hc_kind kind;
	uint16_t port;	      /* `port:` (default: the VIP's port) */
	uint32_t interval_ms; /* `interval:` (default 2s) */
	uint32_t timeout_ms;  /* `timeout:` (default 1s; must be <= interval) */
	uint32_t jitter_ms;   /* `jitter:` (default interval / 10; < interval) */
	uint8_t rise;	      /* `rise:` successes to come up (default 2), 1..100 */
	uint8_t fall;	      /* `fall:` failures to go down (default 3), 1..100 */
	/* http */
	char path[SL_HC_TEXT_MAX]; /* `path:` (default "/") */
	char host[SL_HC_TEXT_MAX]; /* `host:` Host header (default: the backend's address) */
	uint16_t status;	   /* `status:` expected HTTP status (default 200) */
	char body[SL_HC_TEXT_MAX]; /* `body:` substring the body must contain ("" = any) */
	/* udp */
	char send[SL_HC_TEXT_MAX];   /* `send:` request payload (required for udp) */
	char expect[SL_HC_TEXT_MAX]; /* `expect:` the reply must start with this ("" = any reply) */
};

enum sl_panic_mode {
	/* "open": spread over every enabled backend of the pool, healthy or not */
	SL_PANIC_OPEN = 0,
	SL_PANIC_CLOSED, /* "closed": only the survivors */
};

enum sl_when_empty {
	SL_EMPTY_DROP = 0, /* "drop": count and drop */
	/* "unreachable": count, drop, answer ICMP (v6) unreachable (rate-limited) */
	SL_EMPTY_UNREACHABLE,
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
	struct sl_config_health health;
	uint32_t slow_start_ms;		 /* `slow_start:` 0 = off (default 0) */
	uint32_t drain_timeout_ms;	 /* `drain_timeout:` (default 300s) */
	uint8_t backup_threshold_pct;	 /* `backup_threshold:` 0..100% (default 50%) */
	uint8_t backup_hysteresis_pct;	 /* `backup_hysteresis:` 0..100% (default 10%) */
	uint8_t panic_threshold_pct;	 /* `panic_threshold:` 0..100% (default 30%; 0% = never) */
	enum sl_panic_mode panic_mode;	 /* `panic_mode:` (default open) */
	uint16_t bounded_load_pct;	 /* `bounded_load:` 0 = off, else 101..1000 (%) */
	uint32_t bounded_load_window_ms; /* `bounded_load_window:` (default 1s) */
	enum sl_when_empty when_empty;	 /* `when_empty:` (default drop) */
	struct sl_config_backend *backends;
	uint32_t nb_backends;
	unsigned line, col;
};

/* `alerts:` (docs/CONFIG.md, docs/OPERATIONS.md "Alerts"): the anomaly
 * detector's settings (control/sl_anomaly.h) and the alert hook
 * (control/sl_alert.h).  Plain data: copied, compared and written back like
 * every other setting, applied on reload.  Decimal settings are kept in
 * thousandths (`factor: 2.5` is 2500) so that they survive the text round
 * trip exactly. */

/* A spike detector: alerts.drop_spike, alerts.rx_missed, alerts.nonsyn_burst.
 * A rate spikes when it exceeds its learned baseline by more than all of
 * min_increase, (factor - 1) x baseline and sigmas x the baseline's
 * standard deviation. */
struct sl_config_spike {
	bool enabled;	       /* `enabled:` (default true) */
	uint32_t factor_milli; /* `factor:` 1..1000 (default 3) */
	uint64_t min_increase; /* `min_increase:` events per second (default 100) */
	uint32_t sigmas_milli; /* `sigmas:` 0..100 (default 6; 0 = not used) */
};

struct sl_config_alerts {
	bool enabled;	      /* `enabled:` every detector (default true) */
	uint32_t warmup_ms;   /* `warmup:` before a learned baseline is trusted (default 60s) */
	uint32_t baseline_ms; /* `baseline:` half-life of learned baselines (default 10m) */
	uint32_t repeat_ms;   /* `repeat:` an active alert again every (default 60s; 0 = never) */
	uint32_t resolve_after_ms; /* `resolve_after:` clear this long to resolve (default 30s) */
	struct {
		bool enabled;
		uint32_t window_ms; /* `window:` (default 30s) */
		uint32_t
		    min_flows;	  /* `min_flows:` new flows of the VIP in a window (default 300) */
		uint32_t z_milli; /* `z:` binomial z-score, 1..100 (default 5) */
		uint32_t
		    min_deviation_pct; /* `min_deviation:` above the expected share (default 25%) */
	} skew;
	struct sl_config_spike drop_spike, rx_missed, nonsyn_burst;
	struct {
		bool enabled;
		uint32_t window_ms;   /* `window:` (default 60s) */
		uint32_t transitions; /* `transitions:` in one window, 2..32 (default 4) */
	} flapping;
	struct {
		bool enabled;
		uint32_t factor_milli;	  /* `factor:` 1..1000 (default 3) */
		uint32_t min_increase_ms; /* `min_increase:` (default 10ms) */
		uint32_t samples; /* `samples:` median of the last N checks, 1..15 (default 5) */
	} latency;
	struct {
		bool enabled;
	} vip_empty;
	struct {
		char command[SL_HC_TEXT_MAX]; /* `command:` run by /bin/sh -c ("" = none) */
		uint32_t timeout_ms;	      /* `timeout:` killed after (default 10s) */
		uint32_t max_running;	      /* `max_running:` at once, 1..64 (default 4) */
	} hook;
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
	/* control: */
	char control_socket[108]; /* control.socket (default /run/sluice/sluiced.sock) */
	/* control.admin_group: may change state ("" = root and owner only) */
	char admin_group[SL_NAME_MAX];
	char read_group[SL_NAME_MAX]; /* control.read_group: may read ("" = root and owner only) */
	char state_file[256];	      /* control.state_file (default: the config path + ".state") */
	uint32_t history;	      /* control.history: generations kept (default 64) */
	/* metrics.listen: the Prometheus endpoint, "ADDRESS:PORT" with an
	 * IPv4 literal or "[IPv6]:PORT" (default "127.0.0.1:9465"), or "off"
	 * (docs/METRICS.md).  Taken at start-up only. */
	char metrics_listen[64];
	/* guard: limits of `config apply --guard` */
	/* guard.backends_down: more newly down backends roll back (default 0) */
	uint32_t guard_backends_down;
	/* guard.drops_per_second: drop-rate increase that rolls back (default 100) */
	uint64_t guard_drops_per_s;
	struct sl_config_alerts alerts; /* `alerts:` */
	struct sl_config_vip *vips;
	uint32_t nb_vips;
};

/* The documented defaults of `alerts:` (tests and code that builds a
 * configuration in memory start from them). */
void sl_config_alerts_defaults(struct sl_config_alerts *a);

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

/* Deep copy (vips and their backends).  NULL on allocation failure. */
struct sl_config *sl_config_dup(const struct sl_config *c);

/* Write `c` as YAML in the file's own syntax, every key explicit (defaults
 * included), so that sl_config_parse of the text gives back an equal
 * configuration (sl_config_equal).  Used for the state file, `config show`
 * and generation history.  Returns a malloc'd NUL-terminated string, or NULL
 * on allocation failure.  `header` (may be NULL) is written first as comment
 * lines. */
char *sl_config_to_yaml(const struct sl_config *c, const char *header);

/* Same content?  (Positions line/col are ignored.)  Ports are compared in
 * order (the order is the DPDK port order); VIPs and each VIP's backends as
 * sets, found by (address, port, protocol) and address, because their order
 * in the file changes nothing. */
bool sl_config_equal(const struct sl_config *a, const struct sl_config *b);

/* Validate a configuration built in memory with every check of a file (it is
 * written with sl_config_to_yaml and parsed back): 0, -EINVAL with the
 * problems reported through diag (their LINE:COLUMN point into
 * sl_config_to_yaml(c, NULL), the key paths such as vips[2].encap name the
 * setting), or -ENOMEM.  With `out`, the parsed copy (what a caller that
 * applies the configuration should run) is returned there on success. */
int sl_config_validate(const struct sl_config *c, const char *name, struct sl_diag *diag,
		       struct sl_config **out);

/* Index of the VIP (address, port (host order, 0 = any), proto) or -1. */
int sl_config_find_vip(const struct sl_config *c, uint8_t family, const uint8_t addr[16],
		       uint16_t port, uint8_t proto);
/* Index of backend `addr` in VIP v, or -1. */
int sl_config_find_backend(const struct sl_config_vip *v, uint8_t family, const uint8_t addr[16]);

/* Human-readable differences from a to b, one change per line
 * ("+ vip 10.0.0.1:80/tcp", "~ vip 10.0.0.1:80/tcp backend 10.1.1.1 weight: 100 -> 50",
 * "- vip ...", settings by their config key), in a stable order.  Returns a
 * malloc'd string ("" when equal) or NULL on allocation failure.
 * Lines, in this order (docs/CONFIG.md has the details):
 *   "+ ports[I]: name N, role R" / "- ports[I]: ..." / "~ ports[I].name: A -> B"
 *   "~ KEY: A -> B" for top-level settings (e.g. "~ next_hop.mtu: 1500 -> 9000")
 *   then per VIP, sorted by (family, address, port, protocol):
 *   "+ vip REF" / "- vip REF" (the VIP with all its backends),
 *   "~ vip REF KEY: A -> B" (e.g. "~ vip REF health.interval: 2s -> 1s"),
 *   then its backends sorted by address:
 *   "+ vip REF backend ADDR (pool P, weight W[, state S])",
 *   "- vip REF backend ADDR", "~ vip REF backend ADDR weight|pool|state: A -> B".
 * Values are written as in the file (durations in their largest exact unit,
 * strings quoted); "-" stands for a setting that does not apply or is unset. */
char *sl_config_diff(const struct sl_config *a, const struct sl_config *b);

/* Parse one VIP (a YAML or JSON mapping with the keys of a `vips:` entry,
 * backends included) or one backend (the keys of a `backends:` entry), as
 * the CLI sends them.  Defaults come from `cfg` (e.g. maglev.table_size);
 * errors go to diag with `name` as FILE.  The VIP's backends array is
 * malloc'd (free with sl_config_vip_clear).  Checks that need the whole
 * configuration (duplicates, tunnel sources, MTU) are not done here: the
 * caller validates the configuration it builds.  0 or -EINVAL / -ENOMEM.
 * (The VIP's own checks are done: encapsulation vs address families, Maglev
 * size vs backends, duplicate backends.)  Messages name keys "vip.KEY" and
 * "backend.KEY".  `cfg` may be NULL (built-in defaults).  On error *out is
 * zeroed. */
int sl_config_parse_vip(const char *text, const char *name, const struct sl_config *cfg,
			struct sl_diag *diag, struct sl_config_vip *out);
int sl_config_parse_backend(const char *text, const char *name, struct sl_diag *diag,
			    struct sl_config_backend *out);
void sl_config_vip_clear(struct sl_config_vip *v);
/* Apply a mapping of VIP setting keys (everything but address, port,
 * protocol and backends) over *v; keys not given keep their value.  On error
 * *v is unchanged.  0 or -EINVAL.
 * `health:` is merged key by key too.  When health.type changes, the keys of
 * the new type start from their defaults and those of the old type are
 * cleared; a jitter still at its default (interval / 10) follows a new
 * interval; encap gue brings gue_port 6080 unless given.  Only the settings
 * themselves are checked (ranges, timeout <= interval, ...): the caller
 * validates the configuration it builds (e.g. encap vs backends). */
int sl_config_vip_update(struct sl_config_vip *v, const char *text, const char *name,
			 struct sl_diag *diag);

/* A VIP's textual reference, used in messages, diffs and by the CLI:
 * "ADDR:PORT/PROTO", IPv6 in brackets, port "any" for 0:
 * "10.0.0.1:80/tcp", "[fd00::1]:443/tcp", "10.0.0.1:any/udp".  SL_VIP_REF_MAX bytes always suffice.
 */
#define SL_VIP_REF_MAX 64
void sl_config_vip_ref(const struct sl_config_vip *v, char *buf, size_t len);
/* Parses such a reference (strictly: IPv6 only in brackets, IPv4 never,
 * port 1..65535 or "any" = 0, protocol "tcp" or "udp").  0 or -EINVAL. */
int sl_config_parse_vip_ref(const char *s, uint8_t *family, uint8_t addr[16], uint16_t *port,
			    uint8_t *proto);

/* Parses a listen address as metrics.listen takes it: "A.B.C.D:PORT" or
 * "[IPv6]:PORT" (port 0..65535; the configuration refuses 0), or "off"
 * (*family = 0).  addr: 16 bytes as in struct sl_config_backend.  0 or
 * -EINVAL. */
int sl_config_parse_listen(const char *s, uint8_t *family, uint8_t addr[16], uint16_t *port);

/* Names as the file spells them (and the CLI prints them); "invalid" for a
 * value outside the enum. */
const char *sl_admin_state_name(enum sl_admin_state s);
const char *sl_pool_name(enum sl_pool p);
const char *sl_hc_kind_name(enum sl_hc_kind k);

#endif /* SL_CONFIG_H */
