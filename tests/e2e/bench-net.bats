#!/usr/bin/env bats
# tests/bench/net.sh, the network benchmark driver: what it does before it
# measures anything. Bad settings fail at once with one line naming the
# setting; a missing client or server is skipped with one line saying so.
# Nothing here starts a server or measures a figure (benchmarks are not
# tests): the cases are chosen so that the driver stops before that.

setup() {
  REPO_ROOT=$(cd "$BATS_TEST_DIRNAME/../.." && pwd)
  BUILD=${BUILD:-$REPO_ROOT/build}
  case $BUILD in /*) ;; *) BUILD=$REPO_ROOT/$BUILD ;; esac
  # A PATH of the tools the driver runs before its first workload, without
  # wrk and nginx.
  TOOLS=$BATS_TEST_TMPDIR/tools
  mkdir -p "$TOOLS"
  local t
  for t in sh dirname mktemp rm sleep cat; do
    ln -s "$(command -v "$t")" "$TOOLS/$t"
  done
  # A BIN-DIR with the daemon and the CLI but not the echo client.
  BINDIR=$BATS_TEST_TMPDIR/build/bin
  mkdir -p "$BINDIR"
  ln -s "$BUILD/bin/actord" "$BINDIR/actord"
  ln -s "$BUILD/bin/actorctl" "$BINDIR/actorctl"
}

net() {
  run env -i PATH="$TOOLS" "$@" "$TOOLS/sh" "$REPO_ROOT/tests/bench/net.sh" \
    "$BINDIR" "$BATS_TEST_TMPDIR/peers"
}

@test "no arguments: the usage line, and failure" {
  run sh "$REPO_ROOT/tests/bench/net.sh"
  [ "$status" -ne 0 ]
  [[ $output == *"usage: net.sh BIN-DIR PEER-DIR"* ]]
}

@test "BENCH_RUNS that is not a positive integer is named and refused" {
  for v in abc 0 -1 2.5; do
    net BENCH_RUNS="$v"
    [ "$status" -eq 2 ]
    [ "$output" = "net bench: BENCH_RUNS must be a positive integer: $v" ]
  done
}

@test "NET_SECONDS and NET_WRK_CONNS are checked the same way" {
  net NET_SECONDS=5s
  [ "$status" -eq 2 ]
  [ "$output" = "net bench: NET_SECONDS must be a positive integer: 5s" ]
  net NET_WRK_CONNS=many
  [ "$status" -eq 2 ]
  [ "$output" = "net bench: NET_WRK_CONNS must be a positive integer: many" ]
}

@test "NET_ECHO_BYTES takes a K, M or G suffix and nothing else" {
  for v in 12X 1MM M 0 012; do
    net NET_ECHO_BYTES="$v"
    [ "$status" -eq 2 ]
    [[ $output == "net bench: NET_ECHO_BYTES must be a positive integer"*": $v" ]]
  done
}

@test "a BIN-DIR that does not exist is named and refused" {
  run env -i PATH="$TOOLS" "$TOOLS/sh" "$REPO_ROOT/tests/bench/net.sh" \
    "$BATS_TEST_TMPDIR/nowhere" "$BATS_TEST_TMPDIR/peers"
  [ "$status" -eq 2 ]
  [ "$output" = "net bench: BIN-DIR is not a directory: $BATS_TEST_TMPDIR/nowhere" ]
}

@test "without actord: one skip line, and success" {
  rm "$BINDIR/actord"
  net
  [ "$status" -eq 0 ]
  [ "$output" = "net bench: all: skipped (actord or actorctl not built)" ]
}

@test "without wrk and the echo client: each workload skipped with its reason" {
  net
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "net bench: http_hello: skipped (wrk not found; apt-get install wrk)" ]
  [ "${lines[1]}" = "net bench: tcp_echo: skipped ($BINDIR/echo-client not built)" ]
  [ "${#lines[@]}" -eq 2 ]
}
