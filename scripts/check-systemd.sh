#!/bin/bash
# make check-systemd: each unit of systemd/ (the template as rsp-server@echo)
# with its ExecStart pointed at RSP, through
#   systemd-analyze verify --man=no       nothing to say: a warning fails too
#   systemd-analyze security --offline=true --threshold=20
#                                         exposure at most 2.0 (of 10)
# Neither needs systemd as PID 1: they read the unit files only.
# usage: scripts/check-systemd.sh RSP   (an executable rsp; the units name
# /usr/local/bin/rsp, which make install-systemd rewrites to PREFIX)
set -euo pipefail
cd "$(dirname "$0")/.."

rsp=$(realpath "${1:?usage: $0 RSP}")
command -v systemd-analyze >/dev/null ||
	{ echo "check-systemd: no systemd-analyze (apt-get install systemd)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
bad=0
for u in systemd/*.service; do
	n=${u##*/}
	n=${n/@./@echo.}
	sed "s|/usr/local/bin/rsp|$rsp|g" "$u" >"$tmp/$n"
	if ! out=$(cd "$tmp" && systemd-analyze verify --man=no "$tmp/$n" 2>&1) ||
		[ -n "$out" ]; then
		echo "$n: verify: $out"
		bad=1
	fi
	if ! out=$(cd "$tmp" && systemd-analyze security --offline=true \
		--threshold=20 "$tmp/$n" 2>&1); then
		echo "$n: exposure over 2.0:"
		echo "$out" | grep -v '^✓'
		bad=1
	fi
	echo "$n: $(echo "$out" | sed -n 's/.*Overall exposure level for [^:]*: //p')"
done
exit $bad
