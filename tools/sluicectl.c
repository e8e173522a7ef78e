/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * sluicectl: the command-line client of sluiced's control socket.
 *
 *   sluicectl [-s SOCKET] [--json] [--timeout DURATION] COMMAND [ARGS...]
 *
 * Every command is one row of the table below, named as the protocol names
 * it with spaces for dots ("backend weight" is "backend.weight"); its
 * arguments use the config file's key names and units.  Output is aligned
 * human tables by default and the server's JSON result with --json.  Errors
 * go to stderr.  Exit status: 0 ok, 1 the command failed, 2 usage error,
 * 3 the daemon could not be reached (or did not answer properly).
 * docs/CLI.md is the reference; docs/PROTOCOL.md describes the wire format.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <poll.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "sl_server.h"
#include "sl_top.h"

#ifndef SL_VERSION
#define SL_VERSION "unknown"
#endif

enum {
	EXIT_OK = 0,
	EXIT_FAIL = 1,	  /* the server (or a local step such as reading FILE) failed */
	EXIT_USAGE = 2,	  /* bad command line */
	EXIT_CONNECT = 3, /* no connection, no answer or a garbled one */
};

#define DEFAULT_TIMEOUT_MS 30000u
#define MAX_POSITIONAL	   64

struct cli_cmd;

struct ctx {
	const char *socket;
	bool json;
	uint32_t timeout_ms;
	bool dry_run;
	const char *guard; /* duration text, NULL = none */
	uint32_t guard_ms;
	const struct cli_cmd *cmd;
	int fd;
	json_int_t next_id;
	const char *file; /* config check/apply: the file named */
	int rpc_status;	  /* why rpc() returned NULL: EXIT_CONNECT or EXIT_FAIL */
	/* When set, errmsg() writes here instead of stderr (top owns the
	 * screen and shows the message itself). */
	char *quiet_err;
	size_t quiet_len;
};

/* A command: how its positional arguments become protocol args, and how its
 * result is shown to a human. */
struct cli_cmd {
	const char *words; /* "backend weight" */
	const char *proto; /* "backend.weight" */
	const char *usage; /* positional arguments */
	const char *help;  /* one line */
	const char *more;  /* extra --help text, or NULL */
	unsigned flags;
	int min_args, max_args; /* positional; max -1 = any */
	int (*build)(struct ctx *x, int argc, char **argv, json_t *args);
	int (*show)(struct ctx *x, json_t *result);
};

#define F_CHANGE 1u /* changes state: takes --dry-run and --guard */
/* Runs in sluicectl itself (top): no request of its own; `build` runs it
 * with the command's arguments, options included, and returns the exit
 * status. */
#define F_LOCAL 2u

/* ------------------------------------------------------------------------ */
/* Messages */

static const char *words_of(const struct ctx *x)
{
	return x->cmd ? x->cmd->words : "";
}

static void errmsg(const struct ctx *x, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void errmsg(const struct ctx *x, const char *fmt, ...)
{
	va_list ap;

	if (x && x->quiet_err) {
		va_start(ap, fmt);
		vsnprintf(x->quiet_err, x->quiet_len, fmt, ap);
		va_end(ap);
		return;
	}
	fprintf(stderr, "sluicectl: ");
	if (x && x->cmd)
		fprintf(stderr, "%s: ", x->cmd->words);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* A message from the server: one line after the prefix, or (diagnostics,
 * one per line) the prefix on a line of its own and the lines as they are. */
static void server_error(const struct ctx *x, const char *msg)
{
	if (strchr(msg, '\n'))
		fprintf(stderr, "sluicectl: %s:\n%s\n", words_of(x), msg);
	else
		fprintf(stderr, "sluicectl: %s: %s\n", words_of(x), msg);
}

/* ------------------------------------------------------------------------ */
/* Formatting */

/* Aligned table: columns separated by two spaces, numbers right-aligned,
 * the last column not padded (no trailing blanks). */
#define TBL_COLS 12
struct table {
	unsigned ncols;
	const char *indent;
	bool no_header; /* key/value lists: row 0 is not printed */
	bool right[TBL_COLS];
	char **cells; /* rows * ncols, row 0 = header */
	size_t rows, cap;
};

static void tbl_init(struct table *t, const char *indent, const char *spec, ...)
{
	va_list ap;

	memset(t, 0, sizeof(*t));
	t->indent = indent;
	t->ncols = (unsigned)strlen(spec);
	t->cells = NULL;
	va_start(ap, spec);
	t->cap = 16;
	t->cells = calloc(t->cap * t->ncols, sizeof(char *));
	for (unsigned i = 0; i < t->ncols; i++) {
		t->right[i] = spec[i] == 'r';
		t->cells[i] = strdup(va_arg(ap, const char *));
	}
	t->rows = 1;
	va_end(ap);
}

/* Adds a row of ncols strings (NULL prints "-"). */
static void tbl_row(struct table *t, ...)
{
	va_list ap;

	if (t->rows == t->cap) {
		t->cap *= 2;
		t->cells = realloc(t->cells, t->cap * t->ncols * sizeof(char *));
		if (t->cells == NULL) {
			fprintf(stderr, "sluicectl: out of memory\n");
			exit(EXIT_FAIL);
		}
	}
	va_start(ap, t);
	for (unsigned i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);

		t->cells[t->rows * t->ncols + i] = strdup(s ? s : "-");
	}
	va_end(ap);
	t->rows++;
}

static void tbl_print(struct table *t)
{
	size_t w[TBL_COLS] = {0};
	size_t first = t->no_header ? 1 : 0;

	for (size_t r = first; r < t->rows; r++)
		for (unsigned c = 0; c < t->ncols; c++) {
			size_t l = strlen(t->cells[r * t->ncols + c]);

			if (l > w[c])
				w[c] = l;
		}
	for (size_t r = first; r < t->rows; r++) {
		char *line = NULL;
		size_t size = 0, l;
		FILE *f = open_memstream(&line, &size);

		if (f == NULL)
			break;
		fputs(t->indent, f);
		for (unsigned c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * t->ncols + c];

			fprintf(f, t->right[c] ? "%*s" : "%-*s", (int)w[c], s);
			if (c + 1 < t->ncols)
				fputs("  ", f);
		}
		fclose(f);
		/* empty or left-aligned last cells leave blanks: drop them */
		for (l = strlen(line); l > 0 && line[l - 1] == ' '; l--)
			;
		printf("%.*s\n", (int)l, line);
		free(line);
	}
	for (size_t i = 0; i < t->rows * t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	t->cells = NULL;
}

/* Rotating static buffers so several formatted values fit in one call. */
static char *fbuf(void)
{
	static char bufs[32][64];
	static unsigned next;

	return bufs[next++ % 32];
}

static const char *jstr(json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s;
}

static double jnum(json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

/* Seconds left of a guard as `status` reports it ("remaining_ms", or
 * "until_s" as sl_api.h first described it). */
static double guard_left_s(json_t *st)
{
	if (json_is_number(json_object_get(st, "remaining_ms")))
		return jnum(st, "remaining_ms") / 1000.0;
	return jnum(st, "until_s");
}

static const char *fmt_int(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);
	char *b;

	if (!json_is_number(j))
		return NULL;
	b = fbuf();
	if (json_is_integer(j))
		snprintf(b, 64, "%lld", (long long)json_integer_value(j));
	else
		snprintf(b, 64, "%.0f", json_real_value(j));
	return b;
}

static const char *fmt_pct(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);
	char *b;

	if (!json_is_number(j))
		return NULL;
	b = fbuf();
	snprintf(b, 64, "%.2f%%", json_number_value(j));
	return b;
}

/* 1234567 pps -> "1.23 Mpps"; below 1000 no prefix. */
static const char *fmt_si(json_t *o, const char *key, const char *unit)
{
	static const char prefix[] = " kMGTP";
	json_t *j = json_object_get(o, key);
	double v;
	unsigned p = 0;
	char *b;

	if (!json_is_number(j))
		return NULL;
	v = json_number_value(j);
	b = fbuf();
	while (fabs(v) >= 999.995 && p + 1 < sizeof(prefix) - 1) {
		v /= 1000;
		p++;
	}
	if (p == 0)
		snprintf(b, 64, "%.0f %s", v, unit);
	else
		snprintf(b, 64, "%.2f %c%s", v, prefix[p], unit);
	return b;
}

static const char *fmt_per_s(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);
	char *b;

	if (!json_is_number(j))
		return NULL;
	b = fbuf();
	snprintf(b, 64, "%.2f/s", json_number_value(j));
	return b;
}

static const char *fmt_bool(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);

	if (!json_is_boolean(j))
		return NULL;
	return json_is_true(j) ? "yes" : "no";
}

static const char *fmt_uptime(double s)
{
	char *b = fbuf();
	uint64_t v = s > 0 ? (uint64_t)s : 0;

	if (v >= 86400)
		snprintf(b, 64, "%llud %lluh %llum %llus", (unsigned long long)(v / 86400),
			 (unsigned long long)(v % 86400 / 3600),
			 (unsigned long long)(v % 3600 / 60), (unsigned long long)(v % 60));
	else if (v >= 3600)
		snprintf(b, 64, "%lluh %llum %llus", (unsigned long long)(v / 3600),
			 (unsigned long long)(v % 3600 / 60), (unsigned long long)(v % 60));
	else if (v >= 60)
		snprintf(b, 64, "%llum %llus", (unsigned long long)(v / 60),
			 (unsigned long long)(v % 60));
	else
		snprintf(b, 64, "%llus", (unsigned long long)v);
	return b;
}

