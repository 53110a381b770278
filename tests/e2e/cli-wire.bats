#!/usr/bin/env bats
# What actorctl puts on the wire and how it takes what comes back, against
# a stand-in daemon (cli-fake-actord.py) that records every request line
# and answers as told: params of every command, hello pipelined with the
# request on one connection, the protocol check, -t, and the exit status of
# each error kind.

bats_require_minimum_version 1.5.0
load helpers

setup() {
  TEST_DIR=$(mktemp -d /tmp/actorctl-wire.XXXXXX)
  FSOCK=$TEST_DIR/fake.sock
  WIRE=$TEST_DIR/wire.log
  FAKE_PID=
}

teardown() {
  if [ -n "$FAKE_PID" ]; then
    kill "$FAKE_PID" 2>/dev/null || true
    wait "$FAKE_PID" 2>/dev/null || true
  fi
  rm -rf "$TEST_DIR"
}

fake() {
  python3 "$BATS_TEST_DIRNAME/cli-fake-actord.py" "$FSOCK" "$WIRE" "$@" \
    </dev/null >/dev/null 2>&1 3>&- &
  FAKE_PID=$!
  wait_for test -S "$FSOCK"
}

# The params of the last request with method $1.
sent() {
  jq -c --arg m "$1" 'select(.method == $m) | .params' "$WIRE" | tail -n 1
}

@test "one connection: hello and the request, the hello first" {
  fake
  run "$ACTORCTL" -s "$FSOCK" send c1 '{"inc": 2}'
  [ "$status" -eq 0 ]
  [ -z "$output" ]
  [ "$(jq -r .method "$WIRE" | paste -sd' ')" = "hello actor.send" ]
  json_assert '.params.protocol == "1.0"' "$(head -n 1 "$WIRE")"
  [ "$(sent actor.send)" = '{"target":"c1","message":{"inc":2}}' ]
}

@test "a numeric target is an id, anything else a name" {
  fake
  "$ACTORCTL" -s "$FSOCK" kill 42
  [ "$(sent actor.kill)" = '{"target":42}' ]
  "$ACTORCTL" -s "$FSOCK" kill web.1 --reason shutdown
  [ "$(sent actor.kill)" = '{"target":"web.1","reason":"shutdown"}' ]
}

@test "a daemon of another protocol major version is refused" {
  fake --protocol 2.3
  run --separate-stderr "$ACTORCTL" -s "$FSOCK" ps
  [ "$status" -eq 1 ]
  [ -z "$output" ]
  [ "$stderr" = "actorctl: actord at $FSOCK speaks protocol 2.3, actorctl 0.1.0 speaks 1.0: use an actorctl of the same major version" ]
}

@test "another minor version is accepted" {
  fake --protocol 1.7
  run "$ACTORCTL" -s "$FSOCK" stop c1
  [ "$status" -eq 0 ]
}

@test "error kinds map to exit statuses 3, 4 and 1; the daemon's message is the line" {
  fake --error 'actor.stop:-32000:not_found:no actor named "c9"' \
    --error 'actor.call:-32000:timeout:call to c1 timed out after 100 ms' \
    --error 'actor.kill:-32000:denied:not yours' \
    --error 'actor.send:-32602:invalid:message: expected a JSON value'
  run --separate-stderr "$ACTORCTL" -s "$FSOCK" stop c9
  [ "$status" -eq 3 ]
  [ "$stderr" = 'actorctl: no actor named "c9"' ]
  run "$ACTORCTL" -s "$FSOCK" call c1 '{}'
  [ "$status" -eq 4 ]
  run "$ACTORCTL" -s "$FSOCK" kill c1
  [ "$status" -eq 1 ]
  [ "$output" = "actorctl: not yours" ]
  run "$ACTORCTL" -s "$FSOCK" send c1 1
  [ "$status" -eq 1 ]
}

@test "a method the daemon lacks: exit 1 with a clear line" {
  fake --error 'plugin.deploy:-32601::Method not found'
  run "$ACTORCTL" -s "$FSOCK" deploy x.so
  [ "$status" -eq 1 ]
  [ "$output" = "actorctl: deploy: actord does not support plugin.deploy yet (Method not found)" ]
}

@test "-t bounds the whole request: exit 4 when nothing answers" {
  fake --silent actor.call --silent actor.list
  run "$ACTORCTL" -s "$FSOCK" -t 150 call c1 '{"noreply":true}'
  [ "$status" -eq 4 ]
  [ "$output" = "actorctl: call: timed out after 150 ms" ]
  # The daemon is told how long the caller waits.
  [ "$(sent actor.call)" = '{"target":"c1","message":{"noreply":true},"timeout_ms":150}' ]
  run "$ACTORCTL" -s "$FSOCK" -t 100 ps
  [ "$status" -eq 4 ]
}

@test "call --timeout goes to the daemon; the smaller of it and -t wins" {
  skip_under_valgrind "a 50 ms timeout is shorter than actorctl takes to send under memcheck"
  fake
  "$ACTORCTL" -s "$FSOCK" call c1 '{"get":true}' --timeout 200
  [ "$(sent actor.call)" = '{"target":"c1","message":{"get":true},"timeout_ms":200}' ]
  "$ACTORCTL" -s "$FSOCK" -t 50 call c1 '{"get":true}' --timeout 200
  [ "$(sent actor.call | jq .timeout_ms)" = 50 ]
}

