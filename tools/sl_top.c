/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * `sluicectl top` (sl_top.h).  Plain ANSI escape sequences and termios, not
 * ncurses: the screen is a list of lines redrawn whole once a second, which
 * needs four sequences (alternate screen, cursor home, clear to end of line
 * and of screen, cursor visibility), and the same code then prints the
 * frames of --once without a terminal library in between; sluicectl keeps
 * depending on jansson alone.
 *
 * Rates are computed here from two samples of the daemon's cumulative
 * counters (packets, bytes, new flows, drops, worker rx/tx and polls) and
 * the time between the samples, so every rate on a frame covers the same
 * interval (-d), whatever the daemon's own sampling period.
 *
 * Cost per refresh: five requests on one connection (status, stats,
 * vip.list, backend.list, health), plus alerts when the daemon has that
 * command; `table` (which rebuilds each VIP's configuration table to
 * fingerprint it) only when the generation changes.  backend.list walks
 * every VIP's Maglev table once (65537 slots by default), so with many VIPs
 * a refresh costs the control thread about a millisecond per hundred VIPs.
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "sl_top.h"

enum { TOP_OK = 0, TOP_FAIL = 1, TOP_USAGE = 2, TOP_CONNECT = 3 };

/* ------------------------------------------------------------------------ */
/* Lines of a frame */

#define LF_BOLD	 1u /* a heading: bold on a terminal */
#define LF_ALERT 2u /* an alert or an error: reverse video on a terminal */

struct lines {
	char **text;
	unsigned *flags;
	size_t n, cap;
	bool oom;
};

static void lines_add(struct lines *l, unsigned flags, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void lines_add(struct lines *l, unsigned flags, const char *fmt, ...)
{
	va_list ap;
	char *s;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		char **t = realloc(l->text, cap * sizeof(*t));
		unsigned *f;

		if (t == NULL) {
			l->oom = true;
			return;
		}
		l->text = t;
		f = realloc(l->flags, cap * sizeof(*f));
		if (f == NULL) {
			l->oom = true;
			return;
		}
		l->flags = f;
		l->cap = cap;
	}
	va_start(ap, fmt);
	if (vasprintf(&s, fmt, ap) < 0) {
		l->oom = true;
		s = NULL;
	}
	va_end(ap);
	if (s == NULL)
		return;
	l->text[l->n] = s;
	l->flags[l->n++] = flags;
}

static void lines_free(struct lines *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->text[i]);
	free(l->text);
	free(l->flags);
	memset(l, 0, sizeof(*l));
}

/* ------------------------------------------------------------------------ */
/* Values */

/* Rotating buffers: a frame formats many short values, each copied into a
 * table cell (or a line) before 64 more are made. */
static char *fbuf(void)
{
	static char bufs[64][64];
	static unsigned next;

	return bufs[next++ % 64];
}

/* 1234567 -> "1.23M": at most 5 characters, no unit; "-" when unknown. */
static const char *fmt_si(double v)
{
	static const char prefix[] = "kMGTPE";
	char *b = fbuf();
	int p = -1;

	if (isnan(v) || v < 0)
		return "-";
	if (v < 999.5) {
		if (v == 0)
			return "0";
		snprintf(b, 64, v < 9.95 ? "%.1f" : "%.0f", v);
		return b;
	}
	while (v >= 999.5 && p < 5) {
		v /= 1000;
		p++;
	}
	snprintf(b, 64, v < 9.995 ? "%.2f%c" : v < 99.95 ? "%.1f%c" : "%.0f%c", v, prefix[p]);
	return b;
}

/* A count: exact up to 7 digits, then as fmt_si. */
static const char *fmt_count(double v)
{
	char *b;

	if (isnan(v) || v < 0)
		return "-";
	if (v >= 1e7)
		return fmt_si(v);
	b = fbuf();
	snprintf(b, 64, "%.0f", v);
	return b;
}

static const char *fmt_pct(double v)
{
	char *b;

	if (isnan(v))
		return "-";
	b = fbuf();
	snprintf(b, 64, "%.1f", v);
	return b;
}

static const char *fmt_uptime(double s)
{
	char *b = fbuf();
	unsigned long long v = s > 0 ? (unsigned long long)s : 0;

	if (v >= 86400)
		snprintf(b, 64, "%llud %lluh %llum", v / 86400, v % 86400 / 3600, v % 3600 / 60);
	else if (v >= 3600)
		snprintf(b, 64, "%lluh %llum %llus", v / 3600, v % 3600 / 60, v % 60);
	else if (v >= 60)
		snprintf(b, 64, "%llum %llus", v / 60, v % 60);
	else
		snprintf(b, 64, "%llus", v);
	return b;
}

