# rsp: GNU Make build.  Variants live side by side under build/:
#   build/rel     make            -O2, the binary copied to ./rsp
#   build/san     make check      ASan + UBSan, unit tests, fuzz replay, bats
#   build/static  make static     static, -Oz, LTO, stripped (musl-gcc if present)
# make APPLETS="registrar server" builds only those applets.
#
# Cross and package builds (OpenWrt's, Debian's): CROSS=prefix- (or CC=)
# picks the compiler; CPPFLAGS, CFLAGS, LDFLAGS and LDLIBS from the
# environment or the command line are appended to what the build needs
# (RSP_*FLAGS below), so they add to it and win where they conflict;
# WERROR=0 keeps warnings warnings; RSP_VERSION=x.y sets the version that
# every --version prints.  Nothing built is ever run by make install.

.DEFAULT_GOAL := all
VARIANT ?= rel
BUILDROOT ?= build
# ARCH (mk/cross.mk) is the CPU of the static variants only: OpenWrt's SDK
# passes its own ARCH to every make, and build/rel must stay where it is.
STATIC_VARIANTS := static static-test
CROSS_ARCHS := mips mipsel armhf aarch64
ARCH    ?=
XARCH   := $(if $(filter $(VARIANT),$(STATIC_VARIANTS)),$(ARCH))
# PROFILE=router: what a router flashes (make size budgets it): the
# registrar, a pool element with Echo and Ping Pong, terminal, hsdump.
PROFILE ?=
ifeq ($(PROFILE),router)
APPLETS  := hsdump registrar server terminal
SERVICES := echo pingpong
FEATURES :=
else ifneq ($(PROFILE),)
$(error PROFILE=$(PROFILE): expected router, or nothing for all applets)
endif
# DYNAMIC=1: make static links against the shared musl instead (make
# size: the flash an OpenWrt package costs, the system's musl being in
# every image already).
DYNAMIC ?=
DYN_SUFFIX := $(if $(DYNAMIC),-dyn)
SUFFIX  := $(if $(XARCH),-$(XARCH))$(if $(PROFILE),-$(PROFILE))$(if $(filter $(VARIANT),static),$(DYN_SUFFIX))
B       := $(BUILDROOT)/$(VARIANT)$(SUFFIX)
STATIC_B := $(BUILDROOT)/static$(if $(ARCH),-$(ARCH))$(if $(PROFILE),-$(PROFILE))$(DYN_SUFFIX)
PREFIX  ?= /usr/local
DESTDIR ?=
RSP_VERSION ?= 0.1
CROSS   ?=
ifeq ($(origin CC),default)
CC      := $(CROSS)gcc
endif
WERROR  ?= 1

WARN     = -Wall -Wextra $(if $(filter 1 -Werror,$(WERROR)),-Werror) \
           -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wformat=2
# (=, not :=: mk/tls.mk moves B)
RSP_CPPFLAGS  = -D_GNU_SOURCE -I. -Iinclude -I$(B)/gen
RSP_CFLAGS    = -O2 -g
RSP_LDFLAGS  :=
RSP_LDLIBS   := -lpthread -lm
# No fused multiply-add unless the source says so: gcc contracts a * b + c
# into one fma where the CPU has it (AArch64), which rounds once, and the
# fractal service's pixels would then differ from x86-64's and between two
# splits of the same image (tests/bats/fractal.bats under qemu-aarch64).
FP_FLAGS = -ffp-contract=off
COMPILE = $(CC) $(RSP_CPPFLAGS) $(CPPFLAGS) $(RSP_CFLAGS) $(FP_FLAGS) $(WARN) $(CFLAGS)
LINK    = $(CC) $(RSP_LDFLAGS) $(LDFLAGS) -o $@ $^ $(RSP_LDLIBS) $(LDLIBS)
# The TLS variant (make TLS=1): after the flags, which it extends.
include mk/tls.mk

# float-cast-overflow is not part of gcc's "undefined" (it is of
# clang's): without it the corpus replay would not see a double out of
# an integer's range (the calcapp finding of docs/fuzzing.md).
ifeq ($(VARIANT),san)
RSP_CFLAGS   = -O1 -g -fno-omit-frame-pointer \
               -fsanitize=address,undefined,float-cast-overflow \
               -fno-sanitize-recover=undefined,float-cast-overflow
