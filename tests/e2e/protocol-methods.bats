#!/usr/bin/env bats
# Every method of the control protocol, through the socket, with the params
# and results of HACKING.md's table.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

# result METHOD [PARAMS]: print the result of a successful call.
result() {
  local reply
  reply=$(rpc "$@") || { echo "$reply" >&2; return 1; }
  printf '%s\n' "$reply" | jq -c '.result'
}

id_of() { result name.whereis "{\"name\":\"$1\"}" | jq -r '.id'; }
gone() { ! rpc name.whereis "{\"name\":\"$1\"}" >/dev/null; }
id_changed() { local id; id=$(id_of "$1") && [ -n "$id" ] && [ "$id" != null ] && [ "$id" != "$2" ]; }
has_line() { result logs.read "{\"target\":\"$1\"}" | grep -q "$2"; }
listed() { result actor.list | jq -e --arg n "$1" 'any(.[]; .name == $n)' >/dev/null; }

# A connection that stays open: lines written to fd 7 go to the daemon,
# what comes back is appended to $OUT.
client_open() {
  OUT=$BATS_TEST_TMPDIR/client.out
  mkfifo "$BATS_TEST_TMPDIR/client.in"
  socat -t 30 - "UNIX-CONNECT:$SOCK" <"$BATS_TEST_TMPDIR/client.in" >"$OUT" 2>/dev/null 3>&- &
  CLIENT_PID=$!
  exec 7>"$BATS_TEST_TMPDIR/client.in"
}
client_close() {
  exec 7>&-
  kill "$CLIENT_PID" 2>/dev/null || true
  wait "$CLIENT_PID" 2>/dev/null || true
}

@test "hello" {
  run result hello '{"client":"bats","protocol":"1.0"}'
  [ "$status" -eq 0 ]
  json_assert '.protocol == "1.0" and (.version | type) == "string" and (.name | type) == "string" and .pid > 0' "$output"
  run rpc hello '{"protocol":"2.0"}'
  [ "$status" -eq 1 ]
  json_assert '.error.message | test("2.0") and test("1.0")' "$output"
}

@test "daemon.status" {
  run result daemon.status
  [ "$status" -eq 0 ]
  [ "$(printf '%s\n' "$output" | jq -r '.socket')" = "$SOCK" ]
  json_assert '.pid > 0 and .protocol == "1.0" and (.uptime_ms | type) == "number" and (.actors | type) == "number" and .threads >= 1 and (.state_dir | type) == "string" and (.name | type) == "string"' "$output"
}

@test "methods.list names every method of the table" {
  run result methods.list
  [ "$status" -eq 0 ]
  for m in hello daemon.status daemon.shutdown actor.spawn actor.send actor.call \
    actor.kill actor.stop actor.restart actor.wait actor.list actor.info actor.tree \
    name.register name.unregister name.whereis plugin.list plugin.load \
    plugin.unload logs.read events.subscribe stats methods.list; do
    json_assert "index(\"$m\") != null" "$output"
  done
  run result methods.list '{"summary":true}'
  json_assert 'all(.[]; (.name | type) == "string" and (.summary | type) == "string")' "$output"
}

@test "actor.spawn, send and call" {
  run result actor.spawn '{"plugin":"counter","name":"c1","args":{"start":5}}'
  [ "$status" -eq 0 ]
  json_assert '(.id | type) == "number" and .name == "c1"' "$output"
  run result actor.send '{"target":"c1","message":{"inc":2}}'
  [ "$output" = '{}' ]
  run result actor.call '{"target":"c1","message":{"get":true}}'
  [ "$output" = '{"count":7}' ]
  id=$(id_of c1)
  run result actor.call "{\"target\":$id,\"message\":{\"get\":true}}"
  [ "$output" = '{"count":7}' ]
  run result actor.spawn '{"plugin":"echo"}'
  json_assert '.name == null' "$output"
}

@test "actor.spawn with a mailbox and under a named supervisor" {
  run result actor.spawn '{"plugin":"supervisor","name":"sup1"}'
  [ "$status" -eq 0 ]
  run result actor.spawn '{"plugin":"counter","name":"under","sup":"sup1","mailbox":"10:drop_oldest"}'
  [ "$status" -eq 0 ]
  run result actor.list
  json_assert '(map(select(.name == "sup1"))[0].id) as $s | any(.[]; .name == "under" and .supervisor == $s)' "$output"
}

@test "actor.call that is never answered times out" {
  run result actor.spawn '{"plugin":"crash","name":"mute"}'
  [ "$status" -eq 0 ]
  run rpc actor.call '{"target":"mute","message":{"noreply":true},"timeout_ms":200}'
  [ "$status" -eq 1 ]
  json_assert '.error.data.kind == "timeout"' "$output"
}

