#!/usr/bin/env bats
# Injected file system failures on the state directory: a write of the state
# file that fails (ENOSPC or EIO, at each step of the write) is reported and
# leaves the previous file whole; once writes work again everything alive is
# recorded; a state file that cannot be read at start is moved aside.
#
# The failures come from tests/inject/fail-writes.c, preloaded into actord
# only (through a wrapper that ACTORD points at; the shim takes itself out of
# the environment, so exec programs run without it). It fails calls on
# $STATE while $DAEMON_DIR/fail exists, in the way its first line says.

bats_require_minimum_version 1.5.0
load helpers

SHIM=$BUILD/tests/inject/fail-writes.so

# The shim takes itself out of LD_PRELOAD in the first process it enters:
# under valgrind, the shell of the script that starts valgrind.
setup() { skip_under_valgrind "the shim cannot reach an actord started by valgrind's script"; }

setup_file() {
  [ -z "${VALGRIND:-}" ] || return 0
  [ -f "$SHIM" ] || {
    echo "setup_file: $SHIM is missing (run make)" >&2
    return 1
  }
  local real=$ACTORD preload=$SHIM asan
  # A sanitizer build needs its runtime first in the list of preloaded
  # libraries; the shim then comes next, between it and the C library.
  asan=$(ldd "$real" | awk '/libasan\.so/ { print $3 }')
  [ -z "$asan" ] || preload="$asan:$SHIM"
  mkdir -p "$BATS_FILE_TMPDIR/bin"
  cat >"$BATS_FILE_TMPDIR/bin/actord" <<EOF
#!/bin/sh
# actord with the fail-writes shim, failing on \$STATE while \$DAEMON_DIR/fail exists.
exec env LD_PRELOAD='$preload' FAIL_WRITES_DIR="\$STATE" \\
  FAIL_WRITES_TRIGGER="\$DAEMON_DIR/fail" '$real' "\$@"
EOF
  chmod +x "$BATS_FILE_TMPDIR/bin/actord"
  export ACTORD=$BATS_FILE_TMPDIR/bin/actord
  daemon_start
}
teardown_file() {
  rm -f "${DAEMON_DIR:-/nonexistent}/fail"
  daemon_stop
}

result() {
  local reply
  reply=$(rpc "$@") || { echo "$reply" >&2; return 1; }
  printf '%s\n' "$reply" | jq -c '.result'
}
known() { rpc name.whereis "{\"name\":\"$1\"}" >/dev/null; }
# The names recorded in the state file, sorted, on one line.
recorded() { jq -c '[.actors[].name] | sort' "$STATE/state.json"; }
recorded_is() { [ "$(recorded)" = "$1" ]; }
# How many lines of the log hold this text.
logged() { grep -cF -- "$1" "$LOG" || true; }
logged_more() { [ "$(logged "$1")" -ge "$2" ]; }
fail_on() { printf '%s\n' "$1" >"$DAEMON_DIR/fail"; }
fail_off() { rm -f "$DAEMON_DIR/fail"; }

@test "the shim is in actord and in nothing it starts" {
  grep -q fail-writes.so "/proc/$(_daemon_pid)/maps"
  ! tr '\0' '\n' <"/proc/$(_daemon_pid)/environ" | grep -q '^LD_PRELOAD='
  result actor.spawn '{"plugin":"exec","name":"sh0","restart":"temporary","args":{"argv":["sleep","1000"]}}'
  pid() { rpc actor.info '{"target":"sh0"}' | jq -e '.result.pid | numbers'; }
  wait_for pid
  p=$(pid)
  wait_for grep -qx sleep "/proc/$p/comm"
  ! grep -q fail-writes.so "/proc/$p/maps"
  ! tr '\0' '\n' <"/proc/$p/environ" | grep -q '^LD_PRELOAD='
  result actor.stop '{"target":"sh0"}'
}