static const char *jstr(json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

/* An integer counter, or NAN. */
static double jcount(json_t *o, const char *key)
{
	json_t *j = json_object_get(o, key);

	return json_is_integer(j) ? (double)json_integer_value(j) : NAN;
}

/* (cur - prev) / dt of an integer counter; NAN when either sample lacks it,
 * when dt is not positive, or when the counter went backwards (a restarted
 * daemon). */
static double rate_of(json_t *prev, json_t *cur, const char *key, double dt)
{
	json_t *a = json_object_get(prev, key), *b = json_object_get(cur, key);

	if (!(dt > 0) || !json_is_integer(a) || !json_is_integer(b) ||
	    json_integer_value(b) < json_integer_value(a))
		return NAN;
	return (double)(json_integer_value(b) - json_integer_value(a)) / dt;
}

/* The element of array arr whose string member key equals val. */
static json_t *find_by(json_t *arr, const char *key, const char *val)
{
	json_t *e;
	size_t i;

	if (val == NULL)
		return NULL;
	json_array_foreach(arr, i, e)
	{
		const char *s = jstr(e, key);

		if (s && !strcmp(s, val))
			return e;
	}
	return NULL;
}

/* The element of array arr whose integer member key equals val. */
static json_t *find_by_int(json_t *arr, const char *key, json_t *val)
{
	json_t *e;
	size_t i;

	if (!json_is_integer(val))
		return NULL;
	json_array_foreach(arr, i, e)
	{
		json_t *v = json_object_get(e, key);

		if (json_is_integer(v) && json_integer_value(v) == json_integer_value(val))
			return e;
	}
	return NULL;
}

/* A worker's busy and total polls between two samples: `busy_polls` and
 * `polls`, or `busy_polls` and `idle_polls`, in status or stats.  NAN when
 * the daemon does not report them. */
static double worker_load(json_t *pw, json_t *cw)
{
	double busy = NAN, total = NAN;

	if (json_object_get(cw, "polls"))
		total = rate_of(pw, cw, "polls", 1);
	else if (json_object_get(cw, "idle_polls"))
		total = rate_of(pw, cw, "idle_polls", 1) + rate_of(pw, cw, "busy_polls", 1);
	busy = rate_of(pw, cw, "busy_polls", 1);
	if (isnan(busy) || isnan(total) || total <= 0)
		return NAN;
	return 100.0 * busy / total;
}

/* The workers array: stats's (sluiced puts the poll counts there), or
 * status's when stats has none. */
static json_t *workers_of(const struct sl_top_sample *s)
{
	json_t *w = s ? json_object_get(s->stats, "workers") : NULL;

	if (json_array_size(w) == 0 && s)
		w = json_object_get(s->status, "workers");
	return w;
}

/* One hex digest of every VIP's table fingerprint, so two instances can be
 * compared at a glance (sluicectl table shows the per-VIP values): FNV-1a 64
 * over "VIP=FINGERPRINT\n" in the daemon's order, first 8 hex digits. */
static const char *tables_digest(json_t *table)
{
	uint64_t h = 0xcbf29ce484222325ull;
	json_t *v;
	size_t i;
	char *b;

	if (json_array_size(json_object_get(table, "vips")) == 0)
		return "-";
	json_array_foreach(json_object_get(table, "vips"), i, v)
	{
		const char *parts[] = {jstr(v, "vip"), "=", jstr(v, "fingerprint"), "\n"};

		for (size_t k = 0; k < 4; k++)
			for (const char *p = parts[k] ? parts[k] : ""; *p; p++) {
				h ^= (unsigned char)*p;
				h *= 0x100000001b3ull;
			}
	}
	b = fbuf();
	snprintf(b, 64, "%08llx", (unsigned long long)(h >> 32));
	return b;
}

/* ------------------------------------------------------------------------ */
/* Tables: columns separated by two spaces, numbers right-aligned; rows with
 * `raw` set are printed as they are (a VIP's title inside the backend table). */

#define TCOLS 10

struct trow {
	char *cell[TCOLS];
	bool raw;
};

struct ttable {
	unsigned ncols;
	bool right[TCOLS];
	struct trow *rows;
	size_t n, cap;
	bool oom;
};

static void tt_init(struct ttable *t, const char *spec)
{
	memset(t, 0, sizeof(*t));
	t->ncols = (unsigned)strlen(spec);
	for (unsigned i = 0; i < t->ncols && i < TCOLS; i++)
		t->right[i] = spec[i] == 'r';
}

static struct trow *tt_new(struct ttable *t)
{
	if (t->n == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		struct trow *r = realloc(t->rows, cap * sizeof(*r));

		if (r == NULL) {
			t->oom = true;
			return NULL;
		}
		t->rows = r;
		t->cap = cap;
	}
	memset(&t->rows[t->n], 0, sizeof(t->rows[0]));
	return &t->rows[t->n++];
}

/* A row of ncols strings (NULL prints "-"). */
static void tt_row(struct ttable *t, ...)
{
	struct trow *r = tt_new(t);
	va_list ap;

	va_start(ap, t);
	for (unsigned i = 0; i < t->ncols; i++) {
		const char *s = va_arg(ap, const char *);

		if (r)
			r->cell[i] = strdup(s ? s : "-");
	}
	va_end(ap);
}

static void tt_raw(struct ttable *t, const char *text)
{
	struct trow *r = tt_new(t);

	if (r) {
		r->raw = true;
		r->cell[0] = strdup(text);
	}
}

/* Appends the table's lines to l (row 0 in bold).  With width > 0, the first
 * column is narrowed to make rows fit (down to 12 characters), its long
 * values keeping their indent and their end: "  ~:99::10". */
static void tt_emit(struct ttable *t, struct lines *l, unsigned width)
{
	size_t w[TCOLS] = {0}, total = 0;

	for (size_t r = 0; r < t->n; r++)
		for (unsigned c = 0; c < t->ncols && !t->rows[r].raw; c++) {
			size_t len = t->rows[r].cell[c] ? strlen(t->rows[r].cell[c]) : 0;

			if (len > w[c])
				w[c] = len;
		}
	for (unsigned c = 0; c < t->ncols; c++)
		total += w[c] + (c ? 2 : 0);
	if (width > 0 && total > width && w[0] > 12)
		w[0] = total - width >= w[0] - 12 ? 12 : w[0] - (total - width);
	for (size_t r = 0; r < t->n; r++) {
		char line[1024];
		size_t len = 0;

		if (t->rows[r].raw) {
			lines_add(l, 0, "%s", t->rows[r].cell[0] ? t->rows[r].cell[0] : "");
			continue;
		}
		for (unsigned c = 0; c < t->ncols && len < sizeof(line); c++) {
			const char *s = t->rows[r].cell[c] ? t->rows[r].cell[c] : "";
			size_t sl = strlen(s);
			char cut[128];

			if (sl > w[c]) {
				/* only the first column is ever narrower than its
				 * values: keep its indent and the end, which tells
				 * addresses apart */
				size_t ind = strspn(s, " ");

				if (ind + 2 > w[c])
					ind = 0;
				snprintf(cut, sizeof(cut), "%.*s~%s", (int)ind, s,
					 s + sl - (w[c] - 1 - ind));
				s = cut;
			}
			len += (size_t)snprintf(line + len, sizeof(line) - len,
						t->right[c] ? "%s%*s" : "%s%-*s", c ? "  " : "",
						(int)w[c], s);
		}
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
		while (len > 0 && line[len - 1] == ' ')
			len--;
		line[len] = '\0';
		lines_add(l, r == 0 ? LF_BOLD : 0, "%s", line);
	}
	for (size_t r = 0; r < t->n; r++)
		for (unsigned c = 0; c < TCOLS; c++)
			free(t->rows[r].cell[c]);
	free(t->rows);
	if (t->oom)
		l->oom = true;
	memset(t, 0, sizeof(*t));
}

/* ------------------------------------------------------------------------ */
/* The frame */

struct frame {
	const struct sl_top_sample *p, *c;
	const struct sl_top_view *v;
	double dt; /* seconds between the samples; 0 without a previous one */
};

static void render_header(const struct frame *f, struct lines *l)
{
	json_t *st = f->c->status, *ws = workers_of(f->c), *w;
	double rx = 0, tx = 0, drops = 0, loads[64], lsum = 0, lmax = 0;
	unsigned nload = 0;
	bool rates = f->dt > 0;
	char load[160], every[32], drop[64];
	size_t i;

	snprintf(every, sizeof(every), "%g s", f->v->interval_s);
	lines_add(l, 0, "sluiced %s  up %s  generation %s  tables %s  every %s",
		  f->v->daemon ? f->v->daemon : "-",
		  json_is_number(json_object_get(st, "uptime_s"))
		      ? fmt_uptime(jcount(st, "uptime_s"))
		      : "-",
		  fmt_count(jcount(st, "generation")), tables_digest(f->c->table), every);

	json_array_foreach(ws, i, w)
	{
		json_t *pw = find_by_int(workers_of(f->p), "id", json_object_get(w, "id"));
		double r = rate_of(pw, w, "rx", f->dt), t = rate_of(pw, w, "tx", f->dt);
		double ld = worker_load(pw, w);

		rx += r;
		tx += t;
		if (!isnan(ld) && nload < 64) {
			loads[nload++] = ld;
			lsum += ld;
			if (ld > lmax)
				lmax = ld;
		}
	}
	/* Drops: every reason's counter, from stats. */
	{
		json_t *pd = f->p ? json_object_get(f->p->stats, "drops") : NULL;
		json_t *cd = json_object_get(f->c->stats, "drops"), *v;
		const char *k;

		json_object_foreach(cd, k, v) drops += rate_of(pd, cd, k, f->dt);
	}
	if (nload == 0) {
		snprintf(load, sizeof(load), "load -");
	} else if (nload <= 4) {
		size_t n = (size_t)snprintf(load, sizeof(load), "load");

		for (unsigned k = 0; k < nload && n < sizeof(load); k++)
			n += (size_t)snprintf(load + n, sizeof(load) - n, " %.0f%%", loads[k]);
	} else {
		snprintf(load, sizeof(load), "load avg %.0f%% max %.0f%%", lsum / nload, lmax);
	}
	if (!rates || isnan(drops))
		snprintf(drop, sizeof(drop), "drops -");
	else if (rx > 0 && !isnan(rx))
		snprintf(drop, sizeof(drop), "drops %s/s (%.2f%%)", fmt_si(drops),
			 100 * drops / rx);
	else
		snprintf(drop, sizeof(drop), "drops %s/s", fmt_si(drops));
	lines_add(l, 0, "workers %zu (%s)  rx %s pps  tx %s pps  %s", json_array_size(ws), load,
		  rates ? fmt_si(rx) : "-", rates ? fmt_si(tx) : "-", drop);
	if (f->v->error)
		lines_add(l, LF_ALERT, "refresh failed, showing the last data: %s", f->v->error);
}

static const char *vip_state(json_t *v)
{
	const char *pool = jstr(v, "serving_pool");

	if (v == NULL)
		return "-";
	if (json_is_true(json_object_get(v, "empty")))
		return "EMPTY";
	if (json_is_true(json_object_get(v, "panic")))
		return "PANIC";
	if (pool && !strcmp(pool, "backup"))
		return "backup";
	return "ok";
}

/* The VIP references to show, in the daemon's order: vip.list's, else
 * stats's. */
static json_t *vip_list(const struct sl_top_sample *s)
{
	json_t *v = json_object_get(s->vips, "vips");

	return json_array_size(v) ? v : json_object_get(s->stats, "vips");
}

/* Flows of a VIP: the sum over its backends in backend.list. */
static double vip_flows(const struct sl_top_sample *s, const char *ref)
{
	json_t *b;
	size_t i;
	double sum = 0;
	bool any = false;

	json_array_foreach(json_object_get(s->backends, "backends"), i, b)
	{
		const char *v = jstr(b, "vip");

		if (v && ref && !strcmp(v, ref) && json_is_integer(json_object_get(b, "flows"))) {
			sum += jcount(b, "flows");
			any = true;
		}
	}
	return any ? sum : NAN;
}

static void render_vips(const struct frame *f, struct lines *l)
{
	json_t *v;
	struct ttable t;
	size_t i;

	tt_init(&t, "lrrrrrl");
	tt_row(&t, "VIP", "PPS", "BPS", "NEW/S", "FLOWS", "USABLE", "STATE");
	json_array_foreach(vip_list(f->c), i, v)
	{
		const char *ref = jstr(v, "vip");
		json_t *sv = find_by(json_object_get(f->c->stats, "vips"), "vip", ref);
		json_t *pv =
		    f->p ? find_by(json_object_get(f->p->stats, "vips"), "vip", ref) : NULL;
		json_t *lv = find_by(json_object_get(f->c->vips, "vips"), "vip", ref);
		char *usable = fbuf();

		if (json_is_integer(json_object_get(lv, "usable")))
			snprintf(usable, 64, "%lld/%lld",
				 (long long)json_integer_value(json_object_get(lv, "usable")),
				 (long long)json_integer_value(json_object_get(lv, "backends")));
		else
			snprintf(usable, 64, "-");
		tt_row(&t, ref, fmt_si(rate_of(pv, sv, "packets", f->dt)),
		       fmt_si(8 * rate_of(pv, sv, "bytes", f->dt)),
		       fmt_si(rate_of(pv, sv, "new_flows", f->dt)), fmt_count(vip_flows(f->c, ref)),
		       usable, vip_state(lv));
	}
	tt_emit(&t, l, f->v->width);
}

/* A scalar of an alert: numbers with up to 6 significant digits, strings as
 * they are, "-" for anything else. */
static const char *fmt_value(json_t *j, char *buf, size_t len)
{
	if (json_is_number(j))
		snprintf(buf, len, "%g", json_number_value(j));
	else if (json_is_string(j))
		snprintf(buf, len, "%s", json_string_value(j));
	else
		snprintf(buf, len, "-");
	return buf;
}

/* One alert, whatever shape the daemon gives it: severity, kind and subject
 * first, then its message or observed/expected values. */
static void render_alert(json_t *a, struct lines *l)
{
	const char *sev = jstr(a, "severity"), *kind = jstr(a, "kind"), *subj = jstr(a, "subject");
	const char *text = jstr(a, "message");
	char obs[128] = "", sbuf[160] = "";
	json_t *so = json_object_get(a, "subject");

	/* sluiced's subjects are objects ({"vip": .., "backend": ..}): key=value. */
	if (json_is_object(so)) {
		const char *k;
		json_t *v;
		size_t n = 0;

		json_object_foreach(so, k, v)
		{
			char vb[96];

			if (n < sizeof(sbuf))
				n +=
				    (size_t)snprintf(sbuf + n, sizeof(sbuf) - n, "%s%s=%s",
						     n ? " " : "", k, fmt_value(v, vb, sizeof(vb)));
		}
		subj = sbuf;
	}

	if (kind == NULL)
		kind = jstr(a, "type");
	if (kind == NULL)
		kind = jstr(a, "alert");
	if (text == NULL && (json_object_get(a, "observed") || json_object_get(a, "expected"))) {
		char os[48], es[48];

		snprintf(obs, sizeof(obs), "observed %s, expected %s",
			 fmt_value(json_object_get(a, "observed"), os, sizeof(os)),
			 fmt_value(json_object_get(a, "expected"), es, sizeof(es)));
		text = obs;
	}
	lines_add(l, LF_ALERT, "  %s %s %s%s%s", sev ? sev : "alert", kind ? kind : "-",
		  subj ? subj : "-", text ? ": " : "", text ? text : "");
}

static void render_alerts(const struct frame *f, struct lines *l)
{
	json_t *list, *a;
	size_t i;

	if (f->c->alerts == NULL)
		return; /* the daemon has no alerts command */
	list = json_is_array(f->c->alerts) ? f->c->alerts : json_object_get(f->c->alerts, "alerts");
	if (json_array_size(list) == 0) {
		lines_add(l, 0, "alerts: none");
		return;
	}
	lines_add(l, LF_BOLD, "ALERTS (%zu)", json_array_size(list));
	json_array_foreach(list, i, a) render_alert(a, l);
}

/* Drops by reason: every reason whose counter is not 0, highest rate first,
 * as "REASON RATE/s (TOTAL)", wrapped to the width. */
static void render_drops(const struct frame *f, struct lines *l)
{
	json_t *cd = json_object_get(f->c->stats, "drops"), *v;
	json_t *pd = f->p ? json_object_get(f->p->stats, "drops") : NULL;
	struct drop {
		const char *name;
		double rate, total;
	} d[64];
	size_t n = 0, len;
	const char *k;
	char line[1024];
	unsigned width = f->v->width ? f->v->width : sizeof(line) - 1;

	json_object_foreach(cd, k, v)
	{
		if (!json_is_integer(v) || json_integer_value(v) == 0 || n == 64)
			continue;
		d[n].name = k;
		d[n].rate = rate_of(pd, cd, k, f->dt);
		d[n].total = (double)json_integer_value(v);
		n++;
	}
	/* Insertion sort by rate, unknown rates last, then by name: stable
	 * across frames while nothing changes. */
	for (size_t i = 1; i < n; i++)
		for (size_t j = i; j > 0; j--) {
			double a = isnan(d[j - 1].rate) ? -1 : d[j - 1].rate;
			double b = isnan(d[j].rate) ? -1 : d[j].rate;
			struct drop tmp;

			if (a > b || (a == b && strcmp(d[j - 1].name, d[j].name) <= 0))
				break;
			tmp = d[j];
			d[j] = d[j - 1];
			d[j - 1] = tmp;
		}
	if (n == 0) {
		lines_add(l, 0, "drops: none");
		return;
	}
	len = (size_t)snprintf(line, sizeof(line), "DROPS");
	for (size_t i = 0; i < n; i++) {
		char item[160];
		size_t il = (size_t)snprintf(item, sizeof(item), "%s %s/s (%s)", d[i].name,
					     fmt_si(d[i].rate), fmt_count(d[i].total));

		if (len + 2 + il > width && len > 5) {
			lines_add(l, 0, "%s", line);
			len = (size_t)snprintf(line, sizeof(line), "     ");
		}
		len += (size_t)snprintf(line + len, sizeof(line) - len, "  %s", item);
		if (len >= sizeof(line))
			len = sizeof(line) - 1;
	}
	lines_add(l, 0, "%s", line);
}

/* A backend's health: its target in `health` (same address, VIP among its
 * VIPs) gives the latency of the last check; else backend.list's word. */
static const char *backend_health(const struct sl_top_sample *s, const char *vip, json_t *b)
{
	const char *h = jstr(b, "health"), *addr = jstr(b, "address");
	json_t *t;
	size_t i;

	json_array_foreach(json_object_get(s->health, "targets"), i, t)
	{
		const char *ta = jstr(t, "address");
		json_t *v;
		size_t k;
		bool match = false;

		if (!ta || !addr || strcmp(ta, addr))
			continue;
		json_array_foreach(json_object_get(t, "vips"), k, v) match |=
		    json_is_string(v) && vip && !strcmp(json_string_value(v), vip);
		if (!match)
			continue;
		if (json_is_true(json_object_get(t, "up")) && jcount(t, "last_latency_us") > 0) {
			char *buf = fbuf();

			snprintf(buf, 64, "%s %.2fms", h ? h : "up",
				 jcount(t, "last_latency_us") / 1000.0);
			return buf;
		}
		break;
	}
	if (h && !strcmp(h, "up (not checked yet)"))
		return "up?";
	return h;
}

static void render_backends(const struct frame *f, struct lines *l)
{
	json_t *v, *b;
	struct ttable t;
	size_t i, k;

	tt_init(&t, "llrrrrrl");
	tt_row(&t, "BACKEND", "STATE", "WEIGHT", "NEW%", "EXP%", "PPS", "FLOWS", "HEALTH");
	json_array_foreach(vip_list(f->c), i, v)
	{
		const char *ref = jstr(v, "vip");
		json_t *sv = find_by(json_object_get(f->c->stats, "vips"), "vip", ref);
		json_t *pv =
		    f->p ? find_by(json_object_get(f->p->stats, "vips"), "vip", ref) : NULL;
		json_t *tv = find_by(json_object_get(f->c->table, "vips"), "vip", ref);
		double vnew = rate_of(pv, sv, "new_flows", f->dt);
		char title[256];

		if (f->v->only_vip && (!ref || strcmp(f->v->only_vip, ref)))
			continue;
		snprintf(title, sizeof(title), "%s%s%s%s", ref ? ref : "-",
			 jstr(tv, "fingerprint") ? "  table " : "",
			 jstr(tv, "fingerprint") ? jstr(tv, "fingerprint") : "",
			 json_is_true(json_object_get(
			     find_by(json_object_get(f->c->vips, "vips"), "vip", ref), "panic"))
			     ? "  PANIC"
			     : "");
		tt_raw(&t, title);
		json_array_foreach(json_object_get(f->c->backends, "backends"), k, b)
		{
			const char *addr = jstr(b, "address"), *pool = jstr(b, "pool");
			json_t *sb, *pb;
			char *name = fbuf(), *state = fbuf();
			double bnew;

			if (!jstr(b, "vip") || !ref || strcmp(jstr(b, "vip"), ref))
				continue;
			sb = find_by(json_object_get(sv, "backends"), "address", addr);
			pb = find_by(json_object_get(pv, "backends"), "address", addr);
			bnew = rate_of(pb, sb, "new_flows", f->dt);
			snprintf(name, 64, "  %s", addr ? addr : "-");
			/* The backup pool's backends carry "b:" before their state. */
			snprintf(state, 64, "%s%s", pool && !strcmp(pool, "backup") ? "b:" : "",
				 jstr(b, "state") ? jstr(b, "state") : "-");
			tt_row(&t, name, state, fmt_count(jcount(b, "weight")),
			       vnew > 0 && !isnan(bnew) ? fmt_pct(100 * bnew / vnew) : "-",
			       fmt_pct(json_is_number(json_object_get(b, "share_pct"))
					   ? json_number_value(json_object_get(b, "share_pct"))
					   : NAN),
			       fmt_si(rate_of(pb, sb, "packets", f->dt)),
			       fmt_count(jcount(b, "flows")), backend_health(f->c, ref, b));
		}
	}
	tt_emit(&t, l, f->v->width);
}

/* Writes line s cut to the width (the text is ASCII: one byte, one column),
 * and a newline unless it is the last row of a terminal (a newline there
 * would scroll the screen). */
static void put_line(FILE *out, const struct sl_top_view *v, const char *s, unsigned flags,
		     bool last)
{
	size_t len = strlen(s);

	if (v->width > 0 && len > v->width)
		len = v->width;
	if (v->tty && (flags & LF_BOLD))
		fputs("\033[1m", out);
	if (v->tty && (flags & LF_ALERT))
		fputs("\033[7m", out);
	fwrite(s, 1, len, out);
	if (v->tty) {
		if (flags & (LF_BOLD | LF_ALERT))
			fputs("\033[0m", out);
		/* clear what the previous frame left on the line */
		fputs("\033[K", out);
	}
	if (!last)
		fputc('\n', out);
}

size_t sl_top_render(FILE *out, const struct sl_top_sample *prev, const struct sl_top_sample *cur,
		     struct sl_top_view *view)
{
	struct frame f = {.p = prev, .c = cur, .v = view};
	struct lines head = {0}, body = {0};
	size_t nbody, first = view->scroll, shown, avail;
	unsigned used = 0;

	if (prev && cur->t > prev->t)
		f.dt = cur->t - prev->t;
	render_header(&f, &head);
	lines_add(&body, 0, "%s", "");
	render_vips(&f, &body);
	lines_add(&body, 0, "%s", "");
	render_alerts(&f, &body);
	render_drops(&f, &body);
	lines_add(&body, 0, "%s", "");
	render_backends(&f, &body);
	if (head.oom || body.oom) {
		lines_add(&head, LF_ALERT, "out of memory: part of the frame is missing");
		head.oom = false;
	}
	nbody = body.n;

	/* Header, then as much of the body as fits above the key line. */
	for (size_t i = 0; i < head.n && (!view->height || used + 1 < view->height); i++, used++)
		put_line(out, view, head.text[i], head.flags[i], false);
	avail = view->height ? view->height - used - (view->tty ? 1 : 0) : nbody;
	if (first > (nbody > avail ? nbody - avail : 0))
		first = nbody > avail ? nbody - avail : 0;
	view->scroll = (unsigned)first;
	shown = 0;
	for (size_t i = first; i < nbody && shown < avail; i++, shown++)
		put_line(out, view, body.text[i], body.flags[i], false);
	if (view->tty && view->height) {
		char keys[160];

		/* pad to the key line, which sits on the last row */
		for (size_t i = used + shown; i + 1 < view->height; i++)
			put_line(out, view, "", 0, false);
		snprintf(keys, sizeof(keys),
			 "q quit  j/k/arrows scroll  space/b page  lines %zu-%zu of %zu",
			 nbody ? first + 1 : 0, first + shown, nbody);
		put_line(out, view, keys, LF_BOLD, true);
	}
	lines_free(&head);
	lines_free(&body);
	return nbody;
}

void sl_top_sample_clear(struct sl_top_sample *s)
{
	json_decref(s->status);
	json_decref(s->stats);
	json_decref(s->vips);
	json_decref(s->backends);
	json_decref(s->health);
	json_decref(s->table);
	json_decref(s->alerts);
	memset(s, 0, sizeof(*s));
}

/* ------------------------------------------------------------------------ */
/* Sampling */

struct top {
	sl_top_call_fn call;
	void *arg;
	const char *alerts_cmd; /* the daemon's alerts command, or NULL */
	json_t *table;		/* the last `table` reply and its generation */
	json_int_t table_gen;
	char err[512];
};

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The daemon's alerts command, if it has one (`commands` lists them). */
static void find_alerts(struct top *t)
{
	static const char *const names[] = {"alerts", "alerts.list"};
	int st;
	json_t *r = t->call(t->arg, "commands", &st, t->err, sizeof(t->err)), *c;
	size_t i;

	t->alerts_cmd = NULL;
	for (size_t k = 0; k < 2 && t->alerts_cmd == NULL; k++)
		json_array_foreach(json_object_get(r, "commands"), i, c)
		{
			if (jstr(c, "name") && !strcmp(jstr(c, "name"), names[k]))
				t->alerts_cmd = names[k];
		}
	json_decref(r);
}

/* Takes one sample into s.  Returns TOP_OK, or TOP_FAIL (the daemon refused
 * a query) / TOP_CONNECT (no answer) with t->err saying why. */
static int fetch(struct top *t, struct sl_top_sample *s)
{
	static const char *const required[] = {"status", "stats", "vip.list", "backend.list"};
	json_t **slot[] = {&s->status, &s->stats, &s->vips, &s->backends};
	double t0 = 0, t1 = 0;
	int st;

	memset(s, 0, sizeof(*s));
	for (size_t i = 0; i < 4; i++) {
		if (i == 0)
			t0 = now_s();
		*slot[i] = t->call(t->arg, required[i], &st, t->err, sizeof(t->err));
		if (i == 1)
			t1 = now_s();
		if (*slot[i] == NULL) {
			sl_top_sample_clear(s);
			return st < 0 ? TOP_CONNECT : TOP_FAIL;
		}
	}
	/* The counters were read by the two first requests: their midpoint. */
	s->t = (t0 + t1) / 2;
	s->health = t->call(t->arg, "health", &st, t->err, sizeof(t->err));
	if (t->alerts_cmd)
		s->alerts = t->call(t->arg, t->alerts_cmd, &st, t->err, sizeof(t->err));
	if (t->table == NULL ||
	    json_integer_value(json_object_get(s->status, "generation")) != t->table_gen) {
		json_decref(t->table);
		t->table = t->call(t->arg, "table", &st, t->err, sizeof(t->err));
		t->table_gen = json_integer_value(json_object_get(s->status, "generation"));
	}
	s->table = json_incref(t->table);
	t->err[0] = '\0';
	return TOP_OK;
}

/* ------------------------------------------------------------------------ */
/* The terminal */

static volatile sig_atomic_t sig_quit, sig_winch, sig_tstp;

static void on_signal(int sig)
{
	if (sig == SIGWINCH)
		sig_winch = 1;
	else if (sig == SIGTSTP)
		sig_tstp = 1;
	else
		sig_quit = sig;
}

struct term {
	int fd; /* the terminal (stdin when it is one, else stdout) */
	bool keys;
	bool active;
	struct termios saved;
};

static void term_size(struct sl_top_view *v)
{
	struct winsize ws;

	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0) {
		v->width = ws.ws_col;
		v->height = ws.ws_row;
	} else {
		v->width = 80;
		v->height = 24;
	}
}

