#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# Lint every C file under dataplane/ control/ tools/ tests/:
#   - APIs DPDK 22.11 deprecates: rte_atomicNN_* and rte_smp_[rw]mb (use C11
#     <stdatomic.h> or the __atomic builtins with an explicit memory order),
#     GCC's __sync_* builtins (full barrier, no memory order), and a raw
#     pthread_create() (use rte_ctrl_thread_create so the thread gets DPDK's
#     control-thread affinity and a name);
#   - clang-format --dry-run --Werror against the repo's .clang-format.
# Exits non-zero, naming file and line, on any finding.  Run from anywhere.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

mapfile -d '' files < <(find dataplane control tools tests -type f \
	\( -name '*.c' -o -name '*.h' \) -print0 2>/dev/null | sort -z)
if [ ${#files[@]} -eq 0 ]; then
	echo "lint: no C files found"
	exit 0
fi

status=0

# [^_[:alnum:]] before pthread_create lets rte_ctrl_thread_create pass.
forbidden='rte_atomic(16|32|64)_|__sync_|(^|[^_[:alnum:]])pthread_create[[:space:]]*\(|rte_smp_[rw]mb'
if grep -nHE "$forbidden" "${files[@]}"; then
	echo "lint: forbidden API above (DPDK 22.11: C11 atomics or __atomic builtins with" \
		"an explicit memory order; rte_ctrl_thread_create instead of pthread_create)" >&2
	status=1
fi

if ! command -v clang-format >/dev/null 2>&1; then
	echo "lint: clang-format not found; install it (tools/setup.sh does)" >&2
	exit 1
fi
unformatted=()
for f in "${files[@]}"; do
	if ! clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
		unformatted+=("$f")
	fi
done
if [ ${#unformatted[@]} -gt 0 ]; then
	printf 'lint: not clang-formatted: %s\n' "${unformatted[@]}" >&2
	echo "lint: fix with 'make format' (or clang-format -i FILE); first diff:" >&2
	clang-format --dry-run --Werror "${unformatted[0]}" 2>&1 | head -n 20 >&2 || true
	status=1
fi

[ $status -eq 0 ] && echo "lint: ${#files[@]} C files clean"
exit $status
