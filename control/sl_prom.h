/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Prometheus exposition: the text format (version 0.0.4) of a metrics copy,
 * and an HTTP endpoint that serves it.
 *
 * The endpoint is libmicrohttpd with its own internal polling thread (one
 * thread, event-driven: a slow or idle client holds a connection slot, not
 * the thread).  That thread reads only the published copy (sl_metrics_get),
 * never control-thread state, so nothing a client does can delay the
 * control thread.  Limits: 32 connections in all, 8 per client address, 10
 * seconds of idleness per connection, 16 KiB of request memory.  GET or
 * HEAD of /metrics answers 200 with the text; any other path 404, any other
 * method 405; before the first copy is published, 503.
 *
 * Names, types and labels: docs/METRICS.md.
 */
#ifndef SL_PROM_H
#define SL_PROM_H

#include <stddef.h>
#include <stdint.h>

#include "sl_metrics.h"

#define SL_PROM_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* The exposition text of `m`: a malloc'd NUL-terminated string (length in
 * *len), or NULL when out of memory.  Pure: any thread. */
char *sl_prom_format(const struct sl_metrics *m, size_t *len);

struct sl_prom_server;

/* Listen on `listen` ("A.B.C.D:PORT" or "[IPv6]:PORT"; port 0 picks a free
 * one, see sl_prom_server_port) and serve the copies published in `pub`.
 * The server's thread inherits the calling thread's CPU affinity: sluiced
 * starts it from the control thread, so it never lands on a worker lcore.
 * Returns NULL with a message in err on failure (bad address, bind error). */
struct sl_prom_server *sl_prom_server_start(const char *listen, struct sl_metrics_pub *pub,
					    char *err, size_t err_len);
/* The port it listens on (host order). */
uint16_t sl_prom_server_port(const struct sl_prom_server *s);
/* Stop the thread, close every connection, free (NULL: nothing). */
void sl_prom_server_stop(struct sl_prom_server *s);

#endif /* SL_PROM_H */
