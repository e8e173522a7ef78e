/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The built-in health checks (TCP connect, HTTP GET, UDP request/reply) of
 * control/sl_health.c against real kernel sockets.
 *
 * The process moves into a network namespace of its own (unshare, root
 * needed: every test is skipped with a message otherwise), brings `lo` up
 * with 10.99.0.1/32 and fd00:99::1/128, and adds two routes that must never
 * block the checker: 10.99.9.0/24 blackhole (connect fails at once) and
 * 10.99.8.0/24 via lo with no one there (the SYN is dropped: connect stays
 * pending).  The listeners are non-blocking and pumped from the test loop, in
 * this thread.  Checks use the real clock and short intervals; every wait is
 * bounded by a count and a wall-clock limit, and the assertions are about
 * outcomes (state, last result, request bytes), not timings.  The never-
 * blocks test freezes an injected clock instead and counts calls.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "sl_health.h"
#include "sl_parse.h"

#define ADDR4 "10.99.0.1"
#define ADDR6 "fd00:99::1"

static bool have_ns;
static char skip_why[160];

#define NEED_NS()                                                 \
	do {                                                      \
		if (!have_ns) {                                   \
			print_message("skipped: %s\n", skip_why); \
			skip();                                   \
		}                                                 \
	} while (0)

static int group_setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		snprintf(skip_why, sizeof(skip_why),
			 "needs root (a private network namespace with addresses on lo)");
		return 0;
	}
	if (unshare(CLONE_NEWNET) < 0) {
		snprintf(skip_why, sizeof(skip_why), "unshare(CLONE_NEWNET): %s", strerror(errno));
		return 0;
	}
	/* Only inside the namespace just created. */
	if (system("ip link set lo up && ip addr add " ADDR4 "/32 dev lo && "
		   "ip -6 addr add " ADDR6 "/128 dev lo nodad && "
		   "ip route add blackhole 10.99.9.0/24 && "
		   "ip route add 10.99.8.0/24 dev lo") != 0) {
		print_error("could not configure lo in the test namespace (iproute2 `ip`)\n");
		return -1;
	}
	have_ns = true;
	return 0;
}

/* ---------------------------------------------------------------- servers */

/* S_HTTP_DRIP answers one byte per pump: the checker sees the status line
 * and the body substring split over many reads. */
enum srv_kind { S_ACCEPT_CLOSE, S_HTTP, S_HTTP_DRIP, S_SILENT, S_UDP_ECHO };

#define MAX_CONNS 16

struct conn {
	int fd; /* -1: free */
	size_t len, resp_off;
	bool answering;
	char buf[2048];
};

struct srv {
	enum srv_kind kind;
	int fd;
	const char *resp; /* S_HTTP: the whole response; S_UDP_ECHO: reply to "ping" */
	size_t resp_len;
	struct conn conns[MAX_CONNS];
	char last_req[2048];
	unsigned requests;
};

static int sa_of(int family, uint16_t port, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		inet_pton(AF_INET, ADDR4, &s->sin_addr);
		return sizeof(*s);
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	inet_pton(AF_INET6, ADDR6, &s6->sin6_addr);
	return sizeof(*s6);
}

static void srv_open(struct srv *s, enum srv_kind kind, int family, uint16_t port, const char *resp,
		     size_t resp_len)
{
	struct sockaddr_storage ss;
	int len = sa_of(family, port, &ss), one = 1;

	memset(s, 0, sizeof(*s));
	s->kind = kind;
	s->resp = resp;
	s->resp_len = resp != NULL && resp_len == 0 ? strlen(resp) : resp_len;
	for (unsigned i = 0; i < MAX_CONNS; i++)
		s->conns[i].fd = -1;
	s->fd = socket(family, (kind == S_UDP_ECHO ? SOCK_DGRAM : SOCK_STREAM) | SOCK_NONBLOCK, 0);
	assert_true(s->fd >= 0);
	assert_int_equal(setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)), 0);
	assert_int_equal(bind(s->fd, (struct sockaddr *)&ss, (socklen_t)len), 0);
	if (kind != S_UDP_ECHO)
		assert_int_equal(listen(s->fd, 16), 0);
}

