/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Unit tests for the configuration parser (control/sl_config.c).
 *
 * Most tests parse a string and compare the complete diagnostic output,
 * byte for byte: the FILE:LINE:COLUMN of every message is part of the
 * contract operators and editors rely on.  argv[1] is the shipped example
 * (tools/conf/example.yaml), argv[2] this directory (sample files).
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
#include "sl_parse.h"

static const char *example_path;
static const char *sample_dir;

/* Result of one parse: return code, config, counts and the printed text. */
struct result {
	int rc;
	struct sl_config *cfg;
	unsigned errors, warnings;
	char *out;
};

static void parse_text(const char *text, size_t len, struct result *r)
{
	size_t size = 0;
	FILE *f;
	struct sl_diag d = {0};

	r->out = NULL;
	f = open_memstream(&r->out, &size);
	assert_non_null(f);
	d.out = f;
	r->rc = sl_config_parse(text, len, "t.yaml", &d, &r->cfg);
	fclose(f);
	r->errors = d.errors;
	r->warnings = d.warnings;
}

static void parse(const char *text, struct result *r)
{
	parse_text(text, strlen(text), r);
}

static void load(const char *path, struct result *r)
{
	size_t size = 0;
	FILE *f;
	struct sl_diag d = {0};

	r->out = NULL;
	f = open_memstream(&r->out, &size);
	assert_non_null(f);
	d.out = f;
	d.file = "ignored.yaml"; /* the path given to load names the file */
	r->rc = sl_config_load(path, &d, &r->cfg);
	fclose(f);
	r->errors = d.errors;
	r->warnings = d.warnings;
}

static void result_free(struct result *r)
{
	sl_config_free(r->cfg);
	free(r->out);
}

static void expect_addr(const uint8_t *addr, uint8_t family, const char *str, int af,
			const char *text)
{
	uint8_t want[16] = {0};

	assert_int_equal(inet_pton(af, text, want), 1);
	assert_memory_equal(addr, want, 16);
	assert_int_equal(family, af == AF_INET ? SL_AF_INET : SL_AF_INET6);
	assert_string_equal(str, text);
}

/* ---- valid files ----------------------------------------------------------- */

/* Every key set to a non-default value, so each assertion proves the key was
 * read rather than defaulted. */
static const char full_yaml[] = "ports:\n"
				"  - name: net_memif0\n"
				"    role: data\n"
				"  - name: 0000:01:00.0\n"
				"  - name: net_tap0\n"
				"    role: kernel\n"
				"tunnel:\n"
				"  source4: 10.99.0.2\n"
				"  source6: FD00:99:0:0::2\n"
				"  ttl: 32\n"
				"next_hop:\n"
				"  port: 0000:01:00.0\n"
				"  mac: 02:aB:cd:ef:00:01\n"
				"  mtu: 9000\n"
				"flow_table:\n"
				"  size: 2048\n"
				"  tcp_timeout: 5m\n"
				"  tcp_closing_timeout: 1500ms\n"
				"  udp_timeout: 2h\n"
				"maglev:\n"
				"  table_size: 1009\n"
				"icmp:\n"
				"  rate_limit: 0\n"
				"vips:\n"
				"  - address: 10.99.100.1\n"
				"    port: 80\n"
				"    protocol: tcp\n"
				"    encap: ipip\n"
				"    backends:\n"
				"      - address: 10.99.1.1\n"
				"        weight: 0\n"
				"      - address: 10.99.1.2\n"
				"        weight: 65535\n"
				"  - address: fd00:99:100::1\n"
				"    port: any\n"
				"    protocol: udp\n"
				"    encap: ip6ip6\n"
				"    table_size: 2003\n"
				"    backends:\n"
				"      - address: fd00:99:1::1\n"
				"  - address: 10.99.100.1\n"
				"    port: 443\n"
				"    protocol: tcp\n"
				"    encap: ipv4-in-ipv6\n"
				"    backends: [{address: fd00:99:1::2, weight: 7}]\n"
				"  - address: fd00:99:100::1\n"
				"    port: 53\n"
				"    protocol: udp\n"
				"    encap: gue\n"
				"    gue_port: 5555\n"
				"    backends:\n"
				"      - address: 10.99.1.3\n"
				"      - address: fd00:99:1::3\n";

static void test_full(void **state)
{
	struct result r;
	struct sl_config *c;
	const struct sl_config_vip *v;
	const uint8_t mac[6] = {0x02, 0xab, 0xcd, 0xef, 0x00, 0x01};
	uint8_t a[16];

	(void)state;
	parse(full_yaml, &r);
	assert_string_equal(r.out, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.warnings, 0);
	c = r.cfg;
	assert_non_null(c);

	assert_int_equal(c->nb_ports, 3);
	assert_string_equal(c->ports[0].name, "net_memif0");
	assert_int_equal(c->ports[0].role, SL_PORT_DATA);
	assert_string_equal(c->ports[1].name, "0000:01:00.0");
	assert_int_equal(c->ports[1].role, SL_PORT_DATA); /* role defaults to data */
	assert_string_equal(c->ports[2].name, "net_tap0");
	assert_int_equal(c->ports[2].role, SL_PORT_KERNEL);

	assert_true(c->has_src4);
	assert_true(c->has_src6);
	assert_int_equal(inet_pton(AF_INET, "10.99.0.2", a), 1);
	assert_memory_equal(c->src4, a, 4);
	assert_int_equal(inet_pton(AF_INET6, "fd00:99::2", a), 1);
	assert_memory_equal(c->src6, a, 16);
	assert_int_equal(c->ttl, 32);

	assert_string_equal(c->next_hop_port, "0000:01:00.0");
	assert_memory_equal(c->next_hop_mac, mac, 6);
	assert_int_equal(c->mtu, 9000);
	assert_int_equal(c->flow_table_size, 2048);
	assert_int_equal(c->tcp_timeout_ms, 300000);
	assert_int_equal(c->tcp_closing_timeout_ms, 1500);
	assert_int_equal(c->udp_timeout_ms, 7200000);
	assert_int_equal(c->maglev_size, 1009);
	assert_int_equal(c->icmp_rate, 0);

	assert_int_equal(c->nb_vips, 4);
	v = &c->vips[0];
	expect_addr(v->addr, v->family, v->addr_str, AF_INET, "10.99.100.1");
	assert_int_equal(v->port, 80);
	assert_int_equal(v->proto, IPPROTO_TCP);
	assert_int_equal(v->encap, SL_ENCAP_IPIP);
	assert_int_equal(v->gue_port, 0);
	assert_int_equal(v->table_size, 1009); /* inherited from maglev.table_size */
	assert_int_equal(v->line, 25);
	assert_int_equal(v->col, 5);
	assert_int_equal(v->nb_backends, 2);
	expect_addr(v->backends[0].addr, v->backends[0].family, v->backends[0].addr_str, AF_INET,
		    "10.99.1.1");
	assert_int_equal(v->backends[0].weight, 0);
	assert_int_equal(v->backends[0].line, 30);
	assert_int_equal(v->backends[0].col, 9);
	expect_addr(v->backends[1].addr, v->backends[1].family, v->backends[1].addr_str, AF_INET,
		    "10.99.1.2");
	assert_int_equal(v->backends[1].weight, 65535);

	v = &c->vips[1];
	expect_addr(v->addr, v->family, v->addr_str, AF_INET6, "fd00:99:100::1");
	assert_int_equal(v->port, 0);
	assert_int_equal(v->proto, IPPROTO_UDP);
	assert_int_equal(v->encap, SL_ENCAP_IP6IP6);
	assert_int_equal(v->table_size, 2003);
	assert_int_equal(v->nb_backends, 1);
	expect_addr(v->backends[0].addr, v->backends[0].family, v->backends[0].addr_str, AF_INET6,
		    "fd00:99:1::1");
	assert_int_equal(v->backends[0].weight, 100);

	/* Same address and protocol as vips[0], another port: allowed. */
	v = &c->vips[2];
	expect_addr(v->addr, v->family, v->addr_str, AF_INET, "10.99.100.1");
	assert_int_equal(v->port, 443);
	assert_int_equal(v->encap, SL_ENCAP_IP4IP6);
	assert_int_equal(v->nb_backends, 1);
	expect_addr(v->backends[0].addr, v->backends[0].family, v->backends[0].addr_str, AF_INET6,
		    "fd00:99:1::2");
	assert_int_equal(v->backends[0].weight, 7);

	/* "port: any" and port 53 on the same address and protocol: allowed. */
	v = &c->vips[3];
	expect_addr(v->addr, v->family, v->addr_str, AF_INET6, "fd00:99:100::1");
	assert_int_equal(v->port, 53);
	assert_int_equal(v->proto, IPPROTO_UDP);
	assert_int_equal(v->encap, SL_ENCAP_GUE);
	assert_int_equal(v->gue_port, 5555);
	assert_int_equal(v->nb_backends, 2);
	assert_int_equal(v->backends[0].family, SL_AF_INET);
	assert_int_equal(v->backends[1].family, SL_AF_INET6);
	result_free(&r);
}

