/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Configuration parser (contract in sl_config.h, format in docs/CONFIG.md).
 *
 * libyaml's document API builds the whole node tree first; every node keeps
 * its start mark, so each message can point at the exact key or value that
 * is wrong.  The walk never stops at the first problem: it records every
 * error and warning, skips checks that depend on a value already reported as
 * bad (one mistake gives one message, not a cascade), and prints the messages
 * sorted by position at the end so the output reads like a compiler's.
 *
 * Runs on the control thread or in `sluiced --check-config`; no DPDK calls.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <yaml.h>

#include "sl_config.h"
#include "sl_maglev.h"
#include "sl_parse.h"

#define DEF_MTU		   1500
#define DEF_TTL		   64
#define DEF_FLOW_SIZE	   1048576u
#define DEF_TCP_TIMEOUT_MS 300000u
#define DEF_TCP_CLOSING_MS 10000u
#define DEF_UDP_TIMEOUT_MS 30000u
#define DEF_ICMP_RATE	   100
#define DEF_GUE_PORT	   6080
#define DEF_WEIGHT	   100

#define MTU_MIN	      576
#define MTU_MAX	      9216
#define MTU_MIN_IPV6  1280 /* RFC 8200: every IPv6 link carries 1280 bytes */
#define FLOW_SIZE_MIN 1024u
#define FLOW_SIZE_MAX (1u << 26)
/* A Maglev table is m uint32 slots per VIP plus build scratch; 2^24 slots
 * (64 MiB) is far above what any backend count needs (100 x 131072 is below
 * it) and keeps a typo from asking for gigabytes. */
#define MAGLEV_MIN 2u
#define MAGLEV_MAX (1u << 24)
/* Maglev's slot shares deviate from the weights by up to ~1/(m/n); with at
 * least 100 slots per backend the deviation stays around 1%. */
#define MAGLEV_SLOTS_PER_BACKEND 100u
/* Reading a config larger than this is almost certainly the wrong file. */
#define FILE_MAX (256u << 20)

/* One buffered diagnostic; printed sorted by position at the end. */
struct msg {
	unsigned line, col, seq;
	bool warning;
	char *text;
};

/* Parse state not part of struct sl_config: where things were written (for
 * messages) and which values were valid (to skip dependent checks). */
struct backend_aux {
	yaml_mark_t addr_mark;
	bool addr_ok;
};

struct vip_aux {
	yaml_mark_t mark, encap_mark, size_mark;
	bool addr_ok, port_ok, proto_ok, encap_ok, size_ok, size_set;
	struct backend_aux *be;
};

struct ctx {
	struct sl_diag *diag;
	const char *file; /* FILE in messages */
	yaml_document_t *doc;
	uint8_t *visited; /* per node: already consumed (alias detection) */
	size_t nb_nodes;
	struct sl_config *cfg;
	struct msg *msgs;
	size_t nb_msgs, cap_msgs;
	bool nomem;

	unsigned port_line[SL_MAX_PORTS];
	bool port_ok[SL_MAX_PORTS];
	yaml_node_t *next_hop_port; /* value node, NULL if missing or bad */
	yaml_mark_t mtu_mark;
	bool mtu_set, mtu_ok;
	bool maglev_ok;
	struct vip_aux *vaux;
	uint64_t total_backends;
};

