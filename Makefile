# rsp: GNU Make build.  Variants live side by side under build/:
#   build/rel     make            -O2, the binary copied to ./rsp
#   build/san     make check      ASan + UBSan, unit tests, fuzz replay, bats
#   build/static  make static     static, -Os, stripped (musl-gcc if present)
# make APPLETS="registrar server" builds only those applets.

VARIANT ?= rel
BUILDROOT ?= build
B       := $(BUILDROOT)/$(VARIANT)
PREFIX  ?= /usr/local
DESTDIR ?=

WARN     = -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
           -Wmissing-prototypes -Wpointer-arith -Wformat=2
CPPFLAGS += -D_GNU_SOURCE -I. -Icore -Iinclude -I$(B)/gen
CFLAGS   ?= -O2 -g
LDLIBS   += -lpthread

ifeq ($(VARIANT),san)
CFLAGS   = -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
           -fno-sanitize-recover=undefined
LDFLAGS += -fsanitize=address,undefined
endif
ifeq ($(VARIANT),static)
MUSL    := $(shell command -v musl-gcc 2>/dev/null)
ifneq ($(MUSL),)
CC       = musl-gcc
# musl-gcc hides /usr/include; give it only the kernel UAPI headers.
CPPFLAGS += -isystem $(B)/kinc
endif
CFLAGS   = -Os -ffunction-sections -fdata-sections
LDFLAGS += -static -Wl,--gc-sections -s
endif

APPLETS    ?= $(sort $(patsubst applets/%.c,%,$(wildcard applets/*.c)))
LIB_SRCS   := $(sort $(wildcard core/*.c proto/*.c handlespace/*.c \
                services/*.c))
APP_SRCS   := $(addprefix applets/,$(addsuffix .c,$(APPLETS)))
LIB_OBJS   := $(LIB_SRCS:%.c=$(B)/%.o)
APP_OBJS   := $(APP_SRCS:%.c=$(B)/%.o) $(B)/main.o
UNIT_SRCS  := $(sort $(wildcard tests/unit/test_*.c))
UNIT_BINS  := $(UNIT_SRCS:tests/unit/%.c=$(B)/tests/%)
TESTLIB    := $(B)/tests/unit/testlib.o
FUZZ_SRCS  := $(sort $(wildcard tests/fuzz/fuzz_*.c))
FUZZ_BINS  := $(FUZZ_SRCS:tests/fuzz/%.c=$(B)/tests/%)

.PHONY: all check unit fuzz-replay bats static size install clean format \
        fuzz check-format
all: $(B)/rsp
ifeq ($(VARIANT),rel)
	@cp $(B)/rsp rsp
endif

$(B)/gen/applets.h: $(APP_SRCS) Makefile
	@mkdir -p $(@D)
	@grep -h '^// RSP_APPLET(' $(APP_SRCS) /dev/null | sed 's|^// ||' \
	    | sort > $@.tmp && mv $@.tmp $@

$(B)/kinc:
	@mkdir -p $@
	@for d in linux asm-generic; do ln -sfn /usr/include/$$d $@/$$d; done
	@ln -sfn /usr/include/$$(gcc -print-multiarch)/asm $@/asm

KINC := $(if $(MUSL),$(B)/kinc)

$(B)/%.o: %.c $(B)/gen/applets.h | $(KINC)
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(CFLAGS) $(WARN) -MMD -MP -c -o $@ $<

$(B)/rsp: $(LIB_OBJS) $(APP_OBJS)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Unit tests link the library objects, never main.c or the applets
# (OpenBSD regress style).
$(B)/tests/%: $(B)/tests/unit/%.o $(TESTLIB) $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

# Fuzz targets with a plain main() that replays their corpus.
$(B)/tests/fuzz_%: $(B)/tests/fuzz/fuzz_%.o $(B)/tests/fuzz/replay.o \
    $(LIB_OBJS)
	@mkdir -p $(@D)
	$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

unit: $(UNIT_BINS)
	@mkdir -p tests/out
	@set -e; for t in $(UNIT_BINS); do echo "== $$t"; $$t; done

fuzz-replay: $(FUZZ_BINS)
	@set -e; for t in $(FUZZ_BINS); do n=$${t##*/fuzz_}; \
	    echo "== $$t"; $$t tests/fuzz/corpus/$$n; done

bats: $(B)/rsp
	RSP=$(abspath $(B)/rsp) bats tests/bats

check:
	$(MAKE) VARIANT=san unit fuzz-replay bats

.SECONDARY:

static:
	$(MAKE) VARIANT=static $(BUILDROOT)/static/rsp

size: static
	@size build/static/rsp
	@printf 'rsp (static, stripped): %s bytes = %s KiB\n' \
	    $$(stat -c %s build/static/rsp) $$(( $$(stat -c %s build/static/rsp) / 1024 ))

# libFuzzer builds (clang): make fuzz; build/fuzz/fuzz_asap corpus-dir
FUZZ_CC ?= clang
fuzz:
	@mkdir -p build/fuzz
	@set -e; for f in $(FUZZ_SRCS); do n=$$(basename $$f .c); \
	    echo "FUZZ $$n"; $(FUZZ_CC) -D_GNU_SOURCE -I. -Icore -Iinclude \
	    -g -O1 -fsanitize=fuzzer,address,undefined -o build/fuzz/$$n \
	    $$f $(LIB_SRCS) -lpthread; done

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
	    $(DESTDIR)$(PREFIX)/share/man/man8 \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions
	install -m 755 $(B)/rsp $(DESTDIR)$(PREFIX)/bin/rsp
	$(DESTDIR)$(PREFIX)/bin/rsp --install $(DESTDIR)$(PREFIX)/bin
	for m in man/*.1; do [ -f "$$m" ] && install -m 644 $$m \
	    $(DESTDIR)$(PREFIX)/share/man/man1/ || true; done
	for m in man/*.8; do [ -f "$$m" ] && install -m 644 $$m \
	    $(DESTDIR)$(PREFIX)/share/man/man8/ || true; done
	install -m 644 completions/rsp.bash \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/rsp
	for a in $$($(B)/rsp --aliases); do ln -sfn rsp \
	    $(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$a; done

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

check-format:
	clang-format --dry-run -Werror $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build rsp tests/out

-include $(shell find $(B) -name '*.d' 2>/dev/null)
