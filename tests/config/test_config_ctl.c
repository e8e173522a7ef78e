/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Unit tests for the control-plane part of the configuration module
 * (control/sl_config.c): health checks, pools, admin states, the VIP
 * policies, control: and guard:, and the functions the control socket uses
 * (dup, equal, to_yaml, diff, one VIP or backend from YAML/JSON text, VIP
 * updates, VIP references).
 *
 * Diagnostics are compared byte for byte, FILE:LINE:COLUMN included, as in
 * test_config.c.  argv[1] is the shipped example (tools/conf/example.yaml).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sl_config.h"
#include "sl_parse.h" /* SL_AF_INET */

static const char *example_path;

struct result {
	int rc;
	struct sl_config *cfg;
	unsigned errors, warnings;
	char *out;
};

static void parse(const char *text, struct result *r)
{
	size_t size = 0;
	FILE *f;
	struct sl_diag d = {0};

	r->out = NULL;
	f = open_memstream(&r->out, &size);
	assert_non_null(f);
	d.out = f;
	r->rc = sl_config_parse(text, strlen(text), "t.yaml", &d, &r->cfg);
	fclose(f);
	r->errors = d.errors;
	r->warnings = d.warnings;
}

static void result_free(struct result *r)
{
	sl_config_free(r->cfg);
	free(r->out);
}

/* Parses text that must be valid, with `warnings` warnings (an empty
 * backends list warns); returns the config. */
static struct sl_config *good_w(const char *text, unsigned warnings)
{
	struct result r;
	struct sl_config *c;

	parse(text, &r);
	if (r.rc != 0 || r.warnings != warnings)
		print_error("unexpected diagnostics:\n%s", r.out);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.warnings, warnings);
	c = r.cfg;
	free(r.out);
	return c;
}

static struct sl_config *good(const char *text)
{
	return good_w(text, 0);
}

static void pton(const char *s, uint8_t *family, uint8_t addr[16])
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = SL_AF_INET;
		return;
	}
	assert_int_equal(inet_pton(AF_INET6, s, addr), 1);
	*family = SL_AF_INET6;
}

/* 255 characters: the longest health text. */
#define D10  "0123456789"
#define D50  D10 D10 D10 D10 D10
#define D255 D50 D50 D50 D50 D50 "01234"

/* Lines 1-5: a valid skeleton; 6-8: tunnel sources. */
#define BASE             \
	"ports:\n"       \
	"  - name: p0\n" \
	"next_hop:\n"    \
	"  port: p0\n"   \
	"  mac: 02:00:00:00:00:01\n"
#define TUN                     \
	"tunnel:\n"             \
	"  source4: 10.0.0.2\n" \
	"  source6: fd00::2\n"
/* Lines 9-14: one VIP; its further keys start at line 15, column 5. */
#define VIP(port)                 \
	"vips:\n"                 \
	"  - address: 10.0.0.1\n" \
	"    port: " port "\n"    \
	"    protocol: tcp\n"     \
	"    encap: ipip\n"       \
	"    backends: [{address: 10.0.1.1}]\n"
#define VIP80 BASE TUN VIP("80")

/* ---- defaults ---------------------------------------------------------------- */

static void test_defaults(void **state)
{
	struct sl_config *c;
	const struct sl_config_vip *v;
	const struct sl_config_health *h;

	(void)state;
	c = good(VIP80 "  - {address: 10.0.0.1, port: any, protocol: udp, encap: ipip,\n"
		       "     backends: [{address: 10.0.1.1}]}\n");
	assert_string_equal(c->control_socket, "/run/sluice/sluiced.sock");
	assert_string_equal(c->admin_group, "");
	assert_string_equal(c->read_group, "");
	assert_string_equal(c->state_file, "");
	assert_int_equal(c->history, 64);
	assert_string_equal(c->metrics_listen, "127.0.0.1:9465");
	assert_int_equal(c->guard_backends_down, 0);
	assert_int_equal(c->guard_drops_per_s, 100);

	v = &c->vips[0];
	h = &v->health;
	assert_int_equal(h->kind, SL_HC_TCP);
	assert_int_equal(h->port, 80); /* the VIP's port */
	assert_int_equal(h->interval_ms, 2000);
	assert_int_equal(h->timeout_ms, 1000);
	assert_int_equal(h->jitter_ms, 200);
	assert_int_equal(h->rise, 2);
	assert_int_equal(h->fall, 3);
	assert_string_equal(h->path, "");
	assert_string_equal(h->host, "");
	assert_int_equal(h->status, 0);
	assert_string_equal(h->send, "");
	assert_int_equal(v->slow_start_ms, 0);
	assert_int_equal(v->drain_timeout_ms, 300000);
	assert_int_equal(v->backup_threshold_pct, 50);
	assert_int_equal(v->backup_hysteresis_pct, 10);
	assert_int_equal(v->panic_threshold_pct, 30);
	assert_int_equal(v->panic_mode, SL_PANIC_OPEN);
	assert_int_equal(v->bounded_load_pct, 0);
	assert_int_equal(v->bounded_load_window_ms, 1000);
	assert_int_equal(v->when_empty, SL_EMPTY_DROP);
	assert_int_equal(v->backends[0].state, SL_ADMIN_ENABLED);
	assert_int_equal(v->backends[0].pool, SL_POOL_PRIMARY);

	/* Port any and no health.port: nothing to connect to, so none. */
	assert_int_equal(c->vips[1].health.kind, SL_HC_NONE);
	assert_int_equal(c->vips[1].health.port, 0);
	assert_int_equal(c->vips[1].health.interval_ms, 2000);
	sl_config_free(c);
}

/* Defaults that depend on other keys. */
static void test_dependent_defaults(void **state)
{
	struct sl_config *c;
	const struct sl_config_health *h;

	(void)state;
	/* health.port on a port-any VIP: the type defaults to tcp again. */
	c = good(BASE TUN VIP("any") "    health:\n      port: 8080\n");
	assert_int_equal(c->vips[0].health.kind, SL_HC_TCP);
	assert_int_equal(c->vips[0].health.port, 8080);
	sl_config_free(c);

	/* A port-any VIP with a health mapping but no port: still none. */
	c = good(BASE TUN VIP("any") "    health:\n      interval: 5s\n");
	assert_int_equal(c->vips[0].health.kind, SL_HC_NONE);
	assert_int_equal(c->vips[0].health.jitter_ms, 500); /* interval / 10 */
	sl_config_free(c);

	/* http brings its own defaults. */
	c = good(VIP80 "    health:\n      type: http\n      interval: 3s\n");
	h = &c->vips[0].health;
	assert_int_equal(h->kind, SL_HC_HTTP);
	assert_int_equal(h->port, 80);
	assert_string_equal(h->path, "/");
	assert_string_equal(h->host, "");
	assert_int_equal(h->status, 200);
	assert_string_equal(h->body, "");
	assert_int_equal(h->jitter_ms, 300);
	sl_config_free(c);

	/* The longest texts. */
	c = good(VIP80 "    health:\n      type: http\n      body: " D255 "\n      path: /" D50
		       "\n");
	assert_int_equal(strlen(c->vips[0].health.body), 255);
	sl_config_free(c);

	/* Zero and off where allowed. */
	c = good(VIP80 "    health:\n      jitter: 0s\n    slow_start: 0ms\n");
	assert_int_equal(c->vips[0].health.jitter_ms, 0);
	assert_int_equal(c->vips[0].slow_start_ms, 0);
	sl_config_free(c);
	c = good(VIP80 "    slow_start: off\n    bounded_load: off\n");
	assert_int_equal(c->vips[0].slow_start_ms, 0);
	assert_int_equal(c->vips[0].bounded_load_pct, 0);
	sl_config_free(c);

	/* threshold + hysteresis may reach 100% exactly. */
	c = good(VIP80 "    backup_threshold: 90%\n    backup_hysteresis: 10%\n");
	assert_int_equal(c->vips[0].backup_threshold_pct, 90);
	sl_config_free(c);
	c = good(VIP80 "    backup_threshold: 100%\n    backup_hysteresis: 0%\n"
		       "    panic_threshold: 100%\n    bounded_load: 1000%\n");
	assert_int_equal(c->vips[0].bounded_load_pct, 1000);
	sl_config_free(c);
	c = good(VIP80 "    bounded_load: 101%\n    slow_start: 1193h\n");
	assert_int_equal(c->vips[0].bounded_load_pct, 101);
	assert_int_equal(c->vips[0].slow_start_ms, 1193u * 3600000u);
	sl_config_free(c);

	/* Limits that are inside the ranges. */
	c = good(BASE "control:\n  socket: /" D50 D50 "012345\n"
		      "  admin_group: wheel$\n  read_group: _a.b-c9\n  history: 10000\n"
		      "guard:\n  drops_per_second: 18446744073709551615\n"
		      "  backends_down: 131072\n");
	assert_int_equal(strlen(c->control_socket), 107);
	assert_string_equal(c->admin_group, "wheel$");
	assert_string_equal(c->read_group, "_a.b-c9");
	assert_int_equal(c->history, 10000);
	assert_true(c->guard_drops_per_s == UINT64_MAX);
	assert_int_equal(c->guard_backends_down, 131072);
	sl_config_free(c);

	/* metrics.listen: IPv4, IPv6 (quoted: a plain [ starts a list), off. */
	c = good(BASE "metrics:\n  listen: 0.0.0.0:65535\n");
	assert_string_equal(c->metrics_listen, "0.0.0.0:65535");
	sl_config_free(c);
	c = good(BASE "metrics:\n  listen: \"[fd00:99::1]:9465\"\n");
	assert_string_equal(c->metrics_listen, "[fd00:99::1]:9465");
	sl_config_free(c);
	c = good(BASE "metrics: {listen: off}\n");
	assert_string_equal(c->metrics_listen, "off");
	sl_config_free(c);
}

