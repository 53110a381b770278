#!/usr/bin/env bats
# The built-in exec behaviour: OS programs under supervision. Output to the
# log, messages to stdin, exit reasons, signals, the stop sequence over the
# whole process group, no zombies, and no program outliving actord.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

id_of() { ctl whereis "$1" 2>/dev/null; }
id_changed() { local id; id=$(id_of "$1") && [ -n "$id" ] && [ "$id" != "$2" ]; }
# The OS pid of the program an exec actor runs (from inspect).
pid_of() { ctl -o json inspect "$1" 2>/dev/null | jq -e -r '.data.pid | numbers'; }
pid_changed() { local p; p=$(pid_of "$1") && [ "$p" != "$2" ]; }
# The lines of an actor's log (without times and levels).
log_lines() { ctl -o json logs -n 1000 "$1" | jq -r '.line'; }
logged() { log_lines "$1" | grep -Fxq -- "$2"; }
logged_at() {
  ctl -o json logs -n 1000 "$1" |
    jq -s -e --arg l "$2" --arg v "$3" 'any(.[]; .line == $l and .level == $v)' >/dev/null
}
gone() { ! _pid_alive "$1"; }
# A `ctl wait` started in the background has connected (the test's own
# stats request is the other client).
waiter_connected() { ctl -o json stats | jq -e '.clients >= 2' >/dev/null; }
# No child of actord is a zombie.
no_zombies() { ! ps --ppid "$(_daemon_pid)" -o stat= | grep -q Z; }

@test "exec prints the id; ps and inspect show the program's pid" {
  run ctl exec --name sleeper -- sleep 1000
  [ "$status" -eq 0 ]
  [[ "$output" =~ ^[0-9]+$ ]]
  id=$output
  wait_for pid_of sleeper
  pid=$(pid_of sleeper)
  [ "$pid" != "$(_daemon_pid)" ]
  # The launcher (actord itself) becomes the program within moments.
  wait_for grep -qx sleep "/proc/$pid/comm"
  json_assert "any(.[]; .id == $id and .plugin == \"exec\" and .pid == $pid)" "$(ctl -o json ps)"
  run ctl -o json inspect sleeper
  json_assert ".pid == $pid and .data.argv == [\"sleep\",\"1000\"] and .data.running and .data.stdin_open and .trap_exit" "$output"
  # Its own process group.
  [ "$(ps -o pgid= -p "$pid" | tr -d ' ')" = "$pid" ]
  ctl stop sleeper
  wait_for gone "$pid"
}

@test "stdout lines are logged at info, stderr at warn, a last line without newline too" {
  ctl exec --name out1 --restart temporary -- sh -c 'echo to-out; echo to-err >&2; printf no-newline' >/dev/null
  wait_for logged out1 no-newline
  logged_at out1 to-out info
  logged_at out1 to-err warn
  logged_at out1 no-newline info
}

@test "a fast writer loses nothing; a long line is split, not truncated" {
  ctl exec --name fast --restart temporary -- sh -c 'seq 1 800; head -c 2500 /dev/zero | tr "\0" x; echo' >/dev/null
  wait_for logged fast 800
  [ "$(log_lines fast | grep -Ex '[0-9]+' | tr '\n' ' ')" = "$(seq 1 800 | tr '\n' ' ')" ]
  # 2500 x: lines of at most 1000 bytes, 2500 bytes in all.
  xs=$(log_lines fast | grep -Ex 'x+')
  [ "$(printf '%s' "$xs" | tr -d '\n' | wc -c)" -eq 2500 ]
  [ "$(printf '%s\n' "$xs" | awk '{ if (length($0) > m) m = length($0) } END { print m }')" -le 1000 ]
}

@test "output that is not UTF-8 is shown as U+FFFD; long lines split between characters" {
  # 700 two-byte characters: 1400 bytes on one line.
  ctl exec --name utf --restart temporary -- sh -c 'printf "bad:\377\376!\n"; i=0; while [ $i -lt 700 ]; do printf "\303\251"; i=$((i+1)); done; echo' >/dev/null
  wait_for eval 'log_lines utf | grep -q "^program .* ended"'
  logged utf $'bad:\xef\xbf\xbd\xef\xbf\xbd!'
  pieces=$(log_lines utf | grep -E '^(é)+$')
  [ "$(printf '%s\n' "$pieces" | wc -l)" -eq 2 ]
  [ "$(printf '%s' "$pieces" | tr -d '\n' | wc -c)" -eq 1400 ]
}

