#!/bin/bash
# What each part of the tree contributes to the static binary (busybox's
# "arping (9.1 kb)", docs/STYLE.md practice 13): the .text/.rodata/.data/
# .bss input sections that survived --gc-sections, read from the linker
# map.  make size SIZE_PARTS=1 prints it for this machine's build.
# usage: scripts/size-parts.sh LINKER-MAP
set -euo pipefail

map=${1:?usage: size-parts.sh MAP}
[ -f "$map" ] || { echo "size-parts: no $map" >&2; exit 1; }

if grep -q 'ltrans' "$map"; then
	echo "(link-time optimisation merges rsp's parts: rm -rf build/static;" \
	    "make size STATIC_LTO= for the per-part table)"
fi
printf '\n%-24s %8s %8s %8s %8s\n' part text rodata data bss
awk '
function hex(s,   i, n) {
	n = 0
	s = tolower(substr(s, 3))
	for (i = 1; i <= length(s); i++)
		n = n * 16 + index("0123456789abcdef", substr(s, i, 1)) - 1
	return n
}
function part(f) {
	if (f ~ /libc\.a|libpthread\.a|crt[^\/]*\.o$|libgcc/)
		return "(libc)"
	if (f ~ /ltrans/)
		return "(rsp, merged by LTO)"
	sub(/^.*\/(static|rel|san)[^\/]*\//, "", f)
	if (f ~ /^applets\//) {
		sub(/^applets\//, "", f)
		sub(/\.o$/, "", f)
		return "applet " f
	}
	if (f == "main.o")
		return "main.c"
	# each wing of core (core/lib/, ...) on a line of its own
	if (f ~ /^core\/[^\/]+\//) {
		sub(/^core\//, "", f)
		sub(/\/.*$/, "/", f)
		return "core/" f
	}
	sub(/\/.*$/, "/", f)
	return f
}
function add(sec, sz, f,   k) {
	if (sec ~ /^\.text/) k = "text"
	else if (sec ~ /^\.rodata/) k = "rodata"
	else if (sec ~ /^\.(data|tdata|init_array|fini_array)/) k = "data"
	else if (sec ~ /^\.(bss|tbss)/ || sec == "COMMON") k = "bss"
	else return
	p = part(f)
	seen[p] = 1
	tot[p, k] += hex(sz)
}
/^Linker script and memory map/ { on = 1; next }
!on { next }
/^ [.A-Z][^ ]*$/ { pend = $1; next }
/^ [.A-Z][^ ]* +0x[0-9a-f]+ +0x[0-9a-f]+ / { add($1, $3, $4); pend = ""; next }
pend != "" && /^ +0x[0-9a-f]+ +0x[0-9a-f]+ / { add(pend, $2, $3) }
{ pend = "" }
END {
	for (p in seen)
		printf "%-24s %8d %8d %8d %8d\n", p, tot[p, "text"],
		    tot[p, "rodata"], tot[p, "data"], tot[p, "bss"]
}' "$map" | sort
