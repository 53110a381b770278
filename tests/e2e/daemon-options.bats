#!/usr/bin/env bats
# actord's command line, its socket and directories, signals, the config
# file and SIGHUP.

bats_require_minimum_version 1.5.0
load helpers

setup_file() { daemon_start; }
teardown_file() { daemon_stop; }

# A second daemon of this test, in $D, on $D/s/control.sock.
other_start() {
  D=$BATS_TEST_TMPDIR/d
  mkdir -p "$D"
  OSOCK=$D/s/control.sock
  "$ACTORD" -s "$OSOCK" -S "$D/state" -p "$PLUGIN_DIR" "$@" \
    </dev/null >>"$D/log" 2>&1 3>&- &
  OPID=$!
  wait_for -t 10 other_answers
}
other_answers() {
  printf '%s\n' '{"jsonrpc":"2.0","id":1,"method":"hello"}' |
    socat -t 2 - "UNIX-CONNECT:$OSOCK" 2>/dev/null | grep -q result
}
other_rpc() {
  printf '{"jsonrpc":"2.0","id":1,"method":"%s","params":%s}\n' "$1" "${2:-{\}}" |
    socat -t 5 - "UNIX-CONNECT:$OSOCK"
}
other_stop() {
  kill -TERM "$OPID" 2>/dev/null || true
  local rc=0
  wait "$OPID" || rc=$?
  # As daemon_stop does for the file's daemon: no sanitizer report, no bug.
  if grep -Eq 'ERROR: (Address|Leak)Sanitizer|runtime error:|internal error' "$D/log"; then
    cat "$D/log" >&2
    return 1
  fi
  return "$rc"
}
other_known() { other_rpc name.whereis "{\"name\":\"$1\"}" | grep -q '"result"'; }

@test "-V and -h" {
  run "$ACTORD" -V
  [ "$status" -eq 0 ]
  [[ "$output" == "actord "* ]]
  run "$ACTORD" --help
  [ "$status" -eq 0 ]
  [[ "$output" == *"--ephemeral"* ]]
}

@test "an unknown option or a bad value is one line naming it, status 2" {
  run "$ACTORD" --bogus
  [ "$status" -eq 2 ]
  [ "$output" = "actord: unknown option: --bogus" ]
  run "$ACTORD" -j zero
  [ "$status" -eq 2 ]
  [[ "$output" == *"--threads"*"zero"* ]]
  run "$ACTORD" -l loud
  [ "$status" -eq 2 ]
  [[ "$output" == *"--log-level"*"loud"* ]]
  run "$ACTORD" -s
  [ "$status" -eq 2 ]
  [ "${#lines[@]}" -eq 1 ]
  run "$ACTORD" extra
  [ "$status" -eq 2 ]
  run "$ACTORD" -s "/tmp/$(printf 'a%.0s' $(seq 120)).sock"
  [ "$status" -eq 2 ]
  [[ "$output" == *"--socket: path too long"* ]]
}

@test "a second daemon on a live socket says so and exits 1" {
  run "$ACTORD" -s "$SOCK" -S "$BATS_TEST_TMPDIR/st" -p "$PLUGIN_DIR"
  [ "$status" -eq 1 ]
  [ "$output" = "actord: already running on $SOCK (pid $(_daemon_pid))" ]
}

@test "missing directories are made 0700, the socket is 0600, SIGTERM exits 0" {
  other_start --ephemeral
  [ "$(stat -c %a "$D/s")" = 700 ]
  [ "$(stat -c %a "$OSOCK")" = 600 ]
  rc=0
  other_stop || rc=$?
  [ "$rc" -eq 0 ]
  [ ! -e "$OSOCK" ]
}

@test "the state directory is created 0700" {
  other_start
  [ "$(stat -c %a "$D/state")" = 700 ]
  other_stop
}

@test "a stale socket file is replaced" {
  D=$BATS_TEST_TMPDIR/d
  mkdir -p -m 0700 "$D/s"
  python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])' "$D/s/control.sock"
  [ -S "$D/s/control.sock" ]
  other_start --ephemeral
  other_stop
}

@test "-d returns once the socket answers" {
  D=$BATS_TEST_TMPDIR/d
  mkdir -p "$D"
  OSOCK=$D/s/control.sock
  run "$ACTORD" -d -s "$OSOCK" -S "$D/state" -p "$PLUGIN_DIR" -L "$D/log" --ephemeral
  [ "$status" -eq 0 ]
  # No waiting: the parent returned only once the socket listened.
  run other_rpc daemon.status
  json_assert '.result.pid > 0' "$output"
  OPID=$(printf '%s\n' "$output" | jq -r '.result.pid')
  [ "$OPID" != "$$" ]
  kill -TERM "$OPID"
  wait_for bash -c "! kill -0 $OPID 2>/dev/null"
  grep -q 'listening on' "$D/log"
}

@test "daemon.shutdown stops the daemon in order" {
  other_start --ephemeral
  run other_rpc daemon.shutdown
  json_assert '.result == {}' "$output"
  rc=0
  other_stop || rc=$?
  [ "$rc" -eq 0 ]
  grep -q 'shutting down' "$D/log"
}