static void test_defaults(void **state)
{
	struct result r;
	struct sl_config *c;

	(void)state;
	parse("ports:\n"
	      "  - name: p0\n"
	      "tunnel:\n"
	      "  source4: 10.0.0.2\n"
	      "next_hop:\n"
	      "  port: p0\n"
	      "  mac: 02:00:00:00:00:01\n"
	      "vips:\n"
	      "  - address: 10.0.0.1\n"
	      "    port: 80\n"
	      "    protocol: udp\n"
	      "    encap: gue\n"
	      "    backends:\n"
	      "      - address: 10.0.1.1\n",
	      &r);
	assert_string_equal(r.out, "");
	assert_int_equal(r.rc, 0);
	c = r.cfg;
	assert_int_equal(c->ports[0].role, SL_PORT_DATA);
	assert_false(c->has_src6);
	assert_int_equal(c->ttl, 64);
	assert_int_equal(c->mtu, 1500);
	assert_int_equal(c->flow_table_size, 1048576);
	assert_int_equal(c->tcp_timeout_ms, 300000);
	assert_int_equal(c->tcp_closing_timeout_ms, 10000);
	assert_int_equal(c->udp_timeout_ms, 30000);
	assert_int_equal(c->maglev_size, 65537);
	assert_int_equal(c->icmp_rate, 100);
	assert_int_equal(c->vips[0].gue_port, 6080);
	assert_int_equal(c->vips[0].table_size, 65537);
	assert_int_equal(c->vips[0].backends[0].weight, 100);
	result_free(&r);
}

/* vips may be absent or empty: the instance then forwards nothing. */
static void test_no_vips(void **state)
{
	static const char *const texts[] = {
	    "ports: [{name: p0}]\nnext_hop: {port: p0, mac: 02:00:00:00:00:01}\n",
	    "ports: [{name: p0}]\nnext_hop: {port: p0, mac: 02:00:00:00:00:01}\nvips: []\n",
	};

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct result r;

		parse(texts[i], &r);
		assert_string_equal(r.out, "");
		assert_int_equal(r.rc, 0);
		assert_int_equal(r.cfg->nb_vips, 0);
		assert_null(r.cfg->vips);
		result_free(&r);
	}
}

/* A warning is printed and counted but does not fail the load. */
static void test_small_table_warning(void **state)
{
	struct result r;

	(void)state;
	parse("ports:\n"
	      "  - name: p0\n"
	      "tunnel:\n"
	      "  source4: 10.0.0.2\n"
	      "next_hop:\n"
	      "  port: p0\n"
	      "  mac: 02:00:00:00:00:01\n"
	      "maglev:\n"
	      "  table_size: 199\n"
	      "vips:\n"
	      "  - address: 10.0.0.1\n"
	      "    port: 80\n"
	      "    protocol: tcp\n"
	      "    encap: ipip\n"
	      "    backends: [{address: 10.0.1.1}, {address: 10.0.1.2}]\n"
	      "  - address: 10.0.0.1\n"
	      "    port: 81\n"
	      "    protocol: tcp\n"
	      "    encap: ipip\n"
	      "    table_size: 101\n"
	      "    backends: [{address: 10.0.1.1}, {address: 10.0.1.2}]\n"
	      "  - address: 10.0.0.1\n"
	      "    port: 82\n"
	      "    protocol: tcp\n"
	      "    encap: ipip\n"
	      "    table_size: 211\n"
	      "    backends: [{address: 10.0.1.1}, {address: 10.0.1.2}]\n",
	      &r);
	assert_string_equal(r.out,
			    "t.yaml:11:5: warning: vips[0]: Maglev table size 199 "
			    "(maglev.table_size) is less than 100 x 2 backends; traffic shares "
			    "may stray from the weights\n"
			    "t.yaml:20:17: warning: vips[1]: Maglev table size 101 (table_size) "
			    "is less than 100 x 2 backends; traffic shares may stray from the "
			    "weights\n");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.warnings, 2);
	assert_non_null(r.cfg);
	assert_int_equal(r.cfg->vips[2].table_size, 211);
	result_free(&r);
}

/* ---- one error (or warning) per case --------------------------------------- */

struct err_case {
	const char *name;
	const char *yaml;
	const char *expect; /* complete diagnostic output */
};

