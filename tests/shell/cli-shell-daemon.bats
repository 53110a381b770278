#!/usr/bin/env bats
# actorctl shell in a real terminal against a real daemon: completion of
# live actors and plugins, events and logs followed in the background while
# a line is typed or a command waits.

load ../e2e/helpers
load tmux

setup_file() {
  daemon_start
}

teardown_file() {
  daemon_stop
}

teardown() {
  tmux_stop
}

shell_start() {
  tmux_start env ACTORCTL_HISTFILE="$DAEMON_DIR/history" "$ACTORCTL" -s "$SOCK" shell
  tmux_wait_for '^actord@[^>]+> ?$'
}

@test "Tab completes live actor names and plugin names" {
  ctl spawn counter --name livecounter >/dev/null
  shell_start
  tmux_type 'inspect livec'
  tmux_keys Tab
  tmux_wait_for '> inspect livecounter ?$'
  tmux_keys Enter
  tmux_wait_for '^plugin: counter$'
  tmux_type 'spawn tick'
  tmux_keys Tab
  tmux_wait_for '> spawn ticker ?$'
}

@test "a spawn event prints above the half-typed line; the line stays" {
  ctl spawn counter --name evcounter >/dev/null
  shell_start
  tmux_type 'events'
  tmux_keys Enter
  tmux_wait_for "^following events in the background"
  tmux_type 'call evcounter {"get":'
  ctl spawn echo --name evshell --restart temporary >/dev/null
  tmux_wait_for '^[0-9T:.Z-]+ spawn id=[0-9]+ name=evshell plugin=echo'
  tmux_wait_for '> call evcounter \{"get":$'
  tmux_type ' true}'
  tmux_keys Enter
  tmux_wait_for '^\{"count":0\}$'
}

@test "events keep printing while a command waits; logs -f follows until logs off" {
  ctl spawn echo --name waited --restart temporary >/dev/null
  shell_start
  tmux_type 'events'
  tmux_keys Enter
  tmux_type 'logs waited -f -n 0'
  tmux_keys Enter
  tmux_wait_for "^following logs in the background"
  ctl send waited '"said-in-the-log"'
  tmux_wait_for 'waited\[[0-9]+\]: "said-in-the-log"$'
  tmux_type 'wait waited'
  tmux_keys Enter
  ctl kill waited
  tmux_wait_for '^[0-9T:.Z-]+ exit id=[0-9]+ name=waited plugin=echo reason=killed'
  tmux_wait_for '^killed$'
  tmux_type 'logs off'
  tmux_keys Enter
  tmux_wait_for '^stopped following logs$'
  tmux_keys C-d
  tmux_wait_gone
  [ "$(tmux_exit_status)" = 0 ]
}
