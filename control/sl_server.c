/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The control socket server (sl_server.h, docs/PROTOCOL.md).  Everything
 * here runs on the control thread.  The socket and every client are
 * non-blocking and watched by one level-triggered epoll set; a client is
 * read only while it has no response waiting to be written, so a client that
 * stops reading stops being read (its requests wait in the kernel's socket
 * buffer, bounded by it) and never costs the server more than one response
 * and one request of buffer.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>

#include <jansson.h>

#include "sl_api.h"
#include "sl_config.h"
#include "sl_server.h"

#ifndef SO_PEERGROUPS
#define SO_PEERGROUPS 59 /* Linux >= 4.13; older kernels: /proc fallback */
#endif

/* Bytes a client's input buffer starts with (and shrinks back to after a
 * large request). */
#define IN_CHUNK (64u * 1024)
/* Connections accepted per sl_server_run call, so a flood of connects does
 * not keep the control thread in accept(). */
#define ACCEPT_BURST 16
#define EPOLL_BATCH  64
/* Requests of one client run per turn: a client that pipelines many (each
 * change waits for an RCU grace period) yields to the others and to the rest
 * of the control loop between turns. */
#define FRAMES_PER_TURN 8
/* epoll keys: clients are (connection tag << 32 | slot + 1) */
#define KEY_LISTENER 0
#define KEY_WAKE     UINT64_MAX
#define GROUP_NAME   64

/* What a peer may do. */
enum level {
	LEVEL_NONE = 0, /* nothing (connected through a hand-widened socket mode) */
	LEVEL_READ,	/* read-only commands */
	LEVEL_ADMIN,	/* everything */
};

struct client {
	int fd; /* -1: free slot */
	uid_t uid;
	enum level level;
	uint8_t *in; /* received bytes: length prefix + JSON, possibly several */
	size_t in_len, in_cap;
	uint8_t *out; /* response bytes not yet written */
	size_t out_len, out_off;
	bool eof;	 /* the peer shut down its sending side */
	bool closing;	 /* close once `out` is written (framing lost) */
	bool backlog;	 /* requests left in `in` after a turn: run on the next wake-up */
	uint32_t events; /* registered with epoll */
	uint32_t tag;	 /* connection number: tells a stale event of a reused slot */
};

struct sl_server {
	int lfd;
	int epfd;
	int wake;	    /* eventfd in epfd: readable while clients have a backlog */
	bool accept_paused; /* out of fds: listener off until a later run */
	uint32_t next_tag;
	struct sl_api *api;
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	dev_t dev; /* the socket file we created: free unlinks only it */
	ino_t ino;
	uid_t owner; /* the daemon's effective uid */
	bool has_admin, has_read;
	gid_t admin_gid, read_gid;
	char admin_name[GROUP_NAME], read_name[GROUP_NAME]; /* for messages */
	unsigned max_clients, nb_clients;
	struct client *clients;
};

/* One decoded request, as handlers see it. */
struct req {
	const char *command;
	json_t *args; /* an object (borrowed) */
	struct sl_api_opts opts;
};

typedef int (*handler_fn)(struct sl_server *s, const struct req *r, struct sl_api_out *out);

enum arg_type { ARG_STRING, ARG_UINT, ARG_OBJECT };

struct arg_spec {
	const char *name;
	enum arg_type type;
	bool required;
	uint64_t max; /* ARG_UINT */
};

/* The command table: one row per protocol command.  sluicectl has the same
 * names (with spaces for dots) in its own table. */
struct command {
	const char *name;
	bool changes; /* changes state: needs the admin level */
	handler_fn fn;
	const struct arg_spec *args; /* terminated by a NULL name */
	bool open_args;		     /* keys not in `args` are allowed: they are config keys
				      * checked by the config parser */
	const char *help;
};

/* ------------------------------------------------------------------------ */
/* Small helpers */

static void set_err(char *err, size_t len, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void set_err(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || len == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
}

/* A JSON string of `s`, which may not be valid UTF-8 (messages can quote
 * client input byte for byte): invalid bytes become '?'. */
static json_t *safe_string(const char *s)
{
	json_t *j = json_string(s);
	char *copy;

	if (j != NULL)
		return j;
	copy = strdup(s);
	if (copy == NULL)
		return NULL;
	for (char *p = copy; *p; p++)
		if ((unsigned char)*p >= 0x80 || (unsigned char)*p < 0x20)
			*p = '?';
	j = json_string(copy);
	free(copy);
	return j;
}

static const char *json_kind(const json_t *j)
{
	switch (json_typeof(j)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "an array";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
		return "an integer";
	case JSON_REAL:
		return "a real number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
	default:
		return "null";
	}
}

/* A duration as the config file writes it: an integer and a unit ms, s, m
 * or h with nothing between, 1ms..UINT32_MAX ms.  0 or -EINVAL. */
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
	for (size_t i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
		if (strcmp(s + nd, units[i].unit))
			continue;
		if (v == 0 || v > UINT32_MAX / units[i].ms)
			return -EINVAL;
		*ms = (uint32_t)(v * units[i].ms);
		return 0;
	}
	return -EINVAL;
}