static void conn_close(struct conn *c)
{
	close(c->fd);
	c->fd = -1;
}

static void srv_close(struct srv *s)
{
	for (unsigned i = 0; i < MAX_CONNS; i++)
		if (s->conns[i].fd >= 0)
			conn_close(&s->conns[i]);
	close(s->fd);
}

static void pump_http(struct srv *s, struct conn *c)
{
	ssize_t n;

	if (!c->answering) {
		n = recv(c->fd, c->buf + c->len, sizeof(c->buf) - 1 - c->len, 0);
		if (n == 0 || (n < 0 && errno != EAGAIN)) {
			conn_close(c);
			return;
		}
		if (n < 0)
			return;
		c->len += (size_t)n;
		c->buf[c->len] = '\0';
		if (s->kind == S_SILENT || strstr(c->buf, "\r\n\r\n") == NULL)
			return;
		memcpy(s->last_req, c->buf, c->len + 1);
		s->requests++;
		c->answering = true;
	}
	n = send(c->fd, s->resp + c->resp_off,
		 s->kind == S_HTTP_DRIP ? 1 : s->resp_len - c->resp_off, MSG_NOSIGNAL);
	if (n < 0 && errno == EAGAIN)
		return;
	if (n > 0)
		c->resp_off += (size_t)n;
	if (n < 0 || c->resp_off == s->resp_len)
		conn_close(c); /* sent, or the checker has gone */
}

/* Serve what is ready, without blocking; bounded loops. */
static void srv_pump(struct srv *s)
{
	if (s->kind == S_UDP_ECHO) {
		for (unsigned i = 0; i < 64; i++) {
			struct sockaddr_storage from;
			socklen_t fl = sizeof(from);
			char b[512];
			ssize_t n = recvfrom(s->fd, b, sizeof(b), 0, (struct sockaddr *)&from, &fl);

			if (n < 0)
				break;
			s->requests++;
			if (n == 4 && memcmp(b, "ping", 4) == 0)
				sendto(s->fd, s->resp, s->resp_len, 0, (struct sockaddr *)&from,
				       fl);
			else
				sendto(s->fd, "nope", 4, 0, (struct sockaddr *)&from, fl);
		}
		return;
	}
	for (unsigned i = 0; i < 64; i++) {
		int fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK);
		unsigned k;

		if (fd < 0)
			break;
		if (s->kind == S_ACCEPT_CLOSE) {
			s->requests++;
			close(fd);
			continue;
		}
		for (k = 0; k < MAX_CONNS && s->conns[k].fd >= 0; k++)
			;
		if (k == MAX_CONNS) {
			close(fd);
			continue;
		}
		memset(&s->conns[k], 0, offsetof(struct conn, buf));
		s->conns[k].fd = fd;
	}
	for (unsigned k = 0; k < MAX_CONNS; k++)
		if (s->conns[k].fd >= 0)
			pump_http(s, &s->conns[k]);
}

/* ---------------------------------------------------------------- checks */

static struct sl_hc_spec spec(int family, enum sl_hc_kind kind, uint16_t port)
{
	struct sl_hc_spec s;

	memset(&s, 0, sizeof(s));
	s.family = family == AF_INET ? SL_AF_INET : SL_AF_INET6;
	inet_pton(family, family == AF_INET ? ADDR4 : ADDR6, s.addr);
	s.hc.kind = kind;
	s.hc.port = port;
	s.hc.interval_ms = 50;
	s.hc.timeout_ms = 40;
	s.hc.jitter_ms = 5;
	s.hc.rise = 1;
	s.hc.fall = 2;
	s.hc.status = kind == SL_HC_HTTP ? 200 : 0;
	return s;
}

struct expect {
	int id;
	bool up;
	const char *result; /* last_result once there */
};