static void report(struct ctx *c, bool warning, unsigned line, unsigned col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void report(struct ctx *c, bool warning, unsigned line, unsigned col, const char *fmt, ...)
{
	va_list ap;
	char *text = NULL;
	int r;

	if (warning)
		c->diag->warnings++;
	else
		c->diag->errors++;

	va_start(ap, fmt);
	r = vasprintf(&text, fmt, ap);
	va_end(ap);
	if (r < 0) {
		c->nomem = true;
		return;
	}
	if (c->nb_msgs == c->cap_msgs) {
		size_t cap = c->cap_msgs ? c->cap_msgs * 2 : 16;
		struct msg *m = realloc(c->msgs, cap * sizeof(*m));

		if (m == NULL) {
			free(text);
			c->nomem = true;
			return;
		}
		c->msgs = m;
		c->cap_msgs = cap;
	}
	c->msgs[c->nb_msgs] = (struct msg){line, col, (unsigned)c->nb_msgs, warning, text};
	c->nb_msgs++;
}

/* libyaml marks are 0-based; messages are 1-based like compilers'. */
#define ERR(c, mark, ...)  report((c), false, (mark).line + 1, (mark).column + 1, __VA_ARGS__)
#define WARN(c, mark, ...) report((c), true, (mark).line + 1, (mark).column + 1, __VA_ARGS__)

static int msg_cmp(const void *a, const void *b)
{
	const struct msg *x = a, *y = b;

	if (x->line != y->line)
		return x->line < y->line ? -1 : 1;
	if (x->col != y->col)
		return x->col < y->col ? -1 : 1;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static void flush_msgs(struct ctx *c)
{
	if (c->nb_msgs > 1)
		qsort(c->msgs, c->nb_msgs, sizeof(*c->msgs), msg_cmp);
	for (size_t i = 0; i < c->nb_msgs; i++) {
		if (c->diag->out != NULL)
			fprintf(c->diag->out, "%s:%u:%u: %s: %s\n", c->file, c->msgs[i].line,
				c->msgs[i].col, c->msgs[i].warning ? "warning" : "error",
				c->msgs[i].text);
		free(c->msgs[i].text);
	}
	if (c->diag->out != NULL)
		fflush(c->diag->out);
	free(c->msgs);
	c->msgs = NULL;
	c->nb_msgs = c->cap_msgs = 0;
}

/* ---- node helpers -------------------------------------------------------- */

static yaml_node_t *node(struct ctx *c, int idx)
{
	return yaml_document_get_node(c->doc, idx);
}

static bool is_null(const yaml_node_t *n)
{
	const char *v;

	if (n->type != YAML_SCALAR_NODE || n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
		return false;
	v = (const char *)n->data.scalar.value;
	return !strcmp(v, "") || !strcmp(v, "~") || !strcmp(v, "null") || !strcmp(v, "Null") ||
	       !strcmp(v, "NULL");
}

/* How a node looks to the operator, for "expected X, got Y" messages. */
static const char *kind(const yaml_node_t *n)
{
	if (is_null(n))
		return "an empty value";
	switch (n->type) {
	case YAML_MAPPING_NODE:
		return "a mapping";
	case YAML_SEQUENCE_NODE:
		return "a list";
	default:
		return "a scalar";
	}
}

/* Marks a node as consumed.  The document API resolves an alias by pointing
 * at the anchored node again, so seeing a node twice means an alias: refuse
 * it, which also bounds the walk on "billion laughs" input. */
static bool enter(struct ctx *c, yaml_node_t *n)
{
	size_t i = (size_t)(n - c->doc->nodes.start);

	if (i >= c->nb_nodes)
		return false;
	if (c->visited[i]) {
		ERR(c, n->start_mark,
		    "YAML aliases are not supported (this anchored node is used again)");
		return false;
	}
	c->visited[i] = 1;
	return true;
}

struct field {
	const char *name;
	bool required;
	yaml_node_t *key, *val;
};

/* Matches a mapping's keys against `f`: unknown and duplicate keys are
 * errors.  `path` names the mapping ("" for the top level).  Returns false
 * (after reporting) when `map` is not a mapping. */
static bool get_fields(struct ctx *c, yaml_node_t *map, const char *path, struct field *f,
		       size_t nf)
{
	yaml_node_pair_t *p;

	if (map->type != YAML_MAPPING_NODE || is_null(map)) {
		ERR(c, map->start_mark, "%s: expected a mapping, got %s", path, kind(map));
		return false;
	}
	if (!enter(c, map))
		return false;

	for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
		yaml_node_t *k = node(c, p->key), *v = node(c, p->value);
		const char *name;
		size_t i;

		if (k->type != YAML_SCALAR_NODE) {
			ERR(c, k->start_mark, "%s%skeys must be plain words, got %s", path,
			    *path ? ": " : "", kind(k));
			continue;
		}
		name = (const char *)k->data.scalar.value;
		for (i = 0; i < nf; i++)
			if (!strcmp(name, f[i].name))
				break;
		if (i == nf) {
			char list[256];
			size_t len = 0;

			list[0] = '\0';
			for (size_t j = 0; j < nf && len < sizeof(list); j++)
				len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
							j ? ", " : "", f[j].name);
			if (*path)
				ERR(c, k->start_mark,
				    "%s: unknown key \"%.64s\" (expected one of: %s)", path, name,
				    list);
			else
				ERR(c, k->start_mark,
				    "unknown top-level key \"%.64s\" (expected one of: %s)", name,
				    list);
			continue;
		}
		if (f[i].key != NULL) {
			ERR(c, k->start_mark, "%s%s%s: duplicate key (first at line %lu)", path,
			    *path ? "." : "", name, (unsigned long)f[i].key->start_mark.line + 1);
			continue;
		}
		f[i].key = k;
		f[i].val = v;
	}

	for (size_t i = 0; i < nf; i++)
		if (f[i].required && f[i].key == NULL) {
			if (*path)
				ERR(c, map->start_mark, "%s: missing required key \"%s\"", path,
				    f[i].name);
			else
				ERR(c, map->start_mark, "missing required top-level key \"%s\"",
				    f[i].name);
		}
	return true;
}

/* Checks that `n` is a list; returns its item count or -1 after reporting. */
static long get_seq(struct ctx *c, yaml_node_t *n, const char *path)
{
	if (n->type != YAML_SEQUENCE_NODE) {
		ERR(c, n->start_mark, "%s: expected a list, got %s%s", path, kind(n),
		    is_null(n) ? " (write [] for an empty list)" : "");
		return -1;
	}
	if (!enter(c, n))
		return -1;
	return (long)(n->data.sequence.items.top - n->data.sequence.items.start);
}

/* Returns the text of a scalar node or NULL after reporting. */
static const char *get_scalar(struct ctx *c, yaml_node_t *n, const char *path, const char *what)
{
	if (n->type != YAML_SCALAR_NODE || is_null(n)) {
		ERR(c, n->start_mark, "%s: expected %s, got %s", path, what, kind(n));
		return NULL;
	}
	if (!enter(c, n))
		return NULL;
	return (const char *)n->data.scalar.value;
}

/* Decimal digits only: no sign, no base prefix, no suffix.  Returns false on
 * syntax; *overflow is set when the value does not fit 64 bits. */
static bool parse_u64(const char *s, uint64_t *out, bool *overflow)
{
	uint64_t v = 0;

	*overflow = false;
	if (*s == '\0')
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		if (v > (UINT64_MAX - 9) / 10)
			*overflow = true;
		else
			v = v * 10 + (uint64_t)(*s - '0');
	}
	*out = v;
	return true;
}

/* An integer min..max.  Quoted scalars are strings in YAML, so "80" in
 * quotes is a type error rather than silently accepted. */
static bool get_uint(struct ctx *c, yaml_node_t *n, const char *path, uint64_t min, uint64_t max,
		     uint64_t *out)
{
	const char *s = get_scalar(c, n, path, "an integer");
	bool overflow;
	uint64_t v;

	if (s == NULL)
		return false;
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE) {
		ERR(c, n->start_mark, "%s: expected an integer %llu..%llu, got a quoted string",
		    path, (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	if (!parse_u64(s, &v, &overflow)) {
		ERR(c, n->start_mark, "%s: expected an integer %llu..%llu, got \"%.64s\"", path,
		    (unsigned long long)min, (unsigned long long)max, s);
		return false;
	}
	if (overflow || v < min || v > max) {
		ERR(c, n->start_mark, "%s: %.64s is out of range (expected %llu..%llu)", path, s,
		    (unsigned long long)min, (unsigned long long)max);
		return false;
	}
	*out = v;
	return true;
}

/* A duration: integer and unit (ms, s, m, h), stored in milliseconds. */
static bool get_duration(struct ctx *c, yaml_node_t *n, const char *path, uint32_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
	const char *s = get_scalar(c, n, path, "a duration");
	char digits[24];
	size_t nd;
	uint64_t v;
	bool overflow;

	if (s == NULL)
		return false;
	nd = strspn(s, "0123456789");
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (nd == 0 || nd >= sizeof(digits) || strcmp(s + nd, units[i].unit))
			continue;
		memcpy(digits, s, nd);
		digits[nd] = '\0';
		if (!parse_u64(digits, &v, &overflow))
			break;
		if (overflow || v == 0 || v > UINT32_MAX / units[i].ms) {
			ERR(c, n->start_mark, "%s: %.64s is out of range (expected 1ms..1193h)",
			    path, s);
			return false;
		}
		*ms = (uint32_t)(v * units[i].ms);
		return true;
	}
	ERR(c, n->start_mark,
	    "%s: expected a duration: an integer and a unit ms, s, m or h (e.g. 30s), got "
	    "\"%.64s\"",
	    path, s);
	return false;
}

/* An IPv4 or IPv6 address in the 16-byte form of sl_config.h. */
static bool get_addr(struct ctx *c, yaml_node_t *n, const char *path, uint8_t addr[16],
		     uint8_t *family, char *str, size_t strsz)
{
	const char *s = get_scalar(c, n, path, "an IPv4 or IPv6 address");

	if (s == NULL)
		return false;
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr) == 1) {
		*family = SL_AF_INET;
		inet_ntop(AF_INET, addr, str, (socklen_t)strsz);
	} else if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = SL_AF_INET6;
		inet_ntop(AF_INET6, addr, str, (socklen_t)strsz);
	} else {
		ERR(c, n->start_mark, "%s: expected an IPv4 or IPv6 address, got \"%.64s\"", path,
		    s);
		return false;
	}
	return true;
}

