#!/usr/bin/env bats
# rsp server -fractal (Fractal Generator PE) and rsp fractalpooluser over
# the TCP mapping on 127.0.0.1 with rsp registrar: images through a pool,
# failover by kill -9, by -fgpfailureafter and by the receive timeout,
# each image byte-identical to one computed without failures; PNG/PPM
# files, -fgpmaxthreads, usage errors.  Every process is started in the
# background with its PID kept and killed in teardown.

load common

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	T=$BATS_TEST_TMPDIR
	PIDS=
	# A view that is mostly inside the set with many iterations: a few
	# seconds of work, so a PE can be killed in the middle of it (fewer
	# iterations in the SCTP test guest, which emulates the CPU).
	mkdir -p "$T/slow" "$T/two"
	fsf "$T/slow/slow.fsf" Mandelbrot -0.5 1.0 1.5 -1.0 \
	    "$([ -n "${RSP_VM_GUEST:-}" ] && echo 15000 || echo 150000)" ''
	fsf "$T/two/a.fsf" MandelbrotN -1.5 1.5 1.5 -1.5 64 3
	fsf "$T/two/b.fsf" Mandelbrot -1.0 1.0 1.0 -1.0 200 ''
}

teardown() {
	kill_pids
}

# fsf FILE ALGORITHM C1R C1I C2R C2I MAXITER N: an RSPLIB parameter file.
fsf() {
	{
		echo '<!DOCTYPE XMLFractalSave>'
		echo '<FractalV1>'
		echo ' <Algorithm>'
		echo "  <AlgorithmName>$2</AlgorithmName>"
		echo "  <C1Real>$3</C1Real>"
		echo "  <C1Imag>$4</C1Imag>"
		echo "  <C2Real>$5</C2Real>"
		echo "  <C2Imag>$6</C2Imag>"
		echo '  <Useroptions>'
		echo "   <MaxIterations>$7</MaxIterations>"
		[ -z "$8" ] || echo "   <N>$8</N>"
		echo '  </Useroptions>'
		echo ' </Algorithm>'
		echo '</FractalV1>'
	} >"$1"
}


# Wait at most $3 s until $1 matches at least $2 lines of $4.
wait_for_count() {
	for _ in $(seq $(($3 * 20))); do
		[ "$(grep -c -- "$1" "$4" 2>/dev/null)" -ge "$2" ] && return 0
		sleep 0.05
	done
	echo "--- $4:" >&2
	cat "$4" >&2
	return 1
}


# start_pe NAME [options]: a fractal PE logging to $T/NAME.log.
start_pe() {
	local name=$1
	shift
	"$RSP" server -fractal -transport=tcp -registrar=127.0.0.1:"$PORT" \
	    -quiet -loglevel=4 -logcolor=off "$@" >"$T/$name.log" 2>&1 &
	PIDS="$PIDS $!"
	echo "$name $!" >>"$T/pes"
	wait_for_line 'registered in pool' 10 "$T/$name.log"
}

pe_id() {
	sed -n 's/.*PE \$\([0-9a-f]*\) registered in pool.*/\1/p' "$T/$1.log"
}

pe_pid() {
	awk -v n="$1" '$1 == n { print $2 }' "$T/pes"
}

# The PE name whose ID is $1.
pe_name() {
	local n
	for n in $(awk '{ print $1 }' "$T/pes"); do
		if [ "$(pe_id "$n")" = "$1" ]; then echo "$n"; fi
	done
}

# How long one fractalpooluser may take, in s: the slow images compute
# for minutes where floating point is emulated (qemu-user: check-cross
# sets RSP_FRACTAL_TIMEOUT for its full runs).
FPU_TIMEOUT=${RSP_FRACTAL_TIMEOUT:-300}

fpu() {
	timeout "$FPU_TIMEOUT" "$RSP" fractalpooluser -transport=tcp \
	    -registrar=127.0.0.1:"$PORT" -logcolor=off "$@"
}

# In the background: the PU itself (its PID is $!), ending by itself.
fpu_bg() {
	exec "$RSP" fractalpooluser -transport=tcp -runtime="${FPU_TIMEOUT}000" \
	    -registrar=127.0.0.1:"$PORT" -logcolor=off "$@"
}

