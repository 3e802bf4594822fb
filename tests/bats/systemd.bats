#!/usr/bin/env bats
# systemd's notification protocol (core/sdnotify.c) against a socket we
# play ourselves: a datagram listener (python3) on $NOTIFY_SOCKET, a path
# or an abstract '@' name, writing each message with the ms since it
# started.  READY=1 when the registrar listens and when a server is
# registered, STATUS= with the registrar's pools, PEs and peers,
# WATCHDOG=1 every WATCHDOG_USEC/2 (and none for another WATCHDOG_PID),
# STOPPING=1 on SIGTERM; -daemonpidfile refused under Type=notify; and
# -transport=auto without kernel SCTP: one log line, the TCP mapping.

load common

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	T=$(mktemp -d "${BATS_TMPDIR:-/tmp}/rsp-systemd.XXXXXX")
	PIDS=
	TR=${RSP_TRANSPORT:-tcp}
	command -v python3 >/dev/null || skip "no python3 (scripts/deps.sh installs it)"
	need_applets registrar server cspmonitor
}

teardown() {
	kill_pids
	rm -rf "$T"
}

# listen NAME: a notify socket (a path, or @name: abstract), messages to
# $T/notify as "MS PAYLOAD" lines; waits until it is bound.
listen() {
	cat >"$T/listen.py" <<'EOF'
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
name = sys.argv[1]
s.bind("\0" + name[1:] if name.startswith("@") else name)
out = open(sys.argv[2], "w", buffering=1)
t0 = time.monotonic()
out.write("0 bound\n")
while True:
    msg = s.recv(4096).decode()
    out.write("%d %s\n" % ((time.monotonic() - t0) * 1000, msg.replace("\n", " ")))
EOF
	python3 "$T/listen.py" "$1" "$T/notify" &
	PIDS="$PIDS $!"
	wait_for_line '^0 bound$' 20 "$T/notify"
}

# The gaps in ms between consecutive WATCHDOG=1, one per line.
watchdog_gaps() {
	awk '$2 == "WATCHDOG=1" { if (n++) print $1 - last; last = $1 }' "$T/notify"
}

@test "systemd: the registrar says READY=1 once listening, STATUS= with its pools, PEs and peers, WATCHDOG=1, STOPPING=1" {
	listen "$T/notify.sock"
	NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=400000 \
		"$RSP" registrar -transport="$TR" -asap=127.0.0.1:0 \
		-asapannounce=off -minaddressscope=loopback -loglevel=4 \
		-logcolor=off >"$T/registrar.log" 2>&1 &
	local rpid=$! port
	PIDS="$PIDS $rpid"
	wait_for_line ' READY=1$' 10 "$T/notify"
	grep -q 'STATUS=0\[0\] PEs in 0 Pools, 0 Peers$' "$T/notify"
	wait_for_line 'ASAP listening on' 5 "$T/registrar.log"
	port=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' \
		"$T/registrar.log")
	"$RSP" server -echo -transport="$TR" -registrar=127.0.0.1:"$port" \
		-asapannounce=off -quiet -loglevel=3 >"$T/server.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'STATUS=1\[1\] PEs in 1 Pool, 0 Peers$' 10 "$T/notify"
	# WATCHDOG_USEC=400 ms: a ping every 200 ms from the event loop
	for _ in $(seq 50); do
		[ "$(watchdog_gaps | wc -l)" -ge 6 ] && break
		sleep 0.1
	done
	watchdog_gaps >"$T/gaps"
	[ "$(wc -l <"$T/gaps")" -ge 6 ] || { cat "$T/notify"; false; }
	awk '$1 < 150 || $1 > 450 { bad = 1 } END { exit bad }' "$T/gaps" ||
		{ cat "$T/gaps"; false; }
	kill -TERM "$rpid"
	wait "$rpid"
	wait_for_line ' STOPPING=1$' 5 "$T/notify"
	# READY=1 came after listening, before the first STATUS change
	[ "$(grep -c ' READY=1$' "$T/notify")" -eq 1 ]
}

@test "systemd: a server is READY=1 only once registered; abstract socket; STOPPING=1" {
	# The registrar comes later, at an address of 127/8 and a port
	# chosen now: an address of its own, so nothing else answers there.
	local ip port spid name
	ip=127.$((RANDOM % 200 + 20)).$((RANDOM % 250 + 1)).$((RANDOM % 250 + 1))
	port=$((20000 + RANDOM % 20000))
	name=@rsp-bats-$$-$RANDOM
	listen "$name"
	NOTIFY_SOCKET=$name WATCHDOG_USEC=1000000 \
		"$RSP" server -echo -transport="$TR" -registrar="$ip:$port" \
		-asapannounce=off -quiet -loglevel=4 -logcolor=off \
		>"$T/server.log" 2>&1 &
	spid=$!
	PIDS="$PIDS $spid"
	# the watchdog runs while the server hunts, READY=1 waits
	wait_for_line ' WATCHDOG=1$' 5 "$T/notify"
	sleep 1
	run grep -c ' READY=1$' "$T/notify"
	[ "$output" = 0 ]
	"$RSP" registrar -transport="$TR" -asap="$ip:$port" -asapannounce=off \
		-minaddressscope=loopback -loglevel=3 -logcolor=off \
		>"$T/registrar.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line ' READY=1$' 20 "$T/notify"
	grep -Eq ' STATUS=PE \$[0-9a-f]{8} registered in pool EchoPool$' "$T/notify"
	kill -TERM "$spid"
	wait "$spid"
	grep -q ' STOPPING=1$' "$T/notify"
}

