/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The alert sink: log lines and the hook (contract in sl_alert.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sl_alert.h"

extern char **environ;

#define HOOKS_MAX 64 /* alerts.hook.max_running <= 64 */
/* A hook that cannot run (all busy, or it fails) is logged at most this
 * often; the counters say how many. */
#define TROUBLE_LOG_MS 10000

_Static_assert(SL_ALERT_LINE_MAX <= PIPE_BUF, "an alert line goes into a pipe in one write");

struct hook {
	pid_t pid; /* 0: free slot */
	uint64_t start_ms;
	bool killed;
	uint64_t alert_id;
};

struct sl_alert_sink {
	struct sl_config_alerts cfg;
	sl_alert_log_fn log;
	void *log_arg;
	struct hook hooks[HOOKS_MAX];
	struct sl_alert_hook_counts n;
	uint64_t last_trouble_ms;
};

static void say(struct sl_alert_sink *s, enum sl_alert_level level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void say(struct sl_alert_sink *s, enum sl_alert_level level, const char *fmt, ...)
{
	char line[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (s->log != NULL)
		s->log(s->log_arg, level, line);
	else
		fprintf(stderr, "%s\n", line);
}

struct sl_alert_sink *sl_alert_sink_create(const struct sl_config_alerts *cfg, sl_alert_log_fn log,
					   void *log_arg)
{
	struct sl_alert_sink *s = calloc(1, sizeof(*s));

	if (s == NULL)
		return NULL;
	s->cfg = *cfg;
	s->log = log;
	s->log_arg = log_arg;
	return s;
}

void sl_alert_sink_configure(struct sl_alert_sink *s, const struct sl_config_alerts *cfg)
{
	s->cfg = *cfg;
}

/* "KEY=value" in a malloc'd string, or NULL. */
static char *env_kv(const char *key, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static char *env_kv(const char *key, const char *fmt, ...)
{
	char *val = NULL, *kv = NULL;
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&val, fmt, ap);
	va_end(ap);
	if (r < 0)
		return NULL;
	if (asprintf(&kv, "%s=%s", key, val) < 0)
		kv = NULL;
	free(val);
	return kv;
}

#define NB_ALERT_ENV 10

/* The hook's environment: sluiced's, without any SLUICE_ALERT* of its own,
 * plus the alert's fields.  NULL on allocation failure; free with
 * env_free. */
static char **hook_env(const struct sl_alert_event *ev)
{
	size_t n = 0, k = 0;
	char **env;

	while (environ != NULL && environ[n] != NULL)
		n++;
	env = calloc(n + NB_ALERT_ENV + 1, sizeof(*env));
	if (env == NULL)
		return NULL;
	env[k++] = env_kv("SLUICE_ALERT", "%s", sl_alert_kind_name(ev->kind));
	env[k++] = env_kv("SLUICE_ALERT_STATE", "%s", sl_alert_state_name(ev->state));
	env[k++] = env_kv("SLUICE_ALERT_SEVERITY", "%s", ev->severity);
	env[k++] = env_kv("SLUICE_ALERT_ID", "%" PRIu64, ev->id);
	env[k++] = env_kv("SLUICE_ALERT_SUBJECT", "%s", ev->subject);
	env[k++] = env_kv("SLUICE_ALERT_OBSERVED", "%.3f", ev->observed);
	env[k++] = env_kv("SLUICE_ALERT_EXPECTED", "%.3f", ev->expected);
	env[k++] = env_kv("SLUICE_ALERT_UNIT", "%s", ev->unit);
	env[k++] = env_kv("SLUICE_ALERT_MESSAGE", "%s", ev->message);
	env[k++] = env_kv("SLUICE_ALERT_JSON", "%s", ev->json);
	for (size_t i = 0; i < k; i++)
		if (env[i] == NULL)
			goto fail;
	for (size_t i = 0; i < n; i++)
		if (strncmp(environ[i], "SLUICE_ALERT", 12) != 0)
			env[k++] = environ[i]; /* borrowed, not freed */
	return env;
fail:
	for (size_t i = 0; i < NB_ALERT_ENV; i++)
		free(env[i]);
	free(env);
	return NULL;
}

static void env_free(char **env)
{
	if (env == NULL)
		return;
	for (size_t i = 0; i < NB_ALERT_ENV; i++)
		free(env[i]);
	free(env);
}

static void trouble(struct sl_alert_sink *s, uint64_t now, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void trouble(struct sl_alert_sink *s, uint64_t now, const char *fmt, ...)
{
	char line[384];
	va_list ap;

	if (s->last_trouble_ms != 0 && now - s->last_trouble_ms < TROUBLE_LOG_MS)
		return;
	s->last_trouble_ms = now;
	va_start(ap, fmt);
	vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	say(s, SL_ALERT_LOG_WARNING,
	    "alert hook: %s (runs %" PRIu64 ", dropped %" PRIu64 ", failed %" PRIu64
	    ", timeouts %" PRIu64 ")",
	    line, s->n.runs, s->n.dropped, s->n.failed, s->n.timeouts);
}

/* Start the hook for ev: the line into a fresh pipe first, then the shell
 * with the pipe's read end as stdin.  0 or -errno. */
static int run_hook(struct sl_alert_sink *s, struct hook *h, const struct sl_alert_event *ev,
		    uint64_t now)
{
	char buf[SL_ALERT_LINE_MAX + 1];
	size_t len = strlen(ev->json);
	char *argv[] = {"/bin/sh", "-c", s->cfg.hook.command, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t none, dflt;
	char **env = NULL;
	int p[2] = {-1, -1}, rc;
	ssize_t w;
	pid_t pid;

	if (len >= SL_ALERT_LINE_MAX)
		return -EMSGSIZE;
	memcpy(buf, ev->json, len);
	buf[len++] = '\n';
	if (pipe2(p, O_CLOEXEC) < 0)
		return -errno;
	/* Non-blocking on our end only (the status flag is per end): the
	 * write of less than PIPE_BUF into an empty pipe is whole at once. */
	w = fcntl(p[1], F_SETFL, O_NONBLOCK) < 0 ? -1 : write(p[1], buf, len);
	if (w != (ssize_t)len) {
		rc = w < 0 ? -errno : -EIO;
		close(p[0]);
		close(p[1]);
		return rc;
	}
	close(p[1]);
	env = hook_env(ev);
	if (env == NULL) {
		close(p[0]);
		return -ENOMEM;
	}
	posix_spawn_file_actions_init(&fa);
	posix_spawnattr_init(&attr);
	sigemptyset(&none);
	sigemptyset(&dflt);
	sigaddset(&dflt, SIGPIPE);
	sigaddset(&dflt, SIGCHLD);
	sigaddset(&dflt, SIGINT);
	sigaddset(&dflt, SIGTERM);
	sigaddset(&dflt, SIGHUP);
	/* dup2 clears close-on-exec on fd 0; every other fd of the daemon
	 * (sockets, hugepage files) is closed in the hook. */
	rc = posix_spawn_file_actions_adddup2(&fa, p[0], STDIN_FILENO);
	if (rc == 0)
		rc = posix_spawn_file_actions_addclosefrom_np(&fa, STDERR_FILENO + 1);
	if (rc == 0)
		rc = posix_spawnattr_setflags(
		    &attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
	if (rc == 0)
		rc = posix_spawnattr_setpgroup(&attr, 0);
	if (rc == 0)
		rc = posix_spawnattr_setsigmask(&attr, &none);
	if (rc == 0)
		rc = posix_spawnattr_setsigdefault(&attr, &dflt);
	if (rc == 0)
		rc = posix_spawn(&pid, "/bin/sh", &fa, &attr, argv, env);
	posix_spawn_file_actions_destroy(&fa);
	posix_spawnattr_destroy(&attr);
	env_free(env);
	close(p[0]);
	if (rc != 0)
		return -rc;
	h->pid = pid;
	h->start_ms = now;
	h->killed = false;
	h->alert_id = ev->id;
	s->n.running++;
	s->n.runs++;
	return 0;
}

void sl_alert_sink_emit(struct sl_alert_sink *s, const struct sl_alert_event *ev, uint64_t now_ms)
{
	enum sl_alert_level lvl =
	    ev->state != SL_ALERT_RESOLVED && !strcmp(ev->severity, "critical")
		? SL_ALERT_LOG_ERR
		: SL_ALERT_LOG_WARNING;
	struct hook *free_slot = NULL;
	int rc;

	if (s->log != NULL)
		s->log(s->log_arg, lvl, ev->json);
	else
		fprintf(stderr, "%s\n", ev->json);
	if (s->cfg.hook.command[0] == '\0')
		return;
	for (unsigned i = 0; i < HOOKS_MAX && free_slot == NULL; i++)
		if (s->hooks[i].pid == 0)
			free_slot = &s->hooks[i];
	if (s->n.running >= s->cfg.hook.max_running || free_slot == NULL) {
		s->n.dropped++;
		trouble(s, now_ms, "not run for alert %" PRIu64 " (%s): %u already running", ev->id,
			sl_alert_state_name(ev->state), s->n.running);
		return;
	}
	rc = run_hook(s, free_slot, ev, now_ms);
	if (rc < 0) {
		s->n.failed++;
		trouble(s, now_ms, "cannot start \"%s\": %s", s->cfg.hook.command, strerror(-rc));
	}
}

uint32_t sl_alert_sink_tick(struct sl_alert_sink *s, uint64_t now_ms)
{
	uint64_t next = UINT32_MAX;

	for (unsigned i = 0; i < HOOKS_MAX; i++) {
		struct hook *h = &s->hooks[i];
		int st;
		pid_t r;

		if (h->pid == 0)
			continue;
		r = waitpid(h->pid, &st, WNOHANG);
		if (r == h->pid || (r < 0 && errno == ECHILD)) {
			if (r == h->pid && !h->killed && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
				s->n.failed++;
				if (WIFEXITED(st))
					trouble(s, now_ms,
						"for alert %" PRIu64 " exited with status %d",
						h->alert_id, WEXITSTATUS(st));
				else
					trouble(s, now_ms,
						"for alert %" PRIu64 " ended by signal %d",
						h->alert_id, WIFSIGNALED(st) ? WTERMSIG(st) : 0);
			}
			h->pid = 0;
			s->n.running--;
			continue;
		}
		if (h->killed)
			continue;
		if (now_ms - h->start_ms >= s->cfg.hook.timeout_ms) {
			/* The whole process group: the shell and what it started. */
			kill(-h->pid, SIGKILL);
			h->killed = true;
			s->n.timeouts++;
			trouble(s, now_ms,
				"for alert %" PRIu64 " killed after %u ms (alerts.hook.timeout)",
				h->alert_id, s->cfg.hook.timeout_ms);
			continue;
		}
		if (h->start_ms + s->cfg.hook.timeout_ms - now_ms < next)
			next = h->start_ms + s->cfg.hook.timeout_ms - now_ms;
	}
	return (uint32_t)next;
}

void sl_alert_sink_counts(const struct sl_alert_sink *s, struct sl_alert_hook_counts *c)
{
	*c = s->n;
}

void sl_alert_sink_free(struct sl_alert_sink *s)
{
	if (s == NULL)
		return;
	for (unsigned i = 0; i < HOOKS_MAX; i++)
		if (s->hooks[i].pid != 0) {
			/* Shutdown: SIGKILL'd children exit at once, so this
			 * wait is short. */
			kill(-s->hooks[i].pid, SIGKILL);
			waitpid(s->hooks[i].pid, NULL, 0);
		}
	free(s);
}
