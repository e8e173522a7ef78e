#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# Prepare a Debian 12 machine to build, test and run sluice.  Idempotent: a
# rerun on a prepared machine only checks and returns within a second or two.
#
#   1. installs the Debian packages the project needs (apt-get; skipped when
#      dpkg already has every one of them);
#   2. reserves 2 MiB hugepages (SLUICE_HUGEPAGES, default 1024 = 2 GiB; an
#      existing larger reservation is kept; 0 skips this step);
#   3. mounts hugetlbfs at /dev/hugepages and bpffs at /sys/fs/bpf if needed.
#
# Runs as root, or through sudo when it is available.  Needs no stdin.
set -euo pipefail

PACKAGES=(
	build-essential make git
	dpdk dpdk-dev libdpdk-dev
	meson ninja-build pkg-config
	gcc clang llvm libclang-rt-14-dev clang-format
	libcmocka-dev libyaml-dev libjansson-dev libbpf-dev libxdp-dev libnuma-dev
	libmicrohttpd-dev curl
	python3 python3-pyelftools
	iproute2 ethtool valgrind tshark
	lua5.4 nginx
)
HUGEPAGES=${SLUICE_HUGEPAGES:-1024}
HP_SYSFS=/sys/kernel/mm/hugepages/hugepages-2048kB
HP_MNT=/dev/hugepages
BPF_MNT=/sys/fs/bpf

say() { printf 'setup: %s\n' "$*"; }
die() {
	printf 'setup: error: %s\n' "$*" >&2
	exit 1
}

SUDO=
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || die "must run as root (sudo not found)"
	SUDO=sudo
fi

case "$HUGEPAGES" in
'' | *[!0-9]*) die "SLUICE_HUGEPAGES must be a number of 2 MiB pages, got '$HUGEPAGES'" ;;
esac

install_packages()
{
	local missing=() p
	for p in "${PACKAGES[@]}"; do
		# db:Status-Abbrev is "ii " only for a fully installed package.
		if [ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" != "ii " ]; then
			missing+=("$p")
		fi
	done
	if [ ${#missing[@]} -eq 0 ]; then
		say "packages: all ${#PACKAGES[@]} installed"
		return
	fi
	say "packages: installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# tshark asks whether non-root users may capture; answer no, without a prompt.
	echo 'wireshark-common wireshark-common/install-setuid boolean false' |
		$SUDO debconf-set-selections
	$SUDO apt-get update -q || die "apt-get update failed"
	$SUDO apt-get install -y -q --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"${missing[@]}" </dev/null || die "apt-get install failed"
	for p in "${missing[@]}"; do
		[ "$(dpkg-query -W -f='${db:Status-Abbrev}' "$p" 2>/dev/null)" = "ii " ] ||
			die "package $p is still not installed after apt-get"
	done
	# Debian starts and enables nginx's system service on install.  The
	# test world (tools/world.sh) runs nginx of its own per backend in
	# network namespaces and needs no service on the host's port 80: one
	# installed here is stopped and disabled.  (An nginx that was installed
	# before is left as it is.)
	if [[ " ${missing[*]} " == *" nginx "* ]] && command -v systemctl >/dev/null 2>&1 &&
		[ -d /run/systemd/system ]; then
		$SUDO systemctl disable --now nginx >/dev/null 2>&1 &&
			say "packages: nginx's system service stopped and disabled (the test world runs its own)"
	fi
	say "packages: done"
}

reserve_hugepages()
{
	local cur got
	if [ "$HUGEPAGES" -eq 0 ]; then
		say "hugepages: SLUICE_HUGEPAGES=0, not touching the reservation"
		return
	fi
	[ -w "$HP_SYSFS/nr_hugepages" ] || [ -n "$SUDO" ] ||
		die "hugepages: $HP_SYSFS/nr_hugepages is not writable (no 2 MiB hugepage support, or /sys is read-only in this container)"
	cur=$(cat "$HP_SYSFS/nr_hugepages")
	if [ "$cur" -ge "$HUGEPAGES" ]; then
		say "hugepages: $cur x 2 MiB reserved (want >= $HUGEPAGES), keeping it"
		return
	fi
	say "hugepages: raising 2 MiB reservation from $cur to $HUGEPAGES"
	echo "$HUGEPAGES" | $SUDO tee "$HP_SYSFS/nr_hugepages" >/dev/null ||
		die "hugepages: could not write $HP_SYSFS/nr_hugepages"
	got=$(cat "$HP_SYSFS/nr_hugepages")
	if [ "$got" -lt "$HUGEPAGES" ]; then
		# Fragmented memory: compact once and try again before giving up.
		echo 1 | $SUDO tee /proc/sys/vm/compact_memory >/dev/null 2>&1 || true
		echo "$HUGEPAGES" | $SUDO tee "$HP_SYSFS/nr_hugepages" >/dev/null || true
		got=$(cat "$HP_SYSFS/nr_hugepages")
	fi
	if [ "$got" -lt "$HUGEPAGES" ]; then
		die "hugepages: asked the kernel for $HUGEPAGES x 2 MiB but HugePages_Total is $got" \
			"(not enough free contiguous memory). Free memory, or set SLUICE_HUGEPAGES lower" \
			"(tests run with --no-huge; SLUICE_HUGEPAGES=0 skips this step)."
	fi
	say "hugepages: HugePages_Total (2 MiB) = $got"
}

mount_fs()
{
	local type=$1 dir=$2 opts=$3
	if mountpoint -q "$dir" 2>/dev/null; then
		say "mount: $dir already mounted ($(findmnt -n -o FSTYPE "$dir" 2>/dev/null || echo '?'))"
		return
	fi
	$SUDO mkdir -p "$dir"
	# shellcheck disable=SC2086 # opts is deliberately split
	$SUDO mount -t "$type" $opts "$type" "$dir" || die "mount: could not mount $type at $dir"
	say "mount: mounted $type at $dir"
}

install_packages
reserve_hugepages
mount_fs hugetlbfs "$HP_MNT" "-o pagesize=2M"
mount_fs bpf "$BPF_MNT" ""
say "ready"
