#!/usr/bin/env bats
# Deploy and the daemon stopping: a deploy under way is cut short cleanly
# (the log says so, no sanitizer report), and one read after the shutdown
# began is refused with kind "unavailable" and loads nothing. A file of its
# own, since the tests end its daemon.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

@test "deploy: a daemon stopping in the middle of a deploy ends it cleanly" {
  ctl spawn counter --name sd0 >/dev/null
  ctl deploy "$TEST_PLUGIN_DIR/counter-v2.so" --watch 60000 >/dev/null 2>&1 3>&- &
  local client=$!
  answers_v2() { [ "$(ctl call sd0 '{"get":true}')" = '{"count":0,"version":2}' ]; }
  wait_for answers_v2
  rpc daemon.shutdown >/dev/null
  gone() { ! _pid_alive "$(_daemon_pid)"; }
  wait_for gone
  wait "$client" || true
  grep -q "deploy counter 2.0.0: cut short (the daemon is stopping)" "$LOG"
  # The log is checked for sanitizer reports, and the daemon comes back.
  daemon_restart
}

@test "deploy: refused as unavailable once the daemon is shutting down" {
  ctl spawn counter --name sd1 >/dev/null
  local before
  before=$(grep -c "deploying plugin" "$LOG" || true)
  # Both requests on one connection, in order: the deploy is read after the
  # shutdown began.
  run rpc_raw "$(printf '%s\n%s' \
    '{"jsonrpc":"2.0","id":1,"method":"daemon.shutdown"}' \
    "{\"jsonrpc\":\"2.0\",\"id\":2,\"method\":\"plugin.deploy\",\"params\":{\"path\":\"$TEST_PLUGIN_DIR/counter-v2.so\"}}")" 2
  [ "$status" -eq 0 ]
  json_assert '.id == 1 and .result == {}' "${lines[0]}"
  json_assert '.id == 2 and .error.data.kind == "unavailable" and .error.message == "deploy: the daemon is shutting down"' "${lines[1]}"
  gone() { ! _pid_alive "$(_daemon_pid)"; }
  wait_for gone
  [ "$(grep -c "deploying plugin" "$LOG" || true)" = "$before" ]
}