@test "the config names the daemon and starts its boot children; SIGHUP adds new ones" {
  D=$BATS_TEST_TMPDIR/d
  mkdir -p "$D"
  cat >"$D/config.json" <<'JSON'
{"name": "bats-node", "boot": [{"plugin": "counter", "name": "b1"}]}
JSON
  other_start --ephemeral -c "$D/config.json"
  run other_rpc hello
  json_assert '.result.name == "bats-node"' "$output"
  other_known b1
  cat >"$D/config.json" <<'JSON'
{"name": "bats-node", "boot": [{"plugin": "counter", "name": "b1"},
                               {"plugin": "echo", "name": "b2"}]}
JSON
  kill -HUP "$OPID"
  wait_for other_known b2
  grep -q 'configuration reloaded' "$D/log"
  # A broken file on reload changes nothing and says why.
  printf '{"boot": [' >"$D/config.json"
  kill -HUP "$OPID"
  wait_for grep -q 'keeping the previous configuration' "$D/log"
  other_known b1
  other_stop
}

@test "a bad config file at start is one line and status 1" {
  D=$BATS_TEST_TMPDIR/d
  mkdir -p "$D"
  printf '{"plugins_dir": []}' >"$D/bad.json"
  run "$ACTORD" -s "$D/s/c.sock" -S "$D/state" -c "$D/bad.json" --ephemeral
  [ "$status" -eq 1 ]
  [[ "$output" == *"bad.json"*"plugins_dir"* ]]
}

@test "past max_clients a client is told unavailable and closed; the others stay" {
  D=$BATS_TEST_TMPDIR/d
  mkdir -p "$D"
  printf '{"max_clients": 2}' >"$D/config.json"
  other_start --ephemeral -c "$D/config.json"
  run timeout 30 python3 - "$OSOCK" <<'PY'
import socket, sys, json
def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(sys.argv[1])
    s.settimeout(10)
    return s
def ask(s):
    s.sendall(b'{"jsonrpc":"2.0","id":1,"method":"hello"}\n')
    buf = b""
    while not buf.endswith(b"\n"):
        chunk = s.recv(4096)
        if not chunk:
            return None
        buf += chunk
    return json.loads(buf)
a, b = conn(), conn()
print("a" if "result" in ask(a) else "a failed")
print("b" if "result" in ask(b) else "b failed")
c = conn()
r = ask(c)
print(r["error"]["data"]["kind"] if r and "error" in r else "c not refused")
print("a" if "result" in ask(a) else "a failed")
PY
  [ "$output" = "$(printf 'a\nb\nunavailable\na')" ]
  grep -q 'refused' "$D/log"
  other_stop
}

@test "a peer of another uid is denied" {
  [ "$(id -u)" = 0 ] || skip "needs root to connect as another user"
  command -v setpriv >/dev/null || skip "needs setpriv"
  other_start --ephemeral
  # Let the other user reach the socket at all: the daemon must still say no.
  chmod 0755 "$D/s" "$D"
  chmod 0666 "$OSOCK"
  dir=$D
  while dir=$(dirname "$dir") && [ "$dir" != / ]; do chmod o+x "$dir" 2>/dev/null || true; done
  run setpriv --reuid=65534 --regid=65534 --clear-groups \
    socat -t 5 - "UNIX-CONNECT:$OSOCK" <<<'{"jsonrpc":"2.0","id":1,"method":"hello"}'
  json_assert '.error.data.kind == "denied" and (.error.message | test("65534"))' "$output"
  grep -q 'not admitted' "$D/log"
  other_stop
}

@test "SIGHUP loads the plugins of a new plugin directory" {
  [ -f "$TEST_PLUGIN_DIR/example.so" ] || skip "test plugins not built"
  D=$BATS_TEST_TMPDIR/d
  mkdir -p "$D/more"
  cp "$TEST_PLUGIN_DIR/example.so" "$D/more/"
  printf '{}' >"$D/config.json"
  other_start --ephemeral -c "$D/config.json"
  run other_rpc plugin.list
  json_assert 'all(.result[]; .name != "kv")' "$output"
  printf '{"plugin_dirs": ["%s"]}' "$D/more" >"$D/config.json"
  kill -HUP "$OPID"
  has_example() { other_rpc plugin.list | jq -e 'any(.result[]; .name == "kv")' >/dev/null; }
  wait_for has_example
  other_stop
}

@test "a configured group is admitted: the socket and its directory open to it" {
  [ "$(id -u)" = 0 ] || skip "needs root to connect as another user"
  command -v setpriv >/dev/null || skip "needs setpriv"
  getent group nogroup >/dev/null || skip "needs the group nogroup"
  gid=$(getent group nogroup | cut -d: -f3)
  D=$BATS_TEST_TMPDIR/d
  mkdir -p "$D"
  printf '{"group": "nogroup"}' >"$D/config.json"
  other_start --ephemeral -c "$D/config.json"
  [ "$(stat -c %a "$D/s")" = 710 ]
  [ "$(stat -c %a "$OSOCK")" = 660 ]
  [ "$(stat -c %g "$OSOCK")" = "$gid" ]
  dir=$D
  while [ "$dir" != / ]; do chmod o+x "$dir" 2>/dev/null || true; dir=$(dirname "$dir"); done
  chmod g+x,o+x "$D"
  run setpriv --reuid=65534 --regid="$gid" --clear-groups \
    socat -t 5 - "UNIX-CONNECT:$OSOCK" <<<'{"jsonrpc":"2.0","id":1,"method":"hello"}'
  json_assert '.result.protocol == "1.0"' "$output"
  other_stop
}
