# shellcheck shell=bash disable=SC2034 # the model's arrays are shared
# The chaos suite's processes (sourced by tests/chaos/chaos.sh):
# registrars, pool elements and pool users, each started in its
# namespace with `ip netns exec` (which execs: $! is the rsp process
# itself), logging to $DIR.  The model the invariants are checked
# against lives in these arrays:
#   REG_PID[i] REG_UP[i] (1 running, 0 killed) REG_ID[i] (hex, no 0x)
#   REG_GEN[i] (incarnation: 1 at the start, +1 per restart)
#   PE_PID[j] PE_UP[j] PE_NS[j] (registrar namespace) PE_KIND[j]
#   PE_ID[j] PE_DIED[j] (step of its kill -9)
#   PU_NAME[k] PU_PID[k] PU_POOL[k] PU_ANSWER[k] (pu_start)

# Timers in ms: shorter than the defaults so that a step settles in
# seconds, long enough that a loaded 2-CPU machine running ASan builds
# does not miss them.  The bounds of chaos.sh are derived from them.
T_PRESENCE=1000   # -peerheartbeatcycle
T_LASTHEARD=2000  # -peermaxtimelastheard
T_NORESPONSE=2000 # -peermaxtimenoresponse
T_TAKEOVER=3000   # -takeoverexpiryinterval
T_KA_TX=2000      # -endpointkeepalivetransmissioninterval
T_KA_TO=2000      # -endpointkeepalivetimeoutinterval
T_MENTOR=2000     # -mentordiscoverytimeout
T_REREG=2000      # server -rereginterval (life 3 x)
T_PING=250        # pingpongclient -interval, and the terminal's line rate
T_PU_HB=1000      # the pool users' -tcpheartbeatinterval (see pu_start)

ASAP_PORT=3863
ENRP_PORT=9901
NPE=0
REG_PID=() REG_UP=() REG_ID=() REG_GEN=()
PE_PID=() PE_UP=() PE_NS=() PE_KIND=() PE_ID=() PE_DIED=()
PU_NAME=() PU_PID=() PU_POOL=() PU_ANSWER=()
STOP_PROBLEMS=()

# registrars_opt: -registrar= for every registrar, for PEs and PUs.
registrars_opt() {
	local i
	for ((i = 0; i < NREG; i++)); do
		printf -- '-registrar=%s:%s\n' "$(reg_ip "$i")" "$ASAP_PORT"
	done
}

# reg_start I: a new incarnation of registrar I in its namespace, with
# every other registrar as a static peer; waits until it listens.  Its
# ID is 0xIIGGGGGG (I = index + 1, G = incarnation), readable in logs.
reg_start() {
	local i=$1 j ip peers=() log
	ip=$(reg_ip "$i")
	REG_GEN[i]=$((${REG_GEN[i]:-0} + 1))
	printf -v 'REG_ID[i]' '%02x%06x' $((i + 1)) "${REG_GEN[i]}"
	for ((j = 0; j < NREG; j++)); do
		[ "$j" -eq "$i" ] || peers+=("-peer=$(reg_ip "$j"):$ENRP_PORT")
	done
	log="$DIR/r$i.${REG_GEN[i]}.log"
	ip netns exec "${NS_R[i]}" "$RSP" registrar -transport=tcp \
	    -asap="$ip:$ASAP_PORT" -enrp="$ip:$ENRP_PORT" -asapannounce=off \
	    -enrpannounce=off -identifier="0x${REG_ID[i]}" -loglevel=5 \
	    -logcolor=off -peerheartbeatcycle=$T_PRESENCE \
	    -peermaxtimelastheard=$T_LASTHEARD \
	    -peermaxtimenoresponse=$T_NORESPONSE \
	    -takeoverexpiryinterval=$T_TAKEOVER \
	    -endpointkeepalivetransmissioninterval=$T_KA_TX \
	    -endpointkeepalivetimeoutinterval=$T_KA_TO \
	    -mentordiscoverytimeout=$T_MENTOR "${peers[@]}" >"$log" 2>&1 &
	REG_PID[i]=$!
	REG_UP[i]=1
	ALL_PIDS+=("$!")
	wait_for_line 'ENRP listening on' 10 "$log"
}

