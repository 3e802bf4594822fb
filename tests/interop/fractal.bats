#!/usr/bin/env bats
# Interop: the Fractal Generator service over kernel SCTP with RSPLIB
# 3.4.4's registrar.  RSPLIB's rspserver -fractal serves rsp
# fractalpooluser (failover by -fgpfailureafter and by kill -9), and RSPLIB's
# Qt fractalpooluser, headless (QT_QPA_PLATFORM=offscreen), is served by
# rsp server -fractal with failovers.  Guest only (make check-interop, or
# tests/vm/run-in-guest.sh -e RSP=... bats tests/interop/fractal.bats).
#
# RSP: the rsp binary (default build/san/rsp, then build/rel/rsp).
# RSP_INTEROP_OUT: where logs and images go (default build/vm/interop).

load interop

REG_ASAP=127.0.0.1:3863

# bg NAME CMD...: CMD in the background, output in $OUT/NAME.log, its PID
# in $OUT/NAME.pid (teardown stops it).
bg() {
	local name=$1
	shift
	"$@" >"$OUT/$name.log" 2>&1 </dev/null 3>&- &
	echo "$!" >"$OUT/$name.pid"
}

pid_of() {
	cat "$OUT/$1.pid"
}

count() {
	[ "$(grep -c -- "$1" "$3" 2>/dev/null)" -ge "$2" ]
}

# rsplib_pe NAME POOL [options]: RSPLIB's fractal PE, registered.
rsplib_pe() {
	local name=$1 pool=$2
	shift 2
	bg "$name" stdbuf -oL rspserver -fractal -logcolor=off -loglevel=3 \
	    -registrar="$REG_ASAP" -poolhandle="$pool" "$@"
	wait_for 60 grep -q 'Identifier *= \$' "$OUT/$name.log" || {
		cat "$OUT/$name.log"
		return 1
	}
}

rsplib_pe_id() {
	sed -n 's/.*Identifier *= \$\([0-9a-f]*\).*/\1/p' "$OUT/$1.log"
}

# rsp_pe NAME POOL [options]: our fractal PE, registered.
rsp_pe() {
	local name=$1 pool=$2
	shift 2
	bg "$name" "$RSP" server -fractal -transport=sctp -logcolor=off \
	    -loglevel=4 -quiet -registrar="$REG_ASAP" -poolhandle="$pool" "$@"
	wait_for 60 grep -q 'registered in pool' "$OUT/$name.log" || {
		cat "$OUT/$name.log"
		return 1
	}
}

# ours_done N: our PEs o1 and o2 finished N images (sessions) together.
ours_done() {
	[ "$(cat "$OUT/o1.log" "$OUT/o2.log" | grep -c 'image done')" -ge "$1" ]
}

fpu() {
	timeout 300 "$RSP" fractalpooluser -transport=sctp -logcolor=off \
	    -registrar="$REG_ASAP" "$@"
}

setup_file() {
	interop_need rspregistrar rspserver fractalpooluser python3 || return 1
	local top
	top=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	export OUT=${RSP_INTEROP_OUT:-$top/build/vm/interop}/fractal
	rm -rf "$OUT"
	mkdir -p "$OUT/cfg"
	# A view with plenty of points inside the set: seconds of work under
	# emulation, so a PE can be killed in the middle.
	cat >"$OUT/cfg/view.fsf" <<'EOF'
<!DOCTYPE XMLFractalSave>
<FractalV1>
 <Algorithm>
  <AlgorithmName>Mandelbrot</AlgorithmName>
  <C1Real>-0.5</C1Real>
  <C1Imag>1.0</C1Imag>
  <C2Real>1.5</C2Real>
  <C2Imag>-1.0</C2Imag>
  <Useroptions>
   <MaxIterations>20000</MaxIterations>
  </Useroptions>
 </Algorithm>
</FractalV1>
EOF
	bg registrar rspregistrar -logcolor=off -loglevel=3 \
	    -minaddressscope=loopback -asap="$REG_ASAP,192.0.2.1" \
	    -enrp=127.0.0.1:9901,192.0.2.1 -asapannounce=off -enrpannounce=off
	sleep 1
	# The reference: our PE alone, no failure.
	rsp_pe ref RefPool
	fpu -poolhandle=RefPool -threads=2 -width=160 -height=100 \
	    -configdir="$OUT/cfg" -output="$OUT/ref.png" >"$OUT/ref.out" 2>&1
	fpu -poolhandle=RefPool -threads=2 -width=200 -height=125 \
	    -output="$OUT/ref-default.png" >>"$OUT/ref.out" 2>&1
}

teardown() {
	local f n
	for f in "$OUT"/*.pid; do
		[ -f "$f" ] || continue
		n=${f##*/}
		case $n in registrar.pid | ref.pid) continue ;; esac
		stop "$(cat "$f")"
		rm -f "$f"
	done
}

teardown_file() {
	stop_all
}

@test "RSPLIB's PE computes the image our PE computes (rsp fractalpooluser, no failover)" {
	rsplib_pe r1 PlainPool
	run fpu -poolhandle=PlainPool -threads=2 -width=200 -height=125 \
	    -output="$OUT/plain.png"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Image 1: 200x125, 2 sessions, 0 failovers"* ]]
	cmp "$OUT/ref-default.png" "$OUT/plain.png"
	grep -q 'Got Parameter' "$OUT/r1.log"
}

