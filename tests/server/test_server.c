/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Unit tests for the control socket server (control/sl_server.c) with the
 * fake API (fake_api.h) on a socket in a temporary directory.
 *
 * No threads and no sleeps: the test's client sockets are non-blocking and
 * the test runs the server's loop (sl_server_run) itself whenever a client
 * would wait, so every exchange is deterministic.  The privilege tests fork
 * a child that drops to uid 65534 with chosen groups; the parent runs the
 * server until the child exits (bounded in time).  They need root and are
 * skipped without it.
 *
 * JSON in this file is written with single quotes for readability; J()
 * turns them into double quotes.
 */
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "fake_api.h"
#include "sl_server.h"

#define NOBODY	   65534
#define READ_GID   4242
#define ADMIN_GID  4243
#define PUMP_LIMIT 200000 /* server loop runs before a test gives up */

static char tmpdir[64];
static char run_dir[80];
static char sock_path[100]; /* fits sun_path */
static struct sl_server *srv;
static struct sl_api *api;
static json_int_t last_id;

/* ------------------------------------------------------------------------ */
/* Helpers */

/* Single quotes to double quotes, in one of a few rotating buffers. */
static const char *J(const char *s)
{
	static char bufs[8][4096];
	static unsigned next;
	char *b = bufs[next++ % 8];
	size_t i;

	for (i = 0; s[i] && i + 1 < sizeof(bufs[0]); i++)
		b[i] = s[i] == '\'' ? '"' : s[i];
	b[i] = '\0';
	return b;
}

static void start(const char *admin, const char *readg)
{
	char err[256] = "";

	api = fake_api_reset();
	srv = sl_server_create(sock_path, admin, readg, api, err, sizeof(err));
	if (srv == NULL)
		fail_msg("sl_server_create: %s", err);
}

static int setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/sl-server-XXXXXX");
	assert_non_null(mkdtemp(tmpdir));
	/* the privilege tests' uid 65534 must reach the socket's directory */
	assert_int_equal(chmod(tmpdir, 0755), 0);
	snprintf(run_dir, sizeof(run_dir), "%s/run", tmpdir);
	snprintf(sock_path, sizeof(sock_path), "%s/sluiced.sock", run_dir);
	srv = NULL;
	last_id = 0;
	return 0;
}

static int setup_started(void **state)
{
	setup(state);
	start(NULL, NULL);
	return 0;
}

static int teardown(void **state)
{
	DIR *d;
	struct dirent *e;
	char p[400];

	(void)state;
	sl_server_free(srv);
	srv = NULL;
	fake_api_set_show_size(0);
	/* remove whatever a test left (files only, one level) */
	d = opendir(run_dir);
	if (d != NULL) {
		while ((e = readdir(d)) != NULL) {
			if (e->d_name[0] == '.' && (!e->d_name[1] || !strcmp(e->d_name, "..")))
				continue;
			snprintf(p, sizeof(p), "%s/%s", run_dir, e->d_name);
			unlink(p);
		}
		closedir(d);
	}
	rmdir(run_dir);
	rmdir(tmpdir);
	return 0;
}

static void pump(void)
{
	sl_server_run(srv);
}

static int cl_connect(void)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	pump();
	return fd;
}

static void cl_send(int fd, const void *buf, size_t len)
{
	size_t done = 0;

	for (int i = 0; done < len; i++) {
		ssize_t n = send(fd, (const char *)buf + done, len - done, MSG_NOSIGNAL);

		if (i > PUMP_LIMIT)
			fail_msg("send: the server does not take the data");
		if (n < 0) {
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			pump();
			continue;
		}
		done += (size_t)n;
	}
	pump();
}

static void cl_send_frame(int fd, const char *json)
{
	uint32_t be = htonl((uint32_t)strlen(json));

	cl_send(fd, &be, sizeof(be));
	cl_send(fd, json, strlen(json));
}

/* Reads exactly len bytes, running the server while none are there.
 * Returns the bytes read (< len only at end of file). */
static size_t cl_read(int fd, void *buf, size_t len)
{
	size_t done = 0;

	for (int i = 0; done < len; i++) {
		ssize_t n = recv(fd, (char *)buf + done, len - done, 0);

		if (i > PUMP_LIMIT)
			fail_msg("recv: no answer from the server");
		if (n == 0)
			break;
		if (n < 0) {
			assert_true(errno == EAGAIN || errno == EWOULDBLOCK);
			pump();
			continue;
		}
		done += (size_t)n;
	}
	return done;
}

/* One response, or NULL at end of file. */
static json_t *cl_recv(int fd)
{
	uint32_t be;
	size_t len;
	char *body;
	json_t *j;
	json_error_t e;

	if (cl_read(fd, &be, sizeof(be)) == 0)
		return NULL;
	len = ntohl(be);
	assert_true(len > 0 && len <= SL_PROTO_MAX_RESPONSE);
	body = malloc(len);
	assert_non_null(body);
	assert_int_equal(cl_read(fd, body, len), len);
	j = json_loadb(body, len, 0, &e);
	free(body);
	if (j == NULL)
		fail_msg("response is not JSON: %s", e.text);
	return j;
}

/* The connection is closed by the server (after any pending responses). */
static void assert_eof(int fd)
{
	char c;

	assert_int_equal(cl_read(fd, &c, 1), 0);
}

static json_t *call(int fd, const char *json)
{
	cl_send_frame(fd, json);
	return cl_recv(fd);
}

/* A request with a fresh id: command, args (JSON or NULL), options. */
static json_t *req(int fd, const char *command, const char *args, const char *options)
{
	char buf[8192];

	snprintf(buf, sizeof(buf), "{\"version\":1,\"id\":%lld,\"command\":\"%s\"%s%s%s%s}",
		 (long long)++last_id, command, args ? ",\"args\":" : "", args ? J(args) : "",
		 options ? ",\"options\":" : "", options ? J(options) : "");
	return call(fd, buf);
}

/* One request on a fresh connection. */
static json_t *req1(const char *command, const char *args, const char *options)
{
	int fd = cl_connect();
	json_t *r = req(fd, command, args, options);

	close(fd);
	pump();
	return r;
}

static int status_of(json_t *r)
{
	assert_non_null(r);
	assert_true(json_is_integer(json_object_get(r, "status")));
	return (int)json_integer_value(json_object_get(r, "status"));
}