/* The listen parser the Prometheus endpoint shares with the configuration. */
static void test_parse_listen(void **state)
{
	uint8_t fam, a[16], v6[16] = {0xfd, 0x00, 0, 0x99};
	uint16_t port;

	(void)state;
	assert_int_equal(sl_config_parse_listen("10.99.0.1:80", &fam, a, &port), 0);
	assert_int_equal(fam, SL_AF_INET);
	assert_int_equal(port, 80);
	assert_memory_equal(a, "\x0a\x63\x00\x01\0\0\0\0\0\0\0\0\0\0\0\0", 16);
	assert_int_equal(sl_config_parse_listen("[fd00:99::]:0", &fam, a, &port), 0);
	assert_int_equal(fam, SL_AF_INET6);
	assert_int_equal(port, 0);
	assert_memory_equal(a, v6, 16);
	assert_int_equal(sl_config_parse_listen("off", &fam, a, &port), 0);
	assert_int_equal(fam, 0);
	for (const char *const *b =
		 (const char *const[]){"", "127.0.0.1", "127.0.0.1:", ":80", "127.0.0.1:65536",
				       "127.0.0.1:-1", "127.0.0.1:+1", "127.0.0.1:8x", "fd00::1:80",
				       "[fd00::1]", "[fd00::1:80", "[10.0.0.1]:80", "[]:80",
				       "localhost:80", "OFF", NULL};
	     *b != NULL; b++)
		assert_int_equal(sl_config_parse_listen(*b, &fam, a, &port), -EINVAL);
}

/* ---- every key set ------------------------------------------------------------- */

/* Every key of the control-plane work set to a non-default value. */
static const char all_keys[] =
    "ports:\n"
    "  - name: p0\n"
    "  - name: tap0\n"
    "    role: kernel\n"
    "tunnel:\n"
    "  source4: 10.99.0.2\n"
    "  source6: fd00:99::2\n"
    "  ttl: 9\n"
    "next_hop:\n"
    "  port: p0\n"
    "  mac: 02:00:00:00:00:0a\n"
    "  mtu: 9000\n"
    "flow_table: {size: 4096, tcp_timeout: 1h, tcp_closing_timeout: 1500ms, "
    "udp_timeout: 45s}\n"
    "maglev: {table_size: 1009}\n"
    "icmp: {rate_limit: 7}\n"
    "control:\n"
    "  socket: /tmp/sl.sock\n"
    "  admin_group: sladm\n"
    "  read_group: slread\n"
    "  state_file: /var/lib/sluice/state.yaml\n"
    "  history: 5\n"
    "guard:\n"
    "  backends_down: 2\n"
    "  drops_per_second: 5000\n"
    "vips:\n"
    "  - address: 10.99.100.1\n"
    "    port: 80\n"
    "    protocol: tcp\n"
    "    encap: gue\n"
    "    gue_port: 7000\n"
    "    table_size: 2003\n"
    "    health:\n"
    "      type: http\n"
    "      port: 8080\n"
    "      interval: 3s\n"
    "      timeout: 1500ms\n"
    "      jitter: 100ms\n"
    "      rise: 5\n"
    "      fall: 7\n"
    "      path: /healthz?full=1\n"
    "      host: www.example.com\n"
    "      status: 204\n"
    "      body: \"all \\\"good\\\"\"\n"
    "    slow_start: 2m\n"
    "    drain_timeout: 1h\n"
    "    backup_threshold: 40%\n"
    "    backup_hysteresis: 20%\n"
    "    panic_threshold: 0%\n"
    "    panic_mode: closed\n"
    "    bounded_load: 125%\n"
    "    bounded_load_window: 250ms\n"
    "    when_empty: unreachable\n"
    "    backends:\n"
    "      - {address: 10.99.1.1, weight: 10, state: disabled, pool: primary}\n"
    "      - {address: fd00:99:1::2, weight: 20, state: draining, pool: backup}\n"
    "      - {address: 10.99.1.3, state: enabled, pool: backup}\n"
    "  - address: fd00:99:100::1\n"
    "    port: any\n"
    "    protocol: udp\n"
    "    encap: ip6ip6\n"
    "    health:\n"
    "      type: udp\n"
    "      port: 5353\n"
    "      send: \"ping\\tme\\u00e9\"\n"
    "      expect: PONG\n"
    "    backends: [{address: 'fd00:99:1::', weight: 3}]\n";

static void test_all_keys(void **state)
{
	struct sl_config *c;
	const struct sl_config_vip *v;
	const struct sl_config_health *h;

	(void)state;
	c = good(all_keys);
	assert_string_equal(c->control_socket, "/tmp/sl.sock");
	assert_string_equal(c->admin_group, "sladm");
	assert_string_equal(c->read_group, "slread");
	assert_string_equal(c->state_file, "/var/lib/sluice/state.yaml");
	assert_int_equal(c->history, 5);
	assert_int_equal(c->guard_backends_down, 2);
	assert_int_equal(c->guard_drops_per_s, 5000);

	v = &c->vips[0];
	h = &v->health;
	assert_int_equal(h->kind, SL_HC_HTTP);
	assert_int_equal(h->port, 8080);
	assert_int_equal(h->interval_ms, 3000);
	assert_int_equal(h->timeout_ms, 1500);
	assert_int_equal(h->jitter_ms, 100);
	assert_int_equal(h->rise, 5);
	assert_int_equal(h->fall, 7);
	assert_string_equal(h->path, "/healthz?full=1");
	assert_string_equal(h->host, "www.example.com");
	assert_int_equal(h->status, 204);
	assert_string_equal(h->body, "all \"good\"");
	assert_int_equal(v->slow_start_ms, 120000);
	assert_int_equal(v->drain_timeout_ms, 3600000);
	assert_int_equal(v->backup_threshold_pct, 40);
	assert_int_equal(v->backup_hysteresis_pct, 20);
	assert_int_equal(v->panic_threshold_pct, 0);
	assert_int_equal(v->panic_mode, SL_PANIC_CLOSED);
	assert_int_equal(v->bounded_load_pct, 125);
	assert_int_equal(v->bounded_load_window_ms, 250);
	assert_int_equal(v->when_empty, SL_EMPTY_UNREACHABLE);
	assert_int_equal(v->backends[0].state, SL_ADMIN_DISABLED);
	assert_int_equal(v->backends[0].pool, SL_POOL_PRIMARY);
	assert_int_equal(v->backends[1].state, SL_ADMIN_DRAINING);
	assert_int_equal(v->backends[1].pool, SL_POOL_BACKUP);
	assert_int_equal(v->backends[2].state, SL_ADMIN_ENABLED);
	assert_int_equal(v->backends[2].pool, SL_POOL_BACKUP);

	h = &c->vips[1].health;
	assert_int_equal(h->kind, SL_HC_UDP);
	assert_int_equal(h->port, 5353);
	assert_string_equal(h->send, "ping\tme\xc3\xa9");
	assert_string_equal(h->expect, "PONG");
	assert_string_equal(h->path, ""); /* other types' keys stay empty */
	assert_int_equal(h->status, 0);
	sl_config_free(c);
}

/* ---- one problem per case ------------------------------------------------------ */

struct err_case {
	const char *name;
	const char *yaml;
	const char *expect; /* complete diagnostic output */
};

