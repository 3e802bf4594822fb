#!/usr/bin/env bats
# Ping Pong and CalcApp interop with RSPLIB 3.4.4 over kernel SCTP, both
# directions:
#  - RSPLIB's rspserver -pingpong / -calcapp registered at rsp registrar,
#    used by rsp pingpongclient / calcappclient;
#  - rsp server -pingpong / -calcapp registered at RSPLIB's rspregistrar,
#    used by RSPLIB's pingpongclient / calcappclient;
# with failover and Cookie Echo: the Ping Pong PEs abort every session
# after 3 replies (-pppfailureafter), the CalcApp PE running the job is
# killed (SIGKILL) after it sent a cookie.  Guest only:
#   tests/vm/run-in-guest.sh -e RSP=$PWD/build/san/rsp \
#       bats tests/interop/services-pingpong-calcapp.bats
# RSP: the rsp binary (default build/san/rsp).
# RSP_INTEROP_OUT: where the logs and the capture (services.pcapng) go
# (default build/vm/interop), here in its services/ subdirectory.

load interop

bats_require_minimum_version 1.5.0

OUR_ASAP=127.0.0.1:3873
RSPLIB_ASAP=127.0.0.1:3874
RSPLIB_ENRP=127.0.0.1:9914

# start NAME LOG CMD...: CMD in the background, its PID in $OUT/NAME.pid.
start() {
	local name=$1 log=$2
	shift 2
	"$@" >"$log" 2>&1 </dev/null 3>&- &
	echo "$!" >"$OUT/$name.pid"
}

# RSPLIB's rspserver prints "Identifier = $xxxxxxxx" when it registered.
rsplib_pe_id() {
	sed -n 's/.*Identifier *= *\$\([0-9a-f]*\).*/\1/p' "$OUT/$1.log" | head -1
}

rsp_pe_id() {
	sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' "$OUT/$1.log"
}

# The job of the last cookie in $OUT/$1, if that job is not complete and
# has at least 10,000,000 calculations (1 s at -capcapacity) to go: a
# kill then surely finds it running (a job about to end may end first).
cookie_job() {
	awk '/calcapp: cookie for job/ { split($0, a, "cookie for job "); split(a[2], b, ":"); j = b[1]
	        split(b[2], c, " "); left = c[3] - c[1] }
	    /calcapp: job .* complete/ { split($0, a, "calcapp: job "); split(a[2], b, " "); if (b[1] == j) j = "" }
	    END { if (j == "" || left < 10000000) exit 1; print j }' "$OUT/$1"
}

# 1 or 2: an rsp CalcApp PE running a job it sent a cookie for.
cookie_job_pe() {
	local i
	for i in 1 2; do
		cookie_job rsp-ca$i.log >/dev/null && { echo $i; return 0; }
	done
	return 1
}

setup_file() {
	if [ ! -d /proc/sys/net/sctp ]; then
		echo "# no kernel SCTP here: run this in the SCTP test guest (tests/vm/README.md)" >&3
		return 1
	fi
	local p
	for p in rspregistrar rspserver pingpongclient calcappclient; do
		command -v "$p" >/dev/null || {
			echo "# $p missing: apt-get install rsplib-registrar rsplib-services rsplib-tools" >&3
			return 1
		}
	done
	export RSP=${RSP:-$BATS_TEST_DIRNAME/../../build/san/rsp}
	export OUT=${RSP_INTEROP_OUT:-$BATS_TEST_DIRNAME/../../build/vm/interop}/services
	mkdir -p "$OUT"
	rm -f "$OUT"/*.pid "$OUT"/*.log "$OUT"/*.sca "$OUT"/*.vec \
	    "$OUT/services.pcapng"
	# The capture, judged on the host by tests/interop/run.sh
	# (pcap-verdict.sh for ASAP, app-verdict.sh for Ping Pong and CalcApp).
	if command -v dumpcap >/dev/null; then
		start DUMPCAP "$OUT/dumpcap.log" dumpcap -q -i lo -f sctp \
			-w "$OUT/services.pcapng"
		wait_for 60 grep -q 'Capturing on' "$OUT/dumpcap.log" || {
			echo "# dumpcap did not start:" >&3
			sed 's/^/#   /' "$OUT/dumpcap.log" >&3
			return 1
		}
	fi
	start OURREG "$OUT/rsp-registrar.log" "$RSP" registrar -transport=sctp \
		-asap="$OUR_ASAP,192.0.2.1" -minaddressscope=loopback \
		-asapannounce=off -loglevel=4 -logcolor=off
	start RSPLIBREG "$OUT/rspregistrar.log" rspregistrar -logcolor=off \
		-loglevel=3 -minaddressscope=loopback \
		-asap="$RSPLIB_ASAP,192.0.2.1" -enrp="$RSPLIB_ENRP,192.0.2.1" \
		-asapannounce=off -enrpannounce=off
	wait_for 30 grep -q 'ASAP listening on' "$OUT/rsp-registrar.log" || {
		echo "# our registrar did not start:" >&3
		sed 's/^/#   /' "$OUT/rsp-registrar.log" >&3
		return 1
	}
}

teardown_file() {
	stop_all
}

# After each test: its PEs and clients; the registrars live for the file.
teardown() {
	local f
	for f in "$OUT"/*.pid; do
		[ -f "$f" ] || continue
		case $f in */OURREG.pid | */RSPLIBREG.pid | */DUMPCAP.pid) continue ;; esac
		stop "$(cat "$f")"
		rm -f "$f"
	done
}

