# shellcheck shell=bash
# Shared by prepare.sh and run-in-guest.sh: paths, messages, host dependencies.

VM_SRC=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
VM_TOP=$(cd "$VM_SRC/../.." && pwd)
VM_CACHE=${VM_CACHE:-$VM_TOP/build/vm}

vm_log() { printf 'vm: %s\n' "$*" >&2; }
vm_die() { printf 'vm: error: %s\n' "$*" >&2; exit 125; }

# Installs the Debian packages the harness needs, only when missing.
vm_ensure_deps() {
	local pkgs=()
	command -v qemu-system-x86_64 >/dev/null || pkgs+=(qemu-system-x86)
	# ldd fails on a static executable: that is the one wanted.
	if [ ! -x /bin/busybox ] || ldd /bin/busybox >/dev/null 2>&1; then
		pkgs+=(busybox-static)
	fi
	command -v dpkg-deb >/dev/null || pkgs+=(dpkg)
	command -v xz >/dev/null || pkgs+=(xz-utils)
	[ ${#pkgs[@]} -eq 0 ] && return 0
	if [ "$(id -u)" -ne 0 ]; then
		vm_die "missing ${pkgs[*]}; run as root: apt-get install ${pkgs[*]}"
	fi
	# Guests may start at once (scripts/test.sh runs two): one apt-get
	# at a time, and what the first installed the second need not.
	mkdir -p "$VM_CACHE"
	exec 8>"$VM_CACHE/deps.lock"
	flock 8
	command -v qemu-system-x86_64 >/dev/null && [ -x /bin/busybox ] &&
		! ldd /bin/busybox >/dev/null 2>&1 && { exec 8>&-; return 0; }
	vm_log "installing ${pkgs[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq "${pkgs[@]}" >&2 ||
		{ apt-get update -qq >&2 && apt-get install -y -qq "${pkgs[@]}" >&2; } ||
		vm_die "apt-get install ${pkgs[*]} failed"
	exec 8>&-
}
