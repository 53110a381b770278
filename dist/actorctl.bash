# bash completion for actorctl.
#
# The candidates come from actorctl itself (the hidden `__complete`
# command), so they follow its command table: commands, each command's
# options and their fixed values, and live actor ids, names and plugins
# from the daemon named by -s or ACTORD_SOCKET. A ":files" answer asks for
# file names.
#
# Install as /usr/share/bash-completion/completions/actorctl, or source it.

_actorctl() {
  local cur=${COMP_WORDS[COMP_CWORD]}
  local -a words=("${COMP_WORDS[@]:1:COMP_CWORD}")
  local line files=0
  local IFS=$'\n'

  COMPREPLY=()
  while IFS= read -r line; do
    if [ "$line" = ":files" ]; then
      files=1
    elif [ -n "$line" ]; then
      COMPREPLY+=("$line")
    fi
  done < <("${COMP_WORDS[0]}" __complete -- "${words[@]}" 2>/dev/null)
  if [ "$files" -eq 1 ]; then
    compopt -o filenames 2>/dev/null
    mapfile -t -O "${#COMPREPLY[@]}" COMPREPLY < <(compgen -f -- "$cur")
  fi
}

complete -F _actorctl actorctl
