#!/usr/bin/env bats
# The multi-call binary: applet listing, dispatch and usage errors.

setup() {
	: "${RSP:?set RSP to the rsp binary}"
}

@test "rsp --version prints a version" {
	run "$RSP" --version
	[ "$status" -eq 0 ]
	[[ "$output" == rsp\ * ]]
	[[ "$output" == *"(ISC licence)" ]]
}

@test "rsp without an applet is a usage error (exit 2)" {
	run "$RSP"
	[ "$status" -eq 2 ]
	[[ "$output" == *usage:* ]]
}

@test "an unknown applet is a clear error with exit status 2" {
	run "$RSP" nosuchapplet
	[ "$status" -eq 2 ]
	[[ "$output" == *"unknown applet 'nosuchapplet'"* ]]
}

@test "rsp --list prints one applet per line, sorted" {
	run "$RSP" --list
	[ "$status" -eq 0 ]
	[ "$output" = "$(printf '%s\n' "${lines[@]}" | sort)" ]
}
