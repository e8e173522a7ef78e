/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The control socket server around the fake API (fake_api.h): a stand-in
 * daemon for testing sluicectl end to end (test_sluicectl.sh).
 *
 *   fake_sluiced -s PATH [--admin-group G] [--read-group G] [--log FILE]
 *
 * Prints "ready" on stdout once the socket is listening, then serves until
 * its stdin reaches end of file or it gets SIGTERM/SIGINT; the socket is
 * removed on the way out.  --log writes every fake API call as it happens.
 */
#include <errno.h>
#include <stdbool.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "fake_api.h"
#include "sl_server.h"

static volatile sig_atomic_t stop;

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

int main(int argc, char **argv)
{
	const char *path = NULL, *admin = NULL, *readg = NULL;
	struct sigaction sa;
	struct sl_server *srv;
	struct sl_api *api;
	FILE *log = NULL;
	char err[256];
	bool in_open = true;

	/* Options come in pairs: NAME VALUE. */
	for (int i = 1; i < argc; i += 2) {
		const char *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (v && !strcmp(argv[i], "-s"))
			path = v;
		else if (v && !strcmp(argv[i], "--admin-group"))
			admin = v;
		else if (v && !strcmp(argv[i], "--read-group"))
			readg = v;
		else if (v && !strcmp(argv[i], "--log")) {
			log = fopen(v, "we");
			if (log == NULL) {
				fprintf(stderr, "fake_sluiced: %s: %s\n", v, strerror(errno));
				return 1;
			}
		} else {
			fprintf(stderr, "usage: fake_sluiced -s PATH [--admin-group G] "
					"[--read-group G] [--log FILE]\n");
			return 2;
		}
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	api = fake_api_reset();
	fake_api_set_log(log);
	srv = sl_server_create(path, admin, readg, api, err, sizeof(err));
	if (srv == NULL) {
		fprintf(stderr, "fake_sluiced: %s\n", err);
		return 1;
	}
	printf("ready\n");
	fflush(stdout);
	while (!stop) {
		struct pollfd p[2] = {
		    {.fd = sl_server_fd(srv), .events = POLLIN},
		    {.fd = in_open ? 0 : -1, .events = POLLIN},
		};

		/* This stand-in has nothing else to do: it may block in poll. */
		if (poll(p, 2, -1) < 0 && errno != EINTR)
			break;
		if (p[1].revents) {
			char buf[256];

			if (read(0, buf, sizeof(buf)) <= 0)
				break;
		}
		if (p[0].revents & POLLIN)
			sl_server_run(srv);
	}
	sl_server_free(srv);
	fake_api_reset();
	if (log)
		fclose(log);
	return 0;
}