/* Keys without echo or line buffering, the alternate screen, no cursor.
 * ISIG stays on: Ctrl-C is SIGINT, Ctrl-Z SIGTSTP. */
static int term_enter(struct term *t)
{
	struct termios raw;

	if (tcgetattr(t->fd, &t->saved) < 0)
		return -errno;
	raw = t->saved;
	raw.c_lflag &= ~(tcflag_t)(ICANON | ECHO);
	raw.c_cc[VMIN] = 0;
	raw.c_cc[VTIME] = 0;
	if (tcsetattr(t->fd, TCSANOW, &raw) < 0)
		return -errno;
	t->active = true;
	fputs("\033[?1049h\033[?25l\033[H\033[2J", stdout);
	fflush(stdout);
	return 0;
}

static void term_leave(struct term *t)
{
	if (!t->active)
		return;
	fputs("\033[?25h\033[?1049l", stdout);
	fflush(stdout);
	tcsetattr(t->fd, TCSANOW, &t->saved);
	t->active = false;
}

static void draw(const struct sl_top_sample *p, const struct sl_top_sample *c,
		 struct sl_top_view *v, size_t *nbody)
{
	fputs("\033[H", stdout);
	*nbody = sl_top_render(stdout, p, c, v);
	fputs("\033[J", stdout);
	fflush(stdout);
}

