/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Health checker (sl_health.h).  Control thread only: nothing here is called
 * by a worker, and nothing here blocks (every socket is O_NONBLOCK, every
 * wait goes through the checker's epoll fd, which the control loop polls).
 *
 * Targets are allocated one by one (stable pointers until their last unref),
 * found by a hash of their canonical spec, and ordered by their next deadline
 * in a binary min-heap: the start of the next check when idle, the timeout of
 * the check in flight otherwise.  sl_health_run therefore costs O(ready fds +
 * due targets * log n), not O(targets).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#include "sl_health.h"
#include "sl_parse.h"

#define NB_KINDS	4
#define NO_POS		UINT32_MAX
#define TIMER_TOKEN	UINT64_MAX /* epoll data of the timerfd */
#define EV_BATCH	64
#define EV_ROUNDS	16 /* epoll_wait rounds per run before yielding */
#define HTTP_READ_MAX	16384
#define STATUS_LINE_MAX 1024

struct hc_target {
	struct sl_hc_spec spec; /* canonical copy: the deduplication key */
	struct sl_hc_status st;
	uint32_t refs;
	uint32_t hash;		     /* FNV-1a of spec */
	int next_hash;		     /* next target in the same hash bucket, -1: end */
	uint32_t rng;		     /* xorshift32 state for the jitter */
	bool fast_up;		     /* added after sl_health_started: first success is enough */
	const struct sl_hc_ops *ops; /* NULL: SL_HC_NONE, never checked */
	/* The check in flight (busy), if any. */
	bool busy;
	bool live_ctx; /* stop(ctx) is owed */
	void *ctx;
	int fd; /* -1: none (pending fake check, or idle) */
	uint32_t events;
	uint32_t seq; /* tells this check's epoll events from older ones */
	uint64_t start_us;
	uint64_t next_ms;  /* start of the next check */
	uint32_t heap_pos; /* index in h->heap, NO_POS when not in it */
};

struct sl_health {
	sl_health_clock_fn clock;
	void *clock_arg;
	sl_health_change_fn on_change;
	void *change_arg;
	const struct sl_hc_ops *ops[NB_KINDS];
	bool started;
	int epfd;
	int tfd;	      /* timerfd armed at the next deadline; -1 with an injected clock */
	uint64_t armed_ms;    /* deadline tfd is armed for, UINT64_MAX: disarmed */
	struct hc_target **t; /* by id; NULL: free */
	unsigned cap;
	unsigned count;
	unsigned *free_ids; /* stack of free ids below cap */
	unsigned nb_free;
	int *buckets;	     /* hash -> first target id, -1: empty */
	unsigned nb_buckets; /* power of two */
	uint32_t *heap;	     /* target ids by deadline */
	unsigned heap_len;
	uint32_t seq;
};

/* ---------------------------------------------------------------- time */

static uint64_t now_us(const struct sl_health *h)
{
	struct timespec ts;

	if (h->clock != NULL)
		return h->clock(h->clock_arg) * 1000;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t deadline(const struct hc_target *t)
{
	return t->busy ? t->start_us / 1000 + t->spec.hc.timeout_ms : t->next_ms;
}

/* ---------------------------------------------------------------- heap */

static bool heap_less(const struct sl_health *h, uint32_t a, uint32_t b)
{
	uint64_t da = deadline(h->t[a]), db = deadline(h->t[b]);

	return da < db || (da == db && a < b); /* ties by id: deterministic */
}

static void heap_set(struct sl_health *h, unsigned pos, uint32_t id)
{
	h->heap[pos] = id;
	h->t[id]->heap_pos = pos;
}

static void heap_up(struct sl_health *h, unsigned pos)
{
	uint32_t id = h->heap[pos];

	while (pos > 0) {
		unsigned parent = (pos - 1) / 2;

		if (!heap_less(h, id, h->heap[parent]))
			break;
		heap_set(h, pos, h->heap[parent]);
		pos = parent;
	}
	heap_set(h, pos, id);
}

static void heap_down(struct sl_health *h, unsigned pos)
{
	uint32_t id = h->heap[pos];

	for (;;) {
		unsigned c = 2 * pos + 1;

		if (c >= h->heap_len)
			break;
		if (c + 1 < h->heap_len && heap_less(h, h->heap[c + 1], h->heap[c]))
			c++;
		if (!heap_less(h, h->heap[c], id))
			break;
		heap_set(h, pos, h->heap[c]);
		pos = c;
	}
	heap_set(h, pos, id);
}

/* The heap array has room for cap ids (grown with the target table). */
static void heap_push(struct sl_health *h, uint32_t id)
{
	h->heap_len++;
	heap_set(h, h->heap_len - 1, id);
	heap_up(h, h->heap_len - 1);
}

static void heap_remove(struct sl_health *h, uint32_t id)
{
	unsigned pos = h->t[id]->heap_pos;
	uint32_t last;

	if (pos == NO_POS)
		return;
	h->t[id]->heap_pos = NO_POS;
	h->heap_len--;
	if (pos == h->heap_len)
		return;
	last = h->heap[h->heap_len];
	heap_set(h, pos, last);
	heap_up(h, pos);
	heap_down(h, h->t[last]->heap_pos);
}

/* After the deadline of `id` changed. */
static void heap_fix(struct sl_health *h, uint32_t id)
{
	unsigned pos = h->t[id]->heap_pos;

	if (pos == NO_POS)
		return;
	heap_up(h, pos);
	heap_down(h, h->t[id]->heap_pos);
}

/* Arm the timerfd at the earliest deadline so that the epoll fd becomes
 * readable when run() has work (real clock only). */
static void rearm(struct sl_health *h)
{
	struct itimerspec its = {0};
	uint64_t d = h->heap_len ? deadline(h->t[h->heap[0]]) : UINT64_MAX;

	if (h->tfd < 0 || d == h->armed_ms)
		return;
	if (d != UINT64_MAX) {
		/* it_value 0 would disarm: a deadline at 0 ms fires at 1 ns */
		its.it_value.tv_sec = (time_t)(d / 1000);
		its.it_value.tv_nsec = (long)(d % 1000) * 1000000 + 1;
	}
	if (timerfd_settime(h->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
		h->armed_ms = d;
}

/* ---------------------------------------------------------------- specs */

static uint32_t fnv1a(const void *p, size_t n)
{
	const uint8_t *b = p;
	uint32_t x = 2166136261u;

	for (size_t i = 0; i < n; i++)
		x = (x ^ b[i]) * 16777619u;
	return x;
}

static uint32_t xorshift32(uint32_t *s)
{
	uint32_t x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

/* Copy a NUL-terminated field; false if it has no NUL within the field. */
static bool copy_text(char *dst, const char *src)
{
	size_t n = strnlen(src, SL_HC_TEXT_MAX);

	if (n == SL_HC_TEXT_MAX)
		return false;
	memcpy(dst, src, n);
	return true;
}

/* Printable ASCII without spaces: what may go into a request line or a
 * header value without breaking the request. */
static bool token_text(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x21 || *s > 0x7e)
			return false;
	return true;
}

/* Validate `in` and build its canonical form in `out`: zeroed, with only the
 * fields the kind uses (so padding, bytes after a string's NUL and settings of
 * other kinds do not split one target in two).  Returns 0 or -EINVAL. */
static int canonical(const struct sl_hc_spec *in, struct sl_hc_spec *out)
{
	const struct sl_config_health *a = &in->hc;
	struct sl_config_health *b = &out->hc;

	memset(out, 0, sizeof(*out));
	if (in->family != SL_AF_INET && in->family != SL_AF_INET6)
		return -EINVAL;
	out->family = in->family;
	memcpy(out->addr, in->addr, in->family == SL_AF_INET ? 4 : 16);
	if (a->kind != SL_HC_NONE && a->kind != SL_HC_TCP && a->kind != SL_HC_HTTP &&
	    a->kind != SL_HC_UDP)
		return -EINVAL;
	b->kind = a->kind;
	if (a->kind == SL_HC_NONE)
		return 0;
	/* The timing contract needs a check to end before the next is due:
	 * timeout <= interval, and jitter < interval so a check is never
	 * started at the same time as the previous one. */
	if (a->port == 0 || a->interval_ms == 0 || a->timeout_ms == 0 ||
	    a->timeout_ms > a->interval_ms || a->jitter_ms >= a->interval_ms || a->rise == 0 ||
	    a->fall == 0)
		return -EINVAL;
	b->port = a->port;
	b->interval_ms = a->interval_ms;
	b->timeout_ms = a->timeout_ms;
	b->jitter_ms = a->jitter_ms;
	b->rise = a->rise;
	b->fall = a->fall;
	if (a->kind == SL_HC_HTTP) {
		if (!copy_text(b->path, a->path) || !copy_text(b->host, a->host) ||
		    !copy_text(b->body, a->body) || !token_text(b->path) || !token_text(b->host) ||
		    a->status < 100 || a->status > 999)
			return -EINVAL;
		if (b->path[0] == '\0')
			b->path[0] = '/';
		b->status = a->status;
	} else if (a->kind == SL_HC_UDP) {
		if (!copy_text(b->send, a->send) || !copy_text(b->expect, a->expect))
			return -EINVAL;
	}
	return 0;
}

/* ---------------------------------------------------------------- table */

static int grow(struct sl_health *h)
{
	unsigned ncap = h->cap ? h->cap * 2 : 16;
	struct hc_target **t = realloc(h->t, ncap * sizeof(*t));
	unsigned *f;
	uint32_t *hp;

	if (t == NULL)
		return -ENOMEM;
	h->t = t;
	f = realloc(h->free_ids, ncap * sizeof(*f));
	if (f == NULL)
		return -ENOMEM;
	h->free_ids = f;
	hp = realloc(h->heap, ncap * sizeof(*hp));
	if (hp == NULL)
		return -ENOMEM;
	h->heap = hp;
	/* New ids go on the stack highest first, so the lowest is used next. */
	for (unsigned i = ncap; i > h->cap; i--) {
		t[i - 1] = NULL;
		f[h->nb_free++] = i - 1;
	}
	h->cap = ncap;
	return 0;
}

/* Keep at most one target per bucket on average. */
static int grow_buckets(struct sl_health *h)
{
	unsigned nb = h->nb_buckets ? h->nb_buckets * 2 : 16;
	int *b = malloc(nb * sizeof(*b));

	if (b == NULL)
		return -ENOMEM;
	for (unsigned i = 0; i < nb; i++)
		b[i] = -1;
	for (unsigned id = 0; id < h->cap; id++) {
		struct hc_target *t = h->t[id];

		if (t == NULL)
			continue;
		t->next_hash = b[t->hash & (nb - 1)];
		b[t->hash & (nb - 1)] = (int)id;
	}
	free(h->buckets);
	h->buckets = b;
	h->nb_buckets = nb;
	return 0;
}

static int lookup(const struct sl_health *h, const struct sl_hc_spec *s, uint32_t hash)
{
	if (h->nb_buckets == 0)
		return -1;
	for (int id = h->buckets[hash & (h->nb_buckets - 1)]; id >= 0; id = h->t[id]->next_hash)
		if (h->t[id]->hash == hash && memcmp(&h->t[id]->spec, s, sizeof(*s)) == 0)
			return id;
	return -1;
}

static void unlink_hash(struct sl_health *h, unsigned id)
{
	int *p = &h->buckets[h->t[id]->hash & (h->nb_buckets - 1)];

	while (*p != (int)id)
		p = &h->t[*p]->next_hash;
	*p = h->t[id]->next_hash;
}

static struct hc_target *get(const struct sl_health *h, int id)
{
	if (id < 0 || (unsigned)id >= h->cap)
		return NULL;
	return h->t[id];
}

/* ---------------------------------------------------------------- checks */

/* End the check in flight (if any): leave epoll, let the op free its state. */
static void drop_check(struct sl_health *h, struct hc_target *t)
{
	if (t->fd >= 0)
		epoll_ctl(h->epfd, EPOLL_CTL_DEL, t->fd, NULL);
	if (t->live_ctx)
		t->ops->stop(t->ctx);
	t->fd = -1;
	t->ctx = NULL;
	t->live_ctx = false;
	t->busy = false;
}

/* A check of target `id` ended at `now`: account it, apply rise/fall and call
 * on_change on a transition.  The callback may ref/unref targets (even this
 * one): nothing here touches the target after it. */
static void finish(struct sl_health *h, unsigned id, bool ok, const char *msg, uint64_t now)
{
	struct hc_target *t = h->t[id];
	struct sl_hc_status *st = &t->st;
	bool first = !st->checked, was = st->up;

	drop_check(h, t);
	st->checks++;
	st->checked = true;
	st->last_ms = now / 1000;
	if (ok) {
		uint64_t lat = now - t->start_us;

		st->last_latency_us = lat > UINT32_MAX ? UINT32_MAX : (uint32_t)lat;
		snprintf(st->last_result, sizeof(st->last_result), "ok");
		if (st->rise_count < UINT32_MAX)
			st->rise_count++;
		st->fall_count = 0;
		if (st->rise_count >= t->spec.hc.rise || (first && t->fast_up))
			st->up = true;
	} else {
		snprintf(st->last_result, sizeof(st->last_result), "%s",
			 msg[0] != '\0' ? msg : "failed");
		st->failures++;
		if (st->fall_count < UINT32_MAX)
			st->fall_count++;
		st->rise_count = 0;
		if (st->fall_count >= t->spec.hc.fall)
			st->up = false;
	}
	heap_fix(h, id);
	if (st->up != was) {
		st->transitions++;
		if (h->on_change != NULL)
			h->on_change(h->change_arg, (int)id, st->up);
	}
}

/* Start a check of target `id` at `now` (it is idle and due). */
static void start_check(struct sl_health *h, unsigned id, uint64_t now)
{
	struct hc_target *t = h->t[id];
	const struct sl_config_health *hc = &t->spec.hc;
	uint32_t jit = hc->jitter_ms ? xorshift32(&t->rng) % (hc->jitter_ms + 1) : 0;
	char msg[sizeof(t->st.last_result)] = "";
	uint32_t events = 0;
	int done = 0, fd;
	bool ok = false;
	void *ctx = NULL;

	/* Early by up to jitter, never late: the fall bound holds. */
	t->start_us = now;
	t->next_ms = now / 1000 + hc->interval_ms - jit;
	t->seq = ++h->seq;
	t->busy = true;
	fd = t->ops->start(&ctx, &t->spec, &events, &done, &ok, msg, sizeof(msg));
	if (fd < 0 && done) {
		finish(h, id, ok, msg, now);
		return;
	}
	t->ctx = ctx;
	t->live_ctx = true;
	if (fd >= 0) {
		struct epoll_event ev = {
		    .events = events,
		    .data.u64 = (uint64_t)t->seq << 32 | id,
		};

		if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			snprintf(msg, sizeof(msg), "epoll: %s", strerror(errno));
			finish(h, id, false, msg, now);
			return;
		}
		t->fd = fd;
		t->events = events;
	}
	heap_fix(h, id); /* deadline is now the timeout */
}

/* An fd of a check in flight is ready. */
static void ready(struct sl_health *h, const struct epoll_event *ev, uint64_t now)
{
	unsigned id = (unsigned)(ev->data.u64 & 0xffffffffu);
	struct hc_target *t = get(h, (int)id);
	char msg[sizeof(t->st.last_result)] = "";
	uint32_t events;
	bool ok = false;
	int r;

	/* The target may have been dropped, or the check ended, by an
	 * on_change callback earlier in this batch. */
	if (t == NULL || !t->busy || t->fd < 0 || t->seq != (uint32_t)(ev->data.u64 >> 32))
		return;
	events = t->events;
	r = t->ops->step(t->ctx, ev->events, &events, &ok, msg, sizeof(msg));
	if (r == 0) {
		if (events != t->events) {
			struct epoll_event mod = {.events = events, .data = ev->data};

			if (epoll_ctl(h->epfd, EPOLL_CTL_MOD, t->fd, &mod) < 0) {
				snprintf(msg, sizeof(msg), "epoll: %s", strerror(errno));
				finish(h, id, false, msg, now);
				return;
			}
			t->events = events;
		}
		return;
	}
	finish(h, id, r > 0 && ok, msg, now);
}

/* ---------------------------------------------------------------- API */

struct sl_health *sl_health_create(sl_health_clock_fn clock, void *clock_arg,
				   sl_health_change_fn on_change, void *change_arg,
				   const struct sl_hc_ops *const ops[4])
{
	static const struct sl_hc_ops *const builtin[NB_KINDS] = {
	    [SL_HC_TCP] = &sl_hc_tcp_ops,
	    [SL_HC_HTTP] = &sl_hc_http_ops,
	    [SL_HC_UDP] = &sl_hc_udp_ops,
	};
	struct sl_health *h = calloc(1, sizeof(*h));
	int err;

	if (h == NULL)
		return NULL;
	h->clock = clock;
	h->clock_arg = clock_arg;
	h->on_change = on_change;
	h->change_arg = change_arg;
	h->armed_ms = UINT64_MAX;
	h->tfd = -1;
	for (unsigned k = SL_HC_TCP; k < NB_KINDS; k++)
		h->ops[k] = ops != NULL && ops[k] != NULL ? ops[k] : builtin[k];
	h->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (h->epfd < 0)
		goto fail_epoll;
	if (clock == NULL) {
		struct epoll_event ev = {.events = EPOLLIN, .data.u64 = TIMER_TOKEN};

		h->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
		if (h->tfd < 0)
			goto fail_timer;
		if (epoll_ctl(h->epfd, EPOLL_CTL_ADD, h->tfd, &ev) < 0)
			goto fail_timer;
	}
	return h;

fail_timer:
	err = errno;
	if (h->tfd >= 0)
		close(h->tfd);
	close(h->epfd);
	errno = err;
fail_epoll:
	free(h);
	return NULL;
}

void sl_health_free(struct sl_health *h)
{
	if (h == NULL)
		return;
	for (unsigned id = 0; id < h->cap; id++) {
		if (h->t[id] == NULL)
			continue;
		drop_check(h, h->t[id]);
		free(h->t[id]);
	}
	if (h->tfd >= 0)
		close(h->tfd);
	close(h->epfd);
	free(h->t);
	free(h->free_ids);
	free(h->buckets);
	free(h->heap);
	free(h);
}

void sl_health_started(struct sl_health *h)
{
	h->started = true;
}

static int ref(struct sl_health *h, const struct sl_hc_spec *spec, int seed_up);

int sl_health_ref(struct sl_health *h, const struct sl_hc_spec *spec)
{
	return ref(h, spec, -1);
}

int sl_health_ref_seeded(struct sl_health *h, const struct sl_hc_spec *spec, bool up)
{
	return ref(h, spec, up ? 1 : 0);
}

static int ref(struct sl_health *h, const struct sl_hc_spec *spec, int seed_up)
{
	struct sl_hc_spec c;
	struct hc_target *t;
	uint32_t hash;
	uint64_t now;
	unsigned id;
	int found, rc;

	if (h == NULL || spec == NULL)
		return -EINVAL;
	rc = canonical(spec, &c);
	if (rc < 0)
		return rc;
	hash = fnv1a(&c, sizeof(c));
	found = lookup(h, &c, hash);
	if (found >= 0) {
		if (h->t[found]->refs == UINT32_MAX)
			return -EOVERFLOW;
		h->t[found]->refs++;
		return found;
	}
	if (h->nb_free == 0 && (rc = grow(h)) < 0)
		return rc;
	if (h->count + 1 > h->nb_buckets && (rc = grow_buckets(h)) < 0)
		return rc;
	t = calloc(1, sizeof(*t));
	if (t == NULL)
		return -ENOMEM;
	id = h->free_ids[--h->nb_free];
	h->t[id] = t;
	h->count++;
	t->spec = c;
	t->hash = hash;
	t->refs = 1;
	t->fd = -1;
	t->heap_pos = NO_POS;
	t->rng = hash | 1; /* xorshift32 must not start at 0 */
	t->next_hash = h->buckets[hash & (h->nb_buckets - 1)];
	h->buckets[hash & (h->nb_buckets - 1)] = (int)id;
	if (c.hc.kind == SL_HC_NONE) {
		t->st.up = true;
		snprintf(t->st.last_result, sizeof(t->st.last_result), "not checked");
		return (int)id;
	}
	t->ops = h->ops[c.hc.kind];
	now = now_us(h) / 1000;
	if (seed_up == 1) {
		/* The same backend under new check settings: it keeps its
		 * verdict and is checked at once under the new ones. */
		t->st.up = true;
		t->next_ms = now;
	} else if (h->started || seed_up == 0) {
		/* Down until its first success, checked at once. */
		t->fast_up = true;
		t->next_ms = now;
	} else {
		/* Up until proven down; the first check at a phase of its own
		 * inside the first interval spreads the checks of many
		 * backends configured at the same time. */
		t->st.up = true;
		t->next_ms = now + hash % c.hc.interval_ms;
	}
	heap_push(h, id);
	rearm(h);
	return (int)id;
}

void sl_health_unref(struct sl_health *h, int target)
{
	struct hc_target *t = h != NULL ? get(h, target) : NULL;

	if (t == NULL || --t->refs > 0)
		return;
	drop_check(h, t);
	heap_remove(h, (unsigned)target);
	unlink_hash(h, (unsigned)target);
	free(t);
	h->t[target] = NULL;
	h->free_ids[h->nb_free++] = (unsigned)target;
	h->count--;
	rearm(h);
}

int sl_health_fd(const struct sl_health *h)
{
	return h->epfd;
}

uint32_t sl_health_run(struct sl_health *h)
{
	struct epoll_event ev[EV_BATCH];
	uint64_t now = now_us(h), now_ms = now / 1000, d;
	bool more = false;
	unsigned budget;

	/* 1. Checks whose fd is ready (and the timer, which only wakes us). */
	for (unsigned round = 0; round < EV_ROUNDS; round++) {
		int n = epoll_wait(h->epfd, ev, EV_BATCH, 0);

		for (int i = 0; i < n; i++) {
			if (ev[i].data.u64 == TIMER_TOKEN) {
				uint64_t expirations;
				/* Only clears the fd; EAGAIN (nothing to read) is fine. */
				ssize_t r = read(h->tfd, &expirations, sizeof(expirations));

				(void)r;
				h->armed_ms = UINT64_MAX;
				continue;
			}
			ready(h, &ev[i], now);
		}
		if (n < EV_BATCH)
			break;
		more = round == EV_ROUNDS - 1;
	}

	/* 2. Deadlines: time out late checks, start due ones.  A target is
	 * handled at most twice (timeout, then start); a start leaves a
	 * deadline in the future (timeout > 0, or interval - jitter > 0), so
	 * the budget only guards against a broken op. */
	budget = 2 * h->heap_len + 2;
	while (h->heap_len > 0 && budget-- > 0) {
		unsigned id = h->heap[0];
		struct hc_target *t = h->t[id];

		if (deadline(t) > now_ms)
			break;
		if (t->busy)
			finish(h, id, false, "timeout", now);
		else
			start_check(h, id, now);
	}

	rearm(h);
	if (more || h->heap_len == 0)
		return more ? 0 : UINT32_MAX;
	d = deadline(h->t[h->heap[0]]);
	if (d <= now_ms)
		return 0;
	return d - now_ms > UINT32_MAX ? UINT32_MAX : (uint32_t)(d - now_ms);
}

bool sl_health_up(const struct sl_health *h, int target)
{
	const struct hc_target *t = get(h, target);

	return t != NULL && t->st.up;
}

const struct sl_hc_status *sl_health_status(const struct sl_health *h, int target)
{
	const struct hc_target *t = get(h, target);

	return t != NULL ? &t->st : NULL;
}

const struct sl_hc_spec *sl_health_spec(const struct sl_health *h, int target)
{
	const struct hc_target *t = get(h, target);

	return t != NULL ? &t->spec : NULL;
}

unsigned sl_health_count(const struct sl_health *h)
{
	return h->count;
}

/* ---------------------------------------------------------------- built-in ops */

/* A failure message for errno `err` from `what` ("connect", "recv", ...):
 * the common ones in the words operators expect, the rest with the call. */
static void err_msg(char *msg, size_t len, const char *what, int err)
{
	char buf[128];
	const char *s;

	switch (err) {
	case ECONNREFUSED:
		snprintf(msg, len, "connection refused");
		return;
	case ECONNRESET:
		snprintf(msg, len, "connection reset");
		return;
	case ETIMEDOUT:
		snprintf(msg, len, "timeout");
		return;
	case EHOSTUNREACH:
		snprintf(msg, len, "host unreachable");
		return;
	case ENETUNREACH:
		snprintf(msg, len, "network unreachable");
		return;
	case EPIPE:
		snprintf(msg, len, "connection closed");
		return;
	default:
		s = strerror_r(err, buf, sizeof(buf)); /* GNU: returns the text */
		snprintf(msg, len, "%s: %c%s", what, s[0] >= 'A' && s[0] <= 'Z' ? s[0] + 32 : s[0],
			 s[0] != '\0' ? s + 1 : "");
	}
}

static socklen_t spec_sockaddr(const struct sl_hc_spec *s, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (s->family == SL_AF_INET) {
		struct sockaddr_in *sin = (struct sockaddr_in *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(s->hc.port);
		memcpy(&sin->sin_addr, s->addr, 4);
		return sizeof(*sin);
	}
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(s->hc.port);
	memcpy(&sin6->sin6_addr, s->addr, 16);
	return sizeof(*sin6);
}

/* Open a non-blocking socket of `type` and start connecting it to the spec's
 * address.  Returns the fd with *in_progress set when the connect has not
 * finished yet, or -1 with the failure in msg. */
static int open_connect(const struct sl_hc_spec *s, int type, bool *in_progress, char *msg,
			size_t msg_len)
{
	struct sockaddr_storage ss;
	socklen_t sl = spec_sockaddr(s, &ss);
	int fd, err;

	*in_progress = false;
	fd = socket(ss.ss_family, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err_msg(msg, msg_len, "socket", errno);
		return -1;
	}
	if (type == SOCK_STREAM) {
		/* A check's connection is ours to end: close with a reset
		 * rather than leaving a TIME_WAIT socket per check. */
		struct linger lg = {.l_onoff = 1, .l_linger = 0};

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
	}
	if (connect(fd, (struct sockaddr *)&ss, sl) == 0)
		return fd;
	err = errno;
	if (err == EINPROGRESS) {
		*in_progress = true;
		return fd;
	}
	close(fd);
	err_msg(msg, msg_len, "connect", err);
	return -1;
}

/* The outcome of a non-blocking connect: 0 or the errno. */
static int connect_result(int fd)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		return errno;
	return err;
}

/* --- tcp: connect() succeeds */

struct tcp_ctx {
	int fd;
};

static int tcp_start(void **ctx, const struct sl_hc_spec *spec, uint32_t *events, int *done,
		     bool *ok, char *msg, size_t msg_len)
{
	struct tcp_ctx *c;
	bool pending;
	int fd = open_connect(spec, SOCK_STREAM, &pending, msg, msg_len);

	*done = 1;
	*ok = false;
	if (fd < 0)
		return -1;
	if (!pending) {
		close(fd);
		*ok = true;
		return -1;
	}
	c = malloc(sizeof(*c));
	if (c == NULL) {
		close(fd);
		snprintf(msg, msg_len, "out of memory");
		return -1;
	}
	c->fd = fd;
	*ctx = c;
	*events = EPOLLOUT;
	*done = 0;
	return fd;
}

static int tcp_step(void *ctx, uint32_t revents, uint32_t *events, bool *ok, char *msg,
		    size_t msg_len)
{
	struct tcp_ctx *c = ctx;
	int err = connect_result(c->fd);

	(void)revents;
	(void)events;
	*ok = err == 0;
	if (err != 0)
		err_msg(msg, msg_len, "connect", err);
	return 1;
}

static void tcp_stop(void *ctx)
{
	struct tcp_ctx *c = ctx;

	close(c->fd);
	free(c);
}

const struct sl_hc_ops sl_hc_tcp_ops = {
    .start = tcp_start,
    .step = tcp_step,
    .stop = tcp_stop,
};

/* --- http: GET answers the expected status (and body substring) */

enum http_state { HTTP_CONNECTING, HTTP_SENDING, HTTP_RECEIVING };

struct http_ctx {
	int fd;
	enum http_state state;
	uint16_t status; /* expected */
	bool status_seen;
	size_t body_len; /* of the expected substring, 0: any body */
	char body[SL_HC_TEXT_MAX];
	char req[2 * SL_HC_TEXT_MAX + 128];
	size_t req_len, req_off;
	size_t len;	 /* bytes in buf */
	size_t hdr_end;	 /* offset of the body in buf, 0: headers not complete */
	size_t searched; /* headers: scanned up to here; body: no match starts before */
	char buf[HTTP_READ_MAX];
};

/* "HTTP/" DIGIT "." DIGIT SP 3DIGIT [SP reason]: the status, or -1. */
static int parse_status_line(const char *s, size_t n)
{
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n < 12 || memcmp(s, "HTTP/", 5) != 0 || s[5] < '0' || s[5] > '9' || s[6] != '.' ||
	    s[7] < '0' || s[7] > '9' || s[8] != ' ')
		return -1;
	for (int i = 9; i < 12; i++)
		if (s[i] < '0' || s[i] > '9')
			return -1;
	if (n > 12 && s[12] != ' ')
		return -1;
	return (s[9] - '0') * 100 + (s[10] - '0') * 10 + (s[11] - '0');
}

/* Whether the bytes so far decide the check: 1 decided (result in *ok/msg),
 * 0 more bytes needed.  `end`: no more bytes will come (closed, or buf full). */
static int http_decide(struct http_ctx *c, bool end, bool *ok, char *msg, size_t msg_len)
{
	*ok = false;
	if (!c->status_seen) {
		const char *nl = memchr(c->buf, '\n', c->len);
		int st;

		if (nl == NULL) {
			/* A status line is short: do not rescan a slow drip. */
			if (!end && c->len < STATUS_LINE_MAX)
				return 0;
			snprintf(msg, msg_len, c->len ? "bad status line" : "connection closed");
			return 1;
		}
		st = parse_status_line(c->buf, (size_t)(nl - c->buf));
		if (st < 0) {
			snprintf(msg, msg_len, "bad status line");
			return 1;
		}
		if (st != c->status) {
			snprintf(msg, msg_len, "status %d", st);
			return 1;
		}
		c->status_seen = true;
	}
	if (c->body_len == 0) {
		*ok = true;
		return 1;
	}
	if (c->hdr_end == 0) {
		/* The first empty line ends the headers (CRLF or a bare LF). */
		for (size_t i = c->searched > 1 ? c->searched : 1; i < c->len; i++) {
			if (c->buf[i] != '\n')
				continue;
			if (c->buf[i - 1] == '\n') {
				c->hdr_end = i + 1;
				break;
			}
			if (i >= 2 && c->buf[i - 1] == '\r' && c->buf[i - 2] == '\n') {
				c->hdr_end = i + 1;
				break;
			}
		}
		if (c->hdr_end == 0) {
			/* Each position was tested against the bytes before
			 * it, all present: resume after them. */
			c->searched = c->len;
			if (!end)
				return 0;
			snprintf(msg, msg_len, "truncated headers");
			return 1;
		}
		c->searched = c->hdr_end;
	}
	if (memmem(c->buf + c->searched, c->len - c->searched, c->body, c->body_len) != NULL) {
		*ok = true;
		return 1;
	}
	/* A match may still start in the last body_len - 1 bytes. */
	if (c->len - c->searched >= c->body_len)
		c->searched = c->len - c->body_len + 1;
	if (!end)
		return 0;
	snprintf(msg, msg_len, "body mismatch");
	return 1;
}

static int http_start(void **ctx, const struct sl_hc_spec *spec, uint32_t *events, int *done,
		      bool *ok, char *msg, size_t msg_len)
{
	const struct sl_config_health *hc = &spec->hc;
	struct http_ctx *c = malloc(sizeof(*c));
	char addr_host[INET6_ADDRSTRLEN + 8];
	const char *host = hc->host;
	bool pending;
	int n;

	*done = 1;
	*ok = false;
	if (c == NULL) {
		snprintf(msg, msg_len, "out of memory");
		return -1;
	}
	memset(c, 0, offsetof(struct http_ctx, buf));
	if (hc->host[0] == '\0') {
		/* Default Host: the backend's address, with the port unless
		 * it is HTTP's own (RFC 9110 7.2). */
		char a[INET6_ADDRSTRLEN];
		bool v6 = spec->family == SL_AF_INET6;

		inet_ntop(v6 ? AF_INET6 : AF_INET, spec->addr, a, sizeof(a));
		if (hc->port == 80)
			snprintf(addr_host, sizeof(addr_host), v6 ? "[%s]" : "%s", a);
		else
			snprintf(addr_host, sizeof(addr_host), v6 ? "[%s]:%u" : "%s:%u", a,
				 hc->port);
		host = addr_host;
	}
	n = snprintf(c->req, sizeof(c->req),
		     "GET %s HTTP/1.0\r\nHost: %s\r\nConnection: close\r\n"
		     "User-Agent: sluice-health\r\n\r\n",
		     hc->path[0] != '\0' ? hc->path : "/", host);
	if (n < 0 || (size_t)n >= sizeof(c->req)) {
		free(c);
		snprintf(msg, msg_len, "request too long");
		return -1;
	}
	c->req_len = (size_t)n;
	c->status = hc->status;
	c->body_len = strnlen(hc->body, sizeof(hc->body) - 1);
	memcpy(c->body, hc->body, c->body_len);
	c->fd = open_connect(spec, SOCK_STREAM, &pending, msg, msg_len);
	if (c->fd < 0) {
		free(c);
		return -1;
	}
	/* Connected at once or not, the next thing is to write the request. */
	c->state = pending ? HTTP_CONNECTING : HTTP_SENDING;
	*ctx = c;
	*events = EPOLLOUT;
	*done = 0;
	return c->fd;
}

static int http_step(void *ctx, uint32_t revents, uint32_t *events, bool *ok, char *msg,
		     size_t msg_len)
{
	struct http_ctx *c = ctx;
	ssize_t n;

	(void)revents;
	*ok = false;
	if (c->state == HTTP_CONNECTING) {
		int err = connect_result(c->fd);

		if (err != 0) {
			err_msg(msg, msg_len, "connect", err);
			return 1;
		}
		c->state = HTTP_SENDING;
	}
	if (c->state == HTTP_SENDING) {
		n = send(c->fd, c->req + c->req_off, c->req_len - c->req_off, MSG_NOSIGNAL);
		if (n < 0) {
			if (errno == EAGAIN || errno == EINTR)
				return 0;
			err_msg(msg, msg_len, "send", errno);
			return 1;
		}
		c->req_off += (size_t)n;
		if (c->req_off < c->req_len)
			return 0;
		c->state = HTTP_RECEIVING;
		*events = EPOLLIN;
		return 0;
	}
	/* Receiving: every successful recv adds at least one byte to a
	 * bounded buffer, so this loop ends. */
	for (;;) {
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - c->len, 0);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN)
				return 0;
			err_msg(msg, msg_len, "recv", errno);
			return 1;
		}
		c->len += (size_t)n;
		if (http_decide(c, n == 0 || c->len == sizeof(c->buf), ok, msg, msg_len))
			return 1;
	}
}