@test "stdin is bounded: a program that does not read gets no more than 1 MiB queued" {
  ctl exec --name deaf -- sleep 1000 >/dev/null
  wait_for pid_of deaf
  big=$(head -c 600000 /dev/zero | tr '\0' a)
  refused=0
  for i in 1 2 3 4; do
    reply=$(rpc actor.call "{\"target\":\"deaf\",\"message\":\"$big\"}") || true
    if printf '%s\n' "$reply" | jq -e '.result.error.kind == "mailbox_full"' >/dev/null; then
      refused=1
      printf '%s\n' "$reply" | jq -e '.result.error.message | test("^stdin: the program has not read the last [0-9]+ bytes")' >/dev/null
    fi
  done
  [ "$refused" -eq 1 ]
  ctl stop deaf
}

@test "a JSON string is written to stdin as a line; any call answers with the pid" {
  ctl exec --name reader -- /bin/sh -c 'while read l; do echo "got:$l"; done; echo eof' >/dev/null
  wait_for pid_of reader
  pid=$(pid_of reader)
  ctl send reader '"hello world"'
  wait_for logged reader "got:hello world"
  run ctl call reader '{"pid":true}'
  [ "$status" -eq 0 ]
  json_assert ".pid == $pid and .running == true and .stdin_open == true" "$output"
  run ctl call reader '"second"'
  json_assert ".pid == $pid" "$output"
  wait_for logged reader "got:second"
  # Closing stdin ends the loop: the program ends normally and, being
  # permanent, is started again.
  old=$(id_of reader)
  ctl send reader '{"close_stdin":true}'
  wait_for logged reader eof
  wait_for id_changed reader "$old"
  ctl stop reader
}

@test "bad messages get an error reply naming what was wrong" {
  ctl exec --name picky -- sleep 1000 >/dev/null
  run ctl call picky '{"signal":"NOPE"}'
  json_assert '.error.kind == "invalid" and (.error.message | test("^signal: expected a signal name"))' "$output"
  run ctl call picky '{"bogus":1}'
  json_assert '.error.kind == "invalid" and (.error.message | test("unknown field \"bogus\""))' "$output"
  run ctl call picky '42'
  json_assert '.error.kind == "invalid" and (.error.message | test("got 42"))' "$output"
  # A send has no one to answer: the log says it.
  ctl send picky '[1]'
  wait_for eval 'log_lines picky | grep -q "^message ignored: expected a string"'
  ctl stop picky
}

@test "exit 0 is normal and a transient program is not restarted" {
  ctl exec --name ok0 --restart transient -- sh -c 'read x' >/dev/null
  wait_for pid_of ok0
  ctl wait ok0 --timeout 10000 >"$BATS_TEST_TMPDIR/reason" &
  waiter=$!
  wait_for waiter_connected
  ctl send ok0 '"bye"'
  wait "$waiter"
  [ "$(cat "$BATS_TEST_TMPDIR/reason")" = normal ]
  run ctl whereis ok0
  [ "$status" -eq 3 ]
}

@test "exit 3 is exit:3" {
  ctl exec --name three --restart temporary -- sh -c 'read x; exit 3' >/dev/null
  wait_for pid_of three
  ctl wait three --timeout 10000 >"$BATS_TEST_TMPDIR/reason" &
  waiter=$!
  wait_for waiter_connected
  ctl send three '"go"'
  wait "$waiter"
  [ "$(cat "$BATS_TEST_TMPDIR/reason")" = exit:3 ]
  logged_at three "program $(log_lines three | sed -n 's/^started .* (pid \([0-9]*\))$/\1/p') ended: exit:3" warn
}