static const struct err_case cases[] = {
    /* health: structure and types */
    {"health not a mapping", VIP80 "    health: tcp\n",
     "t.yaml:15:13: error: vips[0].health: expected a mapping, got a scalar\n"},
    {"health unknown key", VIP80 "    health:\n      kind: tcp\n",
     "t.yaml:16:7: error: vips[0].health: unknown key \"kind\" (expected one of: type, port, "
     "interval, timeout, jitter, rise, fall, path, host, status, body, send, expect)\n"},
    {"health duplicate key", VIP80 "    health:\n      rise: 2\n      rise: 3\n",
     "t.yaml:17:7: error: vips[0].health.rise: duplicate key (first at line 16)\n"},
    {"health type", VIP80 "    health:\n      type: icmp\n",
     "t.yaml:16:13: error: vips[0].health.type: expected tcp, http, udp or none, got "
     "\"icmp\"\n"},
    {"health port 0", VIP80 "    health:\n      port: 0\n",
     "t.yaml:16:13: error: vips[0].health.port: 0 is out of range (expected 1..65535)\n"},
    {"health port quoted", VIP80 "    health:\n      port: \"80\"\n",
     "t.yaml:16:13: error: vips[0].health.port: expected an integer 1..65535, got a quoted "
     "string\n"},
    {"health interval without unit", VIP80 "    health:\n      interval: 2\n",
     "t.yaml:16:17: error: vips[0].health.interval: expected a duration: an integer and a "
     "unit ms, s, m or h (e.g. 30s), got \"2\"\n"},
    {"health interval zero", VIP80 "    health:\n      interval: 0s\n",
     "t.yaml:16:17: error: vips[0].health.interval: 0s is out of range (expected "
     "1ms..1193h)\n"},
    {"health timeout longer than interval",
     VIP80 "    health:\n      interval: 1s\n      timeout: 1001ms\n",
     "t.yaml:17:16: error: vips[0].health.timeout: 1001ms is longer than the interval (1s)\n"},
    {"health interval shorter than the default timeout",
     VIP80 "    health:\n      interval: 500ms\n",
     "t.yaml:16:17: error: vips[0].health.interval: 500ms is shorter than the timeout (1s)\n"},
    {"health jitter equal to interval", VIP80 "    health:\n      jitter: 2s\n",
     "t.yaml:16:15: error: vips[0].health.jitter: 2s must be shorter than the interval "
     "(2s)\n"},
    {"health jitter longer than interval",
     VIP80 "    health:\n      timeout: 10ms\n      interval: 10ms\n      jitter: 11ms\n",
     "t.yaml:18:15: error: vips[0].health.jitter: 11ms must be shorter than the interval "
     "(10ms)\n"},
    {"health jitter off", VIP80 "    health:\n      jitter: off\n",
     "t.yaml:16:15: error: vips[0].health.jitter: expected a duration: an integer and a unit "
     "ms, s, m or h (e.g. 30s), got \"off\"\n"},
    {"health rise 0", VIP80 "    health:\n      rise: 0\n",
     "t.yaml:16:13: error: vips[0].health.rise: 0 is out of range (expected 1..100)\n"},
    {"health fall 101", VIP80 "    health:\n      fall: 101\n",
     "t.yaml:16:13: error: vips[0].health.fall: 101 is out of range (expected 1..100)\n"},

    /* health: keys of one type only */
    {"path with tcp", VIP80 "    health:\n      path: /x\n",
     "t.yaml:16:7: error: vips[0].health.path: only valid with type: http (this check is "
     "tcp)\n"},
    {"host with udp", VIP80 "    health:\n      type: udp\n      send: x\n      host: a\n",
     "t.yaml:18:7: error: vips[0].health.host: only valid with type: http (this check is "
     "udp)\n"},
    {"status with none", VIP80 "    health:\n      type: none\n      status: 200\n",
     "t.yaml:17:7: error: vips[0].health.status: only valid with type: http (this check is "
     "none)\n"},
    {"body with tcp", VIP80 "    health:\n      body: ok\n",
     "t.yaml:16:7: error: vips[0].health.body: only valid with type: http (this check is "
     "tcp)\n"},
    {"send with http", VIP80 "    health:\n      type: http\n      send: x\n",
     "t.yaml:17:7: error: vips[0].health.send: only valid with type: udp (this check is "
     "http)\n"},
    {"expect with tcp", VIP80 "    health:\n      expect: x\n",
     "t.yaml:16:7: error: vips[0].health.expect: only valid with type: udp (this check is "
     "tcp)\n"},
    {"udp without send", VIP80 "    health:\n      type: udp\n",
     "t.yaml:16:7: error: vips[0].health: missing key \"send\" (required for type udp)\n"},
    {"udp with empty send", VIP80 "    health:\n      type: udp\n      send: \"\"\n",
     "t.yaml:17:13: error: vips[0].health.send: must not be empty (it is the request "
     "datagram)\n"},
    {"send with a NUL", VIP80 "    health:\n      type: udp\n      send: \"a\\0b\"\n",
     "t.yaml:17:13: error: vips[0].health.send: contains a NUL character\n"},
    {"path without slash", VIP80 "    health:\n      type: http\n      path: healthz\n",
     "t.yaml:17:13: error: vips[0].health.path: expected a path starting with / and without "
     "spaces or control characters, got \"healthz\"\n"},
    {"path with a space", VIP80 "    health:\n      type: http\n      path: \"/a b\"\n",
     "t.yaml:17:13: error: vips[0].health.path: expected a path starting with / and without "
     "spaces or control characters, got \"/a b\"\n"},
    /* A header injection attempt; the message itself stays on one line. */
    {"host with CRLF", VIP80 "    health:\n      type: http\n      host: \"a\\r\\nX: y\"\n",
     "t.yaml:17:13: error: vips[0].health.host: expected a host name without spaces or "
     "control characters, got \"a??X: y\"\n"},
    {"status 99", VIP80 "    health:\n      type: http\n      status: 99\n",
     "t.yaml:17:15: error: vips[0].health.status: 99 is out of range (expected 100..599)\n"},
    {"status 600", VIP80 "    health:\n      type: http\n      status: 600\n",
     "t.yaml:17:15: error: vips[0].health.status: 600 is out of range (expected 100..599)\n"},
    {"body too long", VIP80 "    health:\n      type: http\n      body: x" D255 "\n",
     "t.yaml:17:13: error: vips[0].health.body: too long (at most 255 bytes)\n"},
    {"port-any VIP with a tcp check and no port",
     BASE TUN VIP("any") "    health:\n"
			 "      type: tcp\n",
     "t.yaml:16:7: error: vips[0].health: missing key \"port\" (type tcp needs it: the VIP's "
     "port is any)\n"},
    {"port-any VIP with an http check and no port",
     BASE TUN VIP("any") "    health: {type: http, path: /}\n",
     "t.yaml:15:13: error: vips[0].health: missing key \"port\" (type http needs it: the "
     "VIP's port is any)\n"},

    /* VIP policies */
    {"slow_start without unit", VIP80 "    slow_start: 30\n",
     "t.yaml:15:17: error: vips[0].slow_start: expected a duration: an integer and a unit ms, "
     "s, m or h (e.g. 30s), got \"30\"\n"},
    {"slow_start on", VIP80 "    slow_start: on\n",
     "t.yaml:15:17: error: vips[0].slow_start: expected a duration: an integer and a unit ms, "
     "s, m or h (e.g. 30s), got \"on\"\n"},
    {"drain_timeout zero", VIP80 "    drain_timeout: 0s\n",
     "t.yaml:15:20: error: vips[0].drain_timeout: 0s is out of range (expected 1ms..1193h)\n"},
    {"backup_threshold without %", VIP80 "    backup_threshold: 50\n",
     "t.yaml:15:23: error: vips[0].backup_threshold: expected a percentage 0%..100% (e.g. "
     "50%), got \"50\"\n"},
    {"backup_threshold 101%", VIP80 "    backup_threshold: 101%\n",
     "t.yaml:15:23: error: vips[0].backup_threshold: 101% is out of range (expected "
     "0%..100%)\n"},
    {"backup_hysteresis negative", VIP80 "    backup_hysteresis: -5%\n",
     "t.yaml:15:24: error: vips[0].backup_hysteresis: expected a percentage 0%..100% (e.g. "
     "50%), got \"-5%\"\n"},
    {"backup threshold + hysteresis above 100%", VIP80 "    backup_hysteresis: 51%\n",
     "t.yaml:15:24: error: vips[0].backup_hysteresis: backup_threshold 50% + "
     "backup_hysteresis 51% is above 100%; the primary pool could never take over again\n"},
    {"backup threshold above 100% with the default hysteresis", VIP80 "    backup_threshold: 91%\n",
     "t.yaml:15:23: error: vips[0].backup_threshold: backup_threshold 91% + "
     "backup_hysteresis 10% is above 100%; the primary pool could never take over again\n"},
    {"panic_threshold with a space", VIP80 "    panic_threshold: 30 %\n",
     "t.yaml:15:22: error: vips[0].panic_threshold: expected a percentage 0%..100% (e.g. "
     "50%), got \"30 %\"\n"},
    {"panic_mode", VIP80 "    panic_mode: half\n",
     "t.yaml:15:17: error: vips[0].panic_mode: expected open or closed, got \"half\"\n"},
    {"bounded_load 100%", VIP80 "    bounded_load: 100%\n",
     "t.yaml:15:19: error: vips[0].bounded_load: 100% is out of range (expected "
     "101%..1000% or off)\n"},
    {"bounded_load 1001%", VIP80 "    bounded_load: 1001%\n",
     "t.yaml:15:19: error: vips[0].bounded_load: 1001% is out of range (expected "
     "101%..1000% or off)\n"},
    {"bounded_load on", VIP80 "    bounded_load: on\n",
     "t.yaml:15:19: error: vips[0].bounded_load: expected off or a percentage 101%..1000% "
     "(e.g. 150%), got \"on\"\n"},
    {"bounded_load_window zero", VIP80 "    bounded_load_window: 0ms\n",
     "t.yaml:15:26: error: vips[0].bounded_load_window: 0ms is out of range (expected "
     "1ms..1193h)\n"},
    {"when_empty", VIP80 "    when_empty: reject\n",
     "t.yaml:15:17: error: vips[0].when_empty: expected drop or unreachable, got "
     "\"reject\"\n"},

    /* backends */
    {"backend state",
     BASE TUN VIP("80") "  - {address: 10.0.0.2, port: 80, protocol: tcp, "
			"encap: ipip,\n     backends: [{address: 10.0.1.1, "
			"state: on}]}\n",
     "t.yaml:16:44: error: vips[1].backends[0].state: expected enabled, disabled or "
     "draining, got \"on\"\n"},
    {"backend pool",
     BASE TUN "vips:\n  - address: 10.0.0.1\n    port: 80\n"
	      "    protocol: tcp\n    encap: ipip\n    backends:\n"
	      "      - address: 10.0.1.1\n        pool: secondary\n",
     "t.yaml:16:15: error: vips[0].backends[0].pool: expected primary or backup, got "
     "\"secondary\"\n"},
    {"same backend in both pools",
     BASE TUN "vips:\n  - address: 10.0.0.1\n    port: 80\n"
	      "    protocol: tcp\n    encap: ipip\n    backends:\n"
	      "      - address: 10.0.1.1\n      - address: 10.0.1.1\n        pool: backup\n",
     "t.yaml:16:18: error: vips[0].backends[1].address: duplicate backend 10.0.1.1 (first at "
     "line 15, in pool primary; an address can be in one pool only)\n"},

    /* control: */
    {"control not a mapping", BASE "control: /run/x.sock\n",
     "t.yaml:6:10: error: control: expected a mapping, got a scalar\n"},
    {"control unknown key", BASE "control:\n  sock: /x\n",
     "t.yaml:7:3: error: control: unknown key \"sock\" (expected one of: socket, admin_group, "
     "read_group, state_file, history)\n"},
    {"socket relative", BASE "control:\n  socket: sluiced.sock\n",
     "t.yaml:7:11: error: control.socket: expected an absolute path (starting with /), got "
     "\"sluiced.sock\"\n"},
    {"socket empty", BASE "control:\n  socket: ''\n",
     "t.yaml:7:11: error: control.socket: expected an absolute path (starting with /), got "
     "\"\"\n"},
    {"socket too long", BASE "control:\n  socket: /" D50 D50 "0123456\n",
     "t.yaml:7:11: error: control.socket: path is too long (at most 107 bytes, the limit of "
     "a Unix socket address)\n"},
    {"socket null", BASE "control:\n  socket:\n",
     "t.yaml:7:10: error: control.socket: expected an absolute path, got an empty value\n"},
    {"admin_group starts with a digit", BASE "control:\n  admin_group: 1wheel\n",
     "t.yaml:7:16: error: control.admin_group: expected a group name (letters, digits, '_', "
     "'.', '-'; not starting with a digit, '.' or '-'), got \"1wheel\"\n"},
    {"read_group with a space", BASE "control:\n  read_group: \"a b\"\n",
     "t.yaml:7:15: error: control.read_group: expected a group name (letters, digits, '_', "
     "'.', '-'; not starting with a digit, '.' or '-'), got \"a b\"\n"},
    {"admin_group with $ inside", BASE "control:\n  admin_group: a$b\n",
     "t.yaml:7:16: error: control.admin_group: expected a group name (letters, digits, '_', "
     "'.', '-'; not starting with a digit, '.' or '-'), got \"a$b\"\n"},
    {"admin_group too long",
     BASE "control:\n  admin_group: "
	  "g234567890123456789012345678901234567890123456789012345678901234\n",
     "t.yaml:7:16: error: control.admin_group: too long (at most 63 bytes)\n"},
    {"state_file relative", BASE "control:\n  state_file: state.yaml\n",
     "t.yaml:7:15: error: control.state_file: expected an absolute path (starting with /), "
     "got \"state.yaml\"\n"},
    {"history 0", BASE "control:\n  history: 0\n",
     "t.yaml:7:12: error: control.history: 0 is out of range (expected 1..10000)\n"},
    {"history 10001", BASE "control:\n  history: 10001\n",
     "t.yaml:7:12: error: control.history: 10001 is out of range (expected 1..10000)\n"},

    /* metrics: */
    {"metrics unknown key", BASE "metrics:\n  port: 9465\n",
     "t.yaml:7:3: error: metrics: unknown key \"port\" (expected one of: listen)\n"},
    {"metrics.listen without a port", BASE "metrics:\n  listen: 127.0.0.1\n",
     "t.yaml:7:11: error: metrics.listen: expected ADDRESS:PORT with an IPv4 address "
     "(\"127.0.0.1:9465\"), [IPV6]:PORT (\"[::1]:9465\", quoted) or off, got "
     "\"127.0.0.1\"\n"},
    {"metrics.listen host name", BASE "metrics:\n  listen: localhost:9465\n",
     "t.yaml:7:11: error: metrics.listen: expected ADDRESS:PORT with an IPv4 address "
     "(\"127.0.0.1:9465\"), [IPV6]:PORT (\"[::1]:9465\", quoted) or off, got "
     "\"localhost:9465\"\n"},
    {"metrics.listen IPv6 without brackets", BASE "metrics:\n  listen: \"::1:9465\"\n",
     "t.yaml:7:11: error: metrics.listen: expected ADDRESS:PORT with an IPv4 address "
     "(\"127.0.0.1:9465\"), [IPV6]:PORT (\"[::1]:9465\", quoted) or off, got "
     "\"::1:9465\"\n"},
    {"metrics.listen port 0", BASE "metrics:\n  listen: 127.0.0.1:0\n",
     "t.yaml:7:11: error: metrics.listen: port must be 1..65535, got 0 in \"127.0.0.1:0\"\n"},
    {"metrics.listen port too large", BASE "metrics:\n  listen: \"[::1]:65536\"\n",
     "t.yaml:7:11: error: metrics.listen: expected ADDRESS:PORT with an IPv4 address "
     "(\"127.0.0.1:9465\"), [IPV6]:PORT (\"[::1]:9465\", quoted) or off, got "
     "\"[::1]:65536\"\n"},
    {"metrics.listen unquoted IPv6", BASE "metrics:\n  listen: [::1]:9465\n",
     "t.yaml:7:12: error: YAML syntax: did not find expected node content (while parsing a "
     "flow node at line 7, column 12)\n"},

    /* guard: */
    {"guard unknown key", BASE "guard:\n  drops: 5\n",
     "t.yaml:7:3: error: guard: unknown key \"drops\" (expected one of: backends_down, "
     "drops_per_second)\n"},
    {"guard backends_down negative", BASE "guard:\n  backends_down: -1\n",
     "t.yaml:7:18: error: guard.backends_down: expected an integer 0..131072, got \"-1\"\n"},
    {"guard backends_down too many", BASE "guard:\n  backends_down: 131073\n",
     "t.yaml:7:18: error: guard.backends_down: 131073 is out of range (expected 0..131072)\n"},
    {"guard drops_per_second above 64 bits",
     BASE "guard:\n  drops_per_second: "
	  "18446744073709551616\n",
     "t.yaml:7:21: error: guard.drops_per_second: 18446744073709551616 is out of range "
     "(expected 0..18446744073709551615)\n"},
    {"guard drops_per_second", BASE "guard:\n  drops_per_second: 1e3\n",
     "t.yaml:7:21: error: guard.drops_per_second: expected an integer "
     "0..18446744073709551615, got \"1e3\"\n"},

    /* Several errors in new keys: each reported, in file order. */
    {"many errors",
     BASE TUN VIP("any")       /* 1-14 */
     "    health:\n"	       /* 15 */
     "      type: udp\n"       /* 16 */
     "      path: /x\n"	       /* 17 */
     "      timeout: 3s\n"     /* 18 */
     "    panic_mode: closd\n" /* 19 */
     "    when_empty: drop\n"  /* 20 */
     "control:\n"	       /* 21 */
     "  history: 0\n"	       /* 22 */
     "  state_file: x\n"       /* 23 */
     "guard:\n"		       /* 24 */
     "  backends_down: 1\n",   /* 25 */
     "t.yaml:16:7: error: vips[0].health: missing key \"port\" (type udp needs it: the VIP's "
     "port is any)\n"
     "t.yaml:16:7: error: vips[0].health: missing key \"send\" (required for type udp)\n"
     "t.yaml:17:7: error: vips[0].health.path: only valid with type: http (this check is "
     "udp)\n"
     "t.yaml:18:16: error: vips[0].health.timeout: 3s is longer than the interval (2s)\n"
     "t.yaml:19:17: error: vips[0].panic_mode: expected open or closed, got \"closd\"\n"
     "t.yaml:22:12: error: control.history: 0 is out of range (expected 1..10000)\n"
     "t.yaml:23:15: error: control.state_file: expected an absolute path (starting with /), "
     "got \"x\"\n"},
};

