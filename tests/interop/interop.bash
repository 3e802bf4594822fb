# Shared by the tests/interop/*.bats files (`load interop`): bounded
# waiting and stopping what a test started.

# wait_for SECONDS CMD...: polls CMD every 0.2 s until it succeeds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.2
	done
}

# stop PID [SIGNAL]: the signal (TERM), up to 5 s to exit, then SIGKILL.
stop() {
	local pid=$1
	[ -n "$pid" ] || return 0
	kill -"${2:-TERM}" "$pid" 2>/dev/null || return 0
	wait_for 5 eval "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
}
