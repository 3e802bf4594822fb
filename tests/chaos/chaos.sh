#!/bin/bash
# The chaos suite of issue 15 (`make chaos`; tests/chaos/README.md).
#
# 3-5 rsp registrars, each in a network namespace of its own with
# CHAOS_PES pool elements (echo and pingpong servers), ENRP between
# them over the TCP mapping with static -peer lists, and two pool users
# (pingpongclients and a terminal) in a namespace of their own, all
# plugged into one bridge (tests/chaos/net.bash).  Then random steps,
# chosen by a PRNG seeded with CHAOS_SEED (tests/chaos/steps.bash):
# kill -9 a registrar, restart it, SIGSTOP/SIGCONT a registrar or a PE,
# partition a registrar's namespace and heal it, kill -9 a PE and start
# a new one, SIGTERM a registrar (which must exit 0).  After every step the invariants of tests/chaos/check.bash
# must hold within a bound.  At the end everything is healed and
# restarted, must converge once more, and is stopped with SIGTERM: the
# registrars must exit 0, and no log may hold a sanitizer report.
#
# Environment (make chaos VAR=value passes them):
#   CHAOS_SEED        PRNG seed (default: random, printed)
#   CHAOS_STEPS       number of steps (default 20)
#   CHAOS_DURATION    seconds: run steps until then instead (soak mode)
#   CHAOS_REGISTRARS  3 to 5 (default 3)
#   CHAOS_PES         PEs per registrar namespace at the start (default 2)
#   CHAOS_PUS         pingpongclients, besides the terminal (default 1)
#   CHAOS_BOUND       seconds a step may take to converge (default 20)
#   CHAOS_HEAL_BOUND  the same after a heal (default 10)
#   CHAOS_DIR         where logs go: CHAOS_DIR/SEED (default build/chaos)
#   RSP               the binary under test (default build/san/rsp)
# Needs root (network namespaces).  Exit 0 when every step passed.
set -uo pipefail

HERE=$(cd "$(dirname "$0")" && pwd)
TOP=$(cd "$HERE/../.." && pwd)
# wait_for_line, kill_tree
# shellcheck source=tests/bats/common.bash
. "$TOP/tests/bats/common.bash"
# shellcheck source=tests/chaos/net.bash
. "$HERE/net.bash"
# shellcheck source=tests/chaos/procs.bash
. "$HERE/procs.bash"
# shellcheck source=tests/chaos/check.bash
. "$HERE/check.bash"
# shellcheck source=tests/chaos/steps.bash
. "$HERE/steps.bash"

RUN=$$
ALL_PIDS=()
STEP=0
STEP_DESC="setup"
STOPPED_PID=
FAILED=0
FAILED_STEP=0 # 1 when step STEP failed: STEP - 1 passed

now_ms() {
	echo $((${EPOCHREALTIME/./} / 1000))
}

log() {
	echo "chaos: $*"
	echo "$(date +%T) $*" >>"$DIR/steps.log"
}

# params: read and check the environment.
params() {
	SEED=${CHAOS_SEED:-$(($(od -An -N4 -tu4 /dev/urandom) % 1000000))}
	NSTEPS=${CHAOS_STEPS:-20}
	DURATION=${CHAOS_DURATION:-0}
	NREG=${CHAOS_REGISTRARS:-3}
	PES_PER=${CHAOS_PES:-2}
	NPU=${CHAOS_PUS:-1}
	# A kill -9, a SIGSTOP or a partition settles after the peers
	# notice (last heard + no response + a Presence cycle: 5 s), the
	# takeover vote (at most 3 s) and the PEs' keep-alive (tx +
	# timeout: 4 s): 12 s, plus 8 s for a loaded machine running ASan.
	DEF_BOUND=$(((T_LASTHEARD + T_NORESPONSE + T_PRESENCE + T_TAKEOVER +
	    T_KA_TX + T_KA_TO) / 1000 + 8))
	BOUND=${CHAOS_BOUND:-$DEF_BOUND}
	# A heal: issue 15's target of two Presence cycles, and the
	# keep-alive bounds (6 s), plus 4 s for the 1 s poll and ASan.
	DEF_HEAL_BOUND=$(((2 * T_PRESENCE + T_KA_TX + T_KA_TO) / 1000 + 4))
	HEAL_BOUND=${CHAOS_HEAL_BOUND:-$DEF_HEAL_BOUND}
	RSP=${RSP:-$TOP/build/san/rsp}
	local v
	for v in "$SEED" "$NSTEPS" "$DURATION" "$PES_PER" "$NPU" "$BOUND" \
	    "$HEAL_BOUND"; do
		[[ "$v" =~ ^[0-9]+$ ]] || die "not a number: $v"
	done
	[[ "$NREG" =~ ^[3-5]$ ]] || die "CHAOS_REGISTRARS must be 3, 4 or 5"
	[ "$PES_PER" -ge 1 ] || die "CHAOS_PES must be at least 1"
	[ -x "$RSP" ] || die "no binary at RSP=$RSP (make VARIANT=san build/san/rsp)"
	[ "$(id -u)" = 0 ] || die "needs root, for network namespaces"
	DIR=${CHAOS_DIR:-$TOP/build/chaos}/$SEED
}