# pe_start NS KIND: pool element number NPE (echo or pingpong) in
# registrar NS's namespace, knowing every registrar (its hunt picks
# one at random, so a PE is not always homed at its site's registrar).
pe_start() {
	local j=$NPE
	NPE=$((NPE + 1))
	PE_NS[j]=$1
	PE_KIND[j]=$2
	printf -v 'PE_ID[j]' '0e%06x' "$j"
	# shellcheck disable=SC2046 # one word per registrar
	ip netns exec "${NS_R[$1]}" "$RSP" server -"$2" -transport=tcp \
	    -identifier="0x${PE_ID[j]}" -rereginterval=$T_REREG \
	    $(registrars_opt) -quiet -loglevel=4 -logcolor=off \
	    >"$DIR/pe$j.log" 2>&1 &
	PE_PID[j]=$!
	PE_UP[j]=1
	ALL_PIDS+=("$!")
}

# pu_start N: the pool users, in their own namespace: N
# pingpongclients ppc0.. (a Ping every T_PING ms, each Pong printed as
# "Ack #N") and a terminal fed a numbered line every T_PING ms (each
# echo printed as "from PE $x> ...").  All retry forever (-giveup=0).
# A PE that a partition cuts off is silent: a pool user notices only
# when its transport loses the association, which the TCP mapping's
# heartbeat does after 3 misses (default 30 s each, as slow as SCTP's
# defaults): T_PU_HB makes that 3 s, so that they fail over in time.
# PU_NAME[k], PU_PID[k], PU_POOL[k] (the PE kind it needs) and
# PU_ANSWER[k] (what an answer line starts with) describe them.
pu_start() {
	local regs k
	regs="$(registrars_opt) -tcpheartbeatinterval=$T_PU_HB"
	for ((k = 0; k < $1; k++)); do
		# shellcheck disable=SC2086 # one word per registrar
		ip netns exec "$NS_U" "$RSP" pingpongclient -transport=tcp \
		    -interval=$T_PING -giveup=0 $regs -loglevel=4 \
		    -logcolor=off >"$DIR/ppc$k.out" 2>"$DIR/ppc$k.log" &
		pu_add "ppc$k" pingpong '^Ack #'
	done
	mkfifo "$DIR/term.in"
	feeder >"$DIR/term.in" &
	FEED_PID=$!
	ALL_PIDS+=("$!")
	# shellcheck disable=SC2086 # one word per registrar
	ip netns exec "$NS_U" "$RSP" terminal -transport=tcp -giveup=0 $regs \
	    -loglevel=4 -logcolor=off <"$DIR/term.in" >"$DIR/term.out" \
	    2>"$DIR/term.log" &
	pu_add term echo '^from PE'
}

