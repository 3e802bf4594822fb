#!/bin/bash
# Runs a command in which the binaries of another CPU run as if they were
# this machine's: in a user and mount namespace of its own, binfmt_misc
# (since Linux 6.7 each user namespace may mount its own) gets one entry
# for that CPU, pointing at Debian's qemu-user-static.  The machine's
# binfmt_misc is never touched, so nothing changes for anyone else; the
# rsp symlinks the tests make run through qemu too, which a wrapper script
# around the binary could not give.
# usage: scripts/qemu-ns.sh CPU CMD [ARG...]
#   CPU  qemu-user's name: mips, mipsel, arm, aarch64
set -euo pipefail

cpu=${1:?usage: qemu-ns.sh CPU CMD [ARG...]}
shift
conf=/usr/lib/binfmt.d/qemu-$cpu.conf
qemu=/usr/bin/qemu-$cpu-static
if [ ! -f "$conf" ] || [ ! -x "$qemu" ]; then
	echo "qemu-ns: no $qemu or $conf (apt-get install qemu-user-static)" >&2
	exit 1
fi

if [ "${QEMU_NS_INSIDE:-}" != "$cpu" ]; then
	# F: the interpreter is opened now, so it is found from any mount
	# namespace or root the command later uses.
	exec unshare --user --map-root-user --mount --propagation private \
		env QEMU_NS_INSIDE="$cpu" "$0" "$cpu" "$@"
fi
mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc
# The magic and mask as Debian ships them; our interpreter and flags.
line=$(cut -d: -f1-6 "$conf")
printf '%s:%s:F' "$line" "$qemu" >/proc/sys/fs/binfmt_misc/register
exec "$@"
