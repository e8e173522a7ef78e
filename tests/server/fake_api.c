/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Fake of control/sl_api.h for the control socket tests: see fake_api.h.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fake_api.h"
#include "sl_api.h"
#include "sl_parse.h"

#define START_GEN  7
#define START_TIME 1795000000 /* 2026-11-18 11:06:40 UTC */

struct sl_api {
	struct sl_config cfg; /* what sl_api_config returns (defaults only) */
	uint64_t gen;
	json_t *history; /* array of generation entries */
	char *calls;	 /* recorded calls */
	size_t calls_len, nb_calls;
	FILE *log;
	int fail_err;
	char fail_msg[256];
	char note[256];
	size_t show_size;
	/* guard simulation */
	uint64_t guard_gen;
	unsigned guard_polls;
	bool guard_rollback;
	const char *guard_rollback_origin;
};

static struct sl_api fake;

static const char *const vip_refs[] = {"10.99.100.1:80/tcp", "[fd00:99::1]:443/tcp"};
static const char *const vip_backends[][4] = {
    {"10.99.1.1", "10.99.1.2", "10.99.1.3", NULL},
    {"fd00:99::10", NULL, NULL, NULL},
};
static const char *const admin_names[] = {"enabled", "disabled", "draining"};

static void history_add(uint64_t gen, uint32_t uid, const char *origin, const char *summary,
			const char *guard)
{
	json_array_append_new(fake.history,
			      json_pack("{s:I,s:I,s:I,s:s,s:s,s:s?}", "generation", (json_int_t)gen,
					"time", (json_int_t)(START_TIME + gen * 60), "uid",
					(json_int_t)uid, "origin", origin, "summary", summary,
					"guard", guard));
}

struct sl_api *fake_api_reset(void)
{
	free(fake.calls);
	json_decref(fake.history);
	memset(&fake, 0, sizeof(fake));
	fake.cfg.maglev_size = 65537;
	fake.gen = START_GEN;
	fake.history = json_array();
	history_add(5, 0, "start", "initial configuration from /etc/sluice/sluice.yaml", "");
	history_add(6, 1000, "cli", "backend 10.99.1.3 of 10.99.100.1:80/tcp: state enabled", "");
	history_add(7, 0, "file", "reload: 1 VIP changed", "kept");
	return &fake;
}

const char *fake_api_calls(void)
{
	return fake.calls ? fake.calls : "";
}

size_t fake_api_nb_calls(void)
{
	return fake.nb_calls;
}

void fake_api_set_log(FILE *f)
{
	fake.log = f;
}

void fake_api_fail_next(int err, const char *msg)
{
	fake.fail_err = err;
	snprintf(fake.fail_msg, sizeof(fake.fail_msg), "%s", msg);
}

void fake_api_note_next(const char *msg)
{
	snprintf(fake.note, sizeof(fake.note), "%s", msg);
}

void fake_api_set_show_size(size_t bytes)
{
	fake.show_size = bytes;
}

void fake_api_record(const char *fmt, ...)
{
	char line[2048];
	va_list ap;
	size_t l;
	char *nb;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	l = strlen(line);
	nb = realloc(fake.calls, fake.calls_len + l + 2);
	if (nb == NULL)
		abort(); /* a test double out of memory: nothing sensible to do */
	fake.calls = nb;
	memcpy(fake.calls + fake.calls_len, line, l);
	fake.calls[fake.calls_len + l] = '\n';
	fake.calls[fake.calls_len + l + 1] = '\0';
	fake.calls_len += l + 1;
	fake.nb_calls++;
	if (fake.log) {
		fprintf(fake.log, "%s\n", line);
		fflush(fake.log);
	}
}

/* An armed failure, consumed by the first call after it was armed. */
static int take_failure(struct sl_api_out *out)
{
	int err = fake.fail_err;

	if (fake.note[0]) {
		snprintf(out->msg, sizeof(out->msg), "%s", fake.note);
		fake.note[0] = '\0';
	}
	if (err == 0)
		return 0;
	fake.fail_err = 0;
	snprintf(out->msg, sizeof(out->msg), "%s", fake.fail_msg);
	return -err;
}

static const char *opts_str(const struct sl_api_opts *o, char *buf, size_t len)
{
	snprintf(buf, len, "uid=%u origin=%s dry_run=%d guard_ms=%u", o->uid,
		 o->origin ? o->origin : "(null)", o->dry_run, o->guard_ms);
	return buf;
}

static int find_vip(const char *ref, struct sl_api_out *out)
{
	for (int i = 0; i < 2; i++)
		if (ref && !strcmp(ref, vip_refs[i]))
			return i;
	snprintf(out->msg, sizeof(out->msg), "no VIP %s", ref ? ref : "(null)");
	return -1;
}