/* What a key asks for. */
enum key { K_NONE, K_QUIT, K_DOWN, K_UP, K_PGDN, K_PGUP, K_TOP, K_END, K_REFRESH };

/* The next key in buf[*i..n): letters, Ctrl-C, and the escape sequences of
 * the arrow, page and home/end keys (CSI and SS3 forms). */
static enum key next_key(const char *buf, size_t n, size_t *i)
{
	static const struct {
		const char *seq;
		enum key k;
	} seqs[] = {
	    {"\033[A", K_UP},	 {"\033OA", K_UP},    {"\033[B", K_DOWN}, {"\033OB", K_DOWN},
	    {"\033[5~", K_PGUP}, {"\033[6~", K_PGDN}, {"\033[H", K_TOP},  {"\033OH", K_TOP},
	    {"\033[1~", K_TOP},	 {"\033[F", K_END},   {"\033OF", K_END},  {"\033[4~", K_END},
	};
	char c = buf[*i];

	if (c == '\033') {
		for (size_t k = 0; k < sizeof(seqs) / sizeof(seqs[0]); k++) {
			size_t l = strlen(seqs[k].seq);

			if (n - *i >= l && !memcmp(buf + *i, seqs[k].seq, l)) {
				*i += l;
				return seqs[k].k;
			}
		}
		(*i)++;
		return K_NONE; /* a lone escape or a sequence we do not use */
	}
	(*i)++;
	switch (c) {
	case 'q':
	case 'Q':
	case 3: /* Ctrl-C when the terminal does not make it a signal */
		return K_QUIT;
	case 'j':
		return K_DOWN;
	case 'k':
		return K_UP;
	case ' ':
		return K_PGDN;
	case 'b':
		return K_PGUP;
	case 'g':
		return K_TOP;
	case 'G':
		return K_END;
	case 'r':
		return K_REFRESH;
	default:
		return K_NONE;
	}
}

