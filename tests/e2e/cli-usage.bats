#!/usr/bin/env bats
# actorctl's own checks, which need no daemon: command lookup, options,
# arguments, JSON arguments, exit statuses 2 and 5, help. A socket path that
# nothing listens on shows that a command got as far as connecting (5)
# rather than being refused as a usage error (2).

bats_require_minimum_version 1.5.0
load helpers

setup() {
  TEST_DIR=$(mktemp -d /tmp/actorctl-usage.XXXXXX)
  NOSOCK=$TEST_DIR/none.sock
  export ACTORD_SOCKET=$NOSOCK
}

teardown() {
  rm -rf "$TEST_DIR"
}

@test "no daemon: exit 5 with one line naming the socket and the reason" {
  run "$ACTORCTL" ps
  [ "$status" -eq 5 ]
  [ "$output" = "actorctl: cannot reach actord at $NOSOCK: No such file or directory" ]
}

@test "-s overrides ACTORD_SOCKET" {
  run "$ACTORCTL" -s "$TEST_DIR/other.sock" ps
  [ "$status" -eq 5 ]
  [[ "$output" == *"$TEST_DIR/other.sock"* ]]
}

@test "the socket path falls back to XDG_RUNTIME_DIR, then /tmp/actord-UID" {
  run env -u ACTORD_SOCKET XDG_RUNTIME_DIR="$TEST_DIR/run" "$ACTORCTL" ps
  [ "$status" -eq 5 ]
  [[ "$output" == *"$TEST_DIR/run/actord/control.sock"* ]]
  run env -u ACTORD_SOCKET -u XDG_RUNTIME_DIR "$ACTORCTL" -t 100 ps
  [[ "$output" == *"/tmp/actord-$(id -u)/control.sock"* ]]
}

@test "unknown command: exit 2" {
  run "$ACTORCTL" foo
  [ "$status" -eq 2 ]
  [ "$output" = "actorctl: unknown command: foo" ]
}

@test "ambiguous prefix: exit 2 naming the candidates" {
  run "$ACTORCTL" s
  [ "$status" -eq 2 ]
  [ "$output" = "actorctl: ambiguous command: s, could be: send, spawn, stats, stop" ]
  run "$ACTORCTL" st
  [ "$output" = "actorctl: ambiguous command: st, could be: stats, stop" ]
}

@test "a unique prefix and an alias find their command" {
  run "$ACTORCTL" whe c1
  [ "$status" -eq 5 ]
  run "$ACTORCTL" ls
  [ "$status" -eq 5 ]
  run "$ACTORCTL" info c1
  [ "$status" -eq 5 ]
  run "$ACTORCTL" ask c1 '{}'
  [ "$status" -eq 5 ]
}

@test "missing argument: exit 2, naming the argument and the usage" {
  run "$ACTORCTL" send c1
  [ "$status" -eq 2 ]
  [ "$output" = "actorctl: send: missing argument JSON (usage: send TARGET JSON)" ]
  run "$ACTORCTL" register x
  [ "$status" -eq 2 ]
  [[ "$output" == *"missing argument TARGET"* ]]
}

@test "too many arguments: exit 2" {
  run "$ACTORCTL" kill c1 c2
  [ "$status" -eq 2 ]
  [[ "$output" == "actorctl: kill: too many arguments, starting at 'c2'"* ]]
}

@test "unknown options, global and per command: exit 2" {
  run "$ACTORCTL" -x ps
  [ "$status" -eq 2 ]
  [[ "$output" == "actorctl: unknown option -x "* ]]
  run "$ACTORCTL" spawn counter --bogus
  [ "$status" -eq 2 ]
  [[ "$output" == "actorctl: spawn: unknown option --bogus "* ]]
  run "$ACTORCTL" call c1 '{}' --timeout
  [ "$status" -eq 2 ]
  [[ "$output" == *"option --timeout needs a value (MS)"* ]]
}

@test "bad global option values: exit 2" {
  run "$ACTORCTL" -o yaml ps
  [ "$status" -eq 2 ]
  [ "$output" = "actorctl: invalid output format 'yaml': expected table or json" ]
  run "$ACTORCTL" -t soon ps
  [ "$status" -eq 2 ]
  [[ "$output" == *"invalid timeout 'soon'"* ]]
}

@test "malformed JSON: exit 2, naming the text and the reason" {
  run "$ACTORCTL" send c1 '{"inc":'
  [ "$status" -eq 2 ]
  [[ "$output" == "actorctl: send: invalid JSON message '{\"inc\":': "* ]]
  [ "${#lines[@]}" -eq 1 ]
}

@test "a bare word is not taken as a string" {
  run "$ACTORCTL" call c1 hello
  [ "$status" -eq 2 ]
  [[ "$output" == *"invalid JSON message 'hello': a string needs double quotes"* ]]
  run "$ACTORCTL" send c1 '"hello"'
  [ "$status" -eq 5 ]
}

