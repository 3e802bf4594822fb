#!/bin/bash
# The demo: a registrar, two echo pool elements and a pool user that
# fails over, all of it rsp, over the TCP mapping on 127.0.0.1.
#   1. installs gcc/make/libsctp-dev when missing (scripts/deps.sh build)
#   2. builds ./rsp (make)
#   3. starts rsp registrar (announces off: no multicast leaves the host)
#   4. starts three rsp server -echo pool elements in pool EchoPool
#   5. rsp terminal sends a line every 0.4 s and prints the echoes
#   6. the PE the terminal talks to is killed with SIGKILL: the terminal
#      reports it unreachable, resolves EchoPool again and goes on with
#      another PE
#   7. the surviving PEs are stopped with SIGTERM and deregister
# Bounded (about 10 s) and every process it starts is stopped on exit.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf '\n== %s\n' "$*"; }

scripts/deps.sh build
say "build"
make -s -j"$(nproc)"

RSP=$PWD/rsp
TMP=$(mktemp -d)
pids=()
cleanup() {
	local p
	exec 4>&- 2>/dev/null || true
	for p in "${pids[@]}"; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$TMP"
}
trap cleanup EXIT

# Wait at most 5 s for a line matching $1 in file $2.
wait_for() {
	for _ in $(seq 50); do
		grep -q -- "$1" "$2" && return 0
		sleep 0.1
	done
	echo "demo: timed out waiting for '$1' in $2:" >&2
	cat "$2" >&2
	exit 1
}

say "a registrar on 127.0.0.1, free port, announces off"
echo '$ rsp registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off -minaddressscope=loopback -loglevel=4 &'
"$RSP" registrar -transport=tcp -asap=127.0.0.1:0 -asapannounce=off \
	-minaddressscope=loopback -loglevel=4 -logcolor=off >"$TMP/registrar.log" 2>&1 &
pids+=($!)
wait_for 'ASAP listening on' "$TMP/registrar.log"
port=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' \
	"$TMP/registrar.log")
cat "$TMP/registrar.log"
reg=-registrar=127.0.0.1:$port

say "three echo pool elements in pool EchoPool"
declare -A pe_pid
for n in 1 2 3; do
	echo "\$ rsp server -echo -transport=tcp $reg &"
	"$RSP" server -echo -transport=tcp "$reg" -logcolor=off \
		>"$TMP/pe$n.log" 2>&1 &
	pids+=($!)
	wait_for 'registered in pool' "$TMP/pe$n.log"
	id=$(sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' \
		"$TMP/pe$n.log")
	pe_pid[$id]=$!
	echo "PE \$$id (pid $!): $(grep -o 'registered in pool.*' "$TMP/pe$n.log")"
done

say "a pool user: rsp terminal, one line every 0.4 s"
echo "\$ rsp terminal -transport=tcp $reg"
mkfifo "$TMP/in"
timeout 30 "$RSP" terminal -transport=tcp "$reg" -logcolor=off \
	<"$TMP/in" 2>&1 | tee "$TMP/term.out" | sed -u 's/^/  terminal | /' &
pids+=($!)
exec 4>"$TMP/in"
for i in 1 2 3; do
	echo "line $i" >&4
	sleep 0.4
done
# The terminal's PE: the one that echoed the first line.
victim=$(sed -n 's/.*from PE \$\([0-9a-f]*\)> line 1$/\1/p' "$TMP/term.out")
[ -n "$victim" ] || { echo "demo: no echo came back" >&2; exit 1; }

say "kill -9 PE \$$victim, the one the terminal talks to"
# disown: no "Killed" job report from bash in the middle of the output
disown "${pe_pid[$victim]}"
kill -9 "${pe_pid[$victim]}"
# A line written while the PE dies can be lost, as with RSPLIB: the
# library does not replay unacknowledged messages.  Give the terminal
# half a second to notice the loss before the next line.
sleep 0.5
for i in 4 5 6 7; do
	echo "line $i" >&4
	sleep 0.4
done
exec 4>&-
sleep 1.5

say "the registrar's view"
sed 's/^/  registrar | /' "$TMP/registrar.log"

say "stop the surviving PEs (SIGTERM: they deregister)"
for id in "${!pe_pid[@]}"; do
	[ "$id" = "$victim" ] && continue
	kill "${pe_pid[$id]}"
	wait "${pe_pid[$id]}" 2>/dev/null || true
done
sleep 0.3
grep 'deregistered' "$TMP/registrar.log" | sed 's/^/  registrar | /'
say "done"
