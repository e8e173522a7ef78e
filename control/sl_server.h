/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * The control socket: a unix SOCK_STREAM socket that sluicectl (and
 * scripts) use to query and change the daemon through the internal API
 * (sl_api.h).  The protocol is described in docs/PROTOCOL.md; in short,
 * every message is a 4-byte big-endian length followed by that many bytes
 * of JSON:
 *
 *   request  {"version": 1, "id": N, "command": "backend.weight",
 *             "args": {...}, "options": {"dry_run": true, "guard": "30s"}}
 *   response {"version": 1, "id": N, "status": 0 | errno,
 *             "error": "..." (when status != 0), "result": {...}}
 *
 * The server runs on the control thread and never blocks: the control loop
 * adds sl_server_fd() (an epoll fd) to its own epoll set and calls
 * sl_server_run() whenever it is readable.  Every client has its own input
 * and output buffers; a client that sends half a message, or does not read
 * its responses, only holds its own slot.  A client's requests run one at a
 * time and at most 8 per sl_server_run call; the rest keep the fd readable
 * for the next call.
 *
 * Privileges come from SO_PEERCRED/SO_PEERGROUPS at accept time: root and
 * the daemon's own uid may run every command; members of admin_group may too;
 * members of read_group may run the commands that do not change state.
 * Anyone else (who could only connect if the socket's mode was widened by
 * hand) is refused every command.
 *
 * This header is also included by sluicectl for the protocol constants; it
 * pulls in no DPDK or jansson header.
 */
#ifndef SL_SERVER_H
#define SL_SERVER_H

#include <stddef.h>
#include <stdint.h>

/* Protocol version spoken by this server and sluicectl. */
#define SL_PROTO_VERSION 1
/* A request larger than this is refused with EMSGSIZE and the connection is
 * closed (its framing can no longer be trusted). */
#define SL_PROTO_MAX_REQUEST (1u << 20)
/* A response is at most this large; a larger result is replaced by an
 * EMSGSIZE error. */
#define SL_PROTO_MAX_RESPONSE (64u << 20)
/* Bytes of the length prefix. */
#define SL_PROTO_HDR 4

#define SL_SERVER_DEFAULT_PATH	  "/run/sluice/sluiced.sock"
#define SL_SERVER_DEFAULT_CLIENTS 64

struct sl_api;
struct sl_server;

/* Create the socket at `path` (NULL = SL_SERVER_DEFAULT_PATH) and the
 * server around `api` (not owned).
 *
 * Groups are given by name or as a decimal gid ("1234"); NULL or "" = none.
 * admin_group members may run every command, read_group members the
 * read-only ones (root and the daemon's own uid may always run everything).
 * Socket mode: 0600 when neither group is set, else 0660 with the socket's
 * group read_group when set, otherwise admin_group (so with both set,
 * admin_group members reach the socket through read_group: make them
 * members of both).
 *
 * The parent directory is created (mode 0755) when missing.  The socket is
 * bound inside a private 0700 temporary directory next to the final path,
 * given its mode and group there, and renamed into place, so it is never
 * reachable with wider permissions than configured.  A stale socket at the
 * path is replaced; a live one (a running daemon answers) or anything that is
 * not a socket is an error.  At most SL_SERVER_DEFAULT_CLIENTS clients are
 * connected at once; one more is answered EBUSY and closed.  Returns NULL
 * with a message in err on failure.  Thread: control (or main before the
 * control thread starts). */
struct sl_server *sl_server_create(const char *path, const char *admin_group,
				   const char *read_group, struct sl_api *api, char *err,
				   size_t err_len);

/* An epoll fd, readable when sl_server_run has work (a new connection, data
 * from a client, room to write a pending response). */
int sl_server_fd(const struct sl_server *s);

/* Do the ready work: accept, read, dispatch complete requests to the API,
 * write responses.  Never blocks (the API calls themselves wait for an RCU
 * grace period after a change, as every change does).  Out of file
 * descriptors, the server stops watching its listening socket (so the loop
 * does not spin on it) until a client closes or the next call: calling it
 * also on the control loop's timeouts resumes accepting sooner.
 * Thread: control. */
void sl_server_run(struct sl_server *s);

/* Connected clients right now (tests, status). */
unsigned sl_server_nb_clients(const struct sl_server *s);

/* Close every client and the socket, unlink the socket path (only when it is
 * still the socket this server created).  NULL is a no-op.  Thread: control. */
void sl_server_free(struct sl_server *s);

#endif /* SL_SERVER_H */