/* A scalar for a human: strings as they are, reals with 2 decimals,
 * booleans yes/no. */
static const char *fmt_scalar(json_t *j)
{
	char *b = fbuf();

	switch (json_typeof(j)) {
	case JSON_STRING:
		return json_string_value(j);
	case JSON_INTEGER:
		snprintf(b, 64, "%lld", (long long)json_integer_value(j));
		return b;
	case JSON_REAL:
		snprintf(b, 64, "%.2f", json_real_value(j));
		return b;
	case JSON_TRUE:
		return "yes";
	case JSON_FALSE:
		return "no";
	case JSON_NULL:
		return "-";
	default:
		return NULL;
	}
}

/* key/value lines, keys aligned; nested objects flattened with dots. */
static void kv_collect(struct table *t, const char *prefix, json_t *o, const char *skip)
{
	const char *key;
	json_t *val;

	json_object_foreach(o, key, val)
	{
		char name[128];

		if (skip && !prefix[0] && !strcmp(key, skip))
			continue;
		snprintf(name, sizeof(name), "%s%s%s", prefix, prefix[0] ? "." : "", key);
		if (json_is_object(val)) {
			kv_collect(t, name, val, NULL);
		} else if (json_is_array(val)) {
			char list[1024];
			size_t l = 0, i;
			json_t *e;

			list[0] = '\0';
			json_array_foreach(val, i, e)
			{
				const char *s = fmt_scalar(e);

				if (l < sizeof(list))
					l += (size_t)snprintf(list + l, sizeof(list) - l, "%s%s",
							      i ? ", " : "", s ? s : "...");
			}
			tbl_row(t, name, list[0] ? list : "-");
		} else {
			tbl_row(t, name, fmt_scalar(val));
		}
	}
}

/* ------------------------------------------------------------------------ */
/* Human output of each command */

static int show_status(struct ctx *x, json_t *r)
{
	struct table t;
	json_t *g = json_object_get(r, "guard"), *m = json_object_get(r, "memory"), *w;
	json_t *xdp = json_object_get(r, "xdp"), *xc = json_object_get(xdp, "counters");
	char guard[128], mem[160], xdps[512];
	size_t i;

	(void)x;
	if (json_is_object(g))
		snprintf(guard, sizeof(guard), "generation %s, %.2f s left",
			 fmt_int(g, "generation"), guard_left_s(g));
	else
		snprintf(guard, sizeof(guard), "none");
	snprintf(mem, sizeof(mem), "%.2f MiB heap, %s memzones, %s mempool objects in use",
		 jnum(m, "heap_alloc_bytes") / (1024.0 * 1024.0), fmt_int(m, "memzones"),
		 fmt_int(m, "mempool_in_use"));
	tbl_init(&t, "", "ll", "", "");
	t.no_header = true;
	tbl_row(&t, "generation", fmt_int(r, "generation"));
	tbl_row(&t, "uptime", fmt_uptime(jnum(r, "uptime_s")));
	tbl_row(&t, "vips", fmt_int(r, "vips"));
	tbl_row(&t, "backends", fmt_int(r, "backends"));
	tbl_row(&t, "health targets", fmt_int(r, "health_targets"));
	tbl_row(&t, "config", jstr(r, "config_path"));
	tbl_row(&t, "state file", jstr(r, "state_file"));
	tbl_row(&t, "guard", guard);
	tbl_row(&t, "memory", json_is_object(m) ? mem : NULL);
	/* AF_XDP ports only: the XDP front's VIP map and counters. */
	if (json_is_object(xdp)) {
		snprintf(xdps, sizeof(xdps),
			 "VIP map %s, %.0f address(es), %.0f sync(s), %.0f failed%s%s; redirect "
			 "%.0f, vip_no_socket %.0f",
			 jstr(xdp, "vip_map") ? jstr(xdp, "vip_map") : "not open",
			 jnum(xdp, "entries"), jnum(xdp, "syncs"), jnum(xdp, "sync_failures"),
			 jstr(xdp, "last_error") ? ": " : "",
			 jstr(xdp, "last_error") ? jstr(xdp, "last_error") : "",
			 jnum(xc, "redirect"), jnum(xc, "vip_no_socket"));
		tbl_row(&t, "xdp", xdps);
	}
	tbl_print(&t);
	printf("\n");
	tbl_init(&t, "", "rrrrrr", "WORKER", "LCORE", "GENERATION", "RX", "TX", "DROPS");
	json_array_foreach(json_object_get(r, "workers"), i, w)
	    tbl_row(&t, fmt_int(w, "id"), fmt_int(w, "lcore"), fmt_int(w, "generation"),
		    fmt_int(w, "rx"), fmt_int(w, "tx"), fmt_int(w, "drops"));
	tbl_print(&t);
	return EXIT_OK;
}

static void kv_print(json_t *o, const char *skip)
{
	struct table t;

	tbl_init(&t, "", "ll", "", "");
	t.no_header = true;
	kv_collect(&t, "", o, skip);
	tbl_print(&t);
}

static int show_vip_list(struct ctx *x, json_t *r)
{
	struct table t;
	json_t *v;
	size_t i;

	(void)x;
	tbl_init(&t, "", "lllllrrrr", "VIP", "ENCAP", "POOL", "PANIC", "EMPTY", "PRIMARY", "BACKUP",
		 "BACKENDS", "USABLE");
	json_array_foreach(json_object_get(r, "vips"), i, v)
	{
		json_t *cap = json_object_get(v, "capacity_pct");

		tbl_row(&t, jstr(v, "vip"), jstr(v, "encap"), jstr(v, "serving_pool"),
			fmt_bool(v, "panic"), fmt_bool(v, "empty"), fmt_pct(cap, "primary"),
			fmt_pct(cap, "backup"), fmt_int(v, "backends"), fmt_int(v, "usable"));
	}
	tbl_print(&t);
	return EXIT_OK;
}

static void backend_table(json_t *list, bool with_vip, const char *indent)
{
	struct table t;
	json_t *b;
	size_t i;

	if (with_vip)
		tbl_init(&t, indent, "lllrlllrr", "VIP", "ADDRESS", "POOL", "WEIGHT", "ADMIN",
			 "STATE", "HEALTH", "SHARE", "FLOWS");
	else
		tbl_init(&t, indent, "llrlllrr", "ADDRESS", "POOL", "WEIGHT", "ADMIN", "STATE",
			 "HEALTH", "SHARE", "FLOWS");
	json_array_foreach(list, i, b)
	{
		if (with_vip)
			tbl_row(&t, jstr(b, "vip"), jstr(b, "address"), jstr(b, "pool"),
				fmt_int(b, "weight"), jstr(b, "admin"), jstr(b, "state"),
				jstr(b, "health"), fmt_pct(b, "share_pct"), fmt_int(b, "flows"));
		else
			tbl_row(&t, jstr(b, "address"), jstr(b, "pool"), fmt_int(b, "weight"),
				jstr(b, "admin"), jstr(b, "state"), jstr(b, "health"),
				fmt_pct(b, "share_pct"), fmt_int(b, "flows"));
	}
	tbl_print(&t);
}

static int show_vip_show(struct ctx *x, json_t *r)
{
	(void)x;
	kv_print(r, "backends");
	printf("\n");
	backend_table(json_object_get(r, "backends"), false, "");
	return EXIT_OK;
}

static int show_backend_list(struct ctx *x, json_t *r)
{
	(void)x;
	backend_table(json_object_get(r, "backends"), true, "");
	return EXIT_OK;
}

static int show_health(struct ctx *x, json_t *r)
{
	struct table t;
	json_t *h;
	size_t i;

	(void)x;
	tbl_init(&t, "", "llrlrrrrrll", "ADDRESS", "TYPE", "PORT", "HEALTH", "CHECKS", "FAILURES",
		 "TRANSITIONS", "LATENCY", "LAST CHECK", "RESULT", "VIPS");
	json_array_foreach(json_object_get(r, "targets"), i, h)
	{
		char *lat = fbuf(), *age = fbuf(), vips[512];
		size_t l = 0, k;
		json_t *v;

		snprintf(lat, 64, "%.2f ms", jnum(h, "last_latency_us") / 1000.0);
		snprintf(age, 64, "%.1f s ago", jnum(h, "last_check_age_ms") / 1000.0);
		vips[0] = '\0';
		json_array_foreach(json_object_get(h, "vips"), k, v) if (l < sizeof(vips)) l +=
		    (size_t)snprintf(vips + l, sizeof(vips) - l, "%s%s", k ? "," : "",
				     json_string_value(v));
		tbl_row(&t, jstr(h, "address"), jstr(h, "type"), fmt_int(h, "port"),
			json_is_true(json_object_get(h, "up")) ? "up" : "down",
			fmt_int(h, "checks"), fmt_int(h, "failures"), fmt_int(h, "transitions"),
			jnum(h, "last_latency_us") > 0 ? lat : NULL,
			json_is_number(json_object_get(h, "last_check_age_ms")) ? age : NULL,
			jstr(h, "last_result"), vips);
	}
	tbl_print(&t);
	return EXIT_OK;
}

