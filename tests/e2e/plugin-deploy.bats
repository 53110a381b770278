#!/usr/bin/env bats
# Deploying a new version of a plugin under live actors (DESIGN.md section
# 3): through code_change where the new version has one, and a roll back
# when the new version's actors cannot run. The versions are test plugins
# named "counter": counter-v2.so (2.0.0, code_change keeps the count) and
# counter-broken.so (3.0.0-broken, cannot start).

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

setup() {
  local reply
  reply=$(rpc plugin.deploy '{"path":"/nonexistent/x.so"}' 2>/dev/null) || true
  if printf '%s\n' "$reply" | jq -e '.error.code == -32601' >/dev/null 2>&1; then
    skip "this actord has no plugin.deploy"
  fi
}

counter_version() {
  ctl -o json plugins | jq -r '.[] | select(.name == "counter") | .version'
}

answers() { [ "$(ctl call "$1" '{"get":true}' 2>/dev/null)" = "$2" ]; }

@test "deploy: live counters move to 2.0.0 and keep their count" {
  ctl spawn counter --name d1 >/dev/null
  ctl send d1 '{"inc":5}'
  wait_for answers d1 '{"count":5}'
  run ctl deploy "$TEST_PLUGIN_DIR/counter-v2.so"
  [ "$status" -eq 0 ] || { echo "$output"; false; }
  [ "$(counter_version)" = "2.0.0" ]
  wait_for answers d1 '{"count":5,"version":2}'
  # New actors run the new version too.
  ctl spawn counter --name d2 >/dev/null
  run ctl call d2 '{"get":true}'
  [ "$output" = '{"count":0,"version":2}' ]
}

@test "deploy: a version whose actors cannot start is rolled back, and says so" {
  before=$(counter_version)
  ctl spawn counter --name d3 --args '{"start":3}' >/dev/null
  run ctl deploy "$TEST_PLUGIN_DIR/counter-broken.so"
  [ "$status" -ne 0 ]
  [[ "$output" == *roll* ]] || [[ "$output" == *Roll* ]]
  [ "$(counter_version)" = "$before" ]
  # Back on the old version: restarted from its spec, or never moved.
  run ctl call d3 '{"get":true}'
  [ "$status" -eq 0 ]
  json_assert '.count == 3' "$output"
}

@test "deploy: a file that does not load changes nothing" {
  before=$(counter_version)
  run ctl deploy "$TEST_PLUGIN_DIR/bad-abi.so"
  [ "$status" -ne 0 ]
  [[ "$output" == *"ABI version"* ]]
  [ "$(counter_version)" = "$before" ]
}