/* Resolve a group given by name or decimal gid.  0 or -errno with err set. */
static int resolve_group(const char *what, const char *spec, gid_t *gid, char *name,
			 size_t name_len, char *err, size_t err_len)
{
	struct group gr, *res = NULL;
	size_t buflen = 4096;
	char *buf = NULL;
	int rc;

	if (spec[strspn(spec, "0123456789")] == '\0' && strlen(spec) <= 10) {
		unsigned long v = strtoul(spec, NULL, 10);

		if (v >= UINT32_MAX) {
			set_err(err, err_len, "%s: gid %s is out of range", what, spec);
			return -EINVAL;
		}
		*gid = (gid_t)v;
		snprintf(name, name_len, "%s", spec);
		return 0;
	}
	for (;;) {
		char *nb = realloc(buf, buflen);

		if (nb == NULL) {
			free(buf);
			set_err(err, err_len, "%s: out of memory", what);
			return -ENOMEM;
		}
		buf = nb;
		rc = getgrnam_r(spec, &gr, buf, buflen, &res);
		if (rc != ERANGE || buflen >= (1u << 20))
			break;
		buflen *= 2;
	}
	if (rc != 0 || res == NULL) {
		free(buf);
		set_err(err, err_len, "%s: no group \"%.64s\"%s%s", what, spec, rc ? ": " : "",
			rc ? strerror(rc) : "");
		return rc ? -rc : -ENOENT;
	}
	*gid = gr.gr_gid;
	snprintf(name, name_len, "%s", spec);
	free(buf);
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Peer credentials */

/* The peer's supplementary groups as the kernel recorded them at connect()
 * (SO_PEERGROUPS), or from /proc/PID/status on kernels without it.  Returns
 * a malloc'd array (count in *n) or NULL (*n = 0) when unknown. */
static gid_t *peer_groups(int fd, pid_t pid, uid_t uid, size_t *n)
{
	socklen_t len = 64 * sizeof(gid_t);
	gid_t *g = malloc(len), *ng;
	char path[64], line[4096];
	bool uid_ok = false;
	size_t cap = 0;
	FILE *f;
	int rc;

	*n = 0;
	if (g == NULL)
		return NULL;
	rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len);
	if (rc < 0 && errno == ERANGE) { /* len now says how much is needed */
		ng = realloc(g, len);
		if (ng == NULL) {
			free(g);
			return NULL;
		}
		g = ng;
		rc = getsockopt(fd, SOL_SOCKET, SO_PEERGROUPS, g, &len);
	}
	if (rc == 0) {
		*n = len / sizeof(gid_t);
		return g;
	}
	free(g);
	g = NULL;
	if (errno != ENOPROTOOPT || pid <= 0)
		return NULL;
	/* Fallback: the process that connected may have exited and its pid
	 * been reused; trust the file only if its real uid is the peer's. */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	f = fopen(path, "re");
	if (f == NULL)
		return NULL;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *p, *end;

		if (!strncmp(line, "Uid:", 4)) {
			uid_ok = strtoul(line + 4, NULL, 10) == (unsigned long)uid;
			continue;
		}
		if (strncmp(line, "Groups:", 7))
			continue;
		for (p = line + 7;;) {
			unsigned long v = strtoul(p, &end, 10);

			if (end == p)
				break;
			if (*n == cap) {
				cap = cap ? cap * 2 : 16;
				ng = realloc(g, cap * sizeof(gid_t));
				if (ng == NULL)
					break;
				g = ng;
			}
			g[(*n)++] = (gid_t)v;
			p = end;
		}
		break;
	}
	fclose(f);
	if (!uid_ok) {
		free(g);
		*n = 0;
		return NULL;
	}
	return g;
}

static bool has_gid(const gid_t *g, size_t n, gid_t primary, gid_t want)
{
	if (primary == want)
		return true;
	for (size_t i = 0; i < n; i++)
		if (g[i] == want)
			return true;
	return false;
}

/* What the peer on `fd` may do; its uid goes to *uid. */
static enum level peer_level(const struct sl_server *s, int fd, uid_t *uid)
{
	struct ucred cr;
	socklen_t len = sizeof(cr);
	enum level lv = LEVEL_NONE;
	gid_t *g;
	size_t n;

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) {
		*uid = (uid_t)-1;
		return LEVEL_NONE;
	}
	*uid = cr.uid;
	if (cr.uid == 0 || cr.uid == s->owner)
		return LEVEL_ADMIN;
	if (!s->has_admin && !s->has_read)
		return LEVEL_NONE;
	g = peer_groups(fd, cr.pid, cr.uid, &n);
	if (s->has_admin && has_gid(g, n, cr.gid, s->admin_gid))
		lv = LEVEL_ADMIN;
	else if (s->has_read && has_gid(g, n, cr.gid, s->read_gid))
		lv = LEVEL_READ;
	free(g);
	return lv;
}

/* ------------------------------------------------------------------------ */
/* Command handlers: each takes validated args and calls the API */

static const char *sarg(const struct req *r, const char *key)
{
	return json_string_value(json_object_get(r->args, key));
}

static uint64_t uarg(const struct req *r, const char *key)
{
	json_t *j = json_object_get(r->args, key);

	return j ? (uint64_t)json_integer_value(j) : 0;
}

/* Runs one of the config parser's entry points on the JSON text of `obj`,
 * collecting its diagnostics into out->msg.  kind: 'v' (VIP) or 'b'. */
static int parse_mapping(struct sl_server *s, json_t *obj, char kind, struct sl_config_vip *v,
			 struct sl_config_backend *b, struct sl_api_out *out)
{
	char *text = json_dumps(obj, JSON_COMPACT | JSON_SORT_KEYS);
	char *diag_text = NULL;
	size_t diag_len = 0;
	struct sl_diag d = {0};
	int rc;

	if (text == NULL)
		return -ENOMEM;
	d.out = open_memstream(&diag_text, &diag_len);
	if (d.out == NULL) {
		free(text);
		return -ENOMEM;
	}
	d.file = "args";
	if (kind == 'v')
		rc = sl_config_parse_vip(text, "args", sl_api_config(s->api), &d, v);
	else
		rc = sl_config_parse_backend(text, "args", &d, b);
	fclose(d.out);
	if (rc < 0) {
		size_t l = diag_text ? strlen(diag_text) : 0;

		while (l > 0 && diag_text[l - 1] == '\n')
			diag_text[--l] = '\0';
		if (l > 0)
			snprintf(out->msg, sizeof(out->msg), "%s", diag_text);
		else
			snprintf(out->msg, sizeof(out->msg), "invalid arguments: %s",
				 strerror(-rc));
	}
	free(diag_text);
	free(text);
	return rc;
}

static int h_commands(struct sl_server *s, const struct req *r, struct sl_api_out *out);

static int h_status(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	(void)r;
	return sl_api_status(s->api, out);
}

static int h_vip_list(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	(void)r;
	return sl_api_vip_list(s->api, out);
}

static int h_vip_show(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	return sl_api_vip_show(s->api, sarg(r, "vip"), out);
}

static int h_vip_add(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	struct sl_config_vip v;
	int rc;

	memset(&v, 0, sizeof(v));
	rc = parse_mapping(s, r->args, 'v', &v, NULL, out);
	if (rc < 0)
		return rc;
	rc = sl_api_vip_add(s->api, &r->opts, &v, out);
	sl_config_vip_clear(&v);
	return rc;
}

static int h_vip_del(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	return sl_api_vip_del(s->api, &r->opts, sarg(r, "vip"), out);
}