static int show_stats(struct ctx *x, json_t *r)
{
	struct table t;
	json_t *v, *b, *drops = json_object_get(r, "drops"), *ft = json_object_get(r, "flow_table");
	size_t i, k;
	const char *key;

	(void)x;
	printf("rates over the last %.2f s", jnum(r, "interval_s"));
	if (json_is_integer(json_object_get(r, "generation")))
		printf(" (generation %s)", fmt_int(r, "generation"));
	printf("\n\n");
	tbl_init(&t, "", "lrrrrrrrll", "VIP / BACKEND", "PACKETS", "BYTES", "NEW FLOWS", "PPS",
		 "BPS", "NEW FLOWS/S", "FLOWS", "STATE", "HEALTH");
	json_array_foreach(json_object_get(r, "vips"), i, v)
	{
		tbl_row(&t, jstr(v, "vip"), fmt_int(v, "packets"), fmt_int(v, "bytes"),
			fmt_int(v, "new_flows"), fmt_si(v, "pps", "pps"), fmt_si(v, "bps", "bps"),
			fmt_per_s(v, "new_flows_per_s"), fmt_int(v, "flows"), "", "");
		json_array_foreach(json_object_get(v, "backends"), k, b)
		{
			char *name = fbuf();

			snprintf(name, 64, "  %s", jstr(b, "address") ? jstr(b, "address") : "-");
			tbl_row(&t, name, fmt_int(b, "packets"), fmt_int(b, "bytes"),
				fmt_int(b, "new_flows"), fmt_si(b, "pps", "pps"),
				fmt_si(b, "bps", "bps"), fmt_per_s(b, "new_flows_per_s"),
				fmt_int(b, "flows"), jstr(b, "state"), jstr(b, "health"));
		}
	}
	tbl_print(&t);
	printf("\n");
	tbl_init(&t, "", "lr", "DROPS", "PACKETS");
	json_object_foreach(drops, key, v)
	{
		char *name = fbuf();

		snprintf(name, 64, "%s", key);
		tbl_row(&t, name, fmt_scalar(v));
	}
	tbl_row(&t, "rate", fmt_per_s(r, "drops_per_s"));
	tbl_print(&t);
	if (json_is_object(ft)) {
		printf("\nflow tables: %s of %s entries (%s), %s evictions of live entries, %s TCP "
		       "non-SYN misses\n",
		       fmt_int(ft, "entries"), fmt_int(ft, "capacity"),
		       fmt_pct(ft, "occupancy_pct"), fmt_int(ft, "evictions"),
		       fmt_int(r, "tcp_nonsyn_miss"));
	}
	if (json_array_size(json_object_get(r, "workers")) > 0) {
		printf("\n");
		tbl_init(&t, "", "rrrrrrrrr", "WORKER", "LCORE", "LOAD", "RX", "RX/S", "FLOWS",
			 "EVICTIONS", "NON-SYN MISSES", "DROPS");
		json_array_foreach(json_object_get(r, "workers"), i, v) tbl_row(
		    &t, fmt_int(v, "id"), fmt_int(v, "lcore"), fmt_pct(v, "load_pct"),
		    fmt_int(v, "rx"), fmt_si(v, "rx_per_s", "pps"), fmt_int(v, "flow_entries"),
		    fmt_int(v, "evictions"), fmt_int(v, "tcp_nonsyn_miss"), fmt_int(v, "drops"));
		tbl_print(&t);
	}
	if (json_array_size(json_object_get(r, "ports")) > 0) {
		printf("\n");
		tbl_init(&t, "", "lrrrrrrr", "PORT", "RX", "RX/S", "RX MISSED", "MISSED/S",
			 "RX ERRORS", "TX ERRORS", "RX NOMBUF");
		json_array_foreach(json_object_get(r, "ports"), i, v) tbl_row(
		    &t, jstr(v, "name"), fmt_int(v, "ipackets"), fmt_si(v, "ipackets_per_s", "pps"),
		    fmt_int(v, "imissed"), fmt_per_s(v, "imissed_per_s"), fmt_int(v, "ierrors"),
		    fmt_int(v, "oerrors"), fmt_int(v, "rx_nombuf"));
		tbl_print(&t);
	}
	return EXIT_OK;
}

/* "key=value key=value" of an alert's subject object. */
static void subject_text(json_t *subj, char *buf, size_t len)
{
	const char *key;
	json_t *v;
	size_t l = 0;

	buf[0] = '\0';
	json_object_foreach(subj, key, v)
	{
		if (l >= len)
			break;
		if (json_is_string(v))
			l += (size_t)snprintf(buf + l, len - l, "%s%s=%s", l ? " " : "", key,
					      json_string_value(v));
		else if (json_is_integer(v))
			l += (size_t)snprintf(buf + l, len - l, "%s%s=%lld", l ? " " : "", key,
					      (long long)json_integer_value(v));
	}
}

/* "60.5 %", "0 backends": a value and its unit, "-" when there is none. */
static void value_unit(json_t *a, const char *key, char *buf, size_t len)
{
	json_t *v = json_object_get(a, key);
	const char *unit = jstr(a, "unit") ? jstr(a, "unit") : "";

	if (!json_is_number(v))
		snprintf(buf, len, "-");
	else if (json_number_value(v) == (double)(long long)json_number_value(v))
		snprintf(buf, len, "%lld %s", (long long)json_number_value(v), unit);
	else
		snprintf(buf, len, "%.2f %s", json_number_value(v), unit);
}

static int show_alerts(struct ctx *x, json_t *r)
{
	json_t *list = json_object_get(r, "alerts"), *c = json_object_get(r, "counts");
	json_t *h = json_object_get(r, "hook"), *a;
	struct table t;
	size_t i;

	(void)x;
	if (!json_is_true(json_object_get(r, "enabled")))
		printf("anomaly detection is off (alerts.enabled: false)\n");
	printf("%zu active alert%s (raised %s, resolved %s since start)\n", json_array_size(list),
	       json_array_size(list) == 1 ? "" : "s", fmt_int(c, "raised"), fmt_int(c, "resolved"));
	if (jstr(h, "command") != NULL && jstr(h, "command")[0] != '\0')
		printf("hook: %s (running %s, runs %s, dropped %s, failed %s, timeouts %s)\n",
		       jstr(h, "command"), fmt_int(h, "running"), fmt_int(h, "runs"),
		       fmt_int(h, "dropped"), fmt_int(h, "failed"), fmt_int(h, "timeouts"));
	else
		printf("hook: none\n");
	if (json_array_size(list) == 0)
		return EXIT_OK;
	printf("\n");
	tbl_init(&t, "", "rlllrrl", "ID", "ALERT", "SEVERITY", "SUBJECT", "OBSERVED", "EXPECTED",
		 "SINCE");
	json_array_foreach(list, i, a)
	{
		char subj[256], obs[64], exp[64];

		subject_text(json_object_get(a, "subject"), subj, sizeof(subj));
		value_unit(a, "observed", obs, sizeof(obs));
		value_unit(a, "expected", exp, sizeof(exp));
		tbl_row(&t, fmt_int(a, "id"), jstr(a, "alert"), jstr(a, "severity"), subj, obs, exp,
			jstr(a, "since"));
	}
	tbl_print(&t);
	printf("\n");
	json_array_foreach(list, i, a)
	{
		printf("%s: %s\n", fmt_int(a, "id"), jstr(a, "message") ? jstr(a, "message") : "");
	}
	return EXIT_OK;
}

static int show_flows(struct ctx *x, json_t *r)
{
	struct table t;
	json_t *v, *b;
	size_t i, k;

	(void)x;
	printf("flows %s\n\n", fmt_int(r, "flows"));
	tbl_init(&t, "", "lr", "VIP / BACKEND", "FLOWS");
	json_array_foreach(json_object_get(r, "vips"), i, v)
	{
		tbl_row(&t, jstr(v, "vip"), fmt_int(v, "flows"));
		json_array_foreach(json_object_get(v, "backends"), k, b)
		{
			char *name = fbuf();

			snprintf(name, 64, "  %s", jstr(b, "address") ? jstr(b, "address") : "-");
			tbl_row(&t, name, fmt_int(b, "flows"));
		}
	}
	tbl_print(&t);
	return EXIT_OK;
}

static int show_table(struct ctx *x, json_t *r)
{
	struct table t;
	json_t *v, *b;
	size_t i, k;

	(void)x;
	tbl_init(&t, "", "lrrll", "VIP / BACKEND", "SLOTS", "SHARE", "FINGERPRINT",
		 "CONFIG FINGERPRINT");
	json_array_foreach(json_object_get(r, "vips"), i, v)
	{
		tbl_row(&t, jstr(v, "vip"), fmt_int(v, "table_size"), "", jstr(v, "fingerprint"),
			jstr(v, "config_fingerprint"));
		json_array_foreach(json_object_get(v, "backends"), k, b)
		{
			char *name = fbuf();

			snprintf(name, 64, "  %s", jstr(b, "address") ? jstr(b, "address") : "-");
			tbl_row(&t, name, fmt_int(b, "slots"), fmt_pct(b, "share_pct"), "", "");
		}
	}
	tbl_print(&t);
	return EXIT_OK;
}

static int show_config_show(struct ctx *x, json_t *r)
{
	const char *y = jstr(r, "yaml");
	size_t l = y ? strlen(y) : 0;

	(void)x;
	if (y == NULL)
		return EXIT_OK;
	fwrite(y, 1, l, stdout);
	if (l > 0 && y[l - 1] != '\n')
		fputc('\n', stdout);
	return EXIT_OK;
}