static int find_backend(int vi, const char *addr, struct sl_api_out *out)
{
	for (int i = 0; vip_backends[vi][i]; i++)
		if (addr && !strcmp(addr, vip_backends[vi][i]))
			return i;
	snprintf(out->msg, sizeof(out->msg), "no backend %s in VIP %s", addr ? addr : "(null)",
		 vip_refs[vi]);
	return -1;
}

static json_t *load(const char *text)
{
	json_error_t e;
	json_t *j = json_loads(text, 0, &e);

	if (j == NULL) {
		fprintf(stderr, "fake_api: bad canned JSON: %s (line %d col %d)\n", e.text, e.line,
			e.column);
		abort(); /* a bug in this file */
	}
	return j;
}

static const char preview_changed[] =
    "{\"vips\": ["
    "{\"vip\": \"10.99.100.1:80/tcp\", \"change\": \"changed\", \"slots_moved\": 8738,"
    " \"table_size\": 65537, \"moved_pct\": 13.33, \"flows_moving\": 120, \"backends\": ["
    "{\"address\": \"10.99.1.1\", \"pool\": \"primary\", \"share_before_pct\": 50.0,"
    " \"share_after_pct\": 36.67},"
    "{\"address\": \"10.99.1.2\", \"pool\": \"primary\", \"share_before_pct\": 50.0,"
    " \"share_after_pct\": 63.33},"
    "{\"address\": \"10.99.1.3\", \"pool\": \"backup\", \"share_before_pct\": 0.0,"
    " \"share_after_pct\": 0.0}]},"
    "{\"vip\": \"[fd00:99::1]:443/tcp\", \"change\": \"unchanged\", \"slots_moved\": 0,"
    " \"table_size\": 65537, \"moved_pct\": 0.0, \"flows_moving\": 0, \"backends\": ["
    "{\"address\": \"fd00:99::10\", \"pool\": \"primary\", \"share_before_pct\": 100.0,"
    " \"share_after_pct\": 100.0}]}],"
    " \"flows_moving\": 120}";

/* A change: a new generation (or a dry run) with `preview` (stolen). */
static int change(const struct sl_api_opts *o, const char *summary, json_t *preview,
		  struct sl_api_out *out)
{
	if (preview == NULL)
		preview = load(preview_changed);
	if (o->dry_run) {
		out->result = json_pack("{s:b,s:s,s:o}", "dry_run", 1, "summary", summary,
					"preview", preview);
		return 0;
	}
	fake.gen++;
	char watching[64];

	snprintf(watching, sizeof(watching), "watching for %u ms", o->guard_ms);
	history_add(fake.gen, o->uid, o->origin ? o->origin : "(null)", summary,
		    o->guard_ms ? watching : "");
	out->result = json_pack("{s:I,s:s,s:o}", "generation", (json_int_t)fake.gen, "summary",
				summary, "preview", preview);
	return 0;
}

/* ------------------------------------------------------------------------ */

struct sl_api *sl_api_create(const struct sl_api_conf *conf, struct sl_config *initial, char *err,
			     size_t err_len)
{
	(void)conf;
	(void)initial;
	(void)err;
	(void)err_len;
	return fake_api_reset();
}

void sl_api_free(struct sl_api *api)
{
	(void)api;
}

const struct sl_config *sl_api_config(const struct sl_api *api)
{
	return &api->cfg;
}

uint64_t sl_api_generation(const struct sl_api *api)
{
	return api->gen;
}

struct sl_health *sl_api_checker(struct sl_api *api)
{
	(void)api;
	return NULL;
}

uint32_t sl_api_tick(struct sl_api *api)
{
	(void)api;
	return 1000;
}

int sl_api_fd(const struct sl_api *api)
{
	(void)api;
	return -1;
}

int sl_api_vip_add(struct sl_api *api, const struct sl_api_opts *o, const struct sl_config_vip *v,
		   struct sl_api_out *out)
{
	char ob[128], ref[80], summary[160];
	json_t *prev, *bes;
	int rc;