RSP_LDFLAGS += -fsanitize=address,undefined,float-cast-overflow
endif
# The static variants: make static (ARCH=mips ...: mk/cross.mk), and
# VARIANT=static-test, the same compiler and libc at -O2 without LTO, for
# the unit tests of a cross ARCH (make check-cross).  musl-gcc hides
# /usr/include: the build sees only the kernel UAPI headers of KINC_DIR
# besides musl's own.
ifneq ($(filter $(VARIANT),$(STATIC_VARIANTS)),)
MUSL    := $(shell command -v musl-gcc 2>/dev/null)
ifneq ($(MUSL),)
CC       = musl-gcc
endif
KINC_DIR := /usr/include
KINC_ASM := /usr/include/$(shell gcc -print-multiarch)/asm
RSP_LDFLAGS += $(if $(and $(DYNAMIC),$(filter $(VARIANT),static)),,-static) -no-pie
ifeq ($(VARIANT),static)
# Size (issue 7: at most 300 KiB): no unwind tables (C, nothing unwinds),
# link-time optimisation, no page-aligned padding between segments, and
# no position-independent code: -static links a fixed-address executable
# anyway, so PIE code would only cost its GOT indirections.
STATIC_LTO ?= -flto=auto
RSP_CFLAGS   = -Oz -ffunction-sections -fdata-sections -fno-pie -fno-ident \
               -fno-asynchronous-unwind-tables -fno-unwind-tables $(STATIC_LTO)
RSP_LDFLAGS += $(STATIC_LTO) -Wl,--gc-sections -s -Wl,-z,noseparate-code \
               -Wl,-z,norelro -Wl,--build-id=none
$(B)/rsp: RSP_LDFLAGS += -Wl,-Map=$(B)/rsp.map
else
RSP_CFLAGS   = -O2 -fno-pie
endif
ifneq ($(XARCH),)
include mk/cross.mk
endif
ifneq ($(MUSL)$(ARCH),)
RSP_CPPFLAGS += -isystem $(B)/kinc
KINC := $(B)/kinc/.stamp $(KINC_TOOLS)
endif
endif

