#!/usr/bin/env bats
# Metrics (docs/metrics.md): the registrar's GET /metrics, /status.json,
# -metricsfile and -statusfile after real refusals, rate limits and bad
# messages (asapcat plays the PE and the PU); the HTTP endpoint's
# answers and bounds; the servers' and clients' counters against what
# the clients print themselves; promtool check metrics on every applet's
# output (PROMTOOL, from scripts/promtool.sh; skipped without it); bad
# option values.  Real processes over the TCP mapping on 127.0.0.1,
# killed by PID in teardown.

bats_require_minimum_version 1.5.0

load common
load asap-msgs

# An ASAP Registration whose header claims 16 bytes but carries 8.
BAD='01 00 00 10 00 09 00 0c'

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	T=$BATS_TEST_TMPDIR
	TR=${RSP_BATS_TRANSPORT:-tcp}
	PIDS=
	cd "$T" || return 1
}

teardown() {
	exec 4>&- 5>&- 6>&- 2>/dev/null || true
	kill_pids
}

# The port of the endpoint that $1 (a log) says it serves; sets MP.
metrics_port() {
	wait_for_line 'metrics: serving http://' 10 "$1"
	MP=$(sed -n 's|.*metrics: serving http://127\.0\.0\.1:\([0-9]*\)/metrics$|\1|p' "$1")
	[ -n "$MP" ]
}

# http REQUEST: the whole answer to one raw request (printf %b escapes)
# to the endpoint on $MP, within 5 s.
http() {
	exec 5<>"/dev/tcp/127.0.0.1/$MP"
	printf '%b' "$1" >&5
	timeout 5 cat <&5
	exec 5<&-
}

# get PATH: the body of a GET.
get() {
	http "GET $1 HTTP/1.0\r\n\r\n" | sed '1,/^\r$/d'
}

# value SAMPLE FILE: the value of one sample line ("name{labels}").
value() {
	awk -v k="$1" '$1 == k { print $2 }' "$2"
}

# A PE on an association of its own that stays while fd 4 is open.
hold_pe() {
	mkfifo "$T/pe.in"
	"$RSP" asapcat -connect=127.0.0.1:"$PORT" -transport="$TR" \
	    -timeout=20000 <"$T/pe.in" >"$T/pe.out" 2>&1 3>&- &
	PIDS="$PIDS $!"
	exec 4>"$T/pe.in"
}

ask() {
	run timeout 10 "$RSP" asapcat -connect=127.0.0.1:"$PORT" \
	    -transport="$TR" -count="$1" -timeout=5000
}

@test "registrar: refusals, rate limits and bad messages in GET /metrics, the files and the JSON status alike" {
	start_registrar -maxhrrate=1 -metrics=127.0.0.1:0 \
	    -metricsfile="$T/reg.prom" -statusfile="$T/reg.json" \
	    -metricsinterval=1 -metricspools=2
	metrics_port "$T/registrar.log"
	hold_pe
	echo "$REG" >&4
	wait_for_line 'registered PE \$12345678' 5 "$T/registrar.log"
	echo "$REG_RAND" >&4 # policy differs: refused, 0x0005
	echo "$BAD" >&4
	wait_for_line 'bad ASAP message' 5 "$T/registrar.log"
	ask 2 <<<"$HR
$HR"
	[ "$status" -eq 0 ]
	[[ "${lines[2]}" == *"cause1=0x0009"* ]] # the second: rate-limited
	# Both at once: the held PE's life is 30 s, which the SCTP guest's
	# emulation can reach before the end of the test.
	get /metrics >"$T/http.prom"
	get /status.json >"$T/http.json"
	l='{applet="registrar"'
	[ "$(value "rsp_registrar_pools$l}" "$T/http.prom")" = 1 ]
	[ "$(value "rsp_registrar_pool_elements$l,owner=\"self\"}" "$T/http.prom")" = 1 ]
	[ "$(value "rsp_registrar_registrations_total$l}" "$T/http.prom")" = 1 ]
	[ "$(value "rsp_registrar_refusals_total$l,cause=\"inconsistent_pooling_policy\"}" "$T/http.prom")" = 1 ]
	[ "$(value "rsp_registrar_refusals_total$l,cause=\"invalid_values\"}" "$T/http.prom")" = 0 ]
	[ "$(value "rsp_registrar_rate_limited_total$l,request=\"handle_resolution\"}" "$T/http.prom")" = 1 ]
	[ "$(value "rsp_registrar_handle_resolutions_total$l}" "$T/http.prom")" = 2 ]
	[ "$(value "rsp_registrar_bad_messages_total$l,protocol=\"asap\",reason=\"malformed\"}" "$T/http.prom")" = 1 ]
	[ "$(value "rsp_registrar_pool_size$l,pool=\"EchoPool\"}" "$T/http.prom")" = 1 ]
	[ "$(value "rsp_registrar_asap_associations$l}" "$T/http.prom")" -ge 1 ]
	grep -q "^rsp_build_info{applet=\"registrar\",version=\"[^\"]*\"} 1$" "$T/http.prom"
	# every family has one HELP and one TYPE line, counters end in _total
	[ "$(grep -c '^# HELP ' "$T/http.prom")" = "$(grep -c '^# TYPE ' "$T/http.prom")" ]
	run ! grep -E '^# TYPE [a-z_]*[^l] counter$' "$T/http.prom"
	# the JSON status: valid, the same numbers
	jq -e '.labels.applet == "registrar"' "$T/http.json"
	jq -e '.metrics.rsp_registrar_refusals_total.type == "counter"' "$T/http.json"
	jq -e '.metrics.rsp_registrar_refusals_total.samples[] |
	    select(.labels.cause == "inconsistent_pooling_policy") |
	    .value == 1' "$T/http.json"
	jq -e '.metrics.rsp_registrar_pool_elements.samples[] |
	    select(.labels.owner == "self") | .value == 1' "$T/http.json"
	# the files: rewritten every second, through FILE.tmp
	for _ in $(seq 30); do
		[ "$(value "rsp_registrar_rate_limited_total$l,request=\"handle_resolution\"}" "$T/reg.prom")" = 1 ] && break
		sleep 0.1
	done
	[ "$(value "rsp_registrar_rate_limited_total$l,request=\"handle_resolution\"}" "$T/reg.prom")" = 1 ]
	jq -e '.metrics.rsp_registrar_rate_limited_total.samples[] |
	    select(.labels.request == "handle_resolution") | .value == 1' \
	    "$T/reg.json"
	[ ! -e "$T/reg.prom.tmp" ] && [ ! -e "$T/reg.json.tmp" ]
}

