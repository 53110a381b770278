#!/usr/bin/env bats
# Hostile input on the control socket, beyond protocol-errors.bats: bad
# UTF-8, deep nesting, numbers out of range, wrong types in every field of
# every method, names at and past their limits, ids that never existed,
# requests at the size limit, slow and greedy clients, connection churn,
# plugin paths with .. and symlinks, NUL bytes and CR-LF. After each test the
# daemon still answers hello and the counter spawned first still counts.

bats_require_minimum_version 1.5.0
load helpers

HOSTILE=$BATS_TEST_DIRNAME/hostile-client.py

setup_file() {
  daemon_start
  ctl spawn counter --name keeper >/dev/null
  ctl send keeper '{"inc":7}'
}
teardown_file() { daemon_stop; }

# The daemon came through the test: hello, and the first actor answers.
teardown() {
  rpc hello >/dev/null
  run ctl call keeper '{"get":true}'
  [ "$status" -eq 0 ] && [ "$output" = '{"count":7}' ]
}

req() {
  printf '{"jsonrpc":"2.0","id":%s,"method":"%s","params":%s}' "$1" "$2" "${3:-{\}}"
}

# err_is REPLY CODE [KIND]
err_is() {
  json_assert ".error.code == $2" "$1" || return 1
  if [ -n "${3:-}" ]; then json_assert ".error.data.kind == \"$3\"" "$1"; fi
}

# send_bytes FORMAT...: printf the bytes to a new connection, half-close,
# print every reply.
send_bytes() {
  printf "$@" >"$BATS_TEST_TMPDIR/in"
  python3 "$HOSTILE" "$SOCK" send-file "$BATS_TEST_TMPDIR/in"
}

# ------------------------------------------------------------ bad UTF-8

# rss_bounded BEFORE AFTER LIMIT_KB: the daemon grew by less than LIMIT_KB.
# Under the sanitizers (SAN set, make asan) freed memory sits in ASan's
# quarantine, so RSS says nothing; LeakSanitizer checks leaks there instead
# when the daemon stops. The same under valgrind, whose memory RSS counts.
rss_bounded() {
  [ -n "${SAN:-}${VALGRIND:-}" ] && return 0
  [ $(($2 - $1)) -lt "$3" ]
}

@test "utf8: a raw 0xff in the method is a parse error" {
  run send_bytes '{"jsonrpc":"2.0","id":1,"method":"\xff"}\n'
  err_is "$output" -32700
  json_assert '.id == null and (.error.message | test("byte 0xff"))' "$output"
}

@test "utf8: a truncated sequence in a name is a parse error" {
  run send_bytes '{"jsonrpc":"2.0","id":1,"method":"name.whereis","params":{"name":"\xc3\x28"}}\n'
  err_is "$output" -32700
}

@test "utf8: an overlong encoding in a message is a parse error" {
  run send_bytes '{"jsonrpc":"2.0","id":1,"method":"actor.send","params":{"target":"keeper","message":"\xc0\xaf"}}\n'
  err_is "$output" -32700
}

@test "utf8: a UTF-16 surrogate written as bytes is a parse error" {
  run send_bytes '{"jsonrpc":"2.0","id":1,"method":"hello","params":{"x":"\xed\xa0\x80"}}\n'
  err_is "$output" -32700
}

@test "utf8: a lone \\ud800 escape is a parse error" {
  run rpc_raw '{"jsonrpc":"2.0","id":1,"method":"name.whereis","params":{"name":"\ud800"}}'
  err_is "$output" -32700
  json_assert '.error.message | test("Unicode")' "$output"
}

@test "utf8: an escaped NUL in a name is a parse error" {
  run rpc_raw '{"jsonrpc":"2.0","id":1,"method":"name.whereis","params":{"name":"a\u0000b"}}'
  err_is "$output" -32700
}

