/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Stand-ins for the config parser's VIP/backend entry points (sl_config.h)
 * used by the control socket server, so the server tests link without the
 * real parser (which another part of the project provides).  JSON only,
 * and only the keys the tests use: address, port, protocol, backends,
 * weight, pool, state.  Each call is recorded in the fake API's call log
 * as "parse_vip TEXT" / "parse_backend TEXT", so tests see exactly what the
 * server handed to the parser.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "fake_api.h"
#include "sl_config.h"
#include "sl_parse.h"

static int diag_err(struct sl_diag *d, const char *name, const char *msg)
{
	if (d && d->out)
		fprintf(d->out, "%s:1:1: error: %s\n", name, msg);
	if (d)
		d->errors++;
	return -EINVAL;
}

static int get_addr(json_t *j, uint8_t addr[16], uint8_t *family, char *str, size_t len)
{
	const char *s = json_string_value(j);

	memset(addr, 0, 16);
	if (s && inet_pton(AF_INET, s, addr) == 1)
		*family = SL_AF_INET;
	else if (s && inet_pton(AF_INET6, s, addr) == 1)
		*family = SL_AF_INET6;
	else
		return -EINVAL;
	inet_ntop(*family == SL_AF_INET ? AF_INET : AF_INET6, addr, str, (socklen_t)len);
	return 0;
}

static int backend_from(json_t *o, const char *name, struct sl_diag *d, struct sl_config_backend *b)
{
	static const char *const states[] = {"enabled", "disabled", "draining"};
	const char *key;
	json_t *val;

	memset(b, 0, sizeof(*b));
	b->weight = 100;
	if (!json_is_object(o))
		return diag_err(d, name, "backend: expected a mapping");
	json_object_foreach(o, key, val)
	{
		if (!strcmp(key, "address")) {
			if (get_addr(val, b->addr, &b->family, b->addr_str, sizeof(b->addr_str)))
				return diag_err(d, name,
						"address: expected an IPv4 or IPv6 address");
		} else if (!strcmp(key, "weight")) {
			if (!json_is_integer(val) || json_integer_value(val) < 0 ||
			    json_integer_value(val) > 65535)
				return diag_err(d, name, "weight: expected an integer 0..65535");
			b->weight = (uint32_t)json_integer_value(val);
		} else if (!strcmp(key, "pool")) {
			const char *p = json_string_value(val);

			if (p && !strcmp(p, "primary"))
				b->pool = SL_POOL_PRIMARY;
			else if (p && !strcmp(p, "backup"))
				b->pool = SL_POOL_BACKUP;
			else
				return diag_err(d, name, "pool: expected primary or backup");
		} else if (!strcmp(key, "state")) {
			const char *p = json_string_value(val);
			int i;

			for (i = 0; i < 3 && !(p && !strcmp(p, states[i])); i++)
				;
			if (i == 3)
				return diag_err(d, name,
						"state: expected enabled, disabled or draining");
			b->state = (enum sl_admin_state)i;
		} else {
			char m[128];

			snprintf(m, sizeof(m), "%.64s: unknown key", key);
			return diag_err(d, name, m);
		}
	}
	if (b->family == 0)
		return diag_err(d, name, "address: missing");
	return 0;
}

int sl_config_parse_backend(const char *text, const char *name, struct sl_diag *d,
			    struct sl_config_backend *out)
{
	json_t *o = json_loads(text, 0, NULL);
	int rc;

	fake_api_record("parse_backend %s", text);
	rc = backend_from(o, name, d, out);
	json_decref(o);
	return rc;
}

int sl_config_parse_vip(const char *text, const char *name, const struct sl_config *cfg,
			struct sl_diag *d, struct sl_config_vip *v)
{
	json_t *o = json_loads(text, 0, NULL), *j;
	const char *p;
	int rc = -EINVAL;

	fake_api_record("parse_vip %s", text);
	memset(v, 0, sizeof(*v));
	v->table_size = cfg->maglev_size;
	if (!json_is_object(o)) {
		rc = diag_err(d, name, "vip: expected a mapping");
		goto out;
	}
	if (get_addr(json_object_get(o, "address"), v->addr, &v->family, v->addr_str,
		     sizeof(v->addr_str))) {
		rc = diag_err(d, name, "address: expected an IPv4 or IPv6 address");
		goto out;
	}
	j = json_object_get(o, "port");
	if (json_is_integer(j) && json_integer_value(j) >= 1 && json_integer_value(j) <= 65535)
		v->port = (uint16_t)json_integer_value(j);
	else if (!(json_is_string(j) && !strcmp(json_string_value(j), "any"))) {
		rc = diag_err(d, name, "port: expected 1..65535 or \"any\"");
		goto out;
	}
	p = json_string_value(json_object_get(o, "protocol"));
	if (p && !strcmp(p, "tcp"))
		v->proto = 6;
	else if (p && !strcmp(p, "udp"))
		v->proto = 17;
	else {
		rc = diag_err(d, name, "protocol: expected tcp or udp");
		goto out;
	}
	j = json_object_get(o, "backends");
	if (j == NULL) {
		rc = diag_err(d, name, "backends: missing");
		goto out;
	}
	if (json_array_size(j) > 0) {
		v->backends = calloc(json_array_size(j), sizeof(*v->backends));
		if (v->backends == NULL) {
			rc = -ENOMEM;
			goto out;
		}
	}
	for (size_t i = 0; i < json_array_size(j); i++) {
		rc = backend_from(json_array_get(j, i), name, d, &v->backends[i]);
		if (rc < 0) {
			sl_config_vip_clear(v);
			goto out;
		}
		v->nb_backends++;
	}
	rc = 0;
out:
	json_decref(o);
	return rc;
}

void sl_config_vip_clear(struct sl_config_vip *v)
{
	free(v->backends);
	v->backends = NULL;
	v->nb_backends = 0;
}