@test "rsp pingpongclient fails over between RSPLIB Ping Pong PEs (rsp registrar)" {
	local i
	for i in 1 2; do
		start PP$i "$OUT/rspserver-pp$i.log" stdbuf -oL rspserver -logcolor=off \
			-loglevel=2 -pingpong -pppfailureafter=3 \
			-registrar="$OUR_ASAP"
	done
	wait_for 60 eval '[ "$(grep -c "registered PE .* in pool PingPongPool" "$OUT"/rsp-registrar.log)" -ge 2 ]' || {
		show "$OUT"/rsp-registrar.log "$OUT"/rspserver-pp*.log
		false
	}
	run timeout 60 "$RSP" pingpongclient -transport=sctp \
	    -registrar="$OUR_ASAP" -interval=100 -runtime=8000 -logcolor=off
	echo "$output" >"$OUT/rsp-pingpongclient.log"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" =~ ^pingpongclient:\ sent=[0-9]+\ received=([0-9]+)\ failovers=([0-9]+)\ closed=([0-9]+)\ gaps=([0-9]+)\ last_reply=([0-9]+)$ ]]
	received=${BASH_REMATCH[1]}
	[ "$received" -ge 9 ]
	[ $((BASH_REMATCH[2] + BASH_REMATCH[3])) -ge 2 ]
	# RSPLIB's PEs numbered on from our Cookie Echo
	[ "${BASH_REMATCH[4]}" -eq 0 ]
	[ "$received" -eq "${BASH_REMATCH[5]}" ]
	# both PEs answered
	[ "$(grep -o 'from PE \$[0-9a-f]*' <<<"$output" | sort -u | wc -l)" -eq 2 ]
}

@test "RSPLIB pingpongclient fails over between rsp Ping Pong PEs (rspregistrar)" {
	local i
	for i in 1 2; do
		start PP$i "$OUT/rsp-pp$i.log" "$RSP" server -transport=sctp \
			-pingpong -pppfailureafter=3 -registrar="$RSPLIB_ASAP" \
			-loglevel=4 -logcolor=off
		wait_for 60 grep -q 'registered in pool PingPongPool' \
		    "$OUT/rsp-pp$i.log" || {
			show "$OUT/rsp-pp$i.log" "$OUT"/rspregistrar.log
			false
		}
	done
	timeout 10 pingpongclient -logcolor=off -registrar="$RSPLIB_ASAP" \
	    -interval=100 >"$OUT/rsplib-pingpongclient.log" 2>&1 </dev/null 3>&- || true
	sed 's/\x1b\[[0-9;]*m//g' "$OUT/rsplib-pingpongclient.log" \
	    >"$OUT/rsplib-pingpongclient.txt"
	cat "$OUT/rsplib-pingpongclient.txt"
	id1=$(rsp_pe_id rsp-pp1)
	id2=$(rsp_pe_id rsp-pp2)
	grep -q "Ack #[0-9]* from PE \$$id1 (reply #" "$OUT/rsplib-pingpongclient.txt"
	grep -q "Ack #[0-9]* from PE \$$id2 (reply #" "$OUT/rsplib-pingpongclient.txt"
	# at least two failovers, and the reply numbers went on from our
	# cookies: reply #7 exists and no gap was seen
	grep -q "(reply #7)" "$OUT/rsplib-pingpongclient.txt"
	run ! grep -q 'Detected gap' "$OUT/rsplib-pingpongclient.txt"
	grep -q 'failure tester, aborting' "$OUT/rsp-pp1.log" "$OUT/rsp-pp2.log"
	grep -q 'resumed from cookie' "$OUT/rsp-pp1.log" "$OUT/rsp-pp2.log"
}

