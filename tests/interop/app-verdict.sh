#!/bin/bash
# Judges the RSPLIB example service frames of captures with tshark (on the
# host): Ping Pong (pingpongprotocol, PPID 33), CalcApp (calcappprotocol,
# PPID 34), the Fractal Generator (fractalgeneratorprotocol, PPID 32) and
# the Scripting Service (ssp, PPID 35).
# usage: tests/interop/app-verdict.sh FILE...
# Fails when a frame of these protocols is malformed or carries an expert
# error, when tshark cannot read the file, or when it holds none of them.
# ASAP (cookies, Cookie Echo) is pcap-verdict.sh's.
set -euo pipefail

[ $# -gt 0 ] || { echo "usage: $0 FILE..." >&2; exit 2; }
command -v tshark >/dev/null || { echo "app-verdict: tshark missing (apt-get install tshark)" >&2; exit 2; }

APP='(pingpongprotocol || calcappprotocol || fractalgeneratorprotocol || ssp || sctp.data_payload_proto_id == 32 || sctp.data_payload_proto_id == 33 || sctp.data_payload_proto_id == 34 || sctp.data_payload_proto_id == 35)'

ts() {
	local f=$1 err rc=0
	shift
	err=$(mktemp)
	tshark -r "$f" "$@" 2>"$err" || rc=$?
	grep -v '^Running as user "root"' "$err" >&2 || true
	rm -f "$err"
	return "$rc"
}

n() { if [ -z "$1" ]; then echo 0; else grep -c . <<<"$1"; fi; }

status=0
for f in "$@"; do
	if [ ! -s "$f" ]; then
		echo "app-verdict: $f: missing or empty" >&2
		status=1
		continue
	fi
	if ! pp=$(ts "$f" -Y pingpongprotocol -T fields -e frame.number) ||
		! ca=$(ts "$f" -Y calcappprotocol -T fields -e frame.number) ||
		! fg=$(ts "$f" -Y fractalgeneratorprotocol -T fields -e frame.number) ||
		! sp=$(ts "$f" -Y ssp -T fields -e frame.number) ||
		! bad=$(ts "$f" -Y "$APP && (_ws.malformed || _ws.expert.severity == error)"); then
		echo "app-verdict: $f: tshark cannot read it" >&2
		status=1
		continue
	fi
	echo "app-verdict: $f: $(n "$pp") Ping Pong frames, $(n "$ca") CalcApp frames," \
	    "$(n "$fg") Fractal Generator frames, $(n "$sp") Scripting Service frames"
	if [ -n "$bad" ]; then
		echo "app-verdict: $f: FAIL: $(n "$bad") malformed or expert-error frames (first 20):"
		head -n 20 <<<"$bad" | sed 's/^/  /'
		status=1
	elif [ -z "$pp$ca$fg$sp" ]; then
		echo "app-verdict: $f: FAIL: no service frame"
		status=1
	else
		echo "app-verdict: $f: ok (no malformed frame, no expert error)"
	fi
done
exit "$status"