/* Lines 1-5 of most cases: a valid skeleton.  Case text continues at line 6. */
#define BASE             \
	"ports:\n"       \
	"  - name: p0\n" \
	"next_hop:\n"    \
	"  port: p0\n"   \
	"  mac: 02:00:00:00:00:01\n"
/* Lines 6-8: tunnel sources for either family. */
#define TUN                     \
	"tunnel:\n"             \
	"  source4: 10.0.0.2\n" \
	"  source6: fd00::2\n"
/* Lines 9-: the start of one VIP list (9: "vips:", 10: "  - address: ...") */
#define VIP4(encap)               \
	"vips:\n"                 \
	"  - address: 10.0.0.1\n" \
	"    port: 80\n"          \
	"    protocol: tcp\n"     \
	"    encap: " encap "\n"
#define VIP6(encap)              \
	"vips:\n"                \
	"  - address: fd00::1\n" \
	"    port: 80\n"         \
	"    protocol: tcp\n"    \
	"    encap: " encap "\n"

static const struct err_case cases[] = {
    /* Unknown keys, one per level. */
    {"unknown key: top level", BASE "prots: []\n",
     "t.yaml:6:1: error: unknown top-level key \"prots\" (expected one of: ports, tunnel, "
     "next_hop, flow_table, maglev, icmp, control, metrics, guard, alerts, vips)\n"},
    {"unknown key: ports[]",
     "ports:\n  - name: p0\n    speed: 10\nnext_hop: {port: p0, mac: 02:00:00:00:00:01}\n",
     "t.yaml:3:5: error: ports[0]: unknown key \"speed\" (expected one of: name, role)\n"},
    {"unknown key: tunnel", BASE "tunnel:\n  source: 10.0.0.2\n",
     "t.yaml:7:3: error: tunnel: unknown key \"source\" (expected one of: source4, source6, "
     "ttl)\n"},
    {"unknown key: next_hop", BASE "  gateway: 10.0.0.1\n",
     "t.yaml:6:3: error: next_hop: unknown key \"gateway\" (expected one of: port, mac, "
     "mtu)\n"},
    {"unknown key: flow_table", BASE "flow_table:\n  entries: 4096\n",
     "t.yaml:7:3: error: flow_table: unknown key \"entries\" (expected one of: size, "
     "tcp_timeout, tcp_closing_timeout, udp_timeout)\n"},
    {"unknown key: maglev", BASE "maglev:\n  size: 65537\n",
     "t.yaml:7:3: error: maglev: unknown key \"size\" (expected one of: table_size)\n"},
    {"unknown key: icmp", BASE "icmp:\n  rate: 10\n",
     "t.yaml:7:3: error: icmp: unknown key \"rate\" (expected one of: rate_limit)\n"},
    {"unknown key: vips[]", BASE TUN VIP4("ipip") "    weight: 1\n    backends: []\n",
     "t.yaml:14:5: error: vips[0]: unknown key \"weight\" (expected one of: address, port, "
     "protocol, encap, gue_port, table_size, health, slow_start, drain_timeout, "
     "backup_threshold, backup_hysteresis, panic_threshold, panic_mode, bounded_load, "
     "bounded_load_window, when_empty, backends)\n"
     "t.yaml:15:15: warning: vips[0].backends: no backends; this VIP's traffic is dropped\n"},
    {"unknown key: backends[]",
     BASE TUN VIP4("ipip") "    backends:\n      - address: 10.0.1.1\n        wieght: 5\n",
     "t.yaml:16:9: error: vips[0].backends[0]: unknown key \"wieght\" (expected one of: "
     "address, weight, state, pool)\n"},

    /* Structure. */
    {"missing ports", "next_hop:\n  port: p0\n  mac: 02:00:00:00:00:01\n",
     "t.yaml:1:1: error: missing required top-level key \"ports\"\n"
     "t.yaml:2:9: error: next_hop.port: no port named \"p0\" in ports\n"},
    {"missing next_hop", "ports:\n  - name: p0\n",
     "t.yaml:1:1: error: missing required top-level key \"next_hop\"\n"},
    {"missing next_hop.mac", "ports:\n  - name: p0\nnext_hop:\n  port: p0\n",
     "t.yaml:4:3: error: next_hop: missing required key \"mac\"\n"},
    {"missing port name", "ports:\n  - role: data\nnext_hop: {mac: 02:00:00:00:00:01}\n",
     "t.yaml:2:5: error: ports[0]: missing required key \"name\"\n"
     "t.yaml:3:11: error: next_hop: missing required key \"port\"\n"},
    {"missing VIP keys", BASE "vips:\n  - address: 10.0.0.1\n    backends: []\n",
     "t.yaml:7:5: error: vips[0]: missing required key \"port\"\n"
     "t.yaml:7:5: error: vips[0]: missing required key \"protocol\"\n"
     "t.yaml:7:5: error: vips[0]: missing required key \"encap\"\n"
     "t.yaml:8:15: warning: vips[0].backends: no backends; this VIP's traffic is dropped\n"},
    {"missing backend address", BASE TUN VIP4("ipip") "    backends:\n      - weight: 1\n",
     "t.yaml:15:9: error: vips[0].backends[0]: missing required key \"address\"\n"},
    {"duplicate key", BASE "  mac: 02:00:00:00:00:02\n",
     "t.yaml:6:3: error: next_hop.mac: duplicate key (first at line 5)\n"},
    {"ports not a list", "ports:\n  name: p0\nnext_hop: {port: p0, mac: 02:00:00:00:00:01}\n",
     "t.yaml:2:3: error: ports: expected a list, got a mapping\n"
     "t.yaml:3:18: error: next_hop.port: no port named \"p0\" in ports\n"},
    {"empty ports", "ports: []\nnext_hop: {port: p0, mac: 02:00:00:00:00:01}\n",
     "t.yaml:1:8: error: ports: at least one port is required\n"
     "t.yaml:2:18: error: next_hop.port: no port named \"p0\" in ports\n"},
    {"next_hop not a mapping", "ports: [{name: p0}]\nnext_hop: [p0]\n",
     "t.yaml:2:11: error: next_hop: expected a mapping, got a list\n"},
    {"vips left empty", BASE "vips:\n",
     "t.yaml:6:6: error: vips: expected a list, got an empty value (write [] for an empty "
     "list)\n"},
    {"backends not a list", BASE TUN VIP4("ipip") "    backends: 10.0.1.1\n",
     "t.yaml:14:15: error: vips[0].backends: expected a list, got a scalar\n"},
    {"top level not a mapping", "- ports\n",
     "t.yaml:1:1: error: expected a mapping with top-level keys such as ports and next_hop, "
     "got a list\n"},
    {"empty file", "# nothing here\n",
     "t.yaml:1:1: error: the configuration is empty (expected at least ports and "
     "next_hop)\n"},
    {"two documents", BASE "---\nports: []\n",
     "t.yaml:6:1: error: a second YAML document; the configuration must be one document\n"},
    {"alias", "ports: &p [{name: p0}]\nnext_hop: {port: p0, mac: 02:00:00:00:00:01}\nvips: *p\n",
     "t.yaml:1:8: error: YAML aliases are not supported (this anchored node is used "
     "again)\n"},
    {"syntax error: indentation",
     "ports:\n  - name: p0\n   role: data\nnext_hop: {port: p0, mac: 02:00:00:00:00:01}\n",
     "t.yaml:3:4: error: YAML syntax: did not find expected '-' indicator (while parsing a "
     "block collection at line 2, column 3)\n"},
    {"syntax error: tab", "ports:\n\t- name: p0\n",
     "t.yaml:2:1: error: YAML syntax: found character that cannot start any token (while "
     "scanning for the next token at line 2, column 1)\n"},

    /* ports */
    {"duplicate port name",
     "ports:\n  - name: p0\n  - name: p0\nnext_hop: {port: p0, mac: 02:00:00:00:00:01}\n",
     "t.yaml:3:11: error: ports[1].name: duplicate port name \"p0\" (first at line 2)\n"},
    {"two kernel ports",
     "ports:\n  - name: p0\n  - name: t0\n    role: kernel\n  - name: t1\n    role: kernel\n"
     "next_hop: {port: p0, mac: 02:00:00:00:00:01}\n",
     "t.yaml:6:11: error: ports[2].role: only one kernel port is allowed (first at line 3)\n"},
    {"bad role",
     "ports:\n  - name: p0\n    role: tap\nnext_hop: {port: p0, mac: 02:00:00:00:00:01}\n",
     "t.yaml:3:11: error: ports[0].role: expected data or kernel, got \"tap\"\n"},
    {"too many ports",
     "ports: [{name: a}, {name: b}, {name: c}, {name: d}, {name: e}, {name: f}, {name: g},\n"
     "        {name: h}, {name: i}]\nnext_hop: {port: a, mac: 02:00:00:00:00:01}\n",
     "t.yaml:2:20: error: ports: too many ports (at most 8)\n"},
    {"port name too long",
     "ports:\n  - name: "
     "n123456789012345678901234567890123456789012345678901234567890123\n"
     "next_hop: {port: p0, mac: 02:00:00:00:00:01}\n",
     "t.yaml:2:11: error: ports[0].name: name is too long (at most 63 characters)\n"
     "t.yaml:3:18: error: next_hop.port: no port named \"p0\" in ports\n"},

    /* next_hop */
    {"next_hop.port unknown", "ports: [{name: p0}]\nnext_hop: {port: p1, mac: 02:00:00:00:00:01}\n",
     "t.yaml:2:18: error: next_hop.port: no port named \"p1\" in ports\n"},
    {"next_hop.port is the kernel port",
     "ports: [{name: p0}, {name: t0, role: kernel}]\n"
     "next_hop: {port: t0, mac: 02:00:00:00:00:01}\n",
     "t.yaml:2:18: error: next_hop.port: \"t0\" is the kernel port; expected a data port\n"},
    {"mac syntax", "ports: [{name: p0}]\nnext_hop: {port: p0, mac: 02:00:00:00:01}\n",
     "t.yaml:2:27: error: next_hop.mac: expected a MAC address like 02:00:00:00:00:01, got "
     "\"02:00:00:00:01\"\n"},
    {"mac bad digit", "ports: [{name: p0}]\nnext_hop: {port: p0, mac: 02:00:00:00:00:0g}\n",
     "t.yaml:2:27: error: next_hop.mac: expected a MAC address like 02:00:00:00:00:01, got "
     "\"02:00:00:00:00:0g\"\n"},
    {"mac multicast", "ports: [{name: p0}]\nnext_hop: {port: p0, mac: 01:00:5e:00:00:01}\n",
     "t.yaml:2:27: error: next_hop.mac: 01:00:5e:00:00:01 is a multicast address; expected "
     "the router's unicast MAC\n"},
    {"mac broadcast", "ports: [{name: p0}]\nnext_hop: {port: p0, mac: ff:ff:ff:ff:ff:ff}\n",
     "t.yaml:2:27: error: next_hop.mac: ff:ff:ff:ff:ff:ff is a multicast address; expected "
     "the router's unicast MAC\n"},
    {"mac zero", "ports: [{name: p0}]\nnext_hop: {port: p0, mac: 00:00:00:00:00:00}\n",
     "t.yaml:2:27: error: next_hop.mac: 00:00:00:00:00:00 is all zero; expected the router's "
     "unicast MAC\n"},
    {"mtu too small", BASE "  mtu: 575\n",
     "t.yaml:6:8: error: next_hop.mtu: 575 is out of range (expected 576..9216)\n"},
    {"mtu too large", BASE "  mtu: 9217\n",
     "t.yaml:6:8: error: next_hop.mtu: 9217 is out of range (expected 576..9216)\n"},
    {"mtu below IPv6 minimum: IPv6 VIP",
     BASE "  mtu: 1279\n" TUN
	  "vips:\n  - address: fd00::1\n    port: 80\n    protocol: tcp\n    encap: ip6ip6\n"
	  "    backends: [{address: fd00::10}]\n",
     "t.yaml:6:8: error: next_hop.mtu: 1279 is below 1280, the IPv6 minimum (vips[0] uses "
     "IPv6)\n"},
    {"mtu below IPv6 minimum: IPv6 outer",
     BASE "  mtu: 1000\n" TUN
	  "vips:\n  - address: 10.0.0.1\n    port: 80\n    protocol: tcp\n    encap: gue\n"
	  "    backends: [{address: 10.0.1.1}, {address: fd00::10}]\n",
     "t.yaml:6:8: error: next_hop.mtu: 1000 is below 1280, the IPv6 minimum (vips[0] uses "
     "IPv6)\n"},
    {"mtu leaves an IPv6 VIP less than 1280 inside ip6ip6",
     BASE "  mtu: 1300\n" TUN
	  "vips:\n  - address: fd00::1\n    port: 80\n    protocol: tcp\n    encap: ip6ip6\n"
	  "    backends: [{address: fd00::10}]\n",
     "t.yaml:11:5: error: vips[0]: next_hop.mtu 1300 leaves 1260 bytes for IPv6 packets inside "
     "the 40-byte ip6ip6 header to fd00::10; IPv6 needs 1280 (raise next_hop.mtu to at least "
     "1320)\n"},
    {"mtu leaves an IPv6 VIP less than 1280 inside GUE over IPv6",
     BASE "  mtu: 1320\n" TUN
	  "vips:\n  - address: fd00::1\n    port: 80\n    protocol: tcp\n    encap: gue\n"
	  "    backends: [{address: 10.0.1.1}, {address: fd00::10}]\n",
     "t.yaml:11:5: error: vips[0]: next_hop.mtu 1320 leaves 1272 bytes for IPv6 packets inside "
     "the 48-byte gue header to fd00::10; IPv6 needs 1280 (raise next_hop.mtu to at least "
     "1328)\n"},

    /* tunnel */
    {"source4 is IPv6", BASE "tunnel:\n  source4: fd00::2\n",
     "t.yaml:7:12: error: tunnel.source4: expected an IPv4 address, got fd00::2\n"},
    {"source6 is IPv4", BASE "tunnel:\n  source6: 10.0.0.2\n",
     "t.yaml:7:12: error: tunnel.source6: expected an IPv6 address, got 10.0.0.2\n"},
    {"source4 not an address", BASE "tunnel:\n  source4: 10.0.0.256\n",
     "t.yaml:7:12: error: tunnel.source4: expected an IPv4 or IPv6 address, got "
     "\"10.0.0.256\"\n"},
    {"ttl zero", BASE "tunnel:\n  ttl: 0\n",
     "t.yaml:7:8: error: tunnel.ttl: 0 is out of range (expected 1..255)\n"},
    {"ttl 256", BASE "tunnel:\n  ttl: 256\n",
     "t.yaml:7:8: error: tunnel.ttl: 256 is out of range (expected 1..255)\n"},

    /* integers */
    {"integer with suffix", BASE "flow_table:\n  size: 12abc\n",
     "t.yaml:7:9: error: flow_table.size: expected an integer 1024..67108864, got "
     "\"12abc\"\n"},
    {"negative integer", BASE "icmp:\n  rate_limit: -1\n",
     "t.yaml:7:15: error: icmp.rate_limit: expected an integer 0..4294967295, got \"-1\"\n"},
    {"integer overflow", BASE "icmp:\n  rate_limit: 99999999999999999999999\n",
     "t.yaml:7:15: error: icmp.rate_limit: 99999999999999999999999 is out of range "
     "(expected 0..4294967295)\n"},
    {"integer just above uint32", BASE "icmp:\n  rate_limit: 4294967296\n",
     "t.yaml:7:15: error: icmp.rate_limit: 4294967296 is out of range (expected "
     "0..4294967295)\n"},
    {"quoted integer", BASE "flow_table:\n  size: \"4096\"\n",
     "t.yaml:7:9: error: flow_table.size: expected an integer 1024..67108864, got a quoted "
     "string\n"},
    {"hex integer", BASE "flow_table:\n  size: 0x1000\n",
     "t.yaml:7:9: error: flow_table.size: expected an integer 1024..67108864, got "
     "\"0x1000\"\n"},
    {"integer is a list", BASE "flow_table:\n  size: [1]\n",
     "t.yaml:7:9: error: flow_table.size: expected an integer, got a list\n"},
    {"flow table too small", BASE "flow_table:\n  size: 1023\n",
     "t.yaml:7:9: error: flow_table.size: 1023 is out of range (expected 1024..67108864)\n"},
    {"flow table too large", BASE "flow_table:\n  size: 67108865\n",
     "t.yaml:7:9: error: flow_table.size: 67108865 is out of range (expected "
     "1024..67108864)\n"},

    /* durations */
    {"duration without unit", BASE "flow_table:\n  tcp_timeout: 300\n",
     "t.yaml:7:16: error: flow_table.tcp_timeout: expected a duration: an integer and a unit "
     "ms, s, m or h (e.g. 30s), got \"300\"\n"},
    {"duration bad unit", BASE "flow_table:\n  udp_timeout: 5d\n",
     "t.yaml:7:16: error: flow_table.udp_timeout: expected a duration: an integer and a unit "
     "ms, s, m or h (e.g. 30s), got \"5d\"\n"},
    {"duration with space", BASE "flow_table:\n  udp_timeout: 5 s\n",
     "t.yaml:7:16: error: flow_table.udp_timeout: expected a duration: an integer and a unit "
     "ms, s, m or h (e.g. 30s), got \"5 s\"\n"},
    {"duration zero", BASE "flow_table:\n  tcp_closing_timeout: 0ms\n",
     "t.yaml:7:24: error: flow_table.tcp_closing_timeout: 0ms is out of range (expected "
     "1ms..1193h)\n"},
    {"duration too long", BASE "flow_table:\n  tcp_timeout: 1194h\n",
     "t.yaml:7:16: error: flow_table.tcp_timeout: 1194h is out of range (expected "
     "1ms..1193h)\n"},

    /* Maglev */
    {"maglev size not prime", BASE "maglev:\n  table_size: 65536\n",
     "t.yaml:7:15: error: maglev.table_size: 65536 is not a prime; Maglev needs a prime "
     "table size (nearest: 65521, 65537)\n"},
    {"VIP table size not prime",
     BASE TUN VIP4("ipip") "    table_size: 1000\n    backends: [{address: 10.0.1.1}]\n",
     "t.yaml:14:17: error: vips[0].table_size: 1000 is not a prime; Maglev needs a prime "
     "table size (nearest: 997, 1009)\n"},
    {"maglev size 1", BASE "maglev:\n  table_size: 1\n",
     "t.yaml:7:15: error: maglev.table_size: 1 is out of range (expected 2..16777216)\n"},
    {"VIP table smaller than backends",
     BASE TUN VIP4("ipip") "    table_size: 2\n    backends:\n      - address: 10.0.1.1\n"
			   "      - address: 10.0.1.2\n      - address: 10.0.1.3\n",
     "t.yaml:14:17: error: vips[0]: Maglev table size 2 (table_size) is smaller than its 3 "
     "backends\n"},
    {"global table smaller than backends",
     BASE TUN "maglev:\n  table_size: 2\n" VIP4(
	 "ipip") "    backends:\n      - address: 10.0.1.1\n      - address: 10.0.1.2\n"
		 "      - address: 10.0.1.3\n",
     "t.yaml:12:5: error: vips[0]: Maglev table size 2 (maglev.table_size) is smaller than "
     "its 3 backends\n"},

    /* VIP fields */
    {"VIP address",
     BASE "vips:\n  - address: 10.0.0.0/24\n    port: 80\n    protocol: tcp\n"
	  "    encap: ipip\n    backends: [{address: 10.0.1.1}]\n",
     "t.yaml:7:14: error: vips[0].address: expected an IPv4 or IPv6 address, got "
     "\"10.0.0.0/24\"\n"
     "t.yaml:10:12: error: vips[0].encap: ipip needs tunnel.source4 (the outer IPv4 "
     "source)\n"},
    {"VIP port 0",
     BASE TUN "vips:\n  - {address: 10.0.0.1, port: 0, protocol: tcp, encap: ipip, backends: "
	      "[{address: 10.0.1.1}]}\n",
     "t.yaml:10:31: error: vips[0].port: expected 1..65535 or \"any\", got \"0\"\n"},
    {"VIP port 65536",
     BASE TUN "vips:\n  - {address: 10.0.0.1, port: 65536, protocol: tcp, encap: ipip, "
	      "backends: [{address: 10.0.1.1}]}\n",
     "t.yaml:10:31: error: vips[0].port: expected 1..65535 or \"any\", got \"65536\"\n"},
    {"VIP port name",
     BASE TUN "vips:\n  - {address: 10.0.0.1, port: http, protocol: tcp, encap: ipip, "
	      "backends: [{address: 10.0.1.1}]}\n",
     "t.yaml:10:31: error: vips[0].port: expected 1..65535 or \"any\", got \"http\"\n"},
    {"VIP port quoted",
     BASE TUN "vips:\n  - {address: 10.0.0.1, port: '80', protocol: tcp, encap: ipip, "
	      "backends: [{address: 10.0.1.1}]}\n",
     "t.yaml:10:31: error: vips[0].port: expected 1..65535 or \"any\", got a quoted "
     "string\n"},
    {"VIP protocol",
     BASE TUN "vips:\n  - {address: 10.0.0.1, port: 80, protocol: sctp, encap: ipip, "
	      "backends: [{address: 10.0.1.1}]}\n",
     "t.yaml:10:45: error: vips[0].protocol: expected tcp or udp, got \"sctp\"\n"},
    {"VIP encap",
     BASE TUN "vips:\n  - {address: 10.0.0.1, port: 80, protocol: tcp, encap: vxlan, "
	      "backends: [{address: 10.0.1.1}]}\n",
     "t.yaml:10:57: error: vips[0].encap: expected ipip, ip6ip6, ipv4-in-ipv6 or gue, got "
     "\"vxlan\"\n"},
    {"gue_port without gue",
     BASE TUN VIP4("ipip") "    gue_port: 6080\n    backends: [{address: 10.0.1.1}]\n",
     "t.yaml:14:5: error: vips[0].gue_port: only valid with encap: gue (this VIP uses "
     "ipip)\n"},
    {"gue_port range",
     BASE TUN VIP4("gue") "    gue_port: 0\n    backends: [{address: 10.0.1.1}]\n",
     "t.yaml:14:15: error: vips[0].gue_port: 0 is out of range (expected 1..65535)\n"},
    {"weight range",
     BASE TUN VIP4("ipip") "    backends:\n      - address: 10.0.1.1\n        weight: 65536\n",
     "t.yaml:16:17: error: vips[0].backends[0].weight: 65536 is out of range (expected "
     "0..65535)\n"},
    {"backend address",
     BASE TUN VIP4("ipip") "    backends:\n      - address: backend1.example.com\n",
     "t.yaml:15:18: error: vips[0].backends[0].address: expected an IPv4 or IPv6 address, "
     "got \"backend1.example.com\"\n"},

    /* Encapsulation vs. address families and tunnel sources. */
    {"ipip with IPv6 VIP", BASE TUN VIP6("ipip") "    backends: [{address: 10.0.1.1}]\n",
     "t.yaml:13:12: error: vips[0].encap: ipip needs an IPv4 VIP, but fd00::1 is IPv6\n"},
    {"ipip with IPv6 backend", BASE TUN VIP4("ipip") "    backends:\n      - address: fd00::10\n",
     "t.yaml:15:18: error: vips[0].backends[0].address: encap ipip needs IPv4 backends, but "
     "fd00::10 is IPv6\n"},
    {"ip6ip6 with IPv4 VIP", BASE TUN VIP4("ip6ip6") "    backends: [{address: fd00::10}]\n",
     "t.yaml:13:12: error: vips[0].encap: ip6ip6 needs an IPv6 VIP, but 10.0.0.1 is IPv4\n"},
    {"ip6ip6 with IPv4 backend",
     BASE TUN VIP6("ip6ip6") "    backends:\n      - address: 10.0.1.1\n",
     "t.yaml:15:18: error: vips[0].backends[0].address: encap ip6ip6 needs IPv6 backends, but "
     "10.0.1.1 is IPv4\n"},
    {"ipv4-in-ipv6 with IPv6 VIP",
     BASE TUN VIP6("ipv4-in-ipv6") "    backends: [{address: fd00::10}]\n",
     "t.yaml:13:12: error: vips[0].encap: ipv4-in-ipv6 needs an IPv4 VIP, but fd00::1 is "
     "IPv6\n"},
    {"ipv4-in-ipv6 with IPv4 backend",
     BASE TUN VIP4("ipv4-in-ipv6") "    backends:\n      - address: 10.0.1.1\n",
     "t.yaml:15:18: error: vips[0].backends[0].address: encap ipv4-in-ipv6 needs IPv6 "
     "backends, but 10.0.1.1 is IPv4\n"},
    {"ipip without source4",
     BASE
     "tunnel:\n  source6: fd00::2\n  ttl: 9\n" VIP4("ipip") "    backends: [{address: 10.0.1.1}]\n",
     "t.yaml:13:12: error: vips[0].encap: ipip needs tunnel.source4 (the outer IPv4 "
     "source)\n"},
    {"ip6ip6 without source6",
     BASE "tunnel:\n  source4: 10.0.0.2\n  ttl: 9\n" VIP6(
	 "ip6ip6") "    backends: [{address: fd00::10}]\n",
     "t.yaml:13:12: error: vips[0].encap: ip6ip6 needs tunnel.source6 (the outer IPv6 "
     "source)\n"},
    {"ipv4-in-ipv6 without source6",
     BASE "tunnel:\n  source4: 10.0.0.2\n  ttl: 9\n" VIP4(
	 "ipv4-in-ipv6") "    backends: [{address: fd00::10}]\n",
     "t.yaml:13:12: error: vips[0].encap: ipv4-in-ipv6 needs tunnel.source6 (the outer IPv6 "
     "source)\n"},
    {"gue to IPv6 backends without source6",
     BASE "tunnel:\n  source4: 10.0.0.2\n  ttl: 9\n" VIP4(
	 "gue") "    backends: [{address: 10.0.1.1}, {address: fd00::10}]\n",
     "t.yaml:13:12: error: vips[0].encap: gue with IPv6 backends needs tunnel.source6 (the "
     "outer IPv6 source)\n"},
    {"gue to IPv4 backends without source4",
     BASE "tunnel:\n  source6: fd00::2\n  ttl: 9\n" VIP6(
	 "gue") "    backends: [{address: 10.0.1.1}, {address: fd00::10}]\n",
     "t.yaml:13:12: error: vips[0].encap: gue with IPv4 backends needs tunnel.source4 (the "
     "outer IPv4 source)\n"},

    /* Duplicates. */
    {"duplicate VIP",
     BASE TUN VIP4("ipip") "    backends: [{address: 10.0.1.1}]\n"
			   "  - address: 10.0.0.1\n    port: 80\n    protocol: tcp\n"
			   "    encap: gue\n    backends: [{address: 10.0.1.1}]\n",
     "t.yaml:15:5: error: vips[1]: duplicate VIP 10.0.0.1 port 80 tcp (first at line 10)\n"},
    {"duplicate VIP, IPv6 spelled differently",
     BASE TUN VIP6("gue") "    backends: [{address: 10.0.1.1}]\n"
			  "  - {address: 'FD00:0::1', port: 80, protocol: tcp, encap: gue,\n"
			  "     backends: [{address: 10.0.1.1}]}\n",
     "t.yaml:15:5: error: vips[1]: duplicate VIP fd00::1 port 80 tcp (first at line 10)\n"},
    {"duplicate port-any VIP",
     BASE TUN "vips:\n"
	      "  - {address: 10.0.0.1, port: any, protocol: udp, encap: gue, backends: []}\n"
	      "  - {address: 10.0.0.1, port: any, protocol: udp, encap: gue, backends: []}\n",
     "t.yaml:10:73: warning: vips[0].backends: no backends; this VIP's traffic is dropped\n"
     "t.yaml:11:5: error: vips[1]: duplicate VIP 10.0.0.1 port any udp (first at line 10)\n"
     "t.yaml:11:73: warning: vips[1].backends: no backends; this VIP's traffic is dropped\n"},
    {"duplicate backend",
     BASE TUN VIP4("ipip") "    backends:\n      - address: 10.0.1.1\n"
			   "      - address: 10.0.1.2\n      - address: 10.0.1.1\n"
			   "        weight: 0\n",
     "t.yaml:17:18: error: vips[0].backends[2].address: duplicate backend 10.0.1.1 (first at "
     "line 15)\n"},

    /* Several errors in one file: every one reported, in file order. */
    {"many errors",
     "ports:\n"					  /* 1 */
     "  - name: p0\n"				  /* 2 */
     "    role: dta\n"				  /* 3 */
     "next_hop:\n"				  /* 4 */
     "  port: p0\n"				  /* 5 */
     "  mac: 02:00:00:00:00\n"			  /* 6 */
     "  mtu: big\n"				  /* 7 */
     "flow_table:\n"				  /* 8 */
     "  udp_timeout: 30\n"			  /* 9 */
     "vips:\n"					  /* 10 */
     "  - address: 10.0.0.1\n"			  /* 11 */
     "    port: 80\n"				  /* 12 */
     "    protocol: tcp\n"			  /* 13 */
     "    encap: ipip\n"			  /* 14 */
     "    backends:\n"				  /* 15 */
     "      - address: 10.0.1.1\n"		  /* 16 */
     "        weight: -5\n"			  /* 17 */
     "      - {address: 10.0.1.1, color: red}\n", /* 18 */
     "t.yaml:3:11: error: ports[0].role: expected data or kernel, got \"dta\"\n"
     "t.yaml:6:8: error: next_hop.mac: expected a MAC address like 02:00:00:00:00:01, got "
     "\"02:00:00:00:00\"\n"
     "t.yaml:7:8: error: next_hop.mtu: expected an integer 576..9216, got \"big\"\n"
     "t.yaml:9:16: error: flow_table.udp_timeout: expected a duration: an integer and a unit "
     "ms, s, m or h (e.g. 30s), got \"30\"\n"
     "t.yaml:14:12: error: vips[0].encap: ipip needs tunnel.source4 (the outer IPv4 "
     "source)\n"
     "t.yaml:17:17: error: vips[0].backends[0].weight: expected an integer 0..65535, got "
     "\"-5\"\n"
     "t.yaml:18:19: error: vips[0].backends[1].address: duplicate backend 10.0.1.1 (first at "
     "line 16)\n"
     "t.yaml:18:29: error: vips[0].backends[1]: unknown key \"color\" (expected one of: "
     "address, weight, state, pool)\n"},
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
		assert_non_null(r.cfg);
	}
	result_free(&r);
}