@test "actor.kill without a reason exits with killed; a permanent actor comes back" {
  run result actor.spawn '{"plugin":"counter","name":"k1"}'
  old=$(id_of k1)
  run result actor.kill '{"target":"k1"}'
  [ "$output" = '{}' ]
  wait_for id_changed k1 "$old"
}

@test "actor.wait reports the exit reason; kill with a reason passes it on" {
  run result actor.spawn '{"plugin":"echo","name":"w1","restart":"temporary"}'
  lines=$(printf '%s\n%s' \
    '{"jsonrpc":"2.0","id":1,"method":"actor.wait","params":{"target":"w1"}}' \
    '{"jsonrpc":"2.0","id":2,"method":"actor.kill","params":{"target":"w1","reason":"bye"}}')
  run rpc_raw "$lines" 2
  [ "$status" -eq 0 ]
  printf '%s\n' "$output" | jq -e 'select(.id == 1) | .result.reason == "bye"'
  run rpc actor.wait '{"target":"c1","timeout_ms":100}'
  [ "$status" -eq 1 ]
  json_assert '.error.data.kind == "timeout"' "$output"
}

@test "actor.stop stops in order and the actor is not restarted" {
  run result actor.spawn '{"plugin":"counter","name":"st1"}'
  run result actor.stop '{"target":"st1"}'
  [ "$output" = '{}' ]
  run rpc name.whereis '{"name":"st1"}'
  [ "$status" -eq 1 ]
  run result actor.list
  json_assert 'all(.[]; .name != "st1")' "$output"
}

@test "actor.restart gives a new id and keeps the name" {
  run result actor.spawn '{"plugin":"counter","name":"r1"}'
  old=$(id_of r1)
  run result actor.restart '{"target":"r1"}'
  [ "$status" -eq 0 ]
  new=$(printf '%s\n' "$output" | jq -r '.id')
  [ "$new" != "$old" ]
  wait_for listed r1
}

@test "actor.list has the fields ps shows" {
  run result actor.list
  [ "$status" -eq 0 ]
  json_assert 'type == "array" and length > 0' "$output"
  json_assert 'all(.[]; has("id") and has("name") and has("plugin") and has("version") and has("status") and has("mailbox") and has("restarts") and has("uptime_ms") and has("supervisor") and has("pid"))' "$output"
  json_assert 'any(.[]; .name == "c1" and .plugin == "counter" and .status == "running")' "$output"
  # The root supervisor and the connections are not listed.
  json_assert 'all(.[]; .plugin != "actord.conn")' "$output"
}

@test "actor.info adds links, monitors, counters and the plugin's data" {
  run result actor.info '{"target":"c1"}'
  [ "$status" -eq 0 ]
  json_assert '.name == "c1" and .data == {"count":7} and (.links | type) == "array" and (.monitors | type) == "array" and (.messages_in | type) == "number" and (.messages_out | type) == "number" and (.trap_exit | type) == "boolean" and .restart == "permanent"' "$output"
}

@test "actor.tree has the root on top and spawned actors under it" {
  run result actor.tree
  [ "$status" -eq 0 ]
  json_assert '.name == "root" and .plugin == "supervisor" and (.children | type) == "array"' "$output"
  json_assert 'any(.children[]; .name == "c1")' "$output"
  json_assert 'any(.children[]; .name == "sup1" and any(.children[]; .name == "under"))' "$output"
}

@test "name.register, whereis and unregister" {
  id=$(result actor.spawn '{"plugin":"echo"}' | jq -r '.id')
  run result name.register "{\"name\":\"alias1\",\"target\":$id}"
  [ "$output" = '{}' ]
  run result name.whereis '{"name":"alias1"}'
  [ "$output" = "{\"id\":$id}" ]
  run rpc name.register "{\"name\":\"c1\",\"target\":$id}"
  [ "$status" -eq 1 ]
  json_assert '.error.data.kind == "exists"' "$output"
  run result name.unregister '{"name":"alias1"}'
  [ "$output" = '{}' ]
  run rpc name.whereis '{"name":"alias1"}'
  json_assert '.error.data.kind == "not_found"' "$output"
  run rpc name.unregister '{"name":"alias1"}'
  json_assert '.error.data.kind == "not_found"' "$output"
}