@test "metrics endpoint: 404, 405, 400, HEAD; a stalled client holds nothing up" {
	start_registrar -metrics=127.0.0.1:0
	metrics_port "$T/registrar.log"
	# a client that sends half a request and waits
	exec 6<>"/dev/tcp/127.0.0.1/$MP"
	printf 'GET /met' >&6
	run http 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'
	[[ "${lines[0]}" == $'HTTP/1.0 200 OK\r' ]]
	[[ "$output" == *$'Content-Type: text/plain; version=0.0.4; charset=utf-8\r'* ]]
	[[ "$output" == *"rsp_registrar_pools{applet=\"registrar\"} 0"* ]]
	run http 'HEAD /metrics HTTP/1.0\r\n\r\n'
	[[ "${lines[0]}" == $'HTTP/1.0 200 OK\r' ]]
	[[ "$output" != *rsp_registrar_pools* ]]
	run http 'GET /nothing HTTP/1.0\r\n\r\n'
	[[ "${lines[0]}" == $'HTTP/1.0 404 Not Found\r' ]]
	run http 'POST /metrics HTTP/1.0\r\nContent-Length: 0\r\n\r\n'
	[[ "${lines[0]}" == $'HTTP/1.0 405 Method Not Allowed\r' ]]
	[[ "$output" == *$'Allow: GET, HEAD\r'* ]]
	run http 'hello\r\n\r\n'
	[[ "${lines[0]}" == $'HTTP/1.0 400 Bad Request\r' ]]
	run http "GET /$(head -c 3000 /dev/zero | tr '\0' a) HTTP/1.0\r\n\r\n"
	[[ "${lines[0]}" == "HTTP/1.0 4"* ]]
	# the stalled client is cut off after its time (5 s), ASAP went on
	run timeout 8 cat <&6
	[ "$status" -eq 0 ] && [ -z "$output" ]
	kill -0 "$RPID"
}

@test "server and pingpongclient: messages and failovers counted as the client counts them" {
	start_registrar
	for pe in pe1 pe2; do
		"$RSP" server -transport="$TR" -registrar=127.0.0.1:"$PORT" \
		    -quiet -loglevel=4 -logcolor=off -pingpong -pppfailureafter=3 \
		    -metricsfile="$T/$pe.prom" -metricsinterval=1 \
		    >"$T/$pe.log" 2>&1 3>&- &
		PIDS="$PIDS $!"
		wait_for_line 'registered in pool' 10 "$T/$pe.log"
	done
	run timeout 60 "$RSP" pingpongclient -transport="$TR" \
	    -registrar=127.0.0.1:"$PORT" -interval=50 -runtime=4000 -quiet \
	    -metricsfile="$T/pu.prom" -statusfile="$T/pu.json"
	[ "$status" -eq 0 ]
	[[ "${lines[-1]}" =~ ^pingpongclient:\ sent=([0-9]+)\ received=([0-9]+)\ failovers=([0-9]+) ]]
	l='{applet="pingpongclient",pool="PingPongPool"'
	[ "$(value "rsp_pu_failovers_total$l}" "$T/pu.prom")" = "${BASH_REMATCH[3]}" ]
	[ "${BASH_REMATCH[3]}" -ge 2 ]
	[ "$(value "rsp_pu_messages_total$l,direction=\"received\"}" "$T/pu.prom")" = "${BASH_REMATCH[2]}" ]
	[ "$(value "rsp_pu_cookie_echoes_total$l}" "$T/pu.prom")" -ge 1 ]
	jq -e '.metrics.rsp_pu_failovers_total.samples[0].value >= 2' "$T/pu.json"
	# the PEs: what they took from the PU adds up to what it sent
	sleep 1.5 # one -metricsinterval: the files are current
	received=0
	for pe in pe1 pe2; do
		l='{applet="server",pool="PingPongPool"'
		[ "$(value "rsp_pe_registrations_total$l}" "$T/$pe.prom")" -ge 1 ]
		[ "$(value "rsp_pe_registrar_up$l}" "$T/$pe.prom")" = 1 ]
		n=$(value "rsp_pe_messages_total$l,direction=\"received\"}" "$T/$pe.prom")
		received=$((received + n))
	done
	[ "$received" -ge "$(value "rsp_pu_messages_total{applet=\"pingpongclient\",pool=\"PingPongPool\",direction=\"received\"}" "$T/pu.prom")" ]
}