die() {
	echo "chaos: $*" >&2
	exit 2
}

# reproduce: the command that runs this sequence of steps again.
reproduce() {
	local b=""
	[ "$BOUND" = "$DEF_BOUND" ] || b="$b CHAOS_BOUND=$BOUND"
	[ "$HEAL_BOUND" = "$DEF_HEAL_BOUND" ] ||
	    b="$b CHAOS_HEAL_BOUND=$HEAL_BOUND"
	[ "$NPU" = 1 ] || b="$b CHAOS_PUS=$NPU"
	echo "make chaos CHAOS_SEED=$SEED CHAOS_STEPS=$STEP" \
	    "CHAOS_REGISTRARS=$NREG CHAOS_PES=$PES_PER$b"
}

# fail WHAT [stopped]: report a failed invariant with the seed, the
# step, what differs and the state (unless everything is stopped
# already), and keep the logs.
fail() {
	FAILED=1
	{
		echo "chaos: FAILED: $1"
		echo "chaos: seed $SEED, step $STEP: $STEP_DESC"
		printf 'chaos:   %s\n' "${PROBLEMS[@]}"
		if [ "${2:-}" != stopped ]; then
			echo "chaos: state:"
			state_dump
		fi
		echo "chaos: reproduce: $(reproduce)"
		echo "chaos: logs kept in $DIR"
	} 2>&1 | tee -a "$DIR/failure.txt"
}

# start_all: registrars one after another (each later one learns from a
# mentor), CHAOS_PES PEs per namespace alternating echo and pingpong,
# then the pool users (CHAOS_PUS pingpongclients and a terminal).
start_all() {
	local i k
	for ((i = 0; i < NREG; i++)); do
		reg_start "$i" || return 1
	done
	for ((k = 0; k < PES_PER; k++)); do
		for ((i = 0; i < NREG; i++)); do
			if [ $(((i + k) % 2)) = 0 ]; then
				pe_start "$i" echo
			else
				pe_start "$i" pingpong
			fi
		done
	done
	pu_start "$NPU"
}

# Figures per kind of step: CONV[kind] holds the convergence times (ms).
declare -A CONV
record() {
	CONV[$1]="${CONV[$1]:-} $2"
}

# one_step: pick, run, check.  Returns 1 when an invariant failed.
one_step() {
	local bound=$BOUND
	STEP=$((STEP + 1))
	step_pick
	STEP_DESC=$(step_describe)
	log "step $STEP: $STEP_DESC"
	if ! step_run; then
		FAILED_STEP=1
		fail "the step itself"
		return 1
	fi
	PU_BASE=$(pu_answers)
	[ "$STEP_KIND" = heal ] && bound=$HEAL_BOUND
	if ! check_until "$bound"; then
		FAILED_STEP=1
		fail "$(broken_what "$bound") after the step"
		return 1
	fi
	record "$STEP_KIND" "$CONVERGED_MS"
	log "step $STEP: converged in $(fmt_ms "$CONVERGED_MS") s"
}

# broken_what BOUND: how check_until failed, for fail.
broken_what() {
	if [ "$CRASHED" = 1 ]; then
		echo "a process died"
	else
		echo "invariants still broken $1 s"
	fi
}

fmt_ms() {
	printf '%d.%d' $(($1 / 1000)) $(($1 % 1000 / 100))
}

# recover: heal every partition, restart every killed registrar, and
# check once more: whatever the steps did, the pool must come back.
recover() {
	local i
	STEP_DESC="final recovery: heal all, restart killed registrars"
	log "$STEP_DESC"
	for ((i = 0; i < NREG; i++)); do
		[ "${NS_CONN[i]}" = 1 ] || net_heal "$i"
		[ "${REG_UP[i]}" = 1 ] || reg_start "$i"
	done
	PU_BASE=$(pu_answers)
	local bound=$((BOUND > HEAL_BOUND ? BOUND : HEAL_BOUND))
	if ! check_until "$bound"; then
		fail "$(broken_what "$bound") after the final recovery"
		return 1
	fi
	record recover "$CONVERGED_MS"
	log "final recovery: converged in $(fmt_ms "$CONVERGED_MS") s"
}

