#!/usr/bin/env bats
# The installed library (mk/lib.mk, docs/library.md): make install-lib
# into a DESTDIR, what it exports, and docs/examples/ built against that
# installed copy through pkg-config (never against the tree), run
# against an rsp registrar and an echo PE on 127.0.0.1 (TCP mapping).

load common

setup_file() {
	: "${RSP:?set RSP to the rsp binary}"
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	# make check exports RSP_LIBB ($(BUILDROOT)/lib); by hand, the
	# library sits next to the test binaries' variant.
	LIBB=${RSP_LIBB:-$(dirname "$(dirname "${RSP_TESTBIN:?}")")/lib}
	DEST=$BATS_FILE_TMPDIR/root
	make -s -C "$TOP" install-lib BUILDROOT="$(dirname "$LIBB")" \
	    DESTDIR="$DEST" PREFIX=/usr >"$BATS_FILE_TMPDIR/install.log" 2>&1 ||
	    { cat "$BATS_FILE_TMPDIR/install.log" >&2; return 1; }
	export TOP DEST
}

setup() {
	T=$BATS_TEST_TMPDIR
	PIDS=
	export PKG_CONFIG_SYSROOT_DIR=$DEST
	export PKG_CONFIG_LIBDIR=$DEST/usr/lib/pkgconfig
	export PKG_CONFIG_PATH=
}

teardown() {
	kill_pids
}

# The functions a header declares (gcc's own list of the prototypes it
# parsed), one a line.
declared() {
	printf '#include "%s"\n' "$1" >"$T/decl.c"
	gcc -aux-info "$T/decl.aux" -fsyntax-only "$T/decl.c"
	grep -F "/* $1:" "$T/decl.aux" |
	    sed -n 's/^[^(]*[ *]\([a-z][a-z0-9_]*\) (.*/\1/p' | sort -u
}

# The functions a shared object / a static library define globally.
so_exports() {
	nm -D --defined-only "$1" | awk '$2 == "T" { sub(/@.*/, "", $3)
	    print $3 }' | sort
}

a_exports() {
	nm -g --defined-only "$1" | awk 'NF == 3 { print $3 }' | sort
}

