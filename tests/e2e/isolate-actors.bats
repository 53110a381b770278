#!/usr/bin/env bats
# Isolated actors (spawn --isolate): the plugin runs in a host process of its
# own; a crash, abort, exit() or runaway handler there kills only the host,
# the actor exits with a reason that says what happened, and its supervisor
# restarts it. Limits, handler timeouts, names, links, calls, and no zombie
# or orphan host processes.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

id_of() { ctl whereis "$1" 2>/dev/null; }
id_changed() { local id; id=$(id_of "$1") && [ -n "$id" ] && [ "$id" != "$2" ]; }
# The host's pid, as ps -o json shows it.
pid_of() {
  ctl -o json ps | jq -e -r --arg n "$1" '.[] | select(.name == $n) | .pid'
}
gone() { ! _pid_alive "$1"; }
# No host process of daemon $1 is left, wherever it was reparented.
no_hosts_of() { ! pgrep -f -- "--isolate-host $1 " >/dev/null; }
no_zombies() { ! ps --ppid "$(_daemon_pid)" -o stat= | grep -q Z; }
waiter_connected() { ctl -o json stats | jq -e '.clients >= 2' >/dev/null; }

# crash_with NAME MESSAGE: send MESSAGE to NAME and print the reason the
# actor exited with (a `wait` connected before the message goes).
crash_with() {
  local out=$BATS_TEST_TMPDIR/reason.$1
  ctl wait "$1" --timeout 10000 >"$out" &
  local waiter=$!
  wait_for waiter_connected
  ctl send "$1" "$2"
  wait "$waiter"
  cat "$out"
}

@test "an isolated counter counts, answers calls and inspect, in a process of its own" {
  run ctl spawn counter --isolate --name ic --args '{"start":5}'
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9]+$ ]]
  ctl send ic '{"inc":2}'
  run ctl call ic '{"get":true}'
  [ "$status" -eq 0 ]
  [ "$output" = '{"count":7}' ]
  run ctl -o json ps
  json_assert '.[] | select(.name == "ic") | .plugin == "counter" and .status == "running"' "$output"
  pid=$(pid_of ic)
  [ "$pid" != "$(_daemon_pid)" ]
  _pid_alive "$pid"
  grep -q -- '--isolate-host' "/proc/$pid/cmdline"
  run ctl -o json inspect ic
  json_assert ".data == {\"count\":7} and .pid == $pid and .plugin == \"counter\"" "$output"
  ctl stop ic
  wait_for gone "$pid"
}

@test "a call to an isolated echo is replied to, JSON and strings alike" {
  ctl spawn echo --isolate --name iecho >/dev/null
  run ctl call iecho '{"a":[1,2,{"b":null}],"s":"é\n"}'
  [ "$status" -eq 0 ]
  [ "$output" = '{"a":[1,2,{"b":null}],"s":"é\n"}' ]
  run ctl call iecho '"just a string"'
  [ "$output" = '"just a string"' ]
  ctl stop iecho
}

@test "segv in an isolated plugin: signal:SIGSEGV, the daemon lives, a new host" {
  ctl spawn crash --isolate --name iseg >/dev/null
  old=$(id_of iseg)
  oldpid=$(pid_of iseg)
  run crash_with iseg '{"crash":"segv"}'
  [ "$output" = signal:SIGSEGV ]
  wait_for id_changed iseg "$old"
  daemon_answers
  wait_for pid_of iseg
  [ "$(pid_of iseg)" != "$oldpid" ]
  run ctl call iseg '{"ping":true}'
  [ "$output" = '{"pong":true}' ]
  run ctl -o json ps
  json_assert '.[] | select(.name == "iseg") | .restarts == 1' "$output"
  ctl stop iseg
}

@test "events and listings name the plugin an isolated actor runs, and its version" {
  ctl spawn crash --isolate --name iev >/dev/null
  run ctl -o json ps
  json_assert '.[] | select(.name == "iev") | .plugin == "crash" and (.version | type) == "string" and .version != ""' "$output"
  # exit and restart: two events.
  ctl -o json events -n 2 >"$BATS_TEST_TMPDIR/events" &
  waiter=$!
  wait_for waiter_connected
  ctl send iev '{"crash":"segv"}'
  wait "$waiter"
  run jq -s -c 'map({event, plugin, reason})' "$BATS_TEST_TMPDIR/events"
  [ "$output" = '[{"event":"exit","plugin":"crash","reason":"signal:SIGSEGV"},{"event":"restart","plugin":"crash","reason":"signal:SIGSEGV"}]' ]
  ctl stop iev
}

