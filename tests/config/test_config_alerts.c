/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Unit tests for the `alerts:` section of the configuration
 * (control/sl_config.c): defaults as documented in docs/CONFIG.md, every
 * key, every kind of bad value with its exact message, the text round trip
 * (decimals kept exactly), equality and differences.  argv[1] is the
 * shipped example (tools/conf/example.yaml), which sets every alerts key.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sl_config.h"

static const char *example_path;

/* Lines 1-5: a valid skeleton; case text continues at line 6. */
#define BASE             \
	"ports:\n"       \
	"  - name: p0\n" \
	"next_hop:\n"    \
	"  port: p0\n"   \
	"  mac: 02:00:00:00:00:01\n"

struct result {
	int rc;
	struct sl_config *cfg;
	unsigned errors;
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
}

static struct sl_config *good(const char *text)
{
	struct result r;

	parse(text, &r);
	if (r.rc != 0)
		print_error("unexpected diagnostics:\n%s", r.out);
	assert_int_equal(r.rc, 0);
	assert_string_equal(r.out, "");
	free(r.out);
	return r.cfg;
}

/* Without an alerts: section every value is the documented default. */
static void test_defaults(void **state)
{
	struct sl_config *c = good(BASE);
	const struct sl_config_alerts *a = &c->alerts;
	struct sl_config_alerts d;

	(void)state;
	assert_true(a->enabled);
	assert_int_equal(a->warmup_ms, 60000);
	assert_int_equal(a->baseline_ms, 600000);
	assert_int_equal(a->repeat_ms, 60000);
	assert_int_equal(a->resolve_after_ms, 30000);
	assert_true(a->skew.enabled);
	assert_int_equal(a->skew.window_ms, 30000);
	assert_int_equal(a->skew.min_flows, 300);
	assert_int_equal(a->skew.z_milli, 5000);
	assert_int_equal(a->skew.min_deviation_pct, 25);
	for (int i = 0; i < 3; i++) {
		const struct sl_config_spike *sp = i == 0   ? &a->drop_spike
						   : i == 1 ? &a->rx_missed
							    : &a->nonsyn_burst;

		assert_true(sp->enabled);
		assert_int_equal(sp->factor_milli, 3000);
		assert_int_equal(sp->min_increase, 100);
		assert_int_equal(sp->sigmas_milli, 6000);
	}
	assert_true(a->flapping.enabled);
	assert_int_equal(a->flapping.window_ms, 60000);
	assert_int_equal(a->flapping.transitions, 4);
	assert_true(a->latency.enabled);
	assert_int_equal(a->latency.factor_milli, 3000);
	assert_int_equal(a->latency.min_increase_ms, 10);
	assert_int_equal(a->latency.samples, 5);
	assert_true(a->vip_empty.enabled);
	assert_string_equal(a->hook.command, "");
	assert_int_equal(a->hook.timeout_ms, 10000);
	assert_int_equal(a->hook.max_running, 4);
	/* ... which is what sl_config_alerts_defaults gives. */
	sl_config_alerts_defaults(&d);
	c->nb_vips = 0;
	{
		struct sl_config *e = sl_config_dup(c);

		assert_non_null(e);
		e->alerts = d;
		assert_true(sl_config_equal(c, e));
		sl_config_free(e);
	}
	sl_config_free(c);
}

static const char all_keys[] =
    BASE "alerts:\n"
	 "  enabled: false\n"
	 "  warmup: 0s\n"
	 "  baseline: 2m\n"
	 "  repeat: off\n"
	 "  resolve_after: 5s\n"
	 "  skew: {enabled: false, window: 10s, min_flows: 50, z: 4.5, "
	 "min_deviation: 40%}\n"
	 "  drop_spike: {enabled: false, factor: 2.25, min_increase: 7, "
	 "sigmas: 0}\n"
	 "  rx_missed: {factor: 1, min_increase: 0, sigmas: 3.125}\n"
	 "  nonsyn_burst: {factor: 1000, min_increase: 4294967295, "
	 "sigmas: 100}\n"
	 "  flapping: {enabled: false, window: 20s, transitions: 32}\n"
	 "  latency: {enabled: false, factor: 1.5, min_increase: 0ms, "
	 "samples: 15}\n"
	 "  vip_empty: {enabled: false}\n"
	 "  hook: {command: \"/usr/local/bin/page 'sluice' >/dev/null\", "
	 "timeout: 1500ms, max_running: 64}\n";