@test "utf8: valid multibyte text in a message is carried intact" {
  run ctl call keeper '{"get":true,"note":"h\u00e9llo \u2603 \ud83d\ude00"}'
  [ "$status" -eq 0 ]
  run ctl spawn echo --name utf8echo
  [ "$status" -eq 0 ]
  run ctl call utf8echo '"h\u00e9 \u2603 \ud83d\ude00"'
  [ "$status" -eq 0 ] && [ "$output" = '"hé ☃ 😀"' ]
  ctl stop utf8echo
}

@test "utf8: a name with non-ASCII letters is refused as invalid" {
  run rpc_raw "$(req 1 name.register '{"name":"n\u00e9","target":"keeper"}')"
  err_is "$output" -32602 invalid
}

@test "utf8: a parse error quoting bad bytes is still valid JSON" {
  # jansson quotes the input near the error, bytes and all; the reply
  # carries U+FFFD for what is not UTF-8 (found by the request fuzzer).
  run send_bytes '{"jsonrpc":"2.0","id":1,"method":"\\\xd2\x9c"}\n{"jsonrpc":"2.0","id":2,"method":"\xff\xfe\\q"}\n'
  [ "${#lines[@]}" -eq 2 ]
  err_is "${lines[0]}" -32700
  err_is "${lines[1]}" -32700
  printf '%s\n' "$output" | python3 -c 'import json, sys; [json.loads(l) for l in sys.stdin.buffer.read().decode("utf-8").splitlines()]'
}

# -------------------------------------------------------------- nesting

@test "nesting: 100000 [ are refused without recursing" {
  local line
  line=$(printf '%*s' 100000 '' | tr ' ' '[')
  run rpc_raw "$line"
  err_is "$output" -32700
  json_assert '.error.message | test("depth")' "$output"
}

@test "nesting: 100000 nested objects are refused" {
  local line
  line=$(printf '%*s' 100000 '' | sed 's/ /{"a":/g')
  run rpc_raw "$line"
  err_is "$output" -32700
}

@test "nesting: deep nesting inside params is refused" {
  local deep
  deep=$(printf '%*s' 50000 '' | tr ' ' '[')
  run rpc_raw "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"actor.send\",\"params\":{\"target\":\"keeper\",\"message\":$deep}}"
  err_is "$output" -32700
}

@test "nesting: a message nested 1000 deep is delivered and echoed" {
  local deep
  deep=$(printf '%*s' 1000 '' | tr ' ' '[')$(printf '%*s' 1000 '' | tr ' ' ']')
  run ctl spawn echo --name deepecho
  [ "$status" -eq 0 ]
  run ctl call deepecho "$deep"
  [ "$status" -eq 0 ] && [ "$output" = "$deep" ]
  ctl stop deepecho
}

# --------------------------------------------------------------- numbers

@test "ids: 1e400 overflows and is a parse error" {
  run rpc_raw '{"jsonrpc":"2.0","id":1e400,"method":"hello"}'
  err_is "$output" -32700
  json_assert '.error.message | test("overflow")' "$output"
}

@test "ids: 18446744073709551616 is too big and a parse error" {
  run rpc_raw '{"jsonrpc":"2.0","id":18446744073709551616,"method":"hello"}'
  err_is "$output" -32700
}

@test "ids: -1, 0 and the largest int64 come back as they were" {
  local id
  for id in -1 0 9223372036854775807 -9223372036854775808; do
    run rpc_raw "{\"jsonrpc\":\"2.0\",\"id\":$id,\"method\":\"hello\"}"
    [ "$status" -eq 0 ]
    [[ "$output" == *"\"id\":$id,"* ]]
    json_assert 'has("result")' "$output"
  done
}

@test "ids: 1.5, true, an array are invalid requests" {
  local id
  for id in 1.5 true '[1]' 1e3; do
    run rpc_raw "{\"jsonrpc\":\"2.0\",\"id\":$id,\"method\":\"hello\"}"
    err_is "$output" -32600
    json_assert '.id == null' "$output"
  done
}

