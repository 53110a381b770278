#!/usr/bin/env bats
# Deploy while the daemon stops: refused with kind "unavailable" and one
# line, and nothing is loaded. A file of its own, since the test ends its
# daemon.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

@test "deploy: refused as unavailable once the daemon is shutting down" {
  ctl spawn counter --name sd1 >/dev/null
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
  ! grep -q "deploying plugin" "$LOG"
}
