/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Unit tests for the alert sink (control/sl_alert.c): log lines and their
 * levels, and the hook run for real with /bin/sh: the line on stdin, the
 * fields in the environment, other descriptors closed, never waited for,
 * at most max_running at once (the rest counted as dropped), killed with
 * its process group after the timeout (driven by the injected clock),
 * failures counted.
 *
 * The hooks are real processes, so their end is observed by polling
 * sl_alert_sink_tick in a bounded loop (at most 10 s); no assertion depends
 * on how long anything took.  Files go to a private temporary directory.
 */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "sl_alert.h"

static char dir[64];
static const char *example_hook; /* argv[1]: tools/alert-hook-example.sh */

struct logrec {
	char lines[32][600];
	enum sl_alert_level level[32];
	unsigned n;
};

static void on_log(void *arg, enum sl_alert_level level, const char *line)
{
	struct logrec *l = arg;

	if (l->n < 32) {
		snprintf(l->lines[l->n], sizeof(l->lines[0]), "%s", line);
		l->level[l->n] = level;
		l->n++;
	}
}

static struct sl_alert_event event(uint64_t id, enum sl_alert_state st, const char *severity,
				   const char *json)
{
	struct sl_alert_event ev = {
	    .kind = SL_ALERT_SKEW,
	    .state = st,
	    .id = id,
	    .severity = severity,
	    .subject = "vip=10.99.100.1:80/tcp backend=10.99.2.11",
	    .message = "backend 10.99.2.11 took too much",
	    .observed = 60.5,
	    .expected = 33.333,
	    .threshold = 45,
	    .unit = "%",
	    .json = json,
	};

	return ev;
}

static struct sl_alert_sink *sink(const char *command, uint32_t max_running, struct logrec *l)
{
	struct sl_config_alerts c;
	struct sl_alert_sink *s;

	sl_config_alerts_defaults(&c);
	snprintf(c.hook.command, sizeof(c.hook.command), "%s", command);
	c.hook.max_running = max_running;
	c.hook.timeout_ms = 10000;
	s = sl_alert_sink_create(&c, on_log, l);
	assert_non_null(s);
	return s;
}

/* Tick (at a fixed time) until no hook runs; false if that takes more than
 * 10 s of real time. */
static bool reaped(struct sl_alert_sink *s, uint64_t now)
{
	struct sl_alert_hook_counts c;

	for (int i = 0; i < 1000; i++) {
		sl_alert_sink_tick(s, now);
		sl_alert_sink_counts(s, &c);
		if (c.running == 0)
			return true;
		usleep(10000);
	}
	return false;
}

static char *slurp(const char *name)
{
	char path[128], *buf = calloc(1, 8192);
	FILE *f;
	size_t n;

	assert_non_null(buf);
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "r");
	if (f == NULL) {
		free(buf);
		return NULL;
	}
	n = fread(buf, 1, 8191, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* A process that exists and is not a zombie. */
static bool alive(pid_t pid)
{
	char path[64], buf[512], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f == NULL)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* "pid (comm) S ..." */
	return p != NULL && p[1] == ' ' && p[2] != 'Z' && p[2] != 'X';
}

/* Log lines: the JSON as it is, error for critical, warning for warning
 * and for every resolved line; no hook without a command. */
static void test_log(void **state)
{
	struct logrec l = {0};
	struct sl_alert_sink *s = sink("", 4, &l);
	struct sl_alert_event ev = event(1, SL_ALERT_RAISED, "warning", "{\"a\":1}");
	struct sl_alert_hook_counts c;

	(void)state;
	sl_alert_sink_emit(s, &ev, 1000);
	ev = event(2, SL_ALERT_REPEAT, "critical", "{\"a\":2}");
	sl_alert_sink_emit(s, &ev, 1000);
	ev = event(2, SL_ALERT_RESOLVED, "critical", "{\"a\":3}");
	sl_alert_sink_emit(s, &ev, 1000);
	assert_int_equal(l.n, 3);
	assert_string_equal(l.lines[0], "{\"a\":1}");
	assert_int_equal(l.level[0], SL_ALERT_LOG_WARNING);
	assert_string_equal(l.lines[1], "{\"a\":2}");
	assert_int_equal(l.level[1], SL_ALERT_LOG_ERR);
	assert_string_equal(l.lines[2], "{\"a\":3}");
	assert_int_equal(l.level[2], SL_ALERT_LOG_WARNING);
	sl_alert_sink_counts(s, &c);
	assert_int_equal(c.runs, 0);
	assert_int_equal(sl_alert_sink_tick(s, 1000), UINT32_MAX);
	sl_alert_sink_free(s);
}

/* The hook gets the line and a newline on stdin, the fields in its
 * environment, and nothing of the daemon's other descriptors. */