static double wall_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool reached(const struct sl_health *h, const struct expect *e, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		const struct sl_hc_status *st = sl_health_status(h, e[i].id);

		if (st == NULL || !st->checked || st->up != e[i].up ||
		    strcmp(st->last_result, e[i].result) != 0)
			return false;
	}
	return true;
}

/* Drive checker and servers until every expectation holds (at most 2000
 * rounds and 10 s), then assert each one, naming the one that failed. */
static void drive(struct sl_health *h, struct srv *srvs, unsigned nb_srvs, const struct expect *e,
		  unsigned n)
{
	struct pollfd pfd = {.fd = sl_health_fd(h), .events = POLLIN};
	double t0 = wall_s();

	for (unsigned round = 0; round < 2000 && wall_s() - t0 < 10; round++) {
		uint32_t d = sl_health_run(h);

		for (unsigned i = 0; i < nb_srvs; i++)
			srv_pump(&srvs[i]);
		if (reached(h, e, n))
			break;
		/* the servers are pumped at least every 5 ms */
		poll(&pfd, 1, d < 5 ? (int)d : 5);
	}
	for (unsigned i = 0; i < n; i++) {
		const struct sl_hc_status *st = sl_health_status(h, e[i].id);
		char a[INET6_ADDRSTRLEN];
		const struct sl_hc_spec *sp = sl_health_spec(h, e[i].id);

		inet_ntop(sp->family == SL_AF_INET ? AF_INET : AF_INET6, sp->addr, a, sizeof(a));
		print_message("  target %d %s port %u kind %d: %s, %s, %" PRIu64 " checks\n",
			      e[i].id, a, sp->hc.port, sp->hc.kind, st->up ? "up" : "down",
			      st->last_result, st->checks);
		assert_int_equal(st->up, e[i].up);
		assert_string_equal(st->last_result, e[i].result);
	}
}

/* Targets expected up are added after sl_health_started (down until their
 * first success); targets expected down before (up until proven down), so
 * both outcomes are a change the checker had to make. */
static int add(struct sl_health *h, const struct sl_hc_spec *s, bool expect_up)
{
	int id;

	if (expect_up)
		sl_health_started(h);
	id = sl_health_ref(h, s);
	assert_true(id >= 0);
	assert_int_equal(sl_health_up(h, id), !expect_up);
	return id;
}

static void test_tcp(void **state)
{
	struct srv srv[2];
	struct sl_health *h;
	struct sl_hc_spec s;
	struct expect e[4];

	(void)state;
	NEED_NS();
	h = sl_health_create(NULL, NULL, NULL, NULL, NULL);
	assert_non_null(h);
	srv_open(&srv[0], S_ACCEPT_CLOSE, AF_INET, 8001, NULL, 0);
	srv_open(&srv[1], S_ACCEPT_CLOSE, AF_INET6, 8001, NULL, 0);
	s = spec(AF_INET, SL_HC_TCP, 8002); /* nobody */
	e[0] = (struct expect){add(h, &s, false), false, "connection refused"};
	s = spec(AF_INET6, SL_HC_TCP, 8002);
	e[1] = (struct expect){add(h, &s, false), false, "connection refused"};
	s = spec(AF_INET, SL_HC_TCP, 8001);
	e[2] = (struct expect){add(h, &s, true), true, "ok"};
	s = spec(AF_INET6, SL_HC_TCP, 8001);
	e[3] = (struct expect){add(h, &s, true), true, "ok"};
	drive(h, srv, 2, e, 4);
	assert_true(srv[0].requests > 0 && srv[1].requests > 0);
	assert_int_equal(sl_health_status(h, e[2].id)->failures, 0);
	sl_health_free(h);
	srv_close(&srv[0]);
	srv_close(&srv[1]);
}

#define RESP_OK	     "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall ok\n"
#define RESP_503     "HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
#define RESP_NOPE    "HTTP/1.0 200 OK\r\n\r\nnope\n"
#define RESP_GARBAGE "SSH-2.0-OpenSSH_9.2\r\n"
#define RESP_204     "HTTP/1.1 204 No Content\r\n\r\n"