@test "rsp calcappclient: RSPLIB CalcApp PE killed, the job resumes on the other from the cookie" {
	local victim=1 other=2
	# CA1 slow (16,000,000 calculations take it 40 s), so that the kill
	# lands mid-job however loaded the machine; CA2, at the speed of
	# 2,000,000 a second, starts once CA1 has the job and takes it over.
	start_rsplib_ca() {
		start CA$1 "$OUT/rspserver-ca$1.log" stdbuf -oL rspserver \
			-logcolor=off -loglevel=2 -calcapp -capcookiemaxtime=0.5 \
			-capcapacity="$2" -capvector="$OUT/rspserver-ca$1.vec" \
			-capscalar="$OUT/rspserver-ca$1.sca" -registrar="$OUR_ASAP"
		wait_for 60 eval '[ -n "$(rsplib_pe_id rspserver-ca'"$1"')" ]' || {
			show "$OUT"/rspserver-ca*.log "$OUT"/rsp-registrar.log
			false
		}
	}
	start_rsplib_ca 1 400000
	sleep 1
	start CAC "$OUT/rsp-calcappclient.log" "$RSP" calcappclient \
		-transport=sctp -registrar="$OUR_ASAP" -jobinterval=0.01 \
		-jobsize=16000000 -fixedjobsize -jobcount=1 -logcolor=off \
		-vector="$OUT/rsp-calcappclient.vec" \
		-scalar="$OUT/rsp-calcappclient.sca"
	wait_for 60 grep -q 'accepted by PE' "$OUT/rsp-calcappclient.log" || {
		show "$OUT/rsp-calcappclient.log" "$OUT"/rspserver-ca*.log
		false
	}
	used=$(sed -n 's/^Job #1 accepted by PE \$\([0-9a-f]*\)$/\1/p' "$OUT/rsp-calcappclient.log")
	[ "$used" = "$(rsplib_pe_id rspserver-ca1)" ]
	start_rsplib_ca 2 2000000
	sleep 1 # cookies every 0.5 s
	echo "killing PE $used at $(date +%T.%N)" >"$OUT/rsp-calcappclient.kill"
	stop "$(cat "$OUT/CA$victim.pid")" KILL
	rm -f "$OUT/CA$victim.pid"
	wait_for 90 eval '! kill -0 "$(cat "$OUT/CAC.pid")" 2>/dev/null' || {
		show "$OUT/rsp-calcappclient.log" "$OUT"/rspserver-ca*.log
		false
	}
	show "$OUT/rsp-calcappclient.log"
	id2=$(rsplib_pe_id rspserver-ca$other)
	grep -q "^Failover of job #1 to PE \$$id2 (cookie echo)$" "$OUT/rsp-calcappclient.log"
	grep -q "^Job #1 completed by PE \$$id2: JobSize=16000000 Completed=16000000 " \
	    "$OUT/rsp-calcappclient.log"
	grep -q 'accepted from cookie echo' "$OUT/rspserver-ca$other.log"
	grep -q 'completed=1 ' "$OUT/rsp-calcappclient.log"
}

@test "RSPLIB calcappclient: rsp CalcApp PE killed, the job resumes on the other from the cookie" {
	local i victim other job
	for i in 1 2; do
		start CA$i "$OUT/rsp-ca$i.log" "$RSP" server -transport=sctp \
			-calcapp -capcookiemaxtime=0.5 -capcapacity=10000000 \
			-capvector="$OUT/rsp-ca$i.vec" \
			-capscalar="$OUT/rsp-ca$i.sca" \
			-registrar="$RSPLIB_ASAP" -loglevel=5 -logcolor=off
		wait_for 60 grep -q 'registered in pool CalcAppPool' \
		    "$OUT/rsp-ca$i.log" || {
			show "$OUT/rsp-ca$i.log" "$OUT"/rspregistrar.log
			false
		}
	done
	start CAC "$OUT/rsplib-calcappclient.log" stdbuf -oL calcappclient -logcolor=off \
		-registrar="$RSPLIB_ASAP" -jobinterval=0.5 -jobsize=20000000 \
		-runtime=60 -vector="$OUT/rsplib-calcappclient.vec" \
		-scalar="$OUT/rsplib-calcappclient.sca"
	# kill a PE while it runs a job it has sent a cookie for
	wait_for 60 eval 'victim=$(cookie_job_pe)' || {
		show "$OUT/rsplib-calcappclient.log" "$OUT"/rsp-ca*.log
		false
	}
	other=$((3 - victim))
	stop "$(cat "$OUT/CA$victim.pid")" KILL
	rm -f "$OUT/CA$victim.pid"
	# the other PE takes the job that ran on the victim from the cookie
	wait_for 60 grep -q "completed [1-9][0-9]*, accepted from cookie echo" \
	    "$OUT/rsp-ca$other.log" || {
		show "$OUT/rsplib-calcappclient.log" "$OUT"/rsp-ca*.log
		false
	}
	job=$(sed -n 's/.*calcapp: job [0-9]*\/\([0-9]*\) of size [0-9]*, completed [1-9][0-9]*, accepted from cookie echo.*/\1/p' "$OUT/rsp-ca$other.log" | head -1)
	[ -n "$job" ]
	grep -q "calcapp: job [0-9]*/$job of size [0-9]*, completed 0, accepted" \
	    "$OUT/rsp-ca$victim.log"
	grep -q "calcapp: cookie for job [0-9]*/$job:" "$OUT/rsp-ca$victim.log"
	wait_for 60 grep -q "calcapp: job [0-9]*/$job complete" "$OUT/rsp-ca$other.log" || {
		show "$OUT/rsplib-calcappclient.log" "$OUT"/rsp-ca*.log
		false
	}
	wait_for 30 grep -q "Job #$job completed" "$OUT/rsplib-calcappclient.log" || {
		show "$OUT/rsplib-calcappclient.log" "$OUT"/rsp-ca*.log
		false
	}
	show "$OUT/rsplib-calcappclient.log"
}