# pu_add NAME KIND ANSWER: the pool user just started ($!); its PID
# goes to ALL_PIDS first, so that nothing can leak it.
pu_add() {
	ALL_PIDS+=("$!")
	local k=${#PU_NAME[@]}
	PU_NAME[k]=$1
	PU_PID[k]=$!
	PU_POOL[k]=$2
	PU_ANSWER[k]=$3
}

# feeder: the terminal's input, a numbered line every T_PING ms; the
# number of the last one sent is in $DIR/term.sent.
feeder() {
	local n=0 s
	s=$(printf '%d.%03d' $((T_PING / 1000)) $((T_PING % 1000)))
	while :; do
		n=$((n + 1))
		echo "chaos line $n" || return 0
		echo "$n" >"$DIR/term.sent"
		sleep "$s"
	done
}

# pu_answers: how many answers each pool user has printed, in PU_NAME
# order, on one line.
pu_answers() {
	local k c=()
	for k in "${!PU_NAME[@]}"; do
		c[k]=$(grep -c "${PU_ANSWER[k]}" "$DIR/${PU_NAME[k]}.out" \
		    2>/dev/null)
	done
	echo "${c[*]}"
}

# running PID: the process exists and is not a zombie (our children
# stay zombies until waited for, and kill -0 succeeds on those).
running() {
	local st
	st=$(cut -d' ' -f3 "/proc/$1/stat" 2>/dev/null) || return 1
	[ -n "$st" ] && [ "$st" != Z ]
}

# exit_status PID SECONDS: wait at most SECONDS for PID to end, then
# reap it; EXIT_RC is its exit status, or "killed" when it did not end
# and got kill -9.  (Not in a $(...): only the parent shell can reap.)
exit_status() {
	local end=$((SECONDS + $2))
	while running "$1" && [ "$SECONDS" -lt "$end" ]; do
		sleep 0.1
	done
	EXIT_RC=0
	if running "$1"; then
		kill -9 "$1" 2>/dev/null
		wait "$1" 2>/dev/null
		EXIT_RC=killed
		return
	fi
	wait "$1" 2>/dev/null || EXIT_RC=$?
}

# procs_crashed: the processes of the model that should run but do
# not, one line each; nothing when all run.
procs_crashed() {
	local i
	for ((i = 0; i < NREG; i++)); do
		[ "${REG_UP[i]}" = 1 ] && ! running "${REG_PID[i]}" &&
		    echo "registrar r$i (\$${REG_ID[i]}, pid ${REG_PID[i]}) is gone: see $DIR/r$i.${REG_GEN[i]}.log"
	done
	for ((i = 0; i < NPE; i++)); do
		[ "${PE_UP[i]}" = 1 ] && ! running "${PE_PID[i]}" &&
		    echo "PE pe$i (\$${PE_ID[i]}) is gone: see $DIR/pe$i.log"
	done
	for i in "${!PU_NAME[@]}"; do
		running "${PU_PID[i]}" ||
		    echo "pool user ${PU_NAME[i]} is gone: see $DIR/${PU_NAME[i]}.log"
	done
}

# procs_stop: the end of a run.  Pool users and PEs get SIGTERM first
# (PEs deregister while their registrars still run), then every running
# registrar, so that LeakSanitizer runs at each exit (a leak makes an
# ASan build exit 1; chaos.sh also looks for the report in the logs).
# Every one must exit 0 within its time.  Sets STOP_PROBLEMS.
procs_stop() {
	local i p
	kill -TERM "$FEED_PID" 2>/dev/null
	wait "$FEED_PID" 2>/dev/null # reaped here, bash says nothing
	for p in "${PU_PID[@]}"; do
		kill -TERM "$p" 2>/dev/null
	done
	for ((i = 0; i < NPE; i++)); do
		[ "${PE_UP[i]}" = 1 ] && kill -TERM "${PE_PID[i]}" 2>/dev/null
	done
	for i in "${!PU_NAME[@]}"; do
		exit_status "${PU_PID[i]}" 10
		stop_judge "pool user ${PU_NAME[i]}" "$EXIT_RC"
	done
	for ((i = 0; i < NPE; i++)); do
		[ "${PE_UP[i]}" = 1 ] || continue
		exit_status "${PE_PID[i]}" 10
		stop_judge "PE pe$i (\$${PE_ID[i]})" "$EXIT_RC"
		PE_UP[i]=0
	done
	for ((i = 0; i < NREG; i++)); do
		[ "${REG_UP[i]}" = 1 ] && kill -TERM "${REG_PID[i]}" 2>/dev/null
	done
	for ((i = 0; i < NREG; i++)); do
		[ "${REG_UP[i]}" = 1 ] || continue
		exit_status "${REG_PID[i]}" 15
		stop_judge "registrar r$i (\$${REG_ID[i]})" "$EXIT_RC"
		REG_UP[i]=0
	done
}

# stop_judge WHAT STATUS: log an exit after SIGTERM, and record it in
# STOP_PROBLEMS unless it is 0.
stop_judge() {
	echo "stop: $1 exit status $2" >>"$DIR/steps.log"
	[ "$2" = 0 ] ||
	    STOP_PROBLEMS+=("$1 ended with exit status $2 after SIGTERM")
}

# procs_kill_all: the last resort of the EXIT trap: kill -9 whatever
# this run started and is still there, by PID.
procs_kill_all() {
	local p
	for p in "${ALL_PIDS[@]}"; do
		running "$p" && kill_tree "$p"
	done
	for p in "${ALL_PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	return 0
}
