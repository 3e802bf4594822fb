# shellcheck shell=bash
# What the benchmark scripts share: the processes they started (PIDS,
# killed by PID at the end), waiting for a log line, the port a program
# printed, log time stamps.  Sourced; the caller sets NAME for messages.

PIDS=()

# kill -9 and reap every process in PIDS
kill_pids() {
	local p
	for p in "${PIDS[@]}"; do
		kill -9 "$p" 2>/dev/null || true
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null || true
	done
	PIDS=()
}

# wait_line FILE REGEX SECONDS: 0 once a line matches, else the file's
# end on stderr and 1
wait_line() {
	local i=0
	while [ $i -lt $(($3 * 10)) ]; do
		grep -q -- "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
		i=$((i + 1))
	done
	echo "${NAME:-bench}: no '$2' in $1 after $3 s:" >&2
	tail -20 "$1" >&2
	return 1
}

# port LOG WHAT: the port of "WHAT listening on 127.0.0.1:PORT"
port() {
	sed -n "s/.*$2 listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p" "$1" | head -1
}

# log_ms "2026-11-24 19:30:01.123": ms since the epoch (TZ=UTC)
log_ms() {
	local s
	s=$(date -d "${1% *} ${1#* }" +%s) || return 1
	echo $((s * 1000 + 10#${1##*.}))
}

# stamp_ms LOG REGEX: the time stamp of the first matching line, in ms
stamp_ms() {
	local l
	l=$(grep -m1 -- "$2" "$1" | cut -c1-23)
	[ -n "$l" ] || return 1
	log_ms "$l"
}