@test "promtool check metrics: the registrar, the server and every client" {
	[ -n "${PROMTOOL:-}" ] || PROMTOOL=$(command -v promtool) ||
	    skip "no promtool (scripts/promtool.sh fetches it)"
	start_registrar -metrics=127.0.0.1:0 -metricsfile="$T/registrar.prom" \
	    -metricspools=5
	metrics_port "$T/registrar.log"
	"$RSP" server -transport="$TR" -registrar=127.0.0.1:"$PORT" -quiet \
	    -loglevel=4 -logcolor=off -metricsfile="$T/server.prom" \
	    >"$T/server.log" 2>&1 3>&- &
	PIDS="$PIDS $!"
	wait_for_line 'registered in pool' 10 "$T/server.log"
	printf 'one\ntwo\nthree\n' | timeout 30 "$RSP" terminal \
	    -transport="$TR" -registrar=127.0.0.1:"$PORT" -loglevel=2 \
	    -metricsfile="$T/terminal.prom" >"$T/terminal.out"
	l='{applet="terminal",pool="EchoPool"'
	[ "$(value "rsp_pu_messages_total$l,direction=\"sent\"}" "$T/terminal.prom")" = 3 ]
	[ "$(value "rsp_pu_messages_total$l,direction=\"received\"}" "$T/terminal.prom")" = 3 ]
	[ "$(value "rsp_pu_message_bytes_total$l,direction=\"sent\"}" "$T/terminal.prom")" = 14 ]
	get /metrics >"$T/http.prom"
	"$PROMTOOL" check metrics <"$T/http.prom"
	# the clients without a registrar: their failures, written at exit
	for a in pingpongclient fractalpooluser "calcappclient -jobinterval=0.01"; do
		# shellcheck disable=SC2086
		timeout 30 "$RSP" $a -transport="$TR" -registrar=127.0.0.1:1 \
		    -giveup=200 -loglevel=0 -metricsfile="$T/${a%% *}.prom" \
		    >/dev/null 2>&1 || true
		grep -q "^rsp_pu_failures_total{applet=\"${a%% *}\",pool=\"[A-Za-z]*\",reason=\"no_registrar\"} [1-9]" "$T/${a%% *}.prom"
	done
	timeout 30 "$RSP" scriptingclient -transport="$TR" \
	    -registrar=127.0.0.1:1 -giveup=200 -loglevel=0 -input=/dev/null \
	    -output="$T/out.tar" -metricsfile="$T/scriptingclient.prom" || true
	for f in registrar server terminal pingpongclient fractalpooluser \
	    calcappclient scriptingclient; do
		echo "== $f"
		"$PROMTOOL" check metrics <"$T/$f.prom"
	done
}

@test "metrics options: bad values are refused, naming them" {
	run "$RSP" registrar -metrics=nonsense:1 -transport=tcp
	[ "$status" -eq 1 ]
	[[ "$output" == *"-metrics=nonsense:1"* ]]
	run "$RSP" terminal -metrics=127.0.0.1:99999
	[ "$status" -eq 2 ]
	[[ "$output" == *"-metrics=127.0.0.1:99999"* ]]
	run "$RSP" server -metricsinterval=0
	[ "$status" -eq 2 ]
	[[ "$output" == *"-metricsinterval"* ]]
	run "$RSP" registrar -metricspools=1001
	[ "$status" -eq 2 ]
	run "$RSP" pingpongclient -metricsfile=
	[ "$status" -eq 2 ]
	[[ "$output" == *"-metricsfile="* ]]
	# a file that cannot be written, a port in use: exit 1 at the start
	run timeout 10 "$RSP" registrar -transport=tcp -asap=127.0.0.1:0 \
	    -asapannounce=off -metricsfile="$T/no/such/dir/r.prom"
	[ "$status" -eq 1 ]
	[[ "$output" == *"$T/no/such/dir/r.prom.tmp: No such file or directory"* ]]
	start_registrar -metrics=127.0.0.1:0
	metrics_port "$T/registrar.log"
	run timeout 10 "$RSP" server -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -metrics=127.0.0.1:"$MP" -loglevel=1
	[ "$status" -eq 1 ]
	# glibc: "Address already in use", musl: "Address in use"
	[[ "$output" == *"-metrics=127.0.0.1:$MP: 127.0.0.1:$MP: Address "*"in use"* ]]
}