@test "a crash or a hang in an isolated init fails the spawn with its reason" {
  run ctl spawn crash --isolate --name iinit --args '{"crash_in_init":"segv"}'
  [ "$status" -eq 1 ]
  [[ "$output" == *"init failed: signal:SIGSEGV"* ]]
  run ctl spawn crash --isolate --name iinit --args '{"crash_in_init":"hang"}' --handler-timeout 200
  [ "$status" -eq 1 ]
  [[ "$output" == *"init failed: timeout"* ]]
  run ctl spawn crash --isolate --name iinit --args '{"crash_in_init":"error"}'
  [ "$status" -eq 1 ]
  [[ "$output" == *"init failed: error:crash requested in init"* ]]
  run ctl whereis iinit
  [ "$status" -eq 3 ]
  wait_for no_zombies
}

@test "abort is signal:SIGABRT, exit(3) is exit:3" {
  ctl spawn crash --isolate --name iab >/dev/null
  run crash_with iab '{"crash":"abort"}'
  [ "$output" = signal:SIGABRT ]
  wait_for pid_of iab
  run crash_with iab '{"crash":"exit"}'
  [ "$output" = exit:3 ]
  ctl stop iab
}

@test "a runaway handler is ended by --handler-timeout with reason timeout" {
  ctl spawn crash --isolate --name ihang --handler-timeout 200 >/dev/null
  pid=$(pid_of ihang)
  run crash_with ihang '{"crash":"hang"}'
  [ "$output" = timeout ]
  wait_for gone "$pid"
  wait_for pid_of ihang
  run ctl call ihang '{"ping":true}'
  [ "$output" = '{"pong":true}' ]
  ctl stop ihang
}

@test "a CPU limit ends a runaway handler without a handler timeout: signal:SIGXCPU" {
  ctl spawn crash --isolate --name icpu --limit cpu=1 --restart temporary >/dev/null
  run crash_with icpu '{"crash":"hang"}'
  [ "$output" = signal:SIGXCPU ]
  daemon_answers
}

@test "open-file and address-space limits apply in the host" {
  ctl spawn counter --isolate --name inof --limit nofile=64 >/dev/null
  pid=$(pid_of inof)
  grep -Eq '^Max open files +64 +64' "/proc/$pid/limits"
  run ctl call inof '{"get":true}'
  [ "$output" = '{"count":0}' ]
  ctl stop inof
  # A sanitizer's shadow memory does not fit in any address-space limit.
  if ldd "$ACTORD" | grep -q libasan; then
    skip "actord is built with AddressSanitizer"
  fi
  ctl spawn counter --isolate --name ias --limit as=1G >/dev/null
  pid=$(pid_of ias)
  grep -Eq '^Max address space +1073741824 +1073741824' "/proc/$pid/limits"
  run ctl call ias '{"get":true}'
  [ "$output" = '{"count":0}' ]
  ctl stop ias
}

@test "bad limits and handler timeouts are refused naming the field" {
  run rpc actor.spawn '{"plugin":"counter","isolate":true,"limits":{"foo":1}}'
  [ "$status" -eq 1 ]
  json_assert '.error.code == -32602 and .error.message == "limits: unknown resource \"foo\" (expected as, cpu, nofile)"' "$output"
  run rpc actor.spawn '{"plugin":"counter","isolate":true,"limits":{"cpu":0}}'
  json_assert '.error.message | startswith("limits.cpu: expected an integer of at least 1")' "$output"
  run rpc actor.spawn '{"plugin":"counter","isolate":true,"limits":{"as":"big"}}'
  json_assert '.error.message | startswith("limits.as: expected an integer")' "$output"
  run rpc actor.spawn '{"plugin":"counter","isolate":true,"limits":[]}'
  json_assert '.error.message | startswith("limits: expected an object")' "$output"
  run rpc actor.spawn '{"plugin":"counter","isolate":true,"handler_timeout_ms":0}'
  json_assert '.error.message | startswith("handler_timeout_ms: expected milliseconds")' "$output"
  run rpc actor.spawn '{"plugin":"counter","isolate":"yes"}'
  json_assert '.error.message == "isolate: expected true or false, got \"yes\""' "$output"
  run rpc actor.spawn '{"plugin":"counter","limits":{"cpu":1}}'
  json_assert '.error.message | startswith("limits: only for an isolated actor")' "$output"
  run rpc actor.spawn '{"plugin":"exec","isolate":true,"args":{"argv":["true"]}}'
  json_assert '.error.message | test("built into actord")' "$output"
  # actorctl: exit 1, one line naming the field.
  run ctl spawn counter --isolate --limit cpu=0
  [ "$status" -eq 1 ]
  [[ "$output" == *"limits.cpu: expected an integer of at least 1"* ]]
  run ctl -o json ps
  json_assert 'all(.[]; .plugin != "isolate")' "$output"
}

@test "names and links behave as in-process: killing an isolated actor kills its linked peer" {
  ctl spawn supervisor --name isup --args '{"strategy":"one_for_all"}' >/dev/null
  ctl spawn echo --sup isup --name ipeer >/dev/null
  ctl spawn crash --isolate --sup isup --name ilinked >/dev/null
  peer=$(id_of ipeer)
  old=$(id_of ilinked)
  run ctl whereis ilinked
  [ "$output" = "$old" ]
  ctl kill ilinked
  # one_for_all: the in-process peer is restarted along with it.
  wait_for id_changed ipeer "$peer"
  wait_for id_changed ilinked "$old"
  run ctl call ilinked '{"ping":true}'
  [ "$output" = '{"pong":true}' ]
  ctl stop isup
}

