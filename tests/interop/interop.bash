# Shared by the tests/interop/*.bats files (`load interop`): starting,
# bounded waiting, showing logs and stopping what a test started.  Files
# whose processes log elsewhere define a start of their own after
# `load interop`.

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

# start NAME CMD...: CMD in the background, output in $OUT/NAME.log, its
# PID in $OUT/NAME.pid.
start() {
	local name=$1
	shift
	"$@" >"$OUT/$name.log" 2>&1 </dev/null 3>&- &
	echo "$!" >"$OUT/$name.pid"
}

# show FILE...: each file, with a header, control characters visible.
show() {
	local f
	for f in "$@"; do
		echo "--- $f"
		cat -v "$f"
	done
}
