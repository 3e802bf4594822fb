#!/usr/bin/env bats
# The Scripting Service (docs/wire.md 9.7): rsp server -scripting and
# rsp scriptingclient with rsp registrar over the TCP mapping on
# 127.0.0.1.  Work packages are tar.gz files built here with a tiny
# ssrun shell script.  Every process is started in the background with
# its PID kept and killed in teardown; TMPDIR points into the test's
# directory so that leftover session directories can be seen.

load common

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	T=$BATS_TEST_TMPDIR
	PIDS=
	export TMPDIR=$T/tmp
	mkdir -p "$TMPDIR"
}

teardown() {
	kill_pids
	if [ -n "${GNUPGHOME:-}" ]; then
		gpgconf --kill gpg-agent 2>/dev/null || true
	fi
}

# Wait at most $2 s for a line matching $1 in file $3.


# start_pe NAME [options]: a scripting PE logging to $T/NAME.log; sets
# SPID and waits for its registration.
start_pe() {
	local name=$1
	shift
	"$RSP" server -scripting -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -quiet -loglevel=4 -logcolor=off "$@" >"$T/$name.log" 2>&1 &
	SPID=$!
	PIDS="$PIDS $SPID"
	wait_for_line 'registered in pool' 10 "$T/$name.log"
}

client() {
	timeout 60 "$RSP" scriptingclient -transport=tcp \
	    -registrar=127.0.0.1:"$PORT" -logcolor=off -retrydelay=200 "$@"
}

# make_package NAME SSRUN-BODY [FILE...]: $T/NAME.tar.gz holding an
# ssrun script with that body (after "#!/bin/sh" and "out=$1") and the
# files given (from $T).
make_package() {
	local name=$1 body=$2
	shift 2
	mkdir -p "$T/pkg-$name"
	printf '#!/bin/sh\nout=$1\n%s\n' "$body" >"$T/pkg-$name/ssrun"
	for f in "$@"; do cp "$T/$f" "$T/pkg-$name/"; done
	tar czf "$T/$name.tar.gz" -C "$T/pkg-$name" .
}

no_session_dirs() {
	for _ in $(seq 50); do
		[ -z "$(ls "$TMPDIR" | grep rspSS-Session)" ] && return 0
		sleep 0.1
	done
	ls -l "$TMPDIR" >&2
	return 1
}

@test "a job returns its results archive and status 0; nothing is left behind" {
	start_registrar
	start_pe pe1
	head -c 300000 /dev/urandom >"$T/data.bin"
	# Large enough for several Upload and Download messages each way.
	make_package job 'sha1sum data.bin >result.txt
echo "args: $#, [$2]" >>result.txt
head -c 200000 data.bin >back.bin
tar czf "$out" result.txt back.bin' data.bin
	run client -input="$T/job.tar.gz" -output="$T/out.tar.gz" -runid=r1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"[r1@"*"is ready!"* ]]
	[[ "$output" == *"Download completed! Status 0"* ]]
	mkdir "$T/res"
	tar xzf "$T/out.tar.gz" -C "$T/res"
	want=$(sha1sum <"$T/data.bin" | cut -d' ' -f1)
	grep -q "^$want  data.bin" "$T/res/result.txt"
	grep -q '^args: 4, \[\]$' "$T/res/result.txt"
	cmp "$T/res/back.bin" <(head -c 200000 "$T/data.bin")
	grep -q 'worker finished, status 0' "$T/pe1.log"
	no_session_dirs
	# The temporary environment cache goes with the PE.
	kill -TERM "$SPID"
	wait "$SPID" || true
	[ -z "$(ls "$TMPDIR")" ]
}

@test "a failing ssrun: status 1, retried on another PE, output kept for debugging" {
	start_registrar
	start_pe pe1
	start_pe pe2
	make_package fail 'echo "it went wrong on $(hostname)" >log.txt
tar czf "$out" log.txt
exit 3'
	run client -input="$T/fail.tar.gz" -output="$T/out.tar.gz" -maxretry=2
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"the work package failed (status 1)"*"FAILOVER, trial 2 of 2"* ]]
	[[ "$output" == *"downloading its output for debugging"* ]]
	[ "$(tar xzf "$T/out.tar.gz" -O log.txt)" = "it went wrong on $(hostname)" ]
	# Both PEs ran it.
	grep -q 'worker finished, status 1' "$T/pe1.log"
	grep -q 'worker finished, status 1' "$T/pe2.log"
	no_session_dirs
}

