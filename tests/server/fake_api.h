/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * A fake of the internal API (control/sl_api.h) for testing the control
 * socket server and sluicectl without the daemon: every sl_api_* function
 * returns canned, realistic results and records its call as one line of
 * text ("backend_weight uid=0 origin=cli dry_run=0 guard_ms=0 vip=... ").
 *
 * The fake knows two VIPs, 10.99.100.1:80/tcp (backends 10.99.1.1,
 * 10.99.1.2, backup 10.99.1.3) and [fd00:99::1]:443/tcp (fd00:99::10);
 * others are "no VIP ..." (ENOENT).  Changes bump the generation and add a
 * history entry but do not change the VIP set.  `config apply` with a guard
 * reports the guard in `status` for two calls; when the applied text
 * contains "rollback-me" the guard then rolls back (a new generation with
 * origin "guard"; with "rollback-quiet", origin "rollback").  Text containing "error" fails config
 * check/apply.
 *
 * Also provides the config parser entry points the server uses
 * (sl_config_parse_vip/backend, sl_config_vip_clear) as JSON-only stubs in
 * fake_config.c.  Single instance, not thread-safe (tests are not threaded).
 */
#ifndef FAKE_API_H
#define FAKE_API_H

#include <stddef.h>
#include <stdio.h>

struct sl_api;

/* The fake's one instance, reset to its initial state (generation 7, empty
 * call log, no failure armed). */
struct sl_api *fake_api_reset(void);
/* Recorded calls, one per line ("" when none). */
const char *fake_api_calls(void);
size_t fake_api_nb_calls(void);
/* Also write every recorded call (and flush) to f; NULL stops. */
void fake_api_set_log(FILE *f);
/* The next API call (any function) fails with -err and this message. */
void fake_api_fail_next(int err, const char *msg);
/* The next API call succeeds as usual and leaves this message (a note). */
void fake_api_note_next(const char *msg);
/* Record one call (the fake config parser uses it too). */
void fake_api_record(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* config.show returns a YAML text of `bytes` bytes (0: the normal one). */
void fake_api_set_show_size(size_t bytes);

#endif /* FAKE_API_H */
