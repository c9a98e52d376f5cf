# bash completion for sweepkit and analyze-data (installed by cmake --install
# under share/bash-completion/completions).  The commands and each
# command's options come from the installed binary's own --help, which
# prints the same option tables the command parses: nothing here goes
# stale when an option is added.

_sweepkit_commands()
{
    "$1" --help 2>/dev/null | sed -n '/^commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

_sweepkit_options()
{
    "$@" --help 2>/dev/null | grep -o -- '--[a-z][a-z0-9-]*' | sort -u
}

_sweepkit()
{
    local cur=${COMP_WORDS[COMP_CWORD]} bin=${COMP_WORDS[0]}
    COMPREPLY=()
    if [ "$COMP_CWORD" -eq 1 ]; then
        COMPREPLY=($(compgen -W "$(_sweepkit_commands "$bin") --help --version" -- "$cur"))
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_sweepkit_options "$bin" "${COMP_WORDS[1]}")" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}

_analyze_data()
{
    local cur=${COMP_WORDS[COMP_CWORD]}
    COMPREPLY=()
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$(_sweepkit_options "${COMP_WORDS[0]}")" -- "$cur"))
        return
    fi
    COMPREPLY=($(compgen -f -- "$cur"))
}

complete -o filenames -F _sweepkit sweepkit
complete -o filenames -F _analyze_data analyze-data