@test "systemd: no WATCHDOG=1 for another WATCHDOG_PID; cspmonitor READY=1 and STOPPING=1" {
	local mpid
	listen "$T/notify.sock"
	NOTIFY_SOCKET=$T/notify.sock WATCHDOG_USEC=200000 WATCHDOG_PID=1 \
		"$RSP" cspmonitor -localaddress=127.0.0.1:0 -compact \
		-logcolor=off >"$T/mon.out" 2>"$T/mon.err" &
	mpid=$!
	PIDS="$PIDS $mpid"
	wait_for_line ' READY=1$' 10 "$T/notify"
	sleep 0.5
	kill -TERM "$mpid"
	wait "$mpid"
	wait_for_line ' STOPPING=1$' 5 "$T/notify"
	run grep -c WATCHDOG "$T/notify"
	[ "$output" = 0 ]
}

@test "systemd: -daemonpidfile is refused when NOTIFY_SOCKET is set (Type=notify: no fork)" {
	run env NOTIFY_SOCKET="$T/notify.sock" "$RSP" registrar \
		-transport="$TR" -asap=127.0.0.1:0 -asapannounce=off \
		-daemonpidfile="$T/r.pid"
	[ "$status" -eq 1 ]
	[[ $output == *"-daemonpidfile=$T/r.pid: not under systemd (\$NOTIFY_SOCKET is set, Type=notify)"* ]]
	[ ! -e "$T/r.pid" ]
	run env NOTIFY_SOCKET="$T/notify.sock" "$RSP" server -echo \
		-registrar=127.0.0.1:1 -daemonpidfile="$T/s.pid"
	[ "$status" -eq 1 ]
	[ ! -e "$T/s.pid" ]
}

@test "systemd: a bad NOTIFY_SOCKET is named in the log and ignored" {
	NOTIFY_SOCKET=relative/path "$RSP" registrar -transport="$TR" \
		-asap=127.0.0.1:0 -asapannounce=off -logcolor=off \
		>"$T/registrar.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'ASAP listening on' 10 "$T/registrar.log"
	grep -q 'systemd: NOTIFY_SOCKET=relative/path ignored: expected an absolute path or @name' "$T/registrar.log"
}

@test "transport auto without kernel SCTP: one log line, then the TCP mapping" {
	local rpid port
	env -u RSP_TRANSPORT "$RSP" registrar -transport=auto -asap=127.0.0.1:0 \
		-asapannounce=off -minaddressscope=loopback -logcolor=off \
		>"$T/registrar.log" 2>&1 &
	rpid=$!
	PIDS="$PIDS $rpid"
	wait_for_line 'ASAP listening on' 10 "$T/registrar.log"
	grep -q 'ASAP listening on .* (sctp)$' "$T/registrar.log" &&
		skip "this kernel has SCTP"
	[ "$(grep -c 'kernel SCTP unavailable' "$T/registrar.log")" -eq 1 ]
	grep -Eq 'transport: kernel SCTP unavailable \(.+\), using the TCP mapping \(load the sctp module for SCTP\)$' "$T/registrar.log"
	port=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) (tcp)$/\1/p' \
		"$T/registrar.log")
	[ -n "$port" ]
	env -u RSP_TRANSPORT "$RSP" server -echo -transport=auto \
		-registrar=127.0.0.1:"$port" -asapannounce=off -logcolor=off \
		-quiet >"$T/server.log" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool EchoPool (tcp port' 10 "$T/server.log"
	[ "$(grep -c 'kernel SCTP unavailable' "$T/server.log")" -eq 1 ]
}

@test "make install-systemd installs the three units, ExecStart at PREFIX; make install none" {
	local r=$T/root
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP" \
		install-systemd PREFIX=/usr DESTDIR="$r"
	echo "$output"
	[ "$status" -eq 0 ]
	for u in rsp-registrar.service rsp-server@.service rsp-cspmonitor.service; do
		[ -f "$r/usr/lib/systemd/system/$u" ]
		grep -q '^ExecStart=/usr/bin/rsp ' "$r/usr/lib/systemd/system/$u"
		run grep -c /usr/local "$r/usr/lib/systemd/system/$u"
		[ "$output" = 0 ]
	done
	grep -qx 'ExecStart=/usr/bin/rsp server -%i $RSP_SERVER_OPTS' \
		"$r/usr/lib/systemd/system/rsp-server@.service"
	run env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make -s -C "$TOP" install \
		RSP_BIN="$(readlink -f "$RSP")" PREFIX=/usr DESTDIR="$T/plain"
	[ "$status" -eq 0 ]
	[ -x "$T/plain/usr/bin/rsp" ]
	[ ! -e "$T/plain/usr/lib/systemd" ]
}