@test "JSON spread over several words is joined" {
  run "$ACTORCTL" send c1 '{"inc":' '2}'
  [ "$status" -eq 5 ]
  run "$ACTORCTL" send c1 '{"inc":' -2 '}'
  [ "$status" -eq 5 ]
}

@test "options may follow the positional arguments; -- ends them" {
  run "$ACTORCTL" call c1 '{"get":true}' --timeout 200
  [ "$status" -eq 5 ]
  run "$ACTORCTL" exec --name x -- sh -c 'exit 0'
  [ "$status" -eq 5 ]
  run "$ACTORCTL" kill -- --reason
  [ "$status" -eq 5 ]
}

@test "spawn checks its options before sending anything" {
  run "$ACTORCTL" spawn counter --restart sometimes
  [ "$status" -eq 2 ]
  [[ "$output" == *"invalid --restart 'sometimes': expected permanent, transient or temporary" ]]
  run "$ACTORCTL" spawn counter --mailbox 0
  [ "$status" -eq 2 ]
  run "$ACTORCTL" spawn counter --mailbox 10:sometimes
  [ "$status" -eq 2 ]
  [[ "$output" == *"invalid mailbox policy 'sometimes'"* ]]
  run "$ACTORCTL" spawn counter --args '{"start":'
  [ "$status" -eq 2 ]
  [[ "$output" == *"invalid JSON --args"* ]]
  run "$ACTORCTL" spawn counter --limit as=64M
  [ "$status" -eq 2 ]
  [ "$output" = "actorctl: spawn: --limit needs --isolate" ]
  run "$ACTORCTL" spawn counter --isolate --limit as=64Q
  [ "$status" -eq 2 ]
  run "$ACTORCTL" spawn counter --isolate --limit rss=1
  [ "$status" -eq 2 ]
  [[ "$output" == *"unknown limit 'rss'"* ]]
  run "$ACTORCTL" spawn counter --isolate --limit as=64M,cpu=5,nofile=64 --handler-timeout 100 --mailbox 8:drop_oldest
  [ "$status" -eq 5 ]
}

@test "exec checks its options" {
  run "$ACTORCTL" exec --env NOEQUALS -- true
  [ "$status" -eq 2 ]
  [[ "$output" == *"invalid --env 'NOEQUALS'"* ]]
  run "$ACTORCTL" exec --stop-signal SIGNOPE -- true
  [ "$status" -eq 2 ]
  run "$ACTORCTL" exec --stop-timeout soon -- true
  [ "$status" -eq 2 ]
  run "$ACTORCTL" exec
  [ "$status" -eq 2 ]
  [[ "$output" == *"missing argument PROGRAM"* ]]
}

@test "numbers are checked" {
  run "$ACTORCTL" events -n many
  [ "$status" -eq 2 ]
  run "$ACTORCTL" logs -n -3
  [ "$status" -eq 2 ]
  run "$ACTORCTL" wait c1 --timeout 1.5
  [ "$status" -eq 2 ]
}

@test "-o json prints nothing on stdout when the command fails" {
  run --separate-stderr "$ACTORCTL" -o json ps
  [ "$status" -eq 5 ]
  [ -z "$output" ]
  [[ "$stderr" == "actorctl: cannot reach actord"* ]]
}

@test "-V prints the version and the protocol" {
  run "$ACTORCTL" -V
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^actorctl\ [0-9]+\.[0-9]+\.[0-9]+\ \(protocol\ [0-9]+\.[0-9]+\)$ ]]
}

@test "help lists every command of the table; help COMMAND its options" {
  run "$ACTORCTL" help
  [ "$status" -eq 0 ]
  for c in call daemon deploy events exec help inspect kill load logs plugins \
    ps register restart run send shell spawn stats stop tree unload \
    unregister wait whereis; do
    [[ "$output" == *"  $c "* ]] || { echo "help lacks $c" >&2; false; }
  done
  [[ "$output" != *"__complete"* ]]
  run "$ACTORCTL" help spawn
  [ "$status" -eq 0 ]
  [[ "$output" == *"--isolate"* && "$output" == *"--handler-timeout MS"* ]]
  run "$ACTORCTL" -h
  [ "$status" -eq 0 ]
  [[ "$output" == usage:* ]]
  run "$ACTORCTL" help nosuch
  [ "$status" -eq 2 ]
}

@test "no command and no terminal: exit 2" {
  run "$ACTORCTL" </dev/null
  [ "$status" -eq 2 ]
  [[ "$output" == "actorctl: no command given"* ]]
}