/* status and exact error message; frees r */
static void expect_error(json_t *r, int status, const char *msg)
{
	const char *e;

	assert_int_equal(status_of(r), status);
	e = json_string_value(json_object_get(r, "error"));
	assert_non_null(e);
	assert_string_equal(e, msg);
	assert_null(json_object_get(r, "note"));
	json_decref(r);
}

/* success; returns the result (borrowed from r) */
static json_t *expect_ok(json_t *r)
{
	if (status_of(r) != 0)
		fail_msg("status %d: %s", status_of(r),
			 json_string_value(json_object_get(r, "error")));
	assert_null(json_object_get(r, "error"));
	assert_true(json_is_object(json_object_get(r, "result")));
	return json_object_get(r, "result");
}

/* ------------------------------------------------------------------------ */
/* The socket file */

static void test_socket_default_mode(void **state)
{
	struct stat st;
	mode_t old = umask(077); /* the run directory must still be 0755 */
	DIR *d;
	struct dirent *e;
	unsigned entries = 0;

	(void)state;
	start(NULL, NULL);
	umask(old);
	assert_int_equal(lstat(sock_path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(stat(run_dir, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0755);
	/* the temporary directory it was bound in is gone */
	d = opendir(run_dir);
	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			assert_string_equal(e->d_name, "sluiced.sock");
			entries++;
		}
	closedir(d);
	assert_int_equal(entries, 1);
}

static void test_socket_group_modes(void **state)
{
	struct stat st;

	(void)state;
	if (geteuid() != 0)
		skip(); /* giving the socket to another group needs root */
	start("4243", "4242");
	assert_int_equal(lstat(sock_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, READ_GID);
	sl_server_free(srv);
	start("4243", NULL);
	assert_int_equal(lstat(sock_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, ADMIN_GID);
	sl_server_free(srv);
	start(NULL, "4242");
	assert_int_equal(lstat(sock_path, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0660);
	assert_int_equal(st.st_gid, READ_GID);
}

static void test_socket_group_names(void **state)
{
	char err[256] = "";
	struct stat st;
	struct group *g = getgrgid(getegid());

	(void)state;
	assert_non_null(g);
	api = fake_api_reset();
	srv = sl_server_create(sock_path, NULL, g->gr_name, api, err, sizeof(err));
	assert_non_null(srv);
	assert_int_equal(lstat(sock_path, &st), 0);
	assert_int_equal(st.st_gid, getegid());
	sl_server_free(srv);
	srv = sl_server_create(sock_path, "no-such-group-sluice", NULL, api, err, sizeof(err));
	assert_null(srv);
	assert_string_equal(err, "control.admin_group: no group \"no-such-group-sluice\"");
	assert_int_equal(lstat(sock_path, &st), -1); /* nothing created */
}

static void test_socket_live_refused(void **state)
{
	char err[256] = "";
	struct sl_server *second;
	json_t *r;

	(void)state;
	second = sl_server_create(sock_path, NULL, NULL, api, err, sizeof(err));
	assert_null(second);
	assert_non_null(strstr(err, "another process is listening there"));
	/* the first one still serves */
	r = req1("status", NULL, NULL);
	expect_ok(r);
	json_decref(r);
}

static void test_socket_stale_replaced(void **state)
{
	struct sockaddr_un sa;
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);
	json_t *r;

	(void)state;
	assert_int_equal(mkdir(run_dir, 0755), 0);
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd); /* a socket file nobody listens on: a crashed daemon's */
	start(NULL, NULL);
	r = req1("status", NULL, NULL);
	expect_ok(r);
	json_decref(r);
}

static void test_socket_not_a_socket(void **state)
{
	char err[256] = "";
	struct stat st;
	FILE *f;

	(void)state;
	assert_int_equal(mkdir(run_dir, 0755), 0);
	f = fopen(sock_path, "w");
	assert_non_null(f);
	fputs("precious", f);
	fclose(f);
	api = fake_api_reset();
	srv = sl_server_create(sock_path, NULL, NULL, api, err, sizeof(err));
	assert_null(srv);
	assert_non_null(strstr(err, "exists and is not a socket"));
	assert_int_equal(lstat(sock_path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_size, 8);
}

static void test_free_unlinks_own_socket_only(void **state)
{
	struct stat st;
	char other[160];
	FILE *f;

	(void)state;
	sl_server_free(srv);
	srv = NULL;
	assert_int_equal(lstat(sock_path, &st), -1);
	assert_int_equal(errno, ENOENT);
	/* a socket replaced by something else is not ours to remove */
	start(NULL, NULL);
	snprintf(other, sizeof(other), "%s/other", run_dir);
	f = fopen(other, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(rename(other, sock_path), 0);
	sl_server_free(srv);
	srv = NULL;
	assert_int_equal(lstat(sock_path, &st), 0);
	assert_true(S_ISREG(st.st_mode));
}

static void test_create_bad_path(void **state)
{
	char err[256] = "", longp[200];

	(void)state;
	api = fake_api_reset();
	memset(longp, 'a', sizeof(longp) - 1);
	longp[0] = '/';
	longp[sizeof(longp) - 1] = '\0';
	assert_null(sl_server_create(longp, NULL, NULL, api, err, sizeof(err)));
	assert_non_null(strstr(err, "is empty or longer than 107"));
	assert_null(sl_server_create("", NULL, NULL, api, err, sizeof(err)));
}

/* ------------------------------------------------------------------------ */
/* Framing and the envelope */

static void test_framing_and_id(void **state)
{
	int fd;
	json_t *r, *res;
	char two[256];
	uint32_t be;
	const char *a = J("{'version':1,'id':41,'command':'status'}");
	const char *b = J("{'version':1,'id':42,'command':'vip.list'}");
	size_t n = 0;

	(void)state;
	fd = cl_connect();
	r = call(fd, J("{'version':1,'id':42,'command':'status'}"));
	res = expect_ok(r);
	assert_int_equal(json_integer_value(json_object_get(r, "version")), 1);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 42);
	assert_int_equal(json_integer_value(json_object_get(res, "generation")), 7);
	assert_int_equal(json_object_size(r), 4); /* version, id, status, result */
	json_decref(r);

	/* two requests in one write: two responses, in order */
	be = htonl((uint32_t)strlen(a));
	memcpy(two + n, &be, 4);
	n += 4;
	memcpy(two + n, a, strlen(a));
	n += strlen(a);
	be = htonl((uint32_t)strlen(b));
	memcpy(two + n, &be, 4);
	n += 4;
	memcpy(two + n, b, strlen(b));
	n += strlen(b);
	cl_send(fd, two, n);
	r = cl_recv(fd);
	expect_ok(r);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 41);
	json_decref(r);
	r = cl_recv(fd);
	assert_int_equal(json_array_size(json_object_get(expect_ok(r), "vips")), 2);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 42);
	json_decref(r);

	/* one byte at a time, the server running between bytes */
	for (size_t i = 0; i < n; i++)
		cl_send(fd, two + i, 1);
	r = cl_recv(fd);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 41);
	json_decref(r);
	r = cl_recv(fd);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 42);
	json_decref(r);
	close(fd);
	assert_string_equal(fake_api_calls(), "status\nstatus\nvip_list\nstatus\nvip_list\n");
}