static int h_vip_set(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	char *text = json_dumps(json_object_get(r->args, "settings"), JSON_COMPACT);
	int rc;

	if (text == NULL)
		return -ENOMEM;
	rc = sl_api_vip_set(s->api, &r->opts, sarg(r, "vip"), text, out);
	free(text);
	return rc;
}

static int h_backend_list(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	return sl_api_backend_list(s->api, sarg(r, "vip"), out);
}

static int h_backend_add(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	struct sl_config_backend b;
	json_t *mapping = json_copy(r->args);
	int rc;

	if (mapping == NULL)
		return -ENOMEM;
	json_object_del(mapping, "vip");
	memset(&b, 0, sizeof(b));
	rc = parse_mapping(s, mapping, 'b', NULL, &b, out);
	json_decref(mapping);
	if (rc < 0)
		return rc;
	return sl_api_backend_add(s->api, &r->opts, sarg(r, "vip"), &b, out);
}

static int h_backend_del(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	return sl_api_backend_del(s->api, &r->opts, sarg(r, "vip"), sarg(r, "address"), out);
}

static int h_backend_weight(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	return sl_api_backend_weight(s->api, &r->opts, sarg(r, "vip"), sarg(r, "address"),
				     (uint32_t)uarg(r, "weight"), out);
}

static int backend_state(struct sl_server *s, const struct req *r, enum sl_admin_state st,
			 struct sl_api_out *out)
{
	return sl_api_backend_state(s->api, &r->opts, sarg(r, "vip"), sarg(r, "address"), st, out);
}

static int h_backend_drain(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	return backend_state(s, r, SL_ADMIN_DRAINING, out);
}

static int h_backend_enable(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	return backend_state(s, r, SL_ADMIN_ENABLED, out);
}

static int h_backend_disable(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	return backend_state(s, r, SL_ADMIN_DISABLED, out);
}

static int h_health(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	(void)r;
	return sl_api_health(s->api, out);
}

static int h_stats(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	(void)r;
	return sl_api_stats(s->api, out);
}

static int h_alerts(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	(void)r;
	return sl_api_alerts(s->api, out);
}

static int h_flows_count(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	(void)r;
	return sl_api_flows(s->api, out);
}

static int h_table(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	return sl_api_table(s->api, sarg(r, "vip"), out);
}

static int h_config_show(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	return sl_api_config_show(s->api, uarg(r, "generation"), out);
}

/* config.check / config.apply: "text" is the file's contents, "path" only
 * names it in messages.  The daemon never opens a file a client names (it
 * runs as root, the client may not); without text it uses its own file. */
static int text_args(const struct req *r, const char **path, const char **text,
		     struct sl_api_out *out)
{
	*text = sarg(r, "text");
	*path = sarg(r, "path");
	if (*path != NULL && *text == NULL) {
		snprintf(out->msg, sizeof(out->msg),
			 "args.path: names the text; without \"text\" the daemon uses its "
			 "own file and reads no file a client names");
		return -EINVAL;
	}
	if (*text != NULL && *path == NULL)
		*path = "(text)";
	return 0;
}

static int h_config_check(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	const char *path, *text;
	int rc = text_args(r, &path, &text, out);

	return rc < 0 ? rc : sl_api_config_check(s->api, path, text, out);
}

static int h_config_apply(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	const char *path, *text;
	json_t *res;
	int rc = text_args(r, &path, &text, out);

	if (rc < 0)
		return rc;
	rc = sl_api_config_apply(s->api, &r->opts, path, text, out);
	res = out->result;
	/* With a guard, say at once which generation is watched and until
	 * when, as `status` says it (its "guard" field, which the client then
	 * polls); when status has none (the guard already ended), say so. */
	if (rc == 0 && !r->opts.dry_run && r->opts.guard_ms > 0 && json_is_object(res) &&
	    json_object_get(res, "guard") == NULL) {
		struct sl_api_out st;
		json_t *g;

		memset(&st, 0, sizeof(st));
		g = sl_api_status(s->api, &st) == 0 ? json_object_get(st.result, "guard") : NULL;
		json_object_set(res, "guard", json_is_object(g) ? g : json_null());
		json_decref(st.result);
	}
	return rc;
}

static int h_config_diff(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	return sl_api_config_diff(s->api, uarg(r, "from"), uarg(r, "to"), out);
}

static int h_config_history(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	(void)r;
	return sl_api_config_history(s->api, out);
}

static int h_config_rollback(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	return sl_api_config_rollback(s->api, &r->opts, uarg(r, "generation"), out);
}

#define NO_ARGS ((const struct arg_spec[]){{NULL, 0, false, 0}})
#define A_VIP                              \
	{                                  \
		"vip", ARG_STRING, true, 0 \
	}
#define A_ADDR                                 \
	{                                      \
		"address", ARG_STRING, true, 0 \
	}
#define A_GEN                                             \
	{                                                 \
		"generation", ARG_UINT, false, UINT64_MAX \
	}
#define A_END                     \
	{                         \
		NULL, 0, false, 0 \
	}