	(void)api;
	if (v->family == SL_AF_INET6)
		snprintf(ref, sizeof(ref), "[%s]:", v->addr_str);
	else
		snprintf(ref, sizeof(ref), "%s:", v->addr_str);
	if (v->port)
		snprintf(ref + strlen(ref), sizeof(ref) - strlen(ref), "%u", v->port);
	else
		snprintf(ref + strlen(ref), sizeof(ref) - strlen(ref), "any");
	snprintf(ref + strlen(ref), sizeof(ref) - strlen(ref), "/%s",
		 v->proto == 17 ? "udp" : "tcp");
	fake_api_record("vip_add %s vip=%s backends=%u", opts_str(o, ob, sizeof(ob)), ref,
			v->nb_backends);
	if ((rc = take_failure(out)))
		return rc;
	for (int i = 0; i < 2; i++)
		if (!strcmp(ref, vip_refs[i])) {
			snprintf(out->msg, sizeof(out->msg), "VIP %s already exists", ref);
			return -EEXIST;
		}
	bes = json_array();
	for (uint32_t i = 0; i < v->nb_backends; i++)
		json_array_append_new(bes, json_pack("{s:s,s:s,s:f,s:f}", "address",
						     v->backends[i].addr_str, "pool", "primary",
						     "share_before_pct", 0.0, "share_after_pct",
						     100.0 / v->nb_backends));
	prev = json_pack("{s:[{s:s,s:s,s:i,s:i,s:f,s:i,s:o}],s:i}", "vips", "vip", ref, "change",
			 "added", "slots_moved", 65537, "table_size", 65537, "moved_pct", 100.0,
			 "flows_moving", 0, "backends", bes, "flows_moving", 0);
	snprintf(summary, sizeof(summary), "vip %s added", ref);
	return change(o, summary, prev, out);
}

int sl_api_vip_del(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
		   struct sl_api_out *out)
{
	char ob[128], summary[160];
	int rc;

	(void)api;
	fake_api_record("vip_del %s vip=%s", opts_str(o, ob, sizeof(ob)), vip);
	if ((rc = take_failure(out)))
		return rc;
	if (find_vip(vip, out) < 0)
		return -ENOENT;
	snprintf(summary, sizeof(summary), "vip %s removed", vip);
	return change(o, summary, NULL, out);
}

int sl_api_vip_set(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
		   const char *settings, struct sl_api_out *out)
{
	char ob[128], summary[160];
	int rc;

	(void)api;
	fake_api_record("vip_set %s vip=%s settings=%s", opts_str(o, ob, sizeof(ob)), vip,
			settings);
	if ((rc = take_failure(out)))
		return rc;
	if (find_vip(vip, out) < 0)
		return -ENOENT;
	snprintf(summary, sizeof(summary), "vip %s settings changed", vip);
	return change(o, summary, NULL, out);
}

int sl_api_backend_add(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
		       const struct sl_config_backend *b, struct sl_api_out *out)
{
	char ob[128], summary[160];
	int vi, rc;

	(void)api;
	fake_api_record("backend_add %s vip=%s address=%s weight=%u pool=%s state=%s",
			opts_str(o, ob, sizeof(ob)), vip, b->addr_str, b->weight,
			b->pool == SL_POOL_BACKUP ? "backup" : "primary", admin_names[b->state]);
	if ((rc = take_failure(out)))
		return rc;
	if ((vi = find_vip(vip, out)) < 0)
		return -ENOENT;
	for (int i = 0; vip_backends[vi][i]; i++)
		if (!strcmp(vip_backends[vi][i], b->addr_str)) {
			snprintf(out->msg, sizeof(out->msg), "backend %s is already in VIP %s",
				 b->addr_str, vip);
			return -EEXIST;
		}
	snprintf(summary, sizeof(summary), "backend %s added to %s", b->addr_str, vip);
	return change(o, summary, NULL, out);
}

int sl_api_backend_del(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
		       const char *addr, struct sl_api_out *out)
{
	char ob[128], summary[160];
	int vi, rc;

	(void)api;
	fake_api_record("backend_del %s vip=%s address=%s", opts_str(o, ob, sizeof(ob)), vip, addr);
	if ((rc = take_failure(out)))
		return rc;
	if ((vi = find_vip(vip, out)) < 0 || find_backend(vi, addr, out) < 0)
		return -ENOENT;
	snprintf(summary, sizeof(summary), "backend %s removed from %s", addr, vip);
	return change(o, summary, NULL, out);
}

int sl_api_backend_weight(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
			  const char *addr, uint32_t weight, struct sl_api_out *out)
{
	char ob[128], summary[160];
	int vi, rc;

	(void)api;
	fake_api_record("backend_weight %s vip=%s address=%s weight=%u",
			opts_str(o, ob, sizeof(ob)), vip, addr, weight);
	if ((rc = take_failure(out)))
		return rc;
	if ((vi = find_vip(vip, out)) < 0 || find_backend(vi, addr, out) < 0)
		return -ENOENT;
	if (weight > 65535) {
		snprintf(out->msg, sizeof(out->msg),
			 "weight: %u is out of range (expected 0..65535)", weight);
		return -EINVAL;
	}
	snprintf(summary, sizeof(summary), "backend %s of %s: weight 100 -> %u", addr, vip, weight);
	return change(o, summary, NULL, out);
}

