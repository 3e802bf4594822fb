#!/usr/bin/env bats
# The OpenWrt package (openwrt/net/rsp/) without OpenWrt: its init script
# is parsed by busybox ash and linted by shellcheck -s sh; its start path
# runs under busybox ash against a stand-in for the UCI and procd shell
# functions (tests/openwrt/standin.sh, written by us); the command lines
# it gives procd are compared with the expected ones and then run on
# 127.0.0.1, where the server registers with the registrar.  What only
# OpenWrt's SDK can check is in README.md, Deploying.

load common

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	PKG=$TOP/openwrt/net/rsp
	INIT=$PKG/files/rsp.init
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/rsp-openwrt.XXXXXX")
	PIDS=
	command -v busybox >/dev/null || skip "no busybox (apt-get install busybox)"
	need_applets registrar server cspmonitor
}

teardown() {
	kill_pids
	rm -rf "$T"
}

# start_path CONFIG: what `/etc/init.d/rsp start` hands procd, with
# CONFIG as /etc/config/rsp; procd lines on $T/out, the log on $T/err.
start_path() {
	mkdir -p "$T/etc"
	cp "$1" "$T/etc/rsp"
	busybox ash "$TOP/tests/openwrt/start.sh" "$INIT" "$T/etc" "$RSP" \
		>"$T/out" 2>"$T/err"
}

@test "openwrt: the init script and stand-in pass busybox ash -n and shellcheck -s sh" {
	busybox ash -n "$INIT"
	busybox ash -n "$TOP/tests/openwrt/standin.sh"
	command -v shellcheck >/dev/null || skip "no shellcheck"
	shellcheck -s sh "$INIT" "$TOP/tests/openwrt/standin.sh" \
		"$TOP/tests/openwrt/start.sh"
}