@test "a PE killed mid-job: the client starts over on the other PE and succeeds" {
	start_registrar
	start_pe pe1
	P1=$SPID
	start_pe pe2
	P2=$SPID
	make_package slow 'echo "$$" >"'"$T"'/worker.$(hostname).$$"
sleep 3
echo done >result.txt
tar czf "$out" result.txt'
	client -input="$T/slow.tar.gz" -output="$T/out.tar.gz" \
	    -keepaliveinterval=500 >"$T/client.log" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	wait_for_line 'is processing' 20 "$T/client.log"
	if grep -q 'worker .* runs' "$T/pe1.log"; then
		victim=$P1 other=pe2
	else
		victim=$P2 other=pe1
	fi
	kill -9 "$victim"
	wait "$CPID"
	cat "$T/client.log"
	# TCP: the kernel closes the dead PE's connection (FIN or RST).
	grep -q '=> FAILOVER, trial 2 of 3' "$T/client.log"
	grep -q 'Download completed! Status 0' "$T/client.log"
	[ "$(tar xzf "$T/out.tar.gz" -O result.txt)" = done ]
	grep -q 'worker finished, status 0' "$T/$other.log"
	# The killed PE's worker died with it (PR_SET_PDEATHSIG).
	for w in "$T"/worker.*; do
		pid=${w##*.}
		for _ in $(seq 50); do
			[ -z "$(ps -o stat= -p "$pid" | grep -v Z)" ] && break
			sleep 0.1
		done
		[ -z "$(ps -o stat= -p "$pid" | grep -v Z)" ]
	done
}

@test "the environment is uploaded once, then served from the PE's cache" {
	start_registrar
	start_pe pe1 -sscachedirectory="$T/cache"
	echo "environment contents" >"$T/env.txt"
	make_package env 'cat "$2" >result.txt
tar czf "$out" result.txt'
	run client -input="$T/env.tar.gz" -output="$T/out1.tar.gz" \
	    -environment="$T/env.txt"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"needs environment"* ]]
	[ "$(tar xzf "$T/out1.tar.gz" -O result.txt)" = "environment contents" ]
	run client -input="$T/env.tar.gz" -output="$T/out2.tar.gz" \
	    -environment="$T/env.txt"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"has cached environment -> skipping upload"* ]]
	[ "$(tar xzf "$T/out2.tar.gz" -O result.txt)" = "environment contents" ]
	hash=$(sha1sum <"$T/env.txt" | cut -d' ' -f1)
	grep -q "environment $hash: cache hit" "$T/pe1.log"
	[ -f "$T/cache/$hash.data" ]
	# A permanent cache outlives the PE: a new PE adopts the entry.
	kill -TERM "$SPID"
	wait "$SPID" || true
	start_pe pe2 -sscachedirectory="$T/cache"
	run client -input="$T/env.tar.gz" -output="$T/out3.tar.gz" \
	    -environment="$T/env.txt"
	[ "$status" -eq 0 ]
	[[ "$output" == *"has cached environment"* ]]
	no_session_dirs
}

@test "-sscachemaxentries evicts the least recently used environment" {
	start_registrar
	start_pe pe1 -sscachedirectory="$T/cache" -sscachemaxentries=1 \
	    -sscachemaxsize=128
	make_package env 'cat "$2" >result.txt
tar czf "$out" result.txt'
	echo one >"$T/env1"
	echo two >"$T/env2"
	client -input="$T/env.tar.gz" -output="$T/o1" -environment="$T/env1" -quiet
	client -input="$T/env.tar.gz" -output="$T/o2" -environment="$T/env2" -quiet
	[ "$(ls "$T/cache")" = "$(sha1sum <"$T/env2" | cut -d' ' -f1).data" ]
	run client -input="$T/env.tar.gz" -output="$T/o3" -environment="$T/env1"
	[ "$status" -eq 0 ]
	[[ "$output" == *"needs environment"* ]]
	# Larger than -sscachemaxsize (128 KiB): used, never cached.
	head -c 200000 /dev/urandom >"$T/big"
	run client -input="$T/env.tar.gz" -output="$T/o4" -environment="$T/big"
	[ "$status" -eq 0 ]
	[ "$(ls "$T/cache" | wc -l)" -eq 1 ]
	[ ! -f "$T/cache/$(sha1sum <"$T/big" | cut -d' ' -f1).data" ]
}

@test "-sskeeptempdirs keeps the session directory with its files" {
	start_registrar
	start_pe pe1 -sskeeptempdirs
	make_package keep 'echo kept >result.txt
tar czf "$out" result.txt'
	run client -input="$T/keep.tar.gz" -output="$T/out.tar.gz" -quiet
	[ "$status" -eq 0 ]
	[ -z "$output" ]
	d=$(ls -d "$TMPDIR"/rspSS-Session-*)
	[ -f "$d/input.data" ] && [ -x "$d/ssrun" ] && [ -f "$d/output.data" ]
	grep -q "keeping $d" "$T/pe1.log"
}

