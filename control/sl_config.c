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
#define DEF_HC_INTERVAL_MS 2000u
#define DEF_HC_TIMEOUT_MS  1000u
#define DEF_HC_RISE	   2
#define DEF_HC_FALL	   3
#define DEF_HC_PATH	   "/"
#define DEF_HC_STATUS	   200
#define DEF_DRAIN_MS	   300000u
#define DEF_BACKUP_THR	   50
#define DEF_BACKUP_HYST	   10
#define DEF_PANIC_THR	   30
#define DEF_BL_WINDOW_MS   1000u
#define DEF_SOCKET	   "/run/sluice/sluiced.sock"
#define DEF_HISTORY	   64
#define DEF_METRICS_LISTEN "127.0.0.1:9465"
#define DEF_GUARD_DROPS	   100
/* alerts: (docs/OPERATIONS.md "Alerts" says why these values) */
#define DEF_AL_WARMUP_MS    60000u
#define DEF_AL_BASELINE_MS  600000u
#define DEF_AL_REPEAT_MS    60000u
#define DEF_AL_RESOLVE_MS   30000u
#define DEF_AL_SKEW_WIN_MS  30000u
#define DEF_AL_SKEW_FLOWS   300u
#define DEF_AL_SKEW_Z	    5000u
#define DEF_AL_SKEW_DEV	    25u
#define DEF_AL_FACTOR	    3000u
#define DEF_AL_MIN_INC	    100u
#define DEF_AL_SIGMAS	    6000u
#define DEF_AL_FLAP_WIN_MS  60000u
#define DEF_AL_FLAP_TRANS   4u
#define DEF_AL_LAT_MIN_MS   10u
#define DEF_AL_LAT_SAMPLES  5u
#define DEF_AL_HOOK_TIMEOUT 10000u
#define DEF_AL_HOOK_MAX	    4u
#define AL_FLAP_TRANS_MAX   32u /* sl_anomaly keeps this many transition times per target */
#define AL_LAT_SAMPLES_MAX  15u
#define AL_HOOK_MAX	    64u

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
/* bounded_load: a cap at or below the fair share (100%) could never be met
 * by every backend at once; above 10x it no longer bounds anything useful. */
#define BL_MIN	    101
#define BL_MAX	    1000
#define HISTORY_MAX 10000
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
	char path[32]; /* "vips[N]" in messages, "vip" for a VIP given alone */
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
	/* Messages quote the operator's text; a quoted scalar may hold "\n" or
	 * other controls, which must not break the one-line-per-message format. */
	for (char *p = text; *p; p++)
		if ((unsigned char)*p < ' ' || *p == 0x7f)
			*p = '?';
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
	bool hidden; /* accepted but not listed as expected (vip_update refuses it) */
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
			char list[512];
			size_t len = 0;

			list[0] = '\0';
			for (size_t j = 0; j < nf && len < sizeof(list); j++)
				if (!f[j].hidden)
					len += (size_t)snprintf(list + len, sizeof(list) - len,
								"%s%s", len ? ", " : "", f[j].name);
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
	/* "\0" in a quoted scalar would silently cut the C string short. */
	if (strlen((const char *)n->data.scalar.value) != n->data.scalar.length) {
		ERR(c, n->start_mark, "%s: contains a NUL character", path);
		return NULL;
	}
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
		uint64_t d = (uint64_t)(*s - '0');

		if (v > (UINT64_MAX - d) / 10)
			*overflow = true;
		else
			v = v * 10 + d;
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

/* A duration that may also be zero ("0s", "0ms", ...) and, when `off_ok`,
 * the word "off" (also zero): for settings where zero means "none". */
static bool get_duration0(struct ctx *c, yaml_node_t *n, const char *path, bool off_ok,
			  uint32_t *ms)
{
	const char *s;
	size_t nd;

	if (n->type == YAML_SCALAR_NODE && !is_null(n)) {
		s = (const char *)n->data.scalar.value;
		nd = strspn(s, "0");
		if ((off_ok && !strcmp(s, "off")) ||
		    (nd > 0 && nd == strspn(s, "0123456789") &&
		     (!strcmp(s + nd, "ms") || !strcmp(s + nd, "s") || !strcmp(s + nd, "m") ||
		      !strcmp(s + nd, "h")))) {
			if (!enter(c, n))
				return false;
			*ms = 0;
			return true;
		}
	}
	return get_duration(c, n, path, ms);
}

/* A percentage: an integer min..max followed by '%', e.g. "50%".  Quoted
 * or not (JSON can only quote it), like durations.  `alt` (may be NULL) is
 * a word the caller also accepts, for the messages. */
static bool get_percent(struct ctx *c, yaml_node_t *n, const char *path, unsigned min, unsigned max,
			const char *alt, unsigned *out)
{
	const char *s = get_scalar(c, n, path, "a percentage");
	size_t nd;
	uint64_t v;
	bool overflow;
	char digits[24];

	if (s == NULL)
		return false;
	nd = strspn(s, "0123456789");
	if (nd == 0 || nd >= sizeof(digits) || strcmp(s + nd, "%")) {
		ERR(c, n->start_mark,
		    "%s: expected %s%sa percentage %u%%..%u%% (e.g. %u%%), got \"%.64s\"", path,
		    alt ? alt : "", alt ? " or " : "", min, max, min == 0 ? 50 : min + 49, s);
		return false;
	}
	memcpy(digits, s, nd);
	digits[nd] = '\0';
	if (!parse_u64(digits, &v, &overflow) || overflow || v < min || v > max) {
		ERR(c, n->start_mark, "%s: %.64s is out of range (expected %u%%..%u%%%s%s)", path,
		    s, min, max, alt ? " or " : "", alt ? alt : "");
		return false;
	}
	*out = (unsigned)v;
	return true;
}

/* true or false (plain, as YAML 1.2 spells them). */
static bool get_bool(struct ctx *c, yaml_node_t *n, const char *path, bool *out)
{
	const char *s = get_scalar(c, n, path, "true or false");

	if (s == NULL)
		return false;
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(s, "true")) {
		*out = true;
		return true;
	}
	if (n->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && !strcmp(s, "false")) {
		*out = false;
		return true;
	}
	ERR(c, n->start_mark, "%s: expected true or false, got \"%.64s\"", path, s);
	return false;
}

/* A decimal number with at most three decimals ("3", "2.5", "0.125"),
 * stored in thousandths so that it survives the text round trip exactly;
 * min and max in thousandths too. */
static bool get_milli(struct ctx *c, yaml_node_t *n, const char *path, uint32_t min, uint32_t max,
		      uint32_t *out)
{
	const char *s = get_scalar(c, n, path, "a number");
	size_t ni, nf = 0;
	uint64_t v = 0;

	if (s == NULL)
		return false;
	ni = strspn(s, "0123456789");
	if (ni > 0 && s[ni] == '.')
		nf = strspn(s + ni + 1, "0123456789");
	if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || ni == 0 || ni > 9 ||
	    (s[ni] != '\0' && (s[ni] != '.' || nf == 0 || nf > 3 || s[ni + 1 + nf] != '\0'))) {
		ERR(c, n->start_mark,
		    "%s: expected a number %u.%03u..%u.%03u with at most 3 decimals (e.g. 2.5), "
		    "got \"%.64s\"",
		    path, min / 1000, min % 1000, max / 1000, max % 1000, s);
		return false;
	}
	for (size_t i = 0; i < ni; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	for (size_t i = 0; i < 3; i++)
		v = v * 10 + (i < nf ? (uint64_t)(s[ni + 1 + i] - '0') : 0);
	if (v < min || v > max) {
		ERR(c, n->start_mark, "%s: %.64s is out of range (expected %u.%03u..%u.%03u)", path,
		    s, min / 1000, min % 1000, max / 1000, max % 1000);
		return false;
	}
	*out = (uint32_t)v;
	return true;
}

/* A string shorter than `size` bytes (quoted "" is a valid, empty string). */
static const char *get_string(struct ctx *c, yaml_node_t *n, const char *path, const char *what,
			      size_t size)
{
	const char *s = get_scalar(c, n, path, what);

	if (s != NULL && strlen(s) >= size) {
		ERR(c, n->start_mark, "%s: too long (at most %zu bytes)", path, size - 1);
		return NULL;
	}
	return s;
}

/* Copies s into buf and zeroes the rest: a health spec is compared with
 * memcmp (sl_health.h), so no stale bytes may follow the terminator. */
static void set_text(char *buf, size_t size, const char *s)
{
	size_t len = strnlen(s, size - 1);

	memset(buf, 0, size);
	memcpy(buf, s, len);
}

/* True when s has no space, control character or DEL: it is written into a
 * request line or header, where such bytes would end it early. */
static bool is_token(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s <= ' ' || *s == 0x7f)
			return false;
	return true;
}

/* A group name as useradd/groupadd accept it: letters, digits, '_', '.',
 * '-', not starting with a digit, '.' or '-', optionally ending in '$'.  Only
 * the syntax is checked; the group need not exist when the file is read. */
