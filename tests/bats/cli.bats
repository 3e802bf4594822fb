#!/usr/bin/env bats
# The command-line surface: symlink install and dispatch, --help/--options
# against the option tables, usage errors, man pages, make install and the
# bash completion.  Applets and options are read from the binary, never
# listed here.

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	TMP=$(mktemp -d "${BATS_TMPDIR:-/tmp}/rsp-cli.XXXXXX")
}

teardown() {
	rm -rf "$TMP"
}

# Applets of this build; tests that need one skip when there is none.
applets() {
	"$RSP" --list
}

need_applet() {
	[ -n "$(applets)" ] || skip "no applet in this build"
}

# The shared options (core/log.c log_opts), read from the table's source.
common_opts() {
	awk '/log_opts\[\] = \{/ { on = 1; next }
	     on && /OPT_END/ { exit }
	     on && match($0, /\{"[a-z0-9]+"/) {
		print substr($0, RSTART + 2, RLENGTH - 3) }' "$TOP/core/log.c"
}

man_page() {
	local m
	for m in "$TOP/man/rsp-$1.1" "$TOP/man/rsp-$1.8"; do
		[ -f "$m" ] && { echo "$m"; return 0; }
	done
	return 1
}

@test "rsp --install DIR makes one RSPLIB-named symlink per applet" {
	need_applet
	run "$RSP" --install "$TMP"
	[ "$status" -eq 0 ]
	n=0
	for a in $("$RSP" --aliases); do
		[ -L "$TMP/$a" ]
		[ "$(readlink "$TMP/$a")" = "$(readlink -f "$RSP")" ]
		n=$((n + 1))
	done
	[ "$n" -eq "$(applets | wc -l)" ]
	# Running it again replaces its own symlinks.
	run "$RSP" --install "$TMP"
	[ "$status" -eq 0 ]
}

@test "an applet runs through its RSPLIB alias symlink" {
	need_applet
	"$RSP" --install "$TMP"
	paste <(applets) <("$RSP" --aliases) | while read -r name alias; do
		run "$TMP/$alias" --help
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "usage: rsp $name"* ]]
		[ "$("$TMP/$alias" --options)" = "$("$RSP" "$name" --options)" ]
		# The alias also works as rsp's first argument.
		[ "$("$RSP" "$alias" --options)" = "$("$RSP" "$name" --options)" ]
	done
}

@test "rsp --install refuses to replace a regular file" {
	need_applet
	alias=$("$RSP" --aliases | head -n 1)
	echo precious >"$TMP/$alias"
	run "$RSP" --install "$TMP"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$TMP/$alias exists and is not a symlink"* ]]
	[ "$(cat "$TMP/$alias")" = precious ]
}

@test "rsp --install: a missing DIR is an error, no DIR a usage error" {
	run "$RSP" --install "$TMP/nonexistent"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$TMP/nonexistent"* ]]
	run "$RSP" --install
	[ "$status" -eq 2 ]
	[[ "$output" == *"usage: rsp --install DIR"* ]]
}

@test "rsp --help lists every applet with its alias" {
	run "$RSP" --help
	[ "$status" -eq 0 ]
	paste <(applets) <("$RSP" --aliases) | while read -r name alias; do
		grep -Eq "^  $name +$alias " <<<"$output"
	done
}

@test "rsp APPLET --help exits 0 and shows every option of --options" {
	need_applet
	for a in $(applets); do
		run "$RSP" "$a" --help
		[ "$status" -eq 0 ]
		[[ "${lines[0]}" == "usage: rsp $a"* ]]
		help=$output
		run "$RSP" "$a" --options
		[ "$status" -eq 0 ]
		[ "${#lines[@]}" -gt 0 ]
		for o in "${lines[@]}"; do
			o=${o%%$'\t'*}
			# "-name=" -> "  -name=ARG ", "-flag" -> "  -flag "
			grep -Eq "^  ${o}([^ ]+)? " <<<"$help" ||
				{ echo "$a: $o missing from --help"; false; }
		done
	done
}

@test "every applet accepts the common options" {
	need_applet
	for a in $(applets); do
		opts=$("$RSP" "$a" --options)
		for o in $(common_opts); do
			grep -Eq "^-$o=?"$'\t' <<<"$opts" ||
				{ echo "$a lacks -$o"; false; }
		done
	done
}

@test "an unknown option exits 2 with a clear message" {
	need_applet
	for a in $(applets); do
		run "$RSP" "$a" -nosuchoption=1
		[ "$status" -eq 2 ]
		[[ "$output" == *"$a: unknown option '-nosuchoption=1'"* ]]
	done
}

@test "an option without its value exits 2 and names the syntax" {
	need_applet
	for a in $(applets); do
		run "$RSP" "$a" -loglevel
		[ "$status" -eq 2 ]
		[[ "$output" == *"option -loglevel needs a value: -loglevel="* ]]
		run "$RSP" "$a" -loglevel=10
		[ "$status" -eq 2 ]
		[[ "$output" == *"0..9"* ]]
	done
}