# Build-time features (FEATURES=, mk/features.mk), before the sources.
include mk/features.mk
APPLETS    ?= $(filter-out $(FEATURE_OFF_APPLETS),$(sort \
                $(patsubst applets/%.c,%,$(wildcard applets/*.c))))
ifneq ($(filter $(FEATURE_OFF_APPLETS),$(APPLETS)),)
$(error APPLETS: $(filter $(FEATURE_OFF_APPLETS),$(APPLETS)) needs a feature \
    FEATURES leaves out ($(FEATURES_OFF)))
endif
# The services of rsp server (make SERVICES="echo pingpong"): each file in
# services/ names the service it belongs to on its first line,
# RSP_SERVICE(name, help) or RSP_SERVICE_PART(name); only the selected
# ones are compiled and linked, and build/VARIANT/gen/services.h lists
# them for applets/server.c.
svc_of      = $(shell sed -n '1s|^// RSP_SERVICE[_A-Z]*.\([a-z0-9_]*\).*|\1|p' $(1))
SVC_FILES  := $(foreach f,$(wildcard services/*.c),$(call svc_of,$(f)):$(f))
SERVICES   ?= $(sort $(foreach p,$(SVC_FILES),$(firstword $(subst :, ,$(p)))))
SVC_SRCS   := $(foreach p,$(SVC_FILES),$(if $(filter \
                $(firstword $(subst :, ,$(p))),$(SERVICES)),$(lastword $(subst :, ,$(p)))))
SVC_MAIN   := $(wildcard $(SERVICES:%=services/%.c))
LIB_SRCS   := $(sort $(filter-out $(FEATURE_EXCLUDED_SRCS),$(wildcard core/*.c \
                core/*/*.c proto/*.c handlespace/*.c)) $(SVC_SRCS) $(TLS_LIB_SRCS))
APP_SRCS   := $(addprefix applets/,$(addsuffix .c,$(APPLETS)))
LIB_OBJS   := $(LIB_SRCS:%.c=$(B)/%.o)
APP_OBJS   := $(APP_SRCS:%.c=$(B)/%.o) $(B)/main.o
UNIT_SRCS  := $(filter-out $(FEATURE_EXCLUDED_TESTS),$(sort \
                $(wildcard tests/unit/test_*.c)))
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
# Test support: every tests/unit/*.c that is not a test_*.c (testlib,
# pcap, ...) is linked into each unit test.
TESTLIB_SRCS := $(filter-out tests/unit/test_%.c,$(wildcard tests/unit/*.c))
TESTLIB    := $(TESTLIB_SRCS:%.c=$(B)/%.o)
FUZZ_SRCS  := $(filter-out $(FEATURE_EXCLUDED_TESTS),$(sort \
                $(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_BINS  := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/tests/%)

.PHONY: all check unit unit-bins fuzz-replay bats static size install clean \
        format fuzz check-format check-layers check-cross
# ./rsp may be running (a demo, a test): a new file renamed over it, never
# a write into it ("Text file busy").  Not for a CROSS build, which
# would not run here.
all: $(B)/rsp
ifeq ($(VARIANT)$(CROSS),rel)
	@cp $(B)/rsp rsp.tmp && mv -f rsp.tmp rsp
endif

# Every object depends on these two: a change of the makefiles (flags, a
# CPU's options in mk/cross.mk) rebuilds the variant.
$(B)/gen/applets.h: $(APP_SRCS) Makefile $(wildcard mk/*.mk)
	@mkdir -p $(@D)
	@grep -h '^// RSP_APPLET(' $(APP_SRCS) /dev/null | sed 's|^// ||' \
	    | sort > $@.tmp && mv $@.tmp $@
$(B)/gen/services.h: $(SVC_MAIN) Makefile $(wildcard mk/*.mk)
	@mkdir -p $(@D)
	@grep -h '^// RSP_SERVICE(' $(SVC_MAIN) /dev/null | sed 's|^// ||' \
	    | sort > $@.tmp && mv $@.tmp $@

# Kernel UAPI headers, plus libsctp-dev's <netinet/sctp.h> (constants and
# structs over <linux/sctp.h>; its libsctp functions are not linked).
$(B)/kinc/.stamp: Makefile
	@mkdir -p $(@D)/netinet
	@for d in linux asm-generic; do ln -sfn $(KINC_DIR)/$$d $(@D)/$$d; done
	@ln -sfn $(KINC_ASM) $(@D)/asm
	@ln -sfn /usr/include/netinet/sctp.h $(@D)/netinet/sctp.h
	@touch $@

# The version, written only when it changes: main.o alone is rebuilt.
$(B)/gen/version.h: FORCE
	@mkdir -p $(@D)
	@echo '#define RSP_VERSION "$(RSP_VERSION)"' >$@.tmp; \
	    cmp -s $@.tmp $@ && rm -f $@.tmp || mv -f $@.tmp $@
$(B)/main.o: $(B)/gen/version.h
# rsp_build_info{version} of the metrics (core/metrics_export.c)
$(B)/core/metrics_export.o: RSP_CPPFLAGS += -DRSP_VERSION='"$(RSP_VERSION)"'
.PHONY: FORCE version
FORCE:
version:
	@echo $(RSP_VERSION)

$(B)/%.o: %.c $(B)/gen/applets.h $(B)/gen/services.h $(B)/gen/rsp_features.h \
    | $(KINC)
	@mkdir -p $(@D)
	$(COMPILE) -MMD -MP -c -o $@ $<

# Linked to a temporary name, then renamed: a running binary is replaced.
$(B)/rsp: $(LIB_OBJS) $(APP_OBJS)
	$(CC) $(RSP_LDFLAGS) $(LDFLAGS) -o $@.tmp $^ $(RSP_LDLIBS) $(LDLIBS)
	@mv -f $@.tmp $@

# Unit tests link the library objects, never main.c or the applets
# (OpenBSD regress style).  The tests of proto/ and handlespace/ link
# only their own layer's objects (and the ones below): the link proves
# that these layers need nothing above them.
PROTO_OBJS  := $(filter $(B)/proto/%,$(LIB_OBJS))
HS_OBJS     := $(filter $(B)/handlespace/%,$(LIB_OBJS))
PROTO_TESTS := $(addprefix $(B)/tests/test_,app_vectors buf codec csp \
               demo_pcap gen_vectors pcap pcap_out tcpmap)
HS_TESTS    := $(addprefix $(B)/tests/test_,hs hs_ext hs_policy)
$(PROTO_TESTS): $(B)/tests/%: $(B)/tests/unit/%.o $(TESTLIB) $(PROTO_OBJS)
	@mkdir -p $(@D)
	$(LINK)
$(HS_TESTS): $(B)/tests/%: $(B)/tests/unit/%.o $(TESTLIB) $(HS_OBJS) \
    $(PROTO_OBJS)
	@mkdir -p $(@D)
	$(LINK)
$(B)/tests/%: $(B)/tests/unit/%.o $(TESTLIB) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(LINK)

# Layer rules of README.md's Layout table, over every #include.
check-layers:
	@scripts/check-layers.sh

# Fuzz targets with a plain main() that replays their corpus.
$(B)/tests/fuzz_%: $(B)/tests/fuzz/fuzz_%.o $(B)/tests/fuzz/replay.o \
    $(LIB_OBJS)
	@mkdir -p $(@D)
	$(LINK)

# The TLS key file's parser needs no Mbed TLS: its fuzz target is in
# every build (the TLS build has the object in LIB_OBJS already).
# So is the framing of TLS over SCTP (tls_rec.c).
TLSKEYS_SRC := core/transport/tls/tls_keys.c
TLSREC_SRC  := core/transport/tls/tls_rec.c
$(B)/tests/fuzz_tlskeys: $(TLSKEYS_SRC:%.c=$(B)/%.o)
$(B)/tests/fuzz_tlsrec: $(TLSREC_SRC:%.c=$(B)/%.o)

# RUN: what runs a test binary (mk/cross.mk: qemu-user for the ARCH);
# UNIT_SKIP: tests not to run (scripts/check-cross.sh says why).
unit-bins: $(UNIT_BINS)
unit: $(UNIT_BINS)
	@mkdir -p tests/out
	@rc=0; for t in $(filter-out $(UNIT_SKIP:%=$(B)/tests/%),$(UNIT_BINS)); \
	    do echo "== $$t"; $(RUN) $$t || rc=1; done; exit $$rc

fuzz-replay: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_BINS); do n=$${t##*/fuzz_}; \
	    echo "== $$t"; $$t tests/fuzz/corpus/$$n; done

# promtool for tests/bats/metrics.bats, when scripts/promtool.sh put it
# here (scripts/test.sh does); an environment PROMTOOL wins.
PROMTOOL ?= $(abspath $(wildcard $(BUILDROOT)/promtool/promtool))
bats: $(B)/rsp $(B)/bench/asap_bench
	RSP=$(abspath $(B)/rsp) RSP_TESTBIN=$(abspath $(B)/tests) \
	    PROMTOOL=$(PROMTOOL) bats --timing tests/bats

check: check-layers
	$(MAKE) VARIANT=san unit fuzz-replay bats

# The router profile's binary, every feature left out (mk/features.mk):
# what they leave is refused with a reason, what stays works, failover
# included (README "Build-time features").
.PHONY: check-features
check-features:
	$(MAKE) static PROFILE=router
	RSP=$(abspath $(BUILDROOT)/static-router/rsp) bats tests/bats/features
	RSP=$(abspath $(BUILDROOT)/static-router/rsp) bats \
	    -f '^failover: kill -9 the PE in use' tests/bats/server-terminal.bats

# Static musl builds for mips, mipsel, armhf and aarch64 under qemu-user:
# unit tests and bats (scripts/check-cross.sh; README "Cross builds").
# make check-cross CHECK_ARCHS=mips for one.
check-cross:
	BUILDROOT=$(BUILDROOT) JOBS=$(JOBS) scripts/check-cross.sh $(CHECK_ARCHS)

.SECONDARY:

static:
	$(MAKE) VARIANT=static $(STATIC_B)/rsp

# Sizes and budgets (issue 17) of both profiles for this machine's CPU
# and each of SIZE_ARCHS: the static binary and its xz -9e size (what a
# squashfs image pays); fails when one is over budget.  SIZE_PARTS=1:
# the per-part table of this machine's build too (STATIC_LTO= for detail).
# SIZE_DYNAMIC=1: also "router-dyn", the router profile linked against
# the shared musl as an OpenWrt package is (builds a musl with libc.so
# for each cross CPU once: about 30 s each).
SIZE_ARCHS  ?= $(CROSS_ARCHS)
SIZE_BUDGET_all    := 400
SIZE_BUDGET_router := 200
# What fails make size when over budget: a profile (all CPUs) or CPU:profile.
# The static router profile meets its 200 KiB on armhf only (BENCHMARKS.md,
# "Static sizes"; README, Known gaps): printed elsewhere, not failed;
# linked as OpenWrt links it (router-dyn) it meets it on every CPU.
SIZE_ENFORCE ?= all armhf:router router-dyn
SIZE_DYNAMIC ?=
size:
	@rc=0; for a in native $(SIZE_ARCHS); do \
	    for p in all router $(if $(SIZE_DYNAMIC),router-dyn); do \
	    x=$${a#native}; q=$${p#all}; q=$${q%-dyn}; d=; \
	    case $$p in *-dyn) d=1;; esac; \
	    case $$p in router*) k=$(SIZE_BUDGET_router);; \
	        *) k=$(SIZE_BUDGET_all);; esac; \
	    $(MAKE) -s --no-print-directory static ARCH=$$x PROFILE=$$q \
	        DYNAMIC=$$d >/dev/null || { echo "size: $$a $$p: build failed"; \
	        rc=1; continue; }; \
	    scripts/size.sh $$a $$p $$k \
	        $(BUILDROOT)/static$${x:+-$$x}$${q:+-$$q}$${d:+-dyn}/rsp || \
	        case " $(SIZE_ENFORCE) " in *" $$p "*|*" $$a:$$p "*) rc=1;; \
	        esac; \
	    done; done; \
	    [ -z "$(SIZE_PARTS)" ] || scripts/size-parts.sh \
	        $(BUILDROOT)/static/rsp.map; exit $$rc