@test "ids: an empty and a 10000-byte string id are echoed" {
  local long
  run rpc_raw '{"jsonrpc":"2.0","id":"","method":"hello"}'
  json_assert '.id == "" and has("result")' "$output"
  long=$(printf '%*s' 10000 '' | tr ' ' 'x')
  run rpc_raw "{\"jsonrpc\":\"2.0\",\"id\":\"$long\",\"method\":\"hello\"}"
  json_assert ".id == \"$long\"" "$output"
}

@test "numbers: huge and fractional timeouts and counts are refused" {
  local p
  for p in '"timeout_ms":1e300' '"timeout_ms":-1' '"timeout_ms":1.5' '"timeout_ms":"10"'; do
    run rpc_raw "$(req 1 actor.call "{\"target\":\"keeper\",\"message\":{\"get\":true},$p}")"
    if [[ "$output" == *'"code":-32700'* ]]; then continue; fi
    err_is "$output" -32602 invalid
  done
}

# --------------------------------------------- wrong types, every field

# One line per case: METHOD FIELD BADVALUE; the other fields are valid.
wrong_type_cases() {
  cat <<'CASES'
actor.spawn plugin 1
actor.spawn plugin true
actor.spawn plugin []
actor.spawn plugin {}
actor.spawn name 1
actor.spawn name []
actor.spawn name {}
actor.spawn sup []
actor.spawn sup true
actor.spawn sup {}
actor.spawn restart 1
actor.spawn restart "sometimes"
actor.spawn mailbox "x"
actor.spawn mailbox -1
actor.spawn isolate "yes"
actor.send target true
actor.send target []
actor.send target {}
actor.send target 1.5
actor.call target false
actor.call timeout_ms "x"
actor.call timeout_ms []
actor.kill target []
actor.kill reason 1
actor.stop target {}
actor.restart target true
actor.info target []
name.register name 1
name.register target []
name.unregister name {}
name.whereis name true
plugin.load path 1
plugin.unload name []
plugin.deploy path {}
logs.read lines "x"
logs.read target []
CASES
}

# The valid params of each method, which a case spoils one field of.
valid_params() {
  case $1 in
    actor.spawn) echo '{"plugin":"echo","name":"wt_victim"}' ;;
    actor.send | actor.call) echo '{"target":"keeper","message":{"get":true}}' ;;
    actor.kill | actor.stop | actor.restart | actor.info) echo '{"target":"nobody_here"}' ;;
    name.register) echo '{"name":"wt_name","target":"nobody_here"}' ;;
    name.unregister | name.whereis) echo '{"name":"wt_name"}' ;;
    plugin.load | plugin.deploy) echo '{"path":"/nonexistent/p.so"}' ;;
    plugin.unload) echo '{"name":"nonexistent"}' ;;
    logs.read) echo '{"target":"keeper","lines":1}' ;;
  esac
}

@test "types: a wrong type in any field of any method is -32602 naming it" {
  local method field bad params n=0
  while read -r method field bad; do
    params=$(jq -c --argjson v "$bad" --arg f "$field" '.[$f] = $v' <<<"$(valid_params "$method")")
    run rpc_raw "$(req 1 "$method" "$params")"
    if ! err_is "$output" -32602 invalid; then
      echo "case: $method $field=$bad" >&2
      return 1
    fi
    if ! json_assert ".error.message | test(\"$field\")" "$output"; then
      echo "case: $method $field=$bad" >&2
      return 1
    fi
    n=$((n + 1))
  done < <(wrong_type_cases)
  [ "$n" -eq 36 ]
  # Nothing was started by a spoiled spawn.
  run ctl whereis wt_victim
  [ "$status" -eq 3 ]
}

@test "types: params given as a string, a number or true are invalid params" {
  local p
  for p in '"x"' 1 true; do
    run rpc_raw "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"actor.list\",\"params\":$p}"
    err_is "$output" -32602 invalid
  done
}

