# shellcheck shell=sh
# usage: busybox ash tests/openwrt/start.sh INIT CONFIG_DIR PROG
# What /etc/rc.common does for `/etc/init.d/rsp start` with USE_PROCD=1,
# against the stand-in of tests/openwrt/standin.sh: source the init
# script, then open the service, start_service, service_triggers, close.
# PROG replaces the init script's /usr/sbin/rsp.

STANDIN_CONFIG_DIR=$2
# shellcheck source=tests/openwrt/standin.sh
. "${0%/*}/standin.sh"
# shellcheck disable=SC1090 # the init script under test
. "$1"
# shellcheck disable=SC2034 # read by the init script's functions
PROG=$3
procd_open_service rsp
start_service
service_triggers
procd_close_service