static void http_stop(void *ctx)
{
	struct http_ctx *c = ctx;

	close(c->fd);
	free(c);
}

const struct sl_hc_ops sl_hc_http_ops = {
    .start = http_start,
    .step = http_step,
    .stop = http_stop,
};

/* --- udp: a request datagram gets a reply starting with `expect` */

struct udp_ctx {
	int fd;
	size_t expect_len;
	char expect[SL_HC_TEXT_MAX];
};

static int udp_start(void **ctx, const struct sl_hc_spec *spec, uint32_t *events, int *done,
		     bool *ok, char *msg, size_t msg_len)
{
	struct udp_ctx *c = malloc(sizeof(*c));
	bool pending;

	*done = 1;
	*ok = false;
	if (c == NULL) {
		snprintf(msg, msg_len, "out of memory");
		return -1;
	}
	/* Connected: the kernel then delivers only the backend's datagrams,
	 * and its ICMP port unreachable as ECONNREFUSED. */
	c->fd = open_connect(spec, SOCK_DGRAM, &pending, msg, msg_len);
	if (c->fd < 0) {
		free(c);
		return -1;
	}
	if (send(c->fd, spec->hc.send, strnlen(spec->hc.send, sizeof(spec->hc.send) - 1),
		 MSG_NOSIGNAL) < 0) {
		err_msg(msg, msg_len, "send", errno);
		close(c->fd);
		free(c);
		return -1;
	}
	c->expect_len = strnlen(spec->hc.expect, sizeof(spec->hc.expect) - 1);
	memcpy(c->expect, spec->hc.expect, c->expect_len);
	*ctx = c;
	*events = EPOLLIN;
	*done = 0;
	return c->fd;
}

static int udp_step(void *ctx, uint32_t revents, uint32_t *events, bool *ok, char *msg,
		    size_t msg_len)
{
	struct udp_ctx *c = ctx;
	char buf[SL_HC_TEXT_MAX];
	ssize_t n;

	(void)revents;
	(void)events;
	*ok = false;
	do
		n = recv(c->fd, buf, sizeof(buf), 0);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN)
			return 0;
		err_msg(msg, msg_len, "recv", errno);
		return 1;
	}
	/* The datagram is cut to buf; only its first expect_len bytes matter. */
	if ((size_t)n >= c->expect_len && memcmp(buf, c->expect, c->expect_len) == 0)
		*ok = true;
	else
		snprintf(msg, msg_len, "unexpected reply");
	return 1;
}

static void udp_stop(void *ctx)
{
	struct udp_ctx *c = ctx;

	close(c->fd);
	free(c);
}

const struct sl_hc_ops sl_hc_udp_ops = {
    .start = udp_start,
    .step = udp_step,
    .stop = udp_stop,
};