@test "RSPLIB PEs with -fgpfailureafter: rsp fractalpooluser resumes from their cookies; the image is identical" {
	rsplib_pe f1 FailPool -fgpfailureafter=5
	rsplib_pe f2 FailPool -fgpfailureafter=5
	run fpu -poolhandle=FailPool -threads=2 -width=160 -height=100 \
	    -configdir="$OUT/cfg" -output="$OUT/failureafter.png" -loglevel=4
	echo "$output" >"$OUT/failureafter.out"
	[ "$status" -eq 0 ]
	n=$(echo "$output" | sed -n 's/.*2 sessions, \([0-9]*\) failovers.*/\1/p')
	echo "# $n failovers" >&3
	[ "$n" -ge 2 ]
	[[ "$output" == *"(cookie: yes)"* ]]
	grep -q 'Got CookieEcho' "$OUT/f1.log" "$OUT/f2.log"
	cmp "$OUT/ref.png" "$OUT/failureafter.png"
}

@test "RSPLIB PE killed (kill -9) mid-image: rsp fractalpooluser fails over to the other; only RSPLIB's cookie gap may differ" {
	rsplib_pe k1 KillPool
	rsplib_pe k2 KillPool
	bg pu "$RSP" fractalpooluser -transport=sctp -logcolor=off -loglevel=5 \
	    -registrar="$REG_ASAP" -poolhandle=KillPool -threads=2 -width=160 \
	    -height=100 -configdir="$OUT/cfg" -output="$OUT/kill.png" \
	    -runtime=300000
	wait_for 120 count 'session 1: Data' 3 "$OUT/pu.log"
	used=$(sed -n 's/.*session 1: PE \$\([0-9a-f]*\)$/\1/p' "$OUT/pu.log" | head -1)
	if [ "$used" = "$(rsplib_pe_id k1)" ]; then victim=k1; else victim=k2; fi
	[ "$used" = "$(rsplib_pe_id $victim)" ]
	kill -9 "$(pid_of $victim)"
	wait_for 300 grep -q '^Image 1:' "$OUT/pu.log"
	grep -q 'session 1: failover to PE .* (cookie: yes)' "$OUT/pu.log"
	# RSPLIB's PE may send a cookie naming the point it computes while
	# up to 323 earlier points still wait for their Data message; a PE
	# killed then leaves those grey.  Every other pixel must be equal.
	run python3 - "$OUT/ref.png" "$OUT/kill.png" <<'EOF'
import struct, sys, zlib
def pixels(path):
    d = open(path, 'rb').read()
    off, idat = 8, b''
    while off < len(d):
        n, t = struct.unpack('>I4s', d[off:off + 8])
        if t == b'IDAT':
            idat += d[off + 8:off + 8 + n]
        off += 12 + n
    raw = zlib.decompress(idat)
    w = 160
    return [raw[y * (1 + 3 * w) + 1 + 3 * x:y * (1 + 3 * w) + 4 + 3 * x]
            for y in range(100) for x in range(w)]
a, b = pixels(sys.argv[1]), pixels(sys.argv[2])
diff = [i for i in range(len(a)) if a[i] != b[i]]
grey = [i for i in diff if b[i] == b'\xc8\xc8\xc8']
print('differing pixels: %d, grey: %d' % (len(diff), len(grey)))
sys.exit(0 if len(diff) == len(grey) and len(diff) < 324 else 1)
EOF
	echo "# $output" >&3
	[ "$status" -eq 0 ]
}

@test "RSPLIB's fractalpooluser (Qt, offscreen) is served by rsp server -fractal, failing over by Cookie Echo and after kill -9" {
	rsp_pe o1 OurPool -fgpfailureafter=4
	rsp_pe o2 OurPool -fgpfailureafter=4
	mkdir -p "$OUT/cfg2"
	sed 's/20000/1000/' "$OUT/cfg/view.fsf" >"$OUT/cfg2/view.fsf"
	QT_QPA_PLATFORM=offscreen XDG_RUNTIME_DIR=$BATS_FILE_TMPDIR \
	    bg rsplibpu stdbuf -oL fractalpooluser -logcolor=off \
	    -registrar="$REG_ASAP" -poolhandle=OurPool -threads=2 -width=160 \
	    -height=100 -configdir="$OUT/cfg2" -interimagetime=0
	# Two images finished by our PEs (each session ends with "image
	# done"), failovers resumed from our cookies on the way.
	if ! wait_for 240 ours_done 4; then
		cat "$OUT/rsplibpu.log" "$OUT/o1.log" "$OUT/o2.log"
		false
	fi
	# Then one of our PEs dies: RSPLIB's PU goes on with the other.
	kill -9 "$(pid_of o1)"
	rm -f "$OUT/o1.pid"
	n=$(grep -c 'image done' "$OUT/o2.log")
	if ! wait_for 240 count 'image done' $((n + 4)) "$OUT/o2.log"; then
		cat "$OUT/rsplibpu.log" "$OUT/o2.log"
		false
	fi
	stop "$(pid_of rsplibpu)"
	rm -f "$OUT/rsplibpu.pid"
	cat "$OUT/o1.log" "$OUT/o2.log" >"$OUT/ours.log"
	grep -q 'failure tester ends it after 4 Data messages' "$OUT/ours.log"
	grep -q 'Cookie Echo, resuming at' "$OUT/ours.log"
	grep -q 'FAILOVER (cookie=yes)' "$OUT/rsplibpu.log"
	grep -q 'Getting parameters from .*/view.fsf' "$OUT/rsplibpu.log"
	grep -Eq ': [0-9]+x100, 1000 iterations, algorithm 1' "$OUT/ours.log"
}
