#!/usr/bin/env bats
# What the control socket does with bad input: every error names what was
# wrong, and nothing a client sends disturbs the daemon or other clients.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

req() {
  printf '{"jsonrpc":"2.0","id":%s,"method":"%s","params":%s}' "$1" "$2" "${3:-{\}}"
}

# err_is REPLY CODE [KIND]: the reply is an error with that code (and kind).
err_is() {
  json_assert ".error.code == $2" "$1" || return 1
  if [ -n "${3:-}" ]; then json_assert ".error.data.kind == \"$3\"" "$1"; fi
}

@test "a line that is not JSON is a parse error with id null" {
  run rpc_raw '{"jsonrpc":"2.0","id":1,'
  [ "$status" -eq 0 ]
  err_is "$output" -32700
  json_assert '.id == null' "$output"
}

@test "JSON that is not an object is an invalid request, not a parse error" {
  run rpc_raw '42'
  err_is "$output" -32600
  json_assert '.error.message | test("expected a JSON object, got 42")' "$output"
  run rpc_raw '[1]'
  err_is "$output" -32600
  json_assert '.error.message | test("got an array")' "$output"
}

@test "a request without a method, or with a bad id, is an invalid request" {
  run rpc_raw '{"jsonrpc":"2.0","id":3}'
  err_is "$output" -32600
  json_assert '.id == 3 and (.error.message | test("method"))' "$output"
  run rpc_raw '{"jsonrpc":"2.0","id":{"a":1},"method":"hello"}'
  err_is "$output" -32600
  json_assert '.error.message | test("id")' "$output"
  run rpc_raw '{"jsonrpc":"1.0","id":4,"method":"hello"}'
  err_is "$output" -32600
  json_assert '.error.message | test("jsonrpc")' "$output"
}

@test "an unknown method is -32601 and names the method" {
  run rpc_raw "$(req 5 no.such)"
  err_is "$output" -32601
  json_assert '.id == 5 and (.error.message | test("no.such"))' "$output"
}

@test "params that are not an object are invalid params" {
  run rpc_raw '{"jsonrpc":"2.0","id":6,"method":"hello","params":[1]}'
  err_is "$output" -32602 invalid
}

@test "missing fields are named" {
  run rpc_raw "$(req 7 actor.send '{"message":1}')"
  err_is "$output" -32602 invalid
  json_assert '.error.message | test("^target: missing")' "$output"
  run rpc_raw "$(req 8 actor.spawn)"
  err_is "$output" -32602 invalid
  json_assert '.error.message | test("^plugin: missing")' "$output"
  run rpc_raw "$(req 9 actor.call '{"target":"x"}')"
  [ "$status" -eq 0 ]
  json_assert '.error != null' "$output"
}

@test "wrong types are named with what was given" {
  run rpc_raw "$(req 10 actor.send '{"target":true,"message":1}')"
  err_is "$output" -32602 invalid
  json_assert '.error.message == "target: expected an id or a name, got true"' "$output"
  run rpc_raw "$(req 11 actor.spawn '{"plugin":5}')"
  err_is "$output" -32602 invalid
  json_assert '.error.message == "plugin: expected a string, got 5"' "$output"
  run rpc_raw "$(req 12 actor.spawn '{"plugin":"counter","restart":"sometimes"}')"
  err_is "$output" -32602 invalid
  json_assert '.error.message | test("restart")' "$output"
  run rpc_raw "$(req 13 actor.call '{"target":1,"message":1,"timeout_ms":"soon"}')"
  err_is "$output" -32602 invalid
  json_assert '.error.message | test("timeout_ms")' "$output"
  run rpc_raw "$(req 14 actor.spawn '{"plugin":"counter","mailbox":"lots"}')"
  err_is "$output" -32602 invalid
  json_assert '.error.message | test("mailbox")' "$output"
  run rpc_raw "$(req 15 name.register '{"name":"9lives","target":1}')"
  err_is "$output" -32602 invalid
  json_assert '.error.message | test("9lives")' "$output"
}