@test "types: method given as a number, null, an object is an invalid request" {
  local m
  for m in 7 null '{"a":1}'; do
    run rpc_raw "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":$m}"
    err_is "$output" -32600
  done
}

# ----------------------------------------------------------------- names

name64=$(printf '%*s' 64 '' | tr ' ' 'n')

@test "names: 64 bytes is accepted, 65 is refused" {
  run rpc_raw "$(req 1 actor.spawn "{\"plugin\":\"echo\",\"name\":\"$name64\"}")"
  json_assert 'has("result")' "$output"
  run rpc_raw "$(req 1 actor.spawn "{\"plugin\":\"echo\",\"name\":\"${name64}x\"}")"
  err_is "$output" -32602 invalid
  json_assert '.error.message | test("at most 64 bytes")' "$output"
  ctl stop "$name64"
}

@test "names: empty, leading digit, slash, space, leading dash are refused" {
  local n
  for n in '' 9lives a/b 'a b' -dash '.' 'tab\tname'; do
    run rpc_raw "$(req 1 name.register "{\"name\":\"$n\",\"target\":\"keeper\"}")"
    err_is "$output" -32602 invalid
  done
}

@test "names: a name that never existed is not_found for every method" {
  local m
  for m in actor.info actor.send actor.kill actor.stop actor.restart; do
    run rpc_raw "$(req 1 "$m" '{"target":"never_was","message":1}')"
    err_is "$output" -32000 not_found
  done
  run rpc_raw "$(req 1 name.whereis '{"name":"never_was"}')"
  err_is "$output" -32000 not_found
  run rpc_raw "$(req 1 name.unregister '{"name":"never_was"}')"
  err_is "$output" -32000 not_found
}

@test "ids: actor ids that never existed are not_found, 0 and -5 are invalid" {
  local t
  for t in 999999 4611686018427387904 9223372036854775807; do
    run rpc_raw "$(req 1 actor.info "{\"target\":$t}")"
    err_is "$output" -32000 not_found
  done
  for t in 0 -5; do
    run rpc_raw "$(req 1 actor.info "{\"target\":$t}")"
    err_is "$output" -32602 invalid
  done
}

@test "ids: a digit string past 2^64 is invalid, not the largest id" {
  local t
  for t in 18446744073709551616 99999999999999999999999; do
    run rpc_raw "$(req 1 actor.info "{\"target\":\"$t\"}")"
    err_is "$output" -32602 invalid
    json_assert ".error.message | test(\"$t\")" "$output"
  done
  # The largest that fits is an id like any other: one that never existed.
  run rpc_raw "$(req 1 actor.info '{"target":"18446744073709551615"}')"
  err_is "$output" -32000 not_found
}

# ------------------------------------------------------------------ size

@test "size: a line of exactly the limit (1 MiB) is served" {
  python3 -c "import sys; h = '{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"hello\",\"p\":\"'; sys.stdout.write(h + 'x' * (1048576 - len(h) - 2) + '\"}\n')" >"$BATS_TEST_TMPDIR/max"
  [ "$(wc -c <"$BATS_TEST_TMPDIR/max")" -eq 1048577 ]
  run python3 "$HOSTILE" "$SOCK" send-file "$BATS_TEST_TMPDIR/max"
  json_assert '.id == 1 and has("result")' "$output"
}

@test "size: 1 MiB + 1 without a newline is refused and the connection closed" {
  python3 -c "import sys; sys.stdout.write('x' * 1048577)" >"$BATS_TEST_TMPDIR/big"
  run python3 "$HOSTILE" "$SOCK" send-file "$BATS_TEST_TMPDIR/big"
  err_is "$output" -32600 invalid
  json_assert '.error.message | test("too large")' "$output"
}