start_echo_pe() {
	"$RSP" server -transport=tcp -registrar=127.0.0.1:"$PORT" -quiet \
	    -loglevel=4 -logcolor=off -echo >"$T/pe.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool' 5 "$T/pe.log"
	PE=$(sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' "$T/pe.log")
}

@test "install-lib: librsp.a, librsp.so.1 with its soname and links, rsp.h, rsp.pc" {
	L=$DEST/usr/lib
	[ -f "$L/librsp.a" ]
	[ -f "$L/librsp.so.1.0.0" ]
	[ "$(readlink "$L/librsp.so.1")" = librsp.so.1.0.0 ]
	[ "$(readlink "$L/librsp.so")" = librsp.so.1 ]
	readelf -d "$L/librsp.so.1.0.0" | grep -q 'SONAME.*\[librsp\.so\.1\]'
	cmp "$DEST/usr/include/rsp.h" "$TOP/include/rsp.h"
	run pkg-config --cflags --libs rsp
	[ "$status" -eq 0 ]
	[ "${output% }" = "-I$DEST/usr/include -L$DEST/usr/lib -lrsp" ] # trailing blank
	run pkg-config --static --libs rsp
	[[ "$output" == *"-lrsp -lpthread -lm"* ]]
	[ "$(pkg-config --modversion rsp)" = 1.0.0 ]
}

@test "librsp exports exactly what include/rsp.h declares" {
	declared "$DEST/usr/include/rsp.h" >"$T/api"
	[ "$(wc -l <"$T/api")" -ge 40 ]
	grep -qx rsp_session_new "$T/api"
	so_exports "$DEST/usr/lib/librsp.so.1" >"$T/so"
	diff -u "$T/api" "$T/so"
	# The static library: one object, the rest of its symbols local.
	a_exports "$DEST/usr/lib/librsp.a" >"$T/a"
	diff -u "$T/api" "$T/a"
	# Symbol versions: every one under RSP_1.
	objdump -T "$DEST/usr/lib/librsp.so.1" | awk '$4 == ".text"' >"$T/ver"
	[ "$(grep -c ' RSP_1 ' "$T/ver")" -eq "$(wc -l <"$T/api")" ]
}

@test "docs/examples built against the installed copy resolve EchoPool" {
	start_registrar
	start_echo_pe
	cp "$TOP/docs/examples/resolve.c" "$TOP/docs/examples/poll.c" "$T/"
	cd "$T"
	# Shared: the installed librsp.so.1, found through LD_LIBRARY_PATH.
	# shellcheck disable=SC2046 # pkg-config's words
	gcc -Wall -Werror -o resolve resolve.c $(pkg-config --cflags --libs rsp)
	# shellcheck disable=SC2046
	gcc -Wall -Werror -o poll poll.c $(pkg-config --cflags --libs rsp)
	readelf -d resolve | grep -q 'NEEDED.*\[librsp\.so\.1\]'
	[ "$(LD_LIBRARY_PATH=$DEST/usr/lib ldd ./resolve |
	    sed -n 's/.*librsp\.so\.1 => \([^ ]*\).*/\1/p')" = \
	    "$DEST/usr/lib/librsp.so.1" ]
	run env LD_LIBRARY_PATH="$DEST/usr/lib" timeout 15 ./resolve EchoPool \
	    127.0.0.1:"$PORT" tcp
	[ "$status" -eq 0 ]
	[[ "$output" == "PE \$$PE, tcp port "*" 127.0.0.1, load 0" ]]
	run env LD_LIBRARY_PATH="$DEST/usr/lib" timeout 15 ./poll EchoPool \
	    127.0.0.1:"$PORT" tcp
	[ "$status" -eq 0 ]
	[[ "$output" == *"\$$PE"* ]]
	# Static: librsp.a, nothing of it needed at run time.
	# shellcheck disable=SC2046
	gcc -Wall -Werror -o resolve-static resolve.c \
	    $(pkg-config --cflags --libs-only-L rsp) -Wl,-Bstatic -lrsp \
	    -Wl,-Bdynamic $(pkg-config --static --libs-only-l rsp | sed 's/-lrsp//')
	if readelf -d resolve-static | grep -q librsp; then false; fi
	run timeout 15 ./resolve-static EchoPool 127.0.0.1:"$PORT" tcp
	[ "$status" -eq 0 ]
	[[ "$output" == "PE \$$PE, tcp port "*" 127.0.0.1, load 0" ]]
	# A pool nobody registered: the example's error, exit 1.
	run env LD_LIBRARY_PATH="$DEST/usr/lib" timeout 15 ./resolve NoPool \
	    127.0.0.1:"$PORT" tcp
	[ "$status" -eq 1 ]
	[[ "$output" == *"NoPool: no such pool"* ]]
}

@test "install-lib: librsplib.so.3 (RSPLIB's soname), librsplib.a, include/rserpool/; exactly RSPLIB's API exported" {
	L=$DEST/usr/lib
	[ -f "$L/librsplib.so.3.4.4" ] && [ -f "$L/librsplib.a" ]
	[ "$(readlink "$L/librsplib.so.3")" = librsplib.so.3.4.4 ]
	[ "$(readlink "$L/librsplib.so")" = librsplib.so.3 ]
	readelf -d "$L/librsplib.so.3.4.4" | grep -q 'SONAME.*\[librsplib\.so\.3\]'
	for h in rserpool.h rserpool-internals.h rserpool-policytypes.h \
	    rserpool-csp.h tagitem.h; do
		cmp "$DEST/usr/include/rserpool/$h" "$TOP/include/rserpool/$h"
	done
	{ declared "$DEST/usr/include/rserpool/rserpool.h"
	  declared "$DEST/usr/include/rserpool/rserpool-internals.h"; } |
	    sort -u >"$T/api"
	[ "$(wc -l <"$T/api")" -ge 37 ]
	# No name of the native API is one of RSPLIB's.
	declared "$DEST/usr/include/rsp.h" >"$T/native"
	[ -z "$(comm -12 "$T/api" "$T/native")" ]
	so_exports "$L/librsplib.so.3" >"$T/so"
	diff -u "$T/api" "$T/so"
	a_exports "$L/librsplib.a" >"$T/a"
	diff -u "$T/api" "$T/a"
	# Unversioned, as RSPLIB's: programs linked against it bind to ours.
	if objdump -T "$L/librsplib.so.3" | awk '$4 == ".text"' |
	    grep -q RSP_; then false; fi
	# What Debian's RSPLIB programs import from librsplib (rspserver
	# through libcpprspserver), ours has.
	for p in rspterminal pingpongclient calcappclient scriptingclient \
	    fractalpooluser rspserver /usr/lib/*/libcpprspserver.so.3; do
		f=$p
		[ -e "$f" ] || f=$(command -v "$p") || continue
		n=${p##*/}
		nm -D --undefined-only "$f" |
		    awk '$2 ~ /^rsp_/ { print $2 }' | sort >"$T/$n.imports"
		comm -23 "$T/$n.imports" "$T/so" >"$T/$n.missing"
		[ ! -s "$T/$n.missing" ] || {
			echo "$p needs: $(cat "$T/$n.missing")" >&2
			false
		}
	done
	# Every function RSPLIB's own librsplib.so.3 exports but one: its
	# internal rsp_socket_internal, in none of its public headers.
	for so in /usr/lib/*/librsplib.so.3; do
		[ -e "$so" ] || continue
		nm -D --defined-only "$so" | awk '$3 ~ /^rsp_/ { print $3 }' |
		    sort | comm -23 - "$T/so" >"$T/rsplib.only"
		[ "$(cat "$T/rsplib.only")" = rsp_socket_internal ]
	done
}

@test "an application of RSPLIB's API: built with RSPLIB's headers and library and with ours, the same layouts and the same run" {
	[ -f /usr/include/rserpool/rserpool.h ] &&
	    ls /usr/lib/*/librsplib.so >/dev/null 2>&1 ||
	    skip "RSPLIB's headers are not installed (apt-get install librsplib-dev; scripts/deps.sh does)"
	cd "$T"
	gcc -Wall -Werror -o app-rsplib "$TOP/tests/rsplib/app.c" -lrsplib
	gcc -Wall -Werror -I"$DEST/usr/include" -o app-rsp \
	    "$TOP/tests/rsplib/app.c" -L"$DEST/usr/lib" -lrsplib
	# Each with the headers it was meant to have.
	gcc -M "$TOP/tests/rsplib/app.c" | grep -q ' /usr/include/rserpool/rserpool.h'
	gcc -M -I"$DEST/usr/include" "$TOP/tests/rsplib/app.c" |
	    grep -q " $DEST/usr/include/rserpool/rserpool.h"
	./app-rsplib layout >rsplib.layout
	./app-rsp layout >rsp.layout
	[ "$(wc -l <rsp.layout)" -ge 50 ]
	diff -u rsplib.layout rsp.layout
	start_registrar
	start_echo_pe
	for a in rsplib rsp; do
		LD_LIBRARY_PATH=$DEST/usr/lib timeout 20 ./app-$a echo \
		    -registrar=127.0.0.1:"$PORT" -transport=tcp >"$a.out" 2>&1
	done
	diff -u rsplib.out rsp.out
	grep -q '^echo: three (ppid 1, eor 1)$' rsp.out
	grep -q '^NoPool: -1$' rsp.out
	grep -q 'state=RSERPOOL_FAILOVER_COMPLETE' rsp.out
	grep -q '^echo: four' rsp.out
}