@test "plugin.list, unload and load" {
  run result plugin.list
  [ "$status" -eq 0 ]
  json_assert 'any(.[]; .name == "supervisor" and .builtin == true)' "$output"
  json_assert 'any(.[]; .name == "counter" and (.path | endswith("counter.so")) and .actors >= 1 and (.version | type) == "string")' "$output"
  run rpc plugin.unload '{"name":"counter"}'
  [ "$status" -eq 1 ]
  json_assert '.error.data.kind == "unavailable"' "$output"
  run rpc plugin.unload '{"name":"supervisor"}'
  json_assert '.error.data.kind == "denied"' "$output"
  run result plugin.unload '{"name":"ticker"}'
  [ "$status" -eq 0 ]
  json_assert '.name == "ticker"' "$output"
  run result plugin.list
  json_assert 'all(.[]; .name != "ticker")' "$output"
  run result plugin.load "{\"path\":\"$PLUGIN_DIR/ticker.so\"}"
  [ "$status" -eq 0 ]
  json_assert '.name == "ticker" and .actors == 0' "$output"
  run rpc plugin.load '{"path":"/nonexistent/x.so"}'
  json_assert '.error.data.kind == "not_found" and (.error.message | test("/nonexistent/x.so"))' "$output"
  run rpc plugin.load '{"path":"ticker.so"}'
  json_assert '.error.code == -32602 and (.error.message | test("absolute"))' "$output"
  run rpc plugin.unload '{"name":"nope"}'
  json_assert '.error.data.kind == "not_found"' "$output"
}

@test "logs.read returns an actor's lines, and follow sends new ones" {
  run result actor.spawn '{"plugin":"echo","name":"lg"}'
  run result actor.send '{"target":"lg","message":"first-line"}'
  wait_for has_line lg first-line
  run result logs.read '{"target":"lg","lines":5}'
  json_assert 'all(.[]; has("time") and has("level") and has("id") and .name == "lg" and has("line"))' "$output"
  run rpc logs.read '{"target":"nobody-here"}'
  json_assert '.error.data.kind == "not_found"' "$output"
  run rpc logs.read '{"lines":-1}'
  json_assert '.error.code == -32602' "$output"

  client_open
  printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"logs.read","params":{"target":"lg","lines":0,"follow":true}}' >&7
  wait_for grep -q '"id":1' "$OUT"
  result actor.send '{"target":"lg","message":"second-line"}'
  wait_for grep -q '"method":"log".*second-line' "$OUT"
  client_close
}

@test "events.subscribe sends spawn and exit events" {
  client_open
  printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"events.subscribe"}' >&7
  wait_for grep -q '"id":1,"result":{}' "$OUT"
  result actor.spawn '{"plugin":"echo","name":"ev1","restart":"temporary"}'
  wait_for grep -q '"event":"spawn".*"ev1"' "$OUT"
  result actor.kill '{"target":"ev1"}'
  wait_for grep -q '"event":"exit"' "$OUT"
  client_close
  grep '"method":"event"' "$OUT" | grep '"exit"' | head -n1 |
    jq -e '.params.name == "ev1" and .params.reason == "killed" and (.params.time | test("Z$")) and .params.plugin == "echo"'
}

@test "stats" {
  run result stats
  [ "$status" -eq 0 ]
  json_assert 'has("actors") and has("spawned") and has("exited") and has("messages") and has("dropped") and has("wakeups") and .threads >= 1 and .clients >= 1 and .requests >= 1 and has("uptime_ms")' "$output"
}

@test "actor.call to a target that dies without replying is not_found at once" {
  run result actor.spawn '{"plugin":"crash","name":"dies","restart":"temporary"}'
  [ "$status" -eq 0 ]
  start=$(_now_us)
  run rpc actor.call '{"target":"dies","message":{"crash":"error"},"timeout_ms":30000}'
  [ "$status" -eq 1 ]
  json_assert '.error.data.kind == "not_found" and (.error.message | test("exited"))' "$output"
  # Well before the 30 s timeout.
  [ $(( $(_now_us) - start )) -lt 10000000 ]
}

@test "an actor's log lines are kept by name across its restarts; events tell the restart" {
  client_open
  printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"events.subscribe"}' >&7
  wait_for grep -q '"id":1,"result":{}' "$OUT"
  result actor.spawn '{"plugin":"echo","name":"web"}'
  old=$(id_of web)
  result actor.send '{"target":"web","message":"before-restart"}'
  wait_for has_line web before-restart
  result actor.kill '{"target":"web"}'
  wait_for id_changed web "$old"
  run result logs.read '{"target":"web"}'
  json_assert 'any(.[]; .line | test("before-restart"))' "$output"
  wait_for grep -q '"event":"restart"' "$OUT"
  client_close
  grep '"event":"restart"' "$OUT" | head -n1 |
    jq -e --argjson old "$old" '.params.name == "web" and .params.old_id == $old and .params.id != $old'
}
