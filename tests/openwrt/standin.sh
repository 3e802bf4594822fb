# shellcheck shell=sh disable=SC3043
# A stand-in for the OpenWrt shell functions openwrt/net/rsp/files/rsp.init
# calls, so that its start path runs under busybox ash on any machine
# (tests/bats/openwrt.bats).  Written for this test from the documented
# behaviour of the UCI shell API (openwrt.org, "Config Scripting") and of
# procd init scripts (openwrt.org, "procd init scripts"); no OpenWrt code.
#
# UCI: config_load NAME sources $STANDIN_CONFIG_DIR/NAME, a file in UCI's
# syntax (config/option/list lines, which are shell); config_cb TYPE NAME,
# option_cb NAME VALUE and list_cb NAME VALUE are called as each line is
# read, and config_cb without arguments after the last section;
# config_get returns a list's items separated by spaces.
# procd: each call prints one line on standard output, the instance's
# command as its arguments separated by spaces:
#	service rsp / instance NAME / command ARG... / respawn /
#	stdout 1 / stderr 1 / end instance / reload_trigger rsp / end service
# logger prints "logger: ARGS" on standard error.

STANDIN_CONFIG_DIR=${STANDIN_CONFIG_DIR:-/etc/config}
STANDIN_SECTIONS=
STANDIN_N=0
STANDIN_CUR=

config_cb() { return 0; }
option_cb() { return 0; }
list_cb() { return 0; }

config() {
	STANDIN_N=$((STANDIN_N + 1))
	STANDIN_CUR=${2:-cfg$STANDIN_N}
	STANDIN_SECTIONS="$STANDIN_SECTIONS $STANDIN_CUR"
	eval "STANDIN_TYPE_$STANDIN_CUR=\$1"
	config_cb "$1" "$STANDIN_CUR"
}

option() {
	eval "STANDIN_V_${STANDIN_CUR}_$1=\$2"
	option_cb "$1" "$2"
}

list() {
	# shellcheck disable=SC2034 # read through eval
	local standin_old
	eval "standin_old=\${STANDIN_V_${STANDIN_CUR}_$1-}"
	eval "STANDIN_V_${STANDIN_CUR}_$1=\"\${standin_old:+\$standin_old }\$2\""
	list_cb "$1" "$2"
}

config_load() {
	STANDIN_SECTIONS=
	STANDIN_N=0
	# shellcheck disable=SC1090 # the file under test
	. "$STANDIN_CONFIG_DIR/$1"
	# as uci_load does: once more, without arguments, after the last
	# section (the callbacks must take that)
	if [ -n "$STANDIN_CUR" ]; then config_cb; fi
	STANDIN_CUR=
}

# config_get VAR SECTION OPTION [DEFAULT]: unset or empty -> DEFAULT
# (The locals are named so that no caller's VAR is one of them.)
config_get() {
	local standin_v
	eval "standin_v=\${STANDIN_V_${2}_$3-}"
	[ -n "$standin_v" ] || standin_v=${4-}
	eval "$1=\$standin_v"
}

# config_get_bool VAR SECTION OPTION [DEFAULT]: 1 or 0
config_get_bool() {
	local standin_b
	config_get standin_b "$2" "$3"
	case "$standin_b" in
	1 | on | true | yes | enabled) standin_b=1 ;;
	0 | off | false | no | disabled) standin_b=0 ;;
	*) standin_b=${4-0} ;;
	esac
	eval "$1=\$standin_b"
}

# config_foreach FUNC [TYPE [ARG...]]: FUNC SECTION ARG... for each section
# of TYPE (every section without TYPE), in file order.
config_foreach() {
	local fn="$1" type="${2-}" s t
	shift
	[ $# -gt 0 ] && shift
	for s in $STANDIN_SECTIONS; do
		eval "t=\$STANDIN_TYPE_$s"
		[ -z "$type" ] || [ "$t" = "$type" ] || continue
		"$fn" "$s" "$@"
	done
}

procd_open_service() { echo "service $1"; }
procd_close_service() { echo "end service"; }
procd_open_instance() { echo "instance ${1-}"; }
procd_close_instance() { echo "end instance"; }
procd_set_param() { echo "$*"; }
procd_append_param() { echo "$*"; }
procd_add_reload_trigger() { echo "reload_trigger $*"; }
logger() { echo "logger: $*" >&2; }