/* ---- limits ---------------------------------------------------------------- */

/* Appends printf output to a growing buffer (limits tests build big files). */
struct buf {
	char *p;
	size_t len;
	FILE *f;
};

static void too_many(size_t nvips, size_t nbe, struct result *r)
{
	struct buf b = {0};

	b.f = open_memstream(&b.p, &b.len);
	assert_non_null(b.f);
	fputs(BASE "tunnel: {source6: fd00::2}\nvips:\n", b.f);
	for (size_t v = 0; v < nvips; v++) {
		fprintf(b.f,
			"- {address: 'fd00:1::%zx', port: 80, protocol: tcp, encap: ip6ip6,"
			" table_size: 131101, backends: [",
			v);
		for (size_t i = 0; i < nbe; i++)
			fprintf(b.f, "%s{address: 'fd00:%zx::%zx'}", i ? ", " : "", v + 2, i);
		fputs("]}\n", b.f);
	}
	fclose(b.f);
	parse_text(b.p, b.len, r);
	free(b.p);
}

static void test_limits(void **state)
{
	struct result r;

	(void)state;
	/* Exactly at the limits: accepted. */
	too_many(SL_MAX_VIPS, 1, &r);
	assert_string_equal(r.out, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->nb_vips, SL_MAX_VIPS);
	result_free(&r);

	/* Line 8 + i holds vips[i]; its mapping starts at column 3. */
	too_many(SL_MAX_VIPS + 1, 1, &r);
	assert_string_equal(r.out, "t.yaml:1032:3: error: vips: too many VIPs (at most 1024)\n");
	assert_int_equal(r.rc, -EINVAL);
	result_free(&r);

	/* 2 x 65536 backends == SL_MAX_REALS; one more is an error.  (Each VIP
	 * also warns: 131101 slots are fewer than 100 per backend.) */
	too_many(2, SL_MAX_REALS / 2, &r);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.warnings, 2);
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->vips[1].nb_backends, SL_MAX_REALS / 2);
	result_free(&r);

	too_many(3, SL_MAX_REALS / 2, &r);
	assert_int_equal(r.rc, -EINVAL);
	assert_int_equal(r.errors, 1);
	assert_non_null(strstr(r.out, "t.yaml:10:97: error: vips[2].backends[0]: too many "
				      "backends in total (at most 131072)\n"));
	result_free(&r);
}

