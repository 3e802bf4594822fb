#!/bin/bash
# make check-interop: the RSPLIB interop smoke test in the SCTP test guest,
# then the capture judged by tshark on the host.
# Installs rsplib-registrar, rsplib-services, rsplib-tools and tshark on the
# host when missing (the guest's root is the host's /).
# Environment: as tests/vm/run-in-guest.sh; INTEROP_TIMEOUT (s, default 2700).
# tests/interop/fractal.bats also uses RSPLIB's Qt fractalpooluser (in
# rsplib-services) headless, through Qt's offscreen platform plugin.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
out=${VM_CACHE:-$top/build/vm}/interop

pkgs=()
command -v rspregistrar >/dev/null || pkgs+=(rsplib-registrar)
# rsplib-services: rspserver, and scriptingclient/scriptingcontrol for
# tests/interop/scripting.bats.
{ command -v rspserver >/dev/null && command -v scriptingclient >/dev/null &&
	command -v scriptingcontrol >/dev/null; } || pkgs+=(rsplib-services)
{ command -v rspterminal >/dev/null && command -v hsdump >/dev/null; } || pkgs+=(rsplib-tools)
{ command -v tshark >/dev/null && command -v dumpcap >/dev/null &&
	command -v text2pcap >/dev/null; } || pkgs+=(tshark)
command -v bats >/dev/null || pkgs+=(bats)
if [ ${#pkgs[@]} -gt 0 ]; then
	[ "$(id -u)" -eq 0 ] || { echo "interop: missing ${pkgs[*]}; run as root: apt-get install ${pkgs[*]}" >&2; exit 2; }
	echo "interop: installing ${pkgs[*]}" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -qq "${pkgs[@]}" >&2 ||
		{ apt-get update -qq >&2 && apt-get install -y -qq "${pkgs[@]}" >&2; } ||
		{ echo "interop: apt-get install ${pkgs[*]} failed" >&2; exit 2; }
fi

# The verdict must be able to fail: a truncated ASAP Registration is malformed.
mkdir -p "$out"
printf '0000  01 00 00 40 00 08 00 04\n' >"$out/known-bad.txt"
text2pcap -q -S 3863,3863,11 "$out/known-bad.txt" "$out/known-bad.pcap" >/dev/null 2>&1 ||
	{ echo "interop: text2pcap failed" >&2; exit 1; }
if "$top/tests/interop/pcap-verdict.sh" -n "$out/known-bad.pcap" >/dev/null 2>&1; then
	echo "interop: pcap-verdict.sh passes a malformed ASAP frame: tshark dissector missing?" >&2
	exit 1
fi

# So must app-verdict.sh's: a Ping of 8 bytes (Length 12) is malformed.
printf '0000  01 00 00 0c 00 00 00 00\n' >"$out/known-bad-ping.txt"
text2pcap -q -S 4000,4000,33 "$out/known-bad-ping.txt" "$out/known-bad-ping.pcap" >/dev/null 2>&1 ||
	{ echo "interop: text2pcap failed" >&2; exit 1; }
if "$top/tests/interop/app-verdict.sh" "$out/known-bad-ping.pcap" >/dev/null 2>&1; then
	echo "interop: app-verdict.sh passes a malformed Ping: tshark dissector missing?" >&2
	exit 1
fi

rc=0
# RSP: our binary for tests/interop/rsp-registrar.bats, hsdump.bats and
# scripting.bats
# (make check-interop builds and passes the sanitizer build); RSP_LIBB:
# the directory of our librsplib.so.3 for rsplib-on-rsp.bats.
# The whole run is captured too (tests/interop/guest-capture.sh), so
# that every frame of every file is judged, not only those of the files
# with captures of their own.
"$top/tests/vm/run-in-guest.sh" -t "${INTEROP_TIMEOUT:-2700}" -e RSP_INTEROP_OUT="$out" \
	${RSP:+-e RSP="$RSP"} ${RSP_LIBB:+-e RSP_LIBB="$RSP_LIBB"} \
	tests/interop/guest-capture.sh "$out/all.pcapng" \
	bats --timing tests/interop || rc=$?
vrc=0
"$top/tests/interop/pcap-verdict.sh" "$out/all.pcapng" || vrc=$?
"$top/tests/interop/app-verdict.sh" "$out/all.pcapng" || vrc=1
"$top/tests/interop/pcap-verdict.sh" "$out/rsplib-smoke.pcapng" || vrc=$?
# CSP reports both ways (tests/interop/rsp-cspmonitor.bats): UDP only.
if [ -s "$out/rsp-cspmonitor.pcapng" ]; then
	"$top/tests/interop/pcap-verdict.sh" -n "$out/rsp-cspmonitor.pcapng" || vrc=1
fi
# ENRP between rsp registrar and rspregistrar (tests/interop/rsp-enrp.bats)
if [ -f "$out/enrp/rsp-enrp.pcapng" ]; then
	"$top/tests/interop/pcap-verdict.sh" "$out/enrp/rsp-enrp.pcapng" || vrc=$?
fi
# tests/interop/services-pingpong-calcapp.bats: ASAP (cookies, Cookie
# Echo) and the Ping Pong and CalcApp frames of its capture.
if [ -e "$out/services/services.pcapng" ]; then
	"$top/tests/interop/pcap-verdict.sh" -n "$out/services/services.pcapng" || vrc=1
	"$top/tests/interop/app-verdict.sh" "$out/services/services.pcapng" || vrc=1
fi
if [ "$rc" -ne 0 ]; then
	echo "interop: the guest run failed (exit $rc); logs in $out" >&2
	exit "$rc"
fi
exit "$vrc"
