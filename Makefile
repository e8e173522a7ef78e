# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The sluice authors
#
# Thin wrapper over meson.  On a bare machine use tools/run TARGET, which
# installs make itself (and everything else) before calling this file.
#
#   make deps     install packages, reserve hugepages, mount hugetlbfs/bpffs
#   make build    release build in build/
#   make asan     ASan+UBSan debug build in build-asan/
#   make fuzz     libFuzzer build in build-fuzz/ (clang) and its smoke suite
#   make test     deps, build, every suite, the ASan+UBSan suites, fuzz, lint;
#                 ends with "N passed, N failed" and fails if any stage failed
#   make demo     deps, build, tools/demo.sh
#   make bench    deps, build, tools/bench.sh
#   make lint     tools/lint.sh (also runs as meson test suite 'lint')
#   make format   clang-format -i every C file
#   make clean    remove the three build directories
#
# Build directories can be moved: make BUILD=b ASAN_BUILD=b-asan FUZZ_BUILD=b-fuzz

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

BUILD      ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
C_DIRS     := dataplane control tools tests

SAN_OPTS   := -Db_sanitize=address,undefined -Db_lundef=false
# Suites that do not belong in the sanitizer build: lint is not code under
# test, e2e drives the daemon in network namespaces with real timing.
ASAN_SKIP  := --no-suite lint --no-suite e2e --no-suite bench

LSAN_SUPP  := $(CURDIR)/tests/lsan.supp
export ASAN_OPTIONS  ?= halt_on_error=1:abort_on_error=1:print_stacktrace=1:detect_leaks=1
export UBSAN_OPTIONS ?= halt_on_error=1:abort_on_error=1:print_stacktrace=1
ifneq ($(wildcard $(LSAN_SUPP)),)
export LSAN_OPTIONS  ?= suppressions=$(LSAN_SUPP):print_suppressions=0
endif

# Scripts started from here (demo, bench) find the build through this.
export SLUICE_BUILD := $(abspath $(BUILD))

.PHONY: all deps build asan fuzz test test-unit test-asan test-fuzz summary \
	demo bench lint format clean

all: build

# tools/run has already run setup.sh and says so with SLUICE_SETUP_DONE=1.
deps:
ifneq ($(SLUICE_SETUP_DONE),1)
	bash tools/setup.sh
endif

build:
	@[ -f $(BUILD)/build.ninja ] || meson setup $(BUILD) --buildtype=release
	ninja -C $(BUILD)

asan:
	@[ -f $(ASAN_BUILD)/build.ninja ] || \
		meson setup $(ASAN_BUILD) --buildtype=debug $(SAN_OPTS)
	ninja -C $(ASAN_BUILD)

fuzz:
	@[ -f $(FUZZ_BUILD)/build.ninja ] || \
		CC=clang meson setup $(FUZZ_BUILD) --buildtype=debugoptimized \
			-Dfuzz=true $(SAN_OPTS)
	ninja -C $(FUZZ_BUILD)
	meson test -C $(FUZZ_BUILD) --suite fuzz --print-errorlogs

test-unit: build
	meson test -C $(BUILD) --print-errorlogs

test-asan: asan
	meson test -C $(ASAN_BUILD) $(ASAN_SKIP) --print-errorlogs

test-fuzz: fuzz

# Every stage runs even when an earlier one failed, so one CI run reports
# everything; the recipe then fails if any stage did.
test: deps
	@rm -f $(BUILD)/meson-logs/testlog.json $(ASAN_BUILD)/meson-logs/testlog.json \
		$(FUZZ_BUILD)/meson-logs/testlog.json
	@failed=; \
	for stage in unit asan fuzz; do \
		echo "=== make test: $$stage ==="; \
		$(MAKE) --no-print-directory test-$$stage || failed="$$failed $$stage"; \
	done; \
	[ -z "$$failed" ] || echo "make test: FAILED stages:$$failed"; \
	$(MAKE) --no-print-directory summary FAILED_STAGES="$$failed"; \
	[ -z "$$failed" ]

# Adds up meson's testlog.json of every build that ran.  A stage that failed
# before writing any test result (a compile error) counts as one failure.
define SUMMARY_PY
import json, os, sys
builds = dict(unit=sys.argv[1], asan=sys.argv[2], fuzz=sys.argv[3])
failed_stages = os.environ.get("FAILED_STAGES", "").split()
ok_res = {"OK", "EXPECTEDFAIL"}
passed = failed = skipped = 0
for stage, d in builds.items():
    log = os.path.join(d, "meson-logs", "testlog.json")
    if not os.path.exists(log):
        if stage in failed_stages:
            print(f"{stage}: no test results in {d} (build or setup failed)")
            failed += 1
        continue
    p = f = s = 0
    with open(log) as fh:
        for line in fh:
            if not line.strip():
                continue
            r = json.loads(line).get("result", "")
            if r in ok_res:
                p += 1
            elif r == "SKIP":
                s += 1
            else:
                f += 1
    print(f"{stage} ({d}): {p} passed, {f} failed, {s} skipped")
    passed += p
    failed += f
    skipped += s
print(f"skipped: {skipped}")
print(f"{passed} passed, {failed} failed")
endef
export SUMMARY_PY

summary:
	@python3 -c "$$SUMMARY_PY" $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)

demo: deps build
	@[ -f tools/demo.sh ] || { echo "tools/demo.sh is not written yet" >&2; exit 1; }
	bash tools/demo.sh

bench: deps build
	@[ -f tools/bench.sh ] || { echo "tools/bench.sh is not written yet" >&2; exit 1; }
	bash tools/bench.sh

lint:
	bash tools/lint.sh

format:
	find $(C_DIRS) -name '*.[ch]' -print0 | xargs -0 -r clang-format -i

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
