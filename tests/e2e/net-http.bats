#!/usr/bin/env bats
# http_hello end to end, with Python's http.client and raw requests:
# keep-alive, pipelining, requests in pieces, HTTP/1.0, bodies skipped,
# 400, 431 and 501, the body argument, and the counters of stats.

bats_require_minimum_version 1.5.0
load helpers

CLIENT=$BATS_TEST_DIRNAME/net-client.py

setup_file() {
  daemon_start
  ctl spawn http_hello --name web --args '{"port":0}' >/dev/null
  PORT=$(ctl -o json inspect web | jq -r .data.port)
  export PORT
}
teardown_file() { daemon_stop; }

# raw COUNT REQUEST: net-client.py raw on the shared listener.
raw() { python3 "$CLIENT" raw 127.0.0.1 "$PORT" "$@"; }

# The ids of the http_hello actors under the listener web (its connections).
conns() {
  ctl -o json tree | jq -r '
    .. | objects | select(.name == "web") | .children // [] | .[]
       | .. | objects | select(.plugin == "http_hello") | .id'
}
conn_count() { [ "$(conns | wc -l)" -eq "$1" ]; }

# A connection is held back: its socket's queue has reached the write bound
# (1 MiB), so the runtime reads no more of its requests. Answers refused
# and kept by http_hello (.data.held) are not the test: when the bound is
# reached on an answer the socket accepted, none is refused, and none is
# kept, until the client reads.
holding() {
  [ "$(ctl -o json inspect "$1" | jq '.sockets[0].queued // 0')" -ge 1048576 ]
}

# The listener's count of open connections is N.
listener_open() { [ "$(ctl -o json inspect web | jq .data.connections)" -eq "$1" ]; }

