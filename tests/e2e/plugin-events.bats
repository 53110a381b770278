#!/usr/bin/env bats
# What supervisors tell the event stream: a "restart" with the new id, the
# old id and the reason; a "failed" when the root gives up on a child.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

setup() {
  EVENTS=$BATS_TEST_TMPDIR/events
  ctl -o json events >"$EVENTS" 2>&1 3>&- &
  EVENTS_PID=$!
}

teardown() {
  kill "$EVENTS_PID" 2>/dev/null || true
  wait "$EVENTS_PID" 2>/dev/null || true
}

id_of() { ctl whereis "$1" 2>/dev/null; }

# Kill NAME (again) until the stream shows an event of TYPE about it: the
# stream may not be subscribed yet when the first kill happens.
kill_until_event() {
  local name=$1 type=$2
  ctl kill "$name" >/dev/null 2>&1 || true
  grep -q "\"event\":\"$type\".*\"name\":\"$name\"\\|\"name\":\"$name\".*\"event\":\"$type\"" "$EVENTS"
}

# The first event of TYPE about NAME.
event_of() {
  jq -c --arg t "$2" --arg n "$1" 'select(.event == $t and .name == $n)' "$EVENTS" | head -n 1
}

@test "restart: the new id, the old id, the reason and the supervisor" {
  sup=$(ctl spawn supervisor --name es --args '{"intensity":1000,"children":[{"plugin":"counter","name":"rc"}]}')
  wait_for id_of rc
  wait_for kill_until_event rc restart
  ev=$(event_of rc restart)
  json_assert '.plugin == "counter" and .reason == "killed"' "$ev"
  json_assert ".supervisor == $sup" "$ev"
  json_assert '.old_id > 0 and .id > 0 and .id != .old_id' "$ev"
  # The new id is the one the name leads to now, or a later one.
  json_assert "(.old_id | tostring) != \"$(id_of rc)\"" "$ev"
}

@test "failed: the root marks a child that keeps crashing" {
  ctl spawn counter --name rf >/dev/null
  wait_for id_of rf
  wait_for kill_until_event rf failed
  ev=$(event_of rf failed)
  json_assert '.plugin == "counter" and .reason == "killed"' "$ev"
  run ctl whereis rf
  [ "$status" -eq 3 ]
  run ctl -o json ps
  json_assert 'any(.[]; .name == "rf" and .status == "failed")' "$output"
}