int sl_api_backend_state(struct sl_api *api, const struct sl_api_opts *o, const char *vip,
			 const char *addr, enum sl_admin_state st, struct sl_api_out *out)
{
	char ob[128], summary[160];
	int vi, rc;

	(void)api;
	fake_api_record("backend_state %s vip=%s address=%s state=%s", opts_str(o, ob, sizeof(ob)),
			vip, addr, admin_names[st]);
	if ((rc = take_failure(out)))
		return rc;
	if ((vi = find_vip(vip, out)) < 0 || find_backend(vi, addr, out) < 0)
		return -ENOENT;
	snprintf(summary, sizeof(summary), "backend %s of %s: state %s", addr, vip,
		 admin_names[st]);
	return change(o, summary, NULL, out);
}

static const char sample_yaml[] = "ports:\n"
				  "  - name: net_memif0\n"
				  "next_hop:\n"
				  "  port: net_memif0\n"
				  "  mac: 02:00:00:00:00:01\n"
				  "tunnel:\n"
				  "  source4: 10.99.0.1\n"
				  "vips:\n"
				  "  - address: 10.99.100.1\n"
				  "    port: 80\n"
				  "    protocol: tcp\n"
				  "    encap: ipip\n"
				  "    backends:\n"
				  "      - address: 10.99.1.1\n"
				  "      - address: 10.99.1.2\n";

static bool looks_bad(const char *text)
{
	return text && strstr(text, "error") != NULL;
}

static void bad_config(const char *path, struct sl_api_out *out)
{
	snprintf(out->msg, sizeof(out->msg),
		 "%s:10:11: error: vips[0].port: expected 1..65535 or \"any\", got \"eighty\"\n"
		 "%s:14:19: error: vips[0].backends[0].weight: 70000 is out of range (expected "
		 "0..65535)",
		 path, path);
	out->result = json_pack(
	    "{s:[s,s]}", "errors", "vips[0].port: expected 1..65535 or \"any\", got \"eighty\"",
	    "vips[0].backends[0].weight: 70000 is out of range (expected 0..65535)");
}

int sl_api_config_apply(struct sl_api *api, const struct sl_api_opts *o, const char *path,
			const char *text, struct sl_api_out *out)
{
	char ob[128], summary[160];
	int rc;

	(void)api;
	fake_api_record("config_apply %s path=%s text=%zu", opts_str(o, ob, sizeof(ob)),
			path ? path : "(null)", text ? strlen(text) : (size_t)0);
	if ((rc = take_failure(out)))
		return rc;
	if (looks_bad(text)) {
		bad_config(path, out);
		return -EINVAL;
	}
	snprintf(summary, sizeof(summary), "config %s: 1 VIP changed", path ? path : "reload");
	rc = change(o, summary, NULL, out);
	if (rc == 0 && !o->dry_run && o->guard_ms > 0) {
		fake.guard_gen = fake.gen;
		fake.guard_polls = 2;
		fake.guard_rollback = text && strstr(text, "rollback-");
		/* "rollback-quiet": the rollback is recorded with another origin
		 * than "guard", so only the guarded entry tells */
		fake.guard_rollback_origin =
		    text && strstr(text, "rollback-quiet") ? "rollback" : "guard";
	}
	return rc;
}

int sl_api_config_rollback(struct sl_api *api, const struct sl_api_opts *o, uint64_t gen,
			   struct sl_api_out *out)
{
	char ob[128], summary[160];
	int rc;

	(void)api;
	fake_api_record("config_rollback %s generation=%llu", opts_str(o, ob, sizeof(ob)),
			(unsigned long long)gen);
	if ((rc = take_failure(out)))
		return rc;
	if (gen == 0)
		gen = fake.gen - 1;
	if (gen < 5 || gen >= fake.gen) {
		snprintf(out->msg, sizeof(out->msg),
			 "no generation %llu to roll back to (kept: 5..%llu, running: %llu)",
			 (unsigned long long)gen, (unsigned long long)fake.gen - 1,
			 (unsigned long long)fake.gen);
		return -ENOENT;
	}
	snprintf(summary, sizeof(summary), "rollback to generation %llu", (unsigned long long)gen);
	return change(o, summary, NULL, out);
}

/* ------------------------------------------------------------------------ */
/* Queries */