# Handlespace benchmark, not part of check (which runs its -smoke mode
# through tests/unit/test_hs_bench.c): -O2 build, prints a table.
# make bench-hs BENCH_ARGS="1000 50000"
.PHONY: bench-hs
bench-hs:
	$(MAKE) VARIANT=rel $(BUILDROOT)/rel/bench/hs_bench
	$(BUILDROOT)/rel/bench/hs_bench $(BENCH_ARGS)

$(B)/bench/%: $(B)/bench/%.o $(LIB_OBJS)
	$(LINK)

# ASAP load generator (bench/asap_bench.c, bench/README.md); its smoke
# run is in tests/bats/bench-smoke.bats.  make bench: the matrix over
# the TCP mapping on this host, written to BENCHMARKS.md (bench/run.sh).
.PHONY: bench-asap bench
bench-asap:
	$(MAKE) VARIANT=rel $(BUILDROOT)/rel/bench/asap_bench $(BUILDROOT)/rel/rsp

bench: bench-host bench-guest

.PHONY: bench-host
bench-host: bench-asap
	RSP=$(abspath $(BUILDROOT)/rel/rsp) \
	    ASAP_BENCH=$(abspath $(BUILDROOT)/rel/bench/asap_bench) bench/run.sh
	bench/plot.sh $(BUILDROOT)/bench bench/resolutions.png
	bench/report.sh BENCHMARKS.md $(BUILDROOT)/bench

