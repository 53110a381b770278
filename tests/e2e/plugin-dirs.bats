#!/usr/bin/env bats
# A plugin directory full of broken plugins: actord starts anyway, loads
# the good ones, and logs one line per file it refused.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start -p "$TEST_PLUGIN_DIR"; }
teardown_file() { daemon_stop; }

@test "the good plugins of a second directory are loaded beside the bundled ones" {
  run ctl -o json plugins
  [ "$status" -eq 0 ]
  json_assert 'any(.[]; .name == "kv" and (.path | endswith("/example.so")))' "$output"
  json_assert 'any(.[]; .name == "init_fails")' "$output"
  # The bundled echo was there first; the clashing one was refused.
  json_assert '[.[] | select(.name == "echo")] | length == 1' "$output"
  json_assert 'any(.[]; .name == "echo" and (.path | endswith("/plugins/echo.so")))' "$output"
}

@test "each refused file is one line of the daemon's log" {
  local f
  for f in "bad-abi.so: ABI version" "bad-size.so: descriptor size" \
    'no-symbol.so: no symbol "act_plugin"' 'clash.so: a plugin named "echo" is already loaded' \
    'bad-name.so: plugin name "bad name!" is not valid' "undefined.so: cannot load" \
    "not-a-plugin.so: cannot load"; do
    grep -qF -- "$f" "$LOG" || { echo "no line with: $f"; cat "$LOG"; false; }
  done
}
