/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Health checker: runs on the control thread with non-blocking kernel
 * sockets, never on a worker.  Targets are deduplicated: one (address,
 * settings) pair is checked once however many VIPs reference it.
 *
 * Timing contract (unit-tested with an injected clock): a target is checked
 * every interval_ms, each check started up to jitter_ms early (never late),
 * with a first check at a per-target phase inside the first interval so that
 * the checks of many backends do not fire together.  A check that has not
 * succeeded after timeout_ms fails.  After `fall` consecutive failures the
 * target is down, after `rise` consecutive successes it is up.  So a backend
 * that stops answering at time t is declared down by
 * t + interval * fall + timeout at the latest.
 *
 * Initial state: a target added while the checker is "starting" (before
 * sl_health_started) is up until proven down, so a restart does not drop
 * traffic; one added later starts down and is up after its first success
 * (checked at once).
 *
 * Details of the above (added with the implementation):
 *  - "up after its first success" applies to the target's very first check
 *    only: if that fails, the target is an ordinary down target and needs
 *    `rise` consecutive successes.  That first up is a transition (counted,
 *    on_change called); the initial state itself is not.
 *  - The phase of the first check (starting targets) is the spec's hash
 *    modulo interval_ms: deterministic, so instances with the same config
 *    check at the same offsets.  Later checks start interval_ms - r after
 *    the previous start, r pseudo-random in [0, jitter_ms] (seeded by the
 *    hash).  At most one check per target is in flight: one that ends after
 *    its successor was due is followed by the next at once.
 *  - kind SL_HC_NONE targets are never checked: always up, checked stays
 *    false, no on_change.
 */
#ifndef SL_HEALTH_H
#define SL_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "sl_config.h"

struct sl_health;

/* What is checked: a backend address and the VIP's settings with the port
 * resolved.  Two equal specs (memcmp of the whole, zeroed struct) are one
 * target.  The checker keys targets on a canonical copy (what
 * sl_health_spec returns): padding, bytes after a string's NUL, address bytes
 * 4..15 of IPv4 and the fields the kind does not use are zeroed, and an
 * empty http path is "/", so specs that differ only there are one target. */
struct sl_hc_spec {
	uint8_t family;
	uint8_t addr[16];
	struct sl_config_health hc; /* hc.port != 0 unless kind == SL_HC_NONE */
};

/* What the checker knows about a target. */
struct sl_hc_status {
	bool up;
	bool checked;		  /* at least one check finished */
	uint32_t rise_count;	  /* consecutive successes */
	uint32_t fall_count;	  /* consecutive failures */
	uint64_t checks;	  /* checks finished */
	uint64_t failures;	  /* of those, failed */
	uint64_t transitions;	  /* up <-> down changes (flapping) */
	uint64_t last_ms;	  /* when the last check finished */
	uint32_t last_latency_us; /* of the last successful check */
	char last_result[96];	  /* "ok", "connection refused", "timeout", "status 503", ... */
};

/*
 * A check kind: how one check runs.  Called on the control thread only.
 * start() begins a check and returns a non-blocking fd to wait on (and the
 * events: EPOLLIN/EPOLLOUT) or -1 with *done set to 1 and the result filled
 * when it completed (or failed) at once.  step() is called when the fd is
 * ready; it returns 0 to keep waiting (updating *events), 1 when finished
 * (result in *ok and msg).  stop() closes the fd and frees per-check state.
 * Tests replace the ops to drive results by hand.
 *
 * Precisely (added with the implementation):
 *  - start() returning -1 with *done left 0: the check is pending with no fd
 *    and ends only by timing out ("timeout").  A fake op can also return an
 *    fd of its own (a pipe, an eventfd) to end the check later through
 *    step().
 *  - stop(ctx) is called exactly once for every start() that did not
 *    complete at once: after step() returned 1, at the timeout, when the
 *    target's last reference goes, or at sl_health_free.  Never after a
 *    start() that returned -1 with *done = 1 (it frees its own state).
 *  - step() returning < 0 is a failure (msg if set, else "failed").
 *  - `spec` is valid during start() only: copy what the check needs.
 *  - The checker adds the fd to its epoll with *events; EPOLLERR and EPOLLHUP
 *    are always reported in revents.
 *  - msg: a short lower-case reason, stored as last_result.
 */