@test "unknown actors and plugins are not_found" {
  run rpc_raw "$(req 16 actor.call '{"target":"c9","message":{}}')"
  err_is "$output" -32000 not_found
  json_assert '.error.message == "no actor named \"c9\""' "$output"
  run rpc_raw "$(req 17 actor.kill '{"target":987654}')"
  err_is "$output" -32000 not_found
  run rpc_raw "$(req 18 actor.spawn '{"plugin":"nope"}')"
  err_is "$output" -32000 not_found
  json_assert '.error.message == "no plugin named \"nope\""' "$output"
  run rpc_raw "$(req 19 name.whereis '{"name":"nobody"}')"
  err_is "$output" -32000 not_found
}

@test "a name that is taken is refused with kind exists" {
  run rpc actor.spawn '{"plugin":"counter","name":"clash"}'
  [ "$status" -eq 0 ]
  run rpc actor.spawn '{"plugin":"counter","name":"clash"}'
  [ "$status" -eq 1 ]
  err_is "$output" -32000 exists
  json_assert '.error.message | test("clash")' "$output"
}

@test "isolate that is not a boolean is refused naming the field" {
  run rpc actor.spawn '{"plugin":"counter","isolate":1}'
  [ "$status" -eq 1 ]
  err_is "$output" -32602 invalid
  json_assert '.error.message == "isolate: expected true or false, got 1"' "$output"
}

@test "a sup that is not a supervisor is refused" {
  run rpc actor.spawn '{"plugin":"counter","name":"notsup"}'
  [ "$status" -eq 0 ]
  run rpc actor.spawn '{"plugin":"counter","sup":"notsup"}'
  [ "$status" -eq 1 ]
  err_is "$output" -32602 invalid
  json_assert '.error.message | test("not a supervisor")' "$output"
}

@test "pipelined requests are answered with their ids" {
  lines=$(printf '%s\n%s\n%s\n%s' "$(req 101 hello)" "$(req 102 no.such)" \
    "$(req '"s-103"' methods.list)" "$(req 104 stats)")
  run rpc_raw "$lines" 4
  [ "$status" -eq 0 ]
  ids=$(printf '%s\n' "$output" | jq -c '.id' | sort | tr '\n' ' ')
  [ "$ids" = '"s-103" 101 102 104 ' ]
}

@test "a request without an id is a notification and gets no reply" {
  lines=$(printf '%s\n%s' '{"jsonrpc":"2.0","method":"hello"}' "$(req 201 hello)")
  run rpc_raw "$lines" 1
  [ "$status" -eq 0 ]
  json_assert '.id == 201' "$output"
}

@test "an oversize request gets an error and the connection is closed" {
  big=$BATS_TEST_TMPDIR/big
  python3 -c 'import sys; sys.stdout.write("{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hello\",\"params\":{\"x\":\"" + "a" * 1100000 + "\"}}\n")' >"$big"
  # socat stops when the daemon closes; -t bounds the wait otherwise.
  run timeout 20 socat -t 15 - "UNIX-CONNECT:$SOCK" <"$big"
  [ "$status" -eq 0 ]
  [ "$(printf '%s\n' "$output" | wc -l)" -eq 1 ]
  err_is "$output" -32600
  json_assert '.error.message | test("too large")' "$output"
  run rpc hello
  [ "$status" -eq 0 ]
}

@test "half a line then a disconnect leaves the daemon serving" {
  run bash -c "printf '{\"jsonrpc\":\"2.0\",\"id\":1,\"meth' | socat -t 1 - UNIX-CONNECT:$SOCK"
  [ -z "$output" ]
  run rpc hello
  [ "$status" -eq 0 ]
}