/* ---- files ----------------------------------------------------------------- */

static void test_example(void **state)
{
	struct result r;

	(void)state;
	load(example_path, &r);
	assert_string_equal(r.out, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.warnings, 0);
	/* The example shows every encapsulation and both port roles. */
	assert_int_equal(r.cfg->nb_ports, 2);
	assert_int_equal(r.cfg->ports[1].role, SL_PORT_KERNEL);
	assert_int_equal(r.cfg->nb_vips, 4);
	assert_int_equal(r.cfg->vips[0].encap, SL_ENCAP_IPIP);
	assert_int_equal(r.cfg->vips[1].encap, SL_ENCAP_IP6IP6);
	assert_int_equal(r.cfg->vips[2].encap, SL_ENCAP_IP4IP6);
	assert_int_equal(r.cfg->vips[3].encap, SL_ENCAP_GUE);
	/* ... and the control-plane keys: every health type but none, both
	 * pools, the admin states, control and guard. */
	assert_int_equal(r.cfg->vips[0].health.kind, SL_HC_HTTP);
	assert_int_equal(r.cfg->vips[0].health.port, 8080);
	assert_string_equal(r.cfg->vips[0].health.path, "/healthz");
	assert_int_equal(r.cfg->vips[0].slow_start_ms, 30000);
	assert_int_equal(r.cfg->vips[0].bounded_load_pct, 150);
	assert_int_equal(r.cfg->vips[0].backends[1].state, SL_ADMIN_DRAINING);
	assert_int_equal(r.cfg->vips[0].backends[3].pool, SL_POOL_BACKUP);
	assert_int_equal(r.cfg->vips[1].health.kind, SL_HC_UDP);
	assert_string_equal(r.cfg->vips[1].health.send, "health?");
	assert_int_equal(r.cfg->vips[2].health.kind, SL_HC_TCP);
	assert_int_equal(r.cfg->vips[2].health.port, 443);
	assert_int_equal(r.cfg->vips[3].health.port, 53);
	assert_string_equal(r.cfg->admin_group, "sluice-admin");
	assert_string_equal(r.cfg->read_group, "sluice");
	assert_int_equal(r.cfg->history, 64);
	assert_int_equal(r.cfg->guard_drops_per_s, 100);
	result_free(&r);
}

