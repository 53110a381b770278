#!/usr/bin/env bats
# mk/deps.sh, the dependency check every build starts with: silent when all
# is there; as root it installs what is missing with apt-get; otherwise it
# stops with the exact command to run. Driven with a PATH that lacks chosen
# tools and stand-ins for id and apt-get, so nothing is really installed.

setup() {
  REPO_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  BIN=$BATS_TEST_TMPDIR/bin
  mkdir -p "$BIN"
  local t
  # Everything deps.sh looks for or runs, taken from the real PATH.
  for t in sh pkg-config cc make bats tmux socat mandoc jq python3 ps id; do
    ln -s "$(command -v "$t")" "$BIN/$t"
  done
}

# without TOOL...: take tools out of the stand-in PATH.
without() {
  local t
  for t in "$@"; do rm -f "$BIN/$t"; done
}

# as_user UID: a stand-in id(1) that reports this uid.
as_user() {
  rm -f "$BIN/id"
  printf '#!/bin/sh\n[ "$1" = -u ] && echo %s\n' "$1" >"$BIN/id"
  chmod +x "$BIN/id"
}

# fake_apt STATUS: a stand-in apt-get that logs its arguments.
fake_apt() {
  printf '#!/bin/sh\necho "apt-get $*" >>"%s/apt.log"\nexit %s\n' \
    "$BATS_TEST_TMPDIR" "$1" >"$BIN/apt-get"
  chmod +x "$BIN/apt-get"
}

deps() {
  run env -i PATH="$BIN" "$BIN/sh" "$REPO_ROOT/mk/deps.sh"
}

@test "nothing missing: silent success" {
  deps
  [ "$status" -eq 0 ]
  [ -z "$output" ]
}

@test "not root: names what is missing and the exact command, and fails" {
  as_user 1000
  fake_apt 0
  without jq socat
  deps
  echo "$output"
  [ "$status" -eq 1 ]
  [[ "$output" == *"deps: missing: socat jq"* ]]
  [[ "$output" == *"deps: install them with: sudo apt-get install -y socat jq"* ]]
  [ ! -e "$BATS_TEST_TMPDIR/apt.log" ]
}

@test "root: installs what is missing with apt-get" {
  as_user 0
  fake_apt 0
  without mandoc python3 tmux
  deps
  echo "$output"
  [ "$status" -eq 0 ]
  [[ "$output" == *"deps: installing: tmux mandoc python3"* ]]
  grep -qx 'apt-get update -qq' "$BATS_TEST_TMPDIR/apt.log"
  grep -qx 'apt-get install -y -qq tmux mandoc python3' "$BATS_TEST_TMPDIR/apt.log"
}

@test "root: a failing apt-get fails the check with one line" {
  as_user 0
  fake_apt 100
  without bats
  deps
  [ "$status" -eq 1 ]
  [[ "$output" == *"deps: apt-get install failed: bats"* ]]
}

@test "a missing compiler or library is named by its Debian package" {
  as_user 1000
  without cc pkg-config
  deps
  [ "$status" -eq 1 ]
  # Without pkg-config the libraries cannot be found either.
  [[ "$output" == *"sudo apt-get install -y pkg-config libuv1-dev libjansson-dev gcc"* ]]
}