static int show_config_check(struct ctx *x, json_t *r)
{
	json_t *w;
	size_t i;

	printf("%s: ok", !x->file		 ? "the daemon's configuration file"
			 : !strcmp(x->file, "-") ? "(stdin)"
						 : x->file);
	if (json_array_size(json_object_get(r, "warnings")) > 0)
		printf(", %zu warning%s", json_array_size(json_object_get(r, "warnings")),
		       json_array_size(json_object_get(r, "warnings")) == 1 ? "" : "s");
	printf("\n");
	json_array_foreach(json_object_get(r, "warnings"), i, w)
	    printf("%s\n", json_string_value(w));
	return EXIT_OK;
}

static int show_config_diff(struct ctx *x, json_t *r)
{
	const char *d = jstr(r, "diff");

	(void)x;
	if (d == NULL || d[0] == '\0') {
		printf("generation %s -> %s: no differences\n", fmt_int(r, "from"),
		       fmt_int(r, "to"));
		return EXIT_OK;
	}
	printf("generation %s -> %s:\n", fmt_int(r, "from"), fmt_int(r, "to"));
	fputs(d, stdout);
	if (d[strlen(d) - 1] != '\n')
		fputc('\n', stdout);
	return EXIT_OK;
}

static int show_config_history(struct ctx *x, json_t *r)
{
	struct table t;
	json_t *g;
	size_t i;

	(void)x;
	tbl_init(&t, "", "rlrlll", "GENERATION", "TIME", "UID", "ORIGIN", "GUARD", "SUMMARY");
	json_array_foreach(json_object_get(r, "generations"), i, g)
	{
		char *when = fbuf();
		time_t tt = (time_t)jnum(g, "time");
		struct tm tm;

		if (localtime_r(&tt, &tm) == NULL ||
		    strftime(when, 64, "%Y-%m-%d %H:%M:%S", &tm) == 0)
			snprintf(when, 64, "%lld", (long long)tt);
		const char *gs = jstr(g, "guard");

		tbl_row(&t, fmt_int(g, "generation"), when, fmt_int(g, "uid"), jstr(g, "origin"),
			gs && gs[0] ? gs : NULL, jstr(g, "summary"));
	}
	tbl_print(&t);
	return EXIT_OK;
}

/* The preview of a change (sl_api.h PREVIEW): per changed VIP the share of
 * slots that moves and each backend's share before and after. */
static void print_preview(json_t *p)
{
	json_t *v, *b;
	size_t i, k, unchanged = 0;

	json_array_foreach(json_object_get(p, "vips"), i, v)
	{
		struct table t;
		const char *change = jstr(v, "change");

		if (change && !strcmp(change, "unchanged")) {
			unchanged++;
			continue;
		}
		if (change && !strcmp(change, "added"))
			printf("\nVIP %s added: a table of %s slots\n", jstr(v, "vip"),
			       fmt_int(v, "table_size"));
		else if (change && !strcmp(change, "removed"))
			printf("\nVIP %s removed: %s flows in the flow tables lose their backend\n",
			       jstr(v, "vip"), fmt_int(v, "flows_moving"));
		else
			printf("\nVIP %s %s: %s of %s table slots move (%.2f%%), %s flows change "
			       "backend\n",
			       jstr(v, "vip"), change ? change : "?", fmt_int(v, "slots_moved"),
			       fmt_int(v, "table_size"), jnum(v, "moved_pct"),
			       fmt_int(v, "flows_moving"));
		if (json_array_size(json_object_get(v, "backends")) == 0) {
			printf("  (no backends)\n");
			continue;
		}
		tbl_init(&t, "  ", "llrrr", "BACKEND", "POOL", "BEFORE", "AFTER", "CHANGE");
		json_array_foreach(json_object_get(v, "backends"), k, b)
		{
			char *d = fbuf();
			double delta = jnum(b, "share_after_pct") - jnum(b, "share_before_pct");

			if (fabs(delta) < 0.005)
				snprintf(d, 64, "0.00%%");
			else
				snprintf(d, 64, "%+.2f%%", delta);
			tbl_row(&t, jstr(b, "address"), jstr(b, "pool"),
				fmt_pct(b, "share_before_pct"), fmt_pct(b, "share_after_pct"), d);
		}
		tbl_print(&t);
	}
	if (unchanged > 0)
		printf("\n%zu VIP%s unchanged\n", unchanged, unchanged == 1 ? "" : "s");
	if (json_object_get(p, "flows_moving"))
		printf("\nflows changing backend: %s in total\n", fmt_int(p, "flows_moving"));
}

static int show_change(struct ctx *x, json_t *r)
{
	(void)x;
	if (json_is_true(json_object_get(r, "dry_run")))
		printf("dry run, nothing applied: %s\n",
		       jstr(r, "summary") ? jstr(r, "summary") : "");
	else
		printf("generation %s: %s\n", fmt_int(r, "generation"),
		       jstr(r, "summary") ? jstr(r, "summary") : "");
	if (json_is_object(json_object_get(r, "preview")))
		print_preview(json_object_get(r, "preview"));
	return EXIT_OK;
}

/* ------------------------------------------------------------------------ */
/* Building args from the command line */

/* Decimal digits that fit an int64: a JSON integer. */
static bool is_uint(const char *s, json_int_t *v)
{
	unsigned long long n = 0;

	if (*s == '\0' || strlen(s) > 18 || s[strspn(s, "0123456789")] != '\0')
		return false;
	n = strtoull(s, NULL, 10);
	*v = (json_int_t)n;
	return true;
}

/* KEY=VALUE with KEY a config key path (a.b.c, [a-z0-9_]): sets it in o.
 * Digits become integers (the config wants integers unquoted), everything
 * else a string. */
static int set_kv(struct ctx *x, json_t *o, const char *arg)
{
	const char *eq = strchr(arg, '=');
	char key[128], *seg, *save = NULL;
	json_int_t iv;
	json_t *val;

	if (eq == NULL || eq == arg || (size_t)(eq - arg) >= sizeof(key)) {
		errmsg(x, "expected KEY=VALUE, got \"%s\"", arg);
		return EXIT_USAGE;
	}
	memcpy(key, arg, (size_t)(eq - arg));
	key[eq - arg] = '\0';
	if (key[strspn(key, "abcdefghijklmnopqrstuvwxyz0123456789_.")] != '\0' || key[0] == '.' ||
	    key[strlen(key) - 1] == '.' || strstr(key, "..")) {
		errmsg(x, "\"%s\" is not a config key (lower case words joined by dots)", key);
		return EXIT_USAGE;
	}
	val = is_uint(eq + 1, &iv) ? json_integer(iv) : json_string(eq + 1);
	if (val == NULL) {
		errmsg(x, "%s: value is not valid UTF-8", key);
		return EXIT_USAGE;
	}
	for (seg = strtok_r(key, ".", &save);;) {
		char *next = strtok_r(NULL, ".", &save);
		json_t *sub;

		if (next == NULL) {
			if (json_object_get(o, seg)) {
				errmsg(x, "%s: given twice", arg);
				json_decref(val);
				return EXIT_USAGE;
			}
			json_object_set_new(o, seg, val);
			return EXIT_OK;
		}
		sub = json_object_get(o, seg);
		if (sub == NULL) {
			sub = json_object();
			json_object_set_new(o, seg, sub);
		} else if (!json_is_object(sub)) {
			errmsg(x, "%s: %s is already a value", arg, seg);
			json_decref(val);
			return EXIT_USAGE;
		}
		o = sub;
		seg = next;
	}
}

static int b_none(struct ctx *x, int argc, char **argv, json_t *args)
{
	(void)x;
	(void)argc;
	(void)argv;
	(void)args;
	return EXIT_OK;
}

/* [VIP] or VIP */
static int b_vip(struct ctx *x, int argc, char **argv, json_t *args)
{
	(void)x;
	if (argc > 0)
		json_object_set_new(args, "vip", json_string(argv[0]));
	return EXIT_OK;
}

/* VIP ADDRESS */
static int b_vip_addr(struct ctx *x, int argc, char **argv, json_t *args)
{
	(void)x;
	(void)argc;
	json_object_set_new(args, "vip", json_string(argv[0]));
	json_object_set_new(args, "address", json_string(argv[1]));
	return EXIT_OK;
}

/* VIP = ADDRESS:PORT/PROTOCOL, [ADDRESS]:PORT/PROTOCOL for IPv6; PORT may
 * be "any". */
static int split_vip(struct ctx *x, const char *ref, json_t *args)
{
	char buf[128], *addr, *port, *proto, *p;
	json_int_t iv;

	if (strlen(ref) >= sizeof(buf))
		goto bad;
	snprintf(buf, sizeof(buf), "%s", ref);
	proto = strrchr(buf, '/');
	if (proto == NULL)
		goto bad;
	*proto++ = '\0';
	if (buf[0] == '[') {
		p = strchr(buf, ']');
		if (p == NULL || p[1] != ':')
			goto bad;
		*p = '\0';
		addr = buf + 1;
		port = p + 2;
	} else {
		p = strrchr(buf, ':');
		if (p == NULL)
			goto bad;
		*p = '\0';
		addr = buf;
		port = p + 1;
	}
	if (*addr == '\0' || *port == '\0' || *proto == '\0')
		goto bad;
	json_object_set_new(args, "address", json_string(addr));
	json_object_set_new(args, "port",
			    is_uint(port, &iv) ? json_integer(iv) : json_string(port));
	json_object_set_new(args, "protocol", json_string(proto));
	return EXIT_OK;
bad:
	errmsg(x,
	       "\"%s\": expected a VIP as ADDRESS:PORT/PROTOCOL (e.g. 10.0.0.1:80/tcp, "
	       "[fd00::1]:443/tcp, 10.0.0.1:any/udp)",
	       ref);
	return EXIT_USAGE;
}