@test "spawn forwards every option as a param" {
  fake --result 'actor.spawn:{"id":7,"name":"c1"}'
  run "$ACTORCTL" -s "$FSOCK" spawn counter --name c1 --args '{"start": 5}' \
    --sup 3 --restart transient --mailbox 100:drop_oldest
  [ "$status" -eq 0 ]
  [ "$output" = 7 ]
  [ "$(sent actor.spawn)" = '{"plugin":"counter","name":"c1","args":{"start":5},"sup":3,"restart":"transient","mailbox":"100:drop_oldest"}' ]
  "$ACTORCTL" -s "$FSOCK" spawn crash --isolate --limit as=64M,cpu=5,nofile=64 \
    --handler-timeout 250 --mailbox 10
  [ "$(sent actor.spawn)" = '{"plugin":"crash","mailbox":10,"isolate":true,"limits":{"as":67108864,"cpu":5,"nofile":64},"handler_timeout_ms":250}' ]
  run "$ACTORCTL" -s "$FSOCK" -o json spawn echo
  [ "$output" = '{"id":7,"name":"c1"}' ]
}

@test "exec is actor.spawn of the exec plugin with argv, env, cwd and stop settings" {
  fake --result 'actor.spawn:{"id":9,"name":"web"}'
  cd "$TEST_DIR"
  run "$ACTORCTL" -s "$FSOCK" exec --name web --restart temporary --env A=1 \
    --env B=x=y --cwd sub --stop-signal int --stop-timeout 2000 -- \
    /bin/sh -c 'echo "a b"' --not-ours
  [ "$status" -eq 0 ]
  [ "$output" = 9 ]
  run jq -c --arg d "$TEST_DIR/sub" '.plugin == "exec" and .name == "web"
    and .restart == "temporary"
    and .args.argv == ["/bin/sh", "-c", "echo \"a b\"", "--not-ours"]
    and .args.env == {"A": "1", "B": "x=y"} and .args.cwd == $d
    and .args.stop_signal == "SIGINT" and .args.stop_timeout_ms == 2000' \
    <<<"$(sent actor.spawn)"
  [ "$output" = true ]
}

@test "load and deploy send an absolute path" {
  fake --result 'plugin.load:{"name":"counter","version":"1.0.0","path":"/x/counter.so","actors":0}'
  cd "$TEST_DIR"
  run "$ACTORCTL" -s "$FSOCK" load ./counter.so
  [ "$status" -eq 0 ]
  [ "$output" = "counter 1.0.0 /x/counter.so" ]
  [ "$(sent plugin.load)" = "{\"path\":\"$TEST_DIR/counter.so\"}" ]
  "$ACTORCTL" -s "$FSOCK" deploy counter.so --strategy restart --watch 500
  [ "$(sent plugin.deploy)" = "{\"strategy\":\"restart\",\"watch_ms\":500,\"path\":\"$TEST_DIR/counter.so\"}" ]
}

@test "logs and wait params" {
  fake --result 'logs.read:[{"time":"2026-11-21T19:44:13.123Z","level":"info","id":5,"name":"c1","line":"hello there"}]' \
    --result 'actor.wait:{"reason":"killed"}'
  run "$ACTORCTL" -s "$FSOCK" logs c1 -n 5
  [ "$status" -eq 0 ]
  [ "$output" = "2026-11-21T19:44:13.123Z info c1[5]: hello there" ]
  [ "$(sent logs.read)" = '{"target":"c1","lines":5}' ]
  run "$ACTORCTL" -s "$FSOCK" wait 5 --timeout 1000
  [ "$output" = killed ]
  [ "$(sent actor.wait)" = '{"target":5,"timeout_ms":1000}' ]
}

@test "ps: aligned columns, human uptimes, - for a null name" {
  fake --result 'actor.list:[{"id":1,"name":"c1","plugin":"counter","status":"running","mailbox":0,"restarts":0,"uptime_ms":45000,"supervisor":null},{"id":123,"name":null,"plugin":"echo","status":"restarting","mailbox":12,"restarts":3,"uptime_ms":192000,"supervisor":1},{"id":7,"name":"web","plugin":"exec","status":"running","mailbox":0,"restarts":0,"uptime_ms":7500000,"supervisor":null},{"id":8,"name":"old","plugin":"exec","status":"failed","mailbox":0,"restarts":5,"uptime_ms":273600000,"supervisor":null}]'
  run "$ACTORCTL" -s "$FSOCK" ps
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "ID   NAME  PLUGIN   STATUS      MAILBOX  RESTARTS  UPTIME" ]
  [ "${lines[1]}" = "1    c1    counter  running     0        0         45s" ]
  [ "${lines[2]}" = "123  -     echo     restarting  12       3         3m12s" ]
  [ "${lines[3]}" = "7    web   exec     running     0        0         2h05m" ]
  [ "${lines[4]}" = "8    old   exec     failed      0        5         3d04h" ]
}

@test "tree is drawn with branches" {
  fake --result 'actor.tree:{"id":1,"name":"root","plugin":"supervisor","status":"running","children":[{"id":5,"name":"c1","plugin":"counter","status":"running","children":[]},{"id":6,"name":"sup","plugin":"supervisor","status":"running","children":[{"id":8,"name":null,"plugin":"echo","status":"restarting","children":[]}]},{"id":9,"name":"e","plugin":"echo","status":"running","children":[]}]}'
  run "$ACTORCTL" -s "$FSOCK" tree
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "1 root supervisor" ]
  [ "${lines[1]}" = "├── 5 c1 counter" ]
  [ "${lines[2]}" = "├── 6 sup supervisor" ]
  [ "${lines[3]}" = "│   └── 8 - echo (restarting)" ]
  [ "${lines[4]}" = "└── 9 e echo" ]
}

@test "a JSON string reply, and one with non-ASCII text, print as compact JSON" {
  fake --result 'actor.call:{"greeting": "h\u00e9llo", "n": [1, 2]}'
  run "$ACTORCTL" -s "$FSOCK" call c1 '"hi"'
  [ "$output" = '{"greeting":"héllo","n":[1,2]}' ]
}
