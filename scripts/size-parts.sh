#!/bin/bash
# Prints the size of the static binary and what each part of the tree
# contributes to it (busybox's "arping (9.1 kb)", docs/STYLE.md practice 13).
# The per-part table sums the .text/.rodata/.data/.bss input sections that
# survived --gc-sections, read from the linker map.
# usage: scripts/size.sh BINARY [LINKER-MAP]
set -euo pipefail

bin=${1:?usage: size.sh BINARY [MAP]}
map=${2:-}

size "$bin"
bytes=$(stat -c %s "$bin")
printf 'rsp (static, stripped): %s bytes = %s KiB\n' "$bytes" $((bytes / 1024))
# issue 7's target: at most 300 KiB with all applets
limit=$((300 * 1024))
if [ "$bytes" -le "$limit" ]; then
	printf 'target <= 300 KiB: met, %s bytes to spare\n' $((limit - bytes))
else
	printf 'target <= 300 KiB: missed by %s bytes\n' $((bytes - limit))
fi
[ -n "$map" ] && [ -f "$map" ] || exit 0

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
	sub(/^.*\/(static|rel|san)\//, "", f)
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