static void test_version(void **state)
{
	int fd = cl_connect();
	json_t *r;

	(void)state;
	r = call(fd, J("{'version':2,'id':5,'command':'status'}"));
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 5);
	expect_error(r, EPROTONOSUPPORT, "protocol version 2 is not supported (this server: 1)");
	r = call(fd, J("{'id':6,'command':'status'}"));
	expect_error(r, EPROTONOSUPPORT,
		     "protocol version missing is not supported (this server: 1)");
	r = call(fd, J("{'version':'1','id':7,'command':'status'}"));
	expect_error(r, EPROTONOSUPPORT,
		     "protocol version a string is not supported (this server: 1)");
	assert_int_equal(fake_api_nb_calls(), 0);
	/* the connection is still usable */
	r = call(fd, J("{'version':1,'id':8,'command':'status'}"));
	expect_ok(r);
	json_decref(r);
	close(fd);
}

static void test_oversized_request(void **state)
{
	int fd = cl_connect();
	uint32_t be = htonl(SL_PROTO_MAX_REQUEST + 1);
	char buf[4 + 4096];
	json_t *r;

	(void)state;
	/* the length and the start of the body, in one write: the server
	 * refuses on the length, and closes */
	memcpy(buf, &be, sizeof(be));
	memset(buf + 4, ' ', sizeof(buf) - 4);
	cl_send(fd, buf, sizeof(buf));
	r = cl_recv(fd);
	assert_true(json_is_null(json_object_get(r, "id")));
	expect_error(r, EMSGSIZE, "request of 1048577 bytes exceeds the 1048576-byte limit");
	assert_eof(fd);
	close(fd);
	assert_int_equal(fake_api_nb_calls(), 0);
	assert_int_equal(sl_server_nb_clients(srv), 0);
}

static void test_largest_request(void **state)
{
	int fd = cl_connect();
	const char *body = J("{'version':1,'id':9,'command':'status'}");
	size_t len = SL_PROTO_MAX_REQUEST;
	char *buf = malloc(len + 4);
	uint32_t be = htonl((uint32_t)len);
	json_t *r;

	(void)state;
	assert_non_null(buf);
	memcpy(buf, &be, 4);
	memset(buf + 4, ' ', len); /* JSON allows any whitespace after the value */
	memcpy(buf + 4, body, strlen(body));
	cl_send(fd, buf, len + 4);
	free(buf);
	r = cl_recv(fd);
	expect_ok(r);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 9);
	json_decref(r);
	/* the buffer is given back and the connection goes on */
	r = call(fd, J("{'version':1,'id':10,'command':'status'}"));
	expect_ok(r);
	json_decref(r);
	close(fd);
	assert_int_equal(fake_api_nb_calls(), 2);
}

static void test_malformed(void **state)
{
	int fd = cl_connect();
	uint32_t zero = 0;
	json_t *r;

	(void)state;
	r = call(fd, "{not json");
	assert_true(json_is_null(json_object_get(r, "id")));
	expect_error(r, EBADMSG,
		     "malformed JSON at line 1, column 4: string or '}' expected near 'not'");
	r = call(fd, "[1,2]");
	expect_error(r, EBADMSG, "a request is a JSON object, got an array");
	r = call(fd, J("{'version':1,'id':1,'id':2,'command':'status'}"));
	assert_int_equal(status_of(r), EBADMSG);
	json_decref(r);
	r = call(fd, J("{'version':1,'id':1,'command':'status'} trailing"));
	assert_int_equal(status_of(r), EBADMSG);
	json_decref(r);
	cl_send(fd, &zero, sizeof(zero));
	expect_error(cl_recv(fd), EBADMSG, "empty request");
	assert_int_equal(fake_api_nb_calls(), 0);
	r = call(fd, J("{'version':1,'id':3,'command':'status'}"));
	expect_ok(r);
	json_decref(r);
	close(fd);
}

static void test_bad_envelope(void **state)
{
	int fd = cl_connect();
	json_t *r;

	(void)state;
	r = call(fd, J("{'version':1,'command':'status'}"));
	assert_true(json_is_null(json_object_get(r, "id")));
	expect_error(r, EINVAL, "id: expected an integer, got nothing");
	r = call(fd, J("{'version':1,'id':'x','command':'status'}"));
	expect_error(r, EINVAL, "id: expected an integer, got a string");
	r = call(fd, J("{'version':1,'id':1,'command':'status','verbose':true}"));
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 1);
	expect_error(r, EINVAL,
		     "verbose: unknown request key (version, id, command, args, options)");
	r = call(fd, J("{'version':1,'id':1}"));
	expect_error(r, EINVAL, "command: expected a string, got nothing");
	r = call(fd, J("{'version':1,'id':1,'command':7}"));
	expect_error(r, EINVAL, "command: expected a string, got an integer");
	r = call(fd, J("{'version':1,'id':1,'command':'status','args':[]}"));
	expect_error(r, EINVAL, "args: expected an object, got an array");
	r = call(fd, J("{'version':1,'id':1,'command':'status','args':null}"));
	expect_ok(r);
	json_decref(r);
	r = call(fd, J("{'version':1,'id':1,'command':'backend.weight','options':[]}"));
	expect_error(r, EINVAL, "options: expected an object, got an array");
	close(fd);
	assert_string_equal(fake_api_calls(), "status\n");
}