# A valid PNG: every chunk's CRC, IHDR, the zlib stream, the size.
png_ok() {
	python3 - "$1" "$2" "$3" <<'EOF'
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
assert d[:8] == b'\x89PNG\r\n\x1a\n', 'signature'
off, idat, seen = 8, b'', []
while off < len(d):
    n, t = struct.unpack('>I4s', d[off:off + 8])
    body = d[off + 8:off + 8 + n]
    crc, = struct.unpack('>I', d[off + 8 + n:off + 12 + n])
    assert zlib.crc32(t + body) == crc, 'crc of %r' % t
    seen.append(t)
    if t == b'IHDR':
        w, h, depth, ctype, cm, fm, il = struct.unpack('>IIBBBBB', body)
        assert (w, h) == (int(sys.argv[2]), int(sys.argv[3])), (w, h)
        assert (depth, ctype, cm, fm, il) == (8, 2, 0, 0, 0)
    if t == b'IDAT':
        idat += body
    off += 12 + n
assert seen[0] == b'IHDR' and seen[-1] == b'IEND', seen
raw = zlib.decompress(idat)
assert len(raw) == h * (1 + 3 * w), len(raw)
assert all(raw[y * (1 + 3 * w)] == 0 for y in range(h))
EOF
}

@test "fractal: an image through the pool is a valid PNG; PNG and PPM hold the same pixels" {
	command -v python3 >/dev/null || skip "python3 missing"
	start_registrar
	start_pe pe1
	start_pe pe2
	run fpu -threads=4 -width=200 -height=120 -output="$T/a.png" \
	    -caption="Test image"
	[ "$status" -eq 0 ]
	[[ "$output" == *"Image 1: 200x120, 4 sessions, 0 failovers"* ]]
	png_ok "$T/a.png" 200 120
	if command -v file >/dev/null; then
		file "$T/a.png" | grep -q 'PNG image data, 200 x 120, 8-bit/color RGB'
	fi
	tr '\0' ' ' <"$T/a.png" | grep -q 'tEXtTitle Test image'
	run fpu -threads=3 -width=200 -height=120 -output="$T/a.ppm"
	[ "$status" -eq 0 ]
	[ "$(head -c 2 "$T/a.ppm")" = P6 ]
	python3 - "$T/a.png" "$T/a.ppm" <<'EOF'
import struct, sys, zlib
d = open(sys.argv[1], 'rb').read()
off, idat = 8, b''
while off < len(d):
    n, t = struct.unpack('>I4s', d[off:off + 8])
    if t == b'IDAT':
        idat += d[off + 8:off + 8 + n]
    off += 12 + n
raw = zlib.decompress(idat)
rows = [raw[y * 601 + 1:(y + 1) * 601] for y in range(120)]
ppm = open(sys.argv[2], 'rb').read()
assert ppm.startswith(b'P6\n200 120\n255\n'), ppm[:20]
assert ppm[len(b'P6\n200 120\n255\n'):] == b''.join(rows), 'pixels differ'
EOF
	grep -q 'session .*: 100x60, 1024 iterations, algorithm 1' "$T/pe1.log" "$T/pe2.log"
}

@test "fractal: -fgptestmode sends (x * y) mod 256, coloured as RSPLIB (hue = value * 5)" {
	start_registrar
	start_pe pe1 -fgptestmode
	run fpu -width=16 -height=8 -output="$T/t.ppm"
	[ "$status" -eq 0 ]
	# PPM: header, then RGB; pixel (x, y) at offset 3 * (16 y + x)
	hdr=$(printf 'P6\n16 8\n255\n' | wc -c)
	px() { tail -c +$((hdr + 1 + 3 * (16 * $2 + $1))) "$T/t.ppm" | head -c 3 | od -An -tu1 | tr -s ' ' | sed 's/^ //'; }
	[ "$(px 0 0)" = "255 0 0" ]  # value 0: hue 0
	[ "$(px 1 1)" = "255 21 0" ] # value 1: hue 5
	[ "$(px 5 3)" = "191 255 0" ] # value 15: hue 75
	[ "$(px 6 4)" = "0 255 0" ]   # value 24: hue 120
	[ "$(px 15 7)" = "0 255 191" ] # value 105: hue (105 mod 72) * 5 = 165
}