/* ------------------------------------------------------------------------ */

static int parse_seconds(const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end != '\0' || !(v >= 0.1 && v <= 3600))
		return -EINVAL;
	*out = v;
	return 0;
}

static void sleep_s(double s)
{
	struct timespec ts = {.tv_sec = (time_t)s, .tv_nsec = (long)((s - (time_t)s) * 1e9)};

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* COUNT frames on stdout without escapes, the first after one interval. */
static int run_batch(struct top *t, struct sl_top_view *v, unsigned long count)
{
	struct sl_top_sample prev, cur;
	int rc = fetch(t, &prev);

	if (rc != TOP_OK) {
		fprintf(stderr, "sluicectl: top: %s\n", t->err);
		return rc;
	}
	for (unsigned long i = 0; i < count; i++) {
		sleep_s(v->interval_s);
		rc = fetch(t, &cur);
		if (rc != TOP_OK) {
			fprintf(stderr, "sluicectl: top: %s\n", t->err);
			break;
		}
		if (i > 0)
			fputc('\n', stdout); /* a blank line between frames */
		sl_top_render(stdout, &prev, &cur, v);
		fflush(stdout);
		sl_top_sample_clear(&prev);
		prev = cur;
	}
	sl_top_sample_clear(&prev);
	return rc;
}

static int run_interactive(struct top *t, struct sl_top_view *v)
{
	struct sl_top_sample prev = {0}, cur = {0}, next;
	struct term term = {.fd = isatty(STDIN_FILENO) ? STDIN_FILENO : STDOUT_FILENO};
	struct sigaction sa;
	sigset_t block, orig;
	static const int sigs[] = {SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGTSTP};
	size_t nbody = 0;
	double due;
	int rc = fetch(t, &cur);

	if (rc != TOP_OK) {
		fprintf(stderr, "sluicectl: top: %s\n", t->err);
		return rc;
	}
	term.keys = term.fd == STDIN_FILENO;
	v->tty = true;
	/* Signals are blocked except inside ppoll, so none is missed between
	 * a check of the flags and the wait. */
	sigemptyset(&block);
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		sigaddset(&block, sigs[i]);
		sigaction(sigs[i], &sa, NULL);
	}
	sigprocmask(SIG_BLOCK, &block, &orig);
	if (term_enter(&term) < 0) {
		sigprocmask(SIG_SETMASK, &orig, NULL);
		fprintf(stderr, "sluicectl: top: cannot set up the terminal: %s\n",
			strerror(errno));
		sl_top_sample_clear(&cur);
		return TOP_FAIL;
	}
	term_size(v);
	draw(NULL, &cur, v, &nbody);
	/* The first rates as soon as possible, then every interval. */
	due = now_s() + (v->interval_s < 1 ? v->interval_s : 1);
	rc = TOP_OK;
	while (!sig_quit) {
		struct pollfd pfd = {.fd = term.keys ? STDIN_FILENO : -1, .events = POLLIN};
		double left = due - now_s();
		struct timespec ts = {.tv_sec = 0, .tv_nsec = 0};
		bool redraw = false, refresh = false;
		unsigned page = v->height > 4 ? v->height - 4 : 1;

		if (left > 0) {
			ts.tv_sec = (time_t)left;
			ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
		}
		if (ppoll(&pfd, 1, &ts, &orig) < 0 && errno != EINTR)
			break;
		if (sig_quit)
			break;
		if (sig_winch) {
			sig_winch = 0;
			term_size(v);
			redraw = true;
		}
		if (sig_tstp) {
			/* Ctrl-Z: hand the terminal back, stop, take it again. */
			sig_tstp = 0;
			term_leave(&term);
			signal(SIGTSTP, SIG_DFL);
			sigprocmask(SIG_SETMASK, &orig, NULL);
			raise(SIGTSTP);
			sigprocmask(SIG_BLOCK, &block, NULL);
			sigaction(SIGTSTP, &sa, NULL);
			if (term_enter(&term) < 0)
				break;
			term_size(v);
			redraw = true;
		}
		if (pfd.revents & (POLLHUP | POLLERR | POLLNVAL)) {
			/* the terminal is gone (SIGHUP follows): stop */
			sig_quit = SIGHUP;
			break;
		}
		if (pfd.revents & POLLIN) {
			char buf[64];
			ssize_t n = read(STDIN_FILENO, buf, sizeof(buf));
			size_t i = 0;

			while (n > 0 && i < (size_t)n) {
				switch (next_key(buf, (size_t)n, &i)) {
				case K_QUIT:
					sig_quit = SIGINT;
					break;
				case K_DOWN:
					v->scroll++;
					break;
				case K_UP:
					v->scroll = v->scroll ? v->scroll - 1 : 0;
					break;
				case K_PGDN:
					v->scroll += page;
					break;
				case K_PGUP:
					v->scroll = v->scroll > page ? v->scroll - page : 0;
					break;
				case K_TOP:
					v->scroll = 0;
					break;
				case K_END:
					v->scroll = (unsigned)nbody;
					break;
				case K_REFRESH:
					refresh = true;
					break;
				case K_NONE:
					break;
				}
				redraw = true;
			}
			if (n == 0)
				term.keys = false; /* end of input: keys no longer */
		}
		if (sig_quit)
			break;
		if (refresh || now_s() >= due) {
			rc = fetch(t, &next);
			if (rc == TOP_OK) {
				sl_top_sample_clear(&prev);
				prev = cur;
				cur = next;
				v->error = NULL;
			} else {
				/* Keep the last data on screen and say why;
				 * the call reconnects on the next refresh. */
				v->error = t->err;
			}
			due = now_s() + v->interval_s;
			redraw = true;
		}
		if (redraw)
			draw(prev.status ? &prev : NULL, &cur, v, &nbody);
	}
	term_leave(&term);
	sigprocmask(SIG_SETMASK, &orig, NULL);
	sl_top_sample_clear(&prev);
	sl_top_sample_clear(&cur);
	return TOP_OK;
}

