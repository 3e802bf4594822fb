# The TLS variant (issue 19; README.md, "TLS"): make TLS=1 [VARIANT=...]
# builds into $(BUILDROOT)/tls-$(VARIANT) with Mbed TLS 3.6, which this
# fragment builds from Debian's source package (scripts/mbedtls.sh) with
# our compiler and flags and our own configuration (mk/mbedtls_config.h):
#   $(BUILDROOT)/mbedtls/host   gcc -O2 -g, for the rel and san variants
#   $(BUILDROOT)/mbedtls/musl   the static variant's compiler (musl-gcc)
#                               and flags (-Oz, LTO, ...)
# Without TLS=1 nothing here changes the build.  The TLS sources live one
# folder deeper (core/transport/tls/, tests/unit/tls/) than the default
# build's wildcards reach.
#   make check-tls   the TLS unit tests and tests/bats/tls/ (ASan+UBSan
#                    build)
#   make size-tls    what TLS adds to a static binary (probes)

MBEDTLS_DIR := $(BUILDROOT)/mbedtls
MBEDTLS_DL  ?= $(BUILDROOT)/dl
# Another configuration (for size experiments): make MBEDTLS_CONFIG=file
# with a BUILDROOT of its own.
MBEDTLS_CONFIG ?= mk/mbedtls_config.h
MBEDTLS_CFG := $(abspath $(MBEDTLS_CONFIG))
TLS_SRCS    := $(sort $(wildcard core/transport/tls/*.c))
TLS_UNIT_SRCS := $(sort $(wildcard tests/unit/tls/test_*.c))

.DEFAULT_GOAL := all
.PHONY: check-tls size-tls tls-size-report tls-unit tls-bats mbedtls \
    check-sctp-tls \
    bench-tls tls-bench

# Mbed TLS's own library/Makefile compiles it, once per flavour, each in
# its own unpacked copy (its objects land next to the sources).
# musl is built only from VARIANT=static, so its CC and CFLAGS (expanded
# when the recipe runs) are the static variant's.
$(MBEDTLS_DIR)/host/.built: CC_MBEDTLS := gcc
$(MBEDTLS_DIR)/host/.built: CFLAGS_MBEDTLS := -O2 -g
$(MBEDTLS_DIR)/musl/.built: CC_MBEDTLS = $(CC)
$(MBEDTLS_DIR)/musl/.built: CFLAGS_MBEDTLS = $(RSP_CFLAGS) $(CFLAGS)
$(MBEDTLS_DIR)/%/.built: $(MBEDTLS_CONFIG) scripts/mbedtls.sh
	scripts/mbedtls.sh $(MBEDTLS_DL) $(@D)
	$(MAKE) -C $(@D)/library CC=$(CC_MBEDTLS) AR=gcc-ar \
	    CFLAGS='$(CFLAGS_MBEDTLS) -DMBEDTLS_CONFIG_FILE=\"$(MBEDTLS_CFG)\"' \
	    static
	@touch $@

ifeq ($(TLS),1)
MBEDTLS_FLAVOUR := $(if $(filter static,$(VARIANT)),musl,host)
MBEDTLS := $(MBEDTLS_DIR)/$(MBEDTLS_FLAVOUR)
B := $(BUILDROOT)/tls-$(VARIANT)$(SUFFIX)
TLS_LIB_SRCS := $(TLS_SRCS)
# -isystem: Mbed TLS's headers are not held to our warnings.
RSP_CPPFLAGS += -DRSP_TLS -isystem $(MBEDTLS)/include \
    -DMBEDTLS_CONFIG_FILE=\"$(MBEDTLS_CFG)\"
# The archives are prerequisites of the links (so $^ names them, after
# the objects, and a rebuilt Mbed TLS relinks), not LDLIBS.
MBEDTLS_LIBS := $(addprefix $(MBEDTLS)/library/lib,mbedtls.a mbedx509.a \
    mbedcrypto.a)
$(MBEDTLS_LIBS): $(MBEDTLS)/.built
	@:
TLS_OBJS := $(TLS_SRCS:%.c=$(B)/%.o) \
    $(TLS_UNIT_SRCS:%.c=$(B)/%.o)
TLS_UNIT_BINS := $(TLS_UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
$(TLS_OBJS): | $(MBEDTLS)/.built
$(B)/rsp $(TLS_UNIT_BINS) $(B)/bench/asap_bench: $(MBEDTLS_LIBS)

mbedtls: $(MBEDTLS)/.built

# Fresh test-only keys and certificates at each run.
tls-unit: $(TLS_UNIT_BINS)
	@tests/unit/tls/mkcerts.sh $(B)/tests/tls/certs
	@rc=0; for t in $(TLS_UNIT_BINS); do echo "== $$t"; \
	    TLS_CERTS=$(B)/tests/tls/certs $$t || rc=1; done; exit $$rc

# The applets over TLS: real processes on loopback (tests/bats/tls/).
tls-bats: $(B)/rsp $(B)/bench/asap_bench
	RSP=$(abspath $(B)/rsp) ASAP_BENCH=$(abspath $(B)/bench/asap_bench) \
	    bats tests/bats/tls

# TLS against plain, one registrar (bench/tls.sh; BENCHMARKS.md).
tls-bench: $(B)/rsp $(B)/bench/asap_bench
	RSP=$(B)/rsp ASAP_BENCH=$(B)/bench/asap_bench bench/tls.sh

# What TLS adds to a static binary, from tests/unit/tls/size_probe.c
# built three ways with the static variant's compiler and flags (plain,
# PSK, PSK + certificates); the two TLS probes run their handshakes
# once, so the sizes are of code that works.
comma := ,
PROBE_DIR := $(B)/tests/tls
PROBES := $(addprefix $(PROBE_DIR)/probe-,plain psk cert)
$(PROBE_DIR)/probe-psk: PROBE_DEFS := -DPROBE_PSK
$(PROBE_DIR)/probe-cert: PROBE_DEFS := -DPROBE_PSK -DPROBE_CERT
$(PROBE_DIR)/probe-%: tests/unit/tls/size_probe.c $(TLS_SRCS:%.c=$(B)/%.o) \
    $(MBEDTLS_LIBS)
	@mkdir -p $(@D)
	$(CC) $(RSP_CPPFLAGS) $(CPPFLAGS) $(PROBE_DEFS) $(RSP_CFLAGS) $(CFLAGS) \
	    $(WARN) $(filter-out -Wl$(comma)-Map=%,$(RSP_LDFLAGS) $(LDFLAGS)) \
	    -o $@ $< \
	    $(if $(PROBE_DEFS),$(TLS_SRCS:%.c=$(B)/%.o) $(MBEDTLS_LIBS)) \
	    $(RSP_LDLIBS) $(LDLIBS)

tls-size-report: $(PROBES)
	@tests/unit/tls/mkcerts.sh $(PROBE_DIR)/certs
	$(PROBE_DIR)/probe-psk
	cd $(PROBE_DIR)/certs && ../probe-cert ca.pem registrar.pem \
	    registrar.key registrar.test
	@plain=$$(stat -c %s $(PROBE_DIR)/probe-plain); \
	for p in $(PROBES); do s=$$(stat -c %s $$p); \
	    printf '%-12s %8d bytes, TLS adds %6d bytes = %3d KiB\n' \
	    $${p##*/} $$s $$((s - plain)) $$(((s - plain) / 1024)); done
endif

bench-tls:
	$(MAKE) TLS=1 VARIANT=rel tls-bench

check-tls:
	$(MAKE) TLS=1 VARIANT=san tls-unit tls-bats

# The probes, then rsp itself: the default static binary against the
# TLS one, the whole of it and the router profile (issue 19's budget:
# the TLS build within 140 KiB of the default).
size-tls:
	$(MAKE) TLS=1 VARIANT=static tls-size-report
	@for p in all router; do q=$${p#all}; \
	    $(MAKE) -s --no-print-directory static PROFILE=$$q >/dev/null && \
	    $(MAKE) -s --no-print-directory TLS=1 VARIANT=static \
	        PROFILE=$$q >/dev/null || exit 1; \
	    d=$$(stat -c %s $(BUILDROOT)/static$${q:+-$$q}/rsp); \
	    t=$$(stat -c %s $(BUILDROOT)/tls-static$${q:+-$$q}/rsp); \
	    printf 'rsp %-6s default %7d B, TLS %7d B: +%6d B = +%3d KiB ' \
	        $$p $$d $$t $$((t - d)) $$(((t - d) / 1024)); \
	    [ $$((t - d)) -le $$((140 * 1024)) ] && echo '(budget 140 KiB: ok)' \
	        || echo '(budget 140 KiB: OVER)'; done

# TLS over kernel SCTP (RFC 3436) in the SCTP guest (tests/vm/README.md):
# tests/bats/tls/tls-sctp.bats against the TLS sanitizer build, with
# the guest's dumpcap capture judged by tshark inside the file.
# VM_CACHE: the guest's kernel and initramfs (default $(BUILDROOT)/vm).
check-sctp-tls:
	$(MAKE) TLS=1 VARIANT=san $(BUILDROOT)/tls-san/rsp \
	    $(BUILDROOT)/tls-san/bench/asap_bench
	$(CC) -O2 -Wall -Wextra -Werror -o $(BUILDROOT)/tls-san/sctp-check \
	    tests/vm/sctp-check.c
	VM_CACHE=$(or $(VM_CACHE),$(abspath $(BUILDROOT))/vm) \
	    tests/vm/run-in-guest.sh -t 1500 -e RSP_TRANSPORT=sctp \
	    -e RSP_BATS_TRANSPORT=sctp -e RSP=$(abspath $(BUILDROOT)/tls-san/rsp) \
	    -e ASAP_BENCH=$(abspath $(BUILDROOT)/tls-san/bench/asap_bench) \
	    tests/vm/guest-check-sctp.sh $(abspath $(BUILDROOT)/tls-san/sctp-check) \
	    --timing tests/bats/tls/tls-sctp.bats