static void test_all_keys(void **state)
{
	struct sl_config *c = good(all_keys);
	const struct sl_config_alerts *a = &c->alerts;

	(void)state;
	assert_false(a->enabled);
	assert_int_equal(a->warmup_ms, 0);
	assert_int_equal(a->baseline_ms, 120000);
	assert_int_equal(a->repeat_ms, 0);
	assert_int_equal(a->resolve_after_ms, 5000);
	assert_false(a->skew.enabled);
	assert_int_equal(a->skew.window_ms, 10000);
	assert_int_equal(a->skew.min_flows, 50);
	assert_int_equal(a->skew.z_milli, 4500);
	assert_int_equal(a->skew.min_deviation_pct, 40);
	assert_false(a->drop_spike.enabled);
	assert_int_equal(a->drop_spike.factor_milli, 2250);
	assert_int_equal(a->drop_spike.min_increase, 7);
	assert_int_equal(a->drop_spike.sigmas_milli, 0);
	assert_true(a->rx_missed.enabled);
	assert_int_equal(a->rx_missed.factor_milli, 1000);
	assert_int_equal(a->rx_missed.min_increase, 0);
	assert_int_equal(a->rx_missed.sigmas_milli, 3125);
	assert_int_equal(a->nonsyn_burst.factor_milli, 1000000);
	assert_int_equal(a->nonsyn_burst.min_increase, 4294967295u);
	assert_int_equal(a->nonsyn_burst.sigmas_milli, 100000);
	assert_false(a->flapping.enabled);
	assert_int_equal(a->flapping.window_ms, 20000);
	assert_int_equal(a->flapping.transitions, 32);
	assert_false(a->latency.enabled);
	assert_int_equal(a->latency.factor_milli, 1500);
	assert_int_equal(a->latency.min_increase_ms, 0);
	assert_int_equal(a->latency.samples, 15);
	assert_false(a->vip_empty.enabled);
	assert_string_equal(a->hook.command, "/usr/local/bin/page 'sluice' >/dev/null");
	assert_int_equal(a->hook.timeout_ms, 1500);
	assert_int_equal(a->hook.max_running, 64);
	sl_config_free(c);
}

/* parse(to_yaml(c)) == c with every key away from its default, decimals
 * included; and the text is a fixed point. */
static void test_round_trip(void **state)
{
	struct sl_config *c = good(all_keys), *back;
	char *y1 = sl_config_to_yaml(c, NULL), *y2;

	(void)state;
	assert_non_null(y1);
	assert_non_null(strstr(y1, "\nalerts:\n  enabled: false\n  warmup: 0s\n  baseline: 2m\n"
				   "  repeat: off\n  resolve_after: 5s\n  skew:\n    enabled: "
				   "false\n    window: 10s\n    min_flows: 50\n    z: 4.5\n"
				   "    min_deviation: 40%\n  drop_spike:\n    enabled: false\n"
				   "    factor: 2.25\n    min_increase: 7\n    sigmas: 0\n"
				   "  rx_missed:\n    enabled: true\n    factor: 1\n"
				   "    min_increase: 0\n    sigmas: 3.125\n"));
	assert_non_null(strstr(y1, "  hook:\n    command: \"/usr/local/bin/page 'sluice' "
				   ">/dev/null\"\n    timeout: 1500ms\n    max_running: 64\n"
				   "vips: []\n"));
	back = good(y1);
	assert_true(sl_config_equal(c, back));
	y2 = sl_config_to_yaml(back, NULL);
	assert_string_equal(y1, y2);
	free(y1);
	free(y2);
	sl_config_free(back);
	sl_config_free(c);
}

/* Every alerts setting takes part in equality, and differences name the
 * nested key. */