/* vip add VIP [KEY=VALUE...] [backend=ADDRESS[@WEIGHT]...] */
static int b_vip_add(struct ctx *x, int argc, char **argv, json_t *args)
{
	json_t *bes = json_array();
	int rc = split_vip(x, argv[0], args);

	json_object_set_new(args, "backends", bes);
	for (int i = 1; rc == EXIT_OK && i < argc; i++) {
		if (!strncmp(argv[i], "backend=", 8)) {
			char addr[128], *at;
			json_t *b;
			json_int_t w;

			snprintf(addr, sizeof(addr), "%s", argv[i] + 8);
			at = strchr(addr, '@');
			if (at)
				*at++ = '\0';
			if (addr[0] == '\0' || (at && !is_uint(at, &w))) {
				errmsg(x,
				       "\"%s\": expected backend=ADDRESS or backend=ADDRESS@WEIGHT",
				       argv[i]);
				return EXIT_USAGE;
			}
			b = json_pack("{s:s}", "address", addr);
			if (at)
				json_object_set_new(b, "weight", json_integer(w));
			json_array_append_new(bes, b);
			continue;
		}
		if (!strncmp(argv[i], "address=", 8) || !strncmp(argv[i], "port=", 5) ||
		    !strncmp(argv[i], "protocol=", 9) || !strncmp(argv[i], "backends", 8)) {
			errmsg(x,
			       "\"%s\": the VIP argument gives address, port and protocol; "
			       "backends are given as backend=ADDRESS[@WEIGHT]",
			       argv[i]);
			return EXIT_USAGE;
		}
		rc = set_kv(x, args, argv[i]);
	}
	return rc;
}

/* vip set VIP KEY=VALUE... */
static int b_vip_set(struct ctx *x, int argc, char **argv, json_t *args)
{
	json_t *settings = json_object();
	int rc = EXIT_OK;

	json_object_set_new(args, "vip", json_string(argv[0]));
	json_object_set_new(args, "settings", settings);
	for (int i = 1; rc == EXIT_OK && i < argc; i++)
		rc = set_kv(x, settings, argv[i]);
	return rc;
}

/* backend add VIP ADDRESS [KEY=VALUE...] */
static int b_backend_add(struct ctx *x, int argc, char **argv, json_t *args)
{
	int rc = EXIT_OK;

	b_vip_addr(x, argc, argv, args);
	for (int i = 2; rc == EXIT_OK && i < argc; i++) {
		if (!strncmp(argv[i], "vip=", 4) || !strncmp(argv[i], "address=", 8)) {
			errmsg(x, "\"%s\": VIP and ADDRESS are the first two arguments", argv[i]);
			return EXIT_USAGE;
		}
		rc = set_kv(x, args, argv[i]);
	}
	return rc;
}

/* backend weight VIP ADDRESS WEIGHT */
static int b_backend_weight(struct ctx *x, int argc, char **argv, json_t *args)
{
	json_int_t w;

	b_vip_addr(x, argc, argv, args);
	if (!is_uint(argv[2], &w)) {
		errmsg(x, "WEIGHT: expected an integer 0..65535, got \"%s\"", argv[2]);
		return EXIT_USAGE;
	}
	json_object_set_new(args, "weight", json_integer(w));
	return EXIT_OK;
}

/* An optional generation number at argv[i] into args[key]. */
static int opt_gen(struct ctx *x, int argc, char **argv, int i, const char *key, json_t *args)
{
	json_int_t g;

	if (argc <= i)
		return EXIT_OK;
	if (!is_uint(argv[i], &g)) {
		errmsg(x, "%s: expected a generation number, got \"%s\"", key, argv[i]);
		return EXIT_USAGE;
	}
	json_object_set_new(args, key, json_integer(g));
	return EXIT_OK;
}

static int b_generation(struct ctx *x, int argc, char **argv, json_t *args)
{
	return opt_gen(x, argc, argv, 0, "generation", args);
}

static int b_diff(struct ctx *x, int argc, char **argv, json_t *args)
{
	int rc = opt_gen(x, argc, argv, 0, "from", args);

	return rc ? rc : opt_gen(x, argc, argv, 1, "to", args);
}

/* [FILE]: its text goes in the request (the daemon may not be able to read
 * the operator's file); "-" is stdin.  Without FILE the daemon uses its own. */
static int b_file(struct ctx *x, int argc, char **argv, json_t *args)
{
	FILE *f;
	char *text = NULL;
	size_t len = 0, cap = 0;
	json_t *s;

	if (argc == 0)
		return EXIT_OK;
	x->file = argv[0];
	f = strcmp(argv[0], "-") ? fopen(argv[0], "re") : stdin;
	if (f == NULL) {
		errmsg(x, "%s: %s", argv[0], strerror(errno));
		return EXIT_FAIL;
	}
	for (;;) {
		size_t n;

		if (len + 65536 + 1 > cap) {
			char *nb;

			cap = cap ? cap * 2 : 65536 * 2;
			nb = realloc(text, cap);
			if (nb == NULL) {
				free(text);
				if (f != stdin)
					fclose(f);
				errmsg(x, "%s: out of memory", argv[0]);
				return EXIT_FAIL;
			}
			text = nb;
		}
		n = fread(text + len, 1, 65536, f);
		len += n;
		if (n == 0 || len > SL_PROTO_MAX_REQUEST)
			break;
	}
	if (ferror(f)) {
		errmsg(x, "%s: %s", argv[0], strerror(errno));
		goto fail;
	}
	if (len > SL_PROTO_MAX_REQUEST) {
		errmsg(x,
		       "%s: larger than a request may be (%u bytes); a configuration this large "
		       "is installed as the daemon's file and applied without FILE",
		       argv[0], SL_PROTO_MAX_REQUEST);
		goto fail;
	}
	if (memchr(text, '\0', len)) {
		errmsg(x, "%s: contains a NUL byte: not a configuration file", argv[0]);
		goto fail;
	}
	s = json_stringn(text, len);
	if (s == NULL) {
		errmsg(x, "%s: not valid UTF-8", argv[0]);
		goto fail;
	}
	json_object_set_new(args, "text", s);
	json_object_set_new(args, "path", json_string(strcmp(argv[0], "-") ? argv[0] : "(stdin)"));
	free(text);
	if (f != stdin)
		fclose(f);
	return EXIT_OK;
fail:
	free(text);
	if (f != stdin)
		fclose(f);
	return EXIT_FAIL;
}

static json_t *rpc(struct ctx *x, const char *command, json_t *args, json_t *options);
static int dial(struct ctx *x);

/* sl_top_call_fn over rpc(): one connection for every request, dialled again
 * on the next request after a failure (the daemon restarted). */
static json_t *top_call(void *arg, const char *command, int *status, char *msg, size_t len)
{
	struct ctx *x = arg;
	json_t *args = json_object(), *resp, *result = NULL;
	const char *e;

	x->quiet_err = msg;
	x->quiet_len = len;
	msg[0] = '\0';
	*status = -1;
	if (x->fd < 0 && dial(x) != EXIT_OK) {
		if (x->fd >= 0)
			close(x->fd); /* the socket that did not connect */
		x->fd = -1;
		goto out;
	}
	resp = rpc(x, command, args, NULL);
	if (resp == NULL) {
		close(x->fd);
		x->fd = -1;
		goto out;
	}
	*status = (int)json_integer_value(json_object_get(resp, "status"));
	if (*status == 0) {
		result = json_incref(json_object_get(resp, "result"));
	} else {
		e = jstr(resp, "error");
		snprintf(msg, len, "%s: %s", command, e ? e : "failed (no message)");
		if (*status < 0)
			*status = EIO; /* not an errno: still the daemon's refusal */
	}
	json_decref(resp);
out:
	json_decref(args);
	x->quiet_err = NULL;
	return result;
}

/* top [VIP] [-d SECONDS] [-n COUNT] [--once]: runs top (F_LOCAL). */
static int b_top(struct ctx *x, int argc, char **argv, json_t *args)
{
	(void)args;
	/* A screen refreshed every second should not hang for the default
	 * 30 s on a stuck daemon; --timeout still sets it. */
	if (x->timeout_ms == DEFAULT_TIMEOUT_MS)
		x->timeout_ms = 5000;
	return sl_top_main(top_call, x, x->socket, argc, argv);
}

#define VIP_HELP                                                                             \
	"  VIP      ADDRESS:PORT/PROTOCOL, e.g. 10.99.100.1:80/tcp, [fd00:99::1]:443/tcp,\n" \
	"           10.99.100.1:any/udp\n"
#define ADDR_HELP "  ADDRESS  the backend's address, as in the config file\n"
#define CHANGE_HELP                                                                            \
	"  --dry-run       preview only: per VIP the share of table slots that would move,\n"  \
	"                  each backend's share before and after, and how many flows now in\n" \
	"                  the flow tables would change backend; nothing is applied\n"         \
	"  --guard DURATION  watch health and drops this long after the change (e.g. 30s)\n"   \
	"                  and roll back by itself if they get worse (see config apply)\n"

