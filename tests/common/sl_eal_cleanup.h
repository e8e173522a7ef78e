/* SPDX-License-Identifier: BSD-3-Clause
 * Copyright (c) 2026 The sluice authors
 *
 * Header-only, for every test and benchmark program that starts the EAL:
 * remove the EAL's runtime directory (/var/run/dpdk/<file-prefix>) when the
 * process exits.  rte_eal_cleanup leaves the directory behind, and one per
 * test run would pile up.  Call sl_eal_cleanup_at_exit() right after a
 * successful rte_eal_init().
 */
#ifndef SL_EAL_CLEANUP_H
#define SL_EAL_CLEANUP_H

#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>

static char sl_eal_runtime_dir[PATH_MAX];

static inline int sl_eal_rm_one(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	remove(path);
	return 0;
}

static inline void sl_eal_rm_runtime_dir(void)
{
	/* Only a directory under the EAL's runtime root, never "" or "/". */
	if (strncmp(sl_eal_runtime_dir, "/var/run/dpdk/", 14) == 0 ||
	    strstr(sl_eal_runtime_dir, "/dpdk/") != NULL)
		nftw(sl_eal_runtime_dir, sl_eal_rm_one, 8, FTW_DEPTH | FTW_PHYS);
}

static inline void sl_eal_cleanup_at_exit(void)
{
	snprintf(sl_eal_runtime_dir, sizeof(sl_eal_runtime_dir), "%s", rte_eal_get_runtime_dir());
	atexit(sl_eal_rm_runtime_dir);
}

#endif /* SL_EAL_CLEANUP_H */