@test "SIGKILL from outside is signal:SIGKILL; a permanent program comes back with a new pid" {
  ctl exec --name victim -- sleep 1000 >/dev/null
  wait_for pid_of victim
  pid=$(pid_of victim)
  id=$(id_of victim)
  kill -KILL "$pid"
  wait_for id_changed victim "$id"
  wait_for pid_changed victim "$pid"
  logged victim "program $pid ended: signal:SIGKILL"
  ctl stop victim
}

@test "a signal message reaches the program" {
  ctl exec --name hup -- sh -c 'trap "echo got-hup" HUP; echo ready; while :; do sleep 0.05; done' >/dev/null
  wait_for logged hup ready
  ctl send hup '{"signal":"HUP"}'
  wait_for logged hup got-hup
  run ctl call hup '{"signal":1}'
  json_assert '.running == true' "$output"
  ctl stop hup
}

@test "stop: a program that ignores the stop signal is killed after --stop-timeout" {
  ctl exec --name stubborn --stop-timeout 300 -- sh -c 'trap "echo ignored-term" TERM; echo ready; while :; do sleep 0.05; done' >/dev/null
  wait_for logged stubborn ready
  pid=$(pid_of stubborn)
  ctl stop stubborn
  gone "$pid"
  logged stubborn ignored-term
  logged stubborn "still running 300 ms after SIGTERM: sending SIGKILL"
  logged stubborn "program $pid ended: signal:SIGKILL"
}

@test "stop: a stop timeout longer than the supervisor's default is waited for" {
  ctl exec --name slow --stop-timeout 9000 -- sh -c 'trap "echo term; sleep 5.5; echo done; exit 0" TERM; echo ready; while :; do sleep 0.05; done' >/dev/null
  wait_for logged slow ready
  pid=$(pid_of slow)
  ctl stop slow
  gone "$pid"
  logged slow done
  logged slow "program $pid ended: normal"
  ! log_lines slow | grep -q SIGKILL
}

@test "kill without a reason: the program is killed at once and reaped" {
  ctl exec --name doomed --restart temporary -- sh -c 'trap "" TERM; echo ready; while :; do sleep 0.05; done' >/dev/null
  wait_for logged doomed ready
  pid=$(pid_of doomed)
  ctl kill doomed
  wait_for gone "$pid"
  wait_for no_zombies
  logged doomed "program $pid ended: signal:SIGKILL"
}

@test "stop: --stop-signal is what the program gets first" {
  ctl exec --name intr --stop-signal INT -- sh -c 'trap "echo got-int; exit 0" INT; echo ready; while :; do sleep 0.05; done' >/dev/null
  wait_for logged intr ready
  json_assert '.data.stop_signal == "SIGINT"' "$(ctl -o json inspect intr)"
  ctl stop intr
  logged intr got-int
}

@test "stop reaches the whole process group" {
  ctl exec --name family -- sh -c 'sleep 1000 & echo "child:$!"; wait' >/dev/null
  wait_for eval 'log_lines family | grep -q "^child:"'
  child=$(log_lines family | sed -n 's/^child://p')
  pid=$(pid_of family)
  _pid_alive "$child"
  ctl stop family
  gone "$pid"
  wait_for gone "$child"
}

@test "what a program leaves in its group goes when it exits" {
  ctl exec --name leaver --restart temporary -- sh -c 'sleep 1000 & echo "child:$!"; read x' >/dev/null
  wait_for eval 'log_lines leaver | grep -q "^child:"'
  child=$(log_lines leaver | sed -n 's/^child://p')
  ctl send leaver '"go"'
  wait_for gone "$child"
  wait_for eval '! ctl whereis leaver'
}

@test "no zombies after many restarts" {
  ctl spawn supervisor --name zsup --args '{"intensity":1000,"period_ms":1000,"children":[{"plugin":"exec","name":"blink","args":{"argv":["true"]}}]}' >/dev/null
  # Each restart starts a launcher (actord itself): slow under the
  # sanitizers, so the count gets time; the point is what is left after.
  wait_for -t 90 eval "ctl -o json ps | jq -e 'any(.[]; .name == \"blink\" and .restarts >= 30)' >/dev/null"
  ctl stop zsup
  wait_for no_zombies
  # And nothing of them is left at all.
  ! ps --ppid "$(_daemon_pid)" -o args= | grep -q '^true'
}