int sl_api_status(struct sl_api *api, struct sl_api_out *out)
{
	json_t *guard = json_null();
	int rc;

	(void)api;
	fake_api_record("status");
	if ((rc = take_failure(out)))
		return rc;
	if (fake.guard_polls > 0) {
		guard = json_pack("{s:I,s:I}", "generation", (json_int_t)fake.guard_gen,
				  "remaining_ms", (json_int_t)(10 * fake.guard_polls));
		if (--fake.guard_polls == 0) {
			size_t n = json_array_size(fake.history);

			for (size_t i = 0; i < n; i++) {
				json_t *e = json_array_get(fake.history, i);

				if ((uint64_t)json_integer_value(
					json_object_get(e, "generation")) == fake.guard_gen)
					json_object_set_new(
					    e, "guard",
					    json_string(
						fake.guard_rollback
						    ? "rolled back: 1 backends down (was 0, "
						      "guard.backends_down 0)"
						    : "kept"));
			}
			if (fake.guard_rollback) {
				char summary[128];

				snprintf(summary, sizeof(summary), "rollback to generation %llu",
					 (unsigned long long)fake.guard_gen - 1);
				fake.gen++;
				history_add(fake.gen, 0, fake.guard_rollback_origin, summary, "");
			}
		}
	}
	out->result = json_pack(
	    "{s:I,s:i,s:[{s:i,s:i,s:I,s:i,s:i,s:i},{s:i,s:i,s:I,s:i,s:i,s:i}],s:i,s:i,s:i,s:s,s:s,"
	    "s:o,s:{s:i,s:i,s:i}}",
	    "generation", (json_int_t)fake.gen, "uptime_s", 93784, "workers", "id", 0, "lcore", 1,
	    "generation", (json_int_t)fake.gen, "rx", 1234567, "tx", 1234000, "drops", 567, "id", 1,
	    "lcore", 2, "generation", (json_int_t)fake.gen, "rx", 1200001, "tx", 1200000, "drops",
	    1, "vips", 2, "backends", 4, "health_targets", 4, "config_path",
	    "/etc/sluice/sluice.yaml", "state_file", "/etc/sluice/sluice.yaml.state", "guard",
	    guard, "memory", "heap_alloc_bytes", 12582912, "memzones", 14, "mempool_in_use", 2048);
	return 0;
}

static const char vip_entries[][600] = {
    "{\"vip\": \"10.99.100.1:80/tcp\", \"encap\": \"ipip\", \"serving_pool\": \"primary\","
    " \"panic\": false, \"empty\": false, \"capacity_pct\": {\"primary\": 100.0, \"backup\": "
    "100.0}, \"backends\": 3, \"usable\": 3}",
    "{\"vip\": \"[fd00:99::1]:443/tcp\", \"encap\": \"ip6ip6\", \"serving_pool\": \"primary\","
    " \"panic\": true, \"empty\": false, \"capacity_pct\": {\"primary\": 0.0, \"backup\": 0.0},"
    " \"backends\": 1, \"usable\": 0}",
};

static const char backend_entries[][600] = {
    "{\"vip\": \"10.99.100.1:80/tcp\", \"address\": \"10.99.1.1\", \"pool\": \"primary\","
    " \"weight\": 100, \"admin\": \"enabled\", \"state\": \"up\", \"health\": \"up\","
    " \"share_pct\": 50.0, \"flows\": 600}",
    "{\"vip\": \"10.99.100.1:80/tcp\", \"address\": \"10.99.1.2\", \"pool\": \"primary\","
    " \"weight\": 100, \"admin\": \"draining\", \"state\": \"draining\", \"health\": \"up\","
    " \"share_pct\": 50.0, \"flows\": 1234567}",
    "{\"vip\": \"10.99.100.1:80/tcp\", \"address\": \"10.99.1.3\", \"pool\": \"backup\","
    " \"weight\": 50, \"admin\": \"enabled\", \"state\": \"up\", \"health\": \"unchecked\","
    " \"share_pct\": 0.0, \"flows\": 0}",
    "{\"vip\": \"[fd00:99::1]:443/tcp\", \"address\": \"fd00:99::10\", \"pool\": \"primary\","
    " \"weight\": 1, \"admin\": \"enabled\", \"state\": \"down\", \"health\": \"down\","
    " \"share_pct\": 100.0, \"flows\": 3}",
};

int sl_api_vip_list(struct sl_api *api, struct sl_api_out *out)
{
	json_t *a = json_array();
	int rc;

	(void)api;
	fake_api_record("vip_list");
	if ((rc = take_failure(out))) {
		json_decref(a);
		return rc;
	}
	for (int i = 0; i < 2; i++)
		json_array_append_new(a, load(vip_entries[i]));
	out->result = json_pack("{s:o}", "vips", a);
	return 0;
}

