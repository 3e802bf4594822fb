# The installed libraries (docs/library.md, issue 18), included by the
# Makefile:
#   make lib          $(BUILDROOT)/lib: librsp.a, librsp.so.1.0.0, rsp.pc,
#                     librsplib.a, librsplib.so.3.4.4
#   make install-lib  those, include/rsp.h, include/rserpool/ and rsp.pc
#                     under $(DESTDIR)$(LIBDIR), $(INCLUDEDIR); make
#                     install runs it too
# The objects are compiled once more, position-independent and without
# sanitizers whatever VARIANT says (an application loading the library
# has no ASan runtime), into $(BUILDROOT)/lib/obj.  Only the functions
# the library's headers declare are global: the shared object exports
# them through a version script, and the static library is one
# relocatable object whose other symbols are made local (objcopy), so
# the internal names (ev_*, tr_*, log_*, ...) clash with no
# application's.

LIBB       := $(BUILDROOT)/lib
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
LIB_CFLAGS ?= -O2 -g

# librsp: the native API of include/rsp.h.  The library proper: no
# registrar engine, no applet tools, no services.
LIBRSP_MAJOR := 1
LIBRSP_SO    := librsp.so.$(LIBRSP_MAJOR)
LIBRSP_REAL  := $(LIBRSP_SO).0.0
LIBRSP_SRCS  := $(sort $(filter-out $(FEATURE_EXCLUDED_SRCS),$(wildcard \
                  core/*.c core/transport/*.c core/lib/*.c proto/*.c \
                  handlespace/*.c)) $(filter core/off/%,$(LIB_SRCS)))
LIBRSP_OBJS  := $(LIBRSP_SRCS:%.c=$(LIBB)/obj/%.o)

# librsplib: RSPLIB's API (include/rserpool/, core/rsplib/), whose soname
# and unversioned symbols are those of RSPLIB 3.4.4's library, so that
# RSPLIB's programs run on it.
RSPLIB_HDRS := $(addprefix include/rserpool/,rserpool.h rserpool-internals.h)
RSPLIB_SO   := librsplib.so.3
RSPLIB_REAL := $(RSPLIB_SO).4.4
RSPLIB_OBJS := $(LIBRSP_OBJS) \
               $(patsubst %.c,$(LIBB)/obj/%.o,$(wildcard core/rsplib/*.c))

.PHONY: lib install-lib
lib: $(LIBB)/librsp.a $(LIBB)/$(LIBRSP_REAL) $(LIBB)/rsp.pc \
     $(LIBB)/librsplib.a $(LIBB)/$(RSPLIB_REAL)

$(LIBB)/obj/core/metrics_export.o: \
    RSP_CPPFLAGS += -DRSP_VERSION='"$(RSP_VERSION)"'
$(LIBB)/obj/%.o: %.c $(B)/gen/rsp_features.h
	@mkdir -p $(@D)
	$(CC) $(RSP_CPPFLAGS) $(CPPFLAGS) $(LIB_CFLAGS) -fPIC -ffunction-sections \
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
$(LIBB)/librsplib.syms: HDR = $(RSPLIB_HDRS)
$(LIBB)/librsplib.syms: $(wildcard include/rserpool/*.h)
$(LIBB)/librsplib.map: VERNODE =

# $(call lib_rules,NAME,SONAME,FILE,OBJS): the shared object FILE with
# its links, and NAME.a (ld -r: one object; objcopy: only the API stays
# global).
define lib_rules
$(LIBB)/$(3): $(4) $(LIBB)/$(1).map
	$$(CC) -shared -Wl,-soname,$(2) -Wl,-z,defs -Wl,--gc-sections \
	    -Wl,--version-script=$(LIBB)/$(1).map -o $$@ $(4) -lpthread -lm
	ln -sfn $(3) $(LIBB)/$(2)
	ln -sfn $(2) $(LIBB)/$(1).so
$(LIBB)/$(1).a: $(4) $(LIBB)/$(1).syms
	$$(LD) -r -o $$(@:.a=.o) $(4)
	objcopy --keep-global-symbols=$(LIBB)/$(1).syms $$(@:.a=.o)
	rm -f $$@ && $$(AR) rcs $$@ $$(@:.a=.o)
endef
$(eval $(call lib_rules,librsp,$(LIBRSP_SO),$(LIBRSP_REAL),$(LIBRSP_OBJS)))
$(eval $(call lib_rules,librsplib,$(RSPLIB_SO),$(RSPLIB_REAL),$(RSPLIB_OBJS)))

PC_SED = sed -e 's|@PREFIX@|$(PREFIX)|' -e 's|@LIBDIR@|$(LIBDIR)|' \
    -e 's|@INCLUDEDIR@|$(INCLUDEDIR)|' -e 's|@VERSION@|$(LIBRSP_MAJOR).0.0|'
$(LIBB)/rsp.pc: mk/rsp.pc.in include/rsp.h
	@mkdir -p $(@D)
	$(PC_SED) $< >$@

# $(call install_lib,NAME,SONAME,FILE): one library and its links.
define install_lib
	install -m 644 $(LIBB)/$(1).a $(DESTDIR)$(LIBDIR)/$(1).a
	install -m 755 $(LIBB)/$(3) $(DESTDIR)$(LIBDIR)/$(3)
	ln -sfn $(3) $(DESTDIR)$(LIBDIR)/$(2)
	ln -sfn $(2) $(DESTDIR)$(LIBDIR)/$(1).so
endef

# rsp.pc is written again: PREFIX, LIBDIR may differ from the build's.
install-lib: lib
	install -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(INCLUDEDIR)/rserpool
	$(call install_lib,librsp,$(LIBRSP_SO),$(LIBRSP_REAL))
	$(call install_lib,librsplib,$(RSPLIB_SO),$(RSPLIB_REAL))
	install -m 644 include/rsp.h $(DESTDIR)$(INCLUDEDIR)/rsp.h
	install -m 644 $(wildcard include/rserpool/*.h) \
	    $(DESTDIR)$(INCLUDEDIR)/rserpool
	$(PC_SED) mk/rsp.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/rsp.pc

install: install-lib

# The bats suite installs and links the libraries (tests/bats/library.bats,
# tests/bats/rsplib-programs.bats).
bats: lib
bats: export RSP_LIBB := $(abspath $(LIBB))

-include $(shell find $(LIBB)/obj -name '*.d' 2>/dev/null)