static void test_unknown_command(void **state)
{
	(void)state;
	expect_error(req1("vip.frobnicate", NULL, NULL), ENOSYS,
		     "unknown command \"vip.frobnicate\" (\"commands\" lists them)");
	assert_int_equal(fake_api_nb_calls(), 0);
}

static void test_commands(void **state)
{
	json_t *r = req1("commands", NULL, NULL), *res = expect_ok(r), *c;
	size_t i, changes = 0;

	(void)state;
	assert_int_equal(json_integer_value(json_object_get(res, "version")), 1);
	assert_int_equal(json_array_size(json_object_get(res, "commands")), 25);
	json_array_foreach(json_object_get(res, "commands"), i, c)
	{
		const char *n = json_string_value(json_object_get(c, "name"));

		assert_non_null(json_string_value(json_object_get(c, "help")));
		if (json_is_true(json_object_get(c, "changes_state"))) {
			changes++;
			assert_true(!strcmp(n, "vip.add") || !strcmp(n, "vip.del") ||
				    !strcmp(n, "vip.set") || !strncmp(n, "backend.", 8) ||
				    !strcmp(n, "config.apply") || !strcmp(n, "config.rollback"));
		}
	}
	assert_int_equal(changes, 11);
	json_decref(r);
}

/* ------------------------------------------------------------------------ */
/* Arguments and options */

static void test_args_checked(void **state)
{
	(void)state;
	expect_error(
	    req1("backend.weight", "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.1'}", NULL),
	    EINVAL, "args.weight: missing");
	expect_error(req1("backend.weight",
			  "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.1','weight':'50'}", NULL),
		     EINVAL, "args.weight: expected an integer 0..4294967295, got a string");
	expect_error(req1("backend.weight",
			  "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.1','weight':-1}", NULL),
		     EINVAL,
		     "args.weight: expected an integer 0..4294967295, got one out of range");
	expect_error(
	    req1("backend.weight",
		 "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.1','weight':4294967296}", NULL),
	    EINVAL, "args.weight: expected an integer 0..4294967295, got one out of range");
	expect_error(req1("backend.weight",
			  "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.1','weight':5.5}", NULL),
		     EINVAL, "args.weight: expected an integer 0..4294967295, got a real number");
	expect_error(
	    req1("backend.weight",
		 "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.1','weight':5,'x':1}", NULL),
	    EINVAL, "args.x: unknown argument (backend.weight takes vip, address, weight)");
	expect_error(req1("backend.drain", "{'vip':7,'address':'10.99.1.1'}", NULL), EINVAL,
		     "args.vip: expected a string, got an integer");
	expect_error(req1("status", "{'x':1}", NULL), EINVAL,
		     "args.x: unknown argument (status takes no arguments)");
	expect_error(
	    req1("vip.set", "{'vip':'10.99.100.1:80/tcp','settings':'slow_start=1s'}", NULL),
	    EINVAL, "args.settings: expected an object, got a string");
	expect_error(req1("config.show", "{'generation':true}", NULL), EINVAL,
		     "args.generation: expected an integer 0..18446744073709551615, got a boolean");
	expect_error(req1("backend.add", "{'address':'10.99.1.9'}", NULL), EINVAL,
		     "args.vip: missing");
	expect_error(req1("config.apply", "{'path':'/etc/shadow'}", NULL), EINVAL,
		     "args.path: names the text; without \"text\" the daemon uses its own file "
		     "and reads no file a client names");
	expect_error(req1("config.check", "{'path':'/etc/shadow'}", NULL), EINVAL,
		     "args.path: names the text; without \"text\" the daemon uses its own file "
		     "and reads no file a client names");
	assert_int_equal(fake_api_nb_calls(), 0);
}

static void test_options(void **state)
{
	const char *w = "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.1','weight':50}";
	json_t *r;

	(void)state;
	r = req1("backend.weight", w, "{'dry_run':true}");
	assert_true(json_is_true(json_object_get(expect_ok(r), "dry_run")));
	json_decref(r);
	r = req1("backend.weight", w, "{'guard':'30s'}");
	assert_int_equal(json_integer_value(json_object_get(expect_ok(r), "generation")), 8);
	json_decref(r);
	r = req1("backend.weight", w, "{'guard':'1500ms','dry_run':false}");
	expect_ok(r);
	json_decref(r);
	r = req1("backend.weight", w, "{}");
	expect_ok(r);
	json_decref(r);
	assert_string_equal(
	    fake_api_calls(),
	    "backend_weight uid=0 origin=cli dry_run=1 guard_ms=0 vip=10.99.100.1:80/tcp "
	    "address=10.99.1.1 weight=50\n"
	    "backend_weight uid=0 origin=cli dry_run=0 guard_ms=30000 vip=10.99.100.1:80/tcp "
	    "address=10.99.1.1 weight=50\n"
	    "backend_weight uid=0 origin=cli dry_run=0 guard_ms=1500 vip=10.99.100.1:80/tcp "
	    "address=10.99.1.1 weight=50\n"
	    "backend_weight uid=0 origin=cli dry_run=0 guard_ms=0 vip=10.99.100.1:80/tcp "
	    "address=10.99.1.1 weight=50\n");
	fake_api_reset();

	expect_error(req1("backend.weight", w, "{'guard':'30'}"), EINVAL,
		     "options.guard: expected a duration 1ms..1193h: an integer and a unit ms, "
		     "s, m or h (e.g. 30s)");
	expect_error(req1("backend.weight", w, "{'guard':'0s'}"), EINVAL,
		     "options.guard: expected a duration 1ms..1193h: an integer and a unit ms, "
		     "s, m or h (e.g. 30s)");
	expect_error(req1("backend.weight", w, "{'guard':'1194h'}"), EINVAL,
		     "options.guard: expected a duration 1ms..1193h: an integer and a unit ms, "
		     "s, m or h (e.g. 30s)");
	expect_error(req1("backend.weight", w, "{'guard':30}"), EINVAL,
		     "options.guard: expected a duration 1ms..1193h: an integer and a unit ms, "
		     "s, m or h (e.g. 30s)");
	expect_error(req1("backend.weight", w, "{'dry_run':'yes'}"), EINVAL,
		     "options.dry_run: expected a boolean, got a string");
	expect_error(req1("backend.weight", w, "{'dry_run':true,'guard':'1s'}"), EINVAL,
		     "options: dry_run and guard exclude each other");
	expect_error(req1("backend.weight", w, "{'force':true}"), EINVAL,
		     "options.force: unknown option (dry_run, guard)");
	expect_error(req1("status", NULL, "{'dry_run':true}"), EINVAL,
		     "options.dry_run: status does not change state and takes no options");
	assert_int_equal(fake_api_nb_calls(), 0);
}