static void test_case(void **state)
{
	const struct err_case *tc = *state;
	struct result r;
	unsigned want_errors = 0, want_warnings = 0;

	for (const char *p = tc->expect; (p = strstr(p, ": error: ")) != NULL; p++)
		want_errors++;
	for (const char *p = tc->expect; (p = strstr(p, ": warning: ")) != NULL; p++)
		want_warnings++;
	parse(tc->yaml, &r);
	if (strcmp(r.out, tc->expect))
		print_error("case \"%s\": got\n%s", tc->name, r.out);
	assert_string_equal(r.out, tc->expect);
	assert_int_equal(r.errors, want_errors);
	assert_int_equal(r.warnings, want_warnings);
	if (want_errors) {
		assert_int_equal(r.rc, -EINVAL);
		assert_null(r.cfg);
	} else {
		assert_int_equal(r.rc, 0);
	}
	result_free(&r);
}

/* ---- to_yaml, round trip ------------------------------------------------------- */

/* parse(to_yaml(c)) == c, and to_yaml is a fixed point after one pass. */
static void check_round_trip(const struct sl_config *c)
{
	char *y1 = sl_config_to_yaml(c, "written by a test\n\nsecond line"), *y2;
	struct sl_config *back;
	struct result r;

	assert_non_null(y1);
	assert_true(!strncmp(y1, "# written by a test\n#\n# second line\nports:\n", 43));
	parse(y1, &r);
	if (r.rc != 0)
		print_error("to_yaml gave:\n%s\nwhich does not parse:\n%s", y1, r.out);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "");
	back = r.cfg;
	assert_true(sl_config_equal(c, back));
	assert_true(sl_config_equal(back, c));
	y2 = sl_config_to_yaml(back, "written by a test\n\nsecond line");
	assert_non_null(y2);
	assert_string_equal(y1, y2);
	free(r.out);
	free(y1);
	free(y2);
	sl_config_free(back);
}

static void test_round_trip_example(void **state)
{
	struct sl_diag d = {.out = stderr};
	struct sl_config *c;

	(void)state;
	assert_int_equal(sl_config_load(example_path, &d, &c), 0);
	check_round_trip(c);
	sl_config_free(c);
}

static void test_round_trip_all_keys(void **state)
{
	struct sl_config *c = good(all_keys);

	(void)state;
	check_round_trip(c);
	/* Texts that need escapes in YAML survive too. */
	strcpy(c->vips[0].health.body, "tab\there \\ \"q\" \x7f \xe2\x80\xa8 \xef\xbb\xbf \xc2\x85 "
				       "\xf0\x9f\x98\x80 #not-a-comment: x");
	strcpy(c->vips[1].health.send, "\x01\x1f\r\n");
	strcpy(c->vips[1].health.expect, " leading and trailing ");
	strcpy(c->admin_group, "");
	c->vips[0].slow_start_ms = 0;
	c->vips[0].bounded_load_pct = 0;
	c->vips[0].health.jitter_ms = 0;
	check_round_trip(c);
	sl_config_free(c);
}

/* The exact canonical text of a small configuration. */
static void test_to_yaml_text(void **state)
{
	struct sl_config *c;
	char *y;

	(void)state;
	c = good_w(BASE "vips:\n  - address: fd00::1\n    port: any\n    protocol: udp\n"
			"    encap: gue\n    backends: []\n",
		   1);
	y = sl_config_to_yaml(c, NULL);
	assert_string_equal(y, "ports:\n"
			       "  - name: \"p0\"\n"
			       "    role: data\n"
			       "tunnel:\n"
			       "  ttl: 64\n"
			       "next_hop:\n"
			       "  port: \"p0\"\n"
			       "  mac: 02:00:00:00:00:01\n"
			       "  mtu: 1500\n"
			       "flow_table:\n"
			       "  size: 1048576\n"
			       "  tcp_timeout: 5m\n"
			       "  tcp_closing_timeout: 10s\n"
			       "  udp_timeout: 30s\n"
			       "maglev:\n"
			       "  table_size: 65537\n"
			       "icmp:\n"
			       "  rate_limit: 100\n"
			       "control:\n"
			       "  socket: \"/run/sluice/sluiced.sock\"\n"
			       "  admin_group: \"\"\n"
			       "  read_group: \"\"\n"
			       "  state_file: \"\"\n"
			       "  history: 64\n"
			       "metrics:\n"
			       "  listen: \"127.0.0.1:9465\"\n"
			       "guard:\n"
			       "  backends_down: 0\n"
			       "  drops_per_second: 100\n"
			       "alerts:\n"
			       "  enabled: true\n"
			       "  warmup: 1m\n"
			       "  baseline: 10m\n"
			       "  repeat: 1m\n"
			       "  resolve_after: 30s\n"
			       "  skew:\n"
			       "    enabled: true\n"
			       "    window: 30s\n"
			       "    min_flows: 300\n"
			       "    z: 5\n"
			       "    min_deviation: 25%\n"
			       "  drop_spike:\n"
			       "    enabled: true\n"
			       "    factor: 3\n"
			       "    min_increase: 100\n"
			       "    sigmas: 6\n"
			       "  rx_missed:\n"
			       "    enabled: true\n"
			       "    factor: 3\n"
			       "    min_increase: 100\n"
			       "    sigmas: 6\n"
			       "  nonsyn_burst:\n"
			       "    enabled: true\n"
			       "    factor: 3\n"
			       "    min_increase: 100\n"
			       "    sigmas: 6\n"
			       "  flapping:\n"
			       "    enabled: true\n"
			       "    window: 1m\n"
			       "    transitions: 4\n"
			       "  latency:\n"
			       "    enabled: true\n"
			       "    factor: 3\n"
			       "    min_increase: 10ms\n"
			       "    samples: 5\n"
			       "  vip_empty:\n"
			       "    enabled: true\n"
			       "  hook:\n"
			       "    command: \"\"\n"
			       "    timeout: 10s\n"
			       "    max_running: 4\n"
			       "vips:\n"
			       "  - address: fd00::1\n"
			       "    port: any\n"
			       "    protocol: udp\n"
			       "    encap: gue\n"
			       "    gue_port: 6080\n"
			       "    table_size: 65537\n"
			       "    health:\n"
			       "      type: none\n"
			       "      interval: 2s\n"
			       "      timeout: 1s\n"
			       "      jitter: 200ms\n"
			       "      rise: 2\n"
			       "      fall: 3\n"
			       "    slow_start: off\n"
			       "    drain_timeout: 5m\n"
			       "    backup_threshold: 50%\n"
			       "    backup_hysteresis: 10%\n"
			       "    panic_threshold: 30%\n"
			       "    panic_mode: open\n"
			       "    bounded_load: off\n"
			       "    bounded_load_window: 1s\n"
			       "    when_empty: drop\n"
			       "    backends: []\n");
	free(y);
	/* No VIPs at all. */
	c->nb_vips = 0;
	y = sl_config_to_yaml(c, NULL);
	assert_non_null(strstr(y, "\nvips: []\n"));
	free(y);
	c->nb_vips = 1;
	sl_config_free(c);
}

