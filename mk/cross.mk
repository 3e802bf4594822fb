# Static musl builds for the CPUs of OpenWrt routers (issue 17), included
# by the Makefile for VARIANT=static and VARIANT=static-test when ARCH is
# set:
#   make static ARCH=mips          build/static-mips/rsp
#   make VARIANT=static-test ARCH=mips unit   the unit tests, under qemu
# Debian's cross compiler (gcc-TRIPLE) compiles; musl is built for the CPU
# from Debian's musl source package, once, into build/musl/ARCH
# (scripts/musl-cross.sh); the kernel headers are Debian's for that CPU
# (linux-libc-dev-DEBARCH-cross).  Nothing built here runs on this machine
# except under qemu-user (RUN).

# ARCH (one of CROSS_ARCHS, Makefile)
# ARCH        Debian's cross triple         qemu-user   router CPUs
# mips        mips-linux-gnu (big-endian)   mips        ath79: 24Kc
# mipsel      mipsel-linux-gnu              mipsel      ramips: 24KEc, 1004Kc
# armhf       arm-linux-gnueabihf (EABI hf) arm         ipq40xx: cortex-a7
# aarch64     aarch64-linux-gnu             aarch64     filogic: cortex-a53
triple.mips    := mips-linux-gnu
triple.mipsel  := mipsel-linux-gnu
triple.armhf   := arm-linux-gnueabihf
triple.aarch64 := aarch64-linux-gnu
qemu.mips      := mips
qemu.mipsel    := mipsel
qemu.armhf     := arm
qemu.aarch64   := aarch64
# The oldest CPU of the family the routers have: OpenWrt builds ath79 and
# ramips with these; Debian's armhf default (ARMv7-A, Thumb-2, VFPv3-D16)
# and arm64 default (ARMv8-A) already fit them.  MIPS16e (24Kc, 24KEc and
# 1004Kc have it; OpenWrt's USE_MIPS16 builds packages so) is the MIPS
# counterpart of Thumb-2: 349,168 bytes instead of 430,748 for all applets.
cpu.mips       := -march=mips32r2 -mtune=24kc -mips16 -minterlink-mips16
cpu.mipsel     := -march=mips32r2 -mtune=24kc -mips16 -minterlink-mips16
cpu.armhf      :=
# Debian's aarch64 gcc calls out-of-line atomics that pick LSE at run
# time through glibc's __getauxval, which musl's libc.so does not export
# (DYNAMIC=1 fails to link); the routers' Cortex-A53 has no LSE anyway.
cpu.aarch64    := -mno-outline-atomics

TRIPLE := $(triple.$(ARCH))
ifeq ($(TRIPLE),)
$(error ARCH=$(ARCH): expected one of $(CROSS_ARCHS))
endif

MUSL_ROOT := $(abspath $(BUILDROOT))/musl
# DYNAMIC=1 (make size): a musl with libc.so, in a directory of its own.
MUSL_DIR  := $(MUSL_ROOT)/$(ARCH)$(if $(DYNAMIC),-shared)
CC        := $(MUSL_DIR)/bin/musl-gcc
SIZE      := $(TRIPLE)-size
# A unit test that hangs under emulation fails instead of stopping the run.
RUN       := timeout 900 qemu-$(qemu.$(ARCH))-static
KINC_DIR  := /usr/$(TRIPLE)/include
KINC_ASM  := $(KINC_DIR)/asm
RSP_CFLAGS += $(cpu.$(ARCH))
KINC_TOOLS := $(MUSL_DIR)/bin/musl-gcc

$(MUSL_DIR)/bin/musl-gcc:
	scripts/musl-cross.sh $(TRIPLE) $(MUSL_DIR) $(MUSL_ROOT)/src \
	    $(if $(DYNAMIC),shared)