static const struct command commands[] = {
    {"commands", false, h_commands, NO_ARGS, false, "list the commands of this protocol"},
    {"status", false, h_status, NO_ARGS, false,
     "daemon status: generation, workers, counts, guard, memory"},
    {"vip.list", false, h_vip_list, NO_ARGS, false, "list VIPs with their serving pool"},
    {"vip.show", false, h_vip_show, (const struct arg_spec[]){A_VIP, A_END}, false,
     "one VIP: settings, state and backends"},
    {"vip.add", true, h_vip_add, NO_ARGS, true,
     "add a VIP: args are a VIP mapping as in the config file"},
    {"vip.del", true, h_vip_del, (const struct arg_spec[]){A_VIP, A_END}, false, "remove a VIP"},
    {"vip.set", true, h_vip_set,
     (const struct arg_spec[]){A_VIP, {"settings", ARG_OBJECT, true, 0}, A_END}, false,
     "change VIP settings (config keys) over the current ones"},
    {"backend.list", false, h_backend_list,
     (const struct arg_spec[]){{"vip", ARG_STRING, false, 0}, A_END}, false,
     "list backends (of one VIP or all)"},
    {"backend.add", true, h_backend_add, (const struct arg_spec[]){A_VIP, A_END}, true,
     "add a backend: vip and a backend mapping as in the config file"},
    {"backend.del", true, h_backend_del, (const struct arg_spec[]){A_VIP, A_ADDR, A_END}, false,
     "remove a backend"},
    {"backend.weight", true, h_backend_weight,
     (const struct arg_spec[]){A_VIP, A_ADDR, {"weight", ARG_UINT, true, UINT32_MAX}, A_END}, false,
     "set a backend's weight"},
    {"backend.drain", true, h_backend_drain, (const struct arg_spec[]){A_VIP, A_ADDR, A_END}, false,
     "drain a backend: no new flows, existing flows stay"},
    {"backend.enable", true, h_backend_enable, (const struct arg_spec[]){A_VIP, A_ADDR, A_END},
     false, "enable a backend"},
    {"backend.disable", true, h_backend_disable, (const struct arg_spec[]){A_VIP, A_ADDR, A_END},
     false, "disable a backend: no traffic, its flows move"},
    {"health", false, h_health, NO_ARGS, false, "health-check targets and results"},
    {"stats", false, h_stats, NO_ARGS, false, "counters and rates per VIP and backend"},
    {"flows.count", false, h_flows_count, NO_ARGS, false,
     "flows in the flow tables per VIP and backend"},
    {"alerts", false, h_alerts, NO_ARGS, false, "active alerts and the alert hook's counters"},
    {"table", false, h_table, (const struct arg_spec[]){{"vip", ARG_STRING, false, 0}, A_END},
     false, "Maglev table share per backend and fingerprint per VIP"},
    {"config.show", false, h_config_show, (const struct arg_spec[]){A_GEN, A_END}, false,
     "the running configuration (or a generation) as YAML"},
    {"config.check", false, h_config_check,
     (const struct arg_spec[]){
	 {"text", ARG_STRING, false, 0}, {"path", ARG_STRING, false, 0}, A_END},
     false, "validate a configuration without applying it"},
    {"config.apply", true, h_config_apply,
     (const struct arg_spec[]){
	 {"text", ARG_STRING, false, 0}, {"path", ARG_STRING, false, 0}, A_END},
     false, "replace the whole configuration"},
    {"config.diff", false, h_config_diff,
     (const struct arg_spec[]){
	 {"from", ARG_UINT, false, UINT64_MAX}, {"to", ARG_UINT, false, UINT64_MAX}, A_END},
     false, "differences between two generations"},
    {"config.history", false, h_config_history, NO_ARGS, false, "applied generations"},
    {"config.rollback", true, h_config_rollback, (const struct arg_spec[]){A_GEN, A_END}, false,
     "go back to a generation (as a new one)"},
};

#define NB_COMMANDS (sizeof(commands) / sizeof(commands[0]))

static int h_commands(struct sl_server *s, const struct req *r, struct sl_api_out *out)
{
	json_t *list = json_array();

	(void)s;
	(void)r;
	if (list == NULL)
		return -ENOMEM;
	for (size_t i = 0; i < NB_COMMANDS; i++)
		json_array_append_new(list, json_pack("{s:s,s:b,s:s}", "name", commands[i].name,
						      "changes_state", commands[i].changes, "help",
						      commands[i].help));
	out->result = json_pack("{s:i,s:o}", "version", SL_PROTO_VERSION, "commands", list);
	return out->result ? 0 : -ENOMEM;
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NB_COMMANDS; i++)
		if (!strcmp(commands[i].name, name))
			return &commands[i];
	return NULL;
}

/* Checks args against the command's spec.  0 or -EINVAL with msg set. */
static int check_args(const struct command *cmd, json_t *args, char *msg, size_t len)
{
	const char *key;
	json_t *val;

	for (const struct arg_spec *a = cmd->args; a->name; a++) {
		json_t *j = json_object_get(args, a->name);

		if (j == NULL) {
			if (a->required) {
				snprintf(msg, len, "args.%s: missing", a->name);
				return -EINVAL;
			}
			continue;
		}
		switch (a->type) {
		case ARG_STRING:
			if (!json_is_string(j)) {
				snprintf(msg, len, "args.%s: expected a string, got %s", a->name,
					 json_kind(j));
				return -EINVAL;
			}
			break;
		case ARG_UINT:
			if (!json_is_integer(j) || json_integer_value(j) < 0 ||
			    (uint64_t)json_integer_value(j) > a->max) {
				snprintf(msg, len, "args.%s: expected an integer 0..%llu, got %s",
					 a->name, (unsigned long long)a->max,
					 json_is_integer(j) ? "one out of range" : json_kind(j));
				return -EINVAL;
			}
			break;
		case ARG_OBJECT:
			if (!json_is_object(j)) {
				snprintf(msg, len, "args.%s: expected an object, got %s", a->name,
					 json_kind(j));
				return -EINVAL;
			}
			break;
		}
	}
	if (cmd->open_args)
		return 0;
	json_object_foreach(args, key, val)
	{
		const struct arg_spec *a;
		size_t l = 0;

		for (a = cmd->args; a->name && strcmp(a->name, key); a++)
			;
		if (a->name)
			continue;
		l += (size_t)snprintf(msg, len, "args.%.64s: unknown argument (%s takes ", key,
				      cmd->name);
		if (cmd->args[0].name == NULL)
			l += (size_t)snprintf(msg + l, len - l, "no arguments");
		for (a = cmd->args; a->name && l < len; a++)
			l += (size_t)snprintf(msg + l, len - l, "%s%s", a == cmd->args ? "" : ", ",
					      a->name);
		if (l < len)
			snprintf(msg + l, len - l, ")");
		return -EINVAL;
	}
	return 0;
}

/* Reads "options" into opts.  0 or -EINVAL with msg set. */
static int check_options(const struct command *cmd, json_t *o, struct sl_api_opts *opts, char *msg,
			 size_t len)
{
	const char *key;
	json_t *val;

	if (o == NULL || json_is_null(o))
		return 0;
	if (!json_is_object(o)) {
		snprintf(msg, len, "options: expected an object, got %s", json_kind(o));
		return -EINVAL;
	}
	json_object_foreach(o, key, val)
	{
		if (!cmd->changes) {
			snprintf(msg, len,
				 "options.%.64s: %s does not change state and takes no options",
				 key, cmd->name);
			return -EINVAL;
		}
		if (!strcmp(key, "dry_run")) {
			if (!json_is_boolean(val)) {
				snprintf(msg, len, "options.dry_run: expected a boolean, got %s",
					 json_kind(val));
				return -EINVAL;
			}
			opts->dry_run = json_is_true(val);
		} else if (!strcmp(key, "guard")) {
			if (!json_is_string(val) ||
			    parse_duration(json_string_value(val), &opts->guard_ms) < 0) {
				snprintf(msg, len,
					 "options.guard: expected a duration 1ms..1193h: an "
					 "integer and a unit ms, s, m or h (e.g. 30s)");
				return -EINVAL;
			}
		} else {
			snprintf(msg, len, "options.%.64s: unknown option (dry_run, guard)", key);
			return -EINVAL;
		}
	}
	if (opts->dry_run && opts->guard_ms > 0) {
		snprintf(msg, len, "options: dry_run and guard exclude each other");
		return -EINVAL;
	}
	return 0;
}

