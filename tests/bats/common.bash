# Shared by the bats files that start real daemons: `load common`.
# The caller's setup() sets T (a temporary directory) and PIDS (the
# processes its teardown() kills); TR is the transport (default tcp).

# Wait at most $2 s for a line matching $1 in file $3; show the file and
# fail when it does not come.
wait_for_line() {
	for _ in $(seq $(($2 * 10))); do
		grep -q -- "$1" "$3" 2>/dev/null && return 0
		sleep 0.1
	done
	echo "--- $3:" >&2
	cat "$3" >&2
	return 1
}

# An rsp registrar on 127.0.0.1, a free port, announces off, logging to
# $T/registrar.log; extra options in "$@".  Sets RPID and PORT.
start_registrar() {
	"$RSP" registrar -transport="${TR:-tcp}" -asap=127.0.0.1:0 \
	    -asapannounce=off -minaddressscope=loopback -loglevel=5 \
	    -logcolor=off "$@" >"$T/registrar.log" 2>&1 3>&- &
	RPID=$!
	PIDS="$PIDS $RPID"
	wait_for_line 'ASAP listening on' 10 "$T/registrar.log"
	PORT=$(sed -n 's/.*ASAP listening on 127\.0\.0\.1:\([0-9]*\) ([a-z]*)$/\1/p' \
	    "$T/registrar.log")
	[ -n "$PORT" ]
}

# Skip the test unless this build has each applet named (make APPLETS=).
need_applets() {
	local a
	for a in "$@"; do
		"$RSP" --list | grep -qx "$a" || skip "no $a applet in this build"
	done
}

# Kill -9 a process and everything below it, children first: `timeout
# CMD &` or a function run in the background leave CMD running when only
# their own process dies.
kill_tree() {
	local c
	for c in $(pgrep -P "$1" 2>/dev/null); do
		kill_tree "$c"
	done
	kill -9 "$1" 2>/dev/null || true
}

# The teardown of the files that keep their PIDs in PIDS: kill every
# tree, then reap.
kill_pids() {
	local p
	for p in $PIDS; do
		kill_tree "$p"
		wait "$p" 2>/dev/null || true
	done
}

# Add the PIDs that -daemonpidfile files in $T hold to PIDS.
add_pidfiles() {
	local f
	for f in "$T"/*.pid; do
		[ -s "$f" ] && PIDS="$PIDS $(cat "$f")"
	done
	return 0
}

# After a terminal echoed the line "first" into $T/term.out: set victim
# to the one of PEs $2 and $3 whose ID (by the function $1, e.g. pe_id)
# answered it, other to the one that did not; fails if neither did.
pick_victim() {
	local idfn=$1 used
	used=$(sed -n 's/.*from PE \$\([0-9a-f]*\)> first.*/\1/p' "$T/term.out")
	if [ "$used" = "$("$idfn" "$2")" ]; then
		victim=$2 other=$3
	else
		victim=$3 other=$2
	fi
	[ "$used" = "$("$idfn" "$victim")" ]
}
