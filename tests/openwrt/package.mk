# A stand-in for the parts of OpenWrt's build system that
# openwrt/net/rsp/Makefile uses, so that its Build/Prepare and
# Package/rsp/install recipes run on any machine (tests/bats/openwrt.bats).
# Written for this test from the documented variables of OpenWrt package
# Makefiles (openwrt.org, "Creating packages"); no OpenWrt code.
#
#	make -f tests/openwrt/package.mk -C openwrt/net/rsp \
#	    STANDIN=tests/openwrt PKG_BUILD_DIR=DIR DEST=DIR \
#	    [CONFIG_RSP_ROUTER=y] prepare|install
#
# The package Makefile includes $(TOPDIR)/rules.mk and
# $(INCLUDE_DIR)/package.mk: both are this file (rules.mk a link to it),
# read once, first, as make's -f; the guard makes those includes empty.

ifndef STANDIN_INCLUDED
STANDIN_INCLUDED := 1
TOPDIR := $(STANDIN)
INCLUDE_DIR := $(STANDIN)
INSTALL_DIR := install -d -m0755
INSTALL_BIN := install -m0755
INSTALL_CONF := install -m0600
LN := ln -sf
qstrip = $(strip $(subst ",,$(1)))
BuildPackage =
include Makefile

.PHONY: prepare install
prepare:
	$(Build/Prepare)
# As OpenWrt's BuildPackage does, the install recipe goes through
# $(eval): expanded twice, $$$$ in it is the shell's $.
define STANDIN_INSTALL
install:
	$(call Package/rsp/install,$(DEST))
endef
$(eval $(STANDIN_INSTALL))
endif