struct sl_hc_ops {
	int (*start)(void **ctx, const struct sl_hc_spec *spec, uint32_t *events, int *done,
		     bool *ok, char *msg, size_t msg_len);
	int (*step)(void *ctx, uint32_t revents, uint32_t *events, bool *ok, char *msg,
		    size_t msg_len);
	void (*stop)(void *ctx);
};

/* Clock in milliseconds (monotonic); NULL = CLOCK_MONOTONIC. */
typedef uint64_t (*sl_health_clock_fn)(void *arg);

/* Called when a target changes between up and down (control thread). */
typedef void (*sl_health_change_fn)(void *arg, int target, bool up);

/* Create a checker.  ops[kind] may be NULL for the built-in kinds (ops itself
 * may be NULL: all built-in); ops[SL_HC_NONE] is not used.  Returns NULL on
 * failure (errno).  on_change may call sl_health_ref/unref (even on the
 * target it is told about) and the queries, not sl_health_run or
 * sl_health_free. */
struct sl_health *sl_health_create(sl_health_clock_fn clock, void *clock_arg,
				   sl_health_change_fn on_change, void *change_arg,
				   const struct sl_hc_ops *const ops[4]);
void sl_health_free(struct sl_health *h);

/* Targets added from now on start down (see above). */
void sl_health_started(struct sl_health *h);

/* Reference the target for `spec` (creating it, or taking one more reference
 * on an existing one: its state is kept).  Returns a target id >= 0 or
 * -errno: -EINVAL for a bad spec (family, kind, port 0, interval 0, timeout
 * 0 or > interval, jitter >= interval, rise or fall 0, a string without NUL,
 * an http path/host with spaces or control characters, http status outside
 * 100..999), -ENOMEM.  Ids of dropped targets are reused. */
int sl_health_ref(struct sl_health *h, const struct sl_hc_spec *spec);
/* Like sl_health_ref, but a target created by this call starts with the
 * verdict `up` (checked at once; down after `fall` failures, or up after its
 * first success when seeded down) instead of the start-up rule: for a
 * backend whose check settings changed, so that it keeps its health state
 * across the change.  An existing target is only referenced. */
int sl_health_ref_seeded(struct sl_health *h, const struct sl_hc_spec *spec, bool up);
/* Drop one reference; the last one stops and forgets the target. */
void sl_health_unref(struct sl_health *h, int target);

/* An fd (epoll) that becomes readable when sl_health_run has work; the
 * caller adds it to its own event loop.  With the real clock that includes
 * due checks and timeouts (a timerfd inside); with an injected clock only
 * socket events: the caller then calls run at the delay run returns. */
int sl_health_fd(const struct sl_health *h);
/* Start due checks, advance the ones in flight, time out late ones.  Returns
 * milliseconds until the next thing it must do (for the caller's poll
 * timeout): 0 when it stopped with work left, UINT32_MAX when no target is
 * checked.  Never blocks. */
uint32_t sl_health_run(struct sl_health *h);

/* Queries: false / NULL for an id that is not a live target.  The pointers
 * stay valid until the target's last unref. */
bool sl_health_up(const struct sl_health *h, int target);
const struct sl_hc_status *sl_health_status(const struct sl_health *h, int target);
const struct sl_hc_spec *sl_health_spec(const struct sl_health *h, int target);
/* Number of distinct targets. */
unsigned sl_health_count(const struct sl_health *h);

/* Built-in ops (exposed for tests that wrap them). */
extern const struct sl_hc_ops sl_hc_tcp_ops, sl_hc_http_ops, sl_hc_udp_ops;

#endif /* SL_HEALTH_H */