/* Every command reaches its API function with its arguments. */
static void test_dispatch(void **state)
{
	static const struct {
		const char *command, *args, *options, *calls;
	} t[] = {
	    {"status", NULL, NULL, "status\n"},
	    {"vip.list", "{}", NULL, "vip_list\n"},
	    {"vip.show", "{'vip':'10.99.100.1:80/tcp'}", NULL, "vip_show vip=10.99.100.1:80/tcp\n"},
	    {"vip.add",
	     "{'address':'10.99.100.3','port':80,'protocol':'tcp','encap':'ipip',"
	     "'backends':[{'address':'10.99.1.7'},{'address':'10.99.1.8','weight':5}]}",
	     NULL,
	     "parse_vip {'address':'10.99.100.3','backends':[{'address':'10.99.1.7'},{'address':"
	     "'10.99.1.8','weight':5}],'encap':'ipip','port':80,'protocol':'tcp'}\n"
	     "vip_add uid=0 origin=cli dry_run=0 guard_ms=0 vip=10.99.100.3:80/tcp backends=2\n"},
	    {"vip.del", "{'vip':'[fd00:99::1]:443/tcp'}", "{'dry_run':true}",
	     "vip_del uid=0 origin=cli dry_run=1 guard_ms=0 vip=[fd00:99::1]:443/tcp\n"},
	    {"vip.set",
	     "{'vip':'10.99.100.1:80/tcp','settings':{'slow_start':'30s','health':{'interval':"
	     "'5s'}}}",
	     NULL,
	     "vip_set uid=0 origin=cli dry_run=0 guard_ms=0 vip=10.99.100.1:80/tcp "
	     "settings={'slow_start':'30s','health':{'interval':'5s'}}\n"},
	    {"backend.list", NULL, NULL, "backend_list vip=(all)\n"},
	    {"backend.list", "{'vip':'10.99.100.1:80/tcp'}", NULL,
	     "backend_list vip=10.99.100.1:80/tcp\n"},
	    {"backend.add",
	     "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.9','weight':5,'pool':'backup'}", NULL,
	     "parse_backend {'address':'10.99.1.9','pool':'backup','weight':5}\n"
	     "backend_add uid=0 origin=cli dry_run=0 guard_ms=0 vip=10.99.100.1:80/tcp "
	     "address=10.99.1.9 weight=5 pool=backup state=enabled\n"},
	    {"backend.del", "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.2'}", NULL,
	     "backend_del uid=0 origin=cli dry_run=0 guard_ms=0 vip=10.99.100.1:80/tcp "
	     "address=10.99.1.2\n"},
	    {"backend.weight", "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.2','weight':0}",
	     NULL,
	     "backend_weight uid=0 origin=cli dry_run=0 guard_ms=0 vip=10.99.100.1:80/tcp "
	     "address=10.99.1.2 weight=0\n"},
	    {"backend.drain", "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.2'}", NULL,
	     "backend_state uid=0 origin=cli dry_run=0 guard_ms=0 vip=10.99.100.1:80/tcp "
	     "address=10.99.1.2 state=draining\n"},
	    {"backend.enable", "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.2'}", NULL,
	     "backend_state uid=0 origin=cli dry_run=0 guard_ms=0 vip=10.99.100.1:80/tcp "
	     "address=10.99.1.2 state=enabled\n"},
	    {"backend.disable", "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.2'}", NULL,
	     "backend_state uid=0 origin=cli dry_run=0 guard_ms=0 vip=10.99.100.1:80/tcp "
	     "address=10.99.1.2 state=disabled\n"},
	    {"health", NULL, NULL, "health\n"},
	    {"stats", NULL, NULL, "stats\n"},
	    {"flows.count", NULL, NULL, "flows\n"},
	    {"alerts", NULL, NULL, "alerts\n"},
	    {"table", NULL, NULL, "table vip=(all)\n"},
	    {"table", "{'vip':'[fd00:99::1]:443/tcp'}", NULL, "table vip=[fd00:99::1]:443/tcp\n"},
	    {"config.show", NULL, NULL, "config_show generation=0\n"},
	    {"config.show", "{'generation':6}", NULL, "config_show generation=6\n"},
	    {"config.check", "{'text':'vips: []\\n','path':'new.yaml'}", NULL,
	     "config_check path=new.yaml text=9\n"},
	    {"config.check", "{'text':'vips: []\\n'}", NULL, "config_check path=(text) text=9\n"},
	    {"config.check", NULL, NULL, "config_check path=(null) text=0\n"},
	    {"config.apply", "{'text':'vips: []\\n','path':'new.yaml'}", NULL,
	     "config_apply uid=0 origin=cli dry_run=0 guard_ms=0 path=new.yaml text=9\n"},
	    {"config.apply", NULL, "{'dry_run':true}",
	     "config_apply uid=0 origin=cli dry_run=1 guard_ms=0 path=(null) text=0\n"},
	    {"config.diff", NULL, NULL, "config_diff from=0 to=0\n"},
	    {"config.diff", "{'from':5,'to':6}", NULL, "config_diff from=5 to=6\n"},
	    {"config.history", NULL, NULL, "config_history\n"},
	    {"config.rollback", NULL, NULL,
	     "config_rollback uid=0 origin=cli dry_run=0 guard_ms=0 generation=0\n"},
	    {"config.rollback", "{'generation':5}", "{'dry_run':true}",
	     "config_rollback uid=0 origin=cli dry_run=1 guard_ms=0 generation=5\n"},
	};
	int fd;

	(void)state;
	fd = cl_connect();
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		json_t *r;

		fake_api_reset();
		r = req(fd, t[i].command, t[i].args, t[i].options);
		if (status_of(r) != 0)
			fail_msg("%s: status %d: %s", t[i].command, status_of(r),
				 json_string_value(json_object_get(r, "error")));
		assert_true(json_is_object(json_object_get(r, "result")));
		assert_string_equal(fake_api_calls(), J(t[i].calls));
		json_decref(r);
	}
	close(fd);
}