static void test_hook_contract(void **state)
{
	struct logrec l = {0};
	struct sl_alert_sink *s;
	const char *json = "{\"alert\":\"skew\",\"state\":\"raised\",\"id\":7}";
	struct sl_alert_event ev = event(7, SL_ALERT_RAISED, "warning", json);
	struct sl_alert_hook_counts c;
	char *in, *env, *fds;
	int fd;

	(void)state;
	/* A descriptor without close-on-exec, as DPDK leaves some. */
	fd = open("/dev/null", O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(dup2(fd, 57), 57);
	s = sink("cat > \"$TEST_DIR/in.$SLUICE_ALERT_ID\"; "
		 "env | grep '^SLUICE_ALERT' | LC_ALL=C sort > \"$TEST_DIR/env.$SLUICE_ALERT_ID\"; "
		 "if [ -e /proc/$$/fd/57 ]; then echo open; else echo closed; fi "
		 "> \"$TEST_DIR/fd.$SLUICE_ALERT_ID\"",
		 4, &l);
	sl_alert_sink_emit(s, &ev, 1000);
	assert_true(reaped(s, 1000));
	sl_alert_sink_counts(s, &c);
	assert_int_equal(c.runs, 1);
	assert_int_equal(c.failed, 0);
	assert_int_equal(c.dropped, 0);
	in = slurp("in.7");
	env = slurp("env.7");
	fds = slurp("fd.7");
	assert_non_null(in);
	assert_non_null(env);
	assert_non_null(fds);
	assert_string_equal(in, "{\"alert\":\"skew\",\"state\":\"raised\",\"id\":7}\n");
	assert_string_equal(env,
			    "SLUICE_ALERT=skew\n"
			    "SLUICE_ALERT_EXPECTED=33.333\n"
			    "SLUICE_ALERT_ID=7\n"
			    "SLUICE_ALERT_JSON={\"alert\":\"skew\",\"state\":\"raised\",\"id\":7}\n"
			    "SLUICE_ALERT_MESSAGE=backend 10.99.2.11 took too much\n"
			    "SLUICE_ALERT_OBSERVED=60.500\n"
			    "SLUICE_ALERT_SEVERITY=warning\n"
			    "SLUICE_ALERT_STATE=raised\n"
			    "SLUICE_ALERT_SUBJECT=vip=10.99.100.1:80/tcp backend=10.99.2.11\n"
			    "SLUICE_ALERT_UNIT=%\n");
	assert_string_equal(fds, "closed\n");
	/* Only the alert's line was logged: a hook that works says nothing. */
	assert_int_equal(l.n, 1);
	free(in);
	free(env);
	free(fds);
	close(57);
	close(fd);
	sl_alert_sink_free(s);
}

/* emit never waits for the hook: it returns while the hook still runs.
 * At most max_running run; the others are dropped and counted (and logged
 * once, not once per drop).  After the timeout (injected clock) the hooks
 * are killed, with what they started (process group). */
static void test_hook_bounds(void **state)
{
	struct logrec l = {0};
	/* Output away from the test's: a hook left behind by a failed
	 * assertion must not hold the test runner's pipes open. */
	struct sl_alert_sink *s =
	    sink("exec >/dev/null 2>&1; sleep 60 & echo $! > \"$TEST_DIR/bg.$SLUICE_ALERT_ID\"; "
		 "sleep 60",
		 2, &l);
	struct sl_alert_event ev;
	struct sl_alert_hook_counts c;
	char *bg;
	pid_t bgpid;

	(void)state;
	for (uint64_t id = 1; id <= 5; id++) {
		ev = event(id, SL_ALERT_RAISED, "warning", "{}");
		sl_alert_sink_emit(s, &ev, 1000 + id);
	}
	sl_alert_sink_counts(s, &c);
	assert_int_equal(c.running, 2);
	assert_int_equal(c.runs, 2);
	assert_int_equal(c.dropped, 3);
	/* 5 alert lines, one line about the drops (rate-limited). */
	assert_int_equal(l.n, 6);
	assert_string_equal(l.lines[3],
			    "alert hook: not run for alert 3 (raised): 2 already running "
			    "(runs 2, dropped 1, failed 0, timeouts 0)");
	/* Still running before the timeout; the tick says when it is due. */
	assert_int_equal(sl_alert_sink_tick(s, 5000), 10000 - (5000 - 1001));
	sl_alert_sink_counts(s, &c);
	assert_int_equal(c.running, 2);
	/* Wait until the background sleep of hook 1 has written its pid. */
	for (int i = 0; i < 1000; i++) {
		bg = slurp("bg.1");
		if (bg != NULL && bg[0] != '\0')
			break;
		free(bg);
		bg = NULL;
		usleep(10000);
	}
	assert_non_null(bg);
	bgpid = (pid_t)atoi(bg);
	free(bg);
	assert_true(bgpid > 0);
	assert_int_equal(kill(bgpid, 0), 0);
	/* Past the timeout: killed (not "failed"), then reaped. */
	sl_alert_sink_tick(s, 11002);
	sl_alert_sink_counts(s, &c);
	assert_int_equal(c.timeouts, 2);
	assert_true(reaped(s, 11002));
	sl_alert_sink_counts(s, &c);
	assert_int_equal(c.running, 0);
	assert_int_equal(c.failed, 0);
	/* The background sleep was in the hook's process group: dead too
	 * (gone, or a zombie until whoever adopted it reaps it). */
	for (int i = 0; i < 1000 && alive(bgpid); i++)
		usleep(10000);
	assert_false(alive(bgpid));
	/* Room again. */
	ev = event(6, SL_ALERT_RESOLVED, "warning", "{}");
	sl_alert_sink_emit(s, &ev, 20000);
	sl_alert_sink_counts(s, &c);
	assert_int_equal(c.runs, 3);
	sl_alert_sink_free(s); /* kills and reaps the one still running */
}

/* A hook that fails is counted and logged (once per 10 s). */
static void test_hook_failure(void **state)
{
	struct logrec l = {0};
	struct sl_alert_sink *s = sink("exit 3", 4, &l);
	struct sl_alert_event ev = event(9, SL_ALERT_RAISED, "warning", "{}");
	struct sl_alert_hook_counts c;

	(void)state;
	sl_alert_sink_emit(s, &ev, 1000);
	assert_true(reaped(s, 1000));
	sl_alert_sink_counts(s, &c);
	assert_int_equal(c.failed, 1);
	assert_int_equal(l.n, 2);
	assert_string_equal(l.lines[1], "alert hook: for alert 9 exited with status 3 (runs 1, "
					"dropped 0, failed 1, timeouts 0)");
	assert_int_equal(l.level[1], SL_ALERT_LOG_WARNING);
	/* Within 10 s of that line: counted, not logged. */
	sl_alert_sink_emit(s, &ev, 2000);
	assert_true(reaped(s, 2000));
	sl_alert_sink_counts(s, &c);
	assert_int_equal(c.failed, 2);
	assert_int_equal(l.n, 3);
	/* Later: logged again with the totals. */
	sl_alert_sink_emit(s, &ev, 12000);
	assert_true(reaped(s, 12000));
	assert_int_equal(l.n, 5);
	assert_string_equal(l.lines[4], "alert hook: for alert 9 exited with status 3 (runs 3, "
					"dropped 0, failed 3, timeouts 0)");
	sl_alert_sink_free(s);
}

/* New settings apply to the next event. */
static void test_reconfigure(void **state)
{
	struct logrec l = {0};
	struct sl_alert_sink *s = sink("", 4, &l);
	struct sl_config_alerts c;
	struct sl_alert_event ev = event(1, SL_ALERT_RAISED, "warning", "{}");
	struct sl_alert_hook_counts n;

	(void)state;
	sl_config_alerts_defaults(&c);
	snprintf(c.hook.command, sizeof(c.hook.command), "true");
	sl_alert_sink_configure(s, &c);
	sl_alert_sink_emit(s, &ev, 1000);
	assert_true(reaped(s, 1000));
	sl_alert_sink_counts(s, &n);
	assert_int_equal(n.runs, 1);
	assert_int_equal(n.failed, 0);
	sl_alert_sink_free(s);
}

/* The shipped example hook (tools/alert-hook-example.sh) under the real
 * contract: it appends the line to its log and exits 0. */
static void test_example_hook(void **state)
{
	struct logrec l = {0};
	char cmd[256], *got;
	struct sl_alert_sink *s;
	const char *json = "{\"alert\":\"vip_empty\",\"state\":\"raised\",\"id\":3}";
	struct sl_alert_event ev = event(3, SL_ALERT_RAISED, "critical", json);
	struct sl_alert_hook_counts c;

	(void)state;
	snprintf(cmd, sizeof(cmd), "SLUICE_ALERT_LOG=\"$TEST_DIR/example.jsonl\" %s 2>/dev/null",
		 example_hook);
	s = sink(cmd, 4, &l);
	ev.kind = SL_ALERT_VIP_EMPTY;
	sl_alert_sink_emit(s, &ev, 1000);
	ev.state = SL_ALERT_RESOLVED;
	sl_alert_sink_emit(s, &ev, 2000);
	assert_true(reaped(s, 2000));
	sl_alert_sink_counts(s, &c);
	assert_int_equal(c.runs, 2);
	assert_int_equal(c.failed, 0);
	got = slurp("example.jsonl");
	assert_non_null(got);
	assert_string_equal(got, "{\"alert\":\"vip_empty\",\"state\":\"raised\",\"id\":3}\n"
				 "{\"alert\":\"vip_empty\",\"state\":\"raised\",\"id\":3}\n");
	free(got);
	sl_alert_sink_free(s);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/slx-alerts-hook.XXXXXX");
	assert_non_null(mkdtemp(dir));
	setenv("TEST_DIR", dir, 1);
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_log),		cmocka_unit_test(test_hook_contract),
	    cmocka_unit_test(test_hook_bounds), cmocka_unit_test(test_hook_failure),
	    cmocka_unit_test(test_reconfigure), cmocka_unit_test(test_example_hook),
	};

	if (argc != 2) {
		fprintf(stderr, "usage: %s tools/alert-hook-example.sh\n", argv[0]);
		return 2;
	}
	example_hook = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
