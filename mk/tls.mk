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
#   make TLS=1 mbedtls   only Mbed TLS, for this variant

MBEDTLS_DIR := $(BUILDROOT)/mbedtls
MBEDTLS_DL  ?= $(BUILDROOT)/dl
# Another configuration (for size experiments): make MBEDTLS_CONFIG=file
# with a BUILDROOT of its own.
MBEDTLS_CONFIG ?= mk/mbedtls_config.h
MBEDTLS_CFG := $(abspath $(MBEDTLS_CONFIG))
TLS_SRCS    := $(sort $(wildcard core/transport/tls/*.c))

.DEFAULT_GOAL := all
.PHONY: mbedtls

# Mbed TLS's own library/Makefile compiles it, once per flavour, each in
# its own unpacked copy (its objects land next to the sources).
# musl is built only from VARIANT=static, so its CC and CFLAGS (expanded
# when the recipe runs) are the static variant's.
$(MBEDTLS_DIR)/host/.built: CC_MBEDTLS := gcc
$(MBEDTLS_DIR)/host/.built: CFLAGS_MBEDTLS := -O2 -g
$(MBEDTLS_DIR)/musl/.built: CC_MBEDTLS = $(CC)
$(MBEDTLS_DIR)/musl/.built: CFLAGS_MBEDTLS = $(CFLAGS)
$(MBEDTLS_DIR)/%/.built: $(MBEDTLS_CONFIG) scripts/mbedtls.sh
	scripts/mbedtls.sh $(MBEDTLS_DL) $(@D)
	$(MAKE) -C $(@D)/library CC=$(CC_MBEDTLS) AR=gcc-ar \
	    CFLAGS='$(CFLAGS_MBEDTLS) -DMBEDTLS_CONFIG_FILE=\"$(MBEDTLS_CFG)\"' \
	    static
	@touch $@

ifeq ($(TLS),1)
MBEDTLS_FLAVOUR := $(if $(filter static,$(VARIANT)),musl,host)
MBEDTLS := $(MBEDTLS_DIR)/$(MBEDTLS_FLAVOUR)
B := $(BUILDROOT)/tls-$(VARIANT)
TLS_LIB_SRCS := $(TLS_SRCS)
# -isystem: Mbed TLS's headers are not held to our warnings.
CPPFLAGS += -DRSP_TLS -isystem $(MBEDTLS)/include \
    -DMBEDTLS_CONFIG_FILE=\"$(MBEDTLS_CFG)\"
# The archives are prerequisites of the links (so $^ names them, after
# the objects, and a rebuilt Mbed TLS relinks), not LDLIBS.
MBEDTLS_LIBS := $(addprefix $(MBEDTLS)/library/lib,mbedtls.a mbedx509.a \
    mbedcrypto.a)
$(MBEDTLS_LIBS): $(MBEDTLS)/.built
	@:
TLS_OBJS := $(TLS_SRCS:%.c=$(B)/%.o)
$(TLS_OBJS): | $(MBEDTLS)/.built
$(B)/rsp: $(MBEDTLS_LIBS)

mbedtls: $(MBEDTLS)/.built
endif