@test "every applet has a man page that documents each of its options" {
	need_applet
	for a in $(applets); do
		m=$(man_page "$a") || { echo "no man/rsp-$a.[18]"; false; }
		grep -q "^\.Dt RSP-$(tr a-z A-Z <<<"$a") " "$m"
		grep -q '^\.Sh STANDARDS' "$m"
		for o in $("$RSP" "$a" --options | cut -f1); do
			o=${o#-}
			o=${o%=}
			grep -Eq "^\.(Op |It |)Fl $o( |\$)" "$m" ||
				{ echo "$m lacks .Fl $o"; false; }
		done
	done
}

@test "rsp.1 documents rsp's flags, the common options and every applet" {
	m=$TOP/man/rsp.1
	[ -f "$m" ]
	for o in $(common_opts); do
		grep -Eq "^\.(It )?Fl $o( |\$)" "$m" ||
			{ echo "rsp.1 lacks .Fl $o"; false; }
	done
	for f in $("$RSP" --help | grep -o -- '--[a-z][a-z-]*' | sort -u); do
		grep -Eq "^\.(It )?Fl \\\\-${f#--}( |\$)" "$m" ||
			{ echo "rsp.1 lacks $f"; false; }
	done
	for a in $(applets); do
		man_page "$a" >/dev/null
		grep -q "^\.Xr rsp-$a " "$m" || { echo "rsp.1 lacks rsp-$a"; false; }
	done
	grep -q '^\.Sh STANDARDS' "$m"
	for r in 5351 5352 5353 5354 5355 5356; do
		grep -q "RFC $r" "$m"
	done
}

@test "man pages pass mandoc -Tlint" {
	command -v mandoc >/dev/null || skip "mandoc not installed"
	run mandoc -Tlint -Wwarning "$TOP"/man/*.[18]
	echo "$output"
	[ "$status" -eq 0 ]
}

# make_install BIN PREFIX: make install of BIN into $TMP/root, a make of
# its own (not a sub-make of `make check`); then the man pages, the
# completion and one symlink per applet under PREFIX.
make_install() {
	local r=$TMP/root$2 name alias m
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP" install \
		RSP_BIN="$1" PREFIX="$2" DESTDIR="$TMP/root"
	echo "$output"
	[ "$status" -eq 0 ]
	[ -f "$r/share/man/man1/rsp.1" ]
	[ -f "$r/share/bash-completion/completions/rsp" ]
	paste <(applets) <("$RSP" --aliases) | while read -r name alias; do
		[ "$(readlink "$r/bin/$alias")" = rsp ]
		m=$(man_page "$name")
		[ -f "$r/share/man/man${m##*.}/${m##*/}" ]
		[ "$(readlink "$r/share/bash-completion/completions/$alias")" = rsp ]
	done
	# Exactly one link per applet, nothing else.
	[ "$(find "$r/bin" -type l | wc -l)" -eq "$(applets | wc -l)" ]
}

@test "make install puts binary, symlinks, man pages and completion in place" {
	need_applet
	make_install "$(readlink -f "$RSP")" /usr
	r=$TMP/root/usr
	[ -x "$r/bin/rsp" ]
	for alias in $("$RSP" --aliases); do
		run "$r/bin/$alias" --help
		[ "$status" -eq 0 ]
	done
}

# The version the Makefile gives (RSP_VERSION, overridable on make's command
# line, which a sub-make of `make check` inherits).
make_version() {
	make -s --no-print-directory -C "$TOP" version
}

@test "--version: rsp and every applet print name, version and licence" {
	v=$(make_version)
	[ -n "$v" ]
	run "$RSP" --version
	[ "$status" -eq 0 ]
	[ "$output" = "rsp $v (ISC licence)" ]
	"$RSP" --install "$TMP"
	paste <(applets) <("$RSP" --aliases) | while read -r name alias; do
		for cmd in "$RSP $name" "$RSP $alias" "$TMP/$alias" \
		    "$RSP $name -loglevel=3 -nosuchoption=1"; do
			run $cmd --version
			[ "$status" -eq 0 ] || { echo "$cmd: $status"; false; }
			[ "$output" = "rsp $name $v (ISC licence)" ] ||
				{ echo "$cmd: $output"; false; }
		done
		# After "--" it is an operand, not the flag.
		run "$RSP" "$name" -nosuchoption=1 -- --version
		[ "$status" -eq 2 ]
		[[ "$output" != *licence* ]]
		"$RSP" "$name" --help | grep -q '^  --version '
	done
}

# A stand-in for a binary built for another CPU: running it leaves a mark.
@test "make install never runs the binary it installs (cross builds)" {
	need_applet
	printf '#!/bin/sh\ntouch "%s/ran"\nexit 1\n' "$TMP" >"$TMP/standin"
	chmod 755 "$TMP/standin"
	make_install "$TMP/standin" /opt/rsp
	[ ! -e "$TMP/ran" ]
	cmp "$TMP/standin" "$TMP/root/opt/rsp/bin/rsp"
}

