#!/bin/bash
# make check-layers: every #include "..." of product code against the
# layer rules of README.md's Layout table.  Prints each forbidden include
# as FILE:LINE: FOLDER may not include HEADER, and exits 1 if there is one.
# usage: scripts/check-layers.sh [FILE...]
#   FILEs are paths as in the tree (proto/tlv.c), relative to the current
#   directory; without any, every product file of the repository.
set -euo pipefail

# The folder a file belongs to, as the table names it.
layer() {
	case $1 in
	proto/*) echo proto ;;
	handlespace/*) echo handlespace ;;
	core/transport/*) echo core/transport ;;
	core/lib/*) echo core/lib ;;
	core/registrar/*) echo core/registrar ;;
	core/tools/*) echo core/tools ;;
	core/rsplib/*) echo core/rsplib ;;
	core/off/*) echo core/off ;;
	core/*/*) echo "core/?" ;;
	core/*) echo core ;;
	services/*) echo services ;;
	include/*) echo include ;;
	applets/* | main.c) echo applets ;;
	*) echo other ;;
	esac
}

# What a folder may include: the layers of the headers it may name
# (the table in README.md, "Layout").
allowed() {
	case $1 in
	proto) echo "proto" ;;
	handlespace) echo "proto handlespace" ;;
	core) echo "core proto" ;;
	core/transport) echo "core core/transport proto" ;;
	core/lib) echo "core core/transport core/lib proto handlespace include" ;;
	core/registrar) echo "core core/transport core/registrar proto handlespace" ;;
	core/tools) echo "core core/transport core/lib core/tools proto handlespace include" ;;
	core/rsplib) echo "core core/transport core/rsplib proto include" ;;
	core/off) echo "core core/transport core/lib core/registrar core/tools proto handlespace include" ;;
	services) echo "core proto services include" ;;
	include) echo "include" ;; # the public headers, one another
	applets) echo "core core/transport core/lib core/registrar core/tools proto handlespace services include gen" ;;
	*) echo "" ;;
	esac
}

if [ $# -eq 0 ]; then
	cd "$(dirname "$0")/.."
	# shellcheck disable=SC2046 # one word per path
	set -- $(git ls-files 'proto/*.[ch]' 'handlespace/*.[ch]' 'core/*.[ch]' \
	    'services/*.[ch]' 'include/*.h' 'applets/*.c' main.c)
fi
bad=0
for f in "$@"; do
	from=$(layer "$f")
	ok=" $(allowed "$from") "
	while IFS=: read -r line hdr; do
		# applets.h, services.h and version.h are generated (build/VARIANT/gen):
		# main.c's own; rsp_features.h (mk/features.mk) is the build's
		# configuration, which any layer may read.
		case $hdr in
		*/*) to=$(layer "$hdr") ;;
		rsp_features.h) continue ;;
		applets.h | services.h | version.h) to=gen ;;
		*) to=$from ;; # same folder
		esac
		if [[ $ok != *" $to "* ]]; then
			echo "$f:$line: $from may not include $hdr"
			bad=1
		fi
	done < <(grep -n '^#[[:space:]]*include[[:space:]]*"' "$f" |
	    sed 's/^\([0-9]*\):#[[:space:]]*include[[:space:]]*"\([^"]*\)".*/\1:\2/' || true)
done
exit "$bad"
