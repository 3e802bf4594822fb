#!/usr/bin/env bats
# A build that leaves every feature out (mk/features.mk; the router
# profile: make static PROFILE=router), run by make check-features
# against that binary: the options of the features are gone with a
# message that says why, and what stays works.  Over the TCP mapping on
# 127.0.0.1, announces off; every process killed in teardown.

load ../common

OFF='csp help metrics statslog syslog uptime'

setup() {
	: "${RSP:?set RSP to an rsp binary built with FEATURES= (make check-features)}"
	T=$BATS_TEST_TMPDIR
	PIDS=
}

teardown() {
	kill_pids
}

@test "features: the binary says it has none" {
	run "$RSP" --features
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# APPLET OPTION: refused as unknown, the message names what is left out.
refused() {
	run "$RSP" "$1" "$2"
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown option '$2'"* ]]
	[[ "$output" == *"this build leaves out: $OFF"* ]]
	run "$RSP" "$1" --options
	[[ "$output" != *"${2%%=*}"$'\t'* ]]
}

@test "features: the options of each left-out feature are refused and unlisted" {
	refused registrar -metrics
	refused registrar -metricspools=3
	refused server -metricsfile=/tmp/x
	refused terminal -statusfile=/tmp/x
	refused registrar -cspserver=127.0.0.1:2960
	refused server -cspinterval=500
	refused registrar -statsfile="$T/stats"
	refused registrar -actionlogfile="$T/actions"
	refused registrar -scalar="$T/scalars"
	refused registrar -uptime=5
	refused server -downtime=1
	refused terminal -logsyslog
	[ ! -e "$T/stats" ] && [ ! -e "$T/actions" ]
}

# help: the descriptions are gone, the options and their values stay.
@test "features: --help and --options without descriptions" {
	run "$RSP" registrar --help
	[ "$status" -eq 0 ]
	[[ "$output" == *"-loglevel=0..9"* ]]
	[[ "$output" != *"log verbosity"* ]]
	[[ "$output" != *"(null)"* ]]
	run "$RSP" registrar --options
	[ "$status" -eq 0 ]
	line=$(printf '%s\n' "$output" | grep $'^-loglevel=\t')
	[ "$(cut -f7 <<<"$line")" = - ]
	[ "$(cut -f4 <<<"$line")" = 0..9 ]
}

@test "features: log lines keep their time stamp without strftime" {
	start_registrar
	grep -Eq '^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}\.[0-9]{3} registrar\[[0-9]+\]: ' \
	    "$T/registrar.log"
}

@test "features: cspmonitor is not in a build without csp" {
	run "$RSP" --list
	[[ "$output" != *cspmonitor* ]]
	run "$RSP" cspmonitor
	[ "$status" -ne 0 ]
}

@test "features: registrar, pool element and hsdump work without them" {
	start_registrar -enrp=127.0.0.1:0 -enrpannounce=off -enrpmulticast=off
	wait_for_line 'ENRP listening on' 10 "$T/registrar.log"
	enrp=$(sed -n 's/.*ENRP listening on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' \
	    "$T/registrar.log")
	"$RSP" server -transport=tcp -registrar=127.0.0.1:"$PORT" -echo -quiet \
	    -loglevel=4 -logcolor=off >"$T/pe.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool' 5 "$T/pe.log"
	run timeout 10 "$RSP" hsdump -transport=tcp -format=kv 127.0.0.1:"$enrp"
	[ "$status" -eq 0 ]
	[[ "$output" == *EchoPool* ]]
}
