#!/usr/bin/env bats
# Hostile words on actorctl's command line: arguments that look like
# options, names starting with '-', JSON that is not JSON, unknown and
# ambiguous commands, odd numbers. Each case gets its documented exit status
# (DESIGN.md section 5) and one line on stderr; after each the daemon still
# answers hello and the counter spawned first still holds its count.

bats_require_minimum_version 1.5.0
load helpers

setup_file() {
  daemon_start
  ctl spawn counter --name keeper >/dev/null
  ctl send keeper '{"inc":5}'
}
teardown_file() { daemon_stop; }

teardown() {
  rpc hello >/dev/null
  run ctl call keeper '{"get":true}'
  [ "$status" -eq 0 ] && [ "$output" = '{"count":5}' ]
}

# exits CODE PATTERN ARGS...: actorctl ARGS exits CODE, prints nothing on
# stdout and one line matching PATTERN (a glob) on stderr.
exits() {
  local code=$1 pattern=$2
  shift 2
  run --separate-stderr "$ACTORCTL" -s "$SOCK" "$@"
  if [ "$status" -ne "$code" ] || [ -n "$output" ] ||
    [ "$(printf '%s\n' "$stderr" | wc -l)" -ne 1 ] ||
    [[ "$stderr" != $pattern ]]; then
    echo "actorctl $*: status $status, stdout '$output', stderr '$stderr'" >&2
    return 1
  fi
}

@test "cli: a target that looks like an option after -- is a name, refused" {
  exits 1 '*"-x" is not a valid name*' send -- -x '{}'
}

@test "cli: an option-looking target without -- is an unknown option" {
  exits 2 '*send: unknown option -x*' send -x '{}'
}

@test "cli: --name with a value starting with '-' is refused as a name" {
  exits 1 '*"-dash" is not a valid name*' spawn echo --name -dash
  exits 1 '*"-dash" is not a valid name*' spawn echo --name=-dash
}

@test "cli: register and whereis a name starting with '-' after --" {
  exits 1 '*"-n" is not a valid name*' register -- -n keeper
  exits 1 '*"-n" is not a valid name*' whereis -- -n
}

@test "cli: a bare word as JSON says it needs double quotes" {
  exits 2 "*invalid JSON message 'hello': a string needs double quotes*" send keeper hello
}

@test "cli: malformed JSON names the column" {
  exits 2 '*invalid JSON message*at column 6' send keeper '{"a":}'
}

@test "cli: duplicate keys in a JSON argument are refused" {
  exits 2 '*duplicate object key*' call keeper '{"a":1,"a":2}'
}

@test "cli: two JSON values where one is expected are refused" {
  exits 2 '*end of file expected*' call keeper '{"get":true}' '{"x":1}'
}

@test "cli: invalid UTF-8 in a JSON argument is refused before sending" {
  exits 2 '*unable to decode byte 0xff*' send keeper $'"\xff"'
}

@test "cli: a JSON argument nested 100000 deep is refused, not recursed" {
  local deep
  deep=$(printf '%*s' 100000 '' | tr ' ' '[')
  run --separate-stderr "$ACTORCTL" -s "$SOCK" call keeper "$deep"
  [ "$status" -eq 2 ]
  [ "$(printf '%s\n' "$stderr" | wc -l)" -eq 1 ]
  [[ "$stderr" == "actorctl: call: invalid JSON message '[[[["* ]]
}

@test "cli: an unknown command exits 2 and names it" {
  exits 2 'actorctl: unknown command: frobnicate' frobnicate
}

@test "cli: an ambiguous prefix lists the candidates" {
  exits 2 'actorctl: ambiguous command: s, could be: send, spawn, stats, stop' s
  exits 2 'actorctl: ambiguous command: re, could be: register, restart' re
}

@test "cli: an unknown global option and output format are usage errors" {
  exits 2 '*unknown option --bogus*' --bogus ps
  exits 2 "*invalid output format 'xml'*" -o xml ps
}

@test "cli: a negative or non-numeric timeout is a usage error" {
  exits 2 "*invalid timeout '-5'*" -t -5 ps
  exits 2 "*invalid --timeout 'abc'*" call keeper '{"get":true}' --timeout abc
}

