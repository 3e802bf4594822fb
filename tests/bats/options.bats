#!/usr/bin/env bats
# rsp APPLET --options: the option table as seven tab-separated fields
# (core/opt.h opt_dump), what init scripts map their configuration onto
# (openwrt/, systemd/).  Each field is checked against --help and against
# the parser itself: a default is accepted, a range's ends are and the
# values beyond them are not, every choice is.

setup() {
	: "${RSP:?set RSP to the rsp binary}"
	[ -n "$("$RSP" --list)" ] || skip "no applet in this build"
}

@test "--options: seven fields per line, consistent with each other" {
	local a name takes kind arg range def help extra
	for a in $("$RSP" --list); do
		run "$RSP" "$a" --options
		[ "$status" -eq 0 ]
		[ "${#lines[@]}" -gt 0 ]
		while IFS=$'\t' read -r name takes kind arg range def help extra; do
			[ -n "$help" ] && [ -z "$extra" ] ||
				{ echo "$a: not 7 fields: $name"; false; }
			[[ $name =~ ^-[a-z0-9-]+=?$ ]] || { echo "$a: $name"; false; }
			case $kind in
			flag)
				[ "$takes" = no ]
				[ "$def" = - ]
				;;
			optstr) [ "$takes" = optional ] ;;
			str | int | choice | list) [ "$takes" = yes ] ;;
			*) echo "$a $name: kind $kind"; false ;;
			esac
			# "-name=" exactly when a value is required
			if [ "$takes" = yes ]; then
				[[ $name == *= ]]
			else
				[[ $name != *= ]]
			fi
			if [ "$kind" = int ] && [ "$range" != - ]; then
				[[ $range =~ ^-?[0-9]+\.\.[0-9]+$ ]]
			else
				[ "$range" = - ]
			fi
		done <<<"$output"
	done
}

@test "--options: help, range and default are --help's" {
	local a name takes kind arg range def help line key
	local -A usage
	for a in $("$RSP" --list); do
		# --help's option lines by option name ("  -name=ARG  help...")
		usage=()
		while IFS= read -r line; do
			[[ $line == "  -"* ]] || continue
			key=${line#  -}
			key=${key%% *}
			key=${key%%[=[]*}
			usage[$key]=$line
		done < <("$RSP" "$a" --help)
		while IFS=$'\t' read -r name takes kind arg range def help; do
			name=${name#-}
			line=${usage[${name%=}]:-}
			[[ $line == *" $help"* ]] ||
				{ echo "$a: -$name '$help' not in --help: $line"; false; }
			if [ "$range" != - ]; then
				[[ $line == *"($range"* ]] ||
					{ echo "$a: $name $range: $line"; false; }
			fi
			if [ "$def" != - ]; then
				[[ $line == *"default $def)"* ]] ||
					{ echo "$a: $name $def: $line"; false; }
			fi
		done < <("$RSP" "$a" --options)
	done
}

@test "--options: the parser takes every default, every choice, a range's ends" {
	local a name takes kind arg range def help args=() lo hi
	local -A past=()
	for a in $("$RSP" --list); do
		args=()
		while IFS=$'\t' read -r name takes kind arg range def help; do
			[ "$def" = - ] || args+=("$name$def")
			if [ "$kind" = choice ]; then
				for v in ${arg//|/ }; do args+=("$name$v"); done
			fi
			if [ "$range" != - ]; then
				lo=${range%..*}
				hi=${range#*..}
				args+=("$name$lo" "$name$hi")
			fi
			# one past the end, once per option and range (the
			# shared tables recur in every applet)
			if [ "$range" != - ] && [ -z "${past[$name$range]:-}" ]; then
				past[$name$range]=1
				run "$RSP" "$a" "$name$((hi + 1))"
				[ "$status" -eq 2 ]
				[[ $output == *"expected an integer in $range"* ]]
			fi
		done < <("$RSP" "$a" --options)
		# --help after them: every value is parsed, nothing is started.
		run "$RSP" "$a" "${args[@]}" --help
		[ "$status" -eq 0 ] || { echo "$a: $output"; false; }
	done
}