int sl_api_vip_show(struct sl_api *api, const char *vip, struct sl_api_out *out)
{
	json_t *v, *bes;
	int vi, rc;

	(void)api;
	fake_api_record("vip_show vip=%s", vip);
	if ((rc = take_failure(out)))
		return rc;
	if ((vi = find_vip(vip, out)) < 0)
		return -ENOENT;
	v = load(vip_entries[vi]);
	json_object_set_new(v, "slow_start", json_string("30s"));
	json_object_set_new(v, "drain_timeout", json_string("300s"));
	json_object_set_new(v, "backup_threshold", json_string("50%"));
	json_object_set_new(v, "panic_threshold", json_string("30%"));
	json_object_set_new(v, "panic_mode", json_string("open"));
	json_object_set_new(v, "bounded_load", json_integer(0));
	json_object_set_new(v, "when_empty", json_string("drop"));
	json_object_set_new(v, "health",
			    load("{\"type\": \"tcp\", \"interval\": \"2s\","
				 " \"timeout\": \"1s\", \"rise\": 2, \"fall\": 3}"));
	bes = json_array();
	for (int i = 0; i < 4; i++) {
		json_t *b = load(backend_entries[i]);

		if (!strcmp(json_string_value(json_object_get(b, "vip")), vip))
			json_array_append(bes, b);
		json_decref(b);
	}
	json_object_set_new(v, "backends", bes);
	out->result = v;
	return 0;
}

int sl_api_backend_list(struct sl_api *api, const char *vip, struct sl_api_out *out)
{
	json_t *a;
	int rc;

	(void)api;
	fake_api_record("backend_list vip=%s", vip ? vip : "(all)");
	if ((rc = take_failure(out)))
		return rc;
	if (vip && find_vip(vip, out) < 0)
		return -ENOENT;
	a = json_array();
	for (int i = 0; i < 4; i++) {
		json_t *b = load(backend_entries[i]);

		if (vip == NULL || !strcmp(json_string_value(json_object_get(b, "vip")), vip))
			json_array_append(a, b);
		json_decref(b);
	}
	out->result = json_pack("{s:o}", "backends", a);
	return 0;
}

int sl_api_health(struct sl_api *api, struct sl_api_out *out)
{
	int rc;

	(void)api;
	fake_api_record("health");
	if ((rc = take_failure(out)))
		return rc;
	out->result =
	    load("{\"targets\": ["
		 "{\"address\": \"10.99.1.1\", \"type\": \"tcp\", \"port\": 80, \"up\": true,"
		 " \"checks\": 1200, \"failures\": 3, \"transitions\": 2, \"last_result\": \"ok\","
		 " \"last_latency_us\": 250, \"last_check_age_ms\": 800,"
		 " \"vips\": [\"10.99.100.1:80/tcp\"]},"
		 "{\"address\": \"10.99.1.2\", \"type\": \"http\", \"port\": 8080, \"up\": true,"
		 " \"checks\": 1200, \"failures\": 0, \"transitions\": 0, \"last_result\": \"ok\","
		 " \"last_latency_us\": 1520, \"last_check_age_ms\": 1500,"
		 " \"vips\": [\"10.99.100.1:80/tcp\"]},"
		 "{\"address\": \"fd00:99::10\", \"type\": \"tcp\", \"port\": 443, \"up\": false,"
		 " \"checks\": 40, \"failures\": 40, \"transitions\": 1,"
		 " \"last_result\": \"connection refused\", \"last_latency_us\": 0,"
		 " \"last_check_age_ms\": 65000, \"vips\": [\"[fd00:99::1]:443/tcp\"]}]}");
	return 0;
}