@test "fractal: kill -9 of the PE mid-computation; the image equals the one computed without failures" {
	start_registrar
	start_pe pe1
	start_pe pe2
	run fpu -threads=2 -width=160 -height=100 -configdir="$T/slow" \
	    -output="$T/ref.png"
	[ "$status" -eq 0 ]
	[[ "$output" == *"0 failovers"* ]]
	fpu_bg -threads=2 -width=160 -height=100 -configdir="$T/slow" \
	    -output="$T/fail.png" -loglevel=5 >"$T/fpu.out" 2>"$T/fpu.err" &
	PIDS="$PIDS $!"
	fpid=$!
	wait_for_count 'session 1: Data' 3 120 "$T/fpu.err"
	used=$(sed -n 's/.*session 1: PE \$\([0-9a-f]*\)$/\1/p' "$T/fpu.err" | head -1)
	victim=$(pe_name "$used")
	[ -n "$victim" ]
	kill -9 "$(pe_pid "$victim")"
	wait "$fpid"
	grep -q 'Image 1: 160x100, 2 sessions, [1-9][0-9]* failover' "$T/fpu.out"
	grep -q "session 1: failover to PE .* (cookie: yes)" "$T/fpu.err"
	run grep -q "failover to PE \$$used" "$T/fpu.err"
	[ "$status" -ne 0 ]
	grep -q 'Cookie Echo, resuming at' "$T"/pe*.log
	cmp "$T/ref.png" "$T/fail.png"
}

@test "fractal: SIGTERM of the PE mid-computation: it deregisters, the session moves on; same image" {
	start_registrar
	start_pe pe1
	start_pe pe2
	run fpu -threads=2 -width=160 -height=100 -configdir="$T/slow" \
	    -output="$T/ref.png"
	[ "$status" -eq 0 ]
	fpu_bg -threads=2 -width=160 -height=100 -configdir="$T/slow" \
	    -output="$T/term.png" -loglevel=5 >"$T/fpu.out" 2>"$T/fpu.err" &
	PIDS="$PIDS $!"
	fpid=$!
	wait_for_count 'session 2: Data' 3 120 "$T/fpu.err"
	used=$(sed -n 's/.*session 2: PE \$\([0-9a-f]*\)$/\1/p' "$T/fpu.err" | head -1)
	victim=$(pe_name "$used")
	kill -TERM "$(pe_pid "$victim")"
	wait "$fpid"
	wait_for_line 'deregistered' 10 "$T/$victim.log"
	grep -q 'session 2: failover to PE .* (cookie: yes)' "$T/fpu.err"
	cmp "$T/ref.png" "$T/term.png"
}

@test "fractal: PEs with -fgpfailureafter end every session; the image still equals the reference" {
	start_registrar
	start_pe ref
	run fpu -threads=2 -width=200 -height=125 -output="$T/ref.png"
	[ "$status" -eq 0 ]
	kill -9 "$(pe_pid ref)"
	start_pe pe1 -fgpfailureafter=10 -fgpcookiemaxpackets=3
	start_pe pe2 -fgpfailureafter=10 -fgpcookiemaxpackets=3
	run fpu -threads=2 -width=200 -height=125 -output="$T/fail.png" \
	    -loglevel=4
	[ "$status" -eq 0 ]
	[[ "$output" =~ Image\ 1:\ 200x125,\ 2\ sessions,\ [0-9]+\ failovers ]]
	n=$(echo "$output" | sed -n 's/.*2 sessions, \([0-9]*\) failovers.*/\1/p')
	[ "$n" -ge 4 ]
	grep -q 'failure tester ends it after 10 Data messages' "$T/pe1.log" "$T/pe2.log"
	cmp "$T/ref.png" "$T/fail.png"
}

@test "fractal: a PE that stops sending: -recvtimeout fails over, resumes from the cookie" {
	start_registrar
	start_pe pe1
	start_pe pe2
	run fpu -width=160 -height=100 -configdir="$T/slow" -threads=2 \
	    -output="$T/ref.png"
	[ "$status" -eq 0 ]
	fpu_bg -width=160 -height=100 -configdir="$T/slow" -threads=2 \
	    -recvtimeout=2000 -output="$T/stop.png" -loglevel=5 \
	    >"$T/fpu.out" 2>"$T/fpu.err" &
	PIDS="$PIDS $!"
	fpid=$!
	wait_for_count 'session 2: Data' 2 120 "$T/fpu.err"
	used=$(sed -n 's/.*session 2: PE \$\([0-9a-f]*\)$/\1/p' "$T/fpu.err" | head -1)
	victim=$(pe_name "$used")
	kill -STOP "$(pe_pid "$victim")"
	wait "$fpid"
	kill -CONT "$(pe_pid "$victim")"
	grep -q 'session 2: nothing for 2000 ms, failing over' "$T/fpu.err"
	grep -q 'session 2: failover to PE .* (cookie: yes)' "$T/fpu.err"
	cmp "$T/ref.png" "$T/stop.png"
}

