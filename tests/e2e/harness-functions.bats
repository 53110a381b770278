#!/usr/bin/env bats
# The shared e2e functions themselves (tests/e2e/helpers.bash), against a
# stand-in daemon: socat answering JSON-RPC lines on the socket, so that the
# harness every other file relies on is known to start, wait, restart and
# stop correctly and to catch what it must catch, independently of actord.

load helpers

# The stand-in takes actord's options and one of its own: --mode
#   answer       answer every line (the default)
#   exit         print an error and exit 3 at once
#   ignore-term  ignore SIGTERM (so only SIGKILL stops it)
#   fail-on-term exit 1 on SIGTERM
make_fake() {
  local dir=$1
  cat >"$dir/responder" <<'EOF'
#!/bin/bash
while IFS= read -r line; do
  case $line in
    *'"method":"fail"'*)
      printf '{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"failed on purpose","data":{"kind":"invalid"}}}\n' ;;
    *'"method":"hello"'*)
      printf '{"jsonrpc":"2.0","id":1,"result":{"version":"0","protocol":"1.0"}}\n' ;;
    *)
      printf '{"jsonrpc":"2.0","id":1,"result":{"got":%s}}\n' "$line" ;;
  esac
done
EOF
  cat >"$dir/actord" <<EOF
#!/bin/bash
sock= state= plugins= mode=answer
while [ \$# -gt 0 ]; do
  case \$1 in
    -s) sock=\$2; shift 2 ;;
    -S) state=\$2; shift 2 ;;
    -p) plugins=\$2; shift 2 ;;
    --mode) mode=\$2; shift 2 ;;
    *) shift ;;
  esac
done
mkdir -p "\$state"
echo "fake actord: socket \$sock state \$state plugins \$plugins mode \$mode"
case \$mode in
  exit) echo "fake actord: refusing to start" >&2; exit 3 ;;
  ignore-term)
    # socat handles SIGTERM itself, so it serves from a child while this
    # shell, which ignores SIGTERM, stays the daemon.
    trap '' TERM
    socat UNIX-LISTEN:"\$sock",fork,unlink-early EXEC:"$dir/responder" &
    echo \$! >"\$state/socat.pid"
    wait; exit ;;
  fail-on-term)
    # Stops on SIGTERM, but with status 1: not an orderly shutdown.
    # The trap is set first: a SIGTERM that comes early still means exit 1.
    trap 'kill \$child 2>/dev/null; exit 1' TERM
    socat UNIX-LISTEN:"\$sock",fork,unlink-early EXEC:"$dir/responder" &
    child=\$!
    wait; exit ;;
esac
exec socat UNIX-LISTEN:"\$sock",fork,unlink-early EXEC:"$dir/responder"
EOF
  chmod +x "$dir/responder" "$dir/actord"
}

setup_file() {
  make_fake "$BATS_FILE_TMPDIR"
  export ACTORD=$BATS_FILE_TMPDIR/actord
  daemon_start
}

teardown_file() {
  daemon_stop
}

