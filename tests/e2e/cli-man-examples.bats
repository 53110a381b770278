#!/usr/bin/env bats
# The EXAMPLES of actorctl(1) are run, in order, against a fresh daemon,
# and what each command prints must be what the page shows (the idea of
# jq's manual-to-test). In the page, a line starting with "$ " is a
# command and the lines under it are its standard output; a line that is a
# number stands for any id, since ids are the daemon's to choose.

load helpers

MAN_PAGE=$REPO_ROOT/man/actorctl.1

setup_file() {
  daemon_start
}

teardown_file() {
  daemon_stop
}

# The literal blocks of the EXAMPLES section, roff escapes undone.
man_examples() {
  sed -n '/^\.Sh EXAMPLES/,/^\.Sh /p' "$MAN_PAGE" |
    sed -n '/^\.Bd -literal/,/^\.Ed/p' |
    grep -v '^\.Bd\|^\.Ed' |
    sed -e 's/\\e/\\/g' -e 's/\\(dq/"/g' -e 's/\\-/-/g' -e 's/\\&//g'
}

# Compare what a command printed with what the page shows.
same_output() {
  local expected=$1 actual=$2 e a
  local -a el al
  mapfile -t el <<<"$expected"
  mapfile -t al <<<"$actual"
  [ -n "$expected" ] || el=()
  [ -n "$actual" ] || al=()
  [ "${#el[@]}" -eq "${#al[@]}" ] || return 1
  for i in "${!el[@]}"; do
    e=${el[$i]}
    a=${al[$i]}
    if [[ "$e" =~ ^[0-9]+$ ]]; then
      [[ "$a" =~ ^[0-9]+$ ]] || return 1
    else
      [ "$e" = "$a" ] || return 1
    fi
  done
}

@test "the page has examples to run" {
  run man_examples
  [ "$status" -eq 0 ]
  [ "$(grep -c '^\$ ' <<<"$output")" -ge 8 ]
}

@test "every example of actorctl(1) prints what the page shows" {
  local cmd="" expected="" line n=0 actual
  export PATH="$(dirname "$ACTORCTL"):$PATH"
  run_example() {
    [ -n "$cmd" ] || return 0
    n=$((n + 1))
    actual=$(bash -c "$cmd" 2>"$BATS_TEST_TMPDIR/stderr")
    if ! same_output "$expected" "$actual"; then
      echo "example $n: $cmd" >&2
      echo "page shows:" >&2
      printf '%s\n' "$expected" | sed 's/^/  | /' >&2
      echo "printed:" >&2
      printf '%s\n' "$actual" | sed 's/^/  | /' >&2
      sed 's/^/  stderr| /' "$BATS_TEST_TMPDIR/stderr" >&2
      return 1
    fi
  }
  while IFS= read -r line; do
    if [[ "$line" == '$ '* ]]; then
      run_example
      cmd=${line#\$ }
      expected=""
    elif [ -n "$expected" ]; then
      expected+=$'\n'"$line"
    else
      expected=$line
    fi
  done < <(man_examples)
  run_example
  [ "$n" -ge 8 ]
}
