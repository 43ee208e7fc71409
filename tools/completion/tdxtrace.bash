# bash completion for tdxtop, tdxtrace and tdxbench           -*- shell-script -*-
# SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#
# Installed by `make install` as share/bash-completion/completions/{tdxtop,
# tdxtrace,tdxbench}.  The options come from each tool's own --help (so they
# never drift from it), the scenarios from `tdxtrace sim --list`; needs
# nothing from the bash-completion package.

# Long and short options a tool's --help lists: _tdx_opts TOOL [COMMAND]
_tdx_opts()
{
	"$@" --help 2>/dev/null |
		grep -oE -- '(^|[ ,])(--[a-z0-9][a-z0-9-]*|-[a-zA-Z0-9])' |
		tr -d ' ,' | sort -u
}

_tdx_scenarios()
{
	local t=${1%/*}/tdxtrace
	[[ $1 == */* && -x $t ]] || t=tdxtrace
	"$t" sim --list 2>/dev/null | awk 'NF && $1 !~ /:$/ {print $1}'
}

# The value of an option at the cursor; returns 1 when it is not one.
_tdx_value()
{
	local tool=$1 prev=$2 cur=$3
	case $prev in
	--sim)
		COMPREPLY=($(compgen -W "$(_tdx_scenarios "$tool")" -- "$cur")) ;;
	--replay | -o | --output | --plot)
		COMPREPLY=($(compgen -f -- "$cur")) ;;
	--mode)
		COMPREPLY=($(compgen -W "auto bpf user" -- "$cur")) ;;
	-V | --view)
		COMPREPLY=($(compgen -W "td leaf mapgpa mix" -- "$cur")) ;;
	-g | --guest)
		COMPREPLY=($(compgen -W "$(cat /proc/[0-9]*/comm 2>/dev/null | sort -u)" -- "$cur")) ;;
	-p | --pid)
		COMPREPLY=($(compgen -W "$(ls /proc 2>/dev/null | grep -E '^[0-9]+$')" -- "$cur")) ;;
	--correction)
		COMPREPLY=($(compgen -W "holm bh none" -- "$cur")) ;;
	-l | --leaf | -d | -i | --delay | --interval | -n | --count | --duration | \
	-s | --sort | --rounds | --seed | --threshold | --alpha | --metrics | \
	--bootstrap | --min-events | --top)
		COMPREPLY=() ;;		# a value of the user's
	*)
		return 1 ;;
	esac
	return 0
}

_tdxtop()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	_tdx_value "${COMP_WORDS[0]}" "$prev" "$cur" && return 0
	COMPREPLY=($(compgen -W "$(_tdx_opts "${COMP_WORDS[0]}")" -- "$cur"))
}

_tdxtrace()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local tool=${COMP_WORDS[0]} cmds
	cmds=$("$tool" --help 2>/dev/null | awk '/^Commands:/ {c = 1; next} c && /^  [a-z]/ {print $1} c && /^$/ {c = 0}')
	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W "$cmds help --help --version" -- "$cur"))
		return 0
	fi
	local cmd=${COMP_WORDS[1]}
	if [[ $cmd == help ]]; then
		COMPREPLY=($(compgen -W "$cmds" -- "$cur"))
		return 0
	fi
	_tdx_value "$tool" "$prev" "$cur" && return 0
	if [[ $cur != -* && $cmd == sim ]]; then
		COMPREPLY=($(compgen -W "$(_tdx_scenarios "$tool")" -- "$cur"))
	elif [[ $cur != -* && $cmd == report ]]; then
		COMPREPLY=($(compgen -f -- "$cur"))
	else
		COMPREPLY=($(compgen -W "$(_tdx_opts "$tool" "$cmd")" -- "$cur"))
	fi
}

_tdxbench()
{
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD-1]}
	local tool=${COMP_WORDS[0]}
	if ((COMP_CWORD == 1)); then
		COMPREPLY=($(compgen -W "run compare --help --version" -- "$cur"))
		return 0
	fi
	_tdx_value "$tool" "$prev" "$cur" && return 0
	if [[ $cur == -* ]]; then
		COMPREPLY=($(compgen -W "$(_tdx_opts "$tool" "${COMP_WORDS[1]}")" -- "$cur"))
	elif [[ ${COMP_WORDS[1]} == run && $cur == s* ]]; then
		COMPREPLY=($(compgen -W "$(_tdx_scenarios "$tool" | sed 's/^/sim:/')" -- "$cur"))
	else
		COMPREPLY=($(compgen -f -- "$cur"))
	fi
}

complete -F _tdxtop tdxtop
complete -F _tdxtrace tdxtrace
complete -F _tdxbench tdxbench