@test "size: good requests before an oversize one are all answered first" {
  { printf '{"jsonrpc":"2.0","id":%d,"method":"hello"}\n' 1 2 3
    python3 -c "import sys; sys.stdout.write('[' * 1048600)"; } >"$BATS_TEST_TMPDIR/mixed"
  run python3 "$HOSTILE" "$SOCK" send-file "$BATS_TEST_TMPDIR/mixed"
  [ "${#lines[@]}" -eq 4 ]
  json_assert '.id == 3' "${lines[2]}"
  err_is "${lines[3]}" -32600
}

# --------------------------------------------------------- framing bytes

@test "framing: a NUL byte after the JSON is a parse error" {
  run send_bytes '{"jsonrpc":"2.0","id":1,"method":"hello"}\0\n'
  err_is "$output" -32700
}

@test "framing: a NUL byte inside a string is a parse error" {
  run send_bytes '{"jsonrpc":"2.0","id":1,"method":"hel\0lo"}\n'
  err_is "$output" -32700
}

@test "framing: a line of only NUL bytes is a parse error, then served" {
  run send_bytes '\0\0\0\n{"jsonrpc":"2.0","id":2,"method":"hello"}\n'
  [ "${#lines[@]}" -eq 2 ]
  err_is "${lines[0]}" -32700
  json_assert '.id == 2 and has("result")' "${lines[1]}"
}

@test "framing: CR-LF line endings are served, a blank CR-LF line ignored" {
  run send_bytes '{"jsonrpc":"2.0","id":1,"method":"hello"}\r\n\r\n{"jsonrpc":"2.0","id":2,"method":"hello"}\r\n'
  [ "${#lines[@]}" -eq 2 ]
  json_assert '.id == 1 and has("result")' "${lines[0]}"
  json_assert '.id == 2 and has("result")' "${lines[1]}"
}

@test "framing: two CRs before the newline are a parse error" {
  run send_bytes '{"jsonrpc":"2.0","id":1,"method":"hello"}\r\r\n'
  [ "${#lines[@]}" -eq 1 ]
}

@test "framing: two requests on one line are a parse error" {
  run rpc_raw '{"jsonrpc":"2.0","id":1,"method":"hello"}{"jsonrpc":"2.0","id":2,"method":"hello"}'
  err_is "$output" -32700
}

@test "framing: a UTF-8 BOM before the JSON is a parse error" {
  run send_bytes '\xef\xbb\xbf{"jsonrpc":"2.0","id":1,"method":"hello"}\n'
  err_is "$output" -32700
}

@test "framing: 1000 blank lines then a request get exactly one reply" {
  { printf '\n%.0s' $(seq 1000); printf '{"jsonrpc":"2.0","id":5,"method":"hello"}\n'; } >"$BATS_TEST_TMPDIR/blank"
  run python3 "$HOSTILE" "$SOCK" send-file "$BATS_TEST_TMPDIR/blank"
  [ "${#lines[@]}" -eq 1 ]
  json_assert '.id == 5' "$output"
}

# ------------------------------------------------------- hostile clients

@test "clients: a slow-loris client is served while others are too" {
  local t=$BATS_TEST_TMPDIR i
  python3 "$HOSTILE" "$SOCK" slowloris "$(req 9 hello)" "$t/sent" "$t/go" >"$t/slow" &
  local pid=$!
  # Its line arrives a byte at a time and stays unfinished meanwhile.
  wait_for test -e "$t/sent"
  for i in 1 2 3 4 5; do
    run ctl call keeper '{"get":true}'
    [ "$status" -eq 0 ]
  done
  [ ! -s "$t/slow" ]
  touch "$t/go"
  wait "$pid"
  json_assert '.id == 9 and has("result")' "$(cat "$t/slow")"
}

@test "clients: 2000 connections opened and dropped leave no client behind" {
  skip_under_valgrind "2000 connections at memcheck's pace outlast the clients' timeouts"
  run python3 "$HOSTILE" "$SOCK" churn 2000
  [ "$status" -eq 0 ] && [ "$output" = 2000 ]
  # Only the connection asking is left.
  wait_for bash -c "\"$ACTORCTL\" -s \"$SOCK\" -o json stats | jq -e '.clients == 1'"
}