int sl_api_stats(struct sl_api *api, struct sl_api_out *out)
{
	int rc;

	(void)api;
	fake_api_record("stats");
	if ((rc = take_failure(out)))
		return rc;
	out->result = load(
	    "{\"interval_s\": 1.0, \"generation\": 7, \"vips\": ["
	    "{\"vip\": \"10.99.100.1:80/tcp\", \"packets\": 2434567, \"bytes\": 1834567890,"
	    " \"new_flows\": 12345, \"pps\": 123456.7, \"bps\": 987654321.0,"
	    " \"new_flows_per_s\": 12.5, \"flows\": 1235, \"backends\": ["
	    "{\"address\": \"10.99.1.1\", \"packets\": 1217283, \"bytes\": 917283945,"
	    " \"new_flows\": 6172, \"pps\": 61728.3, \"bps\": 493827160.5,"
	    " \"new_flows_per_s\": 6.25, \"flows\": 617, \"state\": \"up\","
	    " \"health\": \"up\"},"
	    "{\"address\": \"10.99.1.2\", \"packets\": 1217284, \"bytes\": 917283945,"
	    " \"new_flows\": 6173, \"pps\": 61728.4, \"bps\": 493827160.5,"
	    " \"new_flows_per_s\": 6.25, \"flows\": 618, \"state\": \"draining\","
	    " \"health\": \"up\"}]},"
	    "{\"vip\": \"[fd00:99::1]:443/tcp\", \"packets\": 12, \"bytes\": 960,"
	    " \"new_flows\": 3, \"pps\": 0.0, \"bps\": 0.0, \"new_flows_per_s\": 0.0,"
	    " \"backends\": [{\"address\": \"fd00:99::10\", \"packets\": 12, \"bytes\": 960,"
	    " \"new_flows\": 3, \"pps\": 0.0, \"bps\": 0.0, \"new_flows_per_s\": 0.0}]}],"
	    " \"drops\": {\"no_vip\": 550, \"malformed\": 17, \"no_backend\": 1},"
	    " \"drops_per_s\": 2.5, \"tcp_nonsyn_miss\": 9,"
	    " \"flow_table\": {\"capacity\": 2097152, \"entries\": 1235, \"occupancy_pct\": 0.0589,"
	    " \"evictions\": 0},"
	    " \"workers\": [{\"id\": 0, \"lcore\": 1, \"load_pct\": 37.5, \"rx\": 1234567,"
	    " \"tx\": 1234000, \"rx_per_s\": 123456.7, \"polls\": 800, \"busy_polls\": 300,"
	    " \"flow_entries\": 1235, \"evictions\": 0, \"tcp_nonsyn_miss\": 9, \"drops\": 567},"
	    " {\"id\": 1, \"lcore\": 2, \"load_pct\": 0.0, \"rx\": 1200001, \"tx\": 1200000,"
	    " \"rx_per_s\": 0.0, \"polls\": 900, \"busy_polls\": 0, \"flow_entries\": 0,"
	    " \"evictions\": 0, \"tcp_nonsyn_miss\": 0, \"drops\": 1}],"
	    " \"ports\": [{\"name\": \"net_memif0\", \"ipackets\": 2435135,"
	    " \"ipackets_per_s\": 123456.7, \"imissed\": 4, \"imissed_per_s\": 0.5,"
	    " \"ierrors\": 0, \"oerrors\": 0, \"rx_nombuf\": 0}]}");
	return 0;
}

int sl_api_alerts(struct sl_api *api, struct sl_api_out *out)
{
	int rc;

	(void)api;
	fake_api_record("alerts");
	if ((rc = take_failure(out)))
		return rc;
	out->result = load(
	    "{\"enabled\": true, \"alerts\": ["
	    "{\"alert\": \"skew\", \"state\": \"active\", \"severity\": \"warning\","
	    " \"subject\": {\"vip\": \"10.99.100.1:80/tcp\", \"backend\": \"10.99.1.2\"},"
	    " \"observed\": 61.25, \"expected\": 33.333, \"threshold\": 41.667, \"unit\": \"%\","
	    " \"since\": \"2026-11-18T11:06:40.000Z\", \"ts\": \"2026-11-18T11:09:10.000Z\","
	    " \"id\": 7, \"detail\": {\"z\": 20.5, \"flows\": 1200, \"window_s\": 30.0},"
	    " \"message\": \"backend 10.99.1.2 of vip 10.99.100.1:80/tcp took 61.2% of 1200 new"
	    " flows in 30 s, expected 33.3% (z 20.5)\"},"
	    "{\"alert\": \"vip_empty\", \"state\": \"active\", \"severity\": \"critical\","
	    " \"subject\": {\"vip\": \"[fd00:99::1]:443/tcp\"}, \"observed\": 0.0,"
	    " \"expected\": 1.0, \"threshold\": null, \"unit\": \"backends\","
	    " \"since\": \"2026-11-18T11:08:00.000Z\", \"ts\": \"2026-11-18T11:09:10.000Z\","
	    " \"id\": 9, \"detail\": {}, \"message\": \"vip [fd00:99::1]:443/tcp: no backend"
	    " takes new flows (1 configured)\"}],"
	    " \"counts\": {\"raised\": 12, \"repeats\": 30, \"resolved\": 10, \"active\": 2,"
	    " \"subjects\": 57},"
	    " \"hook\": {\"command\": \"/usr/local/bin/page-oncall\", \"running\": 0,"
	    " \"runs\": 52, \"dropped\": 1, \"failed\": 0, \"timeouts\": 0}}");
	return 0;
}

int sl_api_flows(struct sl_api *api, struct sl_api_out *out)
{
	int rc;

	(void)api;
	fake_api_record("flows");
	if ((rc = take_failure(out)))
		return rc;
	out->result = load("{\"flows\": 1235170, \"vips\": ["
			   "{\"vip\": \"10.99.100.1:80/tcp\", \"flows\": 1235167, \"backends\": ["
			   "{\"address\": \"10.99.1.1\", \"flows\": 600},"
			   "{\"address\": \"10.99.1.2\", \"flows\": 1234567},"
			   "{\"address\": \"10.99.1.3\", \"flows\": 0}]},"
			   "{\"vip\": \"[fd00:99::1]:443/tcp\", \"flows\": 3, \"backends\": ["
			   "{\"address\": \"fd00:99::10\", \"flows\": 3}]}]}");
	return 0;
}

