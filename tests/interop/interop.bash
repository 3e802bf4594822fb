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

# stop_all: every process whose PID file $OUT/*.pid holds, PID file
# removed.
stop_all() {
	local f
	for f in "$OUT"/*.pid; do
		[ -f "$f" ] || continue
		stop "$(cat "$f")"
		rm -f "$f"
	done
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

# interop_need PROGRAM...: the checks every file's setup_file makes:
# kernel SCTP, RSPLIB's PROGRAMs, and RSP (default build/san/rsp, then
# build/rel/rsp), exported.  Fails with a message on fd 3.
interop_need() {
	local p top
	if [ ! -d /proc/sys/net/sctp ]; then
		echo "# no kernel SCTP here: run this in the SCTP test guest (tests/vm/README.md)" >&3
		return 1
	fi
	for p in "$@"; do
		if ! command -v "$p" >/dev/null; then
			echo "# $p missing: make check-interop installs rsplib-registrar rsplib-services rsplib-tools" >&3
			return 1
		fi
	done
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	if [ -z "${RSP:-}" ]; then
		for p in "$top/build/san/rsp" "$top/build/rel/rsp"; do
			[ -x "$p" ] && { RSP=$p; break; }
		done
	fi
	[ -x "${RSP:-}" ] || { echo "# set RSP to the rsp binary" >&3; return 1; }
	export RSP
}