@test "cli: missing and extra arguments are usage errors naming them" {
  exits 2 '*spawn: missing argument PLUGIN*' spawn
  exits 2 '*send: missing argument JSON*' send keeper
  exits 2 "*kill: too many arguments, starting at '2'*" kill 1 2 3
  exits 2 '*call: unknown option --bogus*' call keeper '{"get":true}' --bogus
}

@test "cli: many grouped short flags do not overflow the parser" {
  # Once a heap overflow: one option slot per word, one option per letter.
  local flags
  flags=-$(printf '%*s' 200 '' | tr ' ' 'q')
  run ctl ps "$flags" "$flags" "$flags"
  [ "$status" -eq 0 ]
  [[ "$output" == *keeper* ]]
}

@test "cli: an id past 2^64 is refused as invalid, not taken as the largest id" {
  exits 1 '*expected an id or a name, got "99999999999999999999999"*' \
    send 99999999999999999999999 '{}'
}

@test "cli: an id that never existed exits 3" {
  exits 3 '*no actor with id 987654*' send 987654 '{}'
  exits 3 '*no actor named "never_was"*' call never_was '{}'
}

@test "cli: an empty target is refused as a name" {
  exits 1 '*target: "" is not a valid name*' send '' '{}'
}

@test "cli: a 65-byte name is refused, 64 bytes is taken" {
  local n64
  n64=$(printf '%*s' 64 '' | tr ' ' 'k')
  ctl spawn echo --name nameless_not >/dev/null
  exits 1 '*at most 64 bytes*' register "${n64}k" nameless_not
  ctl unregister nameless_not
  run ctl register "$n64" "$(ctl whereis keeper)"
  [ "$status" -ne 0 ]  # keeper has its name already
  id=$(ctl spawn echo)
  run ctl register "$n64" "$id"
  [ "$status" -eq 0 ]
  run ctl whereis "$n64"
  [ "$status" -eq 0 ] && [ "$output" = "$id" ]
  ctl stop "$n64"
}

@test "cli: run stops at a hostile line with its status and line number" {
  printf '%s\n' 'whereis keeper' 'send keeper hello' 'whereis keeper' >"$BATS_TEST_TMPDIR/script"
  run --separate-stderr "$ACTORCTL" -s "$SOCK" run "$BATS_TEST_TMPDIR/script"
  [ "$status" -eq 2 ]
  [ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
  [[ "$stderr" == *"a string needs double quotes"* ]]
}

@test "cli: unterminated quotes in a run file are a usage error" {
  printf '%s\n' "send keeper '{\"inc\":1}" >"$BATS_TEST_TMPDIR/script"
  run --separate-stderr "$ACTORCTL" -s "$SOCK" run "$BATS_TEST_TMPDIR/script"
  [ "$status" -eq 2 ]
  [[ "$stderr" == *"unterminated quote"* ]]
}

# refused_stats SOCK: actorctl stats is refused with exit 5.
refused_stats() {
  run --separate-stderr "$ACTORCTL" -s "$1" stats
  [ "$status" -eq 5 ]
}

@test "cli: a client over the daemon's limit is told why, exit 5" {
  local d=$BATS_TEST_TMPDIR/d hold pid
  mkdir -p "$d"
  echo '{"max_clients":2}' >"$d/cfg.json"
  "$ACTORD" -s "$d/s" -S "$d/st" --ephemeral -c "$d/cfg.json" -L "$d/log" \
    </dev/null >/dev/null 2>&1 3>&- &
  pid=$!
  wait_for "$ACTORCTL" -s "$d/s" stats
  python3 -c '
import socket, sys, time
held = []
for _ in range(2):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    held.append(s)
time.sleep(30)' "$d/s" 3>&- &
  hold=$!
  wait_for refused_stats "$d/s"
  kill "$hold"
  wait "$hold" || true
  # Once said the connection was closed, without the daemon's reason.
  [[ "$stderr" == *"refused the connection: too many clients (at most 2)"* ]]
  # The daemon sees the held connections close a moment after the kill:
  # until then a third client is still one too many.
  wait_for "$ACTORCTL" -s "$d/s" stats
  "$ACTORCTL" -s "$d/s" daemon stop
  wait "$pid"
}
