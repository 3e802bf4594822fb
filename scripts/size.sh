#!/bin/bash
# One line of make size: a static binary's size, its xz -9e size (what a
# squashfs image on flash pays, roughly) and the verdict on its budget.
# Exit 1 when it is over.
# usage: scripts/size.sh ARCH PROFILE BUDGET-KIB BINARY
set -euo pipefail

arch=${1:?usage: size.sh ARCH PROFILE BUDGET-KIB BINARY}
profile=${2:?}
budget=${3:?}
bin=${4:?}

bytes=$(stat -c %s "$bin")
xz=$(xz -9e -c "$bin" | wc -c)
limit=$((budget * 1024))
if [ "$bytes" -le "$limit" ]; then
	verdict="ok, $((limit - bytes)) B to spare"
else
	verdict="OVER by $((bytes - limit)) B"
fi
printf '%-8s %-10s %8d B = %4d KiB  xz -9e %7d B  budget %d KiB: %s\n' \
	"$arch" "$profile" "$bytes" $((bytes / 1024)) "$xz" "$budget" "$verdict"
[ "$bytes" -le "$limit" ]
