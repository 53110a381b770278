#!/usr/bin/env bats
# How actorctl shows network data, against the stand-in daemon
# (cli-fake-actord.py) answering with chosen results: the sockets table of
# inspect, the array in -o json, and the network lines of stats.

bats_require_minimum_version 1.5.0
load helpers

setup() {
  TEST_DIR=$(mktemp -d /tmp/actorctl-net.XXXXXX)
  FSOCK=$TEST_DIR/fake.sock
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
  python3 "$BATS_TEST_DIRNAME/cli-fake-actord.py" "$FSOCK" "$TEST_DIR/wire.log" "$@" \
    </dev/null >/dev/null 2>&1 3>&- &
  FAKE_PID=$!
  wait_for test -S "$FSOCK"
}

INFO='{"id":7,"name":"web","plugin":"tcp_echo","status":"running","restart":"permanent",
  "sockets":[
    {"socket":3,"kind":"listener","local":"127.0.0.1:7000","peer":"","bytes_in":0,"bytes_out":0,"queued":0},
    {"socket":12,"kind":"tcp","local":"127.0.0.1:7000","peer":"127.0.0.1:51234","bytes_in":1048576,"bytes_out":1000,"queued":65536},
    {"socket":13,"kind":"unix","local":"unix:/tmp/x.sock","peer":"","bytes_in":5,"bytes_out":5,"queued":0}]}'

@test "inspect: the sockets as a table after the other fields" {
  fake --result "actor.info:$(printf '%s' "$INFO" | jq -c .)"
  run "$ACTORCTL" -s "$FSOCK" inspect web
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "id: 7" ]
  [ "${lines[4]}" = "restart: permanent" ]
  [ "${lines[5]}" = "sockets:" ]
  # Columns padded to the widest cell, two spaces apart, indented by two.
  [ "${lines[6]}" = "  SOCKET  KIND      LOCAL             PEER             IN       OUT   QUEUED" ]
  [ "${lines[7]}" = "  3       listener  127.0.0.1:7000                     0        0     0" ]
  [ "${lines[8]}" = "  12      tcp       127.0.0.1:7000    127.0.0.1:51234  1048576  1000  65536" ]
  [ "${lines[9]}" = "  13      unix      unix:/tmp/x.sock                   5        5     0" ]
  [ "${#lines[@]}" -eq 10 ]
}

@test "inspect -o json: the sockets array as the daemon sent it" {
  fake --result "actor.info:$(printf '%s' "$INFO" | jq -c .)"
  run "$ACTORCTL" -s "$FSOCK" -o json inspect web
  [ "$status" -eq 0 ]
  json_assert '.sockets | length == 3 and .[1].peer == "127.0.0.1:51234" and .[1].queued == 65536' "$output"
}

@test "inspect: no sockets is one line; an older daemon's answer without them prints as before" {
  fake --result 'actor.info:{"id":7,"links":[],"sockets":[]}'
  run "$ACTORCTL" -s "$FSOCK" inspect web
  [ "$output" = "id: 7
links: []
sockets: []" ]
  teardown
  setup
  fake --result 'actor.info:{"id":7,"links":[]}'
  run "$ACTORCTL" -s "$FSOCK" inspect web
  [ "$output" = "id: 7
links: []" ]
}

@test "stats: the network counters as key: value lines" {
  fake --result 'stats:{"actors":2,"uptime_ms":5000,"listeners":2,"connections":1000,"accepted":1234,"net_bytes_in":10,"net_bytes_out":20}'
  run "$ACTORCTL" -s "$FSOCK" stats
  [ "$status" -eq 0 ]
  [ "$output" = "actors: 2
uptime: 5s
listeners: 2
connections: 1000
accepted: 1234
net_bytes_in: 10
net_bytes_out: 20" ]
}

@test "daemon.stats has the network counters, zero with no sockets" {
  daemon_start
  run ctl -o json stats
  daemon_stop
  json_assert '.listeners == 0 and .connections == 0 and .accepted == 0
    and .net_bytes_in == 0 and .net_bytes_out == 0' "$output"
}