enum { H_OK, H_503, H_NOPE, H_GARBAGE, H_SILENT, H_204, H_OK6, H_BIG, H_TOO_FAR, H_DRIP, NB_H };

static void test_http(void **state)
{
	static char big[12000], too_far[20000];
	struct srv srv[NB_H];
	struct expect e[NB_H];
	struct sl_health *h;
	struct sl_hc_spec s;
	int n;

	(void)state;
	NEED_NS();
	/* "ok" after 10 KB of headers and body (several reads); and "ok" only
	 * after the 16 KiB the checker reads */
	n = snprintf(big, sizeof(big), "HTTP/1.1 200 OK\r\nX-Pad: %02000d\r\n\r\n%08000d ok", 0, 0);
	assert_true(n > 0 && (size_t)n < sizeof(big));
	n = snprintf(too_far, sizeof(too_far), "HTTP/1.1 200 OK\r\n\r\n%017000d ok", 0);
	assert_true(n > 0 && (size_t)n < sizeof(too_far));
	srv_open(&srv[H_OK], S_HTTP, AF_INET, 8101, RESP_OK, 0);
	srv_open(&srv[H_503], S_HTTP, AF_INET, 8102, RESP_503, 0);
	srv_open(&srv[H_NOPE], S_HTTP, AF_INET, 8103, RESP_NOPE, 0);
	srv_open(&srv[H_GARBAGE], S_HTTP, AF_INET, 8104, RESP_GARBAGE, 0);
	srv_open(&srv[H_SILENT], S_SILENT, AF_INET, 8105, NULL, 0);
	srv_open(&srv[H_204], S_HTTP, AF_INET, 8106, RESP_204, 0);
	srv_open(&srv[H_OK6], S_HTTP, AF_INET6, 8107, RESP_OK, 0);
	srv_open(&srv[H_BIG], S_HTTP, AF_INET, 8108, big, 0);
	srv_open(&srv[H_TOO_FAR], S_HTTP, AF_INET, 8109, too_far, 0);
	srv_open(&srv[H_DRIP], S_HTTP_DRIP, AF_INET, 8110, "HTTP/1.0 200 OK\r\n\r\nzzzokzz", 0);
	h = sl_health_create(NULL, NULL, NULL, NULL, NULL);
	assert_non_null(h);

	s = spec(AF_INET, SL_HC_HTTP, 8102);
	e[H_503] = (struct expect){add(h, &s, false), false, "status 503"};
	s = spec(AF_INET, SL_HC_HTTP, 8103);
	strcpy(s.hc.body, "ok");
	e[H_NOPE] = (struct expect){add(h, &s, false), false, "body mismatch"};
	s = spec(AF_INET, SL_HC_HTTP, 8104);
	e[H_GARBAGE] = (struct expect){add(h, &s, false), false, "bad status line"};
	s = spec(AF_INET, SL_HC_HTTP, 8105);
	e[H_SILENT] = (struct expect){add(h, &s, false), false, "timeout"};
	s = spec(AF_INET, SL_HC_HTTP, 8109);
	strcpy(s.hc.body, "ok");
	e[H_TOO_FAR] = (struct expect){add(h, &s, false), false, "body mismatch"};

	s = spec(AF_INET, SL_HC_HTTP, 8101);
	strcpy(s.hc.path, "/health");
	strcpy(s.hc.host, "svc.example");
	strcpy(s.hc.body, "ok");
	e[H_OK] = (struct expect){add(h, &s, true), true, "ok"};
	s = spec(AF_INET, SL_HC_HTTP, 8106);
	s.hc.status = 204;
	e[H_204] = (struct expect){add(h, &s, true), true, "ok"};
	s = spec(AF_INET6, SL_HC_HTTP, 8107);
	strcpy(s.hc.body, "ok");
	e[H_OK6] = (struct expect){add(h, &s, true), true, "ok"};
	s = spec(AF_INET, SL_HC_HTTP, 8108);
	strcpy(s.hc.body, "ok");
	e[H_BIG] = (struct expect){add(h, &s, true), true, "ok"};
	s = spec(AF_INET, SL_HC_HTTP, 8110);
	s.hc.interval_ms = 2000; /* room for ~30 one-byte reads */
	s.hc.timeout_ms = 1900;
	strcpy(s.hc.body, "ok");
	e[H_DRIP] = (struct expect){add(h, &s, true), true, "ok"};

	drive(h, srv, NB_H, e, NB_H);
	/* The request, byte for byte; the default Host is the address and
	 * port, in brackets for IPv6 */
	assert_string_equal(srv[H_OK].last_req, "GET /health HTTP/1.0\r\n"
						"Host: svc.example\r\n"
						"Connection: close\r\n"
						"User-Agent: sluice-health\r\n\r\n");
	assert_string_equal(srv[H_503].last_req, "GET / HTTP/1.0\r\n"
						 "Host: 10.99.0.1:8102\r\n"
						 "Connection: close\r\n"
						 "User-Agent: sluice-health\r\n\r\n");
	assert_string_equal(srv[H_OK6].last_req, "GET / HTTP/1.0\r\n"
						 "Host: [fd00:99::1]:8107\r\n"
						 "Connection: close\r\n"
						 "User-Agent: sluice-health\r\n\r\n");
	sl_health_free(h);
	for (unsigned i = 0; i < NB_H; i++)
		srv_close(&srv[i]);
}