@test "clients: a client that never reads is cut off with memory bounded" {
  local pid rss0 rss1
  pid=$(_daemon_pid)
  rss0=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
  # 60000 pipelined requests for actor.list without reading a byte.
  python3 - "$SOCK" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.setblocking(False)
line = b'{"jsonrpc":"2.0","id":1,"method":"methods.list"}\n' * 1000
sent = 0
deadline = time.time() + 20
while time.time() < deadline and sent < 60:
    try:
        s.send(line)
        sent += 1
    except BlockingIOError:
        time.sleep(0.01)
    except OSError:
        break
time.sleep(1)
PY
  local greedy=$!
  run ctl call keeper '{"get":true}'
  [ "$status" -eq 0 ]
  wait "$greedy" || true
  wait_for grep -q 'does not read its replies' "$LOG"
  rss1=$(awk '/^VmRSS/ {print $2}' /proc/$pid/status)
  # The output bound is 8 MiB; allow it twice over, plus slack.
  rss_bounded "$rss0" "$rss1" 24000
}

# ---------------------------------------------------------- plugin paths

@test "paths: a plugin path through .. to a missing file is not_found" {
  run rpc_raw "$(req 1 plugin.load "{\"path\":\"$PLUGIN_DIR/../../nonexistent/../x.so\"}")"
  json_assert 'has("error")' "$output"
  json_assert '.error.data.kind == "not_found" or .error.data.kind == "plugin" or .error.data.kind == "invalid"' "$output"
}

@test "paths: a symlink to a file that is not a plugin is refused" {
  ln -s /etc/hostname "$BATS_TEST_TMPDIR/fake.so"
  run rpc_raw "$(req 1 plugin.load "{\"path\":\"$BATS_TEST_TMPDIR/fake.so\"}")"
  err_is "$output" -32000 plugin
}

@test "paths: a symlink loop and a directory are refused" {
  ln -s "$BATS_TEST_TMPDIR/loop.so" "$BATS_TEST_TMPDIR/loop.so"
  run rpc_raw "$(req 1 plugin.load "{\"path\":\"$BATS_TEST_TMPDIR/loop.so\"}")"
  json_assert 'has("error") and .error.code == -32000' "$output"
  run rpc_raw "$(req 1 plugin.load "{\"path\":\"$BATS_TEST_TMPDIR\"}")"
  json_assert 'has("error") and .error.code == -32000' "$output"
}

@test "paths: .. is resolved after a symlink, as the kernel does" {
  # plugs/.. is the parent of the plugin directory, not this directory.
  ln -s "$PLUGIN_DIR" "$BATS_TEST_TMPDIR/plugs"
  run rpc_raw "$(req 1 plugin.load "{\"path\":\"$BATS_TEST_TMPDIR/plugs/../plugs/echo.so\"}")"
  err_is "$output" -32000 not_found
}

@test "paths: a plugin reached through .. or a symlink loads as itself" {
  ln -s "$PLUGIN_DIR" "$BATS_TEST_TMPDIR/plugs"
  run rpc_raw "$(req 1 plugin.load "{\"path\":\"$PLUGIN_DIR/../$(basename "$PLUGIN_DIR")/echo.so\"}")"
  json_assert ".result.name == \"echo\" and .result.path == \"$PLUGIN_DIR/echo.so\"" "$output"
  run rpc_raw "$(req 1 plugin.load "{\"path\":\"$BATS_TEST_TMPDIR/plugs/echo.so\"}")"
  json_assert ".result.name == \"echo\" and .result.path == \"$PLUGIN_DIR/echo.so\"" "$output"
  run ctl plugins -o json
  json_assert '[.[] | select(.name == "echo")] | length == 1' "$output"
}