# RSPLIB's API (issue 18, bench/rsplib.sh): an echo client written
# against Debian's librsplib-dev and Debian's rspserver -echo, on RSPLIB's
# librsplib.so.3 and on ours; the raw transport as the baseline.
# bench-rsplib on the host (ours only: RSPLIB's needs kernel SCTP),
# bench-rsplib-guest in the SCTP test guest (both, same run).
RSPLIB_ECHO := $(BUILDROOT)/bench-rsplib/rsplib_echo
$(RSPLIB_ECHO): bench/rsplib_echo.c
	@mkdir -p $(@D)
	$(CC) -O2 $(WARN) -o $@ $< -lrsplib
.PHONY: bench-rsplib bench-rsplib-guest
bench-rsplib: $(RSPLIB_ECHO) lib
	$(MAKE) VARIANT=rel $(BUILDROOT)/rel/rsp
	RSP=$(abspath $(BUILDROOT)/rel/rsp) RSP_LIBB=$(abspath $(LIBB)) \
	    ECHO_BIN=$(abspath $(RSPLIB_ECHO)) bench/rsplib.sh
bench-rsplib-guest: $(RSPLIB_ECHO) lib
	VM_CACHE=$(abspath $(BUILDROOT))/vm tests/vm/run-in-guest.sh -t 1800 \
	    -e RSP_LIBB=$(abspath $(LIBB)) -e ECHO_BIN=$(abspath $(RSPLIB_ECHO)) \
	    $${TRIALS:+-e "TRIALS=$$TRIALS"} $${DURATION:+-e "DURATION=$$DURATION"} \
	    bench/rsplib.sh