/* "command X changes state: needs root, uid N or group G" and friends. */
static void denied_msg(const struct sl_server *s, const struct command *cmd, char *msg, size_t len)
{
	const char *who[4];
	char uidbuf[32], g1[GROUP_NAME + 8], g2[GROUP_NAME + 8];
	unsigned n = 0;
	size_t l;

	who[n++] = "root";
	if (s->owner != 0) {
		snprintf(uidbuf, sizeof(uidbuf), "uid %u", (unsigned)s->owner);
		who[n++] = uidbuf;
	}
	if (s->has_admin) {
		snprintf(g1, sizeof(g1), "group %s", s->admin_name);
		who[n++] = g1;
	}
	if (!cmd->changes && s->has_read) {
		snprintf(g2, sizeof(g2), "group %s", s->read_name);
		who[n++] = g2;
	}
	l = (size_t)snprintf(msg, len, "command %s %s: needs ", cmd->name,
			     cmd->changes ? "changes state" : "reads state");
	for (unsigned i = 0; i < n && l < len; i++)
		l += (size_t)snprintf(msg + l, len - l, "%s%s",
				      i == 0	   ? ""
				      : i + 1 == n ? " or "
						   : ", ",
				      who[i]);
}

/* ------------------------------------------------------------------------ */
/* Clients */

static void pause_accept(struct sl_server *s, bool pause);

static void client_close(struct sl_server *s, struct client *c)
{
	if (c->fd < 0)
		return;
	epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
	close(c->fd);
	free(c->in);
	free(c->out);
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	s->nb_clients--;
	pause_accept(s, false); /* an fd is free again */
}

/* Appends one framed response to the client's output.  A response larger
 * than the cap is replaced by an EMSGSIZE error with the same id. */
static int queue_response(struct client *c, json_t *resp)
{
	const size_t flags = JSON_COMPACT;
	size_t size = json_dumpb(resp, NULL, 0, flags);
	uint32_t be;
	uint8_t *nb;

	if (size == 0)
		return -ENOMEM;
	if (size > SL_PROTO_MAX_RESPONSE) {
		char m[128];

		snprintf(m, sizeof(m), "response of %zu bytes exceeds the %u-byte limit", size,
			 SL_PROTO_MAX_RESPONSE);
		json_object_set_new(resp, "status", json_integer(EMSGSIZE));
		json_object_set_new(resp, "error", json_string(m));
		json_object_del(resp, "result");
		json_object_del(resp, "note");
		size = json_dumpb(resp, NULL, 0, flags);
		if (size == 0)
			return -ENOMEM;
	}
	nb = realloc(c->out, c->out_len + SL_PROTO_HDR + size);
	if (nb == NULL)
		return -ENOMEM;
	c->out = nb;
	be = htonl((uint32_t)size);
	memcpy(c->out + c->out_len, &be, SL_PROTO_HDR);
	if (json_dumpb(resp, (char *)c->out + c->out_len + SL_PROTO_HDR, size, flags) != size)
		return -ENOMEM;
	c->out_len += SL_PROTO_HDR + size;
	return 0;
}

/* Builds and queues a response.  id may be NULL (unknown).  `result` is
 * stolen. */
static int respond(struct client *c, json_t *id, int status, const char *msg, json_t *result)
{
	json_t *resp = json_object();
	int rc;

	if (resp == NULL) {
		json_decref(result);
		return -ENOMEM;
	}
	json_object_set_new(resp, "version", json_integer(SL_PROTO_VERSION));
	json_object_set(resp, "id", id ? id : json_null());
	json_object_set_new(resp, "status", json_integer(status));
	if (status != 0)
		json_object_set_new(resp, "error",
				    safe_string(msg && *msg ? msg : strerror(status)));
	else if (msg && *msg)
		json_object_set_new(resp, "note", safe_string(msg));
	if (result != NULL)
		json_object_set_new(resp, "result", result);
	else if (status == 0)
		json_object_set_new(resp, "result", json_object());
	rc = queue_response(c, resp);
	json_decref(resp);
	return rc;
}

