#!/usr/bin/env bats
# The supervisor behaviour through the daemon: strategies, root failed
# marking and revival, and args checked field by field.

bats_require_minimum_version 1.5.0
load helpers

# Debug level: the daemon logs each actor's exit, which shows stop order.
setup_file() { daemon_start -l debug; }
teardown_file() { daemon_stop; }

id_of() { ctl whereis "$1" 2>/dev/null; }
id_changed() { local id; id=$(id_of "$1") && [ -n "$id" ] && [ "$id" != "$2" ]; }
# The names among $@ in the order the daemon logged their exits.
exit_order() {
  ctl -o json logs -n 500 | jq -r '.line' |
    sed -n 's/^[a-z_]* [0-9]* (\([A-Za-z0-9_.-]*\)) exited: .*$/\1/p' |
    grep -Fx "${@/#/-e}" | tr '\n' ' '
}
order_is() { local want=$1; shift; [ "$(exit_order "$@")" = "$want" ]; }
status_is() { ctl -o json ps | jq -e --arg n "$1" --arg s "$2" 'any(.[]; .name == $n and .status == $s)' >/dev/null; }

@test "one_for_all: a crash restarts every child" {
  ctl spawn supervisor --name s1 --args '{"strategy":"one_for_all","children":[{"plugin":"counter","name":"a1"},{"plugin":"counter","name":"b1"}]}' >/dev/null
  wait_for id_of b1
  a=$(id_of a1) b=$(id_of b1)
  ctl kill a1
  wait_for id_changed a1 "$a"
  wait_for id_changed b1 "$b"
  # inspect shows the supervisor's args and its children in start order.
  run ctl -o json inspect s1
  [ "$status" -eq 0 ]
  json_assert '.data.strategy == "one_for_all" and .data.intensity == 5 and .data.period_ms == 10000' "$output"
  json_assert '[.data.children[].name] == ["a1","b1"] and all(.data.children[]; .restarts == 1 and .restart == "permanent")' "$output"
}

@test "rest_for_one: the children started after the crashed one restart, not those before" {
  ctl spawn supervisor --name s2 --args '{"strategy":"rest_for_one","children":[{"plugin":"counter","name":"a2"},{"plugin":"counter","name":"b2"},{"plugin":"counter","name":"c2"}]}' >/dev/null
  wait_for id_of c2
  a=$(id_of a2) b=$(id_of b2) c=$(id_of c2)
  ctl kill b2
  wait_for id_changed b2 "$b"
  wait_for id_changed c2 "$c"
  [ "$(id_of a2)" = "$a" ]
}

@test "one_for_one: only the crashed child restarts, and keeps its name" {
  ctl spawn supervisor --name s3 --args '{"children":[{"plugin":"counter","name":"a3"},{"plugin":"counter","name":"b3"}]}' >/dev/null
  wait_for id_of b3
  a=$(id_of a3) b=$(id_of b3)
  ctl kill a3
  wait_for id_changed a3 "$a"
  [ "$(id_of b3)" = "$b" ]
}

@test "root: a child that keeps crashing is marked failed, then revived by restart" {
  ctl spawn crash --name cf >/dev/null
  for i in 1 2 3 4 5 6; do
    wait_for id_of cf
    old=$(id_of cf)
    ctl send cf '{"crash":"error"}'
    [ "$i" -eq 6 ] || wait_for id_changed cf "$old"
  done
  wait_for status_is cf failed
  run ctl restart cf
  [ "$status" -eq 0 ]
  wait_for status_is cf running
  run ctl call cf '{"ping":true}'
  [ "$output" = '{"pong":true}' ]
}

@test "supervisor args and child specs are checked field by field" {
  run ctl spawn supervisor --args '{"strategy":"one_for_some"}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'strategy: expected one_for_one, one_for_all, rest_for_one or simple_one_for_one'* ]]
  run ctl spawn supervisor --args '{"children":[{"plugin":"counter","restart":"sometimes"}]}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'children[0].restart: expected permanent, transient or temporary'* ]]
  run ctl spawn supervisor --args '{"children":[{"plugin":"nosuch"}]}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'no plugin named'* ]]
}

@test "stop: the children stop in reverse start order, then the supervisor" {
  ctl spawn supervisor --name s5 --args '{"children":[{"plugin":"counter","name":"o1"},{"plugin":"echo","name":"o2"},{"plugin":"counter","name":"o3"}]}' >/dev/null
  wait_for id_of o3
  run ctl stop s5
  [ "$status" -eq 0 ]
  wait_for order_is "o3 o2 o1 s5 " o1 o2 o3 s5
  run ctl whereis o1
  [ "$status" -eq 3 ]
}

@test "the command-line example of actor-plugin(3) runs as shown" {
  local script
  script=$(awk '
    /^\.Ss From the command line/ { on = 1 }
    on && /^\.Bd -literal/ { copy = 1; next }
    copy && /^\.Ed/ { exit }
    copy { print }
  ' "$REPO_ROOT/man/actor-plugin.3")
  [[ "$script" == *"actorctl spawn supervisor --name web"* ]]
  actorctl() { ctl "$@"; }
  run eval "$script"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [[ "$output" == *'"name":"db"'*'"name":"tick"'* ]]
  [[ "$output" == *'web supervisor'* ]]
  # The counter restarted and the ticker with it; ticks reach the new one.
  wait_for restarted_once tick
  wait_for json_count_positive
}

restarted_once() { ctl -o json inspect "$1" | jq -e '.restarts == 1' >/dev/null; }

json_count_positive() {
  local out
  out=$(ctl call db '{"get":true}') && [ "$(json_field .count "$out")" -ge 1 ]
}