@test "a corrupt archive gives a clear error" {
	start_registrar
	start_pe pe1
	head -c 5000 /dev/urandom >"$T/junk.tar.gz"
	run client -input="$T/junk.tar.gz" -output="$T/out.tar.gz" -maxretry=1
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"returned no results after status 1: check that $T/junk.tar.gz is a tar, tar.gz or tar.bz2 archive with an ssrun program"* ]]
	grep -q 'not a tar, tar.gz or tar.bz2 archive' "$T/pe1.log"
	[ ! -e "$T/out.tar.gz" ]
	# An archive without ssrun.
	echo x >"$T/x"
	tar czf "$T/nossrun.tar.gz" -C "$T" x
	run client -input="$T/nossrun.tar.gz" -output="$T/out.tar.gz" -maxretry=1
	[ "$status" -eq 1 ]
	grep -q 'has no ssrun file at its top level' "$T/pe1.log"
	no_session_dirs
}

@test "a PE at -ssmaxthreads refuses with Not Ready; the client waits its turn" {
	start_registrar
	start_pe pe1 -ssmaxthreads=1
	make_package slow 'sleep 2
echo done >result.txt
tar czf "$out" result.txt'
	client -input="$T/slow.tar.gz" -output="$T/o1" >"$T/c1.log" 2>&1 &
	C1=$!
	PIDS="$PIDS $C1"
	wait_for_line 'is processing' 20 "$T/c1.log"
	run client -input="$T/slow.tar.gz" -output="$T/o2" -maxretry=1
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"is not ready: it is full (reason 1)"* ]]
	grep -q 'refused: fully loaded' "$T/pe1.log"
	wait "$C1"
	[ "$(tar xzf "$T/o1" -O result.txt)" = done ]
	[ "$(tar xzf "$T/o2" -O result.txt)" = done ]
}

@test "keep-alives flow while the PE works; a frozen PE is given up" {
	start_registrar
	start_pe pe1 -sskeepaliveinterval=200 -sskeepalivetimeout=2000
	P1=$SPID
	start_pe pe2 -sskeepaliveinterval=200 -sskeepalivetimeout=2000
	P2=$SPID
	make_package slow 'sleep 2
echo done >result.txt
tar czf "$out" result.txt'
	client -input="$T/slow.tar.gz" -output="$T/out" -keepaliveinterval=300 \
	    -keepalivetimeout=2000 >"$T/client.log" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	wait_for_line 'is processing' 20 "$T/client.log"
	# Freeze the PE doing the work: its keep-alive acks stop.
	if grep -q 'worker .* runs' "$T/pe1.log"; then
		victim=$P1
	else
		victim=$P2
	fi
	kill -STOP "$victim"
	wait "$CPID"
	kill -CONT "$victim"
	cat "$T/client.log"
	grep -q 'keep-alive timeout (PE \$[0-9a-f]*) => FAILOVER, trial 2' "$T/client.log"
	grep -q 'Download completed! Status 0' "$T/client.log"
	grep -q 'worker finished, status 0' "$T/pe1.log" "$T/pe2.log"
}

@test "-sskeyring: only work packages signed by a key in the keyring run" {
	command -v gpg >/dev/null && command -v gpgv >/dev/null ||
	    skip "gpg/gpgv missing"
	export GNUPGHOME=$T/gnupg
	mkdir -m 700 "$GNUPGHOME"
	gpg --batch --quiet --passphrase '' --quick-gen-key \
	    'rsp test <test@example.org>' ed25519 sign never 2>/dev/null
	gpg --batch --export >"$T/keyring.gpg"
	make_package signed 'echo signed >result.txt
tar czf "$out" result.txt'
	gpg --batch --quiet --yes -o "$T/signed.gpg" --sign "$T/signed.tar.gz"
	start_registrar
	start_pe pe1 -sskeyring="$T/keyring.gpg" -sstrustdb=/nonexistent
	grep -q -- '-sstrustdb ignored' "$T/pe1.log"
	run client -input="$T/signed.gpg" -output="$T/out.tar.gz" -maxretry=1
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(tar xzf "$T/out.tar.gz" -O result.txt)" = signed ]
	# Unsigned: refused.
	run client -input="$T/signed.tar.gz" -output="$T/out2.tar.gz" -maxretry=1
	[ "$status" -eq 1 ]
	grep -q "signature does not verify with keyring $T/keyring.gpg" "$T/pe1.log"
	no_session_dirs
}