static const struct cli_cmd cmds[] = {
    {"status", "status", "", "daemon status: generation, uptime, workers, guard, memory", NULL, 0,
     0, 0, b_none, show_status},
    {"vip list", "vip.list", "", "list VIPs: serving pool, panic, pool capacity, backends", NULL, 0,
     0, 0, b_none, show_vip_list},
    {"vip show", "vip.show", "VIP", "one VIP: its settings, state and backends", VIP_HELP, 0, 1, 1,
     b_vip, show_vip_show},
    {"vip add", "vip.add", "VIP [KEY=VALUE...] [backend=ADDRESS[@WEIGHT]...]",
     "add a VIP (keys as in the config file's vips entries)",
     VIP_HELP "  KEY=VALUE  any key of a `vips:` entry: encap=ipip, gue_port=6080,\n"
	      "           table_size=65537, slow_start=30s, health.type=http, health.path=/,\n"
	      "           ... (nested keys joined with dots)\n"
	      "  backend=ADDRESS[@WEIGHT]  a backend (repeat for more); more settings per\n"
	      "           backend with `backend add` afterwards\n" CHANGE_HELP,
     F_CHANGE, 1, -1, b_vip_add, show_change},
    {"vip del", "vip.del", "VIP", "remove a VIP and its backends", VIP_HELP CHANGE_HELP, F_CHANGE,
     1, 1, b_vip, show_change},
    {"vip set", "vip.set", "VIP KEY=VALUE...", "change VIP settings (keys as in the config file)",
     VIP_HELP "  KEY=VALUE  a VIP setting as in the config file: slow_start, drain_timeout,\n"
	      "           backup_threshold, backup_hysteresis, panic_threshold, panic_mode,\n"
	      "           bounded_load, bounded_load_window, when_empty, table_size, health.type,\n"
	      "           health.interval, health.timeout, health.rise, health.fall, ...\n"
	      "           Durations with their unit (30s), integers as digits.\n" CHANGE_HELP,
     F_CHANGE, 2, -1, b_vip_set, show_change},
    {"backend list", "backend.list", "[VIP]",
     "list backends: pool, weight, admin state, state, health, share, flows", VIP_HELP, 0, 0, 1,
     b_vip, show_backend_list},
    {"backend add", "backend.add", "VIP ADDRESS [weight=N] [pool=primary|backup] [state=S]",
     "add a backend to a VIP",
     VIP_HELP ADDR_HELP "  weight=N   0..65535 (default 100)\n"
			"  pool=P     primary (default) or backup\n"
			"  state=S    enabled (default), disabled or draining\n" CHANGE_HELP,
     F_CHANGE, 2, 5, b_backend_add, show_change},
    {"backend del", "backend.del", "VIP ADDRESS", "remove a backend from a VIP",
     VIP_HELP ADDR_HELP CHANGE_HELP, F_CHANGE, 2, 2, b_vip_addr, show_change},
    {"backend weight", "backend.weight", "VIP ADDRESS WEIGHT", "set a backend's weight",
     VIP_HELP ADDR_HELP
     "  WEIGHT   0..65535; 0 takes no new flows, its flows continue\n" CHANGE_HELP,
     F_CHANGE, 3, 3, b_backend_weight, show_change},
    {"backend drain", "backend.drain", "VIP ADDRESS",
     "drain a backend: no new flows; flows stay until they end or drain_timeout",
     VIP_HELP ADDR_HELP CHANGE_HELP, F_CHANGE, 2, 2, b_vip_addr, show_change},
    {"backend enable", "backend.enable", "VIP ADDRESS",
     "enable a backend: it takes new flows when healthy", VIP_HELP ADDR_HELP CHANGE_HELP, F_CHANGE,
     2, 2, b_vip_addr, show_change},
    {"backend disable", "backend.disable", "VIP ADDRESS",
     "disable a backend: no traffic at all, its flows move", VIP_HELP ADDR_HELP CHANGE_HELP,
     F_CHANGE, 2, 2, b_vip_addr, show_change},
    {"health", "health", "", "health-check targets: state, checks, latency, last result", NULL, 0,
     0, 0, b_none, show_health},
    {"stats", "stats", "",
     "packets, bytes, flows and rates per VIP and backend; drops; worker load; ports", NULL, 0, 0,
     0, b_none, show_stats},
    {"flows count", "flows.count", "", "flows in the flow tables per VIP and backend", NULL, 0, 0,
     0, b_none, show_flows},
    {"alerts", "alerts", "", "active alerts (anomaly detection) and the alert hook's counters",
     "Each alert is also one JSON line in sluiced's log when it is raised, repeated\n"
     "and resolved; see docs/OPERATIONS.md, \"Alerts\".\n",
     0, 0, 0, b_none, show_alerts},
    {"top", "top", "[VIP] [-d SECONDS] [-n COUNT | --once]",
     "live view: rates per VIP and backend, drops, health, worker load, alerts",
     VIP_HELP "           show only this VIP's backends\n"
	      "  -d SECONDS   refresh interval, 0.1 to 3600 (default 1)\n"
	      "  -n COUNT     print COUNT frames without escape sequences, then exit\n"
	      "  --once       the same as -n 1\n"
	      "\nOn a terminal: q or Ctrl-C quits; j/k or the arrows scroll a line, space/b\n"
	      "or PgDn/PgUp a page, g/G or Home/End go to the top/end; r refreshes now.\n"
	      "When stdout is not a terminal, one frame is printed (more with -n).  Rates\n"
	      "are over the interval between two samples; docs/CLI.md describes the\n"
	      "columns.\n",
     F_LOCAL, 0, -1, b_top, NULL},
    {"table", "table", "[VIP]", "Maglev table: slots and share per backend, fingerprint per VIP",
     VIP_HELP "\nInstances with the same configuration and health view show the same\n"
	      "fingerprint for a VIP.\n",
     0, 0, 1, b_vip, show_table},
    {"config show", "config.show", "[GENERATION]",
     "the running configuration (or a kept generation) as YAML", NULL, 0, 0, 1, b_generation,
     show_config_show},
    {"config check", "config.check", "[FILE]", "validate a configuration file without applying it",
     "  FILE   sent to the daemon as text (\"-\": stdin); without FILE the daemon\n"
     "         checks its own configuration file\n",
     0, 0, 1, b_file, show_config_check},
    {"config apply", "config.apply", "[FILE]", "replace the whole configuration",
     "  FILE   sent to the daemon as text (\"-\": stdin); without FILE the daemon\n"
     "         reloads its own configuration file\n" CHANGE_HELP
     "\nWith --guard, sluicectl waits for the guard period to end (polling `status`)\n"
     "and says whether the change was kept or rolled back (exit status 1 when it\n"
     "was rolled back or the outcome is unknown).\n",
     F_CHANGE, 0, 1, b_file, show_change},
    {"config diff", "config.diff", "[FROM [TO]]", "differences between two generations",
     "  TO     default: the running generation\n"
     "  FROM   default: the generation before TO\n",
     0, 0, 2, b_diff, show_config_diff},
    {"config history", "config.history", "", "applied generations: time, user, origin, summary",
     NULL, 0, 0, 0, b_none, show_config_history},
    {"config rollback", "config.rollback", "[GENERATION]",
     "go back to a generation (applied as a new generation)",
     "  GENERATION  default: the one before the running one\n" CHANGE_HELP, F_CHANGE, 0, 1,
     b_generation, show_change},
};

#define NB_CMDS (sizeof(cmds) / sizeof(cmds[0]))

/* ------------------------------------------------------------------------ */
/* Help */

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: sluicectl [-s SOCKET] [--json] [--timeout DURATION] COMMAND [ARGS...]\n");
}

static void print_help(void)
{
	print_usage(stdout);
	printf("\nQueries and changes a running sluiced through its control socket.\n\n"
	       "commands:\n");
	for (size_t i = 0; i < NB_CMDS; i++)
		printf("  %-16s %s\n", cmds[i].words, cmds[i].help);
	printf("\noptions:\n"
	       "  -s, --socket PATH    control socket (default: $SLUICE_SOCKET, else %s)\n"
	       "  --json               print the result as JSON (for scripts)\n"
	       "  --timeout DURATION   wait at most this long for each answer (default 30s)\n"
	       "  -h, --help           this help; COMMAND --help shows a command's usage\n"
	       "  --version            print the version\n"
	       "  --list-commands      print each command's protocol name and words\n"
	       "Commands that change state also take --dry-run and --guard DURATION.\n\n"
	       "exit status: 0 ok, 1 the command failed, 2 usage error, 3 cannot reach the "
	       "daemon\n",
	       SL_SERVER_DEFAULT_PATH);
}

static void print_cmd_usage(FILE *f, const struct cli_cmd *c)
{
	fprintf(f, "usage: sluicectl [OPTIONS] %s%s%s%s\n", c->words,
		c->flags & F_CHANGE ? " [--dry-run | --guard DURATION]" : "",
		c->usage[0] ? " " : "", c->usage);
}

static void print_cmd_help(const struct cli_cmd *c)
{
	print_cmd_usage(stdout, c);
	printf("\n%c%s.\n",
	       c->help[0] >= 'a' && c->help[0] <= 'z' ? c->help[0] - 'a' + 'A' : c->help[0],
	       c->help + 1);
	if (c->more)
		printf("\n%s", c->more);
	if (!(c->flags & F_LOCAL))
		printf("\n  --json   print the result as JSON\n");
}