@test "openwrt: the shipped config starts nothing (every section disabled) and is valid once enabled" {
	start_path "$PKG/files/rsp.config"
	[ "$(cat "$T/out")" = "service rsp
reload_trigger rsp
end service" ]
	[ ! -s "$T/err" ]
	sed "s/option enabled '0'/option enabled '1'/" "$PKG/files/rsp.config" \
		>"$T/enabled"
	start_path "$T/enabled"
	[ ! -s "$T/err" ] || { cat "$T/err"; false; }
	[ "$(grep -c '^instance ' "$T/out")" -eq 3 ]
	grep -qx "command $RSP registrar -transport=auto -loglevel=3" "$T/out"
	grep -qx "command $RSP server -echo -registrar=127.0.0.1:3863" "$T/out"
	grep -qx "command $RSP cspmonitor -compact -updateinterval=60000" "$T/out"
}

@test "openwrt: UCI options become the applets' options; the command lines run and a PE registers" {
	# An address of 127/8 of its own and a random port: no clash with
	# other tests (the config names them before anything listens).
	local ip port cport
	ip=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
	port=$((20000 + RANDOM % 20000))
	cport=$((port + 1))
	cat >"$T/rsp" <<EOF
config registrar 'main'
	option transport 'tcp'
	option asap '$ip:$port'
	option asapannounce 'off'
	option minaddressscope 'loopback'
	option disable_ipv6 '1'
	option supporttakeoversuggestion '0'
	option loglevel '4'
	option logcolor 'off'
	list peerallow '127.0.0.0/8'
	list peerallow '::1/128'

config server 'echo'
	option echo 'on'
	option transport 'tcp'
	list registrar '$ip:$port'
	option asapannounce 'off'
	option poolhandle 'OpenWrtPool'
	option cspserver '$ip:$cport'
	option cspinterval '250'
	option loglevel '4'
	option logcolor 'off'

config server 'off'
	option enabled '0'
	option discard '1'

config cspmonitor 'csp'
	option localaddress '$ip:$cport'
	option compact 'yes'
	option updateinterval '200'
	option logcolor 'off'
EOF
	start_path "$T/rsp"
	[ ! -s "$T/err" ] || { cat "$T/err"; false; }
	cat >"$T/want" <<EOF
service rsp
instance main
command $RSP registrar -transport=tcp -asap=$ip:$port -asapannounce=off -minaddressscope=loopback -disable-ipv6 -loglevel=4 -logcolor=off -peerallow=127.0.0.0/8 -peerallow=::1/128
respawn
stdout 1
stderr 1
end instance
instance echo
command $RSP server -echo -transport=tcp -registrar=$ip:$port -asapannounce=off -poolhandle=OpenWrtPool -cspserver=$ip:$cport -cspinterval=250 -loglevel=4 -logcolor=off
respawn
stdout 1
stderr 1
end instance
instance csp
command $RSP cspmonitor -localaddress=$ip:$cport -compact -updateinterval=200 -logcolor=off
respawn
stdout 1
stderr 1
end instance
reload_trigger rsp
end service
EOF
	diff -u "$T/want" "$T/out"

	# As procd would: each command in the foreground, output to the log.
	local -a reg srv mon
	read -r -a reg <<<"$(sed -n 's/^command //p' "$T/out" | sed -n 1p)"
	read -r -a srv <<<"$(sed -n 's/^command //p' "$T/out" | sed -n 2p)"
	read -r -a mon <<<"$(sed -n 's/^command //p' "$T/out" | sed -n 3p)"
	# Under qemu-user for big-endian MIPS, musl's getifaddrs() never
	# returns (qemu's netlink bug, scripts/check-cross.sh), and a CSP
	# reporter names the local addresses: the PE runs without -csp*.
	local no_csp=${RSP_TEST_NO_GETIFADDRS:-}
	[ -z "$no_csp" ] || read -r -a srv <<<"$(printf '%s\n' "${srv[@]}" |
		grep -v '^-csp' | tr '\n' ' ')"
	"${mon[@]}" >"$T/mon.out" 2>"$T/mon.err" &
	PIDS="$PIDS $!"
	wait_for_line "listening on $ip:$cport" 10 "$T/mon.err"
	"${reg[@]}" >"$T/registrar.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line "ASAP listening on $ip:$port" 10 "$T/registrar.log"
	"${srv[@]}" >"$T/server.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool OpenWrtPool' 10 "$T/server.log"
	wait_for_line 'registered PE' 10 "$T/registrar.log"
	[ -z "$no_csp" ] || return 0
	# and reports to the monitor
	local id
	id=$(sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' \
		"$T/server.log")
	[ -n "$id" ]
	wait_for_line "PE \\\$$id " 10 "$T/mon.out"
}

@test "openwrt: every option of the tables maps, with none named in the init script" {
	# A section per applet with each of its options that has a default
	# (at that default) and each flag (on): what a new option of the
	# table (metrics, say) gets with no change to the init script.
	local type name takes kind arg range def help uci want
	: >"$T/rsp"
	for type in registrar server cspmonitor; do
		printf "config %s 'all_%s'\n" "$type" "$type" >>"$T/rsp"
		want="command $RSP $type"
		while IFS=$'\t' read -r name takes kind arg range def help; do
			name=${name#-}
			name=${name%=}
			uci=$(tr - _ <<<"$name")
			[ "$name" != daemonpidfile ] || continue
			if [ "$kind" = flag ]; then
				printf "\toption %s '1'\n" "$uci" >>"$T/rsp"
				want="$want -$name"
			elif [ "$def" != - ]; then
				printf "\toption %s '%s'\n" "$uci" "$def" >>"$T/rsp"
				want="$want -$name=$def"
			fi
		done < <("$RSP" "$type" --options)
		echo "$want" >>"$T/want"
	done
	start_path "$T/rsp"
	[ ! -s "$T/err" ] || { cat "$T/err"; false; }
	grep '^command ' "$T/out" >"$T/got"
	diff -u "$T/want" "$T/got"
}

@test "openwrt: an unknown option, a refused value or -daemonpidfile keeps only that section from starting" {
	cat >"$T/rsp" <<'EOF'
config registrar 'typo'
	option asapanounce 'off'

config server 'range'
	option loglevel '12'

config server 'choice'
	option transport 'udp'

config registrar 'forks'
	option daemonpidfile '/var/run/rsp.pid'

config server 'good'
	option echo '1'
EOF
	start_path "$T/rsp"
	[ "$(grep '^instance' "$T/out")" = "instance good" ]
	grep -q "typo: unknown option 'asapanounce' (not in 'rsp registrar --options'); not started" "$T/err"
	grep -q "range: server: invalid value '12' for -loglevel: expected an integer in 0..9; not started" "$T/err"
	grep -q "choice: server: invalid value 'udp' for -transport: expected sctp|tcp|auto; not started" "$T/err"
	grep -q "forks: option 'daemonpidfile' is not for procd" "$T/err"
	grep -q "^logger: -t rsp -p daemon.err typo: unknown option" "$T/err"
}

# pkg_make ARGS...: the package Makefile's recipes under the stand-in
# for OpenWrt's build system (tests/openwrt/package.mk); without the
# variables of a make that runs this test (make check exports VARIANT=san).
pkg_make() {
	env -i PATH="$PATH" make -s -f "$TOP/tests/openwrt/package.mk" -C "$PKG" \
	    STANDIN="$TOP/tests/openwrt" PKG_BUILD_DIR="$T/build" "$@"
}

@test "openwrt: the package installs rsp and every applet's name; RSP_ROUTER only the router's" {
	grep -q '^  config RSP_ROUTER$' "$PKG/Makefile"
	pkg_make prepare
	[ -f "$T/build/Makefile" ] && [ -f "$T/build/applets/server.c" ]
	[ ! -e "$T/build/.git" ]
	mkdir -p "$T/build/build/rel" "$T/build/build/rel-router"
	echo full >"$T/build/build/rel/rsp"
	echo router >"$T/build/build/rel-router/rsp"

	pkg_make DEST="$T/full" install
	[ "$(cat "$T/full/usr/sbin/rsp")" = full ]
	[ "$(readlink "$T/full/usr/sbin/cspmonitor")" = rsp ]
	[ "$(find "$T/full/usr/sbin" -type l | wc -l)" -eq 10 ]
	[ -x "$T/full/etc/init.d/rsp" ] && [ -f "$T/full/etc/config/rsp" ]

	# Build/Compile: make with MAKE_FLAGS, PROFILE=router among them
	run env -i PATH="$PATH" \
	    make -n --no-print-directory -C "$T/build" PROFILE=router
	[[ "$output" == *"-o build/rel-router/rsp"* ]]
	pkg_make DEST="$T/router" CONFIG_RSP_ROUTER=y install
	[ "$(cat "$T/router/usr/sbin/rsp")" = router ]
	[ "$(cd "$T/router/usr/sbin" && find . -type l | sort | tr '\n' ' ')" = \
	    "./hsdump ./rspregistrar ./rspserver ./rspterminal " ]
	[ -x "$T/router/etc/init.d/rsp" ]
}

@test "openwrt: the package Makefile names the version rsp --version prints, ISC, kmod-sctp not required" {
	local mk=$PKG/Makefile v
	v=$(sed -n 's/^PKG_VERSION:=//p' "$mk")
	[ -n "$v" ]
	"$RSP" --version | grep -q "^rsp $v "
	grep -qx 'PKG_LICENSE:=ISC' "$mk"
	grep -qx 'PKG_LICENSE_FILES:=LICENSE' "$mk"
	[ -f "$TOP/LICENSE" ]
	if grep -E '^ *DEPENDS:=.*kmod-sctp' "$mk"; then false; fi
	grep -q 'kmod-sctp' "$mk"
	grep -q '/etc/config/rsp' "$mk"
}