@test "a client that never reads is disconnected, and others are served" {
  run timeout 60 python3 - "$SOCK" <<'PY'
import socket, sys
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
req = b'{"jsonrpc":"2.0","id":1,"method":"methods.list","params":{"summary":true}}\n' * 200
s.settimeout(30)
try:
    while True:
        s.sendall(req)
except (BrokenPipeError, ConnectionResetError):
    print("disconnected")
except socket.timeout:
    print("still connected")
PY
  [ "$output" = disconnected ]
  grep -q "does not read its replies" "$LOG"
  run rpc hello
  [ "$status" -eq 0 ]
}

@test "200 clients at once are all served" {
  run timeout 60 python3 - "$SOCK" <<'PY'
import socket, sys, json
socks = []
for i in range(200):
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    socks.append(s)
for i, s in enumerate(socks):
    s.sendall(('{"jsonrpc":"2.0","id":%d,"method":"hello"}\n' % i).encode())
ok = 0
for i, s in enumerate(socks):
    s.settimeout(20)
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            break
        buf += chunk
    r = json.loads(buf)
    if r.get("id") == i and "result" in r:
        ok += 1
print(ok)
PY
  [ "$output" = 200 ]
  run rpc stats
  [ "$status" -eq 0 ]
}

@test "clients that leave at once, or with requests in flight, leave nothing behind" {
  run timeout 60 python3 - "$SOCK" <<'PY'
import socket, sys
path = sys.argv[1]
for i in range(100):
    s = socket.socket(socket.AF_UNIX); s.connect(path); s.close()
for i in range(50):
    s = socket.socket(socket.AF_UNIX); s.connect(path)
    s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"actor.list"}\n'
              b'{"jsonrpc":"2.0","id":2,"method":"actor.tree"}\n'
              b'{"jsonrpc":"2.0","id":3,"method":"events.subscribe"}\n'
              b'{"jsonrpc":"2.0","id":4,"method":"logs.read","params":{"follow":true}}\n'
              b'{"jsonrpc":"2.0","id":5,"method":"actor.wait","params":{"target":1}}\n')
    s.close()
print("done")
PY
  [ "$output" = done ]
  clients_back() { rpc stats | jq -e '.result.clients == 1' >/dev/null; }
  wait_for clients_back
}

@test "random bytes, deep nesting and odd values are answered or dropped, never fatal" {
  run timeout 60 python3 - "$SOCK" <<'PY'
import json, random, socket, sys
random.seed(7)
lines = [b"\xff\xfe\n", b"{\"a\":\"\xc3\x28\"}\n", b"[" * 5000 + b"\n",
         b'{"jsonrpc":"2.0","id":1e999,"method":"hello"}\n',
         b'{"jsonrpc":"2.0","id":1,"method":"actor.send","params":{"target":1e30,"message":1}}\n',
         b'{"jsonrpc":"2.0","id":2,"method":"actor.spawn","params":{"plugin":"counter","name":"' + b"n" * 200 + b'"}}\n',
         b'{"jsonrpc":"2.0","id":3,"method":"logs.read","params":{"lines":99999999999999999999}}\n',
         b'{"jsonrpc":"2.0","id":4,"method":"actor.kill","params":{"target":-5}}\n',
         b'\n\r\n   \n']
for i in range(300):
    lines.append(bytes(random.randrange(256) for _ in range(random.randrange(1, 200))).replace(b"\n", b"") + b"\n")
s = socket.socket(socket.AF_UNIX)
s.connect(sys.argv[1])
s.sendall(b"".join(lines))
s.sendall(b'{"jsonrpc":"2.0","id":"last","method":"hello"}\n')
f = s.makefile("rb")
while True:
    l = f.readline()
    if not l:
        print("closed early")
        break
    r = json.loads(l)
    if r.get("id") == "last":
        print("ok")
        break
PY
  [ "$output" = ok ]
  run rpc hello
  [ "$status" -eq 0 ]
}