/* Decodes, checks and runs one request (the JSON body of one frame). */
static int handle_request(struct sl_server *s, struct client *c, const uint8_t *buf, size_t len)
{
	const struct command *cmd;
	json_error_t jerr;
	json_t *req, *id = NULL, *j, *val;
	struct sl_api_out out;
	struct req r;
	const char *key;
	char msg[sizeof(out.msg)];
	int rc, status = 0;

	memset(&out, 0, sizeof(out));
	memset(&r, 0, sizeof(r));
	msg[0] = '\0';
	req = json_loadb((const char *)buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (req == NULL) {
		snprintf(msg, sizeof(msg), "malformed JSON at line %d, column %d: %s", jerr.line,
			 jerr.column, jerr.text);
		return respond(c, NULL, EBADMSG, msg, NULL);
	}
	if (!json_is_object(req)) {
		snprintf(msg, sizeof(msg), "a request is a JSON object, got %s", json_kind(req));
		status = EBADMSG;
		goto reply;
	}
	j = json_object_get(req, "id");
	if (json_is_integer(j))
		id = j;
	else {
		snprintf(msg, sizeof(msg), "id: expected an integer, got %s",
			 j ? json_kind(j) : "nothing");
		status = EINVAL;
		goto reply;
	}
	j = json_object_get(req, "version");
	if (!json_is_integer(j) || json_integer_value(j) != SL_PROTO_VERSION) {
		char got[32];

		if (json_is_integer(j))
			snprintf(got, sizeof(got), "%lld", (long long)json_integer_value(j));
		snprintf(msg, sizeof(msg), "protocol version %s is not supported (this server: %d)",
			 json_is_integer(j) ? got
			 : j		    ? json_kind(j)
					    : "missing",
			 SL_PROTO_VERSION);
		status = EPROTONOSUPPORT;
		goto reply;
	}
	json_object_foreach(req, key, val)
	{
		if (strcmp(key, "version") && strcmp(key, "id") && strcmp(key, "command") &&
		    strcmp(key, "args") && strcmp(key, "options")) {
			snprintf(msg, sizeof(msg),
				 "%.64s: unknown request key (version, id, command, args, options)",
				 key);
			status = EINVAL;
			goto reply;
		}
	}
	j = json_object_get(req, "command");
	if (!json_is_string(j)) {
		snprintf(msg, sizeof(msg), "command: expected a string, got %s",
			 j ? json_kind(j) : "nothing");
		status = EINVAL;
		goto reply;
	}
	cmd = find_command(json_string_value(j));
	if (cmd == NULL) {
		snprintf(msg, sizeof(msg), "unknown command \"%.64s\" (\"commands\" lists them)",
			 json_string_value(j));
		status = ENOSYS;
		goto reply;
	}
	/* Privilege before anything else about the command: a peer that may
	 * not run it learns nothing from its arguments. */
	if (c->level < (cmd->changes ? LEVEL_ADMIN : LEVEL_READ)) {
		denied_msg(s, cmd, msg, sizeof(msg));
		status = EPERM;
		goto reply;
	}
	r.command = cmd->name;
	r.args = json_object_get(req, "args");
	if (r.args == NULL || json_is_null(r.args)) {
		r.args = json_object();
		json_object_set_new(req, "args", r.args); /* owned by req from here */
	}
	if (!json_is_object(r.args)) {
		snprintf(msg, sizeof(msg), "args: expected an object, got %s", json_kind(r.args));
		status = EINVAL;
		goto reply;
	}
	rc = check_options(cmd, json_object_get(req, "options"), &r.opts, msg, sizeof(msg));
	if (rc == 0)
		rc = check_args(cmd, r.args, msg, sizeof(msg));
	if (rc < 0) {
		status = -rc;
		goto reply;
	}
	r.opts.uid = (uint32_t)c->uid;
	r.opts.origin = "cli";
	rc = cmd->fn(s, &r, &out);
	if (rc > 0) /* an API bug, not the client's problem: keep status an errno */
		rc = -EIO;
	status = -rc;
	snprintf(msg, sizeof(msg), "%s", out.msg);
	if (status != 0 && msg[0] == '\0')
		snprintf(msg, sizeof(msg), "%s: %s", cmd->name, strerror(status));
reply:
	rc = respond(c, id, status, msg, out.result);
	json_decref(req);
	return rc;
}

static uint64_t client_key(const struct sl_server *s, const struct client *c)
{
	return (uint64_t)c->tag << 32 | (uint64_t)(c - s->clients + 1);
}

/* Readable or writable interest: writable while a response waits (nothing is
 * read then), nothing while a backlog waits for its turn, else readable. */
static void client_update_events(struct sl_server *s, struct client *c)
{
	uint32_t want;
	struct epoll_event ev;

	if (c->out_len > c->out_off)
		want = EPOLLOUT;
	else if (c->closing || c->eof || c->backlog)
		want = 0;
	else
		want = EPOLLIN;
	if (want == c->events)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = want;
	ev.data.u64 = client_key(s, c);
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, c->fd, &ev) == 0)
		c->events = want;
}

/* Writes what the socket takes.  Returns false when the client is gone. */
static bool client_flush(struct sl_server *s, struct client *c)
{
	while (c->out_off < c->out_len) {
		ssize_t w = send(c->fd, c->out + c->out_off, c->out_len - c->out_off,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			client_close(s, c);
			return false;
		}
		c->out_off += (size_t)w;
	}
	if (c->out_off == c->out_len) {
		free(c->out);
		c->out = NULL;
		c->out_len = c->out_off = 0;
		if (c->closing || (c->eof && c->in_len < SL_PROTO_HDR)) {
			client_close(s, c);
			return false;
		}
	}
	client_update_events(s, c);
	return true;
}

/* Length of the frame at the head of the input (its header must be there). */
static size_t next_frame_len(const struct client *c)
{
	uint32_t n;

	memcpy(&n, c->in, sizeof(n));
	return SL_PROTO_HDR + (size_t)ntohl(n);
}

/* Runs the complete requests in the input buffer, one at a time: the next
 * one only once the previous response is written, at most FRAMES_PER_TURN
 * (the rest are a backlog for the next wake-up).  Returns false when the
 * client is gone. */
static bool client_process(struct sl_server *s, struct client *c)
{
	unsigned done = 0;

	c->backlog = false;
	while (c->out_len == 0 && !c->closing && c->in_len >= SL_PROTO_HDR) {
		uint32_t n;
		size_t frame;

		if (done == FRAMES_PER_TURN) {
			uint64_t one = 1;

			c->backlog = true;
			(void)!write(s->wake, &one, sizeof(one));
			break;
		}
		done++;

		memcpy(&n, c->in, sizeof(n));
		n = ntohl(n);
		if (n > SL_PROTO_MAX_REQUEST) {
			char m[128];

			/* The body is not read: its length cannot be trusted, so
			 * neither can anything after it. */
			snprintf(m, sizeof(m), "request of %u bytes exceeds the %u-byte limit", n,
				 SL_PROTO_MAX_REQUEST);
			c->closing = true;
			c->in_len = 0;
			if (respond(c, NULL, EMSGSIZE, m, NULL) < 0) {
				client_close(s, c);
				return false;
			}
			break;
		}
		frame = SL_PROTO_HDR + (size_t)n;
		if (c->in_len < frame) {
			if (c->in_cap < frame) {
				uint8_t *nb = realloc(c->in, frame);

				if (nb == NULL) {
					client_close(s, c);
					return false;
				}
				c->in = nb;
				c->in_cap = frame;
			}
			break;
		}
		if (n == 0) {
			if (respond(c, NULL, EBADMSG, "empty request", NULL) < 0) {
				client_close(s, c);
				return false;
			}
		} else if (handle_request(s, c, c->in + SL_PROTO_HDR, n) < 0) {
			client_close(s, c);
			return false;
		}
		memmove(c->in, c->in + frame, c->in_len - frame);
		c->in_len -= frame;
		if (!client_flush(s, c))
			return false;
	}
	/* Give back a large request's buffer once it is used (not while a
	 * large frame is still arriving). */
	if (c->in_cap > IN_CHUNK && c->in_len <= IN_CHUNK &&
	    (c->in_len < SL_PROTO_HDR || next_frame_len(c) <= IN_CHUNK)) {
		uint8_t *nb = realloc(c->in, IN_CHUNK);

		if (nb != NULL) {
			c->in = nb;
			c->in_cap = IN_CHUNK;
		}
	}
	if (c->eof && c->out_len == 0 && !c->backlog) {
		client_close(s, c); /* nothing more can come, nothing left to send */
		return false;
	}
	client_update_events(s, c);
	return true;
}