static void test_api_errors(void **state)
{
	json_t *r;

	(void)state;
	fake_api_fail_next(EBUSY, "busy now");
	expect_error(req1("status", NULL, NULL), EBUSY, "busy now");
	fake_api_fail_next(EIO, "");
	expect_error(req1("stats", NULL, NULL), EIO, "stats: Input/output error");
	expect_error(req1("backend.weight",
			  "{'vip':'10.99.100.9:80/tcp','address':'10.99.1.1','weight':5}", NULL),
		     ENOENT, "no VIP 10.99.100.9:80/tcp");
	expect_error(req1("backend.weight",
			  "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.1','weight':70000}",
			  NULL),
		     EINVAL, "weight: 70000 is out of range (expected 0..65535)");
	/* a failed check keeps its result (the diagnostics as a list) */
	r = req1("config.check", "{'text':'an error','path':'t.yaml'}", NULL);
	assert_int_equal(status_of(r), EINVAL);
	assert_string_equal(
	    json_string_value(json_object_get(r, "error")),
	    "t.yaml:10:11: error: vips[0].port: expected 1..65535 or \"any\", got "
	    "\"eighty\"\n"
	    "t.yaml:14:19: error: vips[0].backends[0].weight: 70000 is out of range "
	    "(expected 0..65535)");
	assert_int_equal(json_array_size(json_object_get(json_object_get(r, "result"), "errors")),
			 2);
	json_decref(r);
}

static void test_parse_errors(void **state)
{
	(void)state;
	expect_error(req1("vip.add",
			  "{'address':'10.99.100.3','port':'eighty','protocol':'tcp',"
			  "'backends':[]}",
			  NULL),
		     EINVAL, "args:1:1: error: port: expected 1..65535 or \"any\"");
	expect_error(req1("backend.add",
			  "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.9',"
			  "'weight':70000}",
			  NULL),
		     EINVAL, "args:1:1: error: weight: expected an integer 0..65535");
	/* only the parser saw them; the API was not asked */
	assert_string_equal(fake_api_calls(),
			    J("parse_vip {'address':'10.99.100.3','backends':[],'port':'eighty',"
			      "'protocol':'tcp'}\n"
			      "parse_backend {'address':'10.99.1.9','weight':70000}\n"));
}

static void test_guard_reported(void **state)
{
	json_t *r, *g;

	(void)state;
	r = req1("config.apply", "{'text':'vips: []\\n','path':'new.yaml'}", "{'guard':'30s'}");
	g = json_object_get(expect_ok(r), "guard");
	assert_true(json_is_object(g));
	assert_int_equal(json_integer_value(json_object_get(g, "generation")), 8);
	assert_int_equal(json_integer_value(json_object_get(g, "remaining_ms")), 20);
	json_decref(r);
	assert_string_equal(fake_api_calls(), "config_apply uid=0 origin=cli dry_run=0 "
					      "guard_ms=30000 path=new.yaml text=9\nstatus\n");
}

static void test_note(void **state)
{
	json_t *r;

	(void)state;
	r = req1("status", NULL, NULL);
	assert_null(json_object_get(r, "note"));
	json_decref(r);
	/* a message on success is passed on as a note */
	fake_api_note_next("weight 0: this backend takes no new flows");
	r = req1("backend.weight", "{'vip':'10.99.100.1:80/tcp','address':'10.99.1.1','weight':0}",
		 NULL);
	expect_ok(r);
	assert_string_equal(json_string_value(json_object_get(r, "note")),
			    "weight 0: this backend takes no new flows");
	json_decref(r);
}

/* ------------------------------------------------------------------------ */
/* Many clients, slow clients */

static void test_many_clients(void **state)
{
	int fd[SL_SERVER_DEFAULT_CLIENTS], extra;
	json_t *r;

	(void)state;
	for (int i = 0; i < SL_SERVER_DEFAULT_CLIENTS; i++)
		fd[i] = cl_connect();
	for (int i = 0; i < 8; i++)
		pump();
	assert_int_equal(sl_server_nb_clients(srv), SL_SERVER_DEFAULT_CLIENTS);
	/* every one sends before any reads */
	for (int i = 0; i < SL_SERVER_DEFAULT_CLIENTS; i++) {
		char b[128];

		snprintf(b, sizeof(b), "{\"version\":1,\"id\":%d,\"command\":\"status\"}",
			 1000 + i);
		cl_send_frame(fd[i], b);
	}
	for (int i = 0; i < SL_SERVER_DEFAULT_CLIENTS; i++) {
		r = cl_recv(fd[i]);
		expect_ok(r);
		assert_int_equal(json_integer_value(json_object_get(r, "id")), 1000 + i);
		json_decref(r);
	}
	/* one too many: told so and closed */
	extra = cl_connect();
	for (int i = 0; i < 8; i++)
		pump();
	r = cl_recv(extra);
	assert_true(json_is_null(json_object_get(r, "id")));
	expect_error(r, EBUSY, "too many clients (at most 64)");
	assert_eof(extra);
	close(extra);
	assert_int_equal(sl_server_nb_clients(srv), SL_SERVER_DEFAULT_CLIENTS);
	/* a slot freed is a slot usable */
	close(fd[0]);
	for (int i = 0; i < 8; i++)
		pump();
	assert_int_equal(sl_server_nb_clients(srv), SL_SERVER_DEFAULT_CLIENTS - 1);
	fd[0] = cl_connect();
	r = req(fd[0], "status", NULL, NULL);
	expect_ok(r);
	json_decref(r);
	for (int i = 0; i < SL_SERVER_DEFAULT_CLIENTS; i++)
		close(fd[i]);
	for (int i = 0; i < 8; i++)
		pump();
	assert_int_equal(sl_server_nb_clients(srv), 0);
}