/* The verbs of a noun ("backend"), or false when no command starts with it. */
static bool print_noun(FILE *f, const char *noun)
{
	size_t l = strlen(noun);
	bool any = false;

	for (size_t i = 0; i < NB_CMDS; i++)
		if (!strncmp(cmds[i].words, noun, l) && cmds[i].words[l] == ' ') {
			if (!any)
				fprintf(f, "%s commands:\n", noun);
			fprintf(f, "  %-16s %s\n", cmds[i].words, cmds[i].help);
			any = true;
		}
	return any;
}

/* ------------------------------------------------------------------------ */
/* Talking to the daemon */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int dial(struct ctx *x)
{
	struct sockaddr_un sa;

	if (strlen(x->socket) >= sizeof(sa.sun_path)) {
		errmsg(x, "cannot connect to %s: path too long", x->socket);
		return EXIT_CONNECT;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	memcpy(sa.sun_path, x->socket, strlen(x->socket));
	x->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (x->fd < 0 || connect(x->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		errmsg(x, "cannot connect to %s: %s", x->socket, strerror(errno));
		return EXIT_CONNECT;
	}
	return EXIT_OK;
}

/* Waits for fd to be ready for `events` until deadline.  0 or -ETIMEDOUT. */
static int wait_fd(int fd, short events, uint64_t deadline)
{
	for (;;) {
		struct pollfd p = {.fd = fd, .events = events};
		uint64_t now = now_ms();
		int rc;

		if (now >= deadline)
			return -ETIMEDOUT;
		rc = poll(&p, 1, (int)(deadline - now > INT_MAX ? INT_MAX : deadline - now));
		if (rc > 0)
			return 0;
		if (rc < 0 && errno != EINTR)
			return -errno;
	}
}

static int io_all(struct ctx *x, bool out, void *buf, size_t len, uint64_t deadline)
{
	size_t done = 0;

	while (done < len) {
		ssize_t n;
		int rc = wait_fd(x->fd, out ? POLLOUT : POLLIN, deadline);

		if (rc < 0)
			return rc;
		if (out)
			n = send(x->fd, (char *)buf + done, len - done,
				 MSG_NOSIGNAL | MSG_DONTWAIT);
		else
			n = recv(x->fd, (char *)buf + done, len - done, MSG_DONTWAIT);
		if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK))
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -ECONNRESET;
		done += (size_t)n;
	}
	return 0;
}

/* One request/response.  Returns the response (status checked by the
 * caller) or NULL after printing why, with the exit status in
 * x->rpc_status: EXIT_FAIL when the request could not be made (too large),
 * EXIT_CONNECT when the daemon did not answer properly. */
static json_t *rpc(struct ctx *x, const char *command, json_t *args, json_t *options)
{
	json_t *req, *resp, *id;
	json_error_t jerr;
	uint64_t deadline = now_ms() + x->timeout_ms;
	size_t len;
	char *body;
	uint32_t hdr;
	int rc;

	req = json_pack("{s:i,s:I,s:s,s:O}", "version", SL_PROTO_VERSION, "id", ++x->next_id,
			"command", command, "args", args);
	if (options && json_object_size(options) > 0)
		json_object_set(req, "options", options);
	body = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	x->rpc_status = EXIT_FAIL;
	if (body == NULL) {
		errmsg(x, "out of memory");
		return NULL;
	}
	len = strlen(body);
	if (len > SL_PROTO_MAX_REQUEST) {
		errmsg(x,
		       "the request would be %zu bytes, more than the protocol's %u; a "
		       "configuration this large is installed as the daemon's file and applied "
		       "without FILE",
		       len, SL_PROTO_MAX_REQUEST);
		free(body);
		return NULL;
	}
	x->rpc_status = EXIT_CONNECT;
	hdr = htonl((uint32_t)len);
	rc = io_all(x, true, &hdr, sizeof(hdr), deadline);
	if (rc == 0)
		rc = io_all(x, true, body, len, deadline);
	free(body);
	if (rc == 0)
		rc = io_all(x, false, &hdr, sizeof(hdr), deadline);
	if (rc < 0)
		goto io_fail;
	len = ntohl(hdr);
	if (len > SL_PROTO_MAX_RESPONSE || len == 0) {
		errmsg(x, "bad answer from %s: a response of %zu bytes", x->socket, len);
		return NULL;
	}
	body = malloc(len);
	if (body == NULL) {
		errmsg(x, "out of memory");
		return NULL;
	}
	rc = io_all(x, false, body, len, deadline);
	if (rc < 0) {
		free(body);
		goto io_fail;
	}
	resp = json_loadb(body, len, 0, &jerr);
	free(body);
	if (!json_is_object(resp) || !json_is_integer(json_object_get(resp, "status"))) {
		errmsg(x, "bad answer from %s: %s", x->socket,
		       resp ? "not a response object" : jerr.text);
		json_decref(resp);
		return NULL;
	}
	id = json_object_get(resp, "id");
	/* A refusal before the request was read (e.g. too many clients) has
	 * no id; anything else must answer this request. */
	if (!json_is_null(id) && (!json_is_integer(id) || json_integer_value(id) != x->next_id)) {
		errmsg(x, "bad answer from %s: response id does not match the request", x->socket);
		json_decref(resp);
		return NULL;
	}
	return resp;
io_fail:
	if (rc == -ETIMEDOUT)
		errmsg(x, "no answer from %s within %.3g s", x->socket, x->timeout_ms / 1000.0);
	else
		errmsg(x, "connection to %s failed: %s", x->socket, strerror(-rc));
	return NULL;
}

/* Status of a response, printing its error: EXIT_OK or EXIT_FAIL. */
static int check_status(struct ctx *x, json_t *resp)
{
	const char *e;

	if (json_integer_value(json_object_get(resp, "status")) == 0)
		return EXIT_OK;
	e = jstr(resp, "error");
	server_error(x, e ? e : "failed (no message)");
	return EXIT_FAIL;
}

/* Same syntax as durations in the config file: integer + ms, s, m or h. */
static int parse_duration(const char *s, uint32_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
	size_t nd = strspn(s, "0123456789");
	uint64_t v = 0;

	if (nd == 0 || nd > 10)
		return -EINVAL;
	for (size_t i = 0; i < nd; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++)
		if (!strcmp(s + nd, units[i].unit)) {
			if (v == 0 || v > UINT32_MAX / units[i].ms)
				return -EINVAL;
			*ms = (uint32_t)(v * units[i].ms);
			return 0;
		}
	return -EINVAL;
}

