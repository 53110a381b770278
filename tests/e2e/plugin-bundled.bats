#!/usr/bin/env bats
# The bundled plugins behave as DESIGN.md section 5 says, through actorctl
# and the socket: echo, counter, ticker, crash. Faults that take a process
# down (segv, abort, exit, hang) are only injected into isolated actors.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

# The id registered under a name, or nothing.
id_of() { ctl whereis "$1" 2>/dev/null; }

# Does NAME have an id other than OLD?
id_changed() { local id; id=$(id_of "$1") && [ -n "$id" ] && [ "$id" != "$2" ]; }

# Does the counter NAME answer a count of at least N?
count_at_least() {
  local out
  out=$(ctl call "$1" '{"get":true}') || return 1
  [ "$(json_field .count "$out")" -ge "$2" ]
}

# call_fails TARGET MESSAGE TEXT: the call is answered with an error whose
# message contains TEXT: an {"error":{...}} reply printed as the call's
# value, or an error status with TEXT on the error line.
call_fails() {
  local target=$1 msg=$2 text=$3
  run ctl call "$target" "$msg"
  if [ "$status" -eq 0 ]; then
    printf '%s\n' "$output" | jq -e --arg t "$text" \
      '.error.kind == "invalid" and (.error.message | contains($t))' >/dev/null ||
      { echo "no error with '$text' in: $output"; return 1; }
  else
    [ "$status" -eq 1 ] && [[ "$output" == *"$text"* ]] ||
      { echo "status $status without '$text': $output"; return 1; }
  fi
}

# Does the log of TARGET contain TEXT?
log_has() { ctl logs "$1" -n 100 2>/dev/null | grep -qF -- "$2"; }

@test "echo: a call answers the message it got, compact" {
  ctl spawn echo --name e1 >/dev/null
  run ctl call e1 '{"a": [1, "x", {"b": null}], "c": true}'
  [ "$status" -eq 0 ]
  [ "$output" = '{"a":[1,"x",{"b":null}],"c":true}' ]
  run ctl call e1 '"just a string"'
  [ "$status" -eq 0 ]
  [ "$output" = '"just a string"' ]
}

@test "echo: a send is logged" {
  ctl spawn echo --name e2 >/dev/null
  ctl send e2 '{"hello":"log"}'
  wait_for log_has e2 '{"hello":"log"}'
}

@test "counter: start, inc, get, reset, inspect" {
  ctl spawn counter --name c1 --args '{"start":5}' >/dev/null
  ctl send c1 '{"inc":2}'
  run ctl call c1 '{"get":true}'
  [ "$status" -eq 0 ]
  [ "$output" = '{"count":7}' ]
  run ctl call c1 '{"inc":-10}'
  [ "$output" = '{"count":-3}' ]
  ctl send c1 '{"reset":true}'
  run ctl call c1 '{"get":true}'
  [ "$output" = '{"count":0}' ]
  ctl send c1 '{"inc":4}'
  wait_for count_at_least c1 4
  run ctl -o json inspect c1
  [ "$status" -eq 0 ]
  json_assert '.data == {"count":4}' "$output"
}

@test "counter: wrong types get an error reply naming the field, never a crash" {
  ctl spawn counter --name c2 >/dev/null
  call_fails c2 '{"inc":"x"}' 'inc: expected an integer, got "x"'
  call_fails c2 '{"get":1}' 'get: expected true, got 1'
  call_fails c2 '{"frobnicate":1}' 'unknown message {"frobnicate":1}'
  call_fails c2 '[1,2]' 'expected a JSON object'
  # A bad send is a log line; the count survives it.
  ctl send c2 '{"inc":[1]}'
  wait_for log_has c2 'inc: expected an integer'
  run ctl call c2 '{"get":true}'
  [ "$output" = '{"count":0}' ]
}

@test "counter: bad args make spawn fail with the field named" {
  run ctl spawn counter --args '{"start":"x"}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'start: expected an integer, got "x"'* ]]
  run ctl spawn counter --args '{"stop":1}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'unknown field "stop"'* ]]
}

@test "ticker: sends its message to a named target, across the target's restarts" {
  ctl spawn counter --name tc >/dev/null
  ctl spawn ticker --name t1 --args '{"target":"tc","interval_ms":20,"message":{"inc":1}}' >/dev/null
  wait_for count_at_least tc 3
  old=$(id_of tc)
  ctl kill tc
  # Permanent under the root: back with a new id, and the ticks find it.
  wait_for id_changed tc "$old"
  wait_for count_at_least tc 2
  run ctl call t1 '{"get":true}'
  [ "$status" -eq 0 ]
  json_assert '.ticks >= 5' "$output"
}

@test "ticker: an id target, and args checked" {
  id=$(ctl spawn counter)
  ctl spawn ticker --args "{\"target\":$id,\"interval_ms\":10}" >/dev/null
  # The default message is {"tick":true}, which a counter rejects in its log.
  wait_for log_has "$id" 'unknown message {"tick":true}'
  run ctl spawn ticker --args '{"target":"tc"}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'interval_ms: expected a positive integer, got nothing'* ]]
  run ctl spawn ticker --args '{"target":[1],"interval_ms":10}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'target: expected an id or a name, got [1]'* ]]
}

@test "crash: ping answers pong; noreply times out; bad kinds are named" {
  ctl spawn crash --name k1 >/dev/null
  run ctl call k1 '{"ping":true}'
  [ "$status" -eq 0 ]
  [ "$output" = '{"pong":true}' ]
  run ctl call k1 '{"noreply":true}' --timeout 200
  [ "$status" -eq 4 ]
  call_fails k1 '{"crash":"sometimes"}' 'crash: expected segv, abort, exit, error or hang, got "sometimes"'
  call_fails k1 '{"what":1}' 'unknown message {"what":1}'
  # Still alive after all that.
  run ctl call k1 '{"ping":true}'
  [ "$output" = '{"pong":true}' ]
}

@test "crash: error exits with an error reason and the root restarts it" {
  ctl spawn crash --name k2 >/dev/null
  old=$(id_of k2)
  ctl send k2 '{"crash":"error"}'
  wait_for id_changed k2 "$old"
  run ctl call k2 '{"ping":true}'
  [ "$output" = '{"pong":true}' ]
  run ctl -o json inspect k2
  json_assert '.restarts >= 1' "$output"
}

@test "crash: crash_in_init error makes spawn fail and adds nothing" {
  run ctl spawn crash --name k3 --args '{"crash_in_init":"error"}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'init failed'* ]]
  run ctl whereis k3
  [ "$status" -eq 3 ]
  run ctl spawn crash --args '{"crash_in_init":"nope"}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'crash_in_init: expected segv, abort, exit, error or hang, got "nope"'* ]]
}

@test "crash: segv in an isolated actor takes only its host down" {
  run ctl spawn crash --name k4 --isolate
  if [ "$status" -ne 0 ]; then
    skip "spawn --isolate is not available: $output"
  fi
  old=$(id_of k4)
  ctl send k4 '{"crash":"segv"}'
  wait_for id_changed k4 "$old"
  run ctl call k4 '{"ping":true}'
  [ "$output" = '{"pong":true}' ]
  daemon_answers
}