# sanitizer_scan: the logs of every process of the run (registrars,
# PEs, pool users, hsdump; not the driver's own) against ASan,
# LeakSanitizer and UBSan reports.
sanitizer_scan() {
	local hits
	hits=$(grep -l -E 'AddressSanitizer|LeakSanitizer|: runtime error: ' \
	    "$DIR"/r*.log "$DIR"/pe*.log "$DIR"/ppc*.log "$DIR"/term.log \
	    "$DIR"/hsdump.log 2>/dev/null)
	[ -z "$hits" ] && return 0
	PROBLEMS=()
	local f
	for f in $hits; do
		PROBLEMS+=("sanitizer report in $f: $(grep -m1 -E 'Sanitizer|: runtime error: ' "$f")")
	done
	return 1
}

# summary: figures per kind of step and the pool users' counts.
summary() {
	local k t sorted n
	log "$((STEP - FAILED_STEP)) steps passed in $((SECONDS - T_START)) s (seed $SEED, $NREG registrars, $NPE PEs started)"
	for k in "${STEP_KINDS[@]}" recover; do
		[ -n "${CONV[$k]:-}" ] || continue
		sorted=$(tr ' ' '\n' <<<"${CONV[$k]}" | sed '/^$/d' | sort -n)
		n=$(wc -l <<<"$sorted")
		t=$(sed -n "$(((n + 1) / 2))p" <<<"$sorted")
		log "  $k: $n, converged in $(fmt_ms "$(head -n1 <<<"$sorted")")-$(fmt_ms "$(tail -n1 <<<"$sorted")") s (median $(fmt_ms "$t"))"
	done
	log "  pool users: $(cat "$DIR"/ppc*.out | grep -c '^Ack #') Pongs," \
	    "$(cat "$DIR"/ppc*.out | grep -c 'Detected gap') gaps;" \
	    "$(grep -c '^from PE' "$DIR/term.out") of $(cat "$DIR/term.sent" 2>/dev/null) lines echoed;" \
	    "$(cat "$DIR"/ppc*.log "$DIR"/term.log | grep -c 'failover to PE') failovers"
	grep -h '^pingpongclient: sent=' "$DIR"/ppc*.out | sed 's/^/chaos:   /'
}

# finish: stop everything cleanly, judge exits and logs.
finish() {
	procs_stop
	if [ ${#STOP_PROBLEMS[@]} -gt 0 ]; then
		PROBLEMS=("${STOP_PROBLEMS[@]}")
		[ "$FAILED" = 1 ] || fail "bad exit after SIGTERM" stopped
	fi
	if ! sanitizer_scan; then
		STEP_DESC="after SIGTERM"
		fail "sanitizer report" stopped
	fi
	net_teardown
}

# on_exit: whatever happened, no process and no namespace is left.
on_exit() {
	[ -n "$STOPPED_PID" ] && kill -CONT "$STOPPED_PID" 2>/dev/null
	procs_kill_all
	net_teardown
}

main() {
	params
	rm -rf "$DIR"
	mkdir -p "$DIR"
	trap on_exit EXIT
	# A signal ends the run through on_exit too (SIGPIPE: a closed
	# output, as with make chaos | head).
	trap 'echo "chaos: interrupted at step $STEP (seed $SEED)" >&2; exit 130' \
	    INT TERM HUP PIPE
	T_START=$SECONDS
	log "seed $SEED: $NREG registrars, $((NREG * PES_PER)) PEs, $NPU + 1 pool users, $(
	    [ "$DURATION" -gt 0 ] && echo "$DURATION s" || echo "$NSTEPS steps"),"\
	    "bounds $BOUND s / $HEAL_BOUND s after a heal; RSP=$RSP; logs in $DIR"
	rng_seed "$SEED"
	net_setup "$NREG" || die "cannot create network namespaces (ip netns)"
	start_all || die "setup failed (logs in $DIR)"
	PU_BASE=$(pu_answers)
	local bound=$((BOUND + T_MENTOR / 1000))
	if check_until "$bound"; then
		log "step 0: all up, converged in $(fmt_ms "$CONVERGED_MS") s"
		while [ "$FAILED" = 0 ]; do
			if [ "$DURATION" -gt 0 ]; then
				[ $((SECONDS - T_START)) -lt "$DURATION" ] || break
			else
				[ "$STEP" -lt "$NSTEPS" ] || break
			fi
			one_step || break
		done
		[ "$FAILED" = 1 ] || recover
	else
		fail "$(broken_what "$bound") after the start"
	fi
	finish
	summary
	if [ "$FAILED" = 1 ]; then
		echo "chaos: FAILED (seed $SEED): $(reproduce)"
		exit 1
	fi
	echo "chaos: passed (seed $SEED, $STEP steps)"
}

main "$@"