static void test_equal_diff(void **state)
{
	struct sl_config *a = good(BASE), *b = sl_config_dup(a);
	char *d;

	(void)state;
	assert_non_null(b);
	assert_true(sl_config_equal(a, b));
	b->alerts.skew.z_milli = 4500;
	assert_false(sl_config_equal(a, b));
	d = sl_config_diff(a, b);
	assert_string_equal(d, "~ alerts.skew.z: 5 -> 4.5\n");
	free(d);
	b->alerts = a->alerts;
	snprintf(b->alerts.hook.command, sizeof(b->alerts.hook.command), "/bin/true");
	assert_false(sl_config_equal(a, b));
	d = sl_config_diff(a, b);
	assert_string_equal(d, "~ alerts.hook.command: \"\" -> \"/bin/true\"\n");
	free(d);
	b->alerts = a->alerts;
	b->alerts.nonsyn_burst.min_increase = 5;
	b->alerts.repeat_ms = 0;
	d = sl_config_diff(a, b);
	assert_string_equal(d, "~ alerts.repeat: 1m -> off\n"
			       "~ alerts.nonsyn_burst.min_increase: 100 -> 5\n");
	free(d);
	b->alerts = a->alerts;
	b->alerts.latency.samples = 3;
	assert_false(sl_config_equal(a, b));
	b->alerts = a->alerts;
	assert_true(sl_config_equal(a, b));
	sl_config_free(a);
	sl_config_free(b);
}

struct err_case {
	const char *name;
	const char *yaml;
	const char *expect;
};

static const struct err_case cases[] = {
    {"not a mapping", BASE "alerts: on\n",
     "t.yaml:6:9: error: alerts: expected a mapping, got a scalar\n"},
    {"unknown key", BASE "alerts:\n  skw: {}\n",
     "t.yaml:7:3: error: alerts: unknown key \"skw\" (expected one of: enabled, warmup, "
     "baseline, repeat, resolve_after, skew, drop_spike, rx_missed, nonsyn_burst, flapping, "
     "latency, vip_empty, hook)\n"},
    {"unknown nested key", BASE "alerts:\n  skew: {zscore: 3}\n",
     "t.yaml:7:10: error: alerts.skew: unknown key \"zscore\" (expected one of: enabled, "
     "window, min_flows, z, min_deviation)\n"},
    {"unknown spike key", BASE "alerts:\n  drop_spike: {floor: 3}\n",
     "t.yaml:7:16: error: alerts.drop_spike: unknown key \"floor\" (expected one of: "
     "enabled, factor, min_increase, sigmas)\n"},
    {"bad boolean", BASE "alerts:\n  enabled: yes\n",
     "t.yaml:7:12: error: alerts.enabled: expected true or false, got \"yes\"\n"},
    {"quoted boolean", BASE "alerts:\n  vip_empty: {enabled: \"true\"}\n",
     "t.yaml:7:24: error: alerts.vip_empty.enabled: expected true or false, got \"true\"\n"},
    {"decimal: too many decimals", BASE "alerts:\n  skew: {z: 4.5555}\n",
     "t.yaml:7:13: error: alerts.skew.z: expected a number 1.000..100.000 with at most 3 "
     "decimals (e.g. 2.5), got \"4.5555\"\n"},
    {"decimal: negative", BASE "alerts:\n  latency: {factor: -2}\n",
     "t.yaml:7:21: error: alerts.latency.factor: expected a number 1.000..1000.000 with at "
     "most 3 decimals (e.g. 2.5), got \"-2\"\n"},
    {"decimal: trailing dot", BASE "alerts:\n  rx_missed: {sigmas: 3.}\n",
     "t.yaml:7:23: error: alerts.rx_missed.sigmas: expected a number 0.000..100.000 with at "
     "most 3 decimals (e.g. 2.5), got \"3.\"\n"},
    {"decimal: quoted", BASE "alerts:\n  rx_missed: {sigmas: \"3\"}\n",
     "t.yaml:7:23: error: alerts.rx_missed.sigmas: expected a number 0.000..100.000 with at "
     "most 3 decimals (e.g. 2.5), got \"3\"\n"},
    {"decimal: below range", BASE "alerts:\n  nonsyn_burst: {factor: 0.5}\n",
     "t.yaml:7:26: error: alerts.nonsyn_burst.factor: 0.5 is out of range (expected "
     "1.000..1000.000)\n"},
    {"decimal: above range", BASE "alerts:\n  drop_spike: {sigmas: 100.001}\n",
     "t.yaml:7:24: error: alerts.drop_spike.sigmas: 100.001 is out of range (expected "
     "0.000..100.000)\n"},
    {"duration without unit", BASE "alerts:\n  warmup: 60\n",
     "t.yaml:7:11: error: alerts.warmup: expected a duration: an integer and a unit ms, s, "
     "m or h (e.g. 30s), got \"60\"\n"},
    {"baseline zero", BASE "alerts:\n  baseline: 0s\n",
     "t.yaml:7:13: error: alerts.baseline: 0s is out of range (expected 1ms..1193h)\n"},
    {"window zero", BASE "alerts:\n  flapping: {window: 0s}\n",
     "t.yaml:7:22: error: alerts.flapping.window: 0s is out of range (expected "
     "1ms..1193h)\n"},
    {"resolve_after off", BASE "alerts:\n  resolve_after: off\n",
     "t.yaml:7:18: error: alerts.resolve_after: expected a duration: an integer and a unit "
     "ms, s, m or h (e.g. 30s), got \"off\"\n"},
    {"min_deviation without %", BASE "alerts:\n  skew: {min_deviation: 25}\n",
     "t.yaml:7:25: error: alerts.skew.min_deviation: expected a percentage 1%..1000% (e.g. "
     "50%), got \"25\"\n"},
    {"min_flows zero", BASE "alerts:\n  skew: {min_flows: 0}\n",
     "t.yaml:7:21: error: alerts.skew.min_flows: 0 is out of range (expected "
     "1..4294967295)\n"},
    {"transitions 1", BASE "alerts:\n  flapping: {transitions: 1}\n",
     "t.yaml:7:27: error: alerts.flapping.transitions: 1 is out of range (expected 2..32)\n"},
    {"transitions 33", BASE "alerts:\n  flapping: {transitions: 33}\n",
     "t.yaml:7:27: error: alerts.flapping.transitions: 33 is out of range (expected 2..32)\n"},
    {"samples 16", BASE "alerts:\n  latency: {samples: 16}\n",
     "t.yaml:7:22: error: alerts.latency.samples: 16 is out of range (expected 1..15)\n"},
    {"min_increase negative", BASE "alerts:\n  drop_spike: {min_increase: -1}\n",
     "t.yaml:7:30: error: alerts.drop_spike.min_increase: expected an integer 0..4294967295, "
     "got \"-1\"\n"},
    {"max_running 0", BASE "alerts:\n  hook: {max_running: 0}\n",
     "t.yaml:7:23: error: alerts.hook.max_running: 0 is out of range (expected 1..64)\n"},
    {"hook command too long",
     BASE "alerts:\n  hook: {command: "
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
	  "xxxx}\n",
     "t.yaml:7:19: error: alerts.hook.command: too long (at most 255 bytes)\n"},
    {"hook command a list", BASE "alerts:\n  hook: {command: [a, b]}\n",
     "t.yaml:7:19: error: alerts.hook.command: expected a command line, got a list\n"},
    /* Every problem is reported, not just the first. */
    {"several", BASE "alerts:\n  warmup: 1\n  skew: {z: 0}\n  hook: {timeout: 0s}\n",
     "t.yaml:7:11: error: alerts.warmup: expected a duration: an integer and a unit ms, s, "
     "m or h (e.g. 30s), got \"1\"\n"
     "t.yaml:8:13: error: alerts.skew.z: 0 is out of range (expected 1.000..100.000)\n"
     "t.yaml:9:19: error: alerts.hook.timeout: 0s is out of range (expected 1ms..1193h)\n"},
};

