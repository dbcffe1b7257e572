# lprobe -- see README.md.  `make` builds build/lprobe (static, musl).
# make deps | demo | test | unit | integration | sanitize | valgrind | fuzz | fuzz-replay | bench | clean
# make arm64: build/arm64/lprobe for linux/arm64 (cross, see scripts/deps-arm64.sh)
# make TLS=openssl: build/openssl/lprobe, OpenSSL 3 in place of BearSSL (mk/openssl.mk)

ifeq ($(ARCH),arm64)
MULTIARCH := aarch64-linux-gnu
CC_MUSL  := aarch64-linux-gnu-gcc -specs=/usr/lib/aarch64-linux-musl/musl-gcc.specs
BUILD    ?= build/arm64
else
MULTIARCH := $(shell gcc -print-multiarch)
CC_MUSL  ?= musl-gcc
BUILD    ?= build
endif
CC_HOST  ?= cc
WARN     := -Wall -Wextra -Wconversion -Wshadow -Wstrict-prototypes
CSTD     := -std=c11 -D_DEFAULT_SOURCE
CFLAGS   ?= -Os
HARDEN   := -fstack-protector-strong -fno-plt
SIZEOPT  := -ffunction-sections -fdata-sections -fno-asynchronous-unwind-tables \
            -fno-unwind-tables -fmerge-all-constants
LDSTATIC := -static -s -Wl,--gc-sections -Wl,-z,relro,-z,now -Wl,--build-id=none
ifdef WERROR
WARN += -Werror
endif

# Debian's static archives (built for glibc; see src/fortify_shims.c).
# musl-gcc does not search /usr/include, so their headers are reached
# through a private include directory of symlinks.
LIBDIR   := /usr/lib/$(MULTIARCH)
LIBS     := $(LIBDIR)/libnghttp2.a $(LIBDIR)/libbearssl.a $(LIBDIR)/libz.a
INC      := $(BUILD)/include

