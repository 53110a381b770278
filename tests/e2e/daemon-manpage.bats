#!/usr/bin/env bats
# The EXAMPLES of actord(8) do what the page says.

bats_require_minimum_version 1.5.0
load helpers

MAN_PAGE=$REPO_ROOT/man/actord.8

# The literal block that follows the line $1 in EXAMPLES, roff escapes undone.
man_block() {
  sed -n '/^\.Sh EXAMPLES/,/^\.Sh SEE ALSO/p' "$MAN_PAGE" |
    sed -n "/^$1/,/^\.Ed/p" | sed '1,2d;$d' |
    sed -e 's/\\e/\\/g' -e 's/\\(dq/"/g' -e 's/\\-/-/g' -e 's/\\&//g'
}

actord() { "$ACTORD" "$@"; }
actorctl() { "$ACTORCTL" "$@"; }

gone() { ! kill -0 "$1" 2>/dev/null; }

setup() {
  export XDG_RUNTIME_DIR=$BATS_TEST_TMPDIR/run XDG_STATE_HOME=$BATS_TEST_TMPDIR/state
  mkdir -p -m 0700 "$XDG_RUNTIME_DIR"
  unset ACTORD_SOCKET
  SOCK=$XDG_RUNTIME_DIR/actord/control.sock
}

teardown() {
  local pid
  pid=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"daemon.status"}' |
    socat -t 2 - "UNIX-CONNECT:$SOCK" 2>/dev/null | jq -r '.result.pid // empty') || true
  if [ -n "$pid" ]; then
    kill -TERM "$pid"
    wait_for gone "$pid"
  fi
}

@test "start detached, use it at once, and talk to it by hand" {
  cmd=$(man_block 'Start detached' | sed -n 's/^\$ //p')
  [ -n "$cmd" ]
  run eval "$cmd"
  [ "$status" -eq 0 ]
  # stderr has the start-up lines; the id is the last line.
  [[ "${lines[-1]}" =~ ^[0-9]+$ ]]

  block=$(man_block 'Talk to it by hand')
  cmd=$(printf '%s\n' "$block" | sed -n '1s/^\$ //p;2p')
  expected=$(printf '%s\n' "$block" | sed -n '3p')
  run eval "$cmd"
  [ "$status" -eq 0 ]
  # The page elides the end of the reply with "...".
  [[ "$output" == "${expected%...*}"* ]]
}

@test "the configuration example names the daemon and starts its boot tree" {
  man_block 'A configuration file' >"$BATS_TEST_TMPDIR/config.json"
  jq -e . "$BATS_TEST_TMPDIR/config.json" >/dev/null
  actord -d -c "$BATS_TEST_TMPDIR/config.json" -L "$BATS_TEST_TMPDIR/log"
  run actorctl -o json whereis front
  [ "$status" -eq 0 ]
  reply=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"hello"}' | socat -t 2 - "UNIX-CONNECT:$SOCK")
  json_assert '.result.name == "web-1"' "$reply"
  reply=$(printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"actor.tree"}' | socat -t 2 - "UNIX-CONNECT:$SOCK")
  json_assert 'any(.result.children[]; .name == "web" and any(.children[]; .name == "front"))' "$reply"
}