@test "make static PROFILE=router DYNAMIC=1 links the router against musl's libc.so, and it runs" {
	command -v musl-gcc >/dev/null || skip "musl-gcc missing (apt-get install musl-tools)"
	[ -e /lib/ld-musl-x86_64.so.1 ] || skip "no musl loader here"
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	make -s -C "$top" BUILDROOT="$TMP/b" static PROFILE=router DYNAMIC=1 \
	    STATIC_LTO= >/dev/null
	bin=$TMP/b/static-router-dyn/rsp
	readelf -l "$bin" | grep -q 'interpreter: /lib/ld-musl'
	run "$bin" --version
	[ "$status" -eq 0 ]
	[[ "$output" == "rsp "*" (ISC licence)" ]]
	run "$bin" registrar --version
	[ "$status" -eq 0 ]
	# make aliases (what the OpenWrt package links) names what it has
	diff <("$bin" --aliases | sort) \
	    <(make -s --no-print-directory -C "$top" aliases PROFILE=router | sort)
}

# complete_many: what _rsp offers for each line of stdin (cursor at its
# end), "LINE<tab>CANDIDATE" a candidate, all in one bash with rsp and
# its aliases on PATH, like a user's.
complete_many() {
	mkdir -p "$TMP/bin"
	ln -sf "$(readlink -f "$RSP")" "$TMP/bin/rsp"
	"$RSP" --install "$TMP/bin" >/dev/null
	PATH="$TMP/bin:$PATH" bash -c '
		source "$1"
		while IFS= read -r line; do
			COMP_LINE=$line
			COMP_POINT=${#line}
			read -r -a COMP_WORDS <<<"$line"
			[[ $line == *" " ]] && COMP_WORDS+=("")
			COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
			COMPREPLY=()
			_rsp
			for c in "${COMPREPLY[@]}"; do
				printf "%s\t%s\n" "$line" "$c"
			done
		done' _ "$TOP/completions/rsp.bash"
}

# complete LINE: what _rsp offers for LINE, one per line.
complete_line() {
	printf '%s\n' "$1" | complete_many | cut -f2
}

@test "completion: rsp's flags and applet names after rsp" {
	run complete_line "rsp --li"
	[ "$output" = --list ]
	run complete_line "rsp --ins"
	[ "$output" = --install ]
	run complete_line "rsp --vers"
	[ "$output" = --version ]
	run complete_line "rsp "
	local all=$output
	for a in $(applets); do
		grep -qx "$a" <<<"$all"
		run complete_line "rsp ${a:0:3}"
		grep -qx "$a" <<<"$output"
	done
}

@test "completion: options of an applet, through rsp and through its alias" {
	need_applet
	# every option from its first four characters, in one bash (a bash
	# per line took a minute)
	paste <(applets) <("$RSP" --aliases) | while read -r name alias; do
		for o in $("$RSP" "$name" --options | cut -f1); do
			printf 'rsp %s %s\t%s\n%s %s\t%s\n' "$name" "${o:0:4}" "$o" \
			    "$alias" "${o:0:4}" "$o"
		done
	done >"$TMP/want"
	[ "$(wc -l <"$TMP/want")" -gt 100 ]
	cut -f1 "$TMP/want" | complete_many >"$TMP/got"
	run grep -vxF -f "$TMP/got" "$TMP/want"
	[ "$status" -eq 1 ] # nothing wanted is missing
	paste <(applets) <("$RSP" --aliases) | while read -r name alias; do
		run complete_line "rsp $name -logcolor="
		[ "$(sort <<<"$output" | tr '\n' ' ')" = "auto off on " ]
		run complete_line "$alias -loglevel=3 -logcolor=o"
		[ "$(sort <<<"$output" | tr '\n' ' ')" = "off on " ]
		run complete_line "$alias --ver"
		[ "$output" = --version ]
	done
}

@test "completion is registered for rsp and every alias on PATH" {
	need_applet
	mkdir -p "$TMP/bin"
	ln -s "$(readlink -f "$RSP")" "$TMP/bin/rsp"
	run env PATH="$TMP/bin:$PATH" bash -c \
		'source "$1"; complete -p' _ "$TOP/completions/rsp.bash"
	grep -q -- "-F _rsp rsp\$" <<<"$output"
	for a in $("$RSP" --aliases); do
		grep -q -- "-F _rsp $a\$" <<<"$output"
	done
}

# The features of make's FEATURES (mk/features.mk), as make check builds:
# all of them.  tests/bats/features/ runs against a build without any.
@test "--features: every build-time feature of a default build, one a line" {
	run "$RSP" --features
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf 'csp\nhelp\nmetrics\nstatslog\nsyslog\nuptime')" ]
	"$RSP" --help | grep -q -- '--features'
	run "$RSP" registrar -nosuchoption=1
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option '-nosuchoption=1' (try --help)" ]]
}