static char *sample(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", sample_dir, name) > 0);
	return p;
}

static void test_sample_good(void **state)
{
	char *path = sample("good-dual-stack.yaml");
	struct result r;

	(void)state;
	load(path, &r);
	assert_string_equal(r.out, "");
	assert_int_equal(r.rc, 0);
	assert_int_equal(r.cfg->nb_vips, 2);
	assert_int_equal(r.cfg->vips[0].nb_backends, 3);
	assert_int_equal(r.cfg->vips[1].port, 0);
	result_free(&r);
	free(path);
}

/* Messages name the file as given to sl_config_load. */
static void test_sample_bad(void **state)
{
	char *path = sample("bad-many.yaml"), *want;
	struct result r;

	(void)state;
	load(path, &r);
	assert_true(asprintf(&want,
			     "%1$s:7:3: error: next_hop: unknown key \"mut\" (expected one of: "
			     "port, mac, mtu)\n"
			     "%1$s:11:15: error: maglev.table_size: 65535 is not a prime; Maglev "
			     "needs a prime table size (nearest: 65521, 65537)\n"
			     "%1$s:18:12: error: vips[0].encap: ip6ip6 needs an IPv6 VIP, but "
			     "10.99.100.1 is IPv4\n"
			     "%1$s:21:18: error: vips[0].backends[1].address: duplicate backend "
			     "fd00::1 (first at line 20)\n"
			     "%1$s:22:5: error: vips[1]: duplicate VIP 10.99.100.1 port 80 tcp "
			     "(first at line 14)\n",
			     path) > 0);
	assert_string_equal(r.out, want);
	assert_int_equal(r.rc, -EINVAL);
	assert_int_equal(r.errors, 5);
	assert_null(r.cfg);
	result_free(&r);
	free(want);
	free(path);
}