static void client_read(struct sl_server *s, struct client *c)
{
	ssize_t r;

	if (c->in == NULL) {
		c->in = malloc(IN_CHUNK);
		if (c->in == NULL) {
			client_close(s, c);
			return;
		}
		c->in_cap = IN_CHUNK;
	}
	if (c->in_len == c->in_cap) {
		/* Cannot happen (a frame's buffer is grown to fit it), but
		 * returning would leave the fd readable and spin the loop. */
		client_close(s, c);
		return;
	}
	r = recv(c->fd, c->in + c->in_len, c->in_cap - c->in_len, MSG_DONTWAIT);
	if (r < 0) {
		if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
			return;
		client_close(s, c);
		return;
	}
	if (r == 0)
		c->eof = true;
	c->in_len += (size_t)r;
	client_process(s, c);
}

static void client_event(struct sl_server *s, struct client *c, uint32_t ev)
{
	if (ev & EPOLLERR) {
		client_close(s, c);
		return;
	}
	if (ev & EPOLLOUT) {
		if (!client_flush(s, c))
			return;
		if (c->out_len == 0 && !client_process(s, c))
			return;
	}
	if (ev & EPOLLIN)
		client_read(s, c);
	else if ((ev & EPOLLHUP) && c->fd >= 0)
		client_close(s, c);
}

/* Out of file descriptors, accept() fails while the listener stays
 * readable: stop watching it (so the control loop does not spin) until a
 * client closes or the next run. */
static void pause_accept(struct sl_server *s, bool pause)
{
	struct epoll_event ev;

	if (s->accept_paused == pause || s->lfd < 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.events = pause ? 0 : EPOLLIN;
	ev.data.u64 = KEY_LISTENER;
	if (epoll_ctl(s->epfd, EPOLL_CTL_MOD, s->lfd, &ev) == 0)
		s->accept_paused = pause;
}

static void accept_clients(struct sl_server *s)
{
	for (int i = 0; i < ACCEPT_BURST; i++) {
		int fd = accept4(s->lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		struct epoll_event ev;
		struct client *c = NULL;

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				pause_accept(s, true);
			return;
		}
		for (unsigned k = 0; k < s->max_clients; k++)
			if (s->clients[k].fd < 0) {
				c = &s->clients[k];
				break;
			}
		if (c == NULL) {
			/* Full: say so in one small response the socket buffer
			 * of a fresh connection always holds, then close. */
			struct client tmp = {.fd = fd};
			char m[64];

			snprintf(m, sizeof(m), "too many clients (at most %u)", s->max_clients);
			if (respond(&tmp, NULL, EBUSY, m, NULL) == 0)
				(void)!send(fd, tmp.out, tmp.out_len, MSG_NOSIGNAL | MSG_DONTWAIT);
			free(tmp.out);
			close(fd);
			continue;
		}
		memset(c, 0, sizeof(*c));
		c->fd = fd;
		c->tag = ++s->next_tag;
		c->level = peer_level(s, fd, &c->uid);
		c->events = EPOLLIN;
		memset(&ev, 0, sizeof(ev));
		ev.events = EPOLLIN;
		ev.data.u64 = client_key(s, c);
		if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) < 0) {
			close(fd);
			c->fd = -1;
			continue;
		}
		s->nb_clients++;
	}
}

void sl_server_run(struct sl_server *s)
{
	struct epoll_event ev[EPOLL_BATCH];
	int n;

	if (s == NULL)
		return;
	pause_accept(s, false);
	n = epoll_wait(s->epfd, ev, EPOLL_BATCH, 0);
	for (int i = 0; i < n; i++) {
		uint64_t k = ev[i].data.u64, slot = k & UINT32_MAX;
		struct client *c;

		if (k == KEY_LISTENER) {
			accept_clients(s);
			continue;
		}
		if (k == KEY_WAKE) {
			uint64_t v;

			(void)!read(s->wake, &v, sizeof(v));
			for (unsigned j = 0; j < s->max_clients; j++)
				if (s->clients[j].fd >= 0 && s->clients[j].backlog)
					client_process(s, &s->clients[j]);
			continue;
		}
		/* A client closed earlier in this batch may have had its slot
		 * reused by an accept: the tag tells its stale events. */
		if (slot == 0 || slot > s->max_clients)
			continue;
		c = &s->clients[slot - 1];
		if (c->fd >= 0 && c->tag == (uint32_t)(k >> 32))
			client_event(s, c, ev[i].events);
	}
}

int sl_server_fd(const struct sl_server *s)
{
	return s->epfd;
}

unsigned sl_server_nb_clients(const struct sl_server *s)
{
	return s->nb_clients;
}

/* ------------------------------------------------------------------------ */
/* Creation */

/* mkdir -p of the directory part of `path`, new directories mode 0755. */
static int make_parent(const char *path, char *err, size_t err_len)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *slash;
	struct stat st;

	snprintf(dir, sizeof(dir), "%s", path);
	slash = strrchr(dir, '/');
	if (slash == NULL)
		return 0; /* relative name in the working directory */
	if (slash == dir)
		return 0; /* in / */
	*slash = '\0';
	for (char *p = dir + 1;; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;

		*p = '\0';
		if (mkdir(dir, 0755) == 0) {
			/* mkdir's mode is masked by the umask; the directory must
			 * be searchable by the socket's group. */
			chmod(dir, 0755);
		} else if (errno != EEXIST) {
			int e = errno;

			set_err(err, err_len, "control socket: cannot create directory %s: %s", dir,
				strerror(e));
			return -e;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		set_err(err, err_len, "control socket: %s is not a directory", dir);
		return -ENOTDIR;
	}
	return 0;
}

/* Is something answering on the socket at `path`? */
static bool socket_is_live(const char *path)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	bool live;

	if (fd < 0)
		return false;
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	live = connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0 || errno == EAGAIN;
	close(fd);
	return live;
}