@test "paths are absolute and the build tree defaults to build/" {
  case $BUILD in /*) ;; *) false ;; esac
  [ "$ACTORCTL" = "$BUILD/bin/actorctl" ]
  [ "$PLUGIN_DIR" = "$BUILD/plugins" ]
  [ "$TEST_PLUGIN_DIR" = "$BUILD/tests/plugins" ]
  [ -f "$REPO_ROOT/mk/deps.sh" ]
}

@test "daemon_start gives the daemon a private directory and socket" {
  [ -d "$DAEMON_DIR" ]
  [ "$SOCK" = "$DAEMON_DIR/control.sock" ]
  [ "$STATE" = "$DAEMON_DIR/state" ]
  [ "$LOG" = "$DAEMON_DIR/actord.log" ]
  [ -S "$SOCK" ]
  [ "${#SOCK}" -lt 108 ]
  [ "$ACTORD_SOCKET" = "$SOCK" ]
  case $XDG_RUNTIME_DIR/$XDG_STATE_HOME/$XDG_CONFIG_HOME/$ACTORCTL_HISTFILE in
    "$DAEMON_DIR"/*) ;;
    *) false ;;
  esac
  # The daemon got the socket, state and plugin directory, in that order.
  grep -qF "socket $SOCK state $STATE plugins $PLUGIN_DIR mode answer" "$LOG"
  kill -0 "$DAEMON_PID"
}

@test "rpc prints the reply and its status says result or error" {
  run rpc echo.me '{"x":[1,2]}'
  [ "$status" -eq 0 ]
  [ "$(json_field '.result.got.params.x[1]' "$output")" = 2 ]
  json_assert '.result.got.method == "echo.me" and .result.got.jsonrpc == "2.0"' "$output"

  run rpc fail
  [ "$status" -eq 1 ]
  [ "$(json_field .error.data.kind "$output")" = invalid ]
}

@test "rpc without params sends no params member" {
  run rpc plain
  [ "$status" -eq 0 ]
  json_assert '.result.got | has("params") | not' "$output"
}

@test "rpc_raw sends a raw line and reads as many replies as asked" {
  run rpc_raw 'not json at all'
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]

  run rpc_raw "$(printf '%s\n%s' '{"method":"hello"}' '{"method":"fail"}')" 2
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 2 ]
  json_assert 'has("result")' "${lines[0]}"
  json_assert 'has("error")' "${lines[1]}"
}

@test "rpc_raw fails when fewer replies come than asked" {
  RPC_TIMEOUT=1 run rpc_raw '{"method":"hello"}' 2
  [ "$status" -eq 1 ]
  [ "${#lines[@]}" -eq 1 ]
}

@test "wait_for polls until the command succeeds" {
  local counter=$BATS_TEST_TMPDIR/attempts
  echo 0 >"$counter"
  third_attempt() {
    local n
    n=$(($(cat "$counter") + 1))
    echo "$n" >"$counter"
    [ "$n" -ge 3 ]
  }
  wait_for -t 5 third_attempt
  [ "$(cat "$counter")" -eq 3 ]
}

@test "wait_for fails in time, naming the command and its last output" {
  noisy_false() {
    echo "still not there"
    return 1
  }
  local t0=$SECONDS
  run wait_for -t 1 noisy_false
  [ "$status" -eq 1 ]
  [ $((SECONDS - t0)) -le 6 ]
  [[ "$output" == *"timed out after 1s: noisy_false"* ]]
  [[ "$output" == *"still not there"* ]]
}

@test "wait_for takes fractions of a second" {
  local t0=$EPOCHREALTIME
  run wait_for -t 0.3 false
  [ "$status" -eq 1 ]
  [[ "$output" == *"timed out after 0.3s: false"* ]]
  # Not the default 10 s, and not nothing (a loaded machine may be slow).
  local ms=$(( (${EPOCHREALTIME/./} - ${t0/./}) / 1000 ))
  [ "$ms" -ge 250 ] && [ "$ms" -lt 5000 ]
}

@test "json_field prints raw values; json_assert says what was not true" {
  [ "$(json_field .a '{"a":"text"}')" = text ]
  [ "$(echo '{"a":{"b":3}}' | json_field .a.b)" = 3 ]
  run json_field .a 'not json'
  [ "$status" -ne 0 ]
  run json_assert '.a == 2' '{"a":1}'
  [ "$status" -eq 1 ]
  [[ "$output" == *'not true: .a == 2'* ]]
  [[ "$output" == *'{"a":1}'* ]]
}

@test "daemon_restart keeps directory, state and socket and gets a new pid" {
  local old_pid old_dir=$DAEMON_DIR
  old_pid=$(cat "$DAEMON_DIR/pid")
  touch "$STATE/kept"
  daemon_restart
  [ "$DAEMON_DIR" = "$old_dir" ]
  [ "$(cat "$DAEMON_DIR/pid")" != "$old_pid" ]
  ! kill -0 "$old_pid" 2>/dev/null
  [ -e "$STATE/kept" ]
  rpc hello
  # The same arguments as the first start (none): the mode is still answer.
  [ "$(grep -c 'mode answer' "$LOG")" -eq 2 ]
}

@test "daemon_kill9 leaves the daemon dead, daemon_restart brings it back" {
  local pid
  pid=$(cat "$DAEMON_DIR/pid")
  daemon_kill9
  ! kill -0 "$pid" 2>/dev/null || grep -q '^Z' <(awk '{print $3}' "/proc/$pid/stat")
  ! daemon_answers
  daemon_restart
  daemon_answers
}

# The tests below run a second stand-in of their own, so that the file's
# daemon (and its teardown) is not disturbed.

@test "daemon_stop fails on a sanitizer report in the log and shows it" {
  daemon_start
  local dir=$DAEMON_DIR
  printf '==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x1\n' >>"$LOG"
  run daemon_stop
  [ "$status" -eq 1 ]
  [[ "$output" == *"heap-use-after-free"* ]]
  ! daemon_answers
  rm -rf "$dir"
}

@test "daemon_stop fails on an internal error and a UBSan report" {
  local line
  for line in 'x.c:3:5: runtime error: signed integer overflow' \
    'actord: internal error: table corrupt'; do
    daemon_start
    local dir=$DAEMON_DIR
    printf '%s\n' "$line" >>"$LOG"
    run daemon_stop
    [ "$status" -eq 1 ]
    [[ "$output" == *"$line"* ]]
    rm -rf "$dir"
  done
}

@test "a clean daemon_stop removes the directory" {
  daemon_start
  local dir=$DAEMON_DIR
  daemon_stop
  [ ! -e "$dir" ]
}

@test "daemon_stop kills a daemon that ignores SIGTERM, and fails" {
  daemon_start --mode ignore-term
  local dir=$DAEMON_DIR pid=$DAEMON_PID
  # The stand-in writes its listener's pid after starting it.
  wait_for test -s "$dir/state/socat.pid"
  DAEMON_TIMEOUT=1 run daemon_stop
  [ "$status" -eq 1 ]
  [[ "$output" == *"still running 1s after SIGTERM"* ]]
  ! kill -0 "$pid" 2>/dev/null || grep -q '^Z' <(awk '{print $3}' "/proc/$pid/stat")
  kill "$(cat "$dir/state/socat.pid")"
  rm -rf "$dir"
}

@test "daemon_stop fails when SIGTERM does not end in status 0" {
  daemon_start --mode fail-on-term
  local dir=$DAEMON_DIR st=0
  # Not through run: a subshell cannot learn the daemon's exit status.
  daemon_stop 2>"$BATS_TEST_TMPDIR/err" || st=$?
  cat "$BATS_TEST_TMPDIR/err"
  [ "$st" -eq 1 ]
  grep -q "exited with status 1 on SIGTERM" "$BATS_TEST_TMPDIR/err"
  rm -rf "$dir"
}

@test "daemon_stop after a restart in another process still stops it" {
  # The restart ran in a test: teardown_file knows the new daemon only by
  # the pid file, and cannot see its exit status (not its child).
  daemon_start
  local dir=$DAEMON_DIR pid
  ( daemon_restart )
  pid=$(cat "$dir/pid")
  [ "$pid" != "$DAEMON_PID" ]
  daemon_stop
  ! kill -0 "$pid" 2>/dev/null || [ "$(awk '{print $3}' "/proc/$pid/stat")" = Z ]
  [ ! -e "$dir" ]
}

@test "daemon_start fails at once with the log when the daemon exits" {
  local t0=$SECONDS
  run daemon_start --mode exit
  [ "$status" -eq 1 ]
  [ $((SECONDS - t0)) -le 5 ]
  [[ "$output" == *"exited (status 3) before answering"* ]]
  [[ "$output" == *"refusing to start"* ]]
  local dir
  dir=$(printf '%s\n' "$output" | grep -o '/tmp/actord-test\.[A-Za-z0-9]*' | head -n 1)
  [ -d "$dir" ] && rm -rf "$dir"
}

@test "daemon_start fails when actord is missing" {
  ACTORD=$BATS_TEST_TMPDIR/nowhere run daemon_start
  [ "$status" -eq 1 ]
  [[ "$output" == *"nowhere is missing"* ]]
}