static void sleep_ms(uint32_t ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* After `config apply --guard`: poll `status` until the guard on generation
 * `gen` is over, then look in the history for a rollback by the guard.
 * Bounded by the guard duration plus the timeout. */
static int guard_wait(struct ctx *x, json_t *applied)
{
	json_int_t gen = json_integer_value(json_object_get(applied, "generation"));
	uint64_t deadline = now_ms() + x->guard_ms + x->timeout_ms;
	json_t *empty = json_object(), *resp, *rollback = NULL, *g, *out;
	const char *outcome = "unknown", *why = NULL;
	char *why_copy = NULL;
	size_t i;
	int rc = EXIT_FAIL;

	if (!x->json)
		printf("\nguard: watching generation %lld for %s\n", (long long)gen, x->guard);
	fflush(stdout);
	for (;;) {
		double left;
		json_t *st;

		resp = rpc(x, "status", empty, NULL);
		if (resp == NULL) {
			rc = x->rpc_status;
			goto out;
		}
		if (check_status(x, resp) != EXIT_OK) {
			json_decref(resp);
			goto out;
		}
		st = json_object_get(json_object_get(resp, "result"), "guard");
		if (!json_is_object(st) ||
		    json_integer_value(json_object_get(st, "generation")) != gen) {
			json_decref(resp);
			break;
		}
		left = guard_left_s(st);
		json_decref(resp);
		if (now_ms() >= deadline) {
			errmsg(x,
			       "guard: generation %lld still watched after %s; see `sluicectl "
			       "status`",
			       (long long)gen, x->guard);
			goto out;
		}
		/* Poll at most every 50 ms and at least once per second,
		 * whatever the server says is left. */
		sleep_ms(left > 1.0 ? 1000 : left < 0.05 ? 50 : (uint32_t)(left * 1000));
	}
	resp = rpc(x, "config.history", empty, NULL);
	if (resp == NULL) {
		rc = x->rpc_status;
		goto out;
	}
	if (check_status(x, resp) != EXIT_OK) {
		json_decref(resp);
		goto out;
	}
	/* The guarded generation's history entry says how its guard ended
	 * ("kept", "rolled back: why", "ended: ..."); a later generation made
	 * by the guard itself also means a rollback. */
	outcome = "kept";
	json_array_foreach(json_object_get(json_object_get(resp, "result"), "generations"), i, g)
	{
		json_int_t n = json_integer_value(json_object_get(g, "generation"));
		const char *origin = jstr(g, "origin"), *gs = jstr(g, "guard");

		if (n == gen && gs && !strncmp(gs, "rolled back", 11))
			outcome = "rolled back";
		else if (n == gen && gs && !strncmp(gs, "ended", 5))
			outcome = "ended";
		if (n > gen && origin && !strcmp(origin, "guard") && rollback == NULL) {
			outcome = "rolled back";
			rollback = json_incref(g);
		}
		if (n == gen)
			why = gs;
	}
	if (why)
		why_copy = strdup(why);
	json_decref(resp);
	rc = strcmp(outcome, "rolled back") ? EXIT_OK : EXIT_FAIL;
	if (x->json) {
		out = json_pack("{s:O,s:{s:I,s:s,s:O?}}", "apply", applied, "guard", "generation",
				gen, "outcome", outcome, "rollback", rollback);
		json_dumpf(out, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
		printf("\n");
		json_decref(out);
	} else if (rc == EXIT_OK) {
		printf("guard: generation %lld %s\n", (long long)gen,
		       why_copy && why_copy[0] ? why_copy : outcome);
	}
	if (rc != EXIT_OK) {
		char later[96] = "";

		if (rollback)
			snprintf(later, sizeof(later), "; now generation %s",
				 fmt_int(rollback, "generation"));
		errmsg(x, "guard: generation %lld %s%s", (long long)gen,
		       why_copy && why_copy[0] ? why_copy : "rolled back", later);
	}
	json_decref(rollback);
	free(why_copy);
out:
	json_decref(empty);
	return rc;
}

/* ------------------------------------------------------------------------ */

static const struct cli_cmd *find_cmd(int argc, char **argv, int *used)
{
	char words[64];

	if (argc >= 2) {
		snprintf(words, sizeof(words), "%s %s", argv[0], argv[1]);
		for (size_t i = 0; i < NB_CMDS; i++)
			if (!strcmp(cmds[i].words, words)) {
				*used = 2;
				return &cmds[i];
			}
	}
	for (size_t i = 0; i < NB_CMDS; i++)
		if (!strcmp(cmds[i].words, argv[0])) {
			*used = 1;
			return &cmds[i];
		}
	return NULL;
}

/* Option with a value: "--name VALUE" or "--name=VALUE". */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *matched)
{
	size_t l = strlen(name);

	*matched = false;
	if (!strncmp(argv[*i], name, l) && argv[*i][l] == '=') {
		*matched = true;
		return argv[*i] + l + 1;
	}
	if (strcmp(argv[*i], name))
		return NULL;
	*matched = true;
	if (*i + 1 >= argc)
		return NULL;
	return argv[++*i];
}

/* Global options and the options any command takes (--json, --timeout,
 * -s).  Returns 1 when argv[*i] was one, 0 when not, or an exit status + 10
 * on error. */
static int common_option(struct ctx *x, int argc, char **argv, int *i)
{
	bool m;
	const char *v;

	if (!strcmp(argv[*i], "--json")) {
		x->json = true;
		return 1;
	}
	v = opt_value(argc, argv, i, "--socket", &m);
	if (!m)
		v = opt_value(argc, argv, i, "-s", &m);
	if (m) {
		if (v == NULL || v[0] == '\0') {
			errmsg(x, "--socket needs a PATH");
			return 10 + EXIT_USAGE;
		}
		x->socket = v;
		return 1;
	}
	v = opt_value(argc, argv, i, "--timeout", &m);
	if (m) {
		if (v == NULL || parse_duration(v, &x->timeout_ms) < 0) {
			errmsg(x, "--timeout: expected a duration: an integer and a unit ms, s, m "
				  "or h (e.g. 30s)");
			return 10 + EXIT_USAGE;
		}
		return 1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct ctx x;
	char *pos[MAX_POSITIONAL];
	int npos = 0, i, used, rc;
	bool help = false, opts_done = false;
	json_t *args, *options, *resp, *result;
	const char *env = getenv("SLUICE_SOCKET");

	memset(&x, 0, sizeof(x));
	x.socket = env && env[0] ? env : SL_SERVER_DEFAULT_PATH;
	x.timeout_ms = DEFAULT_TIMEOUT_MS;
	x.fd = -1;

	/* Global options, up to the command. */
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		rc = common_option(&x, argc, argv, &i);
		if (rc > 1)
			return rc - 10;
		if (rc == 1)
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			print_help();
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("sluicectl %s (control protocol %d)\n", SL_VERSION,
			       SL_PROTO_VERSION);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--list-commands")) {
			for (size_t k = 0; k < NB_CMDS; k++)
				if (!(cmds[k].flags & F_LOCAL))
					printf("%s\t%s\n", cmds[k].proto, cmds[k].words);
			return EXIT_OK;
		}
		errmsg(NULL, "unknown option %s (sluicectl --help lists them)", argv[i]);
		return EXIT_USAGE;
	}
	if (i >= argc) {
		print_usage(stderr);
		fprintf(stderr, "sluicectl --help lists the commands\n");
		return EXIT_USAGE;
	}
	x.cmd = find_cmd(argc - i, argv + i, &used);
	if (x.cmd == NULL) {
		/* A noun alone ("backend") or with an unknown verb: list its verbs. */
		bool h =
		    i + 1 < argc && (!strcmp(argv[i + 1], "--help") || !strcmp(argv[i + 1], "-h"));

		if (h && print_noun(stdout, argv[i]))
			return EXIT_OK;
		if (i + 1 < argc && argv[i + 1][0] != '-' && print_noun(stderr, argv[i]))
			errmsg(NULL, "unknown command \"%s %s\"", argv[i], argv[i + 1]);
		else if (print_noun(stderr, argv[i]))
			errmsg(NULL, "%s: which one? (above)", argv[i]);
		else
			errmsg(NULL, "unknown command \"%s\" (sluicectl --help lists them)",
			       argv[i]);
		return EXIT_USAGE;
	}
	for (i += used; i < argc; i++) {
		bool m;
		const char *v;

		if (opts_done || argv[i][0] != '-' || !strcmp(argv[i], "-")) {
			if (npos == MAX_POSITIONAL) {
				errmsg(&x, "too many arguments");
				return EXIT_USAGE;
			}
			pos[npos++] = argv[i];
			continue;
		}
		if (!strcmp(argv[i], "--")) {
			opts_done = true;
			continue;
		}
		rc = common_option(&x, argc, argv, &i);
		if (rc > 1)
			return rc - 10;
		if (rc == 1)
			continue;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			help = true;
			continue;
		}
		if (x.cmd->flags & F_LOCAL) {
			/* its own options: the command parses them */
			if (npos == MAX_POSITIONAL) {
				errmsg(&x, "too many arguments");
				return EXIT_USAGE;
			}
			pos[npos++] = argv[i];
			continue;
		}
		if ((x.cmd->flags & F_CHANGE) && !strcmp(argv[i], "--dry-run")) {
			x.dry_run = true;
			continue;
		}
		v = opt_value(argc, argv, &i, "--guard", &m);
		if (m && (x.cmd->flags & F_CHANGE)) {
			if (v == NULL || parse_duration(v, &x.guard_ms) < 0) {
				errmsg(&x,
				       "--guard: expected a duration: an integer and a unit ms, s, "
				       "m or h (e.g. 30s)");
				return EXIT_USAGE;
			}
			x.guard = v;
			continue;
		}
		errmsg(&x, "unknown option %s", argv[i]);
		print_cmd_usage(stderr, x.cmd);
		return EXIT_USAGE;
	}
	if (help) {
		print_cmd_help(x.cmd);
		return EXIT_OK;
	}
	if (npos < x.cmd->min_args || (x.cmd->max_args >= 0 && npos > x.cmd->max_args)) {
		errmsg(&x, "%s arguments", npos < x.cmd->min_args ? "missing" : "too many");
		print_cmd_usage(stderr, x.cmd);
		return EXIT_USAGE;
	}
	if (x.dry_run && x.guard) {
		errmsg(&x, "--dry-run and --guard exclude each other");
		return EXIT_USAGE;
	}
	if (x.cmd->flags & F_LOCAL) {
		if (x.json) {
			errmsg(&x, "--json is not supported (the commands it shows have it)");
			return EXIT_USAGE;
		}
		rc = x.cmd->build(&x, npos, pos, NULL);
		if (x.fd >= 0)
			close(x.fd);
		if (fflush(stdout) != 0 && rc == EXIT_OK) {
			fprintf(stderr, "sluicectl: writing the output: %s\n", strerror(errno));
			rc = EXIT_FAIL;
		}
		return rc;
	}

	args = json_object();
	options = json_object();
	rc = x.cmd->build(&x, npos, pos, args);
	if (rc != EXIT_OK) {
		if (rc == EXIT_USAGE)
			print_cmd_usage(stderr, x.cmd);
		goto out;
	}
	if (x.dry_run)
		json_object_set_new(options, "dry_run", json_true());
	if (x.guard)
		json_object_set_new(options, "guard", json_string(x.guard));

	rc = dial(&x);
	if (rc != EXIT_OK)
		goto out;
	resp = rpc(&x, x.cmd->proto, args, options);
	if (resp == NULL) {
		rc = x.rpc_status;
		goto out;
	}
	rc = check_status(&x, resp);
	result = json_object_get(resp, "result");
	if (rc != EXIT_OK) {
		if (x.json) {
			json_dumpf(resp, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
			printf("\n");
		}
	} else if (x.guard_ms > 0 && !x.dry_run) {
		if (!x.json)
			x.cmd->show(&x, result);
		rc = guard_wait(&x, result);
	} else if (x.json) {
		json_dumpf(result, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
		printf("\n");
	} else {
		rc = x.cmd->show(&x, result);
	}
	if (rc == EXIT_OK && jstr(resp, "note"))
		fprintf(stderr, "sluicectl: %s: note: %s\n", x.cmd->words, jstr(resp, "note"));
	json_decref(resp);
out:
	if (x.fd >= 0)
		close(x.fd);
	json_decref(args);
	json_decref(options);
	if (fflush(stdout) != 0 && rc == EXIT_OK) {
		fprintf(stderr, "sluicectl: writing the output: %s\n", strerror(errno));
		rc = EXIT_FAIL;
	}
	return rc;
}