/* sl_config_validate finds what the parser would: e.g. a weight set out of
 * range behind the parser's back, or a missing tunnel source. */
static void test_validate(void **state)
{
	struct sl_config *c = good(all_keys);
	char *out = NULL;
	size_t size = 0;
	FILE *f = open_memstream(&out, &size);
	struct sl_diag d = {.out = f};

	(void)state;
	assert_int_equal(sl_config_validate(c, "running", &d, NULL), 0);
	c->vips[0].backends[1].weight = 70000;
	c->has_src6 = false;
	assert_int_equal(sl_config_validate(c, "running", &d, NULL), -EINVAL);
	fclose(f);
	assert_int_equal(d.errors, 3);
	assert_non_null(strstr(out, ": error: vips[0].backends[1].weight: 70000 is out of range "
				    "(expected 0..65535)\n"));
	assert_non_null(strstr(out, ": error: vips[0].encap: gue with IPv6 backends needs "
				    "tunnel.source6 (the outer IPv6 source)\n"));
	assert_non_null(strstr(out, ": error: vips[1].encap: ip6ip6 needs tunnel.source6 (the "
				    "outer IPv6 source)\n"));
	assert_true(!strncmp(out, "running:", 8));
	free(out);
	sl_config_free(c);
}

/* ---- dup, equal ------------------------------------------------------------------ */