int sl_top_main(sl_top_call_fn call, void *arg, const char *daemon, int argc, char **argv)
{
	struct top t = {.call = call, .arg = arg};
	struct sl_top_view v = {.daemon = daemon, .interval_s = 1};
	unsigned long count = 0;
	bool once = false;
	int rc;

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--once")) {
			once = true;
		} else if (!strcmp(a, "-d") || !strcmp(a, "--delay")) {
			if (i + 1 >= argc || parse_seconds(argv[++i], &v.interval_s) < 0) {
				fprintf(stderr,
					"sluicectl: top: %s: expected seconds, 0.1 to 3600 "
					"(e.g. 1 or 0.5)\n",
					a);
				return TOP_USAGE;
			}
		} else if (!strcmp(a, "-n") || !strcmp(a, "--iterations")) {
			char *end;

			errno = 0;
			count = i + 1 < argc ? strtoul(argv[++i], &end, 10) : 0;
			if (count == 0 || errno || *end != '\0' || count > 1000000 ||
			    argv[i][0] == '-') {
				fprintf(stderr,
					"sluicectl: top: %s: expected a number of frames, 1 to "
					"1000000\n",
					a);
				return TOP_USAGE;
			}
		} else if (a[0] == '-') {
			fprintf(stderr, "sluicectl: top: unknown option %s\n", a);
			return TOP_USAGE;
		} else if (v.only_vip == NULL) {
			v.only_vip = a;
		} else {
			fprintf(stderr, "sluicectl: top: too many arguments\n");
			return TOP_USAGE;
		}
	}
	if (once && count > 1) {
		fprintf(stderr, "sluicectl: top: --once and -n exclude each other\n");
		return TOP_USAGE;
	}
	find_alerts(&t);
	if (once || count > 0 || !isatty(STDOUT_FILENO)) {
		/* On a terminal, --once still fits its width. */
		if (isatty(STDOUT_FILENO)) {
			term_size(&v);
			v.height = 0;
		}
		rc = run_batch(&t, &v, count ? count : 1);
	} else {
		rc = run_interactive(&t, &v);
	}
	json_decref(t.table);
	return rc;
}