@test "fractal: -fgpmaxthreads=1 refuses a second session; the PU retries until served" {
	start_registrar
	start_pe pe1 -fgpmaxthreads=1
	run fpu -threads=2 -width=160 -height=100 -configdir="$T/slow" \
	    -output="$T/m.png" -loglevel=4
	[ "$status" -eq 0 ]
	grep -q 'rejected session .*: all 1 sessions busy' "$T/pe1.log"
	[[ "$output" == *"ended the session"* ]]
	[[ "$output" == *"Image 1: 160x100, 2 sessions"* ]]
}

@test "fractal: -images, -configdir picks parameter files, -imagestorageprefix numbers the files" {
	command -v python3 >/dev/null || skip "python3 missing"
	start_registrar
	start_pe pe1
	: >"$T/img-000001.png" # taken: the next free number is used
	run fpu -images=3 -interimagetime=0 -configdir="$T/two" -width=64 \
	    -height=48 -imagestorageprefix="$T/img" -output="$T/last.png"
	[ "$status" -eq 0 ]
	[ "$(echo "$output" | grep -c '^Image [123]: 64x48, 1 session, 0 failovers.*, from .*/two/[ab]\.fsf$')" -eq 3 ]
	for n in 2 3 4; do png_ok "$T/img-00000$n.png" 64 48; done
	cmp "$T/img-000004.png" "$T/last.png"
	grep -q 'algorithm [12]' "$T/pe1.log"
}

@test "fractal: a progress bar on standard error only when it is a terminal" {
	command -v script >/dev/null || skip "script missing"
	start_registrar
	start_pe pe1
	run fpu -width=100 -height=60 -configdir="$T/slow" -output="$T/p.png"
	[ "$status" -eq 0 ]
	[[ "$output" != *"["* ]]
	cmd="$RSP fractalpooluser -transport=tcp -registrar=127.0.0.1:$PORT -logcolor=off -width=100 -height=60 -configdir=$T/slow -caption=Bar -output=$T/q.png"
	run timeout "$FPU_TIMEOUT" script -qec "$cmd" /dev/null
	[ "$status" -eq 0 ]
	[[ "$output" == *"Bar: image 1 ["*"%"* ]]
}

@test "fractal: usage errors exit 2" {
	run "$RSP" fractalpooluser -width=100 -asapannounce=off
	[ "$status" -eq 2 ]
	run "$RSP" fractalpooluser -registrar=127.0.0.1:1 -output=x.gif
	[ "$status" -eq 2 ]
	[[ "$output" == *".png or .ppm"* ]]
	run "$RSP" fractalpooluser -registrar=127.0.0.1:1 -threads=0
	[ "$status" -eq 2 ]
	run "$RSP" fractalpooluser -registrar=127.0.0.1:1 -threads=513
	[ "$status" -eq 2 ]
	run "$RSP" fractalpooluser -registrar=127.0.0.1:1 -width=0
	[ "$status" -eq 2 ]
	run "$RSP" fractalpooluser -registrar=127.0.0.1:1 -bogus
	[ "$status" -eq 2 ]
	run "$RSP" fractalpooluser -registrar=127.0.0.1:1 -colormarks -nocolormarks
	[ "$status" -eq 2 ]
	run "$RSP" fractalpooluser -registrar=127.0.0.1:1 -configdir=/nonexistent/dir
	[ "$status" -eq 1 ]
	run "$RSP" server -fractal -registrar=127.0.0.1:1 -fgpcookiemaxtime=50
	[ "$status" -eq 2 ]
	run "$RSP" server -fractal -registrar=127.0.0.1:1 -fgpmaxthreads=0
	[ "$status" -eq 2 ]
	run "$RSP" server -fractal -echo -registrar=127.0.0.1:1
	[ "$status" -eq 2 ]
	run "$RSP" server -fractal -registrar=127.0.0.1:1 -fgpcookiemaxpackets=0
	[ "$status" -eq 2 ]
}