static void test_dup_equal(void **state)
{
	struct sl_config *a = good(all_keys), *b;
	struct sl_config_vip tmpv;
	struct sl_config_backend tmpb;

	(void)state;
	b = sl_config_dup(a);
	assert_non_null(b);
	assert_ptr_not_equal(b->vips, a->vips);
	assert_ptr_not_equal(b->vips[0].backends, a->vips[0].backends);
	assert_true(sl_config_equal(a, b));
	/* Positions do not count. */
	b->vips[0].line = 999;
	b->vips[0].backends[0].col = 999;
	assert_true(sl_config_equal(a, b));
	/* Order of VIPs and of backends does not count either. */
	tmpv = b->vips[0];
	b->vips[0] = b->vips[1];
	b->vips[1] = tmpv;
	tmpb = b->vips[1].backends[0];
	b->vips[1].backends[0] = b->vips[1].backends[2];
	b->vips[1].backends[2] = tmpb;
	assert_true(sl_config_equal(a, b));
	assert_true(sl_config_equal(b, a));
	sl_config_free(b);

	/* Every field counts.  Each change is made on a fresh copy. */
#define DIFFERS(stmt)                                               \
	do {                                                        \
		struct sl_config *x = sl_config_dup(a);             \
		struct sl_config_vip *v = &x->vips[0];              \
		struct sl_config_backend *be = &v->backends[1];     \
		(void)v;                                            \
		(void)be;                                           \
		stmt;                                               \
		if (sl_config_equal(a, x) || sl_config_equal(x, a)) \
			fail_msg("equal after: %s", #stmt);         \
		sl_config_free(x);                                  \
	} while (0)
	DIFFERS(x->ports[1].role = SL_PORT_DATA);
	DIFFERS(x->ports[0].name[1] = 'X');
	DIFFERS(x->nb_ports = 1);
	DIFFERS(x->has_src4 = false);
	DIFFERS(x->src6[15]++);
	DIFFERS(x->next_hop_mac[5]++);
	DIFFERS(x->next_hop_port[0] = 'q');
	DIFFERS(x->mtu++);
	DIFFERS(x->ttl++);
	DIFFERS(x->flow_table_size *= 2);
	DIFFERS(x->tcp_timeout_ms++);
	DIFFERS(x->tcp_closing_timeout_ms++);
	DIFFERS(x->udp_timeout_ms++);
	DIFFERS(x->maglev_size = 65537);
	DIFFERS(x->icmp_rate++);
	DIFFERS(x->control_socket[1] = 'x');
	DIFFERS(x->admin_group[0] = 'x');
	DIFFERS(x->read_group[0] = 'x');
	DIFFERS(x->state_file[1] = 'x');
	DIFFERS(x->history++);
	DIFFERS(x->guard_backends_down++);
	DIFFERS(x->guard_drops_per_s++);
	DIFFERS(x->nb_vips = 1; free(x->vips[1].backends)); /* free: sl_config_free won't */
	DIFFERS(v->addr[3]++);
	DIFFERS(v->port++);
	DIFFERS(v->proto = IPPROTO_UDP);
	DIFFERS(v->encap = SL_ENCAP_IPIP);
	DIFFERS(v->gue_port++);
	DIFFERS(v->table_size = 65537);
	DIFFERS(v->health.kind = SL_HC_TCP);
	DIFFERS(v->health.port++);
	DIFFERS(v->health.interval_ms++);
	DIFFERS(v->health.timeout_ms++);
	DIFFERS(v->health.jitter_ms++);
	DIFFERS(v->health.rise++);
	DIFFERS(v->health.fall++);
	DIFFERS(v->health.path[1] = 'X');
	DIFFERS(v->health.host[0] = 'X');
	DIFFERS(v->health.status++);
	DIFFERS(v->health.body[0] = 'X');
	DIFFERS(x->vips[1].health.send[0] = 'X');
	DIFFERS(x->vips[1].health.expect[0] = 'X');
	DIFFERS(v->slow_start_ms++);
	DIFFERS(v->drain_timeout_ms++);
	DIFFERS(v->backup_threshold_pct++);
	DIFFERS(v->backup_hysteresis_pct++);
	DIFFERS(v->panic_threshold_pct++);
	DIFFERS(v->panic_mode = SL_PANIC_OPEN);
	DIFFERS(v->bounded_load_pct++);
	DIFFERS(v->bounded_load_window_ms++);
	DIFFERS(v->when_empty = SL_EMPTY_DROP);
	DIFFERS(v->nb_backends--);
	DIFFERS(be->addr[15]++);
	DIFFERS(be->family = SL_AF_INET);
	DIFFERS(be->weight++);
	DIFFERS(be->state = SL_ADMIN_ENABLED);
	DIFFERS(be->pool = SL_POOL_PRIMARY);
#undef DIFFERS
	sl_config_free(a);
}

/* ---- find ------------------------------------------------------------------------ */

static void test_find(void **state)
{
	struct sl_config *c = good(all_keys);
	uint8_t a[16], fam;

	(void)state;
	pton("fd00:99:100::1", &fam, a);
	assert_int_equal(sl_config_find_vip(c, fam, a, 0, IPPROTO_UDP), 1);
	assert_int_equal(sl_config_find_vip(c, fam, a, 0, IPPROTO_TCP), -1);
	assert_int_equal(sl_config_find_vip(c, fam, a, 53, IPPROTO_UDP), -1);
	pton("10.99.100.1", &fam, a);
	assert_int_equal(sl_config_find_vip(c, fam, a, 80, IPPROTO_TCP), 0);
	assert_int_equal(sl_config_find_vip(c, SL_AF_INET6, a, 80, IPPROTO_TCP), -1);
	pton("fd00:99:1::2", &fam, a);
	assert_int_equal(sl_config_find_backend(&c->vips[0], fam, a), 1);
	assert_int_equal(sl_config_find_backend(&c->vips[1], fam, a), -1);
	pton("10.99.1.3", &fam, a);
	assert_int_equal(sl_config_find_backend(&c->vips[0], fam, a), 2);
	sl_config_free(c);
}

/* ---- diff -------------------------------------------------------------------------- */

static const char diff_a[] = BASE TUN "vips:\n"
				      "  - address: 10.99.100.1\n"
				      "    port: 80\n"
				      "    protocol: tcp\n"
				      "    encap: ipip\n"
				      "    backends:\n"
				      "      - {address: 10.99.1.1}\n"
				      "      - {address: 10.99.1.2}\n"
				      "      - {address: 10.99.1.3}\n"
				      "  - address: fd00:99::1\n"
				      "    port: 443\n"
				      "    protocol: tcp\n"
				      "    encap: ip6ip6\n"
				      "    backends: [{address: 'fd00:99:1::1'}]\n"
				      "  - address: 10.99.100.9\n"
				      "    port: any\n"
				      "    protocol: udp\n"
				      "    encap: ipip\n"
				      "    backends: []\n";

static void test_diff(void **state)
{
	struct sl_config *a, *b;
	char *d;

	(void)state;
	a = good_w(diff_a, 1);
	b = sl_config_dup(a);
	d = sl_config_diff(a, b);
	assert_string_equal(d, "");
	free(d);
	sl_config_free(b);

	/* The same VIPs in another order, with changes. */
	b = good("ports:\n"
		 "  - name: p0\n"
		 "  - name: t0\n"
		 "    role: kernel\n"
		 "next_hop:\n"
		 "  port: p0\n"
		 "  mac: 02:00:00:00:00:01\n"
		 "  mtu: 9000\n"
		 "tunnel:\n"
		 "  source6: fd00::2\n"
		 "  source4: 10.0.0.3\n"
		 "control:\n"
		 "  admin_group: ops\n"
		 "vips:\n"
		 "  - address: fd00:99::1\n"
		 "    port: 443\n"
		 "    protocol: tcp\n"
		 "    encap: ip6ip6\n"
		 "    health: {type: http, interval: 1s}\n"
		 "    bounded_load: 200%\n"
		 "    backends: [{address: 'fd00:99:1::1', state: draining}]\n"
		 "  - address: 10.99.100.1\n"
		 "    port: 80\n"
		 "    protocol: tcp\n"
		 "    encap: gue\n"
		 "    backends:\n"
		 "      - {address: 10.99.1.4}\n"
		 "      - {address: 10.99.1.1, weight: 50}\n"
		 "      - {address: 10.99.1.3, pool: backup, weight: 7, state: disabled}\n"
		 "      - {address: 10.99.1.5, pool: backup, state: disabled}\n"
		 "  - address: 10.99.100.1\n"
		 "    port: 81\n"
		 "    protocol: tcp\n"
		 "    encap: ipip\n"
		 "    backends: [{address: 10.99.1.1}]\n");
	d = sl_config_diff(a, b);
	assert_string_equal(d,
			    "+ ports[1]: name \"t0\", role kernel\n"
			    "~ tunnel.source4: 10.0.0.2 -> 10.0.0.3\n"
			    "~ next_hop.mtu: 1500 -> 9000\n"
			    "~ control.admin_group: \"\" -> \"ops\"\n"
			    "~ vip 10.99.100.1:80/tcp encap: ipip -> gue\n"
			    "~ vip 10.99.100.1:80/tcp gue_port: - -> 6080\n"
			    "~ vip 10.99.100.1:80/tcp backend 10.99.1.1 weight: 100 -> 50\n"
			    "- vip 10.99.100.1:80/tcp backend 10.99.1.2\n"
			    "~ vip 10.99.100.1:80/tcp backend 10.99.1.3 pool: primary -> backup\n"
			    "~ vip 10.99.100.1:80/tcp backend 10.99.1.3 weight: 100 -> 7\n"
			    "~ vip 10.99.100.1:80/tcp backend 10.99.1.3 state: enabled -> "
			    "disabled\n"
			    "+ vip 10.99.100.1:80/tcp backend 10.99.1.4 (pool primary, weight "
			    "100)\n"
			    "+ vip 10.99.100.1:80/tcp backend 10.99.1.5 (pool backup, weight 100, "
			    "state disabled)\n"
			    "+ vip 10.99.100.1:81/tcp\n"
			    "- vip 10.99.100.9:any/udp\n"
			    "~ vip [fd00:99::1]:443/tcp health.type: tcp -> http\n"
			    "~ vip [fd00:99::1]:443/tcp health.interval: 2s -> 1s\n"
			    "~ vip [fd00:99::1]:443/tcp health.jitter: 200ms -> 100ms\n"
			    "~ vip [fd00:99::1]:443/tcp health.path: - -> \"/\"\n"
			    "~ vip [fd00:99::1]:443/tcp health.host: - -> \"\"\n"
			    "~ vip [fd00:99::1]:443/tcp health.status: - -> 200\n"
			    "~ vip [fd00:99::1]:443/tcp health.body: - -> \"\"\n"
			    "~ vip [fd00:99::1]:443/tcp bounded_load: off -> 200%\n"
			    "~ vip [fd00:99::1]:443/tcp backend fd00:99:1::1 state: enabled -> "
			    "draining\n");
	free(d);
	/* And back: the mirror image, in the same order. */
	d = sl_config_diff(b, a);
	assert_string_equal(d,
			    "- ports[1]: name \"t0\", role kernel\n"
			    "~ tunnel.source4: 10.0.0.3 -> 10.0.0.2\n"
			    "~ next_hop.mtu: 9000 -> 1500\n"
			    "~ control.admin_group: \"ops\" -> \"\"\n"
			    "~ vip 10.99.100.1:80/tcp encap: gue -> ipip\n"
			    "~ vip 10.99.100.1:80/tcp gue_port: 6080 -> -\n"
			    "~ vip 10.99.100.1:80/tcp backend 10.99.1.1 weight: 50 -> 100\n"
			    "+ vip 10.99.100.1:80/tcp backend 10.99.1.2 (pool primary, weight "
			    "100)\n"
			    "~ vip 10.99.100.1:80/tcp backend 10.99.1.3 pool: backup -> primary\n"
			    "~ vip 10.99.100.1:80/tcp backend 10.99.1.3 weight: 7 -> 100\n"
			    "~ vip 10.99.100.1:80/tcp backend 10.99.1.3 state: disabled -> "
			    "enabled\n"
			    "- vip 10.99.100.1:80/tcp backend 10.99.1.4\n"
			    "- vip 10.99.100.1:80/tcp backend 10.99.1.5\n"
			    "- vip 10.99.100.1:81/tcp\n"
			    "+ vip 10.99.100.9:any/udp\n"
			    "~ vip [fd00:99::1]:443/tcp health.type: http -> tcp\n"
			    "~ vip [fd00:99::1]:443/tcp health.interval: 1s -> 2s\n"
			    "~ vip [fd00:99::1]:443/tcp health.jitter: 100ms -> 200ms\n"
			    "~ vip [fd00:99::1]:443/tcp health.path: \"/\" -> -\n"
			    "~ vip [fd00:99::1]:443/tcp health.host: \"\" -> -\n"
			    "~ vip [fd00:99::1]:443/tcp health.status: 200 -> -\n"
			    "~ vip [fd00:99::1]:443/tcp health.body: \"\" -> -\n"
			    "~ vip [fd00:99::1]:443/tcp bounded_load: 200% -> off\n"
			    "~ vip [fd00:99::1]:443/tcp backend fd00:99:1::1 state: draining -> "
			    "enabled\n");
	free(d);
	sl_config_free(b);

	/* Unset settings, control and guard keys, strings with escapes. */
	b = sl_config_dup(a);
	b->has_src6 = false;
	b->history = 10;
	b->guard_drops_per_s = 0;
	strcpy(b->state_file, "/x \"y\"");
	b->vips[0].slow_start_ms = 90000;
	b->vips[0].drain_timeout_ms = 1500;
	b->vips[0].panic_mode = SL_PANIC_CLOSED;
	b->vips[0].when_empty = SL_EMPTY_UNREACHABLE;
	b->vips[0].backup_threshold_pct = 0;
	d = sl_config_diff(a, b);
	assert_string_equal(d, "~ tunnel.source6: fd00::2 -> -\n"
			       "~ control.state_file: \"\" -> \"/x \\\"y\\\"\"\n"
			       "~ control.history: 64 -> 10\n"
			       "~ guard.drops_per_second: 100 -> 0\n"
			       "~ vip 10.99.100.1:80/tcp slow_start: off -> 90s\n"
			       "~ vip 10.99.100.1:80/tcp drain_timeout: 5m -> 1500ms\n"
			       "~ vip 10.99.100.1:80/tcp backup_threshold: 50% -> 0%\n"
			       "~ vip 10.99.100.1:80/tcp panic_mode: open -> closed\n"
			       "~ vip 10.99.100.1:80/tcp when_empty: drop -> unreachable\n");
	free(d);
	sl_config_free(b);
	sl_config_free(a);
}

/* ---- one VIP / backend from the control socket ------------------------------- */

struct out {
	char *text;
	size_t size;
	FILE *f;
	struct sl_diag d;
};

static void out_open(struct out *o)
{
	memset(o, 0, sizeof(*o));
	o->f = open_memstream(&o->text, &o->size);
	assert_non_null(o->f);
	o->d.out = o->f;
}

/* Closes the stream and returns the text (freed by the next out_open user). */
static const char *out_close(struct out *o)
{
	fclose(o->f);
	return o->text;
}

static void test_parse_vip_json(void **state)
{
	struct sl_config *cfg = good(BASE "maglev: {table_size: 1009}\n");
	struct sl_config_vip v;
	struct out o;

	(void)state;
	out_open(&o);
	assert_int_equal(
	    sl_config_parse_vip("{\"address\": \"fd00:99::1\", \"port\": \"any\", \"protocol\": "
				"\"udp\", \"encap\": \"gue\", \"health\": {\"type\": \"udp\", "
				"\"port\": 53, \"send\": \"q\", \"interval\": \"5s\"}, "
				"\"backup_threshold\": \"20%\", \"bounded_load\": \"off\", "
				"\"backends\": [{\"address\": \"10.99.1.1\", \"weight\": 5, "
				"\"pool\": \"backup\"}, {\"address\": \"fd00:99:1::1\"}]}",
				"cli", cfg, &o.d, &v),
	    0);
	assert_string_equal(out_close(&o), "");
	free(o.text);
	assert_int_equal(v.family, SL_AF_INET6);
	assert_string_equal(v.addr_str, "fd00:99::1");
	assert_int_equal(v.port, 0);
	assert_int_equal(v.proto, IPPROTO_UDP);
	assert_int_equal(v.encap, SL_ENCAP_GUE);
	assert_int_equal(v.gue_port, 6080);
	assert_int_equal(v.table_size, 1009); /* from cfg */
	assert_int_equal(v.health.kind, SL_HC_UDP);
	assert_int_equal(v.health.port, 53);
	assert_string_equal(v.health.send, "q");
	assert_int_equal(v.health.jitter_ms, 500);
	assert_int_equal(v.backup_threshold_pct, 20);
	assert_int_equal(v.drain_timeout_ms, 300000);
	assert_int_equal(v.nb_backends, 2);
	assert_int_equal(v.backends[0].weight, 5);
	assert_int_equal(v.backends[0].pool, SL_POOL_BACKUP);
	assert_string_equal(v.backends[1].addr_str, "fd00:99:1::1");
	assert_int_equal(v.line, 1);
	assert_int_equal(v.col, 1);
	sl_config_vip_clear(&v);
	assert_null(v.backends);
	assert_int_equal(v.nb_backends, 0);

	/* YAML works the same; no cfg: built-in defaults. */
	assert_int_equal(sl_config_parse_vip("address: 10.0.0.1\nport: 80\nprotocol: tcp\n"
					     "encap: ipip\nbackends: []\n",
					     "cli", NULL, NULL, &v),
			 0);
	assert_int_equal(v.table_size, 65537);
	assert_int_equal(v.health.kind, SL_HC_TCP);
	assert_int_equal(v.health.port, 80);
	sl_config_vip_clear(&v);

	/* Errors: every one, at its position in the text, keys named vip.*;
	 * the VIP's own checks run, whole-configuration ones do not (no
	 * tunnel source is needed here). */
	out_open(&o);
	assert_int_equal(sl_config_parse_vip("{\"address\": \"10.0.0.1\", \"port\": 80, "
					     "\"protocol\": \"tcp\", \"encap\": \"ip6ip6\",\n"
					     " \"color\": 1, \"health\": {\"rise\": 0},\n"
					     " \"backends\": [{\"address\": \"10.0.1.1\"}, "
					     "{\"address\": \"10.0.1.1\", \"weight\": \"5\"}]}",
					     "cli", cfg, &o.d, &v),
			 -EINVAL);
	assert_string_equal(
	    out_close(&o),
	    "cli:1:65: error: vip.encap: ip6ip6 needs an IPv6 VIP, but 10.0.0.1 is IPv4\n"
	    "cli:2:2: error: vip: unknown key \"color\" (expected one of: address, port, "
	    "protocol, encap, gue_port, table_size, health, slow_start, drain_timeout, "
	    "backup_threshold, backup_hysteresis, panic_threshold, panic_mode, bounded_load, "
	    "bounded_load_window, when_empty, backends)\n"
	    "cli:2:33: error: vip.health.rise: 0 is out of range (expected 1..100)\n"
	    "cli:3:27: error: vip.backends[0].address: encap ip6ip6 needs IPv6 backends, but "
	    "10.0.1.1 is IPv4\n"
	    "cli:3:52: error: vip.backends[1].address: encap ip6ip6 needs IPv6 backends, but "
	    "10.0.1.1 is IPv4\n"
	    "cli:3:52: error: vip.backends[1].address: duplicate backend 10.0.1.1 (first at line "
	    "3)\n"
	    "cli:3:74: error: vip.backends[1].weight: expected an integer 0..65535, got a quoted "
	    "string\n");
	free(o.text);
	assert_null(v.backends);
	assert_int_equal(v.nb_backends, 0);

	/* Duplicates inside the VIP are its own business. */
	out_open(&o);
	assert_int_equal(sl_config_parse_vip("{address: 10.0.0.1, port: 80, protocol: tcp, "
					     "encap: ipip, backends: [{address: 10.0.1.1}, "
					     "{address: 10.0.1.1}]}",
					     "cli", cfg, &o.d, &v),
			 -EINVAL);
	assert_string_equal(out_close(&o), "cli:1:101: error: vip.backends[1].address: duplicate "
					   "backend 10.0.1.1 (first at line 1)\n");
	free(o.text);

	/* Not a mapping, empty, two documents, syntax. */
	out_open(&o);
	assert_int_equal(sl_config_parse_vip("[1, 2]", "cli", cfg, &o.d, &v), -EINVAL);
	assert_int_equal(sl_config_parse_vip("", "cli", cfg, &o.d, &v), -EINVAL);
	assert_int_equal(sl_config_parse_vip("{}\n--- {}\n", "cli", cfg, &o.d, &v), -EINVAL);
	assert_int_equal(sl_config_parse_vip("{\"address\": ", "cli", cfg, &o.d, &v), -EINVAL);
	assert_string_equal(out_close(&o),
			    "cli:1:1: error: vip: expected a mapping, got a list\n"
			    "cli:1:1: error: vip: empty input (expected a mapping with the keys of "
			    "a vips entry)\n"
			    "cli:1:1: error: vip: missing required key \"address\"\n"
			    "cli:1:1: error: vip: missing required key \"port\"\n"
			    "cli:1:1: error: vip: missing required key \"protocol\"\n"
			    "cli:1:1: error: vip: missing required key \"encap\"\n"
			    "cli:1:1: error: vip: missing required key \"backends\"\n"
			    "cli:2:1: error: a second YAML document; the input must be one "
			    "document\n"
			    "cli:2:1: error: YAML syntax: did not find expected node content "
			    "(while parsing a flow node at line 2, column 1)\n");
	free(o.text);
	sl_config_free(cfg);
}

static void test_parse_backend_json(void **state)
{
	struct sl_config_backend b;
	struct out o;

	(void)state;
	assert_int_equal(sl_config_parse_backend("{\"address\": \"FD00:99::0:1\", \"weight\": 0, "
						 "\"state\": \"draining\", \"pool\": \"backup\"}",
						 "cli", NULL, &b),
			 0);
	assert_int_equal(b.family, SL_AF_INET6);
	assert_string_equal(b.addr_str, "fd00:99::1");
	assert_int_equal(b.weight, 0);
	assert_int_equal(b.state, SL_ADMIN_DRAINING);
	assert_int_equal(b.pool, SL_POOL_BACKUP);
	assert_int_equal(sl_config_parse_backend("address: 10.99.1.1", "cli", NULL, &b), 0);
	assert_string_equal(b.addr_str, "10.99.1.1");
	assert_int_equal(b.weight, 100);
	assert_int_equal(b.state, SL_ADMIN_ENABLED);
	assert_int_equal(b.pool, SL_POOL_PRIMARY);

	out_open(&o);
	o.d.file = "ignored";
	assert_int_equal(sl_config_parse_backend("{\"address\": \"10.99.1.x\", \"weight\": -1,\n"
						 " \"state\": \"up\", \"zone\": \"a\"}",
						 NULL, &o.d, &b),
			 -EINVAL);
	o.d.file = NULL;
	assert_int_equal(sl_config_parse_backend("{\"weight\": 1}", "b", &o.d, &b), -EINVAL);
	assert_string_equal(
	    out_close(&o), "ignored:1:13: error: backend.address: expected an IPv4 or IPv6 "
			   "address, got \"10.99.1.x\"\n"
			   "ignored:1:36: error: backend.weight: expected an integer 0..65535, got "
			   "\"-1\"\n"
			   "ignored:2:11: error: backend.state: expected enabled, disabled or "
			   "draining, got \"up\"\n"
			   "ignored:2:17: error: backend: unknown key \"zone\" (expected one of: "
			   "address, weight, state, pool)\n"
			   "b:1:1: error: backend: missing required key \"address\"\n");
	assert_int_equal(o.d.errors, 5);
	free(o.text);
	assert_int_equal(b.family, 0); /* zeroed on error */
}

/* ---- vip_update ----------------------------------------------------------------- */

static void test_vip_update(void **state)
{
	struct sl_config *c = good(all_keys);
	struct sl_config_vip *v = &c->vips[0], before;
	struct out o;

	(void)state;
	/* Only what is given changes; health is merged key by key. */
	before = *v;
	assert_int_equal(
	    sl_config_vip_update(v,
				 "{\"health\": {\"rise\": 9}, \"panic_mode\": \"open\", "
				 "\"slow_start\": \"off\"}",
				 "cli", NULL),
	    0);
	assert_int_equal(v->health.rise, 9);
	assert_int_equal(v->panic_mode, SL_PANIC_OPEN);
	assert_int_equal(v->slow_start_ms, 0);
	assert_int_equal(v->health.kind, SL_HC_HTTP);
	assert_string_equal(v->health.path, "/healthz?full=1");
	assert_int_equal(v->health.fall, 7);
	assert_int_equal(v->bounded_load_pct, 125);
	assert_ptr_equal(v->backends, before.backends);
	assert_int_equal(v->nb_backends, 3);

	/* An empty mapping changes nothing. */
	before = *v;
	assert_int_equal(sl_config_vip_update(v, "{}", "cli", NULL), 0);
	assert_memory_equal(v, &before, sizeof(before));

	/* Switching type: the new type's keys start at their defaults, the old
	 * one's are cleared (no stale bytes either: specs are memcmp'd). */
	assert_int_equal(sl_config_vip_update(v, "health: {type: udp, send: hi}", "cli", NULL), 0);
	assert_int_equal(v->health.kind, SL_HC_UDP);
	assert_string_equal(v->health.send, "hi");
	assert_string_equal(v->health.expect, "");
	for (size_t i = 0; i < SL_HC_TEXT_MAX; i++)
		if (v->health.path[i] || v->health.host[i] || v->health.body[i] ||
		    (i >= 2 && v->health.send[i]))
			fail_msg("stale byte at %zu", i);
	assert_int_equal(v->health.status, 0);
	assert_int_equal(sl_config_vip_update(v, "health: {type: http}", "cli", NULL), 0);
	assert_string_equal(v->health.path, "/");
	assert_int_equal(v->health.status, 200);
	assert_string_equal(v->health.send, "");
	/* Shorter text over longer: the tail is zeroed. */
	assert_int_equal(sl_config_vip_update(v, "health: {path: /abcdef}", "cli", NULL), 0);
	assert_int_equal(sl_config_vip_update(v, "health: {path: /a}", "cli", NULL), 0);
	assert_int_equal(v->health.path[3], 0);
	assert_int_equal(v->health.path[5], 0);

	/* A jitter at its default follows the interval; a set one stays. */
	assert_int_equal(
	    sl_config_vip_update(v, "health: {interval: 2s, jitter: 200ms}", "cli", NULL), 0);
	assert_int_equal(sl_config_vip_update(v, "health: {interval: 5s}", "cli", NULL), 0);
	assert_int_equal(v->health.jitter_ms, 500);
	assert_int_equal(sl_config_vip_update(v, "health: {jitter: 7ms}", "cli", NULL), 0);
	assert_int_equal(sl_config_vip_update(v, "health: {interval: 3s}", "cli", NULL), 0);
	assert_int_equal(v->health.jitter_ms, 7);

	/* encap: gue brings its port; another encap drops it. */
	assert_int_equal(sl_config_vip_update(v, "encap: ipip", "cli", NULL), 0);
	assert_int_equal(v->gue_port, 0);
	assert_int_equal(sl_config_vip_update(v, "encap: gue", "cli", NULL), 0);
	assert_int_equal(v->gue_port, 6080);
	assert_int_equal(sl_config_vip_update(v, "{encap: gue, gue_port: 9}", "cli", NULL), 0);
	assert_int_equal(sl_config_vip_update(v, "{encap: gue}", "cli", NULL), 0);
	assert_int_equal(v->gue_port, 9);

	/* Errors: all reported, *v untouched. */
	before = *v;
	out_open(&o);
	assert_int_equal(sl_config_vip_update(v,
					      "{\"address\": \"10.0.0.9\", \"port\": 81,\n"
					      " \"backends\": [], \"weight\": 5,\n"
					      " \"health\": {\"timeout\": \"4s\", \"rise\": 2},\n"
					      " \"encap\": \"ipip\", \"gue_port\": 7,\n"
					      " \"backup_hysteresis\": \"61%\", \"when_empty\": "
					      "\"drop\"}",
					      "cli", &o.d),
			 -EINVAL);
	assert_string_equal(
	    out_close(&o),
	    "cli:1:2: error: vip.address: cannot be changed by an update (a VIP is named by its "
	    "address, port and protocol: add a new VIP instead)\n"
	    "cli:1:25: error: vip.port: cannot be changed by an update (a VIP is named by its "
	    "address, port and protocol: add a new VIP instead)\n"
	    "cli:2:2: error: vip.backends: cannot be changed by an update (backends are added, "
	    "changed and removed one by one)\n"
	    "cli:2:18: error: vip: unknown key \"weight\" (expected one of: encap, gue_port, "
	    "table_size, health, slow_start, drain_timeout, backup_threshold, "
	    "backup_hysteresis, panic_threshold, panic_mode, bounded_load, bounded_load_window, "
	    "when_empty)\n"
	    "cli:3:24: error: vip.health.timeout: 4s is longer than the interval (3s)\n"
	    "cli:4:19: error: vip.gue_port: only valid with encap: gue (this VIP uses ipip)\n"
	    "cli:5:23: error: vip.backup_hysteresis: backup_threshold 40% + backup_hysteresis "
	    "61% is above 100%; the primary pool could never take over again\n");
	free(o.text);
	assert_memory_equal(v, &before, sizeof(before));

	/* A check that needs a port on a port-any VIP. */
	v = &c->vips[1];
	out_open(&o);
	assert_int_equal(sl_config_vip_update(v, "health: {type: none}", "cli", &o.d), 0);
	assert_int_equal(v->health.kind, SL_HC_NONE);
	v->health.port = 0;
	assert_int_equal(sl_config_vip_update(v, "health: {type: tcp}", "cli", &o.d), -EINVAL);
	assert_int_equal(sl_config_vip_update(v, "health: {type: tcp, port: 22}", "cli", &o.d), 0);
	assert_int_equal(
	    sl_config_vip_update(v, "health: {timeout: 100ms, jitter: 400ms}", "cli", &o.d), 0);
	assert_int_equal(sl_config_vip_update(v, "health: {interval: 300ms}", "cli", &o.d),
			 -EINVAL);
	assert_int_equal(sl_config_vip_update(v, "7", "cli", &o.d), -EINVAL);
	assert_int_equal(sl_config_vip_update(v, "", "cli", &o.d), -EINVAL);
	assert_string_equal(out_close(&o),
			    "cli:1:9: error: vip.health: missing key \"port\" (type tcp needs it: "
			    "the VIP's port is any)\n"
			    "cli:1:20: error: vip.health.interval: 300ms must be longer than the "
			    "jitter (400ms)\n"
			    "cli:1:1: error: vip: expected a mapping, got a scalar\n"
			    "cli:1:1: error: vip: empty input (expected a mapping of VIP "
			    "settings)\n");
	free(o.text);
	assert_int_equal(v->health.kind, SL_HC_TCP);
	assert_int_equal(v->health.port, 22);
	sl_config_free(c);
}

/* ---- VIP references and names --------------------------------------------------- */

static void test_vip_ref(void **state)
{
	static const struct {
		const char *text;
		uint8_t family;
		const char *addr;
		uint16_t port;
		uint8_t proto;
	} good_refs[] = {
	    {"10.99.100.1:80/tcp", SL_AF_INET, "10.99.100.1", 80, IPPROTO_TCP},
	    {"10.99.100.1:any/udp", SL_AF_INET, "10.99.100.1", 0, IPPROTO_UDP},
	    {"[fd00:99::1]:443/tcp", SL_AF_INET6, "fd00:99::1", 443, IPPROTO_TCP},
	    {"[fd00:99::]:65535/udp", SL_AF_INET6, "fd00:99::", 65535, IPPROTO_UDP},
	    {"[::ffff:10.0.0.1]:any/tcp", SL_AF_INET6, "::ffff:10.0.0.1", 0, IPPROTO_TCP},
	};
	static const char *const bad_refs[] = {
	    "",
	    "10.99.100.1",
	    "10.99.100.1:80",
	    "10.99.100.1:80/",
	    "10.99.100.1:80/sctp",
	    "10.99.100.1:80/TCP",
	    "10.99.100.1:0/tcp",
	    "10.99.100.1:65536/tcp",
	    "10.99.100.1:-1/tcp",
	    "10.99.100.1:/tcp",
	    "10.99.100.1:8o/tcp",
	    "10.99.100.1:anyx/tcp",
	    "10.99.100.1:80/tcp ",
	    "fd00:99::1:80/tcp",
	    "[fd00:99::1:80/tcp",
	    "[fd00:99::1]80/tcp",
	    "[fd00:99::1]x443/tcp",
	    "10.99.100.1x:443/tcp",
	    "[10.0.0.1]:80/tcp",
	    "[]:80/tcp",
	    "host.example:80/tcp",
	    "10.99.100.256:80/tcp",
	};
	char buf[SL_VIP_REF_MAX];
	struct sl_config_vip v;

	(void)state;
	for (size_t i = 0; i < sizeof(good_refs) / sizeof(good_refs[0]); i++) {
		uint8_t want[16], fam;

		memset(&v, 0, sizeof(v));
		assert_int_equal(sl_config_parse_vip_ref(good_refs[i].text, &v.family, v.addr,
							 &v.port, &v.proto),
				 0);
		pton(good_refs[i].addr, &fam, want);
		assert_int_equal(v.family, good_refs[i].family);
		assert_memory_equal(v.addr, want, 16);
		assert_int_equal(v.port, good_refs[i].port);
		assert_int_equal(v.proto, good_refs[i].proto);
		/* And back to the same text. */
		sl_config_vip_ref(&v, buf, sizeof(buf));
		assert_string_equal(buf, good_refs[i].text);
	}
	for (size_t i = 0; i < sizeof(bad_refs) / sizeof(bad_refs[0]); i++)
		if (sl_config_parse_vip_ref(bad_refs[i], &v.family, v.addr, &v.port, &v.proto) !=
		    -EINVAL)
			fail_msg("accepted \"%s\"", bad_refs[i]);
	assert_int_equal(sl_config_parse_vip_ref(NULL, &v.family, v.addr, &v.port, &v.proto),
			 -EINVAL);

	/* The longest reference fits SL_VIP_REF_MAX. */
	assert_int_equal(sl_config_parse_vip_ref("[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:"
						 "65535/tcp",
						 &v.family, v.addr, &v.port, &v.proto),
			 0);
	sl_config_vip_ref(&v, buf, sizeof(buf));
	assert_string_equal(buf, "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535/tcp");
	/* A truncating buffer stays terminated. */
	sl_config_vip_ref(&v, buf, 5);
	assert_string_equal(buf, "[fff");
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(sl_admin_state_name(SL_ADMIN_ENABLED), "enabled");
	assert_string_equal(sl_admin_state_name(SL_ADMIN_DISABLED), "disabled");
	assert_string_equal(sl_admin_state_name(SL_ADMIN_DRAINING), "draining");
	assert_string_equal(sl_admin_state_name((enum sl_admin_state)3), "invalid");
	assert_string_equal(sl_pool_name(SL_POOL_PRIMARY), "primary");
	assert_string_equal(sl_pool_name(SL_POOL_BACKUP), "backup");
	assert_string_equal(sl_pool_name(SL_NB_POOLS), "invalid");
	assert_string_equal(sl_hc_kind_name(SL_HC_NONE), "none");
	assert_string_equal(sl_hc_kind_name(SL_HC_TCP), "tcp");
	assert_string_equal(sl_hc_kind_name(SL_HC_HTTP), "http");
	assert_string_equal(sl_hc_kind_name(SL_HC_UDP), "udp");
	assert_string_equal(sl_hc_kind_name((enum sl_hc_kind) - 1), "invalid");
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_parse_listen),
	    cmocka_unit_test(test_dependent_defaults),
	    cmocka_unit_test(test_all_keys),
	    cmocka_unit_test(test_round_trip_example),
	    cmocka_unit_test(test_round_trip_all_keys),
	    cmocka_unit_test(test_to_yaml_text),
	    cmocka_unit_test(test_validate),
	    cmocka_unit_test(test_dup_equal),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_diff),
	    cmocka_unit_test(test_parse_vip_json),
	    cmocka_unit_test(test_parse_backend_json),
	    cmocka_unit_test(test_vip_update),
	    cmocka_unit_test(test_vip_ref),
	    cmocka_unit_test(test_names),
	};
	const size_t nc = sizeof(cases) / sizeof(cases[0]);
	struct CMUnitTest *ct = calloc(nc, sizeof(*ct));
	int failed;

	if (argc != 2 || ct == NULL) {
		fprintf(stderr, "usage: %s EXAMPLE.yaml\n", argv[0]);
		return 2;
	}
	example_path = argv[1];
	for (size_t i = 0; i < nc; i++)
		ct[i] =
		    (struct CMUnitTest){cases[i].name, test_case, NULL, NULL, (void *)&cases[i]};
	failed = cmocka_run_group_tests_name("config control plane", tests, NULL, NULL);
	failed += _cmocka_run_group_tests("config control plane diagnostics", ct, nc, NULL, NULL);
	free(ct);
	return failed != 0;
}
