# mk/openssl.mk -- the OpenSSL 3 flavour of lprobe (issue 12), included by
# the Makefile after SRC/OBJ/LIBS are set and before any rule uses them.
#
#   make TLS=openssl             -> build/openssl/lprobe (TLS 1.2 and 1.3)
#   make ARCH=arm64 TLS=openssl  -> build/arm64/openssl/lprobe
#
# The default flavour (BearSSL, TLS 1.2) leaves the OpenSSL sources out.
# Debian's libssl.a/libcrypto.a are built for glibc: src/openssl_shims.c
# supplies what musl lacks.

LP_OSSL_SRC := src/tls_openssl.c src/openssl_shims.c src/openssl_provider.c
.DEFAULT_GOAL := all # the rules below come before the Makefile's first

ifeq ($(TLS),openssl)
# Own build directory, unless the caller named one (arm64-smoke's twin).
ifeq ($(origin BUILD),file)
BUILD    := $(BUILD)/openssl
endif
INC      := $(BUILD)/include
CSTD     += -DLP_TLS_OPENSSL
# OpenSSL allocates from the same bounded arena (arena.h) as nghttp2 and
# zlib.  Measured peaks (-v): one HTTPS probe 184 KiB with one CA file,
# 1104 KiB with the 145-certificate system bundle; 16 HTTPS groups sharing
# the bundle 2199 KiB (one SSL_CTX, ~70 KiB per connection).  16 gRPC
# groups add 16 nghttp2 sessions (28 KiB each): 4 MiB holds that with room.
CSTD     += -DLP_ARENA_SIZE='(4 * 1024 * 1024)'
SRC      := $(filter-out src/tls.c,$(SRC))
LIBS     := $(LIBDIR)/libnghttp2.a $(LIBDIR)/libssl.a $(LIBDIR)/libcrypto.a $(LIBDIR)/libz.a
OBJ      := $(patsubst src/%.c,$(BUILD)/obj/%.o,$(SRC) src/main.c src/fortify_shims.c src/alloc.c)

# OpenSSL's headers: the generic ones plus the two per-architecture ones
# (configuration.h, opensslconf.h) that Debian keeps under the multiarch
# directory, gathered in one private directory (musl-gcc must not see
# /usr/include as a whole).
$(OBJ): | $(INC)/openssl/.done
$(INC)/openssl/.done: | $(INC)/.done
	mkdir -p $(INC)/openssl
	ln -sf /usr/include/openssl/*.h /usr/include/$(MULTIARCH)/openssl/*.h $(INC)/openssl/
	touch $@
else
SRC      := $(filter-out $(LP_OSSL_SRC),$(SRC))
OBJ      := $(filter-out $(patsubst src/%.c,$(BUILD)/obj/%.o,$(LP_OSSL_SRC)),$(OBJ))
endif

# linux/arm64 flavour, smoke-tested under qemu-user like `make arm64`.
.PHONY: arm64-openssl
arm64-openssl:
	sh scripts/deps-arm64.sh
	$(MAKE) ARCH=arm64 TLS=openssl all
	TLS=openssl sh tests/arm64-smoke.sh build/arm64/openssl/lprobe

# The TLS tests once more, against the OpenSSL build (make test runs both):
# HTTPS, gRPC over TLS, the sandbox's strace checks (files opened,
# getrandom, confinement after the last connect; a TLS probe under the
# filter), the live filter of a waiting probe, and the floods (OpenSSL's
# record loops end by the deadline too), and several groups in one run
# (TLS files loaded once per group of flags, one SSL_CTX each).
.PHONY: integration-openssl
integration-openssl:
	$(MAKE) TLS=openssl all
	LPROBE=build/openssl/lprobe TEST_LPROBE_BINARY=build/openssl/lprobe \
		$(PYTEST) -q tests/integration/test_tls.py tests/integration/test_grpc.py \
		tests/integration/test_sandbox.py tests/integration/test_confinement.py \
		tests/integration/test_flood.py tests/integration/test_groups.py
