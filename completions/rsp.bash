# shellcheck shell=bash
# Bash completion for rsp and its RSPLIB-named symlinks (rspregistrar, ...).
# Nothing is listed here: applets come from `rsp --list`, rsp's own flags
# from `rsp --help`, an applet's options from the first field of
# `rsp APPLET --options` (or `ALIAS --options` through a symlink) and choice values from the
# "-name=a|b|c" lines of its --help.

# _rsp_run PROG [APPLET] ARGS...: run the binary being completed, quietly.
_rsp_run() {
	"$@" 2>/dev/null </dev/null
}

# _rsp_option_names CMD...: the first field of each --options line
# ("-name=" or "-flag"); the other fields describe the option.
_rsp_option_names() {
	local name _
	while IFS=$'\t' read -r name _; do
		printf '%s\n' "$name"
	done < <(_rsp_run "$@" --options)
}

# _rsp_values CMD... -- NAME: the "a|b|c" choices of -NAME, one per line.
_rsp_values() {
	local name=${!#} line
	local -a cmd=("${@:1:$#-2}")
	while read -r line; do
		line=${line%% *}
		if [[ $line == "-$name="*"|"* ]]; then
			line=${line#*=}
			printf '%s\n' "${line//|/$'\n'}"
			return
		fi
	done < <(_rsp_run "${cmd[@]}" --help)
}

_rsp() {
	local line cur prog base prefix=""
	local -a cmd words
	COMPREPLY=()
	# Split the line ourselves: bash breaks words at '=' (COMP_WORDBREAKS)
	# and "-name=value" is one word here.
	if [[ -n ${COMP_LINE+set} ]]; then
		line=${COMP_LINE:0:${COMP_POINT:-${#COMP_LINE}}}
	else
		line="${COMP_WORDS[*]:0:COMP_CWORD+1}"
	fi
	read -r -a words <<<"$line"
	[[ $line == *[[:space:]] ]] && words+=("")
	((${#words[@]} > 0)) || return 0
	cur=${words[${#words[@]} - 1]}
	prog=${words[0]}
	prog=${prog/#\~/$HOME}
	base=${prog##*/}

	if [[ $base == rsp ]]; then
		if ((${#words[@]} == 2)); then
			mapfile -t COMPREPLY < <(compgen -W \
			    "$(_rsp_run "$prog" --list) $(_rsp_run "$prog" --help |
			    grep -o -- '--[a-z][a-z-]*' | sort -u)" -- "$cur")
			return 0
		fi
		case ${words[1]} in
		--install)
			((${#words[@]} == 3)) &&
			    mapfile -t COMPREPLY < <(compgen -d -- "$cur")
			return 0
			;;
		-*) return 0 ;;
		esac
		cmd=("$prog" "${words[1]}")
	else
		cmd=("$prog")
	fi

	if [[ $cur == -*=* ]]; then
		# Complete the value: a choice from --help, else a file name.
		local name=${cur%%=*} val=${cur#*=} v
		name=${name#-}
		name=${name#-}
		[[ $COMP_WORDBREAKS == *=* ]] || prefix=${cur%%=*}=
		local -a vals
		mapfile -t vals < <(_rsp_values "${cmd[@]}" -- "$name")
		if ((${#vals[@]})); then
			for v in "${vals[@]}"; do
				[[ $v == "$val"* ]] && COMPREPLY+=("$prefix$v")
			done
		else
			mapfile -t COMPREPLY < <(compgen -f -- "$val")
			((${#COMPREPLY[@]})) &&
			    COMPREPLY=("${COMPREPLY[@]/#/$prefix}")
		fi
		return 0
	fi
	if [[ $cur == -* || -z $cur ]]; then
		mapfile -t COMPREPLY < <(compgen -W \
		    "$(_rsp_option_names "${cmd[@]}") --help --options --version" -- "$cur")
		# "-name=" wants its value next, not a space.
		if ((${#COMPREPLY[@]} == 1)) && [[ ${COMPREPLY[0]} == *= ]]; then
			compopt -o nospace 2>/dev/null || true
		fi
		return 0
	fi
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

complete -F _rsp rsp
# The RSPLIB names, when rsp is on PATH (bash-completion loads this file for
# each of them through the symlinks make install creates).
_rsp_aliases=$(command -v rsp >/dev/null 2>&1 && rsp --aliases 2>/dev/null) || true
if [[ -n $_rsp_aliases ]]; then
	# shellcheck disable=SC2086
	complete -F _rsp $_rsp_aliases
fi
unset _rsp_aliases