@test "http_hello: keep-alive, several requests on one connection (http.client)" {
  run python3 "$CLIENT" http 127.0.0.1 "$PORT" 1.1 5
  [ "$status" -eq 0 ]
  [ "$output" = "200 14 -
200 14 -
200 14 -
200 14 -
200 14 -
connections 1" ]
}

@test "http_hello: the answer's head and body" {
  run raw 1 'GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
  [ "$status" -eq 0 ]
  [ "$output" = "200 close Hello, World!
peer closed" ]
  # The exact bytes: the head the manual promises, then the body.
  printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\nConnection: close\r\n\r\nHello, World!\n' \
    >"$BATS_TEST_TMPDIR/want"
  printf 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n' |
    socat -t 30 -T 30 - "TCP:127.0.0.1:$PORT" >"$BATS_TEST_TMPDIR/got"
  cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "http_hello: HEAD gets the head alone" {
  printf 'HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: 14\r\nConnection: close\r\n\r\n' \
    >"$BATS_TEST_TMPDIR/want"
  printf 'HEAD / HTTP/1.1\r\nConnection: close\r\n\r\n' |
    socat -t 30 -T 30 - "TCP:127.0.0.1:$PORT" >"$BATS_TEST_TMPDIR/got"
  cmp "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/got"
}

@test "http_hello: pipelined requests in one write are answered in order" {
  run raw 3 'GET /a HTTP/1.1\r\nHost: x\r\n\r\nGET /b HTTP/1.1\r\nHost: x\r\n\r\nGET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n'
  [ "$status" -eq 0 ]
  [ "$output" = "200 - Hello, World!
200 - Hello, World!
200 close Hello, World!
peer closed" ]
}

# late_reader MODE: net-client.py MODE (pipeline, paced) sends 200,000
# requests and reads nothing until the connection is held back; then it
# must get every answer.
late_reader() {
  local rel=$BATS_TEST_TMPDIR/release out=$BATS_TEST_TMPDIR/out id
  wait_for -t 60 conn_count 0
  python3 "$CLIENT" "$1" 127.0.0.1 "$PORT" 200000 "$rel" >"$out" 3>&- &
  local client=$!
  wait_for -t 60 conn_count 1
  id=$(conns)
  # Its answers fill the queue: the connection stops reading until they go.
  wait_for -t 120 holding "$id"
  touch "$rel"
  wait "$client" || { cat "$out"; false; }
  grep -qx "answered 200000" "$out"
}

@test "http_hello: a client that pipelines 200,000 requests and reads late gets every answer" {
  late_reader pipeline
}

@test "http_hello: a client that pipelines at its own pace and reads late gets every answer" {
  # The queue reaches its bound on an answer the socket accepted: the
  # runtime stops reading, and no request is left to be refused.
  late_reader paced
}

@test "http_hello: a request in pieces, and one split across two pipelined ones" {
  run raw 2 'GE|T / HTTP/1.1\r\nHo|st: x\r\n\r|\nGET / HTTP/1.1\r\nConnection: cl|ose\r\n\r\n'
  [ "$status" -eq 0 ]
  [ "$output" = "200 - Hello, World!
200 close Hello, World!
peer closed" ]
}

@test "http_hello: HTTP/1.0 closes unless asked to keep the connection" {
  run python3 "$CLIENT" http 127.0.0.1 "$PORT" 1.0 3
  [ "$status" -eq 0 ]
  [ "$output" = "200 14 close
connections 1" ]
  run raw 1 'GET / HTTP/1.0\r\n\r\n'
  [ "$output" = "200 close Hello, World!
peer closed" ]
  run raw 2 'GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET / HTTP/1.0\r\n\r\n'
  [ "$output" = "200 keep-alive Hello, World!
200 close Hello, World!
peer closed" ]
}

@test "http_hello: a body given by Content-Length is skipped" {
  run raw 2 'POST /form HTTP/1.1\r\nContent-Length: 11\r\n\r\nhello=world|GET / HTTP/1.1\r\nConnection: close\r\n\r\n'
  [ "$status" -eq 0 ]
  [ "$output" = "200 - Hello, World!
200 close Hello, World!
peer closed" ]
}

@test "http_hello: malformed requests get 400, long heads 431, chunked bodies 501; each closes" {
  run raw 2 'NOT A REQUEST\r\n\r\nGET / HTTP/1.1\r\n\r\n'
  [ "$output" = "400 close bad request
peer closed" ]
  run raw 1 'GET / HTTP/1.1\r\nNo colon here\r\n\r\n'
  [ "$output" = "400 close bad request
peer closed" ]
  run raw 1 'GET / HTTP/1.1\r\nContent-Length: ten\r\n\r\n'
  [ "$output" = "400 close bad request
peer closed" ]
  run raw 1 big-head
  [ "$output" = "431 close request header fields too large
peer closed" ]
  run raw 1 'POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n'
  [ "$output" = "501 close transfer encodings are not handled
peer closed" ]
  # The listener serves on.
  run python3 "$CLIENT" http 127.0.0.1 "$PORT" 1.1 1
  [ "${lines[0]}" = "200 14 -" ]
}

@test "http_hello: the body argument; bad args are one-line errors naming the field" {
  ctl spawn http_hello --name web_body --args '{"port":0,"body":"hi\n"}' >/dev/null
  local port
  port=$(ctl -o json inspect web_body | jq -r .data.port)
  run python3 "$CLIENT" raw 127.0.0.1 "$port" 1 'GET / HTTP/1.1\r\nConnection: close\r\n\r\n'
  [ "$output" = "200 close hi
peer closed" ]
  ctl stop web_body
  run ctl spawn http_hello --args '{"port":0,"body":5}'
  [ "$status" -eq 1 ]
  [[ "$output" == *"body: expected a string of at most 1048576 bytes, got 5"* ]]
  run ctl spawn http_hello --args '{"port":0,"size":5}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'args: unknown field "size" (expected address, port, body)'* ]]
  run ctl spawn http_hello --args "{\"port\":$PORT}"
  [ "$status" -eq 1 ]
  [[ "$output" == *"listen 127.0.0.1:$PORT: address already in use"* ]]
  [ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
}

@test "http_hello: stats and the listener count connections" {
  local a0
  a0=$(ctl -o json stats | jq .accepted)
  run python3 "$CLIENT" http 127.0.0.1 "$PORT" 1.1 2
  [ "$status" -eq 0 ]
  run python3 "$CLIENT" http 127.0.0.1 "$PORT" 1.1 2
  [ "$status" -eq 0 ]
  [ "$(ctl -o json stats | jq .accepted)" -ge $((a0 + 2)) ]
  wait_for -t 30 listener_open 0
  run ctl -o json inspect web
  json_assert '.data.role == "listener" and .data.accepted >= 2 and .data.body_bytes == 14' "$output"
}
