#!/bin/bash
# make fuzz-soak: run libFuzzer targets for FUZZ_TIME seconds each, one
# after the other (one fuzzer process at a time, never -jobs), from the
# committed corpus tests/fuzz/corpus/NAME, then minimise the committed
# corpus together with what was found (-merge=1; files named by hand,
# not by their SHA-1 as libFuzzer names them, are kept as they are)
# and write it back.  A crash, leak, timeout or
# out-of-memory input is kept in $FUZZ_DIR/artifacts/ and named in the
# summary; the run goes on with the next target.
#
# usage: FUZZ_DIR=build/fuzz FUZZ_TIME=600 scripts/fuzz-soak.sh [NAME...]
#   NAMEs: targets (fuzz_NAME); default: every built target.
# Appends one line per target to $FUZZ_DIR/soak.log:
#   date target cpu_seconds runs corpus_files_before corpus_files_after status
# and prints them; docs/fuzzing.md keeps the running totals per target.
set -uo pipefail
cd "$(dirname "$0")/.." || exit 2

FUZZ_DIR=${FUZZ_DIR:-build/fuzz}
FUZZ_TIME=${FUZZ_TIME:-600}
art=$FUZZ_DIR/artifacts
mkdir -p "$art"
log=$FUZZ_DIR/soak.log

if [ $# -eq 0 ]; then
	for f in "$FUZZ_DIR"/fuzz_*; do
		[ -x "$f" ] && set -- "$@" "${f##*/fuzz_}"
	done
fi

summary=()
for n in "$@"; do
	bin=$FUZZ_DIR/fuzz_$n
	corpus=tests/fuzz/corpus/$n
	if [ ! -x "$bin" ]; then
		echo "fuzz-soak: $bin not built (make fuzz)" >&2
		exit 2
	fi
	mkdir -p "$corpus"
	work=$(mktemp -d)
	mkdir "$work/new" "$work/min"
	before=$(find "$corpus" -type f | wc -l)
	echo "=== $n: $FUZZ_TIME s from $before corpus files"
	# -timeout: an input taking 10 s is a hang; -rss_limit_mb: a leak
	# that grows without bound.  CPU time (user + system) from time(1).
	/usr/bin/time -f '%U %S' -o "$work/time" \
		"$bin" -max_total_time="$FUZZ_TIME" -timeout=10 \
		-rss_limit_mb=2048 -use_value_profile=1 -print_final_stats=1 \
		-artifact_prefix="$art/$n-" "$work/new" "$corpus" \
		>"$work/log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$work/log")
	# the last line: time(1) says first how a failing command ended
	cpu=$(tail -n 1 "$work/time" | awk '{ printf "%d", $1 + $2 }')
	status=ok
	if [ $rc -ne 0 ]; then
		status="FAILED(rc=$rc)"
		# the whole report (stack included) next to the input
		cp "$work/log" "$art/$n-$(date +%s).log"
		grep -E -A 25 'ERROR|runtime error|deadly signal' "$work/log" |
			head -n 40
		grep -E 'artifact|Test unit written' "$work/log"
	fi
	# Minimise: the files named by hand (seeds, vectors, the
	# reproducers of fixed bugs) stay; of the fuzzer's own (named by
	# their SHA-1) only those that add edge coverage (no value profile,
	# no hit counts: those features would keep thousands of files;
	# edges keep a few hundred).
	find "$corpus" -type f -regextype posix-extended \
		! -regex '.*/[0-9a-f]{40}' -exec cp {} "$work/min/" \;
	if "$bin" -merge=1 -use_counters=0 -timeout=10 -rss_limit_mb=2048 \
		"$work/min" "$corpus" "$work/new" \
		>"$work/merge.log" 2>&1; then
		find "$corpus" -type f -regextype posix-extended \
			-regex '.*/[0-9a-f]{40}' -delete
		cp -n "$work/min"/* "$corpus"/
	else
		echo "fuzz-soak: merge failed for $n, corpus kept" >&2
		tail -n 5 "$work/merge.log" >&2
		status="$status,merge-failed"
	fi
	after=$(find "$corpus" -type f | wc -l)
	line="$(date -u +%Y-%m-%d) $n ${cpu:-?} ${runs:-?} $before $after $status"
	echo "$line" >>"$log"
	summary+=("$line")
	rm -rf "$work"
done

echo
echo "date target cpu_s runs files_before files_after status"
printf '%s\n' "${summary[@]}"