/* Binds and listens on a socket at `path` with `mode` and group `gid`
 * (-1: unchanged), never reachable with other permissions: see
 * sl_server_create.  Returns the listening fd or -errno. */
static int bind_socket(const char *path, mode_t mode, gid_t gid, char *err, size_t err_len)
{
	char tmpdir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	struct sockaddr_un sa;
	const char *slash = strrchr(path, '/');
	int dirlen = slash ? (int)(slash - path) : 0;
	int fd = -1, rc;
	struct stat st;

	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			set_err(err, err_len, "control socket: %s exists and is not a socket",
				path);
			return -EEXIST;
		}
		if (socket_is_live(path)) {
			set_err(err, err_len,
				"control socket: %s: another process is listening there", path);
			return -EADDRINUSE;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	rc = snprintf(tmpdir, sizeof(tmpdir), "%.*s%s.sluiced.XXXXXX", dirlen, path,
		      slash ? "/" : "");
	if (rc < 0 || (size_t)rc + 2 >= sizeof(sa.sun_path)) {
		set_err(err, err_len,
			"control socket: %s: directory name too long for a temporary socket", path);
		return -ENAMETOOLONG;
	}
	if (mkdtemp(tmpdir) == NULL) {
		rc = -errno;
		set_err(err, err_len, "control socket: cannot create a directory next to %s: %s",
			path, strerror(errno));
		return rc;
	}
	/* fits: checked above (and mkdtemp keeps the length) */
	memcpy(sa.sun_path, tmpdir, strlen(tmpdir));
	memcpy(sa.sun_path + strlen(tmpdir), "/s", 3);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		set_err(err, err_len, "control socket: socket: %s", strerror(errno));
		goto out_rmdir;
	}
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		rc = -errno;
		set_err(err, err_len, "control socket: bind %s: %s", sa.sun_path, strerror(errno));
		goto out_close;
	}
	if (chmod(sa.sun_path, mode) < 0) {
		rc = -errno;
		set_err(err, err_len, "control socket: chmod %s: %s", sa.sun_path, strerror(errno));
		goto out_unlink;
	}
	if (gid != (gid_t)-1 && chown(sa.sun_path, (uid_t)-1, gid) < 0) {
		rc = -errno;
		set_err(err, err_len, "control socket: cannot give %s to group %u: %s", path,
			(unsigned)gid, strerror(errno));
		goto out_unlink;
	}
	if (listen(fd, SOMAXCONN) < 0) {
		rc = -errno;
		set_err(err, err_len, "control socket: listen: %s", strerror(errno));
		goto out_unlink;
	}
	if (rename(sa.sun_path, path) < 0) {
		rc = -errno;
		set_err(err, err_len, "control socket: rename to %s: %s", path, strerror(errno));
		goto out_unlink;
	}
	rmdir(tmpdir);
	return fd;

out_unlink:
	unlink(sa.sun_path);
out_close:
	close(fd);
out_rmdir:
	rmdir(tmpdir);
	return rc;
}

struct sl_server *sl_server_create(const char *path, const char *admin_group,
				   const char *read_group, struct sl_api *api, char *err,
				   size_t err_len)
{
	struct sl_server *s;
	struct epoll_event ev;
	struct stat st;
	gid_t sock_gid = (gid_t)-1;
	mode_t mode = 0600;

	if (path == NULL)
		path = SL_SERVER_DEFAULT_PATH;
	if (path[0] == '\0' || strlen(path) >= sizeof(s->path)) {
		set_err(err, err_len, "control socket: path \"%.64s\" is empty or longer than %zu",
			path, sizeof(s->path) - 1);
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		set_err(err, err_len, "control socket: out of memory");
		return NULL;
	}
	s->lfd = -1;
	s->epfd = -1;
	s->wake = -1;
	s->api = api;
	s->owner = geteuid();
	snprintf(s->path, sizeof(s->path), "%s", path);
	s->max_clients = SL_SERVER_DEFAULT_CLIENTS;
	if (admin_group && admin_group[0]) {
		if (resolve_group("control.admin_group", admin_group, &s->admin_gid, s->admin_name,
				  sizeof(s->admin_name), err, err_len) < 0)
			goto fail;
		s->has_admin = true;
		sock_gid = s->admin_gid;
		mode = 0660;
	}
	if (read_group && read_group[0]) {
		if (resolve_group("control.read_group", read_group, &s->read_gid, s->read_name,
				  sizeof(s->read_name), err, err_len) < 0)
			goto fail;
		s->has_read = true;
		sock_gid = s->read_gid;
		mode = 0660;
	}
	s->clients = calloc(s->max_clients, sizeof(*s->clients));
	if (s->clients == NULL) {
		set_err(err, err_len, "control socket: out of memory");
		goto fail;
	}
	for (unsigned i = 0; i < s->max_clients; i++)
		s->clients[i].fd = -1;
	if (make_parent(path, err, err_len) < 0)
		goto fail;
	s->lfd = bind_socket(path, mode, sock_gid, err, err_len);
	if (s->lfd < 0)
		goto fail;
	if (lstat(path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	s->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (s->epfd < 0) {
		set_err(err, err_len, "control socket: epoll: %s", strerror(errno));
		goto fail;
	}
	memset(&ev, 0, sizeof(ev));
	ev.events = EPOLLIN;
	ev.data.u64 = KEY_LISTENER;
	if (epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->lfd, &ev) < 0) {
		set_err(err, err_len, "control socket: epoll: %s", strerror(errno));
		goto fail;
	}
	s->wake = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	ev.data.u64 = KEY_WAKE;
	if (s->wake < 0 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->wake, &ev) < 0) {
		set_err(err, err_len, "control socket: eventfd: %s", strerror(errno));
		goto fail;
	}
	return s;

fail:
	sl_server_free(s);
	return NULL;
}

void sl_server_free(struct sl_server *s)
{
	struct stat st;

	if (s == NULL)
		return;
	for (unsigned i = 0; s->clients && i < s->max_clients; i++)
		client_close(s, &s->clients[i]);
	if (s->lfd >= 0) {
		close(s->lfd);
		/* Only our own socket: another daemon may have replaced it. */
		if (lstat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
			unlink(s->path);
	}
	if (s->epfd >= 0)
		close(s->epfd);
	if (s->wake >= 0)
		close(s->wake);
	free(s->clients);
	free(s);
}