# Scale (issue 15, bench/scale.sh): 1,000,000 PEs in one registrar over
# the TCP mapping, resolutions at 1 and 1,000,000 PEs, the transfer to a
# new registrar, the takeover of 100,000 PEs; key=value lines in
# build/bench/scale.txt (progress on stderr).  Figures by hand into
# bench/scale.md, which BENCHMARKS.md includes (bench/report.sh).
#   make bench-scale SCALE_PES=100000 TRIALS=1
.PHONY: bench-scale
bench-scale: bench-asap
	@mkdir -p $(BUILDROOT)/bench
	RSP=$(abspath $(BUILDROOT)/rel/rsp) \
	    ASAP_BENCH=$(abspath $(BUILDROOT)/rel/bench/asap_bench) \
	    bench/scale.sh >$(BUILDROOT)/bench/scale.txt; rc=$$?; \
	    cat $(BUILDROOT)/bench/scale.txt; exit $$rc

# rsp's registrar, RSPLIB's and the echo limit over kernel SCTP in the
# test guest with one vCPU (bench/guest.sh); raw lines in build/bench.
.PHONY: bench-guest
bench-guest: bench-asap
	@mkdir -p $(BUILDROOT)/bench
	bench/deps.sh
	VM_SMP=1 VM_CACHE=$(abspath $(BUILDROOT))/vm \
	    tests/vm/run-in-guest.sh -t 7200 \
	    -e RSP=$(abspath $(BUILDROOT)/rel/rsp) \
	    -e ASAP_BENCH=$(abspath $(BUILDROOT)/rel/bench/asap_bench) \
	    $${BENCH_SIZES+-e "BENCH_SIZES=$$BENCH_SIZES"} \
	    $${BENCH_POLICIES:+-e "BENCH_POLICIES=$$BENCH_POLICIES"} \
	    $${BENCH_INFLIGHT:+-e "BENCH_INFLIGHT=$$BENCH_INFLIGHT"} \
	    $${BENCH_TRIALS:+-e "BENCH_TRIALS=$$BENCH_TRIALS"} \
	    $${BENCH_DURATION:+-e "BENCH_DURATION=$$BENCH_DURATION"} \
	    $${BENCH_TARGETS:+-e "BENCH_TARGETS=$$BENCH_TARGETS"} \
	    $${BENCH_XFER_SIZES+-e "BENCH_XFER_SIZES=$$BENCH_XFER_SIZES"} \
	    $${BENCH_FAILOVER_RUNS:+-e "BENCH_FAILOVER_RUNS=$$BENCH_FAILOVER_RUNS"} \
	    $${RSPLIB_LOGLEVEL:+-e "RSPLIB_LOGLEVEL=$$RSPLIB_LOGLEVEL"} \
	    bench/guest.sh >$(BUILDROOT)/bench/guest-raw.txt; rc=$$?; \
	    cat $(BUILDROOT)/bench/guest-raw.txt; [ $$rc -eq 0 ] || exit $$rc; \
	    bench/guest-md.sh $(BUILDROOT)/bench/guest-raw.txt "$$(env | \
	    sed -n 's/^\(BENCH_[A-Z]*\)=\(.*\)/\1="\2"/p' | tr '\n' ' ')make bench-guest" \
	    >$(BUILDROOT)/bench/guest.md && \
	    bench/plot.sh $(BUILDROOT)/bench bench/resolutions.png && \
	    bench/report.sh BENCHMARKS.md $(BUILDROOT)/bench

