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
echo "== bats tests/bats with RSP_TRANSPORT=${RSP_TRANSPORT:-} RSP=$RSP"
[ $# -gt 0 ] || set -- --timing tests/bats
exec bats "$@"