/* One of `names` (exact, case-sensitive); the index goes to *out. */
static bool get_enum(struct ctx *c, yaml_node_t *n, const char *path, const char *const *names,
		     size_t nn, unsigned *out)
{
	const char *s;
	char list[128];
	size_t len = 0;

	list[0] = '\0';
	for (size_t i = 0; i < nn; i++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s",
					i == 0	      ? ""
					: i + 1 == nn ? " or "
						      : ", ",
					names[i]);
	s = get_scalar(c, n, path, list);
	if (s == NULL)
		return false;
	for (size_t i = 0; i < nn; i++)
		if (!strcmp(s, names[i])) {
			*out = (unsigned)i;
			return true;
		}
	ERR(c, n->start_mark, "%s: expected %s, got \"%.64s\"", path, list, s);
	return false;
}

static bool get_name(struct ctx *c, yaml_node_t *n, const char *path, char *buf, size_t size)
{
	const char *s = get_scalar(c, n, path, "a device name");

	if (s == NULL)
		return false;
	if (strlen(s) >= size) {
		ERR(c, n->start_mark, "%s: name is too long (at most %zu characters)", path,
		    size - 1);
		return false;
	}
	strcpy(buf, s);
	return true;
}

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* xx:xx:xx:xx:xx:xx, unicast and not all-zero: the next hop is one router. */
static bool get_mac(struct ctx *c, yaml_node_t *n, const char *path, uint8_t mac[6])
{
	const char *s = get_scalar(c, n, path, "a MAC address");
	bool ok;

	if (s == NULL)
		return false;
	ok = strlen(s) == 17;
	for (int i = 0; ok && i < 6; i++) {
		int hi = hexval(s[3 * i]), lo = hexval(s[3 * i + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[3 * i + 2] != ':'))
			ok = false;
		else
			mac[i] = (uint8_t)(hi << 4 | lo);
	}
	if (!ok) {
		ERR(c, n->start_mark,
		    "%s: expected a MAC address like 02:00:00:00:00:01, got \"%.64s\"", path, s);
		return false;
	}
	if (mac[0] & 1) {
		ERR(c, n->start_mark,
		    "%s: %s is a multicast address; expected the router's unicast MAC", path, s);
		return false;
	}
	if (!(mac[0] | mac[1] | mac[2] | mac[3] | mac[4] | mac[5])) {
		ERR(c, n->start_mark, "%s: %s is all zero; expected the router's unicast MAC", path,
		    s);
		return false;
	}
	return true;
}

/* Nearest primes on either side of v, for a helpful message. */
static uint32_t prime_below(uint32_t v)
{
	while (v > 2 && !sl_is_prime(--v))
		;
	return v;
}

static uint32_t prime_above(uint32_t v)
{
	while (v < UINT32_MAX && !sl_is_prime(++v))
		;
	return v;
}

/* A Maglev table size: an integer in range that is prime, because Maglev's
 * permutations only visit every slot when the size is prime. */
