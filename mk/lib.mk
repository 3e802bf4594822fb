# The installed library (docs/library.md, issue 18), included by the
# Makefile:
#   make lib          $(BUILDROOT)/lib: librsp.a, librsp.so.1.0.0, rsp.pc
#   make install-lib  those, include/rsp.h and rsp.pc under
#                     $(DESTDIR)$(LIBDIR), $(INCLUDEDIR); make install
#                     runs it too
# The objects are compiled once more, position-independent and without
# sanitizers whatever VARIANT says (an application loading the library
# has no ASan runtime), into $(BUILDROOT)/lib/obj.  Only the functions
# include/rsp.h declares are global: the shared object exports them
# through a version script, and the static library is one relocatable
# object whose other symbols are made local (objcopy), so the internal
# names (ev_*, tr_*, log_*, ...) clash with no application's.

LIBB       := $(BUILDROOT)/lib
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
LIB_CFLAGS ?= -O2 -g
LIBRSP_MAJOR := 1
LIBRSP_SO    := librsp.so.$(LIBRSP_MAJOR)
LIBRSP_REAL  := $(LIBRSP_SO).0.0

# The library proper: no registrar engine, no applet tools, no services.
LIBRSP_SRCS := $(sort $(wildcard core/*.c core/transport/*.c core/lib/*.c \
                 proto/*.c handlespace/*.c))
LIBRSP_OBJS := $(LIBRSP_SRCS:%.c=$(LIBB)/obj/%.o)

.PHONY: lib install-lib
lib: $(LIBB)/librsp.a $(LIBB)/$(LIBRSP_REAL) $(LIBB)/rsp.pc

$(LIBB)/obj/%.o: %.c
	@mkdir -p $(@D)
	$(CC) $(CPPFLAGS) $(LIB_CFLAGS) -fPIC -ffunction-sections \
	    -fdata-sections $(WARN) -MMD -MP -c -o $@ $<

# The public API: every function the headers HDR declare (gcc -aux-info
# lists the prototypes it saw, with their file), one name a line.
$(LIBB)/%.syms:
	@mkdir -p $(@D)
	@printf '#include "%s"\n' $(abspath $(HDR)) >$(@:.syms=.aux.c)
	@$(CC) -aux-info $(@:.syms=.aux) -fsyntax-only \
	    $(@:.syms=.aux.c)
	@grep -F $(foreach h,$(HDR),-e '/* $(abspath $(h)):') $(@:.syms=.aux) | \
	    sed -n 's/^[^(]*[ *]\([a-z][a-z0-9_]*\) (.*/\1/p' | sort -u >$@.tmp
	@test -s $@.tmp && mv $@.tmp $@
$(LIBB)/%.map: $(LIBB)/%.syms
	@{ echo '$(VERNODE) {'; echo 'global:'; sed 's/.*/	&;/' $<; \
	    echo 'local: *;'; echo '};'; } >$@

$(LIBB)/librsp.syms: HDR = include/rsp.h
$(LIBB)/librsp.syms: include/rsp.h
$(LIBB)/librsp.map: VERNODE = RSP_$(LIBRSP_MAJOR)

$(LIBB)/$(LIBRSP_REAL): $(LIBRSP_OBJS) $(LIBB)/librsp.map
	$(CC) -shared -Wl,-soname,$(LIBRSP_SO) -Wl,-z,defs -Wl,--gc-sections \
	    -Wl,--version-script=$(LIBB)/librsp.map -o $@ $(LIBRSP_OBJS) \
	    -lpthread -lm
	ln -sfn $(LIBRSP_REAL) $(LIBB)/$(LIBRSP_SO)
	ln -sfn $(LIBRSP_SO) $(LIBB)/librsp.so

# ld -r: one object; objcopy: only the API stays global.
$(LIBB)/librsp.a: $(LIBRSP_OBJS) $(LIBB)/librsp.syms
	$(LD) -r -o $(@:.a=.o) $(LIBRSP_OBJS)
	objcopy --keep-global-symbols=$(LIBB)/librsp.syms $(@:.a=.o)
	rm -f $@ && $(AR) rcs $@ $(@:.a=.o)

PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIBRSP_MAJOR).0.0|'
$(LIBB)/rsp.pc: mk/rsp.pc.in include/rsp.h
	@mkdir -p $(@D)
	$(PC_SED) $< >$@

# RSPLIB's API (include/rserpool/, core/rsplib/): librsplib.so.3, whose
# soname and unversioned symbols are those of RSPLIB 3.4.4's library,
# so that RSPLIB's programs run on it (docs/library.md).
RSPLIB_HDRS := $(addprefix include/rserpool/,rserpool.h rserpool-internals.h)
RSPLIB_SO   := librsplib.so.3
RSPLIB_REAL := $(RSPLIB_SO).4.4
RSPLIB_OBJS := $(LIBRSP_OBJS) \
               $(patsubst %.c,$(LIBB)/obj/%.o,$(wildcard core/rsplib/*.c))
lib: $(LIBB)/librsplib.a $(LIBB)/$(RSPLIB_REAL)

$(LIBB)/librsplib.syms: HDR = $(RSPLIB_HDRS)
$(LIBB)/librsplib.syms: $(wildcard include/rserpool/*.h)
$(LIBB)/librsplib.map: VERNODE =

$(LIBB)/$(RSPLIB_REAL): $(RSPLIB_OBJS) $(LIBB)/librsplib.map
	$(CC) -shared -Wl,-soname,$(RSPLIB_SO) -Wl,-z,defs -Wl,--gc-sections \
	    -Wl,--version-script=$(LIBB)/librsplib.map -o $@ $(RSPLIB_OBJS) \
	    -lpthread -lm
	ln -sfn $(RSPLIB_REAL) $(LIBB)/$(RSPLIB_SO)
	ln -sfn $(RSPLIB_SO) $(LIBB)/librsplib.so

$(LIBB)/librsplib.a: $(RSPLIB_OBJS) $(LIBB)/librsplib.syms
	$(LD) -r -o $(@:.a=.o) $(RSPLIB_OBJS)
	objcopy --keep-global-symbols=$(LIBB)/librsplib.syms $(@:.a=.o)
	rm -f $@ && $(AR) rcs $@ $(@:.a=.o)

# rsp.pc is written again: PREFIX, LIBDIR may differ from the build's.
install-lib: lib
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)
	install -m 644 $(LIBB)/librsp.a $(DESTDIR)$(LIBDIR)/librsp.a
	install -m 755 $(LIBB)/$(LIBRSP_REAL) $(DESTDIR)$(LIBDIR)/$(LIBRSP_REAL)
	ln -sfn $(LIBRSP_REAL) $(DESTDIR)$(LIBDIR)/$(LIBRSP_SO)
	ln -sfn $(LIBRSP_SO) $(DESTDIR)$(LIBDIR)/librsp.so
	install -m 644 include/rsp.h $(DESTDIR)$(INCLUDEDIR)/rsp.h
	$(PC_SED) mk/rsp.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/rsp.pc
	install -d $(DESTDIR)$(INCLUDEDIR)/rserpool
	install -m 644 $(wildcard include/rserpool/*.h) \
	    $(DESTDIR)$(INCLUDEDIR)/rserpool
	install -m 644 $(LIBB)/librsplib.a $(DESTDIR)$(LIBDIR)/librsplib.a
	install -m 755 $(LIBB)/$(RSPLIB_REAL) $(DESTDIR)$(LIBDIR)/$(RSPLIB_REAL)
	ln -sfn $(RSPLIB_REAL) $(DESTDIR)$(LIBDIR)/$(RSPLIB_SO)
	ln -sfn $(RSPLIB_SO) $(DESTDIR)$(LIBDIR)/librsplib.so

install: install-lib

# The bats suite installs and links the library (tests/bats/library.bats).
bats: lib
bats: export RSP_LIBB := $(abspath $(LIBB))

-include $(shell find $(LIBB)/obj -name '*.d' 2>/dev/null)
