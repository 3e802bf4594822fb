#!/bin/bash
# Prepares (or reuses) the SCTP test guest's kernel and initramfs and prints
# the cache directory: build/vm/kernel-<version>/ holding
#   vmlinux or vmlinuz   the kernel (uncompressed ELF preferred: PVH boot)
#   initramfs.cpio       busybox-static, the modules, tests/vm/init
#   modules.order        the .ko load order (busybox insmod resolves nothing)
# Environment: VM_KVER=6.1.0-NN-amd64 pins a kernel version (else the one
# Debian's linux-image-amd64 depends on); VM_CACHE moves build/vm.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR source=common.sh
. "$(dirname "$0")/common.sh"

# Modules wanted in the guest; their dependencies are added, in load order.
# crc32c_generic first: libcrc32c asks the crypto API for "crc32c", and
# nothing can load it on demand there.
WANTED="crc32c_generic sctp inet_diag sctp_diag virtio_pci 9pnet_virtio 9p"

vm_ensure_deps
mkdir -p "$VM_CACHE/debs"
# One preparation at a time: guests may be started in parallel.
exec 9>"$VM_CACHE/prepare.lock"
flock 9

resolve_kver() {
	local pkg=""
	if [ -n "${VM_KVER:-}" ]; then
		echo "$VM_KVER"
		return
	fi
	pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
		awk '/Depends: linux-image-[0-9]/ { print $2; exit }') || true
	if [ -z "$pkg" ] && [ "$(id -u)" -eq 0 ]; then
		apt-get update -qq >&2 || true
		pkg=$(apt-cache depends linux-image-amd64 2>/dev/null |
			awk '/Depends: linux-image-[0-9]/ { print $2; exit }') || true
	fi
	if [ -n "$pkg" ]; then
		echo "${pkg#linux-image-}"
		return
	fi
	# Offline: reuse the newest kernel already prepared.
	pkg=$(find "$VM_CACHE" -maxdepth 1 -name 'kernel-*' -printf '%f\n' 2>/dev/null |
		sort -V | tail -n 1)
	[ -n "$pkg" ] || vm_die "cannot resolve linux-image-amd64 (apt-get update?) and no cached kernel"
	echo "${pkg#kernel-}"
}

KVER=$(resolve_kver)
KDIR=$VM_CACHE/kernel-$KVER

# --- kernel and modules (once per kernel version) ---------------------------
if [ ! -f "$KDIR/modules.order" ]; then
	vm_log "preparing kernel $KVER in $KDIR"
	deb=$(find "$VM_CACHE/debs" -name "linux-image-${KVER}_*.deb" | sort -V | tail -n 1)
	if [ -z "$deb" ]; then
		(cd "$VM_CACHE/debs" && apt-get download -qq "linux-image-$KVER" 2>&1 |
			{ grep -v 'Download is performed unsandboxed' >&2 || true; }) ||
			vm_die "apt-get download linux-image-$KVER failed"
		deb=$(find "$VM_CACHE/debs" -name "linux-image-${KVER}_*.deb" | sort -V | tail -n 1)
		[ -n "$deb" ] || vm_die "apt-get download linux-image-$KVER gave no .deb"
	fi
	rm -rf "$KDIR.tmp"
	mkdir -p "$KDIR.tmp/x" "$KDIR.tmp/modules"
	# Like dpkg-deb -x, but only the kernel and the modules.
	dpkg-deb --fsys-tarfile "$deb" |
		tar -x -C "$KDIR.tmp/x" --wildcards './boot/vmlinuz-*' './lib/modules/*.ko' ||
		vm_die "cannot unpack $deb"
	cp "$KDIR.tmp/x/boot/vmlinuz-$KVER" "$KDIR.tmp/vmlinuz"

	# The uncompressed ELF inside the bzImage boots through PVH, 1-4 s faster
	# under TCG. Its xz stream starts at the first xz magic.
	off=$(LC_ALL=C grep -obUaP '\xfd7zXZ\x00' "$KDIR.tmp/vmlinuz" | head -n 1 | cut -d: -f1) || true
	if [ -n "$off" ]; then
		# xz stops at the end of its stream: tail may die of SIGPIPE.
		{ tail -c "+$((off + 1))" "$KDIR.tmp/vmlinuz" || true; } |
			xz -dc --single-stream >"$KDIR.tmp/vmlinux" 2>/dev/null || rm -f "$KDIR.tmp/vmlinux"
	fi
	notes=$(readelf -n "$KDIR.tmp/vmlinux" 2>/dev/null || true)
	if [ ! -s "$KDIR.tmp/vmlinux" ] ||
		[ "$(head -c 4 "$KDIR.tmp/vmlinux" | od -An -c | tr -d ' ')" != '177ELF' ] ||
		{ command -v readelf >/dev/null && [[ $notes != *"Xen"*"(0x00000012)"* ]]; }; then
		vm_log "no PVH-bootable vmlinux in the bzImage; booting vmlinuz"
		rm -f "$KDIR.tmp/vmlinux"
	fi

	# Load order from each module's depends= (a depth-first walk).
	declare -A path=() seen=()
	order=()
	while IFS= read -r f; do
		n=$(basename "$f" .ko)
		path[${n//-/_}]=$f
	done < <(find "$KDIR.tmp/x/lib/modules" -name '*.ko')
	visit() {
		local m=${1//-/_} deps d
		[ -n "${seen[$m]:-}" ] && return 0
		seen[$m]=1
		[ -n "${path[$m]:-}" ] || vm_die "module $m not in linux-image-$KVER (built in?)"
		deps=$(tr '\0' '\n' <"${path[$m]}" | grep -a -m 1 '^depends=' || true)
		deps=${deps#depends=}
		for d in ${deps//,/ }; do visit "$d"; done
		order+=("$m")
		cp "${path[$m]}" "$KDIR.tmp/modules/$m.ko"
	}
	for m in $WANTED; do visit "$m"; done
	printf '%s\n' "${order[@]}" >"$KDIR.tmp/modules.order"
	rm -rf "$KDIR.tmp/x" "$KDIR"
	mv "$KDIR.tmp" "$KDIR"
fi

# --- initramfs (rebuilt when init, busybox or the modules change) -----------
stamp=$(cat "$VM_SRC/init" "$KDIR/modules.order" /bin/busybox | sha256sum | cut -d' ' -f1)
if [ ! -f "$KDIR/initramfs.cpio" ] || [ "$(cat "$KDIR/initramfs.stamp" 2>/dev/null)" != "$stamp" ]; then
	vm_log "building initramfs for $KVER"
	root=$KDIR/initramfs.root
	rm -rf "$root"
	mkdir -p "$root"/{bin,dev,proc,sys,newroot,lib/modules,etc}
	cp /bin/busybox "$root/bin/busybox"
	ln -s busybox "$root/bin/sh"
	cp "$VM_SRC/init" "$root/init"
	chmod 755 "$root/init"
	cp "$KDIR"/modules/*.ko "$root/lib/modules/"
	cp "$KDIR/modules.order" "$root/etc/modules.order"
	# Uncompressed: a few MB, nothing to inflate under emulation.
	(cd "$root" && find . | LC_ALL=C sort | /bin/busybox cpio -o -H newc 2>/dev/null) \
		>"$KDIR/initramfs.cpio.tmp"
	mv "$KDIR/initramfs.cpio.tmp" "$KDIR/initramfs.cpio"
	echo "$stamp" >"$KDIR/initramfs.stamp"
	rm -rf "$root"
fi

echo "$KDIR"
