#!/bin/bash
# The demo: builds rsp and shows what it does today.
#   1. installs gcc/make/libsctp-dev when missing (scripts/deps.sh build)
#   2. builds ./rsp (make)
#   3. shows the binary, its applets, and an RSPLIB-named symlink at work
#   4. two asapcat processes exchange ASAP messages over the TCP mapping on
#      127.0.0.1: an echo server and a client sending a registration and a
#      handle resolution, both printed decoded
# The RSerPool demo proper (a registrar, pool elements and a pool user that
# fails over) needs applets that do not exist yet; README.md says what does.
# Everything runs on 127.0.0.1 and stops by itself.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }
run() {
	printf '$ %s\n' "$*"
	"$@"
}

scripts/deps.sh build
say "build"
make -s -j"$(nproc)"

RSP=$PWD/rsp
TMP=$(mktemp -d)
pids=()
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	rm -rf "$TMP"
}
trap cleanup EXIT

say "one binary"
run ls -l rsp
run ./rsp --version
say "its applets: name, RSPLIB name, summary"
run ./rsp --help
mapfile -t applets < <("$RSP" --list)
if [ ${#applets[@]} -eq 0 ]; then
	echo "(no applet in this build yet)"
	exit 0
fi

say "RSPLIB names are symlinks to rsp"
run ./rsp --install "$TMP"
run ls -l "$TMP"
alias=$("$RSP" --aliases | head -n 1)
run "$TMP/$alias" --help

if ! printf '%s\n' "${applets[@]}" | grep -qx asapcat; then
	exit 0
fi

say "ASAP over the TCP mapping: an echo server and a client on 127.0.0.1"
# Two ASAP messages, one hex line each (tests/vectors/rsplib-3-generated.txt):
# a PE registering in pool "EchoPool", then a handle resolution for it.
reg='01 00 00 38 00 09 00 0c 45 63 68 6f 50 6f 6f 6c 00 0a 00 28 12 34 56 78'
reg+=' 00 00 ab cd 00 00 75 30 00 04 00 10 00 07 00 01 00 01 00 08 0a 01 01 01'
reg+=' 00 08 00 08 00 00 00 01'
hr='05 00 00 10 00 09 00 0c 45 63 68 6f 50 6f 6f 6c'
printf '# ASAP Registration: pool EchoPool, PE 0x12345678\n%s\n' "$reg" \
	>"$TMP/messages"
printf '# ASAP Handle Resolution: pool EchoPool\n%s\n' "$hr" >>"$TMP/messages"

# Port 0: the listener takes a free port and prints it.
echo '$ rsp asapcat -listen=127.0.0.1:0 -echo -transport=tcp -timeout=20000 &'
"$RSP" asapcat -listen=127.0.0.1:0 -echo -transport=tcp -timeout=20000 \
	>"$TMP/listener.out" 2>&1 &
pids+=($!)
port=
for _ in $(seq 50); do
	port=$(sed -n 's/^event=listening .*addr=127\.0\.0\.1:\([0-9]*\).*/\1/p' \
		"$TMP/listener.out")
	[ -n "$port" ] && break
	sleep 0.1
done
[ -n "$port" ] || {
	cat "$TMP/listener.out"
	exit 1
}
cat "$TMP/listener.out"

echo
echo "\$ rsp asapcat -connect=127.0.0.1:$port -transport=tcp -count=2 <messages"
sed 's/^/  messages: /' "$TMP/messages"
timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$port" -transport=tcp \
	-count=2 -timeout=5000 <"$TMP/messages"

sleep 0.2
echo
echo "The listener received, decoded and echoed:"
grep '^event=msg' "$TMP/listener.out"