@test "usage errors exit 2, a missing input 1" {
	run "$RSP" scriptingclient -registrar=127.0.0.1:9 -output=/dev/null
	[ "$status" -eq 2 ]
	[[ "$output" == *"-input= and -output= are required"* ]]
	run "$RSP" scriptingclient -registrar=127.0.0.1:9 -input=/dev/null
	[ "$status" -eq 2 ]
	run "$RSP" scriptingclient -input=/dev/null -output=/dev/null \
	    -asapannounce=off
	[ "$status" -eq 2 ]
	[[ "$output" == *"-registrar="* ]]
	run "$RSP" scriptingclient -registrar=127.0.0.1:9 -input=/dev/null \
	    -output=/dev/null -maxretry=0
	[ "$status" -eq 2 ]
	run "$RSP" scriptingclient -registrar=127.0.0.1:9 -input=/dev/null \
	    -output=/dev/null -bogus
	[ "$status" -eq 2 ]
	run "$RSP" scriptingclient -registrar=127.0.0.1:9 \
	    -input="$T/missing" -output=/dev/null
	[ "$status" -eq 1 ]
	[[ "$output" == *"$T/missing: No such file or directory"* ]]
	run "$RSP" server -scripting -echo -registrar=127.0.0.1:9
	[ "$status" -eq 2 ]
	run "$RSP" server -scripting -registrar=127.0.0.1:9 -ssmaxthreads=-1
	[ "$status" -eq 2 ]
	run "$RSP" server -scripting -registrar=127.0.0.1:9 -sscachemaxsize=1
	[ "$status" -eq 2 ]
	run "$RSP" server -scripting -registrar=127.0.0.1:9 \
	    -sskeyring="$T/missing" -transport=tcp
	[ "$status" -eq 1 ]
	[[ "$output" == *"-sskeyring=$T/missing"* ]]
}

# The PE's user transport port, from its log.
pe_port() {
	sed -n 's/.*registered in pool .* (tcp port \([0-9]*\)).*/\1/p' "$T/$1.log"
}

@test "the PE closes a silent session after -sstransmittimeout, and a malformed one" {
	start_registrar
	start_pe pe1 -sstransmittimeout=500
	port=$(pe_port pe1)
	[ -n "$port" ]
	# A TCP-mapping peer that sends INIT (docs/wire.md 7.4) and nothing else.
	exec 5<>"/dev/tcp/127.0.0.1/$port"
	printf '\001\000\000\004' >&5
	wait_for_line 'transmit timeout during upload' 10 "$T/pe1.log"
	exec 5>&-
	# One DATA chunk (7.3) with PPID 35 carrying an SSP type 0x09.
	exec 5<>"/dev/tcp/127.0.0.1/$port"
	printf '\001\000\000\004\000\000\000\024\000\000\000\000\000\000\000\000\000\000\000\043\011\000\000\004' >&5
	wait_for_line 'malformed SSP message, closing it' 10 "$T/pe1.log"
	exec 5>&-
	no_session_dirs
}

@test "the PE gives up a session whose client stops answering keep-alives" {
	start_registrar
	start_pe pe1 -sskeepaliveinterval=200 -sskeepalivetimeout=1000
	make_package slow 'echo "$$" >"'"$T"'/worker.pid"
sleep 30
tar czf "$out" /dev/null'
	# Not through client(): $! must be the scriptingclient itself.
	"$RSP" scriptingclient -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -logcolor=off -input="$T/slow.tar.gz" -output="$T/out" \
	    >"$T/client.log" 2>&1 &
	CPID=$!
	PIDS="$PIDS $CPID"
	wait_for_line 'is processing' 20 "$T/client.log"
	kill -STOP "$CPID"
	wait_for_line 'keep-alive timeout, closing it' 15 "$T/pe1.log"
	kill -9 "$CPID"
	# The worker was killed and its directory removed.
	pid=$(cat "$T/worker.pid")
	for _ in $(seq 50); do
		[ -z "$(ps -o stat= -p "$pid" | grep -v Z)" ] && break
		sleep 0.1
	done
	[ -z "$(ps -o stat= -p "$pid" | grep -v Z)" ]
	no_session_dirs
}

@test "the worker's output goes to the PE's -logfile" {
	start_registrar
	"$RSP" server -scripting -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -quiet -loglevel=4 -logfile="$T/pe.log" >"$T/pe.out" 2>&1 &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool' 10 "$T/pe.log"
	make_package talk 'echo "ssrun says hello"
echo "ssrun complains" >&2
tar czf "$out" /dev/null 2>/dev/null'
	run client -input="$T/talk.tar.gz" -output="$T/out" -quiet
	[ "$status" -eq 0 ]
	grep -q '^ssrun says hello$' "$T/pe.log"
	grep -q '^ssrun complains$' "$T/pe.log"
	! grep -q ssrun "$T/pe.out"
}