# The chaos suite of issue 15 (tests/chaos/README.md): registrars, PEs
# and pool users in network namespaces under random kill -9, SIGSTOP,
# partitions and restarts, invariants checked after every step; needs
# root.  make chaos CHAOS_SEED=n CHAOS_STEPS=n CHAOS_DURATION=s
# CHAOS_REGISTRARS=3..5; RSP=path tests another binary (default: the
# ASan build, whose LeakSanitizer reports the suite looks for).
.PHONY: chaos
chaos:
	$(if $(RSP),,$(MAKE) VARIANT=san $(BUILDROOT)/san/rsp)
	RSP=$(abspath $(or $(RSP),$(BUILDROOT)/san/rsp)) \
	    CHAOS_DIR=$${CHAOS_DIR:-$(abspath $(BUILDROOT))/chaos} \
	    tests/chaos/chaos.sh

# libFuzzer builds (clang): make fuzz; $(BUILDROOT)/fuzz/fuzz_asap corpus-dir
# The library objects are compiled once (fuzzer coverage, ASan, UBSan)
# and linked into every target.
FUZZ_CC ?= clang
FUZZ_DIR  := $(BUILDROOT)/fuzz
FUZZ_SAN  := -fsanitize=address,undefined -fno-sanitize-recover=undefined
FUZZ_OBJS := $(LIB_SRCS:%.c=$(FUZZ_DIR)/obj/%.o)
FUZZ_EXES := $(FUZZ_SRCS:tests/fuzz/%.c=$(FUZZ_DIR)/%)
.PHONY: fuzz-soak
fuzz: $(FUZZ_EXES)

$(FUZZ_DIR)/obj/%.o: %.c $(B)/gen/rsp_features.h
	@mkdir -p $(@D)
	@echo "FUZZCC $<"; $(FUZZ_CC) -D_GNU_SOURCE -I. -Iinclude -I$(B)/gen -g -O1 \
	    -fsanitize=fuzzer-no-link $(FUZZ_SAN) -MMD -MP -c -o $@ $<

$(FUZZ_DIR)/fuzz_%: $(FUZZ_DIR)/obj/tests/fuzz/fuzz_%.o $(FUZZ_OBJS)
	@echo "FUZZLD $@"; \
	    $(FUZZ_CC) -fsanitize=fuzzer $(FUZZ_SAN) -o $@ $^ -lpthread -lm

$(FUZZ_DIR)/fuzz_tlskeys: $(TLSKEYS_SRC:%.c=$(FUZZ_DIR)/obj/%.o)
$(FUZZ_DIR)/fuzz_tlsrec: $(TLSREC_SRC:%.c=$(FUZZ_DIR)/obj/%.o)

# Each target FUZZ_TIME seconds from its committed corpus, one at a
# time, what it found merged back (scripts/fuzz-soak.sh, docs/fuzzing.md).
# make fuzz-soak FUZZ_TIME=600 FUZZ_TARGETS="regenrp lib"
FUZZ_TIME ?= 600
fuzz-soak: fuzz
	FUZZ_DIR=$(FUZZ_DIR) FUZZ_TIME=$(FUZZ_TIME) \
	    scripts/fuzz-soak.sh $(FUZZ_TARGETS)

# make install never runs the binary it installs (a cross build could
# not): the aliases come from the applets' RSP_APPLET lines, the table
# main.c is built from.  RSP_BIN=path installs a binary built elsewhere
# with the same APPLETS (tests/bats/cli.bats does).
RSP_BIN ?= $(B)/rsp
MANDIR  := $(DESTDIR)$(PREFIX)/share/man
BASHCOMP := $(DESTDIR)$(PREFIX)/share/bash-completion/completions
ALIASES := $(shell sed -n 's|^// RSP_APPLET.[a-z0-9_]*, *"\([^"]*\)".*|\1|p' \
               $(APP_SRCS) /dev/null)