static void test_errors(void **state)
{
	unsigned failed = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct result r;

		parse(cases[i].yaml, &r);
		if (r.rc != -22 || strcmp(r.out, cases[i].expect) != 0) {
			print_error("case \"%s\": rc %d, got\n%s\nexpected\n%s\n", cases[i].name,
				    r.rc, r.out, cases[i].expect);
			failed++;
		}
		assert_null(r.cfg);
		free(r.out);
	}
	assert_int_equal(failed, 0);
}

/* The example sets an alerts section (with every detector and the hook). */
static void test_example(void **state)
{
	struct sl_diag d = {.out = stderr, .file = example_path};
	struct sl_config *c;

	(void)state;
	assert_int_equal(sl_config_load(example_path, &d, &c), 0);
	assert_true(c->alerts.enabled);
	assert_int_equal(c->alerts.warmup_ms, 60000);
	assert_int_equal(c->alerts.skew.window_ms, 30000);
	assert_string_equal(c->alerts.hook.command,
			    "/usr/local/share/sluice/alert-hook-example.sh");
	sl_config_free(c);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),   cmocka_unit_test(test_all_keys),
	    cmocka_unit_test(test_round_trip), cmocka_unit_test(test_equal_diff),
	    cmocka_unit_test(test_errors),     cmocka_unit_test(test_example),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s EXAMPLE_YAML\n", argv[0]);
		return 2;
	}
	example_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
