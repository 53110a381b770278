#!/usr/bin/env bats
# Loading plugins: each broken plugin is refused with its one clear line and
# leaves nothing behind; a good one loads, runs, and unloads only once its
# actors are gone; built-ins are listed and cannot be unloaded.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

plugin_names() { ctl -o json plugins | jq -r '.[].name' | sort | tr '\n' ' '; }

# load FILE must fail with status STATUS and a line containing TEXT, and the
# list of plugins must not change.
refused() {
  local file=$1 want_status=$2 text=$3 before
  before=$(plugin_names)
  run ctl load "$file"
  [ "$status" -eq "$want_status" ] || { echo "status $status: $output"; return 1; }
  [[ "$output" == *"$text"* ]] || { echo "expected '$text' in: $output"; return 1; }
  [ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ] || { echo "more than one line: $output"; return 1; }
  [ "$(plugin_names)" = "$before" ] || { echo "the plugin list changed"; return 1; }
}

@test "plugins lists the bundled plugins and the built-in supervisor" {
  run ctl -o json plugins
  [ "$status" -eq 0 ]
  for p in echo counter ticker crash; do
    json_assert "any(.[]; .name == \"$p\" and .builtin == false and (.path | endswith(\"/$p.so\")))" "$output"
  done
  json_assert 'any(.[]; .name == "supervisor" and .builtin == true)' "$output"
}

@test "wrong ABI version" {
  refused "$TEST_PLUGIN_DIR/bad-abi.so" 1 "ABI version 7, this actord speaks 1"
}

@test "wrong descriptor size" {
  refused "$TEST_PLUGIN_DIR/bad-size.so" 1 "descriptor size"
}

@test "no act_plugin symbol" {
  refused "$TEST_PLUGIN_DIR/no-symbol.so" 1 'no symbol "act_plugin"'
}

@test "a name that clashes with a bundled plugin" {
  refused "$TEST_PLUGIN_DIR/clash.so" 1 'a plugin named "echo" is already loaded'
}

@test "a malformed name" {
  refused "$TEST_PLUGIN_DIR/bad-name.so" 1 'plugin name "bad name!" is not valid'
}

@test "dlopen fails on an undefined symbol" {
  refused "$TEST_PLUGIN_DIR/undefined.so" 1 "act_test_function_nobody_defines"
}

@test "not a shared object" {
  refused "$TEST_PLUGIN_DIR/not-a-plugin.so" 1 "cannot load"
}

@test "not a regular file, and no file at all" {
  refused "$TEST_PLUGIN_DIR" 1 "not a regular file"
  refused "$TEST_PLUGIN_DIR/no-such-plugin.so" 3 "no-such-plugin.so"
}

@test "the example plugin loads, runs, and unloads once its actors are gone" {
  run ctl -o json load "$TEST_PLUGIN_DIR/example.so"
  [ "$status" -eq 0 ]
  json_assert '.name == "kv" and .version == "1.0.0"' "$output"
  ctl spawn kv --name store --args '{"max_keys":2}' >/dev/null
  ctl send store '{"set":{"key":"a","value":[1,2]}}'
  run ctl call store '{"get":"a"}'
  [ "$output" = '{"value":[1,2]}' ]
  run ctl unload kv
  [ "$status" -ne 0 ]
  [[ "$output" == *"still runs 1 actor"* ]]
  ctl stop store
  run ctl unload kv
  [ "$status" -eq 0 ]
  run ctl -o json plugins
  json_assert 'all(.[]; .name != "kv")' "$output"
  # It loads again once unloaded; loading the same file again changes
  # nothing (one kv, not two).
  ctl load "$TEST_PLUGIN_DIR/example.so" >/dev/null
  run ctl load "$TEST_PLUGIN_DIR/example.so"
  [ "$status" -eq 0 ]
  run ctl -o json plugins
  json_assert '[.[] | select(.name == "kv")] | length == 1' "$output"
}

@test "a plugin whose init fails loads, but its actors do not start" {
  ctl load "$TEST_PLUGIN_DIR/init-fails.so" >/dev/null
  run ctl spawn init_fails --name nope
  [ "$status" -eq 1 ]
  [[ "$output" == *"init_fails refuses to start"* ]]
  run ctl -o json ps
  json_assert 'all(.[]; .plugin != "init_fails")' "$output"
}

@test "built-ins cannot be unloaded; unknown plugins are not found" {
  run ctl unload supervisor
  [ "$status" -eq 1 ]
  [[ "$output" == *"built in"* ]]
  run ctl unload no_such_plugin
  [ "$status" -eq 3 ]
}
