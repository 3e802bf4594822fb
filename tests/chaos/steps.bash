# shellcheck shell=bash disable=SC2034 # the model's arrays are shared
# The chaos suite's steps (sourced by tests/chaos/chaos.sh): a seeded
# generator picks each step from the model alone (never from timing or
# from what the processes did), so one seed gives the same sequence of
# steps on every machine and every run: CHAOS_SEED reproduces a failure.

# A 64-bit linear congruential generator (Knuth's MMIX constants) in
# bash arithmetic, which wraps at 64 bits; its high bits are the
# output.  Not $RANDOM: its sequence for a seed changed between bash
# versions.  rand N sets R to 0..N-1; never call it in a $(...), or
# the state would not advance.
rng_seed() {
	RNG=$1
	rand 2
}

rand() {
	RNG=$((RNG * 6364136223846793005 + 1442695040888963407))
	R=$((((RNG >> 33) & 0x7fffffff) % $1))
}

# The kinds of step and their weights.  Checks after each step wait at
# most CHAOS_BOUND seconds, CHAOS_HEAL_BOUND after a heal.
STEP_KINDS=(kill_pe stop_pe kill_reg stop_reg restart_reg partition heal
    term_reg)
STEP_WEIGHTS=(3 2 2 2 3 2 3 1)

# regs_where TEST: the registrar indices for which TEST I succeeds.
regs_where() {
	local i
	for ((i = 0; i < NREG; i++)); do
		"$1" "$i" && echo "$i"
	done
}

reg_running() { [ "${REG_UP[$1]}" = 1 ]; }
reg_killed() { [ "${REG_UP[$1]}" = 0 ]; }
reg_cut() { [ "${NS_CONN[$1]}" = 0 ]; }
reg_serving() { reg_running "$1" && [ "${NS_CONN[$1]}" = 1 ]; }

# A registrar may die or be cut off only if another running one stays
# plugged in: the pool users (plugged in) always have a registrar.
reg_may_go() {
	local i
	for ((i = 0; i < NREG; i++)); do
		[ "$i" != "$1" ] && reg_serving "$i" && return 0
	done
	return 1
}
reg_killable() { reg_running "$1" && reg_may_go "$1"; }
reg_cuttable() { [ "${NS_CONN[$1]}" = 1 ] && reg_may_go "$1"; }

# step_targets KIND: the possible targets of a kind of step, one a line.
step_targets() {
	local j
	case $1 in
	kill_pe | stop_pe)
		for ((j = 0; j < NPE; j++)); do
			[ "${PE_UP[j]}" = 1 ] && echo "$j"
		done
		;;
	kill_reg | term_reg) regs_where reg_killable ;;
	stop_reg) regs_where reg_running ;;
	restart_reg) regs_where reg_killed ;;
	partition) regs_where reg_cuttable ;;
	heal) regs_where reg_cut ;;
	esac
}

# step_pick: choose the next step from the model; sets STEP_KIND,
# STEP_TARGET and STEP_ARG (a pause in seconds for the stop steps, the
# new PE's namespace for kill_pe).
step_pick() {
	local k total=0 w=() targets=()
	local -A tg
	for k in "${!STEP_KINDS[@]}"; do
		tg[$k]=$(step_targets "${STEP_KINDS[k]}")
		w[k]=0
		[ -n "${tg[$k]}" ] && w[k]=${STEP_WEIGHTS[k]}
		total=$((total + w[k]))
	done
	rand "$total"
	for k in "${!STEP_KINDS[@]}"; do
		[ "$R" -lt "${w[k]}" ] && break
		R=$((R - w[k]))
	done
	STEP_KIND=${STEP_KINDS[k]}
	mapfile -t targets <<<"${tg[$k]}"
	rand ${#targets[@]}
	STEP_TARGET=${targets[R]}
	STEP_ARG=
	case $STEP_KIND in
	stop_pe | stop_reg)
		# 1-8 s: sometimes shorter than the keep-alive or peer
		# timeouts (4-5 s), sometimes longer.
		rand 8
		STEP_ARG=$((R + 1))
		;;
	kill_pe)
		rand "$NREG"
		STEP_ARG=$R
		;;
	esac
}

# step_describe: the current step in words.
step_describe() {
	local t=$STEP_TARGET
	case $STEP_KIND in
	kill_pe) echo "kill -9 PE pe$t (\$${PE_ID[t]}, ${PE_KIND[t]}), start pe$NPE in r$STEP_ARG's namespace" ;;
	stop_pe) echo "SIGSTOP PE pe$t (\$${PE_ID[t]}) for $STEP_ARG s, then SIGCONT" ;;
	kill_reg) echo "kill -9 registrar r$t (\$${REG_ID[t]})" ;;
	term_reg) echo "SIGTERM registrar r$t (\$${REG_ID[t]}): it must exit 0, LeakSanitizer runs" ;;
	stop_reg) echo "SIGSTOP registrar r$t (\$${REG_ID[t]}) for $STEP_ARG s, then SIGCONT" ;;
	restart_reg) echo "restart registrar r$t (incarnation $((REG_GEN[t] + 1)))" ;;
	partition) echo "partition r$t's namespace from the others" ;;
	heal) echo "heal r$t's namespace" ;;
	esac
}

# step_run: do the current step and update the model; 1 (and
# PROBLEMS) when the step itself went wrong.
step_run() {
	local t=$STEP_TARGET
	case $STEP_KIND in
	kill_pe)
		kill -9 "${PE_PID[t]}"
		wait "${PE_PID[t]}" 2>/dev/null
		PE_UP[t]=0
		PE_DIED[t]=$STEP
		pe_start "$STEP_ARG" "${PE_KIND[t]}"
		;;
	stop_pe) pause "${PE_PID[t]}" "$STEP_ARG" ;;
	kill_reg)
		kill -9 "${REG_PID[t]}"
		wait "${REG_PID[t]}" 2>/dev/null
		REG_UP[t]=0
		;;
	term_reg)
		# As RSPLIB's, it closes without Handle Updates: the peers
		# take its PEs over as after a kill -9.
		kill -TERM "${REG_PID[t]}"
		exit_status "${REG_PID[t]}" 15
		REG_UP[t]=0
		stop_judge "registrar r$t (\$${REG_ID[t]})" "$EXIT_RC"
		if [ "$EXIT_RC" != 0 ]; then
			PROBLEMS=("registrar r$t (\$${REG_ID[t]}) ended with exit status $EXIT_RC after SIGTERM: see $DIR/r$t.${REG_GEN[t]}.log")
			return 1
		fi
		;;
	stop_reg) pause "${REG_PID[t]}" "$STEP_ARG" ;;
	restart_reg) reg_start "$t" ;;
	partition) net_cut "$t" ;;
	heal) net_heal "$t" ;;
	esac
}

# pause PID SECONDS: SIGSTOP, wait, SIGCONT.
pause() {
	kill -STOP "$1"
	STOPPED_PID=$1
	sleep "$2"
	kill -CONT "$1"
	STOPPED_PID=
}