static void test_sample_syntax(void **state)
{
	char *path = sample("bad-syntax.yaml"), *want;
	struct result r;

	(void)state;
	load(path, &r);
	assert_true(asprintf(&want,
			     "%s:5:19: error: YAML syntax: mapping values are not allowed in this "
			     "context\n",
			     path) > 0);
	assert_string_equal(r.out, want);
	assert_int_equal(r.rc, -EINVAL);
	assert_int_equal(r.errors, 1);
	result_free(&r);
	free(want);
	free(path);
}

static void test_missing_file(void **state)
{
	char *path = sample("does-not-exist.yaml"), *want;
	struct result r;

	(void)state;
	load(path, &r);
	assert_true(asprintf(&want, "%s:0:0: error: cannot open: %s\n", path, strerror(ENOENT)) >
		    0);
	assert_string_equal(r.out, want);
	assert_int_equal(r.rc, -ENOENT);
	assert_int_equal(r.errors, 1);
	assert_null(r.cfg);
	result_free(&r);
	free(want);
	free(path);
}

/* A directory opens fine with fopen() on Linux; it must still be refused. */
static void test_directory(void **state)
{
	struct result r;

	(void)state;
	load(sample_dir, &r);
	assert_int_equal(r.rc, -EISDIR);
	assert_int_equal(r.errors, 1);
	assert_null(r.cfg);
	result_free(&r);
}