@test "env, cwd and PATH lookup" {
  ctl exec --name envy --restart temporary --env GREETING=hi --cwd /tmp -- sh -c 'echo "greeting=$GREETING"; echo "cwd=$(pwd)"' >/dev/null
  wait_for logged envy cwd=/tmp
  logged envy greeting=hi
  # argv[0] was found in PATH, as execvp finds it.
  log_lines envy | grep -Eq '^started /([a-z]+/)*sh \(pid [0-9]+\)$'
  # A relative name is relative to the program's working directory, and so
  # is an empty element of its PATH.
  mkdir "$BATS_TEST_TMPDIR/bin"
  printf '#!/bin/sh\necho "mine:$1"\n' >"$BATS_TEST_TMPDIR/bin/mine"
  chmod +x "$BATS_TEST_TMPDIR/bin/mine"
  ctl exec --name rel --restart temporary --cwd "$BATS_TEST_TMPDIR/bin" -- ./mine a >/dev/null
  wait_for logged rel mine:a
  ctl exec --name dot --restart temporary --cwd "$BATS_TEST_TMPDIR/bin" --env PATH=/usr/bin::/bin -- mine b >/dev/null
  wait_for logged dot mine:b
}

@test "a program that cannot be run: exit 1 and one clear line" {
  run ctl exec -- no-such-program-here
  [ "$status" -eq 1 ]
  [[ "$output" == *'exec: cannot run "no-such-program-here": no such file or directory'* ]]
  [ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
  run ctl exec -- /etc/passwd
  [ "$status" -eq 1 ]
  [[ "$output" == *'exec: cannot run "/etc/passwd": permission denied'* ]]
  run ctl exec --cwd /no/such/dir -- true
  [ "$status" -eq 1 ]
  [[ "$output" == *'cwd: "/no/such/dir": no such file or directory'* ]]
}

@test "bad args: exit 1 naming the field" {
  run ctl spawn exec --args '{"argv":"ls"}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'argv: expected a non-empty array of strings'* ]]
  run ctl spawn exec --args '{"argv":[]}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'argv: expected a non-empty array of strings'* ]]
  run ctl spawn exec --args '{"argv":["ls",1]}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'argv[1]: expected a string'* ]]
  run ctl spawn exec --args '{"argv":["ls"],"env":{"A":1}}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'env.A: expected a string'* ]]
  run ctl spawn exec --args '{"argv":["ls"],"stop_signal":"NOPE"}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'stop_signal: expected a signal name'* ]]
  run ctl spawn exec --args '{"argv":["ls"],"stop_timeout_ms":-1}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'stop_timeout_ms: expected milliseconds'* ]]
  run ctl spawn exec --args '{"argv":["ls"],"colour":"red"}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'args: unknown field "colour"'* ]]
  run ctl spawn exec
  [ "$status" -eq 1 ]
  [[ "$output" == *'args: expected an object with "argv"'* ]]
}

@test "a daemon shutdown stops the programs; the next start starts them again" {
  ctl exec --name keeper -- sh -c 'trap "exit 0" TERM; while :; do sleep 0.05; done' >/dev/null
  wait_for pid_of keeper
  pid=$(pid_of keeper)
  daemon_restart
  gone "$pid"
  wait_for pid_of keeper
  [ "$(pid_of keeper)" != "$pid" ]
  ctl stop keeper
}

# Last: it kills and restarts the daemon.
@test "kill -9 of actord leaves no program running; the restart starts it again" {
  ctl exec --name survivor -- sh -c 'sleep 1000 & echo "child:$!"; wait' >/dev/null
  wait_for eval 'log_lines survivor | grep -q "^child:"'
  child=$(log_lines survivor | sed -n 's/^child://p')
  pid=$(pid_of survivor)
  daemon_kill9
  wait_for gone "$pid"
  wait_for gone "$child"
  daemon_restart
  wait_for pid_of survivor
  new=$(pid_of survivor)
  [ "$new" != "$pid" ]
  _pid_alive "$new"
  ctl stop survivor
  wait_for gone "$new"
}