static void test_udp(void **state)
{
	struct srv srv[3];
	struct expect e[5];
	struct sl_health *h;
	struct sl_hc_spec s;

	(void)state;
	NEED_NS();
	srv_open(&srv[0], S_UDP_ECHO, AF_INET, 9001, "pong", 0);
	srv_open(&srv[1], S_UDP_ECHO, AF_INET6, 9001, "pong v6", 0);
	srv_open(&srv[2], S_UDP_ECHO, AF_INET, 9003, "pong", 0);
	h = sl_health_create(NULL, NULL, NULL, NULL, NULL);
	assert_non_null(h);
	s = spec(AF_INET, SL_HC_UDP, 9002); /* nobody: ICMP port unreachable */
	strcpy(s.hc.send, "ping");
	strcpy(s.hc.expect, "pong");
	e[0] = (struct expect){add(h, &s, false), false, "connection refused"};
	s = spec(AF_INET6, SL_HC_UDP, 9002);
	strcpy(s.hc.send, "ping");
	e[1] = (struct expect){add(h, &s, false), false, "connection refused"};
	s = spec(AF_INET, SL_HC_UDP, 9003); /* answers "nope" to "hello" */
	strcpy(s.hc.send, "hello");
	strcpy(s.hc.expect, "pong");
	e[2] = (struct expect){add(h, &s, false), false, "unexpected reply"};
	s = spec(AF_INET, SL_HC_UDP, 9001);
	strcpy(s.hc.send, "ping");
	strcpy(s.hc.expect, "pong");
	e[3] = (struct expect){add(h, &s, true), true, "ok"};
	s = spec(AF_INET6, SL_HC_UDP, 9001); /* expect is a prefix */
	strcpy(s.hc.send, "ping");
	strcpy(s.hc.expect, "pong");
	e[4] = (struct expect){add(h, &s, true), true, "ok"};
	drive(h, srv, 3, e, 5);
	sl_health_free(h);
	for (unsigned i = 0; i < 3; i++)
		srv_close(&srv[i]);
}

/* With the real clock the checker's fd wakes the caller by itself when a
 * check is due (a caller that only polls the fd still gets checks). */
