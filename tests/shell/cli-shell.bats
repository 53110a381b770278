#!/usr/bin/env bats
# actorctl shell in a real terminal (tmux): typing, Tab completion of
# commands, options and live actor names, history from one run to the next, events
# printed above a half-typed line, Ctrl-C and Ctrl-D. The daemon is the
# stand-in of the client tests (tests/e2e/cli-fake-actord.py): it lists two
# actors, never answers actor.wait, and every actor.kill makes it send an
# exit event to subscribers, so what reaches the terminal is known exactly.

load ../e2e/helpers
load tmux

setup() {
  TEST_DIR=$(mktemp -d /tmp/actorctl-shell.XXXXXX)
  FSOCK=$TEST_DIR/fake.sock
  WIRE=$TEST_DIR/wire.log
  HIST=$TEST_DIR/history
  python3 "$BATS_TEST_DIRNAME/../e2e/cli-fake-actord.py" "$FSOCK" "$WIRE" \
    --result 'actor.list:[{"id":5,"name":"counter1","plugin":"counter"},{"id":6,"name":"echo2","plugin":"echo"}]' \
    --result 'plugin.list:[{"name":"counter","version":"1.0.0","path":"/p/counter.so","actors":1}]' \
    --emit-on actor.kill --silent actor.wait </dev/null >/dev/null 2>&1 3>&- &
  FAKE_PID=$!
  wait_for test -S "$FSOCK"
}

teardown() {
  tmux_stop
  kill "$FAKE_PID" 2>/dev/null || true
  wait "$FAKE_PID" 2>/dev/null || true
  rm -rf "$TEST_DIR"
}

shell_start() {
  tmux_start env ACTORCTL_HISTFILE="$HIST" "$@" "$ACTORCTL" -s "$FSOCK" shell
  tmux_wait_for '^actord@fake> ?$'
}

# The last line of the screen that is not blank.
last_line() {
  tmux_screen | grep -v '^ *$' | tail -n 1
}

@test "the prompt names the daemon; a typed command runs; Ctrl-D leaves with 0" {
  shell_start
  tmux_type 'whereis counter1'
  tmux_keys Enter
  wait_for grep -q '"method":"name.whereis","params":{"name":"counter1"}' "$WIRE"
  tmux_keys C-d
  tmux_wait_gone
  [ "$(tmux_exit_status)" = 0 ]
}

@test "a failing command reports and the shell goes on" {
  shell_start
  tmux_type 'frobnicate'
  tmux_keys Enter
  tmux_wait_for '^actorctl: unknown command: frobnicate$'
  tmux_wait_for '^actord@fake> ?$'
  tmux_type 'help whereis'
  tmux_keys Enter
  tmux_wait_for '^usage: actorctl whereis NAME$'
}

@test "Tab completes a command name" {
  shell_start
  tmux_type 'insp'
  tmux_keys Tab
  tmux_wait_for '^actord@fake> inspect ?$'
}

@test "Tab completes a live actor name and an option" {
  shell_start
  tmux_type 'inspect cou'
  tmux_keys Tab
  tmux_wait_for '^actord@fake> inspect counter1 ?$'
  grep -q '"method":"actor.list"' "$WIRE"
  tmux_keys C-u
  tmux_type 'spawn co'
  tmux_keys Tab
  tmux_wait_for '^actord@fake> spawn counter ?$'
  tmux_type '--na'
  tmux_keys Tab
  tmux_wait_for '^actord@fake> spawn counter --name ?$'
  tmux_keys C-u
  tmux_type 'spawn counter --restart tra'
  tmux_keys Tab
  tmux_wait_for '^actord@fake> spawn counter --restart transient ?$'
}

@test "history recalls a line of an earlier run" {
  shell_start
  tmux_type 'whereis echo2'
  tmux_keys Enter
  tmux_wait_for '^actord@fake> ?$'
  tmux_keys C-d
  tmux_wait_gone
  grep -qx 'whereis echo2' "$HIST"
  tmux_stop
  shell_start
  tmux_keys Up
  tmux_wait_for '^actord@fake> whereis echo2$'
}