int sl_api_table(struct sl_api *api, const char *vip, struct sl_api_out *out)
{
	static const char *const tables[] = {
	    "{\"vip\": \"10.99.100.1:80/tcp\", \"table_size\": 65537,"
	    " \"fingerprint\": \"3f2a9c0d5e6b7a81\", \"config_fingerprint\": \"0c1d2e3f40516273\","
	    " \"backends\": [{\"address\": \"10.99.1.1\", \"slots\": 32769, \"share_pct\": 50.0},"
	    " {\"address\": \"10.99.1.2\", \"slots\": 32768, \"share_pct\": 49.99},"
	    " {\"address\": \"10.99.1.3\", \"slots\": 0, \"share_pct\": 0.0}]}",
	    "{\"vip\": \"[fd00:99::1]:443/tcp\", \"table_size\": 251,"
	    " \"fingerprint\": \"00000000000000ff\", \"config_fingerprint\": \"8899aabbccddeeff\","
	    " \"backends\": [{\"address\": \"fd00:99::10\", \"slots\": 251, \"share_pct\": "
	    "100.0}]}",
	};
	json_t *a;
	int vi = -1, rc;

	(void)api;
	fake_api_record("table vip=%s", vip ? vip : "(all)");
	if ((rc = take_failure(out)))
		return rc;
	if (vip && (vi = find_vip(vip, out)) < 0)
		return -ENOENT;
	a = json_array();
	for (int i = 0; i < 2; i++)
		if (vi < 0 || vi == i)
			json_array_append_new(a, load(tables[i]));
	out->result = json_pack("{s:o}", "vips", a);
	return 0;
}

int sl_api_config_show(struct sl_api *api, uint64_t gen, struct sl_api_out *out)
{
	int rc;

	(void)api;
	fake_api_record("config_show generation=%llu", (unsigned long long)gen);
	if ((rc = take_failure(out)))
		return rc;
	if (gen > fake.gen || (gen != 0 && gen < 5)) {
		snprintf(out->msg, sizeof(out->msg), "no generation %llu (kept: 5..%llu)",
			 (unsigned long long)gen, (unsigned long long)fake.gen);
		return -ENOENT;
	}
	if (fake.show_size > 0) {
		char *big = malloc(fake.show_size + 1);

		if (big == NULL)
			return -ENOMEM;
		memset(big, 'a', fake.show_size);
		big[0] = '#';
		big[fake.show_size - 1] = '\n';
		big[fake.show_size] = '\0';
		out->result =
		    json_pack("{s:I,s:s}", "generation", (json_int_t)fake.gen, "yaml", big);
		free(big);
		return 0;
	}
	out->result = json_pack("{s:I,s:s}", "generation", (json_int_t)(gen ? gen : fake.gen),
				"yaml", sample_yaml);
	return 0;
}

int sl_api_config_history(struct sl_api *api, struct sl_api_out *out)
{
	int rc;

	(void)api;
	fake_api_record("config_history");
	if ((rc = take_failure(out)))
		return rc;
	out->result = json_pack("{s:O}", "generations", fake.history);
	return 0;
}

int sl_api_config_diff(struct sl_api *api, uint64_t a, uint64_t b, struct sl_api_out *out)
{
	int rc;

	(void)api;
	fake_api_record("config_diff from=%llu to=%llu", (unsigned long long)a,
			(unsigned long long)b);
	if ((rc = take_failure(out)))
		return rc;
	if (b == 0)
		b = fake.gen;
	if (a == 0)
		a = b - 1;
	out->result =
	    json_pack("{s:I,s:I,s:s}", "from", (json_int_t)a, "to", (json_int_t)b, "diff",
		      a == b ? ""
			     : "~ vip 10.99.100.1:80/tcp backend 10.99.1.1 weight 100 -> 50\n"
			       "+ vip 10.99.100.1:80/tcp backend 10.99.1.3\n");
	return 0;
}

int sl_api_config_check(struct sl_api *api, const char *path, const char *text,
			struct sl_api_out *out)
{
	int rc;

	(void)api;
	fake_api_record("config_check path=%s text=%zu", path ? path : "(null)",
			text ? strlen(text) : (size_t)0);
	if ((rc = take_failure(out)))
		return rc;
	if (looks_bad(text)) {
		bad_config(path, out);
		return -EINVAL;
	}
	if (text && strstr(text, "warn")) {
		char w[256];

		snprintf(w, sizeof(w),
			 "%s:3:17: warning: vips[0].table_size: 251 slots for 3 backends is "
			 "fewer than 100 per backend",
			 path);
		out->result = json_pack("{s:b,s:[s]}", "ok", 1, "warnings", w);
	} else {
		out->result = json_pack("{s:b,s:[]}", "ok", 1, "warnings");
	}
	return 0;
}