static bool get_group(struct ctx *c, yaml_node_t *n, const char *path, char *buf, size_t size)
{
	const char *s = get_string(c, n, path, "a group name", size);
	size_t len;
	bool ok;

	if (s == NULL)
		return false;
	len = strlen(s);
	ok = len == 0 ||
	     (((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'));
	for (size_t i = 1; ok && i < len; i++)
		ok = (s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		     (s[i] >= '0' && s[i] <= '9') || s[i] == '_' || s[i] == '.' || s[i] == '-' ||
		     (s[i] == '$' && i + 1 == len);
	if (!ok) {
		ERR(c, n->start_mark,
		    "%s: expected a group name (letters, digits, '_', '.', '-'; not starting with "
		    "a "
		    "digit, '.' or '-'), got \"%.64s\"",
		    path, s);
		return false;
	}
	set_text(buf, size, s);
	return true;
}

/* An absolute path shorter than `size` bytes; "" only when `empty_ok`. */
static bool get_abs_path(struct ctx *c, yaml_node_t *n, const char *path, bool empty_ok,
			 const char *why, char *buf, size_t size)
{
	const char *s = get_scalar(c, n, path, "an absolute path");

	if (s == NULL)
		return false;
	if (*s == '\0' && empty_ok) {
		set_text(buf, size, s);
		return true;
	}
	if (*s != '/') {
		ERR(c, n->start_mark,
		    "%s: expected an absolute path (starting with /), got \"%.64s\"", path, s);
		return false;
	}
	if (strlen(s) >= size) {
		ERR(c, n->start_mark, "%s: path is too long (at most %zu bytes%s)", path, size - 1,
		    why);
		return false;
	}
	set_text(buf, size, s);
	return true;
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
		struct field f[] = {{"name", true, NULL, NULL, false},
				    {"role", false, NULL, NULL, false}};
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
	struct field f[] = {{"source4", false, NULL, NULL, false},
			    {"source6", false, NULL, NULL, false},
			    {"ttl", false, NULL, NULL, false}};
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
	struct field f[] = {{"port", true, NULL, NULL, false},
			    {"mac", true, NULL, NULL, false},
			    {"mtu", false, NULL, NULL, false}};
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
	struct field f[] = {{"size", false, NULL, NULL, false},
			    {"tcp_timeout", false, NULL, NULL, false},
			    {"tcp_closing_timeout", false, NULL, NULL, false},
			    {"udp_timeout", false, NULL, NULL, false}};
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
	struct field f[] = {{"table_size", false, NULL, NULL, false}};

	if (!get_fields(c, map, "maglev", f, 1))
		return;
	if (f[0].val)
		c->maglev_ok =
		    get_maglev_size(c, f[0].val, "maglev.table_size", &c->cfg->maglev_size);
}

static void parse_icmp(struct ctx *c, yaml_node_t *map)
{
	struct field f[] = {{"rate_limit", false, NULL, NULL, false}};
	uint64_t v;

	if (!get_fields(c, map, "icmp", f, 1))
		return;
	if (f[0].val && get_uint(c, f[0].val, "icmp.rate_limit", 0, UINT32_MAX, &v))
		c->cfg->icmp_rate = (uint32_t)v;
}

/* Name tables, in the order messages list them. */
static const char *const proto_names[] = {"tcp", "udp"};
/* Indexed by enum sl_encap_kind. */
static const char *const encap_names[] = {"ipip", "ip6ip6", "ipv4-in-ipv6", "gue"};
_Static_assert(sizeof(encap_names) / sizeof(encap_names[0]) == SL_ENCAP_MAX,
	       "encap_names must list every enum sl_encap_kind");
/* Indexed by enum sl_admin_state, sl_pool, sl_panic_mode, sl_when_empty. */
static const char *const admin_names[] = {"enabled", "disabled", "draining"};
static const char *const pool_names[] = {"primary", "backup"};
_Static_assert(sizeof(pool_names) / sizeof(pool_names[0]) == SL_NB_POOLS,
	       "pool_names must list every pool");
static const char *const panic_names[] = {"open", "closed"};
static const char *const empty_names[] = {"drop", "unreachable"};
/* Health check types as the documentation lists them; hc_kinds maps the
 * index to the enum, hc_kind_names the enum to the name. */
static const char *const hc_names[] = {"tcp", "http", "udp", "none"};
static const enum sl_hc_kind hc_kinds[] = {SL_HC_TCP, SL_HC_HTTP, SL_HC_UDP, SL_HC_NONE};
static const char *const hc_kind_names[] = {"none", "tcp", "http", "udp"};

#define NAME_OF(table, i) \
	((unsigned)(i) < sizeof(table) / sizeof((table)[0]) ? (table)[(unsigned)(i)] : "invalid")

/* A duration as the file would best write it: the largest unit that divides
 * it exactly ("0s" for zero). */
static void fmt_ms(char *buf, size_t size, uint32_t ms)
{
	if (ms == 0)
		snprintf(buf, size, "0s");
	else if (ms % 3600000u == 0)
		snprintf(buf, size, "%uh", ms / 3600000u);
	else if (ms % 60000u == 0)
		snprintf(buf, size, "%um", ms / 60000u);
	else if (ms % 1000u == 0)
		snprintf(buf, size, "%us", ms / 1000u);
	else
		snprintf(buf, size, "%ums", ms);
}

/* ---- backends ------------------------------------------------------------ */

enum { B_ADDR, B_WEIGHT, B_STATE, B_POOL, B_NB };

/* One `backends:` entry, or a backend given alone (path "backend"). */
static void parse_backend_item(struct ctx *c, yaml_node_t *item, const char *path,
			       struct sl_config_backend *b, struct backend_aux *ba)
{
	struct field f[B_NB] = {
	    [B_ADDR] = {"address", true, NULL, NULL, false},
	    [B_WEIGHT] = {"weight", false, NULL, NULL, false},
	    [B_STATE] = {"state", false, NULL, NULL, false},
	    [B_POOL] = {"pool", false, NULL, NULL, false},
	};
	char kp[96];
	unsigned e;
	uint64_t v;

	b->line = item->start_mark.line + 1;
	b->col = item->start_mark.column + 1;
	b->weight = DEF_WEIGHT;
	b->state = SL_ADMIN_ENABLED;
	b->pool = SL_POOL_PRIMARY;
	if (!get_fields(c, item, path, f, B_NB))
		return;
	if (f[B_ADDR].val) {
		snprintf(kp, sizeof(kp), "%s.address", path);
		ba->addr_mark = f[B_ADDR].val->start_mark;
		ba->addr_ok = get_addr(c, f[B_ADDR].val, kp, b->addr, &b->family, b->addr_str,
				       sizeof(b->addr_str));
	}
	snprintf(kp, sizeof(kp), "%s.weight", path);
	if (f[B_WEIGHT].val && get_uint(c, f[B_WEIGHT].val, kp, 0, 65535, &v))
		b->weight = (uint32_t)v;
	snprintf(kp, sizeof(kp), "%s.state", path);
	if (f[B_STATE].val && get_enum(c, f[B_STATE].val, kp, admin_names, 3, &e))
		b->state = (enum sl_admin_state)e;
	snprintf(kp, sizeof(kp), "%s.pool", path);
	if (f[B_POOL].val && get_enum(c, f[B_POOL].val, kp, pool_names, SL_NB_POOLS, &e))
		b->pool = (enum sl_pool)e;
}

static void parse_backends(struct ctx *c, yaml_node_t *seq, struct sl_config_vip *vip,
			   struct vip_aux *va)
{
	char path[64];
	long n;

	snprintf(path, sizeof(path), "%s.backends", va->path);
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

		snprintf(path, sizeof(path), "%s.backends[%ld]", va->path, i);
		if (++c->total_backends == SL_MAX_REALS + 1ull)
			ERR(c, item->start_mark, "%s: too many backends in total (at most %d)",
			    path, SL_MAX_REALS);
		parse_backend_item(c, item, path, &vip->backends[i], &va->be[i]);
	}
}

/* ---- VIPs ---------------------------------------------------------------- */

/* The keys of a VIP, in the file's (and to_yaml's) order.  ENCAP..WHEN_EMPTY
 * are its settings: what sl_config_vip_update may change. */
enum {
	V_ADDR,
	V_PORT,
	V_PROTO,
	V_ENCAP,
	V_GUE_PORT,
	V_SIZE,
	V_HEALTH,
	V_SLOW_START,
	V_DRAIN,
	V_BACKUP_THR,
	V_BACKUP_HYST,
	V_PANIC_THR,
	V_PANIC_MODE,
	V_BL,
	V_BL_WINDOW,
	V_WHEN_EMPTY,
	V_BACKENDS,
	V_NB
};
static const char *const vip_keys[V_NB] = {
    "address",
    "port",
    "protocol",
    "encap",
    "gue_port",
    "table_size",
    "health",
    "slow_start",
    "drain_timeout",
    "backup_threshold",
    "backup_hysteresis",
    "panic_threshold",
    "panic_mode",
    "bounded_load",
    "bounded_load_window",
    "when_empty",
    "backends",
};

/* `update`: the identity keys and backends are recognised (to refuse them
 * with a clear message) but not offered in "expected one of". */
static void vip_fields(struct field *f, bool update)
{
	for (int i = 0; i < V_NB; i++)
		f[i] = (struct field){vip_keys[i], false, NULL, NULL, false};
	if (update) {
		f[V_ADDR].hidden = f[V_PORT].hidden = f[V_PROTO].hidden = true;
		f[V_BACKENDS].hidden = true;
	} else {
		f[V_ADDR].required = f[V_PORT].required = f[V_PROTO].required = true;
		f[V_ENCAP].required = f[V_BACKENDS].required = true;
	}
}

enum {
	H_TYPE,
	H_PORT,
	H_INTERVAL,
	H_TIMEOUT,
	H_JITTER,
	H_RISE,
	H_FALL,
	H_PATH,
	H_HOST,
	H_STATUS,
	H_BODY,
	H_SEND,
	H_EXPECT,
	H_NB
};
static const char *const health_keys[H_NB] = {"type", "port", "interval", "timeout", "jitter",
					      "rise", "fall", "path",	  "host",    "status",
					      "body", "send", "expect"};

/* The keys that belong to one check type: once the type changes, those of
 * the new type take their defaults and the others are cleared, so a check
 * never carries settings that do not apply to it. */
static void health_switch_kind(struct sl_config_health *h, enum sl_hc_kind old)
{
	if (h->kind != SL_HC_HTTP) {
		set_text(h->path, sizeof(h->path), "");
		set_text(h->host, sizeof(h->host), "");
		set_text(h->body, sizeof(h->body), "");
		h->status = 0;
	} else if (old != SL_HC_HTTP) {
		set_text(h->path, sizeof(h->path), DEF_HC_PATH);
		set_text(h->host, sizeof(h->host), "");
		set_text(h->body, sizeof(h->body), "");
		h->status = DEF_HC_STATUS;
	}
	if (h->kind != SL_HC_UDP || old != SL_HC_UDP) {
		set_text(h->send, sizeof(h->send), "");
		set_text(h->expect, sizeof(h->expect), "");
	}
}

/* Health defaults of a VIP on `port`: a TCP connect for a TCP VIP; none for
 * a UDP VIP (a TCP check of a UDP service would call every backend dead, and
 * there is no generic UDP probe) or a VIP that takes any port (there is then
 * no port to connect to). */
static void health_defaults(struct sl_config_health *h, uint16_t port, uint8_t proto)
{
	memset(h, 0, sizeof(*h));
	h->kind = port && proto != IPPROTO_UDP ? SL_HC_TCP : SL_HC_NONE;
	h->port = port;
	h->interval_ms = DEF_HC_INTERVAL_MS;
	h->timeout_ms = DEF_HC_TIMEOUT_MS;
	h->jitter_ms = DEF_HC_INTERVAL_MS / 10;
	h->rise = DEF_HC_RISE;
	h->fall = DEF_HC_FALL;
}

static void vip_defaults(struct sl_config_vip *vip, uint32_t table_size)
{
	vip->table_size = table_size;
	health_defaults(&vip->health, vip->port, vip->proto);
	vip->slow_start_ms = 0;
	vip->drain_timeout_ms = DEF_DRAIN_MS;
	vip->backup_threshold_pct = DEF_BACKUP_THR;
	vip->backup_hysteresis_pct = DEF_BACKUP_HYST;
	vip->panic_threshold_pct = DEF_PANIC_THR;
	vip->panic_mode = SL_PANIC_OPEN;
	vip->bounded_load_pct = 0;
	vip->bounded_load_window_ms = DEF_BL_WINDOW_MS;
	vip->when_empty = SL_EMPTY_DROP;
}

/* One of the text keys of a check (path .. expect) into h. */
static bool parse_health_text(struct ctx *c, yaml_node_t *n, const char *kp, int key,
			      struct sl_config_health *h)
{
	const char *s;
	uint64_t v;

	if (key == H_STATUS) {
		if (!get_uint(c, n, kp, 100, 599, &v))
			return false;
		h->status = (uint16_t)v;
		return true;
	}
	s = get_string(c, n, kp, "a string", SL_HC_TEXT_MAX);
	if (s == NULL)
		return false;
	switch (key) {
	case H_PATH:
		if (s[0] != '/' || !is_token(s)) {
			ERR(c, n->start_mark,
			    "%s: expected a path starting with / and without spaces or control "
			    "characters, got \"%.64s\"",
			    kp, s);
			return false;
		}
		set_text(h->path, sizeof(h->path), s);
		break;
	case H_HOST:
		if (!is_token(s)) {
			ERR(c, n->start_mark,
			    "%s: expected a host name without spaces or control characters, got "
			    "\"%.64s\"",
			    kp, s);
			return false;
		}
		set_text(h->host, sizeof(h->host), s);
		break;
	case H_BODY:
		set_text(h->body, sizeof(h->body), s);
		break;
	case H_SEND:
		if (*s == '\0') {
			ERR(c, n->start_mark, "%s: must not be empty (it is the request datagram)",
			    kp);
			return false;
		}
		set_text(h->send, sizeof(h->send), s);
		break;
	default: /* H_EXPECT */
		set_text(h->expect, sizeof(h->expect), s);
		break;
	}
	return true;
}

/* `health:` of a VIP, over the values already in vip->health (the defaults
 * when reading a file, the current settings for an update). */
static void parse_health(struct ctx *c, yaml_node_t *map, struct sl_config_vip *vip,
			 struct vip_aux *va, bool update)
{
	struct sl_config_health *h = &vip->health;
	struct field f[H_NB];
	char hp[48], kp[64], d1[16], d2[16];
	bool kind_ok = true, port_ok = true, interval_ok = true, timeout_ok = true;
	bool jitter_ok = true, send_ok = true;
	uint32_t old_interval = h->interval_ms;
	enum sl_hc_kind old = h->kind;
	unsigned e;
	uint64_t v;

	for (int i = 0; i < H_NB; i++)
		f[i] = (struct field){health_keys[i], false, NULL, NULL, false};
	snprintf(hp, sizeof(hp), "%s.health", va->path);
	if (!get_fields(c, map, hp, f, H_NB))
		return;
#define KP(key) snprintf(kp, sizeof(kp), "%s.%s", hp, key)
	if (f[H_TYPE].val) {
		KP("type");
		kind_ok = get_enum(c, f[H_TYPE].val, kp, hc_names, 4, &e);
		if (kind_ok)
			h->kind = hc_kinds[e];
	} else if (!update) {
		/* A port of its own makes a TCP check possible on a port-any
		 * or UDP VIP (e.g. a TCP side port of a UDP service). */
		h->kind = f[H_PORT].val != NULL ||
				  ((vip->port != 0 || !va->port_ok) && vip->proto != IPPROTO_UDP)
			      ? SL_HC_TCP
			      : SL_HC_NONE;
	}
	if (h->kind != old)
		health_switch_kind(h, old);
	if (f[H_PORT].val) {
		KP("port");
		port_ok = get_uint(c, f[H_PORT].val, kp, 1, 65535, &v);
		if (port_ok)
			h->port = (uint16_t)v;
	}
	if (f[H_INTERVAL].val) {
		KP("interval");
		interval_ok = get_duration(c, f[H_INTERVAL].val, kp, &h->interval_ms);
	}
	if (f[H_TIMEOUT].val) {
		KP("timeout");
		timeout_ok = get_duration(c, f[H_TIMEOUT].val, kp, &h->timeout_ms);
	}
	if (f[H_JITTER].val) {
		KP("jitter");
		jitter_ok = get_duration0(c, f[H_JITTER].val, kp, false, &h->jitter_ms);
	} else if (f[H_INTERVAL].val && interval_ok &&
		   (!update || h->jitter_ms == old_interval / 10)) {
		/* A jitter left at its default follows the interval. */
		h->jitter_ms = h->interval_ms / 10;
	}
	if (f[H_RISE].val) {
		KP("rise");
		if (get_uint(c, f[H_RISE].val, kp, 1, 100, &v))
			h->rise = (uint8_t)v;
	}
	if (f[H_FALL].val) {
		KP("fall");
		if (get_uint(c, f[H_FALL].val, kp, 1, 100, &v))
			h->fall = (uint8_t)v;
	}
	for (int i = H_PATH; i <= H_EXPECT; i++) {
		enum sl_hc_kind want = i <= H_BODY ? SL_HC_HTTP : SL_HC_UDP;
		bool ok;

		if (f[i].val == NULL)
			continue;
		KP(health_keys[i]);
		if (kind_ok && h->kind != want) {
			ERR(c, f[i].key->start_mark,
			    "%s: only valid with type: %s (this check is %s)", kp,
			    hc_kind_names[want], NAME_OF(hc_kind_names, h->kind));
			continue;
		}
		ok = parse_health_text(c, f[i].val, kp, i, h);
		if (i == H_SEND)
			send_ok = ok;
	}
#undef KP

	if (kind_ok && h->kind != SL_HC_NONE && port_ok && h->port == 0 && va->port_ok)
		ERR(c, map->start_mark,
		    "%s: missing key \"port\" (type %s needs it: the VIP's port is any)", hp,
		    NAME_OF(hc_kind_names, h->kind));
	if (kind_ok && h->kind == SL_HC_UDP && send_ok && h->send[0] == '\0')
		ERR(c, map->start_mark, "%s: missing key \"send\" (required for type udp)", hp);
	if (interval_ok && timeout_ok && h->timeout_ms > h->interval_ms) {
		fmt_ms(d1, sizeof(d1), h->timeout_ms);
		fmt_ms(d2, sizeof(d2), h->interval_ms);
		if (f[H_TIMEOUT].val)
			ERR(c, f[H_TIMEOUT].val->start_mark,
			    "%s.timeout: %s is longer than the interval (%s)", hp, d1, d2);
		else
			ERR(c, f[H_INTERVAL].val ? f[H_INTERVAL].val->start_mark : map->start_mark,
			    "%s.interval: %s is shorter than the timeout (%s)", hp, d2, d1);
	}
	if (interval_ok && jitter_ok && h->jitter_ms >= h->interval_ms) {
		fmt_ms(d1, sizeof(d1), h->jitter_ms);
		fmt_ms(d2, sizeof(d2), h->interval_ms);
		if (f[H_JITTER].val)
			ERR(c, f[H_JITTER].val->start_mark,
			    "%s.jitter: %s must be shorter than the interval (%s)", hp, d1, d2);
		else
			ERR(c, f[H_INTERVAL].val ? f[H_INTERVAL].val->start_mark : map->start_mark,
			    "%s.interval: %s must be longer than the jitter (%s)", hp, d2, d1);
	}
}

/* The settings of a VIP (ENCAP..WHEN_EMPTY) over the values already in *vip:
 * its defaults when reading a file (`update` false), its current settings
 * for sl_config_vip_update. */
static void parse_vip_settings(struct ctx *c, const struct field *f, struct sl_config_vip *vip,
			       struct vip_aux *va, bool update)
{
	char kp[64];
	unsigned e, pct;
	uint64_t v;
	bool thr_ok = true, hyst_ok = true;

#define KP(key) snprintf(kp, sizeof(kp), "%s.%s", va->path, key)
	if (f[V_ENCAP].val) {
		enum sl_encap_kind old = vip->encap;

		KP("encap");
		va->encap_mark = f[V_ENCAP].val->start_mark;
		va->encap_ok = get_enum(c, f[V_ENCAP].val, kp, encap_names, SL_ENCAP_MAX, &e);
		if (va->encap_ok) {
			vip->encap = (enum sl_encap_kind)e;
			if (vip->encap != SL_ENCAP_GUE)
				vip->gue_port = 0;
			else if (!update || old != SL_ENCAP_GUE)
				vip->gue_port = DEF_GUE_PORT;
		}
	}
	if (f[V_GUE_PORT].val) {
		KP("gue_port");
		if (va->encap_ok && vip->encap != SL_ENCAP_GUE)
			ERR(c, f[V_GUE_PORT].key->start_mark,
			    "%s: only valid with encap: gue (this VIP uses %s)", kp,
			    encap_names[vip->encap]);
		else if (get_uint(c, f[V_GUE_PORT].val, kp, 1, 65535, &v))
			vip->gue_port = (uint16_t)v;
	}
	if (f[V_SIZE].val) {
		KP("table_size");
		va->size_set = true;
		va->size_mark = f[V_SIZE].val->start_mark;
		va->size_ok = get_maglev_size(c, f[V_SIZE].val, kp, &vip->table_size);
	}
	if (f[V_HEALTH].val)
		parse_health(c, f[V_HEALTH].val, vip, va, update);
	if (f[V_SLOW_START].val) {
		KP("slow_start");
		get_duration0(c, f[V_SLOW_START].val, kp, true, &vip->slow_start_ms);
	}
	if (f[V_DRAIN].val) {
		KP("drain_timeout");
		get_duration(c, f[V_DRAIN].val, kp, &vip->drain_timeout_ms);
	}
	if (f[V_BACKUP_THR].val) {
		KP("backup_threshold");
		thr_ok = get_percent(c, f[V_BACKUP_THR].val, kp, 0, 100, NULL, &pct);
		if (thr_ok)
			vip->backup_threshold_pct = (uint8_t)pct;
	}
	if (f[V_BACKUP_HYST].val) {
		KP("backup_hysteresis");
		hyst_ok = get_percent(c, f[V_BACKUP_HYST].val, kp, 0, 100, NULL, &pct);
		if (hyst_ok)
			vip->backup_hysteresis_pct = (uint8_t)pct;
	}
	if (f[V_PANIC_THR].val) {
		KP("panic_threshold");
		if (get_percent(c, f[V_PANIC_THR].val, kp, 0, 100, NULL, &pct))
			vip->panic_threshold_pct = (uint8_t)pct;
	}
	if (f[V_PANIC_MODE].val) {
		KP("panic_mode");
		if (get_enum(c, f[V_PANIC_MODE].val, kp, panic_names, 2, &e))
			vip->panic_mode = (enum sl_panic_mode)e;
	}
	if (f[V_BL].val) {
		yaml_node_t *n = f[V_BL].val;

		KP("bounded_load");
		if (n->type == YAML_SCALAR_NODE &&
		    !strcmp((const char *)n->data.scalar.value, "off")) {
			if (enter(c, n))
				vip->bounded_load_pct = 0;
		} else if (get_percent(c, n, kp, BL_MIN, BL_MAX, "off", &pct)) {
			vip->bounded_load_pct = (uint16_t)pct;
		}
	}
	if (f[V_BL_WINDOW].val) {
		KP("bounded_load_window");
		get_duration(c, f[V_BL_WINDOW].val, kp, &vip->bounded_load_window_ms);
	}
	if (f[V_WHEN_EMPTY].val) {
		KP("when_empty");
		if (get_enum(c, f[V_WHEN_EMPTY].val, kp, empty_names, 2, &e))
			vip->when_empty = (enum sl_when_empty)e;
	}
	/* The primary takes back at threshold + hysteresis of its capacity;
	 * above 100% it never could. */
	if ((f[V_BACKUP_THR].val || f[V_BACKUP_HYST].val) && thr_ok && hyst_ok &&
	    vip->backup_threshold_pct + vip->backup_hysteresis_pct > 100) {
		int k = f[V_BACKUP_HYST].val ? V_BACKUP_HYST : V_BACKUP_THR;

		KP(vip_keys[k]);
		ERR(c, f[k].val->start_mark,
		    "%s: backup_threshold %u%% + backup_hysteresis %u%% is above 100%%; the "
		    "primary "
		    "pool could never take over again",
		    kp, vip->backup_threshold_pct, vip->backup_hysteresis_pct);
	}
#undef KP
}

/* A `vips:` entry, or a VIP given alone (va->path "vip"). */
static void parse_vip(struct ctx *c, yaml_node_t *item, struct sl_config_vip *vip,
		      struct vip_aux *va)
{
	struct field f[V_NB];
	char kp[64];
	unsigned e;
	uint64_t v;

	vip_fields(f, false);
	vip->line = item->start_mark.line + 1;
	vip->col = item->start_mark.column + 1;
	va->mark = item->start_mark;
	if (!get_fields(c, item, va->path, f, V_NB))
		return;

	if (f[V_ADDR].val) {
		snprintf(kp, sizeof(kp), "%s.address", va->path);
		va->addr_ok = get_addr(c, f[V_ADDR].val, kp, vip->addr, &vip->family, vip->addr_str,
				       sizeof(vip->addr_str));
	}
	if (f[V_PORT].val) {
		yaml_node_t *n = f[V_PORT].val;

		snprintf(kp, sizeof(kp), "%s.port", va->path);
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
	if (f[V_PROTO].val) {
		snprintf(kp, sizeof(kp), "%s.protocol", va->path);
		va->proto_ok = get_enum(c, f[V_PROTO].val, kp, proto_names, 2, &e);
		if (va->proto_ok)
			vip->proto = e == 0 ? IPPROTO_TCP : IPPROTO_UDP;
	}
	/* Defaults that depend on what is known by now (the port, maglev). */
	vip_defaults(vip, c->cfg->maglev_size);
	va->size_ok = c->maglev_ok;
	parse_vip_settings(c, f, vip, va, false);
	if (f[V_BACKENDS].val)
		parse_backends(c, f[V_BACKENDS].val, vip, va);
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
	for (long i = 0; i < n && !c->nomem; i++) {
		yaml_node_t *item = node(c, seq->data.sequence.items.start[i]);

		snprintf(c->vaux[i].path, sizeof(c->vaux[i].path), "vips[%ld]", i);
		if (i == SL_MAX_VIPS)
			ERR(c, item->start_mark, "vips: too many VIPs (at most %d)", SL_MAX_VIPS);
		parse_vip(c, item, &c->cfg->vips[i], &c->vaux[i]);
	}
}

static void parse_control(struct ctx *c, yaml_node_t *map)
{
	struct sl_config *cfg = c->cfg;
	struct field f[] = {{"socket", false, NULL, NULL, false},
			    {"admin_group", false, NULL, NULL, false},
			    {"read_group", false, NULL, NULL, false},
			    {"state_file", false, NULL, NULL, false},
			    {"history", false, NULL, NULL, false}};
	uint64_t v;

	if (!get_fields(c, map, "control", f, 5))
		return;
	if (f[0].val)
		get_abs_path(c, f[0].val, "control.socket", false,
			     ", the limit of a Unix socket address", cfg->control_socket,
			     sizeof(cfg->control_socket));
	if (f[1].val)
		get_group(c, f[1].val, "control.admin_group", cfg->admin_group,
			  sizeof(cfg->admin_group));
	if (f[2].val)
		get_group(c, f[2].val, "control.read_group", cfg->read_group,
			  sizeof(cfg->read_group));
	if (f[3].val)
		get_abs_path(c, f[3].val, "control.state_file", true, "", cfg->state_file,
			     sizeof(cfg->state_file));
	if (f[4].val && get_uint(c, f[4].val, "control.history", 1, HISTORY_MAX, &v))
		cfg->history = (uint32_t)v;
}

int sl_config_parse_listen(const char *s, uint8_t *family, uint8_t addr[16], uint16_t *port)
{
	char host[INET6_ADDRSTRLEN + 2];
	const char *colon, *h = host;
	size_t hl;
	char *end;
	unsigned long p;

	memset(addr, 0, 16);
	*family = 0;
	*port = 0;
	if (strcmp(s, "off") == 0)
		return 0;
	colon = strrchr(s, ':');
	if (colon == NULL || colon == s || colon[1] == '\0')
		return -EINVAL;
	hl = (size_t)(colon - s);
	if (hl >= sizeof(host))
		return -EINVAL;
	memcpy(host, s, hl);
	host[hl] = '\0';
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || p > 65535 || colon[1] < '0' || colon[1] > '9')
		return -EINVAL;
	if (host[0] == '[') {
		if (hl < 3 || host[hl - 1] != ']')
			return -EINVAL;
		host[hl - 1] = '\0';
		h = host + 1;
		if (inet_pton(AF_INET6, h, addr) != 1)
			return -EINVAL;
		*family = SL_AF_INET6;
	} else {
		if (inet_pton(AF_INET, h, addr) != 1)
			return -EINVAL;
		*family = SL_AF_INET;
	}
	*port = (uint16_t)p;
	return 0;
}

static void parse_metrics(struct ctx *c, yaml_node_t *map)
{
	struct field f[] = {{"listen", false, NULL, NULL, false}};
	uint8_t family, addr[16];
	uint16_t port;
	const char *s;

	if (!get_fields(c, map, "metrics", f, 1) || f[0].val == NULL)
		return;
	s = get_scalar(c, f[0].val, "metrics.listen", "an address:port or off");
	if (s == NULL)
		return;
	if (strlen(s) >= sizeof(c->cfg->metrics_listen) ||
	    sl_config_parse_listen(s, &family, addr, &port) < 0) {
		ERR(c, f[0].val->start_mark,
		    "metrics.listen: expected ADDRESS:PORT with an IPv4 address "
		    "(\"127.0.0.1:9465\"), [IPV6]:PORT (\"[::1]:9465\", quoted) or off, got "
		    "\"%.64s\"",
		    s);
		return;
	}
	if (family != 0 && port == 0) {
		ERR(c, f[0].val->start_mark,
		    "metrics.listen: port must be 1..65535, got 0 in \"%s\"", s);
		return;
	}
	set_text(c->cfg->metrics_listen, sizeof(c->cfg->metrics_listen), s);
}

static void parse_guard(struct ctx *c, yaml_node_t *map)
{
	struct field f[] = {{"backends_down", false, NULL, NULL, false},
			    {"drops_per_second", false, NULL, NULL, false}};
	uint64_t v;

	if (!get_fields(c, map, "guard", f, 2))
		return;
	if (f[0].val && get_uint(c, f[0].val, "guard.backends_down", 0, SL_MAX_REALS, &v))
		c->cfg->guard_backends_down = (uint32_t)v;
	if (f[1].val && get_uint(c, f[1].val, "guard.drops_per_second", 0, UINT64_MAX, &v))
		c->cfg->guard_drops_per_s = v;
}

/* ---- alerts -------------------------------------------------------------- */

/* alerts.drop_spike / rx_missed / nonsyn_burst */
static void parse_spike(struct ctx *c, yaml_node_t *map, const char *path,
			struct sl_config_spike *sp)
{
	struct field f[] = {{"enabled", false, NULL, NULL, false},
			    {"factor", false, NULL, NULL, false},
			    {"min_increase", false, NULL, NULL, false},
			    {"sigmas", false, NULL, NULL, false}};
	char kp[64];
	uint64_t v;

	if (!get_fields(c, map, path, f, 4))
		return;
	snprintf(kp, sizeof(kp), "%s.enabled", path);
	if (f[0].val)
		get_bool(c, f[0].val, kp, &sp->enabled);
	snprintf(kp, sizeof(kp), "%s.factor", path);
	if (f[1].val)
		get_milli(c, f[1].val, kp, 1000, 1000000, &sp->factor_milli);
	snprintf(kp, sizeof(kp), "%s.min_increase", path);
	if (f[2].val && get_uint(c, f[2].val, kp, 0, UINT32_MAX, &v))
		sp->min_increase = v;
	snprintf(kp, sizeof(kp), "%s.sigmas", path);
	if (f[3].val)
		get_milli(c, f[3].val, kp, 0, 100000, &sp->sigmas_milli);
}

static void parse_alert_skew(struct ctx *c, yaml_node_t *map)
{
	struct sl_config_alerts *a = &c->cfg->alerts;
	struct field f[] = {{"enabled", false, NULL, NULL, false},
			    {"window", false, NULL, NULL, false},
			    {"min_flows", false, NULL, NULL, false},
			    {"z", false, NULL, NULL, false},
			    {"min_deviation", false, NULL, NULL, false}};
	unsigned pct;
	uint64_t v;

	if (!get_fields(c, map, "alerts.skew", f, 5))
		return;
	if (f[0].val)
		get_bool(c, f[0].val, "alerts.skew.enabled", &a->skew.enabled);
	if (f[1].val)
		get_duration(c, f[1].val, "alerts.skew.window", &a->skew.window_ms);
	if (f[2].val && get_uint(c, f[2].val, "alerts.skew.min_flows", 1, UINT32_MAX, &v))
		a->skew.min_flows = (uint32_t)v;
	if (f[3].val)
		get_milli(c, f[3].val, "alerts.skew.z", 1000, 100000, &a->skew.z_milli);
	if (f[4].val && get_percent(c, f[4].val, "alerts.skew.min_deviation", 1, 1000, NULL, &pct))
		a->skew.min_deviation_pct = pct;
}

static void parse_alert_flapping(struct ctx *c, yaml_node_t *map)
{
	struct sl_config_alerts *a = &c->cfg->alerts;
	struct field f[] = {{"enabled", false, NULL, NULL, false},
			    {"window", false, NULL, NULL, false},
			    {"transitions", false, NULL, NULL, false}};
	uint64_t v;

	if (!get_fields(c, map, "alerts.flapping", f, 3))
		return;
	if (f[0].val)
		get_bool(c, f[0].val, "alerts.flapping.enabled", &a->flapping.enabled);
	if (f[1].val)
		get_duration(c, f[1].val, "alerts.flapping.window", &a->flapping.window_ms);
	if (f[2].val &&
	    get_uint(c, f[2].val, "alerts.flapping.transitions", 2, AL_FLAP_TRANS_MAX, &v))
		a->flapping.transitions = (uint32_t)v;
}

static void parse_alert_latency(struct ctx *c, yaml_node_t *map)
{
	struct sl_config_alerts *a = &c->cfg->alerts;
	struct field f[] = {{"enabled", false, NULL, NULL, false},
			    {"factor", false, NULL, NULL, false},
			    {"min_increase", false, NULL, NULL, false},
			    {"samples", false, NULL, NULL, false}};
	uint64_t v;

	if (!get_fields(c, map, "alerts.latency", f, 4))
		return;
	if (f[0].val)
		get_bool(c, f[0].val, "alerts.latency.enabled", &a->latency.enabled);
	if (f[1].val)
		get_milli(c, f[1].val, "alerts.latency.factor", 1000, 1000000,
			  &a->latency.factor_milli);
	if (f[2].val)
		get_duration0(c, f[2].val, "alerts.latency.min_increase", false,
			      &a->latency.min_increase_ms);
	if (f[3].val && get_uint(c, f[3].val, "alerts.latency.samples", 1, AL_LAT_SAMPLES_MAX, &v))
		a->latency.samples = (uint32_t)v;
}

static void parse_alert_hook(struct ctx *c, yaml_node_t *map)
{
	struct sl_config_alerts *a = &c->cfg->alerts;
	struct field f[] = {{"command", false, NULL, NULL, false},
			    {"timeout", false, NULL, NULL, false},
			    {"max_running", false, NULL, NULL, false}};
	const char *s;
	uint64_t v;

	if (!get_fields(c, map, "alerts.hook", f, 3))
		return;
	if (f[0].val && (s = get_string(c, f[0].val, "alerts.hook.command", "a command line",
					sizeof(a->hook.command))) != NULL)
		set_text(a->hook.command, sizeof(a->hook.command), s);
	if (f[1].val)
		get_duration(c, f[1].val, "alerts.hook.timeout", &a->hook.timeout_ms);
	if (f[2].val && get_uint(c, f[2].val, "alerts.hook.max_running", 1, AL_HOOK_MAX, &v))
		a->hook.max_running = (uint32_t)v;
}

static void parse_alerts(struct ctx *c, yaml_node_t *map)
{
	struct sl_config_alerts *a = &c->cfg->alerts;
	enum {
		A_ENABLED,
		A_WARMUP,
		A_BASELINE,
		A_REPEAT,
		A_RESOLVE,
		A_SKEW,
		A_DROP,
		A_MISSED,
		A_NONSYN,
		A_FLAP,
		A_LATENCY,
		A_EMPTY,
		A_HOOK,
		A_NB
	};
	struct field f[A_NB] = {
	    [A_ENABLED] = {"enabled", false, NULL, NULL, false},
	    [A_WARMUP] = {"warmup", false, NULL, NULL, false},
	    [A_BASELINE] = {"baseline", false, NULL, NULL, false},
	    [A_REPEAT] = {"repeat", false, NULL, NULL, false},
	    [A_RESOLVE] = {"resolve_after", false, NULL, NULL, false},
	    [A_SKEW] = {"skew", false, NULL, NULL, false},
	    [A_DROP] = {"drop_spike", false, NULL, NULL, false},
	    [A_MISSED] = {"rx_missed", false, NULL, NULL, false},
	    [A_NONSYN] = {"nonsyn_burst", false, NULL, NULL, false},
	    [A_FLAP] = {"flapping", false, NULL, NULL, false},
	    [A_LATENCY] = {"latency", false, NULL, NULL, false},
	    [A_EMPTY] = {"vip_empty", false, NULL, NULL, false},
	    [A_HOOK] = {"hook", false, NULL, NULL, false},
	};

	if (!get_fields(c, map, "alerts", f, A_NB))
		return;
	if (f[A_ENABLED].val)
		get_bool(c, f[A_ENABLED].val, "alerts.enabled", &a->enabled);
	if (f[A_WARMUP].val)
		get_duration0(c, f[A_WARMUP].val, "alerts.warmup", false, &a->warmup_ms);
	if (f[A_BASELINE].val)
		get_duration(c, f[A_BASELINE].val, "alerts.baseline", &a->baseline_ms);
	if (f[A_REPEAT].val)
		get_duration0(c, f[A_REPEAT].val, "alerts.repeat", true, &a->repeat_ms);
	if (f[A_RESOLVE].val)
		get_duration0(c, f[A_RESOLVE].val, "alerts.resolve_after", false,
			      &a->resolve_after_ms);
	if (f[A_SKEW].val)
		parse_alert_skew(c, f[A_SKEW].val);
	if (f[A_DROP].val)
		parse_spike(c, f[A_DROP].val, "alerts.drop_spike", &a->drop_spike);
	if (f[A_MISSED].val)
		parse_spike(c, f[A_MISSED].val, "alerts.rx_missed", &a->rx_missed);
	if (f[A_NONSYN].val)
		parse_spike(c, f[A_NONSYN].val, "alerts.nonsyn_burst", &a->nonsyn_burst);
	if (f[A_FLAP].val)
		parse_alert_flapping(c, f[A_FLAP].val);
	if (f[A_LATENCY].val)
		parse_alert_latency(c, f[A_LATENCY].val);
	if (f[A_EMPTY].val) {
		struct field e[] = {{"enabled", false, NULL, NULL, false}};

		if (get_fields(c, f[A_EMPTY].val, "alerts.vip_empty", e, 1) && e[0].val)
			get_bool(c, e[0].val, "alerts.vip_empty.enabled", &a->vip_empty.enabled);
	}
	if (f[A_HOOK].val)
		parse_alert_hook(c, f[A_HOOK].val);
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
 * fast.  Each later duplicate is reported against the first definition.  A
 * backend is one address in one pool: the same address in both pools is a
 * duplicate too. */
static void check_duplicate_backends(struct ctx *c, const struct sl_config_vip *vip,
				     const struct vip_aux *va)
{
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
		const struct sl_config_backend *b = &vip->backends[refs[i].idx];
		const struct sl_config_backend *f = &vip->backends[refs[first].idx];

		if (backend_key_cmp(&refs[first], &refs[i])) {
			first = i;
			continue;
		}
		if (b->pool != f->pool)
			ERR(c, va->be[refs[i].idx].addr_mark,
			    "%s.backends[%u].address: duplicate backend %s (first at line %u, in "
			    "pool %s; an address can be in one pool only)",
			    va->path, refs[i].idx, b->addr_str, f->line,
			    NAME_OF(pool_names, f->pool));
		else
			ERR(c, va->be[refs[i].idx].addr_mark,
			    "%s.backends[%u].address: duplicate backend %s (first at line %u)",
			    va->path, refs[i].idx, b->addr_str, f->line);
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

/* An IPv6 VIP must get 1280-byte inner packets through the tunnel: IPv6
 * hosts never lower their path MTU below 1280 (RFC 8200 section 5), so a
 * packet-too-big advertising less is not acted on and such packets would be
 * lost.  The outer header of each backend must fit on top of 1280. */
static void check_vip_mtu(struct ctx *c, const struct sl_config_vip *vip, const struct vip_aux *va)
{
	const struct sl_config *cfg = c->cfg;

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
			    "%s: next_hop.mtu %u leaves %u bytes for IPv6 packets inside "
			    "the %u-byte %s header to %s; IPv6 needs %u (raise next_hop.mtu to at "
			    "least %u)",
			    va->path, cfg->mtu, cfg->mtu - ovh, ovh, encap_names[vip->encap],
			    be->addr_str, MTU_MIN_IPV6, MTU_MIN_IPV6 + ovh);
			return;
		}
	}
}

/* Checks of one VIP: encapsulation vs address families, Maglev size vs
 * backends, duplicate backends and, when `whole` (a whole configuration),
 * the tunnel sources its encapsulation needs.  *ipv6_user gets `vi` when the
 * VIP uses IPv6 anywhere (and none did before). */
static void check_vip(struct ctx *c, const struct sl_config_vip *vip, const struct vip_aux *va,
		      bool whole, uint32_t vi, int *ipv6_user)
{
	const struct sl_config *cfg = c->cfg;
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
			ERR(c, va->encap_mark, "%s.encap: %s needs an IPv%u VIP, but %s is IPv%u",
			    va->path, en, vip_need, vip->addr_str, vip->family);
		for (uint32_t i = 0; i < vip->nb_backends; i++) {
			const struct sl_config_backend *b = &vip->backends[i];

			if (!va->be[i].addr_ok)
				continue;
			if (be_need && b->family != be_need) {
				ERR(c, va->be[i].addr_mark,
				    "%s.backends[%u].address: encap %s needs IPv%u backends, "
				    "but %s is IPv%u",
				    va->path, i, en, be_need, b->addr_str, b->family);
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
		if (whole && uses4 && !cfg->has_src4)
			ERR(c, va->encap_mark,
			    "%s.encap: %s%s needs tunnel.source4 (the outer IPv4 source)", va->path,
			    en, vip->encap == SL_ENCAP_GUE ? " with IPv4 backends" : "");
		if (whole && uses6 && !cfg->has_src6)
			ERR(c, va->encap_mark,
			    "%s.encap: %s%s needs tunnel.source6 (the outer IPv6 source)", va->path,
			    en, vip->encap == SL_ENCAP_GUE ? " with IPv6 backends" : "");
		if (uses6)
			*ipv6_user = *ipv6_user < 0 ? (int)vi : *ipv6_user;
	}

	if (va->size_ok && vip->nb_backends > 0) {
		/* Point at the size that applies: the VIP's own, or the global one. */
		const char *where = va->size_set ? "table_size" : "maglev.table_size";

		if (vip->table_size < vip->nb_backends)
			report(c, false, va->size_set ? va->size_mark.line + 1 : vip->line,
			       va->size_set ? va->size_mark.column + 1 : vip->col,
			       "%s: Maglev table size %u (%s) is smaller than its %u backends",
			       va->path, vip->table_size, where, vip->nb_backends);
		else if ((uint64_t)vip->table_size <
			 (uint64_t)MAGLEV_SLOTS_PER_BACKEND * vip->nb_backends)
			report(c, true, va->size_set ? va->size_mark.line + 1 : vip->line,
			       va->size_set ? va->size_mark.column + 1 : vip->col,
			       "%s: Maglev table size %u (%s) is less than %u x %u backends; "
			       "traffic shares may stray from the weights",
			       va->path, vip->table_size, where, MAGLEV_SLOTS_PER_BACKEND,
			       vip->nb_backends);
	}
	if (vip->nb_backends > 0)
		check_duplicate_backends(c, vip, va);
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
		check_vip(c, &cfg->vips[i], &c->vaux[i], true, i, &ipv6_user);
	if (cfg->nb_vips > 1 && !c->nomem)
		check_duplicate_vips(c);
	if (ipv6_user >= 0 && c->mtu_set && c->mtu_ok && cfg->mtu < MTU_MIN_IPV6)
		ERR(c, c->mtu_mark,
		    "next_hop.mtu: %u is below %u, the IPv6 minimum (vips[%d] uses IPv6)", cfg->mtu,
		    MTU_MIN_IPV6, ipv6_user);
	else if (!c->mtu_set || c->mtu_ok)
		for (uint32_t i = 0; i < cfg->nb_vips && !c->nomem; i++)
			check_vip_mtu(c, &cfg->vips[i], &c->vaux[i]);
}

static void parse_root(struct ctx *c, yaml_node_t *root)
{
	enum {
		PORTS,
		TUNNEL,
		NEXT_HOP,
		FLOW_TABLE,
		MAGLEV,
		ICMP,
		CONTROL,
		METRICS,
		GUARD,
		ALERTS,
		VIPS
	};
	struct field f[] = {
	    [PORTS] = {"ports", true, NULL, NULL, false},
	    [TUNNEL] = {"tunnel", false, NULL, NULL, false},
	    [NEXT_HOP] = {"next_hop", true, NULL, NULL, false},
	    [FLOW_TABLE] = {"flow_table", false, NULL, NULL, false},
	    [MAGLEV] = {"maglev", false, NULL, NULL, false},
	    [ICMP] = {"icmp", false, NULL, NULL, false},
	    [CONTROL] = {"control", false, NULL, NULL, false},
	    [METRICS] = {"metrics", false, NULL, NULL, false},
	    [GUARD] = {"guard", false, NULL, NULL, false},
	    [ALERTS] = {"alerts", false, NULL, NULL, false},
	    [VIPS] = {"vips", false, NULL, NULL, false},
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
	if (f[CONTROL].val)
		parse_control(c, f[CONTROL].val);
	if (f[METRICS].val)
		parse_metrics(c, f[METRICS].val);
	if (f[GUARD].val)
		parse_guard(c, f[GUARD].val);
	if (f[ALERTS].val)
		parse_alerts(c, f[ALERTS].val);
	if (f[VIPS].val)
		parse_vips(c, f[VIPS].val);
	if (!c->nomem)
		cross_check(c);
}

static void spike_defaults(struct sl_config_spike *sp)
{
	sp->enabled = true;
	sp->factor_milli = DEF_AL_FACTOR;
	sp->min_increase = DEF_AL_MIN_INC;
	sp->sigmas_milli = DEF_AL_SIGMAS;
}

void sl_config_alerts_defaults(struct sl_config_alerts *a)
{
	memset(a, 0, sizeof(*a));
	a->enabled = true;
	a->warmup_ms = DEF_AL_WARMUP_MS;
	a->baseline_ms = DEF_AL_BASELINE_MS;
	a->repeat_ms = DEF_AL_REPEAT_MS;
	a->resolve_after_ms = DEF_AL_RESOLVE_MS;
	a->skew.enabled = true;
	a->skew.window_ms = DEF_AL_SKEW_WIN_MS;
	a->skew.min_flows = DEF_AL_SKEW_FLOWS;
	a->skew.z_milli = DEF_AL_SKEW_Z;
	a->skew.min_deviation_pct = DEF_AL_SKEW_DEV;
	spike_defaults(&a->drop_spike);
	spike_defaults(&a->rx_missed);
	spike_defaults(&a->nonsyn_burst);
	a->flapping.enabled = true;
	a->flapping.window_ms = DEF_AL_FLAP_WIN_MS;
	a->flapping.transitions = DEF_AL_FLAP_TRANS;
	a->latency.enabled = true;
	a->latency.factor_milli = DEF_AL_FACTOR;
	a->latency.min_increase_ms = DEF_AL_LAT_MIN_MS;
	a->latency.samples = DEF_AL_LAT_SAMPLES;
	a->vip_empty.enabled = true;
	a->hook.timeout_ms = DEF_AL_HOOK_TIMEOUT;
	a->hook.max_running = DEF_AL_HOOK_MAX;
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
	set_text(cfg->control_socket, sizeof(cfg->control_socket), DEF_SOCKET);
	cfg->history = DEF_HISTORY;
	set_text(cfg->metrics_listen, sizeof(cfg->metrics_listen), DEF_METRICS_LISTEN);
	cfg->guard_backends_down = 0;
	cfg->guard_drops_per_s = DEF_GUARD_DROPS;
	sl_config_alerts_defaults(&cfg->alerts);
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

/* Loads the one YAML document of `text` and runs fn on its root.  Reports
 * libyaml's syntax error, an empty input (`empty` is the message) and a
 * second document (`what` names the input).  Messages stay buffered in c
 * until finish(). */
static void run_doc(struct ctx *c, const char *text, size_t len, const char *what,
		    const char *empty, void (*fn)(struct ctx *c, yaml_node_t *root, void *arg),
		    void *arg)
{
	yaml_parser_t parser;
	yaml_document_t doc, extra;
	yaml_node_t *root;

	if (!yaml_parser_initialize(&parser)) {
		c->nomem = true;
		return;
	}
	yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
	if (!yaml_parser_load(&parser, &doc)) {
		report_yaml_error(c, &parser);
		goto out_parser;
	}
	c->doc = &doc;
	root = yaml_document_get_root_node(&doc);
	if (root == NULL) {
		report(c, false, 1, 1, "%s", empty);
		goto out_doc;
	}
	c->nb_nodes = (size_t)(doc.nodes.top - doc.nodes.start);
	c->visited = calloc(c->nb_nodes, 1);
	if (c->visited == NULL) {
		c->nomem = true;
		goto out_doc;
	}
	fn(c, root, arg);

	/* One input, one document: a second "---" is most likely a paste error. */
	if (!yaml_parser_load(&parser, &extra)) {
		report_yaml_error(c, &parser);
	} else {
		yaml_node_t *r = yaml_document_get_root_node(&extra);

		if (r != NULL)
			ERR(c, extra.start_mark,
			    "a second YAML document; the %s must be one document", what);
		yaml_document_delete(&extra);
	}

out_doc:
	free(c->visited);
	c->visited = NULL;
	c->doc = NULL;
	yaml_document_delete(&doc);
out_parser:
	yaml_parser_delete(&parser);
}

/* Prints the buffered messages; the result of a parse. */
static int finish(struct ctx *c, unsigned errors0)
{
	flush_msgs(c);
	if (c->nomem)
		return -ENOMEM;
	return c->diag->errors != errors0 ? -EINVAL : 0;
}

static const char *file_name(const char *name, const struct sl_diag *diag, const char *dflt)
{
	return name != NULL ? name : diag->file != NULL ? diag->file : dflt;
}

static void config_root(struct ctx *c, yaml_node_t *root, void *arg)
{
	(void)arg;
	parse_root(c, root);
}

int sl_config_parse(const char *text, size_t len, const char *name, struct sl_diag *diag,
		    struct sl_config **out)
{
	struct sl_diag quiet = {.out = NULL, .file = NULL};
	struct ctx c = {.diag = diag != NULL ? diag : &quiet, .maglev_ok = true};
	unsigned errors0 = c.diag->errors;
	int rc;

	*out = NULL;
	c.file = file_name(name, c.diag, "<config>");
	c.cfg = calloc(1, sizeof(*c.cfg));
	if (c.cfg == NULL)
		return -ENOMEM;
	set_defaults(c.cfg);
	run_doc(&c, text, len, "configuration",
		"the configuration is empty (expected at least ports and next_hop)", config_root,
		NULL);
	if (c.vaux != NULL)
		for (uint32_t i = 0; i < c.cfg->nb_vips; i++)
			free(c.vaux[i].be);
	free(c.vaux);
	rc = finish(&c, errors0);
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

/* ---- one VIP or backend at a time (the control socket) -------------------- */

struct one_vip {
	struct sl_config_vip *vip;
	struct vip_aux *va;
};

static void vip_root(struct ctx *c, yaml_node_t *root, void *arg)
{
	struct one_vip *o = arg;
	int ipv6_user = -1;

	parse_vip(c, root, o->vip, o->va);
	/* What the VIP alone decides (families, Maglev size, duplicate
	 * backends); tunnel sources, MTU and duplicate VIPs are the caller's
	 * whole-configuration check. */
	if (!c->nomem)
		check_vip(c, o->vip, o->va, false, 0, &ipv6_user);
}

int sl_config_parse_vip(const char *text, const char *name, const struct sl_config *cfg,
			struct sl_diag *diag, struct sl_config_vip *out)
{
	struct sl_diag quiet = {.out = NULL, .file = NULL};
	struct sl_config defaults;
	struct vip_aux va = {.path = "vip"};
	struct one_vip o = {out, &va};
	struct ctx c = {.diag = diag != NULL ? diag : &quiet, .maglev_ok = true};
	unsigned errors0 = c.diag->errors;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&defaults, 0, sizeof(defaults));
	set_defaults(&defaults);
	if (cfg != NULL)
		defaults.maglev_size = cfg->maglev_size;
	c.cfg = &defaults;
	c.file = file_name(name, c.diag, "<vip>");
	if (text == NULL)
		text = "";
	run_doc(&c, text, strlen(text), "input",
		"vip: empty input (expected a mapping with the keys of a vips entry)", vip_root,
		&o);
	free(va.be);
	rc = finish(&c, errors0);
	if (rc != 0)
		sl_config_vip_clear(out);
	return rc;
}

struct one_backend {
	struct sl_config_backend *b;
	struct backend_aux ba;
};

static void backend_root(struct ctx *c, yaml_node_t *root, void *arg)
{
	struct one_backend *o = arg;

	parse_backend_item(c, root, "backend", o->b, &o->ba);
}

int sl_config_parse_backend(const char *text, const char *name, struct sl_diag *diag,
			    struct sl_config_backend *out)
{
	struct sl_diag quiet = {.out = NULL, .file = NULL};
	struct sl_config defaults;
	struct one_backend o = {.b = out};
	struct ctx c = {.diag = diag != NULL ? diag : &quiet, .maglev_ok = true};
	unsigned errors0 = c.diag->errors;
	int rc;

	memset(out, 0, sizeof(*out));
	memset(&defaults, 0, sizeof(defaults));
	set_defaults(&defaults);
	c.cfg = &defaults;
	c.file = file_name(name, c.diag, "<backend>");
	if (text == NULL)
		text = "";
	run_doc(&c, text, strlen(text), "input",
		"backend: empty input (expected a mapping with the keys of a backends entry)",
		backend_root, &o);
	rc = finish(&c, errors0);
	if (rc != 0)
		memset(out, 0, sizeof(*out));
	return rc;
}

void sl_config_vip_clear(struct sl_config_vip *v)
{
	if (v == NULL)
		return;
	free(v->backends);
	memset(v, 0, sizeof(*v));
}

static void update_root(struct ctx *c, yaml_node_t *root, void *arg)
{
	struct one_vip *o = arg;
	struct field f[V_NB];
	static const int fixed[] = {V_ADDR, V_PORT, V_PROTO, V_BACKENDS};

	vip_fields(f, true);
	if (!get_fields(c, root, "vip", f, V_NB))
		return;
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
		if (f[fixed[i]].key != NULL)
			ERR(c, f[fixed[i]].key->start_mark,
			    "vip.%s: cannot be changed by an update (%s)", vip_keys[fixed[i]],
			    fixed[i] == V_BACKENDS
				? "backends are added, changed and removed one by one"
				: "a VIP is named by its address, port and protocol: add a new VIP "
				  "instead");
	parse_vip_settings(c, f, o->vip, o->va, true);
}

int sl_config_vip_update(struct sl_config_vip *v, const char *text, const char *name,
			 struct sl_diag *diag)
{
	struct sl_diag quiet = {.out = NULL, .file = NULL};
	struct sl_config defaults;
	struct sl_config_vip tmp = *v; /* shares v's backends, which are not touched */
	struct vip_aux va = {.path = "vip",
			     .addr_ok = true,
			     .port_ok = true,
			     .proto_ok = true,
			     .encap_ok = true,
			     .size_ok = true};
	struct one_vip o = {&tmp, &va};
	struct ctx c = {.diag = diag != NULL ? diag : &quiet, .maglev_ok = true};
	unsigned errors0 = c.diag->errors;
	int rc;

	memset(&defaults, 0, sizeof(defaults));
	set_defaults(&defaults);
	c.cfg = &defaults;
	c.file = file_name(name, c.diag, "<vip>");
	if (text == NULL)
		text = "";
	run_doc(&c, text, strlen(text), "input",
		"vip: empty input (expected a mapping of VIP settings)", update_root, &o);
	rc = finish(&c, errors0);
	if (rc == 0)
		*v = tmp;
	return rc;
}

/* ---- copies, comparison, look-up -------------------------------------------- */

struct sl_config *sl_config_dup(const struct sl_config *c)
{
	struct sl_config *d = malloc(sizeof(*d));

	if (d == NULL)
		return NULL;
	memcpy(d, c, sizeof(*d));
	d->vips = NULL;
	d->nb_vips = 0;
	if (c->nb_vips == 0)
		return d;
	d->vips = calloc(c->nb_vips, sizeof(*d->vips));
	if (d->vips == NULL)
		goto fail;
	d->nb_vips = c->nb_vips;
	for (uint32_t i = 0; i < c->nb_vips; i++) {
		const struct sl_config_vip *s = &c->vips[i];
		struct sl_config_vip *v = &d->vips[i];

		memcpy(v, s, sizeof(*v));
		v->backends = NULL;
		v->nb_backends = 0;
		if (s->nb_backends == 0)
			continue;
		v->backends = malloc(s->nb_backends * sizeof(*v->backends));
		if (v->backends == NULL)
			goto fail;
		memcpy(v->backends, s->backends, s->nb_backends * sizeof(*v->backends));
		v->nb_backends = s->nb_backends;
	}
	return d;
fail:
	sl_config_free(d);
	return NULL;
}

#define STR_EQ(a, b) (strncmp((a), (b), sizeof(a)) == 0)

static bool health_equal(const struct sl_config_health *a, const struct sl_config_health *b)
{
	return a->kind == b->kind && a->port == b->port && a->interval_ms == b->interval_ms &&
	       a->timeout_ms == b->timeout_ms && a->jitter_ms == b->jitter_ms &&
	       a->rise == b->rise && a->fall == b->fall && STR_EQ(a->path, b->path) &&
	       STR_EQ(a->host, b->host) && a->status == b->status && STR_EQ(a->body, b->body) &&
	       STR_EQ(a->send, b->send) && STR_EQ(a->expect, b->expect);
}

static bool backend_equal(const struct sl_config_backend *a, const struct sl_config_backend *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, 16) && a->weight == b->weight &&
	       a->state == b->state && a->pool == b->pool;
}

/* Everything but the backends and the position. */
static bool vip_settings_equal(const struct sl_config_vip *a, const struct sl_config_vip *b)
{
	return a->family == b->family && !memcmp(a->addr, b->addr, 16) && a->port == b->port &&
	       a->proto == b->proto && a->encap == b->encap && a->gue_port == b->gue_port &&
	       a->table_size == b->table_size && health_equal(&a->health, &b->health) &&
	       a->slow_start_ms == b->slow_start_ms && a->drain_timeout_ms == b->drain_timeout_ms &&
	       a->backup_threshold_pct == b->backup_threshold_pct &&
	       a->backup_hysteresis_pct == b->backup_hysteresis_pct &&
	       a->panic_threshold_pct == b->panic_threshold_pct && a->panic_mode == b->panic_mode &&
	       a->bounded_load_pct == b->bounded_load_pct &&
	       a->bounded_load_window_ms == b->bounded_load_window_ms &&
	       a->when_empty == b->when_empty;
}

/* Sorted references to n elements of `size` bytes at base, or NULL. */
static struct sort_ref *sorted_refs(const void *base, size_t size, uint32_t n,
				    int (*cmp)(const void *, const void *))
{
	struct sort_ref *r = malloc((n ? n : 1) * sizeof(*r));

	if (r == NULL)
		return NULL;
	for (uint32_t i = 0; i < n; i++)
		r[i] = (struct sort_ref){(const char *)base + i * size, i};
	qsort(r, n, sizeof(*r), cmp);
	return r;
}

/* The order of backends does not matter (Maglev identifies them by
 * address), so the lists are compared as sets. */
static bool backends_equal(const struct sl_config_vip *a, const struct sl_config_vip *b)
{
	struct sort_ref *ra, *rb;
	bool eq = true;

	if (a->nb_backends != b->nb_backends)
		return false;
	ra = sorted_refs(a->backends, sizeof(*a->backends), a->nb_backends, backend_ref_cmp);
	rb = sorted_refs(b->backends, sizeof(*b->backends), b->nb_backends, backend_ref_cmp);
	if (ra != NULL && rb != NULL) {
		for (uint32_t i = 0; eq && i < a->nb_backends; i++)
			eq = backend_equal(ra[i].p, rb[i].p);
	} else {
		/* Out of memory: the slow way, still exact. */
		for (uint32_t i = 0; eq && i < a->nb_backends; i++) {
			const struct sl_config_backend *x = &a->backends[i];
			int j = sl_config_find_backend(b, x->family, x->addr);

			eq = j >= 0 && backend_equal(x, &b->backends[j]);
		}
	}
	free(ra);
	free(rb);
	return eq;
}

static bool spike_equal(const struct sl_config_spike *a, const struct sl_config_spike *b)
{
	return a->enabled == b->enabled && a->factor_milli == b->factor_milli &&
	       a->min_increase == b->min_increase && a->sigmas_milli == b->sigmas_milli;
}

/* Field by field: a configuration built in memory may have padding bytes
 * that memcmp would see. */
static bool alerts_equal(const struct sl_config_alerts *a, const struct sl_config_alerts *b)
{
	return a->enabled == b->enabled && a->warmup_ms == b->warmup_ms &&
	       a->baseline_ms == b->baseline_ms && a->repeat_ms == b->repeat_ms &&
	       a->resolve_after_ms == b->resolve_after_ms && a->skew.enabled == b->skew.enabled &&
	       a->skew.window_ms == b->skew.window_ms && a->skew.min_flows == b->skew.min_flows &&
	       a->skew.z_milli == b->skew.z_milli &&
	       a->skew.min_deviation_pct == b->skew.min_deviation_pct &&
	       spike_equal(&a->drop_spike, &b->drop_spike) &&
	       spike_equal(&a->rx_missed, &b->rx_missed) &&
	       spike_equal(&a->nonsyn_burst, &b->nonsyn_burst) &&
	       a->flapping.enabled == b->flapping.enabled &&
	       a->flapping.window_ms == b->flapping.window_ms &&
	       a->flapping.transitions == b->flapping.transitions &&
	       a->latency.enabled == b->latency.enabled &&
	       a->latency.factor_milli == b->latency.factor_milli &&
	       a->latency.min_increase_ms == b->latency.min_increase_ms &&
	       a->latency.samples == b->latency.samples &&
	       a->vip_empty.enabled == b->vip_empty.enabled &&
	       STR_EQ(a->hook.command, b->hook.command) &&
	       a->hook.timeout_ms == b->hook.timeout_ms &&
	       a->hook.max_running == b->hook.max_running;
}

bool sl_config_equal(const struct sl_config *a, const struct sl_config *b)
{
	if (a->nb_ports != b->nb_ports)
		return false;
	for (uint32_t i = 0; i < a->nb_ports; i++)
		if (!STR_EQ(a->ports[i].name, b->ports[i].name) ||
		    a->ports[i].role != b->ports[i].role)
			return false;
	if (a->has_src4 != b->has_src4 || (a->has_src4 && memcmp(a->src4, b->src4, 4)) ||
	    a->has_src6 != b->has_src6 || (a->has_src6 && memcmp(a->src6, b->src6, 16)))
		return false;
	if (!STR_EQ(a->next_hop_port, b->next_hop_port) ||
	    memcmp(a->next_hop_mac, b->next_hop_mac, 6) || a->mtu != b->mtu || a->ttl != b->ttl ||
	    a->flow_table_size != b->flow_table_size || a->tcp_timeout_ms != b->tcp_timeout_ms ||
	    a->tcp_closing_timeout_ms != b->tcp_closing_timeout_ms ||
	    a->udp_timeout_ms != b->udp_timeout_ms || a->maglev_size != b->maglev_size ||
	    a->icmp_rate != b->icmp_rate)
		return false;
	if (!STR_EQ(a->control_socket, b->control_socket) ||
	    !STR_EQ(a->admin_group, b->admin_group) || !STR_EQ(a->read_group, b->read_group) ||
	    !STR_EQ(a->state_file, b->state_file) || a->history != b->history ||
	    !STR_EQ(a->metrics_listen, b->metrics_listen) ||
	    a->guard_backends_down != b->guard_backends_down ||
	    a->guard_drops_per_s != b->guard_drops_per_s || !alerts_equal(&a->alerts, &b->alerts))
		return false;
	/* VIPs as a set too: a VIP is found by its address, port and protocol. */
	if (a->nb_vips != b->nb_vips)
		return false;
	for (uint32_t i = 0; i < a->nb_vips; i++) {
		const struct sl_config_vip *v = &a->vips[i];
		int j = sl_config_find_vip(b, v->family, v->addr, v->port, v->proto);

		if (j < 0 || !vip_settings_equal(v, &b->vips[j]) || !backends_equal(v, &b->vips[j]))
			return false;
	}
	return true;
}

int sl_config_find_vip(const struct sl_config *c, uint8_t family, const uint8_t addr[16],
		       uint16_t port, uint8_t proto)
{
	for (uint32_t i = 0; i < c->nb_vips; i++) {
		const struct sl_config_vip *v = &c->vips[i];

		if (v->family == family && v->port == port && v->proto == proto &&
		    !memcmp(v->addr, addr, 16))
			return (int)i;
	}
	return -1;
}

int sl_config_find_backend(const struct sl_config_vip *v, uint8_t family, const uint8_t addr[16])
{
	for (uint32_t i = 0; i < v->nb_backends; i++)
		if (v->backends[i].family == family && !memcmp(v->backends[i].addr, addr, 16))
			return (int)i;
	return -1;
}

/* ---- text forms ----------------------------------------------------------- */

const char *sl_admin_state_name(enum sl_admin_state s)
{
	return NAME_OF(admin_names, s);
}

const char *sl_pool_name(enum sl_pool p)
{
	return NAME_OF(pool_names, p);
}

const char *sl_hc_kind_name(enum sl_hc_kind k)
{
	return NAME_OF(hc_kind_names, k);
}

static void addr_text(uint8_t family, const uint8_t *addr, char *buf, size_t size)
{
	if (inet_ntop(family == SL_AF_INET ? AF_INET : AF_INET6, addr, buf, (socklen_t)size) ==
	    NULL)
		snprintf(buf, size, "?");
}

static const char *proto_text(uint8_t proto)
{
	return proto == IPPROTO_TCP ? "tcp" : proto == IPPROTO_UDP ? "udp" : "invalid";
}

void sl_config_vip_ref(const struct sl_config_vip *v, char *buf, size_t len)
{
	char a[INET6_ADDRSTRLEN], port[8];

	addr_text(v->family, v->addr, a, sizeof(a));
	if (v->port)
		snprintf(port, sizeof(port), "%u", v->port);
	else
		snprintf(port, sizeof(port), "any");
	snprintf(buf, len, v->family == SL_AF_INET6 ? "[%s]:%s/%s" : "%s:%s/%s", a, port,
		 proto_text(v->proto));
}

int sl_config_parse_vip_ref(const char *s, uint8_t *family, uint8_t addr[16], uint16_t *port,
			    uint8_t *proto)
{
	char a[INET6_ADDRSTRLEN];
	const char *end, *slash;
	size_t alen;
	uint64_t v = 0;
	bool overflow;
	char digits[8];

	if (s == NULL)
		return -EINVAL;
	memset(addr, 0, 16);
	if (*s == '[') { /* IPv6, in brackets */
		end = strchr(s, ']');
		if (end == NULL || end[1] != ':')
			return -EINVAL;
		alen = (size_t)(end - s - 1);
		if (alen == 0 || alen >= sizeof(a))
			return -EINVAL;
		memcpy(a, s + 1, alen);
		a[alen] = '\0';
		if (inet_pton(AF_INET6, a, addr) != 1)
			return -EINVAL;
		*family = SL_AF_INET6;
		end++;
	} else {
		end = strchr(s, ':');
		if (end == NULL)
			return -EINVAL;
		alen = (size_t)(end - s);
		if (alen == 0 || alen >= sizeof(a))
			return -EINVAL;
		memcpy(a, s, alen);
		a[alen] = '\0';
		if (inet_pton(AF_INET, a, addr) != 1)
			return -EINVAL;
		*family = SL_AF_INET;
	}
	/* end points at the ':' before the port */
	slash = strchr(end + 1, '/');
	if (slash == NULL)
		return -EINVAL;
	alen = (size_t)(slash - end - 1);
	if (alen == 3 && !strncmp(end + 1, "any", 3)) {
		v = 0;
	} else {
		if (alen == 0 || alen >= sizeof(digits))
			return -EINVAL;
		memcpy(digits, end + 1, alen);
		digits[alen] = '\0';
		if (!parse_u64(digits, &v, &overflow) || overflow || v < 1 || v > 65535)
			return -EINVAL;
	}
	if (!strcmp(slash + 1, "tcp"))
		*proto = IPPROTO_TCP;
	else if (!strcmp(slash + 1, "udp"))
		*proto = IPPROTO_UDP;
	else
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* Decodes one UTF-8 sequence (no overlong forms, no surrogates); returns its
 * length, or 0 when s does not start a valid one. */
static size_t utf8_decode(const unsigned char *s, uint32_t *cp)
{
	size_t n;
	uint32_t v;

	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		n = 2, v = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		n = 3, v = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		n = 4, v = s[0] & 0x07;
	else
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		v = v << 6 | (s[i] & 0x3f);
	}
	if ((n == 3 && v < 0x800) || (n == 4 && (v < 0x10000 || v > 0x10ffff)) ||
	    (v >= 0xd800 && v <= 0xdfff))
		return 0;
	*cp = v;
	return n;
}

/* Room for a text field written as a YAML double-quoted scalar: at most 4
 * output bytes per input byte ("\x01"), the quotes and the NUL. */
#define QUOTED_MAX (4 * SL_HC_TEXT_MAX + 3)

/* s as a YAML double-quoted scalar that libyaml reads back as the same
 * bytes: printable ASCII and printable non-ASCII characters as they are,
 * everything else (controls, line and paragraph separators, the BOM) as
 * escapes.  A byte that is not valid UTF-8 cannot come from the parser; it is
 * written as \xNN (which reads back as U+00NN). */
static void quote(char *dst, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;

#define PUT(ch)                          \
	do {                             \
		if (o + 1 < size)        \
			dst[o++] = (ch); \
	} while (0)
	PUT('"');
	while (*p) {
		uint32_t cp;
		size_t n = utf8_decode(p, &cp);

		if (n == 0) {
			cp = *p;
			n = 1;
		} else if (cp == '"' || cp == '\\') {
			PUT('\\');
			PUT((char)cp);
			p += n;
			continue;
		} else if ((cp >= 0x20 && cp < 0x7f) ||
			   (cp >= 0xa0 && cp != 0x2028 && cp != 0x2029 && cp != 0xfeff &&
			    cp != 0xfffe && cp != 0xffff)) {
			for (size_t i = 0; i < n; i++)
				PUT((char)p[i]);
			p += n;
			continue;
		}
		/* An escape: \xNN, \uNNNN or \UNNNNNNNN. */
		{
			int digits = cp < 0x100 ? 2 : cp < 0x10000 ? 4 : 8;

			PUT('\\');
			PUT(digits == 2 ? 'x' : digits == 4 ? 'u' : 'U');
			for (int d = digits - 1; d >= 0; d--)
				PUT(hex[(cp >> (4 * d)) & 0xf]);
		}
		p += n;
	}
	PUT('"');
	dst[o] = '\0';
#undef PUT
}

/* One setting as the file writes it: "key" or "section.key", and its value
 * (not `set`: the setting does not apply, e.g. gue_port of an ipip VIP). */
struct kv {
	const char *key;
	bool set;
	char val[QUOTED_MAX];
};

#define NB_TOP_KV 53 /* 20 + NB_ALERTS_KV */
#define NB_VIP_KV 25
/* One table size for both (sl_config_to_yaml, sl_config_diff). */
#define NB_KV_MAX (NB_TOP_KV > NB_VIP_KV ? NB_TOP_KV : NB_VIP_KV)

static struct kv *kv_next(struct kv *t, size_t *n, const char *key, bool set)
{
	struct kv *e = &t[(*n)++];

	e->key = key;
	e->set = set;
	e->val[0] = '\0';
	return e;
}

#define KV_FMT(key, ...) snprintf(kv_next(t, &n, key, true)->val, QUOTED_MAX, __VA_ARGS__)
#define KV_STR(key, s)	 quote(kv_next(t, &n, key, true)->val, QUOTED_MAX, s)
#define KV_MS(key, ms)	 fmt_ms(kv_next(t, &n, key, true)->val, QUOTED_MAX, ms)
#define KV_UNSET(key)	 kv_next(t, &n, key, false)

/* An address for YAML: plain, except that one ending in ':' ("fd00::") would
 * read as a mapping key, so it is quoted. */
static void yaml_addr(uint8_t family, const uint8_t *addr, char *buf, size_t size)
{
	char a[INET6_ADDRSTRLEN];

	addr_text(family, addr, a, sizeof(a));
	if (a[strlen(a) - 1] == ':')
		snprintf(buf, size, "\"%s\"", a);
	else
		snprintf(buf, size, "%s", a);
}

/* Thousandths as the file writes them: "3", "2.5", "0.125". */
static void fmt_milli(char *buf, size_t size, uint32_t v)
{
	if (v % 1000 == 0)
		snprintf(buf, size, "%u", v / 1000);
	else if (v % 100 == 0)
		snprintf(buf, size, "%u.%u", v / 1000, v % 1000 / 100);
	else if (v % 10 == 0)
		snprintf(buf, size, "%u.%02u", v / 1000, v % 1000 / 10);
	else
		snprintf(buf, size, "%u.%03u", v / 1000, v % 1000);
}

#define KV_MILLI(key, v) fmt_milli(kv_next(t, &n, key, true)->val, QUOTED_MAX, v)
#define KV_BOOL(key, b)	 KV_FMT(key, "%s", (b) ? "true" : "false")

static size_t spike_kv(const struct sl_config_spike *sp, struct kv *t, const char *const keys[4])
{
	size_t n = 0;

	KV_BOOL(keys[0], sp->enabled);
	KV_MILLI(keys[1], sp->factor_milli);
	KV_FMT(keys[2], "%llu", (unsigned long long)sp->min_increase);
	KV_MILLI(keys[3], sp->sigmas_milli);
	return n;
}

/* The `alerts:` settings, in file order (NB_ALERTS_KV of them). */
#define NB_ALERTS_KV 33
static size_t alerts_kv(const struct sl_config_alerts *a, struct kv *t)
{
	static const char *const drop[] = {"alerts.drop_spike.enabled", "alerts.drop_spike.factor",
					   "alerts.drop_spike.min_increase",
					   "alerts.drop_spike.sigmas"};
	static const char *const missed[] = {"alerts.rx_missed.enabled", "alerts.rx_missed.factor",
					     "alerts.rx_missed.min_increase",
					     "alerts.rx_missed.sigmas"};
	static const char *const nonsyn[] = {
	    "alerts.nonsyn_burst.enabled", "alerts.nonsyn_burst.factor",
	    "alerts.nonsyn_burst.min_increase", "alerts.nonsyn_burst.sigmas"};
	size_t n = 0;

	KV_BOOL("alerts.enabled", a->enabled);
	KV_MS("alerts.warmup", a->warmup_ms);
	KV_MS("alerts.baseline", a->baseline_ms);
	if (a->repeat_ms)
		KV_MS("alerts.repeat", a->repeat_ms);
	else
		KV_FMT("alerts.repeat", "off");
	KV_MS("alerts.resolve_after", a->resolve_after_ms);
	KV_BOOL("alerts.skew.enabled", a->skew.enabled);
	KV_MS("alerts.skew.window", a->skew.window_ms);
	KV_FMT("alerts.skew.min_flows", "%u", a->skew.min_flows);
	KV_MILLI("alerts.skew.z", a->skew.z_milli);
	KV_FMT("alerts.skew.min_deviation", "%u%%", a->skew.min_deviation_pct);
	n += spike_kv(&a->drop_spike, t + n, drop);
	n += spike_kv(&a->rx_missed, t + n, missed);
	n += spike_kv(&a->nonsyn_burst, t + n, nonsyn);
	KV_BOOL("alerts.flapping.enabled", a->flapping.enabled);
	KV_MS("alerts.flapping.window", a->flapping.window_ms);
	KV_FMT("alerts.flapping.transitions", "%u", a->flapping.transitions);
	KV_BOOL("alerts.latency.enabled", a->latency.enabled);
	KV_MILLI("alerts.latency.factor", a->latency.factor_milli);
	KV_MS("alerts.latency.min_increase", a->latency.min_increase_ms);
	KV_FMT("alerts.latency.samples", "%u", a->latency.samples);
	KV_BOOL("alerts.vip_empty.enabled", a->vip_empty.enabled);
	KV_STR("alerts.hook.command", a->hook.command);
	KV_MS("alerts.hook.timeout", a->hook.timeout_ms);
	KV_FMT("alerts.hook.max_running", "%u", a->hook.max_running);
	return n;
}

/* The top-level settings (everything but ports and vips), in file order. */
static size_t top_kv(const struct sl_config *c, struct kv *t)
{
	size_t n = 0;
	const uint8_t *m = c->next_hop_mac;

	if (c->has_src4)
		yaml_addr(SL_AF_INET, c->src4, kv_next(t, &n, "tunnel.source4", true)->val,
			  QUOTED_MAX);
	else
		KV_UNSET("tunnel.source4");
	if (c->has_src6)
		yaml_addr(SL_AF_INET6, c->src6, kv_next(t, &n, "tunnel.source6", true)->val,
			  QUOTED_MAX);
	else
		KV_UNSET("tunnel.source6");
	KV_FMT("tunnel.ttl", "%u", c->ttl);
	KV_STR("next_hop.port", c->next_hop_port);
	KV_FMT("next_hop.mac", "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	KV_FMT("next_hop.mtu", "%u", c->mtu);
	KV_FMT("flow_table.size", "%u", c->flow_table_size);
	KV_MS("flow_table.tcp_timeout", c->tcp_timeout_ms);
	KV_MS("flow_table.tcp_closing_timeout", c->tcp_closing_timeout_ms);
	KV_MS("flow_table.udp_timeout", c->udp_timeout_ms);
	KV_FMT("maglev.table_size", "%u", c->maglev_size);
	KV_FMT("icmp.rate_limit", "%u", c->icmp_rate);
	KV_STR("control.socket", c->control_socket);
	KV_STR("control.admin_group", c->admin_group);
	KV_STR("control.read_group", c->read_group);
	KV_STR("control.state_file", c->state_file);
	KV_FMT("control.history", "%u", c->history);
	KV_STR("metrics.listen", c->metrics_listen);
	KV_FMT("guard.backends_down", "%u", c->guard_backends_down);
	KV_FMT("guard.drops_per_second", "%llu", (unsigned long long)c->guard_drops_per_s);
	n += alerts_kv(&c->alerts, t + n);
	_Static_assert(20 + NB_ALERTS_KV == NB_TOP_KV, "NB_TOP_KV counts every top-level key");
	return n;
}

/* A VIP's settings (encap .. when_empty), in file order. */
static size_t vip_kv(const struct sl_config_vip *v, struct kv *t)
{
	const struct sl_config_health *h = &v->health;
	bool http = h->kind == SL_HC_HTTP, udp = h->kind == SL_HC_UDP;
	size_t n = 0;

	KV_FMT("encap", "%s", NAME_OF(encap_names, v->encap));
	if (v->encap == SL_ENCAP_GUE)
		KV_FMT("gue_port", "%u", v->gue_port);
	else
		KV_UNSET("gue_port");
	KV_FMT("table_size", "%u", v->table_size);
	KV_FMT("health.type", "%s", NAME_OF(hc_kind_names, h->kind));
	if (h->port)
		KV_FMT("health.port", "%u", h->port);
	else
		KV_UNSET("health.port");
	KV_MS("health.interval", h->interval_ms);
	KV_MS("health.timeout", h->timeout_ms);
	KV_MS("health.jitter", h->jitter_ms);
	KV_FMT("health.rise", "%u", h->rise);
	KV_FMT("health.fall", "%u", h->fall);
	if (http) {
		KV_STR("health.path", h->path);
		KV_STR("health.host", h->host);
		KV_FMT("health.status", "%u", h->status);
		KV_STR("health.body", h->body);
	} else {
		KV_UNSET("health.path");
		KV_UNSET("health.host");
		KV_UNSET("health.status");
		KV_UNSET("health.body");
	}
	if (udp) {
		KV_STR("health.send", h->send);
		KV_STR("health.expect", h->expect);
	} else {
		KV_UNSET("health.send");
		KV_UNSET("health.expect");
	}
	if (v->slow_start_ms)
		KV_MS("slow_start", v->slow_start_ms);
	else
		KV_FMT("slow_start", "off");
	KV_MS("drain_timeout", v->drain_timeout_ms);
	KV_FMT("backup_threshold", "%u%%", v->backup_threshold_pct);
	KV_FMT("backup_hysteresis", "%u%%", v->backup_hysteresis_pct);
	KV_FMT("panic_threshold", "%u%%", v->panic_threshold_pct);
	KV_FMT("panic_mode", "%s", NAME_OF(panic_names, v->panic_mode));
	if (v->bounded_load_pct)
		KV_FMT("bounded_load", "%u%%", v->bounded_load_pct);
	else
		KV_FMT("bounded_load", "off");
	KV_MS("bounded_load_window", v->bounded_load_window_ms);
	KV_FMT("when_empty", "%s", NAME_OF(empty_names, v->when_empty));
	return n;
}

/* Writes settings as YAML at `indent`, opening "section:" (and nested
 * "section:" lines, two spaces deeper each) for dotted keys: consecutive
 * keys that share a prefix share its section lines. */
static void write_kv(FILE *f, const struct kv *t, size_t n, int indent)
{
	const char *prev = NULL; /* the last key written */

	for (size_t i = 0; i < n; i++) {
		const char *k = t[i].key, *p = prev;
		int depth = 0;

		if (!t[i].set)
			continue;
		/* Sections shared with the previous key are already open. */
		while (p != NULL) {
			const char *dk = strchr(k, '.'), *dp = strchr(p, '.');

			if (dk == NULL || dp == NULL || dk - k != dp - p ||
			    strncmp(k, p, (size_t)(dk - k)))
				break;
			k = dk + 1;
			p = dp + 1;
			depth++;
		}
		for (const char *d; (d = strchr(k, '.')) != NULL; k = d + 1, depth++)
			fprintf(f, "%*s%.*s:\n", indent + 2 * depth, "", (int)(d - k), k);
		fprintf(f, "%*s%s: %s\n", indent + 2 * depth, "", k, t[i].val);
		prev = t[i].key;
	}
}

/* Closes the memory stream of *buf (open_memstream sets *buf only when the
 * stream is flushed or closed); its text, or NULL (and freed) on any error. */
static char *close_stream(FILE *f, char **buf, bool ok)
{
	ok = ok && !ferror(f);
	if (fclose(f) != 0)
		ok = false;
	if (!ok) {
		free(*buf);
		return NULL;
	}
	return *buf;
}

char *sl_config_to_yaml(const struct sl_config *c, const char *header)
{
	char *buf = NULL, a[QUOTED_MAX];
	size_t size = 0, n;
	struct kv *t = malloc(NB_KV_MAX * sizeof(*t));
	FILE *f;

	if (t == NULL)
		return NULL;
	f = open_memstream(&buf, &size);
	if (f == NULL) {
		free(t);
		return NULL;
	}
	for (const char *p = header; p != NULL && *p;) {
		size_t len = strcspn(p, "\n");

		fprintf(f, len ? "# %.*s\n" : "#\n", (int)len, p);
		p += len;
		if (*p == '\n')
			p++;
	}
	fprintf(f, c->nb_ports ? "ports:\n" : "ports: []\n");
	for (uint32_t i = 0; i < c->nb_ports; i++) {
		quote(a, sizeof(a), c->ports[i].name);
		fprintf(f, "  - name: %s\n    role: %s\n", a,
			NAME_OF(role_names, c->ports[i].role));
	}
	n = top_kv(c, t);
	write_kv(f, t, n, 0);
	fprintf(f, c->nb_vips ? "vips:\n" : "vips: []\n");
	for (uint32_t i = 0; i < c->nb_vips; i++) {
		const struct sl_config_vip *v = &c->vips[i];

		yaml_addr(v->family, v->addr, a, sizeof(a));
		fprintf(f, "  - address: %s\n", a);
		if (v->port)
			fprintf(f, "    port: %u\n", v->port);
		else
			fprintf(f, "    port: any\n");
		fprintf(f, "    protocol: %s\n", proto_text(v->proto));
		n = vip_kv(v, t);
		write_kv(f, t, n, 4);
		fprintf(f, v->nb_backends ? "    backends:\n" : "    backends: []\n");
		for (uint32_t j = 0; j < v->nb_backends; j++) {
			const struct sl_config_backend *b = &v->backends[j];

			yaml_addr(b->family, b->addr, a, sizeof(a));
			fprintf(f,
				"      - address: %s\n        weight: %u\n        state: %s\n"
				"        pool: %s\n",
				a, b->weight, NAME_OF(admin_names, b->state),
				NAME_OF(pool_names, b->pool));
		}
	}
	free(t);
	return close_stream(f, &buf, true);
}

int sl_config_validate(const struct sl_config *c, const char *name, struct sl_diag *diag,
		       struct sl_config **out)
{
	char *text = sl_config_to_yaml(c, NULL);
	struct sl_config *back = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (text == NULL)
		return -ENOMEM;
	rc = sl_config_parse(text, strlen(text), name, diag, &back);
	if (rc == 0 && out != NULL)
		*out = back;
	else
		sl_config_free(back);
	free(text);
	return rc;
}

/* ---- differences ----------------------------------------------------------- */

/* "~ PREFIXkey: A -> B" for every setting that differs ("-" = not set). */
static void diff_kv(FILE *f, const char *prefix, const struct kv *ta, const struct kv *tb, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *x = ta[i].set ? ta[i].val : "-", *y = tb[i].set ? tb[i].val : "-";

		if (strcmp(x, y))
			fprintf(f, "~ %s%s: %s -> %s\n", prefix, ta[i].key, x, y);
	}
}

static void diff_backends(FILE *f, const char *ref, const struct sl_config_vip *a,
			  const struct sl_config_vip *b, struct sort_ref *ra, struct sort_ref *rb)
{
	uint32_t i = 0, j = 0;
	char addr[INET6_ADDRSTRLEN];

	/* Both lists sorted by address: a merge visits every address once. */
	while (i < a->nb_backends || j < b->nb_backends) {
		const struct sl_config_backend *x = i < a->nb_backends ? ra[i].p : NULL;
		const struct sl_config_backend *y = j < b->nb_backends ? rb[j].p : NULL;
		int cmp = x == NULL ? 1 : y == NULL ? -1 : backend_key_cmp(&ra[i], &rb[j]);

		if (cmp < 0) {
			addr_text(x->family, x->addr, addr, sizeof(addr));
			fprintf(f, "- vip %s backend %s\n", ref, addr);
			i++;
			continue;
		}
		addr_text(y->family, y->addr, addr, sizeof(addr));
		if (cmp > 0) {
			fprintf(f, "+ vip %s backend %s (pool %s, weight %u", ref, addr,
				NAME_OF(pool_names, y->pool), y->weight);
			if (y->state != SL_ADMIN_ENABLED)
				fprintf(f, ", state %s", NAME_OF(admin_names, y->state));
			fprintf(f, ")\n");
			j++;
			continue;
		}
		if (x->pool != y->pool)
			fprintf(f, "~ vip %s backend %s pool: %s -> %s\n", ref, addr,
				NAME_OF(pool_names, x->pool), NAME_OF(pool_names, y->pool));
		if (x->weight != y->weight)
			fprintf(f, "~ vip %s backend %s weight: %u -> %u\n", ref, addr, x->weight,
				y->weight);
		if (x->state != y->state)
			fprintf(f, "~ vip %s backend %s state: %s -> %s\n", ref, addr,
				NAME_OF(admin_names, x->state), NAME_OF(admin_names, y->state));
		i++;
		j++;
	}
}

char *sl_config_diff(const struct sl_config *a, const struct sl_config *b)
{
	struct kv *ta = malloc(NB_KV_MAX * sizeof(*ta)), *tb = malloc(NB_KV_MAX * sizeof(*tb));
	struct sort_ref *va = NULL, *vb = NULL;
	char *buf = NULL, na[QUOTED_MAX], nb[QUOTED_MAX];
	size_t size = 0, n;
	uint32_t i, j;
	bool ok = true;
	FILE *f = NULL;

	va = sorted_refs(a->vips, sizeof(*a->vips), a->nb_vips, vip_ref_cmp);
	vb = sorted_refs(b->vips, sizeof(*b->vips), b->nb_vips, vip_ref_cmp);
	if (ta == NULL || tb == NULL || va == NULL || vb == NULL)
		goto fail;
	f = open_memstream(&buf, &size);
	if (f == NULL)
		goto fail;

	/* Ports by position: the position is the DPDK port order. */
	for (i = 0; i < a->nb_ports || i < b->nb_ports; i++) {
		const struct sl_config_port *x = i < a->nb_ports ? &a->ports[i] : NULL;
		const struct sl_config_port *y = i < b->nb_ports ? &b->ports[i] : NULL;

		if (x != NULL)
			quote(na, sizeof(na), x->name);
		if (y != NULL)
			quote(nb, sizeof(nb), y->name);
		if (y == NULL)
			fprintf(f, "- ports[%u]: name %s, role %s\n", i, na,
				NAME_OF(role_names, x->role));
		else if (x == NULL)
			fprintf(f, "+ ports[%u]: name %s, role %s\n", i, nb,
				NAME_OF(role_names, y->role));
		else {
			if (strcmp(na, nb))
				fprintf(f, "~ ports[%u].name: %s -> %s\n", i, na, nb);
			if (x->role != y->role)
				fprintf(f, "~ ports[%u].role: %s -> %s\n", i,
					NAME_OF(role_names, x->role), NAME_OF(role_names, y->role));
		}
	}
	n = top_kv(a, ta);
	top_kv(b, tb);
	diff_kv(f, "", ta, tb, n);

	/* VIPs by (address, port, protocol), in that order. */
	for (i = 0, j = 0; ok && (i < a->nb_vips || j < b->nb_vips);) {
		const struct sl_config_vip *x = i < a->nb_vips ? va[i].p : NULL;
		const struct sl_config_vip *y = j < b->nb_vips ? vb[j].p : NULL;
		int cmp = x == NULL ? 1 : y == NULL ? -1 : vip_key_cmp(&va[i], &vb[j]);
		char ref[SL_VIP_REF_MAX], prefix[SL_VIP_REF_MAX + 8];
		struct sort_ref *ra, *rb;

		sl_config_vip_ref(cmp < 0 ? x : y, ref, sizeof(ref));
		if (cmp != 0) {
			fprintf(f, "%c vip %s\n", cmp < 0 ? '-' : '+', ref);
			i += cmp < 0;
			j += cmp > 0;
			continue;
		}
		snprintf(prefix, sizeof(prefix), "vip %s ", ref);
		n = vip_kv(x, ta);
		vip_kv(y, tb);
		diff_kv(f, prefix, ta, tb, n);
		ra =
		    sorted_refs(x->backends, sizeof(*x->backends), x->nb_backends, backend_ref_cmp);
		rb =
		    sorted_refs(y->backends, sizeof(*y->backends), y->nb_backends, backend_ref_cmp);
		if (ra != NULL && rb != NULL)
			diff_backends(f, ref, x, y, ra, rb);
		else
			ok = false;
		free(ra);
		free(rb);
		i++;
		j++;
	}
	free(ta);
	free(tb);
	free(va);
	free(vb);
	return close_stream(f, &buf, ok);
fail:
	free(ta);
	free(tb);
	free(va);
	free(vb);
	return NULL;
}
