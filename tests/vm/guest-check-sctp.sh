#!/bin/bash
# Runs inside the SCTP test guest for make check-sctp: proves kernel SCTP
# works (tests/vm/sctp-check.c, built on the host), then the unit tests with
# SCTP cases and the bats files that take their transport from the
# environment (RSP, RSP_TESTBIN, RSP_TRANSPORT=sctp).
# usage: tests/vm/guest-check-sctp.sh SCTP-CHECK-BINARY [BATS-ARG...]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 SCTP-CHECK-BINARY [BATS-ARG...]" >&2; exit 2; }
check=$1
shift
: "${RSP:?set RSP to the rsp binary}"
echo "== kernel $(uname -r): SCTP socket check"
"$check"
# The unit tests with live SCTP cases rerun them over kernel SCTP here.
for t in test_transport test_lib_discovery; do
	if [ -x "${RSP_TESTBIN:-}/$t" ]; then
		echo "== $RSP_TESTBIN/$t (SCTP cases included)"
		"$RSP_TESTBIN/$t"
	fi
done
# RSPLIB's API, its direct data path included, over kernel SCTP
for t in test_rsplib test_rsplib_pe; do
	if [ -x "${RSP_TESTBIN:-}/$t" ]; then
		echo "== $RSP_TESTBIN/$t over SCTP"
		RSP_TEST_TRANSPORT=sctp "$RSP_TESTBIN/$t"
	fi
done
echo "== bats with RSP_TRANSPORT=${RSP_TRANSPORT:-} RSP=$RSP"
# Only the files that take their transport from the environment: the
# others fix -transport=tcp and run on the host already (their SCTP side
# is covered by tests/interop/, against RSPLIB), and under emulation the
# whole suite would take about an hour.
if [ $# -eq 0 ]; then
	export RSP_BATS_TRANSPORT=${RSP_TRANSPORT:-sctp}
	set -- --timing tests/bats/tcpmap.bats tests/bats/registrar-enrp.bats \
	    tests/bats/discovery.bats tests/bats/pingpong-calcapp.bats \
	    tests/bats/threats.bats tests/bats/metrics.bats
fi
exec bats "$@"
