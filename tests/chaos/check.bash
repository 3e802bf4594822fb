# shellcheck shell=bash disable=SC2034 # the model's arrays are shared
# The chaos suite's invariants (sourced by tests/chaos/chaos.sh).
#
# After every step, until they hold or the step's bound runs out:
#   1. every process of the model runs (no crash);
#   2. each running registrar answers hsdump, and its PEs are exactly
#      the live PEs that can reach it: none lost, none kept that is dead
#      (kill -9) or that its side of a partition cannot reach;
#   3. each PE's home is a running registrar of the same side;
#   4. the registrars of one side hold the same PEs with the same homes
#      and announce the same handlespace checksum;
#   5. each pool user got new answers since the step, when its pool has
#      a PE it can reach.
# A "side" is the set of running registrars that reach each other: all
# those whose namespace is plugged into the bridge, or one unplugged
# registrar alone.  check_once fills PROBLEMS with what differs.

PU_MIN_ANSWERS=3

# side_of I: the registrars (indices) on registrar I's side.
side_of() {
	local j
	if [ "${NS_CONN[$1]}" = 0 ]; then
		echo "$1"
		return
	fi
	for ((j = 0; j < NREG; j++)); do
		[ "${REG_UP[j]}" = 1 ] && [ "${NS_CONN[j]}" = 1 ] && echo "$j"
	done
}

# expected_pes I: the IDs of the live PEs that reach registrar I's
# side: those of its own namespace, and when it is plugged in, those of
# every plugged-in namespace.
expected_pes() {
	local j k
	for ((j = 0; j < NPE; j++)); do
		[ "${PE_UP[j]}" = 1 ] || continue
		k=${PE_NS[j]}
		if [ "$k" = "$1" ] ||
		    { [ "${NS_CONN[k]}" = 1 ] && [ "${NS_CONN[$1]}" = 1 ]; }; then
			echo "${PE_ID[j]}"
		fi
	done | sort
}

# hsdump_of I [FORMAT]: registrar I's handlespace, asked from inside
# its namespace (reachable whatever the partition).
hsdump_of() {
	ip netns exec "${NS_R[$1]}" "$RSP" hsdump -transport=tcp \
	    -f "${2:-kv}" -timeout=3000 "$(reg_ip "$1"):$ENRP_PORT" \
	    2>>"$DIR/hsdump.log"
}

# snapshot: the kv dump of every running registrar in
# $DIR/state/rI.kv; GOT[i] holds "pe home pool" lines, sorted, and
# CSUM[i] the handlespace checksum ("" when hsdump failed).
snapshot() {
	local i
	mkdir -p "$DIR/state"
	for ((i = 0; i < NREG; i++)); do
		GOT[i]=''
		CSUM[i]=''
		[ "${REG_UP[i]}" = 1 ] || continue
		hsdump_of "$i" >"$DIR/state/r$i.kv" || continue
		GOT[i]=$(awk '/^pool=/ {
			for (k = 1; k <= NF; k++) {
				split($k, kv, "="); f[kv[1]] = kv[2]
			}
			print substr(f["pe"], 3), substr(f["home"], 3), f["pool"]
		}' "$DIR/state/r$i.kv" | sort)
		CSUM[i]=$(sed -n 's/^registrar=.* checksum=0x\([0-9a-f]*\).*/\1/p' \
		    "$DIR/state/r$i.kv")
	done
}