static void test_stalled_client(void **state)
{
	const char *body = J("{'version':1,'id':77,'command':'vip.list'}");
	uint32_t be = htonl((uint32_t)strlen(body));
	int a = cl_connect(), b = cl_connect();
	json_t *r;

	(void)state;
	cl_send(a, &be, 2); /* half a length */
	r = req(b, "status", NULL, NULL);
	expect_ok(r);
	json_decref(r);
	cl_send(a, (char *)&be + 2, 2);
	cl_send(a, body, 10); /* half a body */
	r = req(b, "status", NULL, NULL);
	expect_ok(r);
	json_decref(r);
	cl_send(a, body + 10, strlen(body) - 10);
	r = cl_recv(a);
	expect_ok(r);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 77);
	json_decref(r);
	close(a);
	close(b);
	assert_string_equal(fake_api_calls(), "status\nstatus\nvip_list\n");
}

static void test_slow_reader(void **state)
{
	const size_t big = 4u << 20; /* far more than a socket buffer */
	int a = cl_connect(), b = cl_connect();
	json_t *r;
	const char *y;

	(void)state;
	const char *q1 = J("{'version':1,'id':1,'command':'config.show'}");
	const char *q2 = J("{'version':1,'id':2,'command':'health'}");
	char two[256];
	uint32_t be;
	size_t n = 0;

	fake_api_set_show_size(big);
	/* a asks for a large answer and one more thing in one write (so both
	 * arrive in one read), then reads nothing */
	be = htonl((uint32_t)strlen(q1));
	memcpy(two, &be, 4);
	memcpy(two + 4, q1, strlen(q1));
	n = 4 + strlen(q1);
	be = htonl((uint32_t)strlen(q2));
	memcpy(two + n, &be, 4);
	memcpy(two + n + 4, q2, strlen(q2));
	n += 4 + strlen(q2);
	cl_send(a, two, n);
	for (int i = 0; i < 100; i++)
		pump();
	/* b is served meanwhile */
	for (int i = 0; i < 3; i++) {
		r = req(b, "status", NULL, NULL);
		expect_ok(r);
		json_decref(r);
	}
	/* a's second request waits for its first answer to be written */
	assert_string_equal(fake_api_calls(), "config_show generation=0\nstatus\nstatus\nstatus\n");
	r = cl_recv(a);
	y = json_string_value(json_object_get(expect_ok(r), "yaml"));
	assert_non_null(y);
	assert_int_equal(strlen(y), big);
	json_decref(r);
	r = cl_recv(a);
	expect_ok(r);
	assert_int_equal(json_integer_value(json_object_get(r, "id")), 2);
	json_decref(r);
	close(a);
	close(b);
}

/* 20 requests in one write: 8 per turn, the server's fd readable between
 * turns (so the control loop comes back), answers in order. */
static void test_pipeline_turns(void **state)
{
	char buf[20 * 64];
	size_t n = 0;
	int fd = cl_connect();
	struct pollfd p = {.fd = sl_server_fd(srv), .events = POLLIN};
	json_t *r;

	(void)state;
	for (int i = 0; i < 20; i++) {
		char b[64];
		uint32_t be;

		snprintf(b, sizeof(b), "{\"version\":1,\"id\":%d,\"command\":\"status\"}", i);
		be = htonl((uint32_t)strlen(b));
		memcpy(buf + n, &be, 4);
		memcpy(buf + n + 4, b, strlen(b));
		n += 4 + strlen(b);
	}
	cl_send(fd, buf, n); /* runs the server once */
	assert_int_equal(fake_api_nb_calls(), 8);
	assert_int_equal(poll(&p, 1, 0), 1);
	pump();
	assert_int_equal(fake_api_nb_calls(), 16);
	pump();
	assert_int_equal(fake_api_nb_calls(), 20);
	pump();
	assert_int_equal(poll(&p, 1, 0), 0); /* nothing left to do */
	/* and with the sending side shut: all answered, then closed */
	shutdown(fd, SHUT_WR);
	cl_send(fd, "", 0);
	for (int i = 0; i < 20; i++) {
		r = cl_recv(fd);
		expect_ok(r);
		assert_int_equal(json_integer_value(json_object_get(r, "id")), i);
		json_decref(r);
	}
	assert_eof(fd);
	close(fd);
	fd = cl_connect();
	cl_send(fd, buf, n);
	shutdown(fd, SHUT_WR);
	for (int i = 0; i < 20; i++) {
		r = cl_recv(fd);
		assert_int_equal(json_integer_value(json_object_get(r, "id")), i);
		json_decref(r);
	}
	assert_eof(fd);
	close(fd);
	assert_int_equal(fake_api_nb_calls(), 40);
}

static void test_response_too_large(void **state)
{
	json_t *r;

	(void)state;
	fake_api_set_show_size(SL_PROTO_MAX_RESPONSE);
	r = req1("config.show", NULL, NULL);
	assert_int_equal(status_of(r), EMSGSIZE);
	assert_non_null(strstr(json_string_value(json_object_get(r, "error")),
			       "bytes exceeds the 67108864-byte limit"));
	assert_null(json_object_get(r, "result"));
	json_decref(r);
}

static void test_peer_gone(void **state)
{
	int a = cl_connect();
	json_t *r;

	(void)state;
	fake_api_set_show_size(4u << 20);
	cl_send_frame(a, J("{'version':1,'id':1,'command':'config.show'}"));
	close(a); /* gone with a large answer pending */
	for (int i = 0; i < 100; i++)
		pump();
	assert_int_equal(sl_server_nb_clients(srv), 0);
	/* half-closed: the request is still answered */
	a = cl_connect();
	fake_api_set_show_size(0);
	cl_send_frame(a, J("{'version':1,'id':3,'command':'status'}"));
	shutdown(a, SHUT_WR);
	r = cl_recv(a);
	expect_ok(r);
	json_decref(r);
	assert_eof(a);
	close(a);
	assert_int_equal(sl_server_nb_clients(srv), 0);
}

/* ------------------------------------------------------------------------ */
/* Privileges */

/* Runs `json` as uid NOBODY with primary group `gid` and supplementary
 * `groups` in a child; returns the child's verdict: the response's JSON
 * text, or "connect: <errno name>". */
