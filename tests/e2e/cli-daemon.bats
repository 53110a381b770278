#!/usr/bin/env bats
# actorctl daemon start / status / stop on a socket of their own: start
# waits until actord answers, refuses a second daemon, passes -s and the
# actord options on; stop waits until the socket no longer answers.

bats_require_minimum_version 1.5.0
load helpers

setup() {
  TEST_DIR=$(mktemp -d /tmp/actorctl-daemon.XXXXXX)
  DSOCK=$TEST_DIR/run/control.sock
}

teardown() {
  # A daemon a failed test left behind is stopped by its pid.
  local pid sock
  for sock in "$DSOCK" "$TEST_DIR/rel/control.sock"; do
    [ -S "$sock" ] || continue
    pid=$(printf '{"jsonrpc":"2.0","id":1,"method":"hello"}\n' |
      socat -t 2 - "UNIX-CONNECT:$sock" 2>/dev/null | jq -r '.result.pid // empty')
    [ -z "$pid" ] || kill "$pid" 2>/dev/null || true
  done
  rm -rf "$TEST_DIR"
}

dctl() {
  "$ACTORCTL" -s "$DSOCK" "$@"
}

@test "daemon start returns once actord answers; status; stop; then exit 5" {
  run dctl daemon start -S "$TEST_DIR/state" -p "$PLUGIN_DIR"
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^actord\ started\ on\ $DSOCK\ \(pid\ ([0-9]+)\)$ ]]
  pid=${BASH_REMATCH[1]}
  # No polling needed: it answers now.
  run dctl -o json daemon status
  [ "$status" -eq 0 ]
  json_assert ".pid == $pid and .socket == \"$DSOCK\"" "$output"
  run dctl spawn counter --name dc1
  [ "$status" -eq 0 ]
  run dctl daemon stop
  [ "$status" -eq 0 ]
  [ "$output" = "actord stopped (pid $pid)" ]
  run dctl ps
  [ "$status" -eq 5 ]
  ! _pid_alive "$pid"
}

@test "daemon start -- OPTIONS hands actord the options, not the --" {
  run dctl daemon start -- -S "$TEST_DIR/state" -j 1
  [ "$status" -eq 0 ]
  run dctl -o json daemon status
  [ "$status" -eq 0 ]
  json_assert ".state_dir == \"$TEST_DIR/state\" and .threads == 1" "$output"
  run dctl -q daemon stop
  [ "$status" -eq 0 ]
}

@test "daemon start refuses a second daemon, naming the first one's pid" {
  run dctl -o json daemon start -S "$TEST_DIR/state" -p "$PLUGIN_DIR"
  [ "$status" -eq 0 ]
  pid=$(json_field .pid "$output")
  run dctl daemon start -S "$TEST_DIR/state2"
  [ "$status" -eq 1 ]
  [ "$output" = "actorctl: actord is already running on $DSOCK (pid $pid)" ]
  run dctl -q daemon stop
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "daemon start: actord's own complaint, then ours, and exit 1" {
  run dctl daemon start --no-such-option
  [ "$status" -eq 1 ]
  [[ "$output" == *"--no-such-option"* ]]
  [[ "${lines[-1]}" == "actorctl: daemon start: "*"actord exited with status "* ]]
}

@test "daemon start finds actord in PATH when it is not beside actorctl" {
  mkdir "$TEST_DIR/bin"
  cp "$ACTORCTL" "$TEST_DIR/bin/actorctl"
  PATH="$(dirname "$ACTORD"):$PATH" run "$TEST_DIR/bin/actorctl" -s "$DSOCK" \
    daemon start -S "$TEST_DIR/state" -p "$PLUGIN_DIR"
  [ "$status" -eq 0 ]
  run dctl daemon stop
  [ "$status" -eq 0 ]
}

@test "daemon stop and status with no daemon: exit 5" {
  run dctl daemon stop
  [ "$status" -eq 5 ]
  run dctl daemon status
  [ "$status" -eq 5 ]
  run dctl daemon restart
  [ "$status" -eq 2 ]
}

@test "daemon start with a relative socket path" {
  cd "$TEST_DIR"
  mkdir -m 0700 rel
  run "$ACTORCTL" -s rel/control.sock daemon start -S "$TEST_DIR/state" -p "$PLUGIN_DIR"
  [ "$status" -eq 0 ]
  run "$ACTORCTL" -s "$TEST_DIR/rel/control.sock" -o json daemon status
  [ "$status" -eq 0 ]
  json_assert ".socket == \"$TEST_DIR/rel/control.sock\"" "$output"
  run "$ACTORCTL" -s rel/control.sock daemon stop
  [ "$status" -eq 0 ]
}
