/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Anomaly detection: from one sample of counters per tick, decide which
 * alerts are raised, still active (repeated at a bounded rate) and resolved.
 *
 * Pure: no clock, no I/O, no DPDK.  The caller (the control thread, through
 * sl_api.c's glue) builds a sample once a second from the workers' counters,
 * the health checker and the ports, with the times injected; unit tests
 * build samples by hand and drive every detector exactly.  Events come back
 * through a callback, each with its one-line JSON text; the caller logs them
 * and runs the hook (control/sl_alert.h).
 *
 * Detectors (alerts.* in docs/CONFIG.md; what they mean for an operator in
 * docs/OPERATIONS.md "Alerts"):
 *
 *  skew          per backend: its share of its VIP's new flows in a window
 *                against `expected`, the share the VIP's current table gives
 *                it (weights, slow start, draining and health included).  A
 *                binomial test: with N new flows in the window and expected
 *                share p, a backend's count n is Binomial(N, p) when nothing
 *                is wrong, so z = (n - N p) / sqrt(N p (1 - p)) is about
 *                standard normal.  Raised when N >= min_flows, z >= z_thr and
 *                n / N >= p (1 + min_deviation): the z-score alone would flag
 *                tiny deviations on huge counts, the deviation alone would
 *                flag noise on small ones.  Only the over-share side is an
 *                alert (the overload risk; the others' under-share is the
 *                same event).  No learned baseline: the expectation is exact,
 *                and a baseline would learn the skew itself.  A change of any
 *                expected share (a new table) starts a new window.
 *  drop_spike    per drop reason, rx_missed per port (imissed), nonsyn_burst
 *                per VIP (TCP non-SYN flow-table misses): a rate per second
 *                against a learned baseline (below).  Raised when
 *                rate > mean + max(min_increase, (factor - 1) mean,
 *                sigmas sd): relative, absolute and statistical floors at
 *                once, so 0 -> 3 drops/s is no spike and a noisy baseline
 *                needs a bigger jump.
 *  flapping      per health target: at least `transitions` up/down changes
 *                within `window`.
 *  latency       per health target: the median of its last `samples`
 *                successful checks' latencies against a learned baseline of
 *                single checks: raised when median > mean + max(min_increase,
 *                (factor - 1) mean).  The median ignores one slow check.
 *  vip_empty     per VIP: nothing takes new flows.
 *
 * Learned baselines: an exponentially weighted mean and variance with a
 * half-life of H = alerts.baseline, so irregular tick intervals weigh right:
 *   alpha = max(1 / n, 1 - 2^(-dt / H))   (n: samples so far, dt: since the last)
 *   d = x - mean;  mean += alpha d;  var = (1 - alpha) (var + alpha d^2)
 * (West's incremental EWMA variance).  The 1/n term makes the first samples
 * a plain mean instead of an average dominated by the first value.  A
 * sample above the current raise threshold is learned as the threshold
 * itself (winsorized) and does not touch the variance: a burst moves the
 * baseline no more than a sample at the threshold would, which keeps a
 * start-up burst (every flow a non-SYN miss after a restart) or a spike from
 * teaching the detector that spikes are normal, and keeps the sigmas term
 * from chasing the spike (a variance fed with threshold-sized deviations
 * would raise the threshold, which would widen the variance...); while an
 * alert is active no sample touches the variance.  A lasting new level
 * still pulls the mean up, by at least alpha x min_increase per sample and
 * geometrically once (factor - 1) x mean is the margin, so it becomes the
 * baseline within a few half-lives and its alert resolves.  A baseline is trusted after
 * alerts.warmup of samples (and, for latency, `samples` checks): before
 * that its detector learns but raises nothing.
 *
 * Alert life: raised once when its condition first holds; while active,
 * logged again (state "repeat") every alerts.repeat; resolved when its
 * condition has been clear continuously for alerts.resolve_after, where
 * clear uses half the margin (hysteresis: a value hovering at the threshold
 * does not flap between raised and resolved).  A subject that disappears
 * (a VIP or backend removed, a detector switched off) resolves its alert.
 *
 * Thread: whoever owns the object (the control thread); not thread-safe.
 */
#ifndef SL_ANOMALY_H
#define SL_ANOMALY_H

#include <stdbool.h>
#include <stdint.h>

#include <jansson.h>

#include "sl_common.h"
#include "sl_config.h"

/* The alert names (as in the JSON lines and the alerts: config keys). */
enum sl_alert_kind {
	SL_ALERT_SKEW = 0,
	SL_ALERT_DROP_SPIKE,
	SL_ALERT_RX_MISSED,
	SL_ALERT_NONSYN_BURST,
	SL_ALERT_FLAPPING,
	SL_ALERT_LATENCY,
	SL_ALERT_VIP_EMPTY,
	SL_ALERT_NB_KINDS
};
const char *sl_alert_kind_name(enum sl_alert_kind k);

enum sl_alert_state {
	SL_ALERT_RAISED = 0, /* "raised": the condition began */
	SL_ALERT_REPEAT,     /* "repeat": still active (every alerts.repeat) */
	SL_ALERT_RESOLVED,   /* "resolved": clear for alerts.resolve_after (or gone) */
};
const char *sl_alert_state_name(enum sl_alert_state s);

/* ---- input: one sample per tick (all pointers valid during the call) ---- */

struct sl_anom_backend {
	const char *address; /* the backend (subject, with its VIP) */
	double expected;     /* its share of the VIP's new flows, 0..1: its table share */
	uint64_t new_flows;  /* total so far; a decrease restarts its window */
};

struct sl_anom_vip {
	const char *vip;      /* reference "ADDR:PORT/PROTO" (subject) */
	uint32_t usable;      /* backends that take new flows (0: vip_empty) */
	uint32_t nb_backends; /* configured backends (vip_empty's "expected") */
	uint64_t nonsyn;      /* total TCP non-SYN flow-table misses */
	const struct sl_anom_backend *be;
	uint32_t nb_be;
};

struct sl_anom_target {
	const char *address;	  /* subject: address, check and port */
	const char *check;	  /* "tcp", "http", "udp" */
	uint16_t port;		  /* the checked port */
	uint64_t transitions;	  /* total up <-> down changes */
	uint64_t successes;	  /* total successful checks */
	uint32_t last_latency_us; /* of the last successful check */
};

struct sl_anom_port {
	const char *name; /* subject */
	uint64_t imissed; /* total */
};

struct sl_anom_sample {
	uint64_t now_ms; /* monotonic, > 0, never decreasing */
	int64_t wall_ms; /* since the epoch: "ts" and "since" of the lines */
	const struct sl_anom_vip *vips;
	uint32_t nb_vips;
	const struct sl_anom_target *targets;
	uint32_t nb_targets;
	const struct sl_anom_port *ports;
	uint32_t nb_ports;
	uint64_t drops[SL_V_MAX]; /* totals by reason; [SL_V_OK] is ignored */
};

/* ---- output -------------------------------------------------------------- */

struct sl_alert_event {
	enum sl_alert_kind kind;
	enum sl_alert_state state;
	uint64_t id;	      /* of the alert: the same in its raised, repeat and resolved lines */
	const char *severity; /* "warning" or "critical" (vip_empty) */
	const char *subject;  /* one line: "vip=10.99.100.1:80/tcp backend=10.99.2.11" */
	const char *message;  /* for people */
	double observed, expected, threshold; /* NAN where it has none */
	const char *unit;
	/* The JSON line (one object, no newline), shorter than SL_ALERT_LINE_MAX:
	 * {"alert","state","severity","subject":{...},"observed","expected",
	 *  "threshold","unit","since","ts","id","detail":{...},"message"} */
	const char *json;
};

/* Every line fits in one pipe write (PIPE_BUF is 4096 on Linux), so a hook's
 * stdin gets it whole without ever blocking. */
#define SL_ALERT_LINE_MAX 4096

/* Called for each event, in a fixed order (the sample's order, then
 * disappeared subjects).  The event's strings are valid during the call. */
typedef void (*sl_anom_emit_fn)(void *arg, const struct sl_alert_event *ev);

struct sl_anom;

/* A detector with settings `cfg` (copied).  NULL on allocation failure. */
struct sl_anom *sl_anom_create(const struct sl_config_alerts *cfg);
void sl_anom_free(struct sl_anom *a);

/* New settings (reload): thresholds apply from the next tick, baselines are
 * kept; active alerts of a detector that is now off are resolved through
 * emit (times now_ms / wall_ms) and its subjects forgotten. */
void sl_anom_set_config(struct sl_anom *a, const struct sl_config_alerts *cfg, uint64_t now_ms,
			int64_t wall_ms, sl_anom_emit_fn emit, void *arg);

/* One tick.  Returns 0, or -ENOMEM when a new subject could not be tracked
 * (that subject is skipped this tick; everything else is done). */
int sl_anom_tick(struct sl_anom *a, const struct sl_anom_sample *s, sl_anom_emit_fn emit,
		 void *arg);

/* The active alerts, oldest first, as JSON objects shaped like the lines
 * with state "active" and ts = wall_ms (caller json_decref's the array), or
 * NULL on allocation failure. */
json_t *sl_anom_active(const struct sl_anom *a, int64_t wall_ms);

struct sl_anom_counts {
	uint64_t raised, repeats, resolved; /* lines emitted, by state */
	uint32_t active;		    /* alerts active now */
	uint32_t subjects;		    /* tracked subjects (baselines, windows) */
};
void sl_anom_counts(const struct sl_anom *a, struct sl_anom_counts *c);

#endif /* SL_ANOMALY_H */