static char *as_user(gid_t gid, const gid_t *groups, size_t ngroups, const char *json)
{
	int p[2];
	pid_t pid;
	char *out = calloc(1, 65536);
	size_t got = 0;
	struct timespec t0, t;
	int st;

	assert_non_null(out);
	assert_int_equal(pipe(p), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sockaddr_un sa;
		struct timeval tv = {.tv_sec = 10};
		uint32_t be;
		char buf[8192];
		size_t len;
		int fd;
		FILE *f;

		close(p[0]);
		f = fdopen(p[1], "w");
		if (setgroups(ngroups, groups) < 0 || setresgid(gid, gid, gid) < 0 ||
		    setresuid(NOBODY, NOBODY, NOBODY) < 0)
			_exit(90);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		memset(&sa, 0, sizeof(sa));
		sa.sun_family = AF_UNIX;
		snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
			fprintf(f, "connect: %s", errno == EACCES ? "EACCES" : strerror(errno));
			fclose(f);
			_exit(0);
		}
		setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
		be = htonl((uint32_t)strlen(json));
		if (write(fd, &be, 4) != 4 ||
		    write(fd, json, strlen(json)) != (ssize_t)strlen(json) ||
		    recv(fd, &be, 4, MSG_WAITALL) != 4)
			_exit(91);
		len = ntohl(be);
		if (len >= sizeof(buf) || recv(fd, buf, len, MSG_WAITALL) != (ssize_t)len)
			_exit(92);
		fwrite(buf, 1, len, f);
		fclose(f);
		_exit(0);
	}
	close(p[1]);
	fcntl(p[0], F_SETFL, O_NONBLOCK);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd pf = {.fd = sl_server_fd(srv), .events = POLLIN};
		ssize_t n = read(p[0], out + got, 65535 - got);

		if (n > 0)
			got += (size_t)n;
		if (n == 0)
			break; /* the child closed the pipe: done */
		/* waiting on another process: bounded by 10 s */
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 10) {
			kill(pid, SIGKILL);
			fail_msg("the child did not finish");
		}
		if (poll(&pf, 1, 10) > 0)
			pump();
	}
	close(p[0]);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	if (WEXITSTATUS(st) != 0)
		fail_msg("child failed with %d", WEXITSTATUS(st));
	return out;
}

/* status and error of a response text from as_user */
static void expect_user(char *text, int status, const char *err)
{
	json_t *r = json_loads(text, 0, NULL);

	if (r == NULL)
		fail_msg("no response: %s", text);
	if (status == 0) {
		expect_ok(r);
		json_decref(r);
	} else {
		expect_error(r, status, err);
	}
	free(text);
}

static const char *weight_req = "{'version':1,'id':1,'command':'backend.weight','args':{'vip':"
				"'10.99.100.1:80/tcp','address':'10.99.1.1','weight':50}}";
static const char *status_req = "{'version':1,'id':1,'command':'status'}";

static void test_privileges(void **state)
{
	const gid_t reader[] = {READ_GID}, both[] = {READ_GID, ADMIN_GID}, admin[] = {ADMIN_GID};
	char *out;

	(void)state;
	if (geteuid() != 0)
		skip();
	start("4243", "4242");
	/* read group: reads, may not change */
	expect_user(as_user(NOBODY, reader, 1, J(status_req)), 0, NULL);
	expect_user(as_user(NOBODY, reader, 1, J(weight_req)), EPERM,
		    "command backend.weight changes state: needs root or group 4243");
	/* privilege comes before argument checks */
	expect_user(as_user(NOBODY, reader, 1,
			    J("{'version':1,'id':1,'command':'backend.weight','args':{}}")),
		    EPERM, "command backend.weight changes state: needs root or group 4243");
	assert_string_equal(fake_api_calls(), "status\n");
	/* admin group (reaching the socket through the read group): changes,
	 * recorded under its uid */
	expect_user(as_user(NOBODY, both, 2, J(weight_req)), 0, NULL);
	assert_string_equal(fake_api_calls(),
			    "status\nbackend_weight uid=65534 origin=cli dry_run=0 guard_ms=0 "
			    "vip=10.99.100.1:80/tcp address=10.99.1.1 weight=50\n");
	/* the primary group counts as well */
	expect_user(as_user(ADMIN_GID, reader, 1, J(weight_req)), 0, NULL);
	/* neither group: the socket's mode keeps it out */
	out = as_user(NOBODY, NULL, 0, J(status_req));
	assert_string_equal(out, "connect: EACCES");
	free(out);
	/* admin group only: the socket belongs to the read group */
	out = as_user(NOBODY, admin, 1, J(status_req));
	assert_string_equal(out, "connect: EACCES");
	free(out);
	/* the socket opened to everyone by hand: still refused, by the server */
	assert_int_equal(chmod(sock_path, 0666), 0);
	expect_user(as_user(NOBODY, NULL, 0, J(status_req)), EPERM,
		    "command status reads state: needs root, group 4243 or group 4242");
	expect_user(as_user(NOBODY, NULL, 0, J(weight_req)), EPERM,
		    "command backend.weight changes state: needs root or group 4243");
}

static void test_privileges_owner_only(void **state)
{
	char *out;

	(void)state;
	if (geteuid() != 0)
		skip();
	start(NULL, NULL);
	out = as_user(NOBODY, NULL, 0, J(status_req));
	assert_string_equal(out, "connect: EACCES");
	free(out);
	assert_int_equal(chmod(sock_path, 0666), 0);
	expect_user(as_user(NOBODY, NULL, 0, J(status_req)), EPERM,
		    "command status reads state: needs root");
	assert_int_equal(fake_api_nb_calls(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_setup_teardown(test_socket_default_mode, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_socket_group_modes, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_socket_group_names, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_socket_live_refused, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_socket_stale_replaced, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_socket_not_a_socket, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_free_unlinks_own_socket_only, setup_started,
					    teardown),
	    cmocka_unit_test_setup_teardown(test_create_bad_path, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_framing_and_id, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_version, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_oversized_request, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_largest_request, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_malformed, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_bad_envelope, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_unknown_command, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_commands, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_args_checked, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_options, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_dispatch, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_api_errors, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_parse_errors, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_guard_reported, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_note, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_many_clients, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_stalled_client, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_slow_reader, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_pipeline_turns, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_response_too_large, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_peer_gone, setup_started, teardown),
	    cmocka_unit_test_setup_teardown(test_privileges, setup, teardown),
	    cmocka_unit_test_setup_teardown(test_privileges_owner_only, setup, teardown),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