static void test_fd_wakes(void **state)
{
	struct srv srv;
	struct sl_health *h;
	struct sl_hc_spec s;
	struct pollfd pfd;
	int id;

	(void)state;
	NEED_NS();
	srv_open(&srv, S_ACCEPT_CLOSE, AF_INET, 8201, NULL, 0);
	h = sl_health_create(NULL, NULL, NULL, NULL, NULL);
	assert_non_null(h);
	pfd = (struct pollfd){.fd = sl_health_fd(h), .events = POLLIN};
	s = spec(AF_INET, SL_HC_TCP, 8201);
	id = add(h, &s, true);
	/* Only the fd drives: each poll is bounded (2 s) far above the 50 ms
	 * interval, and a poll that times out fails the test. */
	for (unsigned i = 0; i < 200 && sl_health_status(h, id)->checks < 3; i++) {
		assert_int_equal(poll(&pfd, 1, 2000), 1);
		sl_health_run(h);
		srv_pump(&srv);
	}
	assert_true(sl_health_status(h, id)->checks >= 3);
	assert_true(sl_health_up(h, id));
	sl_health_free(h);
	srv_close(&srv);
}

static uint64_t frozen_ms;

static uint64_t frozen_clock(void *arg)
{
	(void)arg;
	return frozen_ms;
}

/* Checks that cannot finish do not block sl_health_run: with the clock
 * frozen, 1000 calls all return, the checks still pending; a blackhole
 * route fails at once. */
static void test_never_blocks(void **state)
{
	struct srv silent;
	struct sl_health *h;
	struct sl_hc_spec s;
	int pend_tcp, pend_http, bh;

	(void)state;
	NEED_NS();
	srv_open(&silent, S_SILENT, AF_INET, 8301, NULL, 0);
	frozen_ms = 5000;
	h = sl_health_create(frozen_clock, NULL, NULL, NULL, NULL);
	assert_non_null(h);
	sl_health_started(h);
	s = spec(AF_INET, SL_HC_TCP, 80);
	inet_pton(AF_INET, "10.99.8.1", s.addr); /* SYN dropped: connect pending */
	s.hc.timeout_ms = 40;
	pend_tcp = sl_health_ref(h, &s);
	s = spec(AF_INET, SL_HC_HTTP, 8301); /* accepted, never answered */
	s.hc.timeout_ms = 40;
	pend_http = sl_health_ref(h, &s);
	s = spec(AF_INET, SL_HC_TCP, 80);
	inet_pton(AF_INET, "10.99.9.1", s.addr); /* blackhole: EINVAL at once */
	bh = sl_health_ref(h, &s);
	assert_true(pend_tcp >= 0 && pend_http >= 0 && bh >= 0);

	for (unsigned i = 0; i < 1000; i++) {
		assert_int_equal(sl_health_run(h), 40); /* the pending timeouts */
		srv_pump(&silent);
	}
	assert_int_equal(sl_health_status(h, pend_tcp)->checks, 0);
	assert_int_equal(sl_health_status(h, pend_http)->checks, 0);
	assert_int_equal(silent.requests, 0);
	assert_true(strstr(silent.conns[0].buf, "GET / HTTP/1.0\r\n") == silent.conns[0].buf);
	assert_int_equal(sl_health_status(h, bh)->checks, 1);
	assert_string_equal(sl_health_status(h, bh)->last_result, "connect: invalid argument");
	assert_false(sl_health_up(h, bh));

	frozen_ms += 40;
	sl_health_run(h);
	assert_string_equal(sl_health_status(h, pend_tcp)->last_result, "timeout");
	assert_string_equal(sl_health_status(h, pend_http)->last_result, "timeout");
	assert_int_equal(sl_health_status(h, pend_tcp)->checks, 1);
	assert_int_equal(sl_health_status(h, pend_http)->checks, 1);
	sl_health_free(h);
	srv_close(&silent);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_tcp),		 cmocka_unit_test(test_http),
	    cmocka_unit_test(test_udp),		 cmocka_unit_test(test_fd_wakes),
	    cmocka_unit_test(test_never_blocks),
	};

	return cmocka_run_group_tests(tests, group_setup, NULL);
}
