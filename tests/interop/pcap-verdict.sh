#!/bin/bash
# Judges captures with tshark (on the host: tshark is slow under emulation).
# usage: tests/interop/pcap-verdict.sh [-n] FILE...
# Fails when an ASAP, ENRP or CSP frame (by dissector, SCTP PPID 11/12 or
# port 3863/9901, UDP 2960) is malformed or carries an expert error, when
# tshark cannot read the file, and, unless -n, when the file holds no ASAP
# or no ENRP at all.
# Prints the message types seen and any expert warnings (these do not fail).
set -euo pipefail

require=1
if [ "${1:-}" = -n ]; then
	require=0
	shift
fi
[ $# -gt 0 ] || { echo "usage: $0 [-n] FILE..." >&2; exit 2; }
command -v tshark >/dev/null || { echo "pcap-verdict: tshark missing (apt-get install tshark)" >&2; exit 2; }

RSERPOOL='(asap || enrp || sctp.data_payload_proto_id == 11 || sctp.data_payload_proto_id == 12 || sctp.port == 3863 || sctp.port == 9901 || udp.port == 3863 || udp.port == 9901 || componentstatusprotocol || udp.port == 2960)'

# tshark FILE ARGS...: tshark without its "Running as root" warning.
ts() {
	local f=$1 err rc=0
	shift
	err=$(mktemp)
	tshark -r "$f" "$@" 2>"$err" || rc=$?
	grep -v '^Running as user "root"' "$err" >&2 || true
	rm -f "$err"
	return "$rc"
}

status=0
for f in "$@"; do
	if [ ! -s "$f" ]; then
		echo "pcap-verdict: $f: missing or empty" >&2
		status=1
		continue
	fi
	if ! all=$(ts "$f" -T fields -e frame.number) ||
		! asap=$(ts "$f" -Y asap -T fields -e asap.message_type) ||
		! enrp=$(ts "$f" -Y enrp -T fields -e enrp.message_type) ||
		! bad=$(ts "$f" -Y "$RSERPOOL && (_ws.malformed || _ws.expert.severity == error)") ||
		! warn=$(ts "$f" -Y "$RSERPOOL && _ws.expert.severity == warning"); then
		echo "pcap-verdict: $f: tshark cannot read it" >&2
		status=1
		continue
	fi
	n() { if [ -z "$1" ]; then echo 0; else grep -c . <<<"$1"; fi; }
	types() { [ -z "$1" ] || tr ',' '\n' <<<"$1" | sort -n | uniq -c | awk '{ printf " %s:%s", $2, $1 }'; }
	echo "pcap-verdict: $f: $(n "$all") frames, $(n "$asap") ASAP (type:count$(types "$asap")), $(n "$enrp") ENRP (type:count$(types "$enrp"))"
	if [ -n "$warn" ]; then
		echo "pcap-verdict: $f: expert warnings (not fatal):"
		head -n 20 <<<"$warn" | sed 's/^/  /'
	fi
	if [ -n "$bad" ]; then
		echo "pcap-verdict: $f: FAIL: $(n "$bad") malformed or expert-error ASAP/ENRP frames (first 20):"
		head -n 20 <<<"$bad" | sed 's/^/  /'
		status=1
	elif [ "$require" = 1 ] && { [ -z "$asap" ] || [ -z "$enrp" ]; }; then
		echo "pcap-verdict: $f: FAIL: no ASAP or no ENRP traffic captured"
		status=1
	else
		echo "pcap-verdict: $f: ok (no malformed frame, no expert error in ASAP/ENRP)"
	fi
done
exit "$status"