SRC  := $(filter-out src/main.c src/fortify_shims.c src/alloc.c,$(wildcard src/*.c))
OBJ  := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRC) src/main.c src/fortify_shims.c src/alloc.c)
HDR  := $(wildcard src/*.h)

include mk/openssl.mk

.PHONY: all deps demo test unit integration sanitize valgrind fuzz fuzz-replay bench clean format arm64
all: $(BUILD)/lprobe

$(BUILD)/obj/%.o: src/%.c $(HDR) | $(BUILD)/obj $(INC)/.done
	$(CC_MUSL) $(CSTD) $(CFLAGS) $(WARN) $(HARDEN) $(SIZEOPT) -isystem $(INC) -c $< -o $@

$(INC)/.done:
	mkdir -p $(INC)
	ln -sfn /usr/include/bearssl.h /usr/include/bearssl /usr/include/nghttp2 \
		/usr/include/zlib.h /usr/include/zconf.h /usr/include/linux \
		/usr/include/asm-generic /usr/include/$(MULTIARCH)/asm $(INC)/
	touch $@

$(BUILD)/lprobe: $(OBJ)
	$(CC_MUSL) $(LDSTATIC) -o $@ $(OBJ) $(LIBS)
	@size=$$(stat -c %s $@); echo "built $@ ($$size bytes)"

$(BUILD)/obj:
	mkdir -p $@

deps:
	sh scripts/deps.sh

# linux/arm64: cross-compiled against Debian's arm64 archives (multiarch),
# then smoke-tested under qemu-user (tests/arm64-smoke.sh).
arm64:
	sh scripts/deps-arm64.sh
	$(MAKE) ARCH=arm64 all
	sh tests/arm64-smoke.sh build/arm64/lprobe

demo: deps all
	sh scripts/demo.sh

# --- tests ----------------------------------------------------------------
UNIT_TESTS := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
UNIT_CFLAGS := $(CSTD) -g -O1 $(WARN) -Isrc
# every module is compiled once into an archive; each test links it (a
# test pulls in only the objects it needs)
UNIT_OBJ := $(patsubst src/%.c,$(BUILD)/unit/obj/%.o,$(SRC))
UNIT_LIB := $(BUILD)/unit/liblp.a

$(BUILD)/unit/obj/%.o: src/%.c $(HDR) | $(BUILD)/unit/obj
	$(CC_HOST) $(UNIT_CFLAGS) $(SANITIZE) -c $< -o $@

$(UNIT_LIB): $(UNIT_OBJ)
	rm -f $@
	ar rcs $@ $(UNIT_OBJ)

$(BUILD)/unit/%: tests/unit/%.c $(UNIT_LIB) $(HDR) | $(BUILD)/unit
	$(CC_HOST) $(UNIT_CFLAGS) $(SANITIZE) -o $@ $< $(UNIT_LIB) -lcmocka -lbearssl -lnghttp2 -lz

$(BUILD)/unit $(BUILD)/unit/obj:
	mkdir -p $@

unit: $(UNIT_TESTS)
	@set -e; for t in $(UNIT_TESTS); do echo "== $$t"; $$t; done

PYTEST := /usr/bin/python3 -m pytest
integration: all
	$(PYTEST) -q tests/integration

# The gate is deterministic: the fuzz targets replay their committed
# corpora and crashers once each (mutation is `make fuzz`).
test: deps
	$(MAKE) WERROR=1 all unit
	$(MAKE) integration
	$(MAKE) WERROR=1 integration-openssl
	sh fuzz/run.sh -replay

# ASan + UBSan: the unit tests, and the whole integration suite against a
# sanitized lprobe (glibc, dynamic: the sanitizer runtimes need it).
SAN := -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer
sanitize:
	$(MAKE) BUILD=$(BUILD)/san CC_HOST=clang SANITIZE="$(SAN)" unit
	clang $(CSTD) -g -O1 $(SAN) -DLP_NO_SECCOMP -Isrc -o $(BUILD)/lprobe-san \
		$(SRC) src/main.c -lbearssl -lnghttp2 -lz
	ASAN_OPTIONS=detect_leaks=1 LPROBE_INSTRUMENTED=1 \
		LPROBE=$(BUILD)/lprobe-san TEST_LPROBE_BINARY=$(BUILD)/lprobe-san \
		$(PYTEST) -q tests/integration

# valgrind memcheck over the integration tests, less the few that time the
# probe to 150 ms (valgrind adds ~1 s to every run); bench/noseccomp lets valgrind run
# a process that installs a seccomp filter.  A memcheck error exits 99.
VG_TESTS := tests/integration/test_http.py tests/integration/test_cli.py \
            tests/integration/test_tls.py tests/integration/test_grpc.py \
            tests/integration/test_groups.py tests/integration/test_log.py \
            tests/integration/test_input.py
valgrind: all $(BUILD)/noseccomp
	printf '#!/bin/sh\nNOSECCOMP_QUIET=1 exec $(CURDIR)/$(BUILD)/noseccomp valgrind -q --error-exitcode=99 $(CURDIR)/$(BUILD)/lprobe "$$@"\n' >$(BUILD)/lprobe-vg
	chmod +x $(BUILD)/lprobe-vg
	LPROBE_INSTRUMENTED=1 LPROBE=$(BUILD)/lprobe-vg TEST_LPROBE_BINARY=$(BUILD)/lprobe-vg \
		$(PYTEST) -q $(VG_TESTS) -k "not bounds_the_wait and not within_deadline"

$(BUILD)/noseccomp: bench/noseccomp.c
	$(CC_HOST) -O2 -o $@ $<

fuzz-replay:
	sh fuzz/run.sh -replay

fuzz:
	FUZZ_TIME=$${FUZZ_TIME:-60} sh fuzz/run.sh

bench: all
	bash bench/run.sh

format:
	clang-format -i src/*.c src/*.h tests/unit/*.c fuzz/*.c bench/*.c

clean:
	rm -rf $(BUILD)
include mk/ship.mk