spinning() { ps -o stat= -p "$1" | grep -q '^R'; }
count_of() { ctl call "$1" '{"get":true}' | jq -e ".count >= $2" >/dev/null; }

@test "an isolated ticker's timers and sends reach an in-process counter by name" {
  ctl spawn counter --name itarget >/dev/null
  ctl spawn ticker --isolate --name iticker \
    --args '{"target":"itarget","interval_ms":20,"message":{"inc":1}}' >/dev/null
  wait_for count_of itarget 3
  run ctl call iticker '{"get":true}'
  json_assert '.ticks >= 3 and .missed == 0' "$output"
  ctl stop iticker
  ctl stop itarget
}

@test "a stop does not wait for a runaway isolated handler without a timeout" {
  ctl spawn crash --isolate --name ispin >/dev/null
  pid=$(pid_of ispin)
  ctl send ispin '{"crash":"hang"}'
  # The handler spins in the host; the daemon still answers, and an
  # orderly shutdown kills the host rather than waiting for it.
  wait_for spinning "$pid"
  daemon_answers
  daemon_restart
  wait_for gone "$pid"
  wait_for pid_of ispin
  ctl stop ispin
}

@test "a runaway isolated handler holds up no in-process actor" {
  ctl spawn crash --isolate --name irun >/dev/null
  pid=$(pid_of irun)
  ctl send irun '{"crash":"hang"}'
  wait_for spinning "$pid"
  # Spawned after the hang began, these land on every scheduler; each
  # answers at once, since the isolated actor waits on a thread of its own.
  for i in 1 2 3 4 5 6; do
    ctl spawn counter --name "free$i" --args "{\"start\":$i}" >/dev/null
  done
  for i in 1 2 3 4 5 6; do
    run ctl -t 2000 call "free$i" '{"get":true}'
    [ "$status" -eq 0 ]
    [ "$output" = "{\"count\":$i}" ]
  done
  ctl kill irun
  wait_for gone "$pid"
  for i in 1 2 3 4 5 6; do ctl stop "free$i"; done
  ctl stop irun
}

@test "kill ends a runaway isolated handler at once, with reason killed" {
  ctl spawn crash --isolate --name ikill >/dev/null
  pid=$(pid_of ikill)
  ctl send ikill '{"crash":"hang"}'
  wait_for spinning "$pid"
  # The events, not a wait: a monitor set now would be handled by the
  # actor only after the handler, which never comes.
  ctl -o json events -n 1 >"$BATS_TEST_TMPDIR/events" &
  waiter=$!
  wait_for waiter_connected
  ctl kill ikill
  wait "$waiter"
  run jq -c '{event, plugin, reason}' "$BATS_TEST_TMPDIR/events"
  [ "$output" = '{"event":"exit","plugin":"crash","reason":"killed"}' ]
  wait_for gone "$pid"
  wait_for pid_of ikill
  run ctl call ikill '{"ping":true}'
  [ "$output" = '{"pong":true}' ]
  ctl stop ikill
}

@test "no zombies after many crashes" {
  # A supervisor that tolerates them all.
  ctl spawn supervisor --name izsup --args '{"intensity":100,"period_ms":60000}' >/dev/null
  ctl spawn crash --isolate --sup izsup --name izomb >/dev/null
  for _ in 1 2 3 4 5 6 7 8 9 10 11 12; do
    wait_for pid_of izomb
    old=$(id_of izomb)
    ctl send izomb '{"crash":"segv"}'
    wait_for id_changed izomb "$old"
  done
  wait_for no_zombies
  ctl stop izsup
  wait_for no_zombies
}

@test "kill -9 of actord leaves no host process behind" {
  ctl spawn counter --isolate --name ik1 >/dev/null
  ctl spawn crash --isolate --name ik2 >/dev/null
  p1=$(pid_of ik1)
  p2=$(pid_of ik2)
  dpid=$(_daemon_pid)
  pgrep -f -- "--isolate-host $dpid " >/dev/null
  daemon_kill9
  wait_for gone "$p1"
  wait_for gone "$p2"
  wait_for no_hosts_of "$dpid"
  daemon_restart
}

@test "isolated specs are restored, still isolated, after a restart" {
  ctl spawn counter --isolate --name ipersist --limit nofile=32 --handler-timeout 5000 >/dev/null
  daemon_restart
  wait_for pid_of ipersist
  pid=$(pid_of ipersist)
  [ "$pid" != "$(_daemon_pid)" ]
  grep -Eq '^Max open files +32 +32' "/proc/$pid/limits"
  run ctl call ipersist '{"get":true}'
  [ "$output" = '{"count":0}' ]
  ctl stop ipersist
}