# pe_story ID: what the model knows of a PE, for a problem line.
pe_story() {
	local j=$((16#${1:2}))
	if [ "$j" -ge "$NPE" ] || [ "${1:0:2}" != 0e ]; then
		echo "PE \$$1 (not one of ours)"
	elif [ "${PE_UP[j]}" = 0 ]; then
		echo "dead PE \$$1 (pe$j, kill -9 at step ${PE_DIED[j]})"
	else
		echo "PE \$$1 (pe$j, ${PE_KIND[j]}, in r${PE_NS[j]}'s namespace)"
	fi
}

# check_registrar I: invariants 2 and 3 for registrar I.
check_registrar() {
	local i=$1 exp got id home side_ids="" j
	local -A have
	if [ -z "${CSUM[i]}" ]; then
		PROBLEMS+=("r$i (\$${REG_ID[i]}): hsdump got no handlespace (see $DIR/hsdump.log)")
		return
	fi
	for j in $(side_of "$i"); do
		side_ids="$side_ids ${REG_ID[j]}"
	done
	while read -r id home _; do
		[ -n "$id" ] || continue
		have[$id]=1
		[[ " $side_ids " == *" $home "* ]] ||
		    PROBLEMS+=("r$i (\$${REG_ID[i]}): $(pe_story "$id") has home \$$home, not a running registrar of its side ($side_ids )")
	done <<<"${GOT[i]}"
	exp=$(expected_pes "$i")
	for id in $exp; do
		if [ -z "${have[$id]:-}" ]; then
			PROBLEMS+=("r$i (\$${REG_ID[i]}): lost $(pe_story "$id")")
		fi
		unset "have[$id]"
	done
	for got in "${!have[@]}"; do
		PROBLEMS+=("r$i (\$${REG_ID[i]}): keeps $(pe_story "$got")")
	done
}

# check_sides: invariant 4, each registrar against the first of its side.
check_sides() {
	local i first
	for ((i = 0; i < NREG; i++)); do
		[ "${REG_UP[i]}" = 1 ] || continue
		first=$(side_of "$i" | head -n 1)
		# hsdump failures are problems of check_registrar already
		if [ "$first" = "$i" ] || [ -z "${CSUM[i]}" ] ||
		    [ -z "${CSUM[first]}" ]; then
			continue
		fi
		[ "${CSUM[i]}" = "${CSUM[first]}" ] ||
		    PROBLEMS+=("checksum of r$i \$${CSUM[i]} differs from r$first's \$${CSUM[first]}")
		[ "${GOT[i]}" = "${GOT[first]}" ] ||
		    PROBLEMS+=("PEs or homes of r$i differ from r$first's: $(diff <(echo "${GOT[first]}") <(echo "${GOT[i]}") | grep '^[<>]' | tr '\n' ' ')")
	done
}

# pool_reachable KIND: a running registrar and a live PE of KIND are
# plugged in, so the pool users can be answered.
pool_reachable() {
	local i ok=0
	for ((i = 0; i < NREG; i++)); do
		[ "${REG_UP[i]}" = 1 ] && [ "${NS_CONN[i]}" = 1 ] && ok=1
	done
	[ "$ok" = 1 ] || return 1
	for ((i = 0; i < NPE; i++)); do
		[ "${PE_UP[i]}" = 1 ] && [ "${PE_KIND[i]}" = "$1" ] &&
		    [ "${NS_CONN[${PE_NS[i]}]}" = 1 ] && return 0
	done
	return 1
}

# check_pus: invariant 5 against PU_BASE (pu_answers at the step start).
check_pus() {
	local now base k
	read -r -a now <<<"$(pu_answers)"
	read -r -a base <<<"$PU_BASE"
	for k in "${!PU_NAME[@]}"; do
		pool_reachable "${PU_POOL[k]}" || continue
		[ "${now[k]}" -lt $((base[k] + PU_MIN_ANSWERS)) ] || continue
		PROBLEMS+=("pool user ${PU_NAME[k]}: $((now[k] - base[k])) answers since the step (want $PU_MIN_ANSWERS; $DIR/${PU_NAME[k]}.out)")
	done
}

# check_once: every invariant once; 0 when all hold, else PROBLEMS
# says what differs.
check_once() {
	local i crashed
	PROBLEMS=()
	crashed=$(procs_crashed)
	if [ -n "$crashed" ]; then
		mapfile -t PROBLEMS <<<"$crashed"
		CRASHED=1
		return 1
	fi
	snapshot
	for ((i = 0; i < NREG; i++)); do
		[ "${REG_UP[i]}" = 1 ] && check_registrar "$i"
	done
	check_sides
	check_pus
	[ ${#PROBLEMS[@]} -eq 0 ]
}

# check_until SECONDS: check_once every second until it holds (0) or
# SECONDS have passed (1); CONVERGED_MS is how long it took.  A crash
# ends the wait at once.  What each failed poll found goes to
# $DIR/checks.log: how a slow step converged.
check_until() {
	local t0 end
	t0=$(now_ms)
	end=$((t0 + $1 * 1000))
	CRASHED=0
	while :; do
		if check_once; then
			CONVERGED_MS=$(($(now_ms) - t0))
			return 0
		fi
		{
			echo "$(date +%T.%3N) step $STEP:"
			printf '  %s\n' "${PROBLEMS[@]}"
		} >>"$DIR/checks.log"
		[ "$CRASHED" = 1 ] && return 1
		[ "$(now_ms)" -lt "$end" ] || return 1
		sleep 1
	done
}

# state_dump: every running registrar's handlespace as RSPLIB-like
# text, for the failure report (also kept in $DIR/state/).
state_dump() {
	local i
	for ((i = 0; i < NREG; i++)); do
		echo "--- r$i (\$${REG_ID[i]}, incarnation ${REG_GEN[i]}," \
		    "$( [ "${REG_UP[i]}" = 1 ] && echo running || echo killed)," \
		    "$( [ "${NS_CONN[i]}" = 1 ] && echo plugged in || echo partitioned)):"
		[ "${REG_UP[i]}" = 1 ] || continue
		hsdump_of "$i" text | tee "$DIR/state/r$i.txt"
	done
	echo "--- PEs:"
	for ((i = 0; i < NPE; i++)); do
		echo "pe$i \$${PE_ID[i]} ${PE_KIND[i]} in r${PE_NS[i]}'s namespace:" \
		    "$( [ "${PE_UP[i]}" = 1 ] && echo live || echo "dead since step ${PE_DIED[i]:-?}")"
	done
	echo "--- pool users ${PU_NAME[*]}: $(pu_answers) answers"
}