MAN_PAGES := $(wildcard man/rsp.1 $(APPLETS:%=man/rsp-%.1) $(APPLETS:%=man/rsp-%.8))
install: $(RSP_BIN)
	install -d $(DESTDIR)$(PREFIX)/bin $(MANDIR)/man1 $(MANDIR)/man8 \
	    $(BASHCOMP)
	install -m 755 $(RSP_BIN) $(DESTDIR)$(PREFIX)/bin/rsp
	for a in $(ALIASES); do \
	    ln -sfn rsp $(DESTDIR)$(PREFIX)/bin/$$a || exit 1; done
	$(if $(filter %.1,$(MAN_PAGES)),install -m 644 $(filter %.1,$(MAN_PAGES)) $(MANDIR)/man1)
	$(if $(filter %.8,$(MAN_PAGES)),install -m 644 $(filter %.8,$(MAN_PAGES)) $(MANDIR)/man8)
	install -m 644 completions/rsp.bash $(BASHCOMP)/rsp
	for a in $(ALIASES); do \
	    ln -sfn rsp $(BASHCOMP)/$$a || exit 1; done

# The program names install links to rsp, one a line, for APPLETS (or
# PROFILE): what a package installs without running the binary (the
# OpenWrt package does).
.PHONY: aliases
aliases:
	@printf '%s\n' $(ALIASES)

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build rsp rsp.tmp tests/out

-include $(shell find $(B) $(FUZZ_DIR)/obj -name '*.d' 2>/dev/null)

# Kernel SCTP in a qemu guest (TCG) whose root is the host's /: see
# tests/vm/README.md. check-sctp: SCTP socket check, then the bats suite with
# RSP_TRANSPORT=sctp against the sanitizer build; check-interop: RSPLIB's own
# registrar, PE and terminal, capture judged by tshark on the host.
.PHONY: check-sctp check-interop
check-sctp:
	$(MAKE) VARIANT=san $(BUILDROOT)/san/rsp $(BUILDROOT)/san/bench/asap_bench \
	    $(UNIT_SRCS:tests/unit/%.c=$(BUILDROOT)/san/tests/%)
	@mkdir -p $(BUILDROOT)/vm
	$(CC) -O2 -Wall -Wextra -Werror -o $(BUILDROOT)/vm/sctp-check \
	    tests/vm/sctp-check.c
	VM_CACHE=$(abspath $(BUILDROOT))/vm tests/vm/run-in-guest.sh -t 2700 \
	    -e RSP_TRANSPORT=sctp -e RSP=$(abspath $(BUILDROOT)/san/rsp) \
	    -e RSP_TESTBIN=$(abspath $(BUILDROOT)/san/tests) \
	    $(if $(PROMTOOL),-e PROMTOOL=$(PROMTOOL)) \
	    tests/vm/guest-check-sctp.sh $(abspath $(BUILDROOT)/vm/sctp-check)

# RSP_LIBB: our librsplib.so.3, on which tests/interop/rsplib-on-rsp.bats
# runs RSPLIB's programs.
check-interop:
	$(MAKE) VARIANT=san $(BUILDROOT)/san/rsp $(BUILDROOT)/san/bench/asap_bench lib
	RSP=$(abspath $(BUILDROOT)/san/rsp) RSP_LIBB=$(abspath $(LIBB)) \
	    VM_CACHE=$(abspath $(BUILDROOT))/vm tests/interop/run.sh

# systemd units (systemd/, README.md "Deploying"), installed only when
# asked: ExecStart= names $(PREFIX)/bin/rsp.  make check-systemd runs
# systemd-analyze verify and security --offline on them.
UNITDIR ?= $(PREFIX)/lib/systemd/system
.PHONY: install-systemd check-systemd
install-systemd:
	install -d $(DESTDIR)$(UNITDIR)
	for u in systemd/*.service; do \
	    sed 's|/usr/local/bin/rsp|$(PREFIX)/bin/rsp|g' $$u \
	        >$(DESTDIR)$(UNITDIR)/$${u##*/} && \
	    chmod 644 $(DESTDIR)$(UNITDIR)/$${u##*/} || exit 1; done

check-systemd: $(RSP_BIN)
	scripts/check-systemd.sh $(RSP_BIN)

# The installed library: librsp (docs/library.md).
include mk/lib.mk