static bool get_maglev_size(struct ctx *c, yaml_node_t *n, const char *path, uint32_t *out)
{
	uint64_t v;

	if (!get_uint(c, n, path, MAGLEV_MIN, MAGLEV_MAX, &v))
		return false;
	if (!sl_is_prime((uint32_t)v)) {
		ERR(c, n->start_mark,
		    "%s: %llu is not a prime; Maglev needs a prime table size (nearest: %u, %u)",
		    path, (unsigned long long)v, prime_below((uint32_t)v),
		    prime_above((uint32_t)v));
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* ---- sections ------------------------------------------------------------ */

static const char *const role_names[] = {"data", "kernel"};

static void parse_ports(struct ctx *c, yaml_node_t *seq)
{
	struct sl_config *cfg = c->cfg;
	long n = get_seq(c, seq, "ports");
	int kernel = -1;

	if (n < 0)
		return;
	if (n == 0)
		ERR(c, seq->start_mark, "ports: at least one port is required");
	for (long i = 0; i < n; i++) {
		yaml_node_t *item = node(c, seq->data.sequence.items.start[i]);
		struct field f[] = {{"name", true, NULL, NULL}, {"role", false, NULL, NULL}};
		struct sl_config_port *p;
		char path[48], kp[64];
		unsigned role = SL_PORT_DATA;

		if (i >= SL_MAX_PORTS) {
			ERR(c, item->start_mark, "ports: too many ports (at most %d)",
			    SL_MAX_PORTS);
			break;
		}
		p = &cfg->ports[cfg->nb_ports++];
		c->port_line[i] = item->start_mark.line + 1;
		snprintf(path, sizeof(path), "ports[%ld]", i);
		if (!get_fields(c, item, path, f, 2))
			continue;
		if (f[0].val != NULL) {
			snprintf(kp, sizeof(kp), "%s.name", path);
			if (get_name(c, f[0].val, kp, p->name, sizeof(p->name))) {
				c->port_ok[i] = true;
				for (long j = 0; j < i; j++)
					if (c->port_ok[j] && !strcmp(cfg->ports[j].name, p->name)) {
						ERR(c, f[0].val->start_mark,
						    "%s: duplicate port name \"%s\" (first at line "
						    "%u)",
						    kp, p->name, c->port_line[j]);
						c->port_ok[i] = false;
						break;
					}
			}
		}
		if (f[1].val != NULL) {
			snprintf(kp, sizeof(kp), "%s.role", path);
			if (get_enum(c, f[1].val, kp, role_names, 2, &role) &&
			    role == SL_PORT_KERNEL) {
				if (kernel >= 0)
					ERR(c, f[1].val->start_mark,
					    "%s: only one kernel port is allowed (first at line "
					    "%u)",
					    kp, c->port_line[kernel]);
				else
					kernel = (int)i;
			}
		}
		p->role = (enum sl_port_role)role;
	}
}

static void parse_tunnel(struct ctx *c, yaml_node_t *map)
{
	struct sl_config *cfg = c->cfg;
	struct field f[] = {{"source4", false, NULL, NULL},
			    {"source6", false, NULL, NULL},
			    {"ttl", false, NULL, NULL}};
	uint8_t addr[16], fam;
	char str[48];
	uint64_t v;

	if (!get_fields(c, map, "tunnel", f, 3))
		return;
	if (f[0].val && get_addr(c, f[0].val, "tunnel.source4", addr, &fam, str, sizeof(str))) {
		if (fam != SL_AF_INET)
			ERR(c, f[0].val->start_mark,
			    "tunnel.source4: expected an IPv4 address, got %s", str);
		else {
			memcpy(cfg->src4, addr, 4);
			cfg->has_src4 = true;
		}
	}
	if (f[1].val && get_addr(c, f[1].val, "tunnel.source6", addr, &fam, str, sizeof(str))) {
		if (fam != SL_AF_INET6)
			ERR(c, f[1].val->start_mark,
			    "tunnel.source6: expected an IPv6 address, got %s", str);
		else {
			memcpy(cfg->src6, addr, 16);
			cfg->has_src6 = true;
		}
	}
	if (f[2].val && get_uint(c, f[2].val, "tunnel.ttl", 1, 255, &v))
		cfg->ttl = (uint8_t)v;
}

static void parse_next_hop(struct ctx *c, yaml_node_t *map)
{
	struct sl_config *cfg = c->cfg;
	struct field f[] = {
	    {"port", true, NULL, NULL}, {"mac", true, NULL, NULL}, {"mtu", false, NULL, NULL}};
	uint64_t v;

	if (!get_fields(c, map, "next_hop", f, 3))
		return;
	if (f[0].val &&
	    get_name(c, f[0].val, "next_hop.port", cfg->next_hop_port, sizeof(cfg->next_hop_port)))
		c->next_hop_port = f[0].val;
	if (f[1].val)
		get_mac(c, f[1].val, "next_hop.mac", cfg->next_hop_mac);
	if (f[2].val) {
		c->mtu_set = true;
		c->mtu_mark = f[2].val->start_mark;
		c->mtu_ok = get_uint(c, f[2].val, "next_hop.mtu", MTU_MIN, MTU_MAX, &v);
		if (c->mtu_ok)
			cfg->mtu = (uint16_t)v;
	}
}

static void parse_flow_table(struct ctx *c, yaml_node_t *map)
{
	struct sl_config *cfg = c->cfg;
	struct field f[] = {{"size", false, NULL, NULL},
			    {"tcp_timeout", false, NULL, NULL},
			    {"tcp_closing_timeout", false, NULL, NULL},
			    {"udp_timeout", false, NULL, NULL}};
	uint64_t v;

	if (!get_fields(c, map, "flow_table", f, 4))
		return;
	if (f[0].val && get_uint(c, f[0].val, "flow_table.size", FLOW_SIZE_MIN, FLOW_SIZE_MAX, &v))
		cfg->flow_table_size = (uint32_t)v;
	if (f[1].val)
		get_duration(c, f[1].val, "flow_table.tcp_timeout", &cfg->tcp_timeout_ms);
	if (f[2].val)
		get_duration(c, f[2].val, "flow_table.tcp_closing_timeout",
			     &cfg->tcp_closing_timeout_ms);
	if (f[3].val)
		get_duration(c, f[3].val, "flow_table.udp_timeout", &cfg->udp_timeout_ms);
}

static void parse_maglev(struct ctx *c, yaml_node_t *map)
{
	struct field f[] = {{"table_size", false, NULL, NULL}};

	if (!get_fields(c, map, "maglev", f, 1))
		return;
	if (f[0].val)
		c->maglev_ok =
		    get_maglev_size(c, f[0].val, "maglev.table_size", &c->cfg->maglev_size);
}

static void parse_icmp(struct ctx *c, yaml_node_t *map)
{
	struct field f[] = {{"rate_limit", false, NULL, NULL}};
	uint64_t v;

	if (!get_fields(c, map, "icmp", f, 1))
		return;
	if (f[0].val && get_uint(c, f[0].val, "icmp.rate_limit", 0, UINT32_MAX, &v))
		c->cfg->icmp_rate = (uint32_t)v;
}

static void parse_backends(struct ctx *c, yaml_node_t *seq, const char *vpath,
			   struct sl_config_vip *vip, struct vip_aux *va)
{
	char path[64], kp[80];
	long n;

	snprintf(path, sizeof(path), "%s.backends", vpath);
	n = get_seq(c, seq, path);
	if (n == 0)
		WARN(c, seq->start_mark, "%s: no backends; this VIP's traffic is dropped", path);
	if (n <= 0)
		return;
	vip->backends = calloc((size_t)n, sizeof(*vip->backends));
	va->be = calloc((size_t)n, sizeof(*va->be));
	if (vip->backends == NULL || va->be == NULL) {
		c->nomem = true;
		return;
	}
	vip->nb_backends = (uint32_t)n;
	for (long i = 0; i < n; i++) {
		yaml_node_t *item = node(c, seq->data.sequence.items.start[i]);
		struct field f[] = {{"address", true, NULL, NULL}, {"weight", false, NULL, NULL}};
		struct sl_config_backend *b = &vip->backends[i];
		uint64_t v;

		b->line = item->start_mark.line + 1;
		b->col = item->start_mark.column + 1;
		b->weight = DEF_WEIGHT;
		snprintf(path, sizeof(path), "%s.backends[%ld]", vpath, i);
		if (++c->total_backends == SL_MAX_REALS + 1ull)
			ERR(c, item->start_mark, "%s: too many backends in total (at most %d)",
			    path, SL_MAX_REALS);
		if (!get_fields(c, item, path, f, 2))
			continue;
		if (f[0].val) {
			snprintf(kp, sizeof(kp), "%s.address", path);
			va->be[i].addr_mark = f[0].val->start_mark;
			va->be[i].addr_ok = get_addr(c, f[0].val, kp, b->addr, &b->family,
						     b->addr_str, sizeof(b->addr_str));
		}
		snprintf(kp, sizeof(kp), "%s.weight", path);
		if (f[1].val && get_uint(c, f[1].val, kp, 0, 65535, &v))
			b->weight = (uint32_t)v;
	}
}

static const char *const proto_names[] = {"tcp", "udp"};
/* Indexed by enum sl_encap_kind. */
static const char *const encap_names[] = {"ipip", "ip6ip6", "ipv4-in-ipv6", "gue"};
_Static_assert(sizeof(encap_names) / sizeof(encap_names[0]) == SL_ENCAP_MAX,
	       "encap_names must list every enum sl_encap_kind");

static void parse_vip(struct ctx *c, yaml_node_t *item, long i)
{
	struct sl_config_vip *vip = &c->cfg->vips[i];
	struct vip_aux *va = &c->vaux[i];
	enum { ADDR, PORT, PROTO, ENCAP, GUE_PORT, SIZE, BACKENDS };
	struct field f[] = {
	    [ADDR] = {"address", true, NULL, NULL},
	    [PORT] = {"port", true, NULL, NULL},
	    [PROTO] = {"protocol", true, NULL, NULL},
	    [ENCAP] = {"encap", true, NULL, NULL},
	    [GUE_PORT] = {"gue_port", false, NULL, NULL},
	    [SIZE] = {"table_size", false, NULL, NULL},
	    [BACKENDS] = {"backends", true, NULL, NULL},
	};
	char path[32], kp[64];
	unsigned e;
	uint64_t v;

	vip->line = item->start_mark.line + 1;
	vip->col = item->start_mark.column + 1;
	va->mark = item->start_mark;
	snprintf(path, sizeof(path), "vips[%ld]", i);
	if (i == SL_MAX_VIPS)
		ERR(c, item->start_mark, "vips: too many VIPs (at most %d)", SL_MAX_VIPS);
	if (!get_fields(c, item, path, f, sizeof(f) / sizeof(f[0])))
		return;

	if (f[ADDR].val) {
		snprintf(kp, sizeof(kp), "%s.address", path);
		va->addr_ok = get_addr(c, f[ADDR].val, kp, vip->addr, &vip->family, vip->addr_str,
				       sizeof(vip->addr_str));
	}
	if (f[PORT].val) {
		yaml_node_t *n = f[PORT].val;

		snprintf(kp, sizeof(kp), "%s.port", path);
		if (n->type == YAML_SCALAR_NODE && !strcmp((char *)n->data.scalar.value, "any")) {
			va->port_ok = enter(c, n);
			vip->port = 0;
		} else if (n->type == YAML_SCALAR_NODE && !is_null(n) &&
			   n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE) {
			bool overflow;
			const char *s = (const char *)n->data.scalar.value;

			if (!parse_u64(s, &v, &overflow) || overflow || v < 1 || v > 65535)
				ERR(c, n->start_mark,
				    "%s: expected 1..65535 or \"any\", got \"%.64s\"", kp, s);
			else if (enter(c, n)) {
				va->port_ok = true;
				vip->port = (uint16_t)v;
			}
		} else {
			ERR(c, n->start_mark, "%s: expected 1..65535 or \"any\", got %s", kp,
			    n->type == YAML_SCALAR_NODE && !is_null(n) ? "a quoted string"
								       : kind(n));
		}
	}
	if (f[PROTO].val) {
		snprintf(kp, sizeof(kp), "%s.protocol", path);
		va->proto_ok = get_enum(c, f[PROTO].val, kp, proto_names, 2, &e);
		if (va->proto_ok)
			vip->proto = e == 0 ? IPPROTO_TCP : IPPROTO_UDP;
	}
	if (f[ENCAP].val) {
		snprintf(kp, sizeof(kp), "%s.encap", path);
		va->encap_mark = f[ENCAP].val->start_mark;
		va->encap_ok = get_enum(c, f[ENCAP].val, kp, encap_names, SL_ENCAP_MAX, &e);
		if (va->encap_ok)
			vip->encap = (enum sl_encap_kind)e;
		if (va->encap_ok && vip->encap == SL_ENCAP_GUE)
			vip->gue_port = DEF_GUE_PORT;
	}
	if (f[GUE_PORT].val) {
		snprintf(kp, sizeof(kp), "%s.gue_port", path);
		if (va->encap_ok && vip->encap != SL_ENCAP_GUE)
			ERR(c, f[GUE_PORT].key->start_mark,
			    "%s: only valid with encap: gue (this VIP uses %s)", kp,
			    encap_names[vip->encap]);
		else if (get_uint(c, f[GUE_PORT].val, kp, 1, 65535, &v))
			vip->gue_port = (uint16_t)v;
	}
	vip->table_size = c->cfg->maglev_size;
	va->size_ok = c->maglev_ok;
	if (f[SIZE].val) {
		snprintf(kp, sizeof(kp), "%s.table_size", path);
		va->size_set = true;
		va->size_mark = f[SIZE].val->start_mark;
		va->size_ok = get_maglev_size(c, f[SIZE].val, kp, &vip->table_size);
	}
	if (f[BACKENDS].val)
		parse_backends(c, f[BACKENDS].val, path, vip, va);
}

static void parse_vips(struct ctx *c, yaml_node_t *seq)
{
	long n = get_seq(c, seq, "vips");

	if (n < 0)
		return;
	/* No VIPs is a valid state (an instance being brought up or drained);
	 * it forwards nothing, so it is not even a warning. */
	if (n == 0)
		return;
	c->cfg->vips = calloc((size_t)n, sizeof(*c->cfg->vips));
	c->vaux = calloc((size_t)n, sizeof(*c->vaux));
	if (c->cfg->vips == NULL || c->vaux == NULL) {
		c->nomem = true;
		return;
	}
	c->cfg->nb_vips = (uint32_t)n;
	for (long i = 0; i < n && !c->nomem; i++)
		parse_vip(c, node(c, seq->data.sequence.items.start[i]), i);
}

/* ---- cross checks -------------------------------------------------------- */

struct sort_ref {
	const void *p;
	uint32_t idx;
};

static int vip_key_cmp(const void *a, const void *b)
{
	const struct sort_ref *x = a, *y = b;
	const struct sl_config_vip *v = x->p, *w = y->p;
	int r;

	if (v->family != w->family)
		return v->family < w->family ? -1 : 1;
	r = memcmp(v->addr, w->addr, 16);
	if (r)
		return r;
	if (v->port != w->port)
		return v->port < w->port ? -1 : 1;
	if (v->proto != w->proto)
		return v->proto < w->proto ? -1 : 1;
	return 0;
}

static int vip_ref_cmp(const void *a, const void *b)
{
	const struct sort_ref *x = a, *y = b;
	int r = vip_key_cmp(a, b);

	return r ? r : x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int backend_key_cmp(const void *a, const void *b)
{
	const struct sl_config_backend *v = ((const struct sort_ref *)a)->p;
	const struct sl_config_backend *w = ((const struct sort_ref *)b)->p;

	if (v->family != w->family)
		return v->family < w->family ? -1 : 1;
	return memcmp(v->addr, w->addr, 16);
}

static int backend_ref_cmp(const void *a, const void *b)
{
	const struct sort_ref *x = a, *y = b;
	int r = backend_key_cmp(a, b);

	return r ? r : x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Sorting, rather than comparing all pairs, keeps a VIP with 100k backends
 * fast.  Each later duplicate is reported against the first definition. */
static void check_duplicate_backends(struct ctx *c, uint32_t vi)
{
	struct sl_config_vip *vip = &c->cfg->vips[vi];
	struct vip_aux *va = &c->vaux[vi];
	struct sort_ref *refs = calloc(vip->nb_backends, sizeof(*refs));
	uint32_t n = 0;

	if (refs == NULL) {
		c->nomem = true;
		return;
	}
	for (uint32_t i = 0; i < vip->nb_backends; i++)
		if (va->be[i].addr_ok)
			refs[n++] = (struct sort_ref){&vip->backends[i], i};
	qsort(refs, n, sizeof(*refs), backend_ref_cmp);
	for (uint32_t i = 1, first = 0; i < n; i++) {
		if (backend_key_cmp(&refs[first], &refs[i])) {
			first = i;
			continue;
		}
		ERR(c, va->be[refs[i].idx].addr_mark,
		    "vips[%u].backends[%u].address: duplicate backend %s (first at line %u)", vi,
		    refs[i].idx, vip->backends[refs[i].idx].addr_str,
		    vip->backends[refs[first].idx].line);
	}
	free(refs);
}

static void check_duplicate_vips(struct ctx *c)
{
	struct sl_config *cfg = c->cfg;
	struct sort_ref *refs = calloc(cfg->nb_vips, sizeof(*refs));
	uint32_t n = 0;

	if (refs == NULL) {
		c->nomem = true;
		return;
	}
	for (uint32_t i = 0; i < cfg->nb_vips; i++)
		if (c->vaux[i].addr_ok && c->vaux[i].port_ok && c->vaux[i].proto_ok)
			refs[n++] = (struct sort_ref){&cfg->vips[i], i};
	qsort(refs, n, sizeof(*refs), vip_ref_cmp);
	for (uint32_t i = 1, first = 0; i < n; i++) {
		const struct sl_config_vip *v = &cfg->vips[refs[i].idx];
		char port[8];

		if (vip_key_cmp(&refs[first], &refs[i])) {
			first = i;
			continue;
		}
		if (v->port)
			snprintf(port, sizeof(port), "%u", v->port);
		else
			strcpy(port, "any");
		ERR(c, c->vaux[refs[i].idx].mark,
		    "vips[%u]: duplicate VIP %s port %s %s (first at line %u)", refs[i].idx,
		    v->addr_str, port, v->proto == IPPROTO_TCP ? "tcp" : "udp",
		    cfg->vips[refs[first].idx].line);
	}
	free(refs);
}

/* Encapsulation vs address families, tunnel sources and Maglev size. */
/* An IPv6 VIP must get 1280-byte inner packets through the tunnel: IPv6
 * hosts never lower their path MTU below 1280 (RFC 8200 section 5), so a
 * packet-too-big advertising less is not acted on and such packets would be
 * lost.  The outer header of each backend must fit on top of 1280. */
static void check_vip_mtu(struct ctx *c, uint32_t vi)
{
	const struct sl_config *cfg = c->cfg;
	const struct sl_config_vip *vip = &cfg->vips[vi];
	const struct vip_aux *va = &c->vaux[vi];

	if (!va->addr_ok || !va->encap_ok || vip->family != SL_AF_INET6)
		return;
	for (uint32_t b = 0; b < vip->nb_backends; b++) {
		const struct sl_config_backend *be = &vip->backends[b];
		unsigned ovh;

		if (!va->be[b].addr_ok)
			continue;
		if (vip->encap == SL_ENCAP_GUE)
			ovh = (be->family == SL_AF_INET6 ? 40 : 20) + 8;
		else
			ovh = 40; /* ip6ip6 (the only other encap an IPv6 VIP may use) */
		if (cfg->mtu - ovh < MTU_MIN_IPV6) {
			ERR(c, va->mark,
			    "vips[%u]: next_hop.mtu %u leaves %u bytes for IPv6 packets inside "
			    "the %u-byte %s header to %s; IPv6 needs %u (raise next_hop.mtu to at "
			    "least %u)",
			    vi, cfg->mtu, cfg->mtu - ovh, ovh, encap_names[vip->encap],
			    be->addr_str, MTU_MIN_IPV6, MTU_MIN_IPV6 + ovh);
			return;
		}
	}
}

static void check_vip(struct ctx *c, uint32_t vi, int *ipv6_user)
{
	struct sl_config *cfg = c->cfg;
	struct sl_config_vip *vip = &cfg->vips[vi];
	struct vip_aux *va = &c->vaux[vi];
	const char *en;
	uint8_t vip_need = 0, be_need = 0; /* required families, 0 = either */
	bool uses4 = false, uses6 = false;

	if (va->addr_ok && vip->family == SL_AF_INET6)
		*ipv6_user = *ipv6_user < 0 ? (int)vi : *ipv6_user;

	if (va->encap_ok) {
		en = encap_names[vip->encap];
		switch (vip->encap) {
		case SL_ENCAP_IPIP:
			vip_need = be_need = SL_AF_INET;
			break;
		case SL_ENCAP_IP6IP6:
			vip_need = be_need = SL_AF_INET6;
			break;
		case SL_ENCAP_IP4IP6:
			vip_need = SL_AF_INET;
			be_need = SL_AF_INET6;
			break;
		default: /* GUE: any VIP, outer family = backend family */
			break;
		}
		if (va->addr_ok && vip_need && vip->family != vip_need)
			ERR(c, va->encap_mark,
			    "vips[%u].encap: %s needs an IPv%u VIP, but %s is IPv%u", vi, en,
			    vip_need, vip->addr_str, vip->family);
		for (uint32_t i = 0; i < vip->nb_backends; i++) {
			const struct sl_config_backend *b = &vip->backends[i];

			if (!va->be[i].addr_ok)
				continue;
			if (be_need && b->family != be_need) {
				ERR(c, va->be[i].addr_mark,
				    "vips[%u].backends[%u].address: encap %s needs IPv%u backends, "
				    "but %s is IPv%u",
				    vi, i, en, be_need, b->addr_str, b->family);
				continue;
			}
			if (b->family == SL_AF_INET)
				uses4 = true;
			else
				uses6 = true;
		}
		/* The outer family follows from the encap alone except for GUE. */
		if (vip->encap == SL_ENCAP_IPIP)
			uses4 = true, uses6 = false;
		else if (vip->encap != SL_ENCAP_GUE)
			uses6 = true, uses4 = false;
		if (uses4 && !cfg->has_src4)
			ERR(c, va->encap_mark,
			    "vips[%u].encap: %s%s needs tunnel.source4 (the outer IPv4 source)", vi,
			    en, vip->encap == SL_ENCAP_GUE ? " with IPv4 backends" : "");
		if (uses6 && !cfg->has_src6)
			ERR(c, va->encap_mark,
			    "vips[%u].encap: %s%s needs tunnel.source6 (the outer IPv6 source)", vi,
			    en, vip->encap == SL_ENCAP_GUE ? " with IPv6 backends" : "");
		if (uses6)
			*ipv6_user = *ipv6_user < 0 ? (int)vi : *ipv6_user;
	}

	if (va->size_ok && vip->nb_backends > 0) {
		/* Point at the size that applies: the VIP's own, or the global one. */
		const char *where = va->size_set ? "table_size" : "maglev.table_size";

		if (vip->table_size < vip->nb_backends)
			report(
			    c, false, va->size_set ? va->size_mark.line + 1 : vip->line,
			    va->size_set ? va->size_mark.column + 1 : vip->col,
			    "vips[%u]: Maglev table size %u (%s) is smaller than its %u backends",
			    vi, vip->table_size, where, vip->nb_backends);
		else if ((uint64_t)vip->table_size <
			 (uint64_t)MAGLEV_SLOTS_PER_BACKEND * vip->nb_backends)
			report(c, true, va->size_set ? va->size_mark.line + 1 : vip->line,
			       va->size_set ? va->size_mark.column + 1 : vip->col,
			       "vips[%u]: Maglev table size %u (%s) is less than %u x %u backends; "
			       "traffic shares may stray from the weights",
			       vi, vip->table_size, where, MAGLEV_SLOTS_PER_BACKEND,
			       vip->nb_backends);
	}
	if (vip->nb_backends > 0)
		check_duplicate_backends(c, vi);
}

static void cross_check(struct ctx *c)
{
	struct sl_config *cfg = c->cfg;
	int ipv6_user = -1;

	if (c->next_hop_port != NULL) {
		uint32_t i;

		for (i = 0; i < cfg->nb_ports; i++)
			if (c->port_ok[i] && !strcmp(cfg->ports[i].name, cfg->next_hop_port))
				break;
		if (i == cfg->nb_ports)
			ERR(c, c->next_hop_port->start_mark,
			    "next_hop.port: no port named \"%s\" in ports", cfg->next_hop_port);
		else if (cfg->ports[i].role != SL_PORT_DATA)
			ERR(c, c->next_hop_port->start_mark,
			    "next_hop.port: \"%s\" is the kernel port; expected a data port",
			    cfg->next_hop_port);
	}
	for (uint32_t i = 0; i < cfg->nb_vips && !c->nomem; i++)
		check_vip(c, i, &ipv6_user);
	if (cfg->nb_vips > 1 && !c->nomem)
		check_duplicate_vips(c);
	if (ipv6_user >= 0 && c->mtu_set && c->mtu_ok && cfg->mtu < MTU_MIN_IPV6)
		ERR(c, c->mtu_mark,
		    "next_hop.mtu: %u is below %u, the IPv6 minimum (vips[%d] uses IPv6)", cfg->mtu,
		    MTU_MIN_IPV6, ipv6_user);
	else if (!c->mtu_set || c->mtu_ok)
		for (uint32_t i = 0; i < cfg->nb_vips && !c->nomem; i++)
			check_vip_mtu(c, i);
}

static void parse_root(struct ctx *c, yaml_node_t *root)
{
	enum { PORTS, TUNNEL, NEXT_HOP, FLOW_TABLE, MAGLEV, ICMP, VIPS };
	struct field f[] = {
	    [PORTS] = {"ports", true, NULL, NULL},
	    [TUNNEL] = {"tunnel", false, NULL, NULL},
	    [NEXT_HOP] = {"next_hop", true, NULL, NULL},
	    [FLOW_TABLE] = {"flow_table", false, NULL, NULL},
	    [MAGLEV] = {"maglev", false, NULL, NULL},
	    [ICMP] = {"icmp", false, NULL, NULL},
	    [VIPS] = {"vips", false, NULL, NULL},
	};

	if (root->type != YAML_MAPPING_NODE) {
		ERR(c, root->start_mark,
		    "expected a mapping with top-level keys such as ports and next_hop, got %s",
		    kind(root));
		return;
	}
	if (!get_fields(c, root, "", f, sizeof(f) / sizeof(f[0])))
		return;
	if (f[PORTS].val)
		parse_ports(c, f[PORTS].val);
	if (f[TUNNEL].val)
		parse_tunnel(c, f[TUNNEL].val);
	if (f[NEXT_HOP].val)
		parse_next_hop(c, f[NEXT_HOP].val);
	if (f[FLOW_TABLE].val)
		parse_flow_table(c, f[FLOW_TABLE].val);
	/* Before vips: a VIP without its own table_size inherits this one. */
	if (f[MAGLEV].val)
		parse_maglev(c, f[MAGLEV].val);
	if (f[ICMP].val)
		parse_icmp(c, f[ICMP].val);
	if (f[VIPS].val)
		parse_vips(c, f[VIPS].val);
	if (!c->nomem)
		cross_check(c);
}

static void set_defaults(struct sl_config *cfg)
{
	cfg->mtu = DEF_MTU;
	cfg->ttl = DEF_TTL;
	cfg->flow_table_size = DEF_FLOW_SIZE;
	cfg->tcp_timeout_ms = DEF_TCP_TIMEOUT_MS;
	cfg->tcp_closing_timeout_ms = DEF_TCP_CLOSING_MS;
	cfg->udp_timeout_ms = DEF_UDP_TIMEOUT_MS;
	cfg->maglev_size = SL_MAGLEV_DEFAULT_SIZE;
	cfg->icmp_rate = DEF_ICMP_RATE;
}

/* libyaml stops at its first syntax error; report it with its position and
 * the construct it was inside, e.g. "while parsing a block mapping". */
static void report_yaml_error(struct ctx *c, const yaml_parser_t *p)
{
	yaml_mark_t m = p->error == YAML_READER_ERROR ? p->mark : p->problem_mark;

	if (p->error == YAML_MEMORY_ERROR) {
		c->nomem = true;
		return;
	}
	if (p->context != NULL)
		ERR(c, m, "YAML syntax: %s (%s at line %lu, column %lu)", p->problem, p->context,
		    (unsigned long)p->context_mark.line + 1,
		    (unsigned long)p->context_mark.column + 1);
	else
		ERR(c, m, "YAML syntax: %s", p->problem ? p->problem : "invalid input");
}

void sl_config_free(struct sl_config *cfg)
{
	if (cfg == NULL)
		return;
	for (uint32_t i = 0; i < cfg->nb_vips; i++)
		free(cfg->vips[i].backends);
	free(cfg->vips);
	free(cfg);
}

int sl_config_parse(const char *text, size_t len, const char *name, struct sl_diag *diag,
		    struct sl_config **out)
{
	struct sl_diag quiet = {.out = NULL, .file = NULL};
	struct ctx c = {.diag = diag != NULL ? diag : &quiet, .maglev_ok = true};
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root;
	unsigned errors0 = c.diag->errors;
	int rc = 0;

	*out = NULL;
	c.file = name != NULL ? name : c.diag->file != NULL ? c.diag->file : "<config>";
	c.cfg = calloc(1, sizeof(*c.cfg));
	if (c.cfg == NULL || !yaml_parser_initialize(&parser)) {
		free(c.cfg);
		return -ENOMEM;
	}
	set_defaults(c.cfg);
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);

	if (!yaml_parser_load(&parser, &doc)) {
		report_yaml_error(&c, &parser);
		goto out_parser;
	}
	c.doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		report(&c, false, 1, 1,
		       "the configuration is empty (expected at least ports and next_hop)");
		goto out_doc;
	}
	c.nb_nodes = (size_t)(doc.nodes.top - doc.nodes.start);
	c.visited = calloc(c.nb_nodes, 1);
	if (c.visited == NULL) {
		c.nomem = true;
		goto out_doc;
	}
	parse_root(&c, root);

	/* One file, one document: a second "---" is most likely a paste error. */
	if (!yaml_parser_load(&parser, &extra)) {
		report_yaml_error(&c, &parser);
	} else {
		yaml_node_t *r = yaml_document_get_root_node(&extra);

		if (r != NULL)
			ERR(&c, extra.start_mark,
			    "a second YAML document; the configuration must be one document");
		yaml_document_delete(&extra);
	}

out_doc:
	if (c.vaux != NULL)
		for (uint32_t i = 0; i < c.cfg->nb_vips; i++)
			free(c.vaux[i].be);
	free(c.vaux);
	free(c.visited);
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
	flush_msgs(&c);
	if (c.nomem)
		rc = -ENOMEM;
	else if (c.diag->errors != errors0)
		rc = -EINVAL;
	if (rc == 0)
		*out = c.cfg;
	else
		sl_config_free(c.cfg);
	return rc;
}

/* Reports an I/O problem with the file itself: there is no position, so the
 * line and column are 0 (the format stays FILE:LINE:COLUMN for tools). */
static int file_error(struct sl_diag *diag, const char *path, const char *what, int err)
{
	if (diag != NULL) {
		diag->errors++;
		if (diag->out != NULL)
			fprintf(diag->out, "%s:0:0: error: %s: %s\n", path, what, strerror(err));
	}
	return -err;
}

int sl_config_load(const char *path, struct sl_diag *diag, struct sl_config **out)
{
	struct stat st;
	char *buf;
	size_t len;
	FILE *f;
	int rc;

	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return file_error(diag, path, "cannot open", errno);
	if (fstat(fileno(f), &st) < 0) {
		rc = file_error(diag, path, "cannot stat", errno);
		fclose(f);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)FILE_MAX) {
		rc = file_error(diag, path, "not a configuration file",
				S_ISDIR(st.st_mode)    ? EISDIR
				: !S_ISREG(st.st_mode) ? EINVAL
						       : EFBIG);
		fclose(f);
		return rc;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		fclose(f);
		return -ENOMEM;
	}
	len = fread(buf, 1, (size_t)st.st_size, f);
	if (ferror(f)) {
		rc = file_error(diag, path, "cannot read", errno ? errno : EIO);
		free(buf);
		fclose(f);
		return rc;
	}
	fclose(f);
	rc = sl_config_parse(buf, len, path, diag, out);
	free(buf);
	return rc;
}