/* Without a diag sink the parser still validates and counts nothing. */
static void test_null_diag(void **state)
{
	struct sl_config *c = (void *)1;

	(void)state;
	assert_int_equal(sl_config_parse("ports: []\n", 10, "x", NULL, &c), -EINVAL);
	assert_null(c);
	sl_config_free(NULL);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full),	  cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_no_vips),	  cmocka_unit_test(test_small_table_warning),
	    cmocka_unit_test(test_limits),	  cmocka_unit_test(test_example),
	    cmocka_unit_test(test_sample_good),	  cmocka_unit_test(test_sample_bad),
	    cmocka_unit_test(test_sample_syntax), cmocka_unit_test(test_missing_file),
	    cmocka_unit_test(test_directory),	  cmocka_unit_test(test_null_diag),
	};
	const size_t nc = sizeof(cases) / sizeof(cases[0]);
	struct CMUnitTest *ct = calloc(nc, sizeof(*ct));
	int failed;

	if (argc != 3 || ct == NULL) {
		fprintf(stderr, "usage: %s EXAMPLE.yaml SAMPLE_DIR\n", argv[0]);
		return 2;
	}
	example_path = argv[1];
	sample_dir = argv[2];
	for (size_t i = 0; i < nc; i++)
		ct[i] =
		    (struct CMUnitTest){cases[i].name, test_case, NULL, NULL, (void *)&cases[i]};
	failed = cmocka_run_group_tests_name("config", tests, NULL, NULL);
	failed += _cmocka_run_group_tests("config diagnostics", ct, nc, NULL, NULL);
	free(ct);
	return failed != 0;
}
