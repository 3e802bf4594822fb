#!/usr/bin/env bats
# make check-layers (scripts/check-layers.sh): the tree obeys the layer
# rules of README.md's Layout table, and a forbidden include planted in a
# copy of a file is named with its file and line.

setup() {
	TOP=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
	T=$BATS_TEST_TMPDIR
}

@test "the tree obeys the layer rules" {
	run "$TOP/scripts/check-layers.sh"
	[ "$status" -eq 0 ]
	[ -z "$output" ]
}

# plant FILE HEADER: a copy of FILE under $T with HEADER included.
plant() {
	mkdir -p "$T/$(dirname "$1")"
	{ cat "$TOP/$1"; echo "#include \"$2\""; } >"$T/$1"
}

@test "a forbidden include is named: proto, handlespace, registrar, lib, transport" {
	plant proto/tlv.c core/log.h
	plant handlespace/pool.c core/rand.h
	plant core/registrar/asap.c core/lib/internal.h
	plant core/lib/session.c core/registrar/registrar.h
	plant core/transport/tcp.c core/lib/internal.h
	cd "$T"
	run "$TOP/scripts/check-layers.sh" proto/tlv.c handlespace/pool.c \
	    core/registrar/asap.c core/lib/session.c core/transport/tcp.c
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"proto/tlv.c:"*": proto may not include core/log.h"* ]]
	[[ "$output" == *"handlespace/pool.c:"*": handlespace may not include core/rand.h"* ]]
	[[ "$output" == *"core/registrar/asap.c:"*": core/registrar may not include core/lib/internal.h"* ]]
	[[ "$output" == *"core/lib/session.c:"*": core/lib may not include core/registrar/registrar.h"* ]]
	[[ "$output" == *"core/transport/tcp.c:"*": core/transport may not include core/lib/internal.h"* ]]
	[ "$(wc -l <<<"$output")" -eq 5 ]
}

@test "the runtime includes no wing, services no transport" {
	plant core/ev.c core/transport/transport.h
	plant services/echo.c core/transport/transport.h
	cd "$T"
	run "$TOP/scripts/check-layers.sh" core/ev.c services/echo.c
	[ "$status" -eq 1 ]
	[[ "$output" == *"core/ev.c:"*": core may not include core/transport/transport.h"* ]]
	[[ "$output" == *"services/echo.c:"*": services may not include core/transport/transport.h"* ]]
}