# One case: A0 and A1 are recorded; writes fail as $1 says; B is spawned and
# A1 stopped, both answered, neither recorded; the file is the old one, whole,
# with no temporary file beside it; writes work again and the file holds
# what is alive, without a new change to set it off.
write_fails() {
  local how=$1 b=$2 step=$3 errtext=$4 before line shim0 lines0 saved0
  line="error: cannot write state file $STATE/state.json ($step): $errtext"
  result actor.spawn '{"plugin":"counter","name":"A0"}' >/dev/null
  result actor.spawn '{"plugin":"counter","name":"A1"}' >/dev/null
  wait_for recorded_is '["A0","A1"]'
  before=$(cat "$STATE/state.json")
  shim0=$(logged "fail-writes: ")
  lines0=$(logged "$line")
  saved0=$(logged "info: state file $STATE/state.json written again")
  fail_on "$how"
  # The change is made and answered: the actor runs, only its record waits.
  result actor.spawn "{\"plugin\":\"counter\",\"name\":\"$b\"}" >/dev/null
  result actor.stop '{"target":"A1"}' >/dev/null
  # Tried at each change and every second: reported once, not at each try
  # (each failed try leaves a line of the shim).
  wait_for -t 20 logged_more "fail-writes: " $((shim0 + 3))
  [ "$(logged "$line")" -eq $((lines0 + 1)) ]
  daemon_answers
  known "$b"
  [ "$(cat "$STATE/state.json")" = "$before" ]
  [ ! -e "$STATE/state.json.tmp" ]
  fail_off
  # Written without another change to set it off.
  wait_for -t 20 recorded_is "[\"A0\",\"$b\"]"
  [ "$(logged "info: state file $STATE/state.json written again")" -eq $((saved0 + 1)) ]
  [ ! -e "$STATE/state.json.tmp" ]
  # A restart brings back what was recorded.
  daemon_restart
  known A0
  known "$b"
  run known A1
  [ "$status" -ne 0 ]
  result actor.stop "{\"target\":\"$b\"}" >/dev/null
  result actor.stop '{"target":"A0"}' >/dev/null
  wait_for recorded_is '[]'
}

@test "ENOSPC when the temporary file is created: reported, the old file kept, written once there is room" {
  write_fails 'ENOSPC open' B1 'creating state.json.tmp' 'No space left on device'
}

@test "EIO while the temporary file is written: no partial file is left behind" {
  write_fails 'EIO write' B2 'writing state.json.tmp' 'Input/output error'
}

@test "ENOSPC at fsync: the old file stays in place" {
  write_fails 'ENOSPC fsync' B3 'fsync of state.json.tmp' 'No space left on device'
}

@test "EIO at the rename: the old file stays in place" {
  write_fails 'EIO rename' B4 'renaming state.json.tmp over it' 'Input/output error'
}

@test "every write failing: subscribers get state_failed, then state_saved" {
  result actor.spawn '{"plugin":"counter","name":"A0"}' >/dev/null
  wait_for recorded_is '["A0"]'
  # Subscribe, then spawn through another connection, then read the events:
  # the order is fixed by the one script, not by timing.
  run timeout 60 python3 - "$SOCK" "$DAEMON_DIR/fail" <<'PY'
import json, os, socket, sys
sock, trigger = sys.argv[1], sys.argv[2]
def conn():
    s = socket.socket(socket.AF_UNIX)
    s.connect(sock)
    return s, s.makefile()
def ask(c, method, params=None):
    req = {"jsonrpc": "2.0", "id": 1, "method": method}
    if params is not None:
        req["params"] = params
    c[0].sendall((json.dumps(req) + "\n").encode())
    return json.loads(c[1].readline())
ev = conn()
assert "result" in ask(ev, "events.subscribe")
def next_state_event():
    while True:
        m = json.loads(ev[1].readline())
        if m.get("method") == "event" and m["params"]["event"].startswith("state_"):
            return m["params"]
with open(trigger, "w") as f:
    f.write("ENOSPC\n")
c = conn()
print("spawn", "result" in ask(c, "actor.spawn", {"plugin": "counter", "name": "B5"}))
e = next_state_event()
print(e["event"], e["path"], e["reason"])
os.unlink(trigger)
e = next_state_event()
print(e["event"], e["path"])
PY
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = "spawn True" ]
  [ "${lines[1]}" = "state_failed $STATE/state.json cannot write state file $STATE/state.json (creating state.json.tmp): No space left on device" ]
  [ "${lines[2]}" = "state_saved $STATE/state.json" ]
  recorded_is '["A0","B5"]'
  result actor.stop '{"target":"B5"}' >/dev/null
  result actor.stop '{"target":"A0"}' >/dev/null
  wait_for recorded_is '[]'
}

@test "a state file that cannot be read at start (EIO) is moved aside, kept whole, and the daemon starts empty" {
  result actor.spawn '{"plugin":"counter","name":"R0"}' >/dev/null
  wait_for recorded_is '["R0"]'
  cp "$STATE/state.json" "$BATS_TEST_TMPDIR/before.json"
  fail_on read
  daemon_restart
  fail_off
  grep -q "fail-writes: fopen $STATE/state.json: Input/output error" "$LOG"
  grep -q "state file $STATE/state.json is unreadable (.*Input/output error); moved aside to $STATE/state.json.bad-" "$LOG"
  run known R0
  [ "$status" -ne 0 ]
  bad=$(ls "$STATE"/state.json.bad-* | head -n 1)
  cmp "$bad" "$BATS_TEST_TMPDIR/before.json"
  # Recording goes on in a new file.
  result actor.spawn '{"plugin":"counter","name":"R1"}' >/dev/null
  wait_for recorded_is '["R1"]'
  result actor.stop '{"target":"R1"}' >/dev/null
}