@test "run: a missing file is exit 2; the first failure stops the run" {
  run "$ACTORCTL" run "$TEST_DIR/none"
  [ "$status" -eq 2 ]
  [[ "$output" == "actorctl: run: cannot open $TEST_DIR/none: No such file or directory" ]]
  printf '# a comment\n\nhelp whereis\nfoo\nhelp kill\n' >"$TEST_DIR/script"
  run "$ACTORCTL" run "$TEST_DIR/script"
  [ "$status" -eq 2 ]
  [[ "$output" == *"whereis NAME"* ]]
  [[ "$output" == *"unknown command: foo"* ]]
  [[ "$output" != *"kill TARGET"* ]]
}

@test "run --keep-going goes on and reports the last failure" {
  printf 'foo\nhelp kill\nps\nhelp stop\n' >"$TEST_DIR/script"
  run "$ACTORCTL" run --keep-going "$TEST_DIR/script"
  [ "$status" -eq 5 ]
  [[ "$output" == *"kill TARGET"* && "$output" == *"stop TARGET"* ]]
}

@test "run - reads standard input; a shell on a pipe does the same" {
  run bash -c "printf 'help kill\nfoo\nhelp stop\n' | '$ACTORCTL' run -"
  [ "$status" -eq 2 ]
  [[ "$output" == *"kill TARGET"* && "$output" != *"stop TARGET"* ]]
  run bash -c "printf 'help kill\nfoo\nhelp stop\n' | '$ACTORCTL' shell --keep-going"
  [ "$status" -eq 2 ]
  [[ "$output" == *"kill TARGET"* && "$output" == *"stop TARGET"* ]]
  [[ "$output" != *"actord@"* ]]
}

@test "__complete answers from the command table" {
  run "$ACTORCTL" __complete -- sp
  [ "$status" -eq 0 ]
  [ "$output" = "spawn" ]
  run "$ACTORCTL" __complete -- spawn counter --re
  [ "$output" = "--restart" ]
  run "$ACTORCTL" __complete -- spawn counter --restart t
  [ "${lines[*]}" = "transient temporary" ]
  run "$ACTORCTL" __complete -- -o j
  [ "$output" = "json" ]
  run "$ACTORCTL" __complete -- -s /x daemon st
  [ "${lines[*]}" = "start stop status" ]
  run "$ACTORCTL" __complete -- load ./
  [ "$output" = ":files" ]
}

@test "bash completion asks actorctl itself" {
  run bash -c '
    source "$1"
    COMP_WORDS=("$2" sp); COMP_CWORD=1; _actorctl; echo "${COMPREPLY[*]}"
    COMP_WORDS=("$2" call c1 "{}" --ti); COMP_CWORD=4; _actorctl; echo "${COMPREPLY[*]}"
    COMP_WORDS=("$2" run "$3/scr"); COMP_CWORD=2; _actorctl; echo "${COMPREPLY[*]}"
  ' _ "$REPO_ROOT/dist/actorctl.bash" "$ACTORCTL" "$TEST_DIR"
  [ "${lines[0]}" = spawn ]
  [ "${lines[1]}" = --timeout ]
  [ -z "${lines[2]:-}" ]
  touch "$TEST_DIR/script.txt"
  run bash -c '
    source "$1"
    COMP_WORDS=("$2" run "$3/scr"); COMP_CWORD=2; _actorctl; echo "${COMPREPLY[*]}"
  ' _ "$REPO_ROOT/dist/actorctl.bash" "$ACTORCTL" "$TEST_DIR"
  [ "$output" = "$TEST_DIR/script.txt" ]
}

@test "the man page passes mandoc -T lint and documents every command" {
  # Style notes about pages not installed on this machine do not count.
  run mandoc -T lint -W warning "$REPO_ROOT/man/actorctl.1"
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  for c in call daemon deploy events exec help inspect kill load logs plugins \
    ps register restart run send shell spawn stats stop tree unload \
    unregister wait whereis; do
    grep -q "^\.It.*Cm $c" "$REPO_ROOT/man/actorctl.1" ||
      { echo "actorctl.1 lacks $c" >&2; false; }
  done
}

@test "COMMAND --help prints that command's help and exits 0" {
  run "$ACTORCTL" kill --help
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "usage: actorctl kill TARGET [--reason REASON]" ]
  run "$ACTORCTL" call c1 '{}' -h
  [ "$status" -eq 0 ]
  [[ "${lines[0]}" == "usage: actorctl call "* ]]
  # After exec's program the words are the program's own.
  run "$ACTORCTL" exec -- ls --help
  [ "$status" -eq 5 ]
}

@test "global options after the command are checked too" {
  run "$ACTORCTL" ps -o yaml
  [ "$status" -eq 2 ]
  [ "$output" = "actorctl: invalid output format 'yaml': expected table or json" ]
  run "$ACTORCTL" daemon status extra
  [ "$status" -eq 2 ]
  run "$ACTORCTL" ps -q -o json
  [ "$status" -eq 5 ]
}