@test "history goes to XDG_STATE_HOME/actorctl/history when ACTORCTL_HISTFILE is unset" {
  tmux_start env -u ACTORCTL_HISTFILE XDG_STATE_HOME="$TEST_DIR/state" \
    "$ACTORCTL" -s "$FSOCK" shell
  tmux_wait_for '^actord@fake> ?$'
  tmux_type 'stats'
  tmux_keys Enter
  tmux_wait_for '^actord@fake> ?$'
  tmux_keys C-d
  tmux_wait_gone
  grep -qx stats "$TEST_DIR/state/actorctl/history"
}

@test "an event prints above a half-typed line, which stays intact" {
  shell_start
  tmux_type 'events'
  tmux_keys Enter
  tmux_wait_for "^following events in the background; 'events off' stops$"
  tmux_wait_for '^actord@fake> ?$'
  # JSON needs no quoting in the shell.
  tmux_type 'send echo2 {"half": '
  tmux_wait_for '^actord@fake> send echo2 \{"half": ?$'
  "$ACTORCTL" -s "$FSOCK" kill c7
  tmux_wait_for '^2026-11-21T19:44:13.123Z exit id=5 name=c7 plugin=echo reason=killed$'
  [ "$(last_line)" = 'actord@fake> send echo2 {"half":' ]
  tmux_type '1}'
  tmux_keys Enter
  wait_for grep -q '"method":"actor.send","params":{"target":"echo2","message":{"half":1}}' "$WIRE"
  tmux_type 'events off'
  tmux_keys Enter
  tmux_wait_for '^stopped following events$'
}

@test "Ctrl-C drops the line being typed and the shell goes on" {
  shell_start
  tmux_type 'kill counter1'
  tmux_keys C-c
  tmux_wait_for '^actord@fake> ?$'
  tmux_type 'whereis counter1'
  tmux_keys Enter
  wait_for grep -q '"method":"name.whereis"' "$WIRE"
  ! grep -q '"method":"actor.kill"' "$WIRE"
}

@test "bare actorctl on a terminal is the shell" {
  tmux_start env ACTORCTL_HISTFILE="$HIST" "$ACTORCTL" -s "$FSOCK"
  tmux_wait_for '^actord@fake> ?$'
  tmux_keys C-d
  tmux_wait_gone
  [ "$(tmux_exit_status)" = 0 ]
}

@test "Ctrl-C interrupts a command that waits, and the shell goes on" {
  shell_start
  tmux_type 'wait counter1'
  tmux_keys Enter
  wait_for grep -q '"method":"actor.wait"' "$WIRE"
  tmux_keys C-c
  tmux_wait_for 'actorctl: wait: interrupted$'
  tmux_wait_for '^actord@fake> ?$'
  tmux_type 'whereis counter1'
  tmux_keys Enter
  wait_for grep -q '"method":"name.whereis"' "$WIRE"
}

@test "a line that does not split is reported, not run" {
  shell_start
  tmux_type "kill 'counter1"
  tmux_keys Enter
  tmux_wait_for "^actorctl: unterminated quote in 'kill 'counter1'$"
  ! grep -q '"method":"actor.kill"' "$WIRE"
}

@test "lines typed ahead while a command runs are run next, shown once" {
  shell_start
  # The stand-in never answers wait: -t ends it, after the typing below.
  tmux_type 'wait counter1 -t 2000'
  tmux_keys Enter
  wait_for grep -q '"method":"actor.wait"' "$WIRE"
  tmux_type 'whereis echo2'
  tmux_keys Enter
  tmux_wait_for '^actorctl: wait: timed out after 2000 ms$'
  wait_for grep -q '"method":"name.whereis","params":{"name":"echo2"}' "$WIRE"
  tmux_wait_for '^actord@fake> whereis echo2$'
  [ "$(tmux_screen | grep -c 'whereis echo2')" -eq 1 ]
}
