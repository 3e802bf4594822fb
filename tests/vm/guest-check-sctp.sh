#!/bin/bash
# Runs inside the SCTP test guest for make check-sctp: proves kernel SCTP
# works (tests/vm/sctp-check.c, built on the host), then runs the bats suite
# with the environment given (RSP, RSP_TESTBIN, RSP_TRANSPORT=sctp).
# usage: tests/vm/guest-check-sctp.sh SCTP-CHECK-BINARY [BATS-ARG...]
set -euo pipefail
[ $# -ge 1 ] || { echo "usage: $0 SCTP-CHECK-BINARY [BATS-ARG...]" >&2; exit 2; }
check=$1
shift
: "${RSP:?set RSP to the rsp binary}"
echo "== kernel $(uname -r): SCTP socket check"
"$check"
# The transport unit test reruns its cases over kernel SCTP when it can.
if [ -x "${RSP_TESTBIN:-}/test_transport" ]; then
	echo "== $RSP_TESTBIN/test_transport (SCTP cases included)"
	"$RSP_TESTBIN/test_transport"
fi
echo "== bats tests/bats with RSP_TRANSPORT=${RSP_TRANSPORT:-} RSP=$RSP"
# tshark.bats judges pcaps written on the host by the encoder tests: the
# host suite runs it, and tshark takes 15-45 s to start under emulation.
if [ $# -eq 0 ]; then
	files=()
	for f in tests/bats/*.bats; do
		[ "${f##*/}" = tshark.bats ] || files+=("$f")
	done
	set -- --timing "${files[@]}"
fi
exec bats "$@"
